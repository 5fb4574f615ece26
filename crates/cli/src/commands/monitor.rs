//! `pacsys monitor`: stream devices until `--count`, `--duration` or Ctrl-C, as lines (every
//! stream event too, in JSON and CSV: see [`crate::events`]), a live table or chart, and/or
//! a Parquet recording.

use std::collections::HashSet;
use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt as _;
use pacsys::default_event::{STREAM_EVENT, with_default_event};
use pacsys::{Backend, Error, Event};

use super::out::{Out, write_failed};
use super::parse_drf;
use crate::chart::{LiveChart, Screen};
use crate::cli::{GlobalOpts, MonitorArgs, OutputFormat};
use crate::error::{CliError, Outcome};
use crate::events::stream_format;
use crate::formats::Renderer;
use crate::record::{Recording, Target};
use crate::signal::{Interrupt, Stop};
use crate::table;
use crate::times;

/// How often the live table is redrawn.
const TABLE_REFRESH: Duration = Duration::from_millis(200);

/// `monitor` with its inputs checked.
#[derive(Debug)]
pub struct Monitor {
    /// The DRFs sent (with an event added where there was none), without duplicates.
    pub drfs: Vec<String>,
    /// Readings per DRF before stopping.
    pub count: Option<u64>,
    /// Time before stopping.
    pub duration: Option<Duration>,
    /// How the readings are shown.
    pub display: Display,
    /// Where every event is also recorded (`--record`, or stdout for `--format parquet`).
    pub record: Option<Target>,
    /// Flag DRFs silent this long (`--stale-after`).
    pub stale_after: Option<Duration>,
    /// Logged readings first, from this time (`--since`).
    pub since: Option<SystemTime>,
}

/// How `monitor` shows what arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// One line per reading.
    Lines,
    /// The live table (a terminal, text format).
    Table,
    /// The live chart over this window (`--chart`, a terminal).
    Chart(Duration),
    /// Nothing on stdout (`--format parquet` writes the recording there).
    Nothing,
}

impl Monitor {
    /// Checks the DRFs (giving those without an event the default one, with a note on
    /// stderr), the display and the recording.
    pub fn new(a: MonitorArgs, global: &GlobalOpts) -> Result<Monitor, CliError> {
        let mut seen = HashSet::new();
        let mut drfs = Vec::new();
        for d in &a.drfs {
            parse_drf(d)?;
            let sent = match with_default_event(d, STREAM_EVENT)
                .map_err(|e| CliError::Usage(e.to_string()))?
            {
                Some(with) => {
                    eprintln!("pacsys: note: {d} has no event; monitoring {with}");
                    with
                }
                None => d.clone(),
            };
            if seen.insert(sent.clone()) {
                drfs.push(sent);
            }
        }
        let terminal = std::io::stdout().is_terminal();
        let parquet = global.format == OutputFormat::Parquet;
        let display = if parquet {
            Display::Nothing
        } else if a.chart {
            if !terminal {
                return Err(CliError::Usage(
                    "--chart draws on a terminal; stdout is not one".into(),
                ));
            }
            Display::Chart(a.chart_window)
        } else if !a.lines && global.format == OutputFormat::Text && terminal {
            Display::Table
        } else {
            Display::Lines
        };
        let record = match (&a.record, parquet) {
            (Some(_), true) => {
                return Err(CliError::Usage(
                    "--record and --format parquet both record: choose one".into(),
                ));
            }
            (Some(path), false) => Some(Target::Dataset {
                path: path.clone(),
                interval: a.record_interval,
            }),
            (None, true) => Some(Target::Stdout),
            (None, false) => None,
        };
        if let Some(target) = &record {
            target.check()?;
        }
        let since = match &a.since {
            Some(text) => {
                let t = times::parse_time(text, jiff::Timestamp::now()).map_err(CliError::Usage)?;
                Some(SystemTime::from(t))
            }
            None => None,
        };
        Ok(Monitor {
            drfs,
            count: a.count,
            duration: a.duration,
            display,
            record,
            stale_after: a.stale_after,
            since,
        })
    }

    /// Streams until the count, the duration or a signal.
    pub async fn run<B: Backend + Send + Sync + 'static>(
        self,
        shared: &Arc<B>,
        r: Renderer,
    ) -> Result<Outcome, CliError> {
        let Monitor {
            drfs,
            count,
            duration,
            display,
            record,
            stale_after,
            since,
        } = self;
        let until = Until { count, duration };
        let source = match since {
            Some(start) => Source::Since(Arc::clone(shared), start),
            None => Source::Live(&**shared),
        };
        let show = Show {
            display,
            record,
            stale_after,
        };
        monitor(source, drfs, until, show, r).await
    }
}

/// When a monitor stops by itself.
struct Until {
    /// Once every DRF delivered this many readings.
    count: Option<u64>,
    /// After this long.
    duration: Option<Duration>,
}

/// Where a monitor's events come from.
enum Source<'a, B> {
    /// A live subscription.
    Live(&'a B),
    /// Each DRF's logged readings since the time, then live ones.
    Since(Arc<B>, SystemTime),
}

/// The monitor's subscription: live, or history then live for each DRF, merged.
async fn subscribe<B: Backend + Send + Sync + 'static>(
    source: Source<'_, B>,
    drfs: &[String],
) -> Result<pacsys::Subscription, Error> {
    match source {
        Source::Live(b) => b.subscribe(drfs).await,
        Source::Since(b, start) => {
            let mut subs = Vec::with_capacity(drfs.len());
            for drf in drfs {
                let options = pacsys::history::SinceOptions::default();
                subs.push(pacsys::history::since(Arc::clone(&b), drf, start, options).await?);
            }
            let merged = pacsys::subscription::merge(subs);
            Ok(pacsys::Subscription::from_stream(
                drfs.to_vec(),
                merged,
                Default::default(),
            ))
        }
    }
}

