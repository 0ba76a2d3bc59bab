//! OCSP as revocation evidence (CONTRACT.md §3, issue 17): every status, every fault an answer
//! can have, every revocation policy, responses embedded in a SignedData, GOST responses in the
//! NCA's style, and the evidence the verdict records. The responses come from test-pki's OCSP
//! builder and reach the verifier as DER, as they would from a responder.

use std::path::Path;
use std::sync::Arc;

use qoltanba_core::ocsp::{request_der, request_der_for_serial, CertIdHash, OcspResponse};
use qoltanba_core::{
    input, parse_time, Certificate, CheckResult, CrlSnapshot, KeyUsagePolicy, OcspAnswer, Reason,
    RevocationPolicy, Status, Verdict, Verifier, VerifyOptions,
};
use test_pki::ocsp::{
    self as builder, CrlReason, ErrorStatus, Hash, ResponderCertSpec, ResponderIdKind,
    ResponseSpec, Signer, SigningKey, Status as Answer,
};
use time::{Duration, OffsetDateTime};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(rel),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn certs(rel: &str) -> Vec<Arc<Certificate>> {
    input::certificates_from_bytes(&fixture(rel), &input::InputLimits::default()).unwrap()
}

fn cert(rel: &str) -> Arc<Certificate> {
    certs(rel).remove(0)
}

fn at() -> OffsetDateTime {
    parse_time("2026-06-01T12:00:00Z").unwrap()
}

/// The RSA PKI: root → nca-rsa → individual-sign, with the current CRLs (or none).
fn rsa_verifier(with_crls: bool) -> Verifier {
    let crls = if with_crls {
        input::crls_from_bytes(&fixture("crl/all-current.pem"), &Default::default()).unwrap()
    } else {
        Vec::new()
    };
    Verifier::new(
        certs("pki/trust.pem"),
        certs("pki/intermediates.pem"),
        CrlSnapshot::new(crls),
    )
    .unwrap()
}

fn nca_rsa() -> Signer {
    Signer::from_bytes(
        &fixture("pki/nca-rsa.pem"),
        &fixture("pki/keys/nca-rsa.key.pem"),
    )
    .unwrap()
}

fn root() -> Signer {
    Signer::from_bytes(&fixture("pki/root.pem"), &fixture("pki/keys/root.key.pem")).unwrap()
}

fn leaf_der() -> Vec<u8> {
    fixture("pki/individual-sign.der")
}

fn parsed(der: &[u8]) -> Arc<OcspResponse> {
    Arc::new(OcspResponse::from_der(der).unwrap())
}

fn answer(der: &[u8]) -> OcspAnswer {
    OcspAnswer::response(parsed(der))
}

/// A response about `cert` issued by `issuer` with `status`, signed by `issuer` at `at()`.
fn signed_by_issuer(cert: &[u8], issuer: &Signer, status: Answer) -> Vec<u8> {
    let spec = ResponseSpec::new(cert, &issuer.cert_der, Hash::Sha256, status, at()).unwrap();
    builder::sign_response(&spec, issuer).unwrap()
}

/// The CA certificate's own answer, from the root: needed when the policy is OCSP only.
fn ca_good() -> OcspAnswer {
    answer(&signed_by_issuer(
        &fixture("pki/nca-rsa.der"),
        &root(),
        Answer::Good,
    ))
}

fn verify(verifier: &Verifier, policy: RevocationPolicy, answers: Vec<OcspAnswer>) -> Verdict {
    let options = VerifyOptions {
        at: Some(at()),
        key_usage: KeyUsagePolicy::Any,
        revocation_policy: policy,
        ocsp: answers,
        ..VerifyOptions::default()
    };
    verifier.verify_certificate(&cert("pki/individual-sign.der"), &options)
}

/// The revocation check about the leaf (the first one).
fn leaf_revocation(verdict: &Verdict) -> &qoltanba_core::Check {
    verdict
        .checks
        .iter()
        .find(|c| c.check == "revocation")
        .expect("a revocation check")
}

fn assert_status(verdict: &Verdict, status: Status, reason: Option<Reason>) {
    assert_eq!(
        (verdict.status, verdict.reason),
        (status, reason),
        "{}\n{:#?}",
        verdict.message,
        verdict.checks
    );
}

fn ocsp_only(answers: Vec<OcspAnswer>) -> Verdict {
    let mut all = answers;
    all.push(ca_good());
    verify(&rsa_verifier(false), RevocationPolicy::Ocsp, all)
}

fn leaf_answer(status: Answer) -> OcspAnswer {
    answer(&signed_by_issuer(&leaf_der(), &nca_rsa(), status))
}

#[test]
fn good_answers_make_the_path_valid_under_ocsp_only() {
    let verdict = ocsp_only(vec![leaf_answer(Answer::Good)]);
    assert_status(&verdict, Status::Valid, None);
    let detail = &leaf_revocation(&verdict).detail;
    assert!(detail.starts_with("OCSP: good from "), "{detail}");
    assert_eq!(verdict.evidence.ocsp.len(), 2);
    assert!(verdict.evidence.crls.is_empty());
}

