"""The tools an Agent gets by default, chosen by the settings."""

from __future__ import annotations

from ponder.agent.settings import Settings
from ponder.tools.base import Tool


async def default_tools(settings: Settings) -> list[Tool]:
    """Nothing yet: the python and web tools are added as they land."""
    return []
