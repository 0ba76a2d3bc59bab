//! `POST /v1/sign`: an officer signs a document, with the officer's bearer token.
//!
//! Request (JSON): `{"document": base64, "content_type": "application/pdf", "detached": false}`,
//! optionally `"officer": ID` (it must then be the token's officer). The officer is the one the
//! token names (`officer:ID`); a `portal` or `auditor` token may not sign (403 `forbidden`), an
//! officer's token may not sign as another officer (403 `wrong_officer`).
//!
//! Answers: 200 `{"status": "signed", "signature": base64 DER, "verdict": …, "archived": {"id": …}}`
//! with the verdict of the officer's certificate at signing time, once the result is stored in the
//! archive (503 `archive_unavailable`, nothing returned, when it cannot be); 409 `{"status": "refused", "reason": …}` when the
//! officer may not sign now (the verifier's code for the certificate, or `provider_mismatch`,
//! `role_not_allowed`), nothing signed; 400/413/415 for a wrong request; 401/403 for the token.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::auth::{Auth, AuthConfig, AuthFailure, Role};
use super::error::{ApiError, ErrorBody};
use super::metrics::Outcome;
use super::{AppState, RequestId};
use crate::sign::issue::TimestampOutcome;
use crate::sign::officer::{OfficerInfo, Officers, RuleCheck};
use crate::sign::{OfficerConfig, SignError, Signature};
use qoltanba_core::{rfc3339, IdPolicy, Verdict};

/// The officers and tokens of the service.
#[derive(Default)]
pub struct Signing {
    pub officers: Arc<Officers>,
    pub auth: Auth,
}

impl Signing {
    /// Loads every configured officer's key (reading its password from its source) and the
    /// tokens. A key that cannot be loaded stops the service from starting; the error says why
    /// in one sentence, without any secret.
    pub fn load(
        officers: &[OfficerConfig],
        auth: &AuthConfig,
        ids: IdPolicy,
    ) -> Result<Signing, String> {
        let settings = crate::sign::config::check_all(officers, ids).map_err(|e| e.to_string())?;
        let officers =
            Officers::load(&settings).map_err(|e| format!("officer keys: {e} ({})", e.code()))?;
        let ids: Vec<&str> = settings.iter().map(|s| s.id.as_str()).collect();
        let auth = Auth::from_config(auth, &ids)?;
        Ok(Signing {
            officers: Arc::new(officers),
            auth,
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignRequest {
    /// Base64 of the document to sign.
    #[schema(format = Byte)]
    document: String,
    /// The document's media type (`application/pdf`, `application/json`, …), reported back;
    /// default application/octet-stream.
    #[serde(default)]
    content_type: Option<String>,
    /// Leave the document out of the signature.
    #[serde(default)]
    detached: bool,
    /// The officer to sign as: the token's own (optional).
    #[serde(default)]
    officer: Option<String>,
}

/// Signed: the signature and the verdict of the officer's certificate at signing time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SignAnswer {
    /// `signed`.
    #[schema(pattern = "^signed$")]
    status: &'static str,
    /// Base64 of the DER CMS SignedData.
    #[schema(format = Byte)]
    signature: String,
    /// SHA-256 of the DER signature, hex.
    signature_sha256: String,
    detached: bool,
    content_type: String,
    content_bytes: usize,
    #[schema(format = DateTime)]
    signing_time: String,
    officer: OfficerInfo,
    /// The verdict of the officer's certificate at signing time.
    verdict: Verdict,
    rules: Vec<RuleCheck>,
    /// The archive's receipt for the stored result (`GET /v1/documents/{id}`).
    archived: Option<crate::archive::Receipt>,
    /// The RFC 3161 time-stamp of the result, when a TSA is configured.
    timestamp: TimestampOutcome,
}

/// Refused: the officer may not sign now; nothing was signed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SignRefusal)]
pub(crate) struct RefusalAnswer<'a> {
    /// `refused`.
    #[schema(pattern = "^refused$")]
    status: &'static str,
    /// A reason code of the officer certificate's verdict (cert_expired, cert_revoked,
    /// key_usage_not_signing, revocation_unknown, …), or provider_mismatch, role_not_allowed.
    reason: &'static str,
    message: &'a str,
    /// The officer's id.
    officer: &'a str,
    verdict: &'a Verdict,
    rules: &'a [RuleCheck],
    request_id: &'a str,
}

fn parse_request(headers: &HeaderMap, bytes: &[u8]) -> Result<SignRequest, ApiError> {
    super::handlers::require_json(headers)?;
    if !bytes.trim_ascii_start().starts_with(b"{") {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object: {\"document\": base64, \"content_type\": …, \"detached\": bool}",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!("the request body is not the expected JSON: {e}"))
    })
}

/// A media type such as `application/pdf`: `type/subtype`, visible ASCII, no spaces.
fn check_media_type(text: &str) -> Result<String, ApiError> {
    let t = text.trim();
    let ok = t.len() <= 127
        && t.split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && t.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(ApiError::bad_request(format!(
            "\"content_type\" {:?} is not a media type such as application/pdf",
            t.chars().take(40).collect::<String>()
        )))
    }
}

