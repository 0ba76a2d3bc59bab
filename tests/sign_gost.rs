//! Officer signing with the NCA's GOST 2015-512 keys, in NCALayer's CMS profile.
//!
//! - Keys: the twelve real NCA test keystores (BER PKCS#12: 3DES key bag, RC2-40 certificate bag,
//!   HMAC-SHA-1 MAC) open through the officer keystore code, their keys are their certificates'
//!   and the same as an independent extraction; wrong passwords, damage, aliases; GOST keys as
//!   encrypted PKCS#8 (the 2015 form, and the 2004 INTEGER form recognised and refused).
//! - Signatures: with each of the twelve keys, attached and detached, a SignedData in exactly
//!   NCALayer's profile (read back with the `cms` crate, the signed attributes compared byte for
//!   byte with NCALayer's) that the core verifier finds `valid` at 2025-10-20T00:00:00Z with the
//!   NCA's test CA as trust anchor and its saved CRLs; one altered byte of the content, of the
//!   signed attributes or of the signature makes it `signature_invalid`; OpenSSL's GOST engine
//!   verifies every signature (key re-wrapped with the Russian OIDs, signature reversed).
//! - The officer: the check before signing passes for the NCA's first head and employee with
//!   signing right inside the CRLs' window (with the NCA's test BIN accepted), refuses the others
//!   by their rules, and refuses at the current time (the 2025-10 certificates and CRLs are past).
//! - `qoltanba sign`: a GOST officer (a real NCA keystore, its key certified at run time by a
//!   GOST CA for a provider with a valid BIN, so that the check at the current time passes) signs
//!   attached and detached; `qoltanba verify` finds the signatures `valid`, OpenSSL's engine
//!   verifies them. With the NCA's own certificate: refused while test ids are not enabled, and
//!   with `[trust] test_ids` only the time stops it.
//! - `POST /v1/sign`: the same GOST officer signs over HTTP, attached and detached; the service's
//!   `/v1/verify` and OpenSSL's engine accept the signatures.

#[path = "sign_support/gost.rs"]
mod gost_support;
mod sign_support;

use std::path::Path;

use qoltanba::sign::cms_builder::{SignInput, SignerTemplate};
use qoltanba::sign::config::OfficerConfig;
use qoltanba::sign::{KeyAlgorithm, KeySource, Officer, PasswordSource, SignError, SigningKey};
use qoltanba_core::gost;
use qoltanba_core::{IdPolicy, Reason, Status, VerifyOptions};
use time::OffsetDateTime;

use gost_support::*;
use sign_support::*;

const DOCUMENT: &str = "samples/request-legal.json";

fn at_window() -> VerifyOptions {
    VerifyOptions {
        at: Some(window_time()),
        ..Default::default()
    }
}

/// Signs `content` with the NCA key `stem` through the library signer (keystore, SignerTemplate)
/// at `window_time()`. The CA is offered as the chain: a GOST signature carries the signer's
/// certificate alone all the same.
fn sign_with(stem: &str, content: &[u8], detached: bool) -> (Vec<u8>, Vec<u8>) {
    let loaded = nca_key_source(stem).load().unwrap();
    let ca = certificate(&gost_read("nca_gost2022_test.cer"));
    let template =
        SignerTemplate::new(&loaded.certificate, &[&ca], loaded.key.algorithm()).unwrap();
    let der = template
        .sign(
            &loaded.key,
            &SignInput::data(content, detached, window_time()),
        )
        .unwrap();
    (der, loaded.certificate.der.clone())
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("found")
}

