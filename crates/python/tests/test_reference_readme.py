"""pacsys 0.3.0's README examples, run with ``pacsys_rs`` in place of ``pacsys`` against the
simulator (the default backend from ``PACSYS_DPM_HOST``/``PACSYS_DPM_PORT``).

The examples are read from the reference's own package metadata (``cargo xtask ci`` passes
its path in ``PACSYS_REFERENCE_METADATA``; the interop run installs pacsys 0.3.0), so they
are the published text. Each example runs as its own script, all at once; the only lines
changed are the ones the crate README lists (``DIFFERS`` below), each with its reason.
"""

import os
import re
import subprocess
import sys
import textwrap

import pytest

# (example, line as published, line run instead or None to drop it, why).
DIFFERS = [
    (0, "info = dev.info()", None, "DevDB device information is not part of pacsys-rs"),
    (0, "print(info.description)                # \"Outside temperature\"", None, "DevDB"),
    (0, "print(info.reading.common_units)       # \"DegF\"", None, "DevDB"),
    (0, "print(info.reading.min_val)            # 0.0", None, "DevDB"),
    (
        1,
        "with pacsys.dpm(auth=pacsys.KerberosAuth(), role=\"testing\") as backend:",
        "with pacsys.dpm(role=\"testing\") as backend:",
        "a build without the kerberos feature refuses KerberosAuth (the simulator takes unsigned settings)",
    ),
    (
        1,
        "backend.write(\"Z:ACLTST\", 72.5)",
        "backend.write(\"G:AMANDA\", 72.5)",
        "the simulator's Z:ACLTST is an array device (a scalar setting has the wrong length)",
    ),
    (
        2,
        "async with aio.dpm(auth=pacsys.KerberosAuth()) as backend:",
        "async with aio.dpm() as backend:",
        "as above",
    ),
    (
        2,
        "await backend.write(\"Z:ACLTST\", 72.5)",
        "await backend.write(\"G:AMANDA\", 72.5)",
        "as above (the simulator's device table)",
    ),
]

# Runs the published module names against pacsys_rs.
PRELUDE = """\
import sys, asyncio
import pacsys_rs, pacsys_rs.aio
sys.modules["pacsys"] = pacsys_rs
sys.modules["pacsys.aio"] = pacsys_rs.aio
"""


def examples():
    path = os.environ.get("PACSYS_REFERENCE_METADATA")
    if not path or not os.path.isfile(path):
        pytest.fail(
            "PACSYS_REFERENCE_METADATA must name pacsys 0.3.0's METADATA "
            "(cargo xtask ci sets it from the interop environment)"
        )
    with open(path, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


def script(n, text):
    for example, published, instead, _why in DIFFERS:
        if example != n:
            continue
        lines = text.splitlines()
        hits = [i for i, line in enumerate(lines) if line.strip() == published]
        assert len(hits) == 1, f"example {n} no longer has {published!r}"
        indent = lines[hits[0]][: len(lines[hits[0]]) - len(lines[hits[0]].lstrip())]
        if instead is None:
            del lines[hits[0]]
        else:
            lines[hits[0]] = indent + instead
        text = "\n".join(lines) + "\n"
    if n == 2:
        # Top-level `await` needs a coroutine: the example becomes its body, unchanged.
        text = "async def main():\n" + textwrap.indent(text, "    ") + "\nasyncio.run(main())\n"
    return PRELUDE + text


def test_the_readme_examples_run(simulator, tmp_path):
    blocks = examples()
    assert len(blocks) == 5, "pacsys 0.3.0's README has five examples"
    # 3 (SSH) and 4 (pacsys.exp helpers) are not part of pacsys_rs; see the crate README.
    env = dict(os.environ)
    env.update(PACSYS_DPM_HOST="127.0.0.1", PACSYS_DPM_PORT=str(simulator.dpm_port), PACSYS_BACKEND="dpm")
    procs = []
    for n in (0, 1, 2):
        path = tmp_path / f"example_{n}.py"
        path.write_text(script(n, blocks[n]))
        procs.append(
            (n, subprocess.Popen([sys.executable, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        )
    for n, p in procs:
        try:
            out, err = p.communicate(timeout=120)
        finally:
            p.kill()
        assert p.returncode == 0, f"example {n} failed:\n{err}"
        if n == 0:
            assert "72.5 DegF" in out
        if n == 1:
            assert "Temperature: 72.5" in out and "M:OUTTMP: 72.5" in out
        if n == 2:
            assert "M:OUTTMP: 72.5" in out
