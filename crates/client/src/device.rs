//! The Device API: [`Device`] and its typed forms [`ScalarDevice`], [`ArrayDevice`] and
//! [`TextDevice`], built from a validated DRF.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use futures::future::Either;
use pacsys_drf::{Event as DrfEvent, Field, Property, Range, Request};
use pacsys_types::{AnalogAlarm, BasicStatus, DigitalAlarm, Reading, Value};

use crate::verify::{self, Verify};
use crate::{AnyBackend, Backend, Error, Subscription, WriteResult};
use pacsys_types::Control;

/// Which backend a device uses.
enum Binding<B> {
    /// The process-wide default backend ([`crate::default_backend`]).
    Global,
    /// A backend of the caller's.
    Bound(Arc<B>),
}

impl<B> Clone for Binding<B> {
    fn clone(&self) -> Self {
        match self {
            Binding::Global => Binding::Global,
            Binding::Bound(b) => Binding::Bound(Arc::clone(b)),
        }
    }
}

/// One ACNET device (or EPICS process variable) addressed by a DRF that was validated
/// when the device was made.
///
/// A device is immutable: the `with_*` methods return new devices. Two devices are equal
/// (and hash alike) when their canonical DRFs are. A device made with [`Device::new`] uses
/// the process-wide default backend ([`crate::default_backend`]); [`Device::bound`] and
/// [`Device::with_backend`] tie it to a backend of yours.
///
/// Reads are one-shot (`@I`) reads of the named property whatever event the DRF carries;
/// [`Device::get`] sends the device's own DRF unchanged; [`Device::subscribe`] streams it
/// with its event. The property helpers keep the DRF's range, and its field where the
/// target property allows it.
///
/// ```
/// use std::sync::Arc;
/// use pacsys::{Device, Value};
/// use pacsys_sim::FakeDpmServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let backend = Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
/// let dev = Device::bound("m:outtmp@p,1000", backend)?;
/// assert_eq!(dev.drf(), "M:OUTTMP.READING@p,1000");
/// assert_eq!(dev.name(), "M:OUTTMP");
/// assert!(dev.is_periodic());
/// assert_eq!(dev.read().await?, Value::Scalar(72.5));
/// assert_eq!(dev.description().await?, "Outdoor temperature");
/// assert_eq!(dev.status().await?.on, Some(true));
/// dev.off().await?;
/// assert!(!dev.status_field(pacsys::Field::On).await?);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Device<B: Backend + 'static = AnyBackend> {
    request: Arc<Request>,
    drf: Arc<str>,
    binding: Binding<B>,
    timeout: Option<Duration>,
}

impl<B: Backend + 'static> Clone for Device<B> {
    fn clone(&self) -> Self {
        Device {
            request: Arc::clone(&self.request),
            drf: Arc::clone(&self.drf),
            binding: self.binding.clone(),
            timeout: self.timeout,
        }
    }
}

impl<B: Backend + 'static> fmt::Debug for Device<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("drf", &self.drf)
            .field(
                "backend",
                &match self.binding {
                    Binding::Global => "default",
                    Binding::Bound(_) => "bound",
                },
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<B: Backend + 'static> fmt::Display for Device<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.drf)
    }
}

impl<B: Backend + 'static> PartialEq for Device<B> {
    fn eq(&self, other: &Self) -> bool {
        self.drf == other.drf
    }
}

impl<B: Backend + 'static> Eq for Device<B> {}

impl<B: Backend + 'static> Hash for Device<B> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.drf.hash(state);
    }
}

fn parse(drf: &str) -> Result<Request, Error> {
    Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))
}

impl Device<AnyBackend> {
    /// A device on the process-wide default backend. The DRF is validated now (an
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) error whose
    /// [`drf_error`](Error::drf_error) names the bad byte); nothing is sent.
    ///
    /// ```
    /// use pacsys::{Device, ErrorKind};
    ///
    /// let dev = Device::new("Z:ACLTST[0:3]")?;
    /// assert_eq!(dev.drf(), "Z:ACLTST.READING[0:3]");
    /// let bad = Device::new("M:OUTTMP@@").unwrap_err();
    /// assert_eq!(bad.kind(), ErrorKind::InvalidRequest);
    /// let parse = bad.drf_error().unwrap();
    /// println!("{parse}\n{}", parse.caret("M:OUTTMP@@")); // a caret under the bad byte
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn new(drf: &str) -> Result<Device<AnyBackend>, Error> {
        Device::from_request(parse(drf)?, Binding::Global, None)
    }
}

