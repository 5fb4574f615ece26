//! `pacsys_rs.testing.FakeBackend`'s native side: the Rust [`FakeBackend`] with pacsys's
//! test-double methods (`set_reading`, `set_error`, `emit_reading`, `was_written`, ...). It
//! is a `Backend` (a subclass of the native one), so devices, subscriptions, `exp` and the
//! supervised proxy use it like any other; every rule (keys, ranges, recording) is the Rust
//! fake's.

use std::sync::Arc;
use std::time::SystemTime;

use pacsys::{DeviceMeta, Reading, Status, Value};
use pacsys_testing::FakeBackend;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::args::seconds;
use crate::backend::{Inner, PyBackend};
use crate::convert::{
    PyValue, analog_alarm, digital_alarm, preset_value, system_time, value_type_of,
};
use crate::errors::from_py;
use crate::runtime::wait;

/// pacsys's `ERR_RETRY` (facility 1, error -1), a refused setting's default status.
const ERR_RETRY: Status = Status::new(1, -1);

/// An in-memory backend for tests, with pacsys's test-double methods.
#[pyclass(module = "pacsys_rs.testing", extends = PyBackend, subclass, frozen, name = "_FakeBackend")]
pub struct PyFakeBackend {
    fake: FakeBackend,
}

impl PyFakeBackend {
    #[allow(clippy::too_many_arguments)]
    fn reading(
        drf: &str,
        value: &Bound<'_, PyAny>,
        value_type: Option<&Bound<'_, PyAny>>,
        units: Option<String>,
        description: Option<String>,
        timestamp: Option<&Bound<'_, PyAny>>,
        cycle: Option<i64>,
    ) -> PyResult<Reading> {
        let value = preset_value(value, value_type_of(value_type)?.as_deref())?;
        let name = pacsys::drf::Request::parse(drf)
            .map(|r| r.device().to_owned())
            .map_err(|e| PyValueError::new_err(format!("drf {drf:?}: {e}")))?;
        let meta = DeviceMeta {
            device_index: 0,
            description: description.unwrap_or_else(|| format!("Test device {name}")),
            name,
            units,
            format_hint: None,
        };
        let at = match timestamp.filter(|t| !t.is_none()) {
            Some(t) => system_time(t)?,
            None => SystemTime::now(),
        };
        Ok(Reading::new(Arc::from(drf), Status::OK)
            .with_value(value)
            .with_timestamp(Some(at))
            .with_cycle(cycle)
            .with_meta(Some(Arc::new(meta))))
    }
}

#[pymethods]
impl PyFakeBackend {
    /// An in-memory fake that knows no devices until a test presets them (`world=True`:
    /// the simulator's device world instead). `principal`: the identity it reports;
    /// `buffer`: readings a subscription holds before it drops the oldest.
    #[new]
    #[pyo3(signature = (*, world=false, principal=None, buffer=None))]
    fn new(
        world: bool,
        principal: Option<String>,
        buffer: Option<usize>,
    ) -> PyClassInitializer<PyFakeBackend> {
        let mut base = if world {
            FakeBackend::builder()
        } else {
            FakeBackend::builder().world(pacsys_sim::SimWorld::new())
        };
        if let Some(n) = buffer {
            base = base.buffer(n);
        }
        let fake = base.principal(principal).learn_on_write(true).build();
        PyClassInitializer::from(PyBackend::new(Inner::Fake(Arc::new(fake.clone()))))
            .add_subclass(PyFakeBackend { fake })
    }

