//! OCSP responses and responder certificates for tests and loopback responders (RFC 6960).
//!
//! Everything is built from typed `x509-ocsp`/`x509-cert` structures and signed with the test
//! PKI's keys: RSA (sha256WithRSAEncryption) or GOST R 34.10-2015 in the NCA byte order (through
//! the verifier's own primitives, as the GOST fixtures are). The builder makes correct answers
//! and, on purpose, faulty ones — a stale or future answer, a wrong nonce, a wrong signer, a
//! responder without id-kp-OCSPSigning — so that the verifier's refusals can be tested.
//!
//! ```no_run
//! use test_pki::ocsp::{sign_response, ResponseSpec, Signer, Status, Hash};
//! # fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let ca = Signer::from_bytes(&std::fs::read("fixtures/pki/nca-rsa.pem")?,
//!                             &std::fs::read("fixtures/pki/keys/nca-rsa.key.pem")?)?;
//! let cert = std::fs::read("fixtures/pki/individual-sign.der")?;
//! let at = time::macros::datetime!(2026-06-01 12:00 UTC);
//! let spec = ResponseSpec::new(&cert, &ca.cert_der, Hash::Sha256, Status::Good, at)?;
//! let der = sign_response(&spec, &ca)?;
//! # Ok(()) }
//! ```

use std::str::FromStr;
use std::time::Duration;

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, GeneralizedTime, Null, OctetString, UtcTime};
use der::{Decode, DecodePem, Encode, Tag};
use qoltanba_core::gost::{self, oid as gost_oid, Curve, Digest};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer as _};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::certificate::{TbsCertificate, Version as CertVersion};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

pub use x509_cert::ext::pkix::CrlReason;
/// The RFC 6960 and x509-cert types the builder speaks, for callers that need more.
pub use x509_ocsp;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

const SHA1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const ID_PKIX_OCSP_NOCHECK: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
const ID_PKIX_OCSP_EXTENDED_REVOKE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.9");
const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const ID_KP_EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_CE_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_CE_AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// GOST R 34.11-94 with the Test parameter set, the digest parameter of the NCA's 2004 keys.
const NCA_GOST34311_PARAMS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.398.3.10.1.3.1.1.0");

/// The OIDs and digest of one NCA GOST algorithm family.
struct GostProfile {
    key: ObjectIdentifier,
    /// The key's parameters: curve, digest.
    params: [ObjectIdentifier; 2],
    signature: ObjectIdentifier,
    digest: Digest,
}

/// A private key that signs OCSP responses and responder certificates.
pub enum SigningKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    /// A GOST key (2015 with a 512- or 256-bit curve, or 2004), signing in the NCA byte order.
    Gost(gost::SigningKey),
}

