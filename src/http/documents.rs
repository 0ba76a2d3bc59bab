//! The archive for auditors (auditor's bearer token):
//!
//! - `GET /v1/documents/{id}`: one stored document with its verdict, evidence and chain hashes;
//! - `GET /v1/documents/{id}/signature`: the stored signature itself (`application/pkcs7-signature`);
//! - `GET /v1/documents?signer=IIN&from=RFC3339&to=RFC3339&after=ID&limit=N`: a page of document
//!   summaries in id order (`next_after` continues);
//! - `POST /v1/documents/{id}/reverify`: the verdict as of signing and as of now, side by side.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use base64::Engine;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::auth::{AuthFailure, Role};
use super::error::ApiError;
use super::{AppState, RequestId};
use crate::archive::{reverify, DocumentQuery, StoredDocument};
use qoltanba_core::{parse_expected_id_with, parse_time, IdPolicy, UsageError, UsageReason};

const MAX_PAGE: u32 = 1000;

/// Only an auditor's token reads the archive.
fn auditor(state: &AppState, headers: &HeaderMap) -> Result<(), AuthFailure> {
    match state.signing.auth.authenticate(headers) {
        Ok((Role::Auditor, _)) => Ok(()),
        Ok(_) => Err(AuthFailure::Forbidden),
        Err(failure) => Err(failure),
    }
}

fn document_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{text:?} is not a document id (a positive integer)"
        ))
    })
}

#[derive(Serialize)]
struct EvidenceView {
    kind: &'static str,
    sha256: String,
}

#[derive(Serialize)]
struct DocumentSummary<'a> {
    id: i64,
    kind: &'static str,
    received_at: String,
    signer_iin: Option<&'a str>,
    signer_bin: Option<&'a str>,
    expected_id: Option<&'a str>,
    status: &'a str,
    reason: Option<&'a str>,
    record_hash: &'a str,
}

impl<'a> DocumentSummary<'a> {
    fn of(d: &'a StoredDocument) -> Self {
        let f = &d.fields;
        DocumentSummary {
            id: f.id,
            kind: f.kind.as_str(),
            received_at: f.received_at_text(),
            signer_iin: f.signer_iin.as_deref(),
            signer_bin: f.signer_bin.as_deref(),
            expected_id: f.expected_id.as_deref(),
            status: &f.status,
            reason: f.reason.as_deref(),
            record_hash: &d.record_hash,
        }
    }
}

#[derive(Serialize)]
struct DocumentView<'a> {
    #[serde(flatten)]
    summary: DocumentSummary<'a>,
    /// Base64 of the stored signature (DER).
    signature: String,
    /// Base64 of the content of a detached signature.
    content: Option<String>,
    /// The verdict the document got when it was stored.
    verdict: serde_json::Value,
    evidence: Vec<EvidenceView>,
    prev_hash: &'a str,
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

async fn load(state: &AppState, id: &str) -> Result<StoredDocument, ApiError> {
    let id = document_id(id)?;
    state
        .archive()?
        .get(id)
        .await?
        .ok_or(ApiError::NoDocument(id))
}

/// `GET /v1/documents/{id}`
pub async fn get_document(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = auditor(&state, &headers) {
        return denied.respond(&rid);
    }
    let result = async {
        let d = load(&state, &id).await?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let view = DocumentView {
            summary: DocumentSummary::of(&d),
            signature: b64.encode(&d.fields.signature),
            content: d.fields.content.as_ref().map(|c| b64.encode(c)),
            verdict: serde_json::from_str(&d.fields.verdict).unwrap_or(serde_json::Value::Null),
            evidence: d
                .fields
                .evidence
                .iter()
                .map(|r| EvidenceView {
                    kind: r.kind.as_str(),
                    sha256: r.sha256_hex(),
                })
                .collect(),
            prev_hash: &d.fields.prev_hash,
        };
        Ok(json(StatusCode::OK, &view))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// `GET /v1/documents/{id}/signature`
pub async fn get_signature(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = auditor(&state, &headers) {
        return denied.respond(&rid);
    }
    match load(&state, &id).await {
        Ok(d) => (
            StatusCode::OK,
            [
                (CONTENT_TYPE, "application/pkcs7-signature".to_owned()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"document-{}.p7s\"", d.fields.id),
                ),
            ],
            Body::from(d.fields.signature),
        )
            .into_response(),
        Err(e) => e.respond(&rid),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    signer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<i64>,
    limit: Option<u32>,
}

fn list_query(query: Option<&str>, ids: IdPolicy) -> Result<(DocumentQuery, i64, u32), ApiError> {
    let params: ListParams = match query {
        None | Some("") => ListParams::default(),
        Some(q) => serde_urlencoded::from_str(q)
            .map_err(|e| ApiError::bad_request(format!("query parameters: {e}")))?,
    };
    let signer = params
        .signer
        .as_deref()
        .map(|id| parse_expected_id_with(id, ids))
        .transpose()?
        .map(|id| id.as_string());
    let time = |t: Option<&str>| t.map(parse_time).transpose();
    let (from, to) = (time(params.from.as_deref())?, time(params.to.as_deref())?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::Usage(UsageError::new(
                UsageReason::BadTime,
                "\"from\" is after \"to\"",
            )));
        }
    }
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    Ok((
        DocumentQuery { signer, from, to },
        params.after.unwrap_or(0),
        limit,
    ))
}

