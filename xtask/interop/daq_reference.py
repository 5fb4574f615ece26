"""Interop check: the reference Python gRPC client (pacsys 0.3.0) against our fake DAQ server.

Run by `cargo xtask interop`, which starts `pacsys-sim --grpc-port 0 --grpc-token TOKEN` and
passes the gRPC port and the token:

    python daq_reference.py PORT TOKEN

Every check prints one line; the last line is `N passed, M failed`; the exit status is 1 when
anything failed. Lines starting with `bench` are the reference client's figures on the same
machine (informational, never a failure).
"""

import statistics
import sys
import time

import pacsys
from pacsys.auth import JWTAuth

HOST = "127.0.0.1"
TIMEOUT_S = 5.0

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def guarded(name, fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - report anything the reference raises
        check(name, False, f"raised {type(exc).__name__}: {exc}")


def main(port, token, bench):
    auth = JWTAuth(token=token)
    with pacsys.grpc(host=HOST, port=port, auth=auth, timeout=TIMEOUT_S) as backend:

        def read_scalar():
            value = backend.read("M:OUTTMP")
            check("grpc read M:OUTTMP", value == 72.5, f"got {value!r}")

        def batch_read():
            drfs = [f"Z:BENCH{n:04d}" for n in range(100)]
            readings = backend.get_many(drfs)
            wrong = [(r.drf, r.value) for n, r in enumerate(readings) if not r.ok or r.value != float(n)]
            check("grpc get_many 100 Z:BENCH devices", len(readings) == 100 and not wrong, f"wrong: {wrong[:3]}")

        def kinds():
            values = list(backend.read("Z:ACLTST"))
            check("grpc read Z:ACLTST (scalarArr)", values == [i * 0.5 for i in range(100)], f"first {values[:3]}")
            check("grpc read Z:TEXTDV (text)", backend.read("Z:TEXTDV") == "hello")
            check("grpc read Z:TXTARR (textArr)", list(backend.read("Z:TXTARR")) == ["alpha", "beta", "gamma"])
            raw = backend.read("Z:RAWDEV")
            check("grpc read Z:RAWDEV (raw)", bytes(raw) == bytes([0xDE, 0xAD, 0xBE, 0xEF, 0, 1]), f"got {raw!r}")
            status = backend.read("Z:STSDEV.STATUS")
            check(
                "grpc read Z:STSDEV.STATUS (basicStatus)",
                status == {"on": False, "ready": True, "remote": True},
                f"got {status!r}",
            )
            alarm = backend.read("M:OUTTMP.ANALOG")
            check(
                "grpc read M:OUTTMP.ANALOG (anaAlarm)",
                isinstance(alarm, dict) and alarm.get("maximum") == 120.0 and alarm.get("tries_needed") == 1,
                f"got {alarm!r}",
            )
            dig = backend.read("M:OUTTMP.DIGITAL")
            check(
                "grpc read M:OUTTMP.DIGITAL (digAlarm)",
                isinstance(dig, dict) and dig.get("nominal") == 3 and dig.get("mask") == 0xFF,
                f"got {dig!r}",
            )

        def unknown_device():
            r = backend.get("Z:NOSUCH")
            check("grpc get Z:NOSUCH is an error reading", r.is_error and r.error_code == -26, f"code {r.error_code}")

        def stream():
            handle = backend.subscribe(["Z:BENCH0003@p,100", "M:OUTTMP@p,100"])
            count = 0
            values = set()
            try:
                for reading, _ in handle.readings(timeout=1.0):
                    if reading.ok:
                        count += 1
                        values.add(reading.value)
            finally:
                handle.stop()
            check("grpc subscribe 2 devices @p,100 for 1 s", count >= 12 and values == {3.0, 72.5}, f"{count} readings, values {sorted(values)}")

        def write():
            results_ = backend.write_many([("G:AMANDA", 12.5), ("Z:ACLTST[0:1]", [9.0, 8.0]), ("G:AMANDA", 1e9)])
            ok = [r.success for r in results_]
            check("grpc write_many per-setting statuses", ok == [True, True, False], f"{[(r.drf, r.error_code) for r in results_]}")
            check("grpc read back G:AMANDA", backend.read("G:AMANDA") == 12.5)
            check("grpc read back Z:ACLTST[0:2]", list(backend.read("Z:ACLTST[0:2]")) == [9.0, 8.0, 1.0])

        for name, fn in [
            ("read", read_scalar),
            ("batch", batch_read),
            ("kinds", kinds),
            ("unknown", unknown_device),
            ("stream", stream),
            ("write", write),
        ]:
            guarded(name, fn)

        if bench:
            drfs = [f"Z:BENCH{n:04d}" for n in range(1000)]
            backend.get_many(drfs)
            times = []
            for _ in range(10):
                t = time.perf_counter()
                backend.get_many(drfs)
                times.append(time.perf_counter() - t)
            print(f"bench reference grpc get_many 1,000: median {statistics.median(times) * 1e3:.1f} ms, min {min(times) * 1e3:.1f} ms", flush=True)
            drfs = [f"Z:BENCH{n:04d}@p,10" for n in range(10000)]
            handle = backend.subscribe(drfs)
            count = 0
            try:
                start = time.perf_counter()
                for reading, _ in handle.readings(timeout=3.0):
                    count += 1
                secs = time.perf_counter() - start
            finally:
                handle.stop()
            print(f"bench reference grpc stream 10,000 @p,10: {count / secs:.0f} readings/s over {secs:.1f} s", flush=True)

    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], "--bench" in sys.argv[3:]))
