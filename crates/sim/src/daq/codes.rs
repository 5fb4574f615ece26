//! The ACNET statuses the fake DAQ server answers with that are its own (the device answers'
//! statuses are in [`answer::status`](crate::answer::status)): read replies and settings
//! both use them.

use pacsys_types::Status;

/// The DRF does not parse.
pub const BAD_REQUEST: Status = Status::new(17, -24);
/// A state event (not simulated).
pub const NOT_YET: Status = Status::new(17, -48);
/// An unsupported data source.
pub const INVALID_DATASOURCE: Status = Status::new(17, -42);
