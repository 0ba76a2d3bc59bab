//! Signed CMS samples, produced by the `openssl cms -sign` command line tool,
//! and the variants derived from them (tampered content, bad signature, other encodings).

use std::fs;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::Decode;
use serde::Serialize;

use crate::certs::Pki;
use crate::Result;

/// Content of the individual samples.
pub const REQUEST_JSON: &str = "{\"service\":\"Мәдени құндылықтарды уақытша әкетуге куәлік\",\"iin\":\"880415300127\",\"date\":\"2026-06-01\"}";
/// Content of the legal-entity samples.
pub const REQUEST_LEGAL_JSON: &str = "{\"service\":\"Заңды тұлғаны тіркеу туралы анықтама\",\"bin\":\"050340001235\",\"date\":\"2026-06-01\"}";

/// The IIN inside request.json whose last digit individual-tampered.cms changes.
const TAMPER_NEEDLE: &str = "880415300127";

/// Expected verdict of a verifier.
#[derive(Clone, Debug, Serialize)]
pub struct Expect {
    /// "valid" or "invalid".
    pub verdict: &'static str,
    /// Reason label when invalid.
    pub reason: Option<&'static str>,
}

const fn valid() -> Expect {
    Expect {
        verdict: "valid",
        reason: None,
    }
}

const fn invalid(reason: &'static str) -> Expect {
    Expect {
        verdict: "invalid",
        reason: Some(reason),
    }
}

const fn indeterminate(reason: &'static str) -> Expect {
    Expect {
        verdict: "indeterminate",
        reason: Some(reason),
    }
}

/// Output encoding of a sample file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Der,
    /// PEM with label CMS.
    PemCms,
    /// PEM with label PKCS7.
    PemPkcs7,
    /// Base64 with a line break every 64 characters.
    Base64Lines,
    /// Base64 on a single line, no final newline.
    Base64Line,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Der => "der",
            Format::PemCms => "pem-cms",
            Format::PemPkcs7 => "pem-pkcs7",
            Format::Base64Lines => "base64",
            Format::Base64Line => "base64-single-line",
        }
    }
}

