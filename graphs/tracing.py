"""OpenTelemetry spans for a run: one per node, model call, tool call and check.

Off by default and free when off: without ``opentelemetry-api`` installed, or with no
tracer provider configured (OpenTelemetry's default is a no-op), nothing is recorded.
Spans go to whatever provider the process has: an embedding application's own, or the
one :func:`configure` sets up from ``settings.otlp_endpoint`` (or the standard
``OTEL_EXPORTER_OTLP_ENDPOINT``) with an OTLP/HTTP exporter. :func:`use_provider` points
Ponder at a provider of its own (tests use an in-memory exporter this way).

Span names: ``ponder.node.<node>``, ``ponder.model`` (attributes ``gen_ai.usage.*``),
``ponder.tool.<tool>`` and ``ponder.check.<checker>`` (attribute ``ponder.verdict``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult
from langgraph.errors import GraphBubbleUp

log = logging.getLogger(__name__)

try:
    from opentelemetry import trace as _trace
except ImportError:  # pragma: no cover - the api comes with langgraph-api and ponder[otel]
    _trace = None  # type: ignore[assignment]

_provider: Any = None
_configured = False


def use_provider(provider: Any) -> None:
    """Record Ponder's spans with ``provider`` (None: the process's global provider)."""
    global _provider
    _provider = provider


def _tracer() -> Any:
    if _trace is None:
        return None
    provider = _provider if _provider is not None else _trace.get_tracer_provider()
    return provider.get_tracer("ponder")


@contextlib.contextmanager
def span(name: str, **attributes: Any) -> Iterator[Any]:
    """A span named ``name`` around the block (a no-op when tracing is off)."""
    tracer = _tracer()
    if tracer is None:
        yield None
        return
    with tracer.start_as_current_span(name, record_exception=False,
                                      set_status_on_exception=False) as current:
        set_attributes(current, **attributes)
        try:
            yield current
        except GraphBubbleUp:  # an approval interrupt pauses the run: not an error
            current.set_attribute("ponder.interrupted", True)
            raise
        except BaseException as exc:
            current.record_exception(exc)
            current.set_status(_trace.Status(_trace.StatusCode.ERROR, type(exc).__name__))
            raise


def set_attributes(current: Any, **attributes: Any) -> None:
    """Add attributes to a span from :func:`span` (None: tracing is off)."""
    if current is None:
        return
    for key, value in attributes.items():
        if value is not None:
            current.set_attribute(key, value)


def configure(endpoint: str | None) -> bool:
    """Export spans over OTLP/HTTP to ``endpoint`` (or ``OTEL_EXPORTER_OTLP_ENDPOINT``),
    unless the process already has a tracer provider. Returns whether spans are exported
    now. Raises UserError when the exporter is not installed."""
    global _configured
    endpoint = endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not endpoint or _configured:
        return _configured
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        from ponder.agent.errors import UserError

        raise UserError("tracing needs OpenTelemetry: pip install 'ponder[otel]'") from None
    assert _trace is not None
    if type(_trace.get_tracer_provider()).__name__ not in ("ProxyTracerProvider",
                                                         "NoOpTracerProvider"):
        _configured = True  # the application set up its own: use it
        return True
    url = endpoint.rstrip("/")
    if not url.endswith("/v1/traces"):
        url += "/v1/traces"
    provider = TracerProvider(resource=Resource.create({"service.name": "ponder"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    _trace.set_tracer_provider(provider)
    _configured = True
    return True


class ModelSpans(BaseCallbackHandler):
    """A LangChain callback that records each chat-model call as a ``ponder.model`` span
    with its token counts (added to a run's callbacks by the graph). The span is made
    when the call ends, from the start time and context noted when it began, so a call
    that is cancelled (the time budget) leaves no open span behind."""

    run_inline = True  # in the node's context, so the span nests under the node's
    MAX_PENDING = 1000  # calls begun and not ended (cancelled ones are never told)

    def __init__(self) -> None:
        super().__init__()
        self._pending: OrderedDict[UUID, tuple[int, Any, str]] = OrderedDict()

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *,
                            run_id: UUID, **kwargs: Any) -> None:
        if _trace is None:
            return
        from opentelemetry import context

        name = (kwargs.get("invocation_params") or {}).get("model") or \
            (serialized or {}).get("name", "")
        self._pending[run_id] = (time.time_ns(), context.get_current(), str(name))
        while len(self._pending) > self.MAX_PENDING:
            self._pending.popitem(last=False)

    def _finish(self, run_id: UUID, **attributes: Any) -> None:
        begun = self._pending.pop(run_id, None)
        tracer = _tracer()
        if begun is None or tracer is None:
            return
        started, parent, model = begun
        current = tracer.start_span("ponder.model", context=parent, start_time=started,
                                    attributes={"gen_ai.request.model": model})
        set_attributes(current, **attributes)
        current.end()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        first = response.generations[0] if response.generations else []
        message = first[0].message if first and isinstance(first[0], ChatGeneration) else None
        meta = getattr(message, "usage_metadata", None) or {}
        self._finish(run_id, **{"gen_ai.usage.input_tokens": int(meta.get("input_tokens", 0)),
                                "gen_ai.usage.output_tokens": int(meta.get("output_tokens", 0))})

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, **{"error.type": type(error).__name__})
