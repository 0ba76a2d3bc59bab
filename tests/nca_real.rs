//! The real NCA GOST test PKI (`fixtures/nca/`, copied from the NCA's public test set): its root,
//! issuing CA and CRLs verify; every one of the twelve end-entity certificates chains to the root
//! with GOST 2015-512 signatures in the NCA byte order, has the identity and role the NCA gave it,
//! and is `valid` inside the window in which the 2025-10 keys and the saved CRLs are both current
//! (the issuing CA as trust anchor: the NCA publishes no test root CRL) and `revocation_unknown`
//! once that CRL has lapsed.

mod common;

use common::{fixture, path_str, qoltanba, Run};

const ROOT: &str = "nca/CA_Test/ROOT/root_test_gost_2022.cer";
const CA: &str = "nca/CA_Test/NCA/nca_gost2022_test.cer";
const CRL: &str = "nca/CRL/nca_gost2022_test.crl";
const DELTA: &str = "nca/CRL/nca_gost2022_d_test.crl";
/// Inside 2025-10-17T08:13:32Z – 2025-10-26T04:46:49Z.
const IN_WINDOW: &str = "2025-10-20T00:00:00Z";
/// After the CA's CRL lapsed (nextUpdate 2025-10-26T04:46:49Z), the keys still in force.
const AFTER_CRL: &str = "2025-11-01T00:00:00Z";

/// Each certificate: its file stem, the role the verdict must name, its IIN and BIN.
const CERTS: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    ("FL", "individual", Some("123456789011"), None),
    (
        "UL_FirstHead_CEO",
        "first_head",
        Some("123456789011"),
        Some("123456789021"),
    ),
    (
        "UL_EmployeeSignRight",
        "signing_right",
        Some("123456789011"),
        Some("123456789021"),
    ),
    (
        "UL_Employee",
        "employee",
        Some("123456789011"),
        Some("123456789021"),
    ),
    (
        "UL_InfoSystem",
        "information_system",
        None,
        Some("123456789021"),
    ),
    (
        "UL_TreasuryClient",
        "treasury_client",
        Some("123456789011"),
        Some("123456789021"),
    ),
];

fn f(rel: &str) -> String {
    path_str(&fixture(rel))
}

fn all_certs() -> Vec<(
    String,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
)> {
    let mut out = Vec::new();
    for (stem, role, iin, bin) in CERTS {
        for state in ["valid", "revoked"] {
            out.push((
                format!("nca/extracted/{stem}-{state}.cer"),
                *role,
                *iin,
                *bin,
            ));
        }
    }
    out
}

/// `verify-cert` with the issuing CA as the anchor and the CA's CRLs.
fn under_ca(cert: &str, at: &str, extra: &[&str]) -> Run {
    with_ca_and_crls("verify-cert", cert, at, extra)
}

/// `qoltanba COMMAND FILE` with the issuing CA as the anchor, the CA's CRLs and `--at`.
fn with_ca_and_crls(command: &str, file: &str, at: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        command.to_owned(),
        f(file),
        "--trust".into(),
        f(CA),
        "--crl".into(),
        f(CRL),
        "--crl".into(),
        f(DELTA),
        "--at".into(),
        at.into(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    qoltanba(&refs)
}

fn check<'a>(run: &'a Run, name: &str) -> Vec<&'a serde_json::Value> {
    run.json["checks"]
        .as_array()
        .map(|a| a.iter().filter(|c| c["check"] == name).collect())
        .unwrap_or_default()
}

#[test]
fn every_end_entity_certificate_chains_to_the_root_with_gost_signatures() {
    for (cert, ..) in all_certs() {
        let run = qoltanba(&[
            "verify-cert",
            &f(&cert),
            "--trust",
            &f(ROOT),
            "--intermediate",
            &f(CA),
            "--crl",
            &f(CRL),
            "--at",
            IN_WINDOW,
            "--json",
        ]);
        let chain = check(&run, "chain");
        assert_eq!(chain.len(), 1, "{cert}: {}", run.stdout);
        assert_eq!(chain[0]["result"], "pass", "{cert}: {}", run.stdout);
        assert_eq!(
            run.json["evidence"]["chain"].as_array().map(Vec::len),
            Some(3),
            "{cert}"
        );
        // The CA's GOST-signed CRL was accepted as evidence for the end entity. The root
        // publishes no test CRL, so the CA certificate itself stays unknown: indeterminate.
        let crls = run.json["evidence"]["crls"].as_array().unwrap();
        assert!(crls.iter().any(|c| c["number"] == "14"), "{cert}: {crls:?}");
        assert_eq!(run.status(), "indeterminate", "{cert}");
        assert_eq!(run.reason(), Some("revocation_unknown"), "{cert}");
    }
}

