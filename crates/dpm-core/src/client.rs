//! [`DpmClient`]: the entry point. Batch reads over a connection pool, subscriptions on
//! their own connections.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::connection::{ConnectConfig, Hosts};
use crate::pool::Pool;
use crate::session::ReadPlan;
use crate::stats::{Counters, Stats, Tally};
use crate::subscription::{Subscription, parse_all};
use crate::write::{ControlCommand, PreparedWrite};
use crate::write_conn::{WriteAuth, WriteConnection};
use crate::{
    Error, ErrorKind, ListIdentity, Reading, SubscriptionOptions, Transport, WriteResult,
    WriteValue,
};

/// Configures a [`DpmClient`].
///
/// ```
/// use std::time::Duration;
/// use pacsys_dpm_core::DpmClient;
///
/// let client = DpmClient::builder()
///     .host("127.0.0.1")
///     .port(6802)
///     .pool_size(8)
///     .connect_timeout(Duration::from_secs(2))
///     .build();
/// assert_eq!(client.addr(), "127.0.0.1:6802");
/// ```
#[derive(Debug, Clone)]
pub struct DpmClientBuilder {
    host: String,
    port: u16,
    fallbacks: Vec<(String, u16)>,
    pool_size: usize,
    pool_wait: Duration,
    connect_timeout: Duration,
    max_frame_len: usize,
    pooled_watchdog: Option<Duration>,
    subscription: SubscriptionOptions,
    role: Option<String>,
    write_auth: WriteAuth,
    write_idle: Duration,
    identity: ListIdentity,
}

/// The default authentication of writes: Kerberos with the `kerberos` feature, else none.
fn default_write_auth() -> WriteAuth {
    #[cfg(feature = "kerberos")]
    {
        WriteAuth::Kerberos(crate::kerberos::KerberosConfig::default())
    }
    #[cfg(not(feature = "kerberos"))]
    {
        WriteAuth::None {
            user: std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned()),
        }
    }
}

impl Default for DpmClientBuilder {
    fn default() -> Self {
        DpmClientBuilder {
            host: "acsys-proxy.fnal.gov".into(),
            port: 6802,
            fallbacks: Vec::new(),
            pool_size: 4,
            pool_wait: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            max_frame_len: pacsys_dpm_proto::DEFAULT_MAX_FRAME_LEN,
            pooled_watchdog: Some(Duration::from_secs(10)),
            subscription: SubscriptionOptions::default(),
            role: None,
            write_auth: default_write_auth(),
            write_idle: Duration::from_secs(60),
            identity: ListIdentity::of_process(),
        }
    }
}

impl DpmClientBuilder {
    /// The DPM/HTTP host (default `acsys-proxy.fnal.gov`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The port (default 6802).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Another DPM host to use when the ones before it refuse or fail the handshake (may be
    /// given several times; tried in order). Every connection of the client starts at the
    /// host in use and moves on from there: a subscription whose host died reconnects to the
    /// next one that answers and re-adds its requests there (reporting the gap as usual),
    /// and reads open their connections on it too.
    ///
    /// ```
    /// use pacsys_dpm_core::DpmClient;
    ///
    /// let client = DpmClient::builder()
    ///     .host("dpm-a.example")
    ///     .fallback_host("dpm-b.example", 6802)
    ///     .build();
    /// assert_eq!(client.addr(), "dpm-a.example:6802");
    /// ```
    pub fn fallback_host(mut self, host: impl Into<String>, port: u16) -> Self {
        self.fallbacks.push((host.into(), port));
        self
    }

    /// Most pooled read connections (default 4).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }

    /// Longest wait for a free pooled connection before [`ErrorKind::PoolExhausted`](crate::ErrorKind::PoolExhausted) (default
    /// 5 s; a read's own timeout also bounds it).
    pub fn pool_wait(mut self, wait: Duration) -> Self {
        self.pool_wait = wait;
        self
    }

    /// Bound on TCP connect, handshake and OpenList (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Largest frame accepted (default 1 MiB, the reference limit).
    pub fn max_frame_len(mut self, len: usize) -> Self {
        self.max_frame_len = len;
        self
    }

