//! [`WriteResult`]: the result of one accepted setting, the same for every backend (from
//! `pacsys-types`).
//!
//! A refused setting is an [`Error`](crate::Error) of kind
//! [`SettingRejected`](crate::ErrorKind::SettingRejected) in its slot instead (with the
//! status and the role), and one whose fate is unknown one of kind
//! [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown). The verification fields are filled
//! by [`write_verified`](crate::write_verified), [`control`](crate::control) and the Device
//! API; a plain write leaves them empty.
//!
//! ```
//! use pacsys::{Status, WriteResult};
//!
//! let r = WriteResult::new("G:AMANDA", Status::new(0, 0));
//! assert!(r.is_success());
//! assert!(r.confirmed()); // not verified, so nothing contradicts it
//! assert_eq!(r.verified, None);
//! assert!(!WriteResult::new("G:AMANDA", Status::new(17, 1)).is_success());
//! ```

pub use pacsys_types::WriteResult;
