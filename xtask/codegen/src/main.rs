//! Generates `crates/grpc-core/src/generated/` from `crates/grpc-core/proto/` with protox (a
//! pure-Rust protobuf compiler, so no `protoc`) and tonic/prost code generation.
//!
//! ```text
//! cargo run -p xtask-codegen -- write   # regenerate the checked-in code
//! cargo run -p xtask-codegen -- check   # fail when the checked-in code is stale
//! ```
//!
//! `cargo xtask codegen` and `cargo xtask ci` call this binary. It is a crate of its own so
//! that `xtask` itself stays std-only and quick to build: only these two commands pay for
//! compiling protox and prost-build.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The proto files, relative to the grpc-core crate (which is also the include root, so the
/// imports read `proto/controls/...` as in Fermilab's repository).
const PROTOS: &[&str] = &[
    "proto/controls/common/v1/status.proto",
    "proto/controls/common/v1/device.proto",
    "proto/controls/service/DAQ/v1/DAQ.proto",
];

fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/grpc-core")
}

/// Generates into `out` (which must exist and be empty).
fn generate(out: &Path) -> Result<(), String> {
    let root = crate_dir();
    let fds = protox::compile(PROTOS, [&root]).map_err(|e| format!("protox: {e:?}"))?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .server_mod_attribute("services.daq", "#[cfg(feature = \"server\")]")
        // Sorted map entries: deterministic bytes for the same basic status.
        .btree_map(".common.device.Value.BasicStatus.value")
        .out_dir(out)
        .compile_fds(fds)
        .map_err(|e| format!("code generation: {e}"))
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") {
            let text = fs::read_to_string(entry.path()).map_err(|e| format!("{name}: {e}"))?;
            files.push((name, text));
        }
    }
    files.sort();
    Ok(files)
}

fn temp_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("pacsys-codegen-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn run(mode: &str) -> Result<(), String> {
    let target = crate_dir().join("src/generated");
    let tmp = temp_dir()?;
    let result = (|| {
        generate(&tmp)?;
        let fresh = read_dir_sorted(&tmp)?;
        match mode {
            "write" => {
                fs::create_dir_all(&target).map_err(|e| e.to_string())?;
                for (name, _) in read_dir_sorted(&target)? {
                    fs::remove_file(target.join(&name)).map_err(|e| e.to_string())?;
                }
                for (name, text) in &fresh {
                    fs::write(target.join(name), text).map_err(|e| format!("{name}: {e}"))?;
                }
                println!(
                    "codegen: wrote {} files to {}",
                    fresh.len(),
                    target.display()
                );
                Ok(())
            }
            "check" => {
                let current = read_dir_sorted(&target)?;
                if current == fresh {
                    println!(
                        "codegen: checked-in code is up to date ({} files)",
                        fresh.len()
                    );
                    Ok(())
                } else {
                    let names = |v: &[(String, String)]| {
                        v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
                    };
                    let stale: Vec<String> = fresh
                        .iter()
                        .filter(|f| !current.contains(f))
                        .map(|(n, _)| n.clone())
                        .collect();
                    Err(format!(
                        "checked-in generated code in {} is stale (differs: {stale:?}; have {:?}); run `cargo xtask codegen`",
                        target.display(),
                        names(&current)
                    ))
                }
            }
            other => Err(format!("unknown mode `{other}` (use `write` or `check`)")),
        }
    })();
    let _ = fs::remove_dir_all(&tmp);
    result
}

fn main() -> ExitCode {
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "write".to_owned());
    match run(&mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
