//! The service's OCSP client against responders on loopback: a small axum responder that parses
//! every request it gets (and counts them), and, where the openssl CLI is installed, `openssl
//! ocsp` serving real signed answers for the RSA test PKI; and `/readyz` of the running service
//! under each policy.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use der::asn1::{BitString, GeneralizedTime, OctetString};
use der::{Decode, Encode};
use spki::ObjectIdentifier;
use time::OffsetDateTime;
use x509_cert::ext::Extension;
use x509_ocsp::{
    BasicOcspResponse, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    OcspResponseStatus, ResponderId, ResponseBytes, ResponseData, SingleResponse,
};

use qoltanba::ocsp::client::responder_label;
use qoltanba::ocsp::{
    CertIdHash, FetchError, OcspClient, OcspConfig, OcspMethod, OcspService, ResponderConfig,
    RevocationPolicy, Served,
};
use qoltanba_core::Certificate;

const ID_SHA1: &str = "1.3.14.3.2.26";
const ID_SHA256: &str = "2.16.840.1.101.3.4.2.1";

fn pki(name: &str) -> Certificate {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pki")
        .join(name);
    Certificate::from_der(&std::fs::read(path).unwrap()).unwrap()
}

fn subject_and_issuer() -> (Certificate, Certificate) {
    (pki("individual-sign.der"), pki("nca-rsa.der"))
}

/// What the loopback responder does with a request.
#[derive(Clone, Copy)]
enum Behaviour {
    Answer,
    /// Answers after this long.
    Slow(Duration),
    Status(u16),
    ContentType(&'static str),
    /// A body that never ends, without a Content-Length.
    Endless,
}

/// One request as the responder saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    content_type: Option<String>,
    request: OcspRequest,
}

#[derive(Default)]
struct Log {
    count: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
}

struct Responder {
    addr: SocketAddr,
    log: Arc<Log>,
}

impl Responder {
    fn url(&self) -> String {
        format!("http://{}/ocsp", self.addr)
    }

    fn count(&self) -> usize {
        self.log.count.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Seen> {
        self.log.seen.lock().unwrap().clone()
    }
}

async fn responder(behaviour: Behaviour) -> Responder {
    let log = Arc::new(Log::default());
    let state = log.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = state.clone();
            async move { answer(&log, behaviour, method, uri, headers, body).await }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Responder { addr, log }
}

async fn answer(
    log: &Log,
    behaviour: Behaviour,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    log.count.fetch_add(1, Ordering::SeqCst);
    let der = if method == Method::GET {
        let segment = uri.path().rsplit('/').next().unwrap_or("");
        let b64 = segment
            .replace("%2B", "+")
            .replace("%2F", "/")
            .replace("%3D", "=");
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("the GET segment is URL-encoded base64")
    } else {
        body.to_vec()
    };
    let request = OcspRequest::from_der(&der).expect("a well-formed OCSPRequest");
    log.seen.lock().unwrap().push(Seen {
        method,
        content_type: headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned()),
        request: request.clone(),
    });
    match behaviour {
        Behaviour::Status(code) => return StatusCode::from_u16(code).unwrap().into_response(),
        Behaviour::Slow(delay) => tokio::time::sleep(delay).await,
        Behaviour::Endless => {
            let chunks = futures_util::stream::repeat_with(|| {
                Ok::<_, std::io::Error>(Bytes::from(vec![0x30u8; 4096]))
            });
            return Response::builder()
                .header("content-type", "application/ocsp-response")
                .body(Body::from_stream(chunks))
                .unwrap();
        }
        _ => {}
    }
    let content_type = match behaviour {
        Behaviour::ContentType(t) => t,
        _ => "application/ocsp-response",
    };
    Response::builder()
        .header("content-type", content_type)
        .body(Body::from(good_response(&request)))
        .unwrap()
}

