//! The tokio runtimes calls run on, and the blocking wait that still sees Ctrl-C.
//!
//! * The shared runtime (two workers): streams, writes, asyncio awaitables, and every
//!   blocking call except the reads below.
//! * The direct runtime (current-thread, no threads of its own): blocking DPM reads
//!   (`crate::direct`). It runs only inside a blocking call, on the calling Python thread,
//!   so such a read writes its request and takes its reply on that thread: no wake-up
//!   crosses threads.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
static DIRECT: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// How often a blocking wait looks for a pending signal (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// The runtime (two worker threads named `pacsys-py`), started on first use.
pub fn runtime() -> PyResult<&'static Runtime> {
    let rt = RUNTIME.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pacsys-py")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the tokio runtime of pacsys_rs: {e}"))?;
        Ok(rt)
    });
    match rt {
        Ok(rt) => Ok(rt),
        Err(e) => Err(PyRuntimeError::new_err(e.clone())),
    }
}

/// The direct runtime (current-thread), started on first use: driven only by the blocking
/// calls that run on it, one thread at a time (another thread's call waits its turn while
/// its own I/O is driven by the thread holding the runtime).
pub fn direct_runtime() -> PyResult<&'static Runtime> {
    let rt = DIRECT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the direct tokio runtime of pacsys_rs: {e}"))
    });
    match rt {
        Ok(rt) => Ok(rt),
        Err(e) => Err(PyRuntimeError::new_err(e.clone())),
    }
}

/// Registers the runtime with pyo3-async-runtimes (once), so awaitables run on it.
pub fn init_async() -> PyResult<()> {
    let rt = runtime()?;
    // A second call finds it registered already: nothing to do.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(())
}

/// Runs `fut` to completion on the runtime with the GIL released. A signal handler that
/// raises (Ctrl-C's `KeyboardInterrupt`) ends the wait with that exception; the future is
/// dropped, which cancels the call.
pub fn wait<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send,
{
    wait_on(runtime()?, py, fut)
}

/// A call's future, boxed, with its output type erased: the runtime's machinery
/// (`block_on`, a spawned task's harness) is then compiled once rather than once per call's
/// future type, which took about a quarter of the extension's compiled code (BENCHMARKS.md,
/// "Cold build times"). Two small allocations per call.
type Erased<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`wait`] on `rt`.
pub fn wait_on<T, F>(rt: &Runtime, py: Python<'_>, fut: F) -> PyResult<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send,
{
    let erased: Erased<'_, Box<dyn Any + Send>> =
        Box::pin(async move { Box::new(fut.await) as Box<dyn Any + Send> });
    let out = wait_erased(rt, py, erased)?;
    match out.downcast::<T>() {
        Ok(out) => Ok(*out),
        Err(_) => Err(PyRuntimeError::new_err(
            "pacsys_rs internal error: a call's output changed type",
        )),
    }
}

#[inline(never)]
fn wait_erased(
    rt: &Runtime,
    py: Python<'_>,
    fut: Erased<'_, Box<dyn Any + Send>>,
) -> PyResult<Box<dyn Any + Send>> {
    py.detach(|| {
        rt.block_on(async move {
            let mut fut = fut;
            loop {
                tokio::select! {
                    out = &mut fut => return Ok(out),
                    () = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

/// A call as a blocking Python call: `fut` runs to completion with the GIL released, then
/// its output becomes a Python object.
pub fn block<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    F: Future<Output = PyResult<T>> + Send,
{
    use pyo3::IntoPyObjectExt as _;
    wait(py, fut)??.into_bound_py_any(py)
}

/// The same call as an asyncio awaitable on the running loop (cancelling the asyncio task
/// drops `fut`, which cancels the call).
pub fn awaitable<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    F: Future<Output = PyResult<T>> + Send + 'static,
{
    use pyo3::IntoPyObjectExt as _;
    let fut: Erased<'static, PyResult<Py<PyAny>>> = Box::pin(async move {
        let out = fut.await?;
        Python::attach(|py| out.into_py_any(py))
    });
    pyo3_async_runtimes::tokio::future_into_py(py, fut)
}

/// The call as a blocking call or, with `aio`, as an awaitable.
pub fn call<'py, T, F>(py: Python<'py>, aio: bool, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    F: Future<Output = PyResult<T>> + Send + 'static,
{
    if aio {
        awaitable(py, fut)
    } else {
        block(py, fut)
    }
}
