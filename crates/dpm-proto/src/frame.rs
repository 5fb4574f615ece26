//! Length-prefixed framing (spec 5.4) as `tokio_util::codec` codecs.
//!
//! Each frame is `[length: u32 big-endian][length bytes: one message]`; the length
//! excludes the prefix. Receivers reject length 0 and lengths above the maximum frame size
//! (default [`DEFAULT_MAX_FRAME_LEN`], 1 MiB); after such an error the stream is out of
//! sync and the connection must be closed.
//!
//! * [`ClientCodec`]: decodes [`Reply`], encodes [`Request`] (and `&Request`).
//! * [`ServerCodec`]: decodes [`Request`], encodes [`Reply`] (and `&Reply`).
//! * [`RawFrameCodec`]: frame bodies as bytes, both ways (fault injection, proxies).
//!
//! All three share one framing core, so a frame split across any number of reads, or
//! several frames in one read, decode identically.
//!
//! ```
//! use bytes::BytesMut;
//! use pacsys_dpm_proto::{ListStatusReply, Reply, ServerCodec, ClientCodec, Status};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let heartbeat = Reply::from(ListStatusReply { list_id: 4242, status: Status::OK });
//! let mut wire = BytesMut::new();
//! let mut server = ServerCodec::new();
//! server.encode(&heartbeat, &mut wire)?;
//! server.encode(&heartbeat, &mut wire)?;
//!
//! let mut client = ClientCodec::new();
//! let mut half = wire.split_to(10); // a partial frame decodes to nothing yet
//! assert!(client.decode(&mut half)?.is_none());
//! half.unsplit(wire);
//! assert_eq!(client.decode(&mut half)?, Some(heartbeat.clone()));
//! assert_eq!(client.decode(&mut half)?, Some(heartbeat));
//! assert_eq!(client.decode(&mut half)?, None);
//! # Ok::<(), pacsys_dpm_proto::FrameError>(())
//! ```

use core::fmt;
use core::marker::PhantomData;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::{DecodeError, EncodeError};
use crate::ids::Direction;
use crate::{Reply, Request};

/// The reference implementation's maximum frame body size: 1 MiB.
pub const DEFAULT_MAX_FRAME_LEN: usize = 1 << 20;

/// Bytes in a frame's length prefix.
pub const LENGTH_PREFIX_LEN: usize = 4;

/// A framing or message error. After any decode-side error the connection should be
/// closed (spec 9.3, 9.12).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame length of zero.
    #[error("invalid DPM frame length 0; the stream is out of sync, close the connection")]
    ZeroLength,
    /// A frame length above the configured maximum.
    #[error(
        "DPM frame length {len} exceeds the maximum of {max} bytes; the stream is out of sync, close the connection"
    )]
    TooLong {
        /// The length found (or, when encoding, the encoded size).
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The stream ended in the middle of a frame.
    #[error("connection closed in the middle of a DPM frame ({buffered} bytes buffered)")]
    UnexpectedEof {
        /// Bytes of the incomplete frame that were received.
        buffered: usize,
    },
    /// A complete frame did not decode as a message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// An I/O error from the transport.
    #[error("I/O error on the DPM connection: {0}")]
    Io(#[from] std::io::Error),
}

/// A message type that can be framed: [`Request`] or [`Reply`].
pub trait Message: Sized {
    /// The direction the message travels.
    const DIRECTION: Direction;
    /// Decodes one complete message.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;
    /// Appends the encoded message; leaves `buf` unchanged on error.
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError>;
}

impl Message for Request {
    const DIRECTION: Direction = Direction::Request;
    #[inline]
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Request::decode(bytes)
    }
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        Request::encode(self, buf)
    }
}

impl Message for Reply {
    const DIRECTION: Direction = Direction::Reply;
    #[inline]
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Reply::decode(bytes)
    }
    #[inline]
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        Reply::encode(self, buf)
    }
}

/// The shared framing core: validates length prefixes and writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Framing {
    max: usize,
}

impl Framing {
    /// If `src` starts with a complete frame, returns its body length. Otherwise reserves
    /// room for the rest of the frame and returns `None`.
    #[inline]
    fn next(&self, src: &mut BytesMut) -> Result<Option<usize>, FrameError> {
        let Some(&[a, b, c, d]) = src.get(..LENGTH_PREFIX_LEN) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([a, b, c, d]) as usize;
        if len == 0 {
            return Err(FrameError::ZeroLength);
        }
        if len > self.max {
            return Err(FrameError::TooLong { len, max: self.max });
        }
        let have = src.len() - LENGTH_PREFIX_LEN;
        if have < len {
            src.reserve(len - have);
            return Ok(None);
        }
        Ok(Some(len))
    }

    #[inline]
    fn eof(src: &BytesMut) -> Result<(), FrameError> {
        if src.is_empty() {
            Ok(())
        } else {
            Err(FrameError::UnexpectedEof {
                buffered: src.len(),
            })
        }
    }

