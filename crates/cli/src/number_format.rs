//! `--number-format`: the Python format-specification mini-language that the reference
//! CLI takes (`format(value, spec)`), for numbers.
//!
//! The grammar is `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`:
//!
//! * `align`: `<` left, `>` right (the default), `^` centre, `=` padding after the sign;
//!   `fill` is any character before it.
//! * `sign`: `-` (only negative numbers, the default), `+` (always), space (a space for
//!   positive numbers); `z` turns a negative zero into zero.
//! * `#`: the alternate form (`0x`/`0o`/`0b` prefixes, a kept decimal point, kept trailing
//!   zeros for `g`); `0` pads with zeros after the sign.
//! * `grouping`: `,` or `_` between thousands (`_` every four digits for `x`, `o`, `b`).
//! * `type`: `f`/`F` fixed, `e`/`E` scientific, `g`/`G` general (the default precision is 6),
//!   `%` percent, `d`/`n` decimal integer, `x`/`X` hexadecimal, `o` octal, `b` binary; with no
//!   type a number prints in its shortest exact form (Python's `repr`), or as `g` when a
//!   precision is given (Python differs in rare cases such as `format(1.5, '.1')`).
//!
//! As in the reference, a whole number is formatted as an integer (`3.0` with `d` is `3`, with
//! `,` it is `3`); unlike it, an integer type given a fraction rounds to the nearest integer
//! (half to even) instead of failing, since one odd reading must not end a stream. NaN and the
//! infinities print as `nan`/`inf` (`NAN`/`INF` for the upper-case types).

/// What was wrong with a `--number-format` spec, and where (a byte offset in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad number format {spec:?} at byte {offset}: {reason}")]
pub struct NumberFormatError {
    /// The spec as given.
    pub spec: String,
    /// Byte offset of the first character that could not be used.
    pub offset: usize,
    /// What was expected there.
    pub reason: &'static str,
}

/// Where padding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Center,
    AfterSign,
}

/// When a sign is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Negative,
    Always,
    Space,
}

/// The conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shortest,
    Fixed,
    Exp,
    General,
    Percent,
    Decimal,
    Hex,
    Octal,
    Binary,
}

/// A parsed `--number-format` spec.
///
/// ```
/// use pacsys_cli::number_format::NumberFormat;
///
/// let f: NumberFormat = ".3f".parse().unwrap();
/// assert_eq!(f.format(1.23456), "1.235");
/// assert_eq!(",.2f".parse::<NumberFormat>().unwrap().format(1234567.891), "1,234,567.89");
/// assert_eq!(".2e".parse::<NumberFormat>().unwrap().format(72.5), "7.25e+01");
/// assert_eq!("#x".parse::<NumberFormat>().unwrap().format(255.0), "0xff");
/// assert!("3q".parse::<NumberFormat>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    fill: char,
    align: Option<Align>,
    sign: Sign,
    no_negative_zero: bool,
    alternate: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Kind,
    upper: bool,
}

/// Widths and precisions above this are refused (the output is for reading).
const MAX_WIDTH: usize = 1000;

impl std::str::FromStr for NumberFormat {
    type Err = NumberFormatError;

