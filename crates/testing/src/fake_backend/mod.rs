//! [`FakeBackend`]: the client's [`pacsys::Backend`] entirely in memory, over the same
//! simulated device world ([`SimWorld`]) the fake servers serve.
//!
//! Code written against `B: pacsys::Backend` can be tested with it without sockets: reads
//! answer from the world exactly as the fake DPM server does (same values, same statuses),
//! settings change the world, and tests can
//!
//! * override what a DRF reads ([`FakeBackend::set_reading`], [`FakeBackend::set_error`])
//!   and what a setting returns ([`FakeBackend::set_write_result`]);
//! * check what the code under test did ([`FakeBackend::reads`], [`FakeBackend::writes`],
//!   [`FakeBackend::was_read`], [`FakeBackend::written_value`]);
//! * drive subscriptions ([`FakeBackend::emit_reading`], [`FakeBackend::emit`],
//!   [`FakeBackend::wait_for_subscription`]); periodic events (`@p,N`, `@q,N`) also stream
//!   the world's values by themselves.
//!
//! DRFs are compared by a normalised key ([`drf_key`], [`write_key`]): `m:outtmp`,
//! `M:OUTTMP.READING@I` and `M:OUTTMP[0:3]@p,1000` all name `M:OUTTMP.READING`.
//!
//! ```
//! use pacsys::{Backend, Status, Value};
//! use pacsys_testing::FakeBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), pacsys::Error> {
//! let fake = FakeBackend::new();
//! assert_eq!(fake.read("M:OUTTMP", None).await?, Value::Scalar(72.5)); // the world
//! fake.set_reading("M:OUTTMP", Value::Scalar(80.0));
//! assert_eq!(fake.read("m:outtmp@I", None).await?, Value::Scalar(80.0)); // the override
//! fake.set_error("G:AMANDA", Status::new(14, -82));
//! assert!(fake.read("G:AMANDA", None).await.is_err());
//! assert!(fake.was_read("M:OUTTMP.READING"));
//! assert_eq!(fake.reads(), ["M:OUTTMP", "m:outtmp@I", "G:AMANDA"]);
//! # Ok(()) }
//! ```

mod key;
mod shared;
mod stream;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use pacsys::subscription::Registry;
use pacsys::{Backend, Capabilities, Error, Subscription, Transport, WriteResult};
use pacsys_drf::{Event as DrfEvent, Request};
use pacsys_types::plan::ReadPlan;
use pacsys_types::{DeviceMeta, DropPolicy, Event, EventQueue, Reading, Status, Value};

use pacsys_sim::world::SimWorld;

use key::Matcher;
pub use key::{drf_key, write_key};
use shared::{Preset, Shared, State, Subs, WritePreset, in_memory, lock};
use stream::{Entry, Every, Feed, SubDrf, SubStream};

/// The default total timeout [`FakeBackend`] reports (it never waits, so it is never hit).
///
/// ```
/// use pacsys::Backend;
/// use pacsys_testing::fake_backend::DEFAULT_TIMEOUT;
///
/// assert_eq!(pacsys_testing::FakeBackend::new().timeout(), DEFAULT_TIMEOUT);
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The default number of undelivered readings one subscription buffers before it drops the
/// oldest (counted, and marked in the stream with [`Event::Dropped`]).
///
/// ```
/// assert_eq!(pacsys_testing::fake_backend::DEFAULT_BUFFER, 10_000);
/// ```
pub const DEFAULT_BUFFER: usize = 10_000;

/// The principal [`FakeBackend`] reports by default.
///
/// ```
/// use pacsys::Backend;
/// use pacsys_testing::fake_backend::DEFAULT_PRINCIPAL;
///
/// let fake = pacsys_testing::FakeBackend::new();
/// assert_eq!(fake.principal().unwrap().as_deref(), Some(DEFAULT_PRINCIPAL));
/// ```
pub const DEFAULT_PRINCIPAL: &str = "test-user@FNAL.GOV";

/// Configures a [`FakeBackend`].
///
/// ```
/// use std::time::Duration;
/// use pacsys::Backend;
/// use pacsys_sim::SimWorld;
/// use pacsys_testing::FakeBackend;
///
/// let fake = FakeBackend::builder()
///     .world(SimWorld::new())
///     .timeout(Duration::from_secs(1))
///     .buffer(100)
///     .principal(None)
///     .role(Some("testing".into()))
///     .build();
/// assert_eq!(fake.timeout(), Duration::from_secs(1));
/// assert_eq!(fake.principal().unwrap(), None);
/// ```
#[derive(Debug, Clone)]
pub struct FakeBackendBuilder {
    world: Option<SimWorld>,
    timeout: Duration,
    buffer: usize,
    principal: Option<String>,
    role: Option<String>,
    learn_on_write: bool,
}

