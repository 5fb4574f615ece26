//! A raw DPM client for tests: the handshake bytes and frames built with `pacsys-dpm-proto`
//! directly, so the fake is tested against the protocol, not against our own client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST;
use pacsys_dpm_proto::{
    AddToListRequest, ClientCodec, FrameError, Reply, Request, StartListRequest,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Framed;

/// Upper bound for any single wait in these tests.
pub const WAIT: Duration = Duration::from_secs(5);

pub struct RawClient {
    pub framed: Framed<TcpStream, ClientCodec>,
    pub list_id: i32,
}

impl RawClient {
    /// Connects, sends the handshake and reads the unprompted OpenList reply.
    pub async fn connect(addr: SocketAddr) -> RawClient {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(HANDSHAKE_REQUEST)
            .await
            .expect("handshake");
        let mut framed = Framed::new(stream, ClientCodec::new());
        let first = timeout(WAIT, framed.next())
            .await
            .expect("OpenList in time")
            .expect("a frame")
            .expect("decodes");
        let Reply::OpenList(open) = first else {
            panic!("first frame is not OpenList: {first:?}")
        };
        RawClient {
            framed,
            list_id: open.list_id,
        }
    }

    pub fn add(&self, ref_id: i64, drf: &str) -> Request {
        Request::AddToList(AddToListRequest {
            list_id: self.list_id,
            ref_id,
            drf_request: drf.to_owned(),
        })
    }

    pub fn start(&self) -> Request {
        Request::StartList(StartListRequest {
            list_id: self.list_id,
            model: None,
        })
    }

    /// Sends requests in one write.
    pub async fn send(&mut self, requests: Vec<Request>) {
        for r in requests {
            self.framed.feed(r).await.expect("feed");
        }
        SinkExt::<Request>::flush(&mut self.framed)
            .await
            .expect("flush");
    }

    /// The next frame within `within`: `None` on timeout, `Some(None)` on EOF.
    pub async fn next_within(
        &mut self,
        within: Duration,
    ) -> Option<Option<Result<Reply, FrameError>>> {
        timeout(within, self.framed.next()).await.ok()
    }

    /// The next reply that is not a heartbeat; panics on timeout, EOF or error.
    pub async fn reply(&mut self) -> Reply {
        loop {
            match self.next_within(WAIT).await {
                Some(Some(Ok(Reply::ListStatus(_)))) => continue,
                Some(Some(Ok(reply))) => return reply,
                other => panic!("expected a reply, got {other:?}"),
            }
        }
    }

    /// Collects non-heartbeat replies for `window`.
    pub async fn collect_for(&mut self, window: Duration) -> Vec<Reply> {
        let deadline = tokio::time::Instant::now() + window;
        let mut out = Vec::new();
        while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, self.framed.next()).await {
            match frame {
                Ok(Reply::ListStatus(_)) => {}
                Ok(reply) => out.push(reply),
                Err(e) => panic!("frame error: {e}"),
            }
        }
        out
    }
}

/// Sends `head` as the whole handshake and returns everything the server sends back until
/// it closes (bounded by [`WAIT`]).
pub async fn raw_exchange(addr: SocketAddr, head: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head).await.expect("write");
    let mut out = Vec::new();
    let _ = timeout(WAIT, stream.read_to_end(&mut out)).await;
    out
}

/// Sends `head` as the handshake and returns the first complete frame (prefix included).
pub async fn raw_exchange_until_frame(addr: SocketAddr, head: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head).await.expect("write");
    let mut prefix = [0u8; 4];
    timeout(WAIT, stream.read_exact(&mut prefix))
        .await
        .expect("a frame in time")
        .expect("prefix");
    let len = u32::from_be_bytes(prefix) as usize;
    let mut frame = prefix.to_vec();
    frame.resize(4 + len, 0);
    timeout(WAIT, stream.read_exact(&mut frame[4..]))
        .await
        .expect("the body in time")
        .expect("body");
    frame
}
