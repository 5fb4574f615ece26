//! Helpers experiments are scripted with, after pacsys 0.3.0's `pacsys.exp`:
//! [`read_fresh`] (wait for new readings, with windowed statistics), [`watch`] (wait for a
//! condition, with a deadline), [`scan`] (step a setting through values, read devices
//! at each step, and always put the setting back) and [`Monitor`] (collect a subscription
//! in the background, with snapshots, statistics, time slices and health).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use pacsys::exp::{self, FreshOptions, Scan};
//! use pacsys::{DpmBackend, Value};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = pacsys_sim::FakeDpmServer::builder().insecure_settings(true).start().await?;
//! # let backend = Arc::new(DpmBackend::builder().host("127.0.0.1").port(server.port()).env(Default::default()).build()?);
//! // Five new readings of M:OUTTMP, and their mean.
//! let options = FreshOptions { count: 5, ..FreshOptions::default() };
//! let fresh = exp::read_fresh(&*backend, &["M:OUTTMP@p,50"], &options).await?;
//! assert_eq!(fresh[0].mean(None)?, 72.5);
//!
//! // Wait until G:AMANDA reads above 40.
//! let above_40 = |r: &pacsys::Reading| r.value.as_ref().and_then(Value::as_f64).is_some_and(|v| v > 40.0);
//! let r = exp::watch(&*backend, "G:AMANDA@p,50", above_40, Duration::from_secs(5)).await?;
//! assert_eq!(r.value.and_then(|v| v.as_f64()), Some(42.0));
//!
//! // Step M:OUTTMP's setting through three values, reading G:AMANDA at each; the setting
//! // is put back afterwards.
//! let plan = Scan::new("M:OUTTMP", ["G:AMANDA"], [60.0, 65.0, 70.0]);
//! let result = exp::scan(Arc::clone(&backend), &plan, |_| false).await?;
//! assert_eq!((result.readings.len(), result.restored), (3, true));
//! # server.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::time::{Instant, timeout_at};

use crate::{Backend, Error, ErrorKind, Event, Reading, Value, WriteResult};

mod monitor;

pub use monitor::{ChannelData, ChannelHealth, Monitor, MonitorOptions, MonitorResult};

/// What [`read_fresh`] waits for.
#[derive(Debug, Clone)]
pub struct FreshOptions {
    /// Usable (ok) readings to collect per request (at least 1; default 1).
    pub count: usize,
    /// The whole wait (default 5 s).
    pub timeout: Duration,
    /// An event for requests written without one (e.g. `"p,1000"`); `None` sends them as
    /// written (default).
    pub default_event: Option<String>,
}

impl Default for FreshOptions {
    fn default() -> Self {
        FreshOptions {
            count: 1,
            timeout: Duration::from_secs(5),
            default_event: None,
        }
    }
}

/// Which readings a statistic of [`Fresh`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Window {
    /// The last `count` readings asked for (default).
    #[default]
    Requested,
    /// The last `n` readings (`n` at least 1, and no more than were collected).
    Last(usize),
    /// Every usable reading collected.
    All,
}

/// The fresh readings of one request ([`read_fresh`]).
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The request as sent.
    pub drf: String,
    /// Every reading received, usable or not, in order.
    pub readings: Vec<Reading>,
    /// How many usable readings were asked for.
    pub requested: usize,
}

impl Fresh {
    /// The last reading.
    pub fn reading(&self) -> Option<&Reading> {
        self.readings.last()
    }

    /// The numbers of the usable scalar readings, in order.
    pub fn values(&self) -> Vec<f64> {
        stats::numbers(&self.readings)
    }

    fn window(&self, window: impl Into<Option<Window>>) -> Result<Vec<f64>, Error> {
        let all = self.values();
        let n = match window.into().unwrap_or_default() {
            Window::Requested => self.requested.min(all.len()),
            Window::All => all.len(),
            Window::Last(0) => {
                return Err(Error::invalid_request(
                    &self.drf,
                    "a window needs at least 1 reading",
                ));
            }
            Window::Last(n) if n > all.len() => {
                return Err(Error::invalid_request(
                    &self.drf,
                    format!("only {} values available, fewer than {n}", all.len()),
                ));
            }
            Window::Last(n) => n,
        };
        if n == 0 {
            return Err(Error::invalid_request(&self.drf, "no numeric values"));
        }
        Ok(all[all.len() - n..].to_vec())
    }