#[test]
fn the_default_policy_is_crl_only_and_ignores_answers() {
    let revoked = leaf_answer(Answer::Revoked {
        time: at() - Duration::days(3),
        reason: Some(CrlReason::KeyCompromise),
    });
    let verdict = verify(
        &rsa_verifier(true),
        RevocationPolicy::default(),
        vec![revoked],
    );
    assert_status(&verdict, Status::Valid, None);
    assert!(verdict.evidence.ocsp.is_empty());
    assert!(!verdict.evidence.crls.is_empty());
    assert!(leaf_revocation(&verdict)
        .detail
        .starts_with("not revoked (CRL "));
}

#[test]
fn every_certificate_below_the_anchor_needs_an_answer() {
    let verdict = verify(
        &rsa_verifier(false),
        RevocationPolicy::Ocsp,
        vec![leaf_answer(Answer::Good)],
    );
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    let ca_check = verdict
        .checks
        .iter()
        .filter(|c| c.check == "revocation")
        .nth(1)
        .unwrap();
    assert!(
        ca_check.detail.contains("no OCSP answer about"),
        "{}",
        ca_check.detail
    );
}

#[test]
fn revoked_before_the_validation_time_is_cert_revoked() {
    let verdict = ocsp_only(vec![leaf_answer(Answer::Revoked {
        time: at() - Duration::days(3),
        reason: Some(CrlReason::KeyCompromise),
    })]);
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    let detail = &leaf_revocation(&verdict).detail;
    assert!(
        detail.contains("keyCompromise") && detail.contains("OCSP revoked from"),
        "{detail}"
    );
    assert_eq!(verdict.evidence.ocsp[0].status, "revoked");
}

#[test]
fn revoked_after_the_validation_time_is_not_revoked_at_it() {
    let mut spec = ResponseSpec::new(
        &leaf_der(),
        &nca_rsa().cert_der,
        Hash::Sha256,
        Answer::Revoked {
            time: at() + Duration::hours(1),
            reason: None,
        },
        at(),
    )
    .unwrap();
    spec.this_update = at() - Duration::hours(1);
    let der = builder::sign_response(&spec, &nca_rsa()).unwrap();
    let verdict = ocsp_only(vec![answer(&der)]);
    assert_status(&verdict, Status::Valid, None);
    assert!(leaf_revocation(&verdict).detail.contains("revoked later"));
}

#[test]
fn unknown_is_revocation_unknown() {
    let verdict = ocsp_only(vec![leaf_answer(Answer::Unknown)]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("does not know the certificate"));
}

#[test]
fn the_not_issued_answer_is_cert_revoked_saying_the_ca_does_not_know_it() {
    let verdict = ocsp_only(vec![leaf_answer(Answer::NotIssued)]);
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    let detail = &leaf_revocation(&verdict).detail;
    assert!(
        detail.contains("the CA does not know this certificate"),
        "{detail}"
    );
}

#[test]
fn a_revoked_1970_answer_without_extended_revoke_is_an_ordinary_revocation() {
    let verdict = ocsp_only(vec![leaf_answer(Answer::Revoked {
        time: OffsetDateTime::UNIX_EPOCH,
        reason: Some(CrlReason::CertificateHold),
    })]);
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    assert!(!leaf_revocation(&verdict).detail.contains("does not know"));
}

#[test]
fn sha1_and_sha256_cert_ids_both_match() {
    for hash in [Hash::Sha1, Hash::Sha256] {
        let spec =
            ResponseSpec::new(&leaf_der(), &nca_rsa().cert_der, hash, Answer::Good, at()).unwrap();
        let der = builder::sign_response(&spec, &nca_rsa()).unwrap();
        assert_status(&ocsp_only(vec![answer(&der)]), Status::Valid, None);
    }
}

#[test]
fn an_answer_about_another_certificate_is_not_about_this_one() {
    let other = signed_by_issuer(&fixture("pki/head-sign.der"), &nca_rsa(), Answer::Good);
    let verdict = ocsp_only(vec![answer(&other)]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("no OCSP answer about"));
}

#[test]
fn freshness_next_update_this_update_and_max_age() {
    let base = || {
        ResponseSpec::new(
            &leaf_der(),
            &nca_rsa().cert_der,
            Hash::Sha256,
            Answer::Good,
            at(),
        )
        .unwrap()
    };
    let judge = |spec: ResponseSpec, max_age: Option<Duration>| {
        let der = builder::sign_response(&spec, &nca_rsa()).unwrap();
        let options = VerifyOptions {
            at: Some(at()),
            key_usage: KeyUsagePolicy::Any,
            revocation_policy: RevocationPolicy::Ocsp,
            ocsp: vec![answer(&der), ca_good()],
            ocsp_max_age: max_age,
            ..VerifyOptions::default()
        };
        rsa_verifier(false).verify_certificate(&cert("pki/individual-sign.der"), &options)
    };

    // Stale: nextUpdate before T.
    let mut stale = base();
    stale.this_update = at() - Duration::days(2);
    stale.produced_at = stale.this_update;
    stale.next_update = Some(at() - Duration::days(1));
    let verdict = judge(stale, None);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("stale: nextUpdate"));

    // A good answer from after T proves nothing about T.
    let mut later = base();
    later.this_update = at() + Duration::hours(1);
    later.produced_at = later.this_update;
    let verdict = judge(later, None);
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("after the validation time"));
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );

    // No nextUpdate (the NCA's way): fresh within the maximum age of producedAt.
    let mut recent = base();
    recent.next_update = None;
    recent.this_update = at() - Duration::minutes(30);
    recent.produced_at = recent.this_update;
    assert_status(&judge(recent.clone(), None), Status::Valid, None);
    let mut old = recent;
    old.this_update = at() - Duration::hours(2);
    old.produced_at = old.this_update;
    let verdict = judge(old.clone(), None);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict).detail.contains("no nextUpdate"));
    assert_status(&judge(old, Some(Duration::hours(3))), Status::Valid, None);
}

