//! Replaying a recording through the simulated world: the devices of a `pacsys-record`
//! recording answer with what was recorded, with the recorded timing (scaled by a speed),
//! over the fake DPM server and the fake DAQ server alike.
//!
//! A [`Replay`] is built from recorded events ([`Replay::open`] reads a recording with
//! `pacsys_record::read_events`; [`Replay::from_events`] takes `(received, event)` pairs from
//! memory). It holds, per device (the upper-case name from the DRF) and property (READING or
//! SETTING), a [`Timeline`]: the samples as (offset from the recording's first event,
//! `Result<Value, Status>`). [`Replay::install`] overlays them on a [`SimWorld`]:
//!
//! * a recorded device the world has keeps its metadata; its reading (or setting) becomes
//!   the timeline ([`Signal::Replay`], [`DeviceState::setting_replay`]) and its per-device
//!   error is cleared;
//! * a recorded device the world lacks is added with the recorded metadata (name, index,
//!   units; index 0 when the recording has none), read-only;
//! * every other device stays as simulated, and unknown devices stay unknown.
//!
//! How requests for a replayed device are answered:
//!
//! * **Repeating requests** (`@p,N`, `@q,N`, clock events) play the device's timeline from
//!   the moment the request starts: each sample is sent at `start + offset / speed`, in
//!   recorded order, whatever period the request asked for (each subscription hears the
//!   recording from its beginning). A sample's timestamp is the wall time at which it is
//!   sent. Recorded errors are sent as status replies at their time. `@q` skips a sample
//!   equal to the last one it sent (the one exception to "every sample"). After the last
//!   sample the stream goes quiet (DPM heartbeats go on, a gRPC stream stays open), or with
//!   [`ReplayOptions::looped`] starts over. A client that falls more than a second behind
//!   skips the missed samples (as periodic requests skip missed slots).
//! * **One-shot reads** (`@I`, the default event) answer the sample current at the time
//!   elapsed since [`Replay::install`] (scaled by the speed; looped, or held at the last
//!   sample); before the first sample, the first one. Logger requests read the same
//!   function of time.
//! * Fields and ranges apply to replayed values as to any device's.
//! * A setting written to a replayed device takes over as for any device (the written value
//!   sticks); streams already playing keep playing.
//! * In flood mode (benchmarks) a replay stream sends its next recorded sample every turn,
//!   ignoring the recorded timing.
//!
//! What is recorded becomes a sample as follows: a reading with a value and a non-error
//! status is a value (a warning status is dropped); a reading with an error status, or an
//! `Event::Error`, is that status. The time of a sample is the reading's server timestamp,
//! else the time the recorder received it. Per device and property the first DRF seen wins
//! (events of other DRFs of the same device and property would interleave and are ignored),
//! and only whole-value requests are replayed: fields other than the scaled value (`.RAW`,
//! `.MIN`, ...), other properties, non-ACNET names, logger (history) requests and
//! unparsable DRFs are ignored and counted ([`Replay::ignored`]). Other events
//! (disconnections, drops, stale marks) are not replayed. A ranged request (`[0:9]`) is
//! replayed as the device's whole value.
//!
//! The loop length of a device is the recording's span (first to last replayed event, over
//! all devices) plus one mean sample interval of that device (of the whole recording when
//! the device has one sample; 1 s when the recording has one), at least 1 ms: devices keep
//! their place relative to each other within a round, and each wraps with its own cadence.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//!
//! use pacsys_sim::SimWorld;
//! use pacsys_sim::replay::{Replay, ReplayOptions};
//! use pacsys_types::{Event, Reading, Status, Value};
//!
//! let t0 = SystemTime::now();
//! let sample = |ms: u64, x: f64| {
//!     let at = t0 + Duration::from_millis(ms);
//!     let reading = Reading::new(Arc::from("M:OUTTMP@p,100"), Status::OK)
//!         .with_value(Value::Scalar(x))
//!         .with_timestamp(Some(at));
//!     (at, Event::Reading(reading))
//! };
//! let replay = Replay::from_events(
//!     [sample(0, 1.0), sample(100, 2.0)],
//!     ReplayOptions::default().speed(2.0).looped(true),
//! )?;
//! let world = SimWorld::default_table();
//! replay.install(&world);
//! // FakeDpmServer::builder().world(world) now serves the recording for M:OUTTMP.
//! # Ok::<(), pacsys_sim::replay::ReplayError>(())
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indexmap::IndexMap;
use pacsys_drf::{ExtraKind, Field, Property};
use pacsys_types::{DeviceMeta, Event, Status, Value};

