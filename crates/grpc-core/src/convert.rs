//! Mapping between the protobuf messages and pacsys-types (spec section 7), in both
//! directions: the client decodes replies with it, the fake DAQ server encodes with it.

// `Reading.status` is marked deprecated upstream but is still what every server sends.
#![allow(deprecated)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys_types::{AnalogAlarm, BasicStatus, DigitalAlarm, Reading, Status, TimedArray, Value};

use crate::proto::common::device::{self as pdev, value::Value as Arm};
use crate::proto::common::status::Status as PStatus;
use crate::proto::services::daq::{self as pdaq, reading_reply};

/// ACNET_RETRY-style generic failure (facility 1, error -1), used where the spec says so.
pub const GENERIC_ERROR: Status = Status::new(1, -1);
/// ACNET_REQTMO (facility 1, error -6): the deadline passed.
pub const TIMEOUT_ERROR: Status = Status::new(1, -6);

/// A proto status as an ACNET [`Status`]. Codes above 127 are unsigned bytes (pacsys
/// subtracts 256); values that do not fit are clamped.
///
/// ```
/// use pacsys_grpc_core::convert::status_from_proto;
/// use pacsys_grpc_core::proto::common::status::Status;
///
/// let s = status_from_proto(&Status { facility_code: 17, status_code: 230, message: String::new() });
/// assert_eq!((s.facility(), s.error()), (17, -26));
/// ```
pub fn status_from_proto(s: &PStatus) -> Status {
    let facility = u8::try_from(s.facility_code.clamp(0, 255)).unwrap_or(u8::MAX);
    let code = if s.status_code > 127 && s.status_code <= 255 {
        s.status_code - 256
    } else {
        s.status_code
    };
    let error = i8::try_from(code.clamp(-128, 127)).unwrap_or(-1);
    Status::new(facility, error)
}

/// An ACNET [`Status`] as a proto status, with an optional message.
pub fn status_to_proto(s: Status, message: impl Into<String>) -> PStatus {
    PStatus {
        facility_code: i32::from(s.facility()),
        status_code: i32::from(s.error()),
        message: message.into(),
    }
}

/// A proto timestamp as a time; seconds == 0 and nanos == 0 (or an absent timestamp)
/// means "no timestamp".
pub fn time_from_proto(t: Option<&prost_types::Timestamp>) -> Option<SystemTime> {
    let t = t?;
    if t.seconds == 0 && t.nanos == 0 {
        return None;
    }
    let nanos = u32::try_from(t.nanos.clamp(0, 999_999_999)).unwrap_or(0);
    if t.seconds >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(t.seconds.unsigned_abs(), nanos))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(t.seconds.unsigned_abs()))?
            .checked_add(Duration::from_nanos(u64::from(nanos)))
    }
}

/// A time as a proto timestamp, to the nanosecond.
pub fn time_to_proto(t: SystemTime) -> prost_types::Timestamp {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => prost_types::Timestamp {
            seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
        },
        Err(e) => {
            let d = e.duration();
            let mut seconds = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let mut nanos = i32::try_from(d.subsec_nanos()).unwrap_or(0);
            if nanos > 0 {
                seconds -= 1;
                nanos = 1_000_000_000 - nanos;
            }
            prost_types::Timestamp { seconds, nanos }
        }
    }
}

/// Microseconds since the epoch of a proto timestamp (`seconds * 10^6 + nanos / 1000`), 0
/// when unset, as a timed array carries them.
pub fn micros_from_proto(t: Option<&prost_types::Timestamp>) -> i64 {
    t.map_or(0, |t| {
        t.seconds
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(t.nanos / 1000))
    })
}

fn micros_to_proto(us: i64) -> Option<prost_types::Timestamp> {
    (us != 0).then(|| prost_types::Timestamp {
        seconds: us.div_euclid(1_000_000),
        nanos: i32::try_from(us.rem_euclid(1_000_000) * 1000).unwrap_or(0),
    })
}

