//! Revocation of one certificate at time T from the CRLs at hand (CONTRACT.md §3, RFC 5280 §6.3).
//!
//! The steps, for a certificate C:
//! 1. Candidates: the CRLs filed under C's issuer and under the cRLIssuer of each of C's
//!    distribution points (indirect CRLs).
//! 2. Each candidate is usable or not, cheapest check first: no unsupported critical extension
//!    and no defect (a missing or critical CRL number), C within its scope and for which reasons
//!    (`crl_scope`), current at T or issued later while C was valid, and signed by a CRL signer
//!    (C's issuer, or a separate signer with cRLSign whose own path validates and is not revoked).
//!    An unusable CRL is only a reason in the message: it never revokes anything.
//! 3. Deltas count with a usable complete CRL they update.
//! 4. Revoked when a usable CRL lists C with a date at or before T, except removeFromCRL and a
//!    certificateHold that newer evidence of the same scope, issued at or before T, lifted.
//! 5. Otherwise not revoked only when the usable complete CRLs cover every reason, and no
//!    newer delta had lapsed at T (then the revocations since the complete CRL are unknown).
//!
//! The common case (one complete CRL of C's issuer, no partitions) costs one hash lookup per
//! CRL, whatever its size; the only allocations are the short lists of usable CRLs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::cert::Certificate;
use crate::chain::PathBuilder;
use crate::crl::{Crl, RevocationReason, RevokedEntry};
use crate::crl_scope;
use crate::dist_point::{self, ReasonMask, ALL_REASONS};
use crate::name::NameKey;
use crate::phrase::{Phrase, PhraseKey};
use crate::verdict::CrlEvidence;

/// An immutable set of CRLs indexed by issuer name. Verifications read one snapshot from start to
/// end; a refresh builds a new one.
#[derive(Default)]
pub struct CrlSnapshot {
    by_issuer: HashMap<NameKey, Vec<Arc<Crl>>>,
    count: usize,
    /// The verdict's evidence record of each CRL, by SHA-256: formatted once here instead of in
    /// every verification that cites the CRL.
    evidence: HashMap<[u8; 32], CrlEvidence>,
}

impl std::fmt::Debug for CrlSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrlSnapshot")
            .field("crls", &self.count)
            .finish_non_exhaustive()
    }
}

impl CrlSnapshot {
    pub fn new(crls: impl IntoIterator<Item = Arc<Crl>>) -> Self {
        let mut snapshot = CrlSnapshot::default();
        for crl in crls {
            let slot = snapshot
                .by_issuer
                .entry(crl.issuer.key().clone())
                .or_default();
            if !slot.iter().any(|c| c.sha256 == crl.sha256) {
                snapshot.evidence.insert(crl.sha256, CrlEvidence::of(&crl));
                slot.push(crl);
                snapshot.count += 1;
            }
        }
        snapshot
    }

    /// `CrlEvidence::of(crl)`, precomputed for the CRLs of this snapshot.
    pub fn evidence_of(&self, crl: &Crl) -> Cow<'_, CrlEvidence> {
        match self.evidence.get(&crl.sha256) {
            Some(known) => Cow::Borrowed(known),
            None => Cow::Owned(CrlEvidence::of(crl)),
        }
    }

    /// The CRL with this SHA-256 (of its DER), when the snapshot holds it.
    pub fn by_sha256(&self, sha256: &[u8; 32]) -> Option<&Arc<Crl>> {
        self.iter().find(|crl| &crl.sha256 == sha256)
    }

    pub fn for_issuer(&self, issuer: &NameKey) -> &[Arc<Crl>] {
        self.by_issuer.get(issuer).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Crl>> {
        self.by_issuer.values().flatten()
    }
}

#[derive(Debug, Clone)]
pub enum RevocationStatus {
    /// Not revoked at T; `crls` are the CRLs that prove it.
    Good {
        crls: Vec<Arc<Crl>>,
    },
    Revoked {
        crl: Arc<Crl>,
        detail: Phrase,
    },
    /// No usable CRL: the reasons each candidate was refused.
    Unknown {
        why: Phrase,
    },
}

/// Everything a revocation decision needs.
pub struct RevocationContext<'a> {
    pub crls: &'a CrlSnapshot,
    pub paths: &'a PathBuilder<'a>,
    pub at: OffsetDateTime,
}

