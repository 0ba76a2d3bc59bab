//! The endpoints. Each one only translates HTTP to a call of the core (`Verifier`, `Certificate`)
//! and the answer back: no signature question is decided here.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::Certificate;
use qoltanba_core::{parse_expected_id_with, parse_time, IdPolicy, UsageError, UsageReason};
use qoltanba_core::{rfc3339, Verdict};
use qoltanba_core::{KeyUsagePolicy, Verifier, VerifyOptions};

use super::auth::AuthFailure;
use super::error::{ApiError, ErrorBody};
use super::language::{Lang, Subject};
use super::metrics::Outcome;
use super::openapi::{RawBody, VerificationFailures};
use super::{AppState, RequestId};

/// The language of the verdict's message: the caller's `Accept-Language` (kk, ru, en).
fn message_language(headers: &HeaderMap) -> Lang {
    Lang::from_accept_language(
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// `POST /v1/verify` JSON body. The two large fields borrow from the body unless they hold JSON
/// escapes: a request's base64 is not copied before it is decoded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyRequest<'a> {
    /// The CMS SignedData: base64 of the DER (or PEM text).
    #[serde(borrow)]
    #[schema(value_type = String)]
    signature: Cow<'a, str>,
    /// Base64 of the signed content, for a detached signature.
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>)]
    data: Option<Cow<'a, str>>,
    /// The IIN or BIN the signer must have (12 digits with a valid control digit).
    #[serde(default)]
    #[schema(pattern = "^[0-9]{12}$")]
    expected_id: Option<String>,
    /// Validation time, RFC 3339, for every signer (`time_basis` caller); default: for a signer
    /// with a signature time-stamp token that verifies its genTime (`timestamp`), else now
    /// (`now`).
    #[serde(default)]
    #[schema(format = DateTime)]
    at: Option<String>,
    /// Keep the signature, its verdict at receipt and evidence in the archive: answered 201
    /// with `archived` once committed. Needs a portal token (401/403 otherwise); malformed input
    /// is never stored; above `archive.max_document_bytes` the answer is 413
    /// `too_large_to_store`.
    #[serde(default)]
    store: bool,
    /// OCSP responses the caller holds (base64 of the DER), used as evidence when the
    /// deployment's revocation policy looks at OCSP.
    #[serde(default)]
    #[schema(max_items = 16)]
    ocsp_responses: Vec<String>,
}

/// `POST /v1/certificates/verify` and `/info` JSON body (`/info` reads the certificate only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertificateRequest {
    /// Base64 of the certificate's DER, or PEM text.
    certificate: String,
    /// The IIN or BIN the holder must have (12 digits with a valid control digit).
    #[serde(default)]
    #[schema(pattern = "^[0-9]{12}$")]
    expected_id: Option<String>,
    /// Validation time, RFC 3339; default now.
    #[serde(default)]
    #[schema(format = DateTime)]
    at: Option<String>,
    /// Skip the document-signing key-usage rule.
    #[serde(default)]
    any_key_usage: bool,
}

/// Query parameters of the raw-body forms (the signature or certificate itself as the body).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RawParams {
    /// The IIN or BIN the signer must have (12 digits with a valid control digit).
    #[param(pattern = "^[0-9]{12}$")]
    expected_id: Option<String>,
    /// Validation time, RFC 3339; default now, or for a signer with a verified signature
    /// time-stamp its genTime (`signers[].time_basis`).
    #[param(format = DateTime)]
    at: Option<String>,
    /// `/v1/certificates/verify`: skip the document-signing key-usage rule.
    any_key_usage: Option<bool>,
    /// `/v1/verify`: keep the signature in the archive (as `"store": true`).
    store: Option<bool>,
}

enum Media {
    Json,
    Raw,
}

const RAW_TYPES: [&str; 10] = [
    "application/pkcs7-signature",
    "application/pkcs7-mime",
    "application/x-pkcs7-signature",
    "application/x-pkcs7-mime",
    "application/cms",
    "application/octet-stream",
    "application/pkix-cert",
    "application/x-x509-ca-cert",
    "application/x-pem-file",
    "text/plain",
];

/// JSON or a raw signature/certificate body, by content type. Without one, a body that starts
/// with `{` is JSON.
fn media(headers: &HeaderMap, body: &[u8]) -> Result<Media, ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(match body.trim_ascii_start().first() {
            Some(b'{') => Media::Json,
            _ => Media::Raw,
        });
    };
    let text = value.to_str().unwrap_or_default();
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(Media::Json)
    } else if RAW_TYPES.contains(&essence.as_str()) {
        Ok(Media::Raw)
    } else {
        Err(ApiError::MediaType(essence))
    }
}

