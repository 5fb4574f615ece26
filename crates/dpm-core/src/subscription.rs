//! Streaming subscriptions (spec 6.4): any number of DRFs on one dedicated connection,
//! delivered as a [`futures::Stream`] of [`Event`]s.
//!
//! A task owns the connection. It feeds replies to a [`Session`], turns samples into
//! [`Event::Reading`]s and pushes them into the subscription's bounded buffer. When the
//! connection dies (EOF, reset, decode error, or the watchdog: no frame at all for the
//! liveness window) it emits [`Event::Disconnected`], reconnects with exponential backoff and
//! jitter, re-adds every DRF and emits [`Event::Reconnected`] with the gap.
//!
//! The buffer holds at most `buffer` undelivered readings. On overflow the [`DropPolicy`]
//! decides which reading goes; every dropped reading is counted ([`Subscription::dropped`])
//! and reported in the stream as [`Event::Dropped`] at the place of the loss. Events other
//! than readings (errors, disconnects, reconnects) are never dropped.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use pacsys_dpm_proto::Status;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};
use tracing::{Instrument, debug, info, info_span, warn};

use crate::connection::{ConnectConfig, Input, Socket, connect, feed_burst, flush_session};
use crate::session::{Session, SessionEvent};
use crate::stats::{Stats, Tally};
use crate::{Error, Event, SubscriptionOptions, Transport};
use pacsys_types::{Backoff, EventQueue};

/// DPM's default reconnect backoff: 100 ms doubling up to 30 s.
pub const DEFAULT_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(30));

/// State shared by a subscription's task and its handle.
#[derive(Debug)]
struct Shared {
    queue: EventQueue,
    tally: Tally,
}

impl Shared {
    /// Pushes a batch (one lock), counting what the consumer's lag dropped.
    fn push_all(&self, events: &mut Vec<Event>) {
        let dropped = self.queue.push_all(events);
        if dropped > 0 {
            self.tally.add(|c| &c.dropped, dropped);
        }
    }

    /// Ends the stream (after the buffered events, unless `discard`).
    fn close(&self, discard: bool) {
        self.queue.close(discard);
    }
}

/// A change to a live subscription.
#[derive(Debug)]
enum Command {
    Edit {
        add: Vec<Arc<str>>,
        remove: Vec<String>,
    },
}

/// A live subscription: a [`Stream`] of [`Event`]s.
///
/// Created by [`DpmClient::subscribe`](crate::DpmClient::subscribe). Dropping it (or calling
/// [`Subscription::stop`]) closes its connection.
///
/// ```no_run
/// use futures::StreamExt;
/// use pacsys_dpm_core::{DpmClient, Event};
///
/// # async fn demo(client: DpmClient) -> Result<(), pacsys_dpm_core::Error> {
/// let mut sub = client.subscribe(&["M:OUTTMP@p,1000"]).await?;
/// sub.add(&["G:AMANDA@p,1000"]).await?;
/// while let Some(event) = sub.next().await {
///     match event {
///         Event::Reading(r) => println!("{} = {:?}", r.drf, r.value),
///         Event::Dropped { count } => eprintln!("fell behind: {count} readings lost"),
///         other => eprintln!("{other}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Subscription {
    shared: Arc<Shared>,
    drfs: Mutex<Vec<Arc<str>>>,
    commands: mpsc::Sender<Command>,
    task: Option<JoinHandle<()>>,
}

impl Subscription {
    /// Connects and starts a subscription to `drfs`, sent exactly as given (no event is
    /// injected: streaming DRFs normally carry a repeating event such as `@p,1000`).
    pub(crate) async fn start(
        cfg: ConnectConfig,
        drfs: Vec<Arc<str>>,
        opts: SubscriptionOptions,
        tally: Tally,
    ) -> Result<Subscription, Error> {
        let conn = connect(&cfg, &tally).await?;
        let shared = Arc::new(Shared {
            queue: EventQueue::new(opts.buffer_len(), opts.policy()),
            tally,
        });
        let mirror = Mutex::new(drfs.clone());
        let (tx, rx) = mpsc::channel(16);
        let span = info_span!("dpm.subscription", n = drfs.len(), addr = %cfg.addr());
        let task =
            tokio::spawn(run(conn, drfs, cfg, opts, Arc::clone(&shared), rx).instrument(span));
        Ok(Subscription {
            shared,
            drfs: mirror,
            commands: tx,
            task: Some(task),
        })
    }

