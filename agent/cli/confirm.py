"""``--confirm``: show each piece of model-written code and ask before it runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import typer
from rich.console import Console
from rich.syntax import Syntax

from ponder.agent.cli.render import visible
from ponder.graphs.events import ApprovalEvent

ConfirmOpt = typer.Option(False, "--confirm", help="Ask before any model-written code runs "
                          "(y: run it, n: reject it, e: edit it first).")

Reader = Callable[[str], str]


def tty_reader(console: Console) -> Reader:
    """Read answers from the controlling terminal (stdin already held the question).
    Raises UserError when there is none."""
    try:
        tty = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - open for the whole run
    except OSError:
        from ponder.agent.errors import UserError

        raise UserError("approvals are asked on the terminal, and with the question on "
                        "stdin there is none: pass the question as an argument") from None

    def read(prompt: str) -> str:
        console.print(prompt, end="", markup=False)  # plain text: "[y]es" is not a style
        line = tty.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    return read


def terminal_approver(console: Console, read: Reader | None = None,
                      edit: Callable[[str], str | None] | None = None,
                      ) -> Callable[[ApprovalEvent], dict[str, Any]]:
    """An approval callback for the facade that asks on the terminal: y (run), n (reject,
    with an optional reason) or e (edit in $EDITOR, then run what was saved). A closed
    input rejects."""
    ask = read or (lambda prompt: console.input(prompt, markup=False))  # "[y]es" as written
    editor = edit or (lambda code: click.edit(code, extension=".py"))

    def approve(request: ApprovalEvent) -> dict[str, Any]:
        console.print(f"[bold yellow]approval needed[/] — code for {request.where}:")
        console.print(Syntax(visible(request.code), "python", line_numbers=False))
        while True:
            try:
                answer = ask("Run it? [y]es / [n]o / [e]dit: ").strip().lower()
            except (EOFError, KeyboardInterrupt):
                return {"action": "reject", "reason": "no answer (input closed)"}
            if answer in ("y", "yes"):
                return {"action": "approve", "id": request.id, "code": request.code}
            if answer in ("n", "no"):
                try:
                    why = ask("Why (optional, the model is told)? ").strip()
                except (EOFError, KeyboardInterrupt):
                    why = ""
                return {"action": "reject", "reason": why or "rejected at the terminal"}
            if answer in ("e", "edit"):
                edited = editor(request.code)
                if edited is None or not edited.strip():
                    console.print("[dim]nothing saved; asking again[/]")
                    continue
                return {"action": "edit", "code": edited}
            console.print("[dim]answer y, n or e[/]")

    return approve