/// A JSON-only endpoint's Content-Type check: none (JSON is assumed), `application/json` or a
/// `+json` type; anything else is 415 `unsupported_media_type`.
pub(super) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(ApiError::MediaType(essence))
    }
}

/// Reads a request body, refusing (413) one over the size limit whether declared or streamed,
/// and (408) one that does not arrive within the request timeout.
///
/// The body is copied into one buffer as it arrives, each chunk freed once copied: collecting the
/// chunks and joining them at the end would hold the body twice at the peak. The buffer is sized
/// from a declared length (already checked against the limit), and never grows past the limit.
pub(super) async fn read_body(
    body: Body,
    headers: &HeaderMap,
    limits: &super::HttpLimits,
) -> Result<Bytes, ApiError> {
    let limit = usize::try_from(limits.max_body_bytes).unwrap_or(usize::MAX);
    let too_large = || {
        ApiError::Usage(UsageError::new(
            UsageReason::TooLarge,
            format!("the request body is over the limit of {limit} bytes"),
        ))
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Err(too_large());
    }
    // hyper has checked that the body is as long as declared; the limit caps it regardless.
    let initial = declared.map_or(0, |n| usize::try_from(n).unwrap_or(limit).min(limit));
    let reading = async {
        let mut body = body;
        let mut buffer: Vec<u8> = Vec::with_capacity(initial);
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
            let Ok(chunk) = frame.into_data() else {
                continue; // trailers: nothing of the body
            };
            let needed = buffer.len().saturating_add(chunk.len());
            if needed > limit {
                return Err(too_large());
            }
            if needed > buffer.capacity() {
                // Doubling as a Vec would, but never past the limit.
                let target = buffer.capacity().saturating_mul(2).clamp(needed, limit);
                buffer.reserve_exact(target - buffer.len());
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(buffer))
    };
    tokio::time::timeout(limits.request_timeout, reading)
        .await
        .map_err(|_| ApiError::SlowBody)?
}

fn json_body<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    // serde would also read a struct from a JSON array of its fields in order: refuse that.
    if !bytes.trim_ascii_start().starts_with(b"{") {
        return Err(ApiError::bad_request(
            "the request body is not the expected JSON: it must be a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!("the request body is not the expected JSON: {e}"))
    })
}

fn raw_params(query: Option<&str>) -> Result<RawParams, ApiError> {
    match query {
        None | Some("") => Ok(RawParams::default()),
        Some(q) => serde_urlencoded::from_str(q)
            .map_err(|e| ApiError::bad_request(format!("query parameters: {e}"))),
    }
}

fn no_query_with_json(query: Option<&str>) -> Result<(), ApiError> {
    if query.is_some_and(|q| !q.is_empty()) {
        return Err(ApiError::bad_request(
            "query parameters are only for raw bodies: put expected_id and at in the JSON body",
        ));
    }
    Ok(())
}

fn options(
    expected_id: Option<&str>,
    at: Option<&str>,
    key_usage: KeyUsagePolicy,
    ids: IdPolicy,
) -> Result<VerifyOptions, UsageError> {
    Ok(VerifyOptions {
        at: at.map(parse_time).transpose()?,
        expected_id: expected_id
            .map(|id| parse_expected_id_with(id, ids))
            .transpose()?,
        key_usage,
        extra_intermediates: Vec::new(),
        crls: None,
        policy: Default::default(),
        ..Default::default()
    })
}

/// Base64 text (or PEM text, kept as it is) to bytes.
fn decode_field(field: &str, text: &str, allow_pem: bool) -> Result<Vec<u8>, ApiError> {
    if allow_pem && text.contains("-----BEGIN ") {
        return Ok(text.as_bytes().to_vec());
    }
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!("\"{field}\" is empty")));
    }
    input::decode_base64(text)
        .ok_or_else(|| ApiError::bad_request(format!("\"{field}\" is not valid base64")))
}

/// Inputs up to this size verify in tens of microseconds: they run on the async worker itself, since
/// handing them to the blocking pool costs about as much CPU as the verification (two context
/// switches). Larger ones go to the blocking pool, so a big signature never stalls other requests.
const INLINE_MAX_BYTES: usize = 64 * 1024;

