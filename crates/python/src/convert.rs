//! Values between Rust and Python: numbers as `float`, arrays as numpy arrays (one buffer,
//! no per-element objects), text as `str`, raw bytes as `bytes`, alarm blocks and basic
//! status as the reference's dictionaries, timestamps as timezone-aware `datetime`s.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use numpy::{PyArray1, PyReadonlyArray1};
use pacsys::{AnalogAlarm, Control, DigitalAlarm, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString};

/// A value on its way to Python (converted when it gets there, with the GIL).
pub struct PyValue(pub Value);

impl<'py> IntoPyObject<'py> for PyValue {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.0)
    }
}

/// A value from Python that a backend returned (a number, array, text, bytes): what
/// `setting_from_py` reads, but only plain values.
pub fn value_from_py(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    match setting_from_py(v)? {
        Setting::Value(v) => Ok(v),
        _ => Err(PyTypeError::new_err(format!(
            "a backend returned a {} where a device value was expected",
            v.get_type().name()?
        ))),
    }
}

/// A value as the reference hands it over.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Scalar(x) => x.into_pyobject(py)?.into_any(),
        Value::Array(xs) => PyArray1::from_slice(py, xs).into_any(),
        Value::Raw(b) => PyBytes::new(py, b).into_any(),
        Value::Text(s) => PyString::new(py, s).into_any(),
        Value::TextArray(xs) => PyList::new(py, xs)?.into_any(),
        Value::TimedArray(t) => {
            let d = PyDict::new(py);
            d.set_item("data", PyArray1::from_slice(py, &t.data))?;
            d.set_item("micros", PyArray1::from_slice(py, &t.micros))?;
            d.into_any()
        }
        Value::AnalogAlarm(a) => {
            let d = PyDict::new(py);
            d.set_item("minimum", a.minimum)?;
            d.set_item("maximum", a.maximum)?;
            shared_alarm_keys(
                &d,
                [a.alarm_enable, a.alarm_status, a.abort, a.abort_inhibit],
                a.tries_needed,
                a.tries_now,
            )?;
            d.into_any()
        }
        Value::DigitalAlarm(a) => {
            let d = PyDict::new(py);
            d.set_item("nominal", a.nominal)?;
            d.set_item("mask", a.mask)?;
            shared_alarm_keys(
                &d,
                [a.alarm_enable, a.alarm_status, a.abort, a.abort_inhibit],
                a.tries_needed,
                a.tries_now,
            )?;
            d.into_any()
        }
        Value::BasicStatus(s) => {
            let d = PyDict::new(py);
            for (name, bit) in s.bits() {
                d.set_item(name, bit)?;
            }
            d.into_any()
        }
        other => PyString::new(py, &other.to_string()).into_any(),
    })
}

fn shared_alarm_keys(
    d: &Bound<'_, PyDict>,
    [enable, status, abort, inhibit]: [bool; 4],
    needed: i32,
    now: i32,
) -> PyResult<()> {
    d.set_item("alarm_enable", enable)?;
    d.set_item("alarm_status", status)?;
    d.set_item("abort", abort)?;
    d.set_item("abort_inhibit", inhibit)?;
    d.set_item("tries_needed", needed)?;
    d.set_item("tries_now", now)
}

/// What a Python value means as a setting.
#[derive(Debug, Clone)]
pub enum Setting {
    /// A value written as it is.
    Value(Value),
    /// A basic-control command (`BasicControl`, or its name).
    Control(Control),
    /// Some fields of a whole alarm block (a partial dictionary, as the reference allows).
    AlarmFields(Vec<(String, f64)>),
}