/// How long after its thisUpdate a CRL without nextUpdate counts as current. RFC 5280 §5.1.2.5
/// obliges issuers to state nextUpdate; a CRL that does not would otherwise stay "current"
/// forever, and a years-old copy taken before a revocation would keep proving "not revoked".
/// Like an OCSP answer without nextUpdate (CONTRACT §3), it is trusted for a bounded age only.
pub const MAX_AGE_WITHOUT_NEXT_UPDATE: time::Duration = time::Duration::days(7);

/// CRL-signer certificates are checked recursively; this bounds the recursion.
const MAX_SIGNER_DEPTH: usize = 2;

/// Separate CRL-signer candidates tried per CRL (each costs a signature check and a path): a
/// bundle of certificates named like the CA cannot make one CRL cost unbounded work.
const MAX_SIGNER_CANDIDATES: usize = 8;

/// Where a revocation question sits: at the top (the path asked about), or inside the
/// validation of a CRL signer's path.
#[derive(Debug, Clone, Copy, Default)]
struct Nesting {
    depth: usize,
    /// The SHA-256 of the CRL whose signer is being validated. That CRL's signature has been
    /// verified; when the signer's own status rests on the same CRL (an indirect CRL issuer
    /// that covers itself, PKITS 4.14.30), it is evidence without validating its signer again.
    pending: Option<[u8; 32]>,
}

/// What one candidate CRL is worth as evidence about one certificate.
enum Judged {
    /// Usable for these reasons.
    Usable(ReasonMask),
    /// An authentic delta CRL that covers the certificate but whose nextUpdate had passed at T.
    LapsedDelta(Phrase),
    Unusable(Phrase),
}

