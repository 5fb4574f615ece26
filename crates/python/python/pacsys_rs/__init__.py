"""pacsys_rs: read, write and stream Fermilab ACNET devices over the pacsys-rs Rust core.

The API is pacsys 0.3.0's wherever the meaning is the same, so a script changes one line::

    import pacsys_rs as pacsys

    temperature = pacsys.read("M:OUTTMP")
    with pacsys.dpm() as backend:
        for reading in backend.get_many(["M:OUTTMP", "G:AMANDA"]):
            print(reading.name, reading.value, reading.units)

Every blocking call releases the GIL while it waits; arrays arrive as numpy arrays;
``pacsys_rs.aio`` has the same calls as awaitables; ``pacsys_rs.testing`` starts the
simulator in-process for tests.
"""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass
from enum import Enum, Flag, IntEnum
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from . import errors
from . import _native
from ._native import (
    Backend,
    Reading,
    ReadingArrays,
    Subscription,
    WriteResult,
    __version__,
    default_backend,
    shutdown,
)
from ._native import DataRequest
from ._native import Device as _NativeDevice
from ._device import _Fluent
from ._handle import _Counts
from .errors import (
    AuthenticationError,
    ClosedError,
    ConfigError,
    DeviceError,
    DrfError,
    InvalidRequestError,
    OutcomeUnknownError,
    PacsysConnectionError,
    PacsysError,
    PacsysTimeoutError,
    ProtocolError,
    ReadError,
    ReadOnlyError,
    ServerError,
    SettingRejectedError,
    UnsupportedError,
)

__all__ = [
    "__version__",
    "read_recording",
    "Backend",
    "BasicControl",
    "BackendCapability",
    "DataRequest",
    "Verify",
    "KerberosAuth",
    "JWTAuth",
    "DispatchMode",
    "Device",
    "ScalarDevice",
    "ArrayDevice",
    "TextDevice",
    "Reading",
    "ReadingArrays",
    "WriteResult",
    "Subscription",
    "SubscriptionHandle",
    "read",
    "read_many",
    "get",
    "get_many",
    "write",
    "write_many",
    "subscribe",
    "configure",
    "shutdown",
    "dpm",
    "dpm_http",
    "grpc",
    "default_backend",
    "errors",
    "PacsysError",
    "DeviceError",
    "SettingRejectedError",
    "ReadError",
    "InvalidRequestError",
    "DrfError",
    "UnsupportedError",
    "ReadOnlyError",
    "PacsysTimeoutError",
    "PacsysConnectionError",
    "AuthenticationError",
    "OutcomeUnknownError",
    "ProtocolError",
    "ClosedError",
    "ConfigError",
    "ServerError",
]

DeviceSpec = Union[str, "Device"]

# At exit: close the default backend and let the Rust threads finish delivering results
# before finalization (see `_native._quiesce`).
atexit.register(_native._quiesce)


class BasicControl(IntEnum):
    """Basic-control commands (the reference's ordinals), written to a device's CONTROL
    property: ``backend.write("Z:ACLTST", BasicControl.ON)`` or ``device.on()``."""

    RESET = 0
    ON = 1
    OFF = 2
    POSITIVE = 3
    NEGATIVE = 4
    RAMP = 5
    DC = 6
    LOCAL = 7
    REMOTE = 8
    TRIP = 9

    @property
    def __pacsys_control__(self) -> str:
        """The command's name, as the Rust core parses it."""
        return self.name.lower()


class BackendCapability(Flag):
    """What a backend can do (pacsys's flags and values): ``backend.capabilities``."""

    READ = 1
    WRITE = 2
    STREAM = 4
    AUTH_KERBEROS = 8
    AUTH_JWT = 16
    BATCH = 32


