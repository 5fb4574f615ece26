"""The faster paths keep the behaviour: callbacks delivered in batches from Rust (nothing
dropped or reordered, errors to on_error), blocking DPM reads on the caller's thread (many
threads at once, after close), and the columnar batch (`get_many(..., as_arrays=True)`)."""

import threading
import time

import numpy as np
import pytest

import pacsys_rs as pacsys
from pacsys_rs.testing import FakeBackend

N = 1_000_000


def _wait_for(condition, seconds=10.0):
    """Waits (bounded) until `condition()` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_million_readings_reach_a_callback_in_order():
    fake = FakeBackend(buffer=2 * N)
    seen_cycles = []
    seen_values = []
    done = threading.Event()

    def on_reading(reading, _handle):
        seen_cycles.append(reading.cycle)
        seen_values.append(reading.value)
        if len(seen_cycles) == N + 1:
            done.set()

    fake.set_reading("Z:SEQ", -1.0)
    handle = pacsys.subscribe(["Z:SEQ@p,3600000"], callback=on_reading, backend=fake)
    try:
        # The subscription's first reading is the device's value; then the stream.
        _wait_for(lambda: len(seen_cycles) == 1)
        assert fake.emit_readings("Z:SEQ@p,3600000", np.arange(N, dtype=float).tolist()) == N
        assert done.wait(120), f"{len(seen_cycles)} of {N + 1} readings delivered"
    finally:
        handle.stop()
    assert handle.dropped == 0
    assert seen_values[0] == -1.0
    assert seen_cycles[1:] == list(range(N))
    assert seen_values[1:] == [float(i) for i in range(N)]


def test_a_callback_that_keeps_its_argument_tuple_sees_each_reading_in_its_own():
    # The dispatcher refills one argument tuple between calls; a callable that keeps the
    # tuple itself (an exception class stores it as `args`, by reference) must still see a
    # tuple per call, each holding its own reading.
    kept = []

    class Keep(Exception):
        def __init__(self, *args):
            kept.append(self)

    fake = FakeBackend(buffer=1000)
    fake.set_reading("Z:SEQ", -1.0)
    sub = pacsys.subscribe(["Z:SEQ@p,3600000"], callback=Keep, backend=fake)
    try:
        _wait_for(lambda: len(kept) == 1)
        fake.emit_readings("Z:SEQ@p,3600000", [float(i) for i in range(100)])
        _wait_for(lambda: len(kept) == 101)
    finally:
        sub.stop()
    assert len({id(k.args) for k in kept}) == 101
    assert [k.args[0].value for k in kept] == [-1.0] + [float(i) for i in range(100)]
    assert all(k.args[1] is sub for k in kept)


def test_callback_exceptions_go_to_on_error_and_delivery_goes_on():
    fake = FakeBackend(buffer=10_000)
    seen, errors = [], []
    done = threading.Event()

    def on_reading(reading, _handle):
        seen.append(reading.cycle)
        if reading.cycle is not None and reading.cycle % 100 == 7:
            raise ValueError(f"bad {reading.cycle}")
        if len(seen) == 1000:
            done.set()

    def on_error(exc, handle):
        assert handle is sub
        errors.append(exc)

    fake.set_reading("Z:SEQ", -1.0)
    sub = pacsys.subscribe(["Z:SEQ@p,3600000"], callback=on_reading, on_error=on_error, backend=fake)
    try:
        _wait_for(lambda: len(seen) == 1)
        seen.clear()
        fake.emit_readings("Z:SEQ@p,3600000", [0.0] * 1000)
        assert done.wait(30)
    finally:
        sub.stop()
    assert seen == list(range(1000))
    assert [str(e) for e in errors] == [f"bad {i}" for i in range(7, 1000, 100)]
    assert all(e.__traceback__ is not None for e in errors)
    assert isinstance(sub.callback_error, ValueError)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_base_exception_in_a_callback_ends_the_dispatch():
    fake = FakeBackend(buffer=1000)
    seen = []

    def on_reading(reading, _handle):
        seen.append(reading.cycle)
        raise SystemExit("stop here")

    fake.set_reading("Z:SEQ", -1.0)
    sub = pacsys.subscribe(["Z:SEQ@p,3600000"], callback=on_reading, backend=fake)
    try:
        sub._thread.join(10)
        assert not sub._thread.is_alive()
        fake.emit_readings("Z:SEQ@p,3600000", [1.0, 2.0, 3.0])
    finally:
        sub.stop()
    # The first reading (the device's value) raised; nothing after it was delivered.
    assert seen == [None]


def test_blocking_reads_from_many_threads_on_one_dpm_backend(simulator):
    backend = pacsys.dpm_http(host="127.0.0.1", port=simulator.dpm_port)
    failures = []

    def reader():
        for _ in range(200):
            try:
                if backend.read("M:OUTTMP") != 72.5 or backend.get("G:AMANDA").value != 42.0:
                    failures.append("wrong value")
            except Exception as e:  # noqa: BLE001 - collected and asserted below
                failures.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    device = pacsys.Device("M:OUTTMP", backend=backend)
    assert device.read() == 72.5
    backend.close()
    with pytest.raises(pacsys.ClosedError):
        backend.read("M:OUTTMP")
    with pytest.raises(pacsys.ClosedError):
        device.read()


def test_a_blocking_read_sees_a_timeout_as_before(simulator):
    backend = pacsys.dpm_http(host="127.0.0.1", port=1, timeout=0.5)
    with pytest.raises(pacsys.PacsysError):
        backend.read("M:OUTTMP")
    backend.close()


def test_reading_arrays(any_backend):
    drfs = ["M:OUTTMP", "Z:NOSUCH", "Z:ACLTST[0:4]", "G:AMANDA"]
    a = any_backend.get_many(drfs, as_arrays=True)
    assert len(a) == 4 and a.drfs == drfs
    assert a.values.dtype == np.float64 and a.values[0] == 72.5 and a.values[3] == 42.0
    assert np.isnan(a.values[1]) and np.isnan(a.values[2])
    assert a.ok.tolist() == [True, False, True, True]
    assert a.timestamps.dtype == np.dtype("datetime64[ns]")
    assert np.isnat(a.timestamps[1]) and not np.isnat(a.timestamps[0])
    assert a.error_codes.dtype == np.int16 and a.error_codes[1] < 0 and a.error_codes[0] == 0
    assert list(a.errors) == [1] and isinstance(a.errors[1], pacsys.DeviceError)
    assert a.value(2).tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert a.value(-3) is None
    assert a.reading(1).error_code == a.error_codes[1] and not a.reading(1).ok
    with pytest.raises(IndexError):
        a.value(4)
    # The same rows as the list form.
    readings = any_backend.get_many(drfs)
    assert [r.ok for r in readings] == a.ok.tolist()
    assert [r.error_code for r in readings] == a.error_codes.tolist()
    df = a.to_dataframe()
    assert list(df.columns) == ["drf", "value", "timestamp", "facility_code", "error_code", "ok"]
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert df["drf"].tolist() == drfs
    seconds = a.timestamps[0].astype("datetime64[ms]").astype(np.int64) / 1e3
    assert seconds == pytest.approx(readings[0].epoch, abs=60)


def test_reading_arrays_of_the_module_function(default_to):
    a = pacsys.get_many(["M:OUTTMP", "G:AMANDA"], as_arrays=True)
    assert a.values.tolist() == [72.5, 42.0]


def test_readings_in_bulk_cost_the_garbage_collector_nothing_and_stay_usable(simulator):
    """Readings made in bulk (a get_many list, iteration, callbacks) are untracked by the
    GC (they hold no Python object it could see), and behave as any other Reading."""
    import gc

    backend = pacsys.dpm_http(host="127.0.0.1", port=simulator.dpm_port)
    try:
        readings = backend.get_many(["M:OUTTMP", "Z:NOSUCH", "G:AMANDA"])
        assert [gc.is_tracked(r) for r in readings] == [False, False, False]
        assert gc.is_tracked(readings)  # the list itself is a normal list
        assert readings[0].value == 72.5 and readings[0] == readings[0]
        assert not readings[1].ok and readings[2].value == 42.0
        # A failed reading keeps its error through a collection.
        gc.collect()
        assert readings[1].is_error and "NOSUCH" in readings[1].drf

        with backend.subscribe(["M:OUTTMP@p,100"]) as sub:
            first = sub.next(timeout=10)
            assert first is not None and not gc.is_tracked(first)
            assert first.value == 72.5

        got = []
        done = threading.Event()

        def on_reading(reading, _handle):
            got.append((gc.is_tracked(reading), reading))
            done.set()

        handle = backend.subscribe(["G:AMANDA@p,100"], callback=on_reading)
        try:
            assert done.wait(10)
        finally:
            handle.stop()
        tracked, kept = got[0]
        assert tracked is False
        gc.collect()
        assert kept.value == 42.0  # a reading kept past its callback is intact
    finally:
        backend.close()
