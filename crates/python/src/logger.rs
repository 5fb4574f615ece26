//! `pacsys_rs.exp.DataLogger`'s native half: one subscription drained on a thread of its
//! own into the log. For `ParquetWriter` and `CsvWriter` the events go straight from the
//! subscription into the file in Rust (no reading becomes a Python object, the GIL is never
//! taken); for a writer written in Python they are buffered here and handed over as
//! `Reading`s in batches (`take`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use futures::StreamExt;
use pacsys::{Backend, Error, Event, Stopper, Subscription};
use pacsys_record::{RecordOptions, Recorder};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::args::drf_list;
use crate::backend::PyBackend;
use crate::csv_log::CsvLog;
use crate::errors::to_py;
use crate::reading::{PyReading, Readings};
use crate::runtime::{runtime, wait};

/// Where the events go.
enum Sink {
    /// The pacsys-record dataset (crash-safe part files).
    Parquet(Box<Recorder>),
    /// pacsys's CSV columns, flushed to the file every flush interval.
    Csv(CsvLog),
    /// Readings kept for the Python writer (`take`).
    Python,
}

/// Why the log stopped writing (a failed file write).
struct WriterFailure {
    message: String,
    io: bool,
}

/// What the logging thread and the Python side share.
#[derive(Default)]
struct Shared {
    /// Readings received (device errors included).
    readings: AtomicU64,
    /// Readings the subscription dropped because its buffer was full (`Event::Dropped`).
    dropped: AtomicU64,
    /// Rows written (Parquet: every event; CSV: readings and device errors).
    rows: AtomicU64,
    /// The thread has ended.
    done: AtomicBool,
    /// For a Python writer: the events carrying a reading, not yet taken.
    buffer: Mutex<Vec<Event>>,
    writer_error: Mutex<Option<WriterFailure>>,
    /// Why the subscription ended on its own (not by `stop`).
    stream_error: Mutex<Option<Error>>,
}

impl Shared {
    /// Counts `event`; true when it carries a reading (or a device's error).
    fn count(&self, event: &Event) -> bool {
        match event {
            Event::Reading(_) | Event::Error { .. } => {
                self.readings.fetch_add(1, Ordering::Relaxed);
                true
            }
            Event::Dropped { count } => {
                self.dropped.fetch_add(*count, Ordering::Relaxed);
                false
            }
            _ => false,
        }
    }

    fn fail(&self, message: String, io: bool) {
        let mut slot = self.writer_error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(WriterFailure { message, io });
        }
    }
}

