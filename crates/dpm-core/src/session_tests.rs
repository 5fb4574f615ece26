//! Scripted-reply tests of the session state machine, with fake instants.

use super::*;
use crate::ErrorKind;
use pacsys_dpm_proto::{
    AddToListReply, AnalogAlarmReply, BasicStatusReply, DigitalAlarmReply, ListStatusReply,
    RawReply, ScalarArrayReply, ScalarReply, StartListReply, StatusReply, TextArrayReply,
    TextReply, TimedScalarArrayReply,
};
use pacsys_types::{AnalogAlarm, BasicStatus, DigitalAlarm};

const LIST: i32 = 4242;
const PEND: Status = Status::new(17, 1);
const NO_SUCH_DEVICE: Status = Status::new(17, -26);
const DAE_NO_DATA: Status = Status::new(66, -64);

fn t0() -> Instant {
    Instant::now()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn drain(s: &mut Session) -> Vec<Request> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

fn events(s: &mut Session) -> Vec<SessionEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn prep(drfs: &[&str]) -> Vec<Result<ReadPlan, Error>> {
    drfs.iter().map(|d| ReadPlan::new(d)).collect()
}

fn scalar(ref_id: i64, data: f64) -> Reply {
    Reply::Scalar(ScalarReply {
        ref_id,
        timestamp: 1_718_100_000_123,
        cycle: 7,
        status: Status::OK,
        data,
    })
}

fn status(ref_id: i64, status: Status) -> Reply {
    Reply::Status(StatusReply {
        ref_id,
        timestamp: 0,
        cycle: 0,
        status,
    })
}

fn info(ref_id: i64, name: &str, units: Option<&str>) -> Reply {
    Reply::DeviceInfo(DeviceInfoReply {
        ref_id,
        di: 140013,
        name: name.into(),
        description: "desc".into(),
        units: units.map(Into::into),
        format_hint: Some(2),
    })
}

fn heartbeat() -> Reply {
    Reply::ListStatus(ListStatusReply {
        list_id: LIST,
        status: Status::OK,
    })
}

fn tsa(ref_id: i64, data: &[f64], micros: &[i64], status: Status) -> Reply {
    Reply::TimedScalarArray(TimedScalarArrayReply {
        ref_id,
        timestamp: 0,
        cycle: 0,
        status,
        data: data.to_vec(),
        micros: micros.to_vec(),
    })
}

fn one_done(s: &mut Session) -> ReadDone {
    let mut evs = events(s);
    assert_eq!(evs.len(), 1, "{evs:?}");
    match evs.pop() {
        Some(SessionEvent::ReadDone(d)) => d,
        other => panic!("{other:?}"),
    }
}

fn value(r: &Result<Reading, Error>) -> Option<Value> {
    r.as_ref().ok().and_then(|r| r.value.clone())
}

#[test]
fn read_sends_adds_then_one_start_and_resolves_in_input_order() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(
        prep(&["M:OUTTMP", "G:AMANDA@I", "Z:ACLTST[0:1]"]),
        now + secs(5),
    );
    let tx = drain(&mut s);
    let wires: Vec<_> = tx
        .iter()
        .map(|r| match r {
            Request::AddToList(a) => {
                assert_eq!(a.list_id, LIST);
                format!("{}={}", a.ref_id, a.drf_request)
            }
            other => other.name().to_string(),
        })
        .collect();
    assert_eq!(
        wires,
        [
            "1=M:OUTTMP.READING@I",
            "2=G:AMANDA@I",
            "3=Z:ACLTST.READING[0:1]@I",
            "StartList"
        ]
    );
    // Reordered replies; heartbeats in between never count as progress.
    s.handle_reply(heartbeat(), now);
    s.handle_reply(scalar(2, 42.0), now);
    s.handle_reply(heartbeat(), now);
    s.handle_reply(
        Reply::ScalarArray(ScalarArrayReply {
            ref_id: 3,
            timestamp: 0,
            cycle: 0,
            status: Status::OK,
            data: vec![0.0, 0.5],
        }),
        now,
    );
    assert!(events(&mut s).is_empty());
    assert!(s.is_reading());
    s.handle_reply(info(1, "M:OUTTMP", Some("DegF")), now);
    s.handle_reply(scalar(1, 72.5), now);
    let done = one_done(&mut s);
    assert!(done.reusable);
    assert_eq!(value(&done.results[0]), Some(Value::Scalar(72.5)));
    assert_eq!(value(&done.results[1]), Some(Value::Scalar(42.0)));
    assert_eq!(value(&done.results[2]), Some(Value::Array(vec![0.0, 0.5])));
    let r0 = done.results[0].as_ref().unwrap();
    assert_eq!(&*r0.drf, "M:OUTTMP");
    assert_eq!(r0.units(), Some("DegF"));
    assert_eq!(r0.cycle, Some(7));
    assert_eq!(r0.timestamp, time_from_millis(1_718_100_000_123));
    assert!(done.results[1].as_ref().unwrap().meta.is_none());
    // Reuse: StopList + ClearList queued, nothing awaited.
    let tx = drain(&mut s);
    assert!(matches!(
        tx.as_slice(),
        [Request::StopList(_), Request::ClearList(_)]
    ));
    assert!(!s.is_reading());
    assert_eq!(s.entry_count(), 0);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn ref_ids_are_never_reused_and_stale_replies_are_ignored() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP"]), now + secs(5));
    drain(&mut s);
    s.handle_reply(scalar(1, 1.0), now);
    one_done(&mut s);
    drain(&mut s);
    s.start_read(prep(&["M:OUTTMP", "G:AMANDA"]), now + secs(5));
    let refs: Vec<i64> = drain(&mut s)
        .iter()
        .filter_map(|r| match r {
            Request::AddToList(a) => Some(a.ref_id),
            _ => None,
        })
        .collect();
    assert_eq!(refs, [2, 3]);
    // A late reply for ref 1 belongs to the previous read: ignored.
    s.handle_reply(scalar(1, 99.0), now);
    s.handle_reply(scalar(77, 99.0), now);
    s.handle_reply(info(1, "X", None), now);
    assert!(events(&mut s).is_empty());
    s.handle_reply(scalar(2, 5.0), now);
    s.handle_reply(scalar(3, 6.0), now);
    let done = one_done(&mut s);
    assert_eq!(value(&done.results[0]), Some(Value::Scalar(5.0)));
}

