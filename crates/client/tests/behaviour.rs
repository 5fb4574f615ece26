//! One behavioural suite, run against every backend over its loopback fake server.

use std::time::Duration;

use futures::StreamExt;
use pacsys::env::EnvConfig;
use pacsys::{Backend, Capabilities, DpmBackend, Error, Event, GrpcBackend, Value};
use pacsys_testing::{FakeDaqServer, FakeDpmServer};

/// A bound on every wait, so a broken backend fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(20);
const CALL: Option<Duration> = Some(Duration::from_secs(5));

/// The contract every backend must meet, against the default device table.
async fn behaviour<B: Backend>(backend: &B) {
    assert!(
        backend
            .capabilities()
            .contains(Capabilities::READ | Capabilities::STREAM | Capabilities::BATCH)
    );

    // read: just the value.
    assert_eq!(
        backend.read("M:OUTTMP", CALL).await.unwrap(),
        Value::Scalar(72.5)
    );

    // get: the whole reading, with the caller's DRF.
    let reading = backend.get("M:OUTTMP", CALL).await.unwrap();
    assert_eq!(&*reading.drf, "M:OUTTMP");
    assert!(reading.ok());

    // get_many: order kept, failures stay in their own slot.
    let results = backend
        .get_many(
            &[
                "M:OUTTMP",
                "Z:NOSUCH",
                "G:AMANDA",
                "M:OUTTMP@@@",
                "Z:TEXTDV",
            ],
            CALL,
        )
        .await;
    assert_eq!(results.len(), 5);
    assert_eq!(
        results[0].as_ref().unwrap().value,
        Some(Value::Scalar(72.5))
    );
    match &results[1] {
        Err(Error::Device { drf, status }) => {
            assert_eq!(drf, "Z:NOSUCH");
            assert!(status.is_error(), "{status}");
        }
        other => panic!("unknown device gave {other:?}"),
    }
    assert_eq!(
        results[2].as_ref().unwrap().value,
        Some(Value::Scalar(42.0))
    );
    assert!(
        matches!(&results[3], Err(Error::InvalidRequest { drf, .. }) if drf == "M:OUTTMP@@@"),
        "{:?}",
        results[3]
    );
    assert_eq!(
        results[4].as_ref().unwrap().value,
        Some(Value::Text("hello".into()))
    );

    // A one-shot read with the never event is refused at once, alone.
    let results = backend.get_many(&["M:OUTTMP@N", "M:OUTTMP"], CALL).await;
    assert!(
        matches!(&results[0], Err(Error::Unsupported { drf, .. }) if drf == "M:OUTTMP@N"),
        "{:?}",
        results[0]
    );
    assert!(results[1].is_ok(), "{:?}", results[1]);

    // An empty batch is empty.
    assert!(backend.get_many::<&str>(&[], CALL).await.is_empty());

    // Arrays and text.
    match backend.read("Z:ACLTST", CALL).await.unwrap() {
        Value::Array(xs) => {
            assert_eq!(xs.len(), 100);
            assert_eq!(xs[3], 1.5);
        }
        other => panic!("Z:ACLTST gave {other:?}"),
    }
    assert_eq!(
        backend.read("Z:TEXTDV", CALL).await.unwrap(),
        Value::Text("hello".into())
    );

    // read of an unknown device is a device error.
    assert!(matches!(
        backend.read("Z:NOSUCH", CALL).await,
        Err(Error::Device { .. })
    ));

    // write, then read back.
    let written = backend
        .write("G:AMANDA", Value::Scalar(12.5), CALL)
        .await
        .unwrap();
    assert_eq!(written.drf, "G:AMANDA");
    assert!(written.is_success(), "{:?}", written.status);
    assert_eq!(
        backend.read("G:AMANDA", CALL).await.unwrap(),
        Value::Scalar(12.5)
    );

    // write_many: order kept, an unwritable value fails alone.
    let results = backend
        .write_many(
            &[
                ("G:AMANDA", Value::Scalar(13.0)),
                ("M:OUTTMP", Value::BasicStatus(Default::default())),
                ("Z:TEXTDV", Value::Text("world".into())),
            ],
            CALL,
        )
        .await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().drf, "G:AMANDA");
    assert!(
        matches!(results[1], Err(Error::Unsupported { .. })),
        "{:?}",
        results[1]
    );
    assert_eq!(results[2].as_ref().unwrap().drf, "Z:TEXTDV");
    assert_eq!(
        backend.read("Z:TEXTDV", CALL).await.unwrap(),
        Value::Text("world".into())
    );

    // subscribe: readings arrive; stop ends the stream.
    assert!(matches!(
        backend.subscribe::<&str>(&[]).await,
        Err(Error::InvalidRequest { .. })
    ));
    let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await.unwrap();
    assert_eq!(sub.drfs(), vec!["M:OUTTMP@p,100".to_owned()]);
    let mut readings = 0;
    while readings < 2 {
        match sub.next().await {
            Some(Event::Reading(r)) => {
                assert_eq!(&*r.drf, "M:OUTTMP@p,100");
                assert_eq!(r.value, Some(Value::Scalar(72.5)));
                readings += 1;
            }
            Some(other) => panic!("unexpected event {other:?}"),
            None => panic!("the subscription ended early"),
        }
    }
    assert_eq!(sub.dropped(), 0);
    sub.stop().await;
    // After stop, the stream ends (possibly after what was already buffered).
    while sub.next().await.is_some() {}

    // close: a running subscription ends, later calls fail with Closed.
    let mut sub = backend.subscribe(&["M:OUTTMP@p,100"]).await.unwrap();
    assert!(matches!(sub.next().await, Some(Event::Reading(_))));
    let waiting = tokio::spawn(async move {
        while sub.next().await.is_some() {}
        sub
    });
    backend.close().await;
    let sub = waiting.await.unwrap();
    assert!(sub.is_closed());
    assert_eq!(sub.drfs(), vec!["M:OUTTMP@p,100".to_owned()]);
    assert!(matches!(
        sub.add(&["G:AMANDA@p,100"]).await,
        Err(Error::Closed)
    ));
    backend.close().await;
    assert_eq!(backend.read("M:OUTTMP", CALL).await, Err(Error::Closed));
    assert!(matches!(
        backend.subscribe(&["M:OUTTMP@p,100"]).await,
        Err(Error::Closed)
    ));
}

