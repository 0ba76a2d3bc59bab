//! The test PKIs of `fixtures/`, embedded for the demo configuration that `qoltanba serve`
//! runs on when no trust anchor is configured: the RSA/EC one (`fixtures/pki`, `fixtures/crl`)
//! and the GOST one in the NCA's 2024 profile (`fixtures/gost`), so that both kinds of sample
//! signature verify against the demo. (The NCA's own test CA has a configuration of its own,
//! `config/nca-test.toml`: its saved CRLs lapsed in 2025, which a demo must not carry.)

/// A bundle built into the binary: the name it goes by in logs and metrics, and its bytes.
pub type Embedded = (&'static str, &'static [u8]);

/// The trust anchors: the RSA/EC test root and the GOST test root.
pub const TRUST: [Embedded; 2] = [
    (
        "demo:trust.pem",
        include_bytes!("../fixtures/pki/trust.pem"),
    ),
    (
        "demo:gost/trust.pem",
        include_bytes!("../fixtures/gost/trust.pem"),
    ),
];
/// The intermediate CAs of both test PKIs.
pub const INTERMEDIATES: [Embedded; 2] = [
    (
        "demo:intermediates.pem",
        include_bytes!("../fixtures/pki/intermediates.pem"),
    ),
    (
        "demo:gost/intermediates.pem",
        include_bytes!("../fixtures/gost/intermediates.pem"),
    ),
];
/// The current CRLs of both test PKIs.
pub const CRLS: [Embedded; 2] = [
    (
        "demo:all-current.pem",
        include_bytes!("../fixtures/crl/all-current.pem"),
    ),
    (
        "demo:gost/all-current.pem",
        include_bytes!("../fixtures/gost/crl/all-current.pem"),
    ),
];

pub const WARNING: &str = "\
################################################################################
##  WARNING: qoltanba serve is running on the BUNDLED DEMO CONFIGURATION.     ##
##  Its trust anchor, intermediates and CRLs are the TEST PKI of fixtures/,   ##
##  whose private keys are public. Every answer it gives is meaningless for   ##
##  real signatures. DO NOT USE IT IN PRODUCTION: give --config FILE (see     ##
##  config/qoltanba.example.toml) or QOLTANBA_TRUST__ANCHORS.                 ##
################################################################################";
