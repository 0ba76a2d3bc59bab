//! CMS SignedData (RFC 5652): parsed once into a [`SignedMessage`].
//!
//! The structures are decoded with `der` borrowing from the input, so certificates reach the
//! certificate parser as their original DER and the signed attributes are verified over the exact
//! bytes the signer produced.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{Decode, Encode, Header, Sequence, Tag, TagNumber, Tagged};
use spki::AlgorithmIdentifierRef;
use time::OffsetDateTime;
use x509_cert::time::Time;

use crate::asn1::{each, RawSet};
use crate::cert::{Certificate, ParsedCertificates};
use crate::crypto::{CryptoError, HashAlg, ImpliedAlgorithms, SignatureAlgorithm};
use crate::name::DistinguishedName;

pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
}

/// Why an input is not a usable CMS SignedData (reason `malformed_signature`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    #[error("not a CMS structure: {0}")]
    NotCms(String),
    #[error("the CMS content is {0}, not SignedData")]
    NotSignedData(String),
    #[error("the SignedData has no signer")]
    NoSigner,
    #[error("the SignedData carries {0} certificates, more than the limit of {1}")]
    TooManyCertificates(usize, usize),
    #[error("the SignedData has {0} signers, more than the limit of {1}")]
    TooManySigners(usize, usize),
    #[error("certificate {0} in the SignedData is unreadable: {1}")]
    BadCertificate(usize, String),
    #[error("signer {0}: {1}")]
    BadSigner(usize, String),
    /// RFC 5652 §5.3: signedAttrs "MUST be present if the content type of the
    /// EncapsulatedContentInfo value being signed is not id-data". Without them nothing binds the
    /// content type to the signature, so another type's content could pass for the one signed.
    #[error(
        "signer {0}: the content type is {1}, not id-data, and the signer has no signed \
         attributes, which RFC 5652 §5.3 requires for it"
    )]
    MissingSignedAttributes(usize, String),
}

#[derive(Sequence)]
struct ContentInfo<'a> {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    content: AnyRef<'a>,
}

#[derive(Sequence)]
struct SignedDataRef<'a> {
    version: u8,
    digest_algorithms: RawSet<'a>,
    encap: EncapsulatedContent<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<RawSet<'a>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<RawSet<'a>>,
    signer_infos: RawSet<'a>,
}

#[derive(Sequence)]
struct EncapsulatedContent<'a> {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    content: Option<OctetStringRef<'a>>,
}

#[derive(Sequence)]
struct SignerInfoRef<'a> {
    version: u8,
    sid: AnyRef<'a>,
    digest_algorithm: AlgorithmIdentifierRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    signed_attrs: Option<RawSet<'a>>,
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    signature: OctetStringRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    unsigned_attrs: Option<RawSet<'a>>,
}

#[derive(Sequence)]
struct IssuerAndSerial<'a> {
    issuer: AnyRef<'a>,
    serial: AnyRef<'a>,
}

#[derive(Sequence)]
struct AttributeRef<'a> {
    kind: ObjectIdentifier,
    values: RawSet<'a>,
}

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone)]
pub enum SignerId {
    IssuerSerial {
        issuer: DistinguishedName,
        serial: Vec<u8>,
    },
    KeyId(Vec<u8>),
}