#[test]
fn every_nca_keystore_opens_and_holds_its_certificates_key() {
    for stem in NCA_KEYS {
        let loaded = nca_key_source(stem)
            .load()
            .unwrap_or_else(|e| panic!("{stem}: {e} ({})", e.code()));
        let key = &loaded.key;
        assert_eq!(key.algorithm(), KeyAlgorithm::Gost2015_512, "{stem}");
        assert_eq!(key.algorithm().describe(), "GOST 2015-512");
        assert_eq!(key.algorithm().signature_name(), "gost2015-512-streebog512");
        // The keystore's certificate, as OpenSSL extracts it; no chain in NCA keystores.
        assert_eq!(
            loaded.certificate.der,
            gost_read(&format!("{stem}.cer")),
            "{stem}"
        );
        assert!(loaded.chain.is_empty(), "{stem}");
        assert!(key.matches(&loaded.certificate), "{stem}");
        // The same key as decrypted independently (OpenSSL's PKCS12KDF and 3DES).
        let extracted = gost_read(&format!("{stem}.key.der"));
        let independent = SigningKey::from_pkcs8_der(&extracted).unwrap();
        assert_eq!(
            independent.public_key_bits(),
            key.public_key_bits(),
            "{stem}"
        );
        // subjectPublicKey: OCTET STRING { X‖Y }.
        assert_eq!(key.public_key_bits().len(), 131, "{stem}");
        assert!(key.public_key_bits().starts_with(&[0x04, 0x81, 0x80]));
        // A key is never the other certificates' key.
        let other = if stem == "FL-valid" {
            "FL-revoked"
        } else {
            "FL-valid"
        };
        assert!(!key.matches(&certificate(&gost_read(&format!("{other}.cer")))));
        // Nothing secret is formatted: d (the last 64 bytes of the PKCS#8) appears nowhere.
        let shown = format!("{loaded:?} {key:?}");
        assert!(
            shown.contains("SigningKey(GOST 2015-512, <private>)"),
            "{shown}"
        );
        let d = &extracted[extracted.len() - 64..];
        for window in [hex::encode(d), hex::encode_upper(d), format!("{d:?}")] {
            assert!(!shown.contains(&window[..32]), "{shown}");
        }
    }
}

#[test]
fn nca_keystores_refuse_wrong_passwords_damage_and_unknown_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let wrong = dir.join("wrong.txt");
    std::fs::write(&wrong, "Qwerty13\n").unwrap();
    let source = |keystore: &Path, password: &Path, alias: Option<&str>| KeySource {
        keystore: keystore.to_path_buf(),
        certificate: None,
        alias: alias.map(str::to_owned),
        password: PasswordSource::File(password.to_path_buf()),
    };
    let right = gost_fixture("password.txt");
    let p12 = gost_fixture("FL-valid.p12");
    let bytes = std::fs::read(&p12).unwrap();

    let e = source(&p12, &wrong, None).load().unwrap_err();
    assert_eq!(e.code(), "wrong_password", "{e}");

    // One byte of the (MAC-protected) key bag altered: the integrity check fails.
    let mut tampered = bytes.clone();
    tampered[200] ^= 0x01;
    let file = dir.join("tampered.p12");
    std::fs::write(&file, &tampered).unwrap();
    let e = source(&file, &right, None).load().unwrap_err();
    assert_eq!(e.code(), "wrong_password", "{e}");

    let file = dir.join("truncated.p12");
    std::fs::write(&file, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let e = source(&file, &right, None).load().unwrap_err();
    assert_eq!(e.code(), "keystore_unreadable", "{e}");

    // The key's friendlyName (the NCA writes the key id in hex) is its alias.
    let loaded = source(
        &p12,
        &right,
        Some("d6d1e53515d516a7d95d399b668cf09011bf118d"),
    )
    .load()
    .unwrap();
    assert_eq!(loaded.key.algorithm(), KeyAlgorithm::Gost2015_512);
    let e = source(&p12, &right, Some("head")).load().unwrap_err();
    assert_eq!(e.code(), "keystore_unreadable", "{e}");
    assert!(e.to_string().contains("no key named \"head\""), "{e}");

    for e in [
        source(&p12, &wrong, None).load().unwrap_err(),
        source(&dir.join("tampered.p12"), &right, None)
            .load()
            .unwrap_err(),
    ] {
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains(GOST_PASSWORD) && !shown.contains("Qwerty13"),
            "{shown}"
        );
    }
}

/// `der` (a PKCS#8 PrivateKeyInfo) as an encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA-256,
/// AES-256-CBC), as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it.
fn encrypted_pem(der: &[u8], password: &str) -> String {
    let info = pkcs8::PrivateKeyInfo::try_from(der).unwrap();
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, b"qoltanba-salt", &[7; 16])
            .unwrap();
    info.encrypt_with_params(params, password)
        .unwrap()
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

