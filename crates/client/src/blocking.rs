//! The same API without async: a [`Client`] owns a private tokio runtime and blocks on the
//! async [`Backend`] (as the `postgres` crate does over `tokio-postgres`).
//!
//! Safe to call from a plain `main` and from any number of threads (`Client` is `Sync`).
//! Calling it from inside an async runtime would deadlock or panic, so that is detected and
//! refused with [`Error::Unsupported`]: use the async API there. Every call is bounded by
//! its timeout (or the backend's default) plus one second; on expiry the operation is
//! cancelled and [`Error::Timeout`] returned.
//!
//! ```no_run
//! use pacsys::blocking::Client;
//! use pacsys::{DpmBackend, Value};
//!
//! fn main() -> Result<(), pacsys::Error> {
//!     let client = Client::new(|| DpmBackend::builder().build())?;
//!     println!("{:?}", client.read("M:OUTTMP", None)?);
//!     client.write("G:AMANDA", Value::Scalar(12.5), None)?;
//!     for event in client.subscribe(&["M:OUTTMP@p,1000"])?.take(10) {
//!         println!("{event}");
//!     }
//!     Ok(())
//! }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use pacsys_types::{Event, Reading, Value};
use tokio::runtime::Runtime;

use crate::{Backend, Capabilities, Error, WriteResult};

/// The slack added to a call's timeout before the wrapper gives up on it.
const GRACE: Duration = Duration::from_secs(1);

/// Owns the runtime; shuts it down without blocking when the last user goes away (so
/// dropping a client inside an async context does not panic).
#[derive(Debug)]
struct RuntimeGuard(Option<Runtime>);

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl RuntimeGuard {
    /// Runs `fut` to completion on the runtime, refusing re-entrant use.
    fn block_on<F: Future>(&self, fut: F) -> Result<F::Output, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Unsupported {
                drf: String::new(),
                reason: "a blocking pacsys call was made inside an async runtime (it would deadlock); use the async Backend API there".into(),
            });
        }
        match &self.0 {
            Some(rt) => Ok(rt.block_on(fut)),
            None => Err(Error::Closed),
        }
    }
}

/// A blocking client over any [`Backend`].
///
/// ```no_run
/// use pacsys::blocking::Client;
/// use pacsys::GrpcBackend;
///
/// # fn main() -> Result<(), pacsys::Error> {
/// let client = Client::new(|| GrpcBackend::builder().build())?;
/// for r in client.get_many(&["M:OUTTMP", "G:AMANDA"], None)? {
///     println!("{r:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client<B: Backend> {
    // Declared first: dropped before the runtime.
    backend: B,
    runtime: Arc<RuntimeGuard>,
}

impl<B: Backend> Client<B> {
    /// Starts a private runtime (one worker thread, which also keeps subscriptions
    /// running between calls) and builds the backend inside it with `make`.
    pub fn new(make: impl FnOnce() -> Result<B, Error>) -> Result<Client<B>, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pacsys-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Backend {
                backend: "blocking",
                detail: format!("cannot start the private tokio runtime: {e}"),
            })?;
        let backend = {
            let _inside = runtime.enter();
            make()?
        };
        Ok(Client {
            backend,
            runtime: Arc::new(RuntimeGuard(Some(runtime))),
        })
    }

    /// The async backend, for what the blocking API does not cover.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Runs one call, bounded by `timeout` (or the backend's default) plus one second.
    fn call<T>(&self, timeout: Option<Duration>, fut: impl Future<Output = T>) -> Result<T, Error> {
        let limit = timeout.unwrap_or_else(|| self.backend.timeout()) + GRACE;
        self.runtime
            // The timer is created inside the runtime (outside it, tokio panics).
            .block_on(async move { tokio::time::timeout(limit, fut).await })?
            .map_err(|_| Error::Timeout {
                context: format!("for the blocking call (waited {limit:?})"),
            })
    }

    /// See [`Backend::read`].
    pub fn read(&self, drf: &str, timeout: Option<Duration>) -> Result<Value, Error> {
        self.call(timeout, self.backend.read(drf, timeout))?
    }

    /// See [`Backend::get`].
    pub fn get(&self, drf: &str, timeout: Option<Duration>) -> Result<Reading, Error> {
        self.call(timeout, self.backend.get(drf, timeout))?
    }

    /// See [`Backend::get_many`]. The outer `Err` means the call itself could not run
    /// (closed, called from an async context, over its time bound).
    pub fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Result<Vec<Result<Reading, Error>>, Error> {
        self.call(timeout, self.backend.get_many(drfs, timeout))
    }

    /// See [`Backend::write`].
    pub fn write(
        &self,
        drf: &str,
        value: Value,
        timeout: Option<Duration>,
    ) -> Result<WriteResult, Error> {
        self.call(timeout, self.backend.write(drf, value, timeout))?
    }

    /// See [`Backend::write_many`]; the outer `Err` as for [`Client::get_many`].
    pub fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> Result<Vec<Result<WriteResult, Error>>, Error> {
        self.call(timeout, self.backend.write_many(settings, timeout))
    }

    /// See [`Backend::subscribe`]. The subscription keeps running on the private runtime
    /// between reads of its iterator.
    pub fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        let sub = self.call(None, self.backend.subscribe(drfs))??;
        Ok(Subscription {
            inner: sub,
            runtime: Arc::clone(&self.runtime),
        })
    }

    /// See [`Backend::capabilities`].
    pub fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }

    /// See [`Backend::principal`].
    pub fn principal(&self) -> Result<Option<String>, Error> {
        self.backend.principal()
    }

    /// See [`Backend::close`]: ends the subscriptions, later calls give
    /// [`Error::Closed`].
    pub fn close(&self) -> Result<(), Error> {
        self.runtime.block_on(self.backend.close())
    }
}

