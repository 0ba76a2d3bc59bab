//! The time-stamping authorities of the test PKI (RFC 3161): `pki/tsa.pem` and
//! `pki/tsa-noncritical.pem` (RSA, issued by nca-rsa), `pki/tsa-ec.pem` (P-256, issued by nca-ec)
//! and `pki/tsa-revoked-ca.pem` (P-256, issued by nca-revoked-ca, whose own certificate is revoked
//! since 2026-02-01), with their keys, issued by the existing intermediate keys so that the rest
//! of `fixtures/` stays as it is.
//!
//! Usage: `cargo run -p test-pki --release -- tsa fixtures` (all four, fresh RSA keys), or
//! `cargo run -p test-pki --release -- tsa-seeded fixtures` (only the two P-256 TSAs, whose keys
//! are derived from fixed seeds: nothing else changes).

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
    /// The issuing intermediate (a name of `certs::specs()`).
    pub issuer: &'static str,
    /// A fresh RSA-2048 key (`None`) or a P-256 key derived from this seed.
    pub seed: Option<&'static str>,
    pub story: &'static str,
}

pub const TSA_CERTS: &[TsaCert] = &[
    TsaCert {
        name: "tsa",
        cn: TSA_CN,
        serial: 0x3001,
        critical_eku: true,
        issuer: "nca-rsa",
        seed: None,
        story: "the TSA: EKU timeStamping only, critical (RFC 3161 §2.3)",
    },
    TsaCert {
        name: "tsa-noncritical",
        cn: "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (TSA, EKU NON-CRITICAL)",
        serial: 0x3002,
        critical_eku: false,
        issuer: "nca-rsa",
        seed: None,
        story: "EKU timeStamping not critical: key_usage_not_signing as a TSA",
    },
    TsaCert {
        name: "tsa-ec",
        cn: "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (EC TSA)",
        serial: 0x3003,
        critical_eku: true,
        issuer: "nca-ec",
        seed: Some("qoltanba test-pki tsa-ec 1"),
        story: "a P-256 TSA issued by nca-ec (ECDSA-signed certificate, ECDSA-signed tokens)",
    },
    TsaCert {
        name: "tsa-revoked-ca",
        cn: "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (TSA OF A REVOKED CA)",
        serial: 0x3004,
        critical_eku: true,
        issuer: "nca-revoked-ca",
        seed: Some("qoltanba test-pki tsa-revoked-ca 1"),
        story: "a P-256 TSA issued by nca-revoked-ca (revoked in root.crl since 2026-02-01): its tokens dated after that are cert_revoked",
    },
];

fn spec(cert: &TsaCert) -> CertSpec {
    CertSpec {
        name: cert.name,
        issuer: cert.issuer,
        algo: if cert.seed.is_some() {
            KeyAlgo::P256
        } else {
            KeyAlgo::Rsa(2048)
        },
        subject: Subject::ca(cert.cn),
        usage: Usage::Sign,
        roles: Vec::new(),
        not_before: TSA_FROM,
        not_after: TSA_TO,
        path_len: None,
    }
}

/// Writes `pki/tsa*.pem`, `.der` and `pki/keys/tsa*.key.pem`: every TSA of [`TSA_CERTS`].
pub fn generate(fixtures: &Path) -> Result<()> {
    write(fixtures, TSA_CERTS.iter())
}

/// Writes only the TSAs with seeded keys, and the TSA section of `fixtures/README.md`: the
/// other fixtures stay byte for byte as they are.
pub fn generate_seeded(fixtures: &Path) -> Result<()> {
    write(fixtures, TSA_CERTS.iter().filter(|t| t.seed.is_some()))?;
    let path = fixtures.join("README.md");
    let readme = fs::read_to_string(&path)?;
    let start = readme
        .find("\n## Time-stamping authority")
        .ok_or("no TSA section in fixtures/README.md")?;
    let end = readme[start + 1..]
        .find("\n## ")
        .map_or(readme.len(), |i| start + 1 + i);
    let mut updated = readme[..start].to_owned();
    updated.push_str(&readme_section());
    updated.push_str(&readme[end..]);
    fs::write(path, updated)?;
    Ok(())
}

