//! The state-service procedure over HTTP: thin translation to [`crate::workflow::Workflow`].
//!
//! | route | token | what |
//! | --- | --- | --- |
//! | `GET /v1/services` | none | the catalogue |
//! | `POST /v1/applications` | portal | submit a signed request (201 with the application) |
//! | `GET /v1/applications/{number}` | the portal that submitted it, an officer of the service's provider, an auditor (logged) | number, service, status, deadline, history |
//! | `POST /v1/applications/{number}/payment` | the portal that submitted it | the payment gateway's record |
//! | `POST /v1/applications/{number}/decision` | officer of the provider | approve, or refuse with a motivation |
//! | `GET /v1/cabinet/{iin_or_bin}` | portal | the applicant's results and refusals submitted through that portal |
//! | `GET /v1/cabinet/{iin_or_bin}/documents/{id}` | portal | one of them, the signed document |
//!
//! A token that may not read an application gets the same 404 `no_such_application` as for a
//! number that does not exist: numbers are sequential, and must not tell who applied.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::auth::{AuthFailure, Role};
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::openapi::{RawBody, TokenFailures};
use super::{AppState, RequestId};
use crate::workflow::catalogue::{ApplicantKind, Service};
use crate::workflow::model::ApplicationView;
use crate::workflow::{
    CabinetEntry, Decision, Payment, Reader, Submission, Workflow, WorkflowError,
};

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        let other = |http, status, reason| ApiError::Other {
            http,
            status,
            reason,
            message: e.to_string(),
        };
        match &e {
            WorkflowError::Usage(u) => ApiError::Usage(u.clone()),
            WorkflowError::UnknownService(_) => {
                other(StatusCode::BAD_REQUEST, "usage_error", "unknown_service")
            }
            WorkflowError::ApplicantKind { .. } => {
                other(StatusCode::BAD_REQUEST, "usage_error", "applicant_kind")
            }
            WorkflowError::NotFound(_) => {
                other(StatusCode::NOT_FOUND, "not_found", "no_such_application")
            }
            WorkflowError::WrongState { .. } => {
                other(StatusCode::CONFLICT, "conflict", "wrong_state")
            }
            WorkflowError::WrongProvider { .. } => {
                other(StatusCode::FORBIDDEN, "forbidden", "wrong_provider")
            }
            WorkflowError::OfficerRefused { reason, .. } => {
                other(StatusCode::CONFLICT, "refused", reason)
            }
            WorkflowError::NoOfficer(_) => {
                other(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "no_officer")
            }
            WorkflowError::Archive(a) => ApiError::from(a.clone()),
            WorkflowError::Internal(why) => {
                tracing::error!("workflow: {why}");
                ApiError::Internal
            }
        }
    }
}

fn workflow(state: &AppState) -> Result<&Arc<Workflow>, ApiError> {
    state.workflow.as_ref().ok_or(ApiError::Other {
        http: StatusCode::SERVICE_UNAVAILABLE,
        status: "unavailable",
        reason: "no_workflow",
        message: "this service runs without the state-service procedure".into(),
    })
}

fn role(state: &AppState, headers: &HeaderMap) -> Result<Role, AuthFailure> {
    state
        .signing
        .auth
        .authenticate(headers)
        .map(|(role, _)| role)
}

/// A portal token's name (which portal is calling), or why the call is not a portal's.
fn portal(state: &AppState, headers: &HeaderMap) -> Result<String, AuthFailure> {
    match state.signing.auth.authenticate(headers)? {
        (Role::Portal, name) => Ok(name.to_owned()),
        _ => Err(AuthFailure::Forbidden),
    }
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

async fn json_body<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    super::handlers::require_json(headers)?;
    let bytes = super::handlers::read_body(body, headers, &state.limits).await?;
    if !bytes.trim_ascii_start().starts_with(b"{") {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(format!("the request body is not the expected JSON: {e}"))
    })
}

fn base64_field(name: &str, text: &str) -> Result<Vec<u8>, ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!("\"{name}\" is empty")));
    }
    if text.contains("-----BEGIN ") {
        return Ok(text.as_bytes().to_vec());
    }
    qoltanba_core::input::decode_base64(text)
        .ok_or_else(|| ApiError::bad_request(format!("\"{name}\" is not valid base64")))
}

