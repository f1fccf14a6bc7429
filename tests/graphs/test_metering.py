"""Metered checks: what checkers spend on the model and in sandboxes is part of the run's
usage, so the budget stops a run that its checks have spent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from graph_helpers import act, answer, plan
from langchain_core.messages import AIMessage
from pydantic import BaseModel

from ponder.agent.settings import BudgetSettings, Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.agreement import AgreementChecker, is_word_problem
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.code import CodeRerunChecker
from ponder.graphs.checkers.program import IndependentProgramChecker
from ponder.graphs.events import VerdictEvent, to_event
from ponder.graphs.metering import Meter, metered_model
from ponder.graphs.nodes.think import hotter
from ponder.sandbox.local import LocalSandbox
from ponder.sandbox.protocol import ExecutionResult
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Observation, ToolContext
from ponder.tools.python import PythonArgs

WORD_PROBLEM = ("A farmer has 12 rows of apple trees and there are 15 trees in every row. "
                "In a good season each of the trees gives 8 baskets of apples. How many "
                "baskets of apples does the farmer collect from all of his trees in one "
                "good season?")


def spent(input_tokens: int, output_tokens: int, text: str) -> AIMessage:
    return AIMessage(content=text, usage_metadata={
        "input_tokens": input_tokens, "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens})


class SamplingScriptedModel(ScriptedChatModel):
    temperature: float = 0.0


class PrintedPython:
    """A ``python`` tool that runs nothing: it "prints" ``output`` and reports
    ``seconds`` of sandbox time, as the real tool does."""

    name = "python"
    description = "run python code"
    args_schema: type[BaseModel] = PythonArgs

    def __init__(self, output: str, seconds: float = 0.0) -> None:
        self.output = output
        self.seconds = seconds

    async def call(self, args: Any, ctx: ToolContext) -> Observation:
        return Observation(tool=self.name, text=self.output, data={
            "code": args.code, "stdout": self.output + "\n", "value": None,
            "sandbox_seconds": self.seconds})


class TimedSandbox:
    """Runs nothing: "prints" ``output`` and reports ``seconds`` of execution."""

    def __init__(self, output: str, seconds: float) -> None:
        self.output = output
        self.seconds = seconds

    async def __aenter__(self) -> TimedSandbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, code: str, timeout: float | None = None) -> ExecutionResult:
        return ExecutionResult(stdout=self.output + "\n", duration=self.seconds)


class HangingSandbox(TimedSandbox):
    """Never finishes an execution."""

    def __init__(self) -> None:
        super().__init__("", 0.0)

    async def execute(self, code: str, timeout: float | None = None) -> ExecutionResult:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def run(graph: Any, question: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    final: dict[str, Any] = {}
    async for mode, chunk in graph.astream({"task": {"question": question}},
                                           stream_mode=["custom", "values"]):
        if mode == "custom":
            events.append(chunk)
        else:
            final = chunk
    return final, events


async def test_a_metered_model_counts_calls_and_tokens_of_its_hotter_copies_too() -> None:
    model = SamplingScriptedModel([spent(100, 7, "a"), spent(30, 2, "b"), "c"])
    meter = Meter()
    metered = metered_model(model, meter)
    await metered.ainvoke("first")
    warm = hotter(metered)
    assert warm is not None
    await warm.ainvoke("second, sampled")
    await model.ainvoke("the unmetered original")
    assert meter == Meter(model_calls=2, prompt_tokens=130, completion_tokens=9)
    assert model.callbacks is None  # the checker's own model is left as it was


async def test_a_checkers_model_tokens_are_run_usage_and_a_spent_token_budget_stops_it(
) -> None:
    assert is_word_problem(WORD_PROBLEM)
    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(12 * 15 * 8)"),
                               answer("1440")])
    words = ScriptedChatModel([spent(3000, 50, "12 * 15 = 180 trees ... Answer: 1400")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_tokens=2000))
    graph = build_graph(model, [PrintedPython("1440")], settings=settings,
                        checkers=[AgreementChecker(words)])
    state, events = await run(graph, WORD_PROBLEM)
    model.assert_complete()
    words.assert_complete()
    final, usage = state["final"], state["usage"]
    # The agreement check rejected 1440; with its 3050 tokens the budget is spent, so the
    # run ends there instead of going back to think.
    assert final["answer"] == "1440" and final["status"] == "unverified"
    assert "token budget (2000) spent" in final["reason"]
    assert usage["model_calls"] == 4 and usage["checker_model_calls"] == 1
    assert usage["checker_tokens"] == 3050 and usage["prompt_tokens"] >= 3000
    verdict = next(e for e in events if e["type"] == "verdict")
    assert verdict["usage"] == {"model_calls": 1, "prompt_tokens": 3000,
                                "completion_tokens": 50}
    event = to_event(verdict)
    assert isinstance(event, VerdictEvent) and event.usage == verdict["usage"]


async def test_a_checkers_sandbox_seconds_count_against_the_sandbox_budget() -> None:
    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(6 * 7)"),
                               answer("42")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_sandbox_seconds=1.0))
    graph = build_graph(model, [PrintedPython("42", seconds=0.4)], settings=settings,
                        checkers=[CodeRerunChecker(lambda: TimedSandbox("42", 0.7))])
    state, events = await run(graph, "What is 6 times 7?")
    model.assert_complete()
    usage = state["usage"]
    assert usage["checker_sandbox_seconds"] == pytest.approx(0.7)
    assert usage["sandbox_seconds"] == pytest.approx(1.1)  # the step's 0.4 and the re-run's
    assert "sandbox time budget (1 s) spent" in state["final"]["reason"]
    verdict = next(e for e in events if e["type"] == "verdict")
    assert verdict["usage"] == {"sandbox_seconds": 0.7}


async def test_a_check_cut_off_by_the_time_budget_still_counts_what_it_spent() -> None:
    question = "What is 2 to the power of 20?"
    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(2 ** 20)"),
                               answer("1048576")])
    second = ScriptedChatModel([spent(40, 10, "```python\nprint(1 << 20)\n```")])
    settings = Settings(direct_answer=False, budget=BudgetSettings(max_seconds=1))
    graph = build_graph(model, [PrintedPython("1048576")], settings=settings,
                        checkers=[IndependentProgramChecker(second, HangingSandbox)])
    state, events = await run(graph, question)
    second.assert_complete()
    verdict = next(e for e in events if e["type"] == "verdict")
    assert "time budget ran out" in verdict["reason"] and verdict["blocks"] is True
    usage = state["usage"]
    assert usage["checker_model_calls"] == 1 and usage["checker_tokens"] == 50
    assert usage["checker_sandbox_seconds"] > 0  # the hung run's seconds until the cut


@pytest.mark.filterwarnings("ignore::UserWarning")  # LocalSandbox warns loudly
async def test_a_real_sandbox_run_by_a_checker_is_metered(tmp_path: Path) -> None:
    code = "import time\ntime.sleep(0.2)\nprint(6 * 7)"
    step = {"index": 0, "thought": "", "action": {"tool": "python", "args": {"code": code}},
            "observation": "42", "ok": True, "sources": [], "artifacts": [],
            "data": {"code": code, "stdout": "42\n", "value": None}}
    checker = CodeRerunChecker(
        lambda: LocalSandbox(default_timeout=30, artifact_dir=tmp_path / "art"))
    meter = Meter()
    verdict = await checker.with_meter(meter).check(
        CheckInput(question="What is 6 times 7?", answer="42", trajectory=[step]))
    assert "reproduced the answer" in verdict.reason
    assert meter.sandbox_seconds >= 0.2 and meter.model_calls == 0
