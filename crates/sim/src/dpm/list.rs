//! One DPM list as the production server keeps it, as plain protocol state: it is told which
//! request arrived and what time it is, and asked which replies to send and when to wake up
//! next. No sockets, no clock of its own (the quinn-proto shape), so every rule is testable
//! without tokio.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pacsys_dpm_proto::{
    ApplySettingsReply, ApplySettingsRequest, AuthenticateReply, DeviceInfoReply, ListStatusReply,
    Reply, Request, Sample, ScalarArrayReply, SettingStatus, StartListReply, StatusReply,
    TimedScalarArrayReply,
};
use pacsys_drf::{Event, ExtraKind, Property};
use pacsys_types::{Status, Value};

use super::auth::SettingsPolicy;
use crate::answer::{self, Logged, SettingData, Target};
use crate::replay::{ReplayCursor, Timeline};
use crate::world::{SimDevice, SimWorld};

/// DPM statuses the list answers with.
mod codes {
    use pacsys_types::Status;
    pub const BAD_REQUEST: Status = Status::new(17, -24);
    pub const BAD_EVENT: Status = Status::new(17, -33);
    pub const INVALID_DATASOURCE: Status = Status::new(17, -42);
    pub const NOT_YET: Status = Status::new(17, -48);
    pub const PEND: Status = Status::new(17, 1);
    pub const PRIV: Status = Status::new(17, -17);
    pub const NO_SUCH_LIST: Status = Status::new(17, -37);
    pub const DAE_NO_DATA: Status = Status::new(66, -64);
}

/// Most points in one TimedScalarArray history chunk (spec 6.5).
pub const HISTORY_CHUNK: usize = 487;

/// How a list behaves; shared by every list of a server.
#[derive(Debug, Clone)]
pub struct ListConfig {
    /// Interval of the idle ListStatus heartbeat.
    pub heartbeat: Duration,
    /// Answer unknown devices with DPM_PEND after this delay (as production does) instead
    /// of DPM_NO_SUCH_DEVICE at StartList.
    pub pend_unknown_after: Option<Duration>,
    /// Accept ApplySettings from lists that never authenticated. Tests only.
    pub insecure_settings: bool,
    /// The Kerberos service name an empty Authenticate is answered with.
    pub service_name: String,
    /// Answer ApplySettings (default). When off, settings are still applied but the reply
    /// never comes: a client sees a lost reply after the setting took effect.
    pub answer_settings: bool,
    /// Who may set what once a list authenticated. `None`: every authenticated (or
    /// test-enabled) list may set anything.
    pub policy: Option<Arc<SettingsPolicy>>,
    /// Run the real GSS-API acceptor on Authenticate tokens (`kerberos` feature; the keytab
    /// comes from `KRB5_KTNAME`). Off: a context token is refused with DPM_PRIV.
    pub kerberos: bool,
    /// Benchmark mode: repeating requests (periodic and clock events) ignore their period
    /// and send a sample every turn, as fast as the client reads them (the socket paces
    /// the server). Measures a client's ceiling rather than the fake's offered rate.
    pub flood: bool,
    /// End a history that has data with a DPM_PEND Status reply instead of the empty
    /// end-of-data chunk (production ends some retrievals this way; clients must accept
    /// both).
    pub history_ends_with_pend: bool,
}

impl Default for ListConfig {
    fn default() -> Self {
        ListConfig {
            heartbeat: Duration::from_secs(2),
            pend_unknown_after: None,
            insecure_settings: false,
            service_name: "daeset/bd@dce01.fnal.gov".to_owned(),
            answer_settings: true,
            policy: None,
            kerberos: false,
            flood: false,
            history_ends_with_pend: false,
        }
    }
}

/// When an entry produces data.
#[derive(Debug, Clone)]
enum Schedule {
    /// One sample, then done (`@I` and the default event).
    Once,
    /// Every `period`; with `on_change` only when the value differs from the last one sent.
    Periodic { period: Duration, on_change: bool },
    /// On each firing of a simulated clock event.
    Clock { period: Duration, delay: Duration },
    /// Replies computed at start and sent at once (logger history), then done.
    Canned(Vec<Reply>),
    /// A status after a delay (production's DPM_PEND for unknown devices).
    Late(Status),
    /// A repeating request of a replayed device: plays its timeline from the start of the
    /// request (the recorded timing, not the request's period); `on_change` skips a sample
    /// equal to the last one sent.
    Replay {
        timeline: Arc<Timeline>,
        cursor: ReplayCursor,
        on_change: bool,
    },
}

/// A started entry.
#[derive(Debug)]
struct Job {
    ref_id: i64,
    device: Option<Arc<SimDevice>>,
    target: Target,
    schedule: Schedule,
    due: Instant,
    last: Option<Value>,
}

/// One entry of the list: its parsed request, or the status its DRF is refused with.
type Entry = Result<pacsys_drf::Request, Status>;

/// Parses an entry's DRF; a DRF that does not parse gets the status production answers it
/// with at StartList.
fn parse_entry(drf: &str) -> Entry {
    pacsys_drf::Request::parse(drf).map_err(|e| match e.category() {
        "event" | "time_freq" => codes::BAD_EVENT,
        "extra" | "extra_repeated" => codes::INVALID_DATASOURCE,
        _ => codes::BAD_REQUEST,
    })
}

