//! [`SubscriptionOptions`]: how a subscription behaves, the same type for every transport.

use std::time::Duration;

use crate::DropPolicy;

/// How a subscription behaves: its buffer, what to drop when the consumer lags, the
/// liveness watchdog and how to reconnect.
///
/// Settings a transport does not use are ignored by it (gRPC has no heartbeat, so no
/// watchdog). Where a setting is left unset, each transport applies its own default, named
/// on the setter.
///
/// ```
/// use std::time::Duration;
/// use pacsys_types::{DropPolicy, SubscriptionOptions};
///
/// let opts = SubscriptionOptions::default()
///     .buffer(1_000)
///     .drop_policy(DropPolicy::DropNewest)
///     .watchdog(Duration::from_secs(5))
///     .backoff(Duration::from_millis(50), Duration::from_secs(10));
/// assert_eq!(opts.buffer_len(), 1_000);
/// assert_eq!(opts.watchdog_window(), Duration::from_secs(5));
/// assert_eq!(
///     opts.backoff_or((Duration::from_secs(1), Duration::from_secs(30))),
///     (Duration::from_millis(50), Duration::from_secs(10))
/// );
/// assert_eq!(
///     SubscriptionOptions::default().backoff_or((Duration::from_secs(1), Duration::from_secs(30))),
///     (Duration::from_secs(1), Duration::from_secs(30))
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionOptions {
    buffer: usize,
    policy: DropPolicy,
    watchdog: Duration,
    backoff: Option<(Duration, Duration)>,
    healthy_after: Duration,
    reconnect: bool,
    stale_after: Option<Duration>,
}

impl Default for SubscriptionOptions {
    fn default() -> Self {
        SubscriptionOptions {
            buffer: 10_000,
            policy: DropPolicy::default(),
            watchdog: Duration::from_secs(10),
            backoff: None,
            healthy_after: Duration::from_secs(30),
            reconnect: true,
            stale_after: None,
        }
    }
}

impl SubscriptionOptions {
    /// Most undelivered readings held (default 10,000; at least 1).
    pub fn buffer(mut self, readings: usize) -> Self {
        self.buffer = readings.max(1);
        self
    }

    /// What to drop on overflow (default [`DropPolicy::DropOldest`]).
    pub fn drop_policy(mut self, policy: DropPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// DPM's liveness window: no frame at all (data or heartbeat) for this long means the
    /// connection is dead (default 10 s; DPM sends a heartbeat every 2 s). gRPC ignores it.
    pub fn watchdog(mut self, window: Duration) -> Self {
        self.watchdog = window;
        self
    }

    /// Reconnect delays: `initial` doubling up to `max`, with jitter (default: DPM 100 ms to
    /// 30 s; gRPC 1 s to 30 s, as pacsys).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = Some((initial, max.max(initial)));
        self
    }

    /// How long a stream must stay up before the backoff starts again from its initial
    /// delay (default 30 s, so a flapping server is not hammered).
    pub fn healthy_after(mut self, window: Duration) -> Self {
        self.healthy_after = window;
        self
    }

    /// Whether to reconnect after losing the connection (default `true`). Without it the
    /// stream ends after the disconnection event.
    pub fn reconnect(mut self, on: bool) -> Self {
        self.reconnect = on;
        self
    }

    /// Report a request that delivered nothing for this long while its list lives with an
    /// [`Event::Stale`](crate::Event::Stale), and its next reading with an
    /// [`Event::Fresh`](crate::Event::Fresh) first (default: off). While the connection is
    /// down nothing is flagged (the disconnection says it all); the clocks restart when it
    /// is back. A request the server rejected is not watched.
    pub fn stale_after(mut self, silence: Duration) -> Self {
        self.stale_after = Some(silence);
        self
    }

    /// The configured staleness window, if any.
    pub fn stale_window(&self) -> Option<Duration> {
        self.stale_after
    }

    /// The configured buffer length.
    pub fn buffer_len(&self) -> usize {
        self.buffer
    }

    /// The configured drop policy.
    pub fn policy(&self) -> DropPolicy {
        self.policy
    }

    /// The configured watchdog window.
    pub fn watchdog_window(&self) -> Duration {
        self.watchdog
    }

    /// The configured backoff `(initial, max)`, or the transport's `default`.
    pub fn backoff_or(&self, default: (Duration, Duration)) -> (Duration, Duration) {
        self.backoff.unwrap_or(default)
    }

    /// The configured healthy-after window.
    pub fn healthy_window(&self) -> Duration {
        self.healthy_after
    }

    /// Whether the subscription reconnects.
    pub fn reconnects(&self) -> bool {
        self.reconnect
    }
}
