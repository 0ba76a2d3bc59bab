//! `qoltanba sign` end to end: signatures by RSA and P-256 officers (PKCS#12 in both encodings,
//! encrypted PKCS#8), attached and detached, verified `valid` by `qoltanba verify` and by
//! `openssl cms -verify`; their signed attributes and certificates; every refusal of an officer
//! who may not sign; keystore and password errors; and no secret in any output or log line.
//!
//! The officers' certificates are judged at the current time: the fixtures' certificates are
//! valid until 2028-01-01 and their current CRLs until 2035-01-01.

mod sign_support;

use std::path::Path;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode, Tagged};
use serde_json::Value;
use sha2::{Digest, Sha256};

use sign_support::*;

const DOCUMENT: &str = "samples/request-legal.json";

struct RoundTrip {
    id: &'static str,
    keystore: &'static str,
    certificate: Option<&'static str>,
    bin: &'static str,
    cert_file: &'static str,
    issuer_file: &'static str,
    algorithm: &'static str,
}

const ROUND_TRIPS: &[RoundTrip] = &[
    RoundTrip {
        id: "head",
        keystore: "officers/head-sign.p12",
        certificate: None,
        bin: DALA_MURA_BIN,
        cert_file: "pki/head-sign.der",
        issuer_file: "pki/nca-rsa.der",
        algorithm: "rsa-pkcs1-sha256",
    },
    RoundTrip {
        id: "head-legacy",
        keystore: "officers/head-sign.legacy.p12",
        certificate: None,
        bin: DALA_MURA_BIN,
        cert_file: "pki/head-sign.der",
        issuer_file: "pki/nca-rsa.der",
        algorithm: "rsa-pkcs1-sha256",
    },
    RoundTrip {
        id: "employee",
        keystore: "officers/employee-sign.p12",
        certificate: None,
        bin: DALA_MURA_BIN,
        cert_file: "pki/employee-sign.der",
        issuer_file: "pki/nca-rsa.der",
        algorithm: "rsa-pkcs1-sha256",
    },
    RoundTrip {
        id: "employee-legacy",
        keystore: "officers/employee-sign.legacy.p12",
        certificate: None,
        bin: DALA_MURA_BIN,
        cert_file: "pki/employee-sign.der",
        issuer_file: "pki/nca-rsa.der",
        algorithm: "rsa-pkcs1-sha256",
    },
    RoundTrip {
        id: "head-pkcs8",
        keystore: "officers/head-sign.key.enc.pem",
        certificate: Some("pki/head-sign.pem"),
        bin: DALA_MURA_BIN,
        cert_file: "pki/head-sign.der",
        issuer_file: "pki/nca-rsa.der",
        algorithm: "rsa-pkcs1-sha256",
    },
    RoundTrip {
        id: "ec-head",
        keystore: "officers/ec-head-sign.p12",
        certificate: None,
        bin: ZHOLDARY_BIN,
        cert_file: "pki/ec-head-sign.der",
        issuer_file: "pki/nca-ec.der",
        algorithm: "ecdsa-p256-sha256",
    },
    RoundTrip {
        id: "ec-head-legacy",
        keystore: "officers/ec-head-sign.legacy.p12",
        certificate: None,
        bin: ZHOLDARY_BIN,
        cert_file: "pki/ec-head-sign.der",
        issuer_file: "pki/nca-ec.der",
        algorithm: "ecdsa-p256-sha256",
    },
    RoundTrip {
        id: "ec-head-pkcs8",
        keystore: "officers/ec-head-sign.key.enc.pem",
        certificate: Some("pki/ec-head-sign.pem"),
        bin: ZHOLDARY_BIN,
        cert_file: "pki/ec-head-sign.der",
        issuer_file: "pki/nca-ec.der",
        algorithm: "ecdsa-p256-sha256",
    },
];

fn round_trip_config(dir: &Path) -> std::path::PathBuf {
    let officers: Vec<OfficerSpec> = ROUND_TRIPS
        .iter()
        .map(|r| {
            let spec = OfficerSpec::new(r.id, r.keystore, r.bin);
            match r.certificate {
                Some(c) => spec.certificate(c),
                None => spec,
            }
        })
        .collect();
    write_config(dir, Crls::Current, &officers)
}

