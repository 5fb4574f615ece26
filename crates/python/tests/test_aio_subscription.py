"""pacsys's aio plan, task 4: AsyncSubscriptionHandle (iteration, the error that ends a stream,
the total window, overflow, stopped, callbacks sync and async, on_error), over the in-memory
AsyncFakeBackend and over both transports of the simulator."""

import asyncio
import time

import pytest

import pacsys_rs.aio as aio
from pacsys_rs.aio import AsyncSubscriptionHandle
from pacsys_rs.testing import AsyncFakeBackend


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def collect(agen):
    return [item async for item in agen]


async def subscribed(fb, drf="M:OUTTMP@e,0f", **kw):
    handle = await fb.subscribe([drf], **kw)
    assert await fb.wait_for_subscription("M:OUTTMP", 2)
    return handle


def test_dispatch_and_iterate():
    async def main():
        fb = AsyncFakeBackend()
        handle = await subscribed(fb)
        assert isinstance(handle, AsyncSubscriptionHandle)
        fb.emit_reading("M:OUTTMP", 1.0)
        fb.emit_reading("M:OUTTMP", 2.0)
        results = []
        async for reading, h in handle.readings(timeout=0):
            results.append(reading.value)
            assert h is handle
        assert results == [1.0, 2.0]
        await handle.stop()
        assert [r async for r in handle.readings()] == []

    run(main())


def test_error_propagation_after_the_buffered_readings():
    async def main():
        fb = AsyncFakeBackend()
        handle = await subscribed(fb)
        fb.emit_reading("M:OUTTMP", 1.0)
        fb.emit_error(RuntimeError("boom"))
        results = []
        with pytest.raises(RuntimeError, match="boom"):
            async for reading, _ in handle.readings():
                results.append(reading.value)
        assert results == [1.0]
        assert isinstance(handle.exc, RuntimeError)

    run(main())


def test_timeout_is_one_total_window():
    async def main():
        fb = AsyncFakeBackend()
        handle = await subscribed(fb)
        start = time.monotonic()
        got = [r async for r, _ in handle.readings(timeout=0.2)]
        elapsed = time.monotonic() - start
        assert got == []
        assert 0.15 <= elapsed < 10  # it waited for the window, and returned without raising
        await handle.stop()

    run(main())


def test_overflow_drops_the_oldest_by_default():
    async def main():
        fb = AsyncFakeBackend(buffer=3)
        handle = await subscribed(fb)
        for i in range(5):
            fb.emit_reading("M:OUTTMP", float(i))
        values = [r.value async for r, _ in handle.readings(timeout=0)]
        assert values == [2.0, 3.0, 4.0]  # two dropped, the newest kept
        assert handle.dropped == 2
        await handle.stop()

    run(main())


def test_overflow_drop_newest_is_selectable(simulator):
    """pacsys drops the newest readings of a full buffer (``drop="newest"``), pacsys_rs by
    default the oldest: side by side, a slow consumer of the first holds the first
    readings, of the second the latest."""

    async def main():
        newest = aio.wrap(simulator.dpm(buffer=5, drop="newest"))
        oldest = aio.wrap(simulator.dpm(buffer=5))
        a = await newest.subscribe(["M:OUTTMP@p,10"])
        b = await oldest.subscribe(["M:OUTTMP@p,10"])
        await asyncio.sleep(0.6)  # ~60 readings each into buffers of 5
        kept_first = [r async for r, _ in a.readings(timeout=0)]
        kept_last = [r async for r, _ in b.readings(timeout=0)]
        assert 1 <= len(kept_first) <= 6 and 1 <= len(kept_last) <= 6
        assert a.dropped > 0 and b.dropped > 0
        # A reading may slip into the first buffer while it is drained (a slot frees): the
        # first buffer's oldest is from the start, the second's from about 0.6 s later.
        assert min(r.epoch for r in kept_first) + 0.3 < min(r.epoch for r in kept_last)
        for x in (a, b):
            await x.stop()
        await newest.close()
        await oldest.close()

    run(main())


def test_stopped_property():
    async def main():
        fb = AsyncFakeBackend()
        handle = await subscribed(fb)
        assert handle.stopped is False
        await handle.stop()
        assert handle.stopped is True
        await handle.stop()  # idempotent

    run(main())


