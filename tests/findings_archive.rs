//! Issue 18, the archive and the procedure under load and tampering, each finding with the real
//! service on loopback (SQLite and PostgreSQL where storage is involved):
//!
//! - 1: a mixed load (applications, officer signing, `store: true` verifications, 16 clients)
//!   gets no 503;
//! - 4, 5: every evidence table (documents, their `received_unix` included; evidence;
//!   applications; their history; the chain checkpoints) is append-only, and `qoltanba audit
//!   log-check` names a tampered row of each; the cabinet serves no document that a tampered
//!   history moved into it;
//! - 6: the service checks the chain at start (from its checkpoint): on a break writes get 503
//!   `archive_broken`, reads go on, `/readyz` and `/metrics` say so;
//! - 8: a submission stopped half way is taken up at the next start, with a history entry.
//!
//! Finding 9 (who reads which application) is in `tests/findings_access.rs`: it reads the
//! service's log, so it runs the binary.

mod serve_support;

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use qoltanba::archive::Archive;
use qoltanba::config::ServeConfig;
use qoltanba::serve::RunningServer;
use qoltanba::sign::config::OfficerConfig;

use serve_support::archive_support;
use serve_support::{client, fixture, read, token, url, Answer};

const PORTAL: &str = "portal-token-findings-18";
const AUDITOR: &str = "auditor-token-findings-18";
const HEAD: &str = "officer-head-token-findings-18";
const ZHOLDARY: &str = "officer-zholdary-token-findings-18";
const DALA_MURA_BIN: &str = "050340001235";
const ZHOLDARY_BIN: &str = "040340001233";
const INDIVIDUAL_IIN: &str = "880415300127";
const REVOKED_IIN: &str = "821114300340";

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
        provider_name: "provider".into(),
        provider_bin: bin.into(),
        allowed_roles: vec!["first_head".into()],
        password: None,
    }
}

fn config(archive_url: &str) -> ServeConfig {
    let mut c = serve_support::config(&["crl/all-current.pem"], &[]);
    c.archive.url = archive_url.to_owned();
    c.officers = vec![
        officer("head", "officers/head-sign.p12", DALA_MURA_BIN),
        officer("zholdary", "officers/ec-head-sign.p12", ZHOLDARY_BIN),
    ];
    c.auth.tokens = vec![
        token("portal", "portal", PORTAL),
        token("auditor", "auditor", AUDITOR),
        token("head", "officer:head", HEAD),
        token("zholdary", "officer:zholdary", ZHOLDARY),
    ];
    c.workflow.resume_after_seconds = 0;
    c
}

use serve_support::call_as as call;

async fn get(server: &RunningServer, path: &str, bearer: &str) -> Answer {
    call(server, reqwest::Method::GET, path, bearer, None).await
}

async fn post(server: &RunningServer, path: &str, bearer: &str, body: Value) -> Answer {
    call(server, reqwest::Method::POST, path, bearer, Some(body)).await
}

fn application(service: &str, applicant: &str, sample: &str) -> Value {
    json!({ "service": service, "applicant_id": applicant, "signature": b64(&read(sample)) })
}

fn stored_verification() -> Value {
    json!({ "signature": b64(&read("samples/individual-attached.cms")), "store": true })
}

fn signing() -> Value {
    json!({ "document": b64("Рұқсат № 18".as_bytes()), "content_type": "text/plain" })
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
    mixed_load_gets_no_503,
    tampered_documents_received_unix_is_found_and_the_archive_turns_read_only,
    tampered_evidence_is_found,
    tampered_evidence_kind_is_found,
    tampered_application_is_found_and_not_served,
    tampered_history_is_found_and_not_served,
    tampered_checkpoint_is_found,
    tampered_history_checkpoint_is_found,
    rows_inserted_around_the_service_are_found_not_sealed,
    a_submission_stopped_half_way_is_taken_up_at_start,
);