#[test]
fn rsa_and_p256_signatures_attached_and_detached_verify_with_qoltanba_and_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let config = round_trip_config(dir.path());
    let document = fixture(DOCUMENT);
    for r in ROUND_TRIPS {
        for detached in [false, true] {
            let out_file =
                dir.path()
                    .join(format!("{}-{}.cms", r.id, if detached { "d" } else { "a" }));
            let extra: &[&str] = if detached {
                &["--detached", "--json"]
            } else {
                &["--json"]
            };
            let out = sign(&config, r.id, &document, &out_file, extra, &[]);
            assert_eq!(out.status.code(), Some(0), "{}: {}", r.id, describe(&out));
            let report = stdout_json(&out);
            assert_eq!(report["status"], "signed", "{}", r.id);
            assert_eq!(report["detached"], detached);
            assert_eq!(report["verdict"]["status"], "valid", "{}", r.id);
            assert_eq!(report["officer"]["signature_algorithm"], r.algorithm);
            assert_eq!(report["officer"]["provider_bin"], r.bin);
            assert!(report["rules"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["result"] == "pass"));

            let data = detached.then_some(document.as_path());
            let (code, verdict) = qoltanba_verify(&out_file, data);
            assert_eq!(
                (code, verdict["status"].as_str()),
                (0, Some("valid")),
                "{} detached={detached}: qoltanba verify: {verdict:#}",
                r.id
            );
            let cert = qoltanba_core::Certificate::from_der(&read(r.cert_file)).unwrap();
            assert_eq!(verdict["signer"]["serial"], cert.serial_hex());
            assert!(verdict["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["check"] == "signature" && c["detail"] == r.algorithm));

            let ossl = openssl_verify(dir.path(), &out_file, data);
            assert!(
                ossl.status.success(),
                "{} detached={detached}: openssl cms -verify: {}",
                r.id,
                describe(&ossl)
            );
            if !detached {
                // openssl wrote out the content it verified: the document itself.
                assert_eq!(
                    std::fs::read(dir.path().join("openssl-content.out")).unwrap(),
                    read(DOCUMENT)
                );
            }

            check_structure(&out_file, r, detached);
        }
    }
}

/// The SignedData as built: attributes, signer id, certificates (never the root), algorithms.
fn check_structure(file: &Path, r: &RoundTrip, detached: bool) {
    let der = std::fs::read(file).unwrap();
    let info = ContentInfo::from_der(&der).expect("strict DER ContentInfo");
    assert_eq!(info.content_type.to_string(), "1.2.840.113549.1.7.2");
    let sd: SignedData = info.content.decode_as().expect("SignedData");
    assert_eq!(
        sd.encap_content_info.econtent_type.to_string(),
        "1.2.840.113549.1.7.1"
    );
    assert_eq!(sd.encap_content_info.econtent.is_none(), detached);

    let officer_der = read(r.cert_file);
    let issuer_der = read(r.issuer_file);
    let officer = x509_cert::Certificate::from_der(&officer_der).unwrap();
    let certs: Vec<Vec<u8>> = sd
        .certificates
        .as_ref()
        .expect("certificates")
        .0
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    assert_eq!(
        certs.len(),
        2,
        "the officer's certificate and its intermediate"
    );
    assert!(certs.contains(&officer_der));
    assert!(certs.contains(&issuer_der));
    assert!(!certs.contains(&read("pki/root.der")), "never the root");

    let signers: Vec<_> = sd.signer_infos.0.iter().collect();
    assert_eq!(signers.len(), 1);
    let si = signers[0];
    match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            assert_eq!(ias.serial_number, officer.tbs_certificate.serial_number);
            assert_eq!(
                ias.issuer.to_der().unwrap(),
                officer.tbs_certificate.issuer.to_der().unwrap()
            );
        }
        other => panic!("signer identified by {other:?}"),
    }
    assert_eq!(si.digest_alg.oid.to_string(), "2.16.840.1.101.3.4.2.1");
    let expected_sig_alg = if r.algorithm.starts_with("rsa") {
        "1.2.840.113549.1.1.11"
    } else {
        "1.2.840.10045.4.3.2"
    };
    assert_eq!(si.signature_algorithm.oid.to_string(), expected_sig_alg);

    let attrs = si.signed_attrs.as_ref().expect("signed attributes");
    let value = |oid: &str| -> der::Any {
        let a = attrs
            .iter()
            .find(|a| a.oid.to_string() == oid)
            .unwrap_or_else(|| panic!("signed attribute {oid} missing"));
        assert_eq!(a.values.len(), 1);
        a.values.iter().next().unwrap().clone()
    };
    assert_eq!(attrs.len(), 4);
    // contentType = id-data
    let ct: der::asn1::ObjectIdentifier = value("1.2.840.113549.1.9.3").decode_as().unwrap();
    assert_eq!(ct.to_string(), "1.2.840.113549.1.7.1");
    // messageDigest = SHA-256 of the document
    let md: der::asn1::OctetString = value("1.2.840.113549.1.9.4").decode_as().unwrap();
    assert_eq!(md.as_bytes(), Sha256::digest(read(DOCUMENT)).as_slice());
    // signingTime: now (UTCTime before 2050)
    let st = value("1.2.840.113549.1.9.5");
    assert_eq!(st.tag(), der::Tag::UtcTime);
    let st: x509_cert::time::Time = x509_cert::time::Time::from_der(&st.to_der().unwrap()).unwrap();
    let age = std::time::SystemTime::now()
        .duration_since(st.to_system_time())
        .unwrap_or_default();
    assert!(age.as_secs() < 600, "signingTime {st} is not now");
    // signingCertificateV2: SHA-256 of the officer's certificate (the default hash algorithm is
    // absent), with issuerSerial.
    let ess = value("1.2.840.113549.1.9.16.2.47");
    let ess: qoltanba::sign::cms_builder::SigningCertificateV2 = ess.decode_as().unwrap();
    assert_eq!(ess.certs.len(), 1);
    assert_eq!(
        ess.certs[0].cert_hash.as_bytes(),
        Sha256::digest(&officer_der).as_slice()
    );
    let is = ess.certs[0].issuer_serial.as_ref().expect("issuerSerial");
    assert_eq!(is.serial_number, officer.tbs_certificate.serial_number);
    match &is.issuer[..] {
        [x509_cert::ext::pkix::name::GeneralName::DirectoryName(name)] => {
            assert_eq!(
                name.to_der().unwrap(),
                officer.tbs_certificate.issuer.to_der().unwrap()
            )
        }
        other => panic!("issuer {other:?}"),
    }
}

