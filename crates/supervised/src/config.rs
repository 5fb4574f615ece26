//! The proxy's TOML configuration ([`ProxyConfig`]), as read by `pacsys-proxy`.
//!
//! ```toml
//! bind = "127.0.0.1:50051"          # the default; a non-loopback address needs [tls]
//! token_env = "PACSYS_PROXY_TOKEN"  # or token = "..." or token_file = "/etc/proxy.token"
//! token_for_reads = false
//! max_drfs = 10000
//! max_streams_per_client = 256
//! call_timeout_secs = 5.0
//! metrics_interval_secs = 60
//! metrics_bind = "127.0.0.1:9464"   # Prometheus /metrics (off when absent)
//!
//! [backend]
//! kind = "dpm"                      # "fake" (default), "dpm" or "grpc"
//! host = "acsys-proxy.fnal.gov"
//! port = 6802
//!
//! [audit]
//! path = "/var/log/pacsys-proxy/audit.jsonl"
//! queue = 4096
//!
//! [[policy]]
//! type = "device_access"
//! mode = "allow"                    # allow | deny
//! action = "set"                    # read | set | all
//! patterns = ["G:AMANDA", "Z:ACL*"]
//! syntax = "glob"                   # glob | regex
//!
//! [[policy]]
//! type = "rate_limit"
//! max_requests = 100
//! window_seconds = 60
//! scope = "client"                  # client | client_device
//!
//! [[policy]]
//! type = "value_range"
//! limits = [{ pattern = "G:AMANDA", min = 0.0, max = 100.0 }]
//!
//! [[policy]]
//! type = "slew_rate"
//! limits = [{ pattern = "G:AMANDA", max_step = 5.0 }]
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::audit::{AuditLog, DEFAULT_QUEUE};
use crate::error::{ConfigError, ProxyError};
use crate::pattern::{DevicePattern, Syntax};
use crate::policy::{
    Action, DeviceAccessPolicy, Mode, Policy, RateLimitPolicy, RateScope, ReadOnlyPolicy,
    SlewLimit, SlewRatePolicy, ValueRangePolicy,
};
use crate::server::{
    DEFAULT_BIND, DEFAULT_MAX_DRFS, DEFAULT_MAX_STREAMS_PER_CLIENT, SupervisedServer,
};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ProxyConfig {
    /// Listening address (default `127.0.0.1:50051`).
    #[serde(default = "default_bind")]
    pub bind: SocketAddr,
    /// The bearer token required on `Set`.
    #[serde(default)]
    pub token: Option<String>,
    /// A file holding the token (surrounding whitespace trimmed).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// An environment variable holding the token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Also require the token on `Read`.
    #[serde(default)]
    pub token_for_reads: bool,
    /// Allow a non-loopback address without TLS.
    #[serde(default)]
    pub allow_plaintext_remote: bool,
    /// Largest number of DRFs or settings in one call.
    #[serde(default = "default_max_drfs")]
    pub max_drfs: usize,
    /// Most streaming reads one client address may have open at once.
    #[serde(default = "default_max_streams_per_client")]
    pub max_streams_per_client: usize,
    /// Most connections one client address may have open at once (default 64).
    #[serde(default = "default_max_connections_per_client")]
    pub max_connections_per_client: usize,
    /// Close a connection after this many seconds without traffic either way (default
    /// 300; 0 = never).
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_secs: f64,
    /// Total timeout of one backend call, in seconds (default: the backend's).
    #[serde(default)]
    pub call_timeout_secs: Option<f64>,
    /// Serve the counters in the Prometheus text format on `http://<address>/metrics`
    /// (off by default; a loopback address unless `allow_plaintext_remote`).
    #[serde(default)]
    pub metrics_bind: Option<SocketAddr>,
    /// How often `pacsys-proxy` logs its counters, in seconds (0 = never).
    #[serde(default = "default_metrics_interval")]
    pub metrics_interval_secs: u64,
    /// The backend behind the proxy.
    #[serde(default)]
    pub backend: BackendConfig,
    /// TLS certificate and key (feature `tls`).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// The audit log.
    #[serde(default)]
    pub audit: Option<AuditConfig>,
    /// Validating bearer JWTs (`[jwt]`).
    #[serde(default)]
    pub jwt: Option<JwtConfig>,
    /// The policy chain, in order (`[[policy]]` tables).
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicyConfig>,
}

