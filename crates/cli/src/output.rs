//! What the command writes, in its three formats: [`Format`] (`--format`), [`Renderer`]
//! (the lines of one format, behind the [`LineFormat`] trait of [`crate::formats`], one
//! implementation per format), and the value, status and error forms every format and the
//! `info` blocks share. Pure functions: no I/O, so every format is unit-tested without a
//! server.
//!
//! A [`View`] changes what is shown in each: `--terse` keeps the value alone (text and CSV:
//! the value's text, or `[ERROR] <message>`; JSON: the value, or `{"error": {...}}`),
//! `--range` keeps some array elements, `--number-format` writes numbers in text and CSV
//! (JSON keeps exact numbers), and `--timestamp-format` picks ISO or seconds.

use base64::Engine as _;
use pacsys::{Error, ErrorKind, Reading, Status, Value};
use serde_json::{Map, Value as Json, json};

use crate::formats::json::StatusObject;
use crate::formats::{self, LineFormat, Options};
use crate::info::DeviceInfo;
use crate::times;
use crate::view::View;

/// The output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
    /// Comma-separated values with a header line.
    Csv,
}

/// Renders readings, failures, samples, settings' results and devices in one [`Format`]:
/// what every format has in common (a reading with an error status is a failure,
/// `--range` selects the elements shown, times are converted) done here, the lines
/// themselves by the format's [`LineFormat`] (see [`crate::formats`]).
///
/// ```
/// use std::sync::Arc;
/// use pacsys::{Reading, Status, Value};
/// use pacsys_cli::output::{Format, Renderer};
///
/// let r = Reading::new(Arc::from("M:OUTTMP"), Status::OK).with_value(Value::Scalar(72.5));
/// let json = Renderer::new(Format::Json, false).reading("M:OUTTMP", &r);
/// assert!(json.starts_with(r#"{"drf":"M:OUTTMP","value":72.5"#));
/// let text = Renderer::new(Format::Text, false).reading("M:OUTTMP", &r);
/// assert_eq!(text, "M:OUTTMP  72.5");
/// ```
#[derive(Debug, Clone)]
pub struct Renderer {
    format: Format,
    options: Options,
}

impl Renderer {
    /// A renderer for `format`; `verbose` adds the metadata (name, device index,
    /// description, cycle).
    pub fn new(format: Format, verbose: bool) -> Renderer {
        Renderer {
            format,
            options: Options {
                verbose,
                view: View::default(),
            },
        }
    }

    /// The same renderer with these display options.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::{Reading, Status, Value};
    /// use pacsys_cli::output::{Format, Renderer};
    /// use pacsys_cli::view::View;
    ///
    /// let r = Reading::new(Arc::from("M:OUTTMP"), Status::OK).with_value(Value::Scalar(72.25));
    /// let view = View { terse: true, number_format: Some(".1f".parse().unwrap()), ..View::default() };
    /// assert_eq!(Renderer::new(Format::Text, false).with_view(view).reading("M:OUTTMP", &r), "72.2");
    /// ```
    pub fn with_view(mut self, view: View) -> Renderer {
        self.options.view = view;
        self
    }

    /// The display options.
    pub fn view(&self) -> &View {
        &self.options.view
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether metadata is shown.
    pub fn verbose(&self) -> bool {
        self.options.verbose
    }

    /// What the format's lines are told (`-v` and the display options).
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The format's lines.
    pub fn lines(&self) -> &'static dyn LineFormat {
        formats::of(self.format)
    }

    /// The CSV header line (`None` for the other formats and for `--terse`).
    pub fn header(&self) -> Option<String> {
        self.lines().header(&self.options)
    }

    /// One reading. A reading that is not usable (an error status, or no value) is
    /// rendered as a failure ([`Renderer::failure`] of a device error).
    pub fn reading(&self, drf: &str, r: &Reading) -> String {
        if !r.ok() {
            return self.failure(drf, &Error::device(drf, r.status));
        }
        let Some(value) = &r.value else {
            return String::new();
        };
        let value = self.options.view.select(value);
        let ts = r.timestamp.and_then(times::timestamp);
        self.lines()
            .reading(&self.options, drf, r, value.as_ref(), ts)
    }