#[test]
fn a_later_revocation_answer_still_proves_a_final_revocation() {
    let mut spec = ResponseSpec::new(
        &leaf_der(),
        &nca_rsa().cert_der,
        Hash::Sha256,
        Answer::Revoked {
            time: at() - Duration::days(1),
            reason: Some(CrlReason::KeyCompromise),
        },
        at() + Duration::days(1),
    )
    .unwrap();
    spec.next_update = None;
    let der = builder::sign_response(&spec, &nca_rsa()).unwrap();
    assert_status(
        &ocsp_only(vec![answer(&der)]),
        Status::Invalid,
        Some(Reason::CertRevoked),
    );
}

#[test]
fn the_nonce_sent_must_be_echoed() {
    let nonce = b"0123456789abcdef".to_vec();
    let with_nonce = |echo: Option<Vec<u8>>| {
        let mut spec = ResponseSpec::new(
            &leaf_der(),
            &nca_rsa().cert_der,
            Hash::Sha256,
            Answer::Good,
            at(),
        )
        .unwrap();
        spec.nonce = echo;
        let mut a = answer(&builder::sign_response(&spec, &nca_rsa()).unwrap());
        a.nonce = Some(nonce.clone());
        a
    };
    assert_status(
        &ocsp_only(vec![with_nonce(Some(nonce.clone()))]),
        Status::Valid,
        None,
    );
    let wrong = ocsp_only(vec![with_nonce(Some(b"another nonce".to_vec()))]);
    assert_status(
        &wrong,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&wrong)
        .detail
        .contains("nonce is not the one"));
    let missing = ocsp_only(vec![with_nonce(None)]);
    assert!(leaf_revocation(&missing).detail.contains("does not echo"));
    assert_status(
        &missing,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
}

#[test]
fn a_wrong_signer_makes_the_answer_unusable_never_revoked() {
    let revoked = Answer::Revoked {
        time: at() - Duration::days(3),
        reason: None,
    };
    // Someone else's certificate and key.
    let stranger = Signer::from_bytes(
        &fixture("pki/head-sign.pem"),
        &fixture("pki/keys/head-sign.key.pem"),
    )
    .unwrap();
    let spec = ResponseSpec::new(
        &leaf_der(),
        &nca_rsa().cert_der,
        Hash::Sha256,
        revoked,
        at(),
    )
    .unwrap()
    .with_signer_certificate(&stranger);
    let verdict = ocsp_only(vec![answer(
        &builder::sign_response(&spec, &stranger).unwrap(),
    )]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(
        leaf_revocation(&verdict)
            .detail
            .contains("lacks id-kp-OCSPSigning"),
        "{}",
        leaf_revocation(&verdict).detail
    );

    // In the issuer's name, with another key.
    let forger = Signer {
        cert_der: nca_rsa().cert_der,
        key: SigningKey::from_pkcs8(&fixture("pki/keys/evil-root.key.pem")).unwrap(),
    };
    let spec = ResponseSpec::new(
        &leaf_der(),
        &nca_rsa().cert_der,
        Hash::Sha256,
        revoked,
        at(),
    )
    .unwrap();
    let verdict = ocsp_only(vec![answer(
        &builder::sign_response(&spec, &forger).unwrap(),
    )]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("signed in the name of the issuer"));

    // By a responder the response does not carry.
    let key = SigningKey::from_pkcs8(&fixture("pki/keys/tsa.key.pem")).unwrap();
    let responder_der = builder::responder_certificate(
        &ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5001),
        &key,
        &nca_rsa(),
    )
    .unwrap();
    let responder = Signer {
        cert_der: responder_der,
        key,
    };
    let verdict = ocsp_only(vec![answer(
        &builder::sign_response(&spec, &responder).unwrap(),
    )]);
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("neither the issuer"));
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
}

/// A delegated responder for nca-rsa with the TSA's key (any fixture key will do).
fn delegated(spec: ResponderCertSpec, issuer: &Signer) -> Signer {
    let key = SigningKey::from_pkcs8(&fixture("pki/keys/tsa.key.pem")).unwrap();
    let cert_der = builder::responder_certificate(&spec, &key, issuer).unwrap();
    Signer { cert_der, key }
}

fn by_delegated(responder: &Signer, status: Answer, id: ResponderIdKind) -> OcspAnswer {
    let mut spec = ResponseSpec::new(&leaf_der(), &nca_rsa().cert_der, Hash::Sha256, status, at())
        .unwrap()
        .with_signer_certificate(responder);
    spec.responder_id = id;
    answer(&builder::sign_response(&spec, responder).unwrap())
}

