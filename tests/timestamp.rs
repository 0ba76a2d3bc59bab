//! RFC 3161 time-stamps: tokens made by OpenSSL verify with ours and ours with OpenSSL, tokens
//! attached to a signature leave it verifying (here and with `openssl cms -verify`), every way a
//! token can fail gives its reason, the HTTP client tells each TSA failure apart, and no input
//! makes the parser panic.

mod tsa_support;

use std::process::Command;
use std::time::Duration;

use proptest::prelude::*;
use qoltanba::timestamp::{
    attach_token, AttachError, PkiStatus, TimeStampRequest, TsaClient, TsaError,
};
use qoltanba_core::timestamp::{
    proven_time, tokens_of, verify_token, verify_tokens, TimeStampToken, TimestampError,
};
use qoltanba_core::{CmsLimits, SignedMessage};
use qoltanba_core::{Reason, Status, VerifyOptions};
use sha2::{Digest, Sha256};
use time::macros::datetime;
use time::OffsetDateTime;

use tsa_support::*;

const DOCUMENT: &[u8] = "{\"request\":\"анықтама\",\"iin\":\"880415300127\"}".as_bytes();

fn at(t: OffsetDateTime) -> VerifyOptions {
    VerifyOptions {
        at: Some(t),
        ..VerifyOptions::default()
    }
}

/// A document signed by individual-sign an hour before T0, and its signature value.
fn document() -> (Vec<u8>, Vec<u8>) {
    let cms = sign_at("individual-sign", DOCUMENT, T0 - time::Duration::hours(1));
    let value = signature_value(&cms, 0);
    (cms, value)
}

fn epoch(t: OffsetDateTime) -> String {
    t.unix_timestamp().to_string()
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `openssl ts -verify` of a token over the SHA-256 `digest`, at `when`.
fn openssl_ts_verify(token: &[u8], digest: &[u8], when: OffsetDateTime) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let token_file = temp_file(&dir, "token.der", token);
    let out = Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&token_file)
        .arg("-digest")
        .arg(hex::encode(digest))
        .arg("-CAfile")
        .arg(fixture("pki/trust.pem"))
        .arg("-untrusted")
        .arg(fixture("pki/intermediates.pem"))
        .args(["-attime", &epoch(when)])
        .output()
        .expect("run openssl ts -verify");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

// ---------------------------------------------------------------- differential

#[test]
fn a_token_from_openssl_ts_reply_verifies_with_ours() {
    assert!(have_openssl(), "the openssl CLI is required");
    let (cms, value) = document();
    let request = TimeStampRequest::new(&value).unwrap();
    let before = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let response = openssl_reply(request.der());
    let token_der = request
        .check_response(&response)
        .expect("granted, imprint and nonce");
    let token = TimeStampToken::from_der(&token_der).unwrap();

    assert_eq!(token.policy(), TEST_POLICY);
    assert_eq!(token.imprint(), Sha256::digest(&value).as_slice());
    assert_eq!(token.nonce(), Some(request.nonce()));
    assert!(token.gen_time() >= before && token.gen_time() <= OffsetDateTime::now_utc());
    assert!(token.accuracy().is_some_and(|a| a.seconds == Some(1)));
    assert!(token
        .tsa_name()
        .is_some_and(|n| n.contains("УАҚЫТ БЕЛГІСІ")));

    let verifier = verifier();
    let verdict = verify_token(&verifier, &token, &value, &VerifyOptions::default());
    assert!(verdict.verified, "{verdict:#?}");
    assert_eq!(verdict.status, Status::Valid);
    assert_eq!(verdict.reason, None);
    assert_eq!(verdict.policy, TEST_POLICY);
    assert_eq!(verdict.serial, token.serial_hex());
    let tsa = verdict.tsa.as_ref().expect("the TSA's summary");
    assert_eq!(tsa.serial, "0x3001");
    assert_eq!(verdict.token.at, verdict.gen_time, "judged at genTime");
    // OpenSSL named its certificate with an ESS signingCertificate (SHA-1) attribute.
    assert_eq!(
        verdict.signing_certificate.result,
        qoltanba_core::CheckResult::Pass,
        "{}",
        verdict.signing_certificate.detail
    );
    assert!(verdict
        .token
        .checks
        .iter()
        .any(|c| c.check == "key_usage" && c.detail.contains("timeStamping")));

    // The same token for another signature proves nothing.
    let (_, other) = {
        let cms = sign_at("head-sign", DOCUMENT, T0);
        let v = signature_value(&cms, 0);
        (cms, v)
    };
    let wrong = verify_token(&verifier, &token, &other, &VerifyOptions::default());
    assert!(!wrong.verified);
    assert_eq!(wrong.reason, Some(Reason::SignatureInvalid));

    // Attached to the document, it verifies and the document still does.
    let stamped = attach_token(&cms, 0, &token_der).unwrap();
    let message = SignedMessage::from_der(&stamped, CmsLimits::default()).unwrap();
    let (when, proof) = proven_time(&verifier, &message.signers[0], &VerifyOptions::default())
        .expect("a proven time");
    assert_eq!(when, token.gen_time());
    assert!(proof.verified);
}

