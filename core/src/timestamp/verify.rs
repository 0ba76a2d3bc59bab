//! Verification of a time-stamp token for one signature: the token's own CMS signature and the
//! TSA's certificate path through the core [`Verifier`] as of `genTime`, plus the imprint.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Sequence};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;

use super::token::{tokens_of, TimeStampToken};
use super::TimestampError;
use crate::cert::Certificate;
use crate::cms::SignerData;
use crate::crypto::{oid as alg_oid, HashAlg};
use crate::phrase::{Phrase, PhraseKey};
use crate::verdict::{
    first_reason, rfc3339, Check, CheckResult, Reason, SignerSummary, Status, Verdict,
};
use crate::verifier::{KeyUsagePolicy, Verifier, VerifyOptions};

/// What a time-stamp token proves about one signature.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TimestampVerdict {
    /// The token is valid and time-stamps this signature: `gen_time` is proven.
    pub verified: bool,
    /// `valid`, `invalid` or `indeterminate`, with the contract's meaning.
    pub status: Status,
    /// When not verified: the imprint's reason (`signature_invalid`, `unsupported_algorithm`) or
    /// the token verdict's reason, whichever comes first in the contract's order.
    pub reason: Option<Reason>,
    /// When not verified: why, for people.
    pub detail: Option<String>,
    /// `detail` apart from its values, for rendering it in another language.
    #[serde(skip)]
    pub phrase: Option<Phrase>,
    /// `genTime`, RFC 3339.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub gen_time: String,
    /// The TSA's certificate, when the token names one that was found.
    pub tsa: Option<SignerSummary>,
    /// The TSA policy OID.
    pub policy: String,
    /// The token's serial number, `0x…`.
    pub serial: String,
    /// The check of `messageImprint` against the signature value.
    pub imprint: Check,
    /// The check that the ESS signing-certificate attribute names the TSA's certificate.
    pub signing_certificate: Check,
    /// The core's verdict on the token's signature and the TSA certificate, at `genTime`, with
    /// the timeStamping key-usage rule.
    pub token: Verdict,
}

