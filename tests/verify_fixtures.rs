//! Every reason code of CONTRACT.md §1 and the time rules of §3 on the fixture PKI, through the
//! real `qoltanba` binary (exit codes and the JSON verdict document).

mod common;

use common::{fixture, qoltanba, Run};
use sha2::{Digest, Sha256};

const T0: &str = "2026-06-01T12:00:00Z";

fn s(rel: &str) -> String {
    common::path_str(&fixture(rel))
}

/// `qoltanba verify SAMPLE` with the fixture trust, intermediates and the given CRLs at `at`.
fn verify_with(sample: &str, crls: &[&str], at: &str, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec![
        "verify".into(),
        s(&format!("samples/{sample}")),
        "--trust".into(),
        s("pki/trust.pem"),
        "--intermediate".into(),
        s("pki/intermediates.pem"),
        "--at".into(),
        at.into(),
        "--json".into(),
    ];
    for crl in crls {
        args.push("--crl".into());
        args.push(s(&format!("crl/{crl}")));
    }
    args.extend(extra.iter().map(|e| e.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    qoltanba(&refs)
}

fn verify(sample: &str, extra: &[&str]) -> Run {
    verify_with(sample, &["all-current.pem"], T0, extra)
}

fn assert_verdict(run: &Run, status: &str, reason: Option<&str>) {
    assert_eq!(
        run.status(),
        status,
        "verdict: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.reason(), reason, "verdict: {}", run.stdout);
    let code = match status {
        "valid" => 0,
        "invalid" => 1,
        "indeterminate" => 3,
        _ => 2,
    };
    assert_eq!(run.code, code, "exit code for {status}");
}

fn check_results<'a>(run: &'a Run, name: &str) -> Vec<&'a str> {
    run.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == name)
        .map(|c| c["result"].as_str().unwrap())
        .collect()
}

#[test]
fn valid_attached_signature_in_every_encoding() {
    for file in [
        "individual-attached.cms",
        "individual-attached.pem",
        "individual-attached.p7.pem",
        "individual-attached.b64",
        "individual-attached.b64line",
    ] {
        let run = verify(file, &[]);
        assert_verdict(&run, "valid", None);
        let signer = &run.json["signer"];
        assert_eq!(signer["iin"], "880415300127", "{file}");
        assert_eq!(signer["bin"], serde_json::Value::Null);
        assert_eq!(signer["role"], "individual");
        assert_eq!(signer["common_name"], "АХМЕТОВА АЙГЕРІМ");
        assert_eq!(signer["surname"], "АХМЕТОВА");
        assert_eq!(signer["given_name"], "САМАТҚЫЗЫ");
        assert!(run.json["signing_time"].is_string());
        assert_eq!(run.json["at"], T0);
    }
}

#[test]
fn verdict_carries_chain_and_crl_evidence_with_real_hashes() {
    let run = verify("individual-attached.cms", &[]);
    assert_verdict(&run, "valid", None);
    let chain = run.json["evidence"]["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3, "signer, nca-rsa, root");
    assert!(chain[1].as_str().unwrap().contains("(RSA)"));
    let crls = run.json["evidence"]["crls"].as_array().unwrap();
    let sha = |rel: &str| hex::encode(Sha256::digest(std::fs::read(fixture(rel)).unwrap()));
    let hashes: Vec<&str> = crls.iter().map(|c| c["sha256"].as_str().unwrap()).collect();
    for expected in ["crl/nca-rsa.crl", "crl/nca-rsa-delta.crl", "crl/root.crl"] {
        assert!(
            hashes.contains(&sha(expected).as_str()),
            "{expected} missing from {hashes:?}"
        );
    }
    let rsa = crls.iter().find(|c| c["number"] == "100").unwrap();
    assert_eq!(rsa["this_update"], "2026-01-01T00:00:00Z");
    for name in [
        "signature",
        "message_digest",
        "chain",
        "validity",
        "revocation",
        "key_usage",
    ] {
        let results = check_results(&run, name);
        assert!(
            !results.is_empty() && results.iter().all(|r| *r == "pass"),
            "{name}: {results:?}"
        );
    }
}

#[test]
fn other_valid_signers_and_algorithms() {
    for (file, role) in [
        ("individual-detached.cms", "individual"),
        ("individual-pss.cms", "individual"),
        ("individual-pss-digest.cms", "individual"),
        ("individual-sha384.cms", "individual"),
        ("individual-sha512.cms", "individual"),
        ("individual-keyid.cms", "individual"),
        ("individual-noattr.cms", "individual"),
        ("head-attached.cms", "first_head"),
        ("employee-attached.cms", "signing_right"),
        ("ec-attached.cms", "individual"),
        ("ec-detached.cms", "individual"),
        ("ec-head-attached.cms", "first_head"),
    ] {
        let content = if file.contains("detached") {
            vec!["--data", "fixtures/samples/request.json"]
        } else {
            vec![]
        };
        let run = verify(file, &content);
        assert_verdict(&run, "valid", None);
        assert_eq!(run.json["signer"]["role"], role, "{file}");
    }
    let pss = verify("individual-pss.cms", &[]);
    let detail = pss.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "signature")
        .unwrap()["detail"]
        .clone();
    assert!(
        detail.as_str().unwrap().starts_with("rsa-pss-sha256-salt"),
        "{detail}"
    );
}

