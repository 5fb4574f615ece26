//! The output formats (`--format`) behind one trait: [`LineFormat`] says how every command
//! writes its lines in one format (readings and failures of `get` and `monitor`, logged
//! samples of `history`, settings' results of `put`, devices of `info`, and `monitor`'s
//! other stream events), and [`text`], [`json`] and [`csv`] each implement it once.
//! [`Renderer`](crate::output::Renderer) picks the implementation for `--format` and does
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