    /// One failed request.
    pub fn failure(&self, drf: &str, e: &Error) -> String {
        self.lines().failure(&self.options, drf, e)
    }

    /// One result of a batch: a reading or a failure.
    pub fn result(&self, drf: &str, r: &Result<Reading, Error>) -> String {
        match r {
            Ok(reading) => self.reading(drf, reading),
            Err(e) => self.failure(drf, e),
        }
    }

    /// One logged sample of a history (`micros` since the epoch), in the same shape as a
    /// reading.
    pub fn sample(
        &self,
        drf: &str,
        micros: Option<i64>,
        value: f64,
        units: Option<&str>,
    ) -> String {
        let ts = micros.and_then(|us| jiff::Timestamp::from_microsecond(us).ok());
        self.lines().sample(&self.options, drf, ts, value, units)
    }

    /// The CSV header of `put` results (`None` for the other formats and for `--terse`).
    pub fn put_header(&self) -> Option<String> {
        self.lines().put_header(&self.options)
    }

    /// One setting's result: `<drf>  ok (verified, readback=X)` /
    /// `<drf>  FAILED: <message>` in text.
    ///
    /// ```
    /// use pacsys::Status;
    /// use pacsys_cli::output::{Format, PutLine, Renderer};
    ///
    /// let line = PutLine { drf: "G:AMANDA", result: Ok(Status::OK), verified: None,
    ///                      readback: None, readback_error: None, attempts: None };
    /// assert_eq!(Renderer::new(Format::Text, false).put(&line), "G:AMANDA  ok");
    /// ```
    ///
    /// `--terse` leaves the DRF out (`ok (verified, readback=X)`, `FAILED: <message>`).
    pub fn put(&self, p: &PutLine<'_>) -> String {
        self.lines().put(&self.options, p)
    }

    /// The header of `info` (CSV only).
    pub fn info_header(&self) -> Option<&'static str> {
        self.lines().info_header()
    }

    /// What is written between two devices of `info` (text: an empty line).
    pub fn info_separator(&self) -> Option<&'static str> {
        self.lines().info_separator()
    }

    /// One device of `info`; `-v` also lists missing properties in text.
    pub fn info(&self, device: &DeviceInfo) -> String {
        self.lines().info(&self.options, device)
    }
}

/// A value as text: numbers as Rust prints them (shortest exact form), arrays
/// space-separated, raw bytes in hex, alarm blocks and basic status as `key=value` pairs.
///
/// ```
/// use pacsys::Value;
/// use pacsys_cli::output::value_text;
///
/// assert_eq!(value_text(&Value::Array(vec![1.0, 2.5])), "1 2.5");
/// assert_eq!(value_text(&Value::Raw(vec![0xde, 0xad])), "dead");
/// ```
pub fn value_text(v: &Value) -> String {
    View::default().value_text(v)
}

/// A number in the one JSON form of [`pacsys_types::json`] (finite numbers as numbers,
/// `"NaN"`, `"Infinity"`, `"-Infinity"` otherwise).
///
/// ```
/// use pacsys_cli::output::number_json;
/// assert_eq!(number_json(2.5), serde_json::json!(2.5));
/// assert_eq!(number_json(f64::NEG_INFINITY), serde_json::json!("-Infinity"));
/// ```
pub fn number_json(x: f64) -> Json {
    match pacsys_types::json::non_finite_name(x) {
        Some(name) => Json::from(name),
        None => Json::from(x),
    }
}

fn numbers_json(xs: &[f64]) -> Json {
    Json::Array(xs.iter().map(|x| number_json(*x)).collect())
}

