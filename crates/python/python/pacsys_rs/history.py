"""History, then live, as one subscription (``pacsys::history::since`` in Rust): the logged
readings of a request from ``start``, then its live readings, in time order, nothing twice
and nothing missing at the seam. A window of history that cannot be read after ``retries``
attempts is skipped (the stream goes on).

    import datetime as dt
    from pacsys_rs import history

    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    with history.since("M:OUTTMP@p,1000", start) as sub:
        for reading, _ in sub.readings(timeout=10):
            print(reading.timestamp, reading.value)

``await history.since_async(...)`` gives an ``aio.AsyncSubscriptionHandle``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Union

from . import _native
from ._backends import native_backend as _native_backend

__all__ = ["since", "since_async"]

Start = Union[_dt.datetime, float, int]


def _epoch(start: Start) -> float:
    if isinstance(start, _dt.datetime):
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (e.g. datetime.now(timezone.utc))")
        return start.timestamp()
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise TypeError(f"start is a datetime or seconds since the epoch, not {type(start).__name__}")
    return float(start)


def since(
    drf: str,
    start: Start,
    *,
    backend: Any = None,
    window: Optional[float] = None,
    retries: Optional[int] = None,
    timeout: Optional[float] = None,
) -> Any:
    """``drf``'s logged readings from ``start`` (a timezone-aware ``datetime`` or epoch
    seconds), then its live ones, as a ``SubscriptionHandle``. ``window``: seconds of history
    one read asks for (default 600); ``retries``: attempts per window (default 3);
    ``timeout``: each read's timeout."""
    from . import SubscriptionHandle

    b = _native_backend(backend)
    sub = _native.history_since(b, drf, _epoch(start), window, retries, timeout, False)
    return SubscriptionHandle(sub, None, None, b)


async def since_async(
    drf: str,
    start: Start,
    *,
    backend: Any = None,
    window: Optional[float] = None,
    retries: Optional[int] = None,
    timeout: Optional[float] = None,
) -> Any:
    """``since``, awaitable: an ``aio.AsyncSubscriptionHandle``."""
    from .aio import AsyncSubscriptionHandle, _get_global_async_backend

    b = _native_backend(backend if backend is not None else _get_global_async_backend())
    sub = await _native.history_since(b, drf, _epoch(start), window, retries, timeout, True)
    return AsyncSubscriptionHandle(sub)
