//! Events to Arrow columns: the producer side of a recording.
//!
//! Each event appends to the columns it uses; the columns it does not use are padded with
//! nulls only when they are next written (or when the group is finished), in one bulk
//! `append_nulls`, so a scalar reading touches a dozen builders, not 37, and allocates
//! nothing per row.
//!
//! The strings that repeat (the DRF, the device name and units, the kind, the value type,
//! the status name) are kept as Arrow dictionaries keyed by the address of the shared string
//! (`Arc<str>`, `Arc<DeviceMeta>`, `&'static str`): a row costs one hash of a pointer, not a
//! copy and a hash of the text, and the Parquet encoder, which dictionary-encodes these
//! columns anyway, hashes each distinct string once per group instead of once per row.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arrow_array::builder::{
    ArrayBuilder, BinaryBuilder, BooleanBuilder, Float64Builder, Int16Builder, Int32Builder,
    Int64Builder, ListBuilder, StringBuilder, TimestampNanosecondBuilder, UInt64Builder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, new_null_array};
use arrow_schema::ArrowError;
use pacsys_types::{DeviceMeta, Event, Reading, Status, Value};

use crate::schema::{UTC, kind, write_schema};

/// Nanoseconds since the Unix epoch, saturating at the ends of the `i64` range (years 1677
/// and 2262).
pub(crate) fn nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// A duration in nanoseconds, saturating at `i64::MAX` (292 years).
pub(crate) fn duration_nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Builders that can be padded with nulls up to a row.
trait Pad: ArrayBuilder {
    fn nulls(&mut self, n: usize);

    /// Appends nulls until the builder holds `row` rows.
    #[inline]
    fn pad_to(&mut self, row: usize) {
        let missing = row - self.len();
        if missing > 0 {
            self.nulls(missing);
        }
    }
}

macro_rules! pad_impl {
    ($($t:ty),*) => {$(
        impl Pad for $t {
            #[inline]
            fn nulls(&mut self, n: usize) {
                self.append_nulls(n);
            }
        }
    )*};
}

/// An empty builder for the next group, with room for `rows` rows when this one was used:
/// growing a builder of a million rows copies megabytes on the thread taking events from
/// the subscription, long enough to make it drop readings.
trait Successor {
    fn successor(&self, rows: usize) -> Self;
}

macro_rules! successor_primitive {
    ($($t:ty),*) => {$(
        impl Successor for $t {
            fn successor(&self, rows: usize) -> Self {
                if self.len() == 0 { <$t>::new() } else { <$t>::with_capacity(rows) }
            }
        }
    )*};
}

successor_primitive!(
    BooleanBuilder,
    Float64Builder,
    Int16Builder,
    Int32Builder,
    Int64Builder,
    TimestampNanosecondBuilder,
    UInt64Builder
);

macro_rules! successor_bytes {
    ($($t:ty),*) => {$(
        impl Successor for $t {
            fn successor(&self, rows: usize) -> Self {
                if self.len() == 0 {
                    return <$t>::new();
                }
                let bytes = self.values_slice().len() as u128 * rows as u128 / self.len() as u128;
                <$t>::with_capacity(rows, usize::try_from(bytes).unwrap_or(0))
            }
        }
    )*};
}

successor_bytes!(StringBuilder, BinaryBuilder);

impl Successor for ListBuilder<Float64Builder> {
    fn successor(&self, _rows: usize) -> Self {
        ListBuilder::new(Float64Builder::new())
    }
}

impl Successor for ListBuilder<StringBuilder> {
    fn successor(&self, _rows: usize) -> Self {
        ListBuilder::new(StringBuilder::new())
    }
}

/// Finishing a column of `rows` rows (padded with nulls).
trait FinishColumn {
    fn finish_column(&mut self, rows: usize) -> Result<ArrayRef, ArrowError>;
}

