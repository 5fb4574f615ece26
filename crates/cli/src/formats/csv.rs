//! `--format csv`: a header line, then one RFC 4180 record per line.
//!
//! * readings, failures and samples: `drf,value,units,timestamp,status,error` (`-v` adds
//!   `name,device_index,description,cycle`);
//! * settings: `drf,ok,status,verified,readback,attempts,error`;
//! * `info`: `device,property,present,value,units,error`, one record per property;
//! * in a stream, a last `event` column: an event's record has its `drf`, its number in
//!   `value` (seconds of a reconnection's gap or of silence, `units` `s`; a drop's count),
//!   the time received in `timestamp`, and its reason (a gap's span too) in `error`.
//!
//! `--terse` writes the value alone (or `[ERROR] <message>`), with no header and no
//! stream events.

use std::time::SystemTime;

use jiff::Timestamp;
use pacsys::{Error, Event, Reading, Status, Value};

use super::{LineFormat, Options};
use crate::info::{DeviceInfo, PROPERTIES, Section};
use crate::output::{PutLine, csv_line, error_message, status_label, value_text};
use crate::times;

/// CSV records (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
pub struct Csv;

/// The reading columns' header.
const HEADER: &str = "drf,value,units,timestamp,status,error";
/// `-v`'s columns.
const META_HEADER: &str = ",name,device_index,description,cycle";

/// The number of reading columns (before a stream's `event`).
fn columns(o: &Options) -> usize {
    let meta = if o.verbose {
        META_HEADER.split(',').count() - 1
    } else {
        0
    };
    HEADER.split(',').count() + meta
}

/// A record of the reading columns: the first six given, `-v`'s left empty.
fn record(o: &Options, fields: [String; 6]) -> String {
    let mut fields = fields.to_vec();
    fields.resize(columns(o), String::new());
    csv_line(&fields)
}

fn time(o: &Options, ts: Option<Timestamp>) -> String {
    ts.map(|t| o.view.time_csv(t)).unwrap_or_default()
}

impl LineFormat for Csv {
    fn header(&self, o: &Options) -> Option<String> {
        (!o.view.terse).then(|| {
            let mut h = HEADER.to_owned();
            if o.verbose {
                h.push_str(META_HEADER);
            }
            h
        })
    }

    fn reading(
        &self,
        o: &Options,
        drf: &str,
        r: &Reading,
        value: &Value,
        ts: Option<Timestamp>,
    ) -> String {
        if o.view.terse {
            return csv_line(&[o.view.value_text(value)]);
        }
        let mut fields = vec![
            drf.to_owned(),
            o.view.value_text(value),
            r.units().unwrap_or_default().to_owned(),
            time(o, ts),
            status_label(r.status),
            String::new(),
        ];
        if o.verbose {
            let m = r.meta.as_deref();
            fields.extend([
                m.map(|m| m.name.clone()).unwrap_or_default(),
                m.map(|m| m.device_index.to_string()).unwrap_or_default(),
                m.map(|m| m.description.clone()).unwrap_or_default(),
                r.cycle.map(|c| c.to_string()).unwrap_or_default(),
            ]);
        }
        csv_line(&fields)
    }

    fn failure(&self, o: &Options, drf: &str, e: &Error) -> String {
        if o.view.terse {
            return csv_line(&[format!("[ERROR] {}", error_message(e))]);
        }
        let status = e.status().map(status_label).unwrap_or_default();
        record(
            o,
            [
                drf.to_owned(),
                String::new(),
                String::new(),
                String::new(),
                status,
                error_message(e),
            ],
        )
    }

    fn sample(
        &self,
        o: &Options,
        drf: &str,
        ts: Option<Timestamp>,
        value: f64,
        units: Option<&str>,
    ) -> String {
        let text = o.view.number(value);
        if o.view.terse {
            return csv_line(&[text]);
        }
        record(
            o,
            [
                drf.to_owned(),
                text,
                units.unwrap_or_default().to_owned(),
                time(o, ts),
                status_label(Status::OK),
                String::new(),
            ],
        )
    }

