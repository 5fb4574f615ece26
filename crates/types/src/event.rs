//! What a subscription delivers: [`Event`].

use std::sync::Arc;
use std::time::Duration;

use crate::{Reading, Status};

/// One item of a subscription's stream.
///
/// Besides the samples themselves, a subscription reports everything that affects what the
/// consumer saw: per-request errors, the loss and recovery of the connection (with the length
/// of the gap), and readings dropped because the consumer fell behind. Nothing is lost
/// silently.
///
/// ```
/// use std::time::Duration;
/// use pacsys_types::Event;
///
/// let e = Event::Reconnected { gap: Duration::from_millis(250) };
/// assert!(!e.is_reading());
/// assert_eq!(e.to_string(), "reconnected after a gap of 250ms");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Event {
    /// A sample for one of the subscribed requests.
    Reading(Reading),
    /// The server rejected or failed one request (bad DRF, unknown device, ...). The other
    /// requests of the subscription are unaffected.
    Error {
        /// The request as the caller wrote it.
        drf: Arc<str>,
        /// Why.
        status: Status,
    },
    /// The connection was lost; the subscription is reconnecting. No samples arrive until
    /// [`Event::Reconnected`].
    Disconnected {
        /// What happened, for logs.
        reason: String,
    },
    /// The connection is back and every request was re-added.
    Reconnected {
        /// How long no data could arrive (from detecting the loss to resubscribing).
        gap: Duration,
    },
    /// `count` readings were dropped here because the consumer fell behind and the
    /// subscription's buffer was full.
    Dropped {
        /// How many readings were dropped at this point of the stream.
        count: u64,
    },
    /// A request delivered nothing for its subscription's
    /// [`stale_after`](crate::SubscriptionOptions::stale_after) window although the
    /// connection lives (a device that stopped, a server that quietly dropped it).
    Stale {
        /// The request as the caller wrote it.
        drf: Arc<str>,
        /// How long it has been silent.
        silent_for: Duration,
    },
    /// A request reported [`Event::Stale`] delivers again; its reading follows.
    Fresh {
        /// The request as the caller wrote it.
        drf: Arc<str>,
        /// How long it was silent in all.
        silent_for: Duration,
    },
    /// Readings of `drf` between `from` and `to` could not be recovered (a history window
    /// that failed every retry); the stream goes on after it.
    Gap {
        /// The request as the caller wrote it.
        drf: Arc<str>,
        /// The start of the missing span.
        from: std::time::SystemTime,
        /// Its end.
        to: std::time::SystemTime,
        /// Why it could not be read.
        reason: String,
    },
}

/// The events' names ([`Event::kind`]), as constants a reader of recordings can match on.
pub mod kind {
    /// [`Event::Reading`](super::Event::Reading).
    pub const READING: &str = "reading";
    /// [`Event::Error`](super::Event::Error).
    pub const ERROR: &str = "error";
    /// [`Event::Disconnected`](super::Event::Disconnected).
    pub const DISCONNECTED: &str = "disconnected";
    /// [`Event::Reconnected`](super::Event::Reconnected).
    pub const RECONNECTED: &str = "reconnected";
    /// [`Event::Dropped`](super::Event::Dropped).
    pub const DROPPED: &str = "dropped";
    /// [`Event::Stale`](super::Event::Stale).
    pub const STALE: &str = "stale";
    /// [`Event::Fresh`](super::Event::Fresh).
    pub const FRESH: &str = "fresh";
    /// [`Event::Gap`](super::Event::Gap).
    pub const GAP: &str = "gap";
}

impl Event {
    /// The event's name, as a recording's `kind` column (pacsys-record) and the command
    /// line's JSON and CSV lines (`event`) write it: `reading`, `error`, `disconnected`,
    /// `reconnected`, `dropped`, `stale`, `fresh`, `gap`.
    ///
    /// ```
    /// use pacsys_types::Event;
    /// assert_eq!(Event::Dropped { count: 3 }.kind(), "dropped");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Reading(_) => kind::READING,
            Event::Error { .. } => kind::ERROR,
            Event::Disconnected { .. } => kind::DISCONNECTED,
            Event::Reconnected { .. } => kind::RECONNECTED,
            Event::Dropped { .. } => kind::DROPPED,
            Event::Stale { .. } => kind::STALE,
            Event::Fresh { .. } => kind::FRESH,
            Event::Gap { .. } => kind::GAP,
        }
    }

    /// Whether this is a [`Event::Reading`].
    pub fn is_reading(&self) -> bool {
        matches!(self, Event::Reading(_))
    }

    /// The reading, if this is one.
    pub fn reading(&self) -> Option<&Reading> {
        match self {
            Event::Reading(r) => Some(r),
            _ => None,
        }
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Reading(r) => match &r.value {
                Some(v) => write!(f, "{} = {v}", r.drf),
                None => write!(f, "{}: {}", r.drf, r.status),
            },
            Event::Error { drf, status } => write!(f, "{drf}: {status}"),
            Event::Disconnected { reason } => write!(f, "disconnected: {reason}"),
            Event::Reconnected { gap } => write!(f, "reconnected after a gap of {gap:?}"),
            Event::Dropped { count } => write!(f, "{count} readings dropped (consumer too slow)"),
            Event::Stale { drf, silent_for } => write!(
                f,
                "{drf}: stale, no reading for {}",
                crate::error::human_duration(*silent_for)
            ),
            Event::Gap { drf, reason, .. } => write!(f, "{drf}: readings lost: {reason}"),
            Event::Fresh { drf, silent_for } => write!(
                f,
                "{drf}: delivering again after {} of silence",
                crate::error::human_duration(*silent_for)
            ),
        }
    }
}