/// Reads a Python value as a setting: `float`/`int` a number, `str` text, `bytes` raw,
/// a numpy array or a list of numbers an array, a list of `str` a text array, a
/// `BasicControl` a control command, a `dict` the fields of an alarm block.
pub fn setting_from_py(v: &Bound<'_, PyAny>) -> PyResult<Setting> {
    if let Ok(name) = v.getattr("__pacsys_control__") {
        let name: String = name.extract()?;
        let c = name
            .parse::<Control>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        return Ok(Setting::Control(c));
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Setting::Value(Value::Scalar(if v.extract::<bool>()? {
            1.0
        } else {
            0.0
        })));
    }
    if let Ok(x) = v.extract::<f64>() {
        return Ok(Setting::Value(Value::Scalar(x)));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Setting::Value(Value::Text(v.extract::<String>()?)));
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Setting::Value(Value::Raw(b.as_bytes().to_vec())));
    }
    if let Ok(a) = v.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(Setting::Value(Value::Array(a.as_array().to_vec())));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut fields = Vec::with_capacity(d.len());
        for (k, x) in d.iter() {
            let key: String = k.extract()?;
            let x: f64 = if x.is_instance_of::<PyBool>() {
                if x.extract::<bool>()? { 1.0 } else { 0.0 }
            } else {
                x.extract().map_err(|_| {
                    PyTypeError::new_err(format!("alarm field {key:?} takes a number or a bool"))
                })?
            };
            fields.push((key, x));
        }
        if fields.is_empty() {
            return Err(PyValueError::new_err(
                "an alarm dictionary needs at least one writable key",
            ));
        }
        return Ok(Setting::AlarmFields(fields));
    }
    if let Ok(xs) = v.extract::<Vec<f64>>() {
        return Ok(Setting::Value(Value::Array(xs)));
    }
    if let Ok(xs) = v.extract::<Vec<String>>() {
        return Ok(Setting::Value(Value::TextArray(xs)));
    }
    // A numpy array of another number type (int, float32): converted once, as a whole.
    if v.hasattr("dtype")? && v.hasattr("astype")? {
        let converted = v.call_method1("astype", ("float64",))?;
        if let Ok(a) = converted.extract::<PyReadonlyArray1<'_, f64>>() {
            return Ok(Setting::Value(Value::Array(a.as_array().to_vec())));
        }
    }
    Err(PyTypeError::new_err(format!(
        "cannot write a {}: give a number, str, bytes, a list or numpy array of numbers, a list of str, a BasicControl or an alarm dict",
        v.get_type().name()?
    )))
}

/// Seconds since the Unix epoch (negative before it).
pub fn epoch_seconds(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// `datetime.datetime.fromtimestamp` and `datetime.timezone.utc`, looked up once.
static FROM_TIMESTAMP: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// The last instant turned into a `datetime`, and that `datetime`: readings of one event
/// share their timestamp (a periodic stream's every device at each tick), so a stream
/// makes one `datetime` per instant, not one per reading. A `datetime` is immutable;
/// sharing it is safe.
static LAST_DATETIME: std::sync::Mutex<Option<(SystemTime, Py<PyAny>)>> =
    std::sync::Mutex::new(None);

/// A timezone-aware UTC `datetime`.
pub fn datetime<'py>(py: Python<'py>, t: SystemTime) -> PyResult<Bound<'py, PyAny>> {
    let last = || LAST_DATETIME.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((at, dt)) = &*last()
        && *at == t
    {
        return Ok(dt.bind(py).clone());
    }
    let (from_timestamp, utc) = FROM_TIMESTAMP.get_or_try_init(py, || {
        let dt = py.import("datetime")?;
        let utc = dt.getattr("timezone")?.getattr("utc")?.unbind();
        let from = dt.getattr("datetime")?.getattr("fromtimestamp")?.unbind();
        Ok::<_, PyErr>((from, utc))
    })?;
    let dt = from_timestamp
        .bind(py)
        .call1((epoch_seconds(t), utc.bind(py)))?;
    // Not held across the call above: Python code may run there.
    *last() = Some((t, dt.clone().unbind()));
    Ok(dt)
}