/// Runs a verification within the concurrency limit and the request timeout: inline for small
/// inputs, on the blocking pool otherwise. A panic is logged and answered 500; the server lives on.
async fn run_verification<F, T>(state: &AppState, input_len: usize, job: F) -> Result<T, ApiError>
where
    F: FnOnce(&Verifier) -> Result<T, UsageError> + Send + 'static,
    T: Send + 'static,
{
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    let permit = tokio::time::timeout_at(deadline, state.slots.clone().acquire_owned())
        .await
        .map_err(|_| ApiError::Timeout)?
        .map_err(|_| ApiError::Internal)?;
    let verifier = state.verifier.clone();
    let metrics = state.metrics.clone();
    let run = move || {
        let _permit = permit;
        let _counted = metrics.verification_started();
        job(&verifier)
    };
    let log_panic = |payload: Box<dyn std::any::Any + Send>| {
        tracing::error!(
            "verification panicked: {}",
            super::middleware::panic_message(payload.as_ref())
        );
        ApiError::Internal
    };
    if input_len <= INLINE_MAX_BYTES {
        return match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            Ok(result) => result.map_err(ApiError::Usage),
            Err(payload) => Err(log_panic(payload)),
        };
    }
    let task = tokio::task::spawn_blocking(run);
    match tokio::time::timeout_at(deadline, task).await {
        Err(_) => Err(ApiError::Timeout),
        Ok(Err(join)) if join.is_panic() => Err(log_panic(join.into_panic())),
        Ok(Err(_)) => Err(ApiError::Internal),
        Ok(Ok(result)) => result.map_err(ApiError::Usage),
    }
}

/// The most OCSP responses a caller may send with one verification.
const MAX_SENT_OCSP_RESPONSES: usize = 16;

/// The deployment's revocation inputs on `opts`: its revocation policy and, when that policy
/// looks at OCSP, the answers the verification needs. The caller's own responses (`sent`, base64)
/// come first; then the verifier names the certificates of the paths it will judge (`queries`,
/// built only under such a policy) and the service looks each one up — from its cache, one
/// exchange per certificate however many requests ask at once. The verifier alone judges the
/// answers; one that is missing or refused never makes a verdict `valid`.
async fn with_revocation<M, Q>(
    state: &Arc<AppState>,
    mut opts: VerifyOptions,
    sent: &[String],
    input_len: usize,
    make_queries: M,
) -> Result<VerifyOptions, ApiError>
where
    M: FnOnce() -> Q,
    Q: FnOnce(&Verifier, &VerifyOptions) -> Vec<qoltanba_core::StatusQuery> + Send + 'static,
{
    let Some(ocsp) = state.ocsp.clone() else {
        return Ok(opts);
    };
    opts.revocation_policy = ocsp.policy();
    opts.ocsp_max_age = Some(ocsp.max_age());
    opts.ocsp_clock_skew = ocsp.clock_skew();
    if sent.len() > MAX_SENT_OCSP_RESPONSES {
        return Err(ApiError::bad_request(format!(
            "ocsp_responses holds {} responses, more than the limit of {MAX_SENT_OCSP_RESPONSES}",
            sent.len()
        )));
    }
    for (index, text) in sent.iter().enumerate() {
        let der = decode_field("ocsp_responses", text, false)?;
        let response = qoltanba_core::OcspResponse::from_der(&der).map_err(|e| {
            ApiError::bad_request(format!("ocsp_responses[{index}] is not usable: {e}"))
        })?;
        opts.ocsp
            .push(qoltanba_core::OcspAnswer::response(Arc::new(response)));
    }
    if !opts.revocation_policy.uses_ocsp() {
        return Ok(opts);
    }
    let queries = make_queries();
    let asked = opts.clone();
    let queries = run_verification(state, input_len, move |v| Ok(queries(v, &asked))).await?;
    if !queries.is_empty() {
        let answers = ocsp.answers_for(&queries).await;
        opts.ocsp.extend(answers);
    }
    Ok(opts)
}

/// The verdict as a 200 answer; an encoding failure (never expected: the verdict is plain data) is
/// a 500, never an empty 200.
fn verdict_response(verdict: &Verdict) -> Result<Response, ApiError> {
    let outcome = Outcome {
        outcome: verdict.status.as_str(),
        reason: verdict.reason.map_or("", |r| r.as_str()),
    };
    // A verdict document is a few kilobytes: one allocation instead of a series of doublings.
    let mut body = Vec::with_capacity(8 * 1024);
    serde_json::to_writer(&mut body, verdict).map_err(|e| {
        tracing::error!("the verdict could not be encoded: {e}");
        ApiError::Internal
    })?;
    let mut response = (StatusCode::OK, [(CONTENT_TYPE, "application/json")], body).into_response();
    response.extensions_mut().insert(outcome);
    Ok(response)
}

fn reply(id: &RequestId, result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(|e| e.respond(id))
}

