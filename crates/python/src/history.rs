//! `pacsys_rs.history.since`'s native side: `pacsys::history::since` (history, then live,
//! as one subscription) over the python crate's backend.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys::history::{self, SinceOptions};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::args::seconds;
use crate::backend::PyBackend;
use crate::errors::IntoPy;
use crate::runtime::call;
use crate::subscription::PySubscription;

/// Starts `drf`'s history from `start` (seconds since the Unix epoch), then its live
/// readings, as one native subscription; an awaitable when `aio`.
#[pyfunction]
#[pyo3(signature = (backend, drf, start, window=None, retries=None, timeout=None, aio=false))]
#[allow(clippy::too_many_arguments)]
pub fn history_since<'py>(
    py: Python<'py>,
    backend: &PyBackend,
    drf: String,
    start: f64,
    window: Option<f64>,
    retries: Option<u32>,
    timeout: Option<f64>,
    aio: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let start = Duration::try_from_secs_f64(start)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| PyValueError::new_err(format!("start {start} is not a time after 1970")))?;
    let mut options = SinceOptions::default();
    if let Some(w) = seconds(window)? {
        options.window = w;
    }
    if let Some(n) = retries {
        options.retries = n;
    }
    options.timeout = seconds(timeout)?;
    let inner = Arc::new(backend.inner.clone());
    let fut = async move { since(inner, drf, start, options).await };
    call(py, aio, fut)
}

async fn since(
    backend: Arc<crate::backend::Inner>,
    drf: String,
    start: SystemTime,
    options: SinceOptions,
) -> PyResult<PySubscription> {
    history::since(backend, &drf, start, options)
        .await
        .map(PySubscription::new)
        .py_err()
}
