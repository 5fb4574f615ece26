"""pacsys_rs.testing: FakeBackend and AsyncFakeBackend with pacsys's test-double methods
(the async-supervisor plan's task 1 ported), the pytest fixtures (found through the
package's pytest11 entry point), and Reading/WriteResult made from Python."""

import asyncio
import datetime as dt

import numpy as np
import pytest

import pacsys_rs as pacsys
import pacsys_rs.aio as aio
from pacsys_rs import Reading, WriteResult
from pacsys_rs.testing import AsyncFakeBackend, FakeBackend, world_backend

# ---- the plan's task 1: AsyncFakeBackend ----


def test_read_value():
    fb = AsyncFakeBackend()
    fb.set_reading("M:OUTTMP", 72.5)
    reading = asyncio.run(fb.get("M:OUTTMP"))
    assert reading.ok
    assert reading.value == pytest.approx(72.5)


def test_read_error():
    fb = AsyncFakeBackend()
    fb.set_error("M:BADDEV", -42, "Device not found")
    reading = asyncio.run(fb.get("M:BADDEV"))
    assert reading.is_error
    assert reading.error_code == -42
    with pytest.raises(pacsys.DeviceError):
        asyncio.run(fb.read("M:BADDEV"))


def test_get_many():
    fb = AsyncFakeBackend()
    fb.set_reading("M:OUTTMP", 72.5)
    fb.set_reading("G:AMANDA", 42.0)
    readings = asyncio.run(fb.get_many(["M:OUTTMP", "G:AMANDA"]))
    assert len(readings) == 2
    assert readings[0].value == pytest.approx(72.5)
    assert readings[1].value == pytest.approx(42.0)


def test_write():
    fb = AsyncFakeBackend()
    fb.set_reading("M:OUTTMP", 72.5)
    result = asyncio.run(fb.write("M:OUTTMP", 80.0))
    assert result.success
    assert fb.was_written("M:OUTTMP")
    assert fb.get_written_value("M:OUTTMP") == 80.0


def test_write_many():
    fb = AsyncFakeBackend()
    fb.set_reading("M:OUTTMP", 72.5)
    fb.set_reading("G:AMANDA", 42.0)
    results = asyncio.run(fb.write_many([("M:OUTTMP", 80.0), ("G:AMANDA", 50.0)]))
    assert len(results) == 2
    assert all(r.success for r in results)


def test_subscribe_and_emit():
    async def _run():
        fb = AsyncFakeBackend()
        fb.set_reading("M:OUTTMP", 72.5)
        handle = await fb.subscribe(["M:OUTTMP"])

        async def _emit():
            await asyncio.sleep(0.05)
            fb.emit_reading("M:OUTTMP", 73.0)
            fb.emit_reading("M:OUTTMP", 74.0)
            await asyncio.sleep(0.05)
            await handle.stop()

        emitter = asyncio.ensure_future(_emit())
        readings = []
        async for reading, _ in handle.readings(timeout=2.0):
            readings.append(reading)
        await emitter
        assert [r.value for r in readings] == [73.0, 74.0]

    asyncio.run(_run())


def test_close():
    async def _run():
        fb = AsyncFakeBackend()
        fb.set_reading("M:OUTTMP", 72.5)
        await fb.close()
        with pytest.raises(RuntimeError):  # ClosedError is a RuntimeError
            await fb.get("M:OUTTMP")

    asyncio.run(_run())


def test_reset():
    async def _run():
        fb = AsyncFakeBackend()
        fb.set_reading("M:OUTTMP", 72.5)
        await fb.read("M:OUTTMP")
        handle = await fb.subscribe(["M:OUTTMP@e,0f"])
        fb.reset()
        assert fb.reads == [] and fb.writes == []
        assert [r async for r, _ in handle.readings(timeout=1)] == []
        with pytest.raises(pacsys.DeviceError):
            await fb.read("M:OUTTMP")

    asyncio.run(_run())


# ---- FakeBackend: pacsys's meanings ----


def test_an_empty_fake_knows_no_devices_and_the_world_is_one_call_away():
    fb = FakeBackend()
    assert not fb.get("M:OUTTMP").ok
    assert world_backend().read("M:OUTTMP") == 72.5
    assert FakeBackend(world=True).read("G:AMANDA") == 42.0


