//! CMS SignedData (RFC 5652) made by an officer: one SignerInfo (issuerAndSerialNumber) with the
//! signed attributes contentType, messageDigest, signingTime and ESS signingCertificateV2
//! (RFC 5035), attached or detached, in DER.
//!
//! Two profiles, chosen by the officer's key:
//!
//! - **RSA and P-256**: digest SHA-256 (no parameters), `sha256WithRSAEncryption` (NULL
//!   parameters) or `ecdsa-with-SHA256` (none); signingCertificateV2 with issuerSerial; the
//!   officer's certificate and its chain (never the root) in `certificates`.
//! - **GOST 2015-512, as NCALayer writes it** (checked on NCALayer signatures of 2024 and 2025,
//!   test and production CA): digestAlgorithm Streebog-512 under the NCA's OID 1.2.398.3.10.1.3.3
//!   with NULL parameters, in `digestAlgorithms` and in the SignerInfo; signatureAlgorithm the
//!   NCA's GOST 2015-512 OID 1.2.398.3.10.1.1.2.3.2 with NULL parameters; messageDigest the
//!   Streebog-512 of the content; signingCertificateV2 holding one ESSCertIDv2 with the SHA-256
//!   of the certificate only (hashAlgorithm left out as the SHA-256 default, no issuerSerial);
//!   the officer's certificate alone in `certificates`; the signature r‖s, each half
//!   little-endian (the NCA's byte order), over the Streebog-512 of the DER SET of the signed
//!   attributes.
//!
//! Every structure is a typed value of the `cms`, `x509-cert` and `der` crates, encoded by `der`.
//! The parts that are the same in every signature of an officer (signer identifier, algorithm
//! identifiers, signingCertificateV2) are built once as `cms`/`x509-cert`/`spki` values and kept
//! encoded; ContentInfo, SignedData, EncapsulatedContentInfo and SignerInfo are declared here with
//! the ASN.1 of their `cms` crate twins but borrowing those encodings, the certificates' own DER
//! and the document, so that a signature re-encodes nothing fixed and copies the document once.
//! Tests read every signature back with the `cms` crate's types.

use std::time::Duration;

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::signed_data::{DigestAlgorithmIdentifiers, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, OctetString, OctetStringRef, SetOf, SetOfVec, UtcTime};
use der::{Any, AnyRef, Decode, Encode, Sequence, ValueOrd};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::keystore::{KeyAlgorithm, SigningKey};
use qoltanba_core::gost;
use qoltanba_core::oid::alg as alg_oid;
use qoltanba_core::oid::cms as cms_oid;
use qoltanba_core::Certificate;

pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-aa-signingCertificateV2 (RFC 5035).
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
}

/// `ESSCertIDv2` (RFC 5035 §3). `hashAlgorithm` is `DEFAULT {algorithm id-sha256}`: DER leaves a
/// default value out, and the hash here is always SHA-256, so the field is absent.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial` (RFC 5035 §3): the certificate's issuer as GeneralNames, and its serial.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

/// `SigningCertificateV2` (RFC 5035 §3), without policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

/// `ContentInfo` (RFC 5652 §3) holding a SignedData: `cms::content_info::ContentInfo` with the
/// content typed instead of `ANY`.
#[derive(Sequence)]
struct ContentInfoOut<'a> {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    content: SignedDataOut<'a>,
}

/// `SignedData` (RFC 5652 §5.1), as `cms::signed_data::SignedData` without CRLs, the fixed parts
/// as their DER: `digestAlgorithms` (one SET), each certificate (`CertificateChoices` of plain
/// X.509 certificates).
#[derive(Sequence)]
struct SignedDataOut<'a> {
    version: CmsVersion,
    digest_algorithms: AnyRef<'a>,
    encap_content_info: EncapsulatedContentOut<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<SetOfVec<AnyRef<'a>>>,
    signer_infos: SetOfVec<SignerInfoOut<'a>>,
}

/// `EncapsulatedContentInfo` (RFC 5652 §5.2), as `cms::signed_data::EncapsulatedContentInfo`
/// with the content borrowed.
#[derive(Sequence)]
struct EncapsulatedContentOut<'a> {
    econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    econtent: Option<OctetStringRef<'a>>,
}

/// `SignerInfo` (RFC 5652 §5.3), as `cms::signed_data::SignerInfo` without unsigned attributes:
/// the signer identifier and algorithms as the DER of their `cms`/`spki` values, the signed
/// attributes as the DER SET that was signed (re-tagged `[0] IMPLICIT`).
#[derive(Sequence, ValueOrd)]
struct SignerInfoOut<'a> {
    version: CmsVersion,
    sid: AnyRef<'a>,
    digest_alg: AnyRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    signed_attrs: AnyRef<'a>,
    signature_algorithm: AnyRef<'a>,
    signature: OctetStringRef<'a>,
}