/// `POST /v1/verify`
#[utoipa::path(
    post, path = "/v1/verify", operation_id = "verifySignature", tag = "verification",
    summary = "Verify a CMS SignedData signature",
    description = "JSON body, or the signature itself as the body (DER, PEM or base64) with application/pkcs7-signature, application/pkcs7-mime or application/octet-stream and the options as query parameters. The verdict is the same document as `qoltanba verify --json`; its `message` and check details follow `Accept-Language` (kk, ru, en; English by default), the codes never change.",
    params(RawParams),
    request_body(content(
        (VerifyRequest = "application/json"),
        (RawBody = "application/pkcs7-signature"),
        (RawBody = "application/pkcs7-mime"),
        (RawBody = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "The verdict: valid, invalid or indeterminate (CONTRACT.md sections 1 and 5); with `store` but not stored, `archived` null and `not_archived`.", body = VerifyAnswer),
        (status = 201, description = "Verified and stored (`\"store\": true`, `?store=true`, or archive.store_verified): the verdict with `archived` {id, received_at, record_hash}; Location: /v1/documents/{id}.", body = VerifyAnswer),
        VerificationFailures,
        (status = 403, description = "`store: true` with a token whose role may not store (forbidden): storing is a portal's right.", body = ErrorBody),
    ),
)]
pub async fn verify(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let lang = message_language(&headers);
    let result = async {
        let bytes = read_body(body, &headers, &state.limits).await?;
        let (signature, data, opts, store, sent) = match media(&headers, &bytes)? {
            Media::Json => {
                no_query_with_json(query.as_deref())?;
                let req: VerifyRequest = json_body(&bytes)?;
                let signature = decode_field("signature", &req.signature, true)?;
                let data = match req.data.as_deref() {
                    None => None,
                    Some("") => Some(Vec::new()),
                    Some(text) => Some(decode_field("data", text, false)?),
                };
                let opts = options(
                    req.expected_id.as_deref(),
                    req.at.as_deref(),
                    KeyUsagePolicy::DocumentSigning,
                    state.ids,
                )?;
                (signature, data, opts, req.store, req.ocsp_responses)
            }
            Media::Raw => {
                let params = raw_params(query.as_deref())?;
                let store = params.store.unwrap_or(false);
                if params.any_key_usage.is_some() {
                    return Err(ApiError::bad_request(
                        "any_key_usage is only for /v1/certificates/verify",
                    ));
                }
                let opts = options(
                    params.expected_id.as_deref(),
                    params.at.as_deref(),
                    KeyUsagePolicy::DocumentSigning,
                    state.ids,
                )?;
                (bytes.to_vec(), None, opts, store, Vec::new())
            }
        };
        let input_len = signature.len() + data.as_ref().map_or(0, Vec::len);
        let opts = with_revocation(&state, opts, &sent, input_len, || {
            let signature = signature.clone();
            move |v: &Verifier, o: &VerifyOptions| v.signature_status_queries(&signature, o)
        })
        .await?;
        // Storing is a right (a portal token); `archive.store_verified` stores only the requests
        // of callers who have it, and an explicit `store` without it is refused.
        let may_store = match storing_right(&state, &headers) {
            Ok(()) => true,
            Err(failure) if store => return Ok(failure.respond(&id)),
            Err(_) => false,
        };
        if !(may_store && (store || state.store_verified)) {
            let verdict = run_verification(&state, input_len, move |v| {
                v.verify_signature(&signature, data.as_deref(), &opts)
            })
            .await?;
            return verdict_response(&lang.localize(verdict, Subject::Signature));
        }
        if input_len as u64 > state.max_stored_bytes {
            return Err(ApiError::Other {
                http: StatusCode::PAYLOAD_TOO_LARGE,
                status: "usage_error",
                reason: "too_large_to_store",
                message: format!(
                    "the signature and data ({input_len} bytes) are over the archive's limit of {} bytes (archive.max_document_bytes); verify without storing",
                    state.max_stored_bytes
                ),
            });
        }
        let archive = state.archive()?.clone();
        let received_at = OffsetDateTime::now_utc();
        let (document, asked) = run_verification(&state, input_len, move |v| {
            // The stored verdict is the verdict at receipt: a caller's `at` is answered, never
            // stored as the document's status.
            let asked = match opts.at {
                Some(_) => Some(v.verify_signature(&signature, data.as_deref(), &opts)?),
                None => None,
            };
            let at_receipt = VerifyOptions { at: None, ..opts };
            let document = crate::archive::evidence::verified_document(
                v,
                crate::archive::DocumentKind::Request,
                signature,
                data,
                at_receipt,
                received_at,
            )?;
            Ok((document, asked))
        })
        .await?;
        let answered = lang.localize(
            asked.unwrap_or_else(|| document.verdict.clone()),
            Subject::Signature,
        );
        if document.verdict.reason == Some(qoltanba_core::Reason::MalformedSignature) {
            // Not a signature: nothing to keep, and nothing an anonymous flood could fill the
            // append-only archive with.
            return not_stored_response(&answered, "malformed input is never stored");
        }
        let stored_status = document.verdict.status;
        let receipt = archive.store(document).await?;
        stored_response(&answered, &receipt, stored_status)
    }
    .await;
    // A usage error names what is missing in the caller's language too.
    let result = result.map_err(|e| match e {
        ApiError::Usage(usage) => ApiError::Usage(lang.localize_usage(usage)),
        other => other,
    });
    reply(&id, result)
}

