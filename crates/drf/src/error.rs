//! The crate's error type: one variant per error category of the spec (section 11).

/// Why a DRF string (or a helper's argument) was rejected.
///
/// Every variant carries the byte `offset` into the text that was being parsed (the whole
/// request, or the helper's argument) and a `message` saying what to change.
/// [`Error::category`] gives the spec's category name (as used by the test vectors) and
/// [`Error::caret`] renders the input with a caret under the offending byte.
///
/// ```
/// use pacsys_drf::{Error, Request};
///
/// let err = Request::parse("M:OUTTMP[3:1]").unwrap_err();
/// assert_eq!(err.category(), "range");
/// assert_eq!(err.offset(), 8);
/// assert!(matches!(err, Error::Range { .. }));
/// println!("{err}\n{}", err.caret("M:OUTTMP[3:1]"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds a non-ASCII character (project decision 1).
    #[error("non-ASCII character at byte {offset}: {message}")]
    NonAscii {
        /// Byte offset of the first non-ASCII character.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// Neither the ACNET nor the lenient grammar matches (too short, or a stray line feed).
    #[error("syntax error at byte {offset}: {message}")]
    Syntax {
        /// Byte offset of the problem.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// An ACNET device name is followed by something the ACNET grammar cannot parse.
    #[error("invalid ACNET request at byte {offset}: {message}")]
    AcnetSyntax {
        /// Byte offset where the ACNET grammar stopped matching.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// The text after `<-` is not a known extra.
    #[error("invalid extra at byte {offset}: {message}")]
    Extra {
        /// Byte offset of the extra text.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// `<-` occurs more than once.
    #[error("repeated extra at byte {offset}: {message}")]
    ExtraRepeated {
        /// Byte offset of the second `<-`.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// The first dot-token is not a property although a second one follows.
    #[error("invalid property at byte {offset}: {message}")]
    Property {
        /// Byte offset of the token.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// A range has too many colons, a bound out of limits or its bounds reversed.
    #[error("invalid range at byte {offset}: {message}")]
    Range {
        /// Byte offset of the range's opening bracket.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// The field name is unknown.
    #[error("unknown field at byte {offset}: {message}")]
    Field {
        /// Byte offset of the field token.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// The field exists but the property does not allow it.
    #[error("field not allowed at byte {offset}: {message}")]
    FieldNotAllowed {
        /// Byte offset of the field token.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// The event text has the wrong shape.
    #[error("invalid event at byte {offset}: {message}")]
    Event {
        /// Byte offset of the problem in the event text.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// A time/frequency token has the right shape but a bad number or unit.
    #[error("invalid time/frequency at byte {offset}: {message}")]
    TimeFreq {
        /// Byte offset of the token.
        offset: usize,
        /// What to do about it.
        message: &'static str,
    },
    /// A helper transformation does not exist for this request (for example the qualified
    /// form of a `BIT_STATUS` request, or a CONTROL request for a non-ACNET device).
    #[error("unsupported: {message}")]
    Unsupported {
        /// Always 0 (the whole request).
        offset: usize,
        /// Why, and what to do instead.
        message: &'static str,
    },
}

impl Error {
    /// The category name exactly as the spec and the test vectors spell it:
    /// `syntax`, `acnet_syntax`, `extra`, `extra_repeated`, `property`, `range`, `field`,
    /// `field_not_allowed`, `event`, `time_freq`, plus `non_ascii` and `unsupported`.
    pub const fn category(&self) -> &'static str {
        match self {
            Error::NonAscii { .. } => "non_ascii",
            Error::Syntax { .. } => "syntax",
            Error::AcnetSyntax { .. } => "acnet_syntax",
            Error::Extra { .. } => "extra",
            Error::ExtraRepeated { .. } => "extra_repeated",
            Error::Property { .. } => "property",
            Error::Range { .. } => "range",
            Error::Field { .. } => "field",
            Error::FieldNotAllowed { .. } => "field_not_allowed",
            Error::Event { .. } => "event",
            Error::TimeFreq { .. } => "time_freq",
            Error::Unsupported { .. } => "unsupported",
        }
    }

    /// Byte offset of the problem in the parsed text.
    pub const fn offset(&self) -> usize {
        match *self {
            Error::NonAscii { offset, .. }
            | Error::Syntax { offset, .. }
            | Error::AcnetSyntax { offset, .. }
            | Error::Extra { offset, .. }
            | Error::ExtraRepeated { offset, .. }
            | Error::Property { offset, .. }
            | Error::Range { offset, .. }
            | Error::Field { offset, .. }
            | Error::FieldNotAllowed { offset, .. }
            | Error::Event { offset, .. }
            | Error::TimeFreq { offset, .. }
            | Error::Unsupported { offset, .. } => offset,
        }
    }

    /// The human-readable explanation, without the offset.
    pub const fn message(&self) -> &'static str {
        match *self {
            Error::NonAscii { message, .. }
            | Error::Syntax { message, .. }
            | Error::AcnetSyntax { message, .. }
            | Error::Extra { message, .. }
            | Error::ExtraRepeated { message, .. }
            | Error::Property { message, .. }
            | Error::Range { message, .. }
            | Error::Field { message, .. }
            | Error::FieldNotAllowed { message, .. }
            | Error::Event { message, .. }
            | Error::TimeFreq { message, .. }
            | Error::Unsupported { message, .. } => message,
        }
    }

    /// Returns the same error with its offset moved by `by` bytes (used when a part of a
    /// request was parsed on its own).
    pub(crate) const fn shifted(self, by: usize) -> Error {
        let mut e = self;
        match &mut e {
            Error::NonAscii { offset, .. }
            | Error::Syntax { offset, .. }
            | Error::AcnetSyntax { offset, .. }
            | Error::Extra { offset, .. }
            | Error::ExtraRepeated { offset, .. }
            | Error::Property { offset, .. }
            | Error::Range { offset, .. }
            | Error::Field { offset, .. }
            | Error::FieldNotAllowed { offset, .. }
            | Error::Event { offset, .. }
            | Error::TimeFreq { offset, .. }
            | Error::Unsupported { offset, .. } => *offset = offset.saturating_add(by),
        }
        e
    }

    /// Renders `input` on one line, with control and non-ASCII characters escaped
    /// (`\n`, `\t`, `\u{e9}`, ...), and a second line with a caret under the character
    /// holding the error's byte offset (or just past the end).
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let input = "M:OUTTMP.READING@p,1000,X";
    /// let err = Request::parse(input).unwrap_err();
    /// assert_eq!(err.caret(input), "M:OUTTMP.READING@p,1000,X\n                       ^");
    /// ```
    pub fn caret(&self, input: &str) -> String {
        use core::fmt::Write as _;
        let target = self.offset();
        let mut line = String::with_capacity(input.len() + 8);
        let mut column = None;
        for (i, c) in input.char_indices() {
            if column.is_none() && i + c.len_utf8() > target {
                column = Some(line.chars().count());
            }
            match c {
                '\n' => line.push_str("\\n"),
                '\r' => line.push_str("\\r"),
                '\t' => line.push_str("\\t"),
                ' '..='~' => line.push(c),
                _ => {
                    let _ = write!(line, "\\u{{{:x}}}", c as u32);
                }
            }
        }
        let col = column.unwrap_or_else(|| line.chars().count());
        let mut out = line;
        out.push('\n');
        out.extend(core::iter::repeat_n(' ', col));
        out.push('^');
        out
    }
}
