//! Settings (writes) as plain protocol state (spec 6.6.3, 6.7): preparing DRFs for a write,
//! and one write batch as a sans-IO state machine. The driver that owns the socket lives in
//! `write_conn`.
//!
//! ```
//! use pacsys_dpm_core::write::{PreparedWrite, SettingValue, WriteBatch};
//! use pacsys_dpm_proto::{
//!     ApplySettingsReply, DeviceInfoReply, Reply, Request, SettingStatus, StartListReply, Status,
//! };
//!
//! let w = PreparedWrite::new("M:OUTTMP", SettingValue::Scalar(72.5)).unwrap();
//! assert_eq!(w.wire(), "M:OUTTMP.SETTING@N");
//! let mut batch = WriteBatch::new(4242, 1, "jdoe@FNAL.GOV", Some("testing"), vec![Ok(w)]);
//! // StopList, ClearList, #ROLE, AddToList, StartList.
//! let sent: Vec<Request> = std::iter::from_fn(|| batch.poll_transmit()).collect();
//! assert_eq!(sent.len(), 5);
//! batch.handle_reply(Reply::StartList(StartListReply { list_id: 4242, status: Status::OK }));
//! batch.handle_reply(Reply::DeviceInfo(DeviceInfoReply {
//!     ref_id: 1, di: 1, name: "M:OUTTMP".into(), description: String::new(),
//!     units: None, format_hint: None,
//! }));
//! assert!(matches!(batch.poll_transmit(), Some(Request::ApplySettings(_))));
//! assert!(batch.apply_sent());
//! batch.handle_reply(Reply::ApplySettings(ApplySettingsReply {
//!     status: vec![SettingStatus { ref_id: 1, status: Status::OK }],
//! }));
//! assert!(batch.is_done());
//! let results = batch.take_results();
//! assert!(results[0].is_ok());
//! ```

use std::collections::VecDeque;
use std::sync::Arc;

use pacsys_dpm_proto::{
    AddToListRequest, ApplySettingsRequest, ClearListRequest, RawSetting, Reply, Request,
    ScaledSetting, StartListRequest, Status, StopListRequest, TextSetting,
};
use pacsys_types::plan::{WritePlan, WriteValue};
use pacsys_types::{Value, WriteResult};

use crate::{Error, Transport};

/// A basic-control command (spec 6.6.3): written as its ordinal to the device's `CONTROL`
/// property. The shared [`pacsys_types::Control`] under the name this crate has always used.
///
/// ```
/// use pacsys_dpm_core::write::ControlCommand;
/// assert_eq!(ControlCommand::On.ordinal(), 1);
/// assert_eq!(ControlCommand::Trip.ordinal(), 9);
/// ```
pub use pacsys_types::Control as ControlCommand;

/// A value to write (spec 6.6.3 step 4 decides how each kind travels).
///
/// ```
/// use pacsys_dpm_core::write::SettingValue;
/// let v: SettingValue = 72.5.into();
/// assert_eq!(v, SettingValue::Scalar(72.5));
/// let v: SettingValue = vec![1.0, 2.0].into();
/// assert_eq!(v, SettingValue::Array(vec![1.0, 2.0]));
/// let v: SettingValue = "hello".into();
/// assert_eq!(v, SettingValue::Text("hello".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SettingValue {
    /// One number in engineering units (a ScaledSetting of one element).
    Scalar(f64),
    /// Numbers in engineering units (a ScaledSetting).
    Array(Vec<f64>),
    /// Raw bytes written without scaling (a RawSetting).
    Raw(Vec<u8>),
    /// One text (a TextSetting of one element).
    Text(String),
    /// Texts (a TextSetting).
    TextArray(Vec<String>),
    /// A boolean alarm attribute (`ALARM_ENABLE`, `ABORT_INHIBIT`), sent as 1.0 / 0.0.
    Bool(bool),
    /// A basic-control command, written to the device's CONTROL property.
    Control(ControlCommand),
}

impl From<f64> for SettingValue {
    fn from(x: f64) -> Self {
        SettingValue::Scalar(x)
    }
}

impl From<Vec<f64>> for SettingValue {
    fn from(xs: Vec<f64>) -> Self {
        SettingValue::Array(xs)
    }
}

