//! ACNET properties (spec section 5): names, spellings, qualifier characters and defaults.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;
use crate::field::{Field, key, upper_key};

/// An ACNET property: which attribute of a device a request addresses.
///
/// ```
/// use pacsys_drf::{Field, Property};
///
/// let p: Property = "prset".parse().unwrap();
/// assert_eq!(p, Property::Setting);
/// assert_eq!(p.name(), "SETTING");
/// assert_eq!(p.qualifier(), Some('_'));
/// assert_eq!(p.default_field(), Some(Field::Scaled));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum Property {
    /// `READING` (qualifier `:`, also `?`).
    Reading,
    /// `SETTING` (qualifier `_`).
    Setting,
    /// `STATUS`, the basic status (qualifier `|`).
    Status,
    /// `CONTROL`, the basic control (qualifier `&`).
    Control,
    /// `ANALOG`, the analog alarm block (qualifier `@`).
    Analog,
    /// `DIGITAL`, the digital alarm block (qualifier `$`).
    Digital,
    /// `DESCRIPTION` (qualifier `~`).
    Description,
    /// `INDEX` (qualifier `^`).
    Index,
    /// `LONG_NAME` (qualifier `#`).
    LongName,
    /// `ALARM_LIST_NAME` (qualifier `!`).
    AlarmListName,
    /// `BIT_STATUS` (no qualifier character).
    BitStatus,
}

impl Property {
    /// Every property, in the order of the spec's table.
    pub const ALL: [Property; 11] = [
        Property::Reading,
        Property::Setting,
        Property::Status,
        Property::Control,
        Property::Analog,
        Property::Digital,
        Property::Description,
        Property::Index,
        Property::LongName,
        Property::AlarmListName,
        Property::BitStatus,
    ];

    /// The canonical (printed) name, e.g. `"READING"`.
    pub const fn name(self) -> &'static str {
        match self {
            Property::Reading => "READING",
            Property::Setting => "SETTING",
            Property::Status => "STATUS",
            Property::Control => "CONTROL",
            Property::Analog => "ANALOG",
            Property::Digital => "DIGITAL",
            Property::Description => "DESCRIPTION",
            Property::Index => "INDEX",
            Property::LongName => "LONG_NAME",
            Property::AlarmListName => "ALARM_LIST_NAME",
            Property::BitStatus => "BIT_STATUS",
        }
    }

    /// The qualifier character used when printing this property in a qualified device
    /// name (section 3.1); `None` for `BIT_STATUS`.
    pub const fn qualifier(self) -> Option<char> {
        match self {
            Property::Reading => Some(':'),
            Property::Setting => Some('_'),
            Property::Status => Some('|'),
            Property::Control => Some('&'),
            Property::Analog => Some('@'),
            Property::Digital => Some('$'),
            Property::Description => Some('~'),
            Property::Index => Some('^'),
            Property::LongName => Some('#'),
            Property::AlarmListName => Some('!'),
            Property::BitStatus => None,
        }
    }

    /// The property implied by a qualifier character (`?` and `:` both mean READING).
    pub const fn from_qualifier(q: char) -> Option<Property> {
        Some(match q {
            ':' | '?' => Property::Reading,
            '_' => Property::Setting,
            '|' => Property::Status,
            '&' => Property::Control,
            '@' => Property::Analog,
            '$' => Property::Digital,
            '~' => Property::Description,
            '^' => Property::Index,
            '#' => Property::LongName,
            '!' => Property::AlarmListName,
            _ => return None,
        })
    }

    /// The field a request has when none is written (section 5.1).
    pub const fn default_field(self) -> Option<Field> {
        match self {
            Property::Reading | Property::Setting => Some(Field::Scaled),
            Property::Analog | Property::Digital => Some(Field::All),
            _ => None,
        }
    }

    /// Whether `field` may be used with this property (section 5.1).
    pub const fn allows(self, field: Field) -> bool {
        use Field as F;
        match self {
            Property::Reading | Property::Setting => matches!(
                field,
                F::Raw | F::Primary | F::Scaled | F::Min | F::Max | F::Units
            ),
            Property::Status => matches!(
                field,
                F::Raw
                    | F::All
                    | F::Text
                    | F::ExtendedText
                    | F::On
                    | F::Ready
                    | F::Remote
                    | F::Positive
                    | F::Ramp
                    | F::BitValue
                    | F::BitNames
                    | F::BitValues
            ),
            Property::Control => matches!(field, F::Raw | F::Scaled),
            Property::Analog => matches!(
                field,
                F::Raw
                    | F::All
                    | F::Text
                    | F::Min
                    | F::Max
                    | F::Nom
                    | F::Tol
                    | F::RawMin
                    | F::RawMax
                    | F::RawNom
                    | F::RawTol
                    | F::AlarmEnable
                    | F::AlarmStatus
                    | F::TriesNeeded
                    | F::TriesNow
                    | F::AlarmFtd
                    | F::Abort
                    | F::AbortInhibit
                    | F::Flags
            ),
            Property::Digital => matches!(
                field,
                F::Raw
                    | F::All
                    | F::Text
                    | F::Nom
                    | F::Mask
                    | F::AlarmEnable
                    | F::AlarmStatus
                    | F::TriesNeeded
                    | F::TriesNow
                    | F::AlarmFtd
                    | F::Abort
                    | F::AbortInhibit
                    | F::Flags
            ),
            Property::Description
            | Property::Index
            | Property::LongName
            | Property::AlarmListName => matches!(field, F::Scaled),
            Property::BitStatus => matches!(
                field,
                F::Raw
                    | F::All
                    | F::Text
                    | F::On
                    | F::Ready
                    | F::Remote
                    | F::Positive
                    | F::Ramp
                    | F::BitValue
                    | F::BitNames
                    | F::BitValues
            ),
        }
    }

    /// Looks up a property spelling (any ASCII case), e.g. `"prread"` or `"BASIC_STATUS"`.
    pub fn from_spelling(token: &str) -> Option<Property> {
        Self::from_spelling_bytes(token.as_bytes())
    }

    #[inline]
    pub(crate) fn from_spelling_bytes(token: &[u8]) -> Option<Property> {
        Some(match upper_key(token)? {
            K_READING | K_READ | K_PRREAD => Property::Reading,
            K_SETTING | K_SET | K_PRSET => Property::Setting,
            K_STATUS | K_BASIC_STATUS | K_STS | K_PRBSTS => Property::Status,
            K_CONTROL | K_BASIC_CONTROL | K_CTRL | K_PRBCTL => Property::Control,
            K_ANALOG | K_ANALOG_ALARM | K_AA | K_PRANAB => Property::Analog,
            K_DIGITAL | K_DIGITAL_ALARM | K_DA | K_PRDABL => Property::Digital,
            K_DESCRIPTION | K_DESC | K_PRDESC => Property::Description,
            K_INDEX | K_IDX | K_PRIDX => Property::Index,
            K_LONG_NAME | K_LNGNAM | K_PRLNAM => Property::LongName,
            K_ALARM_LIST_NAME | K_LSTNAM | K_PRALNM => Property::AlarmListName,
            K_BIT_STATUS | K_BITSTATUS => Property::BitStatus,
            _ => return None,
        })
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Property {
    type Err = Error;

    /// Parses any accepted spelling; an unknown one is an [`Error::Property`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Property::from_spelling(s).ok_or(Error::Property {
            offset: 0,
            message: "unknown property name (try READING, SETTING, STATUS, CONTROL, ANALOG, DIGITAL, DESCRIPTION, INDEX, LONG_NAME, ALARM_LIST_NAME or BIT_STATUS)",
        })
    }
}

