//! Typed errors of the proxy.

use std::path::PathBuf;

/// A configuration problem, found before anything is served.
///
/// ```
/// use pacsys_supervised::{ConfigError, ProxyConfig};
///
/// let e = ProxyConfig::from_toml("bind = 12").unwrap_err();
/// assert!(matches!(e, ConfigError::Toml(_)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The TOML text does not parse or does not fit the schema.
    #[error("invalid configuration: {0}")]
    Toml(String),
    /// A file named by the configuration cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A device pattern does not compile.
    #[error("invalid device pattern {pattern:?}: {reason}")]
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// A policy's parameters are inconsistent.
    #[error("invalid policy: {0}")]
    Policy(String),
    /// Another invalid value (address, token, sizes).
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Why the proxy could not start or stopped.
///
/// ```
/// use pacsys_supervised::ProxyError;
///
/// let e = ProxyError::Bind { addr: "127.0.0.1:1".into(), reason: "denied".into() };
/// assert!(e.to_string().contains("127.0.0.1:1"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The audit log could not be opened.
    #[error("cannot open the audit log {path}: {source}")]
    Audit {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The backend could not be created.
    #[error("backend: {0}")]
    Backend(#[from] pacsys::Error),
    /// TLS could not be set up.
    #[error("TLS: {0}")]
    Tls(String),
    /// The server failed while serving.
    #[error("server: {0}")]
    Serve(String),
}