/// The answer of `GET /v1/services`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ServiceList<'a> {
    services: &'a [Service],
}

/// `GET /v1/services`
#[utoipa::path(
    get, path = "/v1/services", operation_id = "listServices", tag = "procedure",
    summary = "The catalogue of state services (names in Kazakh and Russian, provider, payment, applicant kind, deadline)",
    responses(
        (status = 200, description = "The services.", body = ServiceList),
        (status = 503, description = "The service runs without the procedure (no_workflow).", body = ErrorBody),
    ),
)]
pub async fn services(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
) -> Response {
    match workflow(&state) {
        Ok(w) => json(
            StatusCode::OK,
            &ServiceList {
                services: w.catalogue().services(),
            },
        ),
        Err(e) => e.respond(&rid),
    }
}

/// An applicant's signed request, as the portal submits it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitRequest {
    /// The service's code in the catalogue (`GET /v1/services`).
    service: String,
    /// The applicant's IIN or BIN.
    #[schema(pattern = "^[0-9]{12}$")]
    applicant_id: String,
    /// Which the id is, for services open to both.
    #[serde(default)]
    applicant_kind: Option<ApplicantKind>,
    /// Base64 of the signed request (CMS).
    signature: String,
    /// Base64 of the request's content, for a detached signature.
    #[serde(default)]
    data: Option<String>,
    /// The payment gateway's reference, for paid services.
    #[serde(default)]
    payment_reference: Option<String>,
}