#[test]
fn legal_entity_identity_by_bin_and_by_iin() {
    let head = verify("head-attached.cms", &["--expect-id", "050340001235"]);
    assert_verdict(&head, "valid", None);
    assert_eq!(head.json["signer"]["bin"], "050340001235");
    assert_eq!(head.json["signer"]["organization"], "ТОО \"ДАЛА МҰРА\"");
    assert_verdict(
        &verify("head-attached.cms", &["--expect-id", "900102400138"]),
        "valid",
        None,
    );
}

// --- reason 1: malformed_signature -------------------------------------------------------------

#[test]
fn malformed_inputs_are_malformed_signature() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("samples/individual-attached.cms")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("garbage", b"\x30\x03\x02\x01".to_vec()),
        ("text", b"hello, this is not a signature".to_vec()),
        (
            "certificate-pem",
            std::fs::read(fixture("pki/individual-sign.pem")).unwrap(),
        ),
        (
            "certificate-der",
            std::fs::read(fixture("pki/individual-sign.der")).unwrap(),
        ),
        (
            "crl-der",
            std::fs::read(fixture("crl/nca-rsa.crl")).unwrap(),
        ),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let p = common::path_str(&path);
        let run = qoltanba(&["verify", &p, "--trust", &s("pki/trust.pem"), "--json"]);
        assert_verdict(&run, "invalid", Some("malformed_signature"));
        assert!(!run.json["message"].as_str().unwrap().is_empty());
    }
}

// --- reason 2: signature_invalid ---------------------------------------------------------------

#[test]
fn tampered_content_and_bad_signature_value() {
    let tampered = verify("individual-tampered.cms", &[]);
    assert_verdict(&tampered, "invalid", Some("signature_invalid"));
    assert_eq!(check_results(&tampered, "message_digest"), ["fail"]);
    assert_verdict(
        &verify("individual-badsig.cms", &[]),
        "invalid",
        Some("signature_invalid"),
    );
}

#[test]
fn detached_signature_with_wrong_data() {
    let run = verify(
        "individual-detached.cms",
        &["--data", "fixtures/samples/request-legal.json"],
    );
    assert_verdict(&run, "invalid", Some("signature_invalid"));
}

// --- reason 3: chain_untrusted -----------------------------------------------------------------

#[test]
fn forged_ca_with_the_real_intermediates_name_is_never_accepted() {
    let run = verify("evil.cms", &[]);
    assert_verdict(&run, "invalid", Some("chain_untrusted"));
    // Even with the forged root's own CRL at hand.
    let run = verify_with("evil.cms", &["all-current.pem", "evil-root.crl"], T0, &[]);
    assert_verdict(&run, "invalid", Some("chain_untrusted"));
}

#[test]
fn unknown_issuer_and_missing_signer_certificate() {
    let mut args = vec![
        "verify",
        "fixtures/samples/individual-attached.cms",
        "--trust",
        "fixtures/pki/evil-root.pem",
    ];
    args.extend([
        "--crl",
        "fixtures/crl/all-current.pem",
        "--at",
        T0,
        "--json",
    ]);
    assert_verdict(&qoltanba(&args), "invalid", Some("chain_untrusted"));
    assert_verdict(
        &verify("individual-nocerts.cms", &[]),
        "invalid",
        Some("chain_untrusted"),
    );
}

// --- reasons 4, 5: validity --------------------------------------------------------------------

