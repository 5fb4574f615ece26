//! PC/SDD value primitives: tags, integers, lengths, strings, binaries, doubles, booleans
//! and arrays (spec section 2). Crate-internal; messages are built from these.

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// Tag class of signed integers (`11`..`18`).
pub(crate) const INT: u8 = 0x10;
/// Tag of a double.
pub(crate) const DOUBLE: u8 = 0x28;
/// Tag class of binary strings (`31`..`38`).
pub(crate) const BINARY: u8 = 0x30;
/// Tag class of Latin-1 strings (`41`..`48`).
pub(crate) const STRING: u8 = 0x40;
/// Tag class of arrays and records (`51`..`58`).
pub(crate) const ARRAY: u8 = 0x50;
/// Boolean false.
pub(crate) const FALSE: u8 = 0x70;
/// Boolean true.
pub(crate) const TRUE: u8 = 0x71;

fn class_name(class: u8) -> &'static str {
    match class {
        INT => "integer",
        BINARY => "binary",
        STRING => "string",
        _ => "array",
    }
}

// ---------------------------------------------------------------------------------------
// Writing

/// Writes `class | L` followed by the minimal `L`-byte two's complement form of `v`.
#[inline]
pub(crate) fn put_int(buf: &mut BytesMut, class: u8, v: i64) {
    if (-128..=127).contains(&v) {
        buf.put_slice(&[class | 1, v as u8]);
        return;
    }
    // Number of significant bits including one sign bit.
    let magnitude = v ^ (v >> 63);
    let bits = 65 - magnitude.leading_zeros() as usize;
    let len = bits.div_ceil(8);
    let mut tmp = [0u8; 9];
    let [_, rest @ ..] = &mut tmp;
    *rest = v.to_be_bytes();
    let start = 8 - len;
    if let Some(t) = tmp.get_mut(start) {
        *t = class | len as u8;
    }
    buf.put_slice(tmp.get(start..).unwrap_or_default());
}

