//! Array and byte ranges (spec section 6).

use core::fmt;

use crate::error::Error;

/// Largest array index or byte offset/length (Java's `Integer.MAX_VALUE`).
pub const MAX_INDEX: u32 = 2_147_483_647;

/// Largest allowed byte offset + length.
const MAX_BYTE_END: u64 = 2_147_483_648;

/// An optional bound in 4 bytes (`u32::MAX`, above every valid bound, means "none").
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Bound(u32);

impl fmt::Debug for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl Bound {
    const fn new(v: Option<u32>) -> Bound {
        match v {
            Some(v) => Bound(v),
            None => Bound(u32::MAX),
        }
    }

    const fn get(self) -> Option<u32> {
        if self.0 == u32::MAX {
            None
        } else {
            Some(self.0)
        }
    }
}

/// How a range was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum RangeMode {
    /// `[]`, `[:]`, `{}` or `{:}`: everything.
    Full,
    /// `[n]` or `{n}`: one element / item.
    Single,
    /// `[n:m]`, `[n:]`, `[:m]` (and the byte forms): a span with one or two bounds.
    Std,
}

impl RangeMode {
    /// The vector/spec spelling: `full`, `single` or `std`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RangeMode::Full => "full",
            RangeMode::Single => "single",
            RangeMode::Std => "std",
        }
    }
}

/// An array range `[...]`: inclusive element indices.
///
/// ```
/// use pacsys_drf::ArrayRange;
///
/// let r = ArrayRange::span(Some(2), Some(5)).unwrap();
/// assert_eq!(r.to_string(), "[2:5]");
/// assert!(ArrayRange::span(Some(5), Some(2)).is_err());
/// assert_eq!(ArrayRange::single(7).unwrap().to_string(), "[7]");
/// assert_eq!(ArrayRange::full().to_string(), "[:]");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArrayRange {
    mode: RangeMode,
    low: Bound,
    high: Bound,
}

impl ArrayRange {
    /// The full range `[:]`.
    pub const fn full() -> Self {
        ArrayRange {
            mode: RangeMode::Full,
            low: Bound::new(None),
            high: Bound::new(None),
        }
    }

    /// A single element `[at]`; `at` must be at most [`MAX_INDEX`].
    pub const fn single(at: u32) -> Result<Self, Error> {
        if at > MAX_INDEX {
            return Err(range_err("array index above 2147483647"));
        }
        Ok(ArrayRange {
            mode: RangeMode::Single,
            low: Bound::new(Some(at)),
            high: Bound::new(None),
        })
    }

    /// A span `[low:high]`, `[low:]` or `[:high]` (inclusive); with neither bound it is the
    /// full range. Bounds must be at most [`MAX_INDEX`] and `high >= low`.
    pub const fn span(low: Option<u32>, high: Option<u32>) -> Result<Self, Error> {
        if let Some(l) = low {
            if l > MAX_INDEX {
                return Err(range_err("array range start above 2147483647"));
            }
        }
        if let Some(h) = high {
            if h > MAX_INDEX {
                return Err(range_err("array range end above 2147483647"));
            }
            if let Some(l) = low {
                if h < l {
                    return Err(range_err(
                        "array range end precedes its start: write [low:high] with high >= low",
                    ));
                }
            }
        }
        if low.is_none() && high.is_none() {
            return Ok(Self::full());
        }
        Ok(ArrayRange {
            mode: RangeMode::Std,
            low: Bound::new(low),
            high: Bound::new(high),
        })
    }

    /// How the range was written.
    pub const fn mode(&self) -> RangeMode {
        self.mode
    }

    /// First element (for `Single`, the element).
    pub const fn low(&self) -> Option<u32> {
        self.low.get()
    }

    /// Last element (inclusive), if given.
    pub const fn high(&self) -> Option<u32> {
        self.high.get()
    }
}

/// A byte range `{...}`: an offset and a length in bytes.
///
/// ```
/// use pacsys_drf::ByteRange;
///
/// let r = ByteRange::span(Some(4), Some(2)).unwrap();
/// assert_eq!(r.to_string(), "{4:2}");
/// assert!(ByteRange::span(Some(2147483647), Some(2)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByteRange {
    mode: RangeMode,
    offset: Bound,
    length: Bound,
}

