//! The [`Backend`] trait: the operations every transport offers.

use std::future::Future;
use std::time::Duration;

use pacsys_types::{Reading, Value};

use crate::{Capabilities, Error, Subscription, Transport, WriteResult};

/// The operations every backend offers, async first.
///
/// `timeout: None` means the backend's default (5 s unless configured); a timeout is a
/// total budget for the whole call, not per device. DRFs without an explicit event are
/// read once (`@I` is added); explicit events are kept.
///
/// Batch calls return one `Result` per request, in input order: a device that fails, or a
/// DRF that does not parse, fails its own slot and never the batch.
///
/// The methods return `Send` futures (native `async fn` in traits, no boxing, no extra
/// dependency), so a backend can be used from any multi-threaded runtime. The trait is
/// therefore not object-safe: write code generic over `B: Backend`.
///
/// ```
/// use pacsys::{Backend, DpmBackend, Value};
///
/// async fn outside_temperature<B: Backend>(backend: &B) -> Result<f64, pacsys::Error> {
///     let value = backend.read("M:OUTTMP", None).await?;
///     value.as_f64().ok_or_else(|| {
///         pacsys::Error::unsupported("M:OUTTMP", format!("expected a number, got {}", value.kind_name()))
///     })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
/// # // SAFETY: single-threaded here; nothing else reads the environment.
/// # unsafe {
/// #     std::env::set_var("PACSYS_DPM_HOST", "127.0.0.1");
/// #     std::env::set_var("PACSYS_DPM_PORT", server.port().to_string());
/// # }
/// let backend = DpmBackend::builder().build()?;
/// println!("{}", outside_temperature(&backend).await?);
/// # assert_eq!(outside_temperature(&backend).await?, 72.5);
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub trait Backend: Send + Sync {
    /// Reads every DRF once in one request. One result per DRF, in input order; an empty
    /// input gives an empty output without I/O.
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let results = backend.get_many(&["M:OUTTMP", "Z:NOSUCH", "Z:ACLTST[0:1]"], None).await;
    /// assert_eq!(results.len(), 3);
    /// assert_eq!(results[0].as_ref().map(|r| r.value.clone()), Ok(Some(Value::Scalar(72.5))));
    /// assert!(results[1].is_err()); // only its own slot fails
    /// assert_eq!(results[2].as_ref().map(|r| r.value.clone()), Ok(Some(Value::Array(vec![0.0, 0.5]))));
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> impl Future<Output = Vec<Result<Reading, Error>>> + Send;

    /// Reads one DRF once and returns the whole [`Reading`] (value, status, timestamp,
    /// cycle and metadata where the backend provides them).
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let reading = backend.get("M:OUTTMP", None).await?;
    /// assert_eq!(reading.value, Some(Value::Scalar(72.5)));
    /// assert!(reading.status.is_ok());
    /// assert!(reading.timestamp.is_some());
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn get(
        &self,
        drf: &str,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Reading, Error>> + Send {
        async move {
            self.get_many(&[drf], timeout)
                .await
                .pop()
                .unwrap_or_else(|| Err(Error::closed()))
        }
    }

    /// Reads one DRF once and returns just its value. A reading without a value gives an
    /// [`ErrorKind::Device`](crate::ErrorKind::Device) error with its status; a warning
    /// with a value is returned as a value.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Backend, ErrorKind, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let value = backend.read("Z:TEXTDV", Some(Duration::from_secs(2))).await?;
    /// assert_eq!(value, Value::Text("hello".into()));
    /// let err = backend.read("Z:NOSUCH", None).await.unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Device);
    /// assert_eq!(err.drf(), Some("Z:NOSUCH"));
    /// assert!(err.status().is_some());
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn read(
        &self,
        drf: &str,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Value, Error>> + Send {
        async move {
            let reading = self.get(drf, timeout).await?;
            let status = reading.status;
            reading.value.ok_or_else(|| Error::device(drf, status))
        }
    }

    /// Writes every setting, in one request where the protocol allows. One result per
    /// setting, in input order. Each DRF is rewritten for writing by the backend
    /// (READING becomes SETTING, STATUS becomes CONTROL, the event becomes `@N`).
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let settings = [("G:AMANDA", Value::Scalar(1.5)), ("Z:TEXTDV", Value::Text("hi".into()))];
    /// let results = backend.write_many(&settings, None).await;
    /// assert!(results.iter().all(|r| r.as_ref().is_ok_and(|w| w.is_success())));
    /// assert_eq!(backend.read("G:AMANDA", None).await?, Value::Scalar(1.5));
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> impl Future<Output = Vec<Result<WriteResult, Error>>> + Send;

    /// Writes one setting (see [`Backend::write_many`]).
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let result = backend.write("G:AMANDA", Value::Scalar(12.5), None).await?;
    /// assert!(result.is_success());
    /// assert_eq!(result.drf, "G:AMANDA"); // as the caller wrote it
    /// assert_eq!(backend.read("G:AMANDA", None).await?, Value::Scalar(12.5));
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn write(
        &self,
        drf: &str,
        value: Value,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<WriteResult, Error>> + Send {
        async move {
            self.write_many(&[(drf, value)], timeout)
                .await
                .pop()
                .unwrap_or_else(|| Err(Error::closed()))
        }
    }

    /// Starts a subscription to `drfs`, sent as written (give them a repeating event such
    /// as `@p,1000`). Every DRF is checked first; an invalid one, or an empty list, fails
    /// the call with an [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) error.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, ErrorKind, Event, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// let Some(Event::Reading(first)) = sub.next().await else { panic!("no reading") };
    /// assert_eq!(first.value, Some(Value::Scalar(72.5)));
    /// let none: [&str; 0] = [];
    /// let empty = backend.subscribe(&none).await.err().map(|e| e.kind());
    /// assert_eq!(empty, Some(ErrorKind::InvalidRequest));
    /// let bad = backend.subscribe(&["M:OUTTMP@p,100", "M:OUTTMP@@"]).await.err();
    /// assert_eq!(bad.and_then(|e| e.drf().map(str::to_owned)).as_deref(), Some("M:OUTTMP@@"));
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn subscribe<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
    ) -> impl Future<Output = Result<Subscription, Error>> + Send;

    /// The default total timeout of a call (used when a call passes `None`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Backend, DpmBackend};
    ///
    /// let backend = DpmBackend::builder().env(Default::default()).build()?;
    /// assert_eq!(backend.timeout(), Duration::from_secs(5)); // used when a call passes `None`
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    fn timeout(&self) -> Duration;

    /// What this backend can do as configured.
    ///
    /// ```
    /// use pacsys::{Backend, Capabilities, GrpcBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let reader = GrpcBackend::builder().env(Default::default()).build()?;
    /// assert!(reader.capabilities().contains(Capabilities::READ | Capabilities::STREAM));
    /// assert!(!reader.capabilities().contains(Capabilities::WRITE)); // settings need a token
    /// let writer = GrpcBackend::builder().token("t").env(Default::default()).build()?;
    /// assert!(writer.capabilities().contains(Capabilities::WRITE | Capabilities::AUTH_JWT));
    /// # Ok(()) }
    /// ```
    fn capabilities(&self) -> Capabilities;

    /// Who settings are made as: the Kerberos principal (DPM) or the JWT subject (gRPC).
    /// `Ok(None)` when no identity is configured or the token is not a JWT.
    ///
    /// ```
    /// use pacsys::{Backend, GrpcBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A JWT whose payload is {"sub":"alice@FNAL.GOV","exp":1}.
    /// let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZUBGTkFMLkdPViIsImV4cCI6MX0.";
    /// let backend = GrpcBackend::builder().token(jwt).env(Default::default()).build()?;
    /// assert_eq!(backend.principal()?.as_deref(), Some("alice@FNAL.GOV"));
    /// # Ok(()) }
    /// ```
    fn principal(&self) -> Result<Option<String>, Error>;

    /// Closes the backend: running subscriptions end (their streams finish at the next
    /// poll, which releases their connections) and later calls give an
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed) error. Idempotent; calls already in
    /// flight are not interrupted.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, ErrorKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// backend.close().await;
    /// assert!(sub.next().await.is_none()); // subscriptions end
    /// assert_eq!(backend.read("M:OUTTMP", None).await.unwrap_err().kind(), ErrorKind::Closed);
    /// backend.close().await; // idempotent
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn close(&self) -> impl Future<Output = ()> + Send;

    /// Ends every subscription this backend started (each stream ends, its connection is
    /// released) and keeps the backend usable: reads, writes and new subscriptions work
    /// as before. pacsys's `stop_streaming`.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,60000"]).await?;
    /// backend.stop_streaming().await;
    /// while sub.next().await.is_some() {} // ends: at most what was already buffered
    /// assert_eq!(backend.read("M:OUTTMP", None).await?, Value::Scalar(72.5));
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    fn stop_streaming(&self) -> impl Future<Output = ()> + Send;
}

/// The error of a subscription request without DRFs.
pub(crate) fn empty_subscription() -> Error {
    Error::invalid_request("", "a subscription needs at least one DRF")
}

/// The error of every slot once the backend is closed.
pub(crate) fn all_closed<T>(n: usize, transport: Transport) -> Vec<Result<T, Error>> {
    (0..n)
        .map(|_| Err(Error::closed().with_transport(transport)))
        .collect()
}
