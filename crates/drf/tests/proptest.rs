//! Property tests: generated valid requests round-trip through their canonical text, and
//! no input at all (valid, mutated, arbitrary Unicode or bytes) makes the parser panic.

use pacsys_drf::{Property, Request};
use proptest::prelude::*;
use proptest::sample::select;

const QUALIFIERS: &[char] = &[':', '?', '_', '|', '&', '@', '$', '~', '^', '#', '!'];
const PROPERTY_SPELLINGS: &[&str] = &[
    "READING",
    "READ",
    "PRREAD",
    "SETTING",
    "SET",
    "PRSET",
    "STATUS",
    "BASIC_STATUS",
    "STS",
    "PRBSTS",
    "CONTROL",
    "BASIC_CONTROL",
    "CTRL",
    "PRBCTL",
    "ANALOG",
    "ANALOG_ALARM",
    "AA",
    "PRANAB",
    "DIGITAL",
    "DIGITAL_ALARM",
    "DA",
    "PRDABL",
    "DESCRIPTION",
    "DESC",
    "PRDESC",
    "INDEX",
    "IDX",
    "PRIDX",
    "LONG_NAME",
    "LNGNAM",
    "PRLNAM",
    "ALARM_LIST_NAME",
    "LSTNAM",
    "PRALNM",
    "BIT_STATUS",
    "BITSTATUS",
];
const FIELD_SPELLINGS: &[&str] = &[
    "RAW",
    "PRIMARY",
    "VOLTS",
    "SCALED",
    "COMMON",
    "ALL",
    "TEXT",
    "EXTENDED_TEXT",
    "ON",
    "READY",
    "REMOTE",
    "POSITIVE",
    "RAMP",
    "BIT_VALUE",
    "BIT_NAMES",
    "BIT_VALUES",
    "MIN",
    "MINIMUM",
    "MAX",
    "MAXIMUM",
    "NOM",
    "NOMINAL",
    "TOL",
    "TOLERANCE",
    "RAW_MIN",
    "RAWMIN",
    "RAW_MAX",
    "RAWMAX",
    "RAW_NOM",
    "RAWNOM",
    "RAW_TOL",
    "RAWTOL",
    "ALARM_ENABLE",
    "ENABLE",
    "ALARM_STATUS",
    "STATUS",
    "TRIES_NEEDED",
    "TRIES_NOW",
    "ALARM_FTD",
    "FTD",
    "ABORT",
    "ABORT_INHIBIT",
    "FLAGS",
    "MASK",
    "UNITS",
];
const EXTRAS: &[&str] = &[
    "FTP",
    "LIVEDATA",
    "LOGGER",
    "LOGGERSINGLE",
    "LOGGERDURATION",
    "SRFILE",
    "SDAFILE",
    "REDIR",
    "MIRROR",
];

/// Randomises the ASCII case of a word.
fn any_case(word: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<bool>(), word.len()).prop_map(move |flips| {
        word.chars()
            .zip(flips)
            .map(|(c, up)| {
                if up {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

fn spelled(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(list).prop_flat_map(any_case)
}

fn acnet_device() -> impl Strategy<Value = String> {
    ("[A-Za-z0#]", select(QUALIFIERS), "[A-Za-z0-9_:-]{1,20}")
        .prop_map(|(f, q, rest)| format!("{f}{q}{rest}"))
}

fn pv_device() -> impl Strategy<Value = String> {
    "[a-z]{2,6}:[A-Za-z0-9_-]{1,8}(\\{[A-Za-z:-]{1,6}\\}[A-Za-z]{1,4})?"
}

fn number() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..20, 0u32..=pacsys_drf::MAX_INDEX]
}

fn range_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[]".to_owned()),
        Just("[:]".to_owned()),
        Just("{}".to_owned()),
        Just("{:}".to_owned()),
        number().prop_map(|n| format!("[{n}]")),
        number().prop_map(|n| format!("{{{n}}}")),
        (number(), number()).prop_map(|(a, b)| format!("[{}:{}]", a.min(b), a.max(b))),
        number().prop_map(|n| format!("[{n}:]")),
        number().prop_map(|n| format!("[:{n}]")),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{{{a}:{b}}}")),
        number().prop_map(|n| format!("{{:{n}}}")),
        "0{0,3}[1-9][0-9]{0,3}".prop_map(|n| format!("[{n}]")),
    ]
}

fn time_token() -> impl Strategy<Value = String> {
    ("[0-9]{1,6}", "[SMUHKsmuhk]?").prop_map(|(n, u)| format!("{n}{u}"))
}

fn event_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any_case("U"),
        any_case("I"),
        any_case("N"),
        (
            "[PpQq]",
            proptest::option::of((
                time_token(),
                proptest::option::of(select(&["T", "TRUE", "F", "FALSE", "t", "false"][..]))
            ))
        )
            .prop_map(|(p, tail)| match tail {
                None => p,
                Some((t, None)) => format!("{p},{t}"),
                Some((t, Some(f))) => format!("{p},{t},{f}"),
            }),
        (
            "[Ee]",
            "[0-9A-Fa-f]{1,24}",
            proptest::option::of(("[HSEhse]", proptest::option::of(time_token())))
        )
            .prop_map(|(e, hex, tail)| match tail {
                None => format!("{e},{hex}"),
                Some((t, None)) => format!("{e},{hex},{t}"),
                Some((t, Some(d))) => format!("{e},{hex},{t},{d}"),
            }),
        (
            "[Ss]",
            // Any non-space text, except that `<-` anywhere in a request starts its extra
            // (spec section 2), so a state-event device cannot contain it.
            "[!-~&&[^ ]]{1,12}".prop_filter("`<-` would start an extra", |d| !d.contains("<-")),
            "[0-9]{1,25}",
            time_token(),
            select(&["=", "!=", "*", ">", "<", "<=", ">="][..])
        )
            .prop_map(|(s, dev, v, d, op)| format!("{s},{dev},{v},{d},{op}")),
    ]
}