@dataclass(frozen=True)
class Verify:
    """Read-back checking of a write (the reference's ``Verify``): the first read-back after
    ``initial_delay`` seconds, then up to ``max_attempts`` in all, ``retry_delay`` apart; a
    read-back matches within ``tolerance``; ``readback`` reads another DRF back;
    ``check_first`` skips the write when the device already holds the value."""

    tolerance: float = 0.0
    initial_delay: float = 0.3
    retry_delay: float = 0.5
    max_attempts: int = 3
    readback: Optional[str] = None
    check_first: bool = False


class KerberosAuth:
    """Kerberos for DPM settings (the ticket from ``kinit``). Needs a build with the
    ``kerberos`` feature; without it, ``dpm(auth=KerberosAuth())`` raises
    ``UnsupportedError``."""

    def __init__(self, realm: Optional[str] = None) -> None:
        self.realm = realm


class JWTAuth:
    """A JWT bearer token for gRPC settings."""

    def __init__(self, token: str) -> None:
        self.token = token

    @classmethod
    def from_env(cls) -> Optional["JWTAuth"]:
        """``PACSYS_JWT_TOKEN``, if set."""
        import os

        token = os.environ.get("PACSYS_JWT_TOKEN")
        return cls(token) if token else None


class DispatchMode(Enum):
    """Where callbacks run. pacsys_rs always runs them on a Python worker thread (the Rust
    threads that deliver data never take the GIL), so both values mean that."""

    WORKER = "worker"
    DIRECT = "direct"


def _check_kerberos(auth: Any) -> None:
    if isinstance(auth, KerberosAuth) and not _native.KERBEROS:
        raise UnsupportedError(
            "this build of pacsys_rs has no Kerberos: install it with the kerberos feature "
            "(pip install ./crates/python --config-settings=build-args=--features=kerberos)",
            kind="unsupported",
        )
    if auth is not None and not isinstance(auth, (KerberosAuth, JWTAuth)):
        raise TypeError(f"auth must be KerberosAuth or JWTAuth, not {type(auth).__name__}")


def dpm(
    host: Optional[str] = None,
    port: Optional[int] = None,
    pool_size: Optional[int] = None,
    timeout: Optional[float] = None,
    auth: Any = None,
    role: Optional[str] = None,
    dispatch_mode: Optional[DispatchMode] = None,
    buffer: Optional[int] = None,
    drop: Optional[str] = None,
) -> Backend:
    """A DPM backend (unset options from ``PACSYS_DPM_HOST``/``_PORT``/``PACSYS_TIMEOUT``...,
    else the Fermilab proxy). ``buffer``: readings a subscription holds; ``drop``: which one a
    full buffer loses, ``"oldest"`` (the default: the freshest data is kept) or ``"newest"``
    (pacsys's policy)."""
    _check_kerberos(auth)
    if isinstance(auth, JWTAuth):
        raise InvalidRequestError("DPM settings use Kerberos, not a JWT", kind="invalid_request")
    realm = auth.realm if isinstance(auth, KerberosAuth) else None
    return _native.dpm(host, port, pool_size, timeout, role, buffer, realm, drop)


def grpc(
    host: Optional[str] = None,
    port: Optional[int] = None,
    auth: Any = None,
    timeout: Optional[float] = None,
    token: Optional[str] = None,
    buffer: Optional[int] = None,
    drop: Optional[str] = None,
) -> Backend:
    """A DAQ gRPC backend (token from ``auth=JWTAuth(...)``, ``token=``, else
    ``PACSYS_JWT_TOKEN``)."""
    if isinstance(auth, KerberosAuth):
        raise InvalidRequestError("gRPC settings use a JWT, not Kerberos", kind="invalid_request")
    _check_kerberos(auth)
    if isinstance(auth, JWTAuth):
        token = auth.token
    return _native.grpc(host, port, token, timeout, buffer, drop)


#: The reference's name for the DPM backend (its DPM/HTTP transport).
dpm_http = dpm


# ---- module functions over the default backend ----


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()
_config: dict = {}
_config_lock = threading.Lock()