def test_the_device_written_is_the_device_asked_about():
    fb = FakeBackend()
    result = pacsys.Device("G:AMANDA", backend=fb).write(5.0)
    assert result.ok
    assert fb.was_written("G:AMANDA")
    assert fb.was_written("g:amanda.setting@N")
    assert fb.get_written_value("G:AMANDA") == 5.0
    assert not fb.was_written("M:OUTTMP")
    assert fb.writes == [("G:AMANDA.SETTING@N", 5.0)]
    assert pacsys.Device("G:AMANDA", backend=fb).read() == 5.0  # a written value reads back


def test_set_reading_with_metadata_and_ranges():
    fb = FakeBackend()
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    fb.set_reading("Z:ARR", [1.0, 2.0, 3.0], value_type="scalarArr", units="mm", description="an array", timestamp=when, cycle=7)
    r = fb.get("Z:ARR[1:2]")
    assert list(r.value) == [2.0, 3.0]
    assert (r.units, r.description, r.cycle, r.timestamp) == ("mm", "an array", 7, when)
    with pytest.raises(TypeError):
        fb.set_reading("Z:X", "text", value_type="scalar")
    fb.set_analog_alarm("Z:ARR.ANALOG", {"minimum": 1.0, "maximum": 9.0, "alarm_enable": True})
    assert fb.read("Z:ARR.ANALOG")["maximum"] == 9.0


def test_set_write_result_refuses_a_setting():
    fb = FakeBackend()
    fb.set_reading("G:AMANDA", 1.0)
    fb.set_write_result("G:AMANDA", success=False)
    with pytest.raises(pacsys.SettingRejectedError):
        pacsys.Device("G:AMANDA", backend=fb).write(2.0)
    results = fb.write_many([("G:AMANDA", 3.0)])
    assert not results[0].ok and results[0].error_code == -1


def test_emit_reading_and_wait_for_subscription_sync():
    fb = FakeBackend()
    seen = []
    handle = fb.subscribe(["M:OUTTMP@e,0f"], callback=lambda r, h: seen.append(r.value))
    assert fb.wait_for_subscription("M:OUTTMP", 2)
    assert fb.emit_reading("M:OUTTMP", 9.5) == 1
    for _ in range(1000):
        if seen:
            break
        import time

        time.sleep(0.01)
    handle.stop()
    assert seen == [9.5]
    assert fb.capabilities & pacsys.BackendCapability.WRITE
    fb.close()


def test_emit_error_ends_a_sync_subscription_with_that_exception():
    fb = FakeBackend()
    handle = fb.subscribe(["M:OUTTMP@e,0f"])
    fb.wait_for_subscription("M:OUTTMP", 2)
    fb.emit_reading("M:OUTTMP", 1.0)
    boom = ValueError("boom")
    assert fb.emit_error(boom) == 1
    got = []
    with pytest.raises(ValueError) as raised:
        for r, _ in handle.readings(timeout=2):
            got.append(r.value)
    assert raised.value is boom and got == [1.0]
    assert handle.exc is boom


# ---- the fixtures (entry point pytest11) ----


def test_fake_backend_fixture(fake_backend):
    assert isinstance(fake_backend, FakeBackend)
    fake_backend.set_reading("M:OUTTMP", 1.0)
    assert pacsys.Device("M:OUTTMP", backend=fake_backend).read() == 1.0


def test_mock_pacsys_routes_the_module_functions_sync_and_aio(mock_pacsys):
    mock_pacsys.set_reading("M:OUTTMP", 72.5)
    assert pacsys.read("M:OUTTMP") == 72.5
    assert pacsys.Device("M:OUTTMP").read() == 72.5
    assert [r.value for r in pacsys.get_many(["M:OUTTMP"])] == [72.5]
    pacsys.write("G:AMANDA", 3.0)
    assert mock_pacsys.get_written_value("G:AMANDA") == 3.0

    async def main():
        assert await aio.read("M:OUTTMP") == 72.5
        assert await aio.AsyncDevice("M:OUTTMP").read() == 72.5

    asyncio.run(main())
    assert mock_pacsys.was_read("M:OUTTMP")