#[test]
fn not_yet_valid_and_expired() {
    assert_verdict(
        &verify("future.cms", &[]),
        "invalid",
        Some("cert_not_yet_valid"),
    );
    assert_verdict(&verify("expired.cms", &[]), "invalid", Some("cert_expired"));
}

#[test]
fn validity_edges_are_inclusive() {
    let crls = ["all-current.pem"];
    // individual-sign: 2025-01-01T00:00:00Z .. 2028-01-01T00:00:00Z. At notBefore the current CRLs
    // count under rule (b): issued later, while the certificate was valid.
    assert_verdict(
        &verify_with(
            "individual-attached.cms",
            &crls,
            "2025-01-01T00:00:00Z",
            &[],
        ),
        "valid",
        None,
    );
    assert_verdict(
        &verify_with(
            "individual-attached.cms",
            &crls,
            "2024-12-31T23:59:59Z",
            &[],
        ),
        "invalid",
        Some("cert_not_yet_valid"),
    );
    assert_verdict(
        &verify_with(
            "individual-attached.cms",
            &crls,
            "2028-01-01T00:00:00Z",
            &[],
        ),
        "valid",
        None,
    );
    assert_verdict(
        &verify_with(
            "individual-attached.cms",
            &crls,
            "2028-01-01T00:00:01Z",
            &[],
        ),
        "invalid",
        Some("cert_expired"),
    );
}

// --- reason 6: cert_revoked --------------------------------------------------------------------

#[test]
fn revoked_signer_reports_reason_code_and_date() {
    let run = verify("revoked.cms", &[]);
    assert_verdict(&run, "invalid", Some("cert_revoked"));
    let message = run.json["message"].as_str().unwrap();
    assert!(
        message.contains("keyCompromise") && message.contains("2026-03-01T00:00:00Z"),
        "{message}"
    );
}

#[test]
fn revocation_date_edges() {
    let crls = ["all-current.pem"];
    // revoked-sign: revocationDate 2026-03-01T00:00:00Z. At that instant it is revoked.
    assert_verdict(
        &verify_with("revoked.cms", &crls, "2026-03-01T00:00:00Z", &[]),
        "invalid",
        Some("cert_revoked"),
    );
    // A second before, the same (current) CRL does not make it revoked.
    assert_verdict(
        &verify_with("revoked.cms", &crls, "2026-02-28T23:59:59Z", &[]),
        "valid",
        None,
    );
}

#[test]
fn revoked_intermediate_revokes_the_path() {
    let run = verify("revoked-ca-ee.cms", &[]);
    assert_verdict(&run, "invalid", Some("cert_revoked"));
    assert!(run.json["message"]
        .as_str()
        .unwrap()
        .contains("cACompromise"));
    // Before the CA's revocation date the path holds.
    assert_verdict(
        &verify_with(
            "revoked-ca-ee.cms",
            &["all-current.pem"],
            "2026-01-15T00:00:00Z",
            &[],
        ),
        "valid",
        None,
    );
}

#[test]
fn delta_crl_adds_revocations_and_releases_holds() {
    let base_only = ["root.crl", "nca-rsa.crl"];
    let with_delta = ["root.crl", "nca-rsa.crl", "nca-rsa-delta.crl"];
    assert_verdict(
        &verify_with("delta-revoked.cms", &base_only, T0, &[]),
        "valid",
        None,
    );
    let run = verify_with("delta-revoked.cms", &with_delta, T0, &[]);
    assert_verdict(&run, "invalid", Some("cert_revoked"));
    assert!(run.json["message"]
        .as_str()
        .unwrap()
        .contains("affiliationChanged"));
    let held = verify_with("hold.cms", &base_only, T0, &[]);
    assert_verdict(&held, "invalid", Some("cert_revoked"));
    assert!(held.json["message"]
        .as_str()
        .unwrap()
        .contains("certificateHold"));
    assert_verdict(
        &verify_with("hold.cms", &with_delta, T0, &[]),
        "valid",
        None,
    );
}

