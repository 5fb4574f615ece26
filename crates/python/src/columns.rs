//! `ReadingArrays`: a batch read as columns (`get_many(..., as_arrays=True)`). The columns
//! are built in Rust with the GIL released and handed to Python as numpy arrays that own
//! their buffers: no Python object per device. Whole values that are not numbers (arrays,
//! text), and the errors of failed rows, are made into Python objects only when asked for.

use std::time::{SystemTime, UNIX_EPOCH};

use numpy::datetime::{Datetime, units::Nanoseconds};
use numpy::{IntoPyArray, PyArray1};
use pacsys::{Error, Reading, Value};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::value_to_py;
use crate::errors::to_py;
use crate::reading::{PyReading, slot};

/// numpy's "not a time".
const NAT: i64 = i64::MIN;

/// Nanoseconds since the Unix epoch (`NAT` for none, or beyond `datetime64[ns]`).
fn nanos(t: Option<SystemTime>) -> i64 {
    let Some(t) = t else {
        return NAT;
    };
    let signed = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).ok(),
        Err(e) => i64::try_from(e.duration().as_nanos()).ok().map(|n| -n),
    };
    signed.filter(|&n| n != NAT).unwrap_or(NAT)
}

/// The columns of a batch, built without the GIL.
pub struct Columns {
    drfs: Vec<String>,
    values: Vec<f64>,
    timestamps: Vec<i64>,
    facility_codes: Vec<i16>,
    error_codes: Vec<i16>,
    ok: Vec<bool>,
    /// Each row's result, for `value(i)`, `reading(i)` and `errors`.
    results: Vec<Result<Reading, Error>>,
}

impl Columns {
    /// The columns of `results` (one per DRF of `drfs`, in order).
    pub fn new(drfs: Vec<String>, results: Vec<Result<Reading, Error>>) -> Columns {
        let n = results.len();
        let mut c = Columns {
            drfs,
            values: Vec::with_capacity(n),
            timestamps: Vec::with_capacity(n),
            facility_codes: Vec::with_capacity(n),
            error_codes: Vec::with_capacity(n),
            ok: Vec::with_capacity(n),
            results: Vec::new(),
        };
        for r in &results {
            let (value, at, status, ok) = match r {
                Ok(reading) => (
                    match reading.value {
                        Some(Value::Scalar(x)) => x,
                        _ => f64::NAN,
                    },
                    nanos(reading.timestamp),
                    reading.status,
                    reading.ok(),
                ),
                Err(e) => (f64::NAN, NAT, e.reported_status(), false),
            };
            c.values.push(value);
            c.timestamps.push(at);
            c.facility_codes.push(i16::from(status.facility()));
            c.error_codes.push(i16::from(status.error()));
            c.ok.push(ok);
        }
        c.results = results;
        c
    }
}

impl<'py> IntoPyObject<'py> for Columns {
    type Target = PyReadingArrays;
    type Output = Bound<'py, PyReadingArrays>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let timestamps: Vec<Datetime<Nanoseconds>> =
            self.timestamps.into_iter().map(Datetime::from).collect();
        Bound::new(
            py,
            PyReadingArrays {
                values: self.values.into_pyarray(py).unbind(),
                timestamps: timestamps.into_pyarray(py).unbind(),
                facility_codes: self.facility_codes.into_pyarray(py).unbind(),
                error_codes: self.error_codes.into_pyarray(py).unbind(),
                ok: self.ok.into_pyarray(py).unbind(),
                drfs: self.drfs,
                results: self.results,
            },
        )
    }
}

/// A batch read as columns, one row per device in the order asked (from
/// `get_many(devices, as_arrays=True)`):
///
/// * `values`: `float64`, the value of each row that read a number (NaN otherwise: a
///   failure, or a value that is not a number; `value(i)` gives any value);
/// * `timestamps`: `datetime64[ns]` (UTC; NaT where there is none);
/// * `facility_codes`, `error_codes`: `int16`, the ACNET status of each row;
/// * `ok`: `bool`, the row read a value with a success status;
/// * `errors`: `{row: exception}` for the rows that failed.
///
/// `to_dataframe()` gives a pandas DataFrame; `to_dict()` the columns by name.
#[pyclass(module = "pacsys_rs", frozen, name = "ReadingArrays")]
pub struct PyReadingArrays {
    values: Py<PyArray1<f64>>,
    timestamps: Py<PyArray1<Datetime<Nanoseconds>>>,
    facility_codes: Py<PyArray1<i16>>,
    error_codes: Py<PyArray1<i16>>,
    ok: Py<PyArray1<bool>>,
    drfs: Vec<String>,
    results: Vec<Result<Reading, Error>>,
}

