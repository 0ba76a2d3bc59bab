//! `POST /v1/sign` over HTTP: officers sign with their own token only, the signatures verify with
//! the service itself and with `openssl cms -verify`, refusals carry their code, tokens are
//! checked (401/403 with a code, counted in the metrics), verification can require a token, and
//! the service's logs carry no password, key byte or token.

mod archive_support;
mod sign_support;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use qoltanba::config::ServeConfig;
use qoltanba::http::auth::{AuthConfig, TokenConfig};
use qoltanba::http::RouterOptions;
use qoltanba::serve::{self, RunningServer, ServiceSetup};
use qoltanba::sign::config::OfficerConfig;

use sign_support::*;

const HEAD_TOKEN: &str = "officer-head-token-2f9c1e";
const EC_TOKEN: &str = "officer-ec-token-77ab03";
const PORTAL_TOKEN: &str = "portal-token-5d0e44";
const AUDITOR_TOKEN: &str = "auditor-token-c81f2a";
const EXPIRED_TOKEN: &str = "officer-expired-token-0b3d";
const STAFF_TOKEN: &str = "officer-staff-token-9e1a";
const WRONG_BIN_TOKEN: &str = "officer-wrong-bin-token-4c7e";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn officer(id: &str, keystore: &str, bin: &str) -> OfficerConfig {
    OfficerConfig {
        id: id.into(),
        keystore: fixture(keystore),
        certificate: None,
        alias: None,
        password_env: None,
        password_file: Some(fixture("officers/password.txt")),
        provider_name: "ТОО \"ДАЛА МҰРА\"".into(),
        provider_bin: bin.into(),
        allowed_roles: vec!["first_head".into(), "signing_right".into()],
        password: None,
    }
}

fn token(name: &str, role: &str, token: &str) -> TokenConfig {
    TokenConfig {
        name: name.into(),
        role: role.into(),
        sha256: hex::encode(Sha256::digest(token.as_bytes())),
        token: None,
    }
}

fn config(verify_requires_token: bool, crls: bool) -> ServeConfig {
    let mut c = ServeConfig {
        listen: "127.0.0.1:0".into(),
        ..ServeConfig::default()
    };
    c.trust.anchors = vec![fixture("pki/trust.pem")];
    c.trust.intermediates = vec![fixture("pki/intermediates.pem")];
    c.archive.url = archive_support::sqlite_url();
    if crls {
        c.crl.paths = vec![fixture("crl/all-current.pem")];
    }
    c.officers = vec![
        officer("head", "officers/head-sign.p12", DALA_MURA_BIN),
        officer("ec", "officers/ec-head-sign.legacy.p12", ZHOLDARY_BIN),
        officer("expired", "officers/expired-sign.p12", DALA_MURA_BIN),
        officer("staff", "officers/staff-sign.p12", DALA_MURA_BIN),
        officer("wrong-bin", "officers/ec-head-sign.p12", DALA_MURA_BIN),
    ];
    c.auth = AuthConfig {
        verify_requires_token,
        tokens: vec![
            token("head", "officer:head", HEAD_TOKEN),
            token("ec", "officer:ec", EC_TOKEN),
            token("expired", "officer:expired", EXPIRED_TOKEN),
            token("staff", "officer:staff", STAFF_TOKEN),
            token("wrong-bin", "officer:wrong-bin", WRONG_BIN_TOKEN),
            token("portal", "portal", PORTAL_TOKEN),
            token("auditor", "auditor", AUDITOR_TOKEN),
        ],
        ..AuthConfig::default()
    };
    c
}

async fn start(config: ServeConfig) -> RunningServer {
    let setup = ServiceSetup::from_config(config).expect("configuration");
    serve::start(setup, RouterOptions::default())
        .await
        .expect("server starts")
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
    text: String,
}

