//! How a simulated device answers a request and takes a setting: the semantics every fake
//! shares, independent of any wire protocol.
//!
//! Reads resolve a property, an optional field and an optional range against a device's
//! state into a [`Value`] or an ACNET [`Status`]; settings change the state or say why not.
//! The choices where production behaviour is unknown are listed in the crate README.

use pacsys_drf::{ExtraKind, Field, Property, Range, Request};
use pacsys_types::{AnalogAlarm, BasicStatus, DigitalAlarm, Status, Value};

use std::borrow::Cow;
use std::sync::Arc;

use crate::replay::Timeline;
use crate::world::{DeviceState, Signal, SimDevice};

/// ACNET/DPM statuses the simulator answers with.
pub mod status {
    use pacsys_types::Status;

    /// The device lacks the property.
    pub const NO_SUCH_PROP: Status = Status::new(17, -27);
    /// Unknown device.
    pub const NO_SUCH_DEVICE: Status = Status::new(17, -26);
    /// The field does not apply to this device.
    pub const NO_SUCH_FIELD: Status = Status::new(17, -32);
    /// The range lies outside the device's data.
    pub const OUT_OF_BOUNDS: Status = Status::new(17, -29);
    /// Wrong data length for the device.
    pub const BAD_LENGTH: Status = Status::new(17, -35);
    /// Read-only attribute or device.
    pub const READONLY: Status = Status::new(14, -60);
    /// Value outside the device's setting limits (or not a finite number).
    pub const RANGE: Status = Status::new(14, -58);
    /// Operation not supported by the device.
    pub const NOT_SUPPORTED: Status = Status::new(14, -69);
    /// The data source (a logger extra) is not valid.
    pub const INVALID_DATASOURCE: Status = Status::new(17, -42);
}

/// The data of one setting record, as a client sends it.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingData {
    /// Raw bytes, written without scaling.
    Raw(Vec<u8>),
    /// Numbers in engineering units.
    Scaled(Vec<f64>),
    /// Texts.
    Text(Vec<String>),
}

/// What the parsed request asks of a device, stripped of events and data sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The property.
    pub property: Property,
    /// The field, `None` for the property's default.
    pub field: Option<Field>,
    /// The range, if one was given.
    pub range: Option<Range>,
}

impl Target {
    /// What a parsed request asks of a device: its property, field and range (the event and
    /// the data source are the caller's business).
    ///
    /// ```
    /// use pacsys_drf::{Field, Property, Request};
    /// use pacsys_sim::answer::Target;
    ///
    /// let t = Target::of(&Request::parse("m_outtmp.raw[0:3]@p,1000").unwrap());
    /// assert_eq!((t.property, t.field), (Property::Setting, Some(Field::Raw)));
    /// assert!(t.range.is_some());
    /// ```
    pub fn of(request: &pacsys_drf::Request) -> Target {
        Target {
            property: request.property(),
            field: request.field(),
            range: request.range(),
        }
    }
}

/// Reads `target` from `device` at `now_ms` (milliseconds since the epoch).
pub fn read(device: &SimDevice, target: Target, now_ms: i64) -> Result<Value, Status> {
    let state = device.state();
    if let Some(error) = state.error {
        return Err(error);
    }
    let meta = device.meta();
    let value = match target.property {
        Property::Reading => data_field(&state, state.reading.sample(now_ms)?, target.field, meta)?,
        Property::Setting => {
            let setting = match &state.setting_replay {
                Some(timeline) => timeline.at_wall_ms(now_ms).clone()?,
                None => state.setting.clone().ok_or(status::NO_SUCH_PROP)?,
            };
            data_field(&state, setting, target.field, meta)?
        }
        Property::Status => status_field(state.status.ok_or(status::NO_SUCH_PROP)?, target.field)?,
        Property::Analog => analog_field(&state.analog.ok_or(status::NO_SUCH_PROP)?, target.field)?,
        Property::Digital => {
            digital_field(&state.digital.ok_or(status::NO_SUCH_PROP)?, target.field)?
        }
        Property::Description => Value::Text(meta.description.clone()),
        Property::Index => Value::Scalar(f64::from(meta.device_index)),
        Property::LongName => Value::Text(format!("{} ({})", meta.name, meta.description)),
        Property::AlarmListName => Value::Text("Default".to_owned()),
        Property::Control => return Err(status::NOT_SUPPORTED),
        Property::BitStatus => return Err(status::NO_SUCH_PROP),
    };
    match target.range {
        None => Ok(value),
        Some(range) => apply_range(value, range),
    }
}

