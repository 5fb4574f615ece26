//! Recording pacsys-rs subscription events to Apache Parquet, and reading recordings back.
//!
//! SKELETON: the public API below is the contract other crates build against; the bodies are
//! being written (issue 15).

use std::path::Path;
use std::time::SystemTime;

use pacsys_types::Event;

/// One event read back from a recording.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedEvent {
    /// The event's position in the recording (0, 1, 2, ... in the order received).
    pub seq: u64,
    /// When the recorder received it.
    pub received: SystemTime,
    /// The event. A reading's `meta` carries the recorded device name, index and units.
    pub event: Event,
}

/// Why recording or reading a recording failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Not written yet.
    #[error("not implemented yet")]
    Unsupported,
}

/// Reads every event of a recording (a dataset directory written by `Recorder::create`, or
/// one Parquet file), in `seq` order.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<RecordedEvent>, RecordError> {
    let _ = path.as_ref();
    Err(RecordError::Unsupported)
}
