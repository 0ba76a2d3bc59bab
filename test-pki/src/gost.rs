//! `fixtures/gost/`: a GOST test PKI in the profile of Kazakhstan's NCA (since 2024 GOST R
//! 34.10-2015 512-bit keys only), next to the RSA/EC PKI of `fixtures/pki/`: certificates and
//! keys (`gost_certs`, `gost_keys`), CRLs (`gost_crls`), NCALayer-style CMS samples
//! (`gost_samples`, `gost_cms`), bundles, `manifest.json` and `README.md`.
//!
//! Everything is deterministic: keys come from their names, GOST nonces from RFC 6979, RSA
//! PKCS#1 v1.5 is deterministic, so a second run writes the same bytes as long as the RSA
//! signer of the mixed sample (`fixtures/pki/individual-sign`) is unchanged. Before returning,
//! every certificate, CRL and sample is judged by the verifier library at the reference time and
//! any disagreement with the tables is an error.
//!
//! Usage: `cargo run -p test-pki --release -- gost [FIXTURES]`

use std::fs;
use std::path::Path;
use std::sync::Arc;

use qoltanba_core::{input, CrlSnapshot, KeyUsagePolicy, Verifier, VerifyOptions};
use serde_json::json;

use crate::gost_certs::{self, GostPki, Profile};
use crate::gost_crls::{self, GostCrl};
use crate::gost_samples::{self, Bundles, GostSampleSpec, RsaSigner};
use crate::times::{rfc3339, T0};
use crate::Result;

pub const REGENERATE: &str = "cargo run -p test-pki --release -- gost fixtures";

/// The CAs in `intermediates.pem`.
const INTERMEDIATES: &[&str] = &["nca-gost", "nca-gost2004"];

/// Writes `FIXTURES/gost/` (wiped first) and checks it with the verifier library.
pub fn generate(fixtures: &Path) -> Result<()> {
    let dir = fixtures.join("gost");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    for sub in ["pki/keys", "crl", "samples"] {
        fs::create_dir_all(dir.join(sub))?;
    }

    eprintln!("GOST certificates:");
    let pki = GostPki::build(gost_certs::specs())?;
    for cert in &pki.certs {
        let name = cert.spec.name;
        fs::write(dir.join(format!("pki/{name}.der")), &cert.der)?;
        fs::write(dir.join(format!("pki/{name}.pem")), &cert.pem)?;
        fs::write(
            dir.join(format!("pki/keys/{name}.key.der")),
            cert.key.pkcs8_der()?,
        )?;
        fs::write(
            dir.join(format!("pki/keys/{name}.key.pem")),
            cert.key.pkcs8_pem()?,
        )?;
    }
    fs::write(dir.join("trust.pem"), &pki.get("root").pem)?;
    let intermediates: String = INTERMEDIATES
        .iter()
        .map(|n| pki.get(n).pem.as_str())
        .collect();
    fs::write(dir.join("intermediates.pem"), intermediates)?;

    eprintln!("GOST CRLs:");
    let mut crls = Vec::new();
    let mut bundle = String::new();
    for spec in gost_crls::specs() {
        eprintln!("  crl {}", spec.name);
        let crl = gost_crls::build(&pki, spec)?;
        fs::write(dir.join(format!("crl/{}.crl", crl.spec.name)), &crl.der)?;
        fs::write(dir.join(format!("crl/{}.pem", crl.spec.name)), crl.pem()?)?;
        if crl.spec.current {
            bundle.push_str(&crl.pem()?);
        }
        crls.push(crl);
    }
    fs::write(dir.join("crl/all-current.pem"), bundle)?;

    eprintln!("GOST samples:");
    let samples = gost_samples::specs();
    let rsa = RsaSigner::load(fixtures)?;
    gost_samples::generate(&dir.join("samples"), &pki, &rsa, &samples)?;

    let mut json = serde_json::to_string_pretty(&manifest(&pki, &crls, &samples))?;
    json.push('\n');
    fs::write(dir.join("manifest.json"), json)?;
    fs::write(
        dir.join("README.md"),
        crate::gost_readme::render(&pki, &crls, &samples),
    )?;

    eprintln!("GOST self-check (verifier library at {}):", rfc3339(T0));
    check(fixtures, &pki, &samples)?;
    eprintln!("done: {}", dir.display());
    Ok(())
}

