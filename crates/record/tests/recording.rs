//! Recording to Parquet and reading back: round trips of every event kind, crash leftovers,
//! group closing, refusing to overwrite, bad files.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pacsys_record::{
    ColumnKind, ColumnValues, RecordError, RecordOptions, Recorder, Recording, read_columns,
    read_events,
};
use pacsys_types::{
    AnalogAlarm, BasicStatus, DeviceMeta, DigitalAlarm, Event, Reading, Status, TimedArray, Value,
};
use proptest::prelude::*;

/// A fresh path under the temp directory, removed when dropped.
struct TempPath(PathBuf);

impl TempPath {
    fn new(what: &str) -> TempPath {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        TempPath(std::env::temp_dir().join(format!(
            "pacsys-record-{what}-{}-{nanos}-{n}.parquet",
            std::process::id()
        )))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
        let _ = fs::remove_file(&self.0);
    }
}

fn at(ns: i64) -> SystemTime {
    if ns >= 0 {
        UNIX_EPOCH + Duration::from_nanos(ns as u64)
    } else {
        UNIX_EPOCH - Duration::from_nanos(ns.unsigned_abs())
    }
}

fn scalar(drf: &str, x: f64) -> Event {
    Event::Reading(
        Reading::new(Arc::from(drf), Status::OK)
            .with_value(Value::Scalar(x))
            .with_timestamp(Some(at(1_700_000_000_000_000_000))),
    )
}

