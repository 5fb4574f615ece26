"""Type stubs of ``pacsys_rs._native``, the Rust extension module (PyO3) under ``pacsys_rs``."""

from __future__ import annotations

import datetime
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Optional,
    Protocol,
    Tuple,
    Union,
    overload,
)

from . import BasicControl, ErrorCallback, ReadingCallback, SubscriptionHandle, Verify
from .errors import PacsysError

class _HasDrf(Protocol):
    """Anything with a ``drf`` string (a ``Device``, an ``aio.AsyncDevice``)."""

    @property
    def drf(self) -> str: ...

#: A device argument: a DRF string, or an object with a ``drf`` attribute.
DeviceLike = Union[str, _HasDrf]
#: A batch of settings: ``[(device, value), ...]`` (tuples) or a ``dict``.
Settings = Union[Dict[Any, Any], Iterable[Tuple[DeviceLike, Any]]]
#: ``verify=``: ``True``/``False``, a ``Verify`` (its ``tolerance`` and ``max_attempts``), or ``None``.
VerifyArg = Union[bool, Verify, None]

__version__: str
"""The version of the pacsys-py crate this module was built from."""

KERBEROS: bool
"""Whether this build signs DPM settings with Kerberos (the ``kerberos`` cargo feature)."""

class Backend:
    """A connection to DPM (``dpm()``), the DAQ gRPC service (``grpc()``) or the in-memory fake; a context manager."""

    def read(self, device: DeviceLike, timeout: Optional[float] = None) -> Any:
        """Reads one device once and returns its value (raises on any failure)."""
    def get(self, device: DeviceLike, timeout: Optional[float] = None) -> Reading:
        """Reads one device once; a device error is a ``Reading`` with its status (check ``reading.ok``), anything else raises."""
    @overload
    def get_many(self, devices: Iterable[DeviceLike], timeout: Optional[float] = None, *, as_arrays: Literal[False] = False) -> List[Reading]:
        """Reads many devices at once (one total ``timeout``): one ``Reading`` per device, in order; a failed one carries its error."""
    @overload
    def get_many(self, devices: Iterable[DeviceLike], timeout: Optional[float] = None, *, as_arrays: Literal[True]) -> ReadingArrays:
        """The batch as numpy columns (``ReadingArrays``), no Python object per device."""
    def read_many(self, devices: Iterable[DeviceLike], timeout: Optional[float] = None) -> List[Any]:
        """Reads many devices and returns their values; raises the first failure."""
    def write(
        self,
        device: DeviceLike,
        value: Any,
        timeout: Optional[float] = None,
        verify: VerifyArg = None,
        tolerance: Optional[float] = None,
        retries: Optional[int] = None,
    ) -> WriteResult:
        """Writes one setting (number, text, bytes, array, ``BasicControl``, alarm dict); raises when refused; ``verify``/``tolerance`` read it back."""
    def write_many(self, settings: Settings, timeout: Optional[float] = None) -> List[WriteResult]:
        """Writes many settings with one total ``timeout``: one ``WriteResult`` per setting, in order; a refused one has ``ok=False`` and ``error``."""
    def subscribe(
        self,
        devices: Union[str, Iterable[DeviceLike]],
        callback: Optional[ReadingCallback] = None,
        on_error: Optional[ErrorCallback] = None,
    ) -> SubscriptionHandle:
        """Subscribes to ``devices`` (DRFs with a repeating event such as ``@p,1000``) and returns a ``SubscriptionHandle``."""
    def _subscribe(self, devices: Iterable[DeviceLike]) -> Subscription:
        """Starts a subscription to ``devices`` (the native handle; see ``subscribe``)."""
    def close(self) -> None:
        """Closes the backend: later calls raise ``ClosedError``, open subscriptions end."""
    @property
    def timeout(self) -> float:
        """The default total timeout of a call, in seconds."""
    @property
    def kind(self) -> str:
        """Which transport: ``"dpm"``, ``"grpc"`` or ``"fake"``."""
    def __enter__(self) -> Backend:
        """Returns the backend itself."""
    def __exit__(self, *_args: object) -> bool:
        """Closes the backend; exceptions propagate."""
    def stop_streaming(self) -> None:
        """Ends every subscription of this backend; the backend stays usable."""
    def stop_streaming_async(self) -> Awaitable[None]:
        """``stop_streaming``, awaitable."""
    def remove(self, handle: Any) -> None:
        """Stops a subscription of this backend (its handle's ``stop()``)."""
    @property
    def capabilities(self) -> Any:
        """What the backend can do (a ``BackendCapability`` flag)."""
    @property
    def _capabilities(self) -> int:
        """The bits of ``capabilities``."""
    @property
    def authenticated(self) -> bool:
        """Whether settings are sent with credentials (Kerberos or a JWT)."""
    @property
    def principal(self) -> Optional[str]:
        """The verified identity settings are made with (``None`` without credentials)."""
    def read_many_async(self, devices: Iterable[DeviceLike], timeout: Optional[float] = None) -> Awaitable[List[Any]]:
        """``read_many``, awaitable."""
    def read_async(self, device: DeviceLike, timeout: Optional[float] = None) -> Awaitable[Any]:
        """``read``, awaitable."""
    def get_async(self, device: DeviceLike, timeout: Optional[float] = None) -> Awaitable[Reading]:
        """``get``, awaitable."""
    def get_many_async(self, devices: Iterable[DeviceLike], timeout: Optional[float] = None, *, as_arrays: bool = False) -> Awaitable[Any]:
        """``get_many``, awaitable."""
    def write_async(
        self,
        device: DeviceLike,
        value: Any,
        timeout: Optional[float] = None,
        verify: VerifyArg = None,
        tolerance: Optional[float] = None,
        retries: Optional[int] = None,
    ) -> Awaitable[WriteResult]:
        """``write``, awaitable."""
    def write_many_async(self, settings: Settings, timeout: Optional[float] = None) -> Awaitable[List[WriteResult]]:
        """``write_many``, awaitable."""
    def _subscribe_async(self, devices: Iterable[DeviceLike]) -> Awaitable[Subscription]:
        """``_subscribe``, awaitable."""
    def close_async(self) -> Awaitable[None]:
        """``close``, awaitable."""
    def __repr__(self) -> str:
        """``Backend(dpm, host:port)``, ``Backend(grpc, host:port)`` or ``Backend(fake)``."""

