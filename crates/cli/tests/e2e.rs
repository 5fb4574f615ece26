//! End-to-end tests: the built `pacsys` binary against `pacsys sim` (a separate process)
//! and against its own in-process simulator (`--sim`), over real TCP on 127.0.0.1.
//!
//! Every child process is killed by a guard when the test ends, and every wait is bounded.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

mod common;
use common::*;

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[test]
fn get_against_pacsys_sim_in_every_format() {
    let sim = sim();
    let base = ["--host", "127.0.0.1", "--port", &sim.dpm];
    // Text: request order, units, failure line, exit 1 because one DRF failed.
    let mut args = base.to_vec();
    args.extend(["get", "M:OUTTMP", "Z:NOPE", "Z:ACLTST[0:3]"]);
    let r = run(pacsys(&args));
    assert_eq!(r.code, Some(1), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{r:?}");
    assert!(lines[0].starts_with("M:OUTTMP  72.5 DegF  20"), "{r:?}");
    assert!(lines[1].starts_with("Z:NOPE "), "{r:?}");
    assert!(lines[1].contains("[ERROR] DPM_NO_SUCH_DEVICE"), "{r:?}");
    assert!(
        lines[2].starts_with("Z:ACLTST[0:3]  0 0.5 1 1.5 mm"),
        "{r:?}"
    );

    // JSON: one object per DRF, the documented shape; options after the subcommand.
    let r = run(pacsys(&[
        "get",
        "M:OUTTMP",
        "Z:RAWDEV",
        "Z:TXTARR",
        "Z:NOPE",
        "M:OUTTMP.STATUS",
        "--format",
        "json",
        "--host",
        "127.0.0.1",
        "--port",
        &sim.dpm,
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    let objs = json_lines(&r.stdout);
    assert_eq!(objs.len(), 5);
    assert_eq!(objs[0]["drf"], "M:OUTTMP");
    assert_eq!(objs[0]["value"], 72.5);
    assert_eq!(objs[0]["units"], "DegF");
    assert!(
        objs[0]["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(objs[0]["status"]["code"], 0);
    assert_eq!(objs[1]["value"], "3q2+7wAB"); // raw bytes in base64
    assert_eq!(
        objs[2]["value"],
        serde_json::json!(["alpha", "beta", "gamma"])
    );
    assert_eq!(objs[3]["error"]["facility"], 17);
    assert_eq!(objs[3]["error"]["code"], -26);
    assert_eq!(objs[3]["error"]["name"], "DPM_NO_SUCH_DEVICE");
    assert!(objs[3].get("value").is_none());
    assert_eq!(objs[4]["value"]["on"], true);

    // CSV with metadata, over gRPC.
    let r = ok(&[
        "-b",
        "grpc",
        "--host",
        "127.0.0.1",
        "--port",
        &sim.grpc,
        "get",
        "G:AMANDA",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "drf,value,units,timestamp,status,error");
    assert!(lines[1].starts_with("G:AMANDA,42,"), "{r:?}");
    assert!(lines[1].ends_with(",OK,"), "{r:?}");
}

#[test]
fn environment_variables_choose_the_server() {
    let sim = sim();
    let mut c = pacsys(&["get", "G:AMANDA"]);
    c.env("PACSYS_DPM_HOST", "127.0.0.1")
        .env("PACSYS_DPM_PORT", &sim.dpm);
    let r = run(c);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.starts_with("G:AMANDA  42 mA"), "{r:?}");
    let mut c = pacsys(&["get", "G:AMANDA"]);
    c.env("PACSYS_BACKEND", "grpc")
        .env("PACSYS_GRPC_HOST", "127.0.0.1")
        .env("PACSYS_GRPC_PORT", &sim.grpc);
    let r = run(c);
    assert_eq!(r.code, Some(0), "{r:?}");
    let mut c = pacsys(&["get", "G:AMANDA"]);
    c.env("PACSYS_DPM_PORT", "0");
    let r = run(c);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("PACSYS_DPM_PORT"), "{r:?}");
}

#[test]
fn put_writes_verifies_and_reports_failures() {
    let sim = sim();
    let base = ["--host", "127.0.0.1", "--port", &sim.dpm];
    let mut args = base.to_vec();
    args.extend([
        "put",
        "G:AMANDA",
        "-12.5",
        "Z:ACLTST[0:2]",
        "1,2,3",
        "--verify",
    ]);
    let r = ok(&args);
    assert_eq!(
        r.stdout,
        "G:AMANDA  ok (verified, readback=-12.5)\nZ:ACLTST[0:2]  ok (verified, readback=1 2 3)\n"
    );
    let mut args = base.to_vec();
    args.extend(["get", "G:AMANDA", "Z:ACLTST[0:2]"]);
    let r = ok(&args);
    assert!(r.stdout.contains("G:AMANDA  -12.5 mA"), "{r:?}");
    assert!(r.stdout.contains("Z:ACLTST[0:2]  1 2 3 mm"), "{r:?}");

    // A control command goes to CONTROL and is verified through the status field.
    let mut args = base.to_vec();
    args.extend(["put", "M:OUTTMP", "off", "--verify"]);
    let r = ok(&args);
    assert_eq!(r.stdout, "M:OUTTMP  ok (verified, readback=0)\n");
    let mut args = base.to_vec();
    args.extend(["get", "M:OUTTMP.STATUS", "--format", "json"]);
    let r = ok(&args);
    assert_eq!(json_lines(&r.stdout)[0]["value"]["on"], false);

    // Out of range and read-only: per-setting lines, exit 1.
    let mut args = base.to_vec();
    args.extend([
        "put", "M:OUTTMP", "500", "G:AMANDA", "7", "Z:SINE", "1", "--format", "json",
    ]);
    let r = run(pacsys(&args));
    assert_eq!(r.code, Some(1), "{r:?}");
    let objs = json_lines(&r.stdout);
    assert_eq!(objs.len(), 3);
    assert_eq!(objs[0]["ok"], false);
    assert_eq!(objs[0]["error"]["name"], "DIO_RANGE");
    assert_eq!(objs[1]["ok"], true);
    assert_eq!(objs[2]["error"]["name"], "DIO_READONLY");

    // gRPC through the in-process simulator (a local token is supplied).
    let r = ok(&[
        "--sim",
        "-b",
        "grpc",
        "put",
        "Z:TEXTDV",
        "hi there",
        "--tolerance",
        "0",
    ]);
    assert_eq!(r.stdout, "Z:TEXTDV  ok (verified, readback=hi there)\n");
}

#[test]
fn a_peers_garbage_frame_is_the_codecs_protocol_error() {
    // The simulator sends a frame that is no DPM message after the first data reply: the
    // second device's slot reports the codec's finding (what, where), not "connection lost".
    let sim = sim_with(&["--garbage-after-data", "1"]);
    let r = run(pacsys(&[
        "--host",
        "127.0.0.1",
        "--port",
        &sim.dpm,
        "--timeout",
        "5",
        "get",
        "M:OUTTMP",
        "G:AMANDA",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    let objs = json_lines(&r.stdout);
    assert_eq!(objs.len(), 2, "{r:?}");
    assert_eq!(objs[0]["value"], 72.5, "{r:?}");
    let e = &objs[1]["error"];
    assert_eq!(e["kind"], "protocol", "{r:?}");
    assert_eq!(e["transport"], "dpm", "{r:?}");
    assert_eq!(e["server"], format!("127.0.0.1:{}", sim.dpm), "{r:?}");
    let message = e["message"].as_str().unwrap_or_default();
    assert!(message.contains("at byte 0"), "{r:?}");
    assert!(!message.contains("connection lost"), "{r:?}");
}

#[test]
fn a_closed_pipe_ends_monitor_quietly_with_exit_0() {
    // `pacsys monitor ... | head -3`: read three lines, then close the reading end.
    let mut child = Guard(
        pacsys(&["--sim", "monitor", "M:OUTTMP@p,50"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pacsys monitor"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let stderr = drain(child.0.stderr.take().expect("stderr"));
    let mut lines = BufReader::new(stdout);
    for _ in 0..3 {
        let mut line = String::new();
        lines.read_line(&mut line).expect("a reading line");
        assert!(line.starts_with("M:OUTTMP@p,50  "), "{line:?}");
    }
    drop(lines);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let status = status.expect("monitor ends once its reader is gone");
    assert_eq!(status.code(), Some(0), "{status:?}");
    let err = stderr.recv_timeout(LIMIT).unwrap_or_default();
    assert!(!err.contains("pacsys:"), "quiet on a closed pipe: {err:?}");
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let r = ok(&["completions", shell]);
        for word in ["get", "put", "monitor", "info", "history", "sim", "format"] {
            assert!(r.stdout.contains(word), "{shell}: {word} missing");
        }
        // The checked-in copy is what this binary prints (`cargo xtask docs` keeps it so).
        let file = match shell {
            "bash" => "pacsys.bash",
            "zsh" => "_pacsys",
            _ => "pacsys.fish",
        };
        let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/doc/");
        let checked_in = std::fs::read_to_string(format!("{doc}{file}")).expect("checked in");
        assert_eq!(r.stdout, checked_in, "{shell}: run `cargo xtask docs`");
    }
    // The bash script is valid bash.
    if let Ok(status) = Command::new("bash")
        .args([
            "-n",
            concat!(env!("CARGO_MANIFEST_DIR"), "/doc/pacsys.bash"),
        ])
        .status()
    {
        assert!(status.success(), "bash -n rejected the completion script");
    }
    let r = run(pacsys(&["completions", "tcsh"]));
    assert_eq!(r.code, Some(2), "{r:?}");
}

#[test]
fn a_refused_setting_keeps_its_role_in_json() {
    // Without --insecure-settings the simulator refuses settings from unauthenticated
    // lists with DPM_PRIV; the refusal reaches the JSON with its kind and the role sent.
    let sim = sim_with(&[]);
    let r = run(pacsys(&[
        "--host",
        "127.0.0.1",
        "--port",
        &sim.dpm,
        "--role",
        "testing",
        "put",
        "G:AMANDA",
        "7",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    let objs = json_lines(&r.stdout);
    assert_eq!(objs.len(), 1, "{r:?}");
    let e = &objs[0]["error"];
    assert_eq!(e["kind"], "setting_rejected", "{r:?}");
    assert_eq!(e["role"], "testing", "{r:?}");
    assert_eq!(e["name"], "DPM_PRIV", "{r:?}");
    assert_eq!(e["transport"], "dpm", "{r:?}");
    // The text form names the role too.
    let r = run(pacsys(&[
        "--host",
        "127.0.0.1",
        "--port",
        &sim.dpm,
        "--role",
        "testing",
        "put",
        "G:AMANDA",
        "7",
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.contains("role `testing`"), "{r:?}");
}

#[test]
fn usage_errors_exit_2() {
    for (args, needle) in [
        (&["put", "G:AMANDA"][..], "DRF VALUE"),
        (&["--sim", "put", "G:AMANDA", "nan"], "finite"),
        (&["--sim", "put", "G:AMANDA", "1", "Z:TEXTDV"], "no value"),
        (&["--auth", "jwt", "get", "M:OUTTMP"], "--backend grpc"),
        (
            &["-b", "grpc", "--auth", "jwt", "get", "M:OUTTMP"],
            "PACSYS_JWT_TOKEN",
        ),
        (
            &["--sim", "history", "M:OUTTMP", "--start", "tomorrow"],
            "bad time",
        ),
        (&["monitor", "M:OUTTMP", "--duration=-1s"], "bad duration"),
        (&["frobnicate"], "unrecognized subcommand"),
    ] {
        let r = run(pacsys(args));
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {r:?}");
    }
}

#[test]
fn bad_drfs_exit_2_with_a_caret_under_the_bad_byte() {
    for cmd in ["get", "monitor", "info"] {
        let r = run(pacsys(&["--sim", cmd, "M:OUTTMP", "M:OUTTMP[3:1]"]));
        assert_eq!(r.code, Some(2), "{r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(
            r.stderr
                .contains("invalid DRF \"M:OUTTMP[3:1]\": invalid range at byte 8"),
            "{r:?}"
        );
        assert!(r.stderr.contains("\n  M:OUTTMP[3:1]\n          ^"), "{r:?}");
    }
    let r = run(pacsys(&["get", "M:OUTTMP@p,1000,X"]));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr
            .contains("\n  M:OUTTMP@p,1000,X\n                 ^"),
        "{r:?}"
    );
}

#[test]
fn unreachable_server_fails_with_a_clear_message_within_the_timeout() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port().to_string()
    };
    for backend in ["dpm", "grpc"] {
        let started = Instant::now();
        let r = run(pacsys(&[
            "-b",
            backend,
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--timeout",
            "2",
            "get",
            "M:OUTTMP",
        ]));
        // Generous bound: the 2 s timeout plus process start on a loaded machine.
        assert!(started.elapsed() < Duration::from_secs(20), "{backend}");
        assert_eq!(r.code, Some(1), "{backend}: {r:?}");
        assert!(
            r.stderr.contains(&format!("127.0.0.1:{port}")),
            "{backend}: {r:?}"
        );
        // The JSON error says what kind of failure it was and where, from the error's
        // fields: DPM could not connect at all; gRPC reports the service unavailable.
        let r = run(pacsys(&[
            "-b",
            backend,
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--timeout",
            "2",
            "get",
            "M:OUTTMP",
            "--format",
            "json",
        ]));
        assert_eq!(r.code, Some(1), "{backend}: {r:?}");
        let objs = json_lines(&r.stdout);
        let e = &objs[0]["error"];
        let want = if backend == "dpm" {
            "refused"
        } else {
            "connection_lost"
        };
        assert_eq!(e["kind"], want, "{backend}: {r:?}");
        assert_eq!(e["transport"], backend, "{backend}: {r:?}");
        assert_eq!(e["server"], format!("127.0.0.1:{port}"), "{backend}: {r:?}");
    }
}

#[test]
fn monitor_of_an_unreachable_server_fails_instead_of_waiting() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port().to_string()
    };
    for backend in ["dpm", "grpc"] {
        let r = run(pacsys(&[
            "-b",
            backend,
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--timeout",
            "2",
            "monitor",
            "M:OUTTMP@p,100",
            "--count",
            "1",
        ]));
        assert_eq!(r.code, Some(1), "{backend}: {r:?}");
        assert!(
            r.stderr.contains("cannot start the subscription")
                || r.stderr
                    .contains("the subscription failed before any data arrived"),
            "{backend}: {r:?}"
        );
        assert!(
            r.stderr.contains(&format!("127.0.0.1:{port}")),
            "{backend}: {r:?}"
        );
    }
}

#[test]
fn monitor_count_gives_exactly_n_readings_per_drf() {
    let r = ok(&["--sim", "monitor", "M:OUTTMP@p,100", "--count", "5"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{r:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("M:OUTTMP@p,100  72.5 DegF")),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("--- 5 readings from M:OUTTMP@p,100"),
        "{r:?}"
    );

    let r = ok(&[
        "--sim",
        "-b",
        "grpc",
        "monitor",
        "Z:SINE@p,100",
        "Z:RAMP@p,50",
        "-n",
        "3",
        "--format",
        "json",
    ]);
    let objs = json_lines(&r.stdout);
    assert_eq!(objs.len(), 6, "{r:?}");
    for drf in ["Z:SINE@p,100", "Z:RAMP@p,50"] {
        assert_eq!(objs.iter().filter(|o| o["drf"] == drf).count(), 3, "{r:?}");
    }

    // A rejected DRF ends its part of the count and makes the exit code 1.
    let r = run(pacsys(&[
        "--sim",
        "monitor",
        "M:OUTTMP@p,100",
        "Z:NOPE@p,100",
        "-n",
        "2",
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(r.stdout.lines().count(), 3, "{r:?}");
    // A bare DRF gets @p,1000 and a note saying so.
    let r = ok(&["--sim", "monitor", "G:AMANDA", "-n", "1", "--format", "csv"]);
    assert!(
        r.stderr.contains("monitoring G:AMANDA.READING@p,1000"),
        "{r:?}"
    );
    assert!(r.stdout.starts_with("drf,value"), "{r:?}");
}

#[test]
fn monitor_duration_ends_the_stream() {
    let r = ok(&["--sim", "monitor", "M:OUTTMP@p,100", "--duration", "500ms"]);
    assert!(!r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains("--- "), "{r:?}");
}

#[test]
fn monitor_stale_after_flags_only_the_silent_drf() {
    // G:AMANDA is constant and `@q` sends only changes: one reading, then silence.
    let r = ok(&[
        "--sim",
        "monitor",
        "M:OUTTMP@p,50",
        "G:AMANDA@q,50",
        "--stale-after",
        "1s",
        "--duration",
        "2500ms",
        "--lines",
    ]);
    assert!(
        r.stderr.contains("G:AMANDA@q,50: stale, no reading for"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("M:OUTTMP@p,50: stale"), "{r:?}");
}

#[test]
fn monitor_since_delivers_history_then_live_in_time_order() {
    let r = ok(&[
        "--sim",
        "monitor",
        "G:AMANDA@p,100",
        "--since",
        "-4s",
        "-n",
        "8",
        "--format",
        "json",
        "-s",
        "epoch",
    ]);
    let times: Vec<f64> = r
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["timestamp"].as_f64().expect("epoch seconds")
        })
        .collect();
    assert_eq!(times.len(), 8, "{r:?}");
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "in time order, no duplicates: {times:?}"
    );
    // The logged readings (one per second) reach about 4 s back; live ones are 0.1 s apart.
    assert!(times[7] - times[0] >= 2.5, "{times:?}");
    assert_eq!(
        times[0].fract(),
        0.0,
        "the first is a logged whole second: {times:?}"
    );
}

/// Stops `monitor` with `signal` after its first reading; checks the summary and the code.
fn monitor_stops_on(signal: &str, want: i32) {
    let mut child = Guard(
        pacsys(&["--sim", "monitor", "M:OUTTMP@p,100"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let err = drain(child.0.stderr.take().expect("stderr"));
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(l)) = lines.next() {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(LIMIT).expect("a first reading");
    assert!(first.starts_with("M:OUTTMP@p,100  72.5"), "{first}");
    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args([signal, &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    let deadline = Instant::now() + LIMIT;
    let code = loop {
        match child.0.try_wait() {
            Ok(Some(s)) => break s.code(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => panic!("monitor did not stop after {signal}"),
        }
    };
    assert_eq!(code, Some(want), "{signal}");
    let stderr = err.recv_timeout(LIMIT).unwrap_or_default();
    assert!(stderr.contains("--- "), "{stderr}");
    assert!(stderr.contains("readings from M:OUTTMP@p,100"), "{stderr}");
}

#[test]
fn ctrl_c_prints_the_summary_and_exits_130() {
    monitor_stops_on("-INT", 130);
}

#[test]
fn sigterm_prints_the_summary_and_exits_143() {
    monitor_stops_on("-TERM", 143);
}

#[test]
fn info_lists_properties_by_status_codes() {
    for backend in ["dpm", "grpc"] {
        let r = ok(&["--sim", "-b", backend, "info", "G:AMANDA", "M:OUTTMP"]);
        assert!(r.stdout.starts_with("G:AMANDA"), "{r:?}");
        assert!(
            r.stdout
                .contains("  properties    DESCRIPTION READING SETTING\n"),
            "{backend}: {r:?}"
        );
        assert!(
            r.stdout
                .contains("  properties    DESCRIPTION READING SETTING STATUS ANALOG DIGITAL"),
            "{backend}: {r:?}"
        );
        assert!(!r.stdout.contains("no such property"), "{r:?}");
    }
    let r = ok(&["--sim", "info", "G:AMANDA", "-v"]);
    assert!(
        r.stdout.contains("status        (no such property)"),
        "{r:?}"
    );
    let r = ok(&["--sim", "info", "M:OUTTMP", "--format", "json"]);
    let o = &json_lines(&r.stdout)[0];
    assert_eq!(o["device_index"], 140013);
    assert_eq!(o["units"], "DegF");
    assert_eq!(o["analog_alarm"]["maximum"], 120.0);
    let r = run(pacsys(&["--sim", "info", "Z:NOPE"]));
    assert_eq!(r.code, Some(1), "{r:?}");
}

#[test]
fn history_prints_logged_samples() {
    for backend in ["dpm", "grpc"] {
        let r = ok(&[
            "--sim", "-b", backend, "history", "Z:SINE", "--start", "-2h", "--end", "-1h",
            "--chunk", "25m", "--format", "json",
        ]);
        let objs = json_lines(&r.stdout);
        // One sample per second on whole seconds, both ends inclusive when whole.
        assert!(
            (3600..=3601).contains(&objs.len()),
            "{backend}: {}",
            objs.len()
        );
        let stamps: Vec<&str> = objs
            .iter()
            .map(|o| o["timestamp"].as_str().unwrap_or(""))
            .collect();
        assert!(
            stamps.windows(2).all(|w| w[0] < w[1]),
            "{backend}: not increasing"
        );
        assert_eq!(objs[0]["drf"], "Z:SINE");
        assert!(objs[0]["value"].is_f64());
    }
    let r = ok(&[
        "--sim", "history", "M:OUTTMP", "--start", "-10s", "--format", "csv",
    ]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "drf,value,units,timestamp,status,error");
    assert!((10..=11).contains(&(lines.len() - 1)), "{r:?}");
    assert!(lines[1].starts_with("M:OUTTMP,72.5,DegF,"), "{r:?}");
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in [
        None,
        Some("get"),
        Some("put"),
        Some("monitor"),
        Some("info"),
        Some("history"),
        Some("sim"),
    ] {
        let mut args: Vec<&str> = sub.into_iter().collect();
        args.push("--help");
        let r = ok(&args);
        assert!(r.stdout.contains("Examples:"), "{sub:?}: {r:?}");
    }
}

#[test]
fn a_thousand_devices_in_one_get() {
    let drfs: Vec<String> = (0..1000).map(|i| format!("Z:BENCH{i:04}")).collect();
    let mut args = vec!["--sim", "get"];
    args.extend(drfs.iter().map(String::as_str));
    let r = ok(&args);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1000);
    assert!(
        lines[999].starts_with("Z:BENCH0999  999 cnt"),
        "{}",
        lines[999]
    );
}

/// The live table on a terminal: `script` (util-linux) gives the command a pty.
#[test]
fn live_table_renders_on_a_terminal() {
    let inner = format!("{BIN} --sim monitor M:OUTTMP@p,100 Z:SINE@p,100 --count 4");
    let Some(r) = under_pty(&inner) else { return };
    assert_eq!(r.code, Some(0), "{r:?}");
    let screen = r.stdout.replace('\r', "");
    assert!(screen.contains("DRF"), "{screen}");
    assert!(screen.contains("RATE/s"), "{screen}");
    assert!(screen.contains("\x1b[4F\x1b[J"), "no redraw: {screen:?}");
    let last_table = screen.rsplit("\x1b[4F\x1b[J").next().unwrap_or("");
    let sine = last_table
        .lines()
        .find(|l| l.starts_with("Z:SINE@p,100"))
        .unwrap_or_else(|| panic!("no Z:SINE row: {last_table}"));
    assert!(sine.trim_end().ends_with('0'), "errors column: {sine}");
    assert!(sine.contains(" V "), "{sine}");
    assert!(last_table.contains("dropped 0  gaps 0"), "{last_table}");
    assert!(
        screen.contains("--- 4 readings from M:OUTTMP@p,100"),
        "{screen}"
    );
}

#[test]
fn the_reference_display_options_in_every_format() {
    // --terse, --number-format and --range in text: bare formatted values, the last three
    // elements of the array.
    let r = ok(&[
        "--sim", "get", "Z:ACLTST", "M:OUTTMP", "-t", "-f", ".2f", "-r=-3:",
    ]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{r:?}");
    let elements: Vec<&str> = lines[0].split(' ').collect();
    assert_eq!(elements.len(), 3, "{r:?}");
    assert!(
        elements
            .iter()
            .all(|e| e.split_once('.').is_some_and(|(_, d)| d.len() == 2)),
        "{r:?}"
    );
    assert_eq!(lines[1], "72.50", "{r:?}");
    // Without --terse the DRF, units and time stay; the range cuts the JSON array too.
    let r = ok(&["--sim", "get", "Z:ACLTST", "-r", "1:3", "--format", "json"]);
    let o = &json_lines(&r.stdout)[0];
    assert_eq!(o["value"].as_array().map(Vec::len), Some(2), "{r:?}");
    // Terse JSON: the value alone, or the error object.
    let r = run(pacsys(&[
        "--sim", "get", "M:OUTTMP", "Z:NOPE", "-t", "--format", "json",
    ]));
    assert_eq!(r.code, Some(1), "{r:?}");
    let objs = json_lines(&r.stdout);
    assert_eq!(objs[0], serde_json::json!(72.5), "{r:?}");
    assert_eq!(objs[1]["error"]["name"], "DPM_NO_SUCH_DEVICE", "{r:?}");
    // Epoch timestamps: seconds in CSV, a number in JSON.
    let r = ok(&["--sim", "get", "M:OUTTMP", "-s", "epoch", "--format", "csv"]);
    let row: Vec<&str> = r
        .stdout
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split(',')
        .collect();
    let secs: f64 = row[3].parse().unwrap_or_else(|_| panic!("{r:?}"));
    assert!(secs > 1.7e9, "{r:?}");
    let r = ok(&[
        "--sim", "get", "M:OUTTMP", "-s", "epoch", "--format", "json",
    ]);
    assert!(
        json_lines(&r.stdout)[0]["timestamp"]
            .as_f64()
            .is_some_and(|s| s > 1.7e9),
        "{r:?}"
    );
    // Relative timestamps of a stream start at 0.000 and grow.
    let r = ok(&[
        "--sim",
        "monitor",
        "M:OUTTMP@p,100",
        "-n",
        "3",
        "--lines",
        "-s",
        "relative",
        "-f",
        ">8.1f",
    ]);
    let stamps: Vec<f64> = r
        .stdout
        .lines()
        .filter_map(|l| l.rsplit("  ").next()?.parse().ok())
        .collect();
    assert_eq!(stamps.len(), 3, "{r:?}");
    assert_eq!(stamps[0], 0.0, "{r:?}");
    assert!(stamps[1] > 0.0 && stamps[2] > stamps[1], "{r:?}");
    assert!(r.stdout.contains("    72.5 DegF"), "{r:?}");
    // History and put take --terse too.
    let r = ok(&[
        "--sim", "history", "M:OUTTMP", "--start", "-3s", "-t", "-f", ".1f",
    ]);
    assert!(
        !r.stdout.is_empty() && r.stdout.lines().all(|l| l == "72.5"),
        "{r:?}"
    );
    let r = ok(&["--sim", "put", "G:AMANDA", "5", "--verify", "-t"]);
    assert_eq!(r.stdout.trim(), "ok (verified, readback=5)", "{r:?}");
    // A bad spec or range is a usage error naming what was wrong.
    for (args, says) in [
        (&["--sim", "get", "M:OUTTMP", "-f", ".3q"][..], "at byte 2"),
        (
            &["--sim", "get", "M:OUTTMP", "-r", "1:2:0"][..],
            "step cannot be zero",
        ),
    ] {
        let r = run(pacsys(args));
        assert_eq!(r.code, Some(2), "{r:?}");
        assert!(r.stderr.contains(says), "{r:?}");
    }
}

#[test]
fn put_writes_whole_alarm_blocks_field_by_field() {
    for backend in ["dpm", "grpc"] {
        // One process: the block is read, changed and written back, then read again.
        let r = ok(&[
            "--sim",
            "--backend",
            backend,
            "put",
            "M:OUTTMP.ANALOG",
            "max=95,alarm_enable=false,tries_needed=4",
            "M$OUTTMP",
            "mask=15",
            "--verify",
            "--format",
            "json",
        ]);
        let objs = json_lines(&r.stdout);
        assert_eq!(objs.len(), 2, "{r:?}");
        assert!(objs.iter().all(|o| o["verified"] == true), "{r:?}");
        assert_eq!(objs[0]["readback"]["maximum"], 95.0, "{r:?}");
        assert_eq!(objs[0]["readback"]["alarm_enable"], false, "{r:?}");
        assert_eq!(objs[0]["readback"]["tries_needed"], 4, "{r:?}");
        // Fields not named keep their value.
        assert_eq!(objs[0]["readback"]["minimum"], 0.0, "{r:?}");
        assert_eq!(objs[1]["readback"]["mask"], 15, "{r:?}");
        assert_eq!(objs[1]["readback"]["nominal"], 3, "{r:?}");
    }
    for (value, says) in [
        ("tries_now=1", "cannot be set"),
        ("72", "key=value pairs"),
        ("mask=3", "unknown analog alarm field"),
        ("alarm_enable=maybe", "not a number or true/false"),
    ] {
        let r = run(pacsys(&["--sim", "put", "M:OUTTMP.ANALOG", value]));
        assert_eq!(r.code, Some(2), "{value}: {r:?}");
        assert!(r.stderr.contains(says), "{value}: {r:?}");
    }
}
