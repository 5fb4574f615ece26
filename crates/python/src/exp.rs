//! `pacsys_rs.exp`'s native side: the facade's experiment helpers (`pacsys::exp`) for a
//! `Backend`. The Python module (`python/pacsys_rs/exp.py`) gives them pacsys's names and
//! defaults; the logic (waiting, statistics, restoring a scanned setting) is the Rust one.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use pacsys::exp::{self, ChannelData, FreshOptions, Monitor, MonitorOptions, Scan, Window};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::args::{drf_list, drf_of, seconds};
use crate::backend::PyBackend;
use crate::errors::to_py;
use crate::reading::{PyReading, PyWriteResult, Readings};
use crate::runtime::wait;

/// `None` → the readings asked for, `-1` → all, `n` → the last `n`.
fn window(n: Option<i64>) -> PyResult<Option<Window>> {
    Ok(Some(match n {
        None => Window::Requested,
        Some(-1) => Window::All,
        Some(n) if n >= 1 => Window::Last(usize::try_from(n).unwrap_or(usize::MAX)),
        Some(n) => {
            return Err(PyValueError::new_err(format!(
                "n must be >= 1 or -1 for all, got {n}"
            )));
        }
    }))
}

/// The fresh readings of one device (`pacsys.exp.FreshResult`).
#[pyclass(module = "pacsys_rs.exp", frozen, name = "FreshResult")]
pub struct PyFresh {
    inner: exp::Fresh,
}

#[pymethods]
impl PyFresh {
    /// The request as sent.
    #[getter]
    fn drf(&self) -> &str {
        &self.inner.drf
    }

    /// Every reading received, in order.
    #[getter]
    fn readings(&self) -> Readings {
        Readings::cloned(&self.inner.readings)
    }

    /// How many usable readings were asked for.
    #[getter]
    fn requested_count(&self) -> usize {
        self.inner.requested
    }

    /// The last reading.
    #[getter]
    fn reading(&self) -> Option<PyReading> {
        self.inner.reading().cloned().map(PyReading::new)
    }

    /// The numbers of the usable scalar readings.
    #[getter]
    fn values(&self) -> Vec<f64> {
        self.inner.values()
    }

    /// Mean over the last `n` values (`None`: the count asked for; -1: all).
    #[pyo3(signature = (n=None))]
    fn mean(&self, n: Option<i64>) -> PyResult<f64> {
        self.inner.mean(window(n)?).map_err(to_py)
    }

    /// Median (see `mean` for `n`).
    #[pyo3(signature = (n=None))]
    fn median(&self, n: Option<i64>) -> PyResult<f64> {
        self.inner.median(window(n)?).map_err(to_py)
    }

    /// Population standard deviation (see `mean` for `n`).
    #[pyo3(signature = (n=None))]
    fn std(&self, n: Option<i64>) -> PyResult<f64> {
        self.inner.std(window(n)?).map_err(to_py)
    }

    /// Smallest value (see `mean` for `n`).
    #[pyo3(signature = (n=None))]
    fn min(&self, n: Option<i64>) -> PyResult<f64> {
        self.inner.min(window(n)?).map_err(to_py)
    }

    /// Largest value (see `mean` for `n`).
    #[pyo3(signature = (n=None))]
    fn max(&self, n: Option<i64>) -> PyResult<f64> {
        self.inner.max(window(n)?).map_err(to_py)
    }

    fn __len__(&self) -> usize {
        self.inner.readings.len()
    }
}

/// `pacsys_rs.exp.read_fresh` on `backend`.
#[pyfunction]
pub fn exp_read_fresh(
    py: Python<'_>,
    backend: &PyBackend,
    devices: &Bound<'_, PyAny>,
    count: usize,
    default_event: Option<String>,
    timeout: f64,
) -> PyResult<Vec<PyFresh>> {
    let drfs = drf_list(devices)?;
    let options = FreshOptions {
        count,
        timeout: seconds(Some(timeout))?.unwrap_or(Duration::from_secs(5)),
        default_event,
    };
    let inner = backend.inner.clone();
    let fresh = wait(
        py,
        async move { exp::read_fresh(&inner, &drfs, &options).await },
    )?
    .map_err(to_py)?;
    Ok(fresh.into_iter().map(|inner| PyFresh { inner }).collect())
}