/// nca-rsa-delta-lapsed.crl: a delta of base CRL 100, current only in April 2026, revoking
/// delta-revoked-sign. After April the base alone is still current, but the newest news about
/// the CA has lapsed: "not revoked" can no longer be proven, while the revocation it lists stays
/// proven (a revocation is final).
#[test]
fn a_lapsed_delta_crl_is_never_silently_dropped() {
    let base_only = ["root.crl", "nca-rsa.crl"];
    let lapsed = ["root.crl", "nca-rsa.crl", "nca-rsa-delta-lapsed.crl"];
    assert_verdict(
        &verify_with("individual-attached.cms", &base_only, T0, &[]),
        "valid",
        None,
    );
    let unknown = verify_with("individual-attached.cms", &lapsed, T0, &[]);
    assert_verdict(&unknown, "indeterminate", Some("revocation_unknown"));
    let message = unknown.json["message"].as_str().unwrap();
    assert!(
        message.contains("delta CRL 105") && message.contains("2026-05-01"),
        "{message}"
    );

    let revoked = verify_with("delta-revoked.cms", &lapsed, T0, &[]);
    assert_verdict(&revoked, "invalid", Some("cert_revoked"));
    let message = revoked.json["message"].as_str().unwrap();
    assert!(
        message.contains("affiliationChanged") && message.contains("105"),
        "{message}"
    );

    // While the delta was current it simply applies.
    let april = "2026-04-15T12:00:00Z";
    assert_verdict(
        &verify_with("individual-attached.cms", &lapsed, april, &[]),
        "valid",
        None,
    );
    assert_verdict(
        &verify_with("delta-revoked.cms", &lapsed, april, &[]),
        "invalid",
        Some("cert_revoked"),
    );
    // A current delta newer than the base supersedes nothing of the lapsed one (105 > 101): still
    // unknown. Only a complete CRL numbered above 105 would settle it.
    let both = [
        "root.crl",
        "nca-rsa.crl",
        "nca-rsa-delta.crl",
        "nca-rsa-delta-lapsed.crl",
    ];
    assert_verdict(
        &verify_with("individual-attached.cms", &both, T0, &[]),
        "indeterminate",
        Some("revocation_unknown"),
    );
}

/// OpenSSL agrees that the certificate revoked in the lapsed delta is revoked at T0 (it does not
/// look at a delta's nextUpdate at all, so for the unrevoked certificate it says OK where this
/// service says indeterminate, on purpose: see the test above).
#[test]
fn a_lapsed_delta_revocation_agrees_with_openssl() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("openssl not installed: differential test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    let mut text = String::new();
    for part in [
        "pki/trust.pem",
        "pki/nca-rsa.pem",
        "crl/root.pem",
        "crl/nca-rsa.pem",
        "crl/nca-rsa-delta-lapsed.pem",
    ] {
        text.push_str(&std::fs::read_to_string(fixture(part)).unwrap());
    }
    std::fs::write(&bundle, text).unwrap();
    let openssl = |cert: &str| {
        let out = std::process::Command::new("openssl")
            .args([
                "verify",
                "-attime",
                "1780315200",
                "-crl_check_all",
                "-use_deltas",
            ])
            .args(["-extended_crl", "-CAfile"])
            .arg(&bundle)
            .arg(fixture(cert))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    assert!(openssl("pki/delta-revoked-sign.pem").contains("certificate revoked"));
    assert!(openssl("pki/individual-sign.pem").contains(": OK"));
    let lapsed = ["root.crl", "nca-rsa.crl", "nca-rsa-delta-lapsed.crl"];
    assert_verdict(
        &verify_with("delta-revoked.cms", &lapsed, T0, &[]),
        "invalid",
        Some("cert_revoked"),
    );
}

#[test]
fn two_signers_each_reported_and_the_worst_wins() {
    let both = verify("two-signers.cms", &[]);
    assert_verdict(&both, "valid", None);
    assert_eq!(both.json["signers"].as_array().unwrap().len(), 2);
    let one_revoked = verify("two-signers-one-revoked.cms", &[]);
    assert_verdict(&one_revoked, "invalid", Some("cert_revoked"));
    let signers = one_revoked.json["signers"].as_array().unwrap();
    let statuses: Vec<&str> = signers
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"valid") && statuses.contains(&"invalid"),
        "{statuses:?}"
    );
    let revoked = signers.iter().find(|s| s["status"] == "invalid").unwrap();
    assert_eq!(revoked["signer"]["iin"], "821114300340");
    assert_eq!(revoked["reason"], "cert_revoked");
}

// --- reason 7: key_usage_not_signing -----------------------------------------------------------

#[test]
fn authentication_keys_do_not_sign_documents() {
    assert_verdict(
        &verify("individual-auth.cms", &[]),
        "invalid",
        Some("key_usage_not_signing"),
    );
    assert_verdict(
        &verify("employee-auth.cms", &[]),
        "invalid",
        Some("key_usage_not_signing"),
    );
}

