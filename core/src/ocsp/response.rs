//! An OCSPResponse (RFC 6960 §4.2.1) parsed once at the edge into owned, checked fields.
//!
//! The ASN.1 comes from `x509-ocsp`; only the outer BasicOCSPResponse is read with a small `der`
//! structure of our own, so that the signed `tbsResponseData` is kept exactly as encoded (the
//! signature covers those bytes) and the embedded certificates go through the core's own
//! certificate parser. Nothing is judged here: whether the response counts for a certificate at
//! a time is `judge`'s question.

use std::sync::Arc;

use der::asn1::{AnyRef, BitStringRef, OctetString};
use der::{Decode, Encode, Reader, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierRef;
use time::OffsetDateTime;
use x509_ocsp::{
    CertStatus as RawStatus, OcspResponseStatus, ResponderId as RawResponder, ResponseData,
};

use super::{oid, CertIdHash, OcspError};
use crate::cert::Certificate;
use crate::crl::RevocationReason;
use crate::crypto::{CryptoError, SignatureAlgorithm};
use crate::name::DistinguishedName;

/// Upper bounds on an untrusted OCSP response.
#[derive(Debug, Clone, Copy)]
pub struct OcspLimits {
    /// The whole DER response.
    pub max_bytes: usize,
    /// SingleResponses in one response (a responder answers the one certificate asked about;
    /// some batch a few).
    pub max_responses: usize,
    /// Certificates embedded in the response (the delegated responder's, perhaps its chain).
    pub max_certificates: usize,
}

impl Default for OcspLimits {
    fn default() -> Self {
        OcspLimits {
            max_bytes: 1 << 20,
            max_responses: 64,
            max_certificates: 8,
        }
    }
}

/// The responseStatus of RFC 6960 §4.2.1. Only `successful` carries a signed answer; the others
/// say the responder could not answer, which proves nothing about any certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    Successful,
    MalformedRequest,
    InternalError,
    TryLater,
    SigRequired,
    Unauthorized,
}

impl ResponseStatus {
    /// The RFC's name: `tryLater`, `internalError`, …
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseStatus::Successful => "successful",
            ResponseStatus::MalformedRequest => "malformedRequest",
            ResponseStatus::InternalError => "internalError",
            ResponseStatus::TryLater => "tryLater",
            ResponseStatus::SigRequired => "sigRequired",
            ResponseStatus::Unauthorized => "unauthorized",
        }
    }
}

/// How the response names its signer (RFC 6960 §4.2.2.3).
#[derive(Debug, Clone)]
pub enum ResponderId {
    ByName(DistinguishedName),
    /// SHA-1 of the signer's subjectPublicKey BIT STRING contents.
    ByKey(Vec<u8>),
}

impl std::fmt::Display for ResponderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResponderId::ByName(name) => write!(f, "{name}"),
            ResponderId::ByKey(hash) => write!(f, "key hash {}", hex::encode(hash)),
        }
    }
}

/// The certStatus of one SingleResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked {
        time: OffsetDateTime,
        reason: Option<RevocationReason>,
    },
    Unknown,
}

impl CertStatus {
    /// `good`, `revoked` or `unknown`, as the evidence records it.
    pub fn as_str(&self) -> &'static str {
        match self {
            CertStatus::Good => "good",
            CertStatus::Revoked { .. } => "revoked",
            CertStatus::Unknown => "unknown",
        }
    }
}

/// One SingleResponse: the status of the certificate its CertID names.
#[derive(Debug, Clone)]
pub struct SingleResponse {
    /// The CertID's hash algorithm; `None` for one this service does not compute (such an
    /// answer can never match a certificate).
    pub hash: Option<CertIdHash>,
    pub issuer_name_hash: Vec<u8>,
    pub issuer_key_hash: Vec<u8>,
    /// The serial number as encoded, compared byte for byte with the certificate's.
    pub serial: Vec<u8>,
    pub status: CertStatus,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    /// The extended-revoke extension (RFC 6960 §4.4.8) is in the response, or in this
    /// SingleResponse: a "revoked" status may then mean "never issued".
    pub extended_revoke: bool,
    /// Critical single extensions this service does not understand: the answer is unusable.
    pub unsupported_critical: Vec<String>,
}

