//! The ACNET status word.
//!
//! Every `status` field of the DPM protocol is a signed 16-bit ACNET status:
//!
//! ```text
//! status   = facility + 256 * error
//! facility = status & 0xFF        (unsigned, 0..=255: the subsystem)
//! error    = status >> 8          (arithmetic shift; signed, -128..=127: the condition)
//! ```
//!
//! As a 16-bit word the low byte is the facility and the high byte is the error as a
//! signed byte. The error part decides the class: `0` success, positive a warning
//! (data, if any, is still usable), negative a failure.

use core::fmt;

/// An ACNET status: a facility (the subsystem, `u8`) and a signed error code (`i8`).
///
/// The wire form is a signed 16-bit integer, `facility + 256 * error`.
///
/// ```
/// use pacsys_types::Status;
///
/// let s = Status::new(17, 1);
/// assert_eq!(s.raw(), 273);
/// assert_eq!(s, Status::DPM_PEND);
/// assert!(s.is_warning() && !s.is_error() && !s.is_ok());
/// assert_eq!(s.to_string(), "DPM_PEND (17 1): pending / no data yet");
///
/// // From the wire bytes `12 ef 11`:
/// let s = Status::from_u16(0xEF11);
/// assert_eq!((s.facility(), s.error()), (17, -17));
/// assert_eq!(s.raw(), -4335);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Status(i16);

impl Status {
    /// Builds a status from its facility and error parts.
    #[inline]
    pub const fn new(facility: u8, error: i8) -> Status {
        Status(((error as u8 as u16) << 8 | facility as u16) as i16)
    }

    /// Builds a status from the signed 16-bit wire value.
    #[inline]
    pub const fn from_raw(raw: i16) -> Status {
        Status(raw)
    }

    /// Builds a status from the 16-bit word read as unsigned (e.g. `0xEF11`).
    #[inline]
    pub const fn from_u16(word: u16) -> Status {
        Status(word as i16)
    }

    /// The signed 16-bit wire value (`facility + 256 * error`).
    #[inline]
    pub const fn raw(self) -> i16 {
        self.0
    }

    /// The 16-bit word as unsigned (e.g. `0xEF11` for DPM_PRIV).
    #[inline]
    pub const fn to_u16(self) -> u16 {
        self.0 as u16
    }

    /// The facility (subsystem) code: the low byte. 1 ACNET, 14 DIO, 16 DBM, 17 DPM, 66 DAE.
    #[inline]
    pub const fn facility(self) -> u8 {
        (self.0 as u16 & 0xFF) as u8
    }

    /// The signed error code: the high byte. `0` success, `> 0` warning, `< 0` failure.
    #[inline]
    pub const fn error(self) -> i8 {
        (self.0 >> 8) as i8
    }

    /// `true` when the error part is zero (success, whatever the facility).
    #[inline]
    pub const fn is_ok(self) -> bool {
        self.error() == 0
    }

    /// `true` when the error part is positive: a warning; data, if any, is still usable.
    #[inline]
    pub const fn is_warning(self) -> bool {
        self.error() > 0
    }

    /// `true` when the error part is negative: the operation failed.
    #[inline]
    pub const fn is_error(self) -> bool {
        self.error() < 0
    }

    /// The symbolic name (e.g. `"DPM_PRIV"`), if this code is in the known table.
    ///
    /// Status 0 is named `"OK"`; other success codes (error 0, non-zero facility) have no name.
    pub fn name(self) -> Option<&'static str> {
        lookup(self).map(|e| e.1)
    }

    /// A short human description (e.g. `"not privileged to set"`), if the code is known.
    pub fn message(self) -> Option<&'static str> {
        lookup(self).map(|e| e.2)
    }
}

impl From<i16> for Status {
    #[inline]
    fn from(raw: i16) -> Status {
        Status(raw)
    }
}

impl From<Status> for i16 {
    #[inline]
    fn from(s: Status) -> i16 {
        s.0
    }
}

impl fmt::Display for Status {
    /// `DPM_PRIV (17 -17): not privileged to set`, or `status (17 -99)` for an unknown code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match lookup(*self) {
            Some((_, name, msg)) => {
                write!(f, "{name} ({} {}): {msg}", self.facility(), self.error())
            }
            None => write!(f, "status ({} {})", self.facility(), self.error()),
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Status({name} {} {})", self.facility(), self.error()),
            None => write!(f, "Status({} {})", self.facility(), self.error()),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i16(self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        <i16 as serde::Deserialize>::deserialize(d).map(Status)
    }
}

