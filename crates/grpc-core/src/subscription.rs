//! Streaming reads (spec 5.3, 9): one `Read` call per subscription, delivered as a
//! [`futures::Stream`] of [`Event`]s, with reconnect and a bounded, counted buffer.
//!
//! A task owns the call. Each sample becomes an [`Event::Reading`]; a status reply (or an
//! error sample) an [`Event::Error`] for that DRF. When the call fails with `UNAVAILABLE`
//! or `CANCELLED` (server down, shutdown, stream cut) the task emits
//! [`Event::Disconnected`], waits with exponential backoff and jitter, repeats the whole
//! `Read` and emits [`Event::Reconnected`] with the gap. Other gRPC failures are fatal:
//! every DRF gets an [`Event::Error`], the stream ends and [`Subscription::error`] says
//! why. When the server completes the call normally the stream simply ends.
//!
//! The buffer is pacsys-types' [`EventQueue`], shared with the DPM core: it holds at most
//! `buffer` undelivered readings; on overflow the [`DropPolicy`](pacsys_types::DropPolicy) decides which goes, each drop
//! is counted ([`Subscription::dropped`]) and reported in the stream as [`Event::Dropped`].
//! Events other than readings are never dropped.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{FutureExt, Stream, StreamExt};
use pacsys_types::{Backoff, Event, EventQueue, SubscriptionOptions};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::Error;
use crate::channel::Inner;
use crate::convert::{self, GENERIC_ERROR, Sample};
use crate::proto::services::daq::{self as pdaq, reading_reply};

/// The reconnect backoff of subscriptions when
/// [`SubscriptionOptions::backoff`](pacsys_types::SubscriptionOptions::backoff) is not set:
/// 1 s doubling up to 30 s, as pacsys.
pub const DEFAULT_BACKOFF: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30));

#[derive(Debug)]
struct Shared {
    queue: EventQueue,
    received: AtomicU64,
    reconnects: AtomicU64,
    error: Mutex<Option<Error>>,
}

impl Shared {
    fn push_all(&self, events: &mut Vec<Event>) {
        self.queue.push_all(events);
    }

    fn close(&self, discard: bool) {
        self.queue.close(discard);
    }
}

/// A live streaming read: a [`Stream`] of [`Event`]s. Dropping it (or calling
/// [`Subscription::stop`]) cancels the call.
///
/// ```no_run
/// use futures::StreamExt;
/// use pacsys_grpc_core::{DaqClient, Event};
///
/// # async fn demo(client: DaqClient) -> Result<(), pacsys_grpc_core::Error> {
/// let mut sub = client.subscribe(&["M:OUTTMP@p,1000", "G:AMANDA@p,1000"])?;
/// while let Some(event) = sub.next().await {
///     match event {
///         Event::Reading(r) => println!("{} = {:?}", r.drf, r.value),
///         Event::Reconnected { gap } => eprintln!("no data for {gap:?}"),
///         other => eprintln!("{other}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Subscription {
    shared: Arc<Shared>,
    drfs: Vec<Arc<str>>,
    task: Option<JoinHandle<()>>,
}

impl Subscription {
    pub(crate) fn start(
        client: Arc<Inner>,
        drfs: Vec<Arc<str>>,
        opts: SubscriptionOptions,
    ) -> Subscription {
        let shared = Arc::new(Shared {
            queue: EventQueue::new(opts.buffer_len(), opts.policy()),
            received: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            error: Mutex::new(None),
        });
        let task = tokio::spawn(run(client, drfs.clone(), opts, Arc::clone(&shared)));
        Subscription {
            shared,
            drfs,
            task: Some(task),
        }
    }

    /// The subscribed DRFs, as given.
    pub fn drfs(&self) -> &[Arc<str>] {
        &self.drfs
    }

