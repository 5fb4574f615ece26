//! Reading recordings back: [`Recording`] and its [`Events`] iterator.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys_types::{
    AnalogAlarm, BasicStatus, DeviceMeta, DigitalAlarm, Event, Reading, Status, TimedArray, Value,
};
use parquet::basic::{LogicalType, Repetition, TimestampType, Type as PhysicalType};
use parquet::column::reader::ColumnReaderImpl;
use parquet::data_type::{ByteArray, ByteArrayType, DataType};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use crate::dataset;
use crate::schema::{COLUMNS, Columns, Kind, Mode, Nulls, Visitor, col, kind};
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
            if !dataset::is_data_file(name) || entry.file_type().map_err(io)?.is_dir() {
                continue;
            }
            files.push((dataset::part_number(name), entry.path()));
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
            batches: self.batches(),
            pending: Vec::new().into_iter(),
            interner: Interner::default(),
            done: false,
        }
    }

    /// The rows of the files, a decoded batch at a time.
    pub(crate) fn batches(&self) -> Batches {
        Batches {
            files: self.files.clone().into_iter(),
            current: None,
        }
    }
}

/// The events of a [`Recording`], read a batch at a time. See [`Recording::events`].
pub struct Events {
    batches: Batches,
    pending: std::vec::IntoIter<RecordedEvent>,
    interner: Interner,
    done: bool,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("file", &self.batches.current.as_ref().map(|c| &c.path))
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

/// A file being read: its reader, where each column of [`COLUMNS`] is in it, and the
/// column readers of the row group being read.
struct OpenFile {
    path: PathBuf,
    reader: SerializedFileReader<File>,
    /// The file's column of each of [`COLUMNS`] (`None`: absent, read as null).
    leaves: Vec<Option<usize>>,
    /// The next row group to open.
    next_group: usize,
    /// The open row group's columns.
    group: Option<Box<Columns<Read>>>,
    /// The index in the file of the next row.
    row: u64,
}

/// Runs the Parquet decoder on `f`, turning a panic in it into an error naming the file.
pub(crate) fn guarded<T>(
    path: &Path,
    row: u64,
    f: impl FnOnce() -> Result<T, RecordError>,
) -> Result<T, RecordError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(RecordError::Corrupt {
            path: path.to_path_buf(),
            row,
            column: String::new(),
            reason: "the Parquet decoder failed on this file".into(),
        })
    })
}

impl Events {
    /// Decodes the next batch into `pending`; `false` at the end of the last file.
    fn refill(&mut self) -> Result<bool, RecordError> {
        let Some(batch) = self.batches.next()? else {
            return Ok(false);
        };
        let interner = &mut self.interner;
        let events = guarded(batch.path, batch.first_row, || {
            let decoder = Decoder {
                path: batch.path,
                first_row: batch.first_row,
                c: &*batch.columns,
            };
            (0..batch.rows)
                .map(|i| decoder.event(i, interner))
                .collect::<Result<Vec<_>, _>>()
        })?;
        self.pending = events.into_iter();
        Ok(true)
    }
}

/// The files of a recording, read a row group at a time and decoded a batch of rows at a
/// time: what [`Events`] and the columnar read ([`crate::read_columns`]) both take rows from.
pub(crate) struct Batches {
    files: std::vec::IntoIter<PathBuf>,
    /// The file being read.
    current: Option<OpenFile>,
}

/// One decoded batch: `rows` rows (at least one) of every column, from `path`, the first
/// of them the file's row `first_row`.
pub(crate) struct Batch<'a> {
    pub path: &'a Path,
    pub first_row: u64,
    pub rows: usize,
    pub columns: &'a mut Columns<Read>,
}

