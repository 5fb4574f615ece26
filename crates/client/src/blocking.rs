//! The same API without async: a [`Client`] owns a private tokio runtime and blocks on the
//! async [`Backend`] (as the `postgres` crate does over `tokio-postgres`).
//!
//! Safe to call from a plain `main` and from any number of threads (`Client` is `Sync`).
//! Calling it from inside an async runtime would deadlock or panic, so that is detected and
//! refused with an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error: use the
//! async API there. Every call is bounded by its timeout (or the backend's default) plus one
//! second; on expiry the operation is cancelled and an
//! [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error returned.
//!
//! ```
//! use pacsys::blocking::Client;
//! use pacsys::{DpmBackend, Value};
//!
//! fn main() -> Result<(), pacsys::Error> {
//! #   let rt = tokio::runtime::Runtime::new().unwrap(); // the fake server runs here
//! #   let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start()).unwrap();
//! #   // SAFETY: no other thread reads the environment meanwhile.
//! #   unsafe {
//! #       std::env::set_var("PACSYS_DPM_HOST", "127.0.0.1");
//! #       std::env::set_var("PACSYS_DPM_PORT", server.port().to_string());
//! #   }
//!     let client = Client::new(|| DpmBackend::builder().build())?;
//!     println!("{:?}", client.read("M:OUTTMP", None)?);
//!     client.write("G:AMANDA", Value::Scalar(12.5), None)?;
//!     for event in client.subscribe(&["M:OUTTMP@p,100"])?.take(10) {
//!         println!("{event}");
//!     }
//! #   assert_eq!(client.read("G:AMANDA", None)?, Value::Scalar(12.5));
//! #   drop(client);
//! #   rt.block_on(server.shutdown());
//!     Ok(())
//! }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use pacsys_types::{Event, Reading, Value};
use tokio::runtime::Runtime;

use crate::runtime::private_runtime;
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
            return Err(Error::unsupported(
                "",
                "a blocking pacsys call was made inside an async runtime (it would deadlock); use the async Backend API there",
            ));
        }
        match &self.0 {
            Some(rt) => Ok(rt.block_on(fut)),
            None => Err(Error::closed()),
        }
    }
}

