//! [`Recorder`]: events in, Parquet out, with the encoding on a thread of its own.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::{FutureExt, Stream, StreamExt};
use pacsys_types::Event;
use parquet::basic::{Compression, Encoding};
use parquet::column::writer::{ColumnCloseResult, ColumnWriter, get_column_writer};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use tokio::time::Instant;

use crate::RecordError;
use crate::dataset;
use crate::rows::{Chunk, Rows, nanos};
use crate::schema::{COLUMNS, Encoding as ColumnEncoding, root_type};

/// Chunks (of 16,384 rows) waiting for the encoder: about a group at a million rows a
/// second. When it is this far behind, [`Recorder::write`] blocks until it catches up
/// (nothing is dropped).
const QUEUE: usize = 64;

/// What the recorder's thread sends the encoder.
enum Msg {
    /// Rows of the open group.
    Chunk(Box<Chunk>),
    /// The group is closed: complete its part file (or row group).
    EndGroup,
}

/// A deadline that never comes, for intervals beyond the clock's range.
const FAR: Duration = Duration::from_secs(100 * 365 * 86_400);

/// How a [`Recorder`] groups rows.
///
/// A row group is closed (and, for [`Recorder::create`], becomes one complete part file)
/// when it holds [`group_rows`](RecordOptions::group_rows) rows or when
/// [`group_interval`](RecordOptions::group_interval) has passed since its first row,
/// whichever comes first.
///
/// The loss bound of a crash (SIGKILL, panic, power cut) of a [`Recorder::create`]
/// recording: every part already renamed into place is complete; lost are the rows of the
/// open group, i.e. the last `group_interval` of events or the last `group_rows` rows,
/// whichever is smaller, **plus**, in the moments after a group closes, that group until its
/// part is renamed into place. The encoder encodes a group's rows (into memory) while the
/// group fills, so completing its part takes only its last chunk of rows, writing the
/// encoded group and the footer, and a sync to disk: milliseconds. If the encoder falls behind, at most 64 chunks of 16,384 rows (1,048,576
/// rows) wait for it before [`Recorder::write`] blocks, so a crash never loses more than the
/// open group plus about 1.07 million rows (the queue and the chunk being encoded).
///
/// ```
/// use std::time::Duration;
/// use pacsys_record::RecordOptions;
///
/// let options = RecordOptions::default()
///     .group_rows(100_000)
///     .group_interval(Duration::from_millis(250))
///     .overwrite(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOptions {
    group_rows: usize,
    group_interval: Duration,
    overwrite: bool,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            group_rows: 1_048_576,
            group_interval: Duration::from_secs(1),
            overwrite: false,
        }
    }
}

impl RecordOptions {
    /// Closes a group when it holds this many rows (default 1,048,576; 0 counts as 1). One
    /// event is never split, so a logger [`TimedArray`](pacsys_types::TimedArray) of many
    /// points can make a group larger.
    pub fn group_rows(mut self, rows: usize) -> Self {
        self.group_rows = rows.max(1);
        self
    }

    /// Closes a group when this long has passed since its first row (default 1 s), checked
    /// on every write, by [`Recorder::flush_if_due`] and, while the stream is silent, by
    /// [`Recorder::record`]'s timer.
    pub fn group_interval(mut self, interval: Duration) -> Self {
        self.group_interval = interval;
        self
    }

    /// Lets [`Recorder::create`] replace an existing file or recording at its path (default
    /// `false`: refuse). Only a recording's own part and temporary files are removed; a
    /// directory holding anything else is still refused.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
}

/// What a [`Recorder`] has written so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordStats {
    /// Rows recorded (one per event; a logger `TimedArray` gives one per point).
    pub rows: u64,
    /// Of which readings.
    pub readings: u64,
    /// Row groups closed: part files of a dataset ([`Recorder::create`]), row groups of the
    /// one file ([`Recorder::to_writer`]).
    pub groups: u64,
    /// Bytes the encoder has written (complete parts only for a dataset).
    pub bytes: u64,
}

/// What the encoder thread reports back.
#[derive(Debug, Default)]
struct Shared {
    bytes: AtomicU64,
}

