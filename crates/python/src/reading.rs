//! `Reading` and `WriteResult`: what reads and writes return, as the reference names them.

use std::sync::Arc;

use pacsys::{DeviceMeta, Error, Status, Value};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyType};

use crate::convert::{
    datetime, epoch_seconds, preset_value, system_time, value_to_py, value_type_of,
};
use crate::errors::to_py;

/// The reference's value-type names (`ValueType` strings).
fn value_type(v: &Value) -> &'static str {
    match v {
        Value::Scalar(_) => "scalar",
        Value::Array(_) => "scalarArr",
        Value::Raw(_) => "raw",
        Value::Text(_) => "text",
        Value::TextArray(_) => "textArr",
        Value::TimedArray(_) => "timedScalarArr",
        Value::AnalogAlarm(_) => "anaAlarm",
        Value::DigitalAlarm(_) => "digAlarm",
        Value::BasicStatus(_) => "basicStatus",
        _ => "unknown",
    }
}

/// Python's `==` for the result classes: `same` (`None` when `other` is of another class,
/// which gives `NotImplemented` so that Python tries the other side).
fn rich_eq(py: Python<'_>, same: Option<bool>) -> Py<PyAny> {
    match same {
        Some(same) => PyBool::new(py, same).to_owned().into_any().unbind(),
        None => py.NotImplemented(),
    }
}

/// `hash()` of a result class: its identity fields, hashed together (equal results have
/// equal identity fields, so equal hashes).
fn hash_of(fields: impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fields.hash(&mut h);
    h.finish()
}

/// One reading of one request: the value (or why there is none), its status, timestamp
/// and the device's metadata.
#[pyclass(module = "pacsys_rs", frozen, name = "Reading")]
pub struct PyReading {
    pub(crate) inner: pacsys::Reading,
    error: Option<Error>,
    /// A message given to the constructor (pacsys's `message` field).
    message: Option<String>,
}

impl PyReading {
    pub fn new(inner: pacsys::Reading) -> PyReading {
        PyReading {
            inner,
            error: None,
            message: None,
        }
    }

    /// The reading of a request that failed: the error's status (`reported_status`), and
    /// the error itself for `error` and `message`.
    pub fn failed(drf: &str, e: Error) -> PyReading {
        PyReading {
            inner: pacsys::Reading::new(Arc::from(drf), e.reported_status()),
            error: Some(e),
            message: None,
        }
    }
}

/// The status of `facility_code`/`error_code` given from Python.
fn status(facility_code: i64, error_code: i64) -> PyResult<Status> {
    let facility = u8::try_from(facility_code).map_err(|_| {
        PyValueError::new_err(format!("facility_code {facility_code} is not 0..=255"))
    })?;
    let error = i8::try_from(error_code)
        .map_err(|_| PyValueError::new_err(format!("error_code {error_code} is not -128..=127")))?;
    Ok(Status::new(facility, error))
}

/// Device metadata from pacsys's `DeviceMeta` (or a dict with its keys).
fn meta_from_py(m: &Bound<'_, PyAny>) -> PyResult<DeviceMeta> {
    let get = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        if let Ok(d) = m.cast::<PyDict>() {
            return d.get_item(k);
        }
        Ok(m.getattr(k).ok().filter(|v| !v.is_none()))
    };
    let text = |k: &str| -> PyResult<Option<String>> {
        get(k)?
            .filter(|v| !v.is_none())
            .map(|v| v.extract())
            .transpose()
    };
    Ok(DeviceMeta {
        device_index: get("device_index")?
            .map(|v| v.extract())
            .transpose()?
            .unwrap_or(0),
        name: text("name")?.unwrap_or_default(),
        description: text("description")?.unwrap_or_default(),
        units: text("units")?,
        format_hint: get("format_hint")?
            .filter(|v| !v.is_none())
            .map(|v| v.extract())
            .transpose()?,
    })
}

