"""pacsys_rs.exp.DataLogger through each writer against the simulator (127.0.0.1), read back
with pandas and pyarrow and compared with a parallel subscription (a Monitor on the same
backend); a SIGKILLed logging process; writers that raise."""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pacsys_rs.exp import CsvWriter, DataLogger, Monitor, ParquetWriter, read_recording
from pacsys_rs.testing import FakeBackend

DEVICES = 1000
PERIOD_MS = 10


class ListWriter:
    """A Python writer keeping every batch."""

    def __init__(self):
        self.rows = []
        self.batches = 0
        self.closed = False

    def write_readings(self, readings):
        self.batches += 1
        self.rows.extend((r.drf, r.timestamp, r.value, r.units) for r in readings)

    def close(self):
        self.closed = True


def logged_rows(kind, path, writer):
    """(drf, timestamp as datetime64[ns, UTC], value, units) of every logged reading."""
    if kind == "parquet":
        df = read_recording(path)
        # The same dataset through pyarrow (pandas' engine) gives the same frame.
        arrow = pq.read_table(path).to_pandas().sort_values("seq", ignore_index=True)
        scalars = [c for c in df.columns if c not in ("values", "texts", "raw")]
        pd.testing.assert_frame_equal(df[scalars], arrow[scalars])
        assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
        assert (df["seq"].to_numpy() == np.arange(len(df))).all()
        df = df[df["kind"] == "reading"]
        return df[["drf", "timestamp", "value", "units"]].reset_index(drop=True)
    if kind == "csv":
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert header == ["timestamp", "drf", "value", "units", "facility_code", "error_code", "message"]
        df = pd.read_csv(path, keep_default_na=False)
        assert (df["facility_code"] == 0).all() and (df["error_code"] == 0).all()
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
        return df[["drf", "timestamp", "value", "units"]]
    df = pd.DataFrame(writer.rows, columns=["drf", "timestamp", "value", "units"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True).astype("datetime64[ns, UTC]")
    return df


@pytest.mark.parametrize("kind", ["parquet", "csv", "python"])
def test_thousand_devices_ten_seconds_match_a_parallel_subscription(kind, simulator, tmp_path):
    drfs = [f"Z:BENCH{n:04d}@p,10" for n in range(DEVICES)]
    path = str(tmp_path / ("run.parquet" if kind == "parquet" else "run.csv"))
    writer = {"parquet": ParquetWriter(path), "csv": CsvWriter(path), "python": ListWriter()}[kind]
    with simulator.dpm(timeout=5.0, buffer=1_000_000) as b:
        with Monitor(drfs, buffer_size=10_000, backend=b) as mon:
            logger = DataLogger(drfs, writer, flush_interval=1.0, backend=b)
            with logger:
                time.sleep(10)
        assert not logger.failed, logger.last_error
        assert logger.dropped_count == 0
    seen = mon.result.to_dict()
    rows = logged_rows(kind, path, writer)
    # 1,000 devices x 100 readings/s x 10 s, less start-up.
    assert len(rows) > 500_000, len(rows)
    if kind == "python":
        assert writer.closed and writer.batches >= 5
    by_drf = dict(tuple(rows.groupby("drf", sort=False)))
    assert sorted(by_drf) == sorted(drfs)
    for drf in drfs:
        mine = by_drf[drf]
        theirs = seen[drf]
        # Every reading the parallel subscription got has the same value and units here
        # (Z:BENCHnnnn reads nnnn in cnt)...
        assert {(float(r.value), r.units) for r in theirs} == {(float(int(drf[7:11])), "cnt")}
        assert (mine["value"].astype(float) == float(int(drf[7:11]))).all()
        assert (mine["units"] == "cnt").all()
        # ...and none is missing: in order, and as many as the parallel
        # subscription got between the first and the last logged (each list has its own
        # phase, so the counts may differ by one at either end).
        stamps = mine["timestamp"].astype("int64").to_numpy()
        assert (np.diff(stamps) >= 0).all(), drf
        first, last = stamps[0], stamps[-1]
        theirs_ns = pd.to_datetime([r.timestamp for r in theirs], utc=True).asi8
        inside = int(((theirs_ns >= first) & (theirs_ns <= last)).sum())
        assert abs(len(mine) - inside) <= 2, (drf, len(mine), inside)


CHILD = r"""
import sys, time
from pacsys_rs import dpm
from pacsys_rs.exp import DataLogger, ParquetWriter
port, path = int(sys.argv[1]), sys.argv[2]
drfs = [f"Z:BENCH{n:04d}@p,10" for n in range(100)]
b = dpm(host="127.0.0.1", port=port, timeout=5.0)
logger = DataLogger(drfs, ParquetWriter(path), flush_interval=0.5, backend=b)
logger.start()
while True:
    time.sleep(0.05)
    print(logger.received_count, flush=True)
"""


def test_sigkill_loses_at_most_the_open_part(simulator, tmp_path):
    path = str(tmp_path / "killed.parquet")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(simulator.dpm_port), path],
        stdout=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("PACSYS_")},
    )
    try:
        received = 0
        deadline = time.monotonic() + 30
        while received < 30_000 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            received = int(line)
        assert received >= 30_000, "the child logged too little"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
    # What the child had received when it last said: the dataset has it, less at most the
    # open part (0.5 s at 100 devices x 100 readings/s) and the part being completed
    # (another 0.5 s), plus the 0.05 s report interval: 10,500 readings.
    df = read_recording(path)
    readings = int((df["kind"] == "reading").sum())
    assert readings >= received - 10_500, (readings, received)
    assert (df["seq"].to_numpy() == np.arange(len(df))).all(), "complete parts only, in order"
    # The temporary part the kill interrupted is hidden: pyarrow reads the same rows.
    assert pq.read_table(path).num_rows == len(df)