/// Finding 1: 16 clients at once, each in turn submitting an application, signing as the
/// officer and verifying with `store: true`, for a bounded time. Every call is answered, and none
/// with a 503.
async fn mixed_load_gets_no_503(archive_url: String) {
    let server = serve_support::start(config(&archive_url)).await;
    let base = url(&server, "/");
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut clients = Vec::new();
    for c in 0..16usize {
        let base = base.clone();
        clients.push(tokio::spawn(async move {
            let http = client();
            let mut tally: Vec<(String, u16, String)> = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                let (path, bearer, body) = match i % 3 {
                    0 => (
                        "v1/applications",
                        PORTAL,
                        application(
                            "culture-export-almaty-2013",
                            INDIVIDUAL_IIN,
                            "samples/individual-attached.cms",
                        ),
                    ),
                    1 => ("v1/sign", HEAD, signing()),
                    _ => ("v1/verify", PORTAL, stored_verification()),
                };
                i += 1;
                let response = http
                    .post(format!("{base}{path}"))
                    .bearer_auth(bearer)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .expect("every call is answered");
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                tally.push((path.to_owned(), status, text));
            }
            tally
        }));
    }
    let mut calls = Vec::new();
    for c in clients {
        calls.extend(c.await.unwrap());
    }
    let unavailable: Vec<&(String, u16, String)> =
        calls.iter().filter(|(_, s, _)| *s == 503).collect();
    let failed: Vec<&(String, u16, String)> = calls
        .iter()
        .filter(|(_, s, _)| !matches!(s, 200 | 201))
        .collect();
    eprintln!(
        "mixed load ({}): {} calls, {} answered 503, {} not 200/201",
        archive_url.split(':').next().unwrap_or_default(),
        calls.len(),
        unavailable.len(),
        failed.len()
    );
    assert!(calls.len() >= 48, "only {} calls were made", calls.len());
    assert!(
        unavailable.is_empty(),
        "{} of {} calls got 503, the first: {:?}",
        unavailable.len(),
        calls.len(),
        unavailable.first()
    );
    assert!(failed.is_empty(), "{failed:?}");
    // Everything acknowledged is in one intact chain.
    let check = log_check(&archive_url);
    assert!(check.0, "{}", check.1);
    server.shutdown().await.unwrap();
}

/// What the tamper tests start from: an individual's refusal and a legal entity's licence, both
/// delivered, and a stored verification.
struct Scenario {
    /// The individual's refused application and its refusal document.
    individual: (String, i64),
    /// The legal entity's licence application and the licence.
    licence: (String, i64),
    /// A verified request stored with `store: true`.
    request: i64,
}

async fn scenario(archive_url: &str) -> Scenario {
    let server = serve_support::start(config(archive_url)).await;
    let refused = post(
        &server,
        "/v1/applications",
        PORTAL,
        application(
            "culture-export-zhambyl-2015",
            REVOKED_IIN,
            "samples/revoked.cms",
        ),
    )
    .await;
    assert_eq!(refused.json["status"], "refused", "{}", refused.text);
    let mut licence = application(
        "security-licence-mvd-2012",
        DALA_MURA_BIN,
        "samples/head-attached.cms",
    );
    licence["payment_reference"] = json!("PAY-18");
    let submitted = post(&server, "/v1/applications", PORTAL, licence).await;
    assert_eq!(submitted.status, 201, "{}", submitted.text);
    let number = submitted.json["number"].as_str().unwrap().to_owned();
    let paid = post(
        &server,
        &format!("/v1/applications/{number}/payment"),
        PORTAL,
        json!({"reference": "PAY-18", "status": "confirmed"}),
    )
    .await;
    assert_eq!(paid.json["status"], "under_review", "{}", paid.text);
    let approved = post(
        &server,
        &format!("/v1/applications/{number}/decision"),
        ZHOLDARY,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(approved.json["status"], "completed", "{}", approved.text);
    let stored = post(&server, "/v1/verify", PORTAL, stored_verification()).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    server.shutdown().await.unwrap();
    let document = |a: &Answer| a.json["outcome"]["document_id"].as_i64().unwrap();
    Scenario {
        individual: (
            refused.json["number"].as_str().unwrap().to_owned(),
            document(&refused),
        ),
        licence: (number, document(&approved)),
        request: stored.json["archived"]["id"].as_i64().unwrap(),
    }
}

/// `qoltanba audit log-check --archive URL`: (intact, what it printed).
fn log_check(archive_url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["audit", "log-check", "--archive", archive_url])
        .env_remove("QOLTANBA_CONFIG")
        .env_remove("QOLTANBA_ARCHIVE__URL")
        .output()
        .expect("run qoltanba audit log-check");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => (true, text),
        Some(1) => (false, text),
        other => panic!("log-check could not check ({other:?}): {text}"),
    }
}

fn sqlite(archive_url: &str) -> bool {
    archive_url.starts_with("sqlite:")
}

/// Runs `sql` behind the service's back. `Err` carries the database's refusal.
async fn execute(archive_url: &str, sql: &str) -> Result<(), String> {
    let archive = Archive::open(archive_url).await.expect("open the archive");
    let done = sqlx::query(sql)
        .execute(archive.pool())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    archive.pool().close().await;
    done
}

