//! The outer shape shared by certificates and CRLs: SEQUENCE { tbs, signatureAlgorithm, signature }.
//!
//! Decoding it with `der` gives the exact to-be-signed bytes and the algorithm parameters (needed for
//! RSASSA-PSS) without re-encoding anything. The DER is held once; the to-be-signed part is a range
//! of it, so a CRL of tens of megabytes is never copied.

use std::ops::Range;

use der::asn1::BitStringRef;
use der::{Decode, Header, Reader, SliceReader, Tag};
use spki::AlgorithmIdentifierRef;

use crate::crypto::{CryptoError, SignatureAlgorithm};

/// The signed part of a certificate or CRL, ready for signature verification.
#[derive(Clone, Debug)]
pub struct Signed {
    der: Vec<u8>,
    tbs: Range<usize>,
    /// `Err` keeps the reason an algorithm is not supported, reported when the signature is checked.
    pub algorithm: Result<SignatureAlgorithm, CryptoError>,
    pub signature: Vec<u8>,
}

impl Signed {
    /// Parses the envelope of `der`, which must hold exactly one SEQUENCE.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self, der::Error> {
        let der: Vec<u8> = der.into();
        let mut reader = SliceReader::new(&der)?;
        let outer = Header::decode(&mut reader)?;
        outer.tag.assert_eq(Tag::Sequence)?;
        let (tbs, algorithm, signature) = reader.read_nested(outer.length, |reader| {
            let tbs = reader.tlv_bytes()?;
            // Offsets into `der` (nested readers count positions from their own start).
            let start = tbs.as_ptr() as usize - der.as_ptr() as usize;
            let tbs_len = tbs.len();
            let algorithm = AlgorithmIdentifierRef::decode(reader)?;
            // A signature BIT STRING with unused bits cannot verify; keep its bytes and let the
            // signature check fail instead of refusing to read the object.
            let signature = BitStringRef::decode(reader)?.raw_bytes().to_vec();
            Ok((
                start..start + tbs_len,
                SignatureAlgorithm::from_identifier(&algorithm),
                signature,
            ))
        })?;
        reader.finish(())?;
        Ok(Signed {
            der,
            tbs,
            algorithm,
            signature,
        })
    }

    /// The whole DER object.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The to-be-signed bytes (TBSCertificate / TBSCertList), as encoded.
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    pub fn verify_with(&self, issuer_spki: &[u8]) -> Result<(), CryptoError> {
        let alg = self.algorithm.clone()?;
        crate::crypto::verify(alg, issuer_spki, self.tbs(), &self.signature)
    }
}
