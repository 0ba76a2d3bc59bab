//! The signed samples of `fixtures/gost/samples/`: their table (who signs what, how, and what
//! `qoltanba verify` must answer at the reference time) and their production with `gost_cms`.

use std::fs;
use std::path::Path;

use der::Decode;
use rsa::pkcs8::DecodePrivateKey;
use time::OffsetDateTime;

use crate::gost_certs::{invalid, Expect, GostPki, VALID};
use crate::gost_cms::{self, Damage, Signer, SignerKey};
use crate::Result;

/// signingTime of every sample: an hour before the reference time (reported, never trusted).
pub const SIGNING_TIME: OffsetDateTime = time::macros::datetime!(2026-06-01 11:00:00 UTC);

/// The RSA signer of the mixed sample: `fixtures/pki/individual-sign` (its certificate and key).
pub const RSA_SIGNER: &str = "rsa:individual-sign";

/// Which bundles a sample's expectation assumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundles {
    /// `gost/trust.pem`, `gost/intermediates.pem`, `gost/crl/all-current.pem`.
    Gost,
    /// Those and the RSA PKI's `pki/trust.pem`, `pki/intermediates.pem`, `crl/all-current.pem`.
    GostAndRsa,
}

/// How the sample is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The NCALayer profile.
    Nca,
    /// The first signer as a Russian CryptoPro GOST R 34.10-2001 / 34.11-94 signer.
    CryptoPro94,
}

/// One sample.
#[derive(Clone, Debug)]
pub struct GostSampleSpec {
    pub file: &'static str,
    /// Certificate names under `gost/pki/`, or [`RSA_SIGNER`].
    pub signers: Vec<&'static str>,
    /// Content file under `gost/samples/`.
    pub content: &'static str,
    pub detached: bool,
    pub damage: Damage,
    pub style: Style,
    pub bundles: Bundles,
    pub expect: Expect,
    pub story: &'static str,
}

impl GostSampleSpec {
    fn new(
        file: &'static str,
        signers: &[&'static str],
        expect: Expect,
        story: &'static str,
    ) -> Self {
        GostSampleSpec {
            file,
            signers: signers.to_vec(),
            content: "request.json",
            detached: false,
            damage: Damage::None,
            style: Style::Nca,
            bundles: Bundles::Gost,
            expect,
            story,
        }
    }

    fn legal(mut self) -> Self {
        self.content = "request-legal.json";
        self
    }

    fn detached(mut self) -> Self {
        self.detached = true;
        self
    }

    fn damage(mut self, damage: Damage) -> Self {
        self.damage = damage;
        self
    }

    pub fn mode(&self) -> &'static str {
        if self.detached {
            "detached"
        } else {
            "attached"
        }
    }
}

const fn indeterminate(reason: &'static str) -> Expect {
    Expect {
        status: "indeterminate",
        reason: Some(reason),
    }
}