impl Batches {
    /// Decodes the next batch (`None` at the end of the last file).
    pub(crate) fn next(&mut self) -> Result<Option<Batch<'_>>, RecordError> {
        loop {
            let Some(file) = &mut self.current else {
                let Some(path) = self.files.next() else {
                    return Ok(None);
                };
                self.current = Some(open_file(path)?);
                continue;
            };
            let parquet = |source| RecordError::Parquet {
                path: Some(file.path.clone()),
                source,
            };
            let Some(group) = &mut file.group else {
                if file.next_group >= file.reader.num_row_groups() {
                    self.current = None;
                    continue;
                }
                let (reader, leaves, index) = (&file.reader, &file.leaves, file.next_group);
                let group = guarded(&file.path, file.row, || {
                    open_group(reader, index, leaves).map_err(parquet)
                })?;
                file.group = Some(Box::new(group));
                file.next_group += 1;
                continue;
            };
            let (path, first_row) = (&file.path, file.row);
            let rows = guarded(path, first_row, || {
                let mut batch = ReadBatch {
                    max: BATCH_ROWS,
                    rows: None,
                };
                group.visit(&mut batch).map_err(|e| match e {
                    BatchError::Parquet(source) => RecordError::Parquet {
                        path: Some(path.clone()),
                        source,
                    },
                    BatchError::Rows { column, rows, seq } => RecordError::Corrupt {
                        path: path.clone(),
                        row: first_row,
                        column: column.into(),
                        reason: format!("{rows} rows where seq has {seq}"),
                    },
                })?;
                Ok(batch.rows.unwrap_or(0))
            })?;
            if rows == 0 {
                file.group = None;
                continue;
            }
            file.row += rows as u64;
            // Borrowed again for the batch's lifetime.
            let Some(file) = &mut self.current else {
                return Ok(None);
            };
            let Some(columns) = file.group.as_deref_mut() else {
                return Ok(None);
            };
            return Ok(Some(Batch {
                path: &file.path,
                first_row,
                rows,
                columns,
            }));
        }
    }
}

/// Opens one file and finds the recording's columns in it.
fn open_file(path: PathBuf) -> Result<OpenFile, RecordError> {
    let file = File::open(&path).map_err(|source| RecordError::Io {
        path: path.clone(),
        source,
    })?;
    let reader = guarded(&path, 0, || {
        SerializedFileReader::new(file).map_err(|source| RecordError::Parquet {
            path: Some(path.clone()),
            source,
        })
    })?;
    let leaves = find_columns(reader.metadata().file_metadata().schema_descr(), &path)?;
    Ok(OpenFile {
        path,
        reader,
        leaves,
        next_group: 0,
        group: None,
        row: 0,
    })
}

/// Where each of [`COLUMNS`] is among the file's columns. The required columns must be
/// there; any column there must have the recording's type (time zones and the names and
/// nullability of list items aside).
fn find_columns(
    found: &parquet::schema::types::SchemaDescriptor,
    path: &Path,
) -> Result<Vec<Option<usize>>, RecordError> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, leaf) in found.columns().iter().enumerate() {
        if let Some(top) = leaf.path().parts().first() {
            by_name.entry(top.as_str()).or_default().push(i);
        }
    }
    let expected = crate::schema();
    let schema_error = |column: &str, reason: String| RecordError::Schema {
        path: path.to_path_buf(),
        column: column.to_owned(),
        reason,
    };
    COLUMNS
        .iter()
        .zip(expected.columns())
        .map(
            |(column, want)| match by_name.get(column.name).map(Vec::as_slice) {
                None if column.nulls == Nulls::Required => Err(schema_error(
                    column.name,
                    "missing: not a pacsys recording".into(),
                )),
                None => Ok(None),
                Some(&[leaf]) => {
                    let have = found.column(leaf);
                    if compatible(&have, want) {
                        Ok(Some(leaf))
                    } else {
                        Err(schema_error(
                            column.name,
                            format!("is {}, expected {}", describe(&have), describe(want)),
                        ))
                    }
                }
                Some(leaves) => Err(schema_error(
                    column.name,
                    format!(
                        "is a group of {} columns, expected {}",
                        leaves.len(),
                        describe(want)
                    ),
                )),
            },
        )
        .collect()
}

