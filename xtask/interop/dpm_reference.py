"""Interop check: the reference Python client (pacsys 0.3.0) against our fake DPM server.

Run by `cargo xtask interop`, which creates the virtual environment, starts `pacsys-sim`
and passes its DPM port:

    python dpm_reference.py PORT

Every check prints one line; the last line is `N passed, M failed`; the exit status is 1 when
anything failed. Each check is bounded in time, so a hang is reported as a failure instead of
stalling CI.
"""

import sys
import threading
import time

import pacsys

HOST = "127.0.0.1"
TIMEOUT_S = 5.0

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def guarded(name, fn):
    """Runs one check and reports an exception as a failure instead of aborting the run."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - report anything the reference raises
        check(name, False, f"raised {type(exc).__name__}: {exc}")


def main(port):
    with pacsys.dpm_http(host=HOST, port=port, timeout=TIMEOUT_S) as backend:

        def read_scalar():
            value = backend.read("M:OUTTMP")
            check("read M:OUTTMP", value == 72.5, f"got {value!r}")

        def batch_read():
            drfs = [f"Z:BENCH{n:04d}" for n in range(100)]
            readings = backend.get_many(drfs)
            wrong = [
                (r.drf, r.value, r.error_code)
                for n, r in enumerate(readings)
                if not r.ok or r.value != float(n)
            ]
            check(
                "get_many 100 Z:BENCH devices",
                len(readings) == 100 and not wrong,
                f"{len(readings)} readings, wrong: {wrong[:3]}",
            )

        def read_array():
            values = list(backend.read("Z:ACLTST"))
            expected = [i * 0.5 for i in range(100)]
            check("read Z:ACLTST (100 doubles)", values == expected, f"first {values[:4]}")

        def read_text():
            value = backend.read("Z:TEXTDV")
            check("read Z:TEXTDV", value == "hello", f"got {value!r}")

        def stream():
            handle = backend.subscribe(["M:OUTTMP@p,100"])
            count = 0
            values = set()
            try:
                for reading, _ in handle.readings(timeout=1.0):
                    if reading.ok:
                        count += 1
                        values.add(reading.value)
            finally:
                handle.stop()
            check(
                "subscribe M:OUTTMP@p,100 for 1 s",
                count >= 8 and values == {72.5},
                f"{count} readings, values {sorted(values)}",
            )

        def unknown_device():
            outcome = {}

            def run():
                try:
                    outcome["reading"] = backend.get("Z:NOSUCH")
                except Exception as exc:  # noqa: BLE001
                    outcome["error"] = exc

            started = time.monotonic()
            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            worker.join(TIMEOUT_S + 5.0)
            elapsed = time.monotonic() - started
            reading = outcome.get("reading")
            if worker.is_alive():
                check("read unknown device", False, "hung")
            elif reading is None:
                check("read unknown device", False, f"raised {outcome.get('error')!r}")
            else:
                check(
                    "read unknown device gives an error reading",
                    reading.is_error and reading.value is None,
                    f"facility {reading.facility_code} error {reading.error_code} "
                    f"({reading.message}) after {elapsed:.2f} s",
                )

        for name, fn in [
            ("read M:OUTTMP", read_scalar),
            ("get_many", batch_read),
            ("read Z:ACLTST", read_array),
            ("read Z:TEXTDV", read_text),
            ("subscribe", stream),
            ("read unknown device", unknown_device),
        ]:
            guarded(name, fn)

    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: dpm_reference.py PORT", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(int(sys.argv[1])))
