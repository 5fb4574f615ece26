"""Interop check: the reference Python client (pacsys 0.3.0) streams a recording replayed by
our simulator (`pacsys-sim --replay DIR.parquet`), over DPM and over gRPC, and hears the
recorded values in order.

Run by `cargo xtask interop`, which records a run of our own client with
`pacsys --sim monitor ... --record DIR.parquet --format json` (the JSON lines are what the
client received, so what the recording holds), starts the simulator on the recording and
passes its ports and the JSON lines:

    python replay_reference.py DPM_PORT GRPC_PORT TOKEN LINES.jsonl

Every check prints one line; the last line is `N passed, M failed`; the exit status is 1 when
anything failed. Each check is bounded in time.
"""

import json
import sys
import time

import pacsys
from pacsys.auth import JWTAuth

HOST = "127.0.0.1"
TIMEOUT_S = 5.0
LISTEN_S = 3.0

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def recorded(lines_path):
    """The recorded values of each device, in order (device name -> list)."""
    values = {}
    with open(lines_path) as f:
        for line in f:
            j = json.loads(line)
            if "value" in j:
                device = j["drf"].split("@")[0].split("[")[0]
                values.setdefault(device, []).append(j["value"])
    return values


def listen(backend, drfs):
    """Every value each DRF delivers for LISTEN_S seconds, in order."""
    got = {d: [] for d in drfs}
    handle = backend.subscribe(drfs)
    deadline = time.monotonic() + LISTEN_S
    try:
        for reading, _ in handle.readings(timeout=LISTEN_S):
            if reading.ok:
                got[reading.drf].append(reading.value)
            if time.monotonic() > deadline:
                break
    finally:
        handle.stop()
    return got


def compare(transport, got, expected):
    for drf, values in got.items():
        device = drf.split("@")[0]
        want = expected[device]
        n = len(values)
        # The replay plays each subscription from the recording's start at 2x: in 3 s at
        # least the first 2 s of a 10 Hz recording (stopping at its end).
        need = min(len(want), 30)
        ok = n >= need and [list(v) if isinstance(v, (list, tuple)) else v for v in values[: len(want)]] == want[:n]
        check(
            f"{transport} stream of replayed {drf}: recorded values in order",
            ok,
            f"{n} received, {len(want)} recorded; first {values[:3]} vs {want[:3]}",
        )


def main(dpm_port, grpc_port, token, lines_path):
    expected = recorded(lines_path)
    # Any period: a replayed device plays its recording at the recorded pace.
    drfs = ["Z:SINE@p,1000", "Z:RAMP@p,1000"]
    with pacsys.dpm_http(host=HOST, port=dpm_port, timeout=TIMEOUT_S) as backend:
        compare("dpm", listen(backend, drfs), expected)
        # A device that is not in the recording still answers from the simulated world.
        value = backend.read("M:OUTTMP")
        check("dpm read of a device not in the recording", value == 72.5, f"got {value!r}")
    with pacsys.grpc(host=HOST, port=grpc_port, auth=JWTAuth(token=token), timeout=TIMEOUT_S) as backend:
        compare("grpc", listen(backend, drfs), expected)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]))
