//! The process environment as configuration: every key can be overridden by a `QOLTANBA_`
//! variable (see `config`), so other settings must not claim that prefix for themselves.

/// The prefix of every environment variable that overrides a key.
pub const ENV_PREFIX: &str = "QOLTANBA_";
/// The environment variable naming the configuration file.
pub const ENV_CONFIG_FILE: &str = "QOLTANBA_CONFIG";

/// The `QOLTANBA_*` variables of the process environment.
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect()
}
