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
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::openapi::{AuditorFailures, RawBody};
use super::{AppState, RequestId};
use crate::archive::reverify::Reverification;
use crate::archive::{reverify, DocumentKind, DocumentQuery, StoredDocument};
use qoltanba_core::Verdict;
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

/// One piece of stored evidence, by its hash.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvidenceView {
    /// `cert`, `crl` or `ocsp`.
    #[schema(pattern = "^(cert|crl|ocsp)$")]
    kind: &'static str,
    /// SHA-256 of the stored DER, hex.
    sha256: String,
}

/// An archived document without its bytes.
#[derive(Serialize, ToSchema)]
pub(crate) struct DocumentSummary<'a> {
    id: i64,
    #[schema(value_type = DocumentKind)]
    kind: &'static str,
    #[schema(format = DateTime)]
    received_at: String,
    signer_iin: Option<&'a str>,
    signer_bin: Option<&'a str>,
    /// The IIN or BIN the call expected.
    expected_id: Option<&'a str>,
    /// The verdict's status at receipt.
    #[schema(value_type = qoltanba_core::Status)]
    status: &'a str,
    #[schema(value_type = Option<qoltanba_core::Reason>)]
    reason: Option<&'a str>,
    /// This record's link in the archive's hash chain.
    record_hash: &'a str,
}

/// A page of `GET /v1/documents`.
#[derive(Serialize, ToSchema)]
pub(crate) struct DocumentPage<'a> {
    documents: Vec<DocumentSummary<'a>>,
    /// Give as `after` for the next page; `null` on the last page.
    next_after: Option<i64>,
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

/// One archived document: signature, content, the verdict it got, evidence, chain hashes.
#[derive(Serialize, ToSchema)]
pub(crate) struct DocumentView<'a> {
    #[serde(flatten)]
    summary: DocumentSummary<'a>,
    /// Base64 of the stored signature (DER).
    #[schema(format = Byte)]
    signature: String,
    /// Base64 of the content of a detached signature.
    #[schema(format = Byte)]
    content: Option<String>,
    /// The verdict the document got when it was stored.
    #[schema(value_type = Option<Verdict>)]
    verdict: serde_json::Value,
    evidence: Vec<EvidenceView>,
    /// The previous record's hash in the archive's chain.
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
#[utoipa::path(
    get, path = "/v1/documents/{id}", operation_id = "getDocument", tag = "archive",
    summary = "One archived document: signature, content, the verdict it got, evidence references, chain hashes",
    security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The document's id.")),
    responses(
        (status = 200, description = "The document.", body = DocumentView),
        (status = 400, description = "Not a document id (bad_request).", body = ErrorBody),
        (status = 404, description = "No such document (no_such_document).", body = ErrorBody),
        AuditorFailures,
    ),
)]
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
#[utoipa::path(
    get, path = "/v1/documents/{id}/signature", operation_id = "getDocumentSignature", tag = "archive",
    summary = "The archived signature itself (DER CMS)",
    security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The document's id.")),
    responses(
        (status = 200, description = "The DER CMS SignedData.", body = RawBody, content_type = "application/pkcs7-signature"),
        (status = 400, description = "Not a document id (bad_request).", body = ErrorBody),
        (status = 404, description = "No such document (no_such_document).", body = ErrorBody),
        AuditorFailures,
    ),
)]
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// IIN or BIN of the signer.
    #[param(pattern = "^[0-9]{12}$")]
    signer: Option<String>,
    /// Received at or after (RFC 3339).
    #[param(format = DateTime)]
    from: Option<String>,
    /// Received before (RFC 3339).
    #[param(format = DateTime)]
    to: Option<String>,
    /// Continue after this id (`next_after` of the previous page).
    after: Option<i64>,
    /// Documents per page, 1 to 1,000; default 100.
    #[param(minimum = 1, maximum = 1000)]
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
#[utoipa::path(
    get, path = "/v1/documents", operation_id = "listDocuments", tag = "archive",
    summary = "A page of archived documents (auditor's token), in id order",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "The documents (without their bytes) and next_after (null on the last page).", body = DocumentPage),
        (status = 400, description = "A bad parameter: invalid_id, bad_time, bad_request.", body = ErrorBody),
        AuditorFailures,
    ),
)]
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
            &DocumentPage {
                documents,
                next_after,
            },
        ))
    }
    .await;
    result.unwrap_or_else(|e: ApiError| e.respond(&rid))
}

/// `POST /v1/documents/{id}/reverify`
#[utoipa::path(
    post, path = "/v1/documents/{id}/reverify", operation_id = "reverifyDocument", tag = "archive",
    summary = "Re-verify an archived document as of its signing time and as of now",
    security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The document's id.")),
    responses(
        (status = 200, description = "Both verdicts side by side.", body = Reverification),
        (status = 400, description = "Not a document id (bad_request).", body = ErrorBody),
        (status = 404, description = "No such document (no_such_document).", body = ErrorBody),
        AuditorFailures,
    ),
)]
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