    /// The mean over `window` (`None`: the readings asked for).
    pub fn mean(&self, window: impl Into<Option<Window>>) -> Result<f64, Error> {
        Ok(stats::mean(&self.window(window)?))
    }

    /// The median over `window`.
    pub fn median(&self, window: impl Into<Option<Window>>) -> Result<f64, Error> {
        Ok(stats::median(self.window(window)?))
    }

    /// The population standard deviation over `window`.
    pub fn std(&self, window: impl Into<Option<Window>>) -> Result<f64, Error> {
        Ok(stats::std(&self.window(window)?))
    }

    /// The smallest value over `window`.
    pub fn min(&self, window: impl Into<Option<Window>>) -> Result<f64, Error> {
        Ok(stats::min(&self.window(window)?))
    }

    /// The largest value over `window`.
    pub fn max(&self, window: impl Into<Option<Window>>) -> Result<f64, Error> {
        Ok(stats::max(&self.window(window)?))
    }
}

/// Statistics over non-empty slices of numbers (callers check for emptiness).
mod stats {
    use crate::Reading;

    /// The numbers of the usable scalar readings, in order.
    pub fn numbers(readings: &[Reading]) -> Vec<f64> {
        readings
            .iter()
            .filter(|r| r.ok())
            .filter_map(|r| r.value.as_ref()?.as_f64())
            .collect()
    }