impl Default for FakeBackendBuilder {
    fn default() -> Self {
        FakeBackendBuilder {
            world: None,
            timeout: DEFAULT_TIMEOUT,
            buffer: DEFAULT_BUFFER,
            principal: Some(DEFAULT_PRINCIPAL.to_owned()),
            learn_on_write: false,
            role: None,
        }
    }
}

impl FakeBackendBuilder {
    /// The device world (default: [`SimWorld::default_table`]). The world is shared: a
    /// clone of the same `SimWorld` given to a fake server sees the same devices.
    ///
    /// ```
    /// use pacsys_sim::SimWorld;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let world = SimWorld::new();
    /// let fake = FakeBackend::builder().world(world.clone()).build();
    /// assert!(fake.world().is_empty());
    /// ```
    pub fn world(mut self, world: SimWorld) -> Self {
        self.world = Some(world);
        self
    }

    /// What [`Backend::timeout`] reports (default 5 s). The fake answers at once, so no call
    /// ever times out.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::Backend;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let fake = FakeBackend::builder().timeout(Duration::from_millis(250)).build();
    /// assert_eq!(fake.timeout(), Duration::from_millis(250));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many undelivered readings one subscription buffers (default 10,000, at least 1);
    /// beyond that the oldest is dropped, counted in
    /// [`Subscription::dropped`](pacsys::Subscription::dropped) and marked in the stream.
    ///
    /// ```
    /// use pacsys_testing::FakeBackend;
    ///
    /// let fake = FakeBackend::builder().buffer(1).build();
    /// # let _ = fake;
    /// ```
    pub fn buffer(mut self, readings: usize) -> Self {
        self.buffer = readings.max(1);
        self
    }

    /// What [`Backend::principal`] reports (default `Some("test-user@FNAL.GOV")`).
    ///
    /// ```
    /// use pacsys::Backend;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let fake = FakeBackend::builder().principal(Some("alice@FNAL.GOV".into())).build();
    /// assert_eq!(fake.principal().unwrap().as_deref(), Some("alice@FNAL.GOV"));
    /// ```
    pub fn principal(mut self, principal: Option<String>) -> Self {
        self.principal = principal;
        self
    }

    /// The role settings are made with (default none), as a DPM backend's `role`: a
    /// refused setting reports it ([`pacsys::Error::role`]).
    ///
    /// ```
    /// use pacsys::{Backend, ErrorKind, Status, Value};
    /// use pacsys_testing::FakeBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = FakeBackend::builder().role(Some("testing".into())).build();
    /// fake.set_write_result("G:AMANDA", Status::DPM_PRIV);
    /// let e = fake.write("G:AMANDA", Value::Scalar(1.0), None).await.unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::SettingRejected);
    /// assert_eq!(e.role(), Some("testing"));
    /// # }
    /// ```
    pub fn role(mut self, role: Option<String>) -> Self {
        self.role = role;
        self
    }

    /// Whether a whole-value setting of a device neither the world nor a preset knows is
    /// accepted, and then read back (pacsys's `FakeBackend`), instead of failing with
    /// `DPM_NO_SUCH_DEVICE` (the default, as a real server). A ranged setting of such a
    /// device still fails: there is no whole value to write into.
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::builder()
    ///     .world(pacsys_sim::SimWorld::new())
    ///     .learn_on_write(true)
    ///     .build();
    /// fake.write("G:NEW", Value::Scalar(5.0), None).await.unwrap();
    /// assert_eq!(fake.read("G:NEW.SETTING", None).await, Ok(Value::Scalar(5.0)));
    /// assert_eq!(fake.read("G:NEW", None).await, Ok(Value::Scalar(5.0)));
    /// assert!(fake.write("G:OTHER[1]", Value::Scalar(1.0), None).await.is_err());
    /// # }
    /// ```
    pub fn learn_on_write(mut self, learn: bool) -> Self {
        self.learn_on_write = learn;
        self
    }

