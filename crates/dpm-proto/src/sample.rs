//! Data replies as the shared vocabulary (spec section 8): a [`Sample`] is a data reply's
//! header and its [`Value`], so clients turn replies into values and fake servers turn
//! values into replies with one mapping.

use pacsys_types::{AnalogAlarm, BasicStatus, DigitalAlarm, TimedArray, Value};

use crate::{
    AnalogAlarmReply, BasicStatusReply, DigitalAlarmReply, RawReply, Reply, ScalarArrayReply,
    ScalarReply, Status, TextArrayReply, TextReply, TimedScalarArrayReply,
};

/// One data reply in the shared vocabulary: the entry, the sample header and the value.
///
/// Alarm and basic-status replies carry no `status` on the wire; their samples have
/// [`Status::OK`]. A TimedScalarArray with no `micros` becomes a plain [`Value::Array`].
///
/// ```
/// use pacsys_dpm_proto::{Reply, Sample, ScalarReply, Status};
/// use pacsys_types::Value;
///
/// let reply = Reply::Scalar(ScalarReply {
///     ref_id: 1, timestamp: 1718100000123, cycle: 0, status: Status::OK, data: 72.5,
/// });
/// let sample = reply.clone().into_sample().expect("a data reply");
/// assert_eq!(sample.value, Value::Scalar(72.5));
/// assert_eq!(Reply::from_sample(sample), Some(reply));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The list entry.
    pub ref_id: i64,
    /// Milliseconds since the Unix epoch (microseconds in array logger records, spec 6.5).
    pub timestamp: i64,
    /// Cycle information (opaque).
    pub cycle: i64,
    /// The sample's status (a warning still carries usable data).
    pub status: Status,
    /// The value.
    pub value: Value,
}

impl Reply {
    /// The sample of a data reply (Scalar, ScalarArray, Raw, Text, TextArray,
    /// TimedScalarArray, AnalogAlarm, DigitalAlarm, BasicStatus); any other reply is given
    /// back unchanged as the error.
    pub fn into_sample(self) -> Result<Sample, Reply> {
        let sample = |ref_id, timestamp, cycle, status, value| Sample {
            ref_id,
            timestamp,
            cycle,
            status,
            value,
        };
        Ok(match self {
            Reply::Scalar(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                m.status,
                Value::Scalar(m.data),
            ),
            Reply::ScalarArray(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                m.status,
                Value::Array(m.data),
            ),
            Reply::Raw(m) => sample(m.ref_id, m.timestamp, m.cycle, m.status, Value::Raw(m.data)),
            Reply::Text(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                m.status,
                Value::Text(m.data),
            ),
            Reply::TextArray(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                m.status,
                Value::TextArray(m.data),
            ),
            Reply::TimedScalarArray(m) => {
                let value = if m.micros.is_empty() {
                    Value::Array(m.data)
                } else {
                    Value::TimedArray(TimedArray {
                        data: m.data,
                        micros: m.micros,
                    })
                };
                sample(m.ref_id, m.timestamp, m.cycle, m.status, value)
            }
            Reply::AnalogAlarm(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                Status::OK,
                Value::AnalogAlarm(AnalogAlarm {
                    minimum: m.minimum,
                    maximum: m.maximum,
                    alarm_enable: m.alarm_enable,
                    alarm_status: m.alarm_status,
                    abort: m.abort,
                    abort_inhibit: m.abort_inhibit,
                    tries_needed: m.tries_needed,
                    tries_now: m.tries_now,
                }),
            ),
            Reply::DigitalAlarm(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                Status::OK,
                Value::DigitalAlarm(DigitalAlarm {
                    nominal: m.nominal,
                    mask: m.mask,
                    alarm_enable: m.alarm_enable,
                    alarm_status: m.alarm_status,
                    abort: m.abort,
                    abort_inhibit: m.abort_inhibit,
                    tries_needed: m.tries_needed,
                    tries_now: m.tries_now,
                }),
            ),
            Reply::BasicStatus(m) => sample(
                m.ref_id,
                m.timestamp,
                m.cycle,
                Status::OK,
                Value::BasicStatus(BasicStatus {
                    on: m.on,
                    ready: m.ready,
                    remote: m.remote,
                    positive: m.positive,
                    ramp: m.ramp,
                }),
            ),
            other => return Err(other),
        })
    }

