//! The decision procedure of one request, in one place: the gRPC service and the MCP
//! server (`pacsys-mcp`) both call it, so a setting is judged, audited and written the same
//! way whichever door it came through.
//!
//! * [`decide`]: non-finite setting values are denied, the [policy chain](PolicyChain)
//!   runs, and a request whose every slot is denied is refused whole.
//! * [`supervise_set`]: the whole life of a setting batch, one batch at a time per chain:
//!   [`decide`], the decision record written **and flushed** to the audit log (a refusal
//!   too), the backend called with the **canonical** DRFs of the approved slots only, the
//!   chain told each outcome ([`PolicyChain::record_write`]), and the result record queued.

use std::time::Duration;

use pacsys::{Backend, Error as BackendError, Status, WriteResult};

use crate::audit::{AuditError, AuditLog, AuditRecord};
use crate::context::{RequestContext, Rpc, Slot, SlotDecision};
use crate::policy::{Denial, PolicyChain};

/// The status a policy-denied slot reports (DPM_PRIV, "not privileged to set"), as a real
/// DPM reports an unauthorised setting.
pub const DENIED_STATUS: Status = Status::DPM_PRIV;

/// What [`decide`] concluded.
#[derive(Debug, Clone)]
pub enum Decision {
    /// The whole request is refused: by the gate of a value, a policy's whole-request
    /// denial, or because every slot was denied (then `slots` holds them with their
    /// reasons; after a whole-request denial it is empty).
    Refused {
        /// The policy and reason given to the caller.
        denial: Denial,
        /// The judged slots, when the refusal came from per-slot denials.
        slots: Vec<Slot>,
    },
    /// At least one slot goes ahead; denied slots report their own status.
    Proceed {
        /// Every slot, approved or denied.
        slots: Vec<Slot>,
    },
}

impl Decision {
    /// The audit label: `"denied"`, `"partial"` or `"allowed"`.
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Refused { .. } => "denied",
            Decision::Proceed { slots } if slots.iter().any(Slot::is_denied) => "partial",
            Decision::Proceed { .. } => "allowed",
        }
    }

    /// The judged slots (empty after a whole-request denial).
    pub fn slots(&self) -> &[Slot] {
        match self {
            Decision::Refused { slots, .. } | Decision::Proceed { slots } => slots,
        }
    }
}

/// Judges a request: settings with a NaN or infinite value are denied (their own slot),
/// the chain runs (a whole-request denial stops it; pending settings end denied), and a
/// request with no slot left is refused with the first slot's reason.
///
/// ```
/// use std::time::Instant;
/// use pacsys_supervised::context::{RequestContext, Rpc, Slot};
/// use pacsys_supervised::decision::{Decision, decide};
/// use pacsys_supervised::policy::PolicyChain;
/// use pacsys_types::Value;
///
/// let chain = PolicyChain::new(vec![]); // no policy: reads allowed, writes denied
/// let read = vec![Slot::for_read(0, "M:OUTTMP")?];
/// let ctx = RequestContext::new(Rpc::Read, None, None, false, Instant::now(), read);
/// assert_eq!(decide(&chain, ctx).label(), "allowed");
/// let set = vec![Slot::for_set(0, "G:AMANDA", Value::Scalar(1.0))?];
/// let ctx = RequestContext::new(Rpc::Set, None, None, false, Instant::now(), set);
/// let Decision::Refused { denial, .. } = decide(&chain, ctx) else { panic!("approved") };
/// assert_eq!(denial.reason, "No policy explicitly allows write operations");
/// # Ok::<(), pacsys_supervised::context::GateError>(())
/// ```
pub fn decide(chain: &PolicyChain, mut ctx: RequestContext) -> Decision {
    let non_finite: Vec<usize> = ctx
        .slots()
        .iter()
        .filter(|x| x.value().is_some_and(is_non_finite))
        .map(Slot::index)
        .collect();
    for i in non_finite {
        ctx.deny(i, "gate", "Non-finite value (NaN or infinity) refused");
    }
    if let Err(denial) = chain.evaluate(&mut ctx) {
        return Decision::Refused {
            denial,
            slots: Vec::new(),
        };
    }
    let slots = ctx.into_slots();
    if slots.iter().all(Slot::is_denied) {
        let denial = slots
            .iter()
            .find_map(|s| match s.decision() {
                SlotDecision::Denied { policy, reason } => Some(Denial {
                    policy: policy.clone(),
                    reason: reason.clone(),
                }),
                _ => None,
            })
            .unwrap_or_else(|| Denial {
                policy: "gate".to_owned(),
                reason: "Empty request".to_owned(),
            });
        return Decision::Refused { denial, slots };
    }
    Decision::Proceed { slots }
}

fn is_non_finite(v: &pacsys::Value) -> bool {
    match v {
        pacsys::Value::Scalar(x) => !x.is_finite(),
        pacsys::Value::Array(xs) => xs.iter().any(|x| !x.is_finite()),
        _ => false,
    }
}

/// The per-slot denials as audit JSON: `{"index", "policy", "reason"}`.
pub fn denied_json(slots: &[Slot]) -> Vec<serde_json::Value> {
    slots
        .iter()
        .filter_map(|s| match s.decision() {
            SlotDecision::Denied { policy, reason } => Some(serde_json::json!({
                "index": s.index(),
                "policy": policy,
                "reason": reason,
            })),
            _ => None,
        })
        .collect()
}

/// A failed slot of a backend batch as an ACNET status and message: the status the server
/// sent (a device error or a refused setting) with no message, else the reference's
/// timeout or generic status with the error's message.
pub fn slot_status(e: &BackendError) -> (Status, String) {
    match e.status() {
        Some(status) => (status, String::new()),
        None => (e.reported_status(), e.to_string()),
    }
}