/// A parsed OCSPResponse.
#[derive(Debug, Clone)]
pub struct OcspResponse {
    der: Vec<u8>,
    /// SHA-256 of the DER: the identity of the response in evidence and in the signature cache.
    pub sha256: [u8; 32],
    pub status: ResponseStatus,
    /// The signed answer; `Some` exactly when `status` is `successful`.
    pub basic: Option<BasicResponse>,
}

/// A BasicOCSPResponse (RFC 6960 §4.2.1).
#[derive(Debug, Clone)]
pub struct BasicResponse {
    /// tbsResponseData as encoded: what the signature covers.
    tbs: Vec<u8>,
    /// `Err` keeps why the signature algorithm is not supported.
    pub(crate) algorithm: Result<SignatureAlgorithm, CryptoError>,
    pub(crate) signature: Vec<u8>,
    pub responder: ResponderId,
    pub produced_at: OffsetDateTime,
    pub responses: Vec<SingleResponse>,
    /// The nonce extension's value (the contents of its OCTET STRING), when present.
    pub nonce: Option<Vec<u8>>,
    /// Certificates the responder sent along: a delegated responder's own certificate.
    pub certs: Vec<Arc<Certificate>>,
    /// Critical response extensions this service does not understand: the response is unusable.
    pub unsupported_critical: Vec<String>,
}

impl BasicResponse {
    /// The signed bytes (tbsResponseData).
    pub(crate) fn tbs(&self) -> &[u8] {
        &self.tbs
    }
}

/// The outer BasicOCSPResponse, with tbsResponseData left as it was encoded.
#[derive(Sequence)]
struct BasicRaw<'a> {
    tbs_response_data: AnyRef<'a>,
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    certs: Option<AnyRef<'a>>,
}

fn malformed(e: impl std::fmt::Display) -> OcspError {
    OcspError::Malformed(e.to_string())
}

