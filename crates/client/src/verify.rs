//! Writes with read-back verification ([`Verify`], [`write_verified`]) and basic-control
//! commands ([`control`] with a [`Control`]).

use std::time::Duration;

use pacsys_drf::{Field, Property, Request};
use pacsys_types::plan::WritePlan;
use pacsys_types::{Control, Value};

use crate::{Backend, Error, WriteResult};

/// How a write is checked by reading the device back.
///
/// The defaults are the reference's: no check before writing, exact match (tolerance 0),
/// a first read-back 0.3 s after the write, then up to 3 attempts 0.5 s apart. Build one
/// with [`Verify::new`] and the `with_*` methods, which validate their input.
///
/// ```
/// use std::time::Duration;
/// use pacsys::Verify;
///
/// let v = Verify::new().with_tolerance(0.01)?.with_max_attempts(5)?;
/// assert_eq!(v.tolerance(), 0.01);
/// assert_eq!(v.max_attempts(), 5);
/// assert!(Verify::new().with_tolerance(f64::NAN).is_err());
/// assert!(Verify::new().with_max_attempts(0).is_err());
/// assert!(Verify::new().with_readback("M:OUTTMP@@").is_err());
/// # Ok::<(), pacsys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Verify {
    check_first: bool,
    tolerance: f64,
    initial_delay: Duration,
    retry_delay: Duration,
    max_attempts: u32,
    readback: Option<String>,
}

impl Default for Verify {
    fn default() -> Verify {
        Verify {
            check_first: false,
            tolerance: 0.0,
            initial_delay: Duration::from_millis(300),
            retry_delay: Duration::from_millis(500),
            max_attempts: 3,
            readback: None,
        }
    }
}

fn invalid(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::invalid_request("", format!("verify {what}: {detail}"))
}

impl Verify {
    /// The reference defaults (see the type's documentation).
    ///
    /// ```
    /// use std::time::Duration;
    /// use pacsys::Verify;
    ///
    /// let v = Verify::new();
    /// assert_eq!(v.tolerance(), 0.0);
    /// assert_eq!(v.initial_delay(), Duration::from_millis(300));
    /// assert_eq!(v, Verify::default());
    /// ```
    pub fn new() -> Verify {
        Verify::default()
    }

    /// Read the device first and skip the write when it already holds the value
    /// (the result then has `skipped` set and nothing is written).
    ///
    /// ```
    /// let v = pacsys::Verify::new().with_check_first(true);
    /// assert!(v.check_first());
    /// ```
    pub fn with_check_first(mut self, check_first: bool) -> Verify {
        self.check_first = check_first;
        self
    }

