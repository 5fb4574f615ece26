"""Recordings made by `pacsys monitor --record` read back by the analysts' tools, pyarrow and
pandas, and compared row by row with what the client printed in the same run.

`cargo xtask python` builds the `pacsys` command (release) and passes its path in PACSYS_CLI.
"""

import json
import os
import signal
import subprocess
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

PACSYS = os.environ.get("PACSYS_CLI")
if not PACSYS and os.environ.get("CI"):
    raise RuntimeError("PACSYS_CLI must name the pacsys binary under CI")
pytestmark = pytest.mark.skipif(not PACSYS, reason="PACSYS_CLI is not set (cargo xtask python sets it)")

ENV = {k: v for k, v in os.environ.items() if not k.startswith("PACSYS_")}


def summary_dropped(stderr: str) -> int:
    """The `N dropped` figure of the monitor's summary line."""
    line = [l for l in stderr.splitlines() if l.startswith("--- ")][-1]
    return int(line.split(" dropped")[0].rsplit(" ", 1)[-1])


def test_ten_seconds_of_1000_devices_match_what_the_client_received(tmp_path):
    drfs = [f"Z:BENCH{n:04d}@p,10" for n in range(1000)]
    rec = tmp_path / "run.parquet"
    lines_path = tmp_path / "lines.jsonl"
    with open(lines_path, "wb") as out:
        p = subprocess.run(
            [PACSYS, "--sim", "monitor", *drfs, "--duration", "10s", "--format", "json",
             "--record", str(rec)],
            stdout=out, stderr=subprocess.PIPE, env=ENV, timeout=180,
        )
    stderr = p.stderr.decode()
    assert p.returncode == 0, stderr

    # pandas reads the dataset folder as one table (pyarrow engine); so does pyarrow.
    df = pd.read_parquet(rec)
    table = pq.read_table(rec)
    assert table.num_rows == len(df)
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    df = df.sort_values("seq", ignore_index=True)
    assert (df["seq"].to_numpy() == range(len(df))).all(), "seq numbers every row once"

    lines = pd.read_json(lines_path, lines=True, precise_float=True, convert_dates=False)
    readings = df[df["kind"] == "reading"].reset_index(drop=True)
    # 1,000 devices x 100 readings/s x 10 s, less start-up.
    assert len(lines) > 500_000, len(lines)
    assert len(readings) == len(lines)
    assert (readings["drf"].to_numpy() == lines["drf"].to_numpy()).all()
    assert (readings["value"].to_numpy() == lines["value"].to_numpy()).all()
    printed_times = pd.to_datetime(lines["timestamp"], utc=True, format="ISO8601")
    assert (readings["timestamp"].to_numpy() == printed_times.to_numpy()).all()
    assert (readings["units"] == "cnt").all()
    assert (readings["facility"] == 0).all() and (readings["error_code"] == 0).all()
    # Z:BENCHnnnn reads nnnn.
    numbers = readings["drf"].str.slice(7, 11).astype(int)
    assert (readings["value"] == numbers).all()
    # Drops (if the client fell behind) are rows too, and add up to the summary's figure.
    dropped = df.loc[df["kind"] == "dropped", "count"].sum()
    assert dropped == summary_dropped(stderr)


def start_recording(rec, extra=()):
    return subprocess.Popen(
        [PACSYS, "--sim", "monitor", "Z:SINE@p,20", "Z:RAMP@p,20", "--format", "json",
         "--record", str(rec), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV,
    )


def printed(stdout: bytes):
    return [json.loads(l) for l in stdout.decode().splitlines() if l]


def test_a_recording_stopped_by_sigint_is_complete(tmp_path):
    rec = tmp_path / "sigint.parquet"
    p = start_recording(rec)
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 130
    df = pq.read_table(rec).to_pandas().sort_values("seq")
    readings = df[df["kind"] == "reading"]
    lines = printed(out)
    assert len(lines) > 50
    assert list(readings["drf"]) == [l["drf"] for l in lines]
    assert list(readings["value"]) == [l["value"] for l in lines]


def test_a_killed_recording_is_readable_and_loses_at_most_the_open_group(tmp_path):
    rec = tmp_path / "sigkill.parquet"
    p = start_recording(rec, ["--record-interval", "500ms"])
    time.sleep(3.2)
    p.kill()
    out, _ = p.communicate(timeout=60)
    assert p.returncode == -signal.SIGKILL
    # A half-written part (what a kill during a write leaves) is hidden from the readers.
    (rec / ".part-999999.parquet.tmp").write_bytes(b"PAR1 cut short")
    df = pd.read_parquet(rec).sort_values("seq")
    readings = df[df["kind"] == "reading"]
    lines = printed(out)
    assert len(readings) > 50
    assert list(readings["value"]) == [l["value"] for l in lines[: len(readings)]]
    lost = lines[len(readings):]
    if lost:
        first = pd.Timestamp(lost[0]["timestamp"])
        last = pd.Timestamp(lines[-1]["timestamp"])
        assert (last - first).total_seconds() <= 0.5 + 0.7, (len(lost), first, last)
