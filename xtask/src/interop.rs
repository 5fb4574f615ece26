//! `cargo xtask interop`: runs the reference Python library (pacsys 0.3.0, from PyPI) against
//! our code: its DRF3 parser against ours on 20,000 mutated inputs, its DPM client against
//! our simulator over loopback TCP, its gRPC client against our fake DAQ server, our gRPC
//! client against its own gRPC proxy (`SupervisedServer`), and its gRPC client through our
//! supervised proxy (`pacsys-proxy`) and through `pacsys_rs.supervised.SupervisedServer`
//! started from Python.
//!
//! The virtual environment lives under `target/interop-venv` and is reused between runs.
//! pacsys depends on `gssapi`, which builds against `libkrb5-dev`; `.ci/run` installs it.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::{Simulator, reference_venv, target_dir};
use crate::{cargo, repo_root, run_in};

/// Runs every interop script; fails if any check fails.
pub fn run() -> Result<(), String> {
    let root = repo_root();
    let python = reference_venv(&root)?;
    let cargo = cargo();
    drf_differential(&root, &python, &cargo)?;
    run_in(
        &root,
        &cargo,
        &[
            "build",
            "--locked",
            "-p",
            "pacsys-sim",
            "--bin",
            "pacsys-sim",
        ],
        &[],
    )?;
    let sim_path = target_dir(&root).join("debug/pacsys-sim");
    let mut sim = Simulator::start(&sim_path, &["--dpm-port", "0"])?;
    let dpm_port = sim.port("dpm")?;
    let script = root.join("xtask/interop/dpm_reference.py");
    let outcome = run_in(
        &root,
        &python.to_string_lossy(),
        &[&script.to_string_lossy(), &dpm_port.to_string()],
        &[],
    );
    sim.stop();
    outcome?;
    daq_reference(&root, &python, &sim_path)?;
    replay_reference(&root, &python, &cargo, &sim_path)?;
    supervised_proxy(&root, &python, &cargo)?;
    our_proxy(&root, &python, &cargo)?;
    python_supervised(&root, &python)?;
    eprintln!("xtask interop: all interop checks passed");
    Ok(())
}

/// pacsys 0.3.0's gRPC client reads, streams and is refused a setting through a
/// `pacsys_rs.supervised.SupervisedServer` started from Python (the pacsys_rs test
/// environment) over an `AsyncFakeBackend` and over an `AsyncBackend` written in Python.
fn python_supervised(root: &Path, python: &Path) -> Result<(), String> {
    let ours = crate::python::build(root)?;
    let server = root.join("xtask/interop/pacsys_rs_supervised_server.py");
    let server = server.to_string_lossy().into_owned();
    let script = root.join("xtask/interop/supervised_server_reference.py");
    for kind in ["async_fake", "python"] {
        let mut srv = Simulator::start(&ours, &[&server, kind, GRPC_TOKEN])?;
        let port = srv.port("grpc")?;
        let outcome = run_in(
            root,
            &python.to_string_lossy(),
            &[
                &script.to_string_lossy(),
                &port.to_string(),
                GRPC_TOKEN,
                kind,
            ],
            &[],
        );
        srv.stop();
        outcome?;
    }
    Ok(())
}

/// The bearer token both gRPC directions use (the proxies compare it literally).
const GRPC_TOKEN: &str = "interop-token";

/// The reference gRPC client (pacsys 0.3.0 `GRPCBackend`) reads, batch-reads, streams and
/// writes against our fake DAQ server (`pacsys-sim --grpc-port`).
fn daq_reference(root: &Path, python: &Path, sim_path: &Path) -> Result<(), String> {
    let mut sim = Simulator::start(
        sim_path,
        &[
            "--dpm-port",
            "0",
            "--grpc-port",
            "0",
            "--grpc-token",
            GRPC_TOKEN,
        ],
    )?;
    let grpc_port = sim.port("grpc")?;
    let script = root.join("xtask/interop/daq_reference.py");
    let outcome = run_in(
        root,
        &python.to_string_lossy(),
        &[
            &script.to_string_lossy(),
            &grpc_port.to_string(),
            GRPC_TOKEN,
        ],
        &[],
    );
    sim.stop();
    outcome
}

