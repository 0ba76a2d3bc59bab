//! OCSP for `qoltanba serve` (RFC 6960): the service's side — which responders to ask, the HTTP
//! exchange, the answers held per certificate, metrics and readiness. Judging an answer
//! (signature, responder, CertID, nonce, freshness at the validation time) is the verifier's.
//!
//! - [`settings`]: the `[ocsp]` section and the deployment's [`RevocationPolicy`];
//! - [`request`]: the DER of an OCSPRequest (CertID by SHA-1 or SHA-256, nonce);
//! - [`client`]: one exchange (POST or GET, timeout, size limit, proxy, redacted URLs);
//! - [`cache`]: answers per certificate until their expiry, lookups of one certificate coalesced
//!   into one exchange;
//! - [`expiry`]: until when an answer may be served (nextUpdate or the maximum age);
//! - [`aia`]: the responders a certificate names;
//! - [`status`]: whether the responders answer, for `/readyz`.
//!
//! [`OcspService`] ties them together. Nothing here blocks a request: exchanges are async and run
//! on their own tasks, and a lookup waits only for its own certificate's exchange.
//!
//! The seam with verification: [`crate::http::AppState::ocsp`] holds the service; verification
//! does not ask it yet. Joined with the verifier, a verification under a policy other than `crl`
//! asks the verifier which certificates need a status, calls [`OcspService::lookup_all`] for
//! them, and hands each answer's DER with the nonce sent ([`Fetched::der`],
//! [`Fetched::nonce_sent`]) to the verifier, which alone judges them; an answer missing or
//! refused leaves that certificate to the CRLs or to `revocation_unknown`, as the policy says,
//! never `valid`. [`OcspService::with_expiry`] is where the verifier's parsing replaces
//! [`NextUpdateOrMaxAge`]. Requests are the core's
//! (`qoltanba_core::ocsp::request_der_for_serial`): the CertID sent is computed by the same code
//! that matches the answer; this module adds only fresh nonces ([`request::new_nonce`]).

pub mod aia;
pub mod cache;
pub mod client;
pub mod expiry;
pub mod request;
pub mod settings;
pub mod status;

pub use cache::{CacheKey, CacheStats, CachedAnswer, OcspCache, Served};
pub use client::{FetchError, Fetched, OcspClient};
pub use expiry::{AnswerExpiry, NextUpdateOrMaxAge};
pub use settings::{CertIdHash, OcspConfig, OcspMethod, ResponderConfig, RevocationPolicy};
pub use status::{OcspReadiness, OcspStatus, ResponderReadiness};

use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use qoltanba_core::{Certificate, StatusQuery};

use crate::http::metrics::OcspMetrics;

/// A configured responder: for every issuer, or for the issuer with this certificate fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Responder {
    url: String,
    issuer: Option<[u8; 32]>,
}

/// The serial the readiness probe asks about: any well-formed answer (good, unknown, or the NCA's
/// "revoked, 1970" for certificates it does not know) shows that the responder answers.
const PROBE_SERIAL: [u8; 1] = [0x01];

/// An answer for one certificate, and how it was obtained.
#[derive(Debug, Clone)]
pub struct OcspAnswer {
    pub answer: Arc<CachedAnswer>,
    pub served: Served,
}

/// The OCSP client of the service: responders, exchanges, cache, metrics and readiness.
pub struct OcspService {
    policy: RevocationPolicy,
    responders: Vec<Responder>,
    use_aia: bool,
    hash: CertIdHash,
    nonce: bool,
    client: OcspClient,
    cache: Arc<OcspCache>,
    expiry: Arc<dyn AnswerExpiry>,
    metrics: Arc<OcspMetrics>,
    status: Arc<OcspStatus>,
    /// The configured CAs (intermediates first): the issuers readiness probes name.
    cas: Vec<Arc<Certificate>>,
    probe_period: Duration,
    max_age: Duration,
    clock_skew: Duration,
}

impl OcspService {
    /// The service of a (validated) configuration; `cas` are the configured CA certificates,
    /// intermediates first, which readiness probes name as issuers.
    pub fn new(config: &OcspConfig, cas: Vec<Arc<Certificate>>) -> Result<Self, String> {
        config.validate()?;
        let mut responders = Vec::new();
        for r in &config.responders {
            let issuer = r.issuer_fingerprint()?;
            if let Some(fp) = issuer {
                if !cas.iter().any(|c| c.fingerprint == fp) {
                    // Not an error: the issuer may come with the signatures. The probe cannot
                    // name it, so readiness will say `no_issuer` for this responder.
                    tracing::warn!(
                        responder = %crate::url::redact(r.url()),
                        issuer = %hex::encode(fp),
                        "ocsp.responders: the issuer is not a configured CA"
                    );
                }
            }
            responders.push(Responder {
                url: r.url().to_owned(),
                issuer,
            });
        }
        let policy = config.policy();
        let configured = responders.iter().map(|r| r.url.clone()).collect();
        Ok(OcspService {
            policy,
            responders,
            use_aia: config.use_aia,
            hash: config.cert_id_hash,
            nonce: config.nonce,
            client: OcspClient::new(config)?,
            cache: Arc::new(OcspCache::new(config.cache_entries)),
            expiry: Arc::new(NextUpdateOrMaxAge {
                max_age: config.max_age(),
            }),
            metrics: Arc::new(OcspMetrics::default()),
            status: Arc::new(OcspStatus::new(
                policy,
                configured,
                config.probe_period() * 3,
            )),
            cas,
            probe_period: config.probe_period(),
            max_age: config.max_age(),
            clock_skew: config.clock_skew(),
        })
    }

