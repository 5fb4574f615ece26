//! The crate's private tokio runtimes, used by the blocking client ([`crate::blocking`]) and
//! the process-wide default backend ([`crate::global`]); both take them from here, so neither
//! module depends on the other for it.

use tokio::runtime::Runtime;

use crate::{Error, ErrorKind};

/// A runtime of the crate's own (one worker thread named `pacsys-<who>`, timers and I/O),
/// for the blocking client and the process-wide default backend.
pub(crate) fn private_runtime(who: &'static str) -> Result<Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(format!("pacsys-{who}"))
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Unsupported,
                format!("cannot start the private tokio runtime of pacsys-{who}: {e}"),
            )
            .with_source(e)
        })
}