#[test]
fn status_replies_resolve_as_device_errors_and_warnings_too() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(
        prep(&["Z:NOPE", "Z:SLOW", "M:OUTTMP", "Z:BAD"]),
        now + secs(5),
    );
    drain(&mut s);
    s.handle_reply(status(1, NO_SUCH_DEVICE), now);
    s.handle_reply(status(2, PEND), now);
    // AddToList accepted: ignored; rejected: resolves.
    s.handle_reply(
        Reply::AddToList(AddToListReply {
            list_id: LIST,
            ref_id: 3,
            status: Status::OK,
        }),
        now,
    );
    s.handle_reply(
        Reply::AddToList(AddToListReply {
            list_id: LIST,
            ref_id: 4,
            status: Status::new(17, -24),
        }),
        now,
    );
    assert!(events(&mut s).is_empty());
    s.handle_reply(scalar(3, 72.5), now);
    // Duplicate answers for a resolved ref change nothing.
    let done = one_done(&mut s);
    assert_eq!(
        done.results[0],
        Err(Error::device("Z:NOPE", NO_SUCH_DEVICE).with_transport(Transport::Dpm))
    );
    assert_eq!(
        done.results[1],
        Err(Error::device("Z:SLOW", PEND).with_transport(Transport::Dpm))
    );
    assert!(
        matches!(&done.results[3], Err(err) if err.kind() == ErrorKind::Device && err.status().unwrap_or_default() == Status::new(17, -24))
    );
    // Device errors are answers: the connection is still reusable.
    assert!(done.reusable);
}

#[test]
fn first_answer_wins_and_repeating_events_forbid_reuse() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP@p,100", "G:AMANDA"]), now + secs(5));
    let tx = drain(&mut s);
    assert!(matches!(&tx[0], Request::AddToList(a) if a.drf_request == "M:OUTTMP@p,100"));
    s.handle_reply(scalar(1, 1.0), now);
    s.handle_reply(scalar(1, 2.0), now);
    s.handle_reply(status(1, NO_SUCH_DEVICE), now);
    s.handle_reply(scalar(2, 3.0), now);
    let done = one_done(&mut s);
    assert_eq!(value(&done.results[0]), Some(Value::Scalar(1.0)));
    assert!(!done.reusable);
    assert!(
        drain(&mut s).is_empty(),
        "no StopList/ClearList: the connection is closed"
    );
}

