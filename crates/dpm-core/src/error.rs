//! The errors of this crate: the shared [`Error`] of `pacsys-types` (re-exported), and
//! [`AuthError`], the Kerberos-specific reason behind an [`ErrorKind::Auth`] error.
//!
//! ```
//! use pacsys_dpm_core::{AuthError, Error, ErrorKind, Transport};
//! use pacsys_types::Status;
//!
//! let e = Error::device("Z:NOPE", Status::new(17, -26)).with_transport(Transport::Dpm);
//! assert!(e.to_string().starts_with("Z:NOPE: DPM answered with"));
//! assert!(!e.is_retryable());
//!
//! let e = auth_error(AuthError::NoCredentials { detail: "no ccache".into() });
//! assert_eq!(e.kind(), ErrorKind::Auth);
//! assert!(e.to_string().contains("kinit"));
//! assert!(matches!(e.source_as::<AuthError>(), Some(AuthError::NoCredentials { .. })));
//! # fn auth_error(a: AuthError) -> Error { pacsys_dpm_core::auth_error(a) }
//! ```

pub use pacsys_types::{Error, ErrorKind, Status, Transport};

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

/// The shared error for a failed authentication: kind [`ErrorKind::Auth`] on DPM, with the
/// Kerberos reason as its source (`e.source_as::<AuthError>()`).
pub fn auth_error(e: AuthError) -> Error {
    Error::auth(e.to_string())
        .with_transport(Transport::Dpm)
        .with_source(e)
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Error {
        auth_error(e)
    }
}
