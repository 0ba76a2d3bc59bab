//! HTTP answers `serve_api` leaves out: `POST /v1/certificates/verify` without a current CRL
//! (indeterminate) and over the body limit (413), `any_key_usage` on `POST /v1/verify`, and JSON
//! bodies that are not UTF-8 or not JSON. Every answer carries the request's `x-request-id`.

mod serve_support;

use qoltanba::serve::RunningServer;
use serde_json::{json, Value};
use serve_support::*;

/// POSTs `body` with `content_type` (none when `None`) and the request id `id`, and checks that
/// the answer carries that id in its header.
async fn post(
    server: &RunningServer,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
    id: &str,
) -> Answer {
    let mut request = client().post(url(server, path)).header("x-request-id", id);
    if let Some(ctype) = content_type {
        request = request.header("content-type", ctype);
    }
    let a = answer(request.body(body).send().await.expect("request")).await;
    assert_eq!(a.request_id(), id, "{path} {id}: {}", a.text);
    a
}

/// A usage error as CONTRACT.md §1 shapes it: exactly status, reason, message and request_id,
/// the id being the one of the header.
fn assert_usage_error(a: &Answer, http: u16, reason: &str, words: &str, what: &str) {
    assert_eq!(a.status, http, "{what}: {}", a.text);
    assert_eq!(a.headers["content-type"], "application/json", "{what}");
    let Some(body) = a.json.as_object() else {
        panic!("{what}: not a JSON object: {}", a.text);
    };
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["message", "reason", "request_id", "status"],
        "{what}"
    );
    assert_eq!(a.json["status"], "usage_error", "{what}");
    assert_eq!(a.json["reason"], reason, "{what}: {}", a.text);
    assert_eq!(a.json["request_id"], a.request_id(), "{what}");
    let message = a.json["message"].as_str().unwrap_or_default();
    assert!(message.contains(words), "{what}: {message:?}");
}

fn pem(name: &str) -> String {
    String::from_utf8(read(&format!("pki/{name}.pem"))).expect("PEM text")
}

/// `certificate` judged at `at`, as JSON and as raw DER with query parameters; both forms must
/// give the same verdict, which is returned.
async fn certificate_verdict(server: &RunningServer, name: &str, at: &str, id: &str) -> Value {
    let body = json!({"certificate": pem(name), "at": at}).to_string();
    let a = post(
        server,
        "/v1/certificates/verify",
        Some("application/json"),
        body,
        id,
    )
    .await;
    assert_eq!(a.status, 200, "{name} at {at}: {}", a.text);
    let raw_path = format!("/v1/certificates/verify?at={at}");
    let der = read(&format!("pki/{name}.der"));
    let raw = post(server, &raw_path, Some("application/pkix-cert"), der, id).await;
    assert_eq!(raw.status, 200, "{name} at {at}: {}", raw.text);
    assert_eq!(raw.json, a.json, "{name} at {at}: JSON and raw differ");
    a.json
}

fn status_and_reason(verdict: &Value) -> (&str, Option<&str>) {
    (
        verdict["status"].as_str().unwrap_or("<none>"),
        verdict["reason"].as_str(),
    )
}

/// No CRL of the issuer at all: a good certificate and a revoked one are both indeterminate,
/// never valid; a certificate of a CA whose CRL is held is judged as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_without_their_issuers_crl_are_indeterminate() {
    let server = start(config(&OTHER_CAS, &[])).await;
    for name in ["individual-sign", "revoked-sign"] {
        let v = certificate_verdict(&server, name, T0, &format!("no-crl-{name}")).await;
        assert_eq!(
            status_and_reason(&v),
            ("indeterminate", Some("revocation_unknown")),
            "{name}: {v}"
        );
    }
    let v = certificate_verdict(&server, "ec-individual-sign", T0, "no-crl-ec").await;
    assert_eq!(status_and_reason(&v), ("valid", None), "{v}");
    server.shutdown().await.unwrap();
}

/// Only a CRL whose nextUpdate has passed: indeterminate with the staleness named; at a time when
/// that CRL was current, the same certificate is valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_with_a_stale_crl_are_indeterminate() {
    let mut files = OTHER_CAS.to_vec();
    files.push("crl/nca-rsa-archive-2025.crl");
    let server = start(config(&files, &[])).await;
    for name in ["individual-sign", "revoked-sign"] {
        let v = certificate_verdict(&server, name, T0, &format!("stale-{name}")).await;
        assert_eq!(
            status_and_reason(&v),
            ("indeterminate", Some("revocation_unknown")),
            "{name}: {v}"
        );
        assert!(v.to_string().contains("stale"), "{name}: {v}");
    }
    let v = certificate_verdict(&server, "individual-sign", "2025-06-01T00:00:00Z", "then").await;
    assert_eq!(status_and_reason(&v), ("valid", None), "{v}");
    server.shutdown().await.unwrap();
}