/// A column's type, for an error message: `INT64 Timestamp(..)`, `list of DOUBLE`.
fn describe(c: &ColumnDescriptor) -> String {
    let list = if c.max_rep_level() > 0 {
        "list of "
    } else {
        ""
    };
    match c.logical_type_ref() {
        Some(logical) => format!("{list}{} {logical:?}", c.physical_type()),
        None => format!("{list}{}", c.physical_type()),
    }
}

/// The same logical type, where an integer without annotation is a signed one of its
/// physical width and a timestamp's time zone does not matter.
fn normal(c: &ColumnDescriptor) -> Option<LogicalType> {
    match (c.logical_type_ref(), c.physical_type()) {
        (Some(LogicalType::Timestamp(t)), _) => Some(LogicalType::Timestamp(TimestampType {
            is_adjusted_to_u_t_c: true,
            unit: t.unit,
        })),
        (Some(other), _) => Some(other.clone()),
        (None, PhysicalType::INT32) => Some(LogicalType::integer(32, true)),
        (None, PhysicalType::INT64) => Some(LogicalType::integer(64, true)),
        (None, _) => None,
    }
}

/// Whether a file's column `have` can be read as the recording's column `want`: same
/// physical and logical type, a single value or a three-level list as wanted.
fn compatible(have: &ColumnDescriptor, want: &ColumnDescriptor) -> bool {
    have.physical_type() == want.physical_type()
        && normal(have) == normal(want)
        && have.max_rep_level() == want.max_rep_level()
        && have.path().parts().len() == want.path().parts().len()
}

/// Opens the column readers of row group `index`.
fn open_group(
    reader: &SerializedFileReader<File>,
    index: usize,
    leaves: &[Option<usize>],
) -> Result<Columns<Read>, ParquetError> {
    let group = reader.get_row_group(index)?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let mut columns = Columns::<Read>::default();
    let mut open = OpenColumns {
        group: &*group,
        schema,
        leaves,
    };
    columns.visit(&mut open)?;
    Ok(columns)
}

/// The reader's side of [`Columns`]: a column reader and the decoded batch per column.
pub(crate) struct Read;

impl Mode for Read {
    type Of<K: Kind> = ReadColumn<K::P>;
}

/// What row `i` of a column holds, in a decoded batch.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Null.
    Null,
    /// A value: `values[i]`.
    Value(usize),
    /// A list: `values[start..end]`.
    Items(usize, usize),
    /// A list with a null item.
    NullItem,
}

/// One column of an open row group: its reader (`None` when the file lacks the column) and
/// its decoded batch.
pub(crate) struct ReadColumn<P: DataType> {
    reader: Option<ColumnReaderImpl<P>>,
    /// The definition level of a value (of an item, for a list).
    max_def: i16,
    /// For a list: the definition level of an empty list.
    empty_def: i16,
    values: Vec<P::T>,
    def: Vec<i16>,
    rep: Vec<i16>,
    /// How the batch's rows map to `values`.
    layout: Layout,
    /// Per row, for [`Layout::Slots`].
    rows: Vec<Slot>,
}

/// How the rows of a decoded batch map to its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Row `i` is `values[i]` (a single-value column without nulls in the batch).
    Dense,
    /// Every row is null (or the column is absent).
    Null,
    /// Row `i` is `rows[i]`.
    Slots,
}

impl<P: DataType> Default for ReadColumn<P> {
    fn default() -> Self {
        ReadColumn {
            reader: None,
            max_def: 0,
            empty_def: 0,
            values: Vec::new(),
            def: Vec::new(),
            rep: Vec::new(),
            layout: Layout::Null,
            rows: Vec::new(),
        }
    }
}

impl<P: DataType> ReadColumn<P> {
    /// The batch's values when every row has one, row `i` at `i` (`None` otherwise).
    pub(crate) fn dense(&self) -> Option<&[P::T]> {
        (self.layout == Layout::Dense).then_some(self.values.as_slice())
    }

    /// Whether every row of the batch is null (or the column is absent).
    pub(crate) fn all_null(&self) -> bool {
        self.layout == Layout::Null
    }

