//! `CsvWriter`'s rows, written in Rust: pacsys 0.3.0's columns (`timestamp, drf, value,
//! units, facility_code, error_code, message`) and value strings (a scalar as Python's
//! `str(float)`, an array as a JSON list, a timed array as `{"data": [...], "micros":
//! [...]}`, text as is, raw bytes as base64, alarm blocks and basic status as JSON), one
//! row per reading or device error, CRLF line ends and minimal quoting as Python's `csv`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use pacsys::{Error, Event, Reading, Status, Value};

/// The header row, as pacsys's `CsvWriter` writes it.
const HEADER: &str = "timestamp,drf,value,units,facility_code,error_code,message\r\n";

/// An open CSV log: rows are buffered and reach the file at each [`CsvLog::flush`].
pub struct CsvLog {
    path: PathBuf,
    out: BufWriter<File>,
    /// The row being formatted (reused).
    line: String,
}

impl CsvLog {
    /// Creates (truncates) `path` and writes the header.
    pub fn create(path: &Path) -> io::Result<CsvLog> {
        let file = File::create(path)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(HEADER.as_bytes())?;
        out.flush()?;
        Ok(CsvLog {
            path: path.to_path_buf(),
            out,
            line: String::new(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the row of `event` when it is a reading or a device error (the other events,
    /// drops and reconnections, have no row in pacsys's format). Returns whether it did.
    pub fn write(&mut self, event: &Event) -> io::Result<bool> {
        self.line.clear();
        match event {
            Event::Reading(r) => reading_row(&mut self.line, r),
            Event::Error { drf, status } => {
                let message = Error::device(drf.to_string(), *status).to_string();
                row(&mut self.line, None, drf, "", "", *status, &message);
            }
            _ => return Ok(false),
        }
        self.out.write_all(self.line.as_bytes())?;
        Ok(true)
    }

    /// Hands the buffered rows to the operating system (they survive the process's death).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The row of one reading.
fn reading_row(line: &mut String, r: &Reading) {
    let mut value = String::new();
    if let Some(v) = &r.value {
        value_text(&mut value, v);
    }
    let units = r
        .meta
        .as_ref()
        .and_then(|m| m.units.as_deref())
        .unwrap_or("");
    let message = if r.status.is_ok() {
        String::new()
    } else {
        r.status.to_string()
    };
    row(line, r.timestamp, &r.drf, &value, units, r.status, &message);
}

/// Formats one row into `line`.
fn row(
    line: &mut String,
    timestamp: Option<SystemTime>,
    drf: &str,
    value: &str,
    units: &str,
    status: Status,
    message: &str,
) {
    if let Some(t) = timestamp {
        iso_utc(line, t);
    }
    line.push(',');
    field(line, drf);
    line.push(',');
    field(line, value);
    line.push(',');
    field(line, units);
    let _ = write!(line, ",{},{},", status.facility(), status.error());
    field(line, message);
    line.push_str("\r\n");
}

/// One field, quoted (with doubled quotes) when it holds a comma, a quote or a line end.
fn field(line: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

/// Appends `$v` as JSON (serializing these plain structs and string lists cannot fail).
macro_rules! json {
    ($out:expr, $v:expr) => {
        if let Ok(text) = serde_json::to_string($v) {
            $out.push_str(&text);
        }
    };
}

/// A value as pacsys's `CsvWriter` writes it.
pub fn value_text(out: &mut String, v: &Value) {
    match v {
        Value::Scalar(x) => py_float(out, *x),
        Value::Array(xs) => json_floats(out, xs),
        Value::TimedArray(t) => {
            out.push_str("{\"data\": ");
            json_floats(out, &t.data);
            out.push_str(", \"micros\": [");
            for (i, m) in t.micros.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{m}");
            }
            out.push_str("]}");
        }
        Value::Text(s) => out.push_str(s),
        Value::Raw(bytes) => out.push_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
        Value::TextArray(xs) => json!(out, xs),
        Value::AnalogAlarm(a) => json!(out, a),
        Value::DigitalAlarm(a) => json!(out, a),
        Value::BasicStatus(s) => json!(out, s),
        // A kind added to pacsys-types later: its text, so nothing is lost.
        #[allow(unreachable_patterns)]
        other => {
            let _ = write!(out, "{other:?}");
        }
    }
}

/// A JSON list of numbers as Python's `json.dumps` writes it (`NaN`, `Infinity`).
fn json_floats(out: &mut String, xs: &[f64]) {
    out.push('[');
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if x.is_nan() {
            out.push_str("NaN");
        } else if x.is_infinite() {
            out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" });
        } else {
            py_float(out, *x);
        }
    }
    out.push(']');
}

/// A float as Python's `str(float)`: the shortest text that reads back the same, positional
/// for exponents -4..16 (with a `.0` when whole), else `1e+16` style.
pub fn py_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    // `{:e}` is the shortest round-trip form: `-1.2345e-5`, `1e16`, `0e0`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    out.push_str(sign);
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if exp + 1 >= n {
            out.push_str(&digits);
            for _ in 0..(exp + 1 - n) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let point = usize::try_from(exp + 1).unwrap_or(0);
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    } else {
        out.push_str(mantissa);
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

/// `t` as Python's `datetime.isoformat()` of a UTC datetime:
/// `2024-05-01T12:00:00.123456+00:00` (no fraction when whole seconds).
pub fn iso_utc(out: &mut String, t: SystemTime) {
    let (secs, micros) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_micros(),
        ),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            match d.subsec_micros() {
                0 => (-whole, 0),
                us => (-whole - 1, 1_000_000 - us),
            }
        }
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out.push_str("+00:00");
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}
