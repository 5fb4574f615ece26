//! One behavioural suite, run against every backend over its loopback fake server.

use std::time::Duration;

use futures::StreamExt;
use pacsys::env::EnvConfig;
use pacsys::{
    AnalogAlarm, Backend, Capabilities, DpmBackend, Error, ErrorKind, Event, GrpcBackend, Status,
    Transport, Value,
};
use pacsys_sim::{FakeDaqServer, FakeDpmServer};
use pacsys_testing::FakeBackend;

/// A bound on every wait, so a broken backend fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(20);
const CALL: Option<Duration> = Some(Duration::from_secs(5));

/// The kind and DRF of a failed slot.
fn failure<T: std::fmt::Debug>(r: &Result<T, Error>) -> (ErrorKind, Option<&str>) {
    match r {
        Err(e) => (e.kind(), e.drf()),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

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
    assert_eq!(failure(&results[1]), (ErrorKind::Device, Some("Z:NOSUCH")));
    let status = results[1].as_ref().unwrap_err().status();
    assert!(status.is_some_and(|s| s.is_error()), "{status:?}");
    assert_eq!(
        results[2].as_ref().unwrap().value,
        Some(Value::Scalar(42.0))
    );
    assert_eq!(
        failure(&results[3]),
        (ErrorKind::InvalidRequest, Some("M:OUTTMP@@@"))
    );
    assert_eq!(
        results[4].as_ref().unwrap().value,
        Some(Value::Text("hello".into()))
    );

    // A one-shot read with the never event is refused at once, alone.
    let results = backend.get_many(&["M:OUTTMP@N", "M:OUTTMP"], CALL).await;
    assert_eq!(
        failure(&results[0]),
        (ErrorKind::Unsupported, Some("M:OUTTMP@N"))
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
    assert_eq!(
        failure(&backend.read("Z:NOSUCH", CALL).await),
        (ErrorKind::Device, Some("Z:NOSUCH"))
    );

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
    assert_eq!(
        failure(&results[1]),
        (ErrorKind::Unsupported, Some("M:OUTTMP"))
    );
    assert_eq!(results[2].as_ref().unwrap().drf, "Z:TEXTDV");
    assert_eq!(
        backend.read("Z:TEXTDV", CALL).await.unwrap(),
        Value::Text("world".into())
    );

    // subscribe: readings arrive; stop ends the stream.
    assert_eq!(
        backend.subscribe::<&str>(&[]).await.err().map(|e| e.kind()),
        Some(ErrorKind::InvalidRequest)
    );
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
    assert_eq!(
        failure(&sub.add(&["G:AMANDA@p,100"]).await),
        (ErrorKind::Closed, None)
    );
    backend.close().await;
    assert_eq!(
        failure(&backend.read("M:OUTTMP", CALL).await),
        (ErrorKind::Closed, None)
    );
    assert_eq!(
        backend
            .subscribe(&["M:OUTTMP@p,100"])
            .await
            .err()
            .map(|e| e.kind()),
        Some(ErrorKind::Closed)
    );
}

/// What a backend answered to one request the shared rules refuse.
#[derive(Debug, Clone, PartialEq)]
struct Refusal {
    /// What was asked.
    case: &'static str,
    kind: ErrorKind,
    /// The DRF the error names.
    drf: Option<String>,
    /// The byte offset of a DRF parse error.
    offset: Option<usize>,
    status: Option<Status>,
}

fn refusal<T: std::fmt::Debug>(case: &'static str, r: &Result<T, Error>) -> Refusal {
    let (kind, drf) = failure(r);
    let e = r.as_ref().unwrap_err();
    Refusal {
        case,
        kind,
        drf: drf.map(str::to_owned),
        offset: e.drf_error().map(|p| p.offset()),
        status: e.status(),
    }
}

fn an_alarm_block() -> Value {
    Value::AnalogAlarm(AnalogAlarm {
        minimum: 0.0,
        maximum: 100.0,
        alarm_enable: true,
        alarm_status: false,
        abort: false,
        abort_inhibit: false,
        tries_needed: 1,
        tries_now: 0,
    })
}

/// Requests the shared rules (`ReadPlan`, `WritePlan`) refuse, and a setting the device
/// world refuses. Every backend must answer each one alike, with its own transport, and
/// nothing of it may change the world.
async fn refusals<B: Backend>(backend: &B, transport: Transport) -> Vec<Refusal> {
    let mut out = Vec::new();
    let reads = backend
        .get_many(&["M:OUTTMP@N", "G:AMANDA.SETTING@N", "M:OUTTMP@Q,X"], CALL)
        .await;
    out.push(refusal("one-shot @N read", &reads[0]));
    out.push(refusal("one-shot @N read of a setting", &reads[1]));
    out.push(refusal("unparsable read", &reads[2]));
    let writes = backend
        .write_many(
            &[
                ("M:OUTTMP.DESCRIPTION", Value::Text("x".into())),
                ("M:OUTTMP.ANALOG", Value::Scalar(1.0)),
                ("M:OUTTMP", an_alarm_block()),
                ("M:OUTTMP.DIGITAL", an_alarm_block()),
                ("M:OUTTMP.ANALOG.ALARM_STATUS", Value::Scalar(1.0)),
                ("M:OUTTMP<-LOGGER:1000:2000", Value::Scalar(1.0)),
                ("M:OUTTMP@Q,X", Value::Scalar(1.0)),
                ("M:OUTTMP", Value::Scalar(1e6)),
            ],
            CALL,
        )
        .await;
    for (case, r) in [
        "DESCRIPTION write",
        ".ANALOG write of a scalar",
        "alarm-block value",
        "analog block to .DIGITAL",
        "read-only alarm field",
        "logger source write",
        "unparsable write",
        "out-of-range setting",
    ]
    .into_iter()
    .zip(&writes)
    {
        out.push(refusal(case, r));
    }
    for e in reads
        .iter()
        .filter_map(|r| r.as_ref().err())
        .chain(writes.iter().filter_map(|r| r.as_ref().err()))
    {
        assert_eq!(e.transport(), Some(transport), "{e:?}");
    }
    // Nothing was written: the device reads as before.
    assert_eq!(
        backend.read("M:OUTTMP", CALL).await.unwrap(),
        Value::Scalar(72.5)
    );
    out
}

/// What every backend must answer to [`refusals`].
fn expected_refusals() -> Vec<Refusal> {
    let r = |case, kind, drf: &str, offset, status| Refusal {
        case,
        kind,
        drf: Some(drf.to_owned()),
        offset,
        status,
    };
    // `M:OUTTMP@Q,X`: where the parser stops (the same offset on every backend).
    let offset = pacsys::drf::Request::parse("M:OUTTMP@Q,X")
        .unwrap_err()
        .offset();
    vec![
        r(
            "one-shot @N read",
            ErrorKind::Unsupported,
            "M:OUTTMP@N",
            None,
            None,
        ),
        r(
            "one-shot @N read of a setting",
            ErrorKind::Unsupported,
            "G:AMANDA.SETTING@N",
            None,
            None,
        ),
        r(
            "unparsable read",
            ErrorKind::InvalidRequest,
            "M:OUTTMP@Q,X",
            Some(offset),
            None,
        ),
        r(
            "DESCRIPTION write",
            ErrorKind::ReadOnly,
            "M:OUTTMP.DESCRIPTION",
            None,
            None,
        ),
        r(
            ".ANALOG write of a scalar",
            ErrorKind::InvalidRequest,
            "M:OUTTMP.ANALOG",
            None,
            None,
        ),
        r(
            "alarm-block value",
            ErrorKind::InvalidRequest,
            "M:OUTTMP",
            None,
            None,
        ),
        r(
            "analog block to .DIGITAL",
            ErrorKind::InvalidRequest,
            "M:OUTTMP.DIGITAL",
            None,
            None,
        ),
        r(
            "read-only alarm field",
            ErrorKind::ReadOnly,
            "M:OUTTMP.ANALOG.ALARM_STATUS",
            None,
            None,
        ),
        r(
            "logger source write",
            ErrorKind::ReadOnly,
            "M:OUTTMP<-LOGGER:1000:2000",
            None,
            None,
        ),
        r(
            "unparsable write",
            ErrorKind::InvalidRequest,
            "M:OUTTMP@Q,X",
            Some(offset),
            None,
        ),
        // The device world refuses it (out of range): the setting's own status.
        r(
            "out-of-range setting",
            ErrorKind::SettingRejected,
            "M:OUTTMP",
            None,
            Some(Status::new(14, -58)),
        ),
    ]
}

/// Whole alarm blocks are written field by field on every backend: a block read, changed
/// and written back reads back changed; a field the device refuses fails the block's slot
/// with that field's DRF, after the fields before it were written.
async fn alarm_blocks<B: Backend>(backend: &B) {
    let amanda = backend.read("G:AMANDA", CALL).await.unwrap();
    let Value::AnalogAlarm(mut analog) = backend.read("M:OUTTMP.ANALOG", CALL).await.unwrap()
    else {
        panic!("M:OUTTMP.ANALOG is not an analog alarm block")
    };
    let Value::DigitalAlarm(mut digital) = backend.read("M$OUTTMP", CALL).await.unwrap() else {
        panic!("M$OUTTMP is not a digital alarm block")
    };
    analog.maximum = 95.0;
    analog.alarm_enable = !analog.alarm_enable;
    analog.tries_needed = 3;
    digital.mask = 0x0f;
    digital.abort_inhibit = !digital.abort_inhibit;
    let results = backend
        .write_many(
            &[
                ("M:OUTTMP.ANALOG", Value::AnalogAlarm(analog)),
                ("G:AMANDA", Value::Scalar(7.0)),
                ("M$OUTTMP", Value::DigitalAlarm(digital)),
            ],
            CALL,
        )
        .await;
    let drfs: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().map(|w| w.drf.as_str()).unwrap())
        .collect();
    assert_eq!(drfs, ["M:OUTTMP.ANALOG", "G:AMANDA", "M$OUTTMP"]);
    assert_eq!(
        backend.read("M:OUTTMP.ANALOG", CALL).await.unwrap(),
        Value::AnalogAlarm(analog)
    );
    assert_eq!(
        backend.read("M:OUTTMP.DIGITAL", CALL).await.unwrap(),
        Value::DigitalAlarm(digital)
    );
    assert_eq!(
        backend.read("G:AMANDA", CALL).await.unwrap(),
        Value::Scalar(7.0)
    );

    // MIN is written, MAX (not a number) refused: the error names MAX, and nothing after
    // it (ALARM_ENABLE) was sent.
    let mut bad = analog;
    bad.minimum = 5.0;
    bad.maximum = f64::NAN;
    bad.alarm_enable = !analog.alarm_enable;
    let e = backend
        .write("M:OUTTMP.ANALOG", Value::AnalogAlarm(bad), CALL)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SettingRejected, "{e:?}");
    assert_eq!(e.drf(), Some("M:OUTTMP.ANALOG.MAX"), "{e:?}");
    assert_eq!(
        backend.read("M:OUTTMP.ANALOG", CALL).await.unwrap(),
        Value::AnalogAlarm(AnalogAlarm {
            minimum: 5.0,
            ..analog
        })
    );
    backend.write("G:AMANDA", amanda, CALL).await.unwrap();
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
    assert_eq!(failure(&results[2]).0, ErrorKind::InvalidRequest);
    let e = backend
        .write("G:AMANDA", Value::Scalar(1.0), CALL)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Refused | ErrorKind::ConnectionLost | ErrorKind::Timeout | ErrorKind::Auth
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
    let run = tokio::time::timeout(BOUND, async {
        assert_eq!(
            refusals(&backend, Transport::Dpm).await,
            expected_refusals()
        );
        alarm_blocks(&backend).await;
        behaviour(&backend).await;
    })
    .await;
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
    let run = tokio::time::timeout(BOUND, async {
        assert_eq!(
            refusals(&backend, Transport::Grpc).await,
            expected_refusals()
        );
        alarm_blocks(&backend).await;
        behaviour(&backend).await;
    })
    .await;
    drop(backend);
    server.shutdown().await;
    run.expect("the gRPC suite did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_backend() {
    // The in-memory fake over the same default world the fake servers serve.
    let backend = FakeBackend::new();
    tokio::time::timeout(BOUND, async {
        assert_eq!(
            refusals(&backend, Transport::InMemory).await,
            expected_refusals()
        );
        alarm_blocks(&backend).await;
        behaviour(&backend).await;
    })
    .await
    .expect("the FakeBackend suite did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_setting_keeps_its_role_through_the_facade() {
    // Without `insecure_settings` the fake DPM server refuses every setting of an
    // unauthenticated list with DPM_PRIV; the core reports the role the batch was sent with,
    // and the facade passes it on untouched.
    let server = FakeDpmServer::builder().start().await.unwrap();
    let backend = DpmBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .role("testing")
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let results = backend
            .write_many(
                &[
                    ("G:AMANDA", Value::Scalar(1.0)),
                    ("M:OUTTMP.DESCRIPTION", Value::Text("x".into())),
                ],
                CALL,
            )
            .await;
        let e = results[0].as_ref().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SettingRejected, "{e:?}");
        assert_eq!(e.role(), Some("testing"));
        assert_eq!(e.status(), Some(Status::DPM_PRIV));
        assert_eq!(e.drf(), Some("G:AMANDA"));
        assert_eq!(e.transport(), Some(Transport::Dpm));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("role `testing`"), "{e}");
        // The read-only property was refused before anything was sent.
        assert_eq!(failure(&results[1]).0, ErrorKind::ReadOnly);
        assert_eq!(
            backend.read("G:AMANDA", CALL).await.unwrap(),
            Value::Scalar(42.0)
        );
    })
    .await;
    drop(backend);
    server.shutdown().await;
    run.expect("the refusal did not finish in time");

    // The in-memory fake reports its role the same way.
    let fake = FakeBackend::builder().role(Some("testing".into())).build();
    fake.set_write_result("G:AMANDA", Status::DPM_PRIV);
    let e = fake
        .write("G:AMANDA", Value::Scalar(1.0), CALL)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.role(), e.status(), e.transport()),
        (
            ErrorKind::SettingRejected,
            Some("testing"),
            Some(Status::DPM_PRIV),
            Some(Transport::InMemory)
        )
    );
}
