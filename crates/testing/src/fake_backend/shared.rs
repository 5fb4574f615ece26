//! The state every [`FakeBackend`](super::FakeBackend) handle shares, and how it answers
//! reads and takes settings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys::subscription::Registry;
use pacsys::{Error, Transport, WriteResult};
use pacsys_drf::{Event as DrfEvent, ExtraKind, Field, Property, Request};
use pacsys_types::plan::{ReadPlan, WritePlan, WriteValue};
use pacsys_types::{DeviceMeta, Event, Reading, Status, TimedArray, Value};

use pacsys_sim::answer::{self, Logged, SettingData, Target};
use pacsys_sim::world::{DeviceState, Signal, SimDevice, SimWorld};

use super::key::{Matcher, base_key};
use super::stream::{self, Entry};

/// Statuses the fake answers with beyond [`answer::status`](pacsys_sim::answer::status), as the
/// fake DPM server does.
mod codes {
    use pacsys_types::Status;
    /// A state event (not simulated).
    pub const NOT_YET: Status = Status::new(17, -48);
    /// An unsupported data source or bad logger parameters.
    pub const INVALID_DATASOURCE: Status = Status::new(17, -42);
    /// An empty logger window.
    pub const DAE_NO_DATA: Status = Status::new(66, -64);
}

/// What a test presets for a read key.
#[derive(Debug, Clone)]
pub(super) enum Preset {
    /// A value, stamped with the time of each read.
    Value {
        value: Value,
        meta: Option<Arc<DeviceMeta>>,
    },
    /// A whole reading, returned as given (with the caller's DRF).
    Reading(Reading),
    /// A device error status (an [`ErrorKind::Device`](pacsys::ErrorKind::Device) error
    /// with the caller's DRF).
    Status(Status),
    /// Any error, returned verbatim.
    Failure(Error),
}

/// What a test presets for a write key.
#[derive(Debug, Clone)]
pub(super) enum WritePreset {
    Status(Status),
    Failure(Error),
}

/// Overrides and history, behind one lock.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) presets: HashMap<String, Preset>,
    pub(super) write_presets: HashMap<String, WritePreset>,
    pub(super) reads: Vec<String>,
    pub(super) writes: Vec<(String, Value)>,
}

/// Live subscriptions, behind their own lock.
#[derive(Debug, Default)]
pub(super) struct Subs {
    pub(super) next_id: u64,
    pub(super) live: Vec<Entry>,
}

/// Everything the handles share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(super) world: SimWorld,
    pub(super) timeout: Duration,
    pub(super) buffer: usize,
    pub(super) principal: Option<String>,
    /// The role settings are made with (reported in refusals).
    pub(super) role: Option<String>,
    /// Accept a whole-value setting of an unknown device (and read it back).
    pub(super) learn_on_write: bool,
    pub(super) state: Mutex<State>,
    pub(super) subs: Mutex<Subs>,
    pub(super) registry: Registry,
    /// Woken whenever a subscription starts.
    pub(super) started: tokio::sync::Notify,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// An error of this backend (its transport is [`Transport::InMemory`]).
pub(super) fn in_memory(e: Error) -> Error {
    e.or_transport(Transport::InMemory)
}

fn device_error(drf: &str, status: Status) -> Error {
    in_memory(Error::device(drf, status))
}

/// The setting data of a value [`WritePlan`] accepted (as the DPM core sends it).
fn setting_data(drf: &str, value: &WriteValue) -> Result<SettingData, Error> {
    Ok(match value {
        WriteValue::Value(Value::Scalar(x)) => SettingData::Scaled(vec![*x]),
        WriteValue::Value(Value::Array(xs)) => SettingData::Scaled(xs.clone()),
        WriteValue::Value(Value::Raw(b)) => SettingData::Raw(b.clone()),
        WriteValue::Value(Value::Text(s)) => SettingData::Text(vec![s.clone()]),
        WriteValue::Value(Value::TextArray(s)) => SettingData::Text(s.clone()),
        WriteValue::Control(c) => SettingData::Scaled(vec![f64::from(c.ordinal())]),
        // WritePlan refuses every other kind first; kept so a new kind is refused, not
        // faked.
        WriteValue::Value(other) => {
            return Err(in_memory(Error::unsupported(
                drf,
                format!("a {} value cannot be written", other.kind_name()),
            )));
        }
    })
}

/// The metadata a reading of `target` carries: units only for scaled READING/SETTING data
/// (as the fake DPM server's DeviceInfo).
fn reading_meta(device: &SimDevice, target: Target) -> Arc<DeviceMeta> {
    let mut meta = device.meta().clone();
    let scaled = matches!(target.property, Property::Reading | Property::Setting)
        && target.field != Some(Field::Raw);
    if !scaled {
        meta.units = None;
    }
    Arc::new(meta)
}

impl Shared {
    pub(super) fn is_closed(&self) -> bool {
        self.registry.is_closed()
    }

    /// The preset for `request`'s key, if any.
    fn preset(&self, request: &Request) -> Option<Preset> {
        lock(&self.state).presets.get(&base_key(request)).cloned()
    }

