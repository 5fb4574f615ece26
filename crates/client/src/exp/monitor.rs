//! [`Monitor`]: a subscription collected into per-request ring buffers in the background,
//! with snapshots, statistics, time slices and per-request health (after pacsys 0.3.0's
//! `pacsys.exp.Monitor`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::stats;
use crate::{Backend, Error, Event, Reading, Subscription};

/// How a [`Monitor`] keeps its readings.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// Readings kept per request; older ones are dropped first (default 10,000).
    pub buffer_size: usize,
    /// Flag a request silent this long (see [`Subscription::stale_after`]); `None`: off.
    pub stale_after: Option<Duration>,
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            buffer_size: 10_000,
            stale_after: None,
        }
    }
}

/// The readings of one request.
#[derive(Debug, Clone)]
pub struct ChannelData {
    /// The request as given.
    pub drf: String,
    /// Its readings, oldest first.
    pub readings: Vec<Reading>,
}

impl ChannelData {
    /// The numbers of the usable scalar readings, oldest first.
    pub fn values(&self) -> Vec<f64> {
        stats::numbers(&self.readings)
    }

    fn numbers(&self) -> Result<Vec<f64>, Error> {
        let v = self.values();
        if v.is_empty() {
            return Err(Error::invalid_request(&self.drf, "no numeric readings"));
        }
        Ok(v)
    }

    /// The mean of [`ChannelData::values`].
    pub fn mean(&self) -> Result<f64, Error> {
        Ok(stats::mean(&self.numbers()?))
    }

    /// The median.
    pub fn median(&self) -> Result<f64, Error> {
        Ok(stats::median(self.numbers()?))
    }

    /// The population standard deviation.
    pub fn std(&self) -> Result<f64, Error> {
        Ok(stats::std(&self.numbers()?))
    }

    /// The smallest value.
    pub fn min(&self) -> Result<f64, Error> {
        Ok(stats::min(&self.numbers()?))
    }

    /// The largest value.
    pub fn max(&self) -> Result<f64, Error> {
        Ok(stats::max(&self.numbers()?))
    }

    /// The readings stamped in `[start, end]` (either bound open when `None`).
    pub fn slice(&self, start: Option<SystemTime>, end: Option<SystemTime>) -> ChannelData {
        ChannelData {
            drf: self.drf.clone(),
            readings: self
                .readings
                .iter()
                .filter(|r| match r.timestamp {
                    Some(t) => start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e),
                    None => false,
                })
                .cloned()
                .collect(),
        }
    }

    /// The last `n` readings.
    pub fn last(&self, n: usize) -> &[Reading] {
        &self.readings[self.readings.len().saturating_sub(n)..]
    }
}

/// What a [`Monitor`] collected, per request in the order given.
#[derive(Debug, Clone)]
pub struct MonitorResult {
    /// Each request's readings.
    pub channels: Vec<ChannelData>,
    /// When collection (or the last flush) began.
    pub started: SystemTime,
    /// How long it covers.
    pub elapsed: Duration,
}

impl MonitorResult {
    /// The readings of `drf`.
    pub fn channel(&self, drf: &str) -> Option<&ChannelData> {
        self.channels.iter().find(|c| c.drf == drf)
    }

    /// Readings per second of `drf` over the whole span.
    pub fn rate(&self, drf: &str) -> Option<f64> {
        let c = self.channel(drf)?;
        Some(c.readings.len() as f64 / self.elapsed.as_secs_f64().max(1e-9))
    }
}

/// One request's health ([`Monitor::health`]).
#[derive(Debug, Clone)]
pub struct ChannelHealth {
    /// Its last reading.
    pub last_reading: Option<Reading>,
    /// How long ago that reading arrived (`None`: never).
    pub since_last: Option<Duration>,
    /// Readings received in all.
    pub received: u64,
    /// Reported stale and not fresh since ([`MonitorOptions::stale_after`]).
    pub stale: bool,
}

#[derive(Debug)]
struct Channel {
    buffer: VecDeque<Reading>,
    received: u64,
    last_at: Option<Instant>,
    stale: bool,
}

#[derive(Debug)]
struct State {
    order: Vec<String>,
    channels: HashMap<String, Channel>,
    started: SystemTime,
    started_at: Instant,
    capacity: usize,
    /// Why the stream ended, if it did.
    ended: Option<String>,
}

impl State {
    fn result(&mut self, take: bool) -> MonitorResult {
        let channels = self
            .order
            .iter()
            .map(|drf| {
                let readings = match self.channels.get_mut(drf) {
                    Some(c) if take => c.buffer.drain(..).collect(),
                    Some(c) => c.buffer.iter().cloned().collect(),
                    None => Vec::new(),
                };
                ChannelData {
                    drf: drf.clone(),
                    readings,
                }
            })
            .collect();
        let result = MonitorResult {
            channels,
            started: self.started,
            elapsed: self.started_at.elapsed(),
        };
        if take {
            self.started = SystemTime::now();
            self.started_at = Instant::now();
        }
        result
    }
}

