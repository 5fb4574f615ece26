"""Experiment helpers, as pacsys 0.3.0's ``pacsys.exp``: ``read_fresh``, ``watch``, ``scan``
and ``Monitor``.

The waiting, the statistics and the restoring of a scanned setting run in the Rust core
(``pacsys::exp``); the GIL is released while they wait.

    from pacsys_rs.exp import read_fresh, watch, scan, Monitor

    fresh = read_fresh(["M:OUTTMP@p,1000"], count=5)
    print(fresh[0].mean(), fresh[0].std())
    watch("G:AMANDA@p,100", lambda r: r.value > 40, timeout=10)
    result = scan("Z:ACLTST", ["M:OUTTMP"], start=0, stop=10, steps=11, settle=0.5)
    with Monitor(["M:OUTTMP@p,100"]) as mon:
        ...
    print(mon.result.mean("M:OUTTMP@p,100"))

What pacsys has and this module does not (yet): ``DataLogger`` and its writers,
``MonitorResult.to_dataframe``/``to_numpy``, ``scan(verify=...)`` (writes are checked by
their result only), and ``Monitor`` callbacks ``on_stale``/``on_recover`` (use
``health()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Optional

from . import _native
from ._backends import native_backend
from ._native import ChannelData, FreshResult, ScanResult

__all__ = [
    "read_fresh",
    "FreshResult",
    "watch",
    "scan",
    "ScanResult",
    "Monitor",
    "MonitorResult",
    "ChannelData",
    "ChannelHealth",
]


_backend = native_backend


def read_fresh(
    devices: Iterable[Any],
    *,
    count: int = 1,
    default_event: Optional[str] = None,
    timeout: float = 5.0,
    backend: Any = None,
) -> list:
    """Waits for ``count`` new usable readings of every device (a temporary subscription)
    and returns one ``FreshResult`` per device, in order. Raises ``TimeoutError`` (the
    package's ``TimeoutError`` class) naming the devices still short, ``ValueError`` for no
    devices or a count below 1, and a device's error when the server rejects it."""
    devices = list(devices)
    if not devices:
        raise ValueError("devices cannot be empty")
    if count < 1:
        raise ValueError("count must be >= 1")
    return _native.exp_read_fresh(_backend(backend), devices, count, default_event, timeout)


def watch(
    device: Any,
    condition: Callable[[Any], bool],
    *,
    timeout: float = 30.0,
    backend: Any = None,
) -> Any:
    """Waits until ``condition(reading)`` is true for a reading of ``device`` (which needs a
    repeating event) and returns that reading; raises ``TimeoutError`` after ``timeout``
    and whatever ``condition`` raises."""
    return _native.exp_watch(_backend(backend), device, condition, timeout)


def _values(values: Optional[Iterable[float]], start: Optional[float], stop: Optional[float], steps: Optional[int]) -> list:
    explicit = values is not None
    ranged = any(x is not None for x in (start, stop, steps))
    if explicit == ranged:
        raise ValueError("Provide either 'values' or 'start/stop/steps'")
    if explicit:
        out = [float(v) for v in values]  # type: ignore[union-attr]
        if not out:
            raise ValueError("values cannot be empty")
        return out
    if start is None or stop is None or steps is None:
        raise ValueError("All of start, stop, steps must be provided for linear range")
    if steps < 2:
        raise ValueError("steps must be >= 2")
    step = (stop - start) / (steps - 1)
    return [start + i * step for i in range(steps)]


def scan(
    write_device: Any,
    read_devices: Iterable[Any],
    *,
    values: Optional[Iterable[float]] = None,
    start: Optional[float] = None,
    stop: Optional[float] = None,
    steps: Optional[int] = None,
    settle: float = 0.5,
    readings_per_step: int = 1,
    restore: bool = True,
    abort_if: Optional[Callable[[dict], bool]] = None,
    timeout: Optional[float] = None,
    backend: Any = None,
) -> ScanResult:
    """Steps ``write_device``'s setting through ``values`` (or ``start``/``stop``/``steps``),
    reads ``read_devices`` after ``settle`` seconds at each step, and puts the original
    setting back afterwards: after the last value, a refused write, ``abort_if`` returning
    true, an exception (also one raised by ``abort_if``) or Ctrl-C. ``result.restored``
    says whether it was; ``result.aborted`` whether the scan ended early."""
    if readings_per_step < 1:
        raise ValueError("readings_per_step must be >= 1")
    setpoints = _values(values, start, stop, steps)
    reads = list(read_devices)
    return _native.exp_scan(
        _backend(backend), write_device, reads, setpoints, settle, readings_per_step, restore, timeout, abort_if
    )


@dataclass(frozen=True)
class ChannelHealth:
    """One device's health in a ``Monitor``."""

    drf: str
    total_received: int
    seconds_since_last: Optional[float]
    stale: bool

    @property
    def gap(self) -> float:
        """Seconds since the last reading, or inf if none came."""
        return float("inf") if self.seconds_since_last is None else self.seconds_since_last


class MonitorResult:
    """What a ``Monitor`` collected: one ``ChannelData`` per device."""

    def __init__(self, pairs: list, started: datetime, ended: datetime):
        self._channels = dict(pairs)
        self.started = started
        self.ended = ended

    def channel(self, drf: str) -> ChannelData:
        """The readings of ``drf``."""
        return self._channels[drf]

    @property
    def counts(self) -> dict:
        """Readings per device."""
        return {d: len(c) for d, c in self._channels.items()}

    @property
    def elapsed(self) -> timedelta:
        """The span collected."""
        return self.ended - self.started

    def values(self, drf: str) -> list:
        """The numbers of ``drf``'s usable scalar readings."""
        return self._channels[drf].values

    def mean(self, drf: str) -> float:
        """Mean of ``drf``'s values."""
        return self._channels[drf].mean()

    def std(self, drf: str) -> float:
        """Population standard deviation of ``drf``'s values."""
        return self._channels[drf].std()

    def median(self, drf: str) -> float:
        """Median of ``drf``'s values."""
        return self._channels[drf].median()

    def min(self, drf: str) -> float:
        """Smallest of ``drf``'s values."""
        return self._channels[drf].min()

    def max(self, drf: str) -> float:
        """Largest of ``drf``'s values."""
        return self._channels[drf].max()

    def last(self, n: int, drf: str) -> list:
        """The last ``n`` readings of ``drf``."""
        return self._channels[drf].last(n)

    def slice(self, drf: str, start: Optional[datetime] = None, end: Optional[datetime] = None) -> ChannelData:
        """``drf``'s readings stamped in ``[start, end]``."""
        return self._channels[drf].slice(start, end)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Monitor:
    """Subscribes to devices and collects their readings into ring buffers of
    ``buffer_size`` in the background (the Rust runtime; the GIL is not needed).

        mon = Monitor(["M:OUTTMP@p,1000"], stale_after=5.0)
        mon.start()
        snap = mon.snapshot()   # a peek; the buffers keep their readings
        result = mon.flush()    # the buffers are emptied
        mon.stop()

        result = Monitor(["M:OUTTMP@p,100"]).collect(count=10, timeout=5)
    """

    def __init__(self, devices: Iterable[Any], buffer_size: int = 10_000, backend: Any = None, stale_after: Optional[float] = None):
        self._devices = list(devices)
        if not self._devices:
            raise ValueError("devices cannot be empty")
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be >= 1, got {buffer_size}")
        if stale_after is not None and stale_after <= 0:
            raise ValueError("stale_after must be positive")
        self._buffer_size = buffer_size
        self._backend = backend
        self._stale_after = stale_after
        self._native: Any = None
        self._since = _now()
        self.result: Optional[MonitorResult] = None

    @property
    def running(self) -> bool:
        """Whether it collects."""
        return self._native is not None and self._native.running

    def start(self) -> None:
        """Subscribes and starts collecting."""
        if self.running:
            raise RuntimeError("Monitor is already running")
        self._since = _now()
        self._native = _native.exp_monitor(_backend(self._backend), self._devices, self._buffer_size, self._stale_after)

    def _result(self, pairs: list, reset: bool) -> MonitorResult:
        now = _now()
        result = MonitorResult(pairs, self._since, now)
        if reset:
            self._since = now
        return result

    def snapshot(self) -> MonitorResult:
        """What was collected so far; the buffers keep it."""
        return self._result(self._running_native().snapshot(), False)

    def flush(self) -> MonitorResult:
        """What was collected so far; the buffers are emptied."""
        return self._result(self._running_native().flush(), True)

    def health(self, drf: str) -> ChannelHealth:
        """``drf``'s health: readings received, time since the last, stale or not."""
        received, since, stale = self._running_native().health(drf)
        return ChannelHealth(drf, received, since, stale)

    def stop(self) -> MonitorResult:
        """Stops and returns everything collected (also kept as ``result``)."""
        self.result = self._result(self._running_native().stop(), True)
        return self.result

    def collect(self, *, duration: Optional[float] = None, count: Optional[int] = None, timeout: Optional[float] = None) -> MonitorResult:
        """Starts, waits ``duration`` seconds or until every device has ``count`` readings
        (within ``timeout``), stops and returns what was collected."""
        if (duration is None) == (count is None):
            raise ValueError("Exactly one of duration or count must be specified")
        if count is not None and not 1 <= count <= self._buffer_size:
            raise ValueError(f"count must be 1..{self._buffer_size}, got {count}")
        self.start()
        try:
            if duration is not None:
                import time

                time.sleep(duration)
            else:
                self._native.wait_for(count, timeout if timeout is not None else 1e9)
        except BaseException:
            self.stop()
            raise
        return self.stop()

    def _running_native(self) -> Any:
        if not self.running:
            raise RuntimeError("Monitor is not running")
        return self._native

    def __enter__(self) -> "Monitor":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.running:
            self.stop()
