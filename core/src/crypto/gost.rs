//! GOST R 34.10 signatures, in the byte order of Kazakhstan's National Certifying Centre (NCA).
//!
//! The NCA's GOST 34.10-2015 (512-bit, since 2024 the only key type it issues) is the Russian
//! GOST R 34.10-2012 on the curve id-tc26-gost-3410-12-512-paramSetA with the Streebog-512 hash
//! (GOST R 34.11-2012); its older GOST 34.310-2004 is GOST R 34.10-2001 on the CryptoPro-A curve
//! with GOST R 34.11-94 under the *Test* S-box parameters. The equations are the standard's; only the
//! byte order of the encodings is the NCA's own:
//!
//! - public key: X‖Y, each coordinate little-endian (in certificates wrapped in a DER OCTET STRING
//!   inside the subjectPublicKey BIT STRING — the same layout as RFC 4491 §2.3.2 / RFC 9215 §4.3);
//! - digest: read as a little-endian integer α (as RFC 7091 and OpenSSL's GOST engine do);
//! - signature: r‖s, each half little-endian — the byte-for-byte reversal of the RFC 4491 layout
//!   s‖r with big-endian halves ([`signature_nca_to_rfc4491`]).
//!
//! # The algorithm (GOST R 34.10-2012 §6; the code follows these steps one to one)
//!
//! Parameters: the prime p, the curve E: y² = x³ + a·x + b over GF(p), a point P of prime order q,
//! the private key 0 < d < q and the public key Q = d·P. Arithmetic on scalars is modulo q.
//!
//! Signing a digest h ([`SigningKey::sign_nca`]):
//! 1. α = h read as an integer (little-endian, NCA and RFC 7091);
//! 2. e = α mod q;
//! 3. if e = 0 then e = 1;
//! 4. pick a nonce 0 < k < q and compute C = k·P;
//! 5. r = x_C mod q; if r = 0, back to step 4;
//! 6. s = (r·d + k·e) mod q; if s = 0, back to step 4;
//! 7. the signature is (r, s), encoded r‖s, each half little-endian.
//!
//! Verifying ([`PublicKey::verify_nca`]):
//! 1. reject unless 0 < r < q and 0 < s < q;
//! 2. α = h read as an integer, e = α mod q;
//! 3. if e = 0 then e = 1;
//! 4. v = e⁻¹ mod q;
//! 5. z1 = s·v mod q, z2 = −r·v mod q;
//! 6. C = z1·P + z2·Q, R = x_C mod q;
//! 7. accept if and only if R = r.
//!
//! The nonce k is deterministic: HMAC-DRBG keyed by d and α as in RFC 6979 §3.2, with Streebog of
//! the key's size as the HMAC hash. Signing therefore needs no random source, and the same key and
//! digest always give the same signature. Signing uses the curve library's constant-time scalar
//! multiplication and fixed-width Montgomery scalar arithmetic; verification handles public data
//! only and runs in variable time.
//!
//! Curve arithmetic is RustCrypto's `primeorder` over `primefield` fields (see `curves.rs` for the
//! parameter sets and why this crate line), hashes are RustCrypto's `streebog` and `gost94`. This
//! module holds only the GOST equations, the parameter constants and the NCA byte order.

mod curves;
mod scheme;
#[cfg(test)]
mod tests;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef, UintRef};
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use primeorder::AffinePoint;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use streebog::digest::Digest as _;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use self::curves::{
    cryptopro_a, cryptopro_b, cryptopro_c, tc26_256_a, tc26_512_a, tc26_512_b, tc26_512_c,
};