/// `Attribute` (RFC 5652 §5.3) with one value, as `x509_cert::attr::Attribute` but borrowing
/// the value's DER.
#[derive(Sequence, ValueOrd)]
struct AttributeOut<'a> {
    oid: ObjectIdentifier,
    values: SetOf<AnyRef<'a>, 1>,
}

impl<'a> AttributeOut<'a> {
    fn new(oid: ObjectIdentifier, value_der: &'a [u8]) -> Result<Self, der::Error> {
        Ok(AttributeOut {
            oid,
            values: SetOf::try_from([AnyRef::from_der(value_der)?])?,
        })
    }
}

/// What to sign and how.
pub struct SignInput<'a> {
    pub content: &'a [u8],
    /// Leave the content out of the SignedData (the verifier is given it separately).
    pub detached: bool,
    /// The signingTime attribute (whole seconds, UTC).
    pub signing_time: OffsetDateTime,
    /// The eContentType and the value of the contentType attribute: id-data for documents,
    /// id-ct-TSTInfo for an RFC 3161 time-stamp token.
    pub content_type: ObjectIdentifier,
}

impl<'a> SignInput<'a> {
    /// A document (`id-data`), the content of every officer's signature.
    pub fn data(content: &'a [u8], detached: bool, signing_time: OffsetDateTime) -> Self {
        SignInput {
            content,
            detached,
            signing_time,
            content_type: cms_oid::DATA,
        }
    }
}

/// The hash of the content (messageDigest) and of the signed attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentDigest {
    Sha256,
    Streebog512,
}

impl ContentDigest {
    /// Hashes `data` into `out` and returns the digest's bytes.
    fn digest<'o>(self, data: &[u8], out: &'o mut [u8; 64]) -> &'o [u8] {
        match self {
            ContentDigest::Sha256 => {
                out[..32].copy_from_slice(&Sha256::digest(data));
                &out[..32]
            }
            ContentDigest::Streebog512 => {
                out.copy_from_slice(&gost::Digest::Streebog512.digest(data));
                &out[..]
            }
        }
    }
}

/// What is the same in every signature of one certificate, built once from typed values of the
/// `cms`, `x509-cert` and `spki` crates and kept encoded.
pub struct SignerTemplate {
    /// The hash of messageDigest (the signature's own hash is the key's).
    content_digest: ContentDigest,
    /// `SignerIdentifier::IssuerAndSerialNumber`.
    sid: Vec<u8>,
    /// The value of the `signingCertificateV2` attribute.
    signing_certificate: Vec<u8>,
    /// `certificates`: the signer's and the intermediates', each a strict DER X.509 certificate.
    certificates: Vec<Vec<u8>>,
    /// `DigestAlgorithmIdentifiers` (SET OF one SHA-256 or Streebog-512 identifier).
    digest_algorithms: Vec<u8>,
    /// SHA-256 or Streebog-512 `AlgorithmIdentifier`.
    digest_algorithm: Vec<u8>,
    /// sha256WithRSAEncryption, ecdsa-with-SHA256 or the NCA's GOST 2015-512 `AlgorithmIdentifier`.
    signature_algorithm: Vec<u8>,
}

