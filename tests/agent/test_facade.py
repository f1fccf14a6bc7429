"""The Agent facade: runs, streams, threads, multi-turn history, sync and async."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, system_text
from graph_helpers import EchoTool, act, answer, plan

from ponder import Agent, load_settings
from ponder.agent.errors import ModelNotAvailableError, UserError
from ponder.graphs.events import FinalEvent, PlanMade, ToolCallEvent
from ponder.testing import ScriptedChatModel


async def test_arun_returns_a_typed_result_and_persists_to_sqlite() -> None:
    model = ScriptedChatModel([plan(("echo", "echo")), act("echo", "hi"), answer("HI")])
    settings = load_settings()
    async with Agent(settings, model=model, tools=[EchoTool()]) as agent:
        result = await agent.arun("say hi", thread_id="th")
    assert result.answer == "HI" and result.thread_id == "th" and result.status == "unverified"
    assert settings.checkpoint_path.is_file()


async def test_astream_yields_typed_events_ending_in_final() -> None:
    model = ScriptedChatModel([plan(("echo", "echo")), act("echo", "x"), answer("X")])
    async with Agent(model=model, tools=[EchoTool()], persist=False) as agent:
        events = [e async for e in agent.astream("q")]
    assert isinstance(events[0], PlanMade) and isinstance(events[-1], FinalEvent)
    assert any(isinstance(e, ToolCallEvent) and e.tool == "echo" for e in events)


async def test_a_second_turn_on_a_thread_sees_the_first() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("Paris"), plan(("x", "none")), answer("2M")])
    async with Agent(model=model, tools=[], persist=False) as agent:
        await agent.arun("Capital of France?", thread_id="chat")
        second = await agent.arun("And its population?", thread_id="chat")
    assert second.answer == "2M"
    think_prompt = model.calls[3][-1].content
    assert "Capital of France?" in think_prompt and "Paris" in think_prompt
    assert "Steps so far" not in think_prompt  # the new turn starts a fresh trajectory
    model.assert_complete()


def test_sync_api_runs_and_streams() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("4"), plan(("x", "none")), answer("5")])
    agent = Agent(model=model, tools=[], persist=False)
    try:
        assert agent.run("2+2?").answer == "4"
        events = list(agent.stream("2+3?"))
        assert isinstance(events[-1], FinalEvent) and events[-1].result["answer"] == "5"
    finally:
        agent.close()


async def test_empty_question_is_a_user_error() -> None:
    async with Agent(model=ScriptedChatModel([]), tools=[], persist=False) as agent:
        with pytest.raises(UserError, match="empty"):
            await agent.arun("   ")


async def test_real_model_requests_are_blocked_in_unit_tests() -> None:
    async with Agent(model="openai-compatible:x", tools=[], persist=False) as agent:
        with pytest.raises(ModelNotAvailableError, match="disabled"):
            await agent.arun("hi")


async def test_openai_compatible_endpoint_with_json_schema(allow_model_requests: None) -> None:
    def respond(body: dict) -> str:
        if "short plan" in system_text(body):
            return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
        return json.dumps({"thought": "easy", "tool": "answer", "input": "4"})

    with FakeOpenAI(respond) as server:
        settings = load_settings({"model": "openai-compatible:fake", "base_url": server.base_url})
        async with Agent(settings, tools=[], persist=False) as agent:
            result = await agent.arun("2+2?")
    assert result.answer == "4" and result.usage["parse_failures"] == 0
    assert server.requests[0]["response_format"]["type"] == "json_schema"


async def test_a_coding_task_without_an_entry_point_completes_the_unwritten_function() -> None:
    from ponder.agent.settings import Settings
    from ponder.testing import FunctionChatModel

    prompt = ('def double(x):\n    return 2 * x\n\n\n'
              'def quad(x):\n    """Four times x.\n\n    >>> quad(1)\n    4\n    """\n')
    seen: list[str] = []

    def reply(messages: list) -> str:
        seen.append(str(messages[-1].content))
        return "```python\ndef quad(x):\n    return double(double(x))\n```"

    model = FunctionChatModel(reply)
    settings = Settings(sandbox={"kind": "none"}, code_samples=0)
    async with Agent(settings, model=model, tools=[], persist=False) as agent:
        result = await agent.arun(prompt, kind="code")
    # quad is the task (not the helper above it): the model was asked for it by name, and
    # its code runs on its own.
    assert "Write the Python function quad." in seen[0]
    scope: dict = {}
    exec(result.code or "", scope)
    assert scope["quad"](3) == 12


class _SlowEcho(EchoTool):
    """An echo that takes minutes, noting whether it was cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.cancelled = threading.Event()

    async def call(self, args, ctx):  # type: ignore[no-untyped-def]
        self.started.set()
        try:
            await asyncio.sleep(600)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return await super().call(args, ctx)


def test_a_sync_stream_left_early_stops_its_run() -> None:
    slow = _SlowEcho()
    model = ScriptedChatModel([plan(("echo", "echo")), act("echo", "hi"), answer("HI")])
    agent = Agent(model=model, tools=[slow], persist=False)
    try:
        for event in agent.stream("say hi"):
            if isinstance(event, PlanMade):  # the run goes on meanwhile, into the tool
                assert slow.started.wait(30)
                break  # the caller stops reading: the run must not go on without it
        assert slow.cancelled.wait(30)  # the tool call was cancelled, not left running
    finally:
        agent.close()


