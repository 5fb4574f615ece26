//! `--format json`: one JSON object per line, each a serde struct of this module.
//!
//! * a reading: `drf`, `value` (number, array of numbers, string, array of strings, object
//!   for alarms and status, base64 for raw bytes), `units`, `timestamp` (RFC 3339),
//!   `status` (`code`, `facility`, `message`, `name`); `-v` adds `name`, `device_index`,
//!   `description` and `cycle`;
//! * a failure: `drf` and an `error` object (see [`error_json`]) instead of `value`;
//! * a sample of `history`: the reading's shape;
//! * a setting: `drf`, `ok`, `status` or `error`, and with `--verify` `verified`,
//!   `readback` (and `readback_error`), `attempts`;
//! * a device of `info`: `device`, `device_index`, `name`, `units`, `properties`, then one
//!   key per property present (its value, or `{"error": ...}`);
//! * in a stream, readings and failures carry `"event":"reading"` or `"event":"error"`,
//!   and every other event is an [`EventLine`](crate::events::EventLine).
//!
//! `--terse` leaves the value alone (`{"error": ...}` for a failure, no `drf` in a
//! setting's object) and names no stream events.

use std::time::SystemTime;

use jiff::Timestamp;
use pacsys::{Error, Event, Reading, Status, Value};
use serde::Serialize;
use serde::ser::SerializeMap as _;
use serde_json::Value as JsonValue;

use super::{LineFormat, Options};
use crate::events::EventLine;
use crate::info::{DeviceInfo, PROPERTIES, Section};
use crate::output::{PutLine, error_json, number_json, value_json};

/// JSON lines (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
pub struct Json;

/// A status as an object: `{"code", "facility", "message", "name"}` (message and name
/// `null` for a code this library does not know).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StatusObject {
    /// The error part (0 success, negative an error, positive a warning).
    pub code: i8,
    /// The facility.
    pub facility: u8,
    /// What it means.
    pub message: Option<&'static str>,
    /// Its symbolic name.
    pub name: Option<&'static str>,
}

impl From<Status> for StatusObject {
    fn from(s: Status) -> StatusObject {
        StatusObject {
            code: s.error(),
            facility: s.facility(),
            message: s.message(),
            name: s.name(),
        }
    }
}

/// A reading's line (a logged sample's too, without metadata).
#[derive(Serialize)]
struct ReadingLine<'a> {
    drf: &'a str,
    value: JsonValue,
    units: Option<&'a str>,
    timestamp: JsonValue,
    status: StatusObject,
    #[serde(flatten)]
    meta: Option<MetaFields<'a>>,
}

/// `-v`'s fields of a reading.
#[derive(Serialize)]
struct MetaFields<'a> {
    #[serde(flatten)]
    device: Option<DeviceFields<'a>>,
    cycle: Option<i64>,
}

/// The device a reading's metadata names.
#[derive(Serialize)]
struct DeviceFields<'a> {
    name: &'a str,
    device_index: i32,
    description: &'a str,
}

/// A failure's line.
#[derive(Serialize)]
struct FailureLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    drf: Option<&'a str>,
    error: JsonValue,
}

/// A setting's line.
#[derive(Serialize)]
struct PutObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    drf: Option<&'a str>,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonValue>,
    #[serde(flatten)]
    verify: Option<Verify<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
}

/// What `--verify` read back.
#[derive(Serialize)]
struct Verify<'a> {
    verified: bool,
    readback: JsonValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    readback_error: Option<&'a str>,
}

/// A device's line of `info`.
#[derive(Serialize)]
struct InfoLine<'a> {
    device: &'a str,
    device_index: Option<i32>,
    name: Option<&'a str>,
    units: Option<&'a str>,
    properties: Vec<&'static str>,
    #[serde(flatten)]
    sections: Sections<'a>,
}

/// One key per property present or failed, in [`PROPERTIES`] order.
struct Sections<'a>(&'a [Section]);