struct Refused {
    what: &'static str,
    spec: OfficerSpec,
    crls: Crls,
    reason: &'static str,
    exit: i32,
}

#[test]
fn an_officer_who_may_not_sign_is_refused_with_the_failing_code_and_nothing_is_written() {
    let cases = vec![
        Refused {
            what: "expired certificate",
            spec: OfficerSpec::new("x", "officers/expired-sign.p12", DALA_MURA_BIN),
            crls: Crls::Current,
            reason: "cert_expired",
            exit: 1,
        },
        Refused {
            what: "revoked certificate",
            spec: OfficerSpec::new("x", "officers/revoked-sign.p12", DALA_MURA_BIN),
            crls: Crls::Current,
            reason: "cert_revoked",
            exit: 1,
        },
        Refused {
            what: "not yet valid certificate",
            spec: OfficerSpec::new("x", "officers/future-sign.p12", DALA_MURA_BIN),
            crls: Crls::Current,
            reason: "cert_not_yet_valid",
            exit: 1,
        },
        Refused {
            what: "AUTH key",
            spec: OfficerSpec::new("x", "officers/individual-auth.p12", DALA_MURA_BIN),
            crls: Crls::Current,
            reason: "key_usage_not_signing",
            exit: 1,
        },
        Refused {
            what: "certificate of another entity (BIN 040340001233)",
            spec: OfficerSpec::new("x", "officers/ec-head-sign.p12", DALA_MURA_BIN),
            crls: Crls::Current,
            reason: "provider_mismatch",
            exit: 1,
        },
        Refused {
            what: "provider configured with another BIN",
            spec: OfficerSpec::new("x", "officers/head-sign.p12", ZHOLDARY_BIN),
            crls: Crls::Current,
            reason: "provider_mismatch",
            exit: 1,
        },
        Refused {
            what: "employee without signing right",
            spec: OfficerSpec::new("x", "officers/staff-sign.p12", DALA_MURA_BIN),
            crls: Crls::Current,
            reason: "role_not_allowed",
            exit: 1,
        },
        Refused {
            what: "signing right not among the configured roles",
            spec: OfficerSpec::new("x", "officers/employee-sign.p12", DALA_MURA_BIN)
                .roles(&["first_head"]),
            crls: Crls::Current,
            reason: "role_not_allowed",
            exit: 1,
        },
        Refused {
            what: "no CRL at all",
            spec: OfficerSpec::new("x", "officers/head-sign.p12", DALA_MURA_BIN),
            crls: Crls::None,
            reason: "revocation_unknown",
            exit: 3,
        },
        Refused {
            what: "only a stale CRL",
            spec: OfficerSpec::new("x", "officers/head-sign.p12", DALA_MURA_BIN),
            crls: Crls::Stale,
            reason: "revocation_unknown",
            exit: 3,
        },
    ];
    let document = fixture(DOCUMENT);
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), case.crls, std::slice::from_ref(&case.spec));
        let out_file = dir.path().join("result.cms");
        // JSON: one document with the code, the officer's verdict and rules.
        let out = sign(&config, "x", &document, &out_file, &["--json"], &[]);
        assert_eq!(
            out.status.code(),
            Some(case.exit),
            "{}: {}",
            case.what,
            describe(&out)
        );
        let report = stdout_json(&out);
        assert_eq!(report["status"], "refused", "{}", case.what);
        assert_eq!(report["reason"], case.reason, "{}: {report:#}", case.what);
        assert!(report["verdict"]["status"].is_string(), "{}", case.what);
        assert_eq!(report["rules"].as_array().map(Vec::len), Some(2));
        if !["provider_mismatch", "role_not_allowed"].contains(&case.reason) {
            // A verifier finding: the code is the verdict's own reason.
            assert_eq!(report["verdict"]["reason"], case.reason, "{}", case.what);
        }
        assert!(!out_file.exists(), "{}: a signature was written", case.what);
        // Text: the code on standard error, nothing on standard output.
        let out = sign(&config, "x", &document, &out_file, &[], &[]);
        assert_eq!(out.status.code(), Some(case.exit));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("REFUSED ({})", case.reason)),
            "{}: {stderr}",
            case.what
        );
        assert!(out.stdout.is_empty());
        assert!(!out_file.exists());
    }
}

