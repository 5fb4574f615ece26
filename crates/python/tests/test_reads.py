"""Reads of every value kind, over DPM and gRPC against the simulator (real TCP) and over
the in-memory fake; batches where a bad device never fails the others."""

import datetime
import time

import numpy as np
import pytest

import pacsys_rs as pacsys


def test_scalar(any_backend):
    assert any_backend.read("M:OUTTMP") == 72.5
    r = any_backend.get("M:OUTTMP")
    assert r.ok and not r.is_error and r.is_success and not r.is_warning
    assert r.value == 72.5 and isinstance(r.value, float)
    assert r.value_type == "scalar"
    # gRPC readings carry no metadata (spec: no units); DPM and the fake do.
    assert r.units == (None if any_backend.kind == "grpc" else "DegF")
    assert r.name == "M:OUTTMP"
    assert r.drf == "M:OUTTMP"
    assert r.facility_code == 0 and r.error_code == 0 and r.message is None and r.error is None


def test_timestamp_is_timezone_aware_utc(backend):
    before = time.time()
    r = backend.get("M:OUTTMP")
    assert isinstance(r.timestamp, datetime.datetime)
    assert r.timestamp.tzinfo is not None
    assert r.timestamp.utcoffset() == datetime.timedelta(0)
    assert abs(r.timestamp.timestamp() - r.epoch) < 1e-3
    assert before - 5 < r.epoch < time.time() + 5


def test_array_is_one_numpy_buffer(backend):
    v = backend.read("Z:ACLTST")
    assert isinstance(v, np.ndarray)
    assert v.dtype == np.float64 and v.ndim == 1
    assert v.flags["C_CONTIGUOUS"] and v.flags["OWNDATA"]
    assert list(v[:3]) == [0.0, 0.5, 1.0]
    r = backend.get("Z:ACLTST[0:3]")
    assert r.value_type == "scalarArr"
    assert list(r.value) == [0.0, 0.5, 1.0, 1.5]


def test_text_raw_and_text_arrays(any_backend):
    assert any_backend.read("Z:TEXTDV") == "hello"
    assert any_backend.read("Z:TXTARR") == ["alpha", "beta", "gamma"]
    assert any_backend.read("Z:RAWDEV") == bytes.fromhex("deadbeef0001")
    assert any_backend.read("M~OUTTMP") == "Outdoor temperature"


def test_alarm_blocks_and_status_as_the_references_dicts(any_backend):
    a = any_backend.read("M:OUTTMP.ANALOG")
    assert set(a) == {
        "minimum", "maximum", "alarm_enable", "alarm_status", "abort",
        "abort_inhibit", "tries_needed", "tries_now",
    }
    assert (a["minimum"], a["maximum"], a["alarm_enable"]) == (0.0, 120.0, True)
    d = any_backend.read("M$OUTTMP")
    assert (d["nominal"], d["mask"]) == (3, 255)
    s = any_backend.read("M:OUTTMP.STATUS")
    assert s == {"on": True, "ready": True, "remote": True, "positive": True, "ramp": False}
    assert any_backend.read("Z:STSDEV.STATUS") == {"on": False, "ready": True, "remote": True}


def test_history_is_a_timed_array_of_numpy_arrays(backend):
    now_ms = int(time.time() * 1000)
    r = backend.get(f"M:OUTTMP<-LOGGER:{now_ms - 10_000}:{now_ms}")
    assert r.value_type == "timedScalarArr"
    data, micros = r.value["data"], r.value["micros"]
    assert isinstance(data, np.ndarray) and data.dtype == np.float64
    assert isinstance(micros, np.ndarray) and micros.dtype == np.int64
    assert len(data) == len(micros) >= 5
    assert np.all(np.diff(micros) > 0)


def test_a_batch_keeps_order_and_one_bad_device_never_fails_the_rest(any_backend):
    rs = any_backend.get_many(["M:OUTTMP", "Z:NOPE", "G:AMANDA", "M:OUTTMP@@", "Z:BROKEN"])
    assert [r.drf for r in rs] == ["M:OUTTMP", "Z:NOPE", "G:AMANDA", "M:OUTTMP@@", "Z:BROKEN"]
    assert rs[0].ok and rs[0].value == 72.5
    assert rs[2].ok and rs[2].value == 42.0
    assert not rs[1].ok and rs[1].is_error
    assert (rs[1].facility_code, rs[1].error_code) == (17, -26)
    assert rs[1].status_name == "DPM_NO_SUCH_DEVICE"
    assert isinstance(rs[1].error, pacsys.DeviceError)
    assert isinstance(rs[3].error, pacsys.DrfError) and rs[3].error.offset == 9
    assert not rs[4].ok and rs[4].value is None


def test_devices_can_be_given_as_device_objects(backend):
    dev = pacsys.Device("G:AMANDA", backend)
    rs = backend.get_many(["M:OUTTMP", dev])
    assert [r.value for r in rs] == [72.5, 42.0]


def test_read_many_raises_the_first_failure(backend):
    assert backend.read_many(["M:OUTTMP", "Z:TEXTDV"]) == [72.5, "hello"]
    with pytest.raises(pacsys.DeviceError) as e:
        backend.read_many(["M:OUTTMP", "Z:NOPE"])
    assert e.value.drf == "Z:NOPE"


def test_ten_thousand_devices_in_one_batch(backend):
    drfs = [f"Z:BENCH{i:04d}" for i in range(10_000)]
    rs = backend.get_many(drfs, timeout=30)
    assert len(rs) == 10_000
    assert all(r.ok for r in rs)


def test_module_functions_use_the_configured_default_backend(default_to):
    assert pacsys.read("M:OUTTMP") == 72.5
    assert pacsys.get("G:AMANDA").value == 42.0
    assert [r.value for r in pacsys.get_many(["M:OUTTMP", "G:AMANDA"])] == [72.5, 42.0]
    assert pacsys.read_many(["M:OUTTMP"]) == [72.5]
    assert pacsys.default_backend().kind == "dpm"


def test_configure_changes_only_the_keywords_given(default_to):
    pacsys.configure(default_timeout=3.0)  # the DPM host and port stay
    assert pacsys.read("M:OUTTMP") == 72.5
    assert pacsys.default_backend().timeout == 3.0


def test_module_functions_use_a_bound_devices_backend(simulator):
    with simulator.grpc() as g:
        dev = pacsys.Device("M:OUTTMP", g)
        assert pacsys.read(dev) == 72.5  # no default backend configured: the bound one is used
        assert pacsys.get(dev).value == 72.5
