//! Configuration of `qoltanba serve`: a TOML file whose every key can be overridden by an
//! environment variable, and the bundled demo configuration used when no configuration is given.
//!
//! Environment variables: `QOLTANBA_` followed by the key path in upper case, with `__` between a
//! section and its key: `listen` → `QOLTANBA_LISTEN`, `crl.refresh_seconds` →
//! `QOLTANBA_CRL__REFRESH_SECONDS`, `trust.anchors` → `QOLTANBA_TRUST__ANCHORS`. Lists are given
//! comma-separated (`QOLTANBA_CRL__URLS=http://a/x.crl,http://b/y.crl`) or as a TOML array.
//! `QOLTANBA_CONFIG` names the configuration file (same as `--config`) and is not a key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cert::Certificate;
use crate::input::{self, InputLimits};

/// The prefix of every environment variable that overrides a key.
pub const ENV_PREFIX: &str = "QOLTANBA_";
/// The environment variable naming the configuration file.
pub const ENV_CONFIG_FILE: &str = "QOLTANBA_CONFIG";

/// The test PKI of `fixtures/`, embedded for the demo configuration.
pub mod demo {
    pub const TRUST_PEM: &[u8] = include_bytes!("../fixtures/pki/trust.pem");
    pub const INTERMEDIATES_PEM: &[u8] = include_bytes!("../fixtures/pki/intermediates.pem");
    pub const CRLS_PEM: &[u8] = include_bytes!("../fixtures/crl/all-current.pem");
    /// The name the embedded CRL bundle goes by in logs and metrics.
    pub const CRL_SOURCE_NAME: &str = "demo:all-current.pem";

