//! Byte spans into a request's own buffer.

/// Longest request text the parser accepts (4 GiB - 1), so that spans fit in `u32`.
pub(crate) const MAX_LEN: usize = u32::MAX as usize;

const fn clamp(v: usize) -> u32 {
    if v > MAX_LEN { u32::MAX } else { v as u32 }
}

/// A half-open byte range `start..end` into a request's buffer (`u32` offsets keep the
/// request small; the parser rejects longer inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// Offsets above [`MAX_LEN`] saturate (never produced by the parser).
    pub(crate) const fn new(start: usize, end: usize) -> Span {
        Span {
            start: clamp(start),
            end: clamp(end),
        }
    }

    pub(crate) const fn start(self) -> usize {
        self.start as usize
    }

    pub(crate) const fn end(self) -> usize {
        self.end as usize
    }

    pub(crate) const fn shifted(self, by: usize) -> Span {
        Span::new(
            self.start().saturating_add(by),
            self.end().saturating_add(by),
        )
    }

    pub(crate) const fn unshifted(self, by: usize) -> Span {
        Span::new(
            self.start().saturating_sub(by),
            self.end().saturating_sub(by),
        )
    }

    /// The spanned text, or `""` if the span does not fit `buf` (never happens for spans
    /// built by this crate, but slicing must not panic).
    pub(crate) fn of(self, buf: &str) -> &str {
        buf.get(self.start()..self.end()).unwrap_or("")
    }
}

/// An optional non-empty span in 8 bytes: the empty span means "absent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct OptSpan(Span);

impl OptSpan {
    #[inline]
    pub(crate) fn new(s: Option<Span>) -> OptSpan {
        OptSpan(s.unwrap_or_default())
    }

    #[inline]
    pub(crate) const fn get(self) -> Option<Span> {
        if self.0.start == self.0.end {
            None
        } else {
            Some(self.0)
        }
    }
}
