//! How gRPC failures become the one [`Error`] of pacsys-rs (spec section 8.1).
//!
//! The error type itself is [`pacsys_types::Error`], shared with the DPM core and the
//! facade; this crate only says which [`ErrorKind`] each gRPC status code is. Every error
//! made here carries [`Transport::Grpc`] and the server's address; a timeout made by
//! [`DaqClient`](crate::DaqClient) also says how long was allowed
//! ([`Error::elapsed`]: the configured deadline, not a measured remainder).

use pacsys_types::{Error, ErrorKind, Transport};
use tonic::Code;

/// The error for a failed gRPC call to `addr`:
///
/// | gRPC code | kind |
/// |---|---|
/// | `DEADLINE_EXCEEDED` | [`ErrorKind::Timeout`] |
/// | `UNAVAILABLE`, `CANCELLED` | [`ErrorKind::ConnectionLost`] |
/// | `UNAUTHENTICATED`, `PERMISSION_DENIED` | [`ErrorKind::Auth`] |
/// | anything else | [`ErrorKind::Server`], the code and message in the detail |
///
/// The `tonic::Status` is kept as the [`source`](std::error::Error::source) (read it with
/// [`Error::source_as`]).
///
/// ```
/// use pacsys_grpc_core::error::from_status;
/// use pacsys_grpc_core::{ErrorKind, Transport};
///
/// let e = from_status("127.0.0.1:50051", &tonic::Status::internal("boom"));
/// assert_eq!(e.kind(), ErrorKind::Server);
/// assert_eq!(e.transport(), Some(Transport::Grpc));
/// assert_eq!(e.server(), Some("127.0.0.1:50051"));
/// assert_eq!(e.detail(), "Internal: boom");
/// assert_eq!(e.source_as::<tonic::Status>().map(|s| s.code()), Some(tonic::Code::Internal));
///
/// let e = from_status("127.0.0.1:50051", &tonic::Status::deadline_exceeded("late"));
/// assert_eq!((e.kind(), e.reported_status()), (ErrorKind::Timeout, pacsys_grpc_core::Status::new(1, -6)));
/// ```
pub fn from_status(addr: &str, status: &tonic::Status) -> Error {
    let code = status.code();
    let message = status.message();
    let e = match code {
        Code::DeadlineExceeded => Error::timeout(format!("waiting for {addr} ({message})")),
        Code::Unavailable | Code::Cancelled => {
            Error::connection_lost(format!("{code:?} from {addr}: {message}"))
        }
        Code::Unauthenticated => Error::auth(format!(
            "{code:?} from {addr}: {message}; supply a valid JWT with `.token(..)`"
        )),
        Code::PermissionDenied => Error::auth(format!(
            "{code:?} from {addr}: {message}; the token is not allowed this request"
        )),
        _ => Error::new(ErrorKind::Server, format!("{code:?}: {message}")),
    };
    e.with_transport(Transport::Grpc)
        .with_server(addr)
        .with_source(status.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pacsys_types::Status;

    const ADDR: &str = "daq.example:50051";

    fn kind(status: tonic::Status) -> (ErrorKind, Error) {
        let e = from_status(ADDR, &status);
        assert_eq!(e.transport(), Some(Transport::Grpc), "{e:?}");
        assert_eq!(e.server(), Some(ADDR), "{e:?}");
        assert_eq!(
            e.source_as::<tonic::Status>().map(tonic::Status::code),
            Some(status.code()),
            "the status is the source"
        );
        (e.kind(), e)
    }

    #[test]
    fn every_code_family_has_its_kind() {
        let (k, e) = kind(tonic::Status::deadline_exceeded("too slow"));
        assert_eq!(k, ErrorKind::Timeout);
        assert!(e.is_retryable());
        assert_eq!(e.reported_status(), Status::new(1, -6));
        assert!(e.detail().contains("too slow"), "{e}");

        for s in [
            tonic::Status::unavailable("tcp connect error"),
            tonic::Status::cancelled("stream cut"),
        ] {
            let (k, e) = kind(s);
            assert_eq!(k, ErrorKind::ConnectionLost);
            assert!(e.is_retryable());
            assert_eq!(e.reported_status(), Status::new(1, -1));
            assert!(
                e.detail().contains(ADDR),
                "the reason names the server: {e}"
            );
        }

        for s in [
            tonic::Status::unauthenticated("Invalid or missing bearer token"),
            tonic::Status::permission_denied("no policy allows it"),
        ] {
            let message = s.message().to_owned();
            let (k, e) = kind(s);
            assert_eq!(k, ErrorKind::Auth);
            assert!(!e.is_retryable());
            assert!(e.detail().contains(&message), "{e}");
        }

        for s in [
            tonic::Status::internal("boom"),
            tonic::Status::invalid_argument("bad drf"),
            tonic::Status::unimplemented("no Set"),
            tonic::Status::resource_exhausted("too many streams"),
            tonic::Status::unknown("?"),
        ] {
            let detail = format!("{:?}: {}", s.code(), s.message());
            let (k, e) = kind(s);
            assert_eq!(k, ErrorKind::Server);
            assert_eq!(e.detail(), detail);
            assert!(!e.is_retryable());
            assert_eq!(e.reported_status(), Status::new(1, -1));
        }
    }
}
