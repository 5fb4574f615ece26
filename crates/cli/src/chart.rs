//! The live terminal chart of `pacsys monitor --chart`: one line per DRF over a sliding time
//! window, redrawn in place on the terminal's alternate screen (ratatui over crossterm), with
//! the terminal restored on every exit path (the end of the run, an error, Ctrl-C).
//!
//! [`LiveChart`] is the state and the drawing, pure (time is passed in) and testable with
//! ratatui's `TestBackend`; [`Screen`] owns the terminal.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use ratatui::{Terminal, backend::TestBackend};
//! use pacsys::{Event, Reading, Status, Value};
//! use pacsys_cli::chart::LiveChart;
//!
//! let t0 = Instant::now();
//! let mut chart = LiveChart::new(vec!["Z:SINE@p,100".into()], Duration::from_secs(60), t0);
//! for i in 0..50u32 {
//!     let r = Reading::new("Z:SINE@p,100".into(), Status::OK)
//!         .with_value(Value::Scalar(f64::from(i).sin()));
//!     chart.record(&Event::Reading(r), t0 + Duration::from_millis(u64::from(i) * 100));
//! }
//! let mut term = Terminal::new(TestBackend::new(80, 20))?;
//! term.draw(|f| chart.draw(f, t0 + Duration::from_secs(5)))?;
//! let screen = format!("{:?}", term.backend().buffer());
//! assert!(screen.contains("Z:SINE@p,100"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::Stdout;
use std::time::{Duration, Instant};

use pacsys::{Event, Value};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line as TextLine;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, LegendPosition};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

/// Line colours, one per DRF in turn.
const COLOURS: [Color; 6] = [
    Color::Cyan,
    Color::Yellow,
    Color::Green,
    Color::Magenta,
    Color::LightBlue,
    Color::LightRed,
];

/// Points kept per line: older points within the window are thinned to about this many (a
/// terminal chart has a few hundred braille columns at most).
const MAX_POINTS: usize = 2_048;

/// One DRF's line.
#[derive(Debug, Clone)]
struct Line {
    drf: String,
    units: Option<String>,
    /// (seconds since the chart started, value).
    points: VecDeque<(f64, f64)>,
    last: Option<f64>,
    readings: u64,
    errors: u64,
    /// What the line last showed that was not a number (an array, text, a failure).
    note: Option<String>,
}

/// The live chart's state: the recent scalar readings of each DRF.
#[derive(Debug, Clone)]
pub struct LiveChart {
    lines: Vec<Line>,
    index: HashMap<String, usize>,
    window: Duration,
    started: Instant,
    dropped: u64,
    gaps: u64,
    status: Option<String>,
}

