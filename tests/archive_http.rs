//! The archive through `qoltanba serve`, on both back ends: verified requests stored on request
//! (201), officer results stored automatically (with a time-stamp from a loopback TSA when one is
//! configured), the auditor's routes and their token rules, re-verification over HTTP, and a
//! database that fails under the service (503, nothing acknowledged).

mod serve_support;
mod tsa_support;

use base64::Engine;
use serde_json::{json, Value};

use qoltanba::config::ServeConfig;
use qoltanba::serve::RunningServer;
use qoltanba::sign::config::OfficerConfig;

use serve_support::archive_support;
use serve_support::{answer, client, fixture, read, token, url, Answer};

const PORTAL: &str = "portal-token-archive-1";
const AUDITOR: &str = "auditor-token-archive-2";
const OFFICER: &str = "officer-token-archive-3";
const INDIVIDUAL_IIN: &str = "880415300127";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn config(archive_url: String) -> ServeConfig {
    let mut c = serve_support::config(&["crl/all-current.pem"], &[]);
    c.archive.url = archive_url;
    c.officers = vec![OfficerConfig {
        id: "head".into(),
        keystore: fixture("officers/head-sign.p12"),
        certificate: None,
        alias: None,
        password_env: None,
        password_file: Some(fixture("officers/password.txt")),
        provider_name: "ТОО \"ДАЛА МҰРА\"".into(),
        provider_bin: "050340001235".into(),
        allowed_roles: vec!["first_head".into()],
        password: None,
    }];
    c.auth.tokens = vec![
        token("portal", "portal", PORTAL),
        token("auditor", "auditor", AUDITOR),
        token("head", "officer:head", OFFICER),
    ];
    c
}

async fn call(
    server: &RunningServer,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request = client().request(method, url(server, path));
    if let Some(t) = bearer {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    answer(request.send().await.expect("request")).await
}

async fn get_as(server: &RunningServer, path: &str, bearer: Option<&str>) -> Answer {
    call(server, reqwest::Method::GET, path, bearer, None).await
}

async fn store(server: &RunningServer, sample: &str, extra: Value) -> Answer {
    let mut body = json!({ "signature": b64(&read(sample)), "store": true });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    call(
        server,
        reqwest::Method::POST,
        "/v1/verify",
        Some(PORTAL),
        Some(body),
    )
    .await
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::archive_support::sqlite_url()).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(super::archive_support::postgres_url().await).await;
                }
            }
        )*
    };
}

on_both_backends!(
    verify_stores_on_request_and_auditors_read_it,
    auditor_routes_refuse_other_callers,
    officer_results_are_archived_with_a_timestamp,
    a_failing_tsa_still_archives_the_result,
    store_verified_stores_every_request,
    storing_is_a_portals_right_and_keeps_the_verdict_at_receipt,
    a_failing_database_acknowledges_nothing,
);

