//! The verdict document of CONTRACT.md §1 and §5: statuses, reason codes in their fixed order,
//! checks with their findings, and the evidence used.

use std::sync::Arc;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cert::{Certificate, Role};
use crate::crl::Crl;
use crate::phrase::Phrase;

/// The reason codes, declared in the contract's order: the derived `Ord` is that order, so the
/// reason of a verdict is simply the smallest code among its findings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(description = "The first failing condition, in the order of CONTRACT.md section 1.")
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    MalformedSignature,
    SignatureInvalid,
    ChainUntrusted,
    CertNotYetValid,
    CertExpired,
    CertRevoked,
    KeyUsageNotSigning,
    IdentityMismatch,
    RevocationUnknown,
    UnsupportedAlgorithm,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
/// The verdict: every condition holds (`valid`), one fails (`invalid`), or one could not be
/// established (`indeterminate`).
pub enum Status {
    Valid,
    Invalid,
    Indeterminate,
}

impl Status {
    /// CLI exit code (CONTRACT.md §1).
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Valid => 0,
            Status::Invalid => 1,
            Status::Indeterminate => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Indeterminate => "indeterminate",
        }
    }
}

impl Reason {
    pub const ALL: [Reason; 10] = [
        Reason::MalformedSignature,
        Reason::SignatureInvalid,
        Reason::ChainUntrusted,
        Reason::CertNotYetValid,
        Reason::CertExpired,
        Reason::CertRevoked,
        Reason::KeyUsageNotSigning,
        Reason::IdentityMismatch,
        Reason::RevocationUnknown,
        Reason::UnsupportedAlgorithm,
    ];

    pub fn status(self) -> Status {
        match self {
            Reason::RevocationUnknown | Reason::UnsupportedAlgorithm => Status::Indeterminate,
            _ => Status::Invalid,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MalformedSignature => "malformed_signature",
            Reason::SignatureInvalid => "signature_invalid",
            Reason::ChainUntrusted => "chain_untrusted",
            Reason::CertNotYetValid => "cert_not_yet_valid",
            Reason::CertExpired => "cert_expired",
            Reason::CertRevoked => "cert_revoked",
            Reason::KeyUsageNotSigning => "key_usage_not_signing",
            Reason::IdentityMismatch => "identity_mismatch",
            Reason::RevocationUnknown => "revocation_unknown",
            Reason::UnsupportedAlgorithm => "unsupported_algorithm",
        }
    }

    /// The plain sentence followed by what exactly was found, as one sentence:
    /// "A certificate was revoked at the validation time: serial 0x1007, keyCompromise …".
    pub fn explain(self, detail: &str) -> String {
        crate::phrase::explain(self.sentence(), detail)
    }

    /// A plain sentence for people.
    pub fn sentence(self) -> &'static str {
        match self {
            Reason::MalformedSignature => "The input is not a readable CMS SignedData signature.",
            Reason::SignatureInvalid => "The signature does not match the signed content: the document was altered or the wrong content was given.",
            Reason::ChainUntrusted => "The signer's certificate does not chain to a trusted certifying centre.",
            Reason::CertNotYetValid => "A certificate was not yet valid at the validation time.",
            Reason::CertExpired => "A certificate had expired at the validation time.",
            Reason::CertRevoked => "A certificate was revoked at the validation time.",
            Reason::KeyUsageNotSigning => "The certificate is an authentication (AUTH) key, not a signing key.",
            Reason::IdentityMismatch => "The IIN/BIN in the request does not match the certificate.",
            Reason::RevocationUnknown => "Revocation could not be checked: no usable CRL.",
            Reason::UnsupportedAlgorithm => "The signature uses an algorithm this service does not implement.",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
/// What one check found.
pub enum CheckResult {
    Pass,
    Fail,
    Unknown,
}

/// One finding. A failing or unknown check that affects the verdict carries its reason code.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked: format, content, message_digest, content_type, signature, chain,
    /// validity, revocation, key_usage, identity, timestamp, …
    pub check: &'static str,
    pub result: CheckResult,
    /// What was found, for people (names, times and numbers as they are).
    pub detail: String,
    /// The reason code this finding gives the verdict, when it decides one.
    pub reason: Option<Reason>,
    /// The certificate the check is about, when it is about one.
    pub certificate: Option<String>,
    /// 1-based index of the signer, for signatures with several signers.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub signer: Option<usize>,
    /// `detail` apart from its values, for rendering it in another language.
    #[serde(skip)]
    pub phrase: Phrase,
}

impl Check {
    pub fn pass(check: &'static str, detail: Phrase) -> Self {
        Self::new(check, CheckResult::Pass, None, detail)
    }

