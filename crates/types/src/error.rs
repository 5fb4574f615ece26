//! The one error type of the connection cores and the facade.
//!
//! Shaped like tokio-postgres's error: an opaque [`Error`] that says what kind of failure it
//! was ([`ErrorKind`]), over which transport ([`Transport`]), and everything that was known
//! when it happened: the DRF as the caller wrote it, the ACNET status, the role a setting was
//! sent with, the server's address, how long was waited, and the underlying error (a DRF
//! parse error, a codec error, a Kerberos failure) as its [`source`](std::error::Error::source).
//!
//! Renderers (the CLI's text and JSON, the proxy's gRPC status and audit log) read these
//! fields; they never re-classify the message text.
//!
//! ```
//! use pacsys_types::{Error, ErrorKind, Status, Transport};
//!
//! let e = Error::setting_rejected("G:AMANDA", Status::DPM_PRIV, Some("testing"))
//!     .with_transport(Transport::Dpm)
//!     .with_server("127.0.0.1:6802");
//! assert_eq!(e.kind(), ErrorKind::SettingRejected);
//! assert_eq!(e.drf(), Some("G:AMANDA"));
//! assert_eq!(e.status(), Some(Status::DPM_PRIV));
//! assert_eq!(e.role(), Some("testing"));
//! assert_eq!(e.server(), Some("127.0.0.1:6802"));
//! assert!(!e.is_retryable());
//! assert!(e.to_string().contains("role `testing` may not set this device"));
//! ```

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::Status;

/// The kind of failure, from the caller's point of view.
///
/// Match on this rather than on the message text. New kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ErrorKind {
    /// The request is malformed (a DRF that does not parse, an empty call); nothing was sent
    /// for it. The parse error, with its byte offset, is the [`source`](StdError::source).
    InvalidRequest,
    /// The request is valid but cannot be served by this operation (a one-shot read with the
    /// never event `@N`, a value kind that cannot be written, live edits of a gRPC stream);
    /// nothing was sent for it.
    Unsupported,
    /// The request names something that cannot be written (a historical source, a database
    /// property such as DESCRIPTION, a read-only alarm field); nothing was sent for it.
    ReadOnly,
    /// The device answered with an error status (unknown device, bad property, no data).
    Device,
    /// The server refused a setting (no privilege, out of range, ...); it was not applied.
    /// Carries the status and the role the setting was sent with.
    SettingRejected,
    /// No answer before the deadline.
    Timeout,
    /// The connection failed while the operation was in progress (reset, EOF, watchdog).
    ConnectionLost,
    /// The connection could not be made (refused, unreachable, name not resolved, an
    /// invalid address or TLS configuration).
    Refused,
    /// The DPM proxy answered the handshake with an HTTP response (for example 503) instead
    /// of opening a session.
    Http,
    /// The peer sent something this client cannot interpret (an undecodable or zero-length
    /// frame, a reply of the wrong type). The codec's error is the source.
    Protocol,
    /// The server could not open or start a list (DPM_OUTOMEM, a list-level status).
    ListFailed,
    /// Every pooled connection stayed busy for the whole wait.
    PoolExhausted,
    /// Authentication or authorisation failed, or credentials are missing; nothing was
    /// written.
    Auth,
    /// A setting was sent but no result came back: it may or may not have been applied.
    OutcomeUnknown,
    /// Another failure reported by the server (an unexpected gRPC status code).
    Server,
    /// The configuration (builder values or `PACSYS_*` environment variables) is invalid.
    Config,
    /// The client, backend or subscription was closed.
    Closed,
}