/// The reference client streams a recording replayed by our simulator: our client records
/// a run of the simulator (`pacsys --sim monitor ... --record`, its JSON lines kept as what
/// it received), `pacsys-sim --replay` serves the recording at twice its pace, and the
/// reference subscribes over DPM and gRPC and must hear the recorded values in order.
fn replay_reference(
    root: &Path,
    python: &Path,
    cargo: &str,
    sim_path: &Path,
) -> Result<(), String> {
    run_in(
        root,
        cargo,
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
    let dir = target_dir(root).join("interop-replay");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let recording = dir.join("run.parquet");
    let lines = dir.join("lines.jsonl");
    let stdout = std::fs::File::create(&lines).map_err(|e| format!("{}: {e}", lines.display()))?;
    let status = Command::new(target_dir(root).join("release/pacsys"))
        .args([
            "--sim",
            "monitor",
            "Z:SINE@p,100",
            "Z:RAMP@p,100",
            "--count",
            "40",
        ])
        .args(["--format", "json", "--record"])
        .arg(&recording)
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("running pacsys to record: {e}"))?;
    if !status.success() {
        return Err(format!("recording for the replay check failed: {status}"));
    }
    let recording_arg = recording.to_string_lossy().into_owned();
    let mut sim = Simulator::start(
        sim_path,
        &[
            "--dpm-port",
            "0",
            "--grpc-port",
            "0",
            "--grpc-token",
            GRPC_TOKEN,
            "--replay",
            &recording_arg,
            "--speed",
            "2",
        ],
    )?;
    let dpm_port = sim.port("dpm")?.to_string();
    let grpc_port = sim.port("grpc")?.to_string();
    let script = root.join("xtask/interop/replay_reference.py");
    let outcome = run_in(
        root,
        &python.to_string_lossy(),
        &[
            &script.to_string_lossy(),
            &dpm_port,
            &grpc_port,
            GRPC_TOKEN,
            &lines.to_string_lossy(),
        ],
        &[],
    );
    sim.stop();
    outcome
}

/// Our gRPC client reads, streams and writes against the reference project's own proxy
/// (pacsys 0.3.0 `SupervisedServer` over its `FakeBackend`, with a `DeviceAccessPolicy`
/// allowing sets on the written devices).
fn supervised_proxy(root: &Path, python: &Path, cargo: &str) -> Result<(), String> {
    run_in(
        root,
        cargo,
        &[
            "build",
            "--locked",
            "-p",
            "pacsys-grpc-core",
            "--example",
            "interop_client",
        ],
        &[],
    )?;
    let script = root.join("xtask/interop/supervised_server.py");
    let script = script.to_string_lossy();
    let mut proxy = Simulator::start(python, &[&script, GRPC_TOKEN])?;
    let port = proxy.port("grpc")?;
    let client = target_dir(root).join("debug/examples/interop_client");
    let outcome = run_in(
        root,
        &client.to_string_lossy(),
        &[&port.to_string(), GRPC_TOKEN],
        &[],
    );
    proxy.stop();
    outcome
}