    /// One sample of a parsed request: the preset if there is one, else the world. No
    /// history is recorded.
    pub(crate) fn sample(&self, drf: &Arc<str>, request: &Request) -> Result<Reading, Error> {
        let now = SystemTime::now();
        if let Some(preset) = self.preset(request) {
            let (mut reading, stamp) = match preset {
                Preset::Status(status) => return Err(device_error(drf, status)),
                Preset::Failure(e) => return Err(e),
                Preset::Value { value, meta } => (
                    Reading::new(Arc::clone(drf), Status::OK)
                        .with_value(value)
                        .with_meta(meta),
                    true,
                ),
                Preset::Reading(r) => (r, false),
            };
            reading.drf = Arc::clone(drf);
            if stamp {
                reading.timestamp = Some(now);
            }
            if let Some(range) = request.range()
                && let Some(value) = reading.value.take()
            {
                reading.value =
                    Some(answer::apply_range(value, range).map_err(|s| device_error(drf, s))?);
            }
            return Ok(reading);
        }
        self.world_answer(drf, request, now)
            .map_err(|status| device_error(drf, status))
    }

    /// What the fake DPM server answers for `request`.
    fn world_answer(
        &self,
        drf: &Arc<str>,
        request: &Request,
        now: SystemTime,
    ) -> Result<Reading, Status> {
        let device = request
            .is_acnet()
            .then(|| self.world.device(request.device()))
            .flatten()
            .ok_or(answer::status::NO_SUCH_DEVICE)?;
        let target = Target::of(request);
        let wall = now_ms(now);
        let (value, at) = match request.extra().map(|e| e.kind()) {
            Some(ExtraKind::Logger | ExtraKind::LoggerDuration | ExtraKind::LoggerSingle) => {
                self.history(&device, request, target, wall)?
            }
            Some(ExtraKind::Ftp | ExtraKind::Livedata) | None => {
                if matches!(request.event(), DrfEvent::State(_)) {
                    return Err(codes::NOT_YET);
                }
                (answer::read(&device, target, wall)?, now)
            }
            Some(_) => return Err(codes::INVALID_DATASOURCE),
        };
        Ok(Reading::new(Arc::clone(drf), Status::OK)
            .with_value(value)
            .with_timestamp(Some(at))
            .with_cycle(Some(wall / 66))
            .with_meta(Some(reading_meta(&device, target))))
    }

    /// A logger request, as the fake DPM server and the DPM core answer it together: the
    /// history as one timed array (array devices: every element with its record's time),
    /// or the single logged value at a time.
    fn history(
        &self,
        device: &SimDevice,
        request: &Request,
        target: Target,
        wall: i64,
    ) -> Result<(Value, SystemTime), Status> {
        let points = match answer::logged(&self.world, device, request, target, wall)? {
            Logged::Single { value, at_ms } => {
                let time = pacsys_types::reading::time_from_millis(at_ms).unwrap_or(UNIX_EPOCH);
                return Ok((value, time));
            }
            Logged::Points(points) => points,
        };
        if points.is_empty() {
            return Err(codes::DAE_NO_DATA);
        }
        let mut timed = TimedArray {
            data: Vec::new(),
            micros: Vec::new(),
        };
        for (micros, value) in points {
            match value {
                Value::Array(xs) => {
                    timed.micros.extend(std::iter::repeat_n(micros, xs.len()));
                    timed.data.extend(xs);
                }
                other => {
                    timed.data.push(other.as_f64().unwrap_or(f64::NAN));
                    timed.micros.push(micros);
                }
            }
        }
        Ok((Value::TimedArray(timed), SystemTime::now()))
    }

    /// One one-shot read, recorded. Planned as every backend plans it ([`ReadPlan`]): a DRF
    /// that does not parse and a one-shot read with the never event `@N` are refused.
    pub(super) fn read_one(&self, drf: &str) -> Result<Reading, Error> {
        lock(&self.state).reads.push(drf.to_owned());
        let plan = ReadPlan::new(drf).map_err(in_memory)?;
        self.sample(plan.drf_arc(), plan.request())
    }

    /// One setting, recorded. Checked against the one writability table ([`WritePlan`]),
    /// as both cores check it; a setting the world (or a preset) refuses is an
    /// [`ErrorKind::SettingRejected`](pacsys::ErrorKind::SettingRejected) error with this
    /// backend's role.
    pub(super) fn write_one(&self, drf: &str, value: &Value) -> Result<WriteResult, Error> {
        lock(&self.state)
            .writes
            .push((drf.to_owned(), value.clone()));
        let plan = WritePlan::new(drf, value.clone()).map_err(in_memory)?;
        let data = setting_data(drf, plan.value())?;
        let request =
            Request::parse(plan.wire()).map_err(|e| in_memory(Error::invalid_drf(drf, e)))?;
        let key = base_key(&request);
        let preset = lock(&self.state).write_presets.get(&key).cloned();
        let rejected = |s: Status| in_memory(Error::setting_rejected(drf, s, self.role.as_deref()));
        let status = match preset {
            Some(WritePreset::Failure(e)) => return Err(e),
            Some(WritePreset::Status(s)) if s.is_error() => return Err(rejected(s)),
            Some(WritePreset::Status(s)) => s,
            None => Status::OK,
        };
        self.apply(&request, &data, value).map_err(|s| {
            // An unknown device is a device error (DPM fails it before the setting), any
            // other refusal the setting's.
            if s == answer::status::NO_SUCH_DEVICE {
                device_error(drf, s)
            } else {
                rejected(s)
            }
        })?;
        Ok(WriteResult::new(drf, status))
    }