    /// Builds the backend.
    ///
    /// ```
    /// let fake = pacsys_testing::FakeBackend::builder().build();
    /// assert_eq!(fake.subscription_count(), 0);
    /// ```
    pub fn build(self) -> FakeBackend {
        FakeBackend {
            shared: Arc::new(Shared {
                world: self.world.unwrap_or_else(SimWorld::default_table),
                timeout: self.timeout,
                buffer: self.buffer,
                principal: self.principal,
                role: self.role,
                learn_on_write: self.learn_on_write,
                state: Mutex::new(State::default()),
                subs: Mutex::new(Subs::default()),
                registry: Registry::new(),
                started: tokio::sync::Notify::new(),
            }),
        }
    }
}

/// The client's [`Backend`] in memory, over a [`SimWorld`]: see the [module
/// documentation](self).
///
/// A cheap handle: clones share the same world, overrides, history and subscriptions, so a
/// test can keep one while the code under test owns another. Dropping the last handle ends
/// its subscriptions. Periodic subscriptions and [`FakeBackend::wait_for_subscription`] need
/// a tokio runtime with its timer (as every async test has); everything else is plain
/// memory.
///
/// Reads (`get_many`, `get`, `read`) are planned as the cores plan them
/// ([`ReadPlan`]: a DRF that does not parse is [`ErrorKind::InvalidRequest`], a one-shot
/// `@N` read [`ErrorKind::Unsupported`]) and answer as the fake DPM server does: one-shot,
/// whatever the event (a state event DPM_NOT_YET as a device error), an unknown device
/// DPM_NO_SUCH_DEVICE, each in its own slot; logger sources (`<-LOGGER:start:end`,
/// `<-LOGGERDURATION:ms`) give the world's history as a [`Value::TimedArray`]. Presets
/// ([`FakeBackend::set_reading`], ...) win over the world. Timeouts are ignored: nothing
/// waits. Errors the fake makes carry [`Transport::InMemory`].
///
/// Settings are checked against the one writability table the cores use
/// ([`WritePlan`](pacsys_types::plan::WritePlan): a DESCRIPTION write is
/// [`ErrorKind::ReadOnly`], a basic-status value [`ErrorKind::Unsupported`]), retargeted as
/// the real backends do (READING becomes SETTING, STATUS becomes CONTROL) and applied to the
/// world; the result carries the caller's DRF. A whole alarm block is written as its
/// fields, one after the other ([`pacsys::write_with_alarm_blocks`]), and recorded as those
/// field settings. A setting the world refuses (out of range, a
/// read-only device) is [`ErrorKind::SettingRejected`] with the status and the
/// [role](FakeBackendBuilder::role).
///
/// [`ErrorKind::InvalidRequest`]: pacsys::ErrorKind::InvalidRequest
/// [`ErrorKind::Unsupported`]: pacsys::ErrorKind::Unsupported
/// [`ErrorKind::ReadOnly`]: pacsys::ErrorKind::ReadOnly
/// [`ErrorKind::SettingRejected`]: pacsys::ErrorKind::SettingRejected
///
/// ```
/// use pacsys::{Backend, Value};
/// use pacsys_testing::FakeBackend;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pacsys::Error> {
/// let fake = FakeBackend::new();
/// let handle = fake.clone();
/// let result = fake.write("G:AMANDA", Value::Scalar(12.5), None).await?;
/// assert_eq!(result.drf, "G:AMANDA");
/// assert_eq!(handle.read("G:AMANDA.SETTING", None).await?, Value::Scalar(12.5));
/// assert_eq!(handle.written_value("G_AMANDA"), Some(Value::Scalar(12.5)));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FakeBackend {
    shared: Arc<Shared>,
}

impl Default for FakeBackend {
    fn default() -> Self {
        FakeBackend::new()
    }
}

impl FakeBackend {
    /// A fake over the default device table ([`SimWorld::default_table`]).
    ///
    /// ```
    /// use pacsys::{Backend, Capabilities};
    ///
    /// let fake = pacsys_testing::FakeBackend::new();
    /// assert!(fake.capabilities().contains(Capabilities::READ | Capabilities::WRITE));
    /// ```
    pub fn new() -> FakeBackend {
        FakeBackend::builder().build()
    }

    /// A fake over `world`.
    ///
    /// ```
    /// use pacsys_sim::SimWorld;
    /// use pacsys_testing::FakeBackend;
    ///
    /// let world = SimWorld::default_table();
    /// let fake = FakeBackend::with_world(world.clone());
    /// assert_eq!(fake.world().len(), world.len());
    /// ```
    pub fn with_world(world: SimWorld) -> FakeBackend {
        FakeBackend::builder().world(world).build()
    }

