//! Revocation of one certificate at time T from the CRLs at hand (CONTRACT.md §3, RFC 5280 §6.3).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::cert::Certificate;
use crate::chain::PathBuilder;
use crate::crl::{Crl, RevocationReason, RevokedEntry};
use crate::name::NameKey;
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
    Good { crls: Vec<Arc<Crl>> },
    Revoked {
        entry: RevokedEntry,
        crl: Arc<Crl>,
        detail: String,
    },
    /// No usable CRL: the reasons each candidate was refused.
    Unknown { why: String },
}

/// Everything a revocation decision needs.
pub struct RevocationContext<'a> {
    pub crls: &'a CrlSnapshot,
    pub paths: &'a PathBuilder<'a>,
    pub at: OffsetDateTime,
}

/// CRL-signer certificates are checked recursively; this bounds the recursion.
const MAX_SIGNER_DEPTH: usize = 2;

enum Usability {
    Usable,
    /// An authentic delta CRL that covers the certificate but whose nextUpdate had passed at T.
    LapsedDelta(String),
    Unusable(String),
    SignerRevoked(String, RevokedEntry, Arc<Crl>),
}

impl RevocationContext<'_> {
    /// The status of `cert`, issued by `issuer`, whose path ends at `anchor`.
    pub fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
    ) -> RevocationStatus {
        self.status_at_depth(cert, issuer, anchor, 0)
    }

    fn status_at_depth(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: usize,
    ) -> RevocationStatus {
        let candidates = self.crls.for_issuer(cert.issuer.key());
        if candidates.is_empty() {
            return RevocationStatus::Unknown {
                why: format!("no CRL from {} is available", cert.issuer),
            };
        }
        let mut refusals = Vec::new();
        let mut full = Vec::new();
        let mut deltas = Vec::new();
        let mut lapsed = Vec::new();
        for crl in candidates {
            match self.usability(crl, cert, issuer, anchor, depth) {
                Usability::Usable if crl.is_delta() => deltas.push(crl.clone()),
                Usability::Usable => full.push(crl.clone()),
                Usability::LapsedDelta(why) => lapsed.push((crl.clone(), why)),
                Usability::Unusable(why) => refusals.push(format!(
                    "CRL {} ({}): {why}",
                    crl.number_string()
                        .unwrap_or_else(|| "without number".into()),
                    crl.this_update.date()
                )),
                Usability::SignerRevoked(detail, entry, crl) => {
                    return RevocationStatus::Revoked { entry, crl, detail };
                }
            }
        }
        if full.is_empty() {
            if refusals.is_empty() {
                refusals.push("only delta CRLs, no complete CRL".into());
            }
            return RevocationStatus::Unknown {
                why: refusals.join("; "),
            };
        }

        let mut evidence = Vec::new();
        for base in &full {
            let mut entry = base.lookup(&cert.serial).map(|e| (e, base.clone()));
            evidence.push(base.clone());
            if let Some(delta) = newest_delta_for(base, &deltas) {
                evidence.push(delta.clone());
                if let Some(d) = delta.lookup(&cert.serial) {
                    entry = Some((d, delta.clone()));
                }
            }
            if let Some((found, crl)) = entry {
                let removed = found.reason == Some(RevocationReason::RemoveFromCrl);
                if !removed && found.date <= self.at {
                    let reason = found.reason.map(|r| r.as_str()).unwrap_or("no reason code");
                    return RevocationStatus::Revoked {
                        detail: format!(
                            "revoked on {} ({reason}), CRL {}",
                            crate::verdict::rfc3339(found.date),
                            crl.number_string().unwrap_or_default()
                        ),
                        entry: found,
                        crl,
                    };
                }
            }
        }
        if let Some(status) = self.lapsed_delta_status(cert, &full, &deltas, &lapsed) {
            return status;
        }
        evidence.dedup_by(|a, b| a.sha256 == b.sha256);
        RevocationStatus::Good { crls: evidence }
    }

    /// The complete CRLs and current deltas at hand say "not revoked"; but when the newest news
    /// about the certificate is a delta CRL that had lapsed at T, revocations published since the
    /// newest complete CRL are unknown, and a base CRL whose own nextUpdate is years away must not
    /// hide them. An entry in that lapsed delta still proves a revocation (revocations are final),
    /// except a certificateHold, which may have been released since.
    fn lapsed_delta_status(
        &self,
        cert: &Certificate,
        full: &[Arc<Crl>],
        deltas: &[Arc<Crl>],
        lapsed: &[(Arc<Crl>, String)],
    ) -> Option<RevocationStatus> {
        let newest_current = full
            .iter()
            .chain(deltas.iter().filter(|d| {
                full.iter()
                    .any(|base| newest_delta_for(base, std::slice::from_ref(d)).is_some())
            }))
            .filter_map(|crl| crl.number.as_ref())
            .max();
        let (delta, why) = lapsed
            .iter()
            .filter(|(delta, _)| {
                full.iter()
                    .any(|base| newest_delta_for(base, std::slice::from_ref(delta)).is_some())
            })
            .filter(|(delta, _)| delta.number.as_ref() > newest_current)
            .max_by(|a, b| a.0.number.cmp(&b.0.number))?;
        let number = delta.number_string().unwrap_or_default();
        if let Some(found) = delta.lookup(&cert.serial) {
            let final_revocation = !matches!(
                found.reason,
                Some(RevocationReason::RemoveFromCrl | RevocationReason::CertificateHold)
            );
            if final_revocation && found.date <= self.at {
                let reason = found.reason.map(|r| r.as_str()).unwrap_or("no reason code");
                return Some(RevocationStatus::Revoked {
                    detail: format!(
                        "revoked on {} ({reason}), delta CRL {number} (lapsed since)",
                        crate::verdict::rfc3339(found.date),
                    ),
                    entry: found,
                    crl: delta.clone(),
                });
            }
        }
        Some(RevocationStatus::Unknown {
            why: format!(
                "delta CRL {number} ({}): {why}; the revocations published since the complete \
                 CRL are unknown",
                delta.this_update.date()
            ),
        })
    }

    fn usability(
        &self,
        crl: &Arc<Crl>,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: usize,
    ) -> Usability {
        if let Some(what) = crl.unsupported_critical.first() {
            return Usability::Unusable(format!("unsupported critical {what}"));
        }
        if let Err(why) = covers(crl, cert) {
            return Usability::Unusable(why);
        }
        // A lapsed delta still matters (see `lapsed_delta_status`) once it is known to be authentic.
        let lapsed = match self.fresh(crl, cert) {
            Ok(()) => None,
            Err(why) if crl.is_delta() && crl.this_update <= self.at => Some(why),
            Err(why) => return Usability::Unusable(why),
        };
        let authentic = self.authentic(crl, issuer, anchor, depth);
        match (authentic, lapsed) {
            (Usability::Usable, Some(why)) => Usability::LapsedDelta(why),
            (other, _) => other,
        }
    }

    /// Signed by the certificate's issuer, directly or through a separate CRL signer.
    fn authentic(
        &self,
        crl: &Arc<Crl>,
        issuer: &Certificate,
        anchor: &Certificate,
        depth: usize,
    ) -> Usability {
        let issuer_signs = match (&crl.authority_key_id, &issuer.subject_key_id) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        };
        if issuer_signs {
            if !issuer.can_sign_crls() {
                return Usability::Unusable("the issuer's key usage lacks cRLSign".into());
            }
            return match self.paths.cache.verify(
                &crl.sha256,
                &crl.signed,
                &issuer.spki,
                &issuer.spki_sha256,
            ) {
                Ok(()) => Usability::Usable,
                Err(e) => Usability::Unusable(format!("signature: {e}")),
            };
        }
        self.separate_signer(crl, anchor, depth)
    }

    /// A CRL signed by a different key of the same CA (RFC 5280 §6.3.3 (f)): the CRL signer's
    /// certificate must chain to the same anchor, be valid at T and not be revoked itself.
    fn separate_signer(&self, crl: &Arc<Crl>, anchor: &Certificate, depth: usize) -> Usability {
        if depth >= MAX_SIGNER_DEPTH {
            return Usability::Unusable("CRL signer chain too deep".into());
        }
        let mut why = String::from("no certificate for the CRL signing key");
        let pools = self
            .paths
            .pools
            .iter()
            .chain(std::iter::once(&self.paths.anchors));
        for pool in pools {
            for signer in pool.with_subject(crl.issuer.key()) {
                if signer.subject_key_id != crl.authority_key_id || !signer.can_sign_crls() {
                    continue;
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
                let path = match self.paths.build(signer) {
                    Ok(p) if p.anchor().fingerprint == anchor.fingerprint => p,
                    Ok(_) => {
                        why = "the CRL signer chains to another anchor".into();
                        continue;
                    }
                    Err(e) => {
                        why = format!("CRL signer: {e}");
                        continue;
                    }
                };
                for (cert, its_issuer) in path.with_issuers() {
                    if cert.not_before > self.at || cert.not_after < self.at {
                        return Usability::Unusable(format!(
                            "CRL signer certificate {} is not valid at the validation time",
                            cert.subject
                        ));
                    }
                    match self.status_at_depth(cert, its_issuer, anchor, depth + 1) {
                        RevocationStatus::Good { .. } => {}
                        RevocationStatus::Revoked { entry, crl, .. } => {
                            return Usability::SignerRevoked(
                                format!("the CRL signer certificate {} is revoked", cert.subject),
                                entry,
                                crl,
                            )
                        }
                        RevocationStatus::Unknown { why } => {
                            return Usability::Unusable(format!(
                                "CRL signer revocation unknown: {why}"
                            ))
                        }
                    }
                }
                return Usability::Usable;
            }
        }
        Usability::Unusable(why)
    }

    /// CONTRACT.md §3: (a) current at T, or (b) issued after T while the certificate was valid.
    fn fresh(&self, crl: &Crl, cert: &Certificate) -> Result<(), String> {
        let t = self.at;
        let current = crl.this_update <= t && crl.next_update.is_none_or(|next| t < next);
        let later_while_valid = t < crl.this_update && crl.this_update <= cert.not_after;
        if current || later_while_valid {
            return Ok(());
        }
        if t < crl.this_update {
            return Err(
                "issued after the certificate expired, so it proves nothing about it".into(),
            );
        }
        Err(format!(
            "stale: nextUpdate {} is not after the validation time",
            crl.next_update
                .map(crate::verdict::rfc3339)
                .unwrap_or_default()
        ))
    }
}

