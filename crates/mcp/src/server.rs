//! [`McpServer`]: the MCP handler. Every DRF passes pacsys-supervised's gate and policy
//! chain ([`decide`]); every setting goes through [`supervise_set`] (the proxy's decision
//! procedure: judged, audited and flushed, then written with the canonical DRF).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use pacsys::{Backend, Value};
use pacsys_supervised::audit::{AuditLog, AuditRecord, value_json};
use pacsys_supervised::context::{GateError, RequestContext, Rpc, Slot, SlotDecision};
use pacsys_supervised::decision::{Decision, SetOutcome, SlotOutcome, decide, supervise_set};
use pacsys_supervised::policy::{Denial, Policy, PolicyChain};
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext as McpContext, RoleServer};
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use crate::config::{Limits, McpConfig};
use crate::error::McpError;
use crate::render;
use crate::summary;
use crate::tools;

const INSTRUCTIONS: &str = "Fermilab ACNET accelerator devices through pacsys-rs. \
read_device / read_many read values now; device_info tells what a device is; read_history \
summarises logged data; watch summarises a short live subscription; write_device writes a \
setting only where this server's configuration and policies allow it (read-only unless \
configured), and each write is audited. Device names look like M:OUTTMP (a letter, a colon, \
the name).";

/// The properties `device_info` asks for: (DRF property, JSON key).
const INFO_PROPERTIES: [(&str, &str); 6] = [
    ("DESCRIPTION", "description"),
    ("READING", "reading"),
    ("SETTING", "setting"),
    ("STATUS", "status"),
    ("ANALOG", "analog_alarm"),
    ("DIGITAL", "digital_alarm"),
];

/// How many last values `watch` returns.
const WATCH_LAST_VALUES: usize = 10;

/// Refuses every setting when the configuration's write switch is off (first in the
/// chain, so the refusal is a whole-request denial, audited as any other).
#[derive(Debug)]
struct WritesDisabled;

impl Policy for WritesDisabled {
    fn name(&self) -> &str {
        "mcp-write-switch"
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        if ctx.rpc() == Rpc::Set {
            return Err(Denial {
                policy: self.name().to_owned(),
                reason: "Writes are disabled on this MCP server (allow_writes = false in its \
                         configuration); ask its operator"
                    .to_owned(),
            });
        }
        Ok(())
    }
}

struct Inner<B> {
    backend: Arc<B>,
    chain: PolicyChain,
    audit: Option<Arc<AuditLog>>,
    limits: Limits,
    writes_enabled: bool,
}

/// The MCP server over a backend `B`: the tools `read_device`, `read_many`,
/// `device_info`, `read_history`, `watch` and `write_device`. Cheap to clone (one per
/// HTTP session, all sharing the backend, the policy chain and the audit log).
///
/// ```
/// use std::sync::Arc;
/// use pacsys_mcp::{McpConfig, McpServer};
/// use pacsys_testing::FakeBackend;
///
/// let server = McpServer::new(Arc::new(FakeBackend::new()), &McpConfig::default())?;
/// assert!(!server.writes_enabled());
/// # Ok::<(), pacsys_mcp::McpError>(())
/// ```
pub struct McpServer<B> {
    inner: Arc<Inner<B>>,
    /// The transport, for the audit log's `peer` when the client address is unknown.
    transport: &'static str,
}

impl<B> Clone for McpServer<B> {
    fn clone(&self) -> Self {
        McpServer {
            inner: Arc::clone(&self.inner),
            transport: self.transport,
        }
    }
}

impl<B> std::fmt::Debug for McpServer<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("chain", &self.inner.chain)
            .field("writes_enabled", &self.inner.writes_enabled)
            .finish_non_exhaustive()
    }
}

/// The JSON-RPC error of a DRF the gate refuses (invalid params, with the DRF and why).
fn gate_error(e: &GateError) -> ErrorData {
    ErrorData::invalid_params(e.to_string(), Some(json!({ "drf": e.drf, "why": e.why })))
}

