//! The [`Backend`] trait: the operations every transport offers.

use std::future::Future;
use std::time::Duration;

use pacsys_types::{Reading, Value};

use crate::{Capabilities, Error, Subscription, WriteResult};

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
/// ```no_run
/// use pacsys::{Backend, DpmBackend, Value};
///
/// async fn outside_temperature<B: Backend>(backend: &B) -> Result<f64, pacsys::Error> {
///     let value = backend.read("M:OUTTMP", None).await?;
///     value.as_f64().ok_or_else(|| pacsys::Error::Protocol {
///         detail: format!("expected a scalar, got {}", value.kind_name()),
///     })
/// }
///
/// # async fn demo() -> Result<(), pacsys::Error> {
/// let backend = DpmBackend::builder().build()?;
/// println!("{}", outside_temperature(&backend).await?);
/// # Ok(()) }
/// ```
pub trait Backend: Send + Sync {
    /// Reads every DRF once in one request. One result per DRF, in input order; an empty
    /// input gives an empty output without I/O.
    fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> impl Future<Output = Vec<Result<Reading, Error>>> + Send;

    /// Reads one DRF once and returns the whole [`Reading`] (value, status, timestamp,
    /// cycle and metadata where the backend provides them).
    fn get(
        &self,
        drf: &str,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Reading, Error>> + Send {
        async move {
            self.get_many(&[drf], timeout)
                .await
                .pop()
                .unwrap_or(Err(Error::Closed))
        }
    }

    /// Reads one DRF once and returns just its value. A reading without a value gives
    /// [`Error::Device`] with its status; a warning with a value is returned as a value.
    fn read(
        &self,
        drf: &str,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Value, Error>> + Send {
        async move {
            let reading = self.get(drf, timeout).await?;
            let status = reading.status;
            reading.value.ok_or_else(|| Error::Device {
                drf: drf.to_owned(),
                status,
            })
        }
    }

    /// Writes every setting, in one request where the protocol allows. One result per
    /// setting, in input order. Each DRF is rewritten for writing by the backend
    /// (READING becomes SETTING, STATUS becomes CONTROL, the event becomes `@N`).
    fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> impl Future<Output = Vec<Result<WriteResult, Error>>> + Send;

    /// Writes one setting (see [`Backend::write_many`]).
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
                .unwrap_or(Err(Error::Closed))
        }
    }

    /// Starts a subscription to `drfs`, sent as written (give them a repeating event such
    /// as `@p,1000`). Every DRF is checked first; an invalid one, or an empty list, fails
    /// the call with [`Error::InvalidRequest`].
    fn subscribe<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
    ) -> impl Future<Output = Result<Subscription, Error>> + Send;

    /// The default total timeout of a call (used when a call passes `None`).
    fn timeout(&self) -> Duration;

    /// What this backend can do as configured.
    fn capabilities(&self) -> Capabilities;

    /// Who settings are made as: the Kerberos principal (DPM) or the JWT subject (gRPC).
    /// `Ok(None)` when no identity is configured or the token is not a JWT.
    fn principal(&self) -> Result<Option<String>, Error>;

    /// Closes the backend: running subscriptions end (their streams finish at the next
    /// poll, which releases their connections) and later calls give [`Error::Closed`].
    /// Idempotent; calls already in flight are not interrupted.
    fn close(&self) -> impl Future<Output = ()> + Send;
}

/// The error of a subscription request without DRFs.
pub(crate) fn empty_subscription() -> Error {
    Error::InvalidRequest {
        drf: String::new(),
        detail: "a subscription needs at least one DRF".into(),
    }
}

/// The error of every slot once the backend is closed.
pub(crate) fn all_closed<T>(n: usize) -> Vec<Result<T, Error>> {
    (0..n).map(|_| Err(Error::Closed)).collect()
}