class ReadingArrays:
    """A batch read as columns (``get_many(..., as_arrays=True)``), one row per device in the order asked."""

    @property
    def drfs(self) -> List[str]:
        """The requests, in order."""
    @property
    def values(self) -> Any:
        """``float64`` values (NaN where a row has none, or it is not a number: see ``value(i)``)."""
    @property
    def timestamps(self) -> Any:
        """``datetime64[ns]`` timestamps, UTC (NaT where there is none)."""
    @property
    def facility_codes(self) -> Any:
        """``int16`` ACNET facility codes."""
    @property
    def error_codes(self) -> Any:
        """``int16`` ACNET error codes (0 success, > 0 warning, < 0 error)."""
    @property
    def ok(self) -> Any:
        """``bool``: the row read a value with a success status."""
    @property
    def errors(self) -> Dict[int, BaseException]:
        """``{row: exception}`` for the rows that failed."""
    def value(self, i: int) -> Any:
        """The whole value of row ``i`` (any type), or ``None``."""
    def reading(self, i: int) -> Reading:
        """Row ``i`` as a ``Reading``."""
    def to_dict(self) -> Dict[str, Any]:
        """The columns by name (``drf``, ``value``, ``timestamp``, ``facility_code``, ``error_code``, ``ok``)."""
    def to_dataframe(self) -> Any:
        """A pandas DataFrame of the columns (``timestamp`` as ``datetime64[ns, UTC]``)."""
    def __len__(self) -> int: ...

