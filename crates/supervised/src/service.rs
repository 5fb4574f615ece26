//! The `services.daq.DAQ` implementation: gate, policies, audit, then the backend.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::{Future, Stream, StreamExt};
use pacsys::{Backend, Error as BackendError, ErrorKind, Event, Reading, Subscription};
use pacsys_drf::{Event as DrfEvent, ExtraKind};
use pacsys_grpc_core::convert;
use pacsys_grpc_core::proto::services::daq::{self as pdaq, daq_server::Daq, reading_reply};
use subtle::ConstantTimeEq;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::{Request, Response};

use crate::audit::{AuditLog, AuditRecord, value_json};
use crate::context::{RequestContext, Rpc, Slot, SlotDecision};
use crate::decision::{
    DENIED_STATUS, Decision, SetOutcome, decide, denied_json, slot_status, supervise_set,
};
use crate::limits::{AddressSlot, PerAddress};
use crate::metrics::Metrics;
use crate::policy::PolicyChain;

/// Everything a call needs, shared by all calls.
#[derive(Debug)]
pub(crate) struct Shared<B> {
    pub(crate) backend: Arc<B>,
    pub(crate) chain: PolicyChain,
    /// `Bearer <token>` when a token is configured.
    pub(crate) expected: Option<Vec<u8>>,
    /// Validates bearer JWTs (signature, exp, nbf, iss, aud), when configured.
    pub(crate) jwt: Option<crate::jwt::JwtValidator>,
    pub(crate) token_subject: Option<String>,
    pub(crate) token_for_reads: bool,
    pub(crate) audit: Option<Arc<AuditLog>>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) max_drfs: usize,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) shutdown: CancellationToken,
    /// Open streaming reads per client address, and the limit.
    pub(crate) streams: Arc<PerAddress>,
}

/// The tonic service (cheap clone of the shared state).
#[derive(Debug)]
pub(crate) struct Service<B>(pub(crate) Arc<Shared<B>>);

/// The `sub` claim of a JWT, decoded without verification ([`pacsys::jwt::subject`]),
/// bounded to 256 characters for the audit log.
pub(crate) fn jwt_subject(token: &str) -> Option<String> {
    pacsys::jwt::subject(token).map(|sub| sub.chars().take(256).collect())
}

/// Who called: subject (claimed or verified) and whether the token matched.
struct Caller {
    peer: Option<SocketAddr>,
    subject: Option<String>,
    verified: bool,
}

impl<B> Shared<B> {
    /// Whether calls must prove who they are (a shared token or a validated JWT).
    fn auth_required(&self) -> bool {
        self.expected.is_some() || self.jwt.is_some()
    }

    fn caller<T>(&self, request: &Request<T>) -> Caller {
        let peer = request.remote_addr();
        let values: Vec<&[u8]> = request
            .metadata()
            .get_all("authorization")
            .iter()
            .map(|v| v.as_bytes())
            .collect();
        // A validated JWT names the caller by its verified subject.
        if let Some(jwt) = &self.jwt {
            for v in &values {
                let Some(token) = std::str::from_utf8(v)
                    .ok()
                    .and_then(|t| t.strip_prefix("Bearer "))
                else {
                    continue;
                };
                match jwt.validate(token) {
                    Ok(subject) => {
                        return Caller {
                            peer,
                            subject: Some(subject),
                            verified: true,
                        };
                    }
                    Err(e) => tracing::debug!(error = %e, ?peer, "bearer JWT refused"),
                }
            }
        }
        match &self.expected {
            Some(expected) => {
                // Compare every presented value in constant time (no early exit).
                let mut verified = false;
                for v in &values {
                    verified |= bool::from(v.ct_eq(expected.as_slice()));
                }
                let subject = if verified {
                    self.token_subject.clone()
                } else {
                    claimed_subject(&values)
                };
                Caller {
                    peer,
                    subject,
                    verified,
                }
            }
            None => Caller {
                peer,
                subject: claimed_subject(&values),
                verified: false,
            },
        }
    }

