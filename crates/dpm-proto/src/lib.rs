//! Byte-exact codec for Fermilab's DPM (Data Pool Manager) binary protocol, the "PC"/SDD
//! format spoken over DPM/HTTP. No sockets, no I/O.
//!
//! * [`Request`] (client to server, 10 messages) and [`Reply`] (server to client, 19
//!   messages), with the nested setting records [`RawSetting`], [`ScaledSetting`],
//!   [`TextSetting`] and [`SettingStatus`]. Decoders are told their direction
//!   ([`Request::decode`] / [`Reply::decode`]); encoders append to a reused
//!   [`BytesMut`](bytes::BytesMut) ([`Request::encode`] / [`Reply::encode`]).
//! * [`frame`]: 4-byte big-endian length-prefixed framing as `tokio_util::codec`
//!   codecs: [`ClientCodec`] (decodes replies, encodes requests), [`ServerCodec`] (the
//!   reverse) and [`RawFrameCodec`] (frame bodies as bytes, for fault injection).
//! * [`handshake`]: the HTTP-style handshake bytes and HTTP error detection.
//! * [`Status`] (re-exported from `pacsys-types`): ACNET facility + signed error.
//!
//! ```
//! use bytes::BytesMut;
//! use pacsys_dpm_proto::{AddToListRequest, ClientCodec, Reply, Request, StartListRequest};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut codec = ClientCodec::new();
//! let mut out = BytesMut::new();
//! let add = AddToListRequest { list_id: 4242, ref_id: 1, drf_request: "M:OUTTMP@I".into() };
//! codec.encode(&Request::from(add), &mut out)?;
//! codec.encode(&Request::from(StartListRequest { list_id: 4242, model: None }), &mut out)?;
//! assert_eq!(&out[..4], &[0, 0, 0, 41]);
//!
//! // Bytes from the server: an OpenList reply frame (spec 5.5).
//! let mut inp = BytesMut::from(&[
//!     0, 0, 0, 0x16, 0x53, 0x44, 0x44, 0x02, 0x51, 0x03, 0x14, 0xb1, 0x3a, 0x70, 0x3a,
//!     0x12, 0x34, 0x9e, 0x51, 0x02, 0x12, 0xe8, 0x20, 0x12, 0x10, 0x92,
//! ][..]);
//! match codec.decode(&mut inp)? {
//!     Some(Reply::OpenList(open)) => assert_eq!(open.list_id, 4242),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), pacsys_dpm_proto::FrameError>(())
//! ```
//!
//! # Feature flags
//!
//! * `serde`: `Serialize`/`Deserialize` for every message and record in the golden-vector
//!   JSON form (wire field names such as `serviceName`; binary as lowercase hex; doubles as
//!   numbers, non-finite ones as `"NaN"`, `"Infinity"`, `"-Infinity"`). `Request`/`Reply`
//!   are externally tagged by message name: `{"AddToList": {...}}`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
pub mod frame;
pub mod handshake;
pub mod ids;
mod record;
mod reply;
mod request;
mod sample;
mod setting;
mod wire;

#[cfg(feature = "serde")]
mod serde_wire;

#[doc(hidden)]
pub mod fuzzing;

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use frame::{
    ClientCodec, DEFAULT_MAX_FRAME_LEN, FrameError, Message, MessageCodec, RawFrameCodec,
    ServerCodec,
};
pub use ids::Direction;
pub use pacsys_types::Status;
pub use reply::{
    AddToListReply, AnalogAlarmReply, ApplySettingsReply, AuthenticateReply, BasicStatusReply,
    DeviceInfoReply, DigitalAlarmReply, ListStatusReply, OpenListReply, RawReply,
    RemoveFromListReply, Reply, ScalarArrayReply, ScalarReply, ServiceDiscoveryReply,
    StartListReply, StatusReply, TextArrayReply, TextReply, TimedScalarArrayReply,
};
pub use request::{
    AddToListRequest, ApplySettingsRequest, AuthenticateRequest, ClearListRequest,
    EnableSettingsRequest, OpenListRequest, RemoveFromListRequest, Request,
    ServiceDiscoveryRequest, StartListRequest, StopListRequest,
};
pub use sample::Sample;
pub use setting::{RawSetting, ScaledSetting, SettingStatus, TextSetting};
