//! The live CRL store of `qoltanba serve`.
//!
//! Sources (local files, directories, HTTP URLs, bytes built into the binary) are read on every
//! refresh. Each CRL a source yields must be issued and signed by a configured CA
//! ([`crate::crl_check::crl_signer`]) and be newer than the one that source holds for the same
//! issuer and kind; otherwise the held CRL stays ("last good wins") and the failure is logged and
//! counted. A refresh then builds a new immutable [`CrlSnapshot`] from every source's held CRLs and
//! swaps it into the [`Verifier`] atomically: verifications in flight keep the snapshot they began
//! with, and no request ever waits for a refresh.
//!
//! A CRL whose nextUpdate has passed stays in the snapshot: the verifier then answers
//! `indeterminate`/`revocation_unknown` for the certificates it covers, never `valid`.

pub mod cache;
pub mod fetch;
mod settings;

pub use settings::CrlConfig;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::Certificate;
use qoltanba_core::Crl;
use qoltanba_core::CrlIssuerError;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::NameKey;
use qoltanba_core::Scope;
use qoltanba_core::Verifier;

use cache::CacheDir;
use fetch::{Fetched, Validator};

/// Where CRLs come from.
#[derive(Debug, Clone)]
pub enum CrlSource {
    /// A CRL file (DER or PEM bundle), or a directory of them (`*.crl`, `*.pem`, `*.der`).
    Path(PathBuf),
    /// An HTTP(S) URL.
    Url(String),
    /// Bytes given at start-up (the demo configuration's bundled CRLs).
    Bytes { name: String, bytes: Arc<[u8]> },
}

#[derive(Debug, Clone)]
pub struct CrlStoreSettings {
    pub sources: Vec<CrlSource>,
    pub fetch_timeout: Duration,
    pub max_crl_bytes: u64,
    pub cache_dir: Option<PathBuf>,
    /// Also fetch the delta CRLs that the complete CRLs held name (freshestCRL).
    pub follow_freshest: bool,
    /// HTTP(S) proxy for every fetch; `None`: the environment's, if any.
    pub proxy: Option<String>,
}

impl CrlStoreSettings {
    /// The sources and limits of a configuration. `intermediates` supply distribution point URLs
    /// when `crl.use_distribution_points` is set; `demo` adds the bundled CRLs.
    pub fn from_config(config: &CrlConfig, intermediates: &[Arc<Certificate>], demo: bool) -> Self {
        let mut sources = Vec::new();
        if demo {
            sources.extend(
                crate::demo::CRLS
                    .iter()
                    .map(|(name, bytes)| CrlSource::Bytes {
                        name: (*name).into(),
                        bytes: Arc::from(*bytes),
                    }),
            );
        }
        sources.extend(config.paths.iter().cloned().map(CrlSource::Path));
        let mut urls: Vec<String> = config.urls.clone();
        if config.use_distribution_points {
            for cert in intermediates {
                for url in &cert.crl_urls {
                    if crate::url::is_http_url(url) && !urls.contains(url) {
                        urls.push(url.clone());
                    }
                }
            }
        }
        sources.extend(urls.into_iter().map(CrlSource::Url));
        CrlStoreSettings {
            sources,
            fetch_timeout: config.fetch_timeout(),
            max_crl_bytes: config.max_bytes,
            cache_dir: config.cache_dir.clone(),
            follow_freshest: config.use_distribution_points,
            proxy: Some(config.proxy.clone()).filter(|p| !p.is_empty()),
        }
    }
}

/// Why a source's answer was not taken. Codes are the `reason` label of the refresh-failure metric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceFailure {
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("no complete answer within {0} ms")]
    Timeout(u64),
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    #[error("empty body")]
    Empty,
    #[error("over the size limit of {0} bytes")]
    TooLarge(u64),
    #[error("the body ended early: {0}")]
    Truncated(String),
    #[error("cannot read it: {0}")]
    Io(String),
    #[error("not a CRL: {0}")]
    Unparsable(String),
    #[error("{0}")]
    Issuer(#[from] CrlIssuerError),
    #[error("CRL {offered} of {issuer} is not newer than the held CRL {held}")]
    NotNewer {
        issuer: String,
        offered: String,
        held: String,
    },
    /// Signed by the CA, but the verifier could never use it (an unknown critical extension, no
    /// CRL number, …): holding it would displace a usable CRL and answer `revocation_unknown`.
    #[error("CRL {number} of {issuer} cannot be used as evidence: {why}")]
    Unusable {
        issuer: String,
        number: String,
        why: String,
    },
}

