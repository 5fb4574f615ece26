"""Interop check: pacsys 0.3.0's own gRPC client against a pacsys_rs.supervised
SupervisedServer started from Python (pacsys_rs_supervised_server.py) over an
AsyncFakeBackend or an AsyncBackend written in Python, with ReadOnlyPolicy:

    python supervised_server_reference.py PORT TOKEN KIND

It reads, batch-reads, streams, and is refused a setting. Every check prints one line; the
last line is `N passed, M failed`; exit status 1 when anything failed.
"""

import sys

import pacsys
from pacsys.auth import JWTAuth

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def guarded(name, fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - report anything the reference raises
        check(name, False, f"raised {type(exc).__name__}: {exc}")


def main(port, token, kind):
    with pacsys.grpc(host="127.0.0.1", port=port, auth=JWTAuth(token=token), timeout=5.0) as b:
        guarded(f"[{kind}] read M:OUTTMP", lambda: check(f"[{kind}] read M:OUTTMP", b.read("M:OUTTMP") == 72.5))

        def many():
            rs = b.get_many(["M:OUTTMP", "G:AMANDA"])
            check(f"[{kind}] get_many", [r.value for r in rs] == [72.5, 42.0], str([r.value for r in rs]))

        guarded(f"[{kind}] get_many", many)

        def stream():
            values = []
            with b.subscribe(["M:OUTTMP@p,100"]) as sub:
                for reading, _ in sub.readings(timeout=5.0):
                    values.append(reading.value)
                    if len(values) >= 3:
                        break
            check(f"[{kind}] stream 3 readings", len(values) >= 3 and values[0] >= 72.5, str(values))

        guarded(f"[{kind}] stream", stream)

        def refused():
            try:
                result = b.write("G:AMANDA", 1.0)
            except Exception as exc:  # noqa: BLE001 - the refusal may raise
                check(f"[{kind}] write refused", "PERMISSION_DENIED" in str(exc) or "denied" in str(exc).lower(), f"{type(exc).__name__}: {exc}")
                return
            check(f"[{kind}] write refused", not result.success, f"error_code={result.error_code} {result.message}")

        guarded(f"[{kind}] write refused", refused)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
