//! `pacsys_testing::FakeBackend`: what it adds to the shared behavioural suite (presets,
//! recording, emitting, reset, close, concurrency).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use pacsys::{
    Backend, Error, ErrorKind, Event, Reading, Status, Subscription, TimedArray, Transport, Value,
};
use pacsys_sim::SimWorld;
use pacsys_testing::FakeBackend;
use pacsys_testing::fake_backend::{drf_key, write_key};

/// A bound on every wait, so a broken fake fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(10);

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("the test did not finish in time")
}

/// The next event, within the bound.
async fn next(sub: &mut Subscription) -> Option<Event> {
    tokio::time::timeout(BOUND, sub.next())
        .await
        .expect("no event in time")
}

fn scalar(r: &Result<Reading, Error>) -> Option<f64> {
    r.as_ref().ok()?.value.as_ref()?.as_f64()
}

/// The kind and DRF of a failed slot.
fn failure<T: std::fmt::Debug>(r: &Result<T, Error>) -> (ErrorKind, Option<&str>) {
    match r {
        Err(e) => (e.kind(), e.drf()),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

#[test]
fn the_handle_is_send_sync_and_cloneable() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<FakeBackend>();
}

#[tokio::test]
async fn presets_win_over_the_world_by_normalised_key() {
    bounded(async {
        let fake = FakeBackend::new();
        fake.set_reading("m:outtmp", Value::Scalar(80.0));
        for drf in [
            "M:OUTTMP",
            "M:OUTTMP.READING@I",
            "m:outtmp@p,1000",
            "M:OUTTMP.SCALED",
        ] {
            assert_eq!(fake.read(drf, None).await, Ok(Value::Scalar(80.0)), "{drf}");
        }
        // Other properties and fields are other keys: the world answers them.
        assert_eq!(
            fake.read("M:OUTTMP.SETTING", None).await,
            Ok(Value::Scalar(72.5))
        );
        assert!(matches!(
            fake.read("M:OUTTMP.RAW", None).await,
            Ok(Value::Raw(_))
        ));
        // The reading carries the caller's DRF, a timestamp and the world's metadata.
        let r = fake.get("m:outtmp@I", None).await.unwrap();
        assert_eq!(&*r.drf, "m:outtmp@I");
        assert!(r.timestamp.is_some());
        assert_eq!(r.units(), Some("DegF"));

        // An error preset replaces the reading preset; get and read report the same status.
        let status = Status::new(14, -82);
        fake.set_error("M_OUTTMP", status); // SETTING
        assert_eq!(
            fake.get("M:OUTTMP.SETTING", None).await,
            Err(Error::device("M:OUTTMP.SETTING", status).with_transport(Transport::InMemory))
        );
        assert_eq!(
            fake.read("M:OUTTMP.SETTING@I", None)
                .await
                .unwrap_err()
                .status(),
            Some(status)
        );
        fake.set_error("M:OUTTMP", status);
        assert_eq!(
            fake.read("M:OUTTMP", None).await.unwrap_err().status(),
            Some(status)
        );
        fake.set_reading("M:OUTTMP", Value::Scalar(81.0));
        assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(81.0)));
        assert!(fake.clear_preset("M:OUTTMP.READING"));
        assert!(!fake.clear_preset("M:OUTTMP.READING"));
        assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(72.5)));
    })
    .await;
}

