"""The tools an Agent gets by default, chosen by the settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ponder.agent.settings import Settings
from ponder.tools.base import Tool

if TYPE_CHECKING:
    from ponder.sandbox.pool import SandboxPool

log = logging.getLogger(__name__)


async def default_tools(settings: Settings, *, web: bool = True,
                        pool: SandboxPool | None = None) -> list[Tool]:
    """The python tool (unless ``sandbox.kind`` is ``none``; its sandboxes from ``pool``
    when one is given) and the web tools.

    A ``local`` sandbox runs code on this machine with no isolation; it is only ever
    used when the settings ask for it, and it says so loudly when it starts.
    """
    tools: list[Tool] = []
    if settings.sandbox.kind != "none":
        from ponder.tools.python import PythonTool

        tools.append(PythonTool.from_settings(settings, pool=pool))
    if web:
        from ponder.tools.web import make_web_tools

        tools.extend(make_web_tools(settings, no_cache=not settings.search.cache))
    return tools