/// A value as JSON: number, array of numbers, string, array of strings, an object for
/// alarm blocks, basic status and timed arrays, base64 text for raw bytes. Non-finite
/// numbers take the one JSON form of [`pacsys_types::json`]: `"NaN"`, `"Infinity"`,
/// `"-Infinity"`.
///
/// ```
/// use pacsys::Value;
/// use pacsys_cli::output::value_json;
///
/// assert_eq!(value_json(&Value::Raw(vec![0xde, 0xad, 0xbe, 0xef])), "3q2+7w==");
/// assert_eq!(value_json(&Value::Array(vec![1.0, 2.0])).to_string(), "[1.0,2.0]");
/// assert_eq!(value_json(&Value::Array(vec![f64::NAN, f64::INFINITY])).to_string(), r#"["NaN","Infinity"]"#);
/// ```
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Scalar(x) => number_json(*x),
        Value::Array(xs) => numbers_json(xs),
        Value::Raw(b) => base64::engine::general_purpose::STANDARD.encode(b).into(),
        Value::Text(s) => s.clone().into(),
        Value::TextArray(xs) => Json::from(xs.clone()),
        Value::TimedArray(t) => {
            let stamps: Vec<Json> = t
                .micros
                .iter()
                .map(|us| {
                    jiff::Timestamp::from_microsecond(*us)
                        .map_or(Json::Null, |t| times::rfc3339(t).into())
                })
                .collect();
            json!({"data": numbers_json(&t.data), "timestamps": stamps})
        }
        Value::AnalogAlarm(a) => json!({
            "minimum": number_json(a.minimum),
            "maximum": number_json(a.maximum),
            "alarm_enable": a.alarm_enable,
            "alarm_status": a.alarm_status,
            "abort": a.abort,
            "abort_inhibit": a.abort_inhibit,
            "tries_needed": a.tries_needed,
            "tries_now": a.tries_now,
        }),
        Value::DigitalAlarm(d) => json!({
            "nominal": d.nominal,
            "mask": d.mask,
            "alarm_enable": d.alarm_enable,
            "alarm_status": d.alarm_status,
            "abort": d.abort,
            "abort_inhibit": d.abort_inhibit,
            "tries_needed": d.tries_needed,
            "tries_now": d.tries_now,
        }),
        Value::BasicStatus(s) => {
            let mut o = Map::new();
            for (name, bit) in s.bits() {
                o.insert(name.into(), bit.into());
            }
            Json::Object(o)
        }
        other => other.to_string().into(),
    }
}

/// A status as `{"code", "facility", "message", "name"}` (name and message `null` for
/// codes this library does not know): [`StatusObject`](crate::formats::json::StatusObject)
/// as a JSON value.
pub fn status_json(s: Status) -> Json {
    serde_json::to_value(StatusObject::from(s)).unwrap_or(Json::Null)
}

/// A status as a short label: its name (`DPM_PEND`), or `facility error` for an unknown
/// code.
///
/// ```
/// use pacsys::Status;
/// assert_eq!(pacsys_cli::output::status_label(Status::DPM_PEND), "DPM_PEND");
/// assert_eq!(pacsys_cli::output::status_label(Status::new(17, -99)), "17 -99");
/// ```
pub fn status_label(s: Status) -> String {
    match s.name() {
        Some(n) => n.to_owned(),
        None => format!("{} {}", s.facility(), s.error()),
    }
}

/// The error as a JSON object, read from the error's fields (never from its text):
///
/// * `kind`: the [`ErrorKind`] name (`device`, `setting_rejected`,
///   `timeout`, `protocol`, ...);
/// * `facility`, `code`, `name`: the ACNET status when there is one (`name` is the status
///   name); otherwise `null`, `null` and the kind in upper case (`TIMEOUT`);
/// * `message`: the status text, or the error's message;
/// * `role`, `transport`, `server`: what was known, or `null`.
///
/// ```
/// use pacsys::{Error, Status, Transport};
/// let e = Error::device("Z:NOPE", Status::DPM_NO_SUCH_DEVICE);
/// let j = pacsys_cli::output::error_json(&e);
/// assert_eq!(j["kind"], "device");
/// assert_eq!(j["facility"], 17);
/// assert_eq!(j["code"], -26);
/// assert_eq!(j["name"], "DPM_NO_SUCH_DEVICE");
///
/// let e = Error::setting_rejected("G:AMANDA", Status::DPM_PRIV, Some("testing"))
///     .with_transport(Transport::Dpm);
/// let j = pacsys_cli::output::error_json(&e);
/// assert_eq!((j["kind"].as_str(), j["role"].as_str()), (Some("setting_rejected"), Some("testing")));
/// assert_eq!(j["transport"], "dpm");
/// ```
pub fn error_json(e: &Error) -> Json {
    let mut j = match e.status() {
        Some(s) => json!({
            "facility": s.facility(),
            "code": s.error(),
            "name": s.name(),
            "message": s.message().map_or_else(|| error_message(e), str::to_owned),
        }),
        None => json!({
            "facility": null,
            "code": null,
            "name": error_kind(e),
            "message": error_message(e),
        }),
    };
    j["kind"] = json!(e.kind().name());
    j["role"] = json!(e.role());
    j["transport"] = json!(e.transport().map(|t| t.name()));
    j["server"] = json!(e.server());
    j
}

