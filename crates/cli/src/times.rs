//! Times and durations on the command line and in the output (jiff).

use std::time::{Duration, SystemTime};

use jiff::Timestamp;

/// Parses a history time: `now`, a relative time before now (`-1h`, `-10m`, `-90s`,
/// `-2d`, `-1h30m`), an RFC 3339 timestamp with `Z` or an offset
/// (`2026-11-23T06:00:00-06:00`), or whole milliseconds since the Unix epoch. One grammar
/// for `history`, `monitor --until`-style options and the MCP server's `read_history`:
/// it is pacsys-mcp's, which this command depends on.
///
/// ```
/// use jiff::Timestamp;
/// use pacsys_cli::times::parse_time;
///
/// let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
/// assert_eq!(parse_time("now", now).unwrap(), now);
/// assert_eq!(parse_time("-1h", now).unwrap().to_string(), "2026-11-23T11:00:00Z");
/// assert_eq!(parse_time("2026-11-23T06:00:00-06:00", now).unwrap(), now);
/// assert!(parse_time("yesterday-ish", now).is_err());
/// ```
pub use pacsys_mcp::times::parse_time;

use pacsys_mcp::times::parse_span;

/// Parses a duration for `--duration`: `10s`, `1m`, `1h30m`, `500ms`, or a bare number of
/// seconds; it must be positive.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(pacsys_cli::times::parse_duration("1m30s"), Ok(Duration::from_secs(90)));
/// assert_eq!(pacsys_cli::times::parse_duration("2.5"), Ok(Duration::from_millis(2500)));
/// assert!(pacsys_cli::times::parse_duration("0s").is_err());
/// assert!(pacsys_cli::times::parse_duration("-1s").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = parse_span(text).map_err(|e| format!("bad duration {text:?}: {e}"))?;
    match Duration::try_from(d) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!(
            "bad duration {text:?}: must be positive (e.g. 10s, 1m, 500ms)"
        )),
    }
}

/// Parses `--timeout` seconds: a finite positive number (fractions allowed).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(pacsys_cli::times::parse_seconds("0.5"), Ok(Duration::from_millis(500)));
/// assert!(pacsys_cli::times::parse_seconds("0").is_err());
/// assert!(pacsys_cli::times::parse_seconds("nan").is_err());
/// ```
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("bad timeout {text:?}: expected a positive number of seconds"))
}

/// A [`SystemTime`] as a jiff [`Timestamp`], if representable.
pub fn timestamp(t: SystemTime) -> Option<Timestamp> {
    Timestamp::try_from(t).ok()
}

/// `YYYY-MM-DD HH:MM:SS.mmm` in UTC, the text format's timestamp.
///
/// ```
/// let t: jiff::Timestamp = "2026-11-23T02:41:04.926512Z".parse().unwrap();
/// assert_eq!(pacsys_cli::times::text_time(t), "2026-11-23 02:41:04.926");
/// ```
pub fn text_time(t: Timestamp) -> String {
    memo(&TEXT, t, |t| {
        t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string()
    })
}

/// RFC 3339 in UTC with as many fractional digits as needed (JSON and CSV).
///
/// ```
/// let t: jiff::Timestamp = "2026-11-23T02:41:04.926Z".parse().unwrap();
/// assert_eq!(pacsys_cli::times::rfc3339(t), "2026-11-23T02:41:04.926Z");
/// ```
pub fn rfc3339(t: Timestamp) -> String {
    memo(&RFC3339, t, |t| t.to_string())
}

/// The last timestamp a format wrote and its text, per thread.
type Memo = std::cell::RefCell<Option<(Timestamp, String)>>;

thread_local! {
    static TEXT: Memo = const { std::cell::RefCell::new(None) };
    static RFC3339: Memo = const { std::cell::RefCell::new(None) };
}

/// `format(t)`, or a copy of the last result when `t` is the timestamp formatted last: the
/// readings of one batch or one poll mostly share their timestamp, and formatting a date
/// costs several times a copy.
fn memo(
    cell: &'static std::thread::LocalKey<Memo>,
    t: Timestamp,
    format: impl FnOnce(Timestamp) -> String,
) -> String {
    cell.with(|m| {
        let mut m = m.borrow_mut();
        match &*m {
            Some((last, text)) if *last == t => text.clone(),
            _ => {
                let text = format(t);
                *m = Some((t, text.clone()));
                text
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-23T12:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn relative_times() {
        let cases = [
            ("-10m", "2026-11-23T11:50:00Z"),
            ("-90s", "2026-11-23T11:58:30Z"),
            ("-2d", "2026-11-21T12:00:00Z"),
            ("-1h30m", "2026-11-23T10:30:00Z"),
            ("-500ms", "2026-11-23T11:59:59.5Z"),
            ("NOW", "2026-11-23T12:00:00Z"),
            ("1000", "1970-01-01T00:00:01Z"),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_time(input, now()).map(|t| t.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn bad_times_say_what_to_use() {
        for bad in [
            "",
            "-",
            "-xyz",
            "2026-13-01T00:00:00Z",
            "2026-11-23",
            "tomorrow",
        ] {
            let e = parse_time(bad, now());
            assert!(e.is_err(), "{bad:?} parsed as {e:?}");
        }
        let e = parse_time("-xyz", now()).err().unwrap_or_default();
        assert!(e.contains("-1h"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("inf").is_err());
    }
}