def configure(
    *,
    backend: Any = _UNSET,
    dpm_host: Any = _UNSET,
    dpm_port: Any = _UNSET,
    grpc_host: Any = _UNSET,
    grpc_port: Any = _UNSET,
    default_timeout: Any = _UNSET,
    pool_size: Any = _UNSET,
    token: Any = _UNSET,
) -> None:
    """Sets the default backend's configuration, as the reference does: only the keywords
    given change (``None`` resets one to ``PACSYS_*``, else the default); the next call
    builds a new default backend. ``configure()`` with no keyword rebuilds it as is."""
    given = {
        k: v
        for k, v in dict(
            backend=backend,
            dpm_host=dpm_host,
            dpm_port=dpm_port,
            grpc_host=grpc_host,
            grpc_port=grpc_port,
            default_timeout=default_timeout,
            pool_size=pool_size,
            token=token,
        ).items()
        if v is not _UNSET
    }
    with _config_lock:
        _config.update(given)
        for k in [k for k, v in _config.items() if v is None]:
            del _config[k]
        _native.configure(**_config)


def _backend_of(device: Any) -> Backend:
    """The backend a bound ``Device`` uses, else the default backend."""
    bound = getattr(device, "backend", None) if isinstance(device, _NativeDevice) else None
    return bound if bound is not None else default_backend()


def read(device: DeviceSpec, timeout: Optional[float] = None) -> Any:
    """Reads one device once (with its own backend when it is a bound ``Device``, else the
    default backend) and returns its value."""
    return _backend_of(device).read(device, timeout)


def get(device: DeviceSpec, timeout: Optional[float] = None) -> Reading:
    """Reads one device once and returns the whole ``Reading`` (check ``reading.ok``)."""
    return _backend_of(device).get(device, timeout)


def get_many(devices: Iterable[DeviceSpec], timeout: Optional[float] = None, *, as_arrays: bool = False) -> Any:
    """Reads many devices at once; one ``Reading`` per device, in order. With
    ``as_arrays=True``, one ``ReadingArrays``: the batch as numpy columns (``values``,
    ``timestamps`` as ``datetime64[ns]``, ``facility_codes``, ``error_codes``, ``ok``,
    ``errors``; ``to_dataframe()``), with no Python object per device.

    >>> arrays = get_many(["M:OUTTMP", "G:AMANDA"], as_arrays=True)  # doctest: +SKIP
    >>> arrays.values[arrays.ok].mean()  # doctest: +SKIP
    """
    return default_backend().get_many(list(devices), timeout, as_arrays=as_arrays)


def read_many(devices: Iterable[DeviceSpec], timeout: Optional[float] = None) -> list:
    """Reads many devices and returns their values; raises the first failure."""
    return default_backend().read_many(list(devices), timeout)


def write(device: DeviceSpec, value: Any, timeout: Optional[float] = None, **verify: Any) -> WriteResult:
    """Writes one setting with the default backend (``verify=True``/``tolerance=`` read it
    back); raises when it is refused."""
    return _backend_of(device).write(device, value, timeout, **verify)


def write_many(settings: Any, timeout: Optional[float] = None) -> list:
    """Writes many settings (``[(device, value), ...]`` or a dict); one ``WriteResult``
    per setting (a refused one has ``ok=False`` and ``error``)."""
    return default_backend().write_many(settings, timeout)


ReadingCallback = Callable[[Reading, "SubscriptionHandle"], None]
ErrorCallback = Callable[[BaseException, "SubscriptionHandle"], None]


