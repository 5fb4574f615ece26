"""pacsys_rs.supervised: the Rust proxy started from Python (pacsys's async-supervisor plan,
tasks 2 to 5, ported): one-shot reads, settings and streams over an AsyncFakeBackend, a sync
FakeBackend, a backend written in Python (async, and sync on a blocking thread), and the
policies, built-in and written in Python; each bad-input case of a Python policy or backend
gets the caller an error within the call's budget while the server keeps serving. The
client is pacsys_rs's own gRPC backend over 127.0.0.1 (pacsys 0.3.0's client is run against
the same server by `cargo xtask interop`)."""

import asyncio
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import pacsys_rs as pacsys
from pacsys_rs import aio
from pacsys_rs.supervised import (
    AuditLog,
    DeviceAccessPolicy,
    Policy,
    PolicyDecision,
    RateLimitPolicy,
    ReadOnlyPolicy,
    RequestContext,
    SupervisedServer,
    ValueRangePolicy,
    evaluate_policies,
)
from pacsys_rs.testing import AsyncFakeBackend, FakeBackend

APPROVE_AMANDA = [DeviceAccessPolicy(["G:AMANDA", "M:OUTTMP"], mode="allow", action="set")]


def seed(fb):
    fb.set_reading("M:OUTTMP", 72.5)
    fb.set_reading("G:AMANDA", 42.0)
    return fb


def client(srv, token="any-token", **kw):
    """A gRPC client of the server (with a token: pacsys_rs's client sends none
    otherwise and refuses to write; the server checks it only when it has one)."""
    return pacsys.grpc(host="127.0.0.1", port=srv.port, timeout=5.0, token=token, **kw)


class PyAsyncBackend(aio.AsyncBackend):
    """An AsyncBackend written in Python, over a dict; its coroutines really suspend."""

    def __init__(self):
        self.values = {"M:OUTTMP": 72.5, "G:AMANDA": 42.0}
        self.loops = set()

    @property
    def capabilities(self):
        return pacsys.BackendCapability.READ | pacsys.BackendCapability.WRITE

    def _reading(self, drf):
        name = pacsys.Device(drf).name
        if name not in self.values:
            return pacsys.Reading(drf=drf, facility_code=17, error_code=-26)
        return pacsys.Reading(drf=drf, value_type="scalar", value=self.values[name])

    async def read(self, drf, timeout=None):
        return (await self.get(drf)).value

    async def get(self, drf, timeout=None):
        return (await self.get_many([drf]))[0]

    async def get_many(self, drfs, timeout=None):
        self.loops.add(asyncio.get_running_loop())
        await asyncio.sleep(0.001)
        return [self._reading(d) for d in drfs]

    async def write(self, drf, value, timeout=None):
        self.values[pacsys.Device(drf).name] = value
        return pacsys.WriteResult(drf=drf)

    async def write_many(self, settings, timeout=None):
        return [await self.write(d, v) for d, v in settings]

    async def close(self):
        pass


class PySyncBackend:
    """A sync backend written in Python (called on a blocking thread)."""

    def __init__(self):
        self.threads = set()

    def read(self, drf, timeout=None):
        return 1.0

    def get(self, drf, timeout=None):
        return self.get_many([drf])[0]

    def get_many(self, drfs, timeout=None):
        self.threads.add(threading.get_ident())
        return [pacsys.Reading(drf=d, value_type="scalar", value=1.25) for d in drfs]


@pytest.fixture(params=["async_fake", "fake", "python_async", "python_sync"])
def any_served(request):
    """A backend of each kind the server takes (the fakes seeded), and how it reads
    M:OUTTMP."""
    if request.param == "async_fake":
        return seed(AsyncFakeBackend()), 72.5
    if request.param == "fake":
        return seed(FakeBackend()), 72.5
    if request.param == "python_async":
        return PyAsyncBackend(), 72.5
    return PySyncBackend(), 1.25


# ---- task 2: one-shot reads ----