/// Does the CRL's scope (issuingDistributionPoint) cover this certificate?
fn covers(crl: &Crl, cert: &Certificate) -> Result<(), String> {
    let scope = &crl.scope;
    if scope.indirect {
        return Err("indirect CRLs are not supported".into());
    }
    if scope.only_attribute_certs {
        return Err("covers attribute certificates only".into());
    }
    if scope.only_some_reasons {
        return Err("covers only some revocation reasons".into());
    }
    if scope.only_user_certs && cert.is_ca() {
        return Err("covers end-entity certificates only".into());
    }
    if scope.only_ca_certs && !cert.is_ca() {
        return Err("covers CA certificates only".into());
    }
    if !scope.distribution_point_urls.is_empty()
        && !cert.crl_urls.is_empty()
        && !scope
            .distribution_point_urls
            .iter()
            .any(|u| cert.crl_urls.contains(u))
    {
        return Err("its distribution point is not one named by the certificate".into());
    }
    Ok(())
}

/// The newest usable delta that updates `base` (RFC 5280 §5.2.4: BaseCRLNumber <= base number < delta number).
fn newest_delta_for<'a>(base: &Crl, deltas: &'a [Arc<Crl>]) -> Option<&'a Arc<Crl>> {
    let base_number = base.number.as_ref()?;
    deltas
        .iter()
        .filter(|d| {
            d.scope == base.scope
                && d.delta_base.as_ref().is_some_and(|b| b <= base_number)
                && d.number.as_ref().is_some_and(|n| n > base_number)
        })
        .max_by(|a, b| a.number.cmp(&b.number))
}