/// The part files of a dataset, by name.
fn parts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("part-"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Waits (up to 10 s) until `dir` holds `n` parts.
fn wait_for_parts(dir: &Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let names = parts(dir);
        if names.len() >= n || Instant::now() > deadline {
            return names;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn events_of(back: &[pacsys_record::RecordedEvent]) -> Vec<Event> {
    back.iter().map(|e| e.event.clone()).collect()
}

// ---- proptest round trip -------------------------------------------------------------

fn drf() -> impl Strategy<Value = Arc<str>> {
    "[A-Z]:[A-Z0-9_]{1,8}(@p,[0-9]{1,4})?(\\[[0-9]:[0-9]\\])?".prop_map(Arc::from)
}

fn time() -> impl Strategy<Value = SystemTime> {
    (-4_000_000_000_000_000_000i64..4_000_000_000_000_000_000).prop_map(at)
}

fn duration() -> impl Strategy<Value = Duration> {
    (0..i64::MAX as u64).prop_map(Duration::from_nanos)
}

fn float() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("NaN is not equal to itself", |x| !x.is_nan())
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        float().prop_map(Value::Scalar),
        prop::collection::vec(float(), 0..5).prop_map(Value::Array),
        prop::collection::vec(any::<u8>(), 0..9).prop_map(Value::Raw),
        ".{0,12}".prop_map(Value::Text),
        prop::collection::vec(".{0,6}", 0..4).prop_map(Value::TextArray),
        // An empty logger array is one row (non-empty ones expand: tested apart).
        Just(Value::TimedArray(TimedArray::default())),
        (
            float(),
            float(),
            any::<[bool; 4]>(),
            any::<i32>(),
            any::<i32>()
        )
            .prop_map(
                |(minimum, maximum, b, tries_needed, tries_now)| Value::AnalogAlarm(AnalogAlarm {
                    minimum,
                    maximum,
                    alarm_enable: b[0],
                    alarm_status: b[1],
                    abort: b[2],
                    abort_inhibit: b[3],
                    tries_needed,
                    tries_now,
                })
            ),
        (
            any::<i32>(),
            any::<i32>(),
            any::<[bool; 4]>(),
            any::<i32>(),
            any::<i32>()
        )
            .prop_map(
                |(nominal, mask, b, tries_needed, tries_now)| Value::DigitalAlarm(DigitalAlarm {
                    nominal,
                    mask,
                    alarm_enable: b[0],
                    alarm_status: b[1],
                    abort: b[2],
                    abort_inhibit: b[3],
                    tries_needed,
                    tries_now,
                })
            ),
        any::<[Option<bool>; 5]>().prop_map(|b| Value::BasicStatus(BasicStatus {
            on: b[0],
            ready: b[1],
            remote: b[2],
            positive: b[3],
            ramp: b[4],
        })),
    ]
}

fn meta() -> impl Strategy<Value = Option<Arc<DeviceMeta>>> {
    prop::option::of(
        (
            "[A-Z]:[A-Z0-9]{1,8}",
            any::<i32>(),
            prop::option::of("[A-Za-z/]{0,5}"),
        )
            .prop_map(|(name, device_index, units)| {
                Arc::new(DeviceMeta {
                    device_index,
                    name,
                    description: String::new(),
                    units,
                    format_hint: None,
                })
            }),
    )
}

fn reading() -> impl Strategy<Value = Reading> {
    (
        drf(),
        any::<i16>(),
        prop::option::of(value()),
        prop::option::of(time()),
        prop::option::of(any::<i64>()),
        meta(),
    )
        .prop_map(|(drf, status, value, timestamp, cycle, meta)| {
            let mut r = Reading::new(drf, Status::from_raw(status))
                .with_timestamp(timestamp)
                .with_cycle(cycle)
                .with_meta(meta);
            r.value = value;
            r
        })
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => reading().prop_map(Event::Reading),
        1 => (drf(), any::<i16>()).prop_map(|(drf, s)| Event::Error { drf, status: Status::from_raw(s) }),
        1 => ".{0,20}".prop_map(|reason| Event::Disconnected { reason }),
        1 => duration().prop_map(|gap| Event::Reconnected { gap }),
        1 => any::<u64>().prop_map(|count| Event::Dropped { count }),
        1 => (drf(), duration()).prop_map(|(drf, silent_for)| Event::Stale { drf, silent_for }),
        1 => (drf(), duration()).prop_map(|(drf, silent_for)| Event::Fresh { drf, silent_for }),
        1 => (drf(), time(), time(), ".{0,20}").prop_map(|(drf, from, to, reason)| Event::Gap {
            drf,
            from,
            to,
            reason
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_event_round_trips_through_a_dataset(
        events in prop::collection::vec((event(), time()), 0..40),
        group_rows in 1usize..20,
    ) {
        let dir = TempPath::new("prop");
        let mut recorder = Recorder::create(&dir.0, RecordOptions::default()
            .group_rows(group_rows)
            // Groups by rows only (the received times are random).
            .group_interval(Duration::MAX))?;
        for (event, received) in &events {
            recorder.write_at(event, *received)?;
        }
        let stats = recorder.finish()?;
        prop_assert_eq!(stats.rows, events.len() as u64);
        prop_assert_eq!(stats.groups as usize, events.len().div_ceil(group_rows));
        let back = read_events(&dir.0)?;
        prop_assert_eq!(back.len(), events.len());
        for (i, (got, (event, received))) in back.iter().zip(&events).enumerate() {
            prop_assert_eq!(got.seq, i as u64);
            prop_assert_eq!(got.received, *received);
            prop_assert_eq!(&got.event, event);
        }
    }

    #[test]
    fn every_event_round_trips_through_one_file(events in prop::collection::vec(event(), 0..30)) {
        let file = TempPath::new("prop-file");
        let out = fs::File::create(&file.0)?;
        let mut recorder = Recorder::to_writer(out, RecordOptions::default().group_rows(7))?;
        for event in &events {
            recorder.write(event)?;
        }
        let stats = recorder.finish()?;
        prop_assert_eq!(stats.bytes, fs::metadata(&file.0)?.len());
        let back = read_events(&file.0)?;
        prop_assert_eq!(events_of(&back), events);
    }
}

/// The column `name` of `columns`.
fn column<'a>(columns: &'a [pacsys_record::Column], name: &str) -> &'a ColumnValues {
    &columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .values
}

/// The number of rows a column holds.
fn rows_of(values: &ColumnValues) -> usize {
    match values {
        ColumnValues::U64(n) => n.values.len(),
        ColumnValues::Timestamp(n) | ColumnValues::I64(n) => n.values.len(),
        ColumnValues::I16(n) => n.values.len(),
        ColumnValues::I32(n) => n.values.len(),
        ColumnValues::F64(n) => n.values.len(),
        ColumnValues::Bool(n) => n.values.len(),
        ColumnValues::Str(v) => v.len(),
        ColumnValues::Dict(d) => d.codes.len(),
        ColumnValues::Bytes(v) => v.len(),
        ColumnValues::F64List(v) => v.len(),
        ColumnValues::StrList(v) => v.len(),
        other => panic!("a column kind this test does not know: {other:?}"),
    }
}

/// Row `i` of a dictionary column.
fn dict_at(values: &ColumnValues, i: usize) -> Option<&str> {
    let ColumnValues::Dict(d) = values else {
        panic!("not a dictionary column: {values:?}")
    };
    usize::try_from(d.codes[i])
        .ok()
        .map(|c| d.names[c].as_str())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn columns_read_back_what_the_events_were(
        events in prop::collection::vec(event(), 0..40),
        group_rows in 1usize..20,
    ) {
        let dir = TempPath::new("prop-columns");
        let mut recorder = Recorder::create(&dir.0, RecordOptions::default()
            .group_rows(group_rows)
            .group_interval(Duration::MAX))?;
        for event in &events {
            recorder.write(event)?;
        }
        recorder.finish()?;
        let back = read_events(&dir.0)?;
        let columns = read_columns(&dir.0)?;
        let schema = pacsys_record::schema();
        prop_assert_eq!(
            columns.iter().map(|c| c.name).collect::<Vec<_>>(),
            schema.root_schema().get_fields().iter().map(|f| f.name()).collect::<Vec<_>>()
        );
        for c in &columns {
            prop_assert_eq!(rows_of(&c.values), back.len(), "{}", c.name);
        }
        let ColumnValues::U64(seq) = column(&columns, "seq") else { panic!("seq") };
        prop_assert_eq!(&seq.values, &(0..back.len() as u64).collect::<Vec<_>>());
        let ColumnValues::F64(value) = column(&columns, "value") else { panic!("value") };
        let kinds = column(&columns, "kind");
        let drfs = column(&columns, "drf");
        for (i, e) in back.iter().enumerate() {
            prop_assert_eq!(dict_at(kinds, i), Some(e.event.kind()));
            match &e.event {
                Event::Reading(r) => {
                    prop_assert_eq!(dict_at(drfs, i), Some(&*r.drf));
                    let scalar = match r.value { Some(Value::Scalar(x)) => Some(x), _ => None };
                    prop_assert_eq!(value.valid[i], scalar.is_some());
                    if let Some(x) = scalar {
                        prop_assert!(value.values[i] == x || (x.is_nan() && value.values[i].is_nan()));
                    }
                }
                Event::Error { drf, .. } => prop_assert_eq!(dict_at(drfs, i), Some(&**drf)),
                _ => {}
            }
        }
    }
}

#[test]
fn columns_come_back_in_seq_order_and_out_of_range_values_are_named() {
    // Rows stored out of seq order (a recording merged by hand) are put in order.
    let file = TempPath::new("columns-order");
    write_parquet(
        &file.0,
        &format!(
            "message m {{ {HEAD} required binary kind (STRING); optional int64 count (INTEGER(64, false)); }}"
        ),
        vec![
            Data::I64(vec![2, 0, 1], None),
            Data::I64(vec![5, 6, 7], None),
            Data::Str(vec!["dropped", "dropped", "dropped"], None),
            Data::I64(vec![20, 0, 10], Some(vec![1, 1, 1])),
        ],
    );
    let columns = read_columns(&file.0).expect("readable");
    let ColumnValues::U64(count) = column(&columns, "count") else {
        panic!("count")
    };
    assert_eq!(count.values, [0, 10, 20]);
    let ColumnValues::Timestamp(received) = column(&columns, "received") else {
        panic!("received")
    };
    assert_eq!(received.values, [6, 7, 5]);
    // A column the file lacks is all null.
    let ColumnValues::F64(value) = column(&columns, "value") else {
        panic!("value")
    };
    assert_eq!(value.valid, [false, false, false]);
    assert_eq!(
        columns
            .iter()
            .find(|c| c.name == "facility")
            .map(|c| c.kind),
        Some(ColumnKind::I16)
    );

    // A 16-bit column holding a larger number: an error naming the row and the column.
    write_parquet(
        &file.0,
        &format!(
            "message m {{ {HEAD} required binary kind (STRING); optional int32 facility (INTEGER(16, true)); }}"
        ),
        vec![
            Data::I64(vec![0, 1], None),
            Data::I64(vec![5, 6], None),
            Data::Str(vec!["error", "error"], None),
            Data::I32(vec![1, 70_000], Some(vec![1, 1])),
        ],
    );
    let err = read_columns(&file.0).expect_err("out of range");
    assert!(
        matches!(&err, RecordError::Corrupt { row: 1, column, reason, .. }
            if column == "facility" && reason.contains("70000")),
        "{err}"
    );
    // Not a recording at all: the schema error read_events gives.
    write_parquet(
        &file.0,
        "message m { required int64 x; }",
        vec![Data::I64(vec![1], None)],
    );
    assert!(matches!(
        read_columns(&file.0),
        Err(RecordError::Schema { column, .. }) if column == "seq"
    ));
}

// ---- the expansion of logger arrays --------------------------------------------------

#[test]
fn timed_arrays_come_back_as_one_scalar_reading_per_point() -> Result<(), RecordError> {
    let dir = TempPath::new("timed");
    let meta = Arc::new(DeviceMeta {
        device_index: 7,
        name: "M:OUTTMP".into(),
        description: String::new(),
        units: Some("DegF".into()),
        format_hint: None,
    });
    let timed = Reading::new(Arc::from("M:OUTTMP@p,1000"), Status::OK)
        .with_value(Value::TimedArray(TimedArray {
            data: vec![1.0, 2.0],
            micros: vec![1_000_000, 2_000_000],
        }))
        .with_meta(Some(meta.clone()));
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default())?;
    recorder.write(&Event::Reading(timed))?;
    recorder.write(&Event::Dropped { count: 1 })?;
    let stats = recorder.finish()?;
    assert_eq!((stats.rows, stats.readings), (3, 2));
    let back = read_events(&dir.0)?;
    let point = |x: f64, s: u64| {
        Event::Reading(
            Reading::new(Arc::from("M:OUTTMP@p,1000"), Status::OK)
                .with_value(Value::Scalar(x))
                .with_timestamp(Some(UNIX_EPOCH + Duration::from_secs(s)))
                .with_meta(Some(meta.clone())),
        )
    };
    assert_eq!(
        events_of(&back),
        vec![point(1.0, 1), point(2.0, 2), Event::Dropped { count: 1 }]
    );
    assert_eq!(back.iter().map(|e| e.seq).collect::<Vec<_>>(), [0, 1, 2]);
    Ok(())
}

