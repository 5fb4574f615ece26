//! The Device API, verified writes, control commands, subscription adapters and the
//! observer hook, over both backends and their loopback fake servers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pacsys::env::EnvConfig;
use pacsys::observe::{Observation, Observer};
use pacsys::subscription::merge;
use pacsys::{
    ArrayDevice, Backend, Control, Device, DpmBackend, ErrorKind, Event, Field, GrpcBackend,
    ScalarDevice, SubscriptionOptions, TextDevice, Value, Verify, control, write_verified,
};
use pacsys_sim::{FakeDaqServer, FakeDpmServer, Faults};

const BOUND: Duration = Duration::from_secs(30);

fn quick() -> Verify {
    Verify::new()
        .with_initial_delay(Duration::ZERO)
        .with_retry_delay(Duration::from_millis(20))
}

/// What every backend must do through the Device API.
async fn devices<B: Backend + 'static>(backend: Arc<B>) {
    let t = Device::bound("M:OUTTMP@p,100", Arc::clone(&backend)).unwrap();
    assert_eq!(t.read().await.unwrap(), Value::Scalar(72.5));
    assert_eq!(t.setting().await.unwrap(), Value::Scalar(72.5));
    assert_eq!(t.description().await.unwrap(), "Outdoor temperature");
    assert_eq!(t.status().await.unwrap().on, Some(true));
    assert!(t.status_field(Field::Ready).await.unwrap());
    let alarm = t.analog_alarm().await.unwrap();
    assert!(alarm.maximum >= alarm.minimum);
    t.digital_alarm().await.unwrap();
    // get sends the device's own DRF: a periodic event waits for the first sample.
    let r = t.get().await.unwrap();
    assert_eq!(&*r.drf, "M:OUTTMP.READING@p,100");

    // Typed devices.
    let s = ScalarDevice::bound("G:AMANDA", Arc::clone(&backend)).unwrap();
    assert_eq!(s.read().await.unwrap(), 42.0);
    let a = ArrayDevice::bound("Z:ACLTST[1:2]", Arc::clone(&backend)).unwrap();
    assert_eq!(a.read().await.unwrap(), vec![0.5, 1.0]);
    let x = TextDevice::bound("Z:TEXTDV", Arc::clone(&backend)).unwrap();
    assert_eq!(x.read().await.unwrap(), "hello");
    // The wrong kind is a typed error, not a panic.
    let e = ScalarDevice::bound("Z:TEXTDV", Arc::clone(&backend))
        .unwrap()
        .read()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.drf(), Some("Z:TEXTDV.READING"));
    // A device error names the device's one-shot read.
    let nosuch = Device::bound("Z:NOSUCH", Arc::clone(&backend)).unwrap();
    let e = nosuch.read().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Device);
    assert_eq!(e.drf(), Some("Z:NOSUCH.READING@I"));
    assert!(e.status().is_some());

    // A verified write.
    let r = s
        .write_verified(Value::Scalar(7.5), &quick())
        .await
        .unwrap();
    assert_eq!(r.verified, Some(true), "{r:?}");
    assert_eq!(r.readback, Some(Value::Scalar(7.5)));
    assert!(r.attempts >= 1 && r.confirmed());
    // check_first: already holds the value, so nothing is written.
    let r = s
        .write_verified(Value::Scalar(7.5), &quick().with_check_first(true))
        .await
        .unwrap();
    assert!(r.skipped && r.attempts == 0, "{r:?}");
    // A read-back that never matches: verification fails after every attempt, and the
    // write itself still succeeded.
    let elsewhere = quick()
        .with_readback("M:OUTTMP")
        .unwrap()
        .with_max_attempts(2)
        .unwrap();
    let r = write_verified(&*backend, "G:AMANDA", Value::Scalar(3.0), &elsewhere, None)
        .await
        .unwrap();
    assert_eq!(r.verified, Some(false));
    assert_eq!(r.attempts, 2);
    assert_eq!(r.readback, Some(Value::Scalar(72.5)));
    assert!(r.is_success() && !r.confirmed());
    assert_eq!(s.read().await.unwrap(), 3.0);
    // An alarm field is verified by reading that field back.
    let r = write_verified(
        &*backend,
        "M:OUTTMP.ANALOG.MAX",
        Value::Scalar(130.0),
        &quick(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.verified, Some(true), "{r:?}");
    assert_eq!(t.analog_alarm().await.unwrap().maximum, 130.0);
    // A refused write comes back as its error, without read-backs.
    let e = Device::bound("Z:SINE", Arc::clone(&backend))
        .unwrap()
        .write_verified(Value::Scalar(1.0), &quick())
        .await;
    let e = e.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SettingRejected, "{e:?}");
    assert_eq!(e.drf(), Some("Z:SINE.SETTING@N"));
    assert!(e.status().is_some_and(|s| s.is_error()), "{e:?}");

    // Control commands, verified through the status bits.
    let r = t.control_verified(Control::Off, &quick()).await.unwrap();
    assert_eq!(r.verified, Some(true), "{r:?}");
    assert!(!t.status_field(Field::On).await.unwrap());
    t.on().await.unwrap();
    assert!(t.status_field(Field::On).await.unwrap());
    let r = control(&*backend, "M:OUTTMP", Control::Trip, Some(&quick()), None)
        .await
        .unwrap();
    assert_eq!(r.verified, Some(true));
    assert_eq!(r.drf, "M:OUTTMP");
    assert!(!t.status_field(Field::Ready).await.unwrap());
    t.reset().await.unwrap();
    assert!(t.status_field(Field::Ready).await.unwrap());

    // Subscriptions need a repeating event.
    assert_eq!(
        s.subscribe().await.err().map(|e| e.kind()),
        Some(ErrorKind::InvalidRequest)
    );
    let mut sub = t.subscribe().await.unwrap();
    assert!(matches!(sub.next().await, Some(Event::Reading(_))));
    sub.stop().await;

    // Merging two subscriptions, then a callback over a third.
    let a = s.with_event("p,50").unwrap().subscribe().await.unwrap();
    let b = x.with_event("p,50").unwrap().subscribe().await.unwrap();
    let mut merged = merge([a, b]);
    assert_eq!(merged.len(), 2);
    let mut seen = std::collections::HashSet::new();
    while seen.len() < 2 {
        match merged.next().await {
            Some(Event::Reading(r)) => {
                seen.insert(r.drf.to_string());
            }
            other => panic!("merged stream gave {other:?}"),
        }
    }
    merged.stop().await;
    assert!(merged.is_empty());
    assert!(merged.next().await.is_none());

    let count = Arc::new(Mutex::new(0u32));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let counter = Arc::clone(&count);
    let handle = t
        .subscribe()
        .await
        .unwrap()
        .on_event(move |e| {
            if e.is_reading() {
                let mut n = counter.lock().unwrap();
                *n += 1;
                if *n == 3 {
                    let _ = tx.try_send(());
                }
            }
        })
        .unwrap();
    rx.recv().await.unwrap();
    let sub = handle.stop().await.unwrap();
    assert!(*count.lock().unwrap() >= 3);
    assert_eq!(sub.dropped(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_over_dpm() {
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
    let run = tokio::time::timeout(BOUND, devices(Arc::new(backend))).await;
    server.shutdown().await;
    run.expect("the DPM device suite did not finish in time");
}

/// A request that stops delivering while its list lives is flagged stale, the others are
/// not; when it delivers again a Fresh event comes first, then its reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_device_is_flagged_stale_and_fresh_again() {
    let server = FakeDpmServer::builder()
        .insecure_settings(true)
        .start()
        .await
        .unwrap();
    // Long next to the 50 ms period, so a loaded machine does not flag the busy request.
    let window = Duration::from_secs(1);
    let backend = DpmBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .subscription_options(SubscriptionOptions::default().stale_after(window))
        .env(EnvConfig::default())
        .build()
        .unwrap();
    // G:AMANDA is constant and `@q` sends only changes: one reading, then silence.
    let quiet = "G:AMANDA@q,50";
    let mut sub = backend.subscribe(&["M:OUTTMP@p,50", quiet]).await.unwrap();
    let run = async {
        let mut stale = Vec::new();
        while stale.is_empty() {
            match sub.next().await.expect("the stream goes on") {
                Event::Stale { drf, silent_for } => {
                    assert!(silent_for >= window, "{silent_for:?}");
                    stale.push(drf);
                }
                Event::Fresh { drf, .. } => panic!("fresh before stale: {drf}"),
                _ => {}
            }
        }
        assert_eq!(stale, [Arc::<str>::from(quiet)], "only the silent request");
        // The device changes: Fresh first, then the new value.
        let w = backend.write("G:AMANDA", Value::Scalar(43.0), None).await;
        assert!(w.is_ok(), "{w:?}");
        loop {
            match sub.next().await.expect("the stream goes on") {
                Event::Fresh { drf, silent_for } => {
                    assert_eq!(&*drf, quiet);
                    assert!(silent_for >= window);
                    break;
                }
                Event::Reading(r) if &*r.drf == quiet => panic!("a reading before Fresh: {r:?}"),
                Event::Stale { drf, .. } => panic!("stale again: {drf}"),
                _ => {}
            }
        }
        match sub.next().await.expect("the stream goes on") {
            Event::Reading(r) => {
                assert_eq!(&*r.drf, quiet);
                assert_eq!(r.value.and_then(|v| v.as_f64()), Some(43.0));
            }
            other => panic!("{other:?}"),
        }
    };
    tokio::time::timeout(BOUND, run)
        .await
        .expect("within the bound");
    sub.stop().await;
    server.shutdown().await;
}

/// `PACSYS_DPM_HOST` listing two hosts, the first dead: the DPM backend fails over to the
/// second, and a device's reads work there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_dpm_host_in_the_environment_is_skipped() {
    let server = FakeDpmServer::start().await.unwrap();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let spec = format!("127.0.0.1:{dead},127.0.0.1:{}", server.port());
    let env = EnvConfig::from_lookup(|k| (k == "PACSYS_DPM_HOST").then(|| spec.clone())).unwrap();
    let backend = Arc::new(DpmBackend::builder().env(env).build().unwrap());
    assert_eq!(backend.addr(), format!("127.0.0.1:{dead}"));
    let device = Device::bound("M:OUTTMP", Arc::clone(&backend)).unwrap();
    let value = tokio::time::timeout(BOUND, device.read()).await.unwrap();
    assert_eq!(value.ok().and_then(|v| v.as_f64()), Some(72.5));
    assert_eq!(backend.addr(), format!("127.0.0.1:{}", server.port()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_over_grpc() {
    let server = FakeDaqServer::builder().start().await.unwrap();
    let backend = GrpcBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .token("test-token")
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let run = tokio::time::timeout(BOUND, devices(Arc::new(backend))).await;
    server.shutdown().await;
    run.expect("the gRPC device suite did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_observer_sees_a_disconnection_and_the_reconnection() {
    // Every connection closes after 3 data replies: the subscription reconnects.
    let server = FakeDpmServer::builder()
        .faults(Faults {
            close_after_data: Some(3),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let (observer, mut rx) = Observer::channel(64);
    let backend = DpmBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .observer(observer)
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let run = tokio::time::timeout(BOUND, async {
        let mut sub = backend.subscribe(&["M:OUTTMP@p,50"]).await.unwrap();
        let mut reconnected = false;
        while !reconnected {
            match sub.next().await {
                Some(Event::Reconnected { .. }) => reconnected = true,
                Some(_) => {}
                None => panic!("the subscription ended"),
            }
        }
        let mut kinds = Vec::new();
        while let Some(o) = rx.try_recv() {
            match o {
                Observation::Subscription { drfs, event } => {
                    assert_eq!(&*drfs, ["M:OUTTMP@p,50".to_owned()]);
                    kinds.push(event);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(
            matches!(
                kinds.as_slice(),
                [.., Event::Disconnected { .. }, Event::Reconnected { .. }]
            ),
            "{kinds:?}"
        );
    })
    .await;
    drop(backend);
    server.shutdown().await;
    run.expect("the observer test did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_observer_sees_failed_calls() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let backend = DpmBackend::builder()
        .host("127.0.0.1")
        .port(port)
        .timeout(Duration::from_secs(2))
        .observer(Observer::new(move |o| sink.lock().unwrap().push(o.clone())))
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let results = tokio::time::timeout(BOUND, backend.get_many(&["M:OUTTMP", "G:AMANDA"], None))
        .await
        .unwrap();
    assert!(results.iter().all(Result::is_err));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "one observation per call: {seen:?}");
    assert!(matches!(
        &seen[0],
        Observation::CallFailed { operation: "get_many", error } if error.is_retryable()
    ));
}

/// The experiment helpers over the fake DPM server: a scan that hits a refused value stops,
/// and puts the original setting back; a scan whose future is dropped mid-way restores it
/// too; read_fresh and watch fail as documented.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experiment_helpers_restore_and_fail_as_documented() {
    use pacsys::exp::{self, FreshOptions, Scan};
    let server = FakeDpmServer::builder()
        .insecure_settings(true)
        .start()
        .await
        .unwrap();
    let backend = Arc::new(
        DpmBackend::builder()
            .host("127.0.0.1")
            .port(server.port())
            .env(EnvConfig::default())
            .build()
            .unwrap(),
    );
    let setting = || async {
        let r = backend.read("M:OUTTMP.SETTING", None).await.unwrap();
        r.as_f64().unwrap()
    };
    let run = async {
        let original = setting().await;
        // 500 is outside M:OUTTMP's limits: the scan stops there and restores.
        let mut plan = Scan::new("M:OUTTMP", ["G:AMANDA", "G:AMANDA"], [60.0, 500.0, 70.0]);
        plan.settle = Duration::from_millis(10);
        let result = exp::scan(Arc::clone(&backend), &plan, |_| false)
            .await
            .unwrap();
        assert!(result.aborted && result.restored, "{result:?}");
        assert_eq!(result.set_values, [60.0, 500.0]);
        assert_eq!(result.readings.len(), 1);
        assert_eq!(result.readings[0].len(), 1, "duplicate read DRFs removed");
        assert!(
            matches!(&result.write_results[1], Err(e) if e.kind() == ErrorKind::SettingRejected)
        );
        assert_eq!(setting().await, original);

        // abort_if ends the scan early, also restored.
        let plan = Scan::new("M:OUTTMP", ["G:AMANDA"], [61.0, 62.0, 63.0]);
        let mut steps = 0;
        let result = exp::scan(Arc::clone(&backend), &plan, |_| {
            steps += 1;
            steps == 2
        })
        .await
        .unwrap();
        assert!(result.aborted && result.restored);
        assert_eq!(result.readings.len(), 2);
        assert_eq!(setting().await, original);

        // Cancelled mid-settle (the future dropped, as on Ctrl-C): restored on a task.
        let mut plan = Scan::new("M:OUTTMP", ["G:AMANDA"], [64.0, 65.0]);
        plan.settle = Duration::from_secs(30);
        let cancelled = tokio::time::timeout(
            Duration::from_millis(300),
            exp::scan(Arc::clone(&backend), &plan, |_| false),
        )
        .await;
        assert!(cancelled.is_err(), "the scan was still settling");
        let mut restored = false;
        for _ in 0..100 {
            if setting().await == original {
                restored = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(restored, "the dropped scan put the setting back");

        // read_fresh: windowed statistics; a rejected request is its device error.
        let options = FreshOptions {
            count: 3,
            default_event: Some("p,20".into()),
            ..FreshOptions::default()
        };
        let fresh = exp::read_fresh(&*backend, &["G:AMANDA", "G:AMANDA"], &options)
            .await
            .unwrap();
        assert_eq!(fresh.len(), 2);
        assert_eq!(fresh[0].drf, "G:AMANDA.READING@p,20");
        assert_eq!(
            (fresh[1].values().len(), fresh[1].mean(None).unwrap()),
            (3, 42.0)
        );
        let bad = exp::read_fresh(&*backend, &["Z:NOPE@p,20"], &options).await;
        assert!(
            matches!(&bad, Err(e) if e.kind() == ErrorKind::Device),
            "{bad:?}"
        );

        // watch: a condition that never holds times out.
        let never = exp::watch(
            &*backend,
            "G:AMANDA@p,20",
            |_| false,
            Duration::from_millis(200),
        )
        .await;
        assert!(
            matches!(&never, Err(e) if e.kind() == ErrorKind::Timeout),
            "{never:?}"
        );
    };
    tokio::time::timeout(BOUND, run)
        .await
        .expect("within the bound");
    server.shutdown().await;
}

/// Whole seconds (ms) in `[from, to]`: the fake logger's points.
fn logged_seconds(from: std::time::SystemTime, to: std::time::SystemTime) -> Vec<i64> {
    let ms = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
    };
    let (a, b) = (ms(from), ms(to));
    ((a + 999) / 1000..=b / 1000).map(|s| s * 1000).collect()
}

fn ms_of(r: &pacsys::Reading) -> i64 {
    r.timestamp
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Events of a history-then-live stream until `live` readings past the seam arrived:
/// (logged reading times, live reading times, gaps).
async fn across_the_seam(
    sub: &mut pacsys::Subscription,
    seam_after: std::time::SystemTime,
    live: usize,
) -> (Vec<i64>, Vec<i64>, usize) {
    let (mut logged, mut fresh, mut gaps) = (Vec::new(), Vec::new(), 0);
    let seam = seam_after
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    while fresh.len() < live {
        match sub.next().await.expect("the stream goes on") {
            Event::Reading(r) if fresh.is_empty() && ms_of(&r) % 1000 == 0 && ms_of(&r) <= seam => {
                assert_eq!(r.value.as_ref().and_then(|v| v.as_f64()), Some(42.0));
                logged.push(ms_of(&r));
            }
            Event::Reading(r) => fresh.push(ms_of(&r)),
            Event::Gap { .. } => gaps += 1,
            _ => {}
        }
    }
    (logged, fresh, gaps)
}

/// History then live as one stream: every logged second since the start, in order, then
/// live readings strictly newer than the last logged one (nothing twice, nothing missing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_then_live_across_the_seam() {
    use pacsys::history::{self, SinceOptions};
    let server = FakeDpmServer::start().await.unwrap();
    let backend = Arc::new(
        DpmBackend::builder()
            .host("127.0.0.1")
            .port(server.port())
            .env(EnvConfig::default())
            .build()
            .unwrap(),
    );
    let start = std::time::SystemTime::now() - Duration::from_millis(5_500);
    let before = std::time::SystemTime::now();
    let options = SinceOptions {
        window: Duration::from_secs(2),
        ..SinceOptions::default()
    };
    let mut sub = history::since(Arc::clone(&backend), "G:AMANDA@p,100", start, options)
        .await
        .unwrap();
    let after = std::time::SystemTime::now();
    let run = async {
        let (logged, fresh, gaps) = across_the_seam(&mut sub, after, 5).await;
        assert_eq!(gaps, 0);
        let want = logged_seconds(start, before);
        assert!(logged.len() >= want.len(), "{logged:?} vs {want:?}");
        assert_eq!(&logged[..want.len()], want, "every logged second, in order");
        assert!(logged.len() <= logged_seconds(start, after).len());
        let last = *logged.last().unwrap();
        assert!(fresh.iter().all(|t| *t > last), "{fresh:?} after {last}");
        assert!(fresh.windows(2).all(|w| w[0] < w[1]), "{fresh:?}");
    };
    tokio::time::timeout(BOUND, run)
        .await
        .expect("within the bound");
    sub.stop().await;
    server.shutdown().await;
}

/// A history retrieval whose connection is cut midway is read again: nothing is lost and no
/// gap is reported. With no retries the lost window is reported as a gap and the stream
/// goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_history_retrieval_resumes_or_reports_its_gap() {
    use pacsys::history::{self, SinceOptions};
    for retries in [3, 0] {
        // Connection 0 is the live subscription, 1 the first history window's read.
        let server = FakeDpmServer::builder()
            .fault_plan(|i| Faults {
                close_after_data: (i == 1).then_some(1),
                ..Faults::default()
            })
            .start()
            .await
            .unwrap();
        let backend = Arc::new(
            DpmBackend::builder()
                .host("127.0.0.1")
                .port(server.port())
                .env(EnvConfig::default())
                .build()
                .unwrap(),
        );
        let start = std::time::SystemTime::now() - Duration::from_millis(4_500);
        let before = std::time::SystemTime::now();
        let options = SinceOptions {
            window: Duration::from_secs(2),
            retries,
            ..SinceOptions::default()
        };
        let mut sub = history::since(Arc::clone(&backend), "G:AMANDA@p,100", start, options)
            .await
            .unwrap();
        let after = std::time::SystemTime::now();
        let run = async { across_the_seam(&mut sub, after, 3).await };
        let (logged, _, gaps) = tokio::time::timeout(BOUND, run)
            .await
            .expect("within the bound");
        let want = logged_seconds(start, before);
        if retries > 0 {
            assert_eq!(gaps, 0);
            assert_eq!(&logged[..want.len()], want, "nothing lost");
        } else {
            assert_eq!(gaps, 1, "the first window is reported lost");
            assert!(logged.len() < want.len(), "{logged:?}");
            assert!(
                logged
                    .iter()
                    .all(|t| want.contains(t) || *t > *want.last().unwrap())
            );
        }
        assert!(
            server.stats().connections >= 3,
            "the cut read was on its own connection"
        );
        sub.stop().await;
        server.shutdown().await;
    }
}

/// The experiment Monitor: ring buffers per request, snapshot versus flush, statistics,
/// time slices, and health with staleness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_experiment_monitor_collects_slices_and_flags_stale_requests() {
    use pacsys::exp::{Monitor, MonitorOptions};
    let server = FakeDpmServer::start().await.unwrap();
    let backend = DpmBackend::builder()
        .host("127.0.0.1")
        .port(server.port())
        .env(EnvConfig::default())
        .build()
        .unwrap();
    let options = MonitorOptions {
        buffer_size: 4,
        stale_after: Some(Duration::from_secs(1)),
    };
    let drfs = ["M:OUTTMP@p,20", "G:AMANDA@q,20", "M:OUTTMP@p,20"];
    let run = async {
        let monitor = Monitor::start(&backend, &drfs, options).await.unwrap();
        assert!(
            monitor.wait_for(5, Duration::from_secs(1)).await.is_err(),
            "above the buffer"
        );
        // G:AMANDA@q sends its value once: wait for one reading of each.
        monitor.wait_for(1, Duration::from_secs(5)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let snap = monitor.snapshot();
        assert_eq!(snap.channels.len(), 2, "duplicates removed");
        let outtmp = snap.channel("M:OUTTMP@p,20").unwrap();
        assert_eq!(outtmp.readings.len(), 4, "the ring keeps the newest 4");
        assert_eq!((outtmp.mean().unwrap(), outtmp.std().unwrap()), (72.5, 0.0));
        let cut = outtmp.readings[1].timestamp;
        assert_eq!(outtmp.slice(cut, None).readings.len(), 3);
        assert_eq!(outtmp.last(2).len(), 2);
        let amanda = monitor.health("G:AMANDA@q,20").unwrap();
        assert!(amanda.stale && amanda.received == 1, "{amanda:?}");
        assert!(!monitor.health("M:OUTTMP@p,20").unwrap().stale);
        // A flush empties the buffers; a snapshot does not.
        assert_eq!(
            monitor
                .snapshot()
                .channel("G:AMANDA@q,20")
                .unwrap()
                .readings
                .len(),
            1
        );
        let flushed = monitor.flush();
        assert_eq!(flushed.channel("G:AMANDA@q,20").unwrap().readings.len(), 1);
        assert!(
            monitor
                .snapshot()
                .channel("G:AMANDA@q,20")
                .unwrap()
                .readings
                .is_empty()
        );
        let result = monitor.stop().await;
        assert!(
            result.channel("G:AMANDA@q,20").unwrap().mean().is_err(),
            "nothing since the flush"
        );
    };
    tokio::time::timeout(BOUND, run)
        .await
        .expect("within the bound");
    server.shutdown().await;
}