fn extra_text() -> impl Strategy<Value = String> {
    (
        spelled(EXTRAS),
        proptest::option::of("[:\\[][A-Za-z0-9:@,.\\[\\] ]{0,12}"),
    )
        .prop_map(|(n, p)| format!("{n}{}", p.unwrap_or_default()))
        .prop_filter("no second arrow", |s| !s.contains("<-"))
}

/// A valid ACNET request text built from the grammar, with a field allowed for the
/// property it ends up with.
fn acnet_request() -> impl Strategy<Value = String> {
    (
        acnet_device(),
        proptest::option::of(spelled(PROPERTY_SPELLINGS)),
        proptest::option::of(range_text()),
        proptest::option::of(spelled(FIELD_SPELLINGS)),
        proptest::option::of(event_text()),
        proptest::option::of(extra_text()),
        any::<bool>(),
    )
        .prop_map(|(dev, prop, range, field, event, extra, lf)| {
            let property = match &prop {
                Some(p) => Property::from_spelling(p),
                None => dev.chars().nth(1).and_then(Property::from_qualifier),
            }
            .unwrap_or(Property::Reading);
            // Keep the field only if it is allowed and cannot be mistaken for a property.
            let field = field.filter(|f| {
                pacsys_drf::Field::from_spelling(f).is_some_and(|x| property.allows(x))
                    && Property::from_spelling(f).is_none()
            });
            let mut s = dev;
            if let Some(p) = prop {
                s.push('.');
                s.push_str(&p);
            }
            if let Some(r) = range {
                s.push_str(&r);
            }
            if let Some(f) = field {
                s.push('.');
                s.push_str(&f);
            }
            if let Some(e) = event {
                s.push('@');
                s.push_str(&e);
            }
            if lf {
                s.push('\n');
            }
            if let Some(x) = extra {
                s.push_str("<-");
                s.push_str(&x);
            }
            s
        })
}

fn pv_request() -> impl Strategy<Value = String> {
    (
        pv_device(),
        proptest::option::of("[A-Za-z0-9_]{1,6}"),
        proptest::option::of(range_text()),
        proptest::option::of("[A-Za-z0-9_]{1,6}"),
        proptest::option::of(event_text()),
    )
        .prop_map(|(dev, t1, range, t2, event)| {
            let mut s = dev;
            if let Some(t) = t1 {
                s.push('.');
                s.push_str(&t);
            }
            if let Some(r) = range {
                s.push_str(&r);
            }
            if let Some(t) = t2 {
                s.push('.');
                s.push_str(&t);
            }
            if let Some(e) = event {
                s.push('@');
                s.push_str(&e);
            }
            s
        })
}

fn valid_request() -> impl Strategy<Value = String> {
    prop_oneof![4 => acnet_request(), 1 => pv_request()]
}

/// Characters that matter to the grammar, plus troublesome non-ASCII ones.
const INTERESTING: &[char] = &[
    '.',
    '[',
    ']',
    '{',
    '}',
    '@',
    '<',
    '-',
    ':',
    ',',
    '\n',
    '\r',
    ' ',
    '\t',
    '0',
    'A',
    'z',
    '_',
    '=',
    '!',
    '*',
    '\u{17f}',
    '\u{131}',
    '\u{130}',
    '\u{212a}',
    '\u{e9}',
    '\u{ff2d}',
    '\u{85}',
    '\u{661}',
    '\u{fb02}',
    '\u{1f600}',
];

/// A valid request with one character inserted, replaced or removed.
fn mutated_request() -> impl Strategy<Value = String> {
    (
        valid_request(),
        any::<prop::sample::Index>(),
        select(INTERESTING),
        0u8..3,
    )
        .prop_map(|(s, at, c, op)| {
            let chars: Vec<char> = s.chars().collect();
            let i = at.index(chars.len() + 1);
            let mut out: Vec<char> = chars.clone();
            match op {
                0 => out.insert(i, c),
                1 if i < out.len() => out[i] = c,
                _ if i < out.len() => {
                    out.remove(i);
                }
                _ => out.push(c),
            }
            out.into_iter().collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn generated_requests_parse_and_round_trip(input in valid_request()) {
        let req = Request::parse(&input).map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        let canonical = req.to_string();
        let again = Request::parse(&canonical)
            .map_err(|e| TestCaseError::fail(format!("canonical {canonical:?} of {input:?}: {e}")))?;
        prop_assert_eq!(&again, &req);
        prop_assert_eq!(again.to_string(), canonical);
        prop_assert!(req.semantically_eq(&again));
        let n = req.normalized();
        prop_assert_eq!(n.normalized(), n.clone());
        prop_assert_eq!(Request::parse(&n.to_string()).ok(), Some(n));
        // The direct writer gives exactly the text of the built request.
        prop_assert_eq!(req.immediate_text(), req.with_immediate_event().to_string());
    }

    #[test]
    fn mutated_requests_never_panic(input in mutated_request()) {
        pacsys_drf::fuzzing::check_str(&input);
    }

    #[test]
    fn arbitrary_unicode_never_panics(input in any::<String>()) {
        pacsys_drf::fuzzing::check_str(&input);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..96)) {
        pacsys_drf::fuzzing::check(&data);
    }

    #[test]
    fn grammar_soup_never_panics(input in "[A-Za-z0#:?_|&@$~^!.\\[\\]{}0-9<\\-,= \n]{0,40}") {
        pacsys_drf::fuzzing::check_str(&input);
    }
}
