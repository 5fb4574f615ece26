"""pacsys_rs.history.since: logged readings from a start time, then live ones, as one
subscription (sync and aio), over the simulator's logger; and pacsys_rs.exp over aio
backends."""

import asyncio
import datetime as dt

import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio
import pacsys_rs.exp as exp
from pacsys_rs import history


def test_since_delivers_history_then_live_in_time_order(backend):
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    with history.since("M:OUTTMP@p,100", start, backend=backend, window=10) as sub:
        stamps = [r.timestamp for r, _ in sub.readings(timeout=3)]
    assert len(stamps) > 10
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)  # nothing twice
    assert stamps[0] < dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=20)  # history first
    assert stamps[-1] > dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)  # then live


def test_since_async(backend):
    async def main():
        b = aio.wrap(backend)
        start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=10)
        sub = await history.since_async("M:OUTTMP@p,100", start, backend=b)
        got = [r async for r, _ in sub.readings(timeout=2)]
        await sub.stop()
        assert len(got) > 5

    asyncio.run(asyncio.wait_for(main(), 30))


def test_since_refuses_a_naive_datetime_and_a_future_start(backend):
    with pytest.raises(ValueError, match="timezone"):
        history.since("M:OUTTMP@p,100", dt.datetime.now(), backend=backend)
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    with pytest.raises(pacsys.InvalidRequestError):
        history.since("M:OUTTMP@p,100", future, backend=backend)


def test_exp_runs_over_an_aio_backend_and_refuses_a_python_one(backend):
    fresh = exp.read_fresh(["M:OUTTMP@p,50"], count=2, backend=aio.wrap(backend), timeout=5)
    assert fresh[0].mean() == 72.5

    class Mine(aio.AsyncBackend):
        capabilities = pacsys.BackendCapability.READ

        async def read(self, drf, timeout=None):
            return 1.0

        async def get(self, drf, timeout=None):
            raise NotImplementedError

        async def get_many(self, drfs, timeout=None):
            raise NotImplementedError

        async def close(self):
            pass

    with pytest.raises(pacsys.UnsupportedError):
        exp.read_fresh(["M:OUTTMP@p,50"], backend=Mine())
