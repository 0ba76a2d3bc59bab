//! The archive: applicants' signed requests (when asked) and every officer-signed result, kept
//! append-only with the evidence of their verification, so that an auditor can show years later
//! whether a signature held when it was made and whether it holds now.
//!
//! - Back ends: SQLite (the embedded default: WAL, `synchronous=FULL`, so a commit survives a crash)
//!   or PostgreSQL (many stateless nodes share one), chosen by the URL, with one schema and one
//!   migration list ([`schema`]).
//! - Evidence: the certificates of the path and every CRL a verification used are stored once by
//!   their SHA-256 ([`evidence`]); a CRL cited by a million documents is one row.
//! - Integrity: each record carries the hash of the one before ([`record::RecordFields::record_hash`]);
//!   [`log_check`] walks the chain and names the first record that was altered, removed or
//!   reordered. The database refuses UPDATE and DELETE (triggers).
//! - Durability: [`Archive::store`] answers only after its transaction committed. One writer task
//!   per process groups the stores that arrive together into one commit.

pub mod evidence;
pub mod log_check;
pub mod record;
pub mod report;
pub mod reverify;
pub mod schema;
pub mod stamp;

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::AnyPool;
use sqlx::{Executor, Row};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

pub use evidence::EvidenceItem;
pub use record::{DocumentKind, EvidenceKind, EvidenceRef, Receipt, RecordFields, StoredDocument};

use qoltanba_core::Verdict;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ArchiveError {
    #[error("archive URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    Url(String),
    #[error("archive database: {0}")]
    Database(String),
    #[error("archive schema: {0}")]
    Schema(String),
    #[error("the archive is shutting down")]
    Closed,
    /// The hash chain failed its check: nothing more is appended until an operator looks.
    #[error(
        "the archive's hash chain is broken ({0}): it is read-only until an operator restores it"
    )]
    Broken(String),
}

impl ArchiveError {
    pub fn code(&self) -> &'static str {
        match self {
            ArchiveError::Url(_) => "archive_url",
            ArchiveError::Database(_) | ArchiveError::Closed => "archive_unavailable",
            ArchiveError::Schema(_) => "archive_schema",
            ArchiveError::Broken(_) => "archive_broken",
        }
    }
}

impl From<sqlx::Error> for ArchiveError {
    fn from(e: sqlx::Error) -> Self {
        ArchiveError::Database(e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, ArchiveError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(ArchiveError::Url(redact_url(url))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// The URL without its password, its query values (`?password=…` is a common way to pass one) and
/// its fragment, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    match url.split_once('?') {
        Some((base, query)) => format!(
            "{}?{}",
            mask_password(base),
            crate::url::redact_query(query)
        ),
        None => mask_password(url),
    }
}

/// `scheme://user:password@rest` → `scheme://user:***@rest`.
fn mask_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A document to store: the signed bytes, the verdict it got, and the evidence behind the verdict.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub received_at: OffsetDateTime,
    pub signature: Vec<u8>,
    pub content: Option<Vec<u8>>,
    /// The IIN/BIN the caller expected (re-verification checks it again).
    pub expected_id: Option<String>,
    pub verdict: Verdict,
    pub evidence: Vec<EvidenceItem>,
}

/// Which documents a listing or a re-verification covers.
#[derive(Debug, Clone, Default)]
pub struct DocumentQuery {
    /// IIN or BIN of the signer.
    pub signer: Option<String>,
    /// Received at or after.
    pub from: Option<OffsetDateTime>,
    /// Received before.
    pub to: Option<OffsetDateTime>,
}

struct Pending {
    documents: Vec<NewDocument>,
    reply: oneshot::Sender<Result<Vec<Receipt>, ArchiveError>>,
}

/// Stores at most this many documents in one commit.
const MAX_BATCH: usize = 256;
/// PostgreSQL advisory lock key that lets one node at a time extend the hash chain.
const APPEND_LOCK: i64 = 0x716f_6c74_0000_0001;
/// The hash version of new records ([`RecordFields::record_hash`]).
pub const HASH_VERSION: i64 = 2;

/// What the last chain check found: the service appends only while it is intact.
#[derive(Debug, Default)]
pub struct ChainState {
    broken: std::sync::Mutex<Option<String>>,
}

impl ChainState {
    /// `None` while the chain is intact (or not yet checked), the problem otherwise.
    pub fn problem(&self) -> Option<String> {
        self.broken.lock().map(|b| b.clone()).unwrap_or(None)
    }