// ---- crash safety --------------------------------------------------------------------

#[test]
fn leftover_and_truncated_temp_files_are_ignored() -> Result<(), RecordError> {
    let dir = TempPath::new("leftover");
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default().group_rows(2))?;
    for i in 0..5 {
        recorder.write(&scalar("M:OUTTMP", f64::from(i)))?;
    }
    recorder.finish()?;
    // What a SIGKILL in the middle of writing part 3 leaves: a truncated temporary file.
    let complete = fs::read(dir.0.join("part-000000.parquet")).expect("part 0");
    fs::write(
        dir.0.join(".part-000003.parquet.tmp"),
        &complete[..complete.len() / 2],
    )
    .expect("write");
    fs::write(dir.0.join(".part-000004.parquet.tmp"), b"").expect("write");
    fs::write(dir.0.join("_SUCCESS"), b"").expect("write");
    let back = read_events(&dir.0)?;
    assert_eq!(back.len(), 5);
    assert_eq!(Recording::open(&dir.0)?.files().len(), 3);
    Ok(())
}

#[test]
fn dropping_a_recorder_leaves_its_closed_parts_readable() -> Result<(), RecordError> {
    let dir = TempPath::new("drop");
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default().group_rows(3))?;
    for i in 0..7 {
        recorder.write(&scalar("Z:ACLTST", f64::from(i)))?;
    }
    // Two groups closed; the third (one row) is open.
    assert_eq!(wait_for_parts(&dir.0, 2).len(), 2);
    let closed = read_events(&dir.0)?;
    assert_eq!(closed.len(), 6, "the closed parts read while recording");
    drop(recorder);
    // The drop closed the open group too (best effort).
    let back = read_events(&dir.0)?;
    assert_eq!(back.len(), 7);
    assert_eq!(parts(&dir.0).len(), 3);
    Ok(())
}

