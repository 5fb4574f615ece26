//! Setting values typed on the command line, and comparing a read-back value with the
//! value written (`put --verify`).

use pacsys::{AnalogAlarm, Control, DigitalAlarm, Value};
use pacsys_types::plan::set_alarm_field;

/// A value typed on the command line for `put`.
#[derive(Debug, Clone, PartialEq)]
pub enum PutValue {
    /// A value written to the device's SETTING (or the property the DRF names).
    Data(Value),
    /// A basic-control command sent to the device's CONTROL property.
    Control(Control),
    /// Fields of a whole alarm block (`.ANALOG`, `.DIGITAL`) to change, as
    /// `key=value` pairs: the block is read, changed and written back.
    Alarm(Vec<(String, f64)>),
}

/// Which whole alarm block a DRF names, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmKind {
    /// `<device>.ANALOG` (or `N@DEVICE`).
    Analog,
    /// `<device>.DIGITAL` (or `N$DEVICE`).
    Digital,
}

impl AlarmKind {
    /// The whole-block kind of `request` (no field, range or data source), if any.
    pub fn of(request: &pacsys_drf::Request) -> Option<AlarmKind> {
        match pacsys_types::plan::whole_block(request)? {
            pacsys_drf::Property::Analog => Some(AlarmKind::Analog),
            _ => Some(AlarmKind::Digital),
        }
    }

    /// A block of this kind with every field zero, to check edits against.
    fn blank(self) -> Value {
        match self {
            AlarmKind::Analog => Value::AnalogAlarm(AnalogAlarm {
                minimum: 0.0,
                maximum: 0.0,
                alarm_enable: false,
                alarm_status: false,
                abort: false,
                abort_inhibit: false,
                tries_needed: 0,
                tries_now: 0,
            }),
            AlarmKind::Digital => Value::DigitalAlarm(DigitalAlarm {
                nominal: 0,
                mask: 0,
                alarm_enable: false,
                alarm_status: false,
                abort: false,
                abort_inhibit: false,
                tries_needed: 0,
                tries_now: 0,
            }),
        }
    }
}

/// Parses the fields of a whole alarm block to change: `key=value` pairs separated by
/// commas, keys as the reference's dictionaries (`minimum`, `maximum`, `nominal`, `mask`,
/// `alarm_enable`, `abort_inhibit`, `tries_needed`) or the DRF field names (`min`, `max`,
/// `nom`), values numbers or `true`/`false`/`on`/`off`/`yes`/`no`. Every pair is checked
/// against a block of `kind` (unknown and read-only keys, values out of range).
///
/// ```
/// use pacsys_cli::values::{parse_alarm_edits, AlarmKind};
///
/// let edits = parse_alarm_edits("max=95, alarm_enable=true", AlarmKind::Analog).unwrap();
/// assert_eq!(edits, [("max".to_owned(), 95.0), ("alarm_enable".to_owned(), 1.0)]);
/// assert!(parse_alarm_edits("tries_now=1", AlarmKind::Analog).is_err());
/// assert!(parse_alarm_edits("mask=3", AlarmKind::Analog).is_err());
/// assert!(parse_alarm_edits("72", AlarmKind::Analog).is_err());
/// ```
pub fn parse_alarm_edits(text: &str, kind: AlarmKind) -> Result<Vec<(String, f64)>, String> {
    let mut check = kind.blank();
    let mut edits = Vec::new();
    for pair in text.split(',') {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "{pair:?}: a whole alarm block takes key=value pairs (e.g. max=95,alarm_enable=true), or write one field such as .ANALOG.MAX"
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let x = match value.to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" => 1.0,
            "false" | "off" | "no" => 0.0,
            v => number(v).ok_or_else(|| format!("{key}={value}: not a number or true/false"))?,
        };
        set_alarm_field(&mut check, key, x).map_err(|e| e.detail().to_owned())?;
        edits.push((key.to_owned(), x));
    }
    Ok(edits)
}

