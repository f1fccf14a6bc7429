"""Tools from MCP servers, loaded through ``langchain-mcp-adapters``.

The settings' ``mcp_config`` (or ``--mcp CONFIG``) names a JSON file in the common
``mcpServers`` layout::

    {"mcpServers": {"units": {"command": "python", "args": ["units_server.py"]},
                    "docs": {"url": "http://127.0.0.1:8000/mcp", "transport": "streamable_http"}}}

A server with a ``command`` talks over stdio; one with a ``url`` over streamable HTTP
unless it says otherwise. Every tool the servers list becomes a Ponder tool
(:mod:`ponder.tools.langchain`); each call opens its own session, so nothing is held
between calls.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from ponder.agent.errors import ConfigError, UserError

INSTALL = "MCP tools need langchain-mcp-adapters: pip install 'ponder[mcp]'"


def read_mcp_config(path: Path) -> dict[str, dict[str, Any]]:
    """The server connections ``path`` describes. Raises ConfigError naming the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("mcp_config", f"cannot be read: {exc.strerror}", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ConfigError("mcp_config", f"not valid JSON: {exc}", source=str(path)) from None
    servers = data.get("mcpServers", data) if isinstance(data, dict) else None
    if not isinstance(servers, dict) or not servers:
        raise ConfigError("mcp_config", 'needs {"mcpServers": {"name": {...}}}', source=str(path))
    connections: dict[str, dict[str, Any]] = {}
    for name, spec in servers.items():
        if not isinstance(spec, dict) or not ("command" in spec or "url" in spec):
            raise ConfigError(f"mcpServers.{name}", "needs a 'command' or a 'url'",
                              source=str(path))
        transport = spec.get("transport") or ("stdio" if "command" in spec else "streamable_http")
        connections[name] = {**spec, "transport": transport}
    return connections


async def load_mcp_tools(path: Path) -> list[Any]:
    """The LangChain tools every server in ``path`` lists. Raises UserError when the
    adapters are missing or a server cannot be reached, ConfigError for a bad file."""
    try:
        from langchain_mcp_adapters.client import MultiServerMCPClient
    except ImportError:
        raise UserError(INSTALL) from None
    connections = await asyncio.to_thread(read_mcp_config, path)
    client = MultiServerMCPClient(connections)  # type: ignore[arg-type]
    try:
        return list(await client.get_tools())
    except Exception as exc:
        raise UserError(f"could not load the tools of the MCP servers in {path}: "
                        f"{type(exc).__name__}: {exc}") from exc
