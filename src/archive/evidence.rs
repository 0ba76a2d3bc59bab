//! The evidence of a verification — the certificates of the path and the CRLs and OCSP responses
//! that decided revocation — gathered from a verdict to be stored, and read back to judge a document as of its
//! signing time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use qoltanba_core::Certificate;
use qoltanba_core::Crl;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::Phrase;
use qoltanba_core::Verdict;
use qoltanba_core::{OcspAnswer, OcspResponse};

use time::OffsetDateTime;

use super::record::{DocumentKind, EvidenceKind, EvidenceRef};
use super::{Archive, ArchiveError, NewDocument};
use qoltanba_core::{Verifier, VerifyOptions};

/// A certificate or CRL to store, shared with the verifier that used it (a national CRL is tens of
/// megabytes: it is not copied per document).
#[derive(Debug, Clone)]
pub enum EvidenceItem {
    Certificate(Arc<Certificate>),
    Crl(Arc<Crl>),
    Ocsp(Arc<OcspResponse>),
}

impl EvidenceItem {
    pub fn kind(&self) -> EvidenceKind {
        match self {
            EvidenceItem::Certificate(_) => EvidenceKind::Certificate,
            EvidenceItem::Crl(_) => EvidenceKind::Crl,
            EvidenceItem::Ocsp(_) => EvidenceKind::Ocsp,
        }
    }

    pub fn sha256(&self) -> [u8; 32] {
        match self {
            EvidenceItem::Certificate(c) => c.fingerprint,
            EvidenceItem::Crl(c) => c.sha256,
            EvidenceItem::Ocsp(r) => r.sha256,
        }
    }

    pub fn der(&self) -> &[u8] {
        match self {
            EvidenceItem::Certificate(c) => &c.der,
            EvidenceItem::Crl(c) => c.signed.der(),
            EvidenceItem::Ocsp(r) => r.der(),
        }
    }

    pub fn reference(&self) -> EvidenceRef {
        EvidenceRef {
            kind: self.kind(),
            sha256: self.sha256(),
        }
    }
}

/// The evidence behind `verdict`: its path certificates, the CRLs it cites, taken from the
/// snapshot it was judged with, and the OCSP responses it used.
pub fn of_verdict(verdict: &Verdict, crls: &CrlSnapshot) -> Vec<EvidenceItem> {
    let mut items: Vec<EvidenceItem> = verdict
        .evidence
        .path
        .iter()
        .cloned()
        .map(EvidenceItem::Certificate)
        .collect();
    for cited in &verdict.evidence.crls {
        let mut sha = [0u8; 32];
        if hex::decode_to_slice(&cited.sha256, &mut sha).is_err() {
            continue;
        }
        if let Some(crl) = crls.by_sha256(&sha) {
            items.push(EvidenceItem::Crl(Arc::clone(crl)));
        }
    }
    items.extend(
        verdict
            .evidence
            .ocsp_responses
            .iter()
            .cloned()
            .map(EvidenceItem::Ocsp),
    );
    items
}

/// A document as the archive keeps it: the signature as DER when it decodes (as received
/// otherwise), its detached content, its verdict and that verdict's evidence from `crls`, the
/// snapshot it was judged with (plus the evidence of its time-stamps).
#[allow(clippy::too_many_arguments)]
pub fn document(
    kind: DocumentKind,
    verifier: &Verifier,
    crls: &Arc<CrlSnapshot>,
    signature: Vec<u8>,
    content: Option<Vec<u8>>,
    expected_id: Option<String>,
    verdict: Verdict,
    received_at: OffsetDateTime,
) -> NewDocument {
    let signature = qoltanba_core::input::signature_der(&signature)
        .map(|der| der.into_owned())
        .unwrap_or(signature);
    let mut evidence = of_verdict(&verdict, crls);
    evidence.extend(super::stamp::evidence(verifier, &signature, crls));
    NewDocument {
        kind,
        received_at,
        signature,
        content,
        expected_id,
        verdict,
        evidence,
    }
}

