//! Replay over real loopback TCP: the fake DPM server and the fake DAQ server share a world
//! with a recording installed; plain clients (raw DPM frames, the generated gRPC stub) hear
//! the recorded samples in order, with the recorded timing, while the rest of the world
//! answers as before. Every wait is bounded and every server is stopped.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use pacsys_dpm_proto::Reply;
use pacsys_grpc_core::proto::services::daq::{ReadingList, daq_client::DaqClient, reading_reply};
use pacsys_sim::replay::{Replay, ReplayOptions};
use pacsys_sim::{FakeDaqServer, FakeDpmServer, SimWorld};
use pacsys_types::{DeviceMeta, Event, Reading, Status, Value};
use support::raw::{RawClient, WAIT};
use tokio::time::Instant;

/// A gRPC sample: its value or its (facility, code) status.
type GrpcSample = Result<f64, (i32, i32)>;

const NO_DATA: Status = Status::new(14, -82);
const NO_SUCH_DEVICE: Status = Status::new(17, -26);

/// Z:RPLY (not in the default table): 1, 2, 3 at 0, 100, 200 ms, an error at 250 ms, 4 at
/// 300 ms; the first reading carries its metadata.
fn recording() -> Vec<(SystemTime, Event)> {
    let t0 = SystemTime::now() - Duration::from_secs(3_600);
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let reading = |ms: u64, x: f64| {
        let r = Reading::new(Arc::from("Z:RPLY@p,100"), Status::OK)
            .with_value(Value::Scalar(x))
            .with_timestamp(Some(at(ms)));
        (at(ms) + Duration::from_millis(1), r)
    };
    let (when, mut first) = reading(0, 1.0);
    first.meta = Some(Arc::new(DeviceMeta {
        device_index: 4242,
        name: "Z:RPLY".into(),
        description: "a recorded device".into(),
        units: Some("V".into()),
        format_hint: None,
    }));
    let mut events = vec![(when, Event::Reading(first))];
    for (ms, x) in [(100, 2.0), (200, 3.0)] {
        let (when, r) = reading(ms, x);
        events.push((when, Event::Reading(r)));
    }
    events.push((
        at(250),
        Event::Error {
            drf: Arc::from("Z:RPLY@p,100"),
            status: NO_DATA,
        },
    ));
    let (when, r) = reading(300, 4.0);
    events.push((when, Event::Reading(r)));
    events
}

fn replay_world() -> SimWorld {
    let world = SimWorld::default_table();
    Replay::from_events(recording(), ReplayOptions::default())
        .expect("replay")
        .install(&world);
    world
}

#[tokio::test]
async fn dpm_and_grpc_clients_hear_the_recording() {
    let world = replay_world();
    let dpm = FakeDpmServer::builder()
        .world(world.clone())
        .start()
        .await
        .expect("dpm");
    let daq = FakeDaqServer::builder()
        .world(world)
        .start()
        .await
        .expect("daq");

    // DPM: the replayed device, a default device and an unknown one in one list.
    let mut c = RawClient::connect(dpm.addr()).await;
    // The server starts the list after this, so the last sample (300 ms in) cannot arrive
    // less than 300 ms after it.
    let sent = Instant::now();
    c.send(vec![
        c.add(1, "Z:RPLY@p,1000"),
        c.add(2, "M:OUTTMP@I"),
        c.add(3, "Z:NOSUCH@I"),
        c.start(),
    ])
    .await;
    let deadline = Instant::now() + WAIT;
    let mut replayed: Vec<(Instant, Result<f64, Status>)> = Vec::new();
    let (mut info, mut outtmp, mut nosuch) = (None, None, None);
    while replayed.len() < 5 {
        let reply = tokio::time::timeout_at(deadline, c.reply())
            .await
            .expect("the whole recording within the wait");
        match reply {
            Reply::DeviceInfo(d) if d.ref_id == 1 => info = Some(d),
            Reply::Scalar(s) if s.ref_id == 1 => replayed.push((Instant::now(), Ok(s.data))),
            Reply::Status(s) if s.ref_id == 1 => replayed.push((Instant::now(), Err(s.status))),
            Reply::Scalar(s) if s.ref_id == 2 => outtmp = Some(s.data),
            Reply::Status(s) if s.ref_id == 3 => nosuch = Some(s.status),
            _ => {}
        }
    }
    let info = info.expect("DeviceInfo of the replayed device");
    assert_eq!(
        (info.di, info.name.as_str(), info.units.as_deref()),
        (4242, "Z:RPLY", Some("V")),
        "recorded metadata"
    );
    let values: Vec<_> = replayed.iter().map(|(_, v)| *v).collect();
    assert_eq!(
        values,
        vec![Ok(1.0), Ok(2.0), Ok(3.0), Err(NO_DATA), Ok(4.0)]
    );
    let played = replayed[4].0 - sent;
    assert!(
        played >= Duration::from_millis(295) && played < Duration::from_secs(3),
        "recorded 300 ms, played in {played:?}"
    );
    assert_eq!(
        outtmp,
        Some(72.5),
        "a default device is simulated as before"
    );
    assert_eq!(
        nosuch,
        Some(NO_SUCH_DEVICE),
        "an unknown device stays unknown"
    );
    // Without a loop the stream goes quiet after the last sample.
    let after = c.collect_for(Duration::from_millis(500)).await;
    assert!(
        after.iter().all(|r| r.ref_id() != Some(1)),
        "nothing after the recording: {after:?}"
    );
    drop(c);

    // gRPC: the same world through the generated stub.
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", daq.addr()))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let sent = Instant::now();
    let mut stream = tokio::time::timeout(
        WAIT,
        DaqClient::new(channel).read(ReadingList {
            drf: vec![
                "Z:RPLY@p,1000".into(),
                "M:OUTTMP@I".into(),
                "Z:NOSUCH@I".into(),
            ],
        }),
    )
    .await
    .expect("read in time")
    .expect("read")
    .into_inner();
    let deadline = Instant::now() + WAIT;
    let mut replayed: Vec<(Instant, GrpcSample)> = Vec::new();
    let (mut outtmp, mut nosuch) = (None, None);
    while replayed.len() < 5 {
        let reply = tokio::time::timeout_at(deadline, stream.message())
            .await
            .expect("the whole recording within the wait")
            .expect("no stream error")
            .expect("the stream stays open");
        let value = match reply.value {
            Some(reading_reply::Value::Readings(r)) => {
                let data = r.reading.first().and_then(|s| s.data.as_ref());
                match data.and_then(|d| d.value.as_ref()) {
                    Some(pacsys_grpc_core::proto::common::device::value::Value::Scalar(x)) => {
                        Ok(*x)
                    }
                    other => panic!("a scalar, not {other:?}"),
                }
            }
            Some(reading_reply::Value::Status(s)) => Err((s.facility_code, s.status_code)),
            None => panic!("an empty reply"),
        };
        match reply.index {
            0 => replayed.push((Instant::now(), value)),
            1 => outtmp = Some(value),
            2 => nosuch = Some(value),
            other => panic!("index {other}"),
        }
    }
    let values: Vec<_> = replayed.iter().map(|(_, v)| *v).collect();
    assert_eq!(
        values,
        vec![Ok(1.0), Ok(2.0), Ok(3.0), Err((14, -82)), Ok(4.0)]
    );
    let played = replayed[4].0 - sent;
    assert!(
        played >= Duration::from_millis(295) && played < Duration::from_secs(3),
        "recorded 300 ms, played in {played:?}"
    );
    assert_eq!(outtmp, Some(Ok(72.5)));
    assert_eq!(nosuch, Some(Err((17, -26))));
    // Played out: the stream stays open and quiet.
    let quiet = tokio::time::timeout(Duration::from_millis(500), stream.message()).await;
    assert!(quiet.is_err(), "nothing after the recording: {quiet:?}");
    drop(stream);

    daq.shutdown().await;
    dpm.shutdown().await;
}

