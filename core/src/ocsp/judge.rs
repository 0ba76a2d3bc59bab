//! Does an OCSP answer count as evidence about certificate C, issued by I, at time T, and what
//! does it say (CONTRACT.md §3, RFC 6960 §3.2)?
//!
//! The steps, for each answer at hand, cheapest first:
//! 1. A response that is not `successful` (tryLater, internalError, …) answers nothing: it only
//!    explains why the status is unknown.
//! 2. A SingleResponse whose CertID (SHA-1 or SHA-256) names C: the hashes of C's issuer name and
//!    I's key, and C's serial. An answer about another certificate is simply not about C.
//! 3. No critical extension this service does not understand.
//! 4. When the request carried a nonce, the response echoes it.
//! 5. The signer: I itself, or a delegated responder certificate that I issued (its signature
//!    verifies with I's key) with id-kp-OCSPSigning, a key usage (if any) that allows signatures
//!    and no unsupported critical extension, valid at T, named by the responderID, whose
//!    key verifies the response; with id-pkix-ocsp-nocheck its status is not asked, otherwise
//!    the same revocation sources judge it — but a delegated responder may not vouch for a
//!    responder (no loops: its status must come from CRLs or from I's own answers).
//! 6. Fresh at T: thisUpdate <= T (plus the configured clock skew, zero by default), and
//!    T < nextUpdate, or with no nextUpdate producedAt within the configured maximum age of T.
//!    A revocation answered later (thisUpdate > T) still proves a final revocation dated at or
//!    before T, as a later CRL entry does.
//! 7. The status: good; revoked at or before T (the NCA's "not issued" answer — revoked, with
//!    extended-revoke, at 1970-01-01 — says the CA does not know the certificate); revoked after
//!    T is good at T; unknown is unknown.
//!
//! An answer that fails a step never makes C revoked: it is unusable, and its reason goes into
//! the message of a `revocation_unknown`.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::request::{issuer_hashes, public_key_bits};
use super::response::{BasicResponse, CertStatus, ResponderId, SingleResponse};
use super::{oid, CertIdHash, OcspAnswer, OcspResponse, ResponseStatus};
use crate::cert::Certificate;
use crate::crl::RevocationReason;
use crate::phrase::{Phrase, PhraseKey};
use crate::revocation::reason_phrase;
use crate::sigcache::SigCache;
use crate::verdict::rfc3339;

/// The OCSP side of a revocation decision: the answers at hand and the rules for them.
pub(crate) struct OcspContext<'a> {
    pub answers: &'a [OcspAnswer],
    /// How old a response without nextUpdate may be (its producedAt before T).
    pub max_age: Duration,
    /// How far after T thisUpdate may lie and still count as at or before T.
    pub clock_skew: Duration,
    pub at: OffsetDateTime,
    pub cache: &'a SigCache,
    /// Whether a delegated responder may sign: false while judging a responder's own status.
    pub delegated: bool,
}

/// The answer that decided, for the evidence.
#[derive(Debug, Clone)]
pub(crate) struct Used {
    pub response: Arc<OcspResponse>,
    /// The SingleResponse about the certificate.
    pub single: SingleResponse,
    /// The response's producedAt (a used response is a successful, basic one).
    pub produced_at: OffsetDateTime,
    /// Who signed it: the issuer or the delegated responder (subject name).
    pub signer: String,
    pub url: Option<String>,
}

impl Used {
    pub fn single(&self) -> &SingleResponse {
        &self.single
    }

    /// "good from <signer> produced <time>"
    fn describe(&self) -> Phrase {
        let key = match self.single().status {
            CertStatus::Good => PhraseKey::OcspAnswerGood,
            CertStatus::Revoked { .. } => PhraseKey::OcspAnswerRevoked,
            CertStatus::Unknown => PhraseKey::OcspAnswerUnknown,
        };
        Phrase::new(key)
            .text("responder", self.signer.clone())
            .text("produced_at", rfc3339(self.produced_at))
    }
}

/// What the OCSP answers at hand say about one certificate at T.
#[derive(Debug, Clone)]
pub(crate) enum OcspStatus {
    Good {
        used: Used,
        detail: Phrase,
    },
    Revoked {
        used: Used,
        detail: Phrase,
    },
    /// No answer decides: none, none usable, or the responder said `unknown`.
    Unknown {
        why: Phrase,
    },
}

