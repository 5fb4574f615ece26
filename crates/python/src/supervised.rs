//! `pacsys_rs.supervised`'s native side: the Rust proxy (`pacsys-supervised`) started from
//! Python over any backend the python crate knows (DPM, gRPC, a fake, or an `AsyncBackend`
//! written in Python, whose coroutines run on an event loop the server owns), with the
//! Rust policies for pacsys's built-in ones and `Policy` subclasses written in Python asked
//! through a bounded call (a policy that raises, answers nonsense or hangs denies: fail
//! closed). The gate, the chain, the audit log and the counters are the proxy's own.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pacsys_supervised::context::{RequestContext, Rpc};
use pacsys_supervised::pattern::{DevicePattern, Syntax};
use pacsys_supervised::policy::{
    Action, Denial, DeviceAccessPolicy, Mode, Policy, PolicyChain, RateLimitPolicy, RateScope,
    ReadOnlyPolicy, ValueRangePolicy,
};
use pacsys_supervised::{AuditLog, RunningServer, SupervisedServer};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyList, PyTuple};

use crate::backend::{Inner, PyBackend};
use crate::convert::value_to_py;
use crate::pyasync::PyAsyncBackend;
use crate::runtime::{runtime, wait};

/// How long a policy written in Python may take before its silence denies the request.
const POLICY_BUDGET: Duration = Duration::from_secs(2);

fn config_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn patterns(list: &Bound<'_, PyAny>, syntax: Syntax) -> PyResult<Vec<DevicePattern>> {
    list.try_iter()?
        .map(|p| DevicePattern::new(&p?.extract::<String>()?, syntax).map_err(config_err))
        .collect()
}

fn syntax(name: &str) -> PyResult<Syntax> {
    match name {
        "glob" => Ok(Syntax::Glob),
        "regex" => Ok(Syntax::Regex),
        other => Err(PyValueError::new_err(format!(
            "syntax {other:?}: \"glob\" or \"regex\""
        ))),
    }
}

fn action(name: &str) -> PyResult<Action> {
    match name {
        "all" => Ok(Action::All),
        "read" => Ok(Action::Read),
        "set" => Ok(Action::Set),
        other => Err(PyValueError::new_err(format!(
            "action {other:?}: \"all\", \"read\" or \"set\""
        ))),
    }
}

/// The Rust policy for one of `pacsys_rs.supervised`'s built-in policies (told apart by
/// their `_kind`), or a [`PyPolicy`] asking a `Policy` subclass written in Python.
fn policy(obj: &Bound<'_, PyAny>) -> PyResult<Box<dyn Policy>> {
    let kind: Option<String> = obj.getattr("_kind").ok().and_then(|k| k.extract().ok());
    let attr = |name: &str| obj.getattr(name);
    Ok(match kind.as_deref() {
        Some("read_only") => Box::new(ReadOnlyPolicy),
        Some("device_access") => {
            let syn = syntax(&attr("syntax")?.extract::<String>()?)?;
            let mode = match attr("mode")?.extract::<String>()?.as_str() {
                "allow" => Mode::Allow,
                "deny" => Mode::Deny,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "mode {other:?}: \"allow\" or \"deny\""
                    )));
                }
            };
            let act = action(&attr("action")?.extract::<String>()?)?;
            Box::new(
                DeviceAccessPolicy::new(patterns(&attr("patterns")?, syn)?, mode, act)
                    .map_err(config_err)?,
            )
        }
        Some("rate_limit") => {
            let max: u32 = attr("max_requests")?.extract()?;
            let window: f64 = attr("window_seconds")?.extract()?;
            let window = Duration::try_from_secs_f64(window)
                .map_err(|_| PyValueError::new_err("window_seconds must be positive"))?;
            Box::new(
                RateLimitPolicy::new(max, window, RateScope::Client, Action::All, Vec::new())
                    .map_err(config_err)?,
            )
        }
        Some("value_range") => {
            let limits = attr("limits")?;
            let limits = limits
                .cast::<PyDict>()
                .map_err(|_| PyTypeError::new_err("limits is a dict of pattern: (min, max)"))?;
            let mut out = Vec::new();
            for (k, v) in limits.iter() {
                let (lo, hi): (f64, f64) = v.extract()?;
                out.push((
                    DevicePattern::new(&k.extract::<String>()?, Syntax::Glob)
                        .map_err(config_err)?,
                    lo,
                    hi,
                ));
            }
            let raw = patterns(&attr("allow_raw")?, Syntax::Glob)?;
            Box::new(ValueRangePolicy::new(out, raw).map_err(config_err)?)
        }
        _ => {
            if !obj.hasattr("check")? {
                return Err(PyTypeError::new_err(format!(
                    "a policy needs a check(ctx) method; {} has none",
                    obj.get_type().name()?
                )));
            }
            Box::new(PyPolicy::new(obj)?)
        }
    })
}