    /// A fake over an empty world: only presets answer.
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    /// use pacsys_testing::FakeBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = FakeBackend::empty();
    /// assert!(fake.read("M:OUTTMP", None).await.is_err());
    /// fake.set_reading("M:OUTTMP", Value::Scalar(1.0));
    /// assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(1.0)));
    /// # }
    /// ```
    pub fn empty() -> FakeBackend {
        FakeBackend::with_world(SimWorld::new())
    }

    /// A builder (world, timeout, subscription buffer, principal).
    ///
    /// ```
    /// let fake = pacsys_testing::FakeBackend::builder().buffer(16).build();
    /// # let _ = fake;
    /// ```
    pub fn builder() -> FakeBackendBuilder {
        FakeBackendBuilder::default()
    }

    /// The device world this fake answers from (shared: changes are seen at once).
    ///
    /// ```
    /// use pacsys::{Backend, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let device = fake.world().device("G:AMANDA").unwrap();
    /// device.state_mut().error = Some(Status::new(14, -82));
    /// assert_eq!(fake.read("G:AMANDA", None).await.unwrap_err().status(), Some(Status::new(14, -82)));
    /// # }
    /// ```
    pub fn world(&self) -> &SimWorld {
        &self.shared.world
    }

    /// Presets what `drf` reads: `value`, stamped with the time of each read, with the
    /// world's metadata for the device (or `Test device <name>`, index 0, no units, for a
    /// device the world lacks). Keyed by [`drf_key`]: the event and range of `drf` are
    /// ignored, and a read with a range gets that range of `value`. Replaces an error preset
    /// for the same key. Periodic subscriptions stream it too.
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// fake.set_reading("Z:MYARR", Value::Array(vec![1.0, 2.0, 3.0]));
    /// assert_eq!(fake.read("Z:MYARR[1:2]", None).await, Ok(Value::Array(vec![2.0, 3.0])));
    /// let r = fake.get("z:myarr@p,1000", None).await.unwrap();
    /// assert_eq!(r.meta.unwrap().description, "Test device Z:MYARR");
    /// # }
    /// ```
    pub fn set_reading(&self, drf: &str, value: Value) {
        let meta = self.default_meta(drf);
        self.preset(
            drf,
            Preset::Value {
                value,
                meta: Some(meta),
            },
        );
    }

    /// Presets the whole reading `drf` returns: value (or none), status (a warning, say),
    /// timestamp, cycle and metadata exactly as given; only its DRF becomes the caller's
    /// and a read's range is applied to its value. Keyed like [`FakeBackend::set_reading`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::{Backend, Reading, Status, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let warning = Reading::new(Arc::from("M:OUTTMP"), Status::new(17, 1))
    ///     .with_value(Value::Scalar(70.0));
    /// fake.set_full_reading("M:OUTTMP", warning);
    /// let r = fake.get("M:OUTTMP@I", None).await.unwrap();
    /// assert!(r.is_warning() && r.ok());
    /// assert_eq!(&*r.drf, "M:OUTTMP@I");
    /// # }
    /// ```
    pub fn set_full_reading(&self, drf: &str, reading: Reading) {
        self.preset(drf, Preset::Reading(reading));
    }

    /// Presets a device error: reads of `drf` give an
    /// [`ErrorKind::Device`](pacsys::ErrorKind::Device) error with `status` (the same status
    /// from `get` and `read`), and periodic subscriptions an [`Event::Error`]. Replaces a
    /// reading preset for the same key.
    ///
    /// ```
    /// use pacsys::{Backend, Error, Status, Transport};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// fake.set_error("M:OUTTMP", Status::new(14, -82));
    /// let e = fake.get("M:OUTTMP", None).await.unwrap_err();
    /// let want = Error::device("M:OUTTMP", Status::new(14, -82)).with_transport(Transport::InMemory);
    /// assert_eq!(e, want);
    /// # }
    /// ```
    pub fn set_error(&self, drf: &str, status: Status) {
        self.preset(drf, Preset::Status(status));
    }

    /// Presets any failure for reads of `drf` (a timeout, a lost connection), returned
    /// verbatim.
    ///
    /// ```
    /// use pacsys::{Backend, Error};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// fake.set_read_failure("M:OUTTMP", Error::timeout("reading M:OUTTMP"));
    /// assert!(fake.read("M:OUTTMP", None).await.unwrap_err().is_retryable());
    /// # }
    /// ```
    pub fn set_read_failure(&self, drf: &str, error: Error) {
        self.preset(drf, Preset::Failure(error));
    }