fn expect_json(e: &gost_certs::Expect) -> serde_json::Value {
    json!({ "status": e.status, "reason": e.reason })
}

fn manifest(pki: &GostPki, crls: &[GostCrl], samples: &[GostSampleSpec]) -> serde_json::Value {
    let certificates: Vec<_> = pki
        .certs
        .iter()
        .map(|c| {
            let s = &c.spec;
            let [curve, digest] = s.algo.key_param_oids();
            json!({
                "name": s.name,
                "file": format!("pki/{}.der", s.name),
                "pem": format!("pki/{}.pem", s.name),
                "key": format!("pki/keys/{}.key.der", s.name),
                "issuer": s.issuer,
                "subject": s.subject.display(),
                "ca": s.is_ca(),
                "profile": s.profile.label(),
                "key_usage": s.profile.key_usage_label(),
                "role": s.role().map(|r| r.label()),
                "iin": s.subject.iin,
                "bin": s.subject.bin,
                "key_algorithm": s.algo.label(),
                "key_oid": s.algo.key_oid().to_string(),
                "key_parameters": [curve.to_string(), digest.to_string()],
                "signed_with": pki.get(s.issuer).spec.algo.signature_oid().to_string(),
                "serial": c.serial_hex(),
                "subject_key_identifier": hex::encode(&c.ski),
                "not_before": rfc3339(s.not_before),
                "not_after": rfc3339(s.not_after),
                "verify_cert_at_reference_time": expect_json(&s.expect),
                "verify_cert_any_key_usage": s.is_ca(),
                "story": s.story,
            })
        })
        .collect();
    let crl_list: Vec<_> = crls
        .iter()
        .map(|c| {
            let s = &c.spec;
            json!({
                "name": s.name,
                "file": format!("crl/{}.crl", s.name),
                "issuer": s.issuer,
                "number": s.number,
                "delta_of": s.delta_of,
                "this_update": rfc3339(s.this_update),
                "next_update": rfc3339(s.next_update),
                "in_all_current": s.current,
                "entries": s.entries.iter().map(|e| json!({
                    "certificate": e.cert,
                    "serial": pki.get(e.cert).serial_hex(),
                    "date": rfc3339(e.date),
                    "reason": crate::gost_readme::reason_name(e.reason),
                })).collect::<Vec<_>>(),
                "story": s.story,
            })
        })
        .collect();
    let sample_list: Vec<_> = samples
        .iter()
        .map(|s| {
            json!({
                "file": format!("samples/{}", s.file),
                "signers": s.signers,
                "content": format!("samples/{}", s.content),
                "mode": s.mode(),
                "bundles": match s.bundles {
                    Bundles::Gost => "gost",
                    Bundles::GostAndRsa => "gost+rsa",
                },
                "expected_at_reference_time": expect_json(&s.expect),
                "story": s.story,
            })
        })
        .collect();
    json!({
        "description": "GOST test PKI in the NCA profile (fixtures/gost/README.md)",
        "regenerate": REGENERATE,
        "reference_time": rfc3339(T0),
        "trust": "trust.pem",
        "intermediates": "intermediates.pem",
        "crls": "crl/all-current.pem",
        "rsa_bundles": {
            "trust": "../pki/trust.pem",
            "intermediates": "../pki/intermediates.pem",
            "crls": "../crl/all-current.pem",
        },
        "certificates": certificates,
        "crl_files": crl_list,
        "samples": sample_list,
    })
}

