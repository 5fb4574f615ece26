"""pacsys's aio plan, task 3 (the AsyncBackend ABC), and a backend written in Python driving
AsyncDevice and the module functions; the backend surface (capabilities, authenticated,
principal, remove, stop_streaming) on every backend, sync and aio."""

import asyncio

import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio
from pacsys_rs import BackendCapability
from pacsys_rs.aio import AsyncBackend
from pacsys_rs.testing import AsyncFakeBackend, FakeBackend


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


class ConcreteAsyncBackend(AsyncBackend):
    """The plan's minimal subclass."""

    @property
    def capabilities(self):
        return BackendCapability.READ

    async def read(self, drf, timeout=None):
        return 42.0

    async def get(self, drf, timeout=None):
        raise NotImplementedError

    async def get_many(self, drfs, timeout=None):
        raise NotImplementedError

    async def close(self):
        pass


# ---- task 3: the ABC contract ----


def test_cannot_instantiate_abc():
    with pytest.raises(TypeError):
        AsyncBackend()


def test_a_subclass_missing_an_abstract_method_cannot_be_made():
    class Half(AsyncBackend):
        async def read(self, drf, timeout=None):
            return 1.0

    with pytest.raises(TypeError):
        Half()


def test_context_manager():
    async def main():
        async with ConcreteAsyncBackend() as b:
            assert b.capabilities == BackendCapability.READ

    run(main())


@pytest.mark.parametrize("call", ["write", "write_many", "subscribe", "remove", "stop_streaming"])
def test_optional_methods_raise_not_implemented(call):
    args = {
        "write": ("M:OUTTMP", 1.0),
        "write_many": ([("M:OUTTMP", 1.0)],),
        "subscribe": (["M:OUTTMP@p,1000"],),
        "remove": (object(),),
        "stop_streaming": (),
    }[call]

    async def main():
        async with ConcreteAsyncBackend() as b:
            with pytest.raises(NotImplementedError):
                await getattr(b, call)(*args)

    run(main())


def test_auth_defaults():
    b = ConcreteAsyncBackend()
    assert b.authenticated is False
    assert b.principal is None


# ---- a backend written in Python under AsyncDevice and the module functions ----


class DictBackend(AsyncBackend):
    """An AsyncBackend written in Python over a dict: what a user's own backend looks like.
    It returns pacsys_rs Readings and WriteResults made by a FakeBackend it keeps, so the
    values are real ones, and records each call."""

    def __init__(self):
        self.calls = []
        self.values = {"M:OUTTMP": 72.5, "G:AMANDA": 42.0}
        self.closed = False

    @property
    def capabilities(self):
        return BackendCapability.READ | BackendCapability.WRITE | BackendCapability.BATCH

    @property
    def principal(self):
        return "tester@EXAMPLE"

    def _reading(self, drf):
        fb = FakeBackend()
        name = pacsys.Device(drf).name
        if name in self.values:
            fb.set_reading(drf, self.values[name])
        return fb.get(drf)

    async def read(self, drf, timeout=None):
        self.calls.append(("read", drf))
        await asyncio.sleep(0)  # a real suspension on the caller's loop
        r = self._reading(drf)
        if not r.ok:
            raise r.error
        return r.value

    async def get(self, drf, timeout=None):
        self.calls.append(("get", drf))
        await asyncio.sleep(0)
        return self._reading(drf)

    async def get_many(self, drfs, timeout=None):
        self.calls.append(("get_many", list(drfs)))
        return [self._reading(d) for d in drfs]

    async def write(self, drf, value, timeout=None):
        self.calls.append(("write", drf, value))
        fb = FakeBackend()
        name = pacsys.Device(drf).name
        self.values[name] = value
        return fb.write(drf, value)

    async def close(self):
        self.closed = True


def test_async_device_over_a_python_backend():
    async def main():
        b = DictBackend()
        dev = aio.AsyncDevice("M:OUTTMP", b)
        assert dev.backend is b
        assert await dev.read() == 72.5
        assert b.calls[-1] == ("read", "M:OUTTMP.READING@I")
        r = await dev.get()
        assert r.ok and r.value == 72.5
        assert await aio.AsyncScalarDevice("G:AMANDA", b).read() == 42.0
        w = await aio.AsyncDevice("G:AMANDA", b).write(12.5)
        assert w.ok
        assert b.calls[-1] == ("write", "G:AMANDA.SETTING@N", 12.5)
        # verify: the Rust rule reads back through the Python backend, on this loop
        w = await aio.AsyncDevice("G:AMANDA", b).write(13.5, verify=pacsys.Verify(initial_delay=0.0))
        assert w.verified is True and w.readback == 13.5
        with pytest.raises(pacsys.DeviceError):
            await aio.AsyncDevice("Z:NOPE", b).read()

    run(main())