/// Object identifiers of the GOST algorithms: the NCA's own arc (1.2.398.3.10) and the Russian ones
/// (RFC 4357, RFC 9215, TC26).
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// NCA: GOST 34.10-2015 512-bit public key.
    pub const NCA_GOST2015_512_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2");
    /// NCA: the curve parameters of a GOST 34.10-2015 512-bit key (id-tc26-gost-3410-12-512-paramSetA).
    pub const NCA_GOST2015_512_PARAM_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2.1");
    /// NCA: GOST 34.10-2015 256-bit public key.
    pub const NCA_GOST2015_256_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.1");
    /// NCA: the curve parameters of a GOST 34.10-2015 256-bit key. Reported by third-party code as
    /// Kalkan's "Gost3410-2015-256-ParamSetA" = id-tc26-gost-3410-2012-256-paramSetA; no real key
    /// was available to confirm it.
    pub const NCA_GOST2015_256_PARAM_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.1.1");
    /// NCA: GOST 34.10-2015 512-bit signature with Streebog-512.
    pub const NCA_GOST2015_512_SIGNATURE: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.2");
    /// NCA: GOST 34.10-2015 256-bit signature with Streebog-256.
    pub const NCA_GOST2015_256_SIGNATURE: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.1");
    /// NCA: GOST 34.310-2004 public key.
    pub const NCA_GOST2004_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1");
    /// NCA: the curve parameters of a GOST 34.310-2004 key. Reported by third-party code as
    /// Kalkan's "Gost34310-2004-PKIGOVKZ-A" = CryptoPro-A; no real key was available to confirm it.
    pub const NCA_GOST2004_PARAM_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1.1");
    /// NCA: GOST 34.310-2004 signature with GOST 34.311-95.
    pub const NCA_GOST2004_SIGNATURE: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.2");
    /// NCA: GOST 34.311-95 (GOST R 34.11-94 with the Test parameters).
    pub const NCA_GOST34311: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.1");
    /// NCA: Streebog-256.
    pub const NCA_STREEBOG256: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.2");
    /// NCA: Streebog-512.
    pub const NCA_STREEBOG512: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.3");

    /// id-tc26-gost3410-12-256 (RFC 9215): GOST R 34.10-2012 256-bit public key.
    pub const GOST2012_256_KEY: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.1");
    /// id-tc26-gost3410-12-512 (RFC 9215): GOST R 34.10-2012 512-bit public key.
    pub const GOST2012_512_KEY: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.2");
    /// id-GostR3410-2001 (RFC 4357): GOST R 34.10-2001 public key.
    pub const GOST2001_KEY: Oid = Oid::new_unwrap("1.2.643.2.2.19");
    /// id-tc26-signwithdigest-gost3410-12-256 (RFC 9215).
    pub const GOST2012_256_SIGNATURE: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.2");
    /// id-tc26-signwithdigest-gost3410-12-512 (RFC 9215).
    pub const GOST2012_512_SIGNATURE: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.3");
    /// id-tc26-gost3411-12-256 (RFC 9215): Streebog-256.
    pub const STREEBOG256: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.2");
    /// id-tc26-gost3411-12-512 (RFC 9215): Streebog-512.
    pub const STREEBOG512: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.3");
    /// id-GostR3411-94 (RFC 4357). Without parameters it means the CryptoPro S-boxes, so
    /// [`Digest::from_oid`](super::Digest::from_oid) does not map it to the NCA's Test-parameter hash.
    pub const GOST3411_94: Oid = Oid::new_unwrap("1.2.643.2.2.9");

    /// id-tc26-gost-3410-12-512-paramSetA.
    pub const TC26_512_A: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.1");
    /// id-tc26-gost-3410-12-512-paramSetB.
    pub const TC26_512_B: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.2");
    /// id-tc26-gost-3410-2012-512-paramSetC.
    pub const TC26_512_C: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.2.3");
    /// id-tc26-gost-3410-2012-256-paramSetA.
    pub const TC26_256_A: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.1");
    /// id-tc26-gost-3410-2012-256-paramSetB: the CryptoPro-A curve under a TC26 name (RFC 9215 §5.1).
    pub const TC26_256_B: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.2");
    /// id-tc26-gost-3410-2012-256-paramSetC: the CryptoPro-B curve under a TC26 name.
    pub const TC26_256_C: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.3");
    /// id-tc26-gost-3410-2012-256-paramSetD: the CryptoPro-C curve under a TC26 name.
    pub const TC26_256_D: Oid = Oid::new_unwrap("1.2.643.7.1.2.1.1.4");
    /// id-GostR3410-2001-CryptoPro-A-ParamSet.
    pub const CRYPTOPRO_A: Oid = Oid::new_unwrap("1.2.643.2.2.35.1");
    /// id-GostR3410-2001-CryptoPro-B-ParamSet.
    pub const CRYPTOPRO_B: Oid = Oid::new_unwrap("1.2.643.2.2.35.2");
    /// id-GostR3410-2001-CryptoPro-C-ParamSet.
    pub const CRYPTOPRO_C: Oid = Oid::new_unwrap("1.2.643.2.2.35.3");
    /// id-GostR3410-2001-CryptoPro-XchA-ParamSet (the CryptoPro-A curve).
    pub const CRYPTOPRO_XCH_A: Oid = Oid::new_unwrap("1.2.643.2.2.36.0");
    /// id-GostR3410-2001-CryptoPro-XchB-ParamSet (the CryptoPro-C curve).
    pub const CRYPTOPRO_XCH_B: Oid = Oid::new_unwrap("1.2.643.2.2.36.1");
}

