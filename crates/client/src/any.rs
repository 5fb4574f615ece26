//! [`AnyBackend`]: one concrete type for "whichever backend the configuration selects".

use std::time::Duration;

use pacsys_types::{Reading, Value};

use crate::env::{BackendKind, EnvConfig};
use crate::{Backend, Capabilities, DpmBackend, Error, GrpcBackend, Subscription, WriteResult};

/// Either built-in backend, chosen at run time (for example from `PACSYS_BACKEND` or a
/// command-line flag), behind one concrete type that implements [`Backend`].
///
/// [`Backend`] is generic rather than object-safe, so code that picks the transport at run
/// time uses this enum instead of `Box<dyn Backend>`; each call is one `match` and no
/// allocation.
///
/// ```
/// use pacsys::env::{BackendKind, EnvConfig};
/// use pacsys::{AnyBackend, Backend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pacsys::Error> {
/// let env = EnvConfig::from_lookup(|k| match k {
///     "PACSYS_BACKEND" => Some("grpc".to_owned()),
///     "PACSYS_GRPC_HOST" => Some("127.0.0.1".to_owned()),
///     _ => None,
/// })?;
/// let backend = AnyBackend::from_config(&env)?;
/// assert_eq!(backend.kind(), BackendKind::Grpc);
/// assert_eq!(backend.timeout().as_secs(), 5);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyBackend {
    /// DPM/HTTP.
    Dpm(DpmBackend),
    /// DAQ gRPC.
    Grpc(GrpcBackend),
}

impl AnyBackend {
    /// The backend `env.backend` selects (DPM when unset), configured from `env` (host,
    /// port, timeout, pool size, token) and the reference defaults. No I/O.
    ///
    /// ```
    /// use pacsys::env::{BackendKind, EnvConfig};
    /// use pacsys::AnyBackend;
    ///
    /// let backend = AnyBackend::from_config(&EnvConfig::default())?; // DPM when unset
    /// assert_eq!(backend.kind(), BackendKind::Dpm);
    /// if let AnyBackend::Dpm(dpm) = &backend {
    ///     assert_eq!(dpm.addr(), "acsys-proxy.fnal.gov:6802");
    /// }
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn from_config(env: &EnvConfig) -> Result<AnyBackend, Error> {
        Ok(match env.clone().resolve()?.backend {
            BackendKind::Grpc => AnyBackend::Grpc(GrpcBackend::builder().env(env.clone()).build()?),
            _ => AnyBackend::Dpm(DpmBackend::builder().env(env.clone()).build()?),
        })
    }

    /// [`AnyBackend::from_config`] over the process environment (`PACSYS_*`).
    ///
    /// ```
    /// use pacsys::env::BackendKind;
    /// use pacsys::AnyBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), pacsys::Error> {
    /// // With PACSYS_BACKEND=grpc and PACSYS_GRPC_HOST=127.0.0.1 in the environment:
    /// # // SAFETY: single-threaded here; nothing else reads the environment.
    /// # unsafe {
    /// #     std::env::set_var("PACSYS_BACKEND", "grpc");
    /// #     std::env::set_var("PACSYS_GRPC_HOST", "127.0.0.1");
    /// # }
    /// let backend = AnyBackend::from_env()?; // a gRPC backend needs a tokio runtime
    /// assert_eq!(backend.kind(), BackendKind::Grpc);
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<AnyBackend, Error> {
        AnyBackend::from_config(&EnvConfig::from_env()?)
    }

    /// Which transport this is.
    ///
    /// ```
    /// use pacsys::env::BackendKind;
    /// use pacsys::{AnyBackend, DpmBackend};
    ///
    /// let dpm = DpmBackend::builder().env(Default::default()).build()?;
    /// assert_eq!(AnyBackend::from(dpm).kind(), BackendKind::Dpm);
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn kind(&self) -> BackendKind {
        match self {
            AnyBackend::Dpm(_) => BackendKind::Dpm,
            AnyBackend::Grpc(_) => BackendKind::Grpc,
        }
    }
}

impl From<DpmBackend> for AnyBackend {
    fn from(b: DpmBackend) -> AnyBackend {
        AnyBackend::Dpm(b)
    }
}

impl From<GrpcBackend> for AnyBackend {
    fn from(b: GrpcBackend) -> AnyBackend {
        AnyBackend::Grpc(b)
    }
}

impl Backend for AnyBackend {
    async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        match self {
            AnyBackend::Dpm(b) => b.get_many(drfs, timeout).await,
            AnyBackend::Grpc(b) => b.get_many(drfs, timeout).await,
        }
    }

    async fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> Vec<Result<WriteResult, Error>> {
        match self {
            AnyBackend::Dpm(b) => b.write_many(settings, timeout).await,
            AnyBackend::Grpc(b) => b.write_many(settings, timeout).await,
        }
    }

    async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        match self {
            AnyBackend::Dpm(b) => b.subscribe(drfs).await,
            AnyBackend::Grpc(b) => b.subscribe(drfs).await,
        }
    }

    fn timeout(&self) -> Duration {
        match self {
            AnyBackend::Dpm(b) => b.timeout(),
            AnyBackend::Grpc(b) => b.timeout(),
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self {
            AnyBackend::Dpm(b) => b.capabilities(),
            AnyBackend::Grpc(b) => b.capabilities(),
        }
    }

    fn principal(&self) -> Result<Option<String>, Error> {
        match self {
            AnyBackend::Dpm(b) => b.principal(),
            AnyBackend::Grpc(b) => b.principal(),
        }
    }

    async fn close(&self) {
        match self {
            AnyBackend::Dpm(b) => b.close().await,
            AnyBackend::Grpc(b) => b.close().await,
        }
    }

    async fn stop_streaming(&self) {
        match self {
            AnyBackend::Dpm(b) => b.stop_streaming().await,
            AnyBackend::Grpc(b) => b.stop_streaming().await,
        }
    }
}
