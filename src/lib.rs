//! qoltanba: verification of CMS signatures and X.509 certificates against the signing conditions
//! of Kazakhstan's electronic state services (see CONTRACT.md), and the tools built on it.

pub mod application_cli;
pub mod archive;
pub mod asn1;
pub mod cert;
pub mod chain;
pub mod cms;
pub mod config;
pub mod crl;
pub mod crl_check;
pub mod crl_store;
pub mod crypto;
pub mod envelope;
pub mod http;
pub mod ids;
pub mod input;
pub mod name;
pub mod revocation;
pub mod serve;
pub mod sigcache;
pub mod sign;
pub mod timestamp;
pub mod usage;
pub mod verdict;
pub mod verifier;
pub mod web;
pub mod workflow;

pub use verdict::{Reason, Status, Verdict};
pub use verifier::{KeyUsagePolicy, Verifier, VerifyOptions};
