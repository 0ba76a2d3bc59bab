//! The verifier library is pure: no async runtime, HTTP, SQL or HTTP-client crate among the
//! dependencies that `qoltanba-core` builds with (dev-dependencies aside), so that a portal backend
//! can embed it and the fuzz targets reach it alone.

use std::process::Command;

/// Crates that must never be built into `qoltanba-core`.
const FORBIDDEN: &[&str] = &[
    "tokio",
    "axum",
    "hyper",
    "hyper-util",
    "reqwest",
    "sqlx",
    "sqlx-core",
    "mio",
    "tower",
];

#[test]
fn the_core_builds_without_runtime_http_or_sql_crates() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--package",
            "qoltanba-core",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"qoltanba-core") && crates.contains(&"der"),
        "the tree was read: {tree}"
    );
    for krate in FORBIDDEN {
        assert!(
            !crates.contains(krate),
            "qoltanba-core depends on {krate}:\n{tree}"
        );
    }
}
