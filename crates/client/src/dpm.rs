//! [`DpmBackend`]: the [`Backend`] over DPM/HTTP (`pacsys-dpm-core`).

use std::time::Duration;

use pacsys_dpm_core::DpmClient;
use pacsys_types::{Reading, SubscriptionOptions, Value};

use crate::backend::{all_closed, empty_subscription};
use crate::env::EnvConfig;
use crate::observe::Observer;
use crate::subscription::Registry;
use crate::write::write_with_alarm_blocks;
use crate::{Backend, Capabilities, Error, Subscription, Transport, WriteResult};

pub use pacsys_types::config::defaults::{
    DPM_HOST as DEFAULT_DPM_HOST, DPM_PORT as DEFAULT_DPM_PORT, POOL_SIZE as DEFAULT_POOL_SIZE,
    TIMEOUT as DEFAULT_TIMEOUT,
};

/// Configures a [`DpmBackend`]. Each setting comes from the builder if given, else from the
/// environment (`PACSYS_DPM_HOST`, `PACSYS_DPM_PORT`, `PACSYS_POOL_SIZE`,
/// `PACSYS_TIMEOUT`), else the reference default (`acsys-proxy.fnal.gov:6802`, pool of 4,
/// 5 s).
///
/// ```
/// use std::time::Duration;
/// use pacsys::env::EnvConfig;
/// use pacsys::DpmBackend;
///
/// let backend = DpmBackend::builder()
///     .host("127.0.0.1")
///     .port(6802)
///     .timeout(Duration::from_secs(2))
///     .env(EnvConfig::default()) // ignore the process environment
///     .build()?;
/// assert_eq!(backend.addr(), "127.0.0.1:6802");
/// # Ok::<(), pacsys::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct DpmBackendBuilder {
    host: Option<String>,
    port: Option<u16>,
    pool_size: Option<usize>,
    timeout: Option<Duration>,
    role: Option<String>,
    #[cfg(feature = "kerberos")]
    kerberos_realm: Option<String>,
    env: Option<EnvConfig>,
    observer: Option<Observer>,
    subscription: Option<SubscriptionOptions>,
    identity: Option<pacsys_dpm_core::ListIdentity>,
    fallbacks: Vec<(String, u16)>,
}

/// Splits a host setting that may list several hosts (`a,b:6803,[::1]:6804`) into
/// `(host, port)` pairs; a host without its own port gets `port`.
fn host_list(spec: &str, port: u16) -> Result<Vec<(String, u16)>, Error> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (host, own) = if let Some(rest) = item.strip_prefix('[') {
            match rest.split_once(']') {
                Some((h, "")) => (h, None),
                Some((h, p)) => (h, p.strip_prefix(':')),
                None => (item, None),
            }
        } else {
            match item.rsplit_once(':') {
                // One colon: host:port. More: an IPv6 literal without a port.
                Some((h, p)) if !h.contains(':') => (h, Some(p)),
                _ => (item, None),
            }
        };
        let port = match own {
            None => port,
            Some(p) => p.parse().map_err(|_| {
                Error::new(
                    crate::ErrorKind::Config,
                    format!("bad port in the DPM host {item:?}: expected 1-65535"),
                )
            })?,
        };
        out.push((host.to_owned(), port));
    }
    Ok(out)
}

