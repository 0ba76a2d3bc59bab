//! Officers' keys: NCA-style PKCS#12 keystores (`.p12`, legacy 3DES/RC2 or modern PBES2/AES) and
//! encrypted PKCS#8 PEM keys, opened with a password from [`PasswordSource`], turned into a
//! [`SigningKey`] (RSA ≥ 2048 bits, ECDSA P-256, or the NCA's GOST 2015-512) that matches the
//! officer's certificate.
//!
//! Decryption is done by maintained crates (RustCrypto's `pkcs12` types and KDF, `pkcs5`, `des`,
//! `rc2`, `cbc`, `hmac` for PKCS#12; `pkcs8`/`pkcs5` for encrypted PKCS#8); signing by `ring`, and
//! GOST signing by the core's [`gost`] module. The NCA's own PKCS#12 files (those its SDK and
//! NCALayer write) are BER with indefinite lengths: [`pfx`] rewrites each layer to definite
//! lengths with the core's BER rewriting before decoding it, so DER and BER keystores are read by
//! the same code on the same `der` line as the rest of the service. The password and every
//! decrypted copy of the key that this module holds live in zeroizing buffers and are wiped as
//! soon as the signing key is built, and a GOST private key wipes itself when dropped. Some copies
//! are outside this module's reach and are freed without being wiped: the password-derived blocks
//! inside `pkcs12`'s KDF and `pkcs5`'s PBES2, and the key inside `ring`'s key pair (kept for as
//! long as the officer can sign). None is ever formatted: [`SigningKey`]'s `Debug` shows the
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

    /// A PKCS#12 keystore, DER or BER (the NCA's): the key chosen by `alias` (or the only one),
    /// the key's certificate first, then the keystore's other certificates.
    fn open_pkcs12(
        &self,
        file: &str,
        bytes: &[u8],
        password: &Password,
    ) -> Result<(SigningKey, Vec<Arc<Certificate>>), KeyError> {
        let unreadable = |why: String| KeyError::Unreadable {
            file: file.to_owned(),
            why,
        };
        let contents = pfx::open(bytes, password.expose()).map_err(|e| match e {
            pfx::Failure::WrongPassword => KeyError::WrongPassword {
                file: file.to_owned(),
            },
            pfx::Failure::Unreadable(why) => {
                unreadable(format!("not a readable PKCS#12 keystore ({why})"))
            }
        })?;
        // Each key with its certificate (same localKeyId), named by its friendlyName or, without
        // one, by the certificate's subject.
        let mut entries: Vec<(String, &pfx::KeyEntry, Option<usize>)> = Vec::new();
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

/// PKCS#12 (RFC 7292) keystores, as OpenSSL, Java and the NCA's SDK and NCALayer write them. The
/// NCA's are BER with indefinite lengths: each layer (the PFX, the authSafe contents, each
/// SafeContents) is rewritten to definite lengths by the core's BER rewriting before RustCrypto's
/// `pkcs12` types decode it, and a DER layer comes out of that rewriting unchanged. The MAC is
/// checked over the authSafe's octets as the file has them, before any of them is rewritten.
/// Bags are decrypted with PBES2 (PBKDF2 or scrypt, AES or 3DES) by `pkcs5`, or with the legacy
/// PKCS#12 schemes (3DES, two-key 3DES, RC2) keyed by `pkcs12`'s KDF; the MAC is HMAC with SHA-1
/// or SHA-2 keyed by the same KDF.
mod pfx {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockCipher, BlockDecryptMut, KeyInit, KeyIvInit};
    use cms::content_info::ContentInfo;
    use der::asn1::{AnyRef, BmpString, ContextSpecific, ObjectIdentifier, OctetString};
    use der::asn1::{OctetStringRef, SetOfVec};
    use der::{Decode, Encode, Reader, Sequence, SliceReader, Tag, TagNumber, Tagged};
    use hmac::digest::core_api::BlockSizeUser;
    use hmac::digest::{Digest, FixedOutputReset};
    use hmac::Mac;
    use pkcs12::cert_type::CertBag;
    use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
    use pkcs12::mac_data::MacData;
    use pkcs12::pbe_params::{EncryptedPrivateKeyInfo, Pkcs12PbeParams};
    use pkcs12::pfx::Pfx;
    use pkcs12::safe_bag::SafeBag;
    use spki::AlgorithmIdentifierOwned;
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
    const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
    const PBE_SHA1_RC2_128: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
    const PBE_SHA1_RC2_40: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
    const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
    const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
    const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
    const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
    const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
    const SHA512_224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.5");
    const SHA512_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.6");
    /// More iterations than any keystore tool writes (the NCA's: 1024, OpenSSL's: 2048); a file
    /// asking for more would only make the KDF a denial of service.
    const MAX_ITERATIONS: u32 = 10_000_000;
    /// scrypt's memory (128·N·r bytes) and parallelism are bounded for the same reason.
    const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
    const MAX_SCRYPT_PARALLELISM: u16 = 16;

    /// Why a keystore could not be read. Never quotes the password or a key byte.
    pub(super) enum Failure {
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

    /// EncryptedData (RFC 5652 §8) as a PKCS#12 file has it, without unprotectedAttrs (RFC 7292
    /// writes none). `cms`' own type takes encryptedContent in its primitive form only, while BER
    /// writers give it in the constructed one: [0] holding OCTET STRING segments.
    #[derive(Sequence)]
    struct EncryptedData<'a> {
        version: u8,
        encrypted_content_info: EncryptedContentInfo<'a>,
    }

    #[derive(Sequence)]
    struct EncryptedContentInfo<'a> {
        content_type: ObjectIdentifier,
        content_encryption_algorithm: AlgorithmIdentifierOwned,
        /// `[0] IMPLICIT OCTET STRING`, primitive or constructed.
        encrypted_content: Option<AnyRef<'a>>,
    }

    fn unreadable(what: &'static str) -> impl Fn(der::Error) -> Failure {
        move |e| Failure::Unreadable(format!("{what}: {e}"))
    }

    /// The definite-length form of a BER element (a DER one comes out as it went in).
    fn definite(what: &'static str, ber: &[u8]) -> Result<Zeroizing<Vec<u8>>, Failure> {
        qoltanba_core::ber_to_der(ber)
            .map(Zeroizing::new)
            .map_err(|e| Failure::Unreadable(format!("{what}: {e}")))
    }

    pub(super) fn open(bytes: &[u8], password: &str) -> Result<Contents, Failure> {
        let pfx = Pfx::from_der(&definite("PFX", bytes)?).map_err(unreadable("PFX"))?;
        if pfx.auth_safe.content_type != ID_DATA {
            return Err(Failure::Unreadable(format!(
                "authSafe of content type {}: only password integrity (id-data) is supported",
                pfx.auth_safe.content_type
            )));
        }
        let auth_safe: OctetString = pfx
            .auth_safe
            .content
            .decode_as()
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
        let infos = Vec::<ContentInfo>::from_der(&definite("AuthenticatedSafe", data)?)
            .map_err(unreadable("AuthenticatedSafe"))?;
        for info in infos {
            let safe_contents: Zeroizing<Vec<u8>> = match info.content_type {
                ID_DATA => {
                    let octets: OctetString = info
                        .content
                        .decode_as()
                        .map_err(unreadable("SafeContents"))?;
                    Zeroizing::new(octets.into_bytes())
                }
                ID_ENCRYPTED_DATA => {
                    let encrypted: EncryptedData<'_> = info
                        .content
                        .decode_as()
                        .map_err(unreadable("EncryptedData"))?;
                    let eci = &encrypted.encrypted_content_info;
                    let Some(content) = eci.encrypted_content else {
                        continue;
                    };
                    let ciphertext =
                        implicit_octets(content).map_err(unreadable("encryptedContent"))?;
                    decrypt(
                        &eci.content_encryption_algorithm,
                        &ciphertext,
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
            let bags = Vec::<SafeBag>::from_der(&definite("SafeContents", &safe_contents)?)
                .map_err(unreadable("SafeBag"))?;
            for mut bag in bags {
                let read = read_bag(&bag, password, mac_checked, &mut contents);
                // A keyBag holds its key in clear.
                bag.bag_value.zeroize();
                read?;
            }
        }
        Ok(contents)
    }

    /// The contents of an `[0] IMPLICIT OCTET STRING`: the primitive form's, or the constructed
    /// form's segments (after the rewrite to definite lengths, OCTET STRINGs) joined in order.
    fn implicit_octets(element: AnyRef<'_>) -> der::Result<Vec<u8>> {
        match element.tag() {
            Tag::ContextSpecific {
                number: TagNumber::N0,
                constructed: false,
            } => Ok(element.value().to_vec()),
            Tag::ContextSpecific {
                number: TagNumber::N0,
                constructed: true,
            } => {
                let mut reader = SliceReader::new(element.value())?;
                let mut joined = Vec::new();
                while !reader.is_finished() {
                    joined.extend_from_slice(OctetStringRef::decode(&mut reader)?.as_bytes());
                }
                Ok(joined)
            }
            other => Err(other.value_error()),
        }
    }

    fn read_bag(
        bag: &SafeBag,
        password: &str,
        mac_checked: bool,
        contents: &mut Contents,
    ) -> Result<(), Failure> {
        let mut friendly_name = None;
        let mut local_key_id = None;
        let no_attributes = SetOfVec::new();
        for attribute in bag.bag_attributes.as_ref().unwrap_or(&no_attributes).iter() {
            let Some(value) = attribute.values.iter().next() else {
                continue;
            };
            if attribute.oid == FRIENDLY_NAME {
                friendly_name = value.decode_as::<BmpString>().ok().map(|n| n.to_string());
            } else if attribute.oid == LOCAL_KEY_ID {
                local_key_id = value
                    .decode_as::<OctetString>()
                    .ok()
                    .map(|id| id.into_bytes());
            }
        }
        match bag.bag_id {
            SHROUDED_KEY_BAG => {
                let wrapped = ContextSpecific::<EncryptedPrivateKeyInfo>::from_der(&bag.bag_value)
                    .map_err(unreadable("pkcs8ShroudedKeyBag"))?
                    .value;
                let pkcs8 = decrypt(
                    &wrapped.encryption_algorithm,
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
                let info = AnyRef::from_der(&bag.bag_value).map_err(unreadable("keyBag"))?;
                contents.keys.push(KeyEntry {
                    friendly_name,
                    local_key_id,
                    pkcs8: Zeroizing::new(info.value().to_vec()),
                });
            }
            CERT_BAG => {
                let cert = ContextSpecific::<CertBag>::from_der(&bag.bag_value)
                    .map_err(unreadable("certBag"))?
                    .value;
                if cert.cert_id == X509_CERTIFICATE {
                    contents.certs.push(CertEntry {
                        local_key_id,
                        der: cert.cert_value.into_bytes(),
                    });
                }
            }
            // CRL, secret and nested bags are not needed to sign.
            _ => {}
        }
        Ok(())
    }

    fn check_iterations(iterations: i64) -> Result<(), Failure> {
        if (1..=i64::from(MAX_ITERATIONS)).contains(&iterations) {
            Ok(())
        } else {
            Err(Failure::Unreadable(format!(
                "{iterations} iterations: expected 1 to {MAX_ITERATIONS}"
            )))
        }
    }

    /// The integrity check: HMAC keyed by the PKCS#12 KDF (ID 3) with the MAC's digest over the
    /// authSafe contents, compared in constant time.
    fn verify_mac(mac_data: &MacData, password: &str, data: &[u8]) -> Result<(), Failure> {
        check_iterations(mac_data.iterations.into())?;
        let verified = match mac_data.mac.algorithm.oid {
            SHA1 => hmac_verifies::<sha1::Sha1>(mac_data, password, data),
            SHA224 => hmac_verifies::<sha2::Sha224>(mac_data, password, data),
            SHA256 => hmac_verifies::<sha2::Sha256>(mac_data, password, data),
            SHA384 => hmac_verifies::<sha2::Sha384>(mac_data, password, data),
            SHA512 => hmac_verifies::<sha2::Sha512>(mac_data, password, data),
            SHA512_224 => hmac_verifies::<sha2::Sha512_224>(mac_data, password, data),
            SHA512_256 => hmac_verifies::<sha2::Sha512_256>(mac_data, password, data),
            other => {
                return Err(Failure::Unreadable(format!(
                    "integrity check with digest {other}: SHA-1 and SHA-2 are supported"
                )))
            }
        }?;
        if verified {
            Ok(())
        } else {
            Err(Failure::WrongPassword)
        }
    }

    fn hmac_verifies<D>(mac_data: &MacData, password: &str, data: &[u8]) -> Result<bool, Failure>
    where
        D: Digest + FixedOutputReset + BlockSizeUser,
    {
        let key = Zeroizing::new(
            derive_key_utf8::<D>(
                password,
                mac_data.mac_salt.as_bytes(),
                Pkcs12KeyType::Mac,
                mac_data.iterations,
                <D as Digest>::output_size(),
            )
            .map_err(unreadable("the password"))?,
        );
        let mut mac = <hmac::SimpleHmac<D> as KeyInit>::new_from_slice(&key)
            .map_err(|_| Failure::Unreadable("MAC key".into()))?;
        mac.update(data);
        Ok(mac.verify_slice(mac_data.mac.digest.as_bytes()).is_ok())
    }

    /// Decrypts a bag or an EncryptedData: PBES2 (RFC 8018) through `pkcs5`, or a PKCS#12
    /// password-based scheme (RFC 7292 appendix C): 3DES (three- or two-key) or RC2 (40- or
    /// 128-bit), CBC, key and IV from the PKCS#12 KDF with SHA-1.
    fn decrypt(
        algorithm: &AlgorithmIdentifierOwned,
        ciphertext: &[u8],
        password: &str,
        mac_checked: bool,
    ) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let plain = if algorithm.oid == PBES2 {
            pbes2_decrypt(algorithm, ciphertext, password)?
        } else {
            pkcs12_pbe_decrypt(algorithm, ciphertext, password)?
        };
        plain.ok_or(if mac_checked {
            // The password is right (the MAC verified): the ciphertext itself is damaged.
            Failure::Unreadable("a bag does not decrypt (bad padding)".into())
        } else {
            Failure::WrongPassword
        })
    }

    /// `None` when the ciphertext does not decrypt (its padding is wrong).
    fn pbes2_decrypt(
        algorithm: &AlgorithmIdentifierOwned,
        ciphertext: &[u8],
        password: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Failure> {
        let encoded = algorithm.to_der().map_err(unreadable("PBES2 parameters"))?;
        let scheme = pkcs5::EncryptionScheme::try_from(encoded.as_slice())
            .map_err(unreadable("PBES2 parameters"))?;
        let pkcs5::EncryptionScheme::Pbes2(params) = &scheme else {
            return Err(Failure::Unreadable("PBES2 parameters".into()));
        };
        match &params.kdf {
            pkcs5::pbes2::Kdf::Pbkdf2(p) => check_iterations(p.iteration_count.into())?,
            pkcs5::pbes2::Kdf::Scrypt(p) => {
                let memory = 128u64
                    .checked_mul(p.cost_parameter)
                    .and_then(|m| m.checked_mul(u64::from(p.block_size)));
                if memory.is_none_or(|m| m > MAX_SCRYPT_MEMORY)
                    || p.parallelization > MAX_SCRYPT_PARALLELISM
                {
                    return Err(Failure::Unreadable(format!(
                        "scrypt asking for more than {MAX_SCRYPT_MEMORY} bytes or parallelism {MAX_SCRYPT_PARALLELISM}"
                    )));
                }
            }
            _ => return Err(Failure::Unreadable("PBES2 with an unknown KDF".into())),
        }
        Ok(scheme
            .decrypt(password.as_bytes(), ciphertext)
            .ok()
            .map(Zeroizing::new))
    }

    /// `None` when the ciphertext does not decrypt (its padding is wrong).
    fn pkcs12_pbe_decrypt(
        algorithm: &AlgorithmIdentifierOwned,
        ciphertext: &[u8],
        password: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Failure> {
        let params: Pkcs12PbeParams = algorithm
            .parameters
            .as_ref()
            .ok_or_else(|| Failure::Unreadable("PBE without parameters".into()))?
            .decode_as()
            .map_err(unreadable("PBE parameters"))?;
        check_iterations(params.iterations.into())?;
        let salt = params.salt.as_bytes();
        let derive = |id, len| {
            derive_key_utf8::<sha1::Sha1>(password, salt, id, params.iterations, len)
                .map(Zeroizing::new)
                .map_err(unreadable("the password"))
        };
        Ok(match algorithm.oid {
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
                    "encryption scheme {other} is not supported"
                )))
            }
        })
    }

    fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>>
    where
        C: BlockCipher + BlockDecryptMut + KeyInit,
    {
        let cipher = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
        cipher
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .ok()
            .map(Zeroizing::new)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The NCA's keystores give encryptedContent in one segment; BER allows any number.
        #[test]
        fn encrypted_content_in_either_form() {
            let primitive = [0x80, 3, b'a', b'b', b'c'];
            let constructed = [
                0xa0, 10, 0x04, 3, b'a', b'b', b'c', 0x04, 3, b'd', b'e', b'f',
            ];
            let read = |bytes: &[u8]| implicit_octets(AnyRef::from_der(bytes).unwrap());
            assert_eq!(read(&primitive).unwrap(), b"abc");
            assert_eq!(read(&constructed).unwrap(), b"abcdef");
            // A segment that is not an OCTET STRING, and another tag, are refused.
            assert!(read(&[0xa0, 5, 0x02, 3, 1, 2, 3]).is_err());
            assert!(read(&[0x81, 1, 0]).is_err());
        }
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