pub(crate) fn to_datetime(t: &x509_ocsp::OcspGeneralizedTime) -> OffsetDateTime {
    let secs = t.0.to_unix_duration().as_secs();
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl OcspResponse {
    /// Parses a DER OCSPResponse with the default [`OcspLimits`].
    pub fn from_der(der: &[u8]) -> Result<Self, OcspError> {
        Self::from_der_with(der, OcspLimits::default())
    }

    /// Parses a DER OCSPResponse within `limits`.
    pub fn from_der_with(der: &[u8], limits: OcspLimits) -> Result<Self, OcspError> {
        if der.len() > limits.max_bytes {
            return Err(OcspError::TooLarge(der.len(), limits.max_bytes));
        }
        let outer = x509_ocsp::OcspResponse::from_der(der).map_err(malformed)?;
        let status = match outer.response_status {
            OcspResponseStatus::Successful => ResponseStatus::Successful,
            OcspResponseStatus::MalformedRequest => ResponseStatus::MalformedRequest,
            OcspResponseStatus::InternalError => ResponseStatus::InternalError,
            OcspResponseStatus::TryLater => ResponseStatus::TryLater,
            OcspResponseStatus::SigRequired => ResponseStatus::SigRequired,
            OcspResponseStatus::Unauthorized => ResponseStatus::Unauthorized,
        };
        let basic = match (status, outer.response_bytes) {
            (ResponseStatus::Successful, Some(bytes)) => {
                if bytes.response_type != oid::OCSP_BASIC {
                    return Err(OcspError::UnsupportedResponseType(
                        crate::crypto::describe_oid(&bytes.response_type),
                    ));
                }
                Some(BasicResponse::from_der(bytes.response.as_bytes(), limits)?)
            }
            (ResponseStatus::Successful, None) => {
                return Err(OcspError::Malformed(
                    "a successful response without responseBytes".into(),
                ))
            }
            // RFC 6960 §4.2.1: the other statuses carry no responseBytes; any are ignored.
            (_, _) => None,
        };
        Ok(OcspResponse {
            der: der.to_vec(),
            sha256: Sha256::digest(der).into(),
            status,
            basic,
        })
    }

    /// The response as it was received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

impl BasicResponse {
    fn from_der(der: &[u8], limits: OcspLimits) -> Result<Self, OcspError> {
        let raw = BasicRaw::from_der(der).map_err(malformed)?;
        let tbs = raw.tbs_response_data.to_der().map_err(malformed)?;
        let data = ResponseData::from_der(&tbs).map_err(malformed)?;
        if data.responses.len() > limits.max_responses {
            return Err(OcspError::TooMany(
                data.responses.len(),
                "single responses",
                limits.max_responses,
            ));
        }

        let mut certs = Vec::new();
        if let Some(list) = raw.certs {
            let mut ders: Vec<Vec<u8>> = Vec::new();
            list.sequence(|reader| {
                while !reader.is_finished() {
                    let cert = AnyRef::decode(reader)?;
                    ders.push(cert.to_der()?);
                }
                Ok(())
            })
            .map_err(malformed)?;
            if ders.len() > limits.max_certificates {
                return Err(OcspError::TooMany(
                    ders.len(),
                    "certificates",
                    limits.max_certificates,
                ));
            }
            for der in ders {
                let cert = Certificate::from_der(&der)
                    .map_err(|e| OcspError::BadCertificate(e.to_string()))?;
                certs.push(Arc::new(cert));
            }
        }

        let responder = match &data.responder_id {
            RawResponder::ByName(name) => {
                let der = name.to_der().map_err(malformed)?;
                ResponderId::ByName(
                    DistinguishedName::from_der(&der)
                        .ok_or_else(|| OcspError::Malformed("unreadable responder name".into()))?,
                )
            }
            RawResponder::ByKey(hash) => ResponderId::ByKey(hash.as_bytes().to_vec()),
        };

        let mut nonce = None;
        let mut extended_revoke = false;
        let mut unsupported_critical = Vec::new();
        for ext in data.response_extensions.iter().flatten() {
            match ext.extn_id {
                oid::NONCE => {
                    // RFC 8954: the value is an OCTET STRING; some responders put the bare bytes.
                    let value = ext.extn_value.as_bytes();
                    nonce = Some(match OctetString::from_der(value) {
                        Ok(inner) => inner.as_bytes().to_vec(),
                        Err(_) => value.to_vec(),
                    });
                }
                oid::EXTENDED_REVOKE => extended_revoke = true,
                other if ext.critical => unsupported_critical.push(other.to_string()),
                _ => {}
            }
        }

        let mut responses = Vec::with_capacity(data.responses.len());
        for single in &data.responses {
            let id = &single.cert_id;
            let status = match single.cert_status {
                RawStatus::Good(_) => CertStatus::Good,
                RawStatus::Unknown(_) => CertStatus::Unknown,
                RawStatus::Revoked(info) => CertStatus::Revoked {
                    time: to_datetime(&info.revocation_time),
                    reason: info
                        .revocation_reason
                        .and_then(|r| RevocationReason::from_code(r as u8)),
                },
            };
            let mut single_revoke = extended_revoke;
            let mut single_critical = Vec::new();
            for ext in single.single_extensions.iter().flatten() {
                match ext.extn_id {
                    oid::EXTENDED_REVOKE => single_revoke = true,
                    other if ext.critical => single_critical.push(other.to_string()),
                    _ => {}
                }
            }
            responses.push(SingleResponse {
                hash: CertIdHash::from_oid(&id.hash_algorithm.oid),
                issuer_name_hash: id.issuer_name_hash.as_bytes().to_vec(),
                issuer_key_hash: id.issuer_key_hash.as_bytes().to_vec(),
                serial: id.serial_number.as_bytes().to_vec(),
                status,
                this_update: to_datetime(&single.this_update),
                next_update: single.next_update.as_ref().map(to_datetime),
                extended_revoke: single_revoke,
                unsupported_critical: single_critical,
            });
        }

        Ok(BasicResponse {
            tbs,
            algorithm: SignatureAlgorithm::from_identifier(&raw.signature_algorithm),
            signature: raw.signature.raw_bytes().to_vec(),
            responder,
            produced_at: to_datetime(&data.produced_at),
            responses,
            nonce,
            certs,
            unsupported_critical,
        })
    }
}
