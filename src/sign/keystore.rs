//! Officers' keys: NCA-style PKCS#12 keystores (`.p12`, legacy 3DES/RC2 or modern PBES2/AES) and
//! encrypted PKCS#8 PEM keys, opened with a password from [`PasswordSource`], turned into a
//! [`SigningKey`] (RSA ≥ 2048 bits, ECDSA P-256, or the NCA's GOST 2015-512) that matches the
//! officer's certificate.
//!
//! Decryption is done by maintained crates (`p12-keystore` for PKCS#12, `pkcs8`/`pkcs5` for
//! encrypted PKCS#8); signing by `ring`, and GOST signing by the core's [`gost`] module. The
//! NCA's own PKCS#12 files (those its SDK and NCALayer write) are BER with indefinite lengths,
//! which `p12-keystore` refuses: they are read by [`ber_pkcs12`] with RustCrypto's `pkcs12`
//! types and KDF over `der` in BER mode, and the legacy ciphers (`des`, `rc2`, `cbc`, `hmac`,
//! `sha1`). The password and every decrypted copy of the key that this module holds live in
//! zeroizing buffers and are wiped as soon as the signing key is built, and a GOST private key
//! wipes itself when dropped. Some copies are outside this module's reach and are freed without
//! being wiped: the decrypted bags inside `p12-keystore` while it parses a PKCS#12 file, the
//! password-derived blocks inside `pkcs12`'s KDF, and the key inside `ring`'s key pair (kept for
//! as long as the officer can sign). None is ever formatted: [`SigningKey`]'s `Debug` shows the
//! algorithm only.

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
use qoltanba_core::gost;
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
    /// GOST R 34.10-2015 with a 512-bit key and Streebog-512, in the NCA's byte order: the only
    /// key the NCA issues since 2024 (GOST R 34.10-2012 on id-tc26-gost-3410-12-512-paramSetA).
    Gost2015_512,
}

impl KeyAlgorithm {
    /// The name used in verdicts for the same algorithm (`rsa-pkcs1-sha256`, `ecdsa-p256-sha256`,
    /// `gost2015-512-streebog512`).
    pub fn signature_name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa { .. } => "rsa-pkcs1-sha256",
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256-sha256",
            KeyAlgorithm::Gost2015_512 => "gost2015-512-streebog512",
        }
    }

    pub fn describe(self) -> String {
        match self {
            KeyAlgorithm::Rsa { bits } => format!("RSA-{bits}"),
            KeyAlgorithm::EcdsaP256 => "ECDSA P-256".to_owned(),
            KeyAlgorithm::Gost2015_512 => "GOST 2015-512".to_owned(),
        }
    }
}

enum Inner {
    Rsa(ring_sig::RsaKeyPair),
    Ecdsa(ring_sig::EcdsaKeyPair),
    /// `key` wipes its private scalar when dropped.
    Gost {
        key: gost::SigningKey,
        public: gost::PublicKey,
        /// The subjectPublicKey contents: DER OCTET STRING { X‖Y, little-endian }.
        subject_public_key: Vec<u8>,
    },
}

