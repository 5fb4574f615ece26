//! Readings, statuses and errors as the JSON the tools return. The error object has the
//! fields of the CLI's `--format json` (`kind`, `facility`, `code`, `name`, `message`,
//! `role`, `transport`, `server`), read from the one `pacsys::Error` (its kind is never
//! re-derived from a message).

use pacsys::{Error, Reading, Status, Value};
use pacsys_supervised::DENIED_STATUS;
use serde_json::{Value as Json, json};

use crate::times::rfc3339;

/// A value as JSON: numbers (non-finite ones as `"NaN"`, `"Infinity"`, `"-Infinity"`),
/// arrays of numbers, text, arrays of text, raw bytes as `{"raw": "<hex>"}` (the audit
/// log's forms), and other kinds (alarm blocks, basic status) as their text.
///
/// ```
/// use pacsys::Value;
/// assert_eq!(pacsys_mcp::render::value_json(&Value::Scalar(72.5)), serde_json::json!(72.5));
/// ```
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Scalar(_)
        | Value::Array(_)
        | Value::Text(_)
        | Value::TextArray(_)
        | Value::Raw(_) => pacsys_supervised::audit::value_json(v),
        other => other.to_string().into(),
    }
}

/// A status as `{"facility", "code", "name", "message"}`.
pub fn status_json(s: Status) -> Json {
    json!({
        "facility": s.facility(),
        "code": s.error(),
        "name": s.name(),
        "message": s.message(),
    })
}

/// An error as `{"kind", "facility", "code", "name", "message", "role", "transport",
/// "server"}` (the status fields `null` and `name` the kind in upper case when the error
/// carries no ACNET status).
///
/// ```
/// use pacsys::{Error, Status};
/// let j = pacsys_mcp::render::error_json(&Error::device("Z:NOPE", Status::DPM_NO_SUCH_DEVICE));
/// assert_eq!((j["kind"].as_str(), j["code"].as_i64()), (Some("device"), Some(-26)));
/// ```
pub fn error_json(e: &Error) -> Json {
    let mut j = match e.status() {
        Some(s) => json!({
            "facility": s.facility(),
            "code": s.error(),
            "name": s.name(),
            "message": s.message().map_or_else(|| e.to_string(), str::to_owned),
        }),
        None => json!({
            "facility": null,
            "code": null,
            "name": e.kind().name().to_ascii_uppercase(),
            "message": e.to_string(),
        }),
    };
    j["kind"] = json!(e.kind().name());
    j["role"] = json!(e.role());
    j["transport"] = json!(e.transport().map(|t| t.name()));
    j["server"] = json!(e.server());
    j
}

/// A slot a policy denied: kind `denied`, the DPM_PRIV status, the policy and its reason.
pub fn denied_json(policy: &str, reason: &str) -> Json {
    json!({
        "kind": "denied",
        "facility": DENIED_STATUS.facility(),
        "code": DENIED_STATUS.error(),
        "name": DENIED_STATUS.name(),
        "message": format!("Denied by {policy}: {reason}"),
        "policy": policy,
        "reason": reason,
    })
}

/// One read result: `{"drf", "ok": true, "value", "units", "timestamp", "status"}` or
/// `{"drf", "ok": false, "error": {...}}` (a reading with an error status is an error of
/// kind `device`).
pub fn read_result(drf: &str, result: &Result<Reading, Error>) -> Json {
    match result {
        Ok(r) if r.ok() && r.value.is_some() => {
            let mut j = json!({
                "drf": drf,
                "ok": true,
                "value": r.value.as_ref().map_or(Json::Null, value_json),
                "units": r.units(),
                "timestamp": r.timestamp.and_then(rfc3339),
                "status": status_json(r.status),
            });
            if let Some(meta) = r.meta.as_deref()
                && !meta.description.is_empty()
            {
                j["description"] = meta.description.clone().into();
            }
            j
        }
        Ok(r) => failed(drf, &Error::device(drf, r.status)),
        Err(e) => failed(drf, e),
    }
}

/// A failed read of `drf`.
pub fn failed(drf: &str, e: &Error) -> Json {
    json!({ "drf": drf, "ok": false, "error": error_json(e) })
}
