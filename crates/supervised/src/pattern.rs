//! Device-name patterns: shell globs (`*`, `?`, `[a-z]`, `[!0-9]`) or full-match regular
//! expressions, matched against the parsed device names of a request.

use std::fmt;

use crate::error::ConfigError;

/// How a pattern is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    /// Shell glob (fnmatch): `*` any run, `?` one character, `[...]` a class (`[!...]`
    /// negated). The default.
    #[default]
    Glob,
    /// A regular expression that must match the whole name. Its classes and case folding
    /// are ASCII (`\d` is `[0-9]`, `\w` is `[0-9A-Za-z_]`): names and patterns are ASCII,
    /// and a Unicode class such as `\p{L}` is refused as a bad pattern.
    Regex,
}

/// One device-name pattern.
///
/// ACNET names are matched in their canonical form (`M:OUTTMP`), ignoring case; the pattern
/// is canonicalised the same way, so `m_outtmp`, `M|OUTTMP` and `M:OUTTMP` as patterns all
/// mean the device `M:OUTTMP`. Non-ACNET (EPICS) names are matched verbatim and
/// case-sensitively.
///
/// ```
/// use pacsys_supervised::pattern::{DevicePattern, Syntax};
///
/// let p = DevicePattern::new("m_*", Syntax::Glob)?;
/// assert!(p.matches_acnet("M:OUTTMP"));
/// assert!(!p.matches_acnet("G:AMANDA"));
/// let r = DevicePattern::new("Z:ACL.*", Syntax::Regex)?;
/// assert!(r.matches_acnet("Z:ACLTST"));
/// # Ok::<(), pacsys_supervised::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct DevicePattern {
    text: String,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Glob {
        /// For ACNET names: uppercased, qualifier canonicalised.
        acnet: Glob,
        /// For other names: verbatim.
        verbatim: Glob,
    },
    Regex {
        acnet: regex_lite::Regex,
        verbatim: regex_lite::Regex,
    },
}

impl fmt::Debug for DevicePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevicePattern({:?})", self.text)
    }
}

impl fmt::Display for DevicePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Qualifier characters of ACNET names that are not glob metacharacters.
fn is_plain_qualifier(b: u8) -> bool {
    matches!(
        b,
        b':' | b'_' | b'|' | b'&' | b'@' | b'$' | b'~' | b'^' | b'#'
    )
}

impl DevicePattern {
    /// Compiles a pattern. Patterns must be non-empty ASCII of at most 256 characters.
    pub fn new(text: &str, syntax: Syntax) -> Result<DevicePattern, ConfigError> {
        let bad = |why: &str| ConfigError::Pattern {
            pattern: text.to_owned(),
            reason: why.to_owned(),
        };
        if text.is_empty() || text.len() > 256 || !text.is_ascii() {
            return Err(bad("a pattern must be 1 to 256 ASCII characters"));
        }
        let kind = match syntax {
            Syntax::Glob => {
                let mut upper = text.to_ascii_uppercase().into_bytes();
                if let Some(q) = upper.get_mut(1)
                    && is_plain_qualifier(*q)
                {
                    *q = b':';
                }
                let upper = String::from_utf8(upper).map_err(|_| bad("not ASCII"))?;
                Kind::Glob {
                    acnet: Glob::compile(&upper).map_err(&bad)?,
                    verbatim: Glob::compile(text).map_err(&bad)?,
                }
            }
            Syntax::Regex => {
                let full = format!("^(?:{text})$");
                let build = |ci: bool| {
                    regex_lite::RegexBuilder::new(&full)
                        .case_insensitive(ci)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| bad(&e.to_string()))
                };
                Kind::Regex {
                    acnet: build(true)?,
                    verbatim: build(false)?,
                }
            }
        };
        Ok(DevicePattern {
            text: text.to_owned(),
            kind,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the canonical ACNET name (`M:OUTTMP`) matches, ignoring case.
    pub fn matches_acnet(&self, name: &str) -> bool {
        match &self.kind {
            Kind::Glob { acnet, .. } => acnet.matches(name.to_ascii_uppercase().as_bytes()),
            Kind::Regex { acnet, .. } => acnet.is_match(name),
        }
    }

    /// Whether a non-ACNET (EPICS) name matches, case-sensitively.
    pub fn matches_verbatim(&self, name: &str) -> bool {
        match &self.kind {
            Kind::Glob { verbatim, .. } => verbatim.matches(name.as_bytes()),
            Kind::Regex { verbatim, .. } => verbatim.is_match(name),
        }
    }
}

/// A compiled glob: one token per pattern character or class.
#[derive(Debug, Clone, PartialEq)]
struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(u8),
    Any,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(u8, u8)>,
    },
}

impl Token {
    fn accepts(&self, b: u8) -> bool {
        match self {
            Token::Literal(l) => *l == b,
            Token::Any => true,
            Token::Star => true,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= b && b <= hi) != *negated
            }
        }
    }
}