impl SourceFailure {
    pub fn code(&self) -> &'static str {
        match self {
            SourceFailure::Connect(_) => "connect",
            SourceFailure::Timeout(_) => "timeout",
            SourceFailure::HttpStatus(_) => "http_status",
            SourceFailure::Empty => "empty",
            SourceFailure::TooLarge(_) => "too_large",
            SourceFailure::Truncated(_) => "truncated",
            SourceFailure::Io(_) => "io",
            SourceFailure::Unparsable(_) => "unparsable",
            SourceFailure::Issuer(e) => e.code(),
            SourceFailure::NotNewer { .. } => "not_newer",
            SourceFailure::Unusable { .. } => "unusable_crl",
        }
    }
}

/// What one refresh did.
#[derive(Debug, Default, Clone)]
pub struct RefreshReport {
    /// "issuer #number (source)" of each CRL taken.
    pub accepted: Vec<String>,
    /// Sources (or CRLs in them) whose held version is still current.
    pub unchanged: usize,
    /// (source, failure) for every answer refused.
    pub failures: Vec<(String, SourceFailure)>,
    /// Whether a new snapshot was swapped in.
    pub swapped: bool,
    /// CRLs in the snapshot after the refresh.
    pub crls: usize,
}

impl RefreshReport {
    pub fn failure_codes(&self) -> Vec<&'static str> {
        self.failures.iter().map(|(_, f)| f.code()).collect()
    }
}

/// One CRL slot of a source: a complete or a delta CRL of one issuer and scope. The whole
/// issuingDistributionPoint decides the scope (its names of every type, the onlyContains flags,
/// onlySomeReasons, indirectCRL): two partitions of one issuer never share a slot, so a newer CRL
/// of one partition cannot evict the other.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CrlKey {
    issuer: NameKey,
    delta: bool,
    scope: Scope,
}

impl CrlKey {
    fn of(crl: &Crl) -> Self {
        CrlKey {
            issuer: crl.issuer.key().clone(),
            delta: crl.is_delta(),
            scope: crl.scope.clone(),
        }
    }
}

fn is_newer(offered: &Crl, held: &Crl) -> bool {
    match (&offered.number, &held.number) {
        (Some(a), Some(b)) => a > b,
        _ => offered.this_update > held.this_update,
    }
}

fn label(crl: &Crl) -> String {
    format!(
        "{} #{}",
        crl.issuer,
        crl.number_string().unwrap_or_else(|| "-".into())
    )
}

/// One file, URL or byte string and what it last gave.
#[derive(Default)]
struct Unit {
    held: HashMap<CrlKey, Arc<Crl>>,
    validator: Validator,
    /// (modification time, length) of a file when last read.
    file_stamp: Option<(SystemTime, u64)>,
    loaded: bool,
}

/// How a unit's bytes are obtained.
#[derive(Clone)]
enum UnitKind {
    File(PathBuf),
    Url(String),
    Bytes(Arc<[u8]>),
}