/// The policies of a list.
pub fn policies(list: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Box<dyn Policy>>> {
    match list.filter(|l| !l.is_none()) {
        None => Ok(Vec::new()),
        Some(l) => l.try_iter()?.map(|p| policy(&p?)).collect(),
    }
}

/// A `Policy` subclass written in Python, asked with pacsys's `RequestContext` and answering
/// with a `PolicyDecision`. The call runs on a thread of its own and is waited for at most
/// [`POLICY_BUDGET`]; an exception, a wrong answer or silence denies the whole request.
struct PyPolicy {
    obj: Arc<Py<PyAny>>,
    name: String,
    writes: bool,
}

impl std::fmt::Debug for PyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyPolicy")
            .field("name", &self.name)
            .finish()
    }
}

impl PyPolicy {
    fn new(obj: &Bound<'_, PyAny>) -> PyResult<PyPolicy> {
        let name = obj.get_type().name()?.to_string();
        let writes = obj
            .getattr("allows_writes")
            .and_then(|w| if w.is_callable() { w.call0() } else { Ok(w) })
            .and_then(|w| w.is_truthy())
            .unwrap_or(false);
        Ok(PyPolicy {
            obj: Arc::new(obj.clone().unbind()),
            name,
            writes,
        })
    }

    fn deny(&self, reason: impl Into<String>) -> Denial {
        Denial {
            policy: self.name.clone(),
            reason: reason.into(),
        }
    }
}

/// What a Python policy answered: allowed, and the slots it approved.
type Answer = Result<(bool, Option<String>, Vec<usize>), String>;

/// Builds pacsys's `RequestContext` for `ctx`, asks `policy.check(ctx)`, reads the
/// `PolicyDecision`.
fn ask(py: Python<'_>, obj: &Py<PyAny>, snapshot: &Snapshot) -> Answer {
    let run = || -> PyResult<Answer> {
        let module = py.import("pacsys_rs.supervised")?;
        let values = PyList::empty(py);
        for (drf, v) in &snapshot.values {
            let v = match v {
                Some(v) => value_to_py(py, v)?,
                None => py.None().into_bound(py),
            };
            values.append(PyTuple::new(py, [drf.into_pyobject(py)?.into_any(), v])?)?;
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("drfs", PyList::new(py, &snapshot.drfs)?)?;
        kwargs.set_item("rpc_method", snapshot.rpc)?;
        kwargs.set_item("peer", &snapshot.peer)?;
        let metadata = PyDict::new(py);
        if let Some(s) = &snapshot.subject {
            metadata.set_item("sub", s)?;
        }
        kwargs.set_item("metadata", metadata)?;
        kwargs.set_item("values", values)?;
        kwargs.set_item("allowed", PyFrozenSet::new(py, &snapshot.approved)?)?;
        let ctx = module.getattr("RequestContext")?.call((), Some(&kwargs))?;
        let decision = obj.bind(py).call_method1("check", (ctx,))?;
        if !decision.is_instance(&module.getattr("PolicyDecision")?)? {
            return Ok(Err(format!(
                "check returned a {}, not a PolicyDecision",
                decision.get_type().name()?
            )));
        }
        let allowed = decision.getattr("allowed")?.is_truthy()?;
        let reason: Option<String> = decision.getattr("reason")?.extract().ok();
        let approved = match decision.getattr("ctx")? {
            c if c.is_none() => Vec::new(),
            c => c
                .getattr("allowed")?
                .try_iter()?
                .map(|i| i?.extract::<usize>())
                .collect::<PyResult<_>>()?,
        };
        Ok(Ok((allowed, reason, approved)))
    };
    match run() {
        Ok(answer) => answer,
        Err(e) => Err(format!("check raised {e}")),
    }
}

/// What a Python policy sees of a request.
struct Snapshot {
    drfs: Vec<String>,
    rpc: &'static str,
    peer: String,
    subject: Option<String>,
    values: Vec<(String, Option<pacsys::Value>)>,
    approved: Vec<usize>,
}

impl Policy for PyPolicy {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self, ctx: &mut RequestContext) -> Result<(), Denial> {
        let snapshot = Snapshot {
            drfs: ctx.slots().iter().map(|s| s.drf().to_owned()).collect(),
            rpc: match ctx.rpc() {
                Rpc::Set => "Set",
                _ => "Read",
            },
            peer: ctx.peer().map(|p| p.to_string()).unwrap_or_default(),
            subject: ctx.subject().map(str::to_owned),
            values: ctx
                .slots()
                .iter()
                .map(|s| (s.drf().to_owned(), s.value().cloned()))
                .collect(),
            approved: ctx
                .slots()
                .iter()
                .enumerate()
                .filter(|(_, s)| s.is_approved())
                .map(|(i, _)| i)
                .collect(),
        };
        let n = snapshot.drfs.len();
        let (tx, rx) = std::sync::mpsc::channel();
        let obj = Arc::clone(&self.obj);
        // A thread of its own: a policy that never returns costs that thread, not the
        // server's.
        let spawned = std::thread::Builder::new()
            .name("pacsys_rs-policy".into())
            .spawn(move || {
                let answer = Python::attach(|py| ask(py, &obj, &snapshot));
                let _ = tx.send(answer);
            });
        if spawned.is_err() {
            return Err(self.deny("could not start the policy's thread; denied"));
        }
        let answer = match rx.recv_timeout(POLICY_BUDGET) {
            Ok(a) => a,
            Err(_) => {
                return Err(self.deny(format!(
                    "the policy gave no answer within {} s; denied",
                    POLICY_BUDGET.as_secs_f64()
                )));
            }
        };
        match answer {
            Err(why) => Err(self.deny(format!("{why}; denied"))),
            Ok((false, reason, _)) => Err(self.deny(reason.unwrap_or_else(|| "denied".into()))),
            Ok((true, _, approved)) => {
                for i in approved.into_iter().filter(|i| *i < n) {
                    ctx.approve(i);
                }
                Ok(())
            }
        }
    }

    fn allows_writes(&self) -> bool {
        self.writes
    }
}

