"""Trajectory steps carry typed details of their kind, and steps checkpointed before the
details were typed (a ``data`` dict) still read — also when a run resumes from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph_helpers import LookupPython, ScriptedChecker, answer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.code import python_steps
from ponder.graphs.state import empty_usage
from ponder.graphs.steps import (
    program_step,
    python_run,
    step_input,
    tool_step,
    unparsed_step,
    upgrade_step,
    web_call,
)
from ponder.testing import ScriptedChatModel

CODE = "print(17 * 23)"

# A python step exactly as versions before typed steps recorded it.
LEGACY_PYTHON = {
    "index": 0, "thought": "Multiply.", "action": {"tool": "python", "args": {"code": CODE}},
    "observation": "[stdout]\n391", "ok": True, "sources": [], "artifacts": [],
    "data": {"code": CODE, "stdout": "391\n", "value": None, "error": None, "images": [],
             "state_lost": False, "sandbox_seconds": 0.02, "input": CODE},
}


def test_each_tool_call_makes_a_step_of_its_kind() -> None:
    def make(tool: str, data: dict[str, Any]) -> Any:
        return tool_step(index=0, thought="", tool=tool, args={}, raw_input="x",
                         observation="", ok=True, sources=[], artifacts=[], data=data)

    ran = make("python", {"code": CODE, "stdout": "391\n", "value": 391, "error": None})
    opened = make("open", {"url": "https://a.example", "chunks": 3, "backend_secret": 1})
    other = make("echo", {"loud": True})
    assert (ran["kind"], opened["kind"], other["kind"]) == ("python", "web", "tool")
    assert python_run(ran) == {"code": CODE, "stdout": "391\n", "value": "391", "error": None}
    assert web_call(opened) == {"url": "https://a.example", "chunks": 3}  # unknown keys dropped
    assert other["details"] == {"loud": True} and python_run(other) is None
    assert step_input(ran) == "x" and web_call(ran) is None
    unparsed = unparsed_step(4, "could not read it")
    assert unparsed["kind"] == "unparsed" and step_input(unparsed) is None


def test_a_legacy_step_reads_as_the_typed_step_it_would_be_now() -> None:
    step = upgrade_step(LEGACY_PYTHON)
    assert step["kind"] == "python" and "data" not in step
    assert step_input(LEGACY_PYTHON) == CODE
    run = python_run(LEGACY_PYTHON)
    assert run is not None and run["stdout"] == "391\n" and run["sandbox_seconds"] == 0.02
    legacy_open = {"index": 1, "thought": "", "action": {"tool": "open", "args": {"target": "1"}},
                   "observation": "page", "ok": True, "sources": [], "artifacts": [],
                   "data": {"url": "https://a.example", "requested_url": "https://a.example/",
                            "input": "1"}}
    assert web_call(legacy_open) == {"url": "https://a.example",
                                     "requested_url": "https://a.example/"}
    legacy_unparsed = {"index": 2, "thought": "", "action": {"tool": "none", "args": {}},
                       "observation": "bad reply", "ok": False, "sources": [], "artifacts": [],
                       "data": {}}
    assert upgrade_step(legacy_unparsed) == unparsed_step(2, "bad reply")
    assert upgrade_step(step) is step  # a current step is left as it is
    # the code re-run replays a legacy step exactly as a current one
    assert python_steps([LEGACY_PYTHON]) == python_steps([step])


def test_a_program_candidate_reads_as_one_python_step() -> None:
    step = program_step({"code": CODE, "stdout": "391\n", "value": None, "ok": True,
                         "computed": True, "ran": ["print(x)", CODE]})
    run = python_run(step)
    assert step["kind"] == "python" and step_input(step) is None
    assert run is not None and run["code"] == CODE and run["ran"] == ["print(x)", CODE]


async def test_a_run_checkpointed_before_typed_steps_resumes(tmp_path: Path) -> None:
    """A thread whose checkpoint holds a legacy python step (the process stopped after act)
    resumes: think reads the step (its input in the timeline, its printed result offered
    as the answer), and the checkers see it typed."""
    model = ScriptedChatModel([answer("391")])
    checker = ScriptedChecker(["accept"])
    python = LookupPython({CODE: "391"})
    config = {"configurable": {"thread_id": "old"}}
    async with AsyncSqliteSaver.from_conn_string(str(tmp_path / "checkpoints.sqlite")) as saver:
        graph = build_graph(model, [python], checkers=[checker], checkpointer=saver,
                            settings=Settings(direct_answer=False))
        await graph.aupdate_state(config, {
            "task": {"question": "What is 17 * 23?"}, "history": [],
            "plan": [{"text": "multiply", "tool": "python", "status": "pending"}],
            "trajectory": [LEGACY_PYTHON], "candidates": [], "verdicts": [], "critique": "",
            "pending_action": None, "usage": {**empty_usage(), "steps": 1, "tool_calls": 1},
            "final": None,
        }, as_node="act")
        state = await graph.ainvoke(None, config)
    model.assert_complete()
    prompt = str(model.calls[0][-1].content)
    assert f'"input": "{CODE}"' in str(model.calls[0][-2].content)  # the step, from data.input
    assert '"tool": "answer", "input": "391"' in prompt  # its stdout, offered to copy
    assert state["final"]["answer"] == "391" and state["final"]["verified"]
    seen = checker.seen[0].trajectory[0]
    assert seen["kind"] == "python" and seen["python"]["stdout"] == "391\n"
    assert python.ran == []  # nothing re-ran on resume
