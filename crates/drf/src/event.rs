//! Events (spec section 8): when data is sampled and delivered.

use core::fmt;

use nom::Parser;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::char;

use crate::byte_parsers::byte_if;
use nom::combinator::{eof, opt};
use nom::sequence::preceded;

use crate::error::Error;
use crate::span::Span;

type PResult<'a, O> = nom::IResult<&'a [u8], O, nom::error::Error<&'a [u8]>>;

/// Largest number accepted in a time/frequency token.
const MAX_TIME_NUMBER: u64 = 2_147_483_647;

/// The comparison of a state event (`S,device,value,delay,op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StateOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `*`: any change.
    Any,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl StateOp {
    /// The operator as written in DRF.
    pub const fn as_str(self) -> &'static str {
        match self {
            StateOp::Eq => "=",
            StateOp::Ne => "!=",
            StateOp::Any => "*",
            StateOp::Gt => ">",
            StateOp::Lt => "<",
            StateOp::Le => "<=",
            StateOp::Ge => ">=",
        }
    }
}

/// The clock type of a clock event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ClockType {
    /// `H`: hardware clock event.
    Hardware,
    /// `S`: software clock event.
    Software,
    /// `E` or no type given: either.
    Either,
}

/// A validated time/frequency value kept as written (number and unit) so that events stay
/// small; [`Time::ms`] converts it (spec 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Time {
    n: u32,
    /// Uppercase unit letter (`M` when none was written).
    unit: u8,
}

impl Time {
    pub(crate) const ZERO: Time = Time { n: 0, unit: b'M' };
    pub(crate) const DEFAULT_PERIOD: Time = Time {
        n: 1000,
        unit: b'M',
    };

    /// The value in milliseconds.
    #[inline]
    pub(crate) const fn ms(self) -> u64 {
        let n = self.n as u64;
        if n == 0 {
            return 0;
        }
        match self.unit {
            b'S' => n * 1000,
            b'U' => (n + 500) / 1000,
            b'H' => (2000 + n) / (2 * n),
            // K: floor(1/n + 1/2)
            b'K' => (n <= 2) as u64,
            _ => n,
        }
    }
}

/// Internal, span-based form of a parsed event (spans relative to the owning buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EventRepr {
    Default,
    Immediate,
    Never,
    Periodic {
        continuous: bool,
        immediate: bool,
        period_ms: Time,
    },
    Clock {
        number: Span,
        clock_type: Option<u8>,
        delay_ms: Time,
    },
    State {
        device: Span,
        value: Span,
        delay_ms: Time,
        op: StateOp,
    },
}

impl EventRepr {
    /// Whether the canonical text is the verbatim input text (P/Q/E/S events).
    pub(crate) const fn keeps_text(&self) -> bool {
        matches!(
            self,
            EventRepr::Periodic { .. } | EventRepr::Clock { .. } | EventRepr::State { .. }
        )
    }

    pub(crate) const fn shifted(self, by: usize) -> EventRepr {
        match self {
            EventRepr::Clock {
                number,
                clock_type,
                delay_ms,
            } => EventRepr::Clock {
                number: number.shifted(by),
                clock_type,
                delay_ms,
            },
            EventRepr::State {
                device,
                value,
                delay_ms,
                op,
            } => EventRepr::State {
                device: device.shifted(by),
                value: value.shifted(by),
                delay_ms,
                op,
            },
            other => other,
        }
    }

    /// Builds the borrowed view; `text` is the event text, `buf` the buffer the spans index.
    pub(crate) fn view<'a>(&self, text: &'a str, buf: &'a str) -> Event<'a> {
        match *self {
            EventRepr::Default => Event::Default,
            EventRepr::Immediate => Event::Immediate,
            EventRepr::Never => Event::Never,
            EventRepr::Periodic {
                continuous,
                immediate,
                period_ms,
            } => Event::Periodic(PeriodicEvent {
                text,
                continuous,
                immediate,
                period_ms: period_ms.ms(),
            }),
            EventRepr::Clock {
                number,
                clock_type,
                delay_ms,
            } => Event::Clock(ClockEvent {
                text,
                number: number.of(buf),
                clock_type,
                delay_ms: delay_ms.ms(),
            }),
            EventRepr::State {
                device,
                value,
                delay_ms,
                op,
            } => Event::State(StateEvent {
                text,
                device: device.of(buf),
                value: value.of(buf),
                delay_ms: delay_ms.ms(),
                op,
            }),
        }
    }
}