#[tokio::test]
async fn presets_for_unknown_devices_ranges_and_full_readings() {
    bounded(async {
        let fake = FakeBackend::empty();
        assert_eq!(
            fake.read("Z:MINE", None).await.unwrap_err().status(),
            Some(Status::new(17, -26))
        );
        fake.set_reading("Z:MINE", Value::Array(vec![0.0, 1.0, 2.0, 3.0]));
        assert_eq!(
            fake.read("Z:MINE[1:2]", None).await,
            Ok(Value::Array(vec![1.0, 2.0]))
        );
        assert_eq!(fake.read("Z:MINE[3]", None).await, Ok(Value::Scalar(3.0)));
        assert_eq!(
            fake.read("Z:MINE[9]", None).await.unwrap_err().status(),
            Some(Status::new(17, -29))
        );
        let r = fake.get("Z:MINE", None).await.unwrap();
        let meta = r.meta.unwrap();
        assert_eq!(
            (meta.name.as_str(), meta.description.as_str()),
            ("Z:MINE", "Test device Z:MINE")
        );

        // A whole reading: status, cycle and timestamp as given.
        let stamp = std::time::UNIX_EPOCH + Duration::from_secs(1_000);
        let given = Reading::new(Arc::from("ignored"), Status::new(17, 1))
            .with_value(Value::Text("warm".into()))
            .with_timestamp(Some(stamp))
            .with_cycle(Some(7));
        fake.set_full_reading("Z:TEXT", given);
        let r = fake.get("z:text@I", None).await.unwrap();
        assert_eq!(&*r.drf, "z:text@I");
        assert!(r.is_warning() && r.ok());
        assert_eq!((r.timestamp, r.cycle), (Some(stamp), Some(7)));

        // Any failure, verbatim.
        fake.set_read_failure("Z:MINE", Error::connection_lost("unplugged"));
        assert!(fake.read("Z:MINE", None).await.unwrap_err().is_retryable());
    })
    .await;
}

#[tokio::test]
async fn reads_answer_like_the_fake_dpm_server() {
    bounded(async {
        let fake = FakeBackend::new();
        let results = fake
            .get_many(
                &[
                    "M:OUTTMP@p,1000",
                    "M:OUTTMP@N",
                    "M:OUTTMP@s,G:AMANDA,1,0,=",
                    "M:OUTTMP.FOO",
                    "Z:STSDEV.STATUS.POSITIVE",
                    "Z:BROKEN",
                    "my_pv.VAL",
                    "Z:ACLTST[98:99]",
                    "M:OUTTMP.DESCRIPTION",
                ],
                None,
            )
            .await;
        assert_eq!(scalar(&results[0]), Some(72.5));
        assert_eq!(
            failure(&results[1]),
            (ErrorKind::Unsupported, Some("M:OUTTMP@N"))
        );
        assert_eq!(
            results[2].as_ref().unwrap_err().status(),
            Some(Status::new(17, -48))
        );
        assert_eq!(
            failure(&results[3]),
            (ErrorKind::InvalidRequest, Some("M:OUTTMP.FOO"))
        );
        assert!(results[3].as_ref().unwrap_err().drf_error().is_some());
        assert_eq!(
            results[4].as_ref().unwrap_err().status(),
            Some(Status::new(17, -32))
        );
        assert_eq!(
            results[5].as_ref().unwrap_err().status(),
            Some(Status::new(14, -82))
        );
        assert_eq!(
            results[6].as_ref().unwrap_err().status(),
            Some(Status::new(17, -26))
        );
        assert_eq!(
            results[7].as_ref().unwrap().value,
            Some(Value::Array(vec![49.0, 49.5]))
        );
        assert_eq!(
            results[8].as_ref().unwrap().value,
            Some(Value::Text("Outdoor temperature".into()))
        );
    })
    .await;
}

