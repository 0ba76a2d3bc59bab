//! GOST keys of `fixtures/gost/`: derived deterministically from their names, encoded as the NCA
//! encodes them (SubjectPublicKeyInfo, PKCS#8), and signing in the NCA byte order through the
//! verifier's own primitives (`qoltanba_core::gost`).
//!
//! d is the little-endian reading of Streebog(`SEED_PREFIX` ‖ name ‖ counter), with the counter
//! raised until 0 < d < q: the same name always gives the same key, so regenerating the folder
//! gives the same bytes. Signing is deterministic too (RFC 6979 nonces in the core).

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, OctetString, Uint};
use der::{Encode, Sequence, Tag};
use qoltanba_core::gost::{self, oid, Curve, Digest, SigningKey};
use sha1::{Digest as _, Sha1};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::Result;

/// Prefix of the key seeds; changing it changes every key of `fixtures/gost/`.
const SEED_PREFIX: &str = "qoltanba test-pki fixtures/gost key: ";

/// The NCA's digest parameter set of a GOST 34.310-2004 key (GOST 34.311-95 parameters), by
/// analogy with RFC 4491's digestParamSet; named in `nca-test/README.md`, not seen in a real key.
pub const NCA_GOST34311_PARAMS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.10.1.3.1.1.0");

/// id-GostR3411-94 (RFC 4357): GOST R 34.11-94, which without parameters means the CryptoPro
/// S-boxes — a hash the NCA never used.
pub const GOSTR3411_94: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.9");
/// id-GostR3411-94-with-GostR3410-2001 (RFC 4491).
pub const GOSTR3411_94_WITH_3410_2001: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.2.2.3");

/// The three GOST key kinds of the NCA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GostAlgo {
    /// GOST R 34.10-2015 512-bit (the NCA's only key since 2024): id-tc26-gost-3410-12-512-paramSetA.
    G2015_512,
    /// GOST R 34.10-2015 256-bit: id-tc26-gost-3410-2012-256-paramSetA (unconfirmed NCA curve).
    G2015_256,
    /// GOST 34.310-2004: the CryptoPro-A curve with GOST 34.311-95 (Test S-boxes).
    G2004,
}

impl GostAlgo {
    pub fn curve(self) -> Curve {
        match self {
            GostAlgo::G2015_512 => Curve::Tc26Gost512A,
            GostAlgo::G2015_256 => Curve::Tc26Gost256A,
            GostAlgo::G2004 => Curve::CryptoProA,
        }
    }

    /// The NCA's public-key algorithm OID.
    pub fn key_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgo::G2015_512 => oid::NCA_GOST2015_512_KEY,
            GostAlgo::G2015_256 => oid::NCA_GOST2015_256_KEY,
            GostAlgo::G2004 => oid::NCA_GOST2004_KEY,
        }
    }

    /// The key parameters: SEQUENCE { curve OID, digest (parameter) OID }.
    pub fn key_param_oids(self) -> [ObjectIdentifier; 2] {
        match self {
            GostAlgo::G2015_512 => [oid::NCA_GOST2015_512_PARAM_A, oid::NCA_STREEBOG512],
            GostAlgo::G2015_256 => [oid::NCA_GOST2015_256_PARAM_A, oid::NCA_STREEBOG256],
            GostAlgo::G2004 => [oid::NCA_GOST2004_PARAM_A, NCA_GOST34311_PARAMS],
        }
    }

    /// The NCA's signature algorithm OID of a signature made by such a key.
    pub fn signature_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgo::G2015_512 => oid::NCA_GOST2015_512_SIGNATURE,
            GostAlgo::G2015_256 => oid::NCA_GOST2015_256_SIGNATURE,
            GostAlgo::G2004 => oid::NCA_GOST2004_SIGNATURE,
        }
    }

    /// The hash the signature algorithm implies.
    pub fn digest(self) -> Digest {
        match self {
            GostAlgo::G2015_512 => Digest::Streebog512,
            GostAlgo::G2015_256 => Digest::Streebog256,
            GostAlgo::G2004 => Digest::Gost94Test,
        }
    }

    /// The CMS digestAlgorithm: the NCA's hash OID with NULL parameters (as NCALayer writes
    /// Streebog-512), or for GOST 34.311-95 with its parameter-set OID.
    pub fn digest_algorithm(self) -> Result<AlgorithmIdentifierOwned> {
        let parameters = match self {
            GostAlgo::G2004 => Any::encode_from(&NCA_GOST34311_PARAMS)?,
            _ => Any::null(),
        };
        Ok(AlgorithmIdentifierOwned {
            oid: self.digest().nca_oid(),
            parameters: Some(parameters),
        })
    }

    /// The signature AlgorithmIdentifier: the NCA's OID with NULL parameters, as in the NCA's
    /// certificates, CRLs and NCALayer's SignerInfos.
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.signature_oid(),
            parameters: Some(Any::null()),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GostAlgo::G2015_512 => "gost2015-512",
            GostAlgo::G2015_256 => "gost2015-256",
            GostAlgo::G2004 => "gost2004",
        }
    }
}

