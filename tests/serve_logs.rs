//! What `qoltanba serve` writes to its log, read from the real binary: with `log.format = "json"`
//! every record is a JSON object (the demo banner is for people, and only in the human format),
//! and a readiness probe answered 503 is not logged as an error at every poll.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use serve_support::process::Reaped;

/// Runs `qoltanba serve` with `env` (and JSON logs), calls `/readyz` `polls` times, stops it, and
/// returns its stderr lines and the readiness statuses.
async fn run(env: &[(&str, String)], polls: usize) -> (Vec<String>, Vec<u16>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qoltanba"));
    command.arg("serve");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("QOLTANBA_") {
            command.env_remove(key);
        }
    }
    let archive = tempfile::tempdir().unwrap();
    command
        .env("QOLTANBA_LISTEN", "127.0.0.1:0")
        .env(
            "QOLTANBA_ARCHIVE__URL",
            format!("sqlite://{}/a.sqlite", archive.path().display()),
        )
        .env("QOLTANBA_LOG__FORMAT", "json")
        .env("QOLTANBA_LOG__LEVEL", "info")
        .env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qoltanba serve starts");
    let stderr = child.stderr.take().unwrap();
    let server = Reaped(child);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        let found = lines
            .lock()
            .unwrap()
            .iter()
            .find_map(|l| l.split("listening on http://").nth(1).map(str::to_owned));
        if let Some(addr) = found {
            break addr;
        }
        assert!(
            Instant::now() < deadline,
            "the server says where it listens"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let http = serve_support::client();
    let mut statuses = Vec::new();
    for _ in 0..polls {
        let response = http
            .get(format!("http://{}/readyz", addr.trim()))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    // Let the log catch up before the process goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(server);
    let lines = lines.lock().unwrap().clone();
    (lines, statuses)
}

/// The one line outside the log that callers and scripts read to find the address.
fn is_address_line(line: &str) -> bool {
    line.starts_with("qoltanba serve: listening on http://")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_hold_only_json_records_even_on_the_demo_configuration() {
    let (lines, _) = run(&[], 1).await;
    let records: Vec<Value> = lines
        .iter()
        .filter(|l| !is_address_line(l))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let demo = records
        .iter()
        .find(|r| r["fields"]["demo"] == true)
        .unwrap_or_else(|| panic!("a structured demo warning among {lines:#?}"));
    assert_eq!(demo["level"], "WARN", "{demo}");
    // No officer at all is a verify-only deployment: nothing to warn about at every start.
    let warnings: Vec<&Value> = records
        .iter()
        .filter(|r| r["level"] == "WARN" && r["fields"]["demo"] != true)
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readiness_probe_answered_503_is_not_an_error_line() {
    let fixture = |rel: &str| serve_support::fixture(rel).display().to_string();
    let stale = [
        ("QOLTANBA_TRUST__ANCHORS", fixture("pki/trust.pem")),
        (
            "QOLTANBA_TRUST__INTERMEDIATES",
            fixture("pki/intermediates.pem"),
        ),
        // nca-rsa's CRL is past its nextUpdate: not ready.
        (
            "QOLTANBA_CRL__PATHS",
            [
                "crl/nca-rsa-stale.pem",
                "crl/root.crl",
                "crl/nca-ec.crl",
                "crl/nca-revoked-ca.crl",
            ]
            .map(fixture)
            .join(","),
        ),
    ];
    let (lines, statuses) = run(&stale, 5).await;
    assert_eq!(statuses, vec![503; 5], "{lines:#?}");
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| !is_address_line(l))
        .filter(|l| {
            serde_json::from_str::<Value>(l)
                .map(|r| r["level"] == "ERROR")
                .unwrap_or(true)
        })
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
