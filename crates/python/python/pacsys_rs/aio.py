"""asyncio API, pacsys's ``pacsys.aio``: ``AsyncBackend`` (an abstract base class Python code
can subclass), the Rust-backed ``dpm()`` and ``grpc()`` backends, ``AsyncSubscriptionHandle``,
``AsyncDevice`` and its typed kinds, and module functions over a global backend bound to the
running event loop (``configure``/``shutdown``).

The calls run on the same Rust runtime as the blocking ones; cancelling the asyncio task
cancels the Rust call. Callbacks run on the subscribing event loop, never on a Rust thread.

    import asyncio
    import pacsys_rs.aio as aio

    async def main():
        async with aio.dpm() as backend:
            print(await backend.read("M:OUTTMP"))
            async with await backend.subscribe(["M:OUTTMP@p,1000"]) as sub:
                async for reading, handle in sub.readings(timeout=5):
                    print(reading.value)

    asyncio.run(main())
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import logging
import time
import weakref
from typing import Any, AsyncIterator, Callable, Iterable, Optional

from . import _UNSET, _native
from ._native import Backend, Reading, WriteResult
from ._native import Device as _NativeDevice
from ._device import _Fluent
from ._handle import _Counts

__all__ = [
    "AsyncBackend",
    "AsyncDevice",
    "AsyncScalarDevice",
    "AsyncArrayDevice",
    "AsyncTextDevice",
    "AsyncSubscriptionHandle",
    "configure",
    "shutdown",
    "read",
    "read_many",
    "get",
    "get_many",
    "write",
    "write_many",
    "subscribe",
    "grpc",
    "dpm",
    "wrap",
]

logger = logging.getLogger(__name__)


# ---- the abstract backend ----


class AsyncBackend(abc.ABC):
    """The async counterpart of a backend (pacsys's ``AsyncBackend``): subclass it and
    implement ``capabilities``, ``read``, ``get``, ``get_many`` and ``close``; ``write``,
    ``write_many``, ``subscribe``, ``remove`` and ``stop_streaming`` raise
    ``NotImplementedError`` until overridden. ``AsyncDevice``, the module functions and
    ``async with`` work over any subclass."""

    @property
    @abc.abstractmethod
    def capabilities(self) -> Any:
        """What the backend can do (a ``BackendCapability`` flag)."""

    @abc.abstractmethod
    async def read(self, drf: str, timeout: Optional[float] = None) -> Any:
        """Reads one device once and returns its value."""

    @abc.abstractmethod
    async def get(self, drf: str, timeout: Optional[float] = None) -> Reading:
        """Reads one device once and returns its ``Reading``."""

    @abc.abstractmethod
    async def get_many(self, drfs: list, timeout: Optional[float] = None) -> list:
        """Reads many devices; one ``Reading`` per device, in order."""

    async def read_many(self, drfs: list, timeout: Optional[float] = None) -> list:
        """Reads many devices and returns their values; raises the first device's
        exception when any failed."""
        readings = await self.get_many(list(drfs), timeout)
        for r in readings:
            if not r.ok:
                error = getattr(r, "error", None)
                if isinstance(error, BaseException):
                    raise error
                from .errors import DeviceError

                raise DeviceError(
                    f"{r.drf}: {getattr(r, 'message', None) or 'read failed'}",
                    kind="device",
                    drf=r.drf,
                    facility_code=getattr(r, "facility_code", None),
                    error_code=getattr(r, "error_code", None),
                )
        return [r.value for r in readings]

    async def write(self, drf: str, value: Any, timeout: Optional[float] = None) -> WriteResult:
        """Writes one setting."""
        raise NotImplementedError("This backend does not support writes")

    async def write_many(self, settings: list, timeout: Optional[float] = None) -> list:
        """Writes many settings."""
        raise NotImplementedError("This backend does not support writes")

    async def subscribe(
        self,
        drfs: list,
        callback: Optional[Callable] = None,
        on_error: Optional[Callable] = None,
    ) -> "AsyncSubscriptionHandle":
        """Starts a subscription."""
        raise NotImplementedError("This backend does not support streaming")

    async def remove(self, handle: Any) -> None:
        """Stops one subscription."""
        raise NotImplementedError("This backend does not support streaming")

    async def stop_streaming(self) -> None:
        """Stops every subscription; the backend stays usable."""
        raise NotImplementedError("This backend does not support streaming")

    @property
    def authenticated(self) -> bool:
        """Whether settings are sent with credentials."""
        return False

    @property
    def principal(self) -> Optional[str]:
        """The verified identity settings are sent as."""
        return None

    @abc.abstractmethod
    async def close(self) -> None:
        """Closes the backend."""

    async def __aenter__(self) -> "AsyncBackend":
        return self

    async def __aexit__(self, *exc: Any) -> bool:
        await self.close()
        return False


class _RustAsyncBackend(AsyncBackend):
    """An ``AsyncBackend`` over a ``pacsys_rs.Backend`` (DPM, gRPC or the fake): every call
    is the Rust call awaited."""

    def __init__(self, native: Backend) -> None:
        self._native = native
        self._handles: "weakref.WeakSet[AsyncSubscriptionHandle]" = weakref.WeakSet()

    @property
    def backend(self) -> Backend:
        """The blocking backend underneath (the same connections)."""
        return self._native

    @property
    def capabilities(self) -> Any:
        return self._native.capabilities

    @property
    def authenticated(self) -> bool:
        return self._native.authenticated

    @property
    def principal(self) -> Optional[str]:
        return self._native.principal

    @property
    def timeout(self) -> float:
        """The default total timeout of a call, in seconds."""
        return self._native.timeout

    async def read(self, drf: Any, timeout: Optional[float] = None) -> Any:
        return await self._native.read_async(drf, timeout)

    async def get(self, drf: Any, timeout: Optional[float] = None) -> Reading:
        return await self._native.get_async(drf, timeout)

    async def get_many(self, drfs: Iterable[Any], timeout: Optional[float] = None) -> list:
        return await self._native.get_many_async(list(drfs), timeout)

    async def read_many(self, drfs: Iterable[Any], timeout: Optional[float] = None) -> list:
        return await self._native.read_many_async(list(drfs), timeout)

    async def write(
        self, drf: Any, value: Any, timeout: Optional[float] = None, **verify: Any
    ) -> WriteResult:
        """Writes one setting (``verify=``/``tolerance=`` read it back); raises when it is
        refused."""
        return await self._native.write_async(drf, value, timeout, **verify)

    async def write_many(self, settings: Any, timeout: Optional[float] = None) -> list:
        return await self._native.write_many_async(settings, timeout)

    async def subscribe(
        self,
        drfs: Any,
        callback: Optional[Callable] = None,
        on_error: Optional[Callable] = None,
    ) -> "AsyncSubscriptionHandle":
        """Subscribes to ``drfs``; with ``callback`` (a function or a coroutine function)
        each reading is passed to ``callback(reading, handle)`` on this event loop,
        otherwise iterate ``handle.readings()``."""
        _check_callbacks(callback, on_error)
        native = await self._native._subscribe_async(_drf_list(drfs))
        handle = AsyncSubscriptionHandle(native, callback, on_error, remover=self.remove)
        self._handles.add(handle)
        return handle

    async def remove(self, handle: Any) -> None:
        await handle.stop()
        self._handles.discard(handle)

    async def stop_streaming(self) -> None:
        await self._native.stop_streaming_async()
        for handle in list(self._handles):
            await handle.stop()
        self._handles.clear()

    async def close(self) -> None:
        await self._native.close_async()
        for handle in list(self._handles):
            await handle.stop()
        self._handles.clear()

    def __repr__(self) -> str:
        return f"AsyncBackend({self._native!r})"


def wrap(backend: Backend) -> AsyncBackend:
    """An ``AsyncBackend`` over a ``pacsys_rs`` backend (``pacsys_rs.dpm()``, a simulator's
    ``s.dpm()``, ``FakeBackend()``): the same connections, awaited."""
    if isinstance(backend, AsyncBackend):
        return backend
    if not isinstance(backend, Backend):
        raise TypeError(f"wrap() takes a pacsys_rs Backend, not {type(backend).__name__}")
    return _RustAsyncBackend(backend)


def dpm(
    host: Optional[str] = None,
    port: Optional[int] = None,
    pool_size: Optional[int] = None,
    timeout: Optional[float] = None,
    auth: Any = None,
    role: Optional[str] = None,
    *,
    buffer: Optional[int] = None,
    drop: Optional[str] = None,
) -> AsyncBackend:
    """An ``AsyncBackend`` over DPM (pacsys's parameters, positional too; unset ones from
    ``PACSYS_*``, else the defaults). ``buffer``/``drop``: a subscription's buffer and which
    reading a full one loses (``"oldest"``, the default, or ``"newest"`` as pacsys)."""
    from . import dpm as _dpm

    return _RustAsyncBackend(
        _dpm(host, port, pool_size, timeout, auth, role, buffer=buffer, drop=drop)
    )


def grpc(
    host: Optional[str] = None,
    port: Optional[int] = None,
    auth: Any = None,
    timeout: Optional[float] = None,
    *,
    token: Optional[str] = None,
    buffer: Optional[int] = None,
    drop: Optional[str] = None,
) -> AsyncBackend:
    """An ``AsyncBackend`` over DAQ gRPC (pacsys's parameters, positional too)."""
    from . import grpc as _grpc

    return _RustAsyncBackend(
        _grpc(host, port, auth, timeout, token=token, buffer=buffer, drop=drop)
    )


# ---- subscriptions ----


def _check_callbacks(callback: Any, on_error: Any) -> None:
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    if on_error is not None and not callable(on_error):
        raise TypeError(f"on_error must be callable, got {type(on_error).__name__}")


async def _call_on_error(on_error: Any, exc: BaseException, handle: Any) -> None:
    """Calls a sync or async ``on_error``; its own failure is logged, never raised."""
    if on_error is None:
        logger.error("Unhandled error in subscription: %s", exc)
        return
    try:
        result = on_error(exc, handle)
        if inspect.isawaitable(result):
            await result
    except Exception as err:  # noqa: BLE001 - reported, not raised into the loop
        logger.error("Error in on_error callback: %s", err)


class AsyncSubscriptionHandle(_Counts):
    """A running subscription (pacsys's ``AsyncSubscriptionHandle``): ``readings(timeout)``
    yields ``(reading, handle)`` pairs within one total window (``0``: what is buffered;
    ``None``: until it ends); ``async for reading in handle`` yields readings; ``exc`` is the
    error that ended the stream for good (raised by ``readings()`` after the buffered
    readings). With a callback, readings go to it instead, on the subscribing loop.

    ``stop()`` returns at once whatever the stream is doing; ``async with`` stops on exit.
    ``dropped`` counts readings lost to a full buffer, ``gaps`` the reconnections."""

    def __init__(
        self,
        native: Any,
        callback: Optional[Callable] = None,
        on_error: Optional[Callable] = None,
        remover: Optional[Callable] = None,
    ) -> None:
        self._sub = native
        self._stopping = False
        self._remover = remover
        self._callback_task: Optional[asyncio.Task] = None
        if callback is not None:
            self._callback_task = asyncio.get_running_loop().create_task(
                self._feed(callback, on_error)
            )

    async def _next(self, timeout: Optional[float]) -> Optional[Reading]:
        # What is already buffered costs no round trip through the loop.
        reading = self._sub.next(0)
        if reading is not None or timeout == 0:
            return reading
        return await self._sub.next_async(timeout)

    async def _feed(self, callback: Callable, on_error: Optional[Callable]) -> None:
        is_coroutine = inspect.iscoroutinefunction(callback)
        try:
            while True:
                reading = await self._next(None)
                if reading is None:
                    break
                if self._stopping:
                    break
                try:
                    result = callback(reading, self)
                    if is_coroutine or inspect.isawaitable(result):
                        await result
                except Exception as exc:  # noqa: BLE001 - handed to on_error
                    await _call_on_error(on_error, exc, self)
            exc = self._sub.exc
            if exc is not None:
                await _call_on_error(on_error, exc, self)
        except asyncio.CancelledError:
            pass

    @property
    def stopped(self) -> bool:
        """Whether the subscription was stopped (or its backend closed)."""
        return self._stopping or self._sub.stopped






    async def readings(
        self, timeout: Optional[float] = None
    ) -> AsyncIterator[tuple]:
        """``(reading, handle)`` pairs until the subscription ends or the total window of
        ``timeout`` seconds closes; then raises ``exc`` if the stream ended with an error."""
        if self._callback_task is not None:
            raise RuntimeError(
                "Cannot iterate subscription with callback; readings are pushed to callback"
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is None:
                left = None
            else:
                left = max(0.0, deadline - time.monotonic())
            reading = await self._next(left)
            if reading is None:
                break
            yield reading, self
            if left == 0:
                # The window is closed: only what was already buffered is drained.
                continue
        exc = self._sub.exc
        if exc is not None:
            raise exc

    def __aiter__(self) -> AsyncIterator[Reading]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[Reading]:
        async for reading, _ in self.readings():
            yield reading

    async def next(self, timeout: Optional[float] = None) -> Optional[Reading]:
        """The next reading, or ``None`` when it ended or ``timeout`` passed."""
        return await self._next(timeout)

    async def stop(self) -> None:
        """Stops the subscription and its callback task; returns at once, whatever the
        stream is doing. Idempotent."""
        first = not self._stopping
        self._stopping = True
        await self._sub.stop_async()
        task = self._callback_task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait({task})
        if first and self._remover is not None:
            remover, self._remover = self._remover, None
            try:
                await remover(self)
            except Exception:  # noqa: BLE001 - the handle is stopped either way
                pass

    async def __aenter__(self) -> "AsyncSubscriptionHandle":
        return self

    async def __aexit__(self, *exc: Any) -> bool:
        await self.stop()
        return False

    def __repr__(self) -> str:
        state = "stopped" if self.stopped else "running"
        return f"AsyncSubscriptionHandle({self.drfs!r}, {state})"


#: The name of the previous releases of pacsys_rs.
AsyncSubscription = AsyncSubscriptionHandle


# ---- devices ----


class AsyncDevice(_Fluent, _NativeDevice):
    """One device with awaitable calls (pacsys's ``AsyncDevice``), bound to ``backend`` (any
    ``AsyncBackend``, one written in Python included) or to the global async backend.

    Reads: ``read()`` (``.READING@I``), ``get()``, ``setting()``, ``status()``,
    ``analog_alarm()``, ``digital_alarm()``, ``description()``, each with ``field=`` and
    ``timeout=``. Writes: ``write(value, verify=...)``, ``control(command)`` and the ten
    shortcuts, ``set_analog_alarm(dict)``, ``set_digital_alarm(dict)``. Streams:
    ``subscribe()``, ``await_next()``. The DRF is parsed at construction (``DrfError``)."""

    def __new__(cls, drf: str, backend: Any = None) -> "AsyncDevice":
        return super().__new__(cls, drf, backend, _aio=True)

    def _async_backend(self) -> AsyncBackend:
        b = self.backend
        return b if b is not None else _get_global_async_backend()


    async def subscribe(
        self,
        callback: Optional[Callable] = None,
        on_error: Optional[Callable] = None,
        *,
        prop: Optional[str] = None,
        field: Optional[str] = None,
        event: Optional[str] = None,
    ) -> AsyncSubscriptionHandle:
        """Subscribes to this request (or ``prop``/``field``, with ``event`` or the
        device's own repeating event)."""
        if callback is not None and not callable(callback):
            raise TypeError(
                f"callback must be callable, got {type(callback).__name__} — did you mean subscribe(event={callback!r})?"
            )
        drf = self._stream_drf(prop, field, event)
        return await self._async_backend().subscribe([drf], callback, on_error)

    async def await_next(
        self,
        *,
        prop: Optional[str] = None,
        field: Optional[str] = None,
        event: Optional[str] = None,
        timeout: float = 5.0,
    ) -> Reading:
        """Subscribes, waits for the next reading and stops; raises ``PacsysTimeoutError``
        (a ``TimeoutError``) when none comes within ``timeout`` seconds."""
        drf = self._stream_drf(prop, field, event)
        handle = await self._async_backend().subscribe([drf])
        try:
            async for reading, _ in handle.readings(timeout=timeout):
                return reading
        finally:
            await handle.stop()
        from .errors import PacsysTimeoutError

        raise PacsysTimeoutError(
            f"{drf}: no reading within {timeout} s", kind="timeout", drf=drf, elapsed=timeout
        )


def _typed(name: str, check: Callable[[Any], Any], doc: str) -> type:
    async def read(self: AsyncDevice, *, field: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        return check(await AsyncDevice.read(self, field=field, timeout=timeout), self.drf)

    read.__doc__ = f"Reads the value; raises ``TypeError`` when it is not {doc}."
    return type(name, (AsyncDevice,), {"read": read, "__doc__": f"An ``AsyncDevice`` whose ``read()`` returns {doc}.", "__module__": __name__})


def _as_scalar(value: Any, drf: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{drf} read {type(value).__name__}, not a number")
    return float(value)


def _as_array(value: Any, drf: str) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=float)
    raise TypeError(f"{drf} read {type(value).__name__}, not an array")


def _as_text(value: Any, drf: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{drf} read {type(value).__name__}, not text")
    return value


AsyncScalarDevice = _typed("AsyncScalarDevice", _as_scalar, "a number (``float``)")
AsyncArrayDevice = _typed("AsyncArrayDevice", _as_array, "an array (numpy ``float64``)")
AsyncTextDevice = _typed("AsyncTextDevice", _as_text, "text (``str``)")


# ---- the global async backend ----


_VALID_BACKENDS = ("dpm", "grpc")
_config: dict = {}
_global: Optional[AsyncBackend] = None
_owner: Optional[asyncio.AbstractEventLoop] = None
_retired: set = set()


def configure(
    *,
    backend: Any = _UNSET,
    host: Any = _UNSET,
    port: Any = _UNSET,
    pool_size: Any = _UNSET,
    timeout: Any = _UNSET,
    auth: Any = _UNSET,
    role: Any = _UNSET,
    dpm_host: Any = _UNSET,
    dpm_port: Any = _UNSET,
    default_timeout: Any = _UNSET,
) -> None:
    """Configures the global async backend (pacsys's ``aio.configure``): only the keywords
    given change, ``None`` resets one to its default; ``dpm_host``/``dpm_port``/
    ``default_timeout`` are the sync spellings of ``host``/``port``/``timeout``. An invalid
    value raises ``ValueError`` and changes nothing. A backend already made is closed (on the
    running loop) and the next call makes a new one."""
    global _global, _owner
    for sync_name, value, name, other in (
        ("dpm_host", dpm_host, "host", host),
        ("dpm_port", dpm_port, "port", port),
        ("default_timeout", default_timeout, "timeout", timeout),
    ):
        if value is not _UNSET and other is not _UNSET:
            raise ValueError(f"pass {name} or {sync_name}, not both")
    host = dpm_host if dpm_host is not _UNSET else host
    port = dpm_port if dpm_port is not _UNSET else port
    timeout = default_timeout if default_timeout is not _UNSET else timeout
    if backend is not _UNSET and backend is not None and backend not in _VALID_BACKENDS:
        raise ValueError(f"Invalid backend {backend!r}, must be one of {sorted(_VALID_BACKENDS)}")
    if host is not _UNSET and host is not None and (not isinstance(host, str) or not host.strip()):
        raise ValueError(f"host must be a non-empty string, got {host!r}")
    if port is not _UNSET and port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"port must be an integer from 1 to 65535, got {port!r}")
    if pool_size is not _UNSET and pool_size is not None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"pool_size must be a positive integer, got {pool_size!r}")
    if timeout is not _UNSET and timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number, got {timeout!r}")
    if isinstance(auth, str) and auth != "krb":
        raise ValueError("auth string must be 'krb'")
    from . import JWTAuth, KerberosAuth

    if isinstance(auth, str):
        auth = KerberosAuth()
    merged = dict(_config)
    for k, v in dict(backend=backend, host=host, port=port, pool_size=pool_size, timeout=timeout, auth=auth, role=role).items():
        if v is not _UNSET:
            merged[k] = v
    kind = merged.get("backend") or "dpm"
    a = merged.get("auth")
    if kind == "dpm" and a is not None and not isinstance(a, KerberosAuth):
        raise ValueError("DPM backend auth must be KerberosAuth or None")
    if kind == "grpc" and a is not None and not isinstance(a, JWTAuth):
        raise ValueError("gRPC backend auth must be JWTAuth or None")
    if kind != "dpm" and merged.get("role") is not None:
        raise ValueError(f"role is only used by the DPM backend, not {kind!r}")
    _config.clear()
    _config.update({k: v for k, v in merged.items() if v is not None})
    old, _global, _owner = _global, None, None
    if old is not None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(old.close())
            _retired.add(task)
            task.add_done_callback(_retired.discard)
        else:
            # No loop: the Rust backend needs none to close.
            native = getattr(old, "_native", None)
            if native is not None:
                native.close()


async def shutdown() -> None:
    """Closes the global async backend; the next call makes a new one (the configuration
    stays)."""
    global _global, _owner
    backend, _global, _owner = _global, None, None
    if backend is not None:
        await backend.close()


def _get_global_async_backend() -> AsyncBackend:
    """The global async backend, made on first use from ``configure``, the ``PACSYS_*``
    variables and the defaults, and bound to the running event loop: a call from another
    loop raises ``RuntimeError`` (use ``aio.dpm()``/``aio.grpc()`` there)."""
    global _global, _owner
    loop = asyncio.get_running_loop()
    if _global is not None:
        if _owner is not None and _owner is not loop:
            if _owner.is_closed():
                raise RuntimeError(
                    "Global async backend belongs to an event loop that has closed. "
                    "await pacsys_rs.aio.shutdown() before the owning loop exits; or use "
                    "explicit backend instances (aio.dpm()/aio.grpc())."
                )
            raise RuntimeError(
                "Global async backend belongs to a different, still-open event loop. "
                "Use it from that loop, or use explicit backend instances (aio.dpm()/aio.grpc())."
            )
        return _global
    c = _config
    if c.get("backend", "dpm") == "grpc":
        backend = grpc(c.get("host"), c.get("port"), c.get("auth"), c.get("timeout"))
    else:
        backend = dpm(c.get("host"), c.get("port"), c.get("pool_size"), c.get("timeout"), c.get("auth"), c.get("role"))
    _global, _owner = backend, loop
    return backend


# ---- module functions ----


def _drf_of(device: Any) -> str:
    if isinstance(device, str):
        return device
    if isinstance(device, _NativeDevice):
        return device.drf
    raise TypeError(f"Expected str or device, got {type(device).__name__}")


def _drf_list(devices: Any) -> list:
    if isinstance(devices, (str, _NativeDevice)):
        devices = [devices]
    return [_drf_of(d) for d in devices]


def _backend_for(devices: list) -> AsyncBackend:
    """The backend the devices are bound to (all the same one), else the global one."""
    bound = [d.backend for d in devices if isinstance(d, _NativeDevice) and d.backend is not None]
    if not bound:
        return _get_global_async_backend()
    if len(bound) != len(devices) or any(b is not bound[0] for b in bound):
        raise ValueError("All devices in one call must be bound to the same backend (or none)")
    b = bound[0]
    if isinstance(b, Backend):
        return wrap(b)
    if not isinstance(b, AsyncBackend):
        raise TypeError(f"Device is bound to a {type(b).__name__}; pacsys_rs.aio needs an AsyncBackend")
    return b


def _setting(device: Any, value: Any) -> tuple:
    return _drf_of(device), value


async def read(device: Any, timeout: Optional[float] = None) -> Any:
    """Reads one device's value with its bound backend, else the global async backend."""
    return await _backend_for([device]).read(_drf_of(device), timeout=timeout)


async def get(device: Any, timeout: Optional[float] = None) -> Reading:
    """Reads one device's ``Reading``."""
    return await _backend_for([device]).get(_drf_of(device), timeout=timeout)


async def get_many(devices: Iterable[Any], timeout: Optional[float] = None) -> list:
    """Reads many devices at once; one ``Reading`` per device, in order."""
    devices = list(devices)
    return await _backend_for(devices).get_many([_drf_of(d) for d in devices], timeout=timeout)


async def read_many(devices: Iterable[Any], timeout: Optional[float] = None) -> list:
    """Reads many devices and returns their values; raises the first failure."""
    devices = list(devices)
    return await _backend_for(devices).read_many([_drf_of(d) for d in devices], timeout=timeout)


async def write(device: Any, value: Any, timeout: Optional[float] = None) -> WriteResult:
    """Writes one setting (a ``BasicControl`` goes to CONTROL); raises when it is refused."""
    return await _backend_for([device]).write(_drf_of(device), value, timeout=timeout)


async def write_many(settings: Any, timeout: Optional[float] = None) -> list:
    """Writes many settings (``[(device, value), ...]`` or a dict)."""
    items = list(settings.items() if isinstance(settings, dict) else settings)
    backend = _backend_for([d for d, _ in items])
    return await backend.write_many([_setting(d, v) for d, v in items], timeout=timeout)


async def subscribe(
    drfs: Iterable[Any],
    callback: Optional[Callable] = None,
    on_error: Optional[Callable] = None,
) -> AsyncSubscriptionHandle:
    """Subscribes with the devices' backend, else the global async backend."""
    devices = [drfs] if isinstance(drfs, (str, _NativeDevice)) else list(drfs)
    backend = _backend_for(devices)
    return await backend.subscribe([_drf_of(d) for d in devices], callback=callback, on_error=on_error)
