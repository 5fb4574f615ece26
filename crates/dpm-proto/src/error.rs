//! Error types: [`DecodeError`] (with message, field and byte offset) and [`EncodeError`].

use core::fmt;

use crate::ids::Direction;

/// What went wrong while decoding a message. Carried by [`DecodeError::kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended in the middle of a value (or a length/count runs past the end).
    #[error("unexpected end of input (truncated message)")]
    Truncated,
    /// The first four bytes are not `53 44 44 02` ("SDD", format version 2).
    #[error("invalid header: expected magic `53 44 44 02`")]
    BadMagic,
    /// The envelope array does not have exactly three elements.
    #[error("invalid header: envelope has {0} elements, expected 3")]
    BadEnvelopeCount(i64),
    /// The protocol id is not -1321570246 (`0xB13A703A`).
    #[error("incorrect protocol id {0}, expected -1321570246")]
    BadProtocolId(i64),
    /// The message id is not in the table for the direction being decoded.
    #[error("unknown {direction} message id {id}")]
    UnknownMessage {
        /// The direction (id table) the decoder was reading.
        direction: Direction,
        /// The message id found.
        id: i64,
    },
    /// A tag byte of the wrong class (or with a length nibble of 0 or > 8).
    #[error("expected {expected} tag, found byte 0x{found:02x}")]
    BadTag {
        /// The kind of value expected (`"integer"`, `"double"`, `"string"`, ...).
        expected: &'static str,
        /// The byte found.
        found: u8,
    },
    /// A string/binary length or array/record count is negative.
    #[error("negative length or count {0}")]
    NegativeLength(i64),
    /// An integer does not fit the field's declared width.
    #[error("value {value} out of range for {ty}")]
    OutOfRange {
        /// The decoded value.
        value: i64,
        /// The declared type (`"int16"`, `"int32"`).
        ty: &'static str,
    },
    /// The record's element count breaks the message's rule (odd, too few or too many fields).
    #[error(
        "incorrect number of fields: record count {count}, expected an even count in {min}..={max}"
    )]
    FieldCount {
        /// The count found (twice the number of fields).
        count: i64,
        /// Smallest acceptable count.
        min: u32,
        /// Largest acceptable count.
        max: u32,
    },
    /// A field id that the record does not have.
    #[error("unknown field id {0}")]
    UnknownField(i64),
    /// A field that appears twice in one record.
    #[error("duplicate field")]
    DuplicateField,
    /// A required field that is absent.
    #[error("missing required field")]
    MissingField,
    /// Bytes left over after a complete message.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
}

/// A message could not be decoded. Says what went wrong ([`kind`](Self::kind)), in which
/// message and field when known, and at which byte offset of the input.
///
/// ```
/// use pacsys_dpm_proto::{DecodeErrorKind, Reply};
///
/// let err = Reply::decode(&[0x53, 0x44]).unwrap_err();
/// assert_eq!(err.kind(), &DecodeErrorKind::Truncated);
/// assert_eq!(err.offset(), 0);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    message: Option<&'static str>,
    field: Option<&'static str>,
    offset: usize,
}

impl DecodeError {
    #[cold]
    pub(crate) fn new(kind: DecodeErrorKind, offset: usize) -> DecodeError {
        DecodeError(Box::new(Inner {
            kind,
            message: None,
            field: None,
            offset,
        }))
    }

    /// Fills in the message name if not already known.
    #[cold]
    pub(crate) fn in_message(mut self, message: &'static str) -> DecodeError {
        self.0.message.get_or_insert(message);
        self
    }

    /// Fills in the field name if not already known.
    #[cold]
    pub(crate) fn in_field(mut self, field: &'static str) -> DecodeError {
        self.0.field.get_or_insert(field);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0.kind
    }

    /// The message being decoded (`"Scalar"`, `"AddToList"`, ...), once the id was read.
    pub fn message(&self) -> Option<&'static str> {
        self.0.message
    }

    /// The field being decoded, e.g. `"data"`, or `"ScaledSetting.data"` inside a nested
    /// setting record.
    pub fn field(&self) -> Option<&'static str> {
        self.0.field
    }

    /// Byte offset in the input (message bytes, without the frame length) where the
    /// offending item starts.
    pub fn offset(&self) -> usize {
        self.0.offset
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot decode DPM message")?;
        match (self.0.message, self.0.field) {
            (Some(m), Some(fl)) => write!(f, " {m}, field `{fl}`,")?,
            (Some(m), None) => write!(f, " {m}")?,
            (None, Some(fl)) => write!(f, ", field `{fl}`,")?,
            (None, None) => {}
        }
        write!(f, " at byte {}: {}", self.0.offset, self.0.kind)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("field", &self.0.field)
            .field("offset", &self.0.offset)
            .finish()
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0.kind)
    }
}

/// A message could not be encoded. Nothing is left in the output buffer when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string holds a character above U+00FF; DPM strings are Latin-1 with no escape.
    #[error("cannot encode DPM message {message}, field `{field}`: character {character:?} (U+{code:04X}) is not Latin-1; DPM strings only carry U+0000..U+00FF", code = *character as u32)]
    NonLatin1 {
        /// The message being encoded.
        message: &'static str,
        /// The field holding the string (e.g. `"drf_request"`, `"TextSetting.data"`).
        field: &'static str,
        /// The first offending character.
        character: char,
    },
}

impl EncodeError {
    #[cold]
    pub(crate) fn in_message(mut self, msg: &'static str) -> EncodeError {
        let EncodeError::NonLatin1 { message, .. } = &mut self;
        if message.is_empty() {
            *message = msg;
        }
        self
    }

    #[cold]
    pub(crate) fn in_field(mut self, name: &'static str) -> EncodeError {
        let EncodeError::NonLatin1 { field, .. } = &mut self;
        if field.is_empty() {
            *field = name;
        }
        self
    }
}
