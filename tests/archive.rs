//! The archive against both back ends (SQLite file; PostgreSQL on loopback): storage and reading,
//! evidence stored once, the hash chain and its check against tampering behind the service's back,
//! re-verification as of signing and as of now, and the audit reports.

mod archive_support;
mod tsa_support;

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::Row;
use time::macros::datetime;
use time::OffsetDateTime;

use qoltanba::archive::evidence::{self, EvidenceCache};
use qoltanba::archive::log_check::{self, ChainProblem};
use qoltanba::archive::report::{HtmlReport, JsonReport, RunInfo};
use qoltanba::archive::reverify::{self, TimeBasis};
use qoltanba::archive::{Archive, Backend, DocumentKind, DocumentQuery, Receipt};
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{Reason, Status, Verifier, VerifyOptions};

const T0: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);
/// "Now" of the re-verifications here: fixed, so the answers do not age with the fixtures.
const NOW: OffsetDateTime = datetime!(2026-11-01 00:00:00 UTC);
const INDIVIDUAL_IIN: &str = "880415300127";
const REVOKED_IIN: &str = "821114300340";

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn verifier(crl_files: &[&str]) -> Arc<Verifier> {
    let limits = InputLimits::default();
    let anchors = certificates_from_bytes(&read("pki/trust.pem"), &limits).unwrap();
    let intermediates = certificates_from_bytes(&read("pki/intermediates.pem"), &limits).unwrap();
    let crls = crl_files
        .iter()
        .flat_map(|f| crls_from_bytes(&read(f), &limits).unwrap())
        .collect::<Vec<_>>();
    Arc::new(Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).unwrap())
}

fn live() -> Arc<Verifier> {
    verifier(&["crl/all-current.pem"])
}

/// What the HTTP layer does for `"store": true`: verify at `at` with one snapshot, store the
/// verdict with its evidence as received at `received_at`.
async fn store_sample(
    archive: &Archive,
    verifier: &Verifier,
    sample: &str,
    content: Option<&str>,
    at: OffsetDateTime,
    received_at: OffsetDateTime,
) -> Receipt {
    let content = content.map(read);
    store_signature(archive, verifier, read(sample), content, at, received_at).await
}

async fn store_signature(
    archive: &Archive,
    verifier: &Verifier,
    signature: Vec<u8>,
    content: Option<Vec<u8>>,
    at: OffsetDateTime,
    received_at: OffsetDateTime,
) -> Receipt {
    let crls = verifier.crls();
    let options = VerifyOptions {
        at: Some(at),
        crls: Some(crls.clone()),
        ..VerifyOptions::default()
    };
    let verdict = verifier
        .verify_signature(&signature, content.as_deref(), &options)
        .unwrap();
    let document = evidence::document(
        DocumentKind::Request,
        verifier,
        &crls,
        signature,
        content,
        None,
        verdict,
        received_at,
    );
    archive.store(document).await.unwrap()
}

async fn reverify(archive: &Archive, id: i64) -> reverify::Reverification {
    reverify::reverify_one(archive, &live(), &EvidenceCache::default(), id, NOW)
        .await
        .unwrap()
        .expect("stored document")
}

/// Tampering behind the service's back needs the append-only triggers out of the way first
/// (anyone with the database's owner rights can do that; the hash chain still tells).
async fn bypass_triggers(archive: &Archive) {
    let statements: &[&str] = match archive.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER documents_no_update",
            "DROP TRIGGER documents_no_delete",
            "DROP TRIGGER evidence_no_update",
            "DROP TRIGGER evidence_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER documents_append_only ON documents",
            "DROP TRIGGER evidence_append_only ON evidence",
        ],
    };
    for s in statements {
        sqlx::query(s).execute(archive.pool()).await.unwrap();
    }
}

