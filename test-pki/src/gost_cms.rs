//! CMS SignedData in the NCALayer profile, assembled from the `cms`/`x509-cert`/`der` types:
//! SignedData version 1, one SignerInfo per signer (version 1, issuerAndSerialNumber), the
//! signed attributes contentType, signingTime, messageDigest and signingCertificateV2 (one
//! ESSCertIDv2: the SHA-256 of the certificate, hashAlgorithm left out as the default, no
//! issuerSerial), and in `certificates` the signers' certificates only (NCALayer embeds no chain).
//!
//! GOST signers: digestAlgorithm the NCA's hash OID with NULL parameters (Streebog-512
//! 1.2.398.3.10.1.3.3 for 2015-512 keys), signatureAlgorithm the NCA's signature OID with NULL
//! parameters, the signature r‖s with each half little-endian over the hash of the DER SET of
//! the signed attributes. RSA signers (for the mixed sample): SHA-256 and sha256WithRSAEncryption,
//! PKCS#1 v1.5.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{
    ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::db::rfc5912::{ID_SHA_256, SHA_256_WITH_RSA_ENCRYPTION};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence, Tag};
use gost94::Digest as _;
use rsa::signature::{SignatureEncoding, Signer as _};
use sha2::{Digest as _, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

use crate::gost_certs::x509_time;
use crate::gost_keys::{GostKey, GOSTR3411_94, GOSTR3411_94_WITH_3410_2001};
use crate::Result;

/// The IIN in `request.json` whose last digit [`Damage::TamperContent`] changes.
const TAMPER_NEEDLE: &str = "880415300127";

/// id-aa-signingCertificateV2 (RFC 5035).
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `ESSCertIDv2` (RFC 5035) with the default hash (SHA-256) and no issuerSerial, as NCALayer.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

/// `SigningCertificateV2` (RFC 5035) without policies.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// How one signer signs.
pub enum SignerKey<'a> {
    /// A GOST key in the NCA profile (its own hash and signature OIDs).
    Gost(&'a GostKey),
    /// A GOST 34.310-2004 key written as a Russian CryptoPro signer: digest id-GostR3411-94
    /// (CryptoPro S-boxes), signature id-GostR3411-94-with-GostR3410-2001, RFC 4491 byte order.
    /// The NCA never produced this: the verifier must call it unsupported.
    GostCryptoPro94(&'a GostKey),
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rsa(&'a rsa::RsaPrivateKey),
}

/// One signer: its key and certificate.
pub struct Signer<'a> {
    pub key: SignerKey<'a>,
    pub cert: &'a Certificate,
}

/// A change made after signing, for the samples that must fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    None,
    /// The last digit of the IIN in the encapsulated content changes (7 ↔ 8).
    TamperContent,
    /// The low bit of the last byte of the first SignerInfo's signature value flips.
    BreakSignature,
}

impl<'a> Signer<'a> {
    fn digest_algorithm(&self) -> Result<AlgorithmIdentifierOwned> {
        Ok(match &self.key {
            SignerKey::Gost(key) => key.algo.digest_algorithm()?,
            SignerKey::GostCryptoPro94(_) => AlgorithmIdentifierOwned {
                oid: GOSTR3411_94,
                parameters: None,
            },
            SignerKey::Rsa(_) => AlgorithmIdentifierOwned {
                oid: ID_SHA_256,
                parameters: None,
            },
        })
    }

    fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match &self.key {
            SignerKey::Gost(key) => key.algo.signature_algorithm(),
            SignerKey::GostCryptoPro94(_) => AlgorithmIdentifierOwned {
                oid: GOSTR3411_94_WITH_3410_2001,
                parameters: None,
            },
            SignerKey::Rsa(_) => AlgorithmIdentifierOwned {
                oid: SHA_256_WITH_RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
        }
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        match &self.key {
            SignerKey::Gost(key) => key.algo.digest().digest(data),
            SignerKey::GostCryptoPro94(_) => gost94::Gost94CryptoPro::digest(data).to_vec(),
            SignerKey::Rsa(_) => Sha256::digest(data).to_vec(),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match &self.key {
            SignerKey::Gost(key) => key.sign(message),
            SignerKey::GostCryptoPro94(key) => {
                let nca = key.sign_digest(&self.hash(message))?;
                Ok(qoltanba_core::gost::signature_nca_to_rfc4491(&nca))
            }
            SignerKey::Rsa(key) => {
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((*key).clone());
                Ok(signer.try_sign(message)?.to_vec())
            }
        }
    }

    fn signer_info(&self, content: &[u8], signing_time: OffsetDateTime) -> Result<SignerInfo> {
        let attribute = |oid: ObjectIdentifier, value: Any| -> Result<Attribute> {
            Ok(Attribute {
                oid,
                values: SetOfVec::try_from(vec![value])?,
            })
        };
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(self.cert.to_der()?).to_vec())?,
            }],
        };
        let signed_attrs = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
            attribute(
                ID_SIGNING_TIME,
                Any::encode_from(&x509_time(signing_time)?)?,
            )?,
            attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(self.hash(content))?)?,
            )?,
            attribute(SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
        ])?;
        // RFC 5652 §5.4: the signature covers the DER SET OF the attributes.
        let signature = self.sign(&signed_attrs.to_der()?)?;
        let tbs = &self.cert.tbs_certificate;
        Ok(SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: self.digest_algorithm()?,
            signed_attrs: Some(signed_attrs),
            signature_algorithm: self.signature_algorithm(),
            signature: OctetString::new(self.sign_checked_len(signature)?)?,
            unsigned_attrs: None,
        })
    }

    /// The GOST signature sizes are fixed: 2 × the coordinate size.
    fn sign_checked_len(&self, signature: Vec<u8>) -> Result<Vec<u8>> {
        if let SignerKey::Gost(key) | SignerKey::GostCryptoPro94(key) = &self.key {
            let expected = 2 * key.algo.curve().coordinate_len();
            if signature.len() != expected {
                return Err(format!("GOST signature of {} bytes", signature.len()).into());
            }
        }
        Ok(signature)
    }
}

