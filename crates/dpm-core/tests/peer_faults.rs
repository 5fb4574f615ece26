//! A peer that breaks the protocol after the session opened: the caller gets the codec's
//! own finding (what was wrong, at which byte) as a protocol error naming DPM and the
//! server, never a generic "connection lost".

use std::time::Duration;

use bytes::BytesMut;
use pacsys_dpm_core::{DpmClient, Error, ErrorKind, Transport};
use pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST;
use pacsys_dpm_proto::{OpenListReply, Reply, ServerCodec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_util::codec::Encoder;

const BOUND: Duration = Duration::from_secs(20);

/// A peer on 127.0.0.1 that, on each of at most `connections` connections, reads the
/// handshake, opens a list and then writes `after`. Returns the port and the server task
/// (aborted by the caller).
async fn broken_peer(after: Vec<u8>, connections: usize) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut open = BytesMut::new();
    ServerCodec::new()
        .encode(&Reply::OpenList(OpenListReply { list_id: 4242 }), &mut open)
        .unwrap();
    let task = tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let (open, after) = (open.clone(), after.clone());
            tokio::spawn(async move {
                let mut got = vec![0u8; HANDSHAKE_REQUEST.len()];
                if s.read_exact(&mut got).await.is_err() {
                    return;
                }
                let _ = s.write_all(&open).await;
                // Let the client's read reach the connection first half of the time: the
                // error must be the same whether the read was in flight or not yet sent.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = s.write_all(&after).await;
                let mut rest = Vec::new();
                let _ = timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
            });
        }
    });
    (port, task)
}

async fn read_from(port: u16) -> Result<pacsys_dpm_core::Reading, Error> {
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(port)
        .connect_timeout(Duration::from_millis(500))
        .build();
    timeout(BOUND, c.read("M:OUTTMP", Duration::from_secs(3)))
        .await
        .expect("the read is bounded")
}

fn assert_protocol_error(r: &Result<pacsys_dpm_core::Reading, Error>, port: u16, finding: &str) {
    let Err(e) = r else {
        panic!("a broken peer gave data: {r:?}");
    };
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert_eq!(e.transport(), Some(Transport::Dpm), "{e:?}");
    assert_eq!(
        e.server(),
        Some(format!("127.0.0.1:{port}").as_str()),
        "{e:?}"
    );
    assert!(
        e.detail().contains(finding),
        "the codec's finding {finding:?} is missing from {:?}",
        e.detail()
    );
    assert!(
        std::error::Error::source(e).is_some(),
        "the codec error is kept: {e:?}"
    );
    assert!(!e.to_string().contains("connection lost"), "{e}");
}

#[tokio::test]
async fn garbage_after_open_list_is_the_codecs_protocol_error() {
    // A frame of 8 bytes whose reply type is nonsense.
    let mut garbage = 8u32.to_be_bytes().to_vec();
    garbage.extend([0xde, 0xad, 0xbe, 0xef, 0x12, 0x34, 0x56, 0x78]);
    let (port, task) = broken_peer(garbage, 4).await;
    let r = read_from(port).await;
    task.abort();
    assert_protocol_error(&r, port, "byte");
}

#[tokio::test]
async fn zero_length_frames_are_the_codecs_protocol_error() {
    let (port, task) = broken_peer(vec![0; 16], 4).await;
    let r = read_from(port).await;
    task.abort();
    assert_protocol_error(&r, port, "length");
}