/// Settings authorisation state of the list.
#[derive(Debug)]
enum Auth {
    None,
    /// A GSS-API context being established or established, not yet enabled.
    #[cfg(feature = "kerberos")]
    Context(super::auth::Acceptor),
    /// Settings enabled: by EnableSettings for this principal, or by the test hook
    /// [`FakeList::enable_settings`] (`None`: any setting allowed).
    Enabled(Option<String>),
}

/// A simulated clock event's repetition period: events 0x02 and 0x0F fire at 15 Hz, 0x00
/// every 5 s, every other event once a second.
pub fn clock_period(event: u128) -> Duration {
    match event {
        0x02 | 0x0f => Duration::from_millis(66),
        0x00 => Duration::from_secs(5),
        _ => Duration::from_secs(1),
    }
}

/// One DPM list: entries, list properties, running jobs, authorisation.
#[derive(Debug)]
pub struct FakeList {
    list_id: i32,
    world: SimWorld,
    config: ListConfig,
    /// The entries by ref id, each parsed when it arrives (a client sends its AddToLists
    /// before the StartList, so the parsing overlaps the client's sending), or the status a
    /// DRF that does not parse is answered with.
    entries: BTreeMap<i64, Entry>,
    properties: HashMap<String, String>,
    jobs: Vec<Job>,
    auth: Auth,
    origin: Instant,
    origin_ms: i64,
    last_sent: Instant,
    /// A StartList whose entries are still being planned (a chunk at a time, so replies
    /// flow while the rest is planned): where planning resumes (after this ref id; `None`:
    /// at the first entry) and when it came. The entries cannot change meanwhile: every
    /// request and poll first completes the planning.
    starting: Option<(Option<i64>, Instant)>,
}

impl FakeList {
    /// A new list; `origin` and `origin_ms` pin the monotonic clock to wall-clock time for
    /// the timestamps of samples.
    pub fn new(
        list_id: i32,
        world: SimWorld,
        config: ListConfig,
        origin: Instant,
        origin_ms: i64,
    ) -> Self {
        FakeList {
            list_id,
            world,
            config,
            entries: BTreeMap::new(),
            properties: HashMap::new(),
            jobs: Vec::new(),
            auth: Auth::None,
            origin,
            origin_ms,
            last_sent: origin,
            starting: None,
        }
    }

    /// The list id.
    pub fn list_id(&self) -> i32 {
        self.list_id
    }

    /// The OpenList reply the server sends unprompted after the handshake.
    pub fn open_reply(&self) -> Reply {
        Reply::OpenList(pacsys_dpm_proto::OpenListReply {
            list_id: self.list_id,
        })
    }