#[test]
fn inside_the_window_every_certificate_is_valid_with_the_real_crls() {
    for (cert, ..) in all_certs() {
        let run = under_ca(&cert, IN_WINDOW, &[]);
        assert_eq!(run.code, 0, "{cert}: {}", run.stdout);
        assert_eq!(run.status(), "valid", "{cert}: {}", run.stdout);
        let revocation = check(&run, "revocation");
        assert_eq!(revocation[0]["result"], "pass", "{cert}");
    }
}

#[test]
fn after_the_crl_lapses_revocation_is_unknown() {
    for (cert, ..) in all_certs() {
        let run = under_ca(&cert, AFTER_CRL, &[]);
        assert_eq!(run.code, 3, "{cert}: {}", run.stdout);
        assert_eq!(run.reason(), Some("revocation_unknown"), "{cert}");
        assert!(run.stdout.contains("stale"), "{cert}: {}", run.stdout);
    }
}

#[test]
fn identity_role_and_profile_of_each_certificate() {
    for (cert, role, iin, bin) in all_certs() {
        let run = under_ca(&cert, IN_WINDOW, &[]);
        let signer = &run.json["signer"];
        assert_eq!(signer["role"], role, "{cert}");
        assert_eq!(signer["iin"].as_str(), iin, "{cert}");
        assert_eq!(signer["bin"].as_str(), bin, "{cert}");
        // The NCA's test ids fail the control digit, and the verdict says so.
        assert_eq!(signer["test_id"], true, "{cert}");
        // The 2024 single key: digitalSignature + nonRepudiation + keyAgreement, a signing key.
        assert_eq!(
            signer["key_usage"],
            serde_json::json!(["digitalSignature", "nonRepudiation", "keyAgreement"]),
            "{cert}"
        );
        assert_eq!(check(&run, "key_usage")[0]["result"], "pass", "{cert}");
        // The private key-storage extension is non-critical and reported as it is.
        assert_eq!(signer["key_storage"], "1.2.398.3.3.5.1.1", "{cert}");
    }
}

#[test]
fn test_ids_match_only_where_a_deployment_enables_them() {
    let cert = "nca/extracted/UL_FirstHead_CEO-valid.cer";
    // By default a test id is not an acceptable expected id: a usage error, not a mismatch.
    let strict = under_ca(cert, IN_WINDOW, &["--expect-id", "123456789021"]);
    assert_eq!(strict.code, 2, "{}", strict.stdout);
    assert_eq!(strict.json["reason"], "invalid_id");
    assert!(strict.stdout.contains("test ids"), "{}", strict.stdout);
    // With test ids enabled, the certificate's BIN and IIN match, and the check says why.
    for id in ["123456789021", "123456789011"] {
        let run = under_ca(cert, IN_WINDOW, &["--expect-id", id, "--test-ids"]);
        assert_eq!(run.status(), "valid", "{id}: {}", run.stdout);
        let identity = check(&run, "identity");
        assert_eq!(identity[0]["result"], "pass");
        assert!(
            identity[0]["detail"].as_str().unwrap().contains("test id"),
            "{}",
            run.stdout
        );
    }
    // Another test id is a mismatch, and a real id still has to hold its control digit.
    let other = under_ca(
        cert,
        IN_WINDOW,
        &["--expect-id", "123456789012", "--test-ids"],
    );
    assert_eq!(
        other.reason(),
        Some("identity_mismatch"),
        "{}",
        other.stdout
    );
    let real = under_ca(
        cert,
        IN_WINDOW,
        &["--expect-id", "880415300127", "--test-ids"],
    );
    assert_eq!(real.reason(), Some("identity_mismatch"), "{}", real.stdout);
}

#[test]
fn a_tampered_gost_signature_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut der = std::fs::read(fixture("nca/extracted/FL-valid.cer")).unwrap();
    // The signature value is the certificate's last 128 bytes (r‖s, little-endian halves).
    let n = der.len();
    der[n - 70] ^= 0x01;
    let tampered = dir.path().join("tampered.cer");
    std::fs::write(&tampered, &der).unwrap();
    let run = under_ca(&path_str(&tampered), IN_WINDOW, &[]);
    assert_eq!(run.reason(), Some("chain_untrusted"), "{}", run.stdout);
}

