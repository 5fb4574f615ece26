//! Events to column buffers (the producer side of a recording), and the buffers into
//! Parquet column writers (the encoder's side).
//!
//! Each event appends to the columns it uses; the columns it does not use are padded with
//! nulls (a definition level of 0) only when they are next written or when the chunk is
//! encoded, so a scalar reading touches a dozen buffers, not 37, and allocates nothing per
//! row.
//!
//! The strings that repeat (the DRF, the device name and units, the kind, the value type,
//! the status name) are stored as keys into the group's distinct values, found by the
//! address of the shared string (`Arc<str>`, `Arc<DeviceMeta>`, `&'static str`): a row costs
//! one hash of a pointer, not a copy and a hash of the text.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use pacsys_types::{DeviceMeta, Event, Reading, Status, Value};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::{ByteArray, DataType};
use parquet::errors::ParquetError;

use crate::buffers::{ColumnBuf, Keys, bytes};
use crate::schema::{COLUMNS, Columns, Kind, Mode, Nulls, Visitor, kind};

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

/// An unsigned 64-bit value as Parquet stores it (the bits of an `INT64` annotated
/// unsigned).
#[inline]
pub(crate) fn u64_bits(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

/// The recorder's side of [`Columns`]: each column's buffer ([`Kind::Buf`]).
pub(crate) struct Build;

impl Mode for Build {
    type Of<K: Kind> = K::Buf;
}

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

/// The distinct values of one repeated-string column in a group: how many (the next key),
/// and the keys of static strings by address.
#[derive(Default)]
struct Dict {
    len: i32,
    statics: PtrMap<i32>,
}

impl Dict {
    /// Adds a distinct value, sent with the chunk `column` belongs to; returns its key.
    fn add(&mut self, value: ByteArray, column: &mut Keys) -> i32 {
        let key = self.len;
        self.len += 1;
        column.new.push(value);
        key
    }

    /// The key of a static string.
    #[inline]
    fn static_key(&mut self, value: &'static str, column: &mut Keys) -> i32 {
        let addr = value.as_ptr() as usize;
        match self.statics.get(&addr) {
            Some(&key) => key,
            None => {
                // Not copied: the encoder's copies of a static string cost no reference
                // counting.
                let key = self.add(Bytes::from_static(value.as_bytes()).into(), column);
                self.statics.insert(addr, key);
                key
            }
        }
    }
}

/// The distinct values of a group, shared by all its chunks (so the Parquet encoder's
/// dictionary sees each once per row, never a copy per row on this side).
#[derive(Default)]
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
            drf_keys: PtrMap::with_capacity_and_hasher(drfs, Default::default()),
            meta_keys: PtrMap::with_capacity_and_hasher(metas, Default::default()),
            ..Dicts::default()
        }
    }

    /// The key of a DRF.
    #[inline]
    fn drf(&mut self, drf: &Arc<str>, column: &mut Keys) -> i32 {
        let addr = Arc::as_ptr(drf) as *const u8 as usize;
        match self.drf_keys.get(&addr) {
            Some(&(key, _)) => key,
            None => {
                let key = self.drf.add(bytes(drf), column);
                self.drf_keys.insert(addr, (key, drf.clone()));
                key
            }
        }
    }

    /// The keys of a device's metadata.
    #[inline]
    fn meta(&mut self, meta: &Arc<DeviceMeta>, c: &mut Columns<Build>) -> MetaKeys {
        let addr = Arc::as_ptr(meta) as usize;
        match self.meta_keys.get(&addr) {
            Some(&(keys, _)) => keys,
            None => {
                let keys = MetaKeys {
                    device: self.device.add(bytes(&meta.name), &mut c.device),
                    units: meta
                        .units
                        .as_deref()
                        .map(|u| self.units.add(bytes(u), &mut c.units)),
                };
                self.meta_keys.insert(addr, (keys, meta.clone()));
                keys
            }
        }
    }
}

/// The dictionary keys of one device's metadata.
#[derive(Clone, Copy)]
struct MetaKeys {
    device: i32,
    units: Option<i32>,
}

/// Rows per chunk: each chunk is a short piece of work for the encoder (a few
/// milliseconds), so waking it never holds the recorder's thread off a core for long, and
/// the buffers of the next chunk are sized once from this one.
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

