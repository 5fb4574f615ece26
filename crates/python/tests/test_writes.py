"""Writes: values of every kind, verify, control commands, alarm dicts, refusals."""

import numpy as np
import pytest

import pacsys_rs as pacsys


def test_write_and_verify(any_backend):
    r = any_backend.write("G:AMANDA", 12.5, verify=True)
    assert r.ok and r.success and r.verified is True and r.confirmed
    assert r.readback == 12.5
    assert any_backend.read("G:AMANDA") == 12.5
    r = any_backend.write("G:AMANDA", 3, tolerance=0.01)
    assert r.verified is True
    any_backend.write("G:AMANDA", 42.0)


def test_arrays_text_and_numpy_values(any_backend):
    any_backend.write("Z:ACLTST[0:2]", np.array([7.0, 8.0, 9.0]))
    assert list(any_backend.read("Z:ACLTST[0:2]")) == [7.0, 8.0, 9.0]
    any_backend.write("Z:ACLTST[0:1]", np.array([1, 2], dtype=np.int32))
    assert list(any_backend.read("Z:ACLTST[0:1]")) == [1.0, 2.0]
    any_backend.write("Z:ACLTST[0:2]", [0.0, 0.5, 1.0])
    any_backend.write("Z:TEXTDV", "new text")
    assert any_backend.read("Z:TEXTDV") == "new text"
    any_backend.write("Z:TEXTDV", "hello")


def test_write_many_returns_one_result_per_setting(any_backend):
    rs = any_backend.write_many([("G:AMANDA", 1.0), ("M:OUTTMP.DESCRIPTION", "x"), ("M:OUTTMP", 1e6)])
    assert [r.drf for r in rs] == ["G:AMANDA", "M:OUTTMP.DESCRIPTION", "M:OUTTMP"]
    assert rs[0].ok
    assert not rs[1].ok and isinstance(rs[1].error, pacsys.ReadOnlyError)
    assert not rs[2].ok and isinstance(rs[2].error, pacsys.SettingRejectedError)
    assert (rs[2].error.facility_code, rs[2].error.error_code) == (14, -58)
    rs = any_backend.write_many({"G:AMANDA": 42.0})
    assert rs[0].ok


def test_control_commands_and_their_verification(any_backend):
    dev = pacsys.Device("M:OUTTMP", any_backend)
    assert dev.off(verify=True).verified is True
    assert dev.status(field="on") is False
    assert dev.on(verify=True).verified is True
    r = any_backend.write("M:OUTTMP", pacsys.BasicControl.OFF, verify=True)
    assert r.verified is True
    dev.on()
    assert dev.status()["on"] is True


def test_alarm_dicts_change_only_the_keys_given(any_backend):
    before = any_backend.read("M:OUTTMP.ANALOG")
    any_backend.write("M:OUTTMP.ANALOG", {"maximum": 99.0, "alarm_enable": False})
    after = any_backend.read("M:OUTTMP.ANALOG")
    assert after["maximum"] == 99.0 and after["alarm_enable"] is False
    assert after["minimum"] == before["minimum"]
    dev = pacsys.Device("M:OUTTMP", any_backend)
    dev.set_digital_alarm({"mask": 15})
    assert dev.digital_alarm()["mask"] == 15
    with pytest.raises(pacsys.ReadOnlyError):
        any_backend.write("M:OUTTMP.ANALOG", {"tries_now": 1})
    with pytest.raises(pacsys.InvalidRequestError):
        any_backend.write("M:OUTTMP.ANALOG", {"mask": 1})
    dev.set_analog_alarm({"maximum": before["maximum"], "alarm_enable": before["alarm_enable"]})


def test_refusals_raise_typed_errors(any_backend):
    with pytest.raises(pacsys.ReadOnlyError) as e:
        any_backend.write("M:OUTTMP.DESCRIPTION", "x")
    assert e.value.drf == "M:OUTTMP.DESCRIPTION"
    with pytest.raises(pacsys.SettingRejectedError) as e:
        any_backend.write("M:OUTTMP", 1e6)
    assert e.value.error_code == -58
    with pytest.raises(pacsys.DrfError):
        any_backend.write("M:OUTTMP@@", 1.0)
    with pytest.raises(TypeError):
        any_backend.write("G:AMANDA", object())
