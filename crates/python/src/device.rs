//! `Device`: one device's reads, settings, status, alarms and control commands (the
//! facade's `Device`), bound to a backend or to the default one.

use pacsys::{AnyBackend, Control, Device};
use pacsys_testing::FakeBackend;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::backend::{Inner, PyBackend, verify_of, with_backend};
use crate::convert::{Setting, setting_from_py, value_to_py};
use crate::errors::IntoPy;
use crate::reading::{PyReading, PyWriteResult};
use crate::runtime::wait;
use crate::subscription::PySubscription;

#[derive(Clone)]
enum Dev {
    Any(Device<AnyBackend>),
    Fake(Device<FakeBackend>),
}

macro_rules! with_device {
    ($dev:expr, |$d:ident| $body:expr) => {
        match $dev {
            Dev::Any($d) => $body,
            Dev::Fake($d) => $body,
        }
    };
}

/// One device (any DRF: `M:OUTTMP`, `Z:ACLTST[0:4]`, `M:OUTTMP.SETTING`), bound to
/// `backend`, or to the default backend (`pacsys_rs.configure`) when none is given.
#[pyclass(module = "pacsys_rs", frozen, subclass, name = "Device")]
pub struct PyDevice {
    dev: Dev,
    /// The backend it is bound to (`None`: the default backend at each call).
    backend: Option<Inner>,
}

impl PyDevice {
    fn run<'py, T, F>(&self, py: Python<'py>, f: impl FnOnce(Dev) -> F) -> PyResult<T>
    where
        T: Send,
        F: std::future::Future<Output = Result<T, pacsys::Error>> + Send,
    {
        wait(py, f(self.dev.clone()))?.py_err()
    }
}

#[pymethods]
impl PyDevice {
    #[new]
    #[pyo3(signature = (drf, backend=None))]
    fn new(drf: &str, backend: Option<&Bound<'_, PyBackend>>) -> PyResult<PyDevice> {
        let backend = backend.map(|b| b.get().inner.clone());
        let dev = match backend.clone() {
            None => Dev::Any(Device::new(drf).py_err()?),
            Some(Inner::Any(b)) => Dev::Any(Device::bound(drf, b).py_err()?),
            Some(Inner::Fake(b)) => Dev::Fake(Device::bound(drf, b).py_err()?),
        };
        Ok(PyDevice { dev, backend })
    }

    /// The request, in canonical form.
    #[getter]
    fn drf(&self) -> String {
        with_device!(&self.dev, |d| d.drf().to_owned())
    }

    /// The device name (`M:OUTTMP`).
    #[getter]
    fn name(&self) -> String {
        with_device!(&self.dev, |d| d.name().to_owned())
    }