/// `GET /v1/documents`
pub async fn list_documents(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = auditor(&state, &headers) {
        return denied.respond(&rid);
    }
    let result = async {
        let (query, after, limit) = list_query(query.as_deref(), state.ids)?;
        let page = state.archive()?.page(&query, after, limit).await?;
        let next_after = (page.len() == limit as usize)
            .then(|| page.last().map(|d| d.id()))
            .flatten();
        let documents: Vec<DocumentSummary<'_>> = page.iter().map(DocumentSummary::of).collect();
        Ok(json(
            StatusCode::OK,
            &serde_json::json!({ "documents": documents, "next_after": next_after }),
        ))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// `POST /v1/documents/{id}/reverify`
pub async fn reverify_document(
    State(state): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = auditor(&state, &headers) {
        return denied.respond(&rid);
    }
    let result = async {
        let id = document_id(&id)?;
        let archive = state.archive()?;
        let found = reverify::reverify_one(
            archive,
            &state.verifier,
            &state.evidence_cache,
            id,
            OffsetDateTime::now_utc(),
        )
        .await?;
        let outcome = found.ok_or(ApiError::NoDocument(id))?;
        Ok(json(StatusCode::OK, &outcome))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// The archive routes and `store` of `/v1/verify` in the OpenAPI document.
pub fn describe(doc: &mut serde_json::Value) {
    use serde_json::json;
    let error = |description: &str| {
        json!({
            "description": description,
            "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        })
    };
    let ok = |description: &str, schema: serde_json::Value| {
        json!({
            "description": description,
            "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
            "content": {"application/json": {"schema": schema}}
        })
    };
    let auth_errors = json!({
        "401": error("No bearer token (missing_token) or an unknown one (invalid_token)."),
        "403": error("Not an auditor's token (forbidden)."),
        "503": error("The archive is unavailable (archive_unavailable) or not configured (no_archive).")
    });
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}});
    let with = |mut responses: serde_json::Value| {
        if let (Some(r), Some(extra)) = (responses.as_object_mut(), auth_errors.as_object()) {
            r.extend(extra.clone());
        }
        responses
    };
    doc["paths"]["/v1/verify"]["post"]["responses"]["201"] = json!({
        "description": "Verified and stored (\"store\": true, ?store=true, or archive.store_verified): the verdict with `archived` {id, received_at, record_hash}; Location: /v1/documents/{id}.",
        "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Verdict"}}}
    });
    doc["paths"]["/v1/verify"]["post"]["responses"]["503"] = error(
        "Not stored: the archive is unavailable (archive_unavailable), or its hash chain failed the service's check and it refuses to append until an operator restores it (archive_broken); nothing was acknowledged.",
    );
    doc["paths"]["/v1/documents"] = json!({"get": {
        "operationId": "listDocuments",
        "summary": "A page of archived documents (auditor's token), in id order",
        "security": [{"bearer": []}],
        "parameters": [
            {"name": "signer", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{12}$"}, "description": "IIN or BIN of the signer."},
            {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "Received at or after."},
            {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "Received before."},
            {"name": "after", "in": "query", "schema": {"type": "integer"}, "description": "Continue after this id (next_after of the previous page)."},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}}
        ],
        "responses": with(json!({
            "200": ok("The documents (without their bytes) and next_after (null on the last page).", json!({"type": "object"})),
            "400": error("A bad parameter: invalid_id, bad_time, bad_request.")
        }))
    }});
    doc["paths"]["/v1/documents/{id}"] = json!({"get": {
        "operationId": "getDocument",
        "summary": "One archived document: signature, content, the verdict it got, evidence references, chain hashes",
        "security": [{"bearer": []}],
        "parameters": [id.clone()],
        "responses": with(json!({
            "200": ok("The document.", json!({"type": "object"})),
            "400": error("Not a document id (bad_request)."),
            "404": error("No such document (no_such_document).")
        }))
    }});
    doc["paths"]["/v1/documents/{id}/signature"] = json!({"get": {
        "operationId": "getDocumentSignature",
        "summary": "The archived signature itself (DER CMS)",
        "security": [{"bearer": []}],
        "parameters": [id.clone()],
        "responses": with(json!({
            "200": {"description": "application/pkcs7-signature", "content": {"application/pkcs7-signature": {"schema": {"type": "string", "format": "binary"}}}},
            "404": error("No such document (no_such_document).")
        }))
    }});
    doc["paths"]["/v1/documents/{id}/reverify"] = json!({"post": {
        "operationId": "reverifyDocument",
        "summary": "Re-verify an archived document as of its signing time and as of now",
        "description": "as_of_signing: at the genTime of a verified RFC 3161 time-stamp (basis timestamp), else at the time the archive received the document (basis received), judged with the evidence stored with it. as_of_now: at the current time with the live CRLs.",
        "security": [{"bearer": []}],
        "parameters": [id],
        "responses": with(json!({
            "200": ok("Both verdicts side by side.", json!({"type": "object", "required": ["document_id", "as_of_signing", "as_of_now"]})),
            "404": error("No such document (no_such_document).")
        }))
    }});
}
