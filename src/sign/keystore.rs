//! Officers' keys: NCA-style PKCS#12 keystores (`.p12`, legacy 3DES/RC2 or modern PBES2/AES) and
//! encrypted PKCS#8 PEM keys, opened with a password from [`PasswordSource`], turned into a
//! [`SigningKey`] (RSA ≥ 2048 bits or ECDSA P-256) that matches the officer's certificate.
//!
//! Decryption is done by maintained crates (`p12-keystore` for PKCS#12, `pkcs8`/`pkcs5` for
//! encrypted PKCS#8); signing by `ring`. The password and every decrypted copy of the key that
//! this module holds live in zeroizing buffers and are wiped as soon as the signing key is built.
//! Two copies are outside this module's reach and are freed without being wiped: the decrypted
//! bags inside `p12-keystore` while it parses a PKCS#12 file, and the key inside `ring`'s key pair
//! (kept for as long as the officer can sign). Neither is ever formatted: [`SigningKey`]'s `Debug`
//! shows the algorithm only.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::Decode;
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, KeyPair};
use zeroize::Zeroizing;

use super::secret::{Password, PasswordSource};
use super::KeyError;
use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::oid::alg as alg_oid;
use qoltanba_core::Certificate;

/// Largest keystore or key file read.
const MAX_KEYSTORE_BYTES: u64 = 1 << 20;
/// Smallest RSA modulus accepted for signing.
pub const MIN_RSA_BITS: usize = 2048;

/// The algorithm of an officer's key; the signature algorithm follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (sha256WithRSAEncryption).
    Rsa { bits: usize },
    /// ECDSA over P-256 with SHA-256 (ecdsa-with-SHA256).
    EcdsaP256,
}

impl KeyAlgorithm {
    /// The name used in verdicts for the same algorithm (`rsa-pkcs1-sha256`, `ecdsa-p256-sha256`).
    pub fn signature_name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa { .. } => "rsa-pkcs1-sha256",
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256-sha256",
        }
    }

    pub fn describe(self) -> String {
        match self {
            KeyAlgorithm::Rsa { bits } => format!("RSA-{bits}"),
            KeyAlgorithm::EcdsaP256 => "ECDSA P-256".to_owned(),
        }
    }
}

enum Inner {
    Rsa(ring_sig::RsaKeyPair),
    Ecdsa(ring_sig::EcdsaKeyPair),
}

/// A private key ready to sign: RSA PKCS#1 v1.5 SHA-256 or ECDSA P-256 SHA-256.
pub struct SigningKey {
    inner: Inner,
    algorithm: KeyAlgorithm,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, <private>)", self.algorithm.describe())
    }
}

const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

impl SigningKey {
    /// From an unencrypted PKCS#8 `PrivateKeyInfo` (DER). The caller wipes `der`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        let info = pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|e| format!("not a PKCS#8 private key: {e}"))?;
        let oid = info.algorithm.oid;
        let rng = SystemRandom::new();
        if oid == alg_oid::RSA_ENCRYPTION {
            let pair = ring_sig::RsaKeyPair::from_pkcs8(der)
                .map_err(|e| format!("RSA key refused: {e}"))?;
            let bits = pair.public().modulus_len() * 8;
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "RSA key of {bits} bits: at least {MIN_RSA_BITS} are required"
                ));
            }
            Ok(SigningKey {
                inner: Inner::Rsa(pair),
                algorithm: KeyAlgorithm::Rsa { bits },
                rng,
            })
        } else if oid == alg_oid::EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            if curve != Some(PRIME256V1) {
                let named = curve
                    .map(|c| qoltanba_core::oid::describe(&c))
                    .unwrap_or_else(|| "without a named curve".into());
                return Err(format!("elliptic curve {named}: only P-256 keys can sign"));
            }
            let pair = ring_sig::EcdsaKeyPair::from_pkcs8(
                &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                der,
                &rng,
            )
            .map_err(|e| format!("P-256 key refused: {e}"))?;
            Ok(SigningKey {
                inner: Inner::Ecdsa(pair),
                algorithm: KeyAlgorithm::EcdsaP256,
                rng,
            })
        } else {
            Err(format!(
                "a {} key: only RSA and ECDSA P-256 keys can sign",
                qoltanba_core::oid::describe(&oid)
            ))
        }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The public key as in a certificate's subjectPublicKey: DER RSAPublicKey for RSA, the
    /// uncompressed point for P-256.
    pub fn public_key_bits(&self) -> &[u8] {
        match &self.inner {
            Inner::Rsa(k) => k.public_key().as_ref(),
            Inner::Ecdsa(k) => k.public_key().as_ref(),
        }
    }

    /// Signs `message` (hashing it with SHA-256): PKCS#1 v1.5 for RSA, DER `ECDSA-Sig-Value` for
    /// P-256.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        match &self.inner {
            Inner::Rsa(k) => {
                let mut signature = vec![0u8; k.public().modulus_len()];
                k.sign(
                    &ring_sig::RSA_PKCS1_SHA256,
                    &self.rng,
                    message,
                    &mut signature,
                )
                .map_err(|_| "RSA signing failed".to_string())?;
                Ok(signature)
            }
            Inner::Ecdsa(k) => k
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "ECDSA signing failed".to_string()),
        }
    }

    /// Whether this key is the private half of `cert`'s public key.
    pub fn matches(&self, cert: &Certificate) -> bool {
        spki::SubjectPublicKeyInfoRef::from_der(&cert.spki)
            .ok()
            .and_then(|s| s.subject_public_key.as_bytes().map(|b| b.to_vec()))
            .is_some_and(|bits| bits == self.public_key_bits())
    }
}

