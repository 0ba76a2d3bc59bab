//! OCSP (RFC 6960) as revocation evidence: responses parsed at the edge, requests for the
//! service to send, and the judgement of an answer about one certificate at a time T
//! (CONTRACT.md §3).
//!
//! - [`response`]: an OCSPResponse read into owned fields, within [`OcspLimits`].
//! - [`request`]: CertIDs and [`request_der`], the request the service's client sends.
//! - `judge`: does an answer count for a certificate at T (signer, CertID, nonce, freshness), and
//!   what does it say.
//! - `sources`: the [`RevocationPolicy`] that combines OCSP answers with CRLs.
//!
//! The service cannot know a certificate's issuer before the core has built the path, so it asks
//! [`Verifier::status_queries`](crate::Verifier::status_queries) first, fetches the answers, and
//! verifies with them in [`VerifyOptions::ocsp`](crate::VerifyOptions::ocsp).

mod judge;
pub mod request;
pub mod response;
mod sources;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cert::Certificate;

pub(crate) use judge::{OcspContext, Used};
pub use request::{request_der, request_der_for_serial, CertIdHash};
pub use response::{
    BasicResponse, CertStatus, OcspLimits, OcspResponse, ResponderId, ResponseStatus,
    SingleResponse,
};
pub(crate) use sources::{Combined, Sources};

/// Object identifiers of RFC 6960 and RFC 5940 that the core reads.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    /// id-pkix-ocsp-basic: the only response type there is.
    pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
    /// id-pkix-ocsp-nonce (RFC 8954).
    pub const NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
    /// id-pkix-ocsp-extended-revoke (RFC 6960 §4.4.8).
    pub const EXTENDED_REVOKE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.9");
    /// id-kp-OCSPSigning: the extended key usage of a delegated responder.
    pub const KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
    /// id-ri-ocsp-response (RFC 5940): an OCSP response in a SignedData's RevocationInfoChoices.
    pub const RI_OCSP_RESPONSE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.16.2");
    /// SHA-1, the usual CertID hash.
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
}

/// Why an OCSP response cannot be read or a request cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcspError {
    #[error("the OCSP response is {0} bytes, more than the limit of {1}")]
    TooLarge(usize, usize),
    #[error("not a DER OCSP response: {0}")]
    Malformed(String),
    #[error("the response type is {0}, not id-pkix-ocsp-basic")]
    UnsupportedResponseType(String),
    #[error("the OCSP response holds {0} {1}, more than the limit of {2}")]
    TooMany(usize, &'static str, usize),
    #[error("a certificate in the OCSP response is unreadable: {0}")]
    BadCertificate(String),
    #[error("cannot build the OCSP request: {0}")]
    Request(String),
}

/// Where a certificate's revocation status comes from (per deployment). With no OCSP answers
/// at hand, `Crl` is exactly the verifier's behaviour before OCSP existed, and the default.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationPolicy {
    /// CRLs only; OCSP answers are not looked at.
    #[default]
    Crl,
    /// OCSP only: no usable answer is `revocation_unknown`, whatever the CRLs say.
    Ocsp,
    /// OCSP first; when no answer decides (none, unusable, `unknown`), the CRLs. What a
    /// deployment that knows a responder should use (the NCA answers faster than its CRLs grow).
    OcspThenCrl,
    /// CRLs first; when they cannot decide, OCSP.
    CrlThenOcsp,
    /// Both must say "not revoked"; either saying "revoked" is enough to be revoked.
    Both,
}

impl RevocationPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationPolicy::Crl => "crl",
            RevocationPolicy::Ocsp => "ocsp",
            RevocationPolicy::OcspThenCrl => "ocsp_then_crl",
            RevocationPolicy::CrlThenOcsp => "crl_then_ocsp",
            RevocationPolicy::Both => "both",
        }
    }

    /// Whether OCSP answers are consulted at all.
    pub fn uses_ocsp(self) -> bool {
        self != RevocationPolicy::Crl
    }
}

impl std::str::FromStr for RevocationPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "crl" => RevocationPolicy::Crl,
            "ocsp" => RevocationPolicy::Ocsp,
            "ocsp_then_crl" => RevocationPolicy::OcspThenCrl,
            "crl_then_ocsp" => RevocationPolicy::CrlThenOcsp,
            "both" => RevocationPolicy::Both,
            other => {
                return Err(format!(
                    "unknown revocation policy {other:?} (crl, ocsp, ocsp_then_crl, \
                     crl_then_ocsp, both)"
                ))
            }
        })
    }
}

/// One OCSP answer handed to the verifier: a response a responder sent (or an archive kept),
/// with what the request that obtained it said, or why no response came.
#[derive(Debug, Clone)]
pub struct OcspAnswer {
    /// The response, or why there is none (the responder was unreachable, answered something
    /// that is not an OCSP response, …): a failure only ever explains a `revocation_unknown`.
    pub response: Result<Arc<OcspResponse>, String>,
    /// The nonce the request carried: the response must echo it. `None` when none was sent (a
    /// stored response re-used for an archived document, one embedded in a SignedData).
    pub nonce: Option<Vec<u8>>,
    /// The responder it came from, for messages and evidence.
    pub responder_url: Option<String>,
    /// The certificate the request asked about (its SHA-256 fingerprint), when known: ties an
    /// error answer (tryLater, no response) to a certificate. A signed answer names its
    /// certificate itself (CertID).
    pub subject: Option<[u8; 32]>,
}

impl OcspAnswer {
    /// A response with no nonce sent and nothing else known.
    pub fn response(response: Arc<OcspResponse>) -> Self {
        OcspAnswer {
            response: Ok(response),
            nonce: None,
            responder_url: None,
            subject: None,
        }
    }

    /// What the responder at `url` sent back (`body`, DER) to a request about `cert` that
    /// carried `nonce`: the parsed response, or, when the body is not an OCSP response, a failure
    /// saying why.
    pub fn fetched(
        cert: &Certificate,
        url: impl Into<String>,
        nonce: Option<Vec<u8>>,
        body: &[u8],
    ) -> Self {
        OcspAnswer {
            response: OcspResponse::from_der(body)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
            nonce,
            responder_url: Some(url.into()),
            subject: Some(cert.fingerprint),
        }
    }

    /// No response: the responder at `url` (empty when unknown) failed for the request about
    /// `cert`.
    pub fn failed(cert: &Certificate, url: impl Into<String>, why: impl Into<String>) -> Self {
        let url = url.into();
        OcspAnswer {
            response: Err(why.into()),
            nonce: None,
            responder_url: (!url.is_empty()).then_some(url),
            subject: Some(cert.fingerprint),
        }
    }
}

/// A certificate whose status the service should ask a responder about: one of a path the core
/// built, below the trust anchor, with its issuer (for the CertID) and the responders its
/// authorityInfoAccess names.
#[derive(Debug, Clone)]
pub struct StatusQuery {
    pub cert: Arc<Certificate>,
    pub issuer: Arc<Certificate>,
    /// id-ad-ocsp URIs of `cert`, in order; empty when it names none (a deployment may know a
    /// responder for the issuer all the same).
    pub responders: Vec<String>,
}

impl StatusQuery {
    /// Whether `other` asks about the same certificate issued by the same issuer.
    pub fn same_pair(&self, other: &StatusQuery) -> bool {
        self.cert.fingerprint == other.cert.fingerprint
            && self.issuer.fingerprint == other.issuer.fingerprint
    }
}
