//! Admission before allocation: a request with a body waits for one of
//! `limits.max_concurrent_bodies` places before a byte of its body is read, and keeps it until its
//! answer is ready. Memory for bodies (the body, its decoded copy, the verification's own
//! buffers) is then bounded by the number of places, not by the number of connections: a client
//! whose request is waiting has its body still in its own socket buffers, not in this process.
//!
//! A request that finds no place within `limits.body_wait_ms` is answered 503 `busy` with
//! Retry-After, unread; its connection is closed (the unread body would otherwise be taken for the
//! next request).

use std::sync::Arc;

use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::error::ApiError;
use super::{AppState, RequestId};

/// Middleware on every route, inside the request observer (so a 503 `busy` is counted and
/// carries the request id) and inside the throttle and the token check.
pub async fn body_gate(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    // A request without a body (GET, probes, metrics scrapes) holds no body memory: it never
    // waits, so health checks stay answered when every place is taken.
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let waiting = tokio::time::timeout(
        state.limits.body_wait,
        state.body_places.clone().acquire_owned(),
    )
    .await;
    match waiting {
        Ok(Ok(place)) => {
            let _counted = state.metrics.body_started();
            let response = next.run(request).await;
            drop(place);
            response
        }
        // The semaphore is never closed; were it, refusing is safer than reading unbounded.
        Ok(Err(_closed)) => refuse(&state, &request),
        Err(_elapsed) => refuse(&state, &request),
    }
}

fn refuse(state: &AppState, request: &Request) -> Response {
    if state.metrics.body_refused() {
        tracing::warn!(
            max_concurrent_bodies = state.limits.max_concurrent_bodies,
            wait_ms = state.limits.body_wait.as_millis() as u64,
            "every body place stayed taken: requests are answered 503 busy (counted in qoltanba_bodies_refused_total; logged at most once a minute)"
        );
    }
    let id = request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate);
    ApiError::Busy.respond(&id)
}
