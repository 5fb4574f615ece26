//! Helpers the end-to-end test files share: the built `pacsys` binary run with bounded
//! waits, every child killed and reaped by a guard, `pacsys sim` in its own process.

#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_pacsys");
/// Upper bound of any one command in these tests (never reached when things work).
pub const LIMIT: Duration = Duration::from_secs(60);

/// A child process killed (and reaped) on drop.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a finished command gave.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// A `pacsys` command with no PACSYS_* variables from the caller's environment.
pub fn pacsys(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("PACSYS_") {
            c.env_remove(k);
        }
    }
    c.env_remove("RUST_LOG");
    c
}

pub fn drain(mut r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    rx
}

/// Runs `cmd` to completion (killed after [`LIMIT`]).
pub fn run(mut cmd: Command) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Guard(cmd.spawn().expect("spawn pacsys"));
    let out = drain(child.0.stdout.take().expect("stdout"));
    let err = drain(child.0.stderr.take().expect("stderr"));
    let deadline = Instant::now() + LIMIT;
    let code = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => panic!("pacsys did not finish within {LIMIT:?}"),
        }
    };
    Run {
        code,
        stdout: out.recv_timeout(LIMIT).unwrap_or_default(),
        stderr: err.recv_timeout(LIMIT).unwrap_or_default(),
    }
}

pub fn ok(args: &[&str]) -> Run {
    let r = run(pacsys(args));
    assert_eq!(r.code, Some(0), "{args:?}: {r:?}");
    r
}

/// `pacsys sim` running in its own process, with the ports from its READY line.
pub struct Sim {
    pub _child: Guard,
    pub dpm: String,
    pub grpc: String,
}

pub fn sim() -> Sim {
    sim_with(&["--insecure-settings"])
}

/// `pacsys sim` with `extra` options.
pub fn sim_with(extra: &[&str]) -> Sim {
    sim_at("0", extra)
}

/// `pacsys sim` with its DPM server on `dpm_port` (`"0"`: any free port) and `extra`
/// options.
pub fn sim_at(dpm_port: &str, extra: &[&str]) -> Sim {
    let mut args = vec!["sim", "--dpm-port", dpm_port, "--grpc-port", "0"];
    args.extend(extra);
    let mut child = Guard(
        pacsys(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn pacsys sim"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(LIMIT).expect("READY line");
    let ports: Vec<&str> = line
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("not a READY line: {line:?}"))
        .split(' ')
        .collect();
    let dpm = ports[0].strip_prefix("dpm=").expect("dpm=").to_owned();
    let grpc = ports[1].strip_prefix("grpc=").expect("grpc=").to_owned();
    Sim {
        _child: child,
        dpm,
        grpc,
    }
}

/// `inner` (a shell command line) run under `script` (util-linux), which gives it a pty,
/// with no PACSYS_* variables; `None` (the test skips) when `script` is missing, which
/// under CI is a failure instead (util-linux/bsdutils is part of every Debian and Ubuntu
/// base system).
pub fn under_pty(inner: &str) -> Option<Run> {
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` (util-linux) is needed for the pty test under CI"
        );
        eprintln!("skipped: `script` (util-linux) is not installed");
        return None;
    }
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", inner, "/dev/null"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("PACSYS_") {
            c.env_remove(k);
        }
    }
    Some(run(c))
}