async fn post(server: &RunningServer, path: &str, bearer: Option<&str>, body: &Value) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("http://{}{path}", server.addr()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = bearer {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Answer {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

async fn metrics(server: &RunningServer) -> String {
    reqwest::get(format!("http://{}/metrics", server.addr()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn document() -> Vec<u8> {
    read("samples/request-legal.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_signs_with_its_token_and_both_verifiers_accept_the_signature() {
    let server = start(config(false, true)).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = document();
    let doc_file = dir.path().join("document.json");
    std::fs::write(&doc_file, &doc).unwrap();
    for (officer, bearer, algorithm) in [
        ("head", HEAD_TOKEN, "rsa-pkcs1-sha256"),
        ("ec", EC_TOKEN, "ecdsa-p256-sha256"),
    ] {
        for detached in [false, true] {
            let a = post(
                &server,
                "/v1/sign",
                Some(bearer),
                &json!({"document": b64(&doc), "content_type": "application/json", "detached": detached}),
            )
            .await;
            assert_eq!(a.status, 200, "{officer}: {}", a.text);
            assert_eq!(a.json["status"], "signed");
            assert_eq!(a.json["detached"], detached);
            assert_eq!(a.json["content_type"], "application/json");
            assert_eq!(a.json["officer"]["id"], officer);
            assert_eq!(a.json["officer"]["signature_algorithm"], algorithm);
            // The verdict of the officer's certificate at signing time.
            assert_eq!(a.json["verdict"]["status"], "valid", "{}", a.text);
            assert_eq!(a.json["verdict"]["at"], a.json["signing_time"]);
            let signature = base64::engine::general_purpose::STANDARD
                .decode(a.json["signature"].as_str().unwrap())
                .unwrap();
            assert_eq!(
                a.json["signature_sha256"],
                hex::encode(Sha256::digest(&signature))
            );

            // The service itself verifies it.
            let mut body = json!({"signature": b64(&signature)});
            if detached {
                body["data"] = json!(b64(&doc));
            }
            let v = post(&server, "/v1/verify", None, &body).await;
            assert_eq!(v.status, 200);
            assert_eq!(v.json["status"], "valid", "{}", v.text);
            assert_eq!(
                v.json["signer"]["serial"],
                a.json["verdict"]["signer"]["serial"]
            );

            // And so does OpenSSL.
            let file = dir.path().join(format!("{officer}-{detached}.cms"));
            std::fs::write(&file, &signature).unwrap();
            let out = openssl_verify(dir.path(), &file, detached.then_some(doc_file.as_path()));
            assert!(out.status.success(), "{officer}: {}", describe(&out));
        }
    }
    // The officer may name itself.
    let a = post(
        &server,
        "/v1/sign",
        Some(HEAD_TOKEN),
        &json!({"document": b64(b"x"), "officer": "head"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["content_type"], "application/octet-stream");
    let m = metrics(&server).await;
    assert!(
        m.contains("qoltanba_http_requests_total{route=\"/v1/sign\",code=\"200\",outcome=\"signed\",reason=\"\"} 5"),
        "{m}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_missing_or_foreign_tokens_are_refused_with_a_code_and_counted() {
    let server = start(config(false, true)).await;
    let body = json!({"document": b64(&document())});

    let a = post(&server, "/v1/sign", None, &body).await;
    assert_eq!(
        (a.status, &a.json["reason"]),
        (401, &json!("missing_token"))
    );
    assert_eq!(a.json["status"], "unauthorized");
    assert_eq!(a.headers["www-authenticate"], "Bearer");
    assert!(a.json["request_id"].is_string());

    let a = post(&server, "/v1/sign", Some("not-a-token"), &body).await;
    assert_eq!(
        (a.status, &a.json["reason"]),
        (401, &json!("invalid_token"))
    );
    assert_eq!(
        a.headers["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );

    let basic = reqwest::Client::new()
        .post(format!("http://{}/v1/sign", server.addr()))
        .header("authorization", "Basic aGVhZDpwYXNz")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);

    for (bearer, who) in [(PORTAL_TOKEN, "portal"), (AUDITOR_TOKEN, "auditor")] {
        let a = post(&server, "/v1/sign", Some(bearer), &body).await;
        assert_eq!(
            (a.status, &a.json["reason"]),
            (403, &json!("forbidden")),
            "{who}"
        );
    }

    // A token of another officer: ec's token cannot sign as head.
    let a = post(
        &server,
        "/v1/sign",
        Some(EC_TOKEN),
        &json!({"document": b64(&document()), "officer": "head"}),
    )
    .await;
    assert_eq!(
        (a.status, &a.json["reason"]),
        (403, &json!("wrong_officer"))
    );
    assert_eq!(a.json["status"], "forbidden");

    let m = metrics(&server).await;
    for (code, outcome, reason, n) in [
        (401, "unauthorized", "missing_token", 1),
        (401, "unauthorized", "invalid_token", 2),
        (403, "forbidden", "forbidden", 2),
        (403, "forbidden", "wrong_officer", 1),
    ] {
        let line = format!(
            "qoltanba_http_requests_total{{route=\"/v1/sign\",code=\"{code}\",outcome=\"{outcome}\",reason=\"{reason}\"}} {n}"
        );
        assert!(m.contains(&line), "{line}\n{m}");
    }
    server.shutdown().await.unwrap();
}

/// Guessing tokens: after `failed_tokens_per_minute` refusals an address gets 429 for every call
/// with a token, the right one included, while other addresses and calls without a token go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_tokens_are_limited_per_client_address() {
    let mut c = config(true, true);
    c.auth.failed_tokens_per_minute = 5;
    c.auth.failed_token_block_seconds = 120;
    let server = start(c).await;
    let body = json!({"signature": b64(&read("samples/individual-attached.cms"))});
    for guess in 0..6 {
        let a = post(
            &server,
            "/v1/verify",
            Some(&format!("guess-{guess}")),
            &body,
        )
        .await;
        assert_eq!(a.status, 401, "guess {guess}: {}", a.text);
        assert_eq!(a.json["reason"], "invalid_token");
    }
    // Blocked: even the right token gets 429 now, before it is looked at.
    for token in [PORTAL_TOKEN, "guess-7"] {
        let a = post(&server, "/v1/verify", Some(token), &body).await;
        assert_eq!(a.status, 429, "{}", a.text);
        assert_eq!(a.json["reason"], "too_many_failures");
        let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=120).contains(&retry), "{retry}");
    }
    // Calls without a token are not counted or blocked.
    let health = reqwest::get(format!("http://{}/healthz", server.addr()))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // Another client address (the loopback network is 127/8) is not affected.
    let other = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap()
        .post(format!("http://{}/v1/verify", server.addr()))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {PORTAL_TOKEN}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    let m = metrics(&server).await;
    assert!(m.contains("qoltanba_auth_failures_total 6"), "{m}");
    assert!(m.contains("qoltanba_auth_throttled_total 2"), "{m}");
    assert!(
        m.contains("reason=\"too_many_failures\""),
        "429s are counted with the requests: {m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_may_require_a_portal_or_auditor_token() {
    let signature = read("samples/individual-attached.cms");
    let body = json!({"signature": b64(&signature), "at": "2026-06-01T12:00:00Z"});

    let open = start(config(false, true)).await;
    let a = post(&open, "/v1/verify", None, &body).await;
    assert_eq!((a.status, &a.json["status"]), (200, &json!("valid")));
    open.shutdown().await.unwrap();

    let closed = start(config(true, true)).await;
    let a = post(&closed, "/v1/verify", None, &body).await;
    assert_eq!(
        (a.status, &a.json["reason"]),
        (401, &json!("missing_token"))
    );
    let a = post(&closed, "/v1/verify", Some("nope"), &body).await;
    assert_eq!(
        (a.status, &a.json["reason"]),
        (401, &json!("invalid_token"))
    );
    for bearer in [PORTAL_TOKEN, AUDITOR_TOKEN] {
        let a = post(&closed, "/v1/verify", Some(bearer), &body).await;
        assert_eq!((a.status, &a.json["status"]), (200, &json!("valid")));
    }
    let a = post(&closed, "/v1/verify", Some(HEAD_TOKEN), &body).await;
    assert_eq!((a.status, &a.json["reason"]), (403, &json!("forbidden")));
    let cert = json!({"certificate": b64(&read("pki/head-sign.der"))});
    let a = post(&closed, "/v1/certificates/info", None, &cert).await;
    assert_eq!(a.status, 401);
    let a = post(
        &closed,
        "/v1/certificates/verify",
        Some(PORTAL_TOKEN),
        &cert,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    // Health and metrics stay open.
    let h = reqwest::get(format!("http://{}/healthz", closed.addr()))
        .await
        .unwrap();
    assert_eq!(h.status().as_u16(), 200);
    let m = metrics(&closed).await;
    assert!(m.contains("route=\"/v1/verify\",code=\"401\",outcome=\"unauthorized\",reason=\"missing_token\"} 1"), "{m}");
    // Signing still needs the officer's own token.
    let a = post(
        &closed,
        "/v1/sign",
        Some(PORTAL_TOKEN),
        &json!({"document": "eA=="}),
    )
    .await;
    assert_eq!(a.status, 403);
    let a = post(
        &closed,
        "/v1/sign",
        Some(HEAD_TOKEN),
        &json!({"document": "eA=="}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    closed.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_who_may_not_sign_are_refused_with_their_code() {
    let server = start(config(false, true)).await;
    let body = json!({"document": b64(&document())});
    for (bearer, reason) in [
        (EXPIRED_TOKEN, "cert_expired"),
        (STAFF_TOKEN, "role_not_allowed"),
        (WRONG_BIN_TOKEN, "provider_mismatch"),
    ] {
        let a = post(&server, "/v1/sign", Some(bearer), &body).await;
        assert_eq!(a.status, 409, "{reason}: {}", a.text);
        assert_eq!(a.json["status"], "refused");
        assert_eq!(a.json["reason"], reason);
        assert!(a.json["verdict"]["checks"].is_array());
        assert!(a.json.get("signature").is_none());
    }
    let m = metrics(&server).await;
    assert!(
        m.contains(
            "route=\"/v1/sign\",code=\"409\",outcome=\"refused\",reason=\"cert_expired\"} 1"
        ),
        "{m}"
    );
    server.shutdown().await.unwrap();

    // No CRL at all: nothing proves the head's certificate is not revoked.
    let server = start(config(false, false)).await;
    let a = post(&server, "/v1/sign", Some(HEAD_TOKEN), &body).await;
    assert_eq!(
        (a.status, &a.json["reason"]),
        (409, &json!("revocation_unknown"))
    );
    assert_eq!(a.json["verdict"]["status"], "indeterminate");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_requests_are_usage_errors() {
    let server = start(config(false, true)).await;
    for (body, what) in [
        (json!({"document": "***"}), "not valid base64"),
        (json!({"document": ""}), "is empty"),
        (
            json!({"document": "eA==", "content_type": "pdf"}),
            "not a media type",
        ),
        (json!({"document": "eA==", "extra": 1}), "unknown field"),
        (json!(["eA=="]), "JSON object"),
    ] {
        let a = post(&server, "/v1/sign", Some(HEAD_TOKEN), &body).await;
        assert_eq!(a.status, 400, "{what}: {}", a.text);
        assert_eq!(a.json["status"], "usage_error");
        assert!(
            a.json["message"].as_str().unwrap().contains(what),
            "{}",
            a.text
        );
    }
    let r = reqwest::Client::new()
        .post(format!("http://{}/v1/sign", server.addr()))
        .header("authorization", format!("Bearer {HEAD_TOKEN}"))
        .header("content-type", "application/pdf")
        .body("%PDF")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // The OpenAPI document describes the call.
    let text = reqwest::get(format!("http://{}/openapi.json", server.addr()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let op = &doc["paths"]["/v1/sign"]["post"];
    for code in ["200", "401", "403", "409"] {
        assert!(op["responses"][code].is_object(), "{code}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["SignRequest"].is_object());
    server.shutdown().await.unwrap();
}

#[test]
fn the_service_does_not_start_with_a_key_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong.txt");
    std::fs::write(&wrong, "wrong password\n").unwrap();
    let mut c = config(false, true);
    c.officers[0].password_file = Some(wrong);
    let e = qoltanba::http::sign::Signing::load(&c.officers, &c.auth, c.trust.id_policy())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("wrong_password"), "{e}");
    assert!(!e.contains("wrong password"), "{e}");
    // A token for an officer that does not exist is a configuration error.
    let mut c = config(false, true);
    c.auth
        .tokens
        .push(token("ghost", "officer:ghost", "ghost-token"));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("no officer \"ghost\""), "{e}");
}

/// The real binary, logging everything (`trace`): no password, key byte or token in any line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_logs_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(false, true);
    let path = dir.path().join("serve.toml");
    std::fs::write(&path, toml::to_string(&c).unwrap()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "trace")
        .env_remove("QOLTANBA_CONFIG")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn qoltanba serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("qoltanba serve: listening on http://") {
                let _ = tx.send(addr.to_owned());
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        let _ = done_tx.send(seen);
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    let client = reqwest::Client::new();
    let call = |bearer: &str, body: Value| {
        client
            .post(format!("http://{addr}/v1/sign"))
            .header("authorization", format!("Bearer {bearer}"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let doc = json!({"document": b64(&document()), "content_type": "application/json"});
    assert_eq!(
        call(HEAD_TOKEN, doc.clone())
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        call(EC_TOKEN, doc.clone()).await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(
        call(EXPIRED_TOKEN, doc.clone())
            .await
            .unwrap()
            .status()
            .as_u16(),
        409
    );
    assert_eq!(
        call("guess", doc.clone()).await.unwrap().status().as_u16(),
        401
    );
    assert_eq!(
        call(PORTAL_TOKEN, doc).await.unwrap().status().as_u16(),
        403
    );
    let _ = child.kill();
    let _ = child.wait();
    let logs = done_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(logs.contains("document signed"), "{logs}");
    assert!(logs.contains("signing refused"), "{logs}");
    assert!(logs.contains("invalid_token"), "{logs}");

    let mut forbidden = vec![
        PASSWORD.to_owned(),
        HEAD_TOKEN.to_owned(),
        EC_TOKEN.to_owned(),
        EXPIRED_TOKEN.to_owned(),
        PORTAL_TOKEN.to_owned(),
    ];
    for key in [
        "pki/keys/head-sign.key.pem",
        "pki/keys/ec-head-sign.key.pem",
    ] {
        forbidden.extend(key_secrets(key));
    }
    for secret in &forbidden {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret appears in the service's logs: {}…",
            &secret[..secret.len().min(12)]
        );
    }
}

/// The private key of a fixture in the forms a leak could take: PEM lines, DER and raw key in hex.
fn key_secrets(rel: &str) -> Vec<String> {
    let pem = String::from_utf8(read(rel)).unwrap();
    let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    let mut out: Vec<String> = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_owned)
        .collect();
    out.push(hex::encode(&der));
    out.push(hex::encode(info.private_key));
    out.push(hex::encode_upper(info.private_key));
    out.push(b64(&der));
    out
}
