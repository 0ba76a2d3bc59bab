//! Builders of test certificates and CRLs, signed with GOST R 34.10-2015 512-bit (the NCA's
//! algorithm and byte order: Streebog-512 of the DER, r‖s each half little-endian, NULL
//! signature parameters) or with RSA 2048 (sha256WithRSAEncryption, PKCS#1 v1.5).
//!
//! Everything is encoded with the `der`/`x509-cert` types, so a test can ask for exactly the odd
//! structure a rule is about (a serial number that is not minimally encoded, a critical CRL
//! number, a CRL without one). Keys come from seed strings ([`Key::derive`]); GOST nonces follow
//! RFC 6979 and PKCS#1 v1.5 is deterministic, so the same calls always give the same bytes.
//!
//! The builders are for tests: an encoding failure is a bug in the caller or here, and panics.
//!
//! ```
//! use test_pki::builder::{Algorithm, CertSpec, Key, revoked, day};
//! use x509_cert::ext::pkix::crl::CrlReason;
//!
//! let root = CertSpec::ca("Root").self_signed(Key::derive(Algorithm::Gost2015_512, "root"));
//! let ee = CertSpec::end_entity("Signer", 7).issue(Key::derive(Algorithm::Gost2015_512, "ee"), &root);
//! let mut crl = root.crl();
//! crl.entries.push(revoked(&ee, day("2026-04-01"), Some(CrlReason::KeyCompromise)));
//! let crl = crl.build(&root.key); // a qoltanba_core::Crl, ready for a CrlSnapshot
//! assert_eq!(crl.entry_count(), 1);
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_ISSUER,
    ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_ISSUING_DISTRIBUTION_POINT, ID_CE_KEY_USAGE, ID_CE_SUBJECT_KEY_IDENTIFIER,
};
use const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, OctetString, UtcTime};
use der::{Decode, Encode, Sequence, Tag};
use rand::SeedableRng;
use sha1::Digest as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, KeyUsage, KeyUsages,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

use crate::gost_keys::{GostAlgo, GostKey};

/// The signature algorithm of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// GOST R 34.10-2015 512-bit (paramSetA) with Streebog-512, as the NCA issues since 2024.
    Gost2015_512,
    /// RSA 2048 with sha256WithRSAEncryption.
    Rsa2048,
}

impl Algorithm {
    pub fn label(self) -> &'static str {
        match self {
            Algorithm::Gost2015_512 => "gost2015-512",
            Algorithm::Rsa2048 => "rsa-2048",
        }
    }
}

enum Secret {
    Gost(GostKey),
    Rsa(Arc<rsa::RsaPrivateKey>),
}

/// A private key that signs certificates and CRLs.
pub struct Key {
    pub algorithm: Algorithm,
    secret: Secret,
}

/// Prefix of the builders' key seeds (distinct from the fixtures' keys).
const SEED_PREFIX: &str = "test-pki builder: ";

/// RSA keys already generated in this process, by seed: generating one costs far more than
/// anything else a test does.
fn rsa_keys() -> &'static Mutex<HashMap<String, Arc<rsa::RsaPrivateKey>>> {
    static KEYS: OnceLock<Mutex<HashMap<String, Arc<rsa::RsaPrivateKey>>>> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}