fn default_bind() -> SocketAddr {
    DEFAULT_BIND
}
fn default_max_drfs() -> usize {
    DEFAULT_MAX_DRFS
}
fn default_max_streams_per_client() -> usize {
    DEFAULT_MAX_STREAMS_PER_CLIENT
}
fn default_max_connections_per_client() -> usize {
    crate::server::DEFAULT_MAX_CONNECTIONS_PER_CLIENT
}
fn default_idle_timeout() -> f64 {
    crate::server::DEFAULT_IDLE_TIMEOUT.as_secs_f64()
}
fn default_metrics_interval() -> u64 {
    60
}
fn default_queue() -> usize {
    DEFAULT_QUEUE
}

/// Which backend the proxy serves.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
#[non_exhaustive]
pub enum BackendConfig {
    /// The simulator (feature `sim`): pacsys-sim's fake DPM server in-process on loopback,
    /// reached through a `DpmBackend` over the real protocol.
    #[default]
    Fake,
    /// DPM over DPM/HTTP.
    Dpm {
        /// Host (default: `PACSYS_DPM_HOST` or the reference default).
        #[serde(default)]
        host: Option<String>,
        /// Port.
        #[serde(default)]
        port: Option<u16>,
        /// Connection pool size for one-shot reads.
        #[serde(default)]
        pool_size: Option<usize>,
        /// Default call timeout in seconds.
        #[serde(default)]
        timeout_secs: Option<f64>,
    },
    /// Another DAQ gRPC server.
    Grpc {
        /// Host.
        #[serde(default)]
        host: Option<String>,
        /// Port.
        #[serde(default)]
        port: Option<u16>,
        /// The JWT the proxy presents upstream.
        #[serde(default)]
        token: Option<String>,
        /// Default call timeout in seconds.
        #[serde(default)]
        timeout_secs: Option<f64>,
    },
}

impl BackendConfig {
    /// Builds the DPM or gRPC backend this table describes (no I/O until the first call);
    /// `None` for `fake`, whose simulator the caller starts (it owns the server).
    ///
    /// ```
    /// use pacsys_supervised::config::BackendConfig;
    ///
    /// assert!(BackendConfig::Fake.build()?.is_none());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn build(&self) -> Result<Option<pacsys::AnyBackend>, pacsys::Error> {
        let secs = |s: &Option<f64>| s.and_then(|s| Duration::try_from_secs_f64(s).ok());
        Ok(Some(match self {
            BackendConfig::Fake => return Ok(None),
            BackendConfig::Dpm {
                host,
                port,
                pool_size,
                timeout_secs,
            } => {
                let mut b = pacsys::DpmBackend::builder();
                if let Some(h) = host {
                    b = b.host(h.clone());
                }
                if let Some(p) = port {
                    b = b.port(*p);
                }
                if let Some(n) = pool_size {
                    b = b.pool_size(*n);
                }
                if let Some(t) = secs(timeout_secs) {
                    b = b.timeout(t);
                }
                pacsys::AnyBackend::from(b.build()?)
            }
            BackendConfig::Grpc {
                host,
                port,
                token,
                timeout_secs,
            } => {
                let mut b = pacsys::GrpcBackend::builder();
                if let Some(h) = host {
                    b = b.host(h.clone());
                }
                if let Some(p) = port {
                    b = b.port(*p);
                }
                if let Some(t) = token {
                    b = b.token(t.clone());
                }
                if let Some(t) = secs(timeout_secs) {
                    b = b.timeout(t);
                }
                pacsys::AnyBackend::from(b.build()?)
            }
        }))
    }
}

/// TLS files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// The audit log file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// JSON-lines file, appended to.
    pub path: PathBuf,
    /// Queue capacity (records waiting for the writer thread).
    #[serde(default = "default_queue")]
    pub queue: usize,
}

