//! One-shot reads against the fake DPM server over loopback.

use std::time::Duration;

use pacsys_dpm_core::{DpmClient, Error, ErrorKind, ListIdentity, Status, Value};
use pacsys_sim::{FakeDpmServer, Faults};
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(20);
const T: Duration = Duration::from_secs(5);

/// A client whose lists send no identity (the tests that check the exact request log).
fn client(server: &FakeDpmServer) -> DpmClient {
    DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .identity(ListIdentity::none())
        .build()
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    timeout(BOUND, f)
        .await
        .expect("test step exceeded its bound")
}

fn scalar(r: &Result<pacsys_dpm_core::Reading, Error>) -> Option<f64> {
    r.as_ref().ok()?.value.as_ref()?.as_f64()
}

#[tokio::test]
async fn read_many_returns_values_errors_in_input_order() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    let drfs = [
        "M:OUTTMP",
        "bad@@drf",
        "G:AMANDA@I",
        "Z:NOPE",
        "Z:ACLTST[0:3]",
        "Z:TEXTDV",
        "Z:BROKEN",
    ];
    let results = bounded(c.read_many(&drfs, T)).await;
    assert_eq!(results.len(), drfs.len());
    assert_eq!(scalar(&results[0]), Some(72.5));
    let r0 = results[0].as_ref().unwrap();
    assert_eq!(&*r0.drf, "M:OUTTMP");
    assert_eq!(r0.units(), Some("DegF"));
    assert_eq!(r0.name(), Some("M:OUTTMP"));
    assert!(r0.timestamp.is_some());
    assert!(
        matches!(&results[1], Err(err) if err.kind() == ErrorKind::InvalidRequest && err.drf().unwrap_or_default() == "bad@@drf")
    );
    assert_eq!(scalar(&results[2]), Some(42.0));
    assert!(
        matches!(&results[3], Err(err) if err.kind() == ErrorKind::Device && err.drf().unwrap_or_default() == "Z:NOPE" && err.status().unwrap_or_default() == Status::DPM_NO_SUCH_DEVICE),
        "{:?}",
        results[3]
    );
    assert_eq!(
        results[4].as_ref().unwrap().value,
        Some(Value::Array(vec![0.0, 0.5, 1.0, 1.5]))
    );
    assert_eq!(
        results[5].as_ref().unwrap().value,
        Some(Value::Text("hello".into()))
    );
    assert!(
        matches!(&results[6], Err(err) if err.kind() == ErrorKind::Device && err.status().unwrap_or_default() == Status::new(14, -82)),
        "{:?}",
        results[6]
    );
    // Device errors are answers: the connection went back to the pool.
    assert_eq!(c.idle_connections(), 1);
    // The wire DRFs got @I; one write carried every AddToList and the StartList.
    bounded(async {
        while server.requests(0).len() < 9 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let reqs = server.requests(0);
    let names: Vec<_> = reqs.iter().map(|r| r.name()).collect();
    assert_eq!(names.len(), 6 + 1 + 2, "{names:?}");
    assert!(
        matches!(&reqs[0], pacsys_dpm_proto::Request::AddToList(a) if a.drf_request == "M:OUTTMP.READING@I")
    );
    assert_eq!(&names[6..], ["StartList", "StopList", "ClearList"]);
    server.shutdown().await;
}

#[tokio::test]
async fn pooled_connection_is_reused_only_after_single_reply_reads() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    for _ in 0..3 {
        let r = bounded(c.read("M:OUTTMP", T)).await;
        assert_eq!(scalar(&r), Some(72.5));
    }
    assert_eq!(server.stats().connections, 1);
    // A repeating event: first sample wins, then the connection is closed.
    let r = bounded(c.read("Z:SINE@p,50", T)).await;
    assert!(scalar(&r).is_some());
    assert_eq!(c.idle_connections(), 0);
    let r = bounded(c.read("G:AMANDA", T)).await;
    assert_eq!(scalar(&r), Some(42.0));
    assert_eq!(server.stats().connections, 2);
    assert_eq!(c.stats().connects, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_devices_every_value_correct() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    let drfs: Vec<String> = (0..10_000).map(|n| format!("Z:BENCH{n:04}")).collect();
    let results = bounded(c.read_many(&drfs, Duration::from_secs(15))).await;
    assert_eq!(results.len(), 10_000);
    for (n, r) in results.iter().enumerate() {
        assert_eq!(scalar(r), Some(n as f64), "Z:BENCH{n:04}: {r:?}");
        assert_eq!(&*r.as_ref().unwrap().drf, drfs[n]);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn logger_history_is_concatenated() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let start = (now_ms / 1000 - 2000) * 1000;
    let end = start + 1_000_000; // 1000 s: 1001 points, more than two chunks of 487
    let scalar_drf = format!("M:OUTTMP<-LOGGER:{start}:{end}");
    let array_drf = format!("Z:ACLTST<-LOGGER:{start}:{}", start + 2_000);
    let single = format!("M:OUTTMP<-LOGGERSINGLE:{start}");
    // No whole second inside the window: the fake logged nothing there.
    let empty = "M:OUTTMP<-LOGGER:1500:1800".to_string();
    let results = bounded(c.read_many(&[&scalar_drf, &array_drf, &single, &empty], T)).await;
    let Some(Value::TimedArray(t)) = results[0].as_ref().unwrap().value.clone() else {
        panic!("{:?}", results[0]);
    };
    assert!(t.data.len() > 974, "{}", t.data.len());
    assert_eq!(t.data.len(), t.micros.len());
    assert!(t.micros.windows(2).all(|w| w[0] < w[1]));
    let Some(Value::TimedArray(a)) = results[1].as_ref().unwrap().value.clone() else {
        panic!("{:?}", results[1]);
    };
    assert_eq!(a.data.len() % 100, 0);
    assert!(a.data.len() >= 200);
    assert_eq!(a.data[..3], [0.0, 0.5, 1.0]);
    assert!(scalar(&results[2]).is_some(), "{:?}", results[2]);
    assert!(
        matches!(&results[3], Err(err) if err.kind() == ErrorKind::Device && err.status().unwrap_or_default() == Status::new(66, -64)),
        "{:?}",
        results[3]
    );
    server.shutdown().await;
}

/// A history may end with a DPM_PEND Status instead of the empty end-of-data chunk: the
/// chunks received are the whole history, as with the marker.
#[tokio::test]
async fn a_history_ended_by_pend_is_as_complete_as_one_ended_by_the_marker() {
    let marker = FakeDpmServer::start().await.unwrap();
    let pend = FakeDpmServer::builder()
        .history_ends_with_pend(true)
        .start()
        .await
        .unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let start = (now_ms / 1000 - 2000) * 1000;
    let drf = format!("M:OUTTMP<-LOGGER:{start}:{}", start + 1_000_000);
    let mut histories = Vec::new();
    for server in [&marker, &pend] {
        let r = bounded(client(server).read(&drf, T)).await;
        let Ok(reading) = r else { panic!("{r:?}") };
        let Some(Value::TimedArray(t)) = reading.value else {
            panic!("{reading:?}")
        };
        histories.push(t);
    }
    assert_eq!(histories[0].data.len(), 1001, "three chunks of data");
    assert_eq!(histories[0], histories[1]);
    marker.shutdown().await;
    pend.shutdown().await;
}

#[tokio::test]
async fn all_invalid_touches_no_network() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    let results = bounded(c.read_many(&["@@", ""], T)).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(&r, Err(err) if err.kind() == ErrorKind::InvalidRequest))
    );
    assert_eq!(server.stats().connections, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn unanswered_refs_time_out_and_the_connection_is_closed() {
    // Unknown devices are answered (DPM_PEND) only after a minute: far past the deadline.
    let server = FakeDpmServer::builder()
        .pend_unknown_after(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let c = client(&server);
    let results = bounded(c.read_many(
        &["M:OUTTMP", "Z:NOPE", "G:AMANDA@N"],
        Duration::from_secs(1),
    ))
    .await;
    assert_eq!(scalar(&results[0]), Some(72.5));
    assert!(
        matches!(&results[1], Err(err) if err.kind() == ErrorKind::Timeout),
        "{:?}",
        results[1]
    );
    // @N is refused up front: DPM would never answer it.
    assert!(
        matches!(&results[2], Err(err) if err.kind() == ErrorKind::Unsupported),
        "{:?}",
        results[2]
    );
    assert_eq!(c.idle_connections(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn pending_unknown_device_resolves_as_device_error() {
    let server = FakeDpmServer::builder()
        .pend_unknown_after(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let c = client(&server);
    let r = bounded(c.read("Z:NOPE", T)).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Device && err.status().unwrap_or_default() == Status::DPM_PEND),
        "{r:?}"
    );
    server.shutdown().await;
}

async fn read_with_faults(
    faults: Faults,
) -> (Vec<Result<pacsys_dpm_core::Reading, Error>>, FakeDpmServer) {
    let server = FakeDpmServer::builder()
        .faults(faults)
        .start()
        .await
        .unwrap();
    let c = client(&server);
    let drfs: Vec<String> = (0..50).map(|n| format!("Z:BENCH{n:04}")).collect();
    let results = bounded(c.read_many(&drfs, T)).await;
    (results, server)
}

#[tokio::test]
async fn split_writes_and_reordering_decode_identically() {
    for faults in [
        Faults {
            split_writes: true,
            ..Faults::default()
        },
        Faults {
            reorder: true,
            ..Faults::default()
        },
    ] {
        let (results, server) = read_with_faults(faults).await;
        for (n, r) in results.iter().enumerate() {
            assert_eq!(scalar(r), Some(n as f64));
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn close_mid_read_gives_connection_lost_for_the_rest() {
    let (results, server) = read_with_faults(Faults {
        close_after_data: Some(10),
        ..Faults::default()
    })
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 10);
    assert!(
        results[10..]
            .iter()
            .all(|r| matches!(&r, Err(err) if err.kind() == ErrorKind::ConnectionLost)),
        "{:?}",
        results[10]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_and_oversize_frames_are_protocol_errors() {
    for faults in [
        Faults {
            garbage_after_data: Some(5),
            ..Faults::default()
        },
        Faults {
            oversize_after_data: Some(5),
            ..Faults::default()
        },
    ] {
        let (results, server) = read_with_faults(faults).await;
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
        assert!(
            results[5..]
                .iter()
                .all(|r| matches!(&r, Err(err) if err.kind() == ErrorKind::Protocol)),
            "{:?}",
            results[5]
        );
        server.shutdown().await;
    }
}

#[tokio::test]
async fn stall_mid_read_times_out() {
    let server = FakeDpmServer::builder()
        .faults(Faults {
            stall_after_data: Some(3),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let c = client(&server);
    let drfs: Vec<String> = (0..10).map(|n| format!("Z:BENCH{n:04}")).collect();
    let results = bounded(c.read_many(&drfs, Duration::from_secs(1))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert!(matches!(&results[9], Err(err) if err.kind() == ErrorKind::Timeout));
    server.shutdown().await;
}

#[tokio::test]
async fn http_error_and_accept_then_close_are_typed() {
    let server = FakeDpmServer::builder()
        .faults(Faults {
            http_error: Some(503),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let r = bounded(client(&server).read("M:OUTTMP", T)).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Http && err.detail() == "HTTP/1.1 503 Injected Fault"),
        "{r:?}"
    );
    server.shutdown().await;

    let server = FakeDpmServer::builder()
        .faults(Faults {
            accept_then_close: true,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let r = bounded(client(&server).read("M:OUTTMP", T)).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::ConnectionLost),
        "{r:?}"
    );
    assert!(r.unwrap_err().is_retryable());
    server.shutdown().await;
}

#[tokio::test]
async fn refused_connection_is_typed() {
    // Bind then drop a listener: the port is very likely closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = DpmClient::builder().host("127.0.0.1").port(port).build();
    let r = bounded(c.read("M:OUTTMP", T)).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::Refused),
        "{r:?}"
    );
}

#[tokio::test]
async fn pool_exhaustion_is_typed() {
    let server = FakeDpmServer::builder()
        .pend_unknown_after(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .pool_size(1)
        .pool_wait(Duration::from_millis(100))
        .build();
    let slow = {
        let c = c.clone();
        tokio::spawn(async move { c.read("Z:NOPE", Duration::from_secs(2)).await })
    };
    // Let the slow read take the only connection (bounded wait on an observable condition).
    bounded(async {
        while server.stats().lists == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let r = bounded(c.read("M:OUTTMP", T)).await;
    assert!(
        matches!(&r, Err(err) if err.kind() == ErrorKind::PoolExhausted),
        "{r:?}"
    );
    let slow = bounded(slow).await.unwrap();
    assert!(matches!(slow, Err(err) if err.kind() == ErrorKind::Timeout));
    server.shutdown().await;
}

#[tokio::test]
async fn concurrent_reads_share_the_pool() {
    let server = FakeDpmServer::start().await.unwrap();
    let c = client(&server);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                let drfs: Vec<String> = (0..100)
                    .map(|n| format!("Z:BENCH{:04}", i * 100 + n))
                    .collect();
                c.read_many(&drfs, T).await
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        let results = bounded(t).await.unwrap();
        for (n, r) in results.iter().enumerate() {
            assert_eq!(scalar(r), Some((i * 100 + n) as f64));
        }
    }
    assert!(server.stats().connections <= 4);
    server.shutdown().await;
}

#[tokio::test]
async fn a_silent_pooled_connection_is_closed_and_replaced() {
    // Connection 0 answers one read, then goes silent (no heartbeats either).
    let server = FakeDpmServer::builder()
        .heartbeat(Duration::from_millis(20))
        .fault_plan(|i| Faults {
            stall_after_data: (i == 0).then_some(1),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .pooled_watchdog(Some(Duration::from_millis(300)))
        .build();
    assert_eq!(scalar(&bounded(c.read("M:OUTTMP", T)).await), Some(72.5));
    bounded(async {
        while c.idle_connections() > 0 || server.stats().open_connections > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(scalar(&bounded(c.read("G:AMANDA", T)).await), Some(42.0));
    assert_eq!(server.stats().connections, 2);
    server.shutdown().await;
}

/// Every connection (pooled reads, a subscription, the write connection) names its owner
/// right after the list opens: `#USER`, `#PID`, `#TYPE` as ref-0 AddToList (spec 6.1),
/// before any other request; the fake records them as list properties.
#[tokio::test]
async fn every_list_names_its_owner_before_anything_else() {
    use futures::StreamExt;
    let server = FakeDpmServer::builder()
        .insecure_settings(true)
        .start()
        .await
        .unwrap();
    let c = DpmClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .settings_user("tester")
        .identity(
            ListIdentity::of_process()
                .user("operator1")
                .client_type("orbit-scan/1.0"),
        )
        .build();
    let r = bounded(c.read("M:OUTTMP", T)).await;
    assert!(r.is_ok(), "{r:?}");
    let mut sub = c.subscribe(&["M:OUTTMP@p,50"]).await.unwrap();
    assert!(bounded(sub.next()).await.is_some());
    sub.stop().await;
    let w = bounded(c.write("M:OUTTMP", 72.0, T)).await;
    assert!(w.is_ok(), "{w:?}");
    let pid = format!("#PID:{}", std::process::id());
    let want = ["#USER:operator1", pid.as_str(), "#TYPE:orbit-scan/1.0"];
    let connections = server.stats().connections;
    assert_eq!(
        connections, 3,
        "a read, a subscription and a write connection"
    );
    for i in 0..connections {
        let reqs = server.requests(i);
        let first: Vec<&str> = reqs
            .iter()
            .take(3)
            .map(|r| match r {
                pacsys_dpm_proto::Request::AddToList(a) if a.ref_id == 0 => a.drf_request.as_str(),
                other => other.name(),
            })
            .collect();
        assert_eq!(first, want, "connection {i}: {reqs:?}");
    }
    // Without an identity nothing is sent.
    let quiet = client(&server);
    assert!(bounded(quiet.read("M:OUTTMP", T)).await.is_ok());
    let reqs = server.requests(connections);
    assert!(
        matches!(&reqs[0], pacsys_dpm_proto::Request::AddToList(a) if a.ref_id != 0),
        "{reqs:?}"
    );
    server.shutdown().await;
}

/// A client whose runtime runs only during its reads (a blocking caller's current-thread
/// runtime, as pacsys_rs's direct reads): the server runs on a runtime of its own.
struct Driven {
    server_rt: tokio::runtime::Runtime,
    client_rt: tokio::runtime::Runtime,
    server: Option<FakeDpmServer>,
}

impl Driven {
    fn start(heartbeat: Duration) -> Driven {
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = server_rt
            .block_on(FakeDpmServer::builder().heartbeat(heartbeat).start())
            .unwrap();
        let client_rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Driven {
            server_rt,
            client_rt,
            server: Some(server),
        }
    }

    fn server(&self) -> &FakeDpmServer {
        self.server.as_ref().unwrap()
    }

    fn read(&self, c: &DpmClient, drf: &str) -> Option<f64> {
        scalar(&self.client_rt.block_on(bounded(c.read(drf, T))))
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.server_rt.block_on(s.shutdown());
        }
    }
}

/// A pooled connection the server closed while its runtime was not running: the next read
/// finds the close first, and goes out on a fresh connection instead of failing.
#[test]
fn a_connection_closed_while_its_runtime_slept_is_replaced_before_the_read() {
    let d = Driven::start(Duration::from_secs(2));
    let c = d.client_rt.block_on(async {
        DpmClient::builder()
            .host("127.0.0.1")
            .port(d.server().port())
            .build()
    });
    for round in 1..=3u64 {
        assert_eq!(d.read(&c, "M:OUTTMP"), Some(72.5), "round {round}");
        d.server().close_connections();
        let closed = std::time::Instant::now();
        while d.server().stats().open_connections > 0 {
            assert!(
                closed.elapsed() < T,
                "the server did not close its connection"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        // Let the close reach the client's socket.
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(d.read(&c, "G:AMANDA"), Some(42.0));
    assert_eq!(d.server().stats().connections, 4);
}

/// Heartbeats that arrived while the runtime was not running count before the watchdog:
/// a connection idle (undriven) for longer than the watchdog, whose server kept sending
/// heartbeats, is used again rather than declared dead.
#[test]
fn heartbeats_that_waited_in_the_socket_keep_the_connection() {
    let d = Driven::start(Duration::from_millis(20));
    let c = d.client_rt.block_on(async {
        DpmClient::builder()
            .host("127.0.0.1")
            .port(d.server().port())
            .pooled_watchdog(Some(Duration::from_millis(150)))
            .build()
    });
    for _ in 0..5 {
        assert_eq!(d.read(&c, "M:OUTTMP"), Some(72.5));
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(d.server().stats().connections, 1);
}