impl DpmBackendBuilder {
    /// The DPM/HTTP proxy host.
    ///
    /// ```
    /// use pacsys::DpmBackend;
    ///
    /// let backend = DpmBackend::builder().host("dpm.example").env(Default::default()).build()?;
    /// assert_eq!(backend.addr(), "dpm.example:6802");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// The DPM/HTTP proxy port.
    ///
    /// ```
    /// use pacsys::DpmBackend;
    ///
    /// let backend = DpmBackend::builder().port(6803).env(Default::default()).build()?;
    /// assert_eq!(backend.addr(), "acsys-proxy.fnal.gov:6803");
    /// assert!(DpmBackend::builder().port(0).env(Default::default()).build().is_err());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// How many pooled connections serve one-shot reads (at least 1).
    ///
    /// ```
    /// use pacsys::{Backend, DpmBackend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let port = server.port();
    /// let backend = DpmBackend::builder()
    ///     .host("127.0.0.1")
    ///     .port(port)
    ///     .pool_size(1)
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.read("M:OUTTMP", None).await?, Value::Scalar(72.5));
    /// assert_eq!(backend.client().idle_connections(), 1); // kept for the next read
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = Some(size);
        self
    }

    /// The default total timeout of a call.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Backend, DpmBackend};
    ///
    /// let backend = DpmBackend::builder()
    ///     .timeout(Duration::from_millis(1500))
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.timeout(), Duration::from_millis(1500));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The Kerberos realm settings are authenticated in (default `FNAL.GOV`); only with
    /// the `kerberos` feature. The ticket comes from the default credential cache
    /// (`KRB5CCNAME`, as `kinit` leaves it).
    ///
    /// ```
    /// let backend = pacsys::DpmBackend::builder()
    ///     .kerberos_realm("PACSYS.TEST")
    ///     .env(Default::default())
    ///     .build()?;
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    #[cfg(feature = "kerberos")]
    pub fn kerberos_realm(mut self, realm: impl Into<String>) -> Self {
        self.kerberos_realm = Some(realm.into());
        self
    }

    /// The role settings are made with (sent as `#ROLE:<role>`).
    ///
    /// ```
    /// use pacsys::{Backend, DpmBackend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let port = server.port();
    /// let backend = DpmBackend::builder()
    ///     .host("127.0.0.1")
    ///     .port(port)
    ///     .role("testing")
    ///     .env(Default::default())
    ///     .build()?;
    /// let result = backend.write("G:AMANDA", Value::Scalar(12.5), None).await?;
    /// assert!(result.is_success());
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// How each DPM list names its owner to the server: the `#USER`, `#PID` and `#TYPE`
    /// list properties (default: the login name, this process and `pacsys-rs/<version>`;
    /// [`ListIdentity::none`](crate::ListIdentity::none) sends none).
    ///
    /// ```
    /// use pacsys::{DpmBackend, ListIdentity};
    ///
    /// let backend = DpmBackend::builder()
    ///     .identity(ListIdentity::of_process().client_type("orbit-scan"))
    ///     .env(Default::default())
    ///     .build()?;
    /// # drop(backend);
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn identity(mut self, identity: crate::ListIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Another DPM host for when the ones before it refuse or die (may be given several
    /// times; tried in order, after any listed in `PACSYS_DPM_HOST`). Subscriptions move to
    /// the next host that answers and re-add their requests, reporting the gap. The host
    /// setting and `PACSYS_DPM_HOST` also take a comma-separated list
    /// (`dpm-a,dpm-b:6803`): the first is the host, the others fallbacks, each on the
    /// configured port unless it names its own.
    ///
    /// ```
    /// use pacsys::DpmBackend;
    ///
    /// let backend = DpmBackend::builder()
    ///     .host("dpm-a.example,dpm-b.example:6803")
    ///     .fallback_host("dpm-c.example", 6802)
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.addr(), "dpm-a.example:6802");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn fallback_host(mut self, host: impl Into<String>, port: u16) -> Self {
        self.fallbacks.push((host.into(), port));
        self
    }

    /// How subscriptions behave: buffer, drop policy, liveness watchdog, reconnect backoff
    /// (default [`SubscriptionOptions::default`]: 10,000 readings, drop the oldest, 10 s
    /// watchdog, 100 ms to 30 s backoff).
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, DpmBackend, DropPolicy, Event, SubscriptionOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let port = server.port();
    /// let opts = SubscriptionOptions::default().buffer(100).drop_policy(DropPolicy::DropNewest);
    /// let backend = DpmBackend::builder()
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
    /// use pacsys::{Backend, DpmBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let (observer, mut rx) = Observer::channel(16);
    /// let backend = DpmBackend::builder()
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
    /// use pacsys::DpmBackend;
    ///
    /// let env = EnvConfig::from_lookup(|k| (k == "PACSYS_DPM_HOST").then(|| "dpm.example".to_owned()))?;
    /// assert_eq!(DpmBackend::builder().env(env.clone()).build()?.addr(), "dpm.example:6802");
    /// // A value given to the builder wins over the environment.
    /// assert_eq!(DpmBackend::builder().host("other").env(env).build()?.addr(), "other:6802");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn env(mut self, env: EnvConfig) -> Self {
        self.env = Some(env);
        self
    }

    /// Builds the backend. No I/O: connections are made on first use.
    ///
    /// Settings resolve as everywhere: builder, then environment, then the reference
    /// default ([`EnvConfig::resolve`]). Fails with an [`ErrorKind::Config`](crate::ErrorKind::Config)
    /// error (the [`ConfigError`](crate::env::ConfigError) is its source) if a `PACSYS_*`
    /// variable or a setting is invalid.
    ///
    /// ```
    /// use pacsys::env::ConfigError;
    /// use pacsys::{DpmBackend, ErrorKind};
    ///
    /// let backend = DpmBackend::builder().host("127.0.0.1").env(Default::default()).build()?;
    /// assert_eq!(backend.addr(), "127.0.0.1:6802"); // nothing was connected yet
    /// let bad = DpmBackend::builder().pool_size(0).env(Default::default()).build().unwrap_err();
    /// assert_eq!(bad.kind(), ErrorKind::Config);
    /// assert!(bad.source_as::<ConfigError>().is_some());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn build(self) -> Result<DpmBackend, Error> {
        let env = match self.env {
            Some(ref env) => env.clone(),
            None => EnvConfig::from_env()?,
        };
        // What `DpmBackend::sibling` builds again: these settings, the environment as read now.
        let recipe = Box::new(DpmBackendBuilder {
            env: Some(env.clone()),
            ..self.clone()
        });
        let config = EnvConfig {
            dpm_host: self.host,
            dpm_port: self.port,
            pool_size: self.pool_size,
            timeout: self.timeout,
            ..EnvConfig::default()
        }
        .or(env)
        .resolve()?;
        let timeout = config.timeout;
        let mut hosts = host_list(&config.dpm_host, config.dpm_port)?.into_iter();
        let (host, port) = hosts.next().ok_or_else(|| {
            Error::new(
                crate::ErrorKind::Config,
                "the DPM host setting lists no host",
            )
        })?;
        let mut client = DpmClient::builder().host(host).port(port);
        for (host, port) in hosts.chain(self.fallbacks) {
            client = client.fallback_host(host, port);
        }
        let mut client = client
            .pool_size(config.pool_size)
            .pool_wait(timeout)
            .connect_timeout(timeout);
        if let Some(role) = self.role {
            client = client.role(role);
        }
        if let Some(identity) = self.identity {
            client = client.identity(identity);
        }
        let stale_after = self.subscription.as_ref().and_then(|o| o.stale_window());
        if let Some(options) = self.subscription {
            client = client.subscription_options(options);
        }
        #[cfg(feature = "kerberos")]
        if let Some(realm) = self.kerberos_realm {
            client = client.kerberos(pacsys_dpm_core::KerberosConfig::default().realm(realm));
        }
        Ok(DpmBackend {
            recipe,
            client: client.build(),
            timeout,
            subscriptions: Registry::with_observer(self.observer.clone()),
            observer: self.observer,
            stale_after,
        })
    }
}

