//! The simulated device world every fake serves: one table of devices, shared by the fake DPM
//! server, the fake DAQ server and `FakeBackend`, so one device answers the same over every
//! protocol.
//!
//! A device has fixed metadata (name, index, description, units) and mutable state (its
//! reading signal, its setting, basic status, alarm blocks, an optional per-device error).
//! Writing the setting also fixes the reading to the written value, so "write then read back"
//! behaves like a well-regulated power supply.

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;

/// Devices by upper-case name. FxHash: the keys are our own table's names (a test fake, no
/// untrusted input to defend against), and SipHash was a tenth of a 10,000-device read.
type DeviceTable = IndexMap<String, Arc<SimDevice>, FxBuildHasher>;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use pacsys_types::{AnalogAlarm, BasicStatus, DeviceMeta, DigitalAlarm, Status, Value};

use crate::replay::timeline::Timeline;

/// How a device's reading evolves with time.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Signal {
    /// Always the same value (until a setting changes it).
    Fixed(Value),
    /// `offset + amplitude * sin(2π t / period)`, `t` in milliseconds since the epoch.
    Sine {
        /// Centre value.
        offset: f64,
        /// Peak deviation from the centre.
        amplitude: f64,
        /// Period in milliseconds (values below 1 are treated as 1).
        period_ms: u64,
    },
    /// A sawtooth rising from `low` to `high` once per period.
    Ramp {
        /// Value at the start of each period.
        low: f64,
        /// Value approached at the end of each period.
        high: f64,
        /// Period in milliseconds (values below 1 are treated as 1).
        period_ms: u64,
    },
    /// A recorded timeline ([`Replay`](crate::replay::Replay)): one-shot reads give the
    /// sample current at the time elapsed since the replay was installed; repeating
    /// requests play the timeline from their start (see the [`replay`](crate::replay)
    /// module).
    Replay(Arc<Timeline>),
}

impl Signal {
    /// The value at `now_ms` (milliseconds since the Unix epoch).
    pub fn at(&self, now_ms: i64) -> Value {
        let phase = |period_ms: u64| {
            let period = period_ms.max(1) as i64;
            now_ms.rem_euclid(period) as f64 / period as f64
        };
        match self {
            Signal::Fixed(v) => v.clone(),
            Signal::Sine {
                offset,
                amplitude,
                period_ms,
            } => Value::Scalar(
                offset + amplitude * (std::f64::consts::TAU * phase(*period_ms)).sin(),
            ),
            Signal::Ramp {
                low,
                high,
                period_ms,
            } => Value::Scalar(low + (high - low) * phase(*period_ms)),
            Signal::Replay(timeline) => timeline.value_at_wall_ms(now_ms),
        }
    }

    /// The sample at `now_ms`: [`Signal::at`], except that a replayed timeline whose
    /// current sample is a recorded error gives that status.
    pub fn sample(&self, now_ms: i64) -> Result<Value, Status> {
        match self {
            Signal::Replay(timeline) => timeline.at_wall_ms(now_ms).clone(),
            other => Ok(other.at(now_ms)),
        }
    }
}

/// The mutable part of a simulated device.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceState {
    /// What the READING property returns.
    pub reading: Signal,
    /// What the SETTING property returns; `None` for read-only devices.
    pub setting: Option<Value>,
    /// Lower and upper setting limits (the `.MIN` / `.MAX` fields).
    pub limits: (f64, f64),
    /// Basic status bits, `None` when the device has no STATUS property.
    pub status: Option<BasicStatus>,
    /// Analog alarm block, `None` when the device has no ANALOG property.
    pub analog: Option<AnalogAlarm>,
    /// Digital alarm block, `None` when the device has no DIGITAL property.
    pub digital: Option<DigitalAlarm>,
    /// When set, every request for this device is answered with this status and no data.
    pub error: Option<Status>,
    /// A replayed SETTING timeline: when set, SETTING reads answer from it instead of
    /// `setting` (and repeating SETTING requests play it). A setting write clears it.
    pub setting_replay: Option<Arc<Timeline>>,
}

impl DeviceState {
    /// A read-only device whose reading is `reading`, with no status, alarms or error.
    pub fn new(reading: Signal) -> Self {
        DeviceState {
            reading,
            setting: None,
            limits: (f64::NEG_INFINITY, f64::INFINITY),
            status: None,
            analog: None,
            digital: None,
            error: None,
            setting_replay: None,
        }
    }
}

