//! [`DpmBackend`]: the [`Backend`] over DPM/HTTP (`pacsys-dpm-core`).

use std::time::Duration;

use pacsys_dpm_core::{DpmClient, SettingValue};
use pacsys_types::{Reading, Value};

use crate::backend::{all_closed, empty_subscription};
use crate::env::{self, EnvConfig};
use crate::observe::Observer;
use crate::subscription::Registry;
use crate::{Backend, Capabilities, Error, Subscription, WriteResult};

/// The reference's default DPM/HTTP proxy host.
pub const DEFAULT_DPM_HOST: &str = "acsys-proxy.fnal.gov";
/// The reference's default DPM/HTTP proxy port.
pub const DEFAULT_DPM_PORT: u16 = 6802;
/// The default number of pooled connections for one-shot reads.
pub const DEFAULT_POOL_SIZE: usize = 4;
/// The default total timeout of one call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// # let server = pacsys_testing::FakeDpmServer::builder().start().await?;
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
    /// # let server = pacsys_testing::FakeDpmServer::builder().insecure_settings(true).start().await?;
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
    /// Fails with [`Error::Config`] if a `PACSYS_*` variable or a setting is invalid.
    ///
    /// ```
    /// use pacsys::{DpmBackend, Error};
    ///
    /// let backend = DpmBackend::builder().host("127.0.0.1").env(Default::default()).build()?;
    /// assert_eq!(backend.addr(), "127.0.0.1:6802"); // nothing was connected yet
    /// let bad = DpmBackend::builder().pool_size(0).env(Default::default()).build();
    /// assert!(matches!(bad, Err(Error::Config(_))));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn build(self) -> Result<DpmBackend, Error> {
        let env = match self.env {
            Some(env) => env,
            None => EnvConfig::from_env()?,
        };
        let host = self
            .host
            .or(env.dpm_host)
            .unwrap_or_else(|| DEFAULT_DPM_HOST.to_owned());
        let port = self.port.or(env.dpm_port).unwrap_or(DEFAULT_DPM_PORT);
        let pool_size = self
            .pool_size
            .or(env.pool_size)
            .unwrap_or(DEFAULT_POOL_SIZE);
        let timeout = self.timeout.or(env.timeout).unwrap_or(DEFAULT_TIMEOUT);
        env::validate(&host, port, timeout)?;
        if pool_size == 0 {
            return Err(env::ConfigError::Invalid {
                name: "pool_size",
                value: "0".into(),
                expected: "a whole number of at least 1",
            }
            .into());
        }
        let mut client = DpmClient::builder()
            .host(host)
            .port(port)
            .pool_size(pool_size)
            .pool_wait(timeout)
            .connect_timeout(timeout);
        if let Some(role) = self.role {
            client = client.role(role);
        }
        #[cfg(feature = "kerberos")]
        if let Some(realm) = self.kerberos_realm {
            client = client.kerberos(pacsys_dpm_core::KerberosConfig::default().realm(realm));
        }
        Ok(DpmBackend {
            client: client.build(),
            timeout,
            subscriptions: Registry::with_observer(self.observer.clone()),
            observer: self.observer,
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
/// # let server = pacsys_testing::FakeDpmServer::builder().start().await?;
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
    client: DpmClient,
    timeout: Duration,
    subscriptions: Registry,
    observer: Option<Observer>,
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
    /// # let server = pacsys_testing::FakeDpmServer::builder().start().await?;
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

    fn is_closed(&self) -> bool {
        self.subscriptions.is_closed()
    }
}

/// The DPM setting for a value, or why it cannot be written.
fn setting_value(drf: &str, value: &Value) -> Result<SettingValue, Error> {
    Ok(match value {
        Value::Scalar(x) => SettingValue::Scalar(*x),
        Value::Array(xs) => SettingValue::Array(xs.clone()),
        Value::Raw(b) => SettingValue::Raw(b.clone()),
        Value::Text(s) => SettingValue::Text(s.clone()),
        Value::TextArray(s) => SettingValue::TextArray(s.clone()),
        other => {
            return Err(Error::Unsupported {
                drf: drf.to_owned(),
                reason: format!(
                    "a {} value cannot be written through the facade yet; write its fields (e.g. `.ANALOG.MAX`) as scalars",
                    other.kind_name()
                ),
            });
        }
    })
}

impl Backend for DpmBackend {
    async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        let results = async {
            if self.is_closed() {
                return all_closed(drfs.len());
            }
            if drfs.is_empty() {
                return Vec::new();
            }
            self.client
                .read_many(drfs, timeout.unwrap_or(self.timeout))
                .await
                .into_iter()
                .map(|r| r.map_err(Error::from))
                .collect()
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
                return all_closed(settings.len());
            }
            // Convert each value; only the convertible ones are sent.
            let mut results: Vec<Option<Result<WriteResult, Error>>> = Vec::new();
            let mut sent: Vec<(&str, SettingValue)> = Vec::new();
            for (drf, value) in settings {
                match setting_value(drf.as_ref(), value) {
                    Ok(v) => {
                        sent.push((drf.as_ref(), v));
                        results.push(None);
                    }
                    Err(e) => results.push(Some(Err(e))),
                }
            }
            let mut outcomes = if sent.is_empty() {
                Vec::new()
            } else {
                self.client
                    .write_many(&sent, timeout.unwrap_or(self.timeout))
                    .await
            }
            .into_iter();
            results
                .into_iter()
                .map(|slot| match slot {
                    Some(done) => done,
                    None => match outcomes.next() {
                        Some(Ok(o)) => Ok(WriteResult::new(o.drf, o.status)),
                        Some(Err(e)) => Err(Error::from(e)),
                        None => Err(Error::Protocol {
                            detail: "the DPM core returned fewer results than settings".into(),
                        }),
                    },
                })
                .collect()
        }
        .await;
        if let Some(o) = &self.observer {
            o.results("write_many", &results);
        }
        results
    }

    async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        if drfs.is_empty() {
            return Err(empty_subscription());
        }
        let sub = self.client.subscribe(drfs).await?;
        Ok(self.subscriptions.dpm(sub))
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
            self.client.principal().map(Some).map_err(Error::from)
        } else {
            // Without Kerberos, settings are not authenticated: no verified identity.
            Ok(None)
        }
    }

    async fn close(&self) {
        self.subscriptions.close();
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
        assert!(matches!(e.clone().port(0).build(), Err(Error::Config(_))));
        assert!(matches!(e.clone().host("").build(), Err(Error::Config(_))));
        assert!(matches!(e.pool_size(0).build(), Err(Error::Config(_))));
    }

    #[test]
    fn alarm_values_are_not_writable_yet() {
        let v = Value::BasicStatus(Default::default());
        assert!(matches!(
            setting_value("M:OUTTMP", &v),
            Err(Error::Unsupported { .. })
        ));
        assert_eq!(
            setting_value("M:OUTTMP", &Value::Scalar(1.0)).unwrap(),
            SettingValue::Scalar(1.0)
        );
    }
}