    fn record(&self, id: u64, rpc: Rpc, caller: &Caller) -> AuditRecord {
        AuditRecord {
            id,
            event: "decision",
            rpc: rpc.name(),
            peer: caller.peer.map(|p| p.to_string()),
            subject: caller.subject.clone(),
            token_verified: self.auth_required().then_some(caller.verified),
            ..AuditRecord::default()
        }
    }

    async fn audit(&self, record: AuditRecord) {
        if let Some(log) = &self.audit
            && let Err(e) = log.record(record).await
        {
            tracing::error!(error = %e, "audit record lost");
        }
    }

    fn next_id(&self) -> u64 {
        self.audit.as_ref().map_or(0, |a| a.next_id())
    }
}

fn claimed_subject(values: &[&[u8]]) -> Option<String> {
    values.iter().find_map(|v| {
        let text = std::str::from_utf8(v).ok()?;
        jwt_subject(text.strip_prefix("Bearer ")?)
    })
}

/// A backend failure of a whole call as a gRPC status, chosen by the error's kind.
pub(crate) fn backend_status(e: &BackendError) -> tonic::Status {
    let message = e.to_string();
    match e.kind() {
        ErrorKind::InvalidRequest | ErrorKind::ReadOnly => tonic::Status::invalid_argument(message),
        ErrorKind::Unsupported => tonic::Status::unimplemented(message),
        ErrorKind::Auth => tonic::Status::unauthenticated(message),
        ErrorKind::Timeout => tonic::Status::deadline_exceeded(message),
        ErrorKind::ConnectionLost
        | ErrorKind::Closed
        | ErrorKind::Refused
        | ErrorKind::Http
        | ErrorKind::PoolExhausted
        | ErrorKind::ListFailed => tonic::Status::unavailable(message),
        _ => tonic::Status::internal(format!("Backend error: {message}")),
    }
}

/// Whether a read is answered once (get_many) rather than streamed: `@I`, `@N` or a
/// logger source.
fn is_one_shot(slot: &Slot) -> bool {
    let r = slot.request();
    if r.extra().is_some_and(|e| e.kind().is_historical()) {
        return true;
    }
    matches!(r.event(), DrfEvent::Immediate | DrfEvent::Never)
}

fn is_chunked_logger(slot: &Slot) -> bool {
    slot.request()
        .extra()
        .is_some_and(|e| matches!(e.kind(), ExtraKind::Logger | ExtraKind::LoggerDuration))
}

fn index_of(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A reply for another index of the same DRF.
fn readdressed(reply: &pdaq::ReadingReply, index: u32) -> pdaq::ReadingReply {
    pdaq::ReadingReply {
        index,
        value: reply.value.clone(),
    }
}

impl<B: Backend + 'static> Service<B> {
    /// Refusals common to both RPCs before parsing: empty and oversize lists.
    fn check_size(&self, n: usize, what: &str) -> Result<(), tonic::Status> {
        let s = &self.0;
        if n == 0 {
            Metrics::add(&s.metrics.invalid, 1);
            return Err(tonic::Status::invalid_argument(format!(
                "Empty {what} list"
            )));
        }
        if n > s.max_drfs {
            Metrics::add(&s.metrics.invalid, 1);
            return Err(tonic::Status::invalid_argument(format!(
                "Too many entries in the {what} list ({n} > {})",
                s.max_drfs
            )));
        }
        Ok(())
    }

    async fn refuse(
        &self,
        mut record: AuditRecord,
        decision: &'static str,
        reason: String,
        status: tonic::Status,
    ) -> tonic::Status {
        record.decision = Some(decision);
        record.reason = Some(reason);
        self.0.audit(record).await;
        status
    }
}

