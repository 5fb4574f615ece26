//! `--format text`: aligned lines for people.
//!
//! * a reading: `<drf>  <value>[ <units>]  <YYYY-MM-DD HH:MM:SS.mmm>` (UTC), a warning
//!   flagged, `-v` adding indented metadata lines;
//! * a failure: `<drf padded to 28> [ERROR] <message>`;
//! * a sample: `<time>  <value>[ <units>]`;
//! * a setting: `<drf>  ok (verified, readback=X)` or `<drf>  FAILED: <message>`;
//! * a device of `info`: its name and index, then one line per property.
//!
//! `--terse` leaves the value alone (or `[ERROR] <message>`). Stream events go to stderr
//! only.

use std::fmt::Write as _;

use jiff::Timestamp;
use pacsys::{Error, Reading, Value};

use super::{LineFormat, Options};
use crate::info::{DeviceInfo, PROPERTIES, Section};
use crate::output::{PutLine, error_message, status_label, value_text};

/// Text lines (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
pub struct Text;

impl LineFormat for Text {
    fn reading(
        &self,
        o: &Options,
        drf: &str,
        r: &Reading,
        value: &Value,
        ts: Option<Timestamp>,
    ) -> String {
        if o.view.terse {
            return o.view.value_text(value);
        }
        let mut line = format!("{drf}  {}", o.view.value_text(value));
        if let Some(u) = r.units() {
            let _ = write!(line, " {u}");
        }
        if let Some(t) = ts {
            let _ = write!(line, "  {}", o.view.time_text(t));
        }
        if r.is_warning() {
            let _ = write!(line, "  [WARNING {}]", status_label(r.status));
        }
        if o.verbose {
            line.push_str(&meta(r));
        }
        line
    }

    fn failure(&self, o: &Options, drf: &str, e: &Error) -> String {
        if o.view.terse {
            format!("[ERROR] {}", error_message(e))
        } else {
            format!("{drf:<28} [ERROR] {}", error_message(e))
        }
    }

    fn sample(
        &self,
        o: &Options,
        _drf: &str,
        ts: Option<Timestamp>,
        value: f64,
        units: Option<&str>,
    ) -> String {
        let text = o.view.number(value);
        if o.view.terse {
            return text;
        }
        let t = ts
            .map(|t| o.view.time_text(t))
            .unwrap_or_else(|| "-".into());
        match units {
            Some(u) => format!("{t}  {text} {u}"),
            None => format!("{t}  {text}"),
        }
    }

    fn put(&self, o: &Options, p: &PutLine<'_>) -> String {
        let mut s = if o.view.terse {
            String::new()
        } else {
            format!("{}  ", p.drf)
        };
        match &p.result {
            Err(e) => {
                let _ = write!(s, "FAILED: {}", error_message(e));
            }
            Ok(status) => {
                s.push_str("ok");
                if status.is_warning() {
                    let _ = write!(s, " [WARNING {}]", status_label(*status));
                }
                let rb = match (p.readback.map(|v| o.view.value_text(v)), p.readback_error) {
                    (Some(v), _) => format!("readback={v}"),
                    (None, Some(e)) => format!("read-back failed: {e}"),
                    (None, None) => "no readback".to_owned(),
                };
                match p.verified {
                    Some(true) => {
                        let _ = write!(s, " (verified, {rb})");
                    }
                    Some(false) => {
                        let _ = write!(s, " (verify FAILED, {rb})");
                    }
                    None => {}
                }
            }
        }
        if let Some(n) = p.attempts.filter(|n| *n > 1) {
            let _ = write!(s, " after {n} read-backs");
        }
        s
    }

    fn info_separator(&self) -> Option<&'static str> {
        Some("")
    }

    fn info(&self, o: &Options, d: &DeviceInfo) -> String {
        let mut s = d.device.clone();
        if let Some(m) = d.meta() {
            let _ = write!(s, "  (index {})", m.device_index);
            if m.name != d.device {
                let _ = write!(s, "  {}", m.name);
            }
        }
        // A device that failed as a whole (unknown device, no connection): one line.
        if let Some(message) = d.whole_failure() {
            let _ = write!(s, "\n  [ERROR] {message}");
            return s;
        }
        for ((_, label, _), section) in PROPERTIES.iter().zip(&d.sections) {
            match section {
                Section::Present(r) => {
                    let v = r.value.as_ref().map(value_text).unwrap_or_default();
                    let _ = write!(s, "\n  {label:<14}{v}");
                    if let Some(u) = r.units().filter(|_| *label != "description") {
                        let _ = write!(s, " {u}");
                    }
                }
                Section::Missing if o.verbose => {
                    let _ = write!(s, "\n  {label:<14}(no such property)");
                }
                Section::Missing => {}
                Section::Failed(e) => {
                    let _ = write!(s, "\n  {label:<14}[ERROR] {}", error_message(e));
                }
            }
        }
        let present = d.present();
        let _ = write!(
            s,
            "\n  {:<14}{}",
            "properties",
            if present.is_empty() {
                "(none)".to_owned()
            } else {
                present.join(" ")
            }
        );
        s
    }
}

/// `-v`'s metadata lines of a reading.
fn meta(r: &Reading) -> String {
    let mut s = format!("\n    status: {}", r.status);
    if let Some(m) = r.meta.as_deref() {
        let _ = write!(s, "\n    device: {} (index {})", m.name, m.device_index);
        if !m.description.is_empty() {
            let _ = write!(s, "\n    description: {}", m.description);
        }
    }
    if let Some(c) = r.cycle {
        let _ = write!(s, "\n    cycle: {c}");
    }
    s
}
