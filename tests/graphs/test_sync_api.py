"""The graph works for synchronous callers too: ``invoke`` and ``stream`` with the sync
SqliteSaver, a python tool whose sandbox lives across steps, and approvals."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from graph_helpers import ScriptedChecker, act, answer, plan
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from ponder.agent.errors import UserError
from ponder.agent.facade import Agent
from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.sandbox.local import LocalSandbox
from ponder.testing import ScriptedChatModel
from ponder.tools.python import PythonTool

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # LocalSandbox warns loudly


def test_invoke_and_stream_with_the_sync_sqlite_saver(tmp_path: Path) -> None:
    model = ScriptedChatModel([
        plan(("compute", "python")), act("python", "x = 6 * 7"), act("python", "print(x)"),
        answer("42"),
    ])
    tool = PythonTool(factory=lambda: LocalSandbox(default_timeout=30,
                                                   artifact_dir=tmp_path / "art"))
    conn = sqlite3.connect(tmp_path / "c.sqlite", check_same_thread=False)
    graph = build_graph(model, [tool], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False, approval=True),
                        checkpointer=SqliteSaver(conn))
    config = {"configurable": {"thread_id": "sync"}}
    graph.invoke({"task": {"question": "What is 6*7?"}}, config)
    (asked,) = graph.get_state(config).interrupts
    assert asked.value["code"] == "x = 6 * 7"
    graph.invoke(Command(resume={"action": "approve", "id": asked.value["id"]}), config)
    (asked,) = graph.get_state(config).interrupts
    events = [chunk for chunk in graph.stream(
        Command(resume={"action": "approve", "id": asked.value["id"]}), config,
        stream_mode="custom")]
    state = graph.get_state(config).values
    # the second step saw the first step's variable: one sandbox across the sync steps
    assert "42" in state["trajectory"][1]["observation"]
    assert state["final"]["answer"] == "42" and events[-1]["type"] == "final"
    model.assert_complete()
    asyncio.run(tool.aclose())
    conn.close()


def test_the_facade_names_the_savers_it_can_use(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "c.sqlite", check_same_thread=False)
    with pytest.raises(UserError, match="AsyncSqliteSaver"):
        Agent(Settings(), model=ScriptedChatModel([]), checkpointer=SqliteSaver(conn))
    conn.close()
