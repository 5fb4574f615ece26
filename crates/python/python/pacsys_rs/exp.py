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

Recording from a script: ``DataLogger`` with ``ParquetWriter`` (the crash-safe dataset of
``pacsys monitor --record``, written in Rust), ``CsvWriter`` (pacsys's columns, written in
Rust) or any object with ``write_readings(readings)``/``close()``; ``read_recording`` reads
a dataset back as a pandas DataFrame (or a pyarrow Table). ``MonitorResult.to_dataframe``,
``to_numpy``, ``to_dict`` and ``ScanResult.to_dataframe`` as pacsys's (pandas and pyarrow
are optional: ``pip install pacsys-rs[pandas]``).

What pacsys has and this module does not (yet): ``scan(verify=...)`` (writes are checked by
their result only), and ``Monitor`` callbacks ``on_stale``/``on_recover`` (use
``health()``).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Optional, Protocol, runtime_checkable

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
    "DataLogger",
    "LogWriter",
    "ParquetWriter",
    "CsvWriter",
    "read_recording",
]

logger = logging.getLogger(__name__)


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

    @property
    def channels(self) -> dict:
        """``{drf: ChannelData}``."""
        return dict(self._channels)

    def to_dict(self) -> dict:
        """``{drf: [readings...]}`` for every device."""
        return {drf: list(ch.readings) for drf, ch in self._channels.items()}

    def to_numpy(self, drf: str) -> tuple:
        """``(timestamps, values)`` of ``drf``'s usable readings as numpy arrays: timestamps
        as float64 epoch seconds (UTC); values float64, one row per reading for an array
        device (2-D). Only numeric devices (scalar, array, timed array); ``TypeError``
        otherwise."""
        import numpy as np

        ok = [r for r in self._channels[drf].readings if r.ok and r.value is not None]
        if not ok:
            return np.array([], dtype=np.float64), np.array([], dtype=np.float64)
        kind = ok[0].value_type
        if kind not in ("scalar", "scalarArr", "timedScalarArr"):
            raise TypeError(
                f"to_numpy() requires numeric channels (SCALAR, SCALAR_ARRAY, TIMED_SCALAR_ARRAY), got {kind}"
            )
        timestamps = np.array([r.timestamp.timestamp() if r.timestamp else 0.0 for r in ok], dtype=np.float64)
        if kind == "scalar":
            return timestamps, np.array([float(r.value) for r in ok], dtype=np.float64)
        arrays = [r.value["data"] if isinstance(r.value, dict) else r.value for r in ok]
        try:
            values = np.stack([np.asarray(a, dtype=np.float64) for a in arrays])
        except ValueError as e:
            raise ValueError(f"Cannot stack array readings for {drf}: {e}") from None
        return timestamps, values

    def to_dataframe(self, drf: Optional[str] = None, *, relative: bool = False) -> Any:
        """A pandas DataFrame of the usable readings (pandas needed). With ``drf``: columns
        ``value``, ``units``, indexed by ``timestamp`` (or ``elapsed_s``, seconds since
        ``started``, with ``relative``). Without: columns ``drf``, ``value``, ``units`` and
        ``timestamp`` (or ``elapsed_s``) for every device."""
        pd = _pandas("to_dataframe()")

        def when(r: Any) -> Any:
            if not relative:
                return r.timestamp
            if r.timestamp is None:
                raise ValueError(f"Cannot compute relative time for {r.drf}: timestamp is None")
            return (r.timestamp - self.started).total_seconds()

        time_column = "elapsed_s" if relative else "timestamp"
        if drf is not None:
            ok = [r for r in self._channels[drf].readings if r.ok]
            df = pd.DataFrame([{"value": r.value, "units": r.units} for r in ok], index=[when(r) for r in ok])
            df.index.name = time_column
            return df
        rows = []
        for ch_drf, ch in self._channels.items():
            for r in ch.readings:
                if r.ok:
                    rows.append({"drf": ch_drf, "value": r.value, "units": r.units, time_column: when(r)})
        return pd.DataFrame(rows)


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


