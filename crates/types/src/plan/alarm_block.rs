//! Whole alarm blocks written as their fields: the one rule every backend follows.
//!
//! No setting message carries a structured alarm block, so a block is written as scalar
//! settings of its writable fields (booleans as 1 and 0), **one at a time**: the fields
//! share one block on the front end, and two field settings of one device in one batch
//! overwrite each other.

use std::sync::Arc;

use pacsys_drf::{Field, Property, Request};

use super::WritePlan;
use crate::{AnalogAlarm, DigitalAlarm, Error, Value};

/// A whole alarm block (`<device>.ANALOG` with an [`AnalogAlarm`], `<device>.DIGITAL` with a
/// [`DigitalAlarm`]) planned as the settings of its writable fields, to be sent one after
/// the other.
///
/// Analog blocks write MIN, MAX, ALARM_ENABLE, ABORT_INHIBIT and TRIES_NEEDED; digital
/// blocks NOM, MASK, ALARM_ENABLE, ABORT_INHIBIT and TRIES_NEEDED, in that order (the
/// reference's). The read-only state in the value (`alarm_status`, `abort`, `tries_now`)
/// is what the front end reports and is not written, so a block that was read, changed
/// and written back sets exactly the writable fields.
///
/// ```
/// use pacsys_types::plan::AlarmBlockPlan;
/// use pacsys_types::{AnalogAlarm, ErrorKind, Value};
///
/// let block = Value::AnalogAlarm(AnalogAlarm {
///     minimum: 0.0, maximum: 100.0, alarm_enable: true, alarm_status: false,
///     abort: false, abort_inhibit: false, tries_needed: 2, tries_now: 0,
/// });
/// let plan = AlarmBlockPlan::new("M:OUTTMP.ANALOG", &block)?.expect("a whole block");
/// let wires: Vec<&str> = plan.fields().iter().map(|f| f.wire()).collect();
/// assert_eq!(wires[0], "M:OUTTMP.ANALOG.MIN@N");
/// assert_eq!(wires.len(), 5);
///
/// // Not a block: planned as any other setting.
/// assert!(AlarmBlockPlan::new("M:OUTTMP", &Value::Scalar(1.0))?.is_none());
/// // A block value belongs to the block's property.
/// let e = AlarmBlockPlan::new("M:OUTTMP", &block).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidRequest);
/// # Ok::<(), pacsys_types::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmBlockPlan {
    drf: Arc<str>,
    fields: Vec<WritePlan>,
}

impl AlarmBlockPlan {
    /// Plans writing `value` to `drf` when `value` is an alarm block: `Ok(None)` for any
    /// other value (plan it with [`WritePlan::new`]).
    ///
    /// An alarm block given to anything but the whole block of its own kind
    /// (`<device>.ANALOG` for [`AnalogAlarm`], `<device>.DIGITAL` for [`DigitalAlarm`], with
    /// any event, no field and no range) is [`ErrorKind::InvalidRequest`](crate::ErrorKind)
    /// naming the DRF to use; a DRF that does not parse is too, with the parse error.
    pub fn new(drf: &str, value: &Value) -> Result<Option<AlarmBlockPlan>, Error> {
        let (property, name, fields) = match value {
            Value::AnalogAlarm(a) => (Property::Analog, "ANALOG", analog_fields(a)),
            Value::DigitalAlarm(d) => (Property::Digital, "DIGITAL", digital_fields(d)),
            _ => return Ok(None),
        };
        let request = Request::parse(drf).map_err(|e| Error::invalid_drf(drf, e))?;
        if whole_block(&request) != Some(property) {
            let device = request.device();
            return Err(Error::invalid_request(
                drf,
                format!(
                    "an {} alarm block is written to the whole block: `{device}.{name}` (no field, range or data source)",
                    name.to_ascii_lowercase()
                ),
            ));
        }
        let device = request.device();
        let fields = fields
            .into_iter()
            .map(|(field, x)| WritePlan::new(&format!("{device}.{name}.{field}"), Value::Scalar(x)))
            .collect::<Result<Vec<_>, Error>>()
            .map_err(|e| e.with_drf(drf))?;
        Ok(Some(AlarmBlockPlan {
            drf: Arc::from(drf),
            fields,
        }))
    }

    /// The request as the caller wrote it.
    pub fn drf(&self) -> &str {
        &self.drf
    }

    /// The field settings, in the order they are sent (each its own batch).
    pub fn fields(&self) -> &[WritePlan] {
        &self.fields
    }
}