/// Records [`Event`]s to Apache Parquet.
///
/// Two forms:
///
/// * [`Recorder::create`]: a **crash-safe** recording, a directory holding a Parquet
///   *dataset* (the Spark/Hive convention that pandas, polars, pyarrow, DuckDB and Spark read
///   as one table). Each closed row group becomes one complete file, `part-000000.parquet`,
///   `part-000001.parquet`, ..., written under a hidden temporary name
///   (`.part-000001.parquet.tmp`, which dataset readers skip), flushed to disk and renamed
///   when complete. A SIGKILL, panic or power loss at any instant leaves every closed part
///   readable and loses at most the open group and, for the milliseconds its part takes to
///   complete, the group just closed (see [`RecordOptions`] for the exact bound). Why not
///   one file: a Parquet file's footer (its schema and the index of its row groups) is
///   written at the end, so a single file cut short by a crash is unreadable as a whole.
/// * [`Recorder::to_writer`]: one Parquet file into any writer (stdout, a file, a socket).
///   Row groups are written as the stream goes, but the file is valid only after
///   [`finish`](Recorder::finish) (or a drop) writes its footer.
///
/// Appending an event only copies it into column buffers; Parquet encoding (snappy,
/// dictionary encoding) and file writing run on a thread of the recorder's own, fed chunks
/// of 16,384 rows over a bounded queue as the group fills. When the encoder falls behind,
/// [`write`](Recorder::write) blocks until it catches up: nothing is dropped.
///
/// Dropping a recorder without [`finish`](Recorder::finish) closes the open group and waits
/// for the encoder (best effort, errors ignored; prefer `finish` to see them).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use pacsys_record::{RecordOptions, Recorder, read_events};
/// use pacsys_types::{Event, Reading, Status, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = std::env::temp_dir().join(format!("doc-{}-{:?}.parquet", std::process::id(),
///     std::time::SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos()));
/// let events = vec![
///     Event::Reading(
///         Reading::new("M:OUTTMP@p,1000".into(), Status::OK)
///             .with_value(Value::Scalar(72.5))
///             .with_timestamp(Some(UNIX_EPOCH + Duration::from_millis(1_700_000_000_000))),
///     ),
///     Event::Dropped { count: 3 },
///     Event::Reconnected { gap: Duration::from_millis(250) },
/// ];
/// let mut recorder = Recorder::create(&dir, RecordOptions::default())?;
/// recorder.record(futures::stream::iter(events.clone())).await?;
/// let stats = recorder.finish()?;
/// assert_eq!((stats.rows, stats.readings, stats.groups), (3, 1, 1));
///
/// let back = read_events(&dir)?;
/// assert_eq!(back.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), events);
/// assert_eq!(back[2].seq, 2);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub struct Recorder {
    rows: Rows,
    options: RecordOptions,
    next_seq: u64,
    /// When the open group must close (its first row plus the interval), on the monotonic
    /// clock (timers, [`Recorder::flush_if_due`]).
    deadline: Option<Instant>,
    /// The same deadline in received time, checked on every write without reading a clock.
    received_deadline: Option<SystemTime>,
    stats: RecordStats,
    shared: Arc<Shared>,
    tx: Option<SyncSender<Msg>>,
    encoder: Option<JoinHandle<Result<(), RecordError>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("options", &self.options)
            .field("open_rows", &self.rows.len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Starts a crash-safe recording: a dataset directory at `path` (by convention ending in
    /// `.parquet`), created if missing. An existing file, or a directory that is not empty,
    /// is refused with [`RecordError::Exists`] unless [`RecordOptions::overwrite`] is set.
    pub fn create(path: impl AsRef<Path>, options: RecordOptions) -> Result<Recorder, RecordError> {
        let dir = path.as_ref().to_path_buf();
        prepare_dir(&dir, options.overwrite)?;
        let sink = Sink::Dataset { dir, next_part: 0 };
        Recorder::start(sink, options)
    }

    /// Records into one Parquet file written to `writer` (stdout, a file, ...). Row groups
    /// are written as they close, but the file is valid only once [`finish`](Self::finish)
    /// has written its footer: a crash before that leaves an unreadable file. Use
    /// [`create`](Self::create) for a recording that must survive a crash.
    pub fn to_writer<W: Write + Send + 'static>(
        writer: W,
        options: RecordOptions,
    ) -> Result<Recorder, RecordError> {
        let writer: Box<dyn Write + Send> = Box::new(writer);
        let writer = new_writer(writer, &properties())
            .map_err(|source| RecordError::Parquet { path: None, source })?;
        Recorder::start(Sink::Writer(Some(Box::new(writer))), options)
    }

    fn start(sink: Sink, options: RecordOptions) -> Result<Recorder, RecordError> {
        let shared = Arc::new(Shared::default());
        let (tx, rx) = sync_channel(QUEUE);
        let encoder_shared = shared.clone();
        let encoder = std::thread::Builder::new()
            .name("pacsys-record".into())
            .spawn(move || encode(rx, sink, &encoder_shared))
            .map_err(|source| RecordError::Io {
                path: PathBuf::from("<encoder thread>"),
                source,
            })?;
        Ok(Recorder {
            rows: Rows::new(),
            options,
            next_seq: 0,
            deadline: None,
            received_deadline: None,
            stats: RecordStats::default(),
            shared,
            tx: Some(tx),
            encoder: Some(encoder),
        })
    }

    /// Records one event, received now.
    pub fn write(&mut self, event: &Event) -> Result<(), RecordError> {
        self.write_at(event, SystemTime::now())
    }

    /// Records one event with the time it was received. Closes the open group when it is
    /// full or due (which may block while the encoder catches up).
    ///
    /// Whether the group is due is judged on the receive times (the first row's plus the
    /// interval), so the one clock read per event is [`write`](Self::write)'s; a replay that
    /// passes recorded times gets groups of the recorded interval. The monotonic clock
    /// behind [`flush_if_due`](Self::flush_if_due) and [`record`](Self::record)'s timer
    /// closes a group even when the wall clock steps back.
    pub fn write_at(&mut self, event: &Event, received: SystemTime) -> Result<(), RecordError> {
        if self.tx.is_none() {
            return Err(RecordError::Closed);
        }
        let due = if self.deadline.is_some() {
            self.received_deadline.is_some_and(|d| received >= d)
        } else {
            // The group's first row. An interval too long for the clocks never comes.
            let interval = self.options.group_interval;
            let now = Instant::now();
            self.deadline = Some(now.checked_add(interval).unwrap_or(now + FAR));
            self.received_deadline = received.checked_add(interval);
            false
        };
        if self.rows.chunk_full()
            && let Some(chunk) = self.rows.take_chunk()
        {
            self.send(Msg::Chunk(Box::new(chunk)))?;
        }
        let (rows, readings) = self.rows.push(&mut self.next_seq, nanos(received), event);
        self.stats.rows += rows;
        self.stats.readings += readings;
        if due || self.rows.len() >= self.options.group_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Closes the open group if its interval has passed; returns whether it did. For a
    /// caller that writes with [`write`](Self::write) and has a timer of its own (every
    /// [`group_interval`](RecordOptions::group_interval) or so, or at
    /// [`deadline`](Self::deadline)); [`record`](Self::record) does this itself.
    #[doc(alias = "tick")]
    pub fn flush_if_due(&mut self) -> Result<bool, RecordError> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => self.flush().map(|()| true),
            _ => Ok(false),
        }
    }

    /// When the open group must be closed (`None` when no group is open).
    pub fn deadline(&self) -> Option<std::time::Instant> {
        self.deadline.map(Instant::into_std)
    }

    /// Closes the open group now (nothing when it is empty): for a dataset, it becomes the
    /// next part file once the encoder has written it.
    pub fn flush(&mut self) -> Result<(), RecordError> {
        self.deadline = None;
        self.received_deadline = None;
        if self.rows.len() == 0 {
            return Ok(());
        }
        // The buffers go to the encoder as they are: encoding them
        // is the encoder's work, not the subscription consumer's.
        if let Some(chunk) = self.rows.take_chunk() {
            self.send(Msg::Chunk(Box::new(chunk)))?;
        }
        self.rows.next_group();
        self.send(Msg::EndGroup)?;
        self.stats.groups += 1;
        Ok(())
    }

    /// Sends the encoder a message; when it has stopped, returns why.
    fn send(&mut self, msg: Msg) -> Result<(), RecordError> {
        let Some(tx) = &self.tx else {
            return Err(RecordError::Closed);
        };
        if tx.send(msg).is_err() {
            self.tx = None;
            return Err(self.join().err().unwrap_or(RecordError::Closed));
        }
        Ok(())
    }

    /// Records `stream` until it ends, closing groups on time even while the stream is
    /// silent (a tokio timer; needs a tokio runtime with time enabled), then closes the open
    /// group. Returns the recorder's statistics so far; call [`finish`](Self::finish) to
    /// complete the recording.
    ///
    /// Ready events are taken without arming a timer. When the encoder falls behind, this
    /// blocks the task's thread until it catches up, so the stream's producer sees back
    /// pressure (a pacsys subscription then counts drops in [`Event::Dropped`]).
    pub async fn record<S>(&mut self, mut stream: S) -> Result<RecordStats, RecordError>
    where
        S: Stream<Item = Event> + Unpin,
    {
        loop {
            let next = match stream.next().now_or_never() {
                Some(next) => next,
                None => match self.deadline {
                    Some(deadline) => {
                        match tokio::time::timeout_at(deadline, stream.next()).await {
                            Ok(next) => next,
                            Err(_) => {
                                self.flush()?;
                                continue;
                            }
                        }
                    }
                    None => stream.next().await,
                },
            };
            match next {
                Some(event) => self.write(&event)?,
                None => break,
            }
        }
        self.flush()?;
        Ok(self.stats())
    }

    /// What has been recorded so far (`bytes` counts what the encoder has written).
    pub fn stats(&self) -> RecordStats {
        RecordStats {
            bytes: self.shared.bytes.load(Ordering::Relaxed),
            ..self.stats
        }
    }

    /// Closes the open group, waits for the encoder to write everything, and (for
    /// [`to_writer`](Self::to_writer)) writes the file's footer. A dataset that recorded
    /// nothing gets one empty part, so readers still find its schema.
    ///
    /// After an error stopped the recorder, returns [`RecordError::Closed`] (the error itself
    /// was returned by the call that met it).
    pub fn finish(mut self) -> Result<RecordStats, RecordError> {
        if self.tx.is_none() {
            return Err(RecordError::Closed);
        }
        self.flush()?;
        self.tx = None;
        self.join()?;
        Ok(self.stats())
    }

    /// Waits for the encoder thread (the sender must be gone or it would wait forever).
    fn join(&mut self) -> Result<(), RecordError> {
        match self.encoder.take() {
            Some(handle) => handle.join().unwrap_or(Err(RecordError::EncoderPanicked)),
            None => Ok(()),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.tx.is_some() {
            let _ = self.flush();
        }
        self.tx = None;
        let _ = self.join();
    }
}

