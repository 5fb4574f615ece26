"""The reference project's own gRPC proxy (pacsys 0.3.0 `SupervisedServer`) over its
`FakeBackend`, for our Rust client to read, stream and write against.

Run by `cargo xtask interop`:

    python supervised_server.py TOKEN

Prints `READY grpc=<port>` once listening on 127.0.0.1, then serves until killed. Writes are
allowed only on G:AMANDA and Z:ACLTST (a `DeviceAccessPolicy`), and need `Bearer TOKEN`.
Streamed DRFs get a reading every 20 ms from a feeder thread.
"""

import sys
import threading
import time

from pacsys.supervised import DeviceAccessPolicy, SupervisedServer
from pacsys.testing import FakeBackend
from pacsys.types import ValueType

STREAMED = {"M:OUTTMP@p,100": 72.5, "G:AMANDA@p,100": 1.5}


def main(token):
    fake = FakeBackend()
    fake.set_reading("M:OUTTMP", 72.5)
    fake.set_reading("G:AMANDA", 1.5)
    fake.set_reading("Z:ACLTST", [0.0, 0.5, 1.0, 1.5], value_type=ValueType.SCALAR_ARRAY)
    fake.set_reading("Z:TEXTDV", "hello", value_type=ValueType.TEXT)
    fake.set_error("M:BADDEV", -42, "Simulated device error")
    policy = DeviceAccessPolicy(["G:AMANDA", "Z:ACLTST"], mode="allow", action="set")
    server = SupervisedServer(fake, port=0, host="127.0.0.1", policies=[policy], token=token)
    server.start()

    def feed():
        while True:
            for drf, value in STREAMED.items():
                fake.emit_reading(drf, value)
            time.sleep(0.02)

    threading.Thread(target=feed, daemon=True).start()
    print(f"READY grpc={server.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1])