impl<B: Backend + 'static> Device<B> {
    fn from_request(
        request: Request,
        binding: Binding<B>,
        timeout: Option<Duration>,
    ) -> Result<Device<B>, Error> {
        Ok(Device {
            drf: Arc::from(request.to_string()),
            request: Arc::new(request),
            binding,
            timeout,
        })
    }

    /// A device on `backend` (validated as in [`Device::new`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::{Device, DpmBackend};
    ///
    /// let backend = Arc::new(DpmBackend::builder().env(Default::default()).build()?);
    /// let dev = Device::bound("G:AMANDA", backend)?;
    /// assert_eq!(dev.drf(), "G:AMANDA.READING");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn bound(drf: &str, backend: Arc<B>) -> Result<Device<B>, Error> {
        Device::from_request(parse(drf)?, Binding::Bound(backend), None)
    }

    /// The same device on another backend.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::{Device, DpmBackend};
    ///
    /// let backend = Arc::new(DpmBackend::builder().env(Default::default()).build()?);
    /// let dev = Device::new("M:OUTTMP")?.with_backend(backend);
    /// assert_eq!(dev.drf(), "M:OUTTMP.READING");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn with_backend<C: Backend + 'static>(&self, backend: Arc<C>) -> Device<C> {
        Device {
            request: Arc::clone(&self.request),
            drf: Arc::clone(&self.drf),
            binding: Binding::Bound(backend),
            timeout: self.timeout,
        }
    }

    /// The same device with a total timeout for each of its calls (default: the
    /// backend's).
    ///
    /// ```
    /// use std::time::Duration;
    /// let dev = pacsys::Device::new("M:OUTTMP")?.with_timeout(Duration::from_secs(1));
    /// assert_eq!(dev.timeout(), Some(Duration::from_secs(1)));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> Device<B> {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout set by [`Device::with_timeout`], if any.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::Device;
    ///
    /// let dev = Device::new("M:OUTTMP")?;
    /// assert_eq!(dev.timeout(), None); // the backend's default applies
    /// assert_eq!(dev.with_timeout(Duration::from_secs(2)).timeout(), Some(Duration::from_secs(2)));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The canonical DRF (`M:OUTTMP@p,1000` gives `M:OUTTMP.READING@p,1000`).
    ///
    /// ```
    /// let dev = pacsys::Device::new("m:outtmp@p,1000")?;
    /// assert_eq!(dev.drf(), "M:OUTTMP.READING@p,1000");
    /// assert_eq!(dev.to_string(), dev.drf());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn drf(&self) -> &str {
        &self.drf
    }

    /// The canonical device name (`m_outtmp` gives `M:OUTTMP`).
    ///
    /// ```
    /// assert_eq!(pacsys::Device::new("m|outtmp.on")?.name(), "M:OUTTMP");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        self.request.device()
    }

    /// The parsed request.
    ///
    /// ```
    /// use pacsys::{Device, Field, Property};
    ///
    /// let dev = Device::new("M:OUTTMP.SETTING.RAW@p,1000")?;
    /// assert_eq!(dev.request().property(), Property::Setting);
    /// assert_eq!(dev.request().field(), Some(Field::Raw));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Whether the DRF names an event (anything but none or `@U`).
    ///
    /// ```
    /// assert!(pacsys::Device::new("M:OUTTMP@I")?.has_event());
    /// assert!(!pacsys::Device::new("M:OUTTMP@U")?.has_event());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn has_event(&self) -> bool {
        !matches!(self.request.event(), DrfEvent::Default)
    }

    /// Whether the event is periodic (`@p` or `@q`).
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// assert!(Device::new("M:OUTTMP@p,1000")?.is_periodic());
    /// assert!(Device::new("M:OUTTMP@q,1000")?.is_periodic());
    /// assert!(!Device::new("M:OUTTMP@e,02")?.is_periodic()); // a clock event
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn is_periodic(&self) -> bool {
        matches!(self.request.event(), DrfEvent::Periodic(_))
    }

    /// The same device with another event (`"p,1000"`, `"e,02"`, `"I"`, ...).
    ///
    /// ```
    /// let dev = pacsys::Device::new("M:OUTTMP")?.with_event("p,500")?;
    /// assert_eq!(dev.drf(), "M:OUTTMP.READING@p,500");
    /// assert!(dev.with_event("x").is_err());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn with_event(&self, event: &str) -> Result<Device<B>, Error> {
        let r = self
            .request
            .with_event(event)
            .map_err(|e| Error::invalid_drf(format!("{}@{event}", self.name()), e))?;
        Device::from_request(r, self.binding.clone(), self.timeout)
    }

    /// The same device without an event.
    ///
    /// ```
    /// let dev = pacsys::Device::new("M:OUTTMP@p,1000")?.without_event();
    /// assert_eq!(dev.drf(), "M:OUTTMP.READING");
    /// assert!(!dev.has_event());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn without_event(&self) -> Device<B> {
        self.rebuilt(self.request.without_event())
    }

    /// The same device with an array or byte range (`"[0:3]".parse()?`).
    ///
    /// ```
    /// let dev = pacsys::Device::new("Z:ACLTST@p,1000")?.with_range("[2:5]".parse()?);
    /// assert_eq!(dev.drf(), "Z:ACLTST.READING[2:5]@p,1000");
    /// assert_eq!(dev.without_range().drf(), "Z:ACLTST.READING@p,1000");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_range(&self, range: Range) -> Device<B> {
        self.rebuilt(self.request.with_range(range))
    }

    /// The same device without a range.
    ///
    /// ```
    /// let dev = pacsys::Device::new("Z:ACLTST[0:3]@p,1000")?;
    /// assert_eq!(dev.without_range().drf(), "Z:ACLTST.READING@p,1000");
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn without_range(&self) -> Device<B> {
        self.rebuilt(self.request.without_range())
    }

    /// The same device (backend, timeout) for another request, such as one derived with
    /// [`Request::read_request`] or [`Request::write_request`].
    ///
    /// ```
    /// use pacsys::{Device, Field, Property};
    ///
    /// let dev = Device::new("M:OUTTMP@p,1000")?;
    /// let raw = dev.request().read_request(Property::Setting, Some(Field::Raw))?;
    /// assert_eq!(dev.with_request(raw).drf(), "M:OUTTMP.SETTING.RAW@I");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_request(&self, request: Request) -> Device<B> {
        self.rebuilt(request)
    }

    /// The backend this device is bound to (`None`: the process-wide default backend).
    pub fn backend(&self) -> Option<&Arc<B>> {
        match &self.binding {
            Binding::Bound(b) => Some(b),
            Binding::Global => None,
        }
    }

    fn rebuilt(&self, request: Request) -> Device<B> {
        Device {
            drf: Arc::from(request.to_string()),
            request: Arc::new(request),
            binding: self.binding.clone(),
            timeout: self.timeout,
        }
    }

    /// Runs `f` with this device's backend: directly when bound, on the default backend's
    /// runtime otherwise.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(Arc<B>, Option<Duration>) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let timeout = self.timeout;
        match &self.binding {
            Binding::Bound(b) => f(Arc::clone(b), timeout).await,
            Binding::Global => {
                crate::global::run(move |any| {
                    let any: Arc<dyn Any + Send + Sync> = any;
                    match any.downcast::<B>() {
                        Ok(b) => Either::Left(f(b, timeout)),
                        // Unreachable: only `Device<AnyBackend>` is made unbound.
                        Err(_) => Either::Right(futures::future::ready(Err(Error::unsupported(
                            "",
                            "this device has no backend; bind one with with_backend",
                        )))),
                    }
                })
                .await
            }
        }
    }

    /// The one-shot DRF for `property`/`field` of this device.
    fn read_drf(&self, property: Property, field: Option<Field>) -> Result<String, Error> {
        self.request
            .read_request(property, field)
            .map(|r| r.to_string())
            .map_err(|e| {
                Error::invalid_request(&*self.drf, format!("cannot read {property}: {e}"))
                    .with_source(e)
            })
    }

    async fn read_value(&self, property: Property, field: Option<Field>) -> Result<Value, Error> {
        let drf = self.read_drf(property, field)?;
        self.call(move |b, t| async move { b.read(&drf, t).await })
            .await
    }

    /// The reading property's value, read once (`<dev>.READING[range][.field]@I`).
    ///
    /// ```
    /// use pacsys::{Device, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP@p,1000", backend)?; // read once whatever the event
    /// assert_eq!(dev.read().await?, Value::Scalar(72.5));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn read(&self) -> Result<Value, Error> {
        self.read_value(Property::Reading, None).await
    }

    /// One field of the reading property (`Field::Raw`, `Field::Primary`, ...).
    ///
    /// ```
    /// use pacsys::{Device, Field, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// assert_eq!(dev.read_field(Field::Primary).await?, Value::Scalar(72.5));
    /// let raw = dev.read_field(Field::Raw).await?; // the device's bytes
    /// assert_eq!(raw, Value::Raw(72.5f32.to_le_bytes().to_vec()));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn read_field(&self, field: Field) -> Result<Value, Error> {
        self.read_value(Property::Reading, Some(field)).await
    }

    /// The setting property's value, read once.
    ///
    /// ```
    /// use pacsys::{Device, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("G:AMANDA", backend)?;
    /// dev.write(Value::Scalar(12.5)).await?;
    /// assert_eq!(dev.setting().await?, Value::Scalar(12.5));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn setting(&self) -> Result<Value, Error> {
        self.read_value(Property::Setting, None).await
    }

    /// The basic status (on, ready, remote, positive, ramp where the device has them).
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let status = Device::bound("M:OUTTMP", backend)?.status().await?;
    /// assert_eq!(status.on, Some(true));
    /// assert_eq!(status.ready, Some(true));
    /// assert_eq!(status.ramp, Some(false));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn status(&self) -> Result<BasicStatus, Error> {
        match self.read_value(Property::Status, None).await? {
            Value::BasicStatus(s) => Ok(s),
            other => Err(self.unexpected("a basic status", &other)),
        }
    }

    /// One basic-status bit (`Field::On`, `Ready`, `Remote`, `Positive`, `Ramp`).
    ///
    /// ```
    /// use pacsys::{Device, Field};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("Z:STSDEV", backend)?;
    /// assert!(!dev.status_field(Field::On).await?);
    /// assert!(dev.status_field(Field::Ready).await?);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn status_field(&self, field: Field) -> Result<bool, Error> {
        let v = self.read_value(Property::Status, Some(field)).await?;
        match &v {
            Value::Scalar(x) if *x == 0.0 => Ok(false),
            Value::Scalar(x) if *x == 1.0 => Ok(true),
            _ => Err(self.unexpected("a status bit (0 or 1)", &v)),
        }
    }

    /// The analog alarm block.
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let alarm = Device::bound("M:OUTTMP", backend)?.analog_alarm().await?;
    /// assert_eq!((alarm.minimum, alarm.maximum), (0.0, 120.0));
    /// assert!(alarm.alarm_enable);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn analog_alarm(&self) -> Result<AnalogAlarm, Error> {
        match self.read_value(Property::Analog, None).await? {
            Value::AnalogAlarm(a) => Ok(a),
            other => Err(self.unexpected("an analog alarm", &other)),
        }
    }

    /// The digital alarm block.
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let alarm = Device::bound("M:OUTTMP", backend)?.digital_alarm().await?;
    /// assert_eq!((alarm.nominal, alarm.mask), (0x03, 0xff));
    /// assert!(!alarm.alarm_enable);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn digital_alarm(&self) -> Result<DigitalAlarm, Error> {
        match self.read_value(Property::Digital, None).await? {
            Value::DigitalAlarm(d) => Ok(d),
            other => Err(self.unexpected("a digital alarm", &other)),
        }
    }

    /// Writes the analog alarm block: its writable fields (MIN, MAX, ALARM_ENABLE,
    /// ABORT_INHIBIT, TRIES_NEEDED), one setting after the other
    /// ([`crate::write_with_alarm_blocks`]); the read-only state in `alarm` is not written.
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// let mut alarm = dev.analog_alarm().await?;
    /// alarm.maximum = 100.0;
    /// assert!(dev.set_analog_alarm(alarm).await?.is_success());
    /// assert_eq!(dev.analog_alarm().await?.maximum, 100.0);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn set_analog_alarm(&self, alarm: AnalogAlarm) -> Result<WriteResult, Error> {
        let drf = format!("{}.ANALOG", self.request.device());
        self.call(move |b, t| async move { b.write(&drf, Value::AnalogAlarm(alarm), t).await })
            .await
    }

    /// Writes the digital alarm block: its writable fields (NOM, MASK, ALARM_ENABLE,
    /// ABORT_INHIBIT, TRIES_NEEDED), one setting after the other.
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// let mut alarm = dev.digital_alarm().await?;
    /// alarm.alarm_enable = true;
    /// assert!(dev.set_digital_alarm(alarm).await?.is_success());
    /// assert!(dev.digital_alarm().await?.alarm_enable);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn set_digital_alarm(&self, alarm: DigitalAlarm) -> Result<WriteResult, Error> {
        let drf = format!("{}.DIGITAL", self.request.device());
        self.call(move |b, t| async move { b.write(&drf, Value::DigitalAlarm(alarm), t).await })
            .await
    }

    /// The device's description text.
    ///
    /// ```
    /// use pacsys::Device;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// assert_eq!(dev.description().await?, "Outdoor temperature");
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn description(&self) -> Result<String, Error> {
        match self.read_value(Property::Description, None).await? {
            Value::Text(t) => Ok(t),
            other => Err(self.unexpected("a description text", &other)),
        }
    }

    /// A value of another kind than this call returns.
    fn unexpected(&self, wanted: &str, got: &Value) -> Error {
        Error::unsupported(
            &*self.drf,
            format!("expected {wanted}, got {}", got.kind_name()),
        )
    }

    /// The whole [`Reading`] of the device's own DRF, sent unchanged (a periodic event
    /// waits for the first sample).
    ///
    /// ```
    /// use pacsys::{Device, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let reading = Device::bound("M:OUTTMP", backend)?.get().await?;
    /// assert_eq!(reading.value, Some(Value::Scalar(72.5)));
    /// assert!(reading.status.is_ok());
    /// assert!(reading.timestamp.is_some());
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self) -> Result<Reading, Error> {
        let drf = self.drf.to_string();
        self.call(move |b, t| async move { b.get(&drf, t).await })
            .await
    }

    /// The whole [`Reading`] of another property (and field) of this device, read once.
    ///
    /// ```
    /// use pacsys::{Device, Field, Property, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("Z:ACLTST[0:1]", backend)?;
    /// let setting = dev.get_property(Property::Setting, None).await?; // the range is kept
    /// assert_eq!(setting.value, Some(Value::Array(vec![0.0, 0.5])));
    /// let raw = dev.get_property(Property::Reading, Some(Field::Raw)).await?;
    /// assert!(matches!(raw.value, Some(Value::Raw(_))));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn get_property(
        &self,
        property: Property,
        field: Option<Field>,
    ) -> Result<Reading, Error> {
        let drf = self.read_drf(property, field)?;
        self.call(move |b, t| async move { b.get(&drf, t).await })
            .await
    }

    /// The DRF a setting of this device is written to (`<dev>.SETTING[range][.field]@N`).
    fn write_drf(&self) -> Result<String, Error> {
        self.request
            .write_request(None)
            .map(|r| r.to_string())
            .map_err(|e| {
                Error::invalid_request(&*self.drf, format!("cannot write: {e}")).with_source(e)
            })
    }

    /// Writes the setting property (range and field kept).
    ///
    /// ```
    /// use pacsys::{Device, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("G:AMANDA", backend)?;
    /// let result = dev.write(Value::Scalar(12.5)).await?;
    /// assert!(result.is_success());
    /// assert_eq!(dev.read().await?, Value::Scalar(12.5));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn write(&self, value: Value) -> Result<WriteResult, Error> {
        let drf = self.write_drf()?;
        self.call(move |b, t| async move { b.write(&drf, value, t).await })
            .await
    }

    /// Writes the setting property and checks it by reading back ([`crate::write_verified`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Device, Value, Verify};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("G:AMANDA", backend)?;
    /// let verify = Verify::new().with_initial_delay(Duration::ZERO);
    /// let result = dev.write_verified(Value::Scalar(12.5), &verify).await?;
    /// assert_eq!(result.verified, Some(true));
    /// assert_eq!(result.readback, Some(Value::Scalar(12.5)));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn write_verified(
        &self,
        value: Value,
        verify: &Verify,
    ) -> Result<WriteResult, Error> {
        let drf = self.write_drf()?;
        let verify = verify.clone();
        self.call(
            move |b, t| async move { verify::write_verified(&*b, &drf, value, &verify, t).await },
        )
        .await
    }

    /// Sends a basic-control command ([`crate::control`]).
    ///
    /// ```
    /// use pacsys::{Control, Device, Field};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// assert!(dev.control(Control::Off).await?.is_success());
    /// assert!(!dev.status_field(Field::On).await?);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn control(&self, command: Control) -> Result<WriteResult, Error> {
        let drf = self.drf.to_string();
        self.call(move |b, t| async move { verify::control(&*b, &drf, command, None, t).await })
            .await
    }

    /// Sends a basic-control command and checks the matching status bit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::{Control, Device, Verify};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// let verify = Verify::new().with_initial_delay(Duration::ZERO);
    /// let result = dev.control_verified(Control::Off, &verify).await?;
    /// assert_eq!(result.verified, Some(true)); // STATUS.ON read back as off
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn control_verified(
        &self,
        command: Control,
        verify: &Verify,
    ) -> Result<WriteResult, Error> {
        let drf = self.drf.to_string();
        let verify = verify.clone();
        self.call(
            move |b, t| async move { verify::control(&*b, &drf, command, Some(&verify), t).await },
        )
        .await
    }

    /// Streams the device's own DRF with its event. A DRF without an event (or with
    /// `@I`/`@N`) cannot stream: use [`Device::with_event`] first.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use pacsys::{Device, Event, Value};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
    /// # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let dev = Device::bound("M:OUTTMP", backend)?;
    /// assert!(dev.subscribe().await.is_err()); // no event: nothing to stream
    /// let mut sub = dev.with_event("p,100")?.subscribe().await?;
    /// let Some(Event::Reading(first)) = sub.next().await else { panic!("no reading") };
    /// assert_eq!(first.value, Some(Value::Scalar(72.5)));
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn subscribe(&self) -> Result<Subscription, Error> {
        match self.request.event() {
            DrfEvent::Default | DrfEvent::Immediate | DrfEvent::Never => {
                Err(Error::invalid_request(
                    &*self.drf,
                    "a subscription needs a repeating event: use with_event(\"p,1000\")",
                ))
            }
            _ => {
                let drf = self.drf.to_string();
                self.call(move |b, _| async move { b.subscribe(&[drf]).await })
                    .await
            }
        }
    }
}