/// The [`Backend`] over DPM/HTTP: pooled connections for one-shot reads, one connection
/// per subscription, one kept write connection (Kerberos-authenticated with the
/// `kerberos` feature).
///
/// ```
/// use pacsys::{Backend, DpmBackend};
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
/// for result in backend.get_many(&["M:OUTTMP", "G:AMANDA"], None).await {
///     match result {
///         Ok(reading) => println!("{} = {:?}", reading.drf, reading.value),
///         Err(e) => println!("{e}"),
///     }
/// }
/// # let values: Vec<_> = backend.get_many(&["M:OUTTMP", "G:AMANDA"], None).await
/// #     .into_iter().map(|r| r.ok().and_then(|r| r.value)).collect();
/// # assert_eq!(values, [Some(pacsys::Value::Scalar(72.5)), Some(pacsys::Value::Scalar(42.0))]);
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DpmBackend {
    /// The settings it was built from (for [`DpmBackend::sibling`]).
    recipe: Box<DpmBackendBuilder>,
    client: DpmClient,
    timeout: Duration,
    subscriptions: Registry,
    observer: Option<Observer>,
    /// [`SubscriptionOptions::stale_after`], applied to every subscription.
    stale_after: Option<Duration>,
}

impl DpmBackend {
    /// A builder with the reference defaults and the environment.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Backend, DpmBackend};
    ///
    /// let backend = DpmBackend::builder().env(Default::default()).build()?; // the reference defaults
    /// assert_eq!(backend.addr(), "acsys-proxy.fnal.gov:6802");
    /// assert_eq!(backend.timeout(), Duration::from_secs(5));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn builder() -> DpmBackendBuilder {
        DpmBackendBuilder::default()
    }

    /// A backend with the same settings (the environment as it was read when this one was
    /// built) and connections of its own: nothing is shared with this one. A caller that
    /// drives its reads from a runtime of its own (a blocking caller's current-thread
    /// runtime, as `pacsys_rs` does for its blocking reads) uses one so that the pooled
    /// connections live on that runtime.
    ///
    /// ```
    /// let backend = pacsys::DpmBackend::builder()
    ///     .host("localhost")
    ///     .port(6810)
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.sibling()?.addr(), "localhost:6810");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn sibling(&self) -> Result<DpmBackend, Error> {
        DpmBackendBuilder::clone(&self.recipe).build()
    }

    /// `host:port` of the DPM/HTTP proxy.
    ///
    /// ```
    /// let backend = pacsys::DpmBackend::builder()
    ///     .host("localhost")
    ///     .port(6810)
    ///     .env(Default::default())
    ///     .build()?;
    /// assert_eq!(backend.addr(), "localhost:6810");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn addr(&self) -> String {
        self.client.addr()
    }

    /// The underlying `pacsys-dpm-core` client, for what the facade does not cover yet
    /// (statistics, control commands, subscription options).
    ///
    /// ```
    /// use pacsys::{Backend, DpmBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
    /// backend.read("M:OUTTMP", None).await?;
    /// let stats = backend.client().stats();
    /// assert_eq!(stats.readings, 1);
    /// assert_eq!(stats.connects, 1);
    /// # drop(backend);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &DpmClient {
        &self.client
    }

    /// Whether [`Backend::close`] was called (every call then fails with
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed)).
    pub fn is_closed(&self) -> bool {
        self.subscriptions.is_closed()
    }
}