/// Whether the caller's token carries the right to store (`Role::may_store`).
fn storing_right(state: &AppState, headers: &HeaderMap) -> Result<(), AuthFailure> {
    match state.signing.auth.authenticate(headers) {
        Ok((role, _)) if role.may_store() => Ok(()),
        Ok(_) => Err(AuthFailure::Forbidden),
        Err(failure) => Err(failure),
    }
}

/// The answer of `/v1/verify`: the verdict and, for a call that asked to store, what the archive
/// did with the document.
#[derive(Serialize, ToSchema)]
#[schema(as = VerifyAnswer)]
pub struct VerifyAnswer<'a> {
    #[serde(flatten)]
    verdict: &'a Verdict,
    /// With `store`: the archive's receipt (answer 201), or `null` when the document was not
    /// stored (answer 200, `not_archived` says why). Absent without `store`.
    archived: Option<StoredReceipt<'a>>,
    /// With `store`, why the document was not stored (`malformed_input`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    not_archived: Option<&'a str>,
}

/// The archive's receipt for a stored verification.
#[derive(Serialize, ToSchema)]
pub struct StoredReceipt<'a> {
    #[serde(flatten)]
    receipt: &'a crate::archive::Receipt,
    /// The document's status as stored: judged at receipt, whatever `at` the call asked.
    status: qoltanba_core::Status,
}

fn encoding_failed(e: serde_json::Error) -> ApiError {
    tracing::error!("the verdict could not be encoded: {e}");
    ApiError::Internal
}

/// 200 with the verdict and `"archived": null`, `"not_archived"`: why it was not stored.
fn not_stored_response(verdict: &Verdict, why: &str) -> Result<Response, ApiError> {
    let body = VerifyAnswer {
        verdict,
        archived: None,
        not_archived: Some(why),
    };
    let mut response = verdict_response(verdict)?;
    *response.body_mut() = Body::from(serde_json::to_vec(&body).map_err(encoding_failed)?);
    Ok(response)
}

/// 201 with the verdict, the archive's receipt and `Location` of the stored document.
fn stored_response(
    verdict: &Verdict,
    receipt: &crate::archive::Receipt,
    stored_status: qoltanba_core::Status,
) -> Result<Response, ApiError> {
    let body = VerifyAnswer {
        verdict,
        archived: Some(StoredReceipt {
            receipt,
            status: stored_status,
        }),
        not_archived: None,
    };
    let mut response = verdict_response(verdict)?;
    *response.status_mut() = StatusCode::CREATED;
    *response.body_mut() = Body::from(serde_json::to_vec(&body).map_err(encoding_failed)?);
    if let Ok(location) = format!("/v1/documents/{}", receipt.id).parse() {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, location);
    }
    Ok(response)
}

struct CertificateCall {
    certificate: Arc<Certificate>,
    expected_id: Option<String>,
    at: Option<String>,
    any_key_usage: bool,
}

async fn certificate_call(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
    with_options: bool,
) -> Result<CertificateCall, ApiError> {
    let bytes = read_body(body, headers, &state.limits).await?;
    let (der_or_pem, expected_id, at, any_key_usage) = match media(headers, &bytes)? {
        Media::Json => {
            no_query_with_json(query)?;
            let req: CertificateRequest = json_body(&bytes)?;
            let cert = decode_field("certificate", &req.certificate, true)?;
            (cert, req.expected_id, req.at, req.any_key_usage)
        }
        Media::Raw => {
            let params = raw_params(query)?;
            let any = params.any_key_usage.unwrap_or(false);
            (bytes.to_vec(), params.expected_id, params.at, any)
        }
    };
    if !with_options && (expected_id.is_some() || at.is_some() || any_key_usage) {
        return Err(ApiError::bad_request(
            "/v1/certificates/info takes the certificate only",
        ));
    }
    let certs = input::certificates_from_bytes(&der_or_pem, &InputLimits::default())
        .map_err(|why| ApiError::bad_request(format!("not a certificate: {why}")))?;
    let [certificate] = <[Arc<Certificate>; 1]>::try_from(certs).map_err(|certs| {
        ApiError::bad_request(format!("give exactly one certificate, not {}", certs.len()))
    })?;
    Ok(CertificateCall {
        certificate,
        expected_id,
        at,
        any_key_usage,
    })
}