#[test]
fn a_delegated_responder_with_nocheck_answers_for_its_issuer() {
    let responder = delegated(
        ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5001),
        &nca_rsa(),
    );
    for id in [ResponderIdKind::ByName, ResponderIdKind::ByKey] {
        let verdict = ocsp_only(vec![by_delegated(&responder, Answer::Good, id)]);
        assert_status(&verdict, Status::Valid, None);
        assert!(leaf_revocation(&verdict)
            .detail
            .contains("OCSP: good from CN=OCSP responder"));
        assert_eq!(
            verdict.evidence.ocsp[0].responder,
            "CN=OCSP responder, C=KZ"
        );
    }
    let verdict = ocsp_only(vec![by_delegated(
        &responder,
        Answer::Revoked {
            time: at() - Duration::days(1),
            reason: None,
        },
        ResponderIdKind::ByKey,
    )]);
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
}

#[test]
fn delegated_responder_faults() {
    let case = |spec: ResponderCertSpec, issuer: &Signer, expect: &str| {
        let responder = delegated(spec, issuer);
        let verdict = ocsp_only(vec![by_delegated(
            &responder,
            Answer::Revoked {
                time: at() - Duration::days(1),
                reason: None,
            },
            ResponderIdKind::ByName,
        )]);
        assert_status(
            &verdict,
            Status::Indeterminate,
            Some(Reason::RevocationUnknown),
        );
        let detail = &leaf_revocation(&verdict).detail;
        assert!(detail.contains(expect), "{expect}: {detail}");
    };
    let mut no_eku = ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5002);
    no_eku.ocsp_signing = false;
    case(
        no_eku,
        &nca_rsa(),
        "OCSP responder not authorised: CN=OCSP responder, C=KZ lacks id-kp-OCSPSigning",
    );

    let mut expired = ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5003);
    expired.not_after = at() - Duration::days(1);
    case(expired, &nca_rsa(), "not valid at the validation time");

    // Issued by the root, not by the leaf's issuer.
    case(
        ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5004),
        &root(),
        "not by the certificate's issuer",
    );

    // Issued in the issuer's name by another key.
    let impostor = Signer {
        cert_der: nca_rsa().cert_der,
        key: SigningKey::from_pkcs8(&fixture("pki/keys/evil-root.key.pem")).unwrap(),
    };
    case(
        ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5005),
        &impostor,
        "was not issued by the certificate's issuer",
    );
}

#[test]
fn a_responder_without_nocheck_has_its_own_status_judged() {
    let mut spec = ResponderCertSpec::nca_like("C=KZ,CN=OCSP responder", 0x5006);
    spec.nocheck = false;
    let responder = delegated(spec, &nca_rsa());
    let leaf = || by_delegated(&responder, Answer::Good, ResponderIdKind::ByName);

    // OCSP only, and nothing about the responder: it cannot vouch for itself.
    let verdict = ocsp_only(vec![leaf()]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("no id-pkix-ocsp-nocheck"));

    // Its own answer about itself does not count either.
    let self_answer = {
        let spec = ResponseSpec::new(
            &responder.cert_der,
            &nca_rsa().cert_der,
            Hash::Sha256,
            Answer::Good,
            at(),
        )
        .unwrap()
        .with_signer_certificate(&responder);
        answer(&builder::sign_response(&spec, &responder).unwrap())
    };
    let verdict = ocsp_only(vec![leaf(), self_answer]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("a responder cannot vouch for a responder"));

    // The issuer's own answer about the responder does.
    let issuer_answer = answer(&signed_by_issuer(
        &responder.cert_der,
        &nca_rsa(),
        Answer::Good,
    ));
    assert_status(&ocsp_only(vec![leaf(), issuer_answer]), Status::Valid, None);
    let revoked_responder = answer(&signed_by_issuer(
        &responder.cert_der,
        &nca_rsa(),
        Answer::Revoked {
            time: at() - Duration::days(1),
            reason: Some(CrlReason::KeyCompromise),
        },
    ));
    let verdict = ocsp_only(vec![leaf(), revoked_responder]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );

    // With CRLs as fallback, the CA's CRL (which does not list it) clears the responder.
    let verdict = verify(
        &rsa_verifier(true),
        RevocationPolicy::OcspThenCrl,
        vec![leaf()],
    );
    assert_status(&verdict, Status::Valid, None);
    assert!(leaf_revocation(&verdict).detail.starts_with("OCSP: good"));
}

#[test]
fn error_statuses_and_failures_are_revocation_unknown() {
    for (status, name) in [
        (ErrorStatus::TryLater, "tryLater"),
        (ErrorStatus::InternalError, "internalError"),
        (ErrorStatus::MalformedRequest, "malformedRequest"),
        (ErrorStatus::Unauthorized, "unauthorized"),
    ] {
        let mut a = answer(&builder::error_response(status));
        a.responder_url = Some("http://127.0.0.1:1/ocsp".into());
        a.subject = Some(cert("pki/individual-sign.der").fingerprint);
        let verdict = ocsp_only(vec![a]);
        assert_status(
            &verdict,
            Status::Indeterminate,
            Some(Reason::RevocationUnknown),
        );
        let detail = &leaf_revocation(&verdict).detail;
        assert!(
            detail.contains(name) && detail.contains("127.0.0.1"),
            "{detail}"
        );
    }
    let failed = OcspAnswer::failed(
        &cert("pki/individual-sign.der"),
        "http://127.0.0.1:1/ocsp",
        "connection refused",
    );
    let verdict = ocsp_only(vec![failed]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("connection refused"));
}

