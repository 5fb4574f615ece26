//! How values and times are shown: the reference's `--terse`, `--number-format`, `--range`
//! and `--timestamp-format`, applied the same way by every format and by the live table.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;

use jiff::Timestamp;
use pacsys::{TimedArray, Value};
use serde_json::Value as Json;

use crate::number_format::NumberFormat;
use crate::range::Range;
use crate::times;

/// `--timestamp-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TimestampFormat {
    /// Date and time in UTC (`2026-11-23 02:41:04.926` in text, RFC 3339 in JSON and CSV).
    #[default]
    Iso,
    /// Seconds since the Unix epoch.
    Epoch,
    /// Seconds since the first reading's timestamp.
    Relative,
}

/// The display options of one command.
///
/// ```
/// use pacsys::Value;
/// use pacsys_cli::view::View;
///
/// let view = View {
///     number_format: Some(".1f".parse().unwrap()),
///     range: Some("1:3".parse().unwrap()),
///     ..View::default()
/// };
/// assert_eq!(view.value_text(&Value::Array(vec![1.0, 2.25, 3.5, 4.0])), "2.2 3.5");
/// assert_eq!(view.value_text(&Value::Scalar(72.25)), "72.2");
/// ```
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Bare values: no DRF, units, timestamp or metadata.
    pub terse: bool,
    /// How numbers are written in text and CSV (JSON keeps exact numbers).
    pub number_format: Option<NumberFormat>,
    /// Which array elements are shown.
    pub range: Option<Range>,
    /// How timestamps are written.
    pub timestamp_format: TimestampFormat,
    /// The origin of relative times: the first timestamp rendered (leave it default).
    pub origin: Origin,
}

/// The first timestamp a [`View`] rendered, the origin of `--timestamp-format relative`.
#[derive(Debug, Clone, Default)]
pub struct Origin(OnceLock<Timestamp>);