impl ErrorKind {
    /// The kind's stable snake_case name, as renderers print it (`"setting_rejected"`).
    ///
    /// ```
    /// use pacsys_types::ErrorKind;
    /// assert_eq!(ErrorKind::SettingRejected.name(), "setting_rejected");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::ReadOnly => "read_only",
            ErrorKind::Device => "device",
            ErrorKind::SettingRejected => "setting_rejected",
            ErrorKind::Timeout => "timeout",
            ErrorKind::ConnectionLost => "connection_lost",
            ErrorKind::Refused => "refused",
            ErrorKind::Http => "http",
            ErrorKind::Protocol => "protocol",
            ErrorKind::ListFailed => "list_failed",
            ErrorKind::PoolExhausted => "pool_exhausted",
            ErrorKind::Auth => "auth",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::Server => "server",
            ErrorKind::Config => "config",
            ErrorKind::Closed => "closed",
        }
    }
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::InvalidRequest,
        ErrorKind::Unsupported,
        ErrorKind::ReadOnly,
        ErrorKind::Device,
        ErrorKind::SettingRejected,
        ErrorKind::Timeout,
        ErrorKind::ConnectionLost,
        ErrorKind::Refused,
        ErrorKind::Http,
        ErrorKind::Protocol,
        ErrorKind::ListFailed,
        ErrorKind::PoolExhausted,
        ErrorKind::Auth,
        ErrorKind::OutcomeUnknown,
        ErrorKind::Server,
        ErrorKind::Config,
        ErrorKind::Closed,
    ];

    /// The kind a [`name`](ErrorKind::name) stands for (`None` for an unknown name): how a
    /// renderer or a binding that carried the name reads it back.
    ///
    /// ```
    /// use pacsys_types::ErrorKind;
    /// assert_eq!(ErrorKind::from_name("setting_rejected"), Some(ErrorKind::SettingRejected));
    /// assert_eq!(ErrorKind::from_name("nope"), None);
    /// for kind in ErrorKind::ALL {
    ///     assert_eq!(ErrorKind::from_name(kind.name()), Some(kind));
    /// }
    /// ```
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The transport an error happened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Transport {
    /// DPM over TCP (the "PC" binary protocol).
    Dpm,
    /// The DAQ gRPC service.
    Grpc,
    /// An in-memory backend (the test crate's `FakeBackend`).
    InMemory,
}

impl Transport {
    /// A short lowercase name (`"dpm"`, `"grpc"`, `"in-memory"`).
    ///
    /// ```
    /// use pacsys_types::Transport;
    /// assert_eq!(Transport::Grpc.name(), "grpc");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Transport::Dpm => "dpm",
            Transport::Grpc => "grpc",
            Transport::InMemory => "in-memory",
        }
    }

    /// How messages name the peer ("DPM", "the DAQ service", "the in-memory backend").
    const fn peer(self) -> &'static str {
        match self {
            Transport::Dpm => "DPM",
            Transport::Grpc => "the DAQ service",
            Transport::InMemory => "the in-memory backend",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shared, cloneable source of an [`Error`].
type Source = Arc<dyn StdError + Send + Sync + 'static>;

/// What went wrong, with everything that was known: see the [module docs](self).
///
/// The type is `Clone` (one connection failure is reported for every request it carried),
/// small (one pointer) and compares equal when kind, transport and every field match (a
/// source compares by its message).
///
/// Messages say what to do next:
///
/// ```
/// use std::time::Duration;
/// use pacsys_types::{Error, ErrorKind, Transport};
///
/// let e = Error::timeout("reading M:OUTTMP")
///     .with_elapsed(Duration::from_nanos(1_999_978_391))
///     .with_transport(Transport::Dpm);
/// assert_eq!(e.kind(), ErrorKind::Timeout);
/// assert_eq!(
///     e.to_string(),
///     "timed out reading M:OUTTMP after 2 s; raise the timeout, or check that the device answers"
/// );
/// assert!(e.is_retryable());
/// ```
#[derive(Clone)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    transport: Option<Transport>,
    drf: Option<String>,
    status: Option<Status>,
    role: Option<String>,
    server: Option<String>,
    detail: Cow<'static, str>,
    elapsed: Option<Duration>,
    source: Option<Source>,
}

impl Error {
    /// An error of `kind` with a free-text `detail` (what happened; the kind supplies the
    /// advice).
    ///
    /// ```
    /// use pacsys_types::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::ListFailed, "the server is out of memory");
    /// assert_eq!(e.detail(), "the server is out of memory");
    /// ```
    pub fn new(kind: ErrorKind, detail: impl Into<Cow<'static, str>>) -> Error {
        Error(Box::new(Inner {
            kind,
            transport: None,
            drf: None,
            status: None,
            role: None,
            server: None,
            detail: detail.into(),
            elapsed: None,
            source: None,
        }))
    }

    /// A DRF that does not parse; the parse error (with its byte offset) is kept as the
    /// source and as [`Error::drf_error`].
    ///
    /// ```
    /// use pacsys_types::{Error, ErrorKind};
    /// let parse = pacsys_drf::Request::parse("M:OUTTMP@Q,X").unwrap_err();
    /// let e = Error::invalid_drf("M:OUTTMP@Q,X", parse.clone());
    /// assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    /// assert_eq!(e.drf_error(), Some(&parse));
    /// assert_eq!(e.drf_error().map(|p| p.offset()), Some(parse.offset()));
    /// ```
    pub fn invalid_drf(drf: impl Into<String>, source: pacsys_drf::Error) -> Error {
        Error::new(ErrorKind::InvalidRequest, source.to_string())
            .with_drf(drf)
            .with_source(source)
    }