/// Validating bearer JWTs: exactly one key source, and the claims to require.
///
/// ```
/// use pacsys_supervised::ProxyConfig;
///
/// let c = ProxyConfig::from_toml(
///     "[jwt]\nhs256_secret_env = \"PROXY_JWT_SECRET\"\nissuer = \"https://auth.example\"\naudience = \"pacsys-proxy\"\nleeway_secs = 30\n",
/// )?;
/// assert_eq!(c.jwt.as_ref().and_then(|j| j.issuer.as_deref()), Some("https://auth.example"));
/// # Ok::<(), pacsys_supervised::ConfigError>(())
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct JwtConfig {
    /// HS256: an environment variable holding the shared secret (at least 16 bytes).
    #[serde(default)]
    pub hs256_secret_env: Option<String>,
    /// HS256: a file holding the shared secret (surrounding whitespace trimmed).
    #[serde(default)]
    pub hs256_secret_file: Option<PathBuf>,
    /// RS256 or ES256: a PEM file with the public key.
    #[serde(default)]
    pub public_key_pem: Option<PathBuf>,
    /// RS256 / ES256: a JWKS file (`{"keys": [...]}`); the token's `kid` picks the key.
    #[serde(default)]
    pub jwks: Option<PathBuf>,
    /// The required `iss`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The required `aud`.
    #[serde(default)]
    pub audience: Option<String>,
    /// Clock leeway for `exp` and `nbf`, in seconds (default 60).
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
}

/// Why a `[jwt]` table is refused by a build without the `jwt` feature.
#[cfg(not(feature = "jwt"))]
const NO_JWT: &str =
    "[jwt]: this build has no JWT support (pacsys-supervised's `jwt` feature is off)";

fn default_leeway() -> u64 {
    60
}

impl JwtConfig {
    /// Reads the key source and builds the validator.
    #[cfg(feature = "jwt")]
    pub fn validator(&self) -> Result<crate::jwt::JwtValidator, ConfigError> {
        use crate::jwt::{JwtKeys, JwtValidator};
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })
        };
        let sources = [
            self.hs256_secret_env.is_some(),
            self.hs256_secret_file.is_some(),
            self.public_key_pem.is_some(),
            self.jwks.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() != 1 {
            return Err(ConfigError::Invalid(
                "[jwt] needs exactly one of hs256_secret_env, hs256_secret_file, public_key_pem, jwks".into(),
            ));
        }
        let keys =
            if let Some(var) = &self.hs256_secret_env {
                let secret = std::env::var(var).map_err(|_| {
                    ConfigError::Invalid(format!("[jwt] hs256_secret_env: ${var} is not set"))
                })?;
                JwtKeys::Hs256(secret.trim().as_bytes().to_vec())
            } else if let Some(path) = &self.hs256_secret_file {
                let text = read(path)?;
                JwtKeys::Hs256(String::from_utf8_lossy(&text).trim().as_bytes().to_vec())
            } else if let Some(path) = &self.public_key_pem {
                JwtKeys::Pem(read(path)?)
            } else if let Some(path) = &self.jwks {
                let text = read(path)?;
                JwtKeys::Jwks(serde_json::from_slice(&text).map_err(|e| {
                    ConfigError::Invalid(format!("[jwt] jwks {}: {e}", path.display()))
                })?)
            } else {
                return Err(ConfigError::Invalid("[jwt] has no key source".into()));
            };
        let mut v = JwtValidator::try_new(keys)
            .map_err(|e| ConfigError::Invalid(format!("[jwt]: {e}")))?
            .leeway_secs(self.leeway_secs);
        if let Some(iss) = &self.issuer {
            v = v.issuer(iss);
        }
        if let Some(aud) = &self.audience {
            v = v.audience(aud);
        }
        Ok(v)
    }
}

/// One value limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeLimit {
    /// Device pattern.
    pub pattern: String,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
}

/// One slew limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlewEntry {
    /// Device pattern.
    pub pattern: String,
    /// Largest change per setting.
    #[serde(default)]
    pub max_step: Option<f64>,
    /// Largest change per second.
    #[serde(default)]
    pub max_rate: Option<f64>,
}

