//! The served OpenAPI description against the service's own answers: every endpoint is called
//! with inputs that give each of its usual statuses, and each JSON answer is validated (boon,
//! JSON Schema 2020-12) against the schema `/openapi.json` declares for that path, method and
//! status. An answer with a status the description does not list fails too.

mod serve_support;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use qoltanba::config::ServeConfig;
use serve_support::*;

const PORTAL: &str = "demo-portal-token";
const AUDITOR: &str = "demo-auditor-token";
const OFFICER: &str = "demo-officer-head-token";

/// Every property name the description documents anywhere.
fn documented_names(value: &Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                out.extend(properties.keys().cloned());
            }
            map.values().for_each(|v| documented_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| documented_names(v, out)),
        _ => {}
    }
}

/// The object keys of `answer` that no schema of the description names: fields the answers
/// carry but the description does not tell.
fn undocumented<'a>(
    answer: &'a Value,
    names: &std::collections::BTreeSet<String>,
    out: &mut Vec<&'a str>,
) {
    match answer {
        Value::Object(map) => {
            for (key, value) in map {
                if !names.contains(key) {
                    out.push(key);
                }
                undocumented(value, names, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| undocumented(v, names, out)),
        _ => {}
    }
}

/// Validates `answer` against the schema the description gives for (`template`, `method`,
/// `status`); `Err` says why not.
fn check(
    doc: &Value,
    template: &str,
    method: &str,
    status: u16,
    answer: &Value,
) -> Result<(), String> {
    let responses = &doc["paths"][template][method]["responses"];
    if responses.is_null() {
        return Err(format!("{method} {template} is not described"));
    }
    let response = &responses[status.to_string()];
    if response.is_null() {
        return Err(format!("{method} {template} {status}: status not listed"));
    }
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        return Err(format!("{method} {template} {status}: no JSON schema"));
    };
    // OpenAPI 3.1's schemas are JSON Schema 2020-12: validated as they are served.
    let mut root = schema.clone();
    if let Value::Object(map) = &mut root {
        map.insert("components".into(), doc["components"].clone());
        map.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("http://qoltanba.test/answer.json", root)
        .map_err(|e| format!("{method} {template} {status}: {e}"))?;
    let index = compiler
        .compile("http://qoltanba.test/answer.json", &mut schemas)
        .map_err(|e| format!("{method} {template} {status}: the schema does not compile: {e}"))?;
    schemas
        .validate(answer, index)
        .map_err(|e| format!("{method} {template} {status}: {e:#}\nanswer: {answer}"))?;
    // A free-form answer (the description itself) has no fields to name.
    let free_form = ["$ref", "properties", "allOf"]
        .iter()
        .all(|k| schema.get(*k).is_none());
    if free_form {
        return Ok(());
    }
    let mut names = std::collections::BTreeSet::new();
    documented_names(&doc["components"], &mut names);
    documented_names(schema, &mut names);
    let mut missing = Vec::new();
    undocumented(answer, &names, &mut missing);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{method} {template} {status}: fields no schema describes: {missing:?}"
        ))
    }
}

struct Call {
    method: reqwest::Method,
    path: String,
    template: &'static str,
    bearer: Option<&'static str>,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
}

fn call(method: reqwest::Method, path: impl Into<String>, template: &'static str) -> Call {
    Call {
        method,
        path: path.into(),
        template,
        bearer: None,
        content_type: None,
        body: None,
    }
}

impl Call {
    fn token(mut self, bearer: &'static str) -> Self {
        self.bearer = Some(bearer);
        self
    }

    fn json(mut self, body: Value) -> Self {
        self.content_type = Some("application/json");
        self.body = Some(body.to_string().into_bytes());
        self
    }

    fn raw(mut self, content_type: &'static str, body: Vec<u8>) -> Self {
        self.content_type = Some(content_type);
        self.body = Some(body);
        self
    }
}

