"""``ponder ask``: one question, streamed live, then the verified (or not) answer."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ponder.agent.cli import EXIT_FAILED, EXIT_OK, EXIT_UNVERIFIED, app
from ponder.agent.cli._options import (
    BaseUrlOpt,
    ConfigOpt,
    DebugOpt,
    MaxStepsOpt,
    McpOpt,
    ModelOpt,
    NoCacheOpt,
    SandboxOpt,
    TimeoutOpt,
    VerboseOpt,
    settings_from,
    setup_logging,
)
from ponder.agent.cli._signals import run_async
from ponder.agent.cli.confirm import (
    AsyncReader,
    ConfirmOpt,
    Reader,
    prompt_reader,
    terminal_approver,
    tty_reader,
)
from ponder.agent.cli.render import RunView, StatusLine, escape, result_json
from ponder.agent.facade import Agent
from ponder.agent.settings import Settings
from ponder.graphs.events import ApprovalEvent, FinalEvent
from ponder.graphs.parsing import function_to_complete


def exit_code(result: dict[str, Any]) -> int:
    return {"verified": EXIT_OK, "unverified": EXIT_UNVERIFIED}.get(result["status"], EXIT_FAILED)


async def run_question(
    question: str, settings: Settings, *, thread: str | None, as_json: bool,
    console: Console, kind: str = "question", confirm: bool = False,
    entry_point: str | None = None, tests: str | None = None,
    read: Reader | AsyncReader | None = None,
    verbose: bool = False,
) -> int:
    """Run one question through an Agent, rendering events under a status line; returns
    the exit code. ``confirm``: ask on the terminal before any model-written code runs;
    ``verbose``: print every check (see ``RunView``)."""
    thread_id = thread or uuid.uuid4().hex[:12]
    if not as_json:
        shown = escape(thread_id)
        console.print(f"[dim]thread {shown} (resume with --thread {shown})[/]")
    result: dict[str, Any] | None = None
    # With --json the questions go to stderr: stdout carries the JSON result alone.
    # Approval on in the settings means a person approves: this one, at the terminal.
    confirm = confirm or settings.approval
    approve = terminal_approver(Console(stderr=True, emoji=False) if as_json else console, read) \
        if confirm else None
    view = RunView(console, verbose=verbose, code=kind == "code")
    with StatusLine(console, enabled=not as_json) as status:
        async with Agent(settings, approve=approve) as agent:
            async for event in agent.astream(question, thread_id=thread_id, kind=kind,
                                             entry_point=entry_point, tests=tests):
                status.follow(event)
                if isinstance(event, FinalEvent):
                    result = event.result
                elif not as_json and not isinstance(event, ApprovalEvent):
                    view.show(event)
    if result is None:  # the run stopped without an answer (an interrupt no one answered)
        shown = escape(thread_id)
        Console(stderr=True, emoji=False, highlight=False).print(
            f"[red]ponder: error:[/] the run stopped without an answer; resume it with "
            f"--thread {shown}", soft_wrap=True)
        return EXIT_FAILED
    if as_json:
        print(result_json(result))
    else:
        view.result(result)
    return exit_code(result)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question or task; '-' reads it from stdin."),
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    max_steps: int | None = MaxStepsOpt,
    timeout: float | None = TimeoutOpt,
    sandbox: str | None = SandboxOpt,
    no_cache: bool = NoCacheOpt,
    thread: str | None = typer.Option(None, "--thread", help="Thread id: resume or continue it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON result, nothing else."),
    confirm: bool = ConfirmOpt,
    code: bool = typer.Option(False, "--code", help="A coding task: QUESTION is the function's "
                              "signature and docstring; the answer is its code."),
    entry_point: str | None = typer.Option(
        None, "--entry-point", help="With --code: the function to write (default: the last "
        "function QUESTION leaves unwritten, after any helpers it implements)."),
    tests: Path | None = typer.Option(
        None, "--tests", help="With --code: a file of tests (asserts, or def check(candidate))."),
    mcp: Path | None = McpOpt,
    config: Path | None = ConfigOpt,
    verbose: bool = VerboseOpt,
    debug: bool = DebugOpt,
) -> None:
    """Answer QUESTION: plan, use tools, verify, and show every step as it happens."""
    setup_logging(debug)
    from_stdin = question == "-"
    if from_stdin:
        try:
            question = sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise typer.BadParameter(f"standard input is not text in the terminal's encoding "
                                     f"({exc.reason} at byte {exc.start})",
                                     param_hint="QUESTION") from None
    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    test_code = None
    if tests is not None:
        if not code:
            raise typer.BadParameter("--tests needs --code", param_hint="--tests")
        try:
            test_code = tests.read_text(encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {tests}: {exc.strerror}",
                                     param_hint="--tests") from None
        except UnicodeDecodeError as exc:
            raise typer.BadParameter(f"{tests} is not UTF-8 text ({exc.reason} at byte "
                                     f"{exc.start})", param_hint="--tests") from None
    if entry_point is not None and not code:
        raise typer.BadParameter("--entry-point needs --code", param_hint="--entry-point")
    if code and entry_point is None:
        entry_point = function_to_complete(question)
        if entry_point is None:
            raise typer.BadParameter("no 'def name(' in the question: give --entry-point",
                                     param_hint="--entry-point")
    settings = settings_from(
        model=model, base_url=base_url, max_steps=max_steps, timeout=timeout,
        sandbox=sandbox, no_cache=no_cache, config=config, mcp=mcp,
    )
    console = Console(highlight=False, emoji=False)
    read: Reader | AsyncReader | None = None
    if from_stdin and (confirm or settings.approval):
        read = tty_reader()  # stdin held the question: answers come from the terminal
    elif (confirm or settings.approval) and sys.stdin.isatty():
        read = prompt_reader()  # Ctrl-C at the question rejects instead of doing nothing
    code = run_async(
        run_question(question, settings, thread=thread, as_json=as_json, console=console,
                     confirm=confirm, kind="code" if code else "question",
                     entry_point=entry_point, tests=test_code, read=read, verbose=verbose)
    )
    raise typer.Exit(code)