def _pandas(what: str) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"pandas is required for {what}. Install with: pip install pacsys-rs[pandas]") from None
    return pd


@runtime_checkable
class LogWriter(Protocol):
    """What a ``DataLogger`` writes to: ``write_readings(readings)`` gets a list of
    ``Reading`` every ``flush_interval``; ``close()`` once at ``stop()``."""

    def write_readings(self, readings: list) -> None:
        """Writes one batch of ``Reading``s."""

    def close(self) -> None:
        """Closes the writer (once, at the logger's ``stop()``)."""


class ParquetWriter:
    """The crash-safe Parquet dataset of ``pacsys monitor --record`` (pacsys-record), written
    in Rust: readings go from the subscription to the file without becoming Python objects,
    and the GIL stays free. ``path`` is a new folder (by convention ending in ``.parquet``)
    of part files, one per ``flush_interval``; pandas, pyarrow, polars and DuckDB read the
    folder as one table, and ``read_recording(path)`` reads it without pyarrow.

    Every event of the subscription is a row (``kind``: ``reading``, ``error``,
    ``dropped``, ``disconnected``, ...), with the columns of ``pacsys_record::schema()``
    (``seq``, ``received``, ``kind``, ``drf``, ``timestamp``, ``value``, ``values``,
    ``text``, ``units``, ``facility``, ``error_code``, ...): not pacsys's ParquetWriter
    columns.

    Crash bound: a SIGKILL (or power loss) of the logging process loses at most the rows of
    the open part (the last ``flush_interval`` of events, or the last 1,048,576 rows if that
    is fewer) plus, for the milliseconds it takes, the part being completed; every part
    already in the folder is complete and readable. ``overwrite=True`` replaces an earlier
    recording at ``path`` (never a folder holding other files)."""

    def __init__(self, path: Any, *, overwrite: bool = False):
        self.path = os.fspath(path)
        self.overwrite = overwrite

    def __repr__(self) -> str:
        return f"ParquetWriter({self.path!r})"


class CsvWriter:
    """A UTF-8 CSV file with pacsys's columns, written in Rust: ``timestamp, drf, value,
    units, facility_code, error_code, message``. Values as parseable strings (scalars as
    Python's ``str(float)``, arrays as JSON lists, timed arrays as ``{"data", "micros"}``,
    text as is, raw bytes as base64, alarm blocks and basic status as JSON). One row per
    reading or device error. The file is created (truncated) at ``start()``.

    Crash bound: rows reach the file every ``flush_interval``; a SIGKILL loses at most the
    rows of the last ``flush_interval`` (the last line may be cut short)."""

    def __init__(self, path: Any):
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"CsvWriter({self.path!r})"


