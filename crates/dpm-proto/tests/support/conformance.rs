//! Golden-vector conformance checks, shared by `examples/dpm_conformance.rs` and
//! `tests/conformance.rs` (included with `#[path]`).
//!
//! The vectors' `fields` objects are mapped to and from the message types with the crate's
//! `serde` feature. Decoded messages are serialised back to JSON and compared field by
//! field (integers exactly, doubles by bit pattern); double bits that JSON cannot express
//! (NaN payloads) are covered by re-encoding the decoded message to the exact input bytes.
#![allow(dead_code)]

use bytes::BytesMut;
use pacsys_dpm_proto::{EncodeError, Reply, Request};
use serde_json::{Map, Value};

/// The outcome of checking a set of cases.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases that passed.
    pub passed: usize,
    /// One line per failed case.
    pub failures: Vec<String>,
}

impl Report {
    /// Number of failed cases.
    pub fn failed(&self) -> usize {
        self.failures.len()
    }
}

/// Reads a vectors file and checks every case.
pub fn check_file(path: &str) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let cases: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| format!("{path} is not a JSON array: {e}"))?;
    Ok(check_cases(&cases))
}

/// Checks every case.
pub fn check_cases(cases: &[Value]) -> Report {
    let mut report = Report::default();
    for (i, case) in cases.iter().enumerate() {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("#{i}"));
        match check_case(case) {
            Ok(()) => report.passed += 1,
            Err(why) => report.failures.push(format!("FAIL {name}: {why}")),
        }
    }
    report
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Request,
    Reply,
}

/// Either direction's message.
#[derive(Debug)]
enum Msg {
    Request(Request),
    Reply(Reply),
}

impl Msg {
    fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut buf = BytesMut::new();
        match self {
            Msg::Request(m) => m.encode(&mut buf)?,
            Msg::Reply(m) => m.encode(&mut buf)?,
        }
        Ok(buf.to_vec())
    }

    fn name(&self) -> &'static str {
        match self {
            Msg::Request(m) => m.name(),
            Msg::Reply(m) => m.name(),
        }
    }

    /// The `fields` object of this message in the vectors' JSON form.
    fn fields(&self) -> Result<Value, String> {
        let tagged = match self {
            Msg::Request(m) => serde_json::to_value(m),
            Msg::Reply(m) => serde_json::to_value(m),
        }
        .map_err(|e| format!("cannot serialise decoded message: {e}"))?;
        match tagged {
            Value::Object(map) if map.len() == 1 => map
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .ok_or_else(|| "empty tagged object".to_owned()),
            other => Err(format!("unexpected serialised form {other}")),
        }
    }
}

fn decode(kind: Kind, bytes: &[u8]) -> Result<Msg, String> {
    match kind {
        Kind::Request => Request::decode(bytes).map(Msg::Request),
        Kind::Reply => Reply::decode(bytes).map(Msg::Reply),
    }
    .map_err(|e| e.to_string())
}

/// Builds a message from the case's `message` name and `fields`.
fn from_fields(kind: Kind, message: &str, fields: &Value) -> Result<Msg, String> {
    let mut tagged = Map::new();
    tagged.insert(message.to_owned(), fields.clone());
    let tagged = Value::Object(tagged);
    match kind {
        Kind::Request => serde_json::from_value(tagged).map(Msg::Request),
        Kind::Reply => serde_json::from_value(tagged).map(Msg::Reply),
    }
    .map_err(|e| e.to_string())
}

fn str_field<'a>(case: &'a Value, key: &str) -> Result<&'a str, String> {
    case.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("case has no string `{key}`"))
}

