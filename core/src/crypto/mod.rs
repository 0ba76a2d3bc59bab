//! Signature verification: RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA P-256 and GOST R 34.10 in the NCA
//! byte order (2015 with 512- and 256-bit keys and Streebog, 2004 with GOST 34.311-95), plus the
//! digests CMS needs.
//!
//! Fast paths go through `ring`; RSASSA-PSS goes through `rsa`, because `ring` only accepts a salt as
//! long as the hash while OpenSSL signs with the maximum salt length by default; GOST goes through
//! [`gost`].

pub mod gost;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode, Sequence};
use ring::signature as ring_sig;
use sha2::Digest;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const PRIME256V1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("unusable public key: {0}")]
    BadKey(String),
}

impl CryptoError {
    /// The error as a phrase (its `Display` is this phrase in English).
    pub fn phrase(&self) -> crate::phrase::Phrase {
        use crate::phrase::{Phrase, PhraseKey};
        match self {
            CryptoError::Unsupported(what) => {
                Phrase::new(PhraseKey::UnsupportedAlgorithm).text("what", what.clone())
            }
            CryptoError::BadSignature => Phrase::new(PhraseKey::BadSignatureValue),
            CryptoError::BadKey(why) => {
                Phrase::new(PhraseKey::UnusableKey).text("why", why.clone())
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
    /// Streebog-256/512 or GOST 34.311-95, for GOST signatures.
    Gost(gost::Digest),
}

impl HashAlg {
    /// Every digest this service computes.
    pub const ALL: [HashAlg; 6] = [
        HashAlg::Sha256,
        HashAlg::Sha384,
        HashAlg::Sha512,
        HashAlg::Gost(gost::Digest::Streebog512),
        HashAlg::Gost(gost::Digest::Streebog256),
        HashAlg::Gost(gost::Digest::Gost94Test),
    ];

    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, CryptoError> {
        match *oid {
            oid::SHA256 => Ok(HashAlg::Sha256),
            oid::SHA384 => Ok(HashAlg::Sha384),
            oid::SHA512 => Ok(HashAlg::Sha512),
            other => match gost::Digest::from_oid(&other) {
                Some(digest) => Ok(HashAlg::Gost(digest)),
                None => Err(CryptoError::Unsupported(format!(
                    "digest {}",
                    describe_oid(&other)
                ))),
            },
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
            HashAlg::Gost(digest) => digest.digest(data),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
            HashAlg::Gost(digest) => digest.name(),
        }
    }
}

/// A signature algorithm this service implements, with everything needed to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    RsaPkcs1(HashAlg),
    RsaPss {
        hash: HashAlg,
        salt_len: usize,
    },
    EcdsaP256Sha256,
    /// GOST R 34.10 with this hash; the curve comes from the key, and its size must be the
    /// hash's (Streebog-512 with 512-bit keys, the 256-bit hashes with 256-bit keys).
    Gost(gost::Digest),
}

/// What a SignerInfo's signatureAlgorithm says on its own, without the digestAlgorithm: the
/// signature algorithms it can stand for. Used to show an alteration when the digestAlgorithm is
/// unknown or does not fit (CONTRACT §4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImpliedAlgorithms {
    /// Every supported algorithm the signatureAlgorithm admits.
    pub candidates: Vec<SignatureAlgorithm>,
    /// The signatureAlgorithm names its hash itself (sha256WithRSAEncryption, RSASSA-PSS with its
    /// parameters, ecdsa-with-SHA256, a GOST signature OID): a signature that fails with the one
    /// candidate fails, whatever the digestAlgorithm says. False for a bare key OID
    /// (rsaEncryption, a GOST key), which leaves the hash to the digestAlgorithm: the signer may
    /// have used a hash this service does not implement, so no failure proves anything.
    pub conclusive: bool,
}

/// RSASSA-PSS-params (RFC 4055) with a salt length wide enough for any key size.
#[derive(Sequence)]
struct PssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

pub fn describe_oid(oid: &ObjectIdentifier) -> String {
    match const_oid::db::DB.by_oid(oid) {
        Some(name) => format!("{name} ({oid})"),
        None => oid.to_string(),
    }
}

fn pss_from_params(params: Option<AnyRef<'_>>) -> Result<SignatureAlgorithm, CryptoError> {
    let bad = |why: &str| CryptoError::Unsupported(format!("RSASSA-PSS parameters: {why}"));
    let params = params.ok_or_else(|| bad("absent"))?;
    let params: PssParams<'_> = params
        .decode_as()
        .map_err(|_| bad("not RSASSA-PSS-params"))?;
    // The defaults are SHA-1 everywhere, which this service does not accept.
    let hash_id = params.hash.ok_or_else(|| bad("default hash SHA-1"))?;
    let hash = HashAlg::from_oid(&hash_id.oid)?;
    if let HashAlg::Gost(_) = hash {
        return Err(rsa_with_gost_hash());
    }
    let mgf = params
        .mask_gen
        .ok_or_else(|| bad("default MGF1 with SHA-1"))?;
    if mgf.oid != oid::MGF1 {
        return Err(bad("mask generation is not MGF1"));
    }
    let mgf_hash: AlgorithmIdentifierRef<'_> = mgf
        .parameters
        .ok_or_else(|| bad("MGF1 without a hash"))?
        .decode_as()
        .map_err(|_| bad("MGF1 hash unreadable"))?;
    if HashAlg::from_oid(&mgf_hash.oid)? != hash {
        return Err(bad("MGF1 hash differs from the message hash"));
    }
    if params.trailer.unwrap_or(1) != 1 {
        return Err(bad("trailer field is not 1"));
    }
    let salt_len = params.salt_len.unwrap_or(20) as usize;
    Ok(SignatureAlgorithm::RsaPss { hash, salt_len })
}

impl SignatureAlgorithm {
    /// From the signatureAlgorithm of a certificate or CRL (the hash is part of the OID).
    pub fn from_identifier(alg: &AlgorithmIdentifierRef<'_>) -> Result<Self, CryptoError> {
        match alg.oid {
            oid::SHA256_WITH_RSA => Ok(Self::RsaPkcs1(HashAlg::Sha256)),
            oid::SHA384_WITH_RSA => Ok(Self::RsaPkcs1(HashAlg::Sha384)),
            oid::SHA512_WITH_RSA => Ok(Self::RsaPkcs1(HashAlg::Sha512)),
            oid::RSASSA_PSS => pss_from_params(alg.parameters),
            oid::ECDSA_SHA256 => Ok(Self::EcdsaP256Sha256),
            other => match gost::Digest::from_signature_oid(&other) {
                Some(digest) => Ok(Self::Gost(digest)),
                None => Err(CryptoError::Unsupported(format!(
                    "signature {}",
                    describe_oid(&other)
                ))),
            },
        }
    }

