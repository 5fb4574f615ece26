"""pacsys's aio plan, tasks 5 and 7: the async gRPC and DPM backends, against the simulator
over real TCP (and the in-memory fake where the transport does not matter)."""

import asyncio

import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio
from pacsys_rs import BackendCapability
from pacsys_rs.aio import AsyncBackend, AsyncSubscriptionHandle


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


@pytest.fixture(params=["dpm", "grpc"])
def make(request, simulator):
    """A factory of aio backends of each transport over the simulator, built with the
    reference's factory functions and parameters (positional)."""
    if request.param == "dpm":
        return lambda: aio.dpm("127.0.0.1", simulator.dpm_port, 2, 5.0)
    return lambda: aio.grpc("127.0.0.1", simulator.grpc_port, pacsys.JWTAuth(simulator.token), 5.0)


def test_the_factories_make_async_backends(make):
    b = make()
    assert isinstance(b, AsyncBackend)
    assert BackendCapability.READ | BackendCapability.STREAM | BackendCapability.BATCH in b.capabilities


def test_read_single(make):
    async def main():
        async with make() as b:
            assert await b.read("M:OUTTMP") == 72.5

    run(main())


def test_get_and_get_many(make):
    async def main():
        async with make() as b:
            r = await b.get("Z:ACLTST[0:1]")
            assert list(r.value) == [0.0, 0.5]
            rs = await b.get_many(["M:OUTTMP", "Z:NOPE", "G:AMANDA"])
            assert [r.ok for r in rs] == [True, False, True]
            assert rs[1].error_code < 0
            assert await b.get_many([]) == []

    run(main())


def test_read_error_raises(make):
    async def main():
        async with make() as b:
            with pytest.raises(pacsys.DeviceError):
                await b.read("Z:NOPE")
            with pytest.raises(pacsys.DeviceError):
                await b.read_many(["M:OUTTMP", "Z:NOPE"])

    run(main())


def test_write_and_write_many(make):
    async def main():
        async with make() as b:
            w = await b.write("G:AMANDA", 7.0)
            assert w.ok
            assert await b.read("G:AMANDA.SETTING") == 7.0
            ws = await b.write_many([("G:AMANDA", 42.0)])
            assert [w.ok for w in ws] == [True]

    run(main())


def test_grpc_write_without_a_token_raises(simulator, monkeypatch):
    monkeypatch.delenv("PACSYS_JWT_TOKEN", raising=False)

    async def main():
        async with aio.grpc("127.0.0.1", simulator.grpc_port) as b:
            assert BackendCapability.WRITE not in b.capabilities
            assert b.authenticated is False
            with pytest.raises(pacsys.AuthenticationError):
                await b.write("G:AMANDA", 1.0)

    run(main())


def test_subscribe(make):
    async def main():
        async with make() as b:
            handle = await b.subscribe(["M:OUTTMP@p,50"])
            assert isinstance(handle, AsyncSubscriptionHandle)
            got = []
            async for reading, h in handle.readings(timeout=5):
                got.append(reading.value)
                if len(got) == 3:
                    break
            assert got == [72.5] * 3
            await handle.stop()

    run(main())


def test_context_manager_closes(make):
    async def main():
        async with make() as b:
            assert await b.read("M:OUTTMP") == 72.5
        with pytest.raises(pacsys.ClosedError):
            await b.read("M:OUTTMP")

    run(main())


def test_concurrent_calls_share_the_runtime(make):
    async def main():
        async with make() as b:
            values = await asyncio.gather(*(b.read("M:OUTTMP") for _ in range(50)))
            assert values == [72.5] * 50

    run(main())


def test_cancelling_a_call_cancels_it(make):
    async def main():
        async with make() as b:
            sub = await b.subscribe(["M:OUTTMP@p,60000"])
            assert await sub.next(5) is not None
            task = asyncio.ensure_future(sub.next())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await sub.next(0.2) is None  # still usable after the cancelled wait
            await sub.stop()

    run(main())


def test_the_sync_backend_underneath_shares_the_connections(simulator):
    async def main():
        b = aio.wrap(simulator.dpm())
        assert isinstance(b.backend, pacsys.Backend)
        assert b.backend.read("M:OUTTMP") == await b.read("M:OUTTMP")
        await b.close()

    run(main())