def test_one_shot_reads(any_served):
    backend, value = any_served
    with SupervisedServer(backend, port=0) as srv:
        assert srv.port != 0 and srv.host == "127.0.0.1"
        with client(srv) as c:
            assert c.read("M:OUTTMP@I") == value
            readings = c.get_many(["M:OUTTMP@I", "M:OUTTMP"])
            assert [r.value for r in readings] == [value, value]


def test_error_reading():
    fb = seed(AsyncFakeBackend())
    fb.set_error("M:BADDEV", -42, "Device not found")
    with SupervisedServer(fb, port=0) as srv, client(srv) as c:
        r = c.get("M:BADDEV@I")
        assert not r.ok and r.error_code == -42


def test_a_python_async_backend_runs_on_the_servers_own_loop():
    b = PyAsyncBackend()
    with SupervisedServer(b, port=0) as srv, client(srv) as c:
        for _ in range(5):
            assert c.read("M:OUTTMP") == 72.5
    assert len(b.loops) == 1  # one loop the server owns, no thread or loop per call


def test_a_python_sync_backend_is_called_on_a_blocking_thread():
    b = PySyncBackend()
    with SupervisedServer(b, port=0) as srv, client(srv) as c:
        assert c.read("M:OUTTMP") == 1.25
    assert threading.get_ident() not in b.threads


# ---- task 3: settings ----


def test_single_write_approved_by_a_policy():
    fb = seed(AsyncFakeBackend())
    with SupervisedServer(fb, port=0, policies=APPROVE_AMANDA) as srv, client(srv) as c:
        assert c.write("M:OUTTMP", 80.0).ok
        assert fb.was_written("M:OUTTMP")
        assert fb.get_written_value("M:OUTTMP") == 80.0


def test_a_setting_no_policy_approves_is_refused():
    """The safe default (pacsys applies it): settings need an approving policy."""
    fb = seed(FakeBackend())
    with SupervisedServer(fb, port=0) as srv, client(srv) as c:
        with pytest.raises(pacsys.AuthenticationError) as e:
            c.write("G:AMANDA", 1.0)
        assert "No policy explicitly allows write operations" in str(e.value)
    assert not fb.was_written("G:AMANDA")


def test_a_python_async_backend_takes_an_approved_setting():
    b = PyAsyncBackend()
    with SupervisedServer(b, port=0, policies=APPROVE_AMANDA) as srv, client(srv) as c:
        assert c.write("G:AMANDA", 12.5).ok
        assert c.read("G:AMANDA") == 12.5


def test_token_and_value_range_and_audit(tmp_path):
    fb = seed(FakeBackend())
    audit = tmp_path / "audit.jsonl"
    policies = APPROVE_AMANDA + [ValueRangePolicy({"G:AMANDA": (0.0, 100.0)})]
    with SupervisedServer(fb, port=0, policies=policies, token="secret", audit_log=AuditLog(str(audit))) as srv:
        with client(srv, token="wrong") as anonymous:
            assert anonymous.read("M:OUTTMP") == 72.5  # reads need no token
            with pytest.raises(pacsys.AuthenticationError):
                anonymous.write("G:AMANDA", 5.0)
        with client(srv, token="secret") as c:
            assert c.write("G:AMANDA", 12.5).ok
            with pytest.raises(pacsys.AuthenticationError, match="outside"):
                c.write("G:AMANDA", 1000.0)
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    decisions = [r.get("decision") for r in records if r.get("event") == "decision"]
    assert "allowed" in decisions and any(d and d != "allowed" for d in decisions)
    assert fb.get_written_value("G:AMANDA") == 12.5


# ---- task 4: streams ----


def test_streaming_read_of_emitted_readings():
    fb = seed(AsyncFakeBackend())
    with SupervisedServer(fb, port=0) as srv, client(srv) as c:
        with c.subscribe(["M:OUTTMP@p,1000"]) as sub:
            assert fb.sync.wait_for_subscription("M:OUTTMP", 5)
            for v in (1.0, 2.0, 3.0):
                fb.emit_reading("M:OUTTMP", v)
            got = []
            for r, _ in sub.readings(timeout=5):
                got.append(r.value)
                if 3.0 in got:
                    break
        assert [v for v in got if v in (1.0, 2.0, 3.0)] == [1.0, 2.0, 3.0]


