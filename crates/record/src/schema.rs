//! The recording's Arrow schema: one row per event, one column per field of any event kind.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Column names, in schema order (see [`schema`](crate::schema()) for their meaning).
pub(crate) mod col {
    pub const SEQ: &str = "seq";
    pub const RECEIVED: &str = "received";
    pub const KIND: &str = "kind";
    pub const DRF: &str = "drf";
    pub const TIMESTAMP: &str = "timestamp";
    pub const VALUE: &str = "value";
    pub const VALUES: &str = "values";
    pub const TEXT: &str = "text";
    pub const TEXTS: &str = "texts";
    pub const RAW: &str = "raw";
    pub const VALUE_TYPE: &str = "value_type";
    pub const FACILITY: &str = "facility";
    pub const ERROR_CODE: &str = "error_code";
    pub const STATUS_NAME: &str = "status_name";
    pub const CYCLE: &str = "cycle";
    pub const UNITS: &str = "units";
    pub const DEVICE: &str = "device";
    pub const DEVICE_INDEX: &str = "device_index";
    pub const COUNT: &str = "count";
    pub const DURATION_NS: &str = "duration_ns";
    pub const UNTIL: &str = "until";
    pub const REASON: &str = "reason";
    pub const ON: &str = "on";
    pub const READY: &str = "ready";
    pub const REMOTE: &str = "remote";
    pub const POSITIVE: &str = "positive";
    pub const RAMP: &str = "ramp";
    pub const ALARM_MIN: &str = "alarm_min";
    pub const ALARM_MAX: &str = "alarm_max";
    pub const ALARM_NOMINAL: &str = "alarm_nominal";
    pub const ALARM_MASK: &str = "alarm_mask";
    pub const ALARM_ENABLE: &str = "alarm_enable";
    pub const ALARM_IN_ALARM: &str = "alarm_in_alarm";
    pub const ALARM_ABORT: &str = "alarm_abort";
    pub const ALARM_ABORT_INHIBIT: &str = "alarm_abort_inhibit";
    pub const ALARM_TRIES_NEEDED: &str = "alarm_tries_needed";
    pub const ALARM_TRIES_NOW: &str = "alarm_tries_now";
}

/// The values of the `kind` column.
pub(crate) mod kind {
    pub const READING: &str = "reading";
    pub const ERROR: &str = "error";
    pub const DISCONNECTED: &str = "disconnected";
    pub const RECONNECTED: &str = "reconnected";
    pub const DROPPED: &str = "dropped";
    pub const STALE: &str = "stale";
    pub const FRESH: &str = "fresh";
    pub const GAP: &str = "gap";
}

/// The time zone of the timestamp columns.
pub(crate) const UTC: &str = "UTC";

pub(crate) fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some(UTC.into()))
}