fn meta_to_dict<'py>(py: Python<'py>, m: &DeviceMeta) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("device_index", m.device_index)?;
    d.set_item("name", &m.name)?;
    d.set_item("description", &m.description)?;
    if let Some(u) = &m.units {
        d.set_item("units", u)?;
    }
    if let Some(f) = m.format_hint {
        d.set_item("format_hint", f)?;
    }
    Ok(d)
}

/// A value as JSON-safe Python (arrays as lists, bytes as base64 text) and, for arrays,
/// the numpy dtype string that restores it exactly.
fn value_to_json<'py>(
    py: Python<'py>,
    v: &Value,
) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
    Ok(match v {
        Value::Array(xs) => (
            xs.clone().into_pyobject(py)?.into_any(),
            Some("<f8".into_pyobject(py)?.into_any()),
        ),
        Value::Raw(b) => {
            let text = py
                .import("base64")?
                .call_method1("b64encode", (pyo3::types::PyBytes::new(py, b),))?
                .call_method1("decode", ("ascii",))?;
            (text, None)
        }
        Value::TimedArray(t) => {
            let d = PyDict::new(py);
            d.set_item("data", t.data.clone())?;
            d.set_item("micros", t.micros.clone())?;
            let dt = PyDict::new(py);
            dt.set_item("data", "<f8")?;
            dt.set_item("micros", "<i8")?;
            (d.into_any(), Some(dt.into_any()))
        }
        other => (value_to_py(py, other)?, None),
    })
}

/// A value from its JSON form and `value_type` (base64 text for raw bytes).
fn value_from_json(v: &Bound<'_, PyAny>, value_type: Option<&str>) -> PyResult<Value> {
    if value_type == Some("raw")
        && let Ok(text) = v.extract::<String>()
    {
        let bytes = v
            .py()
            .import("base64")?
            .call_method1("b64decode", (text,))?;
        return preset_value(&bytes, value_type);
    }
    if value_type == Some("timedScalarArr")
        && let Ok(d) = v.cast::<PyDict>()
    {
        let data: Vec<f64> = d
            .get_item("data")?
            .ok_or_else(|| PyValueError::new_err("a timed array needs data"))?
            .extract()?;
        let micros: Vec<i64> = d
            .get_item("micros")?
            .ok_or_else(|| PyValueError::new_err("a timed array needs micros"))?
            .extract()?;
        return Ok(Value::TimedArray(pacsys::TimedArray { data, micros }));
    }
    preset_value(v, value_type)
}

fn value_type_name(v: &Value) -> &'static str {
    value_type(v)
}

#[pymethods]
impl PyReading {
    /// A reading made in Python (pacsys's fields), e.g. to state what a test expects:
    /// `Reading(drf="M:OUTTMP", value_type="scalar", value=72.5)`. `value_type` (a string
    /// or pacsys's `ValueType`) is required with a value.
    #[new]
    #[pyo3(signature = (drf, value_type=None, facility_code=0, error_code=0, value=None, message=None, timestamp=None, cycle=None, meta=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        drf: String,
        value_type: Option<&Bound<'_, PyAny>>,
        facility_code: i64,
        error_code: i64,
        value: Option<&Bound<'_, PyAny>>,
        message: Option<String>,
        timestamp: Option<&Bound<'_, PyAny>>,
        cycle: Option<i64>,
        meta: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyReading> {
        let vt = value_type_of(value_type)?;
        let value = value.filter(|v| !v.is_none());
        if value.is_some() && vt.is_none() {
            return Err(PyValueError::new_err(
                "value_type is required when value is set",
            ));
        }
        let mut r = pacsys::Reading::new(Arc::from(drf), status(facility_code, error_code)?);
        if let Some(v) = value {
            r = r.with_value(value_from_json(v, vt.as_deref())?);
        }
        if let Some(t) = timestamp.filter(|t| !t.is_none()) {
            r = r.with_timestamp(Some(system_time(t)?));
        }
        r = r.with_cycle(cycle);
        if let Some(m) = meta.filter(|m| !m.is_none()) {
            r = r.with_meta(Some(Arc::new(meta_from_py(m)?)));
        }
        Ok(PyReading {
            inner: r,
            error: None,
            message,
        })
    }

