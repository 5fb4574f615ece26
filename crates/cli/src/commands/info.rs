//! `pacsys info`: what a device is (description, units, which properties it has), read
//! in one batch.

use pacsys::{Backend, Error};

use super::out::{Out, report_call_failures};
use super::parse_drf;
use crate::cli::InfoArgs;
use crate::error::{CliError, Outcome};
use crate::formats::Renderer;
use crate::info::{self, DeviceInfo, Section};

/// `info` with its inputs checked.
#[derive(Debug)]
pub struct Info {
    /// Device names.
    pub devices: Vec<String>,
}

impl Info {
    /// Takes the device of each DRF given.
    pub fn new(a: InfoArgs) -> Result<Info, CliError> {
        let mut devices = Vec::with_capacity(a.devices.len());
        for d in &a.devices {
            devices.push(parse_drf(d)?.device().to_owned());
        }
        Ok(Info { devices })
    }

    /// Reads every property of every device and prints one block per device.
    pub async fn run<B: Backend>(self, b: &B, r: Renderer) -> Result<Outcome, CliError> {
        let devices = &self.devices;
        let drfs: Vec<String> = devices.iter().flat_map(|d| info::requests(d)).collect();
        let mut results = b.get_many(&drfs, None).await.into_iter();
        let mut out = Out::new();
        if let Some(h) = r.info_header() {
            out.line(h)?;
        }
        let mut failed = false;
        let mut call_errors = Vec::new();
        for (i, device) in devices.iter().enumerate() {
            let mut sections = Vec::with_capacity(info::PROPERTIES.len());
            for _ in info::PROPERTIES {
                let res = results.next().unwrap_or(Err(Error::closed()));
                if let Err(e) = &res {
                    call_errors.push(e.clone());
                }
                sections.push(Section::from_result(res));
            }
            let di = DeviceInfo {
                device: device.clone(),
                sections,
            };
            failed |= di.failed();
            if let Some(separator) = r.info_separator().filter(|_| i > 0) {
                out.line(separator)?;
            }
            out.line(&r.info(&di))?;
        }
        out.flush()?;
        report_call_failures(&call_errors, "");
        Ok(Outcome::from_failed(failed))
    }
}
