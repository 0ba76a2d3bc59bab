//! The cryptographic checks of one CMS signer: its algorithms, the signed attributes
//! (messageDigest, contentType) and the signature value (CONTRACT §1 reasons 2 and 10, §4).

use crate::cert::Certificate;
use crate::cms::{SignedAttributes, SignedMessage, SignerData};
use crate::crypto::{self, CryptoError, HashAlg, SignatureAlgorithm};
use crate::phrase::{Phrase, PhraseKey};
use crate::verdict::{Check, Reason};

/// The checks of `signer` over `content`, with its certificate when it was found.
pub fn signature_checks(
    message: &SignedMessage,
    signer: &SignerData,
    content: &[u8],
    cert: Option<&Certificate>,
) -> Vec<Check> {
    let (hash, algorithm) = match &signer.algorithm {
        Ok(pair) => *pair,
        Err(why) => return unusable_algorithm_checks(message, signer, content, cert, why),
    };
    let mut checks = Vec::new();
    let signed_bytes: &[u8] = match &signer.signed_attributes {
        Some(attrs) => {
            let digest = hash.digest(content);
            match &attrs.message_digest {
                Some(claimed) if *claimed == digest => checks.push(Check::pass(
                    "message_digest",
                    Phrase::new(PhraseKey::DigestMatches).text("hash", hash.name()),
                )),
                Some(_) => checks.push(Check::fail(
                    "message_digest",
                    Reason::SignatureInvalid,
                    Phrase::new(PhraseKey::DigestDiffers),
                )),
                // Reported by `attribute_structure_checks`.
                None => {}
            }
            checks.extend(attribute_structure_checks(message, attrs));
            &attrs.der
        }
        None => content,
    };
    let Some(cert) = cert else {
        checks.push(Check::unknown(
            "signature",
            None,
            Phrase::new(PhraseKey::SignatureNotChecked),
        ));
        return checks;
    };
    match crypto::verify(algorithm, &cert.spki, signed_bytes, &signer.signature) {
        Ok(()) => checks.push(Check::pass(
            "signature",
            Phrase::new(PhraseKey::SignatureVerifies).text("algorithm", algorithm.name()),
        )),
        Err(CryptoError::Unsupported(why)) => checks.push(Check::unknown(
            "signature",
            Some(Reason::UnsupportedAlgorithm),
            Phrase::verbatim(why),
        )),
        Err(e) => checks.push(Check::fail(
            "signature",
            Reason::SignatureInvalid,
            Phrase::new(PhraseKey::SignatureFails)
                .text("algorithm", algorithm.name())
                .phrase("error", e.phrase()),
        )),
    }
    checks
}

/// What is wrong with signed attributes whatever the hash: no messageDigest, no contentType, or a
/// contentType other than the content's (RFC 5652 §5.3, §11.1). No valid signature has them.
fn attribute_structure_checks(message: &SignedMessage, attrs: &SignedAttributes) -> Vec<Check> {
    let mut checks = Vec::new();
    if attrs.message_digest.is_none() {
        checks.push(Check::fail(
            "message_digest",
            Reason::SignatureInvalid,
            Phrase::new(PhraseKey::NoMessageDigest),
        ));
    }
    match attrs.content_type {
        Some(ct) if ct == message.content_type => {}
        Some(ct) => checks.push(Check::fail(
            "content_type",
            Reason::SignatureInvalid,
            Phrase::new(PhraseKey::ContentTypeDiffers)
                .text("signed", ct.to_string())
                .text("content", message.content_type.to_string()),
        )),
        None => checks.push(Check::fail(
            "content_type",
            Reason::SignatureInvalid,
            Phrase::new(PhraseKey::NoContentType),
        )),
    }
    checks
}