/// A blocking subscription: an [`Iterator`] of [`Event`]s that ends after
/// [`Subscription::stop`], when the backend is closed, or when the backend gives up.
///
/// Iterating from inside an async runtime ends the iteration at once (use the async
/// [`crate::Subscription`] there).
#[derive(Debug)]
pub struct Subscription {
    inner: crate::Subscription,
    runtime: Arc<RuntimeGuard>,
}

impl Subscription {
    /// The next event, waiting at most `wait`: `Ok(Some(event))`, `Ok(None)` when the
    /// subscription has ended, [`Error::Timeout`] when nothing came in time.
    pub fn next_timeout(&mut self, wait: Duration) -> Result<Option<Event>, Error> {
        self.runtime
            .block_on(async { tokio::time::timeout(wait, self.inner.next()).await })?
            .map_err(|_| Error::Timeout {
                context: format!("for the next event (waited {wait:?})"),
            })
    }

    /// Stops the subscription (see [`crate::Subscription::stop`]).
    pub fn stop(&mut self) -> Result<(), Error> {
        self.runtime.block_on(self.inner.stop())
    }

    /// Readings dropped so far because the consumer fell behind.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped()
    }

    /// The subscribed DRFs, as given.
    pub fn drfs(&self) -> Vec<String> {
        self.inner.drfs()
    }
}

impl Iterator for Subscription {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.runtime.block_on(self.inner.next()).ok().flatten()
    }
}

/// Reads one DRF once with the process-wide default backend (see [`crate::read`]),
/// blocking the calling thread.
///
/// ```no_run
/// let temperature = pacsys::blocking::read("M:OUTTMP")?;
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn read(drf: &str) -> Result<Value, Error> {
    let drf = drf.to_owned();
    crate::global::block_on(None, |b| async move { b.read(&drf, None).await })
}

/// Reads one DRF once with the default backend and returns the whole reading
/// (see [`crate::get`]).
///
/// ```no_run
/// let reading = pacsys::blocking::get("M:OUTTMP")?;
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn get(drf: &str) -> Result<Reading, Error> {
    let drf = drf.to_owned();
    crate::global::block_on(None, |b| async move { b.get(&drf, None).await })
}

/// Reads several DRFs once with the default backend, one result per DRF in order
/// (see [`crate::get_many`]).
///
/// ```no_run
/// for r in pacsys::blocking::get_many(&["M:OUTTMP", "G:AMANDA"])? {
///     println!("{r:?}");
/// }
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn get_many<S: AsRef<str>>(drfs: &[S]) -> Result<Vec<Result<Reading, Error>>, Error> {
    let drfs: Vec<String> = drfs.iter().map(|d| d.as_ref().to_owned()).collect();
    crate::global::block_on(None, |b| async move { Ok(b.get_many(&drfs, None).await) })
}

/// Writes one setting with the default backend (see [`crate::write`]).
///
/// ```no_run
/// pacsys::blocking::write("G:AMANDA", pacsys::Value::Scalar(12.5))?;
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn write(drf: &str, value: Value) -> Result<WriteResult, Error> {
    let drf = drf.to_owned();
    crate::global::block_on(None, |b| async move { b.write(&drf, value, None).await })
}

/// Writes several settings with the default backend, one result per setting in order
/// (see [`crate::write_many`]).
///
/// ```no_run
/// use pacsys::Value;
/// let results = pacsys::blocking::write_many(&[("G:AMANDA", Value::Scalar(1.0))])?;
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn write_many<S: AsRef<str>>(
    settings: &[(S, Value)],
) -> Result<Vec<Result<WriteResult, Error>>, Error> {
    let settings: Vec<(String, Value)> = settings
        .iter()
        .map(|(d, v)| (d.as_ref().to_owned(), v.clone()))
        .collect();
    crate::global::block_on(
        None,
        |b| async move { Ok(b.write_many(&settings, None).await) },
    )
}