#[test]
fn malformed_responses_are_refused_at_the_edge() {
    assert!(OcspResponse::from_der(b"").is_err());
    assert!(OcspResponse::from_der(b"\x30\x03\x0a\x01\x00").is_err());
    let good = signed_by_issuer(&leaf_der(), &nca_rsa(), Answer::Good);
    assert!(OcspResponse::from_der(&good[..good.len() - 1]).is_err());
    let limits = qoltanba_core::ocsp::OcspLimits {
        max_bytes: 100,
        ..Default::default()
    };
    assert!(OcspResponse::from_der_with(&good, limits).is_err());
    let parsed = OcspResponse::from_der(&good).unwrap();
    let basic = parsed.basic.as_ref().unwrap();
    assert_eq!(basic.responses.len(), 1);
    assert_eq!(basic.produced_at, at());
}

#[test]
fn an_unknown_critical_extension_makes_the_answer_unusable() {
    let mut spec = ResponseSpec::new(
        &leaf_der(),
        &nca_rsa().cert_der,
        Hash::Sha256,
        Answer::Good,
        at(),
    )
    .unwrap();
    spec.unknown_critical_extension = true;
    let verdict = ocsp_only(vec![answer(
        &builder::sign_response(&spec, &nca_rsa()).unwrap(),
    )]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("unsupported critical extension"));
}

#[test]
fn policies_fall_back_and_combine() {
    let try_later = || answer(&builder::error_response(ErrorStatus::TryLater));
    let revoked = || {
        leaf_answer(Answer::Revoked {
            time: at() - Duration::days(3),
            reason: None,
        })
    };
    let with_crls = rsa_verifier(true);
    let without_crls = rsa_verifier(false);

    // ocsp_then_crl: the responder fails, the CRL decides, and the check says both.
    let verdict = verify(&with_crls, RevocationPolicy::OcspThenCrl, vec![try_later()]);
    assert_status(&verdict, Status::Valid, None);
    let detail = &leaf_revocation(&verdict).detail;
    assert!(
        detail.starts_with("not revoked (CRL ") && detail.contains("tryLater"),
        "{detail}"
    );
    // ... and an answer decides before the CRL.
    let verdict = verify(&with_crls, RevocationPolicy::OcspThenCrl, vec![revoked()]);
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    // Neither source: unknown with both reasons.
    let verdict = verify(
        &without_crls,
        RevocationPolicy::OcspThenCrl,
        vec![try_later()],
    );
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict).detail.contains("CRL: no CRL"));

    // crl_then_ocsp: the CRL decides when it can, OCSP otherwise.
    let verdict = verify(&with_crls, RevocationPolicy::CrlThenOcsp, vec![revoked()]);
    assert_status(&verdict, Status::Valid, None);
    let verdict = verify(
        &without_crls,
        RevocationPolicy::CrlThenOcsp,
        vec![leaf_answer(Answer::Good), ca_good()],
    );
    assert_status(&verdict, Status::Valid, None);
    assert!(leaf_revocation(&verdict).detail.contains("CRL: no CRL"));

    // ocsp: a CRL never stands in.
    let verdict = verify(&with_crls, RevocationPolicy::Ocsp, vec![try_later()]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );

    // both: two "not revoked" needed, one "revoked" enough.
    let verdict = verify(
        &with_crls,
        RevocationPolicy::Both,
        vec![leaf_answer(Answer::Good), ca_good()],
    );
    assert_status(&verdict, Status::Valid, None);
    let detail = &leaf_revocation(&verdict).detail;
    assert!(
        detail.contains("CRL") && detail.contains("OCSP: good"),
        "{detail}"
    );
    assert_eq!(verdict.evidence.ocsp.len(), 2);
    assert!(!verdict.evidence.crls.is_empty());
    let verdict = verify(
        &with_crls,
        RevocationPolicy::Both,
        vec![revoked(), ca_good()],
    );
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    let verdict = verify(&with_crls, RevocationPolicy::Both, vec![ca_good()]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert!(leaf_revocation(&verdict).detail.contains("needs both"));
}

#[test]
fn policy_names_are_the_configuration_names() {
    for (name, policy) in [
        ("crl", RevocationPolicy::Crl),
        ("ocsp", RevocationPolicy::Ocsp),
        ("ocsp_then_crl", RevocationPolicy::OcspThenCrl),
        ("crl_then_ocsp", RevocationPolicy::CrlThenOcsp),
        ("both", RevocationPolicy::Both),
    ] {
        assert_eq!(name.parse::<RevocationPolicy>().unwrap(), policy);
        assert_eq!(policy.as_str(), name);
        assert_eq!(
            serde_json::to_string(&policy).unwrap(),
            format!("\"{name}\"")
        );
    }
    assert!("sometimes".parse::<RevocationPolicy>().is_err());
    assert_eq!(RevocationPolicy::default(), RevocationPolicy::Crl);
}

