//! The CRL size limit (`crl.max_bytes`): an HTTP source or a local file over it never replaces the
//! CRL held, is counted as a refresh failure (`too_large`), and an HTTP body is not read past it —
//! neither when its length is declared nor when it streams without one.

mod serve_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qoltanba::serve::RunningServer;
use serve_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Large enough for each of the other CAs' CRL files (630 bytes at most), too small for nca-rsa's
/// full CRL and its delta CRL in one PEM bundle (1685 bytes).
const LIMIT: usize = 1024;

const FETCH_TIMEOUT_MS: u64 = 3_000;

/// nca-rsa's full CRL as PEM, padded with trailing newlines to exactly `len` bytes.
fn nca_rsa_pem_of_length(len: usize) -> Vec<u8> {
    let mut pem = read("crl/nca-rsa.pem");
    assert!(pem.len() <= len, "the fixture outgrew the test's limit");
    pem.resize(len, b'\n');
    pem
}

/// nca-rsa's full CRL and a newer delta CRL: a body the service takes when the limit allows it.
fn full_and_delta_bundle() -> Vec<u8> {
    let mut bundle = read("crl/nca-rsa.pem");
    bundle.extend(read("crl/nca-rsa-delta.pem"));
    assert!(bundle.len() > LIMIT, "the bundle must be over the limit");
    bundle
}

fn limited(mut config: qoltanba::config::ServeConfig) -> qoltanba::config::ServeConfig {
    config.crl.max_bytes = LIMIT as u64;
    config.crl.fetch_timeout_ms = FETCH_TIMEOUT_MS;
    config
}

/// The value of the refresh-failure counter of `source` and `reason`, 0 when absent.
/// The refusal counter of `source` (a source id as the store names it; the metric labels it short).
async fn failures(server: &RunningServer, source: &str, reason: &str) -> u64 {
    let source = qoltanba::http::metrics::short_source(source);
    let prefix =
        format!("qoltanba_crl_refresh_failures_total{{source=\"{source}\",reason=\"{reason}\"}} ");
    get(server, "/metrics")
        .await
        .text
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.parse().expect("a counter value"))
}

/// The held full CRL only: delta-revoked.cms is still valid, revoked.cms revoked.
async fn assert_only_the_full_crl_is_held(server: &RunningServer, when: &str) {
    assert_eq!(held_nca_rsa_numbers(server), ["100"], "{when}");
    let a = verify_sample(server, "delta-revoked.cms", Some(T0)).await;
    assert_eq!(a.verdict(), ("valid", None), "{when}: {}", a.text);
    let a = verify_sample(server, "revoked.cms", Some(T0)).await;
    assert_eq!(
        a.verdict(),
        ("invalid", Some("cert_revoked")),
        "{when}: {}",
        a.text
    );
    assert_eq!(get(server, "/readyz").await.status, 200, "{when}");
}

/// A body of exactly the limit is taken; one byte of CRL more is refused, counted, and the held
/// CRL stays — although the refused body holds a newer CRL the service would otherwise take.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_crl_over_the_limit_keeps_the_held_one() {
    let origin = Origin::start().await;
    origin.set("nca-rsa.crl", Behaviour::body(nca_rsa_pem_of_length(LIMIT)));
    let url = origin.url("nca-rsa.crl");
    let server = start(limited(config(&OTHER_CAS, std::slice::from_ref(&url)))).await;
    assert!(
        server.initial_refresh().failures.is_empty(),
        "a body of exactly the limit is taken: {:?}",
        server.initial_refresh()
    );
    assert_only_the_full_crl_is_held(&server, "at the limit").await;

    let source = format!("url:{url}");
    origin.set("nca-rsa.crl", Behaviour::body(full_and_delta_bundle()));
    for round in 1..=2 {
        let report = server.store().refresh_now().await;
        assert_eq!(report.failure_codes(), ["too_large"], "{report:?}");
        assert!(report.accepted.is_empty() && !report.swapped, "{report:?}");
        assert_only_the_full_crl_is_held(&server, "over the limit").await;
        assert_eq!(failures(&server, &source, "too_large").await, round);
    }
    server.shutdown().await.unwrap();
    origin.stop().await;
}

