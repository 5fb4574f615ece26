//! Setting values typed on the command line, and comparing a read-back value with the
//! value written (`put --verify`).

use pacsys::{Control, Value};

/// A value typed on the command line for `put`.
#[derive(Debug, Clone, PartialEq)]
pub enum PutValue {
    /// A value written to the device's SETTING (or the property the DRF names).
    Data(Value),
    /// A basic-control command sent to the device's CONTROL property.
    Control(Control),
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
}