/// The kind of a failure in upper case (`TIMEOUT`, `CONNECTION_LOST`, `SETTING_REJECTED`):
/// the [`ErrorKind`] name, never a re-classification of the message.
///
/// ```
/// assert_eq!(pacsys_cli::output::error_kind(&pacsys::Error::timeout("x")), "TIMEOUT");
/// ```
pub fn error_kind(e: &Error) -> String {
    e.kind().name().to_ascii_uppercase()
}

/// The message of a failure without repeating the DRF: the status text for a device
/// error or a refused setting (with the role that was refused), the error's own text
/// otherwise.
pub fn error_message(e: &Error) -> String {
    match (e.kind(), e.status()) {
        (ErrorKind::Device, Some(status)) => status.to_string(),
        (ErrorKind::SettingRejected, Some(status)) => match e.role() {
            Some(role) => format!("setting refused with {status} (role `{role}`)"),
            None => format!("setting refused with {status}"),
        },
        _ => e.to_string(),
    }
}

/// One CSV record (RFC 4180): fields with a comma, quote, CR or LF are quoted, quotes
/// doubled.
///
/// ```
/// assert_eq!(pacsys_cli::output::csv_line(&["a".into(), "b,c".into(), "say \"hi\"".into()]),
///            "a,\"b,c\",\"say \"\"hi\"\"\"");
/// ```
pub fn csv_line(fields: &[String]) -> String {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(f);
        }
    }
    line
}

/// What happened to one setting, for [`Renderer::put`].
#[derive(Debug, Clone)]
pub struct PutLine<'a> {
    /// The DRF as given.
    pub drf: &'a str,
    /// `Ok(status)` when the setting was accepted, the error otherwise.
    pub result: Result<Status, &'a Error>,
    /// `Some(true/false)` when `--verify` read the value back.
    pub verified: Option<bool>,
    /// The value read back.
    pub readback: Option<&'a Value>,
    /// Why the last read-back failed, if it did.
    pub readback_error: Option<&'a str>,
    /// How many read-backs were made (with `--verify`).
    pub attempts: Option<u32>,
}

