//! The canonical text (spec section 10) and the qualified form (spec 13.4).

use core::fmt;

use crate::event::EventRepr;
use crate::request::Request;

impl fmt::Display for Request {
    /// Writes the canonical form: for ACNET requests
    /// `DEVICE.PROPERTY[range][.FIELD][@event][<-extra]` with the field omitted when it is
    /// the property's default; for non-ACNET requests the device and dot-tokens verbatim.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_request(self, f, None, false)
    }
}

/// Writes a request; with `qualifier` set, writes the qualified form instead (the device's
/// second char replaced and no `.PROPERTY`).
///
/// With `immediate`, a default event is written as `@I` (the text of
/// [`Request::with_immediate_event`] without building that request).
pub(crate) fn write_request(
    req: &Request,
    f: &mut impl fmt::Write,
    qualifier: Option<char>,
    immediate: bool,
) -> fmt::Result {
    let device = req.device();
    match qualifier {
        Some(q) => {
            let mut chars = device.chars();
            if let Some(c) = chars.next() {
                f.write_char(c)?;
            }
            f.write_char(q)?;
            chars.next();
            f.write_str(chars.as_str())?;
        }
        None => f.write_str(device)?,
    }
    if req.acnet {
        if qualifier.is_none() {
            f.write_char('.')?;
            f.write_str(req.property.name())?;
        }
        if let Some(r) = req.range {
            write!(f, "{r}")?;
        }
        if let Some(field) = req.field {
            if Some(field) != req.property.default_field() {
                f.write_char('.')?;
                f.write_str(field.name())?;
            }
        }
    } else {
        let [t1, t2] = [req.epics[0].get(), req.epics[1].get()];
        if let Some(t) = t1 {
            f.write_char('.')?;
            f.write_str(t.of(req.buf.as_str()))?;
        }
        if let Some(r) = req.range {
            write!(f, "{r}")?;
        }
        if let Some(t) = t2 {
            f.write_char('.')?;
            f.write_str(t.of(req.buf.as_str()))?;
        }
    }
    match req.event {
        EventRepr::Default if immediate => f.write_str("@I")?,
        EventRepr::Default => {}
        EventRepr::Immediate => f.write_str("@I")?,
        EventRepr::Never => f.write_str("@N")?,
        _ => {
            f.write_char('@')?;
            f.write_str(req.event_text.of(req.buf.as_str()))?;
        }
    }
    if let Some((_, s)) = req.extra {
        f.write_str("<-")?;
        f.write_str(s.of(req.buf.as_str()))?;
    }
    Ok(())
}
