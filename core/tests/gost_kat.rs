//! Known answers for the GOST hashes and the OID tables of `qoltanba_core::gost`.
//!
//! The signature examples of GOST R 34.10-2012 Appendix A need the standard's test curves, which
//! are not part of the public API; they are unit tests in core/src/crypto/gost/tests.rs.

use const_oid::ObjectIdentifier;
use qoltanba_core::gost::{self, Curve, Digest};

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(s).expect("OID")
}

/// GOST R 34.11-2012 Appendix A (RFC 6986 §10): M1 and M2. The standard prints messages and hashes
/// as big numbers, i.e. byte-reversed; these are the byte strings a hash implementation consumes and
/// produces (and OpenSSL's `-md_gost12_*` prints).
#[test]
fn streebog_examples_of_the_standard() {
    let m1 = b"012345678901234567890123456789012345678901234567890123456789012";
    // "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы" in CP1251.
    let m2 = hex::decode(concat!(
        "d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20",
        "f120eceef0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb",
        "20c8e3eef0e5e2fb"
    ))
    .expect("hex");
    let cases: [(&[u8], Digest, &str); 4] = [
        (
            m1,
            Digest::Streebog512,
            concat!(
                "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa",
                "00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"
            ),
        ),
        (
            m1,
            Digest::Streebog256,
            "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500",
        ),
        (
            &m2,
            Digest::Streebog512,
            concat!(
                "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376",
                "035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28"
            ),
        ),
        (
            &m2,
            Digest::Streebog256,
            "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50",
        ),
    ];
    for (message, digest, expected) in cases {
        let got = digest.digest(message);
        assert_eq!(got.len(), digest.output_len());
        assert_eq!(hex::encode(got), expected, "{}", digest.name());
    }
}

/// GOST R 34.11-94 with the Test parameter set: RFC 5831 §7.3.1.
#[test]
fn gost94_test_parameter_examples() {
    let a_million = vec![b'a'; 1_000_000];
    let u_128 = vec![b'U'; 128];
    let cases: [(&[u8], &str); 8] = [
        (
            b"",
            "ce85b99cc46752fffee35cab9a7b0278abb4c2d2055cff685af4912c49490f8d",
        ),
        (
            b"a",
            "d42c539e367c66e9c88a801f6649349c21871b4344c6a573f849fdce62f314dd",
        ),
        (
            b"abc",
            "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d",
        ),
        (
            b"message digest",
            "ad4434ecb18f2c99b60cbe59ec3d2469582b65273f48de72db2fde16a4889a4d",
        ),
        (
            b"This is message, length=32 bytes",
            "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa",
        ),
        (
            b"Suppose the original message has length = 50 bytes",
            "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208",
        ),
        (
            &u_128,
            "53a3a3ed25180cef0c1d85a074273e551c25660a87062a52d926a9e8fe5733a4",
        ),
        (
            &a_million,
            "5c00ccc2734cdd3332d3d4749576e3c1a7dbaf0e7ea74e9fa602413c90a129fa",
        ),
    ];
    for (message, expected) in cases {
        assert_eq!(
            hex::encode(Digest::Gost94Test.digest(message)),
            expected,
            "{} bytes",
            message.len()
        );
    }
}

#[test]
fn digest_oids() {
    for (s, digest) in [
        ("1.2.398.3.10.1.3.1", Digest::Gost94Test),
        ("1.2.398.3.10.1.3.2", Digest::Streebog256),
        ("1.2.398.3.10.1.3.3", Digest::Streebog512),
        ("1.2.643.7.1.1.2.2", Digest::Streebog256),
        ("1.2.643.7.1.1.2.3", Digest::Streebog512),
    ] {
        assert_eq!(Digest::from_oid(&oid(s)), Some(digest), "{s}");
    }
    for digest in [Digest::Streebog256, Digest::Streebog512, Digest::Gost94Test] {
        assert_eq!(Digest::from_oid(&digest.nca_oid()), Some(digest));
    }
    // id-GostR3411-94 without parameters means the CryptoPro S-boxes, not the NCA's Test ones.
    assert_eq!(Digest::from_oid(&oid("1.2.643.2.2.9")), None);
    assert_eq!(Digest::Gost94Test.oid(), oid("1.2.643.2.2.9"));
    for (s, digest) in [
        ("1.2.398.3.10.1.1.2.3.2", Digest::Streebog512),
        ("1.2.398.3.10.1.1.2.3.1", Digest::Streebog256),
        ("1.2.398.3.10.1.1.1.2", Digest::Gost94Test),
        ("1.2.643.7.1.1.3.3", Digest::Streebog512),
        ("1.2.643.7.1.1.3.2", Digest::Streebog256),
    ] {
        assert_eq!(Digest::from_signature_oid(&oid(s)), Some(digest), "{s}");
    }
    assert_eq!(
        Digest::from_signature_oid(&oid("1.2.840.10045.4.3.2")),
        None
    );
}