impl From<&str> for SettingValue {
    fn from(s: &str) -> Self {
        SettingValue::Text(s.to_owned())
    }
}

impl From<String> for SettingValue {
    fn from(s: String) -> Self {
        SettingValue::Text(s)
    }
}

impl From<Vec<String>> for SettingValue {
    fn from(s: Vec<String>) -> Self {
        SettingValue::TextArray(s)
    }
}

impl From<Vec<u8>> for SettingValue {
    fn from(b: Vec<u8>) -> Self {
        SettingValue::Raw(b)
    }
}

impl From<bool> for SettingValue {
    fn from(b: bool) -> Self {
        SettingValue::Bool(b)
    }
}

impl From<ControlCommand> for SettingValue {
    fn from(c: ControlCommand) -> Self {
        SettingValue::Control(c)
    }
}

impl From<SettingValue> for WriteValue {
    fn from(v: SettingValue) -> Self {
        match v {
            SettingValue::Scalar(x) => WriteValue::Value(Value::Scalar(x)),
            SettingValue::Array(xs) => WriteValue::Value(Value::Array(xs)),
            SettingValue::Raw(b) => WriteValue::Value(Value::Raw(b)),
            SettingValue::Text(t) => WriteValue::Value(Value::Text(t)),
            SettingValue::TextArray(t) => WriteValue::Value(Value::TextArray(t)),
            SettingValue::Bool(b) => WriteValue::Value(Value::Scalar(if b { 1.0 } else { 0.0 })),
            SettingValue::Control(c) => WriteValue::Control(c),
        }
    }
}

/// How a planned value travels (spec 6.6.3 step 4); `None` for the kinds the plan refuses.
fn setting_of(value: &WriteValue) -> Option<SettingValue> {
    Some(match value {
        WriteValue::Control(c) => SettingValue::Control(*c),
        WriteValue::Value(Value::Scalar(x)) => SettingValue::Scalar(*x),
        WriteValue::Value(Value::Array(xs)) => SettingValue::Array(xs.clone()),
        WriteValue::Value(Value::Raw(b)) => SettingValue::Raw(b.clone()),
        WriteValue::Value(Value::Text(t)) => SettingValue::Text(t.clone()),
        WriteValue::Value(Value::TextArray(t)) => SettingValue::TextArray(t.clone()),
        WriteValue::Value(_) => return None,
    })
}

/// A setting prepared for the wire: its [`WritePlan`] (parsed once, checked against the one
/// writability table of `pacsys-types`, retargeted with the never event) and how its value
/// travels.
///
/// ```
/// use pacsys_dpm_core::ErrorKind;
/// use pacsys_dpm_core::write::{ControlCommand, PreparedWrite, SettingValue};
///
/// let w = PreparedWrite::new("M|OUTTMP", SettingValue::Scalar(1.0)).unwrap();
/// assert_eq!(w.wire(), "M:OUTTMP.CONTROL@N");
/// let w = PreparedWrite::new("Z:ACLTST.STATUS.ON@I", ControlCommand::On).unwrap();
/// assert_eq!(w.wire(), "Z:ACLTST.CONTROL@N");
/// let w = PreparedWrite::new("M:OUTTMP.ANALOG.MIN", SettingValue::Scalar(-10.0)).unwrap();
/// assert_eq!(w.wire(), "M:OUTTMP.ANALOG.MIN@N");
/// let e = PreparedWrite::new("M:OUTTMP<-LOGGER:1000:2000", 1.0).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::ReadOnly);
/// let e = PreparedWrite::new("M~OUTTMP", SettingValue::from("text")).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::ReadOnly);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedWrite {
    drf: Arc<str>,
    wire: String,
    value: SettingValue,
}

impl PreparedWrite {
    /// Plans writing `value` to `drf` ([`WritePlan::new`]); a refusal carries
    /// [`Transport::Dpm`].
    pub fn new(drf: &str, value: impl Into<WriteValue>) -> Result<PreparedWrite, Error> {
        let plan = WritePlan::new(drf, value).map_err(|e| e.with_transport(Transport::Dpm))?;
        let (drf_arc, wire, planned) = plan.into_parts();
        let value = setting_of(&planned).ok_or_else(|| {
            Error::unsupported(drf, "this value kind cannot be written")
                .with_transport(Transport::Dpm)
        })?;
        Ok(PreparedWrite {
            drf: drf_arc,
            wire,
            value,
        })
    }