/// A local CRL file over the limit, re-read on refresh: refused and counted, the held CRL stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_crl_file_over_the_limit_keeps_the_held_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nca-rsa.pem");
    std::fs::write(&file, nca_rsa_pem_of_length(LIMIT)).unwrap();
    let mut settings = limited(config(&OTHER_CAS, &[]));
    settings.crl.paths.push(file.clone());
    let server = start(settings.clone()).await;
    assert!(
        server.initial_refresh().failures.is_empty(),
        "a file of exactly the limit is taken: {:?}",
        server.initial_refresh()
    );
    assert_only_the_full_crl_is_held(&server, "at the limit").await;

    std::fs::write(&file, full_and_delta_bundle()).unwrap();
    let report = server.store().refresh_now().await;
    assert_eq!(report.failure_codes(), ["too_large"], "{report:?}");
    assert!(report.accepted.is_empty() && !report.swapped, "{report:?}");
    assert_only_the_full_crl_is_held(&server, "over the limit").await;
    let source = format!("file:{}", file.display());
    assert_eq!(failures(&server, &source, "too_large").await, 1);

    // Under a limit that leaves room for it, the same file is taken: the refusal was the size.
    settings.crl.max_bytes = full_and_delta_bundle().len() as u64;
    let roomy = start(settings).await;
    assert!(
        roomy.initial_refresh().failures.is_empty(),
        "{:?}",
        roomy.initial_refresh()
    );
    assert_eq!(held_nca_rsa_numbers(&roomy), ["100", "101"]);
    roomy.shutdown().await.unwrap();
    server.shutdown().await.unwrap();
}

/// What the raw origin answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RawAnswer {
    /// nca-rsa's CRL, exactly `LIMIT` bytes, with its length.
    GoodCrl,
    /// A header announcing this many bytes, then nothing: the connection stays open.
    DeclaredOnly(u64),
    /// Chunked (no length): this many bytes, then nothing: the connection stays open.
    ChunkedThenStall(usize),
    /// Chunked (no length): this many bytes as fast as the client takes them, then the end.
    ChunkedFlood(usize),
}

/// One answer given: body bytes the socket accepted before the client closed it or all was sent.
#[derive(Clone, Copy, Debug)]
struct Given {
    answer: RawAnswer,
    body_bytes_written: usize,
}

/// A loopback HTTP/1.1 server written on raw TCP, so the tests choose framing and pace.
struct RawOrigin {
    url: String,
    answer: Arc<Mutex<RawAnswer>>,
    given: Arc<Mutex<Vec<Given>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawOrigin {
    async fn start() -> RawOrigin {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/nca-rsa.crl",
            listener.local_addr().expect("addr")
        );
        let answer = Arc::new(Mutex::new(RawAnswer::GoodCrl));
        let given = Arc::new(Mutex::new(Vec::new()));
        let (a, g) = (answer.clone(), given.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let current = *a.lock().unwrap();
                tokio::spawn(serve_one(socket, current, g.clone()));
            }
        });
        RawOrigin {
            url,
            answer,
            given,
            task,
        }
    }

    fn set(&self, answer: RawAnswer) {
        *self.answer.lock().unwrap() = answer;
    }

    /// The record of the `n`th answer (from 1), once its connection is over.
    async fn given(&self, n: usize) -> Given {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(g) = self.given.lock().unwrap().get(n - 1) {
                return *g;
            }
            assert!(Instant::now() < deadline, "answer {n} never ended");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve_one(
    mut socket: tokio::net::TcpStream,
    answer: RawAnswer,
    given: Arc<Mutex<Vec<Given>>>,
) {
    // The request head; its content does not matter.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let written = match answer {
        RawAnswer::GoodCrl => {
            let body = nca_rsa_pem_of_length(LIMIT);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            body.len()
        }
        RawAnswer::DeclaredOnly(length) => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {length}\r\n\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            wait_for_close(&mut socket).await;
            0
        }
        RawAnswer::ChunkedThenStall(total) => {
            let written = send_chunked(&mut socket, total, false).await;
            wait_for_close(&mut socket).await;
            written
        }
        RawAnswer::ChunkedFlood(total) => send_chunked(&mut socket, total, true).await,
    };
    given.lock().unwrap().push(Given {
        answer,
        body_bytes_written: written,
    });
}

