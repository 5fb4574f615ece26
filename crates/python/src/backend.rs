//! `Backend`: the Python class over one [`Inner`] backend (DPM, the DAQ gRPC service, the
//! in-memory fake, the default backend, or an `AsyncBackend` written in Python). Each Python
//! call is built as one Rust future and wrapped once as a blocking call (GIL released) and
//! once as an asyncio awaitable (`*_async`).

use std::time::Duration;

use pacsys::{AnyBackend, Backend, Capabilities, Error, Value};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::args::{drf_list, drf_of, seconds, settings_of, verify_of};
use crate::columns::Columns;
use crate::convert::{PyValue, Setting, setting_from_py};
use crate::direct::block_read;
use crate::errors::{IntoPy, to_py};
pub use crate::inner::{Inner, Resolved, set_default_override};
use crate::reading::{PyReading, PyWriteResult, Readings, reading_or_raise, slot};
use crate::runtime::{awaitable, block};
use crate::subscription::PySubscription;

/// Writes one setting of any kind.
pub async fn write_setting<B: Backend>(
    b: &B,
    drf: &str,
    setting: Setting,
    verify: Option<&pacsys::Verify>,
    timeout: Option<Duration>,
) -> Result<pacsys::WriteResult, Error> {
    match (setting, verify) {
        (Setting::Control(c), v) => pacsys::control(b, drf, c, v, timeout).await,
        (Setting::AlarmFields(f), v) => pacsys::write_alarm_fields(b, drf, &f, v, timeout).await,
        (Setting::Value(v), Some(verify)) => {
            pacsys::write_verified(b, drf, v, verify, timeout).await
        }
        (Setting::Value(v), None) => b.write(drf, v, timeout).await,
    }
}

/// Writes a batch: plain values in one call, control commands and alarm fields one by one;
/// one `WriteResult` per setting, a failed one carrying its error.
async fn write_settings<B: Backend>(
    b: &B,
    settings: Vec<(String, Setting)>,
    timeout: Option<Duration>,
) -> Vec<PyWriteResult> {
    let plain: Vec<(&str, Value)> = settings
        .iter()
        .filter_map(|(d, s)| match s {
            Setting::Value(v) => Some((d.as_str(), v.clone())),
            _ => None,
        })
        .collect();
    let mut written = if plain.is_empty() {
        Vec::new()
    } else {
        b.write_many(&plain, timeout).await
    }
    .into_iter();
    let mut out = Vec::with_capacity(settings.len());
    for (drf, s) in settings {
        let result = match s {
            Setting::Value(_) => written.next().unwrap_or_else(|| Err(Error::closed())),
            other => write_setting(b, &drf, other, None, timeout).await,
        };
        out.push(match result {
            Ok(w) => PyWriteResult::new(w),
            Err(e) => PyWriteResult::failed(&drf, e),
        });
    }
    out
}

/// The calls of a backend, each one future (blocking or awaited, the same).
mod calls {
    use super::*;

    pub async fn read(b: Inner, drf: String, t: Option<Duration>) -> PyResult<PyValue> {
        b.read(&drf, t).await.map(PyValue).py_err()
    }

    pub async fn get(b: Inner, drf: String, t: Option<Duration>) -> PyResult<PyReading> {
        let r = b.get(&drf, t).await;
        reading_or_raise(&drf, r)
    }

    pub async fn get_many(b: Inner, drfs: Vec<String>, t: Option<Duration>) -> PyResult<Readings> {
        let results = b.get_many(&drfs, t).await;
        Ok(Readings(
            drfs.iter().zip(results).map(|(d, r)| slot(d, r)).collect(),
        ))
    }

    pub async fn get_many_arrays(
        b: Inner,
        drfs: Vec<String>,
        t: Option<Duration>,
    ) -> PyResult<Columns> {
        let results = b.get_many(&drfs, t).await;
        Ok(Columns::new(drfs, results))
    }

    pub async fn read_many(
        b: Inner,
        drfs: Vec<String>,
        t: Option<Duration>,
    ) -> PyResult<Vec<PyValue>> {
        let results = b.get_many(&drfs, t).await;
        let mut values = Vec::with_capacity(results.len());
        for (drf, r) in drfs.iter().zip(results) {
            let reading = r.py_err()?;
            let status = reading.status;
            let v = reading
                .value
                .ok_or_else(|| to_py(Error::device(drf.as_str(), status)))?;
            values.push(PyValue(v));
        }
        Ok(values)
    }

    pub async fn write(
        b: Inner,
        drf: String,
        setting: Setting,
        verify: Option<pacsys::Verify>,
        t: Option<Duration>,
    ) -> PyResult<PyWriteResult> {
        write_setting(&b, &drf, setting, verify.as_ref(), t)
            .await
            .map(PyWriteResult::new)
            .py_err()
    }

    pub async fn write_many(
        b: Inner,
        settings: Vec<(String, Setting)>,
        t: Option<Duration>,
    ) -> PyResult<Vec<PyWriteResult>> {
        Ok(write_settings(&b, settings, t).await)
    }