#[tonic::async_trait]
impl<B: Backend + 'static> Daq for Service<B> {
    type ReadStream = ReplyStream;

    async fn read(
        &self,
        request: Request<pdaq::ReadingList>,
    ) -> Result<Response<ReplyStream>, tonic::Status> {
        let s = &self.0;
        let started = Instant::now();
        Metrics::add(&s.metrics.read_requests, 1);
        let caller = s.caller(&request);
        let id = s.next_id();
        let mut record = s.record(id, Rpc::Read, &caller);
        let list = request.into_inner();
        if s.token_for_reads && s.auth_required() && !caller.verified {
            Metrics::add(&s.metrics.unauthenticated, 1);
            let reason = "Invalid or missing bearer token".to_owned();
            let status = tonic::Status::unauthenticated(reason.clone());
            return Err(self.refuse(record, "unauthenticated", reason, status).await);
        }
        if let Err(status) = self.check_size(list.drf.len(), "DRF") {
            record.drfs = list.drf.iter().take(16).cloned().collect();
            let reason = status.message().to_owned();
            return Err(self.refuse(record, "invalid", reason, status).await);
        }
        record.drfs.clone_from(&list.drf);
        let slots: Result<Vec<Slot>, _> = list
            .drf
            .iter()
            .enumerate()
            .map(|(i, d)| Slot::for_read(i, d))
            .collect();
        let slots = match slots {
            Ok(slots) => slots,
            Err(e) => {
                Metrics::add(&s.metrics.denied_requests, 1);
                let status = tonic::Status::permission_denied(e.to_string());
                return Err(self.refuse(record, "denied", e.to_string(), status).await);
            }
        };
        let ctx = RequestContext::new(
            Rpc::Read,
            caller.peer,
            caller.subject.clone(),
            caller.verified,
            started,
            slots,
        );
        let slots = match decide(&s.chain, ctx) {
            Decision::Refused { denial, slots } => {
                Metrics::add(&s.metrics.denied_requests, 1);
                record.denied = denied_json(&slots);
                let status = tonic::Status::permission_denied(denial.reason.clone());
                return Err(self.refuse(record, "denied", denial.reason, status).await);
            }
            Decision::Proceed { slots } => slots,
        };
        let denied = slots.iter().filter(|s| s.is_denied()).count();
        record.denied = denied_json(&slots);
        // A streaming read takes one of the client's stream slots for as long as it runs.
        let streaming = slots.iter().any(|sl| !sl.is_denied() && !is_one_shot(sl));
        let ticket = if streaming {
            match s.streams.acquire(caller.peer) {
                Ok(t) => Some(t),
                Err(limit) => {
                    Metrics::add(&s.metrics.denied_requests, 1);
                    let reason = format!("Too many open streams from this client (limit {limit})");
                    let status = tonic::Status::resource_exhausted(reason.clone());
                    return Err(self.refuse(record, "denied", reason, status).await);
                }
            }
        } else {
            None
        };
        Metrics::add(&s.metrics.denied_slots, denied as u64);
        record.decision = Some(if denied > 0 { "partial" } else { "allowed" });
        s.audit(record).await;

        // Denied slots answer with their own terminal status.
        let mut queue = VecDeque::new();
        for slot in slots.iter() {
            if let SlotDecision::Denied { reason, .. } = slot.decision() {
                queue.push_back(convert::status_reply(
                    index_of(slot.index()),
                    DENIED_STATUS,
                    reason,
                ));
            }
        }
        // Each distinct canonical DRF once; its replies fan out to every index.
        let mut order: Vec<Arc<str>> = Vec::new();
        let mut routes: HashMap<Arc<str>, Route> = HashMap::new();
        for slot in slots.iter().filter(|s| s.is_approved()) {
            let key: Arc<str> = Arc::from(slot.canonical());
            let route = routes.entry(Arc::clone(&key)).or_insert_with(|| {
                order.push(Arc::clone(&key));
                Route {
                    indices: Vec::new(),
                    once: is_one_shot(slot),
                    chunked: is_chunked_logger(slot),
                    open: true,
                }
            });
            route.indices.push(index_of(slot.index()));
        }
        let finish = Finish {
            id,
            peer: caller.peer.map(|p| p.to_string()),
            audit: s.audit.clone(),
            metrics: Arc::clone(&s.metrics),
            streaming: false,
            started,
            _ticket: None,
        };
        let all_once = routes.values().all(|r| r.once);
        if all_once {
            let results = s.backend.get_many(&order, s.call_timeout).await;
            for (key, result) in order.iter().zip(results) {
                let Some(route) = routes.get(key) else {
                    continue;
                };
                let Some(&first) = route.indices.first() else {
                    continue;
                };
                let replies = match &result {
                    Ok(reading) if route.chunked => convert::logger_replies(first, reading, ""),
                    Ok(reading) => vec![convert::reading_reply(first, reading, "")],
                    Err(e) => {
                        let (status, message) = slot_status(e);
                        vec![convert::status_reply(first, status, &message)]
                    }
                };
                for &index in &route.indices {
                    queue.extend(replies.iter().map(|r| readdressed(r, index)));
                }
            }
            return Ok(Response::new(ReplyStream::new(
                queue, None, routes, s, finish,
            )));
        }
        let sub = match s.backend.subscribe(&order).await {
            Ok(sub) => sub,
            Err(e) => {
                Metrics::add(&s.metrics.backend_errors, 1);
                return Err(backend_status(&e));
            }
        };
        Metrics::add(&s.metrics.streams_started, 1);
        Metrics::add(&s.metrics.streams_open, 1);
        let finish = Finish {
            streaming: true,
            _ticket: ticket,
            ..finish
        };
        Ok(Response::new(ReplyStream::new(
            queue,
            Some(sub),
            routes,
            s,
            finish,
        )))
    }

    async fn set(
        &self,
        request: Request<pdaq::SettingList>,
    ) -> Result<Response<pdaq::SettingReply>, tonic::Status> {
        let s = &self.0;
        let started = Instant::now();
        Metrics::add(&s.metrics.set_requests, 1);
        let caller = s.caller(&request);
        let id = s.next_id();
        let mut record = s.record(id, Rpc::Set, &caller);
        let list = request.into_inner();
        record.drfs = list
            .setting
            .iter()
            .take(s.max_drfs)
            .map(|x| x.device.clone())
            .collect();
        if s.auth_required() && !caller.verified {
            Metrics::add(&s.metrics.unauthenticated, 1);
            let reason = "Invalid or missing bearer token".to_owned();
            let status = tonic::Status::unauthenticated(reason.clone());
            return Err(self.refuse(record, "unauthenticated", reason, status).await);
        }
        if let Err(status) = self.check_size(list.setting.len(), "settings") {
            let reason = status.message().to_owned();
            return Err(self.refuse(record, "invalid", reason, status).await);
        }
        let mut slots = Vec::with_capacity(list.setting.len());
        let mut gate_error = None;
        for (i, setting) in list.setting.into_iter().enumerate() {
            let Some(value) = setting.value.and_then(convert::value_from_proto) else {
                Metrics::add(&s.metrics.invalid, 1);
                let reason = format!(
                    "Setting for {:?} has no value (empty oneof)",
                    setting.device
                );
                let status = tonic::Status::invalid_argument(reason.clone());
                return Err(self.refuse(record, "invalid", reason, status).await);
            };
            record.values.push(value_json(&value));
            match Slot::for_set(i, &setting.device, value) {
                Ok(slot) => slots.push(slot),
                Err(e) => {
                    gate_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = gate_error {
            Metrics::add(&s.metrics.denied_requests, 1);
            let status = tonic::Status::permission_denied(e.to_string());
            return Err(self.refuse(record, "denied", e.to_string(), status).await);
        }
        let ctx = RequestContext::new(
            Rpc::Set,
            caller.peer,
            caller.subject.clone(),
            caller.verified,
            started,
            slots,
        );
        let drfs = record.drfs.clone();
        let audit = s.audit.as_deref();
        let (slots, outcomes) =
            match supervise_set(&*s.backend, &s.chain, audit, ctx, record, s.call_timeout).await {
                SetOutcome::Refused { denial, .. } => {
                    Metrics::add(&s.metrics.denied_requests, 1);
                    return Err(tonic::Status::permission_denied(denial.reason));
                }
                SetOutcome::AuditFailed(e) => {
                    return Err(tonic::Status::internal(format!(
                        "Audit log failed; write blocked: {e}"
                    )));
                }
                SetOutcome::Written { slots, outcomes } => (slots, outcomes),
            };
        let denied = slots.iter().filter(|x| x.is_denied()).count();
        Metrics::add(&s.metrics.denied_slots, denied as u64);
        Metrics::add(
            &s.metrics.settings_forwarded,
            slots.len().saturating_sub(denied) as u64,
        );
        let statuses: Vec<_> = outcomes
            .iter()
            .map(|o| {
                let (status, message) = o.status();
                convert::status_to_proto(status, message)
            })
            .collect();
        tracing::info!(rpc = "Set", peer = ?caller.peer, devices = ?drfs, denied, "settings forwarded");
        Ok(Response::new(pdaq::SettingReply { status: statuses }))
    }
}

/// Where the readings of one distinct DRF go.
#[derive(Debug)]
struct Route {
    indices: Vec<u32>,
    /// Answered once (`@I`, `@N`, logger): closed after its first reply.
    once: bool,
    /// A chunked logger request.
    chunked: bool,
    open: bool,
}

/// What happens when a stream ends.
struct Finish {
    id: u64,
    peer: Option<String>,
    audit: Option<Arc<AuditLog>>,
    metrics: Arc<Metrics>,
    streaming: bool,
    started: Instant,
    /// The client's stream slot, held for its `Drop`: given back when the stream ends.
    _ticket: Option<AddressSlot>,
}

/// The reply stream of one `Read` call: canned replies first (denials, one-shot results),
/// then the backend subscription's events, fanned out to every index that asked for them.
pub struct ReplyStream {
    queue: VecDeque<pdaq::ReadingReply>,
    sub: Option<Subscription>,
    routes: HashMap<Arc<str>, Route>,
    live: usize,
    cancel: Pin<Box<WaitForCancellationFutureOwned>>,
    end: Option<tonic::Status>,
    done: bool,
    outcome: Option<String>,
    replies: u64,
    readings: u64,
    finish: Option<Finish>,
}

impl std::fmt::Debug for ReplyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyStream")
            .field("queued", &self.queue.len())
            .field("live", &self.live)
            .finish_non_exhaustive()
    }
}