class SubscriptionHandle(_Counts):
    """A running subscription (what ``subscribe`` returns): iterate it for ``Reading``\\ s,
    use ``readings(timeout)`` for ``(reading, handle)`` pairs as the reference does, or give
    ``subscribe`` a ``callback`` (called on a Python thread). A context manager: leaving the
    block stops it. ``stop()`` returns at once, whatever the stream is doing.

    ``dropped`` counts readings lost to a full buffer, ``gaps`` the reconnections after a
    lost connection (``gap_seconds`` their total length), ``exc`` the error that ended the
    stream for good (``readings()`` raises it after the buffered readings; with a callback
    it goes to ``on_error``).
    """

    def __init__(
        self,
        native: Subscription,
        callback: Optional[ReadingCallback] = None,
        on_error: Optional[ErrorCallback] = None,
        backend: Any = None,
    ) -> None:
        self._sub = native
        self._backend = backend
        self._thread: Optional[threading.Thread] = None
        self._callback_error: Optional[BaseException] = None
        if callback is not None:
            if not callable(callback):
                raise TypeError(f"callback must be callable, got {type(callback).__name__}")
            self._thread = threading.Thread(
                target=self._dispatch,
                args=(callback, on_error),
                name="pacsys_rs-callback",
                daemon=True,
            )
            self._thread.start()

    def _dispatch(self, callback: ReadingCallback, on_error: Optional[ErrorCallback]) -> None:
        # This Python thread waits (GIL released) and calls back, a batch of readings per
        # GIL acquisition; the Rust threads that deliver data never take the GIL. A
        # callback's Exception goes to `_callback_error` and `on_error`.
        self._sub._dispatch(callback, self, on_error)
        exc = self._sub.exc
        if exc is not None and on_error is not None:
            on_error(exc, self)

    def __iter__(self) -> Iterator[Reading]:
        if self._thread is not None:
            raise RuntimeError("Cannot iterate subscription with callback; readings are pushed to callback")
        return iter(self._sub)

    def next(self, timeout: Optional[float] = None) -> Optional[Reading]:
        """The next reading, or ``None`` when the subscription ended or ``timeout`` passed."""
        return self._sub.next(timeout)

    def readings(self, timeout: Optional[float] = None) -> Iterator[tuple]:
        """``(reading, handle)`` pairs (the reference's generator) until the subscription
        ends or the total window of ``timeout`` seconds closes (``None``: no end; ``0``: only
        what is already buffered); then raises ``exc`` if the stream ended with an error."""
        if self._thread is not None:
            raise RuntimeError("Cannot iterate subscription with callback; readings are pushed to callback")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            reading = self._sub.next(left)
            if reading is None:
                break
            yield reading, self
        exc = self._sub.exc
        if exc is not None:
            raise exc

    def stop(self) -> None:
        """Stops the subscription (and its callback thread); returns at once."""
        self._sub.stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    @property
    def stopped(self) -> bool:
        """Whether the subscription was stopped (or its backend closed)."""
        return self._sub.stopped

    @property
    def callback_error(self) -> Optional[BaseException]:
        """The last exception a callback raised, if any."""
        return self._callback_error

    def __enter__(self) -> "SubscriptionHandle":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.stop()
        return False

    def __repr__(self) -> str:
        return f"SubscriptionHandle({self.drfs!r}, {'stopped' if self.stopped else 'running'})"


def _drfs(devices: Iterable[DeviceSpec]) -> list:
    if isinstance(devices, (str, _NativeDevice)):
        devices = [devices]
    return [d if isinstance(d, str) else d.drf for d in devices]


def subscribe(
    drfs: Iterable[DeviceSpec],
    callback: Optional[ReadingCallback] = None,
    on_error: Optional[ErrorCallback] = None,
    backend: Optional[Backend] = None,
) -> SubscriptionHandle:
    """Subscribes to ``drfs`` (with repeating events such as ``@p,1000``) on ``backend``
    (the default backend when ``None``). With ``callback``, each reading is passed to
    ``callback(reading, handle)`` on a Python thread; otherwise iterate the handle."""
    b = backend if backend is not None else default_backend()
    return SubscriptionHandle(b._subscribe(_drfs(drfs)), callback, on_error, b)


# ---- devices ----