/// `POST /v1/certificates/verify` takes a body of exactly the limit and answers 413 to one byte
/// more, whether the length is declared or the body streams without one, JSON or raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_bodies_over_the_limit_are_413() {
    const LIMIT: usize = 4096;
    let mut config = demo_config();
    config.limits.max_body_bytes = LIMIT as u64;
    let server = start(config).await;
    let path = "/v1/certificates/verify";
    let ctype = Some("application/json");

    // JSON allows trailing whitespace: the same request padded to the limit, then past it.
    let mut body = json!({"certificate": pem("individual-sign"), "at": T0})
        .to_string()
        .into_bytes();
    body.resize(LIMIT, b' ');
    let a = post(&server, path, ctype, body.clone(), "at-limit").await;
    assert_eq!(
        (a.status, a.verdict()),
        (200, ("valid", None)),
        "{}",
        a.text
    );
    body.push(b' ');
    let a = post(&server, path, ctype, body.clone(), "declared").await;
    assert_usage_error(&a, 413, "too_large", "limit of 4096 bytes", "declared");

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    let stream = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let a = post(&server, path, ctype, stream, "chunked").await;
    assert_usage_error(&a, 413, "too_large", "limit of 4096 bytes", "chunked");

    let raw = vec![0x30; LIMIT + 1];
    let a = post(&server, path, Some("application/pkix-cert"), raw, "raw").await;
    assert_usage_error(&a, 413, "too_large", "limit of 4096 bytes", "raw");
    server.shutdown().await.unwrap();
}

/// `any_key_usage` belongs to certificate checks: on `/v1/verify` it is refused, with any value,
/// as a query parameter of a raw body and as a field of a JSON body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_key_usage_is_refused_on_v1_verify() {
    let server = start(demo_config()).await;
    let cms = read("samples/individual-attached.cms");
    let ctype = Some("application/pkcs7-signature");
    let a = post(
        &server,
        "/v1/verify?at=2026-06-01T12:00:00Z",
        ctype,
        cms.clone(),
        "ok",
    )
    .await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);

    for (i, query) in [
        "any_key_usage=true",
        "any_key_usage=false",
        "at=2026-06-01T12:00:00Z&any_key_usage=true",
    ]
    .into_iter()
    .enumerate()
    {
        let path = format!("/v1/verify?{query}");
        let a = post(&server, &path, ctype, cms.clone(), &format!("aku-{i}")).await;
        assert_usage_error(&a, 400, "bad_request", "any_key_usage", query);
    }
    // The auth certificate's signature needs the rule skipped; the refusal stands all the same.
    let auth = read("samples/individual-auth.cms");
    let a = post(
        &server,
        "/v1/verify?any_key_usage=true",
        ctype,
        auth,
        "aku-auth",
    )
    .await;
    assert_usage_error(&a, 400, "bad_request", "any_key_usage", "auth");

    let body = json!({"signature": b64(&cms), "any_key_usage": true}).to_string();
    let a = post(
        &server,
        "/v1/verify",
        Some("application/json"),
        body,
        "aku-json",
    )
    .await;
    assert_usage_error(
        &a,
        400,
        "bad_request",
        "unknown field `any_key_usage`",
        "JSON",
    );
    server.shutdown().await.unwrap();
}

/// (case, content type, body, words of the message) of bodies that are not UTF-8 JSON, for a
/// route whose one required field is `field`: the bad byte sits in that field's value, so the
/// refusal cannot come from a missing or unknown field.
fn bad_json_bodies(
    field: &str,
) -> Vec<(&'static str, Option<&'static str>, Vec<u8>, &'static str)> {
    let json = Some("application/json");
    let latin1 = [format!("{{\"{field}\": \"caf").as_bytes(), b"\xe9\"}"].concat();
    let utf8 = "invalid unicode code point";
    vec![
        ("latin-1 value", json, latin1.clone(), utf8),
        (
            "declared latin-1 charset",
            Some("application/json; charset=iso-8859-1"),
            latin1.clone(),
            utf8,
        ),
        ("sniffed as JSON", None, latin1, utf8),
        (
            "lone byte",
            json,
            b"{\xff}".to_vec(),
            "not the expected JSON",
        ),
        (
            "UTF-16",
            json,
            b"\xff\xfe{\x00}\x00".to_vec(),
            "JSON object",
        ),
        (
            "unquoted names",
            json,
            b"{signature: 1}".to_vec(),
            "key must be a string",
        ),
        (
            "cut short",
            json,
            format!("{{\"{field}\": \"MII").into_bytes(),
            "EOF while parsing",
        ),
        (
            "two objects",
            json,
            format!("{{\"{field}\": \"AAAA\"}} {{}}").into_bytes(),
            "trailing characters",
        ),
        ("plain text", json, b"hello".to_vec(), "JSON object"),
        ("null", json, b"null".to_vec(), "JSON object"),
        ("empty", json, Vec::new(), "JSON object"),
    ]
}

/// JSON bodies that are not UTF-8, or not JSON: 400 `bad_request` in the usage-error shape, on
/// each route that reads JSON, whether the content type says JSON or the body only looks like it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_are_not_utf8_or_not_json_are_usage_errors() {
    let server = start(demo_config()).await;
    for (route, field) in [
        ("/v1/verify", "signature"),
        ("/v1/certificates/verify", "certificate"),
        ("/v1/certificates/info", "certificate"),
    ] {
        for (i, (what, ctype, body, words)) in bad_json_bodies(field).into_iter().enumerate() {
            let id = format!("{}-{i}", route.replace('/', "."));
            let a = post(&server, route, ctype, body, &id).await;
            assert_usage_error(&a, 400, "bad_request", words, &format!("{route} {what}"));
        }
    }
    // Without an id of the caller's, one is made: the header and the body still agree.
    let a = answer(
        client()
            .post(url(&server, "/v1/verify"))
            .header("content-type", "application/json")
            .body(&b"{\xff}"[..])
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(a.request_id().len(), 32, "{:?}", a.headers);
    assert_usage_error(&a, 400, "bad_request", "not the expected JSON", "no id");
    server.shutdown().await.unwrap();
}