macro_rules! control_shortcuts {
    ($($name:ident => $cmd:ident),* $(,)?) => {
        impl<B: Backend + 'static> Device<B> {
            $(
                #[doc = concat!("Sends the `", stringify!($name), "` basic-control command (see [`Device::control`]).")]
                #[doc = ""]
                #[doc = " ```"]
                #[doc = " use pacsys::{Control, Device};"]
                #[doc = ""]
                #[doc = " # #[tokio::main(flavor = \"current_thread\")]"]
                #[doc = " # async fn main() -> Result<(), Box<dyn std::error::Error>> {"]
                #[doc = " # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;"]
                #[doc = " # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host(\"127.0.0.1\").port(server.port()).env(Default::default()).build()?);"]
                #[doc = " let dev = Device::bound(\"M:OUTTMP\", backend)?;"]
                #[doc = concat!(" assert!(dev.", stringify!($name), "().await?.is_success());")]
                #[doc = " // The status bit that shows the command took effect:"]
                #[doc = concat!(" let (field, state) = Control::", stringify!($cmd), ".readback();")]
                #[doc = " assert_eq!(dev.status_field(field.parse()?).await?, state);"]
                #[doc = " # server.shutdown().await;"]
                #[doc = " # Ok(()) }"]
                #[doc = " ```"]
                pub async fn $name(&self) -> Result<WriteResult, Error> {
                    self.control(Control::$cmd).await
                }
            )*
        }
    };
}

