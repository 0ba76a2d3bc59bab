//! The archive through the real binary: a `qoltanba serve` killed with SIGKILL in the middle of a
//! burst of store calls loses none that it answered 201, on both back ends; `qoltanba audit
//! log-check` and `qoltanba audit reverify` read what it left.

mod serve_support;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::json;

use serve_support::archive_support;
use serve_support::process::{audit, spawn_server};
use serve_support::{client, read};

const AUDITOR: &str = "auditor-token-durability";
const PORTAL: &str = "portal-token-durability";

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

on_both_backends!(nothing_acknowledged_is_lost_to_sigkill);

async fn nothing_acknowledged_is_lost_to_sigkill(archive_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let config = serve_support::process::write_config(dir.path(), &archive_url, AUDITOR, PORTAL);
    let (mut child, addr) = spawn_server(&config);
    let body = Arc::new(
        json!({
            "signature": base64::engine::general_purpose::STANDARD.encode(read("samples/individual-attached.cms")),
            "store": true
        })
        .to_string(),
    );
    let http = client();
    let (acks_tx, mut acks_rx) = tokio::sync::mpsc::unbounded_channel::<(i64, String)>();
    let mut calls = Vec::new();
    for _ in 0..32 {
        let (http, addr, body, acks) = (http.clone(), addr.clone(), body.clone(), acks_tx.clone());
        calls.push(tokio::spawn(async move {
            for _ in 0..40 {
                let sent = http
                    .post(format!("http://{addr}/v1/verify"))
                    .bearer_auth(PORTAL)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                let Ok(response) = sent else { return };
                if response.status().as_u16() != 201 {
                    continue;
                }
                let Ok(text) = response.text().await else {
                    return;
                };
                let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
                let id = answer["archived"]["id"].as_i64().unwrap();
                let hash = answer["archived"]["record_hash"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let _ = acks.send((id, hash));
            }
        }));
    }
    drop(acks_tx);
    // Kill in the middle of the burst.
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 150 {
        match tokio::time::timeout(Duration::from_secs(60), acks_rx.recv()).await {
            Ok(Some(ack)) => acknowledged.push(ack),
            _ => break,
        }
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    for call in calls {
        let _ = call.await;
    }
    while let Ok(ack) = acks_rx.try_recv() {
        acknowledged.push(ack);
    }
    assert!(
        acknowledged.len() >= 150,
        "the burst was answered: {}",
        acknowledged.len()
    );
    assert!(acknowledged.len() < 32 * 40, "the kill landed mid-burst");

    let (mut child, addr) = spawn_server(&config);
    for (id, hash) in &acknowledged {
        let text = http
            .get(format!("http://{addr}/v1/documents/{id}"))
            .bearer_auth(AUDITOR)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            answer["record_hash"].as_str(),
            Some(hash.as_str()),
            "document {id}"
        );
    }
    child.kill().unwrap();
    let _ = child.wait();

    let check = audit(&["log-check", "--archive", &archive_url]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(text.starts_with("intact: "), "{text}");

    let report = dir.path().join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["audit", "reverify", "--config"])
        .arg(&config)
        .arg("--report")
        .arg(&report)
        .env_remove("QOLTANBA_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(text.contains("valid"), "{text}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<h2>Summary</h2>"));
}

/// Wrong calls of `qoltanba audit` exit 2 with a sentence; a broken chain exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_cli_errors_and_a_broken_chain() {
    let url = archive_support::sqlite_url();
    for (args, needle) in [
        (
            vec!["reverify", "--archive", url.as_str(), "--from", "someday"],
            "neither a date",
        ),
        (
            vec![
                "reverify",
                "--archive",
                url.as_str(),
                "--from",
                "2026-02-01",
                "--to",
                "2026-01-01",
            ],
            "--from is not before --to",
        ),
        (
            vec![
                "reverify",
                "--archive",
                url.as_str(),
                "--signer",
                "880415300128",
            ],
            "control digit",
        ),
        (
            vec![
                "reverify",
                "--archive",
                url.as_str(),
                "--report",
                "/tmp/report.txt",
            ],
            ".html or .json",
        ),
        (vec!["log-check", "--archive", "mysql://x"], "sqlite://PATH"),
        (
            vec![
                "log-check",
                "--archive",
                url.as_str(),
                "--expect-head",
                "nine",
            ],
            "ID:HASH",
        ),
    ] {
        let out = audit(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // An archive with one document, then record 1 edited behind its back.
    let archive = qoltanba::archive::Archive::open(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = serve_support::process::write_config(dir.path(), &url, AUDITOR, PORTAL);
    let (mut child, addr) = spawn_server(&config);
    let stored = client()
        .post(format!("http://{addr}/v1/verify?store=true"))
        .bearer_auth(PORTAL)
        .header("content-type", "application/pkcs7-signature")
        .body(read("samples/individual-attached.cms"))
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 201);
    child.kill().unwrap();
    let _ = child.wait();
    let intact = audit(&["log-check", "--archive", &url, "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&intact.stdout).unwrap();
    assert_eq!(report["records"], 1);
    let head = format!("1:{}", report["head_hash"].as_str().unwrap());
    assert_eq!(
        audit(&["log-check", "--archive", &url, "--expect-head", &head])
            .status
            .code(),
        Some(0)
    );
    sqlx::query("DROP TRIGGER documents_no_update")
        .execute(archive.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE documents SET expected_id = '880415300127' WHERE id = 1")
        .execute(archive.pool())
        .await
        .unwrap();
    let broken = audit(&["log-check", "--archive", &url]);
    let text = String::from_utf8_lossy(&broken.stdout);
    assert_eq!(broken.status.code(), Some(1), "{text}");
    assert!(text.contains("BROKEN: record 1 was altered"), "{text}");
}
