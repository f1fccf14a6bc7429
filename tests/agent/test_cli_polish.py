"""The CLI as a person uses it: a question from stdin, a coding task from the command
line, a status line while the model works, a resumed chat that shows its turns, and a run's
checks summed up per candidate (every one with --verbose)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fake_openai import FakeOpenAI, last_user_text, system_text
from rich.console import Console

from ponder.agent.cli.chat import show_transcript
from ponder.agent.cli.render import RunView, StatusLine
from ponder.agent.facade import Agent
from ponder.agent.settings import Settings
from ponder.graphs.events import ApprovalEvent, CandidateEvent, ToolCallEvent, VerdictEvent
from ponder.testing import ScriptedChatModel

PONDER = [sys.executable, "-m", "ponder"]


def _respond(body: dict[str, Any]) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
    text = last_user_text(body)
    if "def add(" in text:
        return json.dumps({"thought": "write it", "tool": "answer",
                           "input": "def add(a, b):\n    return a + b\n"})
    return json.dumps({"thought": "known", "tool": "answer", "input": "Paris"})


def _run(server: FakeOpenAI, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PONDER, "ask", *args, "--model", "openai-compatible:fake", "--base-url",
         server.base_url], input=stdin, capture_output=True, text=True, timeout=180,
        env={**os.environ, "OPENAI_API_KEY": "sk-test", "COLUMNS": "200"})


def test_a_question_from_stdin(tmp_path: Path) -> None:
    with FakeOpenAI(_respond) as server:
        out = _run(server, "-", "--sandbox", "none", "--json",
                   stdin="What is the capital of France?\n")
        assert any("capital of France" in last_user_text(b) for b in server.requests)
    assert out.returncode in (0, 3), out.stderr
    assert json.loads(out.stdout)["answer"] == "Paris"


def test_a_coding_task_from_the_command_line(tmp_path: Path) -> None:
    tests = tmp_path / "tests.py"
    tests.write_text("assert add(2, 3) == 5\nassert add(-1, 1) == 0\nassert add(0, 0) == 0\n")
    with FakeOpenAI(_respond) as server:
        out = _run(server, 'def add(a, b):\n    """Add two numbers."""\n', "--code",
                   "--tests", str(tests), "--sandbox", "local", "--json")
    result = json.loads(out.stdout)
    assert "return a + b" in result["code"], out.stderr
    assert "3 of 3 tests pass" in result["evidence"], result["evidence"]


def test_the_default_entry_point_is_the_function_left_unwritten(tmp_path: Path) -> None:
    tests = tmp_path / "tests.py"
    tests.write_text("assert add(2, 3) == 5\n")
    prompt = ('def double(x):\n    return 2 * x\n\n\n'
              'def add(a, b):\n    """Add two numbers."""\n')
    with FakeOpenAI(_respond) as server:
        out = _run(server, prompt, "--code", "--tests", str(tests), "--sandbox", "local",
                   "--json")
    result = json.loads(out.stdout)
    # The helper above is not the task: the code is add's, and add's test passes.
    assert "def add(a, b):\n    return a + b" in result["code"], out.stderr
    assert "1 of 1 tests pass" in result["evidence"], result["evidence"]


def test_code_flags_are_checked(tmp_path: Path) -> None:
    with FakeOpenAI(_respond) as server:
        no_def = _run(server, "write something", "--code", "--sandbox", "none")
        stray = _run(server, "hi", "--entry-point", "f", "--sandbox", "none")
    assert no_def.returncode == 2 and "--entry-point" in no_def.stderr
    assert stray.returncode == 2 and "needs --code" in stray.stderr
    assert "Traceback" not in no_def.stderr + stray.stderr


def test_the_status_line_follows_the_run_and_steps_aside_for_approvals() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with StatusLine(console) as status:
        status.follow(ToolCallEvent(step=0, tool="python", args={}))
        assert "running python" in str(status._status.renderable.text)  # type: ignore[union-attr]
        status.follow(ApprovalEvent(id="x", where="python", code="1"))
        assert not status._status._live.is_started  # type: ignore[union-attr]
        status.follow(CandidateEvent(index=0, answer="1"))
        assert status._status._live.is_started  # type: ignore[union-attr]
    assert StatusLine(Console(file=io.StringIO()))._status is None  # not a terminal


async def test_a_resumed_chat_shows_its_earlier_turns(tmp_path: Path) -> None:
    model = ScriptedChatModel([json.dumps({"steps": [{"step": "a", "tool": "none"}]}),
                               json.dumps({"thought": "t", "tool": "answer", "input": "391"})])
    settings = Settings(data_dir=tmp_path, direct_answer=False)
    async with Agent(settings, model=model, tools=[]) as agent:
        await agent.arun("What is 17*23?", thread_id="chat:s1")
    screen = io.StringIO()
    async with Agent(settings, model=ScriptedChatModel([]), tools=[]) as agent:
        assert await show_transcript(agent, "chat:s1", Console(file=screen)) == 1
        assert await show_transcript(agent, "chat:new", Console(file=io.StringIO())) == 0
    assert "What is 17*23?" in screen.getvalue() and "391" in screen.getvalue()


def _checks(candidate: int) -> list[VerdictEvent]:
    return [
        VerdictEvent(candidate=candidate, checker="form", status="unverified",
                     reason="the answer is well-formed"),
        VerdictEvent(candidate=candidate, checker="equation", status="unverified",
                     reason="the task states no equation to solve"),
        VerdictEvent(candidate=candidate, checker="agreement", status="unverified",
                     reason="the words give 12: the two methods disagree", blocks=True),
        VerdictEvent(candidate=candidate, checker="grounding", status="reject",
                     reason="copies a worked example's answer"),
    ]


def _show(verbose: bool) -> str:
    screen = io.StringIO()
    view = RunView(Console(file=screen, width=200, highlight=False), verbose=verbose)
    view.show(CandidateEvent(index=0, answer="12", method="direct"))
    view.show(CandidateEvent(index=1, answer="21", method="program"))
    for event in [*_checks(0), *_checks(1)]:
        view.show(event)
    view.result({"status": "unverified", "answer": "12", "method": "direct",
                 "reason": "no check could confirm the answer", "usage": {}, "thread_id": "t",
                 "evidence": ["agreement: doubt — the two methods disagree",
                              "form: unverified — the answer is well-formed",
                              "equation: unverified — the task states no equation"]})
    return screen.getvalue()


def test_checks_are_summed_up_per_candidate_unless_verbose() -> None:
    out = _show(verbose=False)
    assert "candidate #0 (reasoning): 12" in out and "candidate #1 (program): 21" in out
    # One summary per candidate, after its last check: the decisive checks, then a count.
    assert out.count("checks on #") == 2
    assert "checks on #0 (reasoning): 2 other checks gave no verdict" in out
    assert "checks on #1 (program)" in out
    assert out.index("checks on #0") < out.index("checks on #1")
    assert out.count("[grounding] ✗ reject: copies") == 2
    assert out.count("[agreement] ? doubt") == 2
    assert "well-formed" not in out and "no equation" not in out
    assert "answer — unverified · from the reasoning" in out
    assert "• agreement: doubt — the two methods disagree" in out
    assert "2 other checks gave no verdict (--verbose lists them)" in out


def test_verbose_prints_every_check_with_its_candidate() -> None:
    out = _show(verbose=True)
    assert "verify #0 [form] ? unverified: the answer is well-formed" in out
    assert "verify #1 [equation] ? unverified" in out
    assert "checks on #" not in out and "--verbose lists them" not in out
    assert "• form: unverified — the answer is well-formed" in out


def test_a_candidate_with_no_decisive_check_gets_one_line() -> None:
    screen = io.StringIO()
    view = RunView(Console(file=screen, width=200, highlight=False))
    view.show(CandidateEvent(index=3, answer="2", method="bare"))
    view.show(VerdictEvent(candidate=3, checker="form", status="unverified", reason="x"))
    view.show(VerdictEvent(candidate=3, checker="sources", status="unverified", reason="y"))
    view.flush()
    assert screen.getvalue().splitlines()[-1] == "  checks on #3 (bare answer): none of 2 checks gave a verdict"


def test_a_coding_tasks_view_names_the_completion_and_keeps_its_test_count() -> None:
    screen = io.StringIO()
    view = RunView(Console(file=screen, width=200, highlight=False), code=True)
    view.show(CandidateEvent(index=0, answer="def f(x):\n    return x", method="direct"))
    view.show(VerdictEvent(candidate=0, checker="code-rerun", status="unverified",
                           reason="2 stated examples are too few to vouch for it"))
    view.result({"status": "unverified", "answer": "def f(x):\n    return x",
                 "code": "def f(x):\n    return x", "method": "direct",
                 "reason": "no check could confirm the answer", "usage": {}, "thread_id": "t",
                 "evidence": ["code-rerun: unverified — too few tests to vouch for it",
                              "2 of 2 tests pass",
                              "form: unverified — the code parses"]})
    out = screen.getvalue()
    assert "candidate #0 (direct completion):" in out and "reasoning" not in out
    assert "answer — unverified · from the direct completion" in out
    # The quiet checks are counted, but how many of the task's tests pass is still said.
    assert "• 2 of 2 tests pass" in out and "too few tests" not in out
    assert "2 other checks gave no verdict" in out


def test_no_control_sequence_from_a_run_reaches_the_terminal() -> None:
    """Program output, a model's thought or answer, fetched text: an OSC 52 clipboard
    write or a title change inside them reached the terminal raw (Rich strips only a few
    control characters). They are shown as \\x1b instead; emoji codes stay as written."""
    from ponder.graphs.events import ObservationEvent, ThoughtEvent

    clip = "\x1b]52;c;SGVsbG8=\x1b\\"
    screen = io.StringIO()
    view = RunView(Console(file=screen, width=200, highlight=False, force_terminal=False,
                           emoji=False), verbose=True)
    view.show(ThoughtEvent(step=0, text=f"think {clip}"))
    view.show(ToolCallEvent(step=0, tool="python", args={"code": f"print('{clip}')"}))
    view.show(ObservationEvent(step=0, tool="python", ok=True, text=f"out {clip}\x07\x9b2J"))
    view.show(CandidateEvent(index=0, answer=f"1:100:5 {clip}", method="direct"))
    view.result({"status": "unverified", "answer": f"ans {clip}", "method": "direct",
                 "reason": f"why {clip}", "usage": {}, "thread_id": "[/x]",
                 "evidence": [f"e {clip}"], "sources": [{"title": clip, "url": clip}]})
    out = screen.getvalue()
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\\x1b]52;c;SGVsbG8=" in out and "1:100:5" in out and "[/x]" in out


def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The commands import LangChain and LangGraph (seconds on 2 cores) before the
    error handling began: Ctrl-C then printed a traceback."""
    import sys

    import pytest

    from ponder.agent import cli

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_register", interrupted)
    monkeypatch.setattr(sys, "argv", ["ponder", "ask", "hi"])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
