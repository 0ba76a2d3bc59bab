//! `qoltanba audit`: the auditor's commands over the archive.
//!
//! ```text
//! qoltanba audit reverify [--config FILE] [--archive URL] [--from DATE] [--to DATE] [--signer IIN]
//!                         [--report FILE.html|FILE.json] [--workers N] [--json]
//! qoltanba audit log-check [--config FILE] [--archive URL] [--expect-head ID:HASH] [--json]
//! ```
//! Exit codes: 0 all valid as of signing / chain intact; 1 some document invalid as of signing /
//! the chain is broken; 3 some indeterminate as of signing (none invalid); 2 a wrong call or
//! configuration; 4 the archive or the report could not be read or written.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use time::OffsetDateTime;

use crate::archive::log_check;
use crate::archive::report::{HtmlReport, JsonReport, RunInfo, Summary};
use crate::archive::reverify::{self, Reverification};
use crate::archive::{Archive, DocumentQuery};
use crate::config::ServeConfig;
use crate::serve::ServiceSetup;
use qoltanba_core::Verifier;
use qoltanba_core::{rfc3339, Status};

#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Args, Clone)]
pub struct Target {
    /// The service's TOML configuration (archive, trust anchors, CRL sources); QOLTANBA_* variables
    /// override it. Without one: the demo configuration.
    #[arg(long, value_name = "FILE", env = "QOLTANBA_CONFIG")]
    pub config: Option<PathBuf>,
    /// The archive URL (sqlite://PATH or postgres://…), instead of the configuration's.
    #[arg(long, value_name = "URL")]
    pub archive: Option<String>,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Re-verify archived documents as of their signing time and as of now, on every core.
    Reverify {
        #[command(flatten)]
        target: Target,
        /// Documents received on or after this date (YYYY-MM-DD or RFC 3339).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Documents received up to this date (a whole day when YYYY-MM-DD), or before this RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Only documents of this signer (IIN or BIN).
        #[arg(long, value_name = "IIN_OR_BIN")]
        signer: Option<String>,
        /// Write the report: HTML (one printable file) or JSON, by the extension.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Threads that verify (default: one per core).
        #[arg(long, value_name = "N")]
        workers: Option<usize>,
        /// Print the summary as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Walk the archive's hash chain and name the first altered, removed or reordered record.
    LogCheck {
        #[command(flatten)]
        target: Target,
        /// A head noted earlier (`ID:HASH`, as printed): fails if it is no longer in the chain.
        #[arg(long, value_name = "ID:HASH")]
        expect_head: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

const EXIT_USAGE: i32 = 2;
const EXIT_UNAVAILABLE: i32 = 4;

fn usage(message: impl std::fmt::Display) -> i32 {
    eprintln!("qoltanba audit: {message}");
    EXIT_USAGE
}

fn unavailable(message: impl std::fmt::Display) -> i32 {
    eprintln!("qoltanba audit: {message}");
    EXIT_UNAVAILABLE
}

pub fn run(args: AuditArgs) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return unavailable(format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        match args.command {
            AuditCommand::Reverify {
                target,
                from,
                to,
                signer,
                report,
                workers,
                json,
            } => {
                let query = match query(from.as_deref(), to.as_deref(), signer.as_deref()) {
                    Ok(q) => q,
                    Err(code) => return code,
                };
                let workers = workers
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
                reverify_command(&target, query, report.as_deref(), workers, json).await
            }
            AuditCommand::LogCheck {
                target,
                expect_head,
                json,
            } => log_check_command(&target, expect_head.as_deref(), json).await,
        }
    })
}

/// `YYYY-MM-DD` or RFC 3339; a date given as `--to` covers that whole day.
fn parse_date(text: &str, end_of_day: bool) -> Result<OffsetDateTime, String> {
    if let Ok(t) = qoltanba_core::parse_time(text) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format)
        .map_err(|_| format!("{text:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time"))?;
    let start = date.midnight().assume_utc();
    Ok(if end_of_day {
        start + time::Duration::days(1)
    } else {
        start
    })
}

fn query(from: Option<&str>, to: Option<&str>, signer: Option<&str>) -> Result<DocumentQuery, i32> {
    let from = from
        .map(|t| parse_date(t, false))
        .transpose()
        .map_err(usage)?;
    let to = to.map(|t| parse_date(t, true)).transpose().map_err(usage)?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(usage("--from is not before --to"));
        }
    }
    let signer = signer
        .map(qoltanba_core::parse_expected_id)
        .transpose()
        .map_err(|e| usage(e.message))?
        .map(|id| id.as_string());
    Ok(DocumentQuery { signer, from, to })
}

fn load_config(target: &Target) -> Result<ServeConfig, i32> {
    let mut config = ServeConfig::load(target.config.as_deref(), crate::environment::process_env())
        .map_err(usage)?;
    if let Some(url) = &target.archive {
        config.archive.url = url.clone();
        config.validate().map_err(usage)?;
    }
    Ok(config)
}

async fn open(config: &ServeConfig) -> Result<Archive, i32> {
    Archive::open(&config.archive.url)
        .await
        .map_err(unavailable)
}

