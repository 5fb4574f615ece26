"""The reference client's side of `cargo xtask bench-vs-pacsys` (pacsys 0.3.0).

    python bench_reference.py PORT get_many N REPS   -> "median_ms <ms>"
    python bench_reference.py PORT stream N SECS     -> "per_s <readings/s> dropped <count>"
    python bench_reference.py GRPC_PORT array N REPS -> "median_ms <ms> type <class> len <n>"
      (over gRPC: DPM refuses a 40,000-element reply as DPM_REPLY_OVERFLOW)
    python bench_reference.py PORT rss N SECS        -> "rss_mb_at_100k <MB> rss_mb_at_end <MB> readings <n>"
    python bench_reference.py PORT callback N SECS   -> "cpu_pct <% of a core> per_s <callbacks/s> offered_per_s <n>"
      (N devices at @p,100 into a callback that reads `value` and `timestamp`; the whole
      process's CPU time over SECS after a 2 s warm-up)
    python bench_reference.py PORT read1 0 REPS      -> "p50_us <us> p90_us <us>"
      (one `read("M:OUTTMP")` on a warm backend, REPS times)
    python bench_reference.py PORT connect N REPS    -> "median_ms <ms>"
      (a new backend, `get_many` of N devices, closed: connection set-up included)
    python bench_reference.py PORT get_arrays N REPS -> "median_ms <ms>" (pacsys_rs only:
      `get_many(..., as_arrays=True)`, the columnar form)
    python bench_reference.py 0 floor 0 REPS         -> "p50_us <us> p90_us <us>"
      (no client library: a plain blocking socket's round trip, 79 bytes out and 170 back
      as in one DPM read, to an echo process on loopback; the machine's floor for `read1`)
    python bench_reference.py 0 drf REPS CORPUS_JSON -> "median_input_ns <ns> inputs <n> rejected <n> non_ascii <n>"
      (the reference DRF parser, timed as our drf_bench example times ours: each accepted
      corpus input parsed REPS times in a row, best of three rounds, median over inputs)

`cargo xtask bench-py` runs this same file with pacsys_rs in place of pacsys
(bench_pacsys_rs.py), so both clients run the same Python loop.
"""

import os

import statistics
import sys
import time

import pacsys


def rss_mb():
    """Resident memory of this process in MB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def drf_median(reps, corpus):
    """The reference parser's corpus median in ns (see the module docstring)."""
    import json
    import timeit

    from pacsys.drf3 import parse_request

    with open(corpus) as f:
        cases = json.load(f)
    times, rejected, non_ascii = [], 0, 0
    for case in cases:
        if case.get("ok") is not True:
            continue
        text = case["input"]
        if not text.isascii():
            # Accepted only through the reference's quirks (Unicode digits and case folding);
            # our parser refuses non-ASCII, so drf_bench times only the ASCII inputs.
            non_ascii += 1
            continue
        try:
            parse_request(text)
        except Exception:  # noqa: BLE001 - counted: the reference rejects a few inputs
            rejected += 1
            continue
        best = min(timeit.repeat(lambda: parse_request(text), number=reps, repeat=3))
        times.append(best / reps * 1e9)
    print(
        f"median_input_ns {statistics.median(times):.1f} inputs {len(times)} "
        f"rejected {rejected} non_ascii {non_ascii}"
    )


def callbacks(backend, n, secs):
    """N devices at @p,100 into a callback reading `value` and `timestamp`; prints the
    process's CPU (all threads) as a percentage of one core over `secs`."""
    drfs = [f"Z:BENCH{i:04d}@p,100" for i in range(n)]
    seen = [0]

    def on_reading(reading, _handle):
        reading.value
        reading.timestamp
        seen[0] += 1

    with backend.subscribe(drfs, callback=on_reading):
        time.sleep(2.0)
        count0, wall0, cpu0 = seen[0], time.perf_counter(), time.process_time()
        time.sleep(secs)
        count1, wall1, cpu1 = seen[0], time.perf_counter(), time.process_time()
    wall = wall1 - wall0
    print(
        f"cpu_pct {(cpu1 - cpu0) / wall * 100:.2f} per_s {(count1 - count0) / wall:.0f} "
        f"offered_per_s {n * 10}"
    )


def connect(make, n, reps):
    """A new backend, `get_many` of n devices, closed; median over reps."""
    drfs = [f"Z:BENCH{i % 10000:04d}" for i in range(n)]
    times = []
    for _ in range(max(1, reps)):
        t = time.perf_counter()
        with make() as backend:
            readings = backend.get_many(drfs)
        times.append(time.perf_counter() - t)
        if not all(r.ok for r in readings):
            raise SystemExit("a read failed")
    print(f"median_ms {statistics.median(times) * 1e3:.3f}")


