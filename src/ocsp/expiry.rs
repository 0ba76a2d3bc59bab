//! Until when an answer may be served from the cache.
//!
//! The service holds raw answers; judging them (signature, responder, CertID, nonce, freshness
//! at the validation time) is the verifier's job. What the cache needs is only their expiry, given
//! by an [`AnswerExpiry`]. [`NextUpdateOrMaxAge`] reads it from the answer itself with `x509-ocsp`:
//! the earliest nextUpdate of its SingleResponses, or, for answers without one (as the NCA
//! sends), producedAt (or the arrival, if earlier) plus the maximum age; never later than the
//! arrival plus the maximum age. An answer that is not a successful basic OCSP response is an
//! error: the exchange counts as failed and nothing is cached.

use std::time::Duration;

use der::Decode;
use spki::ObjectIdentifier;
use time::OffsetDateTime;
use x509_ocsp::{BasicOcspResponse, OcspGeneralizedTime, OcspResponse, OcspResponseStatus};

use super::client::{FetchError, Fetched};

/// id-pkix-ocsp-basic (RFC 6960 §4.2.1).
pub const ID_PKIX_OCSP_BASIC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

/// Until when an answer may be served from the cache; an error when it is not an answer at all.
pub trait AnswerExpiry: Send + Sync + 'static {
    fn expires_at(&self, fetched: &Fetched) -> Result<OffsetDateTime, FetchError>;
}

impl<F> AnswerExpiry for F
where
    F: Fn(&Fetched) -> Result<OffsetDateTime, FetchError> + Send + Sync + 'static,
{
    fn expires_at(&self, fetched: &Fetched) -> Result<OffsetDateTime, FetchError> {
        self(fetched)
    }
}

/// nextUpdate, or producedAt plus the maximum age; at most the arrival plus the maximum age.
#[derive(Debug, Clone, Copy)]
pub struct NextUpdateOrMaxAge {
    pub max_age: Duration,
}

impl AnswerExpiry for NextUpdateOrMaxAge {
    fn expires_at(&self, fetched: &Fetched) -> Result<OffsetDateTime, FetchError> {
        let times = response_times(&fetched.der)?;
        let cap = fetched.fetched_at + self.max_age;
        let expiry = match times.next_update {
            Some(next) => next,
            None => times.produced_at.min(fetched.fetched_at) + self.max_age,
        };
        Ok(expiry.min(cap))
    }
}

/// The times of a successful basic OCSP response that the cache needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTimes {
    pub produced_at: OffsetDateTime,
    /// The earliest nextUpdate, when every SingleResponse has one.
    pub next_update: Option<OffsetDateTime>,
}

/// Reads producedAt and nextUpdate of `der`, refusing anything but a successful basic response.
pub fn response_times(der: &[u8]) -> Result<ResponseTimes, FetchError> {
    let malformed = |e: der::Error| FetchError::Malformed(e.to_string());
    let response = OcspResponse::from_der(der).map_err(malformed)?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(FetchError::ResponderStatus(status_name(
            response.response_status,
        )));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| FetchError::Malformed("successful, but no responseBytes".into()))?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(FetchError::Malformed(format!(
            "response type {} is not id-pkix-ocsp-basic",
            bytes.response_type
        )));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(malformed)?;
    let data = &basic.tbs_response_data;
    if data.responses.is_empty() {
        return Err(FetchError::Malformed("no SingleResponse".into()));
    }
    let mut next_update: Option<OffsetDateTime> = None;
    for single in &data.responses {
        match &single.next_update {
            Some(t) => {
                let t = to_offset(t);
                next_update = Some(next_update.map_or(t, |n| n.min(t)));
            }
            None => {
                next_update = None;
                break;
            }
        }
    }
    Ok(ResponseTimes {
        produced_at: to_offset(&data.produced_at),
        next_update,
    })
}

fn to_offset(t: &OcspGeneralizedTime) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + t.0.to_unix_duration()
}

