//! Prometheus text exposition of the service's counters: requests by route, HTTP code, outcome
//! (verdict status or error kind) and reason; request latency; verifications in flight; the CRL
//! held for each configured CA (age, time to nextUpdate, entries); CRL refresh failures; OCSP
//! exchanges by responder host and result, their failures by reason, responder latency and the
//! answer cache ([`OcspMetrics`]).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::crl_store::{IssuerStatus, StoreStats};

/// Upper bounds (seconds) of the latency histogram buckets.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// What a response was, for the request counter: set by handlers as a response extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `valid`, `invalid`, `indeterminate`, `usage_error`, `not_found`, `internal_error`, `ok`…
    pub outcome: &'static str,
    /// The verdict or error reason code, empty when there is none.
    pub reason: &'static str,
}

/// HTTP code, outcome and reason of a response: the labels counted under a route.
type ResultKey = (u16, &'static str, &'static str);

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default, Clone)]
struct RouteCounters {
    requests: BTreeMap<ResultKey, u64>,
    latency: Histogram,
}

/// Keyed by route first, so that counting a request on a known route allocates nothing.
#[derive(Default)]
struct Counters {
    routes: BTreeMap<String, RouteCounters>,
}

pub struct Metrics {
    counters: Mutex<Counters>,
    in_flight: AtomicI64,
    /// Connections accepted and not yet closed.
    connections_open: AtomicI64,
    /// Times the accept loop stopped at `limits.max_connections`.
    connection_limit_reached: AtomicU64,
    /// Requests holding a body place (their body being read or processed).
    bodies_in_flight: AtomicI64,
    /// Requests answered 503 `busy`: no body place within `limits.body_wait_ms`.
    bodies_refused: AtomicU64,
    /// Seconds after `started` (plus one; 0: never) of the last warning about refused bodies.
    bodies_refused_warned: AtomicU64,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            counters: Mutex::default(),
            in_flight: AtomicI64::new(0),
            connections_open: AtomicI64::new(0),
            connection_limit_reached: AtomicU64::new(0),
            bodies_in_flight: AtomicI64::new(0),
            bodies_refused: AtomicU64::new(0),
            bodies_refused_warned: AtomicU64::new(0),
            started: Instant::now(),
        }
    }
}