    /// Row `i`'s value (`None`: null, or the column is absent).
    pub(crate) fn get(&self, i: usize) -> Option<&P::T> {
        match self.layout {
            Layout::Dense => self.values.get(i),
            Layout::Null => None,
            Layout::Slots => match self.rows.get(i) {
                Some(Slot::Value(v)) => self.values.get(*v),
                _ => None,
            },
        }
    }

    /// Row `i`'s list: `None` when null, `Some(None)` when an item is null.
    pub(crate) fn list(&self, i: usize) -> Option<Option<&[P::T]>> {
        if self.layout != Layout::Slots {
            return None;
        }
        match self.rows.get(i) {
            Some(Slot::Items(a, b)) => Some(self.values.get(*a..*b)),
            Some(Slot::NullItem) => Some(None),
            _ => None,
        }
    }

    /// Decodes up to `max` rows; returns how many (0 at the end of the row group, or for
    /// an absent column).
    fn read(&mut self, max: usize, list: bool) -> Result<usize, ParquetError> {
        self.values.clear();
        self.def.clear();
        self.rep.clear();
        self.rows.clear();
        self.layout = Layout::Null;
        let Some(reader) = &mut self.reader else {
            return Ok(0);
        };
        let (records, _, levels) = reader.read_records(
            max,
            Some(&mut self.def),
            Some(&mut self.rep),
            &mut self.values,
        )?;
        let short = || ParquetError::General("fewer values than levels".into());
        if !list && (self.max_def == 0 || self.values.len() >= levels) {
            // Every row has a value: no map needed (most columns a row's kind uses).
            if self.values.len() < records {
                return Err(short());
            }
            self.layout = Layout::Dense;
            return Ok(records);
        }
        let null_below = if list { self.empty_def } else { self.max_def };
        if self.values.is_empty() && self.def.iter().take(levels).all(|&d| d < null_below) {
            // Every row is null (most columns a row's kind does not use).
            return Ok(records);
        }
        self.layout = Layout::Slots;
        if !list {
            let mut next = 0;
            for &d in self.def.iter().take(levels) {
                self.rows.push(if d == self.max_def {
                    next += 1;
                    Slot::Value(next - 1)
                } else {
                    Slot::Null
                });
            }
        } else {
            let mut next = 0;
            for (&d, &r) in self.def.iter().zip(&self.rep).take(levels) {
                if r == 0 {
                    self.rows.push(if d < self.empty_def {
                        Slot::Null
                    } else {
                        Slot::Items(next, next)
                    });
                }
                let Some(row) = self.rows.last_mut() else {
                    return Err(ParquetError::General("a list item before its list".into()));
                };
                if d == self.max_def {
                    next += 1;
                    if let Slot::Items(_, end) = row {
                        *end = next;
                    }
                } else if d > self.empty_def {
                    *row = Slot::NullItem;
                }
            }
        }
        let used = self.rows.iter().fold(0, |n, s| match s {
            Slot::Value(_) => n + 1,
            Slot::Items(a, b) => n + (b - a),
            _ => n,
        });
        if used > self.values.len() {
            return Err(short());
        }
        Ok(self.rows.len())
    }
}

/// Opens each present column's reader.
struct OpenColumns<'a> {
    group: &'a dyn parquet::file::reader::RowGroupReader,
    schema: &'a parquet::schema::types::SchemaDescriptor,
    leaves: &'a [Option<usize>],
}

impl Visitor<Read> for OpenColumns<'_> {
    type Error = ParquetError;

    fn visit<K: Kind>(
        &mut self,
        index: usize,
        column: &mut ReadColumn<K::P>,
    ) -> Result<(), ParquetError> {
        let Some(Some(leaf)) = self.leaves.get(index) else {
            return Ok(());
        };
        let descr = self.schema.column(*leaf);
        let reader = K::P::get_column_reader(self.group.get_column_reader(*leaf)?)
            .ok_or_else(|| ParquetError::General(format!("column {leaf}: another type")))?;
        column.reader = Some(reader);
        column.max_def = descr.max_def_level();
        // A list's definition levels: below the top group's (0 or 1), null; equal, empty.
        let info = descr.self_type().get_basic_info();
        let item_optional = info.has_repetition() && info.repetition() == Repetition::OPTIONAL;
        column.empty_def = descr.max_def_level() - 1 - i16::from(item_optional);
        Ok(())
    }
}