/// Where an officer's key is and how to open it.
#[derive(Debug, Clone)]
pub struct KeySource {
    /// A PKCS#12 file, or an encrypted PKCS#8 PEM file.
    pub keystore: PathBuf,
    /// The officer's certificate: required with a PKCS#8 key; with PKCS#12, overrides the
    /// keystore's own (e.g. a renewed certificate for the same key).
    pub certificate: Option<PathBuf>,
    /// The friendly name of the key in a PKCS#12 holding several.
    pub alias: Option<String>,
    pub password: PasswordSource,
}

/// A key opened and checked against its certificate.
pub struct LoadedKey {
    pub key: SigningKey,
    pub certificate: Arc<Certificate>,
    /// The other certificates of the keystore (its chain), for path building.
    pub chain: Vec<Arc<Certificate>>,
}

impl fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedKey")
            .field("key", &self.key)
            .field("certificate", &self.certificate.subject.to_string())
            .field("chain", &self.chain.len())
            .finish()
    }
}

impl KeySource {
    /// Opens the keystore, builds the signing key, and checks it belongs to the certificate.
    pub fn load(&self) -> Result<LoadedKey, KeyError> {
        let file = self.keystore.display().to_string();
        let bytes = read_keystore(&self.keystore).map_err(|why| KeyError::Unreadable {
            file: file.clone(),
            why,
        })?;
        let password = self.password.read()?;
        let (key, from_keystore) = if bytes.starts_with(b"-----BEGIN ") {
            (self.open_pkcs8_pem(&file, &bytes, &password)?, Vec::new())
        } else {
            self.open_pkcs12(&file, &bytes, &password)?
        };
        drop(password);

        let mut chain = from_keystore;
        let certificate = match &self.certificate {
            Some(path) => {
                let certs = input::load_certificates(
                    &[path],
                    &InputLimits::default(),
                    "officer certificate",
                )
                .map_err(|e| KeyError::Unreadable {
                    file: path.display().to_string(),
                    why: e.message,
                })?;
                let mut certs = certs.into_iter();
                let first = certs.next().ok_or_else(|| KeyError::Unreadable {
                    file: path.display().to_string(),
                    why: "no certificate inside".into(),
                })?;
                chain.extend(certs);
                first
            }
            None if chain.is_empty() => return Err(KeyError::Unreadable {
                file,
                why:
                    "no certificate for the key: give `certificate` in the officer's configuration"
                        .into(),
            }),
            None => chain.remove(0),
        };
        if !key.matches(&certificate) {
            return Err(KeyError::Mismatch {
                file,
                subject: certificate.subject.to_string(),
            });
        }
        chain.retain(|c| c.fingerprint != certificate.fingerprint);
        Ok(LoadedKey {
            key,
            certificate,
            chain,
        })
    }

