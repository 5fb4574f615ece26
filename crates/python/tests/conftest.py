"""Fixtures: the simulator (both fake servers, real TCP on 127.0.0.1) and a backend of each
kind over it. Every server is stopped when its test module ends."""

import pytest

import pacsys_rs
from pacsys_rs.testing import FakeBackend, sim, world_backend


@pytest.fixture(scope="module")
def simulator():
    with sim() as s:
        yield s


@pytest.fixture(params=["dpm", "grpc"])
def backend(request, simulator):
    """A backend of each transport over the simulator (closed after the test)."""
    b = simulator.dpm(timeout=5.0) if request.param == "dpm" else simulator.grpc(timeout=5.0)
    with b:
        yield b


@pytest.fixture(params=["dpm", "grpc", "fake"])
def any_backend(request, simulator):
    """Every kind of backend, the in-memory fake included."""
    if request.param == "fake":
        b = world_backend()
    elif request.param == "dpm":
        b = simulator.dpm(timeout=5.0)
    else:
        b = simulator.grpc(timeout=5.0)
    with b:
        yield b


@pytest.fixture
def default_to(simulator):
    """Points the default backend (module functions) at the simulator's DPM server."""
    pacsys_rs.configure(backend="dpm", dpm_host="127.0.0.1", dpm_port=simulator.dpm_port)
    yield simulator
    pacsys_rs.shutdown()
    pacsys_rs.configure(backend=None, dpm_host=None, dpm_port=None, default_timeout=None)
