//! The state of a `monitor` run: per-request counts, rates and last values, the live table
//! shown on a terminal and the summary printed at the end. Pure (time is passed in).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use pacsys::{Event, Reading};

use crate::output::error_message;
use crate::view::View;

/// One monitored request.
#[derive(Debug, Clone)]
struct Row {
    drf: String,
    count: u64,
    errors: u64,
    value: Option<String>,
    units: Option<String>,
    first: Option<Instant>,
    last: Option<Instant>,
    last_error: Option<String>,
    /// Failed for good (the server rejected the request).
    rejected: bool,
    /// Silent past `--stale-after` (until its next reading).
    stale: bool,
}

/// What a monitor run has seen so far.
///
/// ```
/// use std::time::Instant;
/// use pacsys_cli::table::Monitor;
///
/// let m = Monitor::new(vec!["M:OUTTMP@p,200".into()], Instant::now());
/// assert_eq!(m.total_readings(), 0);
/// assert!(!m.all_reached(1));
/// ```
#[derive(Debug, Clone)]
pub struct Monitor {
    rows: Vec<Row>,
    index: HashMap<String, usize>,
    started: Instant,
    dropped: u64,
    gaps: u64,
    gap_time: Duration,
    disconnected: Option<String>,
    drawn_lines: usize,
    view: View,
}

/// The widest a value is shown in the table.
const VALUE_WIDTH: usize = 24;

