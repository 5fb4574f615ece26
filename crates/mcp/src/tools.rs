//! The tools: names, descriptions an assistant can act on, JSON schemas, and the typed
//! arguments they are parsed into (unknown or mistyped arguments are JSON-RPC errors).

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde::Deserialize;
use serde_json::json;

use crate::config::Limits;

/// The longest DRF the gate accepts (pacsys-supervised's bound).
pub const MAX_DRF_LEN: usize = 512;

/// `read_device`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadDevice {
    /// The DRF.
    pub drf: String,
}

/// `read_many`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadMany {
    /// The DRFs.
    pub drfs: Vec<String>,
}

/// `device_info`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    /// The device name.
    pub name: String,
}

/// `read_history`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadHistory {
    /// The DRF (no event, no `<-` source).
    pub drf: String,
    /// Start of the window.
    pub start: String,
    /// End of the window (default now).
    #[serde(default)]
    pub end: Option<String>,
    /// Most points to return.
    #[serde(default)]
    pub max_points: Option<usize>,
}

/// `watch`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// The DRF (`@p,1000` when it has no event).
    pub drf: String,
    /// How long, in seconds.
    pub seconds: f64,
}

/// A setting value: a number, text, or an array of either.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SettingValue {
    /// A number.
    Number(f64),
    /// Text (or a control command: on, off, reset, ...).
    Text(String),
    /// Numbers.
    Numbers(Vec<f64>),
    /// Texts.
    Texts(Vec<String>),
}

impl SettingValue {
    /// The value to write.
    pub fn into_value(self) -> pacsys::Value {
        match self {
            SettingValue::Number(x) => pacsys::Value::Scalar(x),
            SettingValue::Text(s) => pacsys::Value::Text(s),
            SettingValue::Numbers(xs) => pacsys::Value::Array(xs),
            SettingValue::Texts(xs) => pacsys::Value::TextArray(xs),
        }
    }
}

/// `write_device`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteDevice {
    /// The DRF.
    pub drf: String,
    /// The value.
    pub value: SettingValue,
}

fn schema(v: serde_json::Value) -> Arc<JsonObject> {
    match v {
        serde_json::Value::Object(o) => Arc::new(o),
        _ => Arc::new(JsonObject::new()),
    }
}

fn drf_schema(what: &str) -> serde_json::Value {
    json!({ "type": "string", "minLength": 1, "maxLength": MAX_DRF_LEN, "description": what })
}

fn tool(
    name: &'static str,
    title: &str,
    description: String,
    input: serde_json::Value,
    read_only: bool,
) -> Tool {
    let mut t = Tool::new(name, description, schema(input));
    t.title = Some(title.to_owned());
    let mut a = ToolAnnotations::default();
    a.read_only_hint = Some(read_only);
    a.destructive_hint = Some(!read_only);
    a.idempotent_hint = Some(read_only);
    a.open_world_hint = Some(true);
    t.annotations = Some(a);
    t
}