    /// The request as the caller wrote it.
    pub fn drf(&self) -> &str {
        &self.drf
    }

    /// The text sent on the wire.
    pub fn wire(&self) -> &str {
        &self.wire
    }

    /// The value.
    pub fn value(&self) -> &SettingValue {
        &self.value
    }
}

/// Where a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the StartList reply and every ref's DeviceInfo / status.
    Preparing,
    /// ApplySettings queued or sent; waiting for its reply.
    Applying,
    /// Every result is known.
    Done,
}

#[derive(Debug)]
struct Member {
    index: usize,
    write: PreparedWrite,
    /// DeviceInfo (or a zero status) seen.
    ready: bool,
    /// Failed before ApplySettings (result already set).
    failed: bool,
}

/// One write batch on a list (spec 6.6.3) as plain state: told which replies arrived, asked
/// what to send. Members get the consecutive ref ids `base..base + n`.
#[derive(Debug)]
pub struct WriteBatch {
    list_id: i32,
    base: i64,
    user_name: String,
    role: Option<String>,
    members: Vec<Member>,
    results: Vec<Option<Result<WriteResult, Error>>>,
    transmit: VecDeque<Request>,
    phase: Phase,
    started: bool,
    apply_sent: bool,
    list_failed: bool,
}

impl WriteBatch {
    /// A batch for `list_id` whose refs start at `base` (non-zero), applied as `user_name`
    /// with the optional `role`. Writes that failed preparation keep their error and are not
    /// sent. Queues StopList, ClearList, `#ROLE:<role>`, one AddToList per write, StartList.
    pub fn new(
        list_id: i32,
        base: i64,
        user_name: &str,
        role: Option<&str>,
        writes: Vec<Result<PreparedWrite, Error>>,
    ) -> WriteBatch {
        let base = base.max(1);
        let mut results = Vec::with_capacity(writes.len());
        let mut members = Vec::new();
        for (index, w) in writes.into_iter().enumerate() {
            match w {
                Ok(write) => {
                    members.push(Member {
                        index,
                        write,
                        ready: false,
                        failed: false,
                    });
                    results.push(None);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let mut batch = WriteBatch {
            list_id,
            base,
            user_name: user_name.to_owned(),
            role: role.map(str::to_owned),
            members,
            results,
            transmit: VecDeque::new(),
            phase: Phase::Preparing,
            started: false,
            apply_sent: false,
            list_failed: false,
        };
        if batch.members.is_empty() {
            batch.phase = Phase::Done;
            return batch;
        }
        batch
            .transmit
            .push_back(Request::StopList(StopListRequest { list_id }));
        batch
            .transmit
            .push_back(Request::ClearList(ClearListRequest { list_id }));
        if let Some(role) = &batch.role {
            batch
                .transmit
                .push_back(Request::AddToList(AddToListRequest {
                    list_id,
                    ref_id: 0,
                    drf_request: format!("#ROLE:{role}"),
                }));
        }
        for (i, m) in batch.members.iter().enumerate() {
            batch
                .transmit
                .push_back(Request::AddToList(AddToListRequest {
                    list_id,
                    ref_id: base + i as i64,
                    drf_request: m.write.wire.clone(),
                }));
        }
        batch
            .transmit
            .push_back(Request::StartList(StartListRequest {
                list_id,
                model: None,
            }));
        batch
    }

    /// How many refs the batch uses (the next batch on the connection starts after them).
    pub fn ref_count(&self) -> i64 {
        self.members.len() as i64
    }

    /// The next request to send.
    pub fn poll_transmit(&mut self) -> Option<Request> {
        let r = self.transmit.pop_front();
        if matches!(r, Some(Request::ApplySettings(_))) {
            self.apply_sent = true;
        }
        r
    }

    /// Whether requests are queued.
    pub fn has_transmit(&self) -> bool {
        !self.transmit.is_empty()
    }

    /// Whether ApplySettings has left the batch: from then on it must never be retried, and a
    /// failure leaves the outcome unknown (spec 6.6.3 step 7).
    pub fn apply_sent(&self) -> bool {
        self.apply_sent
    }

    /// Whether the connection may carry the next batch: false after a list failure, whose
    /// late replies could be taken for the next batch's.
    pub fn reusable(&self) -> bool {
        self.phase == Phase::Done && !self.list_failed
    }

    /// Whether every result is known.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    fn member_index(&self, ref_id: i64) -> Option<usize> {
        let offset = usize::try_from(ref_id.checked_sub(self.base)?).ok()?;
        (offset < self.members.len()).then_some(offset)
    }

    fn fail_member(&mut self, i: usize, error: Error) {
        let m = &mut self.members[i];
        if m.failed {
            return;
        }
        m.failed = true;
        let index = m.index;
        self.results[index] = Some(Err(error));
    }

    fn device_error(&self, i: usize, status: Status) -> Error {
        Error::device(self.members[i].write.drf.to_string(), status).with_transport(Transport::Dpm)
    }

    /// Ends every unresolved member with an error made from its DRF.
    fn fail_all(&mut self, mut make: impl FnMut(&str) -> Error) {
        for m in &mut self.members {
            if self.results[m.index].is_none() {
                self.results[m.index] = Some(Err(make(&m.write.drf)));
                m.failed = true;
            }
        }
        self.transmit.clear();
        self.phase = Phase::Done;
    }

    /// Handles one reply (spec 6.2 and 6.6.3 steps 3 and 5).
    pub fn handle_reply(&mut self, reply: Reply) {
        match self.phase {
            Phase::Done => {}
            Phase::Preparing => {
                match reply {
                    Reply::StartList(s) if s.list_id == self.list_id || s.list_id == 0 => {
                        if s.status.is_ok() {
                            self.started = true;
                        } else {
                            self.list_failed = true;
                            self.fail_all(|_| list_failed(s.status));
                            return;
                        }
                    }
                    Reply::Status(s) if s.ref_id == 0 && !s.status.is_ok() => {
                        self.list_failed = true;
                        self.fail_all(|_| list_failed(s.status));
                        return;
                    }
                    // A list-level acknowledgement.
                    Reply::Status(s) if s.ref_id == 0 => {}
                    Reply::Status(s) => {
                        if let Some(i) = self.member_index(s.ref_id) {
                            if s.status.is_ok() {
                                self.members[i].ready = true;
                            } else {
                                let e = self.device_error(i, s.status);
                                self.fail_member(i, e);
                            }
                        }
                    }
                    Reply::AddToList(a) if !a.status.is_ok() => {
                        if let Some(i) = self.member_index(a.ref_id) {
                            let e = self.device_error(i, a.status);
                            self.fail_member(i, e);
                        }
                    }
                    Reply::DeviceInfo(d) => {
                        if let Some(i) = self.member_index(d.ref_id) {
                            self.members[i].ready = true;
                        }
                    }
                    _ => {}
                }
                if self.started && self.members.iter().all(|m| m.ready || m.failed) {
                    self.queue_apply();
                }
            }
            Phase::Applying => {
                if let Reply::ApplySettings(reply) = reply {
                    self.resolve(&reply.status);
                }
            }
        }
    }

    /// Queues ApplySettings with the values grouped by kind (spec 6.6.3 step 4).
    fn queue_apply(&mut self) {
        let mut raw = Vec::new();
        let mut scaled = Vec::new();
        let mut text = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            if m.failed {
                continue;
            }
            let ref_id = self.base + i as i64;
            match &m.write.value {
                SettingValue::Scalar(x) => scaled.push(ScaledSetting {
                    ref_id,
                    data: vec![*x],
                }),
                SettingValue::Array(xs) => scaled.push(ScaledSetting {
                    ref_id,
                    data: xs.clone(),
                }),
                SettingValue::Bool(b) => scaled.push(ScaledSetting {
                    ref_id,
                    data: vec![if *b { 1.0 } else { 0.0 }],
                }),
                SettingValue::Control(c) => scaled.push(ScaledSetting {
                    ref_id,
                    data: vec![f64::from(c.ordinal())],
                }),
                SettingValue::Raw(b) => raw.push(RawSetting {
                    ref_id,
                    data: b.clone(),
                }),
                SettingValue::Text(t) => text.push(TextSetting {
                    ref_id,
                    data: vec![t.clone()],
                }),
                SettingValue::TextArray(ts) => text.push(TextSetting {
                    ref_id,
                    data: ts.clone(),
                }),
            }
        }
        if raw.is_empty() && scaled.is_empty() && text.is_empty() {
            // Every member failed before the apply: nothing to send.
            self.phase = Phase::Done;
            return;
        }
        self.transmit
            .push_back(Request::ApplySettings(ApplySettingsRequest {
                user_name: self.user_name.clone(),
                list_id: self.list_id,
                raw_array: non_empty(raw),
                scaled_array: non_empty(scaled),
                text_array: non_empty(text),
            }));
        self.phase = Phase::Applying;
    }

    /// Per-ref results from the ApplySettings reply (spec 6.6.3 step 5), then StopList.
    fn resolve(&mut self, statuses: &[pacsys_dpm_proto::SettingStatus]) {
        let list_wide = statuses
            .iter()
            .find(|s| s.ref_id == 0 && !s.status.is_ok())
            .map(|s| s.status);
        for i in 0..self.members.len() {
            if self.members[i].failed {
                continue;
            }
            let ref_id = self.base + i as i64;
            let status = statuses
                .iter()
                .find(|s| s.ref_id == ref_id)
                .map(|s| s.status)
                .or(list_wide);
            let m = &self.members[i];
            let result = match status {
                Some(s) if s.is_ok() => Ok(WriteResult::new(m.write.drf.to_string(), s)),
                Some(s) => {
                    Err(
                        Error::setting_rejected(m.write.drf.to_string(), s, self.role.as_deref())
                            .with_transport(Transport::Dpm),
                    )
                }
                None => Err(Error::outcome_unknown(
                    m.write.drf.to_string(),
                    "the ApplySettings reply had no status for it",
                )
                .with_transport(Transport::Dpm)),
            };
            self.results[m.index] = Some(result);
        }
        self.transmit.push_back(Request::StopList(StopListRequest {
            list_id: self.list_id,
        }));
        self.phase = Phase::Done;
    }

    /// The deadline passed: before ApplySettings was sent the unresolved writes time out
    /// (nothing was written); after it their outcome is unknown.
    pub fn timed_out(&mut self, context: &str) {
        if self.apply_sent {
            self.fail_all(|drf| {
                Error::outcome_unknown(
                    drf,
                    format!("no ApplySettings reply before the deadline ({context})"),
                )
                .with_transport(Transport::Dpm)
            });
        } else {
            self.fail_all(|drf| {
                Error::timeout(format!(
                    "preparing the setting of {drf} ({context}); nothing was written"
                ))
                .with_drf(drf)
                .with_transport(Transport::Dpm)
            });
        }
    }

    /// The connection failed: before ApplySettings the writes get `error` (nothing was
    /// written, retryable); after it their outcome is unknown.
    pub fn transport_failed(&mut self, error: &Error) {
        if self.apply_sent {
            self.fail_all(|drf| {
                Error::outcome_unknown(
                    drf,
                    format!("the connection failed after ApplySettings was sent: {error}"),
                )
                .with_transport(Transport::Dpm)
                .with_source(error.clone())
            });
        } else {
            self.fail_all(|_| error.clone());
        }
    }

    /// The results, one per write in input order (call when [`WriteBatch::is_done`]).
    pub fn take_results(&mut self) -> Vec<Result<WriteResult, Error>> {
        std::mem::take(&mut self.results)
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(Error::connection_lost("the write batch ended early")
                        .with_transport(Transport::Dpm))
                })
            })
            .collect()
    }
}