def test_a_sync_stream_still_open_when_the_agent_closes_ends_at_once() -> None:
    slow = _SlowEcho()
    model = ScriptedChatModel([plan(("echo", "echo")), act("echo", "hi"), answer("HI")])
    agent = Agent(model=model, tools=[slow], persist=False)
    events = agent.stream("say hi")
    next(events)
    assert slow.started.wait(30)
    agent.close()  # the loop stops with the run still in its tool
    closing = threading.Thread(target=events.close)
    closing.start()
    closing.join(10)  # nothing can unwind on a stopped loop: no wait for it
    assert not closing.is_alive()


def test_an_agent_never_closed_lets_the_interpreter_exit(tmp_path: Path) -> None:
    script = tmp_path / "forgets_close.py"
    script.write_text(
        "import asyncio\n"
        "from graph_helpers import answer, plan\n"
        "from ponder import Agent, load_settings\n"
        "from ponder.testing import ScriptedChatModel\n"
        "async def main():\n"
        "    agent = Agent(load_settings(), model=ScriptedChatModel([plan(('x', 'none')), "
        "answer('4')]), tools=[])\n"
        "    print((await agent.arun('2+2?')).answer)\n"
        "    return agent\n"
        "kept = asyncio.run(main())\n")  # persisted to SQLite; aclose() never called
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parents[1] / "support"), os.environ.get("PYTHONPATH", "")]),
        "PONDER_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)  # hung for ever before
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("4")


class _FakePool:
    """Stands in for a started SandboxPool; records whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    async def start(self) -> _FakePool:
        return self

    async def close(self) -> None:
        self.closed = True


async def test_a_failed_start_closes_the_warm_pool_it_started(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ponder.agent.facade as facade
    import ponder.agent.serve as serve
    import ponder.agent.toolset as toolset
    import ponder.sandbox.image as image
    from ponder.agent.errors import ConfigError
    from ponder.sandbox.pool import SandboxPool

    pools: list[_FakePool] = []

    def from_settings(settings: object) -> _FakePool:
        pools.append(_FakePool())
        return pools[-1]

    async def engine_ok() -> None:
        return None

    async def no_tools(*args: object, **kwargs: object) -> list[object]:
        raise ConfigError("mcp_config", "the MCP server did not answer")  # any start failure

    class _Client:
        def close(self) -> None:
            pass

    monkeypatch.setattr(SandboxPool, "from_settings", staticmethod(from_settings))
    monkeypatch.setattr(facade, "_check_engine", engine_ok)
    monkeypatch.setattr(toolset, "default_tools", no_tools)
    monkeypatch.setattr(image, "docker_client", _Client)
    settings = load_settings({"sandbox": {"kind": "docker", "pool_size": 1}})
    agent = Agent(settings, model=ScriptedChatModel([]), persist=False)
    for _ in range(2):  # a retry starts afresh, and leaves nothing behind either
        with pytest.raises(ConfigError, match="MCP"):
            await agent.arun("q")
    await agent.aclose()
    with pytest.raises(ConfigError, match="MCP"):
        await serve.ServedRuntime.create(settings)
    assert len(pools) == 3 and all(pool.closed for pool in pools)


async def test_a_damaged_threads_history_is_named_not_raw() -> None:
    """``ponder chat --session`` reads the history first: a damaged record came out as
    'internal error: ...' instead of naming the file and the thread."""
    import sqlite3

    from ponder.agent.checkpoints import CheckpointStoreError

    settings = load_settings()
    async with Agent(settings, model=ScriptedChatModel([plan(("x", "none")), answer("1")]),
                     tools=[]) as agent:
        await agent.arun("q", thread_id="bad")
    with sqlite3.connect(settings.checkpoint_path) as conn:
        conn.execute("UPDATE checkpoints SET checkpoint = x'c1c1c1c1' WHERE thread_id = 'bad'")
    async with Agent(settings, model=ScriptedChatModel([]), tools=[]) as agent:
        with pytest.raises(CheckpointStoreError, match="bad"):
            await agent.history("bad")


def test_an_interrupted_run_resumes_only_for_the_same_task() -> None:
    """Only the question was compared: the same words as code with other tests, or
    another entry point, resumed the old run with the old task."""
    from ponder.agent.facade import _same_task

    asked = {"question": "def f(x):", "kind": "code", "entry_point": "f", "tests": "assert f(1)"}
    # start added the examples it found to the tests and kept the given ones aside
    pending = {**asked, "tests": "assert f(1)\nassert f(2) == 2", "given_tests": "assert f(1)"}
    assert _same_task(pending, asked)
    assert not _same_task(pending, {**asked, "tests": "assert f(3)"})
    assert not _same_task(pending, {**asked, "entry_point": "g"})
    assert not _same_task(pending, {"question": "def f(x):", "kind": "question"})
    plain = {"question": "Capital of France?", "kind": "question"}
    assert _same_task(plain, dict(plain))