#[test]
fn never_event_reads_are_refused_up_front() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP@N", "G:AMANDA"]), now + secs(5));
    let tx = drain(&mut s);
    assert!(
        matches!(&tx[0], Request::AddToList(a) if a.ref_id == 1 && a.drf_request == "G:AMANDA.READING@I")
    );
    s.handle_reply(scalar(1, 42.0), now);
    let done = one_done(&mut s);
    assert!(
        matches!(&done.results[0], Err(err) if err.kind() == ErrorKind::Unsupported && err.drf().unwrap_or_default() == "M:OUTTMP@N")
    );
    assert!(done.reusable);
}

#[test]
fn invalid_requests_keep_their_error_and_are_not_sent() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP@Q,X", "G:AMANDA"]), now + secs(5));
    let tx = drain(&mut s);
    assert_eq!(tx.len(), 2);
    assert!(
        matches!(&tx[0], Request::AddToList(a) if a.ref_id == 1 && a.drf_request == "G:AMANDA.READING@I")
    );
    s.handle_reply(scalar(1, 42.0), now);
    let done = one_done(&mut s);
    assert!(
        matches!(&done.results[0], Err(err) if err.kind() == ErrorKind::InvalidRequest && err.drf().unwrap_or_default() == "M:OUTTMP@Q,X")
    );
    assert_eq!(value(&done.results[1]), Some(Value::Scalar(42.0)));

    // All invalid: done at once, nothing sent.
    s.start_read(prep(&["", "::"]), now + secs(5));
    let done = one_done(&mut s);
    assert_eq!(done.results.len(), 2);
    assert!(
        done.results
            .iter()
            .all(|r| matches!(&r, Err(err) if err.kind() == ErrorKind::InvalidRequest))
    );
    assert!(
        !drain(&mut s)
            .iter()
            .any(|r| matches!(r, Request::AddToList(_)))
    );
}

#[test]
fn deadline_times_out_unresolved_refs_only() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    let deadline = now + secs(5);
    s.start_read(prep(&["M:OUTTMP", "Z:NEVER"]), deadline);
    drain(&mut s);
    assert_eq!(s.poll_timeout(), Some(deadline));
    s.handle_reply(scalar(1, 72.5), now);
    s.handle_timeout(now + secs(4));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(deadline);
    let done = one_done(&mut s);
    assert_eq!(value(&done.results[0]), Some(Value::Scalar(72.5)));
    assert!(
        matches!(&done.results[1], Err(err) if err.kind() == ErrorKind::Timeout && err.detail().contains("Z:NEVER"))
    );
    assert!(!done.reusable);
    assert!(drain(&mut s).is_empty());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn connection_loss_fails_unresolved_refs() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP", "G:AMANDA"]), now + secs(5));
    drain(&mut s);
    s.handle_reply(scalar(2, 42.0), now);
    s.connection_lost("EOF");
    let done = one_done(&mut s);
    assert!(
        matches!(&done.results[0], Err(err) if err.kind() == ErrorKind::ConnectionLost && err.detail() == "EOF")
    );
    assert_eq!(value(&done.results[1]), Some(Value::Scalar(42.0)));
    assert!(!done.reusable);
    // Nothing in progress: nothing to report.
    s.connection_lost("again");
    assert!(events(&mut s).is_empty());
}

#[test]
fn list_level_failures_fail_every_unresolved_ref() {
    for failure in [
        status(0, Status::new(17, -9)),
        Reply::StartList(StartListReply {
            list_id: LIST,
            status: Status::new(17, -9),
        }),
    ] {
        let now = t0();
        let mut s = Session::new(LIST, now);
        s.start_read(prep(&["M:OUTTMP", "G:AMANDA"]), now + secs(5));
        drain(&mut s);
        // Acknowledgements are ignored.
        s.handle_reply(status(0, Status::OK), now);
        s.handle_reply(
            Reply::StartList(StartListReply {
                list_id: LIST,
                status: Status::OK,
            }),
            now,
        );
        s.handle_reply(scalar(1, 72.5), now);
        assert!(events(&mut s).is_empty());
        s.handle_reply(failure, now);
        let done = one_done(&mut s);
        assert_eq!(value(&done.results[0]), Some(Value::Scalar(72.5)));
        assert_eq!(
            done.results[1],
            Err(Error::list_failed(Status::new(17, -9)).with_transport(Transport::Dpm))
        );
        assert!(!done.reusable);
    }
}

