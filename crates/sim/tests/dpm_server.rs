//! The fake DPM server against spec section 5.6, driven with raw frames from
//! `pacsys-dpm-proto` over loopback TCP. Every wait is bounded and every server is stopped.

mod support;

use std::time::Duration;

use pacsys_dpm_proto::{
    ApplySettingsRequest, AuthenticateRequest, ClearListRequest, EnableSettingsRequest, FrameError,
    RemoveFromListRequest, Reply, ScaledSetting, Status, StopListRequest, TextSetting,
};
use pacsys_sim::{FakeDpmServer, Faults};
use support::raw::{RawClient, WAIT, raw_exchange, raw_exchange_until_frame};

const PEND: Status = Status::new(17, 1);
const PRIV: Status = Status::new(17, -17);
const BAD_REQUEST: Status = Status::new(17, -24);
const NO_SUCH_DEVICE: Status = Status::new(17, -26);
const REPLY_OVERFLOW: Status = Status::new(17, -44);
const BAD_EVENT: Status = Status::new(17, -33);

fn scalar(reply: &Reply) -> (i64, f64) {
    match reply {
        Reply::Scalar(s) => (s.ref_id, s.data),
        other => panic!("expected a Scalar reply, got {other:?}"),
    }
}

/// A server with the default world and these faults on every connection.
async fn faulty(faults: Faults) -> FakeDpmServer {
    FakeDpmServer::builder()
        .faults(faults)
        .start()
        .await
        .expect("start")
}

/// Streams `drf` and reads until the stream fails: returns the data replies seen before and
/// the terminal outcome (`None` for EOF, `Some(error)` for a frame error).
async fn stream_until_failure(c: &mut RawClient, drf: &str) -> (usize, Option<FrameError>) {
    c.send(vec![c.add(1, drf), c.start()]).await;
    let mut data = 0;
    loop {
        match c.next_within(WAIT).await {
            Some(Some(Ok(r))) => data += usize::from(r.is_data()),
            Some(Some(Err(e))) => return (data, Some(e)),
            Some(None) => return (data, None),
            None => panic!("the stream neither failed nor ended within {WAIT:?}"),
        }
    }
}

