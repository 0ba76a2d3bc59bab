//! BER to DER for a CMS SignedData written by a streaming producer (CONTRACT §4).
//!
//! Streaming signers (`openssl cms -sign -stream`, BouncyCastle's stream generators) cannot know
//! lengths in advance: they write the outer ContentInfo, SignedData and encapsulated content with
//! indefinite lengths and the content as a constructed OCTET STRING of segments. The CMS types
//! here are decoded with `der`, which takes DER only, so such an input is first rewritten into its
//! definite-length form: every indefinite length becomes definite and every constructed OCTET
//! STRING becomes one primitive OCTET STRING holding its segments' contents in order (what RFC 5652
//! §5.4 digests). Every other TLV keeps its identifier and contents, so a DER subtree — a
//! certificate, DER signed attributes — comes out byte for byte as it went in. Signed attributes
//! written in BER come out in their DER length form, which is what RFC 5652 §5.4 says the
//! signature covers.
//!
//! Headers are read with `asn1-rs`'s BER parser; lengths are written with `der`. The rewrite runs
//! in two passes over the input (one to measure the contents of every constructed TLV, one to
//! write), so its time is linear in the input and its memory is the output plus one length per
//! constructed TLV. Nesting deeper than [`MAX_DEPTH`] and more than [`MAX_CONSTRUCTED`]
//! constructed TLVs are refused: indefinite lengths nested on purpose can neither exhaust the
//! stack nor stall the verifier.

use asn1_rs::{Class, FromBer, Header, Length, Tag};
use der::Encode;

/// Deeper than any CMS SignedData: a certificate inside it nests about fifteen levels.
pub const MAX_DEPTH: usize = 64;
/// Far more than a SignedData with the maximum number of certificates and signers holds, while
/// keeping the lengths table small (8 bytes per entry).
pub const MAX_CONSTRUCTED: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BerError {
    #[error("unreadable BER header at offset {0}")]
    Header(usize),
    #[error("BER element at offset {0} runs past its end")]
    Truncated(usize),
    #[error("BER nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("BER with more than {MAX_CONSTRUCTED} constructed elements")]
    TooManyElements,
    #[error("a segment of the constructed OCTET STRING at offset {0} is not an OCTET STRING")]
    BadSegment(usize),
    #[error("{0} bytes follow the BER element")]
    TrailingData(usize),
    #[error("BER length too large: {0}")]
    Length(String),
}

/// The definite-length (DER-length) form of the single BER element `input` holds.
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, BerError> {
    let mut measure = Walker {
        input,
        lengths: Vec::new(),
        next: 0,
        out: None,
    };
    let (end, size) = measure.element(0, 0, false)?;
    if end != input.len() {
        return Err(BerError::TrailingData(input.len() - end));
    }
    let mut emit = Walker {
        input,
        lengths: measure.lengths,
        next: 0,
        out: Some(Vec::with_capacity(size)),
    };
    emit.element(0, 0, false)?;
    Ok(emit.out.unwrap_or_default())
}

/// One pass over the input. Without `out` it records, in pre-order, the rewritten content length
/// of every constructed element; with `out` it writes the rewritten form using those lengths.
struct Walker<'a> {
    input: &'a [u8],
    lengths: Vec<usize>,
    /// Pre-order index of the next constructed element (writing pass).
    next: usize,
    out: Option<Vec<u8>>,
}

const END_OF_CONTENTS: [u8; 2] = [0, 0];

