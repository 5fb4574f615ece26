//! Small byte-level nom parsers shared by the request grammar and the event grammar.

/// A nom parser taking one byte that satisfies `pred`.
#[inline]
pub(crate) fn byte_if<'a, E: nom::error::ParseError<&'a [u8]>>(
    pred: impl Fn(u8) -> bool,
) -> impl Fn(&'a [u8]) -> nom::IResult<&'a [u8], u8, E> {
    move |i: &'a [u8]| match i.split_first() {
        Some((&b, rest)) if pred(b) => Ok((rest, b)),
        _ => Err(nom::Err::Error(E::from_error_kind(
            i,
            nom::error::ErrorKind::Satisfy,
        ))),
    }
}
