//! [`WriteResult`]: the result of one accepted setting, the same for every backend (from
//! `pacsys-types`).
//!
//! A refused setting is an [`Error`](crate::Error) of kind
//! [`SettingRejected`](crate::ErrorKind::SettingRejected) in its slot instead (with the
//! status and the role), and one whose fate is unknown one of kind
//! [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown). The verification fields are filled
//! by [`write_verified`](crate::write_verified), [`control`](crate::control) and the Device
//! API; a plain write leaves them empty.
//!
//! ```
//! use pacsys::{Status, WriteResult};
//!
//! let r = WriteResult::new("G:AMANDA", Status::new(0, 0));
//! assert!(r.is_success());
//! assert!(r.confirmed()); // not verified, so nothing contradicts it
//! assert_eq!(r.verified, None);
//! assert!(!WriteResult::new("G:AMANDA", Status::new(17, 1)).is_success());
//! ```

pub use pacsys_types::WriteResult;

use std::future::Future;
use std::time::{Duration, Instant};

use pacsys_types::plan::AlarmBlockPlan;
use pacsys_types::{Error, Status, Transport, Value};

/// Writes `settings` with `write` (one batch of a backend: `(drf, value)` pairs and the
/// time left, one result per pair), whole alarm blocks field by field.
///
/// No setting message carries a structured alarm block, so an
/// [`AnalogAlarm`](crate::AnalogAlarm) written to `<device>.ANALOG` (a
/// [`DigitalAlarm`](crate::DigitalAlarm) to `<device>.DIGITAL`) is written as its writable
/// fields ([`AlarmBlockPlan`]), each in its own batch and only after the previous one was
/// accepted: the fields share one block on the front end, and two of them in one batch
/// overwrite each other. Every other setting goes in one batch first. The block's slot
/// holds a [`WriteResult`] for the block's DRF when every field was accepted; otherwise
/// the first field's error, which names that field's DRF (the fields before it were
/// written). One `timeout` covers everything; a field not yet sent when it ends fails with
/// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout).
///
/// The DPM and gRPC backends and `pacsys-testing`'s `FakeBackend` write through this; it is
/// public for other [`Backend`](crate::Backend) implementations.
///
/// ```
/// use pacsys::{AnalogAlarm, Backend, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
/// let Value::AnalogAlarm(mut block) = backend.read("M:OUTTMP.ANALOG", None).await? else {
///     panic!("not an analog alarm block")
/// };
/// block.maximum = 95.0;
/// block.tries_needed = 3;
/// let result = backend.write("M:OUTTMP.ANALOG", Value::AnalogAlarm(block), None).await?;
/// assert!(result.is_success());
/// assert_eq!(backend.read("M:OUTTMP.ANALOG.MAX", None).await?, Value::Scalar(95.0));
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn write_with_alarm_blocks<S, W, F>(
    settings: &[(S, Value)],
    timeout: Duration,
    transport: Transport,
    write: W,
) -> Vec<Result<WriteResult, Error>>
where
    S: AsRef<str>,
    W: Fn(Vec<(String, Value)>, Duration) -> F,
    F: Future<Output = Vec<Result<WriteResult, Error>>>,
{
    let started = Instant::now();
    let mut results: Vec<Option<Result<WriteResult, Error>>> = vec![None; settings.len()];
    let mut plain = Vec::new();
    let mut plain_slots = Vec::new();
    let mut blocks = Vec::new();
    for (slot, (drf, value)) in settings.iter().enumerate() {
        match AlarmBlockPlan::new(drf.as_ref(), value) {
            Ok(None) => {
                plain_slots.push(slot);
                plain.push((drf.as_ref().to_owned(), value.clone()));
            }
            Ok(Some(plan)) => blocks.push((slot, plan)),
            Err(e) => results[slot] = Some(Err(e.with_transport(transport))),
        }
    }
    if !plain.is_empty() {
        let written = write(plain, timeout).await;
        let mut written = written.into_iter();
        for slot in plain_slots {
            results[slot] = Some(written.next().unwrap_or_else(|| Err(Error::closed())));
        }
    }
    for (slot, plan) in blocks {
        let mut status = Status::OK;
        let mut failure = None;
        for field in plan.fields() {
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                failure = Some(
                    Error::timeout("the alarm block's remaining fields were not sent")
                        .with_drf(field.drf())
                        .with_elapsed(timeout)
                        .with_transport(transport),
                );
                break;
            }
            let pacsys_types::WriteValue::Value(value) = field.value() else {
                failure = Some(Error::unsupported(
                    field.drf(),
                    "not an alarm field setting",
                ));
                break;
            };
            let one = write(vec![(field.drf().to_owned(), value.clone())], left).await;
            match one.into_iter().next() {
                Some(Ok(w)) => {
                    if status == Status::OK && w.status != Status::OK {
                        status = w.status;
                    }
                }
                Some(Err(e)) => {
                    failure = Some(e);
                    break;
                }
                None => {
                    failure = Some(Error::closed().with_transport(transport));
                    break;
                }
            }
        }
        results[slot] = Some(match failure {
            Some(e) => Err(e),
            None => Ok(WriteResult::new(plan.drf(), status)),
        });
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::closed().with_transport(transport))))
        .collect()
}

/// Changes some fields of the whole alarm block `drf` (`<device>.ANALOG` or `.DIGITAL`):
/// reads the block, sets each `(key, value)` with
/// [`set_alarm_field`](pacsys_types::plan::set_alarm_field) (the reference's dictionary
/// keys or the field names; booleans as 1 and 0) and writes the block back field by field
/// ([`write_with_alarm_blocks`]), verified when `verify` is given. A bad key or value fails
/// before anything is written. This is the reference's partial alarm-dictionary write.
///
/// ```
/// use pacsys::{write_alarm_fields, Backend, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
/// # let backend = pacsys::DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?;
/// let fields = [("maximum".to_owned(), 90.0), ("alarm_enable".to_owned(), 0.0)];
/// write_alarm_fields(&backend, "M:OUTTMP.ANALOG", &fields, None, None).await?;
/// assert_eq!(backend.read("M:OUTTMP.ANALOG.MAX", None).await?, Value::Scalar(90.0));
/// # drop(backend);
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn write_alarm_fields<B: crate::Backend>(
    backend: &B,
    drf: &str,
    fields: &[(String, f64)],
    verify: Option<&crate::Verify>,
    timeout: Option<Duration>,
) -> Result<WriteResult, Error> {
    let mut block = backend.read(drf, timeout).await?;
    for (key, x) in fields {
        pacsys_types::plan::set_alarm_field(&mut block, key, *x).map_err(|e| e.with_drf(drf))?;
    }
    match verify {
        Some(verify) => crate::write_verified(backend, drf, block, verify, timeout).await,
        None => backend.write(drf, block, timeout).await,
    }
}