fn config() -> ServeConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo-officers.toml");
    let mut c = ServeConfig::load(Some(&path), Vec::new()).expect("the demo configuration");
    c.listen = "127.0.0.1:0".into();
    c.archive.url = archive_support::sqlite_url();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_matches_the_served_description() {
    let server = start(config()).await;
    let doc = get(&server, "/openapi.json").await.json;
    let http = client();
    let signature = b64(&read("samples/individual-attached.cms"));
    let verify = |body: Value| call(reqwest::Method::POST, "/v1/verify", "/v1/verify").json(body);
    let get_as = |path: String, template: &'static str, bearer: &'static str| {
        call(reqwest::Method::GET, path, template).token(bearer)
    };

    let mut seen: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut run = |answer: (u16, Value), method: &str, template: &str| {
        seen.entry(format!("{method} {template}"))
            .or_default()
            .push(answer.0);
        if let Err(why) = check(&doc, template, method, answer.0, &answer.1) {
            failures.push(why);
        }
        answer.1
    };
    async fn send(
        http: &reqwest::Client,
        server: &qoltanba::serve::RunningServer,
        c: Call,
    ) -> (u16, Value) {
        let mut request = http.request(c.method, url(server, &c.path));
        if let Some(t) = c.bearer {
            request = request.bearer_auth(t);
        }
        if let Some(ct) = c.content_type {
            request = request.header("content-type", ct);
        }
        if let Some(b) = c.body {
            request = request.body(b);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
    macro_rules! exercise {
        ($call:expr) => {{
            let c: Call = $call;
            let (method, template) = (c.method.as_str().to_ascii_lowercase(), c.template);
            let answer = send(&http, &server, c).await;
            run(answer, &method, template)
        }};
    }

    exercise!(call(reqwest::Method::GET, "/healthz", "/healthz"));
    exercise!(call(reqwest::Method::GET, "/readyz", "/readyz"));
    // Verdicts: valid, invalid, indeterminate; usage errors.
    exercise!(verify(json!({ "signature": signature })));
    exercise!(verify(
        json!({ "signature": b64(&read("samples/revoked.cms")) })
    ));
    exercise!(verify(
        json!({ "signature": signature, "at": "2040-01-01T00:00:00Z" })
    ));
    exercise!(verify(
        json!({ "signature": b64(&read("samples/individual-detached.cms")) })
    ));
    exercise!(verify(json!({ "signature": "%%%" })));
    exercise!(verify(
        json!({ "signature": signature, "expected_id": "123" })
    ));
    exercise!(
        call(reqwest::Method::POST, "/v1/verify", "/v1/verify").raw("text/plain", b"x".to_vec())
    );
    exercise!(call(reqwest::Method::POST, "/v1/verify", "/v1/verify").raw(
        "application/pkcs7-signature",
        read("samples/individual-attached.cms")
    ));
    exercise!(verify(json!({ "signature": signature, "store": true })));
    let stored = exercise!(verify(json!({ "signature": signature, "store": true })).token(PORTAL));
    let document = stored["archived"]["id"].as_i64().unwrap_or(1);
    // Malformed input is never stored: 200 with `archived: null` and `not_archived`.
    let refused = exercise!(
        verify(json!({ "signature": b64(b"not a signature"), "store": true })).token(PORTAL)
    );
    assert_eq!(refused["archived"], Value::Null, "{refused}");
    assert!(refused["not_archived"].is_string(), "{refused}");
    // Certificates.
    let cert = json!({ "certificate": b64(&read("pki/individual-sign.der")) });
    exercise!(call(
        reqwest::Method::POST,
        "/v1/certificates/verify",
        "/v1/certificates/verify"
    )
    .json(cert.clone()));
    exercise!(call(
        reqwest::Method::POST,
        "/v1/certificates/info",
        "/v1/certificates/info"
    )
    .json(cert));
    exercise!(call(
        reqwest::Method::POST,
        "/v1/certificates/info",
        "/v1/certificates/info"
    )
    .json(json!({ "certificate": "AAAA" })));
    // Officer signing.
    let signed = exercise!(call(reqwest::Method::POST, "/v1/sign", "/v1/sign")
        .token(OFFICER)
        .json(json!({ "document": b64(&read("samples/request-legal.json")) })));
    exercise!(
        call(reqwest::Method::POST, "/v1/sign", "/v1/sign").json(json!({ "document": b64(b"x") }))
    );
    exercise!(call(reqwest::Method::POST, "/v1/sign", "/v1/sign")
        .token(PORTAL)
        .json(json!({ "document": b64(b"x") })));
    let _ = signed;
    // The archive.
    exercise!(get_as("/v1/documents".into(), "/v1/documents", AUDITOR));
    exercise!(get_as(
        format!("/v1/documents/{document}"),
        "/v1/documents/{id}",
        AUDITOR
    ));
    exercise!(get_as(
        "/v1/documents/99999".into(),
        "/v1/documents/{id}",
        AUDITOR
    ));
    exercise!(get_as(
        format!("/v1/documents/{document}"),
        "/v1/documents/{id}",
        PORTAL
    ));
    exercise!(call(
        reqwest::Method::GET,
        format!("/v1/documents/{document}"),
        "/v1/documents/{id}"
    ));
    exercise!(call(
        reqwest::Method::POST,
        format!("/v1/documents/{document}/reverify"),
        "/v1/documents/{id}/reverify"
    )
    .token(AUDITOR));
    // The procedure.
    exercise!(call(reqwest::Method::GET, "/v1/services", "/v1/services"));
    let submitted = exercise!(call(
        reqwest::Method::POST,
        "/v1/applications",
        "/v1/applications"
    )
    .token(PORTAL)
    .json(json!({
        "service": "scrap-metal-licence-karaganda-2013",
        "applicant_id": "050340001235",
        "signature": b64(&read("samples/head-attached.cms")),
        "payment_reference": "PAY-1"
    })));
    exercise!(call(reqwest::Method::POST, "/v1/applications", "/v1/applications")
        .token(PORTAL)
        .json(json!({ "service": "no-such-service", "applicant_id": "050340001235", "signature": signature })));
    let number = submitted["number"]
        .as_str()
        .unwrap_or("2026-000001")
        .to_owned();
    exercise!(get_as(
        format!("/v1/applications/{number}"),
        "/v1/applications/{number}",
        PORTAL
    ));
    exercise!(get_as(
        "/v1/applications/2026-999999".into(),
        "/v1/applications/{number}",
        PORTAL
    ));
    exercise!(call(
        reqwest::Method::POST,
        format!("/v1/applications/{number}/payment"),
        "/v1/applications/{number}/payment"
    )
    .token(PORTAL)
    .json(json!({ "reference": "PAY-1", "status": "confirmed" })));
    let decided = exercise!(call(
        reqwest::Method::POST,
        format!("/v1/applications/{number}/decision"),
        "/v1/applications/{number}/decision"
    )
    .token("demo-officer-ec-token")
    .json(json!({ "decision": "approve" })));
    let _ = decided;
    // Conflicts and refusals of the procedure.
    exercise!(call(
        reqwest::Method::POST,
        format!("/v1/applications/{number}/payment"),
        "/v1/applications/{number}/payment"
    )
    .token(PORTAL)
    .json(json!({ "reference": "PAY-1", "status": "confirmed" })));
    exercise!(call(
        reqwest::Method::POST,
        format!("/v1/applications/{number}/decision"),
        "/v1/applications/{number}/decision"
    )
    .token(PORTAL)
    .json(json!({ "decision": "approve" })));
    exercise!(call(
        reqwest::Method::POST,
        format!("/v1/applications/{number}/decision"),
        "/v1/applications/{number}/decision"
    )
    .token("demo-officer-ec-token")
    .raw("text/plain", b"approve".to_vec()));
    exercise!(call(reqwest::Method::POST, "/v1/sign", "/v1/sign")
        .token(OFFICER)
        .raw("text/plain", b"x".to_vec()));
    exercise!(get_as(
        "/v1/cabinet/050340001235".into(),
        "/v1/cabinet/{id}",
        PORTAL
    ));
    // The binary answers' refusals are JSON too.
    exercise!(get_as(
        "/v1/documents/99999/signature".into(),
        "/v1/documents/{id}/signature",
        AUDITOR
    ));
    exercise!(get_as(
        "/v1/cabinet/050340001235/documents/99999".into(),
        "/v1/cabinet/{id}/documents/{document}",
        PORTAL
    ));
    exercise!(call(reqwest::Method::GET, "/openapi.json", "/openapi.json"));

    // Every operation the description lists was called (the metrics' text format aside).
    // The statuses seen cover the usual outcomes: successes, usage errors, the token's refusals,
    // conflicts and wrong media types.
    let statuses: std::collections::BTreeSet<u16> = seen.values().flatten().copied().collect();
    for status in [200, 201, 400, 401, 403, 404, 409, 415] {
        assert!(
            statuses.contains(&status),
            "no answer with {status}: {seen:#?}"
        );
    }
    let mut uncalled = Vec::new();
    for (template, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            let key = format!("{method} {template}");
            if template != "/metrics" && method != "parameters" && !seen.contains_key(&key) {
                uncalled.push(key);
            }
        }
    }
    assert!(uncalled.is_empty(), "never called: {uncalled:?}");

    assert!(
        failures.is_empty(),
        "{} answers do not match the description:\n\n{}\n\nseen: {seen:#?}",
        failures.len(),
        failures.join("\n\n")
    );
}
