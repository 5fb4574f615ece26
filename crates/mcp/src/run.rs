//! The server over the facade's [`AnyBackend`] (what `pacsys mcp` serves), started through
//! boxed futures made here.
//!
//! Why: an `async fn`'s state machine is compiled in the crate that polls it, so a caller of
//! the generic [`McpServer::serve_stdio`] compiles all of rmcp's session, transport and
//! JSON-model code itself. These functions are not generic and box the future in this
//! crate, so that code is compiled once, here, in parallel with the rest of a build, and
//! the `pacsys` command's own crate (the last and longest unit of a cold build) only calls
//! it. Measured in BENCHMARKS.md ("Cold build times").

use std::net::SocketAddr;

use futures::future::BoxFuture;
use pacsys::AnyBackend;

use crate::{McpError, McpServer, RunningHttp};

/// [`McpServer::serve_stdio`] over an [`AnyBackend`].
#[inline(never)]
pub fn stdio(server: McpServer<AnyBackend>) -> BoxFuture<'static, Result<(), McpError>> {
    Box::pin(server.serve_stdio())
}

/// [`McpServer::serve_http`] over an [`AnyBackend`].
#[inline(never)]
pub fn http(
    server: McpServer<AnyBackend>,
    addr: SocketAddr,
    allow_plaintext_remote: bool,
) -> BoxFuture<'static, Result<RunningHttp, McpError>> {
    Box::pin(server.serve_http(addr, allow_plaintext_remote))
}

/// [`McpServer::close`] over an [`AnyBackend`].
#[inline(never)]
pub fn close(server: McpServer<AnyBackend>) -> BoxFuture<'static, ()> {
    Box::pin(async move { server.close().await })
}