    pub fn fail(check: &'static str, reason: Reason, detail: Phrase) -> Self {
        Self::new(check, CheckResult::Fail, Some(reason), detail)
    }

    /// Could not be established; `reason` makes the verdict indeterminate (or is None when a
    /// failing check elsewhere already explains why this one could not run).
    pub fn unknown(check: &'static str, reason: Option<Reason>, detail: Phrase) -> Self {
        Self::new(check, CheckResult::Unknown, reason, detail)
    }

    /// A finding that failed but decides nothing: a time-stamp token that does not verify
    /// proves nothing, and the signer is judged as if it were absent (CONTRACT §3).
    pub fn fail_without_effect(check: &'static str, detail: Phrase) -> Self {
        Self::new(check, CheckResult::Fail, None, detail)
    }

    fn new(
        check: &'static str,
        result: CheckResult,
        reason: Option<Reason>,
        detail: Phrase,
    ) -> Self {
        Check {
            check,
            result,
            detail: detail.to_string(),
            reason,
            certificate: None,
            signer: None,
            phrase: detail,
        }
    }

    /// Adds `note` after the detail: "…; note".
    pub fn note(&mut self, note: Phrase) {
        let phrase = std::mem::replace(&mut self.phrase, Phrase::verbatim(""));
        self.phrase = phrase.noted(note);
        self.detail = self.phrase.to_string();
    }

