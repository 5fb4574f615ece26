//! The one error type of the facade, named from the caller's point of view.

use pacsys_types::Status;

use crate::env::ConfigError;

/// What went wrong, from the caller's point of view, whichever backend was used.
///
/// Batch operations return one `Result` per request: a device that answered with an error
/// status is an [`Error::Device`] in its own slot and never fails the other slots. The
/// other variants describe the request ([`Error::InvalidRequest`], [`Error::Unsupported`])
/// or the call ([`Error::Timeout`], [`Error::ConnectionLost`], ...).
///
/// Both cores' errors convert into it (`From`), so `?` works on their results.
///
/// ```
/// use pacsys::{Error, Status};
///
/// let e = Error::Device { drf: "Z:NOPE".into(), status: Status::new(17, -26) };
/// assert_eq!(e.status(), Some(Status::new(17, -26)));
/// assert!(!e.is_retryable());
///
/// let core = pacsys_dpm_core::Error::Timeout { context: "reading".into() };
/// assert!(matches!(Error::from(core), Error::Timeout { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The device answered with an error status (unknown device, bad property, no data,
    /// setting refused, ...). Carries the DRF as the caller wrote it.
    #[error("{drf}: {status}; check the device name, property and event")]
    Device {
        /// The request as the caller wrote it.
        drf: String,
        /// The ACNET status (facility and error code) that was returned.
        status: Status,
    },
    /// No answer before the deadline (including waiting for a pooled connection).
    #[error("timed out {context}; raise the timeout or check that the device answers")]
    Timeout {
        /// What was being waited for.
        context: String,
    },
    /// The connection failed or could not be made; the operation can be retried.
    #[error("connection lost: {reason}; the operation can be retried")]
    ConnectionLost {
        /// What happened.
        reason: String,
    },
    /// Authentication or authorisation failed, or credentials are missing; nothing was
    /// written.
    #[error("not authorised: {detail}")]
    Auth {
        /// What went wrong and what to do (for example "run kinit").
        detail: String,
    },
    /// The request is malformed (a DRF that does not parse, an empty subscription);
    /// nothing was sent for it.
    #[error("invalid request {drf:?}: {detail}")]
    InvalidRequest {
        /// The request as the caller wrote it (empty when the whole call was invalid).
        drf: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The request is valid but this backend cannot serve it (a value kind it cannot
    /// write, a read-only property, live add/remove on a gRPC subscription, ...).
    #[error("{drf}: unsupported: {reason}")]
    Unsupported {
        /// The request as the caller wrote it (empty when it concerns the whole call).
        drf: String,
        /// Why, and what to use instead.
        reason: String,
    },
    /// A setting was sent but no result came back: it may or may not have been applied.
    /// It is never retried automatically.
    #[error(
        "{drf}: outcome unknown, the setting may or may not have been applied ({reason}); read the device back before writing again"
    )]
    OutcomeUnknown {
        /// The request as the caller wrote it.
        drf: String,
        /// What happened after the setting was sent.
        reason: String,
    },
    /// The server sent something the client cannot interpret.
    #[error("protocol error: {detail}")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// Another failure reported by a backend that has no more specific kind here (a DPM
    /// list that could not be started, an unexpected gRPC status code).
    #[error("{backend} backend error: {detail}")]
    Backend {
        /// Which backend (`"dpm"`, `"grpc"`).
        backend: &'static str,
        /// What it said.
        detail: String,
    },
    /// The backend configuration (builder values or `PACSYS_*` environment variables) is
    /// invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The backend or subscription was closed; create a new one.
    #[error("the backend was closed; create a new one")]
    Closed,
}