use crate::world::{DeviceState, Signal, SimDevice, SimWorld};

mod options;
pub mod timeline;

pub use options::{ReplayError, ReplayOptions};
use timeline::mean_interval;
pub use timeline::{MAX_LAG, MAX_PER_TURN, ReplayCursor, Timeline, TimelineSample};

/// One device of a replay.
#[derive(Debug, Clone)]
struct ReplayDevice {
    name: String,
    meta: Option<DeviceMeta>,
    reading: Option<Timeline>,
    setting: Option<Timeline>,
}

/// A recording ready to be played through a [`SimWorld`] (see the [module](self) docs).
#[derive(Debug, Clone)]
pub struct Replay {
    devices: Vec<ReplayDevice>,
    options: ReplayOptions,
    ignored: usize,
    samples: usize,
    span: Duration,
}

/// The samples of one (device, property) as recorded, before offsets are known.
struct Group {
    name: String,
    setting: bool,
    meta: Option<DeviceMeta>,
    samples: Vec<(SystemTime, Result<Value, Status>)>,
}

/// What a recorded DRF contributes: the index of its group, or nothing.
fn classify(
    drf: &str,
    groups: &mut Vec<Group>,
    by_key: &mut HashMap<(String, bool), usize>,
) -> Option<usize> {
    let request = pacsys_drf::Request::parse(drf).ok()?;
    if !request.is_acnet() {
        return None;
    }
    let setting = match request.property() {
        Property::Reading => false,
        Property::Setting => true,
        _ => return None,
    };
    if !matches!(
        request.field(),
        None | Some(Field::Scaled) | Some(Field::Primary)
    ) {
        return None;
    }
    if let Some(kind) = request.extra().map(|e| e.kind())
        && !matches!(kind, ExtraKind::Ftp | ExtraKind::Livedata)
    {
        return None;
    }
    let name = request.device().to_ascii_uppercase();
    let key = (name.clone(), setting);
    if by_key.contains_key(&key) {
        // Another DRF of the same device and property: the first one wins.
        return None;
    }
    groups.push(Group {
        name,
        setting,
        meta: None,
        samples: Vec::new(),
    });
    by_key.insert(key, groups.len() - 1);
    Some(groups.len() - 1)
}