#[test]
fn a_dropped_file_recorder_still_writes_its_footer() -> Result<(), RecordError> {
    let file = TempPath::new("drop-file");
    let out = fs::File::create(&file.0).expect("create");
    let mut recorder = Recorder::to_writer(out, RecordOptions::default())?;
    recorder.write(&scalar("M:OUTTMP", 1.0))?;
    drop(recorder);
    assert_eq!(read_events(&file.0)?.len(), 1);
    Ok(())
}

#[test]
fn an_empty_recording_has_one_empty_part() -> Result<(), RecordError> {
    let dir = TempPath::new("empty");
    let stats = Recorder::create(&dir.0, RecordOptions::default())?.finish()?;
    assert_eq!((stats.rows, stats.groups), (0, 0));
    assert!(stats.bytes > 0);
    assert_eq!(parts(&dir.0), ["part-000000.parquet"]);
    assert!(read_events(&dir.0)?.is_empty());
    Ok(())
}

// ---- group closing -------------------------------------------------------------------

#[test]
fn groups_close_by_rows() -> Result<(), RecordError> {
    let dir = TempPath::new("rows");
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default().group_rows(4))?;
    for i in 0..10 {
        recorder.write(&scalar("M:OUTTMP", f64::from(i)))?;
    }
    assert_eq!(recorder.stats().groups, 2);
    assert_eq!(wait_for_parts(&dir.0, 2).len(), 2);
    let stats = recorder.finish()?;
    assert_eq!((stats.rows, stats.readings, stats.groups), (10, 10, 3));
    assert_eq!(
        parts(&dir.0),
        [
            "part-000000.parquet",
            "part-000001.parquet",
            "part-000002.parquet"
        ]
    );
    let back = read_events(&dir.0)?;
    assert_eq!(
        back.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn groups_close_by_received_time_on_write() -> Result<(), RecordError> {
    let dir = TempPath::new("interval");
    let options = RecordOptions::default().group_interval(Duration::from_secs(1));
    let mut recorder = Recorder::create(&dir.0, options)?;
    let t0 = at(1_000_000_000_000_000_000);
    recorder.write_at(&scalar("A", 1.0), t0)?;
    recorder.write_at(&scalar("A", 2.0), t0 + Duration::from_millis(999))?;
    assert_eq!(recorder.stats().groups, 0);
    // The first row received a second after the group's first closes the group (with it).
    recorder.write_at(&scalar("A", 3.0), t0 + Duration::from_secs(1))?;
    assert_eq!(recorder.stats().groups, 1);
    assert!(recorder.deadline().is_none());
    recorder.write_at(&scalar("A", 4.0), t0 + Duration::from_secs(2))?;
    assert!(recorder.deadline().is_some());
    assert!(
        !recorder.flush_if_due()?,
        "not due on the monotonic clock yet"
    );
    let stats = recorder.finish()?;
    assert_eq!(stats.groups, 2);
    Ok(())
}

#[test]
fn flush_if_due_closes_a_group_after_its_interval() -> Result<(), RecordError> {
    let dir = TempPath::new("due");
    let options = RecordOptions::default().group_interval(Duration::from_millis(20));
    let mut recorder = Recorder::create(&dir.0, options)?;
    assert!(!recorder.flush_if_due()?, "nothing open");
    recorder.write(&scalar("A", 1.0))?;
    let deadline = recorder.deadline().expect("a group is open");
    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
    assert!(recorder.flush_if_due()?);
    assert_eq!(recorder.stats().groups, 1);
    assert_eq!(wait_for_parts(&dir.0, 1).len(), 1);
    recorder.finish()?;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn record_closes_groups_while_the_stream_is_silent() -> Result<(), RecordError> {
    let dir = TempPath::new("silent");
    let options = RecordOptions::default().group_interval(Duration::from_secs(1));
    let mut recorder = Recorder::create(&dir.0, options)?;
    let (tx, rx) = futures::channel::mpsc::unbounded();
    let task = tokio::spawn(async move {
        let stats = recorder.record(rx).await?;
        Ok::<_, RecordError>((recorder, stats))
    });
    tx.unbounded_send(scalar("M:OUTTMP", 1.0)).expect("send");
    tx.unbounded_send(Event::Dropped { count: 2 })
        .expect("send");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(parts(&dir.0).is_empty(), "closed before its interval");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The timer closed the group although no event came after it.
    assert_eq!(wait_for_parts(&dir.0, 1), ["part-000000.parquet"]);
    assert_eq!(read_events(&dir.0)?.len(), 2);

    tx.unbounded_send(scalar("M:OUTTMP", 2.0)).expect("send");
    drop(tx);
    let (recorder, stats) = task.await.expect("task")?;
    assert_eq!((stats.rows, stats.readings, stats.groups), (3, 2, 2));
    recorder.finish()?;
    assert_eq!(read_events(&dir.0)?.len(), 3);
    Ok(())
}

// ---- refusing to overwrite -----------------------------------------------------------

#[test]
fn an_existing_recording_or_file_is_refused_unless_overwriting() -> Result<(), RecordError> {
    let dir = TempPath::new("exists");
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default())?;
    recorder.write(&scalar("A", 1.0))?;
    recorder.finish()?;

    let err = Recorder::create(&dir.0, RecordOptions::default()).expect_err("must refuse");
    assert!(
        matches!(&err, RecordError::Exists { path } if path == &dir.0),
        "{err}"
    );
    assert!(err.to_string().contains("overwrite"), "{err}");
    assert_eq!(read_events(&dir.0)?.len(), 1, "the old recording is intact");

    let mut recorder = Recorder::create(&dir.0, RecordOptions::default().overwrite(true))?;
    recorder.write(&scalar("B", 2.0))?;
    recorder.write(&scalar("B", 3.0))?;
    recorder.finish()?;
    assert_eq!(read_events(&dir.0)?.len(), 2);

    // A directory with something else in it is never emptied.
    fs::write(dir.0.join("notes.txt"), b"mine").expect("write");
    let err = Recorder::create(&dir.0, RecordOptions::default().overwrite(true))
        .expect_err("must refuse");
    assert!(
        matches!(&err, RecordError::Foreign { entry, .. } if entry == "notes.txt"),
        "{err}"
    );
    assert!(dir.0.join("notes.txt").exists());

    // An existing file.
    let file = TempPath::new("exists-file");
    fs::write(&file.0, b"data").expect("write");
    let err = Recorder::create(&file.0, RecordOptions::default()).expect_err("must refuse");
    assert!(
        matches!(&err, RecordError::Exists { path } if path == &file.0),
        "{err}"
    );
    Recorder::create(&file.0, RecordOptions::default().overwrite(true))?.finish()?;
    assert!(file.0.is_dir());

    // An empty directory is fine.
    let empty = TempPath::new("exists-empty");
    fs::create_dir_all(&empty.0).expect("mkdir");
    Recorder::create(&empty.0, RecordOptions::default())?.finish()?;
    Ok(())
}

// ---- bad input -----------------------------------------------------------------------

#[test]
fn garbage_gives_typed_errors_naming_the_file() {
    let file = TempPath::new("garbage");
    fs::write(&file.0, b"this is not parquet at all, not even close").expect("write");
    let err = read_events(&file.0).expect_err("garbage");
    assert!(
        matches!(&err, RecordError::Parquet { path: Some(p), .. } if p == &file.0),
        "{err}"
    );
    assert!(
        err.to_string().contains(&*file.0.to_string_lossy()),
        "{err}"
    );

    // A garbage part inside a dataset names the part.
    let dir = TempPath::new("garbage-dir");
    fs::create_dir_all(&dir.0).expect("mkdir");
    fs::write(dir.0.join("part-000000.parquet"), b"PAR1 nope").expect("write");
    let err = read_events(&dir.0).expect_err("garbage");
    assert!(err.to_string().contains("part-000000.parquet"), "{err}");

    // A truncated part (a copy cut in half, not a hidden temporary file).
    let good = TempPath::new("good");
    let mut recorder = Recorder::create(&good.0, RecordOptions::default()).expect("create");
    recorder.write(&scalar("A", 1.0)).expect("write");
    recorder.finish().expect("finish");
    let bytes = fs::read(good.0.join("part-000000.parquet")).expect("read");
    for cut in [0, 4, bytes.len() / 3, bytes.len() - 9, bytes.len() - 1] {
        fs::write(dir.0.join("part-000000.parquet"), &bytes[..cut]).expect("write");
        assert!(read_events(&dir.0).is_err(), "cut at {cut}");
    }

    let missing = TempPath::new("missing");
    let err = read_events(&missing.0).expect_err("missing");
    assert!(
        matches!(&err, RecordError::Io { path, .. } if path == &missing.0),
        "{err}"
    );
}

/// A column of a foreign Parquet file: its values, and its definition levels when optional.
enum Data {
    I64(Vec<i64>, Option<Vec<i16>>),
    I32(Vec<i32>, Option<Vec<i16>>),
    Str(Vec<&'static str>, Option<Vec<i16>>),
}

/// Writes a Parquet file of one row group at `path`: the schema `message` (Parquet's
/// message syntax), one [`Data`] per column.
fn write_parquet(path: &Path, message: &str, columns: Vec<Data>) {
    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::writer::SerializedFileWriter;
    let schema = Arc::new(parquet::schema::parser::parse_message_type(message).expect("schema"));
    let file = fs::File::create(path).expect("create");
    let mut writer = SerializedFileWriter::new(file, schema, Default::default()).expect("writer");
    let mut group = writer.next_row_group().expect("row group");
    for data in columns {
        let mut column = group.next_column().expect("column").expect("a column");
        match data {
            Data::I64(values, def) => {
                column
                    .typed::<Int64Type>()
                    .write_batch(&values, def.as_deref(), None)
                    .expect("write");
            }
            Data::I32(values, def) => {
                column
                    .typed::<parquet::data_type::Int32Type>()
                    .write_batch(&values, def.as_deref(), None)
                    .expect("write");
            }
            Data::Str(values, def) => {
                let values: Vec<ByteArray> = values.into_iter().map(ByteArray::from).collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&values, def.as_deref(), None)
                    .expect("write");
            }
        }
        column.close().expect("close column");
    }
    group.close().expect("close group");
    writer.close().expect("close");
}

/// The first columns of a recording, as a message.
const HEAD: &str = "required int64 seq (INTEGER(64, false)); \
    required int64 received (TIMESTAMP(NANOS, true));";

#[test]
fn parquet_that_is_not_a_recording_gives_schema_and_row_errors() {
    // Another table altogether.
    let file = TempPath::new("other");
    write_parquet(
        &file.0,
        "message m { required int64 x; }",
        vec![Data::I64(vec![1, 2], None)],
    );
    let err = read_events(&file.0).expect_err("not a recording");
    assert!(
        matches!(&err, RecordError::Schema { column, .. } if column == "seq"),
        "{err}"
    );

    // The right columns with a wrong type.
    write_parquet(
        &file.0,
        &format!("message m {{ {HEAD} required int64 kind; }}"),
        vec![
            Data::I64(vec![0], None),
            Data::I64(vec![5], None),
            Data::I64(vec![1], None),
        ],
    );
    let err = read_events(&file.0).expect_err("wrong type");
    assert!(
        matches!(&err, RecordError::Schema { column, reason, .. }
            if column == "kind" && reason.contains("BYTE_ARRAY")),
        "{err}"
    );

    // An unknown kind, and a reading without its drf: errors naming the row and column.
    for (kind, column) in [("bogus", "kind"), ("reading", "drf"), ("dropped", "count")] {
        write_parquet(
            &file.0,
            &format!(
                "message m {{ {HEAD} required binary kind (STRING); \
                 optional binary reason (STRING); }}"
            ),
            vec![
                Data::I64(vec![0, 1], None),
                Data::I64(vec![5, 6], None),
                Data::Str(vec!["disconnected", kind], None),
                Data::Str(vec!["x"], Some(vec![1, 0])),
            ],
        );
        let err = read_events(&file.0).expect_err("bad row");
        assert!(
            matches!(&err, RecordError::Corrupt { row: 1, column: c, .. } if c == column),
            "{kind}: {err}"
        );
        assert!(err.to_string().contains("row 1"), "{err}");
    }
}

#[test]
fn pyarrow_style_files_without_the_optional_columns_read() -> Result<(), RecordError> {
    // Nullable columns everywhere, and a timestamp without time zone.
    let file = TempPath::new("minimal");
    write_parquet(
        &file.0,
        "message m { optional int64 seq (INTEGER(64, false)); \
            optional int64 received (TIMESTAMP(NANOS, false)); \
            optional binary kind (STRING); optional int64 count (INTEGER(64, false)); }",
        vec![
            Data::I64(vec![0], Some(vec![1])),
            Data::I64(vec![5], Some(vec![1])),
            Data::Str(vec!["dropped"], Some(vec![1])),
            Data::I64(vec![9], Some(vec![1])),
        ],
    );
    let back = read_events(&file.0)?;
    assert_eq!(events_of(&back), [Event::Dropped { count: 9 }]);
    assert_eq!(back[0].received, at(5));
    Ok(())
}

/// The documented schema (README, `schema()`), in Parquet's message syntax.
const DOCUMENTED: &str = "message schema {
    required int64 seq (INTEGER(64, false));
    required int64 received (TIMESTAMP(NANOS, true));
    required binary kind (STRING);
    optional binary drf (STRING);
    optional int64 timestamp (TIMESTAMP(NANOS, true));
    optional double value;
    optional group values (LIST) { repeated group list { optional double item; } }
    optional binary text (STRING);
    optional group texts (LIST) { repeated group list { optional binary item (STRING); } }
    optional binary raw;
    optional binary value_type (STRING);
    optional int32 facility (INTEGER(16, true));
    optional int32 error_code (INTEGER(16, true));
    optional binary status_name (STRING);
    optional int64 cycle;
    optional binary units (STRING);
    optional binary device (STRING);
    optional int32 device_index;
    optional int64 count (INTEGER(64, false));
    optional int64 duration_ns;
    optional int64 until (TIMESTAMP(NANOS, true));
    optional binary reason (STRING);
    optional boolean on;
    optional boolean ready;
    optional boolean remote;
    optional boolean positive;
    optional boolean ramp;
    optional double alarm_min;
    optional double alarm_max;
    optional int64 alarm_nominal;
    optional int64 alarm_mask;
    optional boolean alarm_enable;
    optional boolean alarm_in_alarm;
    optional boolean alarm_abort;
    optional boolean alarm_abort_inhibit;
    optional int32 alarm_tries_needed;
    optional int32 alarm_tries_now;
}";

