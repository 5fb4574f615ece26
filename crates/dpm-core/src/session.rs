//! The DPM list session as plain protocol state (the quinn-proto shape): no sockets, no clock,
//! no tokio.
//!
//! A [`Session`] is told what happened ([`Session::handle_reply`], [`Session::handle_timeout`],
//! [`Session::connection_lost`], and commands such as [`Session::start_read`] or
//! [`Session::subscribe`]) and asked what to do ([`Session::poll_transmit`],
//! [`Session::poll_event`], [`Session::poll_timeout`]). It implements spec 6.1-6.5 and 6.7:
//! ref_id assignment, the handling table of 6.2, one-shot completion, stream samples with the
//! latest DeviceInfo metadata, list-level failures, logger history chunks with end markers,
//! the watchdog and the connection reuse rule (6.3 step 7).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use pacsys_dpm_core::session::{ReadPlan, Session, SessionEvent};
//! use pacsys_dpm_proto::{Reply, Request, ScalarReply, Status};
//!
//! let now = Instant::now();
//! let mut s = Session::new(4242, now);
//! s.start_read(vec![ReadPlan::new("M:OUTTMP")], now + Duration::from_secs(5));
//! // AddToList(ref 1, "M:OUTTMP.READING@I"), then StartList.
//! assert!(matches!(s.poll_transmit(), Some(Request::AddToList(a)) if a.drf_request == "M:OUTTMP.READING@I"));
//! assert!(matches!(s.poll_transmit(), Some(Request::StartList(_))));
//! s.handle_reply(Reply::Scalar(ScalarReply { ref_id: 1, timestamp: 0, cycle: 0, status: Status::OK, data: 72.5 }), now);
//! match s.poll_event() {
//!     Some(SessionEvent::ReadDone(done)) => {
//!         assert!(done.reusable);
//!         assert_eq!(done.results[0].as_ref().ok().and_then(|r| r.value.clone()), Some(pacsys_types::Value::Scalar(72.5)));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pacsys_dpm_proto::{
    AddToListRequest, ClearListRequest, DeviceInfoReply, RemoveFromListRequest, Reply, Request,
    StartListRequest, Status, StopListRequest,
};

use pacsys_types::reading::time_from_millis;
use pacsys_types::{DeviceMeta, Reading, TimedArray, Value};
use tracing::trace;

use crate::streams::StreamTable;
use crate::{Error, Transport};

pub use pacsys_types::plan::{Answer, ReadPlan};

/// The outcome of a one-shot read: one result per request, in the order given to
/// [`Session::start_read`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReadDone {
    /// One result per request, in request order.
    pub results: Vec<Result<Reading, Error>>,
    /// Whether the connection may serve another read (spec 6.3 step 7): every request was
    /// single-reply and answered, and nothing failed.
    pub reusable: bool,
}

/// What the session reports to its driver.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The one-shot read finished (every request resolved, the deadline passed, the list
    /// failed or the connection was lost).
    ReadDone(ReadDone),
    /// A stream sample, with the latest metadata for its request.
    Sample(Reading),
    /// A stream request was rejected or failed.
    EntryError {
        /// The request as the caller wrote it.
        drf: Arc<str>,
        /// The status DPM sent.
        status: Status,
    },
    /// The list failed to start (non-zero StartList or ref 0 Status): a subscription ends.
    ListFailed(Status),
    /// No frame arrived within the liveness window: the connection is dead.
    Dead {
        /// How long the connection was silent.
        silent_for: Duration,
    },
}

/// History being collected for one request.
#[derive(Debug, Default)]
struct History {
    data: Vec<f64>,
    micros: Vec<i64>,
}

/// A subscription entry.
#[derive(Debug)]
struct StreamEntry {
    drf: Arc<str>,
    meta: Option<Arc<DeviceMeta>>,
}

/// One request of the current read.
#[derive(Debug)]
struct Member {
    /// Position in the caller's list.
    index: usize,
    drf: Arc<str>,
    meta: Option<Arc<DeviceMeta>>,
    history: Option<History>,
    resolved: bool,
}

