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
    /// The request names something that cannot be written (a historical source, a database
    /// property, a whole alarm block, a read-only alarm field); nothing was sent for it.
    #[error("{drf} cannot be written: {reason}")]
    ReadOnly {
        /// The request as the caller wrote it.
        drf: String,
        /// Why, and what to write instead.
        reason: &'static str,
    },
    /// DPM refused the setting (DPM_PRIV and friends, out of range, read-only device, ...).
    /// The setting was not applied.
    #[error("{drf}: setting refused with {status}{}", refusal_hint(*status, role.as_deref()))]
    SettingRejected {
        /// The request as the caller wrote it.
        drf: String,
        /// The status DPM sent for it.
        status: Status,
        /// The role the batch was sent with (`#ROLE:`), if any.
        role: Option<String>,
    },
    /// ApplySettings was sent but no result came back for this setting (timeout, lost
    /// connection, or a reply without its status). It may or may not have been applied; it
    /// is never retried automatically.
    #[error(
        "{drf}: outcome unknown, the setting may or may not have been applied ({reason}); read the device back before writing again"
    )]
    OutcomeUnknown {
        /// The request as the caller wrote it.
        drf: String,
        /// What happened after ApplySettings was sent.
        reason: String,
    },
    /// Kerberos authentication of the write connection failed; nothing was written.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Why authenticating the write connection failed (spec 6.6.1-6.6.2). Each message says
/// what to do.
///
/// ```
/// use pacsys_dpm_core::AuthError;
/// let e = AuthError::NoCredentials { detail: "no ccache".into() };
/// assert!(e.to_string().contains("kinit"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No usable Kerberos ticket in the credential cache.
    #[error(
        "no Kerberos ticket ({detail}); run kinit (or set KRB5CCNAME to your credential cache)"
    )]
    NoCredentials {
        /// What GSS-API said.
        detail: String,
    },
    /// The ticket in the credential cache has expired.
    #[error("the Kerberos ticket of {principal} has expired; run kinit again")]
    Expired {
        /// The principal of the expired ticket.
        principal: String,
    },
    /// The client principal is not in the realm the server expects.
    #[error("the Kerberos principal {principal} is not in realm {realm}; kinit as a {realm} user")]
    WrongRealm {
        /// The principal of the ticket.
        principal: String,
        /// The expected realm.
        realm: String,
    },
    /// The KDC does not know the service principal DPM named.
    #[error(
        "the KDC does not know the DPM service principal {service} ({detail}); check the realm setting and the DPM host"
    )]
    UnknownService {
        /// The GSS target name tried.
        service: String,
        /// What GSS-API said.
        detail: String,
    },
    /// The clocks of this machine and the KDC or server differ too much.
    #[error("Kerberos clock skew too great ({detail}); synchronise this machine's clock (NTP)")]
    ClockSkew {
        /// What GSS-API said.
        detail: String,
    },
    /// DPM refused the authentication token or EnableSettings (the MIC did not verify, or
    /// the principal may not set at all).
    #[error(
        "DPM refused to enable settings for {principal} with {status} (the MIC was rejected or the principal may not set); check `klist` and your settings privileges"
    )]
    Refused {
        /// The client principal.
        principal: String,
        /// The status DPM sent.
        status: Status,
    },
    /// The server answered the exchange with something unexpected (no service name, an
    /// unfinished context, a reply of the wrong type).
    #[error("Kerberos exchange with DPM failed: {detail}")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// Another GSS-API failure.
    #[error(
        "GSS-API failure: {detail}; check the Kerberos configuration (KRB5_CONFIG) and `klist`"
    )]
    Gss {
        /// What GSS-API said.
        detail: String,
    },
}

/// The advice appended to a refused setting.
fn refusal_hint(status: Status, role: Option<&str>) -> String {
    let privilege = matches!(
        (status.facility(), status.error()),
        (17, -18..=-15) | (14, -59)
    );
    match (privilege, role) {
        (true, Some(role)) => format!(
            "; role `{role}` may not set this device (ask for the privilege or use another role)"
        ),
        (true, None) => "; not privileged: authenticate (kerberos feature) and give a role".into(),
        (false, _) => "; check the value, its range and the device".into(),
    }
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

    /// Whether the error says a setting's outcome is unknown (it may have been applied).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }
}