/// Why a GOST key, digest or signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GostError {
    /// The signature is well formed but does not verify, or r or s is out of range.
    #[error("the signature does not verify")]
    BadSignature,
    /// The signature is not 2 × the coordinate size.
    #[error("signature of {got} bytes, expected {expected}")]
    SignatureLength { got: usize, expected: usize },
    /// The digest does not have the coordinate size (Streebog-512 goes with 512-bit curves, the
    /// 256-bit hashes with 256-bit curves).
    #[error("digest of {got} bytes, the curve takes {expected}")]
    DigestLength { got: usize, expected: usize },
    /// The public key encoding has the wrong size or structure.
    #[error("public key encoding: {0}")]
    KeyEncoding(String),
    /// The public key is not a point of the curve's subgroup of order q.
    #[error("the public key is not a point of the curve's group of order q")]
    InvalidPoint,
    /// The private key is not an integer in 0 < d < q of the curve's size.
    #[error("the private key is not an integer in 0 < d < q")]
    InvalidPrivateKey,
    /// An algorithm, curve or key format this module does not know.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// A GOST R 34.10 curve (parameter set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// id-tc26-gost-3410-12-512-paramSetA (1.2.643.7.1.2.1.2.1): the NCA's GOST 2015-512 curve,
    /// named by the NCA 1.2.398.3.10.1.1.2.2.1.
    Tc26Gost512A,
    /// id-tc26-gost-3410-12-512-paramSetB (1.2.643.7.1.2.1.2.2).
    Tc26Gost512B,
    /// id-tc26-gost-3410-2012-512-paramSetC (1.2.643.7.1.2.1.2.3), cofactor 4.
    Tc26Gost512C,
    /// id-tc26-gost-3410-2012-256-paramSetA (1.2.643.7.1.2.1.1.1), cofactor 4; by third-party
    /// reports the NCA's GOST 2015-256 curve (1.2.398.3.10.1.1.2.1.1).
    Tc26Gost256A,
    /// id-GostR3410-2001-CryptoPro-A-ParamSet (1.2.643.2.2.35.1; also TC26 256-paramSetB): the
    /// curve of the NCA's GOST 34.310-2004 keys (by third-party reports named 1.2.398.3.10.1.1.1.1.1).
    CryptoProA,
    /// id-GostR3410-2001-CryptoPro-B-ParamSet (1.2.643.2.2.35.2; also TC26 256-paramSetC).
    CryptoProB,
    /// id-GostR3410-2001-CryptoPro-C-ParamSet (1.2.643.2.2.35.3; also TC26 256-paramSetD).
    CryptoProC,
    /// id-GostR3410-2001-CryptoPro-XchA-ParamSet (1.2.643.2.2.36.0): the CryptoPro-A curve.
    CryptoProXchA,
    /// id-GostR3410-2001-CryptoPro-XchB-ParamSet (1.2.643.2.2.36.1): the CryptoPro-C curve.
    CryptoProXchB,
}

impl Curve {
    /// Every curve, in declaration order.
    pub const ALL: [Curve; 9] = [
        Curve::Tc26Gost512A,
        Curve::Tc26Gost512B,
        Curve::Tc26Gost512C,
        Curve::Tc26Gost256A,
        Curve::CryptoProA,
        Curve::CryptoProB,
        Curve::CryptoProC,
        Curve::CryptoProXchA,
        Curve::CryptoProXchB,
    ];