impl Key {
    /// The key of `algorithm` derived from `seed`: the same seed always gives the same key.
    pub fn derive(algorithm: Algorithm, seed: &str) -> Key {
        let seed = format!("{SEED_PREFIX}{seed}");
        let secret = match algorithm {
            Algorithm::Gost2015_512 => {
                Secret::Gost(GostKey::derive(&seed, GostAlgo::G2015_512).expect("GOST key"))
            }
            Algorithm::Rsa2048 => {
                let mut keys = rsa_keys().lock().expect("RSA key cache");
                let key = keys.entry(seed.clone()).or_insert_with(|| {
                    let mut rng = rand::rngs::StdRng::from_seed(sha2::Sha256::digest(&seed).into());
                    Arc::new(rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA key"))
                });
                Secret::Rsa(key.clone())
            }
        };
        Key { algorithm, secret }
    }

    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        match &self.secret {
            Secret::Gost(key) => key.spki().expect("GOST SubjectPublicKeyInfo"),
            Secret::Rsa(key) => {
                use rsa::pkcs8::EncodePublicKey;
                let der = key.to_public_key().to_public_key_der().expect("RSA SPKI");
                SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).expect("RSA SPKI parses")
            }
        }
    }

    /// RFC 5280 §4.2.1.2 method 1 (as the NCA computes it): SHA-1 of the subjectPublicKey bits.
    pub fn key_identifier(&self) -> Vec<u8> {
        let spki = self.spki();
        sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
    }

    /// The AlgorithmIdentifier of the signatures this key makes (NULL parameters for both).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match &self.secret {
            Secret::Gost(key) => key.algo.signature_algorithm(),
            Secret::Rsa(_) => AlgorithmIdentifierOwned {
                oid: SHA_256_WITH_RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
        }
    }

    /// The signature over `tbs` (GOST: r‖s, each half little-endian).
    pub fn sign(&self, tbs: &[u8]) -> Vec<u8> {
        match &self.secret {
            Secret::Gost(key) => key.sign(tbs).expect("GOST signature"),
            Secret::Rsa(key) => {
                use rsa::signature::{SignatureEncoding, Signer};
                let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.as_ref().clone());
                signer.sign(tbs).to_vec()
            }
        }
    }
}

/// A midnight (UTC) of `yyyy-mm-dd`.
pub fn day(text: &str) -> OffsetDateTime {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .expect("yyyy-mm-dd")
        .midnight()
        .assume_utc()
}

/// A Name from its RFC 4514 string, e.g. `CN=Root` or `CN=Signer,2.5.4.5=IIN880415300127` (the
/// last RDN is written first). Attribute values are UTF8String.
pub fn name(text: &str) -> Name {
    text.parse().expect("RFC 4514 name")
}

/// A directoryName.
pub fn dir(name: &Name) -> GeneralName {
    GeneralName::DirectoryName(name.clone())
}

/// A uniformResourceIdentifier.
pub fn uri(text: &str) -> GeneralName {
    GeneralName::UniformResourceIdentifier(Ia5String::new(text).expect("IA5 URI"))
}

/// A distribution point with a full name and no reasons or cRLIssuer.
pub fn point(names: Vec<GeneralName>) -> DistributionPoint {
    DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(names)),
        reasons: None,
        crl_issuer: None,
    }
}

/// An issuing distribution point with a full name and no other field.
pub fn idp(names: Vec<GeneralName>) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(names)),
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    }
}

/// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
fn time(at: OffsetDateTime) -> Time {
    let secs =
        std::time::Duration::from_secs(u64::try_from(at.unix_timestamp()).expect("after 1970"));
    match UtcTime::from_unix_duration(secs) {
        Ok(utc) => Time::UtcTime(utc),
        Err(_) => Time::GeneralTime(GeneralizedTime::from_unix_duration(secs).expect("time")),
    }
}

/// An extension whose value is `value`'s DER.
pub fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().expect("extension value")).expect("octets"),
    }
}

/// An INTEGER with exactly these content octets (minimal or not).
fn raw_integer(octets: &[u8]) -> Any {
    Any::new(Tag::Integer, octets.to_vec()).expect("INTEGER")
}

/// The minimal two's-complement content octets of a non-negative number.
pub fn serial_octets(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    let mut octets = bytes[first..].to_vec();
    if octets[0] & 0x80 != 0 {
        octets.insert(0, 0);
    }
    octets
}