    /// Reads the request once and returns its value.
    fn read<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = self.run(py, |d| async move { with_device!(d, |d| d.read().await) })?;
        value_to_py(py, &v)
    }

    /// Reads the request once and returns the whole `Reading` (a device error is a reading
    /// with its status, as `Backend.get`).
    fn get(&self, py: Python<'_>) -> PyResult<PyReading> {
        let drf = self.drf();
        let r = wait(py, {
            let d = self.dev.clone();
            async move { with_device!(d, |d| d.get().await) }
        })?;
        // As `Backend.get`: a device error is a reading with its status.
        match r {
            Ok(reading) => Ok(PyReading::new(reading)),
            Err(e) if e.kind() == pacsys::ErrorKind::Device => Ok(PyReading::failed(&drf, e)),
            Err(e) => Err(crate::errors::to_py(e)),
        }
    }

    /// Reads the device's setting.
    fn setting<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = self.run(
            py,
            |d| async move { with_device!(d, |d| d.setting().await) },
        )?;
        value_to_py(py, &v)
    }

    /// The basic status as a dict of bools (`on`, `ready`, `remote`, `positive`, `ramp`;
    /// only the bits the device has), or one bit with `field="on"` etc.
    #[pyo3(signature = (field=None))]
    fn status<'py>(&self, py: Python<'py>, field: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(name) = field {
            let f = match name.to_ascii_lowercase().as_str() {
                "on" => pacsys::Field::On,
                "ready" => pacsys::Field::Ready,
                "remote" => pacsys::Field::Remote,
                "positive" => pacsys::Field::Positive,
                "ramp" => pacsys::Field::Ramp,
                _ => {
                    return Err(PyValueError::new_err(format!(
                        "status field {name:?}: one of on, ready, remote, positive, ramp"
                    )));
                }
            };
            let bit = self.run(py, |d| async move {
                with_device!(d, |d| d.status_field(f).await)
            })?;
            return Ok(pyo3::types::PyBool::new(py, bit).to_owned().into_any());
        }
        let s = self.run(py, |d| async move { with_device!(d, |d| d.status().await) })?;
        value_to_py(py, &pacsys::Value::BasicStatus(s))
    }

    /// The analog alarm block as the reference's dict.
    fn analog_alarm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let a = self.run(py, |d| async move {
            with_device!(d, |d| d.analog_alarm().await)
        })?;
        value_to_py(py, &pacsys::Value::AnalogAlarm(a))
    }

    /// The digital alarm block as the reference's dict.
    fn digital_alarm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let a = self.run(py, |d| async move {
            with_device!(d, |d| d.digital_alarm().await)
        })?;
        value_to_py(py, &pacsys::Value::DigitalAlarm(a))
    }

    /// The device's description text.
    fn description(&self, py: Python<'_>) -> PyResult<String> {
        self.run(
            py,
            |d| async move { with_device!(d, |d| d.description().await) },
        )
    }

    /// Writes the device's setting (range and field kept); `verify=True` or a `tolerance`
    /// reads it back. A `BasicControl` value sends that command instead.
    #[pyo3(signature = (value, verify=None, tolerance=None, retries=None))]
    fn write(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        verify: Option<&Bound<'_, PyAny>>,
        tolerance: Option<f64>,
        retries: Option<u32>,
    ) -> PyResult<PyWriteResult> {
        let verify = verify_of(verify, tolerance, retries)?;
        let setting = setting_from_py(value)?;
        self.run(py, |d| async move {
            with_device!(d, |d| match (setting, verify) {
                (Setting::Value(v), None) => d.write(v).await,
                (Setting::Value(v), Some(verify)) => d.write_verified(v, &verify).await,
                (Setting::Control(c), None) => d.control(c).await,
                (Setting::Control(c), Some(verify)) => d.control_verified(c, &verify).await,
                (Setting::AlarmFields(_), _) => Err(pacsys::Error::invalid_request(
                    d.drf(),
                    "an alarm dict is written with set_analog_alarm or set_digital_alarm",
                )),
            })
        })
        .map(PyWriteResult::new)
    }

    /// Sends a basic-control command: a `BasicControl` or its name (`"on"`, `"reset"`).
    #[pyo3(signature = (command, verify=None))]
    fn control(
        &self,
        py: Python<'_>,
        command: &Bound<'_, PyAny>,
        verify: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWriteResult> {
        let c = match setting_from_py(command)? {
            Setting::Control(c) => c,
            Setting::Value(pacsys::Value::Text(name)) => name
                .parse::<Control>()
                .map_err(|e| PyValueError::new_err(e.to_string()))?,
            _ => {
                return Err(PyValueError::new_err(
                    "a control command is a BasicControl or its name",
                ));
            }
        };
        let verify = verify_of(verify, None, None)?;
        self.run(py, |d| async move {
            with_device!(d, |d| match verify {
                None => d.control(c).await,
                Some(v) => d.control_verified(c, &v).await,
            })
        })
        .map(PyWriteResult::new)
    }

    /// Changes fields of the analog alarm block (a dict: `minimum`, `maximum`,
    /// `alarm_enable`, `abort_inhibit`, `tries_needed`; only the keys given change).
    fn set_analog_alarm(
        &self,
        py: Python<'_>,
        fields: &Bound<'_, PyDict>,
    ) -> PyResult<PyWriteResult> {
        self.set_alarm(py, "ANALOG", fields)
    }

    /// Changes fields of the digital alarm block (`nominal`, `mask`, `alarm_enable`,
    /// `abort_inhibit`, `tries_needed`).
    fn set_digital_alarm(
        &self,
        py: Python<'_>,
        fields: &Bound<'_, PyDict>,
    ) -> PyResult<PyWriteResult> {
        self.set_alarm(py, "DIGITAL", fields)
    }

    /// Starts a subscription to this request (give it a repeating event, e.g. `@p,1000`).
    fn _subscribe(&self, py: Python<'_>) -> PyResult<PySubscription> {
        self.run(
            py,
            |d| async move { with_device!(d, |d| d.subscribe().await) },
        )
        .map(PySubscription::new)
    }

    /// The backend this device is bound to (`None`: the default backend).
    #[getter]
    fn backend(&self) -> Option<PyBackend> {
        self.backend.clone().map(PyBackend::new)
    }

    /// The DRF of this device with `event` (`"p,1000"`) instead of its own.
    fn _drf_with_event(&self, event: &str) -> PyResult<String> {
        with_device!(&self.dev, |d| d
            .with_event(event)
            .map(|d| d.drf().to_owned()))
        .py_err()
    }

    /// The DRF of this device with the array range `[start:end]` (`end` inclusive;
    /// `None`: to the end).
    #[pyo3(signature = (start, end=None))]
    fn _drf_with_range(&self, start: u32, end: Option<u32>) -> PyResult<String> {
        let text = match end {
            Some(e) => format!("[{start}:{e}]"),
            None => format!("[{start}:]"),
        };
        let range: pacsys_drf::Range = text
            .parse()
            .map_err(|e: pacsys_drf::Error| PyValueError::new_err(format!("range {text}: {e}")))?;
        Ok(with_device!(&self.dev, |d| d
            .with_range(range)
            .drf()
            .to_owned()))
    }

    fn __repr__(&self) -> String {
        format!("Device({:?})", self.drf())
    }
}

impl PyDevice {
    fn set_alarm(
        &self,
        py: Python<'_>,
        block: &str,
        fields: &Bound<'_, PyDict>,
    ) -> PyResult<PyWriteResult> {
        let Setting::AlarmFields(fields) = setting_from_py(fields.as_any())? else {
            return Err(PyValueError::new_err("alarm fields are a dict"));
        };
        let drf = format!("{}.{block}", self.name());
        let backend = self.backend.clone();
        let r = wait(py, async move {
            let inner = match backend {
                Some(inner) => inner,
                None => Inner::Any(pacsys::default_backend()?),
            };
            with_backend!(inner, |b| pacsys::write_alarm_fields(
                &*b, &drf, &fields, None, None
            )
            .await)
        })?;
        r.py_err().map(PyWriteResult::new)
    }
}
