"""``ponder checkpoints path | reset``: where runs are checkpointed, and moving a damaged
checkpoint database aside (kept, never deleted) so the next run starts a fresh one."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ponder.agent.checkpoints import masked_url, move_aside
from ponder.agent.cli._options import ConfigOpt, settings_from
from ponder.agent.errors import UserError

app = typer.Typer(no_args_is_help=True)


@app.command("path")
def path_cmd(config: Path | None = ConfigOpt) -> None:
    """Print the checkpoint database's path (or its URL, password hidden)."""
    settings = settings_from(config=config)
    print(masked_url(settings.checkpoint_url) if settings.checkpoint_url
          else settings.checkpoint_path)


@app.command("reset")
def reset_cmd(config: Path | None = ConfigOpt) -> None:
    """Move the checkpoint database aside (renamed, not deleted); the next run starts a
    fresh one. Interrupted runs in the old file can no longer be resumed."""
    settings = settings_from(config=config)
    if settings.checkpoint_url:
        raise UserError("checkpoints are in PostgreSQL (checkpoint_url): reset is for the "
                        "SQLite file; manage the database with PostgreSQL's own tools")
    path = settings.checkpoint_path
    moved = move_aside(path)
    console = Console(highlight=False, emoji=False)
    if moved is None:
        console.print(f"no checkpoint database at {path}; nothing to do")
    else:
        console.print(f"moved {path} aside to {moved} (kept); the next run starts fresh")