/// What became of one setting of a supervised batch.
#[derive(Debug, Clone)]
pub enum SlotOutcome {
    /// A policy (or the gate of values) denied it; nothing was sent.
    Denied {
        /// The policy.
        policy: String,
        /// Why.
        reason: String,
    },
    /// The backend answered (success, a warning, or an error status it reported).
    Written(WriteResult),
    /// The backend call failed for this slot.
    Failed(BackendError),
}

impl SlotOutcome {
    /// The status and message the slot reports: DPM_PRIV with `Denied by <policy>:
    /// <reason>` for a denial, the backend's status otherwise.
    pub fn status(&self) -> (Status, String) {
        match self {
            SlotOutcome::Denied { policy, reason } => {
                (DENIED_STATUS, format!("Denied by {policy}: {reason}"))
            }
            SlotOutcome::Written(w) => (w.status, String::new()),
            SlotOutcome::Failed(e) => slot_status(e),
        }
    }

    /// Whether the setting was applied (a success or warning status).
    pub fn succeeded(&self) -> bool {
        matches!(self, SlotOutcome::Written(w) if !w.status.is_error())
    }
}

/// What [`supervise_set`] did with a setting batch.
#[derive(Debug)]
pub enum SetOutcome {
    /// Refused whole; the decision record was written. Nothing was sent.
    Refused {
        /// The policy and reason.
        denial: Denial,
        /// The judged slots when every slot was denied (empty after a whole-request denial).
        slots: Vec<Slot>,
    },
    /// Approved, but the audit log could not record the decision: nothing was sent.
    AuditFailed(AuditError),
    /// The approved settings were sent; one outcome per slot, in request order.
    Written {
        /// Every slot, approved or denied.
        slots: Vec<Slot>,
        /// The outcome of each slot (same order as `slots`).
        outcomes: Vec<SlotOutcome>,
    },
}

/// Judges a setting batch and, if any slot is approved, writes it: one batch at a time per
/// chain ([`PolicyChain::settings_lock`]), so stateful policies see writes in order.
///
/// `record` is the caller's decision record (id, peer, subject, DRFs and values as sent);
/// its `decision`, `reason` and `denied` are filled here. It is written and flushed before
/// anything is sent (a refusal's record too, so the caller's answer never precedes its
/// audit line). With `audit` absent nothing is recorded.
pub async fn supervise_set<B: Backend>(
    backend: &B,
    chain: &PolicyChain,
    audit: Option<&AuditLog>,
    ctx: RequestContext,
    mut record: AuditRecord,
    timeout: Option<Duration>,
) -> SetOutcome {
    debug_assert_eq!(ctx.rpc(), Rpc::Set);
    let started = ctx.now();
    let _guard = chain.settings_lock().await;
    let decision = decide(chain, ctx);
    record.decision = Some(decision.label());
    record.denied = denied_json(decision.slots());
    let slots = match decision {
        Decision::Refused { denial, slots } => {
            record.reason = Some(denial.reason.clone());
            if let Some(log) = audit
                && let Err(e) = log.record_durable(record).await
            {
                tracing::error!(error = %e, "audit record of a refused setting lost");
            }
            return SetOutcome::Refused { denial, slots };
        }
        Decision::Proceed { slots } => slots,
    };
    let peer = record.peer.clone();
    let id = record.id;
    if let Some(log) = audit
        && let Err(e) = log.record_durable(record).await
    {
        tracing::error!(error = %e, "audit log failed; setting refused");
        return SetOutcome::AuditFailed(e);
    }
    let approved: Vec<&Slot> = slots.iter().filter(|x| x.is_approved()).collect();
    let settings: Vec<(&str, pacsys::Value)> = approved
        .iter()
        .filter_map(|x| Some((x.canonical(), x.value()?.clone())))
        .collect();
    let results = backend.write_many(&settings, timeout).await;
    let mut by_index: Vec<Option<SlotOutcome>> = vec![None; slots.len()];
    for (slot, result) in approved.iter().zip(results) {
        let outcome = match result {
            Ok(w) => SlotOutcome::Written(w),
            Err(e) => SlotOutcome::Failed(e),
        };
        chain.record_write(slot, outcome.succeeded());
        if let Some(place) = by_index.get_mut(slot.index()) {
            *place = Some(outcome);
        }
    }
    let outcomes: Vec<SlotOutcome> = slots
        .iter()
        .zip(by_index)
        .map(|(slot, outcome)| match slot.decision() {
            SlotDecision::Denied { policy, reason } => SlotOutcome::Denied {
                policy: policy.clone(),
                reason: reason.clone(),
            },
            _ => outcome.unwrap_or_else(|| {
                SlotOutcome::Failed(BackendError::closed().with_note("no result from the backend"))
            }),
        })
        .collect();
    if let Some(log) = audit {
        let statuses = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let (status, message) = o.status();
                serde_json::json!({
                    "index": i,
                    "facility": status.facility(),
                    "error": status.error(),
                    "message": message,
                })
            })
            .collect();
        let result = AuditRecord {
            id,
            event: "result",
            rpc: Rpc::Set.name(),
            peer,
            result: Some("OK".into()),
            statuses,
            elapsed_ms: Some(started.elapsed().as_secs_f64() * 1e3),
            ..AuditRecord::default()
        };
        if let Err(e) = log.record(result).await {
            tracing::error!(error = %e, "audit record lost");
        }
    }
    SetOutcome::Written { slots, outcomes }
}