    fn from_str(spec: &str) -> Result<NumberFormat, NumberFormatError> {
        let err = |offset: usize, reason| NumberFormatError {
            spec: spec.to_owned(),
            offset,
            reason,
        };
        let chars: Vec<(usize, char)> = spec.char_indices().collect();
        let mut i = 0;
        let at = |i: usize| chars.get(i).map(|(_, c)| *c);
        let offset = |i: usize| chars.get(i).map_or(spec.len(), |(o, _)| *o);
        let align_of = |c: char| match c {
            '<' => Some(Align::Left),
            '>' => Some(Align::Right),
            '^' => Some(Align::Center),
            '=' => Some(Align::AfterSign),
            _ => None,
        };
        let mut f = NumberFormat {
            fill: ' ',
            align: None,
            sign: Sign::Negative,
            no_negative_zero: false,
            alternate: false,
            width: 0,
            grouping: None,
            precision: None,
            kind: Kind::Shortest,
            upper: false,
        };
        if let (Some(fill), Some(a)) = (at(0), at(1).and_then(align_of)) {
            f.fill = fill;
            f.align = Some(a);
            i = 2;
        } else if let Some(a) = at(0).and_then(align_of) {
            f.align = Some(a);
            i = 1;
        }
        match at(i) {
            Some('+') => (f.sign, i) = (Sign::Always, i + 1),
            Some('-') => i += 1,
            Some(' ') => (f.sign, i) = (Sign::Space, i + 1),
            _ => {}
        }
        if at(i) == Some('z') {
            f.no_negative_zero = true;
            i += 1;
        }
        if at(i) == Some('#') {
            f.alternate = true;
            i += 1;
        }
        if at(i) == Some('0') {
            if f.align.is_none() {
                f.fill = '0';
                f.align = Some(Align::AfterSign);
            }
            i += 1;
        }
        let digits = |i: &mut usize| -> Option<usize> {
            let start = *i;
            let mut n: usize = 0;
            while let Some(d) = at(*i).and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d as usize);
                *i += 1;
            }
            (*i > start).then_some(n)
        };
        let width_at = i;
        if let Some(w) = digits(&mut i) {
            if w > MAX_WIDTH {
                return Err(err(offset(width_at), "width above 1000"));
            }
            f.width = w;
        }
        if let Some(g @ (',' | '_')) = at(i) {
            f.grouping = Some(g);
            i += 1;
        }
        if at(i) == Some('.') {
            i += 1;
            let p_at = i;
            match digits(&mut i) {
                Some(p) if p > MAX_WIDTH => {
                    return Err(err(offset(p_at), "precision above 1000"));
                }
                Some(p) => f.precision = Some(p),
                None => return Err(err(offset(p_at), "a precision (digits) after `.`")),
            }
        }
        if let Some(c) = at(i) {
            (f.kind, f.upper) = match c {
                'f' => (Kind::Fixed, false),
                'F' => (Kind::Fixed, true),
                'e' => (Kind::Exp, false),
                'E' => (Kind::Exp, true),
                'g' => (Kind::General, false),
                'G' => (Kind::General, true),
                '%' => (Kind::Percent, false),
                'd' | 'n' => (Kind::Decimal, false),
                'x' => (Kind::Hex, false),
                'X' => (Kind::Hex, true),
                'o' => (Kind::Octal, false),
                'b' => (Kind::Binary, false),
                _ => {
                    return Err(err(offset(i), "a type: one of f F e E g G % d n x X o b"));
                }
            };
            i += 1;
        }
        if i < chars.len() {
            return Err(err(offset(i), "the end of the spec"));
        }
        if f.grouping.is_some() && f.kind == Kind::Decimal && spec.ends_with('n') {
            return Err(err(offset(i - 1), "`n` takes no grouping"));
        }
        if f.precision.is_some()
            && matches!(
                f.kind,
                Kind::Decimal | Kind::Hex | Kind::Octal | Kind::Binary
            )
        {
            return Err(err(offset(i - 1), "no precision with an integer type"));
        }
        Ok(f)
    }
}

impl NumberFormat {
    /// `x` formatted by this spec.
    pub fn format(&self, x: f64) -> String {
        // As the reference: a whole number is formatted as an integer, so -0.0 is 0.
        let x = if x == 0.0 { 0.0 } else { x };
        // An integer has no negative zero: -0.3 with `d` is `0`.
        let integer = matches!(
            self.kind,
            Kind::Decimal | Kind::Hex | Kind::Octal | Kind::Binary
        );
        let x = if integer && round_half_even(x) == 0.0 {
            0.0
        } else {
            x
        };
        let (prefix, body) = self.body(x.abs());
        let negative = x.is_sign_negative()
            && !x.is_nan()
            && !(self.no_negative_zero && body.chars().all(|c| !c.is_ascii_digit() || c == '0'));
        let sign = match (negative, self.sign) {
            (true, _) => "-",
            (false, Sign::Always) => "+",
            (false, Sign::Space) => " ",
            (false, Sign::Negative) => "",
        };
        self.pad(sign, prefix, &body)
    }

    /// The digits of a non-negative `x` (NaN allowed) and the `0x`-style prefix.
    fn body(&self, x: f64) -> (&'static str, String) {
        if !x.is_finite() {
            let text = match (x.is_nan(), self.upper) {
                (true, false) => "nan",
                (true, true) => "NAN",
                (false, false) => "inf",
                (false, true) => "INF",
            };
            let text = if self.kind == Kind::Percent {
                format!("{text}%")
            } else {
                text.to_owned()
            };
            return ("", text);
        }
        let whole = x.fract() == 0.0;
        let radix = match self.kind {
            Kind::Hex => Some(16),
            Kind::Octal => Some(8),
            Kind::Binary => Some(2),
            Kind::Decimal => Some(10),
            Kind::Shortest if whole && self.precision.is_none() => Some(10),
            _ => None,
        };
        if let Some(radix) = radix {
            let prefix = match (self.alternate, self.kind, self.upper) {
                (true, Kind::Hex, false) => "0x",
                (true, Kind::Hex, true) => "0X",
                (true, Kind::Octal, _) => "0o",
                (true, Kind::Binary, _) => "0b",
                _ => "",
            };
            let digits = integer_digits(round_half_even(x), radix, self.upper);
            let group = if radix == 10 { 3 } else { 4 };
            return (prefix, self.group(&digits, group));
        }
        let text = match self.kind {
            Kind::Fixed => fixed(x, self.precision.unwrap_or(6)),
            Kind::Exp => exponent(x, self.precision.unwrap_or(6), self.upper),
            Kind::Percent => {
                let mut s = fixed(x * 100.0, self.precision.unwrap_or(6));
                s = self.alternate_point(s);
                return ("", format!("{}%", self.group_number(&s)));
            }
            Kind::General => general(x, self.precision.unwrap_or(6), self.alternate, self.upper),
            _ => match self.precision {
                Some(p) => general(x, p, self.alternate, self.upper),
                None => shortest(x),
            },
        };
        let text = self.alternate_point(text);
        ("", self.group_number(&text))
    }