    /// From a CMS SignerInfo, where RSA PKCS#1 is often written as bare rsaEncryption and the
    /// hash comes from the digestAlgorithm.
    pub fn from_cms(
        digest: &AlgorithmIdentifierRef<'_>,
        signature: &AlgorithmIdentifierRef<'_>,
    ) -> Result<(HashAlg, Self), CryptoError> {
        let digest = HashAlg::from_oid(&digest.oid)?;
        let alg = if signature.oid == oid::RSA_ENCRYPTION {
            if let HashAlg::Gost(_) = digest {
                return Err(rsa_with_gost_hash());
            }
            Self::RsaPkcs1(digest)
        } else if let (true, HashAlg::Gost(hash)) = (is_gost_key(&signature.oid), digest) {
            // Like rsaEncryption, a GOST key OID in the SignerInfo leaves the hash to the
            // digestAlgorithm.
            Self::Gost(hash)
        } else {
            Self::from_identifier(signature)?
        };
        if alg.hash() != digest {
            return Err(CryptoError::Unsupported(format!(
                "signature hash {} differs from digest algorithm {}",
                alg.hash().name(),
                digest.name()
            )));
        }
        Ok((digest, alg))
    }

    /// The algorithms a SignerInfo's signatureAlgorithm admits by itself (see
    /// [`ImpliedAlgorithms`]).
    pub fn implied_by_cms(signature: &AlgorithmIdentifierRef<'_>) -> ImpliedAlgorithms {
        // A bare key OID (rsaEncryption, as OpenSSL writes it, or a GOST key) leaves the hash
        // open. Tested first: `from_identifier` would build an error message naming the OID
        // (a search of the OID database) on every such signature.
        if signature.oid == oid::RSA_ENCRYPTION || is_gost_key(&signature.oid) {
            return ImpliedAlgorithms {
                candidates: Self::for_key(&signature.oid),
                conclusive: false,
            };
        }
        match Self::from_identifier(signature) {
            Ok(alg) => ImpliedAlgorithms {
                candidates: vec![alg],
                conclusive: true,
            },
            // A bare key OID leaves the hash open.
            Err(_) => ImpliedAlgorithms {
                candidates: Self::for_key(&signature.oid),
                conclusive: false,
            },
        }
    }

