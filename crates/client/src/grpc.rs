//! [`GrpcBackend`]: the [`Backend`] over the DAQ gRPC service (`pacsys-grpc-core`).

use std::time::Duration;

use pacsys_grpc_core::DaqClient;
use pacsys_types::{Reading, SubscriptionOptions, Value};

use crate::backend::{all_closed, empty_subscription};
use crate::env::EnvConfig;
use crate::observe::Observer;
use crate::subscription::Registry;
use crate::write::write_with_alarm_blocks;
use crate::{Backend, Capabilities, Error, Subscription, Transport, WriteResult};

pub use pacsys_types::config::defaults::{
    GRPC_HOST as DEFAULT_GRPC_HOST, GRPC_PORT as DEFAULT_GRPC_PORT, TIMEOUT as DEFAULT_TIMEOUT,
};

/// Configures a [`GrpcBackend`]. Each setting comes from the builder if given, else from
/// the environment (`PACSYS_GRPC_HOST`, `PACSYS_GRPC_PORT`, `PACSYS_JWT_TOKEN`,
/// `PACSYS_TIMEOUT` — the reference ignored the last one for gRPC), else the reference
/// default (`dce08.fnal.gov:50051`, no token, 5 s).
///
/// ```
/// use pacsys::env::EnvConfig;
/// use pacsys::GrpcBackend;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pacsys::Error> {
/// let backend = GrpcBackend::builder()
///     .host("127.0.0.1")
///     .port(50051)
///     .env(EnvConfig::default()) // ignore the process environment
///     .build()?;
/// assert_eq!(backend.addr(), "127.0.0.1:50051");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct GrpcBackendBuilder {
    host: Option<String>,
    port: Option<u16>,
    token: Option<String>,
    timeout: Option<Duration>,
    env: Option<EnvConfig>,
    observer: Option<Observer>,
    subscription: Option<SubscriptionOptions>,
}

