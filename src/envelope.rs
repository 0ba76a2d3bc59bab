//! The outer shape shared by certificates and CRLs: SEQUENCE { tbs, signatureAlgorithm, signature }.
//!
//! Decoding it with `der` gives the exact to-be-signed bytes and the algorithm parameters (needed for
//! RSASSA-PSS) without trusting the inner parser to re-encode anything.

use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierRef;

use crate::crypto::{CryptoError, SignatureAlgorithm};

#[derive(Sequence)]
struct Envelope<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

/// The signed part of a certificate or CRL, ready for signature verification.
#[derive(Clone, Debug)]
pub struct Signed {
    pub tbs: Vec<u8>,
    /// `Err` keeps the reason an algorithm is not supported, reported when the signature is checked.
    pub algorithm: Result<SignatureAlgorithm, CryptoError>,
    pub signature: Vec<u8>,
}

impl Signed {
    pub fn from_der(der: &[u8]) -> Result<Self, der::Error> {
        let envelope = Envelope::from_der(der)?;
        // A signature BIT STRING with unused bits cannot verify; keep its bytes and let the
        // signature check fail instead of refusing to read the object.
        let signature = envelope.signature.raw_bytes().to_vec();
        Ok(Signed {
            tbs: envelope.tbs.to_der()?,
            algorithm: SignatureAlgorithm::from_identifier(&envelope.algorithm),
            signature,
        })
    }

    pub fn verify_with(&self, issuer_spki: &[u8]) -> Result<(), CryptoError> {
        let alg = self.algorithm.clone()?;
        crate::crypto::verify(alg, issuer_spki, &self.tbs, &self.signature)
    }
}