/// A blocking client over any [`Backend`].
///
/// ```
/// use pacsys::blocking::Client;
/// use pacsys::GrpcBackend;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here
/// # let server = rt.block_on(pacsys_sim::FakeDaqServer::builder().start())?;
/// # // SAFETY: no other thread reads the environment meanwhile.
/// # unsafe {
/// #     std::env::set_var("PACSYS_GRPC_HOST", "127.0.0.1");
/// #     std::env::set_var("PACSYS_GRPC_PORT", server.port().to_string());
/// # }
/// let client = Client::new(|| GrpcBackend::builder().build())?;
/// for r in client.get_many(&["M:OUTTMP", "G:AMANDA"], None)? {
///     println!("{r:?}");
/// }
/// # let values: Vec<_> = client.get_many(&["M:OUTTMP", "G:AMANDA"], None)?
/// #     .into_iter().map(|r| r.ok().and_then(|r| r.value)).collect();
/// # assert_eq!(values, [Some(pacsys::Value::Scalar(72.5)), Some(pacsys::Value::Scalar(42.0))]);
/// # drop(client);
/// # rt.block_on(server.shutdown());
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
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).build())?;
    /// assert_eq!(client.read("M:OUTTMP", None)?, Value::Scalar(72.5));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn new(make: impl FnOnce() -> Result<B, Error>) -> Result<Client<B>, Error> {
        let runtime = private_runtime("blocking")?;
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
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::DpmBackend;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let backend: &DpmBackend = client.backend();
    /// assert_eq!(backend.addr(), format!("127.0.0.1:{port}"));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Runs one call, bounded by `timeout` (or the backend's default) plus one second.
    fn call<T>(&self, timeout: Option<Duration>, fut: impl Future<Output = T>) -> Result<T, Error> {
        let limit = timeout.unwrap_or_else(|| self.backend.timeout()) + GRACE;
        self.runtime
            // The timer is created inside the runtime (outside it, tokio panics).
            .block_on(async move { tokio::time::timeout(limit, fut).await })?
            .map_err(|_| Error::timeout("waiting for the blocking call").with_elapsed(limit))
    }

    /// See [`Backend::read`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// assert_eq!(client.read("M:OUTTMP", None)?, Value::Scalar(72.5));
    /// assert_eq!(client.read("Z:ACLTST[1:2]", Some(Duration::from_secs(2)))?, Value::Array(vec![0.5, 1.0]));
    /// assert!(client.read("Z:NOSUCH", None).is_err());
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn read(&self, drf: &str, timeout: Option<Duration>) -> Result<Value, Error> {
        self.call(timeout, self.backend.read(drf, timeout))?
    }

    /// See [`Backend::get`].
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let reading = client.get("G:AMANDA", None)?;
    /// assert_eq!(reading.value, Some(Value::Scalar(42.0)));
    /// assert!(reading.status.is_ok());
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn get(&self, drf: &str, timeout: Option<Duration>) -> Result<Reading, Error> {
        self.call(timeout, self.backend.get(drf, timeout))?
    }

    /// See [`Backend::get_many`]. The outer `Err` means the call itself could not run
    /// (closed, called from an async context, over its time bound).
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let results = client.get_many(&["M:OUTTMP", "Z:NOSUCH", "Z:TEXTDV"], None)?;
    /// assert_eq!(results[0].as_ref().map(|r| r.value.clone()), Ok(Some(Value::Scalar(72.5))));
    /// assert!(results[1].is_err()); // only its own slot fails
    /// assert_eq!(results[2].as_ref().map(|r| r.value.clone()), Ok(Some(Value::Text("hello".into()))));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Result<Vec<Result<Reading, Error>>, Error> {
        self.call(timeout, self.backend.get_many(drfs, timeout))
    }

    /// See [`Backend::write`].
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let result = client.write("G:AMANDA", Value::Scalar(12.5), None)?;
    /// assert!(result.is_success());
    /// assert_eq!(client.read("G:AMANDA", None)?, Value::Scalar(12.5));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn write(
        &self,
        drf: &str,
        value: Value,
        timeout: Option<Duration>,
    ) -> Result<WriteResult, Error> {
        self.call(timeout, self.backend.write(drf, value, timeout))?
    }

    /// See [`Backend::write_many`]; the outer `Err` as for [`Client::get_many`].
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let results = client.write_many(&[("G:AMANDA", Value::Scalar(1.5)), ("Z:TEXTDV", Value::Text("hi".into()))], None)?;
    /// assert!(results.iter().all(|r| r.as_ref().is_ok_and(|w| w.is_success())));
    /// assert_eq!(client.read("Z:TEXTDV", None)?, Value::Text("hi".into()));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> Result<Vec<Result<WriteResult, Error>>, Error> {
        self.call(timeout, self.backend.write_many(settings, timeout))
    }

    /// See [`Backend::subscribe`]. The subscription keeps running on the private runtime
    /// between reads of its iterator.
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Event, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let mut sub = client.subscribe(&["M:OUTTMP@p,100"])?;
    /// let first = sub.find_map(|e| match e {
    ///     Event::Reading(r) => r.value,
    ///     _ => None,
    /// });
    /// assert_eq!(first, Some(Value::Scalar(72.5)));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        let sub = self.call(None, self.backend.subscribe(drfs))??;
        Ok(Subscription {
            inner: sub,
            runtime: Arc::clone(&self.runtime),
        })
    }

    /// See [`Backend::capabilities`].
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{Capabilities, DpmBackend};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// assert!(client.capabilities().contains(Capabilities::READ | Capabilities::STREAM));
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }

    /// See [`Backend::principal`].
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::GrpcBackend;
    ///
    /// // A JWT whose payload is {"sub":"alice@FNAL.GOV","exp":1}.
    /// let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZUBGTkFMLkdPViIsImV4cCI6MX0.";
    /// let client = Client::new(|| GrpcBackend::builder().token(jwt).env(Default::default()).build())?;
    /// assert_eq!(client.principal()?.as_deref(), Some("alice@FNAL.GOV"));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn principal(&self) -> Result<Option<String>, Error> {
        self.backend.principal()
    }

    /// See [`Backend::close`]: ends the subscriptions, later calls give an
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed) error.
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, ErrorKind};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let mut sub = client.subscribe(&["M:OUTTMP@p,100"])?;
    /// client.close()?;
    /// assert_eq!(client.read("M:OUTTMP", None).unwrap_err().kind(), ErrorKind::Closed);
    /// assert!(sub.next().is_none()); // the subscription ended too
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
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
    /// subscription has ended, an [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error
    /// when nothing came in time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::blocking::Client;
    /// use pacsys::{DpmBackend, Event};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let mut sub = client.subscribe(&["M:OUTTMP@p,100"])?;
    /// let event = sub.next_timeout(Duration::from_secs(2))?;
    /// assert!(matches!(event, Some(Event::Reading(_))));
    /// sub.stop()?;
    /// assert_eq!(sub.next_timeout(Duration::from_secs(2))?, None); // ended
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn next_timeout(&mut self, wait: Duration) -> Result<Option<Event>, Error> {
        self.runtime
            .block_on(async { tokio::time::timeout(wait, self.inner.next()).await })?
            .map_err(|_| Error::timeout("waiting for the next event").with_elapsed(wait))
    }

    /// Stops the subscription (see [`crate::Subscription::stop`]).
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::DpmBackend;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let mut sub = client.subscribe(&["M:OUTTMP@p,100"])?;
    /// assert!(sub.next().is_some());
    /// sub.stop()?;
    /// assert!(sub.next().is_none());
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn stop(&mut self) -> Result<(), Error> {
        self.runtime.block_on(self.inner.stop())
    }

    /// Readings dropped so far because the consumer fell behind.
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::DpmBackend;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let mut sub = client.subscribe(&["M:OUTTMP@p,100"])?;
    /// assert!(sub.next().is_some());
    /// assert_eq!(sub.dropped(), 0); // the consumer keeps up
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
    pub fn dropped(&self) -> u64 {
        self.inner.dropped()
    }

    /// The subscribed DRFs, as given.
    ///
    /// ```
    /// use pacsys::blocking::Client;
    /// use pacsys::DpmBackend;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here, not in the client
    /// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
    /// # let port = server.port();
    /// # let client = Client::new(|| DpmBackend::builder().host("127.0.0.1").port(port).env(Default::default()).build())?;
    /// let sub = client.subscribe(&["M:OUTTMP@p,1000", "Z:ACLTST[0:3]@p,1000"])?;
    /// assert_eq!(sub.drfs(), ["M:OUTTMP@p,1000", "Z:ACLTST[0:3]@p,1000"]);
    /// # drop(client);
    /// # rt.block_on(server.shutdown());
    /// # Ok(()) }
    /// ```
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
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here
/// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let temperature = pacsys::blocking::read("M:OUTTMP")?;
/// assert_eq!(temperature, pacsys::Value::Scalar(72.5));
/// # pacsys::shutdown();
/// # rt.block_on(server.shutdown());
/// # Ok(()) }
/// ```
pub fn read(drf: &str) -> Result<Value, Error> {
    let drf = drf.to_owned();
    crate::global::block_on(None, |b| async move { b.read(&drf, None).await })
}

