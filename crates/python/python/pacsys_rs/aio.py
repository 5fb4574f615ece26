"""asyncio API (pacsys's ``pacsys.aio``): the same calls as awaitables, run on the same Rust
runtime as the blocking ones. Cancelling the asyncio task cancels the Rust call.

    import asyncio
    import pacsys_rs.aio as aio

    async def main():
        async with aio.dpm() as backend:
            print(await backend.read("M:OUTTMP"))
            async with await backend.subscribe(["M:OUTTMP@p,1000"]) as sub:
                async for reading in sub:
                    print(reading.value)
                    break

    asyncio.run(main())
"""

from __future__ import annotations

import time
from typing import Any, AsyncIterator, Iterable, Optional

from . import _native
from ._native import Backend, Reading, WriteResult

__all__ = [
    "AsyncBackend",
    "AsyncDevice",
    "AsyncSubscription",
    "dpm",
    "grpc",
    "read",
    "get",
    "get_many",
    "read_many",
    "write",
    "write_many",
    "subscribe",
]


def _drfs(devices: Any) -> list:
    if isinstance(devices, str):
        return [devices]
    return [d if isinstance(d, str) else d.drf for d in devices]


class AsyncSubscription:
    """A running subscription as an async iterator of ``Reading``\\ s and an async context
    manager (leaving it stops the subscription)."""

    def __init__(self, native: _native.Subscription) -> None:
        self._sub = native

    def __aiter__(self) -> AsyncIterator[Reading]:
        return self

    async def __anext__(self) -> Reading:
        reading = await self._sub.next_async(None)
        if reading is None:
            raise StopAsyncIteration
        return reading

    async def next(self, timeout: Optional[float] = None) -> Optional[Reading]:
        """The next reading, or ``None`` when it ended or ``timeout`` passed."""
        return await self._sub.next_async(timeout)

    async def readings(self, timeout: Optional[float] = None) -> AsyncIterator[tuple]:
        """``(reading, handle)`` pairs until the subscription ends or the total window of
        ``timeout`` seconds closes (the reference's async generator)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            reading = await self._sub.next_async(left)
            if reading is None:
                return
            yield reading, self

    async def stop(self) -> None:
        """Stops the subscription."""
        await self._sub.stop_async()

    @property
    def dropped(self) -> int:
        """Readings lost because the consumer fell behind."""
        return self._sub.dropped

    @property
    def gaps(self) -> int:
        """Reconnections after a lost connection."""
        return self._sub.gaps

    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called."""
        return self._sub.stopped

    async def __aenter__(self) -> "AsyncSubscription":
        return self

    async def __aexit__(self, *exc: Any) -> bool:
        await self.stop()
        return False


class AsyncBackend:
    """A backend whose calls are awaitables (wraps a ``pacsys_rs.Backend``)."""

    def __init__(self, backend: Backend) -> None:
        self._b = backend

    @property
    def backend(self) -> Backend:
        """The blocking backend underneath (same connections)."""
        return self._b

    async def read(self, device: Any, timeout: Optional[float] = None) -> Any:
        """Reads one device once and returns its value."""
        return await self._b.read_async(device, timeout)

    async def get(self, device: Any, timeout: Optional[float] = None) -> Reading:
        """Reads one device once and returns its ``Reading``."""
        return await self._b.get_async(device, timeout)

    async def get_many(self, devices: Iterable[Any], timeout: Optional[float] = None) -> list:
        """Reads many devices; one ``Reading`` per device, in order."""
        return await self._b.get_many_async(list(devices), timeout)

    async def read_many(self, devices: Iterable[Any], timeout: Optional[float] = None) -> list:
        """Reads many devices and returns their values; raises the first failure."""
        readings = await self.get_many(devices, timeout)
        for r in readings:
            if not r.ok:
                raise r.error
        return [r.value for r in readings]

    async def write(self, device: Any, value: Any, timeout: Optional[float] = None, **verify: Any) -> WriteResult:
        """Writes one setting; raises when it is refused."""
        return await self._b.write_async(device, value, timeout, **verify)

    async def write_many(self, settings: Any, timeout: Optional[float] = None) -> list:
        """Writes many settings; one ``WriteResult`` per setting."""
        return await self._b.write_many_async(settings, timeout)

    async def subscribe(self, drfs: Iterable[Any]) -> AsyncSubscription:
        """Subscribes to ``drfs``; iterate the result with ``async for``."""
        return AsyncSubscription(await self._b._subscribe_async(_drfs(drfs)))

    async def close(self) -> None:
        """Closes the backend."""
        await self._b.close_async()

    async def __aenter__(self) -> "AsyncBackend":
        return self

    async def __aexit__(self, *exc: Any) -> bool:
        await self.close()
        return False