/// The replayed timeline a repeating request for `target` plays, if `device` is replayed
/// for that property (READING: a [`Signal::Replay`] reading; SETTING: a
/// [`DeviceState::setting_replay`]) and has no per-device error.
pub fn replay_of(device: &SimDevice, target: Target) -> Option<Arc<Timeline>> {
    let state = device.state();
    if state.error.is_some() {
        return None;
    }
    match target.property {
        Property::Reading => match &state.reading {
            Signal::Replay(timeline) => Some(Arc::clone(timeline)),
            _ => None,
        },
        Property::Setting => state.setting_replay.clone(),
        _ => None,
    }
}

/// Shapes one replayed READING/SETTING `value` as `target` asks (its field and range), as
/// [`read`] would. The whole scaled value is borrowed, not copied.
pub fn shape<'v>(
    device: &SimDevice,
    target: Target,
    value: &'v Value,
) -> Result<Cow<'v, Value>, Status> {
    if target.range.is_none()
        && matches!(
            target.field,
            None | Some(Field::Scaled) | Some(Field::Primary)
        )
    {
        return Ok(Cow::Borrowed(value));
    }
    let shaped = {
        let state = device.state();
        data_field(&state, value.clone(), target.field, device.meta())?
    };
    match target.range {
        None => Ok(Cow::Owned(shaped)),
        Some(range) => apply_range(shaped, range).map(Cow::Owned),
    }
}

/// READING/SETTING fields.
fn data_field(
    state: &DeviceState,
    value: Value,
    field: Option<Field>,
    meta: &pacsys_types::DeviceMeta,
) -> Result<Value, Status> {
    match field {
        None | Some(Field::Scaled) | Some(Field::Primary) => Ok(value),
        Some(Field::Raw) => Ok(Value::Raw(raw_bytes(&value))),
        Some(Field::Min) => Ok(Value::Scalar(state.limits.0)),
        Some(Field::Max) => Ok(Value::Scalar(state.limits.1)),
        Some(Field::Units) => Ok(Value::Text(meta.units.clone().unwrap_or_default())),
        Some(_) => Err(status::NO_SUCH_FIELD),
    }
}

/// The simulator's raw form of a value: numbers as 4-byte little-endian IEEE floats (a
/// common front-end layout), texts as their Latin-1 bytes, raw data as it is.
pub fn raw_bytes(value: &Value) -> Vec<u8> {
    let latin1 = |s: &str| s.chars().map(|c| u8::try_from(c).unwrap_or(b'?')).collect();
    match value {
        Value::Scalar(x) => (*x as f32).to_le_bytes().to_vec(),
        Value::Array(xs) => xs.iter().flat_map(|x| (*x as f32).to_le_bytes()).collect(),
        Value::Raw(bytes) => bytes.clone(),
        Value::Text(s) => latin1(s),
        Value::TextArray(xs) => xs.iter().flat_map(|s| latin1(s)).collect::<Vec<u8>>(),
        _ => Vec::new(),
    }
}

fn bit(flag: bool) -> Value {
    Value::Scalar(if flag { 1.0 } else { 0.0 })
}