/// The checks of a signer whose digestAlgorithm or signatureAlgorithm is unknown, unsupported, or
/// does not fit the other (`why`).
///
/// Neither field is signed: anyone can rewrite them. Rewriting them must not turn a
/// signature that was altered into `indeterminate` (CONTRACT §4), so the signer is judged on what
/// does not depend on it. Sound evidence of an alteration:
///
/// 1. Structure: signed attributes without a messageDigest or contentType, or with a contentType
///    that is not the content's. No valid signature has them, whatever hash it used.
/// 2. The signatureAlgorithm names its hash (sha256WithRSAEncryption, RSASSA-PSS parameters,
///    ecdsa-with-SHA256, a GOST signature OID) and the signature does not verify with it. The
///    digestAlgorithm of a valid SignerInfo is that same hash (RFC 5754 §3, RFC 4056 §3, RFC 5753
///    §7.1.3 and their GOST counterparts), so a verifier that knew the digestAlgorithm would see
///    the same failure.
/// 3. The signature over the signed attributes verifies with a hash H the signatureAlgorithm
///    admits (or, when the signatureAlgorithm is unknown too, with an algorithm the signer's key
///    admits): the attributes, messageDigest included, are what the key holder signed. RFC 5652
///    §5.4 digests the content and the signed attributes with one algorithm, so the signed
///    messageDigest is the H digest of the signed content; when it equals the digest of the
///    content under no supported hash (H among them), the content was altered.
///
/// Not evidence, so left `unsupported_algorithm`: a signature under a bare key OID
/// (rsaEncryption, a GOST key) that fails with every supported hash, since the signer may have
/// used a hash this service does not implement (SHA-1) with an honest digestAlgorithm; and a
/// messageDigest that matches nothing while the attributes' signature is not verified, since it
/// may be the digest under such a hash.
fn unusable_algorithm_checks(
    message: &SignedMessage,
    signer: &SignerData,
    content: &[u8],
    cert: Option<&Certificate>,
    why: &CryptoError,
) -> Vec<Check> {
    let mut evidence = Vec::new();
    if let Some(attrs) = &signer.signed_attributes {
        evidence.extend(attribute_structure_checks(message, attrs));
    }
    if let Some(cert) = cert {
        evidence.extend(signature_evidence(signer, content, cert, why));
    }
    if evidence.is_empty() {
        return vec![Check::unknown(
            "signature",
            Some(Reason::UnsupportedAlgorithm),
            why.phrase(),
        )];
    }
    let mut checks = vec![Check::unknown(
        "digest_algorithm",
        Some(Reason::UnsupportedAlgorithm),
        why.phrase(),
    )];
    checks.extend(evidence);
    checks
}

/// Evidence 2 and 3 of [`unusable_algorithm_checks`].
fn signature_evidence(
    signer: &SignerData,
    content: &[u8],
    cert: &Certificate,
    why: &CryptoError,
) -> Vec<Check> {
    // The signatureAlgorithm is not signed either: when it is unknown too, what the key admits.
    let from_key;
    let implied = if signer.implied.candidates.is_empty() {
        from_key = SignatureAlgorithm::implied_by_key(&cert.spki);
        &from_key
    } else {
        &signer.implied
    };
    let signed_bytes: &[u8] = match &signer.signed_attributes {
        Some(attrs) => &attrs.der,
        None => content,
    };
    let mut verified: Option<SignatureAlgorithm> = None;
    let mut failed: Option<(SignatureAlgorithm, CryptoError)> = None;
    for &candidate in &implied.candidates {
        match crypto::verify(candidate, &cert.spki, signed_bytes, &signer.signature) {
            Ok(()) => {
                verified = Some(candidate);
                break;
            }
            // Not applicable to this key (a curve of another size, a weak key): no evidence.
            Err(CryptoError::Unsupported(_)) => {}
            Err(e) => {
                failed.get_or_insert((candidate, e));
            }
        }
    }
    match (verified, &signer.signed_attributes) {
        (Some(alg), Some(attrs)) => {
            let Some(claimed) = &attrs.message_digest else {
                return Vec::new(); // reported as structure
            };
            if HashAlg::ALL.iter().any(|h| h.digest(content) == *claimed) {
                // The content is intact; only the unsigned digestAlgorithm is unusable.
                return Vec::new();
            }
            vec![Check::fail(
                "message_digest",
                Reason::SignatureInvalid,
                Phrase::new(PhraseKey::DigestOfNoHash)
                    .text("algorithm", alg.name())
                    .phrase("why", why.phrase()),
            )]
        }
        // The signature over the content itself verifies: intact.
        (Some(_), None) => Vec::new(),
        (None, _) if implied.conclusive => match failed {
            Some((alg, e)) => vec![Check::fail(
                "signature",
                Reason::SignatureInvalid,
                Phrase::new(PhraseKey::SignatureFailsNamedHash)
                    .text("algorithm", alg.name())
                    .phrase("error", e.phrase())
                    .phrase("why", why.phrase()),
            )],
            None => Vec::new(),
        },
        (None, _) => Vec::new(),
    }
}
