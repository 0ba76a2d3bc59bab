//! `qoltanba serve` and `qoltanba audit` as processes: the real binary, as an operator runs it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Writes a configuration for the binary: fixture PKI, current CRLs, the archive, an auditor
/// token and a portal token.
pub fn write_config(
    dir: &std::path::Path,
    archive_url: &str,
    auditor: &str,
    portal: &str,
) -> std::path::PathBuf {
    let mut c = super::config(&["crl/all-current.pem"], &[]);
    c.archive.url = archive_url.to_owned();
    c.auth.tokens = vec![
        super::token("auditor", "auditor", auditor),
        super::token("portal", "portal", portal),
    ];
    c.log.level = "warn".into();
    let path = dir.join("serve.toml");
    std::fs::write(&path, toml::to_string(&c).unwrap()).unwrap();
    path
}

/// Starts `qoltanba serve --config FILE` and returns it with its address (read from its log).
pub fn spawn_server(config: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .args(["serve", "--config"])
        .arg(config)
        .env_remove("QOLTANBA_CONFIG")
        .env_remove("QOLTANBA_ARCHIVE__URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qoltanba serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    (child, addr)
}

/// `qoltanba audit ARGS`.
pub fn audit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qoltanba"))
        .arg("audit")
        .args(args)
        .env_remove("QOLTANBA_CONFIG")
        .output()
        .expect("run qoltanba audit")
}

/// Kills the child process when dropped, so that a failing test leaves no server behind.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
