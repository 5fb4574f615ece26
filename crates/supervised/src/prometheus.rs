//! The proxy's counters in the Prometheus text exposition format, served on `/metrics`
//! (off by default; see [`SupervisedServer::metrics_bind`](crate::SupervisedServer::metrics_bind)).

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::MetricsSnapshot;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders `m` in the Prometheus text exposition format: monotonic counters as
/// `pacsys_proxy_<name>_total` (`counter`), the open streams as a `gauge`.
///
/// ```
/// use pacsys_supervised::Metrics;
/// use pacsys_supervised::prometheus::render;
///
/// let text = render(&Metrics::default().snapshot(None));
/// assert!(text.contains("# TYPE pacsys_proxy_read_requests_total counter\npacsys_proxy_read_requests_total 0\n"));
/// assert!(text.contains("# TYPE pacsys_proxy_streams_open gauge\n"));
/// ```
pub fn render(m: &MetricsSnapshot) -> String {
    let counters: [(&str, &str, u64); 17] = [
        ("read_requests", "Read calls received.", m.read_requests),
        ("set_requests", "Set calls received.", m.set_requests),
        (
            "denied_requests",
            "Calls refused whole with PERMISSION_DENIED.",
            m.denied_requests,
        ),
        (
            "denied_slots",
            "DRFs or settings denied by a policy inside an allowed call.",
            m.denied_slots,
        ),
        (
            "unauthenticated",
            "Calls refused with UNAUTHENTICATED.",
            m.unauthenticated,
        ),
        ("invalid", "Calls refused with INVALID_ARGUMENT.", m.invalid),
        (
            "streams_started",
            "Streaming reads started.",
            m.streams_started,
        ),
        ("replies", "ReadingReply messages sent.", m.replies),
        ("readings", "Readings forwarded to clients.", m.readings),
        (
            "settings_forwarded",
            "Settings forwarded to the backend.",
            m.settings_forwarded,
        ),
        (
            "backend_errors",
            "Backend calls that failed as a whole.",
            m.backend_errors,
        ),
        (
            "backend_dropped",
            "Readings the backend reported dropped.",
            m.backend_dropped,
        ),
        (
            "connections_refused",
            "Connections closed at once: their address held its limit.",
            m.connections_refused,
        ),
        (
            "idle_closed",
            "Connections closed after the idle timeout.",
            m.idle_closed,
        ),
        ("audit_written", "Audit records written.", m.audit_written),
        (
            "audit_failed",
            "Audit records that failed to write.",
            m.audit_failed,
        ),
        (
            "audit_dropped",
            "Audit records refused after the log was closed.",
            m.audit_dropped,
        ),
    ];
    let mut out = String::with_capacity(2048);
    for (name, help, value) in counters {
        let _ = write!(
            out,
            "# HELP pacsys_proxy_{name}_total {help}\n# TYPE pacsys_proxy_{name}_total counter\npacsys_proxy_{name}_total {value}\n"
        );
    }
    let _ = write!(
        out,
        "# HELP pacsys_proxy_streams_open Streaming reads open now.\n# TYPE pacsys_proxy_streams_open gauge\npacsys_proxy_streams_open {}\n",
        m.streams_open
    );
    out
}

/// Serves `GET /metrics` on `listener` until `stop` is cancelled, reading the counters
/// with `snapshot` at each scrape. Any other path is 404, any other method 405.
pub(crate) async fn serve(
    listener: TcpListener,
    snapshot: Arc<dyn Fn() -> MetricsSnapshot + Send + Sync>,
    stop: CancellationToken,
) {
    loop {
        let (stream, peer) = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics endpoint: accept failed");
                    continue;
                }
            },
        };
        let snapshot = Arc::clone(&snapshot);
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let snapshot = Arc::clone(&snapshot);
                async move { Ok::<_, Infallible>(respond(&req, &*snapshot)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                () = stop.cancelled() => {}
                r = conn => if let Err(e) = r {
                    tracing::debug!(error = %e, %peer, "metrics endpoint: connection ended");
                },
            }
        });
    }
}

fn respond(
    req: &Request<Incoming>,
    snapshot: &(dyn Fn() -> MetricsSnapshot + Send + Sync),
) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, body: String, content_type: &'static str| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
            r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        r
    };
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => reply(StatusCode::OK, render(&snapshot()), CONTENT_TYPE),
        (_, "/metrics") => reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET\n".into(),
            "text/plain",
        ),
        _ => reply(
            StatusCode::NOT_FOUND,
            "the proxy's metrics are at /metrics\n".into(),
            "text/plain",
        ),
    }
}

/// The address a metrics listener is bound to, for messages.
pub(crate) fn describe(addr: SocketAddr) -> String {
    format!("http://{addr}/metrics")
}