/// A verifier over the GOST bundles (and the RSA ones too when asked).
fn verifier(fixtures: &Path, with_rsa: bool) -> Result<Verifier> {
    let limits = input::InputLimits::default();
    let read = |rel: &str| -> Result<Vec<u8>> { Ok(fs::read(fixtures.join(rel))?) };
    let mut trust = vec!["gost/trust.pem"];
    let mut intermediates = vec!["gost/intermediates.pem"];
    let mut crl_files = vec!["gost/crl/all-current.pem"];
    if with_rsa {
        trust.push("pki/trust.pem");
        intermediates.push("pki/intermediates.pem");
        crl_files.push("crl/all-current.pem");
    }
    let mut anchors = Vec::new();
    for f in trust {
        anchors.extend(input::certificates_from_bytes(&read(f)?, &limits)?);
    }
    let mut pool = Vec::new();
    for f in intermediates {
        pool.extend(input::certificates_from_bytes(&read(f)?, &limits)?);
    }
    let mut crls = Vec::new();
    for f in crl_files {
        crls.extend(input::crls_from_bytes(&read(f)?, &limits)?);
    }
    Ok(Verifier::new(anchors, pool, CrlSnapshot::new(crls))?)
}

/// Every certificate and sample against its expectation at the reference time.
fn check(fixtures: &Path, pki: &GostPki, samples: &[GostSampleSpec]) -> Result<()> {
    let gost_only = verifier(fixtures, false)?;
    let with_rsa = verifier(fixtures, true)?;
    let mut failures = Vec::new();
    let mut report = |what: String,
                      expect: &gost_certs::Expect,
                      status: &str,
                      reason: Option<&str>,
                      message: &str| {
        let ok = expect.status == status && expect.reason == reason;
        eprintln!(
            "  {} {what}: {status}{}",
            if ok { "ok  " } else { "FAIL" },
            reason.map(|r| format!("/{r}")).unwrap_or_default()
        );
        if !ok {
            failures.push(format!(
                "{what}: expected {}{}, the verifier says {status}{} ({message})",
                expect.status,
                expect.reason.map(|r| format!("/{r}")).unwrap_or_default(),
                reason.map(|r| format!("/{r}")).unwrap_or_default()
            ));
        }
    };
    let limits = input::InputLimits::default();
    for cert in &pki.certs {
        let parsed = input::certificates_from_bytes(&cert.der, &limits)?;
        let parsed = parsed.first().ok_or("no certificate")?;
        let options = VerifyOptions {
            at: Some(T0),
            key_usage: if cert.spec.profile == Profile::Ca {
                KeyUsagePolicy::Any
            } else {
                KeyUsagePolicy::default()
            },
            ..VerifyOptions::default()
        };
        let verdict = gost_only.verify_certificate(&Arc::clone(parsed), &options);
        report(
            format!("verify-cert pki/{}.der", cert.spec.name),
            &cert.spec.expect,
            verdict.status.as_str(),
            verdict.reason.map(|r| r.as_str()),
            &verdict.message,
        );
    }
    let dir = fixtures.join("gost/samples");
    for spec in samples {
        let bytes = fs::read(dir.join(spec.file))?;
        let content = fs::read(dir.join(spec.content))?;
        let detached = spec.detached.then_some(content.as_slice());
        let options = VerifyOptions {
            at: Some(T0),
            ..VerifyOptions::default()
        };
        let v = match spec.bundles {
            Bundles::Gost => &gost_only,
            Bundles::GostAndRsa => &with_rsa,
        };
        let verdict = v.verify_signature(&bytes, detached, &options)?;
        report(
            format!("verify samples/{}", spec.file),
            &spec.expect,
            verdict.status.as_str(),
            verdict.reason.map(|r| r.as_str()),
            &verdict.message,
        );
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fixtures/gost/ was written, but the verifier disagrees with its tables:\n  {}",
            failures.join("\n  ")
        )
        .into())
    }
}
