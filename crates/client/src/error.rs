//! The one error type of pacsys-rs, shared by both connection cores, the facade and the
//! fakes: [`Error`], classified by [`ErrorKind`], on a [`Transport`].
//!
//! An error is opaque: match on [`Error::kind`] (never on the message text) and read the
//! fields that were known when it happened: the DRF as the caller wrote it
//! ([`Error::drf`]), the ACNET status ([`Error::status`]), the role a refused setting was
//! sent with ([`Error::role`]), the server's address ([`Error::server`]), how long was
//! waited ([`Error::elapsed`]) and the underlying error (a DRF parse error with its byte
//! offset, [`Error::drf_error`]; a codec or Kerberos failure, [`Error::source_as`]).
//! Errors from the cores reach the caller untouched: nothing is re-classified or flattened
//! on the way up.
//!
//! Batch operations return one `Result` per request: a device that answered with an error
//! status is an [`ErrorKind::Device`] in its own slot and never fails the other slots.
//!
//! | kind | what happened | retry? |
//! |---|---|---|
//! | [`InvalidRequest`](ErrorKind::InvalidRequest) | a DRF that does not parse (with its byte offset), an empty call | no |
//! | [`Unsupported`](ErrorKind::Unsupported) | a valid request this operation cannot serve (a one-shot `@N` read, a basic-status value) | no |
//! | [`ReadOnly`](ErrorKind::ReadOnly) | a setting of something that cannot be written (DESCRIPTION, a logger source) | no |
//! | [`Device`](ErrorKind::Device) | the device answered with an error status | no |
//! | [`SettingRejected`](ErrorKind::SettingRejected) | the server refused a setting (status and role) | no |
//! | [`Timeout`](ErrorKind::Timeout), [`ConnectionLost`](ErrorKind::ConnectionLost), [`Refused`](ErrorKind::Refused), [`Http`](ErrorKind::Http), [`PoolExhausted`](ErrorKind::PoolExhausted), [`ListFailed`](ErrorKind::ListFailed) | connection trouble | yes |
//! | [`OutcomeUnknown`](ErrorKind::OutcomeUnknown) | a setting was sent, no answer came: read the device back first | no |
//! | [`Auth`](ErrorKind::Auth), [`Protocol`](ErrorKind::Protocol), [`Server`](ErrorKind::Server), [`Config`](ErrorKind::Config), [`Closed`](ErrorKind::Closed) | what they say | no |
//!
//! ```
//! use pacsys::{Backend, ErrorKind, Status, Value};
//! use pacsys_testing::FakeBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let backend = FakeBackend::new();
//! let results = backend.get_many(&["M:OUTTMP", "Z:NOSUCH", "M:OUTTMP@Q,X", "M:OUTTMP@N"], None).await;
//! assert!(results[0].is_ok());
//! let unknown = results[1].as_ref().unwrap_err();
//! assert_eq!(unknown.kind(), ErrorKind::Device);
//! assert_eq!(unknown.drf(), Some("Z:NOSUCH"));
//! assert_eq!(unknown.status(), Some(Status::new(17, -26))); // DPM_NO_SUCH_DEVICE
//! let bad = results[2].as_ref().unwrap_err();
//! assert_eq!(bad.kind(), ErrorKind::InvalidRequest);
//! assert_eq!(bad.drf_error().map(|e| e.offset()), Some(11)); // `X` is not a period
//! assert_eq!(results[3].as_ref().unwrap_err().kind(), ErrorKind::Unsupported);
//!
//! // Settings: what cannot be written is refused before anything is sent.
//! let e = backend.write("M:OUTTMP.DESCRIPTION", Value::Text("x".into()), None).await.unwrap_err();
//! assert_eq!(e.kind(), ErrorKind::ReadOnly);
//! assert!(!e.is_retryable());
//! # }
//! ```
//!
//! A refused setting keeps the role it was sent with, and its message says what to do:
//!
//! ```
//! use pacsys::{Error, ErrorKind, Status, Transport};
//!
//! let e = Error::setting_rejected("G:AMANDA", Status::DPM_PRIV, Some("testing"))
//!     .with_transport(Transport::Dpm);
//! assert_eq!(e.kind(), ErrorKind::SettingRejected);
//! assert_eq!((e.drf(), e.role()), (Some("G:AMANDA"), Some("testing")));
//! assert!(e.to_string().contains("role `testing` may not set this device"));
//! ```
//!
//! Retrying on kind:
//!
//! ```
//! use std::time::Duration;
//! use pacsys::{Backend, Error, ErrorKind, Value};
//!
//! async fn read_with_retry<B: Backend>(backend: &B, drf: &str) -> Result<Value, Error> {
//!     let mut attempts = 0;
//!     loop {
//!         match backend.read(drf, None).await {
//!             Err(e) if e.is_retryable() && attempts < 3 => {
//!                 attempts += 1;
//!                 tokio::time::sleep(Duration::from_millis(100)).await;
//!             }
//!             Err(e) if e.kind() == ErrorKind::Device => {
//!                 eprintln!("{drf}: the device said {:?}", e.status());
//!                 return Err(e);
//!             }
//!             other => return other,
//!         }
//!     }
//! }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! # let fake = pacsys_testing::FakeBackend::new();
//! # assert_eq!(read_with_retry(&fake, "M:OUTTMP").await, Ok(Value::Scalar(72.5)));
//! # }
//! ```

pub use pacsys_types::{Error, ErrorKind, Transport};
