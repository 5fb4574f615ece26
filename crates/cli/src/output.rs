//! What every output format shares: [`Format`] (`--format`), [`PutLine`] (a setting's
//! result), and the forms of values, statuses and errors as text, JSON and CSV fields. The
//! lines themselves are written by [`crate::formats`] (its `Renderer`, and one
//! `LineFormat` per format). Pure functions: no I/O.
//!
//! A [`View`] changes what is shown in each: `--terse` keeps the value alone (text and CSV:
//! the value's text, or `[ERROR] <message>`; JSON: the value, or `{"error": {...}}`),
//! `--range` keeps some array elements, `--number-format` writes numbers in text and CSV
//! (JSON keeps exact numbers), and `--timestamp-format` picks ISO or seconds.

use base64::Engine as _;
use pacsys::{Error, ErrorKind, Status, Value};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

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

/// A status as `{"code", "facility", "message", "name"}` (name and message `null` for
/// codes this library does not know): [`StatusObject`] as a JSON value.
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

/// What happened to one setting, for `formats::Renderer::put`.
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
