//! The `pacsys` binary: parses the command line and runs it (see the `pacsys_cli` crate).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit 2 (clap's convention), --help and --version 0.
    let cli = pacsys_cli::cli::Cli::parse();
    pacsys_cli::run(cli)
}
