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

/// The exit codes of a verification (CONTRACT.md §6), for `--help`.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  valid
  1  invalid (the reason says which condition fails)
  2  usage error (a wrong call, an unreadable file: nothing was judged)
  3  indeterminate (a condition could not be established, e.g. revocation_unknown)"
    };
}

const EXIT_CODES_HELP: &str = exit_codes!();

const VERIFY_HELP: &str = concat!(
    exit_codes!(),
    "

Example:
  qoltanba verify request.cms --trust nca-root.pem --intermediate nca.pem \\
      --crl nca.crl --expect-id 880415300127 --json"
);

#[derive(Subcommand)]
enum Command {
    /// Verify a CMS SignedData signature (DER, PEM or base64; `-` reads standard input).
    #[command(after_help = VERIFY_HELP)]
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
    #[command(after_help = EXIT_CODES_HELP)]
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
    /// A certificate policy the path must be valid for (dotted OID, RFC 5280 §6.1.1 initial
    /// policy set; may be given many times). Default: any policy.
    #[arg(long = "policy", value_name = "OID")]
    policies: Vec<String>,
    /// The path must be valid for at least one policy (initial-explicit-policy).
    #[arg(long = "require-explicit-policy")]
    require_explicit_policy: bool,
    /// Do not follow policy mappings (initial-policy-mapping-inhibit).
    #[arg(long = "inhibit-policy-mapping")]
    inhibit_policy_mapping: bool,
    /// anyPolicy in a certificate does not stand for every policy (initial-any-policy-inhibit).
    #[arg(long = "inhibit-any-policy")]
    inhibit_any_policy: bool,
    /// Where revocation status comes from: crl, ocsp, ocsp_then_crl, crl_then_ocsp or both.
    /// Default: crl, or ocsp_then_crl when an OCSP responder is given (--ocsp-url, --ocsp-aia).
    #[arg(long = "revocation", value_name = "POLICY")]
    revocation: Option<qoltanba_core::RevocationPolicy>,
    /// OCSP responses (DER) to use as evidence; may be given many times.
    #[arg(long = "ocsp-response", value_name = "FILE")]
    ocsp_responses: Vec<PathBuf>,
    /// An OCSP responder to ask about every certificate of the path (may be given many times;
    /// tried in order).
    #[arg(long = "ocsp-url", value_name = "URL")]
    ocsp_urls: Vec<String>,
    /// Also ask the OCSP responders the certificates name (authorityInfoAccess).
    #[arg(long = "ocsp-aia")]
    ocsp_aia: bool,
    /// The language of the verdict's message: en (default), ru or kk. Reason codes never change.
    #[arg(long, value_enum, default_value_t = qoltanba::http::language::Lang::En)]
    lang: qoltanba::http::language::Lang,
    /// Print exactly one JSON verdict document on stdout.
    #[arg(long)]
    json: bool,
}

impl CommonArgs {
    /// Whether OCSP responders are to be asked.
    fn asks_responders(&self) -> bool {
        !self.ocsp_urls.is_empty() || self.ocsp_aia
    }

    /// The revocation policy: the one given, else the one the responders given imply.
    fn revocation_policy(&self) -> qoltanba_core::RevocationPolicy {
        self.revocation.unwrap_or(if self.asks_responders() {
            qoltanba_core::RevocationPolicy::OcspThenCrl
        } else {
            qoltanba_core::RevocationPolicy::Crl
        })
    }
}

pub fn run() -> i32 {
    let cli = Cli::parse();
    let (json, lang, subject) = match &cli.command {
        Command::Verify { common, .. } => (
            common.json,
            common.lang,
            qoltanba::http::language::Subject::Signature,
        ),
        Command::VerifyCert { common, .. } => (
            common.json,
            common.lang,
            qoltanba::http::language::Subject::Certificate,
        ),
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
            let verdict = lang.localize(verdict, subject);
            if json {
                println!("{}", verdict.to_json());
            } else {
                print!("{}", verdict.to_text());
            }
            verdict.status.exit_code()
        }
        Err(e) => {
            let mut e = lang.localize_usage(e);
            if e.reason == UsageReason::MissingContent {
                // The core's sentence names no way of giving the content; here it is --data.
                e.message.push_str(" (--data FILE)");
            }
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
            let (verifier, mut options) =
                prepare(&common, &limits, KeyUsagePolicy::DocumentSigning)?;
            let signature = read_input(&signed, limits.max_signature_bytes, "signature")?;
            let content = data
                .map(|p| read_input(&p, limits.max_signature_bytes, "data"))
                .transpose()?;
            if common.asks_responders() && options.revocation_policy.uses_ocsp() {
                let queries = verifier.signature_status_queries(&signature, &options);
                options
                    .ocsp
                    .extend(ask_responders(&common, &verifier, &queries)?);
            }
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
            let (verifier, mut options) = prepare(&common, &limits, policy)?;
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
            if common.asks_responders() && options.revocation_policy.uses_ocsp() {
                let queries = verifier.certificate_status_queries(leaf, &options);
                options
                    .ocsp
                    .extend(ask_responders(&common, &verifier, &queries)?);
            }
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
    let policy = qoltanba::trust::policy_options(
        &common.policies,
        common.require_explicit_policy,
        common.inhibit_policy_mapping,
        common.inhibit_any_policy,
    )
    .map_err(|e| UsageError::new(UsageReason::BadRequest, format!("--policy: {e}")))?;
    let verifier =
        Verifier::new(anchors, intermediates, CrlSnapshot::new(crls))?.with_policy(policy);
    let mut ocsp = Vec::with_capacity(common.ocsp_responses.len());
    for path in &common.ocsp_responses {
        let der = read_input(path, limits.max_signature_bytes, "OCSP response")?;
        let response = qoltanba_core::OcspResponse::from_der(&der).map_err(|e| {
            UsageError::new(
                UsageReason::UnreadableFile,
                format!("OCSP response {}: {e}", path.display()),
            )
        })?;
        ocsp.push(qoltanba_core::OcspAnswer::response(std::sync::Arc::new(
            response,
        )));
    }
    let options = VerifyOptions {
        at,
        expected_id,
        key_usage,
        revocation_policy: common.revocation_policy(),
        ocsp,
        ..VerifyOptions::default()
    };
    Ok((verifier, options))
}

/// Asks the responders given (`--ocsp-url`, `--ocsp-aia`) about the certificates the verifier
/// named, with the service's own client (timeouts, size limit, nonce), and returns the answers
/// for the verifier to judge.
fn ask_responders(
    common: &CommonArgs,
    verifier: &Verifier,
    queries: &[qoltanba_core::StatusQuery],
) -> Result<Vec<qoltanba_core::OcspAnswer>, UsageError> {
    let bad = |e: String| UsageError::new(UsageReason::BadRequest, format!("OCSP: {e}"));
    let config = qoltanba::ocsp::OcspConfig {
        policy: Some(common.revocation_policy()),
        responders: common
            .ocsp_urls
            .iter()
            .cloned()
            .map(qoltanba::ocsp::ResponderConfig::Any)
            .collect(),
        use_aia: common.ocsp_aia,
        ..Default::default()
    };
    let service =
        qoltanba::ocsp::OcspService::new(&config, verifier.intermediates().cloned().collect())
            .map_err(bad)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| bad(e.to_string()))?;
    Ok(runtime.block_on(service.answers_for(queries)))
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