impl View {
    /// The elements of `v` that `--range` selects (every other value unchanged).
    pub fn select<'a>(&self, v: &'a Value) -> Cow<'a, Value> {
        let Some(r) = self.range else {
            return Cow::Borrowed(v);
        };
        Cow::Owned(match v {
            Value::Array(xs) => Value::Array(r.apply(xs)),
            Value::TextArray(xs) => Value::TextArray(r.apply(xs)),
            Value::TimedArray(t) => Value::TimedArray(TimedArray {
                data: r.apply(&t.data),
                micros: r.apply(&t.micros),
            }),
            other => return Cow::Borrowed(other),
        })
    }

    /// One number as text.
    pub fn number(&self, x: f64) -> String {
        match &self.number_format {
            Some(f) => f.format(x),
            None => x.to_string(),
        }
    }

    /// A value as text (after `--range`): numbers by `--number-format`, arrays
    /// space-separated, raw bytes in hex, alarm blocks and basic status as `key=value`.
    pub fn value_text(&self, v: &Value) -> String {
        let v = self.select(v);
        let join = |xs: &[f64]| {
            let mut s = String::with_capacity(xs.len() * 4);
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                match &self.number_format {
                    Some(f) => s.push_str(&f.format(*x)),
                    None => {
                        let _ = write!(s, "{x}");
                    }
                }
            }
            s
        };
        match v.as_ref() {
            Value::Scalar(x) => self.number(*x),
            Value::Array(xs) => join(xs),
            Value::TimedArray(t) => join(&t.data),
            Value::AnalogAlarm(a) => format!(
                "min={} max={} enabled={} in_alarm={} abort={} abort_inhibit={} tries={}/{}",
                self.number(a.minimum),
                self.number(a.maximum),
                a.alarm_enable,
                a.alarm_status,
                a.abort,
                a.abort_inhibit,
                a.tries_now,
                a.tries_needed
            ),
            Value::DigitalAlarm(d) => format!(
                "nominal={:#010b} mask={:#010b} enabled={} in_alarm={} abort={} abort_inhibit={} tries={}/{}",
                d.nominal,
                d.mask,
                d.alarm_enable,
                d.alarm_status,
                d.abort,
                d.abort_inhibit,
                d.tries_now,
                d.tries_needed
            ),
            other => other.to_string(),
        }
    }

    /// Seconds of `t` for the epoch and relative forms (the first call fixes the origin).
    fn seconds(&self, t: Timestamp) -> f64 {
        let origin = match self.timestamp_format {
            TimestampFormat::Relative => *self.origin.0.get_or_init(|| t),
            _ => Timestamp::UNIX_EPOCH,
        };
        t.duration_since(origin).as_secs_f64()
    }

    /// A timestamp in the text format: `YYYY-MM-DD HH:MM:SS.mmm` (UTC) or seconds with
    /// three decimals.
    pub fn time_text(&self, t: Timestamp) -> String {
        match self.timestamp_format {
            TimestampFormat::Iso => times::text_time(t),
            _ => format!("{:.3}", self.seconds(t)),
        }
    }

    /// A timestamp in CSV: RFC 3339, or seconds with microseconds.
    pub fn time_csv(&self, t: Timestamp) -> String {
        match self.timestamp_format {
            TimestampFormat::Iso => times::rfc3339(t),
            _ => format!("{:.6}", self.seconds(t)),
        }
    }

    /// A timestamp in JSON: an RFC 3339 string, or seconds as a number.
    pub fn time_json(&self, t: Timestamp) -> Json {
        match self.timestamp_format {
            TimestampFormat::Iso => times::rfc3339(t).into(),
            _ => Json::from(self.seconds(t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use pacsys::AnalogAlarm;

    use super::*;

    fn view(number: Option<&str>, range: Option<&str>, ts: TimestampFormat) -> View {
        View {
            number_format: number.map(|s| s.parse().unwrap_or_else(|e| panic!("{e}"))),
            range: range.map(|s| s.parse().unwrap_or_else(|e| panic!("{e}"))),
            timestamp_format: ts,
            ..View::default()
        }
    }

    #[test]
    fn ranges_cut_every_array_kind_and_leave_scalars() {
        let v = view(None, Some("-2:"), TimestampFormat::Iso);
        assert_eq!(v.value_text(&Value::Array(vec![1.0, 2.0, 3.0])), "2 3");
        assert_eq!(
            v.select(&Value::TextArray(vec!["a".into(), "b".into(), "c".into()]))
                .as_ref(),
            &Value::TextArray(vec!["b".into(), "c".into()])
        );
        let timed = Value::TimedArray(TimedArray {
            data: vec![1.0, 2.0, 3.0],
            micros: vec![10, 20, 30],
        });
        assert_eq!(
            v.select(&timed).as_ref(),
            &Value::TimedArray(TimedArray {
                data: vec![2.0, 3.0],
                micros: vec![20, 30]
            })
        );
        assert_eq!(v.value_text(&Value::Scalar(5.5)), "5.5");
        assert_eq!(v.value_text(&Value::Raw(vec![1, 2, 3])), "010203");
    }

    #[test]
    fn number_formats_reach_alarm_limits() {
        let v = view(Some(".1f"), None, TimestampFormat::Iso);
        let a = AnalogAlarm {
            minimum: 1.25,
            maximum: 9.75,
            alarm_enable: true,
            alarm_status: false,
            abort: false,
            abort_inhibit: false,
            tries_needed: 1,
            tries_now: 0,
        };
        assert!(
            v.value_text(&Value::AnalogAlarm(a))
                .starts_with("min=1.2 max=9.8 ")
        );
    }

    #[test]
    fn relative_times_start_at_the_first_timestamp() {
        let v = view(None, None, TimestampFormat::Relative);
        let t0 = Timestamp::from_millisecond(1_795_000_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let t1 = Timestamp::from_millisecond(1_795_000_001_500).unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(v.time_text(t0), "0.000");
        assert_eq!(v.time_text(t1), "1.500");
        assert_eq!(v.time_json(t1), Json::from(1.5));
        let e = view(None, None, TimestampFormat::Epoch);
        assert_eq!(e.time_text(t1), "1795000001.500");
        assert_eq!(e.time_csv(t1), "1795000001.500000");
        let i = view(None, None, TimestampFormat::Iso);
        assert_eq!(i.time_json(t1), Json::from("2026-11-18T11:06:41.5Z"));
    }
}
