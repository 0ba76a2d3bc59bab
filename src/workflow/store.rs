//! Applications and their history, in the archive's database: an application row written once at
//! submission, and an append-only list of steps (`application_events`, one row per step, numbered
//! per application so that two nodes cannot both take the same next step).

use std::collections::HashMap;

use sqlx::Row;
use time::OffsetDateTime;

use crate::archive::record::FieldHasher as Hasher;
use crate::archive::schema::{self, Migration};
use crate::archive::{Archive, ArchiveError, Backend};

use super::model::{Event, Status, Step};

const MIGRATIONS: &[Migration] = &[
    Migration {
    version: 1,
    name: "applications and their steps",
    sqlite: &[
        "CREATE TABLE applications (
            id INTEGER PRIMARY KEY,
            service TEXT NOT NULL,
            applicant_id TEXT NOT NULL,
            applicant_kind TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            deadline TEXT NOT NULL,
            payment_reference TEXT,
            signature BLOB NOT NULL,
            content BLOB
        )",
        "CREATE INDEX applications_by_applicant ON applications (applicant_id)",
        "CREATE TABLE application_events (
            application BIGINT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            step TEXT NOT NULL,
            status TEXT NOT NULL,
            code TEXT,
            detail TEXT,
            document_id BIGINT,
            actor TEXT,
            PRIMARY KEY (application, seq)
        )",
    ],
    postgres: &[
        "CREATE TABLE applications (
            id BIGSERIAL PRIMARY KEY,
            service TEXT NOT NULL,
            applicant_id TEXT NOT NULL,
            applicant_kind TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            deadline TEXT NOT NULL,
            payment_reference TEXT,
            signature BYTEA NOT NULL,
            content BYTEA
        )",
        "CREATE INDEX applications_by_applicant ON applications (applicant_id)",
        "CREATE TABLE application_events (
            application BIGINT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            step TEXT NOT NULL,
            status TEXT NOT NULL,
            code TEXT,
            detail TEXT,
            document_id BIGINT,
            actor TEXT,
            PRIMARY KEY (application, seq)
        )",
    ],
},
    Migration {
        version: 2,
        name: "applications and steps append-only and hash-chained",
        sqlite: &[
            // The portal token (by its configured name) that submitted: reads are scoped to it.
            "ALTER TABLE applications ADD COLUMN portal TEXT",
            "ALTER TABLE applications ADD COLUMN record_hash TEXT",
            "ALTER TABLE application_events ADD COLUMN chain_id BIGINT",
            "ALTER TABLE application_events ADD COLUMN prev_hash TEXT",
            "ALTER TABLE application_events ADD COLUMN record_hash TEXT",
            "CREATE UNIQUE INDEX application_events_by_chain ON application_events (chain_id)",
            // Rows written before this version are sealed (hashed) once at the next start; after
            // that no row changes.
            "CREATE TRIGGER applications_no_update BEFORE UPDATE ON applications
                WHEN OLD.record_hash IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'applications are append-only'); END",
            "CREATE TRIGGER applications_no_delete BEFORE DELETE ON applications
                BEGIN SELECT RAISE(ABORT, 'applications are append-only'); END",
            "CREATE TRIGGER application_events_no_update BEFORE UPDATE ON application_events
                WHEN OLD.record_hash IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'application history is append-only'); END",
            "CREATE TRIGGER application_events_no_delete BEFORE DELETE ON application_events
                BEGIN SELECT RAISE(ABORT, 'application history is append-only'); END",
            // The heads of the history chain the service found intact: its next check starts
            // there.
            "CREATE TABLE history_checkpoints (
                chain_id INTEGER PRIMARY KEY,
                head_hash TEXT NOT NULL,
                checked_at TEXT NOT NULL
            )",
            "CREATE TRIGGER history_checkpoints_no_update BEFORE UPDATE ON history_checkpoints
                BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
            "CREATE TRIGGER history_checkpoints_no_delete BEFORE DELETE ON history_checkpoints
                BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
        ],
        postgres: &[
            "ALTER TABLE applications ADD COLUMN portal TEXT",
            "ALTER TABLE applications ADD COLUMN record_hash TEXT",
            "ALTER TABLE application_events ADD COLUMN chain_id BIGINT",
            "ALTER TABLE application_events ADD COLUMN prev_hash TEXT",
            "ALTER TABLE application_events ADD COLUMN record_hash TEXT",
            "CREATE UNIQUE INDEX application_events_by_chain ON application_events (chain_id)",
            "CREATE FUNCTION workflow_append_only() RETURNS trigger LANGUAGE plpgsql AS
                'BEGIN
                    IF TG_OP = ''UPDATE'' AND OLD.record_hash IS NULL THEN RETURN NEW; END IF;
                    RAISE EXCEPTION ''applications and their history are append-only'';
                END'",
            "CREATE TRIGGER applications_append_only BEFORE UPDATE OR DELETE ON applications
                FOR EACH ROW EXECUTE FUNCTION workflow_append_only()",
            "CREATE TRIGGER application_events_append_only BEFORE UPDATE OR DELETE ON application_events
                FOR EACH ROW EXECUTE FUNCTION workflow_append_only()",
            "CREATE TABLE history_checkpoints (
                chain_id BIGINT PRIMARY KEY,
                head_hash TEXT NOT NULL,
                checked_at TEXT NOT NULL
            )",
            "CREATE TRIGGER history_checkpoints_append_only BEFORE UPDATE OR DELETE ON history_checkpoints
                FOR EACH ROW EXECUTE FUNCTION archive_append_only()",
        ],
    },
];