impl LiveChart {
    /// A chart of `drfs` (one line each, in this order) showing the last `window`.
    pub fn new(drfs: Vec<String>, window: Duration, now: Instant) -> LiveChart {
        let index = drfs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), i))
            .collect();
        let lines = drfs
            .into_iter()
            .map(|drf| Line {
                drf,
                units: None,
                points: VecDeque::new(),
                last: None,
                readings: 0,
                errors: 0,
                note: None,
            })
            .collect();
        LiveChart {
            lines,
            index,
            window: window.max(Duration::from_secs(1)),
            started: now,
            dropped: 0,
            gaps: 0,
            status: None,
        }
    }

    fn seconds(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.started).as_secs_f64()
    }

    /// Takes one event of the subscription, received at `now`.
    pub fn record(&mut self, event: &Event, now: Instant) {
        let t = self.seconds(now);
        let window = self.window.as_secs_f64();
        match event {
            Event::Reading(r) => {
                let Some(&i) = self.index.get(r.drf.as_ref()) else {
                    return;
                };
                let line = &mut self.lines[i];
                line.readings += 1;
                if line.units.is_none() {
                    line.units = r.units().map(str::to_owned);
                }
                match &r.value {
                    Some(Value::Scalar(x)) if !r.is_error() => {
                        line.last = Some(*x);
                        line.note = None;
                        // Thin: within one step of the last point, replace it instead.
                        let step = window / MAX_POINTS as f64;
                        let many = line.points.len() > 1;
                        match line.points.back_mut() {
                            Some(last) if many && t - last.0 < step => *last = (t, *x),
                            _ => line.points.push_back((t, *x)),
                        }
                    }
                    Some(Value::Scalar(_)) | None => {
                        line.errors += 1;
                        line.note = Some(r.status.to_string());
                    }
                    Some(other) => line.note = Some(format!("{} (not charted)", other.kind_name())),
                }
                while line.points.front().is_some_and(|p| p.0 < t - window) {
                    line.points.pop_front();
                }
            }
            Event::Error { drf, status } => {
                if let Some(&i) = self.index.get(drf.as_ref()) {
                    self.lines[i].errors += 1;
                    self.lines[i].note = Some(status.to_string());
                }
            }
            Event::Dropped { count } => self.dropped += count,
            Event::Disconnected { reason } => self.status = Some(format!("disconnected: {reason}")),
            Event::Reconnected { .. } => {
                self.gaps += 1;
                self.status = None;
            }
            Event::Gap { .. } => self.gaps += 1,
            _ => {}
        }
    }

    /// Draws the chart into the whole frame, as of `now`.
    pub fn draw(&self, frame: &mut Frame<'_>, now: Instant) {
        self.draw_in(frame, frame.area(), now);
    }

    /// Draws the chart into `area` of the frame, as of `now`.
    pub fn draw_in(&self, frame: &mut Frame<'_>, area: Rect, now: Instant) {
        let t = self.seconds(now);
        let window = self.window.as_secs_f64();
        let x0 = (t - window).max(0.0);
        let x1 = x0 + window;
        let (lo, hi) = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = if lo > hi {
            (0.0, 1.0)
        } else if lo == hi {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - pad, hi + pad)
        } else {
            let pad = (hi - lo) * 0.05;
            (lo - pad, hi + pad)
        };
        let data: Vec<Vec<(f64, f64)>> = self
            .lines
            .iter()
            .map(|l| {
                l.points
                    .iter()
                    .copied()
                    .filter(|p| p.1.is_finite())
                    .collect()
            })
            .collect();
        let datasets = self
            .lines
            .iter()
            .zip(&data)
            .enumerate()
            .map(|(i, (line, points))| {
                let mut name = line.drf.clone();
                match (line.last, &line.note) {
                    (_, Some(note)) => name.push_str(&format!("  {note}")),
                    (Some(v), None) => name.push_str(&format!("  {v}")),
                    (None, None) => name.push_str("  waiting"),
                }
                if let Some(u) = &line.units {
                    name.push_str(&format!(" {u}"));
                }
                Dataset::default()
                    .name(name)
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(Style::default().fg(COLOURS[i % COLOURS.len()]))
                    .data(points)
            })
            .collect();
        let mut units: Vec<&str> = self
            .lines
            .iter()
            .filter_map(|l| l.units.as_deref())
            .collect();
        units.dedup();
        let readings: u64 = self.lines.iter().map(|l| l.readings).sum();
        let mut title = format!(
            " pacsys monitor: {readings} readings, dropped {}, gaps {} ",
            self.dropped, self.gaps
        );
        if let Some(s) = &self.status {
            title.push_str(&format!("[{s}] "));
        }
        let label = |v: f64| TextLine::from(format!("{v:.4}"));
        let chart = Chart::new(datasets)
            .block(Block::bordered().title(title))
            .legend_position(Some(LegendPosition::TopLeft))
            .hidden_legend_constraints((
                ratatui::layout::Constraint::Percentage(90),
                ratatui::layout::Constraint::Percentage(90),
            ))
            .x_axis(Axis::default().title("s").bounds([x0, x1]).labels([
                format!("{x0:.0}"),
                format!("{:.0}", x0 + window / 2.0),
                format!("{x1:.0}"),
            ]))
            .y_axis(
                Axis::default()
                    .title(units.join(", "))
                    .bounds([lo, hi])
                    .labels([label(lo), label((lo + hi) / 2.0), label(hi)]),
            );
        frame.render_widget(chart, area);
    }
}

/// The terminal while the chart is shown: the alternate screen with the cursor hidden,
/// restored when dropped (every exit path, including errors and Ctrl-C).
pub struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    restored: bool,
}

