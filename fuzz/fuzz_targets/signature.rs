//! Fuzz target for the signature path: input decoding (DER / PEM / base64), CMS parsing, and a
//! full verification against the fixture PKI. Any panic is a bug: bad input must end in a
//! `malformed_signature` (or another) verdict.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use qoltanba_core::SignedMessage;
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{Verifier, VerifyOptions};

static TRUST: &[u8] = include_bytes!("../../fixtures/pki/trust.pem");
static INTERMEDIATES: &[u8] = include_bytes!("../../fixtures/pki/intermediates.pem");
static CRLS: &[u8] = include_bytes!("../../fixtures/crl/all-current.pem");

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let limits = InputLimits::default();
        let anchors = certificates_from_bytes(TRUST, &limits).expect("fixture trust anchor");
        let intermediates =
            certificates_from_bytes(INTERMEDIATES, &limits).expect("fixture intermediates");
        let crls = crls_from_bytes(CRLS, &limits).expect("fixture CRLs");
        Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).expect("fixture verifier")
    })
}

fn options() -> VerifyOptions {
    VerifyOptions {
        // T0 of fixtures/README.md.
        at: Some(time::macros::datetime!(2026-06-01 12:00:00 UTC)),
        ..Default::default()
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(der) = qoltanba_core::input::signature_der(data) {
        let _ = SignedMessage::from_der(&der, Default::default());
    }
    let verifier = verifier();
    let opts = options();
    let _ = verifier.verify_signature(data, None, &opts);
    let _ = verifier.verify_signature(data, Some(b"x"), &opts);
});