#[tokio::test]
async fn handshake_path_and_content_type_rules() {
    let server = FakeDpmServer::start().await.expect("start");
    let addr = server.addr();

    // Wrong path: an HTTP 404 answer, then close.
    let answer = raw_exchange(
        addr,
        b"GET /nope HTTP/1.1\r\nContent-Type: application/pc\r\n\r\n",
    )
    .await;
    assert!(
        answer.starts_with(b"HTTP/1.1 404"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    // No Content-Type: binary protocol, first frame is OpenList.
    let answer = raw_exchange(addr, b"GET /dpm HTTP/1.1\r\n\r\n").await;
    let decoded = pacsys_dpm_proto::Reply::decode(&answer[4..26]).expect("OpenList frame");
    assert!(matches!(decoded, Reply::OpenList(_)), "{decoded:?}");

    // Another content type is refused with an HTTP answer.
    let answer = raw_exchange(
        addr,
        b"GET /dpm HTTP/1.1\r\nContent-Type: application/json\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with(b"HTTP/1.1 415"));

    // application/pc: binary.
    let client = RawClient::connect(addr).await;
    assert!((4096..=6143).contains(&client.list_id));
    drop(client);
    server.shutdown().await;
}

#[tokio::test]
async fn x_forwarded_for_names_the_client() {
    let server = FakeDpmServer::start().await.expect("start");
    let plain = RawClient::connect(server.addr()).await;
    let head = b"GET /dpm HTTP/1.1\r\nX-Forwarded-For: 131.225.0.7\r\nContent-Type: application/pc\r\n\r\n";
    let answer = raw_exchange_until_frame(server.addr(), head).await;
    assert!(matches!(
        Reply::decode(&answer[4..]),
        Ok(Reply::OpenList(_))
    ));
    let direct = server.client_address(0).expect("first client");
    assert!(direct.starts_with("127.0.0.1:"), "{direct}");
    assert_eq!(server.client_address(1).as_deref(), Some("131.225.0.7"));
    drop(plain);
    server.shutdown().await;
}

/// The server side of an established loopback connection has its keepalive timer armed
/// (`tr` = 2 in /proc/net/tcp), as production sets SO_KEEPALIVE.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn accepted_sockets_have_keepalive() {
    let server = FakeDpmServer::start().await.expect("start");
    let client = RawClient::connect(server.addr()).await;
    let client_port = client.framed.get_ref().local_addr().expect("addr").port();
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    // Columns: sl local rem st queues tr:when ...; addresses as HEXIP:HEXPORT.
    let server_side = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| {
            f.get(1)
                .is_some_and(|a| a.ends_with(&format!(":{:04X}", server.port())))
                && f.get(2)
                    .is_some_and(|a| a.ends_with(&format!(":{client_port:04X}")))
        })
        .expect("the server's socket of this connection");
    let timer = server_side.get(5).and_then(|t| t.split(':').next());
    assert_eq!(timer, Some("02"), "keepalive timer on {server_side:?}");
    drop(client);
    server.shutdown().await;
}

#[tokio::test]
async fn one_list_per_connection_with_distinct_ids() {
    let server = FakeDpmServer::start().await.expect("start");
    let a = RawClient::connect(server.addr()).await;
    let b = RawClient::connect(server.addr()).await;
    assert_ne!(a.list_id, b.list_id);
    for id in [a.list_id, b.list_id] {
        assert!((4096..=6143).contains(&id), "list id {id} outside the pool");
    }
    assert_eq!(server.stats().lists, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn an_empty_list_id_pool_answers_out_of_memory() {
    let server = FakeDpmServer::builder()
        .list_ids(5000..=5000)
        .start()
        .await
        .expect("start");
    let first = RawClient::connect(server.addr()).await;
    assert_eq!(first.list_id, 5000);
    let answer = raw_exchange(
        server.addr(),
        pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST,
    )
    .await;
    let body = answer.get(4..).expect("one frame");
    match Reply::decode(body).expect("a Status reply") {
        Reply::Status(s) => assert_eq!((s.ref_id, s.status), (0, Status::new(17, -9))),
        other => panic!("{other:?}"),
    }
    // The id returns to the pool when its connection ends.
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if server.stats().open_connections == 0 {
            again = Some(RawClient::connect(server.addr()).await);
            break;
        }
    }
    assert_eq!(again.map(|c| c.list_id), Some(5000));
    server.shutdown().await;
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_header_timeout() {
    let server = FakeDpmServer::start().await.expect("start");
    // Half a request line, then nothing: the server gives up after 500 ms.
    let answer = raw_exchange(server.addr(), b"GET /dpm HT").await;
    assert!(answer.is_empty());
    assert_eq!(server.stats().lists, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn moving_devices_change_between_samples() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![c.add(1, "Z:RAMP@p,50"), c.start()]).await;
    let values: Vec<f64> = c
        .collect_for(Duration::from_millis(400))
        .await
        .iter()
        .filter(|r| r.is_data())
        .map(|r| scalar(r).1)
        .collect();
    assert!(values.len() >= 4, "{values:?}");
    assert!(
        values.windows(2).any(|w| w[0] != w[1]),
        "Z:RAMP moves: {values:?}"
    );
    assert!(values.iter().all(|v| (0.0..100.0).contains(v)));
    server.shutdown().await;
}

#[tokio::test]
async fn list_edits_are_silent_and_start_list_is_answered() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    let id = c.list_id;
    c.send(vec![
        c.add(1, "M:OUTTMP@I"),
        c.add(2, "G:AMANDA@I"),
        c.add(3, "Z:TEXTDV@I"),
        pacsys_dpm_proto::Request::RemoveFromList(RemoveFromListRequest {
            list_id: id,
            ref_id: 3,
        }),
        pacsys_dpm_proto::Request::StopList(StopListRequest { list_id: id }),
    ])
    .await;
    // Nothing is answered for AddToList, RemoveFromList or StopList.
    assert!(c.collect_for(Duration::from_millis(200)).await.is_empty());
    c.send(vec![c.start()]).await;
    let Reply::StartList(start) = c.reply().await else {
        panic!("StartList reply first")
    };
    assert_eq!((start.list_id, start.status), (id, Status::OK));
    // DeviceInfo, then data, per ref; the removed ref 3 is absent.
    let replies = c.collect_for(Duration::from_millis(300)).await;
    let refs: Vec<(&str, i64)> = replies
        .iter()
        .map(|r| (r.name(), r.ref_id().unwrap_or(-1)))
        .collect();
    // Each entry's DeviceInfo comes before its own data (spec 4.3, 9.13); entries are
    // started in ref order.
    let mut sorted = refs.clone();
    sorted.sort_by_key(|(name, r)| (*r, *name != "DeviceInfo"));
    assert_eq!(
        sorted,
        vec![
            ("DeviceInfo", 1),
            ("Scalar", 1),
            ("DeviceInfo", 2),
            ("Scalar", 2)
        ]
    );
    for r in [1, 2] {
        let info_at = refs.iter().position(|x| *x == ("DeviceInfo", r));
        let data_at = refs.iter().position(|x| *x == ("Scalar", r));
        assert!(
            info_at < data_at,
            "DeviceInfo before data for ref {r}: {refs:?}"
        );
    }
    let info = replies
        .iter()
        .find_map(|r| match r {
            Reply::DeviceInfo(i) if i.ref_id == 1 => Some(i),
            _ => None,
        })
        .expect("DeviceInfo for ref 1");
    assert_eq!(
        (info.name.as_str(), info.units.as_deref()),
        ("M:OUTTMP", Some("DegF"))
    );
    let data: Vec<(i64, f64)> = replies.iter().filter(|r| r.is_data()).map(scalar).collect();
    assert_eq!(data, vec![(1, 72.5), (2, 42.0)]);

    // ClearList is silent too, and a restart then has nothing to send.
    c.send(vec![
        pacsys_dpm_proto::Request::ClearList(ClearListRequest { list_id: id }),
        c.start(),
    ])
    .await;
    assert!(matches!(c.reply().await, Reply::StartList(_)));
    assert!(c.collect_for(Duration::from_millis(200)).await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn periodic_events_stream_and_q_sends_only_changes() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![
        c.add(1, "M:OUTTMP@p,100"),
        c.add(2, "G:AMANDA@q,50"),
        c.start(),
    ])
    .await;
    let replies = c.collect_for(Duration::from_millis(550)).await;
    let samples = |r: i64| {
        replies
            .iter()
            .filter(|x| x.is_data() && x.ref_id() == Some(r))
            .count()
    };
    assert!(
        (5..=7).contains(&samples(1)),
        "@p,100 over 550 ms gave {}",
        samples(1)
    );
    assert_eq!(samples(2), 1, "@q sends a constant value once");
    server.shutdown().await;
}

#[tokio::test]
async fn clock_events_fire_from_the_simulated_clock() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![c.add(1, "M:OUTTMP@e,0f"), c.start()]).await;
    let replies = c.collect_for(Duration::from_millis(700)).await;
    let n = replies.iter().filter(|r| r.is_data()).count();
    // Event 0x0F fires at 15 Hz: about 10 in 700 ms.
    assert!((8..=12).contains(&n), "{n} clock samples");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_and_unknown_devices_get_status_after_start() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![
        c.add(1, "M:OUTTMP[3:1]"),
        c.add(2, "Z:NOSUCH@I"),
        c.add(3, "M:OUTTMP@X"),
    ])
    .await;
    assert!(
        c.collect_for(Duration::from_millis(150)).await.is_empty(),
        "nothing before StartList"
    );
    c.send(vec![c.start()]).await;
    let replies = c.collect_for(Duration::from_millis(300)).await;
    let statuses: Vec<(i64, Status)> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::Status(s) => Some((s.ref_id, s.status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        vec![(1, BAD_REQUEST), (2, NO_SUCH_DEVICE), (3, BAD_EVENT)]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_devices_can_pend_like_production() {
    let server = FakeDpmServer::builder()
        .pend_unknown_after(Duration::from_millis(200))
        .start()
        .await
        .expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![c.add(7, "Z:NOSUCH@I"), c.start()]).await;
    assert!(matches!(c.reply().await, Reply::StartList(_)));
    let early = c.collect_for(Duration::from_millis(100)).await;
    assert!(early.is_empty(), "PEND comes after the delay: {early:?}");
    match c.reply().await {
        Reply::Status(s) => assert_eq!((s.ref_id, s.status), (7, PEND)),
        other => panic!("{other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn list_properties_are_not_devices() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![
        c.add(0, "#ROLE:testing"),
        c.add(0, "#USER:jdoe"),
        c.add(1, "M:OUTTMP@I"),
        c.start(),
    ])
    .await;
    let replies = c.collect_for(Duration::from_millis(300)).await;
    assert!(
        replies.iter().all(|r| r.ref_id() != Some(0)),
        "no reply for ref 0: {replies:?}"
    );
    assert_eq!(replies.iter().filter(|r| r.is_data()).count(), 1);
    let log = server.requests(0);
    assert_eq!(log.len(), 4, "the request log holds every request");
    server.shutdown().await;
}

#[tokio::test]
async fn idle_lists_get_heartbeats() {
    let server = FakeDpmServer::builder()
        .heartbeat(Duration::from_millis(100))
        .start()
        .await
        .expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    let mut beats = 0;
    for _ in 0..3 {
        match c.next_within(Duration::from_millis(500)).await {
            Some(Some(Ok(Reply::ListStatus(s)))) => {
                assert_eq!((s.list_id, s.status), (c.list_id, Status::OK));
                beats += 1;
            }
            other => panic!("expected a heartbeat, got {other:?}"),
        }
    }
    assert_eq!(beats, 3);
    // A busy list sends no heartbeat: samples every 30 ms keep it quiet.
    c.send(vec![c.add(1, "M:OUTTMP@p,30"), c.start()]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(400);
    let mut heartbeats_while_busy = 0;
    while let Ok(Some(Ok(r))) =
        tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut c.framed)).await
    {
        if matches!(r, Reply::ListStatus(_)) {
            heartbeats_while_busy += 1;
        }
    }
    assert!(
        heartbeats_while_busy <= 1,
        "{heartbeats_while_busy} heartbeats on a busy list"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn replies_above_128_kib_overflow() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![
        c.add(1, "Z:BIGARR@I"),
        c.add(2, "Z:BIGARR[0:99]@I"),
        c.start(),
    ])
    .await;
    let replies = c.collect_for(Duration::from_millis(300)).await;
    let of = |r: i64| {
        replies
            .iter()
            .find(|x| x.ref_id() == Some(r) && x.name() != "DeviceInfo")
            .cloned()
    };
    match of(1) {
        Some(Reply::Status(s)) => assert_eq!(s.status, REPLY_OVERFLOW),
        other => panic!("{other:?}"),
    }
    match of(2) {
        Some(Reply::ScalarArray(a)) => assert_eq!(a.data.len(), 100),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.stats().overflows, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn settings_need_authentication() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    let id = c.list_id;
    // An empty Authenticate returns the service name.
    c.send(vec![pacsys_dpm_proto::Request::Authenticate(
        AuthenticateRequest {
            list_id: id,
            token: vec![],
        },
    )])
    .await;
    match c.reply().await {
        Reply::Authenticate(a) => {
            assert_eq!(a.service_name.as_deref(), Some("daeset/bd@dce01.fnal.gov"))
        }
        other => panic!("{other:?}"),
    }
    // EnableSettings without an established context is refused.
    c.send(vec![pacsys_dpm_proto::Request::EnableSettings(
        EnableSettingsRequest {
            list_id: id,
            mic: vec![1, 2, 3],
            message: b"1234".to_vec(),
        },
    )])
    .await;
    match c.reply().await {
        Reply::Status(s) => assert_eq!((s.ref_id, s.status), (0, PRIV)),
        other => panic!("{other:?}"),
    }
    // ApplySettings from the unauthenticated list: DPM_PRIV per ref, value unchanged.
    c.send(vec![c.add(1, "G:AMANDA.SETTING@N"), c.start()])
        .await;
    let _ = c.collect_for(Duration::from_millis(100)).await;
    c.send(vec![pacsys_dpm_proto::Request::ApplySettings(
        ApplySettingsRequest {
            user_name: "jdoe@FNAL.GOV".into(),
            list_id: id,
            scaled_array: Some(vec![ScaledSetting {
                ref_id: 1,
                data: vec![5.0],
            }]),
            ..Default::default()
        },
    )])
    .await;
    match c.reply().await {
        Reply::ApplySettings(a) => {
            assert_eq!(a.status.len(), 1);
            assert_eq!((a.status[0].ref_id, a.status[0].status), (1, PRIV));
        }
        other => panic!("{other:?}"),
    }
    let amanda = server.world().device("G:AMANDA").expect("device");
    assert_eq!(
        amanda.state().reading.at(0),
        pacsys_types::Value::Scalar(42.0)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn insecure_settings_apply_and_later_reads_see_them() {
    let server = FakeDpmServer::builder()
        .insecure_settings(true)
        .start()
        .await
        .expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    let id = c.list_id;
    c.send(vec![
        c.add(1, "G:AMANDA.SETTING@N"),
        c.add(2, "Z:TEXTDV.SETTING@N"),
        c.add(3, "Z:ACLTST.SETTING[0:1]@N"),
        c.add(4, "Z:SINE.SETTING@N"),
        c.start(),
    ])
    .await;
    let infos = c.collect_for(Duration::from_millis(200)).await;
    assert!(
        infos.iter().all(|r| !r.is_data()),
        "@N sends no data: {infos:?}"
    );
    c.send(vec![pacsys_dpm_proto::Request::ApplySettings(
        ApplySettingsRequest {
            user_name: "jdoe@FNAL.GOV".into(),
            list_id: id,
            scaled_array: Some(vec![
                ScaledSetting {
                    ref_id: 1,
                    data: vec![5.5],
                },
                ScaledSetting {
                    ref_id: 3,
                    data: vec![-1.0, -2.0],
                },
                ScaledSetting {
                    ref_id: 4,
                    data: vec![1.0],
                },
            ]),
            text_array: Some(vec![TextSetting {
                ref_id: 2,
                data: vec!["bye".into()],
            }]),
            ..Default::default()
        },
    )])
    .await;
    match c.reply().await {
        Reply::ApplySettings(a) => {
            let got: Vec<(i64, Status)> = a.status.iter().map(|s| (s.ref_id, s.status)).collect();
            // Z:SINE has no SETTING property: read-only (DIO_READONLY).
            assert_eq!(
                got,
                vec![
                    (1, Status::OK),
                    (3, Status::OK),
                    (4, Status::new(14, -60)),
                    (2, Status::OK)
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    // A new connection reads the new values.
    let mut r = RawClient::connect(server.addr()).await;
    r.send(vec![
        r.add(1, "G:AMANDA@I"),
        r.add(2, "Z:TEXTDV@I"),
        r.add(3, "Z:ACLTST[0:2]@I"),
        r.start(),
    ])
    .await;
    let data: Vec<Reply> = r
        .collect_for(Duration::from_millis(300))
        .await
        .into_iter()
        .filter(|x| x.is_data())
        .collect();
    assert_eq!(scalar(&data[0]), (1, 5.5));
    assert!(matches!(&data[1], Reply::Text(t) if t.data == "bye"));
    assert!(matches!(&data[2], Reply::ScalarArray(a) if a.data == vec![-1.0, -2.0, 1.0]));
    server.shutdown().await;
}

#[tokio::test]
async fn logger_history_comes_in_chunks_with_an_end_marker() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    // 1,000 points (one per second) for a scalar; 3 records for an array; nothing for an
    // empty window.
    c.send(vec![
        c.add(1, "Z:SINE<-LOGGER:1000000:1999000"),
        c.add(2, "Z:ACLTST<-LOGGER:5000:7000"),
        c.add(3, "Z:SINE<-LOGGER:1001:1999"),
        c.start(),
    ])
    .await;
    let replies = c.collect_for(Duration::from_millis(400)).await;
    let chunks: Vec<&pacsys_dpm_proto::TimedScalarArrayReply> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::TimedScalarArray(t) if t.ref_id == 1 => Some(t),
            _ => None,
        })
        .collect();
    let sizes: Vec<usize> = chunks.iter().map(|c| c.data.len()).collect();
    assert_eq!(
        sizes,
        vec![487, 487, 26, 0],
        "chunks of at most 487, then the end marker"
    );
    assert_eq!(chunks[0].micros[0], 1_000_000_000);
    assert!(chunks.iter().all(|c| c.micros.len() == c.data.len()));
    let arrays: Vec<&pacsys_dpm_proto::ScalarArrayReply> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::ScalarArray(a) if a.ref_id == 2 => Some(a),
            _ => None,
        })
        .collect();
    let lens: Vec<usize> = arrays.iter().map(|a| a.data.len()).collect();
    assert_eq!(lens, vec![100, 100, 100, 0]);
    assert_eq!(
        arrays[0].timestamp, 5_000_000,
        "array history timestamps are microseconds"
    );
    let empty = replies
        .iter()
        .find_map(|r| match r {
            Reply::TimedScalarArray(t) if t.ref_id == 3 => Some(t),
            _ => None,
        })
        .expect("terminator for the empty window");
    assert!(empty.data.is_empty());
    assert_eq!(empty.status, Status::new(66, -64));
    server.shutdown().await;
}

// ---- faults: each one with the symptom a client sees ----

#[tokio::test]
async fn split_writes_still_decode_identically() {
    let server = faulty(Faults {
        split_writes: true,
        ..Faults::default()
    })
    .await;
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![
        c.add(1, "Z:ACLTST@I"),
        c.add(2, "M:OUTTMP@I"),
        c.start(),
    ])
    .await;
    let data: Vec<Reply> = c
        .collect_for(Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|r| r.is_data())
        .collect();
    assert_eq!(data.len(), 2);
    assert!(matches!(&data[0], Reply::ScalarArray(a) if a.data.len() == 100 && a.data[99] == 49.5));
    assert_eq!(scalar(&data[1]), (2, 72.5));
    server.shutdown().await;
}

#[tokio::test]
async fn delayed_replies_arrive_late() {
    let server = faulty(Faults {
        reply_delay: Some(Duration::from_millis(300)),
        ..Faults::default()
    })
    .await;
    let started = tokio::time::Instant::now();
    let c = RawClient::connect(server.addr()).await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "OpenList was delayed"
    );
    drop(c);
    server.shutdown().await;
}

