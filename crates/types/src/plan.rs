//! What a request means, decided once for every transport: [`ReadPlan`] for reads and
//! [`WritePlan`] for settings.
//!
//! Both parse the DRF once and carry the typed request, the text to send and the rules that
//! used to be re-implemented (and had drifted) in each core, the facade and the fakes:
//!
//! * a one-shot read with the never event `@N` is refused (no server ever answers it);
//! * a request with the default event is read with `@I`; historical requests are sent as
//!   written; the [`Answer`] says when a read is complete;
//! * one writability table: historical sources, the device-database properties
//!   (DESCRIPTION, INDEX, LONG_NAME, ALARM_LIST_NAME, BIT_STATUS) and the read-only alarm
//!   fields are [`ErrorKind::ReadOnly`](crate::ErrorKind::ReadOnly); basic-status values and
//!   timed arrays are [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported);
//! * a whole alarm block is written as its fields, one setting after the other
//!   ([`AlarmBlockPlan`]); a number to a whole block is
//!   [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest);
//! * a setting is retargeted (READING to SETTING, STATUS to CONTROL) with the never event,
//!   and a control command goes to the device's CONTROL property.
//!
//! ```
//! use pacsys_types::plan::{Answer, ReadPlan, WritePlan};
//! use pacsys_types::{Control, ErrorKind, Value};
//!
//! let r = ReadPlan::new("M:OUTTMP")?;
//! assert_eq!((r.wire(), r.answer()), ("M:OUTTMP.READING@I", Answer::Single));
//! assert_eq!(ReadPlan::new("M:OUTTMP@N").unwrap_err().kind(), ErrorKind::Unsupported);
//!
//! let w = WritePlan::new("M:OUTTMP", Value::Scalar(72.0))?;
//! assert_eq!(w.wire(), "M:OUTTMP.SETTING@N");
//! let c = WritePlan::new("Z:ACLTST", Control::On)?;
//! assert_eq!(c.wire(), "Z:ACLTST.CONTROL@N");
//! assert_eq!(WritePlan::new("M:OUTTMP.DESCRIPTION", Value::Text("x".into())).unwrap_err().kind(), ErrorKind::ReadOnly);
//! # Ok::<(), pacsys_types::Error>(())
//! ```

use std::sync::Arc;

use pacsys_drf::{Event as DrfEvent, ExtraKind, Field, Property, Request};

use crate::{Control, Error, Value};

mod alarm_block;

pub use alarm_block::{AlarmBlockPlan, set_alarm_field, whole_block};

/// How a one-shot read is answered, which decides when it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Exactly one reply (`@I`, a default event, or a single-shot historical source such as
    /// LOGGERSINGLE).
    Single,
    /// Possibly several replies (an explicit repeating event): the first one answers the
    /// read (a DPM connection must be closed afterwards).
    Repeating,
    /// Chunked history (LOGGER, LOGGERDURATION): complete at the server's end marker.
    History,
}

/// A read request, parsed once, with the text to send and how it is answered.
///
/// ```
/// use pacsys_types::plan::{Answer, ReadPlan};
///
/// let p = ReadPlan::new("M:OUTTMP@p,1000")?;
/// assert_eq!((p.wire(), p.answer()), ("M:OUTTMP@p,1000", Answer::Repeating));
/// let p = ReadPlan::new("M:OUTTMP<-LOGGER:1000:2000")?;
/// assert_eq!(p.answer(), Answer::History);
/// assert!(p.is_historical());
/// assert!(ReadPlan::new("M:OUTTMP@Q,X").is_err());
/// # Ok::<(), pacsys_types::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPlan {
    drf: Arc<str>,
    request: Request,
    wire: String,
    answer: Answer,
    historical: bool,
}

impl ReadPlan {
    /// Plans a one-shot read of `drf`: [`ErrorKind::InvalidRequest`](crate::ErrorKind) when
    /// it does not parse (the parse error is the source), [`ErrorKind::Unsupported`](crate::ErrorKind)
    /// for the never event `@N`.
    pub fn new(drf: &str) -> Result<ReadPlan, Error> {
        let plan = ReadPlan::for_stream(drf)?;
        if matches!(plan.request.event(), DrfEvent::Never) {
            // No server sends data for @N: a one-shot read could only time out.
            return Err(Error::unsupported(
                drf,
                "a one-shot read with the never event `@N` is never answered; use `@I` or no event",
            ));
        }
        Ok(plan)
    }