/// Where the encoder writes.
enum Sink {
    /// One part file per group in `dir`.
    Dataset { dir: PathBuf, next_part: u64 },
    /// One file, one row group per group (`None` once closed).
    Writer(Option<Box<SerializedFileWriter<Box<dyn Write + Send>>>>),
}

/// The writer settings, from [`COLUMNS`]: snappy; dictionary encoding (the default) except
/// for the columns marked delta (`seq`, `received`, `timestamp`), where delta encoding
/// stores a row in a few bits and a dictionary would only be tried and abandoned;
/// statistics (min, max, null count) per column chunk, except for the repeated strings (a
/// comparison of text per row that tells little: every DRF of a group lies between its
/// first and last in alphabetical order).
fn properties() -> WriterPropertiesPtr {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("pacsys-record {}", env!("CARGO_PKG_VERSION")));
    let schema = crate::schema();
    for (column, descr) in COLUMNS.iter().zip(schema.columns()) {
        let path = descr.path().clone();
        if !column.stats {
            props = props.set_column_statistics_enabled(path.clone(), EnabledStatistics::None);
        }
        if column.encoding == ColumnEncoding::Delta {
            props = props
                .set_column_dictionary_enabled(path.clone(), false)
                .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
        }
    }
    Arc::new(props.build())
}