/// What one answer is worth about one certificate.
enum Finding {
    /// Not about this certificate.
    NotAbout,
    Unusable(Phrase),
    Good(Used, Phrase),
    Revoked(Used, Phrase),
    /// The responder does not know the certificate.
    Unknown(Phrase),
}

/// The check of a delegated responder's own status: `Err` says why it cannot be trusted.
pub(crate) type ResponderCheck<'c> = dyn Fn(&Certificate, &Certificate) -> Result<(), String> + 'c;

impl OcspContext<'_> {
    /// The status of `cert`, issued by `issuer`, from every answer at hand: a usable "revoked"
    /// beats a usable "good", which beats everything else.
    pub fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        responder_check: &ResponderCheck<'_>,
    ) -> OcspStatus {
        let mut good = None;
        let mut reasons: Vec<Phrase> = Vec::new();
        for answer in self.answers {
            match self.judge(answer, cert, issuer, responder_check) {
                Finding::NotAbout => {}
                Finding::Revoked(used, detail) => return OcspStatus::Revoked { used, detail },
                Finding::Good(used, detail) => {
                    good.get_or_insert((used, detail));
                }
                Finding::Unknown(why) | Finding::Unusable(why) => {
                    reasons.push(match answer.responder_url.as_deref() {
                        Some(url) => Phrase::new(PhraseKey::OcspFrom)
                            .phrase("why", why)
                            .text("url", url),
                        None => why,
                    });
                }
            }
        }
        if let Some((used, detail)) = good {
            return OcspStatus::Good { used, detail };
        }
        if reasons.is_empty() {
            reasons.push(
                Phrase::new(PhraseKey::NoOcspAnswer).text("subject", cert.subject.to_string()),
            );
        }
        reasons.dedup();
        OcspStatus::Unknown {
            why: Phrase::new(PhraseKey::OcspUnknown).list("why", reasons),
        }
    }

    fn judge(
        &self,
        answer: &OcspAnswer,
        cert: &Certificate,
        issuer: &Certificate,
        responder_check: &ResponderCheck<'_>,
    ) -> Finding {
        let about_cert = answer.subject.is_none_or(|s| s == cert.fingerprint);
        let response = match &answer.response {
            Ok(r) => r,
            Err(why) if about_cert => {
                return Finding::Unusable(
                    Phrase::new(PhraseKey::OcspNoResponse).text("why", why.to_string()),
                )
            }
            Err(_) => return Finding::NotAbout,
        };
        let Some(basic) = response.basic.as_ref() else {
            return if about_cert && response.status != ResponseStatus::Successful {
                Finding::Unusable(
                    Phrase::new(PhraseKey::OcspNotAStatus).text("status", response.status.as_str()),
                )
            } else {
                Finding::NotAbout
            };
        };
        let Some(index) = matching_single(basic, cert, issuer) else {
            return Finding::NotAbout;
        };
        let single = &basic.responses[index];
        if let Some(what) = basic
            .unsupported_critical
            .first()
            .or(single.unsupported_critical.first())
        {
            return Finding::Unusable(
                Phrase::new(PhraseKey::OcspUnsupportedCritical).text("oid", what.to_string()),
            );
        }
        if let Some(sent) = &answer.nonce {
            match &basic.nonce {
                Some(echoed) if echoed == sent => {}
                Some(_) => return Finding::Unusable(Phrase::new(PhraseKey::OcspNonceDiffers)),
                None => return Finding::Unusable(Phrase::new(PhraseKey::OcspNonceMissing)),
            }
        }
        let signer = match self.signer(response, basic, issuer, responder_check) {
            Ok(s) => s,
            // The responder's refusal in the judge's own words.
            Err(why) => return Finding::Unusable(Phrase::verbatim(why)),
        };
        let used = Used {
            response: Arc::clone(response),
            single: single.clone(),
            produced_at: basic.produced_at,
            signer,
            url: answer.responder_url.clone(),
        };
        if let Err(why) = self.fresh(basic, single) {
            return Finding::Unusable(Phrase::verbatim(why));
        }
        self.status_of(used)
    }

    /// Step 7, for a usable answer.
    fn status_of(&self, used: Used) -> Finding {
        let single = used.single().clone();
        match single.status {
            CertStatus::Good => {
                let detail = Phrase::new(PhraseKey::OcspGood).phrase("answer", used.describe());
                Finding::Good(used, detail)
            }
            CertStatus::Unknown => Finding::Unknown(
                Phrase::new(PhraseKey::OcspResponderUnknown).text("responder", used.signer.clone()),
            ),
            CertStatus::Revoked { time, .. } if not_issued(&single) => {
                let detail = Phrase::new(PhraseKey::OcspNotIssued)
                    .text("responder", used.signer.clone())
                    .text("date", rfc3339(time))
                    .text("produced_at", rfc3339(used.produced_at));
                Finding::Revoked(used, detail)
            }
            CertStatus::Revoked { time, reason } if time <= self.at => {
                let detail = Phrase::new(PhraseKey::RevokedOcsp)
                    .text("date", rfc3339(time))
                    .phrase("reason", reason_phrase(reason))
                    .phrase("answer", used.describe());
                Finding::Revoked(used, detail)
            }
            CertStatus::Revoked { time, .. } => {
                let detail = Phrase::new(PhraseKey::OcspRevokedLater)
                    .text("date", rfc3339(time))
                    .phrase("answer", used.describe());
                Finding::Good(used, detail)
            }
        }
    }

    /// Step 5: who may have signed `basic`, and did they? The signer's name on success.
    fn signer(
        &self,
        response: &OcspResponse,
        basic: &BasicResponse,
        issuer: &Certificate,
        responder_check: &ResponderCheck<'_>,
    ) -> Result<String, String> {
        let algorithm = basic
            .algorithm
            .clone()
            .map_err(|e| format!("the response's signature: {e}"))?;
        let verify = |key: &Certificate| {
            self.cache
                .verify_by(&response.sha256, &key.spki_sha256, || {
                    crate::crypto::verify(algorithm, &key.spki, basic.tbs(), &basic.signature)
                })
        };
        if names(&basic.responder, issuer) {
            return match verify(issuer) {
                Ok(()) => Ok(issuer.subject.to_string()),
                Err(e) => Err(format!(
                    "signed in the name of the issuer {}, but {e}",
                    issuer.subject
                )),
            };
        }
        let mut why = format!(
            "signed by {}, which is neither the issuer {} nor a responder certificate sent \
             with the response",
            basic.responder, issuer.subject
        );
        for candidate in basic.certs.iter().filter(|c| names(&basic.responder, c)) {
            match self.delegated_responder(candidate, issuer, &verify, responder_check) {
                Ok(()) => return Ok(candidate.subject.to_string()),
                Err(e) => why = e,
            }
        }
        Err(why)
    }

    /// A delegated responder certificate (RFC 6960 §4.2.2.2), checked cheapest first.
    fn delegated_responder(
        &self,
        responder: &Certificate,
        issuer: &Certificate,
        verify: &dyn Fn(&Certificate) -> Result<(), crate::crypto::CryptoError>,
        responder_check: &ResponderCheck<'_>,
    ) -> Result<(), String> {
        let who = &responder.subject;
        if !self.delegated {
            return Err(format!(
                "signed by the delegated responder {who}, while that responder's own status is \
                 being judged: a responder cannot vouch for a responder"
            ));
        }
        if !responder.issuer.matches(&issuer.subject) {
            return Err(format!(
                "OCSP responder not authorised: {who} is issued by {}, not by the certificate's \
                 issuer {}",
                responder.issuer, issuer.subject
            ));
        }
        let signing = oid::KP_OCSP_SIGNING.to_string();
        if !responder.ext_key_usage.contains(&signing) {
            return Err(format!(
                "OCSP responder not authorised: {who} lacks id-kp-OCSPSigning"
            ));
        }
        if let Some(oid) = responder.unsupported_critical.first() {
            return Err(format!(
                "the OCSP responder certificate {who} has an unsupported critical extension {oid}"
            ));
        }
        if responder
            .key_usage
            .is_some_and(|ku| !ku.digital_signature && !ku.non_repudiation)
        {
            return Err(format!(
                "OCSP responder not authorised: the key usage of {who} allows no signature"
            ));
        }
        if responder.not_before > self.at || responder.not_after < self.at {
            return Err(format!(
                "the OCSP responder certificate {who} is not valid at the validation time ({} .. {})",
                rfc3339(responder.not_before),
                rfc3339(responder.not_after)
            ));
        }
        self.cache
            .verify(
                &responder.fingerprint,
                &responder.signed,
                &issuer.spki,
                &issuer.spki_sha256,
            )
            .map_err(|e| {
                format!(
                    "OCSP responder not authorised: {who} was not issued by the certificate's \
                     issuer ({e})"
                )
            })?;
        verify(responder).map_err(|e| format!("the response's signature by {who}: {e}"))?;
        if responder.ocsp_nocheck {
            return Ok(());
        }
        responder_check(responder, issuer).map_err(|why| {
            format!(
                "the OCSP responder {who} has no id-pkix-ocsp-nocheck and its own status: {why}"
            )
        })
    }

    /// Step 6.
    fn fresh(&self, basic: &BasicResponse, single: &SingleResponse) -> Result<(), String> {
        let t = self.at;
        if single.this_update > t + self.clock_skew {
            // A later answer still proves a final revocation dated at or before T.
            let final_revocation = match single.status {
                CertStatus::Revoked { time, reason } => {
                    not_issued(single)
                        || (time <= t && reason != Some(RevocationReason::CertificateHold))
                }
                _ => false,
            };
            if final_revocation {
                return Ok(());
            }
            return Err(format!(
                "thisUpdate {} is after the validation time",
                rfc3339(single.this_update)
            ));
        }
        match single.next_update {
            Some(next) if t < next => Ok(()),
            Some(next) => Err(format!(
                "stale: nextUpdate {} is not after the validation time",
                rfc3339(next)
            )),
            None if basic.produced_at + self.max_age >= t => Ok(()),
            None => Err(format!(
                "stale: no nextUpdate, and produced {} — more than {} before the validation time",
                rfc3339(basic.produced_at),
                describe_duration(self.max_age)
            )),
        }
    }
}

