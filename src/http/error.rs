//! Errors of the HTTP layer and their JSON bodies. A bad call is a `usage_error` (CONTRACT.md §1):
//! `{"status":"usage_error","reason":…,"message":…}`, with HTTP 400 (413 when over the size
//! limit). Nothing internal (panic messages, file paths, stack traces) is ever put in a body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use qoltanba_core::{UsageError, UsageReason};

use super::metrics::Outcome;
use super::RequestId;

/// Retry-After of a 503 `busy`: body places free up as fast as requests finish (milliseconds to a
/// few seconds), so a prompt retry is the useful advice; a longer one would idle the service.
pub const BUSY_RETRY_AFTER_SECONDS: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Usage(#[from] UsageError),
    #[error("content type {0:?} is not accepted here")]
    MediaType(String),
    #[error("no such route")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("the verification did not finish within the request timeout")]
    Timeout,
    /// The client did not send the whole body within the request timeout.
    #[error("the request body did not arrive within the request timeout")]
    SlowBody,
    /// Every place for a request body stayed taken for `limits.body_wait_ms`: the body was not
    /// read, the client may retry after the Retry-After seconds.
    #[error("the service is busy reading other requests; retry in a moment")]
    Busy,
    #[error("internal error")]
    Internal,
    /// The archive could not store or read: nothing was acknowledged as stored.
    #[error("the archive is unavailable: {0}")]
    Archive(String),
    /// A route that needs the archive on a service configured without one.
    #[error("this service has no archive configured")]
    NoArchive,
    #[error("the archive has no document {0}")]
    NoDocument(i64),
    /// Any other answer with its own code: `http` status, body `status` and `reason`.
    #[error("{message}")]
    Other {
        http: StatusCode,
        status: &'static str,
        reason: &'static str,
        message: String,
    },
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    /// What kind of failure: one of [`ERROR_STATUSES`].
    #[schema(schema_with = error_status_schema)]
    pub status: &'static str,
    /// The stable code: one of [`super::openapi::error_reasons`].
    #[schema(schema_with = error_reason_schema)]
    pub reason: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The request id (also in the `x-request-id` header): the key to the service's log.
    pub request_id: &'a str,
}

fn string_enum(values: impl IntoIterator<Item = &'static str>) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
}

fn error_status_schema() -> utoipa::openapi::Object {
    string_enum(ERROR_STATUSES.iter().copied())
}

fn error_reason_schema() -> utoipa::openapi::Object {
    string_enum(super::openapi::error_reasons())
}

/// Every `status` of an error body (the OpenAPI `Error` schema's enum): the usage and server
/// failures of [`ApiError`], the refusals of [`super::auth::AuthFailure`] and the throttle, the
/// workflow's conflicts and officers' refusals.
pub const ERROR_STATUSES: &[&str] = &[
    "usage_error",
    "not_found",
    "method_not_allowed",
    "unavailable",
    "internal_error",
    "unauthorized",
    "forbidden",
    "too_many_requests",
    "conflict",
    "refused",
];

