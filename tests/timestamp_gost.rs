//! RFC 3161 time-stamp tokens in GOST: a token signed by the GOST test TSA
//! (`fixtures/gost/pki/tsa`, GOST 2015-512, issued by nca-gost) with a Streebog-512 imprint, over
//! GOST and RSA signatures, verifies through the core; a token whose TSA signature, TSTInfo or
//! imprint was touched never does.

mod tsa_support;

use const_oid::ObjectIdentifier;
use qoltanba_core::gost::Digest as GostDigest;
use qoltanba_core::timestamp::{proven_time, verify_token, TimeStampToken};
use qoltanba_core::{CmsLimits, Reason, SignedMessage, Status, VerifyOptions};

use tsa_support::*;

/// The NCA's OID of Streebog-512, as NCALayer names it in time-stamp requests.
const NCA_STREEBOG512: &str = "1.2.398.3.10.1.3.3";
/// GOST R 34.10-2015 512-bit with Streebog-512, the NCA's signature OID.
const NCA_GOST2015_512_SIGNATURE: &str = "1.2.398.3.10.1.1.2.3.2";

fn at(t: time::OffsetDateTime) -> VerifyOptions {
    VerifyOptions {
        at: Some(t),
        ..VerifyOptions::default()
    }
}

/// The DER encoding of an OBJECT IDENTIFIER.
fn der_oid(dotted: &str) -> Vec<u8> {
    use der::Encode;
    ObjectIdentifier::new_unwrap(dotted).to_der().unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn gost_tsa() -> TestTsa {
    TestTsa::load_from(Pki::Gost, "tsa")
}

/// A Streebog-512 imprint of `signature_value` under the NCA's OID.
fn streebog_spec(signature_value: &[u8]) -> TokenSpec {
    TokenSpec {
        hash_algorithm: ObjectIdentifier::new_unwrap(NCA_STREEBOG512),
        imprint: GostDigest::Streebog512.digest(signature_value),
        ..TokenSpec::for_signature(signature_value)
    }
}

/// The GOST test PKI's sample signed by the individual's GOST 2015-512 key.
fn gost_document() -> Vec<u8> {
    read("gost/samples/individual-attached.cms")
}

#[test]
fn a_gost_tsa_token_over_a_gost_signature_verifies_and_proves_its_time() {
    let tsa = gost_tsa();
    let verifier = verifier_of(&[Pki::Gost]);
    let cms = gost_document();
    let value = signature_value(&cms, 0);
    let token = tsa.token_with(&streebog_spec(&value), T0);

    // The token is a GOST 2015-512 signature by the TSA, in the NCA's algorithm.
    let parsed = TimeStampToken::from_der(&token).expect("a readable token");
    let algorithm = format!("{:?}", parsed.message.signers[0].algorithm);
    assert!(algorithm.contains("Gost(Streebog512)"), "{algorithm}");
    assert!(
        find(&token, &der_oid(NCA_GOST2015_512_SIGNATURE)).is_some(),
        "the NCA's signature OID"
    );

    let verdict = verify_token(&verifier, &parsed, &value, &VerifyOptions::default());
    assert!(verdict.verified, "{verdict:?}");
    assert_eq!(verdict.status, Status::Valid);
    assert_eq!(verdict.gen_time, "2026-06-01T12:00:00Z");
    let tsa_name = verdict
        .tsa
        .as_ref()
        .map(|t| t.subject.clone())
        .unwrap_or_default();
    assert!(tsa_name.contains("GOST TSA"), "{tsa_name}");

    // Attached to the signature: the signature stays valid and the token proves T0.
    let stamped = tsa.stamp_with(&cms, &streebog_spec(&value), T0);
    let message = SignedMessage::from_der(&stamped, CmsLimits::default()).unwrap();
    let (when, proof) = proven_time(&verifier, &message.signers[0], &at(T0)).unwrap();
    assert_eq!(when, T0);
    assert!(proof.verified);
    let overall = verifier.verify_signature(&stamped, None, &at(T0)).unwrap();
    assert_eq!(overall.status, Status::Valid, "{}", overall.to_json());
}

#[test]
fn a_gost_tsa_token_over_an_rsa_signature_verifies_with_both_pkis_trusted() {
    let tsa = gost_tsa();
    let verifier = verifier_of(&[Pki::RsaEc, Pki::Gost]);
    let cms = sign_at("individual-sign", b"RSA document", T0);
    let value = signature_value(&cms, 0);
    // A SHA-256 imprint this time: the imprint's hash is the requester's choice.
    let token = tsa.token_for(&value, T0);
    let parsed = TimeStampToken::from_der(&token).unwrap();
    let verdict = verify_token(&verifier, &parsed, &value, &VerifyOptions::default());
    assert!(verdict.verified, "{verdict:?}");

    // Trusting only the RSA PKI, the GOST TSA is unknown.
    let rsa_only = verifier_of(&[Pki::RsaEc]);
    let verdict = verify_token(&rsa_only, &parsed, &value, &VerifyOptions::default());
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::ChainUntrusted), "{verdict:?}");
}

#[test]
fn a_touched_gost_token_is_never_verified() {
    let tsa = gost_tsa();
    let verifier = verifier_of(&[Pki::Gost]);
    let value = signature_value(&gost_document(), 0);
    let token = tsa.token_with(&streebog_spec(&value), T0);
    let parsed = TimeStampToken::from_der(&token).unwrap();

    // Any bit of the TSA's GOST signature flipped.
    let signature = parsed.message.signers[0].signature.clone();
    let start = find(&token, &signature).expect("the signature value is in the token");
    for byte in [0, signature.len() / 2, signature.len() - 1] {
        let mut forged = token.clone();
        forged[start + byte] ^= 0x01;
        let forged = TimeStampToken::from_der(&forged).unwrap();
        let verdict = verify_token(&verifier, &forged, &value, &VerifyOptions::default());
        assert!(!verdict.verified, "signature byte {byte}");
        assert_eq!(
            verdict.reason,
            Some(Reason::SignatureInvalid),
            "byte {byte}"
        );
    }

    // genTime moved inside the signed TSTInfo.
    let mut moved = token.clone();
    let at = find(&moved, b"20260601120000Z").expect("genTime");
    moved[at + 3] = b'7';
    let moved = TimeStampToken::from_der(&moved).unwrap();
    let verdict = verify_token(&verifier, &moved, &value, &VerifyOptions::default());
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::SignatureInvalid));

    // The token of another signature: the Streebog imprint does not match.
    let mut other = value.clone();
    other[0] ^= 0x80;
    let verdict = verify_token(&verifier, &parsed, &other, &VerifyOptions::default());
    assert!(!verdict.verified);
    assert_eq!(verdict.reason, Some(Reason::SignatureInvalid));
    assert_eq!(
        verdict.token.status,
        Status::Valid,
        "only the imprint fails"
    );
}
