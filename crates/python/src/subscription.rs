//! `Subscription`: a stream of readings that is an iterator, an async iterator (through
//! `pacsys_rs.aio`) and a context manager. Waiting releases the GIL; the Rust side never
//! takes the GIL to deliver (callbacks run on a Python thread, see `pacsys_rs.subscribe`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{FutureExt as _, StreamExt as _};
use pacsys::{Error, Event, Stopper, Subscription};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use tokio::sync::Mutex;

use crate::args::seconds;
use crate::reading::{PyReading, new_untracked};
use crate::runtime::wait;

/// Counters of what was not a reading.
#[derive(Default)]
struct Counts {
    gaps: AtomicU64,
    disconnects: AtomicU64,
    /// Readings the server or the queue reported dropped (`Event::Dropped`).
    dropped: AtomicU64,
    gap_seconds_micros: AtomicU64,
}

/// The reading an event carries (a device's error status as an error reading); the other
/// events are counted.
fn classify(event: Event, counts: &Counts) -> Option<PyReading> {
    match event {
        Event::Reading(r) => Some(PyReading::new(r)),
        Event::Error { drf, status } => Some(PyReading::failed(
            &drf,
            Error::device(drf.to_string(), status),
        )),
        Event::Disconnected { .. } => {
            counts.disconnects.fetch_add(1, Ordering::Relaxed);
            None
        }
        Event::Reconnected { gap } => {
            counts.gaps.fetch_add(1, Ordering::Relaxed);
            let us = u64::try_from(gap.as_micros()).unwrap_or(u64::MAX);
            counts.gap_seconds_micros.fetch_add(us, Ordering::Relaxed);
            None
        }
        Event::Dropped { count } => {
            counts.dropped.fetch_add(count, Ordering::Relaxed);
            None
        }
        _ => None,
    }
}

/// The `(reading, handle)` tuple a callback is called with, made once and refilled while
/// nobody else holds it: a fresh tuple per reading (made, tracked by the garbage collector,
/// untracked and freed) was a few per cent of the callback path's CPU (BENCHMARKS.md,
/// issue 27). The limited API (abi3-py39) has no vectorcall, so a call needs a tuple.
#[derive(Default)]
struct ArgsTuple<'py> {
    tuple: Option<Bound<'py, PyTuple>>,
}

impl<'py> ArgsTuple<'py> {
    /// `callback(first, second)`, reusing the tuple of the previous call when this is its
    /// only holder (a C callable may keep its argument tuple; then a new one is made).
    fn call(
        &mut self,
        callback: &Bound<'py, PyAny>,
        first: Bound<'py, PyAny>,
        second: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = callback.py();
        let ours_alone = self.tuple.take().filter(|tuple| {
            // SAFETY: `tuple` is a live object (a `Bound`: the thread is attached); reading
            // its reference count is always allowed.
            unsafe { pyo3::ffi::Py_REFCNT(tuple.as_ptr()) == 1 }
        });
        let tuple = match ours_alone {
            Some(tuple) => {
                // SAFETY: the tuple is alive and ours alone (reference count 1, checked
                // just above, with the thread attached), which is what `PyTuple_SetItem`
                // requires; index 0 exists (the tuple was made with two items). It steals
                // the reference `into_ptr` gives up and releases the item it replaces.
                let status =
                    unsafe { pyo3::ffi::PyTuple_SetItem(tuple.as_ptr(), 0, first.into_ptr()) };
                if status != 0 {
                    return Err(PyErr::fetch(py));
                }
                tuple
            }
            None => PyTuple::new(py, [first, second.clone()])?,
        };
        let out = callback.call1(&tuple);
        self.tuple = Some(tuple);
        out
    }
}

/// The most events a callback dispatcher takes from the stream at once.
const DISPATCH_BATCH: usize = 4096;

/// A live subscription. Iterate it (`for reading in sub:`) or call `next(timeout)`; each
/// item is a `Reading` (a device the server rejects gives a reading with its error status).
/// `dropped` counts readings lost because the consumer fell behind, `gaps` the reconnections
/// after the connection was lost.
#[pyclass(module = "pacsys_rs", frozen, name = "Subscription")]
pub struct PySubscription {
    sub: Arc<Mutex<Option<Subscription>>>,
    /// Ends the stream without the lock a pending `next()` holds, so `stop()` returns at
    /// once whatever the stream is doing; tells why it ended on its own.
    stopper: Stopper,
    counts: Arc<Counts>,
    drfs: Vec<String>,
    /// `dropped()` of the subscription when it was stopped.
    final_dropped: Arc<AtomicU64>,
}

impl PySubscription {
    pub fn new(sub: Subscription) -> PySubscription {
        PySubscription {
            drfs: sub.drfs(),
            stopper: sub.stopper(),
            sub: Arc::new(Mutex::new(Some(sub))),
            counts: Arc::new(Counts::default()),
            final_dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The next reading (or `None` when the stream ended or `timeout` passed).
    fn next_future(
        &self,
        timeout: Option<Duration>,
    ) -> impl std::future::Future<Output = Option<PyReading>> + Send + 'static {
        let (sub, counts) = (Arc::clone(&self.sub), Arc::clone(&self.counts));
        async move {
            let mut guard = sub.lock().await;
            let s = guard.as_mut()?;
            let next = async {
                loop {
                    if let Some(reading) = classify(s.next().await?, &counts) {
                        return Some(reading);
                    }
                }
            };
            match timeout {
                Some(t) => tokio::time::timeout(t, next).await.ok().flatten(),
                None => next.await,
            }
        }
    }

    /// A reading that is already waiting, taken without blocking (no GIL release, no
    /// timer): the fast path of a consumer that keeps up.
    fn ready(&self) -> Option<PyReading> {
        let mut guard = self.sub.try_lock().ok()?;
        let s = guard.as_mut()?;
        loop {
            let event = s.next().now_or_never()??;
            if let Some(reading) = classify(event, &self.counts) {
                return Some(reading);
            }
        }
    }

    /// Every event waiting now, or (when none is) the next one: the batch a callback
    /// dispatcher delivers under one GIL acquisition. Empty when the stream ended.
    fn batch_future(&self) -> impl std::future::Future<Output = Vec<Event>> + Send + 'static {
        let sub = Arc::clone(&self.sub);
        async move {
            let mut guard = sub.lock().await;
            let Some(s) = guard.as_mut() else {
                return Vec::new();
            };
            let Some(first) = s.next().await else {
                return Vec::new();
            };
            let mut batch = vec![first];
            while batch.len() < DISPATCH_BATCH {
                match s.next().now_or_never() {
                    Some(Some(event)) => batch.push(event),
                    _ => break,
                }
            }
            batch
        }
    }

