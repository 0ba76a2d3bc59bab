//! Hostile and broken input: every case gets a precise code and nothing panics.

mod common;

use der::{Decode, Encode};
use proptest::prelude::*;
use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::UsageReason;
use qoltanba_core::{Reason, Status, Verifier, VerifyOptions};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(common::fixture(rel)).unwrap()
}

fn verifier(with_intermediates: bool) -> Verifier {
    let limits = InputLimits::default();
    let anchors = input::certificates_from_bytes(&read("pki/trust.pem"), &limits).unwrap();
    let intermediates = if with_intermediates {
        input::certificates_from_bytes(&read("pki/intermediates.pem"), &limits).unwrap()
    } else {
        Vec::new()
    };
    let crls = input::crls_from_bytes(&read("crl/all-current.pem"), &limits).unwrap();
    Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).unwrap()
}

fn options() -> VerifyOptions {
    VerifyOptions {
        at: Some(qoltanba_core::parse_time("2026-06-01T12:00:00Z").unwrap()),
        ..Default::default()
    }
}

fn nested_sequences(depth: usize) -> Vec<u8> {
    let mut bytes = vec![0x05, 0x00];
    for _ in 0..depth {
        let header = der::Header::new(
            der::Tag::Sequence,
            der::Length::try_from(bytes.len()).unwrap(),
        )
        .unwrap();
        let mut wrapped = header.to_der().unwrap();
        wrapped.extend_from_slice(&bytes);
        bytes = wrapped;
    }
    bytes
}

#[test]
fn deeply_nested_and_huge_length_der_is_malformed() {
    let v = verifier(true);
    let huge_claim = [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09];
    for input in [
        nested_sequences(20_000),
        huge_claim.to_vec(),
        vec![0x30; 100_000],
    ] {
        let verdict = v.verify_signature(&input, None, &options()).unwrap();
        assert_eq!(verdict.reason, Some(Reason::MalformedSignature));
    }
}

