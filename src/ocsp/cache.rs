//! The answers held per certificate, and the coalescing of lookups.
//!
//! An answer is held until its expiry (nextUpdate, or the maximum age for answers without one:
//! [`super::expiry`]), in a cache of bounded size: when full, expired answers go first, then the
//! one that expires soonest. Concurrent lookups of one certificate share one exchange: the first
//! starts it on its own task (so that a caller giving up does not cancel it for the others), the
//! others wait for its result. A failed exchange is never cached: the next lookup after it asks
//! again (there is no negative cache; coalescing already bounds a failing responder to one request
//! in flight per certificate).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::sync::watch;

use qoltanba_core::Certificate;

use super::client::{FetchError, Fetched};

/// A certificate as OCSP names it: its issuer's key (SHA-256 of the issuer's
/// SubjectPublicKeyInfo) and its serial as encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub issuer_key: [u8; 32],
    pub serial: Vec<u8>,
}

impl CacheKey {
    pub fn of(cert: &Certificate, issuer: &Certificate) -> Self {
        CacheKey {
            issuer_key: issuer.spki_sha256,
            serial: cert.serial.clone(),
        }
    }
}

/// An answer and until when it may be served from the cache.
#[derive(Debug, Clone)]
pub struct CachedAnswer {
    pub fetched: Fetched,
    /// The response parsed once, when it arrived (or why it does not parse): every verification
    /// that uses the cached answer hands this to the verifier instead of parsing it again.
    pub parsed: Result<Arc<qoltanba_core::OcspResponse>, String>,
    pub expires_at: OffsetDateTime,
}

impl CachedAnswer {
    pub fn new(fetched: Fetched, expires_at: OffsetDateTime) -> Self {
        let parsed = qoltanba_core::OcspResponse::from_der(&fetched.der)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        CachedAnswer {
            fetched,
            parsed,
            expires_at,
        }
    }
}

/// How a lookup was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// From the cache.
    Hit,
    /// By an exchange this lookup started.
    Miss,
    /// By an exchange another lookup had started.
    Joined,
}

type Shared = Option<Result<Arc<CachedAnswer>, FetchError>>;

#[derive(Default)]
struct Inner {
    ready: HashMap<CacheKey, Arc<CachedAnswer>>,
    in_flight: HashMap<CacheKey, watch::Receiver<Shared>>,
}

/// Cache counters for `/metrics`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub joined: u64,
    pub entries: usize,
}

pub struct OcspCache {
    inner: Mutex<Inner>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    joined: AtomicU64,
}

impl OcspCache {
    pub fn new(capacity: usize) -> Self {
        OcspCache {
            inner: Mutex::default(),
            capacity: capacity.max(1),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            joined: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The lock is never held across a panic-prone call; a poisoned one is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer held for `key`, if it has not expired at `now`.
    pub fn get(&self, key: &CacheKey, now: OffsetDateTime) -> Option<Arc<CachedAnswer>> {
        self.lock()
            .ready
            .get(key)
            .filter(|a| a.expires_at > now)
            .cloned()
    }

    /// Holds `answer` for `key` unless it has already expired at `now`.
    pub fn insert(&self, key: CacheKey, answer: Arc<CachedAnswer>, now: OffsetDateTime) {
        let mut inner = self.lock();
        Self::insert_locked(&mut inner, self.capacity, key, answer, now);
    }

    fn insert_locked(
        inner: &mut Inner,
        capacity: usize,
        key: CacheKey,
        answer: Arc<CachedAnswer>,
        now: OffsetDateTime,
    ) {
        if answer.expires_at <= now {
            inner.ready.remove(&key);
            return;
        }
        if !inner.ready.contains_key(&key) && inner.ready.len() >= capacity {
            inner.ready.retain(|_, a| a.expires_at > now);
            if inner.ready.len() >= capacity {
                let soonest = inner
                    .ready
                    .iter()
                    .min_by_key(|(_, a)| a.expires_at)
                    .map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    inner.ready.remove(&k);
                }
            }
        }
        inner.ready.insert(key, answer);
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            joined: self.joined.load(Ordering::Relaxed),
            entries: self.lock().ready.len(),
        }
    }

    /// The answer for `key`: from the cache, from an exchange already in flight for it, or from
    /// `exchange()`, which only the first of concurrent lookups calls and whose future runs on its
    /// own task. A successful answer is held until its `expires_at`; a failure is not held.
    pub async fn get_or_fetch<F, Fut>(
        self: &Arc<Self>,
        key: CacheKey,
        exchange: F,
    ) -> (Result<Arc<CachedAnswer>, FetchError>, Served)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedAnswer, FetchError>> + Send + 'static,
    {
        let now = OffsetDateTime::now_utc();
        enum Step {
            Hit(Arc<CachedAnswer>),
            Join(watch::Receiver<Shared>),
            Lead(watch::Receiver<Shared>, watch::Sender<Shared>),
        }
        let step = {
            let mut inner = self.lock();
            if let Some(answer) = inner.ready.get(&key).filter(|a| a.expires_at > now) {
                Step::Hit(answer.clone())
            } else if let Some(rx) = inner.in_flight.get(&key) {
                Step::Join(rx.clone())
            } else {
                let (tx, rx) = watch::channel(None);
                inner.in_flight.insert(key.clone(), rx.clone());
                Step::Lead(rx, tx)
            }
        };
        match step {
            Step::Hit(answer) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                (Ok(answer), Served::Hit)
            }
            Step::Join(rx) => {
                self.joined.fetch_add(1, Ordering::Relaxed);
                (wait(rx).await, Served::Joined)
            }
            Step::Lead(rx, tx) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                let flight = Flight {
                    cache: self.clone(),
                    key,
                    tx: Some(tx),
                };
                let future = exchange();
                tokio::spawn(async move {
                    let result = future.await.map(Arc::new);
                    flight.land(result);
                });
                (wait(rx).await, Served::Miss)
            }
        }
    }
}

