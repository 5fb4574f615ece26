//! One `Read` call of the fake DAQ server: the requests parsed once, their schedules, and a
//! [`ReadStream`] that yields `ReadingReply`s as they fall due (no task, no channel: tonic
//! polls it directly, so a tick's replies are encoded in one go).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::Stream;
use pacsys_drf::{Event as DrfEvent, ExtraKind};
use pacsys_grpc_core::convert::{self, status_to_proto};
use pacsys_grpc_core::proto::services::daq::{self as pdaq, reading_reply};
use pacsys_types::{Reading, Status, Value};
use tokio::time::{Instant, Sleep};

use super::codes;
use super::faults::DaqFaults;
use super::stats::Counters;
use crate::answer::{self, History, Target};
use crate::dpm::list::clock_period;
use crate::replay::{ReplayCursor, Timeline};
use crate::world::{SimDevice, SimWorld};

/// Most samples per logger chunk, as DPM.
pub use pacsys_grpc_core::convert::LOGGER_CHUNK;

#[derive(Debug)]
enum Schedule {
    /// One reply, then done.
    Once,
    /// A reply every `period`; with `on_change` only when the value changed.
    Periodic {
        period: Duration,
        on_change: bool,
        last: Option<Value>,
    },
    /// Replies computed at the start (status replies, logger chunks), sent at once.
    Canned(VecDeque<pdaq::ReadingReply>),
    /// A repeating request of a replayed device: plays its timeline from the start of the
    /// call (the recorded timing, not the request's period); `on_change` skips a sample
    /// equal to the last one sent. Once played out (no loop) the job stays, quiet, so the
    /// stream stays open as a periodic one does.
    Replay {
        timeline: Arc<Timeline>,
        cursor: ReplayCursor,
        on_change: bool,
        last: Option<Value>,
    },
}

#[derive(Debug)]
struct Job {
    index: u32,
    drf: Arc<str>,
    device: Option<Arc<SimDevice>>,
    target: Target,
    schedule: Schedule,
    due: Instant,
}

fn wall_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn status_reply(index: u32, status: Status, message: &str) -> pdaq::ReadingReply {
    convert::status_reply(index, status, message)
}

/// Plans one request of a call.
fn plan(world: &SimWorld, index: u32, drf: &str, now: Instant, wall: SystemTime) -> Job {
    let canned = |replies: Vec<pdaq::ReadingReply>| Job {
        index,
        drf: Arc::from(drf),
        device: None,
        target: Target {
            property: pacsys_drf::Property::Reading,
            field: None,
            range: None,
        },
        schedule: Schedule::Canned(replies.into()),
        due: now,
    };
    let request = match pacsys_drf::Request::parse(drf) {
        Ok(r) => r,
        Err(e) => {
            return canned(vec![status_reply(
                index,
                codes::BAD_REQUEST,
                &format!("Malformed DRF: {e}"),
            )]);
        }
    };
    let Some(device) = request
        .is_acnet()
        .then(|| world.device(request.device()))
        .flatten()
    else {
        return canned(vec![status_reply(
            index,
            answer::status::NO_SUCH_DEVICE,
            "No such device",
        )]);
    };
    let target = Target::of(&request);
    let schedule = match request.extra().map(|e| e.kind()) {
        Some(ExtraKind::Logger | ExtraKind::LoggerDuration | ExtraKind::LoggerSingle) => {
            let replies = match History::of(&request, wall_ms(wall)) {
                Some(Ok(History::Window { start_ms, end_ms })) => {
                    logger(world, &device, index, start_ms, end_ms)
                }
                Some(Ok(History::Single { at_ms })) => {
                    let from = at_ms.saturating_sub(crate::world::LOGGER_PERIOD_MS);
                    match world.history(&device, from, at_ms).pop() {
                        Some((us, value)) => {
                            let r = Reading::new(Arc::from(drf), Status::OK)
                                .with_value(value)
                                .with_timestamp(pacsys_types::reading::time_from_micros(us));
                            vec![convert::reading_reply(index, &r, "")]
                        }
                        None => vec![status_reply(index, Status::new(66, -64), "No data")],
                    }
                }
                Some(Err(_)) | None => vec![status_reply(
                    index,
                    codes::INVALID_DATASOURCE,
                    "Bad logger parameters",
                )],
            };
            return canned(replies);
        }
        Some(ExtraKind::Ftp | ExtraKind::Livedata) | None => match request.event() {
            DrfEvent::Default | DrfEvent::Immediate => Schedule::Once,
            DrfEvent::Never => Schedule::Canned(VecDeque::new()),
            DrfEvent::Periodic(p) => Schedule::Periodic {
                period: Duration::from_millis(p.period_ms().max(1)),
                on_change: !p.continuous(),
                last: None,
            },
            DrfEvent::Clock(c) => Schedule::Periodic {
                period: clock_period(c.number().unwrap_or(u128::MAX)),
                on_change: false,
                last: None,
            },
            DrfEvent::State(_) => {
                return canned(vec![status_reply(
                    index,
                    codes::NOT_YET,
                    "State events are not simulated",
                )]);
            }
        },
        Some(_) => {
            return canned(vec![status_reply(
                index,
                codes::INVALID_DATASOURCE,
                "Unsupported data source",
            )]);
        }
    };
    // A repeating request of a replayed device plays the recording instead.
    let (schedule, due) = match schedule {
        Schedule::Periodic { on_change, .. } => match answer::replay_of(&device, target) {
            Some(timeline) => {
                let cursor = ReplayCursor::new(now.into_std());
                let due = cursor
                    .due(&timeline)
                    .map_or_else(|| far_future(now), Instant::from_std);
                (
                    Schedule::Replay {
                        timeline,
                        cursor,
                        on_change,
                        last: None,
                    },
                    due,
                )
            }
            None => (schedule, now),
        },
        other => (other, now),
    };
    Job {
        index,
        drf: Arc::from(drf),
        device: Some(device),
        target,
        schedule,
        due,
    }
}