/// Counters read by `/metrics`.
#[derive(Debug, Default, Clone)]
pub struct StoreStats {
    /// (source, reason code) → failures.
    pub failures: BTreeMap<(String, &'static str), u64>,
    pub refreshes: u64,
    pub accepted: u64,
    pub last_refresh: Option<OffsetDateTime>,
}

/// The state of one configured CA's CRL, for `/readyz` and `/metrics`.
#[derive(Debug, Clone)]
pub struct IssuerStatus {
    pub issuer: String,
    /// A short, stable name of the CA for metric labels: the first 8 bytes of the SHA-256 of
    /// its public key, in hex (`qoltanba_crl_issuer_info` maps it to `issuer`).
    pub key_id: String,
    /// The newest complete CRL held, if any.
    pub number: Option<String>,
    pub this_update: Option<OffsetDateTime>,
    pub next_update: Option<OffsetDateTime>,
    pub entries: usize,
    /// Entries of the newest delta CRL, when one is held.
    pub delta_entries: Option<usize>,
    /// The newest delta CRL newer than the newest complete CRL, when one is held.
    pub delta_number: Option<String>,
    pub delta_next_update: Option<OffsetDateTime>,
    /// A complete CRL is held whose nextUpdate is in the future, and the newest delta above it (if
    /// any) has not lapsed: a lapsed delta makes "not revoked" unknown (see `revocation.rs`).
    pub current: bool,
}

pub struct CrlStore {
    verifier: Arc<Verifier>,
    cas: Vec<Arc<Certificate>>,
    settings: CrlStoreSettings,
    client: reqwest::Client,
    cache: Option<CacheDir>,
    limits: InputLimits,
    units: tokio::sync::Mutex<BTreeMap<String, Unit>>,
    stats: Mutex<StoreStats>,
    /// The id (log and metrics label) of each URL source: see `url_unit_ids`.
    url_ids: HashMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("HTTP client: {0}")]
    Client(String),
    #[error("cache directory {path}: {why}")]
    CacheDir { path: PathBuf, why: String },
}

impl CrlStore {
    /// A store that feeds `verifier`. CRLs are accepted from the issuers in `cas` only (the
    /// configured anchors and intermediates). Nothing is loaded until [`CrlStore::start`] or
    /// [`CrlStore::refresh_now`].
    pub fn new(
        verifier: Arc<Verifier>,
        cas: Vec<Arc<Certificate>>,
        settings: CrlStoreSettings,
    ) -> Result<Self, StoreError> {
        let client = fetch::client(settings.fetch_timeout, settings.proxy.as_deref())
            .map_err(StoreError::Client)?;
        let cache = settings
            .cache_dir
            .as_deref()
            .map(|dir| {
                CacheDir::open(dir).map_err(|e| StoreError::CacheDir {
                    path: dir.to_owned(),
                    why: e.to_string(),
                })
            })
            .transpose()?;
        let limits = InputLimits {
            max_crl_bytes: settings.max_crl_bytes,
            ..InputLimits::default()
        };
        let url_ids = url_unit_ids(&settings.sources);
        Ok(CrlStore {
            verifier,
            cas,
            settings,
            client,
            cache,
            limits,
            units: tokio::sync::Mutex::new(BTreeMap::new()),
            stats: Mutex::new(StoreStats::default()),
            url_ids,
        })
    }

    pub fn verifier(&self) -> &Arc<Verifier> {
        &self.verifier
    }

    pub fn settings(&self) -> &CrlStoreSettings {
        &self.settings
    }

    fn url_id(&self, url: &str) -> String {
        self.url_ids
            .get(url)
            .cloned()
            .unwrap_or_else(|| unit_id_url(url))
    }

    /// Loads the cache directory, then refreshes every source once.
    pub async fn start(&self) -> RefreshReport {
        self.load_cache().await;
        self.refresh_now().await
    }

    /// Takes the last good CRLs of the URL sources from the cache directory (still checked for
    /// issuer and signature; their nextUpdate is judged by the verifier as always).
    pub async fn load_cache(&self) {
        let Some(cache) = self.cache.clone() else {
            return;
        };
        let mut units = self.units.lock().await;
        let configured: Vec<(String, String)> = self
            .settings
            .sources
            .iter()
            .filter_map(|source| match source {
                CrlSource::Url(url) => Some((self.url_id(url), url.clone())),
                _ => None,
            })
            .collect();
        self.load_cached(&cache, &mut units, configured).await;
        self.swap_snapshot(&units, &mut RefreshReport::default());
        // Then the deltas that the complete CRLs just loaded name, cached under their own URLs.
        let discovered: Vec<(String, String)> = self
            .freshest_units()
            .into_iter()
            .filter_map(|(id, kind)| match kind {
                UnitKind::Url(url) => Some((id, url)),
                _ => None,
            })
            .collect();
        if !discovered.is_empty() {
            self.load_cached(&cache, &mut units, discovered).await;
            self.swap_snapshot(&units, &mut RefreshReport::default());
        }
    }

