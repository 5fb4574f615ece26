"""Test support: the simulator's fake DPM and DAQ gRPC servers in-process, and the
in-memory ``FakeBackend``, so scripts can be tested without the accelerator.

    from pacsys_rs.testing import sim

    with sim() as s, s.dpm() as backend:
        assert backend.read("M:OUTTMP") == 72.5
"""

from __future__ import annotations

from ._native import Backend, Sim
from ._native import fake_backend as _fake_backend

__all__ = ["Sim", "sim", "FakeBackend"]


def sim(answer_settings: bool = True) -> Sim:
    """Starts both fake servers (over one shared device world) on free ports of 127.0.0.1;
    use it as a context manager, which stops them. ``answer_settings=False``: the DPM server
    applies settings but never answers them (a lost reply)."""
    return Sim(answer_settings)


def FakeBackend() -> Backend:  # noqa: N802 - the reference's class name
    """An in-memory backend over the simulator's device world (no sockets)."""
    return _fake_backend()
