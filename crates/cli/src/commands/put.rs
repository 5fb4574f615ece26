//! `pacsys put`: write settings (DRF VALUE pairs), optionally verified by reading back.

use pacsys::{Backend, Error, Value, Verify};

use super::out::{Out, report_call_failures};
use super::parse_drf;
use crate::cli::PutArgs;
use crate::error::{CliError, Outcome};
use crate::formats::Renderer;
use crate::output::PutLine;
use crate::values::{self, PutValue};

/// `put` with its inputs checked.
#[derive(Debug)]
pub struct Put {
    /// (DRF, value) pairs, as given.
    pub settings: Vec<(String, PutValue)>,
    /// Read-back checking, when asked for.
    pub verify: Option<Verify>,
}

impl Put {
    /// Checks the pairs (each DRF parsed, each value typed) and the verification options.
    pub fn new(a: PutArgs) -> Result<Put, CliError> {
        if !a.pairs.len().is_multiple_of(2) {
            return Err(CliError::Usage(format!(
                "put takes DRF VALUE pairs; {:?} has no value",
                a.pairs.last().cloned().unwrap_or_default()
            )));
        }
        let mut settings = Vec::with_capacity(a.pairs.len() / 2);
        for pair in a.pairs.chunks_exact(2) {
            let (drf, text) = (&pair[0], &pair[1]);
            let request = parse_drf(drf)?;
            let value = match values::AlarmKind::of(&request) {
                // A whole alarm block: key=value fields (a control command
                // still goes to the device's CONTROL property).
                Some(kind) if text.parse::<pacsys::Control>().is_err() => {
                    values::parse_alarm_edits(text, kind).map(PutValue::Alarm)
                }
                _ => values::parse_value(text),
            }
            .map_err(|e| CliError::Usage(format!("{drf}: {e}")))?;
            settings.push((drf.clone(), value));
        }
        let verify = if a.verify || a.tolerance.is_some() {
            let usage = |e: Error| CliError::Usage(e.to_string());
            Some(
                Verify::new()
                    .with_tolerance(a.tolerance.unwrap_or(0.0))
                    .map_err(usage)?
                    .with_max_attempts(a.retries)
                    .map_err(usage)?,
            )
        } else {
            None
        };
        Ok(Put { settings, verify })
    }

    /// Writes the settings and prints one line per setting.
    pub async fn run<B: Backend>(self, b: &B, r: Renderer) -> Result<Outcome, CliError> {
        let Put { settings, verify } = self;
        let (settings, verify) = (&settings, verify);
        let mut out = Out::new();
        if let Some(h) = r.put_header() {
            out.line(&h)?;
        }
        // Data settings without verification go out in one batch; control commands and
        // verified writes one by one, in order.
        let batch: Vec<(&str, Value)> = settings
            .iter()
            .filter_map(|(drf, v)| match (v, &verify) {
                (PutValue::Data(v), None) => Some((drf.as_str(), v.clone())),
                _ => None,
            })
            .collect();
        let mut batched = if batch.is_empty() {
            Vec::new()
        } else {
            b.write_many(&batch, None).await
        }
        .into_iter();
        let mut failed = false;
        let mut call_errors = Vec::new();
        for (drf, value) in settings {
            let result = match (value, &verify) {
                (PutValue::Data(_), None) => batched.next().unwrap_or(Err(Error::closed())),
                (PutValue::Data(v), Some(verify)) => {
                    pacsys::write_verified(b, drf, v.clone(), verify, None).await
                }
                (PutValue::Control(c), verify) => {
                    pacsys::control(b, drf, *c, verify.as_ref(), None).await
                }
                (PutValue::Alarm(edits), verify) => {
                    pacsys::write_alarm_fields(b, drf, edits, verify.as_ref(), None).await
                }
            };
            let line = match &result {
                Ok(w) => PutLine {
                    drf,
                    result: Ok(w.status),
                    verified: w.verified,
                    readback: w.readback.as_ref(),
                    readback_error: w.readback_error.as_deref(),
                    attempts: w.verified.map(|_| w.attempts),
                },
                Err(e) => PutLine {
                    drf,
                    result: Err(e),
                    verified: None,
                    readback: None,
                    readback_error: None,
                    attempts: None,
                },
            };
            failed |= !line.ok();
            out.line(&r.put(&line))?;
            out.flush()?;
            if let Err(e) = result {
                call_errors.push(e);
            }
        }
        out.flush()?;
        report_call_failures(&call_errors, "");
        Ok(Outcome::from_failed(failed))
    }
}
