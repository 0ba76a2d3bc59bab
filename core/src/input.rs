//! Input formats at the edge: signatures as DER, PEM (`CMS`, `PKCS7`) or base64; certificate and
//! CRL files as DER or PEM bundles.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;

use crate::cert::Certificate;
use crate::crl::Crl;
use crate::phrase::{Phrase, PhraseKey};
use crate::usage::{UsageError, UsageReason};

/// Upper bounds on untrusted input.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    pub max_signature_bytes: u64,
    pub max_certificate_file_bytes: u64,
    pub max_crl_bytes: u64,
    pub max_crl_entries: usize,
    pub max_certificates_per_file: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_signature_bytes: 64 << 20,
            max_certificate_file_bytes: 16 << 20,
            max_crl_bytes: 512 << 20,
            max_crl_entries: 20_000_000,
            max_certificates_per_file: 1_000,
        }
    }
}

const SIGNATURE_LABELS: [&str; 3] = ["CMS", "PKCS7", "PKCS #7 SIGNED DATA"];

/// Turns signature input in any accepted encoding into DER. The error is a sentence for
/// `malformed_signature`.
pub fn signature_der(input: &[u8]) -> Result<Cow<'_, [u8]>, Phrase> {
    let trimmed = trim_ascii(strip_bom(input));
    if trimmed.is_empty() {
        return Err(Phrase::new(PhraseKey::InputEmpty));
    }
    if trimmed[0] == 0x30 {
        return Ok(Cow::Borrowed(trimmed));
    }
    let text = std::str::from_utf8(trimmed).map_err(|_| Phrase::new(PhraseKey::InputNotText))?;
    if text.contains("-----BEGIN ") {
        let block = first_pem_block(text);
        let (label, der) = pem_rfc7468::decode_vec(block.as_bytes())
            .map_err(|e| Phrase::new(PhraseKey::InputBadPem).text("error", e.to_string()))?;
        if !SIGNATURE_LABELS.contains(&label) {
            return Err(Phrase::new(PhraseKey::InputPemLabel).text("label", format!("{label:?}")));
        }
        return Ok(Cow::Owned(der));
    }
    decode_base64(text)
        .map(Cow::Owned)
        .ok_or_else(|| Phrase::new(PhraseKey::InputNotBase64))
}

fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

fn trim_ascii(input: &[u8]) -> &[u8] {
    // A DER structure never starts with white space, so trimming text input is safe; but trailing
    // bytes of DER must stay (they may be part of the content), so only trim text-looking input.
    if input.first() == Some(&0x30) {
        return input;
    }
    input.trim_ascii()
}

/// Standard or URL-safe base64, with or without padding and line breaks.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    // Portals usually send one unbroken line of standard base64: decode it as it is first; scan
    // for line breaks and copy only when that fails.
    if let Ok(decoded) = engines[0].decode(bytes) {
        if !decoded.is_empty() {
            return Some(decoded);
        }
    }
    let compact: Cow<'_, [u8]> = if bytes.iter().any(u8::is_ascii_whitespace) {
        Cow::Owned(
            bytes
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect(),
        )
    } else {
        Cow::Borrowed(bytes)
    };
    if compact.is_empty() {
        return None;
    }
    engines.iter().find_map(|e| e.decode(&compact).ok())
}

fn first_pem_block(text: &str) -> String {
    pem_blocks(text).into_iter().next().unwrap_or_default()
}

/// Splits a text into its PEM blocks (BEGIN..END lines included).
fn pem_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with("-----BEGIN ") {
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
            if line.starts_with("-----END ") {
                blocks.extend(current.take());
            }
        }
    }
    blocks
}