/// A SignedData carrying `count` distinct (re-serialised) certificates besides its own.
///
/// The certificates SET is put together from the sorted encodings (DER orders a SET OF by its
/// elements' encodings), not with `SetOfVec`, whose insertion sort encodes both certificates of
/// every comparison (minutes for 3,000 in a debug build). Up to at least 130 decoys the bytes are
/// the ones `SetOfVec` gave; with more, der 0.7's field-by-field comparison of certificates
/// departs from the byte order (it put serial 01 01 2B before 01 00 80), and these are the DER
/// ones.
fn with_extra_certificates(count: usize) -> Vec<u8> {
    let info =
        cms::content_info::ContentInfo::from_der(&read("samples/individual-attached.cms")).unwrap();
    let mut signed: cms::signed_data::SignedData = info.content.decode_as().unwrap();
    let template = x509_cert::Certificate::from_der(&read("pki/nca-rsa.der")).unwrap();
    let own = signed.certificates.take().unwrap().0.into_vec();
    let mut all: Vec<Vec<u8>> = own.iter().map(|c| c.to_der().unwrap()).collect();
    for i in 0..count {
        let mut decoy = template.clone();
        // Short serials sort these decoys ahead of the real certificate in the DER SET.
        let serial = [(i + 1) as u8, 0x01, (i >> 8) as u8, i as u8];
        let serial = if i < 120 { &serial[..1] } else { &serial[1..] };
        decoy.tbs_certificate.serial_number =
            x509_cert::serial_number::SerialNumber::new(serial).unwrap();
        all.push(decoy.to_der().unwrap());
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), own.len() + count, "the decoys are distinct");
    // certificates [0] IMPLICIT CertificateSet, after encapContentInfo (RFC 5652 §5.1): the
    // SignedData's fields without it, with the SET put back in its place.
    let mut fields = Vec::<der::Any>::from_der(&signed.to_der().unwrap()).unwrap();
    let set = der::Any::new(
        der::Tag::ContextSpecific {
            constructed: true,
            number: der::TagNumber::N0,
        },
        all.concat(),
    )
    .unwrap();
    fields.insert(3, set);
    cms::content_info::ContentInfo {
        content_type: info.content_type,
        content: der::Any::from_der(&fields.to_der().unwrap()).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn thousands_of_certificates_in_a_signature_are_refused() {
    let verdict = verifier(true)
        .verify_signature(&with_extra_certificates(3_000), None, &options())
        .unwrap();
    assert_eq!(verdict.reason, Some(Reason::MalformedSignature));
    assert!(
        verdict.message.contains("more than the limit"),
        "{}",
        verdict.message
    );
}

#[test]
fn decoy_issuers_cannot_hide_the_configured_path_and_stay_bounded() {
    // 60 decoys with the real intermediate's name and key, but bad signatures, sorted first.
    let bytes = with_extra_certificates(60);
    let verdict = verifier(true)
        .verify_signature(&bytes, None, &options())
        .unwrap();
    assert_eq!(verdict.status, Status::Valid, "{}", verdict.message);
    // Without the configured intermediate, the search is bounded: it ends, with a verdict.
    let verdict = verifier(false)
        .verify_signature(&bytes, None, &options())
        .unwrap();
    assert_eq!(verdict.reason, Some(Reason::ChainUntrusted));
    assert!(verdict.message.contains("gave up"), "{}", verdict.message);
}

#[test]
fn bundle_of_thousands_of_certificates_is_a_usage_error() {
    let one = std::fs::read_to_string(common::fixture("pki/nca-rsa.pem")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.pem");
    std::fs::write(&path, one.repeat(5_000)).unwrap();
    let err =
        input::load_certificates(&[&path], &InputLimits::default(), "intermediate").unwrap_err();
    assert_eq!(err.reason, UsageReason::UnreadableFile);
    assert!(
        err.message.contains("bundle.pem") && err.message.contains("limit"),
        "{}",
        err.message
    );
}

#[test]
fn files_over_the_limit_are_refused_before_reading() {
    let limits = InputLimits {
        max_crl_bytes: 100,
        ..Default::default()
    };
    let err = input::load_crls(&[common::fixture("crl/nca-rsa.crl")], &limits).unwrap_err();
    assert_eq!(err.reason, UsageReason::TooLarge);
}

#[test]
fn a_crl_that_is_not_a_crl_is_named() {
    for (rel, needle) in [
        ("pki/root.pem", "CRL"),
        ("pki/root.der", "CRL"),
        ("samples/request.json", "CRL"),
    ] {
        let err = input::load_crls(&[common::fixture(rel)], &InputLimits::default()).unwrap_err();
        assert_eq!(err.reason, UsageReason::UnreadableFile, "{rel}");
        assert!(
            err.message.contains(rel) && err.message.contains(needle),
            "{}",
            err.message
        );
    }
}

#[test]
fn crl_entry_limit_is_enforced() {
    let crl = read("crl/nca-rsa.crl");
    let err = qoltanba_core::Crl::from_der(crl, 1).unwrap_err();
    assert!(matches!(err, qoltanba_core::CrlError::TooManyEntries(1)));
}

fn shared_verifier() -> &'static Verifier {
    static V: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
    V.get_or_init(|| verifier(true))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic_and_are_never_valid(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let verdict = shared_verifier().verify_signature(&bytes, Some(b"content"), &options());
        if let Ok(v) = verdict {
            prop_assert_ne!(v.status, Status::Valid);
        }
    }

    #[test]
    fn mutated_signatures_never_panic(position in 0usize..4096, value in any::<u8>(), cut in 0usize..4096) {
        let mut bytes = read("samples/individual-attached.cms");
        let i = position % bytes.len();
        bytes[i] = value;
        bytes.truncate(bytes.len() - cut % 64);
        let _ = shared_verifier().verify_signature(&bytes, None, &options());
    }

    #[test]
    fn mutated_crls_never_panic(position in 0usize..4096, value in any::<u8>()) {
        let mut bytes = read("crl/nca-rsa.crl");
        let i = position % bytes.len();
        bytes[i] = value;
        let _ = qoltanba_core::Crl::from_der(bytes.as_slice(), 1_000);
        let _ = input::crls_from_bytes(&bytes, &InputLimits::default());
    }
}