fn wall_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Replay {
    /// Reads a recording (`pacsys_record::read_events`: a Parquet file or dataset folder)
    /// and builds its replay (feature `replay`, on with the default `sim` feature).
    #[cfg(feature = "replay")]
    pub fn open(
        path: impl AsRef<std::path::Path>,
        options: ReplayOptions,
    ) -> Result<Replay, ReplayError> {
        options.validate()?;
        let events = pacsys_record::read_events(path).map_err(ReplayError::Read)?;
        Replay::from_events(events.into_iter().map(|e| (e.received, e.event)), options)
    }

    /// Builds a replay from `(received, event)` pairs in recorded order (`received`: when
    /// the recorder got the event).
    pub fn from_events(
        events: impl IntoIterator<Item = (SystemTime, Event)>,
        options: ReplayOptions,
    ) -> Result<Replay, ReplayError> {
        options.validate()?;
        let mut groups: Vec<Group> = Vec::new();
        let mut by_key: HashMap<(String, bool), usize> = HashMap::new();
        // Each distinct DRF is parsed once.
        let mut by_drf: HashMap<Arc<str>, Option<usize>> = HashMap::new();
        let mut ignored = 0usize;
        let mut total = 0usize;
        for (received, event) in events {
            total += 1;
            let (drf, when, value, meta) = match event {
                Event::Reading(r) => {
                    let value = match r.value {
                        Some(v) if !r.status.is_error() => Ok(v),
                        _ if r.status.is_error() => Err(r.status),
                        _ => {
                            // A status without data that is no error: nothing to play.
                            ignored += 1;
                            continue;
                        }
                    };
                    (r.drf, r.timestamp.unwrap_or(received), value, r.meta)
                }
                Event::Error { drf, status } => (drf, received, Err(status), None),
                _ => continue,
            };
            let group = match by_drf.get(&drf) {
                Some(g) => *g,
                None => {
                    let g = classify(&drf, &mut groups, &mut by_key);
                    by_drf.insert(drf, g);
                    g
                }
            };
            let Some(group) = group.and_then(|g| groups.get_mut(g)) else {
                ignored += 1;
                continue;
            };
            if group.meta.is_none()
                && let Some(meta) = meta
            {
                group.meta = Some(DeviceMeta::clone(&meta));
            }
            group.samples.push((when, value));
        }
        let Some(base) = groups
            .iter()
            .flat_map(|g| g.samples.iter().map(|(t, _)| *t))
            .min()
        else {
            return Err(ReplayError::Empty { events: total });
        };
        let end = groups
            .iter()
            .flat_map(|g| g.samples.iter().map(|(t, _)| *t))
            .max()
            .unwrap_or(base);
        let span = end.duration_since(base).unwrap_or_default();
        let samples: usize = groups.iter().map(|g| g.samples.len()).sum();
        let overall_mean = mean_interval(Duration::ZERO, span, samples);
        let mut devices: IndexMap<String, ReplayDevice> = IndexMap::new();
        for group in groups {
            let count = group.samples.len();
            let offsets: Vec<(Duration, Result<Value, Status>)> = group
                .samples
                .into_iter()
                .map(|(t, v)| (t.duration_since(base).unwrap_or_default(), v))
                .collect();
            let Some(mut timeline) = Timeline::new(offsets, options) else {
                continue;
            };
            let own_mean = timeline
                .samples()
                .first()
                .zip(timeline.samples().last())
                .and_then(|(first, last)| mean_interval(first.offset, last.offset, count));
            let mean = own_mean.or(overall_mean).unwrap_or(Duration::from_secs(1));
            timeline.set_loop_length(span + mean);
            // A device recorded by index (`0:140013`) is known by its recorded name.
            let name = match &group.meta {
                Some(meta) if group.name.starts_with("0:") => meta.name.to_ascii_uppercase(),
                _ => group.name,
            };
            let device = devices.entry(name.clone()).or_insert_with(|| ReplayDevice {
                name,
                meta: None,
                reading: None,
                setting: None,
            });
            if device.meta.is_none() {
                device.meta = group.meta;
            }
            if group.setting {
                device.setting = Some(timeline);
            } else {
                device.reading = Some(timeline);
            }
        }
        Ok(Replay {
            devices: devices.into_values().collect(),
            options,
            ignored,
            samples,
            span,
        })
    }

    /// The options it plays with.
    pub fn options(&self) -> ReplayOptions {
        self.options
    }

    /// The replayed device names (upper case), in order of first appearance.
    pub fn devices(&self) -> impl Iterator<Item = &str> {
        self.devices.iter().map(|d| d.name.as_str())
    }

    /// The timeline of `device`'s `property` (READING or SETTING), if recorded.
    pub fn timeline(&self, device: &str, property: Property) -> Option<&Timeline> {
        let device = self
            .devices
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(device))?;
        match property {
            Property::Reading => device.reading.as_ref(),
            Property::Setting => device.setting.as_ref(),
            _ => None,
        }
    }

    /// Readings and errors of the recording that are not replayed (other properties and
    /// fields, other DRFs of a replayed device and property, logger requests, non-ACNET or
    /// unparsable DRFs, statuses without data that are no error).
    pub fn ignored(&self) -> usize {
        self.ignored
    }

    /// Samples replayed (one round, all devices).
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// The recording's span: its first to its last replayed event.
    pub fn span(&self) -> Duration {
        self.span
    }

    /// Overlays the replayed devices on `world` (see the [module](self) docs); one-shot
    /// reads count from now. Installing again restarts that clock.
    pub fn install(&self, world: &SimWorld) {
        let origin = wall_ms_now();
        for device in &self.devices {
            let reading = device
                .reading
                .as_ref()
                .map(|t| Arc::new(t.with_origin(origin)));
            let setting = device
                .setting
                .as_ref()
                .map(|t| Arc::new(t.with_origin(origin)));
            match world.device(&device.name) {
                Some(existing) => {
                    let mut state = existing.state_mut();
                    if let Some(reading) = reading {
                        state.reading = Signal::Replay(reading);
                    }
                    if let Some(setting) = setting {
                        state.setting_replay = Some(setting);
                    }
                    state.error = None;
                }
                None => {
                    let meta = match &device.meta {
                        Some(m) => DeviceMeta {
                            name: device.name.clone(),
                            ..m.clone()
                        },
                        None => DeviceMeta {
                            device_index: 0,
                            name: device.name.clone(),
                            description: "Replayed from a recording".to_owned(),
                            units: None,
                            format_hint: None,
                        },
                    };
                    // A device recorded only as SETTING reads its setting timeline.
                    let Some(signal) = reading.or_else(|| setting.clone()) else {
                        continue;
                    };
                    let state = DeviceState {
                        setting_replay: setting,
                        ..DeviceState::new(Signal::Replay(signal))
                    };
                    world.insert(SimDevice::new(meta, state));
                }
            }
        }
        tracing::info!(
            devices = self.devices.len(),
            samples = self.samples,
            ignored = self.ignored,
            span = ?self.span,
            speed = self.options.speed,
            looped = self.options.looped,
            "replay installed"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use pacsys_types::Reading;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn scalars(points: &[(u64, f64)], options: ReplayOptions) -> Timeline {
        Timeline::new(
            points
                .iter()
                .map(|(t, x)| (ms(*t), Ok(Value::Scalar(*x))))
                .collect(),
            options,
        )
        .expect("a timeline")
    }

    const NO_DATA: Status = Status::new(14, -82);

    #[test]
    fn offsets_are_sorted_and_scaled_by_the_speed() {
        let t = scalars(
            &[(200, 3.0), (0, 1.0), (100, 2.0)],
            ReplayOptions::default(),
        );
        let offsets: Vec<Duration> = t.samples().iter().map(|s| s.offset).collect();
        assert_eq!(offsets, vec![ms(0), ms(100), ms(200)]);
        assert_eq!(t.play_offset(0, 2), ms(200));
        let fast = scalars(
            &[(0, 1.0), (100, 2.0), (200, 3.0)],
            ReplayOptions::default().speed(2.0),
        );
        assert_eq!(fast.play_offset(0, 1), ms(50));
        assert_eq!(fast.play_offset(0, 2), ms(100));
        let slow = scalars(&[(0, 1.0), (100, 2.0)], ReplayOptions::default().speed(0.5));
        assert_eq!(slow.play_offset(0, 1), ms(200));
        assert!(Timeline::new(Vec::new(), ReplayOptions::default()).is_none());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                Timeline::new(
                    vec![(ms(0), Ok(Value::Scalar(1.0)))],
                    ReplayOptions::default().speed(bad)
                )
                .is_none(),
                "speed {bad}"
            );
        }
    }

    #[test]
    fn loop_wraps_after_span_plus_mean_interval() {
        let t = scalars(
            &[(0, 1.0), (100, 2.0), (200, 3.0)],
            ReplayOptions::default().looped(true),
        );
        assert_eq!(t.loop_length(), ms(300));
        assert_eq!(t.play_offset(1, 0), ms(300));
        assert_eq!(t.play_offset(2, 1), ms(700));
        // One-shot: the current sample cycles.
        assert_eq!(t.current(ms(50)), &Ok(Value::Scalar(1.0)));
        assert_eq!(t.current(ms(250)), &Ok(Value::Scalar(3.0)));
        assert_eq!(t.current(ms(310)), &Ok(Value::Scalar(1.0)));
        assert_eq!(t.current(ms(420)), &Ok(Value::Scalar(2.0)));
        // Catch-up positions.
        assert_eq!(t.position(ms(150)), (0, 2));
        assert_eq!(t.position(ms(250)), (1, 0));
        assert_eq!(t.position(ms(650)), (2, 1));
        // Scaled: the loop plays in half the time.
        let fast = scalars(
            &[(0, 1.0), (100, 2.0), (200, 3.0)],
            ReplayOptions::default().looped(true).speed(2.0),
        );
        assert_eq!(fast.play_offset(1, 0), ms(150));
        assert_eq!(fast.current(ms(160)), &Ok(Value::Scalar(1.0)));
    }

    #[test]
    fn without_loop_the_last_value_is_held() {
        let t = scalars(&[(100, 1.0), (200, 2.0)], ReplayOptions::default());
        assert_eq!(
            t.current(ms(0)),
            &Ok(Value::Scalar(1.0)),
            "before the first: the first"
        );
        assert_eq!(t.current(ms(150)), &Ok(Value::Scalar(1.0)));
        assert_eq!(t.current(ms(10_000)), &Ok(Value::Scalar(2.0)));
        assert_eq!(t.position(ms(10_000)), (0, 2), "over");
        let held = t.with_origin(1_000);
        assert_eq!(held.at_wall_ms(1_250), &Ok(Value::Scalar(2.0)));
        assert_eq!(
            held.at_wall_ms(0),
            &Ok(Value::Scalar(1.0)),
            "before the origin"
        );
    }

    #[test]
    fn errors_are_samples_and_signal_at_skips_them() {
        let t = Timeline::new(
            vec![
                (ms(0), Ok(Value::Scalar(1.0))),
                (ms(100), Err(NO_DATA)),
                (ms(200), Ok(Value::Scalar(3.0))),
            ],
            ReplayOptions::default(),
        )
        .expect("timeline");
        assert_eq!(t.current(ms(150)), &Err(NO_DATA));
        assert_eq!(t.value_at_wall_ms(150), Value::Scalar(1.0));
        let signal = Signal::Replay(Arc::new(t));
        assert_eq!(signal.sample(150), Err(NO_DATA));
        assert_eq!(signal.sample(250), Ok(Value::Scalar(3.0)));
        assert_eq!(signal.at(250), Value::Scalar(3.0));
        let only_errors =
            Timeline::new(vec![(ms(0), Err(NO_DATA))], ReplayOptions::default()).expect("timeline");
        assert!(matches!(only_errors.value_at_wall_ms(0), Value::Scalar(x) if x.is_nan()));
    }

    #[test]
    fn cursor_plays_in_order_loops_and_skips_when_far_behind() {
        let t = scalars(
            &[(0, 1.0), (100, 2.0), (200, 3.0)],
            ReplayOptions::default().looped(true),
        );
        let start = Instant::now();
        let mut c = ReplayCursor::new(start);
        let at = |n| start + ms(n);
        assert_eq!(c.next_due(&t, at(0)), Some(&Ok(Value::Scalar(1.0))));
        assert_eq!(c.next_due(&t, at(0)), None);
        assert_eq!(c.due(&t), Some(at(100)));
        assert_eq!(c.next_due(&t, at(99)), None);
        assert_eq!(c.next_due(&t, at(250)), Some(&Ok(Value::Scalar(2.0))));
        assert_eq!(c.next_due(&t, at(250)), Some(&Ok(Value::Scalar(3.0))));
        assert_eq!(c.due(&t), Some(at(300)), "round 2");
        assert_eq!(c.next_due(&t, at(300)), Some(&Ok(Value::Scalar(1.0))));
        // Five seconds late: skip to the first sample due at or after now.
        assert_eq!(c.next_due(&t, at(5_350)), None);
        assert_eq!(c.due(&t), Some(at(5_400)));
        assert_eq!(
            c.next_due(&t, at(5_400)),
            Some(&Ok(Value::Scalar(1.0))),
            "round 19"
        );

        let once = scalars(&[(0, 1.0), (100, 2.0)], ReplayOptions::default());
        let mut c = ReplayCursor::new(start);
        assert!(c.next_due(&once, at(100)).is_some());
        assert!(c.next_due(&once, at(100)).is_some());
        assert!(c.is_done());
        assert_eq!(c.due(&once), None);
        assert_eq!(c.next_due(&once, at(10_000)), None);
    }

    fn reading(drf: &str, t0: SystemTime, ms_at: u64, x: f64) -> (SystemTime, Event) {
        let at = t0 + ms(ms_at);
        let r = Reading::new(Arc::from(drf), Status::OK)
            .with_value(Value::Scalar(x))
            .with_timestamp(Some(at));
        // Received a little later than the server's timestamp.
        (at + ms(3), Event::Reading(r))
    }

    #[test]
    fn events_become_timelines_per_device_and_property() {
        let t0 = SystemTime::now();
        let mut with_meta = Reading::new(Arc::from("Z:NEWDEV@p,100"), Status::OK)
            .with_value(Value::Scalar(5.0))
            .with_timestamp(Some(t0 + ms(1_000)));
        with_meta.meta = Some(Arc::new(DeviceMeta {
            device_index: 4242,
            name: "Z:NEWDEV".into(),
            description: "new".into(),
            units: Some("V".into()),
            format_hint: None,
        }));
        let events = vec![
            reading("m:outtmp@p,100", t0, 0, 1.0),
            reading("M:OUTTMP.SETTING@p,100", t0, 50, 10.0),
            reading("M:OUTTMP@p,100", t0, 200, 2.0), // another DRF: ignored
            reading("m:outtmp@p,100", t0, 100, 1.5),
            reading("M:OUTTMP.STATUS@p,100", t0, 100, 1.0), // other property: ignored
            reading("M:OUTTMP.RAW@p,100", t0, 100, 1.0),    // other field: ignored
            reading("M:OUTTMP<-LOGGERDURATION:1000", t0, 100, 1.0), // history: ignored
            (
                t0 + ms(400),
                Event::Error {
                    drf: Arc::from("m:outtmp@p,100"),
                    status: NO_DATA,
                },
            ),
            (t0 + ms(500), Event::Dropped { count: 3 }),
            (t0, Event::Reading(with_meta)),
        ];
        let replay = Replay::from_events(events, ReplayOptions::default()).expect("replay");
        assert_eq!(
            replay.devices().collect::<Vec<_>>(),
            vec!["M:OUTTMP", "Z:NEWDEV"]
        );
        assert_eq!(replay.ignored(), 4);
        assert_eq!(replay.span(), ms(1_000));
        let reading_tl = replay
            .timeline("M:OUTTMP", Property::Reading)
            .expect("reading");
        let got: Vec<_> = reading_tl
            .samples()
            .iter()
            .map(|s| (s.offset, s.value.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ms(0), Ok(Value::Scalar(1.0))),
                (ms(100), Ok(Value::Scalar(1.5))),
                (ms(400), Err(NO_DATA)), // an error has no server time: when received
            ]
        );
        // Span 1000 ms plus this device's mean interval (400 / 2).
        assert_eq!(reading_tl.loop_length(), ms(1_200));
        let setting_tl = replay
            .timeline("m:outtmp", Property::Setting)
            .expect("setting");
        assert_eq!(setting_tl.samples()[0].offset, ms(50));
        // One sample: the recording's mean interval (1000 ms over 5 samples, 4 gaps).
        assert_eq!(
            replay
                .timeline("Z:NEWDEV", Property::Reading)
                .map(Timeline::loop_length),
            Some(ms(1_000) + ms(250))
        );
        let nothing = Replay::from_events(
            vec![reading("M:OUTTMP.STATUS", t0, 0, 1.0)],
            ReplayOptions::default(),
        );
        assert!(matches!(nothing, Err(ReplayError::Empty { events: 1 })));
        let bad = Replay::from_events(
            vec![reading("M:OUTTMP", t0, 0, 1.0)],
            ReplayOptions::default().speed(-2.0),
        );
        assert!(matches!(bad, Err(ReplayError::Speed(_))));
    }

    #[test]
    fn install_overlays_known_devices_and_adds_new_ones() {
        use crate::answer::{self, Target};
        let t0 = SystemTime::now();
        let mut new = Reading::new(Arc::from("Z:NEWDEV"), Status::OK)
            .with_value(Value::Array(vec![1.0, 2.0, 3.0]))
            .with_timestamp(Some(t0));
        new.meta = Some(Arc::new(DeviceMeta {
            device_index: 4242,
            name: "Z:NEWDEV".into(),
            description: "new".into(),
            units: Some("V".into()),
            format_hint: None,
        }));
        let events = vec![
            reading("G:AMANDA@p,1000", t0, 0, 7.0),
            reading("Z:BROKEN@p,1000", t0, 0, 8.0),
            (t0, Event::Reading(new)),
        ];
        let replay = Replay::from_events(events, ReplayOptions::default()).expect("replay");
        let world = SimWorld::default_table();
        let before = world.len();
        replay.install(&world);
        assert_eq!(world.len(), before + 1, "one device added");
        let now = wall_ms_now();
        let read = |name: &str, drf: &str| {
            let device = world.device(name).expect("present");
            answer::read(
                &device,
                Target::of(&pacsys_drf::Request::parse(drf).expect("drf")),
                now,
            )
        };
        // Known device: metadata kept, reading replaced.
        let amanda = world.device("G:AMANDA").expect("present");
        assert_eq!(amanda.meta().units.as_deref(), Some("mA"));
        assert_eq!(amanda.meta().device_index, 27_235);
        assert_eq!(read("G:AMANDA", "G:AMANDA"), Ok(Value::Scalar(7.0)));
        // Its per-device error is gone: the recording answers.
        assert_eq!(read("Z:BROKEN", "Z:BROKEN"), Ok(Value::Scalar(8.0)));
        // New device: recorded metadata, fields and ranges apply.
        let added = world.device("z:newdev").expect("added");
        assert_eq!(added.meta().device_index, 4242);
        assert_eq!(added.meta().units.as_deref(), Some("V"));
        assert_eq!(read("Z:NEWDEV", "Z:NEWDEV[1]"), Ok(Value::Scalar(2.0)));
        assert_eq!(
            read("Z:NEWDEV", "Z:NEWDEV[0:1]"),
            Ok(Value::Array(vec![1.0, 2.0]))
        );
        assert_eq!(
            read("Z:NEWDEV", "Z:NEWDEV.SETTING"),
            Err(answer::status::NO_SUCH_PROP)
        );
        // Not recorded: simulated as before; unknown stays unknown.
        assert_eq!(read("M:OUTTMP", "M:OUTTMP"), Ok(Value::Scalar(72.5)));
        assert!(world.device("Z:NOSUCH").is_none());
    }
}