    /// Plans `drf` for a subscription: like [`ReadPlan::new`] but the never event is allowed
    /// (a stream of a setting's `@N` request simply delivers nothing).
    pub fn for_stream(drf: &str) -> Result<ReadPlan, Error> {
        let request = Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))?;
        let extra = request.extra().map(|e| e.kind());
        let historical = extra.is_some_and(ExtraKind::is_historical);
        let answer = match extra {
            Some(ExtraKind::Logger | ExtraKind::LoggerDuration) => Answer::History,
            Some(ExtraKind::LoggerSingle) => Answer::Single,
            _ => match request.event() {
                DrfEvent::Default | DrfEvent::Immediate => Answer::Single,
                _ => Answer::Repeating,
            },
        };
        // DRF spec 13.3: only a default event on a non-historical request becomes @I;
        // everything else is sent exactly as the caller wrote it.
        let wire = if matches!(request.event(), DrfEvent::Default) && !historical {
            request.immediate_text()
        } else {
            drf.to_owned()
        };
        Ok(ReadPlan {
            drf: Arc::from(drf),
            request,
            wire,
            answer,
            historical,
        })
    }

    /// The request as the caller wrote it.
    pub fn drf(&self) -> &str {
        &self.drf
    }

    /// The request as the caller wrote it, shared.
    pub fn drf_arc(&self) -> &Arc<str> {
        &self.drf
    }

    /// The parsed request.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The text to send.
    pub fn wire(&self) -> &str {
        &self.wire
    }

    /// How the read is answered.
    pub fn answer(&self) -> Answer {
        self.answer
    }

    /// Whether the data comes from a historical (data logger) source.
    pub fn is_historical(&self) -> bool {
        self.historical
    }

    /// The request as written, the text to send and the answer kind, moved out (for a
    /// driver that keeps only those, without copying the wire text).
    ///
    /// ```
    /// use pacsys_types::plan::{Answer, ReadPlan};
    /// let (drf, wire, answer) = ReadPlan::new("M:OUTTMP")?.into_parts();
    /// assert_eq!((&*drf, wire.as_str(), answer), ("M:OUTTMP", "M:OUTTMP.READING@I", Answer::Single));
    /// # Ok::<(), pacsys_types::Error>(())
    /// ```
    pub fn into_parts(self) -> (Arc<str>, String, Answer) {
        (self.drf, self.wire, self.answer)
    }
}

/// What a setting writes: a value, or a basic-control command.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteValue {
    /// A value written to the request's property.
    Value(Value),
    /// A command written to the device's CONTROL property.
    Control(Control),
}

impl From<Value> for WriteValue {
    fn from(v: Value) -> Self {
        WriteValue::Value(v)
    }
}

impl From<Control> for WriteValue {
    fn from(c: Control) -> Self {
        WriteValue::Control(c)
    }
}

impl From<f64> for WriteValue {
    fn from(x: f64) -> Self {
        WriteValue::Value(Value::Scalar(x))
    }
}

/// A setting, checked once against the one writability table and prepared for the wire.
///
/// ```
/// use pacsys_types::plan::WritePlan;
/// use pacsys_types::{Control, ErrorKind, Value};
///
/// let w = WritePlan::new("M|OUTTMP", Value::Scalar(1.0))?;
/// assert_eq!(w.wire(), "M:OUTTMP.CONTROL@N");
/// let w = WritePlan::new("Z:ACLTST.STATUS.ON@I", Control::On)?;
/// assert_eq!(w.wire(), "Z:ACLTST.CONTROL@N");
/// let w = WritePlan::new("M:OUTTMP.ANALOG.MIN", Value::Scalar(-10.0))?;
/// assert_eq!(w.wire(), "M:OUTTMP.ANALOG.MIN@N");
///
/// let kind = |drf: &str, v: Value| WritePlan::new(drf, v).unwrap_err().kind();
/// assert_eq!(kind("M:OUTTMP<-LOGGER:1000:2000", Value::Scalar(1.0)), ErrorKind::ReadOnly);
/// assert_eq!(kind("M~OUTTMP", Value::Text("x".into())), ErrorKind::ReadOnly);
/// assert_eq!(kind("M:OUTTMP.ANALOG.ALARM_STATUS", Value::Scalar(1.0)), ErrorKind::ReadOnly);
/// assert_eq!(kind("M:OUTTMP.ANALOG", Value::Scalar(1.0)), ErrorKind::InvalidRequest);
/// # Ok::<(), pacsys_types::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    drf: Arc<str>,
    wire: String,
    value: WriteValue,
}

