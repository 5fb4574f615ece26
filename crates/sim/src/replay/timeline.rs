//! One replayed device property's samples ([`Timeline`]) and a stream's place in them
//! ([`ReplayCursor`]): plain state, told the time, shared by the DPM list and the DAQ read
//! stream. The simulated world holds timelines ([`crate::world::Signal::Replay`]) without
//! knowing how a replay is built.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use pacsys_types::{Status, Value};

use super::options::ReplayOptions;

/// How far behind a replay stream may fall before it skips the missed samples (as periodic
/// requests skip missed slots).
pub const MAX_LAG: Duration = Duration::from_secs(1);

/// The most samples one replay stream sends in one turn (a guard against a loop whose
/// played length is next to nothing at a very high speed).
pub const MAX_PER_TURN: usize = 4096;

/// One recorded sample of a [`Timeline`].
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineSample {
    /// Recorded time since the recording's first event (not scaled by the speed).
    pub offset: Duration,
    /// The value, or the status of a failed request.
    pub value: Result<Value, Status>,
}

/// The recorded samples of one device property, in order, with the playback options.
///
/// Times: a sample plays `offset / speed` after its stream started; round `k` of a looped
/// timeline plays `(k * loop_length + offset) / speed` after it.
#[derive(Clone, PartialEq)]
pub struct Timeline {
    samples: Vec<TimelineSample>,
    loop_ns: u128,
    speed: f64,
    looped: bool,
    /// Wall time (ms since the epoch) one-shot reads count from: set by [`Replay::install`].
    origin_ms: i64,
}

impl std::fmt::Debug for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timeline")
            .field("samples", &self.samples.len())
            .field("loop_length", &self.loop_length())
            .field("speed", &self.speed)
            .field("looped", &self.looped)
            .field("origin_ms", &self.origin_ms)
            .finish()
    }
}

fn nanos(d: Duration) -> u128 {
    d.as_nanos()
}

/// The mean gap between consecutive samples, `None` with fewer than two or no spread.
pub(crate) fn mean_interval(first: Duration, last: Duration, count: usize) -> Option<Duration> {
    let gaps = u32::try_from(count.checked_sub(1)?).ok()?;
    let span = last.checked_sub(first)?;
    (gaps > 0 && !span.is_zero()).then(|| span / gaps)
}

impl Timeline {
    /// A timeline of `(offset, value)` samples (sorted by offset, stably: equal offsets keep
    /// their order), looping after its last offset plus its mean sample interval (1 s with
    /// one sample). `None` when there is no sample or the speed is invalid.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys_sim::replay::{ReplayOptions, Timeline};
    /// use pacsys_types::Value;
    ///
    /// let ms = Duration::from_millis;
    /// let t = Timeline::new(
    ///     vec![(ms(0), Ok(Value::Scalar(1.0))), (ms(100), Ok(Value::Scalar(2.0)))],
    ///     ReplayOptions::default().speed(2.0),
    /// ).unwrap();
    /// assert_eq!(t.play_offset(0, 1), ms(50));
    /// assert_eq!(t.loop_length(), ms(200));
    /// ```
    pub fn new(
        samples: Vec<(Duration, Result<Value, Status>)>,
        options: ReplayOptions,
    ) -> Option<Timeline> {
        options.validate().ok()?;
        let mut samples: Vec<TimelineSample> = samples
            .into_iter()
            .map(|(offset, value)| TimelineSample { offset, value })
            .collect();
        samples.sort_by_key(|s| s.offset);
        let first = samples.first()?.offset;
        let last = samples.last()?.offset;
        let mean = mean_interval(first, last, samples.len()).unwrap_or(Duration::from_secs(1));
        let mut timeline = Timeline {
            samples,
            loop_ns: 0,
            speed: options.speed,
            looped: options.looped,
            origin_ms: 0,
        };
        timeline.set_loop_length(last + mean);
        Some(timeline)
    }

    /// Sets the loop length (recorded time), at least the last offset plus 1 ms.
    pub(crate) fn set_loop_length(&mut self, length: Duration) {
        let last = self.samples.last().map_or(0, |s| nanos(s.offset));
        self.loop_ns = nanos(length).max(last + 1_000_000);
    }