class DataLogger:
    """Subscribes to devices and logs every reading through ``writer``, as pacsys 0.3.0's
    ``DataLogger``:

        with DataLogger(["M:OUTTMP@p,1000"], ParquetWriter("run.parquet")) as dl:
            time.sleep(60)

    ``ParquetWriter`` and ``CsvWriter`` are written in Rust on a thread of their own: no
    Python object per reading and no GIL, so a script (or the interpreter) busy with
    something else does not slow logging (see their crash bounds). Any other object with
    ``write_readings(readings)``/``close()`` gets the buffered readings as ``Reading``s
    every ``flush_interval`` seconds on a flush thread.

    A Python writer that raises keeps its batch for a retry at the next flush; after 3
    failed attempts the batch is dropped and counted in ``dropped_count``. ``last_error`` is
    the last exception (a writer's, a failed file write, or the subscription's end);
    ``failed`` is true once readings were dropped (a full subscription buffer, or a batch
    given up) or the subscription or a Rust writer failed, and ``stop()`` then raises
    ``RuntimeError``. Rows written before a failure stay written: the writer is never
    rewound or discarded, and ``stop()`` still closes it."""

    _MAX_RETRIES = 3

    def __init__(self, devices: Iterable[Any], writer: Any, *, flush_interval: float = 5.0, backend: Any = None):
        self._devices = list(devices)
        if not self._devices:
            raise ValueError("devices cannot be empty")
        if flush_interval <= 0:
            raise ValueError("flush_interval must be > 0")
        if not isinstance(writer, (ParquetWriter, CsvWriter, LogWriter)):
            raise TypeError(
                f"writer must be a ParquetWriter, a CsvWriter or have write_readings() and close(), not {type(writer).__name__}"
            )
        self._writer = writer
        self._flush_interval = flush_interval
        self._backend = backend
        self._native: Any = None
        self._lifecycle = threading.Lock()
        self._writer_lock = threading.Lock()
        self._flush_thread: Optional[threading.Thread] = None
        self._stop_event = threading.Event()
        self._pending: list = []
        self._retries = 0
        self._writer_dropped = 0
        self._last_error: Optional[BaseException] = None
        self._closed = False

    @property
    def running(self) -> bool:
        """Whether it logs."""
        return self._native is not None and self._native.running

    @property
    def last_error(self) -> Optional[BaseException]:
        """The last write or subscription error, or None."""
        if self._native is not None:
            for err in (self._native.stream_error, self._native.writer_error):
                if err is not None:
                    return err
        return self._last_error

    @property
    def dropped_count(self) -> int:
        """Readings lost: dropped by a full subscription buffer, or given up after a Python
        writer failed 3 times. Sticky until the next ``start()``."""
        native = self._native.dropped if self._native is not None else 0
        return native + self._writer_dropped

    @property
    def failed(self) -> bool:
        """True once readings were dropped, or the subscription or a Rust writer failed."""
        if self.dropped_count > 0:
            return True
        native = self._native
        return native is not None and (native.stream_error is not None or native.writer_error is not None)

    @property
    def received_count(self) -> int:
        """Readings received so far (device errors included)."""
        return self._native.readings if self._native is not None else 0

    def _native_kind(self) -> tuple:
        w = self._writer
        if isinstance(w, ParquetWriter):
            return "parquet", w.path, w.overwrite
        if isinstance(w, CsvWriter):
            return "csv", w.path, False
        return "python", None, False

    def start(self) -> None:
        """Subscribes and starts logging."""
        with self._lifecycle:
            if self._closed:
                raise RuntimeError("DataLogger has been stopped and writer is closed; create a new instance")
            if self.running:
                raise RuntimeError("DataLogger is already running")
            kind, path, overwrite = self._native_kind()
            self._last_error = None
            self._writer_dropped = 0
            self._retries = 0
            self._stop_event.clear()
            self._native = _native.exp_logger(
                _backend(self._backend), self._devices, kind, path, self._flush_interval, overwrite
            )
            if kind == "python":
                self._flush_thread = threading.Thread(target=self._flush_loop, name="pacsys_rs DataLogger", daemon=True)
                self._flush_thread.start()

    def stop(self) -> None:
        """Stops logging, writes what was received, closes the writer; raises
        ``RuntimeError`` when the run ``failed``."""
        with self._lifecycle:
            if self._closed or self._native is None:
                return
            self._stop_event.set()
            self._native.stop()
            if self._flush_thread is not None:
                if self._flush_thread is threading.current_thread():
                    raise RuntimeError("DataLogger cannot be stopped from its flush worker")
                self._flush_thread.join()
                self._flush_thread = None
                # What arrived after the last flush; a failing writer gives up after its retries.
                while self._flush_now():
                    pass
                try:
                    with self._writer_lock:
                        self._writer.close()
                except Exception as exc:
                    self._last_error = exc
                    raise
            self._closed = True
            native = self._native
            dropped = self.dropped_count
            if native.stream_error is not None:
                also = f"; also dropped {dropped} readings" if dropped else ""
                raise RuntimeError(f"DataLogger subscription failed; logging ended early{also}") from native.stream_error
            if native.writer_error is not None:
                raise RuntimeError(f"DataLogger writer {self._writer!r} failed; logging ended early") from native.writer_error
            if dropped:
                raise RuntimeError(f"Dropped {dropped} readings during DataLogger run (see last_error)") from self._last_error

    def _flush_loop(self) -> None:
        while not self._stop_event.wait(timeout=self._flush_interval):
            self._flush_now()

    def _flush_now(self) -> bool:
        """Writes one batch (what is pending plus what arrived); whether there was one."""
        batch = self._pending + self._native.take()
        self._pending = []
        if not batch:
            return False
        try:
            with self._writer_lock:
                self._writer.write_readings(batch)
            self._retries = 0
        except Exception as exc:
            self._last_error = exc
            self._retries += 1
            if self._retries < self._MAX_RETRIES:
                logger.exception("Error writing readings (attempt %d/%d)", self._retries, self._MAX_RETRIES)
                self._pending = batch
            else:
                logger.error("Dropping %d readings after %d failed attempts: %s", len(batch), self._MAX_RETRIES, exc)
                self._retries = 0
                self._writer_dropped += len(batch)
        except BaseException:
            # Interrupted: unknown whether the batch landed, so it is reported, not repeated.
            self._writer_dropped += len(batch)
            raise
        return True

    def __enter__(self) -> "DataLogger":
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            self.stop()
        except Exception:
            if exc_type is None:
                raise
            logger.exception("DataLogger shutdown failed while handling another exception")
        return False


