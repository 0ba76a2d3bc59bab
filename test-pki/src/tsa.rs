//! The time-stamping authority of the test PKI (RFC 3161): `pki/tsa.pem` and `pki/tsa-noncritical.pem`
//! with their keys, issued by the existing nca-rsa key so that the rest of `fixtures/` stays as it
//! is.
//!
//! Usage: `cargo run -p test-pki --release -- tsa fixtures`

use std::fs;
use std::path::Path;
use std::process::Command;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::certs::{self, CertSpec, Usage};
use crate::keys::{Key, KeyAlgo};
use crate::names::Subject;
use crate::Result;

/// extKeyUsage (RFC 5280 §4.2.1.12).
const OID_EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
/// id-kp-timeStamping.
const TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

pub const TSA_CN: &str = "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (TSA)";
pub const TSA_FROM: OffsetDateTime = datetime!(2025-01-01 00:00:00 UTC);
pub const TSA_TO: OffsetDateTime = datetime!(2040-01-01 00:00:00 UTC);

/// One TSA certificate written here.
pub struct TsaCert {
    pub name: &'static str,
    pub cn: &'static str,
    /// Outside the 0x1001.. range of `certs::specs()` and the 0x2001 of the officers.
    pub serial: u64,
    /// Whether the extended key usage (timeStamping only) is marked critical.
    pub critical_eku: bool,
    pub story: &'static str,
}

pub const TSA_CERTS: &[TsaCert] = &[
    TsaCert {
        name: "tsa",
        cn: TSA_CN,
        serial: 0x3001,
        critical_eku: true,
        story: "the TSA: EKU timeStamping only, critical (RFC 3161 §2.3)",
    },
    TsaCert {
        name: "tsa-noncritical",
        cn: "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (TSA, EKU NON-CRITICAL)",
        serial: 0x3002,
        critical_eku: false,
        story: "EKU timeStamping not critical: key_usage_not_signing as a TSA",
    },
];

fn spec(cert: &TsaCert) -> CertSpec {
    CertSpec {
        name: cert.name,
        issuer: "nca-rsa",
        algo: KeyAlgo::Rsa(2048),
        subject: Subject::ca(cert.cn),
        usage: Usage::Sign,
        roles: Vec::new(),
        not_before: TSA_FROM,
        not_after: TSA_TO,
        path_len: None,
    }
}

/// Writes `pki/tsa*.pem`, `.der` and `pki/keys/tsa*.key.pem`.
pub fn generate(fixtures: &Path) -> Result<()> {
    let pki_dir = fixtures.join("pki");
    let issuer_spec = certs::specs()
        .into_iter()
        .find(|s| s.name == "nca-rsa")
        .ok_or("no nca-rsa in the certificate table")?;
    let issuer_key = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(
        &fs::read_to_string(pki_dir.join("keys/nca-rsa.key.pem"))?,
        &rcgen::PKCS_RSA_SHA256,
    )?;
    // Name and key identifier as when nca-rsa was issued (checked below against nca-rsa.pem).
    let issuer_params = certs::params_for(&issuer_spec, 0x1002, &issuer_key)?;
    let issuer = rcgen::Issuer::from_params(&issuer_params, &issuer_key);
    let nca_rsa = x509_cert::Certificate::from_der(&fs::read(pki_dir.join("nca-rsa.der"))?)?;

    eprintln!("TSA certificates:");
    for tsa in TSA_CERTS {
        let spec = spec(tsa);
        spec.subject.check()?;
        let key = Key::generate(spec.algo)?;
        let key_pair = key.rcgen_key_pair()?;
        // digitalSignature + nonRepudiation, SKI, AKI, CRL distribution point of nca-rsa...
        let mut params = certs::params_for(&spec, tsa.serial, &key_pair)?;
        // ... and, instead of the signing EKUs, timeStamping alone.
        params.extended_key_usages = Vec::new();
        let mut eku = rcgen::CustomExtension::from_oid_content(
            OID_EXT_KEY_USAGE,
            vec![TIME_STAMPING].to_der()?,
        );
        eku.set_criticality(tsa.critical_eku);
        params.custom_extensions.push(eku);
        let cert = params.signed_by(&key_pair, &issuer)?;

        let der = cert.der().to_vec();
        let parsed = x509_cert::Certificate::from_der(&der)?;
        if parsed.tbs_certificate.issuer.to_der()? != nca_rsa.tbs_certificate.subject.to_der()? {
            return Err(format!("{}: issuer name differs from nca-rsa's subject", tsa.name).into());
        }
        let written_eku = parsed
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE)
            .ok_or("no extKeyUsage written")?;
        if written_eku.critical != tsa.critical_eku {
            return Err(format!("{}: extKeyUsage criticality not as specified", tsa.name).into());
        }
        fs::write(pki_dir.join(format!("{}.pem", tsa.name)), cert.pem())?;
        fs::write(pki_dir.join(format!("{}.der", tsa.name)), &der)?;
        fs::write(
            pki_dir.join(format!("keys/{}.key.pem", tsa.name)),
            key.pkcs8_pem(),
        )?;

        // The signature must verify with nca-rsa's key, and OpenSSL must see a TSA certificate.
        let mut cmd = Command::new("openssl");
        cmd.arg("verify")
            .arg("-CAfile")
            .arg(pki_dir.join("trust.pem"));
        cmd.arg("-untrusted").arg(pki_dir.join("nca-rsa.pem"));
        if tsa.critical_eku {
            cmd.args(["-purpose", "timestampsign"]);
        }
        cmd.arg(pki_dir.join(format!("{}.pem", tsa.name)));
        run(&mut cmd)?;
        eprintln!(
            "  {} issued by nca-rsa (serial 0x{:X})",
            tsa.name, tsa.serial
        );
    }
    Ok(())
}

/// The section of fixtures/README.md about these certificates.
pub fn readme_section() -> String {
    use std::fmt::Write;
    let mut s = String::from(
        "\n## Time-stamping authority (`pki/tsa*`)\n\n\
         Written by `cargo run -p test-pki --release -- tsa fixtures` (also part of a full\n\
         regeneration), which issues them with the existing nca-rsa key and touches nothing else.\n\
         RSA-2048, subject CN + C=KZ, keyUsage digitalSignature + nonRepudiation (critical), EKU\n\
         id-kp-timeStamping (1.3.6.1.5.5.7.3.8) only, valid ",
    );
    let _ = write!(
        s,
        "{} .. {}; not on any CRL (nca-rsa.crl covers them).\n\n",
        crate::times::rfc3339(TSA_FROM),
        crate::times::rfc3339(TSA_TO)
    );
    s.push_str("| name | serial | subject | story |\n| --- | --- | --- | --- |\n");
    for t in TSA_CERTS {
        let _ = writeln!(
            s,
            "| {} | 0x{:X} | CN={}, C=KZ | {} |",
            t.name, t.serial, t.cn, t.story
        );
    }
    s
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fixtures_readme_lists_the_tsa_certificates() {
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/README.md"),
        )
        .unwrap();
        assert!(readme.contains(&super::readme_section()));
        assert!(readme.contains("| `pki/tsa.pem`, `pki/tsa-noncritical.pem` |"));
    }
}
