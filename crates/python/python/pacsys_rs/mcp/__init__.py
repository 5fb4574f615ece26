"""The MCP (Model Context Protocol) server of pacsys-rs, for AI assistants.

``python -m pacsys_rs.mcp [--config mcp.toml] [--sim] [--http 127.0.0.1:PORT]`` runs the
Rust server, ``pacsys mcp`` with the same arguments: this module only finds the ``pacsys``
command and replaces the Python process with it, so stdin and stdout (the MCP stdio
transport) pass straight through. The tools, the configuration and the safety model are
described in the pacsys-mcp README.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["find_cli", "main"]


def find_cli() -> str:
    """The ``pacsys`` command: ``$PACSYS_CLI``, else next to this Python, else on PATH."""
    configured = os.environ.get("PACSYS_CLI")
    if configured:
        return configured
    name = "pacsys.exe" if os.name == "nt" else "pacsys"
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which("pacsys")
    if found:
        return found
    raise SystemExit(
        "pacsys_rs.mcp: the `pacsys` command was not found; install it "
        "(cargo install --path crates/cli) or set PACSYS_CLI to its path"
    )


def main(argv: list[str] | None = None) -> None:
    """Replaces this process with ``pacsys mcp ARGS`` (never returns)."""
    args = sys.argv[1:] if argv is None else argv
    cli = find_cli()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cli, [cli, "mcp", *args])
