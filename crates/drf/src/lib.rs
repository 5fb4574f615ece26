//! Exact, fast, panic-free parser for Fermilab ACNET **DRF3** data request strings such as
//! `M:OUTTMP.SETTING[0:3]@p,1000`.
//!
//! The grammar, canonical form and error categories follow the project's DRF3
//! specification (which matches the pacsys 0.3.0 reference parser), with the project
//! decisions applied: non-ASCII input is rejected ([`Error::NonAscii`]), and semantic
//! comparison is offered by [`Request::normalized`] / [`Request::semantically_eq`]
//! without changing the canonical text.
//!
//! ```
//! use pacsys_drf::{Event, Property, Request};
//!
//! let req: Request = "n_i2b1ri.raw[0:3]@p,1000".parse()?;
//! assert_eq!(req.device(), "N:I2B1RI");
//! assert_eq!(req.property(), Property::Setting);
//! assert!(matches!(req.event(), Event::Periodic(p) if p.period_ms() == 1000));
//! assert_eq!(req.to_string(), "N:I2B1RI.SETTING[0:3].RAW@p,1000");
//! assert_eq!(req.for_write().to_string(), "N:I2B1RI.SETTING[0:3].RAW@N");
//!
//! let err = Request::parse("M:OUTTMP@p,1000,X").unwrap_err();
//! assert_eq!(err.category(), "event");
//! # Ok::<(), pacsys_drf::Error>(())
//! ```
//!
//! # What is where
//!
//! | spec section | API |
//! |---|---|
//! | parse (1-9) | [`Request::parse`] / [`str::parse`], [`Event::parse`], [`Extra::parse`], `Range`/`Property`/`Field` `FromStr` |
//! | canonical form (10) | `Display` for [`Request`] (also [`Request::to_canonical`]) |
//! | errors (11) | [`Error`], [`Error::category`], [`Error::offset`], [`Error::caret`] |
//! | 13.1 device name | [`Request::device`], [`device_name`] |
//! | 13.2 write preparation | [`Request::for_write`], [`prepare_for_write`] |
//! | 13.3 immediate event | [`Request::with_immediate_event`], [`ensure_immediate_event`] (string-exact) |
//! | 13.4 qualified form | [`Request::qualified`], [`qualified_name`] |
//! | 13.5 new event | [`Request::with_event`], [`Request::without_event`], [`replace_event`], [`strip_event`] |
//! | 13.6 new range | [`Request::with_range`], [`Request::without_range`] |
//! | 13.7 property/field | [`Request::with_property`], [`Request::read_request`], [`Request::write_request`], [`Request::control_request`], [`Request::retarget_control`] |
//! | decision 3 | [`Request::normalized`], [`Request::semantically_eq`] |
//!
//! Parsing never panics, on any input: the input is checked to be ASCII first and then
//! handled as bytes, with no indexing that could go out of bounds. A parsed request costs
//! one small owned buffer (stored inline, without allocating, for requests up to 24 bytes,
//! such as `M:OUTTMP.READING@p,1000`).
//!
//! # Feature flags
//!
//! * `serde`: `Serialize`/`Deserialize` for [`Request`] (as its canonical text, parsed back
//!   on deserialisation) and for the small enums ([`Property`], [`Field`], [`ExtraKind`],
//!   [`RangeMode`], [`StateOp`], [`ClockType`]).

#![deny(missing_docs)]
#![forbid(unsafe_code)]
// Nothing a user controls may panic: no unwrap/expect/indexing/panic in library code
// (unit tests may index).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable,
        clippy::todo
    )
)]

mod ascii;
mod buffer;
mod byte_parsers;
mod canonical;
mod device;
mod error;
mod event;
mod extra;
mod field;
mod parse;
mod property;
mod range;
mod request;
mod semantic;
mod span;
mod transform;

#[doc(hidden)]
pub mod fuzzing;

pub use device::is_acnet_name;
pub use error::Error;
pub use event::{ClockEvent, ClockType, Event, PeriodicEvent, StateEvent, StateOp};
pub use extra::{Extra, ExtraKind};
pub use field::Field;
pub use property::Property;
pub use range::{ArrayRange, ByteRange, MAX_INDEX, Range, RangeMode};
pub use request::Request;
pub use transform::{
    device_name, ensure_immediate_event, prepare_for_write, qualified_name, replace_event,
    strip_event,
};

/// Compiles the README's example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod size_tests {
    /// Requests are returned by value; past 128 bytes the compiler copies them with a
    /// `memcpy` call, which costs about 10% of a parse.
    #[test]
    fn request_stays_small() {
        assert!(core::mem::size_of::<crate::Request>() <= 128);
        assert!(core::mem::size_of::<Result<crate::Request, crate::Error>>() <= 128);
    }
}
