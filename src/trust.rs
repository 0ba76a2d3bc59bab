//! The trust configuration (`[trust]`): trust anchors and intermediate CA certificates, read from
//! files and directories or from the bytes built into the binary.

use std::path::PathBuf;
use std::sync::Arc;

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::{Certificate, IdPolicy, ObjectIdentifier, PolicyOptions};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TrustConfig {
    /// Trust anchor certificates: PEM/DER files or directories of them.
    pub anchors: Vec<PathBuf>,
    /// Run on the bundled demo PKI (public test keys). Implied when there is neither a
    /// configuration file nor `QOLTANBA_TRUST__ANCHORS`; a configuration that names no anchors
    /// must ask for it, so that a forgotten or emptied `anchors` never trusts the test root.
    pub demo: bool,
    /// Intermediate CA certificates: PEM/DER files or directories of them.
    pub intermediates: Vec<PathBuf>,
    /// Accept the NCA's test ids (12 digits that fail the IIN/BIN control digit, such as
    /// `123456789011`) as expected ids and officers' provider BINs: for a deployment against the
    /// NCA's test CA, never for production (CONTRACT §2). Off by default.
    pub test_ids: bool,
    /// The initial policy set of RFC 5280 §6.1.1 (c), as dotted OIDs: a path is valid only for
    /// these certificate policies (or policies mapped to them). Empty: any policy. The NCA's
    /// certificates carry, for example, 1.2.398.3.3.2 (see config/qoltanba.example.toml).
    pub policies: Vec<String>,
    /// initial-explicit-policy: every path must be valid for at least one policy of the set
    /// (with `policies` empty, a certificate without certificatePolicies then fails).
    pub require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit: policy mappings in CA certificates are not followed.
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit: anyPolicy in a certificate does not stand for every policy.
    pub inhibit_any_policy: bool,
}

impl TrustConfig {
    /// The certificate-policy inputs of this deployment; an OID that does not parse is named.
    pub fn policy_options(&self) -> Result<PolicyOptions, PolicyConfigError> {
        policy_options(
            &self.policies,
            self.require_explicit_policy,
            self.inhibit_policy_mapping,
            self.inhibit_any_policy,
        )
    }

    /// Which expected ids this deployment accepts.
    pub fn id_policy(&self) -> IdPolicy {
        if self.test_ids {
            IdPolicy::AllowTestIds
        } else {
            IdPolicy::Strict
        }
    }
}

/// A configured certificate policy that is not an object identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("certificate policy {given:?} is not an object identifier (dotted digits such as 1.2.398.3.3.2)")]
pub struct PolicyConfigError {
    pub given: String,
}

/// The §6.1.1 policy inputs from their configured (or command-line) form.
pub fn policy_options(
    policies: &[String],
    require_explicit_policy: bool,
    inhibit_policy_mapping: bool,
    inhibit_any_policy: bool,
) -> Result<PolicyOptions, PolicyConfigError> {
    let initial_policy_set = if policies.is_empty() {
        None
    } else {
        let oids = policies
            .iter()
            .map(|text| {
                ObjectIdentifier::new(text.trim()).map_err(|_| PolicyConfigError {
                    given: text.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Some(oids)
    };
    Ok(PolicyOptions {
        initial_policy_set,
        initial_explicit_policy: require_explicit_policy,
        initial_policy_mapping_inhibit: inhibit_policy_mapping,
        initial_any_policy_inhibit: inhibit_any_policy,
    })
}

/// Why certificates named by the configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{what} {path}: {why}")]
pub struct CertificatesError {
    pub what: &'static str,
    pub path: PathBuf,
    pub why: String,
}

/// Where certificates come from: files and directories, or bytes built into the binary.
#[derive(Debug, Clone)]
pub enum CertSource {
    Path(PathBuf),
    Embedded {
        name: &'static str,
        bytes: &'static [u8],
    },
}

/// Loads certificates from files and directories (every `*.pem`, `*.crt`, `*.cer`, `*.der` inside).
pub fn load_cert_sources(
    sources: &[CertSource],
    what: &'static str,
) -> Result<Vec<Arc<Certificate>>, CertificatesError> {
    let limits = InputLimits::default();
    let mut all = Vec::new();
    for source in sources {
        match source {
            CertSource::Embedded { name, bytes } => {
                let certs = input::certificates_from_bytes(bytes, &limits).map_err(|why| {
                    CertificatesError {
                        what,
                        path: PathBuf::from(name),
                        why,
                    }
                })?;
                all.extend(certs);
            }
            CertSource::Path(path) => {
                for file in
                    crate::files::files_in(path, &["pem", "crt", "cer", "der"]).map_err(|why| {
                        CertificatesError {
                            what,
                            path: path.clone(),
                            why,
                        }
                    })?
                {
                    let certs = input::load_certificates(&[&file], &limits, what).map_err(|e| {
                        CertificatesError {
                            what,
                            path: file.clone(),
                            why: e.message,
                        }
                    })?;
                    all.extend(certs);
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|c| seen.insert(c.fingerprint));
    Ok(all)
}
