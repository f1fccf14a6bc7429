"""Options shared by the run commands, and how they become settings overrides."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import typer

from ponder.agent.errors import ConfigError
from ponder.agent.settings import Settings, load_settings

ModelOpt = typer.Option(None, "--model", "-m", help="Model spec, e.g. local:qwen2.5-coder-0.5b.")
BaseUrlOpt = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint URL.")
MaxStepsOpt = typer.Option(None, "--max-steps", min=1, help="Step budget.")
TimeoutOpt = typer.Option(None, "--timeout", min=1.0, help="Wall-clock budget in seconds.")
SandboxOpt = typer.Option(None, "--sandbox", help="docker (default), local (UNSAFE) or none.")
NoCacheOpt = typer.Option(False, "--no-cache", help="Bypass the web cache.")
ConfigOpt = typer.Option(None, "--config", help="Settings file (TOML).", exists=False)
VerboseOpt = typer.Option(False, "--verbose", "-v", help="Print every check on every "
                          "candidate (default: those that accepted, rejected or doubted).")
DebugOpt = typer.Option(False, "--debug", help="Show tracebacks and debug logs.")
McpOpt = typer.Option(None, "--mcp", help="JSON file of MCP servers whose tools to add "
                      '({"mcpServers": {...}}).')


def settings_from(
    *, model: str | None = None, base_url: str | None = None, max_steps: int | None = None,
    timeout: float | None = None, sandbox: str | None = None, no_cache: bool = False,
    config: Path | None = None, mcp: Path | None = None,
) -> Settings:
    """Settings with the CLI flags as the top layer. Raises ConfigError."""
    overrides: dict[str, Any] = {}
    if mcp is not None:
        if not mcp.is_file():
            raise ConfigError("mcp_config", "file not found", source=f"--mcp {mcp}")
        overrides["mcp_config"] = mcp
    if model:
        overrides["model"] = model
    if base_url:
        overrides["base_url"] = base_url
    budget: dict[str, Any] = {}
    if max_steps is not None:
        budget["max_steps"] = max_steps
    if timeout is not None:
        budget["max_seconds"] = timeout
    if budget:
        overrides["budget"] = budget
    if sandbox:
        overrides["sandbox"] = {"kind": sandbox}
    if no_cache:
        overrides["search"] = {"cache": False}
    return load_settings(overrides, config_file=config)


class _OneLine(logging.Filter):
    """Without --debug a log record never carries a traceback: its exception is folded
    into the message as one ``(Type: reason)`` suffix."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            if exc is not None:
                first = (str(exc).strip().splitlines() or [""])[0][:200]
                record.msg = f"{record.getMessage()} ({type(exc).__name__}: {first})"
                record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def setup_logging(debug: bool) -> None:
    """Log warnings (everything with ``debug``) to stderr; tracebacks only with ``debug``.
    ``PONDER_DEBUG=1`` in the environment works as ``--debug``."""
    from rich.console import Console
    from rich.logging import RichHandler

    debug = debug or os.environ.get("PONDER_DEBUG", "") not in ("", "0")

    level = logging.DEBUG if debug else logging.WARNING
    # stderr: stdout carries results (``ask --json`` prints exactly one JSON document).
    handler = RichHandler(show_path=False, console=Console(stderr=True, emoji=False))
    if not debug:
        handler.addFilter(_OneLine())
    logging.basicConfig(level=level, handlers=[handler], format="%(message)s", force=True)
    if not debug:
        for noisy in ("httpx", "httpcore", "openai", "langchain", "langgraph"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