#[test]
fn evidence_records_the_response_used() {
    let der = signed_by_issuer(&leaf_der(), &nca_rsa(), Answer::Good);
    let mut a = answer(&der);
    a.responder_url = Some("http://ocsp.test/".into());
    let verdict = ocsp_only(vec![a]);
    assert_status(&verdict, Status::Valid, None);
    let json: serde_json::Value = serde_json::from_str(&verdict.to_json()).unwrap();
    let first = &json["evidence"]["ocsp"][0];
    assert_eq!(first["status"], "good");
    assert_eq!(first["produced_at"], "2026-06-01T12:00:00Z");
    assert_eq!(first["this_update"], "2026-06-01T12:00:00Z");
    assert_eq!(first["next_update"], "2026-06-02T12:00:00Z");
    assert_eq!(first["url"], "http://ocsp.test/");
    assert!(first["responder"].as_str().unwrap().contains("(RSA)"));
    let sha256 = hex_sha256(&der);
    assert_eq!(first["sha256"], sha256);
    // The responses themselves, for the archive: re-verified offline they give the same answer.
    assert_eq!(verdict.evidence.ocsp_responses.len(), 2);
    let stored: Vec<OcspAnswer> = verdict
        .evidence
        .ocsp_responses
        .iter()
        .map(|r| answer(r.der()))
        .collect();
    let again = verify(&rsa_verifier(false), RevocationPolicy::Ocsp, stored);
    assert_status(&again, Status::Valid, None);
    // Without OCSP: an empty list, not absent.
    let crl_only = verify(&rsa_verifier(true), RevocationPolicy::Crl, Vec::new());
    let json: serde_json::Value = serde_json::from_str(&crl_only.to_json()).unwrap();
    assert_eq!(json["evidence"]["ocsp"], serde_json::json!([]));
}

fn hex_sha256(der: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(der))
}

#[test]
fn responses_embedded_in_the_signed_data_are_evidence() {
    let leaf = signed_by_issuer(&leaf_der(), &nca_rsa(), Answer::Good);
    let ca = signed_by_issuer(&fixture("pki/nca-rsa.der"), &root(), Answer::Good);
    let cms =
        builder::embed_in_signed_data(&fixture("samples/individual-attached.cms"), &[leaf, ca])
            .unwrap();
    let options = |policy| VerifyOptions {
        at: Some(at()),
        revocation_policy: policy,
        ..VerifyOptions::default()
    };
    let verifier = rsa_verifier(false);
    let verdict = verifier
        .verify_signature(&cms, None, &options(RevocationPolicy::Ocsp))
        .unwrap();
    assert_status(&verdict, Status::Valid, None);
    assert_eq!(verdict.evidence.ocsp.len(), 2);
    // Under the CRL-only policy they are not looked at.
    let verdict = verifier
        .verify_signature(&cms, None, &options(RevocationPolicy::Crl))
        .unwrap();
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );

    // An embedded revocation wins over nothing.
    let revoked = signed_by_issuer(
        &leaf_der(),
        &nca_rsa(),
        Answer::Revoked {
            time: at() - Duration::days(1),
            reason: None,
        },
    );
    let cms =
        builder::embed_in_signed_data(&fixture("samples/individual-attached.cms"), &[revoked])
            .unwrap();
    let verdict = rsa_verifier(true)
        .verify_signature(&cms, None, &options(RevocationPolicy::OcspThenCrl))
        .unwrap();
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
}

#[test]
fn requests_carry_the_cert_id_and_nonce_and_answers_match_them() {
    let leaf = cert("pki/individual-sign.der");
    let issuer = cert("pki/nca-rsa.der");
    let nonce = [7u8; 16];
    for hash in [CertIdHash::Sha1, CertIdHash::Sha256] {
        let request = request_der(&leaf, &issuer, hash, Some(&nonce)).unwrap();
        let info = builder::RequestInfo::from_der(&request).unwrap();
        assert_eq!(info.serial(), leaf.serial);
        assert_eq!(info.nonce.as_deref(), Some(&nonce[..]));
        // The loopback responder's answer to it verifies, nonce and all.
        let spec = ResponseSpec::for_request(&request, Answer::Good, at()).unwrap();
        let mut a = answer(&builder::sign_response(&spec, &nca_rsa()).unwrap());
        a.nonce = Some(nonce.to_vec());
        assert_status(&ocsp_only(vec![a]), Status::Valid, None);
    }
    assert!(request_der(&leaf, &issuer, CertIdHash::Sha256, None).is_ok());
    assert!(request_der(&leaf, &leaf, CertIdHash::Sha256, None).is_err());
    assert!(request_der(&leaf, &issuer, CertIdHash::Sha256, Some(&[])).is_err());
}

