"""pacsys's aio plan, task 8: AsyncDevice and its typed kinds (the whole Device surface,
awaitable), over the in-memory fake and both transports of the simulator; and the same
surface of the sync Device."""

import asyncio

import numpy as np
import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio
from pacsys_rs import BasicControl
from pacsys_rs.aio import AsyncArrayDevice, AsyncDevice, AsyncScalarDevice, AsyncTextDevice
from pacsys_rs.testing import AsyncFakeBackend


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


@pytest.fixture(params=["dpm", "grpc", "fake"])
def abackend(request, simulator):
    """An aio backend of each kind over the simulator's device world."""
    if request.param == "fake":
        return lambda: AsyncFakeBackend(world=True)
    if request.param == "dpm":
        return lambda: aio.wrap(simulator.dpm(timeout=5.0))
    return lambda: aio.wrap(simulator.grpc(timeout=5.0))


# ---- pure DRF work (no I/O) ----


def test_drf_is_parsed_and_canonical_at_construction():
    with pytest.raises(pacsys.DrfError):
        AsyncDevice("M:OUTTMP@@")
    with pytest.raises(ValueError):  # DrfError is a ValueError, as pacsys's
        AsyncDevice("")
    d = AsyncDevice("m:outtmp@p,1000")
    assert d.name == "M:OUTTMP"
    assert d.drf == pacsys.Device("m:outtmp@p,1000").drf
    assert d.has_event and d.is_periodic
    assert not AsyncDevice("M:OUTTMP").has_event
    assert d.request.device == "M:OUTTMP"
    assert d.request.event == "p,1000"


def test_equality_hash_repr():
    a, b = AsyncDevice("M:OUTTMP"), AsyncDevice("m:outtmp")
    assert a == b and hash(a) == hash(b)
    assert a != AsyncDevice("G:AMANDA")
    assert repr(a).startswith("AsyncDevice(") and "M:OUTTMP" in repr(a)
    assert repr(AsyncScalarDevice("M:OUTTMP")).startswith("AsyncScalarDevice(")


def test_fluent_returns_new_devices_of_the_same_kind():
    fb = AsyncFakeBackend()
    d = AsyncScalarDevice("Z:ACLTST", fb)
    e = d.with_event("p,500")
    assert type(e) is AsyncScalarDevice and e.backend is fb and e.is_periodic
    assert not e.without_event().has_event
    r = d.with_range(0, 3)
    assert r.request.range == "[0:3]" and type(r) is AsyncScalarDevice
    assert d.with_range(at=2).request.range == "[2]"
    assert r.without_range().request.range is None
    with pytest.raises(ValueError):
        d.with_range(0, 3, at=1)
    other = AsyncFakeBackend()
    assert d.with_backend(other).backend is other
    assert d.name == "Z:ACLTST"


# ---- I/O ----


def test_read_setting_status_get(abackend):
    async def main():
        async with abackend() as b:
            d = AsyncDevice("M:OUTTMP", b)
            assert await d.read() == 72.5
            assert await d.read(timeout=2.0) == 72.5
            r = await d.get()
            assert r.ok and r.value == 72.5
            r = await d.get(prop="setting")
            assert r.drf.startswith("M:OUTTMP.SETTING")
            with pytest.raises(ValueError, match="field requires prop"):
                await d.get(field="raw")
            g = AsyncDevice("G:AMANDA", b)
            assert isinstance(await g.setting(), float)
            assert isinstance(await g.description(), str)

    run(main())


def test_status_bool_and_dict(abackend):
    async def main():
        async with abackend() as b:
            d = AsyncDevice("Z:ACLTST", b)
            status = await d.status()
            assert isinstance(status, dict) and all(isinstance(v, bool) for v in status.values())
            on = await d.status(field="on")
            assert isinstance(on, bool)
            with pytest.raises(ValueError):
                await d.status(field="minimum")

    run(main())


def test_write_with_and_without_verify(abackend):
    async def main():
        async with abackend() as b:
            d = AsyncDevice("G:AMANDA", b)
            w = await d.write(12.5)
            assert w.ok and w.verified is None
            assert await d.setting() == 12.5
            w = await d.write(13.5, verify=pacsys.Verify(initial_delay=0.0, retry_delay=0.05, tolerance=0.01))
            assert w.verified is True and w.readback == 13.5
            await d.write(42.0)

    run(main())