#[test]
fn a_token_from_the_test_tsa_verifies_with_openssl_ts_verify() {
    assert!(have_openssl(), "the openssl CLI is required");
    let tsa = TestTsa::load();
    let (_, value) = document();
    let token = tsa.token_for(&value, T0);
    let digest = Sha256::digest(&value);

    let (ok, text) = openssl_ts_verify(&token, &digest, T0);
    assert!(ok && text.contains("Verification: OK"), "{text}");
    // OpenSSL, too, refuses it for other data...
    let (ok, text) = openssl_ts_verify(&token, &Sha256::digest(b"other"), T0);
    assert!(!ok, "{text}");
    // ... and a token by a certificate without the timeStamping EKU.
    let not_a_tsa = TestTsa::load_as("tsa-noncritical").token_for(&value, T0);
    let (ok, text) = openssl_ts_verify(&not_a_tsa, &digest, T0);
    assert!(!ok, "{text}");

    let parsed = TimeStampToken::from_der(&token).unwrap();
    assert_eq!(parsed.gen_time(), T0);
    let verdict = verify_token(&verifier(), &parsed, &value, &VerifyOptions::default());
    assert!(verdict.verified, "{verdict:#?}");
    assert_eq!(verdict.gen_time, "2026-06-01T12:00:00Z");
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["status"], "valid");
    assert_eq!(json["gen_time"], "2026-06-01T12:00:00Z");
    assert_eq!(json["policy"], TEST_POLICY);
    assert_eq!(json["token"]["status"], "valid");
}

// ---------------------------------------------------------------- attaching