    /// A list property set with `#KEY:VALUE` (keys upper-cased).
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .get(&key.to_ascii_uppercase())
            .map(String::as_str)
    }

    /// How many entries the list holds.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    fn wall_ms(&self, now: Instant) -> i64 {
        let elapsed = now.saturating_duration_since(self.origin).as_millis();
        self.origin_ms
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    /// Handles one request; replies go to `out`.
    pub fn handle(&mut self, request: Request, now: Instant, out: &mut Vec<Reply>) {
        // A request after a StartList sees it complete.
        self.plan_pending(out, usize::MAX);
        if let Some(id) = request.list_id()
            && id != self.list_id
        {
            out.push(self.status_reply(0, codes::NO_SUCH_LIST, now));
            return;
        }
        match request {
            Request::AddToList(add) => {
                if add.ref_id == 0 && add.drf_request.starts_with('#') {
                    if let Some((key, value)) = add.drf_request[1..].split_once(':') {
                        self.properties
                            .insert(key.to_ascii_uppercase(), value.to_owned());
                    }
                } else {
                    self.entries
                        .insert(add.ref_id, parse_entry(&add.drf_request));
                }
            }
            Request::RemoveFromList(remove) => {
                self.entries.remove(&remove.ref_id);
                self.jobs.retain(|j| j.ref_id != remove.ref_id);
            }
            Request::ClearList(_) => {
                self.entries.clear();
                self.jobs.clear();
            }
            Request::StopList(_) => self.jobs.clear(),
            Request::StartList(_) => self.start(now, out),
            Request::Authenticate(auth) => {
                if auth.token.is_empty() {
                    out.push(Reply::Authenticate(AuthenticateReply {
                        service_name: Some(self.config.service_name.clone()),
                        token: None,
                    }));
                } else {
                    let reply = self.authenticate(&auth.token, now);
                    out.push(reply);
                }
            }
            Request::EnableSettings(enable) => {
                let status = self.enable(&enable.message, &enable.mic);
                out.push(self.status_reply(0, status, now));
            }
            Request::ApplySettings(apply) => {
                let reply = self.apply(apply);
                if self.config.answer_settings {
                    out.push(reply);
                }
            }
            // ACNET-transport requests: the TCP server ignores them.
            Request::ServiceDiscovery(_) | Request::OpenList(_) => {}
        }
    }

    fn status_reply(&self, ref_id: i64, status: Status, now: Instant) -> Reply {
        Reply::Status(StatusReply {
            ref_id,
            timestamp: self.wall_ms(now),
            cycle: 0,
            status,
        })
    }

    /// StartList: (re)starts acquisition of every entry. The entries are planned by
    /// [`FakeList::plan_pending`] (all of them at the latest by the next `handle` or `poll`).
    fn start(&mut self, now: Instant, out: &mut Vec<Reply>) {
        out.push(Reply::StartList(StartListReply {
            list_id: self.list_id,
            status: Status::OK,
        }));
        self.jobs.clear();
        self.jobs.reserve(self.entries.len());
        self.starting = Some((None, now));
    }

    /// Plans up to `max` entries of a pending StartList: their DeviceInfo (or rejecting
    /// status) into `out`, their jobs queued. Returns whether entries remain.
    pub fn plan_pending(&mut self, out: &mut Vec<Reply>, max: usize) -> bool {
        let Some((after, now)) = self.starting.take() else {
            return false;
        };
        // Planning needs `&mut self` (it may queue jobs): take the entries out meanwhile.
        let entries = std::mem::take(&mut self.entries);
        // The entries in ref order from where the last chunk stopped: one walk of the map,
        // no lookup per entry.
        let mut rest = match after {
            None => entries.range(..),
            Some(last) => entries.range((Bound::Excluded(last), Bound::Unbounded)),
        };
        out.reserve(entries.len().min(max));
        let mut last = after;
        for (ref_id, entry) in rest.by_ref().take(max) {
            last = Some(*ref_id);
            match self.plan(*ref_id, entry, now) {
                Ok((info, job)) => {
                    out.push(info);
                    if let Some(job) = job {
                        self.jobs.push(job);
                    }
                }
                Err(Some(status)) => out.push(self.status_reply(*ref_id, status, now)),
                Err(None) => {}
            }
        }
        let more = rest.next().is_some();
        self.entries = entries;
        if more {
            self.starting = Some((last, now));
        }
        more
    }

    /// Works out what one entry will send: its DeviceInfo and its job (`None` for `@N`), or
    /// the status that rejects it (`Err(None)`: a delayed status job was queued instead).
    fn plan(
        &mut self,
        ref_id: i64,
        entry: &Entry,
        now: Instant,
    ) -> Result<(Reply, Option<Job>), Option<Status>> {
        let request = entry.as_ref().map_err(|status| Some(*status))?;
        let found = if request.is_acnet() {
            self.world.device(request.device())
        } else {
            None
        };
        let device = match found {
            Some(device) => device,
            None => {
                return match self.config.pend_unknown_after {
                    Some(after) => {
                        self.jobs.push(Job {
                            ref_id,
                            device: None,
                            target: Target {
                                property: Property::Reading,
                                field: None,
                                range: None,
                            },
                            schedule: Schedule::Late(codes::PEND),
                            due: now + after,
                            last: None,
                        });
                        Err(None)
                    }
                    None => Err(Some(answer::status::NO_SUCH_DEVICE)),
                };
            }
        };
        let property = request.property();
        let target = Target::of(request);
        let meta = device.meta();
        let scaled = matches!(property, Property::Reading | Property::Setting)
            && request.field() != Some(pacsys_drf::Field::Raw);
        let info = Reply::DeviceInfo(DeviceInfoReply {
            ref_id,
            di: meta.device_index,
            name: meta.name.clone(),
            description: meta.description.clone(),
            units: if scaled { meta.units.clone() } else { None },
            format_hint: meta.format_hint,
        });
        let schedule = match request.extra().map(|e| e.kind()) {
            Some(ExtraKind::Logger | ExtraKind::LoggerDuration | ExtraKind::LoggerSingle) => {
                Schedule::Canned(self.history(ref_id, request, &device, now)?)
            }
            Some(ExtraKind::Ftp | ExtraKind::Livedata) | None => match request.event() {
                Event::Default | Event::Immediate => Schedule::Once,
                Event::Never => return Ok((info, None)),
                Event::Periodic(p) => Schedule::Periodic {
                    period: Duration::from_millis(p.period_ms()),
                    on_change: !p.continuous(),
                },
                Event::Clock(c) => Schedule::Clock {
                    period: clock_period(c.number().unwrap_or(u128::MAX)),
                    delay: Duration::from_millis(c.delay_ms()),
                },
                Event::State(_) => return Err(Some(codes::NOT_YET)),
            },
            Some(_) => return Err(Some(codes::INVALID_DATASOURCE)),
        };
        // A repeating request of a replayed device plays the recording instead.
        let on_change = match &schedule {
            Schedule::Periodic { on_change, .. } => Some(*on_change),
            Schedule::Clock { .. } => Some(false),
            _ => None,
        };
        let schedule = match on_change.and_then(|c| Some((c, answer::replay_of(&device, target)?)))
        {
            Some((on_change, timeline)) => Schedule::Replay {
                timeline,
                cursor: ReplayCursor::new(now),
                on_change,
            },
            None => schedule,
        };
        let due = match &schedule {
            Schedule::Periodic { period, .. } => match request.event() {
                Event::Periodic(p) if !p.immediate() => now + *period,
                _ => now,
            },
            Schedule::Clock { period, delay } => self.next_clock(now, *period) + *delay,
            Schedule::Replay {
                timeline, cursor, ..
            } => cursor.due(timeline).unwrap_or_else(|| far_future(now)),
            _ => now,
        };
        Ok((
            info,
            Some(Job {
                ref_id,
                device: Some(device),
                target,
                schedule,
                due,
                last: None,
            }),
        ))
    }

    /// The next firing of a clock event with this period, aligned to wall-clock multiples.
    fn next_clock(&self, now: Instant, period: Duration) -> Instant {
        let period_ms = i64::try_from(period.as_millis()).unwrap_or(i64::MAX).max(1);
        let wall = self.wall_ms(now);
        let wait = period_ms - wall.rem_euclid(period_ms);
        now + Duration::from_millis(u64::try_from(wait).unwrap_or(0))
    }

    /// Logger history replies for a historical request (spec 6.5), ending with an empty
    /// terminator; an empty window ends with DAE "no data".
    fn history(
        &self,
        ref_id: i64,
        request: &pacsys_drf::Request,
        device: &SimDevice,
        now: Instant,
    ) -> Result<Vec<Reply>, Option<Status>> {
        let wall = self.wall_ms(now);
        let points = match answer::logged(&self.world, device, request, target_of(request), wall)
            .map_err(Some)?
        {
            // LOGGERSINGLE: one ordinary reply with the logged point at that time.
            Logged::Single { value, at_ms } => {
                return Ok(vec![data_reply(ref_id, at_ms, 0, &value)]);
            }
            Logged::Points(points) => points,
        };
        let is_array = matches!(device.state().reading.at(wall), Value::Array(_));
        let mut replies = Vec::new();
        if is_array {
            for (micros, value) in &points {
                let data = value.as_array().map(<[f64]>::to_vec).unwrap_or_default();
                replies.push(Reply::ScalarArray(ScalarArrayReply {
                    ref_id,
                    timestamp: *micros,
                    cycle: 0,
                    status: Status::OK,
                    data,
                }));
            }
        } else {
            for chunk in points.chunks(HISTORY_CHUNK) {
                replies.push(Reply::TimedScalarArray(TimedScalarArrayReply {
                    ref_id,
                    timestamp: chunk.first().map_or(0, |(t, _)| t / 1000),
                    cycle: 0,
                    status: Status::OK,
                    data: chunk
                        .iter()
                        .map(|(_, v)| v.as_f64().unwrap_or(f64::NAN))
                        .collect(),
                    micros: chunk.iter().map(|(t, _)| *t).collect(),
                }));
            }
        }
        let end_status = if points.is_empty() {
            codes::DAE_NO_DATA
        } else {
            Status::OK
        };
        if self.config.history_ends_with_pend && !points.is_empty() {
            replies.push(Reply::Status(StatusReply {
                ref_id,
                timestamp: self.wall_ms(now),
                cycle: 0,
                status: codes::PEND,
            }));
            return Ok(replies);
        }
        replies.push(if is_array {
            Reply::ScalarArray(ScalarArrayReply {
                ref_id,
                timestamp: 0,
                cycle: 0,
                status: end_status,
                data: Vec::new(),
            })
        } else {
            Reply::TimedScalarArray(TimedScalarArrayReply {
                ref_id,
                timestamp: 0,
                cycle: 0,
                status: end_status,
                data: Vec::new(),
                micros: Vec::new(),
            })
        });
        Ok(replies)
    }

    /// A non-empty Authenticate token: fed to the GSS acceptor (spec 5.6) when Kerberos is
    /// on; otherwise refused with DPM_PRIV.
    #[cfg_attr(not(feature = "kerberos"), allow(unused_variables))]
    fn authenticate(&mut self, token: &[u8], now: Instant) -> Reply {
        #[cfg(feature = "kerberos")]
        if self.config.kerberos {
            use super::auth::{Acceptor, Step};
            let mut acceptor = match std::mem::replace(&mut self.auth, Auth::None) {
                Auth::Context(a) if !a.is_complete() => a,
                _ => Acceptor::new(),
            };
            return match acceptor.step(token) {
                Ok(Step::Complete(out)) => {
                    self.auth = Auth::Context(acceptor);
                    Reply::Authenticate(AuthenticateReply {
                        service_name: Some(self.config.service_name.clone()),
                        token: out,
                    })
                }
                Ok(Step::Continue(out)) => {
                    self.auth = Auth::Context(acceptor);
                    Reply::Authenticate(AuthenticateReply {
                        service_name: None,
                        token: Some(out),
                    })
                }
                Err(e) => {
                    tracing::debug!(list = self.list_id, error = %e, "GSS accept failed");
                    self.status_reply(0, codes::PRIV, now)
                }
            };
        }
        self.status_reply(0, codes::PRIV, now)
    }

    /// EnableSettings: the MIC must verify with the established context, and the principal
    /// must be known to the policy (when there is one).
    #[cfg_attr(not(feature = "kerberos"), allow(unused_variables))]
    fn enable(&mut self, message: &[u8], mic: &[u8]) -> Status {
        match &mut self.auth {
            Auth::Enabled(_) => Status::OK,
            Auth::None => codes::PRIV,
            #[cfg(feature = "kerberos")]
            Auth::Context(acceptor) => {
                if !acceptor.is_complete() {
                    return codes::PRIV;
                }
                match acceptor.verify(message, mic) {
                    Ok(principal) => {
                        let known = self
                            .config
                            .policy
                            .as_ref()
                            .is_none_or(|p| p.knows(&principal));
                        if known {
                            self.auth = Auth::Enabled(Some(principal));
                            Status::OK
                        } else {
                            codes::PRIV
                        }
                    }
                    Err(e) => {
                        tracing::debug!(list = self.list_id, error = %e, "MIC rejected");
                        codes::PRIV
                    }
                }
            }
        }
    }

    /// The principal of an enabled list (`Some(None)`: enabled by the test hook).
    pub fn settings_principal(&self) -> Option<Option<&str>> {
        match &self.auth {
            Auth::Enabled(p) => Some(p.as_deref()),
            _ => None,
        }
    }

    /// Whether a setting of `ref_id` is allowed on this list.
    fn may_set(&self, ref_id: i64) -> bool {
        if self.config.insecure_settings {
            return true;
        }
        let Auth::Enabled(principal) = &self.auth else {
            return false;
        };
        let (Some(policy), Some(principal)) = (&self.config.policy, principal) else {
            return true;
        };
        let device = self
            .entries
            .get(&ref_id)
            .and_then(|entry| entry.as_ref().ok())
            .map_or("", |r| r.device());
        policy.permits(principal, self.property("ROLE"), device)
    }

    /// ApplySettings: one SettingStatus per record, in the order raw, scaled, text.
    fn apply(&mut self, apply: ApplySettingsRequest) -> Reply {
        let records = apply
            .raw_array
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.ref_id, SettingData::Raw(s.data)))
            .chain(
                apply
                    .scaled_array
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (s.ref_id, SettingData::Scaled(s.data))),
            )
            .chain(
                apply
                    .text_array
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (s.ref_id, SettingData::Text(s.data))),
            );
        let status = records
            .map(|(ref_id, data)| SettingStatus {
                ref_id,
                status: if self.may_set(ref_id) {
                    self.write_entry(ref_id, &data).err().unwrap_or(Status::OK)
                } else {
                    codes::PRIV
                },
            })
            .collect();
        Reply::ApplySettings(ApplySettingsReply { status })
    }

    fn write_entry(&self, ref_id: i64, data: &SettingData) -> Result<(), Status> {
        let request = self
            .entries
            .get(&ref_id)
            .ok_or(codes::BAD_REQUEST)?
            .as_ref()
            .map_err(|_| codes::BAD_REQUEST)?;
        let device = self
            .world
            .device(request.device())
            .ok_or(answer::status::NO_SUCH_DEVICE)?;
        answer::write(&device, target_of(request), data)
    }

    /// Marks that the driver sent something at `now` (resets the heartbeat window).
    pub fn note_sent(&mut self, now: Instant) {
        self.last_sent = now;
    }

    /// Emits every reply due at `now` (samples, delayed statuses, the idle heartbeat).
    /// Returns the number of data replies emitted.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<Reply>) -> usize {
        self.plan_pending(out, usize::MAX);
        let wall = self.wall_ms(now);
        let before = out.len();
        let flood = self.config.flood;
        let mut finished = false;
        for job in &mut self.jobs {
            if job.due > now {
                continue;
            }
            match &mut job.schedule {
                Schedule::Canned(replies) => {
                    out.append(replies);
                    finished = true;
                    job.due = far_future(now);
                    continue;
                }
                Schedule::Replay {
                    timeline,
                    cursor,
                    on_change,
                } => {
                    let Some(device) = &job.device else { continue };
                    let cycle = wall / 66;
                    let target = job.target;
                    let ref_id = job.ref_id;
                    cursor.play(
                        timeline,
                        now,
                        (flood, *on_change),
                        &mut job.last,
                        |v| answer::shape(device, target, v),
                        |sample| {
                            out.push(match sample {
                                Ok(value) => {
                                    data_reply_owned(ref_id, wall, cycle, value.into_owned())
                                }
                                Err(status) => Reply::Status(StatusReply {
                                    ref_id,
                                    timestamp: wall,
                                    cycle,
                                    status,
                                }),
                            })
                        },
                    );
                    job.due = match cursor.due(timeline) {
                        Some(_) if flood => now,
                        Some(due) => due,
                        None => {
                            // Played to the end: the stream goes quiet (heartbeats go on).
                            finished = true;
                            far_future(now)
                        }
                    };
                    continue;
                }
                Schedule::Late(status) => {
                    out.push(Reply::Status(StatusReply {
                        ref_id: job.ref_id,
                        timestamp: wall,
                        cycle: 0,
                        status: *status,
                    }));
                    finished = true;
                    job.due = far_future(now);
                    continue;
                }
                _ => {}
            }
            let Some(device) = &job.device else { continue };
            let sample = answer::read(device, job.target, wall);
            let cycle = wall / 66;
            let send = match (&job.schedule, &sample) {
                (
                    Schedule::Periodic {
                        on_change: true, ..
                    },
                    Ok(v),
                ) => job.last.as_ref() != Some(v),
                _ => true,
            };
            if send {
                out.push(match &sample {
                    Ok(value) => data_reply(job.ref_id, wall, cycle, value),
                    Err(status) => Reply::Status(StatusReply {
                        ref_id: job.ref_id,
                        timestamp: wall,
                        cycle,
                        status: *status,
                    }),
                });
            }
            job.last = sample.ok();
            match job.schedule {
                Schedule::Once => {
                    finished = true;
                    job.due = far_future(now);
                }
                Schedule::Periodic { .. } | Schedule::Clock { .. } if self.config.flood => {
                    // Due again at once: the next turn sends the next sample.
                }
                Schedule::Periodic { period, .. } | Schedule::Clock { period, .. } => {
                    let period = period.max(Duration::from_millis(1));
                    job.due += period;
                    // A client that stalls for more than a second does not get a burst of
                    // stale samples afterwards: skip to the next slot after now.
                    if now.saturating_duration_since(job.due) > Duration::from_secs(1) {
                        let behind = now.saturating_duration_since(job.due).as_nanos();
                        let skip = behind / period.as_nanos() + 1;
                        job.due += period * u32::try_from(skip).unwrap_or(u32::MAX);
                    }
                }
                _ => {}
            }
        }
        if finished {
            let horizon = far_future(now);
            self.jobs.retain(|j| j.due < horizon);
        }
        let data = out[before..].iter().filter(|r| r.is_data()).count();
        if out.len() == before
            && now.saturating_duration_since(self.last_sent) >= self.config.heartbeat
        {
            out.push(Reply::ListStatus(ListStatusReply {
                list_id: self.list_id,
                status: Status::OK,
            }));
        }
        data
    }

    /// When the list next has something to send (a sample or the heartbeat).
    pub fn next_wakeup(&self) -> Instant {
        let heartbeat = self.last_sent + self.config.heartbeat;
        self.jobs
            .iter()
            .map(|j| j.due)
            .min()
            .map_or(heartbeat, |due| due.min(heartbeat))
    }

    /// Enables settings as a successful Kerberos EnableSettings would (used by the
    /// Kerberos acceptor and by tests).
    pub fn enable_settings(&mut self) {
        self.auth = Auth::Enabled(None);
    }
}

