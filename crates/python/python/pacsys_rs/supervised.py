"""Supervised mode, pacsys's ``pacsys.supervised``: a policy-checking DAQ gRPC proxy in
front of any backend, over the Rust proxy (``pacsys-supervised``: its gate, policy chain,
audit log and counters).

    from pacsys_rs.testing import FakeBackend
    from pacsys_rs.supervised import SupervisedServer, DeviceAccessPolicy, ValueRangePolicy

    fb = FakeBackend()
    fb.set_reading("M:OUTTMP", 72.5)
    policies = [DeviceAccessPolicy(["G:AMANDA"], mode="allow", action="set"),
                ValueRangePolicy({"G:AMANDA": (0.0, 100.0)})]
    with SupervisedServer(fb, port=0, policies=policies) as srv:
        import pacsys_rs as pacsys
        with pacsys.grpc(host="127.0.0.1", port=srv.port) as client:
            print(client.read("M:OUTTMP"))

It serves a ``pacsys_rs`` backend natively (DPM, gRPC, ``FakeBackend``, ``AsyncFakeBackend``,
``aio.dpm()``...), an ``aio.AsyncBackend`` written in Python (its coroutines awaited on an
event loop the server owns: no thread per call) and a sync backend object written in
Python (called on a blocking thread). Safe defaults, unlike pacsys: it listens on
127.0.0.1 unless told otherwise, and a setting is refused unless a policy approves it.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import signal
import threading
from typing import Any, Optional

from . import _native
from .aio import AsyncBackend

__all__ = [
    "SupervisedServer",
    "AuditLog",
    "Policy",
    "PolicyDecision",
    "RequestContext",
    "ReadOnlyPolicy",
    "DeviceAccessPolicy",
    "RateLimitPolicy",
    "ValueRangePolicy",
    "evaluate_policies",
]


@dataclasses.dataclass(frozen=True)
class RequestContext:
    """What a policy sees of one request (pacsys's fields): the target ``drfs`` (fixed),
    ``rpc_method`` (``"Read"`` or ``"Set"``), the client ``peer``, request ``metadata``, the
    settings' ``values`` as ``(drf, value)`` pairs, and the slot indices ``allowed`` (approved
    settings) so far."""

    drfs: list
    rpc_method: str
    peer: str = ""
    metadata: dict = dataclasses.field(default_factory=dict)
    values: list = dataclasses.field(default_factory=list)
    raw_request: Any = None
    allowed: frozenset = frozenset()

    def approve(self, *indices: int) -> "RequestContext":
        """This context with the settings at ``indices`` approved as well."""
        return dataclasses.replace(self, allowed=self.allowed | frozenset(indices))


@dataclasses.dataclass(frozen=True)
class PolicyDecision:
    """A policy's answer: ``allowed`` (``False`` refuses the whole request with
    ``PERMISSION_DENIED`` and ``reason``), and the context it approved slots in."""

    allowed: bool
    reason: Optional[str] = None
    ctx: Optional[RequestContext] = None


class Policy(abc.ABC):
    """A check of every request. Subclass it: ``check(ctx)`` returns a ``PolicyDecision``
    (to approve settings, return ``PolicyDecision(True, ctx=ctx.approve(i, ...))`` and set
    ``allows_writes``). A check that raises, returns anything else or takes longer than 2 s
    denies the request (fail closed); the denial is audited."""

    @property
    def allows_writes(self) -> bool:
        """Whether this policy can approve settings."""
        return False

    @abc.abstractmethod
    def check(self, ctx: RequestContext) -> PolicyDecision:
        """Judges one request."""


class _Builtin(Policy):
    """A policy the Rust proxy implements (``_kind`` names it); ``check`` asks that same
    code, so Python and the server decide alike."""

    _kind = ""

    def check(self, ctx: RequestContext) -> PolicyDecision:
        """Judges ``ctx`` with this policy alone (see ``evaluate_policies``)."""
        return evaluate_policies([self], ctx)


class ReadOnlyPolicy(_Builtin):
    """Refuses every Set; reads pass."""

    _kind = "read_only"


class DeviceAccessPolicy(_Builtin):
    """Devices by name pattern: ``mode="allow"`` approves settings of matching devices,
    ``"deny"`` refuses matching slots; ``action``: ``"all"``, ``"read"`` or ``"set"``;
    ``syntax``: ``"glob"`` (default) or ``"regex"`` (whole-name)."""

    _kind = "device_access"

    def __init__(self, patterns: list, mode: str = "allow", action: str = "all", syntax: str = "glob") -> None:
        if mode not in ("allow", "deny"):
            raise ValueError(f"mode must be 'allow' or 'deny', got {mode!r}")
        if action not in ("all", "read", "set"):
            raise ValueError(f"action must be 'all', 'read' or 'set', got {action!r}")
        if syntax not in ("glob", "regex"):
            raise ValueError(f"syntax must be 'glob' or 'regex', got {syntax!r}")
        if mode == "allow" and action == "read":
            raise ValueError("allow with action 'read' is a no-op (reads pass unless denied); use mode 'deny'")
        self.patterns = list(patterns)
        self.mode = mode
        self.action = action
        self.syntax = syntax

    @property
    def allows_writes(self) -> bool:
        """``True`` for an allow policy."""
        return self.mode == "allow"


class RateLimitPolicy(_Builtin):
    """At most ``max_requests`` requests per client in any ``window_seconds``."""

    _kind = "rate_limit"

    def __init__(self, max_requests: int, window_seconds: float = 60.0) -> None:
        if max_requests <= 0 or window_seconds <= 0:
            raise ValueError("max_requests and window_seconds must be positive")
        self.max_requests = int(max_requests)
        self.window_seconds = float(window_seconds)


class ValueRangePolicy(_Builtin):
    """Settings of matching devices (glob patterns) must lie in ``[min, max]``; raw writes
    of them are refused unless the device matches ``allow_raw``."""

    _kind = "value_range"

    def __init__(self, limits: dict, *, allow_raw: Optional[list] = None) -> None:
        for pattern, bounds in limits.items():
            lo, hi = bounds
            if not lo <= hi:
                raise ValueError(f"{pattern}: min {lo} above max {hi}")
        self.limits = dict(limits)
        self.allow_raw = list(allow_raw or [])


def evaluate_policies(policies: list, ctx: RequestContext) -> PolicyDecision:
    """Evaluates a chain as the server does: the first denial ends it; the decision carries
    the context with the approved settings in ``allowed``. Settings no policy approved are
    refused (the server's safe default)."""
    builtin = all(isinstance(p, _Builtin) for p in policies)
    if builtin:
        values = [v for _, v in ctx.values] if ctx.rpc_method == "Set" else None
        allowed, reason, approved, reasons = _native.supervised_evaluate(policies, ctx.rpc_method, list(ctx.drfs), values)
        if not allowed:
            return PolicyDecision(False, reason, ctx)
        final = dataclasses.replace(ctx, allowed=ctx.allowed | frozenset(approved))
        if ctx.rpc_method == "Set" and len(final.allowed) < len(ctx.drfs):
            return PolicyDecision(False, "a setting no policy approved is refused", final)
        return PolicyDecision(True, None, final)
    current = ctx
    for p in policies:
        decision = p.check(current)
        if not isinstance(decision, PolicyDecision):
            return PolicyDecision(False, f"{type(p).__name__} returned {type(decision).__name__}", current)
        if not decision.allowed:
            return decision
        current = decision.ctx if decision.ctx is not None else current
    if current.rpc_method == "Set" and len(current.allowed) < len(current.drfs):
        return PolicyDecision(False, "a setting no policy approved is refused", current)
    return PolicyDecision(True, None, current)


class AuditLog:
    """A JSON-lines audit log at ``path`` (every request, decision and outcome; an approved
    setting is recorded before it is sent). The other pacsys arguments are accepted; the
    Rust log writes JSON lines only."""

    def __init__(self, path: str, proto_path: Optional[str] = None, log_responses: bool = False, flush_interval: int = 1) -> None:
        self.path = str(path)
        self.proto_path = proto_path
        self.log_responses = log_responses
        self.flush_interval = flush_interval


class _SyncAdapter(AsyncBackend):
    """A sync backend object written in Python, called on a blocking thread per call."""

    def __init__(self, backend: Any) -> None:
        self._b = backend

    @property
    def capabilities(self) -> Any:
        return getattr(self._b, "capabilities", None)

    @property
    def principal(self) -> Optional[str]:
        return getattr(self._b, "principal", None)

    async def read(self, drf: str, timeout: Optional[float] = None) -> Any:
        return await asyncio.to_thread(self._b.read, drf, timeout)

    async def get(self, drf: str, timeout: Optional[float] = None) -> Any:
        return await asyncio.to_thread(self._b.get, drf, timeout)

    async def get_many(self, drfs: list, timeout: Optional[float] = None) -> list:
        return await asyncio.to_thread(self._b.get_many, drfs, timeout)

    async def write(self, drf: str, value: Any, timeout: Optional[float] = None) -> Any:
        return await asyncio.to_thread(self._b.write, drf, value, timeout)

    async def write_many(self, settings: list, timeout: Optional[float] = None) -> list:
        return await asyncio.to_thread(self._b.write_many, settings, timeout)

    async def close(self) -> None:
        return None


async def _cancel_pending() -> None:
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not me]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class SupervisedServer:
    """A DAQ gRPC proxy (``services.daq.DAQ``: ``Read`` and ``Set``) in front of
    ``backend``, on ``host:port`` (``port=0``: a free port, read back from ``port``), with
    ``policies``, a bearer ``token`` required on settings, and an ``audit_log``. ``start()``
    serves in the background, ``stop()`` ends it, ``wait()`` blocks until it stops, ``run()``
    serves until SIGINT/SIGTERM; ``with`` starts and stops it."""

    def __init__(
        self,
        backend: Any,
        port: int = 50051,
        host: str = "127.0.0.1",
        policies: Optional[list] = None,
        token: Optional[str] = None,
        audit_log: Optional[AuditLog] = None,
        *,
        call_timeout: Optional[float] = None,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be 0-65535, got {port!r}")
        if host in ("[::]", "::", "0.0.0.0"):
            raise ValueError(
                f"host {host!r} would serve every interface in plaintext; pacsys_rs listens on "
                "127.0.0.1 unless given one address to serve"
            )
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._loop_thread: Optional[threading.Thread] = None
        native = backend if isinstance(backend, _native.Backend) else getattr(backend, "_native", None)
        if not isinstance(native, _native.Backend):
            if not isinstance(backend, AsyncBackend):
                if not all(hasattr(backend, m) for m in ("read", "get", "get_many")):
                    raise TypeError(f"backend must be a Backend or AsyncBackend instance, got {type(backend).__name__}")
                backend = _SyncAdapter(backend)
            self._loop = asyncio.new_event_loop()
            self._loop_thread = threading.Thread(target=self._loop.run_forever, name="pacsys_rs-supervised-loop", daemon=True)
        self.backend = backend
        self._server = _native._Server(
            backend,
            "127.0.0.1" if host == "localhost" else host,
            port,
            policies,
            token,
            audit_log.path if audit_log is not None else None,
            self._loop,
            call_timeout,
        )

    @property
    def port(self) -> int:
        """The bound port once started (the one asked for before)."""
        return self._server.port

    @property
    def host(self) -> str:
        """The address it listens on."""
        return self._server.host

    @property
    def running(self) -> bool:
        """Whether it serves now."""
        return self._server.running

    def start(self) -> "SupervisedServer":
        """Binds and serves in the background (a second call while it runs does nothing; a
        stopped server does not start again)."""
        if self._server.running:
            return self
        if self._loop_thread is not None and not self._loop_thread.is_alive():
            self._loop_thread.start()
        self._server.start()
        return self

    def stop(self) -> None:
        """Stops serving (open streams end, the audit log is flushed). Idempotent."""
        self._server.stop()
        if self._loop is not None and self._loop_thread is not None and self._loop_thread.is_alive():
            # Calls still running in the backend (one that hung) are cancelled, then the
            # loop ends.
            try:
                asyncio.run_coroutine_threadsafe(_cancel_pending(), self._loop).result(5)
            except Exception:  # noqa: BLE001 - the loop is stopped either way
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(5)
            if not self._loop_thread.is_alive():
                self._loop.close()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Blocks until ``stop()`` (from another thread) or ``timeout``; whether it stopped."""
        return self._server.wait(timeout)

    def run(self) -> None:
        """Serves until SIGINT or SIGTERM (or ``stop()``), then stops."""
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        self.start()
        try:
            self.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    def __enter__(self) -> "SupervisedServer":
        return self.start()

    def __exit__(self, *exc: Any) -> bool:
        self.stop()
        return False

    def __repr__(self) -> str:
        return f"SupervisedServer({self.host}:{self.port}, {'running' if self.running else 'stopped'})"