/// What a certificate says. [`CertSpec::ca`] and [`CertSpec::end_entity`] give the usual
/// profiles; every field may be changed before issuing.
#[derive(Clone, Debug)]
pub struct CertSpec {
    pub subject: Name,
    /// The serial number's INTEGER content octets, taken as they are; `None`: the subject key
    /// identifier's first 8 octets with the top bit cleared.
    pub serial: Option<Vec<u8>>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// basicConstraints (written critical), `None`: no extension.
    pub basic_constraints: Option<BasicConstraints>,
    /// keyUsage (written critical), `None`: no extension.
    pub key_usage: Option<KeyUsage>,
    /// cRLDistributionPoints, `None`: no extension.
    pub crl_distribution_points: Option<Vec<DistributionPoint>>,
    /// Further extensions, written last.
    pub extensions: Vec<Extension>,
}

impl CertSpec {
    /// A CA: basicConstraints cA without pathLenConstraint, keyCertSign and cRLSign, valid
    /// 2021-01-01 .. 2041-01-01.
    pub fn ca(cn: &str) -> CertSpec {
        CertSpec {
            subject: name(&format!("CN={cn}")),
            serial: None,
            not_before: day("2021-01-01"),
            not_after: day("2041-01-01"),
            basic_constraints: Some(BasicConstraints {
                ca: true,
                path_len_constraint: None,
            }),
            key_usage: Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
            crl_distribution_points: None,
            extensions: Vec::new(),
        }
    }

    /// An end entity with serial number `serial`: digitalSignature and nonRepudiation, no
    /// basicConstraints, valid 2025-01-01 .. 2028-01-01.
    pub fn end_entity(cn: &str, serial: u64) -> CertSpec {
        CertSpec {
            subject: name(&format!("CN={cn}")),
            serial: Some(serial_octets(serial)),
            not_before: day("2025-01-01"),
            not_after: day("2028-01-01"),
            basic_constraints: None,
            key_usage: Some(KeyUsage(
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            )),
            crl_distribution_points: None,
            extensions: Vec::new(),
        }
    }

    pub fn serial(mut self, serial: u64) -> Self {
        self.serial = Some(serial_octets(serial));
        self
    }

    /// The serial number's INTEGER content octets exactly as given (e.g. `[0x00, 0x42]`).
    pub fn raw_serial(mut self, octets: &[u8]) -> Self {
        self.serial = Some(octets.to_vec());
        self
    }

    pub fn valid(mut self, from: OffsetDateTime, to: OffsetDateTime) -> Self {
        self.not_before = from;
        self.not_after = to;
        self
    }

    /// basicConstraints cA with this pathLenConstraint.
    pub fn path_len(mut self, len: u8) -> Self {
        self.basic_constraints = Some(BasicConstraints {
            ca: true,
            path_len_constraint: Some(len),
        });
        self
    }

    /// keyUsage with these bits; `None` writes no keyUsage extension.
    pub fn key_usage(mut self, usage: Option<KeyUsage>) -> Self {
        self.key_usage = usage;
        self
    }

    /// cRLDistributionPoints with these points.
    pub fn distribution_points(mut self, points: Vec<DistributionPoint>) -> Self {
        self.crl_distribution_points = Some(points);
        self
    }

    /// A self-signed certificate (a trust anchor) of `key`.
    pub fn self_signed(self, key: Key) -> Issued {
        let issuer = (self.subject.clone(), key.key_identifier());
        self.sign(key, issuer, None)
    }

    /// A certificate of `key` issued (and signed) by `issuer`.
    pub fn issue(self, key: Key, issuer: &Issued) -> Issued {
        let names = (issuer.spec.subject.clone(), issuer.key.key_identifier());
        self.sign(key, names, Some(&issuer.key))
    }