    pub fn about(mut self, cert: &Certificate) -> Self {
        self.certificate = Some(cert.subject.to_string());
        self
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignerSummary {
    /// The holder's IIN (SERIALNUMBER "IIN…").
    pub iin: Option<String>,
    /// The organisation's BIN (OU "BIN…").
    pub bin: Option<String>,
    pub common_name: Option<String>,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub organization: Option<String>,
    /// The role the NCA's extended key usage gives the holder.
    pub role: Option<Role>,
    /// The certificate's serial number, hex.
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub not_before: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub not_after: String,
    pub key_usage: Vec<&'static str>,
    /// The IIN or BIN fails the control digit: an NCA test certificate (CONTRACT §2).
    pub test_id: bool,
    /// The NCA's key-storage extension (1.2.398.3.3.5), as the certificate states it.
    pub key_storage: Option<String>,
}

impl SignerSummary {
    pub fn of(cert: &Certificate) -> Self {
        let id = &cert.identity;
        SignerSummary {
            iin: id.iin.clone(),
            bin: id.bin.clone(),
            common_name: id.common_name.clone(),
            surname: id.surname.clone(),
            given_name: id.given_name.clone(),
            organization: id.organization.clone(),
            role: id.role,
            serial: cert.serial_hex(),
            subject: cert.subject.to_string(),
            issuer: cert.issuer.to_string(),
            not_before: rfc3339(cert.not_before),
            not_after: rfc3339(cert.not_after),
            key_usage: cert.key_usage.map(|k| k.names()).unwrap_or_default(),
            test_id: id.test_id,
            key_storage: cert.key_storage.clone(),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CrlEvidence {
    pub issuer: String,
    /// The cRLNumber, decimal.
    pub number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub this_update: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub next_update: Option<String>,
    /// A delta CRL (RFC 5280 §5.2.4).
    pub delta: bool,
    /// SHA-256 of the DER CRL.
    pub sha256: String,
}

impl CrlEvidence {
    pub fn of(crl: &Crl) -> Self {
        CrlEvidence {
            issuer: crl.issuer.to_string(),
            number: crl.number_string(),
            this_update: rfc3339(crl.this_update),
            next_update: crl.next_update.map(rfc3339),
            delta: crl.is_delta(),
            sha256: crl.sha256_hex(),
        }
    }
}

/// An OCSP response that decided a certificate's status (CONTRACT.md §3).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OcspEvidence {
    /// Who signed it: the issuer, or the delegated responder certificate (subject name).
    pub responder: String,
    /// The URL it was fetched from, when the caller said.
    pub url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub produced_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub this_update: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub next_update: Option<String>,
    /// `good`, `revoked` or `unknown`, as answered.
    pub status: &'static str,
    /// SHA-256 of the whole DER response.
    pub sha256: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// Subjects from the signer's certificate up to the trust anchor.
    pub chain: Vec<String>,
    pub crls: Vec<CrlEvidence>,
    /// The OCSP responses used; empty when none was.
    pub ocsp: Vec<OcspEvidence>,
    /// The responses behind `ocsp`, for callers that keep the evidence itself (an archived
    /// document is re-verified offline with them as [`OcspAnswer`](crate::OcspAnswer)s).
    #[serde(skip)]
    pub ocsp_responses: Vec<Arc<crate::ocsp::OcspResponse>>,
    /// The certificates behind `chain`, signer first, for callers that keep the evidence itself
    /// (the archive stores them by SHA-256).
    #[serde(skip)]
    pub path: Vec<Arc<Certificate>>,
    /// The certificate policies the path is valid for (RFC 5280 §6.1.6, the
    /// authorities-constrained set, dotted OIDs, `2.5.29.32.0` for anyPolicy); absent when there
    /// is no path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<String>>,
}

impl Evidence {
    pub fn add_crl(&mut self, crl: &Crl) {
        let item = CrlEvidence::of(crl);
        if !self.crls.contains(&item) {
            self.crls.push(item);
        }
    }

    /// Records an OCSP response once, with the record of the answer it was used for.
    pub(crate) fn add_ocsp(
        &mut self,
        item: OcspEvidence,
        response: &Arc<crate::ocsp::OcspResponse>,
    ) {
        if !self.ocsp.contains(&item) {
            self.ocsp.push(item);
        }
        if !self
            .ocsp_responses
            .iter()
            .any(|r| r.sha256 == response.sha256)
        {
            self.ocsp_responses.push(Arc::clone(response));
        }
    }

    /// Takes in what `other` used (another signer's or another path's CRLs and responses).
    pub(crate) fn merge_revocation(&mut self, other: Evidence) {
        for crl in other.crls {
            if !self.crls.contains(&crl) {
                self.crls.push(crl);
            }
        }
        for item in other.ocsp {
            if !self.ocsp.contains(&item) {
                self.ocsp.push(item);
            }
        }
        for response in other.ocsp_responses {
            if !self
                .ocsp_responses
                .iter()
                .any(|r| r.sha256 == response.sha256)
            {
                self.ocsp_responses.push(response);
            }
        }
    }
}

/// The time one signer was judged at (CONTRACT §3, "Proof of existence").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// The `genTime` of a signature time-stamp token that verifies (no caller-set time).
    Timestamp,
    /// The time of the verification: no caller-set time and no token that verifies.
    Now,
    /// The time the caller set (`at`, or the archive's receipt time for a signer without a
    /// token that verifies).
    Caller,
}

impl TimeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeBasis::Timestamp => "timestamp",
            TimeBasis::Now => "now",
            TimeBasis::Caller => "caller",
        }
    }
}

/// What a signer's signature time-stamp tokens showed, in short: the earliest token that
/// verifies, else the first that does not. The full verdict of that token is
/// [`SignerOutcome::timestamp_verdict`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimestampReport {
    /// The token verifies and time-stamps this signature: `gen_time` is proven.
    pub verified: bool,
    /// The TSA's certificate subject (else the token's `tsa` name), when known.
    pub tsa: Option<String>,
    /// `genTime`, RFC 3339; `null` for a token too broken to read.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub gen_time: Option<String>,
    /// The TSA policy OID.
    pub policy: Option<String>,
    /// The token's serial number, `0x…`.
    pub serial: Option<String>,
    /// The token's own status: `valid` when verified.
    pub status: Status,
    /// Why the token does not verify (the contract's codes, about the token, not the signer).
    pub reason: Option<Reason>,
    /// Why, for people; or, for a verified token that was not used, why not.
    pub detail: Option<String>,
    /// `detail` apart from its values, for rendering it in another language.
    #[serde(skip)]
    pub phrase: Option<Phrase>,
}

impl TimestampReport {
    /// One line for people: "valid, genTime …, TSA …, policy …, serial …", with the reason and
    /// why for a token that does not verify.
    pub fn describe(&self) -> String {
        let mut parts = vec![match self.reason {
            None => self.status.as_str().to_owned(),
            Some(r) => format!("{} ({})", self.status.as_str(), r.as_str()),
        }];
        let fields = [
            ("genTime", &self.gen_time),
            ("TSA", &self.tsa),
            ("policy", &self.policy),
            ("serial", &self.serial),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                parts.push(format!("{name} {value}"));
            }
        }
        let mut line = parts.join(", ");
        if let Some(detail) = &self.detail {
            line.push_str(": ");
            line.push_str(detail);
        }
        line
    }
}

