"""`cargo xtask bench-logger`: pacsys's DataLogger API from Python, one stream of DEVICES
devices at `@p,1` (DEVICES thousand readings/s offered) logged for SECONDS seconds, with
pacsys 0.3.0 or pacsys_rs (whichever `pacsys`/`pacsys_rs` this interpreter imports).

    python bench_logger.py PORT CLIENT WRITER DEVICES SECONDS OUT
        CLIENT: pacsys | pacsys_rs; WRITER: parquet | csv | count (a Python writer that
        only counts); OUT: the file or folder to write (removed first)

Prints one line: `received_per_s N written_per_s N written N dropped N cpu_s N ...` (the process's
CPU seconds over the run, the GIL-holding main thread included; the simulator runs in its
own process).
"""

import os
import shutil
import sys
import time


class Count:
    """A Python writer that only counts (the cost of a Python object per reading)."""

    def __init__(self):
        self.n = 0

    def write_readings(self, readings):
        self.n += len(readings)

    def close(self):
        pass


def main(port, client, writer_kind, devices, seconds, out):
    if os.path.isdir(out):
        shutil.rmtree(out)
    elif os.path.exists(out):
        os.remove(out)
    drfs = [f"Z:BENCH{n:04d}@p,1" for n in range(devices)]
    if client == "pacsys_rs":
        import pacsys_rs as pacsys
        from pacsys_rs.exp import CsvWriter, DataLogger, ParquetWriter

        backend = pacsys.dpm(host="127.0.0.1", port=port, timeout=30.0, buffer=4_000_000)
    else:
        import pacsys
        from pacsys.exp import CsvWriter, DataLogger, ParquetWriter

        backend = pacsys.dpm_http(host="127.0.0.1", port=port, timeout=30.0)
    counter = Count()
    writer = {"parquet": lambda: ParquetWriter(out), "csv": lambda: CsvWriter(out), "count": lambda: counter}[writer_kind]()
    logger = DataLogger(drfs, writer, flush_interval=1.0, backend=backend)
    cpu0 = time.process_time()
    t0 = time.monotonic()
    logger.start()
    time.sleep(seconds)
    try:
        logger.stop()
    except RuntimeError as e:  # dropped readings: reported below
        print(f"# stop: {e}", file=sys.stderr)
    elapsed = time.monotonic() - t0
    cpu = time.process_time() - cpu0
    if writer_kind == "count":
        written = counter.n
    elif writer_kind == "csv":
        with open(out, "rb") as f:
            written = sum(1 for _ in f) - 1
    elif client == "pacsys_rs":
        written = int((pacsys.read_recording(out)["kind"] == "reading").sum())
    else:
        import pyarrow.parquet as pq

        written = pq.read_table(out).num_rows
    received = getattr(logger, "received_count", None)
    dropped = logger.dropped_count
    print(
        f"received_per_s {(written + dropped) / elapsed:.0f} written_per_s {written / elapsed:.0f} "
        f"written {written} dropped {dropped} cpu_s {cpu:.2f} elapsed_s {elapsed:.2f} received {received}"
    )
    backend.close()


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