/// What `supervised_evaluate` answers: allowed, the reason of a denial, the approved slot
/// indices, and each slot's denial reason.
type Evaluation = (bool, Option<String>, Vec<usize>, Vec<Option<String>>);

/// Evaluates `policies` on a request as the proxy would (pacsys's `evaluate_policies`).
#[pyfunction]
#[pyo3(signature = (policies, rpc_method, drfs, values=None))]
pub fn supervised_evaluate(
    policies: &Bound<'_, PyAny>,
    rpc_method: &str,
    drfs: Vec<String>,
    values: Option<Vec<Option<Bound<'_, PyAny>>>>,
) -> PyResult<Evaluation> {
    use pacsys_supervised::context::{Slot, SlotDecision};
    let chain = PolicyChain::new(self::policies(Some(policies))?);
    let rpc = match rpc_method {
        "Read" => Rpc::Read,
        "Set" => Rpc::Set,
        other => {
            return Err(PyValueError::new_err(format!(
                "rpc_method {other:?}: \"Read\" or \"Set\""
            )));
        }
    };
    let mut slots = Vec::with_capacity(drfs.len());
    for (i, drf) in drfs.iter().enumerate() {
        let slot = match rpc {
            Rpc::Set => {
                let v = values
                    .as_ref()
                    .and_then(|vs| vs.get(i).cloned().flatten())
                    .ok_or_else(|| PyValueError::new_err("a Set needs a value per DRF"))?;
                Slot::for_set(i, drf, crate::convert::value_from_py(&v)?)
            }
            _ => Slot::for_read(i, drf),
        };
        slots.push(slot.map_err(|e| PyValueError::new_err(format!("{drf}: {e}")))?);
    }
    let ctx = RequestContext::new(rpc, None, None, false, std::time::Instant::now(), slots);
    // The proxy's own decision procedure (gate of values, chain, whole-request refusal).
    let decision = pacsys_supervised::decision::decide(&chain, ctx);
    if let pacsys_supervised::decision::Decision::Refused { denial, slots } = &decision
        && slots.is_empty()
    {
        let reason = format!("{}: {}", denial.policy, denial.reason);
        return Ok((false, Some(reason), Vec::new(), Vec::new()));
    }
    let mut approved = Vec::new();
    let mut reasons = Vec::new();
    for (i, s) in decision.slots().iter().enumerate() {
        if s.is_approved() {
            approved.push(i);
        }
        reasons.push(match s.decision() {
            SlotDecision::Denied { reason, .. } => Some(reason.clone()),
            _ => None,
        });
    }
    let denied = reasons.iter().flatten().next().cloned();
    Ok((denied.is_none(), denied, approved, reasons))
}

