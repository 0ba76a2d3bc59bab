//! Differential test against OpenSSL's OCSP responder and client, an independent
//! implementation of RFC 6960: the core builds the request, `openssl ocsp -index` answers it
//! (signed by the CA itself or by a delegated responder), `openssl ocsp -respin -verify_other
//! -resp_text` judges the response, and the core's judgement of the same bytes must agree on
//! good and revoked.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use qoltanba_core::ocsp::{request_der, CertIdHash, OcspResponse};
use qoltanba_core::{
    input, Certificate, CrlSnapshot, OcspAnswer, Reason, RevocationPolicy, Status, Verifier,
    VerifyOptions,
};
use test_pki::ocsp::{self as builder, ResponderCertSpec, Signer, SigningKey};

fn fixture_path(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(rel)
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn certs(rel: &str) -> Vec<Arc<Certificate>> {
    input::certificates_from_bytes(&fixture(rel), &input::InputLimits::default()).unwrap()
}

fn openssl(args: &[&str], dir: &Path) -> String {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "openssl {args:?}: {text}");
    text
}

/// What OpenSSL and the core say about the response OpenSSL made for `leaf` from `index`.
fn both_judge(
    index_line: &str,
    delegated: bool,
    hash: CertIdHash,
) -> (String, qoltanba_core::Verdict) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let leaf = certs("pki/individual-sign.pem").remove(0);
    let issuer = certs("pki/nca-rsa.pem").remove(0);
    std::fs::write(d.join("index.txt"), index_line).unwrap();
    std::fs::copy(fixture_path("pki/nca-rsa.pem"), d.join("ca.pem")).unwrap();
    std::fs::copy(fixture_path("pki/individual-sign.pem"), d.join("leaf.pem")).unwrap();
    std::fs::copy(fixture_path("pki/trust.pem"), d.join("trust.pem")).unwrap();
    if delegated {
        let ca = Signer::from_bytes(
            &fixture("pki/nca-rsa.pem"),
            &fixture("pki/keys/nca-rsa.key.pem"),
        )
        .unwrap();
        let key = SigningKey::from_pkcs8(&fixture("pki/keys/tsa.key.pem")).unwrap();
        let der = builder::responder_certificate(
            &ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5101),
            &key,
            &ca,
        )
        .unwrap();
        std::fs::write(d.join("signer.der"), der).unwrap();
        openssl(
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                "signer.der",
                "-out",
                "signer.pem",
            ],
            d,
        );
        std::fs::copy(fixture_path("pki/keys/tsa.key.pem"), d.join("signer.key")).unwrap();
    } else {
        std::fs::copy(fixture_path("pki/nca-rsa.pem"), d.join("signer.pem")).unwrap();
        std::fs::copy(
            fixture_path("pki/keys/nca-rsa.key.pem"),
            d.join("signer.key"),
        )
        .unwrap();
    }

    let nonce = b"differential 0001".to_vec();
    let request = request_der(&leaf, &issuer, hash, Some(&nonce)).unwrap();
    std::fs::write(d.join("req.der"), &request).unwrap();
    openssl(
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "signer.pem",
            "-rkey",
            "signer.key",
            "-CA",
            "ca.pem",
            "-reqin",
            "req.der",
            "-respout",
            "resp.der",
            "-ndays",
            "1",
        ],
        d,
    );
    let said = openssl(
        &[
            "ocsp",
            // The digest of the CertID OpenSSL looks the status up by (before -cert).
            match hash {
                CertIdHash::Sha1 => "-sha1",
                CertIdHash::Sha256 => "-sha256",
            },
            "-respin",
            "resp.der",
            "-issuer",
            "ca.pem",
            "-cert",
            "leaf.pem",
            "-CAfile",
            "trust.pem",
            "-verify_other",
            "ca.pem",
            "-resp_text",
            "-no_nonce",
        ],
        d,
    );
    assert!(said.contains("Response verify OK"), "{said}");

    let response = std::fs::read(d.join("resp.der")).unwrap();
    let verifier = Verifier::new(
        certs("pki/trust.pem"),
        certs("pki/intermediates.pem"),
        CrlSnapshot::new(
            input::crls_from_bytes(&fixture("crl/all-current.pem"), &Default::default()).unwrap(),
        ),
    )
    .unwrap();
    // OpenSSL answers as of now, so the core judges as of now; the CA's own status comes from
    // its CRL.
    let options = VerifyOptions {
        revocation_policy: RevocationPolicy::OcspThenCrl,
        ocsp: vec![OcspAnswer {
            response: Ok(Arc::new(OcspResponse::from_der(&response).unwrap())),
            nonce: Some(nonce),
            responder_url: None,
            subject: Some(leaf.fingerprint),
        }],
        ..VerifyOptions::default()
    };
    (said, verifier.verify_certificate(&leaf, &options))
}

fn leaf_detail(verdict: &qoltanba_core::Verdict) -> &str {
    &verdict
        .checks
        .iter()
        .find(|c| c.check == "revocation")
        .unwrap()
        .detail
}

/// An index.txt line for the leaf (serial 0x1006).
fn index(status: &str) -> String {
    let serial = hex::encode_upper(&certs("pki/individual-sign.pem")[0].serial);
    match status {
        "good" => format!("V\t280101000000Z\t\t{serial}\tunknown\t/CN=leaf\n"),
        _ => {
            format!("R\t280101000000Z\t260101000000Z,keyCompromise\t{serial}\tunknown\t/CN=leaf\n")
        }
    }
}

#[test]
fn openssl_answers_are_judged_alike() {
    for (delegated, hash) in [
        (false, CertIdHash::Sha1),
        (true, CertIdHash::Sha1),
        (false, CertIdHash::Sha256),
        (true, CertIdHash::Sha256),
    ] {
        let (said, verdict) = both_judge(&index("good"), delegated, hash);
        assert!(said.contains("leaf.pem: good"), "{said}");
        assert_eq!(verdict.status, Status::Valid, "{}", verdict.message);
        assert!(
            leaf_detail(&verdict).starts_with("OCSP: good from "),
            "{}",
            leaf_detail(&verdict)
        );

        let (said, verdict) = both_judge(&index("revoked"), delegated, hash);
        assert!(said.contains("leaf.pem: revoked"), "{said}");
        assert!(
            said.contains("Revocation Time: Jan  1 00:00:00 2026 GMT"),
            "{said}"
        );
        assert_eq!(
            verdict.reason,
            Some(Reason::CertRevoked),
            "{}",
            verdict.message
        );
        let detail = leaf_detail(&verdict);
        assert!(
            detail.contains("revoked on 2026-01-01T00:00:00Z (keyCompromise)"),
            "{detail}"
        );
    }
}
