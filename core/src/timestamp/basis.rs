//! The time one signer is judged at (CONTRACT §3, "Proof of existence"): the `genTime` of its
//! earliest signature time-stamp token that verifies, unless the caller set the time.
//!
//! 1. A signer without the unsigned attribute id-aa-signatureTimeStampToken is judged at the
//!    fallback time (the caller's, or now): nothing is parsed or allocated beyond the walk over
//!    its unsigned attributes.
//! 2. Every token is verified by [`verify_token`] with the signer's options (their CRLs and
//!    extra intermediates) and gives one `timestamp` check: a pass when it verifies, a failure
//!    without effect when it does not (it proves nothing; the signer is judged as if it were
//!    absent).
//! 3. With no caller-set `at`, the earliest `genTime` among the tokens that verify is the
//!    signer's validation time, basis [`TimeBasis::Timestamp`]. With a caller-set `at`, the
//!    tokens are still verified and reported, and the caller's time stands.
//!    A genTime more than five minutes ahead of the current time is not used either (it proves
//!    nothing about the past): the token is reported as verified but not used.
//! 4. The report is that earliest verified token, else the first that does not verify.

use time::OffsetDateTime;

use super::token::{tokens_of, TimeStampToken};
use super::verify::{verify_token, TimestampVerdict};
use super::TimestampError;
use crate::cms::SignerData;
use crate::phrase::{Phrase, PhraseKey};
use crate::verdict::{Check, Reason, Status, TimeBasis, TimestampReport};
use crate::verifier::{Verifier, VerifyOptions};

/// How far a genTime may be ahead of this machine's clock (the TSA's accuracy, clock skew).
const FUTURE_SKEW: time::Duration = time::Duration::minutes(5);

/// One signer's validation time and what its tokens showed.
pub(crate) struct SignerTime {
    pub at: OffsetDateTime,
    pub basis: TimeBasis,
    /// One `timestamp` check per token, in the order of the attributes.
    pub checks: Vec<Check>,
    pub report: Option<TimestampReport>,
    pub verdict: Option<Box<TimestampVerdict>>,
}

/// Steps 1-4 of the module doc. `fallback` is the time and basis of a signer without a token
/// that verifies (or of every signer when the caller set `at`).
pub(crate) fn signer_time(
    verifier: &Verifier,
    signer: &SignerData,
    options: &VerifyOptions,
    fallback: (OffsetDateTime, TimeBasis),
) -> SignerTime {
    let mut time = SignerTime {
        at: fallback.0,
        basis: fallback.1,
        checks: Vec::new(),
        report: None,
        verdict: None,
    };
    let tokens = tokens_of(signer);
    if tokens.is_empty() {
        return time;
    }

    let mut earliest: Option<(OffsetDateTime, TimestampReport, TimestampVerdict)> = None;
    let mut first_failed: Option<(TimestampReport, Option<TimestampVerdict>)> = None;
    let mut verified_checks = Vec::new();
    for parsed in tokens {
        let token = match parsed {
            Ok(token) => token,
            Err(e) => {
                time.checks.push(Check::fail_without_effect(
                    "timestamp",
                    Phrase::new(PhraseKey::TokenUnreadable).text("error", e.to_string()),
                ));
                first_failed.get_or_insert((unreadable(&e), None));
                continue;
            }
        };
        let verdict = verify_token(verifier, &token, &signer.signature, options);
        let report = report_of(&token, &verdict);
        if verdict.verified {
            verified_checks.push((time.checks.len(), token.gen_time()));
            let by = Phrase::new(PhraseKey::TokenVerifies);
            let by = match &report.tsa {
                Some(tsa) => by.text("tsa", tsa.clone()),
                None => by.phrase("tsa", Phrase::new(PhraseKey::UnnamedTsa)),
            };
            time.checks.push(Check::pass(
                "timestamp",
                by.text("gen_time", verdict.gen_time.clone())
                    .text("policy", verdict.policy.clone())
                    .text("serial", verdict.serial.clone()),
            ));
            let gen_time = token.gen_time();
            if earliest.as_ref().is_none_or(|(t, ..)| gen_time < *t) {
                earliest = Some((gen_time, report, verdict));
            }
        } else {
            let reason = match verdict.reason {
                Some(r) => Phrase::verbatim(r.as_str()),
                None => Phrase::new(PhraseKey::TokenNotVerified),
            };
            let why = verdict
                .phrase
                .clone()
                .unwrap_or_else(|| Phrase::new(PhraseKey::TokenDoesNotVerify));
            time.checks.push(Check::fail_without_effect(
                "timestamp",
                Phrase::new(PhraseKey::TokenProvesNothing)
                    .text("gen_time", verdict.gen_time.clone())
                    .phrase("reason", reason)
                    .phrase("why", why),
            ));
            if first_failed.is_none() {
                first_failed = Some((report, Some(verdict)));
            }
        }
    }

    match earliest {
        Some((gen_time, mut report, verdict)) => {
            // A genTime still to come proves nothing about the past (a TSA's clock or key gone
            // wrong): the signer is not judged at a future time on its word.
            let future = gen_time > OffsetDateTime::now_utc() + FUTURE_SKEW;
            let (used, note) = if options.at.is_some() {
                (false, PhraseKey::TokenNotUsedCallerTime)
            } else if future {
                (false, PhraseKey::TokenNotUsedFuture)
            } else {
                (true, PhraseKey::TokenUsed)
            };
            for (index, t) in verified_checks {
                let Some(check) = time.checks.get_mut(index) else {
                    continue;
                };
                if t == gen_time {
                    check.note(Phrase::new(note));
                } else {
                    check.note(Phrase::new(PhraseKey::TokenNotUsedEarlier));
                }
            }
            if used {
                time.at = gen_time.replace_nanosecond(0).unwrap_or(gen_time);
                time.basis = TimeBasis::Timestamp;
            } else {
                let phrase =
                    Phrase::new(PhraseKey::TokenVerifiedBut).phrase("note", Phrase::new(note));
                report.detail = Some(phrase.to_string());
                report.phrase = Some(phrase);
            }
            time.report = Some(report);
            time.verdict = Some(Box::new(verdict));
        }
        None => {
            if let Some((report, verdict)) = first_failed {
                time.report = Some(report);
                time.verdict = verdict.map(Box::new);
            }
        }
    }
    time
}

fn report_of(token: &TimeStampToken, verdict: &TimestampVerdict) -> TimestampReport {
    TimestampReport {
        verified: verdict.verified,
        tsa: verdict
            .tsa
            .as_ref()
            .map(|s| s.subject.clone())
            .or_else(|| token.tsa_name()),
        gen_time: Some(verdict.gen_time.clone()),
        policy: Some(verdict.policy.clone()),
        serial: Some(verdict.serial.clone()),
        status: verdict.status,
        reason: verdict.reason,
        detail: verdict.detail.clone(),
        phrase: verdict.phrase.clone(),
    }
}

fn unreadable(e: &TimestampError) -> TimestampReport {
    TimestampReport {
        verified: false,
        tsa: None,
        gen_time: None,
        policy: None,
        serial: None,
        status: Status::Invalid,
        reason: Some(Reason::MalformedSignature),
        // The token's defect in the parser's own words.
        detail: Some(e.to_string()),
        phrase: Some(Phrase::verbatim(e.to_string())),
    }
}
