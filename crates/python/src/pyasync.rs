//! An `AsyncBackend` subclass written in Python, seen from Rust as a [`pacsys::Backend`]:
//! each call invokes the object's coroutine method and awaits it on the event loop of the
//! asyncio task that made the call (never on a Rust thread), so `AsyncDevice`, the aio
//! module functions and the write rules (verify, control, alarm fields) work over it.
//! Results come back as the facade's types; an exception the Python code raises travels as
//! the error's source and reaches the caller unchanged.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::sync::atomic::AtomicU64;

use pacsys::subscription::{EndReason, Registry};
use pacsys::{Capabilities, Error, Event, Reading, Status, Subscription, Value, WriteResult};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::convert::{value_from_py, value_to_py};
use crate::errors::from_py;
use crate::reading::{PyReading, PyWriteResult};

/// A Python `AsyncBackend` object.
pub struct PyAsyncBackend {
    obj: Py<PyAny>,
    /// Its `timeout` attribute when it has a numeric one, else 5 s.
    timeout: Duration,
    /// The event loop that runs its coroutines when the caller is not on one (the
    /// supervised server's own loop); a call from asyncio uses the caller's loop.
    home: Option<pyo3_async_runtimes::TaskLocals>,
    /// Its subscriptions as the facade sees them (ended by `stop_streaming` and `close`).
    subscriptions: Registry,
}

impl PyAsyncBackend {
    /// Wraps `obj` (an `AsyncBackend` instance).
    pub fn new(obj: &Bound<'_, PyAny>) -> PyAsyncBackend {
        let timeout = obj
            .getattr("timeout")
            .ok()
            .and_then(|t| t.extract::<f64>().ok())
            .and_then(|t| Duration::try_from_secs_f64(t).ok())
            .unwrap_or(Duration::from_secs(5));
        PyAsyncBackend {
            obj: obj.clone().unbind(),
            timeout,
            home: None,
            subscriptions: Registry::new(),
        }
    }

    /// Wraps `obj`, whose coroutines run on `event_loop` when the caller has no loop.
    pub fn on_loop(obj: &Bound<'_, PyAny>, event_loop: &Bound<'_, PyAny>) -> PyAsyncBackend {
        let mut b = PyAsyncBackend::new(obj);
        b.home = Some(pyo3_async_runtimes::TaskLocals::new(event_loop.clone()));
        b
    }

    /// The Python object.
    pub fn object(&self) -> &Py<PyAny> {
        &self.obj
    }

    /// Calls `method(*args)` and awaits the coroutine it returns on the caller's event loop.
    async fn call(
        &self,
        method: &'static str,
        args: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
    ) -> Result<Py<PyAny>, Error> {
        self.call_within(method, None, args).await
    }

    /// `call`, answered within `timeout` (default: the backend's): a coroutine that does not
    /// finish in time is a timeout error for the caller (it is left to finish on its loop).
    async fn call_within(
        &self,
        method: &'static str,
        timeout: Option<Duration>,
        args: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
    ) -> Result<Py<PyAny>, Error> {
        let fut = Python::attach(|py| {
            let locals = self.locals(py)?;
            let coro = self.obj.bind(py).call_method1(method, args(py)?)?;
            pyo3_async_runtimes::into_future_with_locals(&locals, coro)
        })
        .map_err(from_py)?;
        let limit = timeout.unwrap_or(self.timeout);
        match tokio::time::timeout(limit, fut).await {
            Ok(out) => out.map_err(from_py),
            Err(_) => {
                Err(Error::timeout(format!("the Python backend's {method}()")).with_elapsed(limit))
            }
        }
    }

    /// The event loop its coroutines run on for this call.
    fn locals(&self, py: Python<'_>) -> PyResult<pyo3_async_runtimes::TaskLocals> {
        match &self.home {
            Some(home) => Ok(home.clone()),
            None => pyo3_async_runtimes::tokio::get_current_locals(py),
        }
    }

