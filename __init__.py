"""Ponder: a small language model that plans, uses tools and checks its own work.

The facade most users need::

    from ponder import Agent, build_graph, load_settings

Names are imported lazily so that ``import ponder`` stays fast for the CLI.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("ponder")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+unknown"

_EXPORTS = {
    "Agent": "ponder.agent.facade",
    "RunResult": "ponder.agent.facade",
    "build_graph": "ponder.graphs.builder",
    "GraphContext": "ponder.graphs.context",
    "Prompts": "ponder.graphs.prompt_registry",
    "Settings": "ponder.agent.settings",
    "load_settings": "ponder.agent.settings",
    "resolve_model": "ponder.agent.models.factory",
    "PonderError": "ponder.agent.errors",
    "UserError": "ponder.agent.errors",
    "ConfigError": "ponder.agent.errors",
}

__all__ = [
    "Agent", "ConfigError", "GraphContext", "PonderError", "Prompts", "RunResult", "Settings",
    "UserError", "__version__", "build_graph", "load_settings", "resolve_model",
]

if TYPE_CHECKING:
    from ponder.agent.errors import ConfigError, PonderError, UserError
    from ponder.agent.facade import Agent, RunResult
    from ponder.agent.models.factory import resolve_model
    from ponder.agent.settings import Settings, load_settings
    from ponder.graphs.builder import build_graph
    from ponder.graphs.context import GraphContext
    from ponder.graphs.prompt_registry import Prompts


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ponder' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