#[test]
fn scalar_history_concatenates_chunks_until_the_empty_marker() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(
        prep(&["M:OUTTMP<-LOGGER:1000:5000", "G:AMANDA"]),
        now + secs(5),
    );
    let tx = drain(&mut s);
    // No @I on a historical request.
    assert!(
        matches!(&tx[0], Request::AddToList(a) if a.drf_request == "M:OUTTMP<-LOGGER:1000:5000")
    );
    s.handle_reply(info(1, "M:OUTTMP", Some("DegF")), now);
    s.handle_reply(
        tsa(1, &[1.0, 2.0], &[1_000_000, 2_000_000], Status::OK),
        now,
    );
    s.handle_reply(scalar(2, 42.0), now);
    s.handle_reply(tsa(1, &[3.0], &[3_000_000], Status::OK), now);
    assert!(events(&mut s).is_empty());
    s.handle_reply(tsa(1, &[], &[], Status::OK), now);
    let done = one_done(&mut s);
    let r = done.results[0].as_ref().unwrap();
    assert_eq!(
        r.value,
        Some(Value::TimedArray(TimedArray {
            data: vec![1.0, 2.0, 3.0],
            micros: vec![1_000_000, 2_000_000, 3_000_000]
        }))
    );
    assert_eq!(r.units(), Some("DegF"));
    assert!(
        !done.reusable,
        "chunked history never reuses the connection"
    );
}

#[test]
fn history_end_marker_with_status_is_an_error_and_status_ends_it() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(
        prep(&["M:OUTTMP<-LOGGERDURATION:1000", "G:AMANDA<-LOGGER:1:2"]),
        now + secs(5),
    );
    drain(&mut s);
    s.handle_reply(tsa(1, &[], &[], DAE_NO_DATA), now);
    s.handle_reply(tsa(2, &[1.0], &[5], Status::OK), now);
    s.handle_reply(status(2, Status::new(17, -42)), now);
    let done = one_done(&mut s);
    assert_eq!(
        done.results[0],
        Err(Error::device("M:OUTTMP<-LOGGERDURATION:1000", DAE_NO_DATA)
            .with_transport(Transport::Dpm))
    );
    assert!(
        matches!(&done.results[1], Err(err) if err.kind() == ErrorKind::Device && err.status().unwrap_or_default() == Status::new(17, -42))
    );
}

#[test]
fn array_history_repeats_each_record_time_per_element() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["Z:ACLTST<-LOGGER:1000:3000"]), now + secs(5));
    drain(&mut s);
    let record = |data: Vec<f64>, micros: i64| {
        Reply::ScalarArray(ScalarArrayReply {
            ref_id: 1,
            timestamp: micros,
            cycle: 0,
            status: Status::OK,
            data,
        })
    };
    s.handle_reply(record(vec![0.0, 0.5], 1_000_000), now);
    s.handle_reply(record(vec![1.0, 1.5], 2_000_000), now);
    s.handle_reply(record(vec![], 0), now);
    let done = one_done(&mut s);
    assert_eq!(
        value(&done.results[0]),
        Some(Value::TimedArray(TimedArray {
            data: vec![0.0, 0.5, 1.0, 1.5],
            micros: vec![1_000_000, 1_000_000, 2_000_000, 2_000_000]
        }))
    );
}

#[test]
fn logger_single_is_one_ordinary_reply_and_reusable() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP<-LOGGERSINGLE:1000"]), now + secs(5));
    let tx = drain(&mut s);
    assert!(
        matches!(&tx[0], Request::AddToList(a) if a.drf_request == "M:OUTTMP<-LOGGERSINGLE:1000")
    );
    s.handle_reply(scalar(1, 70.0), now);
    let done = one_done(&mut s);
    assert_eq!(value(&done.results[0]), Some(Value::Scalar(70.0)));
    assert!(done.reusable);
}