#[tokio::test]
async fn logger_sources_give_the_world_history() {
    bounded(async {
        let fake = FakeBackend::new();
        let v = fake
            .read("G:AMANDA<-LOGGER:10000:13000", None)
            .await
            .unwrap();
        assert_eq!(
            v,
            Value::TimedArray(TimedArray {
                data: vec![42.0; 4],
                micros: vec![10_000_000, 11_000_000, 12_000_000, 13_000_000],
            })
        );
        assert_eq!(
            fake.read("G:AMANDA<-LOGGER:10:20", None)
                .await
                .unwrap_err()
                .status(),
            Some(Status::new(66, -64))
        );
        assert_eq!(
            fake.read("G:AMANDA<-LOGGERSINGLE:5000", None).await,
            Ok(Value::Scalar(42.0))
        );
        match fake.read("G:AMANDA<-LOGGERDURATION:3000", None).await {
            Ok(Value::TimedArray(t)) => assert!((3..=4).contains(&t.data.len()), "{t:?}"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn writes_change_the_world_and_are_retargeted() {
    bounded(async {
        let world = SimWorld::default_table();
        let fake = FakeBackend::with_world(world.clone());
        let r = fake
            .write("M:OUTTMP.READING@p,1000", Value::Scalar(50.0), None)
            .await
            .unwrap();
        assert_eq!(r.drf, "M:OUTTMP.READING@p,1000");
        assert!(r.is_success());
        assert_eq!(
            world.device("M:OUTTMP").unwrap().state().setting,
            Some(Value::Scalar(50.0))
        );
        assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(50.0)));
        // Ranges, limits, control.
        fake.write("Z:ACLTST[1:2]", Value::Array(vec![7.0, 8.0]), None)
            .await
            .unwrap();
        assert_eq!(
            fake.read("Z:ACLTST[0:3]", None).await,
            Ok(Value::Array(vec![0.0, 7.0, 8.0, 1.5]))
        );
        assert_eq!(
            fake.write("G:AMANDA", Value::Scalar(5000.0), None)
                .await
                .unwrap_err()
                .status(),
            Some(Status::new(14, -58))
        );
        fake.write("M:OUTTMP.STATUS", Value::Scalar(2.0), None)
            .await
            .unwrap(); // OFF
        assert_eq!(
            fake.read("M:OUTTMP.STATUS.ON", None).await,
            Ok(Value::Scalar(0.0))
        );
        // Refused before the world sees them, as the DPM backend refuses them.
        let results = fake
            .write_many(
                &[
                    ("M:OUTTMP", Value::BasicStatus(Default::default())),
                    ("M:OUTTMP.DESCRIPTION", Value::Text("x".into())),
                    ("M:OUTTMP.ANALOG", Value::Scalar(1.0)),
                    ("M:OUTTMP<-LOGGER:1:2", Value::Scalar(1.0)),
                    ("M:OUTTMP@@@", Value::Scalar(1.0)),
                    ("Z:NOSUCH", Value::Scalar(1.0)),
                    ("M:OUTTMP.ANALOG.MAX", Value::Scalar(99.0)),
                ],
                None,
            )
            .await;
        // The one writability table: what cannot be written at all is ReadOnly, a number
        // to a whole alarm block InvalidRequest, the same on every backend.
        let kinds: Vec<ErrorKind> = results[..4].iter().map(|r| failure(r).0).collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::Unsupported,
                ErrorKind::ReadOnly,
                ErrorKind::InvalidRequest,
                ErrorKind::ReadOnly
            ]
        );
        for r in &results[..5] {
            assert_eq!(
                r.as_ref().unwrap_err().transport(),
                Some(Transport::InMemory)
            );
        }
        assert_eq!(
            failure(&results[4]),
            (ErrorKind::InvalidRequest, Some("M:OUTTMP@@@"))
        );
        assert_eq!(
            results[5].as_ref().unwrap_err().status(),
            Some(Status::new(17, -26))
        );
        assert!(results[6].is_ok(), "{:?}", results[6]);
        assert_eq!(
            fake.read("M:OUTTMP.ANALOG.MAX", None).await,
            Ok(Value::Scalar(99.0))
        );
    })
    .await;
}

#[tokio::test]
async fn write_presets_and_preset_only_devices() {
    bounded(async {
        let fake = FakeBackend::new();
        fake.set_write_result("G:AMANDA.SETTING", Status::new(17, -17));
        let e = fake
            .write("g_amanda", Value::Scalar(1.0), None)
            .await
            .unwrap_err();
        assert_eq!(
            e,
            Error::setting_rejected("g_amanda", Status::new(17, -17), None)
                .with_transport(Transport::InMemory)
        );
        assert_eq!(fake.read("G:AMANDA", None).await, Ok(Value::Scalar(42.0)));
        fake.set_write_result("G:AMANDA", Status::new(17, 1));
        let r = fake
            .write("G:AMANDA", Value::Scalar(1.0), None)
            .await
            .unwrap();
        assert!(r.is_warning());
        assert_eq!(fake.read("G:AMANDA", None).await, Ok(Value::Scalar(1.0)));
        let lost = Error::outcome_unknown("G:AMANDA", "reply lost");
        fake.set_write_failure("G:AMANDA", lost.clone());
        assert_eq!(
            fake.write("G:AMANDA", Value::Scalar(2.0), None).await,
            Err(lost)
        );
        assert_eq!(fake.read("G:AMANDA", None).await, Ok(Value::Scalar(1.0)));

        // A successful setting shows through a reading preset of the same device.
        fake.set_reading("M:OUTTMP", Value::Scalar(0.0));
        fake.write("M:OUTTMP", Value::Scalar(60.0), None)
            .await
            .unwrap();
        assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(60.0)));

        // A device only presets know takes settings into its preset value.
        fake.set_reading("Z:MINE", Value::Array(vec![1.0, 2.0, 3.0]));
        fake.write("Z:MINE[2]", Value::Array(vec![9.0]), None)
            .await
            .unwrap();
        assert_eq!(
            fake.read("Z:MINE", None).await,
            Ok(Value::Array(vec![1.0, 2.0, 9.0]))
        );
        assert_eq!(
            fake.read("Z:MINE.SETTING", None).await,
            Ok(Value::Array(vec![1.0, 2.0, 9.0]))
        );
        assert_eq!(
            fake.write("Z:MINE", Value::Array(vec![1.0]), None)
                .await
                .unwrap_err()
                .status(),
            Some(Status::new(17, -35))
        );
    })
    .await;
}

