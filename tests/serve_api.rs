//! `qoltanba serve` over HTTP: every endpoint, every status and error path. The server runs
//! in-process on the bundled demo configuration (the fixtures' test PKI) on a loopback port.

mod serve_support;

use std::time::Duration;

use serde_json::{json, Value};
use serve_support::*;

/// The CLI's verdict for the same input, for comparison with the HTTP body.
fn cli_verdict(sample: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "verify".to_owned(),
        fixture(&format!("samples/{sample}")).display().to_string(),
        "--trust".into(),
        fixture("pki/trust.pem").display().to_string(),
        "--intermediate".into(),
        fixture("pki/intermediates.pem").display().to_string(),
        "--crl".into(),
        fixture("crl/all-current.pem").display().to_string(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(&args)
        .output()
        .expect("run the CLI");
    serde_json::from_slice(&out.stdout).expect("CLI JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_answers_the_cli_verdict_for_every_status() {
    let server = start(demo_config()).await;
    let cases = [
        ("individual-attached.cms", "valid", None),
        (
            "individual-tampered.cms",
            "invalid",
            Some("signature_invalid"),
        ),
        (
            "individual-badsig.cms",
            "invalid",
            Some("signature_invalid"),
        ),
        ("evil.cms", "invalid", Some("chain_untrusted")),
        ("future.cms", "invalid", Some("cert_not_yet_valid")),
        ("expired.cms", "invalid", Some("cert_expired")),
        ("revoked.cms", "invalid", Some("cert_revoked")),
        ("revoked-ca-ee.cms", "invalid", Some("cert_revoked")),
        ("delta-revoked.cms", "invalid", Some("cert_revoked")),
        ("hold.cms", "valid", None),
        (
            "individual-auth.cms",
            "invalid",
            Some("key_usage_not_signing"),
        ),
        ("ec-attached.cms", "valid", None),
        ("individual-pss.cms", "valid", None),
        (
            "two-signers-one-revoked.cms",
            "invalid",
            Some("cert_revoked"),
        ),
    ];
    for (sample, status, reason) in cases {
        let a = verify_sample(&server, sample, Some(T0)).await;
        assert_eq!(a.status, 200, "{sample}: {}", a.text);
        assert_eq!(a.verdict(), (status, reason), "{sample}: {}", a.text);
        assert_eq!(a.headers["content-type"], "application/json", "{sample}");
        assert_eq!(
            a.json,
            cli_verdict(sample, &["--at", T0]),
            "{sample}: HTTP and CLI differ"
        );
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_time_and_indeterminate_verdicts() {
    let server = start(demo_config()).await;
    let sig = b64(&read("samples/individual-attached.cms"));

    let a = post_json(
        &server,
        "/v1/verify",
        &json!({"signature": sig, "expected_id": "880415300127", "at": T0}),
    )
    .await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    // A valid BIN that is not the signer's.
    let a = post_json(
        &server,
        "/v1/verify",
        &json!({"signature": sig, "expected_id": "050340001235", "at": T0}),
    )
    .await;
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("invalid", Some("identity_mismatch"))),
        "{}",
        a.text
    );
    // Before the revocation, revoked.cms was valid.
    let a = verify_sample(&server, "revoked.cms", Some("2026-02-01T00:00:00Z")).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    // The expired certificate in its lifetime: every CRL at hand was issued after it expired.
    let a = verify_sample(&server, "expired.cms", Some("2025-05-20T00:00:00Z")).await;
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("indeterminate", Some("revocation_unknown"))),
        "{}",
        a.text
    );
    let a = verify_sample(&server, "p384.cms", Some(T0)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["reason"], "unsupported_algorithm", "{}", a.text);
    // Valid base64 that is not a CMS: a verdict, not a usage error.
    let a = post_json(
        &server,
        "/v1/verify",
        &json!({"signature": b64(b"hello, not a signature")}),
    )
    .await;
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("invalid", Some("malformed_signature"))),
        "{}",
        a.text
    );
    // Without "at": now.
    let a = post_json(&server, "/v1/verify", &json!({"signature": sig})).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detached_signatures_need_their_data() {
    let server = start(demo_config()).await;
    let sig = b64(&read("samples/individual-detached.cms"));
    let data = b64(&read("samples/request.json"));
    let a = post_json(
        &server,
        "/v1/verify",
        &json!({"signature": sig, "data": data, "at": T0}),
    )
    .await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    let a = post_json(
        &server,
        "/v1/verify",
        &json!({"signature": sig, "data": b64(b"other content"), "at": T0}),
    )
    .await;
    assert_eq!(
        a.verdict(),
        ("invalid", Some("signature_invalid")),
        "{}",
        a.text
    );
    let a = post_json(&server, "/v1/verify", &json!({"signature": sig, "at": T0})).await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json["status"], "usage_error");
    assert_eq!(a.json["reason"], "missing_content");
    assert!(a.json["message"].as_str().unwrap().contains("detached"));
    let a = post_json(
        &server,
        "/v1/verify",
        &json!({"signature": sig, "data": null, "at": T0}),
    )
    .await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("missing_content"))
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_signature_bodies_with_query_parameters() {
    let server = start(demo_config()).await;
    let c = client();
    let der = read("samples/individual-attached.cms");
    for (ctype, body) in [
        ("application/pkcs7-signature", der.clone()),
        ("application/pkcs7-mime", der.clone()),
        (
            "application/octet-stream",
            read("samples/individual-attached.b64"),
        ),
        (
            "application/octet-stream",
            read("samples/individual-attached.pem"),
        ),
    ] {
        let a = answer(
            c.post(url(
                &server,
                "/v1/verify?expected_id=880415300127&at=2026-06-01T12:00:00Z",
            ))
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(
            (a.status, a.verdict()),
            (200, ("valid", None)),
            "{ctype}: {}",
            a.text
        );
        assert_eq!(a.json["at"], T0);
    }
    // No content type: sniffed (not JSON, so raw).
    let a = answer(
        c.post(url(&server, "/v1/verify?at=2026-06-01T12:00:00Z"))
            .body(read("samples/revoked.cms"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.verdict(), ("invalid", Some("cert_revoked")), "{}", a.text);
    let raw = |q: &'static str| {
        let c = c.clone();
        let der = der.clone();
        let u = url(&server, &format!("/v1/verify?{q}"));
        async move {
            answer(
                c.post(u)
                    .header("content-type", "application/pkcs7-signature")
                    .body(der)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let a = raw("expected_id=880415300128").await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("invalid_id")),
        "{}",
        a.text
    );
    let a = raw("at=yesterday").await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("bad_time")),
        "{}",
        a.text
    );
    let a = raw("expect=1").await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("bad_request")),
        "{}",
        a.text
    );
    let a = raw("expected_id=050340001235&at=2026-06-01T12:00:00Z").await;
    assert_eq!(
        a.verdict(),
        ("invalid", Some("identity_mismatch")),
        "{}",
        a.text
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_usage_error_is_a_400_with_its_reason() {
    let server = start(demo_config()).await;
    let sig = b64(&read("samples/individual-attached.cms"));
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"signature": "not base64 !!"}),
            "bad_request",
            "base64",
        ),
        (json!({"signature": ""}), "bad_request", "empty"),
        (
            json!({"signature": sig, "data": "%%%"}),
            "bad_request",
            "data",
        ),
        (
            json!({"signature": sig, "expected_id": "880415300128"}),
            "invalid_id",
            "control digit",
        ),
        (
            json!({"signature": sig, "expected_id": "12345"}),
            "invalid_id",
            "expected id",
        ),
        (
            json!({"signature": sig, "at": "2026-13-01"}),
            "bad_time",
            "RFC 3339",
        ),
        (
            json!({"data": sig}),
            "bad_request",
            "missing field `signature`",
        ),
        (
            json!({"signature": sig, "expectedId": "880415300127"}),
            "bad_request",
            "unknown field",
        ),
        (json!({"signature": 42}), "bad_request", "invalid type"),
        (json!([sig]), "bad_request", "JSON"),
    ];
    for (body, reason, words) in cases {
        let a = post_json(&server, "/v1/verify", &body).await;
        assert_eq!(a.status, 400, "{body}: {}", a.text);
        assert_eq!(a.json["status"], "usage_error", "{body}");
        assert_eq!(a.json["reason"], reason, "{body}: {}", a.text);
        let message = a.json["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
        assert_eq!(a.json["request_id"], a.request_id(), "{body}");
    }
    let c = client();
    // Not JSON at all.
    let a = answer(
        c.post(url(&server, "/v1/verify"))
            .header("content-type", "application/json")
            .body("{\"signature\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("bad_request")),
        "{}",
        a.text
    );
    // Query parameters beside a JSON body are refused rather than silently ignored.
    let a = answer(
        c.post(url(&server, "/v1/verify?expected_id=880415300127"))
            .header("content-type", "application/json")
            .body(json!({"signature": sig}).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("bad_request")),
        "{}",
        a.text
    );
    // A content type this endpoint does not take.
    let a = answer(
        c.post(url(&server, "/v1/verify"))
            .header("content-type", "text/html")
            .body("<p>")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            a.status,
            a.json["status"].as_str(),
            a.json["reason"].as_str()
        ),
        (415, Some("usage_error"), Some("unsupported_media_type")),
        "{}",
        a.text
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413() {
    let mut config = demo_config();
    config.limits.max_body_bytes = 4096;
    let server = start(config).await;
    let c = client();
    let small = read("samples/individual-attached.cms");
    let a = answer(
        c.post(url(&server, "/v1/verify?at=2026-06-01T12:00:00Z"))
            .header("content-type", "application/pkcs7-signature")
            .body(small)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("valid", None)),
        "{}",
        a.text
    );
    // Declared length over the limit.
    let big = json!({"signature": "A".repeat(5000)}).to_string();
    let a = answer(
        c.post(url(&server, "/v1/verify"))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.text);
    assert_eq!(
        (a.json["status"].as_str(), a.json["reason"].as_str()),
        (Some("usage_error"), Some("too_large"))
    );
    assert!(!a.request_id().is_empty());
    // Chunked, no declared length: counted while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(1000)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    let a = answer(
        c.post(url(&server, "/v1/verify"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (413, Some("too_large")),
        "{}",
        a.text
    );
    // The refused body was not read: the server closes that connection and says so, so a
    // client never sends its next request on it.
    assert_eq!(
        a.headers.get("connection").and_then(|v| v.to_str().ok()),
        Some("close")
    );
    let a = answer(
        c.post(url(&server, "/v1/certificates/info"))
            .header("content-type", "application/octet-stream")
            .body(vec![0x30; 5000])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (413, Some("too_large")),
        "{}",
        a.text
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_verify_and_info() {
    let server = start(demo_config()).await;
    let pem = |name: &str| String::from_utf8(read(&format!("pki/{name}.pem"))).unwrap();
    let der = |name: &str| b64(&read(&format!("pki/{name}.der")));

    let a = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({"certificate": pem("individual-sign"), "at": T0, "expected_id": "880415300127"}),
    )
    .await;
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("valid", None)),
        "{}",
        a.text
    );
    let a = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({"certificate": der("revoked-sign"), "at": T0}),
    )
    .await;
    assert_eq!(a.verdict(), ("invalid", Some("cert_revoked")), "{}", a.text);
    let a = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({"certificate": der("individual-auth"), "at": T0}),
    )
    .await;
    assert_eq!(
        a.verdict(),
        ("invalid", Some("key_usage_not_signing")),
        "{}",
        a.text
    );
    let a = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({"certificate": der("individual-auth"), "at": T0, "any_key_usage": true}),
    )
    .await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    let a = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({"certificate": der("evil-sign"), "at": T0}),
    )
    .await;
    assert_eq!(
        a.verdict(),
        ("invalid", Some("chain_untrusted")),
        "{}",
        a.text
    );
    let a = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({"certificate": der("individual-sign"), "at": T0, "expected_id": "050340001235"}),
    )
    .await;
    assert_eq!(
        a.verdict(),
        ("invalid", Some("identity_mismatch")),
        "{}",
        a.text
    );
    // Raw DER with query parameters.
    let c = client();
    let a = answer(
        c.post(url(
            &server,
            "/v1/certificates/verify?at=2026-06-01T12:00:00Z&any_key_usage=true",
        ))
        .header("content-type", "application/pkix-cert")
        .body(read("pki/employee-auth.der"))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    // Usage errors.
    for (body, reason) in [
        (
            json!({"certificate": b64(b"not a certificate")}),
            "bad_request",
        ),
        (json!({"certificate": "@@@"}), "bad_request"),
        (
            json!({"certificate": String::from_utf8(read("pki/intermediates.pem")).unwrap()}),
            "bad_request",
        ),
        (
            json!({"certificate": der("individual-sign"), "expected_id": "1"}),
            "invalid_id",
        ),
        (
            json!({"certificate": der("individual-sign"), "at": "noon"}),
            "bad_time",
        ),
        (json!({}), "bad_request"),
    ] {
        let a = post_json(&server, "/v1/certificates/verify", &body).await;
        assert_eq!(
            (a.status, a.json["reason"].as_str()),
            (400, Some(reason)),
            "{body}: {}",
            a.text
        );
    }

    let a = post_json(
        &server,
        "/v1/certificates/info",
        &json!({"certificate": pem("head-sign")}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let info = &a.json;
    assert_eq!(info["iin"], "900102400138");
    assert_eq!(info["bin"], "050340001235");
    assert_eq!(info["role"], "first_head");
    assert_eq!(
        info["key_usage"],
        json!(["digitalSignature", "nonRepudiation"])
    );
    assert_eq!(
        info["crl_distribution_points"],
        json!(["http://crl.test.qoltanba.kz/nca-rsa.crl"])
    );
    assert_eq!(info["not_after"], "2028-01-01T00:00:00Z");
    assert_eq!(info["is_ca"], false);
    assert!(info["issuer"].as_str().unwrap().contains("(RSA)"));
    // Info never judges: a revoked, an expired and an untrusted certificate are read the same way.
    for name in ["revoked-sign", "expired-sign", "evil-sign"] {
        let a = answer(
            c.post(url(&server, "/v1/certificates/info"))
                .header("content-type", "application/pkix-cert")
                .body(read(&format!("pki/{name}.der")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, 200, "{name}: {}", a.text);
        assert!(a.json.get("status").is_none(), "{name}");
    }
    let a = post_json(
        &server,
        "/v1/certificates/info",
        &json!({"certificate": der("head-sign"), "at": T0}),
    )
    .await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (400, Some("bad_request")),
        "{}",
        a.text
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_routes_and_methods() {
    let server = start(demo_config()).await;
    let c = client();
    let a = answer(
        c.get(url(&server, "/healthz"))
            .header("x-request-id", "portal-42.abc")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((a.status, a.request_id()), (200, "portal-42.abc"));
    assert_eq!(a.json, json!({"status": "ok"}));
    let a = get(&server, "/healthz").await;
    let generated = a.request_id().to_owned();
    assert_eq!(generated.len(), 32, "{generated}");
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(get(&server, "/healthz").await.request_id(), generated);
    // An id that is not 1-128 visible ASCII characters is replaced.
    let a = answer(
        c.get(url(&server, "/healthz"))
            .header("x-request-id", "x".repeat(200))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.request_id().len(), 32);
    let a = answer(
        c.get(url(&server, "/healthz"))
            .header("x-request-id", "two words")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.request_id().len(), 32);

    let a = answer(
        c.get(url(&server, "/v2/nothing"))
            .header("x-request-id", "r-404")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.json,
        json!({"status": "not_found", "reason": "not_found", "message": "no such route", "request_id": "r-404"})
    );
    let a = get(&server, "/v1/verify").await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (405, Some("method_not_allowed")),
        "{}",
        a.text
    );
    assert!(!a.request_id().is_empty());
    // Error answers carry the id too, in the body and the header.
    let a = answer(
        c.post(url(&server, "/v1/verify"))
            .header("x-request-id", "r-400")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.request_id(), a.json["request_id"].as_str()),
        (400, "r-400", Some("r-400"))
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_500_and_the_server_lives_on() {
    let server = start(demo_config()).await;
    let c = client();
    for route in ["/v1/debug/panic", "/v1/debug/panic-blocking"] {
        let a = answer(
            c.get(url(&server, route))
                .header("x-request-id", "boom-1")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, 500, "{route}: {}", a.text);
        assert_eq!(a.request_id(), "boom-1");
        assert_eq!(a.json["status"], "internal_error");
        assert_eq!(a.json["reason"], "internal_error");
        assert_eq!(a.json["request_id"], "boom-1");
        assert!(
            !a.text.contains("deliberate"),
            "the panic message must not leak: {}",
            a.text
        );
        let a = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
        assert_eq!(a.verdict(), ("valid", None), "after {route}");
    }
    let metrics = get(&server, "/metrics").await.text;
    assert!(
        metrics.contains("code=\"500\",outcome=\"internal_error\",reason=\"internal_error\"} 1"),
        "{metrics}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_verifications_time_out_with_503_and_the_limit_holds() {
    let mut config = demo_config();
    config.limits.request_timeout_ms = 300;
    config.limits.max_concurrent_verifications = 1;
    let server = start(config).await;
    let started = std::time::Instant::now();
    let a = get(&server, "/v1/debug/sleep?ms=1500").await;
    assert_eq!(a.status, 503, "{}", a.text);
    assert_eq!(
        (a.json["status"].as_str(), a.json["reason"].as_str()),
        (Some("unavailable"), Some("timeout"))
    );
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "answered at the timeout, not after the work"
    );
    // The one slot is still taken by the sleeping job: a verification waits for it and times out.
    let a = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    assert_eq!(
        (a.status, a.json["reason"].as_str()),
        (503, Some("timeout")),
        "{}",
        a.text
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let a = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    server.shutdown().await.unwrap();
}

/// A client trickling its request holds a connection for the request timeout at most: stalled
/// headers close the connection, a stalled body is answered 408; other clients are served all along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_headers_and_bodies_are_cut_off_at_the_request_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = demo_config();
    config.limits.request_timeout_ms = 400;
    let server = start(config).await;
    let addr = url(&server, "").trim_start_matches("http://").to_owned();

    // Headers never finished: hyper closes the connection once the timeout passes.
    let mut slow_headers = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow_headers
        .write_all(b"POST /v1/verify HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A body announced but never sent.
    let mut slow_body = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow_body
        .write_all(
            b"POST /v1/verify HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{\"signature\":",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();

    // Meanwhile the service answers others.
    let a = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);

    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow_body.read_to_end(&mut answer))
        .await
        .expect("the stalled body is answered within the timeout");
    read.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"reason\":\"body_timeout\""), "{answer}");
    assert!(answer.contains("x-request-id"), "{answer}");

    // End of stream or a reset: either way the server let go of it.
    let mut rest = Vec::new();
    let _end = tokio::time::timeout(Duration::from_secs(5), slow_headers.read_to_end(&mut rest))
        .await
        .expect("the connection with stalled headers is closed");
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "{rest:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "cut at the timeout, not before: {:?}",
        started.elapsed()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_and_openapi() {
    let server = start(demo_config()).await;
    let a = get(&server, "/readyz").await;
    assert_eq!(
        (a.status, a.json["status"].as_str()),
        (200, Some("ready")),
        "{}",
        a.text
    );
    assert_eq!(a.json["missing"], json!([]));
    assert_eq!(
        a.json["issuers"].as_array().unwrap().len(),
        7,
        "the RSA/EC root and its three intermediates, the GOST root and its two CAs"
    );

    let _ = verify_sample(&server, "individual-attached.cms", Some(T0)).await;
    let _ = verify_sample(&server, "revoked.cms", Some(T0)).await;
    let _ = post_json(&server, "/v1/verify", &json!({"signature": "!"})).await;
    let a = get(&server, "/metrics").await;
    assert_eq!(a.status, 200);
    assert!(a.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let m = a.text;
    let rsa = issuer_label("pki/nca-rsa.pem");
    let root = issuer_label("pki/root.pem");
    for needle in [
        "qoltanba_http_requests_total{route=\"/v1/verify\",code=\"200\",outcome=\"valid\",reason=\"\"} 1",
        "qoltanba_http_requests_total{route=\"/v1/verify\",code=\"200\",outcome=\"invalid\",reason=\"cert_revoked\"} 1",
        "qoltanba_http_requests_total{route=\"/v1/verify\",code=\"400\",outcome=\"usage_error\",reason=\"bad_request\"} 1",
        "qoltanba_http_request_duration_seconds_count{route=\"/v1/verify\"} 3",
        "qoltanba_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"+Inf\"} 3",
        "# TYPE qoltanba_http_request_duration_seconds histogram",
        &format!("qoltanba_crl_entries{{issuer=\"{rsa}\",kind=\"full\"}} 2"),
        &format!("qoltanba_crl_entries{{issuer=\"{rsa}\",kind=\"delta\"}} 2"),
        &format!("qoltanba_crl_current{{issuer=\"{root}\"}} 1"),
        &format!("qoltanba_crl_issuer_info{{issuer=\"{rsa}\",name=\"CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) ТЕСТ, C=KZ\"}} 1"),
        "qoltanba_crl_age_seconds{issuer=",
        "qoltanba_crl_next_update_seconds{issuer=",
        "# TYPE qoltanba_crl_refresh_failures_total counter",
        "qoltanba_crl_refreshes_total 1",
        "qoltanba_verifications_in_flight 0",
    ] {
        assert!(m.contains(needle), "missing {needle:?} in\n{m}");
    }

    let a = get(&server, "/openapi.json").await;
    assert_eq!(a.status, 200);
    let doc = &a.json;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/verify",
        "/v1/certificates/verify",
        "/v1/certificates/info",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/v1/sign",
        "/v1/documents",
        "/v1/documents/{id}",
        "/v1/documents/{id}/signature",
        "/v1/documents/{id}/reverify",
        "/v1/services",
        "/v1/applications",
        "/v1/applications/{number}",
        "/v1/applications/{number}/payment",
        "/v1/applications/{number}/decision",
        "/v1/cabinet/{id}",
        "/v1/cabinet/{id}/documents/{document}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not described");
    }
    let verdict = &doc["components"]["schemas"]["Verdict"];
    for field in [
        "status",
        "reason",
        "message",
        "at",
        "signer",
        "signing_time",
        "checks",
        "evidence",
        "signers",
    ] {
        assert!(verdict["properties"][field].is_object(), "Verdict.{field}");
    }
    let reasons = &doc["components"]["schemas"]["Reason"]["enum"];
    assert_eq!(reasons.as_array().unwrap().len(), 10);
    // The document describes what the server really answers: every field of a real verdict is in
    // the schema.
    let v = verify_sample(&server, "individual-attached.cms", Some(T0))
        .await
        .json;
    for key in v.as_object().unwrap().keys() {
        assert!(
            verdict["properties"][key].is_object(),
            "verdict field {key} not in the schema"
        );
    }
    server.shutdown().await.unwrap();
}

/// The real binary: `qoltanba serve` with no configuration starts on the demo PKI and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_demo_and_warns() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .arg("serve")
        .env("QOLTANBA_LISTEN", "127.0.0.1:0")
        .env("QOLTANBA_LOG__LEVEL", "warn")
        .env(
            "QOLTANBA_ARCHIVE__URL",
            serve_support::archive_support::sqlite_url(),
        )
        .env_remove("QOLTANBA_CONFIG")
        .env_remove("QOLTANBA_TRUST__ANCHORS")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn qoltanba serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            seen.push_str(&line);
            seen.push('\n');
            if let Some(addr) = line.strip_prefix("qoltanba serve: listening on http://") {
                let _ = tx.send((addr.to_owned(), seen.clone()));
            }
        }
    });
    let (addr, banner) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    assert!(
        banner.contains("DEMO") && banner.contains("PRODUCTION"),
        "{banner}"
    );
    let c = client();
    let body = json!({"signature": b64(&read("samples/individual-attached.cms")), "at": T0});
    let a = answer(
        c.post(format!("http://{addr}/v1/verify"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("valid", None)),
        "{}",
        a.text
    );
}

#[test]
fn a_bad_configuration_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:0\"\n[crl]\nrefresh_seconds = \"often\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refresh_seconds"), "{stderr}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["serve"])
        .env("QOLTANBA_TRUST__ANCHORS", dir.path().join("missing.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.pem"));
}

