//! `qoltanba audit log-check`: walks the hash chain from the first record to the last and names the
//! first record that was altered, removed or reordered, then checks that every stored certificate
//! and CRL still hashes to its name.
//!
//! The chain cannot show records cut from its end: the check prints the head (last id and hash) so
//! that an auditor can note it and compare it next time (`--expect-head`).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::record::{EvidenceKind, GENESIS_HASH};
use super::{Archive, ArchiveError};

const PAGE: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The record's contents no longer match the hash stored with it.
    Altered { id: i64, detail: String },
    /// A record's stored link to its predecessor does not match the predecessor: the predecessor
    /// was altered and re-hashed, or replaced, or records were reordered.
    BrokenLink { id: i64, detail: String },
    /// Ids jump: the records in between were removed.
    Missing { from_id: i64, to_id: i64 },
    /// A stored certificate or CRL no longer hashes to its name, or is gone.
    Evidence { sha256: String, detail: String },
    /// The last record is not the head the auditor noted.
    Head { detail: String },
    /// An application or a step of its history was altered, removed or reordered.
    History { detail: String },
}

impl ChainProblem {
    /// The record the problem is first seen at (evidence problems have none).
    pub fn record(&self) -> Option<i64> {
        match self {
            ChainProblem::Altered { id, .. } | ChainProblem::BrokenLink { id, .. } => Some(*id),
            ChainProblem::Missing { from_id, .. } => Some(*from_id),
            ChainProblem::Evidence { .. }
            | ChainProblem::Head { .. }
            | ChainProblem::History { .. } => None,
        }
    }
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Altered { id, detail } => write!(f, "record {id} was altered: {detail}"),
            ChainProblem::BrokenLink { id, detail } => {
                write!(f, "the chain breaks at record {id}: {detail}")
            }
            ChainProblem::Missing { from_id, to_id } if from_id == to_id => {
                write!(f, "record {from_id} was removed")
            }
            ChainProblem::Missing { from_id, to_id } => {
                write!(f, "records {from_id} to {to_id} were removed")
            }
            ChainProblem::Evidence { sha256, detail } => write!(f, "evidence {sha256}: {detail}"),
            ChainProblem::Head { detail } => f.write_str(detail),
            ChainProblem::History { detail } => write!(f, "application history: {detail}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LogCheckReport {
    pub records: u64,
    pub evidence: u64,
    pub head_id: Option<i64>,
    pub head_hash: Option<String>,
    /// The applications and their history (absent from an archive without them).
    pub history: Option<crate::workflow::store::HistoryCheck>,
    /// The first problem in chain order; `None` when the whole archive is intact.
    pub problem: Option<ChainProblem>,
}

impl LogCheckReport {
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// What a walk along the chain found.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub records: u64,
    pub head_id: Option<i64>,
    pub head_hash: Option<String>,
    pub problem: Option<ChainProblem>,
    /// Each cited certificate or CRL and the first record that cites it.
    pub referenced: BTreeMap<String, (i64, EvidenceKind)>,
}

/// Walks the chain from `from` (a checkpoint: a record id and the hash it had when the chain up
/// to it was last found intact; the record must still have that hash) or from the start.
pub async fn walk(archive: &Archive, from: Option<(i64, String)>) -> Result<Walk, ArchiveError> {
    let mut report = Walk::default();
    let mut previous: Option<(i64, String)> = None;
    let mut after = 0i64;
    if let Some((id, hash)) = from {
        // A record that cannot be read is as much a break as an altered one; a database that
        // does not answer is not (the error goes to the caller).
        let holds = archive
            .raw_page(id - 1, 1)
            .await?
            .first()
            .is_some_and(|(found, d)| {
                *found == id
                    && d.as_ref()
                        .is_ok_and(|d| d.record_hash == hash && d.fields.record_hash() == hash)
            });
        if !holds {
            report.problem = Some(ChainProblem::Head {
                detail: format!(
                    "the checkpoint {id}:{hash} is no longer in the chain: record {id} was altered, replaced or removed"
                ),
            });
            return Ok(report);
        }
        previous = Some((id, hash));
        after = id;
    }
    'walk: loop {
        let page = archive.raw_page(after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (id, decoded) in page {
            report.records += 1;
            let expected_id = previous.as_ref().map_or(1, |(p, _)| p + 1);
            if id != expected_id {
                report.problem = Some(ChainProblem::Missing {
                    from_id: expected_id,
                    to_id: id - 1,
                });
                break 'walk;
            }
            let document = match decoded {
                Ok(d) => d,
                Err(why) => {
                    report.problem = Some(ChainProblem::Altered { id, detail: why });
                    break 'walk;
                }
            };
            if document.fields.received_unix != document.fields.received_at.unix_timestamp() {
                report.problem = Some(ChainProblem::Altered {
                    id,
                    detail: "its receipt time as queried (received_unix) differs from its receipt time (received_at)".into(),
                });
                break 'walk;
            }
            let recomputed = document.fields.record_hash();
            if recomputed != document.record_hash {
                report.problem = Some(ChainProblem::Altered {
                    id,
                    detail: "its contents do not match its record hash".into(),
                });
                break 'walk;
            }
            let expected_prev = previous.as_ref().map_or(GENESIS_HASH, |(_, h)| h.as_str());
            if document.fields.prev_hash != expected_prev {
                let detail = match &previous {
                    Some((p, _)) => format!(
                        "it links to a record hash that record {p} does not have: record {p} was altered and re-hashed, replaced or moved"
                    ),
                    None => "the first record does not start the chain".into(),
                };
                report.problem = Some(ChainProblem::BrokenLink { id, detail });
                break 'walk;
            }
            for r in &document.fields.evidence {
                report
                    .referenced
                    .entry(r.sha256_hex())
                    .or_insert((id, r.kind));
            }
            previous = Some((id, document.record_hash));
        }
    }
    if let Some((id, hash)) = &previous {
        report.head_id = Some(*id);
        report.head_hash = Some(hash.clone());
    }
    Ok(report)
}

/// Walks the chain. `expect_head` is an `ID:HASH` an auditor noted earlier.
pub async fn check(
    archive: &Archive,
    expect_head: Option<(i64, String)>,
) -> Result<LogCheckReport, ArchiveError> {
    let walked = walk(archive, None).await?;
    let mut referenced = walked.referenced;
    let mut report = LogCheckReport {
        records: walked.records,
        evidence: 0,
        head_id: walked.head_id,
        head_hash: walked.head_hash,
        history: None,
        problem: walked.problem,
    };
    if report.problem.is_none() {
        if let Some((id, hash)) = expect_head {
            let holds = report.head_id.is_some_and(|pid| pid >= id)
                && archive
                    .get(id)
                    .await?
                    .is_some_and(|d| d.record_hash == hash);
            if !holds {
                report.problem = Some(ChainProblem::Head {
                    detail: format!("the noted head {id}:{hash} is no longer in the chain: records at or before it were removed or rewritten"),
                });
            }
        }
    }
    if report.problem.is_none() {
        report.problem = check_evidence(archive, &mut report.evidence, &mut referenced).await?;
    }
    if report.problem.is_none() {
        if let Some((sha256, (id, _))) = referenced.into_iter().next() {
            report.problem = Some(ChainProblem::Evidence {
                sha256,
                detail: format!("cited by record {id} but gone from the archive"),
            });
        }
    }
    if report.problem.is_none() {
        report.history = crate::workflow::store::check_history(archive).await?;
        if let Some(detail) = report.history.as_ref().and_then(|h| h.problem.clone()) {
            report.problem = Some(ChainProblem::History { detail });
        }
    }
    if report.problem.is_none() {
        report.problem = check_checkpoints(archive).await?;
    }
    Ok(report)
}

/// The service starts its own checks from its checkpoints: each must name a record (a step of
/// the history) with the hash that record has now, or a check would start from a chain that is
/// not this one.
async fn check_checkpoints(archive: &Archive) -> Result<Option<ChainProblem>, ArchiveError> {
    let rows = sqlx::query(
        "SELECT c.head_id, c.head_hash, d.record_hash FROM archive_checkpoints c \
         LEFT JOIN documents d ON d.id = c.head_id ORDER BY c.head_id",
    )
    .fetch_all(archive.pool())
    .await?;
    for r in rows {
        let (id, noted, actual): (i64, String, Option<String>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if actual.as_deref() != Some(noted.as_str()) {
            return Ok(Some(ChainProblem::Head {
                detail: format!(
                    "the service's checkpoint {id}:{noted} does not match record {id}: the checkpoint was rewritten"
                ),
            }));
        }
    }
    let rows = sqlx::query(
        "SELECT c.chain_id, c.head_hash, e.record_hash FROM history_checkpoints c \
         LEFT JOIN application_events e ON e.chain_id = c.chain_id ORDER BY c.chain_id",
    )
    .fetch_all(archive.pool())
    .await;
    let rows = match rows {
        Ok(rows) => rows,
        // An archive without the workflow's tables has no history to check.
        Err(sqlx::Error::Database(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    for r in rows {
        let (id, noted, actual): (i64, String, Option<String>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if actual.as_deref() != Some(noted.as_str()) {
            return Ok(Some(ChainProblem::History {
                detail: format!(
                    "the service's checkpoint {id}:{noted} does not match step {id} of the history chain: the checkpoint was rewritten"
                ),
            }));
        }
    }
    Ok(None)
}

/// Checks every evidence row, striking the ones present off `referenced`.
async fn check_evidence(
    archive: &Archive,
    count: &mut u64,
    referenced: &mut BTreeMap<String, (i64, EvidenceKind)>,
) -> Result<Option<ChainProblem>, ArchiveError> {
    let mut after = String::new();
    loop {
        let rows = archive.evidence_rows_after(&after, 64).await?;
        let Some((last, _, _)) = rows.last() else {
            return Ok(None);
        };
        after = last.clone();
        for (sha, kind, der) in rows {
            *count += 1;
            let cited = referenced.remove(&sha);
            let Some(stored_kind) = EvidenceKind::parse(&kind) else {
                return Ok(Some(ChainProblem::Evidence {
                    sha256: sha,
                    detail: format!("unknown kind {kind:?}"),
                }));
            };
            // The kind decides how re-verification reads the bytes: it must be the kind the
            // (hashed) citing record names.
            if let Some((id, cited_kind)) = cited.filter(|(_, k)| *k != stored_kind) {
                return Ok(Some(ChainProblem::Evidence {
                    sha256: sha,
                    detail: format!(
                        "its kind was changed: stored as {}, cited by record {id} as {}",
                        stored_kind.as_str(),
                        cited_kind.as_str()
                    ),
                }));
            }
            if hex::encode(Sha256::digest(&der)) != sha {
                return Ok(Some(ChainProblem::Evidence {
                    sha256: sha,
                    detail: "its bytes no longer hash to its name: the stored certificate or CRL was altered".into(),
                }));
            }
        }
    }
}