impl RevocationContext<'_> {
    /// The status of `cert`, issued by `issuer`, whose path ends at `anchor`.
    pub fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
    ) -> RevocationStatus {
        self.status_at_depth(cert, issuer, anchor, Nesting::default())
    }

    fn status_at_depth(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: Nesting,
    ) -> RevocationStatus {
        // CRL entries are matched by the serial's encoding, and CRLs only hold minimal ones (a
        // CRL that does not is malformed): a padded serial would never be found revoked.
        if !crate::crl::minimal_integer(&cert.serial) {
            return RevocationStatus::Unknown {
                why: Phrase::new(PhraseKey::SerialNotMinimal)
                    .text("subject", cert.subject.to_string()),
            };
        }
        let mut refusals = Vec::new();
        let mut complete: Vec<(Arc<Crl>, ReasonMask)> = Vec::new();
        let mut deltas = Vec::new();
        let mut lapsed = Vec::new();
        let mut candidates = 0;
        for name in crl_scope::crl_issuers(cert) {
            for crl in self.crls.for_issuer(name) {
                candidates += 1;
                match self.judge(crl, cert, issuer, anchor, depth) {
                    Judged::Usable(_) if crl.is_delta() => deltas.push(crl.clone()),
                    Judged::Usable(reasons) => complete.push((crl.clone(), reasons)),
                    Judged::LapsedDelta(why) => lapsed.push((crl.clone(), why)),
                    Judged::Unusable(why) => {
                        let refusal = Phrase::new(PhraseKey::CrlRefused);
                        let refusal = match crl.number_string() {
                            Some(number) => refusal.text("number", number),
                            None => {
                                refusal.phrase("number", Phrase::new(PhraseKey::CrlWithoutNumber))
                            }
                        };
                        refusals.push(
                            refusal
                                .text("date", crl.this_update.date().to_string())
                                .phrase("why", why),
                        );
                    }
                }
            }
        }
        if candidates == 0 {
            return RevocationStatus::Unknown {
                why: Phrase::new(PhraseKey::NoCrl).text("issuer", cert.issuer.to_string()),
            };
        }
        // A delta CRL counts only together with a usable complete CRL it updates.
        deltas.retain(|d: &Arc<Crl>| complete.iter().any(|(base, _)| updates(d, base)));
        if complete.is_empty() {
            if refusals.is_empty() {
                refusals.push(Phrase::new(PhraseKey::OnlyDeltaCrls));
            }
            return RevocationStatus::Unknown {
                why: Phrase::joined(refusals),
            };
        }

        let usable = || complete.iter().map(|(crl, _)| crl).chain(deltas.iter());
        for crl in usable() {
            if let Some(status) = self.revoked_by(crl, cert, &complete, &deltas) {
                return status;
            }
        }
        // RFC 5280 §6.3.3 (j)/(k): "not revoked" needs every reason covered.
        let covered = complete.iter().fold(0, |mask, (_, reasons)| mask | reasons);
        if covered & ALL_REASONS != ALL_REASONS {
            let missing = dist_point::reason_names(ALL_REASONS & !covered).join(", ");
            refusals.push(Phrase::new(PhraseKey::ReasonsNotCovered).text("missing", missing));
            return RevocationStatus::Unknown {
                why: Phrase::joined(refusals),
            };
        }
        if let Some(status) = self.lapsed_delta_status(cert, &complete, &deltas, &lapsed) {
            return status;
        }
        let mut evidence: Vec<Arc<Crl>> = usable().cloned().collect();
        evidence.dedup_by(|a, b| a.sha256 == b.sha256);
        RevocationStatus::Good { crls: evidence }
    }

    /// `cert` revoked at T by an entry of `crl`, one of the usable CRLs (CONTRACT.md §3): an entry
    /// dated at or before T, except removeFromCRL, and a certificateHold that evidence issued
    /// at or before T lifted. A hold still listed by a CRL issued after T was in force at T.
    fn revoked_by(
        &self,
        crl: &Arc<Crl>,
        cert: &Certificate,
        complete: &[(Arc<Crl>, ReasonMask)],
        deltas: &[Arc<Crl>],
    ) -> Option<RevocationStatus> {
        let found = crl.lookup_issued_by(cert.issuer.key(), &cert.serial)?;
        if found.date > self.at {
            return None;
        }
        match found.reason {
            Some(RevocationReason::RemoveFromCrl) => return None,
            Some(RevocationReason::CertificateHold)
                if crl.this_update <= self.at && self.hold_lifted(crl, cert, complete, deltas) =>
            {
                return None
            }
            _ => {}
        }
        Some(RevocationStatus::Revoked {
            detail: Phrase::new(PhraseKey::RevokedCrl)
                .text("date", crate::verdict::rfc3339(found.date))
                .phrase("reason", reason_phrase(found.reason))
                .text("crl", crl.number_string().unwrap_or_default()),
            crl: crl.clone(),
        })
    }

    /// Was the hold that `held` lists lifted by newer evidence of the same scope issued at or
    /// before T: a complete CRL that no longer lists it, or a delta with removeFromCRL?
    fn hold_lifted(
        &self,
        held: &Crl,
        cert: &Certificate,
        complete: &[(Arc<Crl>, ReasonMask)],
        deltas: &[Arc<Crl>],
    ) -> bool {
        let later = |other: &Crl| {
            other.this_update <= self.at
                && same_scope(other, held)
                && (&other.number, other.this_update) > (&held.number, held.this_update)
        };
        let entry = |other: &Crl| other.lookup_issued_by(cert.issuer.key(), &cert.serial);
        let released = |e: Option<RevokedEntry>| match e {
            None => true,
            Some(e) => e.reason == Some(RevocationReason::RemoveFromCrl),
        };
        complete
            .iter()
            .any(|(crl, _)| later(crl) && released(entry(crl)))
            || deltas.iter().any(|d| {
                later(d)
                    && entry(d).is_some_and(|e| e.reason == Some(RevocationReason::RemoveFromCrl))
            })
    }

    /// The complete CRLs and current deltas at hand say "not revoked"; but when the newest news
    /// about the certificate is a delta CRL that had lapsed at T, revocations published since the
    /// newest complete CRL are unknown, and a base CRL whose own nextUpdate is years away must not
    /// hide them. An entry in that lapsed delta still proves a revocation (revocations are final),
    /// except a certificateHold, which may have been released since.
    fn lapsed_delta_status(
        &self,
        cert: &Certificate,
        complete: &[(Arc<Crl>, ReasonMask)],
        deltas: &[Arc<Crl>],
        lapsed: &[(Arc<Crl>, Phrase)],
    ) -> Option<RevocationStatus> {
        let newest_current = complete
            .iter()
            .map(|(crl, _)| crl)
            .chain(deltas)
            .filter_map(|crl| crl.number.as_ref())
            .max();
        let (delta, why) = lapsed
            .iter()
            .filter(|(delta, _)| complete.iter().any(|(base, _)| updates(delta, base)))
            .filter(|(delta, _)| delta.number.as_ref() > newest_current)
            .max_by(|a, b| a.0.number.cmp(&b.0.number))?;
        let number = delta.number_string().unwrap_or_default();
        if let Some(found) = delta.lookup_issued_by(cert.issuer.key(), &cert.serial) {
            let final_revocation = !matches!(
                found.reason,
                Some(RevocationReason::RemoveFromCrl | RevocationReason::CertificateHold)
            );
            if final_revocation && found.date <= self.at {
                return Some(RevocationStatus::Revoked {
                    detail: Phrase::new(PhraseKey::RevokedLapsedDelta)
                        .text("date", crate::verdict::rfc3339(found.date))
                        .phrase("reason", reason_phrase(found.reason))
                        .text("crl", number),
                    crl: delta.clone(),
                });
            }
        }
        Some(RevocationStatus::Unknown {
            why: Phrase::new(PhraseKey::DeltaLapsed)
                .text("number", number)
                .text("date", delta.this_update.date().to_string())
                .phrase("why", why.clone()),
        })
    }

    /// Cheap checks first, the signature and the signer's path last.
    fn judge(
        &self,
        crl: &Arc<Crl>,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: Nesting,
    ) -> Judged {
        // The CRL's defects and scope in the parser's own words.
        if let Some(why) = crl.unusable_reason() {
            return Judged::Unusable(Phrase::verbatim(why));
        }
        let reasons = match crl_scope::coverage(crl, cert) {
            Ok(reasons) => reasons,
            Err(why) => return Judged::Unusable(Phrase::verbatim(why)),
        };
        // A lapsed delta still matters (see `lapsed_delta_status`) once it is known to be authentic.
        let lapsed = match self.fresh(crl, cert) {
            Ok(()) => None,
            Err(why) if crl.is_delta() && crl.this_update <= self.at => Some(why),
            Err(why) => return Judged::Unusable(why),
        };
        if let Err(why) = self.authentic(crl, issuer, anchor, depth) {
            return Judged::Unusable(Phrase::verbatim(why));
        }
        match lapsed {
            Some(why) => Judged::LapsedDelta(why),
            None => Judged::Usable(reasons),
        }
    }

    /// Signed by a CRL signer (CONTRACT.md §3, RFC 5280 §6.3.3 (f)): the certificate's issuer
    /// itself, or a separate CRL-signing certificate.
    fn authentic(
        &self,
        crl: &Crl,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: Nesting,
    ) -> Result<(), String> {
        if depth.pending == Some(crl.sha256) {
            return Ok(());
        }
        let mut refused = None;
        if crl.issuer.key() == issuer.subject.key() && key_ids_match(crl, issuer) {
            if !issuer.can_sign_crls() {
                refused = Some("the issuer's key usage lacks cRLSign".to_string());
            } else {
                match self.paths.cache.verify(
                    &crl.sha256,
                    &crl.signed,
                    &issuer.spki,
                    &issuer.spki_sha256,
                ) {
                    Ok(()) => return Ok(()),
                    Err(e) => refused = Some(format!("signature: {e}")),
                }
            }
        }
        self.separate_signer(crl, issuer, anchor, depth)
            .map_err(|other| match refused {
                Some(by_issuer) => format!("{by_issuer}; separate CRL signers: {other}"),
                None => other,
            })
    }

    /// A certificate whose subject is the CRL issuer, with keyUsage present and cRLSign set, whose
    /// key verifies the CRL, whose path validates to the same anchor, valid at T, and which is
    /// not revoked (nor any certificate of its path). Any failure makes the CRL unusable: it never
    /// makes the certificate asked about revoked.
    fn separate_signer(
        &self,
        crl: &Crl,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: Nesting,
    ) -> Result<(), String> {
        if depth.depth >= MAX_SIGNER_DEPTH {
            return Err("CRL signer chain too deep".into());
        }
        let mut why = String::from("no certificate for the CRL signing key");
        let mut tried = 0;
        let pools = self
            .paths
            .pools
            .iter()
            .copied()
            .chain(std::iter::once(self.paths.anchors));
        for pool in pools {
            for signer in pool.with_subject(crl.issuer.key()) {
                if signer.fingerprint == issuer.fingerprint || !key_ids_match(crl, signer) {
                    continue;
                }
                if !signer.key_usage.is_some_and(|ku| ku.crl_sign) {
                    why = format!(
                        "the certificate {} has no keyUsage with cRLSign",
                        signer.subject
                    );
                    continue;
                }
                tried += 1;
                if tried > MAX_SIGNER_CANDIDATES {
                    return Err(format!(
                        "{why}; gave up after {MAX_SIGNER_CANDIDATES} CRL-signer candidates"
                    ));
                }
                if let Err(e) = self.paths.cache.verify(
                    &crl.sha256,
                    &crl.signed,
                    &signer.spki,
                    &signer.spki_sha256,
                ) {
                    why = format!("signature: {e}");
                    continue;
                }
                let inner = Nesting {
                    depth: depth.depth + 1,
                    pending: Some(crl.sha256),
                };
                match self.signer_path_holds(signer, anchor, inner) {
                    Ok(()) => return Ok(()),
                    Err(e) => why = e,
                }
            }
        }
        Err(why)
    }

    /// The CRL signer's own path: to `anchor`, every certificate valid at T and not revoked.
    fn signer_path_holds(
        &self,
        signer: &Arc<Certificate>,
        anchor: &Certificate,
        depth: Nesting,
    ) -> Result<(), String> {
        let path = match self.paths.build(signer) {
            Ok(p) if p.anchor().fingerprint == anchor.fingerprint => p,
            Ok(_) => return Err("the CRL signer chains to another anchor".into()),
            Err(e) => return Err(format!("CRL signer: {e}")),
        };
        for (cert, its_issuer) in path.with_issuers() {
            if cert.not_before > self.at || cert.not_after < self.at {
                return Err(format!(
                    "CRL signer certificate {} is not valid at the validation time",
                    cert.subject
                ));
            }
            match self.status_at_depth(cert, its_issuer, anchor, depth) {
                RevocationStatus::Good { .. } => {}
                RevocationStatus::Revoked { detail, .. } => {
                    return Err(format!(
                        "the CRL signer certificate {} is revoked ({detail})",
                        cert.subject
                    ))
                }
                RevocationStatus::Unknown { why } => {
                    return Err(format!("CRL signer revocation unknown: {why}"))
                }
            }
        }
        Ok(())
    }

    /// CONTRACT.md §3: (a) current at T, or (b) issued after T while the certificate was valid.
    fn fresh(&self, crl: &Crl, cert: &Certificate) -> Result<(), Phrase> {
        let t = self.at;
        let current = crl.this_update <= t
            && match crl.next_update {
                Some(next) => t < next,
                None => t <= crl.this_update + MAX_AGE_WITHOUT_NEXT_UPDATE,
            };
        let later_while_valid = t < crl.this_update && crl.this_update <= cert.not_after;
        if current || later_while_valid {
            return Ok(());
        }
        if t < crl.this_update {
            return Err(Phrase::new(PhraseKey::CrlAfterExpiry));
        }
        if crl.next_update.is_none() {
            return Err(Phrase::new(PhraseKey::CrlStaleNoNextUpdate)
                .text("days", MAX_AGE_WITHOUT_NEXT_UPDATE.whole_days().to_string()));
        }
        Err(Phrase::new(PhraseKey::CrlStale).text(
            "next_update",
            crl.next_update
                .map(crate::verdict::rfc3339)
                .unwrap_or_default(),
        ))
    }
}

