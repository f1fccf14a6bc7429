"""OpenTelemetry spans of one run: nodes, model calls with tokens, tool calls and check
verdicts, nested under their nodes; and a run config's callbacks reach the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graph_helpers import LookupPython, ScriptedChecker, act, answer, plan
from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ponder.agent.facade import Agent
from ponder.agent.settings import Settings
from ponder.graphs import tracing
from ponder.testing import ScriptedChatModel

LOOP = Settings(direct_answer=False)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)


def _model() -> ScriptedChatModel:
    return ScriptedChatModel([plan(("compute", "python")), act("python", "print(6*7)"),
                              answer("42")])


async def test_one_run_records_node_model_tool_and_check_spans(
        spans: InMemorySpanExporter) -> None:
    agent = Agent(LOOP, model=_model(), tools=[LookupPython({"print(6*7)": "42"})],
                  checkers=[ScriptedChecker(["accept"])], persist=False)
    result = await agent.arun("What is 6*7?")
    await agent.aclose()
    assert result.answer == "42"
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    for expected in ("ponder.node.start", "ponder.node.plan", "ponder.node.think",
                     "ponder.node.act", "ponder.node.verify", "ponder.node.finalize",
                     "ponder.tool.python", "ponder.check.scripted", "ponder.model"):
        assert expected in names, names
    by_id = {s.context.span_id: s for s in finished}
    models = [s for s in finished if s.name == "ponder.model"]
    assert len(models) == 3  # plan, think, think
    assert all(s.attributes["gen_ai.usage.output_tokens"] > 0 for s in models)
    assert {by_id[s.parent.span_id].name for s in models} == {"ponder.node.plan",
                                                                "ponder.node.think"}
    (tool,) = [s for s in finished if s.name == "ponder.tool.python"]
    assert by_id[tool.parent.span_id].name == "ponder.node.act" and tool.attributes["ponder.ok"]
    (check,) = [s for s in finished if s.name == "ponder.check.scripted"]
    assert check.attributes["ponder.verdict"] == "accept"


def test_without_a_provider_nothing_is_recorded() -> None:
    with tracing.span("ponder.node.x") as current:
        assert not current.is_recording()


async def test_a_run_config_reaches_the_model_calls() -> None:
    class Count(BaseCallbackHandler):
        def __init__(self) -> None:
            self.starts = 0

        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            self.starts += 1

    counter = Count()
    agent = Agent(LOOP, model=_model(), tools=[LookupPython({"print(6*7)": "42"})],
                  checkers=[ScriptedChecker(["accept"])], persist=False)
    result = await agent.arun("What is 6*7?", config={
        "callbacks": [counter], "tags": ["t"], "configurable": {"thread_id": "from-config"}})
    await agent.aclose()
    assert counter.starts == 3 and result.thread_id == "from-config"


def test_a_configured_otlp_endpoint_receives_the_spans(tmp_path: Any) -> None:
    """In a child process (the global tracer provider can be set once per process)."""
    import subprocess
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[tuple[str, int]] = []

    class Collector(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((self.path, len(body)))
            self.send_response(200)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = tmp_path / "traced.py"
    script.write_text(
        "from opentelemetry import trace\n"
        "from ponder.graphs import tracing\n"
        f"assert tracing.configure('http://127.0.0.1:{server.server_address[1]}')\n"
        "with tracing.span('ponder.node.demo'):\n"
        "    pass\n"
        "trace.get_tracer_provider().force_flush()\n")
    try:
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             timeout=60)
    finally:
        server.shutdown()
    assert out.returncode == 0, out.stderr
    assert received and received[0][0] == "/v1/traces" and received[0][1] > 0


async def test_a_cancelled_model_call_leaves_no_open_span_and_interrupts_are_not_errors(
        spans: InMemorySpanExporter) -> None:
    import asyncio
    import uuid

    from langgraph.errors import GraphInterrupt

    handler = tracing.ModelSpans()
    for _ in range(handler.MAX_PENDING + 5):  # calls begun, then cancelled: never ended
        handler.on_chat_model_start({}, [], run_id=uuid.uuid4())
    assert len(handler._pending) == handler.MAX_PENDING
    assert spans.get_finished_spans() == ()
    with pytest.raises(GraphInterrupt), tracing.span("ponder.node.act"):
        raise GraphInterrupt(())
    (paused,) = spans.get_finished_spans()
    assert paused.attributes["ponder.interrupted"] and paused.status.is_ok
    await asyncio.sleep(0)
