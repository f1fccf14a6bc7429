"""The tool registry: the tools one run may call, looked up by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ponder.agent.errors import UserError
from ponder.tools.base import Tool, aclose_tool


class ToolRegistry:
    """An ordered set of tools with unique names."""

    def __init__(self, tools: Iterable[Tool | Any] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool | Any) -> None:
        """Add ``tool``: a Ponder tool, or a LangChain tool (``BaseTool``, ``@tool``,
        ``StructuredTool``, an MCP tool), which is wrapped. Raises UserError for anything
        else, a duplicate name, or the reserved name ``answer``."""
        from ponder.tools.langchain import as_ponder_tool

        tool = as_ponder_tool(tool)
        if not isinstance(tool, Tool):
            raise UserError(f"{tool!r} is not a tool (needs name, description, args_schema, call)")
        if tool.name in self._tools:
            raise UserError(f"two tools are named {tool.name!r}")
        if tool.name == "answer":
            raise UserError("'answer' is reserved for the final answer and cannot name a tool")
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    async def aclose(self) -> None:
        for tool in self._tools.values():
            await aclose_tool(tool)