/// Reads a file, refusing it when over `limit` bytes. Errors name the file.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, UsageError> {
    let unreadable = |why: String| {
        UsageError::new(
            UsageReason::UnreadableFile,
            format!("{what} file {}: {why}", path.display()),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if meta.len() > limit {
        return Err(UsageError::new(
            UsageReason::TooLarge,
            format!(
                "{what} file {} is {} bytes, over the limit of {limit}",
                path.display(),
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| unreadable(e.to_string()))
}

/// Every certificate in DER or PEM bytes (a PEM bundle may hold many).
pub fn certificates_from_bytes(
    bytes: &[u8],
    limits: &InputLimits,
) -> Result<Vec<Arc<Certificate>>, String> {
    let ders = der_objects(
        bytes,
        &["CERTIFICATE", "TRUSTED CERTIFICATE"],
        "certificate",
    )?;
    if ders.len() > limits.max_certificates_per_file {
        return Err(format!(
            "{} certificates, more than the limit of {}",
            ders.len(),
            limits.max_certificates_per_file
        ));
    }
    ders.iter()
        .enumerate()
        .map(|(i, der)| {
            Certificate::from_der(der)
                .map(Arc::new)
                .map_err(|e| format!("certificate {}: {e}", i + 1))
        })
        .collect()
}

/// Every CRL in DER or PEM bytes.
pub fn crls_from_bytes(bytes: &[u8], limits: &InputLimits) -> Result<Vec<Arc<Crl>>, String> {
    crls_from_vec(bytes.to_vec(), limits)
}

/// Like [`crls_from_bytes`], taking ownership so a large DER CRL is indexed in place, not copied.
pub fn crls_from_vec(bytes: Vec<u8>, limits: &InputLimits) -> Result<Vec<Arc<Crl>>, String> {
    let ders = if bytes.first() == Some(&0x30) {
        vec![bytes]
    } else {
        der_objects(&bytes, &["X509 CRL"], "CRL")?
    };
    ders.into_iter()
        .enumerate()
        .map(|(i, der)| {
            Crl::from_der(der, limits.max_crl_entries)
                .map(Arc::new)
                .map_err(|e| format!("CRL {}: {e}", i + 1))
        })
        .collect()
}

fn der_objects(bytes: &[u8], labels: &[&str], what: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = strip_bom(bytes);
    if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes.to_vec()]);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| format!("neither DER nor PEM {what}"))?;
    let blocks = pem_blocks(text);
    if blocks.is_empty() {
        return Err(format!("no PEM {what} found"));
    }
    let mut out = Vec::new();
    for block in blocks {
        let (label, der) = pem_rfc7468::decode_vec(block.as_bytes())
            .map_err(|e| format!("unreadable PEM: {e}"))?;
        if !labels.contains(&label) {
            return Err(format!(
                "PEM label {label:?} is not a {what} (expected {})",
                labels[0]
            ));
        }
        out.push(der);
    }
    Ok(out)
}

/// Loads certificate files; errors are usage errors naming the file.
pub fn load_certificates(
    paths: &[impl AsRef<Path>],
    limits: &InputLimits,
    what: &str,
) -> Result<Vec<Arc<Certificate>>, UsageError> {
    let mut all = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let bytes = read_limited(path, limits.max_certificate_file_bytes, what)?;
        let certs = certificates_from_bytes(&bytes, limits).map_err(|why| {
            UsageError::new(
                UsageReason::UnreadableFile,
                format!("{what} file {}: {why}", path.display()),
            )
        })?;
        all.extend(certs);
    }
    Ok(all)
}

/// Loads CRL files; errors are usage errors naming the file.
pub fn load_crls(
    paths: &[impl AsRef<Path>],
    limits: &InputLimits,
) -> Result<Vec<Arc<Crl>>, UsageError> {
    let mut all = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let bytes = read_limited(path, limits.max_crl_bytes, "CRL")?;
        let crls = crls_from_vec(bytes, limits).map_err(|why| {
            UsageError::new(
                UsageReason::UnreadableFile,
                format!("CRL file {}: {why}", path.display()),
            )
        })?;
        all.extend(crls);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_with_line_breaks_and_without_padding() {
        assert_eq!(
            decode_base64("MIIB\nAA==\n").unwrap(),
            vec![0x30, 0x82, 0x01, 0x00]
        );
        assert_eq!(
            decode_base64("MIIBAA").unwrap(),
            vec![0x30, 0x82, 0x01, 0x00]
        );
        assert!(decode_base64("not base64 at all!").is_none());
    }

    #[test]
    fn wrong_pem_label_is_named() {
        let pem = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let err = signature_der(pem.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("CERTIFICATE"), "{err}");
    }

    #[test]
    fn empty_and_garbage_are_refused() {
        assert!(signature_der(b"").is_err());
        assert!(signature_der(b"   \n").is_err());
        assert!(signature_der(&[0xff, 0x00, 0x12]).is_err());
    }
}
