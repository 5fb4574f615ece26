//! Checks a DRF3 vector file (corpus.json schema) against this parser.
//!
//! ```text
//! cargo run --release -p pacsys-drf --example drf_conformance -- crates/drf/tests/data/corpus.json
//! ```
//!
//! Prints one line per mismatch (case index, input, key, expected, got), then
//! `N passed, M failed`; exits with status 1 when any case failed.

#[path = "../tests/support/conformance.rs"]
mod conformance;

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: drf_conformance FILE");
        return ExitCode::from(2);
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match conformance::run(std::path::Path::new(&path), &mut out) {
        Ok((_, 0)) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("drf_conformance: {e}");
            ExitCode::from(2)
        }
    }
}