    /// A JSON-safe dict (pacsys's keys); `Reading.from_dict` makes the reading again.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("drf", &*self.inner.drf)?;
        d.set_item("facility_code", self.facility_code())?;
        d.set_item("error_code", self.error_code())?;
        if let Some(v) = &self.inner.value {
            d.set_item("value_type", value_type_name(v))?;
            let (json, dtype) = value_to_json(py, v)?;
            d.set_item("value", json)?;
            if let Some(dt) = dtype {
                d.set_item("value_dtype", dt)?;
            }
        }
        if let Some(m) = self.message() {
            d.set_item("message", m)?;
        }
        if let Some(t) = self.inner.timestamp {
            d.set_item("timestamp", datetime(py, t)?.call_method0("isoformat")?)?;
        }
        if let Some(c) = self.inner.cycle {
            d.set_item("cycle", c)?;
        }
        if let Some(m) = &self.inner.meta {
            d.set_item("meta", meta_to_dict(py, m)?)?;
        }
        Ok(d)
    }

    /// The reading a `to_dict()` dict describes.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, d: &Bound<'_, PyDict>) -> PyResult<PyReading> {
        let py = d.py();
        let get = |k: &str| d.get_item(k);
        let drf: String = get("drf")?
            .ok_or_else(|| PyValueError::new_err("a reading dict needs drf"))?
            .extract()?;
        let timestamp = match get("timestamp")? {
            Some(t) if !t.is_none() => Some(
                py.import("datetime")?
                    .getattr("datetime")?
                    .call_method1("fromisoformat", (t,))?,
            ),
            _ => None,
        };
        let int = |k: &str| -> PyResult<i64> {
            get(k)?
                .map(|v| v.extract())
                .transpose()
                .map(|v| v.unwrap_or(0))
        };
        PyReading::py_new(
            drf,
            get("value_type")?.as_ref(),
            int("facility_code")?,
            int("error_code")?,
            get("value")?.as_ref(),
            get("message")?.map(|m| m.extract()).transpose()?,
            timestamp.as_ref(),
            get("cycle")?.map(|c| c.extract()).transpose()?,
            get("meta")?.as_ref(),
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        let same = other.cast::<PyReading>().ok().map(|o| {
            let o = o.get();
            self.inner == o.inner && self.message() == o.message()
        });
        rich_eq(other.py(), same)
    }

    fn __hash__(&self) -> u64 {
        hash_of((&self.inner.drf, self.inner.status, self.inner.cycle))
    }

    /// The request as the caller wrote it.
    #[getter]
    fn drf(&self) -> &str {
        &self.inner.drf
    }

    /// The value: `float`, a numpy `float64` array, `str`, `list[str]`, `bytes`, or a
    /// `dict` (alarm blocks, basic status, timed arrays); `None` when there is none.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .value
            .as_ref()
            .map(|v| value_to_py(py, v))
            .transpose()
    }

    /// The reference's name of the value's type (`"scalar"`, `"scalarArr"`, ...), or `None`.
    #[getter]
    fn value_type(&self) -> Option<&'static str> {
        self.inner.value.as_ref().map(value_type)
    }

    /// The ACNET facility code of the status (0 for success).
    #[getter]
    fn facility_code(&self) -> i32 {
        i32::from(self.inner.status.facility())
    }

    /// The ACNET error code of the status (0 success, > 0 warning, < 0 error).
    #[getter]
    fn error_code(&self) -> i32 {
        i32::from(self.inner.status.error())
    }

    /// The status's symbolic name (`"DPM_PEND"`), when known.
    #[getter]
    fn status_name(&self) -> Option<&'static str> {
        self.inner.status.name()
    }

    /// What went wrong (`None` for success): the error's text, or the status's.
    #[getter]
    fn message(&self) -> Option<String> {
        if let Some(m) = &self.message {
            return Some(m.clone());
        }
        if let Some(e) = &self.error {
            return Some(e.to_string());
        }
        if self.inner.status.is_ok() {
            return None;
        }
        Some(self.inner.status.to_string())
    }

    /// The exception this reading's failure would raise (`None` when it did not fail).
    #[getter]
    fn error(&self) -> Option<PyErr> {
        match (&self.error, self.inner.status.is_error()) {
            (Some(e), _) => Some(to_py(e.clone())),
            (None, true) => Some(to_py(Error::device(&*self.inner.drf, self.inner.status))),
            (None, false) => None,
        }
    }

    /// When the value was taken, as a timezone-aware UTC `datetime` (or `None`).
    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.timestamp.map(|t| datetime(py, t)).transpose()
    }

    /// The timestamp as seconds since the Unix epoch (or `None`).
    #[getter]
    fn epoch(&self) -> Option<f64> {
        self.inner.timestamp.map(epoch_seconds)
    }

    /// The cycle (event) number, when the server sends one.
    #[getter]
    fn cycle(&self) -> Option<i64> {
        self.inner.cycle
    }

    /// The device's name (from the metadata, else the device part of the DRF).
    #[getter]
    fn name(&self) -> String {
        match self.inner.name() {
            Some(n) => n.to_owned(),
            None => pacsys::drf::Request::parse(&self.inner.drf)
                .map(|r| r.device().to_owned())
                .unwrap_or_else(|_| self.inner.drf.to_string()),
        }
    }

    /// The engineering units, when the device has them.
    #[getter]
    fn units(&self) -> Option<&str> {
        self.inner.units()
    }

    /// The device's description, from the metadata.
    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.meta.as_deref().map(|m| m.description.as_str())
    }

    /// The device index, from the metadata.
    #[getter]
    fn device_index(&self) -> Option<i64> {
        self.inner
            .meta
            .as_deref()
            .map(|m| i64::from(m.device_index))
    }

    /// A usable value arrived (success or warning, with a value).
    #[getter]
    fn ok(&self) -> bool {
        self.inner.ok()
    }

    /// The status is success (error code 0).
    #[getter]
    fn is_success(&self) -> bool {
        self.inner.is_success()
    }

    /// The status is a warning (error code > 0).
    #[getter]
    fn is_warning(&self) -> bool {
        self.inner.is_warning()
    }

    /// The status is an error (error code < 0).
    #[getter]
    fn is_error(&self) -> bool {
        self.inner.is_error()
    }

    fn __repr__(&self) -> String {
        match &self.inner.value {
            Some(v) if self.inner.ok() => {
                let mut text = v.to_string();
                if text.len() > 60 {
                    text.truncate(57);
                    text.push_str("...");
                }
                format!("Reading({:?}, value={text})", &*self.inner.drf)
            }
            _ => format!(
                "Reading({:?}, status={})",
                &*self.inner.drf, self.inner.status
            ),
        }
    }
}

