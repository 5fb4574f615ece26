//! Conformance checker for the DRF3 golden vectors (shared by the `drf_conformance`
//! example and the `conformance` test).
//!
//! Every case is checked under the project rule: an input holding a non-ASCII character
//! must fail with `non_ascii`; every other case must match every key of the vector.

use std::io::Write;
use std::path::Path;

use pacsys_drf::{Event, Range, Request};
use serde_json::{Value, json};

/// Largest integer the vectors write as a JSON number.
const MAX_SAFE: u128 = (1 << 53) - 1;

/// Checks every case of the corpus file at `path`, writing one line per mismatch to `out`
/// and then the line `N passed, M failed`. Returns `(passed, failed)`.
pub fn run(path: &Path, out: &mut dyn Write) -> Result<(usize, usize), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let (mut passed, mut failed) = (0usize, 0usize);
    for (index, case) in cases.iter().enumerate() {
        let mismatches = check_case(case);
        if mismatches.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            let input = case.get("input").cloned().unwrap_or(Value::Null);
            for (key, expected, got) in mismatches {
                writeln!(
                    out,
                    "#{index} input={input} key={key} expected={expected} got={got}"
                )
                .map_err(|e| e.to_string())?;
            }
        }
    }
    writeln!(out, "{passed} passed, {failed} failed").map_err(|e| e.to_string())?;
    Ok((passed, failed))
}

type Mismatch = (&'static str, Value, Value);

/// The mismatches of one case (empty when it passes).
pub fn check_case(case: &Value) -> Vec<Mismatch> {
    let mut bad = Vec::new();
    let Some(input) = case.get("input").and_then(Value::as_str) else {
        bad.push((
            "input",
            json!("a string"),
            case.get("input").cloned().unwrap_or(Value::Null),
        ));
        return bad;
    };
    let parsed = Request::parse(input);
    let non_ascii = !input.is_ascii();
    let expect_ok = case.get("ok").and_then(Value::as_bool).unwrap_or(false) && !non_ascii;
    if !expect_ok {
        let expected = if non_ascii {
            json!("non_ascii")
        } else {
            case.get("error").cloned().unwrap_or(Value::Null)
        };
        let got = match &parsed {
            Ok(r) => json!(format!("accepted as {r}")),
            Err(e) => json!(e.category()),
        };
        if got != expected {
            bad.push(("error", expected, got));
        }
        return bad;
    }
    let req = match parsed {
        Ok(r) => r,
        Err(e) => {
            bad.push((
                "error",
                Value::Null,
                json!(format!("{}: {e}", e.category())),
            ));
            return bad;
        }
    };
    let got: Vec<(&'static str, Value)> = vec![
        ("ok", json!(true)),
        ("canonical", json!(req.to_string())),
        ("device", json!(req.device())),
        ("property", json!(req.property().name())),
        ("field", json!(req.field().map(|f| f.name()))),
        ("range", req.range().map_or(Value::Null, range_json)),
        ("event", json!(req.event().text())),
        ("extra", json!(req.extra().map(|e| e.text()))),
        ("extra_name", json!(req.extra().map(|e| e.kind().name()))),
        ("error", Value::Null),
        (
            "for_write",
            json!(pacsys_drf::prepare_for_write(input).ok()),
        ),
        (
            "immediate",
            json!(
                pacsys_drf::ensure_immediate_event(input)
                    .ok()
                    .map(|c| c.into_owned())
            ),
        ),
        ("qualified", json!(req.qualified().ok())),
        ("acnet", json!(req.is_acnet())),
        (
            "epics_fields",
            req.epics_fields()
                .map_or(Value::Null, |(a, b)| json!([a, b])),
        ),
        ("event_info", event_info(&req.event())),
    ];
    for (key, got) in got {
        let expected = case.get(key).cloned().unwrap_or(Value::Null);
        if expected != got {
            bad.push((key, expected, got));
        }
    }
    bad
}

fn opt_u32(v: Option<u32>) -> Value {
    v.map_or(Value::Null, |n| json!(n))
}

fn range_json(r: Range) -> Value {
    match r {
        Range::Array(a) => json!({
            "kind": "array",
            "mode": a.mode().as_str(),
            "low": opt_u32(a.low()),
            "high": opt_u32(a.high()),
            "text": r.to_string(),
        }),
        Range::Byte(b) => json!({
            "kind": "byte",
            "mode": b.mode().as_str(),
            "offset": opt_u32(b.offset()),
            "length": opt_u32(b.length()),
            "text": r.to_string(),
        }),
    }
}

/// A big unsigned integer given as digits in `radix`, as the vectors write it: a JSON
/// number up to 2^53-1, else a decimal string.
fn big_number(digits: &str, radix: u32) -> Value {
    // Little-endian base-1e9 limbs.
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            return Value::Null;
        };
        let mut carry = u64::from(d);
        for limb in &mut limbs {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut text = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            text.push_str(&limb.to_string());
        } else {
            text.push_str(&format!("{limb:09}"));
        }
    }
    match text.parse::<u128>() {
        Ok(n) if n <= MAX_SAFE => json!(n as u64),
        _ => json!(text),
    }
}

fn event_info(e: &Event<'_>) -> Value {
    match e {
        Event::Default => json!({"mode": "U"}),
        Event::Immediate => json!({"mode": "I"}),
        Event::Never => json!({"mode": "N"}),
        Event::Periodic(p) => json!({
            "mode": if p.continuous() { "P" } else { "Q" },
            "continuous": p.continuous(),
            "immediate": p.immediate(),
            "period_ms": p.period_ms(),
        }),
        Event::Clock(c) => json!({
            "mode": "E",
            "event_number": big_number(c.number_hex(), 16),
            "clock_type": c.clock_type_text(),
            "delay_ms": c.delay_ms(),
        }),
        Event::State(s) => json!({
            "mode": "S",
            "device": s.device(),
            "value": big_number(s.value_text(), 10),
            "delay_ms": s.delay_ms(),
            "expression": s.op().as_str(),
        }),
    }
}
