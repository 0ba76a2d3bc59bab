//! `/v1/verify` and `/v1/certificates/verify` with the deployment's OCSP responders (issue 17):
//! the service asks the verifier which certificates need a status, fetches the answers from a
//! loopback responder the test runs (signed by test-pki's OCSP builder with the issuing CA's own
//! key), and the verifier judges them under the configured revocation policy. The verdict's
//! evidence lists the responses used; a failing responder never makes a verdict `valid`; one
//! certificate asked about by a hundred concurrent verifications costs one exchange.

mod serve_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use time::OffsetDateTime;

use qoltanba::config::ServeConfig;
use qoltanba::ocsp::{ResponderConfig, RevocationPolicy};
use serve_support::*;
use test_pki::ocsp::{self as builder, RequestInfo, ResponseSpec, Signer, Status as OcspStatus};

/// The serial of `pki/individual-sign`, the signer of the RSA samples (0x1006).
const LEAF_SERIAL: [u8; 2] = [0x10, 0x06];

/// What the loopback responder says.
struct Responder {
    addr: SocketAddr,
    state: Arc<ResponderState>,
}

struct ResponderState {
    /// Who signs the answers: the CA itself, or its delegated responder.
    signer: Signer,
    /// Answer as the NCA does: the delegated responder's certificate embedded, responderID by
    /// key hash, no nextUpdate.
    nca_style: bool,
    /// Answer "revoked" about the leaf instead of "good".
    revoke_leaf: AtomicBool,
    /// Answer "revoked" about every certificate asked about.
    revoke_leaf_any: AtomicBool,
    /// Answer 500 to everything.
    broken: AtomicBool,
    /// Requests about the leaf's serial.
    leaf_requests: AtomicUsize,
    /// Requests about a certificate: all but the readiness probes (about serial 1).
    requests: AtomicUsize,
}