/// Every tool, with its schema (bounds from `limits`).
pub fn all(limits: &Limits, writes_enabled: bool) -> Vec<Tool> {
    let drf_help = "A DRF (data request) such as M:OUTTMP, M:OUTTMP.SETTING, Z:ACLTST[0:4] or \
                    M:OUTTMP@p,1000: device name, optional .PROPERTY, [range], @event. Use \
                    device names; index aliases (0:1234), #directives and <-REDIR/<-MIRROR \
                    are refused.";
    vec![
        tool(
            "read_device",
            "Read one device",
            format!(
                "Read one ACNET device once. Returns value, units, timestamp (RFC 3339 UTC) and \
                 the ACNET status; a failure returns ok=false with an error object (kind: \
                 device, timeout, denied, ...). {drf_help}"
            ),
            json!({
                "type": "object",
                "properties": { "drf": drf_schema("The device to read, e.g. M:OUTTMP") },
                "required": ["drf"],
                "additionalProperties": false,
            }),
            true,
        ),
        tool(
            "read_many",
            "Read several devices",
            format!(
                "Read up to {} devices once, in one request. Returns one result per DRF, in \
                 order, each like read_device's (one failing device does not fail the others).",
                limits.max_drfs
            ),
            json!({
                "type": "object",
                "properties": {
                    "drfs": {
                        "type": "array",
                        "items": drf_schema("A DRF"),
                        "minItems": 1,
                        "maxItems": limits.max_drfs,
                    }
                },
                "required": ["drfs"],
                "additionalProperties": false,
            }),
            true,
        ),
        tool(
            "device_info",
            "Describe a device",
            "What the servers tell about a device: its description, the units of its reading \
             and setting, and which properties answer (READING, SETTING, STATUS, ANALOG and \
             DIGITAL alarms). Use it before reading or writing an unfamiliar device."
                .to_owned(),
            json!({
                "type": "object",
                "properties": { "name": drf_schema("The device name, e.g. M:OUTTMP") },
                "required": ["name"],
                "additionalProperties": false,
            }),
            true,
        ),
        tool(
            "read_history",
            "Read logged history",
            format!(
                "Logged data of one device between two times, summarised: count, min, max, \
                 mean, std, first and last sample, and at most max_points evenly spaced \
                 points (default and limit {}). Times: now, relative (-1h, -10m, -2d), RFC \
                 3339 (2026-11-23T06:00:00Z) or epoch milliseconds. The DRF has no @event \
                 and no <- source.",
                limits.max_points
            ),
            json!({
                "type": "object",
                "properties": {
                    "drf": drf_schema("The device, e.g. M:OUTTMP"),
                    "start": { "type": "string", "maxLength": 64, "description": "Start of the window, e.g. -1h" },
                    "end": { "type": "string", "maxLength": 64, "description": "End of the window (default now)" },
                    "max_points": { "type": "integer", "minimum": 2, "maximum": limits.max_points, "description": "Most points to return" },
                },
                "required": ["drf", "start"],
                "additionalProperties": false,
            }),
            true,
        ),
        tool(
            "watch",
            "Watch a device for a while",
            format!(
                "Subscribe to one device for a few seconds (at most {} s; longer requests are \
                 shortened) and summarise: readings and rate, statistics, the last values, \
                 the longest silence, errors, gaps and dropped readings. A DRF without an \
                 event is watched at @p,1000 (once a second); add one such as \
                 M:OUTTMP@p,100 for 10 Hz.",
                limits.max_watch_secs
            ),
            json!({
                "type": "object",
                "properties": {
                    "drf": drf_schema("The device, e.g. M:OUTTMP@p,500"),
                    "seconds": { "type": "number", "exclusiveMinimum": 0, "description": "How long to watch" },
                },
                "required": ["drf", "seconds"],
                "additionalProperties": false,
            }),
            true,
        ),
        tool(
            "write_device",
            "Write a setting",
            format!(
                "Write a setting to a device (a number, text, a control command such as \
                 on/off/reset, or an array). {} Every setting is checked by the server's \
                 policies (allowed devices, value ranges, rate limits) and audited before it \
                 is sent; a refusal returns ok=false with the policy and its reason. Read \
                 the device back to confirm.",
                if writes_enabled {
                    "Writes are enabled on this server, for the devices its policies allow."
                } else {
                    "Writes are DISABLED on this server: every write is refused."
                }
            ),
            json!({
                "type": "object",
                "properties": {
                    "drf": drf_schema("The device, e.g. G:AMANDA (written as its SETTING)"),
                    "value": {
                        "description": "The value",
                        "anyOf": [
                            { "type": "number" },
                            { "type": "string", "maxLength": 4096 },
                            { "type": "array", "items": { "type": "number" }, "maxItems": 65536 },
                            { "type": "array", "items": { "type": "string", "maxLength": 4096 }, "maxItems": 4096 },
                        ],
                    },
                },
                "required": ["drf", "value"],
                "additionalProperties": false,
            }),
            false,
        ),
    ]
}