fn status_field(s: BasicStatus, field: Option<Field>) -> Result<Value, Status> {
    let defined = |b: Option<bool>| b.map(bit).ok_or(status::NO_SUCH_FIELD);
    let word = s
        .bits()
        .enumerate()
        .fold(0u16, |w, (i, (_, on))| w | (u16::from(on) << i));
    match field {
        None | Some(Field::All) => Ok(Value::BasicStatus(s)),
        Some(Field::On) => defined(s.on),
        Some(Field::Ready) => defined(s.ready),
        Some(Field::Remote) => defined(s.remote),
        Some(Field::Positive) => defined(s.positive),
        Some(Field::Ramp) => defined(s.ramp),
        Some(Field::Raw) | Some(Field::BitValue) => Ok(if field == Some(Field::Raw) {
            Value::Raw(word.to_le_bytes().to_vec())
        } else {
            Value::Scalar(f64::from(word))
        }),
        Some(Field::Text) | Some(Field::ExtendedText) => Ok(Value::Text(s.to_string())),
        Some(Field::BitNames) => Ok(Value::TextArray(
            s.bits().map(|(name, _)| name.to_owned()).collect(),
        )),
        Some(Field::BitValues) => Ok(Value::TextArray(
            s.bits().map(|(_, on)| on.to_string()).collect(),
        )),
        Some(_) => Err(status::NO_SUCH_FIELD),
    }
}

fn analog_field(a: &AnalogAlarm, field: Option<Field>) -> Result<Value, Status> {
    match field {
        None | Some(Field::All) => Ok(Value::AnalogAlarm(*a)),
        Some(Field::Min) => Ok(Value::Scalar(a.minimum)),
        Some(Field::Max) => Ok(Value::Scalar(a.maximum)),
        Some(Field::AlarmEnable) => Ok(bit(a.alarm_enable)),
        Some(Field::AlarmStatus) => Ok(bit(a.alarm_status)),
        Some(Field::Abort) => Ok(bit(a.abort)),
        Some(Field::AbortInhibit) => Ok(bit(a.abort_inhibit)),
        Some(Field::TriesNeeded) => Ok(Value::Scalar(f64::from(a.tries_needed))),
        Some(Field::TriesNow) => Ok(Value::Scalar(f64::from(a.tries_now))),
        Some(Field::Text) => Ok(Value::Text(Value::AnalogAlarm(*a).to_string())),
        Some(_) => Err(status::NO_SUCH_FIELD),
    }
}

fn digital_field(d: &DigitalAlarm, field: Option<Field>) -> Result<Value, Status> {
    match field {
        None | Some(Field::All) => Ok(Value::DigitalAlarm(*d)),
        Some(Field::Nom) => Ok(Value::Scalar(f64::from(d.nominal))),
        Some(Field::Mask) => Ok(Value::Scalar(f64::from(d.mask))),
        Some(Field::AlarmEnable) => Ok(bit(d.alarm_enable)),
        Some(Field::AlarmStatus) => Ok(bit(d.alarm_status)),
        Some(Field::Abort) => Ok(bit(d.abort)),
        Some(Field::AbortInhibit) => Ok(bit(d.abort_inhibit)),
        Some(Field::TriesNeeded) => Ok(Value::Scalar(f64::from(d.tries_needed))),
        Some(Field::TriesNow) => Ok(Value::Scalar(f64::from(d.tries_now))),
        Some(Field::Text) => Ok(Value::Text(Value::DigitalAlarm(*d).to_string())),
        Some(_) => Err(status::NO_SUCH_FIELD),
    }
}

/// Element bounds `[first, last]` of an array range over `len` elements, or `None` when the
/// range does not fit. `Single` ranges give `first == last`.
fn element_span(range: pacsys_drf::ArrayRange, len: usize) -> Option<(usize, usize, bool)> {
    use pacsys_drf::RangeMode;
    let len = u32::try_from(len).ok()?;
    let (first, last, single) = match range.mode() {
        RangeMode::Full => (0, len.checked_sub(1)?, false),
        RangeMode::Single => {
            let at = range.low()?;
            (at, at, true)
        }
        RangeMode::Std => (
            range.low().unwrap_or(0),
            range.high().unwrap_or(len.checked_sub(1)?),
            false,
        ),
    };
    (first <= last && last < len).then_some((first as usize, last as usize, single))
}