    /// `#` keeps a decimal point on a number printed without one (`2.` for `#.0f`).
    fn alternate_point(&self, s: String) -> String {
        if self.alternate && !s.contains(['.', 'e', 'E']) {
            return format!("{s}.");
        }
        if self.alternate
            && !s.contains('.')
            && let Some(at) = s.find(['e', 'E'])
        {
            return format!("{}.{}", &s[..at], &s[at..]);
        }
        s
    }

    /// Groups the integer part of a decimal number text.
    fn group_number(&self, s: &str) -> String {
        let end = s.find(['.', 'e', 'E']).unwrap_or(s.len());
        format!("{}{}", self.group(&s[..end], 3), &s[end..])
    }

    /// Inserts the grouping character every `n` digits from the right.
    fn group(&self, digits: &str, n: usize) -> String {
        let Some(g) = self.grouping else {
            return digits.to_owned();
        };
        let len = digits.len();
        let mut out = String::with_capacity(len + len / n);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (len - i).is_multiple_of(n) {
                out.push(g);
            }
            out.push(c);
        }
        out
    }

    /// Pads `sign + prefix + body` to the width.
    fn pad(&self, sign: &str, prefix: &str, body: &str) -> String {
        let len = sign.chars().count() + prefix.len() + body.chars().count();
        let missing = self.width.saturating_sub(len);
        let fill = |n: usize| std::iter::repeat_n(self.fill, n).collect::<String>();
        match self.align.unwrap_or(Align::Right) {
            Align::Left => format!("{sign}{prefix}{body}{}", fill(missing)),
            Align::Right => format!("{}{sign}{prefix}{body}", fill(missing)),
            Align::Center => {
                let left = missing / 2;
                format!("{}{sign}{prefix}{body}{}", fill(left), fill(missing - left))
            }
            Align::AfterSign => format!("{sign}{prefix}{}{body}", fill(missing)),
        }
    }
}

/// Rounds to the nearest integer, ties to even.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    }
}

