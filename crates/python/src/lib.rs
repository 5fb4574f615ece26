//! `pacsys_rs._native`: Python bindings over the `pacsys` facade. The Python package
//! (`python/pacsys_rs`) adds the reference's module functions, `Device` subclasses,
//! callbacks, `aio` and the exception classes on top; no protocol logic lives here or there.

mod args;
mod backend;
mod columns;
mod convert;
mod csv_log;
mod device;
mod direct;
mod errors;
mod exp;
mod fake;
mod history;
mod inner;
mod logger;
mod pyasync;
mod reading;
mod recording;
mod runtime;
mod sim;
mod subscription;
mod supervised;

use std::sync::Arc;

use pacsys::env::{BackendKind, EnvConfig};
use pacsys::{AnyBackend, DpmBackend, GrpcBackend};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::args::{options, seconds};
use crate::backend::{Inner, PyBackend};
use crate::errors::IntoPy;

/// A DPM backend (host and port from the arguments, else `PACSYS_DPM_HOST`/`_PORT`, else
/// the Fermilab proxy).
#[pyfunction]
#[pyo3(signature = (host=None, port=None, pool_size=None, timeout=None, role=None, buffer=None, realm=None, drop=None))]
#[allow(clippy::too_many_arguments)]
fn dpm(
    host: Option<String>,
    port: Option<u16>,
    pool_size: Option<usize>,
    timeout: Option<f64>,
    role: Option<String>,
    buffer: Option<usize>,
    realm: Option<String>,
    drop: Option<&str>,
) -> PyResult<PyBackend> {
    // Unset options come from `PACSYS_*`, then the defaults (the builder's rule).
    let mut b = DpmBackend::builder().subscription_options(options(buffer, drop)?);
    if let Some(h) = host {
        b = b.host(h);
    }
    if let Some(p) = port {
        b = b.port(p);
    }
    if let Some(n) = pool_size {
        b = b.pool_size(n);
    }
    if let Some(t) = seconds(timeout)? {
        b = b.timeout(t);
    }
    if let Some(r) = role {
        b = b.role(r);
    }
    // The Kerberos realm of settings (`KerberosAuth(realm=...)`); only a `kerberos` build
    // signs settings, and `pacsys_rs.dpm` refuses `KerberosAuth` without one.
    #[cfg(feature = "kerberos")]
    if let Some(r) = realm {
        b = b.kerberos_realm(r);
    }
    #[cfg(not(feature = "kerberos"))]
    let _ = realm;
    let backend = b.build().py_err()?;
    Ok(PyBackend::new(Inner::Any(Arc::new(AnyBackend::Dpm(
        backend,
    )))))
}

/// A DAQ gRPC backend (token from the argument, else `PACSYS_JWT_TOKEN`).
#[pyfunction]
#[pyo3(signature = (host=None, port=None, token=None, timeout=None, buffer=None, drop=None))]
fn grpc(
    host: Option<String>,
    port: Option<u16>,
    token: Option<String>,
    timeout: Option<f64>,
    buffer: Option<usize>,
    drop: Option<&str>,
) -> PyResult<PyBackend> {
    let mut b = GrpcBackend::builder().subscription_options(options(buffer, drop)?);
    if let Some(h) = host {
        b = b.host(h);
    }
    if let Some(p) = port {
        b = b.port(p);
    }
    if let Some(t) = token {
        b = b.token(t);
    }
    if let Some(t) = seconds(timeout)? {
        b = b.timeout(t);
    }
    let backend = {
        let _inside = runtime::runtime()?.enter();
        b.build().py_err()?
    };
    Ok(PyBackend::new(Inner::Any(Arc::new(AnyBackend::Grpc(
        backend,
    )))))
}

/// The process-wide default backend (built on first use from `configure`, the `PACSYS_*`
/// variables and the defaults).
#[pyfunction]
fn default_backend() -> PyResult<PyBackend> {
    let _inside = runtime::runtime()?.enter();
    Ok(PyBackend::new(match Inner::resolve_default().py_err()? {
        backend::Resolved::Any(b) => Inner::Any(b),
        backend::Resolved::Fake(b) => Inner::Fake(b),
    }))
}

/// Puts `backend` (a `pacsys_rs` backend: DPM, gRPC or a `FakeBackend`) in the default
/// backend's place for the module functions and unbound devices, or restores the real one
/// (`None`). What `pacsys_rs.testing`'s `mock_pacsys` fixture uses.
#[pyfunction]
#[pyo3(signature = (backend=None))]
fn _set_default_backend(backend: Option<&Bound<'_, PyBackend>>) -> PyResult<()> {
    backend::set_default_override(backend.map(|b| &b.get().inner)).py_err()
}