impl Glob {
    fn compile(text: &str) -> Result<Glob, &'static str> {
        let bytes = text.as_bytes();
        let mut tokens = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            let token = match b {
                b'*' => {
                    if tokens.last() == Some(&Token::Star) {
                        continue;
                    }
                    Token::Star
                }
                b'?' => Token::Any,
                b'[' => {
                    let mut negated = false;
                    if matches!(bytes.get(i), Some(b'!' | b'^')) {
                        negated = true;
                        i += 1;
                    }
                    let mut ranges = Vec::new();
                    let mut first = true;
                    loop {
                        let Some(&c) = bytes.get(i) else {
                            return Err("unterminated [ class");
                        };
                        i += 1;
                        if c == b']' && !first {
                            break;
                        }
                        first = false;
                        if bytes.get(i) == Some(&b'-')
                            && bytes.get(i + 1).is_some_and(|&n| n != b']')
                        {
                            let hi = bytes.get(i + 1).copied().unwrap_or(c);
                            i += 2;
                            if hi < c {
                                return Err("reversed range in [ class");
                            }
                            ranges.push((c, hi));
                        } else {
                            ranges.push((c, c));
                        }
                    }
                    Token::Class { negated, ranges }
                }
                other => Token::Literal(other),
            };
            tokens.push(token);
        }
        Ok(Glob { tokens })
    }

    /// Wildcard matching with single-star backtracking: O(pattern * name) at worst, no
    /// recursion.
    fn matches(&self, name: &[u8]) -> bool {
        let (mut p, mut n) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            let b = name.get(n).copied().unwrap_or(0);
            match self.tokens.get(p) {
                Some(Token::Star) => {
                    star = Some((p, n));
                    p += 1;
                }
                Some(t) if t.accepts(b) => {
                    p += 1;
                    n += 1;
                }
                _ => match star {
                    Some((sp, sn)) => {
                        p = sp + 1;
                        n = sn + 1;
                        star = Some((sp, sn + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens
            .get(p..)
            .unwrap_or(&[])
            .iter()
            .all(|t| *t == Token::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn glob(p: &str) -> DevicePattern {
        DevicePattern::new(p, Syntax::Glob).unwrap()
    }

    #[test]
    fn globs() {
        assert!(glob("M:OUTTMP").matches_acnet("M:OUTTMP"));
        assert!(glob("m:outtmp").matches_acnet("M:OUTTMP"));
        assert!(glob("M_OUTTMP").matches_acnet("M:OUTTMP"));
        assert!(glob("M|OUTTMP").matches_acnet("M:OUTTMP"));
        assert!(glob("M?OUTTMP").matches_acnet("M:OUTTMP"));
        assert!(glob("*").matches_acnet("Z:ANY"));
        assert!(glob("Z:ACL*").matches_acnet("Z:ACLTST"));
        assert!(!glob("Z:ACL*").matches_acnet("Z:AC"));
        assert!(glob("Z:[A-C]*").matches_acnet("Z:BX"));
        assert!(!glob("Z:[!A-C]*").matches_acnet("Z:BX"));
        assert!(glob("*TMP").matches_acnet("M:OUTTMP"));
        assert!(glob("*T*P").matches_acnet("M:OUTTMP"));
        assert!(!glob("*T*Q").matches_acnet("M:OUTTMP"));
        assert!(glob("my_pv").matches_verbatim("my_pv"));
        assert!(!glob("my_pv").matches_verbatim("MY_PV"));
        assert!(DevicePattern::new("[abc", Syntax::Glob).is_err());
        assert!(DevicePattern::new("", Syntax::Glob).is_err());
        assert!(DevicePattern::new("(", Syntax::Regex).is_err());
        // Unicode classes have no meaning for ASCII names: refused, naming the pattern.
        let e = DevicePattern::new(r"\p{L}:.*", Syntax::Regex).unwrap_err();
        assert!(e.to_string().contains(r"\p{L}:.*"), "{e}");
        let d = DevicePattern::new(r"M:\w+\d", Syntax::Regex).unwrap();
        assert!(d.matches_acnet("M:OUTTMP2") && !d.matches_acnet("M:OUTTMP"));
        let r = DevicePattern::new("G:AMANDA|Z:.*", Syntax::Regex).unwrap();
        assert!(r.matches_acnet("g:amanda"));
        assert!(r.matches_acnet("Z:X"));
        assert!(!r.matches_acnet("G:AMANDAX"), "full match only");
    }

    /// A reference matcher (recursive, exponential, fine for short inputs).
    fn reference(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => reference(&p[1..], n) || (!n.is_empty() && reference(p, &n[1..])),
            (Some(b'?'), Some(_)) => reference(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => reference(&p[1..], &n[1..]),
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn matcher_agrees_with_reference(p in "[AB*?:]{0,8}", n in "[AB:]{0,10}") {
            let g = Glob::compile(&p).unwrap();
            prop_assert_eq!(g.matches(n.as_bytes()), reference(p.as_bytes(), n.as_bytes()));
        }

        #[test]
        fn never_panics(p in "\\PC{0,20}", n in "\\PC{0,20}") {
            if let Ok(d) = DevicePattern::new(&p, Syntax::Glob) {
                let _ = d.matches_acnet(&n);
                let _ = d.matches_verbatim(&n);
            }
        }
    }
}