/// Byte bounds `[start, end)` of a byte range over `len` bytes.
fn byte_span(range: pacsys_drf::ByteRange, len: usize) -> Option<(usize, usize)> {
    let start = range.offset().unwrap_or(0) as usize;
    let end = match range.length() {
        Some(n) => start.checked_add(n as usize)?,
        None if range.mode() == pacsys_drf::RangeMode::Single => start.checked_add(1)?,
        None => len,
    };
    (start <= end && end <= len).then_some((start, end))
}

/// The part of `value` a DRF range selects: `[i]` one element, `[a:b]` elements `a..=b`,
/// `{off:len}` bytes of its raw form; [`status::OUT_OF_BOUNDS`] when it does not fit.
///
/// ```
/// use pacsys_drf::Request;
/// use pacsys_sim::answer::{apply_range, status};
/// use pacsys_types::Value;
///
/// let range = |drf: &str| Request::parse(drf).unwrap().range().unwrap();
/// let v = Value::Array(vec![0.0, 0.5, 1.0, 1.5]);
/// assert_eq!(apply_range(v.clone(), range("Z:ACLTST[1:2]")), Ok(Value::Array(vec![0.5, 1.0])));
/// assert_eq!(apply_range(v.clone(), range("Z:ACLTST[3]")), Ok(Value::Scalar(1.5)));
/// assert_eq!(apply_range(v, range("Z:ACLTST[9]")), Err(status::OUT_OF_BOUNDS));
/// ```
pub fn apply_range(value: Value, range: Range) -> Result<Value, Status> {
    match range {
        Range::Byte(bytes) => {
            let raw = raw_bytes(&value);
            let (start, end) = byte_span(bytes, raw.len()).ok_or(status::OUT_OF_BOUNDS)?;
            Ok(Value::Raw(raw[start..end].to_vec()))
        }
        Range::Array(elements) => match value {
            Value::Array(xs) => {
                let (first, last, single) =
                    element_span(elements, xs.len()).ok_or(status::OUT_OF_BOUNDS)?;
                Ok(if single {
                    Value::Scalar(xs[first])
                } else {
                    Value::Array(xs[first..=last].to_vec())
                })
            }
            Value::TextArray(xs) => {
                let (first, last, single) =
                    element_span(elements, xs.len()).ok_or(status::OUT_OF_BOUNDS)?;
                Ok(if single {
                    Value::Text(xs[first].clone())
                } else {
                    Value::TextArray(xs[first..=last].to_vec())
                })
            }
            Value::Raw(bytes) => {
                let (first, last, _) =
                    element_span(elements, bytes.len()).ok_or(status::OUT_OF_BOUNDS)?;
                Ok(Value::Raw(bytes[first..=last].to_vec()))
            }
            scalar => {
                // A one-element device: only element 0 exists.
                element_span(elements, 1).ok_or(status::OUT_OF_BOUNDS)?;
                Ok(scalar)
            }
        },
    }
}