// Packed spellings (see `key`), matched as integers.
const K_READING: u128 = key(b"READING");
const K_READ: u128 = key(b"READ");
const K_PRREAD: u128 = key(b"PRREAD");
const K_SETTING: u128 = key(b"SETTING");
const K_SET: u128 = key(b"SET");
const K_PRSET: u128 = key(b"PRSET");
const K_STATUS: u128 = key(b"STATUS");
const K_BASIC_STATUS: u128 = key(b"BASIC_STATUS");
const K_STS: u128 = key(b"STS");
const K_PRBSTS: u128 = key(b"PRBSTS");
const K_CONTROL: u128 = key(b"CONTROL");
const K_BASIC_CONTROL: u128 = key(b"BASIC_CONTROL");
const K_CTRL: u128 = key(b"CTRL");
const K_PRBCTL: u128 = key(b"PRBCTL");
const K_ANALOG: u128 = key(b"ANALOG");
const K_ANALOG_ALARM: u128 = key(b"ANALOG_ALARM");
const K_AA: u128 = key(b"AA");
const K_PRANAB: u128 = key(b"PRANAB");
const K_DIGITAL: u128 = key(b"DIGITAL");
const K_DIGITAL_ALARM: u128 = key(b"DIGITAL_ALARM");
const K_DA: u128 = key(b"DA");
const K_PRDABL: u128 = key(b"PRDABL");
const K_DESCRIPTION: u128 = key(b"DESCRIPTION");
const K_DESC: u128 = key(b"DESC");
const K_PRDESC: u128 = key(b"PRDESC");
const K_INDEX: u128 = key(b"INDEX");
const K_IDX: u128 = key(b"IDX");
const K_PRIDX: u128 = key(b"PRIDX");
const K_LONG_NAME: u128 = key(b"LONG_NAME");
const K_LNGNAM: u128 = key(b"LNGNAM");
const K_PRLNAM: u128 = key(b"PRLNAM");
const K_ALARM_LIST_NAME: u128 = key(b"ALARM_LIST_NAME");
const K_LSTNAM: u128 = key(b"LSTNAM");
const K_PRALNM: u128 = key(b"PRALNM");
const K_BIT_STATUS: u128 = key(b"BIT_STATUS");
const K_BITSTATUS: u128 = key(b"BITSTATUS");
