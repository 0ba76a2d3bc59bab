//! The DER of an OCSPRequest (RFC 6960 §4.1.1) for one certificate: one Request whose CertID
//! names the issuer by the hash of its subject name and of its public key, and the certificate by
//! its serial; optionally a nonce extension. Unsigned, as responders expect.
//!
//! `request_der` is the one entry point, so that it can be swapped for the core's builder.

use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{CertId, OcspRequest, Request, TbsRequest, Version};

use qoltanba_core::Certificate;

use super::settings::CertIdHash;

/// id-pkix-ocsp-nonce (RFC 6960 §4.4.1).
pub const ID_PKIX_OCSP_NONCE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// Length of the nonces sent: RFC 8954 asks for 1 to 32 octets and recommends 32.
pub const NONCE_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the issuer certificate cannot be read: {0}")]
    Issuer(String),
    #[error("the certificate's serial cannot be put in a CertID: {0}")]
    Serial(String),
    #[error("no randomness for the nonce")]
    Random,
    #[error("the request cannot be encoded: {0}")]
    Encode(String),
}

/// The DER of an OCSPRequest for `cert`, issued by `issuer`, with a CertID hashed with `hash`
/// and, when given, `nonce` as the nonce extension.
pub fn request_der(
    cert: &Certificate,
    issuer: &Certificate,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, RequestError> {
    request_der_for_serial(&cert.serial, issuer, hash, nonce)
}

/// The same for a serial alone (the readiness probe asks about a serial no certificate holds).
pub fn request_der_for_serial(
    serial: &[u8],
    issuer: &Certificate,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, RequestError> {
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id(serial, issuer, hash)?,
                single_request_extensions: None,
            }],
            request_extensions: nonce.map(nonce_extension).transpose()?.map(|e| vec![e]),
        },
        optional_signature: None,
    };
    request
        .to_der()
        .map_err(|e| RequestError::Encode(e.to_string()))
}

/// The CertID of the certificate with `serial` (its INTEGER's content octets, as encoded) under
/// `issuer`.
pub fn cert_id(
    serial: &[u8],
    issuer: &Certificate,
    hash: CertIdHash,
) -> Result<CertId, RequestError> {
    let issuer_cert = x509_cert::Certificate::from_der(&issuer.der)
        .map_err(|e| RequestError::Issuer(e.to_string()))?;
    let tbs = &issuer_cert.tbs_certificate;
    let name = tbs
        .subject
        .to_der()
        .map_err(|e| RequestError::Issuer(e.to_string()))?;
    let key = tbs.subject_public_key_info.subject_public_key.raw_bytes();
    let (oid, algorithm) = match hash {
        CertIdHash::Sha1 => (ID_SHA1, &ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
        CertIdHash::Sha256 => (ID_SHA256, &ring::digest::SHA256),
    };
    let digest = |bytes: &[u8]| {
        OctetString::new(ring::digest::digest(algorithm, bytes).as_ref())
            .map_err(|e| RequestError::Encode(e.to_string()))
    };
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: digest(&name)?,
        issuer_key_hash: digest(key)?,
        serial_number: serial_number(serial)?,
    })
}

/// The serial exactly as the certificate encodes it (no re-encoding that could change it).
fn serial_number(content: &[u8]) -> Result<SerialNumber, RequestError> {
    let header = der::Header::new(der::Tag::Integer, content.len())
        .map_err(|e| RequestError::Serial(e.to_string()))?;
    let mut tlv = header
        .to_der()
        .map_err(|e| RequestError::Serial(e.to_string()))?;
    tlv.extend_from_slice(content);
    SerialNumber::from_der(&tlv).map_err(|e| RequestError::Serial(e.to_string()))
}

fn nonce_extension(nonce: &[u8]) -> Result<Extension, RequestError> {
    let encode = |e: der::Error| RequestError::Encode(e.to_string());
    // The extension's value is the DER of the nonce OCTET STRING (RFC 6960 §4.4.1; RFC 8954).
    let value = OctetString::new(nonce)
        .and_then(|n| n.to_der())
        .map_err(encode)?;
    Ok(Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(value).map_err(encode)?,
    })
}

/// A fresh random nonce of [`NONCE_LEN`] octets.
pub fn new_nonce() -> Result<Vec<u8>, RequestError> {
    use ring::rand::SecureRandom;
    let mut nonce = vec![0u8; NONCE_LEN];
    ring::rand::SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| RequestError::Random)?;
    // A leading zero octet is harmless in an OCTET STRING; kept random.
    Ok(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Certificate {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/pki")
            .join(name);
        Certificate::from_der(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn the_request_names_the_certificate_and_echoes_the_nonce() {
        let cert = fixture("individual-sign.der");
        let issuer = fixture("nca-rsa.der");
        for (hash, oid, len) in [
            (CertIdHash::Sha1, ID_SHA1, 20),
            (CertIdHash::Sha256, ID_SHA256, 32),
        ] {
            let nonce = new_nonce().unwrap();
            let der = request_der(&cert, &issuer, hash, Some(&nonce)).unwrap();
            let parsed = OcspRequest::from_der(&der).unwrap();
            assert_eq!(parsed.nonce().unwrap().0.as_bytes(), nonce.as_slice());
            let id = &parsed.tbs_request.request_list[0].req_cert;
            assert_eq!(id.hash_algorithm.oid, oid);
            assert_eq!(id.issuer_key_hash.as_bytes().len(), len);
            assert_eq!(id.serial_number.as_bytes(), cert.serial.as_slice());
            // The same CertID as x509-cert's own reading of the issuer would give.
            let x = x509_cert::Certificate::from_der(&issuer.der).unwrap();
            let name = x.tbs_certificate.subject.to_der().unwrap();
            let algorithm = match hash {
                CertIdHash::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                CertIdHash::Sha256 => &ring::digest::SHA256,
            };
            assert_eq!(
                id.issuer_name_hash.as_bytes(),
                ring::digest::digest(algorithm, &name).as_ref()
            );
        }
        let bare = request_der(&cert, &issuer, CertIdHash::Sha1, None).unwrap();
        assert!(OcspRequest::from_der(&bare).unwrap().nonce().is_none());
    }

    #[test]
    fn serials_keep_their_encoding() {
        // A serial with a leading zero octet (high bit of the next one set) stays as it is.
        let serial = serial_number(&[0x00, 0x80, 0x01]).unwrap();
        assert_eq!(serial.to_der().unwrap(), vec![0x02, 0x03, 0x00, 0x80, 0x01]);
    }
}
