//! RFC 3161 time-stamps for the signatures the service makes: obtaining a token from a
//! time-stamping authority (TSA) and attaching it to a CMS. Reading and verifying tokens is the
//! core's ([`qoltanba_core::timestamp`]).
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

mod attach;
mod client;
mod request;

pub use attach::{attach_token, AttachError};
pub use client::{StampError, TsaClient, QUERY_TYPE, REPLY_TYPE};
pub use request::{PkiStatus, TimeStampRequest};

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimestampConfig {
    /// URL of an RFC 3161 TSA (HTTP POST of `application/timestamp-query`); officer results get a
    /// time-stamp from it. Empty: no time-stamps.
    pub url: String,
    /// Time allowed for one time-stamp request, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for TimestampConfig {
    fn default() -> Self {
        TimestampConfig {
            url: String::new(),
            timeout_ms: 10_000,
        }
    }
}