    /// The samples, in play order.
    pub fn samples(&self) -> &[TimelineSample] {
        &self.samples
    }

    /// How many samples one round has.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether the timeline has no sample (never true for a built timeline).
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Whether it starts over after the last sample.
    pub fn looped(&self) -> bool {
        self.looped
    }

    /// The recorded length of one round (a round starts this long after the previous one,
    /// divided by the speed).
    pub fn loop_length(&self) -> Duration {
        duration_from_nanos(self.loop_ns)
    }

    /// The wall time (ms since the epoch) from which one-shot reads count.
    pub fn origin_ms(&self) -> i64 {
        self.origin_ms
    }

    /// The same timeline with one-shot reads counting from `origin_ms`.
    pub fn with_origin(&self, origin_ms: i64) -> Timeline {
        Timeline {
            origin_ms,
            ..self.clone()
        }
    }

    /// When sample `index` of round `round` plays, after its stream started (scaled).
    pub fn play_offset(&self, round: u64, index: usize) -> Duration {
        let offset = self.samples.get(index).map_or(0, |s| nanos(s.offset));
        let recorded = u128::from(round)
            .saturating_mul(self.loop_ns)
            .saturating_add(offset);
        self.scaled(recorded)
    }

    /// Recorded nanoseconds as played time.
    fn scaled(&self, recorded_ns: u128) -> Duration {
        if self.speed == 1.0 {
            return duration_from_nanos(recorded_ns);
        }
        let ns = (recorded_ns as f64 / self.speed).round();
        if ns >= u128::MAX as f64 {
            Duration::MAX
        } else {
            duration_from_nanos(ns as u128)
        }
    }

    /// Played time as recorded nanoseconds.
    fn recorded(&self, played: Duration) -> u128 {
        if self.speed == 1.0 {
            return nanos(played);
        }
        let ns = played.as_nanos() as f64 * self.speed;
        if ns >= u128::MAX as f64 {
            u128::MAX
        } else {
            ns as u128
        }
    }

    /// The first sample that plays at or after `played` since the stream started, as
    /// (round, index); `index == len()` when a timeline that does not loop is over.
    pub fn position(&self, played: Duration) -> (u64, usize) {
        let recorded = self.recorded(played);
        if !self.looped {
            let index = self.samples.partition_point(|s| nanos(s.offset) < recorded);
            return (0, index);
        }
        let round = recorded / self.loop_ns;
        let within = recorded % self.loop_ns;
        let index = self.samples.partition_point(|s| nanos(s.offset) < within);
        let round = u64::try_from(round).unwrap_or(u64::MAX);
        if index == self.samples.len() {
            (round.saturating_add(1), 0)
        } else {
            (round, index)
        }
    }

    /// The index of the sample current `played` after the start: the last one played at or
    /// before it; before the first sample of the first round, the first one; between rounds,
    /// the previous round's last one; after the end of a timeline that does not loop, the
    /// last one.
    pub fn current_index(&self, played: Duration) -> usize {
        let recorded = self.recorded(played);
        let (round, within) = if self.looped {
            (recorded / self.loop_ns, recorded % self.loop_ns)
        } else {
            (0, recorded)
        };
        match self.samples.partition_point(|s| nanos(s.offset) <= within) {
            0 if round > 0 => self.samples.len().saturating_sub(1),
            0 => 0,
            n => n - 1,
        }
    }

    /// The sample current `played` after the start (see [`Timeline::current_index`]).
    pub fn current(&self, played: Duration) -> &Result<Value, Status> {
        &self.samples[self.current_index(played).min(self.samples.len() - 1)].value
    }

    /// The sample current at wall time `now_ms` (ms since the epoch), counting from
    /// [`Timeline::origin_ms`]; before the origin, the first sample.
    pub fn at_wall_ms(&self, now_ms: i64) -> &Result<Value, Status> {
        let elapsed = u64::try_from(now_ms.saturating_sub(self.origin_ms)).unwrap_or(0);
        self.current(Duration::from_millis(elapsed))
    }