/// The Arrow schema every recording is written with.
///
/// One row per event (a logger [`TimedArray`](pacsys_types::TimedArray) gives one row per
/// point). Columns that do not apply to a row's `kind` are null. In order:
///
/// | column | type | meaning |
/// |---|---|---|
/// | `seq` | UInt64 | position in the recording: 0, 1, 2, ... |
/// | `received` | Timestamp(ns, UTC) | when the recorder received the event |
/// | `kind` | Utf8 | `reading`, `error`, `disconnected`, `reconnected`, `dropped`, `stale`, `fresh`, `gap` |
/// | `drf` | Utf8? | the request as the caller wrote it (reading, error, stale, fresh, gap) |
/// | `timestamp` | Timestamp(ns, UTC)? | the reading's time; for a gap its start |
/// | `value` | Float64? | a scalar value |
/// | `values` | List\<Float64\>? | an array value |
/// | `text` | Utf8? | a text value |
/// | `texts` | List\<Utf8\>? | a text-array value |
/// | `raw` | Binary? | raw bytes |
/// | `value_type` | Utf8? | the value's kind name (`scalar`, `scalarArr`, `raw`, `text`, `textArr`, `anaAlarm`, `digAlarm`, `basicStatus`; `timedScalarArr` only for an empty one); null without a value |
/// | `facility` | Int16? | ACNET status facility (reading, error) |
/// | `error_code` | Int16? | ACNET status error code, signed (reading, error) |
/// | `status_name` | Utf8? | the status's symbolic name when not OK and known |
/// | `cycle` | Int64? | the reading's cycle information |
/// | `units` | Utf8? | engineering units (reading metadata) |
/// | `device` | Utf8? | canonical device name (reading metadata) |
/// | `device_index` | Int32? | device index (reading metadata) |
/// | `count` | UInt64? | readings dropped (dropped) |
/// | `duration_ns` | Int64? | reconnected: the gap; stale, fresh: how long silent |
/// | `until` | Timestamp(ns, UTC)? | the end of a gap |
/// | `reason` | Utf8? | disconnected, gap: why |
/// | `on`, `ready`, `remote`, `positive`, `ramp` | Boolean? | basic status bits |
/// | `alarm_min`, `alarm_max` | Float64? | analog alarm limits |
/// | `alarm_nominal`, `alarm_mask` | Int64? | digital alarm pattern and mask |
/// | `alarm_enable`, `alarm_in_alarm`, `alarm_abort`, `alarm_abort_inhibit` | Boolean? | alarm state (both kinds) |
/// | `alarm_tries_needed`, `alarm_tries_now` | Int32? | alarm counts (both kinds) |
///
/// ```
/// let schema = pacsys_record::schema();
/// assert_eq!(schema.field(0).name(), "seq");
/// assert_eq!(schema.fields().len(), 37);
/// ```
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| build(DataType::Utf8)).clone()
}

/// The schema of the batches the recorder builds: [`schema`] with the repeated strings
/// (`kind`, `drf`, `value_type`, `status_name`, `units`, `device`) as Arrow dictionaries.
/// The files are written without Arrow's schema metadata, so they hold plain Parquet
/// strings (dictionary-encoded, as any string column) and every reader sees [`schema`].
pub(crate) fn write_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    SCHEMA.get_or_init(|| build(dict)).clone()
}

/// The schema, with `repeated` as the type of the repeated-string columns.
fn build(repeated: DataType) -> SchemaRef {
    use col::*;
    let ts = timestamp_type;
    let f = |name: &str, t: DataType| Field::new(name, t, true);
    let rep = || repeated.clone();
    let list = |t: DataType| DataType::List(Arc::new(Field::new("item", t, true)));
    Arc::new(Schema::new(vec![
        Field::new(SEQ, DataType::UInt64, false),
        Field::new(RECEIVED, ts(), false),
        Field::new(KIND, rep(), false),
        f(DRF, rep()),
        f(TIMESTAMP, ts()),
        f(VALUE, DataType::Float64),
        f(VALUES, list(DataType::Float64)),
        f(TEXT, DataType::Utf8),
        f(TEXTS, list(DataType::Utf8)),
        f(RAW, DataType::Binary),
        f(VALUE_TYPE, rep()),
        f(FACILITY, DataType::Int16),
        f(ERROR_CODE, DataType::Int16),
        f(STATUS_NAME, rep()),
        f(CYCLE, DataType::Int64),
        f(UNITS, rep()),
        f(DEVICE, rep()),
        f(DEVICE_INDEX, DataType::Int32),
        f(COUNT, DataType::UInt64),
        f(DURATION_NS, DataType::Int64),
        f(UNTIL, ts()),
        f(REASON, DataType::Utf8),
        f(ON, DataType::Boolean),
        f(READY, DataType::Boolean),
        f(REMOTE, DataType::Boolean),
        f(POSITIVE, DataType::Boolean),
        f(RAMP, DataType::Boolean),
        f(ALARM_MIN, DataType::Float64),
        f(ALARM_MAX, DataType::Float64),
        f(ALARM_NOMINAL, DataType::Int64),
        f(ALARM_MASK, DataType::Int64),
        f(ALARM_ENABLE, DataType::Boolean),
        f(ALARM_IN_ALARM, DataType::Boolean),
        f(ALARM_ABORT, DataType::Boolean),
        f(ALARM_ABORT_INHIBIT, DataType::Boolean),
        f(ALARM_TRIES_NEEDED, DataType::Int32),
        f(ALARM_TRIES_NOW, DataType::Int32),
    ]))
}