/// Reads one DRF once with the default backend and returns the whole reading
/// (see [`crate::get`]).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here
/// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let reading = pacsys::blocking::get("M:OUTTMP")?;
/// assert_eq!(reading.value, Some(pacsys::Value::Scalar(72.5)));
/// assert!(reading.status.is_ok());
/// # pacsys::shutdown();
/// # rt.block_on(server.shutdown());
/// # Ok(()) }
/// ```
pub fn get(drf: &str) -> Result<Reading, Error> {
    let drf = drf.to_owned();
    crate::global::block_on(None, |b| async move { b.get(&drf, None).await })
}

/// Reads several DRFs once with the default backend, one result per DRF in order
/// (see [`crate::get_many`]).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here
/// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// for r in pacsys::blocking::get_many(&["M:OUTTMP", "G:AMANDA"])? {
///     println!("{r:?}");
/// }
/// let results = pacsys::blocking::get_many(&["G:AMANDA", "Z:NOSUCH"])?;
/// assert_eq!(results[0].as_ref().map(|r| r.value.clone()), Ok(Some(pacsys::Value::Scalar(42.0))));
/// assert!(results[1].is_err());
/// # pacsys::shutdown();
/// # rt.block_on(server.shutdown());
/// # Ok(()) }
/// ```
pub fn get_many<S: AsRef<str>>(drfs: &[S]) -> Result<Vec<Result<Reading, Error>>, Error> {
    let drfs: Vec<String> = drfs.iter().map(|d| d.as_ref().to_owned()).collect();
    crate::global::block_on(None, |b| async move { Ok(b.get_many(&drfs, None).await) })
}

/// Writes one setting with the default backend (see [`crate::write`]).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here
/// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// pacsys::blocking::write("G:AMANDA", pacsys::Value::Scalar(12.5))?;
/// assert_eq!(pacsys::blocking::read("G:AMANDA")?, pacsys::Value::Scalar(12.5));
/// # pacsys::shutdown();
/// # rt.block_on(server.shutdown());
/// # Ok(()) }
/// ```
pub fn write(drf: &str, value: Value) -> Result<WriteResult, Error> {
    let drf = drf.to_owned();
    crate::global::block_on(None, |b| async move { b.write(&drf, value, None).await })
}

/// Writes several settings with the default backend, one result per setting in order
/// (see [`crate::write_many`]).
///
/// ```
/// use pacsys::Value;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Runtime::new()?; // the fake server runs here
/// # let server = rt.block_on(pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start())?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let results = pacsys::blocking::write_many(&[("G:AMANDA", Value::Scalar(1.0))])?;
/// assert!(results[0].as_ref().is_ok_and(|r| r.is_success()));
/// # pacsys::shutdown();
/// # rt.block_on(server.shutdown());
/// # Ok(()) }
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