/// Why one setting cannot carry a whole alarm block.
const ALARM_BLOCK: &str = "a whole alarm block is written one field at a time (plan it with AlarmBlockPlan, as pacsys's backends do), or write one field such as `.ANALOG.MAX`";

/// Why a number cannot go to a whole alarm block.
const NUMBER_TO_BLOCK: &str = "a whole alarm block takes an alarm-block value (AnalogAlarm or DigitalAlarm); write a number to one field such as `.ANALOG.MAX`";

impl WritePlan {
    /// Checks and prepares writing `value` to `drf`; nothing is sent for a refused setting.
    ///
    /// * [`ErrorKind::InvalidRequest`](crate::ErrorKind): the DRF does not parse.
    /// * [`ErrorKind::ReadOnly`](crate::ErrorKind): a historical source, a device-database
    ///   property, or a read-only alarm field (ALARM_STATUS, ABORT, TRIES_NOW).
    /// * [`ErrorKind::InvalidRequest`](crate::ErrorKind): anything but an alarm-block value
    ///   to a whole alarm block (`.ANALOG`, `.DIGITAL`).
    /// * [`ErrorKind::Unsupported`](crate::ErrorKind): an alarm-block value (one setting
    ///   cannot carry it: see [`AlarmBlockPlan`]), a basic-status or timed-array value, or a
    ///   control command to a non-ACNET request.
    pub fn new(drf: &str, value: impl Into<WriteValue>) -> Result<WritePlan, Error> {
        let value = value.into();
        let request = Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))?;
        if request.extra().is_some_and(|e| e.kind().is_historical()) {
            return Err(Error::read_only(
                drf,
                "a historical (data logger) source cannot be written; remove the `<-LOGGER...` part",
            ));
        }
        let prepared = match &value {
            WriteValue::Control(_) => request.control_request().map_err(|_| {
                Error::unsupported(
                    drf,
                    "control commands need an ACNET device (they write its CONTROL property)",
                )
            })?,
            WriteValue::Value(v) => {
                let reason = match v {
                    Value::AnalogAlarm(_) | Value::DigitalAlarm(_) => Some(ALARM_BLOCK),
                    Value::BasicStatus(_) => Some(
                        "a basic-status value cannot be written; send a control command (e.g. on, off, reset)",
                    ),
                    Value::TimedArray(_) => {
                        Some("a timed array cannot be written; write its values as an array")
                    }
                    _ => None,
                };
                if let Some(reason) = reason {
                    return Err(Error::unsupported(drf, reason));
                }
                request.for_write()
            }
        };
        if prepared.is_acnet() {
            check_writable(drf, prepared.property(), prepared.field())?;
        }
        Ok(WritePlan {
            drf: Arc::from(drf),
            wire: prepared.to_string(),
            value,
        })
    }

    /// The request as the caller wrote it.
    pub fn drf(&self) -> &str {
        &self.drf
    }

    /// The request as the caller wrote it, shared.
    pub fn drf_arc(&self) -> &Arc<str> {
        &self.drf
    }

    /// The text to send.
    pub fn wire(&self) -> &str {
        &self.wire
    }

    /// What is written.
    pub fn value(&self) -> &WriteValue {
        &self.value
    }

    /// The request as written, the text to send and the value, moved out.
    ///
    /// ```
    /// use pacsys_types::plan::{WritePlan, WriteValue};
    /// let (drf, wire, value) = WritePlan::new("G:AMANDA", 1.5)?.into_parts();
    /// assert_eq!((&*drf, wire.as_str()), ("G:AMANDA", "G:AMANDA.SETTING@N"));
    /// assert_eq!(value, WriteValue::from(1.5));
    /// # Ok::<(), pacsys_types::Error>(())
    /// ```
    pub fn into_parts(self) -> (Arc<str>, String, WriteValue) {
        (self.drf, self.wire, self.value)
    }
}