/// An instant far enough ahead to mean "never" without overflowing.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365)
}

fn target_of(request: &pacsys_drf::Request) -> Target {
    Target::of(request)
}

/// The data reply that carries `value` (a kind DPM cannot carry is reported as
/// DPM_NOT_YET, not faked).
pub fn data_reply(ref_id: i64, timestamp: i64, cycle: i64, value: &Value) -> Reply {
    data_reply_owned(ref_id, timestamp, cycle, value.clone())
}

/// [`data_reply`] taking the value by move (no copy).
pub fn data_reply_owned(ref_id: i64, timestamp: i64, cycle: i64, value: Value) -> Reply {
    let sample = Sample {
        ref_id,
        timestamp,
        cycle,
        status: Status::OK,
        value,
    };
    Reply::from_sample(sample).unwrap_or(Reply::Status(StatusReply {
        ref_id,
        timestamp,
        cycle,
        status: codes::NOT_YET,
    }))
}

#[cfg(test)]
mod replay_tests {
    //! The list playing a replayed device, driven with virtual instants.

    use std::time::SystemTime;

    use pacsys_dpm_proto::AddToListRequest;
    use pacsys_types::{Event as Recorded, Reading};

    use super::*;
    use crate::replay::{Replay, ReplayOptions};
    use crate::world::Signal;