    pub fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    pub fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        }
    }

    pub fn std(v: &[f64]) -> f64 {
        let m = mean(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    }

    pub fn min(v: &[f64]) -> f64 {
        v.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(v: &[f64]) -> f64 {
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Waits for `options.count` new usable readings of every request, through a temporary
/// subscription, and returns them in the order of `drfs` (a request given twice shares its
/// readings).
///
/// Fails with [`ErrorKind::Timeout`] naming the requests still short when the wait runs
/// out, with the device error of a request the server rejects, and with
/// [`ErrorKind::InvalidRequest`] for no requests or a count of 0.
pub async fn read_fresh<B: Backend, S: AsRef<str>>(
    backend: &B,
    drfs: &[S],
    options: &FreshOptions,
) -> Result<Vec<Fresh>, Error> {
    if drfs.is_empty() || options.count == 0 {
        return Err(Error::invalid_request(
            "",
            "read_fresh needs at least one request and a count of at least 1",
        ));
    }
    let sent: Vec<String> = drfs
        .iter()
        .map(|d| with_default_event(d.as_ref(), options.default_event.as_deref()))
        .collect::<Result<_, _>>()?;
    let mut unique: Vec<String> = Vec::new();
    for d in &sent {
        if !unique.contains(d) {
            unique.push(d.clone());
        }
    }
    let mut collected: HashMap<String, (Vec<Reading>, usize)> = unique
        .iter()
        .map(|d| (d.clone(), (Vec::new(), 0)))
        .collect();
    let mut done = 0;
    let deadline = Instant::now() + options.timeout;
    let mut sub = backend.subscribe(&unique).await?;
    let outcome = loop {
        let event = match timeout_at(deadline, sub.next()).await {
            Ok(Some(e)) => e,
            Ok(None) => break Err(Error::closed().with_drf(unique.join(", "))),
            Err(_) => {
                let short: Vec<&str> = unique
                    .iter()
                    .filter(|d| collected.get(*d).is_some_and(|(_, n)| *n < options.count))
                    .map(String::as_str)
                    .collect();
                break Err(Error::timeout(format!(
                    "waiting for {} readings of {}",
                    options.count,
                    short.join(", ")
                ))
                .with_elapsed(options.timeout));
            }
        };
        match event {
            Event::Reading(r) => {
                if let Some((readings, usable)) = collected.get_mut(&*r.drf)
                    && *usable < options.count
                {
                    *usable += usize::from(r.ok());
                    readings.push(r);
                    if *usable == options.count {
                        done += 1;
                        if done == unique.len() {
                            break Ok(());
                        }
                    }
                }
            }
            Event::Error { drf, status } => break Err(Error::device(drf.to_string(), status)),
            _ => {}
        }
    };
    sub.stop().await;
    outcome?;
    Ok(sent
        .into_iter()
        .map(|drf| {
            let readings = collected
                .get(&drf)
                .map(|(r, _)| r.clone())
                .unwrap_or_default();
            Fresh {
                drf,
                readings,
                requested: options.count,
            }
        })
        .collect())
}

/// `drf` with `event` when it has none (the one rule of [`crate::default_event`]).
fn with_default_event(drf: &str, event: Option<&str>) -> Result<String, Error> {
    match event {
        Some(event) => {
            Ok(crate::default_event::with_default_event(drf, event)?
                .unwrap_or_else(|| drf.to_owned()))
        }
        None => Ok(drf.to_owned()),
    }
}

/// Waits until `condition` holds for a reading of `drf` (which needs a repeating event, e.g.
/// `@p,1000`) and returns that reading.
///
/// Fails with [`ErrorKind::Timeout`] when `timeout` runs out first, with the device error
/// when the server rejects the request, and when the stream ends.
pub async fn watch<B, F>(
    backend: &B,
    drf: &str,
    mut condition: F,
    timeout: Duration,
) -> Result<Reading, Error>
where
    B: Backend,
    F: FnMut(&Reading) -> bool,
{
    let deadline = Instant::now() + timeout;
    let mut sub = backend.subscribe(&[drf]).await?;
    let outcome = loop {
        match timeout_at(deadline, sub.next()).await {
            Ok(Some(Event::Reading(r))) if condition(&r) => break Ok(r),
            Ok(Some(Event::Error { drf, status })) => {
                break Err(Error::device(drf.to_string(), status));
            }
            Ok(Some(_)) => {}
            Ok(None) => break Err(Error::closed().with_drf(drf)),
            Err(_) => {
                break Err(Error::timeout(format!("waiting for a condition on {drf}"))
                    .with_drf(drf)
                    .with_elapsed(timeout));
            }
        }
    };
    sub.stop().await;
    outcome
}

/// A parameter scan for [`scan`]: which setting to step through which values, and what to
/// read at each step.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The device whose setting is stepped (ACNET `READING` or `SETTING`; either writes
    /// the `SETTING`).
    pub write_drf: String,
    /// What to read at each step (duplicates removed, first seen order kept).
    pub read_drfs: Vec<String>,
    /// The setpoints, in order.
    pub values: Vec<f64>,
    /// The wait after each write before reading (default 0.5 s, as the reference).
    pub settle: Duration,
    /// Reads per step; above 1 the usable values are averaged (arrays element-wise).
    pub readings_per_step: usize,
    /// Put the original setting back at the end, on error and when the scan is dropped
    /// (default `true`).
    pub restore: bool,
    /// Each read's and write's timeout (`None`: the backend's).
    pub timeout: Option<Duration>,
}

impl Scan {
    /// A scan with the defaults (0.5 s settle, one read per step, restore).
    pub fn new<R, V>(write_drf: &str, read_drfs: R, values: V) -> Scan
    where
        R: IntoIterator,
        R::Item: Into<String>,
        V: IntoIterator<Item = f64>,
    {
        let mut reads: Vec<String> = Vec::new();
        for d in read_drfs {
            let d = d.into();
            if !reads.contains(&d) {
                reads.push(d);
            }
        }
        Scan {
            write_drf: write_drf.to_owned(),
            read_drfs: reads,
            values: values.into_iter().collect(),
            settle: Duration::from_millis(500),
            readings_per_step: 1,
            restore: true,
            timeout: None,
        }
    }

    /// `steps` evenly spaced values from `start` to `stop` (at least 2 steps).
    pub fn linear(start: f64, stop: f64, steps: usize) -> Result<Vec<f64>, Error> {
        if steps < 2 {
            return Err(Error::invalid_request(
                "",
                "a linear scan needs at least 2 steps",
            ));
        }
        let step = (stop - start) / (steps - 1) as f64;
        Ok((0..steps).map(|i| start + step * i as f64).collect())
    }
}

/// What [`scan`] did.
#[derive(Debug, Clone)]
#[must_use = "a scan can end early or fail to restore its setting: check `aborted` and `restored`"]
pub struct ScanResult {
    /// The values written (one per completed write attempt).
    pub set_values: Vec<f64>,
    /// Each write's result.
    pub write_results: Vec<Result<WriteResult, Error>>,
    /// The readings of each completed step, in the order of [`Scan::read_drfs`].
    pub readings: Vec<Vec<Result<Reading, Error>>>,
    /// A write failed or `abort_if` stopped the scan before the last value.
    pub aborted: bool,
    /// The original setting was written back.
    pub restored: bool,
    /// Why restoring failed, when it did.
    pub restore_error: Option<Error>,
}

/// Steps `plan.write_drf` through `plan.values`, reading `plan.read_drfs` after each write
/// has settled, and puts the original setting back at the end: after the last value, after
/// a failed write or an `abort_if` that returned `true`, after an error, and, should the
/// returned future be dropped (a cancelled task, Ctrl-C), on a task of the current runtime.
///
/// Errors before anything was written (a bad DRF, an unreadable original setting) are
/// returned as they are; later ones end the scan and are in the result.
pub async fn scan<B, F>(backend: Arc<B>, plan: &Scan, mut abort_if: F) -> Result<ScanResult, Error>
where
    B: Backend + Send + Sync + 'static,
    F: FnMut(&[Result<Reading, Error>]) -> bool,
{
    if plan.readings_per_step == 0 || plan.values.is_empty() {
        return Err(Error::invalid_request(
            &plan.write_drf,
            "a scan needs values and at least one reading per step",
        ));
    }
    let setting = setting_drf(&plan.write_drf)?;
    let mut guard = None;
    if plan.restore {
        let original = backend.read(&setting, plan.timeout).await?;
        guard = Some(RestoreGuard {
            backend: Arc::clone(&backend),
            drf: setting.clone(),
            original,
            timeout: plan.timeout,
            armed: true,
        });
    }
    let mut result = ScanResult {
        set_values: Vec::new(),
        write_results: Vec::new(),
        readings: Vec::new(),
        aborted: false,
        restored: false,
        restore_error: None,
    };
    for (i, &value) in plan.values.iter().enumerate() {
        let written = backend
            .write(&setting, Value::Scalar(value), plan.timeout)
            .await;
        let ok = written.as_ref().is_ok_and(WriteResult::is_success);
        result.set_values.push(value);
        result.write_results.push(written);
        if !ok {
            result.aborted = true;
            break;
        }
        if !plan.settle.is_zero() {
            tokio::time::sleep(plan.settle).await;
        }
        let step = read_step(
            &*backend,
            &plan.read_drfs,
            plan.readings_per_step,
            plan.timeout,
        )
        .await;
        let stop = abort_if(&step);
        result.readings.push(step);
        if stop {
            result.aborted = i + 1 < plan.values.len();
            break;
        }
    }
    if let Some(mut guard) = guard {
        guard.armed = false;
        match backend
            .write(&guard.drf, guard.original.clone(), plan.timeout)
            .await
        {
            Ok(w) if w.is_success() => result.restored = true,
            Ok(w) => {
                result.restore_error = Some(Error::new(
                    ErrorKind::SettingRejected,
                    format!("restoring {} was not confirmed: {w:?}", guard.drf),
                ));
            }
            Err(e) => result.restore_error = Some(e),
        }
    }
    Ok(result)
}

/// The `SETTING` request of a scan's write device.
fn setting_drf(drf: &str) -> Result<String, Error> {
    let req = pacsys_drf::Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))?;
    if !req.is_acnet() {
        return Ok(drf.to_owned());
    }
    match req.property() {
        pacsys_drf::Property::Reading | pacsys_drf::Property::Setting => {
            Ok(format!("{}.SETTING", req.device()))
        }
        _ => Err(Error::invalid_request(
            drf,
            "a scan steps a READING or SETTING device (both write the SETTING)",
        )),
    }
}