    /// Takes the cached body of each (id, URL) into its unit.
    async fn load_cached(
        &self,
        cache: &CacheDir,
        units: &mut BTreeMap<String, Unit>,
        sources: Vec<(String, String)>,
    ) {
        for (id, url) in sources {
            let cache = cache.clone();
            let (url2, max) = (url.clone(), self.settings.max_crl_bytes);
            let Ok(Some((body, validator))) =
                tokio::task::spawn_blocking(move || cache.load(&url2, max)).await
            else {
                continue;
            };
            let unit = units.entry(id.clone()).or_default();
            let mut report = RefreshReport::default();
            if let Taken::All { .. } = self.take_body(&id, unit, Arc::new(body), &mut report).await
            {
                unit.validator = validator;
                tracing::info!(source = %id, crls = unit.held.len(), "CRLs loaded from the cache directory");
            }
            self.record(&report);
        }
    }

    /// Reads every source once and swaps in a new snapshot if anything changed. Refreshes never
    /// overlap: a second caller waits for the first to finish.
    pub async fn refresh_now(&self) -> RefreshReport {
        let mut units = self.units.lock().await;
        let mut report = RefreshReport::default();
        let kinds = self.enumerate_units(&mut report).await;
        let mut done: Vec<String> = kinds.iter().map(|(id, _)| id.clone()).collect();
        self.refresh_units(&mut units, kinds, &mut report).await;
        self.swap_snapshot(&units, &mut report);
        // The delta CRLs named by a complete CRL taken just now are fetched at once, not a
        // refresh period later (once: a delta's own freshestCRL adds nothing new).
        let discovered: Vec<(String, UnitKind)> = self
            .freshest_units()
            .into_iter()
            .filter(|(id, _)| !done.contains(id))
            .collect();
        if !discovered.is_empty() {
            done.extend(discovered.iter().map(|(id, _)| id.clone()));
            self.refresh_units(&mut units, discovered, &mut report)
                .await;
            self.swap_snapshot(&units, &mut report);
        }
        for (source, failure) in &report.failures {
            tracing::warn!(source = %source, reason = failure.code(), "CRL source refused, keeping the last good CRLs: {failure}");
        }
        self.record(&report);
        report
    }

    /// The URL units for the freshestCRL URLs of the complete CRLs held, when
    /// `crl.use_distribution_points` asks for them and no configured source is the same URL.
    fn freshest_units(&self) -> Vec<(String, UnitKind)> {
        if !self.settings.follow_freshest {
            return Vec::new();
        }
        let configured: Vec<&String> = self
            .settings
            .sources
            .iter()
            .filter_map(|s| match s {
                CrlSource::Url(url) => Some(url),
                _ => None,
            })
            .collect();
        let snapshot = self.verifier.crls();
        let mut urls: Vec<String> = snapshot
            .iter()
            .filter(|crl| !crl.is_delta())
            .flat_map(|crl| crl.freshest_urls.iter())
            .filter(|url| crate::url::is_http_url(url) && !configured.contains(url))
            .cloned()
            .collect();
        urls.sort();
        urls.dedup();
        let mut ids: Vec<String> = Vec::new();
        let mut units = Vec::new();
        for url in urls {
            // Their own prefix: a discovered URL never shares an id with a configured one.
            let id = format!("freshest:{}", crate::url::redact(&url));
            if ids.contains(&id) {
                tracing::debug!(source = %id, "two freshestCRL URLs look alike once redacted; the first is fetched");
                continue;
            }
            ids.push(id.clone());
            units.push((id, UnitKind::Url(url)));
        }
        units
    }

