//! Issue 18, finding 9: who reads an application. The portal that submitted it, an officer of the
//! service's provider and an auditor do (the auditor's read is written to the log as an audit
//! access); another portal, another provider's officer get the answer a number that does not
//! exist gets. Runs `qoltanba serve` itself, to read the audit line in its log.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use qoltanba::sign::config::OfficerConfig;
use serve_support::{fixture, read, token};

const PORTAL: &str = "portal-token-access-a";
const OTHER_PORTAL: &str = "portal-token-access-b";
const AUDITOR: &str = "auditor-token-access";
const HEAD: &str = "officer-head-token-access";
const ZHOLDARY: &str = "officer-zholdary-token-access";
const DALA_MURA_BIN: &str = "050340001235";
const ZHOLDARY_BIN: &str = "040340001233";

fn officer(id: &str, keystore: &str, bin: &str) -> OfficerConfig {
    OfficerConfig {
        id: id.into(),
        keystore: fixture(keystore),
        certificate: None,
        alias: None,
        password_env: None,
        password_file: Some(fixture("officers/password.txt")),
        provider_name: "provider".into(),
        provider_bin: bin.into(),
        allowed_roles: vec!["first_head".into()],
        password: None,
    }
}

struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(dir: &std::path::Path) -> Server {
    let mut c = serve_support::config(&["crl/all-current.pem"], &[]);
    c.archive.url = serve_support::archive_support::sqlite_url();
    c.officers = vec![
        officer("head", "officers/head-sign.p12", DALA_MURA_BIN),
        officer("zholdary", "officers/ec-head-sign.p12", ZHOLDARY_BIN),
    ];
    c.auth.tokens = vec![
        token("portal-a", "portal", PORTAL),
        token("portal-b", "portal", OTHER_PORTAL),
        token("auditor-kz", "auditor", AUDITOR),
        token("head", "officer:head", HEAD),
        token("zholdary", "officer:zholdary", ZHOLDARY),
    ];
    c.log.level = "info".into();
    let path = dir.join("serve.toml");
    std::fs::write(&path, toml::to_string(&c).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["serve", "--config"])
        .arg(&path)
        .env_remove("QOLTANBA_CONFIG")
        .env_remove("QOLTANBA_ARCHIVE__URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qoltanba serve");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let lines = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_owned());
            }
            lines.lock().unwrap().push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server says where it listens");
    Server {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

async fn call(
    server: &Server,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let http = serve_support::client();
    let mut request = match &body {
        Some(_) => http.post(format!("{}{path}", server.base)),
        None => http.get(format!("{}{path}", server.base)),
    };
    if let Some(t) = bearer {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_read_by_their_portal_their_provider_and_auditors_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(dir.path());
    // A legal entity's licence application (provider: ЖОЛДАРЫ), submitted through portal A.
    let (status, submitted) = call(
        &server,
        "/v1/applications",
        Some(PORTAL),
        Some(json!({
            "service": "security-licence-mvd-2012",
            "applicant_id": DALA_MURA_BIN,
            "signature": base64::engine::general_purpose::STANDARD.encode(read("samples/head-attached.cms")),
            "payment_reference": "PAY-ACCESS"
        })),
    )
    .await;
    assert_eq!(status, 201, "{submitted}");
    let number = submitted["number"].as_str().unwrap().to_owned();
    let path = format!("/v1/applications/{number}");

    // Who may read it.
    for (who, bearer) in [
        ("the portal that submitted it", PORTAL),
        ("an officer of the service's provider", ZHOLDARY),
        ("an auditor", AUDITOR),
    ] {
        let (status, view) = call(&server, &path, Some(bearer), None).await;
        assert_eq!(status, 200, "{who}: {view}");
        assert_eq!(view["applicant_id"], DALA_MURA_BIN, "{who}");
    }
    // Who may not: the same answer as for a number that was never given, so that a sequential
    // number tells nothing.
    let missing = qoltanba::workflow::number_of(999_999, time::OffsetDateTime::now_utc());
    let (status, never) = call(
        &server,
        &format!("/v1/applications/{missing}"),
        Some(OTHER_PORTAL),
        None,
    )
    .await;
    assert_eq!(
        (status, never["reason"].as_str()),
        (404, Some("no_such_application"))
    );
    for (who, bearer) in [
        ("another portal", OTHER_PORTAL),
        ("another provider's officer", HEAD),
    ] {
        let (status, refused) = call(&server, &path, Some(bearer), None).await;
        assert_eq!(status, 404, "{who}: {refused}");
        assert_eq!(refused["reason"], never["reason"], "{who}");
        assert_eq!(refused["status"], never["status"], "{who}");
        assert_eq!(
            refused["message"].as_str().unwrap().replace(&number, "N"),
            never["message"].as_str().unwrap().replace(&missing, "N"),
            "{who}: the messages tell the two apart"
        );
        assert!(refused.get("applicant_id").is_none(), "{who}: {refused}");
    }
    let (status, _) = call(&server, &path, None, None).await;
    assert_eq!(status, 401);
    // Nor may another portal post its payment, or see its outcome in the cabinet.
    let (status, refused) = call(
        &server,
        &format!("{path}/payment"),
        Some(OTHER_PORTAL),
        Some(json!({"reference": "PAY-ACCESS", "status": "confirmed"})),
    )
    .await;
    assert_eq!(
        (status, refused["reason"].as_str()),
        (404, Some("no_such_application")),
        "{refused}"
    );
    let (status, paid) = call(
        &server,
        &format!("{path}/payment"),
        Some(PORTAL),
        Some(json!({"reference": "PAY-ACCESS", "status": "confirmed"})),
    )
    .await;
    assert_eq!(
        (status, paid["status"].as_str()),
        (200, Some("under_review")),
        "{paid}"
    );
    let (status, done) = call(
        &server,
        &format!("{path}/decision"),
        Some(ZHOLDARY),
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(
        (status, done["status"].as_str()),
        (200, Some("completed")),
        "{done}"
    );
    let licence = done["outcome"]["document_id"].as_i64().unwrap();
    let (_, own) = call(
        &server,
        &format!("/v1/cabinet/{DALA_MURA_BIN}"),
        Some(PORTAL),
        None,
    )
    .await;
    assert_eq!(own["documents"].as_array().unwrap().len(), 1, "{own}");
    let (_, other) = call(
        &server,
        &format!("/v1/cabinet/{DALA_MURA_BIN}"),
        Some(OTHER_PORTAL),
        None,
    )
    .await;
    assert_eq!(other["documents"], json!([]), "{other}");
    let (status, _) = call(
        &server,
        &format!("/v1/cabinet/{DALA_MURA_BIN}/documents/{licence}"),
        Some(OTHER_PORTAL),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // The auditor's read is in the log as an audit access, naming the auditor's token and the
    // application.
    let audit_line = || {
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains("audit access") && l.contains(&number))
            .cloned()
    };
    let mut line = audit_line();
    for _ in 0..50 {
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        line = audit_line();
    }
    let line = line.unwrap_or_else(|| {
        panic!(
            "no audit access in the log: {:?}",
            server.log.lock().unwrap()
        )
    });
    assert!(line.contains("auditor-kz"), "{line}");
    // Only the auditor's read is an audit access.
    let accesses = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("audit access"))
        .count();
    assert_eq!(accesses, 1, "{:?}", server.log.lock().unwrap());
}