fn openssl_cms_verify(cms: &[u8], when: OffsetDateTime) -> (bool, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut bundle = read("pki/trust.pem");
    bundle.extend(read("pki/intermediates.pem"));
    let ca = temp_file(&dir, "ca.pem", &bundle);
    let input = temp_file(&dir, "in.cms", cms);
    let out_file = dir.path().join("out.bin");
    let out = Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(&input)
        .arg("-CAfile")
        .arg(&ca)
        .args(["-attime", &epoch(when)])
        .arg("-out")
        .arg(&out_file)
        .output()
        .expect("run openssl cms -verify");
    let content = std::fs::read(&out_file).unwrap_or_default();
    (
        out.status.success(),
        content,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_attached_token_leaves_the_signature_verifying_here_and_with_openssl() {
    assert!(have_openssl(), "the openssl CLI is required");
    let tsa = TestTsa::load();
    let verifier = verifier();
    let (cms, value) = document();
    let stamped = tsa.stamp(&cms, T0);
    assert_ne!(stamped, cms);

    // The core verifier: valid as before.
    let verdict = verifier.verify_signature(&stamped, None, &at(T0)).unwrap();
    assert_eq!(verdict.status, Status::Valid, "{}", verdict.to_json());

    // The signed parts are untouched.
    let before = SignedMessage::from_der(&cms, CmsLimits::default()).unwrap();
    let after = SignedMessage::from_der(&stamped, CmsLimits::default()).unwrap();
    assert_eq!(after.content, before.content);
    assert_eq!(after.signers[0].signature, before.signers[0].signature);
    assert_eq!(
        after.signers[0].signed_attributes.as_ref().unwrap().der,
        before.signers[0].signed_attributes.as_ref().unwrap().der
    );
    let fingerprints = |m: &SignedMessage| -> Vec<[u8; 32]> {
        m.certificates.iter().map(|c| c.fingerprint).collect()
    };
    assert_eq!(fingerprints(&after), fingerprints(&before));
    assert!(before.signers[0].unsigned_attributes.is_none());

    // OpenSSL: the signature verifies and gives back the document.
    let (ok, content, why) = openssl_cms_verify(&stamped, T0);
    assert!(ok, "{why}");
    assert_eq!(content, DOCUMENT);

    // The token is there and proves T0.
    let tokens = tokens_of(&after.signers[0]);
    assert_eq!(tokens.len(), 1);
    let token = tokens[0].as_ref().unwrap();
    assert_eq!(token.gen_time(), T0);
    let (when, proof) = proven_time(&verifier, &after.signers[0], &at(T0)).unwrap();
    assert_eq!(when, T0);
    assert!(proof.verified);

    // A second, earlier token joins the first; the earliest verified one is the proven time.
    let earlier = T0 - time::Duration::minutes(30);
    let token2 = tsa.token_for(&value, earlier);
    let twice = attach_token(&stamped, 0, &token2).unwrap();
    let message = SignedMessage::from_der(&twice, CmsLimits::default()).unwrap();
    assert_eq!(tokens_of(&message.signers[0]).len(), 2);
    assert_eq!(
        proven_time(&verifier, &message.signers[0], &at(T0))
            .unwrap()
            .0,
        earlier
    );
    assert_eq!(
        verifier
            .verify_signature(&twice, None, &at(T0))
            .unwrap()
            .status,
        Status::Valid
    );
    let (ok, _, why) = openssl_cms_verify(&twice, T0);
    assert!(ok, "{why}");

    // The same token twice, a token of another signature, a signer that does not exist.
    assert_eq!(
        attach_token(&stamped, 0, token.der()),
        Err(AttachError::AlreadyAttached(0))
    );
    let foreign = tsa.token_for(b"another signature value", T0);
    assert_eq!(
        attach_token(&cms, 0, &foreign),
        Err(AttachError::ImprintMismatch(0))
    );
    assert_eq!(
        attach_token(&cms, 1, &tsa.token_for(&value, T0)),
        Err(AttachError::NoSuchSigner { index: 1, count: 1 })
    );
    assert!(matches!(
        attach_token(&cms, 0, b"not a token"),
        Err(AttachError::BadToken(_))
    ));
    assert!(matches!(
        attach_token(b"not a CMS", 0, token.der()),
        Err(AttachError::NotSignedData(_))
    ));
}

#[test]
fn tokens_attach_to_signatures_made_by_openssl_and_to_any_signer() {
    assert!(have_openssl(), "the openssl CLI is required");
    let tsa = TestTsa::load();
    let verifier = verifier();

    // fixtures/samples/individual-attached.cms was made with `openssl cms -sign`.
    let cms = read("samples/individual-attached.cms");
    let stamped = tsa.stamp(&cms, T0);
    let verdict = verifier.verify_signature(&stamped, None, &at(T0)).unwrap();
    assert_eq!(verdict.status, Status::Valid, "{}", verdict.to_json());
    let (ok, _, why) = openssl_cms_verify(&stamped, T0);
    assert!(ok, "{why}");

    // The second signer of a two-signer signature.
    let two = read("samples/two-signers.cms");
    let message = SignedMessage::from_der(&two, CmsLimits::default()).unwrap();
    let second = &message.signers[1];
    let token = tsa.token_for(&second.signature, T0);
    let stamped = attach_token(&two, 1, &token).unwrap();
    let after = SignedMessage::from_der(&stamped, CmsLimits::default()).unwrap();
    let with_token: Vec<usize> = after
        .signers
        .iter()
        .enumerate()
        .filter(|(_, s)| !tokens_of(s).is_empty())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(with_token.len(), 1);
    let stamped_signer = &after.signers[with_token[0]];
    assert_eq!(stamped_signer.signature, second.signature);
    assert_eq!(
        proven_time(&verifier, stamped_signer, &at(T0)).unwrap().0,
        T0
    );
    assert_eq!(
        verifier
            .verify_signature(&stamped, None, &at(T0))
            .unwrap()
            .status,
        Status::Valid
    );
    let (ok, _, why) = openssl_cms_verify(&stamped, T0);
    assert!(ok, "{why}");
}

// ---------------------------------------------------------------- negatives

fn verdict_of(token: &[u8], value: &[u8]) -> qoltanba_core::timestamp::TimestampVerdict {
    let parsed = TimeStampToken::from_der(token).expect("a readable token");
    verify_token(&verifier(), &parsed, value, &VerifyOptions::default())
}

#[test]
fn a_token_of_another_signature_is_signature_invalid() {
    let tsa = TestTsa::load();
    let (_, value) = document();
    let other = signature_value(&sign_at("individual-sign", b"other document", T0), 0);
    let verdict = verdict_of(&tsa.token_for(&other, T0), &value);
    assert!(!verdict.verified);
    assert_eq!(verdict.status, Status::Invalid);
    assert_eq!(verdict.reason, Some(Reason::SignatureInvalid));
    assert!(
        verdict
            .detail
            .as_deref()
            .unwrap()
            .contains("messageImprint"),
        "{:?}",
        verdict.detail
    );
    // The token itself is fine: only the imprint fails.
    assert_eq!(verdict.token.status, Status::Valid);
}

/// The position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("present")
}

#[test]
fn a_tampered_token_is_never_verified() {
    let tsa = TestTsa::load();
    let (_, value) = document();
    let token = tsa.token_for(&value, T0);

    // genTime moved by a year inside the signed TSTInfo: the TSA's signature no longer covers it.
    let mut moved = token.clone();
    let at = find(&moved, b"20260601120000Z");
    moved[at + 3] = b'7';
    let verdict = verdict_of(&moved, &value);
    assert_eq!(verdict.gen_time, "2027-06-01T12:00:00Z");
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::SignatureInvalid));

    // The TSA's signature value altered.
    let parsed = TimeStampToken::from_der(&token).unwrap();
    let signature = parsed.message.signers[0].signature.clone();
    let mut forged = token.clone();
    let at = find(&forged, &signature) + signature.len() / 2;
    forged[at] ^= 0x01;
    let verdict = verdict_of(&forged, &value);
    assert_eq!(verdict.reason, Some(Reason::SignatureInvalid));

    // Any byte of the TSTInfo flipped: unreadable, or not verified.
    let verifier = verifier();
    let tst_info = parsed.message.content.clone().unwrap();
    let start = find(&token, &tst_info);
    let mut judged = 0;
    for i in start..start + tst_info.len() {
        let mut bad = token.clone();
        bad[i] ^= 0x20;
        if let Ok(t) = TimeStampToken::from_der(&bad) {
            let verdict = verify_token(&verifier, &t, &value, &VerifyOptions::default());
            assert!(!verdict.verified, "byte {i} flipped still verifies");
            assert_eq!(verdict.reason, Some(Reason::SignatureInvalid), "byte {i}");
            judged += 1;
        }
    }
    assert!(
        judged > 10,
        "most flips leave a readable TSTInfo ({judged})"
    );
}