/// One simulated device: fixed metadata plus state behind a lock.
#[derive(Debug)]
pub struct SimDevice {
    meta: DeviceMeta,
    state: RwLock<DeviceState>,
}

impl SimDevice {
    /// A device with the given metadata and initial state.
    pub fn new(meta: DeviceMeta, state: DeviceState) -> Self {
        SimDevice {
            meta,
            state: RwLock::new(state),
        }
    }

    /// The device's metadata (as a DeviceInfo reply carries it).
    pub fn meta(&self) -> &DeviceMeta {
        &self.meta
    }

    /// Reads the current state. A poisoned lock is recovered: the state is plain data and
    /// every writer leaves it consistent.
    pub fn state(&self) -> RwLockReadGuard<'_, DeviceState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the state.
    pub fn state_mut(&self) -> RwLockWriteGuard<'_, DeviceState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// A shared, cloneable handle on a table of simulated devices.
///
/// ```
/// use pacsys_sim::SimWorld;
/// use pacsys_types::Value;
///
/// let world = SimWorld::default_table();
/// let outtmp = world.device("m:outtmp").expect("in the default table");
/// assert_eq!(outtmp.meta().units.as_deref(), Some("DegF"));
/// assert_eq!(outtmp.state().reading.at(0), Value::Scalar(72.5));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SimWorld {
    /// Keyed by upper-case name, in insertion order: the default table is inserted in name
    /// order, so a client reading `Z:BENCH0000..9999` walks the entries in memory order
    /// (a plain hash map's scattered buckets made each lookup a few cache misses).
    devices: Arc<RwLock<DeviceTable>>,
}

/// The number of `Z:BENCHnnnn` devices in the default table.
pub const BENCH_DEVICES: usize = 10_000;

/// Logged history has one point per this many milliseconds.
pub const LOGGER_PERIOD_MS: i64 = 1_000;

/// The most points one history request returns; longer windows are cut to their most recent
/// points (a real logger would page through them; the fake keeps memory bounded).
pub const LOGGER_MAX_POINTS: usize = 100_000;

impl SimWorld {
    /// An empty world.
    pub fn new() -> Self {
        SimWorld::default()
    }

    /// The default device table, documented in the crate README.
    pub fn default_table() -> Self {
        let world = SimWorld::new();
        for device in default_devices() {
            world.insert(device);
        }
        world
    }

    /// Adds (or replaces) a device; its key is its upper-cased name.
    pub fn insert(&self, device: SimDevice) -> Arc<SimDevice> {
        let device = Arc::new(device);
        let key = device.meta.name.to_ascii_uppercase();
        self.devices
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::clone(&device));
        device
    }

    /// Looks a device up by name, ignoring case. `0:<index>` names look it up by index.
    pub fn device(&self, name: &str) -> Option<Arc<SimDevice>> {
        let devices = self.devices.read().unwrap_or_else(|e| e.into_inner());
        // Names are stored upper-case; most arrive that way, so copy only when needed.
        let key = if name.bytes().any(|b| b.is_ascii_lowercase()) {
            std::borrow::Cow::Owned(name.to_ascii_uppercase())
        } else {
            std::borrow::Cow::Borrowed(name)
        };
        if let Some(found) = devices.get(key.as_ref()) {
            return Some(Arc::clone(found));
        }
        let index: i32 = key.strip_prefix("0:")?.parse().ok()?;
        devices
            .values()
            .find(|d| d.meta.device_index == index)
            .map(Arc::clone)
    }

    /// How many devices the world holds.
    pub fn len(&self) -> usize {
        self.devices.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the world holds no device.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every device, sorted by name.
    pub fn devices(&self) -> Vec<Arc<SimDevice>> {
        let devices = self.devices.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<_> = devices.values().map(Arc::clone).collect();
        all.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
        all
    }

    /// Deterministic logged history of a device's reading in `[start_ms, end_ms]`: one point
    /// every [`LOGGER_PERIOD_MS`] on multiples of it, each the reading signal at that time,
    /// at most [`LOGGER_MAX_POINTS`] (the most recent ones). Times are microseconds since
    /// the epoch.
    pub fn history(&self, device: &SimDevice, start_ms: i64, end_ms: i64) -> Vec<(i64, Value)> {
        if end_ms < start_ms {
            return Vec::new();
        }
        let first = start_ms.div_euclid(LOGGER_PERIOD_MS)
            + i64::from(start_ms.rem_euclid(LOGGER_PERIOD_MS) != 0);
        let last = end_ms.div_euclid(LOGGER_PERIOD_MS);
        if last < first {
            return Vec::new();
        }
        let count = (last - first + 1).min(LOGGER_MAX_POINTS as i64);
        let signal = device.state().reading.clone();
        ((last - count + 1)..=last)
            .map(|slot| {
                let ms = slot * LOGGER_PERIOD_MS;
                (ms.saturating_mul(1_000), signal.at(ms))
            })
            .collect()
    }
}