/// The NCA's answer for a certificate it never issued (RFC 6960 §2.2): "revoked" with the
/// extended-revoke extension and revocationTime 1970-01-01T00:00:00Z.
fn not_issued(single: &SingleResponse) -> bool {
    matches!(single.status, CertStatus::Revoked { time, .. } if time.unix_timestamp() == 0)
        && single.extended_revoke
}

/// Does the responderID name `cert`: its subject, or the SHA-1 of its key?
fn names(responder: &ResponderId, cert: &Certificate) -> bool {
    match responder {
        ResponderId::ByName(name) => name.matches(&cert.subject),
        ResponderId::ByKey(hash) => public_key_bits(cert)
            .map(|bits| CertIdHash::Sha1.digest(bits) == *hash)
            .unwrap_or(false),
    }
}

/// The hash of the certificate's issuer field, of the issuer's own subject, and of its key.
type IssuerHashes = (Vec<u8>, Vec<u8>, Vec<u8>);

/// The SingleResponse whose CertID names `cert` issued by `issuer`.
fn matching_single(
    basic: &BasicResponse,
    cert: &Certificate,
    issuer: &Certificate,
) -> Option<usize> {
    // Hashes are computed once per algorithm, and only for answers with the right serial.
    let mut computed: Vec<(CertIdHash, Option<IssuerHashes>)> = Vec::new();
    basic.responses.iter().position(|single| {
        let Some(hash) = single.hash else {
            return false;
        };
        if single.serial != cert.serial {
            return false;
        }
        let slot = match computed.iter().position(|(h, _)| *h == hash) {
            Some(i) => i,
            None => {
                let hashes = issuer_hashes(cert, issuer, hash).ok().map(|(name, key)| {
                    // The issuer's own subject, in case it is encoded otherwise than the
                    // certificate's issuer field (the hash some responders use).
                    (name, hash.digest(&issuer.subject.der), key)
                });
                computed.push((hash, hashes));
                computed.len() - 1
            }
        };
        match &computed[slot].1 {
            Some((name, issuer_name, key)) => {
                (single.issuer_name_hash == *name || single.issuer_name_hash == *issuer_name)
                    && single.issuer_key_hash == *key
            }
            None => false,
        }
    })
}

fn describe_duration(d: Duration) -> String {
    let secs = d.whole_seconds();
    if secs % 3600 == 0 {
        format!("{} h", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}