    /// The largest absolute difference accepted between written and read-back numbers
    /// (finite and not negative).
    ///
    /// ```
    /// let v = pacsys::Verify::new().with_tolerance(0.05)?;
    /// assert_eq!(v.tolerance(), 0.05);
    /// assert!(pacsys::Verify::new().with_tolerance(-1.0).is_err());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn with_tolerance(mut self, tolerance: f64) -> Result<Verify, Error> {
        if !tolerance.is_finite() || tolerance < 0.0 {
            return Err(invalid(
                "tolerance",
                format!("{tolerance} is not a finite number >= 0"),
            ));
        }
        self.tolerance = tolerance;
        Ok(self)
    }

    /// How long to wait after the write before the first read-back.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let v = pacsys::Verify::new().with_initial_delay(Duration::from_millis(100));
    /// assert_eq!(v.initial_delay(), Duration::from_millis(100));
    /// ```
    pub fn with_initial_delay(mut self, delay: Duration) -> Verify {
        self.initial_delay = delay;
        self
    }

    /// How long to wait between read-back attempts.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let v = pacsys::Verify::new().with_retry_delay(Duration::from_secs(1));
    /// assert_eq!(v.retry_delay(), Duration::from_secs(1));
    /// ```
    pub fn with_retry_delay(mut self, delay: Duration) -> Verify {
        self.retry_delay = delay;
        self
    }

    /// How many read-backs to try at most (at least 1).
    ///
    /// ```
    /// let v = pacsys::Verify::new().with_max_attempts(10)?;
    /// assert_eq!(v.max_attempts(), 10);
    /// assert!(pacsys::Verify::new().with_max_attempts(0).is_err());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn with_max_attempts(mut self, attempts: u32) -> Result<Verify, Error> {
        if attempts == 0 {
            return Err(invalid("max_attempts", "at least one attempt is needed"));
        }
        self.max_attempts = attempts;
        Ok(self)
    }

    /// Read back this DRF instead of the written device's SETTING (it must parse).
    ///
    /// ```
    /// let v = pacsys::Verify::new().with_readback("M:OUTTMP.READING")?;
    /// assert_eq!(v.readback(), Some("M:OUTTMP.READING"));
    /// assert!(pacsys::Verify::new().with_readback("M:OUTTMP@@").is_err());
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn with_readback(mut self, drf: impl Into<String>) -> Result<Verify, Error> {
        let drf = drf.into();
        if let Err(e) = Request::parse(&drf) {
            return Err(Error::invalid_drf(drf, e));
        }
        self.readback = Some(drf);
        Ok(self)
    }

    /// Whether the device is read before writing.
    ///
    /// ```
    /// assert!(!pacsys::Verify::new().check_first());
    /// assert!(pacsys::Verify::new().with_check_first(true).check_first());
    /// ```
    pub fn check_first(&self) -> bool {
        self.check_first
    }

    /// The accepted absolute difference.
    ///
    /// ```
    /// assert_eq!(pacsys::Verify::new().tolerance(), 0.0); // exact match by default
    /// assert_eq!(pacsys::Verify::new().with_tolerance(0.5)?.tolerance(), 0.5);
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The wait before the first read-back.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// assert_eq!(pacsys::Verify::new().initial_delay(), Duration::from_millis(300));
    /// ```
    pub fn initial_delay(&self) -> Duration {
        self.initial_delay
    }

    /// The wait between read-backs.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// assert_eq!(pacsys::Verify::new().retry_delay(), Duration::from_millis(500));
    /// ```
    pub fn retry_delay(&self) -> Duration {
        self.retry_delay
    }

    /// The most read-backs tried.
    ///
    /// ```
    /// assert_eq!(pacsys::Verify::new().max_attempts(), 3);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The DRF read back instead of the default, if any.
    ///
    /// ```
    /// assert_eq!(pacsys::Verify::new().readback(), None); // the written device's SETTING
    /// let v = pacsys::Verify::new().with_readback("M:OUTTMP")?;
    /// assert_eq!(v.readback(), Some("M:OUTTMP"));
    /// # Ok::<(), pacsys::Error>(())
    /// ```
    pub fn readback(&self) -> Option<&str> {
        self.readback.as_deref()
    }
}

/// Whether a read-back matches a written value: numbers (and each element of number
/// arrays, which must have the same length) within `tolerance`; NaN never matches; alarm
/// blocks by their writable fields (limits within `tolerance`); other kinds must be equal.
///
/// ```
/// use pacsys::{values_match, Value};
///
/// assert!(values_match(&Value::Scalar(1.0), &Value::Scalar(1.05), 0.1));
/// assert!(!values_match(&Value::Scalar(1.0), &Value::Scalar(1.2), 0.1));
/// assert!(values_match(&Value::Array(vec![1.0, 2.0]), &Value::Array(vec![1.0, 2.01]), 0.1));
/// assert!(!values_match(&Value::Array(vec![1.0]), &Value::Array(vec![1.0, 2.0]), 0.1));
/// assert!(!values_match(&Value::Scalar(f64::NAN), &Value::Scalar(f64::NAN), 1.0));
/// assert!(values_match(&Value::Text("a".into()), &Value::Text("a".into()), 0.0));
/// ```
pub fn values_match(written: &Value, readback: &Value, tolerance: f64) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= tolerance;
    match (written, readback) {
        (Value::Scalar(a), Value::Scalar(b)) => close(*a, *b),
        // A one-element array and a scalar compare as numbers (a `[n]` range reads back
        // as a scalar).
        (Value::Array(a), Value::Scalar(b)) | (Value::Scalar(b), Value::Array(a)) => {
            a.len() == 1 && close(a[0], *b)
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| close(*x, *y))
        }
        // Alarm blocks: the writable fields (the rest is state the front end reports).
        (Value::AnalogAlarm(a), Value::AnalogAlarm(b)) => {
            close(a.minimum, b.minimum)
                && close(a.maximum, b.maximum)
                && (a.alarm_enable, a.abort_inhibit, a.tries_needed)
                    == (b.alarm_enable, b.abort_inhibit, b.tries_needed)
        }
        (Value::DigitalAlarm(a), Value::DigitalAlarm(b)) => {
            (
                a.nominal,
                a.mask,
                a.alarm_enable,
                a.abort_inhibit,
                a.tries_needed,
            ) == (
                b.nominal,
                b.mask,
                b.alarm_enable,
                b.abort_inhibit,
                b.tries_needed,
            )
        }
        (a, b) => a == b,
    }
}

