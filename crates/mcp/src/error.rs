//! Why the server could not start or stopped.

/// A failure of the server itself (never of one tool call: those are answered).
///
/// ```
/// let e = pacsys_mcp::McpError::Config("[limits] max_points must be at least 2".into());
/// assert!(e.to_string().contains("max_points"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum McpError {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The audit log could not be opened.
    #[error("cannot open the audit log {path}: {source}")]
    Audit {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP address could not be bound, or is refused (non-loopback without opt-in).
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The MCP session failed.
    #[error("MCP session: {0}")]
    Serve(String),
}
