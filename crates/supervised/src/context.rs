//! What a policy sees: the request parsed once ([`Slot`]s), who sent it, and the decision
//! so far ([`RequestContext`]).
//!
//! Every DRF passes the gate ([`Slot::for_read`] / [`Slot::for_set`]) before any policy
//! runs: it must be printable ASCII, parse, and must not be a list directive (`#ROLE:x`),
//! a device-index alias (`0:1234`, `#:1234`) or a routing extra. The proxy then forwards
//! the *canonical* text of the parsed request, so the backend acts on exactly what the
//! policies judged: no spelling the policies did not see can reach it.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use pacsys_drf::{ExtraKind, Property, Request};
use pacsys_types::Value;

/// Longest DRF the gate accepts, in bytes.
pub const MAX_DRF_LEN: usize = 512;

/// Which RPC a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Rpc {
    /// `services.daq.DAQ/Read` (one-shot or streaming reads).
    Read,
    /// `services.daq.DAQ/Set` (settings).
    Set,
}

impl Rpc {
    /// `"Read"` or `"Set"`.
    pub fn name(self) -> &'static str {
        match self {
            Rpc::Read => "Read",
            Rpc::Set => "Set",
        }
    }
}

/// A name a slot's device is known by, for pattern matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceName {
    /// A canonical ACNET name (`M:OUTTMP`), matched ignoring case.
    Acnet(String),
    /// A non-ACNET (EPICS) name, matched verbatim.
    Verbatim(String),
}

impl DeviceName {
    /// The name text.
    pub fn as_str(&self) -> &str {
        match self {
            DeviceName::Acnet(s) | DeviceName::Verbatim(s) => s,
        }
    }
}

/// The decision on one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotDecision {
    /// Allowed (reads start here).
    Approved,
    /// Not approved yet (settings start here: a setting needs a policy to approve it).
    Pending,
    /// Denied; a denial is final, no later policy can approve the slot again.
    Denied {
        /// The policy that denied it.
        policy: String,
        /// Why.
        reason: String,
    },
}

/// Why the gate refused a DRF (the whole request is refused with `PERMISSION_DENIED`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Malformed or disallowed DRF: {drf:?} ({why})")]
pub struct GateError {
    /// The DRF as sent (truncated to 80 characters).
    pub drf: String,
    /// Why.
    pub why: String,
}

/// One DRF of a request, parsed once and judged by the policies.
#[derive(Debug, Clone)]
pub struct Slot {
    index: usize,
    drf: String,
    request: Request,
    canonical: String,
    names: Vec<DeviceName>,
    value: Option<Value>,
    decision: SlotDecision,
}

fn refuse(drf: &str, why: impl Into<String>) -> GateError {
    let mut shown: String = drf.chars().take(80).collect();
    if drf.len() > 80 {
        shown.push_str("...");
    }
    GateError {
        drf: shown,
        why: why.into(),
    }
}

/// The ACNET reading of a name, if it has the shape of one (`m_outtmp` -> `M:OUTTMP`):
/// first character, a qualifier, then name characters.
fn acnet_shape(name: &str) -> Option<String> {
    let b = name.as_bytes();
    if b.len() < 3 || b.len() > 64 {
        return None;
    }
    let first = *b.first()?;
    let qualifier = *b.get(1)?;
    let first_ok = first.is_ascii_alphanumeric() || first == b'#';
    let qual_ok = matches!(
        qualifier,
        b':' | b'?' | b'_' | b'|' | b'&' | b'@' | b'$' | b'~' | b'^' | b'#' | b'!'
    );
    let rest_ok = b.get(2..).is_some_and(|r| {
        r.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-'))
    });
    if !(first_ok && qual_ok && rest_ok) {
        return None;
    }
    let mut out = String::with_capacity(b.len());
    out.push(char::from(first.to_ascii_uppercase()));
    out.push(':');
    out.push_str(&name.get(2..)?.to_ascii_uppercase());
    Some(out)
}

/// Whether a canonical ACNET-shaped name is a device-index alias (`0:1234`, `#:1234`) or
/// starts with a digit.
fn is_index_alias(name: &str) -> bool {
    name.as_bytes()
        .first()
        .is_some_and(|&b| b.is_ascii_digit() || b == b'#')
}

