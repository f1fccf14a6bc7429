"""``ponder chat``'s loop on a real prompt_toolkit session fed through a pipe."""

from __future__ import annotations

from pathlib import Path

from graph_helpers import SlowModel, answer, plan
from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from ponder import Agent, load_settings
from ponder.agent.cli.chat import chat_loop
from ponder.testing import ScriptedChatModel


async def _session(lines: str, agent: Agent, thread: str, console: Console, tmp: Path) -> None:
    with create_pipe_input() as pipe:
        pipe.send_text(lines)
        pipe.close()
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        await chat_loop(agent, thread, console, tmp / "history", session=session)


async def test_turns_share_a_thread_and_a_session_resumes_later(tmp_path: Path,
                                                               checkpoint_store: str) -> None:
    settings = load_settings()
    console = Console(record=True, width=120)
    model = ScriptedChatModel([plan(("x", "none")), answer("Paris"),
                               plan(("x", "none")), answer("2.1 million")])
    async with Agent(settings, model=model, tools=[]) as agent:
        await _session("Capital of France?\n\n/help\nAnd its population?\n", agent,
                       "chat:trip", console, tmp_path)
    out = console.export_text()
    assert "Paris" in out and "2.1 million" in out and "/exit" in out  # /help printed
    assert "Capital of France?" in model.calls[3][1].content  # turn 2 saw turn 1

    # a new process (new Agent, same SQLite file) resumes the named session
    later = ScriptedChatModel([plan(("x", "none")), answer("Seine")])
    async with Agent(settings, model=later, tools=[]) as agent:
        await _session("Its river?\n/exit\nnever asked\n", agent, "chat:trip", console, tmp_path)
    first_prompt = later.calls[1][1].content
    assert "Capital of France?" in first_prompt and "And its population?" in first_prompt
    later.assert_complete()  # /exit stopped before "never asked"


async def test_a_failed_turn_keeps_the_session(tmp_path: Path, checkpoint_store: str) -> None:
    from langchain_core.messages import BaseMessage

    from ponder.testing import FunctionChatModel

    def reply(messages: list[BaseMessage]) -> str:
        if "first" in str(messages[-1].content):
            raise TimeoutError("the endpoint did not answer in 60 s")
        if "short plan" in str(messages[0].content):
            return plan(("x", "none"))
        return answer("Lima")

    console = Console(record=True, width=120)
    async with Agent(load_settings(), model=FunctionChatModel(reply), tools=[]) as agent:
        await _session("first question\nCapital of Peru?\n", agent, "chat:t", console, tmp_path)
    out = console.export_text()
    assert "error: model call failed" in out and "the endpoint did not answer" in out
    assert "this turn failed; the session is kept" in out and "Lima" in out


async def test_sigterm_during_a_turn_ends_the_chat_not_only_the_turn(
        tmp_path: Path, checkpoint_store: str) -> None:
    """SIGTERM cancels the chat (exit 143 after clean-up); it was taken for a Ctrl-C,
    which cancels only the turn, and the chat went on."""
    import asyncio
    import os
    import signal

    import pytest

    from ponder.agent.cli._signals import Terminated, _guarded

    console = Console(record=True, width=120)
    async with Agent(load_settings(), model=SlowModel([plan(("x", "none"))]), tools=[]) as agent:
        asyncio.get_running_loop().call_later(1.0, os.kill, os.getpid(), signal.SIGTERM)
        with pytest.raises(Terminated):
            await _guarded(_session("a question\nanother\n", agent, "chat:t", console,
                                    tmp_path))
    assert "turn cancelled" not in console.export_text()