    /// Liveness window of pooled read connections (default 10 s; DPM sends a heartbeat every
    /// 2 s): a connection that stays silent this long is closed, failing a read in progress
    /// with [`ErrorKind::ConnectionLost`](crate::ErrorKind::ConnectionLost) instead of letting it run into its timeout, and never
    /// handed to the next read. `None` switches it off.
    pub fn pooled_watchdog(mut self, window: Option<Duration>) -> Self {
        self.pooled_watchdog = window;
        self
    }

    /// Defaults for [`DpmClient::subscribe`].
    pub fn subscription_options(mut self, opts: SubscriptionOptions) -> Self {
        self.subscription = opts;
        self
    }

    /// The settings role, sent with every write batch as the list property `#ROLE:<role>`
    /// (spec 6.6.3). Default: none.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Writes WITHOUT authentication, applying settings as `user`. Production DPM refuses
    /// such settings (DPM_PRIV per setting); this is for test servers that accept
    /// unauthenticated settings. The default without the `kerberos` feature, as `$USER`.
    pub fn settings_user(mut self, user: impl Into<String>) -> Self {
        self.write_auth = WriteAuth::None { user: user.into() };
        self
    }

    /// Authenticates the write connection with Kerberos (spec 6.6.1-6.6.2); the default
    /// with the `kerberos` feature.
    ///
    /// ```
    /// # #[cfg(feature = "kerberos")] {
    /// use pacsys_dpm_core::{DpmClient, KerberosConfig};
    /// let client = DpmClient::builder()
    ///     .kerberos(KerberosConfig::default().realm("FNAL.GOV"))
    ///     .role("testing")
    ///     .build();
    /// # drop(client); }
    /// ```
    #[cfg(feature = "kerberos")]
    pub fn kerberos(mut self, config: crate::kerberos::KerberosConfig) -> Self {
        self.write_auth = WriteAuth::Kerberos(config);
        self
    }

    /// How long the write connection may sit unused before the next write reconnects
    /// (default 60 s, as the reference).
    pub fn write_idle_limit(mut self, limit: Duration) -> Self {
        self.write_idle = limit;
        self
    }

    /// How each list names its owner to the server: the `#USER`, `#PID` and `#TYPE` list
    /// properties sent on every connection (default [`ListIdentity::of_process`];
    /// [`ListIdentity::none`] sends none).
    ///
    /// ```
    /// use pacsys_dpm_core::{DpmClient, ListIdentity};
    ///
    /// let client = DpmClient::builder()
    ///     .identity(ListIdentity::of_process().client_type("orbit-scan"))
    ///     .build();
    /// # drop(client);
    /// ```
    pub fn identity(mut self, identity: ListIdentity) -> Self {
        self.identity = identity;
        self
    }

    /// Builds the client. Nothing connects until the first operation.
    pub fn build(self) -> DpmClient {
        let mut hosts = vec![(self.host, self.port)];
        hosts.extend(self.fallbacks);
        let cfg = ConnectConfig {
            hosts: Arc::new(Hosts::new(hosts)),
            connect_timeout: self.connect_timeout,
            max_frame_len: self.max_frame_len,
            liveness: self.pooled_watchdog,
            properties: self.identity.properties().into(),
        };
        let counters = Arc::new(Counters::default());
        let tally = Tally {
            own: Arc::clone(&counters),
            parent: None,
        };
        DpmClient {
            inner: Arc::new(Inner {
                pool: Pool::new(cfg.clone(), self.pool_size, self.pool_wait, tally),
                cfg,
                counters,
                subscription: self.subscription,
                role: self.role,
                write_auth: self.write_auth,
                write_idle: self.write_idle,
                writer: tokio::sync::Mutex::new(None),
            }),
        }
    }
}

#[derive(Debug)]
struct Inner {
    cfg: ConnectConfig,
    pool: Pool,
    counters: Arc<Counters>,
    subscription: SubscriptionOptions,
    role: Option<String>,
    write_auth: WriteAuth,
    write_idle: Duration,
    /// The write connection, kept between writes (writes are serialised on it).
    writer: tokio::sync::Mutex<Option<WriteConnection>>,
}

