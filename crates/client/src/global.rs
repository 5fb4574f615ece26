//! The process-wide default backend and the one-line functions over it
//! ([`read`](crate::read), [`get_many`](crate::get_many), [`write`](crate::write), ...).
//!
//! The default backend is an [`AnyBackend`] chosen by `PACSYS_BACKEND` (DPM unless set)
//! and configured from the `PACSYS_*` variables, overridden by [`configure`]. It is created
//! on first use and lives on a private runtime of its own, so the one-line functions work
//! from any async runtime (each `#[tokio::test]`, a runtime that has since shut down) and,
//! through [`crate::blocking`], from plain threads. Each call costs one task hop onto that
//! runtime; hot paths should hold a backend of their own.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use pacsys_types::{Reading, Value};
use tokio::runtime::Runtime;

use crate::env::EnvConfig;
use crate::{AnyBackend, Backend, Error, ErrorKind, Subscription, WriteResult};

/// The configuration overrides and the backend built from them.
#[derive(Default)]
struct State {
    overrides: EnvConfig,
    backend: Option<Arc<AnyBackend>>,
}

fn state() -> MutexGuard<'static, State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The private runtime: created once, never dropped (a static), so it can be used and
/// replaced backends closed from any context.
fn runtime() -> Result<&'static Runtime, Error> {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = crate::runtime::private_runtime("global")?;
    // Another thread may have won the race; its runtime is used and ours is dropped here,
    // outside any runtime (this function is never called from the private runtime's
    // own threads before RUNTIME is set).
    Ok(RUNTIME.get_or_init(|| rt))
}

/// The process-wide default backend, created on first use from the `PACSYS_*`
/// environment and [`configure`]'s overrides.
///
/// Its connections live on a private runtime: call it through the one-line functions (or
/// [`run`]) rather than directly when the calling runtime may not outlive the process.
///
/// ```
/// let backend = pacsys::default_backend()?;
/// println!("default backend: {:?}", backend.kind());
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn default_backend() -> Result<Arc<AnyBackend>, Error> {
    let rt = runtime()?;
    let mut st = state();
    if let Some(b) = &st.backend {
        return Ok(Arc::clone(b));
    }
    // The one precedence rule: overrides, then the environment, then the defaults.
    let config = st.overrides.clone().or(EnvConfig::from_env()?);
    // Built inside the private runtime (the gRPC channel needs one at construction).
    let backend = {
        let _inside = rt.enter();
        Arc::new(AnyBackend::from_config(&config)?)
    };
    st.backend = Some(Arc::clone(&backend));
    Ok(backend)
}

/// Sets configuration overrides for the default backend (each field given wins over the
/// environment; `EnvConfig::default()` clears them) and closes the current default
/// backend, so the next call builds a new one. Takes effect without I/O; a bad value is
/// reported by the next call.
///
/// ```
/// use std::time::Duration;
/// use pacsys::env::{BackendKind, EnvConfig};
///
/// pacsys::configure(EnvConfig {
///     backend: Some(BackendKind::Grpc),
///     grpc_host: Some("127.0.0.1".into()),
///     timeout: Some(Duration::from_secs(2)),
///     ..EnvConfig::default()
/// });
/// assert_eq!(pacsys::default_backend()?.kind(), BackendKind::Grpc);
/// pacsys::configure(EnvConfig::default()); // back to the environment
/// # Ok::<(), pacsys::Error>(())
/// ```
pub fn configure(overrides: EnvConfig) {
    let old = {
        let mut st = state();
        st.overrides = overrides;
        st.backend.take()
    };
    close_in_background(old);
}

/// Closes the default backend (its subscriptions end); the configuration is kept and the
/// next call creates a new backend. Safe to call repeatedly and from any context.
///
/// ```
/// pacsys::shutdown();
/// pacsys::shutdown();
/// ```
pub fn shutdown() {
    let old = state().backend.take();
    close_in_background(old);
}

fn close_in_background(backend: Option<Arc<AnyBackend>>) {
    if let (Some(b), Ok(rt)) = (backend, runtime()) {
        rt.spawn(async move { b.close().await });
    }
}

/// Runs `f` with the default backend on its private runtime and returns the result. This
/// is how the one-line functions work; use it for what they do not cover.
///
/// ```
/// use pacsys::Backend;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pacsys::Error> {
/// let caps = pacsys::run(|backend| async move { Ok(backend.capabilities()) }).await?;
/// assert!(caps.contains(pacsys::Capabilities::READ));
/// # Ok(()) }
/// ```
pub async fn run<T, F, Fut>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(Arc<AnyBackend>) -> Fut,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
{
    let rt = runtime()?;
    let fut = f(default_backend()?);
    match rt.spawn(fut).await {
        Ok(result) => result,
        // A panic in `f`'s future is the caller's: pass it on, as awaiting it would.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::new(
            ErrorKind::Closed,
            format!("the default backend's runtime cancelled the call: {e}"),
        )),
    }
}

