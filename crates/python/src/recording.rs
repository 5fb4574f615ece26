//! `pacsys_rs.read_recording`'s native side: a recording (a pacsys-record dataset or one
//! Parquet file) read in Rust and turned into columns, one numpy buffer per numeric column
//! (with its validity), dictionary codes for the repeated strings, so that the Python side
//! builds a pandas DataFrame with the recording's column names without an object per cell
//! of a number.

use pacsys_types::event::kind;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use numpy::PyArray1;
use pacsys::{Event, Reading, Status, Value};
use pacsys_record::{RecordError, read_events};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

/// Nanoseconds since the Unix epoch, saturating (as the recording stores times).
fn nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// A nullable column of numbers (or booleans).
struct Num<T> {
    values: Vec<T>,
    valid: Vec<bool>,
}

impl<T: Default + Copy> Num<T> {
    fn new() -> Self {
        Num {
            values: Vec::new(),
            valid: Vec::new(),
        }
    }

    fn push(&mut self, v: Option<T>) {
        self.values.push(v.unwrap_or_default());
        self.valid.push(v.is_some());
    }
}

/// A nullable column of repeated strings: codes into `names` (-1 for null).
#[derive(Default)]
struct Dict {
    codes: Vec<i32>,
    names: Vec<String>,
    index: HashMap<String, i32>,
}

impl Dict {
    fn push(&mut self, s: Option<&str>) {
        let code = match s {
            None => -1,
            Some(s) => match self.index.get(s) {
                Some(c) => *c,
                None => {
                    let c = i32::try_from(self.names.len()).unwrap_or(i32::MAX);
                    self.names.push(s.to_owned());
                    self.index.insert(s.to_owned(), c);
                    c
                }
            },
        };
        self.codes.push(code);
    }
}

/// A value held as a Python object per row (text, arrays, bytes).
enum Cell {
    Null,
    Text(String),
    Floats(Vec<f64>),
    Texts(Vec<String>),
    Bytes(Vec<u8>),
}

/// The columns of the recording's schema (`pacsys_record::schema()`), in its order.
struct Columns {
    seq: Num<u64>,
    received: Num<i64>,
    kind: Dict,
    drf: Dict,
    timestamp: Num<i64>,
    value: Num<f64>,
    values: Vec<Cell>,
    text: Vec<Cell>,
    texts: Vec<Cell>,
    raw: Vec<Cell>,
    value_type: Dict,
    facility: Num<i16>,
    error_code: Num<i16>,
    status_name: Dict,
    cycle: Num<i64>,
    units: Dict,
    device: Dict,
    device_index: Num<i32>,
    count: Num<u64>,
    duration_ns: Num<i64>,
    until: Num<i64>,
    reason: Vec<Cell>,
    on: Num<bool>,
    ready: Num<bool>,
    remote: Num<bool>,
    positive: Num<bool>,
    ramp: Num<bool>,
    alarm_min: Num<f64>,
    alarm_max: Num<f64>,
    alarm_nominal: Num<i64>,
    alarm_mask: Num<i64>,
    alarm_enable: Num<bool>,
    alarm_in_alarm: Num<bool>,
    alarm_abort: Num<bool>,
    alarm_abort_inhibit: Num<bool>,
    alarm_tries_needed: Num<i32>,
    alarm_tries_now: Num<i32>,
}

/// The alarm columns of a row: enable, in alarm, abort, abort inhibit, tries needed, now.
type AlarmState = (bool, bool, bool, bool, i32, i32);

