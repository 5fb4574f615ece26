//! Configuration: the `PACSYS_*` environment variables and the one precedence rule, from
//! `pacsys_types::config` (shared with the CLI and the proxy).
//!
//! Precedence everywhere: a value given to a builder wins over the environment, which wins
//! over the reference default ([`defaults`]). An empty variable counts as unset. Every
//! builder resolves its settings the same way, `EnvConfig { builder values }.or(env).resolve()`:
//!
//! ```
//! use std::time::Duration;
//! use pacsys::env::{defaults, EnvConfig};
//!
//! let env = EnvConfig::from_lookup(|k| match k {
//!     "PACSYS_DPM_HOST" => Some("dpm.example".to_owned()),
//!     "PACSYS_TIMEOUT" => Some("2".to_owned()),
//!     _ => None,
//! })?;
//! let builder = EnvConfig { timeout: Some(Duration::from_secs(9)), ..EnvConfig::default() };
//! let config = builder.or(env).resolve()?;
//! assert_eq!(config.dpm_host, "dpm.example"); // environment
//! assert_eq!(config.timeout, Duration::from_secs(9)); // builder wins
//! assert_eq!(config.dpm_port, defaults::DPM_PORT); // default
//! # Ok::<(), pacsys::env::ConfigError>(())
//! ```
//!
//! A bad value names its variable:
//!
//! ```
//! use pacsys::env::{ConfigError, EnvConfig};
//!
//! let e = EnvConfig::from_lookup(|k| (k == "PACSYS_DPM_PORT").then(|| "0".to_owned()))
//!     .unwrap_err();
//! assert!(matches!(e, ConfigError::Invalid { name: "PACSYS_DPM_PORT", .. }));
//! ```

pub use pacsys_types::config::{
    BackendKind, Config, ConfigError, EnvConfig, defaults, parse_port, parse_timeout, validate,
};
