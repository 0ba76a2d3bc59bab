//! Admission before allocation (issue 18, finding 7): the real service on loopback with small
//! limits. Connections past `limits.max_connections` are not served until one closes; requests
//! with a body wait for one of `limits.max_concurrent_bodies` places before their body is read,
//! and past `limits.body_wait_ms` are answered 503 `busy` with Retry-After — not buffered, not
//! left hanging. Requests without a body (probes, metrics) never wait for a body place.

mod serve_support;

use std::time::{Duration, Instant};

use qoltanba::serve::RunningServer;
use serve_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(server: &RunningServer) -> String {
    server.addr().to_string()
}

/// A counter or gauge of `/metrics` (a fresh connection: the caller must leave a place free).
async fn metric(server: &RunningServer, name: &str) -> i64 {
    let prefix = format!("{name} ");
    get(server, "/metrics")
        .await
        .text
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} is not in /metrics"))
        .parse()
        .expect("a metric value")
}

/// Sends `GET /healthz` on `socket` (keep-alive) and reads the answer, within `within`. None
/// when no answer came in time.
async fn health_on(socket: &mut TcpStream, within: Duration) -> Option<String> {
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send");
    read_answer(socket, within).await
}

/// Reads one whole (small) answer: its headers and a body of the declared length.
async fn read_answer(socket: &mut TcpStream, within: Duration) -> Option<String> {
    let reading = async {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|n| n.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if got.len() >= end + 4 + length {
                    return text;
                }
            }
            let n = socket.read(&mut buf).await.expect("read");
            if n == 0 {
                return String::from_utf8_lossy(&got).into_owned();
            }
            got.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(within, reading).await.ok()
}

/// Connections past the limit are accepted by the kernel (the handshake completes in the listen
/// backlog) but not served until a served one closes; then the waiting one is served at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_wait_until_one_closes() {
    let mut config = demo_config();
    config.limits.max_connections = 4;
    // Long enough that no idle connection is closed by the header deadline during the test.
    config.limits.request_timeout_ms = 30_000;
    let server = start(config).await;

    let mut served = Vec::new();
    for i in 0..4 {
        let mut socket = TcpStream::connect(addr(&server)).await.expect("connect");
        let answer = health_on(&mut socket, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("connection {i} within the limit is served"));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        served.push(socket);
    }

    // The fifth: connected (kernel backlog), but nothing reads its request.
    let mut waiting = TcpStream::connect(addr(&server)).await.expect("connect");
    assert_eq!(
        health_on(&mut waiting, Duration::from_millis(1500)).await,
        None,
        "a connection past max_connections must not be served while the others stay open"
    );
    // Nor is a sixth (a new connection, as a metrics scrape would be).
    let mut sixth = TcpStream::connect(addr(&server)).await.expect("connect");
    assert_eq!(
        health_on(&mut sixth, Duration::from_millis(300)).await,
        None
    );

    // One served connection closes: the waiting one gets its place and its answer.
    drop(served.pop());
    let started = Instant::now();
    let answer = read_answer(&mut waiting, Duration::from_secs(5))
        .await
        .expect("the waiting connection is served once a place is free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "promptly");

    // Free everything; the counters tell what happened.
    drop(served);
    drop(waiting);
    let answer = read_answer(&mut sixth, Duration::from_secs(5))
        .await
        .expect("the sixth is served once places are free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(sixth);
    assert!(metric(&server, "qoltanba_connection_limit_reached_total").await >= 1);
    // Closed connections are released as their tasks notice the close: poll briefly.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let open = metric(&server, "qoltanba_connections_open").await;
        if open == 1 {
            break; // the scrape's own connection
        }
        assert!(Instant::now() < deadline, "connections_open stays {open}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let a = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    server.shutdown().await.unwrap();
}

/// A burst of connects past the limit completes its handshakes in the listen backlog (1024, not
/// tokio's default 128, which drops the handshakes past it until the client retransmits a second
/// later), and every one is served as places free up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_past_the_limit_waits_in_the_backlog_and_is_served() {
    const BURST: usize = 400;
    let mut config = demo_config();
    config.limits.max_connections = 2;
    let server = start(config).await;
    // Both places held by idle clients while the burst connects.
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut socket = TcpStream::connect(addr(&server)).await.expect("connect");
        assert!(health_on(&mut socket, Duration::from_secs(5))
            .await
            .is_some());
        holders.push(socket);
    }
    let connects: Vec<_> = (0..BURST)
        .map(|_| {
            let addr = addr(&server);
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(800), TcpStream::connect(addr))
                    .await
                    .ok()
                    .and_then(Result::ok)
            })
        })
        .collect();
    let mut burst = Vec::new();
    for connect in connects {
        burst.push(
            connect.await.unwrap().expect(
                "a connect past the limit completes in the backlog, without a retransmission",
            ),
        );
    }
    // Every one asks (its request waits in its socket), then the holders leave: the burst is
    // served in the order the kernel queued it, each answer closing its connection and freeing
    // the place for the next.
    for socket in burst.iter_mut() {
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("send");
    }
    drop(holders);
    for (i, socket) in burst.iter_mut().enumerate() {
        let answer = read_answer(socket, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("connection {i} of the burst is served"));
        assert!(answer.starts_with("HTTP/1.1 200"), "{i}: {answer}");
    }
    server.shutdown().await.unwrap();
}

