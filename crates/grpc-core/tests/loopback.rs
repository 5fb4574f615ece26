//! The client against `pacsys-sim`'s `FakeDaqServer` on loopback: reads, batch reads,
//! every value kind, streams with reconnect, settings, tokens, faults. Every wait is
//! bounded and every server is shut down.

use std::time::Duration;

use futures::StreamExt;
use pacsys_grpc_core::{
    Control, DaqClient, Error, ErrorKind, Event, SubscriptionOptions, Transport, Value,
};
use pacsys_sim::answer::{self, Target};
use pacsys_sim::{DaqFaults, FakeDaqServer, SimWorld};
use pacsys_types::Status;

const WAIT: Duration = Duration::from_secs(5);

fn client(server: &FakeDaqServer) -> DaqClient {
    DaqClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .token("secret")
        .timeout(WAIT)
        .subscription_options(
            SubscriptionOptions::default()
                .backoff(Duration::from_millis(20), Duration::from_millis(200)),
        )
        .build()
        .expect("client")
}

/// The error of a failed slot (panics on success).
fn err<T: std::fmt::Debug>(r: &Result<T, Error>) -> &Error {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// The kind, DRF and status of a failed slot.
fn facts<T: std::fmt::Debug>(r: &Result<T, Error>) -> (ErrorKind, Option<&str>, Option<Status>) {
    let e = err(r);
    (e.kind(), e.drf(), e.status())
}

async fn next(sub: &mut pacsys_grpc_core::Subscription) -> Event {
    let e = tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("an event in time");
    match e {
        Some(e) => e,
        None => panic!("stream ended: {:?}", sub.error()),
    }
}

#[tokio::test]
async fn read_forces_the_immediate_event() {
    let server = FakeDaqServer::builder().start().await.expect("server");
    let c = client(&server);
    let r = c.read("M:OUTTMP", WAIT).await.expect("read");
    assert_eq!(r.value, Some(Value::Scalar(72.5)));
    assert!(r.timestamp.is_some());
    assert_eq!(&*r.drf, "M:OUTTMP");
    assert_eq!(
        server.read_requests(),
        vec![vec!["M:OUTTMP.READING@I".to_owned()]]
    );
    assert_eq!(server.stats().open_streams, 0, "one-shot stream completed");
    server.shutdown().await;
}

#[tokio::test]
async fn batch_read_gives_one_result_per_drf() {
    let server = FakeDaqServer::builder().start().await.expect("server");
    let c = client(&server);
    let drfs = [
        "M:OUTTMP",
        "Z:ACLTST[0:4]",
        "Z:NOSUCH",
        "M:OUTTMP[",
        "Z:BROKEN",
        "G:AMANDA@I",
    ];
    let results = c.read_many(&drfs, WAIT).await;
    assert_eq!(results.len(), drfs.len());
    assert_eq!(
        results[0].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Scalar(72.5)))
    );
    assert_eq!(
        results[1].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Array(vec![0.0, 0.5, 1.0, 1.5, 2.0])))
    );
    assert_eq!(
        facts(&results[2]),
        (
            ErrorKind::Device,
            Some("Z:NOSUCH"),
            Some(answer::status::NO_SUCH_DEVICE)
        )
    );
    let device = err(&results[2]);
    assert_eq!(device.transport(), Some(Transport::Grpc));
    assert_eq!(device.server(), Some(c.addr()));
    let invalid = err(&results[3]);
    assert_eq!(invalid.kind(), ErrorKind::InvalidRequest);
    assert_eq!(invalid.drf(), Some("M:OUTTMP["));
    assert!(
        invalid.drf_error().is_some(),
        "the parse error is the source"
    );
    assert_eq!(invalid.server(), None, "nothing was sent for it");
    assert_eq!(
        facts(&results[4]),
        (
            ErrorKind::Device,
            Some("Z:BROKEN"),
            Some(Status::new(14, -82))
        )
    );
    assert_eq!(
        results[5].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Scalar(42.0)))
    );
    // The invalid DRF was not sent; the explicit event was kept.
    let sent = &server.read_requests()[0];
    assert_eq!(sent.len(), 5);
    assert_eq!(sent[4], "G:AMANDA@I");
    server.shutdown().await;
}