impl Slot {
    fn gate(index: usize, drf: &str) -> Result<Request, GateError> {
        if drf.is_empty() {
            return Err(refuse(drf, "empty"));
        }
        if drf.len() > MAX_DRF_LEN {
            return Err(refuse(drf, format!("longer than {MAX_DRF_LEN} bytes")));
        }
        if let Some(b) = drf.bytes().find(|b| !(0x21..=0x7e).contains(b)) {
            return Err(refuse(
                drf,
                format!("byte 0x{b:02x} is not printable ASCII (no spaces or padding)"),
            ));
        }
        if drf.starts_with('#') {
            return Err(refuse(drf, "list directives (#...) are not accepted"));
        }
        let request = Request::parse(drf).map_err(|e| refuse(drf, e.to_string()))?;
        let _ = index;
        Ok(request)
    }

    fn build(
        index: usize,
        drf: &str,
        request: Request,
        value: Option<Value>,
    ) -> Result<Slot, GateError> {
        let device = request.device().to_owned();
        let mut names = Vec::with_capacity(2);
        if request.is_acnet() {
            if is_index_alias(&device) {
                return Err(refuse(
                    drf,
                    "device-index aliases are not accepted; use the device name",
                ));
            }
            names.push(DeviceName::Acnet(device));
        } else {
            if device.starts_with('#') {
                return Err(refuse(drf, "list directives (#...) are not accepted"));
            }
            if let Some(acnet) = acnet_shape(&device) {
                if is_index_alias(&acnet) {
                    return Err(refuse(
                        drf,
                        "device-index aliases are not accepted; use the device name",
                    ));
                }
                names.push(DeviceName::Acnet(acnet));
            }
            names.push(DeviceName::Verbatim(device));
        }
        if let Some(extra) = request.extra()
            && matches!(extra.kind(), ExtraKind::Redir | ExtraKind::Mirror)
        {
            return Err(refuse(
                drf,
                "routing extras (<-REDIR, <-MIRROR) are not accepted",
            ));
        }
        let canonical = request.to_canonical();
        Ok(Slot {
            index,
            drf: drf.to_owned(),
            request,
            canonical,
            names,
            value,
            decision: SlotDecision::Approved,
        })
    }

    /// Parses a DRF of a `Read` through the gate. The slot starts approved.
    ///
    /// ```
    /// use pacsys_supervised::context::Slot;
    ///
    /// let s = Slot::for_read(0, "m|outtmp@p,1000")?;
    /// assert_eq!(s.canonical(), "M:OUTTMP.STATUS@p,1000");
    /// assert!(Slot::for_read(0, "0:1234").is_err());
    /// assert!(Slot::for_read(0, "#ROLE:admin").is_err());
    /// assert!(Slot::for_read(0, " M:OUTTMP").is_err());
    /// # Ok::<(), pacsys_supervised::context::GateError>(())
    /// ```
    pub fn for_read(index: usize, drf: &str) -> Result<Slot, GateError> {
        let request = Slot::gate(index, drf)?;
        Slot::build(index, drf, request, None)
    }

    /// Parses a DRF of a `Set` through the gate and rewrites it for writing (READING ->
    /// SETTING, STATUS -> CONTROL, `@N`). Extras are refused. The slot starts pending.
    ///
    /// ```
    /// use pacsys_supervised::context::Slot;
    /// use pacsys_types::Value;
    ///
    /// let s = Slot::for_set(0, "g_amanda", Value::Scalar(1.0))?;
    /// assert_eq!(s.canonical(), "G:AMANDA.SETTING@N");
    /// # Ok::<(), pacsys_supervised::context::GateError>(())
    /// ```
    pub fn for_set(index: usize, drf: &str, value: Value) -> Result<Slot, GateError> {
        let request = Slot::gate(index, drf)?;
        if request.extra().is_some() {
            return Err(refuse(drf, "settings cannot carry an extra (<-...)"));
        }
        let write = request.for_write();
        let mut slot = Slot::build(index, drf, write, Some(value))?;
        slot.decision = SlotDecision::Pending;
        Ok(slot)
    }

    /// Position in the request.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The DRF exactly as the client sent it.
    pub fn drf(&self) -> &str {
        &self.drf
    }