fn json(status: StatusCode, body: &impl Serialize, outcome: Outcome) -> Response {
    let mut response = (
        status,
        [(CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response();
    response.extensions_mut().insert(outcome);
    response
}

/// `POST /v1/sign`
#[utoipa::path(
    post, path = "/v1/sign", operation_id = "sign", tag = "signing",
    summary = "Sign a document as the officer of the bearer token (CMS SignedData)",
    description = "The officer is the one the token names (role officer:ID). Before the signature the officer's own certificate must pass the verifier's checks at the current time (chain, validity, revocation with a usable CRL, nonRepudiation), carry the provider's BIN and an allowed role. The signature has the signed attributes contentType, messageDigest, signingTime and signingCertificateV2, and the officer's certificate with its chain (without the root).",
    security(("bearer" = [])),
    request_body(content((SignRequest = "application/json"))),
    responses(
        (status = 200, description = "Signed: the signature and the verdict of the officer's certificate at signing time.", body = SignAnswer),
        (status = 400, description = "A bad call: bad base64, empty document, bad content_type, unknown field (reason bad_request).", body = ErrorBody),
        (status = 401, description = "No bearer token (reason missing_token) or an unknown one (invalid_token); WWW-Authenticate: Bearer.", body = ErrorBody),
        (status = 403, description = "The token may not sign (reason forbidden: a portal or auditor token) or names another officer (wrong_officer).", body = ErrorBody),
        (status = 409, description = "Refused: the officer may not sign now; nothing was signed.", body = RefusalAnswer),
        (status = 413, description = "The body is over the configured limit (reason too_large).", body = ErrorBody),
        (status = 415, description = "Not application/json (reason unsupported_media_type).", body = ErrorBody),
        (status = 429, description = "Too many refused tokens from this address (too_many_failures); retry after Retry-After seconds.", body = ErrorBody),
        (status = 500, description = "An internal error (reason internal_error); logged under the request id.", body = ErrorBody),
        (status = 503, description = "Not signed within the request timeout (reason timeout), or the result could not be archived: the archive is unavailable (archive_unavailable) or its hash chain is broken and it refuses to append (archive_broken).", body = ErrorBody),
    ),
)]
pub async fn sign(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // The token first: nothing about the request is looked at without it.
    let officer_id = match state.signing.auth.authenticate(&headers) {
        Ok((Role::Officer(officer), _)) => officer,
        Ok(_) => return AuthFailure::Forbidden.respond(&id),
        Err(failure) => return failure.respond(&id),
    };
    let result = async {
        let bytes = super::handlers::read_body(body, &headers, &state.limits).await?;
        let request = parse_request(&headers, &bytes)?;
        drop(bytes);
        if request.officer.as_ref().is_some_and(|o| *o != officer_id) {
            return Ok(AuthFailure::WrongOfficer.respond(&id));
        }
        let Some(officer) = state.signing.officers.get(&officer_id).cloned() else {
            return Ok(AuthFailure::Forbidden.respond(&id));
        };
        let content_type = match request.content_type.as_deref() {
            None | Some("") => "application/octet-stream".to_owned(),
            Some(t) => check_media_type(t)?,
        };
        if request.document.trim().is_empty() {
            return Err(ApiError::bad_request("\"document\" is empty"));
        }
        let document = qoltanba_core::input::decode_base64(&request.document)
            .ok_or_else(|| ApiError::bad_request("\"document\" is not valid base64"))?;
        let detached = request.detached;

        // Within the concurrency limit and the request timeout, on the blocking pool (an RSA
        // signature takes about half a millisecond of CPU).
        let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
        let permit = tokio::time::timeout_at(deadline, state.slots.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Timeout)?
            .map_err(|_| ApiError::Internal)?;
        let verifier = state.verifier.clone();
        let metrics = state.metrics.clone();
        let signer = officer.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _counted = metrics.verification_started();
            let outcome = signer.sign(&verifier, &document, detached);
            (outcome, document)
        });
        let (outcome, document) = match tokio::time::timeout_at(deadline, task).await {
            Err(_) => return Err(ApiError::Timeout),
            Ok(Err(join)) => {
                if join.is_panic() {
                    tracing::error!(
                        request_id = %id,
                        "signing panicked: {}",
                        super::middleware::panic_message(join.into_panic().as_ref())
                    );
                }
                return Err(ApiError::Internal);
            }
            Ok(Ok(done)) => done,
        };
        match outcome {
            Ok(signature) => {
                let content_bytes = document.len();
                // No result leaves the service unarchived: a failed store refuses the answer.
                let issued = crate::sign::issue::stamp_and_archive(
                    signature,
                    document,
                    &state.verifier,
                    state.archive.as_ref(),
                    state.tsa.as_ref(),
                )
                .await
                .map_err(|e| match e {
                    crate::sign::issue::IssueError::Archive(a) => ApiError::from(a),
                    _ => ApiError::Internal,
                })?;
                let (signature, archived, timestamp) =
                    (issued.signature, issued.archived, issued.timestamp);
                Ok(signed(
                    &signature,
                    &officer.info(),
                    SignedExtras {
                        content_type,
                        content_bytes,
                        archived,
                        timestamp,
                    },
                ))
            }
            Err(SignError::Refused(refusal)) => {
                let body = RefusalAnswer {
                    status: "refused",
                    reason: refusal.reason.as_str(),
                    message: &refusal.message,
                    officer: &refusal.officer,
                    verdict: &refusal.verdict,
                    rules: &refusal.rules,
                    request_id: id.as_str(),
                };
                Ok(json(
                    StatusCode::CONFLICT,
                    &body,
                    Outcome {
                        outcome: "refused",
                        reason: refusal.reason.as_str(),
                    },
                ))
            }
            Err(e) => {
                tracing::error!(request_id = %id, officer = %officer_id, code = e.code(), "signing failed: {e}");
                Err(ApiError::Internal)
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.respond(&id))
}

struct SignedExtras {
    content_type: String,
    content_bytes: usize,
    archived: Option<crate::archive::Receipt>,
    timestamp: TimestampOutcome,
}

fn signed(signature: &Signature, officer: &OfficerInfo, extras: SignedExtras) -> Response {
    let SignedExtras {
        content_type,
        content_bytes,
        archived,
        timestamp,
    } = extras;
    let body = SignAnswer {
        status: "signed",
        signature: base64::engine::general_purpose::STANDARD.encode(&signature.der),
        signature_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&signature.der)),
        detached: signature.detached,
        content_type,
        content_bytes,
        signing_time: rfc3339(signature.signing_time),
        officer: officer.clone(),
        verdict: signature.verdict(),
        rules: signature.approval.rules.clone(),
        archived,
        timestamp,
    };
    json(
        StatusCode::OK,
        &body,
        Outcome {
            outcome: "signed",
            reason: "",
        },
    )
}