impl<B: Pad> FinishColumn for B {
    fn finish_column(&mut self, rows: usize) -> Result<ArrayRef, ArrowError> {
        if self.len() == 0 {
            // Unused in this group: all null, in zeroed memory the kernel maps on demand (the
            // Parquet encoder reads only the validity bitmap of such a column).
            let empty = self.finish();
            return Ok(new_null_array(empty.data_type(), rows));
        }
        self.pad_to(rows);
        Ok(self.finish())
    }
}

pad_impl!(
    BinaryBuilder,
    BooleanBuilder,
    Float64Builder,
    Int16Builder,
    Int32Builder,
    Int64Builder,
    StringBuilder,
    TimestampNanosecondBuilder,
    UInt64Builder,
    ListBuilder<Float64Builder>,
    ListBuilder<StringBuilder>
);

/// A hasher for pointer keys: one multiply (the keys are addresses, not attacker data).
#[derive(Default)]
struct PtrHasher(u64);

impl Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(26);
    }
}

type PtrMap<V> = HashMap<usize, V, BuildHasherDefault<PtrHasher>>;

/// The distinct strings of one dictionary column of a group; the rows hold keys into it.
/// The strings go to the encoder with the first chunk that uses them.
struct Dict {
    /// Distinct values so far (the next key).
    len: i32,
    /// Values added since the last chunk was sent.
    pending: Vec<String>,
    /// Static strings (kind, value type, status name) by address.
    statics: PtrMap<i32>,
}

impl Dict {
    fn new() -> Dict {
        Dict {
            len: 0,
            pending: Vec::new(),
            statics: PtrMap::default(),
        }
    }

    /// Adds a distinct value; returns its key.
    fn add(&mut self, value: &str) -> i32 {
        let key = self.len;
        self.len += 1;
        self.pending.push(value.to_owned());
        key
    }

    /// The key of a static string.
    #[inline]
    fn static_key(&mut self, value: &'static str) -> i32 {
        let addr = value.as_ptr() as usize;
        match self.statics.get(&addr) {
            Some(&key) => key,
            None => {
                let key = self.add(value);
                self.statics.insert(addr, key);
                key
            }
        }
    }
}

/// The dictionaries of a group, shared by all its chunks (so the Parquet encoder hashes each
/// distinct string once per group).
struct Dicts {
    kind: Dict,
    drf: Dict,
    value_type: Dict,
    status_name: Dict,
    units: Dict,
    device: Dict,
    /// The key of each DRF, by the address of its shared string (kept alive here, so no
    /// other string can take its address while the group is open).
    drf_keys: PtrMap<(i32, Arc<str>)>,
    /// The keys of each device's metadata, by the address of the shared metadata (kept
    /// alive here).
    meta_keys: PtrMap<(MetaKeys, Arc<DeviceMeta>)>,
}

impl Dicts {
    fn with_capacity(drfs: usize, metas: usize) -> Dicts {
        Dicts {
            kind: Dict::new(),
            drf: Dict::new(),
            value_type: Dict::new(),
            status_name: Dict::new(),
            units: Dict::new(),
            device: Dict::new(),
            drf_keys: PtrMap::with_capacity_and_hasher(drfs, Default::default()),
            meta_keys: PtrMap::with_capacity_and_hasher(metas, Default::default()),
        }
    }

    /// The key of a DRF.
    #[inline]
    fn drf(&mut self, drf: &Arc<str>) -> i32 {
        let addr = Arc::as_ptr(drf) as *const u8 as usize;
        match self.drf_keys.get(&addr) {
            Some(&(key, _)) => key,
            None => {
                let key = self.drf.add(drf);
                self.drf_keys.insert(addr, (key, drf.clone()));
                key
            }
        }
    }

    /// The keys of a device's metadata.
    #[inline]
    fn meta(&mut self, meta: &Arc<DeviceMeta>) -> MetaKeys {
        let addr = Arc::as_ptr(meta) as usize;
        match self.meta_keys.get(&addr) {
            Some(&(keys, _)) => keys,
            None => {
                let keys = MetaKeys {
                    device: self.device.add(&meta.name),
                    units: meta.units.as_deref().map(|u| self.units.add(u)),
                };
                self.meta_keys.insert(addr, (keys, meta.clone()));
                keys
            }
        }
    }

