//! The HTTP API of `qoltanba serve` (axum): routes, shared state, request ids.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /v1/verify` | verify a CMS signature (JSON, or the raw signature as the body) |
//! | `POST /v1/certificates/verify` | validate a bare certificate |
//! | `POST /v1/certificates/info` | read a certificate without judging it |
//! | `GET /healthz`, `GET /readyz` | liveness; readiness (per the revocation policy: every configured CA has a current CRL, the OCSP responders answer) |
//! | `GET /metrics` | Prometheus text |
//! | `GET /openapi.json` | OpenAPI 3 description |
//! | `POST /v1/sign` | an officer signs a document (officer's bearer token; [`sign`], [`auth`]) |
//! | `GET /v1/documents…`, `POST /v1/documents/{id}/reverify` | the archive, for auditors ([`documents`]) |
//! | `/v1/services`, `/v1/applications…`, `/v1/cabinet/…` | the state-service procedure ([`applications`]) |

pub mod admission;
pub mod applications;
pub mod auth;
pub mod counters;
pub mod documents;
pub mod error;
pub mod handlers;
pub mod language;
pub mod listen;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod process_metrics;
pub mod sign;
pub mod throttle;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::crl_store::CrlStore;
use qoltanba_core::{IdPolicy, Verifier};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id of one request: the caller's `x-request-id` when it is 1–128 visible ASCII
/// characters, else a new random one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    pub fn from_caller(value: &str) -> Option<Self> {
        let ok = (1..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| RequestId(Arc::from(value)))
    }

    /// A random prefix drawn once per process and a counter: unique across processes and
    /// restarts without a system call per request (an id needs to be unique, not secret).
    pub fn generate() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let prefix = PREFIX.get_or_init(|| {
            use ring::rand::SecureRandom;
            let mut bytes = [0u8; 8];
            if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
                // No system randomness: the start time still tells processes apart.
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                bytes = t.to_be_bytes();
            }
            hex::encode(bytes)
        });
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        RequestId(Arc::from(format!("{prefix}{n:016x}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub max_body_bytes: u64,
    pub request_timeout: Duration,
    pub max_concurrent: usize,
    /// Request bodies read and processed at once ([`admission::body_gate`]).
    pub max_concurrent_bodies: usize,
    /// Longest wait for a body place before 503 `busy`.
    pub body_wait: Duration,
}

/// What every handler shares.
pub struct AppState {
    pub verifier: Arc<Verifier>,
    pub store: Arc<CrlStore>,
    pub metrics: Arc<metrics::Metrics>,
    pub limits: HttpLimits,
    /// Free verification slots (the concurrency limit).
    pub slots: Arc<Semaphore>,
    /// Free places for a request body (`limits.max_concurrent_bodies`).
    pub body_places: Arc<Semaphore>,
    /// Officers and bearer tokens (none unless configured: see [`AppState::with_signing`]).
    pub signing: Arc<sign::Signing>,
    /// Where verified requests (on request) and officer results are stored.
    pub archive: Option<crate::archive::Archive>,
    /// Store every verified request of a caller with the storing right, asked or not.
    pub store_verified: bool,
    /// Largest signature plus data the archive takes (`archive.max_document_bytes`).
    pub max_stored_bytes: u64,
    /// The state-service procedure (none in library tests that do not set it).
    pub workflow: Option<Arc<crate::workflow::Workflow>>,
    /// The time-stamping authority that stamps officer results, when configured.
    pub tsa: Option<crate::timestamp::TsaClient>,
    /// Stored certificates and CRLs already read, for re-verifications.
    pub evidence_cache: Arc<crate::archive::evidence::EvidenceCache>,
    /// Which expected ids this deployment accepts (`trust.test_ids`).
    pub ids: IdPolicy,
    /// The OCSP client, its answer cache and the revocation policy, when OCSP is configured.
    /// Readiness and metrics ask it; verification does not use it yet (the seam where the
    /// verifier's status queries will be answered).
    pub ocsp: Option<Arc<crate::ocsp::OcspService>>,
    /// Refused bearer tokens per client address (`[auth] failed_tokens_per_minute`).
    pub throttle: Arc<throttle::AuthThrottle>,
}

impl AppState {
    pub fn new(store: Arc<CrlStore>, limits: HttpLimits) -> Self {
        AppState {
            verifier: store.verifier().clone(),
            store,
            metrics: Arc::new(metrics::Metrics::default()),
            slots: Arc::new(Semaphore::new(limits.max_concurrent.max(1))),
            // Clamped as the configuration check does, so that a limit set from code cannot
            // make the semaphore panic.
            body_places: Arc::new(Semaphore::new(
                limits
                    .max_concurrent_bodies
                    .clamp(1, Semaphore::MAX_PERMITS),
            )),
            limits,
            signing: Arc::new(sign::Signing::default()),
            archive: None,
            store_verified: false,
            max_stored_bytes: crate::archive::ArchiveConfig::default().max_document_bytes,
            evidence_cache: Arc::default(),
            tsa: None,
            workflow: None,
            ids: IdPolicy::Strict,
            ocsp: None,
            throttle: Arc::new(
                auth::AuthConfig::default()
                    .throttle()
                    .expect("the default limits are valid"),
            ),
        }
    }

    /// The refused-token limiter of this deployment (`[auth]`).
    pub fn with_throttle(mut self, throttle: throttle::AuthThrottle) -> Self {
        self.throttle = Arc::new(throttle);
        self
    }

    /// OCSP for this deployment (policies other than `crl`).
    pub fn with_ocsp(mut self, ocsp: Option<Arc<crate::ocsp::OcspService>>) -> Self {
        self.ocsp = ocsp;
        self
    }

    /// Accepts the NCA's test ids as expected ids (a deployment against the NCA test CA).
    pub fn with_id_policy(mut self, ids: IdPolicy) -> Self {
        self.ids = ids;
        self
    }

    pub fn with_archive(
        mut self,
        archive: crate::archive::Archive,
        config: &crate::archive::ArchiveConfig,
    ) -> Self {
        self.archive = Some(archive);
        self.store_verified = config.store_verified;
        self.max_stored_bytes = config.max_document_bytes;
        self
    }

    pub fn with_tsa(mut self, tsa: Option<crate::timestamp::TsaClient>) -> Self {
        self.tsa = tsa;
        self
    }

    pub fn with_workflow(mut self, workflow: Arc<crate::workflow::Workflow>) -> Self {
        self.workflow = Some(workflow);
        self
    }

    /// The archive, or the answer for a service without one.
    pub fn archive(&self) -> Result<&crate::archive::Archive, error::ApiError> {
        self.archive.as_ref().ok_or(error::ApiError::NoArchive)
    }

    pub fn with_signing(mut self, signing: Arc<sign::Signing>) -> Self {
        self.signing = signing;
        self
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RouterOptions {
    /// Adds `GET /v1/debug/panic` and `/v1/debug/panic-blocking`, which panic on purpose (tests of
    /// the panic barrier), and `GET /v1/debug/sleep?ms=N`, which holds a verification slot (tests
    /// of the request timeout). Only settable from code, never from configuration.
    pub debug_routes: bool,
}

pub fn router(state: Arc<AppState>, options: RouterOptions) -> Router {
    let mut router = Router::new()
        .route("/v1/verify", post(handlers::verify))
        .route(
            "/v1/certificates/verify",
            post(handlers::verify_certificate),
        )
        .route("/v1/certificates/info", post(handlers::certificate_info))
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics))
        .route("/openapi.json", get(handlers::openapi))
        .route("/v1/sign", post(sign::sign))
        .route("/v1/documents", get(documents::list_documents))
        .route("/v1/documents/{id}", get(documents::get_document))
        .route(
            "/v1/documents/{id}/signature",
            get(documents::get_signature),
        )
        .route(
            "/v1/documents/{id}/reverify",
            post(documents::reverify_document),
        )
        .route("/v1/services", get(applications::services))
        .route("/v1/applications", post(applications::submit))
        .route("/v1/applications/{number}", get(applications::status))
        .route(
            "/v1/applications/{number}/payment",
            post(applications::payment),
        )
        .route(
            "/v1/applications/{number}/decision",
            post(applications::decision),
        )
        .route("/v1/cabinet/{id}", get(applications::cabinet))
        .route(
            "/v1/cabinet/{id}/documents/{document}",
            get(applications::cabinet_document),
        );
    if options.debug_routes {
        router = router
            .route("/v1/debug/panic", get(handlers::debug_panic))
            .route(
                "/v1/debug/panic-blocking",
                get(handlers::debug_panic_blocking),
            )
            .route("/v1/debug/sleep", get(handlers::debug_sleep));
    }
    let router = router
        .merge(crate::web::routes())
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed);
    // Innermost: a request waits for a body place only once the throttle and the token check
    // have let it through, so refused callers never hold places that others need.
    let router = router.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        admission::body_gate,
    ));
    // The verification routes ask for a token only when configured to (no layer otherwise).
    let router = if state.signing.auth.verify_requires_token() {
        router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::gate,
        ))
    } else {
        router
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            throttle::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}

