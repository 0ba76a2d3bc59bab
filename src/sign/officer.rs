//! An officer who signs issued results for a provider, and the conditions checked before every
//! signature.
//!
//! Before signing, the officer's own certificate is checked by the core
//! ([`Verifier::verify_certificate`] at the current time, SIGN key usage): chain to a trust anchor,
//! validity, not revoked with a usable CRL. Then the officer's rules: the certificate's BIN is the
//! provider's (`provider_mismatch`) and its role is one allowed to sign for the provider
//! (`role_not_allowed`). Any failure refuses with its code and signs nothing.
//!
//! The outcome of that check is kept until the CRL snapshot of the verifier changes, the check is
//! [`CHECK_TTL`] old, or a time that changes the answer comes (a certificate's notBefore or
//! notAfter, a used CRL's nextUpdate), whichever is first; signatures in between reuse it.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use serde::Serialize;
use time::OffsetDateTime;

use super::cms_builder::{SignInput, SignerTemplate};
use super::config::OfficerSettings;
use super::keystore::{KeyAlgorithm, SigningKey};
use super::{Refusal, RefusalReason, SignError};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{rfc3339, Status, Verdict};
use qoltanba_core::{Certificate, Role};
use qoltanba_core::{KeyUsagePolicy, Verifier, VerifyOptions};

/// The longest an officer check is reused.
pub const CHECK_TTL: Duration = Duration::from_secs(60);

/// One of the officer's own rules, as reported with the verdict.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RuleCheck {
    /// `provider` or `role`.
    #[schema(pattern = "^(provider|role)$")]
    pub check: &'static str,
    /// `pass` or `fail`.
    #[schema(pattern = "^(pass|fail)$")]
    pub result: &'static str,
    pub detail: String,
    /// `provider_mismatch` or `role_not_allowed` when failing.
    #[schema(pattern = "^(provider_mismatch|role_not_allowed)$")]
    pub reason: Option<&'static str>,
}

/// Who signs, for whom.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OfficerInfo {
    pub id: String,
    /// The officer's name (the certificate's common name).
    pub name: Option<String>,
    pub provider_name: String,
    pub provider_bin: String,
    pub allowed_roles: Vec<&'static str>,
    /// `RSA-2048`, `ECDSA P-256`.
    pub key: String,
    pub signature_algorithm: &'static str,
}

/// The officer may sign: the verdict of the certificate and the officer's rules, all passing.
pub struct Approval {
    /// The verdict of the officer's certificate when it was checked (`at` = [`Self::checked_at`]).
    pub verdict: Verdict,
    pub rules: Vec<RuleCheck>,
    pub checked_at: OffsetDateTime,
    template: SignerTemplate,
}

impl fmt::Debug for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Approval")
            .field("status", &self.verdict.status)
            .field("rules", &self.rules)
            .field("checked_at", &self.checked_at)
            .finish()
    }
}

/// A signature made by an officer.
#[derive(Debug)]
pub struct Signature {
    /// DER ContentInfo(SignedData).
    pub der: Vec<u8>,
    pub detached: bool,
    /// The signingTime attribute, and the time the officer's conditions held.
    pub signing_time: OffsetDateTime,
    pub approval: Arc<Approval>,
}

impl Signature {
    /// The verdict of the officer's certificate at signing time. Nothing that could change it
    /// (CRL snapshot, a validity bound, a CRL's nextUpdate) happened between the check and the
    /// signature, so it is the check's verdict with `at` set to the signing time.
    pub fn verdict(&self) -> Verdict {
        let mut v = self.approval.verdict.clone();
        v.at = rfc3339(self.signing_time);
        v
    }
}

struct CachedCheck {
    /// Identity of the verifier and of its CRL snapshot the check was made with.
    verifier: usize,
    snapshot: Weak<CrlSnapshot>,
    valid_from: OffsetDateTime,
    valid_until: OffsetDateTime,
    outcome: Result<Arc<Approval>, Refusal>,
}

/// An officer, key loaded.
pub struct Officer {
    id: String,
    provider_name: String,
    provider_bin: String,
    allowed_roles: Vec<Role>,
    key: SigningKey,
    certificate: Arc<Certificate>,
    /// Certificates that came with the key (the keystore's chain), used for path building.
    keystore_chain: Vec<Arc<Certificate>>,
    check_ttl: Duration,
    cache: ArcSwapOption<CachedCheck>,
}

impl fmt::Debug for Officer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Officer")
            .field("id", &self.id)
            .field("provider_bin", &self.provider_bin)
            .field("key", &self.key)
            .field("certificate", &self.certificate.subject.to_string())
            .finish()
    }
}

