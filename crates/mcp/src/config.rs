//! The server's TOML configuration ([`McpConfig`]), shaped like the proxy's: the same
//! `[backend]`, `[audit]` and `[[policy]]` tables (parsed and built by pacsys-supervised),
//! plus the write switch and the limits of the tools.
//!
//! ```toml
//! allow_writes = true               # the switch: without it write_device refuses everything
//! allow_plaintext_remote = false    # --http on a non-loopback address needs this
//!
//! [backend]                         # absent: the default backend (PACSYS_* environment)
//! kind = "dpm"                      # fake (the simulator), dpm or grpc, as the proxy's
//! host = "acsys-proxy.fnal.gov"
//!
//! [audit]
//! path = "mcp-audit.jsonl"
//!
//! [limits]
//! max_watch_secs = 30.0             # watch never runs longer
//! max_points = 1000                 # read_history returns at most this many points
//! max_drfs = 100                    # read_many takes at most this many DRFs
//! max_request_bytes = 1048576       # one JSON-RPC message (a stdio line, an HTTP body)
//!
//! [[policy]]
//! type = "device_access"
//! mode = "allow"
//! action = "set"
//! patterns = ["G:AMANDA"]
//!
//! [[policy]]
//! type = "value_range"
//! limits = [{ pattern = "G:AMANDA", min = 0.0, max = 100.0 }]
//!
//! [[policy]]
//! type = "rate_limit"
//! max_requests = 10
//! window_seconds = 60
//! action = "set"
//! ```

use std::path::Path;
use std::time::Duration;

use pacsys_supervised::config::{AuditConfig, BackendConfig, PolicyConfig};
use pacsys_supervised::policy::Policy;
use serde::Deserialize;

use crate::error::McpError;

/// The whole configuration file. Every key is optional; unknown keys are errors.
///
/// ```
/// use pacsys_mcp::McpConfig;
///
/// let c = McpConfig::from_toml("")?;
/// assert!(!c.allow_writes);             // read-only by default
/// assert!(c.backend.is_none());         // the default backend
/// assert!(McpConfig::from_toml("allow_write = true").is_err());
/// # Ok::<(), pacsys_mcp::McpError>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct McpConfig {
    /// The write switch: `write_device` refuses every setting unless this is `true` (and
    /// then a policy must still approve each one).
    #[serde(default)]
    pub allow_writes: bool,
    /// Allow `--http` on a non-loopback address (plain HTTP: anyone who reaches the port
    /// can call the tools).
    #[serde(default)]
    pub allow_plaintext_remote: bool,
    /// The backend (`None`: the default backend from the `PACSYS_*` environment).
    #[serde(default)]
    pub backend: Option<BackendConfig>,
    /// The audit log (JSON lines, the proxy's format).
    #[serde(default)]
    pub audit: Option<AuditConfig>,
    /// The limits of the tools.
    #[serde(default)]
    pub limits: Limits,
    /// The policy chain, in order (`[[policy]]` tables, as the proxy's).
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicyConfig>,
}

/// How far the tools go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// Longest `watch`, in seconds (default 30).
    #[serde(default = "default_watch")]
    pub max_watch_secs: f64,
    /// Most points `read_history` returns (default 1000); `max_points` asks for fewer.
    #[serde(default = "default_points")]
    pub max_points: usize,
    /// Most samples `read_history` keeps from the logger (default 1,000,000); the rest of
    /// a longer window is reported as truncated.
    #[serde(default = "default_samples")]
    pub max_samples: usize,
    /// Most DRFs of one `read_many` (default 100).
    #[serde(default = "default_drfs")]
    pub max_drfs: usize,
    /// Largest JSON-RPC message, in bytes (default 1 MiB): a longer stdio line or HTTP body
    /// is refused with a JSON-RPC error without being buffered.
    #[serde(default = "default_request_bytes")]
    pub max_request_bytes: usize,
    /// Total time of one backend call, in seconds (default: the backend's).
    #[serde(default)]
    pub call_timeout_secs: Option<f64>,
}

fn default_watch() -> f64 {
    30.0
}
fn default_points() -> usize {
    1000
}
fn default_samples() -> usize {
    1_000_000
}
fn default_drfs() -> usize {
    100
}
fn default_request_bytes() -> usize {
    1 << 20
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_watch_secs: default_watch(),
            max_points: default_points(),
            max_samples: default_samples(),
            max_drfs: default_drfs(),
            max_request_bytes: default_request_bytes(),
            call_timeout_secs: None,
        }
    }
}

impl Limits {
    /// The longest watch.
    pub fn max_watch(&self) -> Duration {
        Duration::try_from_secs_f64(self.max_watch_secs).unwrap_or(Duration::from_secs(30))
    }

    /// The call timeout, if set.
    pub fn call_timeout(&self) -> Option<Duration> {
        self.call_timeout_secs
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
    }

    fn check(&self) -> Result<(), McpError> {
        let bad = |what: &str| Err(McpError::Config(format!("[limits] {what}")));
        if !(self.max_watch_secs.is_finite() && self.max_watch_secs > 0.0) {
            return bad("max_watch_secs must be a positive number of seconds");
        }
        if self.max_points < 2 {
            return bad("max_points must be at least 2");
        }
        if self.max_samples < self.max_points {
            return bad("max_samples must be at least max_points");
        }
        if self.max_drfs == 0 {
            return bad("max_drfs must be at least 1");
        }
        if self.max_request_bytes < 1024 {
            return bad("max_request_bytes must be at least 1024");
        }
        if let Some(t) = self.call_timeout_secs
            && !(t.is_finite() && t > 0.0)
        {
            return bad("call_timeout_secs must be a positive number of seconds");
        }
        Ok(())
    }
}

impl McpConfig {
    /// Parses TOML text and checks every policy and limit.
    pub fn from_toml(text: &str) -> Result<McpConfig, McpError> {
        let config: McpConfig =
            toml::from_str(text).map_err(|e| McpError::Config(e.to_string()))?;
        config.build_policies()?;
        config.limits.check()?;
        Ok(config)
    }

    /// Reads and parses a TOML file.
    pub fn from_file(path: &Path) -> Result<McpConfig, McpError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| McpError::Config(format!("cannot read {}: {e}", path.display())))?;
        McpConfig::from_toml(&text)
    }

    /// Builds the policy chain of the file (pacsys-supervised's policies).
    pub fn build_policies(&self) -> Result<Vec<Box<dyn Policy>>, McpError> {
        self.policies
            .iter()
            .map(|p| p.build().map_err(|e| McpError::Config(e.to_string())))
            .collect()
    }
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
        let c = McpConfig::from_toml(&example).unwrap();
        assert!(c.allow_writes);
        assert_eq!(c.policies.len(), 3);
        assert_eq!(c.limits.max_points, 1000);
        assert!(matches!(c.backend, Some(BackendConfig::Dpm { .. })));
    }

    #[test]
    fn mistakes_are_refused() {
        for bad in [
            "allow_writes = 1",
            "[limits]\nmax_watch_secs = 0",
            "[limits]\nmax_watch_secs = nan",
            "[limits]\nmax_points = 1",
            "[limits]\nmax_request_bytes = 10",
            "[limits]\nmax_drfs = 0",
            "[limits]\ncall_timeout_secs = -1.0",
            "[limits]\nmax_sample = 3",
            "[[policy]]\ntype = \"value_range\"\nlimits = [{ pattern = \"X:Y\", min = 2.0, max = 1.0 }]",
            "[backend]\nkind = \"nope\"",
        ] {
            assert!(McpConfig::from_toml(bad).is_err(), "accepted: {bad}");
        }
    }
}