    /// A request (or a whole call, with an empty `drf`) that is malformed for another reason
    /// than its DRF's syntax (an empty subscription, a bad verification setting).
    pub fn invalid_request(drf: impl Into<String>, detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::InvalidRequest, detail).with_drf(drf)
    }

    /// A valid request this operation cannot serve; `reason` says why and what to use.
    pub fn unsupported(drf: impl Into<String>, reason: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Unsupported, reason).with_drf(drf)
    }

    /// A request that names something that cannot be written; `reason` says what to write.
    pub fn read_only(drf: impl Into<String>, reason: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::ReadOnly, reason).with_drf(drf)
    }

    /// The device answered `drf` with the error `status`.
    ///
    /// ```
    /// use pacsys_types::{Error, Status, Transport};
    /// let e = Error::device("Z:NOPE", Status::new(17, -26)).with_transport(Transport::Dpm);
    /// assert!(e.to_string().starts_with("Z:NOPE: DPM answered with"));
    /// ```
    pub fn device(drf: impl Into<String>, status: Status) -> Error {
        Error::new(ErrorKind::Device, "")
            .with_drf(drf)
            .with_status(status)
    }

    /// The server refused the setting of `drf` with `status`; `role` is the role the batch
    /// was sent with.
    pub fn setting_rejected(drf: impl Into<String>, status: Status, role: Option<&str>) -> Error {
        let mut e = Error::new(ErrorKind::SettingRejected, "")
            .with_drf(drf)
            .with_status(status);
        e.0.role = role.map(str::to_owned);
        e
    }

    /// No answer before the deadline; `context` says what was waited for ("reading
    /// M:OUTTMP"). Add the wait with [`Error::with_elapsed`].
    pub fn timeout(context: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Timeout, context)
    }

    /// The server could not open or start a list; `status` is what it sent.
    ///
    /// ```
    /// use pacsys_types::{Error, ErrorKind, Status};
    /// let e = Error::list_failed(Status::new(17, -9));
    /// assert_eq!((e.kind(), e.status()), (ErrorKind::ListFailed, Some(Status::new(17, -9))));
    /// ```
    pub fn list_failed(status: Status) -> Error {
        Error::new(ErrorKind::ListFailed, "").with_status(status)
    }

    /// The connection failed during the operation; `reason` says how.
    pub fn connection_lost(reason: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::ConnectionLost, reason)
    }

    /// The connection to `addr` could not be made; `reason` is the system's.
    pub fn refused(addr: impl Into<String>, reason: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Refused, reason).with_server(addr)
    }

    /// The peer sent something that cannot be interpreted; attach the codec's error with
    /// [`Error::with_source`].
    pub fn protocol(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Protocol, detail)
    }

    /// Authentication failed or credentials are missing; `detail` says what to do.
    pub fn auth(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Auth, detail)
    }

    /// A setting of `drf` whose outcome is unknown; `reason` says what happened after it
    /// was sent.
    pub fn outcome_unknown(drf: impl Into<String>, reason: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::OutcomeUnknown, reason).with_drf(drf)
    }

    /// The client, backend or subscription was closed.
    pub fn closed() -> Error {
        Error::new(ErrorKind::Closed, "")
    }

    /// The same error, on `transport`.
    pub fn with_transport(mut self, transport: Transport) -> Error {
        self.0.transport = Some(transport);
        self
    }

    /// The same error, on `transport` unless one is already set (for layers that pass
    /// errors of lower layers on).
    pub fn or_transport(mut self, transport: Transport) -> Error {
        self.0.transport.get_or_insert(transport);
        self
    }

    /// The same error, naming the server's address (`host:port`).
    pub fn with_server(mut self, addr: impl Into<String>) -> Error {
        self.0.server = Some(addr.into());
        self
    }

    /// The same error, naming the server's address unless one is already set.
    pub fn or_server(mut self, addr: &str) -> Error {
        if self.0.server.is_none() {
            self.0.server = Some(addr.to_owned());
        }
        self
    }

    /// The same error, saying how long was waited unless that is already known.
    pub fn or_elapsed(mut self, elapsed: Duration) -> Error {
        self.0.elapsed.get_or_insert(elapsed);
        self
    }

    /// The same error, about `drf` (as the caller wrote it). An empty string means "the
    /// whole call".
    pub fn with_drf(mut self, drf: impl Into<String>) -> Error {
        let drf = drf.into();
        self.0.drf = (!drf.is_empty()).then_some(drf);
        self
    }

    /// The same error, carrying the ACNET `status`.
    pub fn with_status(mut self, status: Status) -> Error {
        self.0.status = Some(status);
        self
    }

    /// The same error, saying how long was waited.
    pub fn with_elapsed(mut self, elapsed: Duration) -> Error {
        self.0.elapsed = Some(elapsed);
        self
    }

    /// The same error, caused by `source` (kept, and returned by
    /// [`source`](StdError::source) and [`Error::source_as`]).
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Error {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// The same error with `note` added to its detail (`detail; note`), for what a layer
    /// above learned (for example the other hosts that were tried).
    ///
    /// ```
    /// use pacsys_types::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::Refused, "connection refused").with_note("b:6802 refused too");
    /// assert_eq!(e.detail(), "connection refused; b:6802 refused too");
    /// ```
    pub fn with_note(mut self, note: impl AsRef<str>) -> Error {
        let note = note.as_ref();
        if !note.is_empty() {
            self.0.detail = if self.0.detail.is_empty() {
                Cow::Owned(note.to_owned())
            } else {
                Cow::Owned(format!("{}; {note}", self.0.detail))
            };
        }
        self
    }

    /// The same error with another kind, keeping everything that was known (for example a
    /// per-request timeout that a write path reports as an unknown outcome).
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.0.kind = kind;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The transport it happened on, when known.
    pub fn transport(&self) -> Option<Transport> {
        self.0.transport
    }

    /// The request it concerns, as the caller wrote it (`None` for a whole call).
    pub fn drf(&self) -> Option<&str> {
        self.0.drf.as_deref()
    }

    /// The ACNET status the server sent ([`ErrorKind::Device`],
    /// [`ErrorKind::SettingRejected`], [`ErrorKind::ListFailed`], an auth refusal).
    pub fn status(&self) -> Option<Status> {
        self.0.status
    }

    /// The ACNET status this error stands for, as the reference reports it in a reading:
    /// the server's status when there is one, `(1, -6)` for a timeout and `(1, -1)` for
    /// everything else.
    ///
    /// ```
    /// use pacsys_types::{Error, Status};
    /// assert_eq!(Error::timeout("x").reported_status(), Status::new(1, -6));
    /// assert_eq!(Error::closed().reported_status(), Status::new(1, -1));
    /// ```
    pub fn reported_status(&self) -> Status {
        match (self.0.status, self.0.kind) {
            (Some(s), _) => s,
            (None, ErrorKind::Timeout) => Status::new(1, -6),
            (None, _) => Status::new(1, -1),
        }
    }

    /// The role a refused setting was sent with.
    pub fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }

    /// The server's address (`host:port`), when known.
    pub fn server(&self) -> Option<&str> {
        self.0.server.as_deref()
    }

    /// What happened, without the advice the message adds (may be empty).
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// How long was waited, for timeouts and pool waits.
    pub fn elapsed(&self) -> Option<Duration> {
        self.0.elapsed
    }

    /// The underlying error, when it is of type `E` (a Kerberos failure, a codec error).
    ///
    /// ```
    /// use pacsys_types::Error;
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
    /// let e = Error::connection_lost("reset by peer").with_source(io);
    /// assert!(e.source_as::<std::io::Error>().is_some());
    /// ```
    pub fn source_as<E: StdError + 'static>(&self) -> Option<&E> {
        self.0.source.as_deref().and_then(|s| s.downcast_ref::<E>())
    }

    /// The DRF parse error of an [`ErrorKind::InvalidRequest`] made by [`Error::invalid_drf`].
    pub fn drf_error(&self) -> Option<&pacsys_drf::Error> {
        self.source_as::<pacsys_drf::Error>()
    }

    /// Whether trying the same operation again may succeed (timeouts, connection trouble,
    /// a busy pool, a list the server could not start), as opposed to a problem with the
    /// request. An unknown outcome is not retryable: read the device back first.
    ///
    /// ```
    /// use pacsys_types::Error;
    /// assert!(Error::connection_lost("reset").is_retryable());
    /// assert!(!Error::closed().is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::Timeout
                | ErrorKind::ConnectionLost
                | ErrorKind::Refused
                | ErrorKind::Http
                | ErrorKind::PoolExhausted
                | ErrorKind::ListFailed
        )
    }

    /// Whether a setting's outcome is unknown (it may have been applied).
    pub fn is_outcome_unknown(&self) -> bool {
        self.0.kind == ErrorKind::OutcomeUnknown
    }

    fn peer(&self) -> &'static str {
        self.0.transport.map_or("the server", Transport::peer)
    }

    /// " at host:port" when the server is known.
    fn at(&self) -> String {
        self.0
            .server
            .as_deref()
            .map_or_else(String::new, |s| format!(" at {s}"))
    }
}

