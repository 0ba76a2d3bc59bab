//! `TimeStampReq` for a signature value and the check of the TSA's `TimeStampResp` (RFC 3161
//! §2.4).

use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;

use super::TsaError;
use qoltanba_core::oid::alg as alg_oid;
use qoltanba_core::timestamp::asn1::{failure_names, MessageImprint, TimeStampReq, TimeStampResp};
use qoltanba_core::timestamp::TimeStampToken;

/// `PKIStatus` (RFC 3161 §2.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PkiStatus {
    Granted,
    GrantedWithMods,
    Rejection,
    Waiting,
    RevocationWarning,
    RevocationNotification,
    /// A value RFC 3161 does not define.
    Other(u32),
}

impl PkiStatus {
    pub fn from_value(value: u32) -> Self {
        match value {
            0 => PkiStatus::Granted,
            1 => PkiStatus::GrantedWithMods,
            2 => PkiStatus::Rejection,
            3 => PkiStatus::Waiting,
            4 => PkiStatus::RevocationWarning,
            5 => PkiStatus::RevocationNotification,
            other => PkiStatus::Other(other),
        }
    }

    /// Whether a token comes with this status.
    pub fn is_granted(self) -> bool {
        matches!(self, PkiStatus::Granted | PkiStatus::GrantedWithMods)
    }
}

impl std::fmt::Display for PkiStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PkiStatus::Granted => f.write_str("granted"),
            PkiStatus::GrantedWithMods => f.write_str("grantedWithMods"),
            PkiStatus::Rejection => f.write_str("rejection"),
            PkiStatus::Waiting => f.write_str("waiting"),
            PkiStatus::RevocationWarning => f.write_str("revocationWarning"),
            PkiStatus::RevocationNotification => f.write_str("revocationNotification"),
            PkiStatus::Other(n) => write!(f, "status {n}"),
        }
    }
}

/// A `TimeStampReq` for one signature value: version 1, messageImprint SHA-256 of the value, a
/// random 64-bit nonce, certReq TRUE (the TSA puts its certificate in the token).
#[derive(Debug, Clone)]
pub struct TimeStampRequest {
    der: Vec<u8>,
    imprint: Vec<u8>,
    nonce: Int,
}

impl TimeStampRequest {
    /// A request with a fresh random nonce.
    pub fn new(signature_value: &[u8]) -> Result<Self, TsaError> {
        let mut nonce = [0u8; 8];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| TsaError::Request("no randomness for the nonce".into()))?;
        Self::with_nonce(signature_value, u64::from_be_bytes(nonce))
    }

    /// A request with the given nonce.
    pub fn with_nonce(signature_value: &[u8], nonce: u64) -> Result<Self, TsaError> {
        let build = || -> der::Result<Self> {
            let imprint = Sha256::digest(signature_value).to_vec();
            // A positive INTEGER: the unsigned bytes, encoded as DER would encode them.
            let nonce = Int::from_der(&der::asn1::Uint::new(&nonce.to_be_bytes())?.to_der()?)?;
            let request = TimeStampReq {
                version: 1,
                message_imprint: MessageImprint {
                    hash_algorithm: AlgorithmIdentifierOwned {
                        oid: alg_oid::SHA256,
                        parameters: None,
                    },
                    hashed_message: OctetString::new(imprint.clone())?,
                },
                req_policy: None,
                nonce: Some(nonce.clone()),
                cert_req: true,
                extensions: None,
            };
            Ok(TimeStampRequest {
                der: request.to_der()?,
                imprint,
                nonce,
            })
        };
        build().map_err(|e| TsaError::Request(e.to_string()))
    }

    /// The DER `TimeStampReq`, the body of an `application/timestamp-query`.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The SHA-256 of the signature value.
    pub fn imprint(&self) -> &[u8] {
        &self.imprint
    }

    /// The nonce as INTEGER content bytes.
    pub fn nonce(&self) -> &[u8] {
        self.nonce.as_bytes()
    }

    /// Reads a DER `TimeStampResp` to this request: the status must be granted or
    /// grantedWithMods, and the token must be a time-stamp token of this imprint (SHA-256) with
    /// this nonce. Returns the token's DER. The token's signature and the TSA's certificate are
    /// not judged here: that is [`super::verify_token`]'s work, at the time of use.
    pub fn check_response(&self, response: &[u8]) -> Result<Vec<u8>, TsaError> {
        let response = TimeStampResp::from_der(response)
            .map_err(|e| TsaError::Garbage(format!("not a TimeStampResp: {e}")))?;
        let status = PkiStatus::from_value(response.status.status);
        if !status.is_granted() {
            return Err(TsaError::Rejected {
                status,
                fail_info: response
                    .status
                    .fail_info
                    .as_ref()
                    .map(failure_names)
                    .unwrap_or_default(),
                text: response.status.status_string.unwrap_or_default(),
            });
        }
        let token = response
            .time_stamp_token
            .ok_or_else(|| TsaError::Mismatch(format!("status {status} without a token")))?
            .to_der()
            .map_err(|e| TsaError::Garbage(e.to_string()))?;
        let parsed = TimeStampToken::from_der(&token)
            .map_err(|e| TsaError::Mismatch(format!("the token is unusable: {e}")))?;
        if parsed.info.message_imprint.hash_algorithm.oid != alg_oid::SHA256
            || parsed.imprint() != self.imprint.as_slice()
        {
            return Err(TsaError::Mismatch(
                "the token's messageImprint is not the SHA-256 of the signature value sent".into(),
            ));
        }
        match parsed.nonce() {
            Some(n) if n == self.nonce.as_bytes() => {}
            Some(_) => {
                return Err(TsaError::Mismatch(
                    "the token's nonce differs from the request's: a replayed or foreign answer"
                        .into(),
                ))
            }
            None => {
                return Err(TsaError::Mismatch(
                    "the token has no nonce though the request had one".into(),
                ))
            }
        }
        Ok(token)
    }
}
