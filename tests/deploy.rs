//! The deployment files of `deploy/`, checked without a container runtime (none runs here): the
//! systemd unit by `systemd-analyze verify` and its offline security score, the Dockerfile and
//! the compose file by their structure; and the set-up the compose file describes — two nodes
//! on one PostgreSQL archive — run as two processes.

mod serve_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use serve_support::archive_support;
use serve_support::process::{audit, spawn_server, write_config};
use serve_support::{b64, client, read};

fn deploy(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(deploy(name)).unwrap_or_else(|e| panic!("deploy/{name}: {e}"))
}

/// The unit with its ExecStart pointed at the binary under test (verify checks that it exists).
fn unit_for_this_build(dir: &Path) -> PathBuf {
    let unit =
        text("qoltanba.service").replace("/usr/local/bin/qoltanba", env!("CARGO_BIN_EXE_qoltanba"));
    let path = dir.join("qoltanba.service");
    std::fs::write(&path, unit).unwrap();
    path
}

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_this_build(dir.path());
    let verify = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze (Debian's systemd package; scripts/test-all installs it)");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze security");
    let report = String::from_utf8_lossy(&security.stdout);
    let level: f64 = report
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for qoltanba.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{report}"));
    // systemd rates 0-10; "OK" ends at 4.9. The unit is held well inside it.
    assert!(level <= 2.0, "exposure {level}:\n{report}");

    let unit = text("qoltanba.service");
    for line in [
        "DynamicUser=yes",
        "StateDirectory=qoltanba",
        "CacheDirectory=qoltanba",
        "Environment=QOLTANBA_ARCHIVE__URL=sqlite:///var/lib/qoltanba/archive.sqlite",
        "Environment=QOLTANBA_CRL__CACHE_DIR=/var/cache/qoltanba/crl",
        "RestartPreventExitStatus=2",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in the unit");
    }
}

#[test]
fn the_dockerfile_builds_in_two_stages_and_runs_unprivileged_with_a_health_check() {
    let dockerfile = text("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter(|l| !l.starts_with(' '))
        .collect();
    let from: Vec<&&str> = instructions
        .iter()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(from.len(), 2, "a build stage and a runtime stage: {from:?}");
    assert!(
        from[1].contains("-slim"),
        "a small runtime image: {}",
        from[1]
    );
    let user = instructions
        .iter()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER");
    assert!(!user.contains("root"), "{user}");
    let health = dockerfile
        .split("HEALTHCHECK")
        .nth(1)
        .expect("a HEALTHCHECK");
    assert!(health.contains("/healthz"), "{health}");
    assert!(dockerfile.contains("QOLTANBA_ARCHIVE__URL=sqlite:///var/lib/qoltanba/"));
    assert!(dockerfile.contains("VOLUME [\"/var/lib/qoltanba\""));
    assert!(
        !instructions.iter().any(|l| l.starts_with("ADD http")),
        "no remote ADD"
    );
    assert!(
        dockerfile.contains("--locked"),
        "the lock file decides versions"
    );
}

/// The compose file as JSON (Python's YAML reader).
fn compose() -> Value {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(deploy("compose.yaml"))
        .output()
        .expect("python3 with PyYAML (python3-yaml; scripts/test-all installs it)");
    assert!(
        out.status.success(),
        "compose.yaml does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_compose_file_puts_two_nodes_behind_a_tls_proxy_on_one_postgresql() {
    let compose = compose();
    let services = &compose["services"];
    let archive = |node: &str| {
        services[node]["environment"]["QOLTANBA_ARCHIVE__URL"]
            .as_str()
            .unwrap_or_else(|| panic!("{node} names its archive"))
            .to_owned()
    };
    assert!(
        archive("node1").starts_with("postgres://"),
        "{}",
        archive("node1")
    );
    assert_eq!(archive("node1"), archive("node2"), "one archive");
    assert!(archive("node1").contains("@db:5432/"));
    assert_eq!(
        services["node2"]["build"]["dockerfile"], "deploy/Dockerfile",
        "node2 is node1's image"
    );
    assert_eq!(services["proxy"]["ports"], json!(["443:443"]));
    let nginx = text("nginx.conf");
    for line in ["server node1:8080", "server node2:8080", "listen 443 ssl;"] {
        assert!(nginx.contains(line), "{line} in nginx.conf");
    }
}

const AUDITOR: &str = "auditor-token-two-nodes";
const PORTAL: &str = "portal-token-two-nodes";

/// The compose set-up without containers: two `qoltanba serve` processes on one PostgreSQL
/// database take stores in turn (as the proxy spreads them); each reads what the other stored,
/// and the archive's chain is intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_postgresql_archive() {
    let archive_url = archive_support::postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &archive_url, AUDITOR, PORTAL);
    let (node1, addr1) = spawn_server(&config);
    let _node1 = serve_support::process::Reaped(node1);
    let (node2, addr2) = spawn_server(&config);
    let _node2 = serve_support::process::Reaped(node2);
    let nodes = [addr1, addr2];

    let body = json!({ "signature": b64(&read("samples/individual-attached.cms")), "store": true })
        .to_string();
    let http = client();
    let mut calls = Vec::new();
    for i in 0..24 {
        let (http, addr, body) = (http.clone(), nodes[i % 2].clone(), body.clone());
        calls.push(tokio::spawn(async move {
            let response = http
                .post(format!("http://{addr}/v1/verify"))
                .bearer_auth(PORTAL)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("the node answers");
            let status = response.status().as_u16();
            let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
            assert_eq!(status, 201, "{answer}");
            answer["archived"]["id"].as_i64().expect("an id")
        }));
    }
    let mut ids = Vec::new();
    for call in calls {
        ids.push(call.await.unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24, "every store got its own document");

    for addr in &nodes {
        let listed = http
            .get(format!("http://{addr}/v1/documents?limit=100"))
            .bearer_auth(AUDITOR)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let listed: Value = serde_json::from_str(&listed).unwrap();
        let seen: Vec<i64> = listed["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["id"].as_i64())
            .collect();
        for id in &ids {
            assert!(seen.contains(id), "{addr} lists document {id}");
        }
    }

    let check = audit(&["log-check", "--archive", &archive_url]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{report}");
    assert!(report.starts_with("intact: "), "{report}");
}
