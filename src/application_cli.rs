//! `qoltanba application`: the state-service procedure for an operator.
//!
//! ```text
//! qoltanba application services [--config FILE] [--json]
//! qoltanba application deadline SERVICE [--submitted RFC3339] [--config FILE]
//! qoltanba application status NUMBER [--config FILE] [--json]
//! ```
//! Exit codes: 0 done; 2 a wrong call or configuration; 4 the archive could not be read.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use time::OffsetDateTime;

use crate::archive::Archive;
use crate::config::ServeConfig;
use crate::serve::ServiceSetup;
use crate::sign::issue::Issuer;
use crate::sign::Officers;
use crate::workflow::calendar::Calendar;
use crate::workflow::catalogue::{ApplicantKind, Catalogue};
use crate::workflow::{Workflow, WorkflowError};

#[derive(Args)]
pub struct ApplicationArgs {
    /// The service's configuration (catalogue, holidays, archive); QOLTANBA_* variables override it.
    #[arg(long, value_name = "FILE", env = "QOLTANBA_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ApplicationCommand,
}

#[derive(Subcommand)]
pub enum ApplicationCommand {
    /// List the catalogue: code, payment, applicant, deadline.
    Services {
        #[arg(long)]
        json: bool,
    },
    /// The deadline of a service for a submission at a time (default now).
    Deadline {
        service: String,
        #[arg(long, value_name = "RFC3339")]
        submitted: Option<String>,
    },
    /// Number, service, status, deadline and history of an application.
    Status {
        number: String,
        #[arg(long)]
        json: bool,
    },
}

fn usage(message: impl std::fmt::Display) -> i32 {
    eprintln!("qoltanba application: {message}");
    2
}

pub fn run(args: ApplicationArgs) -> i32 {
    let config = match ServeConfig::load(args.config.as_deref(), crate::environment::process_env())
    {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let catalogue = match Catalogue::load(config.workflow.catalogue.as_deref()) {
        Ok(c) => c,
        Err(e) => return usage(format!("workflow.catalogue: {e}")),
    };
    let calendar = match config.workflow.holiday_dates() {
        Ok(days) => Calendar::new(days),
        Err(e) => return usage(e),
    };
    match args.command {
        ApplicationCommand::Services { json } => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "services": catalogue.services() })
                    )
                    .unwrap_or_default()
                );
            } else {
                println!(
                    "{:<44} {:<8} {:<13} {:<20} NAME",
                    "CODE", "PAYMENT", "APPLICANT", "TERM"
                );
                for s in catalogue.services() {
                    println!(
                        "{:<44} {:<8} {:<13} {:<20} {}",
                        s.code,
                        if s.payment_required { "paid" } else { "free" },
                        match s.applicant {
                            ApplicantKind::Individual => "individual",
                            ApplicantKind::LegalEntity => "legal_entity",
                            ApplicantKind::Both => "both",
                        },
                        s.term().describe(),
                        s.name_kk
                    );
                }
            }
            0
        }
        ApplicationCommand::Deadline { service, submitted } => {
            let Some(s) = catalogue.get(&service) else {
                return usage(format!("there is no service {service:?} in the catalogue"));
            };
            let at = match submitted
                .as_deref()
                .map(qoltanba_core::parse_time)
                .transpose()
            {
                Ok(t) => t.unwrap_or_else(OffsetDateTime::now_utc),
                Err(e) => return usage(e.message),
            };
            println!(
                "{} ({})",
                calendar.deadline(at, s.term()),
                s.term().describe()
            );
            0
        }
        ApplicationCommand::Status { number, json } => {
            status(config, catalogue, calendar, &number, json)
        }
    }
}

fn status(
    config: ServeConfig,
    catalogue: Catalogue,
    calendar: Calendar,
    number: &str,
    json: bool,
) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    runtime.block_on(async move {
        let archive = match Archive::open(&config.archive.url).await {
            Ok(a) => a,
            Err(e) => {
                eprintln!("qoltanba application: {e}");
                return 4;
            }
        };
        // Reading needs no CRLs and no officer keys.
        let setup = match ServiceSetup::from_config(config) {
            Ok(s) => s,
            Err(e) => return usage(e),
        };
        let verifier = match setup.crl_store() {
            Ok(store) => store.verifier().clone(),
            Err(e) => return usage(e),
        };
        let issuer = Issuer {
            verifier: verifier.clone(),
            archive: None,
            tsa: None,
        };
        let workflow = match Workflow::new(
            catalogue,
            calendar,
            verifier,
            Arc::new(Officers::default()),
            issuer,
            archive,
        )
        .await
        {
            Ok(w) => w,
            Err(e) => {
                eprintln!("qoltanba application: {e}");
                return 4;
            }
        };
        match workflow.view(number).await {
            Ok(view) if json => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&view).unwrap_or_default()
                );
                0
            }
            Ok(view) => {
                println!(
                    "{}  {}  {}",
                    view.number,
                    view.service.code,
                    view.status.as_str()
                );
                println!("deadline {} ({})", view.deadline, view.deadline_rule);
                for e in &view.history {
                    println!(
                        "  {}  {:<18} {:<16} {}",
                        qoltanba_core::rfc3339(e.at),
                        e.step.as_str(),
                        e.code.as_deref().unwrap_or("-"),
                        e.detail.as_deref().unwrap_or("")
                    );
                }
                0
            }
            Err(WorkflowError::NotFound(n)) => usage(format!("there is no application {n}")),
            Err(e) => {
                eprintln!("qoltanba application: {e}");
                4
            }
        }
    })
}
