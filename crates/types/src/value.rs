//! Values a device delivers, and the metadata that describes them.
//!
//! These types are the vocabulary both transports (DPM over TCP and DAQ gRPC) deliver in, so
//! the connection cores produce them directly and the client re-exports them unchanged.

use std::fmt;

/// One value read from (or written to) a device.
///
/// Which kind arrives is decided by the server from the request (property, range, field),
/// never by the client: `M:OUTTMP` gives a [`Value::Scalar`], `Z:ACLTST[0:9]` a
/// [`Value::Array`], `M:OUTTMP.RAW` [`Value::Raw`] bytes and so on.
///
/// ```
/// use pacsys_types::Value;
///
/// let v = Value::Array(vec![1.0, 2.5]);
/// assert_eq!(v.kind_name(), "scalarArr");
/// assert_eq!(v.as_array(), Some(&[1.0, 2.5][..]));
/// assert_eq!(Value::Scalar(72.5).as_f64(), Some(72.5));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "value_type", content = "value"))]
pub enum Value {
    /// One number in engineering units.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "scalar", with = "crate::json::number")
    )]
    Scalar(f64),
    /// Several numbers in engineering units (an array device, or a range of one).
    #[cfg_attr(
        feature = "serde",
        serde(rename = "scalarArr", with = "crate::json::numbers")
    )]
    Array(Vec<f64>),
    /// Raw bytes exactly as the front end returned them (no scaling).
    #[cfg_attr(feature = "serde", serde(rename = "raw"))]
    Raw(Vec<u8>),
    /// Text (descriptions, names, text devices).
    #[cfg_attr(feature = "serde", serde(rename = "text"))]
    Text(String),
    /// Several texts (for example status bit names).
    #[cfg_attr(feature = "serde", serde(rename = "textArr"))]
    TextArray(Vec<String>),
    /// Samples with their own times (logger history and multi-sample replies).
    #[cfg_attr(feature = "serde", serde(rename = "timedScalarArr"))]
    TimedArray(TimedArray),
    /// An analog alarm block.
    #[cfg_attr(feature = "serde", serde(rename = "anaAlarm"))]
    AnalogAlarm(AnalogAlarm),
    /// A digital alarm block.
    #[cfg_attr(feature = "serde", serde(rename = "digAlarm"))]
    DigitalAlarm(DigitalAlarm),
    /// The basic status bits a device defines.
    #[cfg_attr(feature = "serde", serde(rename = "basicStatus"))]
    BasicStatus(BasicStatus),
}

impl Value {
    /// The kind's name as the reference library serialises it (`"scalar"`, `"scalarArr"`,
    /// `"timedScalarArr"`, `"raw"`, `"text"`, `"textArr"`, `"anaAlarm"`, `"digAlarm"`,
    /// `"basicStatus"`).
    ///
    /// ```
    /// assert_eq!(pacsys_types::Value::Text("hi".into()).kind_name(), "text");
    /// ```
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "scalar",
            Value::Array(_) => "scalarArr",
            Value::Raw(_) => "raw",
            Value::Text(_) => "text",
            Value::TextArray(_) => "textArr",
            Value::TimedArray(_) => "timedScalarArr",
            Value::AnalogAlarm(_) => "anaAlarm",
            Value::DigitalAlarm(_) => "digAlarm",
            Value::BasicStatus(_) => "basicStatus",
        }
    }

    /// The number of a [`Value::Scalar`].
    ///
    /// ```
    /// assert_eq!(pacsys_types::Value::Scalar(1.5).as_f64(), Some(1.5));
    /// assert_eq!(pacsys_types::Value::Text("x".into()).as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Scalar(x) => Some(*x),
            _ => None,
        }
    }

    /// The numbers of a [`Value::Array`] (or the data of a [`Value::TimedArray`]).
    ///
    /// ```
    /// let v = pacsys_types::Value::Array(vec![0.0, 0.5]);
    /// assert_eq!(v.as_array().map(<[f64]>::len), Some(2));
    /// ```
    pub fn as_array(&self) -> Option<&[f64]> {
        match self {
            Value::Array(xs) => Some(xs),
            Value::TimedArray(t) => Some(&t.data),
            _ => None,
        }
    }

    /// The text of a [`Value::Text`].
    ///
    /// ```
    /// assert_eq!(pacsys_types::Value::Text("hello".into()).as_text(), Some("hello"));
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// A compact human form: numbers as Rust prints them, arrays in brackets, raw bytes in
    /// hex, texts quoted only inside arrays.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, xs: &[T]) -> fmt::Result {
            f.write_str("[")?;
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{x}")?;
            }
            f.write_str("]")
        }
        match self {
            Value::Scalar(x) => write!(f, "{x}"),
            Value::Array(xs) => list(f, xs),
            Value::Raw(bytes) => {
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Value::Text(s) => f.write_str(s),
            Value::TextArray(xs) => {
                let quoted: Vec<String> = xs.iter().map(|s| format!("{s:?}")).collect();
                list(f, &quoted)
            }
            Value::TimedArray(t) => list(f, &t.data),
            Value::AnalogAlarm(a) => write!(
                f,
                "analog alarm min={} max={} enabled={} in_alarm={}",
                a.minimum, a.maximum, a.alarm_enable, a.alarm_status
            ),
            Value::DigitalAlarm(d) => write!(
                f,
                "digital alarm nominal={:#x} mask={:#x} enabled={} in_alarm={}",
                d.nominal, d.mask, d.alarm_enable, d.alarm_status
            ),
            Value::BasicStatus(s) => write!(f, "{s}"),
        }
    }
}

