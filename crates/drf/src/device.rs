//! ACNET device-name grammar (spec section 3) and the near-miss rule (section 4.2).

/// Maximum number of name characters after the qualifier.
pub(crate) const MAX_NAME_CHARS: usize = 62;

const FIRST: u8 = 1;
const QUALIFIER: u8 = 2;
const NAME: u8 = 4;

/// Character classes of the device grammar, one bit each, indexed by byte.
static CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_alphabetic() || b == b'0' || b == b'#' {
            c |= FIRST;
        }
        if matches!(
            b,
            b':' | b'?' | b'_' | b'|' | b'&' | b'@' | b'$' | b'~' | b'^' | b'#' | b'!'
        ) {
            c |= QUALIFIER;
        }
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-') {
            c |= NAME;
        }
        // Compile-time table construction: `i < 256` by the loop condition.
        #[allow(clippy::indexing_slicing)]
        {
            t[i] = c;
        }
        i += 1;
    }
    t
};

#[inline]
fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

/// First character of an ACNET name: a letter, `0` or `#`.
#[inline]
pub(crate) fn is_first(b: u8) -> bool {
    class(b) & FIRST != 0
}

/// The qualifier (second) character.
#[inline]
pub(crate) fn is_qualifier(b: u8) -> bool {
    class(b) & QUALIFIER != 0
}

/// Characters 3..64 of an ACNET name.
#[inline]
pub(crate) fn is_name_char(b: u8) -> bool {
    class(b) & NAME != 0
}

/// Length of the run of name characters after the first two, if the text starts with a
/// first char and a qualifier and at least one name char follows (the run is unbounded).
#[inline]
pub(crate) fn name_run(body: &[u8]) -> Option<usize> {
    match body {
        [f, q, rest @ ..] if is_first(*f) && is_qualifier(*q) => {
            let run = rest.iter().take_while(|&&b| is_name_char(b)).count();
            (run > 0).then_some(run)
        }
        _ => None,
    }
}

/// Whether `name` is a complete ACNET device name (3 to 64 chars).
///
/// ```
/// assert!(pacsys_drf::is_acnet_name("M:OUTTMP"));
/// assert!(pacsys_drf::is_acnet_name("#|9"));
/// assert!(!pacsys_drf::is_acnet_name("M:OUT TMP"));
/// assert!(!pacsys_drf::is_acnet_name("M:"));
/// ```
pub fn is_acnet_name(name: &str) -> bool {
    let b = name.as_bytes();
    name_run(b).is_some_and(|run| run <= MAX_NAME_CHARS && run + 2 == b.len())
}

/// The near-miss rule: the longest ACNET name at the start (at most 64 chars) followed by
/// `.`, `[`, `@`, or by a brace group `{...}` (no braces inside) that is followed by `.`,
/// `@` or the absolute end.
#[inline]
pub(crate) fn is_near_miss(body: &[u8]) -> bool {
    let Some(run) = name_run(body) else {
        return false;
    };
    let end = 2 + run.min(MAX_NAME_CHARS);
    let rest = body.get(end..).unwrap_or(&[]);
    match rest.first() {
        Some(b'.' | b'[' | b'@') => true,
        Some(b'{') => {
            let inner = rest.get(1..).unwrap_or(&[]);
            match inner.iter().position(|&b| b == b'{' || b == b'}') {
                Some(p) if inner.get(p) == Some(&b'}') => {
                    matches!(inner.get(p + 1), None | Some(b'.' | b'@'))
                }
                _ => false,
            }
        }
        _ => false,
    }
}