impl Monitor {
    /// A monitor of `drfs` (the requests as sent, one row each), started at `now`.
    pub fn new(drfs: Vec<String>, now: Instant) -> Monitor {
        let index = drfs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), i))
            .collect();
        let rows = drfs
            .into_iter()
            .map(|drf| Row {
                drf,
                count: 0,
                errors: 0,
                value: None,
                units: None,
                first: None,
                last: None,
                last_error: None,
                rejected: false,
                stale: false,
            })
            .collect();
        Monitor {
            rows,
            index,
            started: now,
            dropped: 0,
            gaps: 0,
            gap_time: Duration::ZERO,
            disconnected: None,
            drawn_lines: 0,
            view: View::default(),
        }
    }

    /// The same monitor showing values with these display options (`--range`,
    /// `--number-format`).
    pub fn with_view(mut self, view: View) -> Monitor {
        self.view = view;
        self
    }

    /// Records one event received at `now`. Returns whether it was a usable reading.
    pub fn record(&mut self, event: &Event, now: Instant) -> bool {
        match event {
            Event::Reading(r) => self.record_reading(r, now),
            Event::Error { drf, status } => {
                if let Some(row) = self.row_mut(drf) {
                    row.errors += 1;
                    row.rejected = true;
                    row.last_error = Some(status.to_string());
                }
                false
            }
            Event::Disconnected { reason } => {
                self.disconnected = Some(reason.clone());
                false
            }
            Event::Reconnected { gap } => {
                self.disconnected = None;
                self.gaps += 1;
                self.gap_time += *gap;
                false
            }
            Event::Dropped { count } => {
                self.dropped += count;
                false
            }
            Event::Stale { drf, .. } | Event::Fresh { drf, .. } => {
                let stale = matches!(event, Event::Stale { .. });
                if let Some(row) = self.row_mut(drf) {
                    row.stale = stale;
                }
                false
            }
            _ => false,
        }
    }

    fn record_reading(&mut self, r: &Reading, now: Instant) -> bool {
        let ok = r.ok();
        let text = if ok {
            r.value.as_ref().map(|v| self.view.value_text(v))
        } else {
            None
        };
        let Some(row) = self.row_mut(&r.drf) else {
            return false;
        };
        if ok {
            row.count += 1;
            row.first.get_or_insert(now);
            row.last = Some(now);
            row.value = text;
            row.units = r.units().map(str::to_owned);
        } else {
            row.errors += 1;
            row.last_error = Some(error_message(&pacsys::Error::device(
                r.drf.to_string(),
                r.status,
            )));
        }
        ok
    }

    fn row_mut(&mut self, drf: &str) -> Option<&mut Row> {
        let i = *self.index.get(drf)?;
        self.rows.get_mut(i)
    }

    /// Usable readings received, over all requests.
    pub fn total_readings(&self) -> u64 {
        self.rows.iter().map(|r| r.count).sum()
    }

    /// Error readings and rejections, over all requests.
    pub fn total_errors(&self) -> u64 {
        self.rows.iter().map(|r| r.errors).sum()
    }

    /// Readings dropped because the consumer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether anything came from the server yet (a reading or a per-request error), i.e.
    /// whether the subscription ever got connected.
    ///
    /// ```
    /// use std::time::Instant;
    /// use pacsys_cli::table::Monitor;
    ///
    /// assert!(!Monitor::new(vec!["M:OUTTMP@p,200".into()], Instant::now()).any_data());
    /// ```
    pub fn any_data(&self) -> bool {
        self.rows.iter().any(|r| r.count > 0 || r.errors > 0)
    }

    /// Every request has `count` usable readings or was rejected by the server (so a
    /// `--count` run always ends).
    pub fn all_reached(&self, count: u64) -> bool {
        self.rows.iter().all(|r| r.rejected || r.count >= count)
    }

    /// Whether this request has reached `count` readings (further readings of it are not
    /// printed).
    pub fn reached(&self, drf: &str, count: u64) -> bool {
        self.index
            .get(drf)
            .and_then(|i| self.rows.get(*i))
            .is_some_and(|r| r.count >= count)
    }

    /// The live table: one row per request (value, units, rate, time since the last
    /// update, count, errors), then a line with drops, gaps and the elapsed time.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use pacsys_cli::table::Monitor;
    ///
    /// let t0 = Instant::now();
    /// let m = Monitor::new(vec!["M:OUTTMP@p,200".into()], t0);
    /// let table = m.render(t0 + Duration::from_secs(1));
    /// assert!(table.starts_with("DRF"));
    /// assert!(table.contains("M:OUTTMP@p,200"));
    /// assert!(table.contains("dropped 0"));
    /// ```
    pub fn render(&self, now: Instant) -> String {
        let width = self
            .rows
            .iter()
            .map(|r| r.drf.len())
            .max()
            .unwrap_or(3)
            .clamp(3, 40);
        let mut s = format!(
            "{:<width$}  {:<VALUE_WIDTH$}  {:<8}  {:>8}  {:>9}  {:>7}  {:>6}\n",
            "DRF", "VALUE", "UNITS", "RATE/s", "LAST", "COUNT", "ERRORS"
        );
        for r in &self.rows {
            let value = match (&r.value, &r.last_error) {
                (Some(v), _) if r.stale => format!("[STALE] {v}"),
                (Some(v), _) => v.clone(),
                (None, Some(e)) => format!("[ERROR] {e}"),
                (None, None) => "(waiting)".to_owned(),
            };
            let rate = match (r.first, r.last) {
                (Some(a), Some(b)) if r.count > 1 && b > a => {
                    format!("{:.1}", (r.count - 1) as f64 / (b - a).as_secs_f64())
                }
                _ => "-".to_owned(),
            };
            let last = r.last.map_or("-".to_owned(), |t| {
                format!("{:.1}s ago", now.saturating_duration_since(t).as_secs_f64())
            });
            let _ = writeln!(
                s,
                "{:<width$}  {:<VALUE_WIDTH$}  {:<8}  {:>8}  {:>9}  {:>7}  {:>6}",
                truncate(&r.drf, width),
                truncate(&value, VALUE_WIDTH),
                truncate(r.units.as_deref().unwrap_or(""), 8),
                rate,
                last,
                r.count,
                r.errors
            );
        }
        let _ = write!(
            s,
            "dropped {}  gaps {} ({:.1}s)  elapsed {:.1}s",
            self.dropped,
            self.gaps,
            self.gap_time.as_secs_f64(),
            now.saturating_duration_since(self.started).as_secs_f64()
        );
        if let Some(reason) = &self.disconnected {
            let _ = write!(s, "  DISCONNECTED: {}", truncate(reason, 40));
        }
        s.push_str("  (Ctrl-C to stop)\n");
        s
    }

    /// The table preceded by the escape codes that move the cursor back over the previous
    /// drawing and clear it, for redrawing in place on a terminal.
    pub fn redraw(&mut self, now: Instant) -> String {
        let table = self.render(now);
        let mut out = String::with_capacity(table.len() + 16);
        if self.drawn_lines > 0 {
            let _ = write!(out, "\x1b[{}F\x1b[J", self.drawn_lines);
        }
        self.drawn_lines = table.lines().count();
        out.push_str(&table);
        out
    }

    /// The summary printed on stderr at the end:
    /// `--- 5 readings from M:OUTTMP@p,200, ... (total 5 in 1.0s; 0 errors, 0 dropped, 0 gaps) ---`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use pacsys_cli::table::Monitor;
    ///
    /// let t0 = Instant::now();
    /// let m = Monitor::new(vec!["Z:A@p,100".into(), "Z:B@p,100".into()], t0);
    /// assert_eq!(
    ///     m.summary(t0 + Duration::from_secs(2)),
    ///     "--- 0 readings from Z:A@p,100, 0 from Z:B@p,100 (total 0 in 2.0s; 0 errors, 0 dropped, 0 gaps) ---"
    /// );
    /// ```
    pub fn summary(&self, now: Instant) -> String {
        let mut s = String::from("--- ");
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            if i == 0 {
                let _ = write!(s, "{} readings from {}", r.count, r.drf);
            } else {
                let _ = write!(s, "{} from {}", r.count, r.drf);
            }
        }
        let _ = write!(
            s,
            " (total {} in {:.1}s; {} errors, {} dropped, {} gaps) ---",
            self.total_readings(),
            now.saturating_duration_since(self.started).as_secs_f64(),
            self.total_errors(),
            self.dropped,
            self.gaps
        );
        s
    }
}