#[test]
fn curve_oids() {
    for (s, curve) in [
        ("1.2.643.7.1.2.1.2.1", Curve::Tc26Gost512A),
        ("1.2.398.3.10.1.1.2.2.1", Curve::Tc26Gost512A),
        ("1.2.643.7.1.2.1.2.2", Curve::Tc26Gost512B),
        ("1.2.643.7.1.2.1.2.3", Curve::Tc26Gost512C),
        ("1.2.643.7.1.2.1.1.1", Curve::Tc26Gost256A),
        ("1.2.398.3.10.1.1.2.1.1", Curve::Tc26Gost256A),
        ("1.2.643.2.2.35.1", Curve::CryptoProA),
        ("1.2.643.7.1.2.1.1.2", Curve::CryptoProA),
        ("1.2.398.3.10.1.1.1.1.1", Curve::CryptoProA),
        ("1.2.643.2.2.35.2", Curve::CryptoProB),
        ("1.2.643.7.1.2.1.1.3", Curve::CryptoProB),
        ("1.2.643.2.2.35.3", Curve::CryptoProC),
        ("1.2.643.7.1.2.1.1.4", Curve::CryptoProC),
        ("1.2.643.2.2.36.0", Curve::CryptoProXchA),
        ("1.2.643.2.2.36.1", Curve::CryptoProXchB),
    ] {
        assert_eq!(Curve::from_oid(&oid(s)), Some(curve), "{s}");
    }
    assert_eq!(Curve::from_oid(&oid("1.2.840.10045.3.1.7")), None);
    for curve in Curve::ALL {
        assert_eq!(Curve::from_oid(&curve.oid()), Some(curve));
        let expected = if curve.name().contains("-512-") {
            64
        } else {
            32
        };
        assert_eq!(curve.coordinate_len(), expected, "{}", curve.name());
    }
}

/// The Xch parameter sets are the A and C curves under other names: a key on one is the same
/// point on the other.
#[test]
fn xch_sets_share_the_a_and_c_curves() {
    for (xch, base) in [
        (Curve::CryptoProXchA, Curve::CryptoProA),
        (Curve::CryptoProXchB, Curve::CryptoProC),
    ] {
        let key = gost::SigningKey::from_be_bytes(xch, &[0x42; 20]).expect("key");
        let other = gost::SigningKey::from_be_bytes(base, &[0x42; 20]).expect("key");
        assert_eq!(
            key.public_key().to_nca_bytes(),
            other.public_key().to_nca_bytes()
        );
        let digest = [0x11; 32];
        let signature = key.sign_nca(&digest).expect("signs");
        gost::PublicKey::from_nca_bytes(base, &key.public_key().to_nca_bytes())
            .expect("same point")
            .verify_nca(&digest, &signature)
            .expect("verifies on the base curve");
    }
}

#[test]
fn malformed_inputs_are_errors() {
    use gost::{GostError, PublicKey, SigningKey};
    let curve = Curve::Tc26Gost512A;
    assert!(PublicKey::from_nca_bytes(curve, &[0u8; 127]).is_err());
    // (0, 0) is not on the curve.
    assert_eq!(
        PublicKey::from_nca_bytes(curve, &[0u8; 128]),
        Err(GostError::InvalidPoint)
    );
    // A coordinate of all ones is not below p.
    assert_eq!(
        PublicKey::from_nca_bytes(curve, &[0xFF; 128]),
        Err(GostError::InvalidPoint)
    );
    // The subjectPublicKey must be the DER OCTET STRING, not the bare X‖Y.
    let key = SigningKey::from_be_bytes(curve, &[1]).expect("d = 1");
    let xy = key.public_key().to_nca_bytes();
    assert!(PublicKey::from_subject_public_key(curve, &xy).is_err());
    assert!(
        PublicKey::from_subject_public_key(curve, &key.public_key().to_subject_public_key())
            .is_ok()
    );
    assert!(PublicKey::from_spki_der(b"\x30\x00").is_err());
    assert_eq!(
        SigningKey::from_be_bytes(curve, &[0u8; 64]).err(),
        Some(GostError::InvalidPrivateKey)
    );
    assert_eq!(
        SigningKey::from_le_bytes(curve, &[0xFF; 64]).err(),
        Some(GostError::InvalidPrivateKey)
    );
    assert_eq!(
        SigningKey::from_le_bytes(curve, &[1; 32]).err(),
        Some(GostError::InvalidPrivateKey)
    );
    assert!(SigningKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00").is_err());
    // d = 1 gives Q = P; r = 0, s = 0 and r, s ≥ q are not signatures.
    let public = key.public_key();
    let digest = [3u8; 64];
    assert_eq!(
        public.verify_nca(&digest, &[0u8; 128]),
        Err(GostError::BadSignature)
    );
    assert_eq!(
        public.verify_nca(&digest, &[0xFF; 128]),
        Err(GostError::BadSignature)
    );
}

/// The NCA signature and the RFC 4491 signature are byte reversals of each other: r‖s with
/// little-endian halves against s‖r with big-endian halves.
#[test]
fn signature_layout_conversion() {
    let mut nca = Vec::new();
    nca.extend_from_slice(&[0x01, 0x02, 0x03]); // r, little-endian: 0x030201
    nca.extend_from_slice(&[0x0A, 0x0B, 0x0C]); // s, little-endian: 0x0C0B0A
    let rfc = gost::signature_nca_to_rfc4491(&nca);
    assert_eq!(rfc, [0x0C, 0x0B, 0x0A, 0x03, 0x02, 0x01]); // s‖r big-endian
    assert_eq!(gost::signature_rfc4491_to_nca(&rfc), nca);
}
