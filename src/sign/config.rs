//! The officers' section of the configuration (`[[officers]]`), and the reading of it.
//!
//! ```toml
//! [[officers]]
//! id = "head"                                  # the name used by `qoltanba sign --officer`
//! keystore = "/etc/qoltanba/officers/head.p12" # PKCS#12, or an encrypted PKCS#8 PEM key
//! # certificate = "/etc/qoltanba/officers/head.pem"   # required with a PKCS#8 key
//! # alias = "head"                             # the key's name, in a PKCS#12 holding several
//! password_env = "OFFICER_HEAD_PASSWORD"       # or: password_file = "/run/secrets/head"
//! provider_name = "ТОО \"ДАЛА МҰРА\""
//! provider_bin = "050340001235"
//! allowed_roles = ["first_head", "signing_right"]   # the default
//! ```
//!
//! A password is never written in the configuration: `password = …` is refused (without the value
//! being repeated in the error).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::keystore::KeySource;
use super::secret::PasswordSource;
use qoltanba_core::Role;
use qoltanba_core::{IdNumber, IdPolicy};

/// Every role a certificate can carry, by its name in verdicts.
pub const ROLES: [Role; 9] = [
    Role::Individual,
    Role::LegalEntity,
    Role::FirstHead,
    Role::SigningRight,
    Role::FinanceSigningRight,
    Role::Hr,
    Role::Employee,
    Role::TreasuryClient,
    Role::InformationSystem,
];

/// The roles that may sign for an entity unless configured otherwise.
pub const DEFAULT_ALLOWED_ROLES: [Role; 2] = [Role::FirstHead, Role::SigningRight];

pub fn parse_role(name: &str) -> Option<Role> {
    ROLES.iter().copied().find(|r| r.as_str() == name)
}

fn default_roles() -> Vec<String> {
    DEFAULT_ALLOWED_ROLES
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect()
}

/// One officer: who, with which key, for which provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerConfig {
    /// The officer's id (letters, digits, `-`, `_`, `.`).
    pub id: String,
    /// A PKCS#12 keystore (`.p12`/`.pfx`) or an encrypted PKCS#8 PEM key.
    pub keystore: PathBuf,
    /// The officer's certificate (PEM or DER): required with a PKCS#8 key; with a PKCS#12,
    /// replaces the keystore's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    /// The friendly name of the key, in a PKCS#12 holding several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The environment variable holding the keystore password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// The file holding the keystore password (its final line break is not part of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// The provider (state body or organisation) the officer signs for.
    pub provider_name: String,
    /// The provider's BIN: the officer's certificate must carry it.
    pub provider_bin: String,
    /// Roles of the officer's certificate that may sign for the provider.
    #[serde(default = "default_roles")]
    pub allowed_roles: Vec<String>,
    /// Never accepted: present only so that a password written here is refused by name, without
    /// its value appearing in a parse error.
    #[serde(default, skip_serializing)]
    pub password: Option<serde::de::IgnoredAny>,
}

/// A configuration mistake about an officer (never quoting a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("officer {id:?}: {why}")]
pub struct OfficerConfigError {
    pub id: String,
    pub why: String,
}

/// An officer's configuration, checked.
#[derive(Debug, Clone)]
pub struct OfficerSettings {
    pub id: String,
    pub key: KeySource,
    pub provider_name: String,
    pub provider_bin: IdNumber,
    pub allowed_roles: Vec<Role>,
}