    /// Removes the read preset of `drf`'s key, so the world answers again. Returns whether
    /// there was one.
    ///
    /// ```
    /// use pacsys::{Backend, Status, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// fake.set_error("M:OUTTMP", Status::new(14, -82));
    /// assert!(fake.clear_preset("m:outtmp@I"));
    /// assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(72.5)));
    /// # }
    /// ```
    pub fn clear_preset(&self, drf: &str) -> bool {
        lock(&self.shared.state)
            .presets
            .remove(&drf_key(drf))
            .is_some()
    }

    /// Presets the outcome of settings of `drf`, keyed by [`write_key`] (so `M:OUTTMP`,
    /// `M:OUTTMP.SETTING` and `M_OUTTMP` are one key). An error status (negative error code)
    /// refuses them with an [`ErrorKind::SettingRejected`](pacsys::ErrorKind::SettingRejected)
    /// error (with the [role](FakeBackendBuilder::role)) and leaves the world unchanged; a
    /// success or warning status applies them and is returned in the [`WriteResult`].
    ///
    /// ```
    /// use pacsys::{Backend, ErrorKind, Status, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// fake.set_write_result("G:AMANDA", Status::new(17, -17));
    /// let e = fake.write("G:AMANDA.SETTING", Value::Scalar(1.0), None).await.unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::SettingRejected);
    /// assert_eq!(e.status(), Some(Status::new(17, -17)));
    /// assert_eq!(fake.read("G:AMANDA", None).await, Ok(Value::Scalar(42.0)));
    /// fake.set_write_result("G:AMANDA", Status::new(17, 1));
    /// let r = fake.write("G:AMANDA", Value::Scalar(1.0), None).await.unwrap();
    /// assert!(r.is_warning());
    /// # }
    /// ```
    pub fn set_write_result(&self, drf: &str, status: Status) {
        lock(&self.shared.state)
            .write_presets
            .insert(write_key(drf), WritePreset::Status(status));
    }

    /// Presets any failure for settings of `drf` (for example an
    /// [`ErrorKind::OutcomeUnknown`](pacsys::ErrorKind::OutcomeUnknown) error), returned
    /// verbatim; the world is unchanged. Keyed by [`write_key`].
    ///
    /// ```
    /// use pacsys::{Backend, Error, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let lost = Error::outcome_unknown("G:AMANDA", "connection lost");
    /// fake.set_write_failure("G:AMANDA", lost.clone());
    /// assert_eq!(fake.write("G:AMANDA", Value::Scalar(1.0), None).await, Err(lost));
    /// # }
    /// ```
    pub fn set_write_failure(&self, drf: &str, error: Error) {
        lock(&self.shared.state)
            .write_presets
            .insert(write_key(drf), WritePreset::Failure(error));
    }

    /// Every DRF read so far (each slot of a batch), as passed, in call order.
    ///
    /// ```
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let _ = fake.get_many(&["M:OUTTMP", "G:AMANDA"], None).await;
    /// assert_eq!(fake.reads(), ["M:OUTTMP", "G:AMANDA"]);
    /// # }
    /// ```
    pub fn reads(&self) -> Vec<String> {
        lock(&self.shared.state).reads.clone()
    }

    /// Every setting asked for so far, `(drf, value)` as passed, in call order (refused
    /// ones included).
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let _ = fake.write("G:AMANDA", Value::Scalar(3.0), None).await;
    /// assert_eq!(fake.writes(), [("G:AMANDA".to_owned(), Value::Scalar(3.0))]);
    /// # }
    /// ```
    pub fn writes(&self) -> Vec<(String, Value)> {
        lock(&self.shared.state).writes.clone()
    }

    /// Whether a DRF with the same [`drf_key`] was read.
    ///
    /// ```
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let _ = fake.read("m:outtmp@I", None).await;
    /// assert!(fake.was_read("M:OUTTMP.READING"));
    /// assert!(!fake.was_read("M:OUTTMP.SETTING"));
    /// # }
    /// ```
    pub fn was_read(&self, drf: &str) -> bool {
        let key = drf_key(drf);
        lock(&self.shared.state)
            .reads
            .iter()
            .any(|d| drf_key(d) == key)
    }

    /// Whether a setting with the same [`write_key`] was asked for.
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let _ = fake.write("G:AMANDA", Value::Scalar(3.0), None).await;
    /// assert!(fake.was_written("G:AMANDA.SETTING@N"));
    /// assert!(!fake.was_written("M:OUTTMP"));
    /// # }
    /// ```
    pub fn was_written(&self, drf: &str) -> bool {
        self.written_value(drf).is_some()
    }