    /// The values added since the last call, per dictionary column (kind, drf, value_type,
    /// status_name, units, device).
    fn take_pending(&mut self) -> [Vec<String>; 6] {
        [
            std::mem::take(&mut self.kind.pending),
            std::mem::take(&mut self.drf.pending),
            std::mem::take(&mut self.value_type.pending),
            std::mem::take(&mut self.status_name.pending),
            std::mem::take(&mut self.units.pending),
            std::mem::take(&mut self.device.pending),
        ]
    }
}

/// The encoder's copy of a group's dictionaries: the values sent with the chunks so far,
/// as arrays shared by every chunk until a new value arrives (so the Parquet encoder, which
/// caches its dictionary lookups per values array, hashes each string about once a group).
pub(crate) struct GroupDicts {
    builders: [StringBuilder; 6],
    arrays: [ArrayRef; 6],
}

impl Default for GroupDicts {
    fn default() -> Self {
        let empty = || Arc::new(StringBuilder::new().finish()) as ArrayRef;
        GroupDicts {
            builders: Default::default(),
            arrays: [empty(), empty(), empty(), empty(), empty(), empty()],
        }
    }
}

impl GroupDicts {
    fn extend(&mut self, new: &[Vec<String>; 6]) {
        for ((builder, array), values) in self.builders.iter_mut().zip(&mut self.arrays).zip(new) {
            if !values.is_empty() {
                for v in values {
                    builder.append_value(v);
                }
                *array = Arc::new(builder.finish_cloned());
            }
        }
    }
}

/// A column of dictionary keys: the row's string is `values[key]`.
fn dictionary(
    keys: &mut Int32Builder,
    rows: usize,
    values: &ArrayRef,
) -> Result<ArrayRef, ArrowError> {
    let keys = if keys.len() == 0 {
        let _ = keys.finish();
        Int32Array::new_null(rows)
    } else {
        keys.pad_to(rows);
        keys.finish()
    };
    Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
        keys,
        values.clone(),
    )?))
}

/// The dictionary keys of one device's metadata.
#[derive(Clone, Copy)]
struct MetaKeys {
    device: i32,
    units: Option<i32>,
}

/// Rows per chunk: the builders of a chunk are sized once and never grow (growing a builder
/// of a million rows copies megabytes on the thread taking events from the subscription),
/// and each chunk is a short piece of work for the encoder (a few milliseconds), so waking
/// it never holds the recorder's thread off a core for long.
pub(crate) const CHUNK: usize = 16_384;

/// The open row group on the recorder's thread: its dictionaries and the chunk being
/// filled. Full chunks go to the encoder as they fill ([`Rows::take_chunk`]), so encoding is
/// spread over the group's interval instead of a burst when it closes.
pub(crate) struct Rows {
    dicts: Dicts,
    open: Chunk,
    /// Rows in the group (sent chunks included).
    n: usize,
}

/// A chunk on its way to the encoder, with the dictionary values its keys may need that
/// earlier chunks of its group did not carry.
pub(crate) struct ChunkMsg {
    chunk: Chunk,
    new_values: [Vec<String>; 6],
}

impl ChunkMsg {
    /// The chunk as a batch of [`write_schema`], its dictionaries `dicts` (the group's,
    /// extended with this chunk's new values).
    pub(crate) fn into_batch(mut self, dicts: &mut GroupDicts) -> Result<RecordBatch, ArrowError> {
        dicts.extend(&self.new_values);
        self.chunk.finish(&dicts.arrays)
    }
}

impl Default for Rows {
    fn default() -> Self {
        Rows::new()
    }
}

impl Rows {
    pub(crate) fn new() -> Rows {
        Rows {
            dicts: Dicts::with_capacity(0, 0),
            open: Chunk::new(),
            n: 0,
        }
    }

