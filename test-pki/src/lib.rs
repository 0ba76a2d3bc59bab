//! test-pki as a library: the builders tests and loopback services use to make exactly the
//! certificates, CRLs and OCSP responses a rule is about, signed with GOST R 34.10-2015 512-bit
//! in the NCA byte order or with RSA.
//!
//! - [`builder`]: certificate hierarchies ([`builder::CertSpec`]: basicConstraints with or
//!   without pathLenConstraint, keyUsage, CRL distribution points by URI or directoryName,
//!   validity, raw serial octets) and CRLs ([`builder::CrlSpec`]: issuing distribution point,
//!   delta CRL indicator, CRL number present, absent or critical, entries with reasons and raw
//!   serial octets), signed by a chosen [`builder::Key`]. Keys are derived from seed strings, so
//!   every run builds the same bytes.
//! - [`ocsp`]: OCSP responses (good, revoked, unknown, the NCA's "not issued", error statuses,
//!   and faulty ones) signed with RSA or GOST keys, and delegated responder certificates.
//! - [`gost_keys`]: the deterministic GOST keys, shared with the `test-pki` generator binary
//!   (which writes `fixtures/`).
//!
//! The crate depends on `qoltanba-core` (its GOST primitives sign); the builders also hand out
//! `qoltanba_core::Certificate` and `qoltanba_core::Crl` values, so tests that use them live where
//! there is a single `qoltanba-core`: the root crate's `tests/`.

pub mod builder;
pub mod gost_keys;
pub mod ocsp;

/// The error type of the generator's fallible steps.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;
