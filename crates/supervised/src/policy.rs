//! Policies: a chain of checks every request passes (spec `client-api.md` section 8).
//!
//! The rules, safer than the reference:
//!
//! * reads start approved, settings start *pending*: a setting is written only when some
//!   policy approves its slot (a [`DeviceAccessPolicy`] in allow mode with action `set` or
//!   `all`, or a custom [`Policy`] calling [`RequestContext::approve`]). No policy means
//!   all reads allowed, all writes denied; rate, value and slew policies never approve.
//! * a denial is final: once a policy denies a slot no later policy can approve it, so the
//!   order of the chain never opens a hole.
//! * policies see the parsed, canonical device names ([`Slot::names`]): spelling
//!   (`m_outtmp`, `M|OUTTMP`, case) cannot dodge a pattern.
//! * a policy can refuse the whole request ([`Denial`]) or single slots; a refused slot
//!   reports its own status and the other settings of the batch go through.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pacsys_drf::{Field, Property};
use pacsys_types::Value;

use crate::context::{ClientKey, DeviceName, RequestContext, Rpc, Slot, SlotDecision};
use crate::error::ConfigError;
use crate::pattern::DevicePattern;

/// A whole-request denial (the RPC fails with `PERMISSION_DENIED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The policy that denied.
    pub policy: String,
    /// Why.
    pub reason: String,
}

/// One check of the chain. Implement it for custom rules.
///
/// ```
/// use pacsys_supervised::context::{RequestContext, Rpc};
/// use pacsys_supervised::policy::{Denial, Policy};
///
/// /// Allows settings of `Z:` devices only outside the weekend (here: always).
/// #[derive(Debug)]
/// struct ZWrites;
///
/// impl Policy for ZWrites {
///     fn name(&self) -> &str { "ZWrites" }
///     fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
///         if ctx.rpc() == Rpc::Set {
///             let z: Vec<usize> = ctx.slots().iter()
///                 .filter(|s| s.device().starts_with("Z:"))
///                 .map(|s| s.index())
///                 .collect();
///             for i in z { ctx.approve(i); }
///         }
///         Ok(())
///     }
///     fn allows_writes(&self) -> bool { true }
/// }
/// ```
pub trait Policy: Send + Sync + fmt::Debug {
    /// A short name for logs, audit records and denial messages.
    fn name(&self) -> &str;

    /// Judges the request: `Err` refuses it whole; [`RequestContext::deny`] refuses single
    /// slots and [`RequestContext::approve`] approves settings.
    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial>;

    /// Whether this policy can approve settings (only used for the denial message).
    fn allows_writes(&self) -> bool {
        false
    }

    /// Told after a setting this chain approved was written, with whether the backend
    /// accepted it (stateful policies such as [`SlewRatePolicy`] update their history
    /// here, never for settings that were denied or failed).
    fn record_write(&self, slot: &Slot, succeeded: bool) {
        let _ = (slot, succeeded);
    }
}

/// The policies of a proxy, in order.
///
/// ```
/// use std::time::Instant;
/// use pacsys_supervised::context::{RequestContext, Rpc, Slot};
/// use pacsys_supervised::policy::PolicyChain;
/// use pacsys_types::Value;
///
/// // No policy: reads allowed, writes denied.
/// let chain = PolicyChain::new(vec![]);
/// let slots = vec![Slot::for_set(0, "G:AMANDA", Value::Scalar(1.0)).unwrap()];
/// let mut ctx = RequestContext::new(Rpc::Set, None, None, false, Instant::now(), slots);
/// chain.evaluate(&mut ctx).unwrap();
/// assert!(ctx.slots()[0].is_denied());
/// ```
#[derive(Debug, Default)]
pub struct PolicyChain {
    policies: Vec<Box<dyn Policy>>,
    /// Serialises setting batches (policy check, audit, write), so stateful policies
    /// see writes in order whatever door they came through.
    settings: tokio::sync::Mutex<()>,
}