/// Runs `f` on the private runtime from a plain thread (for [`crate::blocking`]).
pub(crate) fn block_on<T, F, Fut>(timeout: Option<Duration>, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(Arc<AnyBackend>) -> Fut,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::unsupported(
            "",
            "a blocking pacsys call was made inside an async runtime (it would deadlock); use the async functions there",
        ));
    }
    let rt = runtime()?;
    let backend = default_backend()?;
    let limit = timeout.unwrap_or_else(|| backend.timeout()) + Duration::from_secs(1);
    let fut = f(backend);
    rt.block_on(async move { tokio::time::timeout(limit, fut).await })
        .map_err(|_| Error::timeout("waiting for the blocking call").with_elapsed(limit))?
}

fn owned<S: AsRef<str>>(drfs: &[S]) -> Vec<String> {
    drfs.iter().map(|d| d.as_ref().to_owned()).collect()
}

/// Reads one DRF once with the default backend and returns its value
/// (see [`Backend::read`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let temperature = pacsys::read("M:OUTTMP").await?;
/// println!("{temperature:?}");
/// assert_eq!(temperature, pacsys::Value::Scalar(72.5));
/// # pacsys::shutdown();
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn read(drf: &str) -> Result<Value, Error> {
    let drf = drf.to_owned();
    run(|b| async move { b.read(&drf, None).await }).await
}

/// Reads one DRF once with the default backend and returns the whole reading
/// (see [`Backend::get`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let reading = pacsys::get("M:OUTTMP").await?;
/// println!("{:?} at {:?}", reading.value, reading.timestamp);
/// assert_eq!(reading.value, Some(pacsys::Value::Scalar(72.5)));
/// # pacsys::shutdown();
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn get(drf: &str) -> Result<Reading, Error> {
    let drf = drf.to_owned();
    run(|b| async move { b.get(&drf, None).await }).await
}

/// Reads several DRFs once with the default backend: one result per DRF, in order
/// (see [`Backend::get_many`]). The outer `Err` means the default backend could not be
/// made.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// for r in pacsys::get_many(&["M:OUTTMP", "G:AMANDA"]).await? {
///     println!("{r:?}");
/// }
/// let results = pacsys::get_many(&["G:AMANDA", "Z:NOSUCH"]).await?;
/// assert_eq!(results[0].as_ref().map(|r| r.value.clone()), Ok(Some(pacsys::Value::Scalar(42.0))));
/// assert!(results[1].is_err()); // only its own slot fails
/// # pacsys::shutdown();
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn get_many<S: AsRef<str>>(drfs: &[S]) -> Result<Vec<Result<Reading, Error>>, Error> {
    let drfs = owned(drfs);
    run(|b| async move { Ok(b.get_many(&drfs, None).await) }).await
}

/// Writes one setting with the default backend (see [`Backend::write`]).
///
/// ```
/// use pacsys::Value;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// pacsys::write("G:AMANDA", Value::Scalar(12.5)).await?;
/// assert_eq!(pacsys::read("G:AMANDA").await?, Value::Scalar(12.5));
/// # pacsys::shutdown();
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn write(drf: &str, value: Value) -> Result<WriteResult, Error> {
    let drf = drf.to_owned();
    run(|b| async move { b.write(&drf, value, None).await }).await
}

/// Writes several settings with the default backend: one result per setting, in order
/// (see [`Backend::write_many`]).
///
/// ```
/// use pacsys::Value;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let results = pacsys::write_many(&[("G:AMANDA", Value::Scalar(1.0)), ("Z:TEXTDV", Value::Text("x".into()))]).await?;
/// assert_eq!(results.len(), 2);
/// assert!(results.iter().all(|r| r.as_ref().is_ok_and(|w| w.is_success())));
/// # pacsys::shutdown();
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn write_many<S: AsRef<str>>(
    settings: &[(S, Value)],
) -> Result<Vec<Result<WriteResult, Error>>, Error> {
    let settings: Vec<(String, Value)> = settings
        .iter()
        .map(|(d, v)| (d.as_ref().to_owned(), v.clone()))
        .collect();
    run(|b| async move { Ok(b.write_many(&settings, None).await) }).await
}

/// Subscribes with the default backend (see [`Backend::subscribe`]). The subscription
/// runs on the private runtime and can be consumed from any runtime.
///
/// ```
/// use futures::StreamExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let mut config = pacsys::env::EnvConfig::default();
/// # config.backend = Some(pacsys::env::BackendKind::Dpm);
/// # config.dpm_host = Some("127.0.0.1".into());
/// # config.dpm_port = Some(server.port());
/// # pacsys::configure(config); // the default backend uses the fake server
/// let mut sub = pacsys::subscribe(&["M:OUTTMP@p,1000"]).await?;
/// while let Some(event) = sub.next().await {
///     println!("{event}");
/// #   assert!(event.is_reading());
/// #   break; // the stream would run for ever
/// }
/// # pacsys::shutdown();
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn subscribe<S: AsRef<str>>(drfs: &[S]) -> Result<Subscription, Error> {
    let drfs = owned(drfs);
    run(|b| async move { b.subscribe(&drfs).await }).await
}