fn expect_error(out: &std::process::Output, code: &str) -> Value {
    assert_eq!(out.status.code(), Some(2), "{}", describe(out));
    let report = stdout_json(out);
    assert_eq!(report["status"], "usage_error", "{report:#}");
    assert_eq!(report["reason"], code, "{report:#}");
    report
}

#[test]
fn wrong_password_corrupted_keystores_and_bad_keys_are_refused_with_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wrong_file = d.join("wrong-password.txt");
    std::fs::write(&wrong_file, "not-the-password\n").unwrap();
    let officers = vec![
        OfficerSpec::new("head", "officers/head-sign.p12", DALA_MURA_BIN),
        OfficerSpec::new("legacy", "officers/head-sign.legacy.p12", DALA_MURA_BIN),
        OfficerSpec::new("pkcs8", "officers/head-sign.key.enc.pem", DALA_MURA_BIN)
            .certificate("pki/head-sign.pem"),
        OfficerSpec::new("wrong-file", "officers/head-sign.p12", DALA_MURA_BIN)
            .password_file(wrong_file),
        OfficerSpec::new("truncated", "officers/truncated.p12", DALA_MURA_BIN),
        OfficerSpec::new("tampered", "officers/tampered.p12", DALA_MURA_BIN),
        OfficerSpec::new("garbage", "officers/not-a-keystore.p12", DALA_MURA_BIN),
        OfficerSpec::new("plain-key", "pki/keys/head-sign.key.pem", DALA_MURA_BIN)
            .certificate("pki/head-sign.pem"),
        OfficerSpec::new("mismatch", "officers/head-sign.key.enc.pem", DALA_MURA_BIN)
            .certificate("pki/employee-sign.pem"),
        OfficerSpec::new(
            "pkcs8-no-cert",
            "officers/head-sign.key.enc.pem",
            DALA_MURA_BIN,
        ),
        OfficerSpec::new("missing", "officers/no-such-file.p12", DALA_MURA_BIN),
    ];
    let config = write_config(d, Crls::Current, &officers);
    let document = fixture(DOCUMENT);
    let out_file = d.join("result.cms");
    let wrong = [(PASSWORD_ENV, Some("not-the-password"))];

    for officer in ["head", "legacy", "pkcs8"] {
        let out = sign(&config, officer, &document, &out_file, &["--json"], &wrong);
        let report = expect_error(&out, "wrong_password");
        assert!(report["message"]
            .as_str()
            .unwrap()
            .contains("password is wrong"));
        let out = sign(
            &config,
            officer,
            &document,
            &out_file,
            &["--json"],
            &[(PASSWORD_ENV, None)],
        );
        let report = expect_error(&out, "password_unavailable");
        assert!(report["message"].as_str().unwrap().contains(PASSWORD_ENV));
    }
    let cases = [
        ("wrong-file", "wrong_password"),
        ("truncated", "keystore_unreadable"),
        ("tampered", "wrong_password"),
        ("garbage", "keystore_unreadable"),
        ("plain-key", "unsupported_key"),
        ("mismatch", "key_certificate_mismatch"),
        ("pkcs8-no-cert", "keystore_unreadable"),
        ("missing", "keystore_unreadable"),
        ("nobody", "unknown_officer"),
    ];
    for (officer, code) in cases {
        let out = sign(&config, officer, &document, &out_file, &["--json"], &[]);
        expect_error(&out, code);
        // Text mode names the code on standard error.
        let out = sign(&config, officer, &document, &out_file, &[], &[]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("({code})")));
    }
    assert!(!out_file.exists());

    // A password written in the configuration is refused without being repeated.
    let text = std::fs::read_to_string(&config).unwrap()
        + "\n[[officers]]\nid = \"literal\"\nkeystore = \"x.p12\"\npassword = \"Literal-Secret-991\"\nprovider_name = \"x\"\nprovider_bin = \"050340001235\"\n";
    let literal = d.join("literal.toml");
    std::fs::write(&literal, text).unwrap();
    let out = sign(&literal, "head", &document, &out_file, &["--json"], &[]);
    let report = expect_error(&out, "config");
    assert!(report["message"]
        .as_str()
        .unwrap()
        .contains("`password` must not be written"));
    let all = describe(&out);
    assert!(!all.contains("Literal-Secret-991"), "{all}");
}

