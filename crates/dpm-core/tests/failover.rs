//! Restart and failover (issue 18): a server that drops every list, a dead first host, a
//! host that dies under a running subscription. Real loopback sockets, bounded waits.

use std::time::Duration;

use futures::StreamExt;
use pacsys_dpm_core::{DpmClient, ErrorKind, Event, ListIdentity, Subscription};
use pacsys_sim::{FakeDpmServer, Faults};
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(20);
const T: Duration = Duration::from_secs(5);

/// A loopback port nothing listens on (bound, then released): connecting is refused.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

async fn next(sub: &mut Subscription) -> Event {
    timeout(BOUND, sub.next())
        .await
        .expect("an event within the bound")
        .expect("the stream goes on")
}

/// Events up to and including the first reading after a reconnect: (disconnects, gaps).
async fn until_resumed(sub: &mut Subscription) -> (usize, usize) {
    let (mut disconnects, mut gaps) = (0, 0);
    loop {
        match next(sub).await {
            Event::Disconnected { .. } => disconnects += 1,
            Event::Reconnected { .. } => gaps += 1,
            Event::Reading(_) if gaps > 0 => return (disconnects, gaps),
            _ => {}
        }
    }
}

#[tokio::test]
async fn reads_fail_over_from_a_dead_first_host_and_stay_there() {
    // The first host accepts and closes at once (a dying proxy); it counts the attempts.
    let dying = FakeDpmServer::builder()
        .faults(Faults {
            accept_then_close: true,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let server = FakeDpmServer::start().await.unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(dying.port())
        .fallback_host("127.0.0.1", server.port())
        .identity(ListIdentity::none())
        .build();
    let r = timeout(BOUND, client.read("M:OUTTMP", T)).await.unwrap();
    assert_eq!(r.ok().and_then(|r| r.value?.as_f64()), Some(72.5));
    assert_eq!(client.addr(), format!("127.0.0.1:{}", server.port()));
    // The host in use is tried first from now on: a repeating read (which closes its
    // connection) makes the next read open a new connection, on the second host at once.
    let r = timeout(BOUND, client.read("Z:SINE@p,50", T)).await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    let r = timeout(BOUND, client.read("G:AMANDA", T)).await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(server.stats().connections, 2);
    assert_eq!(dying.stats().connections, 1, "the dead host was tried once");
    dying.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn when_every_host_refuses_the_error_names_each() {
    let (a, b) = (dead_port(), dead_port());
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(a)
        .fallback_host("127.0.0.1", b)
        .build();
    let r = timeout(BOUND, client.read("M:OUTTMP", T)).await.unwrap();
    let e = r.expect_err("nothing listens");
    assert_eq!(e.kind(), ErrorKind::Refused, "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&a.to_string()) && text.contains(&b.to_string()),
        "{text}"
    );
}

#[tokio::test]
async fn a_subscription_moves_to_the_next_host_when_its_host_dies() {
    let first = FakeDpmServer::start().await.unwrap();
    let second = FakeDpmServer::start().await.unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(first.port())
        .fallback_host("127.0.0.1", second.port())
        .identity(ListIdentity::none())
        .build();
    let mut sub = client.subscribe(&["M:OUTTMP@p,50"]).await.unwrap();
    assert!(matches!(next(&mut sub).await, Event::Reading(_)));
    // The first host goes away for good: its lists close and it refuses new connections.
    first.shutdown().await;
    let (disconnects, gaps) = until_resumed(&mut sub).await;
    assert_eq!((disconnects, gaps), (1, 1));
    assert_eq!(client.addr(), format!("127.0.0.1:{}", second.port()));
    // The list was rebuilt on the second host: the request re-added, then started.
    let names: Vec<String> = second
        .requests(0)
        .iter()
        .map(|r| match r {
            pacsys_dpm_proto::Request::AddToList(a) => a.drf_request.clone(),
            other => other.name().to_owned(),
        })
        .collect();
    assert_eq!(&names[..2], ["M:OUTTMP@p,50", "StartList"], "{names:?}");
    sub.stop().await;
    second.shutdown().await;
}

/// A restart: the server drops every list at once and keeps accepting. Every subscription
/// is rebuilt, each reporting exactly one disconnection and one gap, then data again.
#[tokio::test]
async fn a_restart_rebuilds_every_subscription_with_one_gap_each() {
    let server = FakeDpmServer::start().await.unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .identity(ListIdentity::none())
        .build();
    let mut subs = Vec::new();
    for drf in ["M:OUTTMP@p,50", "G:AMANDA@p,50", "Z:SINE@p,50"] {
        let mut sub = client.subscribe(&[drf]).await.unwrap();
        assert!(matches!(next(&mut sub).await, Event::Reading(_)));
        subs.push(sub);
    }
    assert_eq!(server.stats().open_connections, 3);
    server.close_connections();
    for sub in &mut subs {
        assert_eq!(until_resumed(sub).await, (1, 1));
    }
    assert_eq!(server.stats().lists, 6, "three lists, then three rebuilt");
    for mut sub in subs {
        sub.stop().await;
    }
    server.shutdown().await;
}

/// The fake's "restart" fault mode drops every list periodically: each subscription is
/// rebuilt after each restart, with one disconnection and one gap each time.
#[tokio::test]
async fn the_restart_fault_mode_drops_every_list_and_each_is_rebuilt() {
    let server = FakeDpmServer::builder()
        .restart_every(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .identity(ListIdentity::none())
        .build();
    let mut a = client.subscribe(&["M:OUTTMP@p,50"]).await.unwrap();
    let mut b = client.subscribe(&["G:AMANDA@p,50"]).await.unwrap();
    for _ in 0..2 {
        assert_eq!(until_resumed(&mut a).await, (1, 1));
        assert_eq!(until_resumed(&mut b).await, (1, 1));
    }
    assert!(server.stats().lists >= 6, "{:?}", server.stats());
    a.stop().await;
    b.stop().await;
    server.shutdown().await;
}
