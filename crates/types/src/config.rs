//! Configuration, resolved in one place for every crate: a value given to a builder (or a
//! command-line option) wins over the `PACSYS_*` environment, which wins over the reference
//! defaults ([`defaults`]). An empty variable counts as unset.
//!
//! Each layer is an [`EnvConfig`] (every setting optional); [`EnvConfig::or`] stacks two
//! layers and [`EnvConfig::resolve`] fills in the defaults and validates the result.
//!
//! ```
//! use std::time::Duration;
//! use pacsys_types::config::{defaults, EnvConfig};
//!
//! let env = EnvConfig::from_lookup(|k| match k {
//!     "PACSYS_DPM_HOST" => Some("dpm.example".to_owned()),
//!     "PACSYS_TIMEOUT" => Some("2".to_owned()),
//!     _ => None,
//! })?;
//! let builder = EnvConfig { timeout: Some(Duration::from_secs(9)), ..EnvConfig::default() };
//! let config = builder.or(env).resolve()?;
//! assert_eq!(config.dpm_host, "dpm.example");           // environment
//! assert_eq!(config.timeout, Duration::from_secs(9));   // builder wins
//! assert_eq!(config.dpm_port, defaults::DPM_PORT);      // default
//! # Ok::<(), pacsys_types::config::ConfigError>(())
//! ```

use std::time::Duration;

/// The reference's defaults (pacsys 0.3.0).
pub mod defaults {
    use std::time::Duration;

    /// DPM host: the Fermilab DPM proxy.
    pub const DPM_HOST: &str = "acsys-proxy.fnal.gov";
    /// DPM port.
    pub const DPM_PORT: u16 = 6802;
    /// DAQ gRPC host.
    pub const GRPC_HOST: &str = "dce08.fnal.gov";
    /// DAQ gRPC port.
    pub const GRPC_PORT: u16 = 50051;
    /// Timeout of one call.
    pub const TIMEOUT: Duration = Duration::from_secs(5);
    /// DPM pooled connections.
    pub const POOL_SIZE: usize = 4;
}

/// A configuration value (builder argument or environment variable) that is not valid.
///
/// ```
/// use pacsys_types::config::{ConfigError, EnvConfig};
///
/// let e = EnvConfig::from_lookup(|k| (k == "PACSYS_DPM_PORT").then(|| "0".to_owned()))
///     .unwrap_err();
/// assert!(matches!(e, ConfigError::Invalid { name: "PACSYS_DPM_PORT", .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The value does not parse or is out of range.
    Invalid {
        /// The environment variable or builder setting.
        name: &'static str,
        /// The value given.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Invalid {
                name,
                value,
                expected,
            } => write!(f, "invalid {name} {value:?}: expected {expected}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Which backend `PACSYS_BACKEND` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendKind {
    /// DPM/HTTP (the facade's `DpmBackend`), the default.
    Dpm,
    /// DAQ gRPC (the facade's `GrpcBackend`).
    Grpc,
}

/// The `PACSYS_*` variables this crate reads, parsed; `None` where unset.
///
/// Build it from the process environment with [`EnvConfig::from_env`], or from any lookup
/// function with [`EnvConfig::from_lookup`] (tests do that instead of touching the process
/// environment).
///
/// ```
/// use std::time::Duration;
/// use pacsys_types::config::EnvConfig;
///
/// let env = EnvConfig::from_lookup(|k| match k {
///     "PACSYS_DPM_HOST" => Some("localhost".to_owned()),
///     "PACSYS_TIMEOUT" => Some("2.5".to_owned()),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!(env.dpm_host.as_deref(), Some("localhost"));
/// assert_eq!(env.timeout, Some(Duration::from_millis(2500)));
/// assert_eq!(env.dpm_port, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvConfig {
    /// `PACSYS_DPM_HOST`.
    pub dpm_host: Option<String>,
    /// `PACSYS_DPM_PORT` (1-65535).
    pub dpm_port: Option<u16>,
    /// `PACSYS_GRPC_HOST`.
    pub grpc_host: Option<String>,
    /// `PACSYS_GRPC_PORT` (1-65535).
    pub grpc_port: Option<u16>,
    /// `PACSYS_TIMEOUT`, in seconds (finite, positive; fractions allowed). Applies to both
    /// backends (the reference ignored it for gRPC).
    pub timeout: Option<Duration>,
    /// `PACSYS_JWT_TOKEN`: the gRPC bearer token.
    pub jwt_token: Option<String>,
    /// `PACSYS_POOL_SIZE`: DPM pooled connections (at least 1).
    pub pool_size: Option<usize>,
    /// `PACSYS_BACKEND`: `dpm` or `grpc` (case-insensitive).
    pub backend: Option<BackendKind>,
}