#[test]
fn gost_pkcs8_keys_load_as_encrypted_pem() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let pem_source = |name: &str, pem: &str, cert: &str| {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        KeySource {
            keystore: path,
            certificate: Some(gost_fixture(cert)),
            alias: None,
            password: PasswordSource::File(gost_fixture("password.txt")),
        }
    };
    // GOST 2015: privateKey = OCTET STRING { OCTET STRING (d, little-endian) }.
    let der = gost_read("UL_FirstHead_CEO-valid.key.der");
    let pem = encrypted_pem(&der, GOST_PASSWORD);
    let loaded = pem_source("head.pem", &pem, "UL_FirstHead_CEO-valid.cer")
        .load()
        .unwrap();
    assert_eq!(loaded.key.algorithm(), KeyAlgorithm::Gost2015_512);
    assert_eq!(
        loaded.certificate.der,
        gost_read("UL_FirstHead_CEO-valid.cer")
    );
    // A detached signature from it verifies.
    let template = SignerTemplate::new(&loaded.certificate, &[], loaded.key.algorithm()).unwrap();
    let cms = template
        .sign(&loaded.key, &SignInput::data(b"pkcs8", true, window_time()))
        .unwrap();
    let verdict = nca_verifier()
        .verify_signature(&cms, Some(b"pkcs8"), &at_window())
        .unwrap();
    assert_eq!(verdict.status, Status::Valid, "{}", verdict.to_text());

    // The key with another certificate.
    let e = pem_source("other.pem", &pem, "FL-valid.cer")
        .load()
        .unwrap_err();
    assert_eq!(e.code(), "key_certificate_mismatch", "{e}");

    // Not encrypted: refused, as any officer key in clear.
    let clear =
        pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &der).unwrap();
    let e = pem_source("clear.pem", &clear, "UL_FirstHead_CEO-valid.cer")
        .load()
        .unwrap_err();
    assert_eq!(e.code(), "unsupported_key", "{e}");

    // GOST 34.310-2004: privateKey = OCTET STRING { INTEGER d }, curve named by the NCA's
    // 1.2.398.3.10.1.1.1.1.1 (CryptoPro-A). Decoded, then refused: officers sign with 2015-512.
    let d: Vec<u8> = (1..=32u8).collect();
    let mut integer = vec![0x02, 0x20];
    integer.extend(&d);
    let params_2004 = der::Encode::to_der(&gost::oid::NCA_GOST2004_PARAM_A).unwrap();
    let key_2004 = pkcs8::PrivateKeyInfo {
        algorithm: pkcs8::AlgorithmIdentifierRef {
            oid: gost::oid::NCA_GOST2004_KEY,
            parameters: Some(der::asn1::AnyRef::new(der::Tag::Sequence, &params_2004).unwrap()),
        },
        private_key: &integer,
        public_key: None,
    };
    let der_2004 = der::Encode::to_der(&key_2004).unwrap();
    // The core reads it as the 2004 key d = 0x0102…20 on CryptoPro-A.
    let decoded = gost::SigningKey::from_pkcs8_der(&der_2004);
    assert!(
        decoded
            .as_ref()
            .is_ok_and(|k| k.curve() == gost::Curve::CryptoProA),
        "{decoded:?} {}",
        hex::encode(&der_2004)
    );
    let e = pem_source(
        "2004.pem",
        &encrypted_pem(&der_2004, GOST_PASSWORD),
        "UL_FirstHead_CEO-valid.cer",
    )
    .load()
    .unwrap_err();
    assert_eq!(e.code(), "unsupported_key", "{e}");
    assert!(
        e.to_string()
            .contains("GOST 34.310-2004 key on id-GostR3410-2001-CryptoPro-A-ParamSet"),
        "{e}"
    );
}

