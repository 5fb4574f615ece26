"""Each exception class, raised by the failure it names, with its attributes."""

import os
import socket
import threading

import pytest

import pacsys_rs as pacsys
from pacsys_rs import errors
from pacsys_rs.testing import sim


def test_device_error_carries_the_status(backend):
    with pytest.raises(pacsys.DeviceError) as e:
        backend.read("Z:NOPE")
    err = e.value
    assert (err.drf, err.facility_code, err.error_code) == ("Z:NOPE", 17, -26)
    assert err.status_name == "DPM_NO_SUCH_DEVICE"
    assert err.kind == "device"
    assert err.transport == backend.kind
    assert isinstance(err, pacsys.ReadError) and isinstance(err, pacsys.PacsysError)


def test_a_bad_drf_names_the_byte_and_is_a_value_error(backend):
    with pytest.raises(ValueError) as e:
        backend.read("M:OUTTMP[0:")
    assert isinstance(e.value, pacsys.DrfError)
    assert e.value.offset == 11
    assert "byte 11" in str(e.value)


def test_unsupported_and_read_only(backend):
    with pytest.raises(pacsys.UnsupportedError):
        backend.read("M:OUTTMP@N")
    with pytest.raises(NotImplementedError):
        backend.read("M:OUTTMP@N")
    with pytest.raises(pacsys.ReadOnlyError):
        backend.write("M:OUTTMP<-LOGGER:1000:2000", 1.0)


def test_timeout_against_a_server_that_never_answers():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        port = listener.getsockname()[1]
        with pacsys.dpm(host="127.0.0.1", port=port, timeout=0.3) as b:
            with pytest.raises(TimeoutError) as e:
                b.read("M:OUTTMP")
        assert isinstance(e.value, pacsys.PacsysTimeoutError)
        assert e.value.elapsed == pytest.approx(0.3, abs=0.05)
    finally:
        listener.close()


def test_connection_refused_is_a_connection_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pacsys.dpm(host="127.0.0.1", port=port, timeout=2) as b:
        with pytest.raises(ConnectionError) as e:
            b.read("M:OUTTMP")
    assert isinstance(e.value, pacsys.PacsysConnectionError)
    assert e.value.server == f"127.0.0.1:{port}"


def test_garbage_from_the_peer_is_a_protocol_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + b"\xff" * 64)
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with pacsys.dpm(host="127.0.0.1", port=port, timeout=2) as b:
            with pytest.raises(pacsys.PacsysError) as e:
                b.read("M:OUTTMP")
        assert isinstance(e.value, (pacsys.ProtocolError, pacsys.PacsysConnectionError))
    finally:
        t.join(5)
        listener.close()


def test_settings_without_a_token_are_an_auth_error(simulator, monkeypatch):
    monkeypatch.delenv("PACSYS_JWT_TOKEN", raising=False)
    with pacsys.grpc(host="127.0.0.1", port=simulator.grpc_port, timeout=2) as b:
        with pytest.raises(pacsys.AuthenticationError):
            b.write("G:AMANDA", 1.0)


def test_a_closed_backend_raises_closed(simulator):
    b = simulator.dpm()
    b.close()
    with pytest.raises(pacsys.ClosedError):
        b.read("M:OUTTMP")


def test_a_bad_environment_variable_is_a_config_error(monkeypatch):
    monkeypatch.setenv("PACSYS_DPM_PORT", "not-a-port")
    with pytest.raises(pacsys.ConfigError) as e:
        pacsys.dpm()
    assert "PACSYS_DPM_PORT" in str(e.value)


def test_every_class_is_exported_and_derives_from_pacsys_error():
    for name in errors.__all__:
        cls = getattr(pacsys, name)
        assert issubclass(cls, pacsys.PacsysError), name
    assert issubclass(pacsys.PacsysTimeoutError, TimeoutError)
    assert issubclass(pacsys.PacsysConnectionError, ConnectionError)
    assert issubclass(pacsys.ClosedError, RuntimeError)
    assert os.environ.get("PACSYS_DPM_PORT") is None


def test_a_setting_whose_answer_never_comes_is_outcome_unknown():
    with sim(answer_settings=False) as lossy, lossy.dpm(timeout=0.5) as b:
        with pytest.raises(pacsys.OutcomeUnknownError) as e:
            b.write("G:AMANDA", 3.0)
        assert e.value.drf == "G:AMANDA"
        # It was applied (the front end took it): never retried, never called refused.
        assert b.read("G:AMANDA") == 3.0


def test_a_jwt_auth_object_gives_the_grpc_token(simulator):
    with pacsys.grpc(host="127.0.0.1", port=simulator.grpc_port, auth=pacsys.JWTAuth("t0k"), timeout=2) as b:
        assert b.write("G:AMANDA", 42.0).ok
    with pytest.raises(pacsys.InvalidRequestError):
        pacsys.grpc(auth=pacsys.KerberosAuth())
    if not pacsys._native.KERBEROS:
        with pytest.raises(pacsys.UnsupportedError):
            pacsys.dpm(auth=pacsys.KerberosAuth())