impl PyReadingArrays {
    fn row(&self, i: isize) -> PyResult<usize> {
        let n = self.results.len();
        let at = if i < 0 { i + n as isize } else { i };
        usize::try_from(at)
            .ok()
            .filter(|&at| at < n)
            .ok_or_else(|| PyIndexError::new_err(format!("row {i} of {n}")))
    }
}

#[pymethods]
impl PyReadingArrays {
    /// The requests, in order.
    #[getter]
    fn drfs(&self) -> Vec<String> {
        self.drfs.clone()
    }

    /// The numeric values (`float64`; NaN where a row has none or it is not a number).
    #[getter]
    fn values(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.values.clone_ref(py)
    }

    /// The timestamps (`datetime64[ns]`, UTC; NaT where there is none).
    #[getter]
    fn timestamps(&self, py: Python<'_>) -> Py<PyArray1<Datetime<Nanoseconds>>> {
        self.timestamps.clone_ref(py)
    }

    /// The ACNET facility codes (`int16`).
    #[getter]
    fn facility_codes(&self, py: Python<'_>) -> Py<PyArray1<i16>> {
        self.facility_codes.clone_ref(py)
    }

    /// The ACNET error codes (`int16`: 0 success, > 0 warning, < 0 error).
    #[getter]
    fn error_codes(&self, py: Python<'_>) -> Py<PyArray1<i16>> {
        self.error_codes.clone_ref(py)
    }

    /// Whether each row read a value with a success status (`bool`).
    #[getter]
    fn ok(&self, py: Python<'_>) -> Py<PyArray1<bool>> {
        self.ok.clone_ref(py)
    }

    /// `{row: exception}` for the rows that failed (the exception `get` would raise).
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (i, r) in self.results.iter().enumerate() {
            if let Err(e) = r {
                out.set_item(i, to_py(e.clone()).into_value(py))?;
            }
        }
        Ok(out)
    }

    /// The whole value of row `i` (any type), or `None` when the row has none.
    fn value<'py>(&self, py: Python<'py>, i: isize) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.results[self.row(i)?] {
            Ok(r) => r.value.as_ref().map(|v| value_to_py(py, v)).transpose(),
            Err(_) => Ok(None),
        }
    }

    /// Row `i` as a `Reading` (a failed row: a reading with the error's status).
    fn reading(&self, i: isize) -> PyResult<PyReading> {
        let at = self.row(i)?;
        Ok(slot(&self.drfs[at], self.results[at].clone()))
    }

    /// The columns by name (`drf`, `value`, `timestamp`, `facility_code`, `error_code`,
    /// `ok`), ready for `pandas.DataFrame(...)`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("drf", PyList::new(py, &self.drfs)?)?;
        d.set_item("value", self.values.bind(py))?;
        d.set_item("timestamp", self.timestamps.bind(py))?;
        d.set_item("facility_code", self.facility_codes.bind(py))?;
        d.set_item("error_code", self.error_codes.bind(py))?;
        d.set_item("ok", self.ok.bind(py))?;
        Ok(d)
    }

    /// A pandas DataFrame of `to_dict()`, its `timestamp` column `datetime64[ns, UTC]`
    /// (pandas is needed: `pip install pandas`).
    fn to_dataframe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pd = py.import("pandas")?;
        let d = self.to_dict(py)?;
        let utc = PyDict::new(py);
        utc.set_item("utc", true)?;
        let stamps = pd.call_method("to_datetime", (self.timestamps.bind(py),), Some(&utc))?;
        d.set_item("timestamp", stamps)?;
        pd.getattr("DataFrame")?.call1((d,))
    }

    fn __len__(&self) -> usize {
        self.results.len()
    }

    fn __repr__(&self) -> String {
        let failed = self.results.iter().filter(|r| r.is_err()).count();
        format!(
            "ReadingArrays({} rows, {failed} failed)",
            self.results.len()
        )
    }
}