    /// The curve a parameter-set OID names, Russian or NCA.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Curve> {
        Some(match *oid {
            oid::TC26_512_A | oid::NCA_GOST2015_512_PARAM_A => Curve::Tc26Gost512A,
            oid::TC26_512_B => Curve::Tc26Gost512B,
            oid::TC26_512_C => Curve::Tc26Gost512C,
            oid::TC26_256_A | oid::NCA_GOST2015_256_PARAM_A => Curve::Tc26Gost256A,
            oid::CRYPTOPRO_A | oid::TC26_256_B | oid::NCA_GOST2004_PARAM_A => Curve::CryptoProA,
            oid::CRYPTOPRO_B | oid::TC26_256_C => Curve::CryptoProB,
            oid::CRYPTOPRO_C | oid::TC26_256_D => Curve::CryptoProC,
            oid::CRYPTOPRO_XCH_A => Curve::CryptoProXchA,
            oid::CRYPTOPRO_XCH_B => Curve::CryptoProXchB,
            _ => return None,
        })
    }

    /// The curve's Russian (RFC 4357 / TC26) parameter-set OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Curve::Tc26Gost512A => oid::TC26_512_A,
            Curve::Tc26Gost512B => oid::TC26_512_B,
            Curve::Tc26Gost512C => oid::TC26_512_C,
            Curve::Tc26Gost256A => oid::TC26_256_A,
            Curve::CryptoProA => oid::CRYPTOPRO_A,
            Curve::CryptoProB => oid::CRYPTOPRO_B,
            Curve::CryptoProC => oid::CRYPTOPRO_C,
            Curve::CryptoProXchA => oid::CRYPTOPRO_XCH_A,
            Curve::CryptoProXchB => oid::CRYPTOPRO_XCH_B,
        }
    }

    /// The size of a coordinate, of the digest and of each signature half, in bytes: 64 or 32.
    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::Tc26Gost512A | Curve::Tc26Gost512B | Curve::Tc26Gost512C => 64,
            _ => 32,
        }
    }

    /// The standard name of the parameter set.
    pub fn name(self) -> &'static str {
        match self {
            Curve::Tc26Gost512A => "id-tc26-gost-3410-12-512-paramSetA",
            Curve::Tc26Gost512B => "id-tc26-gost-3410-12-512-paramSetB",
            Curve::Tc26Gost512C => "id-tc26-gost-3410-2012-512-paramSetC",
            Curve::Tc26Gost256A => "id-tc26-gost-3410-2012-256-paramSetA",
            Curve::CryptoProA => "id-GostR3410-2001-CryptoPro-A-ParamSet",
            Curve::CryptoProB => "id-GostR3410-2001-CryptoPro-B-ParamSet",
            Curve::CryptoProC => "id-GostR3410-2001-CryptoPro-C-ParamSet",
            Curve::CryptoProXchA => "id-GostR3410-2001-CryptoPro-XchA-ParamSet",
            Curve::CryptoProXchB => "id-GostR3410-2001-CryptoPro-XchB-ParamSet",
        }
    }

    /// The parameter set behind the name: the Xch sets reuse the A and C curves.
    fn params(self) -> ParamSet {
        match self {
            Curve::Tc26Gost512A => ParamSet::Tc26Gost512A,
            Curve::Tc26Gost512B => ParamSet::Tc26Gost512B,
            Curve::Tc26Gost512C => ParamSet::Tc26Gost512C,
            Curve::Tc26Gost256A => ParamSet::Tc26Gost256A,
            Curve::CryptoProA | Curve::CryptoProXchA => ParamSet::CryptoProA,
            Curve::CryptoProB => ParamSet::CryptoProB,
            Curve::CryptoProC | Curve::CryptoProXchB => ParamSet::CryptoProC,
        }
    }
}

