//! The facade's one `Error` as a Python exception of the class its kind names (the classes
//! live in `pacsys_rs.errors`, so they can also derive from `ValueError`, `TimeoutError`,
//! ...), with what was known as attributes.

use pacsys::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The `pacsys_rs.errors` class of a kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Unsupported => "UnsupportedError",
        ErrorKind::ReadOnly => "ReadOnlyError",
        ErrorKind::Device => "DeviceError",
        ErrorKind::SettingRejected => "SettingRejectedError",
        ErrorKind::Timeout => "PacsysTimeoutError",
        ErrorKind::ConnectionLost | ErrorKind::Refused | ErrorKind::PoolExhausted => {
            "PacsysConnectionError"
        }
        ErrorKind::Auth => "AuthenticationError",
        ErrorKind::OutcomeUnknown => "OutcomeUnknownError",
        ErrorKind::Closed => "ClosedError",
        ErrorKind::Config => "ConfigError",
        ErrorKind::Http | ErrorKind::Protocol | ErrorKind::ListFailed => "ProtocolError",
        _ => "ServerError",
    }
}

/// The exception for `e`: its class by kind, its text as the message, and the attributes
/// `kind`, `drf`, `facility_code`, `error_code`, `status_name`, `role`, `transport`,
/// `server`, `elapsed` (seconds) and, for a DRF that does not parse, `offset` (the byte).
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| {
        // An exception raised by Python code (a backend written in Python) comes back as
        // itself, not re-classified.
        if let Some(original) = e.source_as::<PyErr>() {
            return original.clone_ref(py);
        }
        match build(py, &e) {
            Ok(err) => err,
            Err(why) => PyRuntimeError::new_err(format!("{e} (and the exception failed: {why})")),
        }
    })
}

/// An exception raised by Python code that the Rust side called (a backend or policy
/// written in Python) as the facade's `Error`: a `pacsys_rs` exception keeps its kind,
/// `TimeoutError` is a timeout, `NotImplementedError` unsupported, `ConnectionError` a lost
/// connection, anything else a server error. The exception itself travels as the source, so
/// that the caller gets it back unchanged (`to_py`).
pub fn from_py(e: PyErr) -> Error {
    Python::attach(|py| {
        let value = e.value(py);
        let text = value
            .str()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "an exception".to_owned());
        let class = value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        let kind = value
            .getattr("kind")
            .ok()
            .and_then(|k| k.extract::<String>().ok())
            .and_then(|k| ErrorKind::from_name(&k));
        let kind = kind.unwrap_or_else(|| {
            if e.is_instance_of::<pyo3::exceptions::PyTimeoutError>(py) {
                ErrorKind::Timeout
            } else if e.is_instance_of::<pyo3::exceptions::PyNotImplementedError>(py) {
                ErrorKind::Unsupported
            } else if e.is_instance_of::<pyo3::exceptions::PyConnectionError>(py) {
                ErrorKind::ConnectionLost
            } else {
                ErrorKind::Server
            }
        });
        Error::new(kind, format!("{class}: {text}")).with_source(e)
    })
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = py.import("pacsys_rs.errors")?;
    let mut name = class_name(e.kind());
    if e.drf_error().is_some() {
        name = "DrfError";
    }
    let class = module.getattr(name)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", e.kind().name())?;
    kwargs.set_item("drf", e.drf())?;
    let status = e.status();
    kwargs.set_item("facility_code", status.map(|s| s.facility()))?;
    kwargs.set_item("error_code", status.map(|s| s.error()))?;
    kwargs.set_item("status_name", status.and_then(|s| s.name()))?;
    kwargs.set_item("role", e.role())?;
    kwargs.set_item("transport", e.transport().map(|t| t.name()))?;
    kwargs.set_item("server", e.server())?;
    kwargs.set_item("elapsed", e.elapsed().map(|d| d.as_secs_f64()))?;
    kwargs.set_item("offset", e.drf_error().map(|d| d.offset()))?;
    let exc = class.call((e.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// `Result<T, Error>` into `PyResult<T>`.
pub trait IntoPy<T> {
    /// The error as its Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
