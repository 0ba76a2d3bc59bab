//! One archived document: what is stored, how it is named, and the hash that chains it to the
//! record before it.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// An applicant's signed request, stored with the verdict it got.
    Request,
    /// A result signed by an officer of the provider.
    Result,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Request => "request",
            DocumentKind::Result => "result",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "request" => Some(DocumentKind::Request),
            "result" => Some(DocumentKind::Result),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Certificate,
    Crl,
    /// An OCSP response (DER) that decided a certificate's status.
    Ocsp,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Certificate => "cert",
            EvidenceKind::Crl => "crl",
            EvidenceKind::Ocsp => "ocsp",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cert" => Some(EvidenceKind::Certificate),
            "crl" => Some(EvidenceKind::Crl),
            "ocsp" => Some(EvidenceKind::Ocsp),
            _ => None,
        }
    }
}

/// A reference from a document to a stored certificate or CRL, which is kept once by its SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvidenceRef {
    pub kind: EvidenceKind,
    pub sha256: [u8; 32],
}

impl EvidenceRef {
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    /// `cert:<hex> crl:<hex> …`, the stored form of a document's references.
    pub fn encode_list(refs: &[EvidenceRef]) -> String {
        refs.iter()
            .map(|r| format!("{}:{}", r.kind.as_str(), r.sha256_hex()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn decode_list(text: &str) -> Option<Vec<EvidenceRef>> {
        text.split_whitespace()
            .map(|item| {
                let (kind, hash) = item.split_once(':')?;
                let mut sha256 = [0u8; 32];
                hex::decode_to_slice(hash, &mut sha256).ok()?;
                Some(EvidenceRef {
                    kind: EvidenceKind::parse(kind)?,
                    sha256,
                })
            })
            .collect()
    }
}

/// The columns of one record, exactly as stored: the record hash covers every one of them.
#[derive(Debug, Clone)]
pub struct RecordFields {
    pub id: i64,
    pub kind: DocumentKind,
    pub received_at: OffsetDateTime,
    pub signer_iin: Option<String>,
    pub signer_bin: Option<String>,
    pub expected_id: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    /// The signature as DER (as received when it was not a decodable CMS).
    pub signature: Vec<u8>,
    /// The content of a detached signature.
    pub content: Option<Vec<u8>>,
    /// The verdict document (JSON) the document got when it was stored.
    pub verdict: String,
    pub evidence: Vec<EvidenceRef>,
    pub prev_hash: String,
    /// `received_at` in Unix seconds: what date-range queries select by.
    pub received_unix: i64,
    /// Which [`RecordFields::record_hash`] the record was stored with: 1 (before `received_unix`
    /// and the version itself were hashed) or 2.
    pub hash_version: i64,
}

impl RecordFields {
    /// SHA-256 over every field, each length-prefixed so that no two records share an encoding,
    /// including `prev_hash`: changing, removing or reordering any record breaks every hash after
    /// it.
    ///
    /// Version 2 (every record stored since) also covers `received_unix`, which the date-range
    /// queries select by, and the version; version 1 records keep verifying under version 1.
    pub fn record_hash(&self) -> String {
        let mut h = Sha256::new();
        if self.hash_version >= 2 {
            h.update(b"qoltanba archive record v2\0");
        } else {
            h.update(b"qoltanba archive record v1\0");
        }
        let mut field = |value: Option<&[u8]>| match value {
            None => h.update([0u8]),
            Some(bytes) => {
                h.update([1u8]);
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(bytes);
            }
        };
        field(Some(&self.id.to_be_bytes()));
        field(Some(self.kind.as_str().as_bytes()));
        field(Some(self.received_at_text().as_bytes()));
        field(self.signer_iin.as_deref().map(str::as_bytes));
        field(self.signer_bin.as_deref().map(str::as_bytes));
        field(self.expected_id.as_deref().map(str::as_bytes));
        field(Some(self.status.as_bytes()));
        field(self.reason.as_deref().map(str::as_bytes));
        field(Some(&self.signature));
        field(self.content.as_deref());
        field(Some(self.verdict.as_bytes()));
        field(Some(EvidenceRef::encode_list(&self.evidence).as_bytes()));
        field(Some(self.prev_hash.as_bytes()));
        if self.hash_version >= 2 {
            field(Some(&self.received_unix.to_be_bytes()));
            field(Some(&self.hash_version.to_be_bytes()));
        }
        hex::encode(h.finalize())
    }

    pub fn received_at_text(&self) -> String {
        qoltanba_core::rfc3339(self.received_at)
    }
}

/// SHA-256 over length-prefixed fields (`None` distinct from every value), after a domain
/// string: the hashes of the other evidence tables (the applications and their history), kept
/// here with the archive's own so that the workflow hashes nothing itself.
pub struct FieldHasher(Sha256);

impl FieldHasher {
    pub fn new(domain: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(domain);
        FieldHasher(h)
    }

    pub fn field(&mut self, value: Option<&[u8]>) -> &mut Self {
        match value {
            None => self.0.update([0u8]),
            Some(bytes) => {
                self.0.update([1u8]);
                self.0.update((bytes.len() as u64).to_be_bytes());
                self.0.update(bytes);
            }
        }
        self
    }

    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        self.field(value.map(str::as_bytes))
    }

    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// A stored record: its fields and the hash it was stored with.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub fields: RecordFields,
    pub record_hash: String,
}

impl StoredDocument {
    pub fn id(&self) -> i64 {
        self.fields.id
    }
}

/// What the archive answers when it has durably stored a document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The document's id: `GET /v1/documents/{id}`.
    pub id: i64,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub record_hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> RecordFields {
        RecordFields {
            id: 7,
            kind: DocumentKind::Request,
            received_at: time::macros::datetime!(2026-06-01 12:00:00 UTC),
            signer_iin: Some("880415300127".into()),
            signer_bin: None,
            expected_id: None,
            status: "valid".into(),
            reason: None,
            signature: vec![1, 2, 3],
            content: None,
            verdict: "{}".into(),
            evidence: vec![EvidenceRef {
                kind: EvidenceKind::Crl,
                sha256: [9; 32],
            }],
            prev_hash: GENESIS_HASH.into(),
            received_unix: 1_780_315_200,
            hash_version: 2,
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = fields().record_hash();
        let mut variants = Vec::new();
        let mut f = fields();
        f.id = 8;
        variants.push(f);
        let mut f = fields();
        f.kind = DocumentKind::Result;
        variants.push(f);
        let mut f = fields();
        f.signer_iin = None;
        f.signer_bin = Some("880415300127".into());
        variants.push(f);
        let mut f = fields();
        f.signature = vec![1, 2, 4];
        variants.push(f);
        let mut f = fields();
        f.content = Some(Vec::new());
        variants.push(f);
        let mut f = fields();
        f.evidence[0].kind = EvidenceKind::Certificate;
        variants.push(f);
        let mut f = fields();
        f.prev_hash = "1".repeat(64);
        variants.push(f);
        let mut f = fields();
        f.received_unix -= 86_400;
        variants.push(f);
        let mut f = fields();
        f.hash_version = 1;
        variants.push(f);
        for v in variants {
            assert_ne!(v.record_hash(), base, "{v:?}");
        }
    }

    #[test]
    fn version_1_records_keep_their_hash() {
        // The hash of this record as version 1 computed it (before received_unix was hashed).
        let mut f = fields();
        f.hash_version = 1;
        assert_eq!(f.record_hash(), V1_HASH);
        f.received_unix = 0;
        assert_eq!(
            f.record_hash(),
            V1_HASH,
            "version 1 does not cover received_unix"
        );
    }

    const V1_HASH: &str = "65156d7453da9f3f01f5fc34ce3ecd3c64fd10df1571d5d85244f81a65435477";

    #[test]
    fn evidence_lists_round_trip() {
        let refs = fields().evidence;
        let text = EvidenceRef::encode_list(&refs);
        assert_eq!(EvidenceRef::decode_list(&text), Some(refs));
        assert_eq!(EvidenceRef::decode_list("crl:zz"), None);
        assert_eq!(EvidenceRef::decode_list(""), Some(Vec::new()));
    }
}
