//! The one error type of this crate, named from the caller's point of view.

use std::time::Duration;

use pacsys_types::Status;

/// What went wrong, from the caller's point of view. Each message says what to do next.
///
/// A batch read returns one `Result` per request, so most variants describe one request
/// ([`Error::InvalidRequest`], [`Error::Device`], [`Error::Timeout`]); the others describe the
/// connection and apply to every request it carried.
///
/// The type is `Clone` (one connection failure is reported for every unresolved request), so
/// underlying I/O errors are kept as text.
///
/// ```
/// use pacsys_dpm_core::Error;
/// use pacsys_types::Status;
///
/// let e = Error::Device { drf: "Z:NOPE".into(), status: Status::new(17, -26) };
/// assert!(e.to_string().starts_with("Z:NOPE: DPM answered with"));
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The DRF does not parse; nothing was sent for it.
    #[error("invalid request {drf:?}: {source}; fix the DRF string")]
    InvalidRequest {
        /// The request as the caller wrote it.
        drf: String,
        /// What the parser found.
        #[source]
        source: pacsys_drf::Error,
    },
    /// The request parses but cannot be served by this operation (for example a one-shot
    /// read with the never event `@N`, which DPM never answers); nothing was sent for it.
    #[error("{drf}: {reason}")]
    Unsupported {
        /// The request as the caller wrote it.
        drf: String,
        /// Why, and what to use instead.
        reason: &'static str,
    },
    /// DPM answered the request with a status and no data (unknown device, bad property,
    /// DPM_PEND for a device that never answered, a failed historical request, ...).
    #[error("{drf}: DPM answered with {status}; check the device name, property and event")]
    Device {
        /// The request as the caller wrote it.
        drf: String,
        /// The status DPM sent.
        status: Status,
    },
    /// No answer before the deadline.
    #[error(
        "timed out {context}; raise the timeout, or check that the device answers (DPM may take seconds to report an unknown device)"
    )]
    Timeout {
        /// What was being waited for (and for which request).
        context: String,
    },
    /// The connection failed while the operation was in progress (reset, EOF, watchdog).
    #[error("connection to DPM lost: {reason}; the operation can be retried")]
    ConnectionLost {
        /// What happened.
        reason: String,
    },
    /// The server sent something this client cannot interpret (an undecodable frame, an
    /// invalid frame length, a first frame that is not OpenList). The connection was closed.
    #[error(
        "DPM protocol error: {detail}; the connection was closed (check that the address is a DPM/HTTP endpoint)"
    )]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// The server answered the handshake with an HTTP response instead of binary frames.
    #[error(
        "the DPM proxy refused the session with `{status_line}`; check the host and port, or retry later on 503"
    )]
    Http {
        /// The HTTP status line, e.g. `HTTP/1.1 503 Service Unavailable`.
        status_line: String,
    },
    /// The TCP connection could not be made (refused, unreachable, name not resolved).
    #[error("cannot connect to DPM at {addr}: {reason}; check the host, the port and the network")]
    Refused {
        /// The address tried.
        addr: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The server could not open or start the list (for example DPM_OUTOMEM, or a list-level
    /// Status reply after StartList).
    #[error("DPM could not start the list: {status}; retry later or split the request")]
    ListFailed {
        /// The status DPM sent.
        status: Status,
    },
    /// Every pooled connection stayed busy for the whole wait.
    #[error(
        "all {size} pooled DPM connections stayed busy for {waited:?}; raise the pool size or the timeout"
    )]
    PoolExhausted {
        /// The pool size.
        size: usize,
        /// How long the call waited for a free connection.
        waited: Duration,
    },
    /// The client or subscription was shut down.
    #[error("the DPM client was shut down; create a new one")]
    Closed,
}

impl Error {
    /// Whether trying the same operation again may succeed (transport trouble, timeouts,
    /// busy pool), as opposed to a problem with the request itself.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Timeout { .. }
                | Error::ConnectionLost { .. }
                | Error::Refused { .. }
                | Error::Http { .. }
                | Error::PoolExhausted { .. }
                | Error::ListFailed { .. }
        )
    }
}
