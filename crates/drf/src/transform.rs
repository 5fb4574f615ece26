//! Helper transformations (spec section 13): each returns a new request or an error.

use std::borrow::Cow;

use crate::canonical::write_request;
use crate::error::Error;
use crate::event::{EventRepr, parse_event_text};
use crate::extra::ExtraKind;
use crate::field::Field;
use crate::property::Property;
use crate::range::Range;
use crate::request::Request;
use crate::span::Span;

/// The parts of a request, borrowed, from which a new request is assembled.
pub(crate) struct Builder<'a> {
    pub(crate) device: &'a str,
    pub(crate) acnet: bool,
    pub(crate) property: Property,
    pub(crate) field: Option<Field>,
    pub(crate) field_explicit: bool,
    pub(crate) range: Option<Range>,
    /// Event text (used only for P/Q/E/S) and its repr with spans relative to that text.
    pub(crate) event_text: &'a str,
    pub(crate) event: EventRepr,
    pub(crate) extra: Option<(ExtraKind, &'a str)>,
    pub(crate) epics: [Option<&'a str>; 2],
}

impl<'a> Builder<'a> {
    pub(crate) fn of(req: &'a Request) -> Builder<'a> {
        let (event_text, event) = req.event_parts();
        let [t1, t2] = [req.epics[0].get(), req.epics[1].get()];
        Builder {
            device: req.device(),
            acnet: req.acnet,
            property: req.property,
            field: req.field,
            field_explicit: req.field_explicit,
            range: req.range,
            event_text,
            event,
            extra: req.extra.map(|(k, s)| (k, s.of(req.buf.as_str()))),
            epics: [
                t1.map(|s| s.of(req.buf.as_str())),
                t2.map(|s| s.of(req.buf.as_str())),
            ],
        }
    }

    pub(crate) fn with_event(mut self, text: &'a str, event: EventRepr) -> Self {
        self.event_text = if event.keeps_text() { text } else { "" };
        self.event = event;
        self
    }

    pub(crate) fn build(self) -> Request {
        let cap = self.device.len()
            + self.event_text.len()
            + self.extra.map_or(0, |(_, t)| t.len())
            + self.epics.iter().flatten().map(|t| t.len()).sum::<usize>();
        let mut buf = String::with_capacity(cap);
        let mut push = |s: &str| {
            let start = buf.len();
            buf.push_str(s);
            Span::new(start, buf.len())
        };
        let device = push(self.device);
        let event_text = push(self.event_text);
        let event = self.event.shifted(event_text.start());
        let extra = self.extra.map(|(k, t)| (k, push(t)));
        let [t1, t2] = self.epics;
        let epics = [t1.map(&mut push), t2.map(&mut push)];
        Request::from_parts(
            buf.into(),
            device,
            self.acnet,
            self.property,
            self.field,
            self.field_explicit,
            self.range,
            event_text,
            event,
            extra,
            epics,
        )
    }
}

/// Parses an event text given to a helper (non-empty, ASCII, no line feed).
fn helper_event(text: &str) -> Result<EventRepr, Error> {
    if let Some(p) = text.bytes().position(|b| !b.is_ascii()) {
        return Err(Error::NonAscii {
            offset: p,
            message: "DRF text must be ASCII",
        });
    }
    if let Some(p) = text.bytes().position(|b| b == b'\n') {
        return Err(Error::Event {
            offset: p,
            message: "an event cannot hold a line feed",
        });
    }
    parse_event_text(text.as_bytes())
}

const NON_ACNET: &str = "non-ACNET (EPICS) requests have no ACNET properties or fields";

impl Request {
    /// The request prepared for a write (spec 13.2): READING becomes SETTING and STATUS
    /// becomes CONTROL (dropping a field the new property does not allow), the event
    /// becomes `N`; range and extra are kept. Non-ACNET requests only get `@N`.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let w = Request::parse("M:OUTTMP.READING.MIN@p,1000")?.for_write();
    /// assert_eq!(w.to_string(), "M:OUTTMP.SETTING.MIN@N");
    /// let w = Request::parse("M:OUTTMP.STATUS.ON")?.for_write();
    /// assert_eq!(w.to_string(), "M:OUTTMP.CONTROL@N");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn for_write(&self) -> Request {
        let mut b = Builder::of(self).with_event("", EventRepr::Never);
        if self.acnet {
            let new_property = match self.property {
                Property::Reading => Property::Setting,
                Property::Status => Property::Control,
                p => p,
            };
            if new_property != self.property {
                let keep = self.field.filter(|&f| new_property.allows(f));
                b.field = keep.or(new_property.default_field());
                b.field_explicit = keep.is_some() && self.field_explicit;
                b.property = new_property;
            }
        }
        b.build()
    }

    /// The request forced to the immediate event (spec 13.3): a request with the default
    /// event gets `@I`; one with an explicit event or a historical (logger) extra is
    /// returned unchanged.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let r = Request::parse("M:OUTTMP<-FTP")?.with_immediate_event();
    /// assert_eq!(r.to_string(), "M:OUTTMP.READING@I<-FTP");
    /// let r = Request::parse("m:outtmp@p,1000")?.with_immediate_event();
    /// assert_eq!(r.to_string(), "M:OUTTMP.READING@p,1000");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn with_immediate_event(&self) -> Request {
        let historical = self.extra.is_some_and(|(k, _)| k.is_historical());
        if historical || !matches!(self.event, EventRepr::Default) {
            return self.clone();
        }
        Builder::of(self)
            .with_event("", EventRepr::Immediate)
            .build()
    }

    /// The canonical text of [`Request::with_immediate_event`], written directly (no
    /// intermediate request is built): what a one-shot read sends.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// for text in ["M:OUTTMP", "M:OUTTMP<-FTP", "m:outtmp@p,1000", "M:OUTTMP<-LOGGER:1:2"] {
    ///     let r = Request::parse(text)?;
    ///     assert_eq!(r.immediate_text(), r.with_immediate_event().to_string());
    /// }
    /// assert_eq!(Request::parse("M:OUTTMP[0:3]")?.immediate_text(), "M:OUTTMP.READING[0:3]@I");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn immediate_text(&self) -> String {
        let historical = self.extra.is_some_and(|(k, _)| k.is_historical());
        let mut out = String::with_capacity(self.buf.as_str().len() + 16);
        let _ = write_request(self, &mut out, None, !historical);
        out
    }

    /// The qualified form (spec 13.4): the property written as the device's qualifier
    /// character instead of a `.PROPERTY` token. There is none for `BIT_STATUS` or for
    /// non-ACNET requests ([`Error::Unsupported`]).
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let q = Request::parse("M:OUTTMP.STATUS.ON@I")?.qualified()?;
    /// assert_eq!(q, "M|OUTTMP.ON@I");
    /// assert!(Request::parse("M:OUTTMP.BIT_STATUS")?.qualified().is_err());
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn qualified(&self) -> Result<String, Error> {
        if !self.acnet {
            return Err(Error::Unsupported {
                offset: 0,
                message: "non-ACNET requests have no qualified form",
            });
        }
        let Some(q) = self.property.qualifier() else {
            return Err(Error::Unsupported {
                offset: 0,
                message: "BIT_STATUS has no qualifier character; use the canonical form",
            });
        };
        let mut out = String::with_capacity(self.buf.as_str().len() + 8);
        // Writing into a String cannot fail.
        let _ = write_request(self, &mut out, Some(q), false);
        Ok(out)
    }

    /// The request with a new event (spec 13.5), given as event text (`"p,1000"`,
    /// `"E,0F"`, `"I"`; `"U"` removes it). The text is validated like an `@event`.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let r = Request::parse("m_outtmp.raw[0:3]@p,1000<-FTP")?.with_event("e,0f")?;
    /// assert_eq!(r.to_string(), "M:OUTTMP.SETTING[0:3].RAW@e,0f<-FTP");
    /// assert_eq!(Request::parse("M:OUTTMP")?.with_event("X").unwrap_err().category(), "event");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn with_event(&self, event: &str) -> Result<Request, Error> {
        let repr = helper_event(event)?;
        Ok(Builder::of(self).with_event(event, repr).build())
    }

    /// The request with the default event (spec 13.5, "strip").
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let r = Request::parse("m_outtmp.raw[0:3]@p,1000<-FTP")?.without_event();
    /// assert_eq!(r.to_string(), "M:OUTTMP.SETTING[0:3].RAW<-FTP");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn without_event(&self) -> Request {
        Builder::of(self).with_event("", EventRepr::Default).build()
    }

    /// The request with a new range (spec 13.6).
    ///
    /// ```
    /// use pacsys_drf::{ArrayRange, Range, Request};
    ///
    /// let req = Request::parse("M:OUTTMP.SETTING[0:3].RAW@p,1000<-FTP")?;
    /// let r = req.with_range(Range::Array(ArrayRange::span(Some(2), Some(5))?));
    /// assert_eq!(r.to_string(), "M:OUTTMP.SETTING[2:5].RAW@p,1000<-FTP");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn with_range(&self, range: Range) -> Request {
        let mut b = Builder::of(self);
        b.range = Some(range);
        b.build()
    }

    /// The request without a range (spec 13.6).
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let r = Request::parse("M:OUTTMP[0:3]@I")?.without_range();
    /// assert_eq!(r.to_string(), "M:OUTTMP.READING@I");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn without_range(&self) -> Request {
        let mut b = Builder::of(self);
        b.range = None;
        b.build()
    }

    /// Resolves the field for a rebuilt request (spec 13.7): the given one (it must be
    /// allowed), else the request's explicitly written field if allowed, else the default.
    fn resolve_field(
        &self,
        property: Property,
        field: Option<Field>,
    ) -> Result<(Option<Field>, bool), Error> {
        match field {
            Some(f) if property.allows(f) => Ok((Some(f), true)),
            Some(_) => Err(Error::FieldNotAllowed {
                offset: 0,
                message: "this field does not exist for the requested property",
            }),
            None => match self.field {
                Some(f) if self.field_explicit && property.allows(f) => Ok((Some(f), true)),
                _ => Ok((property.default_field(), false)),
            },
        }
    }

    /// The request rebuilt for another property and field, keeping range, event and
    /// extra (spec 13.7). With `field` `None`, an explicitly written field is kept when
    /// the new property allows it. Non-ACNET requests accept only READING/SETTING with the
    /// default field.
    ///
    /// ```
    /// use pacsys_drf::{Field, Property, Request};
    ///
    /// let req = Request::parse("M:OUTTMP.READING.MIN@p,1000")?;
    /// let r = req.with_property(Property::Setting, None)?;
    /// assert_eq!(r.to_string(), "M:OUTTMP.SETTING.MIN@p,1000");
    /// let r = req.with_property(Property::Status, Some(Field::On))?;
    /// assert_eq!(r.to_string(), "M:OUTTMP.STATUS.ON@p,1000");
    /// assert!(req.with_property(Property::Status, Some(Field::Min)).is_err());
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn with_property(
        &self,
        property: Property,
        field: Option<Field>,
    ) -> Result<Request, Error> {
        let mut b = Builder::of(self);
        if !self.acnet {
            if !matches!(property, Property::Reading | Property::Setting) {
                return Err(Error::Unsupported {
                    offset: 0,
                    message: NON_ACNET,
                });
            }
            if field.is_some_and(|f| Some(f) != property.default_field()) {
                return Err(Error::Unsupported {
                    offset: 0,
                    message: NON_ACNET,
                });
            }
            return Ok(b.build());
        }
        let (f, explicit) = self.resolve_field(property, field)?;
        b.property = property;
        b.field = f;
        b.field_explicit = explicit;
        Ok(b.build())
    }

    /// A one-shot read of `property`/`field` (spec 13.7): event `I`, except with a
    /// historical (logger) extra, where the request's own explicit event is kept (or none).
    ///
    /// ```
    /// use pacsys_drf::{Property, Request};
    ///
    /// let r = Request::parse("M:OUTTMP@p,1000")?.read_request(Property::Setting, None)?;
    /// assert_eq!(r.to_string(), "M:OUTTMP.SETTING@I");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn read_request(&self, property: Property, field: Option<Field>) -> Result<Request, Error> {
        let r = self.with_property(property, field)?;
        if self.extra.is_some_and(|(k, _)| k.is_historical()) {
            return Ok(r);
        }
        Ok(Builder::of(&r).with_event("", EventRepr::Immediate).build())
    }

    /// The request for writing a setting (spec 13.7): SETTING, event `N`, the given field,
    /// else the explicitly written field if SETTING allows it, else the default.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// assert_eq!(Request::parse("M:OUTTMP.READING.MIN")?.write_request(None)?.to_string(), "M:OUTTMP.SETTING.MIN@N");
    /// assert_eq!(Request::parse("M|OUTTMP.ON")?.write_request(None)?.to_string(), "M:OUTTMP.SETTING@N");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn write_request(&self, field: Option<Field>) -> Result<Request, Error> {
        let r = self.with_property(Property::Setting, field)?;
        Ok(Builder::of(&r).with_event("", EventRepr::Never).build())
    }

    /// The request for a basic-control command (spec 13.7): CONTROL, no field, event `N`.
    /// Non-ACNET requests have no CONTROL property ([`Error::Unsupported`]).
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// assert_eq!(Request::parse("M:OUTTMP.STATUS.ON@I")?.control_request()?.to_string(), "M:OUTTMP.CONTROL@N");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn control_request(&self) -> Result<Request, Error> {
        if !self.acnet {
            return Err(Error::Unsupported {
                offset: 0,
                message: NON_ACNET,
            });
        }
        let mut b = Builder::of(self).with_event("", EventRepr::Never);
        b.property = Property::Control;
        b.field = Property::Control.default_field();
        b.field_explicit = false;
        Ok(b.build())
    }

    /// Retargets a request to the CONTROL property (spec 13.7): CONTROL and STATUS
    /// requests are returned unchanged, any other property becomes CONTROL with no field
    /// (event kept). Non-ACNET requests are refused.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// assert_eq!(Request::parse("M:OUTTMP.RAW@p,1000")?.retarget_control()?.to_string(), "M:OUTTMP.CONTROL@p,1000");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn retarget_control(&self) -> Result<Request, Error> {
        if !self.acnet {
            return Err(Error::Unsupported {
                offset: 0,
                message: NON_ACNET,
            });
        }
        if matches!(self.property, Property::Control | Property::Status) {
            return Ok(self.clone());
        }
        let mut b = Builder::of(self);
        b.property = Property::Control;
        b.field = Property::Control.default_field();
        b.field_explicit = false;
        Ok(b.build())
    }
}

