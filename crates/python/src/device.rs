//! `Device`: one device's reads, settings, status, alarms and control commands (the
//! facade's `Device` over the python crate's backend), bound to a backend or to the default
//! one. The same native class is `pacsys_rs.Device` (blocking calls) and the base of
//! `pacsys_rs.aio.AsyncDevice` (every call an awaitable): each call is one Rust future.

use std::future::Future;
use std::sync::Arc;

use pacsys::{Control, Device, Field, Property, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{seconds, verify_of};
use crate::backend::PyBackend;
use crate::convert::{PyValue, Setting, setting_from_py};
use crate::direct::block_read;
use crate::errors::IntoPy;
use crate::inner::Inner;
use crate::pyasync::PyAsyncBackend;
use crate::reading::{PyWriteResult, reading_or_raise};
use crate::runtime::call as go;
use crate::subscription::PySubscription;

/// The backend a device is bound to: a `pacsys_rs` backend (sync or the aio one over it),
/// an `AsyncBackend` written in Python (async devices only), or none (the default).
fn bind(backend: Option<&Bound<'_, PyAny>>, aio: bool) -> PyResult<Inner> {
    let Some(b) = backend else {
        return Ok(Inner::Default);
    };
    if let Ok(native) = b.cast::<PyBackend>() {
        return Ok(native.get().inner.clone());
    }
    if let Ok(native) = b.getattr(pyo3::intern!(b.py(), "_native"))
        && let Ok(native) = native.cast::<PyBackend>()
    {
        return Ok(native.get().inner.clone());
    }
    if aio {
        return Ok(Inner::Python(Arc::new(PyAsyncBackend::new(b))));
    }
    Err(PyTypeError::new_err(format!(
        "a Device takes a pacsys_rs backend (dpm(), grpc(), FakeBackend()), not {}; an AsyncBackend goes with AsyncDevice",
        b.get_type().name()?
    )))
}

/// A property name (`"reading"`, `"SETTING"`, ...), as pacsys takes it.
fn property(name: &str) -> PyResult<Property> {
    name.to_ascii_uppercase()
        .parse::<Property>()
        .map_err(|e| PyValueError::new_err(format!("property {name:?}: {e}")))
}

/// A field name (`"raw"`, `"on"`, ...), as pacsys takes it, checked against the property.
fn field(name: Option<&str>, prop: Property) -> PyResult<Option<Field>> {
    let Some(name) = name else {
        return Ok(None);
    };
    let f = name
        .to_ascii_uppercase()
        .parse::<Field>()
        .map_err(|e| PyValueError::new_err(format!("field {name:?}: {e}")))?;
    if !prop.allows(f) {
        return Err(PyValueError::new_err(format!(
            "Field '{name}' not allowed for {prop}"
        )));
    }
    Ok(Some(f))
}

/// The status bits pacsys returns as `bool`.
fn status_bit(f: Field) -> bool {
    matches!(
        f,
        Field::On | Field::Ready | Field::Remote | Field::Positive | Field::Ramp
    )
}

/// A parsed DRF (pacsys's `DataRequest`): its parts as text.
#[pyclass(module = "pacsys_rs", frozen, name = "DataRequest")]
pub struct PyDataRequest {
    inner: pacsys::drf::Request,
}

#[pymethods]
impl PyDataRequest {
    /// The device name.
    #[getter]
    fn device(&self) -> &str {
        self.inner.device()
    }

    /// The property (`"READING"`, `"SETTING"`, ...).
    #[getter]
    fn property(&self) -> String {
        self.inner.property().to_string()
    }

    /// The field, when one is given or implied (`"SCALED"`, `"RAW"`, ...).
    #[getter]
    fn field(&self) -> Option<String> {
        self.inner.field().map(|f| f.to_string())
    }

    /// The range (`"[0:3]"`), when one is given.
    #[getter]
    fn range(&self) -> Option<String> {
        self.inner.range().map(|r| r.to_string())
    }

    /// The event (`"p,1000"`; empty for the default event).
    #[getter]
    fn event(&self) -> String {
        let e = self.inner.event().to_string();
        e.strip_prefix('@').map(str::to_owned).unwrap_or(e)
    }

    /// The extra (`"LOGGER"`), when one is given.
    #[getter]
    fn extra(&self) -> Option<String> {
        self.inner.extra().map(|x| x.to_string())
    }

    /// Whether the device is an ACNET device (not an EPICS PV).
    #[getter]
    fn is_acnet(&self) -> bool {
        self.inner.is_acnet()
    }

    /// The canonical DRF.
    fn to_canonical(&self) -> String {
        self.inner.to_canonical()
    }

    fn __str__(&self) -> String {
        self.inner.to_canonical()
    }

    fn __repr__(&self) -> String {
        format!("DataRequest({:?})", self.inner.to_canonical())
    }
}

/// One device (any DRF: `M:OUTTMP`, `Z:ACLTST[0:4]`, `M:OUTTMP.SETTING`), bound to
/// `backend`, or to the default backend (`pacsys_rs.configure`) when none is given.
#[pyclass(module = "pacsys_rs", frozen, subclass, name = "Device")]
pub struct PyDevice {
    dev: Device<Inner>,
    /// The backend object it was bound to (`None`: the default backend at each call).
    backend: Option<Py<PyAny>>,
    /// Calls return awaitables (`AsyncDevice`).
    aio: bool,
}

impl PyDevice {
    /// The device to call now, with `timeout` (seconds) if given. An unbound async device
    /// uses `pacsys_rs.aio`'s global backend (bound to the running loop), a sync one the
    /// default backend.
    fn target(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Device<Inner>> {
        let mut d = if self.backend.is_none() && self.aio {
            let global = py
                .import("pacsys_rs.aio")?
                .call_method0("_get_global_async_backend")?;
            self.dev.with_backend(Arc::new(bind(Some(&global), true)?))
        } else {
            self.dev.clone()
        };
        if let Some(t) = seconds(timeout)? {
            d = d.with_timeout(t);
        }
        Ok(d)
    }

    /// A read-only call: an awaitable on an async device; on a sync one a blocking call,
    /// through the backend's twin on the direct runtime where it has one (`crate::direct`).
    fn read_call<'py, T, F>(
        &self,
        py: Python<'py>,
        d: Device<Inner>,
        make: impl FnOnce(Device<Inner>) -> F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: for<'a> IntoPyObject<'a> + Send + 'static,
        F: Future<Output = PyResult<T>> + Send + 'static,
    {
        if self.aio {
            return go(py, true, make(d));
        }
        let inner = d.backend().map_or(Inner::Default, |b| (**b).clone());
        block_read(py, &inner, |b| make(d.with_backend(Arc::new(b))))
    }

    /// A device of the same kind (sync or async, same backend) for another DRF.
    fn derive(&self, dev: Device<Inner>) -> PyDevice {
        PyDevice {
            dev,
            backend: self.backend.as_ref().map(|b| b.clone_ref_unbound()),
            aio: self.aio,
        }
    }
}

/// `Py::clone` without the GIL token (the reference count is changed under the GIL, which
/// every caller here holds).
trait CloneRef {
    fn clone_ref_unbound(&self) -> Self;
}

impl CloneRef for Py<PyAny> {
    fn clone_ref_unbound(&self) -> Self {
        Python::attach(|py| self.clone_ref(py))
    }
}

/// The value a reading carries, or its device error.
async fn value_of(
    d: Device<Inner>,
    prop: Property,
    field: Option<Field>,
) -> Result<Value, pacsys::Error> {
    let r = d.get_property(prop, field).await?;
    let status = r.status;
    r.value
        .ok_or_else(|| pacsys::Error::device(r.drf.to_string(), status))
}

#[pymethods]
impl PyDevice {
    #[new]
    #[pyo3(signature = (drf, backend=None, *, _aio=false))]
    fn new(drf: &str, backend: Option<&Bound<'_, PyAny>>, _aio: bool) -> PyResult<PyDevice> {
        let inner = bind(backend, _aio)?;
        let dev = Device::bound(drf, Arc::new(inner)).py_err()?;
        Ok(PyDevice {
            dev,
            backend: backend.filter(|b| !b.is_none()).map(|b| b.clone().unbind()),
            aio: _aio,
        })
    }

    /// The request, in canonical form.
    #[getter]
    fn drf(&self) -> &str {
        self.dev.drf()
    }

    /// The device name (`M:OUTTMP`).
    #[getter]
    fn name(&self) -> &str {
        self.dev.name()
    }

    /// The parsed request (pacsys's `DataRequest`: `device`, `property`, `field`, `range`,
    /// `event`, `extra`).
    #[getter]
    fn request(&self) -> PyDataRequest {
        PyDataRequest {
            inner: self.dev.request().clone(),
        }
    }

    /// Whether the request names an event (other than the default one).
    #[getter]
    fn has_event(&self) -> bool {
        self.dev.has_event()
    }

    /// Whether the request's event is periodic (`@p,...`, `@q,...`).
    #[getter]
    fn is_periodic(&self) -> bool {
        self.dev.is_periodic()
    }

    /// The backend this device is bound to (`None`: the default backend).
    #[getter]
    fn backend(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.backend.as_ref().map(|b| b.clone_ref(py))
    }

    /// Reads the READING property once (`.READING@I`; `field="raw"` etc.) and returns its
    /// value.
    #[pyo3(signature = (*, field=None, timeout=None))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.read_prop(py, Property::Reading, field, timeout)
    }

    /// Reads the SETTING property once.
    #[pyo3(signature = (*, field=None, timeout=None))]
    fn setting<'py>(
        &self,
        py: Python<'py>,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.read_prop(py, Property::Setting, field, timeout)
    }

    /// The basic status as a dict of bools (`on`, `ready`, `remote`, `positive`, `ramp`;
    /// only the bits the device has), or one bit as a `bool` with `field="on"` etc., or
    /// another STATUS field's value (`field="raw"`).
    #[pyo3(signature = (*, field=None, timeout=None))]
    fn status<'py>(
        &self,
        py: Python<'py>,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f = self::field(field, Property::Status)?;
        let d = self.target(py, timeout)?;
        match f {
            None => go(py, self.aio, async move {
                d.status()
                    .await
                    .map(|s| PyValue(Value::BasicStatus(s)))
                    .py_err()
            }),
            Some(f) if status_bit(f) => {
                go(
                    py,
                    self.aio,
                    async move { d.status_field(f).await.py_err() },
                )
            }
            Some(f) => go(py, self.aio, async move {
                value_of(d, Property::Status, Some(f))
                    .await
                    .map(PyValue)
                    .py_err()
            }),
        }
    }

    /// The analog alarm block as the reference's dict (or one field's value).
    #[pyo3(signature = (*, field=None, timeout=None))]
    fn analog_alarm<'py>(
        &self,
        py: Python<'py>,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.alarm(py, Property::Analog, field, timeout)
    }

    /// The digital alarm block as the reference's dict (or one field's value).
    #[pyo3(signature = (*, field=None, timeout=None))]
    fn digital_alarm<'py>(
        &self,
        py: Python<'py>,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.alarm(py, Property::Digital, field, timeout)
    }

    /// The device's description text.
    #[pyo3(signature = (*, timeout=None))]
    fn description<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d = self.target(py, timeout)?;
        go(py, self.aio, async move { d.description().await.py_err() })
    }

    /// Reads the request once (or `prop`/`field` of the device) and returns the whole
    /// `Reading` (a device error is a reading with its status, as `Backend.get`).
    #[pyo3(signature = (*, prop=None, field=None, timeout=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        prop: Option<&str>,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d = self.target(py, timeout)?;
        match prop {
            None if field.is_some() => {
                Err(PyValueError::new_err("field requires prop to be specified"))
            }
            None => self.read_call(py, d, |d| async move {
                let r = d.get().await;
                reading_or_raise(d.drf(), r)
            }),
            Some(p) => {
                let p = property(p)?;
                let f = self::field(field, p)?;
                self.read_call(py, d, move |d| async move {
                    let r = d.get_property(p, f).await;
                    reading_or_raise(d.drf(), r)
                })
            }
        }
    }

    /// Writes the device's setting (range and field kept; `field="raw"` writes that
    /// field); `verify=True`, a `Verify` or a `tolerance` reads it back. A `BasicControl`
    /// value sends that command instead.
    #[pyo3(signature = (value, *, field=None, verify=None, timeout=None, tolerance=None, retries=None))]
    #[allow(clippy::too_many_arguments)]
    fn write<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        field: Option<&str>,
        verify: Option<&Bound<'py, PyAny>>,
        timeout: Option<f64>,
        tolerance: Option<f64>,
        retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verify = verify_of(verify, tolerance, retries)?;
        let setting = setting_from_py(value)?;
        let mut d = self.target(py, timeout)?;
        if let Some(f) = self::field(field, Property::Setting)? {
            let r = d
                .request()
                .write_request(Some(f))
                .map_err(|e| PyValueError::new_err(format!("field {f}: {e}")))?;
            d = d.with_request(r);
        }
        go(py, self.aio, async move {
            match (setting, verify) {
                (Setting::Value(v), None) => d.write(v).await,
                (Setting::Value(v), Some(verify)) => d.write_verified(v, &verify).await,
                (Setting::Control(c), None) => d.control(c).await,
                (Setting::Control(c), Some(verify)) => d.control_verified(c, &verify).await,
                (Setting::AlarmFields(_), _) => Err(pacsys::Error::invalid_request(
                    d.drf(),
                    "an alarm dict is written with set_analog_alarm or set_digital_alarm",
                )),
            }
            .map(PyWriteResult::new)
            .py_err()
        })
    }

    /// Sends a basic-control command: a `BasicControl` or its name (`"on"`, `"reset"`).
    #[pyo3(signature = (command, *, verify=None, timeout=None))]
    fn control<'py>(
        &self,
        py: Python<'py>,
        command: &Bound<'py, PyAny>,
        verify: Option<&Bound<'py, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = match setting_from_py(command)? {
            Setting::Control(c) => c,
            Setting::Value(Value::Text(name)) => name
                .parse::<Control>()
                .map_err(|e| PyValueError::new_err(e.to_string()))?,
            _ => {
                return Err(PyTypeError::new_err(
                    "a control command is a BasicControl or its name",
                ));
            }
        };
        let verify = verify_of(verify, None, None)?;
        let d = self.target(py, timeout)?;
        go(py, self.aio, async move {
            match verify {
                None => d.control(c).await,
                Some(v) => d.control_verified(c, &v).await,
            }
            .map(PyWriteResult::new)
            .py_err()
        })
    }

    /// Changes fields of the analog alarm block (a dict: `minimum`, `maximum`,
    /// `alarm_enable`, `abort_inhibit`, `tries_needed`; only the keys given change).
    #[pyo3(signature = (settings, *, timeout=None))]
    fn set_analog_alarm<'py>(
        &self,
        py: Python<'py>,
        settings: &Bound<'py, PyDict>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.set_alarm(py, "ANALOG", settings, timeout)
    }

    /// Changes fields of the digital alarm block (`nominal`, `mask`, `alarm_enable`,
    /// `abort_inhibit`, `tries_needed`).
    #[pyo3(signature = (settings, *, timeout=None))]
    fn set_digital_alarm<'py>(
        &self,
        py: Python<'py>,
        settings: &Bound<'py, PyDict>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.set_alarm(py, "DIGITAL", settings, timeout)
    }

    /// Starts a subscription to this request (the native handle; give the request a
    /// repeating event, e.g. `@p,1000`).
    fn _subscribe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = self.target(py, None)?;
        go(py, self.aio, async move {
            d.subscribe().await.map(PySubscription::new).py_err()
        })
    }

    /// The DRF to stream: this request, or its `prop`/`field` with `event` (default: its
    /// own event). Raises `ValueError` when there is no repeating event.
    #[pyo3(signature = (prop=None, field=None, event=None))]
    fn _stream_drf(
        &self,
        prop: Option<&str>,
        field: Option<&str>,
        event: Option<&str>,
    ) -> PyResult<String> {
        let mut d = self.dev.clone();
        match prop {
            None if field.is_some() => {
                return Err(PyValueError::new_err("field requires prop to be specified"));
            }
            None => {}
            Some(p) => {
                let p = property(p)?;
                let f = self::field(field, p)?;
                let drf = d
                    .request()
                    .read_request(p, f)
                    .map_err(|e| PyValueError::new_err(format!("{p}: {e}")))?;
                // Keep the device's own event (read_request makes it immediate).
                let drf = match self.dev.request().event().to_string().as_str() {
                    "" => drf.without_event(),
                    own => drf
                        .with_event(own.trim_start_matches('@'))
                        .map_err(|e| PyValueError::new_err(e.to_string()))?,
                };
                d = d.with_request(drf);
            }
        }
        if let Some(e) = event {
            d = d.with_event(e).py_err()?;
        }
        if !d.has_event() {
            return Err(PyValueError::new_err(format!(
                "{}: a subscription needs a repeating event: pass event=\"p,1000\" or use with_event",
                d.drf()
            )));
        }
        Ok(d.drf().to_owned())
    }

    /// A device of the same kind for this request with `event` (`"p,1000"`).
    fn with_event(&self, event: &str) -> PyResult<PyDevice> {
        Ok(self.derive(self.dev.with_event(event).py_err()?))
    }

    /// A device of the same kind for this request without its event.
    fn without_event(&self) -> PyDevice {
        self.derive(self.dev.without_event())
    }

    /// A device of the same kind with the array range `[start:end]` (`end` inclusive;
    /// `None`: to the end), `[at]` with `at=`, or the whole array with no argument.
    #[pyo3(signature = (start=None, end=None, *, at=None))]
    fn with_range(
        &self,
        start: Option<i64>,
        end: Option<i64>,
        at: Option<i64>,
    ) -> PyResult<PyDevice> {
        let text = match (start, end, at) {
            (None, None, Some(i)) => format!("[{i}]"),
            (_, _, Some(_)) => {
                return Err(PyValueError::new_err(
                    "'at' cannot be combined with 'start'/'end'",
                ));
            }
            (Some(s), Some(e), None) => format!("[{s}:{e}]"),
            (Some(s), None, None) => format!("[{s}:]"),
            (None, Some(e), None) => format!("[:{e}]"),
            (None, None, None) => "[]".to_owned(),
        };
        let range: pacsys::drf::Range = text
            .parse()
            .map_err(|e: pacsys::drf::Error| PyValueError::new_err(format!("range {text}: {e}")))?;
        Ok(self.derive(self.dev.with_range(range)))
    }

    /// A device of the same kind for the whole array (no range).
    fn without_range(&self) -> PyDevice {
        self.derive(self.dev.without_range())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyDevice>()
            .is_ok_and(|o| o.get().dev.drf() == self.dev.drf())
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.dev.drf().hash(&mut h);
        h.finish()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let class = slf.get_type().name()?;
        Ok(format!("{class}({:?})", slf.get().dev.drf()))
    }
}

