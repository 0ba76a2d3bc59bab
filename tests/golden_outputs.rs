//! The command line's answers on the fixtures, byte for byte: every sample signature and every
//! test certificate, as JSON and as text, and a few wrong calls. `fixtures/golden/outputs.json`
//! holds what the binary printed when the outputs were last changed on purpose; a change of
//! wording, field order or verdict shows here as a diff.
//!
//! To record the outputs anew (after a deliberate change, reviewed in the diff):
//! `QOLTANBA_BLESS=1 cargo test --test golden_outputs`. `QOLTANBA_GOLDEN_BIN` runs another build
//! of the binary instead (to record what an earlier version printed).

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{fixture, root};
use serde::{Deserialize, Serialize};

const AT: &str = "2026-06-01T12:00:00Z";

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Every case: a name and the arguments after the binary.
fn cases() -> Vec<(String, Vec<String>)> {
    let mut cases = Vec::new();
    let context = |args: &mut Vec<String>| {
        for a in [
            "--trust",
            "fixtures/pki/trust.pem",
            "--intermediate",
            "fixtures/pki/intermediates.pem",
            "--crl",
            "fixtures/crl/all-current.pem",
            "--at",
            AT,
        ] {
            args.push(a.to_owned());
        }
    };
    for sample in files("samples", &["cms", "pem", "b64", "b64line"]) {
        for json in [true, false] {
            let mut args = vec!["verify".to_owned(), format!("fixtures/samples/{sample}")];
            context(&mut args);
            if sample.contains("detached") {
                args.extend(["--data".into(), "fixtures/samples/request.json".into()]);
            }
            if json {
                args.push("--json".into());
            }
            cases.push((format!("verify {sample}{}", suffix(json)), args));
        }
    }
    for cert in files("pki", &["der"]) {
        for json in [true, false] {
            let mut args = vec!["verify-cert".to_owned(), format!("fixtures/pki/{cert}")];
            context(&mut args);
            if json {
                args.push("--json".into());
            }
            cases.push((format!("verify-cert {cert}{}", suffix(json)), args));
        }
    }
    let mut with = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "verify".to_owned(),
            "fixtures/samples/individual-attached.cms".to_owned(),
        ];
        context(&mut args);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        cases.push((name.to_owned(), args));
    };
    with(
        "expected IIN matches",
        &["--expect-id", "880415300127", "--json"],
    );
    with(
        "expected BIN mismatch",
        &["--expect-id", "050340001235", "--json"],
    );
    with(
        "expected id with a bad control digit",
        &["--expect-id", "123456789011", "--json"],
    );
    with(
        "validation time unreadable",
        &["--at", "yesterday", "--json"],
    );
    cases
}

fn suffix(json: bool) -> &'static str {
    if json {
        " --json"
    } else {
        ""
    }
}

fn files(dir: &str, extensions: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(fixture(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| extensions.iter().any(|x| n.ends_with(&format!(".{x}"))))
        .collect();
    out.sort();
    out
}

fn run(binary: &str, args: &[String]) -> Output {
    let out = Command::new(binary)
        .args(args)
        .current_dir(root())
        .output()
        .expect("run qoltanba");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_command_line_prints_what_it_printed() {
    let binary = std::env::var("QOLTANBA_GOLDEN_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_qoltanba").to_owned());
    let path = fixture("golden/outputs.json");
    let now: BTreeMap<String, Output> = cases()
        .into_iter()
        .map(|(name, args)| (name, run(&binary, &args)))
        .collect();
    assert!(now.len() > 100, "{} cases", now.len());
    if std::env::var_os("QOLTANBA_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
        return;
    }
    let recorded: BTreeMap<String, Output> =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut differ = Vec::new();
    for (name, output) in &now {
        match recorded.get(name) {
            Some(was) if was == output => {}
            Some(was) => differ.push(format!(
                "{name}: was exit {} {:?} {:?}, now exit {} {:?} {:?}",
                was.code, was.stdout, was.stderr, output.code, output.stdout, output.stderr
            )),
            None => differ.push(format!("{name}: not recorded")),
        }
    }
    for name in recorded.keys().filter(|n| !now.contains_key(*n)) {
        differ.push(format!("{name}: recorded but no longer run"));
    }
    assert!(
        differ.is_empty(),
        "{} of {} outputs differ:\n{}",
        differ.len(),
        now.len(),
        differ.join("\n")
    );
}