impl Default for Rows {
    fn default() -> Self {
        Rows::new()
    }
}

impl Rows {
    pub(crate) fn new() -> Rows {
        Rows {
            dicts: Dicts::default(),
            open: Chunk::default(),
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
    pub(crate) fn take_chunk(&mut self) -> Option<Chunk> {
        if self.open.n == 0 {
            return None;
        }
        let next = self.open.successor(CHUNK);
        Some(std::mem::replace(&mut self.open, next))
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

/// Up to about [`CHUNK`] rows (one event is never split): a buffer per column, and the
/// values of the group's dictionaries this chunk uses first.
#[derive(Default)]
pub(crate) struct Chunk {
    /// Rows appended so far.
    n: usize,
    c: Columns<Build>,
}

/// Sets column `$col` of row `$row` (the rows before it that are not set are null).
macro_rules! put {
    ($self:ident, $row:ident, $col:ident, $v:expr) => {{
        let v = $v;
        $self.c.$col.set($row, v);
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

impl Chunk {
    /// Empty buffers for the next chunk, with room for `rows` rows in the columns this one
    /// used (only the single-value columns: lists and keys' values grow as needed).
    fn successor(&mut self, rows: usize) -> Chunk {
        let mut used = Used {
            rows,
            chunk_rows: self.n.max(1),
            sizes: Vec::with_capacity(COLUMNS.len()),
        };
        let Ok(()) = self.c.visit(&mut used);
        let mut next = Chunk::default();
        let Ok(()) = next.c.visit(&mut Reserve(used.sizes.into_iter()));
        next
    }

    /// Writes the chunk's rows into the group's column writers (`writers[i]` for
    /// [`COLUMNS`]`[i]`), `dicts` the encoder's copy of the group's distinct values per
    /// column.
    pub(crate) fn write(
        mut self,
        writers: &mut [ColumnWriter<'_>],
        dicts: &mut [Vec<ByteArray>],
    ) -> Result<(), ParquetError> {
        let mut write = Write {
            writers,
            dicts,
            rows: self.n,
        };
        self.c.visit(&mut write)
    }

    fn push(&mut self, d: &mut Dicts, seq: &mut u64, received: i64, event: &Event) -> (u64, u64) {
        match event {
            Event::Reading(r) => {
                let n = self.reading(d, seq, received, r);
                (n, n)
            }
            Event::Error { drf, status } => {
                let row = self.begin(d, seq, received, kind::ERROR);
                put!(self, row, drf, d.drf(drf, &mut self.c.drf));
                self.status(d, row, *status);
                (1, 0)
            }
            Event::Disconnected { reason } => {
                let row = self.begin(d, seq, received, kind::DISCONNECTED);
                put!(self, row, reason, bytes(reason));
                (1, 0)
            }
            Event::Reconnected { gap } => {
                let row = self.begin(d, seq, received, kind::RECONNECTED);
                put!(self, row, duration_ns, duration_nanos(*gap));
                (1, 0)
            }
            Event::Dropped { count } => {
                let row = self.begin(d, seq, received, kind::DROPPED);
                put!(self, row, count, u64_bits(*count));
                (1, 0)
            }
            Event::Stale { drf, silent_for } | Event::Fresh { drf, silent_for } => {
                let k = if matches!(event, Event::Stale { .. }) {
                    kind::STALE
                } else {
                    kind::FRESH
                };
                let row = self.begin(d, seq, received, k);
                put!(self, row, drf, d.drf(drf, &mut self.c.drf));
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
                put!(self, row, drf, d.drf(drf, &mut self.c.drf));
                put!(self, row, timestamp, nanos(*from));
                put!(self, row, until, nanos(*to));
                put!(self, row, reason, bytes(reason));
                (1, 0)
            }
            // A kind added to pacsys-types after this crate: kept as text, so nothing is lost
            // silently; reading it back reports the unknown kind.
            other => {
                let row = self.begin(d, seq, received, "other");
                put!(self, row, reason, bytes(&other.to_string()));
                (1, 0)
            }
        }
    }

    /// Starts a row: its seq, received time and kind. Returns its index.
    #[inline]
    fn begin(&mut self, d: &mut Dicts, seq: &mut u64, received: i64, kind: &'static str) -> usize {
        let row = self.n;
        put!(self, row, seq, u64_bits(*seq));
        put!(self, row, received, received);
        put!(self, row, kind, d.kind.static_key(kind, &mut self.c.kind));
        *seq += 1;
        self.n += 1;
        row
    }

    #[inline]
    fn status(&mut self, d: &mut Dicts, row: usize, status: Status) {
        put!(self, row, facility, i32::from(status.facility()));
        put!(self, row, error_code, i32::from(status.error()));
        if !status.is_ok()
            && let Some(name) = status.name()
        {
            put!(
                self,
                row,
                status_name,
                d.status_name.static_key(name, &mut self.c.status_name)
            );
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
        put!(self, row, drf, d.drf(&r.drf, &mut self.c.drf));
        put_opt!(self, row, timestamp, ts);
        self.status(d, row, r.status);
        put_opt!(self, row, cycle, r.cycle);
        if let Some(meta) = &r.meta {
            let keys = d.meta(meta, &mut self.c);
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
                put!(
                    self,
                    row,
                    value_type,
                    d.value_type.static_key("scalar", &mut self.c.value_type)
                );
            }
            return t.data.len() as u64;
        }
        let row = self.reading_common(d, seq, received, r, ts);
        put!(
            self,
            row,
            value_type,
            d.value_type
                .static_key(value.kind_name(), &mut self.c.value_type)
        );
        match value {
            Value::Scalar(x) => put!(self, row, value, *x),
            Value::Array(xs) => self.c.values.set(row, xs.iter().copied()),
            Value::Raw(raw) => put!(self, row, raw, ByteArray::from(raw.clone())),
            Value::Text(s) => put!(self, row, text, bytes(s)),
            Value::TextArray(ss) => self.c.texts.set(row, ss.iter().map(|s| bytes(s))),
            Value::TimedArray(_) => {
                // Empty (the non-empty ones were expanded above): an empty list.
                self.c.values.set(row, std::iter::empty());
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
}

/// Collects the sizes of a chunk's used columns, scaled to `rows` rows.
struct Used {
    rows: usize,
    chunk_rows: usize,
    sizes: Vec<Option<(usize, usize)>>,
}

impl Visitor<Build> for Used {
    type Error = std::convert::Infallible;

    fn visit<K: Kind>(&mut self, _: usize, column: &mut K::Buf) -> Result<(), Self::Error> {
        let scale = |n: usize| n.saturating_mul(self.rows) / self.chunk_rows;
        let used = ColumnBuf::<K::P>::used(column).map(|(v, l)| (scale(v), scale(l)));
        self.sizes.push(used);
        Ok(())
    }
}

/// Makes room in each column for the sizes [`Used`] found.
struct Reserve(std::vec::IntoIter<Option<(usize, usize)>>);

impl Visitor<Build> for Reserve {
    type Error = std::convert::Infallible;

    fn visit<K: Kind>(&mut self, _: usize, column: &mut K::Buf) -> Result<(), Self::Error> {
        if let Some(Some((values, levels))) = self.0.next() {
            ColumnBuf::<K::P>::reserve(column, values, levels);
        }
        Ok(())
    }
}

/// Writes each column of a chunk into its column writer.
struct Write<'w, 'a> {
    writers: &'w mut [ColumnWriter<'a>],
    dicts: &'w mut [Vec<ByteArray>],
    rows: usize,
}

impl Visitor<Build> for Write<'_, '_> {
    type Error = ParquetError;

    fn visit<K: Kind>(&mut self, index: usize, column: &mut K::Buf) -> Result<(), ParquetError> {
        let mismatch = || ParquetError::General(format!("no column writer for column {index}"));
        let writer = self
            .writers
            .get_mut(index)
            .and_then(K::P::get_column_writer_mut)
            .ok_or_else(mismatch)?;
        let dict = self.dicts.get_mut(index).ok_or_else(mismatch)?;
        let required = COLUMNS
            .get(index)
            .is_some_and(|c| c.nulls == Nulls::Required);
        column.write(self.rows, required, writer, dict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pacsys_types::TimedArray;

    fn scalar(drf: &Arc<str>, x: f64) -> Event {
        Event::Reading(Reading::new(drf.clone(), Status::OK).with_value(Value::Scalar(x)))
    }

    #[test]
    fn groups_are_cut_into_chunks_that_send_each_distinct_value_once() {
        let mut rows = Rows::new();
        let mut seq = 0;
        let mut chunks = Vec::new();
        let drfs: Vec<Arc<str>> = (0..4).map(|i| Arc::from(format!("D:{i}"))).collect();
        for i in 0..2 * CHUNK + 10 {
            if rows.chunk_full() {
                chunks.extend(rows.take_chunk());
            }
            // D:3 only shows up in the last chunk.
            let drf = if i == 2 * CHUNK + 5 {
                &drfs[3]
            } else {
                &drfs[i % 3]
            };
            rows.push(&mut seq, i as i64, &scalar(drf, 1.0));
        }
        rows.push(&mut seq, 0, &Event::Dropped { count: 1 });
        assert_eq!(rows.len(), 2 * CHUNK + 11);
        chunks.extend(rows.take_chunk());
        assert_eq!(
            chunks.iter().map(|c| c.n).collect::<Vec<_>>(),
            [CHUNK, CHUNK, 11]
        );
        let new = |c: &Chunk| {
            c.c.drf
                .new
                .iter()
                .map(|b| b.as_utf8().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(new(&chunks[0]), ["D:0", "D:1", "D:2"]);
        assert!(new(&chunks[1]).is_empty());
        assert_eq!(new(&chunks[2]), ["D:3"]);
        assert_eq!(chunks[2].c.drf.keys.values.get(5), Some(&3));
        // The second chunk was sized from the first: no growing while it fills.
        assert!(chunks[1].c.value.values.capacity() >= CHUNK);
        // The next group starts its keys over.
        rows.next_group();
        rows.push(&mut seq, 0, &scalar(&drfs[3], 2.0));
        let chunk = rows.take_chunk().expect("a chunk");
        assert_eq!(new(&chunk), ["D:3"]);
        assert_eq!(chunk.c.drf.keys.values, [0]);
    }

    #[test]
    fn unused_columns_are_null_and_lists_have_their_levels() {
        let mut rows = Rows::new();
        let mut seq = 10;
        let drf: Arc<str> = Arc::from("M:OUTTMP");
        rows.push(&mut seq, 5, &scalar(&drf, 1.5));
        rows.push(&mut seq, 6, &Event::Dropped { count: 3 });
        let arrays = [vec![], vec![1.0, 2.0]];
        for xs in arrays {
            let r = Reading::new(drf.clone(), Status::OK).with_value(Value::Array(xs));
            rows.push(&mut seq, 7, &Event::Reading(r));
        }
        assert_eq!((seq, rows.len()), (14, 4));
        let mut chunk = rows.take_chunk().expect("a chunk");
        let c = &mut chunk.c;
        assert_eq!(c.seq.values, [10, 11, 12, 13]);
        assert_eq!(
            (&c.value.values[..], &c.value.def[..]),
            (&[1.5][..], &[1][..])
        );
        c.value.pad_to(4);
        assert_eq!(c.value.def, [1, 0, 0, 0]);
        assert_eq!(
            (&c.count.values[..], &c.count.def[..]),
            (&[3][..], &[0, 1][..])
        );
        // Null, null, empty, [1, 2].
        assert_eq!(c.values.def, [0, 0, 1, 3, 3]);
        assert_eq!(c.values.rep, [0, 0, 0, 0, 1]);
        assert_eq!(c.values.values, [1.0, 2.0]);
        assert!(ColumnBuf::<parquet::data_type::BoolType>::used(&c.on).is_none());
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
        let chunk = rows.take_chunk().expect("a chunk");
        assert_eq!(chunk.c.timestamp.values, [1000, 2000, 9_000_000_000]);
        assert_eq!(chunk.c.value.values, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn times_saturate_and_unsigned_values_keep_their_bits() {
        assert_eq!(nanos(UNIX_EPOCH + Duration::from_nanos(5)), 5);
        assert_eq!(nanos(UNIX_EPOCH - Duration::from_nanos(5)), -5);
        assert_eq!(
            nanos(UNIX_EPOCH + Duration::from_secs(u64::MAX / 4)),
            i64::MAX
        );
        assert_eq!(duration_nanos(Duration::MAX), i64::MAX);
        assert_eq!(u64_bits(u64::MAX), -1);
        assert_eq!(u64_bits(5), 5);
    }
}
