//! The officer signer as a library: the check before every signature follows the verifier's CRL
//! snapshot (reused only while nothing changed), keys that may not sign are refused when loaded,
//! and nothing secret is ever formatted.

mod sign_support;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use qoltanba::sign::config::OfficerConfig;
use qoltanba::sign::{Officer, SignError};
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{IdPolicy, Status, Verifier};

use sign_support::*;

fn verifier() -> Verifier {
    let limits = InputLimits::default();
    let anchors = certificates_from_bytes(&read("pki/trust.pem"), &limits).unwrap();
    let intermediates = certificates_from_bytes(&read("pki/intermediates.pem"), &limits).unwrap();
    Verifier::new(anchors, intermediates, current_crls()).unwrap()
}

fn current_crls() -> CrlSnapshot {
    CrlSnapshot::new(
        crls_from_bytes(&read("crl/all-current.pem"), &InputLimits::default()).unwrap(),
    )
}

fn officer_config(keystore: &str, certificate: Option<&str>, bin: &str) -> OfficerConfig {
    let path = |p: &str| {
        if std::path::Path::new(p).is_absolute() {
            p.into()
        } else {
            fixture(p)
        }
    };
    OfficerConfig {
        id: "officer".into(),
        keystore: path(keystore),
        certificate: certificate.map(path),
        alias: None,
        password_env: None,
        password_file: Some(fixture("officers/password.txt")),
        provider_name: "ТОО \"ДАЛА МҰРА\"".into(),
        provider_bin: bin.into(),
        allowed_roles: vec!["first_head".into(), "signing_right".into()],
        password: None,
    }
}

fn load(keystore: &str, certificate: Option<&str>, bin: &str) -> Result<Officer, SignError> {
    Officer::load(
        &officer_config(keystore, certificate, bin)
            .check(IdPolicy::Strict)
            .unwrap(),
    )
}

#[test]
fn the_check_is_reused_until_the_crl_snapshot_changes() {
    let verifier = verifier();
    let officer = load("officers/head-sign.p12", None, DALA_MURA_BIN).unwrap();
    let document = read("samples/request-legal.json");

    let first = officer.sign(&verifier, &document, false).unwrap();
    let second = officer.sign(&verifier, &document, true).unwrap();
    assert!(
        Arc::ptr_eq(&first.approval, &second.approval),
        "same snapshot, same check"
    );
    assert_eq!(second.verdict().status, Status::Valid);
    assert_eq!(
        second.verdict().at,
        qoltanba_core::rfc3339(second.signing_time),
        "the verdict is dated at the signature"
    );

    // The CRLs are gone: the next signature is refused, nothing is signed.
    verifier.replace_crls(Arc::new(CrlSnapshot::default()));
    match officer.sign(&verifier, &document, false) {
        Err(SignError::Refused(r)) => {
            assert_eq!(r.reason.as_str(), "revocation_unknown");
            assert_eq!(r.verdict.status, Status::Indeterminate);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // They are back (a new snapshot): a new check, and the officer signs again.
    verifier.replace_crls(Arc::new(current_crls()));
    let third = officer.sign(&verifier, &document, false).unwrap();
    assert!(!Arc::ptr_eq(&first.approval, &third.approval));
    assert_eq!(third.verdict().status, Status::Valid);

    // Another verifier (other trust) never reuses this one's check.
    let limits = InputLimits::default();
    let untrusting = Verifier::new(
        certificates_from_bytes(&read("pki/evil-root.pem"), &limits).unwrap(),
        Vec::new(),
        current_crls(),
    )
    .unwrap();
    match officer.sign(&untrusting, &document, false) {
        Err(SignError::Refused(r)) => assert_eq!(r.reason.as_str(), "chain_untrusted"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn without_reuse_every_signature_checks_again() {
    let verifier = verifier();
    let mut officer = load("officers/ec-head-sign.p12", None, ZHOLDARY_BIN).unwrap();
    officer.set_check_ttl(Duration::ZERO);
    let a = officer.sign(&verifier, b"one", false).unwrap();
    let b = officer.sign(&verifier, b"two", false).unwrap();
    assert!(!Arc::ptr_eq(&a.approval, &b.approval));
    // Both verify.
    for (s, content) in [(&a, b"one".as_slice()), (&b, b"two".as_slice())] {
        let v = verifier
            .verify_signature(&s.der, None, &Default::default())
            .unwrap();
        assert_eq!(v.status, Status::Valid, "{}", v.to_text());
        let message = qoltanba_core::SignedMessage::from_der(&s.der, Default::default()).unwrap();
        assert_eq!(message.content.as_deref(), Some(content));
    }
}

/// An encrypted PKCS#8 key made by openssl from `genpkey` arguments, in `dir`.
fn encrypted_key(dir: &std::path::Path, name: &str, genpkey: &[&str]) -> std::path::PathBuf {
    let plain = dir.join(format!("{name}.pem"));
    let out = Command::new("openssl")
        .arg("genpkey")
        .args(genpkey)
        .arg("-out")
        .arg(&plain)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let enc = dir.join(format!("{name}.enc.pem"));
    let out = Command::new("openssl")
        .args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in"])
        .arg(&plain)
        .arg("-passout")
        .arg(format!("pass:{PASSWORD}"))
        .arg("-out")
        .arg(&enc)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    enc
}

#[test]
fn keys_that_may_not_sign_are_refused_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            encrypted_key(
                dir.path(),
                "rsa1024",
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
            ),
            "RSA",
        ),
        (
            encrypted_key(
                dir.path(),
                "p384",
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            ),
            "secp384r1",
        ),
        (
            encrypted_key(dir.path(), "ed25519", &["-algorithm", "ED25519"]),
            "only RSA and ECDSA P-256",
        ),
    ];
    for (key, says) in cases {
        let e = load(
            key.to_str().unwrap(),
            Some("pki/head-sign.pem"),
            DALA_MURA_BIN,
        )
        .unwrap_err();
        assert_eq!(e.code(), "unsupported_key", "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
}

#[test]
fn nothing_secret_is_formatted() {
    let verifier = verifier();
    let officer = load("officers/head-sign.p12", None, DALA_MURA_BIN).unwrap();
    let signature = officer.sign(&verifier, b"x", false).unwrap();
    let mut shown = format!("{officer:?} {signature:?} {:?}", officer.info());
    let e = load("officers/tampered.p12", None, DALA_MURA_BIN).unwrap_err();
    shown.push_str(&format!("{e} {e:?}"));
    let wrong = OfficerConfig {
        password_file: None,
        password_env: Some("OFFICER_LIB_TEST_UNSET".into()),
        ..officer_config("officers/head-sign.p12", None, DALA_MURA_BIN)
    };
    let settings = wrong.check(IdPolicy::Strict).unwrap();
    shown.push_str(&format!("{settings:?}"));
    let e = Officer::load(&settings).unwrap_err();
    shown.push_str(&format!("{e} {e:?}"));
    assert!(shown.contains("SigningKey(RSA-2048, <private>)"), "{shown}");
    assert!(shown.contains("env:OFFICER_LIB_TEST_UNSET"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    let pem = String::from_utf8(read("pki/keys/head-sign.key.pem")).unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!shown.contains(line), "a key line is shown");
    }
}