async fn wait(mut rx: watch::Receiver<Shared>) -> Result<Arc<CachedAnswer>, FetchError> {
    match rx.wait_for(Option::is_some).await {
        Ok(value) => value.clone().unwrap_or(Err(FetchError::Aborted)),
        Err(_) => Err(FetchError::Aborted),
    }
}

/// One exchange in flight: when it lands, its answer is cached (if successful) and the in-flight
/// mark removed under one lock, then the waiters are told. Dropped without landing (the task
/// panicked or the runtime stopped), it removes the mark and the waiters see `Aborted`.
struct Flight {
    cache: Arc<OcspCache>,
    key: CacheKey,
    tx: Option<watch::Sender<Shared>>,
}

impl Flight {
    fn land(mut self, result: Result<Arc<CachedAnswer>, FetchError>) {
        {
            let mut inner = self.cache.lock();
            inner.in_flight.remove(&self.key);
            if let Ok(answer) = &result {
                OcspCache::insert_locked(
                    &mut inner,
                    self.cache.capacity,
                    self.key.clone(),
                    answer.clone(),
                    OffsetDateTime::now_utc(),
                );
            }
        }
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Some(result));
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if self.tx.is_some() {
            self.cache.lock().in_flight.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocsp::settings::OcspMethod;
    use std::time::Duration;

    fn answer(expires_in: time::Duration) -> CachedAnswer {
        let now = OffsetDateTime::now_utc();
        CachedAnswer::new(
            Fetched {
                der: Arc::from(vec![0x30u8, 0x00]),
                nonce_sent: None,
                responder: "http://r".into(),
                fetched_at: now,
                method: OcspMethod::Post,
            },
            now + expires_in,
        )
    }

    fn key(n: u8) -> CacheKey {
        CacheKey {
            issuer_key: [7; 32],
            serial: vec![n],
        }
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_exchange() {
        let cache = Arc::new(OcspCache::new(10));
        let calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(key(1), move || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        async {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok(answer(time::Duration::minutes(5)))
                        }
                    })
                    .await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().0.is_ok());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let s = cache.stats();
        assert_eq!((s.misses, s.hits + s.joined, s.entries), (1, 99, 1));
        // Held now: a hit, no exchange.
        let (r, served) = cache
            .get_or_fetch(key(1), || async { Err(FetchError::Aborted) })
            .await;
        assert!(r.is_ok());
        assert_eq!(served, Served::Hit);
    }

    #[tokio::test]
    async fn failures_and_expired_answers_are_not_held() {
        let cache = Arc::new(OcspCache::new(10));
        let (r, _) = cache
            .get_or_fetch(key(2), || async { Err(FetchError::Timeout(5)) })
            .await;
        assert_eq!(r.unwrap_err(), FetchError::Timeout(5));
        let (r, served) = cache
            .get_or_fetch(key(2), || async { Ok(answer(time::Duration::seconds(-1))) })
            .await;
        assert!(r.is_ok());
        assert_eq!(served, Served::Miss);
        assert_eq!(cache.stats().entries, 0);
        assert!(cache.get(&key(2), OffsetDateTime::now_utc()).is_none());
    }

    #[tokio::test]
    async fn an_answer_expires() {
        let cache = Arc::new(OcspCache::new(10));
        let (r, _) = cache
            .get_or_fetch(key(3), || async {
                Ok(answer(time::Duration::milliseconds(300)))
            })
            .await;
        r.unwrap();
        assert!(cache.get(&key(3), OffsetDateTime::now_utc()).is_some());
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (_, served) = cache
            .get_or_fetch(key(3), || async { Ok(answer(time::Duration::minutes(1))) })
            .await;
        assert_eq!(served, Served::Miss);
    }

    #[test]
    fn a_full_cache_drops_the_answer_that_expires_soonest() {
        let cache = OcspCache::new(2);
        let now = OffsetDateTime::now_utc();
        cache.insert(key(1), Arc::new(answer(time::Duration::minutes(10))), now);
        cache.insert(key(2), Arc::new(answer(time::Duration::minutes(1))), now);
        cache.insert(key(3), Arc::new(answer(time::Duration::minutes(5))), now);
        assert!(cache.get(&key(1), now).is_some());
        assert!(cache.get(&key(2), now).is_none());
        assert!(cache.get(&key(3), now).is_some());
        assert_eq!(cache.stats().entries, 2);
    }

    #[tokio::test]
    async fn a_panicking_exchange_releases_its_waiters() {
        let cache = Arc::new(OcspCache::new(10));
        let (r, _) = cache
            .get_or_fetch(key(4), || async { panic!("on purpose") })
            .await;
        assert_eq!(r.unwrap_err(), FetchError::Aborted);
        // Nothing left in flight: the next lookup starts its own exchange.
        let (r, served) = cache
            .get_or_fetch(key(4), || async { Ok(answer(time::Duration::minutes(1))) })
            .await;
        assert!(r.is_ok());
        assert_eq!(served, Served::Miss);
    }
}
