//! Property fields (spec section 7): canonical names and accepted spellings.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;

/// A field of a property: which part of the property's data is wanted.
///
/// ```
/// use pacsys_drf::{Field, Property};
///
/// let f: Field = "volts".parse().unwrap();
/// assert_eq!(f, Field::Primary);
/// assert_eq!(f.name(), "PRIMARY");
/// assert!(Property::Reading.allows(f));
/// assert!(!Property::Status.allows(f));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum Field {
    /// `RAW`: unscaled data.
    Raw,
    /// `PRIMARY` (also `VOLTS`): primary units.
    Primary,
    /// `SCALED` (also `COMMON`): common (engineering) units.
    Scaled,
    /// `ALL`: the whole structure.
    All,
    /// `TEXT`: text rendering.
    Text,
    /// `EXTENDED_TEXT`: extended text rendering.
    ExtendedText,
    /// `ON` status bit.
    On,
    /// `READY` status bit.
    Ready,
    /// `REMOTE` status bit.
    Remote,
    /// `POSITIVE` status bit.
    Positive,
    /// `RAMP` status bit.
    Ramp,
    /// `BIT_VALUE`.
    BitValue,
    /// `BIT_NAMES`.
    BitNames,
    /// `BIT_VALUES`.
    BitValues,
    /// `MIN` (also `MINIMUM`).
    Min,
    /// `MAX` (also `MAXIMUM`).
    Max,
    /// `NOM` (also `NOMINAL`).
    Nom,
    /// `TOL` (also `TOLERANCE`).
    Tol,
    /// `RAW_MIN` (also `RAWMIN`).
    RawMin,
    /// `RAW_MAX` (also `RAWMAX`).
    RawMax,
    /// `RAW_NOM` (also `RAWNOM`).
    RawNom,
    /// `RAW_TOL` (also `RAWTOL`).
    RawTol,
    /// `ALARM_ENABLE` (also `ENABLE`).
    AlarmEnable,
    /// `ALARM_STATUS` (also `STATUS`).
    AlarmStatus,
    /// `TRIES_NEEDED`.
    TriesNeeded,
    /// `TRIES_NOW`.
    TriesNow,
    /// `ALARM_FTD` (also `FTD`).
    AlarmFtd,
    /// `ABORT`.
    Abort,
    /// `ABORT_INHIBIT`.
    AbortInhibit,
    /// `FLAGS`.
    Flags,
    /// `MASK`.
    Mask,
    /// `UNITS`.
    Units,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 32] = [
        Field::Raw,
        Field::Primary,
        Field::Scaled,
        Field::All,
        Field::Text,
        Field::ExtendedText,
        Field::On,
        Field::Ready,
        Field::Remote,
        Field::Positive,
        Field::Ramp,
        Field::BitValue,
        Field::BitNames,
        Field::BitValues,
        Field::Min,
        Field::Max,
        Field::Nom,
        Field::Tol,
        Field::RawMin,
        Field::RawMax,
        Field::RawNom,
        Field::RawTol,
        Field::AlarmEnable,
        Field::AlarmStatus,
        Field::TriesNeeded,
        Field::TriesNow,
        Field::AlarmFtd,
        Field::Abort,
        Field::AbortInhibit,
        Field::Flags,
        Field::Mask,
        Field::Units,
    ];

    /// The canonical (printed) name, e.g. `"ALARM_STATUS"`.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Raw => "RAW",
            Field::Primary => "PRIMARY",
            Field::Scaled => "SCALED",
            Field::All => "ALL",
            Field::Text => "TEXT",
            Field::ExtendedText => "EXTENDED_TEXT",
            Field::On => "ON",
            Field::Ready => "READY",
            Field::Remote => "REMOTE",
            Field::Positive => "POSITIVE",
            Field::Ramp => "RAMP",
            Field::BitValue => "BIT_VALUE",
            Field::BitNames => "BIT_NAMES",
            Field::BitValues => "BIT_VALUES",
            Field::Min => "MIN",
            Field::Max => "MAX",
            Field::Nom => "NOM",
            Field::Tol => "TOL",
            Field::RawMin => "RAW_MIN",
            Field::RawMax => "RAW_MAX",
            Field::RawNom => "RAW_NOM",
            Field::RawTol => "RAW_TOL",
            Field::AlarmEnable => "ALARM_ENABLE",
            Field::AlarmStatus => "ALARM_STATUS",
            Field::TriesNeeded => "TRIES_NEEDED",
            Field::TriesNow => "TRIES_NOW",
            Field::AlarmFtd => "ALARM_FTD",
            Field::Abort => "ABORT",
            Field::AbortInhibit => "ABORT_INHIBIT",
            Field::Flags => "FLAGS",
            Field::Mask => "MASK",
            Field::Units => "UNITS",
        }
    }

    /// Looks up a field spelling (any ASCII case), e.g. `"minimum"` or `"FTD"`.
    pub fn from_spelling(token: &str) -> Option<Field> {
        Self::from_spelling_bytes(token.as_bytes())
    }

    #[inline]
    pub(crate) fn from_spelling_bytes(token: &[u8]) -> Option<Field> {
        Some(match upper_key(token)? {
            K_RAW => Field::Raw,
            K_PRIMARY | K_VOLTS => Field::Primary,
            K_SCALED | K_COMMON => Field::Scaled,
            K_ALL => Field::All,
            K_TEXT => Field::Text,
            K_EXTENDED_TEXT => Field::ExtendedText,
            K_ON => Field::On,
            K_READY => Field::Ready,
            K_REMOTE => Field::Remote,
            K_POSITIVE => Field::Positive,
            K_RAMP => Field::Ramp,
            K_BIT_VALUE => Field::BitValue,
            K_BIT_NAMES => Field::BitNames,
            K_BIT_VALUES => Field::BitValues,
            K_MIN | K_MINIMUM => Field::Min,
            K_MAX | K_MAXIMUM => Field::Max,
            K_NOM | K_NOMINAL => Field::Nom,
            K_TOL | K_TOLERANCE => Field::Tol,
            K_RAW_MIN | K_RAWMIN => Field::RawMin,
            K_RAW_MAX | K_RAWMAX => Field::RawMax,
            K_RAW_NOM | K_RAWNOM => Field::RawNom,
            K_RAW_TOL | K_RAWTOL => Field::RawTol,
            K_ALARM_ENABLE | K_ENABLE => Field::AlarmEnable,
            K_ALARM_STATUS | K_STATUS => Field::AlarmStatus,
            K_TRIES_NEEDED => Field::TriesNeeded,
            K_TRIES_NOW => Field::TriesNow,
            K_ALARM_FTD | K_FTD => Field::AlarmFtd,
            K_ABORT => Field::Abort,
            K_ABORT_INHIBIT => Field::AbortInhibit,
            K_FLAGS => Field::Flags,
            K_MASK => Field::Mask,
            K_UNITS => Field::Units,
            _ => return None,
        })
    }
}

