//! The proof of when a signature existed: the earliest verified RFC 3161 time-stamp of its
//! signer, judged by the core verifier (`crate::timestamp`) with the given options — the stored
//! evidence when re-verifying as of signing.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

use qoltanba_core::timestamp::{self, TimestampVerdict};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{CmsLimits, SignedMessage, SignerData};
use qoltanba_core::{Verifier, VerifyOptions};

use super::EvidenceItem;

/// What a signer's time-stamp shows: the earliest verified one, else the first that failed.
#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    #[serde(skip)]
    pub gen_time: OffsetDateTime,
    #[serde(flatten)]
    pub verdict: TimestampVerdict,
}

impl Proof {
    pub fn verified(&self) -> bool {
        self.verdict.verified
    }
}

pub fn proven_time(
    verifier: &Verifier,
    signer: &SignerData,
    options: &VerifyOptions,
) -> Option<Proof> {
    let mut verified: Option<Proof> = None;
    let mut failed: Option<Proof> = None;
    for (token, verdict) in timestamp::verify_tokens(verifier, signer, options)
        .into_iter()
        .flatten()
    {
        let proof = Proof {
            gen_time: token.gen_time(),
            verdict,
        };
        if proof.verified() {
            if verified
                .as_ref()
                .is_none_or(|v| proof.gen_time < v.gen_time)
            {
                verified = Some(proof);
            }
        } else if failed.is_none() {
            failed = Some(proof);
        }
    }
    verified.or(failed)
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
