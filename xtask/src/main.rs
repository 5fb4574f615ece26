//! Project automation, run as `cargo xtask <command>` (see `.cargo/config.toml`).
//!
//! Follows rust-analyzer's xtask: plain Rust, std only, so it builds in seconds on a fresh
//! machine and needs nothing but cargo.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench_vs_pacsys;
mod harness;
mod interop;
mod python;

/// Golden-vector copies kept in this repository, as (path under `../shared`, path in the repo).
///
/// The repository must stand alone, so each crate tests against its own copy; `cargo xtask ci`
/// fails when a copy has drifted from `../shared` (checked only when that folder exists).
const VECTOR_COPIES: &[(&str, &str)] = &[
    (
        "vectors/drf/corpus.json",
        "crates/drf/tests/data/corpus.json",
    ),
    ("vectors/drf/README.md", "crates/drf/tests/data/README.md"),
    (
        "vectors/dpm/messages.json",
        "crates/dpm-proto/tests/data/messages.json",
    ),
    (
        "vectors/dpm/README.md",
        "crates/dpm-proto/tests/data/README.md",
    ),
];

/// Fuzz targets: (crate folder holding `fuzz/`, target name).
const FUZZ_TARGETS: &[(&str, &str)] = &[
    ("crates/drf", "parse"),
    ("crates/dpm-proto", "reply_decode"),
    ("crates/dpm-proto", "frame_codec"),
];

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                      the whole test suite: vector copies, fmt, clippy -D warnings, all tests,
                          warning-free rustdoc, Kerberos settings against a throwaway MIT realm
                          (`--features kerberos`), the Python package's pytest suite, interop with
                          the reference client
  vectors [--sync]        check (or refresh) the golden-vector copies against ../shared
  fuzz [TARGET] [SECS]    run cargo-fuzz targets (default: all, 60 s each; needs cargo-fuzz)
  codegen [--check]       regenerate crates/grpc-core/src/generated from its .proto files
                          (protox, no protoc), or check that the checked-in code is current
  docs [--check]          regenerate crates/cli/doc (the pacsys man page and the bash, zsh and
                          fish completions) from the CLI's clap definitions, or check them
  interop                 the reference Python client (pacsys 0.3.0) against our simulator
  bench-vs-pacsys         reference client vs pacsys-dpm-core on the same simulator (release
                          build): get_many 1,000 / 10,000 and streaming, with ratios
  python                  build the Python package (crates/python) with maturin into the pinned
                          environment target/python-venv and run its pytest suite
  bench-logger            DataLogger from Python, pacsys_rs (Parquet, CSV) vs pacsys 0.3.0 (CSV),
                          1,000 devices at @p,1 (1 M readings/s offered) on one pacsys-sim
  bench-py                pacsys 0.3.0 vs pacsys_rs from Python on the same simulator: get_many
                          10,000, a 10,000-device stream, a 40,000-element array, memory
  help                    this text
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("vectors") => vectors(args.iter().any(|a| a == "--sync")),
        Some("fuzz") => fuzz(
            args.get(1).map(String::as_str),
            args.get(2).map(String::as_str),
        ),
        Some("codegen") => codegen(args.iter().any(|a| a == "--check")),
        Some("docs") => docs(args.iter().any(|a| a == "--check")),
        Some("interop") => interop::run(),
        Some("bench-vs-pacsys") => bench_vs_pacsys::run(),
        Some("python") => python::test(),
        Some("bench-py") => python::bench(),
        Some("bench-logger") => python::bench_logger(),
        Some("help") | Some("--help") | Some("-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate's manifest folder).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the repository root, echoing it, and fails if it fails.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_in(&repo_root(), program, args, &[])
}