/// A parsed event, borrowing its text.
///
/// ```
/// use pacsys_drf::Event;
///
/// match Event::parse("p,1S").unwrap() {
///     Event::Periodic(p) => {
///         assert_eq!(p.period_ms(), 1000);
///         assert!(p.continuous() && p.immediate());
///         assert_eq!(p.text(), "p,1S");
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(Event::parse("i").unwrap(), Event::Immediate);
/// assert_eq!(Event::parse("P,5X").unwrap_err().category(), "time_freq");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event<'a> {
    /// `U` or no event: the server's default.
    Default,
    /// `I`: one reply now.
    Immediate,
    /// `N`: no data back (writes).
    Never,
    /// `P` (continuous) or `Q` (on change).
    Periodic(PeriodicEvent<'a>),
    /// `E`: clock (timing system) event.
    Clock(ClockEvent<'a>),
    /// `S`: state event (another device's value).
    State(StateEvent<'a>),
}

/// A periodic event `P[,time[,flag]]` or `Q[,time[,flag]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeriodicEvent<'a> {
    text: &'a str,
    continuous: bool,
    immediate: bool,
    period_ms: u64,
}

impl<'a> PeriodicEvent<'a> {
    /// The event text exactly as written (it is also the canonical text).
    pub const fn text(&self) -> &'a str {
        self.text
    }
    /// `true` for `P` (a reply every period), `false` for `Q` (only on change).
    pub const fn continuous(&self) -> bool {
        self.continuous
    }
    /// Whether a first reply is wanted right away (default `true`).
    pub const fn immediate(&self) -> bool {
        self.immediate
    }
    /// The period in milliseconds (default 1000).
    pub const fn period_ms(&self) -> u64 {
        self.period_ms
    }
}

/// A clock event `E,hex[,type[,delay]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClockEvent<'a> {
    text: &'a str,
    number: &'a str,
    clock_type: Option<u8>,
    delay_ms: u64,
}

impl<'a> ClockEvent<'a> {
    /// The event text exactly as written.
    pub const fn text(&self) -> &'a str {
        self.text
    }
    /// The event number's hexadecimal digits as written (any length).
    pub const fn number_hex(&self) -> &'a str {
        self.number
    }
    /// The event number, or `None` if it does not fit in 128 bits.
    pub fn number(&self) -> Option<u128> {
        let digits = self.number.trim_start_matches('0');
        if digits.len() > 32 {
            return None;
        }
        u128::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16).ok()
    }
    /// The clock type (`Either` when none was written).
    pub const fn clock_type(&self) -> ClockType {
        match self.clock_type {
            Some(b'H' | b'h') => ClockType::Hardware,
            Some(b'S' | b's') => ClockType::Software,
            _ => ClockType::Either,
        }
    }
    /// The clock type as the reference records it: the letter exactly as typed, or
    /// `"either"` when none was written.
    pub const fn clock_type_text(&self) -> &'static str {
        match self.clock_type {
            Some(b'H') => "H",
            Some(b'h') => "h",
            Some(b'S') => "S",
            Some(b's') => "s",
            Some(b'E') => "E",
            Some(b'e') => "e",
            _ => "either",
        }
    }
    /// The delay after the clock event in milliseconds (default 0).
    pub const fn delay_ms(&self) -> u64 {
        self.delay_ms
    }
}

/// A state event `S,device,value,delay,op`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateEvent<'a> {
    text: &'a str,
    device: &'a str,
    value: &'a str,
    delay_ms: u64,
    op: StateOp,
}