    /// Adds DRFs to the live subscription (StopList, AddToList, StartList: spec 6.4 step 6).
    /// Every DRF is checked first; an invalid one fails the call and changes nothing.
    pub async fn add<S: AsRef<str>>(&self, drfs: &[S]) -> Result<(), Error> {
        let add = parse_all(drfs)?;
        self.send(Command::Edit {
            add: add.clone(),
            remove: Vec::new(),
        })
        .await?;
        apply_edit(&mut self.lock_drfs(), &add, &[]);
        Ok(())
    }

    /// Removes DRFs (matched by their exact text) from the live subscription.
    pub async fn remove<S: AsRef<str>>(&self, drfs: &[S]) -> Result<(), Error> {
        let remove: Vec<String> = drfs.iter().map(|d| d.as_ref().to_owned()).collect();
        self.send(Command::Edit {
            add: Vec::new(),
            remove: remove.clone(),
        })
        .await?;
        apply_edit(&mut self.lock_drfs(), &[], &remove);
        Ok(())
    }

    fn lock_drfs(&self) -> MutexGuard<'_, Vec<Arc<str>>> {
        self.drfs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The DRFs subscribed now (after the edits made through this handle), in the order they
    /// were added.
    pub fn drfs(&self) -> Vec<Arc<str>> {
        self.lock_drfs().clone()
    }

    async fn send(&self, cmd: Command) -> Result<(), Error> {
        self.commands
            .send(cmd)
            .await
            .map_err(|_| Error::closed().with_transport(Transport::Dpm))
    }

    /// Stops: closes the connection and ends the stream at once (buffered events are
    /// discarded, unlike the reference client which kept yielding them).
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

    /// Undelivered readings in the buffer now.
    pub fn buffered(&self) -> usize {
        self.shared.queue.buffered()
    }