impl SignerTemplate {
    /// `chain` holds the intermediates to put in `certificates` besides the signer's own (the
    /// caller leaves the root out; the signer's certificate, if there, is not repeated). A GOST
    /// signature carries the signer's certificate alone, as NCALayer's do: `chain` is not used.
    pub fn new(
        signer: &Certificate,
        chain: &[&Certificate],
        algorithm: KeyAlgorithm,
    ) -> Result<Self, der::Error> {
        let parsed = x509_cert::Certificate::from_der(&signer.der)?;
        let tbs = &parsed.tbs_certificate;
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        })
        .to_der()?;
        let signature_algorithm = match algorithm {
            // RFC 4055: sha256WithRSAEncryption with NULL parameters.
            KeyAlgorithm::Rsa { .. } => AlgorithmIdentifierOwned {
                oid: alg_oid::SHA256_WITH_RSA,
                parameters: Some(Any::null()),
            },
            // RFC 5758: ecdsa-with-SHA256 without parameters.
            KeyAlgorithm::EcdsaP256 => AlgorithmIdentifierOwned {
                oid: alg_oid::ECDSA_SHA256,
                parameters: None,
            },
            KeyAlgorithm::Gost2015_512 => return Self::nca_gost(signer, sid),
        };
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(&signer.der).to_vec())?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                    serial_number: tbs.serial_number.clone(),
                }),
            }],
        };
        let signing_certificate = ess.to_der()?;

        let mut certificates = vec![signer.der.clone()];
        for cert in chain {
            if cert.fingerprint == signer.fingerprint {
                continue;
            }
            // Strict DER X.509, as `CertificateChoices::Certificate` would hold it.
            x509_cert::Certificate::from_der(&cert.der)?;
            certificates.push(cert.der.clone());
        }

        let sha256 = AlgorithmIdentifierOwned {
            oid: oid::SHA256,
            parameters: None,
        };
        let digest_algorithms: DigestAlgorithmIdentifiers =
            SetOfVec::try_from(vec![sha256.clone()])?;
        Ok(SignerTemplate {
            content_digest: ContentDigest::Sha256,
            sid,
            signing_certificate,
            certificates,
            digest_algorithms: digest_algorithms.to_der()?,
            digest_algorithm: sha256.to_der()?,
            signature_algorithm: signature_algorithm.to_der()?,
        })
    }

    /// The NCALayer profile of a GOST 2015-512 signature (see the module's documentation).
    fn nca_gost(signer: &Certificate, sid: Vec<u8>) -> Result<Self, der::Error> {
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(&signer.der).to_vec())?,
                issuer_serial: None,
            }],
        };
        let streebog512 = AlgorithmIdentifierOwned {
            oid: gost::oid::NCA_STREEBOG512,
            parameters: Some(Any::null()),
        };
        let digest_algorithms: DigestAlgorithmIdentifiers =
            SetOfVec::try_from(vec![streebog512.clone()])?;
        let signature_algorithm = AlgorithmIdentifierOwned {
            oid: gost::oid::NCA_GOST2015_512_SIGNATURE,
            parameters: Some(Any::null()),
        };
        Ok(SignerTemplate {
            content_digest: ContentDigest::Streebog512,
            sid,
            signing_certificate: ess.to_der()?,
            certificates: vec![signer.der.clone()],
            digest_algorithms: digest_algorithms.to_der()?,
            digest_algorithm: streebog512.to_der()?,
            signature_algorithm: signature_algorithm.to_der()?,
        })
    }

    /// Signs `input` with `key` (which must be the template certificate's key) and returns the
    /// DER ContentInfo.
    pub fn sign(&self, key: &SigningKey, input: &SignInput<'_>) -> Result<Vec<u8>, BuildError> {
        let mut digest = [0u8; 64];
        let digest = self.content_digest.digest(input.content, &mut digest);
        // The attribute values, encoded on the stack.
        let mut content_type = [0u8; 48];
        let content_type = input.content_type.encode_to_slice(&mut content_type)?;
        let mut time = [0u8; 24];
        let time = signing_time(input.signing_time)?.encode_to_slice(&mut time)?;
        let mut message_digest = [0u8; 72];
        let message_digest = OctetStringRef::new(digest)?.encode_to_slice(&mut message_digest)?;
        let signed_attrs = SetOf::try_from([
            AttributeOut::new(cms_oid::CONTENT_TYPE, content_type)?,
            AttributeOut::new(cms_oid::SIGNING_TIME, time)?,
            AttributeOut::new(cms_oid::MESSAGE_DIGEST, message_digest)?,
            AttributeOut::new(oid::SIGNING_CERTIFICATE_V2, &self.signing_certificate)?,
        ])?;
        // The signature covers the DER SET OF the signed attributes (RFC 5652 §5.4), hashed with
        // the key's hash (SHA-256, or Streebog-512 for GOST).
        let to_sign = signed_attrs.to_der()?;
        let signature = key.sign(&to_sign).map_err(BuildError::Sign)?;

        let signer_info = SignerInfoOut {
            version: CmsVersion::V1,
            sid: AnyRef::from_der(&self.sid)?,
            digest_alg: AnyRef::from_der(&self.digest_algorithm)?,
            signed_attrs: AnyRef::from_der(&to_sign)?,
            signature_algorithm: AnyRef::from_der(&self.signature_algorithm)?,
            signature: OctetStringRef::new(&signature)?,
        };
        let econtent = if input.detached {
            None
        } else {
            Some(OctetStringRef::new(input.content)?)
        };
        let certificates = self
            .certificates
            .iter()
            .map(|der| AnyRef::from_der(der))
            .collect::<Result<Vec<_>, _>>()?;
        let info = ContentInfoOut {
            content_type: cms_oid::SIGNED_DATA,
            content: SignedDataOut {
                // RFC 5652 §5.1: version 3 when the eContentType is not id-data.
                version: if input.content_type == cms_oid::DATA {
                    CmsVersion::V1
                } else {
                    CmsVersion::V3
                },
                digest_algorithms: AnyRef::from_der(&self.digest_algorithms)?,
                encap_content_info: EncapsulatedContentOut {
                    econtent_type: input.content_type,
                    econtent,
                },
                certificates: Some(SetOfVec::try_from(certificates)?),
                signer_infos: SetOfVec::try_from(vec![signer_info])?,
            },
        };
        Ok(info.to_der()?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("DER encoding: {0}")]
    Der(#[from] der::Error),
    #[error("{0}")]
    Sign(String),
}

/// RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise.
fn signing_time(t: OffsetDateTime) -> Result<Time, der::Error> {
    let seconds = u64::try_from(t.unix_timestamp()).map_err(|_| der::ErrorKind::DateTime)?;
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(seconds))?;
    Ok(if dt.year() <= UtcTime::MAX_YEAR {
        Time::UtcTime(UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_date_time(dt))
    })
}