#[test]
fn stream_samples_carry_the_latest_metadata() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    let refs = s.subscribe([Arc::from("M:OUTTMP@p,1000"), Arc::from("Z:NOPE@p,1000")]);
    s.start();
    assert_eq!(refs, [1, 2]);
    let tx = drain(&mut s);
    assert!(matches!(&tx[0], Request::AddToList(a) if a.drf_request == "M:OUTTMP@p,1000"));
    assert!(matches!(&tx[2], Request::StartList(_)));
    s.handle_reply(scalar(1, 1.0), now);
    s.handle_reply(info(1, "M:OUTTMP", Some("DegF")), now);
    s.handle_reply(scalar(1, 2.0), now);
    s.handle_reply(info(1, "M:OUTTMP", Some("DegC")), now);
    s.handle_reply(scalar(1, 3.0), now);
    s.handle_reply(status(2, NO_SUCH_DEVICE), now);
    s.handle_reply(scalar(9, 3.0), now);
    let evs = events(&mut s);
    let units: Vec<Option<String>> = evs
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Sample(r) => Some(r.units().map(str::to_owned)),
            _ => None,
        })
        .collect();
    assert_eq!(units, [None, Some("DegF".into()), Some("DegC".into())]);
    assert_eq!(
        evs.last(),
        Some(&SessionEvent::EntryError {
            drf: Arc::from("Z:NOPE@p,1000"),
            status: NO_SUCH_DEVICE
        })
    );
    // A list failure ends a subscription.
    s.handle_reply(status(0, Status::new(17, -9)), now);
    assert_eq!(
        events(&mut s),
        [SessionEvent::ListFailed(Status::new(17, -9))]
    );
}

#[test]
fn editing_a_live_list_stops_edits_and_restarts() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.subscribe([
        Arc::from("A:ONE@p,10"),
        Arc::from("B:TWO@p,10"),
        Arc::from("A:ONE@p,10"),
    ]);
    s.start();
    drain(&mut s);
    s.edit([Arc::from("C:THREE@p,10")], &["A:ONE@p,10"]);
    let names: Vec<String> = drain(&mut s)
        .iter()
        .map(|r| match r {
            Request::RemoveFromList(m) => format!("Remove {}", m.ref_id),
            Request::AddToList(m) => format!("Add {} {}", m.ref_id, m.drf_request),
            other => other.name().to_string(),
        })
        .collect();
    assert_eq!(
        names,
        [
            "StopList",
            "Remove 1",
            "Remove 3",
            "Add 4 C:THREE@p,10",
            "StartList"
        ]
    );
    assert_eq!(s.entry_count(), 2);
    s.handle_reply(scalar(1, 1.0), now);
    assert!(events(&mut s).is_empty(), "removed refs are unknown");
    assert_eq!(s.unsubscribe("nothing"), 0);
}

#[test]
fn watchdog_fires_once_after_a_silent_window() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.set_liveness(Some(secs(10)));
    s.subscribe([Arc::from("M:OUTTMP@p,1000")]);
    s.start();
    assert_eq!(s.poll_timeout(), Some(now + secs(10)));
    s.handle_reply(heartbeat(), now + secs(3));
    assert_eq!(s.poll_timeout(), Some(now + secs(13)));
    s.handle_timeout(now + secs(12));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(now + secs(14));
    assert_eq!(
        events(&mut s),
        [SessionEvent::Dead {
            silent_for: secs(11)
        }]
    );
    assert!(s.is_dead());
    assert_eq!(s.poll_timeout(), None);
    s.handle_timeout(now + secs(30));
    assert!(events(&mut s).is_empty());
}

