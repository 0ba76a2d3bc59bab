//! Applications and their history, in the archive's database: an application row written once at
//! submission, and an append-only list of steps (`application_events`, one row per step, numbered
//! per application so that two nodes cannot both take the same next step).

use sqlx::Row;
use time::OffsetDateTime;

use crate::archive::schema::{self, Migration};
use crate::archive::{Archive, ArchiveError, Backend};

use super::model::{Event, Status, Step};

const MIGRATIONS: &[Migration] = &[Migration {
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
}];

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
        schema::migrate(
            archive.pool(),
            archive.backend(),
            "workflow_migrations",
            MIGRATIONS,
        )
        .await?;
        Ok(ApplicationStore {
            archive: archive.clone(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.archive.backend()
    }

    /// Writes a new application with its first step in one transaction; returns its id.
    pub async fn create(&self, row: &ApplicationRow, first: &Event) -> Result<i64, ArchiveError> {
        let mut tx = self.archive.pool().begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO applications (service, applicant_id, applicant_kind, submitted_at, deadline, \
             payment_reference, signature, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&row.service)
        .bind(&row.applicant_id)
        .bind(&row.applicant_kind)
        .bind(time_text(row.submitted_at))
        .bind(&row.deadline)
        .bind(row.payment_reference.clone())
        .bind(row.signature.clone())
        .bind(row.content.clone())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        insert_event(&mut tx, id, 1, first).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn get(&self, id: i64) -> Result<Option<ApplicationRow>, ArchiveError> {
        let row = sqlx::query(
            "SELECT id, service, applicant_id, applicant_kind, submitted_at, deadline, payment_reference, \
             signature, content FROM applications WHERE id = $1",
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
        let mut tx = self.archive.pool().begin().await?;
        for (i, event) in events.iter().enumerate() {
            let seq = (known + i + 1) as i64;
            if let Err(e) = insert_event(&mut tx, id, seq, event).await {
                let duplicate = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
                if duplicate {
                    return Ok(false);
                }
                return Err(e.into());
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    seq: i64,
    e: &Event,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO application_events (application, seq, at, step, status, code, detail, document_id, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(seq as i32)
    .bind(time_text(e.at))
    .bind(e.step.as_str())
    .bind(e.status.as_str())
    .bind(e.code.clone())
    .bind(e.detail.clone())
    .bind(e.document_id)
    .bind(e.actor.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