/// Sets one writable field of an alarm block (a [`Value::AnalogAlarm`] or
/// [`Value::DigitalAlarm`]) by the reference's dictionary key or by the DRF field name, in
/// any case: analog `minimum`/`min`, `maximum`/`max`; digital `nominal`/`nom`, `mask`; both
/// `alarm_enable`, `abort_inhibit` (0 or 1) and `tries_needed` (a whole number).
///
/// The read-only state (`alarm_status`, `abort`, `tries_now`) is
/// [`ErrorKind::ReadOnly`](crate::ErrorKind::ReadOnly); an unknown key, a key of the other
/// block kind, a value out of its field's range, or a value that is not a block is
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest). The errors carry no DRF
/// (the caller knows it: add it with [`Error::with_drf`]).
///
/// ```
/// use pacsys_types::plan::set_alarm_field;
/// use pacsys_types::{DigitalAlarm, ErrorKind, Value};
///
/// let mut block = Value::DigitalAlarm(DigitalAlarm {
///     nominal: 0, mask: 0, alarm_enable: false, alarm_status: false,
///     abort: false, abort_inhibit: false, tries_needed: 1, tries_now: 0,
/// });
/// set_alarm_field(&mut block, "MASK", 255.0)?;
/// set_alarm_field(&mut block, "alarm_enable", 1.0)?;
/// let Value::DigitalAlarm(d) = &block else { unreachable!() };
/// assert_eq!((d.mask, d.alarm_enable), (255, true));
/// assert_eq!(set_alarm_field(&mut block, "tries_now", 1.0).unwrap_err().kind(), ErrorKind::ReadOnly);
/// assert_eq!(set_alarm_field(&mut block, "maximum", 1.0).unwrap_err().kind(), ErrorKind::InvalidRequest);
/// # Ok::<(), pacsys_types::Error>(())
/// ```
pub fn set_alarm_field(block: &mut Value, key: &str, x: f64) -> Result<(), Error> {
    let bad = |why: String| Error::invalid_request("", why);
    let flag = |x: f64| match x {
        0.0 => Ok(false),
        1.0 => Ok(true),
        _ => Err(bad(format!(
            "alarm field `{key}` is 0 or 1 (false or true), not {x}"
        ))),
    };
    let whole = |x: f64| {
        if x.fract() == 0.0 && x >= f64::from(i32::MIN) && x <= f64::from(i32::MAX) {
            Ok(x as i32)
        } else {
            Err(bad(format!(
                "alarm field `{key}` takes a whole number (32-bit), not {x}"
            )))
        }
    };
    let lower = key.to_ascii_lowercase();
    if matches!(lower.as_str(), "alarm_status" | "abort" | "tries_now") {
        return Err(Error::read_only(
            "",
            format!("alarm field `{key}` is state the front end reports and cannot be set"),
        ));
    }
    match block {
        Value::AnalogAlarm(a) => match lower.as_str() {
            "minimum" | "min" if x.is_finite() => a.minimum = x,
            "maximum" | "max" if x.is_finite() => a.maximum = x,
            "minimum" | "min" | "maximum" | "max" => {
                return Err(bad(format!("alarm limit `{key}` must be finite, not {x}")));
            }
            "alarm_enable" => a.alarm_enable = flag(x)?,
            "abort_inhibit" => a.abort_inhibit = flag(x)?,
            "tries_needed" => a.tries_needed = whole(x)?,
            _ => {
                return Err(bad(format!(
                    "unknown analog alarm field `{key}`; writable are minimum, maximum, alarm_enable, abort_inhibit, tries_needed"
                )));
            }
        },
        Value::DigitalAlarm(d) => match lower.as_str() {
            "nominal" | "nom" => d.nominal = whole(x)?,
            "mask" => d.mask = whole(x)?,
            "alarm_enable" => d.alarm_enable = flag(x)?,
            "abort_inhibit" => d.abort_inhibit = flag(x)?,
            "tries_needed" => d.tries_needed = whole(x)?,
            _ => {
                return Err(bad(format!(
                    "unknown digital alarm field `{key}`; writable are nominal, mask, alarm_enable, abort_inhibit, tries_needed"
                )));
            }
        },
        other => {
            return Err(bad(format!("not an alarm block: {}", other.kind_name())));
        }
    }
    Ok(())
}