impl PolicyChain {
    /// A chain of `policies`, run in order.
    pub fn new(policies: Vec<Box<dyn Policy>>) -> PolicyChain {
        PolicyChain {
            policies,
            settings: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for the chain's setting lock: one setting batch at a time is judged, audited
    /// and written ([`crate::decision::supervise_set`] holds it for the whole batch).
    pub async fn settings_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.settings.lock().await
    }

    /// The policies.
    pub fn policies(&self) -> &[Box<dyn Policy>] {
        &self.policies
    }

    /// Runs every policy; the first whole-request denial stops the chain. Afterwards every
    /// setting slot still pending is denied ("no policy approves").
    pub fn evaluate(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        for p in &self.policies {
            p.check(ctx)?;
        }
        if ctx.rpc() == Rpc::Set {
            let any_writer = self.policies.iter().any(|p| p.allows_writes());
            let pending: Vec<(usize, String)> = ctx
                .slots()
                .iter()
                .filter(|s| *s.decision() == SlotDecision::Pending)
                .map(|s| (s.index(), s.device().to_owned()))
                .collect();
            for (i, device) in pending {
                let reason = if any_writer {
                    format!("No write policy approves {device}")
                } else {
                    "No policy explicitly allows write operations".to_owned()
                };
                ctx.deny(i, "default-deny", reason);
            }
        }
        Ok(())
    }

    /// Tells every policy the outcome of an approved setting.
    pub fn record_write(&self, slot: &Slot, succeeded: bool) {
        for p in &self.policies {
            p.record_write(slot, succeeded);
        }
    }
}

/// Which RPCs a policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Reads only.
    Read,
    /// Settings only.
    Set,
    /// Both (the default).
    #[default]
    All,
}

impl Action {
    fn covers(self, rpc: Rpc) -> bool {
        matches!(
            (self, rpc),
            (Action::All, _) | (Action::Read, Rpc::Read) | (Action::Set, Rpc::Set)
        )
    }
}

/// Whether any of `patterns` matches any name of the slot (used to deny and to select).
fn any_name_matches(patterns: &[DevicePattern], slot: &Slot) -> bool {
    slot.names().iter().any(|n| name_matches(patterns, n))
}

/// Whether every name of the slot is matched by some pattern (used to approve: an
/// ambiguous non-ACNET name must be allowed under each of its readings).
fn all_names_match(patterns: &[DevicePattern], slot: &Slot) -> bool {
    !slot.names().is_empty() && slot.names().iter().all(|n| name_matches(patterns, n))
}

fn name_matches(patterns: &[DevicePattern], name: &DeviceName) -> bool {
    patterns.iter().any(|p| match name {
        DeviceName::Acnet(s) => p.matches_acnet(s),
        DeviceName::Verbatim(s) => p.matches_verbatim(s),
    })
}

/// Denies every setting ("Write operations disabled").
///
/// ```
/// use pacsys_supervised::policy::{Policy, ReadOnlyPolicy};
/// assert_eq!(ReadOnlyPolicy.name(), "ReadOnly");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnlyPolicy;

impl Policy for ReadOnlyPolicy {
    fn name(&self) -> &str {
        "ReadOnly"
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        if ctx.rpc() == Rpc::Set {
            return Err(Denial {
                policy: self.name().to_owned(),
                reason: "Write operations disabled".to_owned(),
            });
        }
        Ok(())
    }
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Approve matching settings (reads are allowed anyway).
    Allow,
    /// Deny matching slots.
    Deny,
}

/// Allows or denies devices by name pattern.
///
/// * deny: every slot whose device matches (under any of its names) is denied with
///   "Device X is denied"; other slots are untouched.
/// * allow (action `set` or `all`): settings whose device matches (under all of its names)
///   are approved. Allow with action `read` is refused as a no-op (reads are allowed
///   unless denied).
///
/// ```
/// use pacsys_supervised::pattern::{DevicePattern, Syntax};
/// use pacsys_supervised::policy::{Action, DeviceAccessPolicy, Mode};
///
/// let p = DeviceAccessPolicy::new(
///     vec![DevicePattern::new("G:AMANDA", Syntax::Glob)?],
///     Mode::Allow,
///     Action::Set,
/// )?;
/// assert!(DeviceAccessPolicy::new(vec![], Mode::Allow, Action::Read).is_err());
/// # drop(p);
/// # Ok::<(), pacsys_supervised::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct DeviceAccessPolicy {
    patterns: Vec<DevicePattern>,
    mode: Mode,
    action: Action,
}

