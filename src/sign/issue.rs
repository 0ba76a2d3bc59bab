//! Issuing a signed result: the officer's signature, then a time-stamp from the configured TSA,
//! then the archive — the one path by which `POST /v1/sign`, `qoltanba sign` and the state-service
//! workflow hand out a result. A result is never handed out unarchived.

use std::sync::Arc;

use serde::Serialize;

use super::officer::{Officer, Signature};
use super::SignError;
use crate::archive::{Archive, ArchiveError, Receipt};
use crate::timestamp::TsaClient;
use qoltanba_core::Verifier;

/// Whether the result carries a time-stamp from the configured TSA.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TimestampOutcome {
    NotConfigured,
    Attached,
    /// The TSA failed: the result is still issued, the archive's receipt time standing in for
    /// the proven time. Logged and reported, never silent.
    Failed {
        reason: &'static str,
    },
}

impl TimestampOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            TimestampOutcome::NotConfigured => "not_configured",
            TimestampOutcome::Attached => "attached",
            TimestampOutcome::Failed { .. } => "failed",
        }
    }
}

#[derive(Debug)]
pub struct Issued {
    pub signature: Signature,
    pub timestamp: TimestampOutcome,
    /// `None` only when no archive is given (library callers and tests).
    pub archived: Option<Receipt>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("signing stopped: {0}")]
    Interrupted(String),
}

/// Time-stamps (when a TSA is given) and archives a signature already made. `content` is the
/// signed document (kept with the result when the signature is detached).
pub async fn stamp_and_archive(
    mut signature: Signature,
    content: Vec<u8>,
    verifier: &Arc<Verifier>,
    archive: Option<&Archive>,
    tsa: Option<&TsaClient>,
) -> Result<Issued, IssueError> {
    let timestamp = match tsa {
        None => TimestampOutcome::NotConfigured,
        Some(tsa) => match tsa.stamp_cms(&signature.der).await {
            Ok(stamped) => {
                signature.der = stamped;
                TimestampOutcome::Attached
            }
            Err(e) => {
                tracing::warn!(code = e.code(), "time-stamp failed: {e}");
                TimestampOutcome::Failed { reason: e.code() }
            }
        },
    };
    let archived = match archive {
        None => None,
        Some(archive) => {
            let verifier = Arc::clone(verifier);
            let (der, at) = (signature.der.clone(), signature.signing_time);
            let content = signature.detached.then_some(content);
            let document = tokio::task::spawn_blocking(move || {
                crate::archive::evidence::result_document(&verifier, der, content, at)
            })
            .await
            .map_err(|e| IssueError::Interrupted(e.to_string()))?;
            Some(archive.store(document).await?)
        }
    };
    Ok(Issued {
        signature,
        timestamp,
        archived,
    })
}

/// Signs `document` as `officer` (if the officer may sign now), then time-stamps and archives it.
pub async fn issue(
    officer: &Arc<Officer>,
    verifier: &Arc<Verifier>,
    archive: Option<&Archive>,
    tsa: Option<&TsaClient>,
    document: Vec<u8>,
) -> Result<Issued, IssueError> {
    let (signer, v) = (Arc::clone(officer), Arc::clone(verifier));
    let (signed, document) = tokio::task::spawn_blocking(move || {
        let signed = signer.sign(&v, &document, false);
        (signed, document)
    })
    .await
    .map_err(|e| IssueError::Interrupted(e.to_string()))?;
    stamp_and_archive(signed?, document, verifier, archive, tsa).await
}

/// What the workflow (and any other caller) needs to hand out results: the verifier that judges
/// each result for the archive, the archive, and the TSA.
#[derive(Clone)]
pub struct Issuer {
    pub verifier: Arc<Verifier>,
    pub archive: Option<Archive>,
    pub tsa: Option<TsaClient>,
}

impl Issuer {
    pub async fn issue(
        &self,
        officer: &Arc<Officer>,
        document: Vec<u8>,
    ) -> Result<Issued, IssueError> {
        issue(
            officer,
            &self.verifier,
            self.archive.as_ref(),
            self.tsa.as_ref(),
            document,
        )
        .await
    }
}