/// A subscription collected in the background into per-request ring buffers.
///
/// ```
/// use std::time::Duration;
/// use pacsys::exp::{Monitor, MonitorOptions};
/// use pacsys::DpmBackend;
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::start().await?;
/// # let backend = DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
/// let monitor = Monitor::start(&backend, &["M:OUTTMP@p,20"], MonitorOptions::default()).await?;
/// monitor.wait_for(5, Duration::from_secs(5)).await?;
/// let result = monitor.stop().await;
/// let outtmp = result.channel("M:OUTTMP@p,20").expect("collected");
/// assert!(outtmp.readings.len() >= 5);
/// assert_eq!(outtmp.mean()?, 72.5);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Monitor {
    state: Arc<Mutex<State>>,
    task: Option<JoinHandle<Subscription>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Monitor {
    /// Subscribes to `drfs` (duplicates removed) and collects in the background.
    pub async fn start<B: Backend, S: AsRef<str>>(
        backend: &B,
        drfs: &[S],
        options: MonitorOptions,
    ) -> Result<Monitor, Error> {
        if drfs.is_empty() || options.buffer_size == 0 {
            return Err(Error::invalid_request(
                "",
                "a monitor needs at least one request and a buffer of at least 1",
            ));
        }
        let mut order: Vec<String> = Vec::new();
        for d in drfs {
            let d = d.as_ref().to_owned();
            if !order.contains(&d) {
                order.push(d);
            }
        }
        let mut sub = backend.subscribe(&order).await?;
        if let Some(window) = options.stale_after {
            sub = sub.stale_after(window);
        }
        let channels = order
            .iter()
            .map(|d| {
                let c = Channel {
                    buffer: VecDeque::new(),
                    received: 0,
                    last_at: None,
                    stale: false,
                };
                (d.clone(), c)
            })
            .collect();
        let state = Arc::new(Mutex::new(State {
            order,
            channels,
            started: SystemTime::now(),
            started_at: Instant::now(),
            capacity: options.buffer_size,
            ended: None,
        }));
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel();
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    biased;
                    _ = &mut stop_rx => break,
                    event = sub.next() => event,
                };
                let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
                let capacity = s.capacity;
                match event {
                    Some(Event::Reading(r)) => {
                        if let Some(c) = s.channels.get_mut(&*r.drf) {
                            if c.buffer.len() == capacity {
                                c.buffer.pop_front();
                            }
                            c.received += 1;
                            c.last_at = Some(Instant::now());
                            c.buffer.push_back(r);
                        }
                    }
                    Some(Event::Stale { drf, .. }) => {
                        if let Some(c) = s.channels.get_mut(&*drf) {
                            c.stale = true;
                        }
                    }
                    Some(Event::Fresh { drf, .. }) => {
                        if let Some(c) = s.channels.get_mut(&*drf) {
                            c.stale = false;
                        }
                    }
                    Some(_) => {}
                    None => {
                        s.ended = Some("the subscription ended".to_owned());
                        break;
                    }
                }
            }
            sub
        });
        Ok(Monitor {
            state,
            task: Some(task),
            stop: Some(stop_tx),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What was collected so far (the buffers keep it).
    pub fn snapshot(&self) -> MonitorResult {
        self.lock().result(false)
    }

    /// What was collected so far, emptying the buffers (the next result starts now).
    pub fn flush(&self) -> MonitorResult {
        self.lock().result(true)
    }

    /// The health of `drf` (`None` for a request not monitored).
    pub fn health(&self, drf: &str) -> Option<ChannelHealth> {
        let s = self.lock();
        let c = s.channels.get(drf)?;
        Some(ChannelHealth {
            last_reading: c.buffer.back().cloned(),
            since_last: c.last_at.map(|t| t.elapsed()),
            received: c.received,
            stale: c.stale,
        })
    }

    /// Waits until every request has at least `count` readings in its buffer; fails with
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) after `timeout`, at once for a
    /// count above the buffer size, and when the subscription ends.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Result<(), Error> {
        if count > self.lock().capacity {
            return Err(Error::invalid_request(
                "",
                "the count exceeds the buffer size",
            ));
        }
        let deadline = Instant::now() + timeout;
        loop {
            {
                let s = self.lock();
                if s.channels.values().all(|c| c.buffer.len() >= count) {
                    return Ok(());
                }
                if let Some(why) = &s.ended {
                    return Err(Error::closed().with_note(why));
                }
            }
            if Instant::now() >= deadline {
                return Err(Error::timeout(format!(
                    "waiting for {count} readings of each request"
                ))
                .with_elapsed(timeout));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops the subscription and returns everything collected.
    pub async fn stop(mut self) -> MonitorResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take()
            && let Ok(mut sub) = task.await
        {
            sub.stop().await;
        }
        self.lock().result(true)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