/// PostgreSQL advisory lock key that lets one node at a time extend the history chain.
const HISTORY_LOCK: i64 = 0x716f_6c74_0000_0002;

/// The hash of an application row, from its columns as stored.
#[allow(clippy::too_many_arguments)]
fn application_hash(
    id: i64,
    service: &str,
    applicant_id: &str,
    applicant_kind: &str,
    submitted_at: &str,
    deadline: &str,
    payment_reference: Option<&str>,
    signature: &[u8],
    content: Option<&[u8]>,
    portal: Option<&str>,
) -> String {
    let mut h = Hasher::new(b"qoltanba application v1\0");
    h.field(Some(&id.to_be_bytes()))
        .text(Some(service))
        .text(Some(applicant_id))
        .text(Some(applicant_kind))
        .text(Some(submitted_at))
        .text(Some(deadline))
        .text(payment_reference)
        .field(Some(signature))
        .field(content)
        .text(portal);
    h.finish()
}

/// One history row as stored.
#[derive(Debug, Clone)]
struct EventRow {
    chain_id: Option<i64>,
    application: i64,
    seq: i64,
    at: String,
    step: String,
    status: String,
    code: Option<String>,
    detail: Option<String>,
    document_id: Option<i64>,
    actor: Option<String>,
    prev_hash: Option<String>,
    record_hash: Option<String>,
}

impl EventRow {
    /// Covers every column, the application's hash (so the row it belongs to cannot change
    /// either) and the hash of the step before it in the chain.
    fn hash(&self, chain_id: i64, application_hash: &str, prev_hash: &str) -> String {
        let mut h = Hasher::new(b"qoltanba application event v1\0");
        h.field(Some(&chain_id.to_be_bytes()))
            .field(Some(&self.application.to_be_bytes()))
            .field(Some(&self.seq.to_be_bytes()))
            .text(Some(&self.at))
            .text(Some(&self.step))
            .text(Some(&self.status))
            .text(self.code.as_deref())
            .text(self.detail.as_deref())
            .field(
                self.document_id
                    .map(i64::to_be_bytes)
                    .as_ref()
                    .map(|b| &b[..]),
            )
            .text(self.actor.as_deref())
            .text(Some(application_hash))
            .text(Some(prev_hash));
        h.finish()
    }

    fn of(application: i64, seq: i64, e: &Event) -> EventRow {
        EventRow {
            chain_id: None,
            application,
            seq,
            at: time_text(e.at),
            step: e.step.as_str().to_owned(),
            status: e.status.as_str().to_owned(),
            code: e.code.clone(),
            detail: e.detail.clone(),
            document_id: e.document_id,
            actor: e.actor.clone(),
            prev_hash: None,
            record_hash: None,
        }
    }
}

const EVENT_COLUMNS: &str = "chain_id, application, seq, at, step, status, code, detail, \
                             document_id, actor, prev_hash, record_hash";