/// The DER ContentInfo of a SignedData over `content` by `signers` (each signer's certificate
/// embedded, nothing else), attached or detached, optionally damaged after signing.
pub fn sign(
    content: &[u8],
    detached: bool,
    signers: &[Signer<'_>],
    signing_time: OffsetDateTime,
    damage: Damage,
) -> Result<Vec<u8>> {
    let mut digest_algorithms = Vec::new();
    let mut infos = Vec::new();
    let mut certificates = Vec::new();
    for signer in signers {
        let alg = signer.digest_algorithm()?;
        if !digest_algorithms.contains(&alg) {
            digest_algorithms.push(alg);
        }
        infos.push(signer.signer_info(content, signing_time)?);
        certificates.push(CertificateChoices::Certificate(signer.cert.clone()));
    }
    let mut econtent = content.to_vec();
    match damage {
        Damage::None => {}
        Damage::TamperContent => {
            let text = String::from_utf8(econtent.clone())?;
            let at = text
                .find(TAMPER_NEEDLE)
                .ok_or("no IIN in the content to tamper with")?
                + TAMPER_NEEDLE.len()
                - 1;
            econtent[at] = if econtent[at] == b'7' { b'8' } else { b'7' };
        }
        Damage::BreakSignature => {
            let first = infos.first_mut().ok_or("no signer")?;
            let mut bytes = first.signature.as_bytes().to_vec();
            *bytes.last_mut().ok_or("empty signature")? ^= 0x01;
            first.signature = OctetString::new(bytes)?;
        }
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(digest_algorithms)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: if detached {
                None
            } else {
                Some(Any::new(Tag::OctetString, econtent)?)
            },
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(infos)?),
    };
    let info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    let der = info.to_der()?;
    // Strict DER, readable by the `cms` crate.
    let back = ContentInfo::from_der(&der)?;
    let parsed: SignedData = back.content.decode_as()?;
    if parsed.signer_infos.0.len() != signers.len() {
        return Err("SignedData lost a signer".into());
    }
    Ok(der)
}