fn parse(drf: &str) -> Result<Request, Error> {
    Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))
}

fn rebuilt(drf: &str, r: Result<Request, pacsys_drf::Error>) -> Result<String, Error> {
    r.map(|r| r.to_string())
        .map_err(|e| Error::invalid_drf(drf, e))
}

/// The DRF read back to verify a write of `drf`, read once with range and field kept:
/// the SETTING for a reading or setting (writes go to the setting), the written property
/// itself otherwise (an alarm field such as `.ANALOG.MAX` reads back that field).
fn setting_readback(drf: &str) -> Result<String, Error> {
    let request = parse(drf)?;
    let property = match request.property() {
        Property::Reading | Property::Setting => Property::Setting,
        other => other,
    };
    rebuilt(drf, request.read_request(property, None))
}

/// Writes `value` to `drf` and, as `verify` says, checks it by reading back.
///
/// The result's `verified` is `Some(true)` when a read-back matched within the tolerance,
/// `Some(false)` when none did (then `readback` holds the last value read, and
/// `attempts` how many read-backs were made; read errors count as failed attempts). With
/// `check_first`, a device already holding the value is not written (`skipped`). A
/// refused write is returned as its error, without read-backs.
///
/// ```
/// use std::time::Duration;
/// use pacsys::{write_verified, Value, Verify};
/// use pacsys_sim::FakeDpmServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = FakeDpmServer::builder().insecure_settings(true).start().await?;
/// let backend = pacsys::DpmBackend::builder()
///     .host("127.0.0.1")
///     .port(server.port())
///     .env(Default::default())
///     .build()?;
/// let verify = Verify::new().with_tolerance(0.01)?.with_initial_delay(Duration::ZERO);
/// let r = write_verified(&backend, "G:AMANDA", Value::Scalar(12.5), &verify, None).await?;
/// assert_eq!(r.verified, Some(true));
/// assert_eq!(r.readback, Some(Value::Scalar(12.5)));
/// assert!(r.confirmed());
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn write_verified<B: Backend>(
    backend: &B,
    drf: &str,
    value: Value,
    verify: &Verify,
    timeout: Option<Duration>,
) -> Result<WriteResult, Error> {
    let readback = match verify.readback() {
        Some(r) => r.to_owned(),
        None => setting_readback(drf)?,
    };
    let matches = |v: &Value| values_match(&value, v, verify.tolerance);
    run_verified(
        backend,
        drf,
        value.clone(),
        verify,
        timeout,
        &readback,
        matches,
    )
    .await
}

/// Sends a basic-control command to the device of `drf` (its CONTROL property) and, with
/// `verify`, checks the matching status field ([`Control::readback`]) by reading it back.
///
/// ```
/// use std::time::Duration;
/// use pacsys::{control, Backend, Control, Value, Verify};
/// use pacsys_sim::FakeDpmServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = FakeDpmServer::builder().insecure_settings(true).start().await?;
/// let backend = pacsys::DpmBackend::builder()
///     .host("127.0.0.1")
///     .port(server.port())
///     .env(Default::default())
///     .build()?;
/// let verify = Verify::new().with_initial_delay(Duration::ZERO);
/// let r = control(&backend, "M:OUTTMP", Control::Off, Some(&verify), None).await?;
/// assert_eq!(r.verified, Some(true));
/// assert_eq!(backend.read("M:OUTTMP.STATUS.ON", None).await?, Value::Scalar(0.0));
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn control<B: Backend>(
    backend: &B,
    drf: &str,
    command: Control,
    verify: Option<&Verify>,
    timeout: Option<Duration>,
) -> Result<WriteResult, Error> {
    // The one writability table decides where a command goes (the device's CONTROL
    // property) and refuses what cannot take one.
    let target = WritePlan::new(drf, command)?.wire().to_owned();
    let request = parse(drf)?;
    let value = Value::Scalar(f64::from(command.ordinal()));
    let Some(verify) = verify else {
        let mut result = backend.write(&target, value, timeout).await?;
        result.drf = drf.to_owned();
        return Ok(result);
    };
    let readback = match verify.readback() {
        Some(r) => r.to_owned(),
        None => rebuilt(
            drf,
            request.read_request(Property::Status, Some(readback_field(command))),
        )?,
    };
    let want = command.readback().1;
    let matches = |v: &Value| status_bit(v) == Some(want);
    let mut result =
        run_verified(backend, &target, value, verify, timeout, &readback, matches).await?;
    result.drf = drf.to_owned();
    Ok(result)
}