/// The table refuses UPDATE and DELETE; then its guard is dropped, as a database administrator
/// could, and `tamper` runs.
async fn tamper(archive_url: &str, table: &str, update: &str) {
    let refused = execute(archive_url, update).await;
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("append-only")),
        "{table}: UPDATE was not refused: {refused:?}"
    );
    let delete = execute(archive_url, &format!("DELETE FROM {table}")).await;
    assert!(
        delete.as_ref().is_err_and(|e| e.contains("append-only")),
        "{table}: DELETE was not refused: {delete:?}"
    );
    let drops: Vec<String> = if sqlite(archive_url) {
        vec![
            format!("DROP TRIGGER {table}_no_update"),
            format!("DROP TRIGGER {table}_no_delete"),
        ]
    } else {
        vec![format!("DROP TRIGGER {table}_append_only ON {table}")]
    };
    for drop in drops {
        execute(archive_url, &drop).await.expect("drop the guard");
    }
    execute(archive_url, update)
        .await
        .expect("the tampering runs");
}

/// Finding 6: after a break the service starts, says so, refuses every write with 503
/// `archive_broken`, and still answers reads.
async fn assert_read_only(archive_url: &str, s: &Scenario) {
    let server = serve_support::start(config(archive_url)).await;
    let ready = serve_support::get(&server, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json["status"], "read_only", "{}", ready.text);
    assert_eq!(
        ready.json["archive"]["chain_intact"], false,
        "{}",
        ready.text
    );
    assert_eq!(ready.json["archive"]["reason"], "archive_broken");
    let metrics = serve_support::get(&server, "/metrics").await;
    assert!(
        metrics.text.contains("qoltanba_archive_chain_intact 0"),
        "{}",
        metrics.text
    );
    let writes = [
        post(&server, "/v1/verify", PORTAL, stored_verification()).await,
        post(&server, "/v1/sign", HEAD, signing()).await,
        post(
            &server,
            "/v1/applications",
            PORTAL,
            application(
                "culture-export-almaty-2013",
                INDIVIDUAL_IIN,
                "samples/individual-attached.cms",
            ),
        )
        .await,
    ];
    for w in &writes {
        assert_eq!(
            (w.status, w.json["reason"].as_str()),
            (503, Some("archive_broken")),
            "{}",
            w.text
        );
    }
    // Reads: the auditor's documents, an application's status, a plain verification.
    let document = get(&server, &format!("/v1/documents/{}", s.request), AUDITOR).await;
    assert_eq!(document.status, 200, "{}", document.text);
    let reverified = call(
        &server,
        reqwest::Method::POST,
        &format!("/v1/documents/{}/reverify", s.request),
        AUDITOR,
        None,
    )
    .await;
    assert_eq!(reverified.status, 200, "{}", reverified.text);
    let status = get(
        &server,
        &format!("/v1/applications/{}", s.individual.0),
        AUDITOR,
    )
    .await;
    assert_eq!(status.status, 200, "{}", status.text);
    let plain = serve_support::verify_sample(&server, "individual-attached.cms", None).await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    server.shutdown().await.unwrap();
}

/// Finding 5 (and 6): a record's receipt time moved a day back: log-check names the record, and
/// the service, starting from its checkpoint, finds it too.
async fn tampered_documents_received_unix_is_found_and_the_archive_turns_read_only(
    archive_url: String,
) {
    let s = scenario(&archive_url).await;
    // A start records the head as a checkpoint; what is stored after it is checked from there.
    let server = serve_support::start(config(&archive_url)).await;
    let later = post(&server, "/v1/verify", PORTAL, stored_verification()).await;
    assert_eq!(later.status, 201, "{}", later.text);
    server.shutdown().await.unwrap();
    let id = later.json["archived"]["id"].as_i64().unwrap();
    assert!(log_check(&archive_url).0);
    tamper(
        &archive_url,
        "documents",
        &format!("UPDATE documents SET received_unix = received_unix - 86400 WHERE id = {id}"),
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains(&format!("record {id}")), "{text}");
    assert_read_only(&archive_url, &s).await;
    // Nor does `qoltanba sign` append to it.
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sign",
            "--config",
            "config/demo-officers.toml",
            "--officer",
            "dala-mura-head",
            "--in",
            "fixtures/samples/request-legal.json",
            "--out",
        ])
        .arg(dir.path().join("result.cms"))
        .env_remove("QOLTANBA_CONFIG")
        .env("QOLTANBA_ARCHIVE__URL", &archive_url)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("archive_broken"), "{text}");
    assert!(!dir.path().join("result.cms").exists());
}