/// A request for a serial alone (what the service sends) is the request for the certificate
/// holding that serial: same CertID, hashes computed as x509-cert reads the issuer, the serial's
/// own bytes (a leading zero octet kept).
#[test]
fn a_request_by_serial_is_the_request_for_the_certificate() {
    use der::{Decode, Encode};
    let leaf = cert("pki/individual-sign.der");
    let issuer = cert("pki/nca-rsa.der");
    for hash in [CertIdHash::Sha1, CertIdHash::Sha256] {
        let nonce = [9u8; 32];
        let by_cert = request_der(&leaf, &issuer, hash, Some(&nonce)).unwrap();
        let by_serial = request_der_for_serial(&leaf.serial, &issuer, hash, Some(&nonce)).unwrap();
        assert_eq!(by_cert, by_serial, "{hash:?}");
        let parsed = x509_ocsp::OcspRequest::from_der(&by_serial).unwrap();
        let id = &parsed.tbs_request.request_list[0].req_cert;
        let x = x509_cert::Certificate::from_der(&issuer.der).unwrap();
        let name = x.tbs_certificate.subject.to_der().unwrap();
        let key = x
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let digest = |bytes: &[u8]| match hash {
            CertIdHash::Sha1 => <sha1::Sha1 as sha2::Digest>::digest(bytes).to_vec(),
            CertIdHash::Sha256 => <sha2::Sha256 as sha2::Digest>::digest(bytes).to_vec(),
        };
        assert_eq!(id.issuer_name_hash.as_bytes(), digest(&name).as_slice());
        assert_eq!(id.issuer_key_hash.as_bytes(), digest(key).as_slice());
    }
    let odd = request_der_for_serial(&[0x00, 0x80, 0x01], &issuer, CertIdHash::Sha1, None).unwrap();
    let parsed = x509_ocsp::OcspRequest::from_der(&odd).unwrap();
    assert_eq!(
        parsed.tbs_request.request_list[0]
            .req_cert
            .serial_number
            .as_bytes(),
        &[0x00, 0x80, 0x01]
    );
}

fn gost_verifier() -> Verifier {
    let crls =
        input::crls_from_bytes(&fixture("gost/crl/all-current.pem"), &Default::default()).unwrap();
    Verifier::new(
        certs("gost/trust.pem"),
        certs("gost/intermediates.pem"),
        CrlSnapshot::new(crls),
    )
    .unwrap()
}

#[test]
fn gost_answers_in_the_nca_style() {
    // The NCA's responder: a delegated GOST 2015-512 certificate with id-kp-OCSPSigning and
    // ocsp-nocheck, SHA-256 CertID, the nonce echoed, no nextUpdate, the key hash as responderID.
    let ca = Signer::from_bytes(
        &fixture("gost/pki/nca-gost.pem"),
        &fixture("gost/pki/keys/nca-gost.key.der"),
    )
    .unwrap();
    let key = SigningKey::gost_from_seed("nca-gost ocsp responder").unwrap();
    let responder = Signer {
        cert_der: builder::responder_certificate(
            &ResponderCertSpec::nca_like("C=KZ,CN=OCSP RESPONDER (GOST) TEST", 0x7001),
            &key,
            &ca,
        )
        .unwrap(),
        key,
    };
    let leaf = cert("gost/pki/individual-sign.der");
    let issuer = cert("gost/pki/nca-gost.der");
    let nonce = b"nca nonce 123456".to_vec();
    let request = request_der(&leaf, &issuer, CertIdHash::Sha256, Some(&nonce)).unwrap();
    let answer_with = |status: Answer| {
        let mut spec = ResponseSpec::for_request(&request, status, at())
            .unwrap()
            .with_signer_certificate(&responder);
        spec.next_update = None;
        spec.responder_id = ResponderIdKind::ByKey;
        let der = builder::sign_response(&spec, &responder).unwrap();
        OcspAnswer {
            response: Ok(parsed(&der)),
            nonce: Some(nonce.clone()),
            responder_url: Some("http://ocsp.test.qoltanba.kz/gost/".into()),
            subject: Some(leaf.fingerprint),
        }
    };
    let options = |answers| VerifyOptions {
        at: Some(at()),
        revocation_policy: RevocationPolicy::OcspThenCrl,
        ocsp: answers,
        ..VerifyOptions::default()
    };
    let verifier = gost_verifier();

    let verdict = verifier.verify_certificate(&leaf, &options(vec![answer_with(Answer::Good)]));
    assert_status(&verdict, Status::Valid, None);
    assert!(leaf_revocation(&verdict)
        .detail
        .contains("OCSP: good from CN=OCSP RESPONDER (GOST) TEST"));
    assert_eq!(verdict.evidence.ocsp.len(), 1);
    assert_eq!(verdict.evidence.ocsp[0].next_update, None);
    // The CA certificate fell back to its CRL.
    assert_eq!(verdict.evidence.crls.len(), 1);

    let verdict =
        verifier.verify_certificate(&leaf, &options(vec![answer_with(Answer::NotIssued)]));
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
    assert!(leaf_revocation(&verdict).detail.contains("does not know"));

    // A signed CMS with its GOST answer embedded.
    let cms = builder::embed_in_signed_data(
        &fixture("gost/samples/individual-attached.cms"),
        &[answer_with(Answer::Good).response.unwrap().der().to_vec()],
    )
    .unwrap();
    let verdict = verifier
        .verify_signature(&cms, None, &options(Vec::new()))
        .unwrap();
    assert_status(&verdict, Status::Valid, None);
    assert_eq!(verdict.evidence.ocsp.len(), 1);
}

