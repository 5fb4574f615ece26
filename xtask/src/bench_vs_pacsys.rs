//! `cargo xtask bench-vs-pacsys`: the reference Python client (pacsys 0.3.0, in the interop
//! virtual environment) and our client, one after the other, against the same release-built
//! `pacsys-sim`; prints both figures and the ratio.
//!
//! Measured: `get_many` of 1,000 and 10,000 devices (median of several runs); the
//! 10,000-device read as a whole `pacsys get --format json` process (start, connect, read,
//! print; wall time, median of 11) against the reference's in-process `get_many`; streaming
//! 10,000 devices at `@p,10` (readings/s delivered to a draining consumer); and the DRF
//! parser's corpus median (each accepted input's best-of-three per-parse time, median over
//! the inputs) against the reference parser timed the same way.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::harness::{Simulator, figure, output, reference_venv, target_dir};
use crate::{cargo, repo_root, run_in};

pub fn run() -> Result<(), String> {
    let root = repo_root();
    let python = reference_venv(&root)?;
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
            "-p",
            "pacsys-cli",
            "--bin",
            "pacsys",
            "-p",
            "pacsys-drf",
            "--example",
            "drf_bench",
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

    let cli = release.join("pacsys").to_string_lossy().into_owned();

    let mut rows = Vec::new();
    let result = (|| -> Result<(), String> {
        let mut py_10k = f64::NAN;
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
            py_10k = py;
        }
        let rs = cli_get_ms(&root, &cli, &port, 10_000, 11)?;
        rows.push(format!(
            "CLI get 10000 (whole process) vs get_many: pacsys {py_10k:>8.1} ms   pacsys-rs {rs:>8.2} ms   {:>6.1}x faster",
            py_10k / rs
        ));
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
        let corpus = root.join("crates/drf/tests/data/corpus.json");
        let corpus = corpus.to_string_lossy().into_owned();
        let py_out = output(&root, &python, &[&script, "0", "drf", "100", &corpus])?;
        let py = figure(&py_out, "median_input_ns")?;
        let rs_bench = release
            .join("examples/drf_bench")
            .to_string_lossy()
            .into_owned();
        let rs_out = output(&root, &rs_bench, &[&corpus])?;
        let rs = figure(&rs_out.replace('=', " "), "median_input_ns")?;
        rows.push(format!(
            "DRF corpus median    pacsys {py:>10.0} ns   pacsys-rs {rs:>8.1} ns   {:>6.1}x faster  (inputs timed: pacsys {}, pacsys-rs {})",
            py / rs,
            figure(&py_out, "inputs")?,
            figure(&rs_out.replace('=', " "), "inputs")?
        ));
        Ok(())
    })();
    sim.stop();
    println!(
        "\nbench-vs-pacsys (same pacsys-sim, loopback; load {}):",
        load_average()
    );
    for row in &rows {
        println!("  {row}");
    }
    result
}

/// Median wall time of `reps` runs of `pacsys --host 127.0.0.1 --port PORT get --format json`
/// over `n` `Z:BENCHnnnn` devices, output discarded: the whole process (start, connect,
/// read, print), after one unmeasured warm-up run.
fn cli_get_ms(dir: &Path, cli: &str, port: &str, n: usize, reps: usize) -> Result<f64, String> {
    let mut args: Vec<String> = [
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "get",
        "--format",
        "json",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend((0..n).map(|i| format!("Z:BENCH{:04}", i % 10_000)));
    eprintln!(
        "$ {cli} --host 127.0.0.1 --port {port} get --format json Z:BENCH0000 ... ({n} devices) x {reps}"
    );
    let mut times = Vec::with_capacity(reps);
    for i in 0..=reps {
        let start = Instant::now();
        let status = Command::new(cli)
            .args(&args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("could not start `{cli}`: {e}"))?;
        let took = start.elapsed().as_secs_f64() * 1e3;
        if !status.success() {
            return Err(format!("`{cli} get` of {n} devices failed ({status})"));
        }
        if i > 0 {
            times.push(took);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// The one-minute load average (`/proc/loadavg`), to print beside the figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
