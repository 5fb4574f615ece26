//! Staleness of a subscription's requests (`SubscriptionOptions::stale_after`): a request
//! silent for the window while the connection lives is reported as [`Event::Stale`], and
//! its next reading is preceded by [`Event::Fresh`].
//!
//! The watch keeps, per request, when it last delivered and since when it is stale. It is
//! fed every event the stream yields and asked, when the stream has nothing, for the
//! requests whose window ran out; one tokio timer is moved to the earliest deadline.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::Event;

/// One request's clock.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// Its last reading (or the start, or the last reconnection).
    last: Instant,
    /// Whether it was reported stale (and not fresh since).
    stale: bool,
}

/// The staleness state of one subscription.
#[derive(Debug)]
pub(crate) struct StaleWatch {
    window: Duration,
    clocks: HashMap<Arc<str>, Clock>,
    /// The connection is down: nothing is flagged until it is back.
    paused: bool,
    /// Events to hand out before the stream's next one.
    pending: VecDeque<Event>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl StaleWatch {
    /// Watches `drfs` from now on.
    pub fn new<I: IntoIterator<Item = Arc<str>>>(drfs: I, window: Duration) -> StaleWatch {
        let now = Instant::now();
        StaleWatch {
            window,
            clocks: drfs
                .into_iter()
                .map(|d| {
                    (
                        d,
                        Clock {
                            last: now,
                            stale: false,
                        },
                    )
                })
                .collect(),
            paused: false,
            pending: VecDeque::new(),
            timer: None,
        }
    }

    /// Sees an event of the stream; returns it, or an [`Event::Fresh`] to hand out first
    /// (the event is then kept for the next call to [`StaleWatch::take_pending`]).
    pub fn see(&mut self, event: Event) -> Event {
        let now = Instant::now();
        match &event {
            Event::Reading(r) => {
                if let Some(clock) = self.clocks.get_mut(&r.drf) {
                    let was_stale = clock.stale;
                    let silent_for = now.saturating_duration_since(clock.last);
                    *clock = Clock {
                        last: now,
                        stale: false,
                    };
                    if was_stale {
                        let fresh = Event::Fresh {
                            drf: Arc::clone(&r.drf),
                            silent_for,
                        };
                        self.pending.push_back(event);
                        return fresh;
                    }
                }
            }
            // A rejected request never delivers: not watched.
            Event::Error { drf, .. } => {
                self.clocks.remove(drf);
            }
            Event::Disconnected { .. } => self.paused = true,
            Event::Reconnected { .. } => {
                self.paused = false;
                for clock in self.clocks.values_mut() {
                    clock.last = now;
                }
            }
            _ => {}
        }
        event
    }

    /// An event kept by [`StaleWatch::see`] or [`StaleWatch::poll_stale`].
    pub fn take_pending(&mut self) -> Option<Event> {
        self.pending.pop_front()
    }

    /// When the stream has nothing: the requests whose window ran out, one per call (the
    /// rest kept); otherwise arms the timer for the next deadline and returns `Pending`.
    pub fn poll_stale(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        if let Some(e) = self.pending.pop_front() {
            return Poll::Ready(e);
        }
        if self.paused {
            self.timer = None;
            return Poll::Pending;
        }
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for (drf, clock) in &mut self.clocks {
            if clock.stale {
                continue;
            }
            let due = clock.last + self.window;
            if due <= now {
                clock.stale = true;
                self.pending.push_back(Event::Stale {
                    drf: Arc::clone(drf),
                    silent_for: now.saturating_duration_since(clock.last),
                });
            } else {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        if let Some(e) = self.pending.pop_front() {
            return Poll::Ready(e);
        }
        let Some(at) = next else {
            self.timer = None;
            return Poll::Pending;
        };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if timer.deadline() != at {
            timer.as_mut().reset(at);
        }
        if timer.as_mut().poll(cx).is_ready() {
            // Due by now: look again at once.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Reading, Status};

    fn reading(drf: &str) -> Event {
        Event::Reading(Reading::new(drf.into(), Status::OK))
    }

    #[tokio::test(start_paused = true)]
    async fn silent_requests_go_stale_once_and_fresh_before_their_next_reading() {
        let mut w = StaleWatch::new(["A".into(), "B".into()], Duration::from_secs(2));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(w.poll_stale(&mut cx).is_pending());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(matches!(w.see(reading("A")), Event::Reading(_)));
        tokio::time::advance(Duration::from_millis(1500)).await;
        // B has been silent 2.5 s, A only 1.5 s.
        match w.poll_stale(&mut cx) {
            Poll::Ready(Event::Stale { drf, silent_for }) => {
                assert_eq!((&*drf, silent_for), ("B", Duration::from_millis(2500)));
            }
            other => panic!("{other:?}"),
        }
        assert!(w.poll_stale(&mut cx).is_pending(), "reported once");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(
            matches!(w.poll_stale(&mut cx), Poll::Ready(Event::Stale { drf, .. }) if &*drf == "A")
        );
        // B delivers: Fresh first, then its reading.
        match w.see(reading("B")) {
            Event::Fresh { drf, silent_for } => {
                assert_eq!((&*drf, silent_for), ("B", Duration::from_millis(3500)));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(w.take_pending(), Some(Event::Reading(_))));
    }

    #[tokio::test(start_paused = true)]
    async fn a_disconnection_pauses_the_clocks_and_rejected_requests_are_not_watched() {
        let mut w = StaleWatch::new(["A".into(), "B".into()], Duration::from_secs(2));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        w.see(Event::Error {
            drf: "B".into(),
            status: Status::DPM_PEND,
        });
        w.see(Event::Disconnected {
            reason: "reset".into(),
        });
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(
            w.poll_stale(&mut cx).is_pending(),
            "nothing while the connection is down"
        );
        w.see(Event::Reconnected {
            gap: Duration::from_secs(10),
        });
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(w.poll_stale(&mut cx).is_pending(), "the clocks restarted");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(
            matches!(w.poll_stale(&mut cx), Poll::Ready(Event::Stale { drf, .. }) if &*drf == "A")
        );
        assert!(w.poll_stale(&mut cx).is_pending(), "B is not watched");
    }
}
