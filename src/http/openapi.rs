//! The OpenAPI 3.1 description served at `GET /openapi.json`, derived from the request and answer
//! types themselves (utoipa): a field added to an answer is in the description by construction.
//! What the types cannot say (the request id every call carries, the bearer scheme) is added here
//! once for every operation.

use std::sync::OnceLock;

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{HeaderBuilder, ObjectBuilder, Type};
use utoipa::{Modify, OpenApi, ToSchema};

use qoltanba_core::Reason;

use super::error::ErrorBody;
use super::{applications, documents, handlers, sign};

/// The document, serialised once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}

/// A signature, certificate or signed document as raw bytes (DER, or PEM/base64 text where the
/// endpoint says so).
pub struct RawBody;

impl utoipa::PartialSchema for RawBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .into()
    }
}

impl ToSchema for RawBody {}

/// The failures every verification route shares (`/v1/verify`, `/v1/certificates/…`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Describes answers only: the handlers answer through `ApiError`.
pub(crate) enum VerificationFailures {
    #[response(
        status = 400,
        description = "A bad call: bad base64, bad IIN/BIN checksum (invalid_id), bad time (bad_time), missing or unknown field (bad_request), detached signature without data (missing_content)."
    )]
    BadRequest(ErrorBody<'static>),
    #[response(
        status = 401,
        description = "With `auth.verify_requires_token`, a call without a bearer token (missing_token) or with an unknown one (invalid_token); `store` without a portal token."
    )]
    Unauthorized(ErrorBody<'static>),
    #[response(
        status = 408,
        description = "The body did not arrive within the request timeout (reason body_timeout)."
    )]
    SlowBody(ErrorBody<'static>),
    #[response(
        status = 413,
        description = "The body is over the configured limit (reason too_large)."
    )]
    TooLarge(ErrorBody<'static>),
    #[response(
        status = 415,
        description = "A content type this endpoint does not take (reason unsupported_media_type)."
    )]
    UnsupportedMediaType(ErrorBody<'static>),
    #[response(
        status = 429,
        description = "Too many refused tokens from this address (too_many_failures); retry after Retry-After seconds."
    )]
    TooManyFailures(ErrorBody<'static>),
    #[response(
        status = 500,
        description = "An internal error (reason internal_error); logged under the request id."
    )]
    Internal(ErrorBody<'static>),
    #[response(
        status = 503,
        description = "The verification did not finish within the request timeout (reason timeout), or every place for a request body stayed taken for limits.body_wait_ms (reason busy: the body was not read, the connection is closed; retry after Retry-After seconds). `/v1/verify` with `store`: the archive is unavailable (archive_unavailable) or its hash chain is broken and it refuses to append (archive_broken); nothing was stored.",
        headers(("Retry-After" = u32, description = "With reason busy: seconds to wait before retrying."))
    )]
    Unavailable(ErrorBody<'static>),
}

/// The refusals of the archive's routes, which only auditors may call.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Describes answers only.
pub(crate) enum AuditorFailures {
    #[response(
        status = 401,
        description = "No bearer token (missing_token) or an unknown one (invalid_token)."
    )]
    Unauthorized(ErrorBody<'static>),
    #[response(status = 403, description = "Not an auditor's token (forbidden).")]
    Forbidden(ErrorBody<'static>),
    #[response(
        status = 429,
        description = "Too many refused tokens from this address (too_many_failures)."
    )]
    TooManyFailures(ErrorBody<'static>),
    #[response(
        status = 503,
        description = "The archive is unavailable (archive_unavailable) or not configured (no_archive)."
    )]
    Unavailable(ErrorBody<'static>),
}

/// The refusals of a missing or unknown bearer token.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Describes answers only.
pub(crate) enum TokenFailures {
    #[response(
        status = 401,
        description = "No bearer token (missing_token) or an unknown one (invalid_token)."
    )]
    Unauthorized(ErrorBody<'static>),
    #[response(
        status = 429,
        description = "Too many refused tokens from this address (too_many_failures)."
    )]
    TooManyFailures(ErrorBody<'static>),
}

/// The usage-error reasons of the core (`UsageReason`) and of the HTTP edge.
pub(crate) const USAGE_REASONS: &[&str] = &[
    "invalid_id",
    "bad_time",
    "unreadable_file",
    "missing_content",
    "too_large",
    "bad_request",
    "no_trust_anchor",
    "unsupported_media_type",
    "not_found",
    "method_not_allowed",
    "timeout",
    "internal_error",
];

/// The `reason` codes of error bodies: the usage reasons, the HTTP layer's own
/// ([`super::error::ERROR_REASONS`]) and the verdict reasons an officer's refusal names.
pub(crate) fn error_reasons() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = USAGE_REASONS
        .iter()
        .copied()
        .chain(super::error::ERROR_REASONS.iter().copied())
        .chain(Reason::ALL.iter().map(|r| r.as_str()))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "qoltanba",
        description = "Verification of CMS signatures and X.509 certificates for Kazakh e-government services, officers' signatures and the archive of the state-service procedure. Verdicts follow CONTRACT.md: HTTP 200 for valid, invalid and indeterminate; a usage_error is HTTP 400 (413 over the size limit). Every response carries an x-request-id header (the caller's, or a new one). The page `/docs` shows this description.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        handlers::verify,
        handlers::verify_certificate,
        handlers::certificate_info,
        handlers::healthz,
        handlers::readyz,
        handlers::metrics,
        handlers::openapi,
        sign::sign,
        documents::list_documents,
        documents::get_document,
        documents::get_signature,
        documents::reverify_document,
        applications::services,
        applications::submit,
        applications::status,
        applications::payment,
        applications::decision,
        applications::cabinet,
        applications::cabinet_document,
    ),
    tags(
        (name = "verification", description = "Signatures and certificates judged by the core: the verdict model of CONTRACT.md."),
        (name = "signing", description = "The provider's authorized officers sign issued documents."),
        (name = "archive", description = "Stored documents with their evidence, re-verified as of signing and as of now (auditors)."),
        (name = "procedure", description = "The state-service procedure: applications, payments, decisions, the applicant's cabinet."),
        (name = "operations", description = "Liveness, readiness, metrics and this description."),
    ),
    modifiers(&Conventions),
)]
struct ApiDoc;

/// What every operation shares: the `x-request-id` header on the way in and out, and the
/// bearer scheme the `security` requirements name.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let string = || ObjectBuilder::new().schema_type(Type::String);
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(utoipa::openapi::RefOr::T(request_id_parameter()));
                for response in operation.responses.responses.values_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response {
                        response.headers.insert(
                            "x-request-id".into(),
                            utoipa::openapi::RefOr::T(
                                HeaderBuilder::new()
                                    .schema(Some(string()))
                                    .description(Some(
                                        "The request id (the caller's or a generated one).",
                                    ))
                                    .build(),
                            ),
                        );
                    }
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token of the configuration's [[auth.tokens]] (stored as its SHA-256): role officer:ID for /v1/sign and decisions; portal for storing, applications and cabinets; auditor for the archive; portal or auditor for the verification routes when auth.verify_requires_token is set.",
                    ))
                    .build(),
            ),
        );
    }
}

fn request_id_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("x-request-id")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "Echoed in the response; one is generated when absent or not 1-128 visible ASCII characters.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(128)),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every `$ref` points at a component that exists.
    #[test]
    fn references_resolve() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        let mut refs = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        if k == "$ref" {
                            out.extend(v.as_str().map(str::to_owned));
                        } else {
                            walk(v, out);
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        walk(&doc, &mut refs);
        assert!(refs.len() > 20);
        for r in refs {
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
    }
}
