//! Reading recordings back: [`Recording`] and its [`Events`] iterator.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float64Type, Int16Type, Int32Type, Int64Type, TimestampNanosecondType, UInt64Type,
};
use arrow_array::{
    Array, ArrowPrimitiveType, BinaryArray, BooleanArray, ListArray, PrimitiveArray, RecordBatch,
    StringArray,
};
use arrow_schema::{DataType, Schema};
use pacsys_types::{
    AnalogAlarm, BasicStatus, DeviceMeta, DigitalAlarm, Event, Reading, Status, TimedArray, Value,
};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::schema::{col, kind};
use crate::{RecordError, RecordedEvent};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8192;

/// A recording opened for reading: a dataset directory written by
/// [`Recorder::create`](crate::Recorder::create) (its part files in order; hidden and
/// temporary files, such as the part a crash interrupted, are skipped) or one Parquet file.
///
/// [`events`](Recording::events) reads it a few thousand rows at a time, so a recording
/// larger than memory can be processed; [`read_events`](crate::read_events) collects it.
///
/// ```no_run
/// use pacsys_record::Recording;
///
/// let recording = Recording::open("run.parquet")?;
/// let mut readings = 0;
/// for event in recording.events() {
///     if event?.event.is_reading() {
///         readings += 1;
///     }
/// }
/// println!("{readings} readings in {} files", recording.files().len());
/// # Ok::<(), pacsys_record::RecordError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Recording {
    files: Vec<PathBuf>,
}

impl Recording {
    /// Finds the files of the recording at `path` (a dataset directory or one file). The
    /// files are opened as [`events`](Self::events) reaches them.
    pub fn open(path: impl AsRef<Path>) -> Result<Recording, RecordError> {
        let path = path.as_ref();
        let io = |source| RecordError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_dir() {
            return Ok(Recording {
                files: vec![path.to_path_buf()],
            });
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            // Hidden and underscore files are not data (Spark/Hive convention: temporary
            // parts, `_SUCCESS`, `_metadata`).
            if name.starts_with('.') || name.starts_with('_') || !name.ends_with(".parquet") {
                continue;
            }
            if entry.file_type().map_err(io)?.is_dir() {
                continue;
            }
            files.push((part_number(name), entry.path()));
        }
        files.sort();
        Ok(Recording {
            files: files.into_iter().map(|(_, p)| p).collect(),
        })
    }

    /// The data files, in reading order (parts by number).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The events, file after file, in the order recorded (by `seq` for a recording written
    /// by one recorder). After an error the iterator ends.
    pub fn events(&self) -> Events {
        Events {
            files: self.files.clone().into_iter(),
            current: None,
            pending: Vec::new().into_iter(),
            interner: Interner::default(),
            done: false,
        }
    }
}