impl<'a> StateEvent<'a> {
    /// The event text exactly as written.
    pub const fn text(&self) -> &'a str {
        self.text
    }
    /// The watched device, verbatim (not validated as a device name).
    pub const fn device(&self) -> &'a str {
        self.device
    }
    /// The compared value's decimal digits as written (any length).
    pub const fn value_text(&self) -> &'a str {
        self.value
    }
    /// The compared value, or `None` if it does not fit in 64 bits.
    pub fn value(&self) -> Option<u64> {
        self.value.parse().ok()
    }
    /// The delay in milliseconds.
    pub const fn delay_ms(&self) -> u64 {
        self.delay_ms
    }
    /// The comparison.
    pub const fn op(&self) -> StateOp {
        self.op
    }
}

impl<'a> Event<'a> {
    /// Parses an event text (what follows `@`), e.g. `"p,1000"`, `"E,0F,H,100"`, `"I"`.
    ///
    /// Errors are [`Error::Event`] (wrong shape) or [`Error::TimeFreq`] (bad time value),
    /// or [`Error::NonAscii`]; offsets are relative to `text`.
    pub fn parse(text: &'a str) -> Result<Event<'a>, Error> {
        if let Some(pos) = text.bytes().position(|b| !b.is_ascii()) {
            return Err(Error::NonAscii {
                offset: pos,
                message: "DRF text must be ASCII",
            });
        }
        if let Some(pos) = text.bytes().position(|b| b == b'\n') {
            return Err(Error::Event {
                offset: pos,
                message: "an event cannot hold a line feed",
            });
        }
        let repr = parse_event_text(text.as_bytes())?;
        Ok(repr.view(text, text))
    }

    /// The event's one-letter mode: `U`, `I`, `N`, `P`, `Q`, `E` or `S`.
    pub const fn mode(&self) -> char {
        match self {
            Event::Default => 'U',
            Event::Immediate => 'I',
            Event::Never => 'N',
            Event::Periodic(p) => {
                if p.continuous {
                    'P'
                } else {
                    'Q'
                }
            }
            Event::Clock(_) => 'E',
            Event::State(_) => 'S',
        }
    }

    /// The canonical text: `U`, `I`, `N`, or the P/Q/E/S text verbatim.
    pub const fn text(&self) -> &'a str {
        match self {
            Event::Default => "U",
            Event::Immediate => "I",
            Event::Never => "N",
            Event::Periodic(p) => p.text,
            Event::Clock(c) => c.text,
            Event::State(s) => s.text,
        }
    }

    /// Whether this is the default event (not printed in the canonical form).
    pub const fn is_default(&self) -> bool {
        matches!(self, Event::Default)
    }
}

impl fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

const fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Python's `\s` over ASCII: `\t \n \v \f \r`, `\x1c`..`\x1f` and space.
const fn is_py_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ')
}

fn event_err(offset: usize, message: &'static str) -> Error {
    Error::Event { offset, message }
}

/// Parses and validates a time/frequency token (already known to be word chars).
#[inline]
pub(crate) fn time_freq(token: &[u8]) -> Option<Time> {
    let res: PResult<'_, (&[u8], Option<u8>, &[u8])> = (
        take_while1(|b: u8| b.is_ascii_digit()),
        opt(byte_if(|b| {
            matches!(b.to_ascii_uppercase(), b'S' | b'M' | b'U' | b'H' | b'K')
        })),
        eof,
    )
        .parse(token);
    let (_, (digits, unit, _)) = res.ok()?;
    let n = digits.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(d.wrapping_sub(b'0')))
    });
    if n > MAX_TIME_NUMBER {
        return None;
    }
    Some(Time {
        n: n as u32,
        unit: unit.map_or(b'M', |u| u.to_ascii_uppercase()),
    })
}

#[inline]
fn time_freq_at(token: &[u8], offset: usize) -> Result<Time, Error> {
    time_freq(token).ok_or(Error::TimeFreq {
        offset,
        message: "a time is digits (at most 2147483647) with an optional unit S, M, U, H or K, e.g. 1000, 1S, 15H",
    })
}

