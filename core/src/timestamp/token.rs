//! A time-stamp token (RFC 3161 §2.4.2): a CMS SignedData whose encapsulated content is a
//! `TSTInfo`, parsed once into a [`TimeStampToken`].

use der::asn1::AnyRef;
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::GeneralName;

use super::asn1::{Accuracy, TstInfo};
use super::{oid, TimestampError};
use crate::asn1::{each, RawSet};
use crate::cms::{CmsLimits, SignedMessage, SignerData};
use crate::crypto::{describe_oid, HashAlg};

/// A parsed time-stamp token: the SignedData (verified like any signature by the core) and its
/// `TSTInfo`.
#[derive(Debug, Clone)]
pub struct TimeStampToken {
    der: Vec<u8>,
    /// The token's SignedData: one signer, the TSA, over the DER `TSTInfo`.
    pub message: SignedMessage,
    /// The decoded `TSTInfo`.
    pub info: TstInfo,
}

impl TimeStampToken {
    /// Parses the DER ContentInfo of a token. Checks the shape only (one signer, eContentType
    /// id-ct-TSTInfo, a readable TSTInfo v1); [`super::verify_token`] checks the rest.
    pub fn from_der(der: &[u8]) -> Result<Self, TimestampError> {
        let message = SignedMessage::from_der(der, CmsLimits::default())
            .map_err(|e| TimestampError::NotCms(e.to_string()))?;
        if message.content_type != oid::TST_INFO {
            return Err(TimestampError::NotTstInfo(describe_oid(
                &message.content_type,
            )));
        }
        if message.signers.len() != 1 {
            return Err(TimestampError::SignerCount(message.signers.len()));
        }
        let content = message
            .content
            .as_deref()
            .ok_or(TimestampError::NoTstInfo)?;
        let info =
            TstInfo::from_der(content).map_err(|e| TimestampError::BadTstInfo(e.to_string()))?;
        if info.version != 1 {
            return Err(TimestampError::BadTstInfo(format!(
                "version {}, expected 1",
                info.version
            )));
        }
        Ok(TimeStampToken {
            der: der.to_vec(),
            message,
            info,
        })
    }

    /// The token as it was given (DER ContentInfo).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// `genTime`: when the TSA says the imprint existed.
    pub fn gen_time(&self) -> OffsetDateTime {
        self.info.gen_time.0
    }

    /// The TSA policy OID, dotted.
    pub fn policy(&self) -> String {
        self.info.policy.to_string()
    }

    /// `serialNumber` as `0x…` hex.
    pub fn serial_hex(&self) -> String {
        crate::cert::serial_hex(self.info.serial_number.as_bytes())
    }

    /// The hash of `messageImprint`; SHA-256/384/512 only.
    pub fn imprint_algorithm(&self) -> Result<HashAlg, TimestampError> {
        let id = &self.info.message_imprint.hash_algorithm;
        HashAlg::from_oid(&id.oid)
            .map_err(|_| TimestampError::UnsupportedImprintAlgorithm(describe_oid(&id.oid)))
    }

    /// `hashedMessage` of `messageImprint`.
    pub fn imprint(&self) -> &[u8] {
        self.info.message_imprint.hashed_message.as_bytes()
    }

    /// The nonce as its INTEGER content bytes (big-endian), when the request had one.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.info.nonce.as_ref().map(|n| n.as_bytes())
    }

    pub fn accuracy(&self) -> Option<&Accuracy> {
        self.info.accuracy.as_ref()
    }

    /// The `tsa` name, when the TSA gave one and it is a directory name.
    pub fn tsa_name(&self) -> Option<String> {
        match &self.info.tsa {
            Some(GeneralName::DirectoryName(name)) => Some(name.to_string()),
            _ => None,
        }
    }

    /// Whether `messageImprint` is the hash of `signature_value` under its stated algorithm.
    pub fn imprint_matches(&self, signature_value: &[u8]) -> Result<bool, TimestampError> {
        let hash = self.imprint_algorithm()?;
        Ok(hash.digest(signature_value) == self.imprint())
    }
}

/// `Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF ANY }`, borrowed.
#[derive(Sequence)]
struct AttributeRef<'a> {
    kind: const_oid::ObjectIdentifier,
    values: RawSet<'a>,
}

/// Every id-aa-signatureTimeStampToken value among the signer's unsigned attributes, in order,
/// each parsed on its own (one bad token does not hide the others). Unreadable unsigned
/// attributes give a single error.
pub fn tokens_of(signer: &SignerData) -> Vec<Result<TimeStampToken, TimestampError>> {
    let Some(raw) = &signer.unsigned_attributes else {
        return Vec::new();
    };
    let mut values: Vec<Vec<u8>> = Vec::new();
    let walked = each::<AttributeRef<'_>>(raw, |attr| {
        if attr.kind == oid::SIGNATURE_TIME_STAMP_TOKEN {
            each::<AnyRef<'_>>(attr.values.0, |value| {
                values.push(value.to_der()?);
                Ok(())
            })?;
        }
        Ok(())
    });
    if let Err(e) = walked {
        return vec![Err(TimestampError::BadAttributes(e.to_string()))];
    }
    values
        .iter()
        .map(|der| TimeStampToken::from_der(der))
        .collect()
}