/// The digits of a non-negative whole number in `radix`.
fn integer_digits(x: f64, radix: u32, upper: bool) -> String {
    if radix == 10 {
        return format!("{x:.0}");
    }
    // Every finite f64 is below 2^1024; whole numbers up to 2^128 fit a u128 and larger
    // ones are a mantissa shifted left, printed from the exact bits.
    if x < 3.4e38 {
        let n = x as u128;
        return match (radix, upper) {
            (16, false) => format!("{n:x}"),
            (16, true) => format!("{n:X}"),
            (8, _) => format!("{n:o}"),
            _ => format!("{n:b}"),
        };
    }
    // Beyond u128: long division of the exact decimal digits.
    let mut decimal: Vec<u32> = format!("{x:.0}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let mut out = Vec::new();
    while !(decimal.is_empty() || decimal == [0]) {
        let mut rest = 0u32;
        let mut next = Vec::with_capacity(decimal.len());
        for d in decimal {
            let v = rest * 10 + d;
            let q = v / radix;
            rest = v % radix;
            if !(next.is_empty() && q == 0) {
                next.push(q);
            }
        }
        out.push(char::from_digit(rest, radix).unwrap_or('?'));
        decimal = next;
    }
    let s: String = out.iter().rev().collect();
    if upper { s.to_uppercase() } else { s }
}

/// Fixed point with `p` decimals (exact, ties to even, as Python).
fn fixed(x: f64, p: usize) -> String {
    format!("{x:.p$}")
}

/// Scientific with `p` decimals and a signed exponent of at least two digits.
fn exponent(x: f64, p: usize, upper: bool) -> String {
    let s = format!("{x:.p$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{sign}{:02}", exp.unsigned_abs())
}

/// Python's `g`: `p` significant digits, scientific when the exponent is below -4 or at
/// least `p`, trailing zeros removed unless `alternate`.
fn general(x: f64, p: usize, alternate: bool, upper: bool) -> String {
    let p = p.max(1);
    if x == 0.0 {
        return if alternate {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".to_owned()
        };
    }
    let sci = format!("{x:.*e}", p - 1);
    let exp: i64 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let p = p as i64;
    let mut s = if (-4..p).contains(&exp) {
        let decimals = usize::try_from(p - 1 - exp).unwrap_or(0);
        format!("{x:.decimals$}")
    } else {
        exponent(x, usize::try_from(p - 1).unwrap_or(0), upper)
    };
    if !alternate {
        let (mantissa, rest) = match s.find(['e', 'E']) {
            Some(at) => s.split_at(at),
            None => (s.as_str(), ""),
        };
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        s = format!("{mantissa}{rest}");
    }
    s
}

/// The shortest text that reads back as `x` (Python's `repr`): fixed point for exponents
/// from -4 to 15, scientific with a two-digit exponent otherwise.
fn shortest(x: f64) -> String {
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        return format!("{x}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(value, spec, what Python's format() prints)`, produced by CPython 3.11 with the
    /// reference's rule (a whole float becomes an int first).
    const PYTHON: &[(f64, &str, &str)] = &[
        (1.23456, ".3f", "1.235"),
        (72.5, ".2e", "7.25e+01"),
        (1234567.891, ",", "1,234,567.891"),
        (1234567.891, ",.2f", "1,234,567.89"),
        (1.2345e-05, "g", "1.2345e-05"),
        (123456789.0, "g", "1.23457e+08"),
        (1e16, ".3g", "1e+16"),
        (2.5, "10.3f", "     2.500"),
        (2.5, "<10.1f", "2.5       "),
        (2.5, "^9.1f", "   2.5   "),
        (-2.5, "=+10.2f", "-     2.50"),
        (2.5, "+.1f", "+2.5"),
        (2.5, " .1f", " 2.5"),
        (-2.5, "010.2f", "-000002.50"),
        (0.256, ".1%", "25.6%"),
        (255.0, "x", "ff"),
        (255.0, "#x", "0xff"),
        (255.0, "X", "FF"),
        (8.0, "o", "10"),
        (5.0, "b", "101"),
        (5.0, "#010b", "0b00000101"),
        (1000000.0, "_d", "1_000_000"),
        (f64::NAN, ".3f", "nan"),
        (f64::INFINITY, "F", "INF"),
        (f64::NEG_INFINITY, ".2e", "-inf"),
        (1.5, ".0f", "2"),
        (2.0, ".3f", "2.000"),
        (100.0, "g", "100"),
        (0.0001, ".2g", "0.0001"),
        (123.456, ".2g", "1.2e+02"),
        (1e-05, "G", "1E-05"),
        (1.5, "#.0f", "2."),
        (1.0, "#g", "1.00000"),
        (12.0, ".2e", "1.20e+01"),
        (9.9999, ".2f", "10.00"),
        (0.5, ".0f", "0"),
        (1e22, "f", "10000000000000000000000.000000"),
        (-0.0, ".1f", "0.0"),
        (3.0, "d", "3"),
        (1234.5, "_.1f", "1_234.5"),
        (-1234.0, ",", "-1,234"),
        (1234.0, "*>8", "****1234"),
        (0.1, ".17g", "0.10000000000000001"),
        (1e300, ".3e", "1.000e+300"),
        (5e-324, "g", "4.94066e-324"),
        (123.0, "e", "1.230000e+02"),
        (1e-300, "", "1e-300"),
        (123456789012345.6, "", "123456789012345.6"),
        (-0.4, "z.0f", "0"),
        (-0.4, ".0f", "-0"),
        (2.25, ".3", "2.25"),
    ];

    #[test]
    fn matches_python() {
        for (x, spec, want) in PYTHON {
            let f: NumberFormat = match spec.parse() {
                Ok(f) => f,
                Err(e) => panic!("{spec}: {e}"),
            };
            assert_eq!(f.format(*x), *want, "format({x}, {spec:?})");
        }
    }

    #[test]
    fn integer_types_round_fractions_half_to_even() {
        let d: NumberFormat = "d".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.format(2.5), "2");
        assert_eq!(d.format(3.5), "4");
        assert_eq!(d.format(-2.6), "-3");
        assert_eq!(d.format(-0.3), "0");
        let x: NumberFormat = "x".parse().unwrap_or_else(|e| panic!("{e}"));
        // Beyond u128 (Python: format(int(1e40), 'x')).
        assert_eq!(x.format(1e40), "1d6329f1c35ca500000000000000000000");
    }

    #[test]
    fn bad_specs_name_the_byte() {
        for (spec, offset) in [("3q", 1), (".f", 1), (".3fx", 3), (".2d", 2), ("99999f", 0)] {
            match spec.parse::<NumberFormat>() {
                Ok(f) => panic!("{spec} parsed as {f:?}"),
                Err(e) => assert_eq!(e.offset, offset, "{spec}: {e}"),
            }
        }
    }
}
