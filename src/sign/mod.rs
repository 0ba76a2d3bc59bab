//! Officer signing: the provider's authorized officer signs issued results (certificates, licences,
//! consent letters, motivated refusals) as CMS SignedData, and only when allowed to.
//!
//! - [`keystore`]: the officer's key from a PKCS#12 keystore or an encrypted PKCS#8 PEM key, with a
//!   password from an environment variable or a file ([`secret`]); RSA ≥ 2048 or P-256.
//! - [`officer`]: the conditions checked before every signature (the core verifier on the
//!   officer's own certificate, then the provider's BIN and an allowed role) and the signing.
//! - [`cms_builder`]: the SignedData (contentType, messageDigest, signingTime,
//!   signingCertificateV2; the certificate and its chain), attached or detached, DER.
//! - [`config`]: the `[[officers]]` configuration; [`cli`]: `qoltanba sign`.
//!
//! Refusal codes: the contract's reason codes for what the verifier finds about the officer's
//! certificate (`cert_expired`, `cert_revoked`, `key_usage_not_signing`, `revocation_unknown`, …),
//! and [`RefusalReason::ProviderMismatch`] (`provider_mismatch`), [`RefusalReason::RoleNotAllowed`]
//! (`role_not_allowed`) for the officer's own rules. Key and configuration errors have codes of
//! their own ([`KeyError::code`]).

pub mod cms_builder;
pub mod config;
pub mod issue;
pub mod keystore;
pub mod officer;
pub mod secret;

use serde::Serialize;

use qoltanba_core::{Reason, Status, Verdict};

pub use config::{OfficerConfig, OfficerSettings};
pub use keystore::{KeyAlgorithm, KeySource, SigningKey};
pub use officer::{Approval, Officer, OfficerInfo, Officers, RuleCheck, Signature};
pub use secret::PasswordSource;

/// Why an officer may not sign now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
pub enum RefusalReason {
    /// What the verifier found about the officer's certificate (a contract reason code).
    Verdict(Reason),
    /// The certificate's BIN is not the provider's.
    ProviderMismatch,
    /// The certificate's role may not sign for the provider.
    RoleNotAllowed,
}

impl From<RefusalReason> for &'static str {
    fn from(r: RefusalReason) -> Self {
        r.as_str()
    }
}

impl RefusalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::Verdict(r) => r.as_str(),
            RefusalReason::ProviderMismatch => "provider_mismatch",
            RefusalReason::RoleNotAllowed => "role_not_allowed",
        }
    }

    /// `invalid` or `indeterminate`, as a verdict with this reason would be.
    pub fn status(self) -> Status {
        match self {
            RefusalReason::Verdict(r) => r.status(),
            _ => Status::Invalid,
        }
    }
}

/// A refusal to sign: the code, a sentence, the verdict of the officer's certificate and the
/// officer's rules.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub officer: String,
    pub reason: RefusalReason,
    pub message: String,
    pub verdict: Box<Verdict>,
    pub rules: Vec<RuleCheck>,
}

/// A key that cannot be used. Messages name files and variables, never a password or key byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the keystore password ({from}) is unavailable: {why}")]
    PasswordUnavailable { from: String, why: String },
    #[error("keystore {file}: the password is wrong, or the keystore was altered (its integrity check failed)")]
    WrongPassword { file: String },
    #[error("keystore {file} is unreadable: {why}")]
    Unreadable { file: String, why: String },
    #[error("keystore {file}: {why}")]
    Unsupported { file: String, why: String },
    #[error("keystore {file}: the private key does not belong to the certificate {subject}")]
    Mismatch { file: String, subject: String },
}

impl KeyError {
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::PasswordUnavailable { .. } => "password_unavailable",
            KeyError::WrongPassword { .. } => "wrong_password",
            KeyError::Unreadable { .. } => "keystore_unreadable",
            KeyError::Unsupported { .. } => "unsupported_key",
            KeyError::Mismatch { .. } => "key_certificate_mismatch",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The officer may not sign now.
    #[error("{}", .0.message)]
    Refused(Box<Refusal>),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Config(#[from] config::OfficerConfigError),
    #[error("no officer {0:?} is configured")]
    UnknownOfficer(String),
    #[error("signing failed: {0}")]
    Internal(String),
}

impl SignError {
    /// The code of the error: a refusal's reason, a key error's code, `config`, `unknown_officer`
    /// or `internal_error`.
    pub fn code(&self) -> &'static str {
        match self {
            SignError::Refused(r) => r.reason.as_str(),
            SignError::Key(k) => k.code(),
            SignError::Config(_) => "config",
            SignError::UnknownOfficer(_) => "unknown_officer",
            SignError::Internal(_) => "internal_error",
        }
    }
}