// --- reason 8: identity_mismatch ---------------------------------------------------------------

#[test]
fn expected_id_must_be_the_certificates_iin_or_bin() {
    assert_verdict(
        &verify("individual-attached.cms", &["--expect-id", "880415300127"]),
        "valid",
        None,
    );
    let run = verify("individual-attached.cms", &["--expect-id", "900102400138"]);
    assert_verdict(&run, "invalid", Some("identity_mismatch"));
    assert_eq!(check_results(&run, "identity"), ["fail"]);
}

// --- reason 9: revocation_unknown --------------------------------------------------------------

#[test]
fn no_usable_crl_is_indeterminate_never_valid() {
    assert_verdict(
        &verify_with("individual-attached.cms", &[], T0, &[]),
        "indeterminate",
        Some("revocation_unknown"),
    );
    for unusable in [
        "nca-rsa-stale.crl",
        "nca-rsa-wrongkey.crl",
        "nca-rsa-critical-ext.crl",
        "nca-rsa-ca-only.crl",
        "nca-rsa-delta.crl",
    ] {
        let run = verify_with("individual-attached.cms", &["root.crl", unusable], T0, &[]);
        assert_verdict(&run, "indeterminate", Some("revocation_unknown"));
    }
}

#[test]
fn crl_exactly_at_next_update_is_stale() {
    let archive = ["root-archive-2025.crl", "nca-rsa-archive-2025.crl"];
    // Archive CRLs: 2025-05-15 .. 2025-06-15.
    assert_verdict(
        &verify_with(
            "individual-attached.cms",
            &archive,
            "2025-06-14T23:59:59Z",
            &[],
        ),
        "valid",
        None,
    );
    assert_verdict(
        &verify_with(
            "individual-attached.cms",
            &archive,
            "2025-06-15T00:00:00Z",
            &[],
        ),
        "indeterminate",
        Some("revocation_unknown"),
    );
}

#[test]
fn crl_issued_after_the_certificate_expired_proves_nothing() {
    // expired-sign expired 2025-06-01; the current CRLs were issued in 2026.
    let run = verify_with(
        "expired.cms",
        &["all-current.pem"],
        "2025-05-20T00:00:00Z",
        &[],
    );
    assert_verdict(&run, "indeterminate", Some("revocation_unknown"));
    assert!(run.json["message"]
        .as_str()
        .unwrap()
        .contains("after the certificate expired"));
    // The archived CRLs of May 2025 were current then.
    let archive = ["root-archive-2025.crl", "nca-rsa-archive-2025.crl"];
    assert_verdict(
        &verify_with("expired.cms", &archive, "2025-05-20T00:00:00Z", &[]),
        "valid",
        None,
    );
}

// --- reason 10: unsupported_algorithm ----------------------------------------------------------

#[test]
fn unsupported_algorithms_are_indeterminate() {
    assert_verdict(
        &verify("individual-sha1.cms", &[]),
        "indeterminate",
        Some("unsupported_algorithm"),
    );
    assert_verdict(
        &verify("p384.cms", &[]),
        "indeterminate",
        Some("unsupported_algorithm"),
    );
}

#[test]
fn invalid_beats_indeterminate() {
    // Revoked and no usable CRL for the root level: the definite failure wins.
    let run = verify_with("revoked.cms", &["nca-rsa.crl"], T0, &[]);
    assert_verdict(&run, "invalid", Some("cert_revoked"));
    assert!(run.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["reason"] == "revocation_unknown"));
}

// --- usage errors ------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2_with_a_reason() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--expect-id", "880415300128"], "invalid_id"),
        (vec!["--expect-id", "12345"], "invalid_id"),
    ];
    for (extra, reason) in cases {
        let run = verify("individual-attached.cms", &extra);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert_eq!(run.json["status"], "usage_error");
        assert_eq!(run.json["reason"], reason);
    }
    let bad_time = verify_with(
        "individual-attached.cms",
        &["all-current.pem"],
        "yesterday",
        &[],
    );
    assert_eq!(
        (bad_time.code, bad_time.json["reason"].as_str()),
        (2, Some("bad_time"))
    );
    let detached = verify("individual-detached.cms", &[]);
    assert_eq!(
        (detached.code, detached.json["reason"].as_str()),
        (2, Some("missing_content"))
    );
}