class Reading:
    """One reading of one request: the value (or why there is none), its status, timestamp and the device's metadata."""
    def __init__(
        self,
        drf: str,
        value_type: Any = None,
        facility_code: int = 0,
        error_code: int = 0,
        value: Any = None,
        message: Optional[str] = None,
        timestamp: Optional[datetime.datetime] = None,
        cycle: Optional[int] = None,
        meta: Any = None,
    ) -> None:
        """A reading made in Python (pacsys's fields; ``value_type`` required with a value)."""
    def to_dict(self) -> Dict[str, Any]:
        """A JSON-safe dict (pacsys's keys)."""
    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Reading:
        """The reading a ``to_dict()`` dict describes."""
    def __eq__(self, other: object) -> bool:
        """Equal when every field is."""
    def __hash__(self) -> int:
        """A hash of the DRF, status and cycle."""

    @property
    def drf(self) -> str:
        """The request as the caller wrote it."""
    @property
    def value(self) -> Any:
        """The value: ``float``, numpy ``float64`` array, ``str``, ``list[str]``, ``bytes`` or ``dict``; ``None`` when there is none."""
    @property
    def value_type(self) -> Optional[str]:
        """The reference's name of the value's type (``"scalar"``, ``"scalarArr"``, ...), or ``None``."""
    @property
    def facility_code(self) -> int:
        """The ACNET facility code of the status (0 for success)."""
    @property
    def error_code(self) -> int:
        """The ACNET error code of the status (0 success, > 0 warning, < 0 error)."""
    @property
    def status_name(self) -> Optional[str]:
        """The status's symbolic name (``"DPM_PEND"``), when known."""
    @property
    def message(self) -> Optional[str]:
        """What went wrong (``None`` for success): the error's text, or the status's."""
    @property
    def error(self) -> Optional[PacsysError]:
        """The exception this reading's failure would raise (``None`` when it did not fail)."""
    @property
    def timestamp(self) -> Optional[datetime.datetime]:
        """When the value was taken, as a timezone-aware UTC ``datetime`` (or ``None``)."""
    @property
    def epoch(self) -> Optional[float]:
        """The timestamp as seconds since the Unix epoch (or ``None``)."""
    @property
    def cycle(self) -> Optional[int]:
        """The cycle (event) number, when the server sends one."""
    @property
    def name(self) -> str:
        """The device's name (from the metadata, else the device part of the DRF)."""
    @property
    def units(self) -> Optional[str]:
        """The engineering units, when the device has them."""
    @property
    def description(self) -> Optional[str]:
        """The device's description, from the metadata."""
    @property
    def device_index(self) -> Optional[int]:
        """The device index, from the metadata."""
    @property
    def ok(self) -> bool:
        """A usable value arrived (success or warning, with a value)."""
    @property
    def is_success(self) -> bool:
        """The status is success (error code 0)."""
    @property
    def is_warning(self) -> bool:
        """The status is a warning (error code > 0)."""
    @property
    def is_error(self) -> bool:
        """The status is an error (error code < 0)."""
    def __repr__(self) -> str:
        """``Reading("DRF", value=...)`` or ``Reading("DRF", status=...)``."""

class WriteResult:
    """The result of one setting (a refused one raises from ``write``; in ``write_many`` it has ``ok=False`` and ``error``)."""
    def __init__(
        self,
        drf: str,
        facility_code: int = 0,
        error_code: int = 0,
        message: Optional[str] = None,
        verified: Optional[bool] = None,
        readback: Any = None,
        skipped: bool = False,
        attempts: int = 0,
    ) -> None:
        """A write result made in Python (pacsys's fields)."""
    def to_dict(self) -> Dict[str, Any]:
        """A JSON-safe dict (pacsys's keys)."""
    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> WriteResult:
        """The result a ``to_dict()`` dict describes."""
    def __eq__(self, other: object) -> bool:
        """Equal when every field is."""
    def __hash__(self) -> int:
        """A hash of the DRF, status and attempts."""
    @property
    def skipped(self) -> bool:
        """Whether the write was skipped (``check_first``)."""

    @property
    def drf(self) -> str:
        """The request as the caller wrote it."""
    @property
    def facility_code(self) -> int:
        """The ACNET facility code of the setting's status."""
    @property
    def error_code(self) -> int:
        """The ACNET error code of the setting's status."""
    @property
    def message(self) -> Optional[str]:
        """What went wrong (``None`` for success)."""
    @property
    def error(self) -> Optional[PacsysError]:
        """The exception of a refused or failed setting (``None`` when it was accepted)."""
    @property
    def ok(self) -> bool:
        """The setting was accepted: no error and error code 0."""
    @property
    def success(self) -> bool:
        """Same as ``ok`` (the reference's name)."""
    @property
    def verified(self) -> Optional[bool]:
        """``True``/``False`` when the value was read back (``verify``), ``None`` otherwise."""
    @property
    def readback(self) -> Any:
        """The value read back, when verified (else ``None``)."""
    @property
    def confirmed(self) -> bool:
        """Accepted and not contradicted by a read-back."""
    @property
    def attempts(self) -> int:
        """How many read-backs were made."""
    def __repr__(self) -> str:
        """``WriteResult("DRF", ok=..., verified=...)``."""

