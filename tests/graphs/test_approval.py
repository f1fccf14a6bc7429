"""Approval before model-written code runs: the run pauses with LangGraph's interrupt(),
a person approves, edits or rejects, and a rejection is an observation, never a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

import pytest
from graph_helpers import LookupPython, ScriptedChecker, act, answer, plan
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from ponder.agent.errors import UserError
from ponder.agent.facade import Agent
from ponder.agent.settings import Settings
from ponder.graphs.approval import CodeRejected, code_id, gated_sandboxes, parse
from ponder.graphs.builder import build_graph
from ponder.graphs.events import ApprovalEvent, FinalEvent
from ponder.sandbox.protocol import ExecutionResult
from ponder.testing import ScriptedChatModel

LOOP = Settings(direct_answer=False, approval=True)


def _pending(graph: Any, config: dict[str, Any]) -> list[Any]:
    return list(graph.get_state(config).interrupts)


async def test_a_rejected_step_is_told_to_the_model_and_an_edit_runs_instead() -> None:
    python = LookupPython({"print(6*8)": "48"})
    model = ScriptedChatModel([
        plan(("compute", "python")), act("python", "print(6*7)"),
        act("python", "print(6*7)"),  # asked again after the rejection
        answer("48"),
    ])
    graph = build_graph(model, [python], checkers=[ScriptedChecker(["accept"])],
                        settings=LOOP, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "a"}}
    await graph.ainvoke({"task": {"question": "What is 6*7?"}}, config)
    (first,) = (await graph.aget_state(config)).interrupts
    assert first.value["type"] == "approval" and first.value["code"] == "print(6*7)"
    assert first.value["id"] == code_id("print(6*7)") and python.ran == []

    await graph.ainvoke(Command(resume={"action": "reject", "reason": "not now"}), config)
    (second,) = (await graph.aget_state(config)).interrupts
    assert second.value["code"] == "print(6*7)" and python.ran == []
    # the model was told why nothing ran
    assert "rejected it (not now)" in model.calls[2][-1].content

    out = await graph.ainvoke(Command(resume={"action": "edit", "code": "print(6*8)"}), config)
    model.assert_complete()
    assert python.ran == ["print(6*8)"]
    assert out["final"]["answer"] == "48"
    step = out["trajectory"][-1]
    assert "edited it before it ran" in step["observation"]


class _Ran(TypedDict, total=False):
    ran: list[str]


def _one_node_graph(drafts: Iterator[str]) -> tuple[Any, list[str]]:
    """A graph whose one node runs the next draft in a gated sandbox (a re-run of the
    node drafts again, as a model asked again would); and what really ran."""
    ran: list[str] = []

    class Box:
        async def execute(self, code: str, *, timeout: float | None = None) -> ExecutionResult:
            ran.append(code)
            return ExecutionResult()

    @asynccontextmanager
    async def source() -> AsyncIterator[Box]:
        yield Box()

    gated = gated_sandboxes(source)

    async def node(state: _Ran) -> dict[str, Any]:
        async with gated() as box:
            try:
                await box.execute(next(drafts))
            except CodeRejected:
                return {"ran": ["rejected"]}
        return {"ran": list(ran)}

    builder = StateGraph(_Ran)
    builder.add_node("run", node)
    builder.add_edge(START, "run")
    builder.add_edge("run", END)
    return builder.compile(checkpointer=InMemorySaver()), ran


async def test_an_approval_of_other_code_is_asked_again() -> None:
    """A step that re-runs after the interrupt may produce other code: the approval of
    the first code by id must not let the second run unseen."""
    graph, ran = _one_node_graph(iter(["print(1)", "print(2)", "print(2)"]))
    config = {"configurable": {"thread_id": "b"}}
    await graph.ainvoke({"ran": []}, config)
    (asked,) = (await graph.aget_state(config)).interrupts
    assert asked.value["code"] == "print(1)"
    await graph.ainvoke(Command(resume={"action": "approve", "id": asked.value["id"]}), config)
    (again,) = (await graph.aget_state(config)).interrupts
    assert again.value["code"] == "print(2)" and ran == []
    out = await graph.ainvoke(Command(resume={"action": "reject", "reason": "no"}), config)
    assert out["ran"] == ["rejected"] and ran == []


async def test_an_approval_that_carries_its_code_runs_that_code() -> None:
    """A step that drafts new code on every re-run (a sampled program, a provider with no
    seed) would be asked about forever by id; the approved code itself ends that."""
    graph, ran = _one_node_graph(f"print({i})" for i in range(100))
    config = {"configurable": {"thread_id": "c"}}
    await graph.ainvoke({"ran": []}, config)
    (asked,) = (await graph.aget_state(config)).interrupts
    out = await graph.ainvoke(Command(resume=asked.value["resume"]["approve"]), config)
    assert out["ran"] == ran == [asked.value["code"]] == ["print(0)"]


async def test_a_tool_of_the_embedder_may_pause_the_run_too() -> None:
    from langchain_core.tools import tool
    from langgraph.types import interrupt

    @tool
    def ask_human(question: str) -> str:
        """Ask the person a question."""
        return str(interrupt({"type": "question", "text": question}))

    model = ScriptedChatModel([plan(("ask", "ask_human")), act("ask_human", "favourite number?"),
                               answer("7")])
    graph = build_graph(model, [ask_human], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "h"}}
    await graph.ainvoke({"task": {"question": "What is my favourite number?"}}, config)
    (asked,) = (await graph.aget_state(config)).interrupts
    assert asked.value == {"type": "question", "text": "favourite number?"}
    out = await graph.ainvoke(Command(resume="7"), config)
    assert "7" in out["trajectory"][0]["observation"] and out["final"]["answer"] == "7"


def test_rejected_code_is_never_replayed_by_a_check() -> None:
    from ponder.graphs.checkers.code import python_steps
    from ponder.graphs.steps import tool_step

    rejected = tool_step(index=0, thought="", tool="python", args={"code": "rm_all()"},
                         raw_input="rm_all()", observation="did not run", ok=False, sources=[], artifacts=[],
                         data={"code": "rm_all()", "stdout": "", "value": None, "error": None,
                               "rejected": True})
    ran = tool_step(index=1, thought="", tool="python", args={"code": "print(1)"},
                    raw_input="print(1)", observation="1", ok=True, sources=[], artifacts=[],
                    data={"code": "print(1)", "stdout": "1\n", "value": None, "error": None})
    assert [s["code"] for s in python_steps([rejected, ran])] == ["print(1)"]


def test_unreadable_decisions_reject() -> None:
    assert parse("yes please").action == "reject"
    assert parse({"action": "edit", "code": "  "}).action == "reject"
    assert parse({"action": "approve", "id": "x"}).action == "approve"


async def test_the_facade_asks_its_callback_and_the_run_goes_on() -> None:
    python = LookupPython({"print(6*7)": "42"})
    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(6*7)"),
                               answer("42")])
    asked: list[ApprovalEvent] = []

    async def approve(request: ApprovalEvent) -> dict[str, Any]:
        asked.append(request)
        return {"action": "approve", "id": request.id}

    agent = Agent(Settings(direct_answer=False), model=model, tools=[python],
                  checkers=[ScriptedChecker(["accept"])], persist=False, approve=approve)
    events = [e async for e in agent.astream("What is 6*7?", thread_id="f")]
    await agent.aclose()
    assert [a.code for a in asked] == ["print(6*7)"] and python.ran == ["print(6*7)"]
    assert isinstance(events[-1], FinalEvent) and events[-1].result["answer"] == "42"
    assert any(isinstance(e, ApprovalEvent) for e in events)


async def test_without_a_callback_the_stream_stops_at_the_approval_and_resumes_later() -> None:
    python = LookupPython({"print(6*7)": "42"})
    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(6*7)"),
                               answer("42")])
    agent = Agent(LOOP, model=model, tools=[python], checkers=[ScriptedChecker(["accept"])],
                  persist=False)
    events = [e async for e in agent.astream("What is 6*7?", thread_id="g")]
    assert isinstance(events[-1], ApprovalEvent) and python.ran == []
    # asked again, the run resumes at the same approval (nothing ran meanwhile)
    events = [e async for e in agent.astream("What is 6*7?", thread_id="g")]
    assert isinstance(events[-1], ApprovalEvent) and python.ran == []
    await agent.aclose()


async def test_arun_paused_at_an_approval_says_so() -> None:
    python = LookupPython({"print(6*7)": "42"})
    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(6*7)"),
                               answer("42")])
    async with Agent(LOOP, model=model, tools=[python], persist=False) as agent:
        with pytest.raises(UserError, match=r"waiting for a person to approve code.*approve="):
            await agent.arun("What is 6*7?")  # was: "the run ended without a result"
    assert python.ran == []


async def test_another_partys_tool_is_approved_before_each_call() -> None:
    """An MCP server's or LangChain tool (it may run code or write files) ran ungated with
    approval on: each call is now shown as its arguments, and a rejection or an edit is
    the person's."""
    from langchain_core.tools import tool as lc_tool

    from ponder.tools.langchain import LangChainTool

    calls: list[str] = []

    @lc_tool
    def shell(command: str) -> str:
        """Run a shell command."""
        calls.append(command)
        return f"ran {command}"

    model = ScriptedChatModel([
        plan(("do it", "shell")), act("shell", '{"command": "rm -rf /tmp/x"}'),
        act("shell", '{"command": "ls"}'), answer("done"),
    ])
    graph = build_graph(model, [LangChainTool(shell)], checkers=[ScriptedChecker(["accept"])],
                        settings=LOOP, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    await graph.ainvoke({"task": {"question": "Tidy up."}}, config)
    (first,) = (await graph.aget_state(config)).interrupts
    assert first.value["where"] == "shell" and "rm -rf /tmp/x" in first.value["code"]
    assert calls == []
    await graph.ainvoke(Command(resume={"action": "reject", "reason": "too risky"}), config)
    assert calls == [] and "rejected it (too risky)" in model.calls[2][-1].content
    (second,) = (await graph.aget_state(config)).interrupts
    out = await graph.ainvoke(Command(resume={"action": "edit",
                                              "code": '{"command": "ls -l"}'}), config)
    assert calls == ["ls -l"] and out["final"]["answer"] == "done"
    assert second.value["code"] != first.value["code"]