    pub async fn subscribe(b: Inner, drfs: Vec<String>) -> PyResult<PySubscription> {
        let sub = b.subscribe(&drfs).await.py_err()?;
        Ok(PySubscription::new(sub))
    }

    pub async fn close(b: Inner) -> PyResult<()> {
        b.close().await;
        Ok(())
    }

    pub async fn stop_streaming(b: Inner) -> PyResult<()> {
        b.stop_streaming().await;
        Ok(())
    }
}

/// A connection to DPM (`pacsys_rs.dpm(...)`), the DAQ gRPC service
/// (`pacsys_rs.grpc(...)`) or the in-memory fake (`pacsys_rs.testing.FakeBackend()`).
/// Use it as a context manager, or call `close()`. Every call has an awaitable twin
/// (`read_async`, ...) that `pacsys_rs.aio` uses.
#[pyclass(module = "pacsys_rs", frozen, subclass, name = "Backend")]
pub struct PyBackend {
    pub(crate) inner: Inner,
}

impl PyBackend {
    /// A Python `Backend` over `inner`.
    pub fn new(inner: Inner) -> PyBackend {
        PyBackend { inner }
    }
}

#[pymethods]
impl PyBackend {
    /// Reads one device once and returns its value (raises on any failure).
    #[pyo3(signature = (device, timeout=None))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (what, t) = (drf_of(device)?, seconds(timeout)?);
        block_read(py, &self.inner, |b| calls::read(b, what, t))
    }

    /// `read`, awaitable.
    #[pyo3(signature = (device, timeout=None))]
    fn read_async<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(
            py,
            calls::read(self.inner.clone(), drf_of(device)?, seconds(timeout)?),
        )
    }

    /// Reads one device once; a device error is a `Reading` with its status (check
    /// `reading.ok`), anything else raises.
    #[pyo3(signature = (device, timeout=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (what, t) = (drf_of(device)?, seconds(timeout)?);
        block_read(py, &self.inner, |b| calls::get(b, what, t))
    }

    /// `get`, awaitable.
    #[pyo3(signature = (device, timeout=None))]
    fn get_async<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(
            py,
            calls::get(self.inner.clone(), drf_of(device)?, seconds(timeout)?),
        )
    }

    /// Reads many devices at once (one total `timeout`): one `Reading` per device, in
    /// order; a failed device never fails the others (its reading carries the error).
    /// With `as_arrays=True`, one `ReadingArrays` instead: the batch as numpy columns, no
    /// Python object per device.
    #[pyo3(signature = (devices, timeout=None, *, as_arrays=false))]
    fn get_many<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        as_arrays: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (what, t) = (drf_list(devices)?, seconds(timeout)?);
        if as_arrays {
            block_read(py, &self.inner, |b| calls::get_many_arrays(b, what, t))
        } else {
            block_read(py, &self.inner, |b| calls::get_many(b, what, t))
        }
    }

    /// `get_many`, awaitable.
    #[pyo3(signature = (devices, timeout=None, *, as_arrays=false))]
    fn get_many_async<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        as_arrays: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (what, t) = (drf_list(devices)?, seconds(timeout)?);
        if as_arrays {
            awaitable(py, calls::get_many_arrays(self.inner.clone(), what, t))
        } else {
            awaitable(py, calls::get_many(self.inner.clone(), what, t))
        }
    }

    /// Reads many devices and returns their values; raises the first failure.
    #[pyo3(signature = (devices, timeout=None))]
    fn read_many<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (what, t) = (drf_list(devices)?, seconds(timeout)?);
        block_read(py, &self.inner, |b| calls::read_many(b, what, t))
    }

    /// `read_many`, awaitable.
    #[pyo3(signature = (devices, timeout=None))]
    fn read_many_async<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(
            py,
            calls::read_many(self.inner.clone(), drf_list(devices)?, seconds(timeout)?),
        )
    }

    /// Writes one setting: a number, text, bytes, an array, a `BasicControl` command, or
    /// an alarm dict (only its keys change). Raises when it is refused. `verify=True` (or a
    /// `tolerance`) reads it back.
    #[pyo3(signature = (device, value, timeout=None, verify=None, tolerance=None, retries=None))]
    #[allow(clippy::too_many_arguments)]
    fn write<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        verify: Option<&Bound<'py, PyAny>>,
        tolerance: Option<f64>,
        retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = calls::write(
            self.inner.clone(),
            drf_of(device)?,
            setting_from_py(value)?,
            verify_of(verify, tolerance, retries)?,
            seconds(timeout)?,
        );
        block(py, fut)
    }

    /// `write`, awaitable.
    #[pyo3(signature = (device, value, timeout=None, verify=None, tolerance=None, retries=None))]
    #[allow(clippy::too_many_arguments)]
    fn write_async<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        verify: Option<&Bound<'py, PyAny>>,
        tolerance: Option<f64>,
        retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = calls::write(
            self.inner.clone(),
            drf_of(device)?,
            setting_from_py(value)?,
            verify_of(verify, tolerance, retries)?,
            seconds(timeout)?,
        );
        awaitable(py, fut)
    }

    /// Writes many settings (`[(device, value), ...]` or a dict) with one total `timeout`:
    /// one `WriteResult` per setting, in order; a refused one has `ok=False` and `error`.
    #[pyo3(signature = (settings, timeout=None))]
    fn write_many<'py>(
        &self,
        py: Python<'py>,
        settings: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        block(
            py,
            calls::write_many(
                self.inner.clone(),
                settings_of(settings)?,
                seconds(timeout)?,
            ),
        )
    }

    /// `write_many`, awaitable.
    #[pyo3(signature = (settings, timeout=None))]
    fn write_many_async<'py>(
        &self,
        py: Python<'py>,
        settings: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(
            py,
            calls::write_many(
                self.inner.clone(),
                settings_of(settings)?,
                seconds(timeout)?,
            ),
        )
    }

    /// Subscribes to `devices` (DRFs with a repeating event such as `@p,1000`) and returns
    /// a `SubscriptionHandle`: iterate it for readings, or give `callback(reading, handle)`
    /// (called on a Python thread) and `on_error(exception, handle)`.
    #[pyo3(signature = (devices, callback=None, on_error=None))]
    fn subscribe<'py>(
        slf: &Bound<'py, Self>,
        devices: &Bound<'py, PyAny>,
        callback: Option<Bound<'py, PyAny>>,
        on_error: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        // One DRF or one device (anything with a `drf`), else a list of them.
        let single = devices.is_instance_of::<pyo3::types::PyString>()
            || devices.hasattr(pyo3::intern!(py, "drf"))?;
        let devices = if single {
            PyList::new(py, [devices])?.into_any()
        } else {
            devices.clone()
        };
        let sub = slf.get()._subscribe(py, &devices)?;
        py.import("pacsys_rs")?
            .getattr("SubscriptionHandle")?
            .call1((sub, callback, on_error, slf))
    }

    /// Starts a subscription to `devices` (the native handle; see `subscribe`).
    fn _subscribe<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        block(py, calls::subscribe(self.inner.clone(), drf_list(devices)?))
    }

    /// `_subscribe`, awaitable.
    fn _subscribe_async<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, calls::subscribe(self.inner.clone(), drf_list(devices)?))
    }

    /// Ends every subscription of this backend; the backend stays usable.
    fn stop_streaming<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        block(py, calls::stop_streaming(self.inner.clone()))
    }

    /// `stop_streaming`, awaitable.
    fn stop_streaming_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, calls::stop_streaming(self.inner.clone()))
    }

    /// Closes the backend: later calls raise `ClosedError`, open subscriptions end.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let out = block(py, calls::close(self.inner.clone()));
        crate::direct::forget(py, &self.inner);
        out
    }

    /// `close`, awaitable.
    fn close_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::direct::forget(py, &self.inner);
        awaitable(py, calls::close(self.inner.clone()))
    }

    /// What this backend can do, as the bits of pacsys's `BackendCapability` (`READ=1`,
    /// `WRITE=2`, `STREAM=4`, `AUTH_KERBEROS=8`, `AUTH_JWT=16`, `BATCH=32`).
    #[getter]
    fn _capabilities(&self) -> u32 {
        self.inner.capabilities().bits()
    }

    /// What this backend can do (a `pacsys_rs.BackendCapability` flag).
    #[getter]
    fn capabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("pacsys_rs")?
            .getattr("BackendCapability")?
            .call1((self.inner.capabilities().bits(),))
    }

    /// Stops a subscription of this backend (its handle's `stop()`).
    fn remove(&self, handle: &Bound<'_, PyAny>) -> PyResult<()> {
        handle.call_method0("stop")?;
        Ok(())
    }

    /// The verified identity settings are made with (`None` without credentials).
    #[getter]
    fn principal(&self) -> PyResult<Option<String>> {
        self.inner.principal().py_err()
    }

    /// Whether settings are sent with credentials (Kerberos or a JWT).
    #[getter]
    fn authenticated(&self) -> bool {
        let caps = self.inner.capabilities();
        caps.contains(Capabilities::AUTH_KERBEROS) || caps.contains(Capabilities::AUTH_JWT)
    }

    /// The default total timeout of a call, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.inner.timeout().as_secs_f64()
    }

    /// Which transport: `"dpm"`, `"grpc"`, `"fake"` or `"default"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.inner {
            Inner::Any(b) => match &**b {
                AnyBackend::Dpm(_) => "dpm",
                AnyBackend::Grpc(_) => "grpc",
                _ => "other",
            },
            Inner::Fake(_) => "fake",
            Inner::Default => "default",
            Inner::Python(_) => "python",
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            Inner::Any(b) => match &**b {
                AnyBackend::Dpm(d) => format!("Backend(dpm, {})", d.addr()),
                AnyBackend::Grpc(g) => format!("Backend(grpc, {})", g.addr()),
                _ => "Backend(other)".to_owned(),
            },
            Inner::Fake(_) => "Backend(fake)".to_owned(),
            Inner::Default => "Backend(default)".to_owned(),
            Inner::Python(_) => "Backend(python)".to_owned(),
        }
    }
}