/// `pacsys_rs.exp.watch` on `backend`: `condition(reading)` is called for each reading
/// (with the GIL, on the runtime's thread) until it returns true.
#[pyfunction]
pub fn exp_watch(
    py: Python<'_>,
    backend: &PyBackend,
    device: &Bound<'_, PyAny>,
    condition: Py<PyAny>,
    timeout: f64,
) -> PyResult<PyReading> {
    let drf = drf_of(device)?;
    let t = seconds(Some(timeout))?.unwrap_or(Duration::from_secs(30));
    let inner = backend.inner.clone();
    let raised: Arc<std::sync::Mutex<Option<PyErr>>> = Arc::default();
    let seen = Arc::clone(&raised);
    let result = wait(py, async move {
        let test = move |r: &pacsys::Reading| {
            Python::attach(|py| {
                match condition
                    .call1(py, (PyReading::new(r.clone()),))
                    .and_then(|v| v.is_truthy(py))
                {
                    Ok(hit) => hit,
                    Err(e) => {
                        // Stop at the first exception; it is raised to the caller.
                        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        true
                    }
                }
            })
        };
        exp::watch(&inner, &drf, test, t).await
    })?;
    if let Some(e) = raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    result.map(PyReading::new).map_err(to_py)
}

/// What `pacsys_rs.exp.scan` did (`pacsys.exp.ScanResult`).
#[pyclass(module = "pacsys_rs.exp", frozen, name = "ScanResult")]
pub struct PyScanResult {
    #[pyo3(get)]
    write_device: String,
    #[pyo3(get)]
    read_devices: Vec<String>,
    #[pyo3(get)]
    set_values: Vec<f64>,
    inner: exp::ScanResult,
}

#[pymethods]
impl PyScanResult {
    /// One dict per completed step: read device → `Reading`.
    #[getter]
    fn readings(&self) -> Vec<Vec<(String, PyReading)>> {
        self.inner
            .readings
            .iter()
            .map(|step| step_pairs(&self.read_devices, step))
            .collect()
    }

    /// Each write's result.
    #[getter]
    fn write_results(&self) -> Vec<PyWriteResult> {
        self.inner
            .write_results
            .iter()
            .map(|w| match w {
                Ok(w) => PyWriteResult::new(w.clone()),
                Err(e) => PyWriteResult::failed(&self.write_device, e.clone()),
            })
            .collect()
    }

    /// A write failed or `abort_if` stopped the scan before the last value.
    #[getter]
    fn aborted(&self) -> bool {
        self.inner.aborted
    }

    /// The original setting was written back.
    #[getter]
    fn restored(&self) -> bool {
        self.inner.restored
    }

    /// Why restoring failed, if it did.
    #[getter]
    fn restore_error(&self) -> Option<String> {
        self.inner.restore_error.as_ref().map(ToString::to_string)
    }

    /// A pandas DataFrame, one row per set value: `set_value` and each read device's value
    /// (pacsys's columns; a step the scan did not reach has only `set_value`).
    fn to_dataframe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pandas = py.import("pandas").map_err(|_| {
            pyo3::exceptions::PyImportError::new_err(
                "pandas is required for to_dataframe(). Install with: pip install pacsys-rs[pandas]",
            )
        })?;
        let rows = pyo3::types::PyList::empty(py);
        for (i, sv) in self.set_values.iter().enumerate() {
            let row = pyo3::types::PyDict::new(py);
            row.set_item("set_value", sv)?;
            if let Some(step) = self.inner.readings.get(i) {
                for (drf, reading) in step_pairs(&self.read_devices, step) {
                    let value = Bound::new(py, reading)?.getattr("value")?;
                    row.set_item(drf, value)?;
                }
            }
            rows.append(row)?;
        }
        pandas.getattr("DataFrame")?.call1((rows,))
    }
}