    /// Replaces how answers are judged for caching (the join with the verifier's parsing).
    pub fn with_expiry(mut self, expiry: Arc<dyn AnswerExpiry>) -> Self {
        self.expiry = expiry;
        self
    }

    pub fn policy(&self) -> RevocationPolicy {
        self.policy
    }

    pub fn status(&self) -> &OcspStatus {
        &self.status
    }

    pub fn metrics(&self) -> &OcspMetrics {
        &self.metrics
    }

    pub fn cache(&self) -> &Arc<OcspCache> {
        &self.cache
    }

    /// The `/metrics` lines of OCSP.
    pub fn render_metrics(&self) -> String {
        self.metrics.render(&self.cache.stats())
    }

    /// The responders to ask about `cert` (issued by `issuer`), in order: those configured for
    /// this issuer, those for every issuer, then (with `use_aia`) those `cert` names.
    pub fn responders_for(&self, cert: &Certificate, issuer: &Certificate) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        let mut push = |url: &str| {
            if !urls.iter().any(|u| u == url) {
                urls.push(url.to_owned());
            }
        };
        for r in self
            .responders
            .iter()
            .filter(|r| r.issuer == Some(issuer.fingerprint))
        {
            push(&r.url);
        }
        for r in self.responders.iter().filter(|r| r.issuer.is_none()) {
            push(&r.url);
        }
        if self.use_aia {
            for url in aia::ocsp_urls(cert) {
                push(&url);
            }
        }
        urls
    }

    /// An answer about `cert`, issued by `issuer`: from the cache, or from the responders in
    /// order until one gives a successful OCSP response. Concurrent lookups of one certificate
    /// share one exchange. The answer is not verified here: the verifier judges it.
    pub async fn lookup(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<OcspAnswer, FetchError> {
        let key = CacheKey::of(cert, issuer);
        let (result, served) = self
            .cache
            .get_or_fetch(key, || {
                let urls = self.responders_for(cert, issuer);
                let prepared = self.prepare(&cert.serial, issuer);
                let exchange = self.exchange_parts();
                async move {
                    let (der, nonce) = prepared?;
                    exchange.first_answer(&urls, der, nonce).await
                }
            })
            .await;
        result.map(|answer| OcspAnswer { answer, served })
    }

    /// Lookups of several certificates (each certificate of a path below its anchor, say), run
    /// concurrently; the answers in the order asked.
    pub async fn lookup_all(
        &self,
        pairs: &[(&Certificate, &Certificate)],
    ) -> Vec<Result<OcspAnswer, FetchError>> {
        futures_util::future::join_all(pairs.iter().map(|(cert, issuer)| self.lookup(cert, issuer)))
            .await
    }

    /// The answers a verification needs, as the verifier takes them: every certificate the
    /// verifier named ([`qoltanba_core::Verifier::status_queries`]) looked up concurrently. A
    /// lookup that fails becomes an answer saying why, which can only ever explain a
    /// `revocation_unknown`: the verifier alone judges what the responders said.
    pub async fn answers_for(&self, queries: &[StatusQuery]) -> Vec<qoltanba_core::OcspAnswer> {
        let pairs: Vec<(&Certificate, &Certificate)> = queries
            .iter()
            .map(|q| (q.cert.as_ref(), q.issuer.as_ref()))
            .collect();
        let results = self.lookup_all(&pairs).await;
        queries
            .iter()
            .zip(results)
            .filter_map(|(query, result)| match result {
                // Parsed once when it arrived; the verifier judges it anew for each call.
                Ok(found) => Some(qoltanba_core::OcspAnswer {
                    response: found.answer.parsed.clone(),
                    nonce: found.answer.fetched.nonce_sent.clone(),
                    responder_url: Some(found.answer.fetched.responder.clone()),
                    subject: Some(query.cert.fingerprint),
                }),
                // Nobody was asked: no answer at all, which the verifier explains in its own
                // words ("no OCSP answer about …").
                Err(FetchError::NoResponder) => None,
                Err(failure) => {
                    let asked = self.responders_for(&query.cert, &query.issuer);
                    let url = asked
                        .first()
                        .map(|u| crate::url::redact(u))
                        .unwrap_or_default();
                    Some(qoltanba_core::OcspAnswer::failed(
                        &query.cert,
                        url,
                        failure.to_string(),
                    ))
                }
            })
            .collect()
    }

    /// How long an answer without nextUpdate counts (`ocsp.max_age_seconds`): the verifier's
    /// freshness bound is the cache's.
    pub fn max_age(&self) -> time::Duration {
        time::Duration::try_from(self.max_age).unwrap_or(time::Duration::MAX)
    }

    /// How far the responders' clocks may run ahead (`ocsp.clock_skew_seconds`).
    pub fn clock_skew(&self) -> time::Duration {
        time::Duration::try_from(self.clock_skew).unwrap_or(time::Duration::MAX)
    }

    /// Asks every configured responder about a serial of a configured issuer, recording whether
    /// it answers; returns how many did.
    pub async fn probe(&self) -> usize {
        let exchange = self.exchange_parts();
        let mut answering = 0;
        for responder in &self.responders {
            let issuer = match responder.issuer {
                Some(fp) => self.cas.iter().find(|c| c.fingerprint == fp),
                None => self.cas.first(),
            };
            let Some(issuer) = issuer else {
                self.status
                    .record(&responder.url, OffsetDateTime::now_utc(), Err("no_issuer"));
                continue;
            };
            let (der, nonce) = match self.prepare(&PROBE_SERIAL, issuer) {
                Ok(prepared) => prepared,
                Err(e) => {
                    self.status
                        .record(&responder.url, OffsetDateTime::now_utc(), Err(e.code()));
                    continue;
                }
            };
            if exchange
                .first_answer(std::slice::from_ref(&responder.url), der, nonce)
                .await
                .is_ok()
            {
                answering += 1;
            }
        }
        answering
    }

    /// Probes the configured responders every probe period (the first one period from now), when the policy makes
    /// readiness wait for them (`ocsp`, `both`); `None` otherwise.
    pub fn spawn_prober(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if !settings::readiness_needs_ocsp(self.policy) || self.responders.is_empty() {
            return None;
        }
        let service = self.clone();
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(service.probe_period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is immediate; the start-up has just probed.
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let answering = service.probe().await;
                tracing::debug!(answering, "OCSP responders probed");
            }
        }))
    }

    /// The request DER about `serial` under `issuer`, and the nonce it carries.
    fn prepare(
        &self,
        serial: &[u8],
        issuer: &Certificate,
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), FetchError> {
        let nonce = if self.nonce {
            Some(request::new_nonce().map_err(|e| FetchError::Request(e.to_string()))?)
        } else {
            None
        };
        let der = qoltanba_core::ocsp::request::request_der_for_serial(
            serial,
            issuer,
            self.hash.into(),
            nonce.as_deref(),
        )
        .map_err(|e| FetchError::Request(e.to_string()))?;
        Ok((der, nonce))
    }

    fn exchange_parts(&self) -> Exchange {
        Exchange {
            client: self.client.clone(),
            expiry: self.expiry.clone(),
            metrics: self.metrics.clone(),
            status: self.status.clone(),
        }
    }
}