/// One `[[policy]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum PolicyConfig {
    /// [`ReadOnlyPolicy`].
    ReadOnly {},
    /// [`DeviceAccessPolicy`].
    DeviceAccess {
        /// Device patterns.
        patterns: Vec<String>,
        /// allow or deny.
        mode: Mode,
        /// read, set or all (default all).
        #[serde(default)]
        action: Action,
        /// glob or regex (default glob).
        #[serde(default)]
        syntax: Syntax,
    },
    /// [`RateLimitPolicy`].
    RateLimit {
        /// Requests per window.
        max_requests: u32,
        /// Window length in seconds (default 60).
        #[serde(default = "default_window")]
        window_seconds: f64,
        /// client or client_device (default client).
        #[serde(default)]
        scope: RateScope,
        /// read, set or all (default all).
        #[serde(default)]
        action: Action,
        /// Only these devices (default: all).
        #[serde(default)]
        devices: Vec<String>,
    },
    /// [`ValueRangePolicy`].
    ValueRange {
        /// The limits.
        limits: Vec<RangeLimit>,
        /// Devices whose raw data may be set.
        #[serde(default)]
        allow_raw: Vec<String>,
    },
    /// [`SlewRatePolicy`].
    SlewRate {
        /// The limits.
        limits: Vec<SlewEntry>,
    },
}

fn default_window() -> f64 {
    60.0
}

fn globs(patterns: &[String], syntax: Syntax) -> Result<Vec<DevicePattern>, ConfigError> {
    patterns
        .iter()
        .map(|p| DevicePattern::new(p, syntax))
        .collect()
}

fn secs(name: &str, s: f64) -> Result<Duration, ConfigError> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| ConfigError::Invalid(format!("{name} must be a positive number of seconds")))
}

impl PolicyConfig {
    /// Builds the policy.
    pub fn build(&self) -> Result<Box<dyn Policy>, ConfigError> {
        Ok(match self {
            PolicyConfig::ReadOnly {} => Box::new(ReadOnlyPolicy),
            PolicyConfig::DeviceAccess {
                patterns,
                mode,
                action,
                syntax,
            } => Box::new(DeviceAccessPolicy::new(
                globs(patterns, *syntax)?,
                *mode,
                *action,
            )?),
            PolicyConfig::RateLimit {
                max_requests,
                window_seconds,
                scope,
                action,
                devices,
            } => Box::new(RateLimitPolicy::new(
                *max_requests,
                secs("window_seconds", *window_seconds)?,
                *scope,
                *action,
                globs(devices, Syntax::Glob)?,
            )?),
            PolicyConfig::ValueRange { limits, allow_raw } => Box::new(ValueRangePolicy::new(
                limits
                    .iter()
                    .map(|l| Ok((DevicePattern::new(&l.pattern, Syntax::Glob)?, l.min, l.max)))
                    .collect::<Result<_, ConfigError>>()?,
                globs(allow_raw, Syntax::Glob)?,
            )?),
            PolicyConfig::SlewRate { limits } => Box::new(SlewRatePolicy::new(
                limits
                    .iter()
                    .map(|l| {
                        Ok((
                            DevicePattern::new(&l.pattern, Syntax::Glob)?,
                            SlewLimit {
                                max_step: l.max_step,
                                max_rate: l.max_rate,
                            },
                        ))
                    })
                    .collect::<Result<_, ConfigError>>()?,
            )?),
        })
    }
}

impl ProxyConfig {
    /// Parses TOML text and checks every policy.
    pub fn from_toml(text: &str) -> Result<ProxyConfig, ConfigError> {
        let config: ProxyConfig =
            toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        config.build_policies()?;
        let sources = [
            config.token.is_some(),
            config.token_file.is_some(),
            config.token_env.is_some(),
        ];
        if sources.iter().filter(|x| **x).count() > 1 {
            return Err(ConfigError::Invalid(
                "give at most one of token, token_file and token_env".into(),
            ));
        }
        if let Some(t) = config.call_timeout_secs {
            secs("call_timeout_secs", t)?;
        }
        Ok(config)
    }