#[tokio::test]
async fn history_is_recorded_and_compared_by_key() {
    bounded(async {
        let fake = FakeBackend::new();
        let _ = fake
            .get_many(&["M:OUTTMP", "bad@@", "g:amanda@p,1000"], None)
            .await;
        let _ = fake.read("Z:NOSUCH", None).await;
        assert_eq!(
            fake.reads(),
            ["M:OUTTMP", "bad@@", "g:amanda@p,1000", "Z:NOSUCH"]
        );
        assert!(fake.was_read("m:outtmp.reading@I"));
        assert!(fake.was_read("G:AMANDA"));
        assert!(fake.was_read("bad@@"));
        assert!(!fake.was_read("M:OUTTMP.SETTING"));

        let _ = fake.write("G:AMANDA", Value::Scalar(1.0), None).await;
        let _ = fake
            .write("G:AMANDA.SETTING", Value::Scalar(2.0), None)
            .await;
        let _ = fake
            .write("M:OUTTMP", Value::BasicStatus(Default::default()), None)
            .await;
        assert_eq!(fake.writes().len(), 3);
        assert_eq!(
            fake.writes()[0],
            ("G:AMANDA".to_owned(), Value::Scalar(1.0))
        );
        assert!(fake.was_written("g_amanda@N"));
        assert_eq!(fake.written_value("G:AMANDA"), Some(Value::Scalar(2.0)));
        assert!(
            fake.was_written("M:OUTTMP"),
            "refused settings are recorded too"
        );
        assert!(!fake.was_written("Z:ACLTST"));
        assert_eq!(drf_key("g:amanda@p,1000"), "G:AMANDA.READING");
        assert_eq!(write_key("g:amanda@p,1000"), "G:AMANDA.SETTING");

        fake.reset();
        assert!(fake.reads().is_empty() && fake.writes().is_empty());
        assert!(!fake.was_read("M:OUTTMP"));
        assert_eq!(fake.written_value("G:AMANDA"), None);
    })
    .await;
}

