"""The ``ponder`` command line: a thin layer over the same functions embedders call.

Exit codes (documented in the README):
  0 answered and verified · 3 answered but unverified · 1 failed (no answer, or
  something broke) · 2 bad usage or configuration · 130 interrupted · 143 terminated
  (SIGTERM, after closing sandboxes).
"""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.console import Console

from ponder.agent.checkpoints import CheckpointStoreError
from ponder.agent.cli._signals import Terminated
from ponder.agent.cli.render import escape
from ponder.agent.errors import PonderError, UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNVERIFIED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143

app = typer.Typer(
    name="ponder",
    help="A small model that plans, uses tools and checks its own work before it answers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True, emoji=False)


def _version_callback(value: bool) -> None:
    if value:
        from ponder import __version__

        typer.echo(f"ponder {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True,
        help="Show the version and exit."
    ),
) -> None:
    """Ponder: plan, think, act, verify."""


def _register() -> None:
    """Import the command modules (each registers its commands on ``app``)."""
    from ponder.agent.cli import ask as _ask  # noqa: F401
    from ponder.agent.cli import chat as _chat  # noqa: F401
    from ponder.agent.cli import config as _config  # noqa: F401
    from ponder.agent.cli import run as _run  # noqa: F401
    from ponder.agent.cli.checkpoints import app as checkpoints_app
    from ponder.agent.cli.models import app as models_app
    from ponder.agent.cli.sandbox import app as sandbox_app

    app.add_typer(sandbox_app, name="sandbox", help="Build, inspect and clean up the code sandbox.")
    app.add_typer(models_app, name="models", help="List, download and locate local models.")
    app.add_typer(checkpoints_app, name="checkpoints",
                  help="Locate the checkpoint database, or move a damaged one aside.")


def _debug_requested() -> bool:
    return "--debug" in sys.argv or os.environ.get("PONDER_DEBUG", "") not in ("", "0")


def _offer_move_aside(exc: CheckpointStoreError) -> None:
    """At a terminal, offer to move a damaged checkpoint database aside (never delete)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return
    from ponder.agent.checkpoints import move_aside

    if typer.confirm(f"Move {exc.path} aside (kept) and start fresh?", default=False,
                     err=True):
        moved = move_aside(exc.path)
        err_console.print(f"moved to {moved}; run the command again", highlight=False)


def optional_values(argv: list[str]) -> list[str]:
    """``argv`` with the values of options whose value may be left out filled in:
    ``--ray`` alone (last, or before another option) means ``--ray local``. (Typer has
    no option with an optional value.)"""
    out: list[str] = []
    for i, token in enumerate(argv):
        out.append(token)
        if token == "--ray" and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append("local")
    return out


def main() -> None:
    """Console entry point: run the app; turn errors into one line and an exit code."""
    debug = _debug_requested()
    try:
        _register()  # imports the commands (LangChain, LangGraph: seconds): Ctrl-C lands here
        code = app(args=optional_values(sys.argv[1:]), standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("ponder: interrupted")
        code = EXIT_INTERRUPTED
    except Terminated:
        err_console.print("ponder: terminated (SIGTERM); sandboxes were closed")
        code = EXIT_TERMINATED
    except typer.TyperException as exc:  # typer's (vendored click) usage errors
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"ponder: {exc}", soft_wrap=True)
        code = int(getattr(exc, "exit_code", EXIT_USAGE))
    except PonderError as exc:
        if debug:
            traceback.print_exc()
        err_console.print(f"[red]ponder: error:[/] {escape(str(exc))}", highlight=False,
                          soft_wrap=True)
        code = EXIT_USAGE if isinstance(exc, UserError) else EXIT_FAILED
        if isinstance(exc, CheckpointStoreError) and exc.thread_id is None and exc.damaged:
            _offer_move_aside(exc)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        err_console.print(
            f"[red]ponder: internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
            "(run with --debug for the traceback)", highlight=False, soft_wrap=True,
        )
        code = EXIT_FAILED
    sys.exit(code if isinstance(code, int) else 0)
