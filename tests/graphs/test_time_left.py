"""Nothing a step starts on its own runs past the run's time budget: a python run is cut
at the time left, a failed program's probe and repair need time left to start, and a
repair call is cut off at the step's deadline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph_helpers import SlowModel
from pydantic import BaseModel

from ponder.agent.settings import BudgetSettings, Settings
from ponder.graphs.budget import deadline_in
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.act import act_node
from ponder.graphs.nodes.repair import corrected_code
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.state import empty_usage
from ponder.sandbox.local import LocalSandbox
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Observation, ToolContext
from ponder.tools.python import PythonArgs, PythonTool
from ponder.tools.registry import ToolRegistry


async def test_a_python_run_is_cut_at_the_runs_time_left(tmp_path: Path) -> None:
    box = LocalSandbox(default_timeout=30, artifact_dir=tmp_path / "art")
    tool = PythonTool(box)
    try:
        obs = await tool.call(PythonArgs(code="import time\ntime.sleep(20)"),
                              ToolContext(thread_id="t", seconds_left=2.0))
        assert not obs.ok and "exceeded 2 s" in obs.text, obs.text
        # No budget known: the sandbox's own timeout, as before.
        obs = await tool.call(PythonArgs(code="print(6 * 7)"), ToolContext(thread_id="t"))
        assert obs.ok and "42" in obs.text
    finally:
        await box.close()


class FailingPython:
    """A python tool whose every run fails with a ValueError."""

    name = "python"
    description = "run python"
    args_schema = PythonArgs

    def __init__(self) -> None:
        self.runs: list[str] = []
        self.given: list[float | None] = []  # the seconds_left each run was given

    async def call(self, args: BaseModel, ctx: ToolContext) -> Observation:
        code = str(getattr(args, "code", ""))
        self.runs.append(code)
        self.given.append(ctx.seconds_left)
        return Observation(tool="python", ok=False, text="ValueError: bad",
                           data={"code": code, "stdout": "", "value": None,
                                 "error": "ValueError: bad"})


async def _act(model: ScriptedChatModel, tool: FailingPython, spent: float,
               sandbox: float = 0.0) -> dict[str, Any]:
    ctx = GraphContext(model=model, tools=ToolRegistry([tool]), checkers=[],
                       settings=Settings(budget=BudgetSettings(max_seconds=100,
                                                               max_sandbox_seconds=60)))
    usage = {**empty_usage(), "seconds": spent, "sandbox_seconds": sandbox}
    state = {"task": {"question": "q"}, "trajectory": [], "candidates": [], "verdicts": [],
             "usage": usage, "pending_action": {"tool": "python", "input": "print(int('x'))",
                                                "thought": "t"}}
    return await act_node(state, ctx, lambda event: None)  # type: ignore[arg-type]


async def test_a_failed_program_is_repaired_only_with_time_left() -> None:
    # Time left: the model is asked for a fix and the fix runs.
    model, tool = ScriptedChatModel(["```python\nprint(1)\n```"]), FailingPython()
    await _act(model, tool, spent=10.0)
    model.assert_complete()
    assert tool.runs == ["print(int('x'))", "print(1)"]
    # Half a second left: no repair call (the scripted model has no reply to give) and no
    # second run; the failure is what the step shows.
    model, tool = ScriptedChatModel([]), FailingPython()
    out = await _act(model, tool, spent=99.5)
    assert tool.runs == ["print(int('x'))"]
    assert not out["trajectory"][0]["ok"] and out["usage"]["tool_calls"] == 1


async def test_a_python_run_gets_no_more_than_the_sandbox_time_left() -> None:
    model, tool = ScriptedChatModel([]), FailingPython()
    await _act(model, tool, spent=10.0, sandbox=59.5)
    assert tool.given == [0.5]  # 90 s of the run left, but 0.5 s of sandbox time
    assert tool.runs == ["print(int('x'))"]  # and no repair with less than a second


async def test_a_repair_call_is_cut_off_at_the_deadline() -> None:
    model = SlowModel(["```python\nprint(2)\n```"])
    fixed, usage = await corrected_code(model, "print(x)", "NameError", Prompts(),
                                        deadline=deadline_in(0.2))
    assert fixed is None and usage == {}


async def test_a_program_makes_no_more_python_runs_than_the_tool_calls_left() -> None:
    """With one tool call left, the program method's repair made a second run anyway."""
    from ponder.graphs.nodes.program import run_program

    def ctx(model: ScriptedChatModel, tool: FailingPython) -> GraphContext:
        return GraphContext(model=model, tools=ToolRegistry([tool]), checkers=[],
                            settings=Settings())

    model, tool = ScriptedChatModel([]), FailingPython()  # a repair would need a reply
    _, _, usage = await run_program(ctx(model, tool), "```python\nprint(x)\n```", "t",
                                    repair=True, calls=1)
    assert tool.runs == ["print(x)"] and usage["tool_calls"] == 1
    model, tool = ScriptedChatModel(["```python\nprint(1)\n```"]), FailingPython()
    _, _, usage = await run_program(ctx(model, tool), "```python\nprint(x)\n```", "t",
                                    repair=True, calls=2)
    assert tool.runs == ["print(x)", "print(1)"] and usage["tool_calls"] == 2