#[tokio::test]
async fn reordered_replies_interleave_refs() {
    let server = faulty(Faults {
        reorder: true,
        ..Faults::default()
    })
    .await;
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![
        c.add(1, "M:OUTTMP@I"),
        c.add(2, "G:AMANDA@I"),
        c.start(),
    ])
    .await;
    let refs: Vec<i64> = c
        .collect_for(Duration::from_millis(300))
        .await
        .iter()
        .filter(|r| r.is_data())
        .filter_map(Reply::ref_id)
        .collect();
    assert_eq!(refs, vec![2, 1]);
    server.shutdown().await;
}

#[tokio::test]
async fn close_after_n_data_replies() {
    let server = faulty(Faults {
        close_after_data: Some(3),
        ..Faults::default()
    })
    .await;
    let mut c = RawClient::connect(server.addr()).await;
    let (data, end) = stream_until_failure(&mut c, "M:OUTTMP@p,20").await;
    assert!(end.is_none(), "a clean EOF, not {end:?}");
    assert_eq!(data, 3);
    server.shutdown().await;
}

#[tokio::test]
async fn stall_keeps_the_socket_open_but_silent() {
    let server = FakeDpmServer::builder()
        .heartbeat(Duration::from_millis(50))
        .faults(Faults {
            stall_after_data: Some(2),
            ..Faults::default()
        })
        .start()
        .await
        .expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![c.add(1, "M:OUTTMP@p,20"), c.start()]).await;
    let replies = c.collect_for(Duration::from_millis(200)).await;
    assert_eq!(replies.iter().filter(|r| r.is_data()).count(), 2);
    // Silent: no data, no heartbeat, no EOF.
    assert!(c.next_within(Duration::from_millis(300)).await.is_none());
    assert_eq!(server.stats().open_connections, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_frames_fail_to_decode() {
    let server = faulty(Faults {
        garbage_after_data: Some(1),
        ..Faults::default()
    })
    .await;
    let mut c = RawClient::connect(server.addr()).await;
    match stream_until_failure(&mut c, "M:OUTTMP@p,50").await {
        (1, Some(FrameError::Decode(e))) => {
            assert_eq!(e.offset(), 0, "bad magic at the first byte")
        }
        other => panic!("expected a decode error after one sample, got {other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn oversize_length_is_a_frame_error() {
    let server = faulty(Faults {
        oversize_after_data: Some(1),
        ..Faults::default()
    })
    .await;
    let mut c = RawClient::connect(server.addr()).await;
    match stream_until_failure(&mut c, "M:OUTTMP@p,50").await {
        (1, Some(FrameError::TooLong { len, .. })) => assert_eq!(len, 0x7fff_fff0),
        other => panic!("expected an oversize error after one sample, got {other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn http_error_fault_answers_the_handshake() {
    let server = faulty(Faults {
        http_error: Some(503),
        ..Faults::default()
    })
    .await;
    let answer = raw_exchange(
        server.addr(),
        pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST,
    )
    .await;
    let line = pacsys_dpm_proto::handshake::HttpStatusLine::parse(&answer);
    assert_eq!(line.code, Some(503));
    server.shutdown().await;
}

#[tokio::test]
async fn accept_then_close_sends_nothing() {
    let server = faulty(Faults {
        accept_then_close: true,
        ..Faults::default()
    })
    .await;
    let answer = raw_exchange(
        server.addr(),
        pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST,
    )
    .await;
    assert!(answer.is_empty());
    assert_eq!(server.stats().lists, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn fault_plans_pick_faults_per_connection() {
    let server = FakeDpmServer::builder()
        .fault_plan(|n| Faults {
            accept_then_close: n == 0,
            ..Faults::default()
        })
        .start()
        .await
        .expect("start");
    let first = raw_exchange(
        server.addr(),
        pacsys_dpm_proto::handshake::HANDSHAKE_REQUEST,
    )
    .await;
    assert!(first.is_empty(), "first connection is closed at once");
    let second = RawClient::connect(server.addr()).await;
    assert!((4096..=6143).contains(&second.list_id));
    server.shutdown().await;
}

#[tokio::test]
async fn counters_and_shutdown_close_every_connection() {
    let server = FakeDpmServer::start().await.expect("start");
    let mut c = RawClient::connect(server.addr()).await;
    c.send(vec![c.add(1, "M:OUTTMP@I"), c.start()]).await;
    let _ = c.collect_for(Duration::from_millis(200)).await;
    let stats = server.stats();
    assert_eq!((stats.connections, stats.lists, stats.frames_in), (1, 1, 2));
    // OpenList + StartList + DeviceInfo + Scalar.
    assert_eq!((stats.frames_out, stats.data_replies), (4, 1));
    server.shutdown().await;
    // The client sees EOF: no task or socket is left behind.
    assert!(matches!(c.next_within(WAIT).await, Some(None)));
}