impl ByteRange {
    /// The full range `{:}`.
    pub const fn full() -> Self {
        ByteRange {
            mode: RangeMode::Full,
            offset: Bound::new(None),
            length: Bound::new(None),
        }
    }

    /// A single item `{offset}` (no explicit length).
    pub const fn single(offset: u32) -> Result<Self, Error> {
        if offset > MAX_INDEX {
            return Err(range_err("byte offset above 2147483647"));
        }
        Ok(ByteRange {
            mode: RangeMode::Single,
            offset: Bound::new(Some(offset)),
            length: Bound::new(None),
        })
    }

    /// `{offset:length}`, `{offset:}` or `{:length}`; with neither it is the full range.
    /// Each must be at most [`MAX_INDEX`] and offset + length at most 2^31.
    pub const fn span(offset: Option<u32>, length: Option<u32>) -> Result<Self, Error> {
        if let Some(o) = offset {
            if o > MAX_INDEX {
                return Err(range_err("byte offset above 2147483647"));
            }
        }
        if let Some(l) = length {
            if l > MAX_INDEX {
                return Err(range_err("byte length above 2147483647"));
            }
            if let Some(o) = offset {
                if o as u64 + l as u64 > MAX_BYTE_END {
                    return Err(range_err("byte offset + length above 2147483648"));
                }
            }
        }
        if offset.is_none() && length.is_none() {
            return Ok(Self::full());
        }
        Ok(ByteRange {
            mode: RangeMode::Std,
            offset: Bound::new(offset),
            length: Bound::new(length),
        })
    }

    /// How the range was written.
    pub const fn mode(&self) -> RangeMode {
        self.mode
    }

    /// Offset in bytes, if given.
    pub const fn offset(&self) -> Option<u32> {
        self.offset.get()
    }

    /// Length in bytes, if given.
    pub const fn length(&self) -> Option<u32> {
        self.length.get()
    }
}

/// A range: array elements or bytes.
///
/// ```
/// use pacsys_drf::{Range, RangeMode};
///
/// let r: Range = "[007:]".parse().unwrap();
/// assert_eq!(r.to_string(), "[7:]");
/// assert_eq!(r.mode(), RangeMode::Std);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range {
    /// `[...]`
    Array(ArrayRange),
    /// `{...}`
    Byte(ByteRange),
}

impl Range {
    /// How the range was written.
    pub const fn mode(&self) -> RangeMode {
        match self {
            Range::Array(a) => a.mode,
            Range::Byte(b) => b.mode,
        }
    }

    /// `"array"` or `"byte"`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Range::Array(_) => "array",
            Range::Byte(_) => "byte",
        }
    }

    /// The range with equivalent spellings folded: `[0:]` -> `[:]`, `[:m]` -> `[0:m]`,
    /// `[n:n]` -> `[n]`, `{0:}` / `{:}` -> `{:}`, `{:m}` -> `{0:m}`.
    pub const fn normalized(&self) -> Range {
        match *self {
            Range::Array(a) => Range::Array(match (a.mode, a.low.get(), a.high.get()) {
                (RangeMode::Std, low, high) => {
                    let low = match low {
                        Some(l) => l,
                        None => 0,
                    };
                    match high {
                        None if low == 0 => ArrayRange::full(),
                        None => ArrayRange {
                            mode: RangeMode::Std,
                            low: Bound::new(Some(low)),
                            high: Bound::new(None),
                        },
                        Some(h) if h == low => ArrayRange {
                            mode: RangeMode::Single,
                            low: Bound::new(Some(low)),
                            high: Bound::new(None),
                        },
                        Some(h) => ArrayRange {
                            mode: RangeMode::Std,
                            low: Bound::new(Some(low)),
                            high: Bound::new(Some(h)),
                        },
                    }
                }
                _ => a,
            }),
            Range::Byte(b) => Range::Byte(match (b.mode, b.offset.get(), b.length.get()) {
                (RangeMode::Std, offset, length) => {
                    let offset = match offset {
                        Some(o) => o,
                        None => 0,
                    };
                    match length {
                        None if offset == 0 => ByteRange::full(),
                        _ => ByteRange {
                            mode: RangeMode::Std,
                            offset: Bound::new(Some(offset)),
                            length: Bound::new(length),
                        },
                    }
                }
                _ => b,
            }),
        }
    }
}