    fn stop_future(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        // First the signal (no lock: a pending `next()` wakes and lets the lock go), then
        // the orderly stop that removes the list from the server.
        self.stopper.stop();
        let (sub, last) = (Arc::clone(&self.sub), Arc::clone(&self.final_dropped));
        async move {
            if let Some(mut s) = sub.lock().await.take() {
                last.store(s.dropped(), Ordering::Relaxed);
                s.stop().await;
            }
        }
    }
}

#[pymethods]
impl PySubscription {
    /// The next reading, waiting at most `timeout` seconds (forever when `None`); `None`
    /// when the subscription ended or the time passed.
    #[pyo3(signature = (timeout=None))]
    fn next<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyReading>>> {
        let reading = match self.ready() {
            Some(reading) => Some(reading),
            None => wait(py, self.next_future(seconds(timeout)?))?,
        };
        reading.map(|r| new_untracked(py, r)).transpose()
    }

    /// `next`, awaitable.
    #[pyo3(signature = (timeout=None))]
    fn next_async<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.next_future(seconds(timeout)?);
        pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(fut.await) })
    }

    /// Calls `callback(reading, handle)` for every reading until the stream ends (returns
    /// `None`; `exc` says why, if it failed). Runs on the calling thread: it waits with the
    /// GIL released and delivers what arrived meanwhile in one go under the GIL. An
    /// `Exception` a callback raises goes to `handle._callback_error` and to
    /// `on_error(exc, handle)`, and delivery goes on; any other exception ends it.
    #[pyo3(signature = (callback, handle, on_error=None))]
    fn _dispatch(
        &self,
        py: Python<'_>,
        callback: &Bound<'_, PyAny>,
        handle: &Bound<'_, PyAny>,
        on_error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let exception = py.get_type::<pyo3::exceptions::PyException>();
        let error_attr = pyo3::intern!(py, "_callback_error");
        let mut args = ArgsTuple::default();
        loop {
            let batch = wait(py, self.batch_future())?;
            if batch.is_empty() {
                return Ok(());
            }
            for event in batch {
                let Some(reading) = classify(event, &self.counts) else {
                    continue;
                };
                let reading = new_untracked(py, reading)?;
                if let Err(e) = args.call(callback, reading.into_any(), handle) {
                    if !e.is_instance(py, &exception) {
                        return Err(e);
                    }
                    let value = e.value(py);
                    if let Some(tb) = e.traceback(py) {
                        value.setattr(pyo3::intern!(py, "__traceback__"), tb)?;
                    }
                    handle.setattr(error_attr, value)?;
                    if let Some(on_error) = on_error {
                        on_error.call1((value, handle))?;
                    }
                }
            }
        }
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyReading>>> {
        self.next(py, None)
    }

    /// Ends the subscription (its list is removed from the server).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let fut = self.stop_future();
        wait(py, fut)
    }

    /// `stop`, awaitable.
    fn stop_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.stop_future();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            fut.await;
            Ok(())
        })
    }

    /// Whether `stop()` was called.
    #[getter]
    fn stopped(&self) -> bool {
        self.stopper.is_stopped()
            || match self.sub.try_lock() {
                Ok(g) => g.is_none(),
                Err(_) => false,
            }
    }

    /// The error that ended the stream for good (it ended without `stop()`, its backend's
    /// `close()` or `stop_streaming()`), else `None`.
    #[getter]
    fn exc(&self) -> Option<PyErr> {
        self.stopper.end_reason().map(crate::errors::to_py)
    }

    /// Readings lost because this consumer fell behind (the newest are kept).
    #[getter]
    fn dropped(&self) -> u64 {
        let live = match self.sub.try_lock() {
            Ok(g) => g.as_ref().map(Subscription::dropped),
            Err(_) => None,
        };
        live.unwrap_or_else(|| self.final_dropped.load(Ordering::Relaxed))
            .max(self.counts.dropped.load(Ordering::Relaxed))
    }

    /// Reconnections after a lost connection (each one a gap in the data).
    #[getter]
    fn gaps(&self) -> u64 {
        self.counts.gaps.load(Ordering::Relaxed)
    }

    /// Total length of the gaps, in seconds.
    #[getter]
    fn gap_seconds(&self) -> f64 {
        self.counts.gap_seconds_micros.load(Ordering::Relaxed) as f64 / 1e6
    }

    /// Times the connection was lost.
    #[getter]
    fn disconnects(&self) -> u64 {
        self.counts.disconnects.load(Ordering::Relaxed)
    }

    /// The requests, as given.
    #[getter]
    fn drfs(&self) -> Vec<String> {
        self.drfs.clone()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }
}