/// `POST /v1/applications`
#[utoipa::path(
    post, path = "/v1/applications", operation_id = "submitApplication", tag = "procedure",
    summary = "Submit an applicant's signed request (portal token)",
    description = "Unpaid services meet the signing condition at once; paid ones wait for the payment record.",
    security(("bearer" = [])),
    request_body(content((SubmitRequest = "application/json"))),
    responses(
        (status = 201, description = "Submitted: the application (Location: /v1/applications/{number}).", body = ApplicationView),
        (status = 400, description = "A wrong call: unknown_service, applicant_kind, invalid_id, missing_content, bad_request.", body = ErrorBody),
        TokenFailures,
        (status = 403, description = "Not a portal's token (forbidden).", body = ErrorBody),
        (status = 413, description = "The body is over the configured limit (too_large).", body = ErrorBody),
        (status = 415, description = "Not application/json (unsupported_media_type).", body = ErrorBody),
        (status = 503, description = "The archive is unavailable (archive_unavailable), its hash chain is broken and it refuses to append (archive_broken), or no officer of the provider can sign (no_officer).", body = ErrorBody),
    ),
)]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let portal = match portal(&state, &headers) {
        Ok(name) => name,
        Err(denied) => return denied.respond(&rid),
    };
    let result = async {
        let w = workflow(&state)?;
        let req: SubmitRequest = json_body(&state, &headers, body).await?;
        let submission = Submission {
            service: req.service,
            applicant_id: req.applicant_id,
            applicant_kind: req.applicant_kind,
            signature: base64_field("signature", &req.signature)?,
            content: req
                .data
                .as_deref()
                .map(|d| base64_field("data", d))
                .transpose()?,
            payment_reference: req.payment_reference,
            portal: Some(portal),
        };
        let view = w.submit(submission, OffsetDateTime::now_utc()).await?;
        let mut response = json(StatusCode::CREATED, &view);
        if let Ok(location) = format!("/v1/applications/{}", view.number).parse() {
            response.headers_mut().insert(LOCATION, location);
        }
        Ok(response)
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// `GET /v1/applications/{number}`
#[utoipa::path(
    get, path = "/v1/applications/{number}", operation_id = "getApplication", tag = "procedure",
    summary = "Status at any time: number, service, status, deadline, history (the submitting portal's token, an officer of the service's provider, or an auditor's, whose read is logged as an audit access)",
    security(("bearer" = [])),
    params(("number" = String, Path, pattern = "^[0-9]{4}-[0-9]{6,}$", description = "The application's number.")),
    responses(
        (status = 200, description = "The application.", body = ApplicationView),
        TokenFailures,
        (status = 404, description = "No such application, or one this token may not read (no_such_application: the two are not told apart).", body = ErrorBody),
        (status = 503, description = "The service runs without the procedure (no_workflow), or the archive is unavailable (archive_unavailable).", body = ErrorBody),
    ),
)]
pub async fn status(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (role, name) = match state.signing.auth.authenticate(&headers) {
        Ok((role, name)) => (role, name.to_owned()),
        Err(denied) => return denied.respond(&rid),
    };
    let reader = match &role {
        Role::Portal => Reader::Portal(&name),
        Role::Officer(id) => Reader::Officer(id),
        Role::Auditor => Reader::Auditor(&name),
    };
    let result = async {
        let view = workflow(&state)?.view_as(&number, reader).await?;
        Ok(json(StatusCode::OK, &view))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// The payment gateway's record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymentRequest {
    /// The gateway's payment reference.
    reference: String,
    /// `confirmed` or `declined`.
    #[schema(pattern = "^(confirmed|declined)$")]
    status: String,
}

/// `POST /v1/applications/{number}/payment`
#[utoipa::path(
    post, path = "/v1/applications/{number}/payment", operation_id = "postPayment", tag = "procedure",
    summary = "The payment gateway's record (portal token)",
    security(("bearer" = [])),
    params(("number" = String, Path, pattern = "^[0-9]{4}-[0-9]{6,}$", description = "The application's number.")),
    request_body(content((PaymentRequest = "application/json"))),
    responses(
        (status = 200, description = "The application after the payment record.", body = ApplicationView),
        (status = 400, description = "A bad body (bad_request).", body = ErrorBody),
        TokenFailures,
        (status = 403, description = "Not a portal's token (forbidden).", body = ErrorBody),
        (status = 404, description = "No such application, or another portal's (no_such_application).", body = ErrorBody),
        (status = 409, description = "The application is not awaiting a payment (wrong_state).", body = ErrorBody),
        (status = 415, description = "Not application/json (unsupported_media_type).", body = ErrorBody),
        (status = 503, description = "The archive is unavailable (archive_unavailable) or its hash chain is broken and it refuses to append (archive_broken).", body = ErrorBody),
    ),
)]
pub async fn payment(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let portal = match portal(&state, &headers) {
        Ok(name) => name,
        Err(denied) => return denied.respond(&rid),
    };
    let result = async {
        let w = workflow(&state)?;
        let req: PaymentRequest = json_body(&state, &headers, body).await?;
        let confirmed = match req.status.as_str() {
            "confirmed" => true,
            "declined" => false,
            other => {
                return Err(ApiError::bad_request(format!(
                    "\"status\" {other:?} is not confirmed or declined"
                )))
            }
        };
        if req.reference.trim().is_empty() {
            return Err(ApiError::bad_request("\"reference\" is empty"));
        }
        let view = w
            .payment(
                &number,
                Some(&portal),
                Payment {
                    reference: req.reference,
                    confirmed,
                },
                OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(json(StatusCode::OK, &view))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// The provider officer's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionRequest {
    /// `approve` or `refuse`.
    #[schema(pattern = "^(approve|refuse)$")]
    decision: String,
    /// Why, for a refusal (required there).
    #[serde(default)]
    motivation: Option<String>,
}

/// `POST /v1/applications/{number}/decision`
#[utoipa::path(
    post, path = "/v1/applications/{number}/decision", operation_id = "decideApplication", tag = "procedure",
    summary = "The provider's officer approves, or refuses with a motivation (officer token)",
    description = "The result or the motivated refusal is built from the catalogue's Kazakh and Russian template, signed by the deciding officer, archived and delivered to the cabinet.",
    security(("bearer" = [])),
    params(("number" = String, Path, pattern = "^[0-9]{4}-[0-9]{6,}$", description = "The application's number.")),
    request_body(content((DecisionRequest = "application/json"))),
    responses(
        (status = 200, description = "The application after the decision.", body = ApplicationView),
        (status = 400, description = "A refusal without motivation, or a bad body (bad_request).", body = ErrorBody),
        TokenFailures,
        (status = 403, description = "Not an officer's token (forbidden), or an officer of another provider (wrong_provider).", body = ErrorBody),
        (status = 404, description = "No such application (no_such_application).", body = ErrorBody),
        (status = 409, description = "Not under review (wrong_state), or the officer may not sign now (the verifier's code).", body = ErrorBody),
        (status = 415, description = "Not application/json (unsupported_media_type).", body = ErrorBody),
        (status = 503, description = "The archive is unavailable (archive_unavailable) or its hash chain is broken and it refuses to append (archive_broken).", body = ErrorBody),
    ),
)]
pub async fn decision(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let officer = match role(&state, &headers) {
        Ok(Role::Officer(id)) => id,
        Ok(_) => return AuthFailure::Forbidden.respond(&rid),
        Err(failure) => return failure.respond(&rid),
    };
    let result = async {
        let w = workflow(&state)?;
        let req: DecisionRequest = json_body(&state, &headers, body).await?;
        let decision = match req.decision.as_str() {
            "approve" => Decision::Approve,
            "refuse" => Decision::Refuse {
                motivation: req.motivation.unwrap_or_default(),
            },
            other => {
                return Err(ApiError::bad_request(format!(
                    "\"decision\" {other:?} is not approve or refuse"
                )))
            }
        };
        let view = w
            .decide(&number, &officer, decision, OffsetDateTime::now_utc())
            .await?;
        Ok(json(StatusCode::OK, &view))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// The answer of `GET /v1/cabinet/{id}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Cabinet<'a> {
    /// The applicant's IIN or BIN.
    applicant_id: &'a str,
    documents: Vec<CabinetEntry>,
}

/// `GET /v1/cabinet/{iin_or_bin}`
#[utoipa::path(
    get, path = "/v1/cabinet/{id}", operation_id = "getCabinet", tag = "procedure",
    summary = "The applicant's results and refusals (portal token)",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{12}$", description = "The applicant's IIN or BIN.")),
    responses(
        (status = 200, description = "The applicant's documents.", body = Cabinet),
        (status = 400, description = "Not a valid IIN/BIN (invalid_id).", body = ErrorBody),
        (status = 503, description = "The service runs without the procedure (no_workflow), or the archive is unavailable (archive_unavailable).", body = ErrorBody),
        TokenFailures,
        (status = 403, description = "Not a portal's token (forbidden).", body = ErrorBody),
    ),
)]
pub async fn cabinet(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let portal = match portal(&state, &headers) {
        Ok(name) => name,
        Err(denied) => return denied.respond(&rid),
    };
    let result = async {
        let entries = workflow(&state)?.cabinet(&id, Some(&portal)).await?;
        Ok(json(
            StatusCode::OK,
            &Cabinet {
                applicant_id: &id,
                documents: entries,
            },
        ))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// `GET /v1/cabinet/{iin_or_bin}/documents/{document}`
#[utoipa::path(
    get, path = "/v1/cabinet/{id}/documents/{document}", operation_id = "getCabinetDocument", tag = "procedure",
    summary = "One result or refusal of the applicant: the signed document (CMS with the text inside)",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{12}$", description = "The applicant's IIN or BIN."), ("document" = i64, Path, description = "The document's id (`outcome.document_id`).")),
    responses(
        (status = 200, description = "The signed document.", body = RawBody, content_type = "application/pkcs7-mime"),
        (status = 400, description = "Not a document id (bad_request).", body = ErrorBody),
        TokenFailures,
        (status = 403, description = "Not a portal's token (forbidden).", body = ErrorBody),
        (status = 404, description = "Not a document of this applicant's cabinet (no_such_application).", body = ErrorBody),
        (status = 503, description = "The service runs without the procedure (no_workflow), or the archive is unavailable (archive_unavailable).", body = ErrorBody),
    ),
)]
pub async fn cabinet_document(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path((id, document)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let portal = match portal(&state, &headers) {
        Ok(name) => name,
        Err(denied) => return denied.respond(&rid),
    };
    let result = async {
        let document_id = document
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("{document:?} is not a document id")))?;
        let bytes = workflow(&state)?
            .cabinet_document(&id, Some(&portal), document_id)
            .await?;
        Ok((
            StatusCode::OK,
            [
                (CONTENT_TYPE, "application/pkcs7-mime".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"document-{document_id}.p7m\""),
                ),
            ],
            Body::from(bytes),
        )
            .into_response())
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}
