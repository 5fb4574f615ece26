"""MonitorResult.to_dict/to_numpy/to_dataframe and ScanResult.to_dataframe: pacsys 0.3.0's
columns and index names, over the simulator."""

import numpy as np
import pandas as pd

from pacsys_rs.exp import Monitor, scan

DRFS = ["Z:BENCH0007@p,100", "Z:BENCH0042@p,100"]


def collected(backend):
    return Monitor(DRFS, backend=backend).collect(count=3, timeout=10)


def test_monitor_result_frames(simulator):
    with simulator.dpm(timeout=5.0) as b:
        result = collected(b)
    as_dict = result.to_dict()
    assert list(as_dict) == DRFS and all(len(v) >= 3 for v in as_dict.values())

    t, v = result.to_numpy("Z:BENCH0042@p,100")
    assert t.dtype == np.float64 and v.dtype == np.float64
    assert (v == 42.0).all() and len(t) == len(as_dict["Z:BENCH0042@p,100"])
    assert t[0] == as_dict["Z:BENCH0042@p,100"][0].timestamp.timestamp()

    one = result.to_dataframe("Z:BENCH0007@p,100")
    assert one.index.name == "timestamp" and list(one.columns) == ["value", "units"]
    assert (one["value"] == 7.0).all() and (one["units"] == "cnt").all()

    rel = result.to_dataframe("Z:BENCH0007@p,100", relative=True)
    assert rel.index.name == "elapsed_s"
    assert np.allclose(rel.index, [(t - result.started).total_seconds() for t in one.index])

    every = result.to_dataframe()
    assert list(every.columns) == ["drf", "value", "units", "timestamp"]
    assert len(every) == sum(result.counts.values())
    assert set(every["drf"]) == set(DRFS)
    assert list(result.to_dataframe(relative=True).columns) == ["drf", "value", "units", "elapsed_s"]


def test_scan_result_frame(simulator):
    with simulator.dpm(timeout=5.0) as b:
        result = scan("M:OUTTMP", ["Z:BENCH0005"], values=[61.0, 62.0, 63.0], settle=0.01, backend=b)
    assert not result.aborted
    df = result.to_dataframe()
    assert list(df.columns) == ["set_value", "Z:BENCH0005"]
    assert df["set_value"].tolist() == [61.0, 62.0, 63.0]
    assert (df["Z:BENCH0005"] == 5.0).all()