/// The outcome for one signer of a multi-signer SignedData.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SignerOutcome {
    /// 1-based, in the order of the SignerInfos.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub index: usize,
    pub status: Status,
    pub reason: Option<Reason>,
    pub signer: Option<SignerSummary>,
    /// The signingTime attribute: reported, not trusted.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub signing_time: Option<String>,
    /// Which time this signer was judged at: `timestamp`, `now` or `caller`.
    pub time_basis: TimeBasis,
    /// The time this signer's certificates were judged at, RFC 3339.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub time: String,
    /// The signer's signature time-stamp, when its unsigned attributes carry one (also when it
    /// does not verify).
    pub timestamp: Option<TimestampReport>,
    /// The full verdict on the token that [`timestamp`](Self::timestamp) reports, when it could
    /// be read (for callers that keep it, such as the archive).
    #[serde(skip)]
    pub timestamp_verdict: Option<Box<crate::timestamp::TimestampVerdict>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: Status,
    /// The first failing condition, in contract order; `null` when valid.
    pub reason: Option<Reason>,
    /// The verdict in one sentence (English unless the caller asked for kk or ru).
    pub message: String,
    /// The validation time of the request (`at`, else now); each signer's own time is in
    /// `signers[].time`.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: String,
    /// The first signer's certificate.
    pub signer: Option<SignerSummary>,
    /// The first signer's signingTime attribute: reported, not trusted.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub signing_time: Option<String>,
    /// Every finding, passing ones included.
    pub checks: Vec<Check>,
    pub evidence: Evidence,
    /// Every signer with its own outcome; the verdict above is the worst of them.
    pub signers: Vec<SignerOutcome>,
}

/// The first reason, in contract order, among the findings.
pub fn first_reason(checks: &[Check]) -> Option<Reason> {
    checks
        .iter()
        .filter(|c| c.result != CheckResult::Pass)
        .filter_map(|c| c.reason)
        .min()
}

impl Verdict {
    /// Status and reason are derived from the checks, never set independently.
    pub fn from_checks(
        at: OffsetDateTime,
        checks: Vec<Check>,
        signer: Option<SignerSummary>,
        signing_time: Option<OffsetDateTime>,
        evidence: Evidence,
        signers: Vec<SignerOutcome>,
    ) -> Self {
        let reason = first_reason(&checks);
        let status = reason.map(Reason::status).unwrap_or(Status::Valid);
        let message = match reason {
            None => "Every condition holds: the signature is valid.".to_owned(),
            Some(r) => {
                let detail = checks
                    .iter()
                    .find(|c| c.reason == Some(r) && c.result != CheckResult::Pass)
                    .map(|c| c.detail.as_str())
                    .unwrap_or_default();
                r.explain(detail)
            }
        };
        Verdict {
            status,
            reason,
            message,
            at: rfc3339(at),
            signer,
            signing_time: signing_time.map(rfc3339),
            checks,
            evidence,
            signers,
        }
    }

    /// The detail of the finding behind the verdict's reason: what `message` explains after
    /// its sentence. `None` for a valid verdict or a finding without detail.
    pub fn deciding_detail(&self) -> Option<&str> {
        let reason = self.reason?;
        self.checks
            .iter()
            .find(|c| c.reason == Some(reason) && c.result != CheckResult::Pass)
            .map(|c| c.detail.trim())
            .filter(|d| !d.is_empty())
    }

    /// The phrase of [`deciding_detail`](Self::deciding_detail).
    pub fn deciding_phrase(&self) -> Option<&Phrase> {
        let reason = self.reason?;
        self.checks
            .iter()
            .find(|c| c.reason == Some(reason) && c.result != CheckResult::Pass)
            .filter(|c| !c.detail.trim().is_empty())
            .map(|c| &c.phrase)
    }

    /// [`message`](Self::message) as a phrase: the reason's sentence and the deciding detail.
    /// `None` for a valid verdict.
    pub fn message_phrase(&self) -> Option<Phrase> {
        let reason = self.reason?;
        let detail = self
            .deciding_phrase()
            .cloned()
            .unwrap_or_else(|| Phrase::verbatim(""));
        Some(Phrase::explained(reason, detail))
    }

