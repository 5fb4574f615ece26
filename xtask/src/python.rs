//! The Python package (crates/python, module `pacsys_rs`): a pinned virtual environment
//! under `target/python-venv`, the extension built into it with maturin, the pytest suite
//! (`cargo xtask python`, part of `ci`) and the side-by-side benchmark against pacsys 0.3.0
//! (`cargo xtask bench-py`).

use std::path::{Path, PathBuf};

use crate::harness::{self, Simulator, figure, output, target_dir};
use crate::{cargo, repo_root, run_in};

/// The test and build dependencies, pinned (the marker file records them, so a change of
/// pins rebuilds the environment).
/// pyarrow and pandas read the recordings back (test_recording.py), with pandas' own
/// dependencies pinned too. The `mcp` SDK's stdio and Streamable HTTP clients talk to
/// `pacsys mcp` (test_mcp.py); its dependencies are pinned to the versions `pip install
/// mcp==2.3.0` resolved on Python 3.11, so the environment is reproducible.
const PINS: &[&str] = &[
    "maturin==1.9.4",
    "pytest==8.3.4",
    "numpy==2.2.6",
    "pyarrow==21.0.0",
    "pandas==2.3.3",
    "python-dateutil==2.9.0.post0",
    "pytz==2025.2",
    "tzdata==2025.2",
    "six==1.17.0",
    "mcp==2.3.0",
    "mcp-types==2.3.0",
    "annotated-types==0.8.0",
    "anyio==4.16.0",
    "attrs==26.1.0",
    "cffi==2.1.1",
    "click==8.5.1",
    "cryptography==51.0.1",
    "h11==0.16.0",
    "httpcore2==2.17.0",
    "httpx2==2.17.0",
    "idna==3.21",
    "jsonschema==4.26.0",
    "jsonschema-specifications==2025.9.1",
    "opentelemetry-api==1.45.3",
    "pycparser==3.12",
    "pydantic==2.14.4",
    "pydantic_core==2.50.5",
    "PyJWT==2.15.1",
    "python-multipart==0.0.34",
    "referencing==0.37.0",
    "rpds-py==2026.9.1",
    "sse-starlette==3.7.1",
    "starlette==1.10.0",
    "truststore==0.10.5",
    "typing-inspection==0.4.5",
    "typing_extensions==4.16.0",
    "uvicorn==0.55.0",
];

/// Creates (once per set of pins) the environment; returns its python.
fn venv(root: &Path) -> Result<PathBuf, String> {
    let dir = target_dir(root).join("python-venv");
    let python = dir.join("bin/python");
    let marker = dir.join(".pins");
    let pins = PINS.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == pins) && python.is_file() {
        return Ok(python);
    }
    let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run_in(
        root,
        &system_python,
        &["-m", "venv", "--clear", &dir.to_string_lossy()],
        &[],
    )?;
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    args.extend(PINS);
    run_in(root, &python.to_string_lossy(), &args, &[])?;
    std::fs::write(&marker, pins).map_err(|e| format!("writing {}: {e}", marker.display()))?;
    Ok(python)
}

/// Builds the extension (release) and installs it into the environment.
pub(crate) fn build(root: &Path) -> Result<PathBuf, String> {
    let python = venv(root)?;
    let bin = python
        .parent()
        .ok_or("the venv has no bin folder")?
        .to_path_buf();
    let venv_dir = bin.parent().ok_or("the venv has no root")?.to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run_in(
        &root.join("crates/python"),
        &bin.join("maturin").to_string_lossy(),
        &["develop", "--release", "--locked"],
        &[
            ("VIRTUAL_ENV", &venv_dir.to_string_lossy()),
            ("PATH", &path),
        ],
    )?;
    Ok(python)
}

/// pacsys 0.3.0's package metadata (its README) in the interop environment.
fn reference_metadata(root: &Path) -> Result<PathBuf, String> {
    harness::reference_venv(root)?;
    let lib = target_dir(root).join("interop-venv/lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    for entry in entries.flatten() {
        let metadata = entry
            .path()
            .join("site-packages/pacsys-0.3.0.dist-info/METADATA");
        if metadata.is_file() {
            return Ok(metadata);
        }
    }
    Err(format!("no pacsys 0.3.0 METADATA under {}", lib.display()))
}

/// `cargo xtask python`: builds the wheel into the environment and runs the pytest suite
/// (against the simulator over real TCP and the in-memory fake). The README-examples test
/// needs the reference's package (the interop environment); without its prerequisites it
/// is skipped with the reason outside CI and fails in CI.
pub fn test() -> Result<(), String> {
    let root = repo_root();
    let python = build(&root)?;
    let python = python.to_string_lossy().into_owned();
    let mut args = vec![
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "crates/python/tests",
    ];
    let metadata = match harness::missing_prerequisite() {
        None => Some(reference_metadata(&root)?),
        Some(what) if std::env::var_os("CI").is_some() => {
            return Err(format!("python prerequisite missing in CI: {what}"));
        }
        Some(what) => {
            eprintln!("xtask python: SKIPPING the pacsys README examples: {what}");
            args.extend(["-k", "not readme"]);
            None
        }
    };
    let metadata = metadata.map(|m| m.to_string_lossy().into_owned());
    // The `pacsys` command, whose recordings test_recording.py reads back with pyarrow and
    // pandas (release: it records 100,000 readings/s while printing them).
    run_in(
        &root,
        &cargo(),
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            "pacsys-cli",
            "--bin",
            "pacsys",
        ],
        &[],
    )?;
    let cli = target_dir(&root).join("release/pacsys");
    let cli = cli.to_string_lossy().into_owned();
    let mut envs = vec![("PACSYS_CLI", cli.as_str())];
    if let Some(m) = &metadata {
        envs.push(("PACSYS_REFERENCE_METADATA", m.as_str()));
    }
    run_in(&root, &python, &args, &envs)
}