/// A private key ready to sign: RSA PKCS#1 v1.5 SHA-256, ECDSA P-256 SHA-256, or GOST 2015-512
/// with Streebog-512.
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
        } else if let Some(family) = gost_family(&oid) {
            // 2015: privateKey = OCTET STRING { OCTET STRING (d, little-endian) }; 2004:
            // OCTET STRING { INTEGER d }; both decoded by the core.
            let key = gost::SigningKey::from_pkcs8_der(der)
                .map_err(|e| format!("{family} key refused: {e}"))?;
            let curve = key.curve();
            let nca_512 =
                oid == gost::oid::NCA_GOST2015_512_KEY || oid == gost::oid::GOST2012_512_KEY;
            if !nca_512 || curve != gost::Curve::Tc26Gost512A {
                return Err(format!(
                    "a {family} key on {}: only GOST 2015-512 keys (the NCA's since 2024, on {}) can sign",
                    curve.name(),
                    gost::Curve::Tc26Gost512A.name()
                ));
            }
            let public = key.public_key();
            Ok(SigningKey {
                inner: Inner::Gost {
                    subject_public_key: public.to_subject_public_key(),
                    public,
                    key,
                },
                algorithm: KeyAlgorithm::Gost2015_512,
                rng,
            })
        } else {
            Err(format!(
                "a {} key: only RSA and ECDSA P-256 keys, and the NCA's GOST 2015-512 keys, can sign",
                qoltanba_core::oid::describe(&oid)
            ))
        }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The public key as in a certificate's subjectPublicKey: DER RSAPublicKey for RSA, the
    /// uncompressed point for P-256, DER OCTET STRING { X‖Y little-endian } for GOST.
    pub fn public_key_bits(&self) -> &[u8] {
        match &self.inner {
            Inner::Rsa(k) => k.public_key().as_ref(),
            Inner::Ecdsa(k) => k.public_key().as_ref(),
            Inner::Gost {
                subject_public_key, ..
            } => subject_public_key,
        }
    }

    /// Signs `message` (hashing it with SHA-256): PKCS#1 v1.5 for RSA, DER `ECDSA-Sig-Value` for
    /// P-256; for GOST, hashing it with Streebog-512: r‖s, each half little-endian (the NCA's
    /// layout, 128 bytes).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        match &self.inner {
            Inner::Gost { key, .. } => key
                .sign_nca(&gost::Digest::Streebog512.digest(message))
                .map_err(|e| format!("GOST signing failed: {e}")),
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

    /// Whether this key is the private half of `cert`'s public key. A GOST key compares the
    /// curve and the point of the certificate's key (under the NCA's or the Russian OIDs).
    pub fn matches(&self, cert: &Certificate) -> bool {
        if let Inner::Gost { public, .. } = &self.inner {
            return gost::PublicKey::from_spki_der(&cert.spki).is_ok_and(|k| k == *public);
        }
        spki::SubjectPublicKeyInfoRef::from_der(&cert.spki)
            .ok()
            .and_then(|s| s.subject_public_key.as_bytes().map(|b| b.to_vec()))
            .is_some_and(|bits| bits == self.public_key_bits())
    }
}

/// The family of a GOST private-key algorithm OID (the NCA's or the Russian), for messages.
fn gost_family(oid: &ObjectIdentifier) -> Option<&'static str> {
    use gost::oid as g;
    Some(match *oid {
        g::NCA_GOST2015_512_KEY | g::GOST2012_512_KEY => "GOST 2015-512",
        g::NCA_GOST2015_256_KEY | g::GOST2012_256_KEY => "GOST 2015-256",
        g::NCA_GOST2004_KEY | g::GOST2001_KEY => "GOST 34.310-2004",
        _ => return None,
    })
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
        let store =
            match KeyStore::from_pkcs12(bytes, password.expose(), Pkcs12ImportPolicy::Relaxed) {
                Ok(store) => store,
                Err(P12Error::MacError(_) | P12Error::UnpadError) => {
                    return Err(KeyError::WrongPassword {
                        file: file.to_owned(),
                    })
                }
                // Not DER: perhaps BER, as the NCA's SDK and NCALayer write their keystores.
                Err(P12Error::DerError(e)) => {
                    return self.open_ber_pkcs12(file, bytes, password, &e.to_string())
                }
                Err(other) => {
                    return Err(unreadable(format!(
                        "not a readable PKCS#12 keystore ({other})"
                    )))
                }
            };
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

