//! The test PKI of `fixtures/`, embedded for the demo configuration that `qoltanba serve`
//! runs on when no trust anchor is configured.

pub const TRUST_PEM: &[u8] = include_bytes!("../fixtures/pki/trust.pem");
pub const INTERMEDIATES_PEM: &[u8] = include_bytes!("../fixtures/pki/intermediates.pem");
pub const CRLS_PEM: &[u8] = include_bytes!("../fixtures/crl/all-current.pem");
/// The name the embedded CRL bundle goes by in logs and metrics.
pub const CRL_SOURCE_NAME: &str = "demo:all-current.pem";

pub const WARNING: &str = "\
################################################################################
##  WARNING: qoltanba serve is running on the BUNDLED DEMO CONFIGURATION.     ##
##  Its trust anchor, intermediates and CRLs are the TEST PKI of fixtures/,   ##
##  whose private keys are public. Every answer it gives is meaningless for   ##
##  real signatures. DO NOT USE IT IN PRODUCTION: give --config FILE (see     ##
##  config/qoltanba.example.toml) or QOLTANBA_TRUST__ANCHORS.                 ##
################################################################################";