impl DeviceAccessPolicy {
    /// A device access policy.
    pub fn new(
        patterns: Vec<DevicePattern>,
        mode: Mode,
        action: Action,
    ) -> Result<DeviceAccessPolicy, ConfigError> {
        if mode == Mode::Allow && action == Action::Read {
            return Err(ConfigError::Policy(
                "device_access allow with action read is a no-op (reads are allowed unless denied); use mode deny".into(),
            ));
        }
        if patterns.is_empty() {
            return Err(ConfigError::Policy(
                "device_access needs at least one pattern".into(),
            ));
        }
        Ok(DeviceAccessPolicy {
            patterns,
            mode,
            action,
        })
    }
}

impl Policy for DeviceAccessPolicy {
    fn name(&self) -> &str {
        match self.mode {
            Mode::Allow => "DeviceAccess(allow)",
            Mode::Deny => "DeviceAccess(deny)",
        }
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        if !self.action.covers(ctx.rpc()) {
            return Ok(());
        }
        let name = self.name().to_owned();
        let rpc = ctx.rpc();
        let hits: Vec<(usize, String)> = ctx
            .slots()
            .iter()
            .filter(|s| match self.mode {
                Mode::Deny => any_name_matches(&self.patterns, s),
                Mode::Allow => all_names_match(&self.patterns, s),
            })
            .map(|s| (s.index(), s.device().to_owned()))
            .collect();
        for (i, device) in hits {
            match (self.mode, rpc) {
                (Mode::Deny, _) => ctx.deny(i, &name, format!("Device {device} is denied")),
                (Mode::Allow, Rpc::Set) => ctx.approve(i),
                (Mode::Allow, Rpc::Read) => {}
            }
        }
        Ok(())
    }

    fn allows_writes(&self) -> bool {
        self.mode == Mode::Allow
    }
}

/// What a rate limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateScope {
    /// Requests per client (peer IP, plus the verified token subject): an exceeding
    /// request is refused whole.
    #[default]
    Client,
    /// Requests per client and device (each distinct device of a request counts once): an
    /// exceeding device's slots are denied, the rest of the request goes on.
    ClientDevice,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Limits how often a client may call: at most `max_requests` per `window`, as a token
/// bucket (bursts up to `max_requests`, refilled at `max_requests / window`). Keyed by the
/// peer IP without its port, so reconnecting does not reset it. Idle keys are pruned, so
/// memory stays bounded by the clients active within a window.
///
/// ```
/// use std::time::Duration;
/// use pacsys_supervised::policy::{Action, RateLimitPolicy, RateScope};
///
/// let p = RateLimitPolicy::new(10, Duration::from_secs(60), RateScope::Client, Action::All, vec![])?;
/// # drop(p);
/// # Ok::<(), pacsys_supervised::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct RateLimitPolicy {
    max: f64,
    window: Duration,
    scope: RateScope,
    action: Action,
    devices: Vec<DevicePattern>,
    state: Mutex<RateState>,
}

#[derive(Debug, Default)]
struct RateState {
    buckets: HashMap<(ClientKey, Option<String>), Bucket>,
    prune_at: usize,
}

impl RateLimitPolicy {
    /// A rate limit. `devices` (optional) restricts it to matching devices.
    pub fn new(
        max_requests: u32,
        window: Duration,
        scope: RateScope,
        action: Action,
        devices: Vec<DevicePattern>,
    ) -> Result<RateLimitPolicy, ConfigError> {
        if max_requests == 0 || window.is_zero() {
            return Err(ConfigError::Policy(
                "rate_limit needs max_requests > 0 and window_seconds > 0".into(),
            ));
        }
        Ok(RateLimitPolicy {
            max: f64::from(max_requests),
            window,
            scope,
            action,
            devices,
            state: Mutex::new(RateState {
                buckets: HashMap::new(),
                prune_at: 1024,
            }),
        })
    }