/// A Parquet file writer of the recording's schema into `w`.
fn new_writer<W: Write + Send>(
    w: W,
    props: &WriterPropertiesPtr,
) -> Result<SerializedFileWriter<W>, ParquetError> {
    SerializedFileWriter::new(w, root_type(), props.clone())
}

/// A group's column chunks, encoded (in schema order), ready to be appended to a file.
type Group = Vec<(Bytes, ColumnCloseResult)>;

/// The encoder thread: encodes every group it receives, then completes the output.
fn encode(rx: Receiver<Msg>, mut sink: Sink, shared: &Shared) -> Result<(), RecordError> {
    let props = properties();
    loop {
        let first = match rx.recv() {
            Ok(Msg::Chunk(chunk)) => *chunk,
            Ok(Msg::EndGroup) => continue,
            Err(_) => break,
        };
        let (group, more) =
            encode_group(first, &rx, &props).map_err(|source| RecordError::Parquet {
                path: sink.path(),
                source,
            })?;
        sink.write_group(group, &props, shared)?;
        if !more {
            break;
        }
    }
    sink.finish(&props, shared)
}

/// Encodes one group, chunk by chunk as they arrive, into a column chunk in memory per
/// column; returns them and whether the group ended (`false`: the recorder hung up first).
fn encode_group(
    first: Chunk,
    rx: &Receiver<Msg>,
    props: &WriterPropertiesPtr,
) -> Result<(Group, bool), ParquetError> {
    let schema = crate::schema();
    let mut buffers: Vec<TrackedWrite<Vec<u8>>> = (0..schema.num_columns())
        .map(|_| TrackedWrite::new(Vec::new()))
        .collect();
    let mut writers: Vec<ColumnWriter<'_>> = buffers
        .iter_mut()
        .zip(schema.columns())
        .map(|(buffer, descr)| {
            let pages = Box::new(SerializedPageWriter::new(buffer));
            get_column_writer(descr.clone(), props.clone(), pages)
        })
        .collect();
    let mut dicts = vec![Vec::new(); writers.len()];
    first.write(&mut writers, &mut dicts)?;
    let mut ended = false;
    for msg in rx.iter() {
        match msg {
            Msg::Chunk(chunk) => chunk.write(&mut writers, &mut dicts)?,
            Msg::EndGroup => {
                ended = true;
                break;
            }
        }
    }
    let closed = writers
        .into_iter()
        .map(ColumnWriter::close)
        .collect::<Result<Vec<_>, _>>()?;
    let chunks = buffers
        .into_iter()
        .map(|b| b.into_inner().map(Bytes::from))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((chunks.into_iter().zip(closed).collect(), ended))
}