async fn execute(archive: &Archive, sql: &str) {
    sqlx::query(sql)
        .execute(archive.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Three valid requests of the same signer and one of another: the fixture for chain tests.
async fn four_documents(archive: &Archive) -> Vec<Receipt> {
    let v = live();
    let mut receipts = Vec::new();
    for (sample, content) in [
        ("samples/individual-attached.cms", None),
        (
            "samples/individual-detached.cms",
            Some("samples/request.json"),
        ),
        ("samples/head-attached.cms", None),
        ("samples/individual-sha384.cms", None),
    ] {
        receipts.push(store_sample(archive, &v, sample, content, T0, T0).await);
    }
    receipts
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let url = super::archive_support::sqlite_url();
                    super::$name(super::Archive::open(&url).await.unwrap()).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let url = super::archive_support::postgres_url().await;
                    super::$name(super::Archive::open(&url).await.unwrap()).await;
                }
            }
        )*
    };
}

on_both_backends!(
    stores_and_reads_back,
    evidence_is_stored_once,
    lists_by_signer_and_time,
    triggers_refuse_update_and_delete,
    log_check_names_an_altered_record,
    log_check_names_a_removed_record,
    log_check_names_a_rehashed_record,
    log_check_names_reordered_records,
    log_check_names_altered_evidence,
    concurrent_stores_form_one_chain,
    revoked_after_signing_no_timestamp,
    expired_after_signing_no_timestamp,
    revoked_after_signing_with_timestamp,
    expired_after_signing_with_timestamp,
    failed_timestamp_falls_back_to_receipt,
    reverify_all_tallies_and_reports,
    reopening_keeps_everything,
);

