//! Properties of GOST signing and verification on random keys and messages, on every curve: a
//! signature verifies, and changing any single bit of the signature or of the digest breaks it.
//! Few cases per run: a 512-bit scalar multiplication takes tens of milliseconds in debug builds.

use proptest::prelude::*;
use qoltanba_core::gost::{Curve, Digest, GostError, PublicKey, SigningKey};

fn curve() -> impl Strategy<Value = Curve> {
    prop::sample::select(Curve::ALL.to_vec())
}

/// A key from random bytes, or None in the rare case they are 0 or not below q.
fn key(curve: Curve, d: &[u8]) -> Option<SigningKey> {
    SigningKey::from_le_bytes(curve, &d[..curve.coordinate_len()]).ok()
}

fn digest_for(curve: Curve, message: &[u8]) -> Vec<u8> {
    if curve.coordinate_len() == 64 {
        Digest::Streebog512.digest(message)
    } else {
        Digest::Streebog256.digest(message)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn signatures_verify_and_any_flipped_bit_breaks_them(
        curve in curve(),
        d in prop::collection::vec(any::<u8>(), 64),
        message in prop::collection::vec(any::<u8>(), 0..300),
        signature_bit in 0usize..1024,
        digest_bit in 0usize..512,
    ) {
        let Some(key) = key(curve, &d) else { return Ok(()) };
        let public = key.public_key();
        // The key survives its NCA encoding (including the subgroup check on cofactor curves).
        prop_assert_eq!(PublicKey::from_nca_bytes(curve, &public.to_nca_bytes()), Ok(public));

        let digest = digest_for(curve, &message);
        let signature = key.sign_nca(&digest).expect("signs");
        prop_assert_eq!(signature.len(), 2 * curve.coordinate_len());
        prop_assert_eq!(public.verify_nca(&digest, &signature), Ok(()));
        // Deterministic nonce: signing again gives the same bytes.
        prop_assert_eq!(key.sign_nca(&digest).expect("signs"), signature.clone());

        let mut bad_signature = signature.clone();
        let bit = signature_bit % (8 * signature.len());
        bad_signature[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(public.verify_nca(&digest, &bad_signature), Err(GostError::BadSignature));

        let mut bad_digest = digest.clone();
        let bit = digest_bit % (8 * digest.len());
        bad_digest[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(public.verify_nca(&bad_digest, &signature), Err(GostError::BadSignature));
    }

    /// Another key's signature does not verify.
    #[test]
    fn signatures_do_not_verify_under_another_key(
        d1 in prop::collection::vec(any::<u8>(), 64),
        d2 in prop::collection::vec(any::<u8>(), 64),
        message in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        let curve = Curve::Tc26Gost512A;
        let (Some(k1), Some(k2)) = (key(curve, &d1), key(curve, &d2)) else { return Ok(()) };
        prop_assume!(d1 != d2);
        let digest = digest_for(curve, &message);
        let signature = k1.sign_nca(&digest).expect("signs");
        prop_assert_eq!(k2.public_key().verify_nca(&digest, &signature), Err(GostError::BadSignature));
    }

    /// Arbitrary bytes never panic the decoders.
    #[test]
    fn arbitrary_bytes_are_rejected_without_panics(
        curve in curve(),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = PublicKey::from_nca_bytes(curve, &bytes);
        let _ = PublicKey::from_subject_public_key(curve, &bytes);
        let _ = PublicKey::from_spki_der(&bytes);
        let _ = SigningKey::from_pkcs8_der(&bytes);
        let _ = SigningKey::from_be_bytes(curve, &bytes);
        if let Ok(public) = PublicKey::from_nca_bytes(curve, &bytes) {
            let _ = public.verify_nca(&bytes[..curve.coordinate_len()], &bytes);
        }
    }
}
