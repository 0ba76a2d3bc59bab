//! RFC 3161 time-stamps: proving when a signature existed, and obtaining that proof from a
//! time-stamping authority (TSA) for the signatures the service makes.
//!
//! A time-stamp token is a CMS SignedData whose encapsulated content (eContentType id-ct-TSTInfo,
//! 1.2.840.113549.1.9.16.1.4) is a `TSTInfo`: the hash of the time-stamped data
//! (`messageImprint`), the time (`genTime`), the TSA's policy and a serial number. A signature
//! carries its tokens in the unsigned attribute id-aa-signatureTimeStampToken
//! (1.2.840.113549.1.9.16.2.14) of its SignerInfo, over the SignerInfo's `signature` value.
//!
//! # Reading and verifying
//! - [`TimeStampToken::from_der`]`(der) -> Result<TimeStampToken, TimestampError>`: parses the
//!   token (through [`crate::cms::SignedMessage::from_der`]) and its [`asn1::TstInfo`]; accessors
//!   [`TimeStampToken::gen_time`], [`policy`](TimeStampToken::policy),
//!   [`serial_hex`](TimeStampToken::serial_hex),
//!   [`imprint_algorithm`](TimeStampToken::imprint_algorithm) (SHA-256/384/512),
//!   [`imprint`](TimeStampToken::imprint), [`nonce`](TimeStampToken::nonce).
//! - [`tokens_of`]`(&SignerData) -> Vec<Result<TimeStampToken, TimestampError>>`: every token in
//!   a signer's unsigned attributes.
//! - [`verify_token`]`(&Verifier, &TimeStampToken, signature_value, &VerifyOptions) ->
//!   TimestampVerdict`: the token's CMS signature and the TSA's certificate path, validity and
//!   revocation are judged by the core verifier at `genTime` with
//!   [`KeyUsagePolicy::TimeStamping`](crate::KeyUsagePolicy::TimeStamping) (the TSA certificate
//!   must have the extended key usage id-kp-timeStamping, alone and critical, RFC 3161 §2.3;
//!   otherwise `key_usage_not_signing`), using the CRLs and extra intermediates of the options;
//!   then `messageImprint` must be the hash of `signature_value` (otherwise
//!   `signature_invalid`), and the token's ESS signingCertificate(V2) attribute must name the
//!   TSA's certificate (RFC 3161 §2.4.1, RFC 5816; another certificate: `signature_invalid`,
//!   none: `malformed_signature`). [`TimestampVerdict`] is serialisable: `verified`, `status`,
//!   `reason`, `detail`, `gen_time`, the TSA's summary, `policy`, `serial`, the imprint and
//!   signing-certificate checks and the token's full [`Verdict`](crate::Verdict).
//! - [`proven_time`]`(&Verifier, &SignerData, &VerifyOptions) -> Option<(OffsetDateTime,
//!   TimestampVerdict)>`: the earliest `genTime` among the signer's tokens that verify — the time
//!   the signature provably existed. [`verify_tokens`] gives every token's outcome for the
//!   record.
//!
//! # Obtaining and attaching
//! - [`TsaClient`]` { url, timeout, max_response_bytes }` and
//!   [`TsaClient::stamp`]`(signature_value) -> Result<Vec<u8>, TsaError>`: POSTs a
//!   [`TimeStampRequest`] (version 1, SHA-256 imprint of the signature value, random 64-bit
//!   nonce, certReq) as `application/timestamp-query`, reads an `application/timestamp-reply`,
//!   accepts the statuses granted and grantedWithMods, and checks that the token carries the
//!   imprint and nonce sent. Returns the token's DER.
//! - [`attach_token`]`(cms_der, signer_index, token_der) -> Result<Vec<u8>, AttachError>`: the
//!   CMS with the token added as that signer's id-aa-signatureTimeStampToken; the signatures are
//!   untouched, so the result verifies as before.
//!
//! The TSA's own trust comes from the verifier's configuration, like any signer's: its
//! certificate must chain to a configured trust anchor.

pub mod asn1;
mod attach;
mod client;
mod request;
mod token;
mod verify;

pub use attach::{attach_token, AttachError};
pub use client::{StampError, TsaClient, QUERY_TYPE, REPLY_TYPE};
pub use request::{PkiStatus, TimeStampRequest};
pub use token::{tokens_of, TimeStampToken};
pub use verify::{proven_time, verify_token, verify_tokens, TimestampVerdict};

pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    /// id-ct-TSTInfo (RFC 3161 §2.4.2).
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
    pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    /// id-kp-timeStamping (RFC 3161 §2.3).
    pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
}

/// Why bytes are not a usable time-stamp token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("the time-stamp token is not a CMS SignedData: {0}")]
    NotCms(String),
    #[error("the time-stamp token's content is {0}, not id-ct-TSTInfo")]
    NotTstInfo(String),
    #[error("the time-stamp token carries no TSTInfo (its content is detached)")]
    NoTstInfo,
    #[error("the time-stamp token has {0} signers: it must have exactly one, the TSA")]
    SignerCount(usize),
    #[error("the time-stamp token's TSTInfo is unreadable: {0}")]
    BadTstInfo(String),
    #[error("the time-stamp token's messageImprint uses {0}, not SHA-256/384/512")]
    UnsupportedImprintAlgorithm(String),
    #[error("the signer's unsigned attributes are unreadable: {0}")]
    BadAttributes(String),
}

/// Why a time-stamp could not be obtained from a TSA. Messages never hold the URL (which may
/// carry credentials) or any key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TsaError {
    #[error("the time-stamp request could not be built: {0}")]
    Request(String),
    #[error("the TSA is unreachable: {0}")]
    Connect(String),
    #[error("the TSA did not answer within {0} ms")]
    Timeout(u64),
    #[error("the TSA answered HTTP {0}")]
    HttpStatus(u16),
    #[error("the TSA answered with content type {0:?}, not application/timestamp-reply")]
    ContentType(String),
    #[error("the TSA's answer exceeds {0} bytes")]
    TooLarge(u64),
    #[error("the TSA's answer is unreadable: {0}")]
    Garbage(String),
    #[error(
        "the TSA refused the request: {status}{}{}",
        list(" failInfo ", fail_info),
        list(" — ", text)
    )]
    Rejected {
        status: PkiStatus,
        fail_info: Vec<String>,
        text: Vec<String>,
    },
    #[error("the TSA's token does not answer the request: {0}")]
    Mismatch(String),
}

fn list(prefix: &str, items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("{prefix}{}", items.join(", "))
    }
}

impl TsaError {
    /// A stable code for logs and callers.
    pub fn code(&self) -> &'static str {
        match self {
            TsaError::Request(_) => "tsa_request",
            TsaError::Connect(_) => "tsa_unreachable",
            TsaError::Timeout(_) => "tsa_timeout",
            TsaError::HttpStatus(_) => "tsa_http_status",
            TsaError::ContentType(_) => "tsa_content_type",
            TsaError::TooLarge(_) => "tsa_too_large",
            TsaError::Garbage(_) => "tsa_garbage",
            TsaError::Rejected { .. } => "tsa_rejected",
            TsaError::Mismatch(_) => "tsa_mismatch",
        }
    }
}
