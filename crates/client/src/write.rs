//! [`WriteResult`]: the result of one successful setting.

use pacsys_types::Status;

/// One setting the backend accepted.
///
/// A refused setting is an [`Error::Device`](crate::Error::Device) in its slot instead, and
/// one whose fate is unknown an [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
/// Both backends report the DRF as the caller wrote it (the reference returned the
/// rewritten wire DRF over gRPC).
///
/// ```
/// use pacsys::{Status, WriteResult};
///
/// let r = WriteResult::new("G:AMANDA", Status::new(0, 0));
/// assert!(r.is_success());
/// assert!(!WriteResult::new("G:AMANDA", Status::new(17, 1)).is_success());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteResult {
    /// The request as the caller wrote it.
    pub drf: String,
    /// The status returned: success, or a warning (positive error code).
    pub status: Status,
}

impl WriteResult {
    /// A result for `drf` with `status`.
    pub fn new(drf: impl Into<String>, status: Status) -> WriteResult {
        WriteResult {
            drf: drf.into(),
            status,
        }
    }

    /// Whether the status is a plain success (error code 0). A warning is not.
    pub fn is_success(&self) -> bool {
        self.status.is_ok()
    }

    /// Whether the status is a warning (positive error code): the setting was accepted
    /// with a remark.
    pub fn is_warning(&self) -> bool {
        self.status.is_warning()
    }
}