impl Walker<'_> {
    /// Rewrites the element at `pos`; returns where it ends in the input and how many bytes it
    /// writes. `segment`: the element is a segment of a constructed OCTET STRING, so only its
    /// contents are written.
    fn element(
        &mut self,
        pos: usize,
        depth: usize,
        segment: bool,
    ) -> Result<(usize, usize), BerError> {
        if depth > MAX_DEPTH {
            return Err(BerError::TooDeep);
        }
        let rest = self.input.get(pos..).ok_or(BerError::Truncated(pos))?;
        let (after, header) = Header::from_ber(rest).map_err(|_| BerError::Header(pos))?;
        let start = pos + (rest.len() - after.len());
        let octets = header.class() == Class::Universal && header.tag() == Tag::OctetString;
        if segment && !octets {
            return Err(BerError::BadSegment(pos));
        }

        if !header.is_constructed() {
            // The BER parser refuses an indefinite primitive element.
            let Length::Definite(len) = header.length() else {
                return Err(BerError::Header(pos));
            };
            let end = start.checked_add(len).ok_or(BerError::Truncated(pos))?;
            let contents = self.input.get(start..end).ok_or(BerError::Truncated(pos))?;
            let mut written = len;
            if !segment {
                written += self.write_header(&header, len)?;
            }
            if let Some(out) = self.out.as_mut() {
                out.extend_from_slice(contents);
            }
            return Ok((end, written));
        }

        // A constructed OCTET STRING becomes one primitive OCTET STRING; its segments (and theirs,
        // recursively) give only their contents.
        let flatten = segment || octets;
        let index = if self.out.is_some() {
            self.next += 1;
            self.next - 1
        } else {
            if self.lengths.len() >= MAX_CONSTRUCTED {
                return Err(BerError::TooManyElements);
            }
            self.lengths.push(0);
            self.lengths.len() - 1
        };
        let mut written = 0;
        if self.out.is_some() && !segment {
            let len = self.lengths.get(index).copied().unwrap_or(0);
            written += self.write_header(&header, len)?;
        }

        let limit = match header.length() {
            Length::Definite(len) => Some(start.checked_add(len).ok_or(BerError::Truncated(pos))?),
            Length::Indefinite => None,
        };
        if limit.is_some_and(|l| l > self.input.len()) {
            return Err(BerError::Truncated(pos));
        }
        let mut at = start;
        let mut contents = 0usize;
        let end = loop {
            match limit {
                Some(l) if at == l => break at,
                Some(l) if at > l => return Err(BerError::Truncated(pos)),
                None if self.input.get(at..at + 2) == Some(&END_OF_CONTENTS[..]) => break at + 2,
                None if at >= self.input.len() => return Err(BerError::Truncated(pos)),
                _ => {}
            }
            let (child_end, child_written) = self.element(at, depth + 1, flatten)?;
            at = child_end;
            contents += child_written;
        };
        if self.out.is_none() {
            self.lengths[index] = contents;
            if !segment {
                // Measuring: only the size of the header, now that its length is known.
                written += self.write_header(&header, contents)?;
            }
        }
        Ok((end, written + contents))
    }

    /// Writes the identifier of `header` (a constructed OCTET STRING as a primitive one) with a
    /// definite length; returns the bytes written (also in the measuring pass).
    fn write_header(&mut self, header: &Header<'_>, len: usize) -> Result<usize, BerError> {
        let octets = header.class() == Class::Universal && header.tag() == Tag::OctetString;
        let identifier: &[u8] = match header.raw_tag() {
            _ if octets => &[0x04],
            Some(raw) => raw,
            None => return Err(BerError::Header(0)),
        };
        let length = der::Length::try_from(len)
            .and_then(|l| l.to_der())
            .map_err(|e| BerError::Length(e.to_string()))?;
        if let Some(out) = self.out.as_mut() {
            out.extend_from_slice(identifier);
            out.extend_from_slice(&length);
        }
        Ok(identifier.len() + length.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_der_is_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        assert_eq!(to_der(&der).unwrap(), der);
    }

    #[test]
    fn indefinite_lengths_and_segmented_octets_become_definite() {
        // SEQUENCE (indefinite) { [0] (indefinite) { OCTET STRING constructed { "ab", "c" } } }
        let ber = [
            0x30, 0x80, 0xa0, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let der = [0x30, 0x07, 0xa0, 0x05, 0x04, 0x03, b'a', b'b', b'c'];
        assert_eq!(to_der(&ber).unwrap(), der);
    }

    #[test]
    fn malformed_ber_is_refused() {
        // No end-of-contents.
        assert!(to_der(&[0x30, 0x80, 0x02, 0x01, 0x05]).is_err());
        // A segment that is not an OCTET STRING.
        assert_eq!(
            to_der(&[0x24, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]),
            Err(BerError::BadSegment(2))
        );
        // Trailing bytes.
        assert!(to_der(&[0x05, 0x00, 0x05, 0x00]).is_err());
        // A definite parent shorter than its child.
        assert!(to_der(&[0x30, 0x02, 0x04, 0x03, 1, 2, 3]).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        // 100 000 nested indefinite SEQUENCEs: refused at MAX_DEPTH, without recursing further.
        let n = 100_000;
        let mut ber = Vec::with_capacity(4 * n);
        for _ in 0..n {
            ber.extend_from_slice(&[0x30, 0x80]);
        }
        for _ in 0..n {
            ber.extend_from_slice(&[0x00, 0x00]);
        }
        assert_eq!(to_der(&ber), Err(BerError::TooDeep));
    }

    #[test]
    fn many_small_elements_are_bounded() {
        // A flat list of empty indefinite SEQUENCEs beyond the element budget.
        let mut ber = vec![0x30, 0x80];
        for _ in 0..=MAX_CONSTRUCTED {
            ber.extend_from_slice(&[0x30, 0x80, 0x00, 0x00]);
        }
        ber.extend_from_slice(&[0x00, 0x00]);
        assert_eq!(to_der(&ber), Err(BerError::TooManyElements));
    }
}
