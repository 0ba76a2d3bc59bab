//! Helpers of the `serve_*` tests: start the real service in-process on a loopback port, call it
//! over HTTP, and run a CRL origin server whose answers each test controls.
#![allow(dead_code)]

#[path = "../archive_support/mod.rs"]
pub mod archive_support;
pub mod process;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};

use qoltanba::config::ServeConfig;
use qoltanba::http::RouterOptions;
use qoltanba::serve::{self, RunningServer, ServiceSetup};

pub const T0: &str = "2026-06-01T12:00:00Z";

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The metric label of a configured CA (`issuer` in `qoltanba_crl_*`): the first 8 bytes of the
/// SHA-256 of its key, in hex, for the certificate at `rel` (DER or PEM).
pub fn issuer_label(rel: &str) -> String {
    let certs = qoltanba_core::input::certificates_from_bytes(&read(rel), &Default::default())
        .expect("a certificate");
    hex::encode(&certs[0].spki_sha256[..8])
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A bearer token of `role` as the configuration holds it (by its SHA-256).
pub fn token(name: &str, role: &str, secret: &str) -> qoltanba::http::auth::TokenConfig {
    use sha2::Digest;
    qoltanba::http::auth::TokenConfig {
        name: name.into(),
        role: role.into(),
        sha256: hex::encode(sha2::Sha256::digest(secret.as_bytes())),
        token: None,
    }
}

/// The demo configuration (bundled test PKI) on a free loopback port.
pub fn demo_config() -> ServeConfig {
    let mut c = ServeConfig {
        listen: "127.0.0.1:0".into(),
        ..ServeConfig::default()
    };
    c.archive.url = archive_support::sqlite_url();
    c
}

/// The fixtures' trust anchor and intermediates, with the given CRL files and URLs.
pub fn config(crl_files: &[&str], urls: &[String]) -> ServeConfig {
    let mut c = demo_config();
    c.trust.anchors = vec![fixture("pki/trust.pem")];
    c.trust.intermediates = vec![fixture("pki/intermediates.pem")];
    c.crl.paths = crl_files.iter().map(|f| fixture(f)).collect();
    c.crl.urls = urls.to_vec();
    c.crl.fetch_timeout_ms = 2_000;
    c
}

/// The CRL files of every CA but nca-rsa (which the tests serve over HTTP).
pub const OTHER_CAS: [&str; 3] = ["crl/root.crl", "crl/nca-ec.crl", "crl/nca-revoked-ca.crl"];

pub async fn start(config: ServeConfig) -> RunningServer {
    let setup = ServiceSetup::from_config(config).expect("configuration");
    serve::start(setup, RouterOptions { debug_routes: true })
        .await
        .expect("server starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn verdict(&self) -> (&str, Option<&str>) {
        (
            self.json["status"].as_str().unwrap_or("<none>"),
            self.json["reason"].as_str(),
        )
    }

    pub fn request_id(&self) -> &str {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

pub fn url(server: &RunningServer, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

/// `method` on `path` with a bearer token, and a JSON body when given.
pub async fn call_as(
    server: &RunningServer,
    method: reqwest::Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = client()
        .request(method, url(server, path))
        .bearer_auth(bearer);
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    answer(request.send().await.expect("request")).await
}

pub async fn post_json(server: &RunningServer, path: &str, body: &Value) -> Answer {
    answer(
        client()
            .post(url(server, path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request"),
    )
    .await
}

pub async fn get(server: &RunningServer, path: &str) -> Answer {
    answer(
        client()
            .get(url(server, path))
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// POST /v1/verify of a sample at `at`.
pub async fn verify_sample(server: &RunningServer, sample: &str, at: Option<&str>) -> Answer {
    let mut body = json!({"signature": b64(&read(&format!("samples/{sample}")))});
    if let Some(at) = at {
        body["at"] = json!(at);
    }
    post_json(server, "/v1/verify", &body).await
}

pub fn evidence_has_delta(verdict: &Value) -> bool {
    verdict["evidence"]["crls"]
        .as_array()
        .is_some_and(|crls| crls.iter().any(|c| c["delta"] == json!(true)))
}

/// What the CRL origin answers for one path.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// 200 with this body; with an ETag when given (then 304 for a matching If-None-Match).
    Serve {
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    NotFound,
    /// Waits, then serves the body.
    Slow(Duration, Vec<u8>),
}

impl Behaviour {
    pub fn body(body: Vec<u8>) -> Self {
        Behaviour::Serve {
            body,
            etag: None,
            last_modified: None,
        }
    }

    pub fn with_etag(body: Vec<u8>, etag: &str) -> Self {
        Behaviour::Serve {
            body,
            etag: Some(format!("\"{etag}\"")),
            last_modified: None,
        }
    }
}

/// One request the origin received.
#[derive(Clone, Debug)]
pub struct OriginRequest {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
}

#[derive(Default)]
pub struct OriginState {
    pub behaviours: Mutex<HashMap<String, Behaviour>>,
    pub requests: Mutex<Vec<OriginRequest>>,
}

/// A loopback HTTP server that serves CRLs as the test says.
pub struct Origin {
    pub addr: SocketAddr,
    pub state: Arc<OriginState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn origin_handler(
    State(state): State<Arc<OriginState>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let if_none_match = header("if-none-match");
    let if_modified_since = header("if-modified-since");
    state.requests.lock().unwrap().push(OriginRequest {
        path: path.clone(),
        if_none_match: if_none_match.clone(),
        if_modified_since: if_modified_since.clone(),
    });
    let behaviour = state.behaviours.lock().unwrap().get(&path).cloned();
    match behaviour {
        None | Some(Behaviour::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Some(Behaviour::Slow(delay, body)) => {
            tokio::time::sleep(delay).await;
            body.into_response()
        }
        Some(Behaviour::Serve {
            body,
            etag,
            last_modified,
        }) => {
            if etag.is_some() && etag == if_none_match {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            if last_modified.is_some() && last_modified == if_modified_since {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            let mut response = body.into_response();
            if let Some(e) = etag {
                response
                    .headers_mut()
                    .insert("etag", e.parse().expect("etag"));
            }
            if let Some(lm) = last_modified {
                response
                    .headers_mut()
                    .insert("last-modified", lm.parse().expect("date"));
            }
            response
        }
    }
}

impl Origin {
    pub async fn start() -> Origin {
        let state = Arc::new(OriginState::default());
        let app = axum::Router::new()
            .route("/{*path}", axum::routing::get(origin_handler))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind origin");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Origin {
            addr,
            state,
            shutdown: Some(tx),
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    pub fn set(&self, path: &str, behaviour: Behaviour) {
        self.state
            .behaviours
            .lock()
            .unwrap()
            .insert(path.to_owned(), behaviour);
    }

    pub fn requests(&self) -> Vec<OriginRequest> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Stops the origin: later connections are refused.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// A loopback port with nothing listening on it (connections are refused).
pub async fn refused_url(path: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/{path}")
}

/// A raw TCP server that announces `declared` bytes, sends `body`, and closes the connection.
pub async fn truncating_server(
    body: Vec<u8>,
    declared: usize,
) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/pkix-crl\r\ncontent-length: {declared}\r\n\r\n"
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        }
    });
    (format!("http://{addr}/truncated.crl"), task)
}

/// The numbers of the nca-rsa CRLs (complete and delta) the server holds, sorted.
pub fn held_nca_rsa_numbers(server: &RunningServer) -> Vec<String> {
    let mut numbers: Vec<String> = server
        .verifier()
        .crls()
        .iter()
        .filter(|c| c.issuer.to_string().contains("(RSA)"))
        .filter_map(|c| c.number_string())
        .collect();
    numbers.sort();
    numbers
}
