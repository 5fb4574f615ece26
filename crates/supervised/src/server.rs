//! [`SupervisedServer`]: configuration and start-up; [`RunningServer`]: the handle.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use pacsys::Backend;
use pacsys_grpc_core::proto::services::daq::daq_server::DaqServer;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::audit::{AuditLog, AuditStats};
use crate::error::{ConfigError, ProxyError};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::policy::{Policy, PolicyChain};
use crate::service::{Service, Shared, jwt_subject};

/// The default listening address: loopback only.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 50051);

/// The default largest number of DRFs (or settings) in one call.
pub const DEFAULT_MAX_DRFS: usize = 10_000;

/// The default most streaming reads one client address may have open at once.
pub const DEFAULT_MAX_STREAMS_PER_CLIENT: usize = 256;

/// The default most connections one client address may have open at once.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 64;

/// The default time a connection may stay without traffic either way before it is closed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// A supervised DAQ gRPC proxy in front of a backend `B`: serves `services.daq.DAQ`,
/// passes every call through the gate, the policy chain and the audit log, then calls the
/// backend's async API directly.
///
/// Safe defaults: binds `127.0.0.1:50051`; with no policy reads are allowed and settings
/// denied; a non-loopback address needs TLS or an explicit
/// [`allow_plaintext_remote`](SupervisedServer::allow_plaintext_remote).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pacsys_supervised::ProxyError> {
/// use pacsys_supervised::SupervisedServer;
/// use pacsys_supervised::pattern::{DevicePattern, Syntax};
/// use pacsys_supervised::policy::{Action, DeviceAccessPolicy, Mode};
/// use pacsys_testing::FakeBackend;
///
/// let allow = DeviceAccessPolicy::new(
///     vec![DevicePattern::new("G:AMANDA", Syntax::Glob)?],
///     Mode::Allow,
///     Action::Set,
/// )?;
/// let server = SupervisedServer::new(FakeBackend::new())
///     .bind("127.0.0.1:0".parse().unwrap())
///     .token("secret")
///     .policy(allow)
///     .start()
///     .await?;
/// println!("serving on {}", server.addr());
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct SupervisedServer<B> {
    backend: Arc<B>,
    policies: Vec<Box<dyn Policy>>,
    bind: SocketAddr,
    token: Option<String>,
    jwt: Option<crate::jwt::JwtValidator>,
    token_for_reads: bool,
    audit: Option<AuditLog>,
    max_drfs: usize,
    max_streams_per_client: usize,
    max_connections_per_client: usize,
    idle_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    allow_plaintext_remote: bool,
    metrics_bind: Option<SocketAddr>,
    #[cfg(feature = "tls")]
    tls: Option<(Vec<u8>, Vec<u8>)>,
}