#[test]
fn a_tsa_certificate_without_the_time_stamping_eku_is_key_usage_not_signing() {
    let (_, value) = document();
    // A document-signing certificate acting as a TSA.
    let verdict = verdict_of(
        &TestTsa::load_as("individual-sign").token_for(&value, T0),
        &value,
    );
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::KeyUsageNotSigning));
    assert!(
        verdict
            .detail
            .as_deref()
            .unwrap()
            .contains("lacks the critical timeStamping extended key usage"),
        "{:?}",
        verdict.detail
    );

    // timeStamping, but not critical.
    let verdict = verdict_of(
        &TestTsa::load_as("tsa-noncritical").token_for(&value, T0),
        &value,
    );
    assert_eq!(verdict.reason, Some(Reason::KeyUsageNotSigning));
    assert!(
        verdict.detail.as_deref().unwrap().contains("not critical"),
        "{:?}",
        verdict.detail
    );
    // Everything else about that certificate is fine.
    let other_checks: Vec<_> = verdict
        .token
        .checks
        .iter()
        .filter(|c| c.check != "key_usage")
        .filter(|c| c.result != qoltanba_core::CheckResult::Pass)
        .collect();
    assert!(other_checks.is_empty(), "{other_checks:#?}");
}

#[test]
fn an_untrusted_tsa_is_chain_untrusted() {
    let (_, value) = document();
    let verdict = verdict_of(&TestTsa::load_as("evil-sign").token_for(&value, T0), &value);
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::ChainUntrusted));
}