    fn sign(self, key: Key, (issuer, issuer_ski): (Name, Vec<u8>), signer: Option<&Key>) -> Issued {
        let ski = key.key_identifier();
        let serial = self.serial.clone().unwrap_or_else(|| {
            let mut serial = ski[..8].to_vec();
            serial[0] &= 0x7f;
            serial
        });
        let mut extensions = Vec::new();
        if let Some(bc) = &self.basic_constraints {
            extensions.push(extension(ID_CE_BASIC_CONSTRAINTS, true, bc));
        }
        if let Some(usage) = &self.key_usage {
            extensions.push(extension(ID_CE_KEY_USAGE, true, usage));
        }
        if let Some(points) = &self.crl_distribution_points {
            extensions.push(extension(
                ID_CE_CRL_DISTRIBUTION_POINTS,
                false,
                &CrlDistributionPoints(points.clone()),
            ));
        }
        extensions.push(extension(
            ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &OctetString::new(ski).expect("SKI"),
        ));
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(issuer_ski).expect("AKI")),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki));
        extensions.extend(self.extensions.iter().cloned());
        let signer = signer.unwrap_or(&key);
        let tbs = TbsCertificateDer {
            version: 2,
            serial: raw_integer(&serial),
            signature: signer.signature_algorithm(),
            issuer,
            validity: Validity {
                not_before: time(self.not_before),
                not_after: time(self.not_after),
            },
            subject: self.subject.clone(),
            spki: key.spki(),
            extensions: Some(extensions),
        };
        let tbs_der = tbs.to_der().expect("TBSCertificate");
        let der = Signed {
            tbs: Any::from_der(&tbs_der).expect("TBS"),
            algorithm: signer.signature_algorithm(),
            signature: BitString::from_bytes(&signer.sign(&tbs_der)).expect("signature bits"),
        }
        .to_der()
        .expect("Certificate");
        Issued {
            key,
            der,
            serial,
            spec: self,
        }
    }
}

/// TBSCertificate (RFC 5280 §4.1) with the serial number as raw INTEGER octets.
#[derive(Sequence)]
struct TbsCertificateDer {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: Any,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// Certificate or CertificateList: the signed TBS, the algorithm, the signature.
#[derive(Sequence)]
struct Signed {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// An issued certificate with its key.
pub struct Issued {
    pub key: Key,
    pub spec: CertSpec,
    /// The serial number's content octets as written.
    pub serial: Vec<u8>,
    pub der: Vec<u8>,
}

impl Issued {
    pub fn name(&self) -> &Name {
        &self.spec.subject
    }

    pub fn key_identifier(&self) -> Vec<u8> {
        self.key.key_identifier()
    }

    /// The certificate as the verifier library reads it.
    pub fn cert(&self) -> Arc<qoltanba_core::Certificate> {
        Arc::new(qoltanba_core::Certificate::from_der(&self.der).expect("certificate parses"))
    }

