//! Exponential backoff with jitter for reconnects (pure logic, no clock), shared by both
//! connection cores.

use std::time::Duration;

/// Reconnect delays: `initial`, doubling per failed attempt up to `max`, each multiplied by a
/// random factor in `[0.5, 1.0]` so that many clients do not reconnect in lockstep.
///
/// ```
/// use std::time::Duration;
/// use pacsys_types::Backoff;
///
/// let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));
/// let first = b.next_delay();
/// assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
/// for _ in 0..20 { b.next_delay(); }
/// assert!(b.next_delay() <= Duration::from_secs(30));
/// b.reset();
/// assert!(b.next_delay() <= Duration::from_millis(100));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// A backoff starting at `initial` and capped at `max`.
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max: max.max(initial),
            attempt: 0,
            rng: fastrand::Rng::new(),
        }
    }

    /// The same backoff with a fixed random seed (deterministic tests).
    pub fn with_seed(mut self, seed: u64) -> Backoff {
        self.rng = fastrand::Rng::with_seed(seed);
        self
    }

    /// The un-jittered delay of the next attempt.
    pub fn base_delay(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The delay before the next attempt; counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.base_delay();
        self.attempt = self.attempt.saturating_add(1);
        base.mul_f64(0.5 + 0.5 * self.rng.f64())
    }

    /// Attempts made since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the initial delay (after a connection proved healthy).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_with_bounded_jitter() {
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(100), ms(30_000)).with_seed(7);
        let bases: Vec<Duration> = (0..12)
            .map(|_| {
                let base = b.base_delay();
                let d = b.next_delay();
                assert!(d >= base / 2 && d <= base, "{d:?} vs {base:?}");
                base
            })
            .collect();
        assert_eq!(
            bases,
            [
                100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000
            ]
            .map(ms)
        );
        for _ in 0..100 {
            assert!(b.next_delay() <= ms(30_000));
        }
        assert_eq!(b.attempts(), 112);
        b.reset();
        assert_eq!(b.base_delay(), ms(100));
    }
}
