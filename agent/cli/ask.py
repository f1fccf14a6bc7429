"""``ponder ask``: one question, streamed live, then the verified (or not) answer."""

from __future__ import annotations

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
    settings_from,
    setup_logging,
)
from ponder.agent.cli._signals import run_async
from ponder.agent.cli.confirm import ConfirmOpt, terminal_approver
from ponder.agent.cli.render import render_event, render_result, result_json
from ponder.agent.facade import Agent
from ponder.agent.settings import Settings
from ponder.graphs.events import ApprovalEvent, FinalEvent


def exit_code(result: dict[str, Any]) -> int:
    return {"verified": EXIT_OK, "unverified": EXIT_UNVERIFIED}.get(result["status"], EXIT_FAILED)


async def run_question(
    question: str, settings: Settings, *, thread: str | None, as_json: bool,
    console: Console, kind: str = "question", confirm: bool = False,
) -> int:
    """Run one question through an Agent, rendering events; returns the exit code.
    ``confirm``: ask on the terminal before any model-written code runs."""
    thread_id = thread or uuid.uuid4().hex[:12]
    if not as_json:
        console.print(f"[dim]thread {thread_id} (resume with --thread {thread_id})[/]")
    result: dict[str, Any] | None = None
    # With --json the questions go to stderr: stdout carries the JSON result alone.
    approve = terminal_approver(Console(stderr=True) if as_json else console) if confirm \
        else None
    async with Agent(settings, approve=approve) as agent:
        async for event in agent.astream(question, thread_id=thread_id, kind=kind):
            if isinstance(event, FinalEvent):
                result = event.result
            elif not as_json and not isinstance(event, ApprovalEvent):
                render_event(console, event)
    if result is None:
        return EXIT_FAILED
    if as_json:
        print(result_json(result))
    else:
        render_result(console, result)
    return exit_code(result)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question or task."),
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    max_steps: int | None = MaxStepsOpt,
    timeout: float | None = TimeoutOpt,
    sandbox: str | None = SandboxOpt,
    no_cache: bool = NoCacheOpt,
    thread: str | None = typer.Option(None, "--thread", help="Thread id: resume or continue it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON result, nothing else."),
    confirm: bool = ConfirmOpt,
    mcp: Path | None = McpOpt,
    config: Path | None = ConfigOpt,
    debug: bool = DebugOpt,
) -> None:
    """Answer QUESTION: plan, use tools, verify, and show every step as it happens."""
    setup_logging(debug)
    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    settings = settings_from(
        model=model, base_url=base_url, max_steps=max_steps, timeout=timeout,
        sandbox=sandbox, no_cache=no_cache, config=config, mcp=mcp,
    )
    console = Console(highlight=False)
    code = run_async(
        run_question(question, settings, thread=thread, as_json=as_json, console=console,
                     confirm=confirm)
    )
    raise typer.Exit(code)