def _column(pd: Any, np: Any, description: tuple) -> Any:
    """One column of ``read_recording`` from its native description, with the dtypes
    pyarrow gives the same Parquet column (``to_pandas()``)."""
    tag = description[0]
    if tag == "object":
        return pd.Series(description[1], dtype=object)
    if tag == "dict":
        codes, names = description[1], description[2]
        table = np.array(list(names) + [None], dtype=object)
        return pd.Series(table[codes], dtype=object)
    values, valid = description[1], description[2]
    if tag == "timestamp":
        ns = np.where(valid, values, np.iinfo(np.int64).min)
        return pd.Series(pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC"))
    if valid.all():
        return pd.Series(values)
    if not valid.any():
        # A column no row of this recording uses: nulls, as pyarrow gives them.
        return pd.Series(np.full(len(valid), None if tag == "bool" else np.nan, dtype=object if tag == "bool" else np.float64))
    if tag == "bool":
        out = values.astype(object)
        out[~valid] = None
        return pd.Series(out, dtype=object)
    return pd.Series(np.where(valid, values.astype(np.float64), np.nan))


def read_recording(path: Any, *, arrow: bool = False) -> Any:
    """A recording (a ``ParquetWriter``/``pacsys monitor --record`` dataset folder, or one
    Parquet file from ``pacsys history --output``) as a pandas DataFrame, one row per event
    in ``seq`` order, with the recording's columns (``seq``, ``received``, ``kind``,
    ``drf``, ``timestamp``, ``value``, ``values``, ..., see ``ParquetWriter``). Timestamps
    are ``datetime64[ns, UTC]``; integer columns holding nulls become float64 with NaN, as
    pyarrow makes them. The dataset is read in Rust: pandas is needed, pyarrow is not.

    ``arrow=True`` returns the pyarrow Table instead (``pyarrow.parquet.read_table``; needs
    pyarrow). Files a crash left incomplete (hidden temporary parts) are skipped either way."""
    if arrow:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ImportError("pyarrow is required for read_recording(arrow=True). Install with: pip install pacsys-rs[pandas]") from None
        return pq.read_table(os.fspath(path))
    pd = _pandas("read_recording()")
    import numpy as np

    columns = _native.recording_columns(os.fspath(path))
    # The columns are new arrays no one else holds: no copy (pandas would copy every one).
    return pd.DataFrame({name: _column(pd, np, d) for name, d in columns}, copy=False)