impl Member {
    /// Ends this member's history with the status that ended it: the chunks collected as one
    /// [`Value::TimedArray`] for a good end, the device error for an error status.
    fn end_history(&mut self, end: Result<Status, Status>) -> Result<Reading, Error> {
        let h = self.history.take().unwrap_or_default();
        match end {
            Ok(status) => Ok(Reading::new(Arc::clone(&self.drf), status)
                .with_value(Value::TimedArray(TimedArray {
                    data: h.data,
                    micros: h.micros,
                }))
                .with_meta(self.meta.clone())),
            Err(status) => {
                Err(Error::device(self.drf.to_string(), status).with_transport(Transport::Dpm))
            }
        }
    }
}

/// The one-shot read in progress. Its members have the consecutive ref ids
/// `base..base + members.len()`, so a reply finds its member by subtraction.
#[derive(Debug)]
struct ReadOp {
    base: i64,
    members: Vec<Member>,
    results: Vec<Option<Result<Reading, Error>>>,
    unresolved: usize,
    deadline: Instant,
    reusable: bool,
}

impl ReadOp {
    fn member(&mut self, ref_id: i64) -> Option<&mut Member> {
        let offset = usize::try_from(ref_id.checked_sub(self.base)?).ok()?;
        self.members.get_mut(offset)
    }
}

/// One DPM list's protocol state. See the [module docs](self).
#[derive(Debug)]
pub struct Session {
    list_id: i32,
    next_ref: i64,
    streams: StreamTable<StreamEntry>,
    read: Option<ReadOp>,
    transmit: VecDeque<Request>,
    events: VecDeque<SessionEvent>,
    liveness: Option<Duration>,
    last_frame: Instant,
    dead: bool,
}

impl Session {
    /// A session for the list `list_id` (from the OpenList reply), created at `now`.
    pub fn new(list_id: i32, now: Instant) -> Session {
        Session {
            list_id,
            next_ref: 1,
            streams: StreamTable::default(),
            read: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            liveness: None,
            last_frame: now,
            dead: false,
        }
    }

    /// The list id.
    pub fn list_id(&self) -> i32 {
        self.list_id
    }

    /// Declares the connection dead when no frame at all (data or heartbeat) arrives for
    /// `window` ([`SessionEvent::Dead`]); `None` switches the watchdog off.
    pub fn set_liveness(&mut self, window: Option<Duration>) {
        self.liveness = window;
    }

    /// Whether a one-shot read is in progress.
    pub fn is_reading(&self) -> bool {
        self.read.is_some()
    }

    /// Whether the watchdog declared the connection dead.
    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// How many entries the list holds (subscription entries plus unfinished read members).
    pub fn entry_count(&self) -> usize {
        self.streams.len() + self.read.as_ref().map_or(0, |op| op.members.len())
    }

    fn alloc_ref(&mut self) -> i64 {
        let r = self.next_ref;
        // ref ids are never reused on a connection, so a late reply for an earlier
        // operation can never be taken for a later one (spec 9.6).
        self.next_ref = self.next_ref.wrapping_add(1).max(1);
        r
    }

    /// Starts a one-shot read (spec 6.3): queues `AddToList` for each prepared request, then
    /// `StartList`. Requests that failed preparation keep their error and are not sent. The
    /// read ends with [`SessionEvent::ReadDone`]; unresolved requests at `deadline` become
    /// a timeout error. A read already in progress is ended as lost first.
    pub fn start_read(&mut self, requests: Vec<Result<ReadPlan, Error>>, deadline: Instant) {
        if self.read.is_some() {
            self.fail_read(|drf| lost(format!("a new read replaced the one for {drf}")));
        }
        let valid = requests.iter().filter(|r| r.is_ok()).count();
        // Consecutive ref ids for the members (wrapping never happens in practice: 2^63).
        if self.next_ref.checked_add(valid as i64).is_none() {
            self.next_ref = 1;
        }
        let mut op = ReadOp {
            base: self.next_ref,
            members: Vec::with_capacity(valid),
            results: Vec::with_capacity(requests.len()),
            unresolved: 0,
            deadline,
            reusable: true,
        };
        self.transmit.reserve(valid + 1);
        for (index, request) in requests.into_iter().enumerate() {
            match request {
                Ok(p) => {
                    let ref_id = self.alloc_ref();
                    let (drf, wire, answer) = p.into_parts();
                    if answer != Answer::Single {
                        op.reusable = false;
                    }
                    self.transmit
                        .push_back(Request::AddToList(AddToListRequest {
                            list_id: self.list_id,
                            ref_id,
                            drf_request: wire,
                        }));
                    op.members.push(Member {
                        index,
                        drf,
                        meta: None,
                        history: (answer == Answer::History).then(History::default),
                        resolved: false,
                    });
                    op.results.push(None);
                    op.unresolved += 1;
                }
                Err(e) => op.results.push(Some(Err(e))),
            }
        }
        if op.unresolved > 0 {
            self.transmit.push_back(self.start_request());
            self.read = Some(op);
        } else {
            self.read = Some(op);
            self.finish_read();
        }
    }

