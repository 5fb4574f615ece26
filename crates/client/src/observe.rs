//! The observer hook: connection trouble, reconnections and drops reported to a callback
//! or a channel, in addition to `tracing`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pacsys_types::Event;

use crate::Error;

/// Something worth knowing about a backend's health.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Observation {
    /// A subscription lost its connection, got it back (with the gap), or dropped readings
    /// because its consumer fell behind. Carries the subscription's DRFs and the event as
    /// the stream delivered it ([`Event::Disconnected`], [`Event::Reconnected`] or
    /// [`Event::Dropped`]). Reported when the consumer takes the event from the stream.
    Subscription {
        /// The subscription's DRFs.
        drfs: Arc<[String]>,
        /// The event.
        event: Event,
    },
    /// A call failed for a reason of the connection (a retryable error: timeout,
    /// connection lost or refused, busy pool) or left a setting's outcome unknown, rather
    /// than for the request: reported once per call, with the first such error.
    CallFailed {
        /// `"get_many"` or `"write_many"` (the single-item calls go through them).
        operation: &'static str,
        /// The error.
        error: Error,
    },
}

/// A callback that receives [`Observation`]s. Cheap to clone; give it to a backend
/// builder (`.observer(...)`).
///
/// The callback runs on the task that noticed the event, so it must be quick and must
/// not block; [`Observer::channel`] hands observations to a consumer of your own instead.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use pacsys::observe::{Observation, Observer};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// let observer = Observer::new(move |o: &Observation| sink.lock().unwrap().push(o.clone()));
/// observer.observe(&Observation::CallFailed {
///     operation: "get_many",
///     error: pacsys::Error::timeout("reading M:OUTTMP"),
/// });
/// assert_eq!(seen.lock().unwrap().len(), 1);
/// ```
#[derive(Clone)]
pub struct Observer(Arc<dyn Fn(&Observation) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer(..)")
    }
}

impl Observer {
    /// An observer that calls `f`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use pacsys::observe::{Observation, Observer};
    ///
    /// let count = Arc::new(AtomicUsize::new(0));
    /// let seen = Arc::clone(&count);
    /// let observer = Observer::new(move |_: &Observation| { seen.fetch_add(1, Ordering::Relaxed); });
    /// observer.observe(&Observation::CallFailed { operation: "get_many", error: pacsys::Error::closed() });
    /// assert_eq!(count.load(Ordering::Relaxed), 1);
    /// ```
    pub fn new(f: impl Fn(&Observation) + Send + Sync + 'static) -> Observer {
        Observer(Arc::new(f))
    }

    /// An observer that sends to a bounded channel, and its receiving end. When the
    /// channel is full, observations are dropped and counted (see
    /// [`ObservationReceiver::missed`]), so a slow consumer never slows a backend.
    ///
    /// ```
    /// use pacsys::observe::{Observation, Observer};
    ///
    /// let (observer, mut rx) = Observer::channel(1);
    /// let failed = Observation::CallFailed {
    ///     operation: "get_many",
    ///     error: pacsys::Error::timeout("reading M:OUTTMP"),
    /// };
    /// observer.observe(&failed);
    /// observer.observe(&failed); // the channel is full: counted, not queued
    /// assert_eq!(rx.try_recv(), Some(failed));
    /// assert_eq!(rx.try_recv(), None);
    /// assert_eq!(rx.missed(), 1);
    /// ```
    pub fn channel(capacity: usize) -> (Observer, ObservationReceiver) {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
        let missed = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&missed);
        let observer = Observer::new(move |o| {
            if tx.try_send(o.clone()).is_err() {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        (observer, ObservationReceiver { rx, missed })
    }

    /// Reports one observation.
    ///
    /// ```
    /// use pacsys::observe::{Observation, Observer};
    ///
    /// let (observer, mut rx) = Observer::channel(8);
    /// let failed = Observation::CallFailed { operation: "write_many", error: pacsys::Error::closed() };
    /// observer.observe(&failed);
    /// assert_eq!(rx.try_recv(), Some(failed));
    /// ```
    pub fn observe(&self, observation: &Observation) {
        (self.0)(observation);
    }

    /// Reports a subscription event if it is one worth observing (not readings or
    /// per-request errors).
    pub(crate) fn event(&self, drfs: &Arc<[String]>, event: &Event) {
        if matches!(
            event,
            Event::Disconnected { .. } | Event::Reconnected { .. } | Event::Dropped { .. }
        ) {
            self.observe(&Observation::Subscription {
                drfs: Arc::clone(drfs),
                event: event.clone(),
            });
        }
    }

    /// Reports the first connection-level error among a batch's results.
    pub(crate) fn results<T>(&self, operation: &'static str, results: &[Result<T, Error>]) {
        if let Some(error) = results.iter().find_map(|r| match r {
            Err(e) if e.is_retryable() || e.is_outcome_unknown() => Some(e),
            _ => None,
        }) {
            self.observe(&Observation::CallFailed {
                operation,
                error: error.clone(),
            });
        }
    }
}

/// The receiving end of [`Observer::channel`].
#[derive(Debug)]
pub struct ObservationReceiver {
    rx: tokio::sync::mpsc::Receiver<Observation>,
    missed: Arc<AtomicU64>,
}

impl ObservationReceiver {
    /// The next observation; `None` once every observer is gone.
    ///
    /// ```
    /// use pacsys::observe::{Observation, Observer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (observer, mut rx) = Observer::channel(8);
    /// let failed = Observation::CallFailed { operation: "get_many", error: pacsys::Error::closed() };
    /// observer.observe(&failed);
    /// assert_eq!(rx.recv().await, Some(failed));
    /// drop(observer); // every observer gone: the channel ends
    /// assert_eq!(rx.recv().await, None);
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Option<Observation> {
        self.rx.recv().await
    }

    /// An observation if one is waiting.
    ///
    /// ```
    /// use pacsys::observe::Observer;
    ///
    /// let (_observer, mut rx) = Observer::channel(8);
    /// assert_eq!(rx.try_recv(), None); // nothing waiting
    /// ```
    pub fn try_recv(&mut self) -> Option<Observation> {
        self.rx.try_recv().ok()
    }

    /// How many observations were dropped because the channel was full.
    ///
    /// ```
    /// use pacsys::observe::{Observation, Observer};
    ///
    /// let (observer, rx) = Observer::channel(1);
    /// let failed = Observation::CallFailed { operation: "get_many", error: pacsys::Error::closed() };
    /// for _ in 0..3 {
    ///     observer.observe(&failed);
    /// }
    /// assert_eq!(rx.missed(), 2); // one queued, two dropped
    /// ```
    pub fn missed(&self) -> u64 {
        self.missed.load(Ordering::Relaxed)
    }
}
