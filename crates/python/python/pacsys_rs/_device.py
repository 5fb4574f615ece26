"""What ``Device`` and ``aio.AsyncDevice`` share: new devices derived from one (same class,
same backend). The DRF work is the Rust parser's; this only keeps the subclass."""

from __future__ import annotations

from typing import Any, Optional, TypeVar

T = TypeVar("T")


def _shortcut(command: str) -> Any:
    def send(self: Any, *, verify: Any = None, timeout: Optional[float] = None) -> Any:
        return self.control(command, verify=verify, timeout=timeout)

    send.__name__ = command
    send.__doc__ = (
        f"Sends the {command.upper()} command (``verify=True`` checks the matching status bit); "
        "awaitable on an ``AsyncDevice``."
    )
    return send


class _Fluent:
    """``with_event``, ``without_event``, ``with_range``, ``without_range``,
    ``with_backend``: each returns a new device of the same class; and the ten basic-control
    shortcuts (``on()``, ``off()``, ...), blocking on a ``Device``, awaitable on an
    ``AsyncDevice`` (they return what ``control`` returns)."""

    on = _shortcut("on")
    off = _shortcut("off")
    reset = _shortcut("reset")
    positive = _shortcut("positive")
    negative = _shortcut("negative")
    ramp = _shortcut("ramp")
    dc = _shortcut("dc")
    local = _shortcut("local")
    remote = _shortcut("remote")
    trip = _shortcut("trip")

    def _like(self: Any, drf: str, backend: Any = None) -> Any:
        return type(self)(drf, backend if backend is not None else self.backend)

    def with_event(self: Any, event: str) -> Any:
        """The same device with ``event`` (``"p,1000"``) instead of its own (a new object)."""
        return self._like(super().with_event(event).drf)

    def without_event(self: Any) -> Any:
        """The same device without an event (a new object)."""
        return self._like(super().without_event().drf)

    def with_range(self: Any, start: Optional[int] = None, end: Optional[int] = None, *, at: Optional[int] = None) -> Any:
        """The same device with the array range ``[start:end]`` (``end`` inclusive), one
        element with ``at=``, or the whole array with no argument (a new object)."""
        return self._like(super().with_range(start, end, at=at).drf)

    def without_range(self: Any) -> Any:
        """The same device without an array range (a new object)."""
        return self._like(super().without_range().drf)

    def with_backend(self: Any, backend: Any) -> Any:
        """The same device bound to ``backend`` (a new object)."""
        return type(self)(self.drf, backend)
