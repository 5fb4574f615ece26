//! Serde forms of field values, matching the golden-vector JSON schema: integers and
//! strings as themselves, binary as lowercase hex, doubles in the one JSON form of
//! `pacsys_types::json` (numbers, non-finite ones as `"NaN"`, `"Infinity"`, `"-Infinity"`).
//! Used through `#[serde(with = ...)]`.
//!
//! JSON cannot carry NaN payloads or the sign of a NaN: every NaN serialises as `"NaN"`
//! and `"NaN"` deserialises as the quiet NaN `0x7ff8000000000000` ([`f64::NAN`]).

use core::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::Status;
use crate::setting::{RawSetting, ScaledSetting, SettingStatus, TextSetting};

/// A field type with a serde form.
pub(crate) trait SerdeWire: Sized {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

pub(crate) fn serialize<T: SerdeWire, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    v.ser(s)
}

pub(crate) fn deserialize<'de, T: SerdeWire, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    T::de(d)
}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl SerdeWire for $t {
            fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                Serialize::serialize(self, s)
            }
            fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$t as Deserialize>::deserialize(d)
            }
        }
    )*};
}
plain!(
    i16,
    i32,
    i64,
    bool,
    String,
    Status,
    Vec<i64>,
    Vec<String>,
    Vec<RawSetting>,
    Vec<ScaledSetting>,
    Vec<TextSetting>,
    Vec<SettingStatus>
);

impl<T: SerdeWire> SerdeWire for Option<T> {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => v.ser(s),
            None => s.serialize_none(),
        }
    }
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::de(d).map(Some)
    }
}

/// A double in the one JSON form of `pacsys_types::json` (numbers, or `"NaN"`,
/// `"Infinity"`, `"-Infinity"`).
use pacsys_types::json::Number as Double;

impl SerdeWire for f64 {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Double(*self).serialize(s)
    }
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Double::deserialize(d).map(|x| x.0)
    }
}

impl SerdeWire for Vec<f64> {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        pacsys_types::json::numbers::serialize(self, s)
    }
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        pacsys_types::json::numbers::deserialize(d)
    }
}

/// Binary as a lowercase hex string.
impl SerdeWire for Vec<u8> {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(self.len() * 2);
        for &b in self {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
        s.serialize_str(&out)
    }
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
                fn nibble(c: u8) -> Option<u8> {
                    match c {
                        b'0'..=b'9' => Some(c - b'0'),
                        b'a'..=b'f' => Some(c - b'a' + 10),
                        b'A'..=b'F' => Some(c - b'A' + 10),
                        _ => None,
                    }
                }
                let b = v.as_bytes();
                if b.len() % 2 != 0 {
                    return Err(E::invalid_length(b.len(), &"an even number of hex digits"));
                }
                b.chunks_exact(2)
                    .map(|p| match p {
                        &[h, l] => Some((nibble(h)? << 4) | nibble(l)?),
                        _ => None,
                    })
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Reply, ScalarArrayReply, ScalarReply, Status};

    #[test]
    fn doubles_take_the_one_json_form_and_round_trip() {
        let scalar = |x: f64| {
            Reply::Scalar(ScalarReply {
                ref_id: 1,
                timestamp: 0,
                cycle: 0,
                status: Status::OK,
                data: x,
            })
        };
        for (x, json) in [
            (f64::NAN, r#""NaN""#),
            (f64::INFINITY, r#""Infinity""#),
            (f64::NEG_INFINITY, r#""-Infinity""#),
            (2.5, "2.5"),
        ] {
            let text = serde_json::to_string(&scalar(x)).unwrap();
            assert!(text.contains(&format!(r#""data":{json}"#)), "{text}");
            let Reply::Scalar(back) = serde_json::from_str(&text).unwrap() else {
                panic!("{text}");
            };
            assert!(back.data.to_bits() == x.to_bits() || (x.is_nan() && back.data.is_nan()));
        }

        let array = Reply::ScalarArray(ScalarArrayReply {
            data: vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.5],
            ..Default::default()
        });
        let text = serde_json::to_string(&array).unwrap();
        assert!(
            text.contains(r#""data":["NaN","Infinity","-Infinity",-0.5]"#),
            "{text}"
        );
        let Reply::ScalarArray(back) = serde_json::from_str(&text).unwrap() else {
            panic!("{text}");
        };
        assert!(back.data[0].is_nan());
        assert_eq!(back.data[1..], [f64::INFINITY, f64::NEG_INFINITY, -0.5]);
        // Other spellings are refused.
        let bad = text.replace(r#""-Infinity""#, r#""-inf""#);
        assert!(serde_json::from_str::<Reply>(&bad).is_err());
    }
}