/// All samples.
pub fn specs() -> Vec<GostSampleSpec> {
    let ind = &["individual-sign"][..];
    vec![
        GostSampleSpec::new("individual-attached.cms", ind, VALID,
            "valid; individual АХМЕТОВА АЙГЕРІМ, IIN 880415300127, role individual, GOST 2015-512"),
        GostSampleSpec::new("individual-detached.cms", ind, VALID,
            "valid with `--data request.json`; without it usage_error/missing_content; with request-legal.json invalid/signature_invalid")
            .detached(),
        GostSampleSpec::new("individual-tampered.cms", ind, invalid("signature_invalid"),
            "invalid: the IIN's last digit in the content changed after signing (messageDigest fails)")
            .damage(Damage::TamperContent),
        GostSampleSpec::new("individual-badsig.cms", ind, invalid("signature_invalid"),
            "invalid: the last byte of the GOST signature value changed")
            .damage(Damage::BreakSignature),
        GostSampleSpec::new("head-attached.cms", &["head-sign"], VALID,
            "valid; first head of ТОО \"ДАЛА МҰРА\", BIN 050340001235, role first_head")
            .legal(),
        GostSampleSpec::new("employee-attached.cms", &["employee-sign"], VALID,
            "valid; employee with signing right, role signing_right")
            .legal(),
        GostSampleSpec::new("staff-attached.cms", &["staff-sign"], VALID,
            "valid as a signature; employee without signing right, role employee")
            .legal(),
        GostSampleSpec::new("revoked.cms", &["revoked-sign"], invalid("cert_revoked"),
            "invalid: keyCompromise since 2026-03-01T00:00:00Z (nca-gost.crl); valid at 2026-02-28T23:59:59Z"),
        GostSampleSpec::new("hold.cms", &["hold-sign"], VALID,
            "valid: the certificateHold of 2026-01-10 in nca-gost.crl is released by nca-gost-delta.crl; with root.crl + nca-gost.crl alone invalid/cert_revoked"),
        GostSampleSpec::new("delta-revoked.cms", &["delta-revoked-sign"], invalid("cert_revoked"),
            "invalid: affiliationChanged since 2026-03-20 in nca-gost-delta.crl; with root.crl + nca-gost.crl alone valid"),
        GostSampleSpec::new("expired.cms", &["expired-sign"], invalid("cert_expired"),
            "invalid: notAfter 2025-06-01"),
        GostSampleSpec::new("future.cms", &["future-sign"], invalid("cert_not_yet_valid"),
            "invalid: notBefore 2030-01-01"),
        GostSampleSpec::new("individual-auth.cms", &["individual-auth"], invalid("key_usage_not_signing"),
            "invalid for signing: pre-2024 AUTH certificate (digitalSignature + keyEncipherment, EKU clientAuth)"),
        GostSampleSpec::new("evil.cms", &["evil-sign"], invalid("chain_untrusted"),
            "invalid: the issuer name is nca-gost's, but nca-gost's key does not verify the certificate (forged evil-ca)"),
        GostSampleSpec::new("two-signers.cms", &["individual-sign", "head-sign"], VALID,
            "valid; two GOST signers (individual-sign, head-sign), both valid"),
        GostSampleSpec::new("two-signers-one-revoked.cms", &["individual-sign", "revoked-sign"], invalid("cert_revoked"),
            "invalid overall: individual-sign valid, revoked-sign cert_revoked"),
        GostSampleSpec {
            bundles: Bundles::GostAndRsa,
            ..GostSampleSpec::new("mixed-gost-rsa.cms", &["individual-sign", RSA_SIGNER], VALID,
                "valid with the GOST and the RSA bundles: a GOST 2015-512 signer and the RSA PKI's individual-sign (SHA-256, PKCS#1 v1.5); with the GOST bundles alone the RSA signer is chain_untrusted")
        },
        GostSampleSpec::new("gost256-attached.cms", &["gost256-sign"], VALID,
            "valid; GOST 2015-256 key, Streebog-256 (1.2.398.3.10.1.3.2), signature 1.2.398.3.10.1.1.2.3.1"),
        GostSampleSpec::new("gost2004-attached.cms", &["gost2004-sign"], VALID,
            "valid; GOST 34.310-2004 key under nca-gost2004, GOST 34.311-95 (1.2.398.3.10.1.3.1), signature 1.2.398.3.10.1.1.1.2, role first_head")
            .legal(),
        GostSampleSpec {
            style: Style::CryptoPro94,
            ..GostSampleSpec::new("gost2004-cryptopro94.cms", &["gost2004-sign"], indeterminate("unsupported_algorithm"),
                "indeterminate: the 2004 key signing as a Russian CryptoPro signer (digest id-GostR3411-94 1.2.643.2.2.9 with the CryptoPro S-boxes, signature 1.2.643.2.2.3), which the NCA never used")
            .legal()
        },
    ]
}

/// The RSA signer's key and certificate, from the RSA PKI of `fixtures/pki/`.
pub struct RsaSigner {
    pub key: rsa::RsaPrivateKey,
    pub cert: x509_cert::Certificate,
}

impl RsaSigner {
    pub fn load(fixtures: &Path) -> Result<RsaSigner> {
        let name = RSA_SIGNER.trim_start_matches("rsa:");
        let key_path = fixtures.join("pki/keys").join(format!("{name}.key.pem"));
        let cert_path = fixtures.join("pki").join(format!("{name}.der"));
        let key =
            rsa::RsaPrivateKey::from_pkcs8_pem(&fs::read_to_string(&key_path).map_err(|e| {
                format!("{}: {e} (generate the RSA PKI first)", key_path.display())
            })?)?;
        let der = fs::read(&cert_path)?;
        let cert = x509_cert::Certificate::from_der(&der)?;
        if der::Encode::to_der(&cert)? != der {
            return Err(format!("{} does not round-trip", cert_path.display()).into());
        }
        Ok(RsaSigner { key, cert })
    }
}

/// Writes the content files and every sample into `dir`.
pub fn generate(
    dir: &Path,
    pki: &GostPki,
    rsa: &RsaSigner,
    specs: &[GostSampleSpec],
) -> Result<()> {
    fs::write(dir.join("request.json"), crate::samples::REQUEST_JSON)?;
    fs::write(
        dir.join("request-legal.json"),
        crate::samples::REQUEST_LEGAL_JSON,
    )?;
    for spec in specs {
        eprintln!("  sample {}", spec.file);
        let content = fs::read(dir.join(spec.content))?;
        let mut signers = Vec::new();
        for (i, name) in spec.signers.iter().enumerate() {
            signers.push(if *name == RSA_SIGNER {
                Signer {
                    key: SignerKey::Rsa(&rsa.key),
                    cert: &rsa.cert,
                }
            } else {
                let cert = pki.get(name);
                Signer {
                    key: match (spec.style, i) {
                        (Style::CryptoPro94, 0) => SignerKey::GostCryptoPro94(&cert.key),
                        _ => SignerKey::Gost(&cert.key),
                    },
                    cert: &cert.cert,
                }
            });
        }
        let der = gost_cms::sign(&content, spec.detached, &signers, SIGNING_TIME, spec.damage)?;
        fs::write(dir.join(spec.file), der)?;
    }
    Ok(())
}