/// An instant far enough ahead to mean "never" without overflowing.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365)
}

/// The reply carrying one replayed sample, stamped `wall`: one value converted straight
/// from the timeline (no intermediate copy), or the recorded error as a status arm.
fn replay_reply(index: u32, drf: &Arc<str>, value: &Value, wall: SystemTime) -> pdaq::ReadingReply {
    match convert::value_to_proto(value) {
        #[allow(deprecated)]
        Ok(data) => pdaq::ReadingReply {
            index,
            value: Some(reading_reply::Value::Readings(pdaq::Readings {
                reading: vec![pdaq::Reading {
                    timestamp: Some(convert::time_to_proto(wall)),
                    data: Some(data),
                    status: Some(status_to_proto(Status::OK, "")),
                }],
            })),
        },
        // Not encodable: the ordinary path's error reply.
        Err(_) => {
            let r = Reading::new(Arc::clone(drf), Status::OK)
                .with_value(value.clone())
                .with_timestamp(Some(wall));
            convert::reading_reply(index, &r, "")
        }
    }
}

/// Logger history as DPM sends it: chunks of [`LOGGER_CHUNK`] samples, then an empty
/// `readings {}` terminator.
fn logger(
    world: &SimWorld,
    device: &SimDevice,
    index: u32,
    start: i64,
    end: i64,
) -> Vec<pdaq::ReadingReply> {
    let samples = world
        .history(device, start, end)
        .iter()
        .filter_map(|(us, value)| {
            let data = convert::value_to_proto(value).ok()?;
            #[allow(deprecated)]
            Some(pdaq::Reading {
                timestamp: pacsys_types::reading::time_from_micros(*us).map(convert::time_to_proto),
                data: Some(data),
                status: Some(status_to_proto(Status::OK, "")),
            })
        })
        .collect();
    convert::logger_chunks(index, samples)
}

/// The reply stream of one `Read` call.
pub struct ReadStream {
    jobs: Vec<Job>,
    pending: VecDeque<pdaq::ReadingReply>,
    timer: Pin<Box<Sleep>>,
    faults: DaqFaults,
    sent: u64,
    release_at: Option<Instant>,
    dropped: bool,
    counters: Arc<Counters>,
    /// Repeating reads send as fast as the client takes them (benchmark mode).
    flood: bool,
}