    /// The value of the last setting with the same [`write_key`].
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let _ = fake.write("G:AMANDA", Value::Scalar(3.0), None).await;
    /// let _ = fake.write("G_AMANDA", Value::Scalar(4.0), None).await;
    /// assert_eq!(fake.written_value("G:AMANDA"), Some(Value::Scalar(4.0)));
    /// assert_eq!(fake.written_value("M:OUTTMP"), None);
    /// # }
    /// ```
    pub fn written_value(&self, drf: &str) -> Option<Value> {
        let key = write_key(drf);
        lock(&self.shared.state)
            .writes
            .iter()
            .rev()
            .find(|(d, _)| write_key(d) == key)
            .map(|(_, v)| v.clone())
    }

    /// Clears presets and history and ends every subscription (their streams end at once).
    /// The world keeps its state; a closed backend stays closed.
    ///
    /// ```
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// fake.set_reading("M:OUTTMP", Value::Scalar(1.0));
    /// let _ = fake.read("M:OUTTMP", None).await;
    /// fake.reset();
    /// assert!(fake.reads().is_empty());
    /// assert_eq!(fake.read("M:OUTTMP", None).await, Ok(Value::Scalar(72.5)));
    /// # }
    /// ```
    pub fn reset(&self) {
        *lock(&self.shared.state) = State::default();
        // Stopped, as `stop_streaming` stops them: no end reason.
        self.shared.registry.end_all();
        self.shared.end_subscriptions();
    }

    /// Ends every live subscription with `error`, as a source that gives up would: each
    /// stream delivers what it had queued, then ends, and its
    /// [`Subscription::end_reason`](pacsys::Subscription::end_reason) is `error` (pacsys's
    /// `emit_error(exception)`). Returns how many subscriptions it ended.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Error, ErrorKind};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let mut sub = fake.subscribe(&["M:OUTTMP@e,0f"]).await.unwrap();
    /// assert_eq!(fake.fail_subscriptions(Error::connection_lost("boom")), 1);
    /// assert!(sub.next().await.is_none());
    /// assert_eq!(sub.end_reason().map(|e| e.kind()), Some(ErrorKind::ConnectionLost));
    /// # }
    /// ```
    pub fn fail_subscriptions(&self, error: Error) -> usize {
        self.shared.fail_subscriptions(&error)
    }

    /// Delivers a reading of `value` (status success, timestamped now) to every live
    /// subscription; see [`FakeBackend::emit`] for which. Returns how many subscribed DRFs
    /// received it.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let mut sub = fake.subscribe(&["M:OUTTMP@e,0f"]).await.unwrap();
    /// assert_eq!(fake.emit_reading("m:outtmp", Value::Scalar(1.0)), 1);
    /// let r = sub.next().await.unwrap().reading().cloned().unwrap();
    /// assert_eq!((&*r.drf, r.value), ("M:OUTTMP@e,0f", Some(Value::Scalar(1.0))));
    /// # }
    /// ```
    pub fn emit_reading(&self, drf: &str, value: Value) -> usize {
        let reading = Reading::new(Arc::from(drf), Status::OK)
            .with_value(value)
            .with_timestamp(Some(SystemTime::now()));
        self.emit(drf, Event::Reading(reading))
    }

    /// Delivers an [`Event::Error`] with `status` to every live subscription `drf` selects
    /// (see [`FakeBackend::emit`]); the subscriptions keep running. Returns how many
    /// subscribed DRFs received it.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Event, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let mut sub = fake.subscribe(&["M:OUTTMP@e,0f"]).await.unwrap();
    /// fake.emit_error("M:OUTTMP", Status::new(14, -82));
    /// assert!(matches!(sub.next().await, Some(Event::Error { .. })));
    /// # }
    /// ```
    pub fn emit_error(&self, drf: &str, status: Status) -> usize {
        self.emit(
            drf,
            Event::Error {
                drf: Arc::from(drf),
                status,
            },
        )
    }

