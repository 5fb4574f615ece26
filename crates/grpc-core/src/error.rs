//! The one error type of this crate, named from the caller's point of view, with the same
//! variants as `pacsys-dpm-core`'s so the client facade can treat both transports alike.

use pacsys_types::Status;

use crate::convert::{GENERIC_ERROR, TIMEOUT_ERROR};

/// What went wrong, from the caller's point of view. Each message says what to do next.
///
/// A batch read or write returns one `Result` per request; most variants describe one
/// request ([`Error::InvalidRequest`], [`Error::Device`]), the others the call and apply to
/// every request it carried (spec section 8: gRPC codes become [`Error::Timeout`],
/// [`Error::ConnectionLost`], [`Error::Auth`] or [`Error::Rpc`]).
///
/// ```
/// use pacsys_grpc_core::Error;
/// use pacsys_types::Status;
///
/// let e = Error::Device { drf: "Z:NOPE".into(), status: Status::new(17, -26) };
/// assert!(e.to_string().starts_with("Z:NOPE: the DAQ service answered with"));
/// assert!(!e.is_retryable());
/// assert_eq!(Error::Timeout { context: "x".into() }.status(), Status::new(1, -6));
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
    /// The request parses but cannot be served by this operation (for example an alarm
    /// block written over gRPC); nothing was sent for it.
    #[error("{drf}: {reason}")]
    Unsupported {
        /// The request as the caller wrote it.
        drf: String,
        /// Why, and what to use instead.
        reason: &'static str,
    },
    /// The service answered the request with an ACNET status (unknown device, no
    /// privilege, out of range, ...).
    #[error(
        "{drf}: the DAQ service answered with {status}; check the device name, property and event"
    )]
    Device {
        /// The request as the caller wrote it.
        drf: String,
        /// The status sent.
        status: Status,
    },
    /// No answer before the deadline (gRPC `DEADLINE_EXCEEDED` or the client's own timer).
    #[error("timed out {context}; raise the timeout, or check that the device answers")]
    Timeout {
        /// What was being waited for.
        context: String,
    },
    /// The service could not be reached or the call was cut (`UNAVAILABLE`, `CANCELLED`,
    /// a transport error); the operation can be retried.
    #[error("connection to the DAQ service lost: {reason}; the operation can be retried")]
    ConnectionLost {
        /// What happened.
        reason: String,
    },
    /// The server sent something this client cannot interpret, or ended a read without
    /// answering a request.
    #[error("DAQ protocol error: {detail}; check that the address is a DAQ gRPC endpoint")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// The channel could not be set up (an invalid host or port, a TLS configuration
    /// error).
    #[error("cannot connect to the DAQ service at {addr}: {reason}; check the host and port")]
    Refused {
        /// The address tried.
        addr: String,
        /// Why.
        reason: String,
    },
    /// Authentication or authorisation failed (`UNAUTHENTICATED`, `PERMISSION_DENIED`), or
    /// a setting was attempted without a token.
    #[error("not authorised: {detail}; supply a valid JWT with `.token(..)`")]
    Auth {
        /// What the server (or client) said.
        detail: String,
    },
    /// Any other gRPC failure (`INVALID_ARGUMENT`, `INTERNAL`, `UNIMPLEMENTED`, ...).
    #[error("gRPC error ({addr}): {code:?}: {message}")]
    Rpc {
        /// The server address.
        addr: String,
        /// The gRPC status code.
        code: tonic::Code,
        /// The status details.
        message: String,
    },
    /// The client or subscription was shut down.
    #[error("the DAQ client was shut down; create a new one")]
    Closed,
}

impl Error {
    /// Whether trying the same operation again may succeed (transport trouble, timeouts),
    /// as opposed to a problem with the request itself.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Timeout { .. } | Error::ConnectionLost { .. } | Error::Refused { .. }
        )
    }

    /// The ACNET status this error stands for, as pacsys reports it (spec 8.1): the
    /// device's status, (1, -6) for timeouts, (1, -1) for everything else.
    pub fn status(&self) -> Status {
        match self {
            Error::Device { status, .. } => *status,
            Error::Timeout { .. } => TIMEOUT_ERROR,
            _ => GENERIC_ERROR,
        }
    }

    /// The error for a failed gRPC call to `addr` (spec 8.1).
    pub fn from_grpc(addr: &str, status: &tonic::Status) -> Error {
        use tonic::Code;
        let message = status.message().to_owned();
        match status.code() {
            Code::DeadlineExceeded => Error::Timeout {
                context: format!("waiting for {addr} ({message})"),
            },
            Code::Unavailable | Code::Cancelled => Error::ConnectionLost {
                reason: format!("{addr}: {:?}: {message}", status.code()),
            },
            Code::Unauthenticated | Code::PermissionDenied => Error::Auth {
                detail: format!("{addr}: {:?}: {message}", status.code()),
            },
            code => Error::Rpc {
                addr: addr.to_owned(),
                code,
                message,
            },
        }
    }
}