async fn tampered_evidence_is_found(archive_url: String) {
    let s = scenario(&archive_url).await;
    tamper(
        &archive_url,
        "evidence",
        "UPDATE evidence SET der = (SELECT e.der FROM evidence e WHERE e.kind = 'cert' LIMIT 1) \
         WHERE kind = 'crl'",
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains("evidence"), "{text}");
    drop(s);
}

/// A CRL relabelled as a certificate: its bytes still hash to its name, but re-verification would
/// read it as what it is not.
async fn tampered_evidence_kind_is_found(archive_url: String) {
    scenario(&archive_url).await;
    tamper(
        &archive_url,
        "evidence",
        "UPDATE evidence SET kind = 'cert' WHERE kind = 'crl'",
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains("its kind was changed"), "{text}");
}

/// Finding 4: the licence's application moved to the individual's IIN.
async fn tampered_application_is_found_and_not_served(archive_url: String) {
    let s = scenario(&archive_url).await;
    let id = s
        .licence
        .0
        .split('-')
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    tamper(
        &archive_url,
        "applications",
        &format!(
            "UPDATE applications SET applicant_id = '{REVOKED_IIN}', applicant_kind = 'individual' WHERE id = {id}"
        ),
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains(&format!("application {id}")), "{text}");
    let server = serve_support::start(config(&archive_url)).await;
    let download = get(
        &server,
        &format!("/v1/cabinet/{REVOKED_IIN}/documents/{}", s.licence.1),
        PORTAL,
    )
    .await;
    assert_eq!(download.status, 404, "{}", download.text);
    server.shutdown().await.unwrap();
    assert_read_only(&archive_url, &s).await;
}

/// Finding 4 as reported: the individual's history made to name the legal entity's licence as
/// its result, so that the licence showed in the individual's cabinet.
async fn tampered_history_is_found_and_not_served(archive_url: String) {
    let s = scenario(&archive_url).await;
    let id = s
        .individual
        .0
        .split('-')
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    tamper(
        &archive_url,
        "application_events",
        &format!(
            "UPDATE application_events SET document_id = {} WHERE application = {id} AND step IN ('result', 'delivery')",
            s.licence.1
        ),
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains("application history"), "{text}");
    let server = serve_support::start(config(&archive_url)).await;
    let download = get(
        &server,
        &format!("/v1/cabinet/{REVOKED_IIN}/documents/{}", s.licence.1),
        PORTAL,
    )
    .await;
    assert_eq!(download.status, 404, "{}", download.text);
    server.shutdown().await.unwrap();
    assert_read_only(&archive_url, &s).await;
}

/// The checkpoint the start check begins from, rewritten to a hash the record never had.
async fn tampered_checkpoint_is_found(archive_url: String) {
    let s = scenario(&archive_url).await;
    // The scenario's server recorded a checkpoint at its start (an empty archive: none) and on
    // schedule; a second start records the head.
    let server = serve_support::start(config(&archive_url)).await;
    server.shutdown().await.unwrap();
    tamper(
        &archive_url,
        "archive_checkpoints",
        &format!(
            "UPDATE archive_checkpoints SET head_hash = '{}'",
            "0".repeat(64)
        ),
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains("checkpoint"), "{text}");
    assert_read_only(&archive_url, &s).await;
}

/// The history's checkpoint, rewritten: the documents' chain holds, the history's check cannot
/// start.
async fn tampered_history_checkpoint_is_found(archive_url: String) {
    let s = scenario(&archive_url).await;
    let server = serve_support::start(config(&archive_url)).await;
    server.shutdown().await.unwrap();
    tamper(
        &archive_url,
        "history_checkpoints",
        &format!(
            "UPDATE history_checkpoints SET head_hash = '{}'",
            "0".repeat(64)
        ),
    )
    .await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains("checkpoint"), "{text}");
    assert_read_only(&archive_url, &s).await;
}

