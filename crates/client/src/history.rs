//! History, then live, as one stream: [`since`] delivers the logged readings of a request
//! from a start time, then its live readings, with nothing twice and nothing missing at the
//! seam.
//!
//! How it works:
//! * The live subscription starts first, so its readings cover everything from the moment
//!   the call was made; they wait in its buffer while the history is fetched.
//! * The history from `start` to that moment is fetched in windows of
//!   [`SinceOptions::window`] (`<-LOGGER:from:to` reads). A window whose read fails (a
//!   dropped connection, a timeout) is read again, up to [`SinceOptions::retries`] times,
//!   so a cut retrieval resumes where it stopped and loses nothing. A window that still
//!   fails is reported as an [`Event::Gap`] with its bounds, and the stream goes on.
//! * The seam: live readings stamped at or before the last logged reading delivered are
//!   dropped (de-duplicated by timestamp); from the first newer one on, the live stream
//!   passes through unchanged (its disconnections, gaps and drops included).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use futures::StreamExt;
//! use pacsys::{DpmBackend, Event};
//! use pacsys::history::{self, SinceOptions};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = pacsys_sim::FakeDpmServer::start().await?;
//! # let backend = Arc::new(DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
//! let start = SystemTime::now() - Duration::from_secs(10);
//! let mut sub = history::since(backend, "M:OUTTMP@p,200", start, SinceOptions::default()).await?;
//! let mut last = None;
//! for _ in 0..12 {
//!     if let Some(Event::Reading(r)) = sub.next().await {
//!         assert!(r.timestamp > last, "in time order, no duplicates");
//!         last = r.timestamp;
//!     }
//! }
//! # server.shutdown().await;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use tokio::sync::mpsc;

use crate::{Backend, Error, ErrorKind, Event, Reading, Status, Subscription, Value};

/// How [`since`] fetches the history.
#[derive(Debug, Clone)]
pub struct SinceOptions {
    /// The span of logged time one read asks for (default 10 min).
    pub window: Duration,
    /// How many times a failed window is read again before it is reported as a gap
    /// (default 3).
    pub retries: u32,
    /// Each read's timeout (`None`: the backend's).
    pub timeout: Option<Duration>,
}

impl Default for SinceOptions {
    fn default() -> Self {
        SinceOptions {
            window: Duration::from_secs(600),
            retries: 3,
            timeout: None,
        }
    }
}

/// Subscribes to `drf` (with a repeating event, e.g. `M:OUTTMP@p,1000`) after delivering its
/// logged readings since `start`; see the [module docs](self). The readings carry `drf` as
/// written. Fails up front for a DRF that does not parse, one with a data source (`<-...`),
/// a start in the future, or a subscription the backend refuses.
pub async fn since<B>(
    backend: Arc<B>,
    drf: &str,
    start: SystemTime,
    options: SinceOptions,
) -> Result<Subscription, Error>
where
    B: Backend + Send + Sync + 'static,
{
    let request = pacsys_drf::Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))?;
    if request.extra().is_some() {
        return Err(Error::invalid_request(
            drf,
            "history then live needs a request without a data source (`<-...`)",
        ));
    }
    let now = SystemTime::now();
    if start > now {
        return Err(Error::invalid_request(
            drf,
            "the start time is in the future",
        ));
    }
    let base = request.without_event().to_canonical();
    let live = backend.subscribe(&[drf]).await?;
    let (tx, rx) = mpsc::channel(1024);
    let name: Arc<str> = Arc::from(drf);
    let task = Seam {
        backend,
        name: Arc::clone(&name),
        base,
        from: millis(start),
        to: millis(now),
        options,
        tx,
    };
    tokio::spawn(task.run(live));
    let events = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (event, rx))
    });
    Ok(Subscription::from_stream([drf], events, Default::default()))
}

/// Milliseconds since the epoch (negative before it).
fn millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

fn time_of_micros(us: i64) -> Option<SystemTime> {
    let us = u64::try_from(us).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_micros(us))
}

fn time_of_millis(ms: i64) -> SystemTime {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .unwrap_or(UNIX_EPOCH)
}

/// The task behind [`since`].
struct Seam<B> {
    backend: Arc<B>,
    name: Arc<str>,
    base: String,
    from: i64,
    to: i64,
    options: SinceOptions,
    tx: mpsc::Sender<Event>,
}

impl<B: Backend + Send + Sync + 'static> Seam<B> {
    async fn run(self, mut live: Subscription) {
        let last = match self.history().await {
            Some(last) => last,
            // The consumer went away.
            None => return live.stop().await,
        };
        // The seam: live readings not newer than the last logged one are duplicates.
        let mut seam_open = true;
        while let Some(event) = live.next().await {
            if seam_open && let Event::Reading(r) = &event {
                if r.timestamp.is_some_and(|t| Some(t) <= last) {
                    continue;
                }
                seam_open = false;
            }
            if self.tx.send(event).await.is_err() {
                break;
            }
        }
        live.stop().await;
    }

    /// Sends the logged readings window by window; returns the last timestamp sent, or
    /// `None` when the consumer went away.
    async fn history(&self) -> Option<Option<SystemTime>> {
        let window_ms = i64::try_from(self.options.window.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let mut last: Option<SystemTime> = None;
        let mut from = self.from;
        while from <= self.to {
            let to = from.saturating_add(window_ms - 1).min(self.to);
            let drf = format!("{}<-LOGGER:{from}:{to}", self.base);
            let mut attempt = 0;
            let outcome = loop {
                match self.backend.read(&drf, self.options.timeout).await {
                    Ok(v) => break Ok(v),
                    Err(e) if attempt < self.options.retries && retryable(&e) => attempt += 1,
                    Err(e) => break Err(e),
                }
            };
            match outcome {
                Ok(Value::TimedArray(t)) => {
                    for (value, us) in t.data.iter().zip(&t.micros) {
                        let at = time_of_micros(*us);
                        if at.is_some() && at <= last {
                            continue;
                        }
                        let r = Reading::new(Arc::clone(&self.name), Status::OK)
                            .with_value(Value::Scalar(*value))
                            .with_timestamp(at);
                        last = at.or(last);
                        self.tx.send(Event::Reading(r)).await.ok()?;
                    }
                }
                Ok(_) => {}
                // No logged data in this window is not a loss.
                Err(e) if e.status() == Some(Status::DAE_LJ_NO_DATA) => {}
                Err(e) => {
                    let gap = Event::Gap {
                        drf: Arc::clone(&self.name),
                        from: time_of_millis(from),
                        to: time_of_millis(to),
                        reason: e.to_string(),
                    };
                    self.tx.send(gap).await.ok()?;
                }
            }
            from = to.saturating_add(1);
        }
        Some(last)
    }
}

/// Failures a second read may not have: the connection, a timeout, a garbled frame.
fn retryable(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionLost
            | ErrorKind::Timeout
            | ErrorKind::Protocol
            | ErrorKind::Refused
            | ErrorKind::PoolExhausted
    )
}