/// `POST /v1/certificates/verify`
#[utoipa::path(
    post, path = "/v1/certificates/verify", operation_id = "verifyCertificate", tag = "verification",
    summary = "Validate a certificate alone (path, validity, revocation, key usage, identity)",
    params(RawParams),
    request_body(content(
        (CertificateRequest = "application/json"),
        (RawBody = "application/pkix-cert"),
        (String = "application/x-pem-file"),
        (RawBody = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "The verdict on the certificate.", body = Verdict),
        VerificationFailures,
    ),
)]
pub async fn verify_certificate(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let lang = message_language(&headers);
    let result = async {
        let call = certificate_call(&state, query.as_deref(), &headers, body, true).await?;
        let policy = if call.any_key_usage {
            KeyUsagePolicy::Any
        } else {
            KeyUsagePolicy::DocumentSigning
        };
        let opts = options(
            call.expected_id.as_deref(),
            call.at.as_deref(),
            policy,
            state.ids,
        )?;
        let cert = call.certificate;
        let opts = with_revocation(&state, opts, &[], cert.der.len(), || {
            let cert = Arc::clone(&cert);
            move |v: &Verifier, o: &VerifyOptions| v.certificate_status_queries(&cert, o)
        })
        .await?;
        let verdict = run_verification(&state, cert.der.len(), move |v| {
            Ok(v.verify_certificate(&cert, &opts))
        })
        .await?;
        verdict_response(&lang.localize(verdict, Subject::Certificate))
    }
    .await;
    reply(&id, result)
}

/// What `/v1/certificates/info` says about a certificate, without judging it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    /// The serial number, hex.
    pub serial: String,
    #[schema(format = DateTime)]
    pub not_before: String,
    #[schema(format = DateTime)]
    pub not_after: String,
    pub iin: Option<String>,
    pub bin: Option<String>,
    pub common_name: Option<String>,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub organization: Option<String>,
    /// The role the NCA's extended key usage gives the holder.
    #[schema(value_type = Option<qoltanba_core::Role>)]
    pub role: Option<&'static str>,
    pub key_usage: Vec<&'static str>,
    /// Dotted OIDs.
    pub extended_key_usage: Vec<String>,
    pub is_ca: bool,
    pub crl_distribution_points: Vec<String>,
    /// Hex.
    pub subject_key_id: Option<String>,
    /// Hex.
    pub authority_key_id: Option<String>,
    /// SHA-256 of the DER certificate, hex.
    pub sha256: String,
}

impl CertificateInfo {
    pub fn of(cert: &Certificate) -> Self {
        let id = &cert.identity;
        CertificateInfo {
            subject: cert.subject.to_string(),
            issuer: cert.issuer.to_string(),
            serial: cert.serial_hex(),
            not_before: rfc3339(cert.not_before),
            not_after: rfc3339(cert.not_after),
            iin: id.iin.clone(),
            bin: id.bin.clone(),
            common_name: id.common_name.clone(),
            surname: id.surname.clone(),
            given_name: id.given_name.clone(),
            organization: id.organization.clone(),
            role: id.role.map(|r| r.as_str()),
            key_usage: cert.key_usage.map(|k| k.names()).unwrap_or_default(),
            extended_key_usage: cert.ext_key_usage.clone(),
            is_ca: cert.is_ca(),
            crl_distribution_points: cert.crl_urls.clone(),
            subject_key_id: cert.subject_key_id.as_deref().map(hex::encode),
            authority_key_id: cert.authority_key_id.as_deref().map(hex::encode),
            sha256: cert.fingerprint_hex(),
        }
    }
}