/// Why a batch could not be decoded.
enum BatchError {
    Parquet(ParquetError),
    /// A column has another number of rows than `seq`.
    Rows {
        column: &'static str,
        rows: usize,
        seq: usize,
    },
}

impl From<ParquetError> for BatchError {
    fn from(e: ParquetError) -> Self {
        BatchError::Parquet(e)
    }
}

/// Decodes the next batch of every present column; `rows` is the batch's (`seq`'s) rows.
struct ReadBatch {
    max: usize,
    rows: Option<usize>,
}

impl Visitor<Read> for ReadBatch {
    type Error = BatchError;

    fn visit<K: Kind>(
        &mut self,
        index: usize,
        column: &mut ReadColumn<K::P>,
    ) -> Result<(), BatchError> {
        let present = column.reader.is_some();
        let rows = column.read(self.max, K::LIST)?;
        match self.rows {
            _ if !present => {}
            None => self.rows = Some(rows),
            Some(seq) if seq != rows => {
                return Err(BatchError::Rows {
                    column: COLUMNS.get(index).map_or("", |c| c.name),
                    rows,
                    seq,
                });
            }
            Some(_) => {}
        }
        Ok(())
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

fn time(ns: i64) -> SystemTime {
    let magnitude = Duration::from_nanos(ns.unsigned_abs());
    if ns >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

/// An unsigned 64-bit value from the bits Parquet stores it as.
pub(crate) fn unsigned(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// Turns the rows of a decoded batch into events.
struct Decoder<'a> {
    path: &'a Path,
    first_row: u64,
    c: &'a Columns<Read>,
}

/// A nullable value that is `Copy`.
fn val<P: DataType>(c: &ReadColumn<P>, i: usize) -> Option<P::T>
where
    P::T: Copy,
{
    c.get(i).copied()
}

impl Decoder<'_> {
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

    /// A nullable string.
    fn str<'c>(
        &self,
        c: &'c ReadColumn<ByteArrayType>,
        i: usize,
        column: &str,
    ) -> Result<Option<&'c str>, RecordError> {
        c.get(i)
            .map(|b| {
                b.as_utf8()
                    .map_err(|_| self.corrupt(i, column, "not UTF-8"))
            })
            .transpose()
    }

