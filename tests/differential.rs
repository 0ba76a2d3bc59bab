//! Differential tests: for every fixture signature, the cryptographic, chain, validity and
//! revocation part of our verdict agrees with `openssl cms -verify` on the same files (OpenSSL 3.0
//! has no -untrusted/-CRLfile for cms, so intermediates and PEM CRLs go into the -CAfile bundle).
//! Key-usage and identity rules are ours alone, so they are left out of the comparison, and so are
//! algorithms we deliberately do not accept (SHA-1, P-384), which OpenSSL does.

mod common;

use common::{fixture, have_openssl, path_str, qoltanba};
use serde::Deserialize;
use std::process::Command;

const T0: &str = "2026-06-01T12:00:00Z";
const T0_EPOCH: &str = "1780315200";

#[derive(Deserialize)]
struct Manifest {
    samples: Vec<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    file: String,
    mode: String,
    content: String,
    format: String,
}

/// The checks OpenSSL also performs.
const SHARED_CHECKS: [&str; 6] = [
    "signature",
    "message_digest",
    "content_type",
    "chain",
    "validity",
    "revocation",
];

fn ours(sample: &Sample) -> Option<bool> {
    let file = path_str(&fixture(&sample.file));
    let mut args = vec![
        "verify",
        &file,
        "--trust",
        "fixtures/pki/trust.pem",
        "--intermediate",
        "fixtures/pki/intermediates.pem",
    ];
    args.extend([
        "--crl",
        "fixtures/crl/all-current.pem",
        "--at",
        T0,
        "--json",
    ]);
    let data = path_str(&fixture(&sample.content));
    if sample.mode == "detached" {
        args.extend(["--data", &data]);
    }
    let run = qoltanba(&args);
    if run.reason() == Some("unsupported_algorithm") {
        return None;
    }
    let checks = run.json["checks"].as_array().expect("a verdict document");
    Some(
        checks
            .iter()
            .filter(|c| SHARED_CHECKS.contains(&c["check"].as_str().unwrap()))
            .all(|c| c["result"] == "pass"),
    )
}

fn openssl(sample: &Sample, bundle: &std::path::Path) -> bool {
    let mut args: Vec<String> = vec![
        "cms".into(),
        "-verify".into(),
        "-binary".into(),
        "-in".into(),
        path_str(&fixture(&sample.file)),
    ];
    args.extend([
        "-inform".into(),
        if sample.format == "der" {
            "DER".into()
        } else {
            "PEM".into()
        },
    ]);
    args.extend([
        "-CAfile".into(),
        path_str(bundle),
        "-crl_check_all".into(),
        "-use_deltas".into(),
        "-extended_crl".into(),
    ]);
    args.extend([
        "-attime".into(),
        T0_EPOCH.into(),
        "-purpose".into(),
        "any".into(),
        "-out".into(),
        "/dev/null".into(),
    ]);
    if sample.mode == "detached" {
        args.extend(["-content".into(), path_str(&fixture(&sample.content))]);
    }
    Command::new("openssl")
        .args(&args)
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn every_fixture_signature_agrees_with_openssl_cms_verify() {
    if !have_openssl() {
        eprintln!("openssl not installed: differential test skipped");
        return;
    }
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(fixture("manifest.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca-bundle.pem");
    let mut text = String::new();
    for part in [
        "pki/trust.pem",
        "pki/intermediates.pem",
        "crl/all-current.pem",
    ] {
        text.push_str(&std::fs::read_to_string(fixture(part)).unwrap());
    }
    std::fs::write(&bundle, text).unwrap();

    let (mut compared, mut disagreements) = (0, Vec::new());
    for sample in manifest.samples.iter().filter(|s| s.format == "der") {
        let Some(ours) = ours(sample) else { continue };
        let theirs = openssl(sample, &bundle);
        compared += 1;
        if ours != theirs {
            disagreements.push(format!(
                "{}: qoltanba {ours}, openssl {theirs}",
                sample.file
            ));
        }
    }
    assert!(compared >= 25, "only {compared} samples compared");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
