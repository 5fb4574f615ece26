//! `pacsys mcp`: the built binary as an assistant launches it (stdio, JSON lines), against
//! its in-process simulator, and `--http`'s READY line and loopback rule. The tools
//! themselves are tested in crates/mcp; this checks the command's wiring (backend,
//! configuration file, audit log, exit codes). Every child is killed by a guard.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::thread;

mod common;
use common::*;

fn session(args: &[&str], requests: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let mut cmd = pacsys(args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Guard(cmd.spawn().expect("spawn pacsys mcp"));
    let mut stdin = child.0.stdin.take().expect("stdin");
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "e2e", "version": "1"}}});
    writeln!(stdin, "{init}").unwrap();
    let first: serde_json::Value = serde_json::from_str(&rx.recv_timeout(LIMIT).unwrap()).unwrap();
    assert_eq!(first["result"]["serverInfo"]["name"], "pacsys");
    writeln!(
        stdin,
        "{}",
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    )
    .unwrap();
    let mut out = Vec::new();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
        let line = rx.recv_timeout(LIMIT).unwrap();
        out.push(serde_json::from_str(&line).unwrap());
    }
    drop(stdin);
    // End of input ends the server, with exit 0.
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        match child.0.try_wait() {
            Ok(Some(status)) => {
                assert_eq!(status.code(), Some(0));
                break;
            }
            Ok(None) if std::time::Instant::now() < deadline => {
                thread::sleep(std::time::Duration::from_millis(10))
            }
            other => panic!("pacsys mcp did not end: {other:?}"),
        }
    }
    out
}

fn call(id: u64, tool: &str, args: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": args}})
}

#[test]
fn stdio_reads_and_refuses_writes_by_default() {
    let out = session(
        &["--sim", "mcp"],
        &[
            call(1, "read_device", serde_json::json!({"drf": "M:OUTTMP"})),
            call(
                2,
                "write_device",
                serde_json::json!({"drf": "G:AMANDA", "value": 1}),
            ),
        ],
    );
    assert_eq!(out[0]["result"]["structuredContent"]["value"], 72.5);
    assert_eq!(out[1]["result"]["isError"], true);
    assert_eq!(
        out[1]["result"]["structuredContent"]["policy"],
        "mcp-write-switch"
    );
}

#[test]
fn stdio_writes_as_the_configuration_allows_and_audits() {
    let dir = std::env::temp_dir().join(format!("pacsys-cli-mcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let audit = dir.join("audit.jsonl");
    let config = dir.join("mcp.toml");
    std::fs::write(
        &config,
        format!(
            "allow_writes = true\n[backend]\nkind = \"fake\"\n[audit]\npath = {audit:?}\n\
             [[policy]]\ntype = \"device_access\"\nmode = \"allow\"\naction = \"set\"\npatterns = [\"G:AMANDA\"]\n"
        ),
    )
    .unwrap();
    let config_arg = config.to_string_lossy().into_owned();
    let out = session(
        &["mcp", "--config", &config_arg],
        &[
            call(
                1,
                "write_device",
                serde_json::json!({"drf": "G:AMANDA", "value": 12.5}),
            ),
            call(2, "read_device", serde_json::json!({"drf": "G:AMANDA"})),
        ],
    );
    assert_eq!(out[0]["result"]["structuredContent"]["ok"], true, "{out:?}");
    assert_eq!(out[1]["result"]["structuredContent"]["value"], 12.5);
    let text = std::fs::read_to_string(&audit).unwrap();
    assert!(text.contains("\"decision\":\"allowed\""), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_configuration_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("pacsys-cli-mcp-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("mcp.toml");
    std::fs::write(&config, "allow_write = true\n").unwrap();
    let r = run(pacsys(&["mcp", "--config", &config.to_string_lossy()]));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("allow_write"), "{r:?}");
    let r = run(pacsys(&["--sim", "mcp", "--http", "0.0.0.0:0"]));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("allow_plaintext_remote"), "{r:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn http_prints_its_url_once_listening() {
    let mut cmd = pacsys(&["--sim", "mcp", "--http", "127.0.0.1:0"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Guard(cmd.spawn().expect("spawn pacsys mcp --http"));
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(LIMIT).unwrap();
    let url = line.trim().strip_prefix("READY http=").unwrap_or_default();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{line:?}"
    );
}