impl EnvConfig {
    /// Reads the process environment. A variable that is not valid Unicode counts as unset.
    ///
    /// ```
    /// use pacsys_types::config::EnvConfig;
    ///
    /// // With PACSYS_DPM_PORT=6803 in the environment:
    /// # // SAFETY: single-threaded here; nothing else reads the environment.
    /// # unsafe { std::env::set_var("PACSYS_DPM_PORT", "6803") };
    /// let env = EnvConfig::from_env()?;
    /// assert_eq!(env.dpm_port, Some(6803));
    /// # Ok::<(), pacsys_types::config::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<EnvConfig, ConfigError> {
        EnvConfig::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the variables through `lookup` (name to value).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use pacsys_types::config::{BackendKind, EnvConfig};
    ///
    /// let vars = HashMap::from([("PACSYS_BACKEND", "grpc"), ("PACSYS_POOL_SIZE", "8")]);
    /// let env = EnvConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string()))?;
    /// assert_eq!(env.backend, Some(BackendKind::Grpc));
    /// assert_eq!(env.pool_size, Some(8));
    /// assert_eq!(env.dpm_host, None);
    /// # Ok::<(), pacsys_types::config::ConfigError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<EnvConfig, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Ok(EnvConfig {
            dpm_host: get("PACSYS_DPM_HOST").map(|v| v.trim().to_owned()),
            dpm_port: get("PACSYS_DPM_PORT")
                .map(|v| parse_port("PACSYS_DPM_PORT", &v))
                .transpose()?,
            grpc_host: get("PACSYS_GRPC_HOST").map(|v| v.trim().to_owned()),
            grpc_port: get("PACSYS_GRPC_PORT")
                .map(|v| parse_port("PACSYS_GRPC_PORT", &v))
                .transpose()?,
            timeout: get("PACSYS_TIMEOUT")
                .map(|v| parse_timeout("PACSYS_TIMEOUT", &v))
                .transpose()?,
            jwt_token: get("PACSYS_JWT_TOKEN").map(|v| v.trim().to_owned()),
            pool_size: get("PACSYS_POOL_SIZE")
                .map(|v| parse_pool_size("PACSYS_POOL_SIZE", &v))
                .transpose()?,
            backend: get("PACSYS_BACKEND")
                .map(|v| parse_backend("PACSYS_BACKEND", &v))
                .transpose()?,
        })
    }
}

impl EnvConfig {
    /// This layer over `lower`: each setting from `self` when set, else from `lower`.
    ///
    /// ```
    /// use pacsys_types::config::EnvConfig;
    /// let top = EnvConfig { dpm_port: Some(1), ..EnvConfig::default() };
    /// let low = EnvConfig { dpm_port: Some(2), pool_size: Some(3), ..EnvConfig::default() };
    /// let both = top.or(low);
    /// assert_eq!((both.dpm_port, both.pool_size), (Some(1), Some(3)));
    /// ```
    pub fn or(self, lower: EnvConfig) -> EnvConfig {
        EnvConfig {
            dpm_host: self.dpm_host.or(lower.dpm_host),
            dpm_port: self.dpm_port.or(lower.dpm_port),
            grpc_host: self.grpc_host.or(lower.grpc_host),
            grpc_port: self.grpc_port.or(lower.grpc_port),
            timeout: self.timeout.or(lower.timeout),
            jwt_token: self.jwt_token.or(lower.jwt_token),
            pool_size: self.pool_size.or(lower.pool_size),
            backend: self.backend.or(lower.backend),
        }
    }

    /// Fills every unset setting with its [default](defaults) and validates the result
    /// (hosts non-empty, ports non-zero, timeout positive, pool size at least 1).
    ///
    /// ```
    /// use pacsys_types::config::{defaults, BackendKind, EnvConfig};
    /// let c = EnvConfig::default().resolve()?;
    /// assert_eq!((c.dpm_host.as_str(), c.dpm_port), (defaults::DPM_HOST, defaults::DPM_PORT));
    /// assert_eq!(c.backend, BackendKind::Dpm);
    /// let bad = EnvConfig { dpm_host: Some(" ".into()), ..EnvConfig::default() };
    /// assert!(bad.resolve().is_err());
    /// # Ok::<(), pacsys_types::config::ConfigError>(())
    /// ```
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let config = Config {
            dpm_host: self
                .dpm_host
                .unwrap_or_else(|| defaults::DPM_HOST.to_owned()),
            dpm_port: self.dpm_port.unwrap_or(defaults::DPM_PORT),
            grpc_host: self
                .grpc_host
                .unwrap_or_else(|| defaults::GRPC_HOST.to_owned()),
            grpc_port: self.grpc_port.unwrap_or(defaults::GRPC_PORT),
            timeout: self.timeout.unwrap_or(defaults::TIMEOUT),
            jwt_token: self.jwt_token,
            pool_size: self.pool_size.unwrap_or(defaults::POOL_SIZE),
            backend: self.backend.unwrap_or(BackendKind::Dpm),
        };
        validate(&config.dpm_host, config.dpm_port, config.timeout)?;
        validate(&config.grpc_host, config.grpc_port, config.timeout)?;
        if config.pool_size == 0 {
            return Err(invalid("pool size", "0", "a whole number of at least 1"));
        }
        Ok(config)
    }
}