fn parse_args<T: DeserializeOwned>(
    tool: &str,
    args: Option<rmcp::model::JsonObject>,
) -> Result<T, ErrorData> {
    let value = Json::Object(args.unwrap_or_default());
    serde_json::from_value(value)
        .map_err(|e| ErrorData::invalid_params(format!("bad arguments for {tool}: {e}"), None))
}

fn structured(value: Json, ok: bool) -> CallToolResult {
    if ok {
        CallToolResult::structured(value)
    } else {
        CallToolResult::structured_error(value)
    }
}

impl<B: Backend + 'static> McpServer<B> {
    /// A server over `backend` with `config`'s write switch, policies, audit log and
    /// limits (its `[backend]` table is for the caller, who built `backend`).
    pub fn new(backend: Arc<B>, config: &McpConfig) -> Result<McpServer<B>, McpError> {
        let audit = match &config.audit {
            Some(a) => {
                Some(
                    AuditLog::open(&a.path, a.queue).map_err(|source| McpError::Audit {
                        path: a.path.clone(),
                        source,
                    })?,
                )
            }
            None => None,
        };
        Ok(McpServer::with_policies(
            backend,
            config.build_policies()?,
            config.allow_writes,
            audit,
            config.limits.clone(),
        ))
    }

    /// A server from its parts: `policies` run after the write switch (which refuses every
    /// setting unless `allow_writes`).
    pub fn with_policies(
        backend: Arc<B>,
        policies: Vec<Box<dyn Policy>>,
        allow_writes: bool,
        audit: Option<AuditLog>,
        limits: Limits,
    ) -> McpServer<B> {
        let mut chain: Vec<Box<dyn Policy>> = Vec::with_capacity(policies.len() + 1);
        if !allow_writes {
            chain.push(Box::new(WritesDisabled));
        }
        chain.extend(policies);
        McpServer {
            inner: Arc::new(Inner {
                backend,
                chain: PolicyChain::new(chain),
                audit: audit.map(Arc::new),
                limits,
                writes_enabled: allow_writes,
            }),
            transport: "mcp",
        }
    }

    /// Whether the write switch is on.
    pub fn writes_enabled(&self) -> bool {
        self.inner.writes_enabled
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The same server, labelled with its transport in audit records (`mcp-stdio`,
    /// `mcp-http`).
    pub(crate) fn on(mut self, transport: &'static str) -> McpServer<B> {
        self.transport = transport;
        self
    }

    /// Writes what the audit log holds and closes it (call when serving ends).
    pub async fn close(&self) {
        if let Some(log) = &self.inner.audit {
            log.close().await;
        }
    }

    fn peer(&self, ctx: &McpContext<RoleServer>) -> (Option<SocketAddr>, String) {
        let addr = ctx
            .extensions
            .get::<hyper::http::request::Parts>()
            .and_then(|p| p.extensions.get::<SocketAddr>().copied());
        match addr {
            Some(a) => (Some(a), format!("{}:{a}", self.transport)),
            None => (None, self.transport.to_owned()),
        }
    }

    fn record(&self, rpc: Rpc, peer: &str, drfs: Vec<String>) -> AuditRecord {
        AuditRecord {
            id: self.inner.audit.as_ref().map_or(0, |a| a.next_id()),
            event: "decision",
            rpc: rpc.name(),
            peer: Some(peer.to_owned()),
            drfs,
            ..AuditRecord::default()
        }
    }

    async fn audit(&self, record: AuditRecord) {
        if let Some(log) = &self.inner.audit
            && let Err(e) = log.record_durable(record).await
        {
            tracing::error!(error = %e, "audit record lost");
        }
    }

    /// Gates and judges reads: a gate refusal is a JSON-RPC error; the decision is
    /// audited. Returns the slots (denied ones with their reason) or the whole-request
    /// denial.
    async fn judge_reads(
        &self,
        drfs: &[String],
        peer: (Option<SocketAddr>, String),
    ) -> Result<Result<Vec<Slot>, Denial>, ErrorData> {
        let mut record = self.record(Rpc::Read, &peer.1, drfs.to_vec());
        let slots: Result<Vec<Slot>, GateError> = drfs
            .iter()
            .enumerate()
            .map(|(i, d)| Slot::for_read(i, d))
            .collect();
        let slots = match slots {
            Ok(s) => s,
            Err(e) => {
                record.decision = Some("denied");
                record.reason = Some(e.to_string());
                self.audit(record).await;
                return Err(gate_error(&e));
            }
        };
        let ctx = RequestContext::new(Rpc::Read, peer.0, None, false, Instant::now(), slots);
        let decision = decide(&self.inner.chain, ctx);
        record.decision = Some(decision.label());
        record.denied = pacsys_supervised::decision::denied_json(decision.slots());
        let out = match decision {
            Decision::Refused { denial, .. } => {
                record.reason = Some(denial.reason.clone());
                Err(denial)
            }
            Decision::Proceed { slots } => Ok(slots),
        };
        if let Some(log) = &self.inner.audit
            && let Err(e) = log.record(record).await
        {
            tracing::error!(error = %e, "audit record lost");
        }
        Ok(out)
    }

    /// Reads judged slots: denied ones answer with their reason, the approved ones are
    /// read in one batch with their canonical DRFs. One JSON result per slot.
    async fn read_slots(&self, slots: &[Slot]) -> Vec<Json> {
        let approved: Vec<&str> = slots
            .iter()
            .filter(|s| s.is_approved())
            .map(Slot::canonical)
            .collect();
        let mut results = self
            .inner
            .backend
            .get_many(&approved, self.inner.limits.call_timeout())
            .await
            .into_iter();
        slots
            .iter()
            .map(|s| match s.decision() {
                SlotDecision::Denied { policy, reason } => json!({
                    "drf": s.drf(), "ok": false, "error": render::denied_json(policy, reason),
                }),
                _ => match results.next() {
                    Some(r) => render::read_result(s.drf(), &r),
                    None => render::failed(s.drf(), &pacsys::Error::closed()),
                },
            })
            .collect()
    }

    async fn read_device(
        &self,
        args: tools::ReadDevice,
        peer: (Option<SocketAddr>, String),
    ) -> Result<CallToolResult, ErrorData> {
        let drfs = vec![args.drf];
        match self.judge_reads(&drfs, peer).await? {
            Err(denial) => Ok(structured(refusal(&denial), false)),
            Ok(slots) => {
                let mut results = self.read_slots(&slots).await;
                let one = results.pop().unwrap_or(Json::Null);
                let ok = one["ok"] == true;
                Ok(structured(one, ok))
            }
        }
    }

    async fn read_many(
        &self,
        args: tools::ReadMany,
        peer: (Option<SocketAddr>, String),
    ) -> Result<CallToolResult, ErrorData> {
        let max = self.inner.limits.max_drfs;
        if args.drfs.is_empty() || args.drfs.len() > max {
            return Err(ErrorData::invalid_params(
                format!("read_many takes 1 to {max} DRFs, not {}", args.drfs.len()),
                None,
            ));
        }
        match self.judge_reads(&args.drfs, peer).await? {
            Err(denial) => Ok(structured(refusal(&denial), false)),
            Ok(slots) => {
                let results = self.read_slots(&slots).await;
                let failed = results.iter().filter(|r| r["ok"] != true).count();
                Ok(structured(
                    json!({ "results": results, "failed": failed }),
                    true,
                ))
            }
        }
    }

    async fn device_info(
        &self,
        args: tools::DeviceInfo,
        peer: (Option<SocketAddr>, String),
    ) -> Result<CallToolResult, ErrorData> {
        // The name passes the gate first; the properties are asked of its canonical name.
        let slot = Slot::for_read(0, &args.name).map_err(|e| gate_error(&e))?;
        let device = slot.device().to_owned();
        let drfs: Vec<String> = INFO_PROPERTIES
            .iter()
            .map(|(p, _)| format!("{device}.{p}"))
            .collect();
        let slots = match self.judge_reads(&drfs, peer).await? {
            Err(denial) => return Ok(structured(refusal(&denial), false)),
            Ok(slots) => slots,
        };
        let results = self.read_slots(&slots).await;
        let mut out = json!({ "name": device });
        let mut present = Vec::new();
        let mut missing = Vec::new();
        let mut failed = serde_json::Map::new();
        for ((prop, key), r) in INFO_PROPERTIES.iter().zip(results) {
            if r["ok"] == true {
                present.push(*prop);
                match *key {
                    "description" => out["description"] = r["value"].clone(),
                    _ => {
                        out[*key] = json!({ "value": r["value"], "units": r["units"] });
                    }
                }
            } else if is_missing_property(&r["error"]) {
                missing.push(*prop);
            } else {
                failed.insert((*prop).to_owned(), r["error"].clone());
            }
        }
        let found = !present.is_empty();
        out["properties"] = json!(present);
        out["missing"] = json!(missing);
        if !failed.is_empty() {
            out["failed"] = Json::Object(failed);
        }
        Ok(structured(out, found))
    }

    async fn read_history(
        &self,
        args: tools::ReadHistory,
        peer: (Option<SocketAddr>, String),
    ) -> Result<CallToolResult, ErrorData> {
        let limits = &self.inner.limits;
        let max_points = args.max_points.unwrap_or(limits.max_points);
        if !(2..=limits.max_points).contains(&max_points) {
            return Err(ErrorData::invalid_params(
                format!("max_points must be 2 to {}", limits.max_points),
                None,
            ));
        }
        let now = jiff::Timestamp::now();
        let bad = |e: String| ErrorData::invalid_params(e, None);
        let start = crate::times::parse_time(&args.start, now).map_err(bad)?;
        let end =
            crate::times::parse_time(args.end.as_deref().unwrap_or("now"), now).map_err(bad)?;
        if start >= end {
            return Err(bad(format!(
                "the window is empty: start {start} is not before end {end}"
            )));
        }
        // The DRF passes the gate as given; the logger request is built from its parsed form.
        let slot = Slot::for_read(0, &args.drf).map_err(|e| gate_error(&e))?;
        if slot.request().extra().is_some() {
            return Err(bad(format!(
                "{}: give the device without a `<-` source; read_history reads the logger",
                args.drf
            )));
        }
        let base = slot.request().without_event().to_canonical();
        let request = format!(
            "{base}<-LOGGER:{}:{}",
            start.as_millisecond(),
            end.as_millisecond()
        );
        let slots = match self
            .judge_reads(std::slice::from_ref(&request), peer)
            .await?
        {
            Err(denial) => return Ok(structured(refusal(&denial), false)),
            Ok(slots) => slots,
        };
        let Some(slot) = slots.first() else {
            return Err(ErrorData::internal_error("no slot", None));
        };
        if let SlotDecision::Denied { policy, reason } = slot.decision() {
            return Ok(structured(
                json!({ "drf": args.drf, "ok": false, "error": render::denied_json(policy, reason) }),
                false,
            ));
        }
        let result = self
            .inner
            .backend
            .get(slot.canonical(), limits.call_timeout())
            .await;
        let reading = match result {
            Ok(r) if r.ok() => r,
            Ok(r) if r.status == pacsys::Status::DAE_LJ_NO_DATA => {
                let mut j = summary::history(&[], max_points);
                j["drf"] = args.drf.into();
                j["ok"] = true.into();
                return Ok(structured(j, true));
            }
            Err(e) if e.status() == Some(pacsys::Status::DAE_LJ_NO_DATA) => {
                let mut j = summary::history(&[], max_points);
                j["drf"] = args.drf.into();
                j["ok"] = true.into();
                return Ok(structured(j, true));
            }
            other => return Ok(structured(render::read_result(&args.drf, &other), false)),
        };
        let mut samples: Vec<(i64, f64)> = Vec::new();
        let mut truncated = false;
        match &reading.value {
            Some(Value::TimedArray(t)) => {
                for (i, x) in t.data.iter().enumerate() {
                    if samples.len() >= limits.max_samples {
                        truncated = true;
                        break;
                    }
                    if let Some(us) = t.micros.get(i) {
                        samples.push((*us, *x));
                    }
                }
            }
            Some(v) => {
                if let (Some(x), Some(t)) = (v.as_f64(), reading.timestamp) {
                    let us = jiff::Timestamp::try_from(t).map_or(0, |t| t.as_microsecond());
                    samples.push((us, x));
                }
            }
            None => {}
        }
        let mut j = summary::history(&samples, max_points);
        j["drf"] = args.drf.into();
        j["ok"] = true.into();
        j["units"] = reading.units().into();
        j["start"] = start.to_string().into();
        j["end"] = end.to_string().into();
        if truncated {
            j["truncated"] = true.into();
        }
        Ok(structured(j, true))
    }

    async fn watch(
        &self,
        args: tools::Watch,
        peer: (Option<SocketAddr>, String),
    ) -> Result<CallToolResult, ErrorData> {
        if !(args.seconds.is_finite() && args.seconds > 0.0) {
            return Err(ErrorData::invalid_params(
                "seconds must be a positive number",
                None,
            ));
        }
        let max = self.inner.limits.max_watch();
        let asked = Duration::try_from_secs_f64(args.seconds).unwrap_or(max);
        let duration = asked.min(max);
        let slot = Slot::for_read(0, &args.drf).map_err(|e| gate_error(&e))?;
        let drf = if matches!(slot.request().event(), pacsys_drf::Event::Default) {
            slot.request()
                .with_event("p,1000")
                .map_err(|e| ErrorData::invalid_params(e.to_string(), None))?
                .to_canonical()
        } else {
            args.drf.clone()
        };
        let slots = match self.judge_reads(std::slice::from_ref(&drf), peer).await? {
            Err(denial) => return Ok(structured(refusal(&denial), false)),
            Ok(slots) => slots,
        };
        let Some(slot) = slots.first() else {
            return Err(ErrorData::internal_error("no slot", None));
        };
        if let SlotDecision::Denied { policy, reason } = slot.decision() {
            return Ok(structured(
                json!({ "drf": args.drf, "ok": false, "error": render::denied_json(policy, reason) }),
                false,
            ));
        }
        let mut sub = match self.inner.backend.subscribe(&[slot.canonical()]).await {
            Ok(s) => s,
            Err(e) => return Ok(structured(render::failed(&args.drf, &e), false)),
        };
        let started = Instant::now();
        let deadline = tokio::time::sleep(duration);
        tokio::pin!(deadline);
        let mut watch = summary::Watch::new(WATCH_LAST_VALUES);
        let mut ended = false;
        loop {
            tokio::select! {
                () = &mut deadline => break,
                event = sub.next() => match event {
                    Some(e) => watch.event(&e),
                    None => { ended = true; break; }
                },
            }
        }
        drop(sub);
        let mut j = watch.finish(started.elapsed());
        j["drf"] = drf.into();
        j["ok"] = true.into();
        j["requested_s"] = args.seconds.into();
        if asked > max {
            j["limited_to_s"] = max.as_secs_f64().into();
        }
        if ended {
            j["ended_early"] = true.into();
        }
        Ok(structured(j, true))
    }

    async fn write_device(
        &self,
        args: tools::WriteDevice,
        peer: (Option<SocketAddr>, String),
    ) -> Result<CallToolResult, ErrorData> {
        let value = args.value.clone().into_value();
        let mut record = self.record(Rpc::Set, &peer.1, vec![args.drf.clone()]);
        record.values = vec![value_json(&value)];
        let slot = match Slot::for_set(0, &args.drf, value) {
            Ok(slot) => slot,
            Err(e) => {
                record.decision = Some("denied");
                record.reason = Some(e.to_string());
                self.audit(record).await;
                return Err(gate_error(&e));
            }
        };
        let ctx = RequestContext::new(Rpc::Set, peer.0, None, false, Instant::now(), vec![slot]);
        let inner = &self.inner;
        let outcome = supervise_set(
            &*inner.backend,
            &inner.chain,
            inner.audit.as_deref(),
            ctx,
            record,
            inner.limits.call_timeout(),
        )
        .await;
        Ok(match outcome {
            SetOutcome::Refused { denial, .. } => {
                let mut j = refusal(&denial);
                j["drf"] = args.drf.into();
                structured(j, false)
            }
            SetOutcome::AuditFailed(e) => structured(
                json!({
                    "drf": args.drf, "ok": false, "decision": "refused",
                    "reason": format!("The audit log failed; the write was not sent: {e}"),
                }),
                false,
            ),
            SetOutcome::Written { slots, outcomes } => {
                let canonical = slots.first().map(|s| s.canonical().to_owned());
                match outcomes.first() {
                    Some(SlotOutcome::Written(w)) if !w.status.is_error() => structured(
                        json!({
                            "drf": args.drf, "ok": true, "written": canonical,
                            "status": render::status_json(w.status),
                        }),
                        true,
                    ),
                    Some(SlotOutcome::Written(w)) => structured(
                        json!({
                            "drf": args.drf, "ok": false, "written": canonical,
                            "error": render::error_json(&pacsys::Error::setting_rejected(&args.drf, w.status, None)),
                        }),
                        false,
                    ),
                    Some(SlotOutcome::Failed(e)) => structured(
                        json!({ "drf": args.drf, "ok": false, "error": render::error_json(e) }),
                        false,
                    ),
                    Some(SlotOutcome::Denied { policy, reason }) => {
                        let mut j = refusal(&Denial {
                            policy: policy.clone(),
                            reason: reason.clone(),
                        });
                        j["drf"] = args.drf.into();
                        structured(j, false)
                    }
                    None => structured(json!({ "drf": args.drf, "ok": false }), false),
                }
            }
        })
    }
}

/// A refusal as the assistant sees it.
fn refusal(denial: &Denial) -> Json {
    json!({
        "ok": false,
        "decision": "denied",
        "policy": denial.policy,
        "reason": denial.reason,
    })
}

/// DBM_NOPROP (16 -13) or DPM_NO_SUCH_PROP (17 -27): the device has no such property
/// (decided by the status codes, as `pacsys info`).
fn is_missing_property(error: &Json) -> bool {
    let code = (error["facility"].as_i64(), error["code"].as_i64());
    let is =
        |s: pacsys::Status| code == (Some(i64::from(s.facility())), Some(i64::from(s.error())));
    is(pacsys::Status::DBM_NOPROP) || is(pacsys::Status::DPM_NO_SUCH_PROP)
}

impl<B: Backend + 'static> ServerHandler for McpServer<B> {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("pacsys", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: McpContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::all(
            &self.inner.limits,
            self.inner.writes_enabled,
        )))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: McpContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let peer = self.peer(&context);
        let name = request.name.as_ref();
        let args = request.arguments;
        let result = match name {
            "read_device" => self.read_device(parse_args(name, args)?, peer).await,
            "read_many" => self.read_many(parse_args(name, args)?, peer).await,
            "device_info" => self.device_info(parse_args(name, args)?, peer).await,
            "read_history" => self.read_history(parse_args(name, args)?, peer).await,
            "watch" => self.watch(parse_args(name, args)?, peer).await,
            "write_device" => self.write_device(parse_args(name, args)?, peer).await,
            other => {
                let shown: String = other.chars().take(64).collect();
                Err(ErrorData::new(
                    rmcp::model::ErrorCode::METHOD_NOT_FOUND,
                    format!(
                        "unknown tool {shown:?}; the tools are read_device, read_many, device_info, read_history, watch, write_device"
                    ),
                    None,
                ))
            }
        };
        result.map(Into::into)
    }
}
