//! [`DpmClient`]: the entry point. Batch reads over a connection pool, subscriptions on
//! their own connections.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::connection::ConnectConfig;
use crate::pool::Pool;
use crate::session::PreparedRead;
use crate::stats::{Counters, Stats, Tally};
use crate::subscription::{Subscription, SubscriptionOptions, parse_all};
use crate::{Error, Reading};

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
    pool_size: usize,
    pool_wait: Duration,
    connect_timeout: Duration,
    max_frame_len: usize,
    pooled_watchdog: Option<Duration>,
    subscription: SubscriptionOptions,
}

impl Default for DpmClientBuilder {
    fn default() -> Self {
        DpmClientBuilder {
            host: "acsys-proxy.fnal.gov".into(),
            port: 6802,
            pool_size: 4,
            pool_wait: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            max_frame_len: pacsys_dpm_proto::DEFAULT_MAX_FRAME_LEN,
            pooled_watchdog: Some(Duration::from_secs(10)),
            subscription: SubscriptionOptions::default(),
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

    /// Most pooled read connections (default 4).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }

    /// Longest wait for a free pooled connection before [`Error::PoolExhausted`] (default
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
    /// with [`Error::ConnectionLost`] instead of letting it run into its timeout, and never
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

    /// Builds the client. Nothing connects until the first operation.
    pub fn build(self) -> DpmClient {
        let cfg = ConnectConfig {
            host: self.host,
            port: self.port,
            connect_timeout: self.connect_timeout,
            max_frame_len: self.max_frame_len,
            liveness: self.pooled_watchdog,
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

    /// `host:port`.
    pub fn addr(&self) -> String {
        self.inner.cfg.addr()
    }

    /// Reads every DRF once (spec 6.3) and returns one result per DRF, in input order.
    ///
    /// * DRFs without an explicit event get `@I` (spec 6.7); explicit events and historical
    ///   sources are sent as written. `<-LOGGER` / `<-LOGGERDURATION` history comes back as
    ///   one [`Value::TimedArray`](crate::Value::TimedArray) of all chunks.
    /// * A DRF that does not parse gets [`Error::InvalidRequest`], one with the never event
    ///   `@N` (DPM never answers it) [`Error::Unsupported`], without touching the network;
    ///   neither fails the others.
    /// * A Status reply (unknown device, DPM_PEND, ...) gives [`Error::Device`]; requests
    ///   unanswered after `timeout` give [`Error::Timeout`]; a transport failure gives
    ///   [`Error::ConnectionLost`] (or the connect error) for every unanswered request.
    /// * The timeout covers everything: waiting for a pooled connection, connecting, the
    ///   read. Nothing is retried past it.
    pub async fn read_many<S: AsRef<str>>(
        &self,
        drfs: &[S],
        timeout: Duration,
    ) -> Vec<Result<Reading, Error>> {
        let deadline = Instant::now() + timeout;
        let requests: Vec<Result<PreparedRead, Error>> = drfs
            .iter()
            .map(|d| PreparedRead::parse(d.as_ref()))
            .collect();
        if requests.iter().all(Result::is_err) {
            // Nothing to send: every result is its parse error (the `Ok` arm cannot occur).
            return requests
                .into_iter()
                .map(|r| r.and(Err(Error::Closed)))
                .collect();
        }
        // Keep what a whole-read failure needs: which slots were valid.
        let valid: Vec<bool> = requests.iter().map(Result::is_ok).collect();
        let invalid: Vec<Option<Error>> =
            requests.iter().map(|r| r.as_ref().err().cloned()).collect();
        match self.inner.pool.read(requests, deadline).await {
            Ok(done) if done.results.len() == drfs.len() => done.results,
            Ok(_) => fill(
                &valid,
                invalid,
                &Error::ConnectionLost {
                    reason: "the connection task ended during the read".into(),
                },
            ),
            Err(e) => fill(&valid, invalid, &e),
        }
    }

    /// Reads one DRF (see [`DpmClient::read_many`]).
    pub async fn read(&self, drf: &str, timeout: Duration) -> Result<Reading, Error> {
        self.read_many(&[drf], timeout)
            .await
            .pop()
            .unwrap_or(Err(Error::Closed))
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

    /// The client's counters (reads and every subscription together).
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// Idle pooled connections right now.
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle()
    }
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