    /// This subscription's counters (frames, readings received, drops, reconnects).
    pub fn stats(&self) -> Stats {
        self.shared.tally.own.snapshot()
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

pub(crate) fn parse_all<S: AsRef<str>>(drfs: &[S]) -> Result<Vec<Arc<str>>, Error> {
    drfs.iter()
        .map(|d| {
            let d = d.as_ref();
            pacsys_drf::Request::parse(d)
                .map(|_| Arc::from(d))
                .map_err(|source| Error::invalid_drf(d, source).with_transport(Transport::Dpm))
        })
        .collect()
}

/// Why one connection's life ended.
enum End {
    /// The handle is gone.
    Stop,
    /// The list failed to start: the subscription ends.
    ListFailed(Status),
    /// The connection died: reconnect.
    Lost(String),
}

fn apply_edit(drfs: &mut Vec<Arc<str>>, add: &[Arc<str>], remove: &[String]) {
    drfs.retain(|d| !remove.iter().any(|r| **r == **d));
    drfs.extend(add.iter().cloned());
}

/// The subscription task: one connection at a time, reconnecting until stopped.
async fn run(
    first: (Socket, i32),
    mut drfs: Vec<Arc<str>>,
    cfg: ConnectConfig,
    opts: SubscriptionOptions,
    shared: Arc<Shared>,
    mut commands: mpsc::Receiver<Command>,
) {
    let (initial, max) = opts.backoff_or(DEFAULT_BACKOFF);
    let mut backoff = Backoff::new(initial, max);
    let mut conn = Some(first);
    let mut lost_at: Option<Instant> = None;
    let mut batch = Vec::new();
    loop {
        let (mut framed, list_id) = match conn.take() {
            Some(c) => c,
            None => loop {
                let delay = backoff.next_delay();
                debug!(?delay, attempt = backoff.attempts(), "reconnecting after");
                let until = Instant::now() + delay;
                loop {
                    tokio::select! {
                        _ = sleep_until(until) => break,
                        cmd = commands.recv() => match cmd {
                            Some(Command::Edit { add, remove }) => apply_edit(&mut drfs, &add, &remove),
                            None => return shared.close(false),
                        },
                    }
                }
                let span = info_span!("dpm.reconnect", attempt = backoff.attempts());
                match connect(&cfg, &shared.tally).instrument(span).await {
                    Ok(c) => break c,
                    Err(e) => debug!(error = %e, "reconnect failed"),
                }
            },
        };
        let mut session = Session::new(list_id, Instant::now().into_std());
        session.set_liveness(Some(opts.watchdog_window()));
        session.subscribe(drfs.iter().cloned());
        session.start();
        if let Some(at) = lost_at.take() {
            let gap = at.elapsed();
            info!(?gap, list = list_id, "reconnected");
            shared.tally.add(|c| &c.reconnects, 1);
            batch.push(Event::Reconnected { gap });
            shared.push_all(&mut batch);
        }
        let end = drive(
            &mut framed,
            &mut session,
            &mut commands,
            &shared,
            &mut drfs,
            &mut backoff,
            &mut batch,
        )
        .await;
        drop(framed);
        match end {
            End::Stop => return shared.close(false),
            End::ListFailed(status) => {
                warn!(%status, "list failed; subscription ends");
                for drf in &drfs {
                    batch.push(Event::Error {
                        drf: Arc::clone(drf),
                        status,
                    });
                }
                shared.push_all(&mut batch);
                return shared.close(false);
            }
            End::Lost(reason) => {
                warn!(%reason, "subscription connection lost");
                lost_at = Some(Instant::now());
                batch.push(Event::Disconnected { reason });
                shared.push_all(&mut batch);
                if !opts.reconnects() {
                    return shared.close(false);
                }
            }
        }
    }
}

/// Runs one connection until it ends.
async fn drive(
    framed: &mut Socket,
    session: &mut Session,
    commands: &mut mpsc::Receiver<Command>,
    shared: &Shared,
    drfs: &mut Vec<Arc<str>>,
    backoff: &mut Backoff,
    batch: &mut Vec<Event>,
) -> End {
    // One timer for the connection's life, moved to each new deadline (never one per frame).
    let timer = sleep_until(Instant::now());
    tokio::pin!(timer);
    loop {
        if let Err(e) = flush_session(framed, session, &shared.tally).await {
            return End::Lost(e.to_string());
        }
        let wake = session.poll_timeout().map(Instant::from_std);
        if let Some(at) = wake
            && timer.deadline() != at
        {
            timer.as_mut().reset(at);
        }
        let mut failed = None;
        tokio::select! {
            item = framed.next() => {
                if let Input::Failed(e) = feed_burst(framed, session, item, &shared.tally) {
                    failed = Some(e);
                }
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Edit { add, remove }) => {
                    apply_edit(drfs, &add, &remove);
                    let remove: Vec<&str> = remove.iter().map(String::as_str).collect();
                    session.edit(add, &remove);
                }
                None => return End::Stop,
            },
            _ = timer.as_mut(), if wake.is_some() => {
                session.handle_timeout(Instant::now().into_std());
            }
        }
        let mut end = None;
        while let Some(event) = session.poll_event() {
            match event {
                SessionEvent::Sample(r) => batch.push(Event::Reading(r)),
                SessionEvent::EntryError { drf, status } => {
                    batch.push(Event::Error { drf, status });
                }
                SessionEvent::ListFailed(status) => end = Some(End::ListFailed(status)),
                SessionEvent::Dead { silent_for } => {
                    end = end.or(Some(End::Lost(format!(
                        "no frame for {silent_for:?} (watchdog)"
                    ))));
                }
                _ => {}
            }
        }
        if !batch.is_empty() {
            // The list delivers data: the connection is healthy, so the next outage starts
            // the backoff from the beginning.
            if batch.iter().any(Event::is_reading) {
                backoff.reset();
            }
            shared.push_all(batch);
        }
        if let Some(end) = end {
            return end;
        }
        if let Some(e) = failed {
            return End::Lost(e.to_string());
        }
        // Let the consumer run between bursts on a busy runtime.
        tokio::task::yield_now().await;
    }
}
