//! Acceptance of a CRL from an outside source: is it signed by a CRL signer of one of the
//! configured CAs? The live CRL store asks this before a downloaded CRL may replace the one it
//! holds. The rule is the verifier's own (CONTRACT.md §3, RFC 5280 §6.3.3 (f)); the verifier
//! checks it again, per certificate, when it uses the CRL.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::cert::Certificate;
use crate::chain::PathBuilder;
use crate::crl::Crl;
use crate::revocation::{CrlSnapshot, RevocationContext, RevocationStatus};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlIssuerError {
    /// No configured certificate has the CRL's issuer name.
    #[error("issued by {0}, which is not a configured CA")]
    UnknownIssuer(String),
    /// Certificates have the name, but none of them has the key that signed it.
    #[error(
        "its signature does not verify with the key of any configured CA named {issuer}: {why}"
    )]
    BadSignature { issuer: String, why: String },
    /// A certificate with the name has the signing key, but it may not sign CRLs: no cRLSign,
    /// no path to a trust anchor, or (a separate CRL signer) expired or revoked.
    #[error("it is signed by a certificate named {issuer} that may not sign its CRLs: {why}")]
    UnusableSigner { issuer: String, why: String },
}

impl CrlIssuerError {
    /// A short code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CrlIssuerError::UnknownIssuer(_) => "wrong_issuer",
            CrlIssuerError::BadSignature { .. } => "bad_signature",
            CrlIssuerError::UnusableSigner { .. } => "unusable_signer",
        }
    }
}

/// What admission checks a CRL signer against: the paths to the trust anchors, the CRLs the
/// store holds (a separate signer must not be revoked by them) and the time of admission.
pub struct Admission<'a> {
    pub paths: &'a PathBuilder<'a>,
    pub crls: &'a CrlSnapshot,
    pub at: OffsetDateTime,
}

/// Finds the certificate among `cas` (the configured CAs and CRL signers) that signed `crl`:
/// its subject is the CRL issuer, the key identifier matches the one the CRL names
/// (when both carry one), its key verifies the signature, and it may sign the CRL:
/// - a CA certificate (the issuer itself, for the certificates it issued) with cRLSign when it
///   has a key usage, and a path to a trust anchor;
/// - any other certificate (a separate CRL signer) with keyUsage present and cRLSign set, a path
///   to a trust anchor, valid now, and neither it nor its path revoked by the CRLs held.
///
/// The signature checks go through the path builder's cache, so the verifier that later uses
/// the CRL finds them done.
pub fn crl_signer(
    crl: &Crl,
    cas: &[Arc<Certificate>],
    admission: &Admission<'_>,
) -> Result<Arc<Certificate>, CrlIssuerError> {
    let paths = admission.paths;
    let named: Vec<&Arc<Certificate>> = cas
        .iter()
        .filter(|ca| ca.subject.key() == crl.issuer.key())
        .collect();
    if named.is_empty() {
        return Err(CrlIssuerError::UnknownIssuer(crl.issuer.to_string()));
    }
    let issuer = crl.issuer.to_string();
    let mut why = String::from("no configured certificate has the key identifier the CRL names");
    let mut signed_by_one = false;
    for candidate in named {
        if let (Some(aki), Some(ski)) = (&crl.authority_key_id, &candidate.subject_key_id) {
            if aki != ski {
                continue;
            }
        }
        if let Err(e) = paths.cache.verify(
            &crl.sha256,
            &crl.signed,
            &candidate.spki,
            &candidate.spki_sha256,
        ) {
            why = e.to_string();
            continue;
        }
        signed_by_one = true;
        match may_sign(candidate, admission) {
            Ok(()) => return Ok(candidate.clone()),
            Err(e) => why = e,
        }
    }
    Err(if signed_by_one {
        CrlIssuerError::UnusableSigner { issuer, why }
    } else {
        CrlIssuerError::BadSignature { issuer, why }
    })
}

