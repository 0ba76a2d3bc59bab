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
use super::error::ApiError;
use super::{AppState, RequestId};
use crate::workflow::catalogue::ApplicantKind;
use crate::workflow::{Decision, Payment, Reader, Submission, Workflow, WorkflowError};

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

/// `GET /v1/services`
pub async fn services(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
) -> Response {
    match workflow(&state) {
        Ok(w) => json(
            StatusCode::OK,
            &serde_json::json!({ "services": w.catalogue().services() }),
        ),
        Err(e) => e.respond(&rid),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitRequest {
    service: String,
    applicant_id: String,
    #[serde(default)]
    applicant_kind: Option<ApplicantKind>,
    /// Base64 of the signed request (CMS).
    signature: String,
    /// Base64 of the request's content, for a detached signature.
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    payment_reference: Option<String>,
}

/// `POST /v1/applications`
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentRequest {
    reference: String,
    /// `confirmed` or `declined`.
    status: String,
}

/// `POST /v1/applications/{number}/payment`
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionRequest {
    /// `approve` or `refuse`.
    decision: String,
    #[serde(default)]
    motivation: Option<String>,
}

/// `POST /v1/applications/{number}/decision`
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

/// `GET /v1/cabinet/{iin_or_bin}`
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
            &serde_json::json!({ "applicant_id": id, "documents": entries }),
        ))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// `GET /v1/cabinet/{iin_or_bin}/documents/{document}`
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

/// The procedure's routes in the OpenAPI document.
pub fn describe(doc: &mut serde_json::Value) {
    use serde_json::json;
    let error = |description: &str| {
        json!({
            "description": description,
            "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        })
    };
    let application = json!({
        "description": "The application: number, service, applicant_id, status (submitted, awaiting_payment, under_review, completed, refused), submitted_at, deadline (YYYY-MM-DD, Kazakhstan), deadline_rule, request_document_id, outcome {kind result|refusal, document_id, refusal, reason, issued_at, download}, history [{at, step, status, code, detail, document_id, actor}].",
        "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
        "content": {"application/json": {"schema": {"type": "object", "required": ["number", "service", "status", "deadline", "history"]}}}
    });
    let number = json!({"name": "number", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6,}$"}});
    let auth = |who: &str| {
        json!({
            "401": error("No bearer token (missing_token) or an unknown one (invalid_token)."),
            "403": error(&format!("Not {who}'s token (forbidden).")),
        })
    };
    let with = |mut base: serde_json::Value, extra: serde_json::Value| {
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        base
    };
    let paths = &mut doc["paths"];
    paths["/v1/services"] = json!({"get": {
        "operationId": "listServices",
        "summary": "The catalogue of state services (names in Kazakh and Russian, provider, payment, applicant kind, deadline)",
        "responses": {"200": {"description": "{\"services\": [...]}", "content": {"application/json": {"schema": {"type": "object"}}}}}
    }});
    paths["/v1/applications"] = json!({"post": {
        "operationId": "submitApplication",
        "summary": "Submit an applicant's signed request (portal token)",
        "description": "Body {service, applicant_id (IIN or BIN), applicant_kind (individual|legal_entity, optional), signature (base64 CMS), data (base64, for a detached signature), payment_reference}. Unpaid services meet the signing condition at once; paid ones wait for the payment record.",
        "security": [{"bearer": []}],
        "responses": with(with(json!({
            "201": application.clone(),
            "400": error("A wrong call: unknown_service, applicant_kind, invalid_id, missing_content, bad_request."),
            "415": error("Not application/json (unsupported_media_type)."),
            "503": error("The archive is unavailable (archive_unavailable), its hash chain is broken and it refuses to append (archive_broken), or no officer of the provider can sign (no_officer).")
        }), auth("a portal")), json!({}))
    }});
    paths["/v1/applications/{number}"] = json!({"get": {
        "operationId": "getApplication",
        "summary": "Status at any time: number, service, status, deadline, history (the submitting portal's token, an officer of the service's provider, or an auditor's, whose read is logged as an audit access)",
        "security": [{"bearer": []}],
        "parameters": [number.clone()],
        "responses": with(json!({
            "200": application.clone(),
            "404": error("No such application, or one this token may not read (no_such_application: the two are not told apart).")
        }), json!({"401": error("No bearer token (missing_token) or an unknown one (invalid_token).")}))
    }});
    paths["/v1/applications/{number}/payment"] = json!({"post": {
        "operationId": "postPayment",
        "summary": "The payment gateway's record {reference, status: confirmed|declined} (portal token)",
        "security": [{"bearer": []}],
        "parameters": [number.clone()],
        "responses": with(json!({
            "200": application.clone(),
            "404": error("No such application, or another portal's (no_such_application)."),
            "409": error("The application is not awaiting a payment (wrong_state)."),
            "415": error("Not application/json (unsupported_media_type)."),
            "503": error("The archive is unavailable (archive_unavailable) or its hash chain is broken and it refuses to append (archive_broken).")
        }), auth("a portal"))
    }});
    paths["/v1/applications/{number}/decision"] = json!({"post": {
        "operationId": "decideApplication",
        "summary": "The provider's officer approves, or refuses with a motivation (officer token)",
        "description": "Body {decision: approve|refuse, motivation}. The result or the motivated refusal is built from the catalogue's Kazakh and Russian template, signed by the deciding officer, archived and delivered to the cabinet.",
        "security": [{"bearer": []}],
        "parameters": [number],
        "responses": with(json!({
            "200": application,
            "400": error("A refusal without motivation, or a bad body (bad_request)."),
            "403": error("Not an officer's token (forbidden), or an officer of another provider (wrong_provider)."),
            "404": error("No such application (no_such_application)."),
            "409": error("Not under review (wrong_state), or the officer may not sign now (the verifier's code)."),
            "415": error("Not application/json (unsupported_media_type)."),
            "503": error("The archive is unavailable (archive_unavailable) or its hash chain is broken and it refuses to append (archive_broken).")
        }), json!({"401": error("No bearer token (missing_token) or an unknown one (invalid_token).")}))
    }});
    let applicant = json!({"name": "id", "description": "The applicant's IIN or BIN.", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{12}$"}});
    paths["/v1/cabinet/{id}"] = json!({"get": {
        "operationId": "getCabinet",
        "summary": "The applicant's results and refusals (portal token)",
        "security": [{"bearer": []}],
        "parameters": [applicant.clone()],
        "responses": with(json!({
            "200": {"description": "{applicant_id, documents: [{number, service, status, outcome}]}", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": error("Not a valid IIN/BIN (invalid_id).")
        }), auth("a portal"))
    }});
    paths["/v1/cabinet/{id}/documents/{document}"] = json!({"get": {
        "operationId": "getCabinetDocument",
        "summary": "One result or refusal of the applicant: the signed document (CMS with the text inside)",
        "security": [{"bearer": []}],
        "parameters": [applicant, {"name": "document", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": with(json!({
            "200": {"description": "application/pkcs7-mime", "content": {"application/pkcs7-mime": {"schema": {"type": "string", "format": "binary"}}}},
            "404": error("Not a document of this applicant's cabinet (no_such_application).")
        }), auth("a portal"))
    }});
}