/// At most `width` characters, with `…` when cut.
fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pacsys::{Status, Value};

    use super::*;

    fn reading(drf: &str, v: f64) -> Event {
        Event::Reading(Reading::new(Arc::from(drf), Status::OK).with_value(Value::Scalar(v)))
    }

    #[test]
    fn counts_rates_and_completion() {
        let t0 = Instant::now();
        let mut m = Monitor::new(vec!["Z:A@p,100".into(), "Z:B@p,100".into()], t0);
        for i in 0..5u32 {
            let t = t0 + Duration::from_millis(100 * u64::from(i));
            assert!(m.record(&reading("Z:A@p,100", f64::from(i)), t));
        }
        assert!(!m.all_reached(5));
        assert!(m.reached("Z:A@p,100", 5));
        m.record(
            &Event::Error {
                drf: Arc::from("Z:B@p,100"),
                status: Status::DPM_NO_SUCH_DEVICE,
            },
            t0,
        );
        assert!(m.all_reached(5));
        assert_eq!(m.total_readings(), 5);
        assert_eq!(m.total_errors(), 1);
        let table = m.render(t0 + Duration::from_millis(500));
        assert!(table.contains("10.0"), "{table}"); // 4 intervals in 0.4 s
        assert!(table.contains("[ERROR] DPM_NO_SUCH_DEV"), "{table}");
        assert_eq!(table.lines().count(), 4);
    }

    #[test]
    fn drops_and_gaps_are_counted() {
        let t0 = Instant::now();
        let mut m = Monitor::new(vec!["Z:A".into()], t0);
        m.record(&Event::Dropped { count: 3 }, t0);
        m.record(
            &Event::Disconnected {
                reason: "reset".into(),
            },
            t0,
        );
        assert!(m.render(t0).contains("DISCONNECTED: reset"));
        m.record(
            &Event::Reconnected {
                gap: Duration::from_millis(1500),
            },
            t0,
        );
        let table = m.render(t0);
        assert!(table.contains("dropped 3  gaps 1 (1.5s)"), "{table}");
        assert!(!table.contains("DISCONNECTED"));
        // Readings of unknown DRFs are ignored.
        assert!(!m.record(&reading("Z:OTHER", 1.0), t0));
    }

    #[test]
    fn redraw_moves_back_over_the_previous_table() {
        let t0 = Instant::now();
        let mut m = Monitor::new(vec!["Z:A".into()], t0);
        let first = m.redraw(t0);
        assert!(!first.starts_with('\x1b'));
        let second = m.redraw(t0);
        assert!(second.starts_with("\x1b[3F\x1b[J"), "{second:?}");
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