impl OfficerConfig {
    /// Checks the configuration; `ids` says whether the provider BIN may be an NCA test id.
    pub fn check(&self, ids: IdPolicy) -> Result<OfficerSettings, OfficerConfigError> {
        let err = |why: String| OfficerConfigError {
            id: self.id.clone(),
            why,
        };
        if self.id.is_empty()
            || self.id.len() > 64
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(err(
                "the id must be 1–64 letters, digits, '-', '_' or '.'".into()
            ));
        }
        if self.password.is_some() {
            return Err(err(
                "`password` must not be written in the configuration: name its source with password_env or password_file".into(),
            ));
        }
        let password = match (&self.password_env, &self.password_file) {
            (Some(var), None) => {
                if var.is_empty() {
                    return Err(err("password_env is empty".into()));
                }
                if var.starts_with(crate::environment::ENV_PREFIX) {
                    return Err(err(format!(
                        "password_env {var:?}: variables starting with {} are configuration keys; choose another name",
                        crate::environment::ENV_PREFIX
                    )));
                }
                PasswordSource::Env(var.clone())
            }
            (None, Some(file)) => PasswordSource::File(file.clone()),
            (Some(_), Some(_)) => {
                return Err(err("give password_env or password_file, not both".into()))
            }
            (None, None) => {
                return Err(err(
                    "no password source: give password_env or password_file".into(),
                ))
            }
        };
        let provider_bin = IdNumber::parse_with(self.provider_bin.trim(), ids)
            .map_err(|e| err(format!("provider_bin: {e}")))?;
        if self.provider_name.trim().is_empty() {
            return Err(err("provider_name is empty".into()));
        }
        if self.allowed_roles.is_empty() {
            return Err(err("allowed_roles is empty: nobody could sign".into()));
        }
        let mut allowed_roles = Vec::new();
        for name in &self.allowed_roles {
            let role = parse_role(name).ok_or_else(|| {
                let known: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
                err(format!(
                    "allowed_roles: unknown role {name:?} (known: {})",
                    known.join(", ")
                ))
            })?;
            if !allowed_roles.contains(&role) {
                allowed_roles.push(role);
            }
        }
        Ok(OfficerSettings {
            id: self.id.clone(),
            key: KeySource {
                keystore: self.keystore.clone(),
                certificate: self.certificate.clone(),
                alias: self.alias.clone(),
                password,
            },
            provider_name: self.provider_name.clone(),
            provider_bin,
            allowed_roles,
        })
    }
}

/// Checks a list of officers: each valid, ids unique.
pub fn check_all(
    officers: &[OfficerConfig],
    ids: IdPolicy,
) -> Result<Vec<OfficerSettings>, OfficerConfigError> {
    let mut out: Vec<OfficerSettings> = Vec::new();
    for o in officers {
        let s = o.check(ids)?;
        if out.iter().any(|x| x.id == s.id) {
            return Err(OfficerConfigError {
                id: s.id,
                why: "this id is used by two officers".into(),
            });
        }
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<OfficerConfig, String> {
        #[derive(Deserialize)]
        struct File {
            officers: Vec<OfficerConfig>,
        }
        toml::from_str::<File>(text)
            .map(|mut f| f.officers.remove(0))
            .map_err(|e| e.to_string())
    }

    const BASE: &str = r#"
[[officers]]
id = "head"
keystore = "k.p12"
password_env = "OFFICER_HEAD_PASSWORD"
provider_name = "ТОО"
provider_bin = "050340001235"
"#;

    #[test]
    fn defaults_and_checks() {
        let s = parse(BASE).unwrap().check(IdPolicy::Strict).unwrap();
        assert_eq!(s.allowed_roles, DEFAULT_ALLOWED_ROLES.to_vec());
        assert_eq!(s.provider_bin.to_string(), "050340001235");
        assert_eq!(
            s.key.password,
            PasswordSource::Env("OFFICER_HEAD_PASSWORD".into())
        );
    }

    #[test]
    fn a_written_password_is_refused_without_being_repeated() {
        let text = format!("{BASE}password = \"hunter2-secret\"\n");
        let e = parse(&text)
            .unwrap()
            .check(IdPolicy::Strict)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`password` must not be written"), "{e}");
        assert!(!e.contains("hunter2-secret"), "{e}");
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |from: &str, to: &str| {
            parse(&BASE.replace(from, to))
                .unwrap()
                .check(IdPolicy::Strict)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("050340001235", "050340001236").contains("control digit"));
        assert!(bad("OFFICER_HEAD_PASSWORD", "QOLTANBA_X").contains("configuration keys"));
        assert!(bad("id = \"head\"", "id = \"a b\"").contains("id must be"));
        let e = parse(&format!("{BASE}allowed_roles = [\"boss\"]\n"))
            .unwrap()
            .check(IdPolicy::Strict)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown role \"boss\""), "{e}");
        let e = parse(&format!("{BASE}password_file = \"/p\"\n"))
            .unwrap()
            .check(IdPolicy::Strict)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not both"), "{e}");
    }
}
