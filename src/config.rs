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
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::archive::ArchiveConfig;
use crate::crl_store::CrlConfig;
use crate::environment::{ENV_CONFIG_FILE, ENV_PREFIX};
use crate::http::auth::AuthConfig;
use crate::http::LimitsConfig;
use crate::logging::LogConfig;
use crate::ocsp::OcspConfig;
use crate::sign::OfficerConfig;
use crate::timestamp::TimestampConfig;
use crate::trust::{CertificatesError, TrustConfig};
use crate::workflow::WorkflowConfig;

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
    #[error(transparent)]
    Certificates(#[from] CertificatesError),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address and port to listen on.
    pub listen: String,
    pub trust: TrustConfig,
    pub crl: CrlConfig,
    /// OCSP responders and the revocation policy (`[ocsp]`): `crate::ocsp::settings`.
    pub ocsp: OcspConfig,
    pub limits: LimitsConfig,
    pub log: LogConfig,
    /// Officers who sign issued results (`qoltanba sign`, `POST /v1/sign`): `crate::sign::config`.
    pub officers: Vec<OfficerConfig>,
    /// Bearer tokens of the HTTP API (`[auth]`): `crate::http::auth`.
    pub auth: AuthConfig,
    /// Where documents are kept for auditors (`[archive]`): `crate::archive`.
    pub archive: ArchiveConfig,
    /// The RFC 3161 time-stamping authority for officer results (`[timestamp]`).
    pub timestamp: TimestampConfig,
    /// The state-service procedure (`[workflow]`): `crate::workflow`.
    pub workflow: WorkflowConfig,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            trust: TrustConfig::default(),
            crl: CrlConfig::default(),
            ocsp: OcspConfig::default(),
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
        let vars = apply_env(&mut table, env)?;
        // Through text again, so that an error shows the offending key and value.
        let text = toml::to_string(&table).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let config: ServeConfig =
            toml::from_str(&text).map_err(|e: toml::de::Error| unknown_variable(&vars, &e))?;
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
        self.trust
            .policy_options()
            .map_err(|e| ConfigError::Invalid(format!("trust.policies: {e}")))?;
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
        // A limit of 0 would serve nothing at all: surely a mistake, not a wish.
        if self.limits.max_connections == 0 || self.limits.max_concurrent_bodies == 0 {
            return Err(ConfigError::Invalid(
                "limits.max_connections and limits.max_concurrent_bodies must be at least 1".into(),
            ));
        }
        // tokio's semaphore holds at most this many permits; more would panic at start.
        if self.limits.max_connections > tokio::sync::Semaphore::MAX_PERMITS
            || self.limits.max_concurrent_bodies > tokio::sync::Semaphore::MAX_PERMITS
        {
            return Err(ConfigError::Invalid(format!(
                "limits.max_connections and limits.max_concurrent_bodies must be at most {}",
                tokio::sync::Semaphore::MAX_PERMITS
            )));
        }
        if self.limits.body_wait_ms == 0 {
            return Err(ConfigError::Invalid(
                "limits.body_wait_ms must be at least 1".into(),
            ));
        }
        let officers = crate::sign::config::check_all(&self.officers, self.trust.id_policy())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let ids: Vec<&str> = officers.iter().map(|o| o.id.as_str()).collect();
        crate::http::auth::check_config(&self.auth, &ids).map_err(ConfigError::Invalid)?;
        self.workflow
            .holiday_dates()
            .map_err(ConfigError::Invalid)?;
        crate::archive::Backend::of_url(&self.archive.url)
            .map_err(|e| ConfigError::Invalid(format!("archive.url: {e}")))?;
        if !self.timestamp.url.is_empty() && !crate::url::is_http_url(&self.timestamp.url) {
            return Err(ConfigError::Invalid(format!(
                "timestamp.url: {:?} is not an http:// or https:// URL",
                crate::url::redact(&self.timestamp.url)
            )));
        }
        if self.archive.max_document_bytes == 0 {
            return Err(ConfigError::Invalid(
                "archive.max_document_bytes must be at least 1 byte".into(),
            ));
        }
        if self.timestamp.timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "timestamp.timeout_ms must be at least 1".into(),
            ));
        }
        // Periods the service schedules by: a year at most, so that no timer overflows.
        const YEAR: u64 = 366 * 86_400;
        if !(1..=YEAR).contains(&self.archive.chain_check_seconds) {
            return Err(ConfigError::Invalid(format!(
                "archive.chain_check_seconds must be 1 to {YEAR}"
            )));
        }
        if self.workflow.resume_after_seconds > YEAR {
            return Err(ConfigError::Invalid(format!(
                "workflow.resume_after_seconds must be at most {YEAR}"
            )));
        }
        if !self.crl.proxy.is_empty() && !crate::url::is_http_url(&self.crl.proxy) {
            return Err(ConfigError::Invalid(format!(
                "crl.proxy: {:?} is not an http:// or https:// URL",
                crate::url::redact(&self.crl.proxy)
            )));
        }
        self.ocsp.validate().map_err(ConfigError::Invalid)?;
        for url in &self.crl.urls {
            if !crate::url::is_http_url(url) {
                return Err(ConfigError::Invalid(format!(
                    "crl.urls: {:?} is not an http:// or https:// URL",
                    crate::url::redact(url)
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
        self.crl.refresh_period()
    }

    pub fn fetch_timeout(&self) -> Duration {
        self.crl.fetch_timeout()
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

/// A deserialization error, named by the variable that caused it when a `QOLTANBA_…` variable
/// names a setting that does not exist (rather than as a TOML error about the merged table).
fn unknown_variable(vars: &[(String, Vec<String>)], error: &toml::de::Error) -> ConfigError {
    let message = error.message();
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    if let Some(field) = unknown {
        if let Some((var, path)) = vars
            .iter()
            .find(|(_, path)| path.iter().any(|k| k == field))
        {
            return ConfigError::Env {
                var: var.clone(),
                why: format!(
                    "there is no setting {} (config/qoltanba.example.toml lists them all)",
                    path.join(".")
                ),
            };
        }
    }
    ConfigError::Invalid(error.to_string().trim().to_owned())
}

/// Overlays `QOLTANBA_SECTION__KEY=value` variables on the TOML table; returns each variable
/// applied with its key path.
fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<(String, Vec<String>)>, ConfigError> {
    let mut applied = Vec::new();
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
        applied.push((var, path));
    }
    Ok(applied)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::logging::LogFormat;
    use crate::trust::{load_cert_sources, CertSource};
    use qoltanba_core::input::{self, InputLimits};

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
    fn the_ocsp_section_takes_environment_overrides() {
        use crate::ocsp::{CertIdHash, OcspMethod, ResponderConfig, RevocationPolicy};
        let c = ServeConfig::load(
            None,
            env(&[
                ("QOLTANBA_OCSP__POLICY", "both"),
                ("QOLTANBA_OCSP__RESPONDERS", "http://a/ocsp, http://b"),
                ("QOLTANBA_OCSP__TIMEOUT_MS", "700"),
                ("QOLTANBA_OCSP__METHOD", "get"),
                ("QOLTANBA_OCSP__NONCE", "false"),
                ("QOLTANBA_OCSP__CERT_ID_HASH", "sha256"),
                ("QOLTANBA_OCSP__USE_AIA", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(c.ocsp.policy(), RevocationPolicy::Both);
        assert_eq!(
            c.ocsp.responders,
            vec![
                ResponderConfig::Any("http://a/ocsp".into()),
                ResponderConfig::Any("http://b".into())
            ]
        );
        assert_eq!(c.ocsp.timeout_ms, 700);
        assert_eq!(c.ocsp.method, OcspMethod::Get);
        assert!(!c.ocsp.nonce && c.ocsp.use_aia);
        assert_eq!(c.ocsp.cert_id_hash, CertIdHash::Sha256);
        // A per-issuer responder as a TOML array of tables.
        let fp = "ab".repeat(32);
        let c = ServeConfig::load(
            None,
            env(&[(
                "QOLTANBA_OCSP__RESPONDERS",
                &format!("[{{ url = \"http://r\", issuer = \"{fp}\" }}]"),
            )]),
        )
        .unwrap();
        assert_eq!(c.ocsp.policy(), RevocationPolicy::OcspThenCrl);
        assert!(c.ocsp.responders[0].issuer_fingerprint().unwrap().is_some());
        // Without a responder only `crl` is possible; mistakes name the key.
        let bad =
            |pairs: &[(&str, &str)]| ServeConfig::load(None, env(pairs)).unwrap_err().to_string();
        assert!(bad(&[("QOLTANBA_OCSP__POLICY", "ocsp")]).contains("needs a responder"));
        assert!(bad(&[("QOLTANBA_OCSP__POLICY", "sometimes")]).contains("sometimes"));
        assert!(bad(&[("QOLTANBA_OCSP__RESPONDERS", "ldap://x")]).contains("ocsp.responders"));
        // A variable that names no setting is reported by its name.
        let unknown = bad(&[("QOLTANBA_OCSP__TIMEOUT", "5")]);
        assert!(
            unknown.contains("QOLTANBA_OCSP__TIMEOUT")
                && unknown.contains("no setting ocsp.timeout"),
            "{unknown}"
        );
        let section = bad(&[("QOLTANBA_NOSUCH__KEY", "1")]);
        assert!(section.contains("QOLTANBA_NOSUCH__KEY"), "{section}");
        assert_eq!(
            ServeConfig::load(None, Vec::new()).unwrap().ocsp.policy(),
            RevocationPolicy::Crl
        );
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
        assert!(bad(&[("QOLTANBA_LIMITS__MAX_CONNECTIONS", "0")]).contains("max_connections"));
        assert!(bad(&[("QOLTANBA_LIMITS__MAX_CONCURRENT_BODIES", "0")])
            .contains("max_concurrent_bodies"));
        assert!(bad(&[("QOLTANBA_LIMITS__BODY_WAIT_MS", "0")]).contains("body_wait_ms"));
        let c = ServeConfig::load(
            None,
            env(&[
                ("QOLTANBA_LIMITS__MAX_CONNECTIONS", "4"),
                ("QOLTANBA_LIMITS__MAX_CONCURRENT_BODIES", "2"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (c.limits.max_connections, c.limits.max_concurrent_bodies),
            (4, 2)
        );
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
    fn the_nca_test_configuration_trusts_the_nca_test_ca_with_test_ids() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let c = ServeConfig::load(Some(&root.join("config/nca-test.toml")), Vec::new()).unwrap();
        assert!(!c.is_demo());
        assert_eq!(c.trust.id_policy(), qoltanba_core::IdPolicy::AllowTestIds);
        let sources: Vec<CertSource> = c
            .trust
            .anchors
            .iter()
            .map(|p| CertSource::Path(root.join(p)))
            .collect();
        let anchors = load_cert_sources(&sources, "trust").unwrap();
        assert_eq!(anchors.len(), 1);
        assert!(anchors[0].subject.to_string().contains("(GOST) TEST 2022"));
        // Everywhere else test ids stay refused.
        assert_eq!(
            ServeConfig::default().trust.id_policy(),
            qoltanba_core::IdPolicy::Strict
        );
    }

    #[test]
    fn certificate_policies_come_from_trust_and_a_bad_oid_is_named() {
        let env = |value: &str| {
            vec![
                ("QOLTANBA_TRUST__POLICIES".to_owned(), value.to_owned()),
                (
                    "QOLTANBA_TRUST__REQUIRE_EXPLICIT_POLICY".to_owned(),
                    "true".to_owned(),
                ),
            ]
        };
        let c = ServeConfig::load(None, env("1.2.398.3.3.2,1.2.398.3.3.4.1.1")).unwrap();
        let policy = c.trust.policy_options().unwrap();
        assert_eq!(
            policy.initial_policy_set,
            Some(vec![
                qoltanba_core::ObjectIdentifier::new_unwrap("1.2.398.3.3.2"),
                qoltanba_core::ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.1"),
            ])
        );
        assert!(policy.initial_explicit_policy);
        assert!(!policy.initial_policy_mapping_inhibit);
        // By default: any policy, none required (RFC 5280 §6.1.1, CONTRACT §3a).
        assert_eq!(
            ServeConfig::default().trust.policy_options().unwrap(),
            qoltanba_core::PolicyOptions::default()
        );
        let e = ServeConfig::load(None, env("1.2.398.3.3.2,nca-sign")).unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("trust.policies") && message.contains("nca-sign"),
            "{message}"
        );
    }

    #[test]
    fn demo_pki_is_embedded() {
        let sources: Vec<CertSource> = demo::TRUST
            .iter()
            .map(|&(name, bytes)| CertSource::Embedded { name, bytes })
            .collect();
        let anchors = load_cert_sources(&sources, "trust").unwrap();
        // The RSA/EC test root and the GOST one.
        assert_eq!(anchors.len(), 2);
        let limits = InputLimits::default();
        for (name, bytes) in demo::CRLS {
            assert!(
                !input::crls_from_bytes(bytes, &limits).unwrap().is_empty(),
                "{name}"
            );
        }
    }
}