impl SignerId {
    pub fn matches(&self, cert: &Certificate) -> bool {
        match self {
            SignerId::IssuerSerial { issuer, serial } => {
                cert.serial == *serial && cert.issuer.matches(issuer)
            }
            SignerId::KeyId(id) => cert.subject_key_id.as_deref() == Some(id.as_slice()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            SignerId::IssuerSerial { issuer, serial } => {
                format!(
                    "issuer {issuer}, serial {}",
                    crate::cert::serial_hex(serial)
                )
            }
            SignerId::KeyId(id) => format!("subject key identifier {}", hex::encode(id)),
        }
    }
}

/// Signed attributes, with the DER SET the signature covers.
#[derive(Debug, Clone)]
pub struct SignedAttributes {
    pub der: Vec<u8>,
    pub message_digest: Option<Vec<u8>>,
    pub content_type: Option<ObjectIdentifier>,
    pub signing_time: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct SignerData {
    pub id: SignerId,
    /// `Err` keeps why the algorithm is not supported; reported as `unsupported_algorithm`.
    pub algorithm: Result<(HashAlg, SignatureAlgorithm), CryptoError>,
    /// What the signatureAlgorithm alone admits, for when `algorithm` is `Err` because of the
    /// (unsigned, freely rewritable) digestAlgorithm.
    pub implied: ImpliedAlgorithms,
    pub signed_attributes: Option<SignedAttributes>,
    pub signature: Vec<u8>,
    /// Raw unsigned attributes (time-stamp tokens live here).
    pub unsigned_attributes: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct SignedMessage {
    pub content_type: ObjectIdentifier,
    /// `None` for a detached signature.
    pub content: Option<Vec<u8>>,
    pub certificates: Vec<Arc<Certificate>>,
    pub signers: Vec<SignerData>,
    /// OCSP responses the SignedData carries in its RevocationInfoChoices (RFC 5940:
    /// `other` with id-ri-ocsp-response); unreadable ones are left out, as they prove nothing.
    pub ocsp_responses: Vec<Arc<crate::ocsp::OcspResponse>>,
}

/// OCSP responses read from one SignedData; more are ignored (a signer embeds one per
/// certificate of its path).
const MAX_EMBEDDED_OCSP: usize = 16;

#[derive(Debug, Clone, Copy)]
pub struct CmsLimits {
    pub max_certificates: usize,
    pub max_signers: usize,
}

impl Default for CmsLimits {
    fn default() -> Self {
        CmsLimits {
            max_certificates: 64,
            max_signers: 16,
        }
    }
}

fn not_cms(e: der::Error) -> CmsError {
    CmsError::NotCms(e.to_string())
}

impl SignedMessage {
    /// Parses a ContentInfo → SignedData in DER, or in BER as streaming producers write it
    /// (indefinite lengths, a segmented content; CONTRACT §4).
    ///
    /// DER is tried first (the usual case costs nothing more). An input `der` refuses is rewritten
    /// into its definite-length form (the `ber` module) and parsed again; the rewrite leaves DER
    /// parts byte for byte, so certificates keep their signed bytes and DER signed attributes
    /// are verified over exactly what the signer signed.
    pub fn from_der(input: &[u8], limits: CmsLimits) -> Result<Self, CmsError> {
        match Self::from_definite(input, limits) {
            Err(
                e @ (CmsError::NotCms(_) | CmsError::BadCertificate(..) | CmsError::BadSigner(..)),
            ) => match crate::ber::to_der(input) {
                Ok(definite) if definite != input => Self::from_definite(&definite, limits),
                // Not BER either, or nothing BER-specific in it: the DER error says why.
                _ => Err(e),
            },
            other => other,
        }
    }

    fn from_definite(der: &[u8], limits: CmsLimits) -> Result<Self, CmsError> {
        let info = ContentInfo::from_der(der).map_err(not_cms)?;
        if info.content_type != oid::SIGNED_DATA {
            return Err(CmsError::NotSignedData(crate::crypto::describe_oid(
                &info.content_type,
            )));
        }
        let signed: SignedDataRef<'_> = info.content.decode_as().map_err(not_cms)?;
        // digestAlgorithms is informative only; each SignerInfo states its own.
        let _ = (signed.version, signed.digest_algorithms.0);
        let ocsp_responses = match &signed.crls {
            Some(set) => embedded_ocsp(set),
            None => Vec::new(),
        };

        // Each CertificateChoices with its complete encoding: the elements of the SET follow one
        // another, so an element's bytes run from where the previous one ended to the end of its
        // value (no re-encoding, no copy).
        let mut raw_certificates: Vec<(AnyRef<'_>, &[u8])> = Vec::new();
        if let Some(set) = &signed.certificates {
            let body = set.0;
            let mut start = 0;
            each::<AnyRef<'_>>(body, |choice| {
                let value = choice.value();
                let end = value.as_ptr() as usize - body.as_ptr() as usize + value.len();
                raw_certificates.push((choice, &body[start..end]));
                start = end;
                Ok(())
            })
            .map_err(not_cms)?;
        }
        if raw_certificates.len() > limits.max_certificates {
            return Err(CmsError::TooManyCertificates(
                raw_certificates.len(),
                limits.max_certificates,
            ));
        }
        let mut certificates = Vec::with_capacity(raw_certificates.len());
        for (index, (choice, der)) in raw_certificates.iter().enumerate() {
            // Only plain X.509 certificates (a SEQUENCE); other CertificateChoices are skipped.
            if choice.tag() != Tag::Sequence {
                continue;
            }
            // The same certificates come with signature after signature: parse each once.
            let cert = ParsedCertificates::global()
                .parse(der)
                .map_err(|e| CmsError::BadCertificate(index + 1, e.to_string()))?;
            certificates.push(cert);
        }

        let mut signers = Vec::new();
        let mut signer_error = None;
        each::<SignerInfoRef<'_>>(signed.signer_infos.0, |info| {
            if signer_error.is_none() {
                match SignerData::from_ref(info, &certificates) {
                    Ok(s) => signers.push(s),
                    Err(why) => signer_error = Some(CmsError::BadSigner(signers.len() + 1, why)),
                }
            }
            Ok(())
        })
        .map_err(not_cms)?;
        if let Some(e) = signer_error {
            return Err(e);
        }
        if signers.is_empty() {
            return Err(CmsError::NoSigner);
        }
        if signers.len() > limits.max_signers {
            return Err(CmsError::TooManySigners(signers.len(), limits.max_signers));
        }
        if signed.encap.content_type != oid::DATA {
            if let Some(index) = signers.iter().position(|s| s.signed_attributes.is_none()) {
                return Err(CmsError::MissingSignedAttributes(
                    index + 1,
                    crate::crypto::describe_oid(&signed.encap.content_type),
                ));
            }
        }
        Ok(SignedMessage {
            content_type: signed.encap.content_type,
            content: signed.encap.content.map(|c| c.as_bytes().to_vec()),
            certificates,
            signers,
            ocsp_responses,
        })
    }
}