    fn start_request(&self) -> Request {
        Request::StartList(StartListRequest {
            list_id: self.list_id,
            model: None,
        })
    }

    fn stop_request(&self) -> Request {
        Request::StopList(StopListRequest {
            list_id: self.list_id,
        })
    }

    /// Adds streaming entries (spec 6.4): one `AddToList` per request, sent as given. They
    /// take effect at the next [`Session::start`]. Returns the ref ids assigned.
    pub fn subscribe<I>(&mut self, drfs: I) -> Vec<i64>
    where
        I: IntoIterator<Item = Arc<str>>,
    {
        let mut refs = Vec::new();
        for drf in drfs {
            let ref_id = self.alloc_ref();
            self.transmit
                .push_back(Request::AddToList(AddToListRequest {
                    list_id: self.list_id,
                    ref_id,
                    drf_request: drf.to_string(),
                }));
            self.streams.insert(ref_id, StreamEntry { drf, meta: None });
            refs.push(ref_id);
        }
        refs
    }

    /// Removes every streaming entry whose request text is `drf` (`RemoveFromList` each);
    /// takes effect at the next [`Session::start`]. Returns how many were removed.
    pub fn unsubscribe(&mut self, drf: &str) -> usize {
        let mut refs: Vec<i64> = self
            .streams
            .iter()
            .filter(|(_, e)| &*e.drf == drf)
            .map(|(r, _)| r)
            .collect();
        refs.sort_unstable();
        for ref_id in &refs {
            self.streams.remove(*ref_id);
            self.transmit
                .push_back(Request::RemoveFromList(RemoveFromListRequest {
                    list_id: self.list_id,
                    ref_id: *ref_id,
                }));
        }
        refs.len()
    }

    /// Queues `StartList`: acquisition (re)starts with the current entries.
    pub fn start(&mut self) {
        self.transmit.push_back(self.start_request());
    }

    /// Queues `StopList`: acquisition pauses, entries are kept (spec 6.4 step 6).
    pub fn stop(&mut self) {
        self.transmit.push_back(self.stop_request());
    }

    /// Changes a live subscription (spec 6.4 step 6): `StopList`, the removals and additions,
    /// then `StartList`.
    pub fn edit<I>(&mut self, add: I, remove: &[&str])
    where
        I: IntoIterator<Item = Arc<str>>,
    {
        self.stop();
        for drf in remove {
            self.unsubscribe(drf);
        }
        self.subscribe(add);
        self.start();
    }

    /// The next request to send. Drain it completely, then flush once.
    pub fn poll_transmit(&mut self) -> Option<Request> {
        self.transmit.pop_front()
    }

