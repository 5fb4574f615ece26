"""pacsys_rs.exp (pacsys.exp's read_fresh, watch, scan and Monitor) over the simulator on
both transports."""

import pytest

from pacsys_rs.errors import DeviceError, InvalidRequestError, PacsysTimeoutError
from pacsys_rs.exp import Monitor, read_fresh, scan, watch


def test_read_fresh_collects_new_readings_with_statistics(backend):
    fresh = read_fresh(["G:AMANDA", "M:OUTTMP"], count=3, default_event="p,20", backend=backend)
    assert [f.requested_count for f in fresh] == [3, 3]
    assert len(fresh[0].values) == 3
    assert fresh[0].mean() == 42.0 and fresh[1].median() == 72.5
    assert fresh[1].std(-1) == 0.0 and fresh[1].min(2) == fresh[1].max(2) == 72.5
    with pytest.raises(InvalidRequestError):
        fresh[0].mean(5)
    with pytest.raises(ValueError):
        fresh[0].mean(0)
    with pytest.raises(ValueError):
        read_fresh([], backend=backend)
    with pytest.raises(ValueError):
        read_fresh(["G:AMANDA@p,20"], count=0, backend=backend)


def test_read_fresh_of_a_rejected_device_raises_its_error(backend):
    with pytest.raises((DeviceError, PacsysTimeoutError)):
        read_fresh(["Z:NOPE@p,20"], timeout=2.0, backend=backend)


def test_watch_returns_the_first_reading_that_satisfies_the_condition(backend):
    r = watch("G:AMANDA@p,20", lambda r: r.value > 40, timeout=5, backend=backend)
    assert r.value == 42.0
    with pytest.raises(PacsysTimeoutError):
        watch("G:AMANDA@p,20", lambda r: False, timeout=0.3, backend=backend)

    def boom(reading):
        raise KeyError("from the condition")

    with pytest.raises(KeyError):
        watch("G:AMANDA@p,20", boom, timeout=5, backend=backend)


def test_scan_steps_reads_and_always_restores(backend):
    original = backend.read("M:OUTTMP.SETTING")
    # 500 is outside M:OUTTMP's limits: the scan stops there and restores the setting.
    result = scan("M:OUTTMP", ["G:AMANDA"], values=[60.0, 500.0, 70.0], settle=0.01, backend=backend)
    assert result.aborted and result.restored
    assert result.set_values == [60.0, 500.0]
    assert [dict(step)["G:AMANDA"].value for step in result.readings] == [42.0]
    assert not result.write_results[1].ok
    assert backend.read("M:OUTTMP.SETTING") == original
    # A linear range, stopped by abort_if after two steps.
    steps = []
    result = scan(
        "M:OUTTMP", ["G:AMANDA"], start=60, stop=64, steps=5, settle=0.01,
        abort_if=lambda readings: steps.append(readings) or len(steps) == 2, backend=backend,
    )
    assert result.aborted and result.restored and len(result.readings) == 2
    assert result.set_values == [60.0, 61.0]
    # An exception from abort_if is raised, after the setting was put back.

    def boom(readings):
        raise RuntimeError("stop the scan")

    with pytest.raises(RuntimeError, match="stop the scan"):
        scan("M:OUTTMP", ["G:AMANDA"], values=[61.0, 62.0], settle=0.01, abort_if=boom, backend=backend)
    assert backend.read("M:OUTTMP.SETTING") == original
    with pytest.raises(ValueError):
        scan("M:OUTTMP", ["G:AMANDA"], values=[1.0], start=1, backend=backend)


def test_monitor_collects_in_the_background(backend):
    result = Monitor(["M:OUTTMP@p,20"], backend=backend).collect(count=3, timeout=5)
    assert result.counts["M:OUTTMP@p,20"] >= 3
    assert result.mean("M:OUTTMP@p,20") == 72.5
    assert len(result.last(2, "M:OUTTMP@p,20")) == 2
    with Monitor(["M:OUTTMP@p,20", "G:AMANDA@q,20"], buffer_size=4, stale_after=1.0, backend=backend) as mon:
        mon._native.wait_for(1, 5.0)
        import time

        time.sleep(1.3)
        assert mon.health("G:AMANDA@q,20").stale
        assert not mon.health("M:OUTTMP@p,20").stale
        snap = mon.snapshot()
        assert len(snap.channel("M:OUTTMP@p,20")) == 4
        first = snap.channel("M:OUTTMP@p,20").readings[1].timestamp
        later = snap.slice("M:OUTTMP@p,20", first)
        assert 2 <= len(later) <= 3 and all(r.timestamp >= first for r in later.readings)
        assert len(snap.slice("M:OUTTMP@p,20", None, first)) >= 1
        flushed = mon.flush()
        assert len(flushed.channel("G:AMANDA@q,20")) == 1
    assert not mon.running
    assert len(mon.result.channel("G:AMANDA@q,20")) == 0
