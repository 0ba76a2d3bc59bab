//! Subcommands and their exit codes (CONTRACT.md §6).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{parse_expected_id_with, parse_time, IdPolicy, UsageError, UsageReason};
use qoltanba_core::{KeyUsagePolicy, Verdict, Verifier, VerifyOptions};

#[derive(Parser)]
#[command(
    name = "qoltanba",
    version,
    about = "Verify electronic digital signatures (CMS) and X.509 certificates for Kazakh e-government services"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a CMS SignedData signature (DER, PEM or base64; `-` reads standard input).
    Verify {
        /// The signature file.
        signed: PathBuf,
        /// The signed content, for a detached signature.
        #[arg(long)]
        data: Option<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Validate a certificate alone: path, validity, revocation, key usage, identity.
    VerifyCert {
        /// The certificate file (DER or PEM).
        cert: PathBuf,
        /// Skip the document-signing key-usage rule (for certificates that are not signing certificates).
        #[arg(long)]
        any_key_usage: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Run the HTTP verification service (without --config: the bundled demo PKI, not for production).
    Serve {
        /// The TOML configuration file; every key can be overridden by a QOLTANBA_* variable.
        #[arg(long, value_name = "FILE", env = "QOLTANBA_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Sign a document as a configured officer, if the officer may sign now (CMS SignedData, DER).
    Sign(qoltanba::sign_cli::SignArgs),
    /// Auditors: re-verify archived documents, check the archive's hash chain.
    Audit(qoltanba::audit_cli::AuditArgs),
    /// The state-service procedure: the catalogue, deadlines, an application's status.
    Application(qoltanba::application_cli::ApplicationArgs),
}

#[derive(Args)]
struct CommonArgs {
    /// Trust anchor certificates (PEM or DER; one or more per file).
    #[arg(long = "trust", value_name = "FILE")]
    trust: Vec<PathBuf>,
    /// Intermediate (untrusted) certificates used for path building.
    #[arg(long = "intermediate", value_name = "FILE")]
    intermediates: Vec<PathBuf>,
    /// CRLs (DER or PEM; several per PEM file).
    #[arg(long = "crl", value_name = "FILE")]
    crls: Vec<PathBuf>,
    /// Validation time (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// The IIN or BIN the signer must have.
    #[arg(long = "expect-id", value_name = "IIN_OR_BIN")]
    expect_id: Option<String>,
    /// Accept the NCA's test ids (12 digits that fail the control digit, such as 123456789011)
    /// as --expect-id, for a deployment against the NCA test CA. Off by default.
    #[arg(long = "test-ids")]
    test_ids: bool,
    /// Print exactly one JSON verdict document on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run() -> i32 {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Verify { common, .. } | Command::VerifyCert { common, .. } => common.json,
        Command::Serve { config } => return qoltanba::serve::run(config.clone()),
        Command::Sign(_) => {
            let Command::Sign(args) = cli.command else {
                unreachable!()
            };
            return qoltanba::sign_cli::run(args);
        }
        Command::Audit(_) => {
            let Command::Audit(args) = cli.command else {
                unreachable!()
            };
            return qoltanba::audit_cli::run(args);
        }
        Command::Application(_) => {
            let Command::Application(args) = cli.command else {
                unreachable!()
            };
            return qoltanba::application_cli::run(args);
        }
    };
    match execute(cli.command) {
        Ok(verdict) => {
            if json {
                println!("{}", verdict.to_json());
            } else {
                print!("{}", verdict.to_text());
            }
            verdict.status.exit_code()
        }
        Err(e) => {
            if json {
                println!("{}", e.to_json());
            } else {
                eprintln!("usage error ({}): {}", e.reason.as_str(), e.message);
            }
            UsageError::EXIT_CODE
        }
    }
}

fn execute(command: Command) -> Result<Verdict, UsageError> {
    let limits = InputLimits::default();
    match command {
        Command::Verify {
            signed,
            data,
            common,
        } => {
            let (verifier, options) = prepare(&common, &limits, KeyUsagePolicy::DocumentSigning)?;
            let signature = read_input(&signed, limits.max_signature_bytes, "signature")?;
            let content = data
                .map(|p| read_input(&p, limits.max_signature_bytes, "data"))
                .transpose()?;
            verifier.verify_signature(&signature, content.as_deref(), &options)
        }
        Command::VerifyCert {
            cert,
            any_key_usage,
            common,
        } => {
            let policy = if any_key_usage {
                KeyUsagePolicy::Any
            } else {
                KeyUsagePolicy::DocumentSigning
            };
            let (verifier, options) = prepare(&common, &limits, policy)?;
            let certs = input::load_certificates(&[&cert], &limits, "certificate")?;
            let [leaf] = certs.as_slice() else {
                return Err(UsageError::new(
                    UsageReason::UnreadableFile,
                    format!(
                        "certificate file {} holds {} certificates; give exactly one",
                        cert.display(),
                        certs.len()
                    ),
                ));
            };
            Ok(verifier.verify_certificate(leaf, &options))
        }
        Command::Serve { .. } | Command::Sign(_) | Command::Audit(_) | Command::Application(_) => {
            Err(UsageError::new(
                UsageReason::BadRequest,
                "serve and sign are not verifications",
            ))
        }
    }
}

fn id_policy(test_ids: bool) -> IdPolicy {
    if test_ids {
        IdPolicy::AllowTestIds
    } else {
        IdPolicy::Strict
    }
}

fn prepare(
    common: &CommonArgs,
    limits: &InputLimits,
    key_usage: KeyUsagePolicy,
) -> Result<(Verifier, VerifyOptions), UsageError> {
    let at = common.at.as_deref().map(parse_time).transpose()?;
    let expected_id = common
        .expect_id
        .as_deref()
        .map(|id| parse_expected_id_with(id, id_policy(common.test_ids)))
        .transpose()?;
    let anchors = input::load_certificates(&common.trust, limits, "trust")?;
    let intermediates = input::load_certificates(&common.intermediates, limits, "intermediate")?;
    let crls = input::load_crls(&common.crls, limits)?;
    let verifier = Verifier::new(anchors, intermediates, CrlSnapshot::new(crls))?;
    let options = VerifyOptions {
        at,
        expected_id,
        key_usage,
        extra_intermediates: Vec::new(),
        crls: None,
        policy: Default::default(),
        ..Default::default()
    };
    Ok((verifier, options))
}

fn read_input(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, UsageError> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                UsageError::new(
                    UsageReason::UnreadableFile,
                    format!("{what} from standard input: {e}"),
                )
            })?;
        if bytes.len() as u64 > limit {
            return Err(UsageError::new(
                UsageReason::TooLarge,
                format!("{what} on standard input is over the limit of {limit} bytes"),
            ));
        }
        return Ok(bytes);
    }
    input::read_limited(path, limit, what)
}
