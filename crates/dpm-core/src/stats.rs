//! Counters a client, a pool connection or a subscription keeps, readable at any time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters, shared between the I/O tasks and the handles.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub connects: AtomicU64,
    pub frames_in: AtomicU64,
    pub frames_out: AtomicU64,
    pub readings: AtomicU64,
    pub dropped: AtomicU64,
    pub reconnects: AtomicU64,
}

impl Counters {
    #[inline]
    pub fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            connects: get(&self.connects),
            frames_in: get(&self.frames_in),
            frames_out: get(&self.frames_out),
            readings: get(&self.readings),
            dropped: get(&self.dropped),
            reconnects: get(&self.reconnects),
        }
    }
}

/// Where counts go: an object's own counters and, optionally, its owner's (a subscription's
/// counts also show in its client's).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub own: Arc<Counters>,
    pub parent: Option<Arc<Counters>>,
}

impl Tally {
    /// Adds `n` to the counter `pick` selects, here and in the parent.
    #[inline]
    pub fn add(&self, pick: fn(&Counters) -> &AtomicU64, n: u64) {
        Counters::add(pick(&self.own), n);
        if let Some(p) = &self.parent {
            Counters::add(pick(p), n);
        }
    }
}

/// A snapshot of counters.
///
/// ```
/// let s = pacsys_dpm_core::Stats::default();
/// assert_eq!(s.readings, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Connections established (handshake and OpenList completed).
    pub connects: u64,
    /// Frames received.
    pub frames_in: u64,
    /// Frames sent.
    pub frames_out: u64,
    /// Data replies (samples) received.
    pub readings: u64,
    /// Readings dropped because a subscription's consumer fell behind.
    pub dropped: u64,
    /// Subscription reconnects completed.
    pub reconnects: u64,
}
