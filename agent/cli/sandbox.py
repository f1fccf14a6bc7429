"""``ponder sandbox``: build the sandbox image, show its status, remove orphaned containers.

A thin layer over :mod:`ponder.sandbox`; errors print as one line, without a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ponder.agent.errors import PonderError
from ponder.sandbox.image import default_image_tag, docker_client, ensure_image, image_exists
from ponder.sandbox.reaper import owner_alive, reap_orphans, sandbox_containers

app = typer.Typer(help="Build, inspect and clean up the code sandbox.", no_args_is_help=True)
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Print a Ponder error as one line and exit with status 1."""
    try:
        yield
    except PonderError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@contextmanager
def _progress(title: str) -> Iterator[Callable[[str], None]]:
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"),
               TextColumn("{task.fields[line]}", style="dim"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(title, line="")

        def update(line: str) -> None:
            text = line.strip()
            if text.startswith(("Step ", "pulling", "debootstrap", "importing", "building",
                                "built", "image ", "reusing", "no registry")):
                progress.console.print(f"  {text}", highlight=False, markup=False)
            progress.update(task, line=text[:70])

        yield update


@app.command()
def build(
    force: bool = typer.Option(False, "--force", help="rebuild even when the tag exists"),
    route: str = typer.Option("auto", help="auto, online or offline"),
) -> None:
    """Build the sandbox image (only when its recipe changed, unless --force)."""
    if route not in ("auto", "online", "offline"):
        err_console.print("[red]error:[/red] --route must be auto, online or offline")
        raise typer.Exit(2)
    chosen: Literal["online", "offline"] | None = None if route == "auto" else route  # type: ignore[assignment]
    with _user_errors(), _progress("building the sandbox image") as update:
        tag = ensure_image(progress=update, force=force, route=chosen)
    console.print(f"sandbox image ready: [bold]{tag}[/bold]")


@app.command()
def status() -> None:
    """Show the Docker engine, the sandbox image and the sandboxes that exist."""
    with _user_errors():
        client = docker_client()
        version = client.version()
        tag = default_image_tag()
        present = image_exists(client.api, tag)
        containers = sandbox_containers(client)
    console.print(f"engine: Docker {version.get('Version', '?')} "
                  f"({version.get('Os', '?')}/{version.get('Arch', '?')})")
    state = "present" if present else "missing (run 'ponder sandbox build')"
    console.print(f"image:  {tag} {state}")
    if not containers:
        console.print("sandboxes: none")
        return
    table = Table("container", "state", "owner", "created", title="sandboxes")
    for info in containers:
        labels = info.get("Labels") or {}
        assert isinstance(labels, dict)
        pid = str(labels.get("ponder.owner.pid", "?"))
        alive = pid.isdigit() and owner_alive(int(pid), str(labels.get("ponder.owner.started", "")))
        owner = f"{labels.get('ponder.owner.host', '?')}:{pid} ({'alive' if alive else 'gone'})"
        table.add_row(str(info["Id"])[:12], str(info.get("State", "?")), owner,
                      str(labels.get("ponder.created", "?")))
    console.print(table)


@app.command()
def prune() -> None:
    """Remove sandbox containers whose owning process is gone."""
    with _user_errors():
        report = reap_orphans()
    console.print(f"removed {len(report.removed)} orphaned sandbox(es); "
                  f"{len(report.alive)} in use; {len(report.foreign)} from other hosts left alone")