/// How a sample is made.
#[derive(Clone, Debug)]
pub enum Make {
    /// `openssl cms -sign` with the given extra options.
    Sign { opts: Vec<&'static str> },
    /// Copy of another sample with one character of the encapsulated content changed.
    TamperContent { from: &'static str },
    /// Copy of another sample with the last byte of the first signature value changed.
    BadSignature { from: &'static str },
    /// Another sample in a different encoding.
    Reencode { from: &'static str, format: Format },
}

/// Specification of one sample.
#[derive(Clone, Debug)]
pub struct SampleSpec {
    pub file: &'static str,
    /// Names of the signing certificates, in signer order.
    pub signers: Vec<&'static str>,
    pub detached: bool,
    /// Content file name under samples/.
    pub content: &'static str,
    /// Certificates added with -certfile (the issuing intermediate).
    pub extra_certs: Vec<&'static str>,
    pub make: Make,
    pub expect_t0: Expect,
    /// One-line verdict story.
    pub story: &'static str,
}

impl SampleSpec {
    fn signed(
        file: &'static str,
        signers: &[&'static str],
        extra_certs: &[&'static str],
        expect_t0: Expect,
        story: &'static str,
    ) -> Self {
        SampleSpec {
            file,
            signers: signers.to_vec(),
            detached: false,
            content: "request.json",
            extra_certs: extra_certs.to_vec(),
            make: Make::Sign { opts: Vec::new() },
            expect_t0,
            story,
        }
    }

    fn opts(mut self, opts: &[&'static str]) -> Self {
        self.make = Make::Sign {
            opts: opts.to_vec(),
        };
        self
    }

    fn detached(mut self) -> Self {
        self.detached = true;
        self
    }

    fn legal(mut self) -> Self {
        self.content = "request-legal.json";
        self
    }

    fn derived(
        file: &'static str,
        base: &SampleSpec,
        make: Make,
        expect_t0: Expect,
        story: &'static str,
    ) -> Self {
        SampleSpec {
            file,
            make,
            expect_t0,
            story,
            ..base.clone()
        }
    }

    /// Certificates inside the CMS (signers unless -nocerts, then -certfile ones).
    pub fn included_certs(&self) -> Vec<&'static str> {
        let mut certs = Vec::new();
        if !self.opt_present("-nocerts") {
            certs.extend(self.signers.iter().copied());
        }
        for c in &self.extra_certs {
            if !certs.contains(c) {
                certs.push(c);
            }
        }
        certs
    }

    /// The openssl options of this sample, or of the sample it was derived from.
    pub fn openssl_opts<'a>(&'a self, all: &'a [SampleSpec]) -> Vec<&'static str> {
        match &self.make {
            Make::Sign { opts } => opts.clone(),
            Make::TamperContent { from }
            | Make::BadSignature { from }
            | Make::Reencode { from, .. } => find(all, from).openssl_opts(all),
        }
    }

    fn opt_present(&self, opt: &str) -> bool {
        matches!(&self.make, Make::Sign { opts } if opts.contains(&opt))
    }

    pub fn format(&self) -> Format {
        match self.make {
            Make::Reencode { format, .. } => format,
            _ => Format::Der,
        }
    }
}

fn find<'a>(all: &'a [SampleSpec], file: &str) -> &'a SampleSpec {
    all.iter()
        .find(|s| s.file == file)
        .unwrap_or_else(|| panic!("unknown sample {file}"))
}

/// All samples; a derived sample comes after the one it is derived from.
pub fn specs() -> Vec<SampleSpec> {
    let rsa = &["nca-rsa"][..];
    let ec = &["nca-ec"][..];
    let ind = &["individual-sign"][..];
    let base = SampleSpec::signed(
        "individual-attached.cms",
        ind,
        rsa,
        valid(),
        "valid; signer individual-sign (individual, IIN 880415300127)",
    );
    let mut v = vec![base.clone()];
    for (file, format) in [
        ("individual-attached.pem", Format::PemCms),
        ("individual-attached.p7.pem", Format::PemPkcs7),
        ("individual-attached.b64", Format::Base64Lines),
        ("individual-attached.b64line", Format::Base64Line),
    ] {
        v.push(SampleSpec::derived(
            file,
            &base,
            Make::Reencode {
                from: "individual-attached.cms",
                format,
            },
            valid(),
            "valid; same DER as individual-attached.cms, other encoding",
        ));
    }
    v.extend([
        SampleSpec::signed("individual-detached.cms", ind, rsa, valid(),
            "valid with request.json as detached content; without it the content is missing")
            .detached(),
        SampleSpec::derived("individual-tampered.cms", &base,
            Make::TamperContent { from: "individual-attached.cms" },
            invalid("signature_invalid"),
            "invalid: one digit of the IIN in the content changed, messageDigest does not match"),
        SampleSpec::derived("individual-badsig.cms", &base,
            Make::BadSignature { from: "individual-attached.cms" },
            invalid("signature_invalid"),
            "invalid: last byte of the signature value changed"),
        SampleSpec::signed("individual-pss.cms", ind, rsa, valid(),
            "valid; RSASSA-PSS, SHA-256, maximal salt length")
            .opts(&["-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:max"]),
        SampleSpec::signed("individual-pss-digest.cms", ind, rsa, valid(),
            "valid; RSASSA-PSS, SHA-384, salt length = digest length")
            .opts(&["-md", "sha384", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:digest"]),
        SampleSpec::signed("individual-sha384.cms", ind, rsa, valid(),
            "valid; PKCS#1 v1.5 with SHA-384")
            .opts(&["-md", "sha384"]),
        SampleSpec::signed("individual-sha512.cms", ind, rsa, valid(),
            "valid; PKCS#1 v1.5 with SHA-512")
            .opts(&["-md", "sha512"]),
        SampleSpec::signed("individual-keyid.cms", ind, rsa, valid(),
            "valid; signer identified by subjectKeyIdentifier")
            .opts(&["-keyid"]),
        SampleSpec::signed("individual-noattr.cms", ind, rsa, valid(),
            "valid; no signed attributes (signature over the content itself, no signing time)")
            .opts(&["-noattr"]),
        SampleSpec::signed("individual-nocerts.cms", ind, &[], invalid("chain_untrusted"),
            "no certificates inside: invalid unless individual-sign.pem (and nca-rsa.pem) are supplied, then valid")
            .opts(&["-nocerts"]),
        SampleSpec::signed("individual-sha1.cms", ind, rsa, indeterminate("unsupported_algorithm"),
            "indeterminate: SHA-1 digest is not supported")
            .opts(&["-md", "sha1"]),
        SampleSpec::signed("individual-auth.cms", &["individual-auth"], rsa, invalid("key_usage_not_signing"),
            "invalid for signing: AUTH certificate (digitalSignature+keyEncipherment, no nonRepudiation); chain and revocation are fine"),
        SampleSpec::signed("head-attached.cms", &["head-sign"], rsa, valid(),
            "valid; first head of ТОО \"ДАЛА МҰРА\" (BIN 050340001235), role first_head")
            .legal(),
        SampleSpec::signed("employee-attached.cms", &["employee-sign"], rsa, valid(),
            "valid; employee with signing right, role signing_right")
            .legal(),
        SampleSpec::signed("employee-auth.cms", &["employee-auth"], rsa, invalid("key_usage_not_signing"),
            "invalid for signing: AUTH certificate of the employee")
            .legal(),
        SampleSpec::signed("ec-attached.cms", &["ec-individual-sign"], ec, valid(),
            "valid; ECDSA P-256 with SHA-256 under nca-ec"),
        SampleSpec::signed("ec-detached.cms", &["ec-individual-sign"], ec, valid(),
            "valid with request.json as detached content")
            .detached(),
        SampleSpec::signed("ec-head-attached.cms", &["ec-head-sign"], ec, valid(),
            "valid; first head of АҚ \"ҚАЗАҚ ЖОЛДАРЫ\" (BIN 040340001233), ECDSA P-256")
            .legal(),
        SampleSpec::signed("p384.cms", &["p384-sign"], ec, indeterminate("unsupported_algorithm"),
            "indeterminate: P-384 signer key is not supported"),
        SampleSpec::signed("revoked.cms", &["revoked-sign"], rsa, invalid("cert_revoked"),
            "at T0 invalid/cert_revoked (keyCompromise since 2026-03-01); at 2026-02-01 valid"),
        SampleSpec::signed("hold.cms", &["hold-sign"], rsa, valid(),
            "with nca-rsa.crl alone invalid/cert_revoked (certificateHold since 2026-01-10); with nca-rsa-delta.crl too valid (removeFromCRL)"),
        SampleSpec::signed("delta-revoked.cms", &["delta-revoked-sign"], rsa, invalid("cert_revoked"),
            "with nca-rsa.crl + nca-rsa-delta.crl invalid/cert_revoked (affiliationChanged since 2026-03-20); with the full CRL alone valid"),
        SampleSpec::signed("expired.cms", &["expired-sign"], rsa, invalid("cert_expired"),
            "at T0 invalid/cert_expired (notAfter 2025-06-01); at 2025-05-20 valid with root-archive-2025.crl + nca-rsa-archive-2025.crl"),
        SampleSpec::signed("future.cms", &["future-sign"], rsa, invalid("cert_not_yet_valid"),
            "at T0 invalid/cert_not_yet_valid (notBefore 2030-01-01); at 2030-06-01 valid"),
        SampleSpec::signed("revoked-ca-ee.cms", &["revoked-ca-ee-sign"], &["nca-revoked-ca"], invalid("cert_revoked"),
            "at T0 invalid/cert_revoked: the issuing CA nca-revoked-ca is revoked in root.crl (cACompromise since 2026-02-01); at 2026-01-15 valid"),
        SampleSpec::signed("evil.cms", &["evil-sign"], &["evil-root"], invalid("chain_untrusted"),
            "invalid: issuer name equals nca-rsa but the chain leads to the untrusted evil-root (nca-rsa's key does not verify it)"),
        SampleSpec::signed("two-signers.cms", &["individual-sign", "head-sign"], rsa, valid(),
            "valid; two signers (individual-sign, head-sign), both valid"),
        SampleSpec::signed("two-signers-one-revoked.cms", &["individual-sign", "revoked-sign"], rsa, invalid("cert_revoked"),
            "at T0 invalid overall: individual-sign valid, revoked-sign cert_revoked"),
    ]);
    v
}

/// Writes the content files and every sample into `dir`.
pub fn generate(dir: &Path, pki_dir: &Path, pki: &Pki, specs: &[SampleSpec]) -> Result<()> {
    fs::write(dir.join("request.json"), REQUEST_JSON)?;
    fs::write(dir.join("request-legal.json"), REQUEST_LEGAL_JSON)?;
    for spec in specs {
        eprintln!("  sample {}", spec.file);
        let out = dir.join(spec.file);
        match &spec.make {
            Make::Sign { opts } => openssl_sign(dir, pki_dir, pki, spec, opts, &out)?,
            Make::TamperContent { from } => {
                let der = fs::read(dir.join(from))?;
                fs::write(&out, tamper_content(&der, spec.content, dir)?)?;
            }
            Make::BadSignature { from } => {
                let der = fs::read(dir.join(from))?;
                fs::write(&out, break_signature(&der)?)?;
            }
            Make::Reencode { from, format } => {
                let der = fs::read(dir.join(from))?;
                fs::write(&out, encode(&der, *format)?)?;
            }
        }
        if spec.format() == Format::Der {
            // Every DER sample must parse as strict DER SignedData.
            signed_data(&fs::read(&out)?)?;
        }
    }
    Ok(())
}

fn openssl_sign(
    dir: &Path,
    pki_dir: &Path,
    pki: &Pki,
    spec: &SampleSpec,
    opts: &[&str],
    out: &Path,
) -> Result<()> {
    let mut cmd = Command::new("openssl");
    cmd.args(["cms", "-sign", "-binary", "-outform", "DER"]);
    cmd.arg("-in").arg(dir.join(spec.content));
    cmd.arg("-out").arg(out);
    if !spec.detached {
        cmd.arg("-nodetach");
    }
    for signer in &spec.signers {
        let cert = pki.get(signer);
        cmd.arg("-signer")
            .arg(pki_dir.join(format!("{}.pem", cert.spec.name)));
        cmd.arg("-inkey").arg(
            pki_dir
                .join("keys")
                .join(format!("{}.key.pem", cert.spec.name)),
        );
    }
    match spec.extra_certs.as_slice() {
        [] => {}
        [one] => {
            cmd.arg("-certfile").arg(pki_dir.join(format!("{one}.pem")));
        }
        _ => return Err("at most one -certfile certificate per sample".into()),
    }
    cmd.args(opts);
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "openssl cms -sign failed for {}: {}",
            spec.file,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

fn signed_data(der: &[u8]) -> Result<SignedData> {
    let ci = ContentInfo::from_der(der)?;
    if ci.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return Err("not a SignedData ContentInfo".into());
    }
    Ok(ci.content.decode_as::<SignedData>()?)
}

/// Changes the last digit of the IIN inside the encapsulated content.
fn tamper_content(der: &[u8], content_file: &str, dir: &Path) -> Result<Vec<u8>> {
    let content = fs::read(dir.join(content_file))?;
    let sd = signed_data(der)?;
    let econtent = sd
        .encap_content_info
        .econtent
        .ok_or("sample to tamper has no encapsulated content")?;
    if econtent.value() != content.as_slice() {
        return Err("encapsulated content differs from the content file".into());
    }
    let start = find_unique(der, &content)?;
    let digit = start + find_unique(&content, TAMPER_NEEDLE.as_bytes())? + TAMPER_NEEDLE.len() - 1;
    let mut out = der.to_vec();
    out[digit] = if out[digit] == b'7' { b'8' } else { b'7' };
    let tampered = signed_data(&out)?;
    let econtent = tampered.encap_content_info.econtent.ok_or("content lost")?;
    if econtent.value() == content.as_slice() || econtent.value().len() != content.len() {
        return Err("tampering did not change the content".into());
    }
    Ok(out)
}

/// Flips the low bit of the last byte of the first signer's signature value.
fn break_signature(der: &[u8]) -> Result<Vec<u8>> {
    let sd = signed_data(der)?;
    let signer = sd.signer_infos.0.get(0).ok_or("no signer")?;
    let sig = signer.signature.as_bytes().to_vec();
    let start = find_unique(der, &sig)?;
    let mut out = der.to_vec();
    out[start + sig.len() - 1] ^= 0x01;
    let broken = signed_data(&out)?;
    let broken_sig = broken.signer_infos.0.get(0).ok_or("no signer")?;
    if broken_sig.signature.as_bytes() == sig.as_slice() {
        return Err("signature was not changed as intended".into());
    }
    Ok(out)
}

fn find_unique(haystack: &[u8], needle: &[u8]) -> Result<usize> {
    let mut hits = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i);
    match (hits.next(), hits.next()) {
        (Some(i), None) => Ok(i),
        (None, _) => Err("byte sequence not found".into()),
        (Some(_), Some(_)) => Err("byte sequence is not unique".into()),
    }
}

/// Re-encodes DER bytes: PEM (CMS or PKCS7 label) or base64.
pub fn encode(der: &[u8], format: Format) -> Result<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines = || -> String {
        b64.as_bytes()
            .chunks(64)
            .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
            .collect()
    };
    Ok(match format {
        Format::Der => der.to_vec(),
        Format::PemCms => {
            format!("-----BEGIN CMS-----\n{}-----END CMS-----\n", lines()).into_bytes()
        }
        Format::PemPkcs7 => {
            format!("-----BEGIN PKCS7-----\n{}-----END PKCS7-----\n", lines()).into_bytes()
        }
        Format::Base64Lines => lines().into_bytes(),
        Format::Base64Line => b64.into_bytes(),
    })
}
