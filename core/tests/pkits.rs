//! NIST PKITS under its default settings (all 214 cases of sections 4.1-4.16, in
//! `fixtures/pkits/cases.json`), run against the core's certificate validation with the mapping of
//! PKITS outcomes to verdicts given in `fixtures/pkits/README.md`: a "valid" case must be `valid`,
//! an "invalid" one must be refused with the contract's reason.
//!
//! `NOT_YET_CONFORMING` lists the cases the verifier still gets wrong. The test fails when a case
//! outside the list goes wrong *and* when a listed case starts passing, so the list only shrinks
//! and always says exactly where conformance stands. `PKITS_REPORT=1` prints every case's answer.

use std::path::PathBuf;
use std::sync::Arc;

use qoltanba_core::{
    parse_time, Certificate, Crl, CrlSnapshot, KeyUsagePolicy, Reason, Status, Verifier,
    VerifyOptions,
};
use serde::Deserialize;

/// Cases answered wrongly today, by PKITS number.
const NOT_YET_CONFORMING: &[&str] = &[];

#[derive(Deserialize)]
struct Case {
    id: String,
    name: String,
    trust: String,
    intermediates: Vec<String>,
    ee: String,
    crls: Vec<String>,
    at: String,
    expect: String,
    reason: Option<String>,
}

fn pkits_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pkits")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(pkits_dir().join("cases.json")).expect("cases.json");
    serde_json::from_str(&text).expect("cases.json parses")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(pkits_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn cert(rel: &str) -> Arc<Certificate> {
    Arc::new(Certificate::from_der(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

/// The verdict a case must get: its status and reason.
fn expected(case: &Case) -> (Status, Option<Reason>) {
    // DSA is not among the contract's algorithms (CONTRACT.md §4: anything else is
    // `unsupported_algorithm`), so PKITS 4.1.4-4.1.6 can be neither valid nor invalid here.
    if case.name.contains("dsa") {
        return (Status::Indeterminate, Some(Reason::UnsupportedAlgorithm));
    }
    if case.expect == "valid" {
        return (Status::Valid, None);
    }
    let reason = match case.reason.as_deref() {
        Some("bad_crl") => Reason::RevocationUnknown,
        Some("revoked") => Reason::CertRevoked,
        Some("expired") => Reason::CertExpired,
        Some("not_yet_valid") => Reason::CertNotYetValid,
        Some("bad_signature") | Some("other") => Reason::ChainUntrusted,
        other => panic!("{}: unknown PKITS reason {other:?}", case.id),
    };
    (reason.status(), Some(reason))
}

/// The verdict the core gives: `Err` when a certificate or CRL of the case does not even parse
/// (which a conforming verifier must still answer with a verdict, never a refusal to load).
fn answer(case: &Case) -> Result<(Status, Option<Reason>, String), String> {
    let mut crls = Vec::new();
    for rel in &case.crls {
        let crl = Crl::from_der(read(rel), 100_000).map_err(|e| format!("CRL {rel}: {e}"))?;
        crls.push(Arc::new(crl));
    }
    let verifier = Verifier::new(vec![cert(&case.trust)], Vec::new(), CrlSnapshot::new(crls))
        .map_err(|e| e.to_string())?;
    let options = VerifyOptions {
        at: Some(parse_time(&case.at).map_err(|e| e.to_string())?),
        key_usage: KeyUsagePolicy::Any,
        extra_intermediates: case.intermediates.iter().map(|i| cert(i)).collect(),
        ..VerifyOptions::default()
    };
    let verdict = verifier.verify_certificate(&cert(&case.ee), &options);
    Ok((verdict.status, verdict.reason, verdict.message))
}

#[test]
fn every_pkits_case_gets_the_contract_verdict() {
    let cases = cases();
    assert_eq!(cases.len(), 214, "the whole suite under default settings");
    let report = std::env::var_os("PKITS_REPORT").is_some();
    let mut wrong = Vec::new();
    let mut now_conforming = Vec::new();
    for case in &cases {
        let want = expected(case);
        let got = answer(case);
        let ok = matches!(&got, Ok((status, reason, _)) if (*status, *reason) == want);
        let line = format!(
            "{} {}: expected {:?} {:?}, got {}",
            case.id,
            case.name,
            want.0,
            want.1,
            match &got {
                Ok((s, r, m)) => format!("{s:?} {r:?}: {m}"),
                Err(e) => format!("a load error: {e}"),
            }
        );
        if report {
            println!("{} {line}", if ok { "ok  " } else { "FAIL" });
        }
        let listed = NOT_YET_CONFORMING.contains(&case.id.as_str());
        if !ok && !listed {
            wrong.push(line);
        } else if ok && listed {
            now_conforming.push(case.id.clone());
        }
    }
    assert!(
        wrong.is_empty() && now_conforming.is_empty(),
        "{} PKITS case(s) wrong:\n{}\n\nnow conforming, remove from NOT_YET_CONFORMING: {:?}",
        wrong.len(),
        wrong.join("\n"),
        now_conforming
    );
}