class Subscription:
    """A live subscription: an iterator of ``Reading``s and a context manager; ``dropped`` and ``gaps`` count what was lost."""

    def next(self, timeout: Optional[float] = None) -> Optional[Reading]:
        """The next reading, waiting at most ``timeout`` seconds (forever when ``None``); ``None`` when it ended or the time passed."""
    def next_async(self, timeout: Optional[float] = None) -> Awaitable[Optional[Reading]]:
        """``next``, awaitable."""
    def _dispatch(self, callback: Callable[[Reading, Any], Any], handle: Any, on_error: Optional[Callable[[BaseException, Any], Any]] = None) -> None:
        """Calls ``callback(reading, handle)`` for every reading until the stream ends, a batch per GIL acquisition; a callback's ``Exception`` goes to ``handle._callback_error`` and ``on_error``."""
    def __iter__(self) -> Subscription:
        """Returns the subscription itself."""
    def __next__(self) -> Reading:
        """The next reading (waits with the GIL released); ``StopIteration`` when the subscription ended."""
    def stop(self) -> None:
        """Ends the subscription (its list is removed from the server)."""
    def stop_async(self) -> Awaitable[None]:
        """``stop``, awaitable."""
    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called."""
    @property
    def dropped(self) -> int:
        """Readings lost because this consumer fell behind (the newest are kept)."""
    @property
    def gaps(self) -> int:
        """Reconnections after a lost connection (each one a gap in the data)."""
    @property
    def gap_seconds(self) -> float:
        """Total length of the gaps, in seconds."""
    @property
    def disconnects(self) -> int:
        """Times the connection was lost."""
    @property
    def exc(self) -> Optional[BaseException]:
        """The error that ended the stream for good (it ended without ``stop()``), else ``None``."""
    @property
    def drfs(self) -> List[str]:
        """The requests, as given."""
    def __enter__(self) -> Subscription:
        """Returns the subscription itself."""
    def __exit__(self, *_args: object) -> bool:
        """Stops the subscription; exceptions propagate."""

class DataRequest:
    """A parsed DRF (pacsys's ``DataRequest``): its parts as text."""

    @property
    def device(self) -> str:
        """The device name."""
    @property
    def property(self) -> str:
        """The property (``"READING"``, ``"SETTING"``, ...)."""
    @property
    def field(self) -> Optional[str]:
        """The field, when one is given or implied."""
    @property
    def range(self) -> Optional[str]:
        """The range (``"[0:3]"``), when one is given."""
    @property
    def event(self) -> str:
        """The event (``"p,1000"``; empty for the default event)."""
    @property
    def extra(self) -> Optional[str]:
        """The extra (``"LOGGER"``), when one is given."""
    @property
    def is_acnet(self) -> bool:
        """Whether the device is an ACNET device (not an EPICS PV)."""
    def to_canonical(self) -> str:
        """The canonical DRF."""
    def __str__(self) -> str:
        """The canonical DRF."""
    def __repr__(self) -> str:
        """``DataRequest("DRF")``."""

class Device:
    """One device (any DRF), bound to ``backend``, or to the default backend when none is given; with ``_aio=True`` (``aio.AsyncDevice``) every call returns an awaitable."""

    def __init__(self, drf: str, backend: Any = None, *, _aio: bool = False) -> None:
        """Parses ``drf`` (``DrfError`` when it does not parse) and binds the device."""
    @property
    def drf(self) -> str:
        """The request, in canonical form."""
    @property
    def name(self) -> str:
        """The device name (``M:OUTTMP``)."""
    @property
    def request(self) -> DataRequest:
        """The parsed request."""
    @property
    def has_event(self) -> bool:
        """Whether the request names an event (other than the default one)."""
    @property
    def is_periodic(self) -> bool:
        """Whether the request's event is periodic."""
    @property
    def backend(self) -> Any:
        """The backend this device is bound to (``None``: the default backend)."""
    def read(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """Reads the READING property once (``.READING@I``) and returns its value."""
    def get(self, *, prop: Optional[str] = None, field: Optional[str] = None, timeout: Optional[float] = None) -> Reading:
        """Reads the request (or ``prop``/``field``) once and returns the whole ``Reading`` (a device error is a reading with its status)."""
    def setting(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """Reads the SETTING property once."""
    def status(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """The basic status as a dict of bools, one bit as a ``bool`` (``field="on"``), or another STATUS field's value."""
    def analog_alarm(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """The analog alarm block as the reference's dict (or one field's value)."""
    def digital_alarm(self, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """The digital alarm block as the reference's dict (or one field's value)."""
    def description(self, *, timeout: Optional[float] = None) -> Any:
        """The device's description text."""
    def write(
        self,
        value: Any,
        *,
        field: Optional[str] = None,
        verify: VerifyArg = None,
        timeout: Optional[float] = None,
        tolerance: Optional[float] = None,
        retries: Optional[int] = None,
    ) -> Any:
        """Writes the device's setting; ``verify``/``tolerance`` read it back; a ``BasicControl`` sends that command."""
    def control(self, command: Union[BasicControl, str], *, verify: VerifyArg = None, timeout: Optional[float] = None) -> Any:
        """Sends a basic-control command: a ``BasicControl`` or its name (``"on"``, ``"reset"``)."""
    def set_analog_alarm(self, settings: Dict[str, Union[float, bool]], *, timeout: Optional[float] = None) -> Any:
        """Changes fields of the analog alarm block (only the keys given)."""
    def set_digital_alarm(self, settings: Dict[str, Union[float, bool]], *, timeout: Optional[float] = None) -> Any:
        """Changes fields of the digital alarm block (only the keys given)."""
    def _subscribe(self) -> Any:
        """Starts a subscription to this request (the native handle)."""
    def _stream_drf(self, prop: Optional[str] = None, field: Optional[str] = None, event: Optional[str] = None) -> str:
        """The DRF to stream (``ValueError`` without a repeating event)."""
    def with_event(self, event: str) -> Device:
        """The same device with ``event``."""
    def without_event(self) -> Device:
        """The same device without an event."""
    def with_range(self, start: Optional[int] = None, end: Optional[int] = None, *, at: Optional[int] = None) -> Device:
        """The same device with a range."""
    def without_range(self) -> Device:
        """The same device without a range."""
    def __eq__(self, other: object) -> bool:
        """Equal when the canonical DRFs are."""
    def __hash__(self) -> int:
        """The hash of the canonical DRF."""
    def __repr__(self) -> str:
        """``Device("DRF")``."""

class Sim:
    """Both fake servers (DPM and DAQ gRPC) over one device world on free ports of 127.0.0.1; a context manager."""

    def __init__(self) -> None:
        """Starts both servers (settings accepted without Kerberos)."""
    @property
    def dpm_port(self) -> int:
        """The fake DPM server's port (on 127.0.0.1)."""
    @property
    def grpc_port(self) -> int:
        """The fake DAQ gRPC server's port (on 127.0.0.1)."""
    @property
    def token(self) -> str:
        """The bearer token ``grpc()`` backends send."""
    def dpm(self, timeout: Optional[float] = None, buffer: Optional[int] = None, drop: Optional[str] = None) -> Backend:
        """A DPM backend connected to the fake DPM server (``buffer``: readings a subscription holds before it drops the oldest)."""
    def grpc(self, timeout: Optional[float] = None, buffer: Optional[int] = None, drop: Optional[str] = None) -> Backend:
        """A gRPC backend connected to the fake DAQ server (with a token, so it may write)."""
    def close_dpm_connections(self) -> None:
        """Fault: the fake DPM server drops every open connection now (subscriptions reconnect and report a gap)."""
    def stop(self) -> None:
        """Stops both servers (also done by ``with`` and when the object is collected)."""
    def __enter__(self) -> Sim:
        """Returns the simulator itself."""
    def __exit__(self, *_args: object) -> bool:
        """Stops both servers; exceptions propagate."""
    def __repr__(self) -> str:
        """``Sim(dpm_port=..., grpc_port=...)``."""

def dpm(
    host: Optional[str] = None,
    port: Optional[int] = None,
    pool_size: Optional[int] = None,
    timeout: Optional[float] = None,
    role: Optional[str] = None,
    buffer: Optional[int] = None,
    realm: Optional[str] = None,
    drop: Optional[str] = None,
) -> Backend:
    """A DPM backend (host and port from the arguments, else ``PACSYS_DPM_HOST``/``_PORT``, else the Fermilab proxy)."""

def grpc(
    host: Optional[str] = None,
    port: Optional[int] = None,
    token: Optional[str] = None,
    timeout: Optional[float] = None,
    buffer: Optional[int] = None,
    drop: Optional[str] = None,
) -> Backend:
    """A DAQ gRPC backend (token from the argument, else ``PACSYS_JWT_TOKEN``)."""

def _set_default_backend(backend: Optional[Backend] = None) -> None:
    """Puts ``backend`` in the default backend's place (``None``: restores the real one)."""

def default_backend() -> Backend:
    """The process-wide default backend (built on first use from ``configure``, the ``PACSYS_*`` variables and the defaults)."""

def configure(
    *,
    backend: Optional[str] = None,
    dpm_host: Optional[str] = None,
    dpm_port: Optional[int] = None,
    grpc_host: Optional[str] = None,
    grpc_port: Optional[int] = None,
    default_timeout: Optional[float] = None,
    pool_size: Optional[int] = None,
    token: Optional[str] = None,
) -> None:
    """Sets the default backend's configuration (arguments win over ``PACSYS_*``); the next call builds a new default backend."""

def shutdown() -> None:
    """Closes the default backend; the next call builds a new one (the configuration stays)."""

def _quiesce() -> None:
    """At interpreter exit: closes the default backend and waits briefly, GIL released, for the runtime's threads."""

# ---- pacsys_rs.exp (the experiment helpers' native side) ----

class FreshResult:
    """The fresh readings of one device (``pacsys_rs.exp.read_fresh``)."""

    @property
    def drf(self) -> str:
        """The request as sent."""
    @property
    def readings(self) -> list[Reading]:
        """Every reading received, in order."""
    @property
    def requested_count(self) -> int:
        """How many usable readings were asked for."""
    @property
    def reading(self) -> Optional[Reading]:
        """The last reading."""
    @property
    def values(self) -> list[float]:
        """The numbers of the usable scalar readings."""
    def mean(self, n: Optional[int] = None) -> float:
        """Mean over the last ``n`` values (``None``: the count asked for; -1: all)."""
    def median(self, n: Optional[int] = None) -> float:
        """Median (see ``mean`` for ``n``)."""
    def std(self, n: Optional[int] = None) -> float:
        """Population standard deviation (see ``mean`` for ``n``)."""
    def min(self, n: Optional[int] = None) -> float:
        """Smallest value (see ``mean`` for ``n``)."""
    def max(self, n: Optional[int] = None) -> float:
        """Largest value (see ``mean`` for ``n``)."""
    def __len__(self) -> int: ...

class ScanResult:
    """What ``pacsys_rs.exp.scan`` did."""

    @property
    def write_device(self) -> str:
        """The scanned device."""
    @property
    def read_devices(self) -> list[str]:
        """The devices read at each step."""
    @property
    def set_values(self) -> list[float]:
        """The values written (one per write attempted)."""
    @property
    def readings(self) -> list[list[tuple[str, Reading]]]:
        """Per completed step, (device, reading) pairs (``dict(step)`` maps them)."""
    @property
    def write_results(self) -> list[WriteResult]:
        """Each write's result."""
    @property
    def aborted(self) -> bool:
        """A write failed or ``abort_if`` stopped the scan before the last value."""
    @property
    def restored(self) -> bool:
        """The original setting was written back."""
    @property
    def restore_error(self) -> Optional[str]:
        """Why restoring failed, if it did."""
    def to_dataframe(self) -> Any:
        """A pandas DataFrame: ``set_value`` and each read device's value per step."""

class ChannelData:
    """One device's collected readings (``pacsys_rs.exp.Monitor``)."""

    @property
    def drf(self) -> str:
        """The request."""
    @property
    def readings(self) -> list[Reading]:
        """Its readings, oldest first."""
    @property
    def values(self) -> list[float]:
        """The numbers of the usable scalar readings."""
    def mean(self) -> float:
        """Mean of ``values``."""
    def median(self) -> float:
        """Median of ``values``."""
    def std(self) -> float:
        """Population standard deviation of ``values``."""
    def min(self) -> float:
        """Smallest value."""
    def max(self) -> float:
        """Largest value."""
    def slice(self, start: Optional[datetime.datetime] = None, end: Optional[datetime.datetime] = None) -> ChannelData:
        """The readings stamped in ``[start, end]`` (``None`` is open)."""
    def last(self, n: int) -> list[Reading]:
        """The last ``n`` readings."""
    def __len__(self) -> int: ...

class _NativeMonitor:
    """A background collection (``pacsys_rs.exp.Monitor`` wraps it)."""

    def snapshot(self) -> list[tuple[str, ChannelData]]:
        """What was collected so far (the buffers keep it)."""
    def flush(self) -> list[tuple[str, ChannelData]]:
        """What was collected so far, emptying the buffers."""
    def health(self, drf: str) -> tuple[int, Optional[float], bool]:
        """``(received, seconds since the last reading or None, stale)``."""
    def wait_for(self, count: int, timeout: float) -> None:
        """Waits until every device has ``count`` readings buffered."""
    def stop(self) -> list[tuple[str, ChannelData]]:
        """Stops and returns everything collected."""
    @property
    def running(self) -> bool:
        """Whether it still collects."""

def exp_read_fresh(
    backend: Backend, devices: Any, count: int, default_event: Optional[str], timeout: float
) -> list[FreshResult]:
    """``pacsys_rs.exp.read_fresh`` on ``backend``."""

def exp_watch(backend: Backend, device: Any, condition: Callable[[Reading], bool], timeout: float) -> Reading:
    """``pacsys_rs.exp.watch`` on ``backend``."""

def exp_scan(
    backend: Backend,
    write_device: Any,
    read_devices: Any,
    values: list[float],
    settle: float,
    readings_per_step: int,
    restore: bool,
    timeout: Optional[float] = None,
    abort_if: Optional[Callable[[dict[str, Reading]], bool]] = None,
) -> ScanResult:
    """``pacsys_rs.exp.scan`` on ``backend``."""

def exp_monitor(
    backend: Backend, devices: Any, buffer_size: int = 10000, stale_after: Optional[float] = None
) -> _NativeMonitor:
    """Starts a ``Monitor`` of ``devices`` on ``backend``."""

def history_since(
    backend: Backend,
    drf: str,
    start: float,
    window: Optional[float] = None,
    retries: Optional[int] = None,
    timeout: Optional[float] = None,
    aio: bool = False,
) -> Any:
    """History from ``start`` (epoch seconds), then live, as one native subscription (an awaitable when ``aio``)."""

class _FakeBackend(Backend):
    """An in-memory ``Backend`` with pacsys's test-double methods (``pacsys_rs.testing.FakeBackend``)."""

    def __init__(self, *, world: bool = False, principal: Optional[str] = None, buffer: Optional[int] = None) -> None:
        """Knows no devices (``world=True``: the simulator's device world)."""
    def set_reading(
        self,
        drf: str,
        value: Any,
        value_type: Any = None,
        units: Optional[str] = None,
        description: Optional[str] = None,
        timestamp: Any = None,
        cycle: Optional[int] = None,
    ) -> None:
        """Presets what ``drf`` reads."""
    def set_error(self, drf: str, error_code: int, message: Optional[str] = None, facility_code: int = 1) -> None:
        """Presets a device error for ``drf``."""
    def set_write_result(
        self, drf: str, success: bool = True, error_code: Optional[int] = None, message: Optional[str] = None, facility_code: int = 1
    ) -> None:
        """Presets the result of settings of ``drf``."""
    def set_analog_alarm(self, drf: str, alarm_dict: Dict[str, Any]) -> None:
        """Presets the analog alarm block ``drf`` reads."""
    def set_digital_alarm(self, drf: str, alarm_dict: Dict[str, Any]) -> None:
        """Presets the digital alarm block ``drf`` reads."""
    def emit_reading(
        self,
        drf: str,
        value: Any,
        value_type: Any = None,
        units: Optional[str] = None,
        description: Optional[str] = None,
        timestamp: Any = None,
        cycle: Optional[int] = None,
    ) -> int:
        """Delivers a reading to every live subscription of ``drf``."""
    def emit_readings(self, drf: str, values: Iterable[float]) -> int:
        """Delivers one reading per number, in order (reading ``i`` has ``cycle=i``), with the GIL released."""
    def emit_error(self, exception: BaseException) -> int:
        """Ends every live subscription with ``exception``."""
    def emit_status(self, drf: str, error_code: int, facility_code: int = 1) -> int:
        """Delivers a device error status to every live subscription of ``drf``."""
    def wait_for_subscription(self, drf: str, timeout: float = 1.0) -> bool:
        """Waits until a subscription of ``drf`` is live."""
    def wait_for_subscription_async(self, drf: str, timeout: float = 1.0) -> Awaitable[bool]:
        """``wait_for_subscription``, awaitable."""
    def was_read(self, drf: str) -> bool:
        """Whether ``drf`` was read."""
    def was_written(self, drf: str) -> bool:
        """Whether a setting of ``drf`` was made."""
    def get_written_value(self, drf: str) -> Any:
        """The value of the last setting of ``drf``."""
    @property
    def reads(self) -> List[str]:
        """The DRFs read, in order."""
    @property
    def writes(self) -> List[Tuple[str, Any]]:
        """The settings made, in order."""
    @property
    def subscription_count(self) -> int:
        """How many subscriptions are live."""
    def reset(self) -> None:
        """Forgets every preset and recorded operation and ends every subscription."""

class _Server:
    """The Rust supervised proxy, configured from Python (``pacsys_rs.supervised.SupervisedServer``)."""

    def __init__(
        self,
        backend: Any,
        host: str,
        port: int,
        policies: Any = None,
        token: Optional[str] = None,
        audit_path: Optional[str] = None,
        event_loop: Any = None,
        call_timeout: Optional[float] = None,
    ) -> None:
        """A proxy in front of ``backend`` on ``host:port``."""
    def start(self) -> int:
        """Binds and serves in the background; returns the bound port."""
    def stop(self) -> None:
        """Stops serving."""
    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until stopped or ``timeout``."""
    @property
    def running(self) -> bool:
        """Whether it serves now."""
    @property
    def port(self) -> int:
        """The bound port."""
    @property
    def host(self) -> str:
        """The address it listens on."""
    def metrics(self) -> Dict[str, Any]:
        """The proxy's counters."""

def supervised_evaluate(
    policies: Any, rpc_method: str, drfs: List[str], values: Optional[List[Any]] = None
) -> Tuple[bool, Optional[str], List[int], List[Optional[str]]]:
    """Evaluates ``policies`` on a request as the proxy would."""

class _NativeLogger:
    """A running ``DataLogger`` log: the subscription drained on a thread of its own."""

    def take(self) -> List[Reading]:
        """The readings received since the last call (a Python writer's batch)."""
    def stop(self) -> None:
        """Ends the subscription and waits until everything received is written."""
    @property
    def running(self) -> bool:
        """Whether it still logs."""
    @property
    def readings(self) -> int:
        """Readings received (device errors included)."""
    @property
    def dropped(self) -> int:
        """Readings the subscription dropped because its buffer was full."""
    @property
    def rows(self) -> int:
        """Rows written by a Rust writer."""
    @property
    def writer_error(self) -> Optional[BaseException]:
        """The Rust writer's failure (``OSError`` for a file system error)."""
    @property
    def stream_error(self) -> Optional[BaseException]:
        """Why the subscription ended on its own."""

def exp_logger(
    backend: Backend,
    devices: Any,
    kind: str,
    path: Optional[str] = None,
    flush_interval: float = 5.0,
    overwrite: bool = False,
) -> _NativeLogger:
    """Starts logging ``devices`` into ``kind`` (``"parquet"``, ``"csv"`` or ``"python"``)."""

def recording_columns(path: str) -> List[Tuple[str, Tuple[Any, ...]]]:
    """A recording's columns, in its column order, for ``read_recording``."""