async fn respond(State(state): State<Arc<ResponderState>>, body: Bytes) -> Response {
    let Ok(info) = RequestInfo::from_der(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if info.serial() != [0x01] {
        state.requests.fetch_add(1, Ordering::SeqCst);
    }
    let leaf = info.serial() == LEAF_SERIAL;
    if leaf {
        state.leaf_requests.fetch_add(1, Ordering::SeqCst);
    }
    if state.broken.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let now = OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let revoke = (leaf && state.revoke_leaf.load(Ordering::SeqCst))
        || state.revoke_leaf_any.load(Ordering::SeqCst);
    let status = if revoke {
        OcspStatus::Revoked {
            time: now - time::Duration::days(1),
            reason: None,
        }
    } else {
        OcspStatus::Good
    };
    let mut spec = ResponseSpec::for_request(&body, status, now).expect("a request the test sent");
    if state.nca_style {
        spec = spec.with_signer_certificate(&state.signer);
        spec.next_update = None;
        spec.responder_id = builder::ResponderIdKind::ByKey;
    }
    let der = builder::sign_response(&spec, &state.signer).expect("signed");
    ([("content-type", "application/ocsp-response")], der).into_response()
}

impl Responder {
    async fn start(signer: Signer) -> Responder {
        Responder::start_with(signer, false).await
    }

    async fn start_with(signer: Signer, nca_style: bool) -> Responder {
        let state = Arc::new(ResponderState {
            signer,
            nca_style,
            revoke_leaf: AtomicBool::new(false),
            revoke_leaf_any: AtomicBool::new(false),
            broken: AtomicBool::new(false),
            leaf_requests: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/", axum::routing::post(respond))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Responder { addr, state }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// A "good" answer about `pki/{cert}` signed by its issuer `pki/{issuer}`, produced a few
/// seconds ago.
fn good_answer(cert: &str, issuer: &str, hash: builder::Hash) -> Vec<u8> {
    let now = OffsetDateTime::now_utc() - time::Duration::seconds(5);
    let spec = ResponseSpec::new(
        &read(&format!("pki/{cert}.der")),
        &read(&format!("pki/{issuer}.pem")),
        hash,
        OcspStatus::Good,
        now,
    )
    .unwrap();
    builder::sign_response(&spec, &signer(issuer)).unwrap()
}

fn signer(name: &str) -> Signer {
    Signer::from_bytes(
        &read(&format!("pki/{name}.pem")),
        &read(&format!("pki/keys/{name}.key.pem")),
    )
    .unwrap()
}

/// The SHA-256 fingerprint of the certificate at `rel` (DER), as `ocsp.responders` names issuers.
fn fingerprint(rel: &str) -> String {
    let der = read(rel);
    let cert = qoltanba_core::Certificate::from_der(&der).unwrap();
    hex::encode(cert.fingerprint)
}

/// Two responders, each for its own issuer: nca-rsa answers about its leaves, the root about
/// nca-rsa. The CRLs of every CA are configured too (the `…_then_…` policies fall back on them).
struct Deployment {
    nca: Responder,
    root: Responder,
}

impl Deployment {
    async fn start() -> Deployment {
        Deployment {
            nca: Responder::start(signer("nca-rsa")).await,
            root: Responder::start(signer("root")).await,
        }
    }

    /// Both responders answer 500 from now on.
    fn break_both(&self) {
        self.nca.state.broken.store(true, Ordering::SeqCst);
        self.root.state.broken.store(true, Ordering::SeqCst);
    }

    fn config(&self, policy: RevocationPolicy) -> ServeConfig {
        let mut c = config(&["crl/all-current.pem"], &[]);
        c.ocsp.policy = Some(policy);
        c.ocsp.responders = vec![
            ResponderConfig::ForIssuer {
                url: self.nca.url(),
                issuer: fingerprint("pki/nca-rsa.der"),
            },
            ResponderConfig::ForIssuer {
                url: self.root.url(),
                issuer: fingerprint("pki/root.der"),
            },
        ];
        c.ocsp.timeout_ms = 2_000;
        c
    }
}

async fn verify_now(server: &qoltanba::serve::RunningServer, extra: Value) -> Answer {
    let mut body = json!({ "signature": b64(&read("samples/individual-attached.cms")) });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    post_json(server, "/v1/verify", &body).await
}

fn revocation_detail(verdict: &Value) -> String {
    verdict["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["check"] == "revocation")
        .map(|c| c["detail"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn good_answers_from_the_responders_make_a_signature_valid_under_ocsp_only() {
    let deployment = Deployment::start().await;
    let server = start(deployment.config(RevocationPolicy::Ocsp)).await;
    let answer = verify_now(&server, json!({})).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);
    let used = answer.json["evidence"]["ocsp"]
        .as_array()
        .expect("ocsp evidence");
    assert_eq!(used.len(), 2, "the leaf's and the CA's answers: {used:?}");
    for response in used {
        assert_eq!(response["status"], "good", "{response}");
        assert!(response["sha256"].as_str().is_some_and(|s| s.len() == 64));
    }
    assert!(
        revocation_detail(&answer.json).contains("OCSP: good"),
        "{}",
        revocation_detail(&answer.json)
    );
    assert_eq!(deployment.nca.state.leaf_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_responder_that_says_revoked_revokes_what_the_crl_still_holds_good() {
    let deployment = Deployment::start().await;
    deployment
        .nca
        .state
        .revoke_leaf
        .store(true, Ordering::SeqCst);
    let server = start(deployment.config(RevocationPolicy::OcspThenCrl)).await;
    let answer = verify_now(&server, json!({})).await;
    assert_eq!(
        answer.verdict(),
        ("invalid", Some("cert_revoked")),
        "{}",
        answer.text
    );
    let cert = post_json(
        &server,
        "/v1/certificates/verify",
        &json!({ "certificate": b64(&read("pki/individual-sign.der")) }),
    )
    .await;
    assert_eq!(
        cert.verdict(),
        ("invalid", Some("cert_revoked")),
        "{}",
        cert.text
    );
}

#[tokio::test]
async fn a_failing_responder_never_makes_a_verdict_valid() {
    let deployment = Deployment::start().await;
    deployment.break_both();

    // OCSP only: nothing decides.
    let only = start(deployment.config(RevocationPolicy::Ocsp)).await;
    let answer = verify_now(&only, json!({})).await;
    assert_eq!(
        answer.verdict(),
        ("indeterminate", Some("revocation_unknown")),
        "{}",
        answer.text
    );

    // OCSP, then the CRLs: the CRLs decide.
    let fallback = start(deployment.config(RevocationPolicy::OcspThenCrl)).await;
    let answer = verify_now(&fallback, json!({})).await;
    assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);
    assert_eq!(
        answer.json["evidence"]["ocsp"],
        json!([]),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn responses_the_caller_sends_are_evidence_too() {
    let deployment = Deployment::start().await;
    deployment.break_both();
    let server = start(deployment.config(RevocationPolicy::Ocsp)).await;

    let about = |cert: &str, issuer: &str| b64(&good_answer(cert, issuer, builder::Hash::Sha1));
    let sent = json!({ "ocsp_responses": [about("individual-sign", "nca-rsa"), about("nca-rsa", "root")] });
    let answer = verify_now(&server, sent).await;
    assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);

    let garbage = verify_now(
        &server,
        json!({ "ocsp_responses": [b64(b"not a response")] }),
    )
    .await;
    assert_eq!(garbage.status, 400, "{}", garbage.text);
    assert!(
        garbage.text.contains("ocsp_responses[0]"),
        "{}",
        garbage.text
    );
}

#[tokio::test]
async fn a_hundred_concurrent_verifications_of_one_certificate_make_one_request() {
    let deployment = Deployment::start().await;
    let server = Arc::new(start(deployment.config(RevocationPolicy::Ocsp)).await);
    let calls = (0..100).map(|_| {
        let server = Arc::clone(&server);
        tokio::spawn(async move { verify_now(&server, json!({})).await })
    });
    for call in futures_util::future::join_all(calls).await {
        let answer = call.unwrap();
        assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);
    }
    assert_eq!(
        deployment.nca.state.leaf_requests.load(Ordering::SeqCst),
        1,
        "one exchange about the leaf"
    );
    assert_eq!(
        deployment.root.state.requests.load(Ordering::SeqCst),
        1,
        "one exchange about the CA"
    );
}

/// `qoltanba verify` with the given arguments after the fixtures' PKI; its JSON verdict.
async fn cli_verify(args: Vec<String>) -> Value {
    tokio::task::spawn_blocking(move || cli_verify_blocking(args))
        .await
        .unwrap()
}

fn cli_verify_blocking(args: Vec<String>) -> Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .arg("verify")
        .arg(fixture("samples/individual-attached.cms"))
        .arg("--trust")
        .arg(fixture("pki/trust.pem"))
        .arg("--intermediate")
        .arg(fixture("pki/intermediates.pem"))
        .arg("--crl")
        .arg(fixture("crl/all-current.pem"))
        .arg("--json")
        .args(args)
        .output()
        .expect("the binary runs");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_asks_a_responder_and_takes_responses_from_files() {
    let deployment = Deployment::start().await;
    deployment
        .nca
        .state
        .revoke_leaf
        .store(true, Ordering::SeqCst);
    let asked = cli_verify(vec![
        "--ocsp-url".into(),
        deployment.nca.url(),
        "--ocsp-url".into(),
        deployment.root.url(),
    ])
    .await;
    assert_eq!(asked["reason"], "cert_revoked", "{asked}");
    assert!(
        !asked["evidence"]["ocsp"].as_array().unwrap().is_empty(),
        "{asked}"
    );

    // Without a responder, OCSP only: nothing decides; with the answers as files, they do.
    let alone = cli_verify(vec!["--revocation".into(), "ocsp".into()]).await;
    assert_eq!(alone["reason"], "revocation_unknown", "{alone}");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--revocation".to_owned(), "ocsp".to_owned()];
    for (cert, issuer) in [("individual-sign", "nca-rsa"), ("nca-rsa", "root")] {
        let path = dir.path().join(format!("{cert}.ocsp"));
        std::fs::write(&path, good_answer(cert, issuer, builder::Hash::Sha256)).unwrap();
        args.push("--ocsp-response".into());
        args.push(path.display().to_string());
    }
    let given = cli_verify(args).await;
    assert_eq!(given["status"], "valid", "{given}");
}

const PORTAL: &str = "portal-token-ocsp-1";
const AUDITOR: &str = "auditor-token-ocsp-2";

/// A document stored while a responder said "revoked" (the CRLs still held the certificate
/// good) keeps that answer: re-verified as of signing from the archive alone, it is still
/// revoked; as of now the live CRLs decide.
#[tokio::test]
async fn stored_documents_keep_the_ocsp_answers_that_judged_them() {
    let deployment = Deployment::start().await;
    deployment
        .nca
        .state
        .revoke_leaf
        .store(true, Ordering::SeqCst);
    let mut c = deployment.config(RevocationPolicy::OcspThenCrl);
    c.auth.tokens = vec![
        token("portal", "portal", PORTAL),
        token("auditor", "auditor", AUDITOR),
    ];
    let server = start(c).await;
    let stored = call_as(
        &server,
        reqwest::Method::POST,
        "/v1/verify",
        PORTAL,
        Some(json!({
            "signature": b64(&read("samples/individual-attached.cms")),
            "store": true,
        })),
    )
    .await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    assert_eq!(stored.verdict(), ("invalid", Some("cert_revoked")));
    let id = stored.json["archived"]["id"].as_i64().expect("archived");

    // The responder is gone: re-verification as of signing works from the archive alone.
    deployment.nca.state.broken.store(true, Ordering::SeqCst);
    let again = call_as(
        &server,
        reqwest::Method::POST,
        &format!("/v1/documents/{id}/reverify"),
        AUDITOR,
        None,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    let signing = &again.json["as_of_signing"]["verdict"];
    assert_eq!(signing["reason"], "cert_revoked", "{}", again.text);
    assert!(
        !signing["evidence"]["ocsp"].as_array().unwrap().is_empty(),
        "{}",
        again.text
    );
    assert_eq!(again.json["evidence_problems"], json!([]), "{}", again.text);
    let now = &again.json["as_of_now"]["verdict"];
    assert_eq!(now["status"], "valid", "the live CRLs: {}", again.text);
}

use serve_support::process::Reaped;

/// README "Revocation by OCSP", as written: OpenSSL's responder for nca-rsa on loopback with an
/// index that revokes individual-sign; the command line and the service both answer
/// `cert_revoked` with the responder's answer in the evidence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_ocsp_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.txt"),
        "R\t280101000000Z\t261101000000Z,keyCompromise\t1006\tunknown\t/CN=individual-sign\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "ocsp",
            "-port",
            &port.to_string(),
            "-index",
            "index.txt",
            "-CA",
        ])
        .arg(fixture("pki/nca-rsa.pem"))
        .arg("-rsigner")
        .arg(fixture("pki/nca-rsa.pem"))
        .arg("-rkey")
        .arg(fixture("pki/keys/nca-rsa.key.pem"))
        .args(["-nmin", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl is installed (scripts/test-all installs it)");
    // OpenSSL's responder serves one connection at a time: wait for it to say it listens rather
    // than probing the port with a connection of our own.
    let stderr = child.stderr.take().expect("stderr");
    let _responder = Reaped(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("waiting for OCSP client connections") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("openssl ocsp listens");
    let url = format!("http://127.0.0.1:{port}");

    let verdict = cli_verify(vec!["--ocsp-url".into(), url.clone()]).await;
    assert_eq!(verdict["reason"], "cert_revoked", "{verdict}");
    assert!(
        verdict["message"]
            .as_str()
            .unwrap()
            .contains("revoked on 2026-11-01T00:00:00Z (keyCompromise), OCSP revoked from"),
        "{verdict}"
    );

    let mut c = config(&["crl/all-current.pem"], &[]);
    c.ocsp.responders = vec![ResponderConfig::Any(url.clone())];
    let server = start(c).await;
    let answer = verify_now(&server, json!({})).await;
    assert_eq!(
        answer.verdict(),
        ("invalid", Some("cert_revoked")),
        "{}",
        answer.text
    );
    let used = &answer.json["evidence"]["ocsp"][0];
    assert_eq!(used["status"], "revoked", "{}", answer.text);
    assert_eq!(used["url"], url.as_str(), "{}", answer.text);
}

/// The GOST test PKI with its CRLs, OCSP first with SHA-256 CertIDs (as the NCA's responder
/// answers), asking `responder`.
fn gost_config(responder: ResponderConfig) -> ServeConfig {
    let mut c = config(&[], &[]);
    c.trust.anchors = vec![fixture("gost/trust.pem")];
    c.trust.intermediates = vec![fixture("gost/intermediates.pem")];
    c.crl.paths = vec![fixture("gost/crl/all-current.pem")];
    c.ocsp.policy = Some(RevocationPolicy::OcspThenCrl);
    c.ocsp.cert_id_hash = qoltanba::ocsp::CertIdHash::Sha256;
    c.ocsp.responders = vec![responder];
    c
}

/// The NCA's profile over the service: GOST R 34.10-2015 512 certificates, a delegated GOST
/// responder with id-kp-OCSPSigning and ocsp-nocheck, SHA-256 CertIDs, answers without
/// nextUpdate; the responder's "revoked" revokes what the GOST CRL still holds good.
#[tokio::test]
async fn gost_signatures_get_their_status_from_an_nca_style_responder() {
    let ca = Signer::from_bytes(
        &read("gost/pki/nca-gost.pem"),
        &read("gost/pki/keys/nca-gost.key.der"),
    )
    .unwrap();
    let key = builder::SigningKey::gost_from_seed("ocsp_verify gost responder").unwrap();
    let delegated = Signer {
        cert_der: builder::responder_certificate(
            &builder::ResponderCertSpec::nca_like("C=KZ,CN=OCSP RESPONDER (GOST) TEST", 0x7101),
            &key,
            &ca,
        )
        .unwrap(),
        key,
    };
    let responder = Responder::start_with(delegated, true).await;
    let server = start(gost_config(ResponderConfig::ForIssuer {
        url: responder.url(),
        issuer: fingerprint("gost/pki/nca-gost.der"),
    }))
    .await;
    let body = json!({ "signature": b64(&read("gost/samples/individual-attached.cms")) });

    let answer = post_json(&server, "/v1/verify", &body).await;
    assert_eq!(answer.verdict(), ("valid", None), "{}", answer.text);
    let used = answer.json["evidence"]["ocsp"].as_array().unwrap();
    assert_eq!(
        used.len(),
        1,
        "the leaf's answer; the CA falls to its CRL: {used:?}"
    );
    assert_eq!(used[0]["responder"], "CN=OCSP RESPONDER (GOST) TEST, C=KZ");
    assert_eq!(used[0]["next_update"], Value::Null);

    // A new server (an empty cache) while the responder says revoked.
    responder
        .state
        .revoke_leaf_any
        .store(true, Ordering::SeqCst);
    let server = start(gost_config(ResponderConfig::Any(responder.url()))).await;
    let answer = post_json(&server, "/v1/verify", &body).await;
    assert_eq!(
        answer.verdict(),
        ("invalid", Some("cert_revoked")),
        "{}",
        answer.text
    );
}