/// Verifies `token` as a time-stamp of `signature_value` (the OCTET STRING contents of the
/// time-stamped SignerInfo's `signature`).
///
/// The token's CMS signature and the TSA's certificate path, validity and revocation are judged by
/// `verifier.verify_message` at `genTime` with [`KeyUsagePolicy::TimeStamping`], the CRLs and
/// extra intermediates of `options` (its `at`, `key_usage` and `expected_id` are not used); then
/// `messageImprint` must be the hash of `signature_value` with the algorithm it states, and the
/// ESS signing-certificate attribute must name the TSA's certificate.
pub fn verify_token(
    verifier: &Verifier,
    token: &TimeStampToken,
    signature_value: &[u8],
    options: &VerifyOptions,
) -> TimestampVerdict {
    let gen_time = token.gen_time();
    let token_options = VerifyOptions {
        at: Some(gen_time),
        key_usage: KeyUsagePolicy::TimeStamping,
        crls: options.crls.clone(),
        extra_intermediates: options.extra_intermediates.clone(),
        unstamped_at: None,
        expected_id: None,
        // The deployment's policy requirements are about signers; a TSA's path takes the
        // defaults (any policy, none required).
        policy: Some(crate::PolicyOptions::default()),
        // The TSA's certificates get their status from the same sources as the signer's.
        revocation_policy: options.revocation_policy,
        ocsp: options.ocsp.clone(),
        ocsp_max_age: options.ocsp_max_age,
        ocsp_clock_skew: options.ocsp_clock_skew,
    };
    let verdict = verifier
        .verify_token_message(&token.message, &token_options)
        .unwrap_or_else(|e| Verdict::malformed(gen_time, Phrase::verbatim(e.to_string())));

    let imprint = match token.imprint_matches(signature_value) {
        Ok(true) => Check::pass(
            "imprint",
            Phrase::new(PhraseKey::ImprintMatches).text(
                "hash",
                token.imprint_algorithm().map(|h| h.name()).unwrap_or("?"),
            ),
        ),
        Ok(false) => Check::fail(
            "imprint",
            Reason::SignatureInvalid,
            Phrase::new(PhraseKey::ImprintDiffers).text(
                "hash",
                token.imprint_algorithm().map(|h| h.name()).unwrap_or("?"),
            ),
        ),
        Err(e) => Check::unknown(
            "imprint",
            Some(Reason::UnsupportedAlgorithm),
            Phrase::verbatim(e.to_string()),
        ),
    };

    let signer = token.message.signers.first();
    let tsa_certificate = verdict.evidence.path.first().cloned().or_else(|| {
        let signer = signer?;
        token
            .message
            .certificates
            .iter()
            .find(|c| signer.id.matches(c))
            .cloned()
    });
    let signing_certificate = match (signer, &tsa_certificate) {
        (Some(signer), Some(cert)) => signing_certificate_check(signer, cert),
        _ => Check::unknown(
            "signing_certificate",
            None,
            Phrase::new(PhraseKey::TsaCertificateMissing),
        ),
    };

    let own = [imprint.clone(), signing_certificate.clone()];
    let reason = first_reason(&own).into_iter().chain(verdict.reason).min();
    let phrase = reason.and_then(|r| {
        match own
            .iter()
            .find(|c| c.reason == Some(r) && c.result != CheckResult::Pass)
        {
            Some(c) => Some(Phrase::explained(r, c.phrase.clone())),
            None => verdict.message_phrase(),
        }
    });
    let detail = phrase.as_ref().map(Phrase::to_string);
    TimestampVerdict {
        verified: reason.is_none(),
        status: reason.map(Reason::status).unwrap_or(Status::Valid),
        reason,
        detail,
        phrase,
        gen_time: rfc3339(gen_time),
        tsa: verdict.signer.clone(),
        policy: token.policy(),
        serial: token.serial_hex(),
        imprint,
        signing_certificate,
        token: verdict,
    }
}

/// id-aa-signingCertificate (RFC 2634 §5.4) and id-aa-signingCertificateV2 (RFC 5035).
const SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `ESSCertID ::= SEQUENCE { certHash Hash (SHA-1), issuerSerial IssuerSerial OPTIONAL }`
#[derive(Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

/// `SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies ... OPTIONAL }`
#[derive(Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }`
#[derive(Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies ... OPTIONAL }`
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// RFC 3161 §2.4.1 (with RFC 5816): the TSA's signed attributes carry an ESS signing-certificate
/// attribute whose first certificate hash is the hash of the TSA's certificate, binding the
/// signature to that certificate.
pub(crate) fn signing_certificate_check(signer: &SignerData, tsa: &Certificate) -> Check {
    const NAME: &str = "signing_certificate";
    // (the hash the attribute states, the same hash of the TSA's certificate)
    type Hashes = Option<(Vec<u8>, Vec<u8>)>;
    let found = || -> Result<Hashes, String> {
        let Some(attrs) = &signer.signed_attributes else {
            return Ok(None);
        };
        let attrs = SetOfVec::<Attribute>::from_der(&attrs.der).map_err(|e| e.to_string())?;
        for attr in attrs.iter() {
            let Some(value) = attr.values.iter().next() else {
                continue;
            };
            if attr.oid == SIGNING_CERTIFICATE_V2 {
                let v2: SigningCertificateV2 = value.decode_as().map_err(|e| e.to_string())?;
                let first = v2
                    .certs
                    .first()
                    .ok_or("signingCertificateV2 names no certificate")?;
                let oid = first
                    .hash_algorithm
                    .as_ref()
                    .map(|a| a.oid)
                    .unwrap_or(alg_oid::SHA256);
                let hash = HashAlg::from_oid(&oid).map_err(|e| e.to_string())?;
                return Ok(Some((
                    first.cert_hash.as_bytes().to_vec(),
                    hash.digest(&tsa.der),
                )));
            }
            if attr.oid == SIGNING_CERTIFICATE {
                let v1: SigningCertificate = value.decode_as().map_err(|e| e.to_string())?;
                let first = v1
                    .certs
                    .first()
                    .ok_or("signingCertificate names no certificate")?;
                let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &tsa.der);
                return Ok(Some((
                    first.cert_hash.as_bytes().to_vec(),
                    sha1.as_ref().to_vec(),
                )));
            }
        }
        Ok(None)
    };
    match found() {
        Ok(Some((named, actual))) if named == actual => {
            Check::pass(NAME, Phrase::new(PhraseKey::EssNamesTsa))
        }
        Ok(Some(_)) => Check::fail(
            NAME,
            Reason::SignatureInvalid,
            Phrase::new(PhraseKey::EssNamesOther),
        ),
        Ok(None) => Check::fail(
            NAME,
            Reason::MalformedSignature,
            Phrase::new(PhraseKey::EssMissing),
        ),
        Err(why) => Check::fail(
            NAME,
            Reason::MalformedSignature,
            Phrase::new(PhraseKey::EssUnreadable).text("why", why),
        ),
    }
    .about(tsa)
}

