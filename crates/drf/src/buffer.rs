//! The request's own text buffer: short texts inline (no allocation), longer ones boxed.

use core::fmt;

use arrayvec::ArrayString;

/// Texts up to this many bytes are stored inline: with the `ArrayString`'s length that keeps
/// [`Request`](crate::Request) within 128 bytes (`size_tests`), past which returning one by
/// value costs a `memcpy` call.
const INLINE: usize = 24;

/// An owned, immutable text that avoids allocating for short requests.
///
/// The inline form is an `ArrayString`: its text is checked once, when it is made, and read
/// back for free. (A plain byte array re-checked the UTF-8 on every access, and every
/// accessor of [`Request`](crate::Request) reads the text: that check was a visible part of
/// reading 10,000 devices.)
#[derive(Clone)]
pub(crate) enum TextBuf {
    Inline(ArrayString<INLINE>),
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

/// Applies the canonical-device edit to the eight ASCII bytes at `offset` (little-endian
/// word): uppercase the bytes before `dev_len`, and put `:` at byte 1.
#[inline(always)]
fn canonical_word(x: u64, offset: usize, dev_len: usize) -> u64 {
    let in_device = match dev_len.saturating_sub(offset) {
        0 => 0,
        n if n >= 8 => u64::MAX,
        n => (1u64 << (8 * n)) - 1,
    };
    let mut y = x ^ (crate::ascii::lowercase_bits(x) & in_device);
    if offset <= 1 {
        let shift = 8 * (1 - offset);
        y = (y & !(0xFF << shift)) | (u64::from(b':') << shift);
    }
    y
}

/// Writes the canonical-device copy of `src` (at least 8 bytes) into `dst` (at least as
/// long), eight bytes at a time, transformed in registers (the last word may overlap the
/// one before): no freshly written byte is read back.
#[inline]
fn canonical_into(dst: &mut [u8], src: &[u8], dev_len: usize) {
    let n = src.len();
    let mut at = 0;
    while at < n {
        let start = at.min(n.saturating_sub(8));
        let x = canonical_word(crate::ascii::load_word(src, start), start, dev_len);
        if let Some(d) = dst.get_mut(start..start + 8) {
            d.copy_from_slice(&x.to_le_bytes());
        }
        at = start + 8;
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
            if b.len() >= 8 {
                canonical_into(&mut bytes, b, dev_len);
            } else {
                copy_small(&mut bytes, b);
                edit(&mut bytes);
            }
            match bytes.get(..b.len()).map(core::str::from_utf8) {
                Some(Ok(text)) => TextBuf::from(text),
                // Unreachable for ASCII input; keep the text unedited rather than panic.
                _ => TextBuf::from(src),
            }
        } else {
            let mut v = vec![0u8; b.len()];
            canonical_into(&mut v, b, dev_len);
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
            TextBuf::Inline(text) => text.as_str(),
            TextBuf::Heap(s) => s,
        }
    }
}

impl From<&str> for TextBuf {
    #[inline]
    fn from(s: &str) -> TextBuf {
        match ArrayString::from(s) {
            Ok(text) => TextBuf::Inline(text),
            Err(_) => TextBuf::Heap(Box::from(s)),
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

#[cfg(test)]
mod tests {
    use super::TextBuf;

    /// Deterministic pseudo-random printable ASCII.
    fn text(seed: u64, len: usize) -> String {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b' ' + ((x >> 33) % 95) as u8)
            })
            .collect()
    }

    #[test]
    fn canonical_copy_matches_naive_edit() {
        for len in 3..80 {
            for dev_len in 3..=len.min(64) {
                for seed in 0..4 {
                    let src = text(seed * 1000 + len as u64, len);
                    let mut want = src.clone().into_bytes();
                    want[..dev_len].make_ascii_uppercase();
                    want[1] = b':';
                    let got = TextBuf::canonical_acnet(&src, dev_len);
                    assert_eq!(got.as_str().as_bytes(), &want[..], "{src:?} {dev_len}");
                    assert_eq!(TextBuf::from(src.as_str()).as_str(), src);
                }
            }
        }
    }

    #[test]
    fn packed_keys_match_naive_packing() {
        for len in 0..=17 {
            for seed in 0..8 {
                let s = text(seed + 77 * len as u64, len);
                let got = crate::field::upper_key(s.as_bytes());
                if len > 16 {
                    assert_eq!(got, None);
                } else {
                    let want = crate::field::key(s.to_ascii_uppercase().as_bytes());
                    assert_eq!(got, Some(want), "{s:?}");
                }
            }
        }
    }
}
