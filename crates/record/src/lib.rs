//! Recording pacsys-rs subscription events to Apache Parquet, and reading recordings back.
//!
//! A [`Recorder`] writes every [`Event`] of a subscription (readings, errors, disconnections
//! and reconnections, drops, stale/fresh, history gaps) as one row of a Parquet table whose
//! columns are described at [`schema()`]. The table opens directly in pandas, polars,
//! pyarrow, DuckDB or Spark; [`read_events`] and [`Recording`] turn it back into events.
//!
//! [`Recorder::create`] records crash-safely into a dataset directory: each closed row group
//! becomes a complete part file, so a crash (even SIGKILL) loses at most the open group (the
//! last [`group_interval`](RecordOptions::group_interval) of events or the last
//! [`group_rows`](RecordOptions::group_rows) rows, whichever is smaller) and, for the
//! milliseconds its part takes to complete, the group just closed (see [`RecordOptions`]
//! for the exact bound).
//! [`Recorder::to_writer`] writes one Parquet file to any writer, valid once finished.
//!
//! Parquet encoding runs on a thread of the recorder's own, chunk by chunk as a group fills,
//! so the task taking events from the subscription only copies each into column buffers
//! (it keeps up with a million readings a second; see the `record_ceiling` example).
//!
//! The files are written and read with the `parquet` crate's column writers and readers,
//! without Arrow; every column is defined once, in the table of the `schema` module.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pacsys_types::Event;

/// Compiles the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod buffers;
mod columns;
mod dataset;
mod reader;
mod rows;
mod schema;
mod writer;

pub use columns::{Column, ColumnValues, Dictionary, Nullable, read_columns};
pub use reader::{Events, Recording};
pub use schema::{ColumnKind, schema};
pub use writer::{RecordOptions, RecordStats, Recorder};

/// One event read back from a recording.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedEvent {
    /// The event's position in the recording (0, 1, 2, ... in the order received; a logger
    /// `TimedArray` recorded as several rows numbers each of them).
    pub seq: u64,
    /// When the recorder received it.
    pub received: SystemTime,
    /// The event. A reading's `meta` carries the recorded device name, index and units
    /// (with an empty description and no format hint). A reading whose value was a logger
    /// `TimedArray` comes back as one scalar reading per point, at the point's time.
    pub event: Event,
}

/// Why recording or reading a recording failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The recording's path is taken: a file, or a directory that is not empty.
    #[error(
        "{}: already exists; choose another path or set RecordOptions::overwrite(true)",
        path.display()
    )]
    Exists {
        /// The path given to [`Recorder::create`].
        path: PathBuf,
    },
    /// Overwriting was allowed, but the directory holds something a recording did not write.
    #[error(
        "{}: holds {entry:?}, which is not part of a recording; refusing to delete it",
        path.display()
    )]
    Foreign {
        /// The directory.
        path: PathBuf,
        /// The entry that is not a part file.
        entry: String,
    },
    /// A file or directory could not be created, read, written or renamed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Parquet encoding or decoding failed: reading, the file is not Parquet, is truncated
    /// or its data does not decode; writing, the writer failed.
    #[error("{}: {source}", path.as_deref().map_or("<writer>".into(), |p| p.display().to_string()))]
    Parquet {
        /// The file (`None` for the writer of [`Recorder::to_writer`]).
        path: Option<PathBuf>,
        /// The Parquet library's error.
        source: parquet::errors::ParquetError,
    },
    /// The file is Parquet but not a recording: a column is missing or has another type.
    #[error("{}: column {column:?} {reason}", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A row cannot be an event: an unknown kind or value type, or a null where the row's
    /// kind needs a value.
    #[error("{}: row {row}, column {column:?}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The row's index in the file (0 first).
        row: u64,
        /// The column.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// The recorder was finished or its encoder stopped after an earlier error.
    #[error("the recorder is closed (an earlier error stopped it)")]
    Closed,
    /// The encoder thread panicked (a bug: please report it).
    #[error("the recorder's encoder thread panicked")]
    EncoderPanicked,
}

/// Reads every event of a recording (a dataset directory written by
/// [`Recorder::create`], or one Parquet file), in `seq` order. Hidden and temporary files
/// in a dataset (such as the part a crash interrupted) are skipped. For a recording too
/// large to hold in memory, iterate [`Recording::events`] instead.
///
/// Every event comes back as it was recorded, except that a reading whose value was a
/// logger `TimedArray` comes back as one scalar reading per point.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<RecordedEvent>, RecordError> {
    let mut events = Recording::open(path)?
        .events()
        .collect::<Result<Vec<_>, _>>()?;
    events.sort_by_key(|e| e.seq);
    Ok(events)
}