/// Counts one verification in flight while it lives.
pub struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts one open connection while it lives; owned, since it travels with the connection's task.
pub struct OpenConnection(std::sync::Arc<Metrics>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn observe(&self, route: &str, code: u16, outcome: &Outcome, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let Ok(mut c) = self.counters.lock() else {
            return;
        };
        let counters = match c.routes.get_mut(route) {
            Some(counters) => counters,
            None => c.routes.entry(route.to_owned()).or_default(),
        };
        *counters
            .requests
            .entry((code, outcome.outcome, outcome.reason))
            .or_default() += 1;
        let h = &mut counters.latency;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            h.counts[i] += 1;
        }
        h.sum += seconds;
        h.count += 1;
    }

    pub fn connection_opened(self: &std::sync::Arc<Self>) -> OpenConnection {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(self.clone())
    }

    pub fn connection_limit_reached(&self) {
        self.connection_limit_reached
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn body_started(&self) -> InFlight<'_> {
        self.bodies_in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.bodies_in_flight)
    }

    /// Counts a 503 `busy`. True at most once a minute: when the refusal should be logged (a
    /// flood of refusals must not become a flood of log lines).
    pub fn body_refused(&self) -> bool {
        self.bodies_refused.fetch_add(1, Ordering::Relaxed);
        let now = self.started.elapsed().as_secs() + 1;
        let last = self.bodies_refused_warned.load(Ordering::Relaxed);
        (last == 0 || now >= last + 60)
            && self
                .bodies_refused_warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    pub fn verification_started(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// The whole exposition, given the CRL store's state.
    pub fn render(
        &self,
        issuers: &[IssuerStatus],
        store: &StoreStats,
        now: OffsetDateTime,
    ) -> String {
        let routes = match self.counters.lock() {
            Ok(c) => c.routes.clone(),
            Err(_) => Default::default(),
        };
        let mut out = String::with_capacity(4096);
        header(&mut out, "qoltanba_http_requests_total", "counter", "HTTP requests by route, status code, outcome (verdict status or error kind) and reason.");
        for (route, counters) in &routes {
            let route = escape(route);
            for ((code, outcome, reason), n) in &counters.requests {
                let _ = writeln!(
                    out,
                    "qoltanba_http_requests_total{{route=\"{route}\",code=\"{code}\",outcome=\"{outcome}\",reason=\"{reason}\"}} {n}"
                );
            }
        }
        header(
            &mut out,
            "qoltanba_http_request_duration_seconds",
            "histogram",
            "Time from request to response, by route.",
        );
        for (route, RouteCounters { latency: h, .. }) in &routes {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "qoltanba_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "qoltanba_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "qoltanba_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "qoltanba_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        header(
            &mut out,
            "qoltanba_verifications_in_flight",
            "gauge",
            "Verifications running now.",
        );
        let _ = writeln!(
            out,
            "qoltanba_verifications_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "qoltanba_connections_open",
            "gauge",
            "HTTP connections accepted and not yet closed (at most limits.max_connections).",
        );
        let _ = writeln!(
            out,
            "qoltanba_connections_open {}",
            self.connections_open.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "qoltanba_connection_limit_reached_total",
            "counter",
            "Times accepting stopped at limits.max_connections (further connections wait in the listen backlog).",
        );
        let _ = writeln!(
            out,
            "qoltanba_connection_limit_reached_total {}",
            self.connection_limit_reached.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "qoltanba_bodies_in_flight",
            "gauge",
            "Requests holding a body place: body being read or processed (at most limits.max_concurrent_bodies).",
        );
        let _ = writeln!(
            out,
            "qoltanba_bodies_in_flight {}",
            self.bodies_in_flight.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "qoltanba_bodies_refused_total",
            "counter",
            "Requests answered 503 busy: no body place within limits.body_wait_ms.",
        );
        let _ = writeln!(
            out,
            "qoltanba_bodies_refused_total {}",
            self.bodies_refused.load(Ordering::Relaxed)
        );

        header(
            &mut out,
            "qoltanba_crl_issuer_info",
            "gauge",
            "Always 1: the configured CA (subject name) behind each issuer label, the first 8 bytes of the SHA-256 of its key.",
        );
        for s in issuers {
            let _ = writeln!(
                out,
                "qoltanba_crl_issuer_info{{issuer=\"{}\",name=\"{}\"}} 1",
                s.key_id,
                escape(&s.issuer)
            );
        }
        header(&mut out, "qoltanba_crl_current", "gauge", "1 when a complete CRL whose nextUpdate is in the future, and no lapsed delta CRL above it, is held for the configured CA.");
        for s in issuers {
            let _ = writeln!(
                out,
                "qoltanba_crl_current{{issuer=\"{}\"}} {}",
                s.key_id,
                u8::from(s.current)
            );
        }
        header(
            &mut out,
            "qoltanba_crl_age_seconds",
            "gauge",
            "Seconds since thisUpdate of the newest complete CRL held per issuer.",
        );
        for s in issuers {
            if let Some(t) = s.this_update {
                let _ = writeln!(
                    out,
                    "qoltanba_crl_age_seconds{{issuer=\"{}\"}} {}",
                    s.key_id,
                    (now - t).whole_seconds()
                );
            }
        }
        header(
            &mut out,
            "qoltanba_crl_next_update_seconds",
            "gauge",
            "Seconds until nextUpdate of the newest complete CRL held per issuer (negative: past).",
        );
        for s in issuers {
            if let Some(t) = s.next_update {
                let _ = writeln!(
                    out,
                    "qoltanba_crl_next_update_seconds{{issuer=\"{}\"}} {}",
                    s.key_id,
                    (t - now).whole_seconds()
                );
            }
        }
        header(
            &mut out,
            "qoltanba_crl_delta_next_update_seconds",
            "gauge",
            "Seconds until nextUpdate of the newest delta CRL above the complete one, per issuer (negative: lapsed).",
        );
        for s in issuers {
            if let Some(t) = s.delta_next_update {
                let _ = writeln!(
                    out,
                    "qoltanba_crl_delta_next_update_seconds{{issuer=\"{}\"}} {}",
                    s.key_id,
                    (t - now).whole_seconds()
                );
            }
        }
        header(
            &mut out,
            "qoltanba_crl_entries",
            "gauge",
            "Entries of the newest CRL held per issuer and kind (full or delta).",
        );
        for s in issuers {
            if s.this_update.is_some() {
                let _ = writeln!(
                    out,
                    "qoltanba_crl_entries{{issuer=\"{}\",kind=\"full\"}} {}",
                    s.key_id, s.entries
                );
            }
            if let Some(n) = s.delta_entries {
                let _ = writeln!(
                    out,
                    "qoltanba_crl_entries{{issuer=\"{}\",kind=\"delta\"}} {n}",
                    s.key_id
                );
            }
        }
        header(
            &mut out,
            "qoltanba_crl_refresh_failures_total",
            "counter",
            "CRL source answers refused (the last good CRL was kept), by source and reason.",
        );
        for ((source, reason), n) in &store.failures {
            let _ = writeln!(
                out,
                "qoltanba_crl_refresh_failures_total{{source=\"{}\",reason=\"{reason}\"}} {n}",
                escape(&short_source(source))
            );
        }
        header(
            &mut out,
            "qoltanba_crl_refreshes_total",
            "counter",
            "CRL refreshes run (including the start-up load).",
        );
        let _ = writeln!(out, "qoltanba_crl_refreshes_total {}", store.refreshes);
        header(
            &mut out,
            "qoltanba_crl_accepted_total",
            "counter",
            "CRLs taken from sources.",
        );
        let _ = writeln!(out, "qoltanba_crl_accepted_total {}", store.accepted);
        if let Some(t) = store.last_refresh {
            header(
                &mut out,
                "qoltanba_crl_last_refresh_timestamp_seconds",
                "gauge",
                "When the last CRL refresh ended (Unix time).",
            );
            let _ = writeln!(
                out,
                "qoltanba_crl_last_refresh_timestamp_seconds {}",
                t.unix_timestamp()
            );
        }
        header(
            &mut out,
            "qoltanba_uptime_seconds",
            "gauge",
            "Seconds since the service started.",
        );
        let _ = writeln!(
            out,
            "qoltanba_uptime_seconds {}",
            self.started.elapsed().as_secs()
        );
        out
    }
}

/// OCSP counters: exchanges by responder (its host only, never a path or query) and result
/// (`ok`, `failed`), failures by reason ([`crate::ocsp::FetchError::code`]), responder latency.
#[derive(Default)]
pub struct OcspMetrics {
    counters: Mutex<OcspCounters>,
}

#[derive(Default, Clone)]
struct OcspCounters {
    requests: BTreeMap<(String, &'static str), u64>,
    failures: BTreeMap<(String, &'static str), u64>,
    latency: BTreeMap<String, Histogram>,
}

impl OcspMetrics {
    /// One exchange with `responder` (a host label) that took `elapsed`; `Err(reason)` when it
    /// gave no usable answer.
    pub fn observe(&self, responder: &str, result: Result<(), &'static str>, elapsed: Duration) {
        let Ok(mut c) = self.counters.lock() else {
            return;
        };
        let outcome = if result.is_ok() { "ok" } else { "failed" };
        *c.requests
            .entry((responder.to_owned(), outcome))
            .or_default() += 1;
        if let Err(reason) = result {
            *c.failures
                .entry((responder.to_owned(), reason))
                .or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        let h = c.latency.entry(responder.to_owned()).or_default();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            h.counts[i] += 1;
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The OCSP part of the exposition, with the answer cache's counters.
    pub fn render(&self, cache: &crate::ocsp::CacheStats) -> String {
        let c = match self.counters.lock() {
            Ok(c) => c.clone(),
            Err(_) => Default::default(),
        };
        let mut out = String::with_capacity(1024);
        header(
            &mut out,
            "qoltanba_ocsp_requests_total",
            "counter",
            "OCSP exchanges by responder host and result (ok: a successful OCSP response arrived).",
        );
        for ((responder, result), n) in &c.requests {
            let _ = writeln!(
                out,
                "qoltanba_ocsp_requests_total{{responder=\"{}\",result=\"{result}\"}} {n}",
                escape(responder)
            );
        }
        header(
            &mut out,
            "qoltanba_ocsp_failures_total",
            "counter",
            "OCSP exchanges that gave no usable answer, by responder host and reason.",
        );
        for ((responder, reason), n) in &c.failures {
            let _ = writeln!(
                out,
                "qoltanba_ocsp_failures_total{{responder=\"{}\",reason=\"{reason}\"}} {n}",
                escape(responder)
            );
        }
        header(
            &mut out,
            "qoltanba_ocsp_responder_duration_seconds",
            "histogram",
            "Time of one OCSP exchange, by responder host.",
        );
        for (responder, h) in &c.latency {
            let responder = escape(responder);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "qoltanba_ocsp_responder_duration_seconds_bucket{{responder=\"{responder}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "qoltanba_ocsp_responder_duration_seconds_bucket{{responder=\"{responder}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "qoltanba_ocsp_responder_duration_seconds_sum{{responder=\"{responder}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "qoltanba_ocsp_responder_duration_seconds_count{{responder=\"{responder}\"}} {}",
                h.count
            );
        }
        header(
            &mut out,
            "qoltanba_ocsp_cache_lookups_total",
            "counter",
            "OCSP answer lookups by how they were served: hit (cache), miss (a new exchange), joined (an exchange already in flight for the same certificate).",
        );
        for (result, n) in [
            ("hit", cache.hits),
            ("miss", cache.misses),
            ("joined", cache.joined),
        ] {
            let _ = writeln!(
                out,
                "qoltanba_ocsp_cache_lookups_total{{result=\"{result}\"}} {n}"
            );
        }
        header(
            &mut out,
            "qoltanba_ocsp_cache_entries",
            "gauge",
            "OCSP answers held in the cache.",
        );
        let _ = writeln!(out, "qoltanba_ocsp_cache_entries {}", cache.entries);
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values: backslash, double quote and line feed escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A CRL source as a metric label: the host and last path segment of a URL (never its
/// credentials, query or fragment, which may hold tokens), the file name of a file.
pub fn short_source(id: &str) -> String {
    let id = ["freshest:", "url:", "file:", "bytes:"]
        .iter()
        .fold(id, |id, prefix| id.strip_prefix(prefix).unwrap_or(id));
    if let Some((_, rest)) = id.split_once("://") {
        let host = crate::ocsp::client::responder_label(id);
        let path = rest.split(['?', '#']).next().unwrap_or("");
        return match path
            .split_once('/')
            .map(|(_, p)| p.rsplit('/').next().unwrap_or(""))
        {
            Some(name) if !name.is_empty() => format!("{host}/{name}"),
            _ => host,
        };
    }
    std::path::Path::new(id)
        .file_name()
        .map_or_else(|| id.to_owned(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short() {
        assert_eq!(
            short_source("url:https://user:pw@crl.pki.gov.kz/crl/nca_gost_2022.crl?token=1"),
            "crl.pki.gov.kz/nca_gost_2022.crl"
        );
        assert_eq!(
            short_source("freshest:http://crl.pki.gov.kz/d.crl"),
            "crl.pki.gov.kz/d.crl"
        );
        assert_eq!(short_source("url:http://crl.pki.gov.kz"), "crl.pki.gov.kz");
        assert_eq!(short_source("file:/etc/qoltanba/crl/nca.crl"), "nca.crl");
        assert_eq!(
            short_source("bytes:demo:all-current.pem"),
            "demo:all-current.pem"
        );
    }

    #[test]
    fn counts_buckets_and_escapes() {
        let m = Metrics::default();
        let valid = Outcome {
            outcome: "valid",
            reason: "",
        };
        m.observe("/v1/verify", 200, &valid, Duration::from_micros(700));
        m.observe("/v1/verify", 200, &valid, Duration::from_millis(30));
        let issuers = vec![IssuerStatus {
            issuer: "CN=\"A\"".into(),
            key_id: "0011223344556677".into(),
            number: Some("1".into()),
            this_update: Some(OffsetDateTime::UNIX_EPOCH),
            next_update: None,
            entries: 7,
            delta_entries: Some(2),
            delta_number: Some("2".into()),
            delta_next_update: Some(OffsetDateTime::UNIX_EPOCH - time::Duration::seconds(5)),
            current: false,
        }];
        let text = m.render(&issuers, &StoreStats::default(), OffsetDateTime::UNIX_EPOCH);
        assert!(text.contains("qoltanba_http_requests_total{route=\"/v1/verify\",code=\"200\",outcome=\"valid\",reason=\"\"} 2"), "{text}");
        assert!(text.contains("le=\"0.001\"} 1"), "{text}");
        assert!(text.contains("le=\"0.05\"} 2"), "{text}");
        assert!(
            text.contains("qoltanba_crl_entries{issuer=\"0011223344556677\",kind=\"full\"} 7"),
            "{text}"
        );
        assert!(text.contains("kind=\"delta\"} 2"), "{text}");
        assert!(
            text.contains("qoltanba_crl_delta_next_update_seconds{issuer=\"0011223344556677\"} -5"),
            "{text}"
        );
        assert!(
            text.contains("qoltanba_crl_current{issuer=\"0011223344556677\"} 0"),
            "{text}"
        );
        assert!(
            text.contains(
                "qoltanba_crl_issuer_info{issuer=\"0011223344556677\",name=\"CN=\\\"A\\\"\"} 1"
            ),
            "{text}"
        );
    }

    #[test]
    fn ocsp_counters_are_labelled_by_host() {
        let m = OcspMetrics::default();
        m.observe("ocsp.example.kz", Ok(()), Duration::from_millis(3));
        m.observe("ocsp.example.kz", Err("timeout"), Duration::from_secs(5));
        let cache = crate::ocsp::CacheStats {
            hits: 4,
            misses: 1,
            joined: 99,
            entries: 1,
        };
        let text = m.render(&cache);
        for line in [
            "qoltanba_ocsp_requests_total{responder=\"ocsp.example.kz\",result=\"ok\"} 1",
            "qoltanba_ocsp_requests_total{responder=\"ocsp.example.kz\",result=\"failed\"} 1",
            "qoltanba_ocsp_failures_total{responder=\"ocsp.example.kz\",reason=\"timeout\"} 1",
            "qoltanba_ocsp_responder_duration_seconds_bucket{responder=\"ocsp.example.kz\",le=\"0.005\"} 1",
            "qoltanba_ocsp_responder_duration_seconds_count{responder=\"ocsp.example.kz\"} 2",
            "qoltanba_ocsp_cache_lookups_total{result=\"joined\"} 99",
            "qoltanba_ocsp_cache_entries 1",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
    }
}