#[test]
fn a_tampered_crl_is_never_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut der = std::fs::read(fixture(CRL)).unwrap();
    let n = der.len();
    der[n - 70] ^= 0x01;
    let tampered = dir.path().join("tampered.crl");
    std::fs::write(&tampered, &der).unwrap();
    let run = qoltanba(&[
        "verify-cert",
        &f("nca/extracted/FL-valid.cer"),
        "--trust",
        &f(CA),
        "--crl",
        &path_str(&tampered),
        "--at",
        IN_WINDOW,
        "--json",
    ]);
    assert_eq!(run.status(), "indeterminate", "{}", run.stdout);
    assert_eq!(run.reason(), Some("revocation_unknown"), "{}", run.stdout);
}

/// `verify` of a committed sample (`fixtures/nca/samples/`, made with the real keys by
/// `cargo run --example nca_samples`) under the issuing CA with the real CRLs.
fn verify_sample(sample: &str, at: &str, extra: &[&str]) -> Run {
    with_ca_and_crls("verify", &format!("nca/samples/{sample}"), at, extra)
}

#[test]
fn signatures_by_the_real_keys_in_the_readme_verify_as_it_says() {
    let data = f("nca/samples/request.json");
    for (sample, id, extra) in [
        ("FL-valid-attached.cms", "123456789011", vec![]),
        (
            "FL-valid-detached.cms",
            "123456789011",
            vec!["--data", data.as_str()],
        ),
        (
            "UL_FirstHead_CEO-valid-attached.cms",
            "123456789021",
            vec![],
        ),
    ] {
        let mut args = vec!["--expect-id", id, "--test-ids"];
        args.extend(extra.iter().copied());
        let run = verify_sample(sample, IN_WINDOW, &args);
        assert_eq!(run.status(), "valid", "{sample}: {}", run.json);
        let signature = check(&run, "signature");
        assert_eq!(
            signature[0]["detail"], "gost2015-512-streebog512",
            "{sample}"
        );
        // Without the test-id switch the NCA's test ids are a usage error, not a match.
        let strict = verify_sample(sample, IN_WINDOW, &["--expect-id", id]);
        assert_eq!(strict.code, 2, "{sample}: {}", strict.json);
        // Once the saved CRL has lapsed, revocation is unknown.
        let late = verify_sample(sample, AFTER_CRL, &extra);
        assert_eq!(late.status(), "indeterminate", "{sample}");
        assert_eq!(late.reason(), Some("revocation_unknown"), "{sample}");
    }
    // The detached signature without its document is a usage error; with another document the
    // digest does not match.
    let missing = verify_sample("FL-valid-detached.cms", IN_WINDOW, &[]);
    assert_eq!(missing.code, 2, "{}", missing.json);
    let other = f("nca/README.md");
    let wrong = verify_sample("FL-valid-detached.cms", IN_WINDOW, &["--data", &other]);
    assert_eq!(wrong.reason(), Some("signature_invalid"), "{}", wrong.json);
}

#[test]
fn a_deployment_may_require_the_ncas_certificate_policy() {
    // Every NCA end-entity certificate carries the policy 1.2.398.3.3.2, and the verdict says so.
    for (cert, ..) in all_certs() {
        let plain = under_ca(&cert, IN_WINDOW, &[]);
        assert_eq!(plain.status(), "valid", "{cert}: {}", plain.stdout);
        assert_eq!(
            plain.json["evidence"]["policies"],
            serde_json::json!(["1.2.398.3.3.2"]),
            "{cert}"
        );

        let required = under_ca(
            &cert,
            IN_WINDOW,
            &["--policy", "1.2.398.3.3.2", "--require-explicit-policy"],
        );
        assert_eq!(required.status(), "valid", "{cert}: {}", required.stdout);

        // A deployment that requires another policy refuses the path, with the policy check
        // named, instead of passing the certificate because it carries some policy.
        let other = under_ca(
            &cert,
            IN_WINDOW,
            &["--policy", "1.2.398.3.3.9", "--require-explicit-policy"],
        );
        assert_eq!(other.code, 1, "{cert}: {}", other.stdout);
        assert_eq!(other.reason(), Some("chain_untrusted"), "{cert}");
        assert!(
            other.stdout.contains("polic"),
            "{cert}: the refusal names the policies: {}",
            other.stdout
        );
    }

    let bad = under_ca(&all_certs()[0].0, IN_WINDOW, &["--policy", "nca-sign"]);
    assert_eq!(bad.code, 2, "{}", bad.stdout);
    assert!(bad.stdout.contains("nca-sign"), "{}", bad.stdout);
}