impl Serialize for Sections<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for ((_, _, key), section) in PROPERTIES.iter().zip(self.0) {
            match section {
                Section::Present(r) => {
                    map.serialize_entry(
                        key,
                        &r.value.as_ref().map_or(JsonValue::Null, value_json),
                    )?;
                }
                Section::Missing => {}
                Section::Failed(e) => {
                    map.serialize_entry(
                        key,
                        &FailureLine {
                            drf: None,
                            error: error_json(e),
                        },
                    )?;
                }
            }
        }
        map.end()
    }
}

/// One line of text from a serde struct (a struct of strings, numbers and JSON values
/// always serializes; `null` if it ever did not).
fn line(v: &impl Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// A time as `--timestamp-format` writes it in JSON (`null` when unknown).
fn time(o: &Options, ts: Option<Timestamp>) -> JsonValue {
    ts.map_or(JsonValue::Null, |t| o.view.time_json(t))
}

/// `line` (one JSON object) with `"event":<name>` added as its last field.
fn with_event(mut line: String, name: &str) -> String {
    if line.ends_with('}') {
        line.pop();
        if !line.ends_with('{') {
            line.push(',');
        }
        line.push_str("\"event\":\"");
        line.push_str(name);
        line.push_str("\"}");
    }
    line
}

impl LineFormat for Json {
    fn reading(
        &self,
        o: &Options,
        drf: &str,
        r: &Reading,
        value: &Value,
        ts: Option<Timestamp>,
    ) -> String {
        if o.view.terse {
            return value_json(value).to_string();
        }
        line(&ReadingLine {
            drf,
            value: value_json(value),
            units: r.units(),
            timestamp: time(o, ts),
            status: r.status.into(),
            meta: o.verbose.then(|| MetaFields {
                device: r.meta.as_deref().map(|m| DeviceFields {
                    name: &m.name,
                    device_index: m.device_index,
                    description: &m.description,
                }),
                cycle: r.cycle,
            }),
        })
    }

    fn failure(&self, o: &Options, drf: &str, e: &Error) -> String {
        line(&FailureLine {
            drf: (!o.view.terse).then_some(drf),
            error: error_json(e),
        })
    }

    fn sample(
        &self,
        o: &Options,
        drf: &str,
        ts: Option<Timestamp>,
        value: f64,
        units: Option<&str>,
    ) -> String {
        if o.view.terse {
            return number_json(value).to_string();
        }
        line(&ReadingLine {
            drf,
            value: number_json(value),
            units,
            timestamp: time(o, ts),
            status: Status::OK.into(),
            meta: None,
        })
    }

    fn put(&self, o: &Options, p: &PutLine<'_>) -> String {
        line(&PutObject {
            drf: (!o.view.terse).then_some(p.drf),
            ok: p.ok(),
            status: p.result.as_ref().ok().map(|s| (*s).into()),
            error: p.result.as_ref().err().map(|e| error_json(e)),
            verify: p.verified.map(|verified| Verify {
                verified,
                readback: p.readback.map_or(JsonValue::Null, value_json),
                readback_error: p.readback_error,
            }),
            attempts: p.attempts,
        })
    }

    fn info(&self, _: &Options, d: &DeviceInfo) -> String {
        let meta = d.meta();
        line(&InfoLine {
            device: &d.device,
            device_index: meta.map(|m| m.device_index),
            name: meta.map(|m| m.name.as_str()),
            units: d.units(),
            properties: d.present(),
            sections: Sections(&d.sections),
        })
    }

    fn stream_line(&self, o: &Options, line: String, kind: &str) -> String {
        if o.view.terse {
            line
        } else {
            with_event(line, kind)
        }
    }

    fn event(&self, o: &Options, event: &Event, received: SystemTime) -> Option<String> {
        if o.view.terse {
            return None;
        }
        EventLine::of(event, received, &o.view).map(|l| line(&l))
    }
}