#[test]
fn every_nca_key_signs_in_the_ncalayer_profile_and_verifies_valid() {
    let verifier = nca_verifier();
    let document = read(DOCUMENT);
    for stem in NCA_KEYS {
        for detached in [false, true] {
            let (cms, cert_der) = sign_with(stem, &document, detached);
            let verdict = verifier
                .verify_signature(&cms, detached.then_some(&document[..]), &at_window())
                .unwrap();
            assert_eq!(
                (verdict.status, verdict.reason),
                (Status::Valid, None),
                "{stem} detached={detached}: {}",
                verdict.to_text()
            );
            assert!(
                verdict
                    .checks
                    .iter()
                    .any(|c| c.check == "signature" && c.detail == "gost2015-512-streebog512"),
                "{stem}: {}",
                verdict.to_text()
            );
            let signer = verdict.signer.as_ref().unwrap();
            assert_eq!(signer.serial, certificate(&cert_der).serial_hex());
            check_ncalayer_profile(&cms, &document, detached, &cert_der, Some(window_time()));
            // The nonce is deterministic (RFC 6979 style): the same input, the same bytes.
            assert_eq!(cms, sign_with(stem, &document, detached).0, "{stem}");
        }
    }
}

/// What was altered, the signature, and the detached content given with it.
struct Altered<'a>(&'static str, Vec<u8>, Option<&'a [u8]>);

#[test]
fn one_altered_byte_of_content_signed_attributes_or_signature_is_signature_invalid() {
    let verifier = nca_verifier();
    let document = read(DOCUMENT);
    let mut altered_document = document.clone();
    altered_document[10] ^= 0x01;
    for stem in NCA_KEYS {
        for detached in [false, true] {
            let (cms, _) = sign_with(stem, &document, detached);
            let content = detached.then_some(&document[..]);
            let mut cases: Vec<Altered> = Vec::new();
            if detached {
                cases.push(Altered("content", cms.clone(), Some(&altered_document[..])));
            } else {
                let mut c = cms.clone();
                c[find(&cms, &document) + 10] ^= 0x01;
                cases.push(Altered("content", c, None));
            }
            // signingTime 251020000000Z becomes 251020000001Z.
            let mut c = cms.clone();
            c[find(&cms, b"251020000000Z") + 11] = b'1';
            cases.push(Altered("signed attribute", c, content));
            // A byte in the middle of the signature (the last element of the SignedData).
            let mut c = cms.clone();
            let n = c.len();
            c[n - 40] ^= 0x01;
            cases.push(Altered("signature", c, content));
            for Altered(what, bytes, content) in cases {
                let verdict = verifier
                    .verify_signature(&bytes, content, &at_window())
                    .unwrap();
                assert_eq!(
                    (verdict.status, verdict.reason),
                    (Status::Invalid, Some(Reason::SignatureInvalid)),
                    "{stem} detached={detached}, altered {what}: {}",
                    verdict.to_text()
                );
            }
        }
    }
}

#[test]
fn openssl_gost_engine_verifies_every_signature() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    require_gost_engine(dir);
    let document = read(DOCUMENT);
    for stem in NCA_KEYS {
        let (cms, cert_der) = sign_with(stem, &document, false);
        let s = check_ncalayer_profile(&cms, &document, false, &cert_der, None);
        let (ok, text) = openssl_verifies(dir, &cert_der, &s.signed_attributes, &s.signature);
        assert!(
            ok,
            "{stem}: openssl dgst -engine gost -md_gost12_512 -verify: {text}"
        );
        // The harness is not vacuous: a signature byte altered, or signed attributes altered,
        // fail there too.
        let mut signature = s.signature.clone();
        signature[17] ^= 0x01;
        let (ok, text) = openssl_verifies(dir, &cert_der, &s.signed_attributes, &signature);
        assert!(!ok, "{stem}: an altered signature verified: {text}");
        let mut attrs = s.signed_attributes.clone();
        let i = find(&attrs, b"251020000000Z") + 11;
        attrs[i] = b'1';
        let (ok, text) = openssl_verifies(dir, &cert_der, &attrs, &s.signature);
        assert!(!ok, "{stem}: altered signed attributes verified: {text}");
    }
}