class FailingWriter(ListWriter):
    """Accepts the first `good` batches, then raises on `bad` calls, then accepts again."""

    def __init__(self, good, bad):
        super().__init__()
        self.good, self.bad, self.calls = good, bad, 0

    def write_readings(self, readings):
        self.calls += 1
        if self.good < self.calls <= self.good + self.bad:
            raise OSError(f"disk full (call {self.calls})")
        super().write_readings(readings)


def run(writer, simulator, seconds=2.0):
    drfs = ["Z:BENCH0001@p,10", "Z:BENCH0002@p,10"]
    with simulator.dpm(timeout=5.0) as b:
        logger = DataLogger(drfs, writer, flush_interval=0.2, backend=b)
        logger.start()
        time.sleep(seconds)
        received = logger.received_count
        try:
            logger.stop()
            raised = None
        except RuntimeError as e:
            raised = e
    return logger, received, raised


def test_a_writer_that_raises_once_loses_nothing(simulator):
    writer = FailingWriter(good=2, bad=1)
    logger, _, raised = run(writer, simulator)
    assert raised is None
    assert isinstance(logger.last_error, OSError)
    assert not logger.failed and logger.dropped_count == 0
    # The failed batch was retried: every reading once (as many rows as readings), in
    # order per device (millisecond stamps of a 10 ms period may repeat, so not unique).
    df = pd.DataFrame(writer.rows, columns=["drf", "timestamp", "value", "units"])
    assert len(df) == logger.received_count
    for _, g in df.groupby("drf"):
        assert g["timestamp"].is_monotonic_increasing


def test_a_writer_that_keeps_raising_sets_failed_and_keeps_what_was_written(simulator):
    writer = FailingWriter(good=2, bad=10_000)
    logger, _, raised = run(writer, simulator)
    assert isinstance(raised, RuntimeError) and "Dropped" in str(raised)
    assert isinstance(raised.__cause__, OSError)
    assert logger.failed and isinstance(logger.last_error, OSError)
    assert writer.closed
    # The two batches written before the failures are all there; the rest was counted.
    assert len(writer.rows) > 0
    assert len(writer.rows) + logger.dropped_count == logger.received_count


def test_a_path_that_exists_is_refused_at_start(simulator, tmp_path):
    path = tmp_path / "taken.parquet"
    path.mkdir()
    (path / "notes.txt").write_text("mine")
    with simulator.dpm(timeout=5.0) as b:
        logger = DataLogger(["Z:BENCH0001@p,10"], ParquetWriter(path), backend=b)
        with pytest.raises(OSError, match="already exists"):
            logger.start()
    assert not logger.running
    assert (path / "notes.txt").read_text() == "mine"