/// Samples with per-sample times: `micros[i]` is the time of `data[i]` in microseconds since
/// the Unix epoch. `micros` may be empty when the server sent no times.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimedArray {
    /// The sample values.
    #[cfg_attr(feature = "serde", serde(with = "crate::json::numbers"))]
    pub data: Vec<f64>,
    /// Sample times, microseconds since 1970-01-01T00:00:00Z.
    pub micros: Vec<i64>,
}

/// An analog alarm block: limits in engineering units and the alarm state.
///
/// Writable attributes are `minimum`, `maximum`, `alarm_enable`, `abort_inhibit` and
/// `tries_needed`; the others are read-only state.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AnalogAlarm {
    /// Lower limit.
    #[cfg_attr(feature = "serde", serde(with = "crate::json::number"))]
    pub minimum: f64,
    /// Upper limit.
    #[cfg_attr(feature = "serde", serde(with = "crate::json::number"))]
    pub maximum: f64,
    /// Alarm checking is enabled.
    pub alarm_enable: bool,
    /// The device is in alarm now.
    pub alarm_status: bool,
    /// The alarm can abort beam.
    pub abort: bool,
    /// Aborts are inhibited.
    pub abort_inhibit: bool,
    /// Consecutive out-of-tolerance readings needed before alarming.
    pub tries_needed: i32,
    /// The current count of out-of-tolerance readings.
    pub tries_now: i32,
}

/// A digital alarm block: the expected bit pattern, the bits checked, and the alarm state.
///
/// Writable attributes are `nominal`, `mask`, `alarm_enable`, `abort_inhibit` and
/// `tries_needed`; the others are read-only state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DigitalAlarm {
    /// The expected bit pattern.
    pub nominal: i32,
    /// The bits that are checked.
    pub mask: i32,
    /// Alarm checking is enabled.
    pub alarm_enable: bool,
    /// The device is in alarm now.
    pub alarm_status: bool,
    /// The alarm can abort beam.
    pub abort: bool,
    /// Aborts are inhibited.
    pub abort_inhibit: bool,
    /// Consecutive bad readings needed before alarming.
    pub tries_needed: i32,
    /// The current count of bad readings.
    pub tries_now: i32,
}

/// The basic status bits of a device; `None` means the device does not define that bit.
///
/// ```
/// use pacsys_types::BasicStatus;
///
/// let s = BasicStatus { on: Some(true), ready: Some(false), ..BasicStatus::default() };
/// assert_eq!(s.to_string(), "on=true ready=false");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BasicStatus {
    /// Powered on.
    pub on: Option<bool>,
    /// Ready (not tripped).
    pub ready: Option<bool>,
    /// Under remote control.
    pub remote: Option<bool>,
    /// Positive polarity.
    pub positive: Option<bool>,
    /// Ramping (as opposed to DC).
    pub ramp: Option<bool>,
}

impl BasicStatus {
    /// The defined bits as `(name, value)` pairs, in the order on, ready, remote, positive,
    /// ramp.
    ///
    /// ```
    /// let s = pacsys_types::BasicStatus { ramp: Some(true), ..Default::default() };
    /// assert_eq!(s.bits().collect::<Vec<_>>(), vec![("ramp", true)]);
    /// ```
    pub fn bits(&self) -> impl Iterator<Item = (&'static str, bool)> {
        [
            ("on", self.on),
            ("ready", self.ready),
            ("remote", self.remote),
            ("positive", self.positive),
            ("ramp", self.ramp),
        ]
        .into_iter()
        .filter_map(|(name, bit)| bit.map(|b| (name, b)))
    }
}

impl fmt::Display for BasicStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, bit)) in self.bits().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={bit}")?;
        }
        Ok(())
    }
}

/// Metadata describing the device behind a request (DPM sends it as a DeviceInfo reply).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeviceMeta {
    /// The device index (database key).
    pub device_index: i32,
    /// The canonical device name, e.g. `M:OUTTMP`.
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// Engineering units, absent for unscaled (raw) data or properties without scaling.
    pub units: Option<String>,
    /// A display-format hint, passed through uninterpreted.
    pub format_hint: Option<i16>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        assert_eq!(Value::Scalar(72.5).to_string(), "72.5");
        assert_eq!(Value::Array(vec![1.0, 2.0]).to_string(), "[1, 2]");
        assert_eq!(Value::Raw(vec![0xde, 0xad]).to_string(), "dead");
        assert_eq!(
            Value::TextArray(vec!["a".into(), "b".into()]).to_string(),
            r#"["a", "b"]"#
        );
        assert_eq!(BasicStatus::default().to_string(), "");
    }

    #[test]
    fn accessors_reject_other_kinds() {
        assert_eq!(Value::Text("x".into()).as_array(), None);
        assert_eq!(Value::Scalar(1.0).as_text(), None);
        let timed = Value::TimedArray(TimedArray {
            data: vec![1.0],
            micros: vec![5],
        });
        assert_eq!(timed.as_array(), Some(&[1.0][..]));
        assert_eq!(timed.kind_name(), "timedScalarArr");
    }
}
