//! Errors in the call itself (`usage_error`, CLI exit 2, HTTP 400): never a verdict about a signature.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageReason {
    /// An expected IIN/BIN that is not 12 digits or fails the control digit.
    InvalidId,
    /// A validation time that is not RFC 3339.
    BadTime,
    /// A trust, intermediate, CRL or data file that cannot be read or is not what it should be.
    UnreadableFile,
    /// A detached signature given without its content.
    MissingContent,
    /// Input over a configured size limit.
    TooLarge,
    /// A request that is wrong in some other way (bad base64, missing field).
    BadRequest,
    /// No trust anchor configured.
    NoTrustAnchor,
}

impl UsageReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageReason::InvalidId => "invalid_id",
            UsageReason::BadTime => "bad_time",
            UsageReason::UnreadableFile => "unreadable_file",
            UsageReason::MissingContent => "missing_content",
            UsageReason::TooLarge => "too_large",
            UsageReason::BadRequest => "bad_request",
            UsageReason::NoTrustAnchor => "no_trust_anchor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub status: &'static str,
    pub reason: UsageReason,
    pub message: String,
}

impl UsageError {
    pub fn new(reason: UsageReason, message: impl Into<String>) -> Self {
        UsageError {
            status: "usage_error",
            reason,
            message: message.into(),
        }
    }

    pub const EXIT_CODE: i32 = 2;

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Parses an RFC 3339 validation time.
pub fn parse_time(text: &str) -> Result<time::OffsetDateTime, UsageError> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|e| {
            UsageError::new(
                UsageReason::BadTime,
                format!("{text:?} is not an RFC 3339 time such as 2026-06-01T12:00:00Z ({e})"),
            )
        })
}

/// Parses an expected IIN/BIN: its control digit must hold.
pub fn parse_expected_id(text: &str) -> Result<crate::ids::IdNumber, UsageError> {
    parse_expected_id_with(text, crate::ids::IdPolicy::Strict)
}

/// Parses an expected IIN/BIN under a deployment's policy: one that enables the NCA's test ids
/// also takes 12 digits that fail the control digit (CONTRACT §2).
pub fn parse_expected_id_with(
    text: &str,
    policy: crate::ids::IdPolicy,
) -> Result<crate::ids::IdNumber, UsageError> {
    crate::ids::IdNumber::parse_with(text.trim(), policy).map_err(|e| {
        let hint = match (policy, &e) {
            (crate::ids::IdPolicy::Strict, crate::ids::IdError::BadControlDigit(_)) => {
                " (an NCA test id is accepted only where test ids are enabled)"
            }
            _ => "",
        };
        UsageError::new(UsageReason::InvalidId, format!("expected id: {e}{hint}"))
    })
}
