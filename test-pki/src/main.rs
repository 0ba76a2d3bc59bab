//! Generator of the test PKI under fixtures/: certificates and keys (pki/),
//! CRLs (crl/), signed CMS samples (samples/), manifest.json and README.md.
//!
//! Usage: `cargo run -p test-pki --release -- fixtures`
//!        `cargo run -p test-pki --release -- big-crl OUT.crl [ENTRIES] [FIXTURES] [CRL_NUMBER]` (a large CRL)
//!        `cargo run -p test-pki --release -- lapsed-delta [FIXTURES]` (only
//!        crl/nca-rsa-delta-lapsed.*, signed by the existing nca-rsa key)
//!        `cargo run -p test-pki --release -- officers [FIXTURES]` (only fixtures/officers/, from
//!        the existing pki/)
//!        `cargo run -p test-pki --release -- tsa [FIXTURES]` (only pki/tsa*, issued by the
//!        existing intermediate keys)
//!        `cargo run -p test-pki --release -- tsa-seeded [FIXTURES]` (only the seeded P-256
//!        TSAs pki/tsa-ec and pki/tsa-revoked-ca, and the TSA section of the README)
//!        `cargo run -p test-pki --release -- gost [FIXTURES]` (only fixtures/gost/, the GOST PKI
//!        in the NCA profile; its mixed GOST+RSA sample reads the existing pki/individual-sign)

mod bigcrl;
mod certs;
mod crls;
mod gost;
mod gost_certs;
mod gost_cms;
mod gost_crls;
mod gost_readme;
mod gost_samples;
mod keys;
mod manifest;
mod names;
mod officers;
mod readme;
mod samples;
mod times;
mod tsa;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certs::Pki;
// The GOST keys live in the library target, which the tests' builders share.
use test_pki::gost_keys;

pub use test_pki::Result;

pub const REGENERATE: &str = "cargo run -p test-pki --release -- fixtures";

/// Intermediates bundled in pki/intermediates.pem.
const INTERMEDIATES: &[&str] = &["nca-rsa", "nca-ec", "nca-revoked-ca"];
/// CRLs bundled in crl/all-current.pem.
const ALL_CURRENT: &[&str] = &[
    "root",
    "nca-rsa",
    "nca-rsa-delta",
    "nca-ec",
    "nca-revoked-ca",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("big-crl") => big_crl(&args[1..]),
        Some("lapsed-delta") => bigcrl::write_lapsed_delta(Path::new(
            args.get(1).map(String::as_str).unwrap_or("fixtures"),
        )),
        Some("officers") => officers::generate(Path::new(
            args.get(1).map(String::as_str).unwrap_or("fixtures"),
        )),
        Some("tsa") => tsa::generate(Path::new(
            args.get(1).map(String::as_str).unwrap_or("fixtures"),
        )),
        Some("tsa-seeded") => tsa::generate_seeded(Path::new(
            args.get(1).map(String::as_str).unwrap_or("fixtures"),
        )),
        Some("gost") => gost::generate(Path::new(
            args.get(1).map(String::as_str).unwrap_or("fixtures"),
        )),
        first => run(Path::new(first.unwrap_or("fixtures"))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("test-pki: {e}");
            ExitCode::FAILURE
        }
    }
}

fn big_crl(args: &[String]) -> Result<()> {
    let out = args
        .first()
        .ok_or("usage: big-crl OUT.crl [ENTRIES] [FIXTURES] [CRL_NUMBER]")?;
    let entries = match args.get(1) {
        Some(n) => n.parse()?,
        None => 1_000_000,
    };
    let fixtures = PathBuf::from(args.get(2).map(String::as_str).unwrap_or("fixtures"));
    let number = match args.get(3) {
        Some(n) => n.parse()?,
        None => 1000,
    };
    bigcrl::write(&fixtures, Path::new(out), entries, number)?;
    eprintln!("wrote {out}: {entries} entries");
    Ok(())
}

fn run(out: &Path) -> Result<()> {
    let pki_dir = out.join("pki");
    let crl_dir = out.join("crl");
    let samples_dir = out.join("samples");
    for dir in [&pki_dir, &crl_dir, &samples_dir] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
    }
    fs::create_dir_all(pki_dir.join("keys"))?;
    fs::create_dir_all(&crl_dir)?;
    fs::create_dir_all(&samples_dir)?;

    eprintln!("certificates:");
    let pki = Pki::build(certs::specs())?;
    for cert in &pki.certs {
        let name = cert.spec.name;
        fs::write(pki_dir.join(format!("{name}.pem")), &cert.pem)?;
        fs::write(pki_dir.join(format!("{name}.der")), &cert.der)?;
        fs::write(
            pki_dir.join("keys").join(format!("{name}.key.pem")),
            cert.key.pkcs8_pem(),
        )?;
    }
    fs::write(pki_dir.join("trust.pem"), &pki.get("root").pem)?;
    let intermediates: String = INTERMEDIATES
        .iter()
        .map(|n| pki.get(n).pem.clone())
        .collect();
    fs::write(pki_dir.join("intermediates.pem"), intermediates)?;

    eprintln!("CRLs:");
    let mut built = Vec::new();
    for spec in crls::specs() {
        eprintln!("  crl {}", spec.name);
        let crl = crls::build(&pki, spec)?;
        fs::write(crl_dir.join(format!("{}.crl", crl.spec.name)), &crl.der)?;
        fs::write(
            crl_dir.join(format!("{}.pem", crl.spec.name)),
            crl_pem(&crl.der)?,
        )?;
        built.push(crl);
    }
    let mut bundle = String::new();
    for name in ALL_CURRENT {
        let crl = built
            .iter()
            .find(|c| c.spec.name == *name)
            .ok_or_else(|| format!("unknown CRL {name}"))?;
        bundle.push_str(&crl_pem(&crl.der)?);
    }
    fs::write(crl_dir.join("all-current.pem"), bundle)?;

    eprintln!("samples:");
    let sample_specs = samples::specs();
    samples::generate(&samples_dir, &pki_dir, &pki, &sample_specs)?;

    fs::write(
        out.join("README.md"),
        readme::render(&certs::specs(), &crls::specs(), &sample_specs),
    )?;
    let manifest = manifest::build(&pki, &built, &sample_specs, ALL_CURRENT, REGENERATE);
    let mut json = serde_json::to_string_pretty(&manifest)?;
    json.push('\n');
    fs::write(out.join("manifest.json"), json)?;
    // The TSA certificates are issued by the new nca-rsa key.
    tsa::generate(out)?;
    // The officers' keystores hold the new keys.
    bigcrl::write_lapsed_delta(out)?;
    officers::generate(out)?;
    // fixtures/gost/ only: its mixed sample signs with the new pki/individual-sign key.
    gost::generate(out)?;
    eprintln!("done: {}", out.display());
    Ok(())
}

fn crl_pem(der: &[u8]) -> Result<String> {
    der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der)
        .map_err(|e| format!("PEM encoding: {e}").into())
}
