//! RFC 3161 time-stamp tokens: proving when a signature existed. (Obtaining tokens from a TSA is
//! the service's job; verifying them is a signature question, so it lives here.)
//!
//! A time-stamp token is a CMS SignedData whose encapsulated content (eContentType id-ct-TSTInfo,
//! 1.2.840.113549.1.9.16.1.4) is a `TSTInfo`: the hash of the time-stamped data
//! (`messageImprint`), the time (`genTime`), the TSA's policy and a serial number. A signature
//! carries its tokens in the unsigned attribute id-aa-signatureTimeStampToken
//! (1.2.840.113549.1.9.16.2.14) of its SignerInfo, over the SignerInfo's `signature` value.
//!
//! # Reading and verifying
//! - [`TimeStampToken::from_der`]`(der) -> Result<TimeStampToken, TimestampError>`: parses the
//!   token (through [`crate::SignedMessage::from_der`]) and its [`asn1::TstInfo`]; accessors
//!   [`TimeStampToken::gen_time`], [`policy`](TimeStampToken::policy),
//!   [`serial_hex`](TimeStampToken::serial_hex),
//!   [`imprint_algorithm`](TimeStampToken::imprint_algorithm) (SHA-256/384/512),
//!   [`imprint`](TimeStampToken::imprint), [`nonce`](TimeStampToken::nonce).
//! - [`tokens_of`]`(&SignerData) -> Vec<Result<TimeStampToken, TimestampError>>`: every token in
//!   a signer's unsigned attributes.
//! - [`verify_token`]`(&Verifier, &TimeStampToken, signature_value, &VerifyOptions) ->
//!   TimestampVerdict`: the token's CMS signature and the TSA's certificate path, validity and
//!   revocation are judged by the core verifier at `genTime` with
//!   [`KeyUsagePolicy::TimeStamping`](crate::KeyUsagePolicy::TimeStamping) (the TSA certificate
//!   must have the extended key usage id-kp-timeStamping, alone and critical, RFC 3161 §2.3;
//!   otherwise `key_usage_not_signing`), using the CRLs and extra intermediates of the options;
//!   then `messageImprint` must be the hash of `signature_value` (otherwise
//!   `signature_invalid`), and the token's ESS signingCertificate(V2) attribute must name the
//!   TSA's certificate (RFC 3161 §2.4.1, RFC 5816; another certificate: `signature_invalid`,
//!   none: `malformed_signature`). [`TimestampVerdict`] is serialisable: `verified`, `status`,
//!   `reason`, `detail`, `gen_time`, the TSA's summary, `policy`, `serial`, the imprint and
//!   signing-certificate checks and the token's full [`Verdict`](crate::Verdict).
//! - [`proven_time`]`(&Verifier, &SignerData, &VerifyOptions) -> Option<(OffsetDateTime,
//!   TimestampVerdict)>`: the earliest `genTime` among the signer's tokens that verify — the time
//!   the signature provably existed (the rule the verifier applies per signer). [`verify_tokens`]
//!   gives every token's outcome for the record.
//!
//! # In every verification
//! [`Verifier::verify_message`](crate::Verifier::verify_message) (and so
//! `verify_signature`, the CLI, `/v1/verify`, the page and the archive's re-verification as of
//! signing) verifies every signer's tokens with [`verify_token`] and the same options, and
//! decides each signer's validation time on its own (CONTRACT §3, "Proof of existence"): with no
//! caller-set `at`, the earliest `genTime` among its tokens that verify (time basis
//! `timestamp`), else now (or [`VerifyOptions::unstamped_at`](crate::VerifyOptions)); with a
//! caller-set `at`, that time (basis `caller`), the tokens still verified and reported. Each
//! [`SignerOutcome`](crate::SignerOutcome) carries `time_basis`, `time` and a
//! [`TimestampReport`](crate::TimestampReport); each token gives a `timestamp` check, and one
//! that fails decides nothing. A token's own SignedData is verified without looking for tokens
//! in it. A signer without unsigned attributes costs nothing more.
//!
//! The TSA's own trust comes from the verifier's configuration, like any signer's: its
//! certificate must chain to a configured trust anchor.

pub mod asn1;
pub(crate) mod basis;
mod token;
mod verify;

pub use token::{tokens_of, TimeStampToken};
pub use verify::{proven_time, verify_token, verify_tokens, TimestampVerdict};

pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    /// id-ct-TSTInfo (RFC 3161 §2.4.2).
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
    pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    /// id-kp-timeStamping (RFC 3161 §2.3).
    pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
}

/// Why bytes are not a usable time-stamp token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("the time-stamp token is not a CMS SignedData: {0}")]
    NotCms(String),
    #[error("the time-stamp token's content is {0}, not id-ct-TSTInfo")]
    NotTstInfo(String),
    #[error("the time-stamp token carries no TSTInfo (its content is detached)")]
    NoTstInfo,
    #[error("the time-stamp token has {0} signers: it must have exactly one, the TSA")]
    SignerCount(usize),
    #[error("the time-stamp token's TSTInfo is unreadable: {0}")]
    BadTstInfo(String),
    #[error("the time-stamp token's messageImprint uses {0}, not SHA-256/384/512")]
    UnsupportedImprintAlgorithm(String),
    #[error("the signer's unsigned attributes are unreadable: {0}")]
    BadAttributes(String),
}
