//! `Reading` and `WriteResult`: what reads and writes return, as the reference names them.

use std::sync::Arc;

use pacsys::{Error, Value};
use pyo3::prelude::*;

use crate::convert::{datetime, epoch_seconds, value_to_py};
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

/// One reading of one request: the value (or why there is none), its status, timestamp
/// and the device's metadata.
#[pyclass(module = "pacsys_rs", frozen, name = "Reading")]
pub struct PyReading {
    pub(crate) inner: pacsys::Reading,
    error: Option<Error>,
}

impl PyReading {
    pub fn new(inner: pacsys::Reading) -> PyReading {
        PyReading { inner, error: None }
    }

    /// The reading of a request that failed: the error's status (`reported_status`), and
    /// the error itself for `error` and `message`.
    pub fn failed(drf: &str, e: Error) -> PyReading {
        PyReading {
            inner: pacsys::Reading::new(Arc::from(drf), e.reported_status()),
            error: Some(e),
        }
    }
}

#[pymethods]
impl PyReading {
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
}

impl PyWriteResult {
    pub fn new(inner: pacsys::WriteResult) -> PyWriteResult {
        PyWriteResult { inner, error: None }
    }

    /// The result of a setting that was refused or failed (in a batch).
    pub fn failed(drf: &str, e: Error) -> PyWriteResult {
        PyWriteResult {
            inner: pacsys::WriteResult::new(drf, e.reported_status()),
            error: Some(e),
        }
    }
}

#[pymethods]
impl PyWriteResult {
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
