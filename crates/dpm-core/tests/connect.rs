//! Connection setup against a scripted raw peer: what the first bytes after the handshake
//! may be, and how each failure is reported.

use std::time::Duration;

use bytes::BytesMut;
use pacsys_dpm_core::{DpmClient, Error, ErrorKind, Status};
use pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST;
use pacsys_dpm_proto::{ListStatusReply, Reply, ServerCodec, StatusReply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_util::codec::Encoder;

const BOUND: Duration = Duration::from_secs(20);

/// Accepts one connection, reads the handshake, writes `answer`, then holds the socket open
/// until the client goes away.
async fn scripted(answer: Vec<u8>) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = vec![0u8; HANDSHAKE_REQUEST.len()];
        s.read_exact(&mut got).await.unwrap();
        s.write_all(&answer).await.unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest).await;
        got
    });
    (port, task)
}

fn frame(reply: Reply) -> Vec<u8> {
    let mut buf = BytesMut::new();
    ServerCodec::new().encode(&reply, &mut buf).unwrap();
    buf.to_vec()
}

async fn read_via(port: u16) -> Result<pacsys_dpm_core::Reading, Error> {
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(port)
        .connect_timeout(Duration::from_millis(500))
        .build();
    timeout(BOUND, c.read("M:OUTTMP", Duration::from_secs(10)))
        .await
        .unwrap()
}

#[tokio::test]
async fn handshake_bytes_are_exact() {
    let (port, task) = scripted(b"HTTP/1.1 404 Not Found\r\n\r\n".to_vec()).await;
    let r = read_via(port).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Http && err.detail() == "HTTP/1.1 404 Not Found"),
        "{r:?}"
    );
    assert_eq!(task.await.unwrap(), HANDSHAKE_REQUEST);
}

#[tokio::test]
async fn http_error_without_blank_line_is_still_reported() {
    let (port, _task) = scripted(b"HTTP/1.0 503 Busy".to_vec()).await;
    let r = read_via(port).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Http && err.detail() == "HTTP/1.0 503 Busy"),
        "{r:?}"
    );
}

#[tokio::test]
async fn first_frame_must_be_open_list() {
    let (port, _task) = scripted(frame(Reply::ListStatus(ListStatusReply {
        list_id: 1,
        status: Status::OK,
    })))
    .await;
    let r = read_via(port).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Protocol && err.detail().contains("ListStatus")),
        "{r:?}"
    );
}

#[tokio::test]
async fn list_refused_at_open_is_list_failed() {
    let outomem = Status::new(17, -9);
    let (port, _task) = scripted(frame(Reply::Status(StatusReply {
        ref_id: 0,
        timestamp: 0,
        cycle: 0,
        status: outomem,
    })))
    .await;
    let r = read_via(port).await;
    assert!(
        matches!(&r, Err(e) if e.kind() == ErrorKind::ListFailed && e.status() == Some(outomem)),
        "{r:?}"
    );
}

#[tokio::test]
async fn silent_peer_is_a_connect_timeout() {
    let (port, _task) = scripted(Vec::new()).await;
    let r = read_via(port).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Timeout && err.detail().contains("connecting")),
        "{r:?}"
    );
}

#[tokio::test]
async fn invalid_first_length_is_a_protocol_error() {
    let (port, _task) = scripted(vec![0, 0, 0, 0]).await;
    let r = read_via(port).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Protocol),
        "{r:?}"
    );
}