#[test]
fn the_files_have_the_documented_schema() -> Result<(), Box<dyn std::error::Error>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = TempPath::new("schema");
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default())?;
    recorder.write(&scalar("A", 1.0))?;
    recorder.finish()?;
    let file = fs::File::open(dir.0.join("part-000000.parquet"))?;
    let reader = SerializedFileReader::new(file)?;
    let found = reader.metadata().file_metadata().schema_descr();
    let documented = parquet::schema::parser::parse_message_type(DOCUMENTED)?;
    assert_eq!(found.root_schema().get_fields(), documented.get_fields());
    assert_eq!(
        pacsys_record::schema().root_schema().get_fields(),
        documented.get_fields()
    );
    assert_eq!(reader.metadata().num_row_groups(), 1);
    Ok(())
}

#[test]
fn corrupted_bytes_give_errors_not_panics() -> Result<(), RecordError> {
    let dir = TempPath::new("flip");
    let mut recorder = Recorder::create(&dir.0, RecordOptions::default())?;
    for i in 0..50 {
        recorder.write(&scalar(["A", "B", "C"][i % 3], i as f64))?;
        recorder.write(&Event::Dropped { count: i as u64 })?;
    }
    recorder.finish()?;
    let part = dir.0.join("part-000000.parquet");
    let good = fs::read(&part).expect("read");
    let (mut ok, mut failed) = (0, 0);
    // Every fifth byte of the file (all of the footer's last 200), overwritten.
    let positions = (0..good.len())
        .step_by(5)
        .chain(good.len().saturating_sub(200)..good.len());
    for pos in positions {
        for byte in [0xff, good[pos] ^ 0x01] {
            let mut bad = good.clone();
            bad[pos] = byte;
            fs::write(&part, &bad).expect("write");
            match read_events(&dir.0) {
                Ok(events) => {
                    ok += 1;
                    assert!(events.len() <= 100);
                }
                Err(e) => {
                    failed += 1;
                    assert!(e.to_string().contains("part-000000.parquet"), "{e}");
                }
            }
            // The columnar read of the same bytes: an error naming the file, or columns of
            // at most the rows written.
            match read_columns(&dir.0) {
                Ok(columns) => assert!(columns.iter().all(|c| rows_of(&c.values) <= 100)),
                Err(e) => assert!(e.to_string().contains("part-000000.parquet"), "{e}"),
            }
        }
    }
    assert!(failed > 0 && ok > 0, "{ok} read, {failed} refused");
    Ok(())
}

