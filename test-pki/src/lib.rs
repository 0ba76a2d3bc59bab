//! The parts of the test PKI generator that tests and loopback services use as a library.
//!
//! - [`ocsp`]: OCSP responses (good, revoked, unknown, the NCA's "not issued", error statuses,
//!   and faulty ones) signed with RSA or GOST keys, and delegated responder certificates.

pub mod ocsp;
