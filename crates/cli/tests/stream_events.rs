//! Stream events on stdout: `monitor --format json` against a DPM server that is killed and
//! restarted on the same port gives one `disconnected` and one `reconnected` JSON line, and
//! stderr one line for each (no library log line repeating them).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Guard, LIMIT, drain, pacsys, sim_at};

/// Waits for the next stdout line whose `event` is `want`, returning every line read.
fn until_event(rx: &mpsc::Receiver<String>, want: &str, seen: &mut Vec<serde_json::Value>) {
    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {want:?} line; got {seen:?}"));
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        let done = v["event"] == want;
        seen.push(v);
        if done {
            return;
        }
    }
}

#[test]
fn monitor_json_reports_a_dpm_restart_as_disconnected_and_reconnected_lines() {
    let sim = sim_at("0", &[]);
    let port = sim.dpm.clone();
    let mut child = Guard(
        pacsys(&[
            "-H",
            "127.0.0.1",
            "-P",
            &port,
            "monitor",
            "M:OUTTMP@p,100",
            "--format",
            "json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn monitor"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let err = drain(child.0.stderr.take().expect("stderr"));
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    until_event(&rx, "reading", &mut seen);
    // Kill the DPM server (and reap it), then start another on the same port.
    drop(sim);
    until_event(&rx, "disconnected", &mut seen);
    let restarted = sim_at(&port, &[]);
    until_event(&rx, "reconnected", &mut seen);
    until_event(&rx, "reading", &mut seen);
    let pid = child.0.id().to_string();
    let stopped = Command::new("kill").args(["-INT", &pid]).status();
    assert!(stopped.is_ok_and(|s| s.success()));
    let deadline = Instant::now() + LIMIT;
    let code = loop {
        match child.0.try_wait() {
            Ok(Some(s)) => break s.code(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => panic!("monitor did not stop on SIGINT"),
        }
    };
    drop(restarted);
    assert_eq!(code, Some(130));
    // Lines printed after the last one waited for.
    seen.extend(rx.try_iter().filter_map(|l| serde_json::from_str(&l).ok()));
    let stderr = err.recv_timeout(LIMIT).unwrap_or_default();

    let of = |kind: &str| -> Vec<&serde_json::Value> {
        seen.iter().filter(|v| v["event"] == kind).collect()
    };
    let (down, up) = (of("disconnected"), of("reconnected"));
    assert!(!down.is_empty() && !up.is_empty(), "{seen:?}");
    for d in &down {
        assert!(d["reason"].as_str().is_some_and(|r| !r.is_empty()), "{d}");
        assert!(d["received"].as_str().is_some(), "{d}");
    }
    for u in &up {
        assert!(u["duration_s"].as_f64().is_some_and(|s| s >= 0.0), "{u}");
    }
    assert!(
        of("reading").iter().all(|r| r["drf"] == "M:OUTTMP@p,100"),
        "{seen:?}"
    );
    // stderr: one line per event, and no library log line repeating it.
    let lines: Vec<&str> = stderr.lines().collect();
    let count = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("pacsys: disconnected: "), down.len(), "{stderr}");
    assert_eq!(count("pacsys: reconnected after"), up.len(), "{stderr}");
    assert!(
        !stderr.contains("WARN") && !stderr.contains("ERROR"),
        "a library log line: {stderr}"
    );
}
