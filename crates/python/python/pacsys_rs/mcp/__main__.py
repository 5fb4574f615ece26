"""``python -m pacsys_rs.mcp``: runs ``pacsys mcp`` with the same arguments."""

from pacsys_rs.mcp import main

main()