impl Columns {
    fn new() -> Columns {
        Columns {
            seq: Num::new(),
            received: Num::new(),
            kind: Dict::default(),
            drf: Dict::default(),
            timestamp: Num::new(),
            value: Num::new(),
            values: Vec::new(),
            text: Vec::new(),
            texts: Vec::new(),
            raw: Vec::new(),
            value_type: Dict::default(),
            facility: Num::new(),
            error_code: Num::new(),
            status_name: Dict::default(),
            cycle: Num::new(),
            units: Dict::default(),
            device: Dict::default(),
            device_index: Num::new(),
            count: Num::new(),
            duration_ns: Num::new(),
            until: Num::new(),
            reason: Vec::new(),
            on: Num::new(),
            ready: Num::new(),
            remote: Num::new(),
            positive: Num::new(),
            ramp: Num::new(),
            alarm_min: Num::new(),
            alarm_max: Num::new(),
            alarm_nominal: Num::new(),
            alarm_mask: Num::new(),
            alarm_enable: Num::new(),
            alarm_in_alarm: Num::new(),
            alarm_abort: Num::new(),
            alarm_abort_inhibit: Num::new(),
            alarm_tries_needed: Num::new(),
            alarm_tries_now: Num::new(),
        }
    }

    /// Appends one row: `kind`, the event's DRF and status, and everything else null unless
    /// `reading` (its value and metadata) or the other arguments say otherwise.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        seq: u64,
        received: SystemTime,
        kind: &str,
        drf: Option<&str>,
        status: Option<Status>,
        reading: Option<&Reading>,
        extra: Extra<'_>,
    ) {
        self.seq.push(Some(seq));
        self.received.push(Some(nanos(received)));
        self.kind.push(Some(kind));
        self.drf.push(drf);
        self.facility.push(status.map(|s| i16::from(s.facility())));
        self.error_code.push(status.map(|s| i16::from(s.error())));
        self.status_name
            .push(status.filter(|s| !s.is_ok()).and_then(Status::name));
        let value = reading.and_then(|r| r.value.as_ref());
        let meta = reading.and_then(|r| r.meta.as_deref());
        self.timestamp
            .push(reading.and_then(|r| r.timestamp).or(extra.from).map(nanos));
        self.cycle.push(reading.and_then(|r| r.cycle));
        self.units.push(meta.and_then(|m| m.units.as_deref()));
        self.device
            .push(meta.map(|m| m.name.as_str()).filter(|n| !n.is_empty()));
        self.device_index.push(meta.map(|m| m.device_index));
        self.count.push(extra.count);
        self.duration_ns.push(extra.duration_ns);
        self.until.push(extra.until.map(nanos));
        self.reason.push(
            extra
                .reason
                .map_or(Cell::Null, |r| Cell::Text(r.to_owned())),
        );
        self.value_type.push(value.map(Value::kind_name));
        self.value(value);
    }

    /// The value columns of a row.
    fn value(&mut self, value: Option<&Value>) {
        let (mut scalar, mut values, mut text, mut texts, mut raw) =
            (None, Cell::Null, Cell::Null, Cell::Null, Cell::Null);
        let mut bits = [None; 5];
        let (mut min, mut max, mut nominal, mut mask) = (None, None, None, None);
        let mut state: Option<AlarmState> = None;
        match value {
            Some(Value::Scalar(x)) => scalar = Some(*x),
            Some(Value::Array(xs)) => values = Cell::Floats(xs.clone()),
            Some(Value::TimedArray(t)) => values = Cell::Floats(t.data.clone()),
            Some(Value::Text(s)) => text = Cell::Text(s.clone()),
            Some(Value::TextArray(xs)) => texts = Cell::Texts(xs.clone()),
            Some(Value::Raw(b)) => raw = Cell::Bytes(b.clone()),
            Some(Value::BasicStatus(s)) => bits = [s.on, s.ready, s.remote, s.positive, s.ramp],
            Some(Value::AnalogAlarm(a)) => {
                min = Some(a.minimum);
                max = Some(a.maximum);
                state = Some((
                    a.alarm_enable,
                    a.alarm_status,
                    a.abort,
                    a.abort_inhibit,
                    a.tries_needed,
                    a.tries_now,
                ));
            }
            Some(Value::DigitalAlarm(a)) => {
                nominal = Some(i64::from(a.nominal));
                mask = Some(i64::from(a.mask));
                state = Some((
                    a.alarm_enable,
                    a.alarm_status,
                    a.abort,
                    a.abort_inhibit,
                    a.tries_needed,
                    a.tries_now,
                ));
            }
            _ => {}
        }
        self.value.push(scalar);
        self.values.push(values);
        self.text.push(text);
        self.texts.push(texts);
        self.raw.push(raw);
        let [on, ready, remote, positive, ramp] = bits;
        self.on.push(on);
        self.ready.push(ready);
        self.remote.push(remote);
        self.positive.push(positive);
        self.ramp.push(ramp);
        self.alarm_min.push(min);
        self.alarm_max.push(max);
        self.alarm_nominal.push(nominal);
        self.alarm_mask.push(mask);
        self.alarm_enable.push(state.map(|s| s.0));
        self.alarm_in_alarm.push(state.map(|s| s.1));
        self.alarm_abort.push(state.map(|s| s.2));
        self.alarm_abort_inhibit.push(state.map(|s| s.3));
        self.alarm_tries_needed.push(state.map(|s| s.4));
        self.alarm_tries_now.push(state.map(|s| s.5));
    }

    fn event(&mut self, seq: u64, received: SystemTime, event: &Event) {
        let none = Extra::default();
        match event {
            Event::Reading(r) => self.row(
                seq,
                received,
                kind::READING,
                Some(&r.drf),
                Some(r.status),
                Some(r),
                none,
            ),
            Event::Error { drf, status } => self.row(
                seq,
                received,
                kind::ERROR,
                Some(drf),
                Some(*status),
                None,
                none,
            ),
            Event::Disconnected { reason } => self.row(
                seq,
                received,
                kind::DISCONNECTED,
                None,
                None,
                None,
                Extra {
                    reason: Some(reason),
                    ..none
                },
            ),
            Event::Reconnected { gap } => self.row(
                seq,
                received,
                kind::RECONNECTED,
                None,
                None,
                None,
                Extra {
                    duration_ns: Some(i64::try_from(gap.as_nanos()).unwrap_or(i64::MAX)),
                    ..none
                },
            ),
            Event::Dropped { count } => self.row(
                seq,
                received,
                kind::DROPPED,
                None,
                None,
                None,
                Extra {
                    count: Some(*count),
                    ..none
                },
            ),
            Event::Stale { drf, silent_for } | Event::Fresh { drf, silent_for } => {
                let kind = if matches!(event, Event::Stale { .. }) {
                    kind::STALE
                } else {
                    kind::FRESH
                };
                self.row(
                    seq,
                    received,
                    kind,
                    Some(drf),
                    None,
                    None,
                    Extra {
                        duration_ns: Some(i64::try_from(silent_for.as_nanos()).unwrap_or(i64::MAX)),
                        ..none
                    },
                )
            }
            Event::Gap {
                drf,
                from,
                to,
                reason,
            } => self.row(
                seq,
                received,
                kind::GAP,
                Some(drf),
                None,
                None,
                Extra {
                    from: Some(*from),
                    until: Some(*to),
                    reason: Some(reason),
                    ..none
                },
            ),
            #[allow(unreachable_patterns)]
            other => self.row(
                seq,
                received,
                "other",
                None,
                None,
                None,
                Extra {
                    reason: Some(&other.to_string()),
                    ..none
                },
            ),
        }
    }
}