/// The live verifier of the configuration: its trust anchors and the CRLs of its sources, loaded
/// once.
async fn live_verifier(config: ServeConfig) -> Result<Arc<Verifier>, i32> {
    let setup = ServiceSetup::from_config(config).map_err(usage)?;
    if setup.demo {
        eprintln!("qoltanba audit: judging \"as of now\" with the bundled DEMO PKI (test keys)");
    }
    let store = setup.crl_store().map_err(usage)?;
    let report = store.start().await;
    for failure in &report.failures {
        eprintln!("qoltanba audit: CRL source {}: {}", failure.0, failure.1);
    }
    Ok(store.verifier().clone())
}

enum ReportWriter {
    Html(HtmlReport<BufWriter<std::fs::File>>),
    Json(JsonReport<BufWriter<std::fs::File>>),
}

impl ReportWriter {
    fn create(path: &Path, run: &RunInfo) -> Result<Self, String> {
        let kind = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let file = || {
            std::fs::File::create(path)
                .map(BufWriter::new)
                .map_err(|e| format!("report {}: {e}", path.display()))
        };
        let io = |e: std::io::Error| format!("report {}: {e}", path.display());
        match kind.as_deref() {
            Some("html") | Some("htm") => Ok(ReportWriter::Html(
                HtmlReport::start(file()?, run).map_err(io)?,
            )),
            Some("json") => Ok(ReportWriter::Json(
                JsonReport::start(file()?, run).map_err(io)?,
            )),
            _ => Err(format!(
                "report {}: the name must end in .html or .json",
                path.display()
            )),
        }
    }

    fn row(&mut self, r: &Reverification) -> std::io::Result<()> {
        match self {
            ReportWriter::Html(w) => w.row(r),
            ReportWriter::Json(w) => w.row(r),
        }
    }

    fn finish(self, summary: &Summary) -> std::io::Result<()> {
        match self {
            ReportWriter::Html(w) => w.finish(summary),
            ReportWriter::Json(w) => w.finish(summary),
        }
    }
}

async fn reverify_command(
    target: &Target,
    query: DocumentQuery,
    report: Option<&Path>,
    workers: usize,
    json: bool,
) -> i32 {
    let config = match load_config(target) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let archive = match open(&config).await {
        Ok(a) => a,
        Err(code) => return code,
    };
    let verifier = match live_verifier(config).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let run = RunInfo {
        archive: archive.url().to_owned(),
        generated_at: rfc3339(now),
        from: query.from.map(rfc3339),
        to: query.to.map(rfc3339),
        signer: query.signer.clone(),
    };
    let mut writer = match report.map(|p| ReportWriter::create(p, &run)).transpose() {
        Ok(w) => w,
        Err(e) => return usage(e),
    };
    let total = match archive.count(&query).await {
        Ok(n) => n,
        Err(e) => return unavailable(e),
    };
    let bar = ProgressBar::with_draw_target(
        Some(total),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} re-verifying [{bar:40}] {pos}/{len} documents ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let started = std::time::Instant::now();
    let mut write_error = None;
    let outcome = reverify::reverify_all(&archive, &verifier, &query, now, workers, |r| {
        bar.inc(1);
        if let Some(w) = writer.as_mut() {
            if let Err(e) = w.row(r) {
                write_error.get_or_insert(e);
            }
        }
    })
    .await;
    bar.finish_and_clear();
    let summary = match outcome {
        Ok(s) => s,
        Err(e) => return unavailable(e),
    };
    let elapsed = started.elapsed();
    if let Some(w) = writer {
        let finished = match write_error {
            Some(e) => Err(e),
            None => w.finish(&summary),
        };
        if let Err(e) = finished {
            return unavailable(format!("report: {e}"));
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
    } else {
        print!("{}", summary.table());
        let rate = summary.documents as f64 / elapsed.as_secs_f64().max(1e-9);
        println!(
            "{} documents in {:.2} s ({rate:.0}/s) on {workers} threads",
            summary.documents,
            elapsed.as_secs_f64()
        );
        if let Some(path) = report {
            println!("report: {}", path.display());
        }
    }
    let _ = std::io::stdout().flush();
    if !summary.as_of_signing.invalid.is_empty() {
        Status::Invalid.exit_code()
    } else if !summary.as_of_signing.indeterminate.is_empty() {
        Status::Indeterminate.exit_code()
    } else {
        0
    }
}

async fn log_check_command(target: &Target, expect_head: Option<&str>, json: bool) -> i32 {
    let expect = match expect_head {
        None => None,
        Some(text) => match text
            .split_once(':')
            .and_then(|(id, hash)| Some((id.parse::<i64>().ok()?, hash.to_ascii_lowercase())))
        {
            Some(head) => Some(head),
            None => return usage(format!("--expect-head {text:?} is not ID:HASH")),
        },
    };
    let config = match load_config(target) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let archive = match open(&config).await {
        Ok(a) => a,
        Err(code) => return code,
    };
    let report = match log_check::check(&archive, expect).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        match &report.problem {
            None => println!(
                "intact: {} records, {} evidence items",
                report.records, report.evidence
            ),
            Some(problem) => println!("BROKEN: {problem}"),
        }
        if let Some(history) = &report.history {
            println!(
                "application history: {} applications, {} steps",
                history.applications, history.events
            );
        }
        if let (Some(id), Some(hash)) = (report.head_id, &report.head_hash) {
            println!("head: {id}:{hash}");
        }
    }
    if report.intact() {
        0
    } else {
        1
    }
}
