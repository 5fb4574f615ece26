"""Stopping returns promptly, whatever the stream is doing: a quiet periodic subscription
(one reading a minute) and an on-change one whose value never changes, stopped in every form
(a thread blocked in next(), a callback thread, an awaited next(), an asyncio callback), on
both transports and the in-memory fake. Each stop must complete inside a generous bound
(far below the 60 s period it would otherwise wait for); this is not a speed test."""

import asyncio
import threading
import time

import pytest

import pacsys_rs.aio as aio

#: Far below the period of the quiet streams (60 s), far above any scheduling delay.
BOUND = 5.0

QUIET = ["M:OUTTMP@p,60000", "M:OUTTMP@q,60000"]


def timed(f):
    start = time.monotonic()
    f()
    return time.monotonic() - start


async def atimed(coro):
    start = time.monotonic()
    await asyncio.wait_for(coro, BOUND * 2)
    return time.monotonic() - start


@pytest.mark.parametrize("drf", QUIET)
def test_stop_while_another_thread_waits_in_next(any_backend, drf):
    sub = any_backend.subscribe([drf])
    sub.next(0.5)  # the first reading (if the kind sends one at once), then silence
    waiting = threading.Thread(target=sub.next)
    waiting.start()
    time.sleep(0.2)  # it is blocked inside next()
    assert timed(sub.stop) < BOUND
    waiting.join(BOUND)
    assert not waiting.is_alive()
    assert sub.stopped


@pytest.mark.parametrize("drf", QUIET)
def test_stop_of_a_callback_handle(any_backend, drf):
    sub = any_backend.subscribe([drf], callback=lambda r, h: None)
    time.sleep(0.2)  # the callback thread waits for the next reading
    assert timed(sub.stop) < BOUND
    assert sub.stopped


@pytest.mark.parametrize("drf", QUIET)
def test_await_stop_while_a_next_is_pending(any_backend, drf):
    async def main():
        b = aio.wrap(any_backend)
        sub = await b.subscribe([drf])
        await sub.next(0.5)
        pending = asyncio.ensure_future(sub.next())
        await asyncio.sleep(0.2)
        assert await atimed(sub.stop()) < BOUND
        assert await asyncio.wait_for(pending, BOUND) is None
        assert sub.stopped

    asyncio.run(main())


@pytest.mark.parametrize("drf", QUIET)
def test_await_stop_of_an_asyncio_callback_handle(any_backend, drf):
    async def main():
        b = aio.wrap(any_backend)

        async def cb(reading, handle):
            pass

        sub = await b.subscribe([drf], callback=cb)
        await asyncio.sleep(0.2)
        assert await atimed(sub.stop()) < BOUND
        assert sub.stopped

    asyncio.run(main())


def test_readings_ends_when_another_task_stops_the_handle(backend):
    async def main():
        b = aio.wrap(backend)
        sub = await b.subscribe(["M:OUTTMP@p,60000"])

        async def consume():
            return [r async for r, _ in sub.readings()]

        consumer = asyncio.ensure_future(consume())
        await asyncio.sleep(0.3)
        await sub.stop()
        got = await asyncio.wait_for(consumer, BOUND)
        assert len(got) <= 1

    asyncio.run(main())


def test_closing_the_backend_ends_a_blocked_consumer(simulator):
    b = simulator.dpm()
    sub = b.subscribe(["M:OUTTMP@p,60000"])
    sub.next(2)
    result = []
    waiting = threading.Thread(target=lambda: result.append(sub.next()))
    waiting.start()
    time.sleep(0.2)
    assert timed(b.close) < BOUND
    waiting.join(BOUND)
    assert result == [None]
    assert sub.exc is None
