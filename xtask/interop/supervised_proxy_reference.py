"""Interop check: the reference Python gRPC client (pacsys 0.3.0) through OUR supervised proxy
(`pacsys-proxy` over the simulator backend), with JWT validation and policies configured.

Run by `cargo xtask interop`, which writes the proxy's TOML configuration (a `[jwt]` table
with an HS256 secret file, issuer `pacsys-interop`, audience `pacsys-proxy`), starts
`pacsys-proxy --config FILE --bind 127.0.0.1:0` and passes its port and the secret; this
script signs the JWTs (HS256 with the standard library):

    python supervised_proxy_reference.py PORT SECRET

The configuration (see xtask/src/interop.rs): settings allowed on G:AMANDA and Z:ACLTST only,
reads of Z:TEXTDV denied, G:AMANDA limited to [-100, 100], at most 2 reads of Z:BENCH0042.

Every check prints one line; the last line is `N passed, M failed`; exit status 1 when
anything failed.
"""

import base64
import hashlib
import hmac
import json
import sys
import time

import pacsys
from pacsys.auth import JWTAuth

HOST = "127.0.0.1"
TIMEOUT_S = 5.0

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def guarded(name, fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - report anything the reference raises
        check(name, False, f"raised {type(exc).__name__}: {exc}")


def raised(fn):
    """The exception text fn raises, or None."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_jwt(secret, sub, issuer="pacsys-interop", audience="pacsys-proxy"):
    """A signed HS256 JWT valid for ten minutes."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "iss": issuer, "aud": audience, "exp": int(time.time()) + 600}
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def main(port, secret):
    token = hs256_jwt(secret, "interop-user@FNAL.GOV")
    auth = JWTAuth(token=token)
    with pacsys.grpc(host=HOST, port=port, auth=auth, timeout=TIMEOUT_S) as backend:

        def reads():
            check("proxy read M:OUTTMP", backend.read("M:OUTTMP") == 72.5)
            readings = backend.get_many([f"Z:BENCH{n:04d}" for n in range(20)] + ["M:OUTTMP", "m_outtmp"])
            values = [r.value for r in readings]
            check(
                "proxy get_many 22 DRFs (duplicates in two spellings)",
                values[:20] == [float(n) for n in range(20)] and all(r.ok for r in readings),
                f"{values[:3]}...",
            )
            unknown = backend.get("Z:NOSUCH")
            check("proxy get Z:NOSUCH is an error reading", unknown.is_error, f"code {unknown.error_code}")

        def denied_reads():
            text = raised(lambda: backend.get("Z:TEXTDV"))
            check("proxy read of a denied device -> PERMISSION_DENIED", text and "PERMISSION_DENIED" in text, text or "no error")
            mixed = backend.get_many(["M:OUTTMP", "z:textdv"])
            check(
                "proxy partial read: the denied device alone fails (DPM_PRIV)",
                mixed[0].ok and mixed[1].is_error and mixed[1].error_code == -17,
                f"{[(r.ok, r.error_code) for r in mixed]}",
            )
            text = raised(lambda: backend.get_many(["M:OUTTMP", "0:1234"]))
            check(
                "proxy device-index alias -> PERMISSION_DENIED (or refused by the client)",
                text and ("PERMISSION_DENIED" in text or "ValueError" in text),
                text or "no error",
            )

        def rate_limit():
            codes = [backend.get("Z:BENCH0042").error_code for _ in range(2)]
            text = raised(lambda: backend.get("Z:BENCH0042"))
            check(
                "proxy per-device rate limit: third read -> PERMISSION_DENIED",
                codes == [0, 0] and text and "PERMISSION_DENIED" in text and "Rate limit" in text,
                f"{codes} then {text}",
            )
            mixed = backend.get_many(["M:OUTTMP", "Z:BENCH0042"])
            check(
                "proxy rate-limited device in a batch fails alone (DPM_PRIV)",
                mixed[0].ok and mixed[1].error_code == -17,
                f"{[(r.ok, r.error_code) for r in mixed]}",
            )

        def stream():
            handle = backend.subscribe(["M:OUTTMP@p,100", "M:OUTTMP@p,100", "Z:BENCH0003@p,100"])
            count = 0
            values = set()
            try:
                for reading, _ in handle.readings(timeout=1.5):
                    if reading.ok:
                        count += 1
                        values.add(reading.value)
            finally:
                handle.stop()
            check("proxy subscribe 3 DRFs @p,100 for 1.5 s", count >= 15 and values == {3.0, 72.5}, f"{count} readings, values {sorted(values)}")

        def writes():
            r = backend.write("G:AMANDA", 12.5)
            check("proxy write allowed device", r.success, f"code {r.error_code}")
            check("proxy read back G:AMANDA", backend.read("G:AMANDA") == 12.5)
            batch = backend.write_many([("G:AMANDA", 13.5), ("M:OUTTMP", 1.0), ("G:AMANDA", 1e6), ("Z:ACLTST[0:1]", [9.0, 8.0])])
            check(
                "proxy partial batch: denied settings alone fail with DPM_PRIV",
                [w.success for w in batch] == [True, False, False, True] and batch[1].error_code == -17 and batch[2].error_code == -17,
                f"{[(w.drf, w.error_code) for w in batch]}",
            )
            r = backend.write("M:OUTTMP", 1.0)
            check(
                "proxy write of a device no policy allows -> PERMISSION_DENIED",
                not r.success and "PERMISSION_DENIED" in str(getattr(r, "message", "")),
                f"{r.error_code} {getattr(r, 'message', '')}",
            )

        for name, fn in [("reads", reads), ("denied", denied_reads), ("rate", rate_limit), ("stream", stream), ("writes", writes)]:
            guarded(name, fn)

    forged = hs256_jwt("not the proxy's secret at all", "interop-user@FNAL.GOV")
    wrong_audience = hs256_jwt(secret, "interop-user@FNAL.GOV", audience="someone-else")
    for what, bad in [("a forged JWT", forged), ("a JWT for another audience", wrong_audience), ("a wrong token", "wrong-token")]:
        with pacsys.grpc(host=HOST, port=port, auth=JWTAuth(token=bad), timeout=TIMEOUT_S) as intruder:

            def unauthenticated():
                r = intruder.write("G:AMANDA", 1.0)
                check(
                    f"proxy write with {what} -> UNAUTHENTICATED",
                    not r.success and "UNAUTHENTICATED" in str(getattr(r, "message", "")),
                    f"{r.error_code} {getattr(r, 'message', '')}",
                )
                check("proxy reads need no token", intruder.read("M:OUTTMP") == 72.5)

            guarded("unauthenticated", unauthenticated)

    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2]))