fn nca_officer(stem: &str) -> Officer {
    let config = OfficerConfig {
        id: "nca".into(),
        keystore: gost_fixture(&format!("{stem}.p12")),
        certificate: None,
        alias: None,
        password_env: None,
        password_file: Some(gost_fixture("password.txt")),
        provider_name: "АО \"ТЕСТ\"".into(),
        provider_bin: NCA_TEST_BIN.into(),
        allowed_roles: vec!["first_head".into(), "signing_right".into()],
        password: None,
    };
    // The NCA's test BIN fails the control digit: only a deployment with test ids takes it.
    let strict = config.check(IdPolicy::Strict).unwrap_err();
    assert!(strict.to_string().contains("control digit"), "{strict}");
    Officer::load(&config.check(IdPolicy::AllowTestIds).unwrap()).unwrap()
}

#[test]
fn the_officer_check_judges_nca_gost_officers() {
    let verifier = nca_verifier();
    for stem in ["UL_FirstHead_CEO-valid", "UL_EmployeeSignRight-valid"] {
        let officer = nca_officer(stem);
        let info = officer.info();
        assert_eq!(info.key, "GOST 2015-512");
        assert_eq!(info.signature_algorithm, "gost2015-512-streebog512");
        let approval = officer
            .check(&verifier, window_time())
            .unwrap_or_else(|r| panic!("{stem}: {} {}", r.reason.as_str(), r.message));
        assert_eq!(approval.verdict.status, Status::Valid, "{stem}");
        assert!(approval.rules.iter().all(|r| r.result == "pass"), "{stem}");
    }
    for (stem, reason) in [
        ("UL_Employee-valid", "role_not_allowed"),
        ("FL-valid", "provider_mismatch"),
    ] {
        let refusal = nca_officer(stem)
            .check(&verifier, window_time())
            .unwrap_err();
        assert_eq!(refusal.reason.as_str(), reason, "{stem}");
        assert_eq!(
            refusal.verdict.status,
            Status::Valid,
            "{stem}: the certificate is fine"
        );
    }
    // At the current time the 2025-10 certificates have expired (2026-10-17) and the saved CRLs
    // are stale (2025-10-26): the officer signs nothing.
    let officer = nca_officer("UL_FirstHead_CEO-valid");
    match officer.sign(&verifier, b"now", false) {
        Err(SignError::Refused(r)) => assert!(
            ["cert_expired", "revocation_unknown"].contains(&r.reason.as_str()),
            "{}",
            r.reason.as_str()
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A configuration file with one GOST officer `gost` (password from `OFFICER_TEST_PASSWORD`).
fn gost_config(
    dir: &Path,
    trust: &Path,
    crls: &[&Path],
    officer: &str,
    test_ids: bool,
) -> std::path::PathBuf {
    let list = |paths: &[&Path]| {
        paths
            .iter()
            .map(|p| toml_string(&p.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let archive = format!("sqlite://{}", dir.join("archive.sqlite").display());
    let text = format!(
        "[trust]\nanchors = [{}]\n{}\n[crl]\npaths = [{}]\n\n[archive]\nurl = {}\n\n[[officers]]\nid = \"gost\"\n{officer}password_env = \"{PASSWORD_ENV}\"\n",
        list(&[trust]),
        if test_ids { "test_ids = true\n" } else { "" },
        list(crls),
        toml_string(&archive),
    );
    let path = dir.join("qoltanba.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The run-time GOST PKI in `dir`: the CA, the officer's certificate for the key of the NCA's
/// `UL_FirstHead_CEO-valid` keystore (first head of ТОО "ДАЛА МҰРА", a BIN with a valid control
/// digit), the CA's CRL, all current now.
struct RuntimeOfficer {
    pki: RuntimePki,
    ca: std::path::PathBuf,
    certificate: std::path::PathBuf,
    crl: std::path::PathBuf,
}

fn runtime_officer(dir: &Path) -> RuntimeOfficer {
    let pki = RuntimePki::new(
        OffsetDateTime::now_utc(),
        &gost_read("UL_FirstHead_CEO-valid.cer"),
        &[
            ("2.5.4.3", "ТЕСТОВ ТЕСТ"),
            ("2.5.4.4", "ТЕСТОВ"),
            ("2.5.4.5", "IIN880415300127"),
            ("2.5.4.6", "KZ"),
            ("2.5.4.10", "ТОО \"ДАЛА МҰРА\""),
            ("2.5.4.11", "BIN050340001235"),
        ],
    );
    let officer = RuntimeOfficer {
        ca: dir.join("gost-ca.der"),
        certificate: dir.join("gost-officer.der"),
        crl: dir.join("gost-ca.crl"),
        pki,
    };
    std::fs::write(&officer.ca, &officer.pki.ca_der).unwrap();
    std::fs::write(&officer.certificate, &officer.pki.officer_der).unwrap();
    std::fs::write(&officer.crl, &officer.pki.crl_der).unwrap();
    officer
}

#[test]
fn qoltanba_sign_signs_as_a_gost_officer() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    require_gost_engine(dir);
    let RuntimeOfficer {
        pki,
        ca,
        certificate: officer_cert,
        crl,
    } = runtime_officer(dir);
    // The NCA's keystore, with the certificate of the same key issued by the run-time CA.
    let officer = format!(
        "keystore = {}\ncertificate = {}\nprovider_name = \"ТОО \\\"ДАЛА МҰРА\\\"\"\nprovider_bin = \"{DALA_MURA_BIN}\"\n",
        toml_string(&gost_fixture("UL_FirstHead_CEO-valid.p12").display().to_string()),
        toml_string(&officer_cert.display().to_string()),
    );
    let config = gost_config(dir, &ca, &[&crl], &officer, false);
    let document = fixture(DOCUMENT);
    let content = read(DOCUMENT);
    let env = [(PASSWORD_ENV, Some(GOST_PASSWORD))];
    for detached in [false, true] {
        let out_file = dir.join(format!("gost-{detached}.cms"));
        let mut extra = vec!["--json"];
        if detached {
            extra.push("--detached");
        }
        let out = sign(&config, "gost", &document, &out_file, &extra, &env);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let report = stdout_json(&out);
        assert_eq!(report["status"], "signed");
        assert_eq!(report["detached"], detached);
        assert_eq!(report["verdict"]["status"], "valid");
        assert_eq!(report["officer"]["key"], "GOST 2015-512");
        assert_eq!(
            report["officer"]["signature_algorithm"],
            "gost2015-512-streebog512"
        );
        assert!(report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["result"] == "pass"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(GOST_PASSWORD), "{text}");

        let cms = std::fs::read(&out_file).unwrap();
        let s = check_ncalayer_profile(&cms, &content, detached, &pki.officer_der, None);
        let (ok, text) =
            openssl_verifies(dir, &pki.officer_der, &s.signed_attributes, &s.signature);
        assert!(ok, "openssl: {text}");

        let mut verify = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"));
        verify.arg("verify").arg(&out_file);
        if detached {
            verify.arg("--data").arg(&document);
        }
        let out = verify
            .arg("--trust")
            .arg(&ca)
            .arg("--crl")
            .arg(&crl)
            .arg("--json")
            .env_remove("QOLTANBA_CONFIG")
            .output()
            .unwrap();
        let verdict = stdout_json(&out);
        assert_eq!(
            (out.status.code(), verdict["status"].as_str()),
            (Some(0), Some("valid")),
            "qoltanba verify: {verdict:#}"
        );
        assert!(verdict["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "signature" && c["detail"] == "gost2015-512-streebog512"));
    }
}

#[test]
fn qoltanba_sign_with_the_nca_certificate_needs_test_ids_and_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let officer =
        format!(
        "keystore = {}\nprovider_name = \"АО \\\"ТЕСТ\\\"\"\nprovider_bin = \"{NCA_TEST_BIN}\"\n",
        toml_string(&gost_fixture("UL_FirstHead_CEO-valid.p12").display().to_string()),
    );
    let (ca, full, delta) = (
        gost_fixture("nca_gost2022_test.cer"),
        gost_fixture("nca_gost2022_test.crl"),
        gost_fixture("nca_gost2022_d_test.crl"),
    );
    let env = [(PASSWORD_ENV, Some(GOST_PASSWORD))];
    let document = fixture(DOCUMENT);
    let out_file = dir.join("nca.cms");

    // Without test ids the NCA's test BIN is a configuration error.
    let config = gost_config(dir, &ca, &[&full, &delta], &officer, false);
    let out = sign(&config, "gost", &document, &out_file, &["--json"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let report = stdout_json(&out);
    assert_eq!(report["reason"], "config", "{report:#}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("control digit"),
        "{report:#}"
    );

    // With them, the key opens and the officer is judged: at the current time the certificate
    // has expired (or, before 2026-10-17, the saved CRLs are stale), and nothing is written.
    let config = gost_config(dir, &ca, &[&full, &delta], &officer, true);
    let out = sign(&config, "gost", &document, &out_file, &["--json"], &env);
    let report = stdout_json(&out);
    assert_eq!(report["status"], "refused", "{}", describe(&out));
    match report["reason"].as_str() {
        Some("cert_expired") => assert_eq!(out.status.code(), Some(1)),
        Some("revocation_unknown") => assert_eq!(out.status.code(), Some(3)),
        other => panic!("refused for {other:?}: {report:#}"),
    }
    assert!(
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["result"] == "pass"),
        "{report:#}"
    );
    assert!(!out_file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_v1_sign_signs_as_a_gost_officer() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    require_gost_engine(dir);
    let officer = runtime_officer(dir);
    let token = "gost-officer-token-61d2";
    let mut config = qoltanba::config::ServeConfig {
        listen: "127.0.0.1:0".into(),
        ..Default::default()
    };
    config.trust.anchors = vec![officer.ca.clone()];
    config.crl.paths = vec![officer.crl.clone()];
    config.archive.url = format!("sqlite://{}", dir.join("archive.sqlite").display());
    config.officers = vec![OfficerConfig {
        id: "gost".into(),
        keystore: gost_fixture("UL_FirstHead_CEO-valid.p12"),
        certificate: Some(officer.certificate.clone()),
        alias: None,
        password_env: None,
        password_file: Some(gost_fixture("password.txt")),
        provider_name: "ТОО \"ДАЛА МҰРА\"".into(),
        provider_bin: DALA_MURA_BIN.into(),
        allowed_roles: vec!["first_head".into()],
        password: None,
    }];
    config.auth.tokens = vec![qoltanba::http::auth::TokenConfig {
        name: "gost".into(),
        role: "officer:gost".into(),
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes())),
        token: None,
    }];
    let setup = qoltanba::serve::ServiceSetup::from_config(config).expect("configuration");
    let server = qoltanba::serve::start(setup, qoltanba::http::RouterOptions::default())
        .await
        .expect("server starts");
    let client = reqwest::Client::new();
    let post = |path: &str, bearer: Option<&str>, body: serde_json::Value| {
        let mut request = client
            .post(format!("http://{}{path}", server.addr()))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = bearer {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (
                status,
                serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default(),
                text,
            )
        }
    };
    let document = read(DOCUMENT);
    for detached in [false, true] {
        let (status, answer, text) = post(
            "/v1/sign",
            Some(token),
            serde_json::json!({"document": b64.encode(&document), "detached": detached}),
        )
        .await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(answer["status"], "signed");
        assert_eq!(answer["officer"]["key"], "GOST 2015-512");
        assert_eq!(
            answer["officer"]["signature_algorithm"],
            "gost2015-512-streebog512"
        );
        assert_eq!(answer["verdict"]["status"], "valid", "{text}");
        let cms = b64.decode(answer["signature"].as_str().unwrap()).unwrap();
        let s = check_ncalayer_profile(&cms, &document, detached, &officer.pki.officer_der, None);
        let (ok, text) = openssl_verifies(
            dir,
            &officer.pki.officer_der,
            &s.signed_attributes,
            &s.signature,
        );
        assert!(ok, "openssl: {text}");

        let mut body = serde_json::json!({"signature": b64.encode(&cms)});
        if detached {
            body["data"] = serde_json::json!(b64.encode(&document));
        }
        let (status, verdict, text) = post("/v1/verify", None, body).await;
        assert_eq!(
            (status, verdict["status"].as_str()),
            (200, Some("valid")),
            "{text}"
        );
    }
    server.shutdown().await.unwrap();
}