impl Screen {
    /// Enters the alternate screen. A terminal that reports no size (some ptys) is drawn at
    /// 100x30.
    pub fn enter() -> std::io::Result<Screen> {
        let mut stdout = std::io::stdout();
        execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide)?;
        let size = terminal::size().unwrap_or((0, 0));
        let viewport = if size.0 == 0 || size.1 == 0 {
            Viewport::Fixed(Rect::new(0, 0, 100, 30))
        } else {
            Viewport::Fullscreen
        };
        let terminal =
            Terminal::with_options(CrosstermBackend::new(stdout), TerminalOptions { viewport });
        match terminal {
            Ok(terminal) => Ok(Screen {
                terminal,
                restored: false,
            }),
            Err(e) => {
                let _ = execute!(
                    std::io::stdout(),
                    cursor::Show,
                    terminal::LeaveAlternateScreen
                );
                Err(e)
            }
        }
    }

    /// Redraws the chart.
    pub fn draw(&mut self, chart: &LiveChart, now: Instant) -> std::io::Result<()> {
        self.terminal.draw(|f| chart.draw(f, now)).map(|_| ())
    }

    /// Leaves the alternate screen and shows the cursor again.
    pub fn restore(&mut self) -> std::io::Result<()> {
        if self.restored {
            return Ok(());
        }
        self.restored = true;
        execute!(
            self.terminal.backend_mut(),
            cursor::Show,
            terminal::LeaveAlternateScreen
        )
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pacsys::{Reading, Status};
    use ratatui::backend::TestBackend;

    use super::*;

    fn reading(drf: &str, v: f64) -> Event {
        Event::Reading(Reading::new(Arc::from(drf), Status::OK).with_value(Value::Scalar(v)))
    }

    fn screen(chart: &LiveChart, now: Instant) -> String {
        let mut term = Terminal::new(TestBackend::new(100, 24)).expect("test backend");
        term.draw(|f| chart.draw(f, now)).expect("drawn");
        let buf = term.backend().buffer();
        let mut s = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn every_drf_has_a_line_and_a_legend() {
        let t0 = Instant::now();
        let drfs = vec!["Z:SINE@p,100".to_owned(), "Z:RAMP@p,100".to_owned()];
        let mut c = LiveChart::new(drfs, Duration::from_secs(10), t0);
        for i in 0..100u32 {
            let at = t0 + Duration::from_millis(u64::from(i) * 50);
            c.record(&reading("Z:SINE@p,100", (f64::from(i) / 8.0).sin()), at);
            c.record(&reading("Z:RAMP@p,100", f64::from(i % 20)), at);
        }
        c.record(&Event::Dropped { count: 3 }, t0 + Duration::from_secs(5));
        let s = screen(&c, t0 + Duration::from_secs(5));
        assert!(s.contains("Z:SINE@p,100"), "{s}");
        assert!(
            s.contains("Z:RAMP@p,100  19"),
            "last value in the legend: {s}"
        );
        assert!(s.contains("200 readings, dropped 3, gaps 0"), "{s}");
        let braille = s
            .chars()
            .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
            .count();
        assert!(braille > 50, "the lines are drawn: {braille}\n{s}");
    }

    #[test]
    fn the_window_slides_and_failures_are_noted() {
        let t0 = Instant::now();
        let mut c = LiveChart::new(vec!["M:OUTTMP@p,1000".into()], Duration::from_secs(2), t0);
        for i in 0..10u64 {
            c.record(
                &reading("M:OUTTMP@p,1000", 72.5),
                t0 + Duration::from_secs(i),
            );
        }
        assert!(c.lines[0].points.len() <= 3, "{:?}", c.lines[0].points);
        let bad = Reading::new(Arc::from("M:OUTTMP@p,1000"), Status::new(14, -82));
        c.record(&Event::Reading(bad), t0 + Duration::from_secs(10));
        assert_eq!(c.lines[0].errors, 1);
        let s = screen(&c, t0 + Duration::from_secs(10));
        assert!(s.contains("M:OUTTMP@p,1000"), "{s}");
        // Unknown DRFs and other events never panic.
        c.record(&reading("Z:OTHER", 1.0), t0);
        c.record(
            &Event::Disconnected {
                reason: "reset".into(),
            },
            t0,
        );
        assert!(screen(&c, t0).contains("disconnected: reset"));
    }

    #[test]
    fn many_points_are_thinned() {
        let t0 = Instant::now();
        let mut c = LiveChart::new(vec!["X".into()], Duration::from_secs(60), t0);
        for i in 0..100_000u64 {
            c.record(&reading("X", i as f64), t0 + Duration::from_micros(i * 500));
        }
        assert!(
            c.lines[0].points.len() <= MAX_POINTS + 1,
            "{}",
            c.lines[0].points.len()
        );
        assert_eq!(c.lines[0].last, Some(99_999.0));
    }
}