    /// The value current at wall time `now_ms`, as [`Signal::at`](crate::world::Signal::at) gives it: when the current
    /// sample is an error, the latest value before it, else the first value of the timeline,
    /// else NaN (a timeline of errors only).
    pub fn value_at_wall_ms(&self, now_ms: i64) -> Value {
        let elapsed = u64::try_from(now_ms.saturating_sub(self.origin_ms)).unwrap_or(0);
        let index = self.current_index(Duration::from_millis(elapsed));
        self.samples[..=index.min(self.samples.len() - 1)]
            .iter()
            .rev()
            .chain(self.samples.iter())
            .find_map(|s| s.value.as_ref().ok())
            .cloned()
            .unwrap_or(Value::Scalar(f64::NAN))
    }
}

fn duration_from_nanos(ns: u128) -> Duration {
    let secs = u64::try_from(ns / 1_000_000_000).unwrap_or(u64::MAX);
    Duration::new(secs, (ns % 1_000_000_000) as u32)
}

/// Where one replay stream is in its timeline: plain state, told the time, so the DPM list
/// and the DAQ read stream share it (and tests drive it with virtual instants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayCursor {
    start: Instant,
    round: u64,
    index: usize,
    done: bool,
}

impl ReplayCursor {
    /// A stream that started at `start`, before its first sample.
    pub fn new(start: Instant) -> ReplayCursor {
        ReplayCursor {
            start,
            round: 0,
            index: 0,
            done: false,
        }
    }

    /// Whether a timeline that does not loop has sent its last sample.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// When the next sample is due, `None` once done.
    pub fn due(&self, timeline: &Timeline) -> Option<Instant> {
        if self.done {
            return None;
        }
        self.start
            .checked_add(timeline.play_offset(self.round, self.index))
    }

    /// The next sample if it is due at `now`, moving past it. A stream more than
    /// [`MAX_LAG`] behind first skips to the first sample due at or after `now`.
    pub fn next_due<'t>(
        &mut self,
        timeline: &'t Timeline,
        now: Instant,
    ) -> Option<&'t Result<Value, Status>> {
        let due = self.due(timeline)?;
        if due > now {
            return None;
        }
        if now.duration_since(due) > MAX_LAG {
            let (round, index) = timeline.position(now.duration_since(self.start));
            self.round = round;
            self.index = index;
            if index >= timeline.len() {
                self.done = true;
                return None;
            }
            if self.due(timeline)? > now {
                return None;
            }
        }
        self.take(timeline)
    }

    /// Plays one turn of a stream, the same for both fake servers: every sample due at
    /// `now` (in `flood` mode the next one only), at most [`MAX_PER_TURN`], each shaped for
    /// the request by `shape` (field, range) and handed to `emit`. With `on_change`, a value
    /// equal to the last one sent (`last`) is skipped; a failure clears `last`.
    pub fn play<'t>(
        &mut self,
        timeline: &'t Timeline,
        now: Instant,
        (flood, on_change): (bool, bool),
        last: &mut Option<Value>,
        shape: impl Fn(&'t Value) -> Result<Cow<'t, Value>, Status>,
        mut emit: impl FnMut(Result<Cow<'t, Value>, Status>),
    ) {
        for _ in 0..MAX_PER_TURN {
            let next = if flood {
                self.take(timeline)
            } else {
                self.next_due(timeline, now)
            };
            let Some(sample) = next else { break };
            match sample.as_ref().map_err(|s| *s).and_then(&shape) {
                Ok(value) => {
                    if on_change {
                        if last.as_ref() == Some(value.as_ref()) {
                            if flood {
                                break;
                            }
                            continue;
                        }
                        *last = Some(value.clone().into_owned());
                    }
                    emit(Ok(value));
                }
                Err(status) => {
                    *last = None;
                    emit(Err(status));
                }
            }
            if flood {
                // One sample per turn: the client's reading paces the rest.
                break;
            }
        }
    }

    /// The next sample whatever its time (flood mode), moving past it.
    pub fn take<'t>(&mut self, timeline: &'t Timeline) -> Option<&'t Result<Value, Status>> {
        if self.done {
            return None;
        }
        let Some(sample) = timeline.samples.get(self.index) else {
            self.done = true;
            return None;
        };
        self.index += 1;
        if self.index >= timeline.len() {
            if timeline.looped {
                self.index = 0;
                self.round = self.round.saturating_add(1);
            } else {
                self.done = true;
            }
        }
        Some(&sample.value)
    }
}