    /// Appends a frame whose body is written by `body`; removes everything on error.
    #[inline]
    fn write<E>(
        &self,
        dst: &mut BytesMut,
        body: impl FnOnce(&mut BytesMut) -> Result<(), E>,
    ) -> Result<(), FrameError>
    where
        FrameError: From<E>,
    {
        let start = dst.len();
        dst.put_u32(0);
        if let Err(e) = body(dst) {
            dst.truncate(start);
            return Err(e.into());
        }
        let len = dst.len() - start - LENGTH_PREFIX_LEN;
        let err = if len == 0 {
            Some(FrameError::ZeroLength)
        } else if len > self.max {
            Some(FrameError::TooLong { len, max: self.max })
        } else {
            None
        };
        match (err, dst.get_mut(start..start + LENGTH_PREFIX_LEN)) {
            (None, Some(prefix)) => {
                prefix.copy_from_slice(&(len as u32).to_be_bytes());
                Ok(())
            }
            (err, _) => {
                dst.truncate(start);
                Err(err.unwrap_or(FrameError::ZeroLength))
            }
        }
    }
}

/// Frames messages: decodes `In`, encodes `Out`. Use the aliases [`ClientCodec`] and
/// [`ServerCodec`].
pub struct MessageCodec<In, Out> {
    framing: Framing,
    _types: PhantomData<fn(In) -> Out>,
}

/// Client side: decodes [`Reply`] frames, encodes [`Request`] frames.
pub type ClientCodec = MessageCodec<Reply, Request>;

/// Server side (fake DPM): decodes [`Request`] frames, encodes [`Reply`] frames.
pub type ServerCodec = MessageCodec<Request, Reply>;

impl<In, Out> MessageCodec<In, Out> {
    /// A codec with the default maximum frame size (1 MiB).
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A codec that rejects frames longer than `max` bytes (excluding the prefix).
    pub fn with_max_frame_len(max: usize) -> Self {
        MessageCodec {
            framing: Framing { max },
            _types: PhantomData,
        }
    }

    /// The maximum frame body size.
    pub fn max_frame_len(&self) -> usize {
        self.framing.max
    }
}

impl<In, Out> Default for MessageCodec<In, Out> {
    fn default() -> Self {
        Self::new()
    }
}

impl<In, Out> Clone for MessageCodec<In, Out> {
    fn clone(&self) -> Self {
        Self::with_max_frame_len(self.framing.max)
    }
}

impl<In, Out> fmt::Debug for MessageCodec<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageCodec")
            .field("max_frame_len", &self.framing.max)
            .field("decodes", &core::any::type_name::<In>())
            .finish()
    }
}

impl<In: Message, Out> Decoder for MessageCodec<In, Out> {
    type Item = In;
    type Error = FrameError;

    #[inline]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<In>, FrameError> {
        let Some(len) = self.framing.next(src)? else {
            return Ok(None);
        };
        let end = LENGTH_PREFIX_LEN + len;
        let res = match src.get(LENGTH_PREFIX_LEN..end) {
            Some(body) => In::decode(body),
            None => return Ok(None),
        };
        // The frame is consumed even when its body does not decode: the boundary is known.
        src.advance(end);
        Ok(Some(res?))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<In>, FrameError> {
        match self.decode(src)? {
            Some(m) => Ok(Some(m)),
            None => Framing::eof(src).map(|()| None),
        }
    }
}

impl<In, Out: Message> Encoder<Out> for MessageCodec<In, Out> {
    type Error = FrameError;

    #[inline]
    fn encode(&mut self, item: Out, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.framing.write(dst, |b| item.encode(b))
    }
}

impl<In, Out: Message> Encoder<&Out> for MessageCodec<In, Out> {
    type Error = FrameError;

    #[inline]
    fn encode(&mut self, item: &Out, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.framing.write(dst, |b| item.encode(b))
    }
}

/// Frames raw bodies: decodes each frame's body as [`BytesMut`] without interpreting it,
/// and prefixes any body with its length on encode. For fault injection (a fake server
/// writing truncated or corrupt messages) and for proxies.
#[derive(Debug, Clone, Copy)]
pub struct RawFrameCodec {
    framing: Framing,
}

impl RawFrameCodec {
    /// A codec with the default maximum frame size (1 MiB).
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A codec that rejects frames longer than `max` bytes (excluding the prefix).
    pub fn with_max_frame_len(max: usize) -> Self {
        RawFrameCodec {
            framing: Framing { max },
        }
    }

    /// The maximum frame body size.
    pub fn max_frame_len(&self) -> usize {
        self.framing.max
    }
}

impl Default for RawFrameCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for RawFrameCodec {
    type Item = BytesMut;
    type Error = FrameError;

    #[inline]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        let Some(len) = self.framing.next(src)? else {
            return Ok(None);
        };
        src.advance(LENGTH_PREFIX_LEN);
        Ok(Some(src.split_to(len)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        match self.decode(src)? {
            Some(m) => Ok(Some(m)),
            None => Framing::eof(src).map(|()| None),
        }
    }
}

impl Encoder<&[u8]> for RawFrameCodec {
    type Error = FrameError;

    #[inline]
    fn encode(&mut self, body: &[u8], dst: &mut BytesMut) -> Result<(), FrameError> {
        self.framing.write(dst, |b| {
            b.extend_from_slice(body);
            Ok::<(), FrameError>(())
        })
    }
}

impl Encoder<Bytes> for RawFrameCodec {
    type Error = FrameError;

    #[inline]
    fn encode(&mut self, body: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.encode(&body[..], dst)
    }
}

impl Encoder<BytesMut> for RawFrameCodec {
    type Error = FrameError;

    #[inline]
    fn encode(&mut self, body: BytesMut, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.encode(&body[..], dst)
    }
}
