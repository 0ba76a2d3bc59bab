//! Fills an archive with signed documents for the re-verification bench (`benches/archive.sh`).
//!
//! ```text
//! cargo run --release --example archive_fill -- ARCHIVE_URL COUNT
//! ```
//! Each document is a distinct JSON request signed (CMS, attached) by one of the fixture signers —
//! half RSA-2048 (individual-sign), half ECDSA P-256 (ec-individual-sign) — verified by the core
//! with the fixture CRLs, and stored with its evidence, 1,000 per commit. Signing runs on every
//! core.

use std::sync::Arc;

use time::macros::datetime;
use time::OffsetDateTime;

use qoltanba::archive::{evidence, Archive, DocumentKind, NewDocument};
use qoltanba::sign::cms_builder::{SignInput, SignerTemplate};
use qoltanba::sign::SigningKey;
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::Certificate;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{Verifier, VerifyOptions};

const BATCH: usize = 1000;

fn fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Signer {
    template: SignerTemplate,
    key: SigningKey,
}

impl Signer {
    fn load(name: &str) -> Signer {
        let limits = InputLimits::default();
        let cert: Arc<Certificate> =
            certificates_from_bytes(&fixture(&format!("pki/{name}.pem")), &limits).unwrap()[0]
                .clone();
        let pem = String::from_utf8(fixture(&format!("pki/keys/{name}.key.pem"))).unwrap();
        let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        let key = SigningKey::from_pkcs8_der(&der).unwrap();
        let intermediates =
            certificates_from_bytes(&fixture("pki/intermediates.pem"), &limits).unwrap();
        let chain: Vec<&Certificate> = intermediates.iter().map(|c| c.as_ref()).collect();
        let template = SignerTemplate::new(&cert, &chain, key.algorithm()).unwrap();
        Signer { template, key }
    }

    fn sign(&self, content: &[u8], at: OffsetDateTime) -> Vec<u8> {
        self.template
            .sign(&self.key, &SignInput::data(content, false, at))
            .unwrap()
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(count)) = (
        args.next(),
        args.next().and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: archive_fill ARCHIVE_URL COUNT");
        std::process::exit(2);
    };
    let limits = InputLimits::default();
    let verifier = Arc::new(
        Verifier::new(
            certificates_from_bytes(&fixture("pki/trust.pem"), &limits).unwrap(),
            certificates_from_bytes(&fixture("pki/intermediates.pem"), &limits).unwrap(),
            CrlSnapshot::new(crls_from_bytes(&fixture("crl/all-current.pem"), &limits).unwrap()),
        )
        .unwrap(),
    );
    let signers = Arc::new([
        Signer::load("individual-sign"),
        Signer::load("ec-individual-sign"),
    ]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let archive = Archive::open(&url).await.unwrap();
        let start = std::time::Instant::now();
        let received = datetime!(2026-06-01 12:00 UTC);
        let mut done = 0;
        while done < count {
            let n = BATCH.min(count - done);
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            let per = n.div_ceil(threads);
            let mut handles = Vec::new();
            for t in 0..threads {
                let (signers, verifier) = (signers.clone(), verifier.clone());
                let range = (done + t * per)..(done + ((t + 1) * per).min(n));
                handles.push(std::thread::spawn(move || {
                    range
                        .map(|i| document(&signers[i % 2], &verifier, i, received))
                        .collect::<Vec<_>>()
                }));
            }
            let batch: Vec<NewDocument> = handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect();
            archive.store_all(batch).await.unwrap();
            done += n;
            eprint!("\r{done}/{count} documents stored");
        }
        eprintln!("\nfilled in {:.1} s", start.elapsed().as_secs_f64());
    });
}

fn document(
    signer: &Signer,
    verifier: &Verifier,
    i: usize,
    received: OffsetDateTime,
) -> NewDocument {
    let at = received - time::Duration::seconds(i as i64 % 86_400);
    let content = format!(
        "{{\"service\":\"Мәдени құндылықтарды уақытша әкетуге куәлік\",\"request\":{i},\"date\":\"2026-06-01\"}}"
    );
    let signature = signer.sign(content.as_bytes(), at);
    let crls = verifier.crls();
    let options = VerifyOptions {
        at: Some(received),
        crls: Some(crls.clone()),
        ..VerifyOptions::default()
    };
    let verdict = verifier
        .verify_signature(&signature, None, &options)
        .unwrap();
    let kind = if i.is_multiple_of(10) {
        DocumentKind::Result
    } else {
        DocumentKind::Request
    };
    evidence::document(
        kind, verifier, &crls, signature, None, None, verdict, received,
    )
}
