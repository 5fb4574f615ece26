"""pacsys's aio plan, task 9: the module functions over a global async backend
(``configure``, ``shutdown``, the event-loop binding), and the sync API inside a running event
loop (as in Jupyter) beside the aio API on that loop."""

import asyncio
import threading

import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


@pytest.fixture
def aio_default(simulator):
    """Points the global async backend at the simulator's DPM server."""
    aio.configure(backend="dpm", dpm_host="127.0.0.1", dpm_port=simulator.dpm_port)
    yield simulator
    aio.configure(backend=None, host=None, port=None, timeout=None)


def test_configure_and_read(aio_default):
    async def main():
        try:
            assert await aio.read("M:OUTTMP") == 72.5
            assert (await aio.get("M:OUTTMP")).value == 72.5
            assert [r.value for r in await aio.get_many(["M:OUTTMP", "G:AMANDA"])] == [72.5, 42.0]
            assert await aio.read_many(["M:OUTTMP", "G:AMANDA"]) == [72.5, 42.0]
            assert (await aio.write("G:AMANDA", 42.0)).ok
            assert [w.ok for w in await aio.write_many({"G:AMANDA": 42.0})] == [True]
            assert await aio.AsyncDevice("M:OUTTMP").read() == 72.5
            async with await aio.subscribe(["M:OUTTMP@p,50"]) as sub:
                reading, _ = await sub.readings(timeout=5).__anext__()
                assert reading.value == 72.5
        finally:
            await aio.shutdown()

    run(main())


def test_configure_invalid_values_raise_value_error():
    with pytest.raises(ValueError, match="Invalid backend"):
        aio.configure(backend="acl")
    with pytest.raises(ValueError):
        aio.configure(port=0)
    with pytest.raises(ValueError):
        aio.configure(timeout=-1)
    with pytest.raises(ValueError):
        aio.configure(host="x", dpm_host="y")
    with pytest.raises(ValueError):
        aio.configure(backend="grpc", role="testing")
    with pytest.raises(ValueError):
        aio.configure(auth="kerberos")


def test_shutdown_resets_and_a_new_configuration_takes_effect(simulator):
    async def main():
        aio.configure(backend="dpm", host="127.0.0.1", port=simulator.dpm_port)
        first = aio._get_global_async_backend()
        assert await aio.read("M:OUTTMP") == 72.5
        await aio.shutdown()
        aio.configure(backend="grpc", host="127.0.0.1", port=simulator.grpc_port, auth=pacsys.JWTAuth(simulator.token))
        second = aio._get_global_async_backend()
        assert second is not first
        assert second.backend.kind == "grpc"
        assert await aio.read("M:OUTTMP") == 72.5
        await aio.shutdown()

    try:
        run(main())
    finally:
        aio.configure(backend=None, host=None, port=None, auth=None)


def test_the_global_backend_is_bound_to_its_loop(aio_default):
    async def first():
        assert await aio.read("M:OUTTMP") == 72.5

    async def second():
        with pytest.raises(RuntimeError, match="event loop"):
            await aio.read("M:OUTTMP")
        await aio.shutdown()  # abandons the stale backend: the loop that owned it closed
        assert await aio.read("M:OUTTMP") == 72.5
        await aio.shutdown()

    run(first())
    run(second())


def test_sync_api_inside_a_running_loop_as_in_a_notebook(default_to):
    """Jupyter runs cells inside a running asyncio loop: the blocking API must work there
    (no 'event loop is already running', no nest_asyncio) and so must the aio API."""

    async def cell():
        assert pacsys.read("M:OUTTMP") == 72.5
        with pacsys.dpm(host="127.0.0.1", port=default_to.dpm_port) as b:
            assert b.get_many(["M:OUTTMP", "G:AMANDA"])[1].value == 42.0
            got = []
            done = threading.Event()

            def cb(reading, handle):
                got.append(reading.value)
                done.set()

            with b.subscribe(["M:OUTTMP@p,50"], callback=cb):
                assert done.wait(5)
            assert got[0] == 72.5
            ab = aio.wrap(b)
            assert await ab.read("M:OUTTMP") == 72.5
            values = await asyncio.gather(ab.read("M:OUTTMP"), asyncio.to_thread(b.read, "G:AMANDA"))
            assert values == [72.5, 42.0]

    run(cell())
