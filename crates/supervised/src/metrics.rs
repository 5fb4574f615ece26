//! Counters of the proxy, read with [`Metrics::snapshot`].

use std::sync::atomic::{AtomicU64, Ordering};

use crate::audit::AuditStats;

/// Live counters (all relaxed atomics).
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) read_requests: AtomicU64,
    pub(crate) set_requests: AtomicU64,
    pub(crate) denied_requests: AtomicU64,
    pub(crate) denied_slots: AtomicU64,
    pub(crate) unauthenticated: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) streams_started: AtomicU64,
    pub(crate) streams_open: AtomicU64,
    pub(crate) replies: AtomicU64,
    pub(crate) readings: AtomicU64,
    pub(crate) settings_forwarded: AtomicU64,
    pub(crate) backend_errors: AtomicU64,
    pub(crate) backend_dropped: AtomicU64,
    pub(crate) connections_refused: AtomicU64,
    pub(crate) idle_closed: AtomicU64,
}

/// A snapshot of the counters.
///
/// ```
/// use pacsys_supervised::Metrics;
///
/// let m = Metrics::default();
/// assert_eq!(m.snapshot(None).read_requests, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// `Read` calls received.
    pub read_requests: u64,
    /// `Set` calls received.
    pub set_requests: u64,
    /// Calls refused whole with `PERMISSION_DENIED`.
    pub denied_requests: u64,
    /// Single DRFs or settings denied by a policy inside an otherwise allowed call.
    pub denied_slots: u64,
    /// Calls refused with `UNAUTHENTICATED`.
    pub unauthenticated: u64,
    /// Calls refused with `INVALID_ARGUMENT` (empty, oversize, empty values).
    pub invalid: u64,
    /// Streaming reads started.
    pub streams_started: u64,
    /// Streaming reads open now.
    pub streams_open: u64,
    /// `ReadingReply` messages sent.
    pub replies: u64,
    /// Readings (samples) forwarded to clients, counted once per request index.
    pub readings: u64,
    /// Settings forwarded to the backend.
    pub settings_forwarded: u64,
    /// Backend calls that failed as a whole (subscribe errors, ended subscriptions).
    pub backend_errors: u64,
    /// Readings the backend reported dropped (its buffers overflowed).
    pub backend_dropped: u64,
    /// Connections closed at once because their address held its limit.
    pub connections_refused: u64,
    /// Connections closed after the idle timeout.
    pub idle_closed: u64,
    /// Audit records written.
    pub audit_written: u64,
    /// Audit records that failed to write.
    pub audit_failed: u64,
    /// Audit records refused after the log was closed.
    pub audit_dropped: u64,
}

impl Metrics {
    /// The counters now, with the audit log's when there is one.
    pub fn snapshot(&self, audit: Option<AuditStats>) -> MetricsSnapshot {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let audit = audit.unwrap_or_default();
        MetricsSnapshot {
            read_requests: get(&self.read_requests),
            set_requests: get(&self.set_requests),
            denied_requests: get(&self.denied_requests),
            denied_slots: get(&self.denied_slots),
            unauthenticated: get(&self.unauthenticated),
            invalid: get(&self.invalid),
            streams_started: get(&self.streams_started),
            streams_open: get(&self.streams_open),
            replies: get(&self.replies),
            readings: get(&self.readings),
            settings_forwarded: get(&self.settings_forwarded),
            backend_errors: get(&self.backend_errors),
            backend_dropped: get(&self.backend_dropped),
            connections_refused: get(&self.connections_refused),
            idle_closed: get(&self.idle_closed),
            audit_written: audit.written,
            audit_failed: audit.failed,
            audit_dropped: audit.dropped,
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}