fn flag(d: &Bound<'_, PyDict>, key: &str) -> PyResult<bool> {
    Ok(match d.get_item(key)? {
        Some(v) => v.is_truthy()?,
        None => false,
    })
}

fn number<T: for<'a> FromPyObject<'a, 'a> + Default>(
    d: &Bound<'_, PyDict>,
    key: &str,
) -> PyResult<T>
where
    for<'a> <T as FromPyObject<'a, 'a>>::Error: Into<PyErr>,
{
    match d.get_item(key)? {
        Some(v) => v.extract::<T>().map_err(Into::into),
        None => Ok(T::default()),
    }
}

/// A whole analog alarm block from pacsys's dict (missing keys: zero / false).
pub fn analog_alarm(d: &Bound<'_, PyDict>) -> PyResult<Value> {
    Ok(Value::AnalogAlarm(AnalogAlarm {
        minimum: number(d, "minimum")?,
        maximum: number(d, "maximum")?,
        alarm_enable: flag(d, "alarm_enable")?,
        alarm_status: flag(d, "alarm_status")?,
        abort: flag(d, "abort")?,
        abort_inhibit: flag(d, "abort_inhibit")?,
        tries_needed: number(d, "tries_needed")?,
        tries_now: number(d, "tries_now")?,
    }))
}

/// A whole digital alarm block from pacsys's dict.
pub fn digital_alarm(d: &Bound<'_, PyDict>) -> PyResult<Value> {
    Ok(Value::DigitalAlarm(DigitalAlarm {
        nominal: number(d, "nominal")?,
        mask: number(d, "mask")?,
        alarm_enable: flag(d, "alarm_enable")?,
        alarm_status: flag(d, "alarm_status")?,
        abort: flag(d, "abort")?,
        abort_inhibit: flag(d, "abort_inhibit")?,
        tries_needed: number(d, "tries_needed")?,
        tries_now: number(d, "tries_now")?,
    }))
}

/// A value to preset: anything a device reads as (a dict is an alarm block when its keys
/// say so).
pub fn preset_value(value: &Bound<'_, PyAny>, value_type: Option<&str>) -> PyResult<Value> {
    if let Ok(d) = value.cast::<PyDict>() {
        return match value_type {
            Some("digAlarm") => digital_alarm(d),
            Some("anaAlarm") | None if d.contains("minimum")? || d.contains("maximum")? => {
                analog_alarm(d)
            }
            _ if d.contains("nominal")? || d.contains("mask")? => digital_alarm(d),
            _ => analog_alarm(d),
        };
    }
    let v = value_from_py(value)?;
    if let Some(t) = value_type {
        let ok = match (t, &v) {
            ("scalar", Value::Scalar(_))
            | ("scalarArr", Value::Array(_))
            | ("raw", Value::Raw(_))
            | ("text", Value::Text(_))
            | ("textArr", Value::TextArray(_)) => true,
            ("scalar" | "scalarArr" | "raw" | "text" | "textArr", _) => false,
            _ => true,
        };
        if !ok {
            return Err(PyTypeError::new_err(format!(
                "value_type {t} does not match a {}",
                v.kind_name()
            )));
        }
    }
    Ok(v)
}

/// The `value_type` argument as pacsys's string (`ValueType.SCALAR` or `"scalar"`).
pub fn value_type_of(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let v = v.getattr("value").unwrap_or_else(|_| v.clone());
    Ok(Some(v.extract()?))
}

/// A time from a timezone-aware `datetime` (or epoch seconds).
pub fn system_time(t: &Bound<'_, PyAny>) -> PyResult<SystemTime> {
    let secs: f64 = match t.extract::<f64>() {
        Ok(s) => s,
        Err(_) => t.call_method0("timestamp")?.extract()?,
    };
    Duration::try_from_secs_f64(secs)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| PyValueError::new_err(format!("timestamp {secs} is before 1970")))
}