# ---- task 5: policy enforcement ----


@pytest.mark.parametrize("make", [lambda: seed(AsyncFakeBackend()), PyAsyncBackend], ids=["async_fake", "python"])
def test_read_only_policy(make):
    with SupervisedServer(make(), port=0, policies=[ReadOnlyPolicy()]) as srv, client(srv) as c:
        assert c.read("M:OUTTMP@I") == 72.5
        with pytest.raises(pacsys.AuthenticationError) as e:
            c.write("M:OUTTMP", 80.0)
        assert e.value.kind == "auth"  # the server answered PERMISSION_DENIED


class AllowZ(Policy):
    """A policy written in Python: approves settings of Z: devices."""

    @property
    def allows_writes(self):
        return True

    def check(self, ctx):
        if ctx.rpc_method != "Set":
            return PolicyDecision(True, ctx=ctx)
        approve = [i for i, d in enumerate(ctx.drfs) if d.startswith("Z:")]
        return PolicyDecision(True, ctx=ctx.approve(*approve))


def test_a_python_policy_approves_and_denies():
    fb = FakeBackend()
    fb.set_reading("Z:ONE", 1.0)
    fb.set_reading("G:AMANDA", 1.0)
    with SupervisedServer(fb, port=0, policies=[AllowZ()]) as srv, client(srv) as c:
        assert c.write("Z:ONE", 2.0).ok
        with pytest.raises(pacsys.AuthenticationError):
            c.write("G:AMANDA", 2.0)
    assert fb.was_written("Z:ONE") and not fb.was_written("G:AMANDA")


def test_rate_limit():
    fb = seed(FakeBackend())
    with SupervisedServer(fb, port=0, policies=[RateLimitPolicy(3, 60)]) as srv, client(srv) as c:
        for _ in range(3):
            c.read("M:OUTTMP")
        with pytest.raises(pacsys.PacsysError):
            c.read("M:OUTTMP")


def test_evaluate_policies():
    read = RequestContext(drfs=["M:OUTTMP"], rpc_method="Read")
    assert evaluate_policies([ReadOnlyPolicy()], read).allowed
    setting = RequestContext(drfs=["G:AMANDA"], rpc_method="Set", values=[("G:AMANDA", 5.0)])
    assert not evaluate_policies([ReadOnlyPolicy()], setting).allowed
    decision = evaluate_policies(APPROVE_AMANDA, setting)
    assert decision.allowed and decision.ctx.allowed == frozenset({0})
    too_big = RequestContext(drfs=["G:AMANDA"], rpc_method="Set", values=[("G:AMANDA", 500.0)])
    d = evaluate_policies(APPROVE_AMANDA + [ValueRangePolicy({"G:AMANDA": (0, 100)})], too_big)
    assert not d.allowed and "outside" in d.reason
    assert evaluate_policies([AllowZ()], RequestContext(drfs=["Z:A"], rpc_method="Set", values=[("Z:A", 1.0)])).allowed
    assert ReadOnlyPolicy().check(read).allowed
    with pytest.raises(ValueError):
        DeviceAccessPolicy(["G:*"], mode="maybe")


# ---- bad input: Python policies and backends that fail ----


class Misbehaving(Policy):
    """Raises, answers the wrong type or hangs, by device."""

    def check(self, ctx):
        drf = ctx.drfs[0]
        if drf.startswith("Z:RAISE"):
            raise RuntimeError("the policy failed")
        if drf.startswith("Z:WRONG"):
            return "yes"
        if drf.startswith("Z:HANG"):
            time.sleep(20)
        return PolicyDecision(True, ctx=ctx)