control_shortcuts! {
    on => On, off => Off, reset => Reset, positive => Positive, negative => Negative,
    ramp => Ramp, dc => Dc, local => Local, remote => Remote, trip => Trip,
}

/// Defines a typed device: a [`Device`] whose `read` returns one value kind.
macro_rules! typed_device {
    ($(#[$doc:meta])* $name:ident, $out:ty, $what:literal, $conv:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<B: Backend + 'static = AnyBackend>(Device<B>);

        // By hand: derives would require `B: Clone`, `B: PartialEq`, ...
        impl<B: Backend + 'static> Clone for $name<B> {
            fn clone(&self) -> Self {
                $name(self.0.clone())
            }
        }

        impl<B: Backend + 'static> PartialEq for $name<B> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl<B: Backend + 'static> Eq for $name<B> {}

        impl<B: Backend + 'static> Hash for $name<B> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        impl $name<AnyBackend> {
            /// A typed device on the default backend (see [`Device::new`]).
            #[doc = ""]
            #[doc = " ```"]
            #[doc = concat!(" use pacsys::", stringify!($name), ";")]
            #[doc = ""]
            #[doc = concat!(" let dev = ", stringify!($name), "::new(\"M:OUTTMP@p,1000\")?;")]
            #[doc = " assert_eq!(dev.drf(), \"M:OUTTMP.READING@p,1000\");"]
            #[doc = concat!(" assert!(", stringify!($name), "::new(\"M:OUTTMP@@\").is_err());")]
            #[doc = " # Ok::<(), pacsys::Error>(())"]
            #[doc = " ```"]
            pub fn new(drf: &str) -> Result<Self, Error> {
                Ok($name(Device::new(drf)?))
            }
        }

        impl<B: Backend + 'static> $name<B> {
            /// A typed device on `backend` (see [`Device::bound`]).
            #[doc = ""]
            #[doc = " ```"]
            #[doc = " use std::sync::Arc;"]
            #[doc = concat!(" use pacsys::{DpmBackend, ", stringify!($name), "};")]
            #[doc = ""]
            #[doc = " let backend = Arc::new(DpmBackend::builder().env(Default::default()).build()?);"]
            #[doc = concat!(" let dev = ", stringify!($name), "::bound(\"z:acltst\", backend)?;")]
            #[doc = " assert_eq!(dev.name(), \"Z:ACLTST\");"]
            #[doc = " # Ok::<(), pacsys::Error>(())"]
            #[doc = " ```"]
            pub fn bound(drf: &str, backend: Arc<B>) -> Result<Self, Error> {
                Ok($name(Device::bound(drf, backend)?))
            }

            /// The untyped device.
            #[doc = ""]
            #[doc = " ```"]
            #[doc = concat!(" use pacsys::{Device, ", stringify!($name), "};")]
            #[doc = ""]
            #[doc = concat!(" let dev = ", stringify!($name), "::new(\"Z:ACLTST[0:3]\")?;")]
            #[doc = " let untyped: &Device = dev.device();"]
            #[doc = " assert_eq!(untyped.drf(), \"Z:ACLTST.READING[0:3]\");"]
            #[doc = " # Ok::<(), pacsys::Error>(())"]
            #[doc = " ```"]
            pub fn device(&self) -> &Device<B> {
                &self.0
            }

            #[doc = concat!("Reads the reading property once as ", $what, "; another kind is an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error.")]
            #[doc = ""]
            #[doc = " ```"]
            #[doc = concat!(" use pacsys::", stringify!($name), ";")]
            #[doc = ""]
            #[doc = " # #[tokio::main(flavor = \"current_thread\")]"]
            #[doc = " # async fn main() -> Result<(), Box<dyn std::error::Error>> {"]
            #[doc = " # let server = pacsys_sim::FakeDpmServer::builder().start().await?;"]
            #[doc = " # let backend = std::sync::Arc::new(pacsys::DpmBackend::builder().host(\"127.0.0.1\").port(server.port()).env(Default::default()).build()?);"]
            #[doc = concat!(" # let (drf, expected, other) = match \"", stringify!($name), "\" {")]
            #[doc = " #     \"ScalarDevice\" => (\"M:OUTTMP\", \"72.5\", \"Z:TEXTDV\"),"]
            #[doc = " #     \"ArrayDevice\" => (\"Z:ACLTST[0:1]\", \"[0.0, 0.5]\", \"Z:TEXTDV\"),"]
            #[doc = " #     _ => (\"Z:TEXTDV\", \"\\\"hello\\\"\", \"M:OUTTMP\"),"]
            #[doc = " # };"]
            #[doc = " // `drf` names a device of this kind (`other` one of another kind)."]
            #[doc = concat!(" let dev = ", stringify!($name), "::bound(drf, backend.clone())?;")]
            #[doc = concat!(" let value: ", stringify!($out), " = dev.read().await?;")]
            #[doc = " assert_eq!(format!(\"{value:?}\"), expected);"]
            #[doc = " // A device of another kind is refused."]
            #[doc = concat!(" let e = ", stringify!($name), "::bound(other, backend)?.read().await.unwrap_err();")]
            #[doc = " assert_eq!(e.kind(), pacsys::ErrorKind::Unsupported);"]
            #[doc = " # server.shutdown().await;"]
            #[doc = " # Ok(()) }"]
            #[doc = " ```"]
            pub async fn read(&self) -> Result<$out, Error> {
                let v = self.0.read().await?;
                let conv: fn(Value) -> Result<$out, Value> = $conv;
                conv(v).map_err(|v| self.0.unexpected($what, &v))
            }

            /// The same device with another event (see [`Device::with_event`]).
            #[doc = ""]
            #[doc = " ```"]
            #[doc = concat!(" use pacsys::", stringify!($name), ";")]
            #[doc = ""]
            #[doc = concat!(" let dev: ", stringify!($name), " = ", stringify!($name), "::new(\"M:OUTTMP\")?.with_event(\"p,500\")?;")]
            #[doc = " assert!(dev.is_periodic());"]
            #[doc = " assert!(dev.with_event(\"x\").is_err());"]
            #[doc = " # Ok::<(), pacsys::Error>(())"]
            #[doc = " ```"]
            pub fn with_event(&self, event: &str) -> Result<Self, Error> {
                Ok($name(self.0.with_event(event)?))
            }

            /// The same device with a range (see [`Device::with_range`]).
            #[doc = ""]
            #[doc = " ```"]
            #[doc = concat!(" use pacsys::", stringify!($name), ";")]
            #[doc = ""]
            #[doc = concat!(" let dev: ", stringify!($name), " = ", stringify!($name), "::new(\"Z:ACLTST\")?.with_range(\"[0:3]\".parse()?);")]
            #[doc = " assert_eq!(dev.drf(), \"Z:ACLTST.READING[0:3]\");"]
            #[doc = " # Ok::<(), Box<dyn std::error::Error>>(())"]
            #[doc = " ```"]
            pub fn with_range(&self, range: Range) -> Self {
                $name(self.0.with_range(range))
            }

            /// The same device on another backend (see [`Device::with_backend`]).
            #[doc = ""]
            #[doc = " ```"]
            #[doc = " use std::sync::Arc;"]
            #[doc = concat!(" use pacsys::{DpmBackend, ", stringify!($name), "};")]
            #[doc = ""]
            #[doc = " let backend = Arc::new(DpmBackend::builder().env(Default::default()).build()?);"]
            #[doc = concat!(" let dev: ", stringify!($name), "<DpmBackend> = ", stringify!($name), "::new(\"M:OUTTMP\")?.with_backend(backend);")]
            #[doc = " assert_eq!(dev.drf(), \"M:OUTTMP.READING\");"]
            #[doc = " # Ok::<(), pacsys::Error>(())"]
            #[doc = " ```"]
            pub fn with_backend<C: Backend + 'static>(&self, backend: Arc<C>) -> $name<C> {
                $name(self.0.with_backend(backend))
            }
        }

        impl<B: Backend + 'static> std::ops::Deref for $name<B> {
            type Target = Device<B>;
            fn deref(&self) -> &Device<B> {
                &self.0
            }
        }

        impl<B: Backend + 'static> From<$name<B>> for Device<B> {
            fn from(d: $name<B>) -> Device<B> {
                d.0
            }
        }
    };
}