/// A DPM/HTTP client: batch reads over a pool of connections, and subscriptions.
///
/// Cheap to clone; clones share the pool and the counters.
///
/// ```no_run
/// use std::time::Duration;
/// use pacsys_dpm_core::DpmClient;
///
/// # async fn demo() {
/// let client = DpmClient::builder().host("127.0.0.1").port(6802).build();
/// let results = client.read_many(&["M:OUTTMP", "Z:NOPE", "bad drf@@"], Duration::from_secs(5)).await;
/// for r in &results {
///     match r {
///         Ok(reading) => println!("{} = {:?} {:?}", reading.drf, reading.value, reading.units()),
///         Err(e) => println!("{e}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DpmClient {
    inner: Arc<Inner>,
}

impl DpmClient {
    /// A builder with the defaults (acsys-proxy.fnal.gov:6802, pool of 4, 5 s timeouts).
    pub fn builder() -> DpmClientBuilder {
        DpmClientBuilder::default()
    }

    /// `host:port` of the DPM host in use (the first host, until a failover to a
    /// [`fallback_host`](DpmClientBuilder::fallback_host)).
    pub fn addr(&self) -> String {
        self.inner.cfg.addr()
    }

    /// Reads every DRF once (spec 6.3) and returns one result per DRF, in input order.
    ///
    /// * DRFs without an explicit event get `@I` (spec 6.7); explicit events and historical
    ///   sources are sent as written. `<-LOGGER` / `<-LOGGERDURATION` history comes back as
    ///   one [`Value::TimedArray`](crate::Value::TimedArray) of all chunks.
    /// * A DRF that does not parse gets [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest), one with the never event
    ///   `@N` (DPM never answers it) [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported), without touching the network;
    ///   neither fails the others.
    /// * A Status reply (unknown device, DPM_PEND, ...) gives [`ErrorKind::Device`](crate::ErrorKind::Device); requests
    ///   unanswered after `timeout` give [`ErrorKind::Timeout`](crate::ErrorKind::Timeout); a transport failure gives
    ///   [`ErrorKind::ConnectionLost`](crate::ErrorKind::ConnectionLost) (or the connect error) for every unanswered request.
    /// * The timeout covers everything: waiting for a pooled connection, connecting, the
    ///   read. Nothing is retried past it.
    pub async fn read_many<S: AsRef<str>>(
        &self,
        drfs: &[S],
        timeout: Duration,
    ) -> Vec<Result<Reading, Error>> {
        let deadline = Instant::now() + timeout;
        let requests: Vec<Result<ReadPlan, Error>> = drfs
            .iter()
            .map(|d| ReadPlan::new(d.as_ref()).map_err(|e| e.with_transport(Transport::Dpm)))
            .collect();
        if requests.iter().all(Result::is_err) {
            // Nothing to send: every result is its parse error (the `Ok` arm cannot occur).
            return requests
                .into_iter()
                .map(|r| r.and_then(|_| Err(Error::closed())))
                .collect();
        }
        // Keep what a whole-read failure needs: which slots were valid.
        let valid: Vec<bool> = requests.iter().map(Result::is_ok).collect();
        let invalid: Vec<Option<Error>> =
            requests.iter().map(|r| r.as_ref().err().cloned()).collect();
        let addr = self.addr();
        let results = match self.inner.pool.read(requests, deadline).await {
            Ok(done) if done.results.len() == drfs.len() => done.results,
            Ok(_) => fill(
                &valid,
                invalid,
                &Error::connection_lost("the read ended without an answer for every request"),
            ),
            Err(e) => fill(&valid, invalid, &e),
        };
        results
            .into_iter()
            .map(|r| r.map_err(|e| located(e, &addr, timeout)))
            .collect()
    }

    /// Reads one DRF (see [`DpmClient::read_many`]).
    pub async fn read(&self, drf: &str, timeout: Duration) -> Result<Reading, Error> {
        self.read_many(&[drf], timeout)
            .await
            .pop()
            .unwrap_or_else(|| Err(Error::closed().with_transport(Transport::Dpm)))
    }