    /// Applies a setting to the world, or to the preset value of a device the world lacks.
    fn apply(&self, request: &Request, data: &SettingData, written: &Value) -> Result<(), Status> {
        let target = Target::of(request);
        let data_write = matches!(target.property, Property::Setting | Property::Reading);
        let keys = [
            format!("{}.SETTING", request.device()),
            format!("{}.READING", request.device()),
        ];
        let world = request
            .is_acnet()
            .then(|| self.world.device(request.device()))
            .flatten();
        if let Some(device) = world {
            answer::write(&device, target, data)?;
            if data_write {
                // The world now reads the setting back: presets must not hide it.
                let mut state = lock(&self.state);
                for key in &keys {
                    state.presets.remove(key);
                }
            }
            return Ok(());
        }
        // A device only presets know: write into the preset value.
        if !data_write {
            return Err(answer::status::NO_SUCH_DEVICE);
        }
        let mut state = lock(&self.state);
        let current = keys.iter().find_map(|k| match state.presets.get(k) {
            Some(Preset::Value { value, meta }) => Some((value.clone(), meta.clone())),
            Some(Preset::Reading(r)) => r.value.clone().map(|v| (v, r.meta.clone())),
            _ => None,
        });
        let (current, meta) = match current {
            Some(known) => known,
            None if self.learn_on_write
                && request.range().is_none()
                && target.property == Property::Setting =>
            {
                // A device the test never preset: the setting becomes what it reads.
                let meta = Arc::new(DeviceMeta {
                    device_index: 0,
                    name: request.device().to_owned(),
                    description: format!("Test device {}", request.device()),
                    units: None,
                    format_hint: None,
                });
                for key in keys {
                    state.presets.insert(
                        key,
                        Preset::Value {
                            value: written.clone(),
                            meta: Some(Arc::clone(&meta)),
                        },
                    );
                }
                return Ok(());
            }
            None => return Err(answer::status::NO_SUCH_DEVICE),
        };
        let scratch = SimDevice::new(
            DeviceMeta {
                device_index: 0,
                name: request.device().to_owned(),
                description: String::new(),
                units: None,
                format_hint: None,
            },
            DeviceState {
                setting: Some(current.clone()),
                ..DeviceState::new(Signal::Fixed(current))
            },
        );
        answer::write(&scratch, target, data)?;
        let next = scratch.state().setting.clone();
        if let Some(value) = next {
            for key in keys {
                state.presets.insert(
                    key,
                    Preset::Value {
                        value: value.clone(),
                        meta: meta.clone(),
                    },
                );
            }
        }
        Ok(())
    }

    pub(crate) fn remove_subscription(&self, id: u64) {
        let mut subs = lock(&self.subs);
        if let Some(pos) = subs.live.iter().position(|e| e.id == id) {
            let entry = subs.live.swap_remove(pos);
            entry.end();
        }
    }

    /// Ends every live subscription with `error` as its end reason.
    pub(super) fn fail_subscriptions(&self, error: &pacsys::Error) -> usize {
        let ended = std::mem::take(&mut lock(&self.subs).live);
        for entry in &ended {
            entry.end.set(error.clone());
            entry.finish(false);
        }
        ended.len()
    }

    /// Ends every live subscription.
    pub(super) fn end_subscriptions(&self) {
        let ended = std::mem::take(&mut lock(&self.subs).live);
        for entry in &ended {
            entry.end();
        }
    }

    /// Delivers `event` to every live subscribed DRF `drf` selects.
    pub(super) fn deliver(&self, drf: &str, event: &Event) -> usize {
        let wanted = Matcher::of_text(drf);
        let subs = lock(&self.subs);
        let mut delivered = 0;
        for entry in &subs.live {
            let mut events: Vec<Event> = entry
                .drfs
                .iter()
                .filter(|s| wanted.selects(&s.matcher))
                .map(|s| stream::addressed(event, s))
                .collect();
            delivered += events.len();
            entry.push(&mut events);
        }
        delivered
    }

    pub(super) fn is_subscribed(&self, wanted: &Matcher) -> bool {
        lock(&self.subs)
            .live
            .iter()
            .any(|e| e.drfs.iter().any(|s| wanted.selects(&s.matcher)))
    }
}

impl Drop for Shared {
    /// The last handle is gone: nothing can emit or sample any more, so end the streams
    /// rather than leave them pending forever.
    fn drop(&mut self) {
        let live = std::mem::take(&mut self.subs.get_mut().unwrap_or_else(|e| e.into_inner()).live);
        for entry in &live {
            entry.end();
        }
    }
}