    /// What a signer's public key admits, for a signatureAlgorithm this service does not know:
    /// never conclusive (the signer may have used a scheme this service does not implement).
    pub fn implied_by_key(spki_der: &[u8]) -> ImpliedAlgorithms {
        let candidates = match SubjectPublicKeyInfoRef::from_der(spki_der) {
            Ok(spki) if spki.algorithm.oid == oid::EC_PUBLIC_KEY => vec![Self::EcdsaP256Sha256],
            Ok(spki) => Self::for_key(&spki.algorithm.oid),
            Err(_) => Vec::new(),
        };
        ImpliedAlgorithms {
            candidates,
            conclusive: false,
        }
    }

    /// The supported algorithms for an RSA or GOST key OID, one per hash.
    fn for_key(key: &ObjectIdentifier) -> Vec<Self> {
        if *key == oid::RSA_ENCRYPTION {
            [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512]
                .map(Self::RsaPkcs1)
                .to_vec()
        } else if is_gost_key(key) {
            [
                gost::Digest::Streebog512,
                gost::Digest::Streebog256,
                gost::Digest::Gost94Test,
            ]
            .map(Self::Gost)
            .to_vec()
        } else {
            Vec::new()
        }
    }

    pub fn hash(&self) -> HashAlg {
        match *self {
            Self::RsaPkcs1(h) => h,
            Self::RsaPss { hash, .. } => hash,
            Self::EcdsaP256Sha256 => HashAlg::Sha256,
            Self::Gost(digest) => HashAlg::Gost(digest),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Self::RsaPkcs1(h) => format!("rsa-pkcs1-{}", h.name()),
            Self::RsaPss { hash, salt_len } => format!("rsa-pss-{}-salt{salt_len}", hash.name()),
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256".to_owned(),
            Self::Gost(gost::Digest::Streebog512) => "gost2015-512-streebog512".to_owned(),
            Self::Gost(gost::Digest::Streebog256) => "gost2015-256-streebog256".to_owned(),
            Self::Gost(gost::Digest::Gost94Test) => "gost2004-gost34311".to_owned(),
        }
    }
}

/// Whether `oid` names a GOST public key (NCA or Russian), as some signers write it in a
/// SignerInfo's signatureAlgorithm.
fn is_gost_key(oid: &ObjectIdentifier) -> bool {
    use gost::oid as g;
    [
        g::NCA_GOST2015_512_KEY,
        g::NCA_GOST2015_256_KEY,
        g::NCA_GOST2004_KEY,
        g::GOST2012_512_KEY,
        g::GOST2012_256_KEY,
        g::GOST2001_KEY,
    ]
    .contains(oid)
}

/// Verifies `signature` over `message` with the key in a DER SubjectPublicKeyInfo.
pub fn verify(
    alg: SignatureAlgorithm,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| CryptoError::BadKey(format!("SubjectPublicKeyInfo: {e}")))?;
    let key_bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CryptoError::BadKey("public key has unused bits".into()))?;
    let key_oid = spki.algorithm.oid;
    match alg {
        SignatureAlgorithm::Gost(digest) => verify_gost(digest, spki_der, message, signature),
        SignatureAlgorithm::RsaPkcs1(hash) => {
            require_rsa_key(&key_oid)?;
            require_rsa_size(key_bits)?;
            let params: &ring_sig::RsaParameters = match hash {
                HashAlg::Sha256 => &ring_sig::RSA_PKCS1_2048_8192_SHA256,
                HashAlg::Sha384 => &ring_sig::RSA_PKCS1_2048_8192_SHA384,
                HashAlg::Sha512 => &ring_sig::RSA_PKCS1_2048_8192_SHA512,
                HashAlg::Gost(_) => return Err(rsa_with_gost_hash()),
            };
            ring_sig::UnparsedPublicKey::new(params, key_bits)
                .verify(message, signature)
                .map_err(|_| CryptoError::BadSignature)
        }
        SignatureAlgorithm::RsaPss { hash, salt_len } => {
            require_rsa_key(&key_oid)?;
            require_rsa_size(key_bits)?;
            verify_pss(hash, salt_len, key_bits, message, signature)
        }
        SignatureAlgorithm::EcdsaP256Sha256 => {
            if key_oid != oid::EC_PUBLIC_KEY {
                return Err(CryptoError::BadKey(
                    "ECDSA signature with a non-EC key".into(),
                ));
            }
            let curve: Option<ObjectIdentifier> = spki
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            if curve != Some(oid::PRIME256V1) {
                let named = curve.map(|c| describe_oid(&c)).unwrap_or("unnamed".into());
                return Err(CryptoError::Unsupported(format!("elliptic curve {named}")));
            }
            ring_sig::UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_ASN1, key_bits)
                .verify(message, signature)
                .map_err(|_| CryptoError::BadSignature)
        }
    }
}