    const NO_DATA: Status = Status::new(14, -82);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// G:AMANDA recorded at 0, 250, 400 and 1000 ms (1, 2, 3, 4) with an error at 700 ms,
    /// and Z:WAVE (not in the table) as arrays at 0 and 500 ms.
    fn recording() -> Vec<(SystemTime, Recorded)> {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let scalar = |at: u64, x: f64| {
            let when = t0 + ms(at);
            let r = Reading::new(Arc::from("G:AMANDA@p,1000"), Status::OK)
                .with_value(Value::Scalar(x))
                .with_timestamp(Some(when));
            (when + ms(2), Recorded::Reading(r))
        };
        let wave = |at: u64, base: f64| {
            let when = t0 + ms(at);
            let r = Reading::new(Arc::from("Z:WAVE@p,500"), Status::OK)
                .with_value(Value::Array(vec![base, base + 1.0, base + 2.0]))
                .with_timestamp(Some(when));
            (when, Recorded::Reading(r))
        };
        vec![
            scalar(0, 1.0),
            wave(0, 0.0),
            scalar(250, 2.0),
            scalar(400, 3.0),
            wave(500, 10.0),
            (
                t0 + ms(700),
                Recorded::Error {
                    drf: Arc::from("G:AMANDA@p,1000"),
                    status: NO_DATA,
                },
            ),
            scalar(1000, 4.0),
        ]
    }

