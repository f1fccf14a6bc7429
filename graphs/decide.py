"""Ask the model for a schema-valid decision, whatever the backend and model can do.

1. ``with_structured_output(schema, method="json_schema")`` — grammar-constrained on
   llama.cpp and vLLM, strict on OpenAI. A backend that refuses it is asked in plain text
   for the next ``PLAIN_TEXT_SPELL`` decisions, then tried again (the fact is kept per
   backend, bounded); one unreadable structured reply only affects its own request.
2. The parser chain (:mod:`ponder.graphs.parsing`) over the raw reply.
3. One repair prompt that shows the model its own output and the validation error.

Nothing here raises for a bad reply: the caller gets ``value=None`` and the counters.
Transport errors (endpoint down, auth) propagate as :class:`ModelCallError`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ponder.agent.errors import PonderRuntimeError
from ponder.graphs.parsing import message_text, parse_message
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS, Prompts

T = TypeVar("T")
log = logging.getLogger(__name__)

# After a backend refuses a json_schema request, this many decisions are asked in plain
# text before json_schema is tried again: a server that was briefly misconfigured, or one
# odd refusal, must not degrade a long-lived process for good.
PLAIN_TEXT_SPELL = 25
_MAX_BACKENDS = 64


@dataclass
class StructuredSupport:
    """What one backend (model type, model name, endpoint) showed about json_schema
    requests. Shared by copies of a model (``hotter()``), kept per backend, not per object."""

    refusals: int = 0  # json_schema requests the backend refused, in all
    plain_left: int = 0  # decisions still to ask in plain text before trying again
    unsupported: bool = False  # the model class has no structured output at all

    def use_json_schema(self) -> bool:
        if self.unsupported:
            return False
        if self.plain_left > 0:
            self.plain_left -= 1
            return False
        return True

    def refused(self, key: str, reason: object) -> None:
        self.refusals += 1
        self.plain_left = PLAIN_TEXT_SPELL
        log.warning("json_schema request refused by %s (%s); asking in plain text for the "
                    "next %d decisions", key, str(reason)[:200], PLAIN_TEXT_SPELL)


_SUPPORT: OrderedDict[str, StructuredSupport] = OrderedDict()


def backend_key(model: BaseChatModel) -> str:
    """The backend a model talks to: its class, model name and endpoint."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or ""
    base = getattr(model, "openai_api_base", None) or getattr(model, "base_url", None) or ""
    return f"{type(model).__name__}:{name}@{base}"


def structured_support(model: BaseChatModel) -> StructuredSupport:
    """The json_schema facts for ``model``'s backend (a bounded LRU of backends)."""
    key = backend_key(model)
    record = _SUPPORT.pop(key, None) or StructuredSupport()
    _SUPPORT[key] = record
    while len(_SUPPORT) > _MAX_BACKENDS:
        _SUPPORT.popitem(last=False)
    return record


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
    """The json_schema route; None when it is not used for this request (the backend
    refused json_schema lately, or this one reply could not be read: then the caller asks
    in plain text)."""
    support = structured_support(model)
    if not support.use_json_schema():
        return None
    try:
        runnable = model.with_structured_output(schema, method="json_schema", include_raw=True)
    except (NotImplementedError, ValueError, TypeError):
        support.unsupported = True
        return None
    try:
        out = await runnable.ainvoke(list(messages))
    except Exception as exc:
        if _is_transport_error(exc):
            raise ModelCallError(f"model call failed: {exc}", operation="chat") from exc
        if _is_refusal(exc):
            support.refused(backend_key(model), exc)
        else:  # one malformed reply (client-side parsing failed): this request only
            log.info("structured reply unreadable (%s); asking in plain text", str(exc)[:200])
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


def _is_refusal(exc: Exception) -> bool:
    """The backend rejected the request itself (HTTP 400/422, "not supported"), as opposed
    to answering it with a reply that could not be parsed."""
    if type(exc).__name__ in {"BadRequestError", "UnprocessableEntityError", "NotFoundError"}:
        return True
    status = getattr(exc, "status_code", None)
    return status in (400, 404, 422) or "not supported" in str(exc).lower()


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
    reader: Callable[[str], Any] | None = None,
) -> tuple[Any, AIMessage, str]:
    """One request: the json_schema route when the backend has it (not when a ``reader``
    of plain text is given), else plain text, then the ``reader`` (if any) and the parser
    chain. Returns (value or None, the raw reply, the parse error)."""
    got = None if reader is not None else await _structured(model, messages, schema)
    if got is not None:
        parsed, raw = got
        _count(usage, raw)
        if isinstance(parsed, schema):
            return parsed, raw, ""
    else:
        raw = await _plain(model, messages)
        _count(usage, raw)
        if reader is not None and (obj := reader(message_text(raw))) is not None:
            try:
                return schema.model_validate(obj), raw, ""
            except ValueError:
                pass  # then the JSON chain, as for any reply
    outcome = parse_message(raw, schema, coerce=coerce, fallback=fallback)
    return outcome.value, raw, outcome.error


def _repair_prompt(raw: AIMessage, error: str, template: str) -> HumanMessage:
    text = message_text(raw) or str(raw.tool_calls or "")
    return HumanMessage(content=template.format(reply=text[:1500], problem=error))


async def decide(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    schema: type[T],
    *,
    coerce: Callable[[Any], Any] | None = None,
    fallback: Callable[[str], Any] | None = None,
    prompts: Prompts = DEFAULT_PROMPTS,
    reader: Callable[[str], Any] | None = None,
    repair: str | None = None,
) -> Decided[T]:
    """Get one ``schema`` object from the model; see the module docstring. The repair
    request is ``repair`` (a template with {reply} and {problem}), else
    ``prompts.reply_repair``. With a ``reader`` (plain text → object or None, for a
    format that is not JSON) the model is asked in plain text and the reader goes first."""
    usage: dict[str, int] = {}
    value, raw, error = await _attempt(model, messages, schema, usage, coerce, fallback, reader)
    if value is not None:
        return Decided(value, message_text(raw), usage)
    usage["repairs"] = 1
    if reader is not None and error == "the reply contained no JSON object":
        error = "the reply contained no action"
    retry = [*messages, raw, _repair_prompt(raw, error, repair or prompts.reply_repair)]
    value, raw, _ = await _attempt(model, retry, schema, usage, coerce, fallback, reader)
    if value is None:
        usage["parse_failures"] = 1
    return Decided(value, message_text(raw), usage)
