//! Key generation and signing with the generated private keys.

use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, SHA_256_WITH_RSA_ENCRYPTION};
use der::asn1::Any;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rand::rngs::OsRng;
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;

use crate::Result;

/// Key algorithm of a test certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgo {
    /// RSA with the given modulus size in bits.
    Rsa(usize),
    /// ECDSA over NIST P-256.
    P256,
    /// ECDSA over NIST P-384.
    P384,
}

impl KeyAlgo {
    /// Short label used in the manifest.
    pub fn label(self) -> String {
        match self {
            KeyAlgo::Rsa(bits) => format!("rsa-{bits}"),
            KeyAlgo::P256 => "ec-p256".to_string(),
            KeyAlgo::P384 => "ec-p384".to_string(),
        }
    }

    /// Name of the algorithm that certificates signed by a key of this kind use.
    pub fn cert_signature_algorithm(self) -> &'static str {
        match self {
            KeyAlgo::Rsa(_) => "sha256WithRSAEncryption",
            KeyAlgo::P256 => "ecdsa-with-SHA256",
            KeyAlgo::P384 => "ecdsa-with-SHA384",
        }
    }
}

enum Secret {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::SecretKey),
    /// P-384 keys only appear in certificates and in openssl-made signatures.
    P384,
}

/// A generated private key with its PKCS#8 PEM form.
pub struct Key {
    pub algo: KeyAlgo,
    pkcs8_pem: String,
    secret: Secret,
}

impl Key {
    /// Generates a fresh key of the given algorithm.
    pub fn generate(algo: KeyAlgo) -> Result<Key> {
        let (secret, pkcs8_pem) = match algo {
            KeyAlgo::Rsa(bits) => {
                let key = rsa::RsaPrivateKey::new(&mut OsRng, bits)?;
                let pem = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
                (Secret::Rsa(Box::new(key)), pem)
            }
            KeyAlgo::P256 => {
                let key = p256::SecretKey::random(&mut OsRng);
                let pem = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
                (Secret::P256(key), pem)
            }
            KeyAlgo::P384 => {
                let key = p384::SecretKey::random(&mut OsRng);
                let pem = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
                (Secret::P384, pem)
            }
        };
        Ok(Key {
            algo,
            pkcs8_pem,
            secret,
        })
    }

    /// A P-256 key derived from `seed` (its scalar is SHA-256 of the seed): the same key on
    /// every run, so that adding a certificate to the fixtures changes nothing else.
    pub fn p256_from_seed(seed: &str) -> Result<Key> {
        use sha2::Digest;
        let key = p256::SecretKey::from_slice(&Sha256::digest(seed.as_bytes()))?;
        let pem = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
        Ok(Key {
            algo: KeyAlgo::P256,
            pkcs8_pem: pem,
            secret: Secret::P256(key),
        })
    }

    /// Unencrypted PKCS#8 PEM ("PRIVATE KEY").
    pub fn pkcs8_pem(&self) -> &str {
        &self.pkcs8_pem
    }

    /// The key loaded into rcgen, with the signature algorithm used when it issues certificates.
    pub fn rcgen_key_pair(&self) -> Result<rcgen::KeyPair> {
        let alg = match self.algo {
            KeyAlgo::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
            KeyAlgo::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyAlgo::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        };
        Ok(rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(
            &self.pkcs8_pem,
            alg,
        )?)
    }

    /// Algorithm identifier of [`Key::sign_sha256`]: sha256WithRSAEncryption (NULL
    /// parameters) or ecdsa-with-SHA256 (no parameters).
    pub fn sha256_algorithm(&self) -> Result<AlgorithmIdentifierOwned> {
        let (oid, parameters) = match self.algo {
            KeyAlgo::Rsa(_) => (SHA_256_WITH_RSA_ENCRYPTION, Some(Any::null())),
            KeyAlgo::P256 => (ECDSA_WITH_SHA_256, None),
            KeyAlgo::P384 => return Err("P-384 keys do not sign CRLs in this PKI".into()),
        };
        Ok(AlgorithmIdentifierOwned { oid, parameters })
    }

    /// Signs `msg` with SHA-256: PKCS#1 v1.5 for RSA, DER-encoded ECDSA for P-256.
    pub fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>> {
        match &self.secret {
            Secret::Rsa(key) => {
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.as_ref().clone());
                Ok(signer.try_sign(msg)?.to_vec())
            }
            Secret::P256(key) => {
                let signer = p256::ecdsa::SigningKey::from(key);
                let sig: p256::ecdsa::Signature = signer.try_sign(msg)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Secret::P384 => Err("P-384 keys do not sign CRLs in this PKI".into()),
        }
    }
}