#[tokio::test]
async fn emit_delivers_by_key_to_each_subscriber() {
    bounded(async {
        let fake = FakeBackend::new();
        let mut a = fake
            .subscribe(&["M:OUTTMP@e,0f", "G:AMANDA@e,0f"])
            .await
            .unwrap();
        let mut b = fake.subscribe(&["m:outtmp[0]@p,60000,F"]).await.unwrap();
        assert_eq!(fake.subscription_count(), 2);
        // No event: every subscriber of the key, each with its own DRF.
        assert_eq!(fake.emit_reading("M:OUTTMP", Value::Scalar(1.0)), 2);
        let ra = next(&mut a)
            .await
            .and_then(|e| e.reading().cloned())
            .unwrap();
        let rb = next(&mut b)
            .await
            .and_then(|e| e.reading().cloned())
            .unwrap();
        assert_eq!(&*ra.drf, "M:OUTTMP@e,0f");
        assert_eq!(&*rb.drf, "m:outtmp[0]@p,60000,F");
        assert_eq!(ra.value, Some(Value::Scalar(1.0)));
        // An event: only subscribers with the same (normalised) event.
        assert_eq!(fake.emit_reading("M:OUTTMP@E,F", Value::Scalar(2.0)), 1);
        assert_eq!(fake.emit_reading("M:OUTTMP@p,1000", Value::Scalar(3.0)), 0);
        assert_eq!(fake.emit_reading("Z:ACLTST", Value::Scalar(3.0)), 0);
        let r = next(&mut a)
            .await
            .and_then(|e| e.reading().cloned())
            .unwrap();
        assert_eq!(r.value, Some(Value::Scalar(2.0)));
        // Errors keep the subscription running.
        assert_eq!(fake.emit_error("G:AMANDA", Status::new(14, -82)), 1);
        assert_eq!(
            next(&mut a).await,
            Some(Event::Error {
                drf: Arc::from("G:AMANDA@e,0f"),
                status: Status::new(14, -82)
            })
        );
        assert_eq!(
            fake.emit(
                "G:AMANDA",
                Event::Reconnected {
                    gap: Duration::from_millis(5)
                }
            ),
            1
        );
        assert!(matches!(
            next(&mut a).await,
            Some(Event::Reconnected { .. })
        ));
        // A stopped subscription receives nothing and is no longer counted.
        b.stop().await;
        assert_eq!(fake.subscription_count(), 1);
        assert_eq!(fake.emit_reading("M:OUTTMP[0]", Value::Scalar(4.0)), 1);
        drop(a);
        assert_eq!(fake.subscription_count(), 0);
        assert_eq!(fake.emit_reading("M:OUTTMP", Value::Scalar(5.0)), 0);
    })
    .await;
}

#[tokio::test]
async fn periodic_events_stream_the_world_and_presets() {
    bounded(async {
        let fake = FakeBackend::new();
        let mut sub = fake
            .subscribe(&["M:OUTTMP@p,20", "Z:NOSUCH@p,20", "G:AMANDA@e,0f"])
            .await
            .unwrap();
        let (mut values, mut errors) = (0, 0);
        while values < 3 {
            match next(&mut sub).await {
                Some(Event::Reading(r)) => {
                    assert_eq!(&*r.drf, "M:OUTTMP@p,20");
                    assert_eq!(r.value, Some(Value::Scalar(72.5)));
                    values += 1;
                }
                Some(Event::Error { drf, status }) => {
                    assert_eq!((&*drf, status), ("Z:NOSUCH@p,20", Status::new(17, -26)));
                    errors += 1;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(errors, 1, "an unchanged error is reported once");
        // The stream follows presets.
        fake.set_reading("M:OUTTMP", Value::Scalar(1.0));
        loop {
            let r = next(&mut sub)
                .await
                .and_then(|e| e.reading().cloned())
                .unwrap();
            if r.value == Some(Value::Scalar(1.0)) {
                break;
            }
        }
        sub.stop().await;
        assert!(sub.next().await.is_none());
    })
    .await;
}

#[tokio::test]
async fn on_change_and_immediate_events() {
    bounded(async {
        let fake = FakeBackend::new();
        let mut sub = fake
            .subscribe(&["G:AMANDA@q,10", "M:OUTTMP@I"])
            .await
            .unwrap();
        let mut seen = Vec::new();
        while seen.len() < 2 {
            if let Some(Event::Reading(r)) = next(&mut sub).await {
                seen.push((r.drf.to_string(), r.value));
            }
        }
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            seen,
            [
                ("G:AMANDA@q,10".to_owned(), Some(Value::Scalar(42.0))),
                ("M:OUTTMP@I".to_owned(), Some(Value::Scalar(72.5))),
            ]
        );
        // Unchanged: nothing for many periods; then the change arrives.
        let quiet = tokio::time::timeout(Duration::from_millis(100), sub.next()).await;
        assert!(
            quiet.is_err(),
            "an unchanged @q value was sent again: {quiet:?}"
        );
        fake.write("G:AMANDA", Value::Scalar(7.0), None)
            .await
            .unwrap();
        let r = next(&mut sub)
            .await
            .and_then(|e| e.reading().cloned())
            .unwrap();
        assert_eq!(r.value, Some(Value::Scalar(7.0)));
    })
    .await;
}

#[tokio::test]
async fn a_slow_consumer_gets_counted_drops() {
    bounded(async {
        let fake = FakeBackend::builder().buffer(2).build();
        let mut sub = fake.subscribe(&["G:AMANDA@e,0f"]).await.unwrap();
        for i in 0..5 {
            fake.emit_reading("G:AMANDA", Value::Scalar(f64::from(i)));
        }
        assert_eq!(sub.dropped(), 3);
        assert_eq!(next(&mut sub).await, Some(Event::Dropped { count: 3 }));
        let r = next(&mut sub)
            .await
            .and_then(|e| e.reading().cloned())
            .unwrap();
        assert_eq!(r.value, Some(Value::Scalar(3.0)));
    })
    .await;
}

#[tokio::test]
async fn wait_for_subscription_sees_subscriptions_made_elsewhere() {
    bounded(async {
        let fake = FakeBackend::new();
        assert!(
            !fake
                .wait_for_subscription("M:OUTTMP", Duration::from_millis(20))
                .await
        );
        let other = fake.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let mut sub = other.subscribe(&["m:outtmp@e,02"]).await.unwrap();
            sub.next().await.and_then(|e| e.reading().cloned())
        });
        assert!(fake.wait_for_subscription("M:OUTTMP", BOUND).await);
        assert!(fake.wait_for_subscription("M:OUTTMP@E,2", BOUND).await);
        assert!(
            !fake
                .wait_for_subscription("M:OUTTMP@p,1000", Duration::from_millis(20))
                .await
        );
        fake.emit_reading("M:OUTTMP", Value::Scalar(9.0));
        let r = task.await.unwrap().unwrap();
        assert_eq!(r.value, Some(Value::Scalar(9.0)));
    })
    .await;
}

