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
//!   and every other event is an [`EventLine`].
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
use crate::info::{DeviceInfo, PROPERTIES, Section};
use crate::output::{PutLine, StatusObject, error_json, number_json, value_json};
use crate::times;
use crate::view::View;

/// JSON lines (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
pub struct Json;

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

/// One stream event (anything but a reading or a failure) as a JSON line. Fields that do
/// not apply to the event are left out.
#[derive(Debug, Serialize)]
pub struct EventLine<'a> {
    /// The event's [`Event::kind`].
    pub event: &'static str,
    /// The request it is about (stale, fresh, gap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drf: Option<&'a str>,
    /// When it arrived (as `--timestamp-format` writes times).
    pub received: JsonValue,
    /// Why (disconnected, gap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// Readings dropped (dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Seconds: the gap of a reconnection, the silence of stale and fresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// The start of a gap's lost span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<JsonValue>,
    /// The end of a gap's lost span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<JsonValue>,
}

impl<'a> EventLine<'a> {
    /// The line of `event` received at `received`; `None` for a reading or a failure,
    /// which have lines of their own.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use pacsys::Event;
    /// use pacsys_cli::events::EventLine;
    /// use pacsys_cli::view::View;
    ///
    /// let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let e = Event::Reconnected { gap: Duration::from_millis(1500) };
    /// let line = EventLine::of(&e, at, &View::default()).map(|l| serde_json::to_string(&l));
    /// assert_eq!(
    ///     line.transpose()?.as_deref(),
    ///     Some(r#"{"event":"reconnected","received":"2023-11-14T22:13:20Z","duration_s":1.5}"#)
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn of(event: &'a Event, received: SystemTime, view: &View) -> Option<EventLine<'a>> {
        let time =
            |t: SystemTime| times::timestamp(t).map_or(JsonValue::Null, |t| view.time_json(t));
        let mut line = EventLine {
            event: event.kind(),
            drf: None,
            received: time(received),
            reason: None,
            count: None,
            duration_s: None,
            timestamp: None,
            until: None,
        };
        match event {
            Event::Reading(_) | Event::Error { .. } => return None,
            Event::Disconnected { reason } => line.reason = Some(reason),
            Event::Reconnected { gap } => line.duration_s = Some(gap.as_secs_f64()),
            Event::Dropped { count } => line.count = Some(*count),
            Event::Stale { drf, silent_for } | Event::Fresh { drf, silent_for } => {
                line.drf = Some(drf);
                line.duration_s = Some(silent_for.as_secs_f64());
            }
            Event::Gap {
                drf,
                from,
                to,
                reason,
            } => {
                line.drf = Some(drf);
                line.reason = Some(reason);
                line.timestamp = Some(time(*from));
                line.until = Some(time(*to));
            }
            _ => {}
        }
        Some(line)
    }
}
