//! The trust configuration (`[trust]`): trust anchors and intermediate CA certificates, read from
//! files and directories or from the bytes built into the binary.

use std::path::PathBuf;
use std::sync::Arc;

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::{Certificate, IdPolicy};
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
}

impl TrustConfig {
    /// Which expected ids this deployment accepts.
    pub fn id_policy(&self) -> IdPolicy {
        if self.test_ids {
            IdPolicy::AllowTestIds
        } else {
            IdPolicy::Strict
        }
    }
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