/// One step's reads: each request read `n` times; above 1 the usable values averaged.
async fn read_step<B: Backend>(
    backend: &B,
    drfs: &[String],
    n: usize,
    timeout: Option<Duration>,
) -> Vec<Result<Reading, Error>> {
    let mut rounds = Vec::with_capacity(n);
    for _ in 0..n {
        rounds.push(backend.get_many(drfs, timeout).await);
    }
    if n == 1 {
        return rounds.pop().unwrap_or_default();
    }
    (0..drfs.len())
        .map(|i| {
            let ok: Vec<&Reading> = rounds
                .iter()
                .filter_map(|round| round.get(i)?.as_ref().ok())
                .filter(|r| r.ok())
                .collect();
            let Some(last) = ok.last() else {
                // Nothing usable: the last attempt's outcome.
                return rounds
                    .last()
                    .and_then(|round| round.get(i).cloned())
                    .unwrap_or_else(|| Err(Error::closed()));
            };
            let values: Vec<&Value> = ok.iter().filter_map(|r| r.value.as_ref()).collect();
            let mean = average(&values).map_err(|why| Error::invalid_request(&drfs[i], why))?;
            let mut r = (*last).clone();
            r.value = Some(mean);
            Ok(r)
        })
        .collect()
}

/// The mean of scalars, or the element-wise mean of equally long arrays.
fn average(values: &[&Value]) -> Result<Value, String> {
    if let Some(scalars) = values
        .iter()
        .map(|v| v.as_f64())
        .collect::<Option<Vec<f64>>>()
    {
        return Ok(Value::Scalar(
            scalars.iter().sum::<f64>() / scalars.len() as f64,
        ));
    }
    let arrays: Vec<&Vec<f64>> = values
        .iter()
        .map(|v| match v {
            Value::Array(a) => Some(a),
            _ => None,
        })
        .collect::<Option<_>>()
        .ok_or("cannot average readings that are not all numbers or all arrays")?;
    let len = arrays.first().map_or(0, |a| a.len());
    if arrays.iter().any(|a| a.len() != len) {
        return Err("cannot average arrays of different lengths".to_owned());
    }
    let n = arrays.len() as f64;
    Ok(Value::Array(
        (0..len)
            .map(|j| arrays.iter().map(|a| a[j]).sum::<f64>() / n)
            .collect(),
    ))
}

