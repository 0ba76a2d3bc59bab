//! Archives for tests: a fresh SQLite file per test, and a fresh database per test on the loopback
//! PostgreSQL server that `scripts/pg-test-server` starts (or `ARCHIVE_TEST_POSTGRES_URL` names).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos()),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new SQLite archive file in the temporary directory (never in the working tree).
pub fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.sqlite", unique("qoltanba_test_archive")));
    format!("sqlite://{}", path.display())
}

/// The URL of the test PostgreSQL server's admin database.
pub fn postgres_server_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("ARCHIVE_TEST_POSTGRES_URL") {
            return url;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-test-server");
        let out = std::process::Command::new("bash")
            .arg(script)
            .output()
            .expect("run scripts/pg-test-server");
        assert!(
            out.status.success(),
            "the archive tests need PostgreSQL: scripts/pg-test-server failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    })
    .clone()
}

/// A new, empty database on the test PostgreSQL server.
pub async fn postgres_url() -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let server = postgres_server_url();
    let name = unique("qoltanba_test");
    let mut admin = sqlx::AnyConnection::connect(&server)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    match server.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("unexpected PostgreSQL URL {server}"),
    }
}
