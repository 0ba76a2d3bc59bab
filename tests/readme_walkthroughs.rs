//! The README's service walkthroughs, run as written: the first `sh` block of "The archive and the
//! auditor" and of "The state-service procedure", in bash, in a fresh directory that looks like a
//! checkout (fixtures, config, `target/release/qoltanba` being the binary under test), each run
//! twice so that a second run starts from an empty archive as the first did. The only change is
//! the port, a free one instead of 8080.

use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The first fenced `sh` block after the heading `## {section}`.
fn first_sh_block(readme: &str, section: &str) -> String {
    let start = readme
        .find(&format!("\n## {section}\n"))
        .unwrap_or_else(|| panic!("README has a section {section:?}"));
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("an sh block") + "```sh\n".len();
    let close = rest[open..].find("\n```").expect("the block ends");
    rest[open..open + close].to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A directory with the checkout's fixtures and configuration and the binary under test at
/// `target/release/qoltanba`.
fn checkout_like() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in ["fixtures", "config"] {
        std::os::unix::fs::symlink(repo.join(entry), dir.path().join(entry)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_qoltanba"),
        dir.path().join("target/release/qoltanba"),
    )
    .unwrap();
    dir
}

/// Runs `script` with bash in `dir` on a free port; its standard output and error.
fn run(dir: &Path, script: &str) -> String {
    let port = free_port();
    let script = script.replace("8080", &port.to_string());
    let mut command = Command::new("timeout");
    command
        .args(["120", "bash", "-c", &script])
        .current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("QOLTANBA_") {
            command.env_remove(key);
        }
    }
    let out = command
        .env("QOLTANBA_LISTEN", format!("127.0.0.1:{port}"))
        .env("QOLTANBA_LOG__LEVEL", "warn")
        .output()
        .expect("bash runs");
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_archive_walkthrough_runs_as_written_twice() {
    let script = first_sh_block(&readme(), "The archive and the auditor");
    let dir = checkout_like();
    for round in 1..=2 {
        let output = run(dir.path(), &script);
        for expected in [
            "\"reason\":\"cert_revoked\"",
            "\"status\":\"signed\"",
            "\"as_of_signing\"",
            "intact: 2 records",
        ] {
            assert!(
                output.contains(expected),
                "round {round}: {expected} in\n{output}"
            );
        }
    }
}

#[test]
fn the_procedure_walkthrough_runs_as_written_twice() {
    let script = first_sh_block(&readme(), "The state-service procedure");
    let dir = checkout_like();
    for round in 1..=2 {
        let output = run(dir.path(), &script);
        assert!(
            output.contains("\"status\":\"completed\""),
            "round {round}:\n{output}"
        );
        // The cabinet's JSON ends without a newline: the verdict's first line follows it.
        assert!(
            output.contains("VALID\nmessage: Every condition holds") && !output.contains("INVALID"),
            "round {round}: the downloaded licence verifies:\n{output}"
        );
    }
}