    /// Subscribes to `drfs` on a new dedicated connection, with the client's default
    /// [`SubscriptionOptions`]. Every DRF is checked first (an invalid one fails the call);
    /// they are sent as written (give them a repeating event such as `@p,1000`).
    pub async fn subscribe<S: AsRef<str>>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        self.subscribe_with(drfs, self.inner.subscription.clone())
            .await
    }

    /// [`DpmClient::subscribe`] with explicit options.
    pub async fn subscribe_with<S: AsRef<str>>(
        &self,
        drfs: &[S],
        opts: SubscriptionOptions,
    ) -> Result<Subscription, Error> {
        let drfs = parse_all(drfs)?;
        let tally = Tally {
            own: Arc::new(Counters::default()),
            parent: Some(Arc::clone(&self.inner.counters)),
        };
        Subscription::start(self.inner.cfg.clone(), drfs, opts, tally).await
    }

    /// Writes every setting in one batch (spec 6.6.3) and returns one result per setting, in
    /// input order.
    ///
    /// * Each DRF is prepared for writing (spec 6.7): READING becomes SETTING, STATUS becomes
    ///   CONTROL, the event becomes `@N`; a control command ([`WriteValue::Control`]) targets CONTROL. A DRF
    ///   that does not parse gives [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest), a read-only target
    ///   (`<-LOGGER`, DESCRIPTION, a whole alarm block, ...) [`ErrorKind::ReadOnly`](crate::ErrorKind::ReadOnly); neither is
    ///   sent nor fails the others.
    /// * All settings travel in ONE ApplySettings request on the client's write connection,
    ///   which is authenticated once (with the `kerberos` feature) and kept for the next
    ///   write; writes are serialised on it.
    /// * A refused setting gives [`ErrorKind::SettingRejected`](crate::ErrorKind::SettingRejected) with its status and the role. A
    ///   setting whose ApplySettings was sent but not answered in time (or whose connection
    ///   failed afterwards) gives [`ErrorKind::OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown) and is never retried; the
    ///   connection is closed. A failure before ApplySettings was sent is retried once on a
    ///   fresh connection when the kept connection had gone stale.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use pacsys_dpm_core::DpmClient;
    /// use pacsys_dpm_core::write::{ControlCommand, SettingValue};
    ///
    /// # async fn demo() {
    /// let client = DpmClient::builder().host("127.0.0.1").role("testing").build();
    /// let results = client
    ///     .write_many(
    ///         &[
    ///             ("M:OUTTMP", SettingValue::Scalar(72.5)),
    ///             ("Z:ACLTST[0:2]", SettingValue::Array(vec![1.0, 2.0, 3.0])),
    ///             ("Z:TEXTDV", "hello".into()),
    ///             ("Z:ACLTST", ControlCommand::On.into()),
    ///             ("M:OUTTMP.ANALOG.MAX", SettingValue::Scalar(120.0)),
    ///         ],
    ///         Duration::from_secs(5),
    ///     )
    ///     .await;
    /// for r in results {
    ///     match r {
    ///         Ok(done) => println!("{} written", done.drf),
    ///         Err(e) if e.is_outcome_unknown() => println!("read it back: {e}"),
    ///         Err(e) => println!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn write_many<S: AsRef<str>, V: Clone + Into<WriteValue>>(
        &self,
        settings: &[(S, V)],
        timeout: Duration,
    ) -> Vec<Result<WriteResult, Error>> {
        let addr = self.addr();
        self.write_batch(settings, timeout)
            .await
            .into_iter()
            .map(|r| r.map_err(|e| located(e, &addr, timeout)))
            .collect()
    }

    async fn write_batch<S: AsRef<str>, V: Clone + Into<WriteValue>>(
        &self,
        settings: &[(S, V)],
        timeout: Duration,
    ) -> Vec<Result<WriteResult, Error>> {
        let deadline = Instant::now() + timeout;
        let prepared: Vec<Result<PreparedWrite, Error>> = settings
            .iter()
            .map(|(d, v)| PreparedWrite::new(d.as_ref(), v.clone()))
            .collect();
        if prepared.iter().all(Result::is_err) {
            return prepared
                .into_iter()
                .map(|r| r.and_then(|_| Err(Error::closed())))
                .collect();
        }
        let timed_out = || Error::timeout("waiting for the write connection; nothing was written");
        let Ok(mut slot) = tokio::time::timeout_at(deadline, self.inner.writer.lock()).await else {
            return fill_writes(prepared, &timed_out());
        };
        let role = self.inner.role.as_deref();
        let mut retried = false;
        loop {
            let kept = slot
                .take()
                .filter(|c| !c.idle_longer_than(self.inner.write_idle));
            let reused = kept.is_some();
            let mut conn = match kept {
                Some(c) => c,
                None => {
                    let tally = Tally {
                        own: Arc::clone(&self.inner.counters),
                        parent: None,
                    };
                    let open =
                        WriteConnection::open(&self.inner.cfg, &self.inner.write_auth, &tally);
                    match tokio::time::timeout_at(deadline, open).await {
                        Ok(Ok(c)) => c,
                        Ok(Err(e)) => return fill_writes(prepared, &e),
                        Err(_) => return fill_writes(prepared, &timed_out()),
                    }
                }
            };
            let mut batch = conn.batch(role, prepared.clone());
            match conn.run(&mut batch, deadline).await {
                Ok(()) => {
                    if batch.reusable() {
                        *slot = Some(conn);
                    }
                    return batch.take_results();
                }
                Err(e)
                    if e.kind() == ErrorKind::ConnectionLost
                        && reused
                        && !retried
                        && !batch.apply_sent() =>
                {
                    // The kept connection had gone stale before anything was applied: one
                    // retry on a fresh connection (spec 6.6.3 step 7).
                    retried = true;
                }
                Err(_) => return batch.take_results(),
            }
        }
    }

    /// Writes one setting (see [`DpmClient::write_many`]).
    pub async fn write(
        &self,
        drf: &str,
        value: impl Into<WriteValue>,
        timeout: Duration,
    ) -> Result<WriteResult, Error> {
        let value: WriteValue = value.into();
        self.write_many(&[(drf, value)], timeout)
            .await
            .pop()
            .unwrap_or_else(|| Err(Error::closed().with_transport(Transport::Dpm)))
    }

    /// Sends a basic-control command to the device of `drf` (its CONTROL property, spec
    /// 6.6.3), e.g. `client.control("Z:ACLTST", ControlCommand::On, timeout)`.
    pub async fn control(
        &self,
        drf: &str,
        command: ControlCommand,
        timeout: Duration,
    ) -> Result<WriteResult, Error> {
        self.write(drf, command, timeout).await
    }

    /// The user settings are applied as: the Kerberos principal of the credential cache
    /// (with the `kerberos` feature and Kerberos configured; fails as the write would without
    /// a usable ticket), else the configured settings user.
    pub fn principal(&self) -> Result<String, Error> {
        match &self.inner.write_auth {
            WriteAuth::None { user } => Ok(user.clone()),
            #[cfg(feature = "kerberos")]
            WriteAuth::Kerberos(k) => crate::kerberos::principal(k).map_err(crate::auth_error),
        }
    }

    /// Whether a write connection is being kept for the next write.
    pub async fn has_write_connection(&self) -> bool {
        self.inner.writer.lock().await.is_some()
    }

    /// The client's counters (reads and every subscription together).
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// Idle pooled connections right now.
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle()
    }
}

fn fill_writes(
    prepared: Vec<Result<PreparedWrite, Error>>,
    e: &Error,
) -> Vec<Result<WriteResult, Error>> {
    prepared
        .into_iter()
        .map(|r| match r {
            Ok(_) => Err(e.clone()),
            Err(inv) => Err(inv),
        })
        .collect()
}

fn fill(valid: &[bool], invalid: Vec<Option<Error>>, e: &Error) -> Vec<Result<Reading, Error>> {
    valid
        .iter()
        .zip(invalid)
        .map(|(ok, inv)| match (ok, inv) {
            (false, Some(inv)) => Err(inv),
            _ => Err(e.clone()),
        })
        .collect()
}

/// What the client knows about an error it hands out: DPM as the transport, the server's
/// address for failures that involved it, and the configured timeout for a timeout.
fn located(e: Error, addr: &str, timeout: Duration) -> Error {
    let e = e.or_transport(Transport::Dpm);
    let e = match e.kind() {
        ErrorKind::InvalidRequest | ErrorKind::Unsupported | ErrorKind::ReadOnly => return e,
        ErrorKind::Timeout => e.or_elapsed(timeout),
        _ => e,
    };
    e.or_server(addr)
}
