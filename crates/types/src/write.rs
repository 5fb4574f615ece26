//! [`WriteResult`]: the result of one accepted setting, the same for every transport.

use crate::{Status, Value};

/// One setting the backend accepted.
///
/// A refused setting is an [`Error`](crate::Error) of kind
/// [`SettingRejected`](crate::ErrorKind::SettingRejected) in its slot instead, and one whose fate
/// is unknown one of kind [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
/// Both backends report the DRF as the caller wrote it (the reference returned the
/// rewritten wire DRF over gRPC).
///
/// The verification fields are filled by the facade's `write_verified`, `control` and Device
/// API; a plain write leaves them empty.
///
/// ```
/// use pacsys_types::{Status, WriteResult};
///
/// let r = WriteResult::new("G:AMANDA", Status::new(0, 0));
/// assert!(r.is_success());
/// assert!(r.confirmed()); // not verified, so nothing contradicts it
/// assert_eq!(r.verified, None);
/// assert!(!WriteResult::new("G:AMANDA", Status::new(17, 1)).is_success());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WriteResult {
    /// The request as the caller wrote it.
    pub drf: String,
    /// The status returned: success, or a warning (positive error code).
    pub status: Status,
    /// `Some(true)` when a read-back matched, `Some(false)` when verification failed,
    /// `None` when the write was not verified.
    pub verified: Option<bool>,
    /// The last value read back while verifying.
    pub readback: Option<Value>,
    /// The device already held the value, so nothing was written (verify with
    /// `check_first`).
    pub skipped: bool,
    /// How many read-backs were made.
    pub attempts: u32,
    /// Why the last read-back failed, when it failed.
    pub readback_error: Option<String>,
}

impl WriteResult {
    /// A result for `drf` with `status`.
    ///
    /// ```
    /// use pacsys_types::{Status, WriteResult};
    ///
    /// let r = WriteResult::new("G:AMANDA", Status::OK);
    /// assert_eq!(r.drf, "G:AMANDA");
    /// assert_eq!((r.verified, r.skipped, r.attempts), (None, false, 0));
    /// ```
    pub fn new(drf: impl Into<String>, status: Status) -> WriteResult {
        WriteResult {
            drf: drf.into(),
            status,
            verified: None,
            readback: None,
            skipped: false,
            attempts: 0,
            readback_error: None,
        }
    }

    /// Whether the status is a plain success (error code 0). A warning is not.
    ///
    /// ```
    /// use pacsys_types::{Status, WriteResult};
    ///
    /// assert!(WriteResult::new("G:AMANDA", Status::new(0, 0)).is_success());
    /// assert!(!WriteResult::new("G:AMANDA", Status::new(17, 1)).is_success()); // a warning
    /// ```
    pub fn is_success(&self) -> bool {
        self.status.is_ok()
    }

    /// A plain success that verification, if any, did not contradict (a warning is not
    /// confirmed: writes treat warnings as failures).
    ///
    /// ```
    /// use pacsys_types::{Status, WriteResult};
    ///
    /// let mut r = WriteResult::new("G:AMANDA", Status::OK);
    /// assert!(r.confirmed());
    /// r.verified = Some(false); // the read-back did not match
    /// assert!(!r.confirmed());
    /// ```
    pub fn confirmed(&self) -> bool {
        self.is_success() && self.verified != Some(false)
    }

    /// Whether the status is a warning (positive error code): the setting was accepted
    /// with a remark.
    ///
    /// ```
    /// use pacsys_types::{Status, WriteResult};
    ///
    /// assert!(WriteResult::new("G:AMANDA", Status::new(17, 1)).is_warning());
    /// assert!(!WriteResult::new("G:AMANDA", Status::OK).is_warning());
    /// ```
    pub fn is_warning(&self) -> bool {
        self.status.is_warning()
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn write_results_round_trip() {
        let mut r = WriteResult::new("G:AMANDA", Status::new(17, 1));
        r.verified = Some(false);
        r.readback = Some(Value::Scalar(1.5));
        r.attempts = 3;
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.contains(r#""readback":{"value_type":"scalar","value":1.5}"#),
            "{json}"
        );
        let back: WriteResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