impl ReplyStream {
    fn new<B>(
        queue: VecDeque<pdaq::ReadingReply>,
        sub: Option<Subscription>,
        routes: HashMap<Arc<str>, Route>,
        shared: &Shared<B>,
        finish: Finish,
    ) -> ReplyStream {
        let live = routes.values().map(|r| r.indices.len()).sum();
        ReplyStream {
            queue,
            sub,
            routes,
            live,
            cancel: Box::pin(shared.shutdown.clone().cancelled_owned()),
            end: None,
            done: false,
            outcome: None,
            replies: 0,
            readings: 0,
            finish: Some(finish),
        }
    }

    fn route_key(&self, drf: &Arc<str>) -> Option<Arc<str>> {
        if let Some((k, _)) = self.routes.get_key_value(&**drf) {
            return Some(Arc::clone(k));
        }
        // A backend that reports another spelling: match by canonical text.
        let canonical = pacsys_drf::Request::parse(drf).ok()?.to_canonical();
        self.routes
            .get_key_value(canonical.as_str())
            .map(|(k, _)| Arc::clone(k))
    }

    fn close_route(&mut self, key: &Arc<str>) {
        if let Some(route) = self.routes.get_mut(key)
            && route.open
        {
            route.open = false;
            self.live = self.live.saturating_sub(route.indices.len());
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Reading(reading) => self.on_reading(&reading),
            Event::Error { drf, status } => {
                let Some(key) = self.route_key(&drf) else {
                    return;
                };
                let Some(route) = self.routes.get(&key).filter(|r| r.open) else {
                    return;
                };
                for &index in &route.indices {
                    self.queue
                        .push_back(convert::status_reply(index, status, ""));
                }
                self.close_route(&key);
            }
            Event::Dropped { count } => {
                if let Some(f) = &self.finish {
                    Metrics::add(&f.metrics.backend_dropped, count);
                }
            }
            other => tracing::debug!(event = %other, "backend subscription event"),
        }
    }