    /// The parsed request (for a setting, already rewritten for writing).
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The canonical text that is forwarded to the backend.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The names the device is known by: the canonical ACNET name, or for a non-ACNET
    /// request its verbatim name plus the ACNET name it would be if it has that shape.
    pub fn names(&self) -> &[DeviceName] {
        &self.names
    }

    /// The primary device name (canonical ACNET name, or the verbatim non-ACNET name).
    pub fn device(&self) -> &str {
        self.names.first().map_or("", DeviceName::as_str)
    }

    /// The property (after write rewriting for settings).
    pub fn property(&self) -> Property {
        self.request.property()
    }

    /// The value of a setting (`None` for reads).
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }

    /// The decision so far.
    pub fn decision(&self) -> &SlotDecision {
        &self.decision
    }

    /// Whether the slot is approved.
    pub fn is_approved(&self) -> bool {
        self.decision == SlotDecision::Approved
    }

    /// Whether the slot is denied.
    pub fn is_denied(&self) -> bool {
        matches!(self.decision, SlotDecision::Denied { .. })
    }
}

/// Who a request comes from, as rate limits key it: the peer's IP address without the
/// ephemeral port, plus the token subject when the token was verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientKey {
    /// The peer IP (`None` when unknown, e.g. over a non-TCP transport).
    pub ip: Option<IpAddr>,
    /// The subject of a verified bearer token.
    pub subject: Option<String>,
}

/// A request as the policies see it: the RPC, the peer, the parsed slots and their
/// decisions. Policies can approve or deny slots but never change what is requested.
#[derive(Debug, Clone)]
pub struct RequestContext {
    rpc: Rpc,
    peer: Option<SocketAddr>,
    subject: Option<String>,
    verified: bool,
    now: Instant,
    slots: Vec<Slot>,
}

impl RequestContext {
    /// A context for `slots` of `rpc` from `peer`. `subject` is the bearer token's `sub`
    /// claim and `verified` whether the token matched the configured one.
    ///
    /// ```
    /// use std::time::Instant;
    /// use pacsys_supervised::context::{RequestContext, Rpc, Slot};
    ///
    /// let slots = vec![Slot::for_read(0, "M:OUTTMP")?];
    /// let ctx = RequestContext::new(Rpc::Read, None, None, false, Instant::now(), slots);
    /// assert!(ctx.slots()[0].is_approved());
    /// # Ok::<(), pacsys_supervised::context::GateError>(())
    /// ```
    pub fn new(
        rpc: Rpc,
        peer: Option<SocketAddr>,
        subject: Option<String>,
        verified: bool,
        now: Instant,
        slots: Vec<Slot>,
    ) -> RequestContext {
        RequestContext {
            rpc,
            peer,
            subject,
            verified,
            now,
            slots,
        }
    }

    /// The RPC.
    pub fn rpc(&self) -> Rpc {
        self.rpc
    }

    /// The peer address (with port), if known.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The bearer token's subject claim, if any (verified or not: see
    /// [`RequestContext::token_verified`]).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// Whether the bearer token was checked against the configured one.
    pub fn token_verified(&self) -> bool {
        self.verified
    }

    /// The rate-limit key: peer IP without port, plus the subject only when the token was
    /// verified (an unverified subject is free text a client could rotate).
    pub fn client_key(&self) -> ClientKey {
        ClientKey {
            ip: self.peer.map(|p| p.ip()),
            subject: if self.verified {
                self.subject.clone()
            } else {
                None
            },
        }
    }

    /// The time of the decision.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The slots, in request order.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Approves slot `index` unless it was denied (denials are final). Out-of-range
    /// indices are ignored.
    pub fn approve(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index)
            && !slot.is_denied()
        {
            slot.decision = SlotDecision::Approved;
        }
    }

    /// Denies slot `index` (the first denial's reason is kept). Out-of-range indices are
    /// ignored.
    pub fn deny(&mut self, index: usize, policy: &str, reason: impl Into<String>) {
        if let Some(slot) = self.slots.get_mut(index)
            && !slot.is_denied()
        {
            slot.decision = SlotDecision::Denied {
                policy: policy.to_owned(),
                reason: reason.into(),
            };
        }
    }

    /// Takes the slots out (after the decision).
    pub fn into_slots(self) -> Vec<Slot> {
        self.slots
    }
}
