//! Summaries an assistant can read: statistics of a series, evenly spaced points of a long
//! one, and the running account of a short subscription. Pure and bounded: a watch keeps
//! its statistics and the last few values, never the whole stream.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use crate::times::{rfc3339, rfc3339_micros};

/// A number as JSON (`"NaN"`, `"Infinity"`, `"-Infinity"` for the non-finite ones, as
/// every pacsys-rs tool writes them).
pub fn number(x: f64) -> Json {
    match pacsys_types::json::non_finite_name(x) {
        Some(name) => name.into(),
        None => x.into(),
    }
}

/// Count, minimum, maximum, mean and standard deviation of finite numbers (Welford's
/// running update: constant memory).
///
/// ```
/// let mut s = pacsys_mcp::summary::Stats::default();
/// for x in [1.0, 2.0, 3.0, f64::NAN] { s.push(x); }
/// assert_eq!((s.count(), s.min(), s.max(), s.mean()), (3, Some(1.0), Some(3.0), Some(2.0)));
/// assert_eq!(s.non_finite(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Stats {
    count: u64,
    non_finite: u64,
    min: f64,
    max: f64,
    mean: f64,
    m2: f64,
}

impl Stats {
    /// Adds one value (non-finite values are counted apart).
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            self.non_finite += 1;
            return;
        }
        self.count += 1;
        if self.count == 1 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Finite values seen.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Non-finite values seen.
    pub fn non_finite(&self) -> u64 {
        self.non_finite
    }

    /// The smallest value.
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest value.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// The mean.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean)
    }

    /// The population standard deviation.
    pub fn std(&self) -> Option<f64> {
        (self.count > 0).then(|| (self.m2 / self.count as f64).sqrt())
    }

    /// As JSON: `count`, `min`, `max`, `mean`, `std` (null without values), and
    /// `non_finite` when there were any.
    pub fn to_json(&self) -> Json {
        let opt = |x: Option<f64>| x.map_or(Json::Null, number);
        let mut j = json!({
            "count": self.count,
            "min": opt(self.min()),
            "max": opt(self.max()),
            "mean": opt(self.mean()),
            "std": opt(self.std()),
        });
        if self.non_finite > 0 {
            j["non_finite"] = self.non_finite.into();
        }
        j
    }
}

/// At most `max_points` of `samples`, evenly spaced by index, always with the first and
/// the last (`max_points` at least 2).
///
/// ```
/// use pacsys_mcp::summary::downsample;
///
/// let s: Vec<(i64, f64)> = (0..10).map(|i| (i, i as f64)).collect();
/// let d = downsample(&s, 4);
/// assert_eq!(d.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 3, 6, 9]);
/// assert_eq!(downsample(&s, 100).len(), 10);
/// ```
pub fn downsample(samples: &[(i64, f64)], max_points: usize) -> Vec<(i64, f64)> {
    let n = samples.len();
    let m = max_points.max(2);
    if n <= m {
        return samples.to_vec();
    }
    (0..m)
        .filter_map(|k| {
            // k * (n - 1) / (m - 1), rounded; no overflow for any realistic n.
            let i = (k as u128 * (n as u128 - 1) * 2 + (m as u128 - 1)) / ((m as u128 - 1) * 2);
            samples.get(usize::try_from(i).ok()?).copied()
        })
        .collect()
}

fn point(p: (i64, f64)) -> Json {
    json!({ "t": rfc3339_micros(p.0), "v": number(p.1) })
}

/// The summary of a logged series (samples as microseconds since the epoch and values):
/// statistics, first and last, and at most `max_points` points.
///
/// ```
/// let s: Vec<(i64, f64)> = (0..5).map(|i| (i * 1_000_000, i as f64)).collect();
/// let j = pacsys_mcp::summary::history(&s, 3);
/// assert_eq!(j["count"], 5);
/// assert_eq!(j["mean"], 2.0);
/// assert_eq!(j["points"].as_array().map(Vec::len), Some(3));
/// assert_eq!(j["last"]["v"], 4.0);
/// ```
pub fn history(samples: &[(i64, f64)], max_points: usize) -> Json {
    let mut stats = Stats::default();
    for (_, x) in samples {
        stats.push(*x);
    }
    let mut j = stats.to_json();
    j["count"] = samples.len().into();
    j["first"] = samples.first().copied().map_or(Json::Null, point);
    j["last"] = samples.last().copied().map_or(Json::Null, point);
    let points = downsample(samples, max_points);
    j["downsampled"] = (points.len() < samples.len()).into();
    j["points"] = Json::Array(points.into_iter().map(point).collect());
    j
}

