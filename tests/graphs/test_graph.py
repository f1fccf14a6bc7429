"""Whole runs through the compiled graph with the scripted model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graph_helpers import EchoTool, ScriptedChecker, act, answer, plan
from langgraph.checkpoint.memory import InMemorySaver

from ponder.agent.errors import UserError
from ponder.agent.settings import BudgetSettings, Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.events import to_event
from ponder.testing import ScriptedChatModel

# These tests are about the tool loop's mechanics, so the direct answer (candidate 0) is
# switched off; tests/graphs/test_direct.py covers the default path.
LOOP = Settings(direct_answer=False)


async def run(graph: Any, question: str = "say hi", **config: Any) -> tuple[dict, list[dict]]:
    events: list[dict] = []
    final: dict = {}
    cfg = {"configurable": {"thread_id": "t1"}} if config.get("thread") else None
    async for mode, chunk in graph.astream(
        {"task": {"question": question}}, cfg, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            final = chunk
    return final, events


async def test_tool_then_accepted_answer_is_verified() -> None:
    model = ScriptedChatModel([plan(("echo", "echo")), act("echo", "hi"), answer("HI")])
    checker = ScriptedChecker(["accept"])
    state, events = await run(build_graph(model, [EchoTool()], checkers=[checker], settings=LOOP))
    model.assert_complete()
    assert state["final"]["answer"] == "HI" and state["final"]["verified"]
    assert [e["type"] for e in events] == [
        "plan", "thought", "tool_call", "observation", "thought", "candidate", "verdict",
        "usage", "final",
    ]
    for e in events:
        to_event(e)  # every emitted dict is a valid typed event
    # the checker saw the observation the answer came from
    assert checker.seen[0].trajectory[0]["observation"] == "HI"


async def test_rejection_sends_the_critique_back_and_repeated_rejection_replans() -> None:
    model = ScriptedChatModel([
        plan(("guess", "none")), answer("5"),          # rejected once → think
        answer("6"),                                   # rejected twice → re-plan
        plan(("compute", "echo")), answer("4"),        # accepted
    ])
    checker = ScriptedChecker(["reject", "reject", "accept"])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_verify_rounds=5, replan_after_rejections=2))
    state, events = await run(build_graph(model, [EchoTool()], checkers=[checker], settings=settings))
    model.assert_complete()
    assert state["final"]["answer"] == "4" and state["final"]["verified"]
    assert "rejected: scripted reject" in model.calls[2][-1].content  # critique reached think
    assert [e["replan"] for e in events if e["type"] == "plan"] == [False, True]
    assert state["usage"]["replans"] == 1 and state["usage"]["rejections"] == 2


async def test_verify_round_cap_returns_the_best_candidate_unverified() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("5"), answer("6")])
    checker = ScriptedChecker(["reject", "reject"])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_verify_rounds=2, replan_after_rejections=5))
    state, _ = await run(build_graph(model, [], checkers=[checker], settings=settings))
    final = state["final"]
    assert final["status"] == "unverified" and final["answer"] == "6"
    assert "rejection" in final["reason"]


async def test_step_budget_forces_an_answer_on_the_last_step() -> None:
    model = ScriptedChatModel([plan(("x", "echo")), act("echo", "1"), act("echo", "2"), answer("2")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_steps=3))
    state, _ = await run(build_graph(model, [EchoTool()], settings=settings, checkers=[]))
    model.assert_complete()
    assert state["final"]["answer"] == "2" and state["final"]["status"] == "unverified"
    assert state["usage"]["steps"] == 3


async def test_a_model_that_only_emits_garbage_ends_failed_not_crashed() -> None:
    model = ScriptedChatModel(["nonsense"] * 20)
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_steps=4))
    state, _ = await run(build_graph(model, [EchoTool()], settings=settings))
    final = state["final"]
    assert final["status"] == "failed" and final["verified"] is False
    assert final["usage"]["parse_failures"] == 5  # the plan and four think steps
    assert "step budget (4) spent" in final["reason"]


@pytest.mark.parametrize("garbage", [
    '{"thought": "t", "tool": "python", "input": "' + "[" * 3000,  # cut off, nested too deep
    "[" * 5000,
    "-" * 6000 + "1",  # Python whose parse runs out of memory
])
async def test_pathological_replies_are_counted_failures_not_crashes(garbage: str) -> None:
    model = ScriptedChatModel([garbage] * 20)
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_steps=3))
    state, _ = await run(build_graph(model, [EchoTool()], settings=settings))
    assert state["final"]["status"] == "failed" and state["final"]["verified"] is False
    assert state["final"]["usage"]["parse_failures"] == 4  # the plan and three think steps


async def test_tool_call_budget_leaves_only_the_answer() -> None:
    model = ScriptedChatModel([plan(("x", "echo")), act("echo", "1"), answer("1")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_tool_calls=1))
    tool = EchoTool()
    state, _ = await run(build_graph(model, [tool], settings=settings, checkers=[]))
    assert tool.calls == ["1"] and state["final"]["answer"] == "1"
    assert "- echo:" in model.calls[1][0].content
    assert "- echo:" not in model.calls[2][0].content  # echo is no longer offered


async def test_runs_checkpoint_and_a_thread_keeps_its_state() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("4")])
    graph = build_graph(model, [], checkpointer=InMemorySaver(), checkers=[], settings=LOOP)
    await run(graph, thread=True)
    snapshot = await graph.aget_state({"configurable": {"thread_id": "t1"}})
    assert snapshot.values["final"]["answer"] == "4" and not snapshot.next


def test_invalid_tools_are_a_user_error() -> None:
    with pytest.raises(UserError, match="not a tool"):
        build_graph(ScriptedChatModel([]), [object()])  # type: ignore[list-item]
    with pytest.raises(UserError, match="two tools"):
        build_graph(ScriptedChatModel([]), [EchoTool(), EchoTool()])


def test_ainvoke_returns_the_final_state_for_embedders() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("4")])
    graph = build_graph(model, [], checkers=[], settings=LOOP)
    import asyncio
    state = asyncio.run(graph.ainvoke({"task": {"question": "2+2"}}))
    assert state["final"]["answer"] == "4"


class SlowAfterPlanModel(ScriptedChatModel):
    """Answers the plan at once, then takes 30 s per call (the run's time budget is 1 s)."""

    async def _agenerate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                         **kwargs: Any) -> Any:
        if self.calls:
            await asyncio.sleep(30)
        return self._generate(messages, stop=stop, **kwargs)


async def test_the_time_budget_holds_during_a_model_call() -> None:
    model = SlowAfterPlanModel([plan(("x", "echo")), act("echo", "1"), answer("1")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_seconds=1))
    state, events = await run(build_graph(model, [EchoTool()], settings=settings, checkers=[]))
    final = state["final"]
    assert final["status"] == "failed" and "time budget (1 s) spent" in final["reason"]
    assert [e["node"] for e in events if e["type"] == "budget"] == ["think"]
    assert state["usage"]["seconds"] >= 1


class SlowChecker:
    name = "slow"

    async def check(self, item: Any) -> Any:
        await asyncio.sleep(30)


async def test_a_check_cut_off_by_the_time_budget_withholds_acceptance() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("4")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_seconds=1))
    graph = build_graph(model, [], settings=settings,
                        checkers=[ScriptedChecker(["accept"]), SlowChecker()])
    state, events = await run(graph)
    assert state["final"]["answer"] == "4" and state["final"]["verified"] is False
    slow = [e for e in events if e["type"] == "verdict" and e["checker"] == "slow"]
    assert slow[0]["status"] == "unverified" and slow[0]["blocks"] is True
    assert "time budget ran out" in slow[0]["reason"]
