//! The output formats (`--format`) behind one trait: [`LineFormat`] says how every command
//! writes its lines in one format (readings and failures of `get` and `monitor`, logged
//! samples of `history`, settings' results of `put`, devices of `info`, and `monitor`'s
//! other stream events), and [`text`], [`json`] and [`csv`] each implement it once.
//! [`Renderer`] picks the implementation for `--format` and does
//! what is common to all three (a reading with an error status is a failure, `--range`
//! selects, times are converted) before calling it. Pure: no I/O.

pub mod csv;
pub mod json;
pub mod text;

use std::time::SystemTime;

use jiff::Timestamp;
use pacsys::{Error, Event, Reading, Value};

use crate::info::DeviceInfo;
use crate::output::{Format, PutLine};
use crate::times;
use crate::view::View;

/// What every format is told besides the line's data: the command's display options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-v`: the metadata (device name and index, description, cycle) too.
    pub verbose: bool,
    /// `--terse`, `--range`, `--number-format`, `--timestamp-format`.
    pub view: View,
}

/// How the lines of one output format are written. Each method returns one line (or, for
/// `info` in text and CSV, a block of lines) without its newline.
pub trait LineFormat: Sync {
    /// The header line of readings, if the format has one (`--terse`: none).
    fn header(&self, _: &Options) -> Option<String> {
        None
    }

    /// A usable reading of `drf` (a status that is not an error, and a value): `value` is
    /// its value as `--range` selects it, `ts` its time.
    fn reading(
        &self,
        o: &Options,
        drf: &str,
        r: &Reading,
        value: &Value,
        ts: Option<Timestamp>,
    ) -> String;

    /// A failed request (or a reading with an error status).
    fn failure(&self, o: &Options, drf: &str, e: &Error) -> String;

    /// One logged sample of `history`, in the shape of a reading.
    fn sample(
        &self,
        o: &Options,
        drf: &str,
        ts: Option<Timestamp>,
        value: f64,
        units: Option<&str>,
    ) -> String;

    /// The header line of `put` results, if the format has one.
    fn put_header(&self, _: &Options) -> Option<String> {
        None
    }

    /// One setting's result.
    fn put(&self, o: &Options, p: &PutLine<'_>) -> String;

    /// The header line of `info`, if the format has one.
    fn info_header(&self) -> Option<&'static str> {
        None
    }

    /// What comes between two devices of `info`, if anything (text: an empty line).
    fn info_separator(&self) -> Option<&'static str> {
        None
    }

    /// Everything `info` found about one device.
    fn info(&self, o: &Options, device: &DeviceInfo) -> String;

    /// The header line of a stream (`monitor`), if the format has one.
    fn stream_header(&self, o: &Options) -> Option<String> {
        self.header(o)
    }

    /// A stream's reading or failure line (`line`, as `get` writes it), marked as the
    /// event `kind` (`reading` or `error`) where the format names events.
    fn stream_line(&self, _: &Options, line: String, _kind: &str) -> String {
        line
    }

    /// Any other stream event, received at `received`; `None` where the format leaves it
    /// to the `pacsys: ...` line on stderr.
    fn event(&self, _: &Options, _: &Event, _: SystemTime) -> Option<String> {
        None
    }
}

/// The implementation of `format`.
pub fn of(format: Format) -> &'static dyn LineFormat {
    match format {
        Format::Text => &text::Text,
        Format::Json => &json::Json,
        Format::Csv => &csv::Csv,
    }
}

/// Renders readings, failures, samples, settings' results and devices in one [`Format`]:
/// what every format has in common (a reading with an error status is a failure,
/// `--range` selects the elements shown, times are converted) done here, the lines
/// themselves by the format's [`LineFormat`].
///
/// ```
/// use std::sync::Arc;
/// use pacsys::{Reading, Status, Value};
/// use pacsys_cli::formats::Renderer;
/// use pacsys_cli::output::Format;
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
    /// use pacsys_cli::formats::Renderer;
    /// use pacsys_cli::output::Format;
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
        of(self.format)
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
    /// use pacsys_cli::formats::Renderer;
    /// use pacsys_cli::output::{Format, PutLine};
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use pacsys::{AnalogAlarm, BasicStatus, DeviceMeta, Status, TimedArray};

    use super::*;
    use crate::output::*;
    use serde_json::{Value as Json, json};

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

    // ---- info ----

    #[test]
    fn text_hides_missing_unless_verbose() {
        let info = crate::info::tests::amanda();
        let t = Renderer::new(Format::Text, false).info(&info);
        assert!(t.starts_with("G:AMANDA  (index 27235)"), "{t}");
        assert!(t.contains("\n  reading       42 mA"), "{t}");
        assert!(t.contains("\n  description   Amanda\n"), "{t}");
        assert!(!t.contains("no such property"), "{t}");
        assert!(t.contains("[ERROR] timed out"), "{t}");
        assert!(
            t.ends_with("properties    DESCRIPTION READING SETTING"),
            "{t}"
        );
        let v = Renderer::new(Format::Text, true).info(&info);
        assert!(v.contains("status        (no such property)"), "{v}");
    }

    #[test]
    fn json_and_csv() {
        let info = crate::info::tests::amanda();
        let j: Json = serde_json::from_str(&Renderer::new(Format::Json, false).info(&info))
            .unwrap_or_default();
        assert_eq!(j["device_index"], 27235);
        assert_eq!(j["reading"], 42.0);
        assert_eq!(j["units"], "mA");
        assert!(j.get("status").is_none());
        assert_eq!(j["digital_alarm"]["error"]["name"], "TIMEOUT");
        assert_eq!(
            j["properties"],
            json!(["DESCRIPTION", "READING", "SETTING"])
        );
        let c = Renderer::new(Format::Csv, false).info(&info);
        assert_eq!(c.lines().count(), 6);
        assert!(c.contains("G:AMANDA,STATUS,false,,,"), "{c}");
    }
}