/// Every setting resolved: builder, then environment, then [defaults].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// DPM host.
    pub dpm_host: String,
    /// DPM port.
    pub dpm_port: u16,
    /// DAQ gRPC host.
    pub grpc_host: String,
    /// DAQ gRPC port.
    pub grpc_port: u16,
    /// Timeout of one call.
    pub timeout: Duration,
    /// The gRPC bearer token, if any.
    pub jwt_token: Option<String>,
    /// DPM pooled connections.
    pub pool_size: usize,
    /// Which backend to use.
    pub backend: BackendKind,
}

fn invalid(name: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_owned(),
        expected,
    }
}

/// A TCP port, 1-65535.
pub fn parse_port(name: &'static str, value: &str) -> Result<u16, ConfigError> {
    match value.trim().parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(invalid(name, value, "a port number from 1 to 65535")),
    }
}

/// Seconds as a finite, positive decimal number.
pub fn parse_timeout(name: &'static str, value: &str) -> Result<Duration, ConfigError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| invalid(name, value, "a finite, positive number of seconds"))
}

fn parse_pool_size(name: &'static str, value: &str) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(invalid(name, value, "a whole number of at least 1")),
    }
}

fn parse_backend(name: &'static str, value: &str) -> Result<BackendKind, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "dpm" => Ok(BackendKind::Dpm),
        "grpc" => Ok(BackendKind::Grpc),
        _ => Err(invalid(name, value, "`dpm` or `grpc`")),
    }
}

/// Checks a builder's final settings: host non-empty, port non-zero, timeout finite and
/// positive.
pub fn validate(host: &str, port: u16, timeout: Duration) -> Result<(), ConfigError> {
    if host.trim().is_empty() {
        return Err(invalid("host", host, "a non-empty host name"));
    }
    if port == 0 {
        return Err(invalid("port", "0", "a port number from 1 to 65535"));
    }
    if timeout.is_zero() {
        return Err(invalid("timeout", "0s", "a positive duration"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Result<EnvConfig, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvConfig::from_lookup(move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn empty_environment_is_all_unset() {
        assert_eq!(env(&[]).unwrap(), EnvConfig::default());
    }

    #[test]
    fn every_variable_parses() {
        let e = env(&[
            ("PACSYS_DPM_HOST", "dpm.example"),
            ("PACSYS_DPM_PORT", "6803"),
            ("PACSYS_GRPC_HOST", "grpc.example"),
            ("PACSYS_GRPC_PORT", " 50052 "),
            ("PACSYS_TIMEOUT", "0.25"),
            ("PACSYS_JWT_TOKEN", "abc.def.ghi"),
            ("PACSYS_POOL_SIZE", "8"),
            ("PACSYS_BACKEND", "GRPC"),
        ])
        .unwrap();
        assert_eq!(e.dpm_host.as_deref(), Some("dpm.example"));
        assert_eq!(e.dpm_port, Some(6803));
        assert_eq!(e.grpc_host.as_deref(), Some("grpc.example"));
        assert_eq!(e.grpc_port, Some(50052));
        assert_eq!(e.timeout, Some(Duration::from_millis(250)));
        assert_eq!(e.jwt_token.as_deref(), Some("abc.def.ghi"));
        assert_eq!(e.pool_size, Some(8));
        assert_eq!(e.backend, Some(BackendKind::Grpc));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let e = env(&[("PACSYS_DPM_PORT", ""), ("PACSYS_DPM_HOST", "  ")]).unwrap();
        assert_eq!(e, EnvConfig::default());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("PACSYS_DPM_PORT", "0"),
            ("PACSYS_DPM_PORT", "65536"),
            ("PACSYS_GRPC_PORT", "http"),
            ("PACSYS_TIMEOUT", "-1"),
            ("PACSYS_TIMEOUT", "0"),
            ("PACSYS_TIMEOUT", "NaN"),
            ("PACSYS_TIMEOUT", "inf"),
            ("PACSYS_TIMEOUT", "1e300"),
            ("PACSYS_POOL_SIZE", "0"),
            ("PACSYS_POOL_SIZE", "-2"),
            ("PACSYS_BACKEND", "dmq"),
        ];
        for (name, value) in cases {
            match env(&[(name, value)]) {
                Err(ConfigError::Invalid {
                    name: n, value: v, ..
                }) => {
                    assert_eq!((n, v.as_str()), (name, value));
                }
                other => panic!("{name}={value:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn validate_rejects_empty_host_zero_port_zero_timeout() {
        let t = Duration::from_secs(1);
        assert!(validate("h", 1, t).is_ok());
        assert!(validate(" ", 1, t).is_err());
        assert!(validate("h", 0, t).is_err());
        assert!(validate("h", 1, Duration::ZERO).is_err());
    }
}
