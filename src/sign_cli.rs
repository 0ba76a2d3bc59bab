//! `qoltanba sign --officer ID --config FILE --in FILE --out FILE [--detached]`: signs a document
//! as an officer of the configuration (the same file as `qoltanba serve`'s, with its
//! `[[officers]]`), after the officer's conditions hold at the current time.
//!
//! Exit codes: 0 signed; 1 refused with an `invalid` reason (`cert_expired`, `cert_revoked`,
//! `key_usage_not_signing`, `provider_mismatch`, `role_not_allowed`, …); 3 refused with an
//! `indeterminate` reason (`revocation_unknown`); 2 for a wrong call (configuration, keystore,
//! password, files). Nothing is written to `--out` unless the signature is made.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::config::ServeConfig;
use crate::serve::ServiceSetup;
use crate::sign::officer::{OfficerInfo, Officers, RuleCheck};
use crate::sign::{Refusal, SignError};
use qoltanba_core::Verifier;
use qoltanba_core::{rfc3339, Verdict};

/// Largest document signed from the command line.
const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// DER (binary).
    Der,
    /// PEM, label CMS.
    Pem,
    /// Base64 of the DER on one line.
    Base64,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The officer's id in the configuration's [[officers]].
    #[arg(long, value_name = "ID")]
    pub officer: String,
    /// The configuration file (the same as `qoltanba serve --config`).
    #[arg(long, value_name = "FILE", env = "QOLTANBA_CONFIG")]
    pub config: PathBuf,
    /// The document to sign (`-` reads standard input).
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the signature (`-` writes standard output and puts the report on stderr).
    #[arg(long = "out", value_name = "FILE")]
    pub output: PathBuf,
    /// Leave the document out of the signature (it travels separately).
    #[arg(long)]
    pub detached: bool,
    /// Encoding of the signature file.
    #[arg(long, value_enum, default_value = "der")]
    pub format: OutputFormat,
    /// Print exactly one JSON document (the report, or the refusal or error).
    #[arg(long)]
    pub json: bool,
}

/// What a successful run reports.
#[derive(Debug, Serialize)]
pub struct SignReport {
    pub status: &'static str,
    pub officer: OfficerInfo,
    pub output: String,
    pub format: &'static str,
    pub detached: bool,
    pub signing_time: String,
    pub content_bytes: usize,
    pub signature_bytes: usize,
    pub signature_sha256: String,
    /// The verdict of the officer's certificate at signing time.
    pub verdict: Verdict,
    pub rules: Vec<RuleCheck>,
    /// The archive's receipt for the stored result.
    pub archived: crate::archive::Receipt,
    /// The RFC 3161 time-stamp of the result.
    pub timestamp: crate::sign::issue::TimestampOutcome,
}

#[derive(Debug, Serialize)]
struct RefusalReport<'a> {
    status: &'static str,
    reason: &'static str,
    message: &'a str,
    officer: &'a str,
    verdict: &'a Verdict,
    rules: &'a [RuleCheck],
}

#[derive(Debug, Serialize)]
struct ErrorReport<'a> {
    status: &'static str,
    reason: &'static str,
    message: &'a str,
}