/// What `monitor` shows and records.
struct Show {
    display: Display,
    record: Option<Target>,
    stale_after: Option<Duration>,
}

/// The monitor's terminal display while it runs.
enum Live {
    None,
    Table,
    Chart(Box<(LiveChart, Screen)>),
}

async fn monitor<B: Backend + Send + Sync + 'static>(
    source: Source<'_, B>,
    drfs: Vec<String>,
    until: Until,
    show: Show,
    r: Renderer,
) -> Result<Outcome, CliError> {
    let Until { count, duration } = until;
    let Show {
        display,
        record,
        stale_after,
    } = show;
    let mut interrupt = Interrupt::new();
    let mut recording = record.map(Recording::start).transpose()?;
    let subscribed = subscribe(source, &drfs).await.map(|s| match stale_after {
        Some(window) => s.stale_after(window),
        None => s,
    });
    let mut sub = match subscribed {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pacsys: cannot start the subscription: {e}");
            if let Some(rec) = recording {
                rec.finish()?;
            }
            return Ok(Outcome::SomeFailed);
        }
    };
    let started = Instant::now();
    let lines = display == Display::Lines;
    let mut live = match display {
        Display::Table => Live::Table,
        Display::Chart(window) => {
            let screen = Screen::enter()
                .map_err(|e| CliError::Failed(format!("cannot draw on the terminal: {e}")))?;
            Live::Chart(Box::new((
                LiveChart::new(drfs.clone(), window, started),
                screen,
            )))
        }
        Display::Lines | Display::Nothing => Live::None,
    };
    let mut m = table::Monitor::new(drfs, started);
    let format = stream_format(r);
    let mut out = match display {
        Display::Nothing => Out::none(),
        _ => Out::new(),
    };
    if lines && let Some(h) = format.header() {
        out.line(&h)?;
        out.flush()?;
    }
    let deadline = tokio::time::sleep(duration.unwrap_or(Duration::from_secs(86_400 * 365)));
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(TABLE_REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let ticking = !matches!(live, Live::None) || recording.is_some();
    let mut interrupted = None;
    let mut failed = false;
    redraw(&mut live, &mut m, &mut out)?;
    loop {
        tokio::select! {
            stop = interrupt.recv() => {
                interrupted = Some(stop);
                break;
            }
            _ = &mut deadline, if duration.is_some() => break,
            _ = tick.tick(), if ticking => {
                redraw(&mut live, &mut m, &mut out)?;
                if let Some(rec) = &mut recording {
                    rec.tick()?;
                }
            }
            event = sub.next() => {
                let Some(event) = event else {
                    eprintln!("pacsys: the subscription ended");
                    failed = true;
                    break;
                };
                let skip = match (&event, count) {
                    (Event::Reading(rd), Some(n)) => m.reached(&rd.drf, n),
                    _ => false,
                };
                if skip {
                    continue;
                }
                let now = Instant::now();
                let ok = m.record(&event, now);
                if let Some(rec) = &mut recording {
                    rec.event(&event)?;
                }
                if let Live::Chart(chart) = &mut live {
                    chart.0.record(&event, now);
                }
                match &event {
                    Event::Reading(rd) => {
                        failed |= !ok;
                        if lines {
                            out.line(&format.reading(&rd.drf, rd))?;
                            out.flush()?;
                        }
                    }
                    Event::Error { drf, status } => {
                        failed = true;
                        if lines {
                            let e = Error::device(drf.to_string(), *status);
                            out.line(&format.failure(drf, &e))?;
                            out.flush()?;
                        }
                    }
                    Event::Disconnected { reason } if !m.any_data() => {
                        // No data ever came: most likely a wrong host or port, not a
                        // passing outage of a running stream.
                        eprintln!("pacsys: the subscription failed before any data arrived: {reason}");
                        failed = true;
                        break;
                    }
                    other => {
                        // One line on stderr for each event, in every format; JSON and
                        // CSV also give it a line of its own on stdout.
                        if matches!(live, Live::None) {
                            eprintln!("pacsys: {other}");
                        }
                        if lines && let Some(line) = format.event(other, SystemTime::now()) {
                            out.line(&line)?;
                            out.flush()?;
                        }
                    }
                }
                if count.is_some_and(|n| m.all_reached(n)) {
                    break;
                }
            }
        }
    }
    redraw(&mut live, &mut m, &mut out)?;
    if let Live::Chart(chart) = &mut live {
        let _ = chart.1.restore();
    }
    out.flush()?;
    let _ = tokio::time::timeout(Duration::from_secs(1), sub.stop()).await;
    if let Some(rec) = recording
        && let Some(line) = rec.finish()?
    {
        eprintln!("{line}");
    }
    eprintln!("{}", m.summary(Instant::now()));
    match interrupted {
        Some(Stop::Interrupt) => return Ok(Outcome::Interrupted),
        Some(Stop::Terminate) => return Ok(Outcome::Terminated),
        None => {}
    }
    Ok(Outcome::from_failed(failed))
}

/// Redraws the live table or chart, if there is one.
fn redraw(live: &mut Live, m: &mut table::Monitor, out: &mut Out) -> Result<(), CliError> {
    match live {
        Live::None => Ok(()),
        Live::Table => {
            out.raw(&m.redraw(Instant::now()))?;
            out.flush()
        }
        Live::Chart(chart) => {
            let (chart, screen) = &mut **chart;
            screen.draw(chart, Instant::now()).map_err(write_failed)
        }
    }
}