async fn verify_stores_on_request_and_auditors_read_it(archive_url: String) {
    let server = serve_support::start(config(archive_url)).await;
    // Not asked: 200, nothing stored.
    let plain = call(
        &server,
        reqwest::Method::POST,
        "/v1/verify",
        None,
        Some(json!({ "signature": b64(&read("samples/individual-attached.cms")) })),
    )
    .await;
    assert_eq!(plain.status, 200);
    assert!(plain.json.get("archived").is_none());

    let stored = store(
        &server,
        "samples/individual-attached.cms",
        json!({"expected_id": INDIVIDUAL_IIN}),
    )
    .await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    assert_eq!(stored.verdict(), ("valid", None));
    assert_eq!(stored.json["archived"]["id"], 1);
    assert_eq!(
        stored.headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/v1/documents/1")
    );
    // A raw body with ?store=true; an invalid verdict is stored too.
    let raw = answer(
        client()
            .post(url(&server, "/v1/verify?store=true"))
            .bearer_auth(PORTAL)
            .header("content-type", "application/pkcs7-signature")
            .body(read("samples/individual-tampered.cms"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(raw.status, 201, "{}", raw.text);
    assert_eq!(raw.verdict(), ("invalid", Some("signature_invalid")));
    assert_eq!(raw.json["archived"]["id"], 2);
    let metrics = get_as(&server, "/metrics", None).await;
    assert!(
        metrics
            .text
            .contains("qoltanba_archive_stores_total{kind=\"request\",outcome=\"stored\"} 2"),
        "{}",
        metrics.text
    );

    let doc = get_as(&server, "/v1/documents/1", Some(AUDITOR)).await;
    assert_eq!(doc.status, 200, "{}", doc.text);
    assert_eq!(doc.json["kind"], "request");
    assert_eq!(doc.json["signer_iin"], INDIVIDUAL_IIN);
    assert_eq!(doc.json["expected_id"], INDIVIDUAL_IIN);
    assert_eq!(doc.json["verdict"]["status"], "valid");
    assert_eq!(
        doc.json["signature"],
        b64(&read("samples/individual-attached.cms"))
    );
    assert_eq!(
        doc.json["record_hash"],
        stored.json["archived"]["record_hash"]
    );
    assert!(doc.json["evidence"].as_array().unwrap().len() >= 4);

    let raw_signature = client()
        .get(url(&server, "/v1/documents/1/signature"))
        .bearer_auth(AUDITOR)
        .send()
        .await
        .unwrap();
    assert_eq!(raw_signature.status(), 200);
    assert_eq!(
        raw_signature.headers()["content-type"],
        "application/pkcs7-signature"
    );
    assert_eq!(
        raw_signature.bytes().await.unwrap().to_vec(),
        read("samples/individual-attached.cms")
    );

    let list = get_as(
        &server,
        &format!("/v1/documents?signer={INDIVIDUAL_IIN}"),
        Some(AUDITOR),
    )
    .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let ids: Vec<i64> = list.json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
    let window = get_as(
        &server,
        "/v1/documents?from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z",
        Some(AUDITOR),
    )
    .await;
    assert_eq!(window.json["documents"].as_array().unwrap().len(), 0);
    let paged = get_as(&server, "/v1/documents?limit=1", Some(AUDITOR)).await;
    assert_eq!(paged.json["next_after"], 1);

    let again = call(
        &server,
        reqwest::Method::POST,
        "/v1/documents/1/reverify",
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json["document_id"], 1);
    assert_eq!(again.json["as_of_signing"]["basis"], "received");
    assert_eq!(again.json["as_of_signing"]["verdict"]["status"], "valid");
    assert_eq!(again.json["as_of_now"]["basis"], "now");
    assert_eq!(again.json["as_of_now"]["verdict"]["status"], "valid");

    // Errors: each with its code.
    for (path, status, reason) in [
        ("/v1/documents/99", 404, "no_such_document"),
        ("/v1/documents/abc", 400, "bad_request"),
        ("/v1/documents?signer=880415300128", 400, "invalid_id"),
        ("/v1/documents?from=yesterday", 400, "bad_time"),
        ("/v1/documents?limit=0", 400, "bad_request"),
        ("/v1/documents?colour=red", 400, "bad_request"),
    ] {
        let a = get_as(&server, path, Some(AUDITOR)).await;
        assert_eq!(
            (a.status, a.json["reason"].as_str()),
            (status, Some(reason)),
            "{path}: {}",
            a.text
        );
    }
    let missing = call(
        &server,
        reqwest::Method::POST,
        "/v1/documents/99/reverify",
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    server.shutdown().await.unwrap();
}

async fn auditor_routes_refuse_other_callers(archive_url: String) {
    let server = serve_support::start(config(archive_url)).await;
    assert_eq!(
        store(&server, "samples/individual-attached.cms", json!({}))
            .await
            .status,
        201
    );
    for path in [
        "/v1/documents/1",
        "/v1/documents",
        "/v1/documents/1/signature",
    ] {
        let none = get_as(&server, path, None).await;
        assert_eq!(
            (none.status, none.json["reason"].as_str()),
            (401, Some("missing_token")),
            "{path}"
        );
        let wrong = get_as(&server, path, Some("not-a-token")).await;
        assert_eq!(
            (wrong.status, wrong.json["reason"].as_str()),
            (401, Some("invalid_token")),
            "{path}"
        );
        for other in [PORTAL, OFFICER] {
            let a = get_as(&server, path, Some(other)).await;
            assert_eq!(
                (a.status, a.json["reason"].as_str()),
                (403, Some("forbidden")),
                "{path}"
            );
        }
    }
    let a = call(
        &server,
        reqwest::Method::POST,
        "/v1/documents/1/reverify",
        Some(PORTAL),
        None,
    )
    .await;
    assert_eq!(a.status, 403);
    server.shutdown().await.unwrap();
}

async fn sign_as_head(server: &RunningServer) -> Answer {
    call(
        server,
        reqwest::Method::POST,
        "/v1/sign",
        Some(OFFICER),
        Some(json!({ "document": b64("Рұқсат № 17".as_bytes()), "content_type": "text/plain" })),
    )
    .await
}

async fn officer_results_are_archived_with_a_timestamp(archive_url: String) {
    let (tsa_url, tsa) = tsa_support::spawn_openssl_tsa().await;
    let mut c = config(archive_url);
    c.timestamp.url = tsa_url;
    let server = serve_support::start(c).await;
    let signed = sign_as_head(&server).await;
    assert_eq!(signed.status, 200, "{}", signed.text);
    assert_eq!(signed.json["timestamp"]["status"], "attached");
    assert_eq!(tsa.requests().len(), 1);
    let metrics = get_as(&server, "/metrics", None).await;
    for line in [
        "qoltanba_tsa_requests_total{outcome=\"ok\"} 1",
        "qoltanba_archive_stores_total{kind=\"result\",outcome=\"stored\"} 1",
    ] {
        assert!(metrics.text.contains(line), "{line} in {}", metrics.text);
    }
    let id = signed.json["archived"]["id"].as_i64().expect("archived");
    let doc = get_as(&server, &format!("/v1/documents/{id}"), Some(AUDITOR)).await;
    assert_eq!(doc.json["kind"], "result");
    assert_eq!(doc.json["signer_bin"], "050340001235");
    assert_eq!(doc.json["verdict"]["status"], "valid", "{}", doc.text);
    assert_eq!(doc.json["signature"], signed.json["signature"]);
    let again = call(
        &server,
        reqwest::Method::POST,
        &format!("/v1/documents/{id}/reverify"),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(
        again.json["as_of_signing"]["basis"], "timestamp",
        "{}",
        again.text
    );
    assert_eq!(again.json["as_of_signing"]["timestamp"]["verified"], true);
    assert_eq!(again.json["as_of_signing"]["verdict"]["status"], "valid");
    assert_eq!(again.json["as_of_now"]["verdict"]["status"], "valid");
    // The stamped result still verifies as an ordinary signature.
    let verified = call(
        &server,
        reqwest::Method::POST,
        "/v1/verify",
        None,
        Some(json!({ "signature": signed.json["signature"] })),
    )
    .await;
    assert_eq!(verified.verdict(), ("valid", None));
    server.shutdown().await.unwrap();
}

async fn a_failing_tsa_still_archives_the_result(archive_url: String) {
    let (tsa_url, _tsa) = tsa_support::spawn_tsa(tsa_support::TsaBehaviour::NotFound).await;
    let mut c = config(archive_url);
    c.timestamp.url = tsa_url;
    let server = serve_support::start(c).await;
    let signed = sign_as_head(&server).await;
    assert_eq!(signed.status, 200, "{}", signed.text);
    assert_eq!(signed.json["timestamp"]["status"], "failed");
    let id = signed.json["archived"]["id"].as_i64().expect("archived");
    let again = call(
        &server,
        reqwest::Method::POST,
        &format!("/v1/documents/{id}/reverify"),
        Some(AUDITOR),
        None,
    )
    .await;
    assert_eq!(again.json["as_of_signing"]["basis"], "received");
    assert_eq!(again.json["as_of_signing"]["verdict"]["status"], "valid");
    server.shutdown().await.unwrap();
}

async fn store_verified_stores_every_request(archive_url: String) {
    let mut c = config(archive_url);
    c.archive.store_verified = true;
    let server = serve_support::start(c).await;
    let body = json!({ "signature": b64(&read("samples/revoked.cms")) });
    let a = call(
        &server,
        reqwest::Method::POST,
        "/v1/verify",
        Some(PORTAL),
        Some(body.clone()),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(a.verdict(), ("invalid", Some("cert_revoked")));
    let doc = get_as(&server, "/v1/documents/1", Some(AUDITOR)).await;
    assert_eq!(doc.json["reason"], "cert_revoked");
    // An anonymous verification is answered but never stored, even here.
    let anonymous = call(
        &server,
        reqwest::Method::POST,
        "/v1/verify",
        None,
        Some(body),
    )
    .await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    assert!(
        anonymous.json.get("archived").is_none(),
        "{}",
        anonymous.text
    );
    let missing = get_as(&server, "/v1/documents/2", Some(AUDITOR)).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    server.shutdown().await.unwrap();
}

/// The permanent archive takes what a portal stores, judged at receipt, within its own size limit;
/// nobody else writes to it, and what is not a signature is never kept.
async fn storing_is_a_portals_right_and_keeps_the_verdict_at_receipt(archive_url: String) {
    let mut c = config(archive_url);
    c.archive.max_document_bytes = 8 * 1024;
    let server = serve_support::start(c).await;
    let post = |bearer: Option<&'static str>, body: Value| {
        call(
            &server,
            reqwest::Method::POST,
            "/v1/verify",
            bearer,
            Some(body),
        )
    };
    let body = |sample: &str| json!({ "signature": b64(&read(sample)), "store": true });

    // No token, a wrong one, an auditor's or an officer's: refused, nothing stored.
    let refused = post(None, body("samples/individual-attached.cms")).await;
    assert_eq!(
        (refused.status, refused.json["reason"].as_str()),
        (401, Some("missing_token"))
    );
    let refused = post(Some("not-a-token"), body("samples/individual-attached.cms")).await;
    assert_eq!(
        (refused.status, refused.json["reason"].as_str()),
        (401, Some("invalid_token"))
    );
    for token in [AUDITOR, OFFICER] {
        let refused = post(Some(token), body("samples/individual-attached.cms")).await;
        assert_eq!(
            (refused.status, refused.json["reason"].as_str()),
            (403, Some("forbidden"))
        );
    }

    // A caller's `at` before the revocation is answered (valid then) but the document is stored
    // with its status at receipt: revoked.
    let mut asked = body("samples/revoked.cms");
    asked["at"] = json!("2026-02-01T00:00:00Z");
    let stored = post(Some(PORTAL), asked).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    assert_eq!(stored.verdict(), ("valid", None), "{}", stored.text);
    assert_eq!(
        stored.json["archived"]["status"], "invalid",
        "{}",
        stored.text
    );
    let id = stored.json["archived"]["id"].as_i64().unwrap();
    let doc = get_as(&server, &format!("/v1/documents/{id}"), Some(AUDITOR)).await;
    assert_eq!(doc.json["status"], "invalid", "{}", doc.text);
    assert_eq!(doc.json["reason"], "cert_revoked", "{}", doc.text);

    // Random bytes: answered malformed, never stored.
    let garbage = post(
        Some(PORTAL),
        json!({ "signature": b64(&[0x30, 0x03, 0x02, 0x01, 0x07]), "store": true }),
    )
    .await;
    assert_eq!(garbage.status, 200, "{}", garbage.text);
    assert_eq!(garbage.verdict().1, Some("malformed_signature"));
    assert!(garbage.json["archived"].is_null(), "{}", garbage.text);
    // Over archive.max_document_bytes (but within the verification limit): 413, nothing stored.
    let big = post(
        Some(PORTAL),
        json!({
            "signature": b64(&read("samples/individual-detached.cms")),
            "data": b64(&vec![b'a'; 16 * 1024]),
            "store": true,
        }),
    )
    .await;
    assert_eq!(big.status, 413, "{}", big.text);
    assert_eq!(big.json["reason"], "too_large_to_store");
    let next = get_as(&server, &format!("/v1/documents/{}", id + 1), Some(AUDITOR)).await;
    assert_eq!(
        next.status, 404,
        "only the portal's document was stored: {}",
        next.text
    );
    server.shutdown().await.unwrap();
}

/// The documents table disappears under the service: store calls answer 503 and nothing claims to
/// be stored; plain verification goes on.
async fn a_failing_database_acknowledges_nothing(archive_url: String) {
    let server = serve_support::start(config(archive_url.clone())).await;
    assert_eq!(
        store(&server, "samples/individual-attached.cms", json!({}))
            .await
            .status,
        201
    );
    let archive = qoltanba::archive::Archive::open(&archive_url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE documents RENAME TO documents_elsewhere")
        .execute(archive.pool())
        .await
        .unwrap();
    let failed = store(&server, "samples/individual-attached.cms", json!({})).await;
    assert_eq!(failed.status, 503, "{}", failed.text);
    assert_eq!(failed.json["reason"], "archive_unavailable");
    assert!(failed.json.get("archived").is_none());
    assert!(
        !failed.text.contains("documents"),
        "no database internals: {}",
        failed.text
    );
    let signed = sign_as_head(&server).await;
    assert_eq!(
        signed.status, 503,
        "an unarchived result is not handed out: {}",
        signed.text
    );
    let plain = call(
        &server,
        reqwest::Method::POST,
        "/v1/verify",
        None,
        Some(json!({ "signature": b64(&read("samples/individual-attached.cms")) })),
    )
    .await;
    assert_eq!(plain.status, 200);
    server.shutdown().await.unwrap();
}
