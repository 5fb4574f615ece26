"""Device classes: reads of each property, typed subclasses, control shortcuts."""

import numpy as np
import pytest

import pacsys_rs as pacsys


def test_device_reads(any_backend):
    d = pacsys.Device("M:OUTTMP", any_backend)
    assert d.drf.startswith("M:OUTTMP") and d.name == "M:OUTTMP"
    assert d.read() == 72.5
    assert d.get().units == (None if any_backend.kind == "grpc" else "DegF")
    assert d.setting() == 72.5
    assert d.status()["ready"] is True
    assert d.analog_alarm()["maximum"] == 120.0 or "maximum" in d.analog_alarm()
    assert d.digital_alarm()["mask"] in (255, 15)
    assert d.description() == "Outdoor temperature"


def test_typed_devices(backend):
    assert isinstance(pacsys.ScalarDevice("M:OUTTMP", backend).read(), float)
    assert isinstance(pacsys.ArrayDevice("Z:ACLTST", backend).read(), np.ndarray)
    assert pacsys.TextDevice("Z:TEXTDV", backend).read() == "hello"
    with pytest.raises(TypeError):
        pacsys.ScalarDevice("Z:TEXTDV", backend).read()


def test_device_write_and_control(backend):
    d = pacsys.Device("G:AMANDA", backend)
    assert d.write(5.0, verify=True).verified is True
    d.write(42.0)
    m = pacsys.Device("M:OUTTMP", backend)
    assert m.control("off", verify=True).verified is True
    assert m.reset().ok
    assert m.on(verify=True).verified is True


def test_a_bad_drf_fails_at_construction():
    with pytest.raises(pacsys.DrfError):
        pacsys.Device("M:OUTTMP@@")


def test_devices_compare_by_drf(backend):
    assert pacsys.Device("M:OUTTMP", backend) == pacsys.Device("M:OUTTMP", backend)
    assert len({pacsys.Device("M:OUTTMP", backend), pacsys.Device("M:OUTTMP", backend)}) == 1


def test_device_get_returns_a_device_error_as_a_reading(backend):
    r = pacsys.Device("Z:NOPE", backend).get()
    assert not r.ok and isinstance(r.error, pacsys.DeviceError)


def test_verify_options_are_used(backend):
    d = pacsys.Device("G:AMANDA", backend)
    v = pacsys.Verify(tolerance=0.0, initial_delay=0.0, retry_delay=0.01, max_attempts=2, readback="G:AMANDA.SETTING")
    r = d.write(6.0, verify=v)
    assert r.verified is True and r.readback == 6.0
    # check_first: the device already holds 6.0, so nothing is written.
    r = backend.write("G:AMANDA", 6.0, verify=pacsys.Verify(initial_delay=0.0, check_first=True))
    assert r.verified is True
    with pytest.raises(pacsys.DrfError):
        d.write(7.0, verify=pacsys.Verify(readback="G:AMANDA@@"))
    d.write(42.0)