/// A successful basic response (not signed: the service does not judge signatures) for the
/// request's CertID, echoing its nonce, without nextUpdate (as the NCA answers).
fn good_response(request: &OcspRequest) -> Vec<u8> {
    let now = OcspGeneralizedTime(
        GeneralizedTime::from_unix_duration(Duration::from_secs(
            OffsetDateTime::now_utc().unix_timestamp() as u64,
        ))
        .unwrap(),
    );
    let nonce = request.nonce().map(|n| Extension {
        extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2"),
        critical: false,
        extn_value: OctetString::new(n.0.to_der().unwrap()).unwrap(),
    });
    let basic = BasicOcspResponse {
        tbs_response_data: ResponseData {
            version: Default::default(),
            responder_id: ResponderId::ByKey(OctetString::new(vec![1u8; 20]).unwrap()),
            produced_at: now,
            responses: vec![SingleResponse {
                cert_id: request.tbs_request.request_list[0].req_cert.clone(),
                cert_status: CertStatus::good(),
                this_update: now,
                next_update: None,
                single_extensions: None,
            }],
            response_extensions: nonce.map(|n| vec![n]),
        },
        signature_algorithm: spki::AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
            parameters: None,
        },
        signature: BitString::from_bytes(&[0u8; 8]).unwrap(),
        certs: None,
    };
    OcspResponse {
        response_status: OcspResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1"),
            response: OctetString::new(basic.to_der().unwrap()).unwrap(),
        }),
    }
    .to_der()
    .unwrap()
}

fn config(url: &str) -> OcspConfig {
    OcspConfig {
        responders: vec![ResponderConfig::Any(url.to_owned())],
        ..Default::default()
    }
}

fn service(config: OcspConfig) -> OcspService {
    OcspService::new(&config, vec![Arc::new(pki("nca-rsa.der"))]).unwrap()
}

#[tokio::test]
async fn post_requests_name_the_certificate_with_the_configured_hash_and_a_nonce() {
    let r = responder(Behaviour::Answer).await;
    let (cert, issuer) = subject_and_issuer();
    for (hash, oid) in [(CertIdHash::Sha1, ID_SHA1), (CertIdHash::Sha256, ID_SHA256)] {
        let ocsp = service(OcspConfig {
            cert_id_hash: hash,
            ..config(&r.url())
        });
        let answer = ocsp.lookup(&cert, &issuer).await.unwrap();
        assert_eq!(answer.served, Served::Miss);
        let seen = r.seen().pop().unwrap();
        assert_eq!(seen.method, Method::POST);
        assert_eq!(
            seen.content_type.as_deref(),
            Some("application/ocsp-request")
        );
        let id = &seen.request.tbs_request.request_list[0].req_cert;
        assert_eq!(id.hash_algorithm.oid.to_string(), oid);
        assert_eq!(id.serial_number.as_bytes(), cert.serial.as_slice());
        let nonce = seen.request.nonce().expect("a nonce").0;
        let fetched = &answer.answer.fetched;
        assert_eq!(fetched.nonce_sent.as_deref(), Some(nonce.as_bytes()));
        assert_eq!(nonce.as_bytes().len(), 32);
        assert_eq!(fetched.method, OcspMethod::Post);
        // The answer is handed on as it came, echoing the nonce.
        let response = OcspResponse::from_der(&fetched.der).unwrap();
        let basic =
            BasicOcspResponse::from_der(response.response_bytes.unwrap().response.as_bytes())
                .unwrap();
        assert_eq!(basic.nonce().unwrap().0, nonce);
    }
    assert_eq!(r.count(), 2);
}

#[tokio::test]
async fn get_requests_carry_the_request_in_the_path() {
    let r = responder(Behaviour::Answer).await;
    let (cert, issuer) = subject_and_issuer();
    let ocsp = service(OcspConfig {
        method: OcspMethod::Get,
        nonce: false,
        ..config(&r.url())
    });
    let answer = ocsp.lookup(&cert, &issuer).await.unwrap();
    assert_eq!(answer.answer.fetched.method, OcspMethod::Get);
    let seen = r.seen().pop().unwrap();
    assert_eq!(seen.method, Method::GET);
    assert!(seen.request.nonce().is_none());
    let id = &seen.request.tbs_request.request_list[0].req_cert;
    assert_eq!(id.hash_algorithm.oid.to_string(), ID_SHA1);
    assert_eq!(id.serial_number.as_bytes(), cert.serial.as_slice());
}

