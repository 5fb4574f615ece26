//! `Backend`: one connection to DPM, the DAQ gRPC service, or the in-memory fake, with the
//! reference's calls, each blocking (GIL released) or awaitable (`*_async`).

use std::sync::Arc;
use std::time::Duration;

use pacsys::{AnyBackend, Backend, Error, Reading, Value, Verify};
use pacsys_testing::FakeBackend;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::convert::{Setting, setting_from_py, value_to_py};
use crate::errors::{IntoPy, to_py};
use crate::reading::{PyReading, PyWriteResult};
use crate::runtime::wait;
use crate::subscription::PySubscription;

/// The backends a Python `Backend` can hold (the facade's `Backend` trait is not object
/// safe, so calls are dispatched here).
#[derive(Clone)]
pub enum Inner {
    /// DPM or gRPC.
    Any(Arc<AnyBackend>),
    /// The in-memory fake.
    Fake(Arc<FakeBackend>),
}

/// Runs `$body` with `$b` bound to the concrete backend.
macro_rules! with_backend {
    ($inner:expr, |$b:ident| $body:expr) => {
        match $inner {
            $crate::backend::Inner::Any($b) => $body,
            $crate::backend::Inner::Fake($b) => $body,
        }
    };
}
pub(crate) use with_backend;

/// Subscription options with a `buffer` (readings held before the oldest is dropped).
pub fn options(buffer: Option<usize>) -> pacsys::SubscriptionOptions {
    match buffer {
        Some(n) => pacsys::SubscriptionOptions::default().buffer(n),
        None => pacsys::SubscriptionOptions::default(),
    }
}

/// Seconds from Python into a duration (`None` stays `None`).
pub fn seconds(timeout: Option<f64>) -> PyResult<Option<Duration>> {
    timeout
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                PyValueError::new_err(format!("timeout must be positive seconds, not {s}"))
            })
        })
        .transpose()
}

/// A reading for one slot of a batch: the reading, or (for a failure) a reading with the
/// error's status that keeps the error.
pub fn slot(drf: &str, r: Result<Reading, Error>) -> PyReading {
    match r {
        Ok(reading) => PyReading::new(reading),
        Err(e) => PyReading::failed(drf, e),
    }
}

/// The DRFs of a list of strings or `Device`s.
pub fn drf_list(items: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let mut out = Vec::new();
    for item in items.try_iter()? {
        out.push(drf_of(&item?)?);
    }
    Ok(out)
}

/// The DRF of a string or a `Device`.
pub fn drf_of(item: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = item.extract::<String>() {
        return Ok(s);
    }
    item.getattr("drf")?.extract()
}

/// `(drf, value)` pairs from a list of pairs or a dict.
fn settings_of(settings: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Setting)>> {
    let pairs: Vec<Bound<'_, PyAny>> = match settings.cast::<PyDict>() {
        Ok(d) => d.items().iter().map(|t| t.into_any()).collect(),
        Err(_) => settings.try_iter()?.collect::<PyResult<_>>()?,
    };
    let mut out = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let t = pair
            .cast::<PyTuple>()
            .map_err(|_| PyValueError::new_err("settings are (device, value) pairs or a dict"))?;
        if t.len() != 2 {
            return Err(PyValueError::new_err("settings are (device, value) pairs"));
        }
        out.push((drf_of(&t.get_item(0)?)?, setting_from_py(&t.get_item(1)?)?));
    }
    Ok(out)
}

/// The verification asked for: `verify=True` (exact), a `pacsys_rs.Verify` (its
/// `tolerance` and `max_attempts`), a `tolerance`, or nothing.
pub fn verify_of(
    verify: Option<&Bound<'_, PyAny>>,
    tolerance: Option<f64>,
    retries: Option<u32>,
) -> PyResult<Option<Verify>> {
    let (mut on, mut tolerance, mut retries) = (tolerance.is_some(), tolerance, retries);
    if let Some(v) = verify {
        if v.hasattr("tolerance")? && v.hasattr("max_attempts")? {
            on = true;
            tolerance = tolerance.or(v.getattr("tolerance")?.extract()?);
            retries = retries.or(v.getattr("max_attempts")?.extract()?);
        } else if v.is_truthy()? {
            on = true;
        }
    }
    if !on {
        return Ok(None);
    }
    let mut v = Verify::new()
        .with_tolerance(tolerance.unwrap_or(0.0))
        .py_err()?;
    if let Some(n) = retries {
        v = v.with_max_attempts(n).py_err()?;
    }
    // The rest of a `pacsys_rs.Verify`: delays, another read-back DRF, check first.
    if let Some(obj) = verify.filter(|o| o.hasattr("initial_delay").unwrap_or(false)) {
        let delay = |name: &str| -> PyResult<Option<Duration>> {
            let secs: Option<f64> = obj.getattr(name)?.extract()?;
            seconds(secs)
        };
        if let Some(d) = delay("initial_delay")? {
            v = v.with_initial_delay(d);
        }
        if let Some(d) = delay("retry_delay")? {
            v = v.with_retry_delay(d);
        }
        if let Some(drf) = obj.getattr("readback")?.extract::<Option<String>>()? {
            v = v.with_readback(drf).py_err()?;
        }
        v = v.with_check_first(obj.getattr("check_first")?.extract()?);
    }
    Ok(Some(v))
}

