//! Re-verification of stored documents by the core verifier, at two times:
//!
//! - **as of signing**: with the evidence stored with the document, each signer at the time a
//!   verified RFC 3161 time-stamp proves its signature existed, else at the time the archive
//!   received it — the core's own rule for a verification without a caller-set time
//!   ([`VerifyOptions::unstamped_at`]), so `/v1/verify` and this judge time-stamps with the same
//!   code. The result's basis and time are the first signer's. A signature made while its
//!   certificate was valid and unrevoked stays `valid` as of signing after the certificate
//!   expires or is revoked later.
//! - **as of now**: with the live CRLs, at the current time.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

use qoltanba_core::input;
use qoltanba_core::TimeBasis as CoreBasis;
use qoltanba_core::{rfc3339, Phrase, SignerSummary, Verdict};
use qoltanba_core::{CmsLimits, SignedMessage};
use qoltanba_core::{KeyUsagePolicy, RevocationPolicy, Verifier, VerifyOptions};

use super::evidence::{EvidenceCache, LoadedEvidence};
use super::record::{DocumentKind, StoredDocument};
use super::report::Summary;
use super::stamp::Proof;
use super::{Archive, ArchiveError, DocumentQuery};

/// Which time a verdict was judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReverificationBasis)]
pub enum TimeBasis {
    /// The genTime of a verified time-stamp token.
    Timestamp,
    /// No verified time-stamp: the time the archive received the document.
    Received,
    /// The time of the re-verification.
    Now,
}

/// A verdict with the time it was judged at.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimedVerdict {
    pub basis: TimeBasis,
    #[schema(format = DateTime)]
    pub time: String,
    /// What the document's time-stamp showed, when it has one (also when it failed to verify).
    pub timestamp: Option<Proof>,
    pub verdict: Verdict,
}

/// An archived document judged again, as of its signing time and as of now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reverification {
    pub document_id: i64,
    pub kind: DocumentKind,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub signer: Option<SignerSummary>,
    /// At the genTime of a verified RFC 3161 time-stamp (basis timestamp), else at the time the
    /// archive received the document (basis received), with the evidence stored with it.
    pub as_of_signing: TimedVerdict,
    /// At the current time with the live CRLs.
    pub as_of_now: TimedVerdict,
    /// Stored evidence that is missing or unreadable.
    pub evidence_problems: Vec<String>,
}

/// Judges one stored document (CPU only: the evidence is already loaded).
pub fn reverify_document(
    verifier: &Verifier,
    document: &StoredDocument,
    evidence: &LoadedEvidence,
    now: OffsetDateTime,
) -> Reverification {
    let fields = &document.fields;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let mut problems = evidence.problems.clone();
    let expected_id = fields.expected_id.as_deref().and_then(|id| {
        qoltanba_core::parse_expected_id(id)
            .map_err(|e| problems.push(format!("stored expected id: {}", e.message)))
            .ok()
    });
    let signing_options = VerifyOptions {
        at: None,
        unstamped_at: Some(fields.received_at),
        expected_id,
        key_usage: KeyUsagePolicy::DocumentSigning,
        extra_intermediates: evidence.certificates.clone(),
        crls: Some(Arc::clone(&evidence.crls)),
        policy: Default::default(),
        // The OCSP responses kept with the document decide as they did at receipt; the CRLs
        // kept with it decide what they do not.
        revocation_policy: if evidence.ocsp.is_empty() {
            RevocationPolicy::Crl
        } else {
            RevocationPolicy::OcspThenCrl
        },
        ocsp: evidence.ocsp.clone(),
        ..Default::default()
    };
    // As of now the live CRLs decide: answers kept from the receipt say nothing about today.
    let now_options = VerifyOptions {
        at: Some(now),
        unstamped_at: None,
        crls: None,
        revocation_policy: RevocationPolicy::Crl,
        ocsp: Vec::new(),
        ..signing_options.clone()
    };

    let message = input::signature_der(&fields.signature)
        .map_err(|e| e.to_string())
        .and_then(|der| {
            SignedMessage::from_der(&der, CmsLimits::default()).map_err(|e| e.to_string())
        });
    let message = match message {
        Ok(m) => m,
        Err(why) => {
            let timed = |basis, at| TimedVerdict {
                basis,
                time: rfc3339(at),
                timestamp: None,
                verdict: Verdict::malformed(at, Phrase::verbatim(why.clone())),
            };
            return Reverification {
                document_id: fields.id,
                kind: fields.kind,
                received_at: fields.received_at_text(),
                signer: None,
                as_of_signing: timed(TimeBasis::Received, fields.received_at),
                as_of_now: timed(TimeBasis::Now, now),
                evidence_problems: problems,
            };
        }
    };

    let judge = |options: &VerifyOptions, at: OffsetDateTime| {
        verifier
            .verify_message(&message, fields.content.as_deref(), options)
            .unwrap_or_else(|usage| Verdict::malformed(at, Phrase::verbatim(usage.message)))
    };
    let signing = judge(&signing_options, fields.received_at);
    let current = judge(&now_options, now);
    let first = signing.signers.first();
    let basis = match first.map(|o| o.time_basis) {
        Some(CoreBasis::Timestamp) => TimeBasis::Timestamp,
        _ => TimeBasis::Received,
    };
    let time = first.map_or_else(|| rfc3339(fields.received_at), |o| o.time.clone());
    let stamp = first
        .and_then(|o| o.timestamp_verdict.as_deref())
        .map(|verdict| Proof::of(verdict.clone()));
    Reverification {
        document_id: fields.id,
        kind: fields.kind,
        received_at: fields.received_at_text(),
        signer: signing.signer.clone().or_else(|| current.signer.clone()),
        as_of_signing: TimedVerdict {
            basis,
            time,
            timestamp: stamp,
            verdict: signing,
        },
        as_of_now: TimedVerdict {
            basis: TimeBasis::Now,
            time: rfc3339(now),
            timestamp: None,
            verdict: current,
        },
        evidence_problems: problems,
    }
}