/// Verifies `signature` with `options` on the live CRL snapshot and returns the document with its
/// verdict and that verdict's evidence, ready to store. `Err` only for a wrong call (a detached
/// signature without its content).
pub fn verified_document(
    verifier: &Verifier,
    kind: DocumentKind,
    signature: Vec<u8>,
    content: Option<Vec<u8>>,
    mut options: VerifyOptions,
    received_at: OffsetDateTime,
) -> Result<NewDocument, qoltanba_core::UsageError> {
    // One snapshot for the verdict and the evidence stored with it.
    let crls = verifier.crls();
    options.crls = Some(Arc::clone(&crls));
    let verdict = verifier.verify_signature(&signature, content.as_deref(), &options)?;
    let expected_id = options.expected_id.map(|id| id.as_string());
    Ok(document(
        kind,
        verifier,
        &crls,
        signature,
        content,
        expected_id,
        verdict,
        received_at,
    ))
}

/// An officer's result, verified by the core at `signed_at` with the live CRLs, ready to store.
pub fn result_document(
    verifier: &Verifier,
    signature: Vec<u8>,
    content: Option<Vec<u8>>,
    signed_at: OffsetDateTime,
) -> NewDocument {
    let options = VerifyOptions {
        at: Some(signed_at),
        ..VerifyOptions::default()
    };
    let fallback = (signature.clone(), content.clone());
    verified_document(
        verifier,
        DocumentKind::Result,
        signature,
        content,
        options,
        signed_at,
    )
    .unwrap_or_else(|usage| {
        let verdict = Verdict::malformed(signed_at, Phrase::verbatim(usage.message));
        document(
            DocumentKind::Result,
            verifier,
            &verifier.crls(),
            fallback.0,
            fallback.1,
            None,
            verdict,
            signed_at,
        )
    })
}

/// A document's stored evidence, ready for the verifier.
#[derive(Clone, Default)]
pub struct LoadedEvidence {
    pub certificates: Vec<Arc<Certificate>>,
    pub crls: Arc<CrlSnapshot>,
    /// The OCSP responses that decided revocation when the document was received.
    pub ocsp: Vec<OcspAnswer>,
    /// References whose rows are missing or unreadable (reported, never fatal: the verdict then
    /// says what could not be established).
    pub problems: Vec<String>,
}

/// The most CRLs an [`EvidenceCache`] holds before it starts afresh.
const MAX_CACHED_CRLS: usize = 16;
/// The most certificates an [`EvidenceCache`] holds before it starts afresh.
const MAX_CACHED_CERTIFICATES: usize = 50_000;

/// Reads evidence rows once per run: a CRL shared by every document is fetched and indexed once,
/// and documents citing the same CRLs share one snapshot.
pub struct EvidenceCache {
    max_crl_entries: usize,
    certificates: Mutex<HashMap<[u8; 32], Arc<Certificate>>>,
    crls: Mutex<HashMap<[u8; 32], Arc<Crl>>>,
    snapshots: Mutex<HashMap<Vec<[u8; 32]>, Arc<CrlSnapshot>>>,
}

