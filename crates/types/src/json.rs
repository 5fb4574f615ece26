//! The one JSON form of numbers that JSON itself cannot carry.
//!
//! JSON has no NaN or infinity. Everywhere pacsys-rs writes JSON (the CLI's `--format json`,
//! the proxy's audit log, the `serde` features of the vocabulary and the DPM codec), a finite
//! number is a JSON number and a non-finite one is one of three strings:
//!
//! | value | JSON |
//! |---|---|
//! | NaN (any payload or sign) | `"NaN"` |
//! | +infinity | `"Infinity"` |
//! | -infinity | `"-Infinity"` |
//!
//! These are the spellings Python's `json` module, pandas and JavaScript's `Number()` read
//! back. Reading accepts a JSON number or one of the three strings; every NaN reads back as
//! the quiet NaN [`f64::NAN`] (JSON cannot carry a NaN's payload or sign).
//!
//! ```
//! use pacsys_types::json::{non_finite_name, parse_non_finite};
//!
//! assert_eq!(non_finite_name(f64::NAN), Some("NaN"));
//! assert_eq!(non_finite_name(f64::NEG_INFINITY), Some("-Infinity"));
//! assert_eq!(non_finite_name(1.5), None); // a plain JSON number
//! assert_eq!(parse_non_finite("Infinity"), Some(f64::INFINITY));
//! assert!(parse_non_finite("NaN").is_some_and(f64::is_nan));
//! assert_eq!(parse_non_finite("inf"), None);
//! ```
//!
//! With the `serde` feature, `Number` and the `number` and `numbers` modules (for
//! `#[serde(with = ...)]`) serialise and deserialise in this form.

/// The JSON string for a NaN.
pub const NAN: &str = "NaN";
/// The JSON string for +infinity.
pub const INFINITY: &str = "Infinity";
/// The JSON string for -infinity.
pub const NEG_INFINITY: &str = "-Infinity";

/// The string `x` is written as when it is not finite; `None` for a finite number (written
/// as a JSON number).
pub fn non_finite_name(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some(NAN)
    } else if x == f64::INFINITY {
        Some(INFINITY)
    } else if x == f64::NEG_INFINITY {
        Some(NEG_INFINITY)
    } else {
        None
    }
}

/// The number one of the three strings stands for; `None` for any other string.
pub fn parse_non_finite(s: &str) -> Option<f64> {
    match s {
        NAN => Some(f64::NAN),
        INFINITY => Some(f64::INFINITY),
        NEG_INFINITY => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// An `f64` that serialises in the one JSON form (feature `serde`).
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use pacsys_types::json::Number;
///
/// let json = serde_json::to_string(&[Number(1.5), Number(f64::INFINITY)]).unwrap();
/// assert_eq!(json, r#"[1.5,"Infinity"]"#);
/// let back: Vec<Number> = serde_json::from_str(r#"[2, "NaN", "-Infinity"]"#).unwrap();
/// assert_eq!(back[0].0, 2.0);
/// assert!(back[1].0.is_nan());
/// assert_eq!(back[2].0, f64::NEG_INFINITY);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

#[cfg(feature = "serde")]
mod serde_impl {
    use std::fmt;

    use serde::de::{self, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Number, non_finite_name, parse_non_finite};

    impl Serialize for Number {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match non_finite_name(self.0) {
                Some(name) => s.serialize_str(name),
                None => s.serialize_f64(self.0),
            }
        }
    }

    impl<'de> Deserialize<'de> for Number {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Number;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a number or \"NaN\", \"Infinity\", \"-Infinity\"")
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                    Ok(Number(v))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                    Ok(Number(v as f64))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                    Ok(Number(v as f64))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                    parse_non_finite(v)
                        .map(Number)
                        .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            d.deserialize_any(V)
        }
    }
}

/// `#[serde(with = "pacsys_types::json::number")]` for an `f64` field (feature `serde`).
#[cfg(feature = "serde")]
pub mod number {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Number;

    /// Serialises `x` in the one JSON form.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        Number(*x).serialize(s)
    }

    /// Deserialises a number or one of the three strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Number::deserialize(d).map(|n| n.0)
    }
}

/// `#[serde(with = "pacsys_types::json::numbers")]` for a `Vec<f64>` field (feature `serde`).
#[cfg(feature = "serde")]
pub mod numbers {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Number;

    /// Serialises `xs` in the one JSON form.
    pub fn serialize<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(xs.len()))?;
        for x in xs {
            seq.serialize_element(&Number(*x))?;
        }
        seq.end()
    }

    /// Deserialises an array of numbers or the three strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<Number>::deserialize(d).map(|v| v.into_iter().map(|n| n.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_non_finite_value_has_one_name_and_reads_back() {
        for x in [f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let name = non_finite_name(x).unwrap();
            let back = parse_non_finite(name).unwrap();
            assert!(back == x || (back.is_nan() && x.is_nan()), "{x}");
        }
        for x in [0.0, -0.0, 1.5, f64::MAX, f64::MIN_POSITIVE] {
            assert_eq!(non_finite_name(x), None);
        }
        for s in ["nan", "inf", "-inf", "Inf", "null", ""] {
            assert_eq!(parse_non_finite(s), None, "{s}");
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trips_in_the_one_form() {
        let xs = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2.5];
        let json =
            serde_json::to_string(&xs.iter().map(|x| Number(*x)).collect::<Vec<_>>()).unwrap();
        assert_eq!(json, r#"["NaN","Infinity","-Infinity",2.5]"#);
        let back: Vec<Number> = serde_json::from_str(&json).unwrap();
        assert!(back[0].0.is_nan());
        assert_eq!(
            &back[1..],
            &[
                Number(f64::INFINITY),
                Number(f64::NEG_INFINITY),
                Number(2.5)
            ]
        );
        assert!(serde_json::from_str::<Number>(r#""inf""#).is_err());
    }
}