impl std::fmt::Debug for ReadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadStream")
            .field("jobs", &self.jobs.len())
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl ReadStream {
    pub(crate) fn new(
        world: &SimWorld,
        drfs: &[String],
        faults: DaqFaults,
        counters: Arc<Counters>,
        flood: bool,
    ) -> ReadStream {
        let now = Instant::now();
        let wall = SystemTime::now();
        let jobs = drfs
            .iter()
            .enumerate()
            .map(|(i, d)| plan(world, u32::try_from(i).unwrap_or(u32::MAX), d, now, wall))
            .collect();
        counters.open_streams.fetch_add(1, Ordering::Relaxed);
        ReadStream {
            jobs,
            pending: VecDeque::new(),
            timer: Box::pin(tokio::time::sleep_until(now)),
            faults,
            sent: 0,
            release_at: None,
            dropped: false,
            counters,
            flood,
        }
    }

    /// Produces every reply due at `now`; finished jobs are removed.
    fn tick(&mut self, now: Instant) {
        let wall = SystemTime::now();
        let now_ms = wall_ms(wall);
        let pending = &mut self.pending;
        let flood = self.flood;
        self.jobs.retain_mut(|job| {
            if job.due > now {
                return true;
            }
            let device = match (&mut job.schedule, &job.device) {
                (Schedule::Canned(replies), _) => {
                    pending.extend(replies.drain(..));
                    return false;
                }
                (
                    Schedule::Replay {
                        timeline,
                        cursor,
                        on_change,
                        last,
                    },
                    Some(device),
                ) => {
                    let std_now = now.into_std();
                    let (index, drf, target) = (job.index, &job.drf, job.target);
                    cursor.play(
                        timeline,
                        std_now,
                        (flood, *on_change),
                        last,
                        |v| answer::shape(device, target, v),
                        |sample| {
                            pending.push_back(match sample {
                                Ok(value) => replay_reply(index, drf, &value, wall),
                                Err(status) => status_reply(index, status, ""),
                            })
                        },
                    );
                    job.due = match cursor.due(timeline) {
                        Some(_) if flood => now,
                        Some(due) => Instant::from_std(due),
                        // Played out: quiet, but the stream stays open.
                        None => far_future(now),
                    };
                    return true;
                }
                (_, Some(device)) => device,
                (_, None) => return false,
            };
            let value = match answer::read(device, job.target, now_ms) {
                Ok(v) => v,
                Err(status) => {
                    pending.push_back(status_reply(job.index, status, ""));
                    return false;
                }
            };
            match &mut job.schedule {
                Schedule::Periodic {
                    period,
                    on_change,
                    last,
                } => {
                    job.due += *period;
                    if flood {
                        // Due again at once: the next poll sends the next reading.
                        job.due = now;
                    } else if job.due <= now {
                        // Fallen behind: skip the missed periods (as a loaded server would).
                        job.due = now + *period;
                    }
                    if *on_change {
                        if last.as_ref() == Some(&value) {
                            return true;
                        }
                        *last = Some(value.clone());
                    }
                    let r = Reading::new(Arc::clone(&job.drf), Status::OK)
                        .with_value(value)
                        .with_timestamp(Some(wall));
                    pending.push_back(convert::reading_reply(job.index, &r, ""));
                    true
                }
                _ => {
                    let r = Reading::new(Arc::clone(&job.drf), Status::OK)
                        .with_value(value)
                        .with_timestamp(Some(wall));
                    pending.push_back(convert::reading_reply(job.index, &r, ""));
                    false
                }
            }
        });
        if let Some(delay) = self.faults.reply_delay
            && !self.pending.is_empty()
        {
            self.release_at = Some(now + delay);
        }
    }
}

impl Drop for ReadStream {
    fn drop(&mut self) {
        self.counters.open_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stream for ReadStream {
    type Item = Result<pdaq::ReadingReply, tonic::Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.dropped {
                return Poll::Ready(None);
            }
            if let Some(at) = this.release_at {
                if Instant::now() < at {
                    if this.timer.deadline() != at {
                        this.timer.as_mut().reset(at);
                    }
                    if this.timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
                this.release_at = None;
            }
            if let Some(reply) = this.pending.pop_front() {
                if this.faults.drop_stream_after == Some(this.sent) {
                    this.dropped = true;
                    this.counters
                        .dropped_streams
                        .fetch_add(1, Ordering::Relaxed);
                    return Poll::Ready(Some(Err(tonic::Status::unavailable(
                        "fault injected: stream dropped",
                    ))));
                }
                this.sent += 1;
                this.counters.replies.fetch_add(1, Ordering::Relaxed);
                if let Some(reading_reply::Value::Readings(r)) = &reply.value {
                    this.counters
                        .readings
                        .fetch_add(r.reading.len() as u64, Ordering::Relaxed);
                }
                return Poll::Ready(Some(Ok(reply)));
            }
            let Some(next) = this.jobs.iter().map(|j| j.due).min() else {
                return Poll::Ready(None);
            };
            let now = Instant::now();
            if next > now {
                if this.timer.deadline() != next {
                    this.timer.as_mut().reset(next);
                }
                if this.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            this.tick(Instant::now());
        }
    }
}