/// Drains `sub` into `sink` until it ends (stopped, or failed on its own).
async fn drain(mut sub: Subscription, sink: Sink, interval: Duration, shared: &Shared) {
    match sink {
        Sink::Parquet(mut recorder) => {
            let events = (&mut sub).inspect(|e| {
                shared.count(e);
            });
            let recorded = recorder.record(events).await;
            shared.rows.store(recorder.stats().rows, Ordering::Relaxed);
            let finished = (*recorder).finish();
            if let Err(e) = recorded.and(finished) {
                let io = matches!(e, pacsys_record::RecordError::Io { .. });
                shared.fail(e.to_string(), io);
            }
        }
        Sink::Csv(mut csv) => {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            let outcome: std::io::Result<()> = async {
                loop {
                    tokio::select! {
                        biased;
                        _ = tick.tick() => csv.flush()?,
                        event = sub.next() => match event {
                            Some(e) => {
                                shared.count(&e);
                                if csv.write(&e)? {
                                    shared.rows.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            None => break,
                        },
                    }
                }
                csv.flush()
            }
            .await;
            if let Err(e) = outcome {
                shared.fail(format!("{}: {e}", csv.path().display()), true);
            }
        }
        Sink::Python => {
            while let Some(e) = sub.next().await {
                if shared.count(&e) {
                    shared
                        .buffer
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(e);
                }
            }
        }
    }
    if let Some(e) = sub.end_reason() {
        *shared
            .stream_error
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(e);
    }
    // Release the connection before saying the thread is done.
    sub.stop().await;
}

/// A running log (`pacsys_rs.exp.DataLogger` drives it).
#[pyclass(module = "pacsys_rs.exp", frozen, name = "_NativeLogger")]
pub struct PyLogger {
    stopper: Stopper,
    thread: Mutex<Option<JoinHandle<()>>>,
    shared: Arc<Shared>,
}

#[pymethods]
impl PyLogger {
    /// The readings received since the last call, as `Reading`s (a Python writer's batch;
    /// empty for the Rust writers).
    fn take(&self) -> Readings {
        let events =
            std::mem::take(&mut *self.shared.buffer.lock().unwrap_or_else(|p| p.into_inner()));
        Readings(
            events
                .into_iter()
                .filter_map(|e| match e {
                    Event::Reading(r) => Some(PyReading::new(r)),
                    Event::Error { drf, status } => Some(PyReading::failed(
                        &drf,
                        Error::device(drf.to_string(), status),
                    )),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Ends the subscription and waits (GIL released) until everything received is written
    /// and the file is complete. Idempotent.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        self.stopper.stop();
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            py.detach(|| h.join())
                .map_err(|_| PyRuntimeError::new_err("the DataLogger's thread panicked"))?;
        }
        Ok(())
    }

    /// Whether it still logs (the subscription runs and the writer has not failed).
    #[getter]
    fn running(&self) -> bool {
        !self.shared.done.load(Ordering::Acquire)
    }

    /// Readings received (device errors included).
    #[getter]
    fn readings(&self) -> u64 {
        self.shared.readings.load(Ordering::Relaxed)
    }

    /// Readings the subscription dropped because its buffer was full.
    #[getter]
    fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Rows written by a Rust writer (Parquet: known once stopped; CSV: as written).
    #[getter]
    fn rows(&self) -> u64 {
        self.shared.rows.load(Ordering::Relaxed)
    }

    /// The Rust writer's failure, as an exception (`OSError` for a file system error).
    #[getter]
    fn writer_error(&self) -> Option<PyErr> {
        let slot = self
            .shared
            .writer_error
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map(|f| {
            if f.io {
                PyOSError::new_err(f.message.clone())
            } else {
                PyRuntimeError::new_err(f.message.clone())
            }
        })
    }

    /// Why the subscription ended on its own (not by `stop`), as an exception.
    #[getter]
    fn stream_error(&self) -> Option<PyErr> {
        let slot = self
            .shared
            .stream_error
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        slot.clone().map(to_py)
    }
}

/// Starts logging `devices` on `backend` into `kind` (`"parquet"`, `"csv"` or `"python"`)
/// at `path`. A Parquet dataset closes a part file every `flush_interval` seconds (what a
/// SIGKILL can lose); a CSV file is flushed to the operating system as often.
#[pyfunction]
#[pyo3(signature = (backend, devices, kind, path=None, flush_interval=5.0, overwrite=false))]
pub fn exp_logger(
    py: Python<'_>,
    backend: &PyBackend,
    devices: &Bound<'_, PyAny>,
    kind: &str,
    path: Option<PathBuf>,
    flush_interval: f64,
    overwrite: bool,
) -> PyResult<PyLogger> {
    let drfs = drf_list(devices)?;
    let interval = Duration::try_from_secs_f64(flush_interval)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "flush_interval must be > 0 seconds, not {flush_interval}"
            ))
        })?;
    let need_path = || {
        path.clone()
            .ok_or_else(|| PyValueError::new_err(format!("a {kind} log needs a path")))
    };
    // The file first: a path that cannot be written fails `start()` before subscribing.
    let sink = match kind {
        "parquet" => {
            let options = RecordOptions::default()
                .group_interval(interval)
                .overwrite(overwrite);
            let recorder = Recorder::create(need_path()?, options).map_err(|e| match e {
                pacsys_record::RecordError::Io { .. }
                | pacsys_record::RecordError::Exists { .. } => PyOSError::new_err(e.to_string()),
                other => PyRuntimeError::new_err(other.to_string()),
            })?;
            Sink::Parquet(Box::new(recorder))
        }
        "csv" => {
            let p = need_path()?;
            Sink::Csv(
                CsvLog::create(&p)
                    .map_err(|e| PyOSError::new_err(format!("{}: {e}", p.display())))?,
            )
        }
        "python" => Sink::Python,
        other => {
            return Err(PyValueError::new_err(format!(
                "log kind {other:?}: expected \"parquet\", \"csv\" or \"python\""
            )));
        }
    };
    let inner = backend.inner.clone();
    let sub = wait(py, async move { inner.subscribe(&drfs).await })?.map_err(to_py)?;
    let stopper = sub.stopper();
    let shared = Arc::new(Shared::default());
    let rt = runtime()?;
    let thread_shared = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("pacsys-logger".into())
        .spawn(move || {
            rt.block_on(drain(sub, sink, interval, &thread_shared));
            thread_shared.done.store(true, Ordering::Release);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the logging thread: {e}")))?;
    Ok(PyLogger {
        stopper,
        thread: Mutex::new(Some(thread)),
        shared,
    })
}