class AsyncDevice:
    """One device with awaitable reads and writes."""

    def __init__(self, drf: str, backend: Optional[AsyncBackend] = None) -> None:
        self.drf = drf
        self._backend = backend

    def _b(self) -> AsyncBackend:
        return self._backend if self._backend is not None else AsyncBackend(_native.default_backend())

    async def read(self) -> Any:
        """Reads the request once and returns its value."""
        return await self._b().read(self.drf)

    async def get(self) -> Reading:
        """Reads the request once and returns its ``Reading``."""
        return await self._b().get(self.drf)

    async def write(self, value: Any, **verify: Any) -> WriteResult:
        """Writes the device (see ``Backend.write``)."""
        return await self._b().write(self.drf, value, **verify)

    async def control(self, command: Any, verify: Any = None) -> WriteResult:
        """Sends a basic-control command (``BasicControl`` or its name)."""
        from . import BasicControl

        if isinstance(command, str):
            command = BasicControl[command.upper()]
        return await self._b().write(self.drf, command, verify=verify)

    async def on(self, verify: Any = None) -> WriteResult:
        """Sends ON."""
        return await self.control("ON", verify)

    async def off(self, verify: Any = None) -> WriteResult:
        """Sends OFF."""
        return await self.control("OFF", verify)

    async def reset(self, verify: Any = None) -> WriteResult:
        """Sends RESET."""
        return await self.control("RESET", verify)

    async def subscribe(self) -> AsyncSubscription:
        """Subscribes to this request."""
        return await self._b().subscribe([self.drf])


def dpm(**kwargs: Any) -> AsyncBackend:
    """An ``AsyncBackend`` over DPM (arguments as ``pacsys_rs.dpm``)."""
    from . import dpm as _dpm

    return AsyncBackend(_dpm(**kwargs))


def grpc(**kwargs: Any) -> AsyncBackend:
    """An ``AsyncBackend`` over DAQ gRPC (arguments as ``pacsys_rs.grpc``)."""
    from . import grpc as _grpc

    return AsyncBackend(_grpc(**kwargs))


def _default() -> AsyncBackend:
    return AsyncBackend(_native.default_backend())


async def read(device: Any, timeout: Optional[float] = None) -> Any:
    """Reads one device with the default backend."""
    return await _default().read(device, timeout)


async def get(device: Any, timeout: Optional[float] = None) -> Reading:
    """Reads one device's ``Reading`` with the default backend."""
    return await _default().get(device, timeout)


async def get_many(devices: Iterable[Any], timeout: Optional[float] = None) -> list:
    """Reads many devices with the default backend."""
    return await _default().get_many(devices, timeout)


async def read_many(devices: Iterable[Any], timeout: Optional[float] = None) -> list:
    """Reads many values with the default backend."""
    return await _default().read_many(devices, timeout)


async def write(device: Any, value: Any, timeout: Optional[float] = None, **verify: Any) -> WriteResult:
    """Writes one setting with the default backend."""
    return await _default().write(device, value, timeout, **verify)


async def write_many(settings: Any, timeout: Optional[float] = None) -> list:
    """Writes many settings with the default backend."""
    return await _default().write_many(settings, timeout)


async def subscribe(drfs: Iterable[Any]) -> AsyncSubscription:
    """Subscribes with the default backend."""
    return await _default().subscribe(drfs)