    pub fn intact(&self) -> bool {
        self.problem().is_none()
    }

    fn set(&self, problem: Option<String>) {
        if let Ok(mut b) = self.broken.lock() {
            *b = problem;
        }
    }

    fn refuse_if_broken(&self) -> Result<(), ArchiveError> {
        match self.problem() {
            Some(p) => Err(ArchiveError::Broken(p)),
            None => Ok(()),
        }
    }
}

/// A write transaction: the process's write turn (every subsystem's writes take it, so SQLite
/// never sees two writers of one process) and a transaction begun as a writer (`BEGIN
/// IMMEDIATE` on SQLite, so a busy database is waited for, never failed at the first write).
pub struct WriteTx {
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

#[derive(Clone)]
pub struct Archive {
    pool: AnyPool,
    backend: Backend,
    writer: mpsc::Sender<Pending>,
    url: Arc<str>,
    write_turn: Arc<tokio::sync::Mutex<()>>,
    chain: Arc<ChainState>,
    /// Stores by document kind and outcome, for `/metrics`.
    stores: Arc<crate::http::counters::LabelledCounter>,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str =
    "id, kind, received_at, signer_iin, signer_bin, expected_id, status, reason, \
                       signature, content, verdict, evidence, prev_hash, record_hash, \
                       received_unix, hash_version";
/// [`COLUMNS`] with an empty verdict.
const COLUMNS_TO_JUDGE: &str =
    "id, kind, received_at, signer_iin, signer_bin, expected_id, status, \
     reason, signature, content, '' AS verdict, evidence, prev_hash, record_hash, \
     received_unix, hash_version";

impl Archive {
    /// Opens (creating if needed) the archive at `url` and brings its schema up to date. Must be
    /// called within a tokio runtime: the writer task runs on it.
    pub async fn open(url: &str) -> Result<Archive, ArchiveError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let connect_url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes every commit
                        // durable before it is acknowledged.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await
            .map_err(|e| ArchiveError::Database(format!("{}: {e}", redact_url(url))))?;
        schema::migrate(&pool, backend, "archive_migrations", schema::ARCHIVE).await?;
        let (writer, queue) = mpsc::channel(4 * MAX_BATCH);
        let write_turn = Arc::new(tokio::sync::Mutex::new(()));
        let chain = Arc::new(ChainState::default());
        let archive = Archive {
            pool,
            backend,
            writer,
            url: Arc::from(redact_url(url)),
            write_turn,
            chain,
            stores: Arc::default(),
        };
        tokio::spawn(write_loop(archive.clone(), queue));
        Ok(archive)
    }

