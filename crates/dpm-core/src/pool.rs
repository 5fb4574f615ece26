//! Pooled connections for one-shot reads (spec 6.3, client-api 2.4).
//!
//! At most `size` connections exist at once; they are created lazily. A connection goes back
//! to the pool only when its read left it reusable (spec 6.3 step 7: every request was
//! single-reply and answered, nothing failed); otherwise it is closed. Waiting for a free
//! connection is bounded (by the pool wait and by the call's own deadline).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};
use tracing::{Instrument, debug, debug_span};

use crate::connection::{ConnectConfig, ReadConnection, ReadOutcome};
use crate::session::{ReadDone, ReadPlan};
use crate::stats::Tally;
use crate::{Error, ErrorKind, Transport};

/// A pool of read connections.
#[derive(Debug)]
pub(crate) struct Pool {
    cfg: ConnectConfig,
    size: usize,
    wait: Duration,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<ReadConnection>>,
    counters: Tally,
}

impl Pool {
    pub fn new(cfg: ConnectConfig, size: usize, wait: Duration, counters: Tally) -> Pool {
        let size = size.max(1);
        Pool {
            cfg,
            size,
            wait,
            permits: Arc::new(Semaphore::new(size)),
            idle: Mutex::new(Vec::new()),
            counters,
        }
    }

    /// Idle live connections right now (dead ones are pruned).
    pub fn idle(&self) -> usize {
        let mut idle = self.lock();
        idle.retain(|c| !c.is_closed());
        idle.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ReadConnection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take_idle(&self) -> Option<ReadConnection> {
        let mut idle = self.lock();
        while let Some(c) = idle.pop() {
            if !c.is_closed() {
                return Some(c);
            }
        }
        None
    }

    /// Reads `requests` on one pooled connection before `deadline`. Errors that stop the
    /// whole read (pool exhausted, connect failure) are returned as `Err`.
    pub async fn read(
        &self,
        mut requests: Vec<Result<ReadPlan, Error>>,
        deadline: Instant,
    ) -> Result<ReadDone, Error> {
        let span = debug_span!("dpm.read_many", n = requests.len());
        async move {
            let started = Instant::now();
            let wait_until = deadline.min(started + self.wait);
            let permit =
                match timeout_at(wait_until, Arc::clone(&self.permits).acquire_owned()).await {
                    Ok(Ok(p)) => p,
                    Ok(Err(_)) => return Err(Error::closed().with_transport(Transport::Dpm)),
                    Err(_) => {
                        return Err(Error::new(
                            ErrorKind::PoolExhausted,
                            format!("all {} pooled DPM connections", self.size),
                        )
                        .with_elapsed(wait_until.saturating_duration_since(started))
                        .with_transport(Transport::Dpm));
                    }
                };
            // A runtime driven only during calls (a blocking caller's current-thread
            // runtime) has not looked at its sockets since the last call: one turn of its
            // scheduler polls them, so an idle connection's task sees what arrived (a
            // close, heartbeats) before this read is handed to it.
            if tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::CurrentThread
            {
                tokio::task::yield_now().await;
            }
            // One retry on a fresh connection when an idle one turned out dead before the
            // read was sent: nothing was sent, so nothing can be duplicated.
            let mut died: Option<Error> = None;
            for _ in 0..2 {
                let conn = match self.take_idle() {
                    Some(c) => c,
                    None => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        let mut cfg = self.cfg.clone();
                        cfg.connect_timeout = cfg.connect_timeout.min(left);
                        match ReadConnection::open(&cfg, self.counters.clone()).await {
                            Ok(c) => c,
                            // A reconnect after a connection died: its cause is the news.
                            Err(e) => return Err(died.unwrap_or(e)),
                        }
                    }
                };
                match conn.read(requests, deadline).await {
                    ReadOutcome::Done(done) => {
                        if done.reusable {
                            self.lock().push(conn);
                        }
                        drop(permit);
                        return Ok(done);
                    }
                    ReadOutcome::Ended(e) => return Err(e),
                    ReadOutcome::NotSent(back, why) => {
                        debug!(error = ?why, "pooled connection was closed while idle; reconnecting");
                        requests = back;
                        died = why.or(died);
                    }
                }
            }
            // Both connections died before the read could be sent: say why the last did.
            Err(died.unwrap_or_else(|| {
                Error::connection_lost("fresh connections closed before the read could be sent")
                    .with_transport(Transport::Dpm)
            }))
        }
        .instrument(span)
        .await
    }
}
