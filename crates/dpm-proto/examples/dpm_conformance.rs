//! Checks the codec against a file of DPM golden vectors (the `messages.json` schema).
//!
//! ```text
//! cargo run --release -p pacsys-dpm-proto --example dpm_conformance -- crates/dpm-proto/tests/data/messages.json
//! ```
//!
//! Prints one line per mismatch, then `N passed, M failed`; exits with status 1 if any case
//! failed (2 if the file cannot be read).

#[path = "../tests/support/conformance.rs"]
mod conformance;

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dpm_conformance FILE");
        return ExitCode::from(2);
    };
    match conformance::check_file(&path) {
        Ok(report) => {
            for line in &report.failures {
                println!("{line}");
            }
            println!("{} passed, {} failed", report.passed, report.failed());
            if report.failed() > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