def test_callback_feeder_async():
    async def main():
        fb = AsyncFakeBackend()
        collected = []
        loop = asyncio.get_running_loop()
        seen_loops = set()

        async def cb(reading, h):
            collected.append(reading.value)
            seen_loops.add(asyncio.get_running_loop())

        handle = await subscribed(fb, callback=cb)
        fb.emit_reading("M:OUTTMP", 10.0)
        fb.emit_reading("M:OUTTMP", 20.0)
        for _ in range(1000):
            if len(collected) == 2:
                break
            await asyncio.sleep(0.01)
        await handle.stop()
        assert collected == [10.0, 20.0]
        assert seen_loops == {loop}  # on the subscribing loop, never a Rust thread

    run(main())


def test_callback_feeder_sync():
    async def main():
        fb = AsyncFakeBackend()
        collected = []
        import threading

        main_thread = threading.get_ident()
        threads = set()

        def cb(reading, h):
            collected.append(reading.value)
            threads.add(threading.get_ident())

        handle = await subscribed(fb, callback=cb)
        fb.emit_reading("M:OUTTMP", 5.0)
        for _ in range(1000):
            if collected:
                break
            await asyncio.sleep(0.01)
        await handle.stop()
        assert collected == [5.0]
        assert threads == {main_thread}

    run(main())


def test_on_error_gets_callback_exceptions_and_the_stream_error():
    async def main():
        fb = AsyncFakeBackend()
        errors = []

        def cb(reading, h):
            raise ValueError(f"bad {reading.value}")

        async def on_error(exc, h):
            errors.append(exc)

        handle = await subscribed(fb, callback=cb, on_error=on_error)
        fb.emit_reading("M:OUTTMP", 1.0)
        for _ in range(1000):
            if errors:
                break
            await asyncio.sleep(0.01)
        fb.emit_error(ConnectionError("link down"))
        for _ in range(1000):
            if len(errors) == 2:
                break
            await asyncio.sleep(0.01)
        await handle.stop()
        assert isinstance(errors[0], ValueError) and "bad 1.0" in str(errors[0])
        assert isinstance(errors[1], ConnectionError)

    run(main())


def test_readings_of_a_callback_handle_raise_runtime_error():
    async def main():
        fb = AsyncFakeBackend()
        handle = await subscribed(fb, callback=lambda r, h: None)
        with pytest.raises(RuntimeError, match="callback"):
            async for _ in handle.readings(timeout=0):
                pass
        await handle.stop()

    run(main())


def test_a_callback_may_stop_its_own_handle():
    async def main():
        fb = AsyncFakeBackend()
        seen = []

        async def cb(reading, h):
            seen.append(reading.value)
            await h.stop()

        handle = await subscribed(fb, callback=cb)
        fb.emit_reading("M:OUTTMP", 1.0)
        fb.emit_reading("M:OUTTMP", 2.0)
        for _ in range(1000):
            if handle.stopped and seen:
                break
            await asyncio.sleep(0.01)
        assert seen == [1.0]
        assert handle.stopped

    run(main())


def test_async_with_stops_and_backend_close_ends_the_stream(backend):
    async def main():
        b = aio.wrap(backend)
        async with await b.subscribe(["M:OUTTMP@p,50"]) as handle:
            n = 0
            async for reading, h in handle.readings(timeout=5):
                assert reading.value == 72.5
                n += 1
                if n == 3:
                    break
        assert handle.stopped
        other = await b.subscribe(["M:OUTTMP@p,60000"])
        await b.close()
        # The stream ends cleanly (no error) when its backend closes: an endless
        # readings() returns (at most what was buffered) instead of waiting for ever.
        got = await asyncio.wait_for(collect(other.readings()), 5)
        assert len(got) <= 1
        assert other.stopped and other.exc is None

    run(main())


def test_async_for_yields_readings(backend):
    async def main():
        b = aio.wrap(backend)
        async with await b.subscribe(["M:OUTTMP@p,50"]) as sub:
            n = 0
            async for reading in sub:
                assert reading.value == 72.5
                n += 1
                if n == 2:
                    break
            assert sub.gaps == 0

    run(main())
