//! Around every request: the request id (the caller's `x-request-id`, or a new one), a panic
//! barrier (a panic becomes a logged 500 with the request id; the server keeps serving), the
//! request counter and latency histogram, and one log line.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;

use super::error::ApiError;
use super::metrics::Outcome;
use super::{AppState, RequestId, REQUEST_ID_HEADER};

pub async fn observe(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::from_caller)
        .unwrap_or_else(RequestId::generate);
    request.extensions_mut().insert(id.clone());
    // MatchedPath shares its text: cloning it does not copy the route.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = request.method().clone();

    let mut response = match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(
                request_id = %id,
                route = %route,
                "handler panicked: {}",
                panic_message(panic.as_ref())
            );
            ApiError::Internal.respond(&id)
        }
    };

    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status();
    let outcome = response
        .extensions()
        .get::<Outcome>()
        .cloned()
        .unwrap_or_else(|| default_outcome(status));
    let elapsed = started.elapsed();
    state
        .metrics
        .observe(route, status.as_u16(), &outcome, elapsed);

    let micros = elapsed.as_micros() as u64;
    // The path and the query are not logged: a query may carry an IIN.
    // 503 busy comes by the thousand under overload: the gate warns once a minute instead.
    if status.is_server_error() && !is_probe_answer(&outcome) && outcome.reason != "busy" {
        tracing::error!(request_id = %id, %method, route = %route, status = status.as_u16(), outcome = outcome.outcome, reason = outcome.reason, micros, "request");
    } else if status.is_client_error() && !is_token_refusal(status) {
        tracing::info!(request_id = %id, %method, route = %route, status = status.as_u16(), outcome = outcome.outcome, reason = outcome.reason, micros, "request");
    } else {
        tracing::debug!(request_id = %id, %method, route = %route, status = status.as_u16(), outcome = outcome.outcome, reason = outcome.reason, micros, "request");
    }
    response
}

/// `/readyz` answering 503 is the probe's expected answer while evidence is missing, asked every
/// few seconds: not an error of the service (the CRL store and the OCSP client log the causes).
fn is_probe_answer(outcome: &Outcome) -> bool {
    outcome.outcome == "not_ready"
}

/// 401 and 429 come by the thousand from a token-guessing client: logged at `debug` only (the
/// throttle logs each block once at `warn`), so such a flood cannot fill the disk.
fn is_token_refusal(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS
}

fn default_outcome(status: StatusCode) -> Outcome {
    let outcome = match status.as_u16() {
        200..=299 => "ok",
        413 => "usage_error",
        400..=499 => "client_error",
        _ => "server_error",
    };
    Outcome {
        outcome,
        reason: "",
    }
}

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}