#[tokio::test]
async fn a_one_shot_never_event_is_refused_in_its_slot_and_the_others_are_sent() {
    let server = FakeDaqServer::builder().start().await.expect("server");
    let c = client(&server);
    let results = c
        .read_many(
            &["M:OUTTMP", "G:AMANDA@N", "Z:ACLTST[0:1]", "M:OUTTMP@n"],
            WAIT,
        )
        .await;
    assert_eq!(
        results[0].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Scalar(72.5)))
    );
    for (i, drf) in [(1, "G:AMANDA@N"), (3, "M:OUTTMP@n")] {
        let e = err(&results[i]);
        assert_eq!((e.kind(), e.drf()), (ErrorKind::Unsupported, Some(drf)));
        assert_eq!(e.transport(), Some(Transport::Grpc));
    }
    assert_eq!(
        results[2].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Array(vec![0.0, 0.5])))
    );
    assert_eq!(
        server.read_requests(),
        vec![vec![
            "M:OUTTMP.READING@I".to_owned(),
            "Z:ACLTST.READING[0:1]@I".to_owned()
        ]],
        "the good slots in one call, the never events not at all"
    );
    // Only never events: no call at all.
    let r = c.read("G:AMANDA.SETTING@N", WAIT).await;
    assert_eq!(err(&r).kind(), ErrorKind::Unsupported);
    assert_eq!(server.stats().read_calls, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn every_value_kind_round_trips_through_the_fake() {
    let server = FakeDaqServer::builder().start().await.expect("server");
    let c = client(&server);
    let world = SimWorld::default_table();
    let drfs = [
        "M:OUTTMP",
        "Z:ACLTST",
        "Z:RAWDEV",
        "Z:TEXTDV",
        "Z:TXTARR",
        "M:OUTTMP.ANALOG",
        "M:OUTTMP.DIGITAL",
        "M:OUTTMP.STATUS",
        "Z:STSDEV.STATUS",
        "M:OUTTMP.RAW",
    ];
    let results = c.read_many(&drfs, WAIT).await;
    for (drf, got) in drfs.iter().zip(results) {
        let request = pacsys_drf::Request::parse(drf).expect("parses");
        let device = world.device(request.device()).expect("device");
        let target = Target {
            property: request.property(),
            field: request.field(),
            range: request.range(),
        };
        let want = answer::read(&device, target, 0).expect("readable");
        let got = got.unwrap_or_else(|e| panic!("{drf}: {e}"));
        assert_eq!(got.value, Some(want), "{drf}");
    }
    // Logger history: chunks gathered into one timed array.
    let r = c
        .read("Z:RAMP<-LOGGER:0:1000000", WAIT)
        .await
        .expect("history");
    let Some(Value::TimedArray(t)) = r.value else {
        panic!("timed array")
    };
    assert_eq!(t.data.len(), 1001);
    assert_eq!(t.micros.len(), 1001);
    assert_eq!(t.micros[1], 1_000_000);
    // A window without a logged sample (samples fall on whole seconds) is an empty
    // history, not an error.
    let r = c
        .read("Z:RAMP<-LOGGER:1001:1999", WAIT)
        .await
        .expect("empty history");
    assert_eq!(r.value, Some(Value::TimedArray(Default::default())));
    server.shutdown().await;
}

#[tokio::test]
async fn stream_reconnects_after_the_server_drops_it_and_reports_the_gap() {
    let server = FakeDaqServer::builder()
        .fault_plan(|n| DaqFaults {
            drop_stream_after: (n == 0).then_some(5),
            ..DaqFaults::default()
        })
        .start()
        .await
        .expect("server");
    let c = client(&server);
    let mut sub = c
        .subscribe(&["Z:BENCH0007@p,10", "Z:SINE@p,10"])
        .expect("subscribe");
    let mut before = 0;
    let gap = loop {
        match next(&mut sub).await {
            Event::Reading(r) => {
                before += 1;
                assert!(r.value.is_some());
            }
            Event::Disconnected { reason } => assert!(reason.contains("Unavailable"), "{reason}"),
            Event::Reconnected { gap } => break gap,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(before, 5, "five replies, then the drop");
    assert!(gap < WAIT);
    let mut after = 0;
    while after < 10 {
        if let Event::Reading(r) = next(&mut sub).await {
            assert!(matches!(&*r.drf, "Z:BENCH0007@p,10" | "Z:SINE@p,10"));
            after += 1;
        }
    }
    assert_eq!(sub.reconnects(), 1);
    assert_eq!(server.stats().read_calls, 2);
    assert_eq!(
        server.read_requests()[1],
        vec!["Z:BENCH0007@p,10", "Z:SINE@p,10"],
        "sent as written"
    );
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn stream_survives_unavailable_on_connect_and_reports_errors_per_drf() {
    let server = FakeDaqServer::builder()
        .fault_plan(|n| DaqFaults {
            unavailable: n < 2,
            ..DaqFaults::default()
        })
        .start()
        .await
        .expect("server");
    let c = client(&server);
    let mut sub = c
        .subscribe(&["G:AMANDA@p,10", "Z:NOSUCH@p,10"])
        .expect("subscribe");
    assert!(matches!(next(&mut sub).await, Event::Disconnected { .. }));
    let mut saw = (false, false, false);
    while !(saw.0 && saw.1 && saw.2) {
        match next(&mut sub).await {
            Event::Reconnected { .. } => saw.0 = true,
            Event::Error { drf, status } => {
                assert_eq!(
                    (&*drf, status),
                    ("Z:NOSUCH@p,10", answer::status::NO_SUCH_DEVICE)
                );
                saw.1 = true;
            }
            Event::Reading(r) => {
                assert_eq!(r.value, Some(Value::Scalar(42.0)));
                saw.2 = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(server.stats().read_calls, 3);
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn slow_consumer_drops_are_counted() {
    let server = FakeDaqServer::builder().start().await.expect("server");
    let c = client(&server);
    let drfs: Vec<String> = (0..200).map(|n| format!("Z:BENCH{n:04}@p,5")).collect();
    let mut sub = c
        .subscribe_with(&drfs, SubscriptionOptions::default().buffer(50))
        .expect("subscribe");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sub.dropped() > 0);
    let mut dropped_events = 0;
    for _ in 0..60 {
        if let Event::Dropped { count } = next(&mut sub).await {
            dropped_events += count;
        }
    }
    assert!(dropped_events > 0);
    sub.stop().await;
    server.shutdown().await;
}

#[tokio::test]
async fn settings_have_per_setting_statuses() {
    let server = FakeDaqServer::builder()
        .token("secret")
        .start()
        .await
        .expect("server");
    let c = client(&server);
    let results = c
        .set_many(&[
            ("G:AMANDA", Value::Scalar(5.0)),
            ("G:AMANDA", Value::Scalar(1.0e9)),
            ("Z:NOSUCH", Value::Scalar(1.0)),
            ("Z:ACLTST[0:1]", Value::Array(vec![7.0, 8.0])),
            ("Z:TEXTDV", Value::Text("bye".into())),
            ("M:OUTTMP.ANALOG", Value::BasicStatus(Default::default())),
            ("Z:TEXTDV.DESCRIPTION", Value::Text("mine now".into())),
            ("M:OUTTMP.ANALOG", Value::Scalar(1.0)),
        ])
        .await;
    assert_eq!(results[0], Ok(Status::OK));
    // A device's refusal of a setting is the same kind as over DPM.
    assert_eq!(
        facts(&results[1]),
        (
            ErrorKind::SettingRejected,
            Some("G:AMANDA"),
            Some(answer::status::RANGE)
        )
    );
    assert_eq!(err(&results[1]).role(), None);
    assert_eq!(
        facts(&results[2]),
        (
            ErrorKind::SettingRejected,
            Some("Z:NOSUCH"),
            Some(answer::status::NO_SUCH_DEVICE)
        )
    );
    assert_eq!(results[3], Ok(Status::OK));
    assert_eq!(results[4], Ok(Status::OK));
    assert_eq!(err(&results[5]).kind(), ErrorKind::Unsupported);
    assert_eq!(
        facts(&results[6]),
        (ErrorKind::ReadOnly, Some("Z:TEXTDV.DESCRIPTION"), None)
    );
    assert_eq!(
        facts(&results[7]),
        (ErrorKind::InvalidRequest, Some("M:OUTTMP.ANALOG"), None)
    );
    assert_eq!(server.stats().set_calls, 1, "the good settings in one call");
    assert_eq!(
        server.set_requests()[0],
        vec![
            "G:AMANDA.SETTING@N",
            "G:AMANDA.SETTING@N",
            "Z:NOSUCH.SETTING@N",
            "Z:ACLTST.SETTING[0:1]@N",
            "Z:TEXTDV.SETTING@N"
        ]
    );
    let back = c
        .read_many(&["G:AMANDA", "Z:ACLTST[0:2]", "Z:TEXTDV"], WAIT)
        .await;
    assert_eq!(
        back[0].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Scalar(5.0)))
    );
    assert_eq!(
        back[1].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Array(vec![7.0, 8.0, 1.0])))
    );
    assert_eq!(
        back[2].as_ref().map(|r| r.value.clone()),
        Ok(Some(Value::Text("bye".into())))
    );
    let control = c.set("M:OUTTMP.STATUS", Value::Scalar(2.0)).await; // OFF
    assert_eq!(control, Ok(Status::OK));
    // A command is planned to the CONTROL property and sent as its ordinal.
    assert_eq!(c.set("M:OUTTMP", Control::On).await, Ok(Status::OK));
    assert_eq!(
        server.set_requests().last(),
        Some(&vec!["M:OUTTMP.CONTROL@N".to_owned()])
    );
    let on = c
        .read("M:OUTTMP.STATUS.ON", WAIT)
        .await
        .expect("status bit");
    assert_eq!(on.value, Some(Value::Scalar(1.0)));
    server.shutdown().await;
}

/// A Set whose deadline passes may have been applied by the server before the call was
/// cancelled, so it is an unknown outcome, as over DPM, not a retryable timeout.
#[tokio::test]
async fn a_set_past_its_deadline_has_an_unknown_outcome() {
    let server = FakeDaqServer::builder()
        .token("secret")
        .faults(DaqFaults {
            reply_delay: Some(Duration::from_millis(600)),
            ..DaqFaults::default()
        })
        .start()
        .await
        .expect("server");
    let c = client(&server);
    let r = c
        .set_many_with_timeout(&[("G:AMANDA", 7.5)], Duration::from_millis(150))
        .await;
    let e = err(&r[0]);
    assert_eq!(
        (e.kind(), e.drf()),
        (ErrorKind::OutcomeUnknown, Some("G:AMANDA")),
        "{e}"
    );
    assert_eq!(e.elapsed(), Some(Duration::from_millis(150)));
    assert!(!e.to_string().contains("can be retried"), "{e}");
    server.shutdown().await;
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let server = FakeDaqServer::builder()
        .token("secret")
        .start()
        .await
        .expect("server");
    let none = DaqClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build()
        .expect("client");
    let r = none.set_many(&[("G:AMANDA", 1.0), ("M:OUTTMP", 2.0)]).await;
    for (r, drf) in r.iter().zip(["G:AMANDA", "M:OUTTMP"]) {
        assert_eq!((err(r).kind(), err(r).drf()), (ErrorKind::Auth, Some(drf)));
    }
    assert_eq!(server.stats().set_calls, 0, "refused before any I/O");
    let wrong = DaqClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .token("nope")
        .build()
        .expect("client");
    let r = wrong.set("G:AMANDA", Value::Scalar(1.0)).await;
    let e = err(&r);
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.server(), Some(wrong.addr()));
    assert!(
        e.detail().contains("Invalid or missing bearer token"),
        "{e}"
    );
    assert_eq!(
        e.source_as::<tonic::Status>().map(tonic::Status::code),
        Some(tonic::Code::Unauthenticated)
    );
    assert_eq!(server.stats().auth_failures, 1);
    // Reads are not authenticated by default...
    assert!(wrong.read("M:OUTTMP", WAIT).await.is_ok());
    server.shutdown().await;
    // ...unless asked.
    let strict = FakeDaqServer::builder()
        .token("secret")
        .token_for_reads(true)
        .start()
        .await
        .expect("server");
    let wrong = DaqClient::builder()
        .host("127.0.0.1")
        .port(strict.port())
        .token("nope")
        .build()
        .expect("client");
    assert_eq!(
        err(&wrong.read("M:OUTTMP", WAIT).await).kind(),
        ErrorKind::Auth
    );
    let right = client(&strict);
    assert!(right.read("M:OUTTMP", WAIT).await.is_ok());
    strict.shutdown().await;
}

#[tokio::test]
async fn failures_map_to_typed_errors() {
    let server = FakeDaqServer::builder()
        .fault_plan(|n| DaqFaults {
            unavailable: n == 0,
            reply_delay: (n == 1).then_some(Duration::from_millis(800)),
            ..DaqFaults::default()
        })
        .start()
        .await
        .expect("server");
    let c = client(&server);
    let r = c.read("M:OUTTMP", WAIT).await;
    let e = err(&r);
    assert_eq!(e.kind(), ErrorKind::ConnectionLost, "{e:?}");
    assert_eq!(e.reported_status(), Status::new(1, -1));
    assert_eq!(e.drf(), Some("M:OUTTMP"));
    assert_eq!(e.server(), Some(c.addr()));
    assert!(e.is_retryable());
    let r = c.read("M:OUTTMP", Duration::from_millis(100)).await;
    let e = err(&r);
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(e.reported_status(), Status::new(1, -6));
    assert_eq!(
        e.elapsed(),
        Some(Duration::from_millis(100)),
        "the configured timeout, not a measured remainder"
    );
    let addr = server.addr();
    server.shutdown().await;
    // Nothing listens any more: the lazy channel fails the call fast.
    let gone = DaqClient::builder()
        .host("127.0.0.1")
        .port(addr.port())
        .build()
        .expect("client");
    let r = gone.read("M:OUTTMP", WAIT).await;
    assert_eq!(err(&r).kind(), ErrorKind::ConnectionLost, "{r:?}");
}

#[tokio::test]
async fn fatal_errors_end_the_stream_and_normal_completion_ends_it_quietly() {
    let server = FakeDaqServer::builder()
        .token("secret")
        .token_for_reads(true)
        .start()
        .await
        .expect("server");
    let wrong = DaqClient::builder()
        .host("127.0.0.1")
        .port(server.port())
        .token("nope")
        .build()
        .expect("client");
    let mut sub = wrong.subscribe(&["M:OUTTMP@p,100"]).expect("subscribe");
    let first = next(&mut sub).await;
    assert!(
        matches!(first, Event::Error { ref drf, .. } if &**drf == "M:OUTTMP@p,100"),
        "{first:?}"
    );
    assert_eq!(
        tokio::time::timeout(WAIT, sub.next())
            .await
            .expect("in time"),
        None
    );
    assert_eq!(sub.error().map(|e| e.kind()), Some(ErrorKind::Auth));
    assert_eq!(server.stats().read_calls, 1, "not retried");
    // One-shot DRFs: the server completes the call and the stream ends after the data.
    let c = client(&server);
    let mut sub = c
        .subscribe(&["M:OUTTMP@I", "G:AMANDA@I"])
        .expect("subscribe");
    let mut readings = 0;
    while let Some(e) = tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("in time")
    {
        assert!(e.is_reading(), "{e:?}");
        readings += 1;
    }
    assert_eq!(readings, 2);
    assert_eq!(sub.error(), None);
    server.shutdown().await;
}
