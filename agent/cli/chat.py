"""``ponder chat``: a multi-turn session on one thread, resumable by name.

Each turn is a full plan/think/act/verify run that sees the earlier turns. Ctrl-C during
a turn cancels that turn only; Ctrl-D or /exit leaves. Line editing and history come
from prompt_toolkit; history is kept in the data directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ponder.agent.cli import app
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
from ponder.agent.cli.confirm import ConfirmOpt, prompt_reader, terminal_approver
from ponder.agent.cli.render import RunView, StatusLine, escape
from ponder.agent.errors import PonderError, UserError
from ponder.agent.facade import Agent
from ponder.graphs.events import ApprovalEvent, FinalEvent

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
HELP = "Type a question. /exit or Ctrl-D leaves; Ctrl-C cancels the current turn."


async def _turn(agent: Agent, question: str, thread_id: str, console: Console,
                *, verbose: bool = False) -> None:
    view = RunView(console, verbose=verbose)
    with StatusLine(console) as status:
        async for event in agent.astream(question, thread_id=thread_id):
            status.follow(event)
            if isinstance(event, FinalEvent):
                status.update("done")
                view.result(event.result)
            elif not isinstance(event, ApprovalEvent):  # the approver shows it
                view.show(event)


async def show_transcript(agent: Agent, thread_id: str, console: Console) -> int:
    """Print a resumed session's earlier turns; returns how many there were."""
    turns = await agent.history(thread_id)
    if turns:
        console.print(f"[dim]resumed: {len(turns)} earlier turn(s)[/]")
        for turn in turns:
            console.print(f"[bold]you>[/] {escape(turn['question'])}")
            console.print(f"[bold]ponder>[/] {escape(turn['answer'])}")
    return len(turns)


async def _cancellable(agent: Agent, question: str, thread_id: str, console: Console,
                      *, verbose: bool = False) -> None:
    """Run one turn; SIGINT cancels it and returns to the prompt, and so does an error
    Ponder raises on purpose (the model unreachable, the sandbox broken)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(_turn(agent, question, thread_id, console, verbose=verbose))
    interrupted = False

    def on_sigint() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        await task
    except asyncio.CancelledError:
        # Only Ctrl-C cancels just the turn: a SIGTERM cancels the chat itself (exit 143).
        if not interrupted or _being_cancelled():
            raise
        console.print("[yellow]turn cancelled; the session is kept[/]")
    except PonderError as exc:  # a timeout or a broken sandbox costs this turn, not the chat
        console.print(f"[red]error:[/] {escape(str(exc))}\n"
                      "[yellow]this turn failed; the session is kept: ask again or /exit[/]")
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)


def _being_cancelled() -> bool:
    """Whether the task running the chat was itself cancelled (SIGTERM)."""
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0


async def chat_loop(
    agent: Agent, thread_id: str, console: Console, history_file: Path,
    *, session: Any = None, verbose: bool = False,
) -> None:
    """Read questions until EOF or /exit; each is one turn on ``thread_id``.
    ``session`` replaces the prompt_toolkit session (tests pass one on a pipe);
    ``verbose`` prints every check (see ``RunView``)."""
    if session is None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        history_file.parent.mkdir(parents=True, exist_ok=True)
        session = PromptSession(history=FileHistory(str(history_file)))
    while True:
        try:
            line = await session.prompt_async("you> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        question = line.strip()
        if not question:
            continue
        if question in ("/exit", "/quit"):
            break
        if question == "/help":
            console.print(HELP)
            continue
        await _cancellable(agent, question, thread_id, console, verbose=verbose)


@app.command()
def chat(
    session: str | None = typer.Option(None, "--session", "-s", help="Session name to resume."),
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    max_steps: int | None = MaxStepsOpt,
    timeout: float | None = TimeoutOpt,
    sandbox: str | None = SandboxOpt,
    no_cache: bool = NoCacheOpt,
    confirm: bool = ConfirmOpt,
    mcp: Path | None = McpOpt,
    config: Path | None = ConfigOpt,
    verbose: bool = VerboseOpt,
    debug: bool = DebugOpt,
) -> None:
    """An interactive, resumable session: every turn sees the earlier ones."""
    setup_logging(debug)
    if session is not None and not _NAME.match(session):
        raise UserError("a session name may use letters, digits, '.', '_' and '-' (1-64 chars)")
    name = session or time.strftime("s%Y%m%d-%H%M%S")
    settings = settings_from(
        model=model, base_url=base_url, max_steps=max_steps, timeout=timeout,
        sandbox=sandbox, no_cache=no_cache, config=config, mcp=mcp,
    )
    console = Console(highlight=False, emoji=False)
    console.print(f"[bold]ponder chat[/] — session [cyan]{name}[/] "
                  f"(resume later with --session {name}). {HELP}")

    async def main() -> None:
        # Approval on in the settings means a person approves: this one, at the terminal.
        # Asked without blocking the loop: Ctrl-C at the question rejects the code.
        approve = terminal_approver(console, prompt_reader()) \
            if confirm or settings.approval else None
        async with Agent(settings, approve=approve) as agent:
            await show_transcript(agent, f"chat:{name}", console)
            await chat_loop(agent, f"chat:{name}", console,
                            settings.data_dir / "chat_history.txt", verbose=verbose)

    run_async(main())