    pub fn malformed(at: OffsetDateTime, detail: Phrase) -> Self {
        let checks = vec![Check::fail("format", Reason::MalformedSignature, detail)];
        Self::from_checks(at, checks, None, None, Evidence::default(), Vec::new())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// The human-readable form printed when `--json` is not given.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.status.as_str().to_uppercase());
        if let Some(r) = self.reason {
            let _ = writeln!(out, "reason:  {}", r.as_str());
        }
        let _ = writeln!(out, "message: {}", self.message);
        let _ = writeln!(out, "at:      {}", self.at);
        if let Some(s) = &self.signer {
            let _ = writeln!(
                out,
                "signer:  {}",
                s.common_name.as_deref().unwrap_or(&s.subject)
            );
            if let Some(iin) = &s.iin {
                let _ = writeln!(out, "  IIN:   {iin}");
            }
            if let Some(bin) = &s.bin {
                let _ = writeln!(out, "  BIN:   {bin}");
            }
            if let Some(org) = &s.organization {
                let _ = writeln!(out, "  org:   {org}");
            }
            if let Some(role) = s.role {
                let _ = writeln!(out, "  role:  {}", role.as_str());
            }
            if s.test_id {
                let _ = writeln!(
                    out,
                    "  note:  the IIN/BIN fails the control digit (an NCA test certificate)"
                );
            }
            let _ = writeln!(out, "  valid: {} .. {}", s.not_before, s.not_after);
        }
        if let Some(t) = &self.signing_time {
            let _ = writeln!(out, "signing time (claimed): {t}");
        }
        let several = self.signers.len() > 1;
        for o in &self.signers {
            let who = if several {
                format!(" [signer {}]", o.index)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "time basis{who}: {} ({})",
                o.time_basis.as_str(),
                o.time
            );
            let stamp = o
                .timestamp
                .as_ref()
                .map_or_else(|| "none".to_owned(), TimestampReport::describe);
            let _ = writeln!(out, "time-stamp{who}: {stamp}");
        }
        let _ = writeln!(out, "checks:");
        for c in &self.checks {
            let mark = match c.result {
                CheckResult::Pass => "pass",
                CheckResult::Fail => "FAIL",
                CheckResult::Unknown => "????",
            };
            let who = c
                .signer
                .map(|i| format!(" [signer {i}]"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {mark}  {:<12}{who} {}", c.check, c.detail);
        }
        if !self.evidence.chain.is_empty() {
            let _ = writeln!(out, "chain:");
            for s in &self.evidence.chain {
                let _ = writeln!(out, "  {s}");
            }
        }
        for o in &self.evidence.ocsp {
            let _ = writeln!(
                out,
                "OCSP: {} from {} producedAt {} thisUpdate {} sha256 {}",
                o.status, o.responder, o.produced_at, o.this_update, o.sha256
            );
        }
        for crl in &self.evidence.crls {
            let _ = writeln!(
                out,
                "CRL: {} #{} thisUpdate {} sha256 {}",
                crl.issuer,
                crl.number.as_deref().unwrap_or("-"),
                crl.this_update,
                crl.sha256
            );
        }
        out
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_order_is_the_contract_order() {
        let mut sorted = Reason::ALL;
        sorted.sort();
        assert_eq!(sorted, Reason::ALL);
        let names: Vec<_> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names[0], "malformed_signature");
        assert_eq!(names[9], "unsupported_algorithm");
    }

    #[test]
    fn invalid_beats_indeterminate_whatever_the_check_order() {
        let checks = vec![
            Check::unknown(
                "revocation",
                Some(Reason::RevocationUnknown),
                Phrase::verbatim("no CRL"),
            ),
            Check::fail("identity", Reason::IdentityMismatch, Phrase::verbatim("x")),
        ];
        let v = Verdict::from_checks(
            OffsetDateTime::UNIX_EPOCH,
            checks,
            None,
            None,
            Evidence::default(),
            vec![],
        );
        assert_eq!(v.status, Status::Invalid);
        assert_eq!(v.reason, Some(Reason::IdentityMismatch));
    }

    #[test]
    fn the_message_joins_the_sentence_and_the_detail_into_one_sentence() {
        assert_eq!(
            Reason::MalformedSignature.explain("the input is neither DER, PEM nor base64"),
            "The input is not a readable CMS SignedData signature: the input is neither DER, PEM \
             nor base64."
        );
        assert_eq!(
            Reason::CertExpired.explain("expired on 2025-01-01."),
            "A certificate had expired at the validation time: expired on 2025-01-01."
        );
        assert_eq!(
            Reason::CertRevoked.explain("  "),
            "A certificate was revoked at the validation time."
        );
    }

    #[test]
    fn all_pass_is_valid() {
        let v = Verdict::from_checks(
            OffsetDateTime::UNIX_EPOCH,
            vec![Check::pass("signature", Phrase::verbatim("ok"))],
            None,
            None,
            Evidence::default(),
            vec![],
        );
        assert_eq!(v.status, Status::Valid);
        assert_eq!(v.reason, None);
        assert_eq!(v.at, "1970-01-01T00:00:00Z");
    }
}
