//! `pacsys_rs.read_recording`'s native side: a recording (a pacsys-record dataset or one
//! Parquet file) read column by column by pacsys-record ([`read_columns`]) and handed over
//! as one numpy buffer per numeric column (with its validity) and dictionary codes for the
//! repeated strings, so that the Python side builds a pandas DataFrame with the
//! recording's column names without an object per cell of a number. The columns, their
//! names and types are pacsys-record's (its `schema` module); nothing here lists them.

use std::path::PathBuf;

use numpy::{Element, PyArray1};
use pacsys_record::{ColumnValues, Nullable, RecordError, read_columns};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

/// `(dtype, values, valid)` for a numeric column.
fn num<'py, T: Element>(
    py: Python<'py>,
    dtype: &str,
    c: Nullable<T>,
) -> PyResult<Bound<'py, PyTuple>> {
    (
        dtype,
        PyArray1::from_vec(py, c.values),
        PyArray1::from_vec(py, c.valid),
    )
        .into_pyobject(py)
}

/// `("object", array)` for a column of Python objects: a numpy object array, one cell per
/// row (`None` for null), made without a Python list in between.
fn objects<'py, T>(
    py: Python<'py>,
    cells: Vec<Option<T>>,
    cell: impl Fn(T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let none = py.None();
    let objects = cells
        .into_iter()
        .map(|c| match c {
            None => Ok(none.clone_ref(py)),
            Some(c) => cell(c).map(Bound::unbind),
        })
        .collect::<PyResult<Vec<Py<PyAny>>>>()?;
    ("object", PyArray1::from_vec(py, objects)).into_pyobject(py)
}

/// A column as the Python side's description of it (see `_column` in `exp.py`).
fn describe(py: Python<'_>, values: ColumnValues) -> PyResult<Bound<'_, PyTuple>> {
    match values {
        ColumnValues::U64(n) => num(py, "uint64", n),
        ColumnValues::Timestamp(n) => num(py, "timestamp", n),
        ColumnValues::I16(n) => num(py, "int16", n),
        ColumnValues::I32(n) => num(py, "int32", n),
        ColumnValues::I64(n) => num(py, "int64", n),
        ColumnValues::F64(n) => num(py, "float64", n),
        ColumnValues::Bool(n) => num(py, "bool", n),
        ColumnValues::Dict(d) => {
            ("dict", PyArray1::from_vec(py, d.codes), d.names).into_pyobject(py)
        }
        ColumnValues::Str(v) => objects(py, v, |s| Ok(s.into_pyobject(py)?.into_any())),
        ColumnValues::Bytes(v) => objects(py, v, |b| Ok(PyBytes::new(py, &b).into_any())),
        ColumnValues::F64List(v) => objects(py, v, |xs| Ok(PyArray1::from_vec(py, xs).into_any())),
        ColumnValues::StrList(v) => objects(py, v, |xs| xs.into_pyobject(py).map(Bound::into_any)),
        _ => Err(PyValueError::new_err(
            "a recording column of a kind this pacsys_rs does not know",
        )),
    }
}

/// Reads the recording at `path` (a dataset folder or one Parquet file) into
/// `[(column, description)]`, in the recording's column order (see the Python
/// `read_recording` for the descriptions' shapes).
#[pyfunction]
pub fn recording_columns(py: Python<'_>, path: PathBuf) -> PyResult<Vec<(String, Py<PyTuple>)>> {
    let columns = py.detach(|| read_columns(&path)).map_err(|e| match e {
        RecordError::Io { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    })?;
    columns
        .into_iter()
        .map(|c| Ok((c.name.to_owned(), describe(py, c.values)?.unbind())))
        .collect()
}
