//! `pacsys history`: a window of logged readings, read in pieces (the windows of
//! [`pacsys::history::windows`]), as lines, a Parquet file or a plot.

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pacsys::{Backend, ErrorKind, Event, Status, Value};

use super::out::{Out, report_call_failures};
use super::parse_drf;
use crate::cli::{GlobalOpts, HistoryArgs, OutputFormat};
use crate::error::{CliError, Outcome};
use crate::formats::Renderer;
use crate::plot::{self, Series};
use crate::record::{Recording, Target};
use crate::times;

/// `history` with its inputs checked.
#[derive(Debug)]
pub struct History {
    /// Each DRF as given (for output) and its request without event, to which
    /// `<-LOGGER:a:b` is added.
    pub drfs: Vec<(String, String)>,
    /// Window start, ms since the epoch.
    pub start_ms: i64,
    /// Window end, ms since the epoch (inclusive).
    pub end_ms: i64,
    /// The longest piece read at once.
    pub chunk: Duration,
    /// Where the samples are also written as Parquet (`--output`, `--format parquet`).
    pub output: Option<Target>,
    /// The image to draw and its size (`--plot`).
    pub plot: Option<(PathBuf, (u32, u32))>,
}

impl History {
    /// Checks the DRFs (no data source), the outputs and the window (resolving its times
    /// against the clock).
    pub fn new(a: HistoryArgs, global: &GlobalOpts) -> Result<History, CliError> {
        let mut drfs = Vec::with_capacity(a.drfs.len());
        for drf in &a.drfs {
            let req = parse_drf(drf)?;
            if req.extra().is_some() {
                return Err(CliError::Usage(format!(
                    "{drf}: give the device without a `<-` data source; history adds <-LOGGER"
                )));
            }
            drfs.push((drf.clone(), req.without_event().to_canonical()));
        }
        let output = match (&a.output, global.format == OutputFormat::Parquet) {
            (Some(_), true) => {
                return Err(CliError::Usage(
                    "--output and --format parquet both write Parquet: choose one".into(),
                ));
            }
            (Some(path), false) => Some(Target::File(path.clone())),
            (None, true) => Some(Target::Stdout),
            (None, false) => None,
        };
        if let Some(target) = &output {
            target.check()?;
        }
        if let Some(path) = &a.plot {
            plot::ImageKind::of(path).map_err(|e| CliError::Usage(e.to_string()))?;
        }
        let now = jiff::Timestamp::now();
        let start = times::parse_time(&a.start, now).map_err(CliError::Usage)?;
        let end = times::parse_time(&a.end, now).map_err(CliError::Usage)?;
        if start >= end {
            return Err(CliError::Usage(format!(
                "--start ({start}) must be before --end ({end})"
            )));
        }
        Ok(History {
            drfs,
            start_ms: start.as_millisecond(),
            end_ms: end.as_millisecond(),
            chunk: a.chunk,
            output,
            plot: a.plot.map(|p| (p, a.plot_size)),
        })
    }

    /// Reads the window piece by piece, writing lines, Parquet rows and the plot.
    pub async fn run<B: Backend>(self, b: &B, r: Renderer) -> Result<Outcome, CliError> {
        let History {
            drfs,
            start_ms,
            end_ms,
            chunk,
            output,
            plot,
        } = self;
        let drfs = &drfs;
        let pieces = pacsys::history::windows(start_ms, end_ms, chunk);
        let per_drf = u64::try_from(pieces.len()).unwrap_or(u64::MAX);
        let total = per_drf.saturating_mul(u64::try_from(drfs.len()).unwrap_or(u64::MAX));
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} pieces, {msg} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        let lines = output != Some(Target::Stdout);
        let mut recording = output.map(Recording::start).transpose()?;
        let mut out = if lines { Out::new() } else { Out::none() };
        if lines && let Some(h) = r.header() {
            out.line(&h)?;
        }
        let mut series = Vec::new();
        let mut samples: u64 = 0;
        let mut failed = false;
        for (drf, base) in drfs {
            let mut s = Series::new(drf.clone(), None);
            let before = samples;
            for (a, z) in pieces.clone() {
                let request = format!("{base}<-LOGGER:{a}:{z}");
                let result = b.get(&request, None).await;
                bar.inc(1);
                match result {
                    Ok(mut reading) if reading.ok() => {
                        // Rows and lines name the DRF the user gave, not the piece's request.
                        reading.drf = drf.as_str().into();
                        if s.units.is_none() {
                            s.units = reading.units().map(str::to_owned);
                        }
                        let units = reading.units();
                        match &reading.value {
                            Some(Value::TimedArray(t)) => {
                                for (i, x) in t.data.iter().enumerate() {
                                    let micros = t.micros.get(i).copied();
                                    if lines {
                                        out.line(&r.sample(drf, micros, *x, units))?;
                                    }
                                    if let Some(us) = micros {
                                        s.point(us, *x);
                                    }
                                }
                                samples += t.data.len() as u64;
                            }
                            Some(value) => {
                                if lines {
                                    out.line(&r.reading(drf, &reading))?;
                                }
                                if let (Some(x), Some(us)) =
                                    (value.as_f64(), reading.timestamp.and_then(micros_of))
                                {
                                    s.point(us, x);
                                }
                                samples += 1;
                            }
                            None => {}
                        }
                        if let Some(rec) = &mut recording {
                            rec.event(&Event::Reading(reading))?;
                        }
                    }
                    Ok(reading) if reading.status == Status::DAE_LJ_NO_DATA => {}
                    Err(e)
                        if e.kind() == ErrorKind::Device
                            && e.status() == Some(Status::DAE_LJ_NO_DATA) => {}
                    Ok(mut reading) => {
                        failed = true;
                        reading.drf = drf.as_str().into();
                        if lines {
                            out.line(&r.reading(drf, &reading))?;
                        }
                        s.error(a.saturating_mul(1000));
                        if let Some(rec) = &mut recording {
                            rec.event(&Event::Reading(reading))?;
                        }
                        // The device failed: its other pieces would fail the same way.
                        bar.inc(per_drf.saturating_sub(1));
                        break;
                    }
                    Err(e) => {
                        failed = true;
                        if lines {
                            out.line(&r.failure(drf, &e))?;
                        }
                        s.error(a.saturating_mul(1000));
                        if let (Some(rec), Some(status)) = (&mut recording, e.status()) {
                            rec.event(&Event::Error {
                                drf: drf.as_str().into(),
                                status,
                            })?;
                        }
                        bar.suspend(|| report_call_failures([&e], ""));
                        bar.inc(per_drf.saturating_sub(1));
                        break;
                    }
                }
                bar.set_message(format!("{samples} samples"));
            }
            if samples == before && s.errors.is_empty() {
                bar.suspend(|| eprintln!("pacsys: no logged data for {drf} in the window"));
            }
            series.push(s);
        }
        bar.finish_and_clear();
        out.flush()?;
        if let Some(rec) = recording
            && let Some(line) = rec.finish()?
        {
            eprintln!("{line}");
        }
        if let Some((path, size)) = plot {
            match plot::draw(&path, &series, size) {
                Ok(stats) => eprintln!(
                    "pacsys: plotted {} samples and {} failures in {}",
                    stats.points,
                    stats.errors,
                    path.display()
                ),
                Err(e) => {
                    eprintln!("pacsys: {e}");
                    failed = true;
                }
            }
        }
        Ok(Outcome::from_failed(failed))
    }
}

/// Microseconds since the Unix epoch (`None` before 1970 or past the year 294,000).
fn micros_of(t: std::time::SystemTime) -> Option<i64> {
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_micros()).ok()
}