impl KeySource {
    /// A PKCS#12 keystore in BER (the NCA's): the same choice of key by `alias`, the same errors.
    /// `der_error` is why the DER reader refused it, reported if this one cannot read it either.
    fn open_ber_pkcs12(
        &self,
        file: &str,
        bytes: &[u8],
        password: &Password,
        der_error: &str,
    ) -> Result<(SigningKey, Vec<Arc<Certificate>>), KeyError> {
        let unreadable = |why: String| KeyError::Unreadable {
            file: file.to_owned(),
            why,
        };
        let contents = ber_pkcs12::open(bytes, password.expose()).map_err(|e| match e {
            ber_pkcs12::Failure::WrongPassword => KeyError::WrongPassword {
                file: file.to_owned(),
            },
            ber_pkcs12::Failure::NotPkcs12(ber_error) => unreadable(format!(
                "not a readable PKCS#12 keystore ({der_error}; read as BER: {ber_error})"
            )),
            ber_pkcs12::Failure::Unreadable(why) => {
                unreadable(format!("not a readable PKCS#12 keystore ({why})"))
            }
        })?;
        // Each key with its certificate (same localKeyId), named by its friendlyName or, without
        // one, by the certificate's subject (as p12-keystore names them).
        let mut entries: Vec<(String, &ber_pkcs12::KeyEntry, Option<usize>)> = Vec::new();
        for key in &contents.keys {
            let cert = key.local_key_id.as_ref().and_then(|id| {
                contents
                    .certs
                    .iter()
                    .position(|c| c.local_key_id.as_ref() == Some(id))
            });
            let alias = match (&key.friendly_name, cert) {
                (Some(name), _) => name.clone(),
                (None, Some(i)) => Certificate::from_der(&contents.certs[i].der)
                    .map(|c| c.subject.to_string())
                    .unwrap_or_default(),
                (None, None) => String::new(),
            };
            entries.push((alias, key, cert));
        }
        let (key, leaf) = match (&self.alias, entries.as_slice()) {
            (Some(wanted), _) => entries
                .iter()
                .find(|(alias, _, _)| alias == wanted)
                .map(|(_, k, c)| (*k, *c))
                .ok_or_else(|| unreadable(format!("no key named {wanted:?} in the keystore")))?,
            (None, [(_, only, cert)]) => (*only, *cert),
            (None, []) => return Err(unreadable("the keystore holds no private key".into())),
            (None, several) => {
                let names: Vec<&str> = several.iter().map(|(a, _, _)| a.as_str()).collect();
                return Err(unreadable(format!(
                    "the keystore holds {} keys ({}): name one with `alias`",
                    several.len(),
                    names.join(", ")
                )));
            }
        };
        let signing_key =
            SigningKey::from_pkcs8_der(&key.pkcs8).map_err(|why| KeyError::Unsupported {
                file: file.to_owned(),
                why,
            })?;
        // The key's certificate first, then the keystore's other certificates (its chain).
        let mut order: Vec<usize> = leaf.into_iter().collect();
        order.extend((0..contents.certs.len()).filter(|i| Some(*i) != leaf));
        let mut certs = Vec::new();
        for i in order {
            let cert = Certificate::from_der(&contents.certs[i].der)
                .map_err(|e| unreadable(format!("certificate {} in the keystore: {e}", i + 1)))?;
            certs.push(Arc::new(cert));
        }
        Ok((signing_key, certs))
    }
}