fn bit_text(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// A proto value as a [`Value`]; `None` for an empty oneof.
///
/// Alarm counts beyond `i32::MAX` are clamped. Basic-status entries are matched to the five
/// bits by name ignoring case, with `"True"`/`"False"` (also `"Yes"`/`"No"`, `"1"`/`"0"`)
/// as values; other entries are ignored.
pub fn value_from_proto(v: pdev::Value) -> Option<Value> {
    let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    Some(match v.value? {
        Arm::Scalar(x) => Value::Scalar(x),
        Arm::ScalarArr(a) => Value::Array(a.value),
        Arm::Raw(b) => Value::Raw(b),
        Arm::Text(s) => Value::Text(s),
        Arm::TextArr(a) => Value::TextArray(a.value),
        Arm::AnaAlarm(a) => Value::AnalogAlarm(AnalogAlarm {
            minimum: a.minimum,
            maximum: a.maximum,
            alarm_enable: a.alarm_enable,
            alarm_status: a.alarm_status,
            abort: a.abort,
            abort_inhibit: a.abort_inhibit,
            tries_needed: clamp(a.tries_needed),
            tries_now: clamp(a.tries_now),
        }),
        Arm::DigAlarm(d) => Value::DigitalAlarm(DigitalAlarm {
            nominal: d.nominal,
            mask: d.mask as i32,
            alarm_enable: d.alarm_enable,
            alarm_status: d.alarm_status,
            abort: d.abort,
            abort_inhibit: d.abort_inhibit,
            tries_needed: clamp(d.tries_needed),
            tries_now: clamp(d.tries_now),
        }),
        Arm::BasicStatus(s) => {
            let mut out = BasicStatus::default();
            for (key, text) in &s.value {
                let bit = bit_text(text);
                match key.to_ascii_lowercase().as_str() {
                    "on" => out.on = bit,
                    "ready" => out.ready = bit,
                    "remote" => out.remote = bit,
                    "positive" => out.positive = bit,
                    "ramp" => out.ramp = bit,
                    _ => {}
                }
            }
            Value::BasicStatus(out)
        }
    })
}

/// Why a value cannot be put in a proto `Value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unencodable(pub &'static str);

impl std::fmt::Display for Unencodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A [`Value`] as a proto value. Every kind but [`Value::TimedArray`] (which is sent as one
/// `Reading` per sample, see [`reading_reply()`]) has an arm; an empty array still sets its
/// arm (`12 00`). Basic-status bits are sent as `"True"`/`"False"` as the pacsys proxy does,
/// sorted by name (so the same status always gives the same bytes).
pub fn value_to_proto(v: &Value) -> Result<pdev::Value, Unencodable> {
    let clamp = |n: i32| u32::try_from(n).unwrap_or(0);
    let arm = match v {
        Value::Scalar(x) => Arm::Scalar(*x),
        Value::Array(xs) => Arm::ScalarArr(pdev::value::ScalarArray { value: xs.clone() }),
        Value::Raw(b) => Arm::Raw(b.clone()),
        Value::Text(s) => Arm::Text(s.clone()),
        Value::TextArray(xs) => Arm::TextArr(pdev::value::TextArray { value: xs.clone() }),
        Value::AnalogAlarm(a) => Arm::AnaAlarm(pdev::value::AnalogAlarm {
            minimum: a.minimum,
            maximum: a.maximum,
            alarm_enable: a.alarm_enable,
            alarm_status: a.alarm_status,
            abort: a.abort,
            abort_inhibit: a.abort_inhibit,
            tries_needed: clamp(a.tries_needed),
            tries_now: clamp(a.tries_now),
        }),
        Value::DigitalAlarm(d) => Arm::DigAlarm(pdev::value::DigitalAlarm {
            nominal: d.nominal,
            mask: d.mask as u32,
            alarm_enable: d.alarm_enable,
            alarm_status: d.alarm_status,
            abort: d.abort,
            abort_inhibit: d.abort_inhibit,
            tries_needed: clamp(d.tries_needed),
            tries_now: clamp(d.tries_now),
        }),
        Value::BasicStatus(s) => {
            let mut map = BTreeMap::new();
            for (name, bit) in s.bits() {
                map.insert(
                    name.to_owned(),
                    if bit { "True" } else { "False" }.to_owned(),
                );
            }
            Arm::BasicStatus(pdev::value::BasicStatus { value: map })
        }
        Value::TimedArray(_) => return Err(Unencodable("a timed array has no single proto arm")),
        _ => return Err(Unencodable("this value kind has no proto arm")),
    };
    Ok(pdev::Value { value: Some(arm) })
}

/// The `ReadingReply` a pacsys-compatible server sends for one reading of request `index`
/// (spec section 10):
///
/// * a reading with a value: one sample with its timestamp (if known), the data and a
///   `status` (always present, `1a 00` when ok);
/// * a [`Value::TimedArray`]: one sample per point, timestamps from `micros`, the status
///   only on the first;
/// * a reading without a value (or with an error status): the terminal `status` arm; an
///   error code of 0 becomes (1, -1) "No data".
pub fn reading_reply(index: u32, reading: &Reading, message: &str) -> pdaq::ReadingReply {
    let status_arm = |s: Status| {
        let s = if s.error() == 0 { GENERIC_ERROR } else { s };
        let msg = if message.is_empty() && s == GENERIC_ERROR {
            "No data"
        } else {
            message
        };
        pdaq::ReadingReply {
            index,
            value: Some(reading_reply::Value::Status(status_to_proto(s, msg))),
        }
    };
    let value = match &reading.value {
        Some(v) if !reading.status.is_error() => v,
        _ => return status_arm(reading.status),
    };
    let samples = match value {
        Value::TimedArray(t) => t
            .data
            .iter()
            .enumerate()
            .map(|(i, x)| pdaq::Reading {
                timestamp: micros_to_proto(t.micros.get(i).copied().unwrap_or(0)),
                data: Some(pdev::Value {
                    value: Some(Arm::Scalar(*x)),
                }),
                status: (i == 0).then(|| status_to_proto(reading.status, message)),
            })
            .collect(),
        other => match value_to_proto(other) {
            Ok(data) => vec![pdaq::Reading {
                timestamp: reading.timestamp.map(time_to_proto),
                data: Some(data),
                status: Some(status_to_proto(reading.status, message)),
            }],
            Err(e) => {
                return pdaq::ReadingReply {
                    index,
                    value: Some(reading_reply::Value::Status(status_to_proto(
                        GENERIC_ERROR,
                        format!("Cannot encode reading: {e}"),
                    ))),
                };
            }
        },
    };
    pdaq::ReadingReply {
        index,
        value: Some(reading_reply::Value::Readings(pdaq::Readings {
            reading: samples,
        })),
    }
}

/// One decoded sample of a `Readings` message, as [`decode_sample`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// A usable reading (its status may be a warning).
    Reading(Reading),
    /// An error: a negative per-sample status, a warning without data, or an empty oneof.
    Error(Status, String),
}

/// Decodes one sample for request `drf` with the 0.3.0 per-sample status rules: a negative
/// code is an error; a positive code with data is a value carrying the warning; a positive
/// code without data is an error; an empty `Value` oneof is an error (1, -1).
pub fn decode_sample(drf: &Arc<str>, sample: pdaq::Reading) -> Sample {
    let (status, message) = match &sample.status {
        Some(s) => (status_from_proto(s), s.message.clone()),
        None => (Status::OK, String::new()),
    };
    if status.is_error() {
        return Sample::Error(status, message);
    }
    let timestamp = time_from_proto(sample.timestamp.as_ref());
    match sample.data.map(value_from_proto) {
        Some(Some(value)) => Sample::Reading(
            Reading::new(Arc::clone(drf), status)
                .with_value(value)
                .with_timestamp(timestamp),
        ),
        Some(None) => Sample::Error(
            GENERIC_ERROR,
            "Proto Value has no value set (empty oneof)".to_owned(),
        ),
        None if status.is_warning() => Sample::Error(status, message),
        None => Sample::Error(GENERIC_ERROR, "reading without data".to_owned()),
    }
}

/// The status of a reply-level `status` arm: a code of 0 becomes (1, -1), because a data
/// request that yields nothing is a failure.
pub fn terminal_status(s: &PStatus) -> Status {
    let status = status_from_proto(s);
    if status.error() == 0 {
        GENERIC_ERROR
    } else {
        status
    }
}

/// Several samples of one one-shot reply, aggregated into one reading whose value is a
/// [`Value::TimedArray`] (spec section 7): the data of every scalar or array sample and its
/// time in microseconds (0 when unset); the reading's time is the first sample's, its
/// status the first warning, if any.
pub fn aggregate(drf: &Arc<str>, samples: &[pdaq::Reading]) -> Option<Reading> {
    let mut timed = TimedArray::default();
    let mut status = Status::OK;
    for s in samples {
        if let Some(st) = &s.status {
            let st = status_from_proto(st);
            if st.is_error() {
                continue;
            }
            if st.is_warning() && status.is_ok() {
                status = st;
            }
        }
        let us = micros_from_proto(s.timestamp.as_ref());
        match s.data.as_ref().and_then(|d| d.value.as_ref()) {
            Some(Arm::Scalar(x)) => {
                timed.data.push(*x);
                timed.micros.push(us);
            }
            Some(Arm::ScalarArr(a)) => {
                timed.data.extend_from_slice(&a.value);
                timed.micros.push(us);
            }
            _ => {}
        }
    }
    let first = samples.first()?;
    Some(
        Reading::new(Arc::clone(drf), status)
            .with_value(Value::TimedArray(timed))
            .with_timestamp(time_from_proto(first.timestamp.as_ref())),
    )
}

/// Most samples per reply of a chunked logger answer, as DPM sends them.
#[cfg(feature = "server")]
pub const LOGGER_CHUNK: usize = 487;

/// The terminal `status` reply of request `index` (server side).
#[cfg(feature = "server")]
pub fn status_reply(index: u32, status: Status, message: &str) -> pdaq::ReadingReply {
    pdaq::ReadingReply {
        index,
        value: Some(reading_reply::Value::Status(status_to_proto(
            status, message,
        ))),
    }
}

/// Logger samples as DPM sends them (server side): replies of at most [`LOGGER_CHUNK`]
/// samples, then an empty `readings {}` terminator.
#[cfg(feature = "server")]
pub fn logger_chunks(index: u32, samples: Vec<pdaq::Reading>) -> Vec<pdaq::ReadingReply> {
    let mut replies = Vec::with_capacity(samples.len() / LOGGER_CHUNK + 2);
    let mut rest = samples.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<pdaq::Reading> = rest.by_ref().take(LOGGER_CHUNK).collect();
        replies.push(pdaq::ReadingReply {
            index,
            value: Some(reading_reply::Value::Readings(pdaq::Readings {
                reading: chunk,
            })),
        });
    }
    replies.push(pdaq::ReadingReply {
        index,
        value: Some(reading_reply::Value::Readings(pdaq::Readings::default())),
    });
    replies
}

