"""Ask the model for a schema-valid decision, whatever the backend and model can do.

1. ``with_structured_output(schema, method="json_schema")`` — grammar-constrained on
   llama.cpp and vLLM, strict on OpenAI. Backends that cannot do it are remembered and
   asked in plain text from then on.
2. The parser chain (:mod:`ponder.graphs.parsing`) over the raw reply.
3. One repair prompt that shows the model its own output and the validation error.

Nothing here raises for a bad reply: the caller gets ``value=None`` and the counters.
Transport errors (endpoint down, auth) propagate as :class:`ModelCallError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ponder.agent.errors import PonderRuntimeError
from ponder.graphs.parsing import message_text, parse_message

T = TypeVar("T")
log = logging.getLogger(__name__)

# Models (by identity) whose backend refused a json_schema request: ask in plain text.
_NO_JSON_SCHEMA: set[int] = set()


class ModelCallError(PonderRuntimeError):
    """The chat model could not be reached or refused the request."""


@dataclass
class Decided(Generic[T]):
    """A parsed decision (or None) and what getting it cost."""

    value: T | None
    raw: str = ""
    usage: dict[str, int] = field(default_factory=dict)


def _count(usage: dict[str, int], message: BaseMessage | None) -> None:
    usage["model_calls"] = usage.get("model_calls", 0) + 1
    meta = getattr(message, "usage_metadata", None) or {}
    usage["prompt_tokens"] = usage.get("prompt_tokens", 0) + int(meta.get("input_tokens", 0))
    usage["completion_tokens"] = usage.get("completion_tokens", 0) + int(
        meta.get("output_tokens", 0)
    )


async def _structured(
    model: BaseChatModel, messages: Sequence[BaseMessage], schema: type[Any]
) -> tuple[Any, AIMessage] | None:
    """The json_schema route; None when the backend cannot do it."""
    if id(model) in _NO_JSON_SCHEMA:
        return None
    try:
        runnable = model.with_structured_output(schema, method="json_schema", include_raw=True)
    except (NotImplementedError, ValueError, TypeError):
        _NO_JSON_SCHEMA.add(id(model))
        return None
    try:
        out = await runnable.ainvoke(list(messages))
    except Exception as exc:
        if _is_transport_error(exc):
            raise ModelCallError(f"model call failed: {exc}", operation="chat") from exc
        log.info("json_schema request refused (%s); using plain text from now on", exc)
        _NO_JSON_SCHEMA.add(id(model))
        return None
    raw = out.get("raw") if isinstance(out, dict) else None
    if not isinstance(raw, AIMessage):
        return None
    return out.get("parsed"), raw


def _is_transport_error(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in {
        "APIConnectionError", "APITimeoutError", "AuthenticationError", "PermissionDeniedError",
        "ConnectError", "ConnectTimeout", "ReadTimeout", "RateLimitError",
    }


async def _plain(model: BaseChatModel, messages: Sequence[BaseMessage]) -> AIMessage:
    try:
        reply = await model.ainvoke(list(messages))
    except Exception as exc:
        raise ModelCallError(f"model call failed: {exc}", operation="chat") from exc
    if not isinstance(reply, AIMessage):
        reply = AIMessage(content=message_text(reply))
    return reply


async def _attempt(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    schema: type[Any],
    usage: dict[str, int],
    coerce: Callable[[Any], Any] | None,
    fallback: Callable[[str], Any] | None,
) -> tuple[Any, AIMessage, str]:
    """One request: the json_schema route when the backend has it, else plain text, then
    the parser chain. Returns (value or None, the raw reply, the parse error)."""
    got = await _structured(model, messages, schema)
    if got is not None:
        parsed, raw = got
        _count(usage, raw)
        if isinstance(parsed, schema):
            return parsed, raw, ""
    else:
        raw = await _plain(model, messages)
        _count(usage, raw)
    outcome = parse_message(raw, schema, coerce=coerce, fallback=fallback)
    return outcome.value, raw, outcome.error


def _repair_prompt(raw: AIMessage, error: str) -> HumanMessage:
    text = message_text(raw) or str(raw.tool_calls or "")
    return HumanMessage(
        content=(
            "Your last reply could not be used.\n"
            f"Your reply was:\n{text[:1500]}\n"
            f"Problem: {error}\n"
            "Reply again with only one JSON object that fits the required format."
        )
    )


async def decide(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    schema: type[T],
    *,
    coerce: Callable[[Any], Any] | None = None,
    fallback: Callable[[str], Any] | None = None,
) -> Decided[T]:
    """Get one ``schema`` object from the model; see the module docstring."""
    usage: dict[str, int] = {}
    value, raw, error = await _attempt(model, messages, schema, usage, coerce, fallback)
    if value is not None:
        return Decided(value, message_text(raw), usage)
    usage["repairs"] = 1
    retry = [*messages, raw, _repair_prompt(raw, error)]
    value, raw, _ = await _attempt(model, retry, schema, usage, coerce, fallback)
    if value is None:
        usage["parse_failures"] = 1
    return Decided(value, message_text(raw), usage)
