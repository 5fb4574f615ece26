//! The subcommands, generic over the [`Backend`]: inputs are checked into a [`Plan`]
//! before any connection is made, then run against whichever backend was chosen.

use std::collections::HashSet;
use std::io::{IsTerminal as _, Write};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pacsys::{Backend, Error, ErrorKind, Event, Status, Value, Verify};
use pacsys_drf::Request;

use crate::chart::{LiveChart, Screen};
use crate::cli::{Command, GlobalOpts, OutputFormat};
use crate::error::{CliError, Outcome};
use crate::info::{self, DeviceInfo, Section};
use crate::output::{PutLine, Renderer, error_message};
use crate::plot::{self, Series};
use crate::record::{Recording, Target};
use crate::signal::{Interrupt, Stop};
use crate::table::Monitor;
use crate::times;
use crate::values::{self, PutValue};

/// How often the live table is redrawn.
const TABLE_REFRESH: Duration = Duration::from_millis(200);
/// The event given to monitored DRFs that have none.
const DEFAULT_MONITOR_EVENT: &str = "p,1000";

/// A subcommand with its inputs checked (DRFs parsed, values typed, times resolved).
#[derive(Debug)]
pub enum Plan {
    /// `get`.
    Get {
        /// The DRFs, as given.
        drfs: Vec<String>,
        /// Write Parquet to stdout instead of lines.
        parquet: bool,
    },
    /// `put`.
    Put {
        /// (DRF, value) pairs, as given.
        settings: Vec<(String, PutValue)>,
        /// Read-back checking, when asked for.
        verify: Option<Verify>,
    },
    /// `monitor`.
    Monitor {
        /// The DRFs sent (with an event added where there was none), without duplicates.
        drfs: Vec<String>,
        /// Readings per DRF before stopping.
        count: Option<u64>,
        /// Time before stopping.
        duration: Option<Duration>,
        /// How the readings are shown.
        display: Display,
        /// Where every event is also recorded (`--record`, or stdout for `--format parquet`).
        record: Option<Target>,
        /// Flag DRFs silent this long (`--stale-after`).
        stale_after: Option<Duration>,
        /// Logged readings first, from this time (`--since`).
        since: Option<std::time::SystemTime>,
    },
    /// `info`.
    Info {
        /// Device names.
        devices: Vec<String>,
    },
    /// `history`.
    History {
        /// Each DRF as given (for output) and its request without event, to which
        /// `<-LOGGER:a:b` is added.
        drfs: Vec<(String, String)>,
        /// Window start, ms since the epoch.
        start_ms: i64,
        /// Window end, ms since the epoch (inclusive).
        end_ms: i64,
        /// Piece length in ms.
        chunk_ms: i64,
        /// Where the samples are also written as Parquet (`--output`, `--format parquet`).
        output: Option<Target>,
        /// The image to draw and its size (`--plot`).
        plot: Option<(std::path::PathBuf, (u32, u32))>,
    },
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

fn parse_drf(drf: &str) -> Result<Request, CliError> {
    Request::parse(drf).map_err(|e| CliError::bad_drf(drf, e))
}

impl Plan {
    /// Checks the inputs of `command` (never `sim`). No I/O except reading the clock.
    pub fn new(command: Command, global: &GlobalOpts) -> Result<Plan, CliError> {
        if global.format == OutputFormat::Parquet
            && matches!(command, Command::Put(_) | Command::Info(_))
        {
            return Err(CliError::Usage(
                "--format parquet is for get, monitor and history".into(),
            ));
        }
        match command {
            Command::Get(a) => {
                for d in &a.drfs {
                    parse_drf(d)?;
                }
                let parquet = global.format == OutputFormat::Parquet;
                if parquet {
                    Target::Stdout.check()?;
                }
                Ok(Plan::Get {
                    drfs: a.drfs,
                    parquet,
                })
            }
            Command::Put(a) => {
                if a.pairs.len() % 2 != 0 {
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
                Ok(Plan::Put { settings, verify })
            }
            Command::Monitor(a) => {
                let mut seen = HashSet::new();
                let mut drfs = Vec::new();
                for d in &a.drfs {
                    let req = parse_drf(d)?;
                    let sent = if matches!(req.event(), pacsys_drf::Event::Default) {
                        let with = if req.extra().is_none() {
                            format!("{d}@{DEFAULT_MONITOR_EVENT}")
                        } else {
                            req.with_event(DEFAULT_MONITOR_EVENT)
                                .map_err(|e| CliError::bad_drf(d, e))?
                                .to_canonical()
                        };
                        eprintln!("pacsys: note: {d} has no event; monitoring {with}");
                        with
                    } else {
                        d.clone()
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
                        let t = times::parse_time(text, jiff::Timestamp::now())
                            .map_err(CliError::Usage)?;
                        Some(std::time::SystemTime::from(t))
                    }
                    None => None,
                };
                Ok(Plan::Monitor {
                    drfs,
                    count: a.count,
                    duration: a.duration,
                    display,
                    record,
                    stale_after: a.stale_after,
                    since,
                })
            }
            Command::Info(a) => {
                let mut devices = Vec::with_capacity(a.devices.len());
                for d in &a.devices {
                    devices.push(parse_drf(d)?.device().to_owned());
                }
                Ok(Plan::Info { devices })
            }
            Command::History(a) => {
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
                let chunk_ms = i64::try_from(a.chunk.as_millis())
                    .unwrap_or(i64::MAX)
                    .max(1);
                Ok(Plan::History {
                    drfs,
                    start_ms: start.as_millisecond(),
                    end_ms: end.as_millisecond(),
                    chunk_ms,
                    output,
                    plot: a.plot.map(|p| (p, a.plot_size)),
                })
            }
            Command::Sim(_) | Command::Completions(_) | Command::Mcp(_) => Err(CliError::Usage(
                "this command is not run through a backend".into(),
            )),
        }
    }

    /// Whether this plan writes settings.
    pub fn writes(&self) -> bool {
        matches!(self, Plan::Put { .. })
    }

    /// Runs the plan against `backend`, printing to stdout (results) and stderr
    /// (diagnostics).
    pub async fn run<B: Backend + Send + Sync + 'static>(
        self,
        shared: &std::sync::Arc<B>,
        r: Renderer,
    ) -> Result<Outcome, CliError> {
        let backend: &B = shared;
        match self {
            Plan::Get { drfs, parquet } => get(backend, &drfs, parquet, r).await,
            Plan::Put { settings, verify } => put(backend, &settings, verify, r).await,
            Plan::Monitor {
                drfs,
                count,
                duration,
                display,
                record,
                stale_after,
                since,
            } => {
                let until = Until { count, duration };
                let source = match since {
                    Some(start) => Source::Since(std::sync::Arc::clone(shared), start),
                    None => Source::Live(backend),
                };
                let show = Show {
                    display,
                    record,
                    stale_after,
                };
                monitor(source, drfs, until, show, r).await
            }
            Plan::Info { devices } => info_cmd(backend, &devices, r).await,
            Plan::History {
                drfs,
                start_ms,
                end_ms,
                chunk_ms,
                output,
                plot,
            } => {
                let window = Window {
                    start_ms,
                    end_ms,
                    chunk_ms,
                };
                history(backend, &drfs, window, output, plot, r).await
            }
        }
    }
}

/// Buffered stdout; write errors (a closed pipe) end the command with exit 1. The silent
/// form ([`Out::none`]) never touches stdout, for commands whose stdout is a Parquet stream
/// written from the recorder's thread (holding the stdout lock here would block it).
struct Out(Option<std::io::BufWriter<std::io::StdoutLock<'static>>>);

impl Out {
    fn new() -> Out {
        Out(Some(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout().lock(),
        )))
    }

    fn none() -> Out {
        Out(None)
    }

    fn line(&mut self, s: &str) -> Result<(), CliError> {
        match &mut self.0 {
            Some(w) => writeln!(w, "{s}").map_err(write_failed),
            None => Ok(()),
        }
    }

    fn raw(&mut self, s: &str) -> Result<(), CliError> {
        match &mut self.0 {
            Some(w) => w.write_all(s.as_bytes()).map_err(write_failed),
            None => Ok(()),
        }
    }

    fn flush(&mut self) -> Result<(), CliError> {
        match &mut self.0 {
            Some(w) => w.flush().map_err(write_failed),
            None => Ok(()),
        }
    }
}

fn write_failed(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::OutputClosed;
    }
    CliError::Failed(format!("cannot write the output: {e}"))
}