/// A wrong call: exit code 2.
struct Failure {
    code: &'static str,
    message: String,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

enum Outcome {
    Signed(Box<SignReport>),
    Refused(Box<Refusal>),
}

pub fn run(args: SignArgs) -> i32 {
    init_logging();
    let json = args.json;
    // With the signature on standard output, the report goes to standard error.
    let to_stdout = args.output.as_os_str() != "-";
    let print = |text: &str| {
        if to_stdout {
            println!("{text}");
        } else {
            eprintln!("{text}");
        }
    };
    match execute(&args) {
        Ok(Outcome::Signed(report)) => {
            if json {
                print(&serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                print(&text_report(&report));
            }
            0
        }
        Ok(Outcome::Refused(refusal)) => {
            if json {
                let body = RefusalReport {
                    status: "refused",
                    reason: refusal.reason.as_str(),
                    message: &refusal.message,
                    officer: &refusal.officer,
                    verdict: &refusal.verdict,
                    rules: &refusal.rules,
                };
                print(&serde_json::to_string_pretty(&body).unwrap_or_default());
            } else {
                eprintln!("REFUSED ({}): {}", refusal.reason.as_str(), refusal.message);
                for r in &refusal.rules {
                    eprintln!("  {:<4}  {:<12} {}", r.result, r.check, r.detail);
                }
                eprint!("{}", refusal.verdict.to_text());
            }
            refusal.reason.status().exit_code()
        }
        Err(f) => {
            if json {
                let body = ErrorReport {
                    status: "usage_error",
                    reason: f.code,
                    message: &f.message,
                };
                print(&serde_json::to_string_pretty(&body).unwrap_or_default());
            } else {
                eprintln!("qoltanba sign: {} ({})", f.message, f.code);
            }
            qoltanba_core::UsageError::EXIT_CODE
        }
    }
}

fn execute(args: &SignArgs) -> Result<Outcome, Failure> {
    let config = ServeConfig::load(Some(&args.config), crate::environment::process_env())
        .map_err(|e| Failure::new("config", e.to_string()))?;
    let settings = crate::sign::config::check_all(&config.officers, config.trust.id_policy())
        .map_err(SignError::from)?;
    let officer_settings = settings
        .iter()
        .find(|s| s.id == args.officer)
        .ok_or_else(|| Failure::from(SignError::UnknownOfficer(args.officer.clone())))?;
    if args.input.as_os_str() != "-" && args.input == args.output {
        return Err(Failure::new(
            "bad_request",
            "--in and --out name the same file",
        ));
    }
    let content = read_document(&args.input)?;

    let archive_url = config.archive.url.clone();
    let tsa = (!config.timestamp.url.is_empty()).then(|| {
        let mut tsa = crate::timestamp::TsaClient::new(config.timestamp.url.clone());
        tsa.timeout = std::time::Duration::from_millis(config.timestamp.timeout_ms);
        tsa
    });
    let setup =
        ServiceSetup::from_config(config).map_err(|e| Failure::new("config", e.to_string()))?;
    if setup.demo {
        eprintln!("{}", crate::demo::WARNING);
    }
    let officers = Officers::load(std::slice::from_ref(officer_settings))?;
    let officer = officers
        .get(&args.officer)
        .ok_or_else(|| Failure::from(SignError::UnknownOfficer(args.officer.clone())))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new("internal_error", e.to_string()))?;
    let verifier = runtime.block_on(load_verifier(setup))?;

    let signature = match officer.sign(&verifier, &content, args.detached) {
        Ok(s) => s,
        Err(SignError::Refused(refusal)) => return Ok(Outcome::Refused(refusal)),
        Err(e) => return Err(e.into()),
    };
    // As through the service: time-stamped when a TSA is configured, and archived before the
    // signature is written anywhere.
    let content_bytes = content.len();
    let issued = runtime
        .block_on(async {
            let archive = crate::archive::Archive::open(&archive_url).await?;
            // As the service does: nothing is appended to a chain that does not hold (from the
            // last checkpoint, so this is quick); a break refuses with archive_broken.
            archive.verify_chain().await?;
            crate::sign::issue::stamp_and_archive(
                signature,
                content,
                &verifier,
                Some(&archive),
                tsa.as_ref(),
            )
            .await
        })
        .map_err(|e| match e {
            crate::sign::issue::IssueError::Archive(a) => {
                Failure::new(a.code(), format!("nothing was written: {a}"))
            }
            other => Failure::new("internal_error", other.to_string()),
        })?;
    let (signature, timestamp) = (issued.signature, issued.timestamp);
    let archived = issued
        .archived
        .ok_or_else(|| Failure::new("internal_error", "the result was not archived"))?;
    let encoded = match args.format {
        OutputFormat::Der => signature.der.clone(),
        OutputFormat::Pem => {
            der::pem::encode_string("CMS", der::pem::LineEnding::LF, &signature.der)
                .map_err(|e| Failure::new("internal_error", e.to_string()))?
                .into_bytes()
        }
        OutputFormat::Base64 => {
            let mut text = base64::engine::general_purpose::STANDARD.encode(&signature.der);
            text.push('\n');
            text.into_bytes()
        }
    };
    write_output(&args.output, &encoded)?;
    Ok(Outcome::Signed(Box::new(SignReport {
        status: "signed",
        officer: officer.info(),
        output: args.output.display().to_string(),
        format: match args.format {
            OutputFormat::Der => "der",
            OutputFormat::Pem => "pem",
            OutputFormat::Base64 => "base64",
        },
        detached: args.detached,
        signing_time: rfc3339(signature.signing_time),
        content_bytes,
        signature_bytes: signature.der.len(),
        signature_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&signature.der)),
        verdict: signature.verdict(),
        rules: signature.approval.rules.clone(),
        archived,
        timestamp,
    })))
}

/// The verifier of the configuration, with every CRL source (files, URLs, the cache directory)
/// read once, as `qoltanba serve` does at start-up.
async fn load_verifier(setup: ServiceSetup) -> Result<Arc<Verifier>, Failure> {
    let store = setup
        .crl_store()
        .map_err(|e| Failure::new("config", e.to_string()))?;
    let report = store.start().await;
    for failure in &report.failures {
        tracing::warn!("CRL source: {failure:?}");
    }
    tracing::info!(crls = report.crls, "CRLs loaded");
    Ok(store.verifier().clone())
}

fn read_document(path: &Path) -> Result<Vec<u8>, Failure> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_DOCUMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new("unreadable_file", format!("standard input: {e}")))?;
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(Failure::new(
                "too_large",
                format!("the document is over {MAX_DOCUMENT_BYTES} bytes"),
            ));
        }
        return Ok(bytes);
    }
    qoltanba_core::input::read_limited(path, MAX_DOCUMENT_BYTES, "document")
        .map_err(|e| Failure::new(e.reason.as_str(), e.message))
}

/// Writes the whole signature or nothing: a temporary file beside the target, then a rename.
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let failed = |e: std::io::Error| {
        Failure::new(
            "unwritable_file",
            format!("signature file {}: {e}", path.display()),
        )
    };
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).map_err(failed)?;
        return out.flush().map_err(failed);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "signature".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(failed)
}

fn text_report(r: &SignReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "SIGNED");
    let _ = writeln!(
        out,
        "officer:   {} for {} (BIN {})",
        r.officer.id, r.officer.provider_name, r.officer.provider_bin
    );
    let _ = writeln!(
        out,
        "signature: {} ({} bytes, {}, {}, {})",
        r.output,
        r.signature_bytes,
        r.format,
        if r.detached { "detached" } else { "attached" },
        r.officer.signature_algorithm
    );
    let _ = writeln!(out, "signed at: {}", r.signing_time);
    let _ = writeln!(
        out,
        "archived:  document {} (time-stamp: {})",
        r.archived.id,
        r.timestamp.as_str()
    );
    for rule in &r.rules {
        let _ = writeln!(
            out,
            "  {:<4}  {:<12} {}",
            rule.result, rule.check, rule.detail
        );
    }
    let _ = writeln!(out, "officer's certificate:");
    out.push_str(&r.verdict.to_text());
    out
}

/// Log lines on standard error: warnings by default, `RUST_LOG` for more. They never carry a
/// password or key material.
fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let spec = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into());
    let filter: Targets = spec
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::WARN));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::io::stderr),
        )
        .try_init();
}