impl PyDevice {
    /// An alarm block (`prop` ANALOG or DIGITAL) as the reference's dict, or one field.
    fn alarm<'py>(
        &self,
        py: Python<'py>,
        prop: Property,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if field.is_some() {
            return self.read_prop(py, prop, field, timeout);
        }
        let d = self.target(py, timeout)?;
        go(py, self.aio, async move {
            match prop {
                Property::Digital => d.digital_alarm().await.map(Value::DigitalAlarm),
                _ => d.analog_alarm().await.map(Value::AnalogAlarm),
            }
            .map(PyValue)
            .py_err()
        })
    }

    fn read_prop<'py>(
        &self,
        py: Python<'py>,
        prop: Property,
        field: Option<&str>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f = self::field(field, prop)?;
        let d = self.target(py, timeout)?;
        self.read_call(py, d, move |d| async move {
            // Through the backend's own `read` where the facade has one (a Python backend
            // sees `read`, as pacsys's devices call it).
            match (prop, f) {
                (Property::Reading, None) => d.read().await,
                (Property::Reading, Some(f)) => d.read_field(f).await,
                (Property::Setting, None) => d.setting().await,
                (p, f) => value_of(d, p, f).await,
            }
            .map(PyValue)
            .py_err()
        })
    }

    fn set_alarm<'py>(
        &self,
        py: Python<'py>,
        block: &str,
        fields: &Bound<'py, PyDict>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Setting::AlarmFields(fields) = setting_from_py(fields.as_any())? else {
            return Err(PyValueError::new_err("alarm fields are a dict"));
        };
        let drf = format!("{}.{block}", self.dev.name());
        let d = self.target(py, timeout)?;
        let t = d.timeout();
        let b = Arc::clone(d.backend().unwrap_or(&Arc::new(Inner::Default)));
        go(py, self.aio, async move {
            pacsys::write_alarm_fields(&*b, &drf, &fields, None, t)
                .await
                .map(PyWriteResult::new)
                .py_err()
        })
    }
}