/// What the Python benchmarks share: pacsys_rs built into the pinned environment (its
/// python), pacsys 0.3.0's environment (its python), and a release-built `pacsys-sim`
/// started on free ports (built with `extra`, more `cargo build` targets).
fn bench_setup(root: &Path, extra: &[&str]) -> Result<(String, String, Simulator), String> {
    let ours = build(root)?.to_string_lossy().into_owned();
    let reference = harness::reference_venv(root)?
        .to_string_lossy()
        .into_owned();
    let mut args = vec![
        "build",
        "--release",
        "--locked",
        "-p",
        "pacsys-sim",
        "--bin",
        "pacsys-sim",
    ];
    args.extend_from_slice(extra);
    run_in(root, &cargo(), &args, &[])?;
    let sim_path = target_dir(root).join("release/pacsys-sim");
    let sim = Simulator::start(&sim_path, &["--dpm-port", "0", "--grpc-port", "0"])?;
    Ok((ours, reference, sim))
}

/// `cargo xtask bench-py`: pacsys 0.3.0 and pacsys_rs, from Python, one after the other
/// against the same release-built `pacsys-sim`, running the same script
/// (xtask/interop/bench_reference.py): `get_many` of 10,000 devices (and pacsys_rs's
/// columnar form, beside the Rust facade's own `get_many`), one warm single read (beside
/// the facade's), 1,000 devices at `@p,100` into a Python callback (the process's CPU),
/// connect-and-read of 100 devices on a new backend, one stream of 10,000 devices at
/// `@p,10` delivered to a Python loop, a 40,000-element array read, and the resident
/// memory of pacsys_rs over 1,000,000 streamed readings.
pub fn bench() -> Result<(), String> {
    let root = repo_root();
    let (ours, reference, mut sim) =
        bench_setup(&root, &["-p", "pacsys", "--example", "facade_bench"])?;
    let facade = target_dir(&root).join("release/examples/facade_bench");
    let facade = facade.to_string_lossy().into_owned();
    let port = sim.port("dpm")?.to_string();
    let grpc_port = sim.port("grpc")?.to_string();
    let reference_script = root.join("xtask/interop/bench_reference.py");
    let reference_script = reference_script.to_string_lossy().into_owned();
    let our_script = root.join("xtask/interop/bench_pacsys_rs.py");
    let our_script = our_script.to_string_lossy().into_owned();
    let mut rows = Vec::new();
    let result = (|| -> Result<(), String> {
        let on = |port: &str, python: &str, script: &str, args: &[&str]| {
            let mut all = vec![script, port];
            all.extend(args);
            output(&root, python, &all)
        };
        let run = |python: &str, script: &str, args: &[&str]| on(&port, python, script, args);
        let py = figure(
            &run(&reference, &reference_script, &["get_many", "10000", "3"])?,
            "median_ms",
        )?;
        let rs = figure(
            &run(&ours, &our_script, &["get_many", "10000", "11"])?,
            "median_ms",
        )?;
        rows.push(format!(
            "get_many 10,000         pacsys {py:>9.1} ms    pacsys_rs {rs:>8.1} ms    {:>6.1}x faster",
            py / rs
        ));
        let arrays = figure(
            &run(&ours, &our_script, &["get_arrays", "10000", "11"])?,
            "median_ms",
        )?;
        let rust = figure(
            &output(&root, &facade, &[&port, "get_many", "10000", "11"])?,
            "median_ms",
        )?;
        rows.push(format!(
            "  as_arrays=True        pacsys_rs {arrays:>6.1} ms    {:>6.1}x pacsys    {:.2}x the Rust facade's {rust:.1} ms",
            py / arrays,
            arrays / rust
        ));
        let py_out = run(&reference, &reference_script, &["read1", "0", "3000"])?;
        let rs_out = run(&ours, &our_script, &["read1", "0", "3000"])?;
        let rust_out = output(&root, &facade, &[&port, "read1", "0", "3000"])?;
        let floor_out = output(
            &root,
            &reference,
            &[&reference_script, "0", "floor", "0", "3000"],
        )?;
        let (py, rs) = (figure(&py_out, "p50_us")?, figure(&rs_out, "p50_us")?);
        rows.push(format!(
            "read(M:OUTTMP) warm p50 pacsys {py:>9.1} us    pacsys_rs {rs:>8.1} us    {:>6.1}x faster (p90 {} / {} us; Rust facade p50 {} us; a plain socket's round trip p50 {} us)",
            py / rs,
            figure(&py_out, "p90_us")?,
            figure(&rs_out, "p90_us")?,
            figure(&rust_out, "p50_us")?,
            figure(&floor_out, "p50_us")?,
        ));
        let py_out = run(&reference, &reference_script, &["callback", "1000", "10"])?;
        let rs_out = run(&ours, &our_script, &["callback", "1000", "10"])?;
        rows.push(format!(
            "callback 1,000 @p,100   pacsys {:>7.2} % CPU   pacsys_rs {:>6.2} % CPU   ({:.0} / {:.0} callbacks/s of {:.0})",
            figure(&py_out, "cpu_pct")?,
            figure(&rs_out, "cpu_pct")?,
            figure(&py_out, "per_s")?,
            figure(&rs_out, "per_s")?,
            figure(&rs_out, "offered_per_s")?,
        ));
        let py = figure(
            &run(&reference, &reference_script, &["connect", "100", "11"])?,
            "median_ms",
        )?;
        let rs = figure(
            &run(&ours, &our_script, &["connect", "100", "11"])?,
            "median_ms",
        )?;
        rows.push(format!(
            "connect + read 100      pacsys {py:>9.2} ms    pacsys_rs {rs:>8.2} ms    {:>6.1}x faster",
            py / rs
        ));
        let py_out = run(&reference, &reference_script, &["stream", "10000", "5"])?;
        let rs_out = run(&ours, &our_script, &["stream", "10000", "5"])?;
        let (py, rs) = (figure(&py_out, "per_s")?, figure(&rs_out, "per_s")?);
        rows.push(format!(
            "stream 10,000 @p,10     pacsys {py:>9.0} /s    pacsys_rs {rs:>8.0} /s    {:>6.1}x more (dropped: {} / {})",
            rs / py.max(1.0),
            figure(&py_out, "dropped")?,
            figure(&rs_out, "dropped")?
        ));
        let py_out = on(
            &grpc_port,
            &reference,
            &reference_script,
            &["array", "1", "21"],
        )?;
        let rs_out = on(&grpc_port, &ours, &our_script, &["array", "1", "21"])?;
        rows.push(format!(
            "read 40,000 doubles     (gRPC) pacsys {:>9.2} ms    pacsys_rs {:>8.2} ms    ({} / {})",
            figure(&py_out, "median_ms")?,
            figure(&rs_out, "median_ms")?,
            py_out.split_whitespace().nth(3).unwrap_or("?"),
            rs_out.split_whitespace().nth(3).unwrap_or("?"),
        ));
        let rs_out = run(&ours, &our_script, &["rss", "1000000", "120"])?;
        rows.push(format!(
            "1,000,000 readings      pacsys_rs resident {:.1} MB after 100,000, {:.1} MB after {:.0}",
            figure(&rs_out, "rss_mb_at_100k")?,
            figure(&rs_out, "rss_mb_at_end")?,
            figure(&rs_out, "readings")?,
        ));
        Ok(())
    })();
    sim.stop();
    println!("\nbench-py (Python loops, same pacsys-sim, loopback):");
    for row in &rows {
        println!("  {row}");
    }
    result
}

