//! The bounded, counted event queue between a connection task and a subscription's consumer.
//!
//! Both connection cores (DPM and gRPC) deliver subscription [`Event`]s through it, so drop
//! accounting is one piece of code: the queue holds at most `capacity` undelivered readings;
//! on overflow the [`DropPolicy`] decides which reading goes, every dropped reading is counted
//! and reported in the stream as [`Event::Dropped`] at the place of the loss, and events other
//! than readings (errors, disconnects, reconnects) are never dropped. Nothing is lost silently.
//!
//! It is runtime-agnostic (a mutex and a [`Waker`]), so it needs no async runtime.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::Event;

/// Which reading goes when a subscription's buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DropPolicy {
    /// Drop the oldest undelivered reading, keeping the freshest data (the default: a slow
    /// consumer sees current values, with an [`Event::Dropped`] marking the hole).
    #[default]
    DropOldest,
    /// Drop the incoming reading, keeping what is buffered (the reference client's choice).
    DropNewest,
}

/// The queue's contents, behind the lock.
#[derive(Debug)]
struct Buffer {
    queue: VecDeque<Event>,
    readings: usize,
    capacity: usize,
    policy: DropPolicy,
    closed: bool,
    waker: Option<Waker>,
}

impl Buffer {
    /// Adds an event; returns how many readings were dropped for it (0 or 1).
    fn push(&mut self, event: Event) -> u64 {
        let mut dropped = 0;
        if event.is_reading() {
            if self.readings >= self.capacity {
                dropped = 1;
                match self.policy {
                    DropPolicy::DropNewest => {
                        self.mark_dropped_at_back();
                        return dropped;
                    }
                    DropPolicy::DropOldest => self.evict_oldest(),
                }
            }
            self.readings += 1;
        }
        self.queue.push_back(event);
        dropped
    }

    fn mark_dropped_at_back(&mut self) {
        match self.queue.back_mut() {
            Some(Event::Dropped { count }) => *count += 1,
            _ => self.queue.push_back(Event::Dropped { count: 1 }),
        }
    }

    fn evict_oldest(&mut self) {
        let Some(pos) = self.queue.iter().position(Event::is_reading) else {
            return;
        };
        self.queue.remove(pos);
        self.readings -= 1;
        // Mark the hole where the reading was, merging with an adjacent marker.
        if let Some(Event::Dropped { count }) =
            pos.checked_sub(1).and_then(|p| self.queue.get_mut(p))
        {
            *count += 1;
        } else if let Some(Event::Dropped { count }) = self.queue.get_mut(pos) {
            *count += 1;
        } else {
            self.queue.insert(pos, Event::Dropped { count: 1 });
        }
    }

    fn pop(&mut self) -> Option<Event> {
        let e = self.queue.pop_front()?;
        if e.is_reading() {
            self.readings -= 1;
        }
        Some(e)
    }
}

/// A bounded queue of subscription events with counted, reported drops.
///
/// The producer (a connection task) calls [`EventQueue::push_all`] and finally
/// [`EventQueue::close`]; the consumer's `Stream::poll_next` calls [`EventQueue::poll_next`].
///
/// ```
/// use std::sync::Arc;
/// use pacsys_types::{DropPolicy, Event, EventQueue, Reading, Status};
///
/// let queue = EventQueue::new(2, DropPolicy::DropOldest);
/// let mut batch: Vec<Event> = (0..5)
///     .map(|n| Event::Reading(Reading::new(Arc::from(format!("Z:BENCH000{n}")), Status::OK)))
///     .collect();
/// assert_eq!(queue.push_all(&mut batch), 3, "three readings did not fit");
/// assert_eq!((queue.dropped(), queue.buffered()), (3, 2));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// assert!(matches!(queue.poll_next(&mut cx), std::task::Poll::Ready(Some(Event::Dropped { count: 3 }))));
/// ```
#[derive(Debug)]
pub struct EventQueue {
    buffer: Mutex<Buffer>,
    dropped: AtomicU64,
}

impl EventQueue {
    /// A queue holding at most `capacity` undelivered readings (other events always fit).
    pub fn new(capacity: usize, policy: DropPolicy) -> EventQueue {
        EventQueue {
            buffer: Mutex::new(Buffer {
                queue: VecDeque::with_capacity(capacity.min(1 << 16) + 16),
                readings: 0,
                capacity,
                policy,
                closed: false,
                waker: None,
            }),
            dropped: AtomicU64::new(0),
        }
    }