impl GrpcBackendBuilder {
    /// The DAQ service host.
    ///
    /// ```
    /// use pacsys::GrpcBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backend = GrpcBackend::builder().host("daq.example").env(Default::default()).build()?;
    /// assert_eq!(backend.addr(), "daq.example:50051");
    /// # Ok(()) }
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// The DAQ service port.
    ///
    /// ```
    /// use pacsys::GrpcBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backend = GrpcBackend::builder().port(50052).env(Default::default()).build()?;
    /// assert_eq!(backend.addr(), "dce08.fnal.gov:50052");
    /// # Ok(()) }
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The JWT sent as a bearer token on every call; settings need one.
    ///
    /// ```
    /// use pacsys::{Backend, Capabilities, GrpcBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A JWT whose payload is {"sub":"alice@FNAL.GOV","exp":1}.
    /// let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZUBGTkFMLkdPViIsImV4cCI6MX0.";
    /// let backend = GrpcBackend::builder().token(jwt).env(Default::default()).build()?;
    /// assert!(backend.capabilities().contains(Capabilities::WRITE | Capabilities::AUTH_JWT));
    /// assert_eq!(backend.principal()?.as_deref(), Some("alice@FNAL.GOV"));
    /// # Ok(()) }
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The default total timeout of a call.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Backend, GrpcBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backend = GrpcBackend::builder()
    ///     .timeout(Duration::from_secs(10))
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.timeout(), Duration::from_secs(10));
    /// # Ok(()) }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How subscriptions behave: buffer, drop policy and reconnect backoff (default
    /// [`SubscriptionOptions::default`]; gRPC has no heartbeat, so the watchdog is
    /// ignored; backoff 1 s to 30 s, as pacsys).
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Event, GrpcBackend, SubscriptionOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDaqServer::builder().start().await?;
    /// # let port = server.port();
    /// let opts = SubscriptionOptions::default()
    ///     .buffer(100)
    ///     .backoff(Duration::from_millis(50), Duration::from_secs(5));
    /// let backend = GrpcBackend::builder()
    ///     .host("127.0.0.1")
    ///     .port(port)
    ///     .subscription_options(opts)
    ///     .env(Default::default())
    ///     .build()?;
    /// let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await?;
    /// assert!(matches!(sub.next().await, Some(Event::Reading(_))));
    /// # drop((sub, backend));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn subscription_options(mut self, options: SubscriptionOptions) -> Self {
        self.subscription = Some(options);
        self
    }

    /// Reports connection trouble, reconnections and drops to `observer` (see
    /// [`crate::observe`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::observe::{Observation, Observer};
    /// use pacsys::{Backend, GrpcBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let (observer, mut rx) = Observer::channel(16);
    /// let backend = GrpcBackend::builder()
    ///     .host("127.0.0.1")
    ///     .port(port) // nothing listens there
    ///     .timeout(Duration::from_secs(1))
    ///     .observer(observer)
    ///     .env(Default::default())
    ///     .build()?;
    /// assert!(backend.read("M:OUTTMP", None).await.is_err());
    /// assert!(matches!(rx.try_recv(), Some(Observation::CallFailed { operation: "get_many", .. })));
    /// # Ok(()) }
    /// ```
    pub fn observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Use these environment values instead of reading the process environment at
    /// [`build`](Self::build) (pass `EnvConfig::default()` to ignore the environment).
    ///
    /// ```
    /// use pacsys::env::EnvConfig;
    /// use pacsys::GrpcBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let env = EnvConfig::from_lookup(|k| (k == "PACSYS_GRPC_PORT").then(|| "50099".to_owned()))?;
    /// let backend = GrpcBackend::builder().env(env).build()?;
    /// assert_eq!(backend.addr(), "dce08.fnal.gov:50099");
    /// # Ok(()) }
    /// ```
    pub fn env(mut self, env: EnvConfig) -> Self {
        self.env = Some(env);
        self
    }

    /// Builds the backend. No I/O: the channel connects on first use. Must be called
    /// inside a tokio runtime (an [`ErrorKind::Refused`](crate::ErrorKind::Refused) error
    /// otherwise, as for an invalid address); fails with an
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) error if a `PACSYS_*` variable or a
    /// setting is invalid. Settings resolve as everywhere: builder, then environment, then
    /// the reference default ([`EnvConfig::resolve`]).
    ///
    /// ```
    /// use pacsys::{ErrorKind, GrpcBackend};
    ///
    /// // Outside a tokio runtime the channel cannot be made.
    /// let outside = GrpcBackend::builder().env(Default::default()).build().unwrap_err();
    /// assert_eq!(outside.kind(), ErrorKind::Refused);
    /// let bad = GrpcBackend::builder().port(0).env(Default::default()).build().unwrap_err();
    /// assert_eq!(bad.kind(), ErrorKind::Config);
    ///
    /// let rt = tokio::runtime::Runtime::new()?;
    /// let backend = rt.block_on(async { GrpcBackend::builder().env(Default::default()).build() })?;
    /// assert_eq!(backend.addr(), "dce08.fnal.gov:50051"); // nothing was connected yet
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<GrpcBackend, Error> {
        let env = match self.env {
            Some(env) => env,
            None => EnvConfig::from_env()?,
        };
        let config = EnvConfig {
            grpc_host: self.host,
            grpc_port: self.port,
            timeout: self.timeout,
            jwt_token: self.token,
            ..EnvConfig::default()
        }
        .or(env)
        .resolve()?;
        let mut client = DaqClient::builder()
            .host(config.grpc_host)
            .port(config.grpc_port)
            .timeout(config.timeout);
        if let Some(token) = &config.jwt_token {
            client = client.token(token.clone());
        }
        let stale_after = self.subscription.as_ref().and_then(|o| o.stale_window());
        if let Some(options) = self.subscription {
            client = client.subscription_options(options);
        }
        Ok(GrpcBackend {
            client: client.build()?,
            timeout: config.timeout,
            token: config.jwt_token,
            subscriptions: Registry::with_observer(self.observer.clone()),
            observer: self.observer,
            stale_after,
        })
    }
}

/// The [`Backend`] over the DAQ gRPC service: one HTTP/2 channel, one `Read` call per
/// batch, one `Set` per [`write_many`](Backend::write_many), subscriptions that reconnect
/// and report the gap. Settings need a JWT.
///
/// ```
/// use pacsys::{Backend, GrpcBackend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDaqServer::builder().start().await?;
/// # // SAFETY: single-threaded here; nothing else reads the environment.
/// # unsafe {
/// #     std::env::set_var("PACSYS_GRPC_HOST", "127.0.0.1");
/// #     std::env::set_var("PACSYS_GRPC_PORT", server.port().to_string());
/// # }
/// let backend = GrpcBackend::builder().token("eyJ...").build()?;
/// let value = backend.read("M:OUTTMP", None).await?;
/// println!("{value:?}");
/// # assert_eq!(value, pacsys::Value::Scalar(72.5));
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct GrpcBackend {
    client: DaqClient,
    timeout: Duration,
    token: Option<String>,
    subscriptions: Registry,
    observer: Option<Observer>,
    /// [`SubscriptionOptions::stale_after`], applied to every subscription.
    stale_after: Option<Duration>,
}