    /// Whether requests are waiting to be sent.
    pub fn has_transmit(&self) -> bool {
        !self.transmit.is_empty()
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must be called next (the read deadline or the
    /// watchdog), if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let read = self.read.as_ref().map(|op| op.deadline);
        let watchdog = match (self.liveness, self.dead) {
            (Some(window), false) => self.last_frame.checked_add(window),
            _ => None,
        };
        match (read, watchdog) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time has passed: ends a read whose deadline is over and runs the watchdog.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(op) = &self.read
            && now >= op.deadline
        {
            self.fail_read(|drf| {
                Error::timeout(format!("waiting for {drf}")).with_transport(Transport::Dpm)
            });
        }
        if let Some(window) = self.liveness
            && !self.dead
        {
            let silent_for = now.saturating_duration_since(self.last_frame);
            if silent_for >= window {
                self.dead = true;
                self.events.push_back(SessionEvent::Dead { silent_for });
            }
        }
    }

    /// The transport failed: an unfinished read ends with a lost-connection error for its
    /// unresolved requests.
    pub fn connection_lost(&mut self, reason: &str) {
        self.transport_failed(&lost(reason.to_owned()));
    }

    /// The transport failed with `error` (for example a protocol error after an
    /// undecodable frame): an unfinished read ends with it for its unresolved requests.
    pub fn transport_failed(&mut self, error: &Error) {
        if self.read.is_some() {
            self.fail_read(|_| error.clone());
        }
    }

    /// Ends the read, giving every unresolved request the error `make(drf)`.
    fn fail_read(&mut self, make: impl Fn(&str) -> Error) {
        let Some(op) = self.read.as_mut() else {
            return;
        };
        op.reusable = false;
        for m in &op.members {
            if let Some(slot @ None) = op.results.get_mut(m.index) {
                *slot = Some(Err(make(&m.drf)));
            }
        }
        self.finish_read();
    }

    fn finish_read(&mut self) {
        let Some(op) = self.read.take() else {
            return;
        };
        if op.reusable {
            // Spec 6.3 step 6: stop and clear, in one write, awaiting no reply.
            self.transmit.push_back(self.stop_request());
            self.transmit
                .push_back(Request::ClearList(ClearListRequest {
                    list_id: self.list_id,
                }));
        }
        let results = op
            .results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(lost("the read ended without an answer".into()))))
            .collect();
        self.events.push_back(SessionEvent::ReadDone(ReadDone {
            results,
            reusable: op.reusable,
        }));
    }

    /// Resolves read member `ref_id` with `result`, unless it already is (first answer
    /// wins, spec 6.3 step 4).
    fn resolve(&mut self, ref_id: i64, result: Result<Reading, Error>) {
        let Some(op) = self.read.as_mut() else {
            return;
        };
        let Some(m) = op.member(ref_id) else {
            return;
        };
        if m.resolved {
            return;
        }
        m.resolved = true;
        let index = m.index;
        if let Some(slot) = op.results.get_mut(index) {
            *slot = Some(result);
        }
        op.unresolved = op.unresolved.saturating_sub(1);
        if op.unresolved == 0 {
            self.finish_read();
        }
    }

    /// The list failed (spec 6.2): every unresolved read member gets the status; a
    /// subscription is told with [`SessionEvent::ListFailed`].
    fn list_failed(&mut self, status: Status) {
        if self.read.is_some() {
            self.fail_read(|_| Error::list_failed(status).with_transport(Transport::Dpm));
        }
        if !self.streams.is_empty() {
            self.events.push_back(SessionEvent::ListFailed(status));
        }
    }

    /// An entry's status (non-zero AddToList reply or a Status reply).
    fn entry_status(&mut self, ref_id: i64, status: Status) {
        if let Some(entry) = self.streams.get(ref_id) {
            let drf = Arc::clone(&entry.drf);
            self.events
                .push_back(SessionEvent::EntryError { drf, status });
            return;
        }
        let result = match self.read.as_mut().and_then(|op| op.member(ref_id)) {
            // A history with data that ends with a non-error status (DPM_PEND) instead of
            // the empty end-of-data chunk is complete: what came is the history.
            Some(m)
                if !m.resolved
                    && !status.is_error()
                    && m.history.as_ref().is_some_and(|h| !h.data.is_empty()) =>
            {
                m.end_history(Ok(status))
            }
            Some(m) if !m.resolved => {
                Err(Error::device(m.drf.to_string(), status).with_transport(Transport::Dpm))
            }
            Some(_) => return,
            None => {
                trace!(ref_id, "status for an unknown ref ignored");
                return;
            }
        };
        self.resolve(ref_id, result);
    }

    /// Handles one reply received at `now` (spec 6.2).
    pub fn handle_reply(&mut self, reply: Reply, now: Instant) {
        self.last_frame = now;
        match reply {
            Reply::ListStatus(_) | Reply::OpenList(_) => {}
            Reply::AddToList(m) => {
                if !m.status.is_ok() {
                    self.entry_status(m.ref_id, m.status);
                }
            }
            Reply::StartList(m) => {
                if !m.status.is_ok() {
                    self.list_failed(m.status);
                }
            }
            Reply::Status(m) if m.ref_id == 0 => {
                if !m.status.is_ok() {
                    self.list_failed(m.status);
                }
            }
            // A Status also ends a history (spec 6.5): what was collected is dropped.
            Reply::Status(m) => self.entry_status(m.ref_id, m.status),
            Reply::DeviceInfo(m) => self.device_info(m),
            reply if reply.is_data() => self.data(reply),
            other => trace!(reply = other.name(), "unexpected reply ignored"),
        }
    }

    fn device_info(&mut self, m: DeviceInfoReply) {
        let slot = if let Some(e) = self.streams.get_mut(m.ref_id) {
            &mut e.meta
        } else if let Some(member) = self.read.as_mut().and_then(|op| op.member(m.ref_id)) {
            &mut member.meta
        } else {
            return;
        };
        *slot = Some(Arc::new(DeviceMeta {
            device_index: m.di,
            name: m.name,
            description: m.description,
            units: m.units,
            format_hint: m.format_hint,
        }));
    }

    fn data(&mut self, reply: Reply) {
        let Some(ref_id) = reply.ref_id() else {
            return;
        };
        if let Some(entry) = self.streams.get(ref_id) {
            let reading = to_reading(&entry.drf, entry.meta.clone(), reply);
            self.events.push_back(SessionEvent::Sample(reading));
            return;
        }
        let Some(m) = self.read.as_mut().and_then(|op| op.member(ref_id)) else {
            trace!(ref_id, "data for an unknown ref ignored");
            return;
        };
        if m.resolved {
            // Later replies for a resolved ref are ignored (spec 6.3 step 4).
            return;
        }
        let result = match &mut m.history {
            None => Ok(to_reading(&m.drf, m.meta.clone(), reply)),
            Some(h) => match history_chunk(h, &reply) {
                None => return,
                Some(end) => m.end_history(end),
            },
        };
        self.resolve(ref_id, result);
    }
}

