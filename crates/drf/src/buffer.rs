//! The request's own text buffer: short texts inline (no allocation), longer ones boxed.

use core::fmt;

/// Texts up to this many bytes are stored inline.
const INLINE: usize = 30;

/// An owned, immutable text that avoids allocating for short requests.
///
/// The inline form keeps bytes that are valid UTF-8 by construction (copied from a `&str`,
/// edited only in ASCII); reading them back re-checks this with `core::str::from_utf8`, so
/// no `unsafe` is needed.
#[derive(Clone)]
pub(crate) enum TextBuf {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

/// Copies `src` (at most `INLINE` bytes) to the front of `dst` with a few fixed-size,
/// possibly overlapping copies instead of a call to `memcpy`.
#[inline]
fn copy_small(dst: &mut [u8; INLINE], src: &[u8]) {
    #[inline(always)]
    fn chunk<const N: usize>(dst: &mut [u8; INLINE], src: &[u8], at: usize) {
        if let (Some(d), Some(s)) = (dst.get_mut(at..at + N), src.get(at..at + N)) {
            d.copy_from_slice(s);
        }
    }
    let n = src.len();
    if n >= 24 {
        chunk::<24>(dst, src, 0);
        chunk::<24>(dst, src, n - 24);
    } else if n >= 16 {
        chunk::<16>(dst, src, 0);
        chunk::<16>(dst, src, n - 16);
    } else if n >= 8 {
        chunk::<8>(dst, src, 0);
        chunk::<8>(dst, src, n - 8);
    } else if n >= 4 {
        chunk::<4>(dst, src, 0);
        chunk::<4>(dst, src, n - 4);
    } else {
        for (d, &c) in dst.iter_mut().zip(src) {
            *d = c;
        }
    }
}

impl TextBuf {
    /// A copy of `src` (an ASCII request) with its first `dev_len` bytes uppercased and
    /// byte 1 (the qualifier) replaced by `:`: the canonical ACNET device in place.
    #[inline]
    pub(crate) fn canonical_acnet(src: &str, dev_len: usize) -> TextBuf {
        let b = src.as_bytes();
        let edit = |d: &mut [u8]| {
            if let Some(dev) = d.get_mut(..dev_len) {
                dev.make_ascii_uppercase();
            }
            if let Some(q) = d.get_mut(1) {
                *q = b':';
            }
        };
        if b.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            copy_small(&mut bytes, b);
            edit(&mut bytes);
            TextBuf::Inline {
                len: b.len() as u8,
                bytes,
            }
        } else {
            let mut v = b.to_vec();
            edit(&mut v);
            match String::from_utf8(v) {
                Ok(s) => TextBuf::Heap(s.into_boxed_str()),
                // Unreachable for ASCII input; keep the text unedited rather than panic.
                Err(_) => TextBuf::Heap(Box::from(src)),
            }
        }
    }

    /// The whole text.
    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        match self {
            TextBuf::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| core::str::from_utf8(b).ok())
                .unwrap_or(""),
            TextBuf::Heap(s) => s,
        }
    }
}

impl From<&str> for TextBuf {
    #[inline]
    fn from(s: &str) -> TextBuf {
        let b = s.as_bytes();
        if b.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            copy_small(&mut bytes, b);
            TextBuf::Inline {
                len: b.len() as u8,
                bytes,
            }
        } else {
            TextBuf::Heap(Box::from(s))
        }
    }
}

impl From<String> for TextBuf {
    fn from(s: String) -> TextBuf {
        if s.len() <= INLINE {
            TextBuf::from(s.as_str())
        } else {
            TextBuf::Heap(s.into_boxed_str())
        }
    }
}

impl fmt::Debug for TextBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