fn lookup(s: Status) -> Option<&'static (Status, &'static str, &'static str)> {
    TABLE.iter().find(|e| e.0 == s)
}

macro_rules! status_table {
    ($( $(#[$doc:meta])* $name:ident = ($fac:literal, $err:literal, $msg:literal); )*) => {
        impl Status {
            $(
                $(#[$doc])*
                #[doc = concat!("`", stringify!($name), "`: facility ", stringify!($fac),
                    ", error ", stringify!($err), " (", $msg, ").")]
                pub const $name: Status = Status::new($fac, $err);
            )*
        }

        const TABLE: &[(Status, &str, &str)] = &[
            $( (Status::$name, stringify!($name), $msg), )*
        ];
    };
}

status_table! {
    OK = (0, 0, "success");
    DPM_PEND = (17, 1, "pending / no data yet");
    DPM_STALE = (17, 2, "data is more than a cycle late");
    DPM_LARGE_LIST = (17, 3, "suspiciously large list");
    DPM_RESTART_TOO_FAST = (17, -1, "acquisition restarted too quickly");
    DPM_OUTOMEM = (17, -9, "DPM out of memory");
    DPM_TMOSET = (17, -10, "front end did not answer a setting");
    DPM_DPMSER = (17, -12, "DPM system error (database/helper down)");
    DPM_NOSET = (17, -15, "settings not allowed from this client");
    DPM_SETLOCK = (17, -16, "settings locked");
    DPM_PRIV = (17, -17, "not privileged to set");
    DPM_DBPRIV = (17, -18, "console class may not set this device");
    DPM_REDIRECT = (17, -19, "redirection state forbids it");
    DPM_WHACKEDSETS = (17, -20, "settings disabled by interlock");
    DPM_NO_TCLK = (17, -23, "front end not receiving clock events");
    DPM_BAD_REQUEST = (17, -24, "malformed request / DRF");
    DPM_LOOKUP_FAILED = (17, -25, "device lookup failed");
    DPM_NO_SUCH_DEVICE = (17, -26, "unknown device");
    DPM_NO_SUCH_PROP = (17, -27, "device lacks that property");
    DPM_BAD_RANGE = (17, -28, "bad array range");
    DPM_OUT_OF_BOUNDS = (17, -29, "range outside the device's data");
    DPM_BAD_FRAMING = (17, -30, "range not a multiple of element size");
    DPM_NO_SCALE = (17, -31, "no scaling available");
    DPM_NO_SUCH_FIELD = (17, -32, "unknown DRF field");
    DPM_BAD_EVENT = (17, -33, "bad event syntax");
    DPM_BAD_DEF_EVENT = (17, -34, "device has no usable default event");
    DPM_BAD_LENGTH = (17, -35, "wrong data length for device");
    DPM_SCALING_FAILED = (17, -36, "scaling failed");
    DPM_NO_SUCH_LIST = (17, -37, "list id unknown");
    DPM_SERVICE_NOT_FOUND = (17, -38, "DPM service not found");
    DPM_DOC_DEVICE = (17, -40, "documentation-only device (no data)");
    DPM_INVALID_DATASOURCE = (17, -42, "bad data source");
    DPM_REPLY_OVERFLOW = (17, -44, "reply too large; split the request");
    DPM_INTERNAL_ERROR = (17, -45, "internal DPM error");
    DPM_NOT_YET = (17, -48, "not implemented");
    ACNET_PEND = (1, 1, "operation pending");
    ACNET_ENDMULT = (1, 2, "end of multiple replies");
    ACNET_RETRY = (1, -1, "retryable I/O error");
    ACNET_NOLCLMEM = (1, -2, "no local memory");
    ACNET_REQTMO = (1, -6, "request timed out");
    ACNET_QUEFULL = (1, -7, "destination queue full");
    ACNET_BUSY = (1, -8, "destination busy");
    ACNET_NOT_CONNECTED = (1, -21, "not connected to the network");
    ACNET_NO_SUCH = (1, -24, "no such request or reply");
    ACNET_REQREJ = (1, -25, "request rejected");
    ACNET_CANCELLED = (1, -26, "request cancelled");
    ACNET_NO_NODE = (1, -30, "unknown node");
    ACNET_NO_TASK = (1, -33, "unknown task");
    ACNET_DISCONNECTED = (1, -34, "replier disconnected");
    ACNET_NODE_DOWN = (1, -42, "node offline");
    ACNET_UTIME = (1, -49, "user timeout");
    ACNET_INVARG = (1, -50, "invalid argument");
    DBM_NOPROP = (16, -13, "property not in the database");
    DIO_NOSCALE = (14, -7, "no scaling information");
    DIO_SETDIS = (14, -14, "setting inhibited");
    DIO_INVDEV = (14, -19, "invalid device");
    DIO_TIMEOUT = (14, -43, "timed out");
    DIO_RANGE = (14, -58, "value out of range");
    DIO_NOPRIV = (14, -59, "no privilege");
    DIO_READONLY = (14, -60, "read-only");
    DIO_NOT_SUPPORTED = (14, -69, "operation not supported");
    DIO_NO_DATA = (14, -82, "no data for this request");
    DAE_LJ_NO_DATA = (66, -64, "no logger data in the requested window");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_matches_spec_table() {
        // (name, facility, error, status, hex) rows from spec section 7.
        let rows: &[(Status, u8, i8, i16, u16)] = &[
            (Status::DPM_PEND, 17, 1, 273, 0x0111),
            (Status::DPM_STALE, 17, 2, 529, 0x0211),
            (Status::DPM_PRIV, 17, -17, -4335, 0xEF11),
            (Status::DPM_NO_SUCH_DEVICE, 17, -26, -6639, 0xE611),
            (Status::DPM_NOT_YET, 17, -48, -12271, 0xD011),
            (Status::ACNET_RETRY, 1, -1, -255, 0xFF01),
            (Status::ACNET_INVARG, 1, -50, -12799, 0xCE01),
            (Status::DBM_NOPROP, 16, -13, -3312, 0xF310),
            (Status::DIO_NO_DATA, 14, -82, -20978, 0xAE0E),
            (Status::DAE_LJ_NO_DATA, 66, -64, -16318, 0xC042),
        ];
        for &(s, fac, err, raw, hex) in rows {
            assert_eq!(s.facility(), fac, "{s:?}");
            assert_eq!(s.error(), err, "{s:?}");
            assert_eq!(s.raw(), raw, "{s:?}");
            assert_eq!(s.to_u16(), hex, "{s:?}");
            assert_eq!(Status::from_raw(raw), s);
            assert_eq!(Status::from_u16(hex), s);
            assert_eq!(raw, fac as i16 + 256 * err as i16);
        }
    }

    #[test]
    fn every_raw_value_round_trips() {
        for raw in i16::MIN..=i16::MAX {
            let s = Status::from_raw(raw);
            assert_eq!(Status::new(s.facility(), s.error()), s);
            assert_eq!(i16::from(s), raw);
        }
    }

    #[test]
    fn classification() {
        assert!(Status::OK.is_ok());
        assert!(Status::new(17, 0).is_ok());
        assert!(Status::DPM_PEND.is_warning());
        assert!(Status::DPM_PRIV.is_error());
        assert!(!Status::DPM_PRIV.is_ok() && !Status::DPM_PRIV.is_warning());
        assert_eq!(Status::from_raw(i16::MIN).error(), -128);
        assert_eq!(Status::from_raw(i16::MIN).facility(), 0);
    }

    #[test]
    fn names_messages_display() {
        assert_eq!(Status::DPM_PRIV.name(), Some("DPM_PRIV"));
        assert_eq!(Status::DPM_PRIV.message(), Some("not privileged to set"));
        assert_eq!(
            Status::DPM_PRIV.to_string(),
            "DPM_PRIV (17 -17): not privileged to set"
        );
        assert_eq!(Status::OK.to_string(), "OK (0 0): success");
        assert_eq!(Status::new(17, -99).to_string(), "status (17 -99)");
        assert_eq!(Status::new(17, -99).name(), None);
        assert_eq!(format!("{:?}", Status::DPM_PEND), "Status(DPM_PEND 17 1)");
        // Every table entry is unique.
        for (i, a) in TABLE.iter().enumerate() {
            for b in &TABLE[i + 1..] {
                assert_ne!(a.0, b.0, "{} and {} share a code", a.1, b.1);
            }
        }
    }
}