/// Formats a wait the way people read it: `250 ms`, `2 s`, `1.5 s` (rounded to the
/// millisecond).
///
/// ```
/// use std::time::Duration;
/// use pacsys_types::error::human_duration;
/// assert_eq!(human_duration(Duration::from_nanos(1_999_978_391)), "2 s");
/// assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
/// assert_eq!(human_duration(Duration::from_micros(250_400)), "250 ms");
/// ```
pub fn human_duration(d: Duration) -> String {
    let ms = (d.as_nanos() + 500_000) / 1_000_000;
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let (s, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        format!("{s} s")
    } else {
        let frac = format!("{frac:03}");
        format!("{s}.{} s", frac.trim_end_matches('0'))
    }
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.0;
        let drf = i.drf.as_deref().unwrap_or("");
        let detail = &*i.detail;
        let status = i.status.unwrap_or_default();
        match i.kind {
            ErrorKind::InvalidRequest if drf.is_empty() => write!(f, "invalid request: {detail}")?,
            ErrorKind::InvalidRequest => write!(f, "invalid request {drf:?}: {detail}")?,
            ErrorKind::Unsupported if drf.is_empty() => write!(f, "unsupported: {detail}")?,
            ErrorKind::Unsupported => write!(f, "{drf}: unsupported: {detail}")?,
            ErrorKind::ReadOnly if drf.is_empty() => write!(f, "cannot be written: {detail}")?,
            ErrorKind::ReadOnly => write!(f, "{drf} cannot be written: {detail}")?,
            ErrorKind::Device => write!(
                f,
                "{drf}: {} answered with {status}; check the device name, property and event",
                self.peer()
            )?,
            ErrorKind::SettingRejected => write!(
                f,
                "{drf}: setting refused with {status}{}",
                refusal_hint(status, i.role.as_deref())
            )?,
            ErrorKind::Timeout => {
                write!(f, "timed out {detail}")?;
                if let Some(d) = i.elapsed {
                    write!(f, " after {}", human_duration(d))?;
                }
                f.write_str("; raise the timeout, or check that the device answers")?;
            }
            ErrorKind::ConnectionLost => write!(
                f,
                "connection to {}{} lost: {detail}; the operation can be retried",
                self.peer(),
                self.at()
            )?,
            ErrorKind::Refused => write!(
                f,
                "cannot connect to {}{}: {detail}; check the host, the port and the network",
                self.peer(),
                self.at()
            )?,
            ErrorKind::Http => write!(
                f,
                "the DPM proxy{} refused the session with `{detail}`; check the host and port, or retry later on 503",
                self.at()
            )?,
            ErrorKind::Protocol => write!(
                f,
                "protocol error from {}{}: {detail}; the connection was closed (check that the address is a {} endpoint)",
                self.peer(),
                self.at(),
                match i.transport {
                    Some(Transport::Grpc) => "DAQ gRPC",
                    _ => "DPM/HTTP",
                }
            )?,
            ErrorKind::ListFailed => write!(
                f,
                "{} could not start the list: {}; retry later or split the request",
                self.peer(),
                if i.status.is_some() {
                    status.to_string()
                } else {
                    detail.to_owned()
                }
            )?,
            ErrorKind::PoolExhausted => {
                write!(f, "{detail}")?;
                if let Some(d) = i.elapsed {
                    write!(f, " stayed busy for {}", human_duration(d))?;
                }
                f.write_str("; raise the pool size or the timeout")?;
            }
            ErrorKind::Auth => write!(f, "not authorised: {detail}")?,
            ErrorKind::OutcomeUnknown => write!(
                f,
                "{drf}: outcome unknown, the setting may or may not have been applied ({detail}); read the device back before writing again"
            )?,
            ErrorKind::Server => write!(f, "{} error{}: {detail}", self.peer(), self.at())?,
            ErrorKind::Config => write!(f, "invalid configuration: {detail}")?,
            ErrorKind::Closed => write!(
                f,
                "the {}client was closed; create a new one",
                i.transport.map_or("", |t| match t {
                    Transport::Dpm => "DPM ",
                    Transport::Grpc => "DAQ ",
                    Transport::InMemory => "in-memory ",
                })
            )?,
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.0;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind);
        if let Some(t) = i.transport {
            d.field("transport", &t);
        }
        if let Some(v) = &i.drf {
            d.field("drf", v);
        }
        if let Some(v) = &i.status {
            d.field("status", v);
        }
        if let Some(v) = &i.role {
            d.field("role", v);
        }
        if let Some(v) = &i.server {
            d.field("server", v);
        }
        if !i.detail.is_empty() {
            d.field("detail", &i.detail);
        }
        if let Some(v) = &i.elapsed {
            d.field("elapsed", v);
        }
        if let Some(v) = &i.source {
            d.field("source", v);
        }
        d.finish()
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        let (a, b) = (&*self.0, &*other.0);
        a.kind == b.kind
            && a.transport == b.transport
            && a.drf == b.drf
            && a.status == b.status
            && a.role == b.role
            && a.server == b.server
            && a.detail == b.detail
            && a.elapsed == b.elapsed
            && a.source.as_ref().map(ToString::to_string)
                == b.source.as_ref().map(ToString::to_string)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<crate::config::ConfigError> for Error {
    fn from(e: crate::config::ConfigError) -> Error {
        Error::new(ErrorKind::Config, e.to_string()).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_is_one_pointer() {
        assert_eq!(
            std::mem::size_of::<Error>(),
            std::mem::size_of::<usize>(),
            "Result<Reading, Error> stays small"
        );
    }

    #[test]
    fn every_kind_renders_with_its_facts() {
        let e =
            Error::refused("dpm.example:6802", "connection refused").with_transport(Transport::Dpm);
        assert_eq!(
            e.to_string(),
            "cannot connect to DPM at dpm.example:6802: connection refused; check the host, the port and the network"
        );
        let e = Error::protocol("undecodable frame at byte 3: unknown reply type 99")
            .with_transport(Transport::Dpm)
            .with_server("127.0.0.1:1");
        assert!(
            e.to_string()
                .starts_with("protocol error from DPM at 127.0.0.1:1: undecodable frame at byte 3")
        );
        let e = Error::setting_rejected("G:AMANDA", Status::DPM_PRIV, None);
        assert!(e.to_string().contains("not privileged"));
        let e = Error::new(ErrorKind::PoolExhausted, "all 4 pooled DPM connections")
            .with_elapsed(Duration::from_millis(5000));
        assert_eq!(
            e.to_string(),
            "all 4 pooled DPM connections stayed busy for 5 s; raise the pool size or the timeout"
        );
        assert_eq!(
            Error::closed().with_transport(Transport::Grpc).to_string(),
            "the DAQ client was closed; create a new one"
        );
    }

    #[test]
    fn equality_ignores_nothing_but_source_identity() {
        let a = Error::device("Z:NOPE", Status::new(17, -26));
        assert_eq!(a, a.clone());
        assert_ne!(a, a.clone().with_transport(Transport::Grpc));
        let io = || std::io::Error::other("x");
        assert_eq!(
            Error::connection_lost("r").with_source(io()),
            Error::connection_lost("r").with_source(io())
        );
    }

    #[test]
    fn the_source_chain_is_kept() {
        let parse = pacsys_drf::Request::parse("M:OUTTMP@Q,X").unwrap_err();
        let e = Error::invalid_drf("M:OUTTMP@Q,X", parse.clone());
        let src = StdError::source(&e).map(ToString::to_string);
        assert_eq!(src, Some(parse.to_string()));
        assert_eq!(e.drf(), Some("M:OUTTMP@Q,X"));
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(Duration::ZERO), "0 ms");
        assert_eq!(human_duration(Duration::from_millis(999)), "999 ms");
        assert_eq!(human_duration(Duration::from_micros(999_600)), "1 s");
        assert_eq!(human_duration(Duration::from_millis(12_340)), "12.34 s");
    }
}
