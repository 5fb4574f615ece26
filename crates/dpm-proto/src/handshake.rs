//! The DPM/HTTP handshake (spec 5.2, 5.3).
//!
//! Right after connecting, the client sends [`HANDSHAKE_REQUEST`]. On success the server
//! does not answer with an HTTP status line: it switches straight to binary framing and its
//! first frame is an OpenList reply. On failure the proxy sends an HTTP response. The first
//! four bytes tell the two apart ([`ResponseStart::classify`]): `HTTP` is an HTTP response,
//! anything else is the first frame's length prefix (a legal length is at most 1 MiB, so it
//! starts with `00`).
//!
//! ```
//! use pacsys_dpm_proto::handshake::{HttpStatusLine, ResponseStart, http_head_len};
//!
//! // Success: the bytes are a length prefix; hand them (and the rest) to the frame codec.
//! assert_eq!(ResponseStart::classify(&[0, 0, 0, 0x16]), Some(ResponseStart::Frames { first_len: 22 }));
//!
//! // Failure: read until the end of the HTTP head (or ~4 KiB, or EOF), then report.
//! let resp = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
//! assert_eq!(ResponseStart::classify(resp), Some(ResponseStart::Http));
//! assert_eq!(http_head_len(resp), Some(resp.len()));
//! let line = HttpStatusLine::parse(resp);
//! assert_eq!(line.code, Some(503));
//! assert_eq!(line.to_string(), "HTTP/1.1 503 Service Unavailable");
//! ```

use core::fmt;

/// The 51 bytes the client sends right after connecting: request line, one header, blank line.
pub const HANDSHAKE_REQUEST: &[u8; 51] =
    b"GET /dpm HTTP/1.1\r\nContent-Type: application/pc\r\n\r\n";

/// How much of an HTTP error response head a client should read at most (spec 6.8).
pub const HTTP_HEAD_LIMIT: usize = 4096;

/// What the first bytes after the handshake are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStart {
    /// The proxy answered with an HTTP response (`HTTP`): the request was refused.
    Http,
    /// Binary framing started; `first_len` is the first frame's length prefix. The bytes
    /// are not consumed: pass them to the frame codec.
    Frames {
        /// The first frame's body length (not yet validated against the maximum).
        first_len: u32,
    },
}

impl ResponseStart {
    /// Classifies the first four bytes received after the handshake; `None` until four
    /// bytes are available.
    pub fn classify(first: &[u8]) -> Option<ResponseStart> {
        match first.get(..4) {
            Some(b"HTTP") => Some(ResponseStart::Http),
            Some(&[a, b, c, d]) => Some(ResponseStart::Frames {
                first_len: u32::from_be_bytes([a, b, c, d]),
            }),
            _ => None,
        }
    }
}

/// Length of a complete HTTP response head (through the blank line `\r\n\r\n`), if `buf`
/// holds one. A client reads until this is `Some`, [`HTTP_HEAD_LIMIT`] bytes, a timeout or
/// EOF, whichever comes first, then reports [`HttpStatusLine::parse`].
pub fn http_head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// The status line of an HTTP response, e.g. `HTTP/1.1 404 Not Found`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpStatusLine {
    /// The whole first line without the line ending (Latin-1 decoded, at most
    /// [`HTTP_HEAD_LIMIT`] bytes considered).
    pub line: String,
    /// The status code, when the line has the form `HTTP/x.y NNN ...`.
    pub code: Option<u16>,
    /// The reason phrase after the code (may be empty).
    pub reason: String,
}

impl HttpStatusLine {
    /// Extracts the status line from the start of an HTTP response (complete or not).
    /// Never fails: a malformed line yields `code: None`.
    pub fn parse(buf: &[u8]) -> HttpStatusLine {
        let buf = buf.get(..HTTP_HEAD_LIMIT).unwrap_or(buf);
        let end = buf
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(buf.len());
        let line = crate::wire::latin1_to_string(buf.get(..end).unwrap_or_default());
        let mut parts = line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let code_str = parts.next().unwrap_or_default();
        let code = if version.starts_with("HTTP/")
            && code_str.len() == 3
            && code_str.bytes().all(|b| b.is_ascii_digit())
        {
            code_str.parse().ok()
        } else {
            None
        };
        let reason = if code.is_some() {
            parts.next().unwrap_or_default().to_owned()
        } else {
            String::new()
        };
        HttpStatusLine { line, code, reason }
    }
}

impl fmt::Display for HttpStatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_bytes_match_spec() {
        let hex = "474554202f64706d20485454502f312e310d0a436f6e74656e742d547970653a206170706c69636174696f6e2f70630d0a0d0a";
        let expected: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(&HANDSHAKE_REQUEST[..], &expected[..]);
        assert_eq!(HANDSHAKE_REQUEST.len(), 51);
    }

    #[test]
    fn classify_and_parse() {
        assert_eq!(ResponseStart::classify(b"HTT"), None);
        assert_eq!(
            ResponseStart::classify(b"HTTP/1.1 404"),
            Some(ResponseStart::Http)
        );
        assert_eq!(
            ResponseStart::classify(&[0, 0x10, 0, 0, 0x53]),
            Some(ResponseStart::Frames { first_len: 1 << 20 })
        );
        let l = HttpStatusLine::parse(b"HTTP/1.1 404 Not Found\r\nX: y\r\n\r\n");
        assert_eq!(
            (l.code, l.reason.as_str(), l.line.as_str()),
            (Some(404), "Not Found", "HTTP/1.1 404 Not Found")
        );
        let l = HttpStatusLine::parse(b"HTTP/1.0 500");
        assert_eq!((l.code, l.reason.as_str()), (Some(500), ""));
        let l = HttpStatusLine::parse(b"HTTP/garbage\xb0");
        assert_eq!((l.code, l.line.as_str()), (None, "HTTP/garbage\u{b0}"));
        assert_eq!(http_head_len(b"HTTP/1.1 404 x\r\n"), None);
        assert_eq!(
            HttpStatusLine::parse(&[b'H'; 10_000]).line.len(),
            HTTP_HEAD_LIMIT
        );
    }
}