impl SigningKey {
    /// An unencrypted PKCS#8 key, PEM or DER: RSA, or GOST in the NCA layout (what the
    /// fixtures' `keys/` hold).
    pub fn from_pkcs8(bytes: &[u8]) -> Result<SigningKey> {
        let der = match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN") => {
                der::pem::decode_vec(text.as_bytes())
                    .map_err(|e| format!("PEM: {e}"))?
                    .1
            }
            _ => bytes.to_vec(),
        };
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(SigningKey::Rsa(Box::new(key)));
        }
        Ok(SigningKey::Gost(gost::SigningKey::from_pkcs8_der(&der)?))
    }

    /// A deterministic GOST 2015-512 key derived from `seed` (a responder key that needs no
    /// fixture file).
    pub fn gost_from_seed(seed: &str) -> Result<SigningKey> {
        for counter in 0u32..1000 {
            let d =
                Digest::Streebog512.digest(format!("qoltanba ocsp {seed} {counter}").as_bytes());
            if let Ok(key) = gost::SigningKey::from_le_bytes(Curve::Tc26Gost512A, &d) {
                return Ok(SigningKey::Gost(key));
            }
        }
        Err(format!("no GOST key for seed {seed}").into())
    }

    /// The NCA algorithm family of a GOST key, from its curve: 2015-512, 2015-256 (TC26 256-bit
    /// set A), or 2004 (CryptoPro A with GOST 34.311-95 and the Test S-boxes).
    fn gost_profile(key: &gost::SigningKey) -> GostProfile {
        match key.curve() {
            Curve::CryptoProA => GostProfile {
                key: gost_oid::NCA_GOST2004_KEY,
                params: [gost_oid::NCA_GOST2004_PARAM_A, NCA_GOST34311_PARAMS],
                signature: gost_oid::NCA_GOST2004_SIGNATURE,
                digest: Digest::Gost94Test,
            },
            curve if curve.coordinate_len() == 64 => GostProfile {
                key: gost_oid::NCA_GOST2015_512_KEY,
                params: [
                    gost_oid::NCA_GOST2015_512_PARAM_A,
                    gost_oid::NCA_STREEBOG512,
                ],
                signature: gost_oid::NCA_GOST2015_512_SIGNATURE,
                digest: Digest::Streebog512,
            },
            _ => GostProfile {
                key: gost_oid::NCA_GOST2015_256_KEY,
                params: [
                    gost_oid::NCA_GOST2015_256_PARAM_A,
                    gost_oid::NCA_STREEBOG256,
                ],
                signature: gost_oid::NCA_GOST2015_256_SIGNATURE,
                digest: Digest::Streebog256,
            },
        }
    }

    /// The signature algorithm this key signs with (GOST with NULL parameters, as the NCA
    /// writes it).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            SigningKey::Rsa(_) => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(Any::null()),
            },
            SigningKey::Gost(key) => AlgorithmIdentifierOwned {
                oid: Self::gost_profile(key).signature,
                parameters: Some(Any::null()),
            },
        }
    }

    /// Signs `message` with the key's algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            SigningKey::Rsa(key) => {
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.as_ref().clone());
                Ok(signer.try_sign(message)?.to_vec())
            }
            SigningKey::Gost(key) => {
                let digest = Self::gost_profile(key).digest.digest(message);
                Ok(key.sign_nca(&digest)?)
            }
        }
    }

    /// The SubjectPublicKeyInfo of the key (GOST in the NCA layout).
    pub fn spki(&self) -> Result<SubjectPublicKeyInfoOwned> {
        match self {
            SigningKey::Rsa(key) => {
                let der = key.to_public_key().to_public_key_der()?;
                Ok(SubjectPublicKeyInfoOwned::from_der(der.as_bytes())?)
            }
            SigningKey::Gost(key) => {
                let profile = Self::gost_profile(key);
                let [curve_oid, digest_oid] = profile.params;
                let key_oid = profile.key;
                let mut params = curve_oid.to_der()?;
                params.extend(digest_oid.to_der()?);
                Ok(SubjectPublicKeyInfoOwned {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: key_oid,
                        parameters: Some(Any::new(Tag::Sequence, params)?),
                    },
                    subject_public_key: BitString::from_bytes(
                        &key.public_key().to_subject_public_key(),
                    )?,
                })
            }
        }
    }
}

/// A certificate with its private key: a CA, or a delegated OCSP responder.
pub struct Signer {
    pub cert_der: Vec<u8>,
    pub key: SigningKey,
}

impl Signer {
    /// A certificate (PEM or DER) and its PKCS#8 key (PEM or DER).
    pub fn from_bytes(cert: &[u8], key: &[u8]) -> Result<Signer> {
        Ok(Signer {
            cert_der: certificate_der(cert)?,
            key: SigningKey::from_pkcs8(key)?,
        })
    }

    fn cert(&self) -> Result<Certificate> {
        Ok(Certificate::from_der(&self.cert_der)?)
    }
}

/// The DER of a certificate given as PEM or DER.
pub fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => Ok(Certificate::from_pem(text)?.to_der()?),
        _ => Ok(Certificate::from_der(bytes)?.to_der()?),
    }
}

/// The hash of a CertID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
}

impl Hash {
    fn oid(self) -> ObjectIdentifier {
        match self {
            Hash::Sha1 => SHA1_OID,
            Hash::Sha256 => SHA256_OID,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
        }
    }
}

/// What the response says about the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Good,
    Revoked {
        time: OffsetDateTime,
        reason: Option<CrlReason>,
    },
    Unknown,
    /// The NCA's answer for a certificate it does not know: revoked at 1970-01-01T00:00:00Z,
    /// certificateHold, with the extended-revoke extension (RFC 6960 §2.2).
    NotIssued,
}

/// How the response names its signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponderIdKind {
    #[default]
    ByName,
    /// SHA-1 of the signer's public key (as the NCA and OpenSSL's `-resp_key_id` do).
    ByKey,
}