typed_device!(
    /// A device whose reading is one number.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::ScalarDevice;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let t = ScalarDevice::bound("M:OUTTMP", backend.clone())?;
    /// let degrees: f64 = t.read().await?;
    /// assert_eq!(degrees, 72.5);
    /// assert!(ScalarDevice::bound("Z:TEXTDV", backend)?.read().await.is_err());
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    ScalarDevice, f64, "a number", |v| match v {
        Value::Scalar(x) => Ok(x),
        Value::Array(xs) if xs.len() == 1 => Ok(xs[0]),
        other => Err(other),
    }
);

typed_device!(
    /// A device whose reading is an array of numbers.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::ArrayDevice;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let a = ArrayDevice::bound("Z:ACLTST[0:3]", backend)?;
    /// assert_eq!(a.read().await?, vec![0.0, 0.5, 1.0, 1.5]);
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    ArrayDevice, Vec<f64>, "an array of numbers", |v| match v {
        Value::Array(xs) => Ok(xs),
        Value::Scalar(x) => Ok(vec![x]),
        other => Err(other),
    }
);

typed_device!(
    /// A device whose reading is text.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pacsys::TextDevice;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = pacsys_sim::FakeDpmServer::builder().start().await?;
    /// # let backend = Arc::new(pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
    /// let t = TextDevice::bound("Z:TEXTDV", backend)?;
    /// assert_eq!(t.read().await?, "hello");
    /// # server.shutdown().await;
    /// # Ok(()) }
    /// ```
    TextDevice, String, "text", |v| match v {
        Value::Text(t) => Ok(t),
        other => Err(other),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_compare_by_canonical_drf() {
        let a = Device::new("m:outtmp").unwrap();
        assert_eq!(Device::new("m_outtmp").unwrap().drf(), "M:OUTTMP.SETTING");
        let b = Device::new("M:OUTTMP.READING").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, Device::new("M:OUTTMP@p,1000").unwrap());
    }

    #[test]
    fn property_drfs_keep_range_and_field() {
        let d = Device::new("Z:ACLTST[2:3]@p,1000").unwrap();
        assert_eq!(
            d.read_drf(Property::Setting, None).unwrap(),
            "Z:ACLTST.SETTING[2:3]@I"
        );
        assert_eq!(d.write_drf().unwrap(), "Z:ACLTST.SETTING[2:3]@N");
        let d = Device::new("M:OUTTMP.STATUS.ON").unwrap();
        assert_eq!(
            d.read_drf(Property::Status, None).unwrap(),
            "M:OUTTMP.STATUS.ON@I"
        );
        assert!(d.read_drf(Property::Reading, Some(Field::On)).is_err());
    }

    #[test]
    fn bad_drfs_name_the_bad_byte() {
        let e = Device::new("M:OUTTMP@@").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidRequest);
        assert_eq!(e.drf(), Some("M:OUTTMP@@"));
        let parse = e.drf_error().expect("the parse error is kept");
        assert_eq!(parse.offset(), 9);
        assert!(parse.caret("M:OUTTMP@@").contains('^'));
        let e = Device::new("M:OUTTMP.STATUS.ON")
            .unwrap()
            .read_drf(Property::Reading, Some(Field::On))
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidRequest);
        assert!(e.drf_error().is_some());
    }

    #[test]
    fn typed_devices_keep_their_type() {
        let d = ScalarDevice::new("M:OUTTMP").unwrap();
        let p: ScalarDevice = d.with_event("p,100").unwrap();
        assert_eq!(p.drf(), "M:OUTTMP.READING@p,100");
        let q: ScalarDevice = p.clone();
        assert_eq!(q, p);
        assert_eq!(Device::from(q).drf(), p.drf());
    }
}