#[test]
fn signatures_go_to_standard_output_in_der_pem_or_base64() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        Crls::Current,
        &[OfficerSpec::new(
            "head",
            "officers/head-sign.p12",
            DALA_MURA_BIN,
        )],
    );
    let document = fixture(DOCUMENT);
    for format in ["pem", "base64"] {
        let file = dir.path().join(format!("sig.{format}"));
        let out = sign(
            &config,
            "head",
            &document,
            &file,
            &["--format", format],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let (code, verdict) = qoltanba_verify(&file, None);
        assert_eq!((code, verdict["status"].as_str()), (0, Some("valid")));
    }
    let out = sign(&config, "head", &document, Path::new("-"), &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(out.stdout[0], 0x30, "DER on standard output");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIGNED"));
    let file = dir.path().join("stdout.cms");
    std::fs::write(&file, &out.stdout).unwrap();
    assert_eq!(qoltanba_verify(&file, None).0, 0);
}

/// Everything secret about an officer's key, in the forms a leak could take.
pub fn secrets_of(key_pem_rel: &str) -> Vec<String> {
    let pem = String::from_utf8(read(key_pem_rel)).unwrap();
    let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
    let mut forbidden: Vec<String> = vec![PASSWORD.to_owned()];
    // Every line of the PEM body.
    forbidden.extend(
        pem.lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
            .map(str::to_owned),
    );
    // The whole PKCS#8 DER, in hex (both cases) and base64.
    forbidden.push(hex::encode(&der));
    forbidden.push(hex::encode_upper(&der));
    use base64::Engine;
    forbidden.push(base64::engine::general_purpose::STANDARD.encode(&der));
    // The raw private key inside, and its first 16 bytes alone.
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    let raw = info.private_key;
    for bytes in [raw, &raw[raw.len() / 2..raw.len() / 2 + 16]] {
        forbidden.push(hex::encode(bytes));
        forbidden.push(hex::encode_upper(bytes));
    }
    // For RSA, the private exponent and a prime.
    if let Ok(k) = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_der(&der) {
        use rsa::traits::PrivateKeyParts;
        forbidden.push(hex::encode(k.d().to_bytes_be()));
        forbidden.push(hex::encode(k.primes()[0].to_bytes_be()));
        forbidden.push(k.d().to_string());
    }
    forbidden
}

#[test]
fn no_password_or_key_byte_in_any_output_or_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_config(
        d,
        Crls::Current,
        &[
            OfficerSpec::new("head", "officers/head-sign.p12", DALA_MURA_BIN),
            OfficerSpec::new(
                "head-legacy",
                "officers/head-sign.legacy.p12",
                DALA_MURA_BIN,
            ),
            OfficerSpec::new("pkcs8", "officers/head-sign.key.enc.pem", DALA_MURA_BIN)
                .certificate("pki/head-sign.pem"),
            OfficerSpec::new("ec", "officers/ec-head-sign.p12", ZHOLDARY_BIN),
            OfficerSpec::new("ec-refused", "officers/ec-head-sign.p12", DALA_MURA_BIN),
        ],
    );
    let document = fixture(DOCUMENT);
    let trace = [("RUST_LOG", Some("trace"))];
    let wrong = [("RUST_LOG", Some("trace")), (PASSWORD_ENV, Some("wrong"))];
    let mut logs = String::new();
    let mut run = |officer: &str, extra: &[&str], env: &[(&str, Option<&str>)], expect: i32| {
        let out_file = d.join(format!("{officer}.cms"));
        let out = sign(&config, officer, &document, &out_file, extra, env);
        assert_eq!(out.status.code(), Some(expect), "{}", describe(&out));
        logs.push_str(&describe(&out));
    };
    for officer in ["head", "head-legacy", "pkcs8", "ec"] {
        run(officer, &[], &trace, 0);
        run(officer, &["--json"], &trace, 0);
        run(officer, &["--json"], &wrong, 2);
        run(officer, &[], &wrong, 2);
    }
    run("ec-refused", &["--json"], &trace, 1);
    run("ec-refused", &[], &trace, 1);
    // The log lines are there: the check is not vacuous.
    assert!(logs.contains("officer key loaded"), "{logs}");
    assert!(logs.contains("document signed"), "{logs}");
    assert!(logs.contains("signing refused"), "{logs}");
    assert!(logs.contains("wrong_password"), "{logs}");

    let mut forbidden = secrets_of("pki/keys/head-sign.key.pem");
    forbidden.extend(secrets_of("pki/keys/ec-head-sign.key.pem"));
    for secret in &forbidden {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret appears in the output: {}…",
            &secret[..secret.len().min(12)]
        );
    }
}

