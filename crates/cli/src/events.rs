//! What `monitor` writes on stdout for each stream event, by format ([`StreamFormat`], over
//! the formats' [`LineFormat`](crate::formats::LineFormat)).
//!
//! Every event is named as a recording's `kind` column names it ([`Event::kind`]): `reading`,
//! `error`, `disconnected`, `reconnected`, `dropped`, `stale`, `fresh`, `gap`.
//!
//! * **json**: readings and failures as `get` writes them plus `"event":"reading"` or
//!   `"event":"error"`; every other event an [`EventLine`] of its own:
//!   `{"event":"reconnected","received":"2026-01-02T03:04:05.678Z","duration_s":1.5}`,
//!   with the fields the event has (`drf`, `reason`, `count`, `duration_s`, `timestamp`
//!   and `until` for a gap's span).
//! * **csv**: the `get` columns plus a last `event` column; an event's row has its `drf`,
//!   its number in `value` (seconds of a reconnection's gap or of silence, `units` `s`; a
//!   drop's count), the time received in `timestamp`, and its reason (a gap's span too) in
//!   `error`.
//! * **text**, and `--terse` in any format: readings only; the events are the one
//!   `pacsys: ...` line each on stderr, as in every format.

use std::time::SystemTime;

use pacsys::{Error, Event, Reading};
use pacsys_types::event::kind;

use crate::formats::Renderer;
pub use crate::formats::json::EventLine;

/// How `monitor` writes each event on stdout, in the renderer's format (see the
/// [module docs](self)): the format's [`LineFormat`](crate::formats::LineFormat) stream
/// lines.
#[derive(Debug, Clone)]
pub struct StreamFormat(Renderer);

impl StreamFormat {
    /// The header line, if the format has one.
    pub fn header(&self) -> Option<String> {
        self.0.lines().stream_header(self.0.options())
    }

    /// A reading of `drf` (a reading with an error status is a failure).
    pub fn reading(&self, drf: &str, r: &Reading) -> String {
        let kind = if r.ok() { kind::READING } else { kind::ERROR };
        let line = self.0.reading(drf, r);
        self.0.lines().stream_line(self.0.options(), line, kind)
    }

    /// A failed request.
    pub fn failure(&self, drf: &str, e: &Error) -> String {
        let line = self.0.failure(drf, e);
        self.0
            .lines()
            .stream_line(self.0.options(), line, kind::ERROR)
    }

    /// Any other event received at `received`; `None` when the format leaves it to the
    /// stderr line.
    pub fn event(&self, event: &Event, received: SystemTime) -> Option<String> {
        self.0.lines().event(self.0.options(), event, received)
    }
}

/// The [`StreamFormat`] of `r`'s format and view.
pub fn stream_format(r: Renderer) -> StreamFormat {
    StreamFormat(r)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use pacsys::{Status, Value};

    use serde_json::Value as Json;

    use super::*;
    use crate::output::Format;
    use crate::view::View;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    fn every_event() -> Vec<Event> {
        let drf: Arc<str> = Arc::from("M:OUTTMP@p,1000");
        vec![
            Event::Reading(
                Reading::new(Arc::clone(&drf), Status::OK).with_value(Value::Scalar(72.5)),
            ),
            Event::Error {
                drf: Arc::clone(&drf),
                status: Status::DPM_NO_SUCH_DEVICE,
            },
            Event::Disconnected {
                reason: "connection reset".into(),
            },
            Event::Reconnected {
                gap: Duration::from_millis(2500),
            },
            Event::Dropped { count: 7 },
            Event::Stale {
                drf: Arc::clone(&drf),
                silent_for: Duration::from_secs(3),
            },
            Event::Fresh {
                drf: Arc::clone(&drf),
                silent_for: Duration::from_secs(4),
            },
            Event::Gap {
                drf,
                from: at(1_700_000_000),
                to: at(1_700_000_600),
                reason: "timeout".into(),
            },
        ]
    }

    #[test]
    fn json_lines_name_each_event_with_its_fields() {
        let f = stream_format(Renderer::new(Format::Json, false));
        let mut names = Vec::new();
        for e in every_event() {
            let line = match &e {
                Event::Reading(r) => f.reading(&r.drf, r),
                Event::Error { drf, status } => f.failure(drf, &Error::device(&**drf, *status)),
                other => f.event(other, at(1_700_000_001)).unwrap(),
            };
            let j: Json = serde_json::from_str(&line).unwrap();
            names.push(j["event"].as_str().unwrap().to_owned());
            match &e {
                Event::Reading(_) => assert_eq!(j["value"], 72.5),
                Event::Error { .. } => assert_eq!(j["error"]["name"], "DPM_NO_SUCH_DEVICE"),
                Event::Disconnected { .. } => assert_eq!(j["reason"], "connection reset"),
                Event::Reconnected { .. } => assert_eq!(j["duration_s"], 2.5),
                Event::Dropped { .. } => assert_eq!(j["count"], 7),
                Event::Stale { .. } => assert_eq!(j["drf"], "M:OUTTMP@p,1000"),
                Event::Fresh { .. } => assert_eq!(j["duration_s"], 4.0),
                Event::Gap { .. } => {
                    assert_eq!(j["timestamp"], "2023-11-14T22:13:20Z");
                    assert_eq!(j["until"], "2023-11-14T22:23:20Z");
                    assert_eq!(j["reason"], "timeout");
                }
                other => panic!("not a test event: {other:?}"),
            }
            if !e.is_reading() && !matches!(e, Event::Error { .. }) {
                assert_eq!(j["received"], "2023-11-14T22:13:21Z", "{line}");
            }
        }
        assert_eq!(
            names,
            [
                "reading",
                "error",
                "disconnected",
                "reconnected",
                "dropped",
                "stale",
                "fresh",
                "gap"
            ]
        );
    }

    /// The fields of one CSV record (RFC 4180 quoting).
    fn csv_fields(line: &str) -> Vec<String> {
        let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(std::mem::take(&mut field)),
                (c, _) => field.push(c),
            }
        }
        fields.push(field);
        fields
    }

    #[test]
    fn csv_rows_keep_the_column_count_with_the_event_last() {
        for verbose in [false, true] {
            let f = stream_format(Renderer::new(Format::Csv, verbose));
            let header = f.header().unwrap();
            assert!(header.ends_with(",event"), "{header}");
            let columns = header.split(',').count();
            for e in every_event() {
                let line = match &e {
                    Event::Reading(r) => f.reading(&r.drf, r),
                    Event::Error { drf, status } => f.failure(drf, &Error::device(&**drf, *status)),
                    other => f.event(other, at(1_700_000_001)).unwrap(),
                };
                let fields = csv_fields(&line);
                assert_eq!(fields.len(), columns, "{line}");
                assert_eq!(fields.last().map(String::as_str), Some(e.kind()), "{line}");
            }
        }
        let f = stream_format(Renderer::new(Format::Csv, false));
        let dropped = f.event(&Event::Dropped { count: 7 }, at(0)).unwrap();
        assert_eq!(dropped, ",7,,1970-01-01T00:00:00Z,,,dropped");
    }

    #[test]
    fn text_and_terse_leave_events_to_stderr() {
        for r in [
            Renderer::new(Format::Text, false),
            Renderer::new(Format::Json, false).with_view(View {
                terse: true,
                ..View::default()
            }),
        ] {
            let f = stream_format(r);
            for e in every_event() {
                assert_eq!(f.event(&e, at(0)), None);
            }
        }
    }
}
