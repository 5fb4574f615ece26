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
        let mut buf = [0u8; 16];
        let up = upper_into(token, &mut buf)?;
        Some(match up {
            b"RAW" => Field::Raw,
            b"PRIMARY" | b"VOLTS" => Field::Primary,
            b"SCALED" | b"COMMON" => Field::Scaled,
            b"ALL" => Field::All,
            b"TEXT" => Field::Text,
            b"EXTENDED_TEXT" => Field::ExtendedText,
            b"ON" => Field::On,
            b"READY" => Field::Ready,
            b"REMOTE" => Field::Remote,
            b"POSITIVE" => Field::Positive,
            b"RAMP" => Field::Ramp,
            b"BIT_VALUE" => Field::BitValue,
            b"BIT_NAMES" => Field::BitNames,
            b"BIT_VALUES" => Field::BitValues,
            b"MIN" | b"MINIMUM" => Field::Min,
            b"MAX" | b"MAXIMUM" => Field::Max,
            b"NOM" | b"NOMINAL" => Field::Nom,
            b"TOL" | b"TOLERANCE" => Field::Tol,
            b"RAW_MIN" | b"RAWMIN" => Field::RawMin,
            b"RAW_MAX" | b"RAWMAX" => Field::RawMax,
            b"RAW_NOM" | b"RAWNOM" => Field::RawNom,
            b"RAW_TOL" | b"RAWTOL" => Field::RawTol,
            b"ALARM_ENABLE" | b"ENABLE" => Field::AlarmEnable,
            b"ALARM_STATUS" | b"STATUS" => Field::AlarmStatus,
            b"TRIES_NEEDED" => Field::TriesNeeded,
            b"TRIES_NOW" => Field::TriesNow,
            b"ALARM_FTD" | b"FTD" => Field::AlarmFtd,
            b"ABORT" => Field::Abort,
            b"ABORT_INHIBIT" => Field::AbortInhibit,
            b"FLAGS" => Field::Flags,
            b"MASK" => Field::Mask,
            b"UNITS" => Field::Units,
            _ => return None,
        })
    }
}

/// Uppercases `token` into `buf`; `None` when it does not fit (no spelling is that long).
#[inline]
pub(crate) fn upper_into<'b>(token: &[u8], buf: &'b mut [u8; 16]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..token.len())?;
    for (o, &b) in out.iter_mut().zip(token) {
        *o = b.to_ascii_uppercase();
    }
    Some(out)
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