/// One response to build: every field is public so a test can make it wrong on purpose.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// Names the certificate answered about.
    pub cert_id: CertId,
    pub status: Status,
    pub this_update: OffsetDateTime,
    /// `None`: no nextUpdate, as the NCA answers.
    pub next_update: Option<OffsetDateTime>,
    pub produced_at: OffsetDateTime,
    /// The nonce extension to put in the response (an echo of the request's, or a wrong one).
    pub nonce: Option<Vec<u8>>,
    pub responder_id: ResponderIdKind,
    /// Certificates embedded in the response: a delegated responder's own, usually.
    pub certs: Vec<Vec<u8>>,
    /// Adds a critical response extension nobody understands.
    pub unknown_critical_extension: bool,
}

impl ResponseSpec {
    /// A response about `cert` (issued by `issuer`, both PEM or DER) with `status`, produced at
    /// `at`, thisUpdate `at`, nextUpdate a day later, no nonce.
    pub fn new(
        cert: &[u8],
        issuer: &[u8],
        hash: Hash,
        status: Status,
        at: OffsetDateTime,
    ) -> Result<ResponseSpec> {
        let cert = Certificate::from_der(&certificate_der(cert)?)?;
        let issuer = Certificate::from_der(&certificate_der(issuer)?)?;
        Ok(ResponseSpec::answering(
            cert_id(&cert, &issuer, hash)?,
            status,
            at,
        ))
    }

    /// A response to the OCSP request `request` (DER): its first CertID and its nonce echoed.
    pub fn for_request(request: &[u8], status: Status, at: OffsetDateTime) -> Result<ResponseSpec> {
        let info = RequestInfo::from_der(request)?;
        let mut spec = ResponseSpec::answering(info.cert_id, status, at);
        spec.nonce = info.nonce;
        Ok(spec)
    }

    fn answering(cert_id: CertId, status: Status, at: OffsetDateTime) -> ResponseSpec {
        ResponseSpec {
            cert_id,
            status,
            this_update: at,
            next_update: Some(at + time::Duration::days(1)),
            produced_at: at,
            nonce: None,
            responder_id: ResponderIdKind::ByName,
            certs: Vec::new(),
            unknown_critical_extension: false,
        }
    }

    /// Embeds `signer`'s certificate (a delegated responder's) in the response.
    pub fn with_signer_certificate(mut self, signer: &Signer) -> ResponseSpec {
        self.certs.push(signer.cert_der.clone());
        self
    }
}

/// What an OCSP request asks: for a loopback responder.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The first (usually only) CertID.
    pub cert_id: CertId,
    /// Every CertID of the request.
    pub cert_ids: Vec<CertId>,
    /// The nonce extension's value (the contents of its OCTET STRING).
    pub nonce: Option<Vec<u8>>,
}

impl RequestInfo {
    pub fn from_der(der: &[u8]) -> Result<RequestInfo> {
        let request = OcspRequest::from_der(der)?;
        let cert_ids: Vec<CertId> = request
            .tbs_request
            .request_list
            .iter()
            .map(|r| r.req_cert.clone())
            .collect();
        let cert_id = cert_ids
            .first()
            .cloned()
            .ok_or("a request without CertID")?;
        Ok(RequestInfo {
            cert_id,
            cert_ids,
            nonce: request.nonce().map(|n| n.0.as_bytes().to_vec()),
        })
    }

    /// The serial number the request asks about, as encoded.
    pub fn serial(&self) -> Vec<u8> {
        self.cert_id.serial_number.as_bytes().to_vec()
    }
}

/// The CertID of `cert` issued by `issuer`.
pub fn cert_id(cert: &Certificate, issuer: &Certificate, hash: Hash) -> Result<CertId> {
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(hash.digest(&cert.tbs_certificate.issuer.to_der()?))?,
        issuer_key_hash: OctetString::new(
            hash.digest(
                issuer
                    .tbs_certificate
                    .subject_public_key_info
                    .subject_public_key
                    .raw_bytes(),
            ),
        )?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

fn generalized(t: OffsetDateTime) -> Result<OcspGeneralizedTime> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| "a time before 1970")?;
    Ok(OcspGeneralizedTime(GeneralizedTime::from_unix_duration(
        Duration::from_secs(secs),
    )?))
}

fn x509_time(t: OffsetDateTime) -> Result<Time> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| "a time before 1970")?;
    let d = Duration::from_secs(secs);
    Ok(if t.year() < 2050 {
        Time::UtcTime(UtcTime::from_unix_duration(d)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_unix_duration(d)?)
    })
}

fn extension(oid: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value)?,
    })
}