/// Applies a setting to `target` of `device`. On success the device's state has changed and
/// later reads see it; on failure the state is untouched.
pub fn write(device: &SimDevice, target: Target, data: &SettingData) -> Result<(), Status> {
    let mut state = device.state_mut();
    if let Some(error) = state.error {
        return Err(error);
    }
    match target.property {
        Property::Setting | Property::Reading => {
            match target.field {
                None | Some(Field::Scaled) | Some(Field::Primary) | Some(Field::Raw) => {}
                Some(_) => return Err(status::READONLY),
            }
            let current = state.setting.clone().ok_or(status::READONLY)?;
            let next = new_setting(&current, target.range, data, state.limits)?;
            state.reading = Signal::Fixed(next.clone());
            state.setting = Some(next);
            state.setting_replay = None;
            Ok(())
        }
        Property::Control => {
            let command = single_number(data)?;
            let s = state.status.as_mut().ok_or(status::NO_SUCH_PROP)?;
            control(s, command)
        }
        Property::Analog => {
            let a = state.analog.as_mut().ok_or(status::NO_SUCH_PROP)?;
            let x = single_number(data)?;
            match target.field {
                Some(Field::Min) => a.minimum = x,
                Some(Field::Max) => a.maximum = x,
                Some(Field::AlarmEnable) => a.alarm_enable = x != 0.0,
                Some(Field::AbortInhibit) => a.abort_inhibit = x != 0.0,
                Some(Field::TriesNeeded) => a.tries_needed = whole(x)?,
                None | Some(Field::All) => return Err(status::NOT_SUPPORTED),
                Some(_) => return Err(status::READONLY),
            }
            Ok(())
        }
        Property::Digital => {
            let d = state.digital.as_mut().ok_or(status::NO_SUCH_PROP)?;
            let x = single_number(data)?;
            match target.field {
                Some(Field::Nom) => d.nominal = whole(x)?,
                Some(Field::Mask) => d.mask = whole(x)?,
                Some(Field::AlarmEnable) => d.alarm_enable = x != 0.0,
                Some(Field::AbortInhibit) => d.abort_inhibit = x != 0.0,
                Some(Field::TriesNeeded) => d.tries_needed = whole(x)?,
                None | Some(Field::All) => return Err(status::NOT_SUPPORTED),
                Some(_) => return Err(status::READONLY),
            }
            Ok(())
        }
        _ => Err(status::READONLY),
    }
}

fn single_number(data: &SettingData) -> Result<f64, Status> {
    match data {
        SettingData::Scaled(xs) if xs.len() == 1 && xs[0].is_finite() => Ok(xs[0]),
        SettingData::Scaled(xs) if xs.len() == 1 => Err(status::RANGE),
        _ => Err(status::BAD_LENGTH),
    }
}

fn whole(x: f64) -> Result<i32, Status> {
    if x.fract() == 0.0 && x >= f64::from(i32::MIN) && x <= f64::from(i32::MAX) {
        Ok(x as i32)
    } else {
        Err(status::RANGE)
    }
}

fn within(x: f64, (low, high): (f64, f64)) -> Result<f64, Status> {
    if x.is_finite() && x >= low && x <= high {
        Ok(x)
    } else {
        Err(status::RANGE)
    }
}

/// Basic control commands by ordinal: RESET 0, ON 1, OFF 2, POSITIVE 3, NEGATIVE 4, RAMP 5,
/// DC 6, LOCAL 7, REMOTE 8, TRIP 9. A command for a bit the device does not define is
/// refused.
fn control(s: &mut BasicStatus, command: f64) -> Result<(), Status> {
    let (slot, value) = match whole(command)? {
        0 => (&mut s.ready, true),
        1 => (&mut s.on, true),
        2 => (&mut s.on, false),
        3 => (&mut s.positive, true),
        4 => (&mut s.positive, false),
        5 => (&mut s.ramp, true),
        6 => (&mut s.ramp, false),
        7 => (&mut s.remote, false),
        8 => (&mut s.remote, true),
        9 => (&mut s.ready, false),
        _ => return Err(status::RANGE),
    };
    match slot {
        Some(bit) => {
            *bit = value;
            Ok(())
        }
        None => Err(status::NOT_SUPPORTED),
    }
}

