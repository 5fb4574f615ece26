//! `--range`: which elements of an array value are shown, in the reference's Python slice
//! syntax (`N`, `A:B`, `A:B:C`, negative indices counting from the end).

use std::fmt;

/// What was wrong with a `--range`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad range {text:?}: {reason} (use N, A:B or A:B:C, e.g. 0:10, -5:, ::2)")]
pub struct RangeError {
    /// The range as given.
    pub text: String,
    /// What was wrong.
    pub reason: &'static str,
}

/// A Python slice over the elements of an array.
///
/// `N` is the one element `N` (`-1` the last), `A:B` the elements from `A` up to (not
/// including) `B`, `A:B:C` every `C`-th of them; a missing bound means the start or the end
/// (the end and the start for a negative step). Bounds past the array are clipped, as in
/// Python, so a range never fails on a short array.
///
/// ```
/// use pacsys_cli::range::Range;
///
/// let xs: Vec<u32> = (0..10).collect();
/// let pick = |r: &str| r.parse::<Range>().unwrap().apply(&xs);
/// assert_eq!(pick("-5:"), [5, 6, 7, 8, 9]);
/// assert_eq!(pick("8:2:-2"), [8, 6, 4]);
/// assert_eq!(pick("3"), [3]);
/// assert!("1:2:0".parse::<Range>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
}

impl std::str::FromStr for Range {
    type Err = RangeError;

    fn from_str(text: &str) -> Result<Range, RangeError> {
        let err = |reason| RangeError {
            text: text.to_owned(),
            reason,
        };
        let parts: Vec<&str> = text.split(':').collect();
        let number = |p: &str| -> Result<Option<i64>, RangeError> {
            let p = p.trim();
            if p.is_empty() {
                return Ok(None);
            }
            p.parse::<i64>()
                .map(Some)
                .map_err(|_| err("each bound is a whole number or empty"))
        };
        match parts.as_slice() {
            [one] => {
                let Some(i) = number(one)? else {
                    return Err(err("an index is needed"));
                };
                Ok(Range {
                    start: Some(i),
                    stop: if i == -1 { None } else { i.checked_add(1) },
                    step: 1,
                })
            }
            [a, b] => Ok(Range {
                start: number(a)?,
                stop: number(b)?,
                step: 1,
            }),
            [a, b, c] => {
                let step = number(c)?.unwrap_or(1);
                if step == 0 {
                    return Err(err("the step cannot be zero"));
                }
                Ok(Range {
                    start: number(a)?,
                    stop: number(b)?,
                    step,
                })
            }
            _ => Err(err("at most two `:`")),
        }
    }
}

impl Range {
    /// The indices this range selects in an array of `len` elements (Python's
    /// `slice.indices`).
    pub fn indices(&self, len: usize) -> impl Iterator<Item = usize> + use<> {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let step = self.step;
        let clip = |bound: Option<i64>, default: i64, low: i64, high: i64| match bound {
            None => default,
            Some(b) if b < 0 => (b.saturating_add(len)).max(low),
            Some(b) => b.min(high),
        };
        let (start, stop) = if step > 0 {
            (clip(self.start, 0, 0, len), clip(self.stop, len, 0, len))
        } else {
            (
                clip(self.start, len - 1, -1, len - 1),
                clip(self.stop, -1, -1, len - 1),
            )
        };
        let mut i = start;
        std::iter::from_fn(move || {
            let more = if step > 0 { i < stop } else { i > stop };
            if !more {
                return None;
            }
            let here = i;
            i = i.saturating_add(step);
            usize::try_from(here).ok()
        })
    }

    /// The selected elements of `xs`, cloned.
    pub fn apply<T: Clone>(&self, xs: &[T]) -> Vec<T> {
        self.indices(xs.len())
            .filter_map(|i| xs.get(i).cloned())
            .collect()
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |b: Option<i64>| b.map(|b| b.to_string()).unwrap_or_default();
        write!(f, "{}:{}", bound(self.start), bound(self.stop))?;
        if self.step != 1 {
            write!(f, ":{}", self.step)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(range, length, what Python's list(range(length))[slice] gives)`.
    const PYTHON: &[(&str, usize, &[usize])] = &[
        ("-5:", 10, &[5, 6, 7, 8, 9]),
        ("::-1", 10, &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
        ("8:2:-2", 10, &[8, 6, 4]),
        ("5:", 3, &[]),
        ("-100:3", 10, &[0, 1, 2]),
        ("-1", 4, &[3]),
        ("-2", 4, &[2]),
        ("7", 4, &[]),
        ("0:10", 4, &[0, 1, 2, 3]),
        ("::2", 5, &[0, 2, 4]),
        ("::-2", 5, &[4, 2, 0]),
        (":-1:-1", 5, &[]),
        ("1:-1", 5, &[1, 2, 3]),
        ("", 0, &[]),
    ];

    #[test]
    fn matches_python_slices() {
        for (text, len, want) in PYTHON {
            let r: Range = match (text.is_empty(), text.parse()) {
                (true, _) => ":".parse().unwrap_or_else(|e| panic!("{e}")),
                (false, Ok(r)) => r,
                (false, Err(e)) => panic!("{text}: {e}"),
            };
            let got: Vec<usize> = r.indices(*len).collect();
            assert_eq!(got, *want, "{text} of {len}");
        }
    }

    #[test]
    fn extreme_bounds_do_not_overflow() {
        for text in [
            "9223372036854775807",
            "-9223372036854775808:",
            "::-9223372036854775808",
        ] {
            let r: Range = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(r.indices(3).count() <= 3, "{text}");
        }
    }

    #[test]
    fn bad_ranges() {
        for text in ["", "a", "1:2:0", "1:2:3:4", "1.5:"] {
            assert!(text.parse::<Range>().is_err(), "{text}");
        }
    }
}