#[tokio::test]
async fn reset_ends_subscriptions_but_keeps_the_backend_open() {
    bounded(async {
        let fake = FakeBackend::new();
        let mut sub = fake.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
        assert!(next(&mut sub).await.is_some());
        fake.reset();
        assert_eq!(fake.subscription_count(), 0);
        while next(&mut sub).await.is_some() {}
        assert!(!sub.is_closed());
        let mut again = fake.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
        assert!(next(&mut again).await.is_some());
    })
    .await;
}

#[tokio::test]
async fn close_ends_everything_and_later_calls_fail() {
    bounded(async {
        let fake = FakeBackend::new();
        let _ = fake.read("M:OUTTMP", None).await;
        let mut sub = fake.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
        let handle = fake.clone();
        handle.close().await;
        assert!(next(&mut sub).await.is_none());
        assert!(sub.is_closed());
        assert_eq!(fake.subscription_count(), 0);
        assert_eq!(
            failure(&fake.read("M:OUTTMP", None).await),
            (ErrorKind::Closed, None)
        );
        assert_eq!(
            failure(&fake.write("G:AMANDA", Value::Scalar(1.0), None).await),
            (ErrorKind::Closed, None)
        );
        assert_eq!(
            fake.subscribe(&["M:OUTTMP@p,10"])
                .await
                .err()
                .map(|e| e.kind()),
            Some(ErrorKind::Closed)
        );
        fake.close().await; // idempotent
        assert_eq!(
            fake.reads(),
            ["M:OUTTMP"],
            "calls after close are not recorded"
        );
        assert_eq!(fake.emit_reading("M:OUTTMP", Value::Scalar(1.0)), 0);
    })
    .await;
}