    /// Rows in the group.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Whether the chunk being filled is full (take it before the next push).
    pub(crate) fn chunk_full(&self) -> bool {
        self.open.n >= CHUNK
    }

    /// The chunk being filled, if it has rows, replaced by an empty one sized for a chunk.
    pub(crate) fn take_chunk(&mut self) -> Option<ChunkMsg> {
        if self.open.n == 0 {
            return None;
        }
        let next = self.open.successor(CHUNK);
        Some(ChunkMsg {
            chunk: std::mem::replace(&mut self.open, next),
            new_values: self.dicts.take_pending(),
        })
    }

    /// Starts the next group (after the last chunk was taken): new dictionaries.
    pub(crate) fn next_group(&mut self) {
        self.dicts = Dicts::with_capacity(self.dicts.drf_keys.len(), self.dicts.meta_keys.len());
        self.n = 0;
    }

    /// Appends the row(s) of one event, numbering them from `*seq` on (advanced past them).
    /// Returns `(rows, readings)` appended.
    pub(crate) fn push(&mut self, seq: &mut u64, received: i64, event: &Event) -> (u64, u64) {
        let added = self.open.push(&mut self.dicts, seq, received, event);
        self.n += added.0 as usize;
        added
    }
}

/// Up to [`CHUNK`] rows: one builder per column of [`schema`] (dictionary keys for the
/// repeated strings).
struct Chunk {
    /// Rows appended so far.
    n: usize,
    seq: UInt64Builder,
    received: TimestampNanosecondBuilder,
    kind: Int32Builder,
    drf: Int32Builder,
    timestamp: TimestampNanosecondBuilder,
    value: Float64Builder,
    values: ListBuilder<Float64Builder>,
    text: StringBuilder,
    texts: ListBuilder<StringBuilder>,
    raw: BinaryBuilder,
    value_type: Int32Builder,
    facility: Int16Builder,
    error_code: Int16Builder,
    status_name: Int32Builder,
    cycle: Int64Builder,
    units: Int32Builder,
    device: Int32Builder,
    device_index: Int32Builder,
    count: UInt64Builder,
    duration_ns: Int64Builder,
    until: TimestampNanosecondBuilder,
    reason: StringBuilder,
    on: BooleanBuilder,
    ready: BooleanBuilder,
    remote: BooleanBuilder,
    positive: BooleanBuilder,
    ramp: BooleanBuilder,
    alarm_min: Float64Builder,
    alarm_max: Float64Builder,
    alarm_nominal: Int64Builder,
    alarm_mask: Int64Builder,
    alarm_enable: BooleanBuilder,
    alarm_in_alarm: BooleanBuilder,
    alarm_abort: BooleanBuilder,
    alarm_abort_inhibit: BooleanBuilder,
    alarm_tries_needed: Int32Builder,
    alarm_tries_now: Int32Builder,
}

/// Sets column `$col` of row `$row` (padding the rows before it with nulls).
macro_rules! put {
    ($self:ident, $row:ident, $col:ident, $v:expr) => {{
        $self.$col.pad_to($row);
        $self.$col.append_value($v);
    }};
}

/// Sets column `$col` of row `$row` when `$v` is `Some`.
macro_rules! put_opt {
    ($self:ident, $row:ident, $col:ident, $v:expr) => {
        if let Some(v) = $v {
            put!($self, $row, $col, v);
        }
    };
}

