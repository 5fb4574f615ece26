//! Where a command's Parquet output goes: a crash-safe dataset folder (`monitor --record`),
//! one file (`history --output`) or stdout (`--format parquet`), over
//! [`pacsys_record::Recorder`].

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pacsys::Event;
use pacsys_record::{RecordOptions, RecordStats, Recorder};

use crate::error::CliError;

/// Where the Parquet output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A new dataset folder, closing a part file every `interval` (`monitor --record`).
    Dataset {
        /// The folder (`run.parquet`).
        path: PathBuf,
        /// How often a row group is closed into a part file.
        interval: Duration,
    },
    /// One Parquet file, complete once the command ends (`history --output`).
    File(PathBuf),
    /// One Parquet file on stdout (`--format parquet`).
    Stdout,
}

impl Target {
    /// Checks, before anything connects, that the output can be created: stdout is not a
    /// terminal, a dataset folder does not exist yet.
    pub fn check(&self) -> Result<(), CliError> {
        match self {
            Target::Stdout if std::io::stdout().is_terminal() => Err(CliError::Usage(
                "--format parquet writes binary data: redirect stdout to a file or a pipe".into(),
            )),
            Target::Dataset { path, .. } if path.exists() => Err(CliError::Usage(format!(
                "{}: already exists; --record makes a new folder",
                path.display()
            ))),
            _ => Ok(()),
        }
    }

    fn name(&self) -> String {
        match self {
            Target::Dataset { path, .. } | Target::File(path) => path.display().to_string(),
            Target::Stdout => "stdout".into(),
        }
    }
}

/// A recording in progress.
pub struct Recording {
    recorder: Recorder,
    target: Target,
}

fn failed(target: &Target, e: impl std::fmt::Display) -> CliError {
    CliError::Failed(format!("recording to {}: {e}", target.name()))
}

impl Recording {
    /// Starts recording to `target`.
    pub fn start(target: Target) -> Result<Recording, CliError> {
        let recorder = match &target {
            Target::Dataset { path, interval } => Recorder::create(
                path,
                RecordOptions::default().group_interval((*interval).max(Duration::from_millis(10))),
            ),
            Target::File(path) => match std::fs::File::create(path) {
                Ok(file) => Recorder::to_writer(file, RecordOptions::default()),
                Err(e) => return Err(failed(&target, e)),
            },
            Target::Stdout => Recorder::to_writer(std::io::stdout(), RecordOptions::default()),
        }
        .map_err(|e| failed(&target, e))?;
        Ok(Recording { recorder, target })
    }

    /// Records one event.
    pub fn event(&mut self, event: &Event) -> Result<(), CliError> {
        self.recorder
            .write(event)
            .map_err(|e| failed(&self.target, e))
    }

    /// Closes the open row group if its time is up (called on a timer, so a silent stream
    /// still gets its last readings into a part file).
    pub fn tick(&mut self) -> Result<(), CliError> {
        self.recorder
            .flush_if_due()
            .map(|_| ())
            .map_err(|e| failed(&self.target, e))
    }

    /// Closes the recording; the line to print on stderr says what was written where (no
    /// line for stdout, whose reader sees the data).
    pub fn finish(self) -> Result<Option<String>, CliError> {
        let Recording { recorder, target } = self;
        let stats: RecordStats = recorder.finish().map_err(|e| failed(&target, e))?;
        Ok(match &target {
            Target::Stdout => None,
            Target::Dataset { path, .. } => Some(summary(&stats, path, "a Parquet dataset")),
            Target::File(path) => Some(summary(&stats, path, "a Parquet file")),
        })
    }
}

fn summary(stats: &RecordStats, path: &Path, what: &str) -> String {
    format!(
        "pacsys: recorded {} rows ({} readings) in {what}: {}",
        stats.rows,
        stats.readings,
        path.display()
    )
}