#[tokio::test]
async fn dropping_the_last_handle_ends_subscriptions() {
    bounded(async {
        let fake = FakeBackend::new();
        let mut periodic = fake.subscribe(&["M:OUTTMP@p,10"]).await.unwrap();
        let mut quiet = fake.subscribe(&["M:OUTTMP@e,0f"]).await.unwrap();
        assert!(next(&mut periodic).await.is_some());
        drop(fake);
        while next(&mut periodic).await.is_some() {}
        assert!(next(&mut quiet).await.is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_world_answers_the_fake_and_the_fake_dpm_server_alike() {
    use pacsys::DpmBackend;
    use pacsys::env::EnvConfig;
    use pacsys_sim::FakeDpmServer;

    let world = SimWorld::default_table();
    let server = FakeDpmServer::builder()
        .world(world.clone())
        .start()
        .await
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let dpm = DpmBackend::builder()
            .host("127.0.0.1")
            .port(server.port())
            .env(EnvConfig::default())
            .build()
            .unwrap();
        let fake = FakeBackend::with_world(world);
        fake.write("G:AMANDA", Value::Scalar(-3.5), None)
            .await
            .unwrap();
        let drfs = [
            "G:AMANDA",
            "M:OUTTMP.STATUS.ON",
            "Z:ACLTST[2:3]",
            "Z:NOSUCH",
            "M:OUTTMP.FOO",
            "Z:STSDEV.STATUS.RAMP",
            "M:OUTTMP.DIGITAL",
            "Z:BROKEN",
            "M:OUTTMP@N",
        ];
        let over_tcp = dpm.get_many(&drfs, None).await;
        let in_memory = fake.get_many(&drfs, None).await;
        for ((drf, a), b) in drfs.iter().zip(&over_tcp).zip(&in_memory) {
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((&a.value, a.status), (&b.value, b.status), "{drf}");
                    assert_eq!(a.units(), b.units(), "{drf}");
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.status(), b.status(), "{drf}: {a} / {b}");
                    assert_eq!(a.kind(), b.kind(), "{drf}: {a} / {b}");
                    assert_eq!(a.drf(), b.drf(), "{drf}");
                    assert_eq!(
                        (a.transport(), b.transport()),
                        (Some(Transport::Dpm), Some(Transport::InMemory)),
                        "{drf}"
                    );
                }
                _ => panic!("{drf}: over TCP {a:?}, in memory {b:?}"),
            }
        }
        assert_eq!(scalar(&over_tcp[0]), Some(-3.5));
    })
    .await;
    server.shutdown().await;
    run.expect("the comparison did not finish in time");
}

#[tokio::test]
async fn subscribe_checks_every_drf_first() {
    bounded(async {
        let fake = FakeBackend::new();
        let e = fake
            .subscribe(&["M:OUTTMP@p,10", "M:OUTTMP@@"])
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.drf()),
            (ErrorKind::InvalidRequest, Some("M:OUTTMP@@"))
        );
        assert_eq!(fake.subscription_count(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_share_one_fake() {
    bounded(async {
        let fake = FakeBackend::new();
        let tasks: Vec<_> = (0..16)
            .map(|t| {
                let fake = fake.clone();
                tokio::spawn(async move {
                    let device = format!("Z:BENCH{t:04}");
                    for i in 0..50 {
                        let value = f64::from(t * 100 + i);
                        fake.write(&device, Value::Scalar(value), None)
                            .await
                            .unwrap();
                        let results = fake.get_many(&[device.as_str(), "M:OUTTMP"], None).await;
                        assert_eq!(scalar(&results[0]), Some(value));
                        assert_eq!(scalar(&results[1]), Some(72.5));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(fake.reads().len(), 16 * 50 * 2);
        assert_eq!(fake.writes().len(), 16 * 50);
        assert_eq!(
            fake.written_value("Z:BENCH0003"),
            Some(Value::Scalar(349.0))
        );
    })
    .await;
}

#[tokio::test]
async fn identity_and_capabilities() {
    bounded(async {
        let fake = FakeBackend::new();
        assert_eq!(fake.capabilities().to_string(), "READ|WRITE|STREAM|BATCH");
        assert_eq!(fake.principal(), Ok(Some("test-user@FNAL.GOV".to_owned())));
        assert_eq!(fake.timeout(), Duration::from_secs(5));
        assert!(fake.get_many::<&str>(&[], None).await.is_empty());
        assert!(fake.write_many::<&str>(&[], None).await.is_empty());
    })
    .await;
}
