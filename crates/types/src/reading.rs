//! One sample of one request: [`Reading`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{DeviceMeta, Status, Value};

/// One sample of one DRF, as both transports deliver it.
///
/// `drf` is the request exactly as the caller wrote it (not the text sent on the wire), so a
/// reading can be matched to the request that produced it. The string and the metadata are
/// shared ([`Arc`]) between all readings of one request: cloning a reading is cheap.
///
/// ```
/// use std::sync::Arc;
/// use pacsys_types::{Reading, Status, Value};
///
/// let r = Reading::new(Arc::from("M:OUTTMP"), Status::OK).with_value(Value::Scalar(72.5));
/// assert!(r.ok());
/// assert_eq!(r.value.as_ref().and_then(Value::as_f64), Some(72.5));
/// assert_eq!(r.name(), None); // no DeviceInfo metadata attached
/// let pend = Reading::new(Arc::from("Z:NOPE"), Status::DPM_PEND);
/// assert!(pend.is_warning() && !pend.ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reading {
    /// The DRF exactly as the caller passed it.
    pub drf: Arc<str>,
    /// The value, absent when the reply carried only a status.
    pub value: Option<Value>,
    /// The status of the sample: 0 success, a positive error a warning, negative an error.
    pub status: Status,
    /// When the sample was taken, if the server said (a wire timestamp of 0 means none).
    pub timestamp: Option<SystemTime>,
    /// The accelerator cycle information the server attached (DPM only), uninterpreted.
    pub cycle: Option<i64>,
    /// The device metadata the server sent for this request (DPM's DeviceInfo), if any.
    pub meta: Option<Arc<DeviceMeta>>,
}

impl Reading {
    /// A reading with a status and nothing else.
    pub fn new(drf: Arc<str>, status: Status) -> Reading {
        Reading {
            drf,
            value: None,
            status,
            timestamp: None,
            cycle: None,
            meta: None,
        }
    }

    /// The same reading with a value.
    pub fn with_value(mut self, value: Value) -> Reading {
        self.value = Some(value);
        self
    }

    /// The same reading with a timestamp.
    pub fn with_timestamp(mut self, timestamp: Option<SystemTime>) -> Reading {
        self.timestamp = timestamp;
        self
    }

    /// The same reading with a cycle.
    pub fn with_cycle(mut self, cycle: Option<i64>) -> Reading {
        self.cycle = cycle;
        self
    }

    /// The same reading with device metadata.
    pub fn with_meta(mut self, meta: Option<Arc<DeviceMeta>>) -> Reading {
        self.meta = meta;
        self
    }

    /// The status is success (error 0).
    pub fn is_success(&self) -> bool {
        self.status.is_ok()
    }

    /// The status is a warning (error > 0).
    pub fn is_warning(&self) -> bool {
        self.status.is_warning()
    }

    /// The status is an error (error < 0).
    pub fn is_error(&self) -> bool {
        self.status.is_error()
    }

    /// Usable: no error (a warning is fine) and a value is present.
    pub fn ok(&self) -> bool {
        !self.status.is_error() && self.value.is_some()
    }

    /// The canonical device name from the metadata, if the server sent any.
    pub fn name(&self) -> Option<&str> {
        self.meta.as_deref().map(|m| m.name.as_str())
    }

    /// The engineering units from the metadata, if any.
    pub fn units(&self) -> Option<&str> {
        self.meta.as_deref().and_then(|m| m.units.as_deref())
    }
}

/// Converts a wire timestamp in milliseconds since the Unix epoch to a [`SystemTime`];
/// 0 means "no timestamp" and gives `None`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(pacsys_types::reading::time_from_millis(0), None);
/// assert_eq!(
///     pacsys_types::reading::time_from_millis(1_500),
///     Some(UNIX_EPOCH + Duration::from_millis(1_500))
/// );
/// ```
pub fn time_from_millis(ms: i64) -> Option<SystemTime> {
    time_from_micros(ms.checked_mul(1000)?)
}

/// Converts microseconds since the Unix epoch to a [`SystemTime`]; 0 gives `None`.
pub fn time_from_micros(us: i64) -> Option<SystemTime> {
    if us == 0 {
        return None;
    }
    let magnitude = Duration::from_micros(us.unsigned_abs());
    if us > 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_flags() {
        let r = Reading::new(Arc::from("X"), Status::new(17, -26));
        assert!(r.is_error() && !r.ok() && !r.is_success());
        let r = Reading::new(Arc::from("X"), Status::DPM_PEND).with_value(Value::Scalar(1.0));
        assert!(r.ok() && r.is_warning());
        let meta = DeviceMeta {
            device_index: 1,
            name: "M:OUTTMP".into(),
            description: String::new(),
            units: Some("DegF".into()),
            format_hint: None,
        };
        let r = r.with_meta(Some(Arc::new(meta)));
        assert_eq!((r.name(), r.units()), (Some("M:OUTTMP"), Some("DegF")));
    }

    #[test]
    fn times() {
        assert_eq!(
            time_from_micros(-1),
            UNIX_EPOCH.checked_sub(Duration::from_micros(1))
        );
        assert!(time_from_millis(i64::MAX).is_none());
    }
}