def test_control_and_the_ten_shortcuts(abackend):
    async def main():
        async with abackend() as b:
            d = AsyncDevice("Z:ACLTST", b)
            assert (await d.control(BasicControl.ON)).ok
            assert await d.status(field="on") is True
            assert (await d.off()).ok
            assert await d.status(field="on") is False
            w = await d.on(verify=pacsys.Verify(initial_delay=0.0))
            assert w.verified is True
            for name in ("reset", "positive", "negative", "ramp", "dc", "local", "remote", "trip"):
                assert (await getattr(d, name)()).ok, name
            assert (await d.control("on", timeout=2.0)).ok

    run(main())


def test_alarms_read_and_write(abackend):
    async def main():
        async with abackend() as b:
            d = AsyncDevice("M:OUTTMP", b)
            alarm = await d.analog_alarm()
            assert set(alarm) >= {"minimum", "maximum", "alarm_enable"}
            assert (await d.set_analog_alarm({"maximum": 99.0})).ok
            assert (await d.analog_alarm())["maximum"] == 99.0
            assert (await d.set_analog_alarm({"maximum": alarm["maximum"]})).ok
            assert await d.analog_alarm(field="max") == alarm["maximum"]
            digital = await d.digital_alarm()
            assert set(digital) >= {"nominal", "mask"}

    run(main())


def test_typed_devices(abackend):
    async def main():
        async with abackend() as b:
            assert isinstance(await AsyncScalarDevice("M:OUTTMP", b).read(), float)
            arr = await AsyncArrayDevice("Z:ACLTST[0:3]", b).read()
            assert isinstance(arr, np.ndarray) and arr.dtype == np.float64 and len(arr) == 4
            with pytest.raises(TypeError):
                await AsyncTextDevice("M:OUTTMP", b).read()
            with pytest.raises(TypeError):
                await AsyncScalarDevice("Z:ACLTST[0:3]", b).read()

    run(main())


def test_subscribe_and_await_next(abackend):
    async def main():
        async with abackend() as b:
            d = AsyncDevice("M:OUTTMP", b)
            with pytest.raises(ValueError, match="repeating event"):
                await d.subscribe()
            async with await d.subscribe(event="p,50") as sub:
                reading, _ = await sub.readings(timeout=5).__anext__()
                assert reading.value == 72.5
            r = await d.with_event("p,50").await_next(timeout=5)
            assert r.value == 72.5
            got = []

            async with await d.subscribe(lambda r, h: got.append(r.value), event="p,50") as sub:
                for _ in range(300):
                    if got:
                        break
                    await asyncio.sleep(0.01)
            assert got and got[0] == 72.5
            with pytest.raises(TypeError, match="did you mean"):
                await d.subscribe("p,1000")

    run(main())


def test_await_next_times_out_with_a_timeout_error():
    async def main():
        fb = AsyncFakeBackend()
        with pytest.raises(TimeoutError):
            await AsyncDevice("M:OUTTMP@e,0f", fb).await_next(timeout=0.1)

    run(main())


# ---- the sync Device: the same surface ----


def test_sync_device_surface(any_backend):
    d = pacsys.Device("G:AMANDA", any_backend)
    assert d.read(timeout=2.0) == 42.0
    assert d.get(prop="setting").ok
    assert d.write(12.5, timeout=2.0).ok
    assert d.setting() == 12.5
    d.write(42.0)
    z = pacsys.Device("Z:ACLTST", any_backend)
    assert isinstance(z.status(field="on"), bool)
    assert z.on(timeout=2.0).ok
    assert z.with_range(at=1).read() == 0.5
    assert z.with_range(0, 1).without_range().request.range is None
    assert type(pacsys.ScalarDevice("M:OUTTMP").with_event("p,100")) is pacsys.ScalarDevice
    assert pacsys.Device("M:OUTTMP@p,100").is_periodic
    r = pacsys.Device("M:OUTTMP", any_backend).await_next(event="p,50", timeout=5)
    assert r.value == 72.5
