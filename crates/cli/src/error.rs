//! [`CliError`]: why a command failed, and the exit code it gives.

use std::process::ExitCode;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code when any device or the connection failed.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error (bad option, bad DRF, bad value, bad configuration).
pub const EXIT_USAGE: u8 = 2;
/// Exit code after Ctrl-C.
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code after SIGTERM (128 + 15).
pub const EXIT_TERMINATED: u8 = 143;

/// Why a command failed. Each kind maps to one exit code ([`CliError::exit_code`]).
///
/// ```
/// use pacsys_cli::CliError;
///
/// let e = CliError::Usage("--tolerance needs --verify".into());
/// assert_eq!(e.exit_code(), 2);
/// assert_eq!(CliError::Interrupted.exit_code(), 130);
/// assert_eq!(CliError::Terminated.exit_code(), 143);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A DRF does not parse; `caret` shows the input with a caret under the bad byte.
    #[error("invalid DRF {drf:?}: {source}\n  {caret}")]
    BadDrf {
        /// The argument as given.
        drf: String,
        /// The parser's error.
        source: pacsys_drf::Error,
        /// The input and a caret line, indented to line up.
        caret: String,
    },
    /// Any other usage error: a bad value, a bad time, options that do not go together.
    #[error("{0}")]
    Usage(String),
    /// The backend could not be configured (a bad `PACSYS_*` variable, a bad host).
    #[error("configuration: {0}")]
    Config(String),
    /// The simulator could not start.
    #[error("simulator: {0}")]
    Sim(String),
    /// Something failed at run time and was already reported line by line; this is the
    /// summary (exit 1).
    #[error("{0}")]
    Failed(String),
    /// The reader of the output went away (`pacsys monitor ... | head -3`): the command
    /// ends quietly with exit 0, as Unix tools do.
    #[error("the output was closed")]
    OutputClosed,
    /// Ctrl-C (exit 130).
    #[error("interrupted")]
    Interrupted,
    /// SIGTERM (exit 143).
    #[error("terminated")]
    Terminated,
}

impl CliError {
    /// The process exit code for this error: 2 for usage and configuration problems, 1 for
    /// failures at run time, 130 after Ctrl-C.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadDrf { .. } | CliError::Usage(_) | CliError::Config(_) => EXIT_USAGE,
            CliError::Sim(_) | CliError::Failed(_) => EXIT_FAILURE,
            CliError::OutputClosed => 0,
            CliError::Interrupted => EXIT_INTERRUPTED,
            CliError::Terminated => EXIT_TERMINATED,
        }
    }

    /// A [`CliError::BadDrf`] for `drf`.
    pub fn bad_drf(drf: &str, source: pacsys_drf::Error) -> CliError {
        let caret = source.caret(drf).replace('\n', "\n  ");
        CliError::BadDrf {
            drf: drf.to_owned(),
            source,
            caret,
        }
    }
}

/// What a command reports when it finishes without an error of its own: success, or the
/// number of lines that failed (exit 1), or an interruption (exit 130).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything worked (exit 0).
    Success,
    /// Some devices failed and were reported (exit 1).
    SomeFailed,
    /// Ctrl-C after the summary was printed (exit 130).
    Interrupted,
    /// SIGTERM after the summary was printed (exit 143).
    Terminated,
}

impl Outcome {
    /// The exit code.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => EXIT_OK,
            Outcome::SomeFailed => EXIT_FAILURE,
            Outcome::Interrupted => EXIT_INTERRUPTED,
            Outcome::Terminated => EXIT_TERMINATED,
        })
    }

    /// `SomeFailed` when `failed`, else `Success`.
    pub fn from_failed(failed: bool) -> Outcome {
        if failed {
            Outcome::SomeFailed
        } else {
            Outcome::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_drf_carries_the_caret() {
        let input = "M:OUTTMP@p,1000,X";
        let err = pacsys_drf::Request::parse(input).err();
        let Some(err) = err else {
            panic!("should not parse")
        };
        let e = CliError::bad_drf(input, err);
        let text = e.to_string();
        assert!(text.contains("M:OUTTMP@p,1000,X\n  "), "{text}");
        assert!(text.ends_with('^'), "{text}");
        assert_eq!(e.exit_code(), EXIT_USAGE);
    }
}