/// The columns of a row that only some kinds use.
#[derive(Default, Clone, Copy)]
struct Extra<'a> {
    from: Option<SystemTime>,
    until: Option<SystemTime>,
    count: Option<u64>,
    duration_ns: Option<i64>,
    reason: Option<&'a str>,
}

/// `(dtype, values, valid)` for a numeric column.
fn num<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    dtype: &str,
    c: Num<T>,
) -> PyResult<Bound<'py, PyTuple>> {
    (
        dtype,
        PyArray1::from_vec(py, c.values),
        PyArray1::from_vec(py, c.valid),
    )
        .into_pyobject(py)
}

/// `("dict", codes, names)` for a repeated-string column.
fn dict(py: Python<'_>, d: Dict) -> PyResult<Bound<'_, PyTuple>> {
    ("dict", PyArray1::from_vec(py, d.codes), d.names).into_pyobject(py)
}

/// `("object", list)` for a column of Python objects.
fn cells(py: Python<'_>, cells: Vec<Cell>) -> PyResult<Bound<'_, PyTuple>> {
    let list = PyList::empty(py);
    for c in cells {
        match c {
            Cell::Null => list.append(py.None())?,
            Cell::Text(s) => list.append(s)?,
            Cell::Floats(xs) => list.append(PyArray1::from_vec(py, xs))?,
            Cell::Texts(xs) => list.append(xs)?,
            Cell::Bytes(b) => list.append(PyBytes::new(py, &b))?,
        }
    }
    ("object", list).into_pyobject(py)
}

/// Reads the recording at `path` (a dataset folder or one Parquet file) into
/// `[(column, description)]`, in the recording's column order (see the Python
/// `read_recording` for the descriptions' shapes).
#[pyfunction]
pub fn recording_columns(py: Python<'_>, path: PathBuf) -> PyResult<Vec<(String, Py<PyTuple>)>> {
    let events = py.detach(|| read_events(&path)).map_err(|e| match e {
        RecordError::Io { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    })?;
    let c = py.detach(move || {
        let mut c = Columns::new();
        for e in &events {
            c.event(e.seq, e.received, &e.event);
        }
        c
    });
    let Columns {
        seq,
        received,
        kind,
        drf,
        timestamp,
        value,
        values,
        text,
        texts,
        raw,
        value_type,
        facility,
        error_code,
        status_name,
        cycle,
        units,
        device,
        device_index,
        count,
        duration_ns,
        until,
        reason,
        on,
        ready,
        remote,
        positive,
        ramp,
        alarm_min,
        alarm_max,
        alarm_nominal,
        alarm_mask,
        alarm_enable,
        alarm_in_alarm,
        alarm_abort,
        alarm_abort_inhibit,
        alarm_tries_needed,
        alarm_tries_now,
    } = c;
    let cols: Vec<(&str, Bound<'_, PyTuple>)> = vec![
        ("seq", num(py, "uint64", seq)?),
        ("received", num(py, "timestamp", received)?),
        ("kind", dict(py, kind)?),
        ("drf", dict(py, drf)?),
        ("timestamp", num(py, "timestamp", timestamp)?),
        ("value", num(py, "float64", value)?),
        ("values", cells(py, values)?),
        ("text", cells(py, text)?),
        ("texts", cells(py, texts)?),
        ("raw", cells(py, raw)?),
        ("value_type", dict(py, value_type)?),
        ("facility", num(py, "int16", facility)?),
        ("error_code", num(py, "int16", error_code)?),
        ("status_name", dict(py, status_name)?),
        ("cycle", num(py, "int64", cycle)?),
        ("units", dict(py, units)?),
        ("device", dict(py, device)?),
        ("device_index", num(py, "int32", device_index)?),
        ("count", num(py, "uint64", count)?),
        ("duration_ns", num(py, "int64", duration_ns)?),
        ("until", num(py, "timestamp", until)?),
        ("reason", cells(py, reason)?),
        ("on", num(py, "bool", on)?),
        ("ready", num(py, "bool", ready)?),
        ("remote", num(py, "bool", remote)?),
        ("positive", num(py, "bool", positive)?),
        ("ramp", num(py, "bool", ramp)?),
        ("alarm_min", num(py, "float64", alarm_min)?),
        ("alarm_max", num(py, "float64", alarm_max)?),
        ("alarm_nominal", num(py, "int64", alarm_nominal)?),
        ("alarm_mask", num(py, "int64", alarm_mask)?),
        ("alarm_enable", num(py, "bool", alarm_enable)?),
        ("alarm_in_alarm", num(py, "bool", alarm_in_alarm)?),
        ("alarm_abort", num(py, "bool", alarm_abort)?),
        ("alarm_abort_inhibit", num(py, "bool", alarm_abort_inhibit)?),
        ("alarm_tries_needed", num(py, "int32", alarm_tries_needed)?),
        ("alarm_tries_now", num(py, "int32", alarm_tries_now)?),
    ];
    Ok(cols
        .into_iter()
        .map(|(name, t)| (name.to_owned(), t.unbind()))
        .collect())
}
