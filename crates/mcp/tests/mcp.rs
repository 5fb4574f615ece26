//! A real MCP conversation with rmcp's client, in process over a pipe (the stdio code path:
//! the same JSON-lines transport `pacsys mcp` runs on stdin/stdout), against the in-memory
//! FakeBackend: every tool, every refusal, the audit log, and every bad input (at the
//! JSON-RPC level and, for what a client library cannot send, as raw lines and raw HTTP).

use std::sync::Arc;
use std::time::Duration;

use pacsys_mcp::{McpConfig, McpServer};
use pacsys_testing::FakeBackend;
use rmcp::model::{CallToolRequestParams, CallToolResult, ErrorCode};
use rmcp::service::{RoleClient, RunningService};
use rmcp::{ServiceError, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Generous bound for anything to finish (never a timing assertion).
const BOUND: Duration = Duration::from_secs(60);

struct Session {
    client: RunningService<RoleClient, ()>,
    server: tokio::task::JoinHandle<Result<(), pacsys_mcp::McpError>>,
    backend: Arc<FakeBackend>,
}

async fn start(toml: &str) -> Session {
    let backend = Arc::new(FakeBackend::new());
    let config = McpConfig::from_toml(toml).unwrap();
    let server = McpServer::new(Arc::clone(&backend), &config).unwrap();
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    let (sr, sw) = tokio::io::split(server_io);
    let server = tokio::spawn(server.serve_io(sr, sw));
    let (cr, cw) = tokio::io::split(client_io);
    let client = tokio::time::timeout(BOUND, ().serve((cr, cw)))
        .await
        .unwrap()
        .unwrap();
    Session {
        client,
        server,
        backend,
    }
}

impl Session {
    async fn call(&self, tool: &str, args: Value) -> Result<CallToolResult, ServiceError> {
        let Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args);
        tokio::time::timeout(BOUND, self.client.call_tool(params))
            .await
            .unwrap()
    }

    async fn ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args).await.unwrap();
        assert_eq!(r.is_error, Some(false), "{tool}: {r:?}");
        r.structured_content.unwrap()
    }

    async fn refused(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{tool}: {r:?}");
        r.structured_content.unwrap()
    }

    async fn rpc_error(&self, tool: &str, args: Value) -> rmcp::model::ErrorData {
        match self.call(tool, args).await {
            Err(ServiceError::McpError(e)) => e,
            other => panic!("{tool}: expected a JSON-RPC error, got {other:?}"),
        }
    }

    async fn stop(self) {
        tokio::time::timeout(BOUND, self.client.cancel())
            .await
            .unwrap()
            .unwrap();
        tokio::time::timeout(BOUND, self.server)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pacsys-mcp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn audit_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn lists_the_tools_with_schemas() {
    let s = start("").await;
    let tools = s.client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "device_info",
            "read_device",
            "read_history",
            "read_many",
            "watch",
            "write_device"
        ]
    );
    for t in &tools {
        assert_eq!(
            t.input_schema.get("type"),
            Some(&json!("object")),
            "{}",
            t.name
        );
        assert!(t.input_schema.get("required").is_some(), "{}", t.name);
        assert!(t.description.as_deref().is_some_and(|d| d.len() > 40));
    }
    let write = tools.iter().find(|t| t.name == "write_device").unwrap();
    assert!(write.description.as_deref().unwrap().contains("DISABLED"));
    s.stop().await;
}