fn event_row(r: &sqlx::any::AnyRow) -> Result<EventRow, sqlx::Error> {
    Ok(EventRow {
        chain_id: r.try_get(0)?,
        application: r.try_get(1)?,
        seq: r.try_get::<i64, _>(2)?,
        at: r.try_get(3)?,
        step: r.try_get(4)?,
        status: r.try_get(5)?,
        code: r.try_get(6)?,
        detail: r.try_get(7)?,
        document_id: r.try_get(8)?,
        actor: r.try_get(9)?,
        prev_hash: r.try_get(10)?,
        record_hash: r.try_get(11)?,
    })
}

/// What `log-check` found in the applications and their history.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HistoryCheck {
    pub applications: u64,
    pub events: u64,
    /// The last step of the history chain (`CHAIN_ID:HASH`).
    pub head: Option<String>,
    pub problem: Option<String>,
}

/// One application as submitted.
#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: i64,
    pub service: String,
    pub applicant_id: String,
    pub applicant_kind: String,
    pub submitted_at: OffsetDateTime,
    pub deadline: String,
    pub payment_reference: Option<String>,
    pub signature: Vec<u8>,
    pub content: Option<Vec<u8>>,
    /// The name of the portal token that submitted it (`None`: submitted before portals were
    /// recorded, or from the command line).
    pub portal: Option<String>,
}

#[derive(Clone)]
pub struct ApplicationStore {
    archive: Archive,
}

fn time_text(t: OffsetDateTime) -> String {
    qoltanba_core::rfc3339(t)
}

