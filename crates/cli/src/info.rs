//! `info`: which properties a device has, read in one batch, and how they are shown.
//!
//! A property is *missing* when its read fails with DBM_NOPROP (facility 16, error -13)
//! or DPM_NO_SUCH_PROP (17, -27): decided by the status codes, never by message text
//! (the reference searched the message for `DBM_NOPROP`, which other backends' wording
//! defeated).

use pacsys::{Error, Reading, Status};

use crate::output::error_message;

/// The properties `info` reads, in display order: (DRF property, label, JSON key).
pub const PROPERTIES: [(&str, &str, &str); 6] = [
    ("DESCRIPTION", "description", "description"),
    ("READING", "reading", "reading"),
    ("SETTING", "setting", "setting"),
    ("STATUS", "status", "status"),
    ("ANALOG", "analog alarm", "analog_alarm"),
    ("DIGITAL", "digital alarm", "digital_alarm"),
];

/// The DRFs to read for `device`, one per entry of [`PROPERTIES`].
///
/// ```
/// let drfs = pacsys_cli::info::requests("M:OUTTMP");
/// assert_eq!(drfs[0], "M:OUTTMP.DESCRIPTION");
/// assert_eq!(drfs.len(), 6);
/// ```
pub fn requests(device: &str) -> Vec<String> {
    PROPERTIES
        .iter()
        .map(|(p, _, _)| format!("{device}.{p}"))
        .collect()
}

/// Whether a status says "this device has no such property".
///
/// ```
/// use pacsys::Status;
/// assert!(pacsys_cli::info::is_missing_property(Status::DBM_NOPROP));
/// assert!(pacsys_cli::info::is_missing_property(Status::DPM_NO_SUCH_PROP));
/// assert!(!pacsys_cli::info::is_missing_property(Status::DPM_NO_SUCH_DEVICE));
/// ```
pub fn is_missing_property(s: Status) -> bool {
    s == Status::DBM_NOPROP || s == Status::DPM_NO_SUCH_PROP
}

/// What one property read gave.
#[derive(Debug, Clone)]
pub enum Section {
    /// The property exists; its reading.
    Present(Reading),
    /// The device has no such property.
    Missing,
    /// The read failed for another reason.
    Failed(Error),
}

impl Section {
    /// Classifies one read result.
    pub fn from_result(r: Result<Reading, Error>) -> Section {
        match r {
            Ok(reading) if reading.ok() => Section::Present(reading),
            Ok(reading) if is_missing_property(reading.status) => Section::Missing,
            Ok(reading) => Section::Failed(Error::device(reading.drf.to_string(), reading.status)),
            Err(e) if e.status().is_some_and(is_missing_property) => Section::Missing,
            Err(e) => Section::Failed(e),
        }
    }
}

/// Everything `info` found about one device.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// The device name as given.
    pub device: String,
    /// One section per entry of [`PROPERTIES`].
    pub sections: Vec<Section>,
}

impl DeviceInfo {
    /// Whether any section failed (not counting missing properties).
    pub fn failed(&self) -> bool {
        self.sections
            .iter()
            .any(|s| matches!(s, Section::Failed(_)))
    }

    /// The device's metadata, from the first property present.
    pub fn meta(&self) -> Option<&pacsys::DeviceMeta> {
        self.sections.iter().find_map(|s| match s {
            Section::Present(r) => r.meta.as_deref(),
            _ => None,
        })
    }

    /// The engineering units, from the first property present that has them.
    pub fn units(&self) -> Option<&str> {
        self.sections.iter().find_map(|s| match s {
            Section::Present(r) => r.units(),
            _ => None,
        })
    }

    /// The properties present, by their DRF names.
    pub fn present(&self) -> Vec<&'static str> {
        PROPERTIES
            .iter()
            .zip(&self.sections)
            .filter(|(_, s)| matches!(s, Section::Present(_)))
            .map(|((p, _, _), _)| *p)
            .collect()
    }

    /// The message when the device failed as a whole (every property read failed the same
    /// way: an unknown device, no connection); `None` otherwise.
    pub fn whole_failure(&self) -> Option<String> {
        let messages: Vec<String> = self
            .sections
            .iter()
            .filter_map(|s| match s {
                Section::Failed(e) => Some(error_message(e)),
                _ => None,
            })
            .collect();
        let first = messages.first()?;
        (messages.len() == self.sections.len() && messages.iter().all(|m| m == first))
            .then(|| first.clone())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use pacsys::{DeviceMeta, Value};

    use super::*;

    fn present(v: Value) -> Section {
        let meta = DeviceMeta {
            device_index: 27235,
            name: "G:AMANDA".into(),
            description: "Amanda".into(),
            units: Some("mA".into()),
            format_hint: None,
        };
        Section::Present(
            Reading::new(Arc::from("G:AMANDA"), Status::OK)
                .with_value(v)
                .with_meta(Some(Arc::new(meta))),
        )
    }

    /// G:AMANDA with three properties present, two missing and one failed.
    pub(crate) fn amanda() -> DeviceInfo {
        let missing = Error::device("G:AMANDA.STATUS", Status::DPM_NO_SUCH_PROP);
        DeviceInfo {
            device: "G:AMANDA".into(),
            sections: vec![
                present(Value::Text("Amanda".into())),
                present(Value::Scalar(42.0)),
                present(Value::Scalar(42.0)),
                Section::from_result(Err(missing)),
                Section::from_result(Ok(Reading::new(
                    Arc::from("G:AMANDA.ANALOG"),
                    Status::DBM_NOPROP,
                ))),
                Section::from_result(Err(Error::timeout("reading"))),
            ],
        }
    }

    #[test]
    fn missing_is_decided_by_codes() {
        let info = amanda();
        assert!(matches!(info.sections[3], Section::Missing));
        assert!(matches!(info.sections[4], Section::Missing));
        assert!(info.failed());
        assert_eq!(info.present(), ["DESCRIPTION", "READING", "SETTING"]);
    }
}