    fn open_pkcs8_pem(
        &self,
        file: &str,
        bytes: &[u8],
        password: &Password,
    ) -> Result<SigningKey, KeyError> {
        let unreadable = |why: String| KeyError::Unreadable {
            file: file.to_owned(),
            why,
        };
        let (label, der) = pem_rfc7468::decode_vec(bytes)
            .map_err(|e| unreadable(format!("not a PEM key: {e}")))?;
        let der = Zeroizing::new(der);
        match label {
            "ENCRYPTED PRIVATE KEY" => {}
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                return Err(KeyError::Unsupported {
                    file: file.to_owned(),
                    why: "the private key is not encrypted: officers' keys must be password protected (PKCS#12 or encrypted PKCS#8)".into(),
                })
            }
            other => return Err(unreadable(format!("PEM label {other:?} is not a private key"))),
        }
        let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
            .map_err(|e| unreadable(format!("not an encrypted PKCS#8 key: {e}")))?;
        let document = encrypted
            .decrypt(password.expose().as_bytes())
            .map_err(|e| match e {
                // A padding failure after decryption (pkcs5 0.7 reports it as `EncryptFailed`),
                // or plaintext that is not a PrivateKeyInfo: the key derived from the password
                // is not the one the file was encrypted with.
                pkcs8::Error::EncryptedPrivateKey(
                    pkcs8::pkcs5::Error::DecryptFailed | pkcs8::pkcs5::Error::EncryptFailed,
                )
                | pkcs8::Error::Asn1(_) => KeyError::WrongPassword {
                    file: file.to_owned(),
                },
                other => unreadable(format!("cannot decrypt the key: {other}")),
            })?;
        // `document` wipes itself when dropped.
        SigningKey::from_pkcs8_der(document.as_bytes()).map_err(|why| KeyError::Unsupported {
            file: file.to_owned(),
            why,
        })
    }

    fn open_pkcs12(
        &self,
        file: &str,
        bytes: &[u8],
        password: &Password,
    ) -> Result<(SigningKey, Vec<Arc<Certificate>>), KeyError> {
        use p12_keystore::error::Error as P12Error;
        use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
        let unreadable = |why: String| KeyError::Unreadable {
            file: file.to_owned(),
            why,
        };
        let store = KeyStore::from_pkcs12(bytes, password.expose(), Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| match e {
                P12Error::MacError(_) | P12Error::UnpadError => KeyError::WrongPassword {
                    file: file.to_owned(),
                },
                other => unreadable(format!("not a readable PKCS#12 keystore ({other})")),
            })?;
        let chains: Vec<(&String, &p12_keystore::PrivateKeyChain)> = store
            .entries()
            .filter_map(|(alias, entry)| match entry {
                KeyStoreEntry::PrivateKeyChain(chain) => Some((alias, chain)),
                _ => None,
            })
            .collect();
        let chain = match (&self.alias, chains.as_slice()) {
            (Some(wanted), _) => chains
                .iter()
                .find(|(alias, _)| *alias == wanted)
                .map(|(_, c)| *c)
                .ok_or_else(|| unreadable(format!("no key named {wanted:?} in the keystore")))?,
            (None, [(_, only)]) => *only,
            (None, []) => return Err(unreadable("the keystore holds no private key".into())),
            (None, several) => {
                let names: Vec<&str> = several.iter().map(|(a, _)| a.as_str()).collect();
                return Err(unreadable(format!(
                    "the keystore holds {} keys ({}): name one with `alias`",
                    several.len(),
                    names.join(", ")
                )));
            }
        };
        let key = SigningKey::from_pkcs8_der(chain.key().as_der()).map_err(|why| {
            KeyError::Unsupported {
                file: file.to_owned(),
                why,
            }
        })?;
        let mut certs = Vec::new();
        for (i, c) in chain.certs().iter().enumerate() {
            let cert = Certificate::from_der(c.as_der())
                .map_err(|e| unreadable(format!("certificate {} in the keystore: {e}", i + 1)))?;
            certs.push(Arc::new(cert));
        }
        Ok((key, certs))
    }
}

fn read_keystore(path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEYSTORE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_KEYSTORE_BYTES {
        return Err(format!("over {MAX_KEYSTORE_BYTES} bytes: not a keystore"));
    }
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    Ok(bytes)
}
