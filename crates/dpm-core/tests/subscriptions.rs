//! Subscriptions against the fake DPM server: streaming, live edits, recovery from every
//! fault mode, and drop accounting.

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use pacsys_dpm_core::{
    DpmClient, DropPolicy, ErrorKind, Event, ListIdentity, Reading, Status, Subscription,
    SubscriptionOptions,
};
use pacsys_dpm_proto::Request;
use pacsys_sim::{FakeDpmServer, Faults};
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(20);

fn client(server: &FakeDpmServer, opts: SubscriptionOptions) -> DpmClient {
    DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .subscription_options(opts)
        .identity(ListIdentity::none())
        .build()
}

fn fast() -> SubscriptionOptions {
    SubscriptionOptions::default().backoff(Duration::from_millis(5), Duration::from_millis(50))
}

async fn next(sub: &mut Subscription) -> Event {
    timeout(BOUND, sub.next())
        .await
        .expect("no event within the bound")
        .expect("the stream ended")
}

async fn next_reading(sub: &mut Subscription) -> Reading {
    loop {
        if let Event::Reading(r) = next(sub).await {
            return r;
        }
    }
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    timeout(BOUND, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("condition never held: {what}"));
}

#[tokio::test]
async fn streams_samples_with_metadata() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server, fast());
    let mut sub = c
        .subscribe(&["M:OUTTMP@p,20", "G:AMANDA@p,20"])
        .await
        .unwrap();
    let (mut a, mut b) = (0, 0);
    while a < 5 || b < 5 {
        let r = next_reading(&mut sub).await;
        match &*r.drf {
            "M:OUTTMP@p,20" => {
                a += 1;
                assert_eq!(r.value.as_ref().and_then(|v| v.as_f64()), Some(72.5));
                assert_eq!(r.units(), Some("DegF"));
            }
            "G:AMANDA@p,20" => b += 1,
            other => panic!("{other}"),
        }
    }
    // Sent as given: no @I injected.
    let reqs = server.requests(0);
    assert!(matches!(&reqs[0], Request::AddToList(x) if x.drf_request == "M:OUTTMP@p,20"));
    assert!(sub.stats().readings >= 10);
    assert!(c.stats().readings >= 10);
    sub.stop().await;
    assert!(sub.next().await.is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_drf_fails_subscribe_and_device_errors_are_events() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server, fast());
    let e = c.subscribe(&["M:OUTTMP@p,20", "@@"]).await.unwrap_err();
    assert!({
        let err = &e;
        err.kind() == ErrorKind::InvalidRequest
    });
    let mut sub = c
        .subscribe(&["Z:NOPE@p,20", "M:OUTTMP@p,20"])
        .await
        .unwrap();
    let mut saw_error = false;
    let mut readings = 0;
    while !saw_error || readings < 3 {
        match next(&mut sub).await {
            Event::Error { drf, status } => {
                assert_eq!(&*drf, "Z:NOPE@p,20");
                assert_eq!(status, Status::DPM_NO_SUCH_DEVICE);
                saw_error = true;
            }
            Event::Reading(r) => {
                assert_eq!(&*r.drf, "M:OUTTMP@p,20");
                readings += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(sub.add(&["bad@@"]).await.is_err());
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn add_and_remove_on_a_live_subscription() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server, fast());
    let mut sub = c.subscribe(&["Z:BENCH0001@p,10"]).await.unwrap();
    assert_eq!(&*next_reading(&mut sub).await.drf, "Z:BENCH0001@p,10");
    sub.add(&["Z:BENCH0002@p,10"]).await.unwrap();
    loop {
        let r = next_reading(&mut sub).await;
        if &*r.drf == "Z:BENCH0002@p,10" {
            assert_eq!(r.value.and_then(|v| v.as_f64()), Some(2.0));
            break;
        }
    }
    sub.remove(&["Z:BENCH0001@p,10"]).await.unwrap();
    assert_eq!(
        sub.drfs().iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        ["Z:BENCH0002@p,10"]
    );
    wait_for("the removal reached the server", || {
        server
            .requests(0)
            .iter()
            .any(|r| matches!(r, Request::RemoveFromList(_)))
    })
    .await;
    let names: Vec<&str> = server.requests(0).iter().map(|r| r.name()).collect();
    // Spec 6.4 step 6: StopList, edits, StartList.
    let tail: Vec<&str> = names.iter().rev().take(3).rev().copied().collect();
    assert_eq!(
        tail,
        ["StopList", "RemoveFromList", "StartList"],
        "{names:?}"
    );
    // After the edit, only the remaining DRF streams (allow for samples already in flight).
    let mut last = Vec::new();
    for _ in 0..60 {
        last.push(next_reading(&mut sub).await.drf.to_string());
    }
    assert!(
        last[30..].iter().all(|d| d == "Z:BENCH0002@p,10"),
        "{last:?}"
    );
    sub.stop().await;
    server.shutdown().await;
}

/// Counts events until `reconnects` Reconnected events and one reading after the last.
async fn collect_until_reconnected(sub: &mut Subscription, reconnects: usize) -> Vec<Event> {
    let mut seen = Vec::new();
    let mut n = 0;
    loop {
        let e = next(sub).await;
        let done = n == reconnects && e.is_reading();
        if matches!(e, Event::Reconnected { .. }) {
            n += 1;
        }
        seen.push(e);
        if done {
            return seen;
        }
    }
}

fn check_gaps(events: &[Event], expected: usize) {
    let mut down = false;
    let mut disconnects = 0;
    let mut reconnects = 0;
    for e in events {
        match e {
            Event::Disconnected { .. } => {
                assert!(!down, "two Disconnected in a row");
                down = true;
                disconnects += 1;
            }
            Event::Reconnected { gap } => {
                assert!(down, "Reconnected without Disconnected");
                assert!(*gap > Duration::ZERO);
                down = false;
                reconnects += 1;
            }
            Event::Reading(_) => assert!(!down, "a reading while disconnected"),
            _ => {}
        }
    }
    assert_eq!((disconnects, reconnects), (expected, expected));
}

#[tokio::test]
async fn survives_ten_closes_in_a_row_and_reports_every_gap() {
    let server = FakeDpmServer::builder()
        .fault_plan(|i| Faults {
            close_after_data: (i < 10).then_some(3),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let c = client(&server, fast());
    let mut sub = c
        .subscribe(&["M:OUTTMP@p,10", "Z:BENCH0007@p,10"])
        .await
        .unwrap();
    let events = collect_until_reconnected(&mut sub, 10).await;
    check_gaps(&events, 10);
    assert_eq!(sub.stats().reconnects, 10);
    assert_eq!(server.stats().lists, 11);
    // Every connection re-added both DRFs.
    for i in 0..11 {
        let adds = server
            .requests(i)
            .iter()
            .filter(|r| matches!(r, Request::AddToList(_)))
            .count();
        assert_eq!(adds, 2, "connection {i}");
    }
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn watchdog_fires_on_a_stalled_connection() {
    let server = FakeDpmServer::builder()
        .heartbeat(Duration::from_millis(50))
        .fault_plan(|i| Faults {
            stall_after_data: (i == 0).then_some(5),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let c = client(&server, fast().watchdog(Duration::from_secs(1)));
    let mut sub = c.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
    let events = collect_until_reconnected(&mut sub, 1).await;
    check_gaps(&events, 1);
    let reason = events
        .iter()
        .find_map(|e| match e {
            Event::Disconnected { reason } => Some(reason.clone()),
            _ => None,
        })
        .unwrap();
    assert!(reason.contains("watchdog"), "{reason}");
    assert_eq!(events.iter().filter(|e| e.is_reading()).count(), 6);
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn heartbeats_keep_a_quiet_subscription_alive() {
    let server = FakeDpmServer::builder()
        .heartbeat(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let c = client(&server, fast().watchdog(Duration::from_secs(1)));
    // @N: DeviceInfo only, no data ever; only heartbeats arrive.
    let mut sub = c.subscribe(&["M:OUTTMP@N"]).await.unwrap();
    wait_for("many heartbeats", || sub.stats().frames_in > 150).await;
    assert!(
        sub.next().now_or_never().is_none(),
        "no event: no disconnect"
    );
    assert_eq!(sub.stats().reconnects, 0);
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_oversize_and_split_frames_are_survived() {
    for (faults, expect_reason) in [
        (
            Faults {
                garbage_after_data: Some(4),
                ..Faults::default()
            },
            Some("protocol"),
        ),
        (
            Faults {
                oversize_after_data: Some(4),
                ..Faults::default()
            },
            Some("protocol"),
        ),
        (
            Faults {
                split_writes: true,
                reorder: true,
                ..Faults::default()
            },
            None,
        ),
    ] {
        let f = faults.clone();
        let server = FakeDpmServer::builder()
            .fault_plan(move |i| if i == 0 { f.clone() } else { Faults::default() })
            .start()
            .await
            .unwrap();
        let c = client(&server, fast());
        let mut sub = c
            .subscribe(&["M:OUTTMP@p,10", "G:AMANDA@p,10"])
            .await
            .unwrap();
        match expect_reason {
            Some(word) => {
                let events = collect_until_reconnected(&mut sub, 1).await;
                check_gaps(&events, 1);
                let reason = events
                    .iter()
                    .find_map(|e| match e {
                        Event::Disconnected { reason } => Some(reason.clone()),
                        _ => None,
                    })
                    .unwrap();
                assert!(reason.contains(word), "{reason}");
            }
            None => {
                for _ in 0..50 {
                    let r = next_reading(&mut sub).await;
                    let v = r.value.and_then(|v| v.as_f64());
                    assert!(v == Some(72.5) || v == Some(42.0));
                }
            }
        }
        sub.stop().await;
        server.shutdown().await;
    }
}

#[tokio::test]
async fn without_reconnect_the_stream_ends_after_disconnected() {
    let server = FakeDpmServer::builder()
        .faults(Faults {
            close_after_data: Some(2),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let c = client(&server, fast().reconnect(false));
    let mut sub = c.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = timeout(BOUND, sub.next()).await.unwrap() {
        events.push(e);
    }
    assert_eq!(events.iter().filter(|e| e.is_reading()).count(), 2);
    assert!(matches!(events.last(), Some(Event::Disconnected { .. })));
    server.shutdown().await;
}

async fn slow_consumer(policy: DropPolicy) {
    const SENT: u64 = 20_000;
    let server = FakeDpmServer::builder()
        .faults(Faults {
            stall_after_data: Some(SENT),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let opts = fast()
        .buffer(1_000)
        .drop_policy(policy)
        .watchdog(Duration::from_secs(120));
    let c = client(&server, opts);
    let drfs: Vec<String> = (0..1_000).map(|n| format!("Z:BENCH{n:04}@p,10")).collect();
    let mut sub = c.subscribe(&drfs).await.unwrap();
    // Consume nothing until every reading the server sent was either buffered or dropped.
    let sub_ref = &sub;
    wait_for("every reading accounted for", || {
        sub_ref.dropped() + sub_ref.buffered() as u64 == SENT
    })
    .await;
    assert_eq!(server.stats().data_replies, SENT);
    let mut received = 0u64;
    let mut marked = 0u64;
    let mut last_value = None;
    while let Some(Some(e)) = sub.next().now_or_never() {
        match e {
            Event::Reading(r) => {
                received += 1;
                last_value = r.value;
            }
            Event::Dropped { count } => marked += count,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(received, 1_000);
    assert_eq!(sub.dropped(), server.stats().data_replies - received);
    assert_eq!(
        marked,
        sub.dropped(),
        "every drop is reported in the stream"
    );
    assert_eq!(sub.stats().dropped, sub.dropped());
    assert!(last_value.is_some());
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn slow_consumer_drops_oldest_and_counts_exactly() {
    slow_consumer(DropPolicy::DropOldest).await;
}

#[tokio::test]
async fn slow_consumer_drops_newest_and_counts_exactly() {
    slow_consumer(DropPolicy::DropNewest).await;
}

#[tokio::test]
async fn subscribe_connect_errors_are_typed() {
    let server = FakeDpmServer::builder()
        .faults(Faults {
            http_error: Some(404),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let c = client(&server, fast());
    let e = c.subscribe(&["M:OUTTMP@p,10"]).await.unwrap_err();
    assert!(
        {
            let err = &&e;
            err.kind() == ErrorKind::Http && err.detail().contains("404")
        },
        "{e}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn dropping_the_handle_closes_the_connection() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server, fast());
    let mut sub = c.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
    next_reading(&mut sub).await;
    assert_eq!(server.stats().open_connections, 1);
    drop(sub);
    wait_for("the server saw the close", || {
        server.stats().open_connections == 0
    })
    .await;
    server.shutdown().await;
}
