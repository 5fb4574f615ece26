"""The MCP server (`pacsys mcp`) in a real conversation with the Python `mcp` SDK's
clients (pinned in the test environment): over stdio (the SDK starts the process) and over
Streamable HTTP (the server on 127.0.0.1, any free port). Every process is stopped; every
wait is bounded.

Needs the `pacsys` command in PACSYS_CLI (set by `cargo xtask python`).
"""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

mcp = pytest.importorskip("mcp")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

CLI = os.environ.get("PACSYS_CLI")
pytestmark = pytest.mark.skipif(not CLI, reason="PACSYS_CLI (the pacsys command) is not set")

# Generous bound on one whole conversation (never a timing assertion).
BOUND = 120.0

TOOLS = {"read_device", "read_many", "device_info", "read_history", "watch", "write_device"}


def approving(tmp_path: Path) -> tuple[Path, Path]:
    """A configuration approving G:AMANDA in [0, 100], with an audit log."""
    audit = tmp_path / "audit.jsonl"
    config = tmp_path / "mcp.toml"
    config.write_text(
        f"""
allow_writes = true
[audit]
path = {json.dumps(str(audit))}
[[policy]]
type = "device_access"
mode = "allow"
action = "set"
patterns = ["G:AMANDA"]
[[policy]]
type = "value_range"
limits = [{{ pattern = "G:AMANDA", min = 0.0, max = 100.0 }}]
"""
    )
    return config, audit


async def call(session: ClientSession, tool: str, **args):
    result = await session.call_tool(tool, args)
    return result.is_error, result.structured_content


async def conversation(session: ClientSession, writes: bool) -> None:
    """The whole exchange: tools, a read, the refusals, and (with the approving
    configuration) a write read back."""
    await session.initialize()
    listed = await session.list_tools()
    assert {t.name for t in listed.tools} == TOOLS
    for t in listed.tools:
        assert t.input_schema["type"] == "object"
        assert t.description

    error, r = await call(session, "read_device", drf="M:OUTTMP")
    assert not error, r
    assert r["value"] == 72.5
    assert r["ok"] is True

    if not writes:
        error, r = await call(session, "write_device", drf="G:AMANDA", value=12.5)
        assert error, r
        assert r["decision"] == "denied"
        assert "allow_writes" in r["reason"]
        error, r = await call(session, "read_device", drf="G:AMANDA")
        assert r["value"] == 42.0, "the refused write changed nothing"
        return

    error, r = await call(session, "write_device", drf="G:AMANDA", value=12.5)
    assert not error, r
    assert r["ok"] is True
    error, r = await call(session, "read_device", drf="G:AMANDA")
    assert r["value"] == 12.5

    error, r = await call(session, "write_device", drf="G:AMANDA", value=1000)
    assert error, r
    assert r["decision"] == "denied"
    assert "100" in r["reason"]

    error, r = await call(session, "write_device", drf="M:OUTTMP", value=1.0)
    assert error, r
    assert r["policy"] == "default-deny"
    assert "M:OUTTMP" in r["reason"]

    error, r = await call(session, "read_device", drf="G:AMANDA")
    assert r["value"] == 12.5, "refused writes changed nothing"


def check_audit(audit: Path) -> None:
    """Each write decision is in the audit log, in order, with its values."""
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    sets = [line for line in lines if line["rpc"] == "Set" and line["event"] == "decision"]
    assert [s["decision"] for s in sets] == ["allowed", "denied", "denied"], sets
    assert sets[0]["drfs"] == ["G:AMANDA"] and sets[0]["values"] == [12.5]
    assert sets[1]["values"] == [1000.0]
    assert sets[2]["drfs"] == ["M:OUTTMP"]
    assert any(line["event"] == "result" and line["rpc"] == "Set" for line in lines)


async def over_stdio(
    args: list[str], writes: bool, command: str = CLI, env: dict | None = None
) -> None:
    params = StdioServerParameters(command=command, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await conversation(session, writes)


def test_stdio_read_only_by_default():
    asyncio.run(asyncio.wait_for(over_stdio(["--sim", "mcp"], writes=False), BOUND))


def test_stdio_writes_under_policies_and_audit(tmp_path):
    config, audit = approving(tmp_path)
    run = over_stdio(["--sim", "mcp", "--config", str(config)], writes=True)
    asyncio.run(asyncio.wait_for(run, BOUND))
    check_audit(audit)


def test_python_module_runs_the_same_server():
    """`python -m pacsys_rs.mcp` replaces itself with `pacsys mcp`."""
    pytest.importorskip("pacsys_rs")
    # The SDK starts servers with a minimal environment: name the command explicitly.
    env = {"PACSYS_CLI": CLI}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    run = over_stdio(
        ["-m", "pacsys_rs.mcp", "--sim"], writes=False, command=sys.executable, env=env
    )
    asyncio.run(asyncio.wait_for(run, BOUND))


def start_http(args: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [CLI, "--sim", "mcp", "--http", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline()  # the server prints READY before serving
    if not line.startswith("READY http="):
        proc.kill()
        proc.wait(timeout=30)
        pytest.fail(f"no READY line from pacsys mcp --http: {line!r}")
    return proc, line.strip().split("=", 1)[1]


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


async def over_http(url: str, writes: bool) -> None:
    async with streamable_http_client(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await conversation(session, writes)


def test_streamable_http_read_only_by_default():
    proc, url = start_http([])
    try:
        assert url.startswith("http://127.0.0.1:")
        asyncio.run(asyncio.wait_for(over_http(url, writes=False), BOUND))
    finally:
        stop(proc)


def test_streamable_http_writes_under_policies_and_audit(tmp_path):
    config, audit = approving(tmp_path)
    proc, url = start_http(["--config", str(config)])
    try:
        asyncio.run(asyncio.wait_for(over_http(url, writes=True), BOUND))
    finally:
        stop(proc)
    check_audit(audit)


def test_streamable_http_refuses_a_public_address_without_opt_in():
    done = subprocess.run(
        [CLI, "--sim", "mcp", "--http", "0.0.0.0:0"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "allow_plaintext_remote" in done.stderr
