"""The Agent facade: runs, streams, threads, multi-turn history, sync and async."""

from __future__ import annotations

import json

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