#[tokio::test]
async fn reads_describes_and_summarises() {
    let s = start("[limits]\nmax_watch_secs = 0.5\nmax_points = 50\n").await;
    let r = s.ok("read_device", json!({"drf": "M:OUTTMP"})).await;
    assert_eq!(r["value"], 72.5);
    assert_eq!(r["ok"], true);
    assert!(r["timestamp"].is_string());
    assert_eq!(r["status"]["code"], 0);

    // A device error is data: ok=false with the CLI's error kinds.
    let r = s.refused("read_device", json!({"drf": "Z:NOSUCH"})).await;
    assert_eq!(r["error"]["kind"], "device");
    assert_eq!(r["error"]["name"], "DPM_NO_SUCH_DEVICE");

    let r = s
        .ok(
            "read_many",
            json!({"drfs": ["M:OUTTMP", "G:AMANDA", "Z:NOSUCH", "Z:ACLTST[0:2]"]}),
        )
        .await;
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["value"], 72.5);
    assert_eq!(results[1]["value"], 42.0);
    assert_eq!(results[2]["ok"], false);
    assert_eq!(results[2]["error"]["kind"], "device");
    assert!(results[3]["value"].is_array());
    assert_eq!(r["failed"], 1);

    let r = s.ok("device_info", json!({"name": "m_outtmp"})).await;
    assert_eq!(r["name"], "M:OUTTMP");
    assert!(r["description"].is_string(), "{r}");
    let props = r["properties"].as_array().unwrap();
    assert!(props.contains(&json!("READING")), "{r}");

    let r = s
        .ok(
            "read_history",
            json!({"drf": "M:OUTTMP", "start": "-10m", "max_points": 5}),
        )
        .await;
    assert_eq!(r["ok"], true);
    let points = r["points"].as_array().unwrap();
    assert!(points.len() <= 5, "{r}");
    assert!(r["count"].as_u64().unwrap() >= points.len() as u64);
    if r["count"].as_u64().unwrap() > 0 {
        assert!(r["min"].as_f64().unwrap() <= r["max"].as_f64().unwrap());
        assert!(r["first"]["t"].is_string());
    }
    // Bounds of the arguments.
    let e = s
        .rpc_error(
            "read_history",
            json!({"drf": "M:OUTTMP", "start": "-10m", "max_points": 51}),
        )
        .await;
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
    let e = s
        .rpc_error(
            "read_history",
            json!({"drf": "M:OUTTMP", "start": "yesterday"}),
        )
        .await;
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
    let e = s
        .rpc_error(
            "read_history",
            json!({"drf": "M:OUTTMP<-LOGGER:1:2", "start": "-1h"}),
        )
        .await;
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);

    // watch: a short subscription, summarised; never longer than the configured maximum.
    let r = s
        .ok("watch", json!({"drf": "M:OUTTMP@p,100", "seconds": 3600}))
        .await;
    assert_eq!(r["limited_to_s"], 0.5, "{r}");
    assert!(r["elapsed_s"].as_f64().unwrap() < 30.0);
    assert!(r["readings"].as_u64().unwrap() >= 1, "{r}");
    assert!(r["last_values"].as_array().unwrap().len() <= 10);
    assert_eq!(r["stats"]["max"], 72.5);
    let r = s
        .ok("watch", json!({"drf": "M:OUTTMP", "seconds": 0.2}))
        .await;
    assert_eq!(
        r["drf"], "M:OUTTMP.READING@p,1000",
        "a DRF without an event gets @p,1000"
    );
    s.stop().await;
}

#[tokio::test]
async fn writes_are_refused_by_default() {
    let s = start("").await;
    let r = s
        .refused("write_device", json!({"drf": "G:AMANDA", "value": 12.5}))
        .await;
    assert_eq!(r["decision"], "denied");
    assert_eq!(r["policy"], "mcp-write-switch");
    assert!(r["reason"].as_str().unwrap().contains("allow_writes"));
    assert!(!s.backend.was_written("G:AMANDA"));
    // The switch alone approves nothing: a policy must approve the device.
    let s2 = start("allow_writes = true").await;
    let r = s2
        .refused("write_device", json!({"drf": "G:AMANDA", "value": 12.5}))
        .await;
    assert_eq!(r["policy"], "default-deny");
    assert!(!s2.backend.was_written("G:AMANDA"));
    s.stop().await;
    s2.stop().await;
}

