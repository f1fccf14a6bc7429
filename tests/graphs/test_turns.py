"""Every input to the compiled graph is a new turn: a reused thread never answers with the
previous turn's state, keeps the conversation, and bad input gets a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from graph_helpers import ScriptedChecker, answer, plan
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.program import IndependentProgramChecker
from ponder.graphs.nodes.start import GraphInputError
from ponder.sandbox.protocol import ExecutionResult
from ponder.testing import FunctionChatModel, ScriptedChatModel

CONFIG = {"configurable": {"thread_id": "t"}}


def _graph(model: Any, checker: Any, **settings: Any) -> Any:
    return build_graph(model, [], checkers=[checker], checkpointer=InMemorySaver(),
                       settings=Settings(**{"bare_answer": False, **settings}))


async def test_second_turn_on_a_reused_thread_answers_the_new_question() -> None:
    model = ScriptedChatModel(["17*23 = 391\nAnswer: 391", "Answer: 1048576"])
    graph = _graph(model, ScriptedChecker(["accept", "accept"]))
    first = await graph.ainvoke({"task": {"question": "What is 17*23?"}}, CONFIG)
    second = await graph.ainvoke({"task": {"question": "What is 2**20?"}}, CONFIG)
    model.assert_complete()
    assert first["final"]["answer"] == "391"
    assert second["final"]["answer"] == "1048576"
    assert [c["answer"] for c in second["candidates"]] == ["1048576"]
    assert [v["candidate"] for v in second["verdicts"]] == [0]
    assert second["usage"]["model_calls"] == 1  # this turn's direct answer only
    # the conversation is kept: the second turn's prompt shows the first turn
    assert "Q: What is 17*23?\nA: 391" in model.calls[1][-1].content
    assert second["history"] == [
        {"question": "What is 17*23?", "answer": "391"},
        {"question": "What is 2**20?", "answer": "1048576"},
    ]


async def test_the_same_question_again_is_a_new_turn_not_a_replay() -> None:
    model = ScriptedChatModel(["Answer: 1", "Answer: 2"])
    graph = _graph(model, ScriptedChecker(["accept", "accept"]))
    await graph.ainvoke({"task": {"question": "pick a number"}}, CONFIG)
    again = await graph.ainvoke({"task": {"question": "pick a number"}}, CONFIG)
    model.assert_complete()
    assert again["final"]["answer"] == "2" and len(again["candidates"]) == 1


@pytest.mark.parametrize("bad", [
    {"question": "What is 2**20?"},
    {"task": {}},
    {"task": {"question": "  "}},
    {"task": {"question": "x", "kind": "essay"}},
    {"task": "What is 2**20?"},
])
async def test_bad_input_names_the_expected_shape(bad: dict[str, Any]) -> None:
    model = ScriptedChatModel([])
    graph = _graph(model, ScriptedChecker([]))
    with pytest.raises(GraphInputError, match=r"question"):
        await graph.ainvoke(bad, CONFIG)
    assert model.calls == []


async def test_bad_input_after_a_finished_turn_does_not_rerun_the_old_task() -> None:
    model = ScriptedChatModel(["Answer: 391"])
    graph = _graph(model, ScriptedChecker(["accept"]))
    await graph.ainvoke({"task": {"question": "What is 17*23?"}}, CONFIG)
    with pytest.raises(GraphInputError, match=r'"task"'):
        await graph.ainvoke({"question": "What is 2**20?"}, CONFIG)
    model.assert_complete()


class _PrintingSandbox:
    """Runs nothing; "prints" a fixed output. Enough to see what the checker asked."""

    def __init__(self, output: str) -> None:
        self.output = output

    async def __aenter__(self) -> _PrintingSandbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, code: str, timeout: float | None = None) -> ExecutionResult:
        return ExecutionResult(stdout=self.output + "\n", duration=0.0)


async def test_checkers_that_ask_the_model_see_the_earlier_turns() -> None:
    prompts: list[str] = []

    def reply(messages: list[BaseMessage]) -> str:
        prompts.append(str(messages[-1].content))
        return "```python\nprint(17 * 23 * 2)\n```"

    checker = IndependentProgramChecker(FunctionChatModel(reply), lambda: _PrintingSandbox("782"))
    step = {"index": 0, "thought": "", "action": {"tool": "python", "args": {}},
            "observation": "782", "ok": True, "sources": [], "artifacts": [], "kind": "python",
            "python": {"code": "print(391 * 2)", "stdout": "782\n", "value": None,
                       "error": None, "ran": ["print(391 * 2)"]}}
    model = ScriptedChatModel([
        plan(("multiply", "none")), answer("391"),
        plan(("double", "none")), answer("782"),
    ])

    seen: list[CheckInput] = []

    class Recording:
        name = "recording"

        async def check(self, item: CheckInput) -> Any:
            seen.append(item)
            return await checker.check(item.model_copy(update={"trajectory": [step]}))

    graph = _graph(model, Recording(), direct_answer=False)  # the loop's checkers
    await graph.ainvoke({"task": {"question": "What is 17*23?"}}, CONFIG)
    state = await graph.ainvoke({"task": {"question": "Now double that"}}, CONFIG)
    assert "Q: What is 17*23?\nA: 391" in seen[1].context
    assert prompts and "What is 17*23?" in prompts[-1] and "Now double that" in prompts[-1]
    # the second program, shown the conversation, agrees (and agreement of two programs
    # of one model is no evidence, so the answer stands unverified, not rejected)
    assert state["final"]["answer"] == "782"
    assert [v["status"] for v in state["verdicts"]] == ["unverified"]


def test_earlier_turns_are_cut_to_a_length_in_every_prompt() -> None:
    """A long question or code answer was shown whole in every prompt of every later
    turn: a few such turns filled an 8k context and every later turn failed."""
    from ponder.graphs.prompts import render_history

    history = [{"question": "q" * 5_000, "answer": "a" * 20_000} for _ in range(10)]
    shown = render_history(history)
    assert shown.count("Q: ") == 4 and len(shown) < 4 * (600 + 1_500 + 200)
    assert "characters cut" in shown
    assert render_history([{"question": "Capital of France?", "answer": "Paris"}]).endswith(
        "Q: Capital of France?\nA: Paris")
