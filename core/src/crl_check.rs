//! Acceptance of a CRL from an outside source: is it issued by one of the configured CAs, and does
//! its signature verify with that CA's key? The live CRL store asks this before a downloaded CRL may
//! replace the one it holds. (The verifier checks the same again, per certificate, when it uses it.)

use std::sync::Arc;

use crate::cert::Certificate;
use crate::crl::Crl;
use crate::sigcache::SigCache;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlIssuerError {
    /// No configured CA has the CRL's issuer name.
    #[error("issued by {0}, which is not a configured CA")]
    UnknownIssuer(String),
    /// A configured CA has the name, but none of them has the key that signed it.
    #[error(
        "its signature does not verify with the key of any configured CA named {issuer}: {why}"
    )]
    BadSignature { issuer: String, why: String },
}

impl CrlIssuerError {
    /// A short code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CrlIssuerError::UnknownIssuer(_) => "wrong_issuer",
            CrlIssuerError::BadSignature { .. } => "bad_signature",
        }
    }
}

/// Finds the configured CA that issued and signed `crl`: same subject name as the CRL issuer, the
/// key identifier the CRL names (when both carry one), cRLSign allowed, and a signature that
/// verifies with its key.
/// The check goes through `cache`, so the verifier that later uses the CRL finds it done.
pub fn crl_signer(
    crl: &Crl,
    cas: &[Arc<Certificate>],
    cache: &SigCache,
) -> Result<Arc<Certificate>, CrlIssuerError> {
    let named: Vec<&Arc<Certificate>> = cas
        .iter()
        .filter(|ca| ca.subject.key() == crl.issuer.key())
        .collect();
    if named.is_empty() {
        return Err(CrlIssuerError::UnknownIssuer(crl.issuer.to_string()));
    }
    let mut why = String::from("no configured certificate has the key identifier the CRL names");
    for ca in named {
        if let (Some(aki), Some(ski)) = (&crl.authority_key_id, &ca.subject_key_id) {
            if aki != ski {
                continue;
            }
        }
        if !ca.can_sign_crls() {
            why = "the CA's key usage lacks cRLSign".into();
            continue;
        }
        match cache.verify(&crl.sha256, &crl.signed, &ca.spki, &ca.spki_sha256) {
            Ok(()) => return Ok(ca.clone()),
            Err(e) => why = e.to_string(),
        }
    }
    Err(CrlIssuerError::BadSignature {
        issuer: crl.issuer.to_string(),
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{self, InputLimits};

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
            let signer =
                crl_signer(&crl(&format!("crl/{name}.crl")), &cas, &SigCache::default()).unwrap();
            assert!(signer.is_ca(), "{name}");
        }
    }

    #[test]
    fn forged_and_foreign_crls_are_refused() {
        let cas = cas();
        let e =
            crl_signer(&crl("crl/nca-rsa-wrongkey.crl"), &cas, &SigCache::default()).unwrap_err();
        assert_eq!(e.code(), "bad_signature", "{e}");
        // evil-root's name is nca-rsa's, but its key is not.
        let e = crl_signer(&crl("crl/evil-root.crl"), &cas, &SigCache::default()).unwrap_err();
        assert_eq!(e.code(), "bad_signature", "{e}");
        let only_root = vec![cas[0].clone()];
        let e = crl_signer(&crl("crl/nca-ec.crl"), &only_root, &SigCache::default()).unwrap_err();
        assert_eq!(e.code(), "wrong_issuer", "{e}");
    }
}