    /// The lock; a poisoned lock is recovered (every writer leaves the buffer consistent).
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves a batch of events in with one lock and wakes the consumer. Returns how many
    /// readings were dropped by this batch (also added to [`EventQueue::dropped`]). A closed
    /// queue discards the batch.
    pub fn push_all(&self, events: &mut Vec<Event>) -> u64 {
        if events.is_empty() {
            return 0;
        }
        let mut dropped = 0;
        let waker = {
            let mut buf = self.lock();
            if buf.closed {
                events.clear();
                return 0;
            }
            for e in events.drain(..) {
                dropped += buf.push(e);
            }
            buf.waker.take()
        };
        if dropped > 0 {
            self.dropped.fetch_add(dropped, Ordering::Relaxed);
        }
        if let Some(w) = waker {
            w.wake();
        }
        dropped
    }

    /// Ends the stream: the consumer gets the buffered events and then `None`, or `None` at
    /// once when `discard` is set.
    pub fn close(&self, discard: bool) {
        let waker = {
            let mut buf = self.lock();
            buf.closed = true;
            if discard {
                buf.queue.clear();
                buf.readings = 0;
            }
            buf.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The next event, `Ready(None)` once closed and drained, or `Pending` (the consumer is
    /// woken by the next push or close).
    pub fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut buf = self.lock();
        if let Some(e) = buf.pop() {
            return Poll::Ready(Some(e));
        }
        if buf.closed {
            return Poll::Ready(None);
        }
        match &buf.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => buf.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Readings dropped so far because the consumer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Undelivered readings in the queue now.
    pub fn buffered(&self) -> usize {
        self.lock().readings
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::{Reading, Status};

    fn reading(n: u64) -> Event {
        Event::Reading(Reading::new(Arc::from(n.to_string().as_str()), Status::OK))
    }

    fn drain(q: &EventQueue) -> Vec<String> {
        let mut cx = Context::from_waker(Waker::noop());
        std::iter::from_fn(|| match q.poll_next(&mut cx) {
            Poll::Ready(Some(e)) => Some(e),
            _ => None,
        })
        .map(|e| match e {
            Event::Reading(r) => r.drf.to_string(),
            Event::Dropped { count } => format!("D{count}"),
            other => other.to_string(),
        })
        .collect()
    }

    fn push(q: &EventQueue, e: Event) -> u64 {
        q.push_all(&mut vec![e])
    }

    #[test]
    fn drop_newest_marks_the_tail() {
        let q = EventQueue::new(2, DropPolicy::DropNewest);
        let dropped: u64 = (1..=5).map(|n| push(&q, reading(n))).sum();
        assert_eq!(dropped, 3);
        push(&q, Event::Disconnected { reason: "x".into() });
        assert_eq!(drain(&q), ["1", "2", "D3", "disconnected: x"]);
        assert_eq!(q.dropped(), 3);
    }

    #[test]
    fn drop_oldest_marks_the_head_and_keeps_fresh_data() {
        let q = EventQueue::new(2, DropPolicy::DropOldest);
        push(
            &q,
            Event::Reconnected {
                gap: Duration::from_millis(1),
            },
        );
        let dropped: u64 = (1..=5).map(|n| push(&q, reading(n))).sum();
        assert_eq!(dropped, 3);
        assert_eq!(q.buffered(), 2);
        assert_eq!(
            drain(&q),
            ["reconnected after a gap of 1ms", "D3", "4", "5"]
        );
        // Consumed in between: no drop.
        assert_eq!(push(&q, reading(6)), 0);
    }

    #[test]
    fn non_reading_events_are_never_dropped() {
        let q = EventQueue::new(1, DropPolicy::DropOldest);
        push(&q, reading(1));
        for _ in 0..5 {
            push(
                &q,
                Event::Error {
                    drf: Arc::from("X"),
                    status: Status::new(17, -26),
                },
            );
        }
        assert_eq!(push(&q, reading(2)), 1);
        let all = drain(&q);
        assert_eq!(all.len(), 7);
        assert_eq!(all[0], "D1");
        assert_eq!(all[6], "2");
    }

    #[test]
    fn close_ends_the_stream_after_or_without_the_backlog() {
        let mut cx = Context::from_waker(Waker::noop());
        let q = EventQueue::new(4, DropPolicy::DropOldest);
        push(&q, reading(1));
        q.close(false);
        assert_eq!(drain(&q), ["1"]);
        assert!(matches!(q.poll_next(&mut cx), Poll::Ready(None)));
        assert_eq!(push(&q, reading(2)), 0, "a closed queue discards");
        let q = EventQueue::new(4, DropPolicy::DropOldest);
        push(&q, reading(1));
        q.close(true);
        assert!(matches!(q.poll_next(&mut cx), Poll::Ready(None)));
        let q = EventQueue::new(4, DropPolicy::DropOldest);
        assert!(q.poll_next(&mut cx).is_pending());
    }
}