    /// A CRL of this issuer's name with its key identifier, current at 2026-06-01 (see
    /// [`CrlSpec::new`]); sign it with [`CrlSpec::build`] or [`CrlSpec::der`].
    pub fn crl(&self) -> CrlSpec {
        let mut crl = CrlSpec::new(self.name().clone());
        crl.aki = Some(self.key_identifier());
        crl
    }
}

/// One revoked-certificate entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The INTEGER's content octets, exactly as they go into the CRL.
    pub serial: Vec<u8>,
    pub date: OffsetDateTime,
    pub reason: Option<CrlReason>,
    /// certificateIssuer (indirect CRLs), written critical.
    pub certificate_issuer: Option<Name>,
}

/// The entry of `cert` (its serial as written), revoked at `date` for `reason`.
pub fn revoked(cert: &Issued, date: OffsetDateTime, reason: Option<CrlReason>) -> Entry {
    Entry {
        serial: cert.serial.clone(),
        date,
        reason,
        certificate_issuer: None,
    }
}

/// What a CRL says. Extensions are written in this order: CRL number, delta CRL indicator
/// (critical), issuing distribution point (critical), authority key identifier.
#[derive(Clone, Debug)]
pub struct CrlSpec {
    pub issuer: Name,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    /// cRLNumber, `None`: no extension.
    pub number: Option<u64>,
    /// Write the cRLNumber critical (RFC 5280 §5.2.3 says non-critical).
    pub number_critical: bool,
    /// deltaCRLIndicator with this BaseCRLNumber: a delta CRL.
    pub delta_base: Option<u64>,
    pub idp: Option<IssuingDistributionPoint>,
    /// authorityKeyIdentifier keyIdentifier.
    pub aki: Option<Vec<u8>>,
    pub entries: Vec<Entry>,
}

/// TBSCertList (RFC 5280 §5.1) with entries of raw serial octets.
#[derive(Sequence)]
struct TbsCertListDer {
    version: u8,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Option<Time>,
    revoked: Option<Vec<EntryDer>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct EntryDer {
    serial: Any,
    date: Time,
    extensions: Option<Vec<Extension>>,
}

impl CrlSpec {
    /// A complete CRL of `issuer`, number 1, thisUpdate 2026-05-01, nextUpdate 2026-07-01, no
    /// entries, no authority key identifier.
    pub fn new(issuer: Name) -> CrlSpec {
        CrlSpec {
            issuer,
            this_update: day("2026-05-01"),
            next_update: Some(day("2026-07-01")),
            number: Some(1),
            number_critical: false,
            delta_base: None,
            idp: None,
            aki: None,
            entries: Vec::new(),
        }
    }

    /// The CRL signed with `key`.
    pub fn der(&self, key: &Key) -> Vec<u8> {
        let mut exts = Vec::new();
        if let Some(n) = self.number {
            exts.push(extension(ID_CE_CRL_NUMBER, self.number_critical, &n));
        }
        if let Some(base) = self.delta_base {
            exts.push(extension(ID_CE_DELTA_CRL_INDICATOR, true, &base));
        }
        if let Some(idp) = &self.idp {
            // Under its own OID: x509-cert 0.2.5 gives IssuingDistributionPoint a wrong one.
            exts.push(extension(ID_CE_ISSUING_DISTRIBUTION_POINT, true, idp));
        }
        if let Some(aki) = &self.aki {
            let value = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki.clone()).expect("AKI")),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            exts.push(extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &value));
        }
        let entries: Vec<EntryDer> = self
            .entries
            .iter()
            .map(|e| {
                let mut exts = Vec::new();
                if let Some(reason) = &e.reason {
                    exts.push(extension(ID_CE_CRL_REASONS, false, reason));
                }
                if let Some(issuer) = &e.certificate_issuer {
                    exts.push(extension(
                        ID_CE_CERTIFICATE_ISSUER,
                        true,
                        &vec![dir(issuer)],
                    ));
                }
                EntryDer {
                    serial: raw_integer(&e.serial),
                    date: time(e.date),
                    extensions: (!exts.is_empty()).then_some(exts),
                }
            })
            .collect();
        let tbs = TbsCertListDer {
            version: 1,
            signature: key.signature_algorithm(),
            issuer: self.issuer.clone(),
            this_update: time(self.this_update),
            next_update: self.next_update.map(time),
            revoked: (!entries.is_empty()).then_some(entries),
            extensions: (!exts.is_empty()).then_some(exts),
        };
        let tbs_der = tbs.to_der().expect("TBSCertList");
        Signed {
            tbs: Any::from_der(&tbs_der).expect("TBS"),
            algorithm: key.signature_algorithm(),
            signature: BitString::from_bytes(&key.sign(&tbs_der)).expect("signature bits"),
        }
        .to_der()
        .expect("CertificateList")
    }

    /// The CRL signed with `key`, as the verifier library reads it (panics if it refuses it:
    /// use [`CrlSpec::der`] to test refusals).
    pub fn build(&self, key: &Key) -> Arc<qoltanba_core::Crl> {
        Arc::new(qoltanba_core::Crl::from_der(self.der(key), 100_000).expect("CRL parses"))
    }
}
