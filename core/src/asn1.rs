//! Small borrowing helpers over `der` for structures walked lazily (CRL entries, CMS sets).

use der::{DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Tag, Writer};

/// The raw contents of a SEQUENCE.
pub struct RawSequence<'a>(pub &'a [u8]);

/// The raw contents of a SET (or of an IMPLICIT-tagged SET, such as CMS signed attributes).
pub struct RawSet<'a>(pub &'a [u8]);

impl FixedTag for RawSequence<'_> {
    const TAG: Tag = Tag::Sequence;
}

impl FixedTag for RawSet<'_> {
    const TAG: Tag = Tag::Set;
}

impl<'a> DecodeValue<'a> for RawSequence<'a> {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        Ok(RawSequence(reader.read_slice(header.length)?))
    }
}

impl<'a> DecodeValue<'a> for RawSet<'a> {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        Ok(RawSet(reader.read_slice(header.length)?))
    }
}

impl EncodeValue for RawSequence<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }
    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

impl EncodeValue for RawSet<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }
    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

/// Decodes every element of a raw SEQUENCE/SET body, in order.
pub fn each<'a, T: der::Decode<'a>>(
    body: &'a [u8],
    mut f: impl FnMut(T) -> der::Result<()>,
) -> der::Result<()> {
    let mut reader = der::SliceReader::new(body)?;
    while !reader.is_finished() {
        f(T::decode(&mut reader)?)?;
    }
    Ok(())
}
