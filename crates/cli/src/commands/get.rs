//! `pacsys get`: read devices once (from the arguments, and a file or stdin with `--file`),
//! one line per DRF in request order, or Parquet rows.

use std::path::Path;

use pacsys::{Backend, Error, Event};

use super::out::{Out, drop_in_background, report_call_failures};
use super::parse_drf;
use crate::cli::{GetArgs, GlobalOpts, OutputFormat};
use crate::error::{CliError, Outcome};
use crate::formats::Renderer;
use crate::record::{Recording, Target};

/// `get` with its inputs checked.
#[derive(Debug)]
pub struct Get {
    /// The DRFs, as given: the arguments, then those of `--file`.
    pub drfs: Vec<String>,
    /// Write Parquet to stdout instead of lines.
    pub parquet: bool,
}

impl Get {
    /// Checks the DRFs (reading `--file` first) and the output.
    pub fn new(args: GetArgs, global: &GlobalOpts) -> Result<Get, CliError> {
        let mut drfs = args.drfs;
        if let Some(path) = &args.file {
            read_drf_list(path, &mut drfs)?;
        }
        if drfs.is_empty() {
            return Err(CliError::Usage(
                "get needs at least one DRF (as arguments or in --file)".into(),
            ));
        }
        for d in &drfs {
            parse_drf(d)?;
        }
        let parquet = global.format == OutputFormat::Parquet;
        if parquet {
            Target::Stdout.check()?;
        }
        Ok(Get { drfs, parquet })
    }

    /// Reads the DRFs and writes the results.
    pub async fn run<B: Backend>(self, b: &B, r: Renderer) -> Result<Outcome, CliError> {
        let Get { drfs, parquet } = self;
        let results = b.get_many(&drfs, None).await;
        if parquet {
            return get_parquet(&drfs, results);
        }
        let mut out = Out::new();
        if let Some(h) = r.header() {
            out.line(&h)?;
        }
        let mut failed = false;
        for (drf, res) in drfs.iter().zip(&results) {
            failed |= !matches!(res, Ok(reading) if reading.ok());
            out.line(&r.result(drf, res))?;
        }
        if results.len() != drfs.len() {
            failed = true;
        }
        out.flush()?;
        report_call_failures(results.iter().filter_map(|x| x.as_ref().err()), "");
        // Freeing ten thousand readings one by one takes longer than printing them, and the
        // process usually ends next: free them off the path to the exit.
        drop_in_background(results);
        drop_in_background(drfs);
        Ok(Outcome::from_failed(failed))
    }
}

/// Appends the DRFs of a list (`-` for stdin) to `drfs`: one per line, surrounding blanks
/// trimmed, blank lines and `#` comment lines skipped.
fn read_drf_list(path: &Path, drfs: &mut Vec<String>) -> Result<(), CliError> {
    let name = path.display().to_string();
    let failed = |e: std::io::Error| CliError::Usage(format!("--file {name}: {e}"));
    if path == Path::new("-") {
        let stdin = std::io::stdin();
        drf_lines(stdin.lock(), drfs).map_err(failed)
    } else {
        let file = std::fs::File::open(path).map_err(failed)?;
        drf_lines(std::io::BufReader::new(file), drfs).map_err(failed)
    }
}

/// The DRF lines of `input` appended to `drfs` (see [`read_drf_list`]).
fn drf_lines(input: impl std::io::BufRead, drfs: &mut Vec<String>) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let drf = line.trim();
        if !drf.is_empty() && !drf.starts_with('#') {
            drfs.push(drf.to_owned());
        }
    }
    Ok(())
}

/// `get --format parquet`: one row per reading, a device failure as an error row; failures
/// that carry no ACNET status (a timeout, a lost connection) have no row and are reported
/// on stderr.
fn get_parquet(
    drfs: &[String],
    results: Vec<Result<pacsys::Reading, Error>>,
) -> Result<Outcome, CliError> {
    let mut rec = Recording::start(Target::Stdout)?;
    let mut failed = results.len() != drfs.len();
    let mut errors = Vec::new();
    for (drf, res) in drfs.iter().zip(results) {
        match res {
            Ok(reading) => {
                failed |= !reading.ok();
                rec.event(&Event::Reading(reading))?;
            }
            Err(e) => {
                failed = true;
                if let Some(status) = e.status() {
                    rec.event(&Event::Error {
                        drf: drf.as_str().into(),
                        status,
                    })?;
                }
                errors.push(e);
            }
        }
    }
    rec.finish()?;
    report_call_failures(&errors, "");
    Ok(Outcome::from_failed(failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drf_list_skips_blanks_and_comments() {
        let text = "M:OUTTMP\n\n  # a comment\n  G:AMANDA@I  \r\n#Z:NOPE\nZ:ACLTST[0:3]";
        let mut drfs = vec!["A:FIRST".to_owned()];
        drf_lines(text.as_bytes(), &mut drfs).unwrap();
        assert_eq!(drfs, ["A:FIRST", "M:OUTTMP", "G:AMANDA@I", "Z:ACLTST[0:3]"]);
    }

    #[test]
    fn a_missing_list_is_a_usage_error_naming_it() {
        let mut drfs = Vec::new();
        let e = read_drf_list(Path::new("/nonexistent-pacsys/drfs.txt"), &mut drfs).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("/nonexistent-pacsys/drfs.txt"),
            "{e}"
        );
    }

    #[test]
    fn invalid_utf8_in_a_list_is_an_error_not_a_panic() {
        let mut drfs = Vec::new();
        assert!(drf_lines(&b"M:OUTTMP\n\xff\xfe\n"[..], &mut drfs).is_err());
    }
}