def test_after_mock_pacsys_the_default_backend_is_the_real_one_again():
    # The previous test's fixture restored it: the default is the configured DPM backend.
    assert pacsys.default_backend().kind != "fake"


def test_async_mock_pacsys(async_mock_pacsys):
    async_mock_pacsys.set_reading("M:OUTTMP", 5.0)

    async def main():
        assert await aio.read("M:OUTTMP") == 5.0
        handle = await aio.subscribe(["M:OUTTMP@e,0f"])
        assert await async_mock_pacsys.wait_for_subscription("M:OUTTMP", 2)
        async_mock_pacsys.emit_reading("M:OUTTMP", 6.0)
        reading, _ = await handle.readings(timeout=2).__anext__()
        assert reading.value == 6.0
        await handle.stop()

    asyncio.run(main())


# ---- Reading and WriteResult from Python ----


def test_reading_from_python_equality_and_dict_round_trip():
    when = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    r = Reading(drf="M:OUTTMP", value_type="scalar", value=72.5, timestamp=when, cycle=3,
                meta={"device_index": 1, "name": "M:OUTTMP", "description": "Outdoor", "units": "DegF"})
    assert r.ok and r.value == 72.5 and r.units == "DegF" and r.name == "M:OUTTMP"
    assert r == Reading.from_dict(r.to_dict())
    assert r != Reading(drf="M:OUTTMP", value_type="scalar", value=72.0, timestamp=when, cycle=3)
    assert hash(r) == hash(Reading.from_dict(r.to_dict()))
    with pytest.raises(ValueError, match="value_type"):
        Reading(drf="M:OUTTMP", value=1.0)
    err = Reading(drf="Z:NOPE", facility_code=17, error_code=-26, message="no such device")
    assert err.is_error and not err.ok and err.message == "no such device"
    assert Reading.from_dict(err.to_dict()) == err
    arr = Reading(drf="Z:A", value_type="scalarArr", value=np.array([1.0, 2.5]))
    d = arr.to_dict()
    assert d["value"] == [1.0, 2.5] and d["value_dtype"] == "<f8"
    assert list(Reading.from_dict(d).value) == [1.0, 2.5]
    raw = Reading(drf="Z:R.RAW", value_type="raw", value=b"\x00\xff")
    assert Reading.from_dict(raw.to_dict()).value == b"\x00\xff"


def test_a_fake_reading_equals_the_expected_one():
    fb = FakeBackend()
    when = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    meta = {"device_index": 0, "name": "M:OUTTMP", "description": "Test device M:OUTTMP"}
    fb.set_reading("M:OUTTMP", 1.5, timestamp=when)
    expected = Reading(drf="M:OUTTMP", value_type="scalar", value=1.5, timestamp=when, meta=meta)
    assert fb.get("M:OUTTMP") == expected


def test_write_result_from_python():
    w = WriteResult(drf="G:AMANDA", verified=True, readback=5.0, attempts=1)
    assert w.ok and w.success and w.confirmed and w.readback == 5.0
    assert WriteResult.from_dict(w.to_dict()) == w
    assert hash(WriteResult.from_dict(w.to_dict())) == hash(w)
    bad = WriteResult(drf="G:AMANDA", facility_code=1, error_code=-1, message="refused")
    assert not bad.ok and bad.message == "refused"
    assert bad != w
    # Another class: NotImplemented on both sides, so Python falls back to identity.
    assert w != "G:AMANDA" and not (w == 5.0)
    assert w != Reading(drf="G:AMANDA", value_type="scalar", value=5.0)


def test_the_readme_testing_section_runs_under_pytest(tmp_path):
    """The crate README's "Testing your scripts" example, run by pytest in a fresh process
    (the fixtures come from the installed package's entry point, nothing else)."""
    import pathlib
    import re
    import subprocess
    import sys

    readme = pathlib.Path(__file__).resolve().parents[1] / "README.md"
    section = readme.read_text().split("## Testing your scripts", 1)[1]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    (tmp_path / "test_example.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