/// Drops `value` on a thread of its own when it is large (a thread costs tens of
/// microseconds); the process may exit before it finishes, which frees it just the same.
fn drop_in_background<T: Send + 'static>(value: Vec<T>) {
    if value.len() >= 1024 {
        // Should no thread start, the closure and the value are dropped here instead.
        let _ = std::thread::Builder::new()
            .name("pacsys-free".into())
            .spawn(move || drop(value));
    }
}

/// Reports the distinct failures that are not about one device (connection, timeout,
/// authentication) once each on stderr, so they are clear even when stdout is JSON.
fn report_call_failures<'a>(errors: impl IntoIterator<Item = &'a Error>, addr_hint: &str) {
    let mut seen = HashSet::new();
    for e in errors {
        if e.status().is_some() {
            continue;
        }
        let msg = error_message(e);
        if seen.insert(msg.clone()) {
            eprintln!("pacsys: {msg}{addr_hint}");
        }
    }
}

async fn get<B: Backend>(
    b: &B,
    drfs: &[String],
    parquet: bool,
    r: Renderer,
) -> Result<Outcome, CliError> {
    let results = b.get_many(drfs, None).await;
    if parquet {
        return get_parquet(drfs, results);
    }
    let mut out = Out::new();
    if let Some(h) = r.header() {
        out.line(&h)?;
    }
    let mut failed = false;
    for (drf, res) in drfs.iter().zip(&results) {
        failed |= !matches!(res, Ok(reading) if reading.ok());
        out.line(&r.result(drf, res))?;
    }
    if results.len() != drfs.len() {
        failed = true;
    }
    out.flush()?;
    report_call_failures(results.iter().filter_map(|x| x.as_ref().err()), "");
    // Freeing ten thousand readings one by one takes longer than printing them, and the
    // process usually ends next: free them off the path to the exit.
    drop_in_background(results);
    Ok(Outcome::from_failed(failed))
}