impl ApplicationStore {
    pub async fn open(archive: &Archive) -> Result<Self, ArchiveError> {
        let before = chain_version(archive).await;
        schema::migrate(
            archive.pool(),
            archive.backend(),
            "workflow_migrations",
            MIGRATIONS,
        )
        .await?;
        let store = ApplicationStore {
            archive: archive.clone(),
        };
        // Only when this start brought the chained history: an unsealed row found later was
        // written around the service, and sealing it would launder it into the chain (the chain
        // check reports it instead).
        if before < 2 {
            store.seal_legacy().await?;
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.archive.backend()
    }

    /// Writes a new application with its first step in one transaction; returns its id.
    pub async fn create(&self, row: &ApplicationRow, first: &Event) -> Result<i64, ArchiveError> {
        let mut write = self.archive.begin_write().await?;
        let tx = &mut write.tx;
        lock_history(tx, self.backend()).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO applications (service, applicant_id, applicant_kind, submitted_at, deadline, \
             payment_reference, signature, content, portal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&row.service)
        .bind(&row.applicant_id)
        .bind(&row.applicant_kind)
        .bind(time_text(row.submitted_at))
        .bind(&row.deadline)
        .bind(row.payment_reference.clone())
        .bind(row.signature.clone())
        .bind(row.content.clone())
        .bind(row.portal.clone())
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let hash = application_hash(
            id,
            &row.service,
            &row.applicant_id,
            &row.applicant_kind,
            &time_text(row.submitted_at),
            &row.deadline,
            row.payment_reference.as_deref(),
            &row.signature,
            row.content.as_deref(),
            row.portal.as_deref(),
        );
        sqlx::query("UPDATE applications SET record_hash = $1 WHERE id = $2")
            .bind(hash.clone())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let mut head = history_head(tx).await?;
        insert_event(tx, &mut head, &hash, EventRow::of(id, 1, first)).await?;
        write.tx.commit().await?;
        Ok(id)
    }

    pub async fn get(&self, id: i64) -> Result<Option<ApplicationRow>, ArchiveError> {
        let row = sqlx::query(
            "SELECT id, service, applicant_id, applicant_kind, submitted_at, deadline, payment_reference, \
             signature, content, portal FROM applications WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.archive.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let submitted: String = r.try_get(4)?;
        Ok(Some(ApplicationRow {
            id: r.try_get(0)?,
            service: r.try_get(1)?,
            applicant_id: r.try_get(2)?,
            applicant_kind: r.try_get(3)?,
            submitted_at: qoltanba_core::parse_time(&submitted).map_err(|_| {
                ArchiveError::Database(format!("application {id}: unreadable time"))
            })?,
            deadline: r.try_get(5)?,
            payment_reference: r.try_get(6)?,
            signature: r.try_get(7)?,
            content: r.try_get(8)?,
            portal: r.try_get(9)?,
        }))
    }

    /// Ids of the applications of one applicant, newest first.
    pub async fn of_applicant(&self, applicant_id: &str) -> Result<Vec<i64>, ArchiveError> {
        let rows = sqlx::query(
            "SELECT id FROM applications WHERE applicant_id = $1 ORDER BY id DESC LIMIT 1000",
        )
        .bind(applicant_id)
        .fetch_all(self.archive.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
    }

    pub async fn events(&self, id: i64) -> Result<Vec<Event>, ArchiveError> {
        let rows = sqlx::query(
            "SELECT at, step, status, code, detail, document_id, actor FROM application_events \
             WHERE application = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(self.archive.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let at: String = r.try_get(0)?;
                let step: String = r.try_get(1)?;
                let status: String = r.try_get(2)?;
                let bad = |what: &str| {
                    ArchiveError::Database(format!("application {id}: unreadable {what}"))
                };
                Ok(Event {
                    at: qoltanba_core::parse_time(&at).map_err(|_| bad("time"))?,
                    step: Step::parse(&step).ok_or_else(|| bad("step"))?,
                    status: Status::parse(&status).ok_or_else(|| bad("status"))?,
                    code: r.try_get(3)?,
                    detail: r.try_get(4)?,
                    document_id: r.try_get(5)?,
                    actor: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Appends steps after the `known` ones. Fails (`Ok(false)`) when another caller appended
    /// meanwhile: the caller reads the history again and decides anew.
    pub async fn append(
        &self,
        id: i64,
        known: usize,
        events: &[Event],
    ) -> Result<bool, ArchiveError> {
        let mut write = self.archive.begin_write().await?;
        let tx = &mut write.tx;
        lock_history(tx, self.backend()).await?;
        let app_hash: Option<String> =
            sqlx::query("SELECT record_hash FROM applications WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?
                .flatten();
        let app_hash = app_hash.ok_or_else(|| {
            ArchiveError::Database(format!("application {id} is missing or unsealed"))
        })?;
        let mut head = history_head(tx).await?;
        for (i, event) in events.iter().enumerate() {
            let seq = (known + i + 1) as i64;
            if let Err(e) =
                insert_event(tx, &mut head, &app_hash, EventRow::of(id, seq, event)).await
            {
                let duplicate = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
                if duplicate {
                    return Ok(false);
                }
                return Err(e.into());
            }
        }
        write.tx.commit().await?;
        Ok(true)
    }

    /// Ids above `after` of the applications whose last step is their submission: the steps
    /// that follow at once (the signing condition, or the refusal of a paid service named without
    /// a payment reference) may never have been recorded. Those awaiting a payment they named are
    /// among them; the caller tells them apart.
    pub async fn unfinished(&self, after: i64) -> Result<Vec<i64>, ArchiveError> {
        let rows = sqlx::query(
            "SELECT e.application FROM application_events e WHERE e.application > $1 \
             AND e.step = 'submission' AND e.status IN ('submitted', 'awaiting_payment') \
             AND e.seq = (SELECT MAX(x.seq) FROM application_events x WHERE x.application = e.application) \
             ORDER BY e.application",
        )
        .bind(after)
        .fetch_all(self.archive.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
    }

    /// The highest application id (0 when there is none).
    pub async fn newest(&self) -> Result<i64, ArchiveError> {
        let row = sqlx::query("SELECT MAX(id) FROM applications")
            .fetch_one(self.archive.pool())
            .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?.unwrap_or(0))
    }

    /// The applications whose `result` step names this document.
    pub async fn result_owners(&self, document_id: i64) -> Result<Vec<i64>, ArchiveError> {
        let rows = sqlx::query(
            "SELECT DISTINCT application FROM application_events \
             WHERE step = 'result' AND document_id = $1",
        )
        .bind(document_id)
        .fetch_all(self.archive.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
    }

    /// Whether one application's row and steps still match their hashes (what the cabinet checks
    /// before it serves a document of it); the problem otherwise.
    pub async fn application_intact(&self, id: i64) -> Result<Option<String>, ArchiveError> {
        let Some(app_hash) = stored_application_hash(self.archive.pool(), id).await? else {
            return Ok(Some(format!("application {id} is missing")));
        };
        let (computed, stored) = app_hash;
        if Some(&computed) != stored.as_ref() {
            return Ok(Some(format!("application {id} was altered")));
        }
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM application_events WHERE application = $1 ORDER BY seq"
        ))
        .bind(id)
        .fetch_all(self.archive.pool())
        .await?;
        for (i, r) in rows.iter().enumerate() {
            let e = event_row(r)?;
            let (Some(chain_id), Some(prev), Some(hash)) =
                (e.chain_id, &e.prev_hash, &e.record_hash)
            else {
                return Ok(Some(format!(
                    "application {id}: step {} is unsealed",
                    e.seq
                )));
            };
            if e.seq != i as i64 + 1 || e.hash(chain_id, &computed, prev) != *hash {
                return Ok(Some(format!(
                    "application {id}: step {} was altered",
                    e.seq
                )));
            }
        }
        Ok(None)
    }

    /// Hashes the rows written before the history was chained (once, at the first start of this
    /// version), appending them to the chain in application and step order.
    async fn seal_legacy(&self) -> Result<(), ArchiveError> {
        let unsealed =
            sqlx::query("SELECT id FROM applications WHERE record_hash IS NULL ORDER BY id")
                .fetch_all(self.archive.pool())
                .await?;
        let unsealed_events =
            sqlx::query("SELECT COUNT(*) FROM application_events WHERE record_hash IS NULL")
                .fetch_one(self.archive.pool())
                .await?
                .try_get::<i64, _>(0)?;
        if unsealed.is_empty() && unsealed_events == 0 {
            return Ok(());
        }
        let mut write = self.archive.begin_write().await?;
        let tx = &mut write.tx;
        lock_history(tx, self.backend()).await?;
        for r in &unsealed {
            let id: i64 = r.try_get(0)?;
            if let Some((hash, _)) = stored_application_hash(&mut **tx, id).await? {
                sqlx::query("UPDATE applications SET record_hash = $1 WHERE id = $2 AND record_hash IS NULL")
                    .bind(hash)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM application_events WHERE record_hash IS NULL \
             ORDER BY application, seq"
        ))
        .fetch_all(&mut **tx)
        .await?;
        let mut head = history_head(tx).await?;
        let mut sealed = 0u64;
        for r in &rows {
            let e = event_row(r)?;
            let Some((app_hash, _)) = stored_application_hash(&mut **tx, e.application).await?
            else {
                continue;
            };
            let chain_id = head.0 + 1;
            let hash = e.hash(chain_id, &app_hash, &head.1);
            sqlx::query(
                "UPDATE application_events SET chain_id = $1, prev_hash = $2, record_hash = $3 \
                 WHERE application = $4 AND seq = $5 AND record_hash IS NULL",
            )
            .bind(chain_id)
            .bind(head.1.clone())
            .bind(hash.clone())
            .bind(e.application)
            .bind(e.seq as i32)
            .execute(&mut **tx)
            .await?;
            head = (chain_id, hash);
            sealed += 1;
        }
        write.tx.commit().await?;
        tracing::info!(
            applications = unsealed.len(),
            steps = sealed,
            "application history written before it was chained is now sealed"
        );
        Ok(())
    }
}

/// `(computed from the row, stored)` hashes of one application.
async fn stored_application_hash<'e, E>(
    executor: E,
    id: i64,
) -> Result<Option<(String, Option<String>)>, ArchiveError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, service, applicant_id, applicant_kind, submitted_at, deadline, payment_reference, \
         signature, content, record_hash, portal FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(executor)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let computed = application_hash(
        r.try_get(0)?,
        &r.try_get::<String, _>(1)?,
        &r.try_get::<String, _>(2)?,
        &r.try_get::<String, _>(3)?,
        &r.try_get::<String, _>(4)?,
        &r.try_get::<String, _>(5)?,
        r.try_get::<Option<String>, _>(6)?.as_deref(),
        &r.try_get::<Vec<u8>, _>(7)?,
        r.try_get::<Option<Vec<u8>>, _>(8)?.as_deref(),
        r.try_get::<Option<String>, _>(10)?.as_deref(),
    );
    Ok(Some((computed, r.try_get(9)?)))
}

async fn lock_history(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(HISTORY_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The last step of the history chain: `(chain_id, record_hash)`, `(0, genesis)` when empty.
async fn history_head(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query(
        "SELECT chain_id, record_hash FROM application_events WHERE chain_id IS NOT NULL \
         ORDER BY chain_id DESC LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => (r.try_get(0)?, r.try_get(1)?),
        None => (0, crate::archive::record::GENESIS_HASH.to_owned()),
    })
}

/// Walks the whole history chain: every step in chain order against its hash and its link, every
/// application against its hash, steps numbered without gaps, no application without steps.
/// `None` when the archive has no chained history (the workflow's tables are older or absent).
pub async fn check_history(archive: &Archive) -> Result<Option<HistoryCheck>, ArchiveError> {
    check_history_from(archive, None).await
}

/// [`check_history`] from a checkpoint (`CHAIN_ID`, the hash that step had when the history up to
/// it was found intact; it must still have it): the steps after it, and the applications they
/// belong to.
pub async fn check_history_from(
    archive: &Archive,
    from: Option<(i64, String)>,
) -> Result<Option<HistoryCheck>, ArchiveError> {
    if chain_version(archive).await < 2 {
        return Ok(None);
    }
    let mut report = HistoryCheck::default();
    let problem = walk_history(archive, from, &mut report).await?;
    report.problem = problem;
    Ok(Some(report))
}

/// The workflow's schema version (0 before its tables exist): from 2 the history is chained.
async fn chain_version(archive: &Archive) -> i64 {
    sqlx::query("SELECT MAX(version) FROM workflow_migrations")
        .fetch_one(archive.pool())
        .await
        .ok()
        .and_then(|r| r.try_get::<Option<i64>, _>(0).ok().flatten())
        .unwrap_or(0)
}

/// The newest checkpoint of the history chain, if any (and if the table exists).
pub async fn history_checkpoint(archive: &Archive) -> Result<Option<(i64, String)>, ArchiveError> {
    let row = sqlx::query(
        "SELECT chain_id, head_hash FROM history_checkpoints ORDER BY chain_id DESC LIMIT 1",
    )
    .fetch_optional(archive.pool())
    .await;
    match row {
        Ok(Some(r)) => Ok(Some((r.try_get(0)?, r.try_get(1)?))),
        Ok(None) => Ok(None),
        // Before the workflow's tables are migrated there is no history to check.
        Err(sqlx::Error::Database(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Records `head` (`CHAIN_ID:HASH`, as [`HistoryCheck::head`]) as the history's checkpoint.
pub async fn record_history_checkpoint(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    chain_id: i64,
    hash: &str,
) -> Result<(), ArchiveError> {
    sqlx::query(
        "INSERT INTO history_checkpoints (chain_id, head_hash, checked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (chain_id) DO NOTHING",
    )
    .bind(chain_id)
    .bind(hash.to_owned())
    .bind(qoltanba_core::rfc3339(OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn walk_history(
    archive: &Archive,
    from: Option<(i64, String)>,
    report: &mut HistoryCheck,
) -> Result<Option<String>, ArchiveError> {
    let pool = archive.pool();
    let unsealed = sqlx::query(
        "SELECT application, seq FROM application_events WHERE chain_id IS NULL OR record_hash IS NULL \
         OR prev_hash IS NULL LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    if let Some(r) = unsealed {
        return Ok(Some(format!(
            "application {} step {}: its chain position or hash was removed",
            r.try_get::<i64, _>(0)?,
            r.try_get::<i64, _>(1)?
        )));
    }
    // Per application: (its hash as computed from its row, the last step seen).
    let mut apps: HashMap<i64, (String, i64)> = HashMap::new();
    let mut previous = (0i64, crate::archive::record::GENESIS_HASH.to_owned());
    if let Some((chain_id, hash)) = from {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM application_events WHERE chain_id = $1"
        ))
        .bind(chain_id)
        .fetch_optional(pool)
        .await?;
        let holds = match row {
            None => false,
            Some(r) => {
                let e = event_row(&r)?;
                let app = stored_application_hash(pool, e.application).await?;
                match (app, &e.prev_hash) {
                    (Some((computed, stored)), Some(prev)) => {
                        Some(&computed) == stored.as_ref()
                            && e.record_hash.as_deref() == Some(hash.as_str())
                            && e.hash(chain_id, &computed, prev) == hash
                    }
                    _ => false,
                }
            }
        };
        if !holds {
            return Ok(Some(format!(
                "the checkpoint {chain_id}:{hash} is no longer in the history chain: its step or its application was altered or removed"
            )));
        }
        previous = (chain_id, hash);
    }
    let checkpoint = previous.0;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM application_events WHERE chain_id > $1 ORDER BY chain_id LIMIT 1000"
        ))
        .bind(previous.0)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let e = event_row(r)?;
            report.events += 1;
            let chain_id = e.chain_id.unwrap_or_default();
            let what = format!(
                "application {} step {} (chain {chain_id})",
                e.application, e.seq
            );
            if chain_id != previous.0 + 1 {
                return Ok(Some(format!(
                    "history steps {} to {} were removed",
                    previous.0 + 1,
                    chain_id - 1
                )));
            }
            let (app_hash, last_seq) = match apps.entry(e.application) {
                std::collections::hash_map::Entry::Occupied(seen) => seen.into_mut(),
                std::collections::hash_map::Entry::Vacant(first) => {
                    match stored_application_hash(pool, e.application).await? {
                        None => return Ok(Some(format!("{what}: its application was removed"))),
                        Some((computed, stored)) if Some(&computed) != stored.as_ref() => {
                            return Ok(Some(format!(
                                "application {} was altered: its row does not match its hash",
                                e.application
                            )))
                        }
                        Some((computed, _)) => {
                            // Its steps up to the checkpoint were checked before.
                            let before = if checkpoint > 0 {
                                sqlx::query(
                                    "SELECT COUNT(*) FROM application_events \
                                     WHERE application = $1 AND chain_id <= $2",
                                )
                                .bind(e.application)
                                .bind(checkpoint)
                                .fetch_one(pool)
                                .await?
                                .try_get::<i64, _>(0)?
                            } else {
                                0
                            };
                            first.insert((computed, before))
                        }
                    }
                }
            };
            if e.seq != *last_seq + 1 {
                return Ok(Some(format!(
                    "{what}: the steps of application {} were removed or reordered",
                    e.application
                )));
            }
            *last_seq = e.seq;
            let hash = e.hash(chain_id, app_hash, &previous.1);
            if Some(&hash) != e.record_hash.as_ref() {
                let detail = if e.prev_hash.as_deref() != Some(previous.1.as_str()) {
                    "it does not link to the step before it"
                } else {
                    "its contents do not match its hash"
                };
                return Ok(Some(format!("{what} was altered: {detail}")));
            }
            previous = (chain_id, hash);
        }
    }
    report.applications = apps.len() as u64;
    // An application is written with its first step in one transaction: one without steps lost
    // them.
    let stepless = sqlx::query(
        "SELECT COUNT(*) FROM applications a WHERE NOT EXISTS \
         (SELECT 1 FROM application_events e WHERE e.application = a.id)",
    )
    .fetch_one(pool)
    .await?
    .try_get::<i64, _>(0)?;
    if stepless > 0 {
        return Ok(Some(format!(
            "{stepless} applications have no history in the chain: their steps were removed"
        )));
    }
    if previous.0 > 0 {
        report.head = Some(format!("{}:{}", previous.0, previous.1));
    }
    Ok(None)
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    head: &mut (i64, String),
    app_hash: &str,
    e: EventRow,
) -> Result<(), sqlx::Error> {
    let chain_id = head.0 + 1;
    let hash = e.hash(chain_id, app_hash, &head.1);
    sqlx::query(&format!(
        "INSERT INTO application_events ({EVENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(chain_id)
    .bind(e.application)
    .bind(e.seq as i32)
    .bind(e.at)
    .bind(e.step)
    .bind(e.status)
    .bind(e.code)
    .bind(e.detail)
    .bind(e.document_id)
    .bind(e.actor)
    .bind(head.1.clone())
    .bind(hash.clone())
    .execute(&mut **tx)
    .await?;
    *head = (chain_id, hash);
    Ok(())
}
