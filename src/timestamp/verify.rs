//! Verification of a time-stamp token for one signature: the token's own CMS signature and the
//! TSA's certificate path through the core [`Verifier`] as of `genTime`, plus the imprint.

use serde::Serialize;
use time::OffsetDateTime;

use super::token::{tokens_of, TimeStampToken};
use super::TimestampError;
use crate::cms::SignerData;
use crate::verdict::{first_reason, rfc3339, Check, Reason, SignerSummary, Status, Verdict};
use crate::verifier::{KeyUsagePolicy, Verifier, VerifyOptions};

/// What a time-stamp token proves about one signature.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampVerdict {
    /// The token is valid and time-stamps this signature: `gen_time` is proven.
    pub verified: bool,
    /// `valid`, `invalid` or `indeterminate`, with the contract's meaning.
    pub status: Status,
    /// When not verified: the imprint's reason (`signature_invalid`, `unsupported_algorithm`) or
    /// the token verdict's reason, whichever comes first in the contract's order.
    pub reason: Option<Reason>,
    /// When not verified: why, for people.
    pub detail: Option<String>,
    /// `genTime`, RFC 3339.
    pub gen_time: String,
    /// The TSA's certificate, when the token names one that was found.
    pub tsa: Option<SignerSummary>,
    /// The TSA policy OID.
    pub policy: String,
    /// The token's serial number, `0x…`.
    pub serial: String,
    /// The check of `messageImprint` against the signature value.
    pub imprint: Check,
    /// The core's verdict on the token's signature and the TSA certificate, at `genTime`, with
    /// the timeStamping key-usage rule.
    pub token: Verdict,
}

/// Verifies `token` as a time-stamp of `signature_value` (the OCTET STRING contents of the
/// time-stamped SignerInfo's `signature`).
///
/// The token's CMS signature and the TSA's certificate path, validity and revocation are judged by
/// `verifier.verify_message` at `genTime` with [`KeyUsagePolicy::TimeStamping`], the CRLs and
/// extra intermediates of `options` (its `at`, `key_usage` and `expected_id` are not used); then
/// `messageImprint` must be the hash of `signature_value` with the algorithm it states.
pub fn verify_token(
    verifier: &Verifier,
    token: &TimeStampToken,
    signature_value: &[u8],
    options: &VerifyOptions,
) -> TimestampVerdict {
    let gen_time = token.gen_time();
    let token_options = VerifyOptions {
        at: Some(gen_time),
        key_usage: KeyUsagePolicy::TimeStamping,
        crls: options.crls.clone(),
        extra_intermediates: options.extra_intermediates.clone(),
        expected_id: None,
    };
    let verdict = verifier
        .verify_message(&token.message, None, &token_options)
        .unwrap_or_else(|e| Verdict::malformed(gen_time, e.to_string()));

    let imprint = match token.imprint_matches(signature_value) {
        Ok(true) => Check::pass(
            "imprint",
            format!(
                "{} of the signature value matches the token's messageImprint",
                token.imprint_algorithm().map(|h| h.name()).unwrap_or("?")
            ),
        ),
        Ok(false) => Check::fail(
            "imprint",
            Reason::SignatureInvalid,
            format!(
                "the token's messageImprint is not the {} of this signature value: it time-stamps other data",
                token.imprint_algorithm().map(|h| h.name()).unwrap_or("?")
            ),
        ),
        Err(e) => Check::unknown("imprint", Some(Reason::UnsupportedAlgorithm), e.to_string()),
    };

    let reason = first_reason(std::slice::from_ref(&imprint))
        .into_iter()
        .chain(verdict.reason)
        .min();
    let detail = reason.map(|r| {
        if imprint.reason == Some(r) {
            format!("{} {}", r.sentence(), imprint.detail)
        } else {
            verdict.message.clone()
        }
    });
    TimestampVerdict {
        verified: reason.is_none(),
        status: reason.map(Reason::status).unwrap_or(Status::Valid),
        reason,
        detail,
        gen_time: rfc3339(gen_time),
        tsa: verdict.signer.clone(),
        policy: token.policy(),
        serial: token.serial_hex(),
        imprint,
        token: verdict,
    }
}

/// Every time-stamp token of `signer`, each verified against `signer`'s signature value:
/// unreadable tokens as errors, the others with their verdict, in the order of the attributes.
pub fn verify_tokens(
    verifier: &Verifier,
    signer: &SignerData,
    options: &VerifyOptions,
) -> Vec<Result<(TimeStampToken, TimestampVerdict), TimestampError>> {
    tokens_of(signer)
        .into_iter()
        .map(|parsed| {
            parsed.map(|token| {
                let verdict = verify_token(verifier, &token, &signer.signature, options);
                (token, verdict)
            })
        })
        .collect()
}

/// The time at which `signer`'s signature provably existed: the earliest `genTime` among its
/// time-stamp tokens that verify (see [`verify_token`]), with that token's verdict. `None` when
/// the signer has no verified token.
pub fn proven_time(
    verifier: &Verifier,
    signer: &SignerData,
    options: &VerifyOptions,
) -> Option<(OffsetDateTime, TimestampVerdict)> {
    verify_tokens(verifier, signer, options)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|(_, verdict)| verdict.verified)
        .map(|(token, verdict)| (token.gen_time(), verdict))
        .min_by_key(|(t, _)| *t)
}
