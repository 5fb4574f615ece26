//! Writes the `pacsys` man page and completion scripts into a folder (default
//! `crates/cli/doc`), from the same clap definitions the binary parses with. Run through
//! `cargo xtask docs` (which checks the checked-in copies under `--check`).
//!
//! ```text
//! cargo run -p pacsys-cli --example gen_docs -- OUTDIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("crates/cli/doc"), PathBuf::from);
    match generate(&out) {
        Ok(n) => {
            println!("gen_docs: wrote {n} files to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_docs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate(out: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(out)?;
    let mut written = 0;
    let mut page = Vec::new();
    clap_mangen::Man::new(pacsys_cli::docs::command()).render(&mut page)?;
    std::fs::write(out.join("pacsys.1"), page)?;
    written += 1;
    for (shell, file) in pacsys_cli::docs::CHECKED_IN {
        let mut script = Vec::new();
        pacsys_cli::docs::completions(*shell, &mut script)?;
        std::fs::write(out.join(file), script)?;
        written += 1;
    }
    Ok(written)
}