/// A GOST hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Digest {
    /// Streebog-256 (GOST R 34.11-2012, RFC 6986).
    Streebog256,
    /// Streebog-512 (GOST R 34.11-2012, RFC 6986).
    Streebog512,
    /// GOST R 34.11-94 with the Test S-box parameters (RFC 5831): the NCA's GOST 34.311-95.
    Gost94Test,
}

impl Digest {
    /// The hash a digest-algorithm OID names: NCA's 1.2.398.3.10.1.3.{1,2,3} or the Russian
    /// Streebog OIDs. id-GostR3411-94 (1.2.643.2.2.9) is not mapped: without parameters it means the
    /// CryptoPro S-boxes, not the Test ones.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Digest> {
        Some(match *oid {
            oid::STREEBOG256 | oid::NCA_STREEBOG256 => Digest::Streebog256,
            oid::STREEBOG512 | oid::NCA_STREEBOG512 => Digest::Streebog512,
            oid::NCA_GOST34311 => Digest::Gost94Test,
            _ => return None,
        })
    }

    /// The hash a GOST signature-algorithm OID (NCA or Russian) implies.
    pub fn from_signature_oid(oid: &ObjectIdentifier) -> Option<Digest> {
        Some(match *oid {
            oid::NCA_GOST2015_512_SIGNATURE | oid::GOST2012_512_SIGNATURE => Digest::Streebog512,
            oid::NCA_GOST2015_256_SIGNATURE | oid::GOST2012_256_SIGNATURE => Digest::Streebog256,
            oid::NCA_GOST2004_SIGNATURE => Digest::Gost94Test,
            _ => return None,
        })
    }

    /// The Russian OID. For [`Digest::Gost94Test`] that is id-GostR3411-94, which then needs the
    /// parameter set id-GostR3411-94-TestParamSet (1.2.643.2.2.30.0) beside it.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Digest::Streebog256 => oid::STREEBOG256,
            Digest::Streebog512 => oid::STREEBOG512,
            Digest::Gost94Test => oid::GOST3411_94,
        }
    }

    /// The NCA's OID.
    pub fn nca_oid(self) -> ObjectIdentifier {
        match self {
            Digest::Streebog256 => oid::NCA_STREEBOG256,
            Digest::Streebog512 => oid::NCA_STREEBOG512,
            Digest::Gost94Test => oid::NCA_GOST34311,
        }
    }

    /// The digest size in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Digest::Streebog512 => 64,
            Digest::Streebog256 | Digest::Gost94Test => 32,
        }
    }

    /// The hash of `data`, bytes in the order the hash functions define (and the NCA signs).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Digest::Streebog256 => streebog::Streebog256::digest(data).to_vec(),
            Digest::Streebog512 => streebog::Streebog512::digest(data).to_vec(),
            Digest::Gost94Test => gost94::Gost94Test::digest(data).to_vec(),
        }
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Digest::Streebog256 => "streebog256",
            Digest::Streebog512 => "streebog512",
            Digest::Gost94Test => "gost34311-95",
        }
    }
}

/// Declares the parameter sets and the per-set point and scalar holders, with the dispatch from a
/// runtime [`Curve`] to the generic code of `scheme`.
macro_rules! param_sets {
    ($($set:ident => $params:ty),* $(,)?) => {
        /// A distinct set of curve parameters (the Xch names share A's and C's).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum ParamSet {
            $($set,)*
        }

        /// A validated public point Q.
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Point {
            $($set(AffinePoint<$params>),)*
        }

        /// A private scalar d, 0 < d < q.
        enum Secret {
            $($set(elliptic_curve::Scalar<$params>),)*
        }

        impl Point {
            fn decode(set: ParamSet, x: &[u8], y: &[u8]) -> Result<Point, GostError> {
                match set {
                    $(ParamSet::$set => scheme::decode_point::<$params>(x, y).map(Point::$set),)*
                }
            }

            /// The big-endian coordinates (x, y).
            fn coordinates(&self) -> (Vec<u8>, Vec<u8>) {
                match self {
                    $(Point::$set(q) => {
                        let (x, y) = scheme::encode_point::<$params>(q);
                        (x.to_vec(), y.to_vec())
                    })*
                }
            }

            fn verify(&self, alpha: &[u8], r: &[u8], s: &[u8]) -> Result<(), GostError> {
                match self {
                    $(Point::$set(q) => scheme::verify::<$params>(q, alpha, r, s),)*
                }
            }
        }

        impl Secret {
            fn decode(set: ParamSet, d: &[u8]) -> Result<Secret, GostError> {
                match set {
                    $(ParamSet::$set => scheme::decode_scalar::<$params>(d).map(Secret::$set),)*
                }
            }

            fn public_point(&self) -> Point {
                match self {
                    $(Secret::$set(d) => Point::$set(scheme::public_point::<$params>(d)),)*
                }
            }

            /// (r, s) big-endian.
            fn sign(&self, alpha: &[u8]) -> Result<(Vec<u8>, Vec<u8>), GostError> {
                match self {
                    $(Secret::$set(d) => {
                        let (r, s) = scheme::sign::<$params>(d, alpha)?;
                        Ok((r.to_vec(), s.to_vec()))
                    })*
                }
            }
        }

        impl Zeroize for Secret {
            fn zeroize(&mut self) {
                match self {
                    $(Secret::$set(d) => d.zeroize(),)*
                }
            }
        }
    };
}