#[test]
fn every_reply_kind_becomes_its_value() {
    let drf: Arc<str> = Arc::from("X");
    let cases = [
        (
            Reply::Raw(RawReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                status: Status::OK,
                data: vec![1, 2],
            }),
            Value::Raw(vec![1, 2]),
        ),
        (
            Reply::Text(TextReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                status: Status::OK,
                data: "hi".into(),
            }),
            Value::Text("hi".into()),
        ),
        (
            Reply::TextArray(TextArrayReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                status: Status::OK,
                data: vec!["a".into()],
            }),
            Value::TextArray(vec!["a".into()]),
        ),
        (tsa(1, &[1.0], &[], Status::OK), Value::Array(vec![1.0])),
        (
            tsa(1, &[1.0], &[9], Status::OK),
            Value::TimedArray(TimedArray {
                data: vec![1.0],
                micros: vec![9],
            }),
        ),
        (
            Reply::AnalogAlarm(AnalogAlarmReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                minimum: 0.0,
                maximum: 1.0,
                alarm_enable: true,
                alarm_status: false,
                abort: false,
                abort_inhibit: true,
                tries_needed: 2,
                tries_now: 1,
            }),
            Value::AnalogAlarm(AnalogAlarm {
                minimum: 0.0,
                maximum: 1.0,
                alarm_enable: true,
                alarm_status: false,
                abort: false,
                abort_inhibit: true,
                tries_needed: 2,
                tries_now: 1,
            }),
        ),
        (
            Reply::DigitalAlarm(DigitalAlarmReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                nominal: 3,
                mask: 7,
                alarm_enable: false,
                alarm_status: true,
                abort: true,
                abort_inhibit: false,
                tries_needed: 1,
                tries_now: 0,
            }),
            Value::DigitalAlarm(DigitalAlarm {
                nominal: 3,
                mask: 7,
                alarm_enable: false,
                alarm_status: true,
                abort: true,
                abort_inhibit: false,
                tries_needed: 1,
                tries_now: 0,
            }),
        ),
        (
            Reply::BasicStatus(BasicStatusReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                on: Some(true),
                ready: None,
                remote: Some(false),
                positive: None,
                ramp: None,
            }),
            Value::BasicStatus(BasicStatus {
                on: Some(true),
                remote: Some(false),
                ..BasicStatus::default()
            }),
        ),
    ];
    for (reply, expected) in cases {
        let r = to_reading(&drf, None, reply);
        assert_eq!(r.value, Some(expected));
        assert_eq!(r.timestamp, None, "timestamp 0 means none");
        assert!(r.ok());
    }
}

#[test]
fn a_new_read_replaces_an_unfinished_one() {
    let now = t0();
    let mut s = Session::new(LIST, now);
    s.start_read(prep(&["M:OUTTMP"]), now + secs(5));
    s.start_read(prep(&["G:AMANDA"]), now + secs(5));
    let evs = events(&mut s);
    assert!(
        matches!(&evs[..], [SessionEvent::ReadDone(d)] if matches!(&d.results[0], Err(err) if err.kind() == ErrorKind::ConnectionLost))
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the order of replies, and whatever noise is mixed in (heartbeats,
        /// acknowledgements, stale refs, duplicates), every ref resolves to its own value, in
        /// input order, exactly once.
        #[test]
        fn any_order_and_noise_resolve_every_ref(n in 1usize..60, seed in any::<u64>(), noise in 0usize..40) {
            let now = t0();
            let mut s = Session::new(LIST, now);
            let drfs: Vec<String> = (0..n).map(|i| format!("Z:BENCH{i:04}")).collect();
            let drf_refs: Vec<&str> = drfs.iter().map(String::as_str).collect();
            s.start_read(prep(&drf_refs), now + secs(5));
            drain(&mut s);
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut replies = Vec::new();
            for (i, drf) in drfs.iter().enumerate() {
                let r = i as i64 + 1;
                replies.push(scalar(r, i as f64));
                if rng.bool() {
                    replies.push(info(r, drf, Some("cnt")));
                }
            }
            for _ in 0..noise {
                replies.push(match rng.u8(0..5) {
                    0 => heartbeat(),
                    1 => status(0, Status::OK),
                    2 => scalar(rng.i64(1_000..2_000), -1.0),
                    3 => Reply::AddToList(AddToListReply { list_id: LIST, ref_id: rng.i64(1..=n as i64), status: Status::OK }),
                    _ => status(rng.i64(1_000..2_000), NO_SUCH_DEVICE),
                });
            }
            rng.shuffle(&mut replies);
            // Duplicates after the first answer change nothing.
            for i in 0..n.min(noise) {
                replies.push(scalar(i as i64 + 1, -5.0));
            }
            for r in replies {
                s.handle_reply(r, now);
            }
            let evs = events(&mut s);
            prop_assert_eq!(evs.len(), 1);
            let SessionEvent::ReadDone(done) = &evs[0] else { panic!("{evs:?}") };
            prop_assert!(done.reusable);
            for (i, r) in done.results.iter().enumerate() {
                prop_assert_eq!(value(r), Some(Value::Scalar(i as f64)));
            }
        }
    }
}
