"""asyncio: awaitable calls, async subscriptions, cancellation, on both transports."""

import asyncio

import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_awaitable_reads_and_writes(backend):
    async def main():
        b = aio.wrap(backend)
        assert await b.read("M:OUTTMP") == 72.5
        r = await b.get("Z:ACLTST[0:1]")
        assert list(r.value) == [0.0, 0.5]
        rs = await b.get_many(["M:OUTTMP", "Z:NOPE"])
        assert rs[0].ok and not rs[1].ok
        assert await b.read_many(["M:OUTTMP", "G:AMANDA"]) == [72.5, 42.0]
        w = await b.write("G:AMANDA", 7.0, verify=True)
        assert w.verified is True
        ws = await b.write_many([("G:AMANDA", 42.0)])
        assert ws[0].ok
        with pytest.raises(pacsys.DeviceError):
            await b.read("Z:NOPE")

    run(main())


def test_concurrent_calls_share_the_runtime(backend):
    async def main():
        b = aio.wrap(backend)
        values = await asyncio.gather(*(b.read("M:OUTTMP") for _ in range(50)))
        assert values == [72.5] * 50

    run(main())


def test_async_subscription(backend):
    async def main():
        b = aio.wrap(backend)
        async with await b.subscribe(["M:OUTTMP@p,50"]) as sub:
            n = 0
            async for reading in sub:
                assert reading.value == 72.5
                n += 1
                if n == 3:
                    break
        assert sub.stopped

    run(main())


def test_cancellation_cancels_the_wait(backend):
    async def main():
        b = aio.wrap(backend)
        async with await b.subscribe(["M:OUTTMP@p,60000"]) as sub:  # once a minute
            assert await sub.next(5) is not None  # the first comes at once, then nothing
            task = asyncio.ensure_future(sub.next())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The subscription still works after the cancelled wait.
            assert await sub.next(0.2) is None

    run(main())


def test_async_device_and_module_functions(simulator):
    async def main():
        aio.configure(backend="dpm", dpm_host="127.0.0.1", dpm_port=simulator.dpm_port)
        try:
            assert await aio.read("M:OUTTMP") == 72.5
            assert [r.value for r in await aio.get_many(["M:OUTTMP", "G:AMANDA"])] == [72.5, 42.0]
            dev = aio.AsyncDevice("G:AMANDA")
            assert await dev.read() == 42.0
        finally:
            await aio.shutdown()
            aio.configure(backend=None, host=None, port=None)

    run(main())


def test_async_backend_context_manager(simulator):
    async def main():
        async with aio.wrap(simulator.grpc()) as b:
            assert await b.read("M:OUTTMP") == 72.5
        with pytest.raises(pacsys.ClosedError):
            await b.read("M:OUTTMP")

    run(main())