#[tokio::test]
async fn writes_go_through_the_policies_and_the_audit_log() {
    let dir = temp("policies");
    let audit = dir.join("audit.jsonl");
    let toml = format!(
        r#"
allow_writes = true
[audit]
path = {audit:?}
[[policy]]
type = "device_access"
mode = "allow"
action = "set"
patterns = ["G:AMANDA"]
[[policy]]
type = "value_range"
limits = [{{ pattern = "G:AMANDA", min = 0.0, max = 100.0 }}]
[[policy]]
type = "rate_limit"
max_requests = 4
window_seconds = 3600
action = "set"
"#
    );
    let s = start(&toml).await;
    let r = s
        .ok("write_device", json!({"drf": "g_amanda", "value": 12.5}))
        .await;
    assert_eq!(r["ok"], true);
    assert_eq!(
        r["written"], "G:AMANDA.SETTING@N",
        "the canonical DRF is sent"
    );
    // The audit record of an approved write is on disk before the tool answers.
    let lines = audit_lines(&audit);
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "decision" && l["decision"] == "allowed"),
        "{lines:?}"
    );
    let r = s.ok("read_device", json!({"drf": "G:AMANDA"})).await;
    assert_eq!(r["value"], 12.5);

    let r = s
        .refused("write_device", json!({"drf": "G:AMANDA", "value": 1000}))
        .await;
    assert!(r["reason"].as_str().unwrap().contains("100"), "{r}");
    let r = s
        .refused("write_device", json!({"drf": "M:OUTTMP", "value": 1}))
        .await;
    assert_eq!(r["policy"], "default-deny");
    assert!(r["reason"].as_str().unwrap().contains("M:OUTTMP"));
    // NaN never reaches a policy: serde_json cannot even carry it, so a text value "NaN"
    // is text, refused by the range policy as non-numeric.
    let r = s
        .refused("write_device", json!({"drf": "G:AMANDA", "value": "NaN"}))
        .await;
    assert_eq!(r["decision"], "denied");
    // The rate limit (4 per hour, every decision counts): the fifth is refused.
    let r = s
        .refused("write_device", json!({"drf": "G:AMANDA", "value": 13.0}))
        .await;
    assert_eq!(r["policy"], "RateLimit", "{r}");
    assert_eq!(
        s.backend.written_value("G:AMANDA"),
        Some(pacsys::Value::Scalar(12.5)),
        "only the approved write reached the backend"
    );
    s.stop().await;

    let lines = audit_lines(&audit);
    let sets: Vec<&Value> = lines
        .iter()
        .filter(|l| l["rpc"] == "Set" && l["event"] == "decision")
        .collect();
    assert_eq!(sets.len(), 5, "{sets:?}");
    let decisions: Vec<&str> = sets
        .iter()
        .map(|l| l["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        ["allowed", "denied", "denied", "denied", "denied"]
    );
    assert_eq!(sets[0]["values"], json!([12.5]));
    assert_eq!(sets[1]["values"], json!([1000.0]));
    assert_eq!(sets[2]["drfs"], json!(["M:OUTTMP"]));
    assert!(sets.iter().all(|l| l["peer"] == "mcp-stdio"));
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "result" && l["rpc"] == "Set" && l["result"] == "OK")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_arguments_are_json_rpc_errors_and_the_server_keeps_serving() {
    let s = start("allow_writes = true").await;
    let e = s.rpc_error("no_such_tool", json!({})).await;
    assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
    for (tool, args) in [
        ("read_device", json!({"drf": 5})),
        ("read_device", json!({})),
        ("read_device", json!({"drf": "M:OUTTMP", "extra": 1})),
        ("read_many", json!({"drfs": "M:OUTTMP"})),
        ("read_many", json!({"drfs": []})),
        ("watch", json!({"drf": "M:OUTTMP", "seconds": "ten"})),
        ("watch", json!({"drf": "M:OUTTMP", "seconds": -1})),
        (
            "write_device",
            json!({"drf": "G:AMANDA", "value": {"x": 1}}),
        ),
        ("write_device", json!({"drf": "G:AMANDA", "value": true})),
        ("write_device", json!({"drf": "G:AMANDA"})),
    ] {
        let e = s.rpc_error(tool, args.clone()).await;
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{tool} {args}");
    }
    // Oversized argument lists are refused by count.
    let many: Vec<String> = (0..101).map(|i| format!("Z:BENCH{i:04}")).collect();
    let e = s.rpc_error("read_many", json!({"drfs": many})).await;
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
    // DRFs the proxy's gate refuses, for every tool that takes one.
    for drf in [
        "0:1234",
        "0_1234",
        "#ROLE:admin",
        "M:OUTTMP<-REDIR:X",
        "M:OUTTMP<-MIRROR:X",
        "M:ÖUTTMP",
        " M:OUTTMP",
        "",
        &"A".repeat(600),
    ] {
        for (tool, args) in [
            ("read_device", json!({"drf": drf})),
            ("read_many", json!({"drfs": ["M:OUTTMP", drf]})),
            ("device_info", json!({"name": drf})),
            ("watch", json!({"drf": drf, "seconds": 0.1})),
            ("read_history", json!({"drf": drf, "start": "-1m"})),
            ("write_device", json!({"drf": drf, "value": 1.0})),
        ] {
            let e = s.rpc_error(tool, args).await;
            assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{tool} {drf:?}");
            assert!(
                e.message.contains("Malformed or disallowed DRF"),
                "{tool} {drf:?}: {}",
                e.message
            );
        }
    }
    assert!(s.backend.writes().is_empty());
    // Still serving.
    let r = s.ok("read_device", json!({"drf": "M:OUTTMP"})).await;
    assert_eq!(r["value"], 72.5);
    s.stop().await;
}

