//! Streamable HTTP: rmcp's tower service behind a small HTTP/1 front that bounds every
//! request body, answers a body that is not JSON with a JSON-RPC parse error (rmcp answers
//! `415` with plain text), passes the client's address to the tools (for the audit log),
//! and binds loopback only unless `allow_plaintext_remote`, as the proxy.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use pacsys::Backend;
use rmcp::transport::StreamableHttpService;
use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::error::McpError;
use crate::server::McpServer;

type Body = BoxBody<Bytes, Infallible>;

/// The Streamable HTTP endpoint's path.
pub const PATH: &str = "/mcp";

/// A running Streamable HTTP server.
#[derive(Debug)]
pub struct RunningHttp {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl RunningHttp {
    /// The bound address (the port chosen when it was 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL (`http://127.0.0.1:PORT/mcp`).
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Stops accepting, ends open sessions and waits for the accept loop.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    /// Waits until the server stops (after [`RunningHttp::stop_token`] is cancelled).
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// The token that stops the server.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }
}

fn jsonrpc_error(status: StatusCode, code: i32, message: String) -> Response<Body> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": message },
    })
    .to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Checks the address: loopback, or anything with `allow_plaintext_remote`.
pub fn check_bind(addr: SocketAddr, allow_plaintext_remote: bool) -> Result<(), McpError> {
    if addr.ip().is_loopback() || allow_plaintext_remote {
        return Ok(());
    }
    Err(McpError::Bind {
        addr: addr.to_string(),
        reason: "a non-loopback address would serve the tools over plain HTTP to anyone who \
                 reaches it; bind 127.0.0.1 (and tunnel), or set allow_plaintext_remote = true \
                 in the configuration"
            .into(),
    })
}

impl<B: Backend + 'static> McpServer<B> {
    /// Serves Streamable HTTP on `addr` (path [`PATH`]) until the returned handle is shut
    /// down. A non-loopback address is refused unless `allow_plaintext_remote`.
    pub async fn serve_http(
        self,
        addr: SocketAddr,
        allow_plaintext_remote: bool,
    ) -> Result<RunningHttp, McpError> {
        check_bind(addr, allow_plaintext_remote)?;
        let listener = TcpListener::bind(addr).await.map_err(|e| McpError::Bind {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
        let bound = listener.local_addr().map_err(|e| McpError::Bind {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
        let stop = CancellationToken::new();
        let max = self.limits().max_request_bytes;
        let mut config = StreamableHttpServerConfig::default()
            .with_cancellation_token(stop.child_token())
            .with_max_request_body_bytes(max);
        if allow_plaintext_remote && !addr.ip().is_loopback() {
            // Reached under other names than localhost; the operator opted in.
            config = config.disable_allowed_hosts();
        }
        let server = self.on("mcp-http");
        let service = StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let accept_stop = stop.clone();
        let task = tokio::spawn(async move {
            loop {
                let (stream, peer) = tokio::select! {
                    () = accept_stop.cancelled() => break,
                    accepted = listener.accept() => match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::warn!(error = %e, "accepting an HTTP connection failed");
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                let service = service.clone();
                let conn_stop = accept_stop.clone();
                tokio::spawn(async move {
                    let handler = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let service = service.clone();
                        async move { Ok::<_, Infallible>(handle(service, req, peer, max).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), handler);
                    tokio::pin!(conn);
                    tokio::select! {
                        r = conn.as_mut() => if let Err(e) = r {
                            tracing::debug!(error = %e, "HTTP connection ended");
                        },
                        () = conn_stop.cancelled() => conn.as_mut().graceful_shutdown(),
                    }
                });
            }
        });
        Ok(RunningHttp {
            addr: bound,
            stop,
            task,
        })
    }
}

async fn handle<B: Backend + 'static>(
    mut service: StreamableHttpService<McpServer<B>, LocalSessionManager>,
    req: Request<Incoming>,
    peer: SocketAddr,
    max: usize,
) -> Response<Body> {
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(peer);
    // The whole body, but never more than `max` bytes of it.
    let bytes = match Limited::new(body, max).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return jsonrpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                -32600,
                format!("Request too large: a message may hold at most {max} bytes"),
            );
        }
        Err(e) => {
            return jsonrpc_error(
                StatusCode::BAD_REQUEST,
                -32600,
                format!("Could not read the request body: {e}"),
            );
        }
    };
    if parts.method == hyper::Method::POST
        && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
    {
        return jsonrpc_error(StatusCode::BAD_REQUEST, -32700, format!("Parse error: {e}"));
    }
    let req = Request::from_parts(parts, Full::new(bytes));
    match tower_service::Service::call(&mut service, req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
