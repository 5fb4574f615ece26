//! Shared vocabulary types for pacsys-rs.
//!
//! This crate holds the types that both transports (DPM/HTTP and gRPC) and the client
//! facade speak. It does no I/O and has no required dependencies.
//!
//! It holds the ACNET [`Status`] word (a facility code plus a signed error code, with names
//! and human messages for the codes DPM is known to produce) and the [`Value`] a device
//! delivers, with its alarm, status and metadata types, the [`Reading`] (one sample of one
//! request) and the subscription [`Event`] both connection cores produce.
//!
//! ```
//! use pacsys_types::Status;
//!
//! let s = Status::from_raw(-4335);
//! assert_eq!(s, Status::DPM_PRIV);
//! assert_eq!((s.facility(), s.error()), (17, -17));
//! assert!(s.is_error());
//! assert_eq!(s.name(), Some("DPM_PRIV"));
//! ```
//!
//! # Feature flags
//!
//! * `serde`: `Serialize`/`Deserialize` for [`Status`] as its raw signed 16-bit value.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod backoff;
pub mod event;
pub mod queue;
pub mod reading;
pub mod status;
pub mod value;

pub use backoff::Backoff;
pub use event::Event;
pub use queue::{DropPolicy, EventQueue};
pub use reading::Reading;
pub use status::Status;
pub use value::{AnalogAlarm, BasicStatus, DeviceMeta, DigitalAlarm, TimedArray, Value};

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