    fn world(options: ReplayOptions) -> SimWorld {
        let world = SimWorld::default_table();
        Replay::from_events(recording(), options)
            .expect("replay")
            .install(&world);
        world
    }

    /// A list over `world` started at `t0` with these entries; returns the replies of the
    /// start and the first poll.
    fn started(
        world: SimWorld,
        config: ListConfig,
        entries: &[(i64, &str)],
        t0: Instant,
        origin_ms: i64,
    ) -> (FakeList, Vec<Reply>) {
        let mut list = FakeList::new(4096, world, config, t0, origin_ms);
        let mut out = Vec::new();
        for (ref_id, drf) in entries {
            list.handle(
                Request::AddToList(AddToListRequest {
                    list_id: 4096,
                    ref_id: *ref_id,
                    drf_request: (*drf).to_owned(),
                }),
                t0,
                &mut out,
            );
        }
        list.handle(
            Request::StartList(pacsys_dpm_proto::StartListRequest {
                list_id: 4096,
                model: None,
            }),
            t0,
            &mut out,
        );
        list.poll(t0, &mut out);
        (list, out)
    }

    /// What a reply says, compactly: (ref, value or status).
    fn sample(reply: &Reply) -> Option<(i64, Result<Value, Status>)> {
        match reply {
            Reply::Scalar(s) => Some((s.ref_id, Ok(Value::Scalar(s.data)))),
            Reply::ScalarArray(s) => Some((s.ref_id, Ok(Value::Array(s.data.clone())))),
            Reply::Status(s) => Some((s.ref_id, Err(s.status))),
            _ => None,
        }
    }