/// Packs an ASCII spelling of at most 16 bytes into a `u128`, little-endian (compile time).
pub(crate) const fn key(s: &[u8]) -> u128 {
    let mut k = 0u128;
    let mut i = 0;
    let mut rest = s;
    while let [first, tail @ ..] = rest {
        if i < 16 {
            k |= (*first as u128) << (8 * i);
        }
        i += 1;
        rest = tail;
    }
    k
}

/// Packs `token` uppercased like [`key`]; `None` when longer than 16 bytes (no spelling is).
/// Tokens hold no NUL byte, so different lengths never collide.
#[inline]
pub(crate) fn upper_key(token: &[u8]) -> Option<u128> {
    use crate::ascii::{load_word, upper_word};
    let n = token.len();
    if n > 16 {
        return None;
    }
    let (lo, hi) = if n >= 8 {
        // Bytes 8..n sit at the top of the word that ends at n.
        let last = load_word(token, n - 8);
        (
            load_word(token, 0),
            last.checked_shr(8 * (16 - n) as u32).unwrap_or(0),
        )
    } else {
        let mut lo = 0u64;
        for (i, &b) in token.iter().enumerate() {
            lo |= u64::from(b) << (8 * i);
        }
        (lo, 0)
    };
    Some((u128::from(upper_word(hi)) << 64) | u128::from(upper_word(lo)))
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = Error;

    /// Parses any accepted spelling; an unknown one is an [`Error::Field`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::from_spelling(s).ok_or(Error::Field {
            offset: 0,
            message: "unknown field name (see the field table: RAW, PRIMARY, SCALED, ALL, TEXT, MIN, MAX, ...)",
        })
    }
}