    fn reason(&self) -> String {
        format!(
            "Rate limit exceeded ({} per {}s)",
            self.max,
            self.window.as_secs_f64()
        )
    }

    /// Takes one token from the bucket of `key`; `false` when empty.
    fn take(&self, state: &mut RateState, key: (ClientKey, Option<String>), now: Instant) -> bool {
        let rate = self.max / self.window.as_secs_f64();
        if state.buckets.len() >= state.prune_at {
            let window = self.window;
            state
                .buckets
                .retain(|_, b| now.saturating_duration_since(b.last) < window);
            state.prune_at = (state.buckets.len() * 2).max(1024);
        }
        let bucket = state.buckets.entry(key).or_insert(Bucket {
            tokens: self.max,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(self.max);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How many keys are tracked now (for tests of the memory bound).
    pub fn tracked_keys(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .buckets
            .len()
    }
}

impl Policy for RateLimitPolicy {
    fn name(&self) -> &str {
        "RateLimit"
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        if !self.action.covers(ctx.rpc()) {
            return Ok(());
        }
        let client = ctx.client_key();
        let now = ctx.now();
        let selected: Vec<(usize, String)> = ctx
            .slots()
            .iter()
            .filter(|s| self.devices.is_empty() || any_name_matches(&self.devices, s))
            .map(|s| (s.index(), s.device().to_owned()))
            .collect();
        if selected.is_empty() {
            return Ok(());
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match self.scope {
            RateScope::Client => {
                if self.take(&mut state, (client, None), now) {
                    Ok(())
                } else {
                    Err(Denial {
                        policy: self.name().to_owned(),
                        reason: self.reason(),
                    })
                }
            }
            RateScope::ClientDevice => {
                let mut verdicts: HashMap<String, bool> = HashMap::new();
                for (_, device) in &selected {
                    if !verdicts.contains_key(device) {
                        let ok = self.take(&mut state, (client.clone(), Some(device.clone())), now);
                        verdicts.insert(device.clone(), ok);
                    }
                }
                drop(state);
                let reason = self.reason();
                for (i, device) in selected {
                    if verdicts.get(&device) == Some(&false) {
                        ctx.deny(i, "RateLimit", format!("{reason} for {device}"));
                    }
                }
                Ok(())
            }
        }
    }
}

/// The numbers of a setting value, if it is numeric (scalar or array).
fn numbers(v: &Value) -> Option<&[f64]> {
    match v {
        Value::Scalar(x) => Some(std::slice::from_ref(x)),
        Value::Array(xs) => Some(xs),
        _ => None,
    }
}

/// Whether a setting targets raw data (raw bytes or a RAW/PRIMARY/raw-limit field).
fn is_raw_write(slot: &Slot) -> bool {
    matches!(slot.value(), Some(Value::Raw(_)))
        || matches!(
            slot.request().field(),
            Some(
                Field::Raw
                    | Field::Primary
                    | Field::RawMin
                    | Field::RawMax
                    | Field::RawNom
                    | Field::RawTol
            )
        )
}

/// Limits the values settings may have, per device pattern.
///
/// For a setting whose device matches one or more limits: every matching `[lo, hi]` applies
/// (their intersection; an empty one denies); the value must be numeric (a scalar or every
/// element of an array) and finite; raw data (bytes, `.RAW`, `.PRIMARY`/`VOLTS`, raw limit
/// fields) is denied unless the device matches `allow_raw`. CONTROL commands are not
/// values and pass. Never approves anything.
///
/// ```
/// use pacsys_supervised::pattern::{DevicePattern, Syntax};
/// use pacsys_supervised::policy::ValueRangePolicy;
///
/// let p = ValueRangePolicy::new(
///     vec![(DevicePattern::new("G:AMANDA", Syntax::Glob)?, 0.0, 100.0)],
///     vec![],
/// )?;
/// # drop(p);
/// # Ok::<(), pacsys_supervised::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct ValueRangePolicy {
    limits: Vec<(DevicePattern, f64, f64)>,
    allow_raw: Vec<DevicePattern>,
}

impl ValueRangePolicy {
    /// A value-range policy; every limit needs finite `lo <= hi`.
    pub fn new(
        limits: Vec<(DevicePattern, f64, f64)>,
        allow_raw: Vec<DevicePattern>,
    ) -> Result<ValueRangePolicy, ConfigError> {
        for (p, lo, hi) in &limits {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(ConfigError::Policy(format!(
                    "value_range for {p}: need finite min <= max, got [{lo}, {hi}]"
                )));
            }
        }
        Ok(ValueRangePolicy { limits, allow_raw })
    }

    fn judge(&self, slot: &Slot) -> Result<(), String> {
        let matching: Vec<(f64, f64)> = self
            .limits
            .iter()
            .filter(|(p, _, _)| any_name_matches(std::slice::from_ref(p), slot))
            .map(|(_, lo, hi)| (*lo, *hi))
            .collect();
        if matching.is_empty() || slot.property() == Property::Control {
            return Ok(());
        }
        let device = slot.device();
        if is_raw_write(slot) {
            if any_name_matches(&self.allow_raw, slot) {
                return Ok(());
            }
            return Err(format!("Raw settings of {device} are not allowed"));
        }
        let lo = matching
            .iter()
            .map(|l| l.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let hi = matching.iter().map(|l| l.1).fold(f64::INFINITY, f64::min);
        if lo > hi {
            return Err(format!(
                "No value is allowed for {device} (limits do not overlap)"
            ));
        }
        let Some(xs) = slot.value().and_then(numbers) else {
            return Err(format!(
                "Only numeric values may be set on {device} (got {})",
                slot.value().map_or("nothing", Value::kind_name)
            ));
        };
        for x in xs {
            if !x.is_finite() {
                return Err(format!("Non-finite value for {device}"));
            }
            if *x < lo || *x > hi {
                return Err(format!("Value {x} for {device} is outside [{lo}, {hi}]"));
            }
        }
        Ok(())
    }
}

impl Policy for ValueRangePolicy {
    fn name(&self) -> &str {
        "ValueRange"
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        if ctx.rpc() != Rpc::Set {
            return Ok(());
        }
        let denied: Vec<(usize, String)> = ctx
            .slots()
            .iter()
            .filter_map(|s| self.judge(s).err().map(|r| (s.index(), r)))
            .collect();
        for (i, reason) in denied {
            ctx.deny(i, "ValueRange", reason);
        }
        Ok(())
    }
}

/// The largest change one setting may make.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Deserialize)]
pub struct SlewLimit {
    /// Largest absolute change from the last written value.
    pub max_step: Option<f64>,
    /// Largest change per second since the last written value.
    pub max_rate: Option<f64>,
}

/// Limits how fast settings may change a device (mirror-only in the reference).
///
/// The last value written through this proxy is remembered per write target (canonical
/// setting DRF) and updated only after the backend accepted the write. The first setting
/// of a target passes (nothing to compare with); within one batch each setting is compared
/// with the previous approved one of the same target. Values must be numeric and finite;
/// arrays are compared element by element and may not change length.
///
/// ```
/// use pacsys_supervised::pattern::{DevicePattern, Syntax};
/// use pacsys_supervised::policy::{SlewLimit, SlewRatePolicy};
///
/// let p = SlewRatePolicy::new(vec![(
///     DevicePattern::new("G:AMANDA", Syntax::Glob)?,
///     SlewLimit { max_step: Some(5.0), max_rate: None },
/// )])?;
/// # drop(p);
/// # Ok::<(), pacsys_supervised::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct SlewRatePolicy {
    limits: Vec<(DevicePattern, SlewLimit)>,
    history: Mutex<HashMap<String, (Vec<f64>, Instant)>>,
}

impl SlewRatePolicy {
    /// A slew-rate policy; each limit needs a positive finite step or rate.
    pub fn new(limits: Vec<(DevicePattern, SlewLimit)>) -> Result<SlewRatePolicy, ConfigError> {
        for (p, l) in &limits {
            let ok = |v: Option<f64>| v.is_none_or(|x| x.is_finite() && x > 0.0);
            if (l.max_step.is_none() && l.max_rate.is_none()) || !ok(l.max_step) || !ok(l.max_rate)
            {
                return Err(ConfigError::Policy(format!(
                    "slew_rate for {p}: give a positive max_step and/or max_rate"
                )));
            }
        }
        Ok(SlewRatePolicy {
            limits,
            history: Mutex::new(HashMap::new()),
        })
    }

    fn limit_for(&self, slot: &Slot) -> Option<SlewLimit> {
        let mut found: Option<SlewLimit> = None;
        for (p, l) in &self.limits {
            if any_name_matches(std::slice::from_ref(p), slot) {
                // Several matching limits: the tightest of each kind applies.
                let min = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                found = Some(match found {
                    None => *l,
                    Some(f) => SlewLimit {
                        max_step: min(f.max_step, l.max_step),
                        max_rate: min(f.max_rate, l.max_rate),
                    },
                });
            }
        }
        found
    }
}

impl Policy for SlewRatePolicy {
    fn name(&self) -> &str {
        "SlewRate"
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        if ctx.rpc() != Rpc::Set {
            return Ok(());
        }
        let now = ctx.now();
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch: HashMap<String, (Vec<f64>, Instant)> = HashMap::new();
        let mut denied = Vec::new();
        for slot in ctx.slots() {
            if slot.is_denied() || slot.property() == Property::Control {
                continue;
            }
            let Some(limit) = self.limit_for(slot) else {
                continue;
            };
            let device = slot.device();
            let Some(xs) = slot.value().and_then(numbers) else {
                denied.push((
                    slot.index(),
                    format!("Only numeric values may be set on {device}"),
                ));
                continue;
            };
            if xs.iter().any(|x| !x.is_finite()) {
                denied.push((slot.index(), format!("Non-finite value for {device}")));
                continue;
            }
            let key = slot.canonical().to_owned();
            let prior = batch.get(&key).or_else(|| history.get(&key));
            if let Some((last, at)) = prior {
                if last.len() != xs.len() {
                    denied.push((slot.index(), format!("Array length of {device} changed")));
                    continue;
                }
                let step = last
                    .iter()
                    .zip(xs)
                    .map(|(a, b)| (b - a).abs())
                    .fold(0.0, f64::max);
                if let Some(max) = limit.max_step
                    && step > max
                {
                    denied.push((
                        slot.index(),
                        format!("Change of {step} on {device} exceeds the step limit {max}"),
                    ));
                    continue;
                }
                if let Some(max) = limit.max_rate {
                    let secs = now.saturating_duration_since(*at).as_secs_f64();
                    let rate = if secs > 0.0 {
                        step / secs
                    } else if step > 0.0 {
                        f64::INFINITY
                    } else {
                        0.0
                    };
                    if rate > max {
                        denied.push((
                            slot.index(),
                            format!("Change rate {rate:.3}/s on {device} exceeds {max}/s"),
                        ));
                        continue;
                    }
                }
            }
            batch.insert(key, (xs.to_vec(), now));
        }
        drop(history);
        for (i, reason) in denied {
            ctx.deny(i, "SlewRate", reason);
        }
        Ok(())
    }

    fn record_write(&self, slot: &Slot, succeeded: bool) {
        if !succeeded || self.limit_for(slot).is_none() {
            return;
        }
        if let Some(xs) = slot.value().and_then(numbers) {
            self.history
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(slot.canonical().to_owned(), (xs.to_vec(), Instant::now()));
        }
    }
}