/// Writes one setting of any kind.
pub async fn write_setting<B: Backend>(
    b: &B,
    drf: &str,
    setting: Setting,
    verify: Option<&Verify>,
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

/// Reads a batch: one `Reading` per DRF, a failed one carrying its error.
async fn get_slots<B: Backend>(
    b: &B,
    drfs: Vec<String>,
    timeout: Option<Duration>,
) -> Vec<PyReading> {
    let results = b.get_many(&drfs, timeout).await;
    drfs.iter().zip(results).map(|(d, r)| slot(d, r)).collect()
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

/// A connection to DPM (`pacsys_rs.dpm(...)`), the DAQ gRPC service
/// (`pacsys_rs.grpc(...)`) or the in-memory fake (`pacsys_rs.testing.FakeBackend()`).
/// Use it as a context manager, or call `close()`.
#[pyclass(module = "pacsys_rs", frozen, name = "Backend")]
pub struct PyBackend {
    pub(crate) inner: Inner,
}

impl PyBackend {
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
        let (drf, t, inner) = (drf_of(device)?, seconds(timeout)?, self.inner.clone());
        let v = wait(py, async move {
            with_backend!(inner, |b| b.read(&drf, t).await)
        })?
        .py_err()?;
        value_to_py(py, &v)
    }

    /// Reads one device once; a device error is a `Reading` with its status (check
    /// `reading.ok`), anything else raises.
    #[pyo3(signature = (device, timeout=None))]
    fn get(
        &self,
        py: Python<'_>,
        device: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<PyReading> {
        let (drf, t, inner) = (drf_of(device)?, seconds(timeout)?, self.inner.clone());
        let r = wait(py, {
            let drf = drf.clone();
            async move { with_backend!(inner, |b| b.get(&drf, t).await) }
        })?;
        match r {
            Err(e) if !matches!(e.kind(), pacsys::ErrorKind::Device) => Err(to_py(e)),
            other => Ok(slot(&drf, other)),
        }
    }

    /// Reads many devices at once (one total `timeout`): one `Reading` per device, in
    /// order; a failed device never fails the others (its reading carries the error).
    #[pyo3(signature = (devices, timeout=None))]
    fn get_many(
        &self,
        py: Python<'_>,
        devices: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Vec<PyReading>> {
        let (drfs, t, inner) = (drf_list(devices)?, seconds(timeout)?, self.inner.clone());
        wait(py, async move {
            with_backend!(inner, |b| get_slots(&*b, drfs, t).await)
        })
    }

    /// Reads many devices and returns their values; raises the first failure.
    #[pyo3(signature = (devices, timeout=None))]
    fn read_many<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (drfs, t, inner) = (drf_list(devices)?, seconds(timeout)?, self.inner.clone());
        let results = wait(py, {
            let drfs = drfs.clone();
            async move { with_backend!(inner, |b| b.get_many(&drfs, t).await) }
        })?;
        let mut values = Vec::with_capacity(results.len());
        for (drf, r) in drfs.iter().zip(results) {
            let reading = r.py_err()?;
            let status = reading.status;
            let v = reading
                .value
                .ok_or_else(|| to_py(Error::device(drf.as_str(), status)))?;
            values.push(value_to_py(py, &v)?);
        }
        PyList::new(py, values)
    }

    /// Writes one setting: a number, text, bytes, an array, a `BasicControl` command, or
    /// an alarm dict (only its keys change). Raises when it is refused. `verify=True` (or a
    /// `tolerance`) reads it back.
    #[pyo3(signature = (device, value, timeout=None, verify=None, tolerance=None, retries=None))]
    #[allow(clippy::too_many_arguments)]
    fn write(
        &self,
        py: Python<'_>,
        device: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        timeout: Option<f64>,
        verify: Option<&Bound<'_, PyAny>>,
        tolerance: Option<f64>,
        retries: Option<u32>,
    ) -> PyResult<PyWriteResult> {
        let (drf, setting, t) = (drf_of(device)?, setting_from_py(value)?, seconds(timeout)?);
        let verify = verify_of(verify, tolerance, retries)?;
        let inner = self.inner.clone();
        let r = wait(py, async move {
            with_backend!(inner, |b| write_setting(
                &*b,
                &drf,
                setting,
                verify.as_ref(),
                t
            )
            .await)
        })?;
        r.map(PyWriteResult::new).py_err()
    }

    /// Writes many settings (`[(device, value), ...]` or a dict) with one total `timeout`:
    /// one `WriteResult` per setting, in order; a refused one has `ok=False` and `error`.
    #[pyo3(signature = (settings, timeout=None))]
    fn write_many(
        &self,
        py: Python<'_>,
        settings: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Vec<PyWriteResult>> {
        let (settings, t, inner) = (
            settings_of(settings)?,
            seconds(timeout)?,
            self.inner.clone(),
        );
        wait(py, async move {
            with_backend!(inner, |b| write_settings(&*b, settings, t).await)
        })
    }

    /// Subscribes to `devices` (DRFs with a repeating event such as `@p,1000`) and returns
    /// a `SubscriptionHandle`: iterate it for readings, or give `callback(reading, handle)`
    /// (called on a Python thread) and `on_error(exception, handle)`.
    #[pyo3(signature = (devices, callback=None, on_error=None))]
    fn subscribe<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        callback: Option<Bound<'py, PyAny>>,
        on_error: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let single = devices.is_instance_of::<pyo3::types::PyString>()
            || devices.is_instance_of::<crate::device::PyDevice>();
        let devices = if single {
            PyList::new(py, [devices])?.into_any()
        } else {
            devices.clone()
        };
        let sub = self._subscribe(py, &devices)?;
        py.import("pacsys_rs")?
            .getattr("SubscriptionHandle")?
            .call1((sub, callback, on_error))
    }

    /// Starts a subscription to `devices` (the native handle; see `subscribe`).
    fn _subscribe(&self, py: Python<'_>, devices: &Bound<'_, PyAny>) -> PyResult<PySubscription> {
        let (drfs, inner) = (drf_list(devices)?, self.inner.clone());
        let sub = wait(py, async move {
            with_backend!(inner, |b| b.subscribe(&drfs).await)
        })?
        .py_err()?;
        Ok(PySubscription::new(sub))
    }

    /// Closes the backend: later calls raise `ClosedError`, open subscriptions end.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let inner = self.inner.clone();
        wait(py, async move { with_backend!(inner, |b| b.close().await) })
    }

    /// The default total timeout of a call, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        with_backend!(&self.inner, |b| b.timeout().as_secs_f64())
    }

    /// Which transport: `"dpm"`, `"grpc"` or `"fake"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.inner {
            Inner::Any(b) => match &**b {
                AnyBackend::Dpm(_) => "dpm",
                AnyBackend::Grpc(_) => "grpc",
                _ => "other",
            },
            Inner::Fake(_) => "fake",
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

    // ---- asyncio: the same calls as awaitables on the same runtime ----

    /// `read`, awaitable.
    #[pyo3(signature = (device, timeout=None))]
    fn read_async<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (drf, t, inner) = (drf_of(device)?, seconds(timeout)?, self.inner.clone());
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let v = with_backend!(inner, |b| b.read(&drf, t).await).py_err()?;
            Python::attach(|py| value_to_py(py, &v).map(Bound::unbind))
        })
    }

    /// `get`, awaitable.
    #[pyo3(signature = (device, timeout=None))]
    fn get_async<'py>(
        &self,
        py: Python<'py>,
        device: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (drf, t, inner) = (drf_of(device)?, seconds(timeout)?, self.inner.clone());
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match with_backend!(inner, |b| b.get(&drf, t).await) {
                Err(e) if !matches!(e.kind(), pacsys::ErrorKind::Device) => Err(to_py(e)),
                other => Ok(slot(&drf, other)),
            }
        })
    }

    /// `get_many`, awaitable.
    #[pyo3(signature = (devices, timeout=None))]
    fn get_many_async<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (drfs, t, inner) = (drf_list(devices)?, seconds(timeout)?, self.inner.clone());
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            Ok(with_backend!(inner, |b| get_slots(&*b, drfs, t).await))
        })
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
        verify: Option<&Bound<'_, PyAny>>,
        tolerance: Option<f64>,
        retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (drf, setting, t) = (drf_of(device)?, setting_from_py(value)?, seconds(timeout)?);
        let verify = verify_of(verify, tolerance, retries)?;
        let inner = self.inner.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            with_backend!(inner, |b| write_setting(
                &*b,
                &drf,
                setting,
                verify.as_ref(),
                t
            )
            .await)
            .map(PyWriteResult::new)
            .py_err()
        })
    }

    /// `write_many`, awaitable.
    #[pyo3(signature = (settings, timeout=None))]
    fn write_many_async<'py>(
        &self,
        py: Python<'py>,
        settings: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (settings, t, inner) = (
            settings_of(settings)?,
            seconds(timeout)?,
            self.inner.clone(),
        );
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            Ok(with_backend!(inner, |b| write_settings(&*b, settings, t).await))
        })
    }

    /// `subscribe`, awaitable.
    fn _subscribe_async<'py>(
        &self,
        py: Python<'py>,
        devices: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (drfs, inner) = (drf_list(devices)?, self.inner.clone());
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let sub = with_backend!(inner, |b| b.subscribe(&drfs).await).py_err()?;
            Ok(PySubscription::new(sub))
        })
    }

    /// `close`, awaitable.
    fn close_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            with_backend!(inner, |b| b.close().await);
            Ok(())
        })
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            Inner::Any(b) => match &**b {
                AnyBackend::Dpm(d) => format!("Backend(dpm, {})", d.addr()),
                AnyBackend::Grpc(g) => format!("Backend(grpc, {})", g.addr()),
                _ => "Backend(other)".to_owned(),
            },
            Inner::Fake(_) => "Backend(fake)".to_owned(),
        }
    }
}