#[test]
fn a_gen_time_before_the_tsa_certificate_is_cert_not_yet_valid() {
    let (_, value) = document();
    let gen_time = datetime!(2024-06-01 00:00:00 UTC);
    let verdict = verdict_of(&TestTsa::load().token_for(&value, gen_time), &value);
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::CertNotYetValid));
    assert_eq!(verdict.token.at, "2024-06-01T00:00:00Z");
}

#[test]
fn a_revoked_tsa_is_cert_revoked_after_its_revocation_only() {
    let (_, value) = document();
    let tsa = TestTsa::load_as("revoked-sign");
    let verdict = verdict_of(
        &tsa.token_for(&value, datetime!(2026-04-01 00:00:00 UTC)),
        &value,
    );
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::CertRevoked));
    // Before the revocation the certificate is merely no TSA certificate.
    let verdict = verdict_of(
        &tsa.token_for(&value, datetime!(2026-02-01 00:00:00 UTC)),
        &value,
    );
    assert_eq!(verdict.reason, Some(Reason::KeyUsageNotSigning));
}

#[test]
fn an_imprint_algorithm_outside_sha2_is_unsupported() {
    let (_, value) = document();
    let tsa = TestTsa::load();
    let mut spec = TokenSpec::for_signature(&value);
    spec.hash_algorithm = const_oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26"); // SHA-1
    let verdict = verdict_of(&tsa.token_with(&spec, T0), &value);
    assert!(!verdict.verified);
    assert_eq!(verdict.status, Status::Indeterminate);
    assert_eq!(verdict.reason, Some(Reason::UnsupportedAlgorithm));
    let token = TimeStampToken::from_der(&tsa.token_with(&spec, T0)).unwrap();
    assert!(matches!(
        token.imprint_algorithm(),
        Err(TimestampError::UnsupportedImprintAlgorithm(_))
    ));
    // SHA-512 imprints are fine.
    spec.hash_algorithm = const_oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
    spec.imprint = sha2::Sha512::digest(&value).to_vec();
    assert!(verdict_of(&tsa.token_with(&spec, T0), &value).verified);
}

#[test]
fn proven_time_skips_tokens_that_do_not_verify() {
    let verifier = verifier();
    let (cms, value) = document();
    // An early token by an untrusted TSA, a later one by the real TSA.
    let bad = TestTsa::load_as("evil-sign").token_for(&value, T0 - time::Duration::days(1));
    let good = TestTsa::load().token_for(&value, T0);
    let stamped = attach_token(&attach_token(&cms, 0, &bad).unwrap(), 0, &good).unwrap();
    let message = SignedMessage::from_der(&stamped, CmsLimits::default()).unwrap();
    let outcomes = verify_tokens(&verifier, &message.signers[0], &at(T0));
    assert_eq!(outcomes.len(), 2);
    let verified: Vec<bool> = outcomes
        .iter()
        .map(|o| o.as_ref().unwrap().1.verified)
        .collect();
    assert_eq!(verified.iter().filter(|v| **v).count(), 1);
    let (when, proof) = proven_time(&verifier, &message.signers[0], &at(T0)).unwrap();
    assert_eq!(when, T0);
    assert_eq!(proof.tsa.unwrap().serial, "0x3001");

    // No token at all: nothing proven.
    let plain = SignedMessage::from_der(&cms, CmsLimits::default()).unwrap();
    assert!(tokens_of(&plain.signers[0]).is_empty());
    assert!(proven_time(&verifier, &plain.signers[0], &at(T0)).is_none());
}

#[test]
fn documents_are_not_tokens() {
    // A document signature is a SignedData of id-data, not a token.
    let (cms, _) = document();
    assert!(matches!(
        TimeStampToken::from_der(&cms),
        Err(TimestampError::NotTstInfo(_))
    ));
    assert!(matches!(
        TimeStampToken::from_der(b"\x30\x03\x02\x01\x01"),
        Err(TimestampError::NotCms(_))
    ));
    // A SignedData of id-ct-TSTInfo whose content is not a TSTInfo.
    let signer = FixtureSigner::load("tsa");
    let fake = signer.sign(
        b"not a TSTInfo",
        qoltanba_core::timestamp::oid::TST_INFO,
        T0,
    );
    assert!(matches!(
        TimeStampToken::from_der(&fake),
        Err(TimestampError::BadTstInfo(_))
    ));
}