    /// Fetches or reads each unit and takes what it holds into `units` (not yet swapped in).
    async fn refresh_units(
        &self,
        units: &mut BTreeMap<String, Unit>,
        kinds: Vec<(String, UnitKind)>,
        report: &mut RefreshReport,
    ) {
        // Fetch every URL at once; files and bytes are read in turn below.
        let urls: Vec<(String, String, Option<Validator>)> = kinds
            .iter()
            .filter_map(|(id, kind)| match kind {
                UnitKind::Url(url) => {
                    let unit = units.get(id);
                    let validator = unit
                        .filter(|u| !u.held.is_empty() && !u.validator.is_empty())
                        .map(|u| u.validator.clone());
                    Some((id.clone(), url.clone(), validator))
                }
                _ => None,
            })
            .collect();
        let fetched = futures_util::future::join_all(urls.into_iter().map(
            |(id, url, validator)| async move {
                let result = fetch::fetch(
                    &self.client,
                    &url,
                    validator.as_ref(),
                    self.settings.max_crl_bytes,
                    self.settings.fetch_timeout,
                )
                .await;
                (id, url, result)
            },
        ))
        .await;
        let mut fetched: HashMap<String, (String, Result<Fetched, SourceFailure>)> = fetched
            .into_iter()
            .map(|(id, url, r)| (id, (url, r)))
            .collect();

        for (id, kind) in kinds {
            let unit = units.entry(id.clone()).or_default();
            match kind {
                UnitKind::Url(_) => {
                    let Some((url, result)) = fetched.remove(&id) else {
                        continue;
                    };
                    match result {
                        Ok(Fetched::NotModified) => report.unchanged += 1,
                        Ok(Fetched::Body { bytes, validator }) => {
                            let fresh_validator = validator != unit.validator;
                            let body = Arc::new(bytes);
                            // Only a body whose every CRL is taken (or already held) becomes the
                            // cached copy and the base of the next conditional request; a body
                            // with an older CRL is fetched again, and counted again, next time.
                            if let Taken::All { accepted } =
                                self.take_body(&id, unit, body.clone(), report).await
                            {
                                unit.validator = validator.clone();
                                if accepted > 0 || fresh_validator {
                                    self.write_cache(&url, body, validator).await;
                                }
                            }
                        }
                        Err(failure) => report.failures.push((id.clone(), failure)),
                    }
                }
                UnitKind::File(path) => {
                    let stamp = file_stamp(&path);
                    if unit.loaded && stamp.is_some() && stamp == unit.file_stamp {
                        report.unchanged += 1;
                        continue;
                    }
                    let max = self.settings.max_crl_bytes;
                    let read = tokio::task::spawn_blocking(move || read_file(&path, max))
                        .await
                        .unwrap_or_else(|e| Err(SourceFailure::Io(e.to_string())));
                    match read {
                        Ok(bytes) => {
                            let taken = self.take_body(&id, unit, Arc::new(bytes), report).await;
                            if matches!(taken, Taken::All { .. }) {
                                unit.file_stamp = stamp;
                            }
                        }
                        Err(failure) => report.failures.push((id.clone(), failure)),
                    }
                }
                UnitKind::Bytes(bytes) => {
                    if unit.loaded {
                        report.unchanged += 1;
                        continue;
                    }
                    self.take_body(&id, unit, Arc::new(bytes.to_vec()), report)
                        .await;
                }
            }
        }
    }