/// Writes a double with its exact bits.
#[inline]
pub(crate) fn put_f64(buf: &mut BytesMut, v: f64) {
    let b = v.to_bits().to_be_bytes();
    buf.put_slice(&[DOUBLE, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
}

/// Writes a Latin-1 string; fails (writing nothing) on a character above U+00FF.
pub(crate) fn put_latin1(buf: &mut BytesMut, s: &str) -> Result<(), EncodeError> {
    if s.is_ascii() {
        put_int(buf, STRING, s.len() as i64);
        buf.put_slice(s.as_bytes());
        return Ok(());
    }
    let mut n = 0usize;
    for c in s.chars() {
        if c as u32 > 0xFF {
            return Err(EncodeError::NonLatin1 {
                message: "",
                field: "",
                character: c,
            });
        }
        n += 1;
    }
    put_int(buf, STRING, n as i64);
    buf.reserve(n);
    for c in s.chars() {
        buf.put_u8(c as u32 as u8);
    }
    Ok(())
}

/// Writes a binary string.
#[inline]
pub(crate) fn put_binary(buf: &mut BytesMut, b: &[u8]) {
    put_int(buf, BINARY, b.len() as i64);
    buf.put_slice(b);
}

// ---------------------------------------------------------------------------------------
// Reading

/// A cursor over one message's bytes. Every read checks bounds and returns a
/// [`DecodeError`] with the offset of the item it was reading.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Takes `n` bytes; on truncation reports `at` (start of the item being read).
    #[inline]
    fn take(&mut self, n: usize, at: usize) -> Result<&'a [u8], DecodeError> {
        match self.buf.get(self.pos..).and_then(|r| r.get(..n)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(DecodeError::new(DecodeErrorKind::Truncated, at)),
        }
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(DecodeError::new(DecodeErrorKind::Truncated, self.pos)),
        }
    }

    /// Skips the canonical 11-byte envelope prefix if the input starts with it.
    #[inline]
    pub(crate) fn skip_prefix(&mut self, prefix: &[u8]) -> bool {
        if self
            .buf
            .get(self.pos..)
            .is_some_and(|r| r.starts_with(prefix))
        {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    /// Reads the 4-byte magic and version.
    pub(crate) fn magic(&mut self) -> Result<(), DecodeError> {
        let at = self.pos;
        let m = self.take(4, at)?;
        if m != crate::ids::MAGIC {
            return Err(DecodeError::new(DecodeErrorKind::BadMagic, at));
        }
        Ok(())
    }

    /// Reads a tag of class `class` with `1 <= L <= 8` and its `L`-byte signed integer
    /// (non-minimal forms accepted).
    #[inline(always)]
    pub(crate) fn int(&mut self, class: u8) -> Result<i64, DecodeError> {
        let at = self.pos;
        // Fast path: a tag plus at least eight more bytes available, read as one word.
        if let Some(&[tag, b0, b1, b2, b3, b4, b5, b6, b7]) =
            self.buf.get(at..).and_then(|rest| rest.get(..9))
        {
            let len = u32::from(tag & 0x0F);
            if tag & 0xF0 == class && len.wrapping_sub(1) < 8 {
                let word = i64::from_be_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
                self.pos = at + 1 + len as usize;
                // Keep the first `len` bytes, sign-extended (arithmetic shift).
                return Ok(word >> (64 - 8 * len));
            }
        }
        self.int_slow(class)
    }

    /// [`int`](Self::int) near the end of the input, and all its errors.
    #[cold]
    #[inline(never)]
    fn int_slow(&mut self, class: u8) -> Result<i64, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let len = (tag & 0x0F) as usize;
        if tag & 0xF0 != class || len == 0 || len > 8 {
            return Err(bad_int_tag(class, tag, at));
        }
        let bytes = self.take(len, at)?;
        let Some((&first, rest)) = bytes.split_first() else {
            return Err(DecodeError::new(DecodeErrorKind::Truncated, at));
        };
        let mut v = i64::from(first as i8);
        for &b in rest {
            v = (v << 8) | i64::from(b);
        }
        Ok(v)
    }

    /// Reads a non-negative length/count of class `class`.
    #[inline]
    pub(crate) fn len(&mut self, class: u8) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = self.int(class)?;
        usize::try_from(n).map_err(|_| DecodeError::new(DecodeErrorKind::NegativeLength(n), at))
    }

    /// Reads an array head whose `count` elements each take at least `min_elem` bytes;
    /// rejects counts that cannot fit in the remaining input (so capacity may be reserved).
    #[inline]
    pub(crate) fn array_head(&mut self, min_elem: usize) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = self.len(ARRAY)?;
        if n > self.remaining() / min_elem {
            return Err(DecodeError::new(DecodeErrorKind::Truncated, at));
        }
        Ok(n)
    }

    /// Reads a record head and checks the count rule: even, `2*req <= c <= 2*(req+opt)`.
    /// Returns the number of (id, value) pairs.
    #[inline]
    pub(crate) fn record_head(&mut self, req: u32, opt: u32) -> Result<usize, DecodeError> {
        let at = self.pos;
        let c = self.int(ARRAY)?;
        let (min, max) = (2 * req, 2 * (req + opt));
        if c % 2 != 0 || c < i64::from(min) || c > i64::from(max) {
            return Err(DecodeError::new(
                DecodeErrorKind::FieldCount { count: c, min, max },
                at,
            ));
        }
        Ok((c / 2) as usize)
    }

    /// Reads an integer and checks it fits `T`.
    #[inline]
    pub(crate) fn int_as<T: TryFrom<i64>>(&mut self, ty: &'static str) -> Result<T, DecodeError> {
        let at = self.pos;
        let v = self.int(INT)?;
        T::try_from(v)
            .map_err(|_| DecodeError::new(DecodeErrorKind::OutOfRange { value: v, ty }, at))
    }

    #[inline]
    pub(crate) fn f64(&mut self) -> Result<f64, DecodeError> {
        let at = self.pos;
        let b = self.take(9, at)?;
        let Ok(&[tag, b0, b1, b2, b3, b4, b5, b6, b7]) = <&[u8; 9]>::try_from(b) else {
            return Err(DecodeError::new(DecodeErrorKind::Truncated, at));
        };
        if tag != DOUBLE {
            return Err(bad_tag("double", tag, at));
        }
        Ok(f64::from_bits(u64::from_be_bytes([
            b0, b1, b2, b3, b4, b5, b6, b7,
        ])))
    }

    #[inline]
    pub(crate) fn bool(&mut self) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.byte()? {
            FALSE => Ok(false),
            TRUE => Ok(true),
            other => Err(bad_tag("boolean", other, at)),
        }
    }

    /// Reads a length-prefixed byte run of class `class`.
    #[inline]
    pub(crate) fn bytes(&mut self, class: u8) -> Result<&'a [u8], DecodeError> {
        let at = self.pos;
        let n = self.len(class)?;
        self.take(n, at)
    }

    pub(crate) fn latin1(&mut self) -> Result<String, DecodeError> {
        let b = self.bytes(STRING)?;
        Ok(latin1_to_string(b))
    }

    /// Reads an array of doubles with a single bounds check for the whole payload.
    pub(crate) fn f64_array(&mut self) -> Result<Vec<f64>, DecodeError> {
        let at = self.pos;
        let n = self.array_head(9)?;
        let body_at = self.pos;
        let body = self.take(n * 9, at)?;
        let mut out = Vec::with_capacity(n);
        for (i, chunk) in body.chunks_exact(9).enumerate() {
            let Ok(&[tag, b0, b1, b2, b3, b4, b5, b6, b7]) = <&[u8; 9]>::try_from(chunk) else {
                return Err(DecodeError::new(
                    DecodeErrorKind::Truncated,
                    body_at + 9 * i,
                ));
            };
            if tag != DOUBLE {
                return Err(bad_tag("double", tag, body_at + 9 * i));
            }
            out.push(f64::from_bits(u64::from_be_bytes([
                b0, b1, b2, b3, b4, b5, b6, b7,
            ])));
        }
        Ok(out)
    }
}