/// The replies of a one-shot `LOGGER` / `LOGGERDURATION` result (server side, spec
/// section 10): a [`Value::TimedArray`] goes out in chunks of [`LOGGER_CHUNK`] samples, one
/// record per reply when it holds records of several elements (`data.len()` a multiple
/// of `micros.len()`), then an empty terminator; any other value is one reply plus the
/// terminator; a failed reading is its terminal status alone.
///
/// ```
/// use pacsys_grpc_core::convert::{logger_replies, LOGGER_CHUNK};
/// use pacsys_grpc_core::{Reading, Status, Value};
/// use pacsys_types::TimedArray;
///
/// let n = LOGGER_CHUNK + 3;
/// let timed = TimedArray { data: vec![1.0; n], micros: (1..=n as i64).collect() };
/// let r = Reading::new("Z:X<-LOGGER:1:2".into(), Status::OK).with_value(Value::TimedArray(timed));
/// let replies = logger_replies(4, &r, "");
/// assert_eq!(replies.len(), 3); // 487 + 3 samples, then the terminator
/// ```
#[cfg(feature = "server")]
pub fn logger_replies(index: u32, reading: &Reading, message: &str) -> Vec<pdaq::ReadingReply> {
    let timed = match &reading.value {
        Some(Value::TimedArray(t)) if !reading.status.is_error() => t,
        _ => {
            let first = reading_reply(index, reading, message);
            if matches!(first.value, Some(reading_reply::Value::Status(_))) {
                return vec![first];
            }
            let samples = match first.value {
                Some(reading_reply::Value::Readings(r)) => r.reading,
                _ => Vec::new(),
            };
            return logger_chunks(index, samples);
        }
    };
    let records = timed.micros.len();
    let width = if records > 0 && timed.data.len() > records && timed.data.len() % records == 0 {
        timed.data.len() / records
    } else {
        1
    };
    if width == 1 {
        let samples = match reading_reply(index, reading, message).value {
            Some(reading_reply::Value::Readings(r)) => r.reading,
            _ => Vec::new(),
        };
        return logger_chunks(index, samples);
    }
    let mut replies: Vec<pdaq::ReadingReply> = timed
        .data
        .chunks(width)
        .zip(&timed.micros)
        .enumerate()
        .map(|(i, (record, us))| pdaq::ReadingReply {
            index,
            value: Some(reading_reply::Value::Readings(pdaq::Readings {
                reading: vec![pdaq::Reading {
                    timestamp: micros_to_proto(*us),
                    data: Some(pdev::Value {
                        value: Some(Arm::ScalarArr(pdev::value::ScalarArray {
                            value: record.to_vec(),
                        })),
                    }),
                    status: (i == 0).then(|| status_to_proto(reading.status, message)),
                }],
            })),
        })
        .collect();
    replies.push(pdaq::ReadingReply {
        index,
        value: Some(reading_reply::Value::Readings(pdaq::Readings::default())),
    });
    replies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let values = [
            Value::Scalar(42.5),
            Value::Array(vec![]),
            Value::Array(vec![1.0, -2.5]),
            Value::Raw(vec![1, 2, 3, 4]),
            Value::Text("hi".into()),
            Value::TextArray(vec!["a".into(), "b".into()]),
            Value::AnalogAlarm(AnalogAlarm {
                minimum: -1.0,
                maximum: 5.0,
                alarm_enable: true,
                alarm_status: false,
                abort: true,
                abort_inhibit: false,
                tries_needed: 3,
                tries_now: 1,
            }),
            Value::DigitalAlarm(DigitalAlarm {
                nominal: 3,
                mask: -1,
                alarm_enable: true,
                alarm_status: true,
                abort: false,
                abort_inhibit: true,
                tries_needed: 2,
                tries_now: 0,
            }),
            Value::BasicStatus(BasicStatus {
                on: Some(true),
                ready: Some(false),
                remote: None,
                positive: Some(true),
                ramp: Some(false),
            }),
        ];
        for v in values {
            let p = value_to_proto(&v).expect("encodable");
            assert_eq!(value_from_proto(p), Some(v));
        }
        assert_eq!(value_from_proto(pdev::Value { value: None }), None);
    }

    #[test]
    fn timestamps_keep_nanoseconds() {
        let t = UNIX_EPOCH + Duration::new(1_780_000_000, 123_456_789);
        let p = time_to_proto(t);
        assert_eq!((p.seconds, p.nanos), (1_780_000_000, 123_456_789));
        assert_eq!(time_from_proto(Some(&p)), Some(t));
        assert_eq!(
            time_from_proto(Some(&prost_types::Timestamp::default())),
            None
        );
        let before = UNIX_EPOCH - Duration::new(1, 250_000_000);
        assert_eq!(time_from_proto(Some(&time_to_proto(before))), Some(before));
    }

    #[test]
    fn timed_arrays_go_out_as_samples_and_come_back_aggregated() {
        let drf: Arc<str> = Arc::from("Z:X<-LOGGER:1:2");
        let timed = Value::TimedArray(TimedArray {
            data: vec![1.0, 2.0, 3.0],
            micros: vec![1_000_001, 2_000_002, 3_000_003],
        });
        let r = Reading::new(Arc::clone(&drf), Status::OK).with_value(timed.clone());
        let reply = reading_reply(7, &r, "");
        let Some(reading_reply::Value::Readings(samples)) = reply.value else {
            panic!("readings")
        };
        assert_eq!(samples.reading.len(), 3);
        assert!(samples.reading[0].status.is_some());
        assert!(
            samples.reading[1].status.is_none(),
            "status only on the first"
        );
        let back = aggregate(&drf, &samples.reading).expect("aggregate");
        assert_eq!(back.value, Some(timed));
    }

    #[test]
    fn per_sample_statuses_follow_the_0_3_0_rules() {
        let drf: Arc<str> = Arc::from("X");
        let sample = |code: i32, data: Option<Value>| pdaq::Reading {
            timestamp: None,
            data: data.map(|v| value_to_proto(&v).expect("encodable")),
            status: Some(PStatus {
                facility_code: 17,
                status_code: code,
                message: String::new(),
            }),
        };
        let warn = decode_sample(&drf, sample(1, Some(Value::Scalar(1.0))));
        assert!(matches!(warn, Sample::Reading(r) if r.is_warning() && r.ok()));
        assert!(matches!(
            decode_sample(&drf, sample(1, None)),
            Sample::Error(s, _) if s == Status::new(17, 1)
        ));
        assert!(matches!(
            decode_sample(&drf, sample(-26, Some(Value::Scalar(1.0)))),
            Sample::Error(s, _) if s == Status::new(17, -26)
        ));
        let empty = pdaq::Reading {
            data: Some(pdev::Value { value: None }),
            ..Default::default()
        };
        assert!(matches!(decode_sample(&drf, empty), Sample::Error(s, _) if s == GENERIC_ERROR));
        // A non-ok reading becomes the terminal status arm; code 0 becomes (1, -1).
        let failed = reading_reply(0, &Reading::new(Arc::clone(&drf), Status::new(17, -26)), "");
        assert!(
            matches!(failed.value, Some(reading_reply::Value::Status(s)) if s.status_code == -26)
        );
        let nothing = reading_reply(0, &Reading::new(drf, Status::OK), "");
        assert!(matches!(
            nothing.value,
            Some(reading_reply::Value::Status(s)) if s.status_code == -1 && s.message == "No data"
        ));
    }

    #[test]
    fn statuses() {
        let p = status_to_proto(Status::new(17, -26), "");
        assert_eq!(status_from_proto(&p), Status::new(17, -26));
        let zero = PStatus::default();
        assert_eq!(terminal_status(&zero), GENERIC_ERROR);
        let unsigned = PStatus {
            facility_code: 17,
            status_code: 230,
            message: String::new(),
        };
        assert_eq!(status_from_proto(&unsigned), Status::new(17, -26));
    }
}
