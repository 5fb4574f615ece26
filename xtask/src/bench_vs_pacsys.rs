//! `cargo xtask bench-vs-pacsys`: the reference Python client (pacsys 0.3.0, in the interop
//! virtual environment) and our client, one after the other, against the same release-built
//! `pacsys-sim`; prints both figures and the ratio.
//!
//! Measured: `get_many` of 1,000 and 10,000 devices (median of several runs) and streaming
//! 10,000 devices at `@p,10` (readings/s delivered to a draining consumer).

use std::path::Path;
use std::process::Command;

use crate::interop::{Simulator, target_dir, venv};
use crate::{cargo, repo_root, run_in};

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

pub fn run() -> Result<(), String> {
    let root = repo_root();
    let python = venv(&root)?;
    let python = python.to_string_lossy().into_owned();
    run_in(
        &root,
        &cargo(),
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            "pacsys-sim",
            "--bin",
            "pacsys-sim",
            "-p",
            "pacsys-dpm-core",
            "--example",
            "vs_reference",
        ],
        &[],
    )?;
    let release = target_dir(&root).join("release");
    let mut sim = Simulator::start(&release.join("pacsys-sim"), &["--dpm-port", "0"])?;
    let port = sim.port("dpm")?.to_string();
    let ours = release.join("examples/vs_reference");
    let ours = ours.to_string_lossy().into_owned();
    let script = root.join("xtask/interop/bench_reference.py");
    let script = script.to_string_lossy().into_owned();

    let mut rows = Vec::new();
    let result = (|| -> Result<(), String> {
        for (n, py_reps, rs_reps) in [("1000", "5", "21"), ("10000", "3", "11")] {
            let py = figure(
                &output(&root, &python, &[&script, &port, "get_many", n, py_reps])?,
                "median_ms",
            )?;
            let rs = figure(
                &output(&root, &ours, &[&port, "get_many", n, rs_reps])?,
                "median_ms",
            )?;
            rows.push(format!(
                "get_many {n:>6}      pacsys {py:>10.1} ms   pacsys-rs {rs:>8.2} ms   {:>6.1}x faster",
                py / rs
            ));
        }
        let py = figure(
            &output(&root, &python, &[&script, &port, "stream", "10000", "5"])?,
            "per_s",
        )?;
        let rs = figure(
            &output(&root, &ours, &[&port, "stream", "10000", "5"])?,
            "per_s",
        )?;
        rows.push(format!(
            "stream 10000 @p,10   pacsys {py:>10.0} /s   pacsys-rs {rs:>8.0} /s   {:>6.1}x",
            rs / py.max(1.0)
        ));
        Ok(())
    })();
    sim.stop();
    println!("\nbench-vs-pacsys (same pacsys-sim, loopback):");
    for row in &rows {
        println!("  {row}");
    }
    result
}
