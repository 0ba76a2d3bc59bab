//! Failed bearer tokens per client address. Every request whose token is refused as
//! `invalid_token` spends one cell of its address's allowance (a GCRA limiter from `governor`:
//! `auth.failed_tokens_per_minute`, as a burst and as the rate it refills at). An address that
//! overspends is blocked for `auth.failed_token_block_seconds`: while blocked, every request of
//! it that carries an `Authorization` header is answered 429 `too_many_failures` with
//! `Retry-After` before any token is looked at, so a right guess is no more visible than a wrong
//! one. Requests without a token (health probes, the page, open verification) are never counted
//! or blocked.
//!
//! Each block is logged once, at `warn`; single failures only at `debug`, so a flood cannot fill
//! the disk. `qoltanba_auth_failures_total` and `qoltanba_auth_throttled_total` count them.
//!
//! The client address is the TCP peer ([`ClientAddr`], set by the accept loop). Behind a reverse
//! proxy every client shares the proxy's address; such a deployment limits failed tokens at the
//! proxy (docs/SERVE.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ErrorBody;
use super::metrics::Outcome;
use super::{AppState, RequestId};

/// The TCP peer address of a request's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Blocked addresses are forgotten once their block ends; past this many live entries the
/// expired ones are swept on the next insertion, so the table stays bounded by the attackers
/// actually blocked within one block period.
const SWEEP_ABOVE: usize = 4096;

pub struct AuthThrottle {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    block_for: Duration,
    failures: AtomicU64,
    throttled: AtomicU64,
}

impl AuthThrottle {
    /// `per_minute` failed tokens allowed per address (burst and refill); a blocked address waits
    /// `block_for`.
    pub fn new(per_minute: NonZeroU32, block_for: Duration) -> Self {
        AuthThrottle {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            blocked: Mutex::new(HashMap::new()),
            block_for,
            failures: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }

    /// How long `addr` stays blocked, if it is.
    pub fn blocked_for(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        blocked
            .get(&addr)
            .and_then(|until| until.checked_duration_since(now))
            .filter(|left| !left.is_zero())
    }

    /// Counts one refused token of `addr`; true when this failure starts a block.
    pub fn record_failure(&self, addr: IpAddr, now: Instant) -> bool {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if self.limiter.check_key(&addr).is_ok() {
            return false;
        }
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        if blocked.len() >= SWEEP_ABOVE {
            blocked.retain(|_, until| *until > now);
            self.limiter.retain_recent();
        }
        let newly = blocked.get(&addr).is_none_or(|until| *until <= now);
        blocked.insert(addr, now + self.block_for);
        newly
    }

    /// (refused tokens, requests answered 429) since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.failures.load(Ordering::Relaxed),
            self.throttled.load(Ordering::Relaxed),
        )
    }

    /// The Prometheus lines of the two counters.
    pub fn render_metrics(&self) -> String {
        let (failures, throttled) = self.counts();
        format!(
            "# HELP qoltanba_auth_failures_total Bearer tokens refused as invalid_token.\n\
             # TYPE qoltanba_auth_failures_total counter\n\
             qoltanba_auth_failures_total {failures}\n\
             # HELP qoltanba_auth_throttled_total Calls answered 429 too_many_failures.\n\
             # TYPE qoltanba_auth_throttled_total counter\n\
             qoltanba_auth_throttled_total {throttled}\n"
        )
    }

    fn refuse(&self, left: Duration, id: &RequestId) -> Response {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let seconds = left.as_secs().max(1);
        let body = ErrorBody {
            status: "too_many_requests",
            reason: "too_many_failures",
            message: format!("too many refused tokens from this address: try again in {seconds} s"),
            request_id: id.as_str(),
        };
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            [(CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response.extensions_mut().insert(Outcome {
            outcome: "too_many_requests",
            reason: "too_many_failures",
        });
        response
    }
}

/// Middleware on every route (inside the request observer, so 429s are counted and carry the
/// request id).
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let throttle = &state.throttle;
    let addr = request.extensions().get::<ClientAddr>().map(|c| c.0);
    let Some(addr) = addr else {
        return next.run(request).await;
    };
    if request.headers().contains_key(AUTHORIZATION) {
        if let Some(left) = throttle.blocked_for(addr, Instant::now()) {
            let id = request
                .extensions()
                .get::<RequestId>()
                .cloned()
                .unwrap_or_else(RequestId::generate);
            return throttle.refuse(left, &id);
        }
    }
    let response = next.run(request).await;
    let refused = response
        .extensions()
        .get::<Outcome>()
        .is_some_and(|o| o.reason == "invalid_token");
    if refused && throttle.record_failure(addr, Instant::now()) {
        tracing::warn!(
            client = %addr,
            block_seconds = throttle.block_for.as_secs(),
            "too many refused bearer tokens from one address: blocked"
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_its_allowance_and_others_are_not() {
        let throttle = AuthThrottle::new(NonZeroU32::new(3).unwrap(), Duration::from_secs(60));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let now = Instant::now();
        for _ in 0..3 {
            assert!(!throttle.record_failure(a, now));
        }
        assert_eq!(throttle.blocked_for(a, now), None);
        assert!(throttle.record_failure(a, now), "the fourth failure blocks");
        assert!(!throttle.record_failure(a, now), "a block starts once");
        let left = throttle.blocked_for(a, now).unwrap();
        assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(59));
        assert_eq!(throttle.blocked_for(b, now), None);
        assert_eq!(
            throttle.blocked_for(a, now + Duration::from_secs(61)),
            None,
            "the block ends"
        );
        assert_eq!(throttle.counts().0, 5);
    }
}