@pytest.mark.parametrize("drf", ["Z:RAISE", "Z:WRONG", "Z:HANG"])
def test_a_failing_python_policy_denies_within_budget_and_is_audited(tmp_path, drf):
    audit = tmp_path / "audit.jsonl"
    fb = seed(FakeBackend())
    fb.set_reading(drf, 1.0)
    with SupervisedServer(fb, port=0, policies=[Misbehaving()], audit_log=AuditLog(str(audit))) as srv:
        with client(srv) as c, client(srv) as other:
            start = time.monotonic()
            with pytest.raises(pacsys.AuthenticationError, match="denied"):
                c.read(drf)
            assert time.monotonic() - start < 10  # the 2 s policy budget, far below the hang
            assert other.read("M:OUTTMP") == 72.5  # the server serves other clients
    text = audit.read_text()
    assert drf in text and "denied" in text


class FailingBackend(PyAsyncBackend):
    async def get_many(self, drfs, timeout=None):
        d = drfs[0]
        if d.startswith("Z:RAISE"):
            raise RuntimeError("the backend failed")
        if d.startswith("Z:WRONG"):
            return 42
        if d.startswith("Z:HANG"):
            await asyncio.sleep(60)
        return await super().get_many(drfs, timeout)


@pytest.mark.parametrize("drf", ["Z:RAISE", "Z:WRONG", "Z:HANG"])
def test_a_failing_python_backend_gets_an_error_status_within_budget(drf):
    with SupervisedServer(FailingBackend(), port=0, call_timeout=1.0) as srv:
        with client(srv) as c, client(srv) as other:
            start = time.monotonic()
            r = c.get(drf)
            assert not r.ok
            assert time.monotonic() - start < 10
            assert other.read("M:OUTTMP") == 72.5


def test_bad_constructor_arguments():
    with pytest.raises(TypeError):
        SupervisedServer(object(), port=0)
    with pytest.raises(ValueError):
        SupervisedServer(FakeBackend(), port=70000)
    with pytest.raises(ValueError):
        SupervisedServer(FakeBackend(), port=0, host="0.0.0.0")
    with pytest.raises(TypeError):
        SupervisedServer(FakeBackend(), port=0, policies=[object()])


def test_run_serves_until_sigterm(tmp_path):
    script = tmp_path / "serve.py"
    script.write_text(
        textwrap.dedent(
            """
            import threading
            import time
            from pacsys_rs.testing import FakeBackend
            from pacsys_rs.supervised import SupervisedServer
            srv = SupervisedServer(FakeBackend(world=True), port=0)

            def announce():
                # run() installs its SIGTERM handler before it starts serving: once it
                # serves, the test may send the signal.
                for _ in range(2000):
                    if srv.running:
                        print(srv.port, flush=True)
                        return
                    time.sleep(0.005)

            threading.Thread(target=announce, daemon=True).start()
            srv.run()
            print("stopped", flush=True)
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        with pacsys.grpc(host="127.0.0.1", port=port, timeout=5.0) as c:
            assert c.read("M:OUTTMP") == 72.5
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert "stopped" in out and proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Streaming(PyAsyncBackend):
    """A Python backend whose subscriptions stream from an async generator."""

    def __init__(self):
        super().__init__()
        self.handles = []

    async def subscribe(self, drfs, callback=None, on_error=None):
        backend = self

        class Handle:
            stopped = False

            async def readings(self, timeout=None):
                n = 0
                while not self.stopped:
                    for d in drfs:
                        yield pacsys.Reading(drf=d, value_type="scalar", value=float(n)), self
                    n += 1
                    await asyncio.sleep(0.02)

            async def stop(self):
                self.stopped = True

        h = Handle()
        backend.handles.append(h)
        return h


def test_a_python_backend_streams_through_the_server_and_its_handle_is_stopped():
    b = Streaming()
    with SupervisedServer(b, port=0) as srv, client(srv) as c:
        with c.subscribe(["M:OUTTMP@p,100"]) as sub:
            values = []
            for r, _ in sub.readings(timeout=5):
                values.append(r.value)
                if len(values) == 3:
                    break
        assert values == [0.0, 1.0, 2.0]
        for _ in range(300):  # the client's cancel reaches the Python handle
            if b.handles and b.handles[0].stopped:
                break
            time.sleep(0.01)
        assert b.handles[0].stopped
