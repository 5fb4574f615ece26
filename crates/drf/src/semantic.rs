//! Semantic normalisation (project decision 3): one spelling per meaning, without
//! touching the canonical text of parsed requests.

use core::fmt::Write as _;

use crate::event::{ClockType, EventRepr, parse_event_text};
use crate::extra::name_part;
use crate::range::MAX_INDEX;
use crate::request::Request;
use crate::transform::Builder;

/// Writes a duration in milliseconds as a time token that parses back to the same value.
fn push_time(out: &mut String, ms: u64) {
    if ms > u64::from(MAX_INDEX) {
        // Only reachable through the S unit, so a whole number of seconds.
        let _ = write!(out, "{}S", ms / 1000);
    } else {
        let _ = write!(out, "{ms}");
    }
}

impl Request {
    /// The request with every equivalent spelling folded into one, so that requests that
    /// mean the same thing compare equal:
    ///
    /// * periodic events become `P,<ms>` / `Q,<ms>` (plus `,F` when no immediate first
    ///   reply is wanted): `@p,1000`, `@P,1S`, `@P`, `@p,1000,T` all become `@P,1000`;
    /// * clock events become `E,<HEX>` plus `,<type>,<delay ms>` when not the defaults
    ///   (type E/either, delay 0), with the hex number uppercased and without leading zeros;
    /// * state events get their value without leading zeros and the delay in ms;
    /// * ranges fold `[0:]` into `[:]`, `[:m]` into `[0:m]`, `[n:n]` into `[n]`, `{0:}`
    ///   into `{:}` and `{:m}` into `{0:m}`;
    /// * the extra's name is uppercased (its parameters are kept).
    ///
    /// The canonical `Display` of the original request is unaffected.
    ///
    /// The immediate flag is kept as meaningful: `@p,1000,F` asks for no first reply at
    /// start (spec 8.1), so it is *not* folded into `@p,1000`, although the example under
    /// the spec's project decision 3 lists the two as equal. Treating them as equal would
    /// let a caller merge two subscriptions that the server answers differently.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let immediate = Request::parse("M:OUTTMP@p,1000")?;
    /// let delayed = Request::parse("M:OUTTMP@p,1000,F")?;
    /// assert!(!immediate.semantically_eq(&delayed));
    /// assert!(immediate.semantically_eq(&Request::parse("M:OUTTMP@p,1000,TRUE")?));
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let a = Request::parse("M:OUTTMP@p,1000")?;
    /// let b = Request::parse("m:outtmp.reading@P,1S")?;
    /// assert_ne!(a, b);
    /// assert_eq!(a.normalized(), b.normalized());
    /// assert_eq!(a.normalized().to_string(), "M:OUTTMP.READING@P,1000");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn normalized(&self) -> Request {
        let mut text = String::new();
        match self.event() {
            crate::Event::Periodic(p) => {
                text.push(if p.continuous() { 'P' } else { 'Q' });
                text.push(',');
                push_time(&mut text, p.period_ms());
                if !p.immediate() {
                    text.push_str(",F");
                }
            }
            crate::Event::Clock(c) => {
                text.push_str("E,");
                let digits = c.number_hex().trim_start_matches('0');
                if digits.is_empty() {
                    text.push('0');
                } else {
                    text.extend(digits.chars().map(|ch| ch.to_ascii_uppercase()));
                }
                let ty = match c.clock_type() {
                    ClockType::Hardware => Some('H'),
                    ClockType::Software => Some('S'),
                    ClockType::Either => None,
                };
                if ty.is_some() || c.delay_ms() != 0 {
                    text.push(',');
                    text.push(ty.unwrap_or('E'));
                    if c.delay_ms() != 0 {
                        text.push(',');
                        push_time(&mut text, c.delay_ms());
                    }
                }
            }
            crate::Event::State(s) => {
                text.push_str("S,");
                text.push_str(s.device());
                text.push(',');
                let v = s.value_text().trim_start_matches('0');
                text.push_str(if v.is_empty() { "0" } else { v });
                text.push(',');
                push_time(&mut text, s.delay_ms());
                text.push(',');
                text.push_str(s.op().as_str());
            }
            _ => {}
        }
        let mut extra_text = String::new();
        if let Some(e) = self.extra() {
            let name_len = name_part(e.text().as_bytes()).len();
            extra_text.push_str(e.text());
            if let Some(name) = extra_text.get_mut(..name_len) {
                name.make_ascii_uppercase();
            }
        }
        let mut b = Builder::of(self);
        if !text.is_empty() {
            // The text was built from valid parts, so it parses; keep the old event if not.
            if let Ok(repr) = parse_event_text(text.as_bytes()) {
                b = b.with_event(&text, repr);
            }
        } else if !self.event.keeps_text() {
            b = b.with_event("", self.event);
        }
        if let Some((k, _)) = b.extra {
            b.extra = Some((k, &extra_text));
        }
        b.range = self.range.map(|r| r.normalized());
        let _ = EventRepr::Default;
        b.build()
    }

    /// Whether two requests mean the same thing: `self.normalized() == other.normalized()`.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let a = Request::parse("M:OUTTMP[0:]@e,0f")?;
    /// let b = Request::parse("M_OUTTMP.READING[:]@E,F,E,0")?;
    /// assert!(a.semantically_eq(&b));
    /// assert!(!a.semantically_eq(&Request::parse("M:OUTTMP[0:]@e,0f,h")?));
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn semantically_eq(&self, other: &Request) -> bool {
        self == other || self.normalized() == other.normalized()
    }
}