    fn on_reading(&mut self, reading: &Reading) {
        let Some(key) = self.route_key(&reading.drf) else {
            return;
        };
        let Some(route) = self.routes.get(&key).filter(|r| r.open) else {
            return;
        };
        let Some(&first) = route.indices.first() else {
            return;
        };
        let reply = convert::reading_reply(first, reading, "");
        let terminal = route.once || matches!(reply.value, Some(reading_reply::Value::Status(_)));
        for &index in route.indices.get(1..).unwrap_or(&[]) {
            self.queue.push_back(readdressed(&reply, index));
        }
        self.queue.push_back(reply);
        if terminal {
            self.close_route(&key);
        }
    }
}

impl Stream for ReplyStream {
    type Item = Result<pdaq::ReadingReply, tonic::Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(reply) = this.queue.pop_front() {
                this.replies += 1;
                let mut samples = 0;
                if let Some(reading_reply::Value::Readings(r)) = &reply.value {
                    samples = r.reading.len() as u64;
                    this.readings += samples;
                }
                if let Some(f) = &this.finish {
                    Metrics::add(&f.metrics.replies, 1);
                    Metrics::add(&f.metrics.readings, samples);
                }
                return Poll::Ready(Some(Ok(reply)));
            }
            if let Some(status) = this.end.take() {
                this.done = true;
                this.outcome = Some(format!("{:?}", status.code()));
                return Poll::Ready(Some(Err(status)));
            }
            if this.done {
                this.outcome.get_or_insert_with(|| "Ok".to_owned());
                return Poll::Ready(None);
            }
            if this.sub.is_some() && this.cancel.as_mut().poll(cx).is_ready() {
                this.sub = None;
                this.end = Some(tonic::Status::unavailable("the proxy is shutting down"));
                continue;
            }
            if this.live == 0 {
                this.sub = None;
                this.done = true;
                continue;
            }
            let Some(sub) = this.sub.as_mut() else {
                this.done = true;
                continue;
            };
            match sub.poll_next_unpin(cx) {
                Poll::Ready(Some(event)) => this.handle(event),
                Poll::Ready(None) => {
                    this.sub = None;
                    if let Some(f) = &this.finish {
                        Metrics::add(&f.metrics.backend_errors, 1);
                    }
                    this.end = Some(tonic::Status::unavailable("the backend subscription ended"));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Drop for ReplyStream {
    fn drop(&mut self) {
        let Some(f) = self.finish.take() else { return };
        if f.streaming {
            f.metrics
                .streams_open
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(audit) = &f.audit {
            audit.record_detached(AuditRecord {
                id: f.id,
                event: "result",
                rpc: "Read",
                peer: f.peer,
                result: Some(
                    self.outcome
                        .clone()
                        .unwrap_or_else(|| "Cancelled".to_owned()),
                ),
                replies: Some(self.replies),
                readings: Some(self.readings),
                elapsed_ms: Some(f.started.elapsed().as_secs_f64() * 1e3),
                ..AuditRecord::default()
            });
        }
    }
}