    /// Spawns the periodic refresh on the current tokio runtime.
    pub fn spawn_refresher(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let store = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(store) = store.upgrade() else {
                    return;
                };
                // Each refresh in a task of its own: a panic in one ends that refresh, not the
                // schedule (the CRLs would otherwise silently age until /readyz turned 503).
                let refresh = tokio::spawn(async move { store.refresh_now().await });
                match refresh.await {
                    Ok(report) => tracing::debug!(
                        accepted = report.accepted.len(),
                        unchanged = report.unchanged,
                        failures = report.failures.len(),
                        crls = report.crls,
                        "CRL refresh done"
                    ),
                    Err(e) => tracing::error!(
                        "a CRL refresh failed ({e}); the held CRLs stay, the next refresh runs on \
                         schedule"
                    ),
                }
            }
        })
    }

    pub fn stats(&self) -> StoreStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every configured CA and the CRL the current snapshot holds for it.
    pub fn issuer_statuses(&self, now: OffsetDateTime) -> Vec<IssuerStatus> {
        let snapshot = self.verifier.crls();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for ca in &self.cas {
            if !seen.insert(ca.subject.key().clone()) {
                continue;
            }
            let crls = snapshot.for_issuer(ca.subject.key());
            let full = crls
                .iter()
                .filter(|c| !c.is_delta())
                .max_by_key(|c| (c.this_update, c.number.clone()));
            let delta = crls
                .iter()
                .filter(|c| c.is_delta())
                .max_by_key(|c| (c.this_update, c.number.clone()));
            let newest_full_number = crls
                .iter()
                .filter(|c| !c.is_delta())
                .filter_map(|c| c.number.as_ref())
                .max();
            let newer_delta = crls
                .iter()
                .filter(|c| c.is_delta() && c.number.as_ref() > newest_full_number)
                .max_by(|a, b| a.number.cmp(&b.number));
            // A CRL without nextUpdate lapses where the verifier stops using it.
            let lapsed = |c: &Crl| match c.next_update {
                Some(n) => n <= now,
                None => c.this_update + qoltanba_core::MAX_AGE_WITHOUT_NEXT_UPDATE < now,
            };
            let full_current = crls.iter().any(|c| !c.is_delta() && !lapsed(c));
            out.push(IssuerStatus {
                issuer: ca.subject.to_string(),
                key_id: hex::encode(&ca.spki_sha256[..8]),
                number: full.and_then(|c| c.number_string()),
                this_update: full.map(|c| c.this_update),
                next_update: full.and_then(|c| c.next_update),
                entries: full.map_or(0, |c| c.entry_count()),
                delta_entries: delta.map(|c| c.entry_count()),
                delta_number: newer_delta.and_then(|c| c.number_string()),
                delta_next_update: newer_delta.and_then(|c| c.next_update),
                current: full_current && !newer_delta.is_some_and(|c| lapsed(c)),
            });
        }
        out
    }

    fn record(&self, report: &RefreshReport) {
        if let Ok(mut stats) = self.stats.lock() {
            stats.refreshes += 1;
            stats.accepted += report.accepted.len() as u64;
            stats.last_refresh = Some(OffsetDateTime::now_utc());
            for (source, failure) in &report.failures {
                *stats
                    .failures
                    .entry((source.clone(), failure.code()))
                    .or_default() += 1;
            }
        }
    }

    /// The units of this refresh: each file (directories listed anew), URL and byte source.
    async fn enumerate_units(&self, report: &mut RefreshReport) -> Vec<(String, UnitKind)> {
        let mut kinds: Vec<(String, UnitKind)> = Vec::new();
        for source in &self.settings.sources {
            match source {
                CrlSource::Url(url) => kinds.push((self.url_id(url), UnitKind::Url(url.clone()))),
                CrlSource::Bytes { name, bytes } => {
                    kinds.push((format!("bytes:{name}"), UnitKind::Bytes(bytes.clone())))
                }
                CrlSource::Path(path) => {
                    let p = path.clone();
                    let listed = tokio::task::spawn_blocking(move || {
                        crate::files::files_in(&p, &["crl", "pem", "der"])
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    match listed {
                        Ok(files) => kinds.extend(
                            files
                                .into_iter()
                                .map(|f| (format!("file:{}", f.display()), UnitKind::File(f))),
                        ),
                        Err(why) => report
                            .failures
                            .push((format!("file:{}", path.display()), SourceFailure::Io(why))),
                    }
                }
            }
        }
        // The same file or URL named twice is read once.
        let mut seen = std::collections::HashSet::new();
        kinds.retain(|(id, _)| seen.insert(id.clone()));
        kinds
    }

    /// Parses and checks a unit's bytes off the async threads and takes what is acceptable.
    async fn take_body(
        &self,
        id: &str,
        unit: &mut Unit,
        bytes: Arc<Vec<u8>>,
        report: &mut RefreshReport,
    ) -> Taken {
        let cas = self.cas.clone();
        let held = unit.held.clone();
        let limits = self.limits;
        let verifier = self.verifier.clone();
        // Parsing, checking and indexing a national CRL takes a core for about half a second: it
        // runs on its own thread at the lowest priority, so requests running meanwhile keep
        // their latency (the work still gets every idle cycle).
        let (done, outcome) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("crl-index".into())
            .spawn(move || {
                background_priority();
                let _ = done.send(examine(&bytes, &cas, &held, &limits, &verifier));
            });
        let checked = match spawned {
            Ok(_) => outcome.await.unwrap_or_else(|_| {
                Err(SourceFailure::Io("the CRL indexing thread failed".into()))
            }),
            Err(e) => Err(SourceFailure::Io(e.to_string())),
        };
        match checked {
            Ok(outcome) => {
                unit.loaded = true;
                report.unchanged += outcome.unchanged;
                let taken = if outcome.refused.is_empty() {
                    Taken::All {
                        accepted: outcome.accepted.len(),
                    }
                } else {
                    Taken::Some
                };
                for (key, crl) in outcome.accepted {
                    tracing::info!(source = %id, crl = %label(&crl), entries = crl.entry_count(), "CRL accepted");
                    report.accepted.push(format!("{} ({id})", label(&crl)));
                    unit.held.insert(key, crl);
                }
                for failure in outcome.refused {
                    report.failures.push((id.to_owned(), failure));
                }
                taken
            }
            Err(failure) => {
                report.failures.push((id.to_owned(), failure));
                Taken::Nothing
            }
        }
    }

    async fn write_cache(&self, url: &str, body: Arc<Vec<u8>>, validator: Validator) {
        let Some(cache) = self.cache.clone() else {
            return;
        };
        let url = url.to_owned();
        let written =
            tokio::task::spawn_blocking(move || cache.store(&url, &body, &validator)).await;
        if let Ok(Err(e)) | Err(e) = written.map_err(std::io::Error::other) {
            tracing::warn!("could not write the CRL cache: {e}");
        }
    }

    /// Builds the snapshot from every unit's held CRLs (per slot, the newest across sources) and
    /// swaps it in when it differs from the current one.
    fn swap_snapshot(&self, units: &BTreeMap<String, Unit>, report: &mut RefreshReport) {
        let mut best: HashMap<&CrlKey, &Arc<Crl>> = HashMap::new();
        for unit in units.values() {
            for (key, crl) in &unit.held {
                match best.get(key) {
                    Some(current) if !is_newer(crl, current) => {}
                    _ => {
                        best.insert(key, crl);
                    }
                }
            }
        }
        let mut chosen: Vec<Arc<Crl>> = best.into_values().cloned().collect();
        chosen.sort_by_key(|c| c.sha256);
        let current = self.verifier.crls();
        let mut held_now: Vec<[u8; 32]> = current.iter().map(|c| c.sha256).collect();
        held_now.sort();
        let wanted: Vec<[u8; 32]> = chosen.iter().map(|c| c.sha256).collect();
        report.crls = chosen.len();
        if held_now != wanted {
            self.verifier
                .replace_crls(Arc::new(CrlSnapshot::new(chosen)));
            report.swapped = true;
        }
    }
}

/// Lowers the calling thread to the lowest scheduling priority (nice 19) where the OS allows it.
fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; on Linux, PRIO_PROCESS with who = 0
    // applies to the calling thread alone.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// The file's bytes, or `None` when it holds more than `max`: read through a cap rather than after
/// a size check, so that a file growing meanwhile is never read past the limit.
pub(crate) fn read_capped(path: &std::path::Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let hint = file.metadata().map_or(0, |m| m.len()).min(max);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

fn unit_id_url(url: &str) -> String {
    format!("url:{}", crate::url::redact(url))
}

/// The id of each URL source: `url:` and the redacted URL, which may hide what tells two URLs
/// apart (`…/crl?ca=…` twice); those get ` #2`, ` #3`… in source order, so that every source
/// stays its own unit (fetched, counted and cached apart) without a secret in its label.
fn url_unit_ids(sources: &[CrlSource]) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    let mut taken: HashMap<String, usize> = HashMap::new();
    for source in sources {
        let CrlSource::Url(url) = source else {
            continue;
        };
        if ids.contains_key(url) {
            continue;
        }
        let base = unit_id_url(url);
        let seen = taken.entry(base.clone()).or_insert(0);
        *seen += 1;
        let id = match *seen {
            1 => base,
            n => format!("{base} #{n}"),
        };
        ids.insert(url.clone(), id);
    }
    ids
}

fn file_stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn read_file(path: &std::path::Path, max: u64) -> Result<Vec<u8>, SourceFailure> {
    let bytes = read_capped(path, max)
        .map_err(|e| SourceFailure::Io(e.to_string()))?
        .ok_or(SourceFailure::TooLarge(max))?;
    if bytes.is_empty() {
        return Err(SourceFailure::Empty);
    }
    Ok(bytes)
}

/// What became of a body.
enum Taken {
    /// Every CRL in it was taken or is the one already held; `accepted` were new.
    All { accepted: usize },
    /// Some CRLs were refused (not newer than the held ones), the others taken.
    Some,
    /// Refused whole: unreadable, or a CRL of a foreign issuer or with a bad signature.
    Nothing,
}

struct Examined {
    accepted: Vec<(CrlKey, Arc<Crl>)>,
    refused: Vec<SourceFailure>,
    unchanged: usize,
}

/// Parses a body and decides, CRL by CRL, against what the unit holds. A body that cannot be
/// read, or holds a CRL of a foreign issuer or with a bad signature, is refused whole.
fn examine(
    bytes: &[u8],
    cas: &[Arc<Certificate>],
    held: &HashMap<CrlKey, Arc<Crl>>,
    limits: &InputLimits,
    verifier: &Verifier,
) -> Result<Examined, SourceFailure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SourceFailure::Empty);
    }
    let crls = input::crls_from_bytes(bytes, limits).map_err(SourceFailure::Unparsable)?;
    if crls.is_empty() {
        return Err(SourceFailure::Unparsable("no CRL inside".into()));
    }
    for crl in &crls {
        verifier.crl_signer(crl, cas)?;
    }
    let mut out = Examined {
        accepted: Vec::new(),
        refused: Vec::new(),
        unchanged: 0,
    };
    let mut offered: HashMap<CrlKey, Arc<Crl>> = HashMap::new();
    for crl in crls {
        if let Some(why) = crl.unusable_reason() {
            out.refused.push(SourceFailure::Unusable {
                issuer: crl.issuer.to_string(),
                number: crl.number_string().unwrap_or_else(|| "-".into()),
                why,
            });
            continue;
        }
        let key = CrlKey::of(&crl);
        match offered.get(&key) {
            Some(other) if !is_newer(&crl, other) => {}
            _ => {
                offered.insert(key, crl);
            }
        }
    }
    for (key, crl) in offered {
        match held.get(&key) {
            Some(old) if old.sha256 == crl.sha256 => out.unchanged += 1,
            Some(old) if !is_newer(&crl, old) => out.refused.push(SourceFailure::NotNewer {
                issuer: crl.issuer.to_string(),
                offered: crl.number_string().unwrap_or_else(|| "-".into()),
                held: old.number_string().unwrap_or_else(|| "-".into()),
            }),
            _ => out.accepted.push((key, crl)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_up_to_the_limit_and_never_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.crl");
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_capped(&path, 100).unwrap().unwrap().len(), 100);
        assert_eq!(read_capped(&path, 99).unwrap(), None);
        assert!(matches!(
            read_file(&path, 99),
            Err(SourceFailure::TooLarge(99))
        ));
        std::fs::write(&path, []).unwrap();
        assert!(matches!(read_file(&path, 99), Err(SourceFailure::Empty)));
    }

    #[test]
    fn urls_that_redact_alike_get_distinct_ids() {
        let sources = [
            CrlSource::Url("http://h/crl?ca=a".into()),
            CrlSource::Url("http://h/crl?ca=b".into()),
            CrlSource::Url("http://h/crl?ca=a".into()),
            CrlSource::Url("http://h/other.crl".into()),
        ];
        let ids = url_unit_ids(&sources);
        assert_eq!(ids["http://h/crl?ca=a"], "url:http://h/crl?ca=…");
        assert_eq!(ids["http://h/crl?ca=b"], "url:http://h/crl?ca=… #2");
        assert_eq!(ids["http://h/other.crl"], "url:http://h/other.crl");
        assert_eq!(ids.len(), 3);
    }
}