/// The one writability table of an ACNET property and field (after retargeting).
///
/// ```
/// use pacsys_drf::{Field, Property};
/// use pacsys_types::plan::check_writable;
///
/// assert!(check_writable("X", Property::Setting, None).is_ok());
/// assert!(check_writable("X", Property::Description, None).is_err());
/// assert!(check_writable("X", Property::Analog, Some(Field::Max)).is_ok());
/// assert!(check_writable("X", Property::Analog, Some(Field::AlarmStatus)).is_err());
/// ```
pub fn check_writable(drf: &str, property: Property, field: Option<Field>) -> Result<(), Error> {
    match property {
        Property::Description
        | Property::Index
        | Property::LongName
        | Property::AlarmListName
        | Property::BitStatus => Err(Error::read_only(
            drf,
            "this property comes from the device database and cannot be set; write SETTING, CONTROL or an alarm field",
        )),
        Property::Analog | Property::Digital => match field {
            None | Some(Field::All) => Err(Error::invalid_request(drf, NUMBER_TO_BLOCK)),
            Some(Field::AlarmStatus | Field::Abort | Field::TriesNow) => Err(Error::read_only(
                drf,
                "this alarm field is read-only; writable are MIN, MAX, NOM, MASK, ALARM_ENABLE, ABORT_INHIBIT and TRIES_NEEDED",
            )),
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalogAlarm, BasicStatus, ErrorKind};

    #[test]
    fn reads_are_planned_once() {
        let p = ReadPlan::new("M:OUTTMP<-LOGGERSINGLE:1000").unwrap();
        assert_eq!(p.answer(), Answer::Single);
        assert!(p.is_historical());
        assert_eq!(p.wire(), "M:OUTTMP<-LOGGERSINGLE:1000");
        assert_eq!(
            ReadPlan::new("M:OUTTMP@I").unwrap().answer(),
            Answer::Single
        );
        let e = ReadPlan::new("M:OUTTMP@Q,X").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.drf_error().is_some());
        assert!(ReadPlan::for_stream("G:AMANDA.SETTING@N").is_ok());
        assert_eq!(
            ReadPlan::new("M:OUTTMP@N<-LOGGER:1:2").unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }

    #[test]
    fn the_writability_table() {
        let kind =
            |drf: &str, v: WriteValue| WritePlan::new(drf, v).map(|_| ()).map_err(|e| e.kind());
        for drf in [
            "M:OUTTMP.DESCRIPTION",
            "M:OUTTMP.INDEX",
            "M:OUTTMP.LONG_NAME",
            "M:OUTTMP.BIT_STATUS",
        ] {
            assert_eq!(kind(drf, 1.0.into()), Err(ErrorKind::ReadOnly), "{drf}");
        }
        assert_eq!(
            kind(
                "M:OUTTMP",
                Value::AnalogAlarm(AnalogAlarm {
                    minimum: 0.0,
                    maximum: 1.0,
                    alarm_enable: true,
                    alarm_status: false,
                    abort: false,
                    abort_inhibit: false,
                    tries_needed: 1,
                    tries_now: 0
                })
                .into()
            ),
            Err(ErrorKind::Unsupported)
        );
        assert_eq!(
            kind(
                "M:OUTTMP",
                Value::BasicStatus(BasicStatus::default()).into()
            ),
            Err(ErrorKind::Unsupported)
        );
        assert_eq!(
            kind("M:OUTTMP.DIGITAL", 1.0.into()),
            Err(ErrorKind::InvalidRequest)
        );
        assert_eq!(kind("M:OUTTMP.DIGITAL.MASK", 1.0.into()), Ok(()));
        assert_eq!(
            kind("ioc:temp.VAL", Control::On.into()),
            Err(ErrorKind::Unsupported)
        );
        assert_eq!(kind("ioc:temp.VAL", 1.0.into()), Ok(()));
        assert_eq!(kind("M:OUTTMP.RAW", Value::Raw(vec![1, 2]).into()), Ok(()));
    }
}