impl Error {
    /// Whether trying the same operation again may succeed (timeouts, connection trouble),
    /// as opposed to a problem with the request itself. [`Error::OutcomeUnknown`] is not
    /// retryable: read the device back first.
    ///
    /// ```
    /// use pacsys::Error;
    ///
    /// assert!(Error::Timeout { context: "reading".into() }.is_retryable());
    /// assert!(Error::ConnectionLost { reason: "reset".into() }.is_retryable());
    /// assert!(!Error::Closed.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::ConnectionLost { .. })
    }

    /// The ACNET status of a [`Error::Device`] error, `None` for the other kinds.
    ///
    /// ```
    /// use pacsys::{Error, Status};
    ///
    /// let e = Error::Device { drf: "Z:NOPE".into(), status: Status::new(17, -26) };
    /// assert_eq!(e.status(), Some(Status::new(17, -26)));
    /// assert_eq!(Error::Closed.status(), None);
    /// ```
    pub fn status(&self) -> Option<Status> {
        match self {
            Error::Device { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<pacsys_dpm_core::Error> for Error {
    fn from(e: pacsys_dpm_core::Error) -> Self {
        use pacsys_dpm_core::Error as D;
        match e {
            D::InvalidRequest { drf, source } => Error::InvalidRequest {
                drf,
                detail: source.to_string(),
            },
            D::Unsupported { drf, reason } | D::ReadOnly { drf, reason } => Error::Unsupported {
                drf,
                reason: reason.to_owned(),
            },
            D::Device { drf, status } | D::SettingRejected { drf, status, .. } => {
                Error::Device { drf, status }
            }
            D::Timeout { context } => Error::Timeout { context },
            D::PoolExhausted { size, waited } => Error::Timeout {
                context: format!(
                    "waiting {waited:?} for one of {size} pooled DPM connections (raise the pool size)"
                ),
            },
            D::ConnectionLost { reason } => Error::ConnectionLost { reason },
            D::Refused { addr, reason } => Error::ConnectionLost {
                reason: format!("cannot connect to DPM at {addr}: {reason}"),
            },
            D::Http { status_line } => Error::ConnectionLost {
                reason: format!("the DPM proxy refused the session with `{status_line}`"),
            },
            D::Protocol { detail } => Error::Protocol { detail },
            D::OutcomeUnknown { drf, reason } => Error::OutcomeUnknown { drf, reason },
            D::Auth(a) => Error::Auth {
                detail: a.to_string(),
            },
            D::Closed => Error::Closed,
            other => Error::Backend {
                backend: "dpm",
                detail: other.to_string(),
            },
        }
    }
}

impl From<pacsys_grpc_core::Error> for Error {
    fn from(e: pacsys_grpc_core::Error) -> Self {
        use pacsys_grpc_core::Error as G;
        match e {
            G::InvalidRequest { drf, source } => Error::InvalidRequest {
                drf,
                detail: source.to_string(),
            },
            G::Unsupported { drf, reason } => Error::Unsupported {
                drf,
                reason: reason.to_owned(),
            },
            G::Device { drf, status } => Error::Device { drf, status },
            G::Timeout { context } => Error::Timeout { context },
            G::ConnectionLost { reason } => Error::ConnectionLost { reason },
            G::Refused { addr, reason } => Error::ConnectionLost {
                reason: format!("cannot connect to the DAQ service at {addr}: {reason}"),
            },
            G::Protocol { detail } => Error::Protocol { detail },
            G::Auth { detail } => Error::Auth { detail },
            G::Closed => Error::Closed,
            other => Error::Backend {
                backend: "grpc",
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpm_setting_rejection_is_a_device_error() {
        let e = Error::from(pacsys_dpm_core::Error::SettingRejected {
            drf: "G:AMANDA".into(),
            status: Status::new(17, -17),
            role: None,
        });
        assert_eq!(
            e,
            Error::Device {
                drf: "G:AMANDA".into(),
                status: Status::new(17, -17)
            }
        );
    }

    #[test]
    fn connection_errors_are_retryable() {
        let e = Error::from(pacsys_grpc_core::Error::ConnectionLost { reason: "x".into() });
        assert!(e.is_retryable());
        let e = Error::from(pacsys_dpm_core::Error::Refused {
            addr: "a:1".into(),
            reason: "refused".into(),
        });
        assert!(e.is_retryable());
        assert!(!Error::Closed.is_retryable());
    }

    #[test]
    fn grpc_auth_maps_to_auth() {
        let e = Error::from(pacsys_grpc_core::Error::Auth {
            detail: "no token".into(),
        });
        assert!(matches!(e, Error::Auth { .. }));
        assert_eq!(e.status(), None);
    }
}
