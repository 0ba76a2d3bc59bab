//! CertIDs (RFC 6960 §4.1.1) and the OCSP request the service sends.
//!
//! A CertID names a certificate by hashes of its issuer's name and key and its serial number; the
//! same computation serves the request and the matching of the answer, so the two cannot drift.

use const_oid::ObjectIdentifier;
use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{CertId, OcspRequest, Request, TbsRequest, Version};

use super::{oid, OcspError};
use crate::cert::Certificate;

/// The hash of a CertID. SHA-1 is what RFC 6960 and most responders use; the NCA's responder
/// answers with SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertIdHash {
    Sha1,
    Sha256,
}

impl CertIdHash {
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            oid::SHA1 => Some(CertIdHash::Sha1),
            crate::crypto::oid::SHA256 => Some(CertIdHash::Sha256),
            _ => None,
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            CertIdHash::Sha1 => oid::SHA1,
            CertIdHash::Sha256 => crate::crypto::oid::SHA256,
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            CertIdHash::Sha1 => Sha1::digest(data).to_vec(),
            CertIdHash::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CertIdHash::Sha1 => "SHA-1",
            CertIdHash::Sha256 => "SHA-256",
        }
    }
}

/// The contents of the subjectPublicKey BIT STRING of a certificate: what issuerKeyHash and a
/// responder's key hash are computed over (RFC 6960 §4.1.1, §4.2.1).
pub(crate) fn public_key_bits(cert: &Certificate) -> Result<&[u8], OcspError> {
    let spki = SubjectPublicKeyInfoRef::from_der(&cert.spki)
        .map_err(|e| OcspError::Request(format!("the key of {}: {e}", cert.subject)))?;
    let bits = spki.subject_public_key.raw_bytes();
    // A borrow of `cert.spki`: find it there (the reference type ties it to the local decoder).
    let start = bits.as_ptr() as usize - cert.spki.as_ptr() as usize;
    Ok(&cert.spki[start..start + bits.len()])
}

/// issuerNameHash and issuerKeyHash of `cert`, issued by `issuer`, with `hash`: the name hash
/// is over the issuer field of `cert` as encoded (RFC 6960 §4.1.1).
pub(crate) fn issuer_hashes(
    cert: &Certificate,
    issuer: &Certificate,
    hash: CertIdHash,
) -> Result<(Vec<u8>, Vec<u8>), OcspError> {
    Ok((
        hash.digest(&cert.issuer.der),
        hash.digest(public_key_bits(issuer)?),
    ))
}

/// The CertID of the certificate with `serial` (its INTEGER's content octets, as encoded), whose
/// issuer field encodes as `issuer_name_der`, issued by `issuer`.
fn cert_id(
    issuer_name_der: &[u8],
    serial: &[u8],
    issuer: &Certificate,
    hash: CertIdHash,
) -> Result<CertId, OcspError> {
    let bad = |e: der::Error| OcspError::Request(e.to_string());
    let name_hash = hash.digest(issuer_name_der);
    let key_hash = hash.digest(public_key_bits(issuer)?);
    // The serial as the certificate encodes it (big-endian two's complement, as a DER INTEGER):
    // never re-encoded, so that a responder's lookup sees the certificate's own bytes.
    let mut serial_der = vec![0x02];
    let len = der::Length::try_from(serial.len()).map_err(bad)?;
    len.encode_to_vec(&mut serial_der).map_err(bad)?;
    serial_der.extend_from_slice(serial);
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(name_hash).map_err(bad)?,
        issuer_key_hash: OctetString::new(key_hash).map_err(bad)?,
        serial_number: SerialNumber::from_der(&serial_der).map_err(bad)?,
    })
}

/// The DER OCSPRequest (RFC 6960 §4.1) asking about `cert`, issued by `issuer`, with a CertID
/// of `hash`, unsigned, with a nonce extension (RFC 8954) holding `nonce` when one is given.
///
/// The answer is judged by [`Verifier`](crate::Verifier) with the same nonce in an
/// [`OcspAnswer`](super::OcspAnswer): a response that does not echo it is then unusable.
pub fn request_der(
    cert: &Certificate,
    issuer: &Certificate,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, OcspError> {
    if !cert.issuer.matches(&issuer.subject) {
        return Err(OcspError::Request(format!(
            "{} is not the issuer of {} (issued by {})",
            issuer.subject, cert.subject, cert.issuer
        )));
    }
    encode(
        cert_id(&cert.issuer.der, &cert.serial, issuer, hash)?,
        nonce,
    )
}

/// The same request for a serial alone, under `issuer` (its subject names it): what a service
/// sends when it holds only the serial, such as a readiness probe about a serial no certificate
/// holds.
pub fn request_der_for_serial(
    serial: &[u8],
    issuer: &Certificate,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, OcspError> {
    encode(cert_id(&issuer.subject.der, serial, issuer, hash)?, nonce)
}

/// One unsigned request for `cert_id`, with the nonce extension when a nonce is given.
fn encode(cert_id: CertId, nonce: Option<&[u8]>) -> Result<Vec<u8>, OcspError> {
    let bad = |e: der::Error| OcspError::Request(e.to_string());
    let request_extensions = match nonce {
        None => None,
        Some(n) if n.is_empty() || n.len() > 32 => {
            // RFC 8954 §2.1: 1 to 32 octets.
            return Err(OcspError::Request(format!(
                "a nonce of {} bytes (1 to 32 allowed)",
                n.len()
            )));
        }
        Some(n) => Some(vec![Extension {
            extn_id: oid::NONCE,
            critical: false,
            extn_value: OctetString::new(OctetString::new(n).map_err(bad)?.to_der().map_err(bad)?)
                .map_err(bad)?,
        }]),
    };
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            request_extensions,
        },
        optional_signature: None,
    };
    request.to_der().map_err(bad)
}
