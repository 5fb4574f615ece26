//! `pacsys plot`: a recording (`monitor --record`, `--format parquet`, `history
//! --output`) drawn as `history --plot` draws, with its disconnections and gaps shaded and
//! its failures marked.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pacsys::Event;
use pacsys_record::{RecordError, RecordedEvent};

use crate::cli::PlotArgs;
use crate::error::{CliError, Outcome};
use crate::plot::{self, Outage, OutageKind, Series};

/// Draws the recording of `args` and says what was drawn on stderr.
pub fn run(args: PlotArgs) -> Result<Outcome, CliError> {
    let output = match args.output {
        Some(path) => path,
        None => default_output(&args.recording),
    };
    plot::ImageKind::of(&output).map_err(|e| CliError::Usage(e.to_string()))?;
    let events = pacsys_record::Recording::open(&args.recording)
        .map_err(|e| CliError::Failed(format!("cannot read the recording: {e}")))?
        .events();
    let drawing = Drawing::of(events)
        .map_err(|e| CliError::Failed(format!("cannot read the recording: {e}")))?;
    let stats = plot::draw_with_outages(&output, &drawing.series, &drawing.outages, args.size)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!(
        "pacsys: plotted {} samples, {} failures and {} outages in {}",
        stats.points,
        stats.errors,
        stats.outages,
        output.display()
    );
    Ok(Outcome::Success)
}

/// `run.parquet` gives `run.png` beside it.
fn default_output(recording: &Path) -> PathBuf {
    recording.with_extension("png")
}

/// What a recording gives a plot.
#[derive(Debug, Default)]
struct Drawing {
    /// One series per DRF, in the order they first appear.
    series: Vec<Series>,
    /// Disconnections and gaps, in the order they ended.
    outages: Vec<Outage>,
}

/// Microseconds since the Unix epoch (0 before it, saturating far after).
fn micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn micros_of(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl Drawing {
    /// Reads `events` (in recording order) into series and outages. A reading is placed at
    /// its own timestamp (else when it was received); a failure is marked when it was
    /// received; a disconnection lasts until the next reconnection (or, with none, to the
    /// end of the recording).
    fn of(
        events: impl Iterator<Item = Result<RecordedEvent, RecordError>>,
    ) -> Result<Self, RecordError> {
        let mut d = Drawing::default();
        let mut down_since: Option<i64> = None;
        let mut last = None;
        for e in events {
            let RecordedEvent {
                received, event, ..
            } = e?;
            let at = micros(received);
            last = Some(last.map_or(at, |l: i64| l.max(at)));
            match event {
                Event::Reading(r) => {
                    let s = d.series_of(&r.drf);
                    let when = r.timestamp.map_or(at, micros);
                    match r.value.as_ref().and_then(|v| v.as_f64()) {
                        Some(x) if r.ok() => s.point(when, x),
                        _ if !r.ok() => s.error(when),
                        _ => {}
                    }
                    if s.units.is_none() {
                        s.units = r.units().map(str::to_owned);
                    }
                }
                Event::Error { drf, .. } => d.series_of(&drf).error(at),
                Event::Disconnected { .. } => {
                    down_since.get_or_insert(at);
                }
                Event::Reconnected { gap } => {
                    let from = down_since
                        .take()
                        .unwrap_or_else(|| at.saturating_sub(micros_of(gap)));
                    d.outages.push(Outage {
                        from,
                        to: at,
                        kind: OutageKind::Disconnected,
                    });
                }
                Event::Gap { from, to, .. } => d.outages.push(Outage {
                    from: micros(from),
                    to: micros(to),
                    kind: OutageKind::Gap,
                }),
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (down_since, last) {
            d.outages.push(Outage {
                from,
                to,
                kind: OutageKind::Disconnected,
            });
        }
        Ok(d)
    }

    fn series_of(&mut self, drf: &str) -> &mut Series {
        let i = match self.series.iter().position(|s| s.label == drf) {
            Some(i) => i,
            None => {
                self.series.push(Series::new(drf, None));
                self.series.len() - 1
            }
        };
        &mut self.series[i]
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pacsys::{Reading, Status, Value};
    use pacsys_record::{RecordOptions, Recorder};

    use super::*;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    /// A recording written by pacsys-record, read back as `pacsys plot` reads it.
    #[test]
    fn a_recording_gives_series_failures_and_outages() {
        let dir = std::env::temp_dir().join(format!("pacsys-plot-cmd-{}", std::process::id()));
        let path = dir.join("run.parquet");
        let _ = std::fs::remove_dir_all(&dir);
        let reading = |drf: &str, t: u64, x: f64| {
            Event::Reading(
                Reading::new(Arc::from(drf), Status::OK)
                    .with_value(Value::Scalar(x))
                    .with_timestamp(Some(at(t))),
            )
        };
        let events = [
            (reading("Z:SINE@p,1000", 100, 1.0), 100),
            (reading("Z:RAMP@p,1000", 100, 5.0), 100),
            (
                Event::Disconnected {
                    reason: "reset".into(),
                },
                101,
            ),
            (
                Event::Reconnected {
                    gap: Duration::from_secs(3),
                },
                104,
            ),
            (reading("Z:SINE@p,1000", 105, 2.0), 105),
            (
                Event::Error {
                    drf: Arc::from("Z:NOPE@p,1000"),
                    status: Status::DPM_NO_SUCH_DEVICE,
                },
                105,
            ),
            (
                Event::Gap {
                    drf: Arc::from("Z:SINE@p,1000"),
                    from: at(90),
                    to: at(95),
                    reason: "timeout".into(),
                },
                106,
            ),
            (
                Event::Disconnected {
                    reason: "reset".into(),
                },
                107,
            ),
            (Event::Dropped { count: 2 }, 108),
        ];
        let mut rec = Recorder::create(&path, RecordOptions::default()).unwrap();
        for (e, t) in &events {
            rec.write_at(e, at(*t)).unwrap();
        }
        rec.finish().unwrap();
        let d = Drawing::of(pacsys_record::Recording::open(&path).unwrap().events()).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let labels: Vec<&str> = d.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Z:SINE@p,1000", "Z:RAMP@p,1000", "Z:NOPE@p,1000"]);
        assert_eq!(d.series[0].points, [(100_000_000, 1.0), (105_000_000, 2.0)]);
        assert_eq!(d.series[2].errors, [105_000_000]);
        let s = 1_000_000;
        assert_eq!(
            d.outages,
            [
                Outage {
                    from: 101 * s,
                    to: 104 * s,
                    kind: OutageKind::Disconnected
                },
                Outage {
                    from: 90 * s,
                    to: 95 * s,
                    kind: OutageKind::Gap
                },
                // Never reconnected: down to the end of the recording.
                Outage {
                    from: 107 * s,
                    to: 108 * s,
                    kind: OutageKind::Disconnected
                },
            ]
        );
    }

    #[test]
    fn the_default_image_sits_beside_the_recording() {
        assert_eq!(
            default_output(Path::new("/data/run.parquet")),
            Path::new("/data/run.png")
        );
        assert_eq!(default_output(Path::new("run")), Path::new("run.png"));
    }

    #[test]
    fn a_missing_recording_is_an_error_not_a_panic() {
        let args = PlotArgs {
            recording: PathBuf::from("/nonexistent-pacsys/run.parquet"),
            output: Some(std::env::temp_dir().join("pacsys-never-drawn.png")),
            size: (800, 400),
        };
        let e = run(args).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.to_string().contains("/nonexistent-pacsys/run.parquet"),
            "{e}"
        );
    }
}