/// `POST /v1/certificates/info`
#[utoipa::path(
    post, path = "/v1/certificates/info", operation_id = "certificateInfo", tag = "verification",
    summary = "Read a certificate without judging it: identity, role, key usage, validity, issuer, CRL distribution points",
    request_body(content(
        (CertificateRequest = "application/json"),
        (RawBody = "application/pkix-cert"),
        (String = "application/x-pem-file"),
        (RawBody = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "What the certificate says.", body = CertificateInfo),
        VerificationFailures,
    ),
)]
pub async fn certificate_info(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let call = certificate_call(&state, query.as_deref(), &headers, body, false).await?;
        let info = CertificateInfo::of(&call.certificate);
        Ok(json_response(StatusCode::OK, &info, "ok"))
    }
    .await;
    reply(&id, result)
}

fn json_response<T: Serialize>(status: StatusCode, body: &T, outcome: &'static str) -> Response {
    let mut response = (
        status,
        [(CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response();
    response.extensions_mut().insert(Outcome {
        outcome,
        reason: "",
    });
    response
}

/// The answer of `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
}

/// `GET /healthz`: the process answers.
#[utoipa::path(
    get, path = "/healthz", operation_id = "health", tag = "operations",
    summary = "Liveness: the process answers",
    responses((status = 200, description = "Alive.", body = Health)),
)]
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &Health { status: "ok" }, "ok")
}

/// One configured CA's CRLs as `/readyz` shows them.
#[derive(Serialize, ToSchema)]
pub struct IssuerReadiness {
    issuer: String,
    /// A complete CRL whose nextUpdate is in the future, and no lapsed delta CRL above it.
    current: bool,
    number: Option<String>,
    #[schema(format = DateTime)]
    this_update: Option<String>,
    #[schema(format = DateTime)]
    next_update: Option<String>,
    /// Revoked entries in the complete CRL.
    entries: usize,
    delta_number: Option<String>,
    #[schema(format = DateTime)]
    delta_next_update: Option<String>,
}

/// Where the node stands: `ready`, `read_only` (ready to verify and to be read, while the
/// archive's hash chain failed the service's check and nothing is stored) or `not_ready`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ready,
    ReadOnly,
    NotReady,
}

impl ReadinessStatus {
    fn as_str(&self) -> &'static str {
        match self {
            ReadinessStatus::Ready => "ready",
            ReadinessStatus::ReadOnly => "read_only",
            ReadinessStatus::NotReady => "not_ready",
        }
    }
}

/// The archive's hash chain, as the service's last check found it.
#[derive(Serialize, ToSchema)]
pub struct ArchiveReadiness {
    chain_intact: bool,
    /// `archive_broken` when the chain failed the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^archive_broken$")]
    reason: Option<&'static str>,
    /// What the service's chain check found.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

/// The answer of `GET /readyz`.
#[derive(Serialize, ToSchema)]
pub struct Readiness<'a> {
    status: ReadinessStatus,
    /// The issuers without a current CRL (when the policy needs CRLs).
    missing: Vec<&'a str>,
    issuers: Vec<IssuerReadiness>,
    /// Present when the service keeps an archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<ArchiveReadiness>,
    /// The revocation policy, present when OCSP is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'static str>,
    /// Which responders answer, present when OCSP is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ocsp: Option<crate::ocsp::OcspReadiness>,
}