/// The result of one accepted setting (a refused one raises instead).
#[pyclass(module = "pacsys_rs", frozen, name = "WriteResult")]
pub struct PyWriteResult {
    pub(crate) inner: pacsys::WriteResult,
    error: Option<Error>,
    /// A message given to the constructor.
    message: Option<String>,
}

impl PyWriteResult {
    pub fn new(inner: pacsys::WriteResult) -> PyWriteResult {
        PyWriteResult {
            inner,
            error: None,
            message: None,
        }
    }

    /// The result of a setting that was refused or failed (in a batch).
    pub fn failed(drf: &str, e: Error) -> PyWriteResult {
        PyWriteResult {
            inner: pacsys::WriteResult::new(drf, e.reported_status()),
            error: Some(e),
            message: None,
        }
    }
}

#[pymethods]
impl PyWriteResult {
    /// A write result made in Python (pacsys's fields).
    #[new]
    #[pyo3(signature = (drf, facility_code=0, error_code=0, message=None, verified=None, readback=None, skipped=false, attempts=0))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        drf: String,
        facility_code: i64,
        error_code: i64,
        message: Option<String>,
        verified: Option<bool>,
        readback: Option<&Bound<'_, PyAny>>,
        skipped: bool,
        attempts: u32,
    ) -> PyResult<PyWriteResult> {
        let mut w = pacsys::WriteResult::new(drf, status(facility_code, error_code)?);
        w.verified = verified;
        w.readback = readback
            .filter(|v| !v.is_none())
            .map(|v| preset_value(v, None))
            .transpose()?;
        w.skipped = skipped;
        w.attempts = attempts;
        Ok(PyWriteResult {
            inner: w,
            error: None,
            message,
        })
    }

    /// A JSON-safe dict (pacsys's keys); `WriteResult.from_dict` makes the result again.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("drf", &self.inner.drf)?;
        d.set_item("facility_code", self.facility_code())?;
        d.set_item("error_code", self.error_code())?;
        if let Some(m) = self.message() {
            d.set_item("message", m)?;
        }
        if let Some(v) = self.inner.verified {
            d.set_item("verified", v)?;
        }
        if let Some(v) = &self.inner.readback {
            let (json, dtype) = value_to_json(py, v)?;
            d.set_item("readback", json)?;
            if let Some(dt) = dtype {
                d.set_item("readback_dtype", dt)?;
            }
        }
        if self.inner.skipped {
            d.set_item("skipped", true)?;
        }
        d.set_item("attempts", self.inner.attempts)?;
        Ok(d)
    }

    /// The result a `to_dict()` dict describes.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, d: &Bound<'_, PyDict>) -> PyResult<PyWriteResult> {
        let get = |k: &str| d.get_item(k);
        let drf: String = get("drf")?
            .ok_or_else(|| PyValueError::new_err("a write result dict needs drf"))?
            .extract()?;
        let int = |k: &str| -> PyResult<i64> {
            get(k)?
                .map(|v| v.extract())
                .transpose()
                .map(|v| v.unwrap_or(0))
        };
        PyWriteResult::py_new(
            drf,
            int("facility_code")?,
            int("error_code")?,
            get("message")?.map(|m| m.extract()).transpose()?,
            get("verified")?.map(|v| v.extract()).transpose()?,
            get("readback")?.as_ref(),
            get("skipped")?
                .map(|v| v.extract())
                .transpose()?
                .unwrap_or(false),
            get("attempts")?
                .map(|v| v.extract())
                .transpose()?
                .unwrap_or(0),
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        let same = other.cast::<PyWriteResult>().ok().map(|o| {
            let o = o.get();
            self.inner == o.inner && self.message() == o.message()
        });
        rich_eq(other.py(), same)
    }

    fn __hash__(&self) -> u64 {
        hash_of((&self.inner.drf, self.inner.status, self.inner.attempts))
    }

    /// Whether the write was skipped (`check_first` found the value already there).
    #[getter]
    fn skipped(&self) -> bool {
        self.inner.skipped
    }

    /// The request as the caller wrote it.
    #[getter]
    fn drf(&self) -> &str {
        &self.inner.drf
    }

    /// The ACNET facility code of the setting's status.
    #[getter]
    fn facility_code(&self) -> i32 {
        i32::from(self.inner.status.facility())
    }

    /// The ACNET error code of the setting's status.
    #[getter]
    fn error_code(&self) -> i32 {
        i32::from(self.inner.status.error())
    }

    /// What went wrong (`None` for success).
    #[getter]
    fn message(&self) -> Option<String> {
        if let Some(m) = &self.message {
            return Some(m.clone());
        }
        if let Some(e) = &self.error {
            return Some(e.to_string());
        }
        (!self.inner.status.is_ok()).then(|| self.inner.status.to_string())
    }

    /// The exception of a refused or failed setting (`None` when it was accepted).
    #[getter]
    fn error(&self) -> Option<PyErr> {
        self.error.clone().map(to_py)
    }

    /// The setting was accepted with a success status (a warning status is not `ok`).
    #[getter]
    fn ok(&self) -> bool {
        self.error.is_none() && self.inner.is_success()
    }

    /// Same as `ok` (the reference's name).
    #[getter]
    fn success(&self) -> bool {
        self.ok()
    }

    /// `True`/`False` when the value was read back (`verify`), `None` otherwise.
    #[getter]
    fn verified(&self) -> Option<bool> {
        self.inner.verified
    }

    /// The value read back, when verified.
    #[getter]
    fn readback<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .readback
            .as_ref()
            .map(|v| value_to_py(py, v))
            .transpose()
    }

    /// Accepted and not contradicted by a read-back.
    #[getter]
    fn confirmed(&self) -> bool {
        self.inner.confirmed()
    }

    /// How many read-backs were made.
    #[getter]
    fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    fn __repr__(&self) -> String {
        let py_bool = |b: bool| if b { "True" } else { "False" };
        format!(
            "WriteResult({:?}, ok={}, verified={})",
            self.inner.drf,
            py_bool(self.ok()),
            self.inner.verified.map_or("None", py_bool)
        )
    }
}