pub fn status_name(status: OcspResponseStatus) -> &'static str {
    match status {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformedRequest",
        OcspResponseStatus::InternalError => "internalError",
        OcspResponseStatus::TryLater => "tryLater",
        OcspResponseStatus::SigRequired => "sigRequired",
        OcspResponseStatus::Unauthorized => "unauthorized",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ocsp::settings::OcspMethod;
    use der::asn1::{BitString, GeneralizedTime, OctetString};
    use der::Encode;
    use std::sync::Arc;
    use x509_ocsp::{CertStatus, ResponderId, ResponseBytes, ResponseData, SingleResponse};

    /// An unsigned (zero signature) successful basic response about `cert_id`: enough for the
    /// service's own parsing, which never judges signatures.
    pub(crate) fn basic_response(
        cert_id: x509_ocsp::CertId,
        produced_at: OffsetDateTime,
        next_update: Option<OffsetDateTime>,
    ) -> Vec<u8> {
        let gt = |t: OffsetDateTime| {
            OcspGeneralizedTime(
                GeneralizedTime::from_unix_duration(Duration::from_secs(t.unix_timestamp() as u64))
                    .unwrap(),
            )
        };
        let basic = BasicOcspResponse {
            tbs_response_data: ResponseData {
                version: Default::default(),
                responder_id: ResponderId::ByKey(OctetString::new(vec![1u8; 20]).unwrap()),
                produced_at: gt(produced_at),
                responses: vec![SingleResponse {
                    cert_id,
                    cert_status: CertStatus::good(),
                    this_update: gt(produced_at),
                    next_update: next_update.map(gt),
                    single_extensions: None,
                }],
                response_extensions: None,
            },
            signature_algorithm: spki::AlgorithmIdentifierOwned {
                oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
                parameters: None,
            },
            signature: BitString::from_bytes(&[0u8; 8]).unwrap(),
            certs: None,
        };
        OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: ID_PKIX_OCSP_BASIC,
                response: OctetString::new(basic.to_der().unwrap()).unwrap(),
            }),
        }
        .to_der()
        .unwrap()
    }

    pub(crate) fn any_cert_id() -> x509_ocsp::CertId {
        x509_ocsp::CertId {
            hash_algorithm: spki::AlgorithmIdentifierOwned {
                oid: ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
                parameters: None,
            },
            issuer_name_hash: OctetString::new(vec![0u8; 20]).unwrap(),
            issuer_key_hash: OctetString::new(vec![0u8; 20]).unwrap(),
            serial_number: x509_cert::serial_number::SerialNumber::from(5u32),
        }
    }

    fn fetched(der: Vec<u8>, at: OffsetDateTime) -> Fetched {
        Fetched {
            der: Arc::from(der),
            nonce_sent: None,
            responder: "http://r".into(),
            fetched_at: at,
            method: OcspMethod::Post,
        }
    }

    #[test]
    fn next_update_or_the_maximum_age() {
        let now = OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap();
        let expiry = NextUpdateOrMaxAge {
            max_age: Duration::from_secs(300),
        };
        let minute = time::Duration::minutes(1);
        // No nextUpdate (the NCA): producedAt + max age.
        let der = basic_response(any_cert_id(), now - minute, None);
        assert_eq!(
            expiry.expires_at(&fetched(der, now)).unwrap(),
            now - minute + time::Duration::seconds(300)
        );
        // A near nextUpdate wins; a far one is capped at arrival + max age.
        let der = basic_response(any_cert_id(), now, Some(now + minute));
        assert_eq!(expiry.expires_at(&fetched(der, now)).unwrap(), now + minute);
        let der = basic_response(any_cert_id(), now, Some(now + time::Duration::days(7)));
        assert_eq!(
            expiry.expires_at(&fetched(der, now)).unwrap(),
            now + time::Duration::seconds(300)
        );
    }

    #[test]
    fn only_successful_basic_responses_count() {
        let try_later = OcspResponse::try_later().to_der().unwrap();
        assert_eq!(
            response_times(&try_later).unwrap_err(),
            FetchError::ResponderStatus("tryLater")
        );
        assert_eq!(response_times(b"<html>").unwrap_err().code(), "malformed");
    }
}
