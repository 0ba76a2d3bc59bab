//! The archive's tables, one migration list written for both back ends. Each migration runs once,
//! in a transaction, and is recorded in `archive_migrations`; a node that starts against a newer
//! archive than it knows refuses to run rather than guess.

use sqlx::AnyPool;
use sqlx::Row;

use super::{ArchiveError, Backend};

/// One step of a schema, written for each back end.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static [&'static str],
    pub postgres: &'static [&'static str],
}

/// Records are never updated or deleted: the triggers refuse it, and the hash chain exposes whoever
/// goes around them (see `log_check`).
pub(crate) const ARCHIVE: &[Migration] = &[
    Migration {
    version: 1,
    name: "documents, evidence, append-only triggers",
    sqlite: &[
        "CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            received_at TEXT NOT NULL,
            received_unix INTEGER NOT NULL,
            signer_iin TEXT,
            signer_bin TEXT,
            expected_id TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            signature BLOB NOT NULL,
            content BLOB,
            verdict TEXT NOT NULL,
            evidence TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            record_hash TEXT NOT NULL
        )",
        "CREATE INDEX documents_by_iin ON documents (signer_iin, received_unix)",
        "CREATE INDEX documents_by_bin ON documents (signer_bin, received_unix)",
        "CREATE INDEX documents_by_time ON documents (received_unix)",
        "CREATE TABLE evidence (sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, der BLOB NOT NULL)",
        "CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
            BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
        "CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
            BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
        "CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
            BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
        "CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
            BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
    ],
    postgres: &[
        "CREATE TABLE documents (
            id BIGINT PRIMARY KEY,
            kind TEXT NOT NULL,
            received_at TEXT NOT NULL,
            received_unix BIGINT NOT NULL,
            signer_iin TEXT,
            signer_bin TEXT,
            expected_id TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            signature BYTEA NOT NULL,
            content BYTEA,
            verdict TEXT NOT NULL,
            evidence TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            record_hash TEXT NOT NULL
        )",
        "CREATE INDEX documents_by_iin ON documents (signer_iin, received_unix)",
        "CREATE INDEX documents_by_bin ON documents (signer_bin, received_unix)",
        "CREATE INDEX documents_by_time ON documents (received_unix)",
        "CREATE TABLE evidence (sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, der BYTEA NOT NULL)",
        "CREATE FUNCTION archive_append_only() RETURNS trigger LANGUAGE plpgsql AS
            'BEGIN RAISE EXCEPTION ''the archive is append-only''; END'",
        "CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents
            FOR EACH ROW EXECUTE FUNCTION archive_append_only()",
        "CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence
            FOR EACH ROW EXECUTE FUNCTION archive_append_only()",
    ],
},
    Migration {
        version: 2,
        name: "record hash versions, chain checkpoints",
        sqlite: &[
            // Records stored before keep verifying under hash version 1.
            "ALTER TABLE documents ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1",
            "CREATE TABLE archive_checkpoints (
                head_id INTEGER PRIMARY KEY,
                head_hash TEXT NOT NULL,
                checked_at TEXT NOT NULL
            )",
            // A checkpoint only ever moves forward: rewriting one would let a start check begin
            // after a rewritten stretch of the chain.
            "CREATE TRIGGER archive_checkpoints_no_update BEFORE UPDATE ON archive_checkpoints
                BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
            "CREATE TRIGGER archive_checkpoints_no_delete BEFORE DELETE ON archive_checkpoints
                BEGIN SELECT RAISE(ABORT, 'the archive is append-only'); END",
        ],
        postgres: &[
            "ALTER TABLE documents ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1",
            "CREATE TABLE archive_checkpoints (
                head_id BIGINT PRIMARY KEY,
                head_hash TEXT NOT NULL,
                checked_at TEXT NOT NULL
            )",
            "CREATE TRIGGER archive_checkpoints_append_only BEFORE UPDATE OR DELETE ON archive_checkpoints
                FOR EACH ROW EXECUTE FUNCTION archive_append_only()",
        ],
    },
];

/// PostgreSQL advisory lock key that serialises migrations of nodes starting together.
const MIGRATION_LOCK: i64 = 0x716f_6c74_616e_6261;

/// Applies the steps of `migrations` not yet recorded in the table `record` (created if needed).
pub async fn migrate(
    pool: &AnyPool,
    backend: Backend,
    record: &'static str,
    migrations: &'static [Migration],
) -> Result<(), ArchiveError> {
    let mut conn = pool.acquire().await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let outcome = apply(&mut conn, backend, record, migrations).await;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    outcome
}

async fn apply(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    record: &str,
    migrations: &[Migration],
) -> Result<(), ArchiveError> {
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {record} (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    ))
    .execute(&mut *conn)
    .await?;
    let applied: Vec<i64> = sqlx::query(&format!("SELECT version FROM {record} ORDER BY version"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let known = migrations.last().map_or(0, |m| m.version);
    if let Some(newer) = applied.iter().find(|v| **v > known) {
        return Err(ArchiveError::Schema(format!(
            "{record}: schema version {newer} is newer than this qoltanba knows ({known}): upgrade qoltanba"
        )));
    }
    for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        let statements = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        for statement in statements {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query(&format!(
            "INSERT INTO {record} (version, name, applied_at) VALUES ($1, $2, $3)"
        ))
        .bind(migration.version)
        .bind(migration.name)
        .bind(qoltanba_core::rfc3339(time::OffsetDateTime::now_utc()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "archive schema migrated"
        );
    }
    Ok(())
}