fn offset_in(whole: &[u8], rest: &[u8]) -> usize {
    whole.len().saturating_sub(rest.len())
}

fn nom_offset(whole: &[u8], e: &nom::Err<nom::error::Error<&[u8]>>) -> usize {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => offset_in(whole, e.input),
        nom::Err::Incomplete(_) => whole.len(),
    }
}

/// Parses an event text (non-empty, ASCII, no LF). Spans and error offsets are relative to
/// the start of `text`.
#[inline]
pub(crate) fn parse_event_text(text: &[u8]) -> Result<EventRepr, Error> {
    let first = match text.first() {
        Some(b) => b.to_ascii_uppercase(),
        None => {
            return Err(event_err(
                0,
                "the event is empty: write e.g. @I, @p,1000 or @e,02",
            ));
        }
    };
    if text.len() == 1 {
        match first {
            b'U' => return Ok(EventRepr::Default),
            b'I' => return Ok(EventRepr::Immediate),
            b'N' => return Ok(EventRepr::Never),
            _ => {}
        }
    }
    match first {
        b'P' | b'Q' => parse_periodic(text, first == b'P'),
        b'E' => parse_clock(text),
        b'S' => parse_state(text),
        b'N' => Err(event_err(1, "the never event is exactly N")),
        b'I' | b'U' => Err(event_err(
            1,
            "the immediate/default event is exactly I or U",
        )),
        _ => Err(event_err(
            0,
            "unknown event: use U, I, N, P[,time[,flag]], Q[,time[,flag]], E,hex[,type[,delay]] or S,dev,value,delay,op",
        )),
    }
}

type PeriodicTail<'a> = Option<(&'a [u8], Option<bool>)>;

/// The immediate flag of a periodic event, which must be the whole rest of the text:
/// `T`/`TRUE` (true) or `F`/`FALSE` (false), any case.
#[inline]
fn flag_to_end(i: &[u8]) -> PResult<'_, bool> {
    let v = if i.eq_ignore_ascii_case(b"T") || i.eq_ignore_ascii_case(b"TRUE") {
        true
    } else if i.eq_ignore_ascii_case(b"F") || i.eq_ignore_ascii_case(b"FALSE") {
        false
    } else {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        )));
    };
    Ok((i.get(i.len()..).unwrap_or(&[]), v))
}

#[inline]
fn parse_periodic(text: &[u8], continuous: bool) -> Result<EventRepr, Error> {
    let res: PResult<'_, PeriodicTail<'_>> = (
        preceded(
            byte_if(|b| matches!(b, b'P' | b'p' | b'Q' | b'q')),
            opt(preceded(
                char(','),
                (take_while1(is_word), opt(preceded(char(','), flag_to_end))),
            )),
        ),
        eof,
    )
        .map(|(t, _)| t)
        .parse(text);
    let tail = match res {
        Ok((_, t)) => t,
        Err(e) => {
            return Err(event_err(
                nom_offset(text, &e),
                "a periodic event is P or Q, optionally ,time and then ,T/TRUE/F/FALSE (e.g. p,1000 or Q,1S,F)",
            ));
        }
    };
    let (period_ms, immediate) = match tail {
        None => (Time::DEFAULT_PERIOD, true),
        Some((tok, flag)) => {
            // "P," precedes the time token.
            let ms = time_freq_at(tok, 2)?;
            let imm = flag.unwrap_or(true);
            (ms, imm)
        }
    };
    Ok(EventRepr::Periodic {
        continuous,
        immediate,
        period_ms,
    })
}