/// PKCS#8 PrivateKeyInfo (RFC 5208) as the NCA writes it: no attributes, no public key.
#[derive(Sequence)]
struct PrivateKeyInfo {
    version: u8,
    algorithm: AlgorithmIdentifierOwned,
    private_key: OctetString,
}

/// A deterministic GOST key.
pub struct GostKey {
    pub algo: GostAlgo,
    /// d, little-endian, the coordinate size.
    d_le: Vec<u8>,
    signing: SigningKey,
}

impl GostKey {
    /// The key of the certificate `name`.
    pub fn derive(name: &str, algo: GostAlgo) -> Result<GostKey> {
        let curve = algo.curve();
        let hash = match curve.coordinate_len() {
            64 => Digest::Streebog512,
            _ => Digest::Streebog256,
        };
        for counter in 0u32..1000 {
            let seed = format!("{SEED_PREFIX}{name} {counter}");
            let d_le = hash.digest(seed.as_bytes());
            if let Ok(signing) = SigningKey::from_le_bytes(curve, &d_le) {
                return Ok(GostKey {
                    algo,
                    d_le,
                    signing,
                });
            }
        }
        Err(format!("no GOST key found for {name}").into())
    }

    /// The public key Q = d·P.
    pub fn public_key(&self) -> gost::PublicKey {
        self.signing.public_key()
    }

    /// The AlgorithmIdentifier of the key: OID with SEQUENCE { curve, digest } parameters.
    pub fn key_algorithm(&self) -> Result<AlgorithmIdentifierOwned> {
        let [curve, digest] = self.algo.key_param_oids();
        let mut params = curve.to_der()?;
        params.extend(digest.to_der()?);
        Ok(AlgorithmIdentifierOwned {
            oid: self.algo.key_oid(),
            parameters: Some(Any::new(Tag::Sequence, params)?),
        })
    }

    /// The contents of the subjectPublicKey BIT STRING: OCTET STRING { X‖Y little-endian }.
    pub fn subject_public_key(&self) -> Vec<u8> {
        self.public_key().to_subject_public_key()
    }

    pub fn spki(&self) -> Result<SubjectPublicKeyInfoOwned> {
        Ok(SubjectPublicKeyInfoOwned {
            algorithm: self.key_algorithm()?,
            subject_public_key: BitString::from_bytes(&self.subject_public_key())?,
        })
    }

    /// The key identifier as the NCA computes it (RFC 5280 §4.2.1.2 method 1): SHA-1 of the
    /// subjectPublicKey BIT STRING contents.
    pub fn key_identifier(&self) -> Vec<u8> {
        Sha1::digest(self.subject_public_key()).to_vec()
    }

    /// Unencrypted PKCS#8 DER in the NCA layout: for 2015 keys privateKey = OCTET STRING {
    /// OCTET STRING (d little-endian) }, for 2004 keys OCTET STRING { INTEGER d }.
    pub fn pkcs8_der(&self) -> Result<Vec<u8>> {
        let inner = match self.algo {
            GostAlgo::G2004 => {
                let be: Vec<u8> = self.d_le.iter().rev().copied().collect();
                Uint::new(&be)?.to_der()?
            }
            _ => OctetString::new(self.d_le.clone())?.to_der()?,
        };
        let info = PrivateKeyInfo {
            version: 0,
            algorithm: self.key_algorithm()?,
            private_key: OctetString::new(inner)?,
        };
        let der = info.to_der()?;
        // The verifier's own loader must read it back to the same key.
        let back = SigningKey::from_pkcs8_der(&der)?;
        if back.public_key() != self.public_key() {
            return Err("PKCS#8 round trip changed the key".into());
        }
        Ok(der)
    }

    pub fn pkcs8_pem(&self) -> Result<String> {
        Ok(
            der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &self.pkcs8_der()?)
                .map_err(|e| format!("PEM encoding: {e}"))?,
        )
    }

    /// Signs `message` with the key's own hash: r‖s, each half little-endian (NCA order).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_digest(&self.algo.digest().digest(message))
    }

    /// Signs a ready digest (read little-endian): r‖s, each half little-endian.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>> {
        let signature = self.signing.sign_nca(digest)?;
        // Checked with the verifier's primitive before anything is written.
        self.public_key().verify_nca(digest, &signature)?;
        Ok(signature)
    }
}