/// Builds and signs the response `spec` with `signer` (the issuer itself, a delegated
/// responder, or anyone a test wants).
pub fn sign_response(spec: &ResponseSpec, signer: &Signer) -> Result<Vec<u8>> {
    let signer_cert = signer.cert()?;
    let responder_id = match spec.responder_id {
        ResponderIdKind::ByName => ResponderId::ByName(signer_cert.tbs_certificate.subject.clone()),
        ResponderIdKind::ByKey => ResponderId::ByKey(OctetString::new(
            Sha1::digest(
                signer_cert
                    .tbs_certificate
                    .subject_public_key_info
                    .subject_public_key
                    .raw_bytes(),
            )
            .to_vec(),
        )?),
    };
    let (cert_status, extended_revoke) = match spec.status {
        Status::Good => (CertStatus::good(), false),
        Status::Unknown => (CertStatus::unknown(), false),
        Status::Revoked { time, reason } => (
            CertStatus::Revoked(RevokedInfo {
                revocation_time: generalized(time)?,
                revocation_reason: reason,
            }),
            false,
        ),
        Status::NotIssued => (
            CertStatus::Revoked(RevokedInfo {
                revocation_time: generalized(OffsetDateTime::UNIX_EPOCH)?,
                revocation_reason: Some(CrlReason::CertificateHold),
            }),
            true,
        ),
    };
    let mut extensions = Vec::new();
    if let Some(nonce) = &spec.nonce {
        extensions.push(extension(
            ID_PKIX_OCSP_NONCE,
            false,
            OctetString::new(nonce.clone())?.to_der()?,
        )?);
    }
    if extended_revoke {
        extensions.push(extension(
            ID_PKIX_OCSP_EXTENDED_REVOKE,
            false,
            Null.to_der()?,
        )?);
    }
    if spec.unknown_critical_extension {
        extensions.push(extension(
            ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
            true,
            Null.to_der()?,
        )?);
    }
    let tbs = ResponseData {
        version: Version::V1,
        responder_id,
        produced_at: generalized(spec.produced_at)?,
        responses: vec![SingleResponse {
            cert_id: spec.cert_id.clone(),
            cert_status,
            this_update: generalized(spec.this_update)?,
            next_update: spec.next_update.map(generalized).transpose()?,
            single_extensions: None,
        }],
        response_extensions: (!extensions.is_empty()).then_some(extensions),
    };
    let signature = signer.key.sign(&tbs.to_der()?)?;
    let certs = spec
        .certs
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let basic = BasicOcspResponse {
        tbs_response_data: tbs,
        signature_algorithm: signer.key.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
        certs: (!certs.is_empty()).then_some(certs),
    };
    Ok(OcspResponse::successful(basic)?.to_der()?)
}

/// A responseStatus other than successful, which carries no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStatus {
    MalformedRequest,
    InternalError,
    TryLater,
    SigRequired,
    Unauthorized,
}

/// The DER OCSPResponse with `status` and no responseBytes.
pub fn error_response(status: ErrorStatus) -> Vec<u8> {
    let response = match status {
        ErrorStatus::MalformedRequest => OcspResponse::malformed_request(),
        ErrorStatus::InternalError => OcspResponse::internal_error(),
        ErrorStatus::TryLater => OcspResponse::try_later(),
        ErrorStatus::SigRequired => OcspResponse::sig_required(),
        ErrorStatus::Unauthorized => OcspResponse::unauthorized(),
    };
    response
        .to_der()
        .expect("a two-field response always encodes")
}

/// A delegated responder certificate to issue.
#[derive(Debug, Clone)]
pub struct ResponderCertSpec {
    /// The subject as an RFC 4514 string, whose last RDN is encoded first: `C=KZ,CN=OCSP`
    /// gives the name shown as `CN=OCSP, C=KZ`.
    pub subject: String,
    pub serial: u64,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// With id-kp-OCSPSigning (otherwise emailProtection: a certificate that may not answer).
    pub ocsp_signing: bool,
    /// With id-pkix-ocsp-nocheck: its own status is not checked.
    pub nocheck: bool,
}

impl ResponderCertSpec {
    /// An authorised responder with nocheck, valid 2025-01-01 – 2030-01-01, as the NCA's is.
    pub fn nca_like(subject: &str, serial: u64) -> ResponderCertSpec {
        ResponderCertSpec {
            subject: subject.to_owned(),
            serial,
            not_before: time::macros::datetime!(2025-01-01 00:00 UTC),
            not_after: time::macros::datetime!(2030-01-01 00:00 UTC),
            ocsp_signing: true,
            nocheck: true,
        }
    }
}

