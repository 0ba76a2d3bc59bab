//! Signature time-stamps in every verification (CONTRACT §3, "Proof of existence"): with no
//! caller-set time, a signer whose time-stamp token verifies is judged at the token's genTime —
//! a certificate that expired or was revoked after it still gives `valid` — and every signer
//! says which time it was judged at (`time_basis`) and what its token showed. A token that fails
//! (over another signature, from a TSA without the timeStamping EKU or with a revoked path,
//! tampered) is reported and the signer is judged as if it had none. RSA, P-256 and GOST TSAs.

mod serve_support;
mod tsa_support;

use qoltanba::timestamp::attach_token;
use qoltanba_core::{
    CheckResult, CmsLimits, Reason, SignedMessage, Status, TimeBasis, Verdict, Verifier,
    VerifyOptions,
};
use time::macros::datetime;
use time::OffsetDateTime;

use tsa_support::*;

/// Before revoked-sign's revocation (keyCompromise 2026-03-01), after the CRLs' thisUpdate.
const BEFORE_REVOCATION: OffsetDateTime = datetime!(2026-02-01 10:00 UTC);
/// After it.
const AFTER_REVOCATION: OffsetDateTime = datetime!(2026-03-15 10:00 UTC);
/// While expired-sign (notAfter 2025-06-01) was valid, inside nca-rsa-archive-2025.crl's window.
const BEFORE_EXPIRY: OffsetDateTime = datetime!(2025-05-20 12:00 UTC);

/// The verification of `/v1/verify` and the CLI without `--at`.
fn now() -> VerifyOptions {
    VerifyOptions::default()
}

fn verify(verifier: &Verifier, cms: &[u8], options: &VerifyOptions) -> Verdict {
    verifier.verify_signature(cms, None, options).unwrap()
}

/// The RSA/EC PKI's verifier with the CRLs of May-June 2025 as well (expired-sign's status
/// then: the current CRLs were issued after it expired and prove nothing about it).
fn verifier_2025() -> Verifier {
    verifier_with(
        &[Pki::RsaEc],
        &["crl/nca-rsa-archive-2025.pem", "crl/root-archive-2025.pem"],
    )
}

fn assert_judged(verdict: &Verdict, status: Status, reason: Option<Reason>) {
    assert_eq!(
        (verdict.status, verdict.reason),
        (status, reason),
        "{}",
        verdict.to_json()
    );
}