/// Puts the original setting back if a scan is dropped before it restored it.
struct RestoreGuard<B: Backend + Send + Sync + 'static> {
    backend: Arc<B>,
    drf: String,
    original: Value,
    timeout: Option<Duration>,
    armed: bool,
}

impl<B: Backend + Send + Sync + 'static> Drop for RestoreGuard<B> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(drf = %self.drf, "scan dropped outside a runtime: setting NOT restored");
            return;
        };
        let (backend, drf, original, timeout) = (
            Arc::clone(&self.backend),
            std::mem::take(&mut self.drf),
            self.original.clone(),
            self.timeout,
        );
        runtime.spawn(async move {
            match backend.write(&drf, original, timeout).await {
                Ok(w) if w.is_success() => tracing::info!(%drf, "scan cancelled: setting restored"),
                other => {
                    tracing::error!(%drf, ?other, "scan cancelled: restoring the setting failed")
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    fn fresh(values: &[f64], requested: usize) -> Fresh {
        Fresh {
            drf: "Z:A".into(),
            readings: values
                .iter()
                .map(|v| Reading::new("Z:A".into(), Status::OK).with_value(Value::Scalar(*v)))
                .collect(),
            requested,
        }
    }

    #[test]
    fn windowed_statistics() {
        let f = fresh(&[1.0, 2.0, 3.0, 4.0], 2);
        assert_eq!(f.mean(None).ok(), Some(3.5));
        assert_eq!(f.mean(Window::All).ok(), Some(2.5));
        assert_eq!(f.median(Window::Last(3)).ok(), Some(3.0));
        assert_eq!(f.median(Window::All).ok(), Some(2.5));
        assert_eq!(f.std(Window::All).ok(), Some(1.25f64.sqrt()));
        assert_eq!(
            (f.min(Window::All).ok(), f.max(None).ok()),
            (Some(1.0), Some(4.0))
        );
        assert!(f.mean(Window::Last(5)).is_err());
        assert!(f.mean(Window::Last(0)).is_err());
        assert!(fresh(&[], 1).mean(None).is_err());
    }

    #[test]
    fn averages_scalars_and_arrays_element_wise() {
        let (a, b) = (Value::Scalar(1.0), Value::Scalar(2.0));
        assert_eq!(average(&[&a, &b]), Ok(Value::Scalar(1.5)));
        let (x, y) = (Value::Array(vec![1.0, 3.0]), Value::Array(vec![3.0, 5.0]));
        assert_eq!(average(&[&x, &y]), Ok(Value::Array(vec![2.0, 4.0])));
        assert!(average(&[&a, &x]).is_err());
        assert!(average(&[&x, &Value::Array(vec![1.0])]).is_err());
    }

    #[test]
    fn scans_write_the_setting_property() {
        assert_eq!(
            setting_drf("m:outtmp").ok().as_deref(),
            Some("M:OUTTMP.SETTING")
        );
        assert_eq!(
            setting_drf("M:OUTTMP.SETTING[0]@p,1000").ok().as_deref(),
            Some("M:OUTTMP.SETTING")
        );
        assert!(setting_drf("M:OUTTMP.STATUS").is_err());
        assert!(setting_drf("M:OUTTMP@@").is_err());
        assert_eq!(Scan::linear(0.0, 1.0, 3).ok(), Some(vec![0.0, 0.5, 1.0]));
        assert!(Scan::linear(0.0, 1.0, 1).is_err());
    }
}