const fn range_err(message: &'static str) -> Error {
    Error::Range { offset: 0, message }
}

/// Parses a decimal number, saturating at `u64::MAX` (callers only compare it to limits).
#[inline]
fn decimal(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(d.wrapping_sub(b'0')))
    })
}

#[inline]
fn bound(digits: &[u8]) -> Option<Option<u32>> {
    if digits.is_empty() {
        return Some(None);
    }
    let v = decimal(digits);
    if v > u64::from(MAX_INDEX) {
        None
    } else {
        Some(Some(v as u32))
    }
}

/// Parses the text of a range (brackets included) whose inside holds only ASCII digits
/// and colons. Error offsets are relative to the opening bracket.
#[inline]
pub(crate) fn parse_range_text(text: &[u8]) -> Result<Range, Error> {
    let (open, inner) = match text {
        [open @ (b'[' | b'{'), inner @ .., b']' | b'}'] => (*open, inner),
        _ => return Err(range_err("a range is [n], [n:m], {n} or {n:m}")),
    };
    let array = open == b'[';
    let colon = inner.iter().position(|&b| b == b':');
    let (first, second) = match colon {
        None => (inner, None),
        Some(c) => {
            let (a, b) = inner.split_at(c);
            let b = b.get(1..).unwrap_or(&[]);
            if b.contains(&b':') {
                return Err(range_err("a range holds at most one colon: [n:m] or {n:m}"));
            }
            (a, Some(b))
        }
    };
    let too_big = if array {
        "array index above 2147483647"
    } else {
        "byte offset or length above 2147483647"
    };
    let lo = bound(first).ok_or(range_err(too_big))?;
    match second {
        None => match lo {
            None => Ok(if array {
                Range::Array(ArrayRange::full())
            } else {
                Range::Byte(ByteRange::full())
            }),
            Some(v) => Ok(if array {
                Range::Array(ArrayRange {
                    mode: RangeMode::Single,
                    low: Bound::new(Some(v)),
                    high: Bound::new(None),
                })
            } else {
                Range::Byte(ByteRange {
                    mode: RangeMode::Single,
                    offset: Bound::new(Some(v)),
                    length: Bound::new(None),
                })
            }),
        },
        Some(sec) => {
            let hi = bound(sec).ok_or(range_err(too_big))?;
            if array {
                ArrayRange::span(lo, hi).map(Range::Array)
            } else {
                ByteRange::span(lo, hi).map(Range::Byte)
            }
        }
    }
}

impl core::str::FromStr for Range {
    type Err = Error;

    /// Parses a range on its own, e.g. `"[0:3]"` or `"{4:2}"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let inner_ok = b
            .get(1..b.len().saturating_sub(1))
            .is_some_and(|inner| inner.iter().all(|&c| c.is_ascii_digit() || c == b':'));
        if b.len() < 2 || !inner_ok {
            return Err(range_err(
                "a range is [n], [n:m], {n} or {n:m} with decimal numbers",
            ));
        }
        parse_range_text(b)
    }
}

fn write_opt(f: &mut fmt::Formatter<'_>, v: Option<u32>) -> fmt::Result {
    match v {
        Some(v) => write!(f, "{v}"),
        None => Ok(()),
    }
}

impl fmt::Display for ArrayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            RangeMode::Full => f.write_str("[:]"),
            RangeMode::Single => {
                f.write_str("[")?;
                write_opt(f, self.low.get())?;
                f.write_str("]")
            }
            RangeMode::Std => {
                f.write_str("[")?;
                write_opt(f, self.low.get())?;
                f.write_str(":")?;
                write_opt(f, self.high.get())?;
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            RangeMode::Full => f.write_str("{:}"),
            RangeMode::Single => {
                f.write_str("{")?;
                write_opt(f, self.offset.get())?;
                f.write_str("}")
            }
            RangeMode::Std => {
                f.write_str("{")?;
                write_opt(f, self.offset.get())?;
                f.write_str(":")?;
                write_opt(f, self.length.get())?;
                f.write_str("}")
            }
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::Array(a) => a.fmt(f),
            Range::Byte(b) => b.fmt(f),
        }
    }
}