/// The OCSP responses among a SignedData's RevocationInfoChoices: `other` ([1] IMPLICIT
/// OtherRevocationInfoFormat) with id-ri-ocsp-response. CRLs there are not read (the service
/// brings CRLs itself); an unreadable choice is skipped rather than making the signature
/// malformed, since revocation information is unsigned and optional.
fn embedded_ocsp(set: &RawSet<'_>) -> Vec<Arc<crate::ocsp::OcspResponse>> {
    let other = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N1,
    };
    let mut found = Vec::new();
    let _ = each::<AnyRef<'_>>(set.0, |choice| {
        if choice.tag() != other || found.len() >= MAX_EMBEDDED_OCSP {
            return Ok(());
        }
        let parsed = (|| -> der::Result<Option<Vec<u8>>> {
            let mut reader = der::SliceReader::new(choice.value())?;
            let format = ObjectIdentifier::decode(&mut reader)?;
            let info = AnyRef::decode(&mut reader)?;
            if format != crate::ocsp::oid::RI_OCSP_RESPONSE {
                return Ok(None);
            }
            Ok(Some(info.to_der()?))
        })();
        if let Ok(Some(der)) = parsed {
            if let Ok(response) = crate::ocsp::OcspResponse::from_der(&der) {
                found.push(Arc::new(response));
            }
        }
        Ok(())
    });
    found
}

fn single_value<'a>(values: &RawSet<'a>) -> Result<AnyRef<'a>, String> {
    // Counted rather than collected: no allocation for the usual single value.
    let mut first = None;
    let mut count = 0usize;
    each::<AnyRef<'a>>(values.0, |v| {
        first.get_or_insert(v);
        count += 1;
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    match (first, count) {
        (Some(one), 1) => Ok(one),
        _ => Err(format!("attribute has {count} values, expected one")),
    }
}