/// Calls `$m!` with every column of a chunk, in schema order.
macro_rules! all_columns {
    ($m:ident) => {
        $m!(
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
            alarm_tries_now
        )
    };
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            n: 0,
            seq: UInt64Builder::new(),
            received: TimestampNanosecondBuilder::new(),
            kind: Int32Builder::new(),
            drf: Int32Builder::new(),
            timestamp: TimestampNanosecondBuilder::new(),
            value: Float64Builder::new(),
            values: ListBuilder::new(Float64Builder::new()),
            text: StringBuilder::new(),
            texts: ListBuilder::new(StringBuilder::new()),
            raw: BinaryBuilder::new(),
            value_type: Int32Builder::new(),
            facility: Int16Builder::new(),
            error_code: Int16Builder::new(),
            status_name: Int32Builder::new(),
            cycle: Int64Builder::new(),
            units: Int32Builder::new(),
            device: Int32Builder::new(),
            device_index: Int32Builder::new(),
            count: UInt64Builder::new(),
            duration_ns: Int64Builder::new(),
            until: TimestampNanosecondBuilder::new(),
            reason: StringBuilder::new(),
            on: BooleanBuilder::new(),
            ready: BooleanBuilder::new(),
            remote: BooleanBuilder::new(),
            positive: BooleanBuilder::new(),
            ramp: BooleanBuilder::new(),
            alarm_min: Float64Builder::new(),
            alarm_max: Float64Builder::new(),
            alarm_nominal: Int64Builder::new(),
            alarm_mask: Int64Builder::new(),
            alarm_enable: BooleanBuilder::new(),
            alarm_in_alarm: BooleanBuilder::new(),
            alarm_abort: BooleanBuilder::new(),
            alarm_abort_inhibit: BooleanBuilder::new(),
            alarm_tries_needed: Int32Builder::new(),
            alarm_tries_now: Int32Builder::new(),
        }
    }

    /// Empty builders for the next chunk, with room for `rows` rows in the columns this one
    /// used.
    fn successor(&self, rows: usize) -> Chunk {
        macro_rules! next {
            ($($col:ident),*) => {
                Chunk { n: 0, $( $col: self.$col.successor(rows), )* }
            };
        }
        all_columns!(next)
    }

    fn push(&mut self, d: &mut Dicts, seq: &mut u64, received: i64, event: &Event) -> (u64, u64) {
        match event {
            Event::Reading(r) => {
                let n = self.reading(d, seq, received, r);
                (n, n)
            }
            Event::Error { drf, status } => {
                let row = self.begin(d, seq, received, kind::ERROR);
                put!(self, row, drf, d.drf(drf));
                self.status(d, row, *status);
                (1, 0)
            }
            Event::Disconnected { reason } => {
                let row = self.begin(d, seq, received, kind::DISCONNECTED);
                put!(self, row, reason, reason);
                (1, 0)
            }
            Event::Reconnected { gap } => {
                let row = self.begin(d, seq, received, kind::RECONNECTED);
                put!(self, row, duration_ns, duration_nanos(*gap));
                (1, 0)
            }
            Event::Dropped { count } => {
                let row = self.begin(d, seq, received, kind::DROPPED);
                put!(self, row, count, *count);
                (1, 0)
            }
            Event::Stale { drf, silent_for } | Event::Fresh { drf, silent_for } => {
                let k = if matches!(event, Event::Stale { .. }) {
                    kind::STALE
                } else {
                    kind::FRESH
                };
                let row = self.begin(d, seq, received, k);
                put!(self, row, drf, d.drf(drf));
                put!(self, row, duration_ns, duration_nanos(*silent_for));
                (1, 0)
            }
            Event::Gap {
                drf,
                from,
                to,
                reason,
            } => {
                let row = self.begin(d, seq, received, kind::GAP);
                put!(self, row, drf, d.drf(drf));
                put!(self, row, timestamp, nanos(*from));
                put!(self, row, until, nanos(*to));
                put!(self, row, reason, reason);
                (1, 0)
            }
            // A kind added to pacsys-types after this crate: kept as text, so nothing is lost
            // silently; reading it back reports the unknown kind.
            other => {
                let row = self.begin(d, seq, received, "other");
                put!(self, row, reason, other.to_string());
                (1, 0)
            }
        }
    }

    /// Starts a row: its seq, received time and kind. Returns its index.
    #[inline]
    fn begin(&mut self, d: &mut Dicts, seq: &mut u64, received: i64, kind: &'static str) -> usize {
        let row = self.n;
        self.seq.append_value(*seq);
        self.received.append_value(received);
        self.kind.append_value(d.kind.static_key(kind));
        *seq += 1;
        self.n += 1;
        row
    }

    #[inline]
    fn status(&mut self, d: &mut Dicts, row: usize, status: Status) {
        put!(self, row, facility, i16::from(status.facility()));
        put!(self, row, error_code, i16::from(status.error()));
        if !status.is_ok()
            && let Some(name) = status.name()
        {
            put!(self, row, status_name, d.status_name.static_key(name));
        }
    }

    /// The columns every row of a reading shares: drf, status, cycle, metadata, and the
    /// timestamp given.
    #[inline]
    fn reading_common(
        &mut self,
        d: &mut Dicts,
        seq: &mut u64,
        received: i64,
        r: &Reading,
        ts: Option<i64>,
    ) -> usize {
        let row = self.begin(d, seq, received, kind::READING);
        put!(self, row, drf, d.drf(&r.drf));
        put_opt!(self, row, timestamp, ts);
        self.status(d, row, r.status);
        put_opt!(self, row, cycle, r.cycle);
        if let Some(meta) = &r.meta {
            let keys = d.meta(meta);
            put!(self, row, device, keys.device);
            put_opt!(self, row, units, keys.units);
            put!(self, row, device_index, meta.device_index);
        }
        row
    }

    fn reading(&mut self, d: &mut Dicts, seq: &mut u64, received: i64, r: &Reading) -> u64 {
        let ts = r.timestamp.map(nanos);
        let Some(value) = &r.value else {
            self.reading_common(d, seq, received, r, ts);
            return 1;
        };
        if let Value::TimedArray(t) = value
            && !t.data.is_empty()
        {
            // One scalar row per point, at the point's own time.
            for (i, &x) in t.data.iter().enumerate() {
                let point = t.micros.get(i).map(|&us| us.saturating_mul(1000)).or(ts);
                let row = self.reading_common(d, seq, received, r, point);
                put!(self, row, value, x);
                put!(self, row, value_type, d.value_type.static_key("scalar"));
            }
            return t.data.len() as u64;
        }
        let row = self.reading_common(d, seq, received, r, ts);
        put!(
            self,
            row,
            value_type,
            d.value_type.static_key(value.kind_name())
        );
        match value {
            Value::Scalar(x) => put!(self, row, value, *x),
            Value::Array(xs) => {
                self.values.pad_to(row);
                self.values.values().append_slice(xs);
                self.values.append(true);
            }
            Value::Raw(bytes) => put!(self, row, raw, bytes),
            Value::Text(s) => put!(self, row, text, s),
            Value::TextArray(ss) => {
                self.texts.pad_to(row);
                for s in ss {
                    self.texts.values().append_value(s);
                }
                self.texts.append(true);
            }
            Value::TimedArray(_) => {
                // Empty (the non-empty ones were expanded above): an empty list.
                self.values.pad_to(row);
                self.values.append(true);
            }
            Value::AnalogAlarm(a) => {
                put!(self, row, alarm_min, a.minimum);
                put!(self, row, alarm_max, a.maximum);
                self.alarm_state(
                    row,
                    a.alarm_enable,
                    a.alarm_status,
                    a.abort,
                    a.abort_inhibit,
                );
                put!(self, row, alarm_tries_needed, a.tries_needed);
                put!(self, row, alarm_tries_now, a.tries_now);
            }
            Value::DigitalAlarm(a) => {
                put!(self, row, alarm_nominal, i64::from(a.nominal));
                put!(self, row, alarm_mask, i64::from(a.mask));
                self.alarm_state(
                    row,
                    a.alarm_enable,
                    a.alarm_status,
                    a.abort,
                    a.abort_inhibit,
                );
                put!(self, row, alarm_tries_needed, a.tries_needed);
                put!(self, row, alarm_tries_now, a.tries_now);
            }
            Value::BasicStatus(s) => {
                put_opt!(self, row, on, s.on);
                put_opt!(self, row, ready, s.ready);
                put_opt!(self, row, remote, s.remote);
                put_opt!(self, row, positive, s.positive);
                put_opt!(self, row, ramp, s.ramp);
            }
            // A value kind added to pacsys-types after this crate: its kind name only.
            _ => {}
        }
        1
    }

    fn alarm_state(
        &mut self,
        row: usize,
        enable: bool,
        in_alarm: bool,
        abort: bool,
        inhibit: bool,
    ) {
        put!(self, row, alarm_enable, enable);
        put!(self, row, alarm_in_alarm, in_alarm);
        put!(self, row, alarm_abort, abort);
        put!(self, row, alarm_abort_inhibit, inhibit);
    }

    /// The chunk as one batch of [`write_schema`], its dictionary columns keyed into `dicts`
    /// (kind, drf, value_type, status_name, units, device).
    fn finish(&mut self, dicts: &[ArrayRef; 6]) -> Result<RecordBatch, ArrowError> {
        let n = self.n;
        self.n = 0;
        let [kind, drf, value_type, status_name, units, device] = dicts;
        let columns = vec![
            self.seq.finish_column(n)?,
            zoned(self.received.finish_column(n)?),
            dictionary(&mut self.kind, n, kind)?,
            dictionary(&mut self.drf, n, drf)?,
            zoned(self.timestamp.finish_column(n)?),
            self.value.finish_column(n)?,
            self.values.finish_column(n)?,
            self.text.finish_column(n)?,
            self.texts.finish_column(n)?,
            self.raw.finish_column(n)?,
            dictionary(&mut self.value_type, n, value_type)?,
            self.facility.finish_column(n)?,
            self.error_code.finish_column(n)?,
            dictionary(&mut self.status_name, n, status_name)?,
            self.cycle.finish_column(n)?,
            dictionary(&mut self.units, n, units)?,
            dictionary(&mut self.device, n, device)?,
            self.device_index.finish_column(n)?,
            self.count.finish_column(n)?,
            self.duration_ns.finish_column(n)?,
            zoned(self.until.finish_column(n)?),
            self.reason.finish_column(n)?,
            self.on.finish_column(n)?,
            self.ready.finish_column(n)?,
            self.remote.finish_column(n)?,
            self.positive.finish_column(n)?,
            self.ramp.finish_column(n)?,
            self.alarm_min.finish_column(n)?,
            self.alarm_max.finish_column(n)?,
            self.alarm_nominal.finish_column(n)?,
            self.alarm_mask.finish_column(n)?,
            self.alarm_enable.finish_column(n)?,
            self.alarm_in_alarm.finish_column(n)?,
            self.alarm_abort.finish_column(n)?,
            self.alarm_abort_inhibit.finish_column(n)?,
            self.alarm_tries_needed.finish_column(n)?,
            self.alarm_tries_now.finish_column(n)?,
        ];
        RecordBatch::try_new(write_schema(), columns)
    }
}