    /// A string this row's kind needs.
    fn need_str<'c>(
        &self,
        c: &'c ReadColumn<ByteArrayType>,
        i: usize,
        column: &str,
    ) -> Result<&'c str, RecordError> {
        let s = self.str(c, i, column)?;
        self.need(s, i, column)
    }

    /// A value this row's kind needs, `Copy`.
    fn need_val<P: DataType>(
        &self,
        c: &ReadColumn<P>,
        i: usize,
        column: &str,
    ) -> Result<P::T, RecordError>
    where
        P::T: Copy,
    {
        self.need(val(c, i), i, column)
    }

    fn event(&self, i: usize, interner: &mut Interner) -> Result<RecordedEvent, RecordError> {
        let c = self.c;
        let seq = unsigned(self.need_val(&c.seq, i, col::seq)?);
        let received = time(self.need_val(&c.received, i, col::received)?);
        let k = self.need_str(&c.kind, i, col::kind)?;
        let drf = |interner: &mut Interner| -> Result<Arc<str>, RecordError> {
            Ok(interner.drf(self.need_str(&c.drf, i, col::drf)?))
        };
        let duration = || -> Result<Duration, RecordError> {
            let ns = self.need_val(&c.duration_ns, i, col::duration_ns)?;
            u64::try_from(ns)
                .map(Duration::from_nanos)
                .map_err(|_| self.corrupt(i, col::duration_ns, format!("negative duration {ns}")))
        };
        let event = match k {
            kind::READING => Event::Reading(self.reading(i, interner)?),
            kind::ERROR => Event::Error {
                drf: drf(interner)?,
                status: self.status(i)?,
            },
            kind::DISCONNECTED => Event::Disconnected {
                reason: self.need_str(&c.reason, i, col::reason)?.to_owned(),
            },
            kind::RECONNECTED => Event::Reconnected { gap: duration()? },
            kind::DROPPED => Event::Dropped {
                count: unsigned(self.need_val(&c.count, i, col::count)?),
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
                from: time(self.need_val(&c.timestamp, i, col::timestamp)?),
                to: time(self.need_val(&c.until, i, col::until)?),
                reason: self.need_str(&c.reason, i, col::reason)?.to_owned(),
            },
            other => return Err(self.corrupt(i, col::kind, format!("unknown kind {other:?}"))),
        };
        Ok(RecordedEvent {
            seq,
            received,
            event,
        })
    }

    fn status(&self, i: usize) -> Result<Status, RecordError> {
        let facility = self.need_val(&self.c.facility, i, col::facility)?;
        let error = self.need_val(&self.c.error_code, i, col::error_code)?;
        let facility = u8::try_from(facility)
            .map_err(|_| self.corrupt(i, col::facility, format!("{facility} is not 0..=255")))?;
        let error = i8::try_from(error)
            .map_err(|_| self.corrupt(i, col::error_code, format!("{error} is not -128..=127")))?;
        Ok(Status::new(facility, error))
    }

    fn reading(&self, i: usize, interner: &mut Interner) -> Result<Reading, RecordError> {
        let c = self.c;
        let drf = interner.drf(self.need_str(&c.drf, i, col::drf)?);
        let meta = match self.str(&c.device, i, col::device)? {
            Some(name) => {
                let index = self.need_val(&c.device_index, i, col::device_index)?;
                let units = self.str(&c.units, i, col::units)?;
                Some(interner.meta(name, index, units))
            }
            None => None,
        };
        let value = match self.str(&c.value_type, i, col::value_type)? {
            None => None,
            Some(vt) => Some(self.value(i, vt)?),
        };
        let mut reading = Reading::new(drf, self.status(i)?)
            .with_timestamp(val(&c.timestamp, i).map(time))
            .with_cycle(val(&c.cycle, i))
            .with_meta(meta);
        reading.value = value;
        Ok(reading)
    }

    fn floats(&self, i: usize) -> Result<Vec<f64>, RecordError> {
        let list = self.need(self.c.values.list(i), i, col::values)?;
        list.map(<[f64]>::to_vec)
            .ok_or_else(|| self.corrupt(i, col::values, "null items"))
    }

    fn value(&self, i: usize, vt: &str) -> Result<Value, RecordError> {
        let c = self.c;
        let b = |column: &ReadColumn<parquet::data_type::BoolType>, name: &str| {
            self.need_val(column, i, name)
        };
        let tries = |name_needed: &str, name_now: &str| -> Result<(i32, i32), RecordError> {
            Ok((
                self.need_val(&c.alarm_tries_needed, i, name_needed)?,
                self.need_val(&c.alarm_tries_now, i, name_now)?,
            ))
        };
        Ok(match vt {
            "scalar" => Value::Scalar(self.need_val(&c.value, i, col::value)?),
            "scalarArr" => Value::Array(self.floats(i)?),
            "timedScalarArr" => Value::TimedArray(TimedArray {
                data: self.floats(i)?,
                micros: Vec::new(),
            }),
            "raw" => Value::Raw(self.need(c.raw.get(i), i, col::raw)?.data().to_vec()),
            "text" => Value::Text(self.need_str(&c.text, i, col::text)?.to_owned()),
            "textArr" => {
                let list = self.need(c.texts.list(i), i, col::texts)?;
                let items = list.ok_or_else(|| self.corrupt(i, col::texts, "null items"))?;
                Value::TextArray(
                    items
                        .iter()
                        .map(|s: &ByteArray| {
                            s.as_utf8()
                                .map(str::to_owned)
                                .map_err(|_| self.corrupt(i, col::texts, "not UTF-8"))
                        })
                        .collect::<Result<_, _>>()?,
                )
            }
            "anaAlarm" => {
                let (tries_needed, tries_now) =
                    tries(col::alarm_tries_needed, col::alarm_tries_now)?;
                Value::AnalogAlarm(AnalogAlarm {
                    minimum: self.need_val(&c.alarm_min, i, col::alarm_min)?,
                    maximum: self.need_val(&c.alarm_max, i, col::alarm_max)?,
                    alarm_enable: b(&c.alarm_enable, col::alarm_enable)?,
                    alarm_status: b(&c.alarm_in_alarm, col::alarm_in_alarm)?,
                    abort: b(&c.alarm_abort, col::alarm_abort)?,
                    abort_inhibit: b(&c.alarm_abort_inhibit, col::alarm_abort_inhibit)?,
                    tries_needed,
                    tries_now,
                })
            }
            "digAlarm" => {
                let int = |column: &ReadColumn<parquet::data_type::Int64Type>,
                           name: &str|
                 -> Result<i32, RecordError> {
                    let v = self.need_val(column, i, name)?;
                    i32::try_from(v)
                        .map_err(|_| self.corrupt(i, name, format!("{v} is not an i32")))
                };
                let (tries_needed, tries_now) =
                    tries(col::alarm_tries_needed, col::alarm_tries_now)?;
                Value::DigitalAlarm(DigitalAlarm {
                    nominal: int(&c.alarm_nominal, col::alarm_nominal)?,
                    mask: int(&c.alarm_mask, col::alarm_mask)?,
                    alarm_enable: b(&c.alarm_enable, col::alarm_enable)?,
                    alarm_status: b(&c.alarm_in_alarm, col::alarm_in_alarm)?,
                    abort: b(&c.alarm_abort, col::alarm_abort)?,
                    abort_inhibit: b(&c.alarm_abort_inhibit, col::alarm_abort_inhibit)?,
                    tries_needed,
                    tries_now,
                })
            }
            "basicStatus" => Value::BasicStatus(BasicStatus {
                on: val(&c.on, i),
                ready: val(&c.ready, i),
                remote: val(&c.remote, i),
                positive: val(&c.positive, i),
                ramp: val(&c.ramp, i),
            }),
            other => {
                return Err(self.corrupt(
                    i,
                    col::value_type,
                    format!("unknown value type {other:?}"),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::schema::parser::parse_message_type;
    use parquet::schema::types::SchemaDescriptor;

    fn leaf(message: &str) -> Arc<ColumnDescriptor> {
        let schema = SchemaDescriptor::new(Arc::new(parse_message_type(message).expect("parse")));
        schema.column(0)
    }

    #[test]
    fn compatible_ignores_time_zones_and_list_item_names_only() {
        let want = crate::schema();
        let received = want.column(1);
        let naive = leaf("message m { required int64 received (TIMESTAMP(NANOS, false)); }");
        assert!(compatible(&naive, &received));
        let micros = leaf("message m { required int64 received (TIMESTAMP(MICROS, true)); }");
        assert!(!compatible(&micros, &received));
        let signed = leaf("message m { required int64 seq; }");
        assert!(!compatible(&signed, &want.column(0)));
        let element = leaf(
            "message m { optional group values (LIST) { repeated group list { required double element; } } }",
        );
        assert!(compatible(&element, &want.column(6)));
        let flat = leaf("message m { optional double values; }");
        assert!(!compatible(&flat, &want.column(6)));
        // An int32 without annotation is the recording's device_index.
        let index = leaf("message m { optional int32 device_index (INTEGER(32, true)); }");
        assert!(compatible(&index, &want.column(17)));
    }
}