/// `cargo xtask bench-logger`: pacsys's `DataLogger` from Python on one release-built
/// `pacsys-sim`, 1,000 devices at `@p,1` (1,000,000 readings/s offered) for 5 s each:
/// pacsys_rs with `ParquetWriter` and `CsvWriter` (written in Rust, GIL free), pacsys
/// 0.3.0 with its `CsvWriter` (xtask/interop/bench_logger.py).
pub fn bench_logger() -> Result<(), String> {
    let root = repo_root();
    let (ours, reference, mut sim) = bench_setup(&root, &[])?;
    let port = sim.port("dpm")?.to_string();
    let script = root.join("xtask/interop/bench_logger.py");
    let script = script.to_string_lossy().into_owned();
    let scratch = target_dir(&root).join("bench-logger");
    let mut rows = Vec::new();
    let result = (|| -> Result<(), String> {
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let runs = [
            (&ours, "pacsys_rs", "parquet"),
            (&ours, "pacsys_rs", "csv"),
            (&reference, "pacsys", "csv"),
        ];
        for (python, client, writer) in runs {
            let out = scratch.join(format!("{client}-{writer}"));
            let out = out.to_string_lossy().into_owned();
            let line = output(
                &root,
                python,
                &[&script, &port, client, writer, "1000", "5", &out],
            )?;
            rows.push(format!(
                "{client:<10} {writer:<8} {:>9.0} readings/s written, {} dropped, {:.2} CPU s",
                figure(&line, "written_per_s")?,
                figure(&line, "dropped")?,
                figure(&line, "cpu_s")?,
            ));
        }
        Ok(())
    })();
    sim.stop();
    println!("\nbench-logger (DataLogger, 1,000 devices at @p,1 for 5 s, same pacsys-sim):");
    for row in &rows {
        println!("  {row}");
    }
    result
}