/// The proxy, configured from Python; `start()` binds and serves.
#[pyclass(module = "pacsys_rs.supervised", frozen, name = "_Server")]
pub struct PyServer {
    config: Mutex<Option<SupervisedServer<Inner>>>,
    running: Arc<Mutex<Option<RunningServer<Inner>>>>,
    stopped: Arc<tokio::sync::Notify>,
    addr: SocketAddr,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[pymethods]
impl PyServer {
    /// A proxy in front of `backend` on `host:port` (`port=0`: a free one) with `policies`,
    /// a bearer `token` required on settings, and an audit log file `audit_path`.
    /// `event_loop`: where the coroutines of an `AsyncBackend` written in Python run.
    #[new]
    #[pyo3(signature = (backend, host, port, policies=None, token=None, audit_path=None, event_loop=None, call_timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        backend: &Bound<'_, PyAny>,
        host: &str,
        port: u16,
        policies: Option<&Bound<'_, PyAny>>,
        token: Option<String>,
        audit_path: Option<std::path::PathBuf>,
        event_loop: Option<&Bound<'_, PyAny>>,
        call_timeout: Option<f64>,
    ) -> PyResult<PyServer> {
        let inner = if let Ok(native) = backend.cast::<PyBackend>() {
            native.get().inner.clone()
        } else if let Some(native) = backend
            .getattr("_native")
            .ok()
            .and_then(|n| n.cast::<PyBackend>().ok().map(|n| n.get().inner.clone()))
        {
            native
        } else {
            let lp = event_loop.ok_or_else(|| {
                PyTypeError::new_err(
                    "an AsyncBackend written in Python needs the server's event loop",
                )
            })?;
            Inner::Python(Arc::new(PyAsyncBackend::on_loop(backend, lp)))
        };
        let ip: IpAddr = host
            .parse()
            .or_else(|_| match host {
                "localhost" => Ok(IpAddr::from([127, 0, 0, 1])),
                _ => Err(()),
            })
            .map_err(|_| PyValueError::new_err(format!("host {host:?} is not an IP address")))?;
        let addr = SocketAddr::new(ip, port);
        let mut server = SupervisedServer::new(inner)
            .bind(addr)
            .policies(self::policies(policies)?);
        if let Some(t) = token {
            server = server.token(t);
        }
        if let Some(path) = audit_path {
            let log = AuditLog::open(&path, 4096)
                .map_err(|e| PyValueError::new_err(format!("audit log {}: {e}", path.display())))?;
            server = server.audit(log);
        }
        if let Some(t) = crate::args::seconds(call_timeout)? {
            server = server.call_timeout(t);
        }
        Ok(PyServer {
            config: Mutex::new(Some(server)),
            running: Arc::default(),
            stopped: Arc::new(tokio::sync::Notify::new()),
            addr,
        })
    }

    /// Binds and starts serving (in the background); the bound port is `port`.
    fn start(&self, py: Python<'_>) -> PyResult<u16> {
        let server = lock(&self.config)
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("the server was started already"))?;
        let rt = runtime()?;
        let running = py.detach(|| rt.block_on(server.start()));
        let running = running
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the server: {e}")))?;
        let port = running.port();
        *lock(&self.running) = Some(running);
        Ok(port)
    }

    /// Stops serving (open streams end with `UNAVAILABLE`, the audit log is flushed).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let running = lock(&self.running).take();
        if let Some(r) = running {
            wait(py, r.shutdown())?;
        }
        self.stopped.notify_waiters();
        Ok(())
    }

    /// Waits (GIL released; Ctrl-C ends it) until `stop()` is called, or `timeout` passes;
    /// returns whether the server stopped.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        if lock(&self.running).is_none() {
            return Ok(true);
        }
        let stopped = Arc::clone(&self.stopped);
        let t = crate::args::seconds(timeout)?;
        wait(py, async move {
            let notified = stopped.notified();
            match t {
                Some(t) => tokio::time::timeout(t, notified).await.is_ok(),
                None => {
                    notified.await;
                    true
                }
            }
        })
    }

    /// Whether it serves now.
    #[getter]
    fn running(&self) -> bool {
        lock(&self.running).is_some()
    }

    /// The port it is bound to (the one asked for before `start()`).
    #[getter]
    fn port(&self) -> u16 {
        lock(&self.running)
            .as_ref()
            .map_or(self.addr.port(), RunningServer::port)
    }

    /// The address it listens on.
    #[getter]
    fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// Requests, denials and errors so far: a dict of the proxy's counters.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        if let Some(r) = lock(&self.running).as_ref() {
            let m = r.metrics();
            d.set_item("text", format!("{m:?}"))?;
        }
        Ok(d)
    }
}