    /// Begins a write transaction of any subsystem that shares the archive's database; refused
    /// while the chain is broken.
    pub async fn begin_write(&self) -> Result<WriteTx, ArchiveError> {
        self.chain.refuse_if_broken()?;
        let turn = Arc::clone(&self.write_turn).lock_owned().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    /// What the last chain check found.
    pub fn chain(&self) -> &ChainState {
        &self.chain
    }

    /// Checks the chain from the last checkpoint (the whole chain the first time), records the
    /// new head as the checkpoint when it holds, and refuses appends from now on when it does
    /// not. Returns the problem, if any.
    pub async fn verify_chain(&self) -> Result<Option<log_check::ChainProblem>, ArchiveError> {
        let checkpoint = sqlx::query(
            "SELECT head_id, head_hash FROM archive_checkpoints ORDER BY head_id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
        .transpose()?;
        let started = std::time::Instant::now();
        let mut walk = log_check::walk(self, checkpoint.clone()).await?;
        // The applications and their history: a chain of their own, with its own checkpoint.
        let mut history_head = None;
        let history_from = crate::workflow::store::history_checkpoint(self).await?;
        if walk.problem.is_none() {
            if let Some(history) =
                crate::workflow::store::check_history_from(self, history_from.clone()).await?
            {
                walk.problem = history
                    .problem
                    .map(|detail| log_check::ChainProblem::History { detail });
                history_head = history.head.and_then(|h| {
                    let (id, hash) = h.split_once(':')?;
                    Some((id.parse::<i64>().ok()?, hash.to_owned()))
                });
            }
        }
        match &walk.problem {
            Some(problem) => {
                tracing::error!(
                    problem = %problem,
                    "archive chain check: the chain is BROKEN; appends are refused (archive_broken) until an operator restores it"
                );
                self.chain.set(Some(problem.to_string()));
            }
            None => {
                self.chain.set(None);
                let documents = (walk.head_id.zip(walk.head_hash.clone()))
                    .filter(|(id, _)| checkpoint.as_ref().is_none_or(|(c, _)| c < id));
                let history = history_head
                    .filter(|(id, _)| history_from.as_ref().is_none_or(|(c, _)| c < id));
                if documents.is_some() || history.is_some() {
                    // A write like any other: through the write turn.
                    let mut write = self.begin_write().await?;
                    if let Some((id, hash)) = documents {
                        sqlx::query(
                            "INSERT INTO archive_checkpoints (head_id, head_hash, checked_at) \
                             VALUES ($1, $2, $3) ON CONFLICT (head_id) DO NOTHING",
                        )
                        .bind(id)
                        .bind(hash)
                        .bind(qoltanba_core::rfc3339(OffsetDateTime::now_utc()))
                        .execute(&mut *write.tx)
                        .await?;
                    }
                    if let Some((id, hash)) = history {
                        crate::workflow::store::record_history_checkpoint(&mut write.tx, id, &hash)
                            .await?;
                    }
                    write.tx.commit().await?;
                }
                tracing::info!(
                    from = checkpoint.as_ref().map_or(0, |(c, _)| *c),
                    records = walk.records,
                    head = walk.head_id.unwrap_or(0),
                    ms = started.elapsed().as_millis() as u64,
                    "archive chain check: intact"
                );
            }
        }
        Ok(walk.problem)
    }

    /// Runs [`Archive::verify_chain`] every `period`.
    pub fn spawn_chain_checker(&self, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let archive = self.clone();
        tokio::spawn(async move {
            // A zero period would make `interval` panic.
            let mut tick = tokio::time::interval(period.max(std::time::Duration::from_secs(1)));
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = archive.verify_chain().await {
                    tracing::warn!(error = %e, "archive chain check could not run");
                }
            }
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stores one document; `Ok` only once it is committed.
    pub async fn store(&self, document: NewDocument) -> Result<Receipt, ArchiveError> {
        let mut receipts = self.store_all(vec![document]).await?;
        receipts.pop().ok_or(ArchiveError::Closed)
    }

    /// Stores documents in order, in one commit (bulk imports, generators).
    pub async fn store_all(
        &self,
        documents: Vec<NewDocument>,
    ) -> Result<Vec<Receipt>, ArchiveError> {
        let kinds: Vec<&'static str> = documents.iter().map(|d| d.kind.as_str()).collect();
        let (reply, answer) = oneshot::channel();
        let result = match self.writer.send(Pending { documents, reply }).await {
            Ok(()) => answer
                .await
                .map_err(|_| ArchiveError::Closed)
                .and_then(|r| r),
            Err(_) => Err(ArchiveError::Closed),
        };
        let outcome = match &result {
            Ok(_) => "stored",
            Err(e) => e.code(),
        };
        for kind in kinds {
            self.stores.add(&[kind, outcome]);
        }
        result
    }

    /// The `/metrics` lines of the archive: stores by kind and outcome.
    pub fn render_metrics(&self) -> String {
        self.stores.render(
            "qoltanba_archive_stores_total",
            "Documents handed to the archive, by kind (request, result) and outcome (stored, or the error code).",
            &["kind", "outcome"],
        )
    }

    pub async fn get(&self, id: i64) -> Result<Option<StoredDocument>, ArchiveError> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| decode_document(&r)).transpose()
    }

    /// Up to `limit` documents matching `query` with ids above `after`, in id order (keyset
    /// paging: memory stays flat however large the archive).
    pub async fn page(
        &self,
        query: &DocumentQuery,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredDocument>, ArchiveError> {
        self.select_page(COLUMNS, query, after, limit).await
    }

    /// [`Archive::page`] without the verdicts the documents got when stored (`fields.verdict` is
    /// empty, so `record_hash` cannot be recomputed from these): a re-verification judges anew
    /// and does not read them, and they are half of what a page weighs.
    pub async fn page_to_judge(
        &self,
        query: &DocumentQuery,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredDocument>, ArchiveError> {
        self.select_page(COLUMNS_TO_JUDGE, query, after, limit)
            .await
    }

    async fn select_page(
        &self,
        columns: &str,
        query: &DocumentQuery,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredDocument>, ArchiveError> {
        let sql = format!(
            "SELECT {columns} FROM documents WHERE id > $1 AND received_unix >= $2 \
             AND received_unix < $3 AND ($4 = '' OR signer_iin = $4 OR signer_bin = $4) \
             ORDER BY id LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(query.from.map_or(i64::MIN, OffsetDateTime::unix_timestamp))
            .bind(query.to.map_or(i64::MAX, OffsetDateTime::unix_timestamp))
            .bind(query.signer.clone().unwrap_or_default())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode_document).collect()
    }

    /// How many documents match `query`.
    pub async fn count(&self, query: &DocumentQuery) -> Result<u64, ArchiveError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM documents WHERE received_unix >= $1 AND received_unix < $2 \
             AND ($3 = '' OR signer_iin = $3 OR signer_bin = $3)",
        )
        .bind(query.from.map_or(i64::MIN, OffsetDateTime::unix_timestamp))
        .bind(query.to.map_or(i64::MAX, OffsetDateTime::unix_timestamp))
        .bind(query.signer.clone().unwrap_or_default())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)?.max(0) as u64)
    }

    /// The stored certificate or CRL with this SHA-256, as stored.
    pub async fn evidence(
        &self,
        sha256: &[u8; 32],
    ) -> Result<Option<(EvidenceKind, Vec<u8>)>, ArchiveError> {
        let row = sqlx::query("SELECT kind, der FROM evidence WHERE sha256 = $1")
            .bind(hex::encode(sha256))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get(0)?;
        let kind = EvidenceKind::parse(&kind).ok_or_else(|| {
            ArchiveError::Database(format!(
                "evidence {} has unknown kind {kind:?}",
                hex::encode(sha256)
            ))
        })?;
        Ok(Some((kind, row.try_get(1)?)))
    }

    /// Raw rows for the chain check: each record as stored, or why it cannot be read.
    pub(crate) async fn raw_page(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, Result<StoredDocument, String>)>, ArchiveError> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get(0)?;
                Ok((id, decode_document(row).map_err(|e| e.to_string())))
            })
            .collect()
    }

