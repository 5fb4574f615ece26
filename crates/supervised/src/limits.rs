//! Per-client limits: how many streams and connections one client address may hold
//! ([`PerAddress`]), and the connections the proxy accepts ([`limited_incoming`]): counted
//! per address and closed after a stretch with no traffic either way.
//!
//! A client is its IP address without the port (as for rate limits), so reconnecting does
//! not reset its count.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::metrics::Metrics;

/// Things held per client address, bounded by a limit.
#[derive(Debug)]
pub(crate) struct PerAddress {
    limit: usize,
    held: Mutex<HashMap<IpAddr, usize>>,
}

impl PerAddress {
    pub(crate) fn new(limit: usize) -> PerAddress {
        PerAddress {
            limit: limit.max(1),
            held: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one for `peer`, or gives the limit back when the address holds that many. A
    /// call without a peer address (not over TCP) is not counted.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        peer: Option<SocketAddr>,
    ) -> Result<AddressSlot, usize> {
        let Some(ip) = peer.map(|p| p.ip()) else {
            return Ok(AddressSlot(None));
        };
        let mut held = self.lock();
        let n = held.entry(ip).or_insert(0);
        if *n >= self.limit {
            return Err(self.limit);
        }
        *n += 1;
        Ok(AddressSlot(Some((Arc::clone(self), ip))))
    }

    /// How many `ip` holds now.
    #[cfg(test)]
    pub(crate) fn held(&self, ip: IpAddr) -> usize {
        self.lock().get(&ip).copied().unwrap_or(0)
    }
}

/// One thing held by one client; given back when dropped.
#[derive(Debug)]
pub(crate) struct AddressSlot(Option<(Arc<PerAddress>, IpAddr)>);

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Some((counts, ip)) = self.0.take() {
            let mut held = counts.lock();
            if let Some(n) = held.get_mut(&ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    held.remove(&ip);
                }
            }
        }
    }
}

/// An accepted connection: counted against its address while it lives, and ended (read
/// returns EOF) after `idle` with no bytes read or written.
pub(crate) struct LimitedStream {
    inner: TcpStream,
    _slot: AddressSlot,
    idle: Option<(Duration, Pin<Box<Sleep>>)>,
    metrics: Arc<Metrics>,
}

impl LimitedStream {
    fn touch(&mut self) {
        if let Some((window, sleep)) = &mut self.idle {
            let at = Instant::now() + *window;
            sleep.as_mut().reset(at);
        }
    }

    /// Whether the idle window has passed (registers the waker otherwise).
    fn idle_expired(&mut self, cx: &mut Context<'_>) -> bool {
        match &mut self.idle {
            Some((_, sleep)) => sleep.as_mut().poll(cx).is_ready(),
            None => false,
        }
    }
}

impl Connected for LimitedStream {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.inner.connect_info()
    }
}

impl AsyncRead for LimitedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                if self.idle_expired(cx) {
                    // Ends the connection as a clean EOF from the client's side.
                    Metrics::add(&self.metrics.idle_closed, 1);
                    self.idle = None;
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// What [`limited_incoming`] enforces.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionLimits {
    /// Open connections per client address.
    pub per_address: Arc<PerAddress>,
    /// Close a connection after this long with no traffic either way (`None`: never).
    pub idle: Option<Duration>,
}

/// The proxy's accepted connections: TCP_NODELAY, at most `limits.per_address` open per
/// client address (a connection beyond it is closed at once and counted in
/// `connections_refused`), each closed after `limits.idle` without traffic.
pub(crate) fn limited_incoming(
    listener: TcpListener,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
) -> impl Stream<Item = io::Result<LimitedStream>> {
    futures::stream::unfold(
        (listener, limits, metrics),
        |(listener, limits, metrics)| async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(a) => a,
                    Err(e) => {
                        // A transient accept failure (EMFILE, a reset before accept) must
                        // not end the server.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let slot = match limits.per_address.acquire(Some(peer)) {
                    Ok(slot) => slot,
                    Err(limit) => {
                        Metrics::add(&metrics.connections_refused, 1);
                        tracing::warn!(%peer, limit, "too many connections from this address; closed");
                        drop(stream);
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let idle = limits.idle.map(|d| (d, Box::pin(tokio::time::sleep(d))));
                let item = LimitedStream {
                    inner: stream,
                    _slot: slot,
                    idle,
                    metrics: Arc::clone(&metrics),
                };
                return Some((Ok(item), (listener, limits, metrics)));
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_given_back() {
        let counts = Arc::new(PerAddress::new(2));
        let a: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let a2: SocketAddr = "10.0.0.1:5001".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let s1 = counts.acquire(Some(a)).unwrap();
        let _s2 = counts.acquire(Some(a2)).unwrap();
        assert_eq!(
            counts.acquire(Some(a)).unwrap_err(),
            2,
            "the port does not matter"
        );
        let _s3 = counts.acquire(Some(b)).unwrap();
        drop(s1);
        assert_eq!(counts.held(a.ip()), 1);
        assert!(counts.acquire(Some(a)).is_ok());
        assert!(counts.acquire(None).is_ok(), "no address, not counted");
    }
}