impl Default for EvidenceCache {
    fn default() -> Self {
        EvidenceCache {
            max_crl_entries: qoltanba_core::input::InputLimits::default().max_crl_entries,
            certificates: Mutex::default(),
            crls: Mutex::default(),
            snapshots: Mutex::default(),
        }
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EvidenceCache {
    pub async fn load(
        &self,
        archive: &Archive,
        refs: &[EvidenceRef],
    ) -> Result<LoadedEvidence, ArchiveError> {
        let mut loaded = LoadedEvidence::default();
        let mut crl_keys = Vec::new();
        let mut crls = Vec::new();
        for r in refs {
            match r.kind {
                EvidenceKind::Certificate => match self.certificate(archive, r).await? {
                    Ok(cert) => loaded.certificates.push(cert),
                    Err(why) => loaded.problems.push(why),
                },
                EvidenceKind::Crl => match self.crl(archive, r).await? {
                    Ok(crl) => {
                        crl_keys.push(r.sha256);
                        crls.push(crl);
                    }
                    Err(why) => loaded.problems.push(why),
                },
                EvidenceKind::Ocsp => match self.row(archive, r).await? {
                    Some(der) => match OcspResponse::from_der(&der) {
                        Ok(response) => loaded.ocsp.push(OcspAnswer::response(Arc::new(response))),
                        Err(e) => loaded
                            .problems
                            .push(format!("stored OCSP response {}: {e}", r.sha256_hex())),
                    },
                    None => loaded.problems.push(format!(
                        "OCSP response {} is not in the archive",
                        r.sha256_hex()
                    )),
                },
            }
        }
        crl_keys.sort_unstable();
        let known = locked(&self.snapshots).get(&crl_keys).cloned();
        loaded.crls = match known {
            Some(snapshot) => snapshot,
            None => {
                let snapshot = Arc::new(CrlSnapshot::new(crls));
                locked(&self.snapshots).insert(crl_keys, Arc::clone(&snapshot));
                snapshot
            }
        };
        Ok(loaded)
    }

    async fn certificate(
        &self,
        archive: &Archive,
        r: &EvidenceRef,
    ) -> Result<Result<Arc<Certificate>, String>, ArchiveError> {
        if let Some(cert) = locked(&self.certificates).get(&r.sha256) {
            return Ok(Ok(Arc::clone(cert)));
        }
        let Some(der) = self.row(archive, r).await? else {
            return Ok(Err(format!(
                "certificate {} is not in the archive",
                r.sha256_hex()
            )));
        };
        Ok(match Certificate::from_der(&der) {
            Ok(cert) => {
                let cert = Arc::new(cert);
                let mut certificates = locked(&self.certificates);
                // Every signer's certificate passes through here: bounded too.
                if certificates.len() >= MAX_CACHED_CERTIFICATES {
                    certificates.clear();
                }
                certificates.insert(r.sha256, Arc::clone(&cert));
                Ok(cert)
            }
            Err(e) => Err(format!("stored certificate {}: {e}", r.sha256_hex())),
        })
    }

    async fn crl(
        &self,
        archive: &Archive,
        r: &EvidenceRef,
    ) -> Result<Result<Arc<Crl>, String>, ArchiveError> {
        if let Some(crl) = locked(&self.crls).get(&r.sha256) {
            return Ok(Ok(Arc::clone(crl)));
        }
        let Some(der) = self.row(archive, r).await? else {
            return Ok(Err(format!("CRL {} is not in the archive", r.sha256_hex())));
        };
        let max = self.max_crl_entries;
        // Indexing a national CRL takes a fraction of a second: off the async threads.
        let parsed = tokio::task::spawn_blocking(move || Crl::from_der(der, max))
            .await
            .map_err(|e| ArchiveError::Database(format!("CRL indexing stopped: {e}")))?;
        Ok(match parsed {
            Ok(crl) => {
                let crl = Arc::new(crl);
                let mut crls = locked(&self.crls);
                // A long-running service re-verifies documents of many CRL generations; a national
                // CRL weighs tens of megabytes indexed: keep a bounded set.
                if crls.len() >= MAX_CACHED_CRLS {
                    crls.clear();
                    locked(&self.snapshots).clear();
                }
                crls.insert(r.sha256, Arc::clone(&crl));
                Ok(crl)
            }
            Err(e) => Err(format!("stored CRL {}: {e}", r.sha256_hex())),
        })
    }

    /// The row's bytes, only if they still hash to the reference (stored evidence that was
    /// altered is not evidence).
    async fn row(
        &self,
        archive: &Archive,
        r: &EvidenceRef,
    ) -> Result<Option<Vec<u8>>, ArchiveError> {
        use sha2::{Digest, Sha256};
        Ok(archive
            .evidence(&r.sha256)
            .await?
            .filter(|(kind, der)| *kind == r.kind && Sha256::digest(der).as_slice() == r.sha256)
            .map(|(_, der)| der))
    }
}
