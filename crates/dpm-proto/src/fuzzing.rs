//! Check functions shared by the cargo-fuzz targets and the tests that replay their seed
//! corpora. Not part of the public API. They panic only when an invariant is broken (a
//! codec bug), never because the input is malformed.

use bytes::BytesMut;
use tokio_util::codec::Decoder;

use crate::{ClientCodec, FrameError, Reply, Request};

/// `Reply::decode` on arbitrary bytes: must not panic; whatever decodes must re-encode
/// and decode again to the same message (compared by canonical bytes, so NaN payloads
/// count), and the canonical form must be a fixed point.
pub fn reply_decode(data: &[u8]) {
    if let Ok(msg) = Reply::decode(data) {
        let mut a = BytesMut::new();
        // A decoded message only holds Latin-1 strings, so it always encodes.
        assert!(
            msg.encode(&mut a).is_ok(),
            "decoded reply failed to encode: {msg:?}"
        );
        let again = Reply::decode(&a);
        assert!(
            again.is_ok(),
            "re-encoded reply failed to decode: {again:?}"
        );
        if let Ok(again) = again {
            let mut b = BytesMut::new();
            assert!(again.encode(&mut b).is_ok());
            assert_eq!(a, b, "canonical encoding is not a fixed point");
            assert_eq!(msg.name(), again.name());
        }
    }
}

/// `Request::decode` on arbitrary bytes, same checks as [`reply_decode`].
pub fn request_decode(data: &[u8]) {
    if let Ok(msg) = Request::decode(data) {
        let mut a = BytesMut::new();
        assert!(
            msg.encode(&mut a).is_ok(),
            "decoded request failed to encode: {msg:?}"
        );
        let again = Request::decode(&a);
        assert!(
            again.is_ok(),
            "re-encoded request failed to decode: {again:?}"
        );
        if let Ok(again) = again {
            let mut b = BytesMut::new();
            assert!(again.encode(&mut b).is_ok());
            assert_eq!(a, b, "canonical encoding is not a fixed point");
        }
    }
}

/// One step's outcome, comparable across chunkings.
#[derive(Debug, PartialEq)]
enum Event {
    Reply(BytesMut),
    Error(String),
    Eof,
}

/// Runs a [`ClientCodec`] over `stream` delivered in chunks of the given sizes (cycled;
/// a size of 0 counts as 1) until an error or the end, then `decode_eof`.
fn run(stream: &[u8], chunks: &[usize], max: usize) -> Vec<Event> {
    let mut codec = ClientCodec::with_max_frame_len(max);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    let record = |r: Result<Option<Reply>, FrameError>, out: &mut Vec<Event>| -> Option<bool> {
        match r {
            Ok(Some(m)) => {
                let mut b = BytesMut::new();
                assert!(m.encode(&mut b).is_ok());
                out.push(Event::Reply(b));
                Some(true)
            }
            Ok(None) => Some(false),
            Err(FrameError::Decode(e)) => {
                // The frame was consumed; the stream stays in sync and may continue.
                out.push(Event::Error(e.to_string()));
                Some(true)
            }
            Err(e) => {
                out.push(Event::Error(e.to_string()));
                None
            }
        }
    };
    loop {
        // Drain everything decodable.
        loop {
            match record(codec.decode(&mut buf), &mut out) {
                Some(true) => continue,
                Some(false) => break,
                None => return out,
            }
        }
        if pos >= stream.len() {
            break;
        }
        let size = chunks
            .get(i % chunks.len().max(1))
            .copied()
            .unwrap_or(usize::MAX)
            .max(1);
        i += 1;
        let end = pos.saturating_add(size).min(stream.len());
        buf.extend_from_slice(stream.get(pos..end).unwrap_or_default());
        pos = end;
    }
    loop {
        match record(codec.decode_eof(&mut buf), &mut out) {
            Some(true) => continue,
            Some(false) => break,
            None => return out,
        }
    }
    out.push(Event::Eof);
    out
}

/// Feeds arbitrary bytes to the client frame codec in arbitrary chunking and checks that
/// the sequence of replies and errors equals the one from a single delivery. The first
/// byte picks the maximum frame size class, the next up to 7 bytes
/// the chunk sizes (cycled; 0 counts as 1), the rest is the stream.
pub fn frame_codec(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let max = match sel % 4 {
        0 => crate::DEFAULT_MAX_FRAME_LEN,
        1 => 64,
        2 => 4096,
        _ => 1,
    };
    let nchunks = usize::from(sel >> 5).min(rest.len());
    let (chunks, stream) = rest.split_at(nchunks);
    let whole = run(stream, &[usize::MAX], max);
    let sizes: Vec<usize> = if chunks.is_empty() {
        vec![1]
    } else {
        chunks.iter().map(|&c| usize::from(c)).collect()
    };
    let chunked = run(stream, &sizes, max);
    assert_eq!(whole, chunked, "chunking changed the decoded sequence");
}