/// What an exchange needs, owned, so that it runs on its own task.
struct Exchange {
    client: OcspClient,
    expiry: Arc<dyn AnswerExpiry>,
    metrics: Arc<OcspMetrics>,
    status: Arc<OcspStatus>,
}

impl Exchange {
    /// Asks `urls` in order; the first successful OCSP response wins. Every attempt is counted
    /// (by responder host) and recorded for readiness.
    async fn first_answer(
        &self,
        urls: &[String],
        der: Vec<u8>,
        nonce: Option<Vec<u8>>,
    ) -> Result<CachedAnswer, FetchError> {
        let mut last = FetchError::NoResponder;
        for url in urls {
            let started = Instant::now();
            let result = match self.client.fetch(url, &der, nonce.clone()).await {
                Ok(fetched) => self
                    .expiry
                    .expires_at(&fetched)
                    .map(|expires_at| CachedAnswer::new(fetched, expires_at)),
                Err(e) => Err(e),
            };
            let outcome = result.as_ref().map(|_| ()).map_err(FetchError::code);
            self.metrics
                .observe(&client::responder_label(url), outcome, started.elapsed());
            self.status.record(url, OffsetDateTime::now_utc(), outcome);
            match result {
                Ok(answer) => return Ok(answer),
                Err(e) => {
                    if matches!(e, FetchError::Malformed(_) | FetchError::ResponderStatus(_)) {
                        tracing::warn!(
                            responder = %crate::url::redact(url),
                            reason = e.code(),
                            "OCSP answer refused: {e}"
                        );
                    }
                    last = e;
                }
            }
        }
        Err(last)
    }
}