/// The device's next setting, or why `data` cannot become it.
fn new_setting(
    current: &Value,
    range: Option<Range>,
    data: &SettingData,
    limits: (f64, f64),
) -> Result<Value, Status> {
    match (current, data) {
        (Value::Scalar(_), SettingData::Scaled(xs)) => {
            if let Some(Range::Array(r)) = range {
                element_span(r, 1).ok_or(status::OUT_OF_BOUNDS)?;
            }
            match xs.as_slice() {
                [x] => Ok(Value::Scalar(within(*x, limits)?)),
                _ => Err(status::BAD_LENGTH),
            }
        }
        (Value::Scalar(_), SettingData::Raw(bytes)) => {
            let bytes: [u8; 4] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| status::BAD_LENGTH)?;
            Ok(Value::Scalar(within(
                f64::from(f32::from_le_bytes(bytes)),
                limits,
            )?))
        }
        (Value::Array(old), SettingData::Scaled(xs)) => {
            let mut next = old.clone();
            let (first, last) = match range {
                Some(Range::Array(r)) => {
                    let (first, last, _) =
                        element_span(r, old.len()).ok_or(status::OUT_OF_BOUNDS)?;
                    (first, last)
                }
                Some(Range::Byte(_)) => return Err(status::NOT_SUPPORTED),
                None => (0, old.len().saturating_sub(1)),
            };
            if xs.len() != last + 1 - first {
                return Err(status::BAD_LENGTH);
            }
            for (slot, x) in next[first..=last].iter_mut().zip(xs) {
                *slot = within(*x, limits)?;
            }
            Ok(Value::Array(next))
        }
        (Value::Text(_), SettingData::Text(xs)) => match xs.as_slice() {
            [s] => Ok(Value::Text(s.clone())),
            _ => Err(status::BAD_LENGTH),
        },
        (Value::TextArray(old), SettingData::Text(xs)) => {
            if range.is_some() || xs.len() != old.len() {
                return Err(status::BAD_LENGTH);
            }
            Ok(Value::TextArray(xs.clone()))
        }
        (Value::Raw(old), SettingData::Raw(bytes)) => {
            let (start, end) = match range {
                Some(Range::Byte(r)) => byte_span(r, old.len()).ok_or(status::OUT_OF_BOUNDS)?,
                Some(Range::Array(_)) => return Err(status::NOT_SUPPORTED),
                None => (0, old.len()),
            };
            if bytes.len() != end - start {
                return Err(status::BAD_LENGTH);
            }
            let mut next = old.clone();
            next[start..end].copy_from_slice(bytes);
            Ok(Value::Raw(next))
        }
        _ => Err(status::BAD_LENGTH),
    }
}

/// What a logger (historical) request asks for (DRF3 `<-LOGGER...` extras, DPM protocol
/// 6.5): the one reading of it that every fake shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// `<-LOGGER:start:end` (milliseconds since the epoch) or `<-LOGGERDURATION:ms`
    /// (ending now): every logged point in the window.
    Window {
        /// Start of the window, ms since the epoch.
        start_ms: i64,
        /// End of the window, ms since the epoch.
        end_ms: i64,
    },
    /// `<-LOGGERSINGLE:at`: the logged point at that time.
    Single {
        /// The time, ms since the epoch.
        at_ms: i64,
    },
}

/// A logger extra whose numbers are missing or not integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadHistory;