/// Every time-stamp token of `signer`, each verified against `signer`'s signature value:
/// unreadable tokens as errors, the others with their verdict, in the order of the attributes.
pub fn verify_tokens(
    verifier: &Verifier,
    signer: &SignerData,
    options: &VerifyOptions,
) -> Vec<Result<(TimeStampToken, TimestampVerdict), TimestampError>> {
    tokens_of(signer)
        .into_iter()
        .map(|parsed| {
            parsed.map(|token| {
                let verdict = verify_token(verifier, &token, &signer.signature, options);
                (token, verdict)
            })
        })
        .collect()
}

/// The time at which `signer`'s signature provably existed: the earliest `genTime` among its
/// time-stamp tokens that verify (see [`verify_token`]), with that token's verdict. `None` when
/// the signer has no verified token.
pub fn proven_time(
    verifier: &Verifier,
    signer: &SignerData,
    options: &VerifyOptions,
) -> Option<(OffsetDateTime, TimestampVerdict)> {
    verify_tokens(verifier, signer, options)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|(_, verdict)| verdict.verified)
        .map(|(token, verdict)| (token.gen_time(), verdict))
        .min_by_key(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::{CmsLimits, SignedMessage};

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures")
                .join(rel),
        )
        .unwrap()
    }

    /// `samples/tsa-ess.cms`: signed by the test TSA's key with `openssl cms -sign -cades`, which
    /// adds the ESS signingCertificateV2 attribute naming the TSA certificate.
    fn signed_by_tsa() -> SignerData {
        SignedMessage::from_der(&fixture("samples/tsa-ess.cms"), CmsLimits::default())
            .unwrap()
            .signers
            .remove(0)
    }

    #[test]
    fn the_ess_attribute_must_name_the_tsa_certificate() {
        let signer = signed_by_tsa();
        let tsa = Certificate::from_der(&fixture("pki/tsa.der")).unwrap();
        let other = Certificate::from_der(&fixture("pki/tsa-noncritical.der")).unwrap();

        let check = signing_certificate_check(&signer, &tsa);
        assert_eq!(check.result, CheckResult::Pass, "{}", check.detail);
        let check = signing_certificate_check(&signer, &other);
        assert_eq!(check.reason, Some(Reason::SignatureInvalid));
        assert!(check.detail.contains("another certificate"));

        let bare = SignerData {
            signed_attributes: None,
            ..signer
        };
        let check = signing_certificate_check(&bare, &tsa);
        assert_eq!(check.reason, Some(Reason::MalformedSignature));
        assert!(check.detail.contains("no ESS signing-certificate"));
    }
}