// ---------------------------------------------------------------- requests and the client

#[test]
fn responses_must_answer_the_request() {
    assert!(have_openssl(), "the openssl CLI is required");
    let (_, value) = document();
    let asked = TimeStampRequest::with_nonce(&value, 7).unwrap();
    let response = openssl_reply(asked.der());

    // Another nonce: a replayed or foreign answer.
    let other_nonce = TimeStampRequest::with_nonce(&value, 8).unwrap();
    match other_nonce.check_response(&response) {
        Err(TsaError::Mismatch(why)) => assert!(why.contains("nonce"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Another signature value.
    let other_value = TimeStampRequest::with_nonce(b"another signature", 7).unwrap();
    match other_value.check_response(&response) {
        Err(TsaError::Mismatch(why)) => assert!(why.contains("messageImprint"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Its own request: the token.
    let token = asked.check_response(&response).unwrap();
    assert_eq!(
        TimeStampToken::from_der(&token).unwrap().nonce(),
        Some(&[7u8][..])
    );
    assert!(matches!(
        asked.check_response(b"garbage"),
        Err(TsaError::Garbage(_))
    ));
}

#[test]
fn requests_are_version_1_sha256_with_a_nonce_and_cert_req() {
    let (_, value) = document();
    let a = TimeStampRequest::new(&value).unwrap();
    let b = TimeStampRequest::new(&value).unwrap();
    assert_ne!(a.nonce(), b.nonce(), "random nonces");
    use der::Decode;
    let req = qoltanba_core::timestamp::asn1::TimeStampReq::from_der(a.der()).unwrap();
    assert_eq!(req.version, 1);
    assert!(req.cert_req);
    assert_eq!(
        req.message_imprint.hash_algorithm.oid.to_string(),
        "2.16.840.1.101.3.4.2.1"
    );
    assert_eq!(
        req.message_imprint.hashed_message.as_bytes(),
        Sha256::digest(&value).as_slice()
    );
    assert_eq!(req.nonce.unwrap().as_bytes(), a.nonce());
    if have_openssl() {
        // OpenSSL reads it as a request with a nonce and a certificate request.
        let dir = tempfile::tempdir().unwrap();
        let file = temp_file(&dir, "q.tsq", a.der());
        let out = Command::new("openssl")
            .args(["ts", "-query", "-text", "-in"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("Certificate required: yes"), "{text}");
        assert!(text.contains("Hash Algorithm: sha256"), "{text}");
        assert!(!text.contains("Nonce: unspecified"), "{text}");
    }
}

fn client(url: &str) -> TsaClient {
    TsaClient {
        timeout: Duration::from_secs(5),
        max_response_bytes: 64 << 10,
        ..TsaClient::new(url)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_obtains_a_token_from_an_openssl_tsa() {
    assert!(have_openssl(), "the openssl CLI is required");
    let (url, guard) = spawn_openssl_tsa().await;
    let (cms, value) = document();
    let token_der = client(&url).stamp(&value).await.expect("a token");

    // What was sent: a request for this signature value, whose nonce the token repeats.
    let requests = guard.requests();
    assert_eq!(requests.len(), 1);
    use der::Decode;
    let sent = qoltanba_core::timestamp::asn1::TimeStampReq::from_der(&requests[0]).unwrap();
    let token = TimeStampToken::from_der(&token_der).unwrap();
    assert_eq!(token.imprint(), Sha256::digest(&value).as_slice());
    assert_eq!(token.nonce(), sent.nonce.as_ref().map(|n| n.as_bytes()));
    assert_eq!(
        sent.message_imprint.hashed_message.as_bytes(),
        token.imprint()
    );

    let verifier = verifier();
    let verdict = verify_token(&verifier, &token, &value, &VerifyOptions::default());
    assert!(verdict.verified, "{verdict:#?}");
    // This one with signingCertificateV2 (SHA-256).
    assert_eq!(
        verdict.signing_certificate.result,
        qoltanba_core::CheckResult::Pass
    );

    // Attached: the signature still verifies and now has a proven time.
    let stamped = attach_token(&cms, 0, &token_der).unwrap();
    let message = SignedMessage::from_der(&stamped, CmsLimits::default()).unwrap();
    assert_eq!(
        proven_time(&verifier, &message.signers[0], &VerifyOptions::default())
            .unwrap()
            .0,
        token.gen_time()
    );
    assert_eq!(
        verifier
            .verify_signature(&stamped, None, &at(T0))
            .unwrap()
            .status,
        Status::Valid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tsa_failure_has_its_own_error() {
    assert!(have_openssl(), "the openssl CLI is required");
    let (_, value) = document();

    let (url, _g1) = spawn_tsa(TsaBehaviour::NotFound).await;
    let e = client(&url).stamp(&value).await.unwrap_err();
    assert_eq!(e, TsaError::HttpStatus(404));
    assert_eq!(e.code(), "tsa_http_status");

    let (url, _g2) = spawn_tsa(TsaBehaviour::Garbage).await;
    let e = client(&url).stamp(&value).await.unwrap_err();
    assert!(matches!(e, TsaError::Garbage(_)), "{e:?}");
    assert_eq!(e.code(), "tsa_garbage");
    // The same server, with a response limit below its answer's size.
    let mut small = client(&url);
    small.max_response_bytes = 16;
    assert_eq!(
        small.stamp(&value).await.unwrap_err(),
        TsaError::TooLarge(16)
    );

    let (url, _g3) = spawn_tsa(TsaBehaviour::OpenSslRejecting).await;
    match client(&url).stamp(&value).await.unwrap_err() {
        TsaError::Rejected {
            status,
            fail_info,
            text,
        } => {
            assert_eq!(status, PkiStatus::Rejection);
            assert_eq!(fail_info, vec!["badAlg".to_owned()]);
            assert!(!text.is_empty());
        }
        other => panic!("{other:?}"),
    }

    let (url, _g4) = spawn_tsa(TsaBehaviour::Slow(Duration::from_secs(3))).await;
    let mut hurried = client(&url);
    hurried.timeout = Duration::from_millis(500);
    let started = std::time::Instant::now();
    assert_eq!(
        hurried.stamp(&value).await.unwrap_err(),
        TsaError::Timeout(500)
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nothing listening; credentials in the URL never reach the message.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = client(&format!("http://user:s3cret-pass@{addr}/tsa"))
        .stamp(&value)
        .await
        .unwrap_err();
    assert!(matches!(e, TsaError::Connect(_)), "{e:?}");
    assert!(!e.to_string().contains("s3cret-pass"), "{e}");
    let (url, _g5) = spawn_tsa(TsaBehaviour::NotFound).await;
    let with_secret = url.replace("http://", "http://user:s3cret-pass@");
    let e = client(&with_secret).stamp(&value).await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("s3cret-pass"));
}

// ---------------------------------------------------------------- robustness

#[test]
fn every_truncation_of_a_token_is_refused_without_panic() {
    let (cms, value) = document();
    let token = TestTsa::load().token_for(&value, T0);
    for len in 0..token.len() {
        assert!(
            TimeStampToken::from_der(&token[..len]).is_err(),
            "prefix of {len} bytes accepted"
        );
        assert!(attach_token(&cms, 0, &token[..len]).is_err());
    }
    for len in 0..cms.len() {
        assert!(attach_token(&cms[..len], 0, &token).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = TimeStampToken::from_der(&bytes);
        let request = TimeStampRequest::with_nonce(b"value", 1).unwrap();
        let _ = request.check_response(&bytes);
        let _ = attach_token(&bytes, 0, &bytes);
    }

    #[test]
    fn damaged_tokens_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        use std::sync::OnceLock;
        static TOKEN: OnceLock<(Vec<u8>, Vec<u8>, qoltanba_core::Verifier)> = OnceLock::new();
        let (token, value, verifier) = TOKEN.get_or_init(|| {
            let (_, value) = document();
            (TestTsa::load().token_for(&value, T0), value, verifier())
        });
        let mut bad = token.clone();
        for (index, byte) in flips {
            let i = index.index(bad.len());
            bad[i] = byte;
        }
        if let Ok(t) = TimeStampToken::from_der(&bad) {
            let _ = verify_token(verifier, &t, value, &VerifyOptions::default());
        }
    }
}
