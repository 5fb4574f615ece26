"""The reference client's side of `cargo xtask bench-vs-pacsys` (pacsys 0.3.0).

    python bench_reference.py PORT get_many N REPS   -> "median_ms <ms>"
    python bench_reference.py PORT stream N SECS     -> "per_s <readings/s> dropped <count>"
"""

import statistics
import sys
import time

import pacsys


def main(port, mode, n, x):
    with pacsys.dpm_http(host="127.0.0.1", port=port, timeout=60.0) as backend:
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
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4])
