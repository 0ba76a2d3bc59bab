//! Fuzz target for OCSP responses: parsing through `OcspResponse::from_der`, and the judgement
//! of every response that parses as evidence about the fixture PKI's individual certificate
//! under each revocation policy. Any panic is a bug: bad input must end in an `OcspError` or a
//! `revocation_unknown`.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::ocsp::OcspResponse;
use qoltanba_core::{Certificate, CrlSnapshot, OcspAnswer, RevocationPolicy, Verifier, VerifyOptions};

static TRUST: &[u8] = include_bytes!("../../fixtures/pki/trust.pem");
static INTERMEDIATES: &[u8] = include_bytes!("../../fixtures/pki/intermediates.pem");
static CRLS: &[u8] = include_bytes!("../../fixtures/crl/all-current.pem");
static LEAF: &[u8] = include_bytes!("../../fixtures/pki/individual-sign.pem");

fn fixtures() -> &'static (Verifier, Arc<Certificate>) {
    static FIXTURES: OnceLock<(Verifier, Arc<Certificate>)> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let limits = InputLimits::default();
        let anchors = certificates_from_bytes(TRUST, &limits).expect("fixture trust anchor");
        let intermediates =
            certificates_from_bytes(INTERMEDIATES, &limits).expect("fixture intermediates");
        let crls = crls_from_bytes(CRLS, &limits).expect("fixture CRLs");
        let leaf = certificates_from_bytes(LEAF, &limits).expect("fixture leaf").remove(0);
        let verifier =
            Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).expect("fixture verifier");
        (verifier, leaf)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(response) = OcspResponse::from_der(data) else {
        return;
    };
    let (verifier, leaf) = fixtures();
    let answer = OcspAnswer {
        response: Ok(Arc::new(response)),
        nonce: None,
        responder_url: None,
        subject: Some(leaf.fingerprint),
    };
    for policy in [RevocationPolicy::Ocsp, RevocationPolicy::Both] {
        let options = VerifyOptions {
            // T0 of fixtures/README.md.
            at: Some(time::macros::datetime!(2026-06-01 12:00:00 UTC)),
            revocation_policy: policy,
            ocsp: vec![answer.clone()],
            ..Default::default()
        };
        let _ = verifier.verify_certificate(leaf, &options).to_json();
    }
});
