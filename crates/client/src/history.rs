//! History, then live, as one stream: [`since`] delivers the logged readings of a request
//! from a start time, then its live readings, with nothing twice and nothing missing at the
//! seam.
//!
//! How it works:
//! * The live subscription starts first, so its readings cover everything from the moment
//!   the call was made; they wait in its buffer while the history is fetched.
//! * The history from `start` to that moment is fetched in [`windows`] of at most
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

/// The windows `[a, z]` (milliseconds since the epoch, both inclusive) a logger read of
/// `from..=to` is split into: consecutive, covering every millisecond once, of equal length
/// to the millisecond (no tiny last window), as few as keep each one's span `z - a` within `max` (taken as at
/// least 1 ms). None when `to < from`. Lazy: a long range in short windows costs nothing
/// up front. [`since`] reads its history this way, and so does `pacsys history` (one
/// `<-LOGGER:a:z` read per window).
///
/// ```
/// use std::time::Duration;
/// use pacsys::history::windows;
///
/// let w: Vec<_> = windows(0, 9_999, Duration::from_secs(4)).collect();
/// assert_eq!(w, [(0, 3_333), (3_334, 6_666), (6_667, 9_999)]);
/// // An hour in windows of an hour is one read.
/// assert_eq!(windows(0, 3_600_000, Duration::from_secs(3_600)).len(), 1);
/// assert_eq!(windows(5, 5, Duration::from_secs(1)).collect::<Vec<_>>(), [(5, 5)]);
/// assert_eq!(windows(6, 5, Duration::from_secs(1)).len(), 0);
/// ```
pub fn windows(from: i64, to: i64, max: Duration) -> Windows {
    let max_ms = i128::try_from(max.as_millis()).unwrap_or(i128::MAX).max(1);
    let (from, to) = (i128::from(from), i128::from(to));
    if to < from {
        return Windows {
            next: from,
            base: 1,
            long: 0,
            left: 0,
        };
    }
    // i128, so that no span overflows.
    let span = (to - from).max(1);
    let count = (span + max_ms - 1) / max_ms;
    let covered = to - from + 1;
    // `count` windows: the first `covered % count` one millisecond longer than the rest.
    Windows {
        next: from,
        base: covered / count,
        long: covered % count,
        left: count,
    }
}

/// The windows of [`windows`], in time order.
#[derive(Debug, Clone)]
pub struct Windows {
    next: i128,
    base: i128,
    long: i128,
    left: i128,
}

impl Iterator for Windows {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        if self.left <= 0 {
            return None;
        }
        let len = self.base + i128::from(self.long > 0);
        let a = self.next;
        let z = a + len - 1;
        self.next = z + 1;
        self.long -= i128::from(self.long > 0);
        self.left -= 1;
        // Both lie within the i64 range given.
        Some((i64::try_from(a).ok()?, i64::try_from(z).ok()?))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.left).unwrap_or(usize::MAX);
        (n, usize::try_from(self.left).ok())
    }
}

impl ExactSizeIterator for Windows {}

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
        let mut last: Option<SystemTime> = None;
        for (from, to) in windows(self.from, self.to, self.options.window) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `windows(from, to, max)` against its contract.
    fn check(from: i64, to: i64, max_ms: u64) {
        let w: Vec<(i64, i64)> = windows(from, to, Duration::from_millis(max_ms)).collect();
        assert_eq!(
            w.len(),
            windows(from, to, Duration::from_millis(max_ms)).len()
        );
        if to < from {
            assert!(w.is_empty());
            return;
        }
        assert_eq!(w.first().map(|p| p.0), Some(from));
        assert_eq!(w.last().map(|p| p.1), Some(to));
        for pair in w.windows(2) {
            assert_eq!(pair[0].1 + 1, pair[1].0, "consecutive: {w:?}");
        }
        let lens: Vec<i128> = w
            .iter()
            .map(|&(a, z)| i128::from(z) - i128::from(a))
            .collect();
        let (lo, hi) = (lens.iter().min(), lens.iter().max());
        assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "equal: {w:?}");
        assert!(
            lens.iter().all(|&l| l <= i128::from(max_ms.max(1))),
            "{w:?}"
        );
        // As few as that allows.
        let span = (i128::from(to) - i128::from(from)).max(1);
        let max = i128::from(max_ms.max(1));
        assert_eq!(w.len() as i128, (span + max - 1) / max);
    }

    #[test]
    fn windows_cover_the_range_once_in_equal_pieces() {
        for (from, to, max) in [
            (0, 0, 1),
            (0, 1, 1),
            (0, 9, 4),
            (0, 10, 4),
            (-5, 5, 3),
            (1_700_000_000_000, 1_700_003_600_000, 600_000),
            (1_700_000_000_000, 1_700_003_600_001, 600_000),
            (0, 1_000, 0),
            (10, 9, 5),
        ] {
            check(from, to, max);
        }
    }

    #[test]
    fn windows_of_the_whole_range_do_not_overflow() {
        let all: Vec<_> = windows(i64::MIN, i64::MAX, Duration::MAX).collect();
        assert_eq!(all, [(i64::MIN, i64::MAX)]);
        let mut w = windows(i64::MIN, i64::MAX, Duration::from_millis(1 << 63));
        assert_eq!(w.next(), Some((i64::MIN, -1)));
        assert_eq!(w.next(), Some((0, i64::MAX)));
        assert_eq!(w.next(), None);
        // Billions of windows cost nothing until taken.
        let w = windows(0, i64::MAX, Duration::from_millis(1));
        assert_eq!(w.len(), usize::try_from(i64::MAX).unwrap_or(usize::MAX));
    }
}