    /// Every evidence row, for the chain check: `(sha256 column, kind column, der)`.
    pub(crate) async fn evidence_rows_after(
        &self,
        after: &str,
        limit: u32,
    ) -> Result<Vec<(String, String, Vec<u8>)>, ArchiveError> {
        let rows = sqlx::query(
            "SELECT sha256, kind, der FROM evidence WHERE sha256 > $1 ORDER BY sha256 LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// The connection pool, for tests that tamper with the database behind the archive's back.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

fn decode_document(row: &AnyRow) -> Result<StoredDocument, ArchiveError> {
    let id: i64 = row.try_get("id")?;
    let bad = |what: &str| ArchiveError::Database(format!("record {id}: unreadable {what}"));
    let kind: String = row.try_get("kind")?;
    let received_at: String = row.try_get("received_at")?;
    let evidence: String = row.try_get("evidence")?;
    let fields = RecordFields {
        id,
        kind: DocumentKind::parse(&kind).ok_or_else(|| bad("kind"))?,
        received_at: qoltanba_core::parse_time(&received_at).map_err(|_| bad("received_at"))?,
        signer_iin: row.try_get("signer_iin")?,
        signer_bin: row.try_get("signer_bin")?,
        expected_id: row.try_get("expected_id")?,
        status: row.try_get("status")?,
        reason: row.try_get("reason")?,
        signature: row.try_get("signature")?,
        content: row.try_get("content")?,
        verdict: row.try_get("verdict")?,
        evidence: EvidenceRef::decode_list(&evidence).ok_or_else(|| bad("evidence list"))?,
        prev_hash: row.try_get("prev_hash")?,
        received_unix: row.try_get("received_unix")?,
        hash_version: row.try_get("hash_version")?,
    };
    Ok(StoredDocument {
        fields,
        record_hash: row.try_get("record_hash")?,
    })
}

/// The single writer of this process: takes what is queued, commits it in one transaction, then
/// answers every caller.
async fn write_loop(archive: Archive, mut queue: mpsc::Receiver<Pending>) {
    let mut stored_evidence: HashSet<[u8; 32]> = HashSet::new();
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        let mut size = batch[0].documents.len();
        while size < MAX_BATCH {
            match queue.try_recv() {
                Ok(more) => {
                    size += more.documents.len();
                    batch.push(more);
                }
                Err(_) => break,
            }
        }
        match append(&archive, &mut stored_evidence, &batch).await {
            Ok(mut receipts) => {
                for pending in batch.into_iter().rev() {
                    let mine = receipts.split_off(receipts.len() - pending.documents.len());
                    let _ = pending.reply.send(Ok(mine));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, documents = size, "archive commit failed");
                for pending in batch {
                    let _ = pending.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

async fn append(
    archive: &Archive,
    stored_evidence: &mut HashSet<[u8; 32]>,
    batch: &[Pending],
) -> Result<Vec<Receipt>, ArchiveError> {
    let mut write = archive.begin_write().await?;
    let tx = &mut write.tx;
    if archive.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    let mut new_evidence = Vec::new();
    for item in batch
        .iter()
        .flat_map(|p| &p.documents)
        .flat_map(|d| &d.evidence)
    {
        let sha = item.sha256();
        if stored_evidence.contains(&sha) || new_evidence.contains(&sha) {
            continue;
        }
        let sha_hex = hex::encode(sha);
        let known = sqlx::query("SELECT 1 FROM evidence WHERE sha256 = $1")
            .bind(&sha_hex)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        if !known {
            sqlx::query("INSERT INTO evidence (sha256, kind, der) VALUES ($1, $2, $3)")
                .bind(&sha_hex)
                .bind(item.kind().as_str())
                .bind(item.der().to_vec())
                .execute(&mut **tx)
                .await?;
        }
        new_evidence.push(sha);
    }

    let head = sqlx::query("SELECT id, record_hash FROM documents ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (mut id, mut prev_hash) = match head {
        Some(row) => (row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?),
        None => (0, record::GENESIS_HASH.to_owned()),
    };
    let insert = format!(
        "INSERT INTO documents ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    );
    let mut receipts = Vec::with_capacity(batch.len());
    for document in batch.iter().flat_map(|p| &p.documents) {
        id += 1;
        let fields = record_fields(id, document, prev_hash);
        let record_hash = fields.record_hash();
        sqlx::query(&insert)
            .bind(fields.id)
            .bind(fields.kind.as_str())
            .bind(fields.received_at_text())
            .bind(fields.signer_iin.clone())
            .bind(fields.signer_bin.clone())
            .bind(fields.expected_id.clone())
            .bind(fields.status.clone())
            .bind(fields.reason.clone())
            .bind(fields.signature.clone())
            .bind(fields.content.clone())
            .bind(fields.verdict.clone())
            .bind(EvidenceRef::encode_list(&fields.evidence))
            .bind(fields.prev_hash.clone())
            .bind(record_hash.clone())
            .bind(fields.received_unix)
            .bind(fields.hash_version)
            .execute(&mut **tx)
            .await?;
        receipts.push(Receipt {
            id,
            received_at: fields.received_at_text(),
            record_hash: record_hash.clone(),
        });
        prev_hash = record_hash;
    }
    write.tx.commit().await?;
    stored_evidence.extend(new_evidence);
    Ok(receipts)
}

fn record_fields(id: i64, document: &NewDocument, prev_hash: String) -> RecordFields {
    let verdict = &document.verdict;
    let received_at = document
        .received_at
        .replace_nanosecond(0)
        .unwrap_or(document.received_at);
    let mut evidence: Vec<EvidenceRef> = Vec::new();
    for item in &document.evidence {
        let r = item.reference();
        if !evidence.contains(&r) {
            evidence.push(r);
        }
    }
    RecordFields {
        id,
        kind: document.kind,
        received_at,
        signer_iin: verdict.signer.as_ref().and_then(|s| s.iin.clone()),
        signer_bin: verdict.signer.as_ref().and_then(|s| s.bin.clone()),
        expected_id: document.expected_id.clone(),
        status: verdict.status.as_str().to_owned(),
        reason: verdict.reason.map(|r| r.as_str().to_owned()),
        signature: document.signature.clone(),
        content: document.content.clone(),
        verdict: serde_json::to_string(verdict).unwrap_or_else(|_| "{}".into()),
        evidence,
        prev_hash,
        received_unix: received_at.unix_timestamp(),
        hash_version: HASH_VERSION,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// `sqlite://PATH` (embedded, the default) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`
    /// (shared by many nodes).
    pub url: String,
    /// Store every verified request of a caller with the storing right (a portal token), not
    /// only those who ask (`"store": true`). Anonymous verifications are never stored.
    pub store_verified: bool,
    /// Largest signature plus data stored from a verification request, in bytes (413
    /// `too_large_to_store` above it): the archive is append-only, so it takes less than
    /// verification does (`limits.max_body_bytes`).
    pub max_document_bytes: u64,
    /// How often the running service checks the chain from its last checkpoint (it also does at
    /// start).
    pub chain_check_seconds: u64,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig {
            url: "sqlite://qoltanba-archive.sqlite".into(),
            store_verified: false,
            max_document_bytes: 256 * 1024,
            chain_check_seconds: 600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_come_from_the_url_and_passwords_stay_out_of_messages() {
        assert_eq!(Backend::of_url("sqlite://a.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::of_url("mysql://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
        assert_eq!(
            redact_url("postgres://qoltanba:hunter2@db:5432/archive"),
            "postgres://qoltanba:***@db:5432/archive"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/a.db"),
            "sqlite:///var/lib/a.db"
        );
        assert_eq!(
            redact_url("postgres://q@db/archive?sslmode=require&password=hunter2#x"),
            "postgres://q@db/archive?sslmode=…&password=…"
        );
        assert_eq!(
            redact_url("postgres://q:pw@db/a?user=x@y"),
            "postgres://q:***@db/a?user=…"
        );
    }
}