#[tokio::test]
async fn a_hundred_concurrent_lookups_of_one_certificate_make_one_request() {
    let r = responder(Behaviour::Slow(Duration::from_millis(300))).await;
    let (cert, issuer) = subject_and_issuer();
    let ocsp = Arc::new(service(config(&r.url())));
    let (cert, issuer) = (Arc::new(cert), Arc::new(issuer));
    let lookups: Vec<_> = (0..100)
        .map(|_| {
            let (ocsp, cert, issuer) = (ocsp.clone(), cert.clone(), issuer.clone());
            tokio::spawn(async move { ocsp.lookup(&cert, &issuer).await })
        })
        .collect();
    let mut served = Vec::new();
    for lookup in lookups {
        served.push(lookup.await.unwrap().unwrap().served);
    }
    assert_eq!(r.count(), 1);
    assert_eq!(served.iter().filter(|s| **s == Served::Miss).count(), 1);
    // Held now: the next lookup is a cache hit.
    assert_eq!(
        ocsp.lookup(&cert, &issuer).await.unwrap().served,
        Served::Hit
    );
    assert_eq!(r.count(), 1);
    let stats = ocsp.cache().stats();
    assert_eq!((stats.misses, stats.hits + stats.joined), (1, 100));
    let metrics = ocsp.render_metrics();
    let host = r.addr.to_string();
    assert!(
        metrics.contains(&format!(
            "qoltanba_ocsp_requests_total{{responder=\"{host}\",result=\"ok\"}} 1"
        )),
        "{metrics}"
    );
    assert!(metrics.contains("qoltanba_ocsp_cache_lookups_total{result=\"miss\"} 1"));
}