#[cold]
fn bad_int_tag(class: u8, found: u8, at: usize) -> DecodeError {
    bad_tag(class_name(class), found, at)
}

#[cold]
fn bad_tag(expected: &'static str, found: u8, at: usize) -> DecodeError {
    DecodeError::new(DecodeErrorKind::BadTag { expected, found }, at)
}

/// Decodes ISO-8859-1 bytes: each byte is the character with the same code.
pub(crate) fn latin1_to_string(b: &[u8]) -> String {
    if b.is_ascii() {
        // ASCII is valid UTF-8 with identical bytes.
        match std::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            Err(_) => b.iter().map(|&c| c as char).collect(),
        }
    } else {
        b.iter().map(|&c| c as char).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Typed field values

/// A value that can be a record field: knows its wire encoding and decoding.
pub(crate) trait WireValue: Sized {
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError>;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

macro_rules! int_value {
    ($t:ty, $name:literal) => {
        impl WireValue for $t {
            #[inline]
            fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
                put_int(buf, INT, i64::from(*self));
                Ok(())
            }
            #[inline]
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.int_as::<$t>($name)
            }
        }
    };
}
int_value!(i16, "int16");
int_value!(i32, "int32");
int_value!(i64, "int64");

impl WireValue for crate::Status {
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_int(buf, INT, i64::from(self.raw()));
        Ok(())
    }
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.int_as::<i16>("int16").map(crate::Status::from_raw)
    }
}

impl WireValue for f64 {
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_f64(buf, *self);
        Ok(())
    }
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.f64()
    }
}

impl WireValue for bool {
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_u8(if *self { TRUE } else { FALSE });
        Ok(())
    }
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.bool()
    }
}

impl WireValue for String {
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_latin1(buf, self)
    }
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.latin1()
    }
}

/// `Vec<u8>` is a binary string (`3L`), not an array.
impl WireValue for Vec<u8> {
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_binary(buf, self);
        Ok(())
    }
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.bytes(BINARY).map(<[u8]>::to_vec)
    }
}

impl WireValue for Vec<f64> {
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_int(buf, ARRAY, self.len() as i64);
        buf.reserve(self.len() * 9);
        for &v in self {
            put_f64(buf, v);
        }
        Ok(())
    }
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.f64_array()
    }
}

/// Arrays whose elements are themselves variable-length values.
macro_rules! seq_value {
    ($t:ty) => {
        impl $crate::wire::WireValue for Vec<$t> {
            fn encode(
                &self,
                buf: &mut ::bytes::BytesMut,
            ) -> Result<(), $crate::error::EncodeError> {
                $crate::wire::put_int(buf, $crate::wire::ARRAY, self.len() as i64);
                for v in self {
                    $crate::wire::WireValue::encode(v, buf)?;
                }
                Ok(())
            }
            fn decode(
                r: &mut $crate::wire::Reader<'_>,
            ) -> Result<Self, $crate::error::DecodeError> {
                // Every element takes at least two bytes (a tag plus one length/value byte).
                let n = r.array_head(2)?;
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    out.push(<$t as $crate::wire::WireValue>::decode(r)?);
                }
                Ok(out)
            }
        }
    };
}
seq_value!(i64);
seq_value!(String);
pub(crate) use seq_value;