/// The number of `part-N.parquet` (`u64::MAX` for other names, which sort after the parts).
fn part_number(name: &str) -> u64 {
    name.strip_prefix("part-")
        .and_then(|rest| rest.strip_suffix(".parquet"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// The events of a [`Recording`], read a batch at a time. See [`Recording::events`].
pub struct Events {
    files: std::vec::IntoIter<PathBuf>,
    /// The file being read, its reader and the index of its next row.
    current: Option<(PathBuf, ParquetRecordBatchReader, u64)>,
    pending: std::vec::IntoIter<RecordedEvent>,
    interner: Interner,
    done: bool,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("file", &self.current.as_ref().map(|c| &c.0))
            .finish_non_exhaustive()
    }
}

impl Iterator for Events {
    type Item = Result<RecordedEvent, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.pending.next() {
                return Some(Ok(event));
            }
            if self.done {
                return None;
            }
            match self.refill() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Events {
    /// Decodes the next batch into `pending`; `false` at the end of the last file.
    fn refill(&mut self) -> Result<bool, RecordError> {
        loop {
            let Some((path, reader, row)) = &mut self.current else {
                let Some(path) = self.files.next() else {
                    return Ok(false);
                };
                let reader = open_file(&path)?;
                self.current = Some((path, reader, 0));
                continue;
            };
            let next = catch_unwind(AssertUnwindSafe(|| reader.next())).map_err(|_| {
                RecordError::Corrupt {
                    path: path.clone(),
                    row: *row,
                    column: String::new(),
                    reason: "the Parquet decoder failed on this file".into(),
                }
            })?;
            match next {
                None => self.current = None,
                Some(Err(source)) => {
                    return Err(RecordError::Arrow {
                        path: Some(path.clone()),
                        source,
                    });
                }
                Some(Ok(batch)) => {
                    let events = decode(&batch, path, *row, &mut self.interner)?;
                    *row += batch.num_rows() as u64;
                    self.pending = events.into_iter();
                    return Ok(true);
                }
            }
        }
    }
}

/// Opens one file and checks its schema.
fn open_file(path: &Path) -> Result<ParquetRecordBatchReader, RecordError> {
    let file = File::open(path).map_err(|source| RecordError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parquet = |source| RecordError::Parquet {
        path: Some(path.to_path_buf()),
        source,
    };
    let opened = catch_unwind(AssertUnwindSafe(|| {
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
        Ok((
            builder.schema().clone(),
            builder.with_batch_size(BATCH_ROWS),
        ))
    }))
    .map_err(|_| RecordError::Parquet {
        path: Some(path.to_path_buf()),
        source: parquet::errors::ParquetError::General("the Parquet decoder failed".into()),
    })?;
    let (schema, builder) = opened.map_err(parquet)?;
    check_schema(&schema, path)?;
    builder.build().map_err(parquet)
}

/// The columns a recording must have, with their types; the others may be absent (read as
/// null) but must have their type when present.
fn check_schema(schema: &Schema, path: &Path) -> Result<(), RecordError> {
    let expected = crate::schema();
    for field in expected.fields() {
        let found = schema.field_with_name(field.name()).ok();
        let fits = match found {
            None => field.is_nullable(),
            Some(found) => compatible(found.data_type(), field.data_type()),
        };
        if !fits {
            return Err(RecordError::Schema {
                path: path.to_path_buf(),
                column: field.name().clone(),
                reason: match found {
                    None => "missing: not a pacsys recording".into(),
                    Some(found) => {
                        format!("is {}, expected {}", found.data_type(), field.data_type())
                    }
                },
            });
        }
    }
    Ok(())
}

/// Same type, ignoring the time zone of timestamps and the names and nullability of list
/// items.
fn compatible(found: &DataType, expected: &DataType) -> bool {
    match (found, expected) {
        (DataType::Timestamp(a, _), DataType::Timestamp(b, _)) => a == b,
        (DataType::List(a), DataType::List(b)) => a.data_type() == b.data_type(),
        (a, b) => a == b,
    }
}

/// Shares the strings and metadata repeated across a recording, as a live subscription does.
#[derive(Default)]
struct Interner {
    drfs: HashSet<Arc<str>>,
    metas: HashMap<String, Arc<DeviceMeta>>,
}

impl Interner {
    fn drf(&mut self, s: &str) -> Arc<str> {
        if let Some(drf) = self.drfs.get(s) {
            return drf.clone();
        }
        let drf: Arc<str> = Arc::from(s);
        self.drfs.insert(drf.clone());
        drf
    }

    fn meta(&mut self, name: &str, index: i32, units: Option<&str>) -> Arc<DeviceMeta> {
        if let Some(meta) = self.metas.get(name)
            && meta.device_index == index
            && meta.units.as_deref() == units
        {
            return meta.clone();
        }
        let meta = Arc::new(DeviceMeta {
            device_index: index,
            name: name.to_owned(),
            description: String::new(),
            units: units.map(str::to_owned),
            format_hint: None,
        });
        self.metas.insert(name.to_owned(), meta.clone());
        meta
    }
}

/// The columns of one batch, typed (`None`: the column is absent).
struct Columns<'a> {
    path: &'a Path,
    first_row: u64,
    seq: &'a PrimitiveArray<UInt64Type>,
    received: &'a PrimitiveArray<TimestampNanosecondType>,
    kind: &'a StringArray,
    drf: Option<&'a StringArray>,
    timestamp: Option<&'a PrimitiveArray<TimestampNanosecondType>>,
    value: Option<&'a PrimitiveArray<Float64Type>>,
    values: Option<&'a ListArray>,
    text: Option<&'a StringArray>,
    texts: Option<&'a ListArray>,
    raw: Option<&'a BinaryArray>,
    value_type: Option<&'a StringArray>,
    facility: Option<&'a PrimitiveArray<Int16Type>>,
    error_code: Option<&'a PrimitiveArray<Int16Type>>,
    cycle: Option<&'a PrimitiveArray<Int64Type>>,
    units: Option<&'a StringArray>,
    device: Option<&'a StringArray>,
    device_index: Option<&'a PrimitiveArray<Int32Type>>,
    count: Option<&'a PrimitiveArray<UInt64Type>>,
    duration_ns: Option<&'a PrimitiveArray<Int64Type>>,
    until: Option<&'a PrimitiveArray<TimestampNanosecondType>>,
    reason: Option<&'a StringArray>,
    on: Option<&'a BooleanArray>,
    ready: Option<&'a BooleanArray>,
    remote: Option<&'a BooleanArray>,
    positive: Option<&'a BooleanArray>,
    ramp: Option<&'a BooleanArray>,
    alarm_min: Option<&'a PrimitiveArray<Float64Type>>,
    alarm_max: Option<&'a PrimitiveArray<Float64Type>>,
    alarm_nominal: Option<&'a PrimitiveArray<Int64Type>>,
    alarm_mask: Option<&'a PrimitiveArray<Int64Type>>,
    alarm_enable: Option<&'a BooleanArray>,
    alarm_in_alarm: Option<&'a BooleanArray>,
    alarm_abort: Option<&'a BooleanArray>,
    alarm_abort_inhibit: Option<&'a BooleanArray>,
    alarm_tries_needed: Option<&'a PrimitiveArray<Int32Type>>,
    alarm_tries_now: Option<&'a PrimitiveArray<Int32Type>>,
}

/// Column `name` of `batch` as `T`, if present; a schema error if it has another type.
fn column<'a, T: Array + 'static>(
    batch: &'a RecordBatch,
    name: &str,
    path: &Path,
) -> Result<Option<&'a T>, RecordError> {
    let Some(array) = batch.column_by_name(name) else {
        return Ok(None);
    };
    match array.as_any().downcast_ref::<T>() {
        Some(typed) => Ok(Some(typed)),
        None => Err(RecordError::Schema {
            path: path.to_path_buf(),
            column: name.to_owned(),
            reason: format!("unexpected type {}", array.data_type()),
        }),
    }
}

/// A column that every row has.
fn required<'a, T: Array + 'static>(
    batch: &'a RecordBatch,
    name: &str,
    path: &Path,
) -> Result<&'a T, RecordError> {
    column(batch, name, path)?.ok_or_else(|| RecordError::Schema {
        path: path.to_path_buf(),
        column: name.to_owned(),
        reason: "missing: not a pacsys recording".into(),
    })
}

fn decode(
    batch: &RecordBatch,
    path: &Path,
    first_row: u64,
    interner: &mut Interner,
) -> Result<Vec<RecordedEvent>, RecordError> {
    use col::*;
    let c = Columns {
        path,
        first_row,
        seq: required(batch, SEQ, path)?,
        received: required(batch, RECEIVED, path)?,
        kind: required(batch, KIND, path)?,
        drf: column(batch, DRF, path)?,
        timestamp: column(batch, TIMESTAMP, path)?,
        value: column(batch, VALUE, path)?,
        values: column(batch, VALUES, path)?,
        text: column(batch, TEXT, path)?,
        texts: column(batch, TEXTS, path)?,
        raw: column(batch, RAW, path)?,
        value_type: column(batch, VALUE_TYPE, path)?,
        facility: column(batch, FACILITY, path)?,
        error_code: column(batch, ERROR_CODE, path)?,
        cycle: column(batch, CYCLE, path)?,
        units: column(batch, UNITS, path)?,
        device: column(batch, DEVICE, path)?,
        device_index: column(batch, DEVICE_INDEX, path)?,
        count: column(batch, COUNT, path)?,
        duration_ns: column(batch, DURATION_NS, path)?,
        until: column(batch, UNTIL, path)?,
        reason: column(batch, REASON, path)?,
        on: column(batch, ON, path)?,
        ready: column(batch, READY, path)?,
        remote: column(batch, REMOTE, path)?,
        positive: column(batch, POSITIVE, path)?,
        ramp: column(batch, RAMP, path)?,
        alarm_min: column(batch, ALARM_MIN, path)?,
        alarm_max: column(batch, ALARM_MAX, path)?,
        alarm_nominal: column(batch, ALARM_NOMINAL, path)?,
        alarm_mask: column(batch, ALARM_MASK, path)?,
        alarm_enable: column(batch, ALARM_ENABLE, path)?,
        alarm_in_alarm: column(batch, ALARM_IN_ALARM, path)?,
        alarm_abort: column(batch, ALARM_ABORT, path)?,
        alarm_abort_inhibit: column(batch, ALARM_ABORT_INHIBIT, path)?,
        alarm_tries_needed: column(batch, ALARM_TRIES_NEEDED, path)?,
        alarm_tries_now: column(batch, ALARM_TRIES_NOW, path)?,
    };
    (0..batch.num_rows())
        .map(|i| c.event(i, interner))
        .collect()
}

/// A nullable primitive value.
fn prim<T: ArrowPrimitiveType>(a: Option<&PrimitiveArray<T>>, i: usize) -> Option<T::Native> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

fn string(a: Option<&StringArray>, i: usize) -> Option<&str> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

fn boolean(a: Option<&BooleanArray>, i: usize) -> Option<bool> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

fn time(ns: i64) -> SystemTime {
    let magnitude = Duration::from_nanos(ns.unsigned_abs());
    if ns >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

impl Columns<'_> {
    fn corrupt(&self, i: usize, column: &str, reason: impl Into<String>) -> RecordError {
        RecordError::Corrupt {
            path: self.path.to_path_buf(),
            row: self.first_row + i as u64,
            column: column.to_owned(),
            reason: reason.into(),
        }
    }

    /// A value this row's kind needs.
    fn need<T>(&self, v: Option<T>, i: usize, column: &str) -> Result<T, RecordError> {
        v.ok_or_else(|| self.corrupt(i, column, "null, but this row's kind needs it"))
    }

    fn event(&self, i: usize, interner: &mut Interner) -> Result<RecordedEvent, RecordError> {
        use col::*;
        let seq = self.need(prim(Some(self.seq), i), i, SEQ)?;
        let received = time(self.need(prim(Some(self.received), i), i, RECEIVED)?);
        let k = self.need(string(Some(self.kind), i), i, KIND)?;
        let drf = |interner: &mut Interner| -> Result<Arc<str>, RecordError> {
            Ok(interner.drf(self.need(string(self.drf, i), i, DRF)?))
        };
        let duration = || -> Result<Duration, RecordError> {
            let ns = self.need(prim(self.duration_ns, i), i, DURATION_NS)?;
            u64::try_from(ns)
                .map(Duration::from_nanos)
                .map_err(|_| self.corrupt(i, DURATION_NS, format!("negative duration {ns}")))
        };
        let event = match k {
            kind::READING => Event::Reading(self.reading(i, interner)?),
            kind::ERROR => Event::Error {
                drf: drf(interner)?,
                status: self.status(i)?,
            },
            kind::DISCONNECTED => Event::Disconnected {
                reason: self.need(string(self.reason, i), i, REASON)?.to_owned(),
            },
            kind::RECONNECTED => Event::Reconnected { gap: duration()? },
            kind::DROPPED => Event::Dropped {
                count: self.need(prim(self.count, i), i, COUNT)?,
            },
            kind::STALE => Event::Stale {
                drf: drf(interner)?,
                silent_for: duration()?,
            },
            kind::FRESH => Event::Fresh {
                drf: drf(interner)?,
                silent_for: duration()?,
            },
            kind::GAP => Event::Gap {
                drf: drf(interner)?,
                from: time(self.need(prim(self.timestamp, i), i, TIMESTAMP)?),
                to: time(self.need(prim(self.until, i), i, UNTIL)?),
                reason: self.need(string(self.reason, i), i, REASON)?.to_owned(),
            },
            other => return Err(self.corrupt(i, KIND, format!("unknown kind {other:?}"))),
        };
        Ok(RecordedEvent {
            seq,
            received,
            event,
        })
    }

    fn status(&self, i: usize) -> Result<Status, RecordError> {
        let facility = self.need(prim(self.facility, i), i, col::FACILITY)?;
        let error = self.need(prim(self.error_code, i), i, col::ERROR_CODE)?;
        let facility = u8::try_from(facility)
            .map_err(|_| self.corrupt(i, col::FACILITY, format!("{facility} is not 0..=255")))?;
        let error = i8::try_from(error)
            .map_err(|_| self.corrupt(i, col::ERROR_CODE, format!("{error} is not -128..=127")))?;
        Ok(Status::new(facility, error))
    }

    fn reading(&self, i: usize, interner: &mut Interner) -> Result<Reading, RecordError> {
        use col::*;
        let drf = interner.drf(self.need(string(self.drf, i), i, DRF)?);
        let meta = match string(self.device, i) {
            Some(name) => {
                let index = self.need(prim(self.device_index, i), i, DEVICE_INDEX)?;
                Some(interner.meta(name, index, string(self.units, i)))
            }
            None => None,
        };
        let value = match string(self.value_type, i) {
            None => None,
            Some(vt) => Some(self.value(i, vt)?),
        };
        let mut reading = Reading::new(drf, self.status(i)?)
            .with_timestamp(prim(self.timestamp, i).map(time))
            .with_cycle(prim(self.cycle, i))
            .with_meta(meta);
        reading.value = value;
        Ok(reading)
    }

    fn floats(&self, i: usize) -> Result<Vec<f64>, RecordError> {
        let list = self.need(self.values.filter(|a| a.is_valid(i)), i, col::VALUES)?;
        let items = list.value(i);
        let items = items
            .as_primitive_opt::<Float64Type>()
            .filter(|a| a.null_count() == 0)
            .ok_or_else(|| self.corrupt(i, col::VALUES, "null or non-float items"))?;
        Ok(items.values().to_vec())
    }

    fn value(&self, i: usize, vt: &str) -> Result<Value, RecordError> {
        use col::*;
        let b = |a: Option<&BooleanArray>, name: &str| self.need(boolean(a, i), i, name);
        Ok(match vt {
            "scalar" => Value::Scalar(self.need(prim(self.value, i), i, VALUE)?),
            "scalarArr" => Value::Array(self.floats(i)?),
            "timedScalarArr" => Value::TimedArray(TimedArray {
                data: self.floats(i)?,
                micros: Vec::new(),
            }),
            "raw" => {
                let raw = self.raw.filter(|a| a.is_valid(i)).map(|a| a.value(i));
                Value::Raw(self.need(raw, i, RAW)?.to_vec())
            }
            "text" => Value::Text(self.need(string(self.text, i), i, TEXT)?.to_owned()),
            "textArr" => {
                let list = self.need(self.texts.filter(|a| a.is_valid(i)), i, TEXTS)?;
                let items = list.value(i);
                let items = items
                    .as_string_opt::<i32>()
                    .filter(|a| a.null_count() == 0)
                    .ok_or_else(|| self.corrupt(i, TEXTS, "null or non-text items"))?;
                Value::TextArray(items.iter().flatten().map(str::to_owned).collect())
            }
            "anaAlarm" => Value::AnalogAlarm(AnalogAlarm {
                minimum: self.need(prim(self.alarm_min, i), i, ALARM_MIN)?,
                maximum: self.need(prim(self.alarm_max, i), i, ALARM_MAX)?,
                alarm_enable: b(self.alarm_enable, ALARM_ENABLE)?,
                alarm_status: b(self.alarm_in_alarm, ALARM_IN_ALARM)?,
                abort: b(self.alarm_abort, ALARM_ABORT)?,
                abort_inhibit: b(self.alarm_abort_inhibit, ALARM_ABORT_INHIBIT)?,
                tries_needed: self.need(prim(self.alarm_tries_needed, i), i, ALARM_TRIES_NEEDED)?,
                tries_now: self.need(prim(self.alarm_tries_now, i), i, ALARM_TRIES_NOW)?,
            }),
            "digAlarm" => {
                let int = |a, name: &str| -> Result<i32, RecordError> {
                    let v = self.need(prim(a, i), i, name)?;
                    i32::try_from(v)
                        .map_err(|_| self.corrupt(i, name, format!("{v} is not an i32")))
                };
                Value::DigitalAlarm(DigitalAlarm {
                    nominal: int(self.alarm_nominal, ALARM_NOMINAL)?,
                    mask: int(self.alarm_mask, ALARM_MASK)?,
                    alarm_enable: b(self.alarm_enable, ALARM_ENABLE)?,
                    alarm_status: b(self.alarm_in_alarm, ALARM_IN_ALARM)?,
                    abort: b(self.alarm_abort, ALARM_ABORT)?,
                    abort_inhibit: b(self.alarm_abort_inhibit, ALARM_ABORT_INHIBIT)?,
                    tries_needed: self.need(
                        prim(self.alarm_tries_needed, i),
                        i,
                        ALARM_TRIES_NEEDED,
                    )?,
                    tries_now: self.need(prim(self.alarm_tries_now, i), i, ALARM_TRIES_NOW)?,
                })
            }
            "basicStatus" => Value::BasicStatus(BasicStatus {
                on: boolean(self.on, i),
                ready: boolean(self.ready, i),
                remote: boolean(self.remote, i),
                positive: boolean(self.positive, i),
                ramp: boolean(self.ramp, i),
            }),
            other => {
                return Err(self.corrupt(i, VALUE_TYPE, format!("unknown value type {other:?}")));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::TimeUnit;

    #[test]
    fn parts_sort_by_number_then_name() {
        assert_eq!(part_number("part-000012.parquet"), 12);
        assert_eq!(part_number("part-1234567.parquet"), 1_234_567);
        assert_eq!(part_number("data.parquet"), u64::MAX);
        let mut names = [
            (part_number("part-1000000.parquet"), "b"),
            (part_number("part-999999.parquet"), "a"),
        ];
        names.sort();
        assert_eq!(names[0].1, "a");
    }

    #[test]
    fn compatible_ignores_time_zones_only() {
        let ns = |tz: Option<&str>| DataType::Timestamp(TimeUnit::Nanosecond, tz.map(Into::into));
        assert!(compatible(&ns(None), &ns(Some("UTC"))));
        assert!(!compatible(
            &DataType::Timestamp(TimeUnit::Microsecond, None),
            &ns(Some("UTC"))
        ));
        assert!(!compatible(&DataType::Int64, &DataType::UInt64));
    }
}