#[tokio::test]
async fn the_certificates_of_a_path_are_asked_about_concurrently() {
    let r = responder(Behaviour::Slow(Duration::from_millis(400))).await;
    let ocsp = service(config(&r.url()));
    let issuer = pki("nca-rsa.der");
    let (a, b) = (pki("individual-sign.der"), pki("head-sign.der"));
    let started = Instant::now();
    let answers = ocsp.lookup_all(&[(&a, &issuer), (&b, &issuer)]).await;
    assert!(answers.iter().all(Result::is_ok));
    assert_eq!(r.count(), 2);
    // Both in flight at once: well under two responder delays.
    assert!(
        started.elapsed() < Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn answers_expire() {
    let r = responder(Behaviour::Answer).await;
    let (cert, issuer) = subject_and_issuer();
    let ocsp = service(config(&r.url())).with_expiry(Arc::new(
        |f: &qoltanba::ocsp::Fetched| -> Result<OffsetDateTime, FetchError> {
            Ok(f.fetched_at + Duration::from_millis(300))
        },
    ));
    ocsp.lookup(&cert, &issuer).await.unwrap();
    assert_eq!(
        ocsp.lookup(&cert, &issuer).await.unwrap().served,
        Served::Hit
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        ocsp.lookup(&cert, &issuer).await.unwrap().served,
        Served::Miss
    );
    assert_eq!(r.count(), 2);
}

/// One exchange through the client alone.
async fn fetch_with(config: &OcspConfig, url: &str) -> Result<qoltanba::ocsp::Fetched, FetchError> {
    let (cert, issuer) = subject_and_issuer();
    let der =
        qoltanba_core::ocsp::request_der(&cert, &issuer, qoltanba_core::CertIdHash::Sha1, None)
            .unwrap();
    OcspClient::new(config)
        .unwrap()
        .fetch(url, &der, None)
        .await
}

#[tokio::test]
async fn failures_are_told_apart_and_never_cached() {
    let (cert, issuer) = subject_and_issuer();

    let slow = responder(Behaviour::Slow(Duration::from_secs(5))).await;
    let started = Instant::now();
    let e = fetch_with(
        &OcspConfig {
            timeout_ms: 200,
            ..Default::default()
        },
        &slow.url(),
    )
    .await
    .unwrap_err();
    assert_eq!(e, FetchError::Timeout(200));
    assert!(started.elapsed() < Duration::from_secs(2));

    let missing = responder(Behaviour::Status(404)).await;
    let e = fetch_with(&OcspConfig::default(), &missing.url())
        .await
        .unwrap_err();
    assert_eq!(e, FetchError::HttpStatus(404));

    let html = responder(Behaviour::ContentType("text/html; charset=utf-8")).await;
    let e = fetch_with(&OcspConfig::default(), &html.url())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "content_type");

    let endless = responder(Behaviour::Endless).await;
    let e = fetch_with(
        &OcspConfig {
            max_response_bytes: 10_000,
            ..Default::default()
        },
        &endless.url(),
    )
    .await
    .unwrap_err();
    assert_eq!(e, FetchError::TooLarge(10_000));

    // Through the service: a failure is counted, and the next lookup asks again.
    let ocsp = service(config(&missing.url()));
    for _ in 0..2 {
        let e = ocsp.lookup(&cert, &issuer).await.unwrap_err();
        assert_eq!(e, FetchError::HttpStatus(404));
    }
    assert_eq!(missing.count(), 3);
    assert_eq!(ocsp.cache().stats().entries, 0);
    let metrics = ocsp.render_metrics();
    assert!(
        metrics.contains(&format!(
            "qoltanba_ocsp_failures_total{{responder=\"{}\",reason=\"http_status\"}} 2",
            missing.addr
        )),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_failing_responder_is_followed_by_the_next_one() {
    let down = responder(Behaviour::Status(503)).await;
    let up = responder(Behaviour::Answer).await;
    let (cert, issuer) = subject_and_issuer();
    let ocsp = service(OcspConfig {
        responders: vec![
            ResponderConfig::Any(down.url()),
            ResponderConfig::Any(up.url()),
        ],
        ..Default::default()
    });
    let answer = ocsp.lookup(&cert, &issuer).await.unwrap();
    assert_eq!(answer.answer.fetched.responder, up.url());
    assert_eq!((down.count(), up.count()), (1, 1));
}

#[tokio::test]
async fn responders_for_one_issuer_come_first_and_aia_last() {
    let (cert, issuer) = subject_and_issuer();
    let fingerprint = hex::encode(issuer.fingerprint);
    let ocsp = service(OcspConfig {
        responders: vec![
            ResponderConfig::Any("http://any.example".into()),
            ResponderConfig::ForIssuer {
                url: "http://other.example".into(),
                issuer: "00".repeat(32),
            },
            ResponderConfig::ForIssuer {
                url: "http://mine.example".into(),
                issuer: fingerprint,
            },
        ],
        use_aia: true,
        ..Default::default()
    });
    assert_eq!(
        ocsp.responders_for(&cert, &issuer),
        vec!["http://mine.example", "http://any.example"]
    );
    // An NCA certificate names its responder in its authorityInfoAccess (another issuer here,
    // so the per-issuer responder is not asked).
    let nca = Certificate::from_der(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/officers/gost/FL-valid.cer"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        ocsp.responders_for(&nca, &pki("nca-ec.der")),
        vec!["http://any.example", "http://test.pki.gov.kz/ocsp/"]
    );
}

#[tokio::test]
async fn the_proxy_setting_is_honoured() {
    let proxy = responder(Behaviour::Answer).await;
    let config = OcspConfig {
        proxy: format!("http://{}", proxy.addr),
        ..Default::default()
    };
    // A host that does not resolve: only the proxy can answer for it.
    let fetched = fetch_with(&config, "http://ocsp.invalid/ocsp")
        .await
        .unwrap();
    assert!(!fetched.der.is_empty());
    assert_eq!(proxy.count(), 1);
}

#[tokio::test]
async fn urls_are_redacted_in_errors_metrics_and_readiness() {
    // (Logs: tests/ocsp_logs.rs, alone in its binary so that no other test's log calls race it.)
    let missing = responder(Behaviour::Status(404)).await;
    let url = format!(
        "http://user:pa55word@{}/ocsp?token=s3cret#frag",
        missing.addr
    );
    let (cert, issuer) = subject_and_issuer();
    let ocsp = service(OcspConfig {
        policy: Some(RevocationPolicy::Ocsp),
        ..config(&url)
    });
    let e = ocsp.lookup(&cert, &issuer).await.unwrap_err();
    assert_eq!(ocsp.probe().await, 0);
    let readiness =
        serde_json::to_string(&ocsp.status().readiness(OffsetDateTime::now_utc())).unwrap();
    for text in [e.to_string(), ocsp.render_metrics(), readiness.clone()] {
        assert!(
            !text.contains("s3cret") && !text.contains("pa55word"),
            "{text}"
        );
    }
    assert!(readiness.contains("/ocsp?token=…"), "{readiness}");
    assert_eq!(responder_label(&url), missing.addr.to_string());
}

#[tokio::test]
async fn readiness_follows_the_policy_and_the_probes() {
    let up = responder(Behaviour::Answer).await;
    let down = responder(Behaviour::Status(500)).await;
    let now = OffsetDateTime::now_utc;

    let ocsp = service(OcspConfig {
        policy: Some(RevocationPolicy::Ocsp),
        ..config(&up.url())
    });
    assert!(!ocsp.status().readiness(now()).ready);
    assert_eq!(ocsp.probe().await, 1);
    let r = ocsp.status().readiness(now());
    assert!(r.ready && !r.needs_crl);
    // The probe names a configured CA as the issuer.
    let seen = up.seen().pop().unwrap();
    assert_eq!(
        seen.request.tbs_request.request_list[0]
            .req_cert
            .serial_number
            .as_bytes(),
        &[1]
    );

    let both = service(OcspConfig {
        policy: Some(RevocationPolicy::Both),
        responders: vec![
            ResponderConfig::Any(up.url()),
            ResponderConfig::Any(down.url()),
        ],
        ..Default::default()
    });
    assert_eq!(both.probe().await, 1);
    let r = both.status().readiness(now());
    assert!(!r.ready && r.needs_crl);
    assert_eq!(r.responders[1].last_failure_reason, Some("http_status"));

    // Other policies never wait for responders.
    let then_crl = service(config(&down.url()));
    assert_eq!(then_crl.policy(), RevocationPolicy::OcspThenCrl);
    assert!(then_crl.status().readiness(now()).ready);
}

/// `openssl ocsp` serving one signed answer, on a port it picks.
struct OpensslResponder {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for OpensslResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl_responder(cert: &str, status_line: &str) -> Option<OpensslResponder> {
    let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pki");
    let serial = Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in"])
        .arg(pki.join(format!("{cert}.pem")))
        .output()
        .ok()?;
    let serial = String::from_utf8(serial.stdout).ok()?;
    let serial = serial.trim().strip_prefix("serial=")?.to_owned();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index.txt");
    std::fs::write(
        &index,
        format!("{status_line}\t{serial}\tunknown\t/CN=test\n"),
    )
    .unwrap();
    let mut child = Command::new("openssl")
        .args(["ocsp", "-port", "0", "-nrequest", "1", "-index"])
        .arg(&index)
        .arg("-CA")
        .arg(pki.join("nca-rsa.pem"))
        .arg("-rsigner")
        .arg(pki.join("nca-rsa.pem"))
        .arg("-rkey")
        .arg(pki.join("keys/nca-rsa.key.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // "ACCEPT [::]:PORT PID=…" (or 0.0.0.0:PORT).
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let port: u16 = line
        .split_whitespace()
        .nth(1)?
        .rsplit(':')
        .next()?
        .parse()
        .ok()?;
    Some(OpensslResponder {
        child,
        url: format!("http://127.0.0.1:{port}/"),
        _dir: dir,
    })
}

#[tokio::test]
async fn openssl_ocsp_answers_the_requests_it_gets() {
    let Some(good) = openssl_responder("individual-sign", "V\t300101000000Z\t") else {
        eprintln!("openssl not available: skipped");
        return;
    };
    let (cert, issuer) = subject_and_issuer();
    // POST with a SHA-256 CertID.
    let ocsp = service(OcspConfig {
        cert_id_hash: CertIdHash::Sha256,
        ..config(&good.url)
    });
    let answer = ocsp.lookup(&cert, &issuer).await.unwrap();
    let fetched = &answer.answer.fetched;
    let response = OcspResponse::from_der(&fetched.der).unwrap();
    assert_eq!(response.response_status, OcspResponseStatus::Successful);
    let basic =
        BasicOcspResponse::from_der(response.response_bytes.unwrap().response.as_bytes()).unwrap();
    // openssl echoes the nonce and answers for the CertID asked, by the hash asked.
    assert_eq!(
        basic.nonce().unwrap().0.as_bytes(),
        fetched.nonce_sent.as_deref().unwrap()
    );
    let single = &basic.tbs_response_data.responses[0];
    assert_eq!(single.cert_id.hash_algorithm.oid.to_string(), ID_SHA256);
    assert_eq!(
        single.cert_id.serial_number.as_bytes(),
        cert.serial.as_slice()
    );
    assert_eq!(single.cert_status, CertStatus::good());

    // GET, and a revoked certificate.
    let Some(revoked) = openssl_responder("revoked-sign", "R\t300101000000Z\t250101000000Z") else {
        return;
    };
    let cert = pki("revoked-sign.der");
    let ocsp = service(OcspConfig {
        method: OcspMethod::Get,
        ..config(&revoked.url)
    });
    let answer = ocsp.lookup(&cert, &issuer).await.unwrap();
    assert_eq!(answer.answer.fetched.method, OcspMethod::Get);
    let response = OcspResponse::from_der(&answer.answer.fetched.der).unwrap();
    let basic =
        BasicOcspResponse::from_der(response.response_bytes.unwrap().response.as_bytes()).unwrap();
    let single = &basic.tbs_response_data.responses[0];
    assert_eq!(single.cert_id.hash_algorithm.oid.to_string(), ID_SHA1);
    assert!(matches!(single.cert_status, CertStatus::Revoked(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_of_the_running_service_follows_the_policy() {
    let up = responder(Behaviour::Answer).await;
    let down = responder(Behaviour::Status(503)).await;
    // No CRL at all: only a deployment on `ocsp` can be ready, and only while its responders
    // answer.
    let with = |policy, url: &str| {
        let mut c = serve_support::config(&[], &[]);
        c.ocsp = OcspConfig {
            policy: Some(policy),
            ..config(url)
        };
        c
    };
    let server = serve_support::start(with(RevocationPolicy::Ocsp, &up.url())).await;
    let ready = serve_support::get(&server, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json["policy"], "ocsp");
    assert_eq!(ready.json["ocsp"]["responders"][0]["answering"], true);
    let metrics = serve_support::get(&server, "/metrics").await.text;
    assert!(
        metrics.contains(&format!(
            "qoltanba_ocsp_requests_total{{responder=\"{}\",result=\"ok\"}} 1",
            up.addr
        )),
        "{metrics}"
    );
    server.shutdown().await.unwrap();

    for (policy, url) in [
        (RevocationPolicy::Ocsp, down.url()),
        (RevocationPolicy::Both, up.url()),
        (RevocationPolicy::OcspThenCrl, up.url()),
    ] {
        let server = serve_support::start(with(policy, &url)).await;
        let ready = serve_support::get(&server, "/readyz").await;
        assert_eq!(ready.status, 503, "{policy:?}: {}", ready.text);
        server.shutdown().await.unwrap();
    }
}