/// A reading for one slot of a batch: the reading, or (for a failure) a reading with the
/// error's status that keeps the error.
pub fn slot(drf: &str, r: Result<pacsys::Reading, Error>) -> PyReading {
    match r {
        Ok(reading) => PyReading::new(reading),
        Err(e) => PyReading::failed(drf, e),
    }
}

/// Readings handed to Python as a `list` of `Reading`s, each untracked by the garbage
/// collector as it is made.
///
/// Every `#[pyclass]` is a GC type, yet a `Reading` shows the collector no reference (it has
/// no `__traverse__`; what it holds is Rust data), so tracking it only makes each
/// collection walk it: building the 10,000 `Reading`s of a `get_many` set off about fifteen
/// collections that did (BENCHMARKS.md, issue 27), and a list kept by the caller is walked
/// again by every full collection. Untracked, a `Reading` is exactly as collectable as it
/// was (the collector could never see inside it) and costs the collector nothing.
pub struct Readings(pub Vec<PyReading>);

impl Readings {
    /// Copies of `readings`, in order (a result that keeps its readings, read from Python).
    pub fn cloned(readings: &[pacsys::Reading]) -> Readings {
        Readings(readings.iter().cloned().map(PyReading::new).collect())
    }
}

impl<'py> IntoPyObject<'py> for Readings {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .0
            .into_iter()
            .map(|r| new_untracked(py, r))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
}

/// A new Python `Reading`, untracked by the garbage collector (see [`Readings`]): for every
/// place that makes readings in bulk (lists, iteration, callbacks).
pub fn new_untracked(py: Python<'_>, reading: PyReading) -> PyResult<Bound<'_, PyReading>> {
    let object = Bound::new(py, reading)?;
    // SAFETY: `object` is a live object that this thread holds (`Bound` proves the thread is
    // attached); untracking a GC object is always allowed (CPython's tuples and dicts do it
    // to themselves), is idempotent, and the object's deallocation untracks again harmlessly.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(object.as_ptr().cast()) };
    Ok(object)
}

/// The rule of `get`: a device error is a `Reading` with its status, anything else raises.
pub fn reading_or_raise(drf: &str, r: Result<pacsys::Reading, Error>) -> PyResult<PyReading> {
    match r {
        Err(e) if e.kind() != pacsys::ErrorKind::Device => Err(to_py(e)),
        other => Ok(slot(drf, other)),
    }
}
