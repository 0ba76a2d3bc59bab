//! The configuration of CRL sources (`[crl]`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrlConfig {
    /// Local CRL files (DER or PEM bundles) or directories of them (`*.crl`, `*.pem`, `*.der`).
    pub paths: Vec<PathBuf>,
    /// HTTP(S) URLs of CRLs (full or delta).
    pub urls: Vec<String>,
    /// Also fetch the CRL distribution point URLs named by the configured intermediates, and the
    /// delta CRLs that the complete CRLs held point to (freshestCRL).
    pub use_distribution_points: bool,
    /// HTTP(S) proxy for CRL fetches (`http://proxy:3128`); empty: the `HTTP_PROXY`/`HTTPS_PROXY`
    /// variables, if any.
    pub proxy: String,
    /// Seconds between two refreshes of every source.
    pub refresh_seconds: u64,
    /// Timeout of one HTTP fetch, in milliseconds.
    pub fetch_timeout_ms: u64,
    /// Largest CRL accepted from a source, in bytes.
    pub max_bytes: u64,
    /// Where downloaded CRLs are kept so that a restart without network starts with them.
    pub cache_dir: Option<PathBuf>,
}

impl Default for CrlConfig {
    fn default() -> Self {
        CrlConfig {
            paths: Vec::new(),
            urls: Vec::new(),
            use_distribution_points: false,
            proxy: String::new(),
            refresh_seconds: 300,
            fetch_timeout_ms: 10_000,
            max_bytes: 256 << 20,
            cache_dir: None,
        }
    }
}

impl CrlConfig {
    pub fn refresh_period(&self) -> Duration {
        Duration::from_secs(self.refresh_seconds)
    }

    pub fn fetch_timeout(&self) -> Duration {
        Duration::from_millis(self.fetch_timeout_ms)
    }
}
