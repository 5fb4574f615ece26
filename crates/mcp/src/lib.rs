//! `pacsys-mcp`: an MCP (Model Context Protocol) server, so an AI assistant can read,
//! describe, watch and look back at Fermilab ACNET devices, and write them where the
//! server's configuration and policies allow.
//!
//! Built on the official Rust MCP SDK (`rmcp`) and on pacsys-supervised: every DRF passes
//! the proxy's gate and policy chain, and every setting goes through the proxy's own
//! decision procedure ([`pacsys_supervised::decision::supervise_set`]): judged, written
//! **and flushed** to the audit log, then sent with its canonical DRF. Read-only unless the
//! configuration sets `allow_writes = true` *and* a policy approves the device.
//!
//! Tools: `read_device`, `read_many`, `device_info`, `read_history`, `watch`,
//! `write_device` ([`tools`]). Transports: stdio ([`McpServer::serve_stdio`], what
//! assistants launch) and Streamable HTTP ([`McpServer::serve_http`], loopback only unless
//! `allow_plaintext_remote`). The `pacsys mcp` command runs it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), pacsys_mcp::McpError> {
//! use std::sync::Arc;
//! use pacsys_mcp::{McpConfig, McpServer};
//! use pacsys_testing::FakeBackend;
//!
//! let config = McpConfig::from_toml(r#"
//!     allow_writes = true
//!     [[policy]]
//!     type = "device_access"
//!     mode = "allow"
//!     action = "set"
//!     patterns = ["G:AMANDA"]
//! "#)?;
//! let server = McpServer::new(Arc::new(FakeBackend::new()), &config)?;
//! let http = server.serve_http("127.0.0.1:0".parse().unwrap(), false).await?;
//! println!("MCP over Streamable HTTP at {}", http.url());
//! http.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Compiles the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod config;
mod error;
pub mod http;
pub mod render;
pub mod run;
mod server;
pub mod stdio;
pub mod summary;
pub mod times;
pub mod tools;

pub use config::{Limits, McpConfig};
pub use error::McpError;
pub use http::RunningHttp;
pub use server::McpServer;

use pacsys::Backend;
use rmcp::ServiceExt;
use tokio::io::{AsyncRead, AsyncWrite};

impl<B: Backend + 'static> McpServer<B> {
    /// Serves one MCP session over a reader and a writer (JSON lines) until the reader
    /// ends, then closes the audit log.
    pub async fn serve_io<R, W>(self, read: R, write: W) -> Result<(), McpError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let max = self.limits().max_request_bytes;
        let server = self.on("mcp-stdio");
        let closer = server.clone();
        let transport = stdio::JsonLines::new(read, write, max);
        let result = match server.serve(transport).await {
            Ok(running) => running
                .waiting()
                .await
                .map(|_| ())
                .map_err(|e| McpError::Serve(e.to_string())),
            Err(e) => Err(McpError::Serve(e.to_string())),
        };
        closer.close().await;
        result
    }

    /// Serves one MCP session on this process's stdin and stdout (what an assistant
    /// launches) until stdin closes.
    pub async fn serve_stdio(self) -> Result<(), McpError> {
        self.serve_io(tokio::io::stdin(), tokio::io::stdout()).await
    }
}
