"""``--confirm``: show each piece of model-written code and ask before it runs."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, cast

import click
import typer
from rich.console import Console
from rich.syntax import Syntax

from ponder.agent.cli.render import visible
from ponder.graphs.events import ApprovalEvent

ConfirmOpt = typer.Option(False, "--confirm", help="Ask before any model-written code runs "
                          "(y: run it, n: reject it, e: edit it first).")

Reader = Callable[[str], str]
AsyncReader = Callable[[str], Awaitable[str]]


def tty_reader() -> AsyncReader:
    """Read answers from the controlling terminal (stdin already held the question), with
    prompt_toolkit (the loop keeps running, Ctrl-C rejects), the question on stderr
    (stdout may carry --json). Raises UserError when there is no terminal."""
    try:
        tty = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - open for the whole run
    except OSError:
        from ponder.agent.errors import UserError

        raise UserError("approvals are asked on the terminal, and with the question on "
                        "stdin there is none: pass the question as an argument") from None
    import sys

    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_input
    from prompt_toolkit.output import create_output

    return prompt_reader(PromptSession(input=create_input(stdin=tty),
                                       output=create_output(stdout=sys.stderr)))


def prompt_reader(session: Any = None) -> AsyncReader:
    """Read answers with prompt_toolkit, without blocking the event loop: Ctrl-C at the
    question is an answer (reject), where a blocking ``input()`` on the loop's thread
    swallowed it until the user typed a line. ``session``: tests pass one on a pipe."""
    holder: list[Any] = [session]

    async def read(prompt: str) -> str:
        if holder[0] is None:
            import sys

            from prompt_toolkit import PromptSession
            from prompt_toolkit.output import create_output

            # On stderr, as the console's questions were: stdout may carry --json.
            holder[0] = PromptSession(output=create_output(stdout=sys.stderr))
        # Ctrl-C at the question is a key press prompt_toolkit reads in raw mode; its own
        # SIGINT handler would replace the chat turn's and, removed afterwards, leave
        # Ctrl-C doing nothing for the rest of the turn.
        return str(await holder[0].prompt_async(prompt, handle_sigint=False))

    return read


def terminal_approver(console: Console, read: Reader | AsyncReader | None = None,
                      edit: Callable[[str], str | None] | None = None,
                      ) -> Callable[[ApprovalEvent], Any]:
    """An approval callback for the facade that asks on the terminal: y (run), n (reject,
    with an optional reason) or e (edit in $EDITOR, then run what was saved). A closed
    input, or Ctrl-C at the question, rejects. With a sync ``read`` (default: the
    console's) the callback is sync; with an async one (:func:`prompt_reader`) it is a
    coroutine function."""
    ask = read or (lambda prompt: console.input(prompt, markup=False))  # "[y]es" as written
    editor = edit or (lambda code: click.edit(code, extension=".py"))

    async def answer(prompt: str) -> str:
        got = ask(prompt)
        return await got if inspect.isawaitable(got) else got

    async def decide(request: ApprovalEvent) -> dict[str, Any]:
        console.print(f"[bold yellow]approval needed[/] — code for {request.where}:")
        console.print(Syntax(visible(request.code), "python", line_numbers=False))
        while True:
            try:
                said = (await answer("Run it? [y]es / [n]o / [e]dit: ")).strip().lower()
            except (EOFError, KeyboardInterrupt):
                return {"action": "reject", "reason": "no answer (input closed)"}
            if said in ("y", "yes"):
                return {"action": "approve", "id": request.id, "code": request.code}
            if said in ("n", "no"):
                try:
                    why = (await answer("Why (optional, the model is told)? ")).strip()
                except (EOFError, KeyboardInterrupt):
                    why = ""
                return {"action": "reject", "reason": why or "rejected at the terminal"}
            if said in ("e", "edit"):
                edited = editor(request.code)
                if edited is None or not edited.strip():
                    console.print("[dim]nothing saved; asking again[/]")
                    continue
                return {"action": "edit", "code": edited}
            console.print("[dim]answer y, n or e[/]")

    if read is not None and inspect.iscoroutinefunction(read):
        return decide

    def approve(request: ApprovalEvent) -> dict[str, Any]:
        # A sync reader never suspends the coroutine: run it to its end right here.
        steps = decide(request)
        try:
            steps.send(None)
        except StopIteration as done:
            return cast(dict[str, Any], done.value)
        steps.close()
        raise RuntimeError("a sync approval reader suspended")

    return approve
