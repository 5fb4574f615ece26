//! Shared vocabulary types for pacsys-rs.
//!
//! This crate holds the types that both transports (DPM/HTTP and gRPC) and the client
//! facade speak. It does no I/O; its one dependency of ours is the DRF parser.
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
//! * `serde`: `Serialize`/`Deserialize` for every type: [`Status`] as its raw signed 16-bit
//!   value, [`Value`] tagged with the reference's kind names
//!   (`{"value_type": "scalar", "value": 1.5}`); non-finite numbers in the one JSON form of
//!   [`json`] (`"NaN"`, `"Infinity"`, `"-Infinity"`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod backoff;
pub mod config;
pub mod control;
pub mod error;
pub mod event;
pub mod json;
pub mod options;
pub mod plan;
pub mod queue;
pub mod reading;
pub mod status;
pub mod value;
pub mod write;

pub use backoff::Backoff;
pub use control::Control;
pub use error::{Error, ErrorKind, Transport};
pub use event::Event;
pub use options::SubscriptionOptions;
pub use plan::{AlarmBlockPlan, Answer, ReadPlan, WritePlan, WriteValue};
pub use queue::{DropPolicy, EventQueue};
pub use reading::Reading;
pub use status::Status;
pub use value::{AnalogAlarm, BasicStatus, DeviceMeta, DigitalAlarm, TimedArray, Value};
pub use write::WriteResult;

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use crate::{BasicStatus, DeviceMeta, Event, Reading, Status, Value};

    #[test]
    fn non_finite_values_take_the_one_json_form() {
        let v = Value::Array(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.0]);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"value_type":"scalarArr","value":["NaN","Infinity","-Infinity",1.0]}"#
        );
        let back: Value = serde_json::from_str(&json).unwrap();
        assert!(matches!(&back, Value::Array(xs)
            if xs[0].is_nan() && xs[1..] == [f64::INFINITY, f64::NEG_INFINITY, 1.0]));
        for (x, json) in [
            (f64::NAN, r#""NaN""#),
            (f64::INFINITY, r#""Infinity""#),
            (f64::NEG_INFINITY, r#""-Infinity""#),
            (-2.5, "-2.5"),
        ] {
            let s = serde_json::to_string(&Value::Scalar(x)).unwrap();
            assert_eq!(s, format!(r#"{{"value_type":"scalar","value":{json}}}"#));
            let back: Value = serde_json::from_str(&s).unwrap();
            assert!(matches!(back, Value::Scalar(y) if y == x || (x.is_nan() && y.is_nan())));
        }
    }

    #[test]
    fn values_carry_the_reference_kind_names() {
        let json = serde_json::to_string(&Value::Scalar(1.5)).unwrap();
        assert_eq!(json, r#"{"value_type":"scalar","value":1.5}"#);
        let json = serde_json::to_string(&Value::Array(vec![1.0, 2.0])).unwrap();
        assert_eq!(json, r#"{"value_type":"scalarArr","value":[1.0,2.0]}"#);
    }

    #[test]
    fn readings_and_events_round_trip() {
        let meta = DeviceMeta {
            device_index: 1,
            name: "M:OUTTMP".into(),
            description: "outdoor temperature".into(),
            units: Some("DegF".into()),
            format_hint: None,
        };
        let reading = Reading::new(Arc::from("M:OUTTMP@p,1000"), Status::new(17, 1))
            .with_value(Value::BasicStatus(BasicStatus {
                on: Some(true),
                ..BasicStatus::default()
            }))
            .with_timestamp(Some(
                UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456),
            ))
            .with_cycle(Some(7))
            .with_meta(Some(Arc::new(meta)));
        for event in [
            Event::Reading(reading),
            Event::Reconnected {
                gap: Duration::from_millis(1500),
            },
        ] {
            let json = serde_json::to_string(&event).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            assert_eq!(back, event, "{json}");
        }
    }
}
