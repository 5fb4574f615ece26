//! What the interop runs and the benchmarks share: the pinned environment of the reference
//! client (pacsys 0.3.0), a release- or debug-built `pacsys-sim` (or any program that prints
//! a `READY` line) as a child process, the cargo target folder, a program's output and the
//! figures it prints.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::run_in;

/// The reference release every interop run and benchmark pins.
const REFERENCE: &str = "pacsys==0.3.0";

/// How long the simulator may take to print its `READY` line.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `program args` in `dir` and returns its stdout; fails when it fails.
pub(crate) fn output(dir: &Path, program: &str, args: &[&str]) -> Result<String, String> {
    eprintln!("$ {program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The number after `key` in `text` (`"median_ms 12.5"` -> 12.5).
pub(crate) fn figure(text: &str, key: &str) -> Result<f64, String> {
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w == key {
            return words
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("no number after `{key}` in `{text}`"));
        }
    }
    Err(format!("no `{key}` in `{}`", text.trim()))
}

/// Why interop cannot run here, if it cannot: python3 with venv, and the Kerberos
/// development files that pacsys's `gssapi` dependency builds against.
pub fn missing_prerequisite() -> Option<String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !works(&python, &["-c", "import venv"]) {
        return Some(format!("`{python}` with the venv module not found"));
    }
    if !works("krb5-config", &["--version"]) {
        return Some("krb5-config not found (apt-get install libkrb5-dev)".to_owned());
    }
    None
}

/// The cargo target folder (honours `CARGO_TARGET_DIR`).
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Creates (once) the virtual environment (`target/interop-venv`) with the reference client;
/// returns its python.
pub(crate) fn reference_venv(root: &Path) -> Result<PathBuf, String> {
    let dir = target_dir(root).join("interop-venv");
    let python = dir.join("bin/python");
    let marker = dir.join(".pacsys-installed");
    if marker.is_file() {
        return Ok(python);
    }
    let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run_in(
        root,
        &system_python,
        &["-m", "venv", &dir.to_string_lossy()],
        &[],
    )?;
    run_in(
        root,
        &python.to_string_lossy(),
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            REFERENCE,
        ],
        &[],
    )
    .map_err(|e| {
        format!("{e}\n(pacsys needs libkrb5-dev to build gssapi: apt-get install libkrb5-dev)")
    })?;
    std::fs::write(&marker, REFERENCE).map_err(|e| format!("writing {}: {e}", marker.display()))?;
    Ok(python)
}

/// A running `pacsys-sim`, killed when stopped or dropped.
pub(crate) struct Simulator {
    child: Child,
    ready: String,
}

impl Simulator {
    pub(crate) fn start(path: &Path, args: &[&str]) -> Result<Simulator, String> {
        eprintln!("$ {} {}", path.display(), args.join(" "));
        let mut child = Command::new(path)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", path.display()))?;
        let stdout = child.stdout.take().ok_or("simulator has no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("READY") {
                    let _ = tx.send(line);
                } else {
                    println!("[sim] {line}");
                }
            }
        });
        let mut sim = Simulator {
            child,
            ready: String::new(),
        };
        match rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => {
                eprintln!("xtask interop: simulator says `{line}`");
                sim.ready = line;
                Ok(sim)
            }
            Err(_) => {
                sim.stop();
                Err("simulator did not print READY in time".to_owned())
            }
        }
    }

    /// The port named `name` in the `READY dpm=<p> grpc=<g>` line.
    pub(crate) fn port(&self, name: &str) -> Result<u16, String> {
        self.ready
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| format!("no `{name}=<port>` in `{}`", self.ready))
    }

    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}