    /// Subscribes with the object's own `subscribe(drfs)` and streams what its handle's
    /// `readings()` yields, as facade events (awaited on the same loop). The stream ends
    /// when the handle's readings end; an exception they raise is the end reason. Stopping
    /// the subscription stops the handle.
    pub async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        let names: Vec<String> = drfs.iter().map(|d| d.as_ref().to_owned()).collect();
        let handle = self
            .call("subscribe", |py| {
                (PyList::new(py, &names)?,).into_pyobject(py)
            })
            .await?;
        let stream = Python::attach(|py| -> PyResult<PyStream> {
            let agen = handle.bind(py).call_method0("readings")?.unbind();
            Ok(PyStream {
                agen,
                handle,
                locals: self.locals(py)?,
            })
        })
        .map_err(from_py)?;
        let end = EndReason::new();
        let ends = end.clone();
        let events = futures::stream::unfold((stream, ends), |(st, ends)| async move {
            let next = Python::attach(|py| {
                let coro = st.agen.bind(py).call_method0("__anext__")?;
                pyo3_async_runtimes::into_future_with_locals(&st.locals, coro)
            });
            let item = match next {
                Ok(fut) => fut.await,
                Err(e) => Err(e),
            };
            let reading = item.and_then(|item| {
                Python::attach(|py| {
                    let item = item.bind(py);
                    match item.cast::<PyTuple>() {
                        Ok(t) => reading_from_py(&t.get_item(0)?),
                        Err(_) => reading_from_py(item),
                    }
                })
            });
            match reading {
                Ok(r) => Some((Event::Reading(r), (st, ends))),
                Err(e) => {
                    let finished = Python::attach(|py| {
                        e.is_instance_of::<pyo3::exceptions::PyStopAsyncIteration>(py)
                    });
                    if !finished {
                        ends.set(from_py(e));
                    }
                    None
                }
            }
        });
        Ok(self.subscriptions.register_stream_with_end(
            names,
            events,
            Arc::new(AtomicU64::new(0)),
            end,
        ))
    }

    pub async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        let names: Vec<String> = drfs.iter().map(|d| d.as_ref().to_owned()).collect();
        let n = names.len();
        let out = self
            .call_within("get_many", timeout, |py| {
                (PyList::new(py, &names)?, secs(timeout)).into_pyobject(py)
            })
            .await
            .and_then(|list| {
                Python::attach(|py| -> PyResult<Vec<Reading>> {
                    list.bind(py)
                        .try_iter()?
                        .map(|r| reading_from_py(&r?))
                        .collect()
                })
                .map_err(from_py)
            });
        match out {
            Ok(readings) if readings.len() == n => readings.into_iter().map(Ok).collect(),
            Ok(readings) => {
                let e = Error::protocol(format!(
                    "a Python backend's get_many returned {} readings for {n} DRFs",
                    readings.len()
                ));
                (0..n).map(|_| Err(e.clone())).collect()
            }
            Err(e) => (0..n).map(|_| Err(e.clone())).collect(),
        }
    }

    pub async fn get(&self, drf: &str, timeout: Option<Duration>) -> Result<Reading, Error> {
        let r = self
            .call_within("get", timeout, |py| (drf, secs(timeout)).into_pyobject(py))
            .await?;
        Python::attach(|py| reading_from_py(r.bind(py))).map_err(from_py)
    }

    pub async fn read(&self, drf: &str, timeout: Option<Duration>) -> Result<Value, Error> {
        let v = self
            .call_within("read", timeout, |py| (drf, secs(timeout)).into_pyobject(py))
            .await?;
        Python::attach(|py| value_from_py(v.bind(py))).map_err(from_py)
    }

    pub async fn write(
        &self,
        drf: &str,
        value: Value,
        timeout: Option<Duration>,
    ) -> Result<WriteResult, Error> {
        let r = self
            .call_within("write", timeout, |py| {
                (drf, value_to_py(py, &value)?, secs(timeout)).into_pyobject(py)
            })
            .await?;
        Python::attach(|py| write_result_from_py(r.bind(py))).map_err(from_py)
    }

    pub async fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> Vec<Result<WriteResult, Error>> {
        let n = settings.len();
        let out = self
            .call_within("write_many", timeout, |py| {
                let pairs = settings
                    .iter()
                    .map(|(d, v)| (d.as_ref(), value_to_py(py, v)?).into_pyobject(py))
                    .collect::<PyResult<Vec<_>>>()?;
                (PyList::new(py, pairs)?, secs(timeout)).into_pyobject(py)
            })
            .await
            .and_then(|list| {
                Python::attach(|py| -> PyResult<Vec<WriteResult>> {
                    list.bind(py)
                        .try_iter()?
                        .map(|r| write_result_from_py(&r?))
                        .collect()
                })
                .map_err(from_py)
            });
        match out {
            Ok(results) if results.len() == n => results.into_iter().map(Ok).collect(),
            Ok(results) => {
                let e = Error::protocol(format!(
                    "a Python backend's write_many returned {} results for {n} settings",
                    results.len()
                ));
                (0..n).map(|_| Err(e.clone())).collect()
            }
            Err(e) => (0..n).map(|_| Err(e.clone())).collect(),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn capabilities(&self) -> Capabilities {
        Python::attach(|py| {
            self.obj
                .bind(py)
                .getattr("capabilities")
                .and_then(|c| c.getattr("value").unwrap_or(c).extract::<u32>())
                .map(Capabilities::from_bits_truncate)
                .unwrap_or_else(|_| Capabilities::empty())
        })
    }

    pub fn principal(&self) -> Result<Option<String>, Error> {
        Python::attach(|py| self.obj.bind(py).getattr("principal")?.extract()).map_err(from_py)
    }

    pub async fn close(&self) {
        self.subscriptions.close();
        let _ = self.call("close", |py| Ok(PyTuple::empty(py))).await;
    }

    pub async fn stop_streaming(&self) {
        self.subscriptions.end_all();
        let _ = self
            .call("stop_streaming", |py| Ok(PyTuple::empty(py)))
            .await;
    }
}

/// A Python subscription handle being read from Rust; dropping it stops the handle (on
/// its loop).
struct PyStream {
    agen: Py<PyAny>,
    handle: Py<PyAny>,
    locals: pyo3_async_runtimes::TaskLocals,
}

impl Drop for PyStream {
    fn drop(&mut self) {
        Python::attach(|py| {
            let stop = || -> PyResult<()> {
                let coro = self.handle.bind(py).call_method0("stop")?;
                if coro.hasattr("__await__")? {
                    py.import("asyncio")?.call_method1(
                        "run_coroutine_threadsafe",
                        (coro, self.locals.event_loop(py)),
                    )?;
                }
                Ok(())
            };
            // A handle that cannot be stopped is ended by its own backend's close.
            let _ = stop();
        });
    }
}

fn secs(t: Option<Duration>) -> Option<f64> {
    t.map(|d| d.as_secs_f64())
}

/// A reading a Python backend returned: a `pacsys_rs.Reading` as it is, or any object
/// with pacsys's `Reading` fields (`drf`, `value`, `facility_code`, `error_code`,
/// `timestamp`, `cycle`).
pub fn reading_from_py(r: &Bound<'_, PyAny>) -> PyResult<Reading> {
    if let Ok(ours) = r.cast::<PyReading>() {
        return Ok(ours.get().inner.clone());
    }
    let drf: String = r.getattr("drf")?.extract()?;
    let status = status_of(r)?;
    let mut reading = Reading::new(Arc::from(drf), status);
    let value = r.getattr("value")?;
    if !value.is_none() {
        reading = reading.with_value(value_from_py(&value)?);
    }
    if let Ok(ts) = r.getattr("timestamp")
        && !ts.is_none()
    {
        let secs: f64 = ts.call_method0("timestamp")?.extract()?;
        let t = Duration::try_from_secs_f64(secs.max(0.0))
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        reading = reading.with_timestamp(Some(t));
    }
    if let Ok(c) = r.getattr("cycle") {
        reading = reading.with_cycle(c.extract::<Option<i64>>().unwrap_or(None));
    }
    Ok(reading)
}

/// A write result a Python backend returned (a `pacsys_rs.WriteResult`, or any object with
/// `drf`, `facility_code`, `error_code`).
pub fn write_result_from_py(r: &Bound<'_, PyAny>) -> PyResult<WriteResult> {
    if let Ok(ours) = r.cast::<PyWriteResult>() {
        return Ok(ours.get().inner.clone());
    }
    let drf: String = r.getattr("drf")?.extract()?;
    Ok(WriteResult::new(drf, status_of(r)?))
}

fn status_of(r: &Bound<'_, PyAny>) -> PyResult<Status> {
    let code = |name: &str| -> PyResult<i64> {
        match r.getattr(name) {
            Ok(v) if !v.is_none() => v.extract(),
            _ => Ok(0),
        }
    };
    let facility = u8::try_from(code("facility_code")?).unwrap_or(u8::MAX);
    let error = i8::try_from(code("error_code")?).unwrap_or(i8::MIN);
    Ok(Status::new(facility, error))
}