def test_a_device_error_is_a_row_of_each_writer(simulator, tmp_path):
    drfs = ["Z:NOSUCH@p,100", "Z:BENCH0003@p,100"]
    parquet, csv_path = str(tmp_path / "e.parquet"), str(tmp_path / "e.csv")
    python = ListWriter()
    with simulator.dpm(timeout=5.0) as b:
        loggers = [DataLogger(drfs, w, flush_interval=0.2, backend=b) for w in (ParquetWriter(parquet), CsvWriter(csv_path), python)]
        for lg in loggers:
            lg.start()
        time.sleep(1.0)
        for lg in loggers:
            lg.stop()
    df = read_recording(parquet)
    err = df[df["drf"] == "Z:NOSUCH@p,100"]
    assert set(err["kind"]) == {"error"} and (err["error_code"] < 0).all()
    rows = pd.read_csv(csv_path, keep_default_na=False)
    bad = rows[rows["drf"] == "Z:NOSUCH@p,100"]
    assert len(bad) >= 1 and (bad["error_code"] < 0).all() and (bad["value"] == "").all()
    assert (bad["message"] != "").all()
    assert (rows.loc[rows["drf"] == "Z:BENCH0003@p,100", "value"] == "3.0").all()
    assert any(drf == "Z:NOSUCH@p,100" and value is None for drf, _, value, _ in python.rows)


def test_read_recording_gives_what_pyarrow_gives_for_every_kind_of_value(tmp_path):
    # read_recording reads pacsys-record's columns as stored (no event per row); pyarrow
    # reads the same Parquet files its own way. Every column must agree, lists included.
    fake = FakeBackend()
    values = {
        "Z:SCALAR": 1.5,
        "Z:ARRAY": np.array([1.0, 2.5, -3.0]),
        "Z:TEXT": "hello",
        "Z:TEXTS": ["a", "bc"],
        "Z:RAW": b"\x00\x01\xff",
    }
    for drf, value in values.items():
        fake.set_reading(drf, value, units="u")
    fake.set_analog_alarm("Z:ANALOG", {"minimum": -1.0, "maximum": 2.0, "alarm_enable": True, "tries_needed": 3, "tries_now": 1})
    fake.set_digital_alarm("Z:DIGITAL", {"nominal": 5, "mask": 7, "abort": True, "tries_needed": 2})
    fake.set_error("Z:BROKEN", -42)
    drfs = [f"{d}@p,1000" for d in [*values, "Z:ANALOG", "Z:DIGITAL", "Z:BROKEN"]]
    path = str(tmp_path / "kinds.parquet")
    with DataLogger(drfs, ParquetWriter(path), flush_interval=0.1, backend=fake):
        time.sleep(1.0)
    df = read_recording(path)
    arrow = pq.read_table(path).to_pandas().sort_values("seq", ignore_index=True)
    assert list(df.columns) == list(arrow.columns)
    assert set(df["drf"]) == set(drfs)
    lists = ("values", "texts", "raw")
    scalars = [c for c in df.columns if c not in lists]
    pd.testing.assert_frame_equal(df[scalars], arrow[scalars])

    def plain(cell):
        return None if cell is None else (bytes(cell) if isinstance(cell, bytes) else list(cell))

    for column in lists:
        assert [plain(c) for c in df[column]] == [plain(c) for c in arrow[column]], column
    by_drf = df.set_index("drf")
    assert list(by_drf.loc["Z:ARRAY@p,1000", "values"]) == [1.0, 2.5, -3.0]
    assert by_drf.loc["Z:TEXTS@p,1000", "texts"] == ["a", "bc"]
    assert by_drf.loc["Z:RAW@p,1000", "raw"] == b"\x00\x01\xff"
    assert by_drf.loc["Z:ANALOG@p,1000", "alarm_tries_needed"] == 3
    assert by_drf.loc["Z:DIGITAL@p,1000", "alarm_mask"] == 7
    assert by_drf.loc["Z:BROKEN@p,1000", "kind"] == "error"


def test_bad_arguments(simulator):
    with pytest.raises(ValueError):
        DataLogger([], ListWriter())
    with pytest.raises(ValueError):
        DataLogger(["Z:BENCH0001"], ListWriter(), flush_interval=0)
    with pytest.raises(TypeError):
        DataLogger(["Z:BENCH0001"], object())