/// The alarm property (`Analog` or `Digital`) when `request` names a whole alarm block:
/// an ACNET device's `.ANALOG` or `.DIGITAL` with no field (or `.ALL`), no range and no
/// data source.
///
/// ```
/// use pacsys_drf::{Property, Request};
/// use pacsys_types::plan::whole_block;
///
/// let block = |drf: &str| whole_block(&Request::parse(drf).unwrap());
/// assert_eq!(block("M$OUTTMP"), Some(Property::Digital));
/// assert_eq!(block("M:OUTTMP.ANALOG.MAX"), None);
/// ```
pub fn whole_block(request: &Request) -> Option<Property> {
    let whole = request.is_acnet()
        && matches!(request.field(), None | Some(Field::All))
        && request.range().is_none()
        && request.extra().is_none();
    match request.property() {
        p @ (Property::Analog | Property::Digital) if whole => Some(p),
        _ => None,
    }
}

fn bit(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

fn analog_fields(a: &AnalogAlarm) -> Vec<(&'static str, f64)> {
    vec![
        ("MIN", a.minimum),
        ("MAX", a.maximum),
        ("ALARM_ENABLE", bit(a.alarm_enable)),
        ("ABORT_INHIBIT", bit(a.abort_inhibit)),
        ("TRIES_NEEDED", f64::from(a.tries_needed)),
    ]
}

fn digital_fields(d: &DigitalAlarm) -> Vec<(&'static str, f64)> {
    vec![
        ("NOM", f64::from(d.nominal)),
        ("MASK", f64::from(d.mask)),
        ("ALARM_ENABLE", bit(d.alarm_enable)),
        ("ABORT_INHIBIT", bit(d.abort_inhibit)),
        ("TRIES_NEEDED", f64::from(d.tries_needed)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn digital() -> Value {
        Value::DigitalAlarm(DigitalAlarm {
            nominal: 5,
            mask: 7,
            alarm_enable: false,
            alarm_status: true,
            abort: true,
            abort_inhibit: true,
            tries_needed: 3,
            tries_now: 9,
        })
    }

    #[test]
    fn digital_blocks_write_their_five_fields_in_order_with_bits_as_numbers() {
        let Ok(Some(plan)) = AlarmBlockPlan::new("Z:ACLTST.DIGITAL@p,1000", &digital()) else {
            panic!("not planned")
        };
        assert_eq!(plan.drf(), "Z:ACLTST.DIGITAL@p,1000");
        let got: Vec<(&str, Value)> = plan
            .fields()
            .iter()
            .map(|f| match f.value() {
                super::super::WriteValue::Value(v) => (f.wire(), v.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Z:ACLTST.DIGITAL.NOM@N", Value::Scalar(5.0)),
                ("Z:ACLTST.DIGITAL.MASK@N", Value::Scalar(7.0)),
                ("Z:ACLTST.DIGITAL.ALARM_ENABLE@N", Value::Scalar(0.0)),
                ("Z:ACLTST.DIGITAL.ABORT_INHIBIT@N", Value::Scalar(1.0)),
                ("Z:ACLTST.DIGITAL.TRIES_NEEDED@N", Value::Scalar(3.0)),
            ]
        );
    }

    #[test]
    fn the_other_forms_of_the_block_drf_are_accepted() {
        for drf in ["Z$ACLTST", "Z:ACLTST.DIGITAL.ALL", "Z:ACLTST.DIGITAL@I"] {
            assert!(
                matches!(AlarmBlockPlan::new(drf, &digital()), Ok(Some(_))),
                "{drf}"
            );
        }
    }

    #[test]
    fn a_block_anywhere_else_names_the_block_drf() {
        for drf in [
            "Z:ACLTST",
            "Z:ACLTST.ANALOG",
            "Z:ACLTST.DIGITAL.MASK",
            "Z:ACLTST.DIGITAL<-LOGGER:1:2",
            "Z:ACLTST.DIGITAL[0:2]",
        ] {
            let e = match AlarmBlockPlan::new(drf, &digital()) {
                Err(e) => e,
                Ok(p) => panic!("{drf}: {p:?}"),
            };
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{drf}");
            assert_eq!(e.drf(), Some(drf));
            assert!(e.to_string().contains("Z:ACLTST.DIGITAL"), "{e}");
        }
        let e = AlarmBlockPlan::new("Z:ACLTST.DIGITAL@@", &digital()).unwrap_err();
        assert!(e.drf_error().is_some(), "{e:?}");
    }
}