/// Appends an encoded group to a file as one row group.
fn append_group<W: Write + Send>(
    writer: &mut SerializedFileWriter<W>,
    group: Group,
) -> Result<(), ParquetError> {
    let mut row_group = writer.next_row_group()?;
    for (bytes, close) in group {
        row_group.append_column(&bytes, close)?;
    }
    row_group.close().map(drop)
}

impl Sink {
    /// The file being written (the next part's temporary file for a dataset).
    fn path(&self) -> Option<PathBuf> {
        match self {
            Sink::Dataset { dir, next_part } => Some(dir.join(dataset::temp_name(*next_part))),
            Sink::Writer(_) => None,
        }
    }

    /// Writes a group: as the next part file (synced, then renamed into place) or as the
    /// file's next row group.
    fn write_group(
        &mut self,
        group: Group,
        props: &WriterPropertiesPtr,
        shared: &Shared,
    ) -> Result<(), RecordError> {
        match self {
            Sink::Dataset { dir, next_part } => {
                let bytes = write_part(dir, *next_part, Some(group), props)?;
                *next_part += 1;
                shared.bytes.fetch_add(bytes, Ordering::Relaxed);
            }
            Sink::Writer(writer) => {
                let Some(writer) = writer else {
                    return Err(RecordError::Closed);
                };
                let parquet = |source| RecordError::Parquet { path: None, source };
                append_group(writer, group).map_err(parquet)?;
                writer.flush().map_err(|source| RecordError::Io {
                    path: PathBuf::from("<writer>"),
                    source,
                })?;
                shared
                    .bytes
                    .store(writer.bytes_written() as u64, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// Completes the output: an empty dataset gets one empty part (so readers find the
    /// schema); a file gets its footer.
    fn finish(&mut self, props: &WriterPropertiesPtr, shared: &Shared) -> Result<(), RecordError> {
        match self {
            Sink::Dataset { dir, next_part } => {
                if *next_part == 0 {
                    let bytes = write_part(dir, 0, None, props)?;
                    *next_part = 1;
                    shared.bytes.fetch_add(bytes, Ordering::Relaxed);
                }
            }
            Sink::Writer(writer) => {
                if let Some(mut writer) = writer.take() {
                    let parquet = |source| RecordError::Parquet { path: None, source };
                    writer.finish().map_err(parquet)?;
                    shared
                        .bytes
                        .store(writer.bytes_written() as u64, Ordering::Relaxed);
                    writer.flush().map_err(|source| RecordError::Io {
                        path: PathBuf::from("<writer>"),
                        source,
                    })?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        // A writer dropped on an error path: try to leave a valid file behind.
        if let Sink::Writer(writer) = self
            && let Some(writer) = writer.take()
        {
            let _ = writer.close();
        }
    }
}

/// Writes part `n` of the dataset in `dir` (holding `group`, or no row group): under its
/// temporary name, then its footer, a sync to disk and the rename to its name. Returns its
/// size.
fn write_part(
    dir: &Path,
    n: u64,
    group: Option<Group>,
    props: &WriterPropertiesPtr,
) -> Result<u64, RecordError> {
    let tmp = dir.join(dataset::temp_name(n));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RecordError::Io { path, source }
    };
    let parquet = |source| RecordError::Parquet {
        path: Some(tmp.clone()),
        source,
    };
    let file = File::create(&tmp).map_err(io(&tmp))?;
    let mut writer = new_writer(BufWriter::new(file), props).map_err(parquet)?;
    if let Some(group) = group {
        append_group(&mut writer, group).map_err(parquet)?;
    }
    let file = writer
        .into_inner()
        .map_err(parquet)?
        .into_inner()
        .map_err(|e| RecordError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
    file.sync_data().map_err(io(&tmp))?;
    let bytes = file.metadata().map_err(io(&tmp))?.len();
    drop(file);
    let path = dir.join(dataset::part_name(n));
    fs::rename(&tmp, &path).map_err(io(&path))?;
    // Make the rename itself durable (best effort: not every platform opens directories).
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(bytes)
}

/// Makes `dir` an empty directory to record into, refusing to replace anything unless
/// `overwrite`, and even then only a file or a recording's own files.
fn prepare_dir(dir: &Path, overwrite: bool) -> Result<(), RecordError> {
    let io = |source| RecordError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let exists = || RecordError::Exists {
        path: dir.to_path_buf(),
    };
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            let mut entries = Vec::new();
            for entry in fs::read_dir(dir).map_err(io)? {
                entries.push(entry.map_err(io)?);
            }
            if entries.is_empty() {
                return Ok(());
            }
            if !overwrite {
                return Err(exists());
            }
            // Only ever delete what a recording wrote.
            if let Some(foreign) = entries.iter().find(|e| {
                !e.file_name()
                    .to_str()
                    .is_some_and(dataset::is_recording_file)
            }) {
                return Err(RecordError::Foreign {
                    path: dir.to_path_buf(),
                    entry: foreign.file_name().to_string_lossy().into_owned(),
                });
            }
            for entry in entries {
                let path = entry.path();
                fs::remove_file(&path).map_err(|source| RecordError::Io { path, source })?;
            }
            Ok(())
        }
        Ok(_) => {
            if !overwrite {
                return Err(exists());
            }
            fs::remove_file(dir).map_err(io)?;
            fs::create_dir_all(dir).map_err(io)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(dir).map_err(io),
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_clamp_and_default() {
        let o = RecordOptions::default();
        assert_eq!(
            (o.group_rows, o.group_interval, o.overwrite),
            (1_048_576, Duration::from_secs(1), false)
        );
        assert_eq!(RecordOptions::default().group_rows(0).group_rows, 1);
    }

    #[test]
    fn a_writer_that_fails_surfaces_its_error() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut recorder = match Recorder::to_writer(Broken, RecordOptions::default()) {
            Ok(r) => r,
            // Writing the magic bytes may already fail: that is a typed error too.
            Err(e) => return assert!(matches!(e, RecordError::Parquet { .. }), "{e}"),
        };
        let event = Event::Dropped { count: 1 };
        // The first group is accepted (the encoder fails on it), later ones see the error.
        let mut error = None;
        for _ in 0..100 {
            if let Err(e) = recorder.write(&event).and_then(|()| recorder.flush()) {
                error = Some(e);
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let error = error.expect("the failure surfaces");
        assert!(error.to_string().contains("disk on fire"), "{error}");
        assert!(matches!(recorder.write(&event), Err(RecordError::Closed)));
        // The error was reported once; finishing says the recorder is closed.
        assert!(matches!(recorder.finish(), Err(RecordError::Closed)));
    }
}