param_sets! {
    Tc26Gost512A => tc26_512_a::Tc26Gost512A,
    Tc26Gost512B => tc26_512_b::Tc26Gost512B,
    Tc26Gost512C => tc26_512_c::Tc26Gost512C,
    Tc26Gost256A => tc26_256_a::Tc26Gost256A,
    CryptoProA => cryptopro_a::CryptoProA,
    CryptoProB => cryptopro_b::CryptoProB,
    CryptoProC => cryptopro_c::CryptoProC,
}

/// A GOST R 34.10 public key Q on a known curve, checked to be a point of the subgroup of order q.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    curve: Curve,
    point: Point,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("curve", &self.curve)
            .field("nca_bytes", &hex::encode(self.to_nca_bytes()))
            .finish()
    }
}

impl PublicKey {
    /// From the NCA's X‖Y, each coordinate little-endian (2 × [`Curve::coordinate_len`] bytes).
    pub fn from_nca_bytes(curve: Curve, xy: &[u8]) -> Result<PublicKey, GostError> {
        let n = curve.coordinate_len();
        if xy.len() != 2 * n {
            return Err(GostError::KeyEncoding(format!(
                "{} bytes, expected X‖Y of {} bytes",
                xy.len(),
                2 * n
            )));
        }
        let (x, y) = xy.split_at(n);
        let point = Point::decode(curve.params(), &reversed(x), &reversed(y))?;
        Ok(PublicKey { curve, point })
    }

    /// From the contents of a certificate's subjectPublicKey BIT STRING: a DER OCTET STRING
    /// holding X‖Y little-endian. RFC 4491 §2.3.2 and RFC 9215 §4.3 prescribe this layout, and the
    /// NCA's certificates follow it (checked on its test CA).
    pub fn from_subject_public_key(curve: Curve, bits: &[u8]) -> Result<PublicKey, GostError> {
        let xy = OctetStringRef::from_der(bits).map_err(|e| {
            GostError::KeyEncoding(format!("subjectPublicKey is not a DER OCTET STRING: {e}"))
        })?;
        PublicKey::from_nca_bytes(curve, xy.as_bytes())
    }

