"""LangChain tools as Ponder tools: ``BaseTool``, ``@tool`` functions, ``StructuredTool``,
and the tools ``langchain-mcp-adapters`` loads from MCP servers.

:func:`as_ponder_tool` wraps one; :class:`~ponder.tools.registry.ToolRegistry` does it by
itself for any LangChain tool it is given, so ``Agent(tools=[my_tool])`` and
``build_graph(model, [my_tool])`` just work. What a tool returns is shown to the model as
data in an untrusted frame like fetched web text's (delimiter look-alikes defused),
bounded in size; its description is one bounded line; a tool that raises or does not
answer within ``CALL_TIMEOUT`` becomes an observation that says so (a run never dies of
a tool).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

from langchain_core.tools import BaseTool
from langgraph.errors import GraphBubbleUp
from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, create_model

from ponder.agent.errors import UserError
from ponder.tools.base import Observation, ToolContext
from ponder.tools.web.safety import untrusted_line, wrap_untrusted

MAX_OUTPUT_CHARS = 5_500
"""Characters of a tool's output shown; with its frame it stays under the observation
cap (6,000), so the frame is never cut open and the cut count is the real one."""
MAX_DESCRIPTION_CHARS = 300
"""A tool's description goes into every system prompt: an external server's, however
long (or however it is worded), is one line of at most this many characters."""
CALL_TIMEOUT = 120.0
"""Seconds one call of an external tool may take (an MCP server that never answers)."""
_JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float,
                               "boolean": bool, "array": list, "object": dict}


def _model_from_json_schema(name: str, schema: dict[str, Any]) -> type[BaseModel]:
    """A pydantic model for a JSON-schema object (what MCP tools declare). A property
    whose name pydantic cannot use as a field (``_id``, ``model_config``, ``a-b``) gets
    another field name and keeps its own as the alias; a tool with no properties takes
    no input (whatever the model passes is ignored). Raises UserError naming the tool
    when the schema cannot be used."""
    required = set(schema.get("required") or [])
    properties = schema.get("properties") or {}
    fields: dict[str, Any] = {}
    for number, (key, spec) in enumerate(properties.items()):
        spec = spec if isinstance(spec, dict) else {}
        kind = _JSON_TYPES.get(str(spec.get("type")), Any)
        plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key) and not key.startswith("model_")
        field_name = key if plain else f"field_{number}"
        described = Field(... if key in required else spec.get("default"),
                          description=spec.get("description"),
                          alias=None if plain else key)
        fields[field_name] = (kind if key in required else kind | None, described)
    config = ConfigDict(extra="forbid" if properties else "ignore", populate_by_name=True)
    try:
        return create_model(f"{name}_args", __config__=config, **fields)
    except (PydanticUserError, TypeError, ValueError) as exc:
        raise UserError(f"tool {name!r}: its input schema cannot be used ({exc})") from None


def _args_model(tool: BaseTool) -> type[BaseModel]:
    schema = tool.args_schema
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema
    if isinstance(schema, dict):
        return _model_from_json_schema(tool.name, schema)
    model = tool.get_input_schema()
    assert issubclass(model, BaseModel)  # pydantic v1 models are not supported
    return model


def _text(result: Any) -> str:
    """What a LangChain tool returned, as text (MCP tools return content blocks)."""
    if isinstance(result, tuple) and len(result) == 2:  # content_and_artifact
        result = result[0]
    if isinstance(result, str):
        return result
    if isinstance(result, list):
        parts = []
        for block in result:
            if isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") in ("image", "audio", "file"):
                # Base64 is no text for a model: say what it was, not thousands of letters.
                data = block.get("data") or block.get("base64") or ""
                mime = block.get("mime_type") or block.get("mimeType") or "unknown type"
                parts.append(f"[{block['type']} ({mime}), {len(str(data))} characters of "
                             "data, not shown]")
            else:
                parts.append(json.dumps(block, default=str)[:1_000])
        return "\n".join(parts)
    content = getattr(result, "content", None)  # a ToolMessage
    if content is not None:
        return _text(content)
    try:
        return json.dumps(result, default=str)
    except (TypeError, ValueError):
        return str(result)


class LangChainTool:
    """One LangChain tool behind Ponder's tool protocol. Another party's tool may do
    anything (run code, write files): with approval on, each call is approved first."""

    needs_approval = True

    def __init__(self, tool: BaseTool, *, max_chars: int = MAX_OUTPUT_CHARS,
                 timeout: float = CALL_TIMEOUT) -> None:
        self.tool = tool
        self.name = tool.name
        self.description = untrusted_line(tool.description or tool.name,
                                          limit=MAX_DESCRIPTION_CHARS)
        self.args_schema = _args_model(tool)
        self.max_chars = max_chars
        self.timeout = timeout

    async def call(self, args: BaseModel, ctx: ToolContext) -> Observation:
        """Invoke the tool; its exceptions, errors and a call past ``timeout`` are
        observations for the model. What it returns, and what its errors say, is framed
        as data (an MCP server's text is not Ponder's)."""
        values = (args.model_dump(exclude_none=True, by_alias=True)
                  if isinstance(args, BaseModel) else args)
        # Called with a tool call, a tool answers with a ToolMessage whose status says
        # whether it failed (a tool that handles its own errors, as MCP tools do).
        call = {"name": self.name, "args": values, "id": uuid.uuid4().hex, "type": "tool_call"}
        limit = self.timeout if ctx.seconds_left is None else max(
            1.0, min(self.timeout, ctx.seconds_left))
        try:
            async with asyncio.timeout(limit):
                result = await self.tool.ainvoke(call)
        except GraphBubbleUp:  # the tool paused the run (LangGraph interrupt): let it
            raise
        except TimeoutError:
            return Observation(tool=self.name, ok=False, text=f"tool {self.name} did not "
                               f"answer within {limit:.3g} s; the call was cancelled")
        except Exception as exc:
            said = untrusted_line(f"{type(exc).__name__}: {exc}", limit=500)
            return Observation(tool=self.name, ok=False,
                               text=f"tool {self.name} failed: {said}")
        ok = getattr(result, "status", "success") != "error"
        text = _text(result)
        cut = len(text) - self.max_chars
        if cut > 0:
            text = text[: self.max_chars] + f"\n[... {cut} more characters cut ...]"
        return Observation(tool=self.name, ok=ok,
                           text=wrap_untrusted(text, source=f"tool {self.name}",
                                               kind="TOOL OUTPUT"),
                           data={"output": text})


def as_ponder_tool(tool: Any) -> Any:
    """``tool`` as a Ponder tool when it is a LangChain tool; anything else unchanged."""
    return LangChainTool(tool) if isinstance(tool, BaseTool) else tool