fn verify_gost(
    digest: gost::Digest,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let key = gost::PublicKey::from_spki_der(spki_der).map_err(|e| match e {
        gost::GostError::Unsupported(why) => CryptoError::Unsupported(why),
        other => CryptoError::BadKey(other.to_string()),
    })?;
    if key.curve().coordinate_len() != digest.output_len() {
        return Err(CryptoError::Unsupported(format!(
            "{} signature with a key on {}",
            digest.name(),
            key.curve().name()
        )));
    }
    key.verify_nca(&digest.digest(message), signature)
        .map_err(|e| match e {
            gost::GostError::Unsupported(why) => CryptoError::Unsupported(why),
            _ => CryptoError::BadSignature,
        })
}

/// RSA is defined here with the SHA-2 hashes only; the parsers never pair it with a GOST hash.
fn rsa_with_gost_hash() -> CryptoError {
    CryptoError::Unsupported("RSA signature with a GOST hash".into())
}

fn require_rsa_key(key_oid: &ObjectIdentifier) -> Result<(), CryptoError> {
    if *key_oid == oid::RSA_ENCRYPTION || *key_oid == oid::RSASSA_PSS {
        Ok(())
    } else {
        Err(CryptoError::Unsupported(format!(
            "RSA signature with a {} key",
            describe_oid(key_oid)
        )))
    }
}

/// The smallest RSA modulus accepted (CONTRACT §3a), for every padding and every use (CMS signers,
/// certificates, CRLs).
const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus verified: `ring`'s limit.
const MAX_RSA_BITS: usize = 8192;

fn rsa_public_key(pkcs1_key: &[u8]) -> Result<rsa::pkcs1::RsaPublicKey<'_>, CryptoError> {
    rsa::pkcs1::RsaPublicKey::from_der(pkcs1_key)
        .map_err(|e| CryptoError::BadKey(format!("RSA public key: {e}")))
}

/// Refuses a key outside the supported sizes before any verification. A weak key is an
/// algorithm question (`unsupported_algorithm`), never "the signature does not verify": `ring`
/// answers a 1024-bit key exactly as it answers a forged signature, so the size is read first.
fn require_rsa_size(pkcs1_key: &[u8]) -> Result<(), CryptoError> {
    let key = rsa_public_key(pkcs1_key)?;
    // `UintRef` holds the modulus without leading zero bytes.
    let modulus = key.modulus.as_bytes();
    let bits = modulus
        .first()
        .map_or(0, |&top| modulus.len() * 8 - top.leading_zeros() as usize);
    if bits < MIN_RSA_BITS {
        Err(CryptoError::Unsupported(format!(
            "weak key: RSA key of {bits} bits (minimum {MIN_RSA_BITS})"
        )))
    } else if bits > MAX_RSA_BITS {
        Err(CryptoError::Unsupported(format!(
            "RSA key of {bits} bits (maximum {MAX_RSA_BITS})"
        )))
    } else {
        Ok(())
    }
}

fn verify_pss(
    hash: HashAlg,
    salt_len: usize,
    pkcs1_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let parts = rsa_public_key(pkcs1_key)?;
    // The size was checked by `require_rsa_size`; `rsa`'s own default ceiling (4096 bits) is
    // lifted to the one `ring` applies to PKCS#1, so both paddings accept the same keys.
    let key = rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(parts.modulus.as_bytes()),
        rsa::BigUint::from_bytes_be(parts.public_exponent.as_bytes()),
        MAX_RSA_BITS,
    )
    .map_err(|e| CryptoError::BadKey(format!("RSA public key: {e}")))?;
    let hashed = hash.digest(message);
    let scheme = match hash {
        HashAlg::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt_len),
        HashAlg::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt_len),
        HashAlg::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt_len),
        HashAlg::Gost(_) => return Err(rsa_with_gost_hash()),
    };
    key.verify(scheme, &hashed, signature)
        .map_err(|_| CryptoError::BadSignature)
}
