//! Writing results to stdout: [`Out`] (one buffer, a closed pipe ends the command) and
//! the stderr report of failures that are not about one device.

use std::collections::HashSet;
use std::io::Write;

use pacsys::Error;

use crate::error::CliError;
use crate::output::error_message;

/// Buffered stdout; write errors (a closed pipe) end the command with exit 1. The silent
/// form ([`Out::none`]) never touches stdout, for commands whose stdout is a Parquet stream
/// written from the recorder's thread (holding the stdout lock here would block it).
pub struct Out(Option<std::io::BufWriter<std::io::StdoutLock<'static>>>);

impl Out {
    /// Stdout, locked and buffered (64 KiB).
    pub fn new() -> Out {
        Out(Some(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout().lock(),
        )))
    }

    /// Writes nothing.
    pub fn none() -> Out {
        Out(None)
    }

    /// Writes `s` and a newline.
    pub fn line(&mut self, s: &str) -> Result<(), CliError> {
        match &mut self.0 {
            Some(w) => writeln!(w, "{s}").map_err(write_failed),
            None => Ok(()),
        }
    }

    /// Writes `s` as it is.
    pub fn raw(&mut self, s: &str) -> Result<(), CliError> {
        match &mut self.0 {
            Some(w) => w.write_all(s.as_bytes()).map_err(write_failed),
            None => Ok(()),
        }
    }

    /// Sends what is buffered.
    pub fn flush(&mut self) -> Result<(), CliError> {
        match &mut self.0 {
            Some(w) => w.flush().map_err(write_failed),
            None => Ok(()),
        }
    }
}

/// The error of a failed write: [`CliError::OutputClosed`] for a closed pipe.
pub fn write_failed(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::OutputClosed;
    }
    CliError::Failed(format!("cannot write the output: {e}"))
}

/// Drops `value` on a thread of its own when it is large (a thread costs tens of
/// microseconds); the process may exit before it finishes, which frees it just the same.
pub fn drop_in_background<T: Send + 'static>(value: Vec<T>) {
    if value.len() >= 1024 {
        // Should no thread start, the closure and the value are dropped here instead.
        let _ = std::thread::Builder::new()
            .name("pacsys-free".into())
            .spawn(move || drop(value));
    }
}

/// Reports the distinct failures that are not about one device (connection, timeout,
/// authentication) once each on stderr, so they are clear even when stdout is JSON.
pub fn report_call_failures<'a>(errors: impl IntoIterator<Item = &'a Error>, addr_hint: &str) {
    let mut seen = HashSet::new();
    for e in errors {
        if e.status().is_some() {
            continue;
        }
        let msg = error_message(e);
        if seen.insert(msg.clone()) {
            eprintln!("pacsys: {msg}{addr_hint}");
        }
    }
}