/// `[trust] policies` and `require_explicit_policy`: the deployment's RFC 5280 §6.1.1 inputs apply
/// to every verification of the service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_requires_its_certificate_policies() {
    // The real NCA test CA and its CRLs: its certificates carry the policy 1.2.398.3.3.2.
    let nca = |policies: &[&str]| {
        let mut c = demo_config();
        c.trust.anchors = vec![fixture("nca/CA_Test/NCA/nca_gost2022_test.cer")];
        c.crl.paths = vec![fixture("nca/CRL/")];
        c.trust.policies = policies.iter().map(|p| (*p).to_owned()).collect();
        c.trust.require_explicit_policy = true;
        c
    };
    let body = json!({
        "signature": b64(&read("nca/samples/FL-valid-attached.cms")),
        "at": "2025-10-20T00:00:00Z",
    });
    let nca_policy = start(nca(&["1.2.398.3.3.2"])).await;
    let answer = post_json(&nca_policy, "/v1/verify", &body).await;
    assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);
    assert_eq!(
        answer.json["evidence"]["policies"],
        json!(["1.2.398.3.3.2"])
    );

    let other_policy = start(nca(&["1.2.398.3.3.9"])).await;
    let answer = post_json(&other_policy, "/v1/verify", &body).await;
    assert_eq!(
        answer.verdict(),
        ("invalid", Some("chain_untrusted")),
        "{}",
        answer.text
    );

    // The RSA demo PKI carries no policies: requiring an explicit one refuses its paths, which
    // the same deployment without the requirement accepts.
    let mut strict = demo_config();
    strict.trust.require_explicit_policy = true;
    let strict = start(strict).await;
    let answer = verify_sample(&strict, "individual-attached.cms", None).await;
    assert_eq!(
        answer.verdict(),
        ("invalid", Some("chain_untrusted")),
        "{}",
        answer.text
    );
    let open = start(demo_config()).await;
    let answer = verify_sample(&open, "individual-attached.cms", None).await;
    assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);
}