    /// Reads and parses a TOML file.
    pub fn from_file(path: &Path) -> Result<ProxyConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        ProxyConfig::from_toml(&text)
    }

    /// The token from `token`, `token_file` or `token_env`.
    pub fn resolve_token(&self) -> Result<Option<String>, ConfigError> {
        if let Some(t) = &self.token {
            return Ok(Some(t.clone()));
        }
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            return Ok(Some(text.trim().to_owned()));
        }
        if let Some(var) = &self.token_env {
            return std::env::var(var)
                .map(|t| Some(t.trim().to_owned()))
                .map_err(|_| ConfigError::Invalid(format!("token_env: ${var} is not set")));
        }
        Ok(None)
    }

    /// Builds the policy chain.
    pub fn build_policies(&self) -> Result<Vec<Box<dyn Policy>>, ConfigError> {
        self.policies.iter().map(PolicyConfig::build).collect()
    }

    /// Applies everything but the backend to a server builder: address, token, policies,
    /// limits, audit log (opened here) and TLS.
    pub fn apply<B: pacsys::Backend + 'static>(
        &self,
        server: SupervisedServer<B>,
    ) -> Result<SupervisedServer<B>, ProxyError> {
        let mut server = server
            .bind(self.bind)
            .policies(self.build_policies()?)
            .max_drfs(self.max_drfs)
            .max_streams_per_client(self.max_streams_per_client)
            .max_connections_per_client(self.max_connections_per_client)
            .token_for_reads(self.token_for_reads)
            .allow_plaintext_remote(self.allow_plaintext_remote);
        if let Some(token) = self.resolve_token()? {
            server = server.token(token);
        }
        if let Some(t) = self.call_timeout_secs {
            server = server.call_timeout(secs("call_timeout_secs", t)?);
        }
        server = server.idle_timeout(if self.idle_timeout_secs == 0.0 {
            None
        } else {
            Some(secs("idle_timeout_secs", self.idle_timeout_secs)?)
        });
        if let Some(jwt) = &self.jwt {
            #[cfg(feature = "jwt")]
            {
                server = server.jwt(jwt.validator()?);
            }
            #[cfg(not(feature = "jwt"))]
            {
                let _ = jwt;
                return Err(ConfigError::Invalid(NO_JWT.into()).into());
            }
        }
        if let Some(m) = self.metrics_bind {
            server = server.metrics_bind(m);
        }
        if let Some(audit) = &self.audit {
            let log =
                AuditLog::open(&audit.path, audit.queue).map_err(|source| ProxyError::Audit {
                    path: audit.path.clone(),
                    source,
                })?;
            server = server.audit(log);
        }
        if let Some(tls) = &self.tls {
            server = apply_tls(server, tls)?;
        }
        Ok(server)
    }
}

#[cfg(feature = "tls")]
fn apply_tls<B: pacsys::Backend + 'static>(
    server: SupervisedServer<B>,
    tls: &TlsConfig,
) -> Result<SupervisedServer<B>, ProxyError> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })
    };
    Ok(server.tls(read(&tls.cert)?, read(&tls.key)?))
}

