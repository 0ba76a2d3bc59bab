//! The RFC 3161 structures, as `der` values: `TSTInfo` (§2.4.2), `MessageImprint`, `Accuracy`,
//! `TimeStampReq` (§2.4.1), `TimeStampResp` and `PKIStatusInfo` (§2.4.2). The module of RFC 3161
//! has IMPLICIT tags; `tsa [0] GeneralName` is explicit, GeneralName being a CHOICE.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, Int, OctetString};
use der::{DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer};
use spki::AlgorithmIdentifierOwned;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::Extensions;

/// `MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL,
/// micros [1] INTEGER (1..999) OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// `TSTInfo` (RFC 3161 §2.4.2): what a time-stamp token attests.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// v1(1).
    pub version: u8,
    /// TSAPolicyId.
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    pub gen_time: GenTime,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// `TimeStampReq` (RFC 3161 §2.4.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    /// v1(1).
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// `PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
/// failInfo PKIFailureInfo OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    pub status: u32,
    /// `PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String`.
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

/// `TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }`:
/// the token kept as its own encoding.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<Any>,
}

/// The bits of `PKIFailureInfo` (RFC 3161 §2.4.2) by number and name.
pub const FAILURE_BITS: [(usize, &str); 8] = [
    (0, "badAlg"),
    (2, "badRequest"),
    (5, "badDataFormat"),
    (14, "timeNotAvailable"),
    (15, "unacceptedPolicy"),
    (16, "unacceptedExtension"),
    (17, "addInfoNotAvailable"),
    (25, "systemFailure"),
];

/// The names of the bits set in a `PKIFailureInfo` (unknown bits as `bit N`).
pub fn failure_names(bits: &BitString) -> Vec<String> {
    let mut names = Vec::new();
    for (index, on) in bits.bits().enumerate() {
        if on {
            match FAILURE_BITS.iter().find(|(n, _)| *n == index) {
                Some((_, name)) => names.push((*name).to_owned()),
                None => names.push(format!("bit {index}")),
            }
        }
    }
    names
}

/// A `GeneralizedTime` as RFC 3161 §2.4.2 writes `genTime`: `YYYYMMDDhhmmss[.s...]Z`, with the
/// fraction of a second that `der`'s own `GeneralizedTime` does not accept. Fractions beyond
/// nanoseconds are refused; encoding writes the fraction without trailing zeros, as DER wants.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct GenTime(pub OffsetDateTime);

impl GenTime {
    fn parse(text: &[u8]) -> Option<OffsetDateTime> {
        let text = std::str::from_utf8(text).ok()?;
        let body = text.strip_suffix('Z')?;
        let (whole, fraction) = match body.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (body, None),
        };
        if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let format = format_description!("[year][month][day][hour][minute][second]");
        let t = PrimitiveDateTime::parse(whole, &format).ok()?.assume_utc();
        let nanos = match fraction {
            None => 0,
            Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let digits: u32 = f.parse().ok()?;
                digits * 10u32.pow(9 - f.len() as u32)
            }
            Some(_) => return None,
        };
        t.replace_nanosecond(nanos).ok()
    }

    fn text(&self) -> der::Result<String> {
        let t = self.0.to_offset(time::UtcOffset::UTC);
        if !(0..=9999).contains(&t.year()) {
            return Err(Self::TAG.value_error());
        }
        let mut s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        if t.nanosecond() != 0 {
            let fraction = format!("{:09}", t.nanosecond());
            s.push('.');
            s.push_str(fraction.trim_end_matches('0'));
        }
        s.push('Z');
        Ok(s)
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl<'a> DecodeValue<'a> for GenTime {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let bytes = reader.read_slice(header.length)?;
        Self::parse(bytes)
            .map(GenTime)
            .ok_or_else(|| Self::TAG.value_error())
    }
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.text()?.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.text()?.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};
    use time::macros::datetime;

    fn decode(text: &str) -> der::Result<GenTime> {
        let mut der = vec![0x18, text.len() as u8];
        der.extend_from_slice(text.as_bytes());
        GenTime::from_der(&der)
    }

    #[test]
    fn gen_time_with_and_without_fraction() {
        assert_eq!(
            decode("20260601120000Z").unwrap().0,
            datetime!(2026-06-01 12:00:00 UTC)
        );
        assert_eq!(
            decode("20260601120000.25Z").unwrap().0,
            datetime!(2026-06-01 12:00:00.25 UTC)
        );
        for bad in [
            "20260601120000",
            "2026060112000Z",
            "20261301120000Z",
            "20260601120000.Z",
            "20260601120000.1234567891Z",
            "20260601120000+0100",
            "2026-6-01120000Z",
        ] {
            assert!(decode(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn gen_time_encodes_without_trailing_zeros() {
        let t = GenTime(datetime!(2026-06-01 12:00:00.500 UTC));
        assert_eq!(&t.to_der().unwrap()[2..], b"20260601120000.5Z");
        let t = GenTime(datetime!(2026-06-01 12:00:00 UTC));
        assert_eq!(&t.to_der().unwrap()[2..], b"20260601120000Z");
        assert_eq!(GenTime::from_der(&t.to_der().unwrap()).unwrap(), t);
    }
}