type ClockTail<'a> = (&'a [u8], Option<(u8, Option<&'a [u8]>)>);

#[inline]
fn parse_clock(text: &[u8]) -> Result<EventRepr, Error> {
    let res: PResult<'_, ClockTail<'_>> = (
        preceded(
            (byte_if(|b| b == b'E' || b == b'e'), char(',')),
            (
                take_while1(|b: u8| b.is_ascii_hexdigit()),
                opt(preceded(
                    char(','),
                    (
                        byte_if(|b| matches!(b.to_ascii_uppercase(), b'H' | b'S' | b'E')),
                        opt(preceded(char(','), take_while1(is_word))),
                    ),
                )),
            ),
        ),
        eof,
    )
        .map(|(t, _)| t)
        .parse(text);
    let (number, rest) = match res {
        Ok((_, t)) => t,
        Err(e) => {
            return Err(event_err(
                nom_offset(text, &e),
                "a clock event is E,hex[,H|S|E[,delay]] (e.g. e,02 or E,0F,H,100)",
            ));
        }
    };
    // "E," precedes the number.
    let number_span = Span::new(2, 2 + number.len());
    let (clock_type, delay_ms) = match rest {
        None => (None, Time::ZERO),
        Some((t, delay)) => {
            let ty = Some(t);
            match delay {
                None => (ty, Time::ZERO),
                Some(tok) => {
                    let off = text.len().saturating_sub(tok.len());
                    (ty, time_freq_at(tok, off)?)
                }
            }
        }
    };
    Ok(EventRepr::Clock {
        number: number_span,
        clock_type,
        delay_ms,
    })
}

#[inline]
fn parse_state(text: &[u8]) -> Result<EventRepr, Error> {
    const SHAPE: &str = "a state event is S,device,value,delay,op with op one of = != * > < <= >= (e.g. S,M:OTHER,1,100,=)";
    // "S," then the rest, whose decomposition is unique: the operator is at the end, the
    // delay and value cannot hold commas, and the device takes everything before them.
    let res: PResult<'_, &[u8]> = preceded(
        (byte_if(|b| b == b'S' || b == b's'), char(',')),
        take_while(|_| true),
    )
    .parse(text);
    let body = match res {
        Ok((_, b)) => b,
        Err(e) => return Err(event_err(nom_offset(text, &e), SHAPE)),
    };
    let base = 2usize;
    let (op, op_len) = match body {
        [.., b'!', b'='] => (StateOp::Ne, 2),
        [.., b'<', b'='] => (StateOp::Le, 2),
        [.., b'>', b'='] => (StateOp::Ge, 2),
        [.., b'='] => (StateOp::Eq, 1),
        [.., b'*'] => (StateOp::Any, 1),
        [.., b'>'] => (StateOp::Gt, 1),
        [.., b'<'] => (StateOp::Lt, 1),
        _ => return Err(event_err(text.len(), SHAPE)),
    };
    let before_op = body.len().saturating_sub(op_len);
    let Some(rest) = body.get(..before_op).and_then(|r| r.strip_suffix(b",")) else {
        return Err(event_err(base + before_op, SHAPE));
    };
    let Some(delay_comma) = rest.iter().rposition(|&b| b == b',') else {
        return Err(event_err(base, SHAPE));
    };
    let delay = rest.get(delay_comma + 1..).unwrap_or(&[]);
    if delay.is_empty() || !delay.iter().all(|&b| is_word(b)) {
        return Err(event_err(base + delay_comma + 1, SHAPE));
    }
    let rest2 = rest.get(..delay_comma).unwrap_or(&[]);
    let Some(value_comma) = rest2.iter().rposition(|&b| b == b',') else {
        return Err(event_err(base, SHAPE));
    };
    let value = rest2.get(value_comma + 1..).unwrap_or(&[]);
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(event_err(base + value_comma + 1, SHAPE));
    }
    let device = rest2.get(..value_comma).unwrap_or(&[]);
    if device.is_empty() {
        return Err(event_err(base, SHAPE));
    }
    if let Some(p) = device.iter().position(|&b| is_py_space(b)) {
        return Err(event_err(base + p, SHAPE));
    }
    let delay_ms = time_freq_at(delay, base + delay_comma + 1)?;
    Ok(EventRepr::State {
        device: Span::new(base, base + value_comma),
        value: Span::new(base + value_comma + 1, base + delay_comma),
        delay_ms,
        op,
    })
}