/// Sets the default backend's configuration (arguments win over `PACSYS_*`); the next
/// call builds a new default backend.
#[pyfunction]
#[pyo3(signature = (*, backend=None, dpm_host=None, dpm_port=None, grpc_host=None, grpc_port=None, default_timeout=None, pool_size=None, token=None))]
#[allow(clippy::too_many_arguments)]
fn configure(
    backend: Option<&str>,
    dpm_host: Option<String>,
    dpm_port: Option<u16>,
    grpc_host: Option<String>,
    grpc_port: Option<u16>,
    default_timeout: Option<f64>,
    pool_size: Option<usize>,
    token: Option<String>,
) -> PyResult<()> {
    let kind = match backend {
        None => None,
        Some(s) if s.eq_ignore_ascii_case("dpm") => Some(BackendKind::Dpm),
        Some(s) if s.eq_ignore_ascii_case("grpc") => Some(BackendKind::Grpc),
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "backend {other:?}: this package has \"dpm\" and \"grpc\""
            )));
        }
    };
    let config = EnvConfig {
        backend: kind,
        dpm_host,
        dpm_port,
        grpc_host,
        grpc_port,
        timeout: seconds(default_timeout)?,
        pool_size,
        jwt_token: token,
    };
    pacsys::configure(config);
    Ok(())
}

/// Closes the default backend; the next call builds a new one (the configuration stays).
#[pyfunction]
fn shutdown() {
    pacsys::shutdown();
}

/// Called at interpreter exit (`atexit`): closes the default backend and waits, with the
/// GIL released, for the runtime's threads to finish handing results to asyncio. A thread
/// that takes the GIL once finalization has begun is ended by CPython (before 3.14) in a
/// way that crashes a Rust thread; pyo3-async-runtimes delivers each result from a worker
/// thread right after the asyncio future sees it, so a script that exits at once could
/// race it.
#[pyfunction]
fn _quiesce(py: Python<'_>) {
    pacsys::shutdown();
    py.detach(|| std::thread::sleep(std::time::Duration::from_millis(100)));
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    runtime::init_async()?;
    m.add_class::<backend::PyBackend>()?;
    m.add_class::<reading::PyReading>()?;
    m.add_class::<columns::PyReadingArrays>()?;
    m.add_class::<reading::PyWriteResult>()?;
    m.add_class::<subscription::PySubscription>()?;
    m.add_class::<device::PyDevice>()?;
    m.add_class::<device::PyDataRequest>()?;
    m.add_class::<sim::PySim>()?;
    m.add_class::<fake::PyFakeBackend>()?;
    m.add_function(wrap_pyfunction!(dpm, m)?)?;
    m.add_function(wrap_pyfunction!(grpc, m)?)?;
    m.add_function(wrap_pyfunction!(default_backend, m)?)?;
    m.add_function(wrap_pyfunction!(_set_default_backend, m)?)?;
    m.add_function(wrap_pyfunction!(configure, m)?)?;
    m.add_function(wrap_pyfunction!(shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(_quiesce, m)?)?;
    m.add_class::<exp::PyFresh>()?;
    m.add_class::<exp::PyScanResult>()?;
    m.add_class::<exp::PyChannelData>()?;
    m.add_class::<exp::PyMonitor>()?;
    m.add_function(wrap_pyfunction!(exp::exp_read_fresh, m)?)?;
    m.add_function(wrap_pyfunction!(exp::exp_watch, m)?)?;
    m.add_function(wrap_pyfunction!(exp::exp_scan, m)?)?;
    m.add_function(wrap_pyfunction!(exp::exp_monitor, m)?)?;
    m.add_function(wrap_pyfunction!(history::history_since, m)?)?;
    m.add_class::<supervised::PyServer>()?;
    m.add_function(wrap_pyfunction!(supervised::supervised_evaluate, m)?)?;
    m.add_class::<logger::PyLogger>()?;
    m.add_function(wrap_pyfunction!(logger::exp_logger, m)?)?;
    m.add_function(wrap_pyfunction!(recording::recording_columns, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Whether this build signs DPM settings with Kerberos (the `kerberos` feature).
    m.add("KERBEROS", cfg!(feature = "kerberos"))?;
    Ok(())
}