    /// Presets what `drf` reads (pacsys's `set_reading`): `value` with `units`,
    /// `description`, `timestamp` (default: each read's time) and `cycle`; `value_type`
    /// checks the value's kind. The event and range of `drf` are ignored; a read with a
    /// range gets that range of the value.
    #[pyo3(signature = (drf, value, value_type=None, units=None, description=None, timestamp=None, cycle=None))]
    #[allow(clippy::too_many_arguments)]
    fn set_reading(
        &self,
        drf: &str,
        value: &Bound<'_, PyAny>,
        value_type: Option<&Bound<'_, PyAny>>,
        units: Option<String>,
        description: Option<String>,
        timestamp: Option<&Bound<'_, PyAny>>,
        cycle: Option<i64>,
    ) -> PyResult<()> {
        let stamped = timestamp.is_some_and(|t| !t.is_none());
        let r = Self::reading(
            drf,
            value,
            value_type,
            units.clone(),
            description.clone(),
            timestamp,
            cycle,
        )?;
        if stamped || units.is_some() || description.is_some() || cycle.is_some() {
            self.fake.set_full_reading(drf, r);
        } else if let Some(v) = r.value {
            // Stamped with the time of each read, with the world's metadata.
            self.fake.set_reading(drf, v);
        }
        Ok(())
    }

    /// Presets a device error for `drf`: reads give a `Reading` with `error_code` (and
    /// `facility_code`, default 1), `read()` raises `DeviceError`. (`message` is pacsys's
    /// argument; the text comes from the status.)
    #[pyo3(signature = (drf, error_code, message=None, facility_code=1))]
    fn set_error(
        &self,
        drf: &str,
        error_code: i8,
        message: Option<&str>,
        facility_code: u8,
    ) -> PyResult<()> {
        let _ = message;
        if error_code == 0 {
            return Err(PyValueError::new_err(
                "set_error needs a nonzero error_code",
            ));
        }
        self.fake
            .set_error(drf, Status::new(facility_code, error_code));
        Ok(())
    }

    /// Presets the result of settings of `drf`: success, or (`success=False` or a nonzero
    /// `error_code`) a refusal with that status (default pacsys's `ERR_RETRY`).
    #[pyo3(signature = (drf, success=true, error_code=None, message=None, facility_code=1))]
    fn set_write_result(
        &self,
        drf: &str,
        success: bool,
        error_code: Option<i8>,
        message: Option<&str>,
        facility_code: u8,
    ) {
        let _ = message;
        let status = match error_code {
            Some(0) => Status::OK,
            Some(e) => Status::new(facility_code, e),
            None if success => Status::OK,
            None => ERR_RETRY,
        };
        self.fake.set_write_result(drf, status);
    }

    /// Presets the analog alarm block `drf` reads (pacsys's dict: `minimum`, `maximum`,
    /// `alarm_enable`, `alarm_status`, `abort`, `abort_inhibit`, `tries_needed`, `tries_now`).
    fn set_analog_alarm(&self, drf: &str, alarm_dict: &Bound<'_, PyDict>) -> PyResult<()> {
        self.fake.set_reading(drf, analog_alarm(alarm_dict)?);
        Ok(())
    }

    /// Presets the digital alarm block `drf` reads (`nominal`, `mask`, ...).
    fn set_digital_alarm(&self, drf: &str, alarm_dict: &Bound<'_, PyDict>) -> PyResult<()> {
        self.fake.set_reading(drf, digital_alarm(alarm_dict)?);
        Ok(())
    }

    /// Delivers a reading of `value` to every live subscription of `drf` (same keyword
    /// arguments as `set_reading`); returns how many subscribed DRFs received it.
    #[pyo3(signature = (drf, value, value_type=None, units=None, description=None, timestamp=None, cycle=None))]
    #[allow(clippy::too_many_arguments)]
    fn emit_reading(
        &self,
        drf: &str,
        value: &Bound<'_, PyAny>,
        value_type: Option<&Bound<'_, PyAny>>,
        units: Option<String>,
        description: Option<String>,
        timestamp: Option<&Bound<'_, PyAny>>,
        cycle: Option<i64>,
    ) -> PyResult<usize> {
        let r = Self::reading(drf, value, value_type, units, description, timestamp, cycle)?;
        Ok(self.fake.emit(drf, pacsys::Event::Reading(r)))
    }

