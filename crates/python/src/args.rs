//! Arguments from Python into the facade's types: DRFs (strings or devices), timeouts,
//! settings, verification and subscription options. Every call converts its arguments here,
//! once, before any I/O; a wrong type or value raises `TypeError`/`ValueError` naming it.

use std::time::Duration;

use pacsys::Verify;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::convert::{Setting, setting_from_py};
use crate::errors::IntoPy;

/// Subscription options with a `buffer` (readings held before one is dropped) and a drop
/// policy (`"oldest"`, the default, or `"newest"` as pacsys).
pub fn options(buffer: Option<usize>, drop: Option<&str>) -> PyResult<pacsys::SubscriptionOptions> {
    let mut o = pacsys::SubscriptionOptions::default();
    if let Some(n) = buffer {
        if n == 0 {
            return Err(PyValueError::new_err(
                "buffer must hold at least one reading",
            ));
        }
        o = o.buffer(n);
    }
    match drop {
        None | Some("oldest") => {}
        Some("newest") => o = o.drop_policy(pacsys::DropPolicy::DropNewest),
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "drop={other:?}: \"oldest\" (keep the newest readings) or \"newest\" (pacsys's policy)"
            )));
        }
    }
    Ok(o)
}

/// Seconds from Python into a duration (`None` stays `None`).
pub fn seconds(timeout: Option<f64>) -> PyResult<Option<Duration>> {
    timeout
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                PyValueError::new_err(format!("timeout must be positive seconds, not {s}"))
            })
        })
        .transpose()
}

/// The DRFs of a list of strings or devices.
pub fn drf_list(items: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(list) = items.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for item in list.iter() {
            out.push(drf_of(&item)?);
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for item in items.try_iter()? {
        out.push(drf_of(&item?)?);
    }
    Ok(out)
}

/// A device argument: a DRF string, or a device (anything with a `drf` attribute).
#[derive(FromPyObject)]
enum DeviceArg {
    Text(String),
    Device {
        #[pyo3(attribute("drf"))]
        drf: String,
    },
}

/// The DRF of a string or a device (anything with a `drf` attribute).
pub fn drf_of(item: &Bound<'_, PyAny>) -> PyResult<String> {
    match item.extract::<DeviceArg>() {
        Ok(DeviceArg::Text(drf) | DeviceArg::Device { drf }) => Ok(drf),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "expected a DRF string or a device, got {}",
            item.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))),
    }
}

/// `(drf, value)` pairs from a list of pairs or a dict.
pub fn settings_of(settings: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Setting)>> {
    let pairs: Vec<Bound<'_, PyAny>> = match settings.cast::<PyDict>() {
        Ok(d) => d.items().iter().map(|t| t.into_any()).collect(),
        Err(_) => settings.try_iter()?.collect::<PyResult<_>>()?,
    };
    let mut out = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let t = pair
            .cast::<PyTuple>()
            .map_err(|_| PyValueError::new_err("settings are (device, value) pairs or a dict"))?;
        if t.len() != 2 {
            return Err(PyValueError::new_err("settings are (device, value) pairs"));
        }
        out.push((drf_of(&t.get_item(0)?)?, setting_from_py(&t.get_item(1)?)?));
    }
    Ok(out)
}

/// The verification asked for: `verify=True` (exact), a `pacsys_rs.Verify` (its
/// `tolerance` and `max_attempts`), a `tolerance`, or nothing.
pub fn verify_of(
    verify: Option<&Bound<'_, PyAny>>,
    tolerance: Option<f64>,
    retries: Option<u32>,
) -> PyResult<Option<Verify>> {
    let (mut on, mut tolerance, mut retries) = (tolerance.is_some(), tolerance, retries);
    if let Some(v) = verify {
        if v.hasattr("tolerance")? && v.hasattr("max_attempts")? {
            on = true;
            tolerance = tolerance.or(v.getattr("tolerance")?.extract()?);
            retries = retries.or(v.getattr("max_attempts")?.extract()?);
        } else if v.is_truthy()? {
            on = true;
        }
    }
    if !on {
        return Ok(None);
    }
    let mut v = Verify::new()
        .with_tolerance(tolerance.unwrap_or(0.0))
        .py_err()?;
    if let Some(n) = retries {
        v = v.with_max_attempts(n).py_err()?;
    }
    // The rest of a `pacsys_rs.Verify`: delays, another read-back DRF, check first.
    if let Some(obj) = verify.filter(|o| o.hasattr("initial_delay").unwrap_or(false)) {
        let delay = |name: &str| -> PyResult<Option<Duration>> {
            let secs: Option<f64> = obj.getattr(name)?.extract()?;
            seconds(secs)
        };
        if let Some(d) = delay("initial_delay")? {
            v = v.with_initial_delay(d);
        }
        if let Some(d) = delay("retry_delay")? {
            v = v.with_retry_delay(d);
        }
        if let Some(drf) = obj.getattr("readback")?.extract::<Option<String>>()? {
            v = v.with_readback(drf).py_err()?;
        }
        v = v.with_check_first(obj.getattr("check_first")?.extract()?);
    }
    Ok(Some(v))
}