/// Issues the responder certificate `spec` for `key`, signed by `issuer` (the CA whose
/// certificates it will answer about). Returns the DER.
pub fn responder_certificate(
    spec: &ResponderCertSpec,
    key: &SigningKey,
    issuer: &Signer,
) -> Result<Vec<u8>> {
    let issuer_cert = issuer.cert()?;
    let spki = key.spki()?;
    let key_id = Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec();
    // The issuer's own subjectKeyIdentifier (however it was computed), else the SHA-1 of its key.
    let issuer_key_id = issuer_cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_SUBJECT_KEY_ID)
        .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
        .map(|ski| ski.0.as_bytes().to_vec())
        .unwrap_or_else(|| {
            Sha1::digest(
                issuer_cert
                    .tbs_certificate
                    .subject_public_key_info
                    .subject_public_key
                    .raw_bytes(),
            )
            .to_vec()
        });
    let eku = if spec.ocsp_signing {
        ID_KP_OCSP_SIGNING
    } else {
        ID_KP_EMAIL_PROTECTION
    };
    let mut extensions = vec![
        extension(
            ID_CE_BASIC_CONSTRAINTS,
            true,
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            }
            .to_der()?,
        )?,
        extension(
            ID_CE_KEY_USAGE,
            true,
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation).to_der()?,
        )?,
        extension(
            ID_CE_EXT_KEY_USAGE,
            false,
            ExtendedKeyUsage(vec![eku]).to_der()?,
        )?,
        extension(
            ID_CE_SUBJECT_KEY_ID,
            false,
            SubjectKeyIdentifier(OctetString::new(key_id)?).to_der()?,
        )?,
        extension(
            ID_CE_AUTHORITY_KEY_ID,
            false,
            AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(issuer_key_id)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            }
            .to_der()?,
        )?,
    ];
    if spec.nocheck {
        extensions.push(extension(ID_PKIX_OCSP_NOCHECK, false, Null.to_der()?)?);
    }
    let signature_algorithm = issuer.key.signature_algorithm();
    let tbs = TbsCertificate {
        version: CertVersion::V3,
        serial_number: SerialNumber::from(spec.serial),
        signature: signature_algorithm.clone(),
        issuer: issuer_cert.tbs_certificate.subject.clone(),
        validity: Validity {
            not_before: x509_time(spec.not_before)?,
            not_after: x509_time(spec.not_after)?,
        },
        subject: Name::from_str(&spec.subject)?,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = issuer.key.sign(&tbs.to_der()?)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(cert.to_der()?)
}

/// id-ri-ocsp-response (RFC 5940).
const ID_RI_OCSP_RESPONSE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.16.2");

/// `signed_data` (a DER ContentInfo holding a SignedData without `crls`) with `responses` (DER
/// OCSPResponses) added to its RevocationInfoChoices as `other` [1] OtherRevocationInfoFormat
/// { id-ri-ocsp-response, OCSPResponse } (RFC 5940 §4.2), as a signer that embeds its
/// revocation evidence does. The signature is untouched: revocation information is unsigned.
pub fn embed_in_signed_data(signed_data: &[u8], responses: &[Vec<u8>]) -> Result<Vec<u8>> {
    let info = cms::content_info::ContentInfo::from_der(signed_data)?;
    let mut fields = Vec::<Any>::from_der(&info.content.to_der()?)?;
    let mut choices = Vec::new();
    for response in responses {
        let mut value = ID_RI_OCSP_RESPONSE.to_der()?;
        value.extend_from_slice(&Any::from_der(response)?.to_der()?);
        choices.push(Any::new(
            Tag::ContextSpecific {
                constructed: true,
                number: der::TagNumber::N1,
            },
            value,
        )?);
    }
    let mut set = Vec::new();
    for choice in &choices {
        set.extend(choice.to_der()?);
    }
    let crls = Any::new(
        Tag::ContextSpecific {
            constructed: true,
            number: der::TagNumber::N1,
        },
        set,
    )?;
    if fields.len() < 4 {
        return Err("not a SignedData".into());
    }
    let signer_infos = fields.len() - 1;
    fields.insert(signer_infos, crls);
    let content = Any::from_der(&fields.to_der()?)?;
    Ok(cms::content_info::ContentInfo {
        content_type: info.content_type,
        content,
    }
    .to_der()?)
}