/// The status field that shows `command` took effect.
fn readback_field(command: Control) -> Field {
    match command.readback().0 {
        "ON" => Field::On,
        "READY" => Field::Ready,
        "POSITIVE" => Field::Positive,
        "RAMP" => Field::Ramp,
        _ => Field::Remote,
    }
}

/// A status field's state: 0/1 numbers and the basic-status text words.
fn status_bit(v: &Value) -> Option<bool> {
    match v {
        Value::Scalar(x) if *x == 0.0 => Some(false),
        Value::Scalar(x) if *x == 1.0 => Some(true),
        Value::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" | "ready" | "remote" | "positive" | "ramp" => Some(true),
            "0" | "false" | "no" | "off" | "tripped" | "trip" | "local" | "negative" | "minus"
            | "dc" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The shared verify flow: optional check first, write, then read-backs.
async fn run_verified<B: Backend>(
    backend: &B,
    drf: &str,
    value: Value,
    verify: &Verify,
    timeout: Option<Duration>,
    readback: &str,
    matches: impl Fn(&Value) -> bool,
) -> Result<WriteResult, Error> {
    if verify.check_first {
        if let Ok(current) = backend.read(readback, timeout).await {
            if matches(&current) {
                let mut result = WriteResult::new(drf, pacsys_types::Status::OK);
                result.skipped = true;
                result.verified = Some(true);
                result.readback = Some(current);
                return Ok(result);
            }
        }
    }
    let mut result = backend.write(drf, value, timeout).await?;
    if !result.is_success() {
        return Ok(result);
    }
    tokio::time::sleep(verify.initial_delay).await;
    result.verified = Some(false);
    for attempt in 1..=verify.max_attempts {
        if attempt > 1 {
            tokio::time::sleep(verify.retry_delay).await;
        }
        result.attempts = attempt;
        match backend.read(readback, timeout).await {
            Ok(v) => {
                let ok = matches(&v);
                result.readback = Some(v);
                result.readback_error = None;
                if ok {
                    result.verified = Some(true);
                    break;
                }
            }
            Err(e) => result.readback_error = Some(e.to_string()),
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readback_drf_is_the_setting_read_once() {
        assert_eq!(setting_readback("M:OUTTMP").unwrap(), "M:OUTTMP.SETTING@I");
        assert_eq!(
            setting_readback("Z:ACLTST[2:3]@p,1000").unwrap(),
            "Z:ACLTST.SETTING[2:3]@I"
        );
        assert_eq!(
            setting_readback("M:OUTTMP.ANALOG.MAX").unwrap(),
            "M:OUTTMP.ANALOG.MAX@I"
        );
        assert_eq!(
            setting_readback("M$OUTTMP.NOM@N").unwrap(),
            "M:OUTTMP.DIGITAL.NOM@I"
        );
        let e = setting_readback("M:OUTTMP@@").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidRequest);
        assert!(e.drf_error().is_some());
    }

    #[test]
    fn control_names_round_trip() {
        for c in Control::ALL {
            assert_eq!(c.name().parse::<Control>().unwrap(), c);
            assert_eq!(c.name().to_uppercase().parse::<Control>().unwrap(), c);
            assert_eq!(
                usize::from(c.ordinal()),
                Control::ALL.iter().position(|x| *x == c).unwrap()
            );
        }
    }

    #[test]
    fn status_bits_from_numbers_and_words() {
        assert_eq!(status_bit(&Value::Scalar(1.0)), Some(true));
        assert_eq!(status_bit(&Value::Scalar(0.0)), Some(false));
        assert_eq!(status_bit(&Value::Scalar(0.5)), None);
        assert_eq!(status_bit(&Value::Text("Tripped".into())), Some(false));
        assert_eq!(status_bit(&Value::Text("On".into())), Some(true));
        assert_eq!(status_bit(&Value::Text("maybe".into())), None);
    }

    #[test]
    fn infinite_tolerance_is_refused() {
        assert!(Verify::new().with_tolerance(f64::INFINITY).is_err());
        assert!(Verify::new().with_tolerance(-1.0).is_err());
    }
}