    fn poll(list: &mut FakeList, at: Instant) -> Vec<(i64, Result<Value, Status>)> {
        let mut out = Vec::new();
        list.poll(at, &mut out);
        out.iter().filter_map(sample).collect()
    }

    fn x(v: f64) -> Result<Value, Status> {
        Ok(Value::Scalar(v))
    }

    #[test]
    fn periodic_request_plays_the_recorded_offsets_in_order() {
        let t0 = Instant::now();
        let origin_ms = 1_000_000;
        let (mut list, out) = started(
            world(ReplayOptions::default()),
            ListConfig::default(),
            &[(1, "G:AMANDA@p,1000")],
            t0,
            origin_ms,
        );
        // The device keeps its metadata.
        assert!(
            matches!(&out[1], Reply::DeviceInfo(d) if d.di == 27_235 && d.units.as_deref() == Some("mA")),
            "{out:?}"
        );
        assert_eq!(
            out.iter().filter_map(sample).collect::<Vec<_>>(),
            vec![(1, x(1.0))]
        );
        assert_eq!(list.next_wakeup(), t0 + ms(250));
        assert!(poll(&mut list, t0 + ms(249)).is_empty());
        let mut at250 = Vec::new();
        list.poll(t0 + ms(250), &mut at250);
        assert!(
            matches!(&at250[..], [Reply::Scalar(s)] if s.data == 2.0 && s.timestamp == origin_ms + 250),
            "sent at its offset, stamped with the wall time of sending: {at250:?}"
        );
        assert_eq!(list.next_wakeup(), t0 + ms(400));
        assert_eq!(poll(&mut list, t0 + ms(400)), vec![(1, x(3.0))]);
        assert_eq!(list.next_wakeup(), t0 + ms(700));
        assert_eq!(poll(&mut list, t0 + ms(700)), vec![(1, Err(NO_DATA))]);
        assert_eq!(poll(&mut list, t0 + ms(999)), vec![]);
        assert_eq!(poll(&mut list, t0 + ms(1000)), vec![(1, x(4.0))]);
        // Played out: quiet, only the heartbeat is left to wake for.
        assert_eq!(list.next_wakeup(), t0 + Duration::from_secs(2));
        let mut later = Vec::new();
        list.poll(t0 + ms(2_500), &mut later);
        assert!(matches!(&later[..], [Reply::ListStatus(_)]), "{later:?}");
    }

    #[test]
    fn speed_two_halves_the_delays() {
        let t0 = Instant::now();
        let (mut list, out) = started(
            world(ReplayOptions::default().speed(2.0)),
            ListConfig::default(),
            &[(1, "G:AMANDA@p,1000")],
            t0,
            0,
        );
        assert_eq!(
            out.iter().filter_map(sample).collect::<Vec<_>>(),
            vec![(1, x(1.0))]
        );
        let mut got = Vec::new();
        for (at, expected) in [
            (125, x(2.0)),
            (200, x(3.0)),
            (350, Err(NO_DATA)),
            (500, x(4.0)),
        ] {
            assert_eq!(
                list.next_wakeup(),
                t0 + ms(at),
                "the sample of {expected:?}"
            );
            assert!(poll(&mut list, t0 + ms(at - 1)).is_empty());
            got.extend(poll(&mut list, t0 + ms(at)));
        }
        assert_eq!(
            got,
            vec![(1, x(2.0)), (1, x(3.0)), (1, Err(NO_DATA)), (1, x(4.0))]
        );
    }