async fn stores_and_reads_back(archive: Archive) {
    let receipts = four_documents(&archive).await;
    assert_eq!(
        receipts.iter().map(|r| r.id).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let first = archive.get(1).await.unwrap().unwrap();
    assert_eq!(first.fields.kind, DocumentKind::Request);
    assert_eq!(
        first.fields.signature,
        read("samples/individual-attached.cms")
    );
    assert_eq!(first.fields.content, None);
    assert_eq!(first.fields.status, "valid");
    assert_eq!(first.fields.signer_iin.as_deref(), Some(INDIVIDUAL_IIN));
    assert_eq!(first.fields.received_at, T0);
    assert_eq!(first.record_hash, receipts[0].record_hash);
    let verdict: serde_json::Value = serde_json::from_str(&first.fields.verdict).unwrap();
    assert_eq!(verdict["status"], "valid");
    // The path (signer, nca-rsa, root) and the CRLs that decided revocation: root's, and
    // nca-rsa's full CRL with its delta.
    let kinds: Vec<&str> = first
        .fields
        .evidence
        .iter()
        .map(|r| r.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["cert", "cert", "cert", "crl", "crl", "crl"],
        "{kinds:?}"
    );

    let detached = archive.get(2).await.unwrap().unwrap();
    assert_eq!(detached.fields.content, Some(read("samples/request.json")));
    assert_eq!(detached.fields.prev_hash, first.record_hash);
    assert!(archive.get(5).await.unwrap().is_none());
}

async fn evidence_is_stored_once(archive: Archive) {
    four_documents(&archive).await;
    let count = |kind: &'static str| {
        let archive = archive.clone();
        async move {
            sqlx::query("SELECT COUNT(*) FROM evidence WHERE kind = $1")
                .bind(kind)
                .fetch_one(archive.pool())
                .await
                .unwrap()
                .try_get::<i64, _>(0)
                .unwrap()
        }
    };
    // root.crl, nca-rsa.crl and nca-rsa-delta.crl, cited by all four documents.
    assert_eq!(count("crl").await, 3);
    // individual-sign, head-sign, nca-rsa, root.
    assert_eq!(count("cert").await, 4);
    // Every stored row is the DER it is named by.
    let (kind, der) = archive
        .evidence(
            &qoltanba::archive::EvidenceRef::decode_list(&format!(
                "crl:{}",
                sha256_hex(&read("crl/nca-rsa.crl"))
            ))
            .unwrap()[0]
                .sha256,
        )
        .await
        .unwrap()
        .expect("nca-rsa.crl is stored");
    assert_eq!(kind, qoltanba::archive::EvidenceKind::Crl);
    assert_eq!(der, read("crl/nca-rsa.crl"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn lists_by_signer_and_time(archive: Archive) {
    let v = live();
    store_sample(
        &archive,
        &v,
        "samples/individual-attached.cms",
        None,
        T0,
        datetime!(2026-01-10 09:00 UTC),
    )
    .await;
    store_sample(
        &archive,
        &v,
        "samples/head-attached.cms",
        None,
        T0,
        datetime!(2026-02-10 09:00 UTC),
    )
    .await;
    store_sample(
        &archive,
        &v,
        "samples/individual-sha512.cms",
        None,
        T0,
        datetime!(2026-03-10 09:00 UTC),
    )
    .await;
    let ids = |docs: Vec<qoltanba::archive::StoredDocument>| {
        docs.iter().map(|d| d.id()).collect::<Vec<_>>()
    };
    let by_signer = DocumentQuery {
        signer: Some(INDIVIDUAL_IIN.into()),
        ..DocumentQuery::default()
    };
    assert_eq!(ids(archive.page(&by_signer, 0, 100).await.unwrap()), [1, 3]);
    assert_eq!(archive.count(&by_signer).await.unwrap(), 2);
    let window = DocumentQuery {
        from: Some(datetime!(2026-02-01 00:00 UTC)),
        to: Some(datetime!(2026-03-10 09:00 UTC)),
        ..DocumentQuery::default()
    };
    // `to` is exclusive.
    assert_eq!(ids(archive.page(&window, 0, 100).await.unwrap()), [2]);
    // Keyset paging.
    let all = DocumentQuery::default();
    assert_eq!(ids(archive.page(&all, 0, 2).await.unwrap()), [1, 2]);
    assert_eq!(ids(archive.page(&all, 2, 2).await.unwrap()), [3]);
    // The head's BIN finds the head's document.
    let by_bin = DocumentQuery {
        signer: Some("050340001235".into()),
        ..DocumentQuery::default()
    };
    assert_eq!(ids(archive.page(&by_bin, 0, 100).await.unwrap()), [2]);
}

async fn triggers_refuse_update_and_delete(archive: Archive) {
    four_documents(&archive).await;
    for sql in [
        "UPDATE documents SET status = 'invalid' WHERE id = 2",
        "DELETE FROM documents WHERE id = 4",
        "UPDATE evidence SET kind = 'cert'",
        "DELETE FROM evidence",
    ] {
        let err = sqlx::query(sql).execute(archive.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert!(log_check::check(&archive, None).await.unwrap().intact());
}

async fn log_check_names_an_altered_record(archive: Archive) {
    four_documents(&archive).await;
    let intact = log_check::check(&archive, None).await.unwrap();
    assert!(intact.intact(), "{:?}", intact.problem);
    assert_eq!(intact.records, 4);
    assert_eq!(intact.head_id, Some(4));
    bypass_triggers(&archive).await;
    execute(
        &archive,
        "UPDATE documents SET status = 'invalid', reason = 'cert_revoked' WHERE id = 2",
    )
    .await;
    let report = log_check::check(&archive, None).await.unwrap();
    assert!(
        matches!(&report.problem, Some(ChainProblem::Altered { id: 2, .. })),
        "{:?}",
        report.problem
    );
}

async fn log_check_names_a_removed_record(archive: Archive) {
    four_documents(&archive).await;
    bypass_triggers(&archive).await;
    execute(&archive, "DELETE FROM documents WHERE id = 3").await;
    let report = log_check::check(&archive, None).await.unwrap();
    assert_eq!(
        report.problem,
        Some(ChainProblem::Missing {
            from_id: 3,
            to_id: 3
        })
    );
    assert_eq!(report.problem.unwrap().to_string(), "record 3 was removed");
}

/// A forger who alters a record and recomputes its hash is caught by the next record's link.
async fn log_check_names_a_rehashed_record(archive: Archive) {
    four_documents(&archive).await;
    bypass_triggers(&archive).await;
    let mut forged = archive.get(2).await.unwrap().unwrap();
    forged.fields.status = "invalid".into();
    forged.fields.reason = Some("signature_invalid".into());
    let rehashed = forged.fields.record_hash();
    sqlx::query("UPDATE documents SET status = $1, reason = $2, record_hash = $3 WHERE id = 2")
        .bind(&forged.fields.status)
        .bind(forged.fields.reason.clone())
        .bind(&rehashed)
        .execute(archive.pool())
        .await
        .unwrap();
    let report = log_check::check(&archive, None).await.unwrap();
    match &report.problem {
        Some(ChainProblem::BrokenLink { id: 3, detail }) => {
            assert!(detail.contains("record 2"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // A head noted before the forgery no longer matches after the forger re-hashes everything
    // after it: here it simply still reports the first break.
}

async fn log_check_names_reordered_records(archive: Archive) {
    four_documents(&archive).await;
    bypass_triggers(&archive).await;
    // Swap records 2 and 3 (ids are what orders the chain).
    execute(&archive, "UPDATE documents SET id = 1000 WHERE id = 2").await;
    execute(&archive, "UPDATE documents SET id = 2 WHERE id = 3").await;
    execute(&archive, "UPDATE documents SET id = 3 WHERE id = 1000").await;
    let report = log_check::check(&archive, None).await.unwrap();
    assert!(
        matches!(&report.problem, Some(ChainProblem::Altered { id: 2, .. })),
        "{:?}",
        report.problem
    );
}

async fn log_check_names_altered_evidence(archive: Archive) {
    four_documents(&archive).await;
    let head = log_check::check(&archive, None).await.unwrap();
    bypass_triggers(&archive).await;
    let sha = sha256_hex(&read("crl/nca-rsa.crl"));
    // Swap the stored CRL for the stale one: the row no longer hashes to its name.
    sqlx::query("UPDATE evidence SET der = $1 WHERE sha256 = $2")
        .bind(read("crl/nca-rsa-stale.crl"))
        .bind(&sha)
        .execute(archive.pool())
        .await
        .unwrap();
    let report = log_check::check(&archive, None).await.unwrap();
    match &report.problem {
        Some(ChainProblem::Evidence { sha256, .. }) => assert_eq!(sha256, &sha),
        other => panic!("{other:?}"),
    }
    // The altered CRL is not used as evidence: revocation as of signing cannot be established.
    let r = reverify(&archive, 1).await;
    assert_eq!(r.as_of_signing.verdict.status, Status::Indeterminate);
    assert_eq!(
        r.as_of_signing.verdict.reason,
        Some(Reason::RevocationUnknown)
    );
    assert!(!r.evidence_problems.is_empty());
    // The records themselves are intact up to the noted head.
    assert_eq!(head.head_id, Some(4));
}

async fn concurrent_stores_form_one_chain(archive: Archive) {
    let v = live();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let archive = archive.clone();
        let v = v.clone();
        tasks.push(tokio::spawn(async move {
            store_sample(&archive, &v, "samples/ec-attached.cms", None, T0, T0).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().id);
    }
    ids.sort_unstable();
    assert_eq!(ids, (1..=64).collect::<Vec<i64>>());
    let report = log_check::check(&archive, None).await.unwrap();
    assert!(report.intact(), "{:?}", report.problem);
    assert_eq!(report.records, 64);
}

/// revoked-sign is revoked (keyCompromise) on 2026-03-01. A request received on 2026-02-01 was
/// signed before that: valid as of signing, invalid now. One received after it, without a
/// time-stamp to prove an earlier signature, is invalid as of signing too.
async fn revoked_after_signing_no_timestamp(archive: Archive) {
    let v = live();
    let before = datetime!(2026-02-01 10:00 UTC);
    let after = datetime!(2026-04-01 10:00 UTC);
    let early = store_sample(&archive, &v, "samples/revoked.cms", None, before, before).await;
    let late = store_sample(&archive, &v, "samples/revoked.cms", None, after, after).await;

    let r = reverify(&archive, early.id).await;
    assert_eq!(r.as_of_signing.basis, TimeBasis::Received);
    assert_eq!(r.as_of_signing.time, "2026-02-01T10:00:00Z");
    assert_eq!(
        r.as_of_signing.verdict.status,
        Status::Valid,
        "{}",
        r.as_of_signing.verdict.message
    );
    assert_eq!(r.as_of_now.basis, TimeBasis::Now);
    assert_eq!(r.as_of_now.verdict.reason, Some(Reason::CertRevoked));
    assert_eq!(
        r.signer.as_ref().and_then(|s| s.iin.as_deref()),
        Some(REVOKED_IIN)
    );

    let r = reverify(&archive, late.id).await;
    assert_eq!(r.as_of_signing.basis, TimeBasis::Received);
    assert_eq!(r.as_of_signing.verdict.reason, Some(Reason::CertRevoked));
    assert_eq!(r.as_of_now.verdict.reason, Some(Reason::CertRevoked));
}

/// expired-sign's certificate ended on 2025-06-01. Received on 2025-05-20 with the CRLs of then,
/// it stays valid as of signing with the stored evidence, while it is expired now.
async fn expired_after_signing_no_timestamp(archive: Archive) {
    let then = verifier(&["crl/root-archive-2025.crl", "crl/nca-rsa-archive-2025.crl"]);
    let at = datetime!(2025-05-20 12:00 UTC);
    let receipt = store_sample(&archive, &then, "samples/expired.cms", None, at, at).await;
    let r = reverify(&archive, receipt.id).await;
    assert_eq!(
        r.as_of_signing.verdict.status,
        Status::Valid,
        "{}",
        r.as_of_signing.verdict.message
    );
    assert_eq!(r.as_of_now.verdict.reason, Some(Reason::CertExpired));
    // The 2025 CRLs are not in the live store: they came from the archive.
    assert!(r
        .as_of_signing
        .verdict
        .evidence
        .crls
        .iter()
        .all(|c| c.this_update.starts_with("2025-05-15")));
}

async fn reverify_all_tallies_and_reports(archive: Archive) {
    let v = live();
    four_documents(&archive).await;
    let before = datetime!(2026-02-01 10:00 UTC);
    store_sample(&archive, &v, "samples/revoked.cms", None, before, before).await;
    store_sample(
        &archive,
        &v,
        "samples/individual-tampered.cms",
        None,
        T0,
        T0,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let run = RunInfo {
        archive: archive.url().to_owned(),
        generated_at: "2026-11-01T00:00:00Z".into(),
        from: None,
        to: None,
        signer: None,
    };
    let json_path = dir.path().join("report.json");
    let html_path = dir.path().join("report.html");
    let mut json = JsonReport::start(std::fs::File::create(&json_path).unwrap(), &run).unwrap();
    let mut html = HtmlReport::start(std::fs::File::create(&html_path).unwrap(), &run).unwrap();
    let mut seen = Vec::new();
    let summary =
        reverify::reverify_all(&archive, &live(), &DocumentQuery::default(), NOW, 2, |r| {
            seen.push(r.document_id);
            json.row(r).unwrap();
            html.row(r).unwrap();
        })
        .await
        .unwrap();
    json.finish(&summary).unwrap();
    html.finish(&summary).unwrap();
    assert_eq!(seen, [1, 2, 3, 4, 5, 6], "in id order");
    assert_eq!(summary.documents, 6);
    assert_eq!(summary.as_of_signing.valid, 5);
    assert_eq!(
        summary.as_of_signing.invalid.get("signature_invalid"),
        Some(&1)
    );
    assert_eq!(summary.as_of_now.valid, 4);
    assert_eq!(summary.as_of_now.invalid.get("cert_revoked"), Some(&1));
    assert_eq!(summary.valid_then_not_now, 1);
    let table = summary.table();
    assert!(table.contains("invalid: cert_revoked"), "{table}");

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(report["documents"].as_array().unwrap().len(), 6);
    assert_eq!(
        report["documents"][4]["as_of_now"]["verdict"]["reason"],
        "cert_revoked"
    );
    assert_eq!(report["summary"]["documents"], 6);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http"),
        "self-contained"
    );
    // The two documents not valid at both times are listed, the valid ones are not.
    assert_eq!(html.matches("<tr><td class=\"n\">").count(), 2, "{html}");
    assert!(html.contains("cert_revoked") && html.contains("signature_invalid"));
}

async fn reopening_keeps_everything(archive: Archive) {
    let receipts = four_documents(&archive).await;
    let url_hidden = archive.url().to_owned();
    drop(archive);
    // Same URL again (the password, if any, is not in `url()`; the test servers use none).
    let again = Archive::open(&url_hidden).await.unwrap();
    let v = live();
    let next = store_sample(&again, &v, "samples/ec-attached.cms", None, T0, T0).await;
    assert_eq!(next.id, 5);
    let fifth = again.get(5).await.unwrap().unwrap();
    assert_eq!(fifth.fields.prev_hash, receipts[3].record_hash);
    assert!(log_check::check(&again, None).await.unwrap().intact());
}

/// A time-stamp from before the revocation proves the signature existed then: valid as of signing
/// although the archive received it after the revocation. One from after it does not help.
async fn revoked_after_signing_with_timestamp(archive: Archive) {
    let v = live();
    let tsa = tsa_support::TestTsa::load();
    let received = datetime!(2026-04-01 10:00 UTC);
    let stamped_before = tsa.stamp(
        &read("samples/revoked.cms"),
        datetime!(2026-02-01 10:00 UTC),
    );
    let stamped_after = tsa.stamp(
        &read("samples/revoked.cms"),
        datetime!(2026-03-15 10:00 UTC),
    );
    let early = store_signature(&archive, &v, stamped_before, None, received, received).await;
    let late = store_signature(&archive, &v, stamped_after, None, received, received).await;

    let r = reverify(&archive, early.id).await;
    assert_eq!(r.as_of_signing.basis, TimeBasis::Timestamp);
    assert_eq!(r.as_of_signing.time, "2026-02-01T10:00:00Z");
    let proof = r
        .as_of_signing
        .timestamp
        .as_ref()
        .expect("time-stamp reported");
    assert!(proof.verified(), "{:?}", proof.verdict.detail);
    assert_eq!(
        r.as_of_signing.verdict.status,
        Status::Valid,
        "{}",
        r.as_of_signing.verdict.message
    );
    assert_eq!(r.as_of_now.verdict.reason, Some(Reason::CertRevoked));

    let r = reverify(&archive, late.id).await;
    assert_eq!(r.as_of_signing.basis, TimeBasis::Timestamp);
    assert_eq!(r.as_of_signing.verdict.reason, Some(Reason::CertRevoked));
}

/// Signed and time-stamped on 2025-05-20, received on 2025-05-25 (before the certificate
/// expired on 2025-06-01): judged at the time-stamp, with the 2025 CRLs stored as evidence.
async fn expired_after_signing_with_timestamp(archive: Archive) {
    let then = verifier(&["crl/root-archive-2025.crl", "crl/nca-rsa-archive-2025.crl"]);
    let tsa = tsa_support::TestTsa::load();
    let signed = datetime!(2025-05-20 12:00 UTC);
    let received = datetime!(2025-05-25 08:00 UTC);
    let stamped = tsa.stamp(&read("samples/expired.cms"), signed);
    let receipt = store_signature(&archive, &then, stamped, None, received, received).await;
    let r = reverify(&archive, receipt.id).await;
    assert_eq!(r.as_of_signing.basis, TimeBasis::Timestamp);
    assert_eq!(r.as_of_signing.time, "2025-05-20T12:00:00Z");
    assert_eq!(
        r.as_of_signing.verdict.status,
        Status::Valid,
        "{}",
        r.as_of_signing.verdict.message
    );
    assert!(r.as_of_signing.timestamp.as_ref().unwrap().verified());
    assert_eq!(r.as_of_now.verdict.reason, Some(Reason::CertExpired));
}

/// A token that does not time-stamp this signature proves nothing: the receipt time is used and
/// the failed time-stamp is reported.
async fn failed_timestamp_falls_back_to_receipt(archive: Archive) {
    let v = live();
    let tsa = tsa_support::TestTsa::load();
    let other = tsa_support::signature_value(&read("samples/head-attached.cms"), 0);
    let token = tsa.token_for(&other, datetime!(2026-02-01 10:00 UTC));
    // Attached by re-encoding with the cms crate, as a forger would (attach_token refuses it).
    let forged = attach_unchecked(&read("samples/revoked.cms"), &token);
    let received = datetime!(2026-04-01 10:00 UTC);
    let receipt = store_signature(&archive, &v, forged, None, received, received).await;
    let r = reverify(&archive, receipt.id).await;
    assert_eq!(r.as_of_signing.basis, TimeBasis::Received);
    let proof = r
        .as_of_signing
        .timestamp
        .as_ref()
        .expect("the failed time-stamp is reported");
    assert!(!proof.verified());
    assert_eq!(proof.verdict.reason, Some(Reason::SignatureInvalid));
    assert_eq!(r.as_of_signing.verdict.reason, Some(Reason::CertRevoked));
}

fn attach_unchecked(cms_der: &[u8], token: &[u8]) -> Vec<u8> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Decode, Encode};
    let info = ContentInfo::from_der(cms_der).unwrap();
    let mut sd: SignedData = info.content.decode_as().unwrap();
    let mut infos: Vec<_> = sd.signer_infos.0.into_vec();
    let attr = x509_cert::attr::Attribute {
        oid: const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14"),
        values: der::asn1::SetOfVec::try_from(vec![der::Any::from_der(token).unwrap()]).unwrap(),
    };
    infos[0].unsigned_attrs = Some(der::asn1::SetOfVec::try_from(vec![attr]).unwrap());
    sd.signer_infos = cms::signed_data::SignerInfos(der::asn1::SetOfVec::try_from(infos).unwrap());
    ContentInfo {
        content_type: info.content_type,
        content: der::Any::encode_from(&sd).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// Two stateless nodes (two archives, each with its own pool and writer) share one PostgreSQL
/// database: their concurrent stores form one unbroken chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_postgres_chain() {
    let url = archive_support::postgres_url().await;
    let nodes = [
        Archive::open(&url).await.unwrap(),
        Archive::open(&url).await.unwrap(),
    ];
    let v = live();
    let mut tasks = Vec::new();
    for i in 0..80 {
        let node = nodes[i % 2].clone();
        let v = v.clone();
        tasks.push(tokio::spawn(async move {
            store_sample(&node, &v, "samples/ec-attached.cms", None, T0, T0).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().id);
    }
    ids.sort_unstable();
    assert_eq!(ids, (1..=80).collect::<Vec<i64>>());
    let report = log_check::check(&nodes[0], None).await.unwrap();
    assert!(report.intact(), "{:?}", report.problem);
    assert_eq!(report.records, 80);
}
