//! History times: `now`, a time before now (`-1h`, `-10m`, `-30s`, `-2d`, `-1h30m`), RFC
//! 3339 (`2026-11-23T06:00:00Z`, with an offset), or whole milliseconds since the Unix
//! epoch. The one grammar of the `pacsys` command's `history --start/--end` (which
//! re-exports [`parse_time`]) and of this server's `read_history`.

use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};

/// Parses a history time relative to `now`.
///
/// ```
/// use jiff::Timestamp;
/// use pacsys_mcp::times::parse_time;
///
/// let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
/// assert_eq!(parse_time("now", now).unwrap(), now);
/// assert_eq!(parse_time("-1h", now).unwrap().to_string(), "2026-11-23T11:00:00Z");
/// assert_eq!(parse_time("1795000000000", now).unwrap().to_string(), "2026-11-18T11:06:40Z");
/// assert!(parse_time("yesterday", now).is_err());
/// ```
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(rel) = t.strip_prefix('-') {
        let d = parse_span(rel).map_err(|e| {
            format!("bad relative time {text:?}: {e} (use e.g. -1h, -10m, -30s, -2d)")
        })?;
        return now
            .checked_sub(d)
            .map_err(|e| format!("relative time {text:?} is out of range: {e}"));
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let ms: i64 = t
            .parse()
            .map_err(|_| format!("time {text:?} is out of range"))?;
        return Timestamp::from_millisecond(ms)
            .map_err(|e| format!("time {text:?} is out of range: {e}"));
    }
    Timestamp::from_str(t).map_err(|e| {
        format!(
            "bad time {text:?}: {e} (use now, -1h, -10m, epoch milliseconds or RFC 3339 such as 2026-11-23T06:00:00Z)"
        )
    })
}

/// Parses a positive span such as `1h`, `10m`, `1h30m`, `2.5s`, `500ms` or `2d` (days of 24
/// hours); a bare number is seconds.
///
/// ```
/// use pacsys_mcp::times::parse_span;
/// assert_eq!(parse_span("1h30m").map(|d| d.as_secs()), Ok(5400));
/// assert_eq!(parse_span("2d").map(|d| d.as_secs()), Ok(172_800));
/// assert!(parse_span("soon").is_err());
/// ```
pub fn parse_span(text: &str) -> Result<SignedDuration, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return SignedDuration::try_from_secs_f64(secs).map_err(|e| e.to_string());
    }
    if let Some(days) = t
        .strip_suffix('d')
        .and_then(|d| d.trim().parse::<i64>().ok())
    {
        return days
            .checked_mul(86_400)
            .map(SignedDuration::from_secs)
            .ok_or_else(|| "too many days".to_owned());
    }
    SignedDuration::from_str(t).map_err(|e| e.to_string())
}

/// A time as RFC 3339 text (UTC).
pub fn rfc3339(t: std::time::SystemTime) -> Option<String> {
    Timestamp::try_from(t).ok().map(|t| t.to_string())
}

/// Microseconds since the epoch as RFC 3339 text (UTC).
pub fn rfc3339_micros(us: i64) -> Option<String> {
    Timestamp::from_microsecond(us).ok().map(|t| t.to_string())
}