    /// From a DER SubjectPublicKeyInfo with an NCA or Russian GOST key algorithm. The curve comes
    /// from the parameters' publicKeyParamSet (RFC 4491 §2.3.1: a SEQUENCE whose first element is
    /// the curve OID; a bare OID is accepted too); its size must match the key algorithm.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, GostError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| GostError::KeyEncoding(format!("SubjectPublicKeyInfo: {e}")))?;
        let curve = curve_of_algorithm(&spki.algorithm)?;
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| GostError::KeyEncoding("BIT STRING with unused bits".into()))?;
        PublicKey::from_subject_public_key(curve, bits)
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// X‖Y, each coordinate little-endian (the NCA's and RFC 4491's layout).
    pub fn to_nca_bytes(&self) -> Vec<u8> {
        let (x, y) = self.point.coordinates();
        let mut xy = reversed(&x);
        xy.extend_from_slice(&reversed(&y));
        xy
    }

    /// The subjectPublicKey BIT STRING contents: DER OCTET STRING { X‖Y little-endian }, as in
    /// RFC 4491 / RFC 9215 and in the NCA's certificates.
    pub fn to_subject_public_key(&self) -> Vec<u8> {
        let xy = self.to_nca_bytes();
        // A 64- or 128-byte OCTET STRING always encodes.
        OctetStringRef::new(&xy)
            .and_then(|o| o.to_der())
            .unwrap_or_default()
    }

    /// Verifies an NCA signature (r‖s, halves little-endian) over `digest` (the hash output as
    /// the hash function produced it; read as a little-endian integer).
    pub fn verify_nca(&self, digest: &[u8], signature: &[u8]) -> Result<(), GostError> {
        let n = self.curve.coordinate_len();
        if digest.len() != n {
            return Err(GostError::DigestLength {
                got: digest.len(),
                expected: n,
            });
        }
        if signature.len() != 2 * n {
            return Err(GostError::SignatureLength {
                got: signature.len(),
                expected: 2 * n,
            });
        }
        let (r, s) = signature.split_at(n);
        self.point
            .verify(&reversed(digest), &reversed(r), &reversed(s))
    }
}

/// A GOST R 34.10 private key d, wiped from memory when dropped.
pub struct SigningKey {
    curve: Curve,
    secret: Secret,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl ZeroizeOnDrop for SigningKey {}

impl SigningKey {
    /// From d little-endian, exactly [`Curve::coordinate_len`] bytes: the NCA's GOST 2015 keys
    /// (PKCS#8 privateKey = OCTET STRING { OCTET STRING (d) }), as RFC 9215 keys.
    pub fn from_le_bytes(curve: Curve, d: &[u8]) -> Result<SigningKey, GostError> {
        if d.len() != curve.coordinate_len() {
            return Err(GostError::InvalidPrivateKey);
        }
        let be = Zeroizing::new(reversed(d));
        SigningKey::from_fixed_be(curve, &be)
    }

    /// From d big-endian as the contents of a DER INTEGER (leading zero bytes allowed): the NCA's
    /// GOST 34.310-2004 keys (PKCS#8 privateKey = OCTET STRING { INTEGER d }).
    pub fn from_be_bytes(curve: Curve, d: &[u8]) -> Result<SigningKey, GostError> {
        let n = curve.coordinate_len();
        let start = d.iter().position(|&b| b != 0).unwrap_or(d.len());
        let significant = &d[start..];
        if significant.len() > n {
            return Err(GostError::InvalidPrivateKey);
        }
        let mut be = Zeroizing::new(vec![0u8; n]);
        be[n - significant.len()..].copy_from_slice(significant);
        SigningKey::from_fixed_be(curve, &be)
    }

    /// From a DER PKCS#8 PrivateKeyInfo (unencrypted) with an NCA or Russian GOST key algorithm.
    /// privateKey holds OCTET STRING { d little-endian } (NCA 2015), INTEGER d big-endian (NCA
    /// 2004), or d little-endian unwrapped (OpenSSL's GOST engine).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, GostError> {
        let bad = |e: der::Error| GostError::KeyEncoding(format!("PKCS#8 PrivateKeyInfo: {e}"));
        let mut reader = SliceReader::new(der).map_err(bad)?;
        let (curve, private_key) = reader
            .sequence(|r| {
                let _version: u8 = r.decode()?;
                let algorithm: AlgorithmIdentifierRef<'_> = r.decode()?;
                let private_key: OctetStringRef<'_> = r.decode()?;
                // attributes [0] and publicKey [1] (RFC 5958) are not needed.
                while !r.is_finished() {
                    let _: AnyRef<'_> = r.decode()?;
                }
                Ok((algorithm, private_key))
            })
            .map_err(bad)?;
        reader.finish(()).map_err(bad)?;
        let curve = curve_of_algorithm(&curve)?;
        let contents = private_key.as_bytes();
        match AnyRef::from_der(contents) {
            Ok(inner) if inner.tag() == Tag::OctetString => {
                SigningKey::from_le_bytes(curve, inner.value())
            }
            Ok(inner) if inner.tag() == Tag::Integer => {
                let d = UintRef::try_from(inner).map_err(|_| GostError::InvalidPrivateKey)?;
                SigningKey::from_be_bytes(curve, d.as_bytes())
            }
            // OpenSSL's GOST engine stores d little-endian directly in privateKey. The wrapped
            // forms are tried first: they are the NCA's, and a bare d parses as one of them only
            // with a probability of about 2^-15.
            _ if contents.len() == curve.coordinate_len() => {
                SigningKey::from_le_bytes(curve, contents)
            }
            Ok(inner) => Err(GostError::Unsupported(format!(
                "GOST private key encoded as {}",
                inner.tag()
            ))),
            Err(e) => Err(bad(e)),
        }
    }