/// Re-verifies one stored document by id.
pub async fn reverify_one(
    archive: &Archive,
    verifier: &Arc<Verifier>,
    cache: &EvidenceCache,
    id: i64,
    now: OffsetDateTime,
) -> Result<Option<Reverification>, ArchiveError> {
    let Some(document) = archive.get(id).await? else {
        return Ok(None);
    };
    let evidence = cache.load(archive, &document.fields.evidence).await?;
    let verifier = Arc::clone(verifier);
    tokio::task::spawn_blocking(move || reverify_document(&verifier, &document, &evidence, now))
        .await
        .map(Some)
        .map_err(|e| ArchiveError::Database(format!("re-verification stopped: {e}")))
}

/// Documents read per page (keyset paging keeps memory flat).
const PAGE: u32 = 512;

/// Re-verifies every document matching `query`, on `workers` threads, calling `each` with every
/// result in id order; returns the tallies. The next page is read while the current one is judged.
pub async fn reverify_all(
    archive: &Archive,
    verifier: &Arc<Verifier>,
    query: &DocumentQuery,
    now: OffsetDateTime,
    workers: usize,
    mut each: impl FnMut(&Reverification),
) -> Result<Summary, ArchiveError> {
    let cache = EvidenceCache::default();
    let workers = workers.max(1);
    let mut summary = Summary::default();
    let mut page = archive.page_to_judge(query, 0, PAGE).await?;
    while !page.is_empty() {
        let after = page.last().map_or(0, StoredDocument::id);
        let mut loaded = Vec::with_capacity(page.len());
        for document in page {
            let evidence = cache.load(archive, &document.fields.evidence).await?;
            loaded.push((document, evidence));
        }
        let judged = judge_in_parallel(verifier, loaded, now, workers);
        let (judged, next) = tokio::join!(judged, archive.page_to_judge(query, after, PAGE));
        for result in judged? {
            summary.add(&result);
            each(&result);
        }
        page = next?;
    }
    Ok(summary)
}

async fn judge_in_parallel(
    verifier: &Arc<Verifier>,
    loaded: Vec<(StoredDocument, LoadedEvidence)>,
    now: OffsetDateTime,
    workers: usize,
) -> Result<Vec<Reverification>, ArchiveError> {
    let chunk = loaded.len().div_ceil(workers).max(1);
    let mut tasks = Vec::new();
    let mut rest = loaded;
    while !rest.is_empty() {
        let tail = rest.split_off(chunk.min(rest.len()));
        let part = std::mem::replace(&mut rest, tail);
        let verifier = Arc::clone(verifier);
        tasks.push(tokio::task::spawn_blocking(move || {
            part.iter()
                .map(|(d, e)| reverify_document(&verifier, d, e, now))
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.extend(
            task.await
                .map_err(|e| ArchiveError::Database(format!("re-verification stopped: {e}")))?,
        );
    }
    Ok(out)
}
