//! The proof of when a signature existed, as the core verifier reports it for a signer (the
//! earliest verified RFC 3161 time-stamp, else the first that failed), and the evidence behind
//! a signature's time-stamps, stored with it.

use std::sync::Arc;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use qoltanba_core::timestamp::{self, TimestampVerdict};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{CmsLimits, SignedMessage};
use qoltanba_core::{Verifier, VerifyOptions};

use super::EvidenceItem;

/// What a signer's time-stamp shows: the earliest verified one, else the first that failed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Proof {
    #[serde(skip)]
    pub gen_time: OffsetDateTime,
    #[serde(flatten)]
    pub verdict: TimestampVerdict,
}

impl Proof {
    /// The proof a token's verdict gives.
    pub fn of(verdict: TimestampVerdict) -> Self {
        let gen_time = OffsetDateTime::parse(&verdict.gen_time, &Rfc3339)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Proof { gen_time, verdict }
    }

    pub fn verified(&self) -> bool {
        self.verdict.verified
    }
}

/// The evidence behind the time-stamps of a signature (the TSAs' paths and the CRLs that judged
/// them), to be stored with it so that the time-stamps can be judged again later.
pub fn evidence(
    verifier: &Verifier,
    signature_der: &[u8],
    crls: &Arc<CrlSnapshot>,
) -> Vec<EvidenceItem> {
    let Ok(message) = SignedMessage::from_der(signature_der, CmsLimits::default()) else {
        return Vec::new();
    };
    let options = VerifyOptions {
        crls: Some(Arc::clone(crls)),
        ..VerifyOptions::default()
    };
    message
        .signers
        .iter()
        .flat_map(|signer| timestamp::verify_tokens(verifier, signer, &options))
        .flatten()
        .flat_map(|(_, verdict)| super::evidence::of_verdict(&verdict.token, crls))
        .collect()
}