    /// Delivers `event` to every live subscription with a DRF that `drf` selects, once per
    /// such DRF. Selection is by normalised key, not by exact text: `drf` without an event
    /// selects every subscribed DRF with the same [`drf_key`] (whatever its event and
    /// range); `drf` with an event selects only those with the same event too (normalised:
    /// `@p,1000` = `@P,1S`). Readings and errors are re-addressed to each subscriber's own
    /// DRF; the value is delivered as given (no range applied). Returns how many subscribed
    /// DRFs received it.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Backend, Event};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let mut sub = fake.subscribe(&["M:OUTTMP@e,0f", "G:AMANDA@e,0f"]).await.unwrap();
    /// assert_eq!(fake.emit("M:OUTTMP@e,02", Event::Dropped { count: 1 }), 0); // other event
    /// assert_eq!(fake.emit("M:OUTTMP@E,F", Event::Dropped { count: 3 }), 1);
    /// assert_eq!(sub.next().await, Some(Event::Dropped { count: 3 }));
    /// # }
    /// ```
    pub fn emit(&self, drf: &str, event: Event) -> usize {
        self.shared.deliver(drf, &event)
    }

    /// Waits until a live subscription has a DRF that `drf` selects (as in
    /// [`FakeBackend::emit`]), at most `timeout`. Returns whether one did.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let other = fake.clone();
    /// let task = tokio::spawn(async move { other.subscribe(&["M:OUTTMP@e,0f"]).await });
    /// assert!(fake.wait_for_subscription("M:OUTTMP", Duration::from_secs(5)).await);
    /// assert!(!fake.wait_for_subscription("G:AMANDA", Duration::from_millis(10)).await);
    /// let _sub = task.await.unwrap().unwrap();
    /// # }
    /// ```
    pub async fn wait_for_subscription(&self, drf: &str, timeout: Duration) -> bool {
        let wanted = Matcher::of_text(drf);
        let wait = async {
            loop {
                let started = self.shared.started.notified();
                tokio::pin!(started);
                started.as_mut().enable();
                if self.shared.is_subscribed(&wanted) {
                    return;
                }
                started.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }

    /// How many subscriptions are live (started, not yet stopped, dropped or ended by
    /// [`FakeBackend::reset`] or [`Backend::close`]).
    ///
    /// ```
    /// use pacsys::Backend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fake = pacsys_testing::FakeBackend::new();
    /// let mut sub = fake.subscribe(&["M:OUTTMP@e,0f"]).await.unwrap();
    /// assert_eq!(fake.subscription_count(), 1);
    /// sub.stop().await;
    /// assert_eq!(fake.subscription_count(), 0);
    /// # }
    /// ```
    pub fn subscription_count(&self) -> usize {
        lock(&self.shared.subs).live.len()
    }

    fn preset(&self, drf: &str, preset: Preset) {
        lock(&self.shared.state)
            .presets
            .insert(drf_key(drf), preset);
    }

    /// The world's metadata for `drf`'s device, or the test-device default.
    fn default_meta(&self, drf: &str) -> Arc<DeviceMeta> {
        let parsed = Request::parse(drf).ok();
        let name = parsed
            .as_ref()
            .map_or_else(|| drf.to_owned(), |r| r.device().to_owned());
        if let Some(device) = parsed
            .as_ref()
            .filter(|r| r.is_acnet())
            .and_then(|r| self.shared.world.device(r.device()))
        {
            return Arc::new(device.meta().clone());
        }
        Arc::new(DeviceMeta {
            device_index: 0,
            description: format!("Test device {name}"),
            name,
            units: None,
            format_hint: None,
        })
    }

    /// Starts the timers of a new subscription and returns them.
    fn start_timers(&self, feed: &Feed) -> Result<Vec<tokio::task::JoinHandle<()>>, Error> {
        let mut tasks = Vec::new();
        for (index, sub) in feed.drfs.iter().enumerate() {
            let DrfEvent::Periodic(p) = sub.request.event() else {
                continue;
            };
            let every = Every {
                period: Duration::from_millis(p.period_ms()),
                on_change: !p.continuous(),
                immediate: p.immediate(),
            };
            let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
                in_memory(Error::unsupported(
                    &*sub.drf,
                    "periodic subscriptions of FakeBackend need a tokio runtime",
                ))
            })?;
            tasks.push(runtime.spawn(stream::periodic(feed.clone(), index, every)));
        }
        Ok(tasks)
    }
}

impl Backend for FakeBackend {
    async fn get_many<S: AsRef<str> + Sync>(
        &self,
        drfs: &[S],
        _timeout: Option<Duration>,
    ) -> Vec<Result<Reading, Error>> {
        if self.shared.is_closed() {
            return drfs.iter().map(|_| Err(closed())).collect();
        }
        drfs.iter()
            .map(|d| self.shared.read_one(d.as_ref()))
            .collect()
    }

