"""Interop server: a pacsys_rs.supervised.SupervisedServer started from Python, for pacsys
0.3.0's own gRPC client (supervised_server_reference.py). Run by `cargo xtask interop` with
the pacsys_rs test environment's python:

    python pacsys_rs_supervised_server.py async_fake|python TOKEN

`async_fake` serves an AsyncFakeBackend; `python` an AsyncBackend written here in Python
(its coroutines run on the server's own event loop, its subscriptions stream from an async
generator). Policies: ReadOnlyPolicy (reads and streams pass, every Set is refused). Prints
`READY grpc=<port>` once serving, then serves until killed or SIGTERM.
"""

import asyncio
import sys

import pacsys_rs as pacsys
from pacsys_rs import aio
from pacsys_rs.supervised import ReadOnlyPolicy, SupervisedServer
from pacsys_rs.testing import AsyncFakeBackend


class Handle:
    """A subscription of PythonBackend: a reading of every DRF every 50 ms."""

    def __init__(self, drfs, values):
        self.drfs, self.values, self.stopped = drfs, values, False

    async def readings(self, timeout=None):
        n = 0
        while not self.stopped:
            for drf in self.drfs:
                name = pacsys.Device(drf).name
                yield pacsys.Reading(drf=drf, value_type="scalar", value=self.values[name] + n), self
            n += 1
            await asyncio.sleep(0.05)

    async def stop(self):
        self.stopped = True


class PythonBackend(aio.AsyncBackend):
    """An AsyncBackend written in Python over a dict of values."""

    def __init__(self):
        self.values = {"M:OUTTMP": 72.5, "G:AMANDA": 42.0}

    @property
    def capabilities(self):
        return pacsys.BackendCapability.READ | pacsys.BackendCapability.STREAM

    async def read(self, drf, timeout=None):
        return (await self.get(drf)).value

    async def get(self, drf, timeout=None):
        return (await self.get_many([drf]))[0]

    async def get_many(self, drfs, timeout=None):
        await asyncio.sleep(0)
        out = []
        for d in drfs:
            name = pacsys.Device(d).name
            if name in self.values:
                out.append(pacsys.Reading(drf=d, value_type="scalar", value=self.values[name]))
            else:
                out.append(pacsys.Reading(drf=d, facility_code=17, error_code=-26))
        return out

    async def subscribe(self, drfs, callback=None, on_error=None):
        return Handle(list(drfs), self.values)

    async def close(self):
        pass


def main(kind, token):
    if kind == "async_fake":
        backend = AsyncFakeBackend()
        backend.set_reading("M:OUTTMP", 72.5)
        backend.set_reading("G:AMANDA", 42.0)
    else:
        backend = PythonBackend()
    server = SupervisedServer(backend, port=0, policies=[ReadOnlyPolicy()], token=token)
    server.start()
    print(f"READY grpc={server.port}", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