#[test]
fn status_queries_name_every_certificate_below_the_anchor() {
    let verifier = gost_verifier();
    let leaf = cert("gost/pki/individual-sign.der");
    let options = VerifyOptions {
        at: Some(at()),
        ..VerifyOptions::default()
    };
    let queries = verifier.certificate_status_queries(&leaf, &options);
    assert_eq!(queries.len(), 2, "{queries:#?}");
    assert_eq!(queries[0].cert.fingerprint, leaf.fingerprint);
    assert_eq!(
        queries[0].issuer.subject.to_string(),
        cert("gost/pki/nca-gost.der").subject.to_string()
    );
    assert_eq!(
        queries[0].responders,
        vec!["http://ocsp.test.qoltanba.kz/gost/".to_string()]
    );
    assert_eq!(leaf.ocsp_responders(), queries[0].responders.as_slice());
    assert!(queries[1].issuer.is_self_issued());

    let cms = fixture("gost/samples/individual-attached.cms");
    let from_signature = verifier.signature_status_queries(&cms, &options);
    assert_eq!(from_signature.len(), 2);
    assert!(verifier
        .signature_status_queries(b"garbage", &options)
        .is_empty());

    // Each query gives a request the responder can answer.
    for q in &queries {
        request_der(&q.cert, &q.issuer, CertIdHash::Sha256, Some(b"n")).unwrap();
    }
}

#[test]
fn a_verification_without_answers_is_unchanged() {
    // No OCSP input and the default policy: the same verdict as before OCSP existed.
    let verdict = verify(&rsa_verifier(true), RevocationPolicy::Crl, Vec::new());
    assert_status(&verdict, Status::Valid, None);
    assert!(verdict
        .checks
        .iter()
        .filter(|c| c.check == "revocation")
        .all(|c| c.result == CheckResult::Pass && c.detail.starts_with("not revoked (CRL ")));
}

#[test]
fn a_configured_clock_skew_tolerates_a_responder_clock_ahead() {
    let mut spec = ResponseSpec::new(
        &leaf_der(),
        &nca_rsa().cert_der,
        Hash::Sha256,
        Answer::Good,
        at(),
    )
    .unwrap();
    spec.this_update = at() + Duration::minutes(1);
    spec.produced_at = spec.this_update;
    let der = builder::sign_response(&spec, &nca_rsa()).unwrap();
    let judge = |skew: Duration| {
        let options = VerifyOptions {
            at: Some(at()),
            key_usage: KeyUsagePolicy::Any,
            revocation_policy: RevocationPolicy::Ocsp,
            ocsp: vec![answer(&der), ca_good()],
            ocsp_clock_skew: skew,
            ..VerifyOptions::default()
        };
        rsa_verifier(false).verify_certificate(&cert("pki/individual-sign.der"), &options)
    };
    assert_status(
        &judge(Duration::ZERO),
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    assert_status(&judge(Duration::minutes(5)), Status::Valid, None);
}

#[test]
fn a_fetched_body_that_is_no_response_is_a_failure_of_that_responder() {
    let leaf = cert("pki/individual-sign.der");
    let garbage = OcspAnswer::fetched(&leaf, "http://127.0.0.1:2/", None, b"<html>busy</html>");
    assert!(garbage.response.is_err());
    let verdict = ocsp_only(vec![garbage]);
    assert_status(
        &verdict,
        Status::Indeterminate,
        Some(Reason::RevocationUnknown),
    );
    let detail = &leaf_revocation(&verdict).detail;
    assert!(
        detail.contains("no response: not a DER OCSP response") && detail.contains("127.0.0.1:2"),
        "{detail}"
    );

    let nonce = b"fetched nonce".to_vec();
    let request = request_der(
        &leaf,
        &cert("pki/nca-rsa.der"),
        CertIdHash::Sha256,
        Some(&nonce),
    )
    .unwrap();
    let spec = ResponseSpec::for_request(&request, Answer::Good, at()).unwrap();
    let body = builder::sign_response(&spec, &nca_rsa()).unwrap();
    let fetched = OcspAnswer::fetched(&leaf, "http://127.0.0.1:2/", Some(nonce), &body);
    assert_status(&ocsp_only(vec![fetched]), Status::Valid, None);
}

#[test]
fn gost_2004_answers_from_the_ca_itself() {
    // A pre-2024 CA (GOST 34.310-2004, GOST 34.311-95) answering for its own certificate.
    let ca = Signer::from_bytes(
        &fixture("gost/pki/nca-gost2004.pem"),
        &fixture("gost/pki/keys/nca-gost2004.key.der"),
    )
    .unwrap();
    let leaf = cert("gost/pki/gost2004-sign.der");
    let judge = |status: Answer| {
        let der = signed_by_issuer(&fixture("gost/pki/gost2004-sign.der"), &ca, status);
        let options = VerifyOptions {
            at: Some(at()),
            revocation_policy: RevocationPolicy::OcspThenCrl,
            ocsp: vec![answer(&der)],
            ..VerifyOptions::default()
        };
        gost_verifier().verify_certificate(&leaf, &options)
    };
    let verdict = judge(Answer::Good);
    assert_status(&verdict, Status::Valid, None);
    assert!(leaf_revocation(&verdict)
        .detail
        .starts_with("OCSP: good from "));
    let verdict = judge(Answer::Revoked {
        time: at() - Duration::days(1),
        reason: Some(CrlReason::Superseded),
    });
    assert_status(&verdict, Status::Invalid, Some(Reason::CertRevoked));
}
