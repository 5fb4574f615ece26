//! The subscriptions of a [`FakeBackend`](super::FakeBackend): a bounded event queue each,
//! fed by tests (`emit_*`) and by one timer task per periodic DRF.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use pacsys_drf::Request;
use pacsys_types::{Event, EventQueue, Reading, Status, Value};
use tokio::task::JoinHandle;

use super::Shared;
use super::key::Matcher;

/// One subscribed DRF.
#[derive(Debug)]
pub(crate) struct SubDrf {
    /// As the caller wrote it (what its readings carry).
    pub(crate) drf: Arc<str>,
    pub(crate) request: Request,
    pub(crate) matcher: Matcher,
}

/// A live subscription as the backend sees it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) id: u64,
    pub(crate) drfs: Arc<[SubDrf]>,
    pub(crate) queue: Arc<EventQueue>,
    pub(crate) dropped: Arc<AtomicU64>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
    /// Why the fake ended it (`FakeBackend::fail_subscriptions`).
    pub(crate) end: pacsys::subscription::EndReason,
}

impl Entry {
    /// Queues events, counting drops.
    pub(crate) fn push(&self, events: &mut Vec<Event>) {
        push(&self.queue, &self.dropped, events);
    }

    /// Ends the stream at once and stops its timers.
    pub(crate) fn end(&self) {
        self.finish(true);
    }

    /// Stops its timers and ends its stream, delivering what is queued unless `discard`.
    pub(crate) fn finish(&self, discard: bool) {
        for task in &self.tasks {
            task.abort();
        }
        self.queue.close(discard);
    }
}

fn push(queue: &EventQueue, dropped: &AtomicU64, events: &mut Vec<Event>) {
    let lost = queue.push_all(events);
    if lost > 0 {
        dropped.fetch_add(lost, Ordering::Relaxed);
    }
}

/// The stream a [`pacsys::Subscription`] wraps; dropping it (stop, drop, close) removes the
/// subscription from the backend and stops its timers.
pub(crate) struct SubStream {
    pub(crate) queue: Arc<EventQueue>,
    pub(crate) id: u64,
    pub(crate) shared: Weak<Shared>,
}

impl Stream for SubStream {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.queue.poll_next(cx)
    }
}

impl Drop for SubStream {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.remove_subscription(self.id);
        }
    }
}

/// What one sample of a subscribed DRF gave.
type Outcome = Result<Value, Status>;

/// What a timer task needs to feed one subscription.
#[derive(Debug, Clone)]
pub(crate) struct Feed {
    pub(crate) shared: Weak<Shared>,
    pub(crate) drfs: Arc<[SubDrf]>,
    pub(crate) queue: Arc<EventQueue>,
    pub(crate) dropped: Arc<AtomicU64>,
}

/// How a periodic DRF repeats.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Every {
    pub(crate) period: Duration,
    /// `@q`: only values that differ from the last one sent.
    pub(crate) on_change: bool,
    /// The first sample at once rather than after one period.
    pub(crate) immediate: bool,
}

/// Emits the world's (or the override's) value of `feed.drfs[index]` every period: every
/// time for `@p`, only on change for `@q`. Errors are reported once per change of outcome.
pub(crate) async fn periodic(feed: Feed, index: usize, every: Every) {
    let Some(sub) = feed.drfs.get(index) else {
        return;
    };
    // At least 1 ms; at most a year, so deadlines never overflow the clock.
    let period = every
        .period
        .clamp(Duration::from_millis(1), Duration::from_secs(86_400 * 365));
    let first = if every.immediate {
        Duration::ZERO
    } else {
        period
    };
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + first, period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last: Option<Outcome> = None;
    loop {
        timer.tick().await;
        let Some(backend) = feed.shared.upgrade() else {
            return;
        };
        let sample = backend.sample(&sub.drf, &sub.request);
        drop(backend);
        let (outcome, event) = match sample {
            Ok(reading) => match reading.value.clone() {
                Some(value) => (Ok(value), Event::Reading(reading)),
                None => continue,
            },
            Err(e) => match e.status() {
                Some(status) => (
                    Err(status),
                    Event::Error {
                        drf: Arc::clone(&sub.drf),
                        status,
                    },
                ),
                None => continue,
            },
        };
        let repeat = last.as_ref() == Some(&outcome);
        if repeat && (every.on_change || outcome.is_err()) {
            continue;
        }
        last = Some(outcome);
        push(&feed.queue, &feed.dropped, &mut vec![event]);
    }
}

/// `event` as subscription `sub` receives it: readings and errors carry its own DRF.
pub(crate) fn addressed(event: &Event, sub: &SubDrf) -> Event {
    match event {
        Event::Reading(r) => {
            let mut r: Reading = r.clone();
            r.drf = Arc::clone(&sub.drf);
            Event::Reading(r)
        }
        Event::Error { status, .. } => Event::Error {
            drf: Arc::clone(&sub.drf),
            status: *status,
        },
        other => other.clone(),
    }
}