    async fn write_many<S: AsRef<str> + Sync>(
        &self,
        settings: &[(S, Value)],
        _timeout: Option<Duration>,
    ) -> Vec<Result<WriteResult, Error>> {
        if self.shared.is_closed() {
            return settings.iter().map(|_| Err(closed())).collect();
        }
        // Whole alarm blocks field by field, as the real backends write them.
        let shared = &self.shared;
        pacsys::write_with_alarm_blocks(
            settings,
            Duration::MAX,
            Transport::InMemory,
            |batch, _| async move {
                batch
                    .iter()
                    .map(|(drf, value)| shared.write_one(drf, value))
                    .collect()
            },
        )
        .await
    }

    /// Starts a subscription: `@p,N` / `@q,N` DRFs stream the world's (or the preset)
    /// value every N ms (`@q` only on change), `@I` DRFs get one reading at once, every
    /// other event (`@e`, `@s`, none, `@N`) only what tests emit.
    async fn subscribe<S: AsRef<str> + Sync>(&self, drfs: &[S]) -> Result<Subscription, Error> {
        if self.shared.is_closed() {
            return Err(closed());
        }
        if drfs.is_empty() {
            return Err(in_memory(Error::invalid_request(
                "",
                "a subscription needs at least one DRF",
            )));
        }
        let mut parsed = Vec::with_capacity(drfs.len());
        for d in drfs {
            // Planned as the cores plan a stream: every DRF must parse; `@N` is allowed.
            let plan = ReadPlan::for_stream(d.as_ref()).map_err(in_memory)?;
            parsed.push(SubDrf {
                drf: Arc::clone(plan.drf_arc()),
                matcher: Matcher::of(plan.request()),
                request: plan.request().clone(),
            });
        }
        let drfs: Arc<[SubDrf]> = parsed.into();
        let queue = Arc::new(EventQueue::new(self.shared.buffer, DropPolicy::DropOldest));
        let dropped = Arc::new(AtomicU64::new(0));
        let id = {
            let mut subs = lock(&self.shared.subs);
            subs.next_id += 1;
            subs.next_id
        };
        let feed = Feed {
            shared: Arc::downgrade(&self.shared),
            drfs: Arc::clone(&drfs),
            queue: Arc::clone(&queue),
            dropped: Arc::clone(&dropped),
        };
        // `@I`: one reading (or error) at once.
        let mut first: Vec<Event> = drfs
            .iter()
            .filter(|s| matches!(s.request.event(), DrfEvent::Immediate))
            .filter_map(|s| match self.shared.sample(&s.drf, &s.request) {
                Ok(r) => Some(Event::Reading(r)),
                Err(e) => e.status().map(|status| Event::Error {
                    drf: Arc::clone(&s.drf),
                    status,
                }),
            })
            .collect();
        let tasks = self.start_timers(&feed)?;
        let end = pacsys::subscription::EndReason::new();
        let entry = Entry {
            id,
            drfs: Arc::clone(&drfs),
            queue: Arc::clone(&queue),
            dropped: Arc::clone(&dropped),
            tasks,
            end: end.clone(),
        };
        entry.push(&mut first);
        let names: Vec<String> = drfs.iter().map(|s| s.drf.to_string()).collect();
        let events = SubStream {
            queue,
            id,
            shared: Arc::downgrade(&self.shared),
        };
        lock(&self.shared.subs).live.push(entry);
        let sub = self
            .shared
            .registry
            .register_stream_with_end(names, events, dropped, end);
        if self.shared.is_closed() {
            // Closed meanwhile: the registry ended it; do not leave it live.
            self.shared.remove_subscription(id);
        }
        self.shared.started.notify_waiters();
        Ok(sub)
    }

    fn timeout(&self) -> Duration {
        self.shared.timeout
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::READ | Capabilities::WRITE | Capabilities::STREAM | Capabilities::BATCH
    }

    fn principal(&self) -> Result<Option<String>, Error> {
        Ok(self.shared.principal.clone())
    }

    /// Ends every subscription and makes later calls give an
    /// [`ErrorKind::Closed`](pacsys::ErrorKind::Closed) error. Presets,
    /// history and the world stay readable. Idempotent.
    async fn close(&self) {
        self.shared.registry.close();
        self.shared.end_subscriptions();
    }

    /// Ends every subscription; the backend stays usable (new subscriptions start).
    async fn stop_streaming(&self) {
        self.shared.registry.end_all();
        self.shared.end_subscriptions();
    }
}

/// The error of every call once the backend is closed.
fn closed() -> Error {
    in_memory(Error::closed())
}