    pub const WARNING: &str = "\
################################################################################
##  WARNING: qoltanba serve is running on the BUNDLED DEMO CONFIGURATION.     ##
##  Its trust anchor, intermediates and CRLs are the TEST PKI of fixtures/,   ##
##  whose private keys are public. Every answer it gives is meaningless for   ##
##  real signatures. DO NOT USE IT IN PRODUCTION: give --config FILE (see     ##
##  config/qoltanba.example.toml) or QOLTANBA_TRUST__ANCHORS.                 ##
################################################################################";
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("configuration file {path} is not valid TOML: {why}")]
    Toml { path: PathBuf, why: String },
    #[error("environment variable {var}: {why}")]
    Env { var: String, why: String },
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("{what} {path}: {why}")]
    Certificates {
        what: &'static str,
        path: PathBuf,
        why: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address and port to listen on.
    pub listen: String,
    pub trust: TrustConfig,
    pub crl: CrlConfig,
    pub limits: LimitsConfig,
    pub log: LogConfig,
    /// Officers who sign issued results (`qoltanba sign`, `POST /v1/sign`): `crate::sign::config`.
    pub officers: Vec<crate::sign::OfficerConfig>,
    /// Bearer tokens of the HTTP API (`[auth]`): `crate::http::auth`.
    pub auth: crate::http::auth::AuthConfig,
    /// Where documents are kept for auditors (`[archive]`): `crate::archive`.
    pub archive: ArchiveConfig,
    /// The RFC 3161 time-stamping authority for officer results (`[timestamp]`).
    pub timestamp: TimestampConfig,
    /// The state-service procedure (`[workflow]`): `crate::workflow`.
    pub workflow: WorkflowConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowConfig {
    /// The catalogue of services (a TOML data file); none: the built-in `config/services.toml`.
    pub catalogue: Option<PathBuf>,
    /// Public holidays (`YYYY-MM-DD`) that working-day deadlines skip, besides Saturdays and
    /// Sundays. The default lists Kazakhstan's public holidays of 2026 and 2027; days moved by a
    /// government decree are added here.
    pub holidays: Vec<String>,
}

/// Kazakhstan's public holidays (Labour Code, art. 84; Law on holidays) in 2026 and 2027,
/// Kurban Ait by the date announced for it.
pub const KAZAKHSTAN_HOLIDAYS: &[&str] = &[
    "2026-01-01",
    "2026-01-02",
    "2026-01-07",
    "2026-03-08",
    "2026-03-21",
    "2026-03-22",
    "2026-03-23",
    "2026-05-01",
    "2026-05-07",
    "2026-05-09",
    "2026-05-27",
    "2026-07-06",
    "2026-08-30",
    "2026-10-25",
    "2026-12-16",
    "2027-01-01",
    "2027-01-02",
    "2027-01-07",
    "2027-03-08",
    "2027-03-21",
    "2027-03-22",
    "2027-03-23",
    "2027-05-01",
    "2027-05-07",
    "2027-05-09",
    "2027-05-16",
    "2027-07-06",
    "2027-08-30",
    "2027-10-25",
    "2027-12-16",
];

impl Default for WorkflowConfig {
    fn default() -> Self {
        WorkflowConfig {
            catalogue: None,
            holidays: KAZAKHSTAN_HOLIDAYS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
        }
    }
}

impl WorkflowConfig {
    pub fn holiday_dates(&self) -> Result<Vec<time::Date>, ConfigError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.holidays
            .iter()
            .map(|d| {
                time::Date::parse(d.trim(), &format).map_err(|_| {
                    ConfigError::Invalid(format!(
                        "workflow.holidays: {d:?} is not a date YYYY-MM-DD"
                    ))
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// `sqlite://PATH` (embedded, the default) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`
    /// (shared by many nodes).
    pub url: String,
    /// Store every verified request, not only those whose caller asks (`"store": true`).
    pub store_verified: bool,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig {
            url: "sqlite://qoltanba-archive.sqlite".into(),
            store_verified: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimestampConfig {
    /// URL of an RFC 3161 TSA (HTTP POST of `application/timestamp-query`); officer results get a
    /// time-stamp from it. Empty: no time-stamps.
    pub url: String,
    /// Time allowed for one time-stamp request, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for TimestampConfig {
    fn default() -> Self {
        TimestampConfig {
            url: String::new(),
            timeout_ms: 10_000,
        }
    }
}

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
}

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body, in bytes (413 above it).
    pub max_body_bytes: u64,
    /// Verifications running at once; 0 means one per CPU core.
    pub max_concurrent_verifications: usize,
    /// Time allowed for one verification request, including the wait for a free slot, in ms.
    pub request_timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: LogFormat,
    /// `error`, `warn`, `info`, `debug` or `trace`, optionally with per-target directives
    /// (`info,qoltanba=debug`).
    pub level: String,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            trust: TrustConfig::default(),
            crl: CrlConfig::default(),
            limits: LimitsConfig::default(),
            log: LogConfig::default(),
            officers: Vec::new(),
            auth: Default::default(),
            archive: ArchiveConfig::default(),
            timestamp: TimestampConfig::default(),
            workflow: WorkflowConfig::default(),
        }
    }
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

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 1 << 20,
            max_concurrent_verifications: 0,
            request_timeout_ms: 10_000,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Human,
            level: "info".into(),
        }
    }
}

impl ServeConfig {
    /// Reads the configuration: the file (if any), then the `QOLTANBA_*` variables of `env` over it.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                    path: path.to_owned(),
                    why: e.to_string(),
                })?;
                text.parse::<toml::Table>().map_err(|e| ConfigError::Toml {
                    path: path.to_owned(),
                    why: e.to_string(),
                })?
            }
            None => toml::Table::new(),
        };
        apply_env(&mut table, env)?;
        // Through text again, so that an error shows the offending key and value.
        let text = toml::to_string(&table).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let config: ServeConfig = toml::from_str(&text)
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string().trim().to_owned()))?;
        config.validate()?;
        let anchors_given = table
            .get("trust")
            .and_then(|trust| trust.get("anchors"))
            .is_some();
        if (file.is_some() || anchors_given)
            && config.trust.anchors.is_empty()
            && !config.trust.demo
        {
            return Err(ConfigError::Invalid(
                "trust.anchors is empty: name the trust anchor certificates (or set trust.demo = \
                 true to run on the bundled demo PKI, whose keys are public)"
                    .into(),
            ));
        }
        Ok(config)
    }

    /// Checks values that the types alone do not.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if self.trust.demo && !self.trust.anchors.is_empty() {
            return Err(ConfigError::Invalid(
                "trust.demo = true and trust.anchors exclude each other".into(),
            ));
        }
        if self.crl.refresh_seconds == 0 {
            return Err(ConfigError::Invalid(
                "crl.refresh_seconds must be at least 1".into(),
            ));
        }
        if self.crl.fetch_timeout_ms == 0 || self.limits.request_timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "timeouts must be at least 1 ms".into(),
            ));
        }
        if self.limits.max_body_bytes == 0 || self.crl.max_bytes == 0 {
            return Err(ConfigError::Invalid(
                "size limits must be at least 1 byte".into(),
            ));
        }
        let officers = crate::sign::config::check_all(&self.officers)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let ids: Vec<&str> = officers.iter().map(|o| o.id.as_str()).collect();
        crate::http::auth::check_config(&self.auth, &ids).map_err(ConfigError::Invalid)?;
        self.workflow.holiday_dates()?;
        crate::archive::Backend::of_url(&self.archive.url)
            .map_err(|e| ConfigError::Invalid(format!("archive.url: {e}")))?;
        if !self.timestamp.url.is_empty() && !is_http_url(&self.timestamp.url) {
            return Err(ConfigError::Invalid(format!(
                "timestamp.url: {:?} is not an http:// or https:// URL",
                crate::crl_store::fetch::redact(&self.timestamp.url)
            )));
        }
        if self.timestamp.timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "timestamp.timeout_ms must be at least 1".into(),
            ));
        }
        if !self.crl.proxy.is_empty() && !is_http_url(&self.crl.proxy) {
            return Err(ConfigError::Invalid(format!(
                "crl.proxy: {:?} is not an http:// or https:// URL",
                crate::crl_store::fetch::redact(&self.crl.proxy)
            )));
        }
        for url in &self.crl.urls {
            if !is_http_url(url) {
                return Err(ConfigError::Invalid(format!(
                    "crl.urls: {:?} is not an http:// or https:// URL",
                    crate::crl_store::fetch::redact(url)
                )));
            }
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.trim().parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "listen: {:?} is not an address and port such as 127.0.0.1:8080",
                self.listen
            ))
        })
    }

    /// `serve` runs on the bundled demo PKI: asked for, or no trust anchor at all (`load` refuses
    /// the latter when a configuration was given without `trust.demo`).
    pub fn is_demo(&self) -> bool {
        self.trust.demo || self.trust.anchors.is_empty()
    }

    pub fn refresh_period(&self) -> Duration {
        Duration::from_secs(self.crl.refresh_seconds)
    }

    pub fn fetch_timeout(&self) -> Duration {
        Duration::from_millis(self.crl.fetch_timeout_ms)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.limits.request_timeout_ms)
    }

    pub fn max_concurrent(&self) -> usize {
        match self.limits.max_concurrent_verifications {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

pub fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The `QOLTANBA_*` variables of the process environment.
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect()
}

/// Overlays `QOLTANBA_SECTION__KEY=value` variables on the TOML table.
fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let shapes = toml::Value::try_from(ServeConfig::default())
        .ok()
        .and_then(|v| v.as_table().cloned())
        .unwrap_or_default();
    let mut vars: Vec<_> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && k != ENV_CONFIG_FILE)
        .collect();
    vars.sort();
    for (var, text) in vars {
        let path: Vec<String> = var[ENV_PREFIX.len()..]
            .split("__")
            .map(|p| p.to_ascii_lowercase())
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(ConfigError::Env {
                var,
                why: "empty key segment".into(),
            });
        }
        let shape = lookup(&shapes, &path);
        let value = env_value(&text, shape).map_err(|why| ConfigError::Env {
            var: var.clone(),
            why,
        })?;
        let (last, sections) = path.split_last().ok_or_else(|| ConfigError::Env {
            var: var.clone(),
            why: "no key".into(),
        })?;
        let mut cursor = &mut *table;
        for section in sections {
            let entry = cursor
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            cursor = match entry {
                toml::Value::Table(t) => t,
                _ => {
                    return Err(ConfigError::Env {
                        var: var.clone(),
                        why: format!("{section} is not a section"),
                    })
                }
            };
        }
        cursor.insert(last.clone(), value);
    }
    Ok(())
}