/// Limits of the HTTP API (`[limits]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body, in bytes (413 above it).
    pub max_body_bytes: u64,
    /// Verifications running at once; 0 means one per CPU core.
    pub max_concurrent_verifications: usize,
    /// Time allowed for one verification request, including the wait for a free slot, in ms.
    pub request_timeout_ms: u64,
    /// Connections served at once. Past it the accept loop stops accepting: further connections
    /// wait in the kernel's listen backlog (costing this process nothing) until one closes.
    pub max_connections: usize,
    /// Request bodies read and processed at once. A request with a body waits for a place before
    /// any of its body is read, so memory is bounded by this times the body limit, whatever the
    /// number of connections.
    pub max_concurrent_bodies: usize,
    /// Longest wait for a body place, in ms; past it the answer is 503 `busy` with Retry-After.
    pub body_wait_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 1 << 20,
            max_concurrent_verifications: 0,
            request_timeout_ms: 10_000,
            max_connections: 512,
            max_concurrent_bodies: 64,
            body_wait_ms: 5_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn generated_request_ids_are_distinct_and_usable_as_caller_ids() {
        let ids: std::collections::HashSet<String> = (0..10_000)
            .map(|_| RequestId::generate().as_str().to_owned())
            .collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(10) {
            assert_eq!(id.len(), 32, "{id}");
            assert!(RequestId::from_caller(id).is_some(), "{id}");
        }
    }
}