/// `GET /readyz`: 200 while the revocation evidence the policy relies on is at hand, 503 with what
/// is lacking otherwise. CRLs (every policy but `ocsp`): every configured CA has a complete CRL
/// whose nextUpdate is in the future and no lapsed delta CRL above it. OCSP (`ocsp`, `both`):
/// every configured responder answered lately ([`crate::ocsp::OcspStatus`]).
#[utoipa::path(
    get, path = "/readyz", operation_id = "ready", tag = "operations",
    summary = "Readiness per the revocation policy: every configured CA has a complete CRL whose nextUpdate is in the future (every policy but `ocsp`), every configured OCSP responder answered lately (`ocsp`, `both`)",
    responses(
        (status = 200, description = "Ready (`status` ready), or ready to verify and to be read while the archive's hash chain failed the service's check and nothing is stored (`status` read_only, `archive.reason` archive_broken).", body = Readiness),
        (status = 503, description = "Not ready; `missing` lists the issuers without a current CRL (when the policy needs CRLs), `ocsp.responders` shows which responders do not answer.", body = Readiness),
    ),
)]
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let now = OffsetDateTime::now_utc();
    let statuses = state.store.issuer_statuses(now);
    let ocsp = state.ocsp.as_ref().map(|o| o.status().readiness(now));
    let needs_crl = ocsp.as_ref().is_none_or(|o| o.needs_crl);
    let missing: Vec<&str> = statuses
        .iter()
        .filter(|s| needs_crl && !s.current)
        .map(|s| s.issuer.as_str())
        .collect();
    let issuers: Vec<IssuerReadiness> = statuses
        .iter()
        .map(|s| IssuerReadiness {
            issuer: s.issuer.clone(),
            current: s.current,
            number: s.number.clone(),
            this_update: s.this_update.map(rfc3339),
            next_update: s.next_update.map(rfc3339),
            entries: s.entries,
            delta_number: s.delta_number.clone(),
            delta_next_update: s.delta_next_update.map(rfc3339),
        })
        .collect();
    // A broken chain leaves the node ready (200): it still verifies, and auditors must still
    // read the archive through it; the status says `read_only` and the archive why.
    let chain_problem = state.archive.as_ref().and_then(|a| a.chain().problem());
    let ready = missing.is_empty() && ocsp.as_ref().is_none_or(|o| o.ready);
    let status = match (ready, &chain_problem) {
        (false, _) => ReadinessStatus::NotReady,
        (true, Some(_)) => ReadinessStatus::ReadOnly,
        (true, None) => ReadinessStatus::Ready,
    };
    let outcome = status.as_str();
    let archive = state.archive.as_ref().map(|_| ArchiveReadiness {
        chain_intact: chain_problem.is_none(),
        reason: chain_problem.as_ref().map(|_| "archive_broken"),
        problem: chain_problem.clone(),
    });
    let body = Readiness {
        status,
        missing,
        issuers,
        archive,
        policy: ocsp.as_ref().map(|o| o.policy),
        ocsp,
    };
    if ready {
        json_response(StatusCode::OK, &body, outcome)
    } else {
        json_response(StatusCode::SERVICE_UNAVAILABLE, &body, "not_ready")
    }
}

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(
    get, path = "/metrics", operation_id = "metrics", tag = "operations",
    summary = "Prometheus metrics (text exposition format 0.0.4)",
    responses((status = 200, description = "Metrics.", body = String, content_type = "text/plain")),
)]
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let now = OffsetDateTime::now_utc();
    let mut text =
        state
            .metrics
            .render(&state.store.issuer_statuses(now), &state.store.stats(), now);
    if let Some(ocsp) = &state.ocsp {
        text.push_str(&ocsp.render_metrics());
    }
    text.push_str(&state.throttle.render_metrics());
    if let Some(archive) = &state.archive {
        text.push_str(
            "# HELP qoltanba_archive_chain_intact 1 while the archive's hash chain held at its last check, 0 once it broke (appends are refused).\n\
             # TYPE qoltanba_archive_chain_intact gauge\n",
        );
        text.push_str(&format!(
            "qoltanba_archive_chain_intact {}\n",
            u8::from(archive.chain().intact())
        ));
        text.push_str(&archive.render_metrics());
    }
    if let Some(tsa) = &state.tsa {
        text.push_str(&tsa.render_metrics());
    }
    text.push_str(&super::process_metrics::render());
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

/// `GET /openapi.json`
#[utoipa::path(
    get, path = "/openapi.json", operation_id = "openapi", tag = "operations",
    summary = "This document (OpenAPI 3.1); `/docs` shows it as a page",
    responses((status = 200, description = "The OpenAPI document.", body = Object)),
)]
pub async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        super::openapi::document(),
    )
        .into_response()
}

pub async fn not_found(Extension(id): Extension<RequestId>) -> Response {
    ApiError::NotFound.respond(&id)
}

pub async fn method_not_allowed(Extension(id): Extension<RequestId>) -> Response {
    ApiError::MethodNotAllowed.respond(&id)
}

/// Test-only routes (enabled by `RouterOptions::debug_routes`, never by configuration).
pub async fn debug_panic() -> Response {
    panic!("debug route: deliberate panic in a handler");
}

pub async fn debug_panic_blocking(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
) -> Response {
    // usize::MAX: exercise the blocking-pool path.
    let result = run_verification(&state, usize::MAX, |_| {
        panic!("debug route: deliberate panic in a verification")
    })
    .await;
    reply(&id, result.and_then(|v| verdict_response(&v)))
}

/// Test-only: occupies a verification slot for `?ms=N` milliseconds (tests of the request timeout
/// and the concurrency limit), then answers a usage error.
pub async fn debug_sleep(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    RawQuery(query): RawQuery,
) -> Response {
    let ms: u64 = query
        .as_deref()
        .and_then(|q| q.strip_prefix("ms="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let result = run_verification(&state, usize::MAX, move |_| {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        Err(UsageError::new(
            UsageReason::BadRequest,
            "debug route: slept",
        ))
    })
    .await;
    reply(&id, result.and_then(|v| verdict_response(&v)))
}
