//! Documentation generated from the command-line definitions themselves: shell completion
//! scripts (`pacsys completions SHELL`) and, through `cargo xtask docs`, the checked-in
//! completions and man page under `crates/cli/doc/`.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The shells whose completion scripts are checked in, with their file names.
pub const CHECKED_IN: &[(Shell, &str)] = &[
    (Shell::Bash, "pacsys.bash"),
    (Shell::Zsh, "_pacsys"),
    (Shell::Fish, "pacsys.fish"),
];

/// Writes the completion script for `shell` to `out`.
///
/// ```
/// let mut script = Vec::new();
/// pacsys_cli::docs::completions(clap_complete::Shell::Bash, &mut script).unwrap();
/// let script = String::from_utf8(script).unwrap();
/// assert!(script.contains("monitor"));
/// assert!(script.contains("--format"));
/// ```
pub fn completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pacsys", &mut buf);
    out.write_all(&buf)?;
    out.flush()
}

/// The clap command tree (for the man page generator).
pub fn command() -> clap::Command {
    Cli::command()
}