/// The configuration of our proxy for [`our_proxy`]: the simulator backend, JWT validation
/// (HS256, issuer and audience), settings
/// allowed on two devices, one device unreadable, a value range and a per-device rate limit.
fn our_proxy_config(audit: &Path, jwt_secret: &Path) -> String {
    format!(
        r#"metrics_interval_secs = 0

[backend]
kind = "fake"

[jwt]
hs256_secret_file = "{}"
issuer = "pacsys-interop"
audience = "pacsys-proxy"

[audit]
path = "{}"

[[policy]]
type = "device_access"
mode = "allow"
action = "set"
patterns = ["G:AMANDA", "Z:ACLTST"]

[[policy]]
type = "device_access"
mode = "deny"
action = "read"
patterns = ["Z:TEXTDV"]

[[policy]]
type = "value_range"
limits = [{{ pattern = "G:AMANDA", min = -100.0, max = 100.0 }}]

[[policy]]
type = "rate_limit"
scope = "client_device"
action = "read"
max_requests = 2
window_seconds = 3600
devices = ["Z:BENCH0042"]
"#,
        jwt_secret.display(),
        audit.display()
    )
}

/// The HS256 secret the proxy validates the reference client's JWTs with (test-only,
/// written to `target/` at run time).
const PROXY_JWT_SECRET: &str = "interop-proxy-jwt-secret-0123456789";

/// The reference gRPC client (pacsys 0.3.0) reads, streams and writes through our
/// supervised proxy (`pacsys-proxy` over the fake backend), and gets `PERMISSION_DENIED` /
/// `UNAUTHENTICATED` exactly where the configured policies say.
fn our_proxy(root: &Path, python: &Path, cargo: &str) -> Result<(), String> {
    run_in(
        root,
        cargo,
        &[
            "build",
            "--locked",
            "-p",
            "pacsys-supervised",
            "--bin",
            "pacsys-proxy",
        ],
        &[],
    )?;
    let dir = target_dir(root);
    let audit = dir.join("interop-proxy-audit.jsonl");
    let _ = std::fs::remove_file(&audit);
    let secret = dir.join("interop-proxy-jwt-secret");
    std::fs::write(&secret, PROXY_JWT_SECRET)
        .map_err(|e| format!("writing {}: {e}", secret.display()))?;
    let config = dir.join("interop-proxy.toml");
    std::fs::write(&config, our_proxy_config(&audit, &secret))
        .map_err(|e| format!("writing {}: {e}", config.display()))?;
    let binary = dir.join("debug/pacsys-proxy");
    let config_arg = config.to_string_lossy();
    let mut proxy = Simulator::start(&binary, &["--config", &config_arg, "--bind", "127.0.0.1:0"])?;
    let port = proxy.port("grpc")?;
    let script = root.join("xtask/interop/supervised_proxy_reference.py");
    let outcome = run_in(
        root,
        &python.to_string_lossy(),
        &[
            &script.to_string_lossy(),
            &port.to_string(),
            PROXY_JWT_SECRET,
        ],
        &[],
    );
    proxy.stop();
    outcome?;
    let records = std::fs::read_to_string(&audit)
        .map_err(|e| format!("reading the proxy's audit log {}: {e}", audit.display()))?
        .lines()
        .count();
    if records == 0 {
        return Err("the proxy wrote no audit record".to_owned());
    }
    eprintln!("xtask interop: our proxy wrote {records} audit records");
    Ok(())
}

/// Seed and size of the DRF differential run: fixed, so every run checks the same cases.
const DRF_SEED: &str = "2026";
const DRF_CASES: &str = "20000";

/// Our DRF3 parser against the reference parser on mutated corpus inputs: the reference
/// writes the expected outcomes in the corpus schema, our conformance checker compares.
fn drf_differential(root: &Path, python: &Path, cargo: &str) -> Result<(), String> {
    let cases = target_dir(root).join("interop-drf-differential.json");
    run_in(
        root,
        &python.to_string_lossy(),
        &[
            "xtask/interop/drf_differential.py",
            "crates/drf/tests/data/corpus.json",
            &cases.to_string_lossy(),
            DRF_SEED,
            DRF_CASES,
        ],
        &[],
    )?;
    run_in(
        root,
        cargo,
        &[
            "run",
            "--quiet",
            "--locked",
            "-p",
            "pacsys-drf",
            "--example",
            "drf_conformance",
            "--",
            &cases.to_string_lossy(),
        ],
        &[],
    )
}