fn lookup<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    let value = table.get(first)?;
    if rest.is_empty() {
        return Some(value);
    }
    lookup(value.as_table()?, rest)
}

/// Interprets an environment value according to the type of the key it overrides.
fn env_value(text: &str, shape: Option<&toml::Value>) -> Result<toml::Value, String> {
    let text = text.trim();
    let as_toml = || {
        format!("v = {text}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
    };
    match shape {
        Some(toml::Value::Array(_)) => {
            if text.starts_with('[') {
                return as_toml().ok_or_else(|| "not a TOML array".to_string());
            }
            Ok(toml::Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| toml::Value::String(s.to_owned()))
                    .collect(),
            ))
        }
        Some(toml::Value::Integer(_)) => text
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| format!("{text:?} is not an integer")),
        Some(toml::Value::Boolean(_)) => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("{text:?} is not true or false")),
        },
        Some(toml::Value::Table(_)) => Err("this is a section, give one of its keys".into()),
        // Strings, and keys absent from the defaults (optional paths): the text as it is.
        _ => Ok(toml::Value::String(text.to_owned())),
    }
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
) -> Result<Vec<Arc<Certificate>>, ConfigError> {
    let limits = InputLimits::default();
    let mut all = Vec::new();
    for source in sources {
        match source {
            CertSource::Embedded { name, bytes } => {
                let certs = input::certificates_from_bytes(bytes, &limits).map_err(|why| {
                    ConfigError::Certificates {
                        what,
                        path: PathBuf::from(name),
                        why,
                    }
                })?;
                all.extend(certs);
            }
            CertSource::Path(path) => {
                for file in files_in(path, &["pem", "crt", "cer", "der"]).map_err(|why| {
                    ConfigError::Certificates {
                        what,
                        path: path.clone(),
                        why,
                    }
                })? {
                    let certs = input::load_certificates(&[&file], &limits, what).map_err(|e| {
                        ConfigError::Certificates {
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

/// A file is itself; a directory is its regular files with one of `extensions`, sorted.
pub fn files_in(path: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let p = entry.path();
        let wanted = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)));
        if wanted && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_demo_on_localhost() {
        let c = ServeConfig::load(None, Vec::new()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert!(c.is_demo());
        assert_eq!(c.crl.refresh_seconds, 300);
    }

    #[test]
    fn environment_overrides_every_kind_of_key() {
        let c = ServeConfig::load(
            None,
            env(&[
                ("QOLTANBA_LISTEN", "0.0.0.0:9000"),
                ("QOLTANBA_CRL__REFRESH_SECONDS", "60"),
                ("QOLTANBA_CRL__USE_DISTRIBUTION_POINTS", "true"),
                ("QOLTANBA_CRL__URLS", "http://a/x.crl, http://b/y.crl"),
                ("QOLTANBA_CRL__CACHE_DIR", "/var/cache/q"),
                ("QOLTANBA_TRUST__ANCHORS", "[\"/etc/a.pem\", \"/etc/b\"]"),
                ("QOLTANBA_LOG__FORMAT", "json"),
                ("QOLTANBA_CONFIG", "/ignored.toml"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.crl.refresh_seconds, 60);
        assert!(c.crl.use_distribution_points);
        assert_eq!(c.crl.urls, vec!["http://a/x.crl", "http://b/y.crl"]);
        assert_eq!(c.crl.cache_dir, Some(PathBuf::from("/var/cache/q")));
        assert_eq!(c.trust.anchors.len(), 2);
        assert_eq!(c.log.format, LogFormat::Json);
        assert!(!c.is_demo());
    }

    #[test]
    fn a_configuration_without_anchors_must_ask_for_the_demo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\n").unwrap();
        let refused = ServeConfig::load(Some(&path), Vec::new()).unwrap_err();
        assert!(
            refused.to_string().contains("trust.anchors is empty"),
            "{refused}"
        );
        let emptied = ServeConfig::load(None, env(&[("QOLTANBA_TRUST__ANCHORS", "")]));
        assert!(emptied.is_err());
        let emptied = ServeConfig::load(None, env(&[("QOLTANBA_TRUST__ANCHORS", "[]")]));
        assert!(emptied.is_err());

        std::fs::write(&path, "listen = \"127.0.0.1:1\"\n[trust]\ndemo = true\n").unwrap();
        assert!(ServeConfig::load(Some(&path), Vec::new())
            .unwrap()
            .is_demo());
        let both = ServeConfig::load(
            Some(&path),
            env(&[("QOLTANBA_TRUST__ANCHORS", "/etc/a.pem")]),
        );
        assert!(both.unwrap_err().to_string().contains("exclude each other"));
        // Without any configuration the demo is implied (the README's first command).
        assert!(ServeConfig::load(None, Vec::new()).unwrap().is_demo());
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1\"\n[trust]\nanchors = [\"/etc/a.pem\"]\n[limits]\nmax_body_bytes = 10\nrequest_timeout_ms = 5\n",
        )
        .unwrap();
        let c = ServeConfig::load(
            Some(&path),
            env(&[("QOLTANBA_LIMITS__MAX_BODY_BYTES", "20")]),
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:1");
        assert_eq!(c.limits.max_body_bytes, 20);
        assert_eq!(c.limits.request_timeout_ms, 5);
    }

    #[test]
    fn mistakes_are_refused_with_the_key_named() {
        let bad =
            |pairs: &[(&str, &str)]| ServeConfig::load(None, env(pairs)).unwrap_err().to_string();
        assert!(bad(&[("QOLTANBA_CRL__REFRESH_SECONDS", "soon")]).contains("REFRESH_SECONDS"));
        assert!(bad(&[("QOLTANBA_NO_SUCH_KEY", "1")]).contains("no_such_key"));
        assert!(bad(&[("QOLTANBA_LISTEN", "localhost")]).contains("listen"));
        assert!(bad(&[("QOLTANBA_CRL__URLS", "ftp://x/y.crl")]).contains("ftp"));
        let proxy = bad(&[("QOLTANBA_CRL__PROXY", "ftp://u:s3cret@proxy")]);
        assert!(
            proxy.contains("crl.proxy") && !proxy.contains("s3cret"),
            "{proxy}"
        );
        assert!(bad(&[("QOLTANBA_LOG__FORMAT", "xml")]).contains("xml"));
    }

    #[test]
    fn the_example_file_is_the_defaults_plus_its_paths() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/qoltanba.example.toml");
        let c = ServeConfig::load(Some(&example), Vec::new()).unwrap();
        assert!(!c.is_demo());
        assert_eq!(c.limits, LimitsConfig::default());
        assert_eq!(c.log, LogConfig::default());
        assert_eq!(c.crl.refresh_seconds, CrlConfig::default().refresh_seconds);
    }

    #[test]
    fn demo_pki_is_embedded() {
        let anchors = load_cert_sources(
            &[CertSource::Embedded {
                name: "demo",
                bytes: demo::TRUST_PEM,
            }],
            "trust",
        )
        .unwrap();
        assert_eq!(anchors.len(), 1);
        let limits = InputLimits::default();
        assert!(
            input::crls_from_bytes(demo::CRLS_PEM, &limits)
                .unwrap()
                .len()
                >= 4
        );
    }
}
