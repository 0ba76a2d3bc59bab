//! # qoltanba-core
//!
//! The verifier of qoltanba: it decides whether an electronic digital signature (ЭЦҚ/ЭЦП) meets
//! the signing conditions of Kazakhstan's electronic state services — a well-formed CMS
//! SignedData whose signature verifies, a certificate path to a trusted certifying centre, the
//! certificate's validity period and key usage, its absence from the revocation lists, and the
//! IIN/BIN the request names. Every answer is a [`Verdict`]: `valid`, `invalid` or
//! `indeterminate` with a stable [`Reason`], one [`Check`] per condition, and the evidence used.
//!
//! The crate is pure: no async runtime, no network, no database. The service (`qoltanba serve`),
//! the command line, the state-service workflow and the audit tools all call it; a Rust portal
//! backend can embed it directly.
//!
//! ## Verifying a signature
//!
//! ```
//! use std::sync::Arc;
//! use qoltanba_core::{input, parse_time, CrlSnapshot, IdNumber, Status, Verifier, VerifyOptions};
//!
//! # let fixture = |rel: &str| std::fs::read(format!("{}/../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap();
//! let limits = input::InputLimits::default();
//! let anchors = input::certificates_from_bytes(&fixture("pki/trust.pem"), &limits)?;
//! let intermediates = input::certificates_from_bytes(&fixture("pki/intermediates.pem"), &limits)?;
//! let crls = input::crls_from_bytes(&fixture("crl/all-current.pem"), &limits)?;
//! let verifier = Verifier::new(anchors, intermediates, CrlSnapshot::new(crls))?;
//!
//! let options = VerifyOptions {
//!     at: Some(parse_time("2026-06-01T12:00:00Z")?),
//!     expected_id: Some("880415300127".parse::<IdNumber>().unwrap()),
//!     ..VerifyOptions::default()
//! };
//! let verdict = verifier.verify_signature(&fixture("samples/individual-attached.cms"), None, &options)?;
//! assert_eq!(verdict.status, Status::Valid, "{}", verdict.message);
//! assert_eq!(verdict.signer.unwrap().iin.as_deref(), Some("880415300127"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Verifier::verify_signature`] accepts DER, PEM or base64; a detached signature takes its
//! content as the second argument. [`Verifier::replace_crls`] swaps in a new [`CrlSnapshot`]
//! while verifications are in flight (they keep the one they started with). A certificate alone
//! is judged by [`Verifier::verify_certificate`].
//!
//! ## Modules
//! The public surface is the re-exports below plus [`input`] (reading signatures, certificates
//! and CRLs at the edge, with limits), [`oid`] (the object identifiers a signer needs) and
//! [`timestamp`] (RFC 3161 time-stamp tokens). Everything else — CMS and certificate parsing,
//! cryptography, path building, revocation judgement — is internal and reached through the
//! [`Verifier`]. [`ocsp`] reads OCSP responses and builds requests; OCSP answers are judged as
//! revocation evidence under the [`RevocationPolicy`] of [`VerifyOptions`].

mod asn1;
mod ber;
mod cert;
mod chain;
mod cms;
mod crl;
mod crl_check;
mod crl_scope;
mod crypto;
mod dist_point;
mod envelope;
mod ids;
pub mod input;
mod name;
mod name_constraints;
pub mod ocsp;
mod phrase;
mod policy;
mod revocation;
mod sigcache;
mod signer;
pub mod timestamp;
mod usage;
mod verdict;
mod verifier;

/// BER to definite-length (DER-length) rewriting, for other BER inputs a caller decodes with
/// `der`: the NCA's PKCS#12 keystores are BER with indefinite lengths.
pub use ber::{to_der as ber_to_der, BerError};
pub use cert::{serial_hex, BasicConstraints, CertError, Certificate, Identity, KeyUsage, Role};
pub use cms::{CmsError, CmsLimits, SignedAttributes, SignedMessage, SignerData, SignerId};
/// Policy identifiers in [`PolicyOptions`] and in the verdict.
pub use const_oid::ObjectIdentifier;
pub use crl::{Crl, CrlError, CrlNumberValue, RevocationReason, RevokedEntry, Scope};
pub use crl_check::CrlIssuerError;
pub use ids::{IdError, IdNumber, IdPolicy};
pub use name::{DistinguishedName, NameKey};
pub use ocsp::{CertIdHash, OcspAnswer, OcspError, OcspResponse, RevocationPolicy, StatusQuery};
pub use phrase::{placeholders, Arg, English, Phrase, PhraseKey, Sentences};
pub use policy::{PolicyOptions, ANY_POLICY};
pub use revocation::{CrlSnapshot, MAX_AGE_WITHOUT_NEXT_UPDATE};
pub use usage::{parse_expected_id, parse_expected_id_with, parse_time, UsageError, UsageReason};
pub use verdict::{
    rfc3339, Check, CheckResult, CrlEvidence, Evidence, OcspEvidence, Reason, SignerOutcome,
    SignerSummary, Status, TimeBasis, TimestampReport, Verdict,
};
pub use verifier::{KeyUsagePolicy, Verifier, VerifyOptions, DEFAULT_OCSP_MAX_AGE};

/// GOST R 34.10 signature primitives in the NCA byte order, for officers' GOST keys and for
/// tests against other implementations; verification of documents goes through the [`Verifier`].
pub use crypto::gost;

/// The object identifiers a caller needs to build what the verifier reads: signature and digest
/// algorithms, CMS attributes and content types.
pub mod oid {
    /// CMS content types and attributes.
    pub use crate::cms::oid as cms;
    /// An OID with its registered name, for messages: `sha256 (2.16.840.1.101.3.4.2.1)`.
    pub use crate::crypto::describe_oid as describe;
    /// Signature, public-key and digest algorithms.
    pub use crate::crypto::oid as alg;
}
