//! The request parser: the processing order of spec section 2.
//!
//! Everything works on bytes: the input is checked to be ASCII first (project decision 1),
//! so every byte offset is also a character boundary.

use nom::Parser;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::recognize;
use nom::sequence::{preceded, terminated};

use crate::buffer::TextBuf;
use crate::byte_parsers::byte_if;
use crate::device::{MAX_NAME_CHARS, is_near_miss, name_run};
use crate::error::Error;
use crate::event::{EventRepr, parse_event_text};
use crate::extra::{ExtraKind, parse_extra_text};
use crate::field::Field;
use crate::property::Property;
use crate::range::{Range, parse_range_text};
use crate::request::Request;
use crate::span::Span;

type PResult<'a, O> = nom::IResult<&'a [u8], O, ()>;

#[inline]
const fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The optional parts after the device: `.t1`, range, `.t2`, `@event` (absolute spans).
#[derive(Debug, Clone, Copy, Default)]
struct Tail {
    t1: Option<Span>,
    range: Option<Span>,
    t2: Option<Span>,
    event: Option<Span>,
}

/// `.word`
#[inline]
fn dot_word(i: &[u8]) -> PResult<'_, &[u8]> {
    preceded(char('.'), take_while1(is_word)).parse(i)
}

/// Matches the tail grammar from `start` to the end of `body` (or just before one final
/// LF). On failure returns the offset where matching stopped.
#[inline]
fn match_tail(
    body: &[u8],
    start: usize,
    first_lf: Option<usize>,
    tail: &mut Tail,
) -> Result<(), usize> {
    let n = body.len();
    let rest = body.get(start..).ok_or(start)?;
    let pos = |r: &[u8]| n - r.len();
    *tail = Tail::default();

    // `.t1`
    let mut r = rest;
    if r.first() == Some(&b'.') {
        match dot_word(r) {
            Ok((after, w)) => {
                let s = pos(r) + 1;
                tail.t1 = Some(Span::new(s, s + w.len()));
                r = after;
            }
            Err(_) => return Err(pos(r) + 1),
        }
    }
    // range: `[digits-and-colons]` or `{digits-and-colons}`
    if let Some(&open) = r.first().filter(|b| matches!(b, b'[' | b'{')) {
        let close = if open == b'[' { ']' } else { '}' };
        let res: PResult<'_, &[u8]> = recognize((
            byte_if(|b| b == b'[' || b == b'{'),
            take_while(|b: u8| b.is_ascii_digit() || b == b':'),
            char(close),
        ))
        .parse(r);
        match res {
            Ok((after, text)) => {
                let s = pos(r);
                tail.range = Some(Span::new(s, s + text.len()));
                r = after;
            }
            Err(_) => {
                let inner = r
                    .iter()
                    .skip(1)
                    .take_while(|&&b| b.is_ascii_digit() || b == b':')
                    .count();
                return Err(pos(r) + 1 + inner);
            }
        }
    }
    // `.t2`
    if r.first() == Some(&b'.') {
        match dot_word(r) {
            Ok((after, w)) => {
                let s = pos(r) + 1;
                tail.t2 = Some(Span::new(s, s + w.len()));
                r = after;
            }
            Err(_) => return Err(pos(r) + 1),
        }
    }
    // `@event`: everything to the end, minus one final LF, with no other LF inside.
    if r.first() == Some(&b'@') {
        let ev_start = pos(r) + 1;
        let ev_end = if body.last() == Some(&b'\n') {
            n - 1
        } else {
            n
        };
        if ev_end <= ev_start {
            return Err(ev_start);
        }
        if let Some(lf) = first_lf.filter(|&lf| lf < ev_end) {
            return Err(lf);
        }
        tail.event = Some(Span::new(ev_start, ev_end));
        r = body.get(ev_end..).unwrap_or(&[]);
    }
    match r {
        [] | [b'\n'] => Ok(()),
        _ => Err(pos(r)),
    }
}

/// Strict ACNET match: device name then tail. Returns the device length and the tail.
#[inline]
fn match_acnet(body: &[u8], first_lf: Option<usize>, tail: &mut Tail) -> Result<usize, usize> {
    // device = first, qualifier, 1..=62 name chars (via nom, for the record of the grammar)
    let res: PResult<'_, &[u8]> = recognize((
        terminated(
            byte_if(crate::device::is_first),
            byte_if(crate::device::is_qualifier),
        ),
        take_while1(crate::device::is_name_char),
    ))
    .parse(body);
    let dev = match res {
        Ok((_, d)) => d,
        Err(_) => return Err(name_run(body).map_or(0, |r| 2 + r)),
    };
    if dev.len() > 2 + MAX_NAME_CHARS {
        return Err(2 + MAX_NAME_CHARS);
    }
    match_tail(body, dev.len(), first_lf, tail).map(|()| dev.len())
}