/// May `signer`, whose key verifies the CRL, sign it (see [`crl_signer`])?
fn may_sign(signer: &Arc<Certificate>, admission: &Admission<'_>) -> Result<(), String> {
    let is_ca = signer.can_sign_certificates().is_ok();
    if is_ca && !signer.can_sign_crls() {
        return Err("the CA's key usage lacks cRLSign".into());
    }
    if !is_ca && !signer.key_usage.is_some_and(|ku| ku.crl_sign) {
        return Err(format!(
            "{} is not a CA and has no keyUsage with cRLSign",
            signer.subject
        ));
    }
    let path = admission
        .paths
        .build(signer)
        .map_err(|e| format!("no path to a trust anchor: {e}"))?;
    if is_ca {
        // The issuer itself: its validity and revocation are judged with every path it is in.
        return Ok(());
    }
    let context = RevocationContext {
        crls: admission.crls,
        paths: admission.paths,
        at: admission.at,
    };
    let anchor = path.anchor();
    for (cert, its_issuer) in path.with_issuers() {
        if cert.not_before > admission.at || cert.not_after < admission.at {
            return Err(format!("{} is not valid now", cert.subject));
        }
        // Unknown is left to the verifier, which checks the signer again when it uses the CRL;
        // the CRL that would say it may be the very one being admitted.
        if let RevocationStatus::Revoked { detail, .. } = context.status(cert, its_issuer, anchor) {
            return Err(format!("{} is revoked: {detail}", cert.subject));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{CertPool, PathLimits};
    use crate::input::{self, InputLimits};
    use crate::sigcache::SigCache;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures")
                .join(rel),
        )
        .unwrap()
    }

    fn cas() -> Vec<Arc<Certificate>> {
        let limits = InputLimits::default();
        let mut all = input::certificates_from_bytes(&fixture("pki/trust.pem"), &limits).unwrap();
        all.extend(
            input::certificates_from_bytes(&fixture("pki/intermediates.pem"), &limits).unwrap(),
        );
        all
    }

    /// `crl_signer` with the fixtures' anchor and intermediates as the verifier's, no CRLs held.
    fn signer_of(crl: &Crl, cas: &[Arc<Certificate>]) -> Result<Arc<Certificate>, CrlIssuerError> {
        let limits = InputLimits::default();
        let anchors = CertPool::from_certs(
            input::certificates_from_bytes(&fixture("pki/trust.pem"), &limits).unwrap(),
        );
        let intermediates = CertPool::from_certs(
            input::certificates_from_bytes(&fixture("pki/intermediates.pem"), &limits).unwrap(),
        );
        let cache = SigCache::default();
        let pools = [&intermediates];
        let at = crate::parse_time("2026-06-01T12:00:00Z").unwrap();
        let policy = crate::policy::PolicyOptions::default();
        let paths = PathBuilder {
            anchors: &anchors,
            pools: &pools,
            cache: &cache,
            limits: PathLimits::default(),
            at,
            policy: &policy,
        };
        let admission = Admission {
            paths: &paths,
            crls: &CrlSnapshot::default(),
            at,
        };
        crl_signer(crl, cas, &admission)
    }

    fn crl(rel: &str) -> Crl {
        let list = input::crls_from_bytes(&fixture(rel), &InputLimits::default()).unwrap();
        Crl::clone(&list[0])
    }

    #[test]
    fn genuine_crls_are_accepted() {
        let cas = cas();
        for name in [
            "root",
            "nca-rsa",
            "nca-rsa-delta",
            "nca-ec",
            "nca-revoked-ca",
        ] {
            let signer = signer_of(&crl(&format!("crl/{name}.crl")), &cas).unwrap();
            assert!(signer.is_ca(), "{name}");
        }
    }

    #[test]
    fn forged_and_foreign_crls_are_refused() {
        let cas = cas();
        let e = signer_of(&crl("crl/nca-rsa-wrongkey.crl"), &cas).unwrap_err();
        assert_eq!(e.code(), "bad_signature", "{e}");
        // evil-root's name is nca-rsa's, but its key is not.
        let e = signer_of(&crl("crl/evil-root.crl"), &cas).unwrap_err();
        assert_eq!(e.code(), "bad_signature", "{e}");
        let only_root = vec![cas[0].clone()];
        let e = signer_of(&crl("crl/nca-ec.crl"), &only_root).unwrap_err();
        assert_eq!(e.code(), "wrong_issuer", "{e}");
    }
}
