//! Adding a time-stamp token to a signer of a CMS SignedData, as the unsigned attribute
//! id-aa-signatureTimeStampToken (RFC 3161 Appendix A).

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::SetOfVec;
use der::{Any, Decode, Encode};
use x509_cert::attr::Attribute;

use qoltanba_core::oid::cms as cms_oid;
use qoltanba_core::timestamp::{oid, TimeStampToken, TimestampError};

/// Why a token cannot be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachError {
    #[error("not a CMS SignedData: {0}")]
    NotSignedData(String),
    #[error("the CMS is not in DER: re-encoding it would change the signed bytes")]
    NotDer,
    #[error("no signer {index}: the SignedData has {count} signer(s)")]
    NoSuchSigner { index: usize, count: usize },
    #[error("not a time-stamp token: {0}")]
    BadToken(#[from] TimestampError),
    #[error("the token does not time-stamp signer {0}'s signature value (messageImprint differs)")]
    ImprintMismatch(usize),
    #[error("the token is already attached to signer {0}")]
    AlreadyAttached(usize),
    #[error("DER encoding: {0}")]
    Encoding(String),
}

fn encoding(e: der::Error) -> AttachError {
    AttachError::Encoding(e.to_string())
}

/// Returns `cms_der` with `token_der` added to the unsigned attributes of signer `signer_index`
/// (0-based, in the order of the SignedData, as [`qoltanba_core::SignedMessage::signers`]): into
/// the value set of its id-aa-signatureTimeStampToken attribute, or as a new such attribute.
/// Everything else is re-encoded unchanged by the `cms` crate's types; a CMS that is not in DER
/// (and so would not re-encode to the same bytes) is refused. The token must be a readable
/// time-stamp token whose messageImprint is the hash of that signer's signature value.
pub fn attach_token(
    cms_der: &[u8],
    signer_index: usize,
    token_der: &[u8],
) -> Result<Vec<u8>, AttachError> {
    let info =
        ContentInfo::from_der(cms_der).map_err(|e| AttachError::NotSignedData(e.to_string()))?;
    if info.content_type != cms_oid::SIGNED_DATA {
        return Err(AttachError::NotSignedData(format!(
            "the content is {}",
            qoltanba_core::oid::describe(&info.content_type)
        )));
    }
    let mut signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| AttachError::NotSignedData(e.to_string()))?;
    // `der` sorts SET OF values while decoding: only a CMS that re-encodes to itself keeps its
    // signatures (and its signer order) through the round trip.
    if info.to_der().map_err(encoding)? != cms_der {
        return Err(AttachError::NotDer);
    }

    let token = TimeStampToken::from_der(token_der)?;
    let mut signers = signed.signer_infos.0.into_vec();
    let count = signers.len();
    let signer = signers
        .get_mut(signer_index)
        .ok_or(AttachError::NoSuchSigner {
            index: signer_index,
            count,
        })?;
    if !token.imprint_matches(signer.signature.as_bytes())? {
        return Err(AttachError::ImprintMismatch(signer_index));
    }

    let value = Any::from_der(token.der()).map_err(encoding)?;
    let mut attributes = signer.unsigned_attrs.take().unwrap_or_default().into_vec();
    match attributes
        .iter_mut()
        .find(|a| a.oid == oid::SIGNATURE_TIME_STAMP_TOKEN)
    {
        Some(existing) => {
            if existing.values.iter().any(|v| *v == value) {
                return Err(AttachError::AlreadyAttached(signer_index));
            }
            existing.values.insert(value).map_err(encoding)?;
        }
        None => attributes.push(Attribute {
            oid: oid::SIGNATURE_TIME_STAMP_TOKEN,
            values: SetOfVec::try_from(vec![value]).map_err(encoding)?,
        }),
    }
    signer.unsigned_attrs = Some(SetOfVec::try_from(attributes).map_err(encoding)?);

    signed.signer_infos.0 = SetOfVec::try_from(signers).map_err(encoding)?;
    let out = ContentInfo {
        content_type: cms_oid::SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(encoding)?,
    };
    out.to_der().map_err(encoding)
}
