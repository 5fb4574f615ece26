//! The typed request.

use core::hash::{Hash, Hasher};
use core::str::FromStr;

use crate::buffer::TextBuf;
use crate::error::Error;
use crate::event::{Event, EventRepr};
use crate::extra::{Extra, ExtraKind};
use crate::field::Field;
use crate::property::Property;
use crate::range::Range;
use crate::span::{OptSpan, Span};

/// A parsed DRF3 request.
///
/// The request owns one buffer holding its texts (device, event text, extra text and, for
/// non-ACNET requests, the two dot-tokens); everything else is stored typed. `Display`
/// prints the canonical form of spec section 10.
///
/// Equality compares the canonical components (device, property, field, range, event text,
/// extra text, ACNET-ness and non-ACNET tokens): two requests are equal exactly when their
/// canonical texts are. Use [`Request::semantically_eq`] to compare meanings instead.
///
/// ```
/// use pacsys_drf::{Event, Field, Property, Request};
///
/// let req: Request = "m_outtmp.raw[0:3]@p,1000".parse()?;
/// assert_eq!(req.device(), "M:OUTTMP");
/// assert_eq!(req.property(), Property::Setting);
/// assert_eq!(req.field(), Some(Field::Raw));
/// assert_eq!(req.range().map(|r| r.to_string()), Some("[0:3]".to_owned()));
/// assert!(matches!(req.event(), Event::Periodic(p) if p.period_ms() == 1000));
/// assert_eq!(req.to_string(), "M:OUTTMP.SETTING[0:3].RAW@p,1000");
/// # Ok::<(), pacsys_drf::Error>(())
/// ```
#[derive(Clone)]
pub struct Request {
    pub(crate) buf: TextBuf,
    pub(crate) device: Span,
    pub(crate) acnet: bool,
    pub(crate) property: Property,
    pub(crate) field: Option<Field>,
    pub(crate) field_explicit: bool,
    pub(crate) range: Option<Range>,
    pub(crate) event_text: Span,
    pub(crate) event: EventRepr,
    pub(crate) extra: Option<(ExtraKind, Span)>,
    pub(crate) epics: [OptSpan; 2],
}

impl Request {
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn from_parts(
        buf: TextBuf,
        device: Span,
        acnet: bool,
        property: Property,
        field: Option<Field>,
        field_explicit: bool,
        range: Option<Range>,
        event_text: Span,
        event: EventRepr,
        extra: Option<(ExtraKind, Span)>,
        epics: [Option<Span>; 2],
    ) -> Request {
        Request {
            buf,
            device,
            acnet,
            property,
            field,
            field_explicit,
            range,
            event_text,
            event,
            extra,
            epics: [OptSpan::new(epics[0]), OptSpan::new(epics[1])],
        }
    }

    /// The device name: for ACNET requests the canonical name (uppercased, qualifier
    /// replaced by `:`), otherwise the lenient device verbatim (spec 13.1).
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// assert_eq!(Request::parse("m_outtmp.raw[0:3]@p,1000")?.device(), "M:OUTTMP");
    /// assert_eq!(Request::parse("my_pv.VAL")?.device(), "my_pv");
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn device(&self) -> &str {
        self.device.of(self.buf.as_str())
    }

    /// `true` for an ACNET request, `false` for one accepted only by the lenient
    /// non-ACNET (EPICS process variable) fallback.
    pub const fn is_acnet(&self) -> bool {
        self.acnet
    }

    /// The property (for non-ACNET requests the placeholder `READING`).
    pub const fn property(&self) -> Property {
        self.property
    }

    /// The field, with the property's default applied when none was written (`None` when
    /// the property has no default and none was written). Non-ACNET requests report the
    /// placeholder `SCALED`.
    pub const fn field(&self) -> Option<Field> {
        self.field
    }

    /// Whether the field was written explicitly (rather than implied by the property).
    pub const fn has_explicit_field(&self) -> bool {
        self.field_explicit
    }

    /// The range, if one was given.
    pub const fn range(&self) -> Option<Range> {
        self.range
    }

    /// The event ([`Event::Default`] when none was written or `@U`).
    pub fn event(&self) -> Event<'_> {
        self.event
            .view(self.event_text.of(self.buf.as_str()), self.buf.as_str())
    }

    /// The extra (`<-...`), if any.
    pub fn extra(&self) -> Option<Extra<'_>> {
        self.extra
            .map(|(k, s)| Extra::new(k, s.of(self.buf.as_str())))
    }

    /// For a non-ACNET request, its two dot-tokens verbatim (before and after the range);
    /// `None` for ACNET requests.
    ///
    /// ```
    /// use pacsys_drf::Request;
    ///
    /// let req = Request::parse("ioc:temp.VAL.HIHI")?;
    /// assert_eq!(req.epics_fields(), Some((Some("VAL"), Some("HIHI"))));
    /// # Ok::<(), pacsys_drf::Error>(())
    /// ```
    pub fn epics_fields(&self) -> Option<(Option<&str>, Option<&str>)> {
        if self.acnet {
            return None;
        }
        let [a, b] = [self.epics[0].get(), self.epics[1].get()];
        Some((
            a.map(|s| s.of(self.buf.as_str())),
            b.map(|s| s.of(self.buf.as_str())),
        ))
    }

    /// The canonical text (same as `to_string()`).
    pub fn to_canonical(&self) -> String {
        self.to_string()
    }

    /// The event text relative to itself plus its repr relative to that text.
    pub(crate) fn event_parts(&self) -> (&str, EventRepr) {
        let shift = self.event_text.start();
        let repr = match self.event {
            EventRepr::Clock {
                number,
                clock_type,
                delay_ms,
            } => EventRepr::Clock {
                number: number.unshifted(shift),
                clock_type,
                delay_ms,
            },
            EventRepr::State {
                device,
                value,
                delay_ms,
                op,
            } => EventRepr::State {
                device: device.unshifted(shift),
                value: value.unshifted(shift),
                delay_ms,
                op,
            },
            other => other,
        };
        (self.event_text.of(self.buf.as_str()), repr)
    }

    fn key(&self) -> Key<'_> {
        let (event_text, event) = self.event_parts();
        Key {
            device: self.device(),
            acnet: self.acnet,
            property: self.property,
            field: self.field,
            range: self.range,
            event_text,
            event,
            extra: self.extra().map(|e| (e.kind(), e.text())),
            epics: self.epics_fields(),
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
struct Key<'a> {
    device: &'a str,
    acnet: bool,
    property: Property,
    field: Option<Field>,
    range: Option<Range>,
    event_text: &'a str,
    event: EventRepr,
    extra: Option<(ExtraKind, &'a str)>,
    epics: Option<(Option<&'a str>, Option<&'a str>)>,
}

impl core::fmt::Debug for Request {
    /// Shows the typed parts (and the canonical text), not the internal buffer layout.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("Request");
        d.field("canonical", &format_args!("{self}"))
            .field("device", &self.device())
            .field("acnet", &self.acnet)
            .field("property", &self.property)
            .field("field", &self.field)
            .field("range", &self.range)
            .field("event", &self.event())
            .field("extra", &self.extra());
        if let Some(tokens) = self.epics_fields() {
            d.field("epics_fields", &tokens);
        }
        d.finish()
    }
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Request {}

impl Hash for Request {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl FromStr for Request {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Request::parse(s)
    }
}

impl TryFrom<&str> for Request {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Request::parse(s)
    }
}

/// Serialised as the canonical text; deserialised by parsing it.
#[cfg(feature = "serde")]
impl serde::Serialize for Request {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Request {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Request;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a DRF3 request string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Request, E> {
                Request::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}
