"""Test support, pacsys's ``pacsys.testing``: ``FakeBackend`` and ``AsyncFakeBackend``
(in memory, no sockets: preset what devices read, emit readings to subscriptions, check what
was read and written), and the simulator's fake DPM and DAQ gRPC servers in-process.

    import pacsys_rs as pacsys
    from pacsys_rs.testing import FakeBackend

    fb = FakeBackend()
    fb.set_reading("M:OUTTMP", 72.5, units="degF")
    assert pacsys.Device("M:OUTTMP", backend=fb).read() == 72.5
    pacsys.Device("G:AMANDA", backend=fb).write(5.0)
    assert fb.was_written("G:AMANDA") and fb.get_written_value("G:AMANDA") == 5.0

    from pacsys_rs.testing import sim

    with sim() as s, s.dpm() as backend:      # real TCP on 127.0.0.1
        assert backend.read("M:OUTTMP") == 72.5
"""

from __future__ import annotations

from typing import Any, Optional

from ._native import Sim
from ._native import _FakeBackend
from .aio import _RustAsyncBackend

__all__ = ["Sim", "sim", "FakeBackend", "AsyncFakeBackend", "world_backend"]


def sim(answer_settings: bool = True) -> Sim:
    """Starts both fake servers (over one shared device world) on free ports of 127.0.0.1;
    use it as a context manager, which stops them. ``answer_settings=False``: the DPM server
    applies settings but never answers them (a lost reply)."""
    return Sim(answer_settings)


class FakeBackend(_FakeBackend):
    """An in-memory backend for tests (pacsys's ``FakeBackend``): it knows no device until
    ``set_reading``/``set_error`` preset one; ``emit_reading`` feeds subscriptions;
    ``reads``, ``writes``, ``was_read``, ``was_written``, ``get_written_value`` tell what the
    code under test did; ``reset()`` forgets everything. ``FakeBackend(world=True)`` (or
    ``world_backend()``) serves the simulator's device world instead.

    ``dispatch_mode`` is accepted for pacsys's signature: callbacks always run on a Python
    thread (sync) or on the subscribing event loop (aio)."""

    def __new__(
        cls, dispatch_mode: Any = None, *, world: bool = False, principal: Optional[str] = None, buffer: Optional[int] = None
    ) -> "FakeBackend":
        return super().__new__(cls, world=world, principal=principal, buffer=buffer)

    def __init__(
        self, dispatch_mode: Any = None, *, world: bool = False, principal: Optional[str] = None, buffer: Optional[int] = None
    ) -> None:
        self._dispatch_mode = dispatch_mode

    @property
    def dispatch_mode(self) -> Any:
        """The ``dispatch_mode`` given (callbacks run on a Python thread either way)."""
        return self._dispatch_mode

    def __repr__(self) -> str:
        return f"FakeBackend(subscriptions={self.subscription_count})"


def world_backend() -> FakeBackend:
    """An in-memory backend over the simulator's device world (``M:OUTTMP`` 72.5,
    ``G:AMANDA`` 42.0, ``Z:ACLTST`` an array, ...): no sockets, nothing waits."""
    return FakeBackend(world=True)


class AsyncFakeBackend(_RustAsyncBackend):
    """pacsys's ``AsyncFakeBackend``: an ``aio.AsyncBackend`` over a ``FakeBackend`` (the
    same presets and records; ``sync`` is the sync fake). Its test-double methods are the
    fake's; callbacks run on the subscribing event loop."""

    def __init__(self, *, world: bool = False, principal: Optional[str] = None, buffer: Optional[int] = None) -> None:
        super().__init__(FakeBackend(world=world, principal=principal, buffer=buffer))

    @property
    def sync(self) -> FakeBackend:
        """The sync ``FakeBackend`` underneath."""
        return self._native

    def set_reading(self, drf: str, value: Any, **kwargs: Any) -> None:
        """Presets what ``drf`` reads (see ``FakeBackend.set_reading``)."""
        self._native.set_reading(drf, value, **kwargs)

    def set_error(self, drf: str, error_code: int, message: Optional[str] = None) -> None:
        """Presets a device error for ``drf``."""
        self._native.set_error(drf, error_code, message)

    def set_write_result(self, drf: str, success: bool = True, error_code: Optional[int] = None, message: Optional[str] = None) -> None:
        """Presets the result of settings of ``drf``."""
        self._native.set_write_result(drf, success, error_code, message)

    def set_analog_alarm(self, drf: str, alarm_dict: dict) -> None:
        """Presets the analog alarm block ``drf`` reads."""
        self._native.set_analog_alarm(drf, alarm_dict)

    def set_digital_alarm(self, drf: str, alarm_dict: dict) -> None:
        """Presets the digital alarm block ``drf`` reads."""
        self._native.set_digital_alarm(drf, alarm_dict)

    def emit_reading(self, drf: str, value: Any, **kwargs: Any) -> int:
        """Delivers a reading to every live subscription of ``drf``."""
        return self._native.emit_reading(drf, value, **kwargs)

    def emit_error(self, exception: BaseException) -> int:
        """Ends every live subscription with ``exception``."""
        return self._native.emit_error(exception)

    async def wait_for_subscription(self, drf: str, timeout: float = 1.0) -> bool:
        """Waits until a subscription of ``drf`` is live; ``False`` after ``timeout``."""
        return await self._native.wait_for_subscription_async(drf, timeout)

    def was_read(self, drf: str) -> bool:
        """Whether ``drf`` was read."""
        return self._native.was_read(drf)

    def was_written(self, drf: str) -> bool:
        """Whether a setting of ``drf`` was made."""
        return self._native.was_written(drf)

    def get_written_value(self, drf: str) -> Any:
        """The value of the last setting of ``drf``."""
        return self._native.get_written_value(drf)

    @property
    def reads(self) -> list:
        """The DRFs read, in order."""
        return self._native.reads

    @property
    def writes(self) -> list:
        """The settings made, in order."""
        return self._native.writes

    def reset(self) -> None:
        """Forgets every preset and recorded operation and ends every subscription."""
        self._native.reset()
