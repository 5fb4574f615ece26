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
    Python::attach(|py| match build(py, &e) {
        Ok(err) => err,
        Err(why) => PyRuntimeError::new_err(format!("{e} (and the exception failed: {why})")),
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