/// Sends a chunked 200 of `total` bytes in 16 KiB chunks; with `finish`, the last chunk too.
/// Returns the body bytes the socket accepted before a write failed.
async fn send_chunked(socket: &mut tokio::net::TcpStream, total: usize, finish: bool) -> usize {
    let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    if socket.write_all(head.as_bytes()).await.is_err() {
        return 0;
    }
    let block = [b'0'; 16 * 1024];
    let mut written = 0;
    while written < total {
        let n = block.len().min(total - written);
        let chunk = [format!("{n:x}\r\n").as_bytes(), &block[..n], b"\r\n"].concat();
        if socket.write_all(&chunk).await.is_err() {
            return written;
        }
        written += n;
    }
    if finish {
        let _ = socket.write_all(b"0\r\n\r\n").await;
    }
    written
}

/// Holds the connection open until the client closes it (or a minute passes).
async fn wait_for_close(socket: &mut tokio::net::TcpStream) {
    let mut buf = [0u8; 256];
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(n) = socket.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// An over-limit body is refused without reading on: a declared length is refused on the header
/// alone, and a body without one is dropped at the first byte past the limit. Were the service to
/// read on, the stalled answers would end in a `timeout`, and the flood would be read whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_body_is_not_read_past_the_limit() {
    let origin = RawOrigin::start().await;
    let server = start(limited(config(
        &OTHER_CAS,
        std::slice::from_ref(&origin.url),
    )))
    .await;
    assert!(
        server.initial_refresh().failures.is_empty(),
        "{:?}",
        server.initial_refresh()
    );
    assert_only_the_full_crl_is_held(&server, "the good CRL").await;

    const FLOOD: usize = 256 << 20;
    let cases = [
        RawAnswer::DeclaredOnly(LIMIT as u64 + 1),
        RawAnswer::DeclaredOnly(u64::MAX / 2),
        RawAnswer::ChunkedThenStall(LIMIT + 1),
        RawAnswer::ChunkedFlood(FLOOD),
    ];
    let source = format!("url:{}", origin.url);
    for (i, answer) in cases.into_iter().enumerate() {
        origin.set(answer);
        let started = Instant::now();
        let report = server.store().refresh_now().await;
        let took = started.elapsed();
        assert_eq!(
            report.failure_codes(),
            ["too_large"],
            "{answer:?}: {report:?}"
        );
        assert!(
            took < Duration::from_millis(FETCH_TIMEOUT_MS),
            "{answer:?}: the refresh waited {took:?} for more of the body"
        );
        assert!(!report.swapped, "{answer:?}");
        assert_only_the_full_crl_is_held(&server, &format!("{answer:?}")).await;
        assert_eq!(
            failures(&server, &source, "too_large").await,
            i as u64 + 1,
            "{answer:?}"
        );
        // Answer 1 was the good CRL at start-up.
        let given = origin.given(i + 2).await;
        assert_eq!(given.answer, answer);
        if let RawAnswer::ChunkedFlood(_) = answer {
            // The client closed the connection: the socket took a few buffers' worth, not all.
            assert!(
                given.body_bytes_written < FLOOD / 4,
                "the service read on: {given:?}"
            );
        }
    }
    server.shutdown().await.unwrap();
    origin.task.abort();
}