def tcp_floor(reps):
    """The round trip of a plain blocking socket to a child process that answers each
    79-byte request with 170 bytes (a DPM read's sizes): the floor a client's `read1`
    stands on, on this machine, with nothing of either library in it."""
    import socket
    import subprocess

    echo = (
        "import socket,sys\n"
        "s=socket.socket();s.bind(('127.0.0.1',0));s.listen(1)\n"
        "print(s.getsockname()[1],flush=True)\n"
        "c,_=s.accept();c.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1)\n"
        "n=0\n"
        "while True:\n"
        "    d=c.recv(4096)\n"
        "    if not d: break\n"
        "    n+=len(d)\n"
        "    while n>=79:\n"
        "        n-=79;c.sendall(b'y'*170)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", echo], stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        c = socket.create_connection(("127.0.0.1", port))
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        times = []
        for _ in range(max(1, reps) + 100):
            t = time.perf_counter()
            c.sendall(b"x" * 79)
            got = 0
            while got < 170:
                got += len(c.recv(4096))
            times.append(time.perf_counter() - t)
        c.close()
    finally:
        child.kill()
        child.wait()
    times = sorted(times[100:])
    print(f"p50_us {times[len(times) // 2] * 1e6:.1f} p90_us {times[len(times) * 9 // 10] * 1e6:.1f}")


def main(port, mode, n, x):
    if mode == "floor":
        tcp_floor(int(x))
        return
    if mode == "drf":
        drf_median(n, x)
        return
    if mode == "connect":
        connect(lambda: pacsys.dpm_http(host="127.0.0.1", port=port, timeout=60.0), n, int(x))
        return
    if mode == "array":
        make = lambda: pacsys.grpc(host="127.0.0.1", port=port, timeout=60.0)  # noqa: E731
    else:
        make = lambda: pacsys.dpm_http(host="127.0.0.1", port=port, timeout=60.0)  # noqa: E731
    with make() as backend:
        if mode == "get_many":
            drfs = [f"Z:BENCH{i % 10000:04d}" for i in range(n)]
            backend.get_many(drfs)  # warm-up: opens the pooled connection
            times = []
            for _ in range(max(1, int(x))):
                t = time.perf_counter()
                readings = backend.get_many(drfs)
                times.append(time.perf_counter() - t)
                if not all(r.ok for r in readings):
                    raise SystemExit("a read failed")
            print(f"median_ms {statistics.median(times) * 1e3:.3f}")
        elif mode == "stream":
            drfs = [f"Z:BENCH{i % 10000:04d}@p,10" for i in range(n)]
            secs = float(x)
            count = 0
            with backend.subscribe(drfs) as sub:
                start = None
                for _reading, _handle in sub.readings(timeout=secs + 10):
                    if start is None:
                        start = time.perf_counter()
                        continue
                    count += 1
                    if time.perf_counter() - start >= secs:
                        break
                elapsed = time.perf_counter() - (start or time.perf_counter())
                dropped = sub.dropped
                dropped = dropped() if callable(dropped) else dropped
                print(f"per_s {count / max(elapsed, 1e-9):.0f} dropped {dropped}")
        elif mode == "get_arrays":
            drfs = [f"Z:BENCH{i % 10000:04d}" for i in range(n)]
            backend.get_many(drfs, as_arrays=True)
            times = []
            for _ in range(max(1, int(x))):
                t = time.perf_counter()
                columns = backend.get_many(drfs, as_arrays=True)
                times.append(time.perf_counter() - t)
                if not columns.ok.all():
                    raise SystemExit("a read failed")
            print(f"median_ms {statistics.median(times) * 1e3:.3f}")
        elif mode == "callback":
            callbacks(backend, n, float(x))
        elif mode == "read1":
            backend.read("M:OUTTMP")
            times = []
            for _ in range(max(1, int(x))):
                t = time.perf_counter()
                backend.read("M:OUTTMP")
                times.append(time.perf_counter() - t)
            times.sort()
            p50, p90 = times[len(times) // 2], times[len(times) * 9 // 10]
            print(f"p50_us {p50 * 1e6:.1f} p90_us {p90 * 1e6:.1f}")
        elif mode == "array":
            try:
                backend.read("Z:BIGARR")
            except Exception as e:  # noqa: BLE001 - reported as the figure
                print(f"median_ms nan type failed:{type(e).__name__} len 0 error {e}")
                return
            times = []
            for _ in range(max(1, int(x))):
                t = time.perf_counter()
                value = backend.read("Z:BIGARR")
                times.append(time.perf_counter() - t)
            print(f"median_ms {statistics.median(times) * 1e3:.3f} type {type(value).__name__} len {len(value)}")
        elif mode == "rss":
            # n readings through one subscription; resident memory after the first 100,000
            # and at the end (a leak grows it in proportion to the readings).
            drfs = [f"Z:BENCH{i:04d}@p,10" for i in range(10000)]
            count, at_100k = 0, None
            with backend.subscribe(drfs) as sub:
                for _reading, _handle in sub.readings(timeout=float(x)):
                    count += 1
                    if count == 100_000:
                        at_100k = rss_mb()
                    if count >= n:
                        break
            print(f"rss_mb_at_100k {at_100k or 0:.1f} rss_mb_at_end {rss_mb():.1f} readings {count}")
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4])