/// What every backend reports when nothing listens at its address.
async fn unreachable<B: Backend>(backend: &B) {
    let results = backend
        .get_many(&["M:OUTTMP", "G:AMANDA", "M:OUTTMP@@@"], CALL)
        .await;
    assert_eq!(results.len(), 3);
    for r in &results[..2] {
        match r {
            Err(e) => assert!(e.is_retryable(), "{e:?}"),
            Ok(r) => panic!("read from nowhere gave {r:?}"),
        }
    }
    assert!(matches!(results[2], Err(Error::InvalidRequest { .. })));
    let e = backend
        .write("G:AMANDA", Value::Scalar(1.0), CALL)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ConnectionLost { .. } | Error::Timeout { .. } | Error::Auth { .. }
        ),
        "{e:?}"
    );
}

/// A local port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backends_report_an_unreachable_server_as_retryable() {
    let port = closed_port();
    let dpm = DpmBackend::builder()
        .host("127.0.0.1")
        .port(port)
        .env(EnvConfig::default())
        .build()
        .unwrap();
    tokio::time::timeout(BOUND, unreachable(&dpm))
        .await
        .unwrap();
    let grpc = GrpcBackend::builder()
        .host("127.0.0.1")
        .port(port)
        .token("t")
        .env(EnvConfig::default())
        .build()
        .unwrap();
    tokio::time::timeout(BOUND, unreachable(&grpc))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpm_backend_over_fake_dpm_server() {
    let server = FakeDpmServer::builder()
        .insecure_settings(true)
        .start()
        .await
        .unwrap();
    let backend = DpmBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let run = tokio::time::timeout(BOUND, behaviour(&backend)).await;
    drop(backend);
    server.shutdown().await;
    run.expect("the DPM suite did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_backend_over_fake_daq_server() {
    // The fake without a token accepts any bearer token; the client needs one to set.
    let server = FakeDaqServer::builder().start().await.unwrap();
    let backend = GrpcBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .token("test-token")
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let run = tokio::time::timeout(BOUND, behaviour(&backend)).await;
    drop(backend);
    server.shutdown().await;
    run.expect("the gRPC suite did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_backend() {
    // The in-memory fake over the same default world the fake servers serve.
    let backend = pacsys_testing::FakeBackend::new();
    tokio::time::timeout(BOUND, behaviour(&backend))
        .await
        .expect("the FakeBackend suite did not finish in time");
}