/// Every `reason` of an error body besides the core's usage reasons and the verdict reasons an
/// officer's refusal may carry.
pub const ERROR_REASONS: &[&str] = &[
    "unsupported_media_type",
    "not_found",
    "method_not_allowed",
    "timeout",
    "body_timeout",
    "busy",
    "internal_error",
    "archive_unavailable",
    "archive_broken",
    "no_archive",
    "no_such_document",
    "too_large_to_store",
    "missing_token",
    "invalid_token",
    "forbidden",
    "wrong_officer",
    "too_many_failures",
    "unknown_service",
    "applicant_kind",
    "no_such_application",
    "wrong_state",
    "wrong_provider",
    "no_officer",
    "no_workflow",
    "provider_mismatch",
    "role_not_allowed",
];

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Usage(UsageError::new(UsageReason::BadRequest, message))
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Usage(e) if e.reason == UsageReason::TooLarge => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::Usage(_) => StatusCode::BAD_REQUEST,
            ApiError::MediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotFound | ApiError::NoDocument(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout | ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Archive(_) | ApiError::NoArchive => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Other { http, .. } => *http,
        }
    }

    /// (status, reason) of the body and the request counter.
    pub fn codes(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Usage(e) => ("usage_error", e.reason.as_str()),
            ApiError::MediaType(_) => ("usage_error", "unsupported_media_type"),
            ApiError::NotFound => ("not_found", "not_found"),
            ApiError::MethodNotAllowed => ("method_not_allowed", "method_not_allowed"),
            ApiError::Timeout => ("unavailable", "timeout"),
            ApiError::SlowBody => ("usage_error", "body_timeout"),
            ApiError::Busy => ("unavailable", "busy"),
            ApiError::Internal => ("internal_error", "internal_error"),
            ApiError::Archive(_) => ("unavailable", "archive_unavailable"),
            ApiError::NoArchive => ("unavailable", "no_archive"),
            ApiError::NoDocument(_) => ("not_found", "no_such_document"),
            ApiError::Other { status, reason, .. } => (status, reason),
        }
    }

    pub fn respond(&self, id: &RequestId) -> Response {
        let (status, reason) = self.codes();
        let message = match self {
            ApiError::Internal => {
                "internal error: the service logged it under this request id".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            status,
            reason,
            message,
            request_id: id.as_str(),
        };
        let mut response = (
            self.status_code(),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
            .into_response();
        // A body refused before it was read in full (over the limit, too slow, or not read at
        // all for want of a place) leaves the connection mid-request: the server closes it after
        // answering, so the client must know not to send its next request on it.
        if matches!(self, ApiError::Busy)
            || matches!(
                self.status_code(),
                StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
            )
        {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if matches!(self, ApiError::Busy) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(BUSY_RETRY_AFTER_SECONDS),
            );
        }
        response.extensions_mut().insert(Outcome {
            outcome: status,
            reason,
        });
        response
    }
}

impl From<crate::archive::ArchiveError> for ApiError {
    fn from(e: crate::archive::ArchiveError) -> Self {
        if let crate::archive::ArchiveError::Broken(_) = &e {
            // The break itself is logged as an error by each chain check; a refused write is a
            // consequence of it, told to the caller with its code.
            tracing::warn!(error = %e, "archive: a write was refused");
            return ApiError::Other {
                http: StatusCode::SERVICE_UNAVAILABLE,
                status: "unavailable",
                reason: "archive_broken",
                message: e.to_string(),
            };
        }
        // The cause goes to the log; the caller learns that nothing was stored or read.
        tracing::error!(error = %e, "archive");
        ApiError::Archive(match e {
            crate::archive::ArchiveError::Closed => "it is shutting down".into(),
            _ => "the database did not answer; retry later".into(),
        })
    }
}

#[cfg(test)]
mod code_lists {
    use super::*;
    use crate::http::auth::AuthFailure;

    /// The lists the OpenAPI description publishes hold every code these types answer with.
    #[test]
    fn every_error_code_is_listed() {
        let usage = crate::http::openapi::USAGE_REASONS;
        let errors = [
            ApiError::bad_request("x"),
            ApiError::MediaType("x".into()),
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::Timeout,
            ApiError::SlowBody,
            ApiError::Busy,
            ApiError::Internal,
            ApiError::Archive("closed".into()),
            ApiError::NoArchive,
            ApiError::NoDocument(1),
        ];
        for e in &errors {
            let (status, reason) = e.codes();
            assert!(ERROR_STATUSES.contains(&status), "{status}");
            assert!(
                ERROR_REASONS.contains(&reason) || usage.contains(&reason),
                "{reason}"
            );
        }
        for failure in [
            AuthFailure::MissingToken,
            AuthFailure::InvalidToken,
            AuthFailure::Forbidden,
            AuthFailure::WrongOfficer,
        ] {
            assert!(
                ERROR_REASONS.contains(&failure.code()),
                "{}",
                failure.code()
            );
        }
    }
}