impl PutLine<'_> {
    /// Accepted and, when verified, matching.
    pub fn ok(&self) -> bool {
        self.result.is_ok() && self.verified != Some(false)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use pacsys::{AnalogAlarm, BasicStatus, DeviceMeta, TimedArray};

    use super::*;

    fn reading(drf: &str, v: Value) -> Reading {
        let meta = DeviceMeta {
            device_index: 140013,
            name: "M:OUTTMP".into(),
            description: "Outside temp".into(),
            units: Some("DegF".into()),
            format_hint: None,
        };
        Reading::new(Arc::from(drf), Status::OK)
            .with_value(v)
            .with_timestamp(Some(UNIX_EPOCH + Duration::from_millis(1_795_000_000_123)))
            .with_meta(Some(Arc::new(meta)))
            .with_cycle(Some(7))
    }

    fn parse(line: &str) -> Json {
        serde_json::from_str(line).unwrap_or(Json::Null)
    }

    #[test]
    fn text_lines() {
        let r = reading("M:OUTTMP", Value::Scalar(72.5));
        let t = Renderer::new(Format::Text, false);
        assert_eq!(
            t.reading("M:OUTTMP", &r),
            "M:OUTTMP  72.5 DegF  2026-11-18 11:06:40.123"
        );
        let v = Renderer::new(Format::Text, true).reading("M:OUTTMP", &r);
        assert!(v.contains("\n    device: M:OUTTMP (index 140013)"), "{v}");
        assert!(v.contains("\n    description: Outside temp"), "{v}");
        assert!(v.contains("\n    cycle: 7"), "{v}");
        let e = Error::device("Z:NOPE", Status::DPM_NO_SUCH_DEVICE);
        assert_eq!(
            t.failure("Z:NOPE", &e),
            format!(
                "{:<28} [ERROR] DPM_NO_SUCH_DEVICE (17 -26): unknown device",
                "Z:NOPE"
            )
        );
    }

    #[test]
    fn warnings_are_flagged_and_status_only_readings_fail() {
        let mut r = reading("M:OUTTMP", Value::Scalar(1.0));
        r.status = Status::DPM_STALE;
        let t = Renderer::new(Format::Text, false).reading("M:OUTTMP", &r);
        assert!(t.ends_with("[WARNING DPM_STALE]"), "{t}");
        let pend = Reading::new(Arc::from("Z:X"), Status::DPM_PEND);
        let j = parse(&Renderer::new(Format::Json, false).reading("Z:X", &pend));
        assert_eq!(j["error"]["name"], "DPM_PEND");
        assert!(j.get("value").is_none());
    }

    #[test]
    fn json_objects_have_the_documented_shape() {
        let j = Renderer::new(Format::Json, false);
        let r = reading("M:OUTTMP", Value::Scalar(72.5));
        let o = parse(&j.reading("M:OUTTMP", &r));
        assert_eq!(o["drf"], "M:OUTTMP");
        assert_eq!(o["value"], 72.5);
        assert_eq!(o["units"], "DegF");
        assert_eq!(o["timestamp"], "2026-11-18T11:06:40.123Z");
        assert_eq!(o["status"]["name"], "OK");
        assert!(o.get("cycle").is_none());
        let o = parse(&Renderer::new(Format::Json, true).reading("M:OUTTMP", &r));
        assert_eq!(o["device_index"], 140013);
        assert_eq!(o["cycle"], 7);

        let cases: Vec<(Value, Json)> = vec![
            (Value::Array(vec![0.0, 0.5]), json!([0.0, 0.5])),
            (Value::Text("hello".into()), json!("hello")),
            (
                Value::TextArray(vec!["a".into(), "b".into()]),
                json!(["a", "b"]),
            ),
            (
                Value::Raw(vec![0xde, 0xad, 0xbe, 0xef, 0, 1]),
                json!("3q2+7wAB"),
            ),
            (
                Value::BasicStatus(BasicStatus {
                    on: Some(true),
                    ready: Some(false),
                    ..Default::default()
                }),
                json!({"on": true, "ready": false}),
            ),
            (Value::Scalar(f64::NAN), json!("NaN")),
            (Value::Scalar(f64::INFINITY), json!("Infinity")),
            (
                Value::Array(vec![f64::NEG_INFINITY, 1.0]),
                json!(["-Infinity", 1.0]),
            ),
            (
                Value::TimedArray(TimedArray {
                    data: vec![1.0],
                    micros: vec![1_000_000],
                }),
                json!({"data": [1.0], "timestamps": ["1970-01-01T00:00:01Z"]}),
            ),
        ];
        for (v, want) in cases {
            let o = parse(&j.reading("X", &reading("X", v.clone())));
            assert_eq!(o["value"], want, "{v:?}");
        }
        let alarm = AnalogAlarm {
            minimum: 0.0,
            maximum: 120.0,
            alarm_enable: true,
            alarm_status: false,
            abort: false,
            abort_inhibit: false,
            tries_needed: 1,
            tries_now: 0,
        };
        let o = parse(&j.reading("X", &reading("X", Value::AnalogAlarm(alarm))));
        assert_eq!(o["value"]["maximum"], 120.0);
    }

    #[test]
    fn json_errors() {
        let j = Renderer::new(Format::Json, false);
        let o = parse(&j.failure(
            "Z:NOPE",
            &Error::device("Z:NOPE", Status::DPM_NO_SUCH_DEVICE),
        ));
        assert_eq!(o["drf"], "Z:NOPE");
        assert_eq!(o["error"]["facility"], 17);
        assert_eq!(o["error"]["code"], -26);
        assert_eq!(o["error"]["name"], "DPM_NO_SUCH_DEVICE");
        assert!(o.get("value").is_none());
        let o = parse(&j.failure("M:OUTTMP", &Error::timeout("reading")));
        assert_eq!(o["error"]["name"], "TIMEOUT");
        assert_eq!(o["error"]["facility"], Json::Null);
    }

    #[test]
    fn csv_rows() {
        let c = Renderer::new(Format::Csv, false);
        assert_eq!(
            c.header().as_deref(),
            Some("drf,value,units,timestamp,status,error")
        );
        let r = reading("Z:ACLTST[0:2]", Value::Array(vec![0.0, 0.5, 1.0]));
        assert_eq!(
            c.reading("Z:ACLTST[0:2]", &r),
            "Z:ACLTST[0:2],0 0.5 1,DegF,2026-11-18T11:06:40.123Z,OK,"
        );
        let line = c.failure(
            "Z:NOPE",
            &Error::device("Z:NOPE", Status::DPM_NO_SUCH_DEVICE),
        );
        assert_eq!(
            line,
            "Z:NOPE,,,,DPM_NO_SUCH_DEVICE,DPM_NO_SUCH_DEVICE (17 -26): unknown device"
        );
        assert_eq!(
            Renderer::new(Format::Csv, true)
                .header()
                .map(|h| h.split(',').count()),
            Some(10)
        );
    }

    #[test]
    fn samples_share_the_reading_shape() {
        let j = parse(&Renderer::new(Format::Json, false).sample(
            "M:OUTTMP",
            Some(1_000_000),
            3.5,
            Some("DegF"),
        ));
        assert_eq!(j["value"], 3.5);
        assert_eq!(j["timestamp"], "1970-01-01T00:00:01Z");
        assert_eq!(j["status"]["code"], 0);
        let t = Renderer::new(Format::Text, false).sample("M:OUTTMP", Some(1_000_000), 3.5, None);
        assert_eq!(t, "1970-01-01 00:00:01.000  3.5");
    }

    #[test]
    fn put_lines() {
        let readback = Value::Scalar(12.5);
        let ok = PutLine {
            drf: "G:AMANDA",
            result: Ok(Status::OK),
            verified: Some(true),
            readback: Some(&readback),
            readback_error: None,
            attempts: Some(1),
        };
        let t = Renderer::new(Format::Text, false);
        assert_eq!(t.put(&ok), "G:AMANDA  ok (verified, readback=12.5)");
        let bad = PutLine {
            verified: Some(false),
            attempts: Some(3),
            ..ok.clone()
        };
        assert!(!bad.ok());
        assert_eq!(
            t.put(&bad),
            "G:AMANDA  ok (verify FAILED, readback=12.5) after 3 read-backs"
        );
        let e = Error::device("M:OUTTMP", Status::new(14, -58));
        let failed = PutLine {
            drf: "M:OUTTMP",
            result: Err(&e),
            verified: None,
            readback: None,
            readback_error: None,
            attempts: None,
        };
        assert_eq!(
            t.put(&failed),
            "M:OUTTMP  FAILED: DIO_RANGE (14 -58): value out of range"
        );
        let j = parse(&Renderer::new(Format::Json, false).put(&bad));
        assert_eq!(j["ok"], false);
        assert_eq!(j["verified"], false);
        assert_eq!(j["readback"], 12.5);
        let j = parse(&Renderer::new(Format::Json, false).put(&failed));
        assert_eq!(j["error"]["name"], "DIO_RANGE");
        let c = Renderer::new(Format::Csv, false).put(&ok);
        assert_eq!(c, "G:AMANDA,true,OK,true,12.5,1,");
    }
}