#[test]
fn unreadable_files_are_named() {
    let run = qoltanba(&[
        "verify",
        "fixtures/samples/individual-attached.cms",
        "--trust",
        "no/such/file.pem",
        "--json",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.json["message"]
        .as_str()
        .unwrap()
        .contains("no/such/file.pem"));
    let run = qoltanba(&[
        "verify",
        "fixtures/samples/individual-attached.cms",
        "--trust",
        "fixtures/pki/trust.pem",
        "--crl",
        "fixtures/pki/root.pem",
        "--json",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json["reason"], "unreadable_file");
    assert!(run.json["message"]
        .as_str()
        .unwrap()
        .contains("fixtures/pki/root.pem"));
    let run = qoltanba(&[
        "verify",
        "fixtures/samples/individual-attached.cms",
        "--trust",
        "fixtures/samples/request.json",
        "--json",
    ]);
    assert_eq!(
        (run.code, run.json["reason"].as_str()),
        (2, Some("unreadable_file"))
    );
    let run = qoltanba(&[
        "verify",
        "fixtures/samples/individual-attached.cms",
        "--json",
    ]);
    assert_eq!(
        (run.code, run.json["reason"].as_str()),
        (2, Some("no_trust_anchor"))
    );
}

// --- verify-cert and text output ---------------------------------------------------------------

#[test]
fn verify_cert_applies_the_same_rules() {
    let base = [
        "--trust",
        "fixtures/pki/trust.pem",
        "--intermediate",
        "fixtures/pki/intermediates.pem",
        "--crl",
        "fixtures/crl/all-current.pem",
        "--at",
        T0,
        "--json",
    ];
    let run = |cert: &str, extra: &[&str]| {
        let mut args = vec!["verify-cert", cert];
        args.extend(base);
        args.extend(extra);
        qoltanba(&args)
    };
    assert_verdict(&run("fixtures/pki/individual-sign.pem", &[]), "valid", None);
    assert_verdict(
        &run(
            "fixtures/pki/individual-sign.der",
            &["--expect-id", "880415300127"],
        ),
        "valid",
        None,
    );
    assert_verdict(
        &run("fixtures/pki/individual-auth.pem", &[]),
        "invalid",
        Some("key_usage_not_signing"),
    );
    assert_verdict(
        &run("fixtures/pki/individual-auth.pem", &["--any-key-usage"]),
        "valid",
        None,
    );
    assert_verdict(
        &run("fixtures/pki/revoked-sign.pem", &[]),
        "invalid",
        Some("cert_revoked"),
    );
    assert_verdict(
        &run("fixtures/pki/evil-sign.pem", &[]),
        "invalid",
        Some("chain_untrusted"),
    );
    assert_verdict(
        &run(
            "fixtures/pki/head-sign.pem",
            &["--expect-id", "880415300127"],
        ),
        "invalid",
        Some("identity_mismatch"),
    );
}

#[test]
fn text_output_without_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .current_dir(common::root())
        .args([
            "verify",
            "fixtures/samples/revoked.cms",
            "--trust",
            "fixtures/pki/trust.pem",
            "--crl",
            "fixtures/crl/all-current.pem",
            "--at",
            T0,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text.starts_with("INVALID"), "{text}");
    assert!(
        text.contains("cert_revoked") && text.contains("821114300340"),
        "{text}"
    );
}

/// fixtures/manifest.json states the expected verdict of every sample at T0; they must hold.
#[test]
fn every_sample_meets_the_expectation_in_the_manifest() {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("manifest.json")).unwrap()).unwrap();
    let samples = manifest["samples"].as_array().unwrap();
    assert!(samples.len() >= 30);
    for sample in samples {
        let file = sample["file"]
            .as_str()
            .unwrap()
            .trim_start_matches("samples/");
        let expected = &sample["expected_at_reference_time"];
        let data = format!("fixtures/{}", sample["content"].as_str().unwrap());
        let extra: Vec<&str> = if sample["mode"] == "detached" {
            vec!["--data", &data]
        } else {
            vec![]
        };
        let run = verify(file, &extra);
        assert_eq!(
            run.status(),
            expected["verdict"].as_str().unwrap(),
            "{file}: {}",
            run.stdout
        );
        assert_eq!(run.reason(), expected["reason"].as_str(), "{file}");
    }
}