/// PKCS#12 (RFC 7292) in BER, as the NCA's SDK and NCALayer write keystores: indefinite lengths,
/// password integrity (HMAC-SHA-1 MAC), the key in a pkcs8ShroudedKeyBag under
/// pbeWithSHAAnd3-KeyTripleDES-CBC and the certificates in an EncryptedData under
/// pbeWithSHAAnd40BitRC2-CBC. Read with RustCrypto's `pkcs12` types and KDF (RFC 7292 appendix B)
/// decoded by `der` in BER mode, and its `des`/`rc2`/`cbc` ciphers and `hmac`/`sha1`.
mod ber_pkcs12 {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, KeyInit, KeyIvInit};
    use der08::asn1::{BmpString, ContextSpecific, ObjectIdentifier, OctetString};
    use der08::{Decode, EncodingRules};
    use hmac::Mac;
    use pkcs12::cms::content_info::ContentInfo;
    use pkcs12::cms::encrypted_data::EncryptedData;
    use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
    use pkcs12::pbe_params::{EncryptedPrivateKeyInfo, Pkcs12PbeParams};
    use pkcs12::{CertBag, MacData, Pfx, SafeBag};
    use zeroize::{Zeroize, Zeroizing};

    const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    const ID_ENCRYPTED_DATA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
    const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
    const SHROUDED_KEY_BAG: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
    const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
    const X509_CERTIFICATE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
    const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
    const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
    const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    const PBE_SHA1_RC2_128: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
    const PBE_SHA1_RC2_40: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
    const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
    const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
    /// More iterations than any keystore tool writes (the NCA's: 1024); a file asking for more
    /// would only make the KDF a denial of service.
    const MAX_ITERATIONS: i32 = 10_000_000;

    /// Why a keystore could not be read. Never quotes the password or a key byte.
    pub(super) enum Failure {
        /// Not a PFX, not even in BER (the BER decoder's reason).
        NotPkcs12(String),
        /// The MAC does not verify, or (without a MAC) the decryption fails.
        WrongPassword,
        Unreadable(String),
    }

    pub(super) struct KeyEntry {
        pub friendly_name: Option<String>,
        pub local_key_id: Option<Vec<u8>>,
        /// The decrypted PKCS#8 PrivateKeyInfo (DER), wiped when dropped.
        pub pkcs8: Zeroizing<Vec<u8>>,
    }

    pub(super) struct CertEntry {
        pub local_key_id: Option<Vec<u8>>,
        pub der: Vec<u8>,
    }

    pub(super) struct Contents {
        pub keys: Vec<KeyEntry>,
        pub certs: Vec<CertEntry>,
    }

    fn unreadable(what: &'static str) -> impl Fn(der08::Error) -> Failure {
        move |e| Failure::Unreadable(format!("{what}: {e}"))
    }

    pub(super) fn open(bytes: &[u8], password: &str) -> Result<Contents, Failure> {
        let pfx = Pfx::from_ber(bytes).map_err(|e| Failure::NotPkcs12(e.to_string()))?;
        if pfx.auth_safe.content_type != ID_DATA {
            return Err(Failure::Unreadable(format!(
                "authSafe of content type {}: only password integrity (id-data) is supported",
                pfx.auth_safe.content_type
            )));
        }
        let auth_safe: OctetString = pfx
            .auth_safe
            .content
            .decode_as_encoding(EncodingRules::Ber)
            .map_err(unreadable("authSafe"))?;
        let data = auth_safe.as_bytes();
        // With a MAC the password is checked before anything is decrypted; without one, a wrong
        // password shows as a decryption (padding) failure.
        let mac_checked = match &pfx.mac_data {
            Some(mac) => {
                verify_mac(mac, password, data)?;
                true
            }
            None => false,
        };
        let mut contents = Contents {
            keys: Vec::new(),
            certs: Vec::new(),
        };
        let infos = Vec::<ContentInfo>::from_ber(data).map_err(unreadable("AuthenticatedSafe"))?;
        for info in infos {
            let safe_contents: Zeroizing<Vec<u8>> = match info.content_type {
                ID_DATA => {
                    let octets: OctetString = info
                        .content
                        .decode_as_encoding(EncodingRules::Ber)
                        .map_err(unreadable("SafeContents"))?;
                    Zeroizing::new(octets.into_bytes().into_vec())
                }
                ID_ENCRYPTED_DATA => {
                    let encrypted: EncryptedData = info
                        .content
                        .decode_as_encoding(EncodingRules::Ber)
                        .map_err(unreadable("EncryptedData"))?;
                    let eci = &encrypted.enc_content_info;
                    let Some(ciphertext) = &eci.encrypted_content else {
                        continue;
                    };
                    decrypt(
                        &eci.content_enc_alg.oid,
                        eci.content_enc_alg.parameters.as_ref(),
                        ciphertext.as_bytes(),
                        password,
                        mac_checked,
                    )?
                }
                other => {
                    return Err(Failure::Unreadable(format!(
                        "AuthenticatedSafe content of type {other}"
                    )))
                }
            };
            let bags = Vec::<SafeBag>::from_ber(&safe_contents).map_err(unreadable("SafeBag"))?;
            for mut bag in bags {
                let read = read_bag(&bag, password, mac_checked, &mut contents);
                // A keyBag holds its key in clear.
                bag.bag_value.zeroize();
                read?;
            }
        }
        Ok(contents)
    }

    fn read_bag(
        bag: &SafeBag,
        password: &str,
        mac_checked: bool,
        contents: &mut Contents,
    ) -> Result<(), Failure> {
        let mut friendly_name = None;
        let mut local_key_id = None;
        for attribute in bag.bag_attributes.iter().flat_map(|a| a.iter()) {
            let Some(value) = attribute.values.iter().next() else {
                continue;
            };
            if attribute.oid == FRIENDLY_NAME {
                friendly_name = value
                    .decode_as_encoding::<BmpString>(EncodingRules::Ber)
                    .ok()
                    .map(|n| n.to_string());
            } else if attribute.oid == LOCAL_KEY_ID {
                local_key_id = value
                    .decode_as_encoding::<OctetString>(EncodingRules::Ber)
                    .ok()
                    .map(|id| id.into_bytes().into_vec());
            }
        }
        match bag.bag_id {
            SHROUDED_KEY_BAG => {
                let wrapped = ContextSpecific::<EncryptedPrivateKeyInfo>::from_ber(&bag.bag_value)
                    .map_err(unreadable("pkcs8ShroudedKeyBag"))?
                    .value;
                let alg = &wrapped.encryption_algorithm;
                let pkcs8 = decrypt(
                    &alg.oid,
                    alg.parameters.as_ref(),
                    wrapped.encrypted_data.as_bytes(),
                    password,
                    mac_checked,
                )?;
                contents.keys.push(KeyEntry {
                    friendly_name,
                    local_key_id,
                    pkcs8,
                });
            }
            KEY_BAG => {
                // A PrivateKeyInfo in clear inside the keystore; its DER is taken as it is.
                let info = der08::AnyRef::from_ber(&bag.bag_value).map_err(unreadable("keyBag"))?;
                contents.keys.push(KeyEntry {
                    friendly_name,
                    local_key_id,
                    pkcs8: Zeroizing::new(info.value().to_vec()),
                });
            }
            CERT_BAG => {
                let cert = ContextSpecific::<CertBag>::from_ber(&bag.bag_value)
                    .map_err(unreadable("certBag"))?
                    .value;
                if cert.cert_id == X509_CERTIFICATE {
                    contents.certs.push(CertEntry {
                        local_key_id,
                        der: cert.cert_value.into_bytes().into_vec(),
                    });
                }
            }
            // CRL, secret and nested bags are not needed to sign.
            _ => {}
        }
        Ok(())
    }

    fn check_iterations(iterations: i32) -> Result<(), Failure> {
        if (1..=MAX_ITERATIONS).contains(&iterations) {
            Ok(())
        } else {
            Err(Failure::Unreadable(format!(
                "{iterations} iterations: expected 1 to {MAX_ITERATIONS}"
            )))
        }
    }

    /// The integrity check: HMAC-SHA-1 keyed by the PKCS#12 KDF (ID 3) over the authSafe
    /// contents, compared in constant time.
    fn verify_mac(mac_data: &MacData, password: &str, data: &[u8]) -> Result<(), Failure> {
        if mac_data.mac.algorithm.oid != SHA1 {
            return Err(Failure::Unreadable(format!(
                "integrity check with digest {}: a BER keystore is read with HMAC-SHA-1 only",
                mac_data.mac.algorithm.oid
            )));
        }
        check_iterations(mac_data.iterations)?;
        let key = Zeroizing::new(
            derive_key_utf8::<sha1::Sha1>(
                password,
                mac_data.mac_salt.as_bytes(),
                Pkcs12KeyType::Mac,
                mac_data.iterations,
                20,
            )
            .map_err(unreadable("the password"))?,
        );
        let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&key)
            .map_err(|_| Failure::Unreadable("MAC key".into()))?;
        mac.update(data);
        mac.verify_slice(mac_data.mac.digest.as_bytes())
            .map_err(|_| Failure::WrongPassword)
    }

    /// Decrypts with a PKCS#12 password-based scheme (RFC 7292 appendix C): 3DES (three- or
    /// two-key) or RC2 (40- or 128-bit), CBC, key and IV from the PKCS#12 KDF with SHA-1.
    fn decrypt(
        scheme: &ObjectIdentifier,
        parameters: Option<&der08::Any>,
        ciphertext: &[u8],
        password: &str,
        mac_checked: bool,
    ) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let params: Pkcs12PbeParams = parameters
            .ok_or_else(|| Failure::Unreadable("PBE without parameters".into()))?
            .decode_as_encoding(EncodingRules::Ber)
            .map_err(unreadable("PBE parameters"))?;
        check_iterations(params.iterations)?;
        let salt = params.salt.as_bytes();
        let derive = |id, len| {
            derive_key_utf8::<sha1::Sha1>(password, salt, id, params.iterations, len)
                .map(Zeroizing::new)
                .map_err(unreadable("the password"))
        };
        let plain = match *scheme {
            PBE_SHA1_3DES => cbc_decrypt::<des::TdesEde3>(
                &derive(Pkcs12KeyType::EncryptionKey, 24)?,
                &derive(Pkcs12KeyType::Iv, 8)?,
                ciphertext,
            ),
            PBE_SHA1_2DES => cbc_decrypt::<des::TdesEde2>(
                &derive(Pkcs12KeyType::EncryptionKey, 16)?,
                &derive(Pkcs12KeyType::Iv, 8)?,
                ciphertext,
            ),
            PBE_SHA1_RC2_40 => cbc_decrypt::<rc2::Rc2>(
                &derive(Pkcs12KeyType::EncryptionKey, 5)?,
                &derive(Pkcs12KeyType::Iv, 8)?,
                ciphertext,
            ),
            PBE_SHA1_RC2_128 => cbc_decrypt::<rc2::Rc2>(
                &derive(Pkcs12KeyType::EncryptionKey, 16)?,
                &derive(Pkcs12KeyType::Iv, 8)?,
                ciphertext,
            ),
            other => {
                return Err(Failure::Unreadable(format!(
                    "encryption scheme {other} in a BER keystore is not supported"
                )))
            }
        };
        plain.ok_or(if mac_checked {
            // The password is right (the MAC verified): the ciphertext itself is damaged.
            Failure::Unreadable("a bag does not decrypt (bad padding)".into())
        } else {
            Failure::WrongPassword
        })
    }

    fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>>
    where
        C: BlockCipherDecrypt + KeyInit,
    {
        let cipher = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
        cipher
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .ok()
            .map(Zeroizing::new)
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
