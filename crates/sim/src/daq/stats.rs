//! The fake DAQ server's counters: the live counters and their [`DaqStats`] snapshot.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

/// A snapshot of the server's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DaqStats {
    /// `Read` calls received.
    pub read_calls: u64,
    /// `Set` calls received.
    pub set_calls: u64,
    /// Calls refused for a missing or wrong bearer token.
    pub auth_failures: u64,
    /// `ReadingReply` messages sent.
    pub replies: u64,
    /// Samples sent (inside those replies).
    pub readings: u64,
    /// Settings applied successfully.
    pub settings_applied: u64,
    /// Streams ended by the `drop_stream_after` fault.
    pub dropped_streams: u64,
    /// Read streams open now.
    pub open_streams: u64,
}

/// Live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) calls: AtomicU64,
    pub(crate) read_calls: AtomicU64,
    pub(crate) set_calls: AtomicU64,
    pub(crate) auth_failures: AtomicU64,
    pub(crate) replies: AtomicU64,
    pub(crate) readings: AtomicU64,
    pub(crate) settings_applied: AtomicU64,
    pub(crate) dropped_streams: AtomicU64,
    pub(crate) open_streams: AtomicU64,
    pub(crate) read_log: Mutex<Vec<Vec<String>>>,
    pub(crate) set_log: Mutex<Vec<Vec<String>>>,
}