/// The device name of a request string (spec 13.1).
///
/// ```
/// assert_eq!(pacsys_drf::device_name("m_outtmp.raw[0:3]@p,1000").unwrap(), "M:OUTTMP");
/// ```
pub fn device_name(input: &str) -> Result<String, Error> {
    Request::parse(input).map(|r| r.device().to_owned())
}

/// A request string prepared for a write, as canonical text (spec 13.2).
///
/// ```
/// assert_eq!(
///     pacsys_drf::prepare_for_write("B:HS23T[0:100]@e,02,e,0<-LOGGER:1:2").unwrap(),
///     "B:HS23T.SETTING[0:100]@N<-LOGGER:1:2"
/// );
/// ```
pub fn prepare_for_write(input: &str) -> Result<String, Error> {
    Request::parse(input).map(|r| r.for_write().to_string())
}

/// A request string forced to the immediate event, exactly as the reference does it
/// (spec 13.3): canonical text with `@I` when the request has the default event and no
/// historical extra, otherwise the input string itself, untouched.
///
/// ```
/// assert_eq!(pacsys_drf::ensure_immediate_event("M:OUTTMP").unwrap(), "M:OUTTMP.READING@I");
/// assert_eq!(pacsys_drf::ensure_immediate_event("m:outtmp.read@p,1000").unwrap(), "m:outtmp.read@p,1000");
/// ```
pub fn ensure_immediate_event(input: &str) -> Result<Cow<'_, str>, Error> {
    let req = Request::parse(input)?;
    let historical = req.extra.is_some_and(|(k, _)| k.is_historical());
    if historical || !matches!(req.event, EventRepr::Default) {
        return Ok(Cow::Borrowed(input));
    }
    Ok(Cow::Owned(req.with_immediate_event().to_string()))
}

/// The qualified form of a request string (spec 13.4).
///
/// ```
/// assert_eq!(
///     pacsys_drf::qualified_name("N:I2B1RI.SETTING[50].RAW@e,AE,e,1000").unwrap(),
///     "N_I2B1RI[50].RAW@e,AE,e,1000"
/// );
/// ```
pub fn qualified_name(input: &str) -> Result<String, Error> {
    Request::parse(input)?.qualified()
}

/// A request string with its event replaced, as canonical text (spec 13.5).
///
/// ```
/// assert_eq!(pacsys_drf::replace_event("M:OUTTMP@I", "p,500").unwrap(), "M:OUTTMP.READING@p,500");
/// ```
pub fn replace_event(input: &str, event: &str) -> Result<String, Error> {
    Request::parse(input)?
        .with_event(event)
        .map(|r| r.to_string())
}

/// A request string without its event, as canonical text (spec 13.5).
///
/// ```
/// assert_eq!(pacsys_drf::strip_event("M:OUTTMP@p,1000<-FTP").unwrap(), "M:OUTTMP.READING<-FTP");
/// ```
pub fn strip_event(input: &str) -> Result<String, Error> {
    Request::parse(input).map(|r| r.without_event().to_string())
}