#[cfg(not(feature = "tls"))]
fn apply_tls<B: pacsys::Backend + 'static>(
    _server: SupervisedServer<B>,
    _tls: &TlsConfig,
) -> Result<SupervisedServer<B>, ProxyError> {
    Err(
        ConfigError::Invalid("[tls] needs pacsys-supervised built with the `tls` feature".into())
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("config.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
            .collect::<Vec<_>>()
            .join("\n");
        let config = ProxyConfig::from_toml(&example).unwrap();
        assert_eq!(config.policies.len(), 4);
        assert!(matches!(
            config.backend,
            BackendConfig::Dpm {
                port: Some(6802),
                ..
            }
        ));
        assert_eq!(config.token_env.as_deref(), Some("PACSYS_PROXY_TOKEN"));
    }

    #[test]
    fn defaults_are_safe() {
        let c = ProxyConfig::from_toml("").unwrap();
        assert_eq!(c.bind, DEFAULT_BIND);
        assert!(c.bind.ip().is_loopback());
        assert!(c.policies.is_empty());
        assert!(matches!(c.backend, BackendConfig::Fake));
        assert_eq!(c.metrics_bind, None, "no metrics endpoint unless asked");
        assert_eq!(c.max_connections_per_client, 64);
        assert_eq!(c.idle_timeout_secs, 300.0);
        let c = ProxyConfig::from_toml("metrics_bind = \"127.0.0.1:9464\"").unwrap();
        assert_eq!(c.metrics_bind, Some("127.0.0.1:9464".parse().unwrap()));
    }

    #[cfg(not(feature = "jwt"))]
    #[test]
    fn a_jwt_table_is_refused_without_the_feature() {
        let c = ProxyConfig::from_toml("[jwt]\nhs256_secret_env = \"X\"\n").unwrap();
        let server = SupervisedServer::new(pacsys_testing::FakeBackend::new());
        let e = c.apply(server).err().expect("refused");
        assert!(e.to_string().contains("jwt"), "{e}");
    }

    #[cfg(feature = "jwt")]
    #[test]
    fn jwt_key_sources() {
        let dir = std::env::temp_dir().join(format!("pacsys-jwt-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("secret");
        std::fs::write(&secret, "  0123456789abcdef0123  \n").unwrap();
        let toml = format!(
            "[jwt]\nhs256_secret_file = {:?}\naudience = \"a\"\n",
            secret
        );
        let c = ProxyConfig::from_toml(&toml).unwrap();
        assert!(c.jwt.as_ref().unwrap().validator().is_ok());
        let two = format!(
            "[jwt]\nhs256_secret_file = {:?}\njwks = {:?}\n",
            secret, secret
        );
        let c = ProxyConfig::from_toml(&two).unwrap();
        assert!(
            c.jwt.as_ref().unwrap().validator().is_err(),
            "two key sources"
        );
        let none = ProxyConfig::from_toml("[jwt]\nissuer = \"x\"\n").unwrap();
        assert!(
            none.jwt.as_ref().unwrap().validator().is_err(),
            "no key source"
        );
        let missing =
            ProxyConfig::from_toml("[jwt]\npublic_key_pem = \"/nonexistent/k.pem\"\n").unwrap();
        assert!(matches!(
            missing.jwt.as_ref().unwrap().validator(),
            Err(ConfigError::Read { .. })
        ));
        std::fs::write(&secret, "short").unwrap();
        let c = ProxyConfig::from_toml(&toml).unwrap();
        assert!(c.jwt.as_ref().unwrap().validator().is_err(), "short secret");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn mistakes_are_refused() {
        for bad in [
            "bnd = \"127.0.0.1:1\"",
            "[[policy]]\ntype = \"nope\"",
            "[[policy]]\ntype = \"device_access\"\nmode = \"allow\"\naction = \"read\"\npatterns = [\"X:Y\"]",
            "[[policy]]\ntype = \"device_access\"\nmode = \"deny\"\npatterns = [\"[X\"]",
            "[[policy]]\ntype = \"rate_limit\"\nmax_requests = 0",
            "[[policy]]\ntype = \"rate_limit\"\nmax_requests = 1\nwindow_seconds = -1",
            "[[policy]]\ntype = \"value_range\"\nlimits = [{ pattern = \"X:Y\", min = 2.0, max = 1.0 }]",
            "[[policy]]\ntype = \"slew_rate\"\nlimits = [{ pattern = \"X:Y\" }]",
            "[[policy]]\ntype = \"read_only\"\nextra = 1",
            "token = \"a\"\ntoken_env = \"B\"",
            "[backend]\nkind = \"dpm\"\nhots = \"x\"",
            "metrics_bind = \"localhost\"",
            "idle_timeout_secs = \"x\"",
            "[jwt]\nissuer = \"x\"\nisuer = \"y\"",
        ] {
            assert!(ProxyConfig::from_toml(bad).is_err(), "accepted: {bad}");
        }
    }
}
