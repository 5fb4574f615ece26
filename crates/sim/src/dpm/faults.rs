//! Fault injection for the fake DPM server: each option makes the server misbehave in one
//! documented way, so clients can be tested against partial frames, slow and stalled peers,
//! resets and garbage.

use std::sync::Arc;
use std::time::Duration;

/// How one connection misbehaves. The default is a well-behaved server.
///
/// ```
/// use pacsys_sim::Faults;
/// use std::time::Duration;
///
/// // Split every frame into random writes of 1..=7 bytes and close after 10 samples.
/// let faults = Faults {
///     split_writes: true,
///     close_after_data: Some(10),
///     reply_delay: Some(Duration::from_millis(5)),
///     ..Faults::default()
/// };
/// assert!(faults.is_active());
/// assert!(!Faults::default().is_active());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Write every frame as many small writes (1 to 7 bytes each, flushed one by one), so
    /// the client sees prefixes and bodies split at arbitrary points.
    pub split_writes: bool,
    /// Wait this long before each write of replies.
    pub reply_delay: Option<Duration>,
    /// Send the data replies of each batch in reverse ref order (the order within one ref
    /// is kept), so replies arrive interleaved across refs unlike the request order.
    pub reorder: bool,
    /// Close the connection after this many data replies.
    pub close_after_data: Option<u64>,
    /// After this many data replies, send nothing more (not even heartbeats) but keep the
    /// connection open and keep reading.
    pub stall_after_data: Option<u64>,
    /// After this many data replies, send one frame whose body is not a DPM message.
    pub garbage_after_data: Option<u64>,
    /// After this many data replies, send a length prefix far above any frame limit.
    pub oversize_after_data: Option<u64>,
    /// Answer the handshake with this HTTP status (e.g. 503) and close.
    pub http_error: Option<u16>,
    /// Close each connection right after accepting it, before the handshake.
    pub accept_then_close: bool,
}

impl Faults {
    /// Whether any fault is switched on.
    pub fn is_active(&self) -> bool {
        *self != Faults::default()
    }
}

/// Chooses the faults of each connection by its index (0 for the first accepted).
pub type FaultPlan = Arc<dyn Fn(u64) -> Faults + Send + Sync>;

/// A plan that applies the same faults to every connection.
pub fn every_connection(faults: Faults) -> FaultPlan {
    Arc::new(move |_| faults.clone())
}