impl GrpcBackend {
    /// A builder with the reference defaults and the environment.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Backend, GrpcBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backend = GrpcBackend::builder().env(Default::default()).build()?; // the reference defaults
    /// assert_eq!(backend.addr(), "dce08.fnal.gov:50051");
    /// assert_eq!(backend.timeout(), Duration::from_secs(5));
    /// assert_eq!(backend.principal()?, None); // no token
    /// # Ok(()) }
    /// ```
    pub fn builder() -> GrpcBackendBuilder {
        GrpcBackendBuilder::default()
    }

    /// `host:port` of the DAQ service.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let backend = pacsys::GrpcBackend::builder()
    ///     .host("localhost")
    ///     .port(50052)
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.addr(), "localhost:50052");
    /// # Ok(()) }
    /// ```
    pub fn addr(&self) -> &str {
        self.client.addr()
    }

    /// The underlying `pacsys-grpc-core` client, for what the facade does not cover yet.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{GrpcBackend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDaqServer::builder().start().await?;
    /// # let backend = GrpcBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// let reading = backend.client().read("M:OUTTMP", Duration::from_secs(2)).await?;
    /// assert_eq!(reading.value, Some(Value::Scalar(72.5)));
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &DaqClient {
        &self.client
    }

    fn is_closed(&self) -> bool {
        self.subscriptions.is_closed()
    }
}

impl Backend for GrpcBackend {
    async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        let results = async {
            if self.is_closed() {
                return all_closed(drfs.len(), Transport::Grpc);
            }
            if drfs.is_empty() {
                return Vec::new();
            }
            // The core plans every read (ReadPlan): a DRF that does not parse, or a one-shot
            // read with the never event `@N`, fails its own slot there.
            self.client
                .read_many(drfs, timeout.unwrap_or(self.timeout))
                .await
        }
        .await;
        if let Some(o) = &self.observer {
            o.results("get_many", &results);
        }
        results
    }

    async fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        timeout: Option<Duration>,
    ) -> Vec<Result<WriteResult, Error>> {
        let results = async {
            if self.is_closed() {
                return all_closed(settings.len(), Transport::Grpc);
            }
            if settings.is_empty() {
                return Vec::new();
            }
            let timeout = timeout.unwrap_or(self.timeout);
            let set = |batch: Vec<(String, Value)>, left| async move {
                self.client
                    .set_many_with_timeout(&batch, left)
                    .await
                    .into_iter()
                    .zip(&batch)
                    .map(|(r, (drf, _))| r.map(|status| WriteResult::new(drf, status)))
                    .collect::<Vec<_>>()
            };
            write_with_alarm_blocks(settings, timeout, Transport::Grpc, set).await
        }
        .await;
        if let Some(o) = &self.observer {
            o.results("write_many", &results);
        }
        results
    }

    async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        if self.is_closed() {
            return Err(Error::closed().with_transport(Transport::Grpc));
        }
        if drfs.is_empty() {
            return Err(empty_subscription());
        }
        let sub = self.subscriptions.grpc(self.client.subscribe(drfs)?);
        Ok(match self.stale_after {
            Some(window) => sub.stale_after(window),
            None => sub,
        })
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn capabilities(&self) -> Capabilities {
        let caps = Capabilities::READ | Capabilities::STREAM | Capabilities::BATCH;
        if self.token.is_some() {
            caps | Capabilities::WRITE | Capabilities::AUTH_JWT
        } else {
            caps
        }
    }

    /// The `sub` claim of the JWT, decoded without verifying the signature; `Ok(None)`
    /// without a token or for an opaque (non-JWT) token.
    fn principal(&self) -> Result<Option<String>, Error> {
        Ok(self.token.as_deref().and_then(crate::jwt::subject))
    }

    async fn close(&self) {
        self.subscriptions.close();
    }

    async fn stop_streaming(&self) {
        self.subscriptions.end_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn capabilities_follow_the_token() {
        let b = GrpcBackend::builder()
            .env(EnvConfig::default())
            .build()
            .unwrap();
        assert!(!b.capabilities().contains(Capabilities::WRITE));
        assert_eq!(b.addr(), "dce08.fnal.gov:50051");
        let b = GrpcBackend::builder()
            .env(EnvConfig::default())
            .token("t")
            .build()
            .unwrap();
        assert!(
            b.capabilities()
                .contains(Capabilities::WRITE | Capabilities::AUTH_JWT)
        );
        assert_eq!(b.principal().unwrap(), None);
    }
}