/// Raw JSON lines: what a client library would never send.
#[tokio::test]
async fn raw_lines_malformed_oversized_and_unknown_methods() {
    let backend = Arc::new(FakeBackend::new());
    let config = McpConfig::from_toml("[limits]\nmax_request_bytes = 4096\n").unwrap();
    let server = McpServer::new(backend, &config).unwrap();
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    let (sr, sw) = tokio::io::split(server_io);
    let task = tokio::spawn(server.serve_io(sr, sw));
    let (cr, mut cw) = tokio::io::split(client_io);
    let mut lines = BufReader::new(cr).lines();
    let mut next = async || -> Value {
        let line = tokio::time::timeout(BOUND, lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    cw.write_all(format!("{init}\n").as_bytes()).await.unwrap();
    assert_eq!(next().await["id"], 1);
    cw.write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .await
        .unwrap();

    // Not JSON.
    cw.write_all(b"{this is not json\n").await.unwrap();
    let e = next().await;
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // JSON, not a JSON-RPC message.
    cw.write_all(b"[1, 2, 3]\n").await.unwrap();
    assert_eq!(next().await["error"]["code"], -32600);
    // Oversized: 100 KiB in one line, in pieces, never buffered whole.
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{{"name":"read_device","arguments":{{"drf":"{}"}}}}}}"#,
        "A".repeat(100 * 1024)
    );
    for chunk in big.as_bytes().chunks(8192) {
        cw.write_all(chunk).await.unwrap();
    }
    cw.write_all(b"\n").await.unwrap();
    let e = next().await;
    assert_eq!(e["error"]["code"], -32600, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("4096"));
    // An unknown method.
    cw.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"devices/erase\"}\n")
        .await
        .unwrap();
    let e = next().await;
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (json!(3), json!(-32601))
    );
    // Still serving.
    cw.write_all(
        b"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"read_device\",\"arguments\":{\"drf\":\"M:OUTTMP\"}}}\n",
    )
    .await
    .unwrap();
    let r = next().await;
    assert_eq!(r["id"], 4);
    assert_eq!(r["result"]["structuredContent"]["value"], 72.5);
    // End of input ends the session.
    cw.shutdown().await.unwrap();
    drop(lines);
    tokio::time::timeout(BOUND, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

async fn http(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    (status, text)
}

fn post(addr: std::net::SocketAddr, body: &str) -> Vec<u8> {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn streamable_http_bounds_and_errors() {
    let backend = Arc::new(FakeBackend::new());
    let config = McpConfig::from_toml("[limits]\nmax_request_bytes = 4096\n").unwrap();
    let server = McpServer::new(backend, &config).unwrap();
    // Loopback only unless the operator opts in.
    assert!(
        server
            .clone()
            .serve_http("0.0.0.0:0".parse().unwrap(), false)
            .await
            .is_err()
    );
    let running = server
        .serve_http("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let addr = running.addr();

    let (status, text) = http(addr, &post(addr, "{not json")).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("-32700"), "{text}");

    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(10_000));
    let (status, text) = http(addr, &post(addr, &big)).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("-32600"), "{text}");
    // A body that claims a huge length but is cut short is refused as well.
    let lie = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n{{}}"
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(lie.as_bytes()).await.unwrap();
    stream.write_all(&vec![b' '; 8192]).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&out).contains(" 413 "));

    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let (status, text) = http(addr, &post(addr, init)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"serverInfo\""), "{text}");
    tokio::time::timeout(BOUND, running.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn read_policies_deny_their_slots_only() {
    let s = start(
        "[[policy]]\ntype = \"device_access\"\nmode = \"deny\"\naction = \"read\"\npatterns = [\"G:*\"]\n",
    )
    .await;
    // Spelling cannot dodge the pattern: the canonical name is judged.
    let r = s.refused("read_device", json!({"drf": "g_amanda"})).await;
    assert_eq!(r["reason"], "Device G:AMANDA is denied", "{r}");
    let r = s
        .ok("read_many", json!({"drfs": ["M:OUTTMP", "G|AMANDA"]}))
        .await;
    assert_eq!(r["results"][0]["value"], 72.5);
    assert_eq!(r["results"][1]["error"]["kind"], "denied");
    assert_eq!(r["results"][1]["error"]["name"], "DPM_PRIV");
    let r = s
        .refused("watch", json!({"drf": "G:AMANDA@p,100", "seconds": 0.1}))
        .await;
    assert_eq!(r["decision"], "denied");
    let r = s.refused("device_info", json!({"name": "G:AMANDA"})).await;
    assert_eq!(r["decision"], "denied");
    assert!(!s.backend.was_read("G:AMANDA"));
    // An unknown device: every property fails, none is present.
    let r = s.refused("device_info", json!({"name": "Z:NOSUCH"})).await;
    assert_eq!(r["properties"], json!([]));
    s.stop().await;
}