/// One scan step as (device, reading) pairs; a failed read is a reading carrying its error.
fn step_pairs(
    drfs: &[String],
    step: &[Result<pacsys::Reading, pacsys::Error>],
) -> Vec<(String, PyReading)> {
    drfs.iter()
        .zip(step)
        .map(|(drf, r)| {
            let reading = match r {
                Ok(r) => PyReading::new(r.clone()),
                Err(e) => PyReading::failed(drf, e.clone()),
            };
            (drf.clone(), reading)
        })
        .collect()
}

/// `pacsys_rs.exp.scan` on `backend`.
#[pyfunction]
#[pyo3(signature = (backend, write_device, read_devices, values, settle, readings_per_step, restore, timeout=None, abort_if=None))]
#[allow(clippy::too_many_arguments)]
pub fn exp_scan(
    py: Python<'_>,
    backend: &PyBackend,
    write_device: &Bound<'_, PyAny>,
    read_devices: &Bound<'_, PyAny>,
    values: Vec<f64>,
    settle: f64,
    readings_per_step: usize,
    restore: bool,
    timeout: Option<f64>,
    abort_if: Option<Py<PyAny>>,
) -> PyResult<PyScanResult> {
    let write_drf = drf_of(write_device)?;
    let mut plan = Scan::new(&write_drf, drf_list(read_devices)?, values);
    plan.settle = Duration::try_from_secs_f64(settle)
        .map_err(|_| PyValueError::new_err(format!("settle must be >= 0 seconds, not {settle}")))?;
    plan.readings_per_step = readings_per_step;
    plan.restore = restore;
    plan.timeout = seconds(timeout)?;
    let reads = plan.read_drfs.clone();
    let inner = backend.inner.clone();
    let raised: Arc<std::sync::Mutex<Option<PyErr>>> = Arc::default();
    let seen = Arc::clone(&raised);
    let step_drfs = reads.clone();
    let result = wait(py, async move {
        let stop = move |step: &[Result<pacsys::Reading, pacsys::Error>]| {
            let Some(abort_if) = &abort_if else {
                return false;
            };
            Python::attach(|py| {
                let dict = pyo3::types::PyDict::new(py);
                for (k, v) in step_pairs(&step_drfs, step) {
                    if let Err(e) = dict.set_item(k, v) {
                        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        return true;
                    }
                }
                match abort_if.call1(py, (dict,)).and_then(|v| v.is_truthy(py)) {
                    Ok(stop) => stop,
                    Err(e) => {
                        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        true
                    }
                }
            })
        };
        exp::scan(Arc::new(inner), &plan, stop).await
    })?
    .map_err(to_py)?;
    if let Some(e) = raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
        // The scan stopped (and restored) at the exception; it is raised to the caller.
        return Err(e);
    }
    Ok(PyScanResult {
        set_values: result.set_values.clone(),
        write_device: write_drf,
        read_devices: reads,
        inner: result,
    })
}

/// One device's collected readings (`pacsys.exp.ChannelData`).
#[pyclass(module = "pacsys_rs.exp", frozen, name = "ChannelData")]
pub struct PyChannelData {
    inner: ChannelData,
}

#[pymethods]
impl PyChannelData {
    /// The request.
    #[getter]
    fn drf(&self) -> &str {
        &self.inner.drf
    }

    /// Its readings, oldest first.
    #[getter]
    fn readings(&self) -> Readings {
        Readings::cloned(&self.inner.readings)
    }

    /// The numbers of the usable scalar readings.
    #[getter]
    fn values(&self) -> Vec<f64> {
        self.inner.values()
    }

    /// Mean of `values`.
    fn mean(&self) -> PyResult<f64> {
        self.inner.mean().map_err(to_py)
    }

    /// Median of `values`.
    fn median(&self) -> PyResult<f64> {
        self.inner.median().map_err(to_py)
    }

    /// Population standard deviation of `values`.
    fn std(&self) -> PyResult<f64> {
        self.inner.std().map_err(to_py)
    }

