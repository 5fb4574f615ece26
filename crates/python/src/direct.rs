//! Blocking reads without a thread hop.
//!
//! A blocking `read`, `get`, `get_many` or `read_many` on a DPM backend (a device's too)
//! runs on the direct runtime ([`crate::runtime::direct_runtime`]), driven by the calling
//! Python thread with the GIL released, through a *twin* of the backend: a
//! [`DpmBackend::sibling`] whose pooled connections live on that runtime. The request is
//! written, and the reply read and decoded, on the caller's own thread: no worker is woken
//! and the caller is not woken by one (two cross-thread wake-ups fewer per read than on the
//! shared runtime). Streams, writes, gRPC, the fake and awaitables stay on the shared
//! runtime.
//!
//! A twin's connections are driven only while some thread is in a direct call; what
//! arrives in between (heartbeats, the server closing) waits in the socket and is handled
//! first at the next call, and a connection found closed then is replaced before anything
//! is sent on it (pacsys-dpm-core's pool).

use std::future::Future;
use std::sync::{Arc, Mutex, Weak};

use pacsys::{AnyBackend, DpmBackend};
use pyo3::prelude::*;

use crate::inner::{Inner, Resolved};
use crate::runtime::{block, direct_runtime, wait_on};

/// The twins, by the backend they stand in for (few entries: one per DPM backend that made
/// a blocking read).
static TWINS: Mutex<Vec<(Weak<AnyBackend>, Arc<AnyBackend>)>> = Mutex::new(Vec::new());

fn twins() -> std::sync::MutexGuard<'static, Vec<(Weak<AnyBackend>, Arc<AnyBackend>)>> {
    TWINS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The twin of a DPM backend (made on first use); `None` for any other backend, or when
/// the twin cannot be built (the caller then uses the backend itself).
fn twin_of(main: &Arc<AnyBackend>) -> Option<Arc<AnyBackend>> {
    let AnyBackend::Dpm(dpm) = &**main else {
        return None;
    };
    if dpm.is_closed() {
        // The backend itself answers: `ClosedError`.
        return None;
    }
    let mut all = twins();
    // Twins of dropped backends go (their connections end at this call's drive).
    all.retain(|(of, _)| of.strong_count() > 0);
    if let Some((_, t)) = all.iter().find(|(of, _)| of.as_ptr() == Arc::as_ptr(main)) {
        return Some(Arc::clone(t));
    }
    let twin = Arc::new(AnyBackend::Dpm(DpmBackend::sibling(dpm).ok()?));
    all.push((Arc::downgrade(main), Arc::clone(&twin)));
    Some(twin)
}

/// The backend a direct call goes through for `inner`: a DPM backend's twin (the default
/// backend's when it is DPM), else `None` (the call stays on the shared runtime).
pub fn twin(inner: &Inner) -> Option<Inner> {
    let main = match inner {
        Inner::Any(b) => Arc::clone(b),
        Inner::Default => match Inner::resolve_default().ok()? {
            Resolved::Any(b) => b,
            Resolved::Fake(_) => return None,
        },
        Inner::Fake(_) | Inner::Python(_) => return None,
    };
    twin_of(&main).map(Inner::Any)
}

/// Runs `make(backend)` as a blocking call (as [`crate::runtime::block`]): through
/// `inner`'s twin on the direct runtime when it has one, else through `inner` on the
/// shared runtime.
pub fn block_read<'py, T, F>(
    py: Python<'py>,
    inner: &Inner,
    make: impl FnOnce(Inner) -> F,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    F: Future<Output = PyResult<T>> + Send,
{
    use pyo3::IntoPyObjectExt as _;
    match twin(inner) {
        Some(t) => wait_on(direct_runtime()?, py, make(t))??.into_bound_py_any(py),
        None => block(py, make(inner.clone())),
    }
}

/// Drops the twin of `main` (its backend was closed) and lets its connections end now.
/// Outside any runtime only (a blocking `close()`); elsewhere they end at the next direct
/// call.
pub fn forget(py: Python<'_>, inner: &Inner) {
    let Inner::Any(main) = inner else {
        return;
    };
    let gone: Vec<_> = {
        let mut all = twins();
        let (gone, keep) = std::mem::take(&mut *all)
            .into_iter()
            .partition(|(of, _)| of.as_ptr() == Arc::as_ptr(main) || of.strong_count() == 0);
        *all = keep;
        gone
    };
    if gone.is_empty() || tokio::runtime::Handle::try_current().is_ok() {
        return;
    }
    let Ok(rt) = direct_runtime() else {
        return;
    };
    py.detach(|| {
        rt.block_on(async move {
            drop(gone);
            // The connections' tasks were woken by their handles' drop: a few turns of
            // the scheduler let them close their sockets.
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
        });
    });
}