    /// Stops: cancels the call and ends the stream at once (buffered events are
    /// discarded).
    pub async fn stop(&mut self) {
        self.shared.close(true);
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Readings dropped so far because the consumer fell behind.
    pub fn dropped(&self) -> u64 {
        self.shared.queue.dropped()
    }

    /// Readings received from the server so far (delivered or dropped).
    pub fn received(&self) -> u64 {
        self.shared.received.load(Ordering::Relaxed)
    }

    /// Successful reconnects so far.
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// Undelivered readings in the buffer now.
    pub fn buffered(&self) -> usize {
        self.shared.queue.buffered()
    }

    /// The fatal error that ended the stream, if any.
    pub fn error(&self) -> Option<Error> {
        self.shared
            .error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Stream for Subscription {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.shared.queue.poll_next(cx)
    }
}

/// Why one call ended.
enum End {
    /// The server completed the call.
    Completed,
    /// Retryable: reconnect.
    Lost(String),
    /// Not retryable: the subscription ends.
    Fatal(Error),
}

fn retryable(code: tonic::Code) -> bool {
    matches!(code, tonic::Code::Unavailable | tonic::Code::Cancelled)
}

/// Turns one reply into events.
fn events_of(reply: pdaq::ReadingReply, drfs: &[Arc<str>], out: &mut Vec<Event>) -> u64 {
    let Some(drf) = usize::try_from(reply.index).ok().and_then(|i| drfs.get(i)) else {
        debug!(index = reply.index, "reply for an unknown index ignored");
        return 0;
    };
    let mut readings = 0;
    match reply.value {
        Some(reading_reply::Value::Readings(r)) => {
            for sample in r.reading {
                match convert::decode_sample(drf, sample) {
                    Sample::Reading(r) => {
                        readings += 1;
                        out.push(Event::Reading(r));
                    }
                    Sample::Error(status, _) => out.push(Event::Error {
                        drf: Arc::clone(drf),
                        status,
                    }),
                }
            }
        }
        Some(reading_reply::Value::Status(s)) => out.push(Event::Error {
            drf: Arc::clone(drf),
            status: convert::terminal_status(&s),
        }),
        None => out.push(Event::Error {
            drf: Arc::clone(drf),
            status: GENERIC_ERROR,
        }),
    }
    readings
}

/// Why a stream was lost, naming the server (the status alone says "tcp connect error").
fn lost(addr: &str, s: &tonic::Status) -> String {
    format!("{:?} from {addr}: {}", s.code(), s.message())
}

async fn run(
    client: Arc<Inner>,
    drfs: Vec<Arc<str>>,
    opts: SubscriptionOptions,
    shared: Arc<Shared>,
) {
    let (initial, max) = opts.backoff_or(DEFAULT_BACKOFF);
    let mut backoff = Backoff::new(initial, max);
    let mut lost_at: Option<Instant> = None;
    let mut batch = Vec::new();
    loop {
        let end = call(
            &client,
            &drfs,
            &opts,
            &shared,
            &mut backoff,
            &mut lost_at,
            &mut batch,
        )
        .await;
        match end {
            End::Completed => return shared.close(false),
            End::Fatal(e) => {
                warn!(error = %e, "subscription failed; it ends");
                for drf in &drfs {
                    batch.push(Event::Error {
                        drf: Arc::clone(drf),
                        status: e.reported_status(),
                    });
                }
                shared.push_all(&mut batch);
                *shared.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                return shared.close(false);
            }
            End::Lost(reason) => {
                if lost_at.is_none() {
                    warn!(%reason, "subscription stream lost");
                    lost_at = Some(Instant::now());
                    batch.push(Event::Disconnected { reason });
                    shared.push_all(&mut batch);
                } else {
                    debug!(%reason, "reconnect failed");
                }
                if !opts.reconnects() {
                    return shared.close(false);
                }
                let delay = backoff.next_delay();
                debug!(?delay, attempt = backoff.attempts(), "reconnecting after");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// One `Read` call, from the request to its end.
async fn call(
    client: &Inner,
    drfs: &[Arc<str>],
    opts: &SubscriptionOptions,
    shared: &Shared,
    backoff: &mut Backoff,
    lost_at: &mut Option<Instant>,
    batch: &mut Vec<Event>,
) -> End {
    let list = pdaq::ReadingList {
        drf: drfs.iter().map(|d| d.to_string()).collect(),
    };
    let mut raw = client.raw.clone();
    let mut stream = match raw.read(client.request(list, None)).await {
        Ok(response) => response.into_inner(),
        Err(s) if retryable(s.code()) => {
            return End::Lost(lost(&client.addr, &s));
        }
        Err(s) => return End::Fatal(client.call_failed(&s, None)),
    };
    let started = Instant::now();
    if let Some(at) = lost_at.take() {
        let gap = at.elapsed();
        info!(?gap, "subscription reconnected");
        shared.reconnects.fetch_add(1, Ordering::Relaxed);
        batch.push(Event::Reconnected { gap });
        shared.push_all(batch);
    }
    let mut healthy = false;
    loop {
        let first = match stream.next().await {
            Some(Ok(reply)) => reply,
            None => return End::Completed,
            Some(Err(s)) if retryable(s.code()) => {
                return End::Lost(lost(&client.addr, &s));
            }
            Some(Err(s)) => return End::Fatal(client.call_failed(&s, None)),
        };
        let mut readings = events_of(first, drfs, batch);
        // Drain whatever is already decoded without waiting, then push with one lock.
        let mut end = None;
        while batch.len() < 4096 {
            match stream.next().now_or_never() {
                Some(Some(Ok(reply))) => readings += events_of(reply, drfs, batch),
                Some(Some(Err(s))) if retryable(s.code()) => {
                    end = Some(End::Lost(lost(&client.addr, &s)));
                    break;
                }
                Some(Some(Err(s))) => {
                    end = Some(End::Fatal(client.call_failed(&s, None)));
                    break;
                }
                Some(None) => {
                    end = Some(End::Completed);
                    break;
                }
                None => break,
            }
        }
        shared.received.fetch_add(readings, Ordering::Relaxed);
        shared.push_all(batch);
        if let Some(end) = end {
            return end;
        }
        if !healthy && started.elapsed() >= opts.healthy_window() {
            healthy = true;
            backoff.reset();
        }
    }
}