fn check_case(case: &Value) -> Result<(), String> {
    let kind = match str_field(case, "kind")? {
        "request" => Kind::Request,
        "reply" => Kind::Reply,
        other => return Err(format!("unknown kind {other:?}")),
    };
    let is_error = case.get("error").and_then(Value::as_bool).unwrap_or(false);
    let decode_only = case
        .get("decode_only")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    if is_error {
        return match str_field(case, "direction")? {
            "decode" => {
                let bytes = hex_decode(str_field(case, "hex")?)?;
                match decode(kind, &bytes) {
                    Ok(m) => Err(format!("decoded {m:?}, expected an error")),
                    Err(_) => Ok(()),
                }
            }
            "encode" => {
                let message = str_field(case, "message")?;
                let fields = case.get("fields").ok_or("case has no `fields`")?;
                match from_fields(kind, message, fields) {
                    // The Rust field types carry the declared widths: a value outside
                    // int16/int32 cannot be represented, so it is refused right here.
                    Err(e) if e.contains("invalid value: integer") => Ok(()),
                    Err(e) => Err(format!("fields rejected for an unexpected reason: {e}")),
                    Ok(m) => match m.encode() {
                        Err(_) => Ok(()),
                        Ok(b) => Err(format!("encoded to {}, expected an error", hex_encode(&b))),
                    },
                }
            }
            other => Err(format!("unknown direction {other:?}")),
        };
    }

    let message = str_field(case, "message")?;
    let fields = case.get("fields").ok_or("case has no `fields`")?;
    let hex = str_field(case, "hex")?;
    let input = hex_decode(hex)?;
    let canonical = if decode_only {
        hex_decode(str_field(case, "canonical_hex")?)?
    } else {
        input.clone()
    };

    // Encode: fields -> exact bytes.
    let built = from_fields(kind, message, fields).map_err(|e| format!("fields: {e}"))?;
    let encoded = built.encode().map_err(|e| format!("encode failed: {e}"))?;
    if encoded != canonical {
        return Err(format!(
            "encoded {} but expected {}",
            hex_encode(&encoded),
            hex_encode(&canonical)
        ));
    }

    // Decode: bytes -> the same fields.
    let decoded = decode(kind, &input).map_err(|e| format!("decode failed: {e}"))?;
    if decoded.name() != message {
        return Err(format!(
            "decoded as {} instead of {message}",
            decoded.name()
        ));
    }
    json_eq(&decoded.fields()?, fields, "fields")?;

    // Bit-exactness beyond JSON (NaN payloads): the decoded message re-encodes canonically.
    let again = decoded
        .encode()
        .map_err(|e| format!("re-encode failed: {e}"))?;
    if again != canonical {
        return Err(format!(
            "decoded message re-encodes to {} instead of {}",
            hex_encode(&again),
            hex_encode(&canonical)
        ));
    }
    Ok(())
}

/// Field-by-field comparison: same keys, integers exactly, doubles bit for bit.
fn json_eq(got: &Value, want: &Value, path: &str) -> Result<(), String> {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for k in w.keys() {
                if !g.contains_key(k) {
                    return Err(format!("{path}.{k}: missing after decode"));
                }
            }
            for (k, gv) in g {
                let wv = w
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: present after decode but not expected"))?;
                json_eq(gv, wv, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                return Err(format!(
                    "{path}: {} elements, expected {}",
                    g.len(),
                    w.len()
                ));
            }
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                json_eq(gv, wv, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(g), Value::Number(w)) => {
            let same = match (g.as_i64(), w.as_i64(), g.as_u64(), w.as_u64()) {
                (Some(a), Some(b), _, _) => a == b,
                (_, _, Some(a), Some(b)) => a == b,
                _ => match (g.as_f64(), w.as_f64()) {
                    (Some(a), Some(b)) => a.to_bits() == b.to_bits(),
                    _ => false,
                },
            };
            if same {
                Ok(())
            } else {
                Err(format!("{path}: got {g}, expected {w}"))
            }
        }
        (g, w) if g == w => Ok(()),
        (g, w) => Err(format!("{path}: got {g}, expected {w}")),
    }
}

/// Lowercase hex of bytes.
pub fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Bytes from hex (case-insensitive).
pub fn hex_decode(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd-length hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("bad hex at {i}"))
        })
        .collect()
}