def test_module_functions_over_a_python_backend():
    async def main():
        b = DictBackend()
        dev = aio.AsyncDevice("M:OUTTMP", b)
        assert await aio.read(dev) == 72.5
        assert (await aio.get(dev)).value == 72.5
        values = await aio.read_many([dev, aio.AsyncDevice("G:AMANDA", b)])
        assert values == [72.5, 42.0]
        readings = await aio.get_many([dev])
        assert [r.value for r in readings] == [72.5]
        assert (await aio.write(aio.AsyncDevice("G:AMANDA", b), 3.0)).ok
        with pytest.raises(ValueError, match="same backend"):
            await aio.get_many([dev, aio.AsyncDevice("G:AMANDA", DictBackend())])
        with pytest.raises(NotImplementedError):
            await aio.subscribe([aio.AsyncDevice("M:OUTTMP@p,1000", b)])

    run(main())


def test_an_exception_of_a_python_backend_reaches_the_caller_unchanged():
    class Boom(Exception):
        pass

    class Failing(DictBackend):
        async def read(self, drf, timeout=None):
            raise Boom("the backend failed")

    async def main():
        with pytest.raises(Boom, match="the backend failed"):
            await aio.AsyncDevice("M:OUTTMP", Failing()).read()

    run(main())


def test_a_sync_device_refuses_a_python_async_backend():
    with pytest.raises(TypeError, match="AsyncDevice"):
        pacsys.Device("M:OUTTMP", DictBackend())


# ---- the backend surface on every backend ----


def test_capabilities_and_identity_of_each_kind(simulator):
    with simulator.dpm() as d, simulator.grpc() as g:
        assert d.capabilities == BackendCapability.READ | BackendCapability.STREAM | BackendCapability.BATCH
        assert BackendCapability.AUTH_JWT in g.capabilities and BackendCapability.WRITE in g.capabilities
        assert g.authenticated is True
        assert d.authenticated is False and d.principal is None
    fb = FakeBackend(principal="me@EXAMPLE")
    assert BackendCapability.WRITE in fb.capabilities
    assert fb.principal == "me@EXAMPLE"

    async def main():
        a = aio.wrap(simulator.grpc())
        assert a.capabilities == g.capabilities
        assert a.authenticated is True
        await a.close()

    run(main())


def test_stop_streaming_ends_every_subscription_and_keeps_the_backend(any_backend):
    a = any_backend.subscribe(["M:OUTTMP@p,50"])
    b = any_backend.subscribe(["G:AMANDA@p,50"])
    assert a.next(5) is not None and b.next(5) is not None
    any_backend.stop_streaming()
    for h in (a, b):
        while h.next(2) is not None:  # what was buffered, then the end
            pass
        assert h.stopped and h.exc is None
    assert any_backend.read("M:OUTTMP") == 72.5
    with any_backend.subscribe(["M:OUTTMP@p,50"]) as c:
        assert c.next(5) is not None


def test_remove_stops_one_subscription(backend):
    a = backend.subscribe(["M:OUTTMP@p,50"])
    b = backend.subscribe(["M:OUTTMP@p,50"])
    backend.remove(a)
    assert a.stopped and not b.stopped
    assert b.next(5) is not None
    b.stop()


def test_aio_remove_and_stop_streaming(backend):
    async def main():
        a = aio.wrap(backend)
        h1 = await a.subscribe(["M:OUTTMP@p,50"])
        h2 = await a.subscribe(["M:OUTTMP@p,50"])
        await a.remove(h1)
        assert h1.stopped and not h2.stopped
        await a.stop_streaming()
        assert h2.stopped
        assert await a.read("M:OUTTMP") == 72.5

    run(main())


def test_async_fake_backend_is_an_async_backend():
    async def main():
        async with AsyncFakeBackend() as fb:
            assert isinstance(fb, AsyncBackend)
            fb.set_reading("M:OUTTMP", 1.5)
            assert await fb.read("M:OUTTMP") == 1.5
            assert fb.was_read("M:OUTTMP")

    run(main())