/// Set in the child process of [`sigkill_leaves_every_closed_part_readable`]: the dataset to
/// record into until killed.
const CHILD_DIR: &str = "PACSYS_RECORD_SIGKILL_CHILD";

#[test]
fn sigkill_leaves_every_closed_part_readable() -> Result<(), RecordError> {
    if let Ok(dir) = std::env::var(CHILD_DIR) {
        // The child: record small groups as fast as possible until SIGKILL.
        let mut recorder = Recorder::create(&dir, RecordOptions::default().group_rows(1000))?;
        let mut i = 0u64;
        loop {
            recorder.write(&scalar("M:OUTTMP@p,1", i as f64))?;
            i += 1;
        }
    }
    let dir = TempPath::new("sigkill");
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "sigkill_leaves_every_closed_part_readable",
            "--nocapture",
        ])
        .env(CHILD_DIR, &dir.0)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let written = wait_for_parts(&dir.0, 5);
    child.kill().expect("SIGKILL"); // SIGKILL on Unix: no destructor runs
    let _ = child.wait();
    assert!(written.len() >= 5, "the child wrote {written:?}");
    let back = read_events(&dir.0)?;
    assert!(back.len() >= 5000, "{} rows", back.len());
    assert_eq!(back.len() % 1000, 0, "whole groups only");
    for (i, e) in back.iter().enumerate() {
        assert_eq!(e.seq, i as u64, "no hole");
        assert_eq!(e.event, scalar("M:OUTTMP@p,1", i as f64));
    }
    Ok(())
}
