//! Timer logic under tokio's paused clock: the watchdog, the reconnect backoff and read
//! deadlines run on virtual time, so they are checked without waiting and without timing
//! assertions on real time.

use std::time::Duration;

use futures::StreamExt;
use pacsys_dpm_core::{DpmClient, ErrorKind, Event, SubscriptionOptions};
use pacsys_sim::{FakeDpmServer, Faults};
use tokio::time::{Instant, timeout};

const BOUND: Duration = Duration::from_secs(600);

#[tokio::test(start_paused = true)]
async fn default_watchdog_and_backoff_on_virtual_time() {
    let server = FakeDpmServer::builder()
        .fault_plan(|i| Faults {
            stall_after_data: (i == 0).then_some(3),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build();
    // Defaults: 10 s watchdog, 100 ms initial backoff with jitter in [50, 100] ms.
    let mut sub = client
        .subscribe_with(&["M:OUTTMP@p,100"], SubscriptionOptions::default())
        .await
        .unwrap();
    let started = Instant::now();
    let mut last_reading = started;
    let mut disconnected_at = None;
    loop {
        let event = timeout(BOUND, sub.next()).await.unwrap().unwrap();
        match event {
            Event::Reading(_) => {
                if disconnected_at.is_some() {
                    break;
                }
                last_reading = Instant::now();
            }
            Event::Disconnected { reason } => {
                assert!(reason.contains("watchdog"), "{reason}");
                let at = Instant::now();
                let silent = at - last_reading;
                assert!(silent >= Duration::from_secs(10), "{silent:?}");
                assert!(silent < Duration::from_secs(11), "{silent:?}");
                disconnected_at = Some(at);
            }
            Event::Reconnected { gap } => {
                assert!(gap >= Duration::from_millis(50), "{gap:?}");
                assert!(gap <= Duration::from_millis(150), "{gap:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sub.stats().reconnects, 1);
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn read_deadline_on_virtual_time() {
    let server = FakeDpmServer::builder()
        .pend_unknown_after(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build();
    let started = Instant::now();
    let results = timeout(
        BOUND,
        client.read_many(&["M:OUTTMP", "Z:NOPE"], Duration::from_secs(5)),
    )
    .await
    .unwrap();
    assert_eq!(
        results[0]
            .as_ref()
            .ok()
            .and_then(|r| r.value.as_ref()?.as_f64()),
        Some(72.5)
    );
    assert!(matches!(&results[1], Err(err) if err.kind() == ErrorKind::Timeout));
    assert!(started.elapsed() >= Duration::from_secs(5));
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_across_failed_reconnects() {
    // Connection 0 closes after 3 samples; the next three are closed right after accept; the
    // fifth works. Delays are 100, 200, 400 and 800 ms, each jittered into [50 %, 100 %].
    let server = FakeDpmServer::builder()
        .fault_plan(|i| match i {
            0 => Faults {
                close_after_data: Some(3),
                ..Faults::default()
            },
            1..=3 => Faults {
                accept_then_close: true,
                ..Faults::default()
            },
            _ => Faults::default(),
        })
        .start()
        .await
        .unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build();
    let mut sub = client.subscribe(&["M:OUTTMP@p,100"]).await.unwrap();
    let gap = loop {
        match timeout(BOUND, sub.next()).await.unwrap().unwrap() {
            Event::Reconnected { gap } => break gap,
            Event::Reading(_) | Event::Disconnected { .. } => {}
            other => panic!("{other:?}"),
        }
    };
    assert!(gap >= Duration::from_millis(750), "{gap:?}");
    assert!(gap <= Duration::from_millis(1600), "{gap:?}");
    assert_eq!(server.stats().connections, 5);
    assert_eq!(sub.stats().reconnects, 1);
    sub.stop().await;
    server.shutdown().await;
}

/// One deadline for a batch: 1,000 devices of which 10 never answer (the server holds
/// unknown devices as production does) come back together when the one 2 s deadline passes:
/// 990 readings and exactly 10 timeouts, in their slots, not one wait per dead device.
#[tokio::test(start_paused = true)]
async fn a_batch_with_dead_devices_returns_at_its_one_deadline() {
    let server = FakeDpmServer::builder()
        .pend_unknown_after(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let client = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build();
    let drfs: Vec<String> = (0..1000)
        .map(|i| {
            if i % 100 == 7 {
                format!("Z:DEAD{i:04}")
            } else {
                format!("Z:BENCH{i:04}")
            }
        })
        .collect();
    let deadline = Duration::from_secs(2);
    let started = Instant::now();
    let results = timeout(BOUND, client.read_many(&drfs, deadline))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(took >= deadline && took < deadline * 2, "{took:?}");
    assert_eq!(results.len(), 1000);
    let timeouts: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Err(e) if e.kind() == ErrorKind::Timeout))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(timeouts, (0..10).map(|k| k * 100 + 7).collect::<Vec<_>>());
    for (i, r) in results.iter().enumerate() {
        if i % 100 != 7 {
            let v = r.as_ref().ok().and_then(|r| r.value.as_ref()?.as_f64());
            assert_eq!(v, Some((i % 10_000) as f64), "slot {i}: {r:?}");
        }
    }
    server.shutdown().await;
}