/// The certificate and key of an existing intermediate, loaded to issue with.
struct Issuer {
    key: rcgen::KeyPair,
    params: rcgen::CertificateParams,
    der: Vec<u8>,
}

fn load_issuer(pki_dir: &Path, name: &str) -> Result<Issuer> {
    let specs = certs::specs();
    let index = specs
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| format!("no {name} in the certificate table"))?;
    let spec = &specs[index];
    let alg = match spec.algo {
        KeyAlgo::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
        KeyAlgo::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyAlgo::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
    };
    let key = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(
        &fs::read_to_string(pki_dir.join(format!("keys/{name}.key.pem")))?,
        alg,
    )?;
    // Name and key identifier as when the intermediate was issued (serials follow the table
    // order from 0x1001; checked below against its certificate).
    let params = certs::params_for(spec, 0x1001 + index as u64, &key)?;
    let der = fs::read(pki_dir.join(format!("{name}.der")))?;
    Ok(Issuer { key, params, der })
}

fn write<'a>(fixtures: &Path, which: impl Iterator<Item = &'a TsaCert>) -> Result<()> {
    let pki_dir = fixtures.join("pki");
    eprintln!("TSA certificates:");
    for tsa in which {
        let loaded = load_issuer(&pki_dir, tsa.issuer)?;
        let issuer = rcgen::Issuer::from_params(&loaded.params, &loaded.key);
        let issuer_cert = x509_cert::Certificate::from_der(&loaded.der)?;
        let spec = spec(tsa);
        spec.subject.check()?;
        let key = match tsa.seed {
            Some(seed) => Key::p256_from_seed(seed)?,
            None => Key::generate(spec.algo)?,
        };
        let key_pair = key.rcgen_key_pair()?;
        // digitalSignature + nonRepudiation, SKI, AKI, CRL distribution point of the issuer...
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
        if parsed.tbs_certificate.issuer.to_der()?
            != issuer_cert.tbs_certificate.subject.to_der()?
        {
            return Err(format!(
                "{}: issuer name differs from {}'s subject",
                tsa.name, tsa.issuer
            )
            .into());
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

        // The signature must verify with the issuer's key, and OpenSSL must see a TSA
        // certificate.
        let mut cmd = Command::new("openssl");
        cmd.arg("verify")
            .arg("-CAfile")
            .arg(pki_dir.join("trust.pem"));
        cmd.arg("-untrusted")
            .arg(pki_dir.join(format!("{}.pem", tsa.issuer)));
        if tsa.critical_eku {
            cmd.args(["-purpose", "timestampsign"]);
        }
        cmd.arg(pki_dir.join(format!("{}.pem", tsa.name)));
        run(&mut cmd)?;
        eprintln!(
            "  {} issued by {} (serial 0x{:X})",
            tsa.name, tsa.issuer, tsa.serial
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
         regeneration), which issues them with the existing intermediate keys and touches nothing\n\
         else; `-- tsa-seeded fixtures` writes only the P-256 ones, whose keys come from fixed\n\
         seeds (and this section). Subject CN + C=KZ, keyUsage digitalSignature + nonRepudiation\n\
         (critical), EKU id-kp-timeStamping (1.3.6.1.5.5.7.3.8) only, valid ",
    );
    let _ = write!(
        s,
        "{} .. {}; not on any CRL themselves (their issuers' CRLs cover them).\n\n",
        crate::times::rfc3339(TSA_FROM),
        crate::times::rfc3339(TSA_TO)
    );
    s.push_str(
        "| name | issuer | key | serial | subject | story |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for t in TSA_CERTS {
        let key = if t.seed.is_some() {
            "ec-p256 (seeded)"
        } else {
            "rsa-2048"
        };
        let _ = writeln!(
            s,
            "| {} | {} | {key} | 0x{:X} | CN={}, C=KZ | {} |",
            t.name, t.issuer, t.serial, t.cn, t.story
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
        assert!(readme.contains(
            "| `pki/tsa.pem`, `pki/tsa-noncritical.pem`, `pki/tsa-ec.pem`, `pki/tsa-revoked-ca.pem` |"
        ));
    }
}