/// An idle keep-alive connection does not keep its place for ever: the header deadline
/// (`limits.request_timeout_ms`) closes it, and the connection waiting behind it is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_gives_up_its_place_at_the_header_deadline() {
    let mut config = demo_config();
    config.limits.max_connections = 1;
    config.limits.request_timeout_ms = 600;
    let server = start(config).await;

    let mut idle = TcpStream::connect(addr(&server)).await.expect("connect");
    let answer = health_on(&mut idle, Duration::from_secs(5)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let mut waiting = TcpStream::connect(addr(&server)).await.expect("connect");
    let started = Instant::now();
    let answer = health_on(&mut waiting, Duration::from_secs(5))
        .await
        .expect("served once the idle connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "it waited for the idle one: {:?}",
        started.elapsed()
    );
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), idle.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the idle connection was closed by the server"
    );
    drop(waiting);
    server.shutdown().await.unwrap();
}

/// Sends the headers of a verify request announcing `length` bytes, and `sent` of them.
async fn slow_body(server: &RunningServer, length: usize, sent: usize) -> TcpStream {
    let mut socket = TcpStream::connect(addr(server)).await.expect("connect");
    let head = format!(
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n\
         content-length: {length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("send");
    socket
        .write_all(&vec![b' '; sent])
        .await
        .expect("send part of the body");
    socket
}

/// Slow senders holding every body place make the next body request wait, then answer it 503
/// `busy` with Retry-After and close its connection — unread. Probes and metrics are served
/// meanwhile; once the slow senders go, verification works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_holding_every_place_make_the_next_body_wait_then_busy() {
    let mut config = demo_config();
    config.limits.max_connections = 16;
    config.limits.max_concurrent_bodies = 2;
    config.limits.body_wait_ms = 700;
    config.limits.request_timeout_ms = 20_000;
    let server = start(config).await;

    let mut slow = vec![
        slow_body(&server, 100_000, 10).await,
        slow_body(&server, 100_000, 10).await,
    ];
    // Both hold a place (their bodies are being read): wait until the gauge says so. The scrape
    // itself has no body and needs no place.
    let deadline = Instant::now() + Duration::from_secs(5);
    while metric(&server, "qoltanba_bodies_in_flight").await < 2 {
        assert!(
            Instant::now() < deadline,
            "the slow senders never got places"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(get(&server, "/healthz").await.status, 200);

    let started = Instant::now();
    let busy = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    let waited = started.elapsed();
    assert_eq!(busy.status, 503, "{}", busy.text);
    assert_eq!(busy.json["status"], "unavailable", "{}", busy.text);
    assert_eq!(busy.json["reason"], "busy", "{}", busy.text);
    assert!(!busy.request_id().is_empty());
    assert_eq!(
        busy.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        busy.headers.get("connection").and_then(|v| v.to_str().ok()),
        Some("close"),
        "the unread body must not be taken for a next request"
    );
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(5),
        "a bounded wait of body_wait_ms: {waited:?}"
    );
    assert_eq!(metric(&server, "qoltanba_bodies_refused_total").await, 1);

    // The same on a raw connection: the answer comes although the body was never sent.
    let mut raw = slow_body(&server, 50_000, 0).await;
    let answer = read_answer(&mut raw, Duration::from_secs(5))
        .await
        .expect("answered, not left hanging");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"reason\":\"busy\""), "{answer}");

    // A slow sender goes away: its place is freed, and a waiting request gets it.
    let waiter = tokio::spawn({
        let url = url(&server, "/v1/verify");
        let body = serde_json::json!({
            "signature": b64(&read("samples/individual-attached.cms")),
            "at": T0,
        })
        .to_string();
        async move {
            client()
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(slow.pop());
    assert_eq!(
        waiter.await.unwrap(),
        200,
        "a freed place is given to the waiting body"
    );

    drop(slow);
    let deadline = Instant::now() + Duration::from_secs(5);
    while metric(&server, "qoltanba_bodies_in_flight").await != 0 {
        assert!(Instant::now() < deadline, "places are released");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    assert_eq!(metric(&server, "qoltanba_bodies_refused_total").await, 2);
    server.shutdown().await.unwrap();
}

/// Many bodies at once with two places: every request is answered (verdict or 503 `busy`), and
/// the gauge never passes the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_bodies_never_exceeds_the_places() {
    let mut config = demo_config();
    config.limits.max_concurrent_bodies = 2;
    config.limits.body_wait_ms = 5_000;
    let server = std::sync::Arc::new(start(config).await);

    let watcher = tokio::spawn({
        let server = server.clone();
        async move {
            let mut most = 0;
            for _ in 0..40 {
                most = most.max(metric(&server, "qoltanba_bodies_in_flight").await);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            most
        }
    });
    let calls: Vec<_> = (0..24)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move {
                verify_sample(&server, "individual-attached.cms", Some(T0))
                    .await
                    .verdict()
                    .0
                    .to_owned()
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), "valid");
    }
    assert!(watcher.await.unwrap() <= 2);
    match std::sync::Arc::try_unwrap(server) {
        Ok(server) => server.shutdown().await.unwrap(),
        Err(_) => panic!("the server is still shared"),
    }
}
