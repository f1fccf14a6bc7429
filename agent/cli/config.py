"""``ponder config``: the effective settings and where each value came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from ponder.agent.cli import app
from ponder.agent.cli._options import ConfigOpt
from ponder.agent.settings import load_settings_with_sources


def _mask(value: Any) -> str:
    """The value as shown: secrets masked, and a URL's password too (``checkpoint_url``
    holds the database's)."""
    if isinstance(value, SecretStr):
        raw = value.get_secret_value()
        return "****" + raw[-4:] if len(raw) > 8 else "****"
    if isinstance(value, str) and "://" in value:
        from ponder.agent.checkpoints import masked_url

        try:
            return masked_url(value)
        except ValueError:  # not a URL after all (a bad port): shown whole, as before
            return value
    return str(value)


def _rows(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        if hasattr(type(value), "model_fields"):
            rows.extend(_rows(value, f"{prefix}{name}."))
        else:
            rows.append((f"{prefix}{name}", value))
    return rows


@app.command("config")
def show_config(config: Path | None = ConfigOpt) -> None:
    """Show the effective settings, where each came from, secrets masked."""
    loaded = load_settings_with_sources(config_file=config)
    table = Table(title="ponder settings")
    table.add_column("key")
    table.add_column("value")
    table.add_column("from")
    for key, value in _rows(loaded.settings):
        table.add_row(key, _mask(value), loaded.sources.get(key, "default"))
    console = Console(highlight=False, emoji=False)
    console.print(table)
    where = loaded.config_file or "none found (looked for ./ponder.toml and the user config dir)"
    console.print(f"settings file: {where}")