impl Officer {
    /// Opens the officer's keystore (reading the password from its source) and checks that the
    /// key belongs to the certificate. The certificate itself is judged at signing time.
    pub fn load(settings: &OfficerSettings) -> Result<Officer, SignError> {
        let loaded = settings.key.load()?;
        tracing::info!(
            officer = %settings.id,
            key = %loaded.key.algorithm().describe(),
            certificate = %loaded.certificate.subject,
            serial = %loaded.certificate.serial_hex(),
            "officer key loaded"
        );
        Ok(Officer {
            id: settings.id.clone(),
            provider_name: settings.provider_name.clone(),
            provider_bin: settings.provider_bin.to_string(),
            allowed_roles: settings.allowed_roles.clone(),
            key: loaded.key,
            certificate: loaded.certificate,
            keystore_chain: loaded.chain,
            check_ttl: CHECK_TTL,
            cache: ArcSwapOption::empty(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn certificate(&self) -> &Arc<Certificate> {
        &self.certificate
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.key.algorithm()
    }

    /// Sets how long a check is reused (zero: check before every signature).
    pub fn set_check_ttl(&mut self, ttl: Duration) {
        self.check_ttl = ttl;
    }

    pub fn info(&self) -> OfficerInfo {
        OfficerInfo {
            id: self.id.clone(),
            name: self.certificate.identity.common_name.clone(),
            provider_name: self.provider_name.clone(),
            provider_bin: self.provider_bin.clone(),
            allowed_roles: self.allowed_roles.iter().map(|r| r.as_str()).collect(),
            key: self.key.algorithm().describe(),
            signature_algorithm: self.key.algorithm().signature_name(),
        }
    }

    /// Signs `content` as this officer, if the officer may sign now.
    pub fn sign(
        &self,
        verifier: &Verifier,
        content: &[u8],
        detached: bool,
    ) -> Result<Signature, SignError> {
        let now = whole_seconds(OffsetDateTime::now_utc());
        let approval = self.check(verifier, now).map_err(|refusal| {
            tracing::warn!(
                officer = %self.id,
                reason = refusal.reason.as_str(),
                "signing refused"
            );
            SignError::Refused(Box::new(refusal))
        })?;
        let input = SignInput::data(content, detached, now);
        let der = approval
            .template
            .sign(&self.key, &input)
            .map_err(|e| SignError::Internal(e.to_string()))?;
        tracing::info!(
            officer = %self.id,
            serial = %self.certificate.serial_hex(),
            detached,
            content_bytes = content.len(),
            signature_bytes = der.len(),
            "document signed"
        );
        Ok(Signature {
            der,
            detached,
            signing_time: now,
            approval,
        })
    }

    /// Whether the officer may sign at `now`: the verdict of the certificate and the officer's
    /// rules. Reuses an earlier check while nothing that affects it has changed.
    pub fn check(
        &self,
        verifier: &Verifier,
        now: OffsetDateTime,
    ) -> Result<Arc<Approval>, Refusal> {
        let snapshot = verifier.crls();
        let verifier_id = verifier as *const Verifier as usize;
        if let Some(cached) = self.cache.load().as_ref() {
            if cached.verifier == verifier_id
                && std::ptr::eq(cached.snapshot.as_ptr(), Arc::as_ptr(&snapshot))
                && cached.valid_from <= now
                && now < cached.valid_until
            {
                return cached.outcome.clone();
            }
        }
        let (outcome, valid_until) = self.evaluate(verifier, now);
        let ttl = time::Duration::try_from(self.check_ttl).unwrap_or(time::Duration::ZERO);
        let valid_until = valid_until.min(now + ttl);
        self.cache.store(Some(Arc::new(CachedCheck {
            verifier: verifier_id,
            snapshot: Arc::downgrade(&snapshot),
            valid_from: now,
            valid_until,
            outcome: outcome.clone(),
        })));
        outcome
    }

    /// The full check, and until when its answer stands (at most).
    fn evaluate(
        &self,
        verifier: &Verifier,
        now: OffsetDateTime,
    ) -> (Result<Arc<Approval>, Refusal>, OffsetDateTime) {
        let options = VerifyOptions {
            at: Some(now),
            key_usage: KeyUsagePolicy::DocumentSigning,
            expected_id: None,
            extra_intermediates: self.keystore_chain.clone(),
            crls: None,
            policy: Default::default(),
            ..Default::default()
        };
        let verdict = verifier.verify_certificate(&self.certificate, &options);
        let rules = self.rules();

        // The certificates for the SignedData: the path below the anchor.
        let path = verifier.certification_path(&self.certificate, &self.keystore_chain);

        // The first moment the answer could change.
        let mut until = OffsetDateTime::from_unix_timestamp(253_402_300_799)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let certs: Vec<&Arc<Certificate>> = match &path {
            Some(p) => p.iter().collect(),
            None => vec![&self.certificate],
        };
        for c in &certs {
            let bound = if now < c.not_before {
                c.not_before
            } else {
                c.not_after + time::Duration::SECOND
            };
            if bound > now {
                until = until.min(bound);
            }
        }
        for crl in &verdict.evidence.crls {
            if let Some(next) = crl.next_update.as_deref().and_then(parse_rfc3339) {
                if next > now {
                    until = until.min(next);
                }
            }
        }

        let failing_rule = rules.iter().find_map(|r| r.reason);
        let reason = match (verdict.status, verdict.reason, failing_rule) {
            // A definite failure of the certificate comes first, in the contract's order.
            (Status::Invalid, Some(r), _) => Some(RefusalReason::Verdict(r)),
            (_, _, Some("provider_mismatch")) => Some(RefusalReason::ProviderMismatch),
            (_, _, Some(_)) => Some(RefusalReason::RoleNotAllowed),
            (Status::Indeterminate, Some(r), None) => Some(RefusalReason::Verdict(r)),
            _ => None,
        };
        if let Some(reason) = reason {
            let message = match reason {
                RefusalReason::Verdict(_) => verdict.message.clone(),
                _ => rules
                    .iter()
                    .find(|r| r.reason == Some(reason.as_str()))
                    .map(|r| r.detail.clone())
                    .unwrap_or_default(),
            };
            let refusal = Refusal {
                officer: self.id.clone(),
                reason,
                message: format!("officer {} may not sign: {message}", self.id),
                verdict: Box::new(verdict),
                rules,
            };
            return (Err(refusal), until);
        }

        let Some(path) = path else {
            // A valid verdict always has a path; without one, refuse rather than guess.
            let refusal = Refusal {
                officer: self.id.clone(),
                reason: RefusalReason::Verdict(qoltanba_core::Reason::ChainUntrusted),
                message: format!(
                    "officer {} may not sign: no path to a trust anchor",
                    self.id
                ),
                verdict: Box::new(verdict),
                rules,
            };
            return (Err(refusal), until);
        };
        let below_anchor: Vec<&Certificate> = path
            .split_last()
            .map_or(&[][..], |(_anchor, below)| below)
            .iter()
            .map(|c| c.as_ref())
            .collect();
        match SignerTemplate::new(&self.certificate, &below_anchor, self.key.algorithm()) {
            Ok(template) => (
                Ok(Arc::new(Approval {
                    verdict,
                    rules,
                    checked_at: now,
                    template,
                })),
                until,
            ),
            Err(e) => {
                let refusal = Refusal {
                    officer: self.id.clone(),
                    reason: RefusalReason::Verdict(qoltanba_core::Reason::MalformedSignature),
                    message: format!(
                        "officer {}: the certificate cannot be encoded into a signature: {e}",
                        self.id
                    ),
                    verdict: Box::new(verdict),
                    rules,
                };
                (Err(refusal), until)
            }
        }
    }

    /// The officer's own rules: the provider's BIN, an allowed role.
    fn rules(&self) -> Vec<RuleCheck> {
        let id = &self.certificate.identity;
        let provider = match id.bin.as_deref() {
            Some(bin) if bin == self.provider_bin => RuleCheck {
                check: "provider",
                result: "pass",
                detail: format!("BIN {bin} is the provider's ({})", self.provider_name),
                reason: None,
            },
            Some(bin) => RuleCheck {
                check: "provider",
                result: "fail",
                detail: format!(
                    "the certificate's BIN {bin} is not the provider's BIN {} ({})",
                    self.provider_bin, self.provider_name
                ),
                reason: Some("provider_mismatch"),
            },
            None => RuleCheck {
                check: "provider",
                result: "fail",
                detail: format!(
                    "the certificate carries no BIN: it is not issued for the provider {} ({})",
                    self.provider_bin, self.provider_name
                ),
                reason: Some("provider_mismatch"),
            },
        };
        let allowed: Vec<&str> = self.allowed_roles.iter().map(|r| r.as_str()).collect();
        let role = match id.role {
            Some(r) if self.allowed_roles.contains(&r) => RuleCheck {
                check: "role",
                result: "pass",
                detail: format!("role {} may sign for the provider", r.as_str()),
                reason: None,
            },
            other => RuleCheck {
                check: "role",
                result: "fail",
                detail: format!(
                    "role {} may not sign for the provider (allowed: {})",
                    other.map_or("none", |r| r.as_str()),
                    allowed.join(", ")
                ),
                reason: Some("role_not_allowed"),
            },
        };
        vec![provider, role]
    }
}

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// The officers of a configuration, by id.
#[derive(Debug, Default)]
pub struct Officers {
    by_id: std::collections::BTreeMap<String, Arc<Officer>>,
}

impl Officers {
    /// Loads every officer's key. The first that cannot be loaded stops the loading.
    pub fn load(settings: &[OfficerSettings]) -> Result<Officers, SignError> {
        let mut by_id = std::collections::BTreeMap::new();
        for s in settings {
            by_id.insert(s.id.clone(), Arc::new(Officer::load(s)?));
        }
        Ok(Officers { by_id })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Officer>> {
        self.by_id.get(id)
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Officer>> {
        self.by_id.values()
    }
}