// Packed spellings (see `key`), matched as integers.
const K_RAW: u128 = key(b"RAW");
const K_PRIMARY: u128 = key(b"PRIMARY");
const K_VOLTS: u128 = key(b"VOLTS");
const K_SCALED: u128 = key(b"SCALED");
const K_COMMON: u128 = key(b"COMMON");
const K_ALL: u128 = key(b"ALL");
const K_TEXT: u128 = key(b"TEXT");
const K_EXTENDED_TEXT: u128 = key(b"EXTENDED_TEXT");
const K_ON: u128 = key(b"ON");
const K_READY: u128 = key(b"READY");
const K_REMOTE: u128 = key(b"REMOTE");
const K_POSITIVE: u128 = key(b"POSITIVE");
const K_RAMP: u128 = key(b"RAMP");
const K_BIT_VALUE: u128 = key(b"BIT_VALUE");
const K_BIT_NAMES: u128 = key(b"BIT_NAMES");
const K_BIT_VALUES: u128 = key(b"BIT_VALUES");
const K_MIN: u128 = key(b"MIN");
const K_MINIMUM: u128 = key(b"MINIMUM");
const K_MAX: u128 = key(b"MAX");
const K_MAXIMUM: u128 = key(b"MAXIMUM");
const K_NOM: u128 = key(b"NOM");
const K_NOMINAL: u128 = key(b"NOMINAL");
const K_TOL: u128 = key(b"TOL");
const K_TOLERANCE: u128 = key(b"TOLERANCE");
const K_RAW_MIN: u128 = key(b"RAW_MIN");
const K_RAWMIN: u128 = key(b"RAWMIN");
const K_RAW_MAX: u128 = key(b"RAW_MAX");
const K_RAWMAX: u128 = key(b"RAWMAX");
const K_RAW_NOM: u128 = key(b"RAW_NOM");
const K_RAWNOM: u128 = key(b"RAWNOM");
const K_RAW_TOL: u128 = key(b"RAW_TOL");
const K_RAWTOL: u128 = key(b"RAWTOL");
const K_ALARM_ENABLE: u128 = key(b"ALARM_ENABLE");
const K_ENABLE: u128 = key(b"ENABLE");
const K_ALARM_STATUS: u128 = key(b"ALARM_STATUS");
const K_STATUS: u128 = key(b"STATUS");
const K_TRIES_NEEDED: u128 = key(b"TRIES_NEEDED");
const K_TRIES_NOW: u128 = key(b"TRIES_NOW");
const K_ALARM_FTD: u128 = key(b"ALARM_FTD");
const K_FTD: u128 = key(b"FTD");
const K_ABORT: u128 = key(b"ABORT");
const K_ABORT_INHIBIT: u128 = key(b"ABORT_INHIBIT");
const K_FLAGS: u128 = key(b"FLAGS");
const K_MASK: u128 = key(b"MASK");
const K_UNITS: u128 = key(b"UNITS");