/// A revocation reason's name, or "no reason code".
pub(crate) fn reason_phrase(reason: Option<RevocationReason>) -> Phrase {
    match reason {
        Some(r) => Phrase::new(PhraseKey::Verbatim).text("text", r.as_str()),
        None => Phrase::new(PhraseKey::NoReasonCode),
    }
}

/// The CRL names a key identifier that is not the certificate's: someone else signed it.
fn key_ids_match(crl: &Crl, signer: &Certificate) -> bool {
    match (&crl.authority_key_id, &signer.subject_key_id) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

/// Same issuer and same issuing distribution point: CRLs about the same certificates.
fn same_scope(a: &Crl, b: &Crl) -> bool {
    a.scope == b.scope && a.issuer.key() == b.issuer.key()
}

/// Does delta CRL `delta` update complete CRL `base` (RFC 5280 §5.2.4, §6.3.3 (d)): same issuer
/// and scope, BaseCRLNumber <= the base's number < the delta's number?
fn updates(delta: &Crl, base: &Crl) -> bool {
    let Some(base_number) = base.number.as_ref() else {
        return false;
    };
    same_scope(delta, base)
        && delta.delta_base.as_ref().is_some_and(|b| b <= base_number)
        && delta.number.as_ref().is_some_and(|n| n > base_number)
}