    fn put_header(&self, o: &Options) -> Option<String> {
        (!o.view.terse).then(|| "drf,ok,status,verified,readback,attempts,error".to_owned())
    }

    fn put(&self, o: &Options, p: &PutLine<'_>) -> String {
        let fields = [
            p.drf.to_owned(),
            p.ok().to_string(),
            p.result
                .as_ref()
                .map(|s| status_label(*s))
                .unwrap_or_else(|e| e.status().map(status_label).unwrap_or_default()),
            p.verified.map(|v| v.to_string()).unwrap_or_default(),
            p.readback.map(|v| o.view.value_text(v)).unwrap_or_default(),
            p.attempts.map(|n| n.to_string()).unwrap_or_default(),
            p.result
                .as_ref()
                .err()
                .map(|e| error_message(e))
                .unwrap_or_default(),
        ];
        csv_line(if o.view.terse { &fields[1..] } else { &fields })
    }

    fn info_header(&self) -> Option<&'static str> {
        Some("device,property,present,value,units,error")
    }

    fn info(&self, _: &Options, d: &DeviceInfo) -> String {
        let lines: Vec<String> = PROPERTIES
            .iter()
            .zip(&d.sections)
            .map(|((p, _, _), section)| {
                let (present, value, units, error) = match section {
                    Section::Present(r) => (
                        "true",
                        r.value.as_ref().map(value_text).unwrap_or_default(),
                        r.units().unwrap_or_default().to_owned(),
                        String::new(),
                    ),
                    Section::Missing => ("false", String::new(), String::new(), String::new()),
                    Section::Failed(e) => ("", String::new(), String::new(), error_message(e)),
                };
                csv_line(&[
                    d.device.clone(),
                    (*p).to_owned(),
                    present.to_owned(),
                    value,
                    units,
                    error,
                ])
            })
            .collect();
        lines.join("\n")
    }

    fn stream_header(&self, o: &Options) -> Option<String> {
        self.header(o).map(|h| h + ",event")
    }

    fn stream_line(&self, o: &Options, line: String, kind: &str) -> String {
        if o.view.terse {
            line
        } else {
            line + "," + kind
        }
    }

    fn event(&self, o: &Options, event: &Event, received: SystemTime) -> Option<String> {
        if o.view.terse {
            return None;
        }
        let time = |t: SystemTime| times::timestamp(t).map(|t| o.view.time_csv(t));
        let seconds = |d: std::time::Duration| o.view.number(d.as_secs_f64());
        let (drf, value, units, detail) = match event {
            Event::Reading(_) | Event::Error { .. } => return None,
            Event::Disconnected { reason } => ("", String::new(), "", reason.clone()),
            Event::Reconnected { gap } => ("", seconds(*gap), "s", String::new()),
            Event::Dropped { count } => ("", count.to_string(), "", String::new()),
            Event::Stale { drf, silent_for } | Event::Fresh { drf, silent_for } => {
                (&**drf, seconds(*silent_for), "s", String::new())
            }
            Event::Gap {
                drf,
                from,
                to,
                reason,
            } => {
                let span = format!(
                    "from {} until {}: {reason}",
                    time(*from).unwrap_or_default(),
                    time(*to).unwrap_or_default()
                );
                (&**drf, String::new(), "", span)
            }
            other => ("", String::new(), "", other.to_string()),
        };
        let mut fields = vec![String::new(); columns(o) + 1];
        fields[0] = drf.to_owned();
        fields[1] = value;
        fields[2] = units.to_owned();
        fields[3] = time(received).unwrap_or_default();
        fields[5] = detail;
        if let Some(last) = fields.last_mut() {
            event.kind().clone_into(last);
        }
        Some(csv_line(&fields))
    }
}