/// Lenient (non-ACNET) match: the shortest device of at least 3 chars (no LF) after which
/// the tail matches.
#[inline]
fn match_lenient(body: &[u8], first_lf: Option<usize>, tail: &mut Tail) -> Option<usize> {
    let n = body.len();
    let limit = first_lf.unwrap_or(n).min(n);
    let mut i = 3;
    while i <= limit {
        let candidate = match body.get(i) {
            None => true,
            Some(b'.' | b'[' | b'{' | b'@') => true,
            Some(b'\n') => i + 1 == n,
            Some(_) => false,
        };
        if candidate && match_tail(body, i, first_lf, tail).is_ok() {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[inline]
fn sub(bytes: &[u8], s: Span) -> &[u8] {
    bytes.get(s.start()..s.end()).unwrap_or(&[])
}

#[inline]
fn parse_event_at(
    bytes: &[u8],
    ev: Option<Span>,
    text_span: &mut Span,
    event: &mut EventRepr,
) -> Result<(), Error> {
    if let Some(s) = ev {
        let text = sub(bytes, s);
        let repr = parse_event_text(text).map_err(|e| e.shifted(s.start()))?;
        // U, I and N are exactly one letter; every other accepted event keeps its text.
        let one_letter = matches!(text, [b'U' | b'u' | b'I' | b'i' | b'N' | b'n']);
        if !one_letter {
            *text_span = s;
        }
        *event = repr.shifted(s.start());
    }
    Ok(())
}

#[inline(always)]
fn parse_range_at(bytes: &[u8], r: Option<Span>) -> Result<Option<Range>, Error> {
    match r {
        None => Ok(None),
        Some(s) => parse_range_text(sub(bytes, s))
            .map(Some)
            .map_err(|e| e.shifted(s.start())),
    }
}

/// Parses a whole request string.
pub(crate) fn parse_request(input: &str) -> Result<Request, Error> {
    let bytes = input.as_bytes();
    if !bytes.is_ascii() {
        let p = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
        return Err(Error::NonAscii {
            offset: p,
            message: "DRF requests must be ASCII; remove or replace this character",
        });
    }
    if bytes.len() > crate::span::MAX_LEN {
        return Err(Error::Syntax {
            offset: crate::span::MAX_LEN,
            message: "a request is at most 4 GiB long",
        });
    }
    // One pass for the two rare characters that change the processing: `<-` and LF.
    let (arrow, lf_any) = scan_arrow_lf(bytes);

    // 1. Extra split.
    let (body, extra) = match arrow {
        None => (bytes, None),
        Some(a) => {
            if let Some(b) = find_arrow(bytes, a + 2) {
                return Err(Error::ExtraRepeated {
                    offset: b,
                    message: "a request may hold only one `<-extra`; remove the second `<-`",
                });
            }
            let text = bytes.get(a + 2..).unwrap_or(&[]);
            let kind = parse_extra_text(text).map_err(|e| e.shifted(a + 2))?;
            (
                bytes.get(..a).unwrap_or(&[]),
                Some((kind, Span::new(a + 2, bytes.len()))),
            )
        }
    };
    let first_lf = lf_any.filter(|&p| p < body.len());

    // 2. Strict ACNET match.
    let mut tail = Tail::default();
    match match_acnet(body, first_lf, &mut tail) {
        Ok(dev_len) => build_acnet(input, bytes, dev_len, &tail, extra),
        Err(stop) => {
            // 3. Near miss, then the lenient fallback.
            if is_near_miss(body) {
                return Err(Error::AcnetSyntax {
                    offset: stop,
                    message: "an ACNET request is DEVICE[.PROPERTY][range][.FIELD][@event]; the text from here does not fit",
                });
            }
            match match_lenient(body, first_lf, &mut tail) {
                Some(dev_len) => build_lenient(input, bytes, dev_len, &tail, extra),
                None => Err(match first_lf {
                    Some(lf) if lf + 1 != body.len() => Error::Syntax {
                        offset: lf,
                        message: "a line feed is allowed only as the very last character",
                    },
                    _ => Error::Syntax {
                        offset: body.len(),
                        message: "a request needs a device name of at least 3 characters",
                    },
                }),
            }
        }
    }
}

/// Whether `bytes` holds `<` or LF, eight bytes at a time.
#[inline]
fn has_lt_or_lf(bytes: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI != 0;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        if has_zero(x ^ (LO * u64::from(b'<'))) || has_zero(x ^ (LO * u64::from(b'\n'))) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b == b'<' || b == b'\n')
}

/// Positions of the first `<-` and of the first LF.
#[inline]
fn scan_arrow_lf(bytes: &[u8]) -> (Option<usize>, Option<usize>) {
    // Branch-free test first (vectorised by the compiler); most requests hold neither.
    if !has_lt_or_lf(bytes) {
        return (None, None);
    }
    let mut arrow = None;
    let mut lf = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'<' && arrow.is_none() && bytes.get(i + 1) == Some(&b'-') {
            arrow = Some(i);
        } else if b == b'\n' && lf.is_none() {
            lf = Some(i);
        }
    }
    (arrow, lf)
}

/// Position of the first `<-` at or after `from`.
fn find_arrow(bytes: &[u8], from: usize) -> Option<usize> {
    let hay = bytes.get(from..)?;
    hay.windows(2).position(|w| w == b"<-").map(|p| p + from)
}

#[inline]
fn build_acnet(
    input: &str,
    bytes: &[u8],
    dev_len: usize,
    tail: &Tail,
    extra: Option<(ExtraKind, Span)>,
) -> Result<Request, Error> {
    let qualifier = bytes.get(1).copied().unwrap_or(b':');
    let implied = Property::from_qualifier(char::from(qualifier)).unwrap_or(Property::Reading);

    // 4.1 property / field slots
    let (property, field_tok) = match tail.t1 {
        None => (implied, tail.t2),
        Some(t1) => match Property::from_spelling_bytes(sub(bytes, t1)) {
            Some(p) => (p, tail.t2),
            None if tail.t2.is_some() => {
                return Err(Error::Property {
                    offset: t1.start(),
                    message: "not a property name, but a field follows: write DEVICE.PROPERTY.FIELD (e.g. M:OUTTMP.READING.RAW)",
                });
            }
            None => (implied, Some(t1)),
        },
    };
    // 4.2 range
    let range = parse_range_at(bytes, tail.range)?;
    // 4.3 field
    let field = match field_tok {
        None => property.default_field(),
        Some(tok) => match Field::from_spelling_bytes(sub(bytes, tok)) {
            None => {
                return Err(Error::Field {
                    offset: tok.start(),
                    message: "unknown property or field name",
                });
            }
            Some(f) if !property.allows(f) => {
                return Err(Error::FieldNotAllowed {
                    offset: tok.start(),
                    message: "this field does not exist for the request's property (see the spec's property table)",
                });
            }
            Some(f) => Some(f),
        },
    };
    // 4.4 event
    let mut event_text = Span::default();
    let mut event = EventRepr::Default;
    parse_event_at(bytes, tail.event, &mut event_text, &mut event)?;

    // Canonical device: uppercase, qualifier replaced by ':'; the rest of the input is
    // copied so that every span stays valid.
    let buf = TextBuf::canonical_acnet(input, dev_len);
    Ok(Request::from_parts(
        buf,
        Span::new(0, dev_len),
        true,
        property,
        field,
        field_tok.is_some(),
        range,
        event_text,
        event,
        extra,
        [None, None],
    ))
}

#[inline]
fn build_lenient(
    input: &str,
    bytes: &[u8],
    dev_len: usize,
    tail: &Tail,
    extra: Option<(ExtraKind, Span)>,
) -> Result<Request, Error> {
    // Non-ACNET: event first, then range.
    let mut event_text = Span::default();
    let mut event = EventRepr::Default;
    parse_event_at(bytes, tail.event, &mut event_text, &mut event)?;
    let range = parse_range_at(bytes, tail.range)?;
    Ok(Request::from_parts(
        TextBuf::from(input),
        Span::new(0, dev_len),
        false,
        Property::Reading,
        Some(Field::Scaled),
        false,
        range,
        event_text,
        event,
        extra,
        [tail.t1, tail.t2],
    ))
}

impl Request {
    /// Parses a DRF3 request string (spec sections 1-9 and the project decisions).
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let req = Request::parse("M:OUTTMP@p,1000")?;
    /// assert_eq!(req.to_string(), "M:OUTTMP.READING@p,1000");
    /// assert_eq!(Request::parse("M:OUTTMP.FOO.RAW").unwrap_err().category(), "property");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn parse(input: &str) -> Result<Request, Error> {
        parse_request(input)
    }
}