#[test]
fn expired_after_signing_with_a_token_is_valid_on_the_timestamp_basis() {
    let verifier = verifier_2025();
    let stamped = TestTsa::load().stamp(&read("samples/expired.cms"), BEFORE_EXPIRY);
    let verdict = verify(&verifier, &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    let signer = &verdict.signers[0];
    assert_eq!(signer.time_basis, TimeBasis::Timestamp);
    assert_eq!(signer.time, "2025-05-20T12:00:00Z");
    let stamp = signer.timestamp.as_ref().expect("the token is reported");
    assert!(stamp.verified, "{stamp:?}");
    assert_eq!(stamp.status, Status::Valid);
    assert_eq!(stamp.gen_time.as_deref(), Some("2025-05-20T12:00:00Z"));
    assert_eq!(stamp.policy.as_deref(), Some(TEST_POLICY));
    assert_eq!(stamp.serial.as_deref(), Some("0x01"));
    assert!(stamp.tsa.as_deref().unwrap().contains("(TSA)"), "{stamp:?}");
    // The verdict's own time stays the request's (now), not the signer's.
    assert_ne!(verdict.at, signer.time);
    assert!(verdict
        .checks
        .iter()
        .any(|c| c.check == "timestamp" && c.result == CheckResult::Pass));

    // The same signature without its token: judged now, expired.
    let plain = verify(&verifier, &read("samples/expired.cms"), &now());
    assert_judged(&plain, Status::Invalid, Some(Reason::CertExpired));
    assert_eq!(plain.signers[0].time_basis, TimeBasis::Now);
    assert!(plain.signers[0].timestamp.is_none());
}

/// The current CRLs were issued after expired-sign expired: at genTime its status is unknown
/// without the CRL of the time (CONTRACT §3 (b) does not stretch past notAfter).
#[test]
fn an_expired_signer_needs_a_crl_of_its_time_even_with_a_token() {
    let stamped = TestTsa::load().stamp(&read("samples/expired.cms"), BEFORE_EXPIRY);
    let verdict = verify(&verifier(), &stamped, &now());
    assert_judged(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert_eq!(verdict.signers[0].time_basis, TimeBasis::Timestamp);
}

#[test]
fn revoked_after_signing_with_a_token_is_valid_and_before_it_is_not() {
    let verifier = verifier();
    let tsa = TestTsa::load();
    let stamped = tsa.stamp(&read("samples/revoked.cms"), BEFORE_REVOCATION);
    let verdict = verify(&verifier, &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    assert_eq!(verdict.signers[0].time_basis, TimeBasis::Timestamp);
    assert_eq!(verdict.signers[0].time, "2026-02-01T10:00:00Z");

    let plain = verify(&verifier, &read("samples/revoked.cms"), &now());
    assert_judged(&plain, Status::Invalid, Some(Reason::CertRevoked));
    assert_eq!(plain.signers[0].time_basis, TimeBasis::Now);

    // A token from after the revocation proves the signature existed then: still revoked.
    let late = tsa.stamp(&read("samples/revoked.cms"), AFTER_REVOCATION);
    let verdict = verify(&verifier, &late, &now());
    assert_judged(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    assert_eq!(verdict.signers[0].time_basis, TimeBasis::Timestamp);
    assert!(verdict.signers[0].timestamp.as_ref().unwrap().verified);
}

/// genTime 2025-12-01 is before every current CRL (thisUpdate 2026-01-01): a CRL issued after
/// genTime and no later than the certificate's notAfter proves its status at genTime (CONTRACT
/// §3 (b)), for the signer, its CA and the TSA alike.
#[test]
fn a_crl_issued_after_gen_time_proves_the_status_then() {
    let gen_time = datetime!(2025-12-01 09:00 UTC);
    let stamped = TestTsa::load().stamp(&read("samples/revoked.cms"), gen_time);
    let verdict = verify(&verifier(), &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    assert_eq!(verdict.signers[0].time, "2025-12-01T09:00:00Z");
    assert!(
        verdict
            .evidence
            .crls
            .iter()
            .any(|c| c.this_update == "2026-01-01T00:00:00Z"),
        "{:?}",
        verdict.evidence.crls
    );
}

#[test]
fn a_p256_tsa_token_works_like_an_rsa_one() {
    let tsa = TestTsa::load_as("tsa-ec");
    let stamped = tsa.stamp(&read("samples/revoked.cms"), BEFORE_REVOCATION);
    let verdict = verify(&verifier(), &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    let stamp = verdict.signers[0].timestamp.as_ref().unwrap();
    assert!(
        stamp.tsa.as_deref().unwrap().contains("EC TSA"),
        "{stamp:?}"
    );
    assert_eq!(verdict.signers[0].time_basis, TimeBasis::Timestamp);
}

#[test]
fn a_gost_signer_revoked_after_its_gost_time_stamp_is_valid() {
    let verifier = verifier_of(&[Pki::Gost]);
    let signer = FixtureSigner::load_from(Pki::Gost, "revoked-sign");
    let cms = signer.sign(
        "{\"өтініш\":\"анықтама\"}".as_bytes(),
        qoltanba_core::oid::cms::DATA,
        BEFORE_REVOCATION,
    );
    let plain = verify(&verifier, &cms, &now());
    assert_judged(&plain, Status::Invalid, Some(Reason::CertRevoked));

    let stamped = TestTsa::load_from(Pki::Gost, "tsa").stamp(&cms, BEFORE_REVOCATION);
    let verdict = verify(&verifier, &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    assert_eq!(verdict.signers[0].time_basis, TimeBasis::Timestamp);
    let stamp = verdict.signers[0].timestamp.as_ref().unwrap();
    assert!(
        stamp.tsa.as_deref().unwrap().contains("GOST TSA"),
        "{stamp:?}"
    );
}

/// Tokens from `openssl ts -reply` name the TSA in an ESS signingCertificate (v1, SHA-1)
/// attribute; the test TSA's in a signingCertificateV2: both prove the time in a verification.
#[test]
fn openssl_tokens_with_ess_v1_and_ours_with_v2_both_set_the_basis() {
    assert!(have_openssl(), "the openssl CLI is required");
    let cms = read("samples/individual-attached.cms");
    let value = signature_value(&cms, 0);
    let request = qoltanba::timestamp::TimeStampRequest::new(&value).unwrap();
    let token = request
        .check_response(&openssl_reply(request.der()))
        .expect("a granted answer");
    let stamped = attach_token(&cms, 0, &token).unwrap();
    let verdict = verify(&verifier(), &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    let signer = &verdict.signers[0];
    assert_eq!(signer.time_basis, TimeBasis::Timestamp);
    assert_eq!(
        signer.time,
        verdict.signers[0]
            .timestamp
            .as_ref()
            .unwrap()
            .gen_time
            .clone()
            .unwrap()
    );
    let ess = verdict.signers[0].timestamp_verdict.as_ref().unwrap();
    assert_eq!(ess.signing_certificate.result, CheckResult::Pass);

    let ours = TestTsa::load().stamp(&cms, T0);
    let verdict = verify(&verifier(), &ours, &now());
    assert_judged(&verdict, Status::Valid, None);
    assert_eq!(verdict.signers[0].time, "2026-06-01T12:00:00Z");
}

/// A caller-set time decides: basis `caller`; the token is still verified and reported.
#[test]
fn a_caller_set_time_wins_and_the_token_is_still_reported() {
    let stamped = TestTsa::load().stamp(&read("samples/revoked.cms"), BEFORE_REVOCATION);
    let options = VerifyOptions {
        at: Some(T0),
        ..VerifyOptions::default()
    };
    let verdict = verify(&verifier(), &stamped, &options);
    assert_judged(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    let signer = &verdict.signers[0];
    assert_eq!(signer.time_basis, TimeBasis::Caller);
    assert_eq!(signer.time, "2026-06-01T12:00:00Z");
    let stamp = signer.timestamp.as_ref().unwrap();
    assert!(stamp.verified);
    assert!(stamp.detail.as_deref().unwrap().contains("not used"));
}

/// A genTime still to come is not used: the signer is judged now.
#[test]
fn a_token_from_the_future_is_not_used() {
    let future = OffsetDateTime::now_utc() + time::Duration::days(1);
    let future = future.replace_nanosecond(0).unwrap();
    let stamped = TestTsa::load().stamp(&read("samples/revoked.cms"), future);
    let verdict = verify(&verifier(), &stamped, &now());
    assert_judged(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    let signer = &verdict.signers[0];
    assert_eq!(signer.time_basis, TimeBasis::Now);
    let stamp = signer.timestamp.as_ref().unwrap();
    assert!(stamp.verified, "{stamp:?}");
    assert!(stamp
        .detail
        .as_deref()
        .unwrap()
        .contains("later than the current time"));
}

/// Every way a token fails: reported as failed, with its reason, and the signer judged exactly
/// as without it (here: revoked-sign, judged now, `cert_revoked`).
#[test]
fn a_token_that_fails_is_reported_and_proves_nothing() {
    let verifier = verifier();
    let cms = read("samples/revoked.cms");
    let value = signature_value(&cms, 0);
    let tsa = TestTsa::load();

    let other = signature_value(&read("samples/head-attached.cms"), 0);
    let over_other = attach_unchecked(&cms, &tsa.token_for(&other, BEFORE_REVOCATION));
    let no_eku = attach_unchecked(
        &cms,
        &TestTsa::load_as("tsa-noncritical").token_for(&value, BEFORE_REVOCATION),
    );
    let not_a_tsa = attach_unchecked(
        &cms,
        &TestTsa::load_as("individual-sign").token_for(&value, BEFORE_REVOCATION),
    );
    // tsa-revoked-ca's CA is revoked since 2026-02-01 (root.crl, cACompromise).
    let revoked_tsa = attach_unchecked(
        &cms,
        &TestTsa::load_as("tsa-revoked-ca").token_for(&value, datetime!(2026-02-15 10:00 UTC)),
    );
    let mut token = tsa.token_for(&value, BEFORE_REVOCATION);
    let at = find(&token, b"20260201100000Z").expect("genTime in the token");
    token[at + 3] = b'5'; // 2025: the TSA's signature no longer covers the TSTInfo
    let tampered = attach_unchecked(&cms, &token);
    // SEQUENCE { INTEGER 5 }: DER, but no ContentInfo.
    let unreadable = attach_unchecked(&cms, &[0x30, 0x03, 0x02, 0x01, 0x05]);

    let cases = [
        (
            "over another signature",
            over_other,
            Reason::SignatureInvalid,
        ),
        ("EKU not critical", no_eku, Reason::KeyUsageNotSigning),
        ("not a TSA", not_a_tsa, Reason::KeyUsageNotSigning),
        ("TSA path revoked", revoked_tsa, Reason::CertRevoked),
        ("tampered", tampered, Reason::SignatureInvalid),
        ("unreadable", unreadable, Reason::MalformedSignature),
    ];
    for (name, stamped, token_reason) in cases {
        let verdict = verify(&verifier, &stamped, &now());
        assert_eq!(
            (verdict.status, verdict.reason),
            (Status::Invalid, Some(Reason::CertRevoked)),
            "{name}: {}",
            verdict.to_json()
        );
        let signer = &verdict.signers[0];
        assert_eq!(signer.time_basis, TimeBasis::Now, "{name}");
        let stamp = signer.timestamp.as_ref().expect(name);
        assert!(!stamp.verified, "{name}");
        assert_eq!(stamp.reason, Some(token_reason), "{name}: {stamp:?}");
        let check = verdict
            .checks
            .iter()
            .find(|c| c.check == "timestamp")
            .expect(name);
        assert_eq!(check.result, CheckResult::Fail, "{name}");
        assert_eq!(check.reason, None, "{name}: it decides nothing");
    }

    // A failed token never makes a valid signature anything else either.
    let fine = read("samples/individual-attached.cms");
    let token = tsa.token_for(&other, BEFORE_REVOCATION);
    let verdict = verify(&verifier, &attach_unchecked(&fine, &token), &now());
    assert_judged(&verdict, Status::Valid, None);
    assert!(!verdict.signers[0].timestamp.as_ref().unwrap().verified);
}

/// The earliest of several verified tokens is the proof; a failed one beside them changes
/// nothing.
#[test]
fn the_earliest_verified_token_decides() {
    let tsa = TestTsa::load();
    let cms = read("samples/revoked.cms");
    let late = tsa.stamp(&cms, AFTER_REVOCATION);
    let both = tsa.stamp(&late, BEFORE_REVOCATION);
    let verdict = verify(&verifier(), &both, &now());
    assert_judged(&verdict, Status::Valid, None);
    assert_eq!(verdict.signers[0].time, "2026-02-01T10:00:00Z");
    let stamps: Vec<_> = verdict
        .checks
        .iter()
        .filter(|c| c.check == "timestamp")
        .collect();
    assert_eq!(stamps.len(), 2);
    assert!(stamps.iter().any(|c| c.detail.contains("an earlier one")));
}

/// Index of the signer of `cms` whose certificate is the fixture `name`.
fn signer_index(cms: &[u8], name: &str) -> usize {
    let cert = certificate(name);
    SignedMessage::from_der(cms, CmsLimits::default())
        .unwrap()
        .signers
        .iter()
        .position(|s| s.id.matches(&cert))
        .expect("signer")
}

/// Each signer on its own basis: individual-sign (valid now) and revoked-sign.
#[test]
fn several_signers_are_each_judged_on_their_own_basis() {
    let verifier = verifier();
    let tsa = TestTsa::load();
    let cms = read("samples/two-signers-one-revoked.cms");
    let revoked = signer_index(&cms, "revoked-sign");

    // Only the revoked signer time-stamped before its revocation: both valid.
    let value = signature_value(&cms, revoked);
    let stamped = attach_token(&cms, revoked, &tsa.token_for(&value, BEFORE_REVOCATION)).unwrap();
    // DER sorts the signers: find them again in the stamped signature.
    let (revoked, individual) = (
        signer_index(&stamped, "revoked-sign"),
        signer_index(&stamped, "individual-sign"),
    );
    let verdict = verify(&verifier, &stamped, &now());
    assert_judged(&verdict, Status::Valid, None);
    let [first, second] = [&verdict.signers[revoked], &verdict.signers[individual]];
    assert_eq!(first.time_basis, TimeBasis::Timestamp);
    assert_eq!(first.status, Status::Valid);
    assert_eq!(second.time_basis, TimeBasis::Now);
    assert!(second.timestamp.is_none());

    // Only the valid signer time-stamped: the revoked one is judged now, alone.
    let individual = signer_index(&cms, "individual-sign");
    let value = signature_value(&cms, individual);
    let stamped =
        attach_token(&cms, individual, &tsa.token_for(&value, BEFORE_REVOCATION)).unwrap();
    let (revoked, individual) = (
        signer_index(&stamped, "revoked-sign"),
        signer_index(&stamped, "individual-sign"),
    );
    let verdict = verify(&verifier, &stamped, &now());
    assert_judged(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    assert_eq!(verdict.signers[individual].time_basis, TimeBasis::Timestamp);
    assert_eq!(verdict.signers[individual].status, Status::Valid);
    assert_eq!(verdict.signers[revoked].time_basis, TimeBasis::Now);
    assert_eq!(verdict.signers[revoked].reason, Some(Reason::CertRevoked));
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The README's walkthrough signature: `samples/expired.cms` (expired-sign, whose certificate
/// expired on 2025-06-01) with a token of the test TSA at 2025-05-20T12:00:00Z.
const WALKTHROUGH: &str = "timestamped/expired-stamped.cms";

/// The committed time-stamped signatures (`fixtures/timestamped/`: the walkthrough's, and
/// `revoked-stamped.cms`, `samples/revoked.cms` stamped on 2026-02-01, for the page) are what
/// the test TSA makes from the current fixtures (after a regeneration of `fixtures/pki`:
/// `QOLTANBA_BLESS=1 cargo test --test timestamp_verdicts` writes them anew).
#[test]
fn the_committed_time_stamped_signatures_are_the_test_tsa_stamps() {
    for (file, sample, gen_time) in [
        (WALKTHROUGH, "samples/expired.cms", BEFORE_EXPIRY),
        (
            "timestamped/revoked-stamped.cms",
            "samples/revoked.cms",
            BEFORE_REVOCATION,
        ),
    ] {
        let made = TestTsa::load().stamp(&read(sample), gen_time);
        let again = TestTsa::load().stamp(&read(sample), gen_time);
        assert_eq!(made, again, "the test TSA's token is deterministic");
        if std::env::var_os("QOLTANBA_BLESS").is_some() {
            std::fs::create_dir_all(fixture("timestamped")).unwrap();
            std::fs::write(fixture(file), &made).unwrap();
        }
        assert!(
            read(file) == made,
            "fixtures/{file} is not the test TSA's stamp of {sample}: \
             QOLTANBA_BLESS=1 cargo test --test timestamp_verdicts"
        );
    }
}

/// README.md's walkthrough, as written: the command after `$ ` (with its `\` continuation
/// lines) runs the binary, and every other line of the block up to its end (but `…`) is a line
/// of what it prints.
#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme =
        std::fs::read_to_string(env!("CARGO_MANIFEST_DIR").to_owned() + "/README.md").unwrap();
    let start = readme
        .find("$ target/release/qoltanba verify fixtures/timestamped/expired-stamped.cms")
        .expect("the walkthrough in README.md");
    let block = &readme[start + 2..];
    let block = &block[..block.find("```").unwrap()];
    let mut lines = block.lines();
    let mut command = String::new();
    for line in lines.by_ref() {
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(part) => command.push_str(part),
            None => {
                command.push_str(line);
                break;
            }
        }
        command.push(' ');
    }
    let expected: Vec<&str> = lines.filter(|l| l.trim() != "…").collect();
    assert!(expected.len() >= 4, "{expected:?}");
    let args: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(args[0], "target/release/qoltanba");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(&args[1..])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let printed: Vec<&str> = stdout.lines().collect();
    for line in expected {
        assert!(
            printed.contains(&line),
            "README line {line:?} is not printed:\n{stdout}"
        );
    }
}

/// `/v1/verify` answers the same: the signer's basis and token, and the OpenAPI document
/// describes every field of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_verify_reports_each_signers_time_basis_and_time_stamp() {
    use serde_json::json;
    let server = serve_support::start(serve_support::config(&["crl/all-current.pem"], &[])).await;
    let stamped = TestTsa::load().stamp(&read("samples/revoked.cms"), BEFORE_REVOCATION);
    let body = json!({"signature": serve_support::b64(&stamped)});
    let answer = serve_support::post_json(&server, "/v1/verify", &body).await;
    assert_eq!(answer.status, 200);
    let v = &answer.json;
    assert_eq!(v["status"], "valid", "{v}");
    let signer = &v["signers"][0];
    assert_eq!(signer["time_basis"], "timestamp");
    assert_eq!(signer["time"], "2026-02-01T10:00:00Z");
    assert_eq!(signer["timestamp"]["verified"], true);
    assert_eq!(signer["timestamp"]["gen_time"], "2026-02-01T10:00:00Z");
    assert_eq!(signer["timestamp"]["status"], "valid");

    let body = json!({"signature": serve_support::b64(&stamped), "at": serve_support::T0});
    let answer = serve_support::post_json(&server, "/v1/verify", &body).await;
    assert_eq!(answer.json["reason"], "cert_revoked");
    assert_eq!(answer.json["signers"][0]["time_basis"], "caller");
    assert_eq!(answer.json["signers"][0]["timestamp"]["verified"], true);

    let doc = serve_support::get(&server, "/openapi.json").await.json;
    let schemas = &doc["components"]["schemas"];
    for (object, schema) in [
        (signer, "SignerOutcome"),
        (&signer["timestamp"], "TimestampReport"),
    ] {
        for key in object.as_object().unwrap().keys() {
            assert!(
                schemas[schema]["properties"][key].is_object(),
                "{schema}.{key} not in the OpenAPI document"
            );
        }
    }
    server.shutdown().await.unwrap();
}