/// `get --format parquet`: one row per reading, a device failure as an error row; failures
/// that carry no ACNET status (a timeout, a lost connection) have no row and are reported
/// on stderr.
fn get_parquet(
    drfs: &[String],
    results: Vec<Result<pacsys::Reading, Error>>,
) -> Result<Outcome, CliError> {
    let mut rec = Recording::start(Target::Stdout)?;
    let mut failed = results.len() != drfs.len();
    let mut errors = Vec::new();
    for (drf, res) in drfs.iter().zip(results) {
        match res {
            Ok(reading) => {
                failed |= !reading.ok();
                rec.event(&Event::Reading(reading))?;
            }
            Err(e) => {
                failed = true;
                if let Some(status) = e.status() {
                    rec.event(&Event::Error {
                        drf: drf.as_str().into(),
                        status,
                    })?;
                }
                errors.push(e);
            }
        }
    }
    rec.finish()?;
    report_call_failures(&errors, "");
    Ok(Outcome::from_failed(failed))
}

async fn put<B: Backend>(
    b: &B,
    settings: &[(String, PutValue)],
    verify: Option<Verify>,
    r: Renderer,
) -> Result<Outcome, CliError> {
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
    Since(std::sync::Arc<B>, std::time::SystemTime),
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
                subs.push(
                    pacsys::history::since(std::sync::Arc::clone(&b), drf, start, options).await?,
                );
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
    let mut m = Monitor::new(drfs, started);
    let mut out = match display {
        Display::Nothing => Out::none(),
        _ => Out::new(),
    };
    if lines && let Some(h) = r.header() {
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
                            out.line(&r.reading(&rd.drf, rd))?;
                            out.flush()?;
                        }
                    }
                    Event::Error { drf, status } => {
                        failed = true;
                        if lines {
                            let e = Error::device(drf.to_string(), *status);
                            out.line(&r.failure(drf, &e))?;
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
                        if matches!(live, Live::None) {
                            eprintln!("pacsys: {other}");
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
fn redraw(live: &mut Live, m: &mut Monitor, out: &mut Out) -> Result<(), CliError> {
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

async fn info_cmd<B: Backend>(b: &B, devices: &[String], r: Renderer) -> Result<Outcome, CliError> {
    let drfs: Vec<String> = devices.iter().flat_map(|d| info::requests(d)).collect();
    let mut results = b.get_many(&drfs, None).await.into_iter();
    let mut out = Out::new();
    if let Some(h) = info::header(r.format()) {
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
        if i > 0 && r.format() == crate::output::Format::Text {
            out.line("")?;
        }
        out.line(&di.render(r.format(), r.verbose()))?;
    }
    out.flush()?;
    report_call_failures(&call_errors, "");
    Ok(Outcome::from_failed(failed))
}

/// A history window, in milliseconds since the epoch, fetched in pieces.
struct Window {
    start_ms: i64,
    end_ms: i64,
    chunk_ms: i64,
}

impl Window {
    /// The pieces `[a, z]` (inclusive), of equal length (no tiny last piece), each at most
    /// about `chunk_ms` long.
    fn pieces(&self) -> Vec<(i64, i64)> {
        let Window {
            start_ms,
            end_ms,
            chunk_ms,
        } = *self;
        let span = end_ms.saturating_sub(start_ms).max(1);
        let pieces = (span.div_euclid(chunk_ms) + i64::from(span.rem_euclid(chunk_ms) != 0)).max(1);
        let inclusive = span.saturating_add(1);
        let piece_ms =
            (inclusive.div_euclid(pieces) + i64::from(inclusive.rem_euclid(pieces) != 0)).max(1);
        let mut out = Vec::new();
        let mut a = start_ms;
        while a <= end_ms {
            let z = a.saturating_add(piece_ms - 1).min(end_ms);
            out.push((a, z));
            if z == end_ms {
                break;
            }
            a = z + 1;
        }
        out
    }
}

async fn history<B: Backend>(
    b: &B,
    drfs: &[(String, String)],
    window: Window,
    output: Option<Target>,
    plot: Option<(std::path::PathBuf, (u32, u32))>,
    r: Renderer,
) -> Result<Outcome, CliError> {
    let pieces = window.pieces();
    let total = u64::try_from(pieces.len() * drfs.len()).unwrap_or(u64::MAX);
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
        for &(a, z) in &pieces {
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
                    bar.inc((pieces.len() as u64).saturating_sub(1));
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
                    bar.inc((pieces.len() as u64).saturating_sub(1));
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

/// Microseconds since the Unix epoch (`None` before 1970 or past the year 294,000).
fn micros_of(t: std::time::SystemTime) -> Option<i64> {
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_micros()).ok()
}
