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
        # Claude's and VS Code's layouts say "type" ("stdio", "http", "sse") where the
        # adapters want "transport"; other keys they do not take (a "disabled" flag, a
        # description) would fail the load with a TypeError.
        if spec.get("disabled") is True:  # Cline's and Roo's layout: a server switched off
            continue
        named = spec.get("transport") or spec.get("type")
        transport = _TYPES.get(str(named), named) if named else (
            "stdio" if "command" in spec else "streamable_http")
        keys = _CONNECTION_KEYS.get(transport)
        if keys is None:
            raise ConfigError(f"mcpServers.{name}.transport", f"unknown transport "
                              f"{transport!r} (stdio, streamable_http, sse or websocket)",
                              source=str(path))
        connections[name] = {**{k: v for k, v in spec.items() if k in keys},
                             "transport": transport}
    if not connections:
        raise ConfigError("mcp_config", "every server in it is disabled", source=str(path))
    return connections


_TYPES = {"stdio": "stdio", "http": "streamable_http", "streamable_http": "streamable_http",
          "streamable-http": "streamable_http", "sse": "sse", "websocket": "websocket"}
_HTTP = frozenset({"url", "headers", "timeout", "sse_read_timeout", "session_kwargs", "auth"})
_CONNECTION_KEYS = {  # what each of the adapters' connection types takes from a file
    "stdio": frozenset({"command", "args", "env", "cwd", "encoding",
                        "encoding_error_handler", "session_kwargs"}),
    "streamable_http": _HTTP | {"terminate_on_close"},
    "sse": _HTTP,
    "websocket": frozenset({"url", "session_kwargs"}),
}
LOAD_TIMEOUT = 60.0
"""Seconds to list the servers' tools: a server that never answers its start-up ends the
start with a message instead of hanging it."""


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
        # One task per server, all cancelled when one fails or the time is up (the
        # adapters' own gather leaves the other servers' loads and processes running).
        loads = [asyncio.ensure_future(client.get_tools(server_name=name))
                 for name in connections]
        try:
            async with asyncio.timeout(LOAD_TIMEOUT):
                lists = await asyncio.gather(*loads)
        finally:
            for load in loads:
                load.cancel()
            await asyncio.gather(*loads, return_exceptions=True)
        return [tool for tools in lists for tool in tools]
    except TimeoutError:
        raise UserError(f"the MCP servers in {path} did not list their tools within "
                        f"{LOAD_TIMEOUT:g} s") from None
    except Exception as exc:
        raise UserError(f"could not load the tools of the MCP servers in {path}: "
                        f"{type(exc).__name__}: {exc}") from exc