    #[test]
    fn loop_starts_over_after_span_plus_mean_interval() {
        let t0 = Instant::now();
        let (mut list, _) = started(
            world(ReplayOptions::default().looped(true)),
            ListConfig::default(),
            &[(1, "G:AMANDA@p,1000")],
            t0,
            0,
        );
        for at in [250, 400, 700, 1000] {
            assert_eq!(poll(&mut list, t0 + ms(at)).len(), 1);
        }
        // Span 1000 ms plus the mean interval of G:AMANDA (1000 ms / 4 gaps): round two at 1250.
        assert_eq!(list.next_wakeup(), t0 + ms(1_250));
        assert_eq!(poll(&mut list, t0 + ms(1_250)), vec![(1, x(1.0))]);
        assert_eq!(poll(&mut list, t0 + ms(1_500)), vec![(1, x(2.0))]);
        // Polled late (but within a second): the samples due meanwhile, in order.
        assert_eq!(
            poll(&mut list, t0 + ms(2_250)),
            vec![(1, x(3.0)), (1, Err(NO_DATA)), (1, x(4.0))]
        );
        assert_eq!(poll(&mut list, t0 + ms(2_500)), vec![(1, x(1.0))]);
    }

    #[test]
    fn every_subscription_hears_the_recording_from_its_start_with_fields_and_ranges() {
        let world = world(ReplayOptions::default());
        let t0 = Instant::now();
        // A second list started later still begins with the first sample.
        let (mut list, out) = started(
            world.clone(),
            ListConfig::default(),
            &[(1, "Z:WAVE[1]@p,1000"), (2, "Z:WAVE@e,0f")],
            t0 + ms(5_000),
            0,
        );
        assert!(
            out.iter()
                .any(|r| matches!(r, Reply::DeviceInfo(d) if d.name == "Z:WAVE")),
            "{out:?}"
        );
        let mut first = out.iter().filter_map(sample).collect::<Vec<_>>();
        first.sort_by_key(|(r, _)| *r);
        assert_eq!(
            first,
            vec![(1, x(1.0)), (2, Ok(Value::Array(vec![0.0, 1.0, 2.0])))],
            "the element range applies; a clock event plays the timeline too"
        );
        let mut next = poll(&mut list, t0 + ms(5_500));
        next.sort_by_key(|(r, _)| *r);
        assert_eq!(
            next,
            vec![(1, x(11.0)), (2, Ok(Value::Array(vec![10.0, 11.0, 12.0])))]
        );
    }

    #[test]
    fn one_shot_reads_answer_the_current_sample_and_others_are_untouched() {
        let world = world(ReplayOptions::default());
        let Signal::Replay(timeline) = world
            .device("G:AMANDA")
            .expect("present")
            .state()
            .reading
            .clone()
        else {
            panic!("G:AMANDA is replayed")
        };
        let t0 = Instant::now();
        // 300 ms after the replay was installed: the sample of 250 ms.
        let (_, out) = started(
            world,
            ListConfig::default(),
            &[
                (1, "G:AMANDA@I"),
                (2, "M:OUTTMP@I"),
                (3, "Z:NOSUCH@I"),
                (4, "G:AMANDA.SETTING@I"),
            ],
            t0,
            timeline.origin_ms() + 300,
        );
        let mut got = out.iter().filter_map(sample).collect::<Vec<_>>();
        got.sort_by_key(|(r, _)| *r);
        assert_eq!(
            got,
            vec![
                (1, x(2.0)),
                (2, x(72.5)),
                (3, Err(answer::status::NO_SUCH_DEVICE)),
                (4, x(42.0)),
            ],
            "no SETTING recorded: the world's setting"
        );
    }

    #[test]
    fn on_change_skips_repeats_and_flood_ignores_the_timing() {
        let t0 = Instant::now();
        let flood = ListConfig {
            flood: true,
            ..ListConfig::default()
        };
        let (mut list, out) = started(
            world(ReplayOptions::default()),
            flood,
            &[(1, "G:AMANDA@p,1000")],
            t0,
            0,
        );
        let mut got: Vec<_> = out.iter().filter_map(sample).collect();
        for _ in 0..5 {
            got.extend(poll(&mut list, t0));
        }
        assert_eq!(
            got,
            vec![
                (1, x(1.0)),
                (1, x(2.0)),
                (1, x(3.0)),
                (1, Err(NO_DATA)),
                (1, x(4.0))
            ],
            "one recorded sample per turn, at once"
        );

        // @q on a recording that repeats itself.
        let t1 = SystemTime::UNIX_EPOCH;
        let same = |at: u64, v: f64| {
            let r = Reading::new(Arc::from("Z:FLAT@p,100"), Status::OK)
                .with_value(Value::Scalar(v))
                .with_timestamp(Some(t1 + ms(at)));
            (t1 + ms(at), Recorded::Reading(r))
        };
        let world = SimWorld::new();
        Replay::from_events(
            [same(0, 5.0), same(100, 5.0), same(200, 6.0)],
            ReplayOptions::default(),
        )
        .expect("replay")
        .install(&world);
        let (mut list, out) = started(world, ListConfig::default(), &[(1, "Z:FLAT@q,100")], t0, 0);
        let mut got: Vec<_> = out.iter().filter_map(sample).collect();
        got.extend(poll(&mut list, t0 + ms(100)));
        got.extend(poll(&mut list, t0 + ms(200)));
        assert_eq!(got, vec![(1, x(5.0)), (1, x(6.0))]);
    }
}