impl SignerData {
    /// `certificates` are those of the same SignedData, already parsed.
    fn from_ref(
        info: SignerInfoRef<'_>,
        certificates: &[Arc<Certificate>],
    ) -> Result<Self, String> {
        let id = if info.sid.tag() == Tag::Sequence {
            let ias: IssuerAndSerial<'_> = info.sid.decode_as().map_err(|e| e.to_string())?;
            let issuer_der = ias.issuer.to_der().map_err(|e| e.to_string())?;
            // The signer's issuer is normally the issuer of a certificate carried alongside, whose
            // name was parsed from the very same bytes: reuse it rather than parse it again.
            let known = certificates
                .iter()
                .find(|c| c.issuer.der == issuer_der)
                .map(|c| c.issuer.clone());
            let issuer = match known {
                Some(name) => name,
                None => DistinguishedName::from_der(&issuer_der)
                    .ok_or_else(|| "unreadable issuer name in the signer identifier".to_string())?,
            };
            if ias.serial.tag() != Tag::Integer {
                return Err("signer serial number is not an INTEGER".into());
            }
            SignerId::IssuerSerial {
                issuer,
                serial: ias.serial.value().to_vec(),
            }
        } else if info.sid.tag()
            == (Tag::ContextSpecific {
                constructed: false,
                number: TagNumber::N0,
            })
        {
            SignerId::KeyId(info.sid.value().to_vec())
        } else {
            return Err("unknown signer identifier form".into());
        };

        let signed_attributes = match &info.signed_attrs {
            Some(set) => Some(read_signed_attributes(set)?),
            None => None,
        };
        let unsigned_attributes = info.unsigned_attrs.map(|u| u.0.to_vec());
        Ok(SignerData {
            id,
            algorithm: SignatureAlgorithm::from_cms(
                &info.digest_algorithm,
                &info.signature_algorithm,
            ),
            implied: SignatureAlgorithm::implied_by_cms(&info.signature_algorithm),
            signed_attributes,
            signature: info.signature.as_bytes().to_vec(),
            unsigned_attributes,
        })
    }
}

fn read_signed_attributes(set: &RawSet<'_>) -> Result<SignedAttributes, String> {
    // The signature covers the attributes re-tagged as a universal SET (RFC 5652 §5.4).
    let length = der::Length::try_from(set.0.len()).map_err(|e| e.to_string())?;
    let mut der = Header::new(Tag::Set, length)
        .and_then(|h| h.to_der())
        .map_err(|e| e.to_string())?;
    der.extend_from_slice(set.0);

    let mut attrs = SignedAttributes {
        der,
        message_digest: None,
        content_type: None,
        signing_time: None,
    };
    let mut seen = Vec::new();
    let mut problem = None;
    each::<AttributeRef<'_>>(set.0, |attr| {
        if seen.contains(&attr.kind) {
            problem.get_or_insert(format!("signed attribute {} appears twice", attr.kind));
        }
        seen.push(attr.kind);
        let outcome: Result<(), String> = (|| {
            match attr.kind {
                oid::MESSAGE_DIGEST => {
                    let v: OctetStringRef<'_> = single_value(&attr.values)?
                        .decode_as()
                        .map_err(|e| e.to_string())?;
                    attrs.message_digest = Some(v.as_bytes().to_vec());
                }
                oid::CONTENT_TYPE => {
                    let v: ObjectIdentifier = single_value(&attr.values)?
                        .decode_as()
                        .map_err(|e| e.to_string())?;
                    attrs.content_type = Some(v);
                }
                oid::SIGNING_TIME => {
                    let value = single_value(&attr.values)?
                        .to_der()
                        .map_err(|e| e.to_string())?;
                    let v = Time::from_der(&value).map_err(|e| e.to_string())?;
                    attrs.signing_time = Some(crate::crl::to_datetime(v));
                }
                _ => {}
            }
            Ok(())
        })();
        if let Err(e) = outcome {
            problem.get_or_insert(e);
        }
        Ok(())
    })
    .map_err(|e| format!("signed attributes: {e}"))?;
    match problem {
        Some(p) => Err(p),
        None => Ok(attrs),
    }
}