/// A timestamp column with its time zone (the builders make naive ones).
fn zoned(column: ArrayRef) -> ArrayRef {
    match column
        .as_any()
        .downcast_ref::<arrow_array::TimestampNanosecondArray>()
    {
        Some(a) => Arc::new(a.clone().with_timezone(UTC)),
        None => column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use pacsys_types::TimedArray;

    /// Every chunk of a group as batches, as the encoder makes them.
    fn batches(rows: &mut Rows, full: Vec<ChunkMsg>) -> Vec<RecordBatch> {
        let mut dicts = GroupDicts::default();
        full.into_iter()
            .chain(rows.take_chunk())
            .map(|c| c.into_batch(&mut dicts).expect("batch"))
            .collect()
    }

    fn one_batch(mut rows: Rows) -> RecordBatch {
        let mut batches = batches(&mut rows, Vec::new());
        assert_eq!(batches.len(), 1);
        batches.remove(0)
    }

    #[test]
    fn groups_are_cut_into_chunks_sharing_dictionaries() {
        let mut rows = Rows::new();
        let mut seq = 0;
        let mut full = Vec::new();
        let drfs: Vec<Arc<str>> = (0..4).map(|i| Arc::from(format!("D:{i}"))).collect();
        for i in 0..2 * CHUNK + 10 {
            if rows.chunk_full() {
                full.extend(rows.take_chunk());
            }
            // D:3 only shows up in the last chunk.
            let drf = if i == 2 * CHUNK + 5 {
                &drfs[3]
            } else {
                &drfs[i % 3]
            };
            let r = Reading::new(drf.clone(), Status::OK).with_value(Value::Scalar(1.0));
            rows.push(&mut seq, i as i64, &Event::Reading(r));
        }
        rows.push(&mut seq, 0, &Event::Dropped { count: 1 });
        assert_eq!(rows.len(), 2 * CHUNK + 11);
        let batches = batches(&mut rows, full);
        assert_eq!(
            batches
                .iter()
                .map(RecordBatch::num_rows)
                .collect::<Vec<_>>(),
            [CHUNK, CHUNK, 11]
        );
        let values = |b: &RecordBatch| {
            let drf = b.column_by_name("drf").expect("drf");
            let dict = drf
                .as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .expect("dict");
            dict.values().clone()
        };
        // The first two chunks share one values array; the third brought a new value.
        assert!(Arc::ptr_eq(&values(&batches[0]), &values(&batches[1])));
        assert_eq!(values(&batches[1]).len(), 3);
        assert_eq!(values(&batches[2]).len(), 4);
        // The next group starts its keys over.
        rows.next_group();
        let r = Reading::new(drfs[3].clone(), Status::OK);
        rows.push(&mut seq, 0, &Event::Reading(r));
        assert_eq!(values(&one_batch(rows)).len(), 1);
    }

    #[test]
    fn scalar_rows_pad_unused_columns_with_nulls() {
        let mut rows = Rows::new();
        let mut seq = 10;
        let r = Reading::new(Arc::from("M:OUTTMP"), Status::OK).with_value(Value::Scalar(1.5));
        rows.push(&mut seq, 5, &Event::Reading(r));
        rows.push(&mut seq, 6, &Event::Dropped { count: 3 });
        assert_eq!((seq, rows.len()), (12, 2));
        let batch = one_batch(rows);
        assert_eq!(batch.num_rows(), 2);
        let value = batch.column_by_name("value").expect("value");
        assert_eq!((value.null_count(), value.is_null(1)), (1, true));
        let count = batch.column_by_name("count").expect("count");
        assert_eq!((count.null_count(), count.is_null(0)), (1, true));
        assert_eq!(batch.column_by_name("on").map(|c| c.null_count()), Some(2));
    }

    #[test]
    fn timed_arrays_expand_to_one_row_per_point() {
        let mut rows = Rows::new();
        let mut seq = 0;
        let t = TimedArray {
            data: vec![1.0, 2.0, 3.0],
            micros: vec![1, 2],
        };
        let r = Reading::new(Arc::from("X"), Status::OK)
            .with_value(Value::TimedArray(t))
            .with_timestamp(Some(UNIX_EPOCH + Duration::from_secs(9)));
        assert_eq!(rows.push(&mut seq, 0, &Event::Reading(r)), (3, 3));
        let batch = one_batch(rows);
        let ts = batch
            .column_by_name("timestamp")
            .and_then(|c| {
                c.as_any()
                    .downcast_ref::<arrow_array::TimestampNanosecondArray>()
            })
            .expect("timestamp");
        assert_eq!(ts.values().to_vec(), vec![1000, 2000, 9_000_000_000]);
    }

    #[test]
    fn times_saturate() {
        assert_eq!(nanos(UNIX_EPOCH + Duration::from_nanos(5)), 5);
        assert_eq!(nanos(UNIX_EPOCH - Duration::from_nanos(5)), -5);
        assert_eq!(
            nanos(UNIX_EPOCH + Duration::from_secs(u64::MAX / 4)),
            i64::MAX
        );
        assert_eq!(duration_nanos(Duration::MAX), i64::MAX);
    }
}
