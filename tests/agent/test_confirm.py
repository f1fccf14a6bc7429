"""``--confirm``: the terminal shows model-written code and asks before it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, last_user_text, system_text
from rich.console import Console

from ponder.agent.cli.confirm import terminal_approver
from ponder.graphs.events import ApprovalEvent

REQUEST = ApprovalEvent(id="abc", where="python", code="print(6*7)")


def _answers(*lines: str) -> Any:
    it: Iterator[str] = iter(lines)

    def read(_prompt: str) -> str:
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None
    return read


def test_terminal_answers_become_decisions() -> None:
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    assert terminal_approver(quiet, _answers("y"))(REQUEST) == {
        "action": "approve", "id": "abc", "code": "print(6*7)"}
    assert terminal_approver(quiet, _answers("maybe", "n", "too slow"))(REQUEST) == {
        "action": "reject", "reason": "too slow"}
    saved = iter([None, "print(6*8)\n"])  # the first edit is not saved: asked again
    edit = terminal_approver(quiet, _answers("e", "e"), edit=lambda _code: next(saved))
    assert edit(REQUEST) == {"action": "edit", "code": "print(6*8)\n"}
    assert terminal_approver(quiet, _answers())(REQUEST)["action"] == "reject"


def _respond(body: dict[str, Any]) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "compute", "tool": "python"}]})
    text = last_user_text(body)
    if "did not run" in text:
        return json.dumps({"thought": "cannot run", "tool": "answer", "input": "unknown"})
    if "[stdout]" in text:
        value = text.split("[stdout]", 1)[1].split()[0]
        return json.dumps({"thought": "done", "tool": "answer", "input": value})
    return json.dumps({"thought": "compute", "tool": "python", "input": "print(6*7)"})


def _ask(server: FakeOpenAI, stdin: str, tmp_path: Path, *flags: str,
         **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ponder", "ask", "What is 6*7?", *(flags or ("--confirm",)),
         "--sandbox", "local", "--model", "openai-compatible:fake", "--base-url",
         server.base_url],
        input=stdin, capture_output=True, text=True, timeout=180,
        env={**os.environ, "OPENAI_API_KEY": "sk-test", "COLUMNS": "200", **env},
        cwd=tmp_path)


def test_ask_confirm_runs_approved_code(tmp_path: Path) -> None:
    with FakeOpenAI(_respond) as server:
        out = _ask(server, "y\n", tmp_path)
    assert "approval needed" in out.stdout and "print(6*7)" in out.stdout, out.stderr
    assert "Run it? [y]es / [n]o / [e]dit:" in out.stdout  # the choices, not style tags
    assert "Traceback" not in out.stderr
    assert "42" in out.stdout.split("approval needed", 1)[1]


def test_ask_confirm_rejection_is_told_to_the_model_and_an_edit_runs(tmp_path: Path) -> None:
    with FakeOpenAI(_respond) as server:
        out = _ask(server, "n\nnot now\n", tmp_path)
        assert "Traceback" not in out.stderr
        assert any("rejected it (not now)" in last_user_text(b) for b in server.requests)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/6\\*7/6*8/' \"$1\"\n")
    editor.chmod(0o755)
    with FakeOpenAI(_respond) as server:
        out = _ask(server, "e\n", tmp_path, EDITOR=str(editor), VISUAL=str(editor))
    assert "Traceback" not in out.stderr
    assert "48" in out.stdout.split("approval needed", 1)[1], out.stdout[-2000:]


def test_approval_on_in_the_settings_asks_at_the_terminal_without_confirm(
        tmp_path: Path) -> None:
    with FakeOpenAI(_respond) as server:
        out = _ask(server, "y\n", tmp_path, "--sandbox", "local", PONDER_APPROVAL="true")
    assert "approval needed" in out.stdout, out.stdout + out.stderr
    assert "42" in out.stdout.split("approval needed", 1)[1]


def test_a_batch_with_approval_on_says_why_it_cannot_run(tmp_path: Path) -> None:
    tasks = tmp_path / "t.jsonl"
    tasks.write_text(json.dumps({"id": "a", "prompt": "What is 6*7?"}) + "\n")
    out = subprocess.run([sys.executable, "-m", "ponder", "run", str(tasks), "-o",
                          str(tmp_path / "r.jsonl"), "--sandbox", "none", "--model",
                          "openai-compatible:fake", "--base-url", "http://127.0.0.1:9/v1"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PONDER_APPROVAL": "true", "OPENAI_API_KEY": "x"})
    assert out.returncode == 2 and "no one to approve code" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


async def test_ctrl_c_at_the_terminal_question_rejects_without_blocking_the_loop() -> None:
    """The question was asked with a blocking input() on the event loop's thread: Ctrl-C
    did nothing (the handler waited for the loop) until a line was typed. Asked through
    prompt_toolkit, the loop keeps running while it waits, and Ctrl-C rejects."""
    import asyncio

    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from ponder.agent.cli.confirm import prompt_reader

    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    with create_pipe_input() as keys:
        session = PromptSession(input=keys, output=DummyOutput())
        approve = terminal_approver(quiet, prompt_reader(session))
        pending = asyncio.ensure_future(approve(REQUEST))
        ticks = 0
        for _ in range(20):  # the loop runs while the question waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not pending.done()
        keys.send_text("\x03")  # Ctrl-C
        assert (await asyncio.wait_for(pending, 5))["action"] == "reject"
        keys.send_text("y\n")
        assert (await asyncio.wait_for(approve(REQUEST), 5))["action"] == "approve"


async def test_after_an_approval_ctrl_c_still_reaches_the_turn() -> None:
    """prompt_toolkit put its own SIGINT handler over the chat turn's and removed it when
    the question closed: Ctrl-C then did nothing for the rest of the turn."""
    import asyncio
    import signal

    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from ponder.agent.cli.confirm import prompt_reader

    loop = asyncio.get_running_loop()
    seen = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, seen.set)  # the turn's handler
    try:
        quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
        with create_pipe_input() as keys:
            session = PromptSession(input=keys, output=DummyOutput())
            approve = terminal_approver(quiet, prompt_reader(session))
            keys.send_text("y\n")
            assert (await asyncio.wait_for(approve(REQUEST), 5))["action"] == "approve"
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(seen.wait(), 5)
    finally:
        loop.remove_signal_handler(signal.SIGINT)


async def test_with_the_question_on_stdin_answers_come_from_the_terminal_not_stdout(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``ask - --json --confirm``: the question went to stdout (into the JSON stream) and
    the answer was read with a blocking readline on the event loop."""
    import asyncio
    import pty

    from ponder.agent.cli import confirm

    master, slave = pty.openpty()
    real_open = open
    monkeypatch.setattr(confirm, "open", lambda path, *a, **k: real_open(slave, *a, **k)
                        if path == "/dev/tty" else real_open(path, *a, **k), raising=False)
    read = confirm.tty_reader()
    pending = asyncio.ensure_future(read("Run it? [y]es / [n]o / [e]dit: "))
    for _ in range(20):
        await asyncio.sleep(0.01)  # the loop runs while the question waits
    assert not pending.done()
    os.write(master, b"y\r")
    assert (await asyncio.wait_for(pending, 5)).strip() == "y"
    assert "Run it?" not in capsys.readouterr().out
    os.close(master)