    /// Smallest value.
    fn min(&self) -> PyResult<f64> {
        self.inner.min().map_err(to_py)
    }

    /// Largest value.
    fn max(&self) -> PyResult<f64> {
        self.inner.max().map_err(to_py)
    }

    /// The readings stamped in `[start, end]` (timezone-aware datetimes; `None` is open).
    #[pyo3(signature = (start=None, end=None))]
    fn slice(&self, start: Option<SystemTime>, end: Option<SystemTime>) -> PyChannelData {
        PyChannelData {
            inner: self.inner.slice(start, end),
        }
    }

    /// The last `n` readings.
    fn last(&self, n: usize) -> Readings {
        Readings::cloned(self.inner.last(n))
    }

    fn __len__(&self) -> usize {
        self.inner.readings.len()
    }
}

fn channels(result: pacsys::exp::MonitorResult) -> Vec<(String, PyChannelData)> {
    result
        .channels
        .into_iter()
        .map(|c| (c.drf.clone(), PyChannelData { inner: c }))
        .collect()
}

/// A background collection (`pacsys_rs.exp.Monitor` wraps it).
#[pyclass(module = "pacsys_rs.exp", name = "_NativeMonitor")]
pub struct PyMonitor {
    inner: Option<Monitor>,
}

impl PyMonitor {
    fn monitor(&self) -> PyResult<&Monitor> {
        self.inner
            .as_ref()
            .ok_or_else(|| PyRuntimeError::new_err("the monitor was stopped"))
    }
}

#[pymethods]
impl PyMonitor {
    /// What was collected so far (the buffers keep it): (drf, ChannelData) pairs.
    fn snapshot(&self) -> PyResult<Vec<(String, PyChannelData)>> {
        Ok(channels(self.monitor()?.snapshot()))
    }

    /// What was collected so far, emptying the buffers.
    fn flush(&self) -> PyResult<Vec<(String, PyChannelData)>> {
        Ok(channels(self.monitor()?.flush()))
    }

    /// `(received, seconds since the last reading or None, stale)` for `drf`.
    fn health(&self, drf: &str) -> PyResult<(u64, Option<f64>, bool)> {
        let h = self
            .monitor()?
            .health(drf)
            .ok_or_else(|| PyValueError::new_err(format!("{drf} is not monitored")))?;
        Ok((h.received, h.since_last.map(|d| d.as_secs_f64()), h.stale))
    }

    /// Waits until every device has `count` readings buffered.
    fn wait_for(&self, py: Python<'_>, count: usize, timeout: f64) -> PyResult<()> {
        let t = seconds(Some(timeout))?.unwrap_or(Duration::from_secs(5));
        let m = self.monitor()?;
        wait(py, m.wait_for(count, t))?.map_err(to_py)
    }

    /// Stops and returns everything collected.
    fn stop(&mut self, py: Python<'_>) -> PyResult<Vec<(String, PyChannelData)>> {
        let m = self
            .inner
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("the monitor was stopped"))?;
        Ok(channels(wait(py, m.stop())?))
    }

    /// Whether it still collects.
    #[getter]
    fn running(&self) -> bool {
        self.inner.is_some()
    }
}

/// Starts a `Monitor` of `devices` on `backend`.
#[pyfunction]
#[pyo3(signature = (backend, devices, buffer_size=10_000, stale_after=None))]
pub fn exp_monitor(
    py: Python<'_>,
    backend: &PyBackend,
    devices: &Bound<'_, PyAny>,
    buffer_size: usize,
    stale_after: Option<f64>,
) -> PyResult<PyMonitor> {
    let drfs = drf_list(devices)?;
    let options = MonitorOptions {
        buffer_size,
        stale_after: seconds(stale_after)?,
    };
    let inner = backend.inner.clone();
    let m = wait(
        py,
        async move { Monitor::start(&inner, &drfs, options).await },
    )?
    .map_err(to_py)?;
    Ok(PyMonitor { inner: Some(m) })
}