impl Backend for DpmBackend {
    async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        let results = async {
            if self.is_closed() {
                return all_closed(drfs.len(), Transport::Dpm);
            }
            if drfs.is_empty() {
                return Vec::new();
            }
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
                return all_closed(settings.len(), Transport::Dpm);
            }
            if settings.is_empty() {
                return Vec::new();
            }
            // The core plans every setting (WritePlan): a value or a DRF that cannot be
            // written fails its own slot there, before anything is sent.
            let timeout = timeout.unwrap_or(self.timeout);
            write_with_alarm_blocks(
                settings,
                timeout,
                Transport::Dpm,
                |batch, left| async move { self.client.write_many(&batch, left).await },
            )
            .await
        }
        .await;
        if let Some(o) = &self.observer {
            o.results("write_many", &results);
        }
        results
    }

    async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        if self.is_closed() {
            return Err(Error::closed().with_transport(Transport::Dpm));
        }
        if drfs.is_empty() {
            return Err(empty_subscription());
        }
        let sub = self.subscriptions.dpm(self.client.subscribe(drfs).await?);
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
        if cfg!(feature = "kerberos") {
            caps | Capabilities::WRITE | Capabilities::AUTH_KERBEROS
        } else {
            caps
        }
    }

    fn principal(&self) -> Result<Option<String>, Error> {
        if cfg!(feature = "kerberos") {
            self.client.principal().map(Some)
        } else {
            // Without Kerberos, settings are not authenticated: no verified identity.
            Ok(None)
        }
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

    #[test]
    fn builder_precedence_is_argument_then_env_then_default() {
        let env = EnvConfig::from_lookup(|k| match k {
            "PACSYS_DPM_HOST" => Some("env-host".into()),
            "PACSYS_DPM_PORT" => Some("7000".into()),
            _ => None,
        })
        .unwrap();
        let b = DpmBackend::builder().env(env.clone()).build().unwrap();
        assert_eq!(b.addr(), "env-host:7000");
        let b = DpmBackend::builder().host("arg").env(env).build().unwrap();
        assert_eq!(b.addr(), "arg:7000");
        let b = DpmBackend::builder()
            .env(EnvConfig::default())
            .build()
            .unwrap();
        assert_eq!(b.addr(), "acsys-proxy.fnal.gov:6802");
        assert_eq!(b.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn builder_rejects_invalid_settings() {
        let e = DpmBackend::builder().env(EnvConfig::default());
        let kind = |b: DpmBackendBuilder| b.build().map(|_| ()).map_err(|e| e.kind());
        assert_eq!(kind(e.clone().port(0)), Err(crate::ErrorKind::Config));
        assert_eq!(kind(e.clone().host("")), Err(crate::ErrorKind::Config));
        assert_eq!(kind(e.pool_size(0)), Err(crate::ErrorKind::Config));
    }

    #[test]
    fn builder_values_win_over_the_environment_setting_by_setting() {
        let env = EnvConfig {
            dpm_port: Some(7001),
            timeout: Some(Duration::from_secs(3)),
            ..EnvConfig::default()
        };
        let b = DpmBackend::builder()
            .timeout(Duration::from_secs(7))
            .env(env.clone())
            .build()
            .unwrap();
        assert_eq!(b.timeout, Duration::from_secs(7));
        assert_eq!(b.addr(), "acsys-proxy.fnal.gov:7001");
        let b = DpmBackend::builder().env(env).build().unwrap();
        assert_eq!(b.timeout, Duration::from_secs(3));
    }
}

#[cfg(test)]
mod host_list_tests {
    use super::host_list;

    #[test]
    fn lists_split_with_their_own_or_the_default_port() {
        let hosts = host_list(" a , b:6803,[::1]:6804, ::2 ,[::3]", 6802).expect("valid");
        let want = [
            ("a", 6802),
            ("b", 6803),
            ("::1", 6804),
            ("::2", 6802),
            ("::3", 6802),
        ];
        let got: Vec<(&str, u16)> = hosts.iter().map(|(h, p)| (h.as_str(), *p)).collect();
        assert_eq!(got, want);
        assert!(host_list("a:notaport", 6802).is_err());
        assert!(host_list(",", 6802).expect("valid").is_empty());
    }
}