impl History {
    /// The history `request` asks for, with `wall_ms` as "now": `None` without a logger
    /// extra, `Some(Err(BadHistory))` when its numbers are missing or bad. Never
    /// overflows, whatever the numbers.
    ///
    /// ```
    /// use pacsys_drf::Request;
    /// use pacsys_sim::answer::{BadHistory, History};
    ///
    /// let h = |drf: &str| History::of(&Request::parse(drf).unwrap(), 10_000);
    /// assert_eq!(h("M:OUTTMP<-LOGGER:1000:5000"), Some(Ok(History::Window { start_ms: 1000, end_ms: 5000 })));
    /// assert_eq!(h("M:OUTTMP<-LOGGERDURATION:3000"), Some(Ok(History::Window { start_ms: 7000, end_ms: 10_000 })));
    /// assert_eq!(h("M:OUTTMP<-LOGGERSINGLE:4000"), Some(Ok(History::Single { at_ms: 4000 })));
    /// assert_eq!(h("M:OUTTMP@I"), None);
    /// ```
    pub fn of(request: &Request, wall_ms: i64) -> Option<Result<History, BadHistory>> {
        let extra = request.extra()?;
        let params: Vec<&str> = extra.text().split(':').skip(1).collect();
        let number = |i: usize| -> Result<i64, BadHistory> {
            params
                .get(i)
                .and_then(|p| p.trim().parse().ok())
                .ok_or(BadHistory)
        };
        let history = match extra.kind() {
            ExtraKind::Logger => number(0).and_then(|start_ms| {
                Ok(History::Window {
                    start_ms,
                    end_ms: number(1)?,
                })
            }),
            ExtraKind::LoggerDuration => number(0).map(|ms| History::Window {
                start_ms: wall_ms.saturating_sub(ms),
                end_ms: wall_ms,
            }),
            ExtraKind::LoggerSingle => number(0).map(|at_ms| History::Single { at_ms }),
            _ => return None,
        };
        Some(history)
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;

    fn of(drf: &str, wall: i64) -> Option<Result<History, BadHistory>> {
        History::of(&Request::parse(drf).unwrap(), wall)
    }

    #[test]
    fn extreme_and_bad_numbers_neither_overflow_nor_pass() {
        assert_eq!(
            of("M:OUTTMP<-LOGGERDURATION:-9223372036854775808", 5),
            Some(Ok(History::Window {
                start_ms: i64::MAX,
                end_ms: 5
            }))
        );
        assert_eq!(
            of("M:OUTTMP<-LOGGERDURATION:9223372036854775807", -5),
            Some(Ok(History::Window {
                start_ms: i64::MIN,
                end_ms: -5
            }))
        );
        assert_eq!(of("M:OUTTMP<-LOGGER:1000", 0), Some(Err(BadHistory)));
        assert_eq!(of("M:OUTTMP<-LOGGER:a:b", 0), Some(Err(BadHistory)));
        assert_eq!(of("M:OUTTMP<-LOGGERSINGLE:", 0), Some(Err(BadHistory)));
    }
}

/// What the world's log holds for a historical request: the one step every fake takes
/// before shaping the answer for its protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum Logged {
    /// `<-LOGGERSINGLE`: the value logged at `at_ms` (ms since the epoch).
    Single {
        /// The value (whole, without the request's range).
        value: Value,
        /// When it was logged, ms since the epoch.
        at_ms: i64,
    },
    /// `<-LOGGER` / `<-LOGGERDURATION`: every logged point of the window, as (microseconds
    /// since the epoch, value).
    Points(Vec<(i64, Value)>),
}

/// Looks `request`'s logger extra up in `world`'s log for `device` (`target` says what is
/// read), with `wall_ms` as "now". A missing or bad logger extra is
/// [`status::INVALID_DATASOURCE`]; a target the device cannot answer gives its status.
///
/// ```
/// use pacsys_drf::Request;
/// use pacsys_sim::SimWorld;
/// use pacsys_sim::answer::{Logged, Target, logged};
///
/// let world = SimWorld::default_table();
/// let device = world.device("M:OUTTMP").unwrap();
/// let request = Request::parse("M:OUTTMP<-LOGGER:0:60000").unwrap();
/// let target = Target::of(&request);
/// match logged(&world, &device, &request, target, 120_000) {
///     Ok(Logged::Points(points)) => assert!(!points.is_empty()),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn logged(
    world: &crate::SimWorld,
    device: &SimDevice,
    request: &Request,
    target: Target,
    wall_ms: i64,
) -> Result<Logged, Status> {
    match History::of(request, wall_ms) {
        Some(Ok(History::Window { start_ms, end_ms })) => {
            Ok(Logged::Points(world.history(device, start_ms, end_ms)))
        }
        Some(Ok(History::Single { at_ms })) => {
            let value = read(
                device,
                Target {
                    range: None,
                    ..target
                },
                at_ms,
            )?;
            Ok(Logged::Single { value, at_ms })
        }
        Some(Err(_)) | None => Err(status::INVALID_DATASOURCE),
    }
}