/// Adds one history chunk; `Some` at the end marker (`Ok(status)` for a good end, `Err` for
/// an error status on the marker).
fn history_chunk(h: &mut History, reply: &Reply) -> Option<Result<Status, Status>> {
    let (data, status, micros, record_time) = match reply {
        Reply::TimedScalarArray(m) => (&m.data, m.status, Some(&m.micros), 0),
        // Array devices: one record per reply, its timestamp in microseconds (spec 6.5).
        Reply::ScalarArray(m) => (&m.data, m.status, None, m.timestamp),
        // Anything else ends the history as a single sample.
        other => {
            let status = other.status().unwrap_or(Status::OK);
            return Some(if status.is_error() {
                Err(status)
            } else {
                Ok(status)
            });
        }
    };
    if data.is_empty() {
        return Some(if status.is_ok() {
            Ok(status)
        } else {
            Err(status)
        });
    }
    h.data.extend_from_slice(data);
    match micros {
        Some(m) => h.micros.extend_from_slice(m),
        None => h
            .micros
            .extend(std::iter::repeat_n(record_time, data.len())),
    }
    None
}

/// Turns a data reply into a reading (spec 8).
pub fn to_reading(drf: &Arc<str>, meta: Option<Arc<DeviceMeta>>, reply: Reply) -> Reading {
    let (status, timestamp, cycle, value) = match reply.into_sample() {
        Ok(s) => (s.status, s.timestamp, s.cycle, Some(s.value)),
        Err(Reply::Status(m)) => (m.status, m.timestamp, m.cycle, None),
        Err(other) => (other.status().unwrap_or(Status::OK), 0, 0, None),
    };
    let mut r = Reading::new(Arc::clone(drf), status)
        .with_timestamp(time_from_millis(timestamp))
        .with_cycle(Some(cycle))
        .with_meta(meta);
    r.value = value;
    r
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;

/// A lost connection on DPM.
fn lost(reason: String) -> Error {
    Error::connection_lost(reason).with_transport(Transport::Dpm)
}