/// A list the server could not start.
fn list_failed(status: Status) -> Error {
    Error::list_failed(status).with_transport(Transport::Dpm)
}

/// `None` for an empty array: the reference omits arrays that would be empty.
fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use pacsys_dpm_proto::{
        AddToListReply, ApplySettingsReply, DeviceInfoReply, SettingStatus, StartListReply,
        StatusReply,
    };

    fn info(ref_id: i64) -> Reply {
        Reply::DeviceInfo(DeviceInfoReply {
            ref_id,
            di: 1,
            name: "X".into(),
            description: String::new(),
            units: None,
            format_hint: None,
        })
    }

    fn started() -> Reply {
        Reply::StartList(StartListReply {
            list_id: 7,
            status: Status::OK,
        })
    }

    fn batch(writes: &[(&str, SettingValue)]) -> WriteBatch {
        let w = writes
            .iter()
            .map(|(d, v)| PreparedWrite::new(d, v.clone()))
            .collect();
        let mut b = WriteBatch::new(7, 10, "me@X", Some("r"), w);
        while b.poll_transmit().is_some() {}
        b
    }

    #[test]
    fn prepares_per_spec_6_7() {
        let cases = [
            ("M:OUTTMP", "M:OUTTMP.SETTING@N"),
            ("M_OUTTMP", "M:OUTTMP.SETTING@N"),
            ("M:OUTTMP@p,1000", "M:OUTTMP.SETTING@N"),
            ("M:OUTTMP@U", "M:OUTTMP.SETTING@N"),
            ("M:OUTTMP[0:3]", "M:OUTTMP.SETTING[0:3]@N"),
            ("M:OUTTMP.RAW", "M:OUTTMP.SETTING.RAW@N"),
            ("M|OUTTMP", "M:OUTTMP.CONTROL@N"),
            ("M:OUTTMP.ANALOG.MIN", "M:OUTTMP.ANALOG.MIN@N"),
            ("M$OUTTMP.NOM", "M:OUTTMP.DIGITAL.NOM@N"),
        ];
        for (drf, want) in cases {
            let w = PreparedWrite::new(drf, SettingValue::Scalar(1.0)).unwrap();
            assert_eq!(w.wire(), want, "{drf}");
        }
        for drf in [
            "M:OUTTMP<-LOGGER:1000:2000",
            "M:OUTTMP<-LOGGERDURATION:1000",
            "M^OUTTMP",
            "M#OUTTMP",
            "M!OUTTMP",
            "M:OUTTMP.BIT_STATUS",
            "M:OUTTMP.ANALOG.TRIES_NOW",
        ] {
            let e = PreparedWrite::new(drf, SettingValue::Scalar(1.0)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ReadOnly, "{drf}: {e}");
            assert_eq!(e.transport(), Some(Transport::Dpm));
        }
        // A number is no whole alarm block (the same kind on every transport).
        for drf in ["M@OUTTMP", "M:OUTTMP.ANALOG", "M:OUTTMP.DIGITAL.ALL"] {
            let e = PreparedWrite::new(drf, SettingValue::Scalar(1.0)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{drf}: {e}");
        }
        assert!(matches!(
            PreparedWrite::new("bad@@", SettingValue::from(1.0)), Err(err) if err.kind() == ErrorKind::InvalidRequest));
        let c = PreparedWrite::new("M:OUTTMP@p,1000", ControlCommand::Off).unwrap();
        assert_eq!(c.wire(), "M:OUTTMP.CONTROL@N");
    }

    #[test]
    fn queues_the_batch_and_groups_values() {
        let w = vec![
            PreparedWrite::new("M:OUTTMP", SettingValue::from(1.0)),
            PreparedWrite::new("Z:RAWDEV.RAW", SettingValue::from(vec![1u8, 2])),
            PreparedWrite::new("Z:TEXTDV", SettingValue::from("hi")),
            PreparedWrite::new("bad@@", SettingValue::from(1.0)),
            PreparedWrite::new("Z:ACLTST", SettingValue::from(vec![1.0, 2.0])),
        ];
        let mut b = WriteBatch::new(7, 1, "me@X", None, w);
        let sent: Vec<Request> = std::iter::from_fn(|| b.poll_transmit()).collect();
        assert!(matches!(sent[0], Request::StopList(_)));
        assert!(matches!(sent[1], Request::ClearList(_)));
        assert!(
            matches!(&sent[2], Request::AddToList(a) if a.ref_id == 1 && a.drf_request == "M:OUTTMP.SETTING@N")
        );
        assert_eq!(sent.len(), 2 + 4 + 1);
        b.handle_reply(info(1));
        b.handle_reply(info(2));
        b.handle_reply(info(3));
        assert!(!b.has_transmit());
        b.handle_reply(info(4));
        assert!(!b.has_transmit(), "waits for the StartList reply");
        b.handle_reply(started());
        let Some(Request::ApplySettings(a)) = b.poll_transmit() else {
            panic!("apply")
        };
        assert_eq!(a.raw_array.as_ref().map(Vec::len), Some(1));
        assert_eq!(a.scaled_array.as_ref().map(Vec::len), Some(2));
        assert_eq!(a.text_array.as_ref().map(Vec::len), Some(1));
        assert_eq!(a.user_name, "me@X");
    }

    #[test]
    fn per_ref_statuses_list_wide_fallback_and_unknown() {
        let mut b = batch(&[
            ("M:OUTTMP", 1.0.into()),
            ("G:AMANDA", 2.0.into()),
            ("Z:ACLTST", 3.0.into()),
        ]);
        b.handle_reply(started());
        for r in 10..13 {
            b.handle_reply(info(r));
        }
        assert!(b.poll_transmit().is_some());
        b.handle_reply(Reply::ApplySettings(ApplySettingsReply {
            status: vec![
                SettingStatus {
                    ref_id: 10,
                    status: Status::OK,
                },
                SettingStatus {
                    ref_id: 11,
                    status: Status::new(17, -17),
                },
            ],
        }));
        assert!(b.is_done());
        assert!(matches!(b.poll_transmit(), Some(Request::StopList(_))));
        let r = b.take_results();
        assert!(r[0].is_ok());
        assert!(
            matches!(&r[1], Err(err) if err.kind() == ErrorKind::SettingRejected && err.status().unwrap_or_default() == Status::new(17, -17) && err.role().unwrap_or_default() == "r")
        );
        assert!(matches!(&r[2], Err(err) if err.kind() == ErrorKind::OutcomeUnknown));

        let mut b = batch(&[("M:OUTTMP", 1.0.into()), ("G:AMANDA", 2.0.into())]);
        b.handle_reply(started());
        b.handle_reply(info(10));
        b.handle_reply(info(11));
        b.poll_transmit();
        b.handle_reply(Reply::ApplySettings(ApplySettingsReply {
            status: vec![
                SettingStatus {
                    ref_id: 0,
                    status: Status::new(17, -17),
                },
                SettingStatus {
                    ref_id: 11,
                    status: Status::OK,
                },
            ],
        }));
        let r = b.take_results();
        assert!(matches!(&r[0], Err(err) if err.kind() == ErrorKind::SettingRejected));
        assert!(r[1].is_ok());
    }

    #[test]
    fn entry_failures_before_apply_and_list_failure() {
        let mut b = batch(&[("Z:NOPE", 1.0.into()), ("G:AMANDA", 2.0.into())]);
        b.handle_reply(Reply::Status(StatusReply {
            ref_id: 10,
            timestamp: 0,
            cycle: 0,
            status: Status::new(17, -26),
        }));
        b.handle_reply(info(11));
        b.handle_reply(started());
        let Some(Request::ApplySettings(a)) = b.poll_transmit() else {
            panic!()
        };
        assert_eq!(a.scaled_array.map(|v| v[0].ref_id), Some(11));

        let mut b = batch(&[("Z:NOPE", 1.0.into())]);
        b.handle_reply(Reply::AddToList(AddToListReply {
            list_id: 7,
            ref_id: 10,
            status: Status::new(17, -24),
        }));
        b.handle_reply(started());
        assert!(b.is_done());
        assert!(!b.apply_sent());
        assert!(matches!(&b.take_results()[0], Err(err) if err.kind() == ErrorKind::Device));

        let mut b = batch(&[("M:OUTTMP", 1.0.into())]);
        b.handle_reply(Reply::Status(StatusReply {
            ref_id: 0,
            timestamp: 0,
            cycle: 0,
            status: Status::new(17, -9),
        }));
        assert!(b.is_done());
        assert!(matches!(
            &b.take_results()[0], Err(err) if err.kind() == ErrorKind::ListFailed));
    }

    #[test]
    fn timeout_before_and_after_apply_differ() {
        let mut b = batch(&[("M:OUTTMP", 1.0.into())]);
        b.timed_out("5s");
        assert!(matches!(&b.take_results()[0], Err(err) if err.kind() == ErrorKind::Timeout));

        let mut b = batch(&[("M:OUTTMP", 1.0.into())]);
        b.handle_reply(started());
        b.handle_reply(info(10));
        b.poll_transmit();
        assert!(b.apply_sent());
        b.timed_out("5s");
        let r = b.take_results();
        assert!(matches!(&r[0], Err(err) if err.kind() == ErrorKind::OutcomeUnknown));
        assert!(!r[0].as_ref().unwrap_err().is_retryable());
    }
}