/// The running account of a short subscription: readings and their rate, statistics of
/// the numbers, the last few values, errors, and what the stream could not deliver.
#[derive(Debug)]
pub struct Watch {
    started: Instant,
    readings: u64,
    stats: Stats,
    last: VecDeque<Json>,
    keep: usize,
    last_at: Option<Instant>,
    longest_silence: Duration,
    errors: Vec<Json>,
    gaps: Vec<Json>,
    dropped: u64,
}

impl Watch {
    /// A watch that keeps the last `keep` values.
    pub fn new(keep: usize) -> Watch {
        Watch {
            started: Instant::now(),
            readings: 0,
            stats: Stats::default(),
            last: VecDeque::with_capacity(keep),
            keep,
            last_at: None,
            longest_silence: Duration::ZERO,
            errors: Vec::new(),
            gaps: Vec::new(),
            dropped: 0,
        }
    }

    /// One event of the stream.
    pub fn event(&mut self, event: &pacsys::Event) {
        use pacsys::Event;
        match event {
            Event::Reading(r) if r.ok() => {
                let now = Instant::now();
                let since = self.last_at.unwrap_or(self.started);
                self.longest_silence = self
                    .longest_silence
                    .max(now.saturating_duration_since(since));
                self.last_at = Some(now);
                self.readings += 1;
                let value = r.value.as_ref();
                if let Some(x) = value.and_then(pacsys::Value::as_f64) {
                    self.stats.push(x);
                }
                if self.last.len() == self.keep {
                    self.last.pop_front();
                }
                self.last.push_back(json!({
                    "t": r.timestamp.and_then(rfc3339),
                    "v": value.map_or(Json::Null, crate::render::value_json),
                }));
            }
            Event::Reading(r) => {
                self.error(json!({ "status": crate::render::status_json(r.status) }))
            }
            Event::Error { status, .. } => {
                self.error(json!({ "status": crate::render::status_json(*status) }))
            }
            Event::Disconnected { reason } => {
                self.gap(json!({ "kind": "disconnected", "reason": reason }))
            }
            Event::Reconnected { gap } => {
                self.gap(json!({ "kind": "reconnected", "gap_s": gap.as_secs_f64() }))
            }
            Event::Dropped { count } => self.dropped += count,
            Event::Stale { silent_for, .. } => {
                self.gap(json!({ "kind": "stale", "silent_for_s": silent_for.as_secs_f64() }))
            }
            Event::Gap {
                from, to, reason, ..
            } => self.gap(json!({
                "kind": "gap", "from": rfc3339(*from), "to": rfc3339(*to), "reason": reason,
            })),
            _ => {}
        }
    }

    fn error(&mut self, e: Json) {
        if self.errors.len() < 10 {
            self.errors.push(e);
        }
    }

    fn gap(&mut self, g: Json) {
        if self.gaps.len() < 20 {
            self.gaps.push(g);
        }
    }

    /// The summary after `elapsed`.
    pub fn finish(&self, elapsed: Duration) -> Json {
        let secs = elapsed.as_secs_f64();
        // The silence after the last reading (the whole watch without one) counts too.
        let tail = match self.last_at {
            Some(t) => elapsed.saturating_sub(t.duration_since(self.started)),
            None => elapsed,
        };
        json!({
            "elapsed_s": secs,
            "readings": self.readings,
            "rate_hz": if secs > 0.0 { self.readings as f64 / secs } else { 0.0 },
            "stats": self.stats.to_json(),
            "last_values": self.last.iter().cloned().collect::<Vec<_>>(),
            "longest_silence_s": self.longest_silence.max(tail).as_secs_f64(),
            "errors": self.errors,
            "gaps": self.gaps,
            "dropped": self.dropped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_the_ends_and_the_bound() {
        for n in [0usize, 1, 2, 3, 10, 999, 1000, 1001, 123_457] {
            let s: Vec<(i64, f64)> = (0..n as i64).map(|i| (i, i as f64)).collect();
            for m in [2usize, 3, 7, 1000] {
                let d = downsample(&s, m);
                assert!(d.len() <= m.max(2), "n={n} m={m}");
                assert_eq!(d.len(), n.min(m), "n={n} m={m}");
                if n > 0 {
                    assert_eq!(d.first(), s.first());
                    assert_eq!(d.last(), s.last());
                }
                assert!(d.windows(2).all(|w| w[0].0 < w[1].0), "increasing");
            }
        }
    }

    #[test]
    fn statistics() {
        let mut s = Stats::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            s.push(x);
        }
        assert_eq!(s.mean(), Some(5.0));
        assert_eq!(s.std(), Some(2.0));
        let empty = Stats::default().to_json();
        assert_eq!(empty["count"], 0);
        assert!(empty["mean"].is_null());
    }
}
