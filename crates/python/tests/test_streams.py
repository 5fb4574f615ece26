"""Subscriptions: iteration, callbacks, the reference's readings() generator, counted drops
and a reported gap after the fake server drops the connection."""

import threading
import time

import pacsys_rs as pacsys


def test_iterate_and_stop(backend):
    with backend.subscribe(["M:OUTTMP@p,50", "G:AMANDA@p,50"]) as sub:
        seen = {}
        for reading in sub:
            seen[reading.drf] = seen.get(reading.drf, 0) + 1
            if min(seen.values()) >= 3 and len(seen) == 2:
                break
        assert set(seen) == {"M:OUTTMP@p,50", "G:AMANDA@p,50"}
        assert sub.drfs == ["M:OUTTMP@p,50", "G:AMANDA@p,50"]
    assert sub.stopped
    assert sub.next(0.1) is None


def test_the_references_readings_generator_and_timeout(backend):
    with backend.subscribe(["M:OUTTMP@p,50"]) as sub:
        pairs = []
        for reading, handle in sub.readings(timeout=5):
            assert handle is sub
            pairs.append(reading)
            if len(pairs) == 3:
                break
        assert [r.value for r in pairs] == [72.5] * 3
    # Once a minute: after the first reading nothing comes, and the timeout ends the
    # generator.
    with backend.subscribe(["M:OUTTMP@p,60000"]) as quiet:
        assert quiet.next(5) is not None
        assert list(quiet.readings(timeout=0.3)) == []


def test_callbacks_run_on_a_python_thread(backend):
    got = []
    done = threading.Event()

    def on_reading(reading, handle):
        got.append((reading.value, threading.current_thread().name))
        if len(got) >= 3:
            done.set()

    sub = backend.subscribe(["M:OUTTMP@p,50"], callback=on_reading)
    try:
        assert done.wait(10)
    finally:
        sub.stop()
    assert all(v == 72.5 and name == "pacsys_rs-callback" for v, name in got[:3])


def test_a_callback_error_goes_to_on_error(backend):
    errors = []
    done = threading.Event()

    def bad(reading, handle):
        raise RuntimeError("boom")

    def on_error(exc, handle):
        errors.append(exc)
        done.set()

    sub = backend.subscribe(["M:OUTTMP@p,50"], callback=bad, on_error=on_error)
    try:
        assert done.wait(10)
    finally:
        sub.stop()
    assert isinstance(errors[0], RuntimeError)
    assert isinstance(sub.callback_error, RuntimeError)


def test_a_rejected_device_is_an_error_reading(backend):
    with backend.subscribe(["Z:NOPE@p,100", "M:OUTTMP@p,100"]) as sub:
        for reading in sub:
            if reading.drf == "Z:NOPE@p,100":
                assert not reading.ok and reading.is_error
                assert isinstance(reading.error, pacsys.DeviceError)
                break


def test_a_slow_consumer_gets_counted_drops(simulator):
    drfs = [f"Z:BENCH{i:04d}@p,10" for i in range(200)]
    with simulator.dpm(buffer=50) as b, b.subscribe(drfs) as sub:
        assert sub.next(5) is not None
        time.sleep(0.5)  # 200 devices at 100 Hz: ~10,000 readings against a buffer of 50
        assert sub.dropped > 1000
        # The stream goes on after the drops.
        assert sub.next(5) is not None


def test_a_dropped_connection_is_reported_as_a_gap(simulator):
    with simulator.dpm() as b, b.subscribe(["M:OUTTMP@p,50"]) as sub:
        assert sub.next(5) is not None
        assert sub.gaps == 0
        simulator.close_dpm_connections()
        deadline = time.monotonic() + 15
        while sub.gaps == 0 and time.monotonic() < deadline:
            sub.next(1)
        assert sub.gaps == 1
        assert sub.disconnects == 1
        assert sub.gap_seconds >= 0
        assert sub.next(5).value == 72.5


def test_device_subscribe(backend):
    dev = pacsys.Device("M:OUTTMP@p,50", backend)
    with dev.subscribe() as sub:
        assert sub.next(5).value == 72.5
    # A single Device (or DRF) given to Backend.subscribe.
    with backend.subscribe(dev) as sub:
        assert sub.drfs == [dev.drf]
        assert sub.next(5).value == 72.5