/// Parses a setting value: a control command name (`on`, `off`, `reset`, `positive`,
/// `negative`, `ramp`, `dc`, `local`, `remote`, `trip`, any case), a number (`12.5`,
/// `-3`, `1e3`), a comma-separated list of numbers (`1,2,3`: an array), else text (commas
/// kept). NaN and infinities are refused.
///
/// ```
/// use pacsys::{Control, Value};
/// use pacsys_cli::values::{parse_value, PutValue};
///
/// assert_eq!(parse_value("12.5"), Ok(PutValue::Data(Value::Scalar(12.5))));
/// assert_eq!(parse_value("1, 2,3"), Ok(PutValue::Data(Value::Array(vec![1.0, 2.0, 3.0]))));
/// assert_eq!(parse_value("hello, world"), Ok(PutValue::Data(Value::Text("hello, world".into()))));
/// assert_eq!(parse_value("ON"), Ok(PutValue::Control(Control::On)));
/// assert!(parse_value("nan").is_err());
/// ```
pub fn parse_value(text: &str) -> Result<PutValue, String> {
    if let Ok(c) = text.parse::<Control>() {
        return Ok(PutValue::Control(c));
    }
    parse_data(text).map(PutValue::Data)
}

fn parse_data(text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.contains(',') {
        let parts: Vec<Option<f64>> = t.split(',').map(|p| number(p.trim())).collect();
        if parts.iter().all(Option::is_some) {
            let xs: Vec<f64> = parts.into_iter().flatten().collect();
            if let Some(bad) = xs.iter().find(|x| !x.is_finite()) {
                return Err(format!(
                    "{text:?}: {bad} is not a finite number; settings must be finite"
                ));
            }
            return Ok(Value::Array(xs));
        }
        return Ok(Value::Text(text.to_owned()));
    }
    match number(t) {
        Some(x) if x.is_finite() => Ok(Value::Scalar(x)),
        Some(_) => Err(format!(
            "{text:?} is not a finite number; settings must be finite"
        )),
        None => Ok(Value::Text(text.to_owned())),
    }
}

fn number(t: &str) -> Option<f64> {
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(v: Value) -> Result<PutValue, String> {
        Ok(PutValue::Data(v))
    }

    #[test]
    fn numbers_arrays_text() {
        assert_eq!(parse_value("-3"), data(Value::Scalar(-3.0)));
        assert_eq!(parse_value(" 1e3 "), data(Value::Scalar(1000.0)));
        assert_eq!(parse_value("1,2"), data(Value::Array(vec![1.0, 2.0])));
        assert_eq!(parse_value("1,x"), data(Value::Text("1,x".into())));
        assert_eq!(parse_value("hello"), data(Value::Text("hello".into())));
        assert_eq!(parse_value(""), data(Value::Text(String::new())));
        assert_eq!(parse_value("1,,2"), data(Value::Text("1,,2".into())));
        assert_eq!(
            parse_value(" Reset "),
            Ok(PutValue::Control(Control::Reset))
        );
        for bad in ["nan", "inf", "-inf", "infinity", "1,nan", "1e999"] {
            assert!(parse_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn alarm_edits() {
        assert_eq!(
            parse_alarm_edits("nom=3,MASK=255,abort_inhibit=off", AlarmKind::Digital),
            Ok(vec![
                ("nom".into(), 3.0),
                ("MASK".into(), 255.0),
                ("abort_inhibit".into(), 0.0)
            ])
        );
        for (bad, kind) in [
            ("min=nan", AlarmKind::Analog),
            ("tries_needed=1.5", AlarmKind::Digital),
            ("alarm_enable=2", AlarmKind::Analog),
            ("abort=1", AlarmKind::Analog),
            ("max=1,", AlarmKind::Analog),
            ("", AlarmKind::Analog),
        ] {
            assert!(parse_alarm_edits(bad, kind).is_err(), "{bad}");
        }
    }
}