/// `serve` opens every officer's key before it listens: a wrong password is a configuration
/// error (exit 2, as documented), named, without the password or key bytes.
#[test]
fn serve_with_a_wrong_keystore_password_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        Crls::Current,
        &[OfficerSpec::new(
            "head",
            "officers/head-sign.p12",
            DALA_MURA_BIN,
        )],
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["serve", "--config"])
        .arg(&config)
        .env(PASSWORD_ENV, "not-the-password")
        .env("QOLTANBA_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    let text = describe(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("wrong_password"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
}

/// The README's example: the demo configuration signs in one command, from the repository root.
#[test]
fn the_demo_configuration_signs_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("result.cms");
    let archive_url = format!("sqlite://{}", dir.path().join("archive.sqlite").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sign",
            "--config",
            "config/demo-officers.toml",
            "--officer",
            "dala-mura-head",
            "--in",
            "fixtures/samples/request-legal.json",
            "--out",
        ])
        .arg(&out_file)
        .env_remove("QOLTANBA_CONFIG")
        .env("QOLTANBA_ARCHIVE__URL", &archive_url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("SIGNED"));
    assert!(
        stdout.contains("archived:  document 1 (time-stamp: not_configured)"),
        "{stdout}"
    );
    // The result is in the archive, byte for byte, as a result.
    let stored = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let archive = qoltanba::archive::Archive::open(&archive_url)
            .await
            .unwrap();
        archive.get(1).await.unwrap().expect("archived")
    });
    assert_eq!(stored.fields.kind, qoltanba::archive::DocumentKind::Result);
    assert_eq!(stored.fields.signature, std::fs::read(&out_file).unwrap());
    assert_eq!(stored.fields.status, "valid");
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEMO"));
    let (code, verdict) = qoltanba_verify(&out_file, None);
    assert_eq!((code, verdict["status"].as_str()), (0, Some("valid")));
    assert_eq!(verdict["signer"]["bin"], DALA_MURA_BIN);
    assert_eq!(verdict["signer"]["role"], "first_head");
}