    /// Delivers one reading per number of `values`, in order, to every live subscription of
    /// `drf`, with the GIL released (a test streams many readings without a Python call
    /// each); reading `i` carries `cycle=i`. Returns how many deliveries were made.
    fn emit_readings(&self, py: Python<'_>, drf: &str, values: Vec<f64>) -> usize {
        let drf_arc: Arc<str> = Arc::from(drf);
        py.detach(|| {
            let mut delivered = 0;
            for (i, v) in values.into_iter().enumerate() {
                let r = Reading::new(Arc::clone(&drf_arc), Status::OK)
                    .with_value(Value::Scalar(v))
                    .with_timestamp(Some(SystemTime::now()))
                    .with_cycle(i64::try_from(i).ok());
                delivered += self.fake.emit(drf, pacsys::Event::Reading(r));
            }
            delivered
        })
    }

    /// Ends every live subscription with `exception` (pacsys's `emit_error`): each handle
    /// delivers what it had buffered, then `readings()` raises that exception and a
    /// callback subscription's `on_error` receives it. Returns how many it ended.
    fn emit_error(&self, exception: &Bound<'_, PyAny>) -> PyResult<usize> {
        if !exception.is_instance_of::<pyo3::exceptions::PyBaseException>() {
            return Err(PyTypeError::new_err("emit_error takes an exception"));
        }
        let e = from_py(PyErr::from_value(exception.clone()));
        Ok(self.fake.fail_subscriptions(e))
    }

    /// Delivers a device error status to every live subscription of `drf` (a `Reading`
    /// with that status; the subscriptions keep running).
    #[pyo3(signature = (drf, error_code, facility_code=1))]
    fn emit_status(&self, drf: &str, error_code: i8, facility_code: u8) -> usize {
        self.fake
            .emit_error(drf, Status::new(facility_code, error_code))
    }

    /// Waits (GIL released) until a subscription of `drf` is live; `False` after
    /// `timeout` seconds.
    #[pyo3(signature = (drf, timeout=1.0))]
    fn wait_for_subscription(&self, py: Python<'_>, drf: String, timeout: f64) -> PyResult<bool> {
        let t = seconds(Some(timeout))?.unwrap_or_default();
        let fake = self.fake.clone();
        wait(py, async move { fake.wait_for_subscription(&drf, t).await })
    }

    /// `wait_for_subscription`, awaitable.
    #[pyo3(signature = (drf, timeout=1.0))]
    fn wait_for_subscription_async<'py>(
        &self,
        py: Python<'py>,
        drf: String,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = seconds(Some(timeout))?.unwrap_or_default();
        let fake = self.fake.clone();
        crate::runtime::awaitable(
            py,
            async move { Ok(fake.wait_for_subscription(&drf, t).await) },
        )
    }

    /// Whether `drf` was read (event, range and case aside).
    fn was_read(&self, drf: &str) -> bool {
        self.fake.was_read(drf)
    }

    /// Whether a setting of `drf`'s device and property was made (`G:AMANDA` matches
    /// `G:AMANDA.SETTING@N`, however the DRF was rewritten on the way).
    fn was_written(&self, drf: &str) -> bool {
        self.fake.was_written(drf)
    }

    /// The value of the last setting of `drf` (`None` if none).
    fn get_written_value(&self, drf: &str) -> Option<PyValue> {
        self.fake.written_value(drf).map(PyValue)
    }

    /// The DRFs read, in order.
    #[getter]
    fn reads(&self) -> Vec<String> {
        self.fake.reads()
    }

    /// The settings made, as `(drf, value)` pairs in order.
    #[getter]
    fn writes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let pairs = self
            .fake
            .writes()
            .into_iter()
            .map(|(d, v)| (d, PyValue(v)))
            .collect::<Vec<_>>();
        PyList::new(py, pairs)
    }

    /// How many subscriptions are live.
    #[getter]
    fn subscription_count(&self) -> usize {
        self.fake.subscription_count()
    }

    /// Forgets every preset and recorded operation and ends every subscription.
    fn reset(&self) {
        self.fake.reset();
    }
}