class Device(_Fluent, _NativeDevice):
    """One device (any DRF), bound to ``backend`` or to the default backend. The DRF is
    parsed at construction (``DrfError``); devices are equal and hashed by their canonical
    ``drf``; ``request``, ``has_event``, ``is_periodic`` describe it.

    Reads (each with ``field=`` and ``timeout=``): ``read()`` (``.READING@I``), ``get()``
    (also ``prop=``), ``setting()``, ``status()``, ``analog_alarm()``, ``digital_alarm()``,
    ``description()``. Writes: ``write(value, verify=...)``, ``control(command)`` and the
    shortcuts ``on()``, ``off()``, ``reset()``, ..., ``set_analog_alarm(dict)``,
    ``set_digital_alarm(dict)``. Streams: ``subscribe()``, ``await_next()``.
    """

    def await_next(
        self,
        *,
        prop: Optional[str] = None,
        field: Optional[str] = None,
        event: Optional[str] = None,
        timeout: Optional[float] = 5.0,
    ) -> Reading:
        """Subscribes, waits for the next reading and stops; raises ``PacsysTimeoutError``
        (a ``TimeoutError``) when none comes within ``timeout`` seconds."""
        with self.subscribe(prop=prop, field=field, event=event) as sub:
            reading = sub.next(timeout)
        if reading is None:
            raise PacsysTimeoutError(
                f"{self.drf}: no reading within {timeout} s", kind="timeout", drf=self.drf, elapsed=timeout
            )
        return reading

    def subscribe(
        self,
        callback: Optional[ReadingCallback] = None,
        on_error: Optional[ErrorCallback] = None,
        *,
        prop: Optional[str] = None,
        field: Optional[str] = None,
        event: Optional[str] = None,
    ) -> SubscriptionHandle:
        """Subscribes to this request (or ``prop``/``field`` of the device, with ``event`` or
        the device's own repeating event)."""
        if callback is not None and not callable(callback):
            raise TypeError(
                f"callback must be callable, got {type(callback).__name__} — did you mean subscribe(event={callback!r})?"
            )
        drf = self._stream_drf(prop, field, event)
        b = self.backend
        if b is None:
            b = default_backend()
        elif not isinstance(b, Backend):
            b = getattr(b, "_native", b)
        return SubscriptionHandle(b._subscribe([drf]), callback, on_error, b)


class ScalarDevice(Device):
    """A device whose reading is a number: ``read()`` returns a ``float``."""

    def read(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> float:
        """Reads the value; raises ``TypeError`` when it is not a number."""
        value = super().read(field=field, timeout=timeout)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{self.drf} read {type(value).__name__}, not a number")
        return float(value)


class ArrayDevice(Device):
    """A device whose reading is an array: ``read()`` returns a numpy ``float64`` array."""

    def read(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """Reads the value; a list becomes an array, anything else raises ``TypeError``."""
        import numpy as np

        value = super().read(field=field, timeout=timeout)
        if isinstance(value, (list, tuple)):
            return np.asarray(value, dtype=float)
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{self.drf} read {type(value).__name__}, not an array")
        return value


class TextDevice(Device):
    """A device whose reading is text: ``read()`` returns a ``str``."""

    def read(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> str:
        """Reads the value; raises ``TypeError`` when it is not text."""
        value = super().read(field=field, timeout=timeout)
        if not isinstance(value, str):
            raise TypeError(f"{self.drf} read {type(value).__name__}, not text")
        return value


def read_recording(path: Any, *, arrow: bool = False) -> Any:
    """A recording (a ``pacsys_rs.exp.ParquetWriter`` or ``pacsys monitor --record`` dataset,
    or one Parquet file) as a pandas DataFrame, read in Rust; ``arrow=True``: the pyarrow
    Table. See ``pacsys_rs.exp.read_recording``."""
    from .exp import read_recording as read

    return read(path, arrow=arrow)