fn run_in(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Regenerates (or with `check`, verifies) pacsys-grpc-core's generated code. The work is
/// done by the `xtask-codegen` binary, so that xtask itself stays std-only and quick to build;
/// `check` regenerates into a temporary folder and fails when it differs from the checked-in
/// files.
fn codegen(check: bool) -> Result<(), String> {
    let mode = if check { "check" } else { "write" };
    run(
        &cargo(),
        &[
            "run",
            "--quiet",
            "--locked",
            "-p",
            "xtask-codegen",
            "--",
            mode,
        ],
    )
}

/// The CLI's generated documentation (man page, completion scripts) in `crates/cli/doc`:
/// written by the `gen_docs` example of pacsys-cli from the same clap definitions the
/// binary parses with; `check` regenerates into a scratch folder and fails on any
/// difference from the checked-in files.
fn docs(check: bool) -> Result<(), String> {
    let root = repo_root();
    let checked_in = root.join("crates/cli/doc");
    let out = if check {
        let scratch = root.join("target/xtask-docs");
        let _ = fs::remove_dir_all(&scratch);
        scratch
    } else {
        checked_in.clone()
    };
    let out_arg = out.to_string_lossy().into_owned();
    run(
        &cargo(),
        &[
            "run",
            "--quiet",
            "--locked",
            "-p",
            "pacsys-cli",
            "--example",
            "gen_docs",
            "--",
            &out_arg,
        ],
    )?;
    if !check {
        return Ok(());
    }
    let mut stale = Vec::new();
    let entries = fs::read_dir(&out).map_err(|e| format!("reading {}: {e}", out.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", out.display()))?;
        let name = entry.file_name();
        let fresh = fs::read(entry.path()).map_err(|e| format!("{e}"))?;
        if fs::read(checked_in.join(&name)).ok().as_deref() != Some(&fresh[..]) {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    if stale.is_empty() {
        eprintln!("xtask docs: crates/cli/doc is up to date");
        Ok(())
    } else {
        Err(format!(
            "crates/cli/doc is stale ({}); run `cargo xtask docs` and commit the result",
            stale.join(", ")
        ))
    }
}

/// The whole suite, in order of cost: cheap checks first so a typo fails in seconds.
fn ci() -> Result<(), String> {
    let cargo = cargo();
    vectors(false)?;
    codegen(true)?;
    run(&cargo, &["fmt", "--all", "--", "--check"])?;
    docs(true)?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // Unit, integration, example-build and doc tests for every crate.
    run(&cargo, &["test", "--workspace", "--locked"])?;
    // The optional `serde` support (no default build enables it).
    run(
        &cargo,
        &[
            "test",
            "--locked",
            "-p",
            "pacsys-types",
            "-p",
            "pacsys",
            "--features",
            "pacsys-types/serde,pacsys/serde",
            "--lib",
        ],
    )?;
    // The proxy's TLS option (a throwaway certificate made with openssl).
    run(
        &cargo,
        &[
            "clippy",
            "--locked",
            "-p",
            "pacsys-supervised",
            "--features",
            "tls",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run(
        &cargo,
        &[
            "test",
            "--locked",
            "-p",
            "pacsys-supervised",
            "--features",
            "tls",
            "--test",
            "tls",
        ],
    )?;
    // Rustdoc must build without a warning (broken links, missing docs on public items).
    run_in(
        &repo_root(),
        &cargo,
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // Kerberos-authenticated settings against a throwaway MIT realm on loopback (skipped
    // with a reason outside CI when the KDC programs are missing).
    kerberos(&cargo)?;
    // The Python package: wheel built with maturin into target/python-venv, pytest suite.
    python::test()?;
    // The reference client against our simulator (skipped with a reason outside CI when
    // python3 or the Kerberos headers its gssapi dependency builds against are missing).
    match harness::missing_prerequisite() {
        None => interop::run()?,
        Some(what) if env::var_os("CI").is_some() => {
            return Err(format!("interop prerequisite missing in CI: {what}"));
        }
        Some(what) => eprintln!("xtask ci: SKIPPING interop: {what}"),
    }
    eprintln!("xtask ci: all checks passed");
    Ok(())
}

/// The MIT Kerberos programs the `kerberos` feature's tests need (pacsys-sim's
/// `kdc::TestRealm` runs them).
const KDC_PROGRAMS: &[&str] = &["kdb5_util", "kadmin.local", "krb5kdc", "kinit"];

/// The KDC programs that are not installed (searched on `PATH` and in `/usr/sbin`, `/sbin`).
fn missing_kdc_programs() -> Vec<&'static str> {
    let path = env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .collect();
    KDC_PROGRAMS
        .iter()
        .copied()
        .filter(|p| !dirs.iter().any(|d| d.join(p).is_file()))
        .collect()
}

/// Clippy and the tests of the `kerberos` features (dpm-core's GSS-API initiator, the fake
/// server's acceptor, the real-KDC acceptance tests). A missing KDC program fails under CI
/// and skips the step (with the reason) elsewhere.
fn kerberos(cargo: &str) -> Result<(), String> {
    let missing = missing_kdc_programs();
    if !missing.is_empty() {
        let what = format!(
            "Kerberos KDC programs missing: {} (apt-get install krb5-kdc krb5-admin-server krb5-user libkrb5-dev libclang-dev pkg-config)",
            missing.join(", ")
        );
        if env::var_os("CI").is_some() {
            return Err(format!("kerberos prerequisite missing in CI: {what}"));
        }
        eprintln!("xtask ci: SKIPPING kerberos tests: {what}");
        return Ok(());
    }
    // The production crates' `kerberos` features never switch on test support: the tests
    // turn on the simulator's acceptor (`pacsys-sim/kerberos`) and KDC harness
    // (`pacsys-sim/kdc`) themselves.
    let features = "pacsys-dpm-core/kerberos,pacsys-sim/kerberos,pacsys-sim/kdc";
    let crates = ["-p", "pacsys-dpm-core", "-p", "pacsys-sim"];
    let mut clippy = vec!["clippy"];
    clippy.extend(crates);
    // The facade and the CLI forward the feature: lint (and so build) them with it too.
    clippy.extend(["-p", "pacsys", "-p", "pacsys-cli"]);
    clippy.extend([
        "--all-targets",
        "--features",
        "pacsys-dpm-core/kerberos,pacsys-sim/kerberos,pacsys-sim/kdc,pacsys/kerberos,pacsys-cli/kerberos",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    run(cargo, &clippy)?;
    let mut test = vec!["test"];
    test.extend(crates);
    test.extend(["--features", features, "--locked"]);
    run(cargo, &test)?;
    // The facade's own Kerberos test (its other tests write to fakes that accept settings
    // without authentication, which a `kerberos` build would refuse to attempt).
    run(
        cargo,
        &[
            "test",
            "-p",
            "pacsys",
            "--features",
            "kerberos,pacsys-sim/kerberos,pacsys-sim/kdc",
            "--locked",
            "--test",
            "kerberos",
        ],
    )?;
    // `pacsys put --auth kerberos` end to end: the built binary against the fake's acceptor.
    run(
        cargo,
        &[
            "test",
            "-p",
            "pacsys-cli",
            "--features",
            "kerberos,pacsys-sim/kerberos,pacsys-sim/kdc",
            "--locked",
            "--test",
            "kerberos",
        ],
    )
}

/// Compares (or with `sync`, refreshes) each vector copy against `../shared`.
fn vectors(sync: bool) -> Result<(), String> {
    let root = repo_root();
    let shared = root.join("..").join("shared");
    if !shared.is_dir() {
        eprintln!("xtask vectors: ../shared not present; using the copies in the repository");
        return Ok(());
    }
    let mut drifted = Vec::new();
    for (from, to) in VECTOR_COPIES {
        let source = shared.join(from);
        let copy = root.join(to);
        let want = fs::read(&source).map_err(|e| format!("reading {}: {e}", source.display()))?;
        let have = fs::read(&copy).ok();
        if have.as_deref() == Some(want.as_slice()) {
            continue;
        }
        if sync {
            if let Some(dir) = copy.parent() {
                fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
            }
            fs::write(&copy, &want).map_err(|e| format!("writing {}: {e}", copy.display()))?;
            eprintln!("xtask vectors: refreshed {to} from ../shared/{from}");
        } else {
            drifted.push(format!("{to} differs from ../shared/{from}"));
        }
    }
    if drifted.is_empty() {
        eprintln!(
            "xtask vectors: {} copies match ../shared",
            VECTOR_COPIES.len()
        );
        Ok(())
    } else {
        Err(format!(
            "golden-vector copies out of date (run `cargo xtask vectors --sync`):\n  {}",
            drifted.join("\n  ")
        ))
    }
}

/// Runs fuzz targets with cargo-fuzz. Only the stable toolchain exists on these machines, so
/// nightly-only sanitizer flags are enabled with `RUSTC_BOOTSTRAP=1`, for fuzzing only.
fn fuzz(target: Option<&str>, seconds: Option<&str>) -> Result<(), String> {
    let seconds = seconds.unwrap_or("60");
    seconds
        .parse::<u64>()
        .map_err(|_| format!("seconds must be a whole number, got `{seconds}`"))?;
    let selected: Vec<_> = FUZZ_TARGETS
        .iter()
        .filter(|(_, name)| target.is_none_or(|t| t == "all" || t == *name))
        .collect();
    if selected.is_empty() {
        let names: Vec<_> = FUZZ_TARGETS.iter().map(|(_, n)| *n).collect();
        return Err(format!("no fuzz target named {target:?}; known: {names:?}"));
    }
    let cargo = cargo();
    for (dir, name) in selected {
        // cargo-fuzz looks for `fuzz/` under the current folder and uses
        // `fuzz/corpus/<target>` as the corpus, which the crate's tests also replay.
        run_in(
            &repo_root().join(dir),
            &cargo,
            &[
                "fuzz",
                "run",
                name,
                "--",
                &format!("-max_total_time={seconds}"),
            ],
            &[("RUSTC_BOOTSTRAP", "1")],
        )?;
    }
    Ok(())
}
