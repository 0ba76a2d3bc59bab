//! qoltanba: the service, command line and tools built on the verifier library
//! [`qoltanba_core`], which decides every signature question (see CONTRACT.md).
//!
//! This crate holds what talks to the world: the HTTP service and its accept loop (`http`,
//! `serve`), the configuration that assembles each subsystem's own settings (`config`), the live
//! CRL store that fetches, caches and refreshes CRLs and hands the verifier immutable snapshots
//! (`crl_store`), the OCSP client with its answer cache and the deployment's revocation policy
//! (`ocsp`), officer signing and its keystores (`sign`), obtaining time-stamps from a TSA
//! (`timestamp`), the archive and audit tools (`archive`), the state-service procedure
//! (`workflow`, `application_cli`) and the web page (`web`). None of them judges a signature: they
//! call the core's [`Verifier`](qoltanba_core::Verifier).

pub mod application_cli;
pub mod archive;
pub mod audit_cli;
pub mod config;
pub mod crl_store;
pub mod demo;
pub mod environment;
pub mod files;
pub mod http;
pub mod logging;
pub mod ocsp;
pub mod serve;
pub mod sign;
pub mod sign_cli;
pub mod timestamp;
pub mod trust;
pub mod url;
pub mod web;
pub mod workflow;