    /// The data reply that carries `sample`, the reverse of [`Reply::into_sample`]
    /// (the `status` of alarm and basic-status samples is not on the wire and is dropped).
    /// `None` for a value kind DPM cannot carry.
    pub fn from_sample(sample: Sample) -> Option<Reply> {
        let Sample {
            ref_id,
            timestamp,
            cycle,
            status,
            value,
        } = sample;
        Some(match value {
            Value::Scalar(data) => Reply::Scalar(ScalarReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }),
            Value::Array(data) => Reply::ScalarArray(ScalarArrayReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }),
            Value::Raw(data) => Reply::Raw(RawReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }),
            Value::Text(data) => Reply::Text(TextReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }),
            Value::TextArray(data) => Reply::TextArray(TextArrayReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data,
            }),
            Value::TimedArray(t) => Reply::TimedScalarArray(TimedScalarArrayReply {
                ref_id,
                timestamp,
                cycle,
                status,
                data: t.data,
                micros: t.micros,
            }),
            Value::AnalogAlarm(a) => Reply::AnalogAlarm(AnalogAlarmReply {
                ref_id,
                timestamp,
                cycle,
                minimum: a.minimum,
                maximum: a.maximum,
                alarm_enable: a.alarm_enable,
                alarm_status: a.alarm_status,
                abort: a.abort,
                abort_inhibit: a.abort_inhibit,
                tries_needed: a.tries_needed,
                tries_now: a.tries_now,
            }),
            Value::DigitalAlarm(d) => Reply::DigitalAlarm(DigitalAlarmReply {
                ref_id,
                timestamp,
                cycle,
                nominal: d.nominal,
                mask: d.mask,
                alarm_enable: d.alarm_enable,
                alarm_status: d.alarm_status,
                abort: d.abort,
                abort_inhibit: d.abort_inhibit,
                tries_needed: d.tries_needed,
                tries_now: d.tries_now,
            }),
            Value::BasicStatus(s) => Reply::BasicStatus(BasicStatusReply {
                ref_id,
                timestamp,
                cycle,
                on: s.on,
                ready: s.ready,
                remote: s.remote,
                positive: s.positive,
                ramp: s.ramp,
            }),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value) {
        let sample = Sample {
            ref_id: 7,
            timestamp: 1_718_100_000_123,
            cycle: 42,
            status: Status::OK,
            value: value.clone(),
        };
        let reply = Reply::from_sample(sample.clone()).expect("DPM carries every kind");
        assert!(reply.is_data(), "{reply:?}");
        assert_eq!(reply.ref_id(), Some(7));
        assert_eq!(reply.into_sample(), Ok(sample), "{value:?}");
    }

    #[test]
    fn every_value_kind_round_trips() {
        round_trip(Value::Scalar(72.5));
        round_trip(Value::Array(vec![0.0, -1.5, f64::INFINITY]));
        round_trip(Value::Raw(vec![0xde, 0xad]));
        round_trip(Value::Text("25\u{b0}C".into()));
        round_trip(Value::TextArray(vec!["a".into(), String::new()]));
        round_trip(Value::TimedArray(TimedArray {
            data: vec![1.0, 2.0],
            micros: vec![10, 20],
        }));
        round_trip(Value::AnalogAlarm(AnalogAlarm {
            minimum: 0.0,
            maximum: 120.0,
            alarm_enable: true,
            alarm_status: false,
            abort: true,
            abort_inhibit: false,
            tries_needed: 3,
            tries_now: 1,
        }));
        round_trip(Value::DigitalAlarm(DigitalAlarm {
            nominal: 3,
            mask: 0xff,
            alarm_enable: false,
            alarm_status: true,
            abort: false,
            abort_inhibit: true,
            tries_needed: 2,
            tries_now: 0,
        }));
        round_trip(Value::BasicStatus(BasicStatus {
            on: Some(true),
            ready: None,
            remote: Some(false),
            positive: None,
            ramp: Some(true),
        }));
    }

    #[test]
    fn warnings_stay_with_the_data_and_non_data_replies_are_refused() {
        let pend = Status::new(17, 2);
        let reply = Reply::Scalar(ScalarReply {
            ref_id: 1,
            timestamp: 0,
            cycle: 0,
            status: pend,
            data: 1.0,
        });
        assert_eq!(reply.into_sample().map(|s| s.status), Ok(pend));
        let open = Reply::OpenList(crate::OpenListReply { list_id: 4242 });
        assert_eq!(open.clone().into_sample(), Err(open));
        let untimed = Reply::TimedScalarArray(TimedScalarArrayReply {
            ref_id: 1,
            timestamp: 0,
            cycle: 0,
            status: Status::OK,
            data: vec![1.0],
            micros: vec![],
        });
        assert_eq!(
            untimed.into_sample().map(|s| s.value),
            Ok(Value::Array(vec![1.0]))
        );
    }
}