    fn from_fixed_be(curve: Curve, d: &[u8]) -> Result<SigningKey, GostError> {
        Ok(SigningKey {
            curve,
            secret: Secret::decode(curve.params(), d)?,
        })
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// Q = d·P.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            curve: self.curve,
            point: self.secret.public_point(),
        }
    }

    /// Signs `digest` (the hash output, read as a little-endian integer) and returns r‖s with
    /// each half little-endian, the NCA layout. The digest must have the coordinate size.
    pub fn sign_nca(&self, digest: &[u8]) -> Result<Vec<u8>, GostError> {
        let n = self.curve.coordinate_len();
        if digest.len() != n {
            return Err(GostError::DigestLength {
                got: digest.len(),
                expected: n,
            });
        }
        let (r, s) = self.secret.sign(&reversed(digest))?;
        let mut signature = reversed(&r);
        signature.extend_from_slice(&reversed(&s));
        Ok(signature)
    }
}

/// An NCA signature (r‖s, halves little-endian) in the RFC 4491 / RFC 9215 layout used by
/// OpenSSL's GOST engine and Russian software (s‖r, halves big-endian): the exact byte reversal.
pub fn signature_nca_to_rfc4491(signature: &[u8]) -> Vec<u8> {
    reversed(signature)
}

/// An RFC 4491 signature (s‖r, halves big-endian) in the NCA layout (r‖s, halves little-endian).
pub fn signature_rfc4491_to_nca(signature: &[u8]) -> Vec<u8> {
    reversed(signature)
}

/// The curve of a GOST key algorithm identifier (NCA or Russian), checked against the key size the
/// algorithm OID implies.
fn curve_of_algorithm(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<Curve, GostError> {
    let size = match algorithm.oid {
        oid::NCA_GOST2015_512_KEY | oid::GOST2012_512_KEY => 64,
        oid::NCA_GOST2015_256_KEY
        | oid::NCA_GOST2004_KEY
        | oid::GOST2012_256_KEY
        | oid::GOST2001_KEY => 32,
        other => return Err(GostError::Unsupported(format!("key algorithm {other}"))),
    };
    let params = algorithm
        .parameters
        .ok_or_else(|| GostError::KeyEncoding("GOST key without parameters".into()))?;
    let curve_oid = if params.tag() == Tag::ObjectIdentifier {
        params.decode_as::<ObjectIdentifier>()
    } else {
        params.sequence(|r| {
            let curve: ObjectIdentifier = r.decode()?;
            // digestParamSet and encryptionParamSet (RFC 4491 §2.3.1) do not affect the curve.
            while !r.is_finished() {
                let _: AnyRef<'_> = r.decode()?;
            }
            Ok(curve)
        })
    }
    .map_err(|e| GostError::KeyEncoding(format!("GOST key parameters: {e}")))?;
    let curve = Curve::from_oid(&curve_oid)
        .ok_or_else(|| GostError::Unsupported(format!("GOST curve {curve_oid}")))?;
    if curve.coordinate_len() != size {
        return Err(GostError::KeyEncoding(format!(
            "{} key algorithm with the {}-byte curve {}",
            algorithm.oid,
            curve.coordinate_len(),
            curve.name()
        )));
    }
    Ok(curve)
}

fn reversed(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().rev().copied().collect()
}