fn meta(index: i32, name: &str, description: &str, units: Option<&str>) -> DeviceMeta {
    DeviceMeta {
        device_index: index,
        name: name.to_owned(),
        description: description.to_owned(),
        units: units.map(str::to_owned),
        format_hint: None,
    }
}

fn settable(reading: Value, limits: (f64, f64)) -> DeviceState {
    DeviceState {
        setting: Some(reading.clone()),
        limits,
        ..DeviceState::new(Signal::Fixed(reading))
    }
}

const FULL_STATUS: BasicStatus = BasicStatus {
    on: Some(true),
    ready: Some(true),
    remote: Some(true),
    positive: Some(true),
    ramp: Some(false),
};

/// The default table (see the crate README for the same list in prose).
fn default_devices() -> Vec<SimDevice> {
    let mut devices = vec![
        SimDevice::new(
            meta(140_013, "M:OUTTMP", "Outdoor temperature", Some("DegF")),
            DeviceState {
                status: Some(FULL_STATUS),
                analog: Some(AnalogAlarm {
                    minimum: 0.0,
                    maximum: 120.0,
                    alarm_enable: true,
                    alarm_status: false,
                    abort: false,
                    abort_inhibit: true,
                    tries_needed: 1,
                    tries_now: 0,
                }),
                digital: Some(DigitalAlarm {
                    nominal: 0x0003,
                    mask: 0x00ff,
                    alarm_enable: false,
                    alarm_status: false,
                    abort: false,
                    abort_inhibit: true,
                    tries_needed: 2,
                    tries_now: 0,
                }),
                ..settable(Value::Scalar(72.5), (-40.0, 140.0))
            },
        ),
        SimDevice::new(
            meta(27_235, "G:AMANDA", "Simulated scalar for tests", Some("mA")),
            settable(Value::Scalar(42.0), (-1000.0, 1000.0)),
        ),
        SimDevice::new(
            meta(
                250_000,
                "Z:ACLTST",
                "Array test device (element i = i * 0.5)",
                Some("mm"),
            ),
            DeviceState {
                status: Some(FULL_STATUS),
                ..settable(
                    Value::Array((0..100).map(|i| f64::from(i) * 0.5).collect()),
                    (-1.0e6, 1.0e6),
                )
            },
        ),
        SimDevice::new(
            meta(250_001, "Z:TEXTDV", "Text test device", None),
            settable(Value::Text("hello".to_owned()), (0.0, 0.0)),
        ),
        SimDevice::new(
            meta(250_002, "Z:TXTARR", "Text array test device", None),
            settable(
                Value::TextArray(vec!["alpha".into(), "beta".into(), "gamma".into()]),
                (0.0, 0.0),
            ),
        ),
        SimDevice::new(
            meta(250_003, "Z:RAWDEV", "Raw bytes test device", None),
            settable(
                Value::Raw(vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
                (0.0, 0.0),
            ),
        ),
        SimDevice::new(
            meta(250_004, "Z:STSDEV", "Basic status test device", None),
            DeviceState {
                status: Some(BasicStatus {
                    on: Some(false),
                    ready: Some(true),
                    remote: Some(true),
                    positive: None,
                    ramp: None,
                }),
                ..settable(Value::Scalar(0.0), (0.0, 0.0))
            },
        ),
        SimDevice::new(
            meta(
                250_005,
                "Z:SINE",
                "Sine wave: 10 +/- 5, period 10 s",
                Some("V"),
            ),
            DeviceState::new(Signal::Sine {
                offset: 10.0,
                amplitude: 5.0,
                period_ms: 10_000,
            }),
        ),
        SimDevice::new(
            meta(250_006, "Z:RAMP", "Sawtooth 0..100 every 5 s", Some("A")),
            DeviceState::new(Signal::Ramp {
                low: 0.0,
                high: 100.0,
                period_ms: 5_000,
            }),
        ),
        SimDevice::new(
            meta(
                250_007,
                "Z:LATIN1",
                "Latin-1 text: 25\u{b0}C \u{b5}s",
                Some("\u{b0}C"),
            ),
            settable(Value::Scalar(25.0), (-273.15, 1000.0)),
        ),
        SimDevice::new(
            meta(250_008, "Z:BROKEN", "Always answers DIO_NO_DATA", Some("V")),
            DeviceState {
                error: Some(Status::new(14, -82)),
                ..DeviceState::new(Signal::Fixed(Value::Scalar(0.0)))
            },
        ),
        SimDevice::new(
            meta(
                250_009,
                "Z:BIGARR",
                "Array of 40,000 doubles (too big for one frame)",
                None,
            ),
            DeviceState::new(Signal::Fixed(Value::Array(
                (0..40_000).map(f64::from).collect(),
            ))),
        ),
    ];
    devices.reserve(BENCH_DEVICES);
    for n in 0..BENCH_DEVICES {
        let name = format!("Z:BENCH{n:04}");
        devices.push(SimDevice::new(
            meta(
                300_000 + n as i32,
                &name,
                "Benchmark scalar (value = its number)",
                Some("cnt"),
            ),
            settable(Value::Scalar(n as f64), (0.0, 1.0e9)),
        ));
    }
    devices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_has_the_documented_devices() {
        let world = SimWorld::default_table();
        assert_eq!(world.len(), 12 + BENCH_DEVICES);
        let at = |name: &str| world.device(name).map(|d| d.state().reading.at(0));
        assert_eq!(at("M:OUTTMP"), Some(Value::Scalar(72.5)));
        assert_eq!(at("G:AMANDA"), Some(Value::Scalar(42.0)));
        assert_eq!(at("Z:TEXTDV"), Some(Value::Text("hello".into())));
        assert_eq!(at("z:bench0042"), Some(Value::Scalar(42.0)));
        assert_eq!(at("Z:BENCH9999"), Some(Value::Scalar(9999.0)));
        let Some(Value::Array(acl)) = at("Z:ACLTST") else {
            panic!("Z:ACLTST is an array")
        };
        assert_eq!(acl.len(), 100);
        assert_eq!(acl[7], 3.5);
        assert!(world.device("Z:NOSUCH").is_none());
    }

    #[test]
    fn devices_are_found_by_index() {
        let world = SimWorld::default_table();
        let d = world.device("0:140013").expect("M:OUTTMP by index");
        assert_eq!(d.meta().name, "M:OUTTMP");
        assert!(world.device("0:not-a-number").is_none());
    }

    #[test]
    fn signals_move_with_time() {
        let sine = Signal::Sine {
            offset: 10.0,
            amplitude: 5.0,
            period_ms: 10_000,
        };
        assert_eq!(sine.at(0), Value::Scalar(10.0));
        let Value::Scalar(quarter) = sine.at(2_500) else {
            panic!("scalar")
        };
        assert!((quarter - 15.0).abs() < 1e-9);
        let ramp = Signal::Ramp {
            low: 0.0,
            high: 100.0,
            period_ms: 0,
        };
        assert_eq!(ramp.at(-7), Value::Scalar(0.0), "zero period is clamped");
    }

    #[test]
    fn history_is_deterministic_and_bounded() {
        let world = SimWorld::default_table();
        let d = world.device("Z:SINE").expect("present");
        let h = world.history(&d, 1_500, 5_000);
        let times: Vec<i64> = h.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, vec![2_000_000, 3_000_000, 4_000_000, 5_000_000]);
        assert_eq!(h, world.history(&d, 1_500, 5_000));
        assert!(world.history(&d, 5_000, 1_000).is_empty());
        assert!(world.history(&d, 1_001, 1_999).is_empty());
        let long = world.history(&d, 0, i64::MAX / 2);
        assert_eq!(long.len(), LOGGER_MAX_POINTS);
    }

    #[test]
    fn settings_change_state() {
        let world = SimWorld::default_table();
        let d = world.device("G:AMANDA").expect("present");
        {
            let mut s = d.state_mut();
            s.setting = Some(Value::Scalar(7.0));
            s.reading = Signal::Fixed(Value::Scalar(7.0));
        }
        let again = world.device("g:amanda").expect("present");
        assert_eq!(again.state().reading.at(0), Value::Scalar(7.0));
    }
}