/// INSERT is not refused: a step appended around the service (naming the legal entity's licence
/// as the individual's result) and a made-up application are found, at the next start and by
/// log-check, never sealed into the chain.
async fn rows_inserted_around_the_service_are_found_not_sealed(archive_url: String) {
    let s = scenario(&archive_url).await;
    let individual = s
        .individual
        .0
        .split('-')
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    // Rows as the service would write them but for their hashes: the next step of the
    // individual's history, and a whole application with its first step.
    execute(
        &archive_url,
        &format!(
            "INSERT INTO application_events (application, seq, at, step, status, document_id) \
             SELECT {individual}, MAX(seq) + 1, '2026-06-01T12:00:00Z', 'delivery', 'completed', {} \
             FROM application_events WHERE application = {individual}",
            s.licence.1
        ),
    )
    .await
    .expect("insert a step");
    execute(
        &archive_url,
        "INSERT INTO applications (service, applicant_id, applicant_kind, submitted_at, deadline, signature) \
         SELECT service, applicant_id, applicant_kind, submitted_at, deadline, signature FROM applications \
         WHERE id = 1",
    )
    .await
    .expect("insert an application");
    execute(
        &archive_url,
        "INSERT INTO application_events (application, seq, at, step, status) \
         SELECT MAX(id), 1, '2026-06-01T12:00:00Z', 'submission', 'submitted' FROM applications",
    )
    .await
    .expect("insert its first step");
    assert_read_only(&archive_url, &s).await;
    let (intact, text) = log_check(&archive_url);
    assert!(!intact, "{text}");
    assert!(text.contains("application history"), "{text}");
}

/// Finding 8: submissions that stop after their first step (as a crash there would leave them)
/// are taken up at the next start: their history says so, and they go on — an unpaid service to
/// its signing condition, a paid one named without a payment reference to its refusal.
async fn a_submission_stopped_half_way_is_taken_up_at_start(archive_url: String) {
    // Applicants no other test of this binary submits for: the hook stops only these.
    let (person, entity) = ("970213450180", "060340001237");
    let server = serve_support::start(config(&archive_url)).await;
    let hook = &qoltanba::workflow::test_hooks::FAIL_AFTER_CREATE;
    hook.lock()
        .unwrap()
        .extend([person.to_owned(), entity.to_owned()]);
    let stopped = [
        post(
            &server,
            "/v1/applications",
            PORTAL,
            application(
                "culture-export-almaty-2013",
                person,
                "samples/individual-attached.cms",
            ),
        )
        .await,
        post(
            &server,
            "/v1/applications",
            PORTAL,
            application(
                "security-licence-mvd-2012",
                entity,
                "samples/head-attached.cms",
            ),
        )
        .await,
    ];
    hook.lock().unwrap().retain(|a| a != person && a != entity);
    for s in &stopped {
        assert_eq!(s.status, 500, "{}", s.text);
    }
    server.shutdown().await.unwrap();
    // The applications the stop left: the first two of this fresh archive, still `submitted`
    // and `awaiting_payment` with nothing after their submission.
    let now = time::OffsetDateTime::now_utc();
    let (first, second) = (
        qoltanba::workflow::number_of(1, now),
        qoltanba::workflow::number_of(2, now),
    );
    let server = serve_support::start(config(&archive_url)).await;
    let steps = |view: &Answer| -> Vec<String> {
        view.json["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{}:{}",
                    e["step"].as_str().unwrap(),
                    e["code"].as_str().unwrap_or("-")
                )
            })
            .collect()
    };
    let view = get(&server, &format!("/v1/applications/{first}"), AUDITOR).await;
    assert_eq!(view.status, 200, "{}", view.text);
    assert_eq!(view.json["applicant_id"], person);
    let taken = steps(&view);
    assert_eq!(
        taken[..2],
        ["submission:-", "submission:resumed"],
        "{taken:?}"
    );
    assert!(
        taken[2].starts_with("signing_condition:"),
        "it goes on to its signing condition: {taken:?}"
    );
    // Its signature is not the applicant's: refused, with the refusal in the cabinet.
    assert_eq!(view.json["status"], "refused", "{}", view.text);
    assert_eq!(
        view.json["outcome"]["reason"], "identity_mismatch",
        "{}",
        view.text
    );
    let view = get(&server, &format!("/v1/applications/{second}"), AUDITOR).await;
    assert_eq!(view.json["applicant_id"], entity, "{}", view.text);
    let taken = steps(&view);
    assert_eq!(
        taken[..3],
        [
            "submission:-",
            "submission:resumed",
            "payment_condition:no_reference"
        ],
        "{taken:?}"
    );
    assert_eq!(view.json["status"], "refused", "{}", view.text);
    server.shutdown().await.unwrap();
    // The steps taken up are chained like any: the next start, from the checkpoints the last one
    // recorded, finds everything intact, and so does log-check from the start.
    let server = serve_support::start(config(&archive_url)).await;
    let ready = serve_support::get(&server, "/readyz").await;
    assert_eq!(ready.json["status"], "ready", "{}", ready.text);
    server.shutdown().await.unwrap();
    let (intact, text) = log_check(&archive_url);
    assert!(intact, "{text}");
}