#[tokio::test]
async fn looped_replay_at_double_speed_starts_over() {
    let world = SimWorld::default_table();
    Replay::from_events(
        recording(),
        ReplayOptions::default().speed(2.0).looped(true),
    )
    .expect("replay")
    .install(&world);
    let dpm = FakeDpmServer::builder()
        .world(world)
        .start()
        .await
        .expect("dpm");
    let mut c = RawClient::connect(dpm.addr()).await;
    let sent = Instant::now();
    c.send(vec![c.add(1, "Z:RPLY@p,1000"), c.start()]).await;
    let deadline = Instant::now() + WAIT;
    let mut values = Vec::new();
    let mut times = Vec::new();
    while values.len() < 7 {
        let reply = tokio::time::timeout_at(deadline, c.reply())
            .await
            .expect("two rounds within the wait");
        match reply {
            Reply::Scalar(s) => {
                values.push(Ok(s.data));
                times.push(Instant::now());
            }
            Reply::Status(s) => {
                values.push(Err(s.status));
                times.push(Instant::now());
            }
            _ => {}
        }
    }
    assert_eq!(
        values,
        vec![
            Ok(1.0),
            Ok(2.0),
            Ok(3.0),
            Err(NO_DATA),
            Ok(4.0),
            Ok(1.0),
            Ok(2.0)
        ]
    );
    // A round is 300 ms + 75 ms (the mean interval), played in half: round two at 187.5 ms.
    let round = times[5] - sent;
    assert!(
        round >= Duration::from_millis(180) && round < Duration::from_secs(2),
        "round two after {round:?}"
    );
    // Within a round, twice as fast: the last sample (300 ms recorded) 150 ms in.
    let first_round = times[4] - sent;
    assert!(
        first_round >= Duration::from_millis(145) && first_round < times[5] - sent,
        "{first_round:?}"
    );
    drop(c);
    dpm.shutdown().await;
}

#[cfg(feature = "sim")]
#[tokio::test]
async fn sim_options_name_an_unreadable_recording() {
    use clap::Parser;
    use pacsys_sim::sim::{SimError, SimOptions};

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        sim: SimOptions,
    }
    let missing = "/nonexistent/pacsys-replay-test.parquet";
    let args = Args::try_parse_from([
        "sim",
        "--dpm-port",
        "0",
        "--replay",
        missing,
        "--speed",
        "2.5",
        "--loop",
    ])
    .expect("valid options");
    assert_eq!(args.sim.replay_options().speed, 2.5);
    assert!(args.sim.replay_options().looped);
    match args.sim.start().await {
        Err(e @ SimError::Replay { .. }) => {
            assert!(e.to_string().contains(missing), "{e}");
        }
        Err(other) => panic!("not a replay error: {other}"),
        Ok(running) => {
            running.shutdown().await;
            panic!("started without its recording");
        }
    }
    for bad in [
        &["sim", "--speed", "2"][..],
        &["sim", "--loop"],
        &["sim", "--replay", "x.parquet", "--speed", "0"],
        &["sim", "--replay", "x.parquet", "--speed", "-1"],
        &["sim", "--replay", "x.parquet", "--speed", "inf"],
        &["sim", "--replay", "x.parquet", "--speed", "NaN"],
    ] {
        assert!(
            Args::try_parse_from(bad).is_err(),
            "{bad:?} must be refused"
        );
    }
}