impl<B> std::fmt::Debug for SupervisedServer<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisedServer")
            .field("bind", &self.bind)
            .field("policies", &self.policies)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl<B: Backend + 'static> SupervisedServer<B> {
    /// A proxy over `backend` with the defaults.
    pub fn new(backend: B) -> SupervisedServer<B> {
        SupervisedServer::from_arc(Arc::new(backend))
    }

    /// A proxy over a shared backend.
    pub fn from_arc(backend: Arc<B>) -> SupervisedServer<B> {
        SupervisedServer {
            backend,
            policies: Vec::new(),
            bind: DEFAULT_BIND,
            token: None,
            jwt: None,
            token_for_reads: false,
            audit: None,
            max_drfs: DEFAULT_MAX_DRFS,
            max_streams_per_client: DEFAULT_MAX_STREAMS_PER_CLIENT,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            call_timeout: None,
            allow_plaintext_remote: false,
            metrics_bind: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// The listening address (default `127.0.0.1:50051`; port 0 picks a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Also serves the counters in the Prometheus text format on `http://<addr>/metrics`
    /// (off by default). A non-loopback address needs
    /// [`allow_plaintext_remote`](Self::allow_plaintext_remote), as the gRPC port does.
    ///
    /// ```
    /// use pacsys_supervised::SupervisedServer;
    /// use pacsys_testing::FakeBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = SupervisedServer::new(FakeBackend::new())
    ///     .bind("127.0.0.1:0".parse()?)
    ///     .metrics_bind("127.0.0.1:0".parse()?)
    ///     .start()
    ///     .await?;
    /// assert!(server.metrics_addr().is_some_and(|a| a.ip().is_loopback()));
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn metrics_bind(mut self, addr: SocketAddr) -> Self {
        self.metrics_bind = Some(addr);
        self
    }

    /// Appends a policy to the chain.
    pub fn policy(mut self, policy: impl Policy + 'static) -> Self {
        self.policies.push(Box::new(policy));
        self
    }

    /// Appends boxed policies to the chain.
    pub fn policies(mut self, policies: Vec<Box<dyn Policy>>) -> Self {
        self.policies.extend(policies);
        self
    }

    /// Requires `authorization: Bearer <token>` on `Set` (compared in constant time);
    /// other calls get `UNAUTHENTICATED`. The token's `sub` claim, if it is a JWT, names
    /// the caller in the audit log and keys rate limits.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Accepts bearer JWTs that `validator` verifies (signature, `exp`, `nbf`, `iss`, `aud`);
    /// their verified `sub` is the caller's identity for policies, rate limits and the audit
    /// log. Calls that need authentication (`Set`, and `Read` with
    /// [`token_for_reads`](Self::token_for_reads)) without a valid token get
    /// `UNAUTHENTICATED`. Can be combined with [`token`](Self::token) (either passes).
    ///
    /// ```
    /// use pacsys_supervised::SupervisedServer;
    /// use pacsys_supervised::jwt::{JwtKeys, JwtValidator};
    /// use pacsys_testing::FakeBackend;
    ///
    /// let validator = JwtValidator::try_new(JwtKeys::Hs256(b"0123456789abcdef".to_vec()))?
    ///     .issuer("https://auth.example")
    ///     .audience("pacsys-proxy");
    /// let server = SupervisedServer::new(FakeBackend::new()).jwt(validator);
    /// # drop(server);
    /// # Ok::<(), pacsys_supervised::jwt::JwtError>(())
    /// ```
    #[cfg(feature = "jwt")]
    pub fn jwt(mut self, validator: crate::jwt::JwtValidator) -> Self {
        self.jwt = Some(validator);
        self
    }

    /// Also requires the token on `Read` (default off, as the reference).
    pub fn token_for_reads(mut self, on: bool) -> Self {
        self.token_for_reads = on;
        self
    }

    /// Writes an audit record for every decision and outcome.
    pub fn audit(mut self, log: AuditLog) -> Self {
        self.audit = Some(log);
        self
    }

    /// The largest number of DRFs or settings in one call (default 10,000); larger calls
    /// get `INVALID_ARGUMENT`.
    pub fn max_drfs(mut self, n: usize) -> Self {
        self.max_drfs = n.max(1);
        self
    }

    /// The most streaming reads one client address may have open at once (default 256);
    /// one more gets `RESOURCE_EXHAUSTED`. Keyed by IP address without the port, so new
    /// connections do not reset it.
    ///
    /// ```
    /// use pacsys_supervised::SupervisedServer;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let server = SupervisedServer::new(FakeBackend::new()).max_streams_per_client(16);
    /// # drop(server);
    /// ```
    pub fn max_streams_per_client(mut self, n: usize) -> Self {
        self.max_streams_per_client = n.max(1);
        self
    }

    /// Most connections one client address may have open at once (default 64; at least 1).
    /// A connection beyond it is closed at once (the client sees a reset connection) and counted
    /// in `connections_refused`.
    ///
    /// ```
    /// use pacsys_supervised::SupervisedServer;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let server = SupervisedServer::new(FakeBackend::new()).max_connections_per_client(8);
    /// # drop(server);
    /// ```
    pub fn max_connections_per_client(mut self, n: usize) -> Self {
        self.max_connections_per_client = n.max(1);
        self
    }

    /// Closes a connection after `timeout` with no bytes read or written (default 300 s;
    /// `None` never). A stream that delivers data is never idle.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys_supervised::SupervisedServer;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let server = SupervisedServer::new(FakeBackend::new()).idle_timeout(Some(Duration::from_secs(60)));
    /// # drop(server);
    /// ```
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout.filter(|t| !t.is_zero());
        self
    }

    /// The total timeout of one backend call (default: the backend's).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Allows a non-loopback address without TLS (refused by default: tokens and
    /// settings would cross the network in clear text).
    pub fn allow_plaintext_remote(mut self, on: bool) -> Self {
        self.allow_plaintext_remote = on;
        self
    }

    /// Serves TLS with this PEM certificate chain and private key (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.tls = Some((cert_pem.into(), key_pem.into()));
        self
    }

    fn has_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        {
            self.tls.is_some()
        }
        #[cfg(not(feature = "tls"))]
        {
            false
        }
    }

    /// Binds and starts serving in the background of the current tokio runtime.
    pub async fn start(self) -> Result<RunningServer<B>, ProxyError> {
        if !self.bind.ip().is_loopback() && !self.has_tls() && !self.allow_plaintext_remote {
            return Err(ConfigError::Invalid(format!(
                "refusing to serve plaintext on the non-loopback address {}: configure TLS, or allow_plaintext_remote",
                self.bind
            ))
            .into());
        }
        if let Some(t) = &self.token
            && (t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(ConfigError::Invalid(
                "the token must be non-empty and contain no whitespace".into(),
            )
            .into());
        }
        let listener = TcpListener::bind(self.bind)
            .await
            .map_err(|e| ProxyError::Bind {
                addr: self.bind.to_string(),
                reason: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| ProxyError::Bind {
            addr: self.bind.to_string(),
            reason: e.to_string(),
        })?;
        let metrics_listener = match self.metrics_bind {
            Some(m) if !m.ip().is_loopback() && !self.allow_plaintext_remote => {
                return Err(ConfigError::Invalid(format!(
                    "refusing to serve metrics on the non-loopback address {m}: use a loopback address, or allow_plaintext_remote"
                ))
                .into());
            }
            Some(m) => Some(TcpListener::bind(m).await.map_err(|e| ProxyError::Bind {
                addr: m.to_string(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let metrics_addr = match &metrics_listener {
            Some(l) => Some(l.local_addr().map_err(|e| ProxyError::Bind {
                addr: format!("{:?}", self.metrics_bind),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let shutdown = CancellationToken::new();
        let metrics = Arc::new(Metrics::default());
        let audit = self.audit.map(Arc::new);
        if let Some(listener) = metrics_listener {
            let (metrics, audit) = (Arc::clone(&metrics), audit.clone());
            let snapshot = Arc::new(move || metrics.snapshot(audit.as_ref().map(|a| a.stats())));
            tokio::spawn(crate::prometheus::serve(
                listener,
                snapshot,
                shutdown.clone(),
            ));
            if let Some(a) = metrics_addr {
                tracing::info!(url = %crate::prometheus::describe(a), "metrics endpoint listening");
            }
        }
        let shared = Arc::new(Shared {
            backend: self.backend,
            chain: PolicyChain::new(self.policies),
            expected: self
                .token
                .as_ref()
                .map(|t| format!("Bearer {t}").into_bytes()),
            token_subject: self.token.as_deref().and_then(jwt_subject),
            jwt: self.jwt,
            token_for_reads: self.token_for_reads,
            audit: audit.clone(),
            metrics: Arc::clone(&metrics),
            max_drfs: self.max_drfs,
            call_timeout: self.call_timeout,
            shutdown: shutdown.clone(),
            streams: Arc::new(crate::limits::PerAddress::new(self.max_streams_per_client)),
        });
        let service = DaqServer::from_arc(Arc::new(Service(Arc::clone(&shared))));
        #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
        let mut builder = tonic::transport::Server::builder()
            .initial_connection_window_size(Some(8 * 1024 * 1024))
            .initial_stream_window_size(Some(4 * 1024 * 1024));
        #[cfg(feature = "tls")]
        if let Some((cert, key)) = &self.tls {
            let identity = tonic::transport::Identity::from_pem(cert, key);
            builder = builder
                .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
                .map_err(|e| ProxyError::Tls(e.to_string()))?;
        }
        let incoming = crate::limits::limited_incoming(
            listener,
            crate::limits::ConnectionLimits {
                per_address: Arc::new(crate::limits::PerAddress::new(
                    self.max_connections_per_client,
                )),
                idle: self.idle_timeout,
            },
            Arc::clone(&metrics),
        );
        let signal = shutdown.clone();
        let task = tokio::spawn(async move {
            let served = builder
                .serve_with_incoming_shutdown(service, incoming, signal.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the supervised proxy stopped with an error");
            }
        });
        tracing::info!(%addr, "supervised DAQ proxy listening");
        Ok(RunningServer {
            addr,
            metrics_addr,
            shared,
            audit,
            shutdown,
            task: Some(task),
        })
    }
}

/// A running proxy. [`RunningServer::shutdown`] stops it (open streams end with
/// `UNAVAILABLE`) and closes the audit log; dropping it stops serving without waiting.
pub struct RunningServer<B> {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    shared: Arc<Shared<B>>,
    audit: Option<Arc<AuditLog>>,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl<B> std::fmt::Debug for RunningServer<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl<B> RunningServer<B> {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address of the Prometheus endpoint, when it was switched on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The backend it serves.
    pub fn backend(&self) -> &B {
        &self.shared.backend
    }

    /// The counters now.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.shared
            .metrics
            .snapshot(self.audit.as_ref().map(|a| a.stats()))
    }

    /// The audit log's counters, if there is one.
    pub fn audit_stats(&self) -> Option<AuditStats> {
        self.audit.as_ref().map(|a| a.stats())
    }

    /// Stops serving: open streams end with `UNAVAILABLE`, then the server task is awaited
    /// (at most 5 s, then aborted) and the audit log is flushed and closed (at most 5 s).
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        // Let dropped streams hand their result records over before closing.
        tokio::task::yield_now().await;
        if let Some(audit) = &self.audit
            && tokio::time::timeout(Duration::from_secs(5), audit.close())
                .await
                .is_err()
        {
            tracing::error!("the audit log did not close within 5 s");
        }
    }
}

impl<B> Drop for RunningServer<B> {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