#[cfg(test)]
mod tests {
    use super::*;

    fn int_bytes(v: i64) -> Vec<u8> {
        let mut b = BytesMut::new();
        put_int(&mut b, INT, v);
        b.to_vec()
    }

    #[test]
    fn minimal_integers_match_spec_table() {
        let table: &[(i64, &[u8])] = &[
            (0, &[0x11, 0x00]),
            (1, &[0x11, 0x01]),
            (-1, &[0x11, 0xff]),
            (127, &[0x11, 0x7f]),
            (128, &[0x12, 0x00, 0x80]),
            (-128, &[0x11, 0x80]),
            (-129, &[0x12, 0xff, 0x7f]),
            (255, &[0x12, 0x00, 0xff]),
            (32767, &[0x12, 0x7f, 0xff]),
            (32768, &[0x13, 0x00, 0x80, 0x00]),
            (-32768, &[0x12, 0x80, 0x00]),
            (-32769, &[0x13, 0xff, 0x7f, 0xff]),
            (8388608, &[0x14, 0x00, 0x80, 0x00, 0x00]),
            (2147483647, &[0x14, 0x7f, 0xff, 0xff, 0xff]),
            (-2147483648, &[0x14, 0x80, 0x00, 0x00, 0x00]),
            (2147483648, &[0x15, 0x00, 0x80, 0x00, 0x00, 0x00]),
            (
                (1 << 55) - 1,
                &[0x17, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            (1 << 55, &[0x18, 0x00, 0x80, 0, 0, 0, 0, 0, 0]),
            (
                i64::MAX,
                &[0x18, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            (i64::MIN, &[0x18, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for &(v, bytes) in table {
            assert_eq!(int_bytes(v), bytes, "{v}");
            let mut r = Reader::new(bytes);
            assert_eq!(r.int(INT).ok(), Some(v));
            assert_eq!(r.remaining(), 0);
        }
    }

    #[test]
    fn every_width_boundary_round_trips() {
        for shift in 0..64 {
            for v in [
                1i64 << shift,
                (1i64 << shift).wrapping_sub(1),
                (1i64 << shift).wrapping_neg(),
                (1i64 << shift).wrapping_neg().wrapping_sub(1),
            ] {
                let b = int_bytes(v);
                let mut r = Reader::new(&b);
                assert_eq!(r.int(INT).ok(), Some(v));
                // Minimal: dropping one byte would not fit.
                let len = b.len() - 1;
                if len > 1 {
                    let lo = -(1i128 << (8 * (len - 1) - 1));
                    assert!(
                        i128::from(v) < lo || i128::from(v) >= -lo,
                        "{v} not minimal"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_int_tags_are_rejected() {
        for tag in [0x10u8, 0x19, 0x1f, 0x20, 0x28, 0x41, 0x51, 0x70] {
            let bytes = [tag, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            assert!(Reader::new(&bytes).int(INT).is_err(), "{tag:02x}");
        }
    }

    #[test]
    fn latin1_both_ways() {
        let mut b = BytesMut::new();
        put_latin1(&mut b, "°C µA ÿ").ok();
        assert_eq!(&b[..], &[0x41, 7, 0xb0, 0x43, 0x20, 0xb5, 0x41, 0x20, 0xff]);
        let mut r = Reader::new(&b);
        assert_eq!(r.latin1().ok().as_deref(), Some("°C µA ÿ"));
        let mut b = BytesMut::new();
        assert!(put_latin1(&mut b, "M:Ω").is_err());
        assert!(b.is_empty());
    }

    #[test]
    fn hostile_counts_do_not_allocate() {
        // Count 2^62 of doubles with 10 bytes of input.
        let bytes = [0x58, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x28];
        let err = Reader::new(&bytes).f64_array().err();
        assert_eq!(
            err.map(|e| e.kind().clone()),
            Some(DecodeErrorKind::Truncated)
        );
        let err = <Vec<String> as WireValue>::decode(&mut Reader::new(&bytes)).err();
        assert_eq!(
            err.map(|e| e.kind().clone()),
            Some(DecodeErrorKind::Truncated)
        );
        // Negative count.
        let err = Reader::new(&[0x51, 0xff]).f64_array().err();
        assert_eq!(
            err.map(|e| e.kind().clone()),
            Some(DecodeErrorKind::NegativeLength(-1))
        );
    }
}
