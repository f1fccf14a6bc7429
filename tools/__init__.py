"""Tools the model can call: the protocol, the registry, web search/reading, python."""

from ponder.tools.base import Observation, SourceRecord, Tool, ToolContext
from ponder.tools.registry import ToolRegistry

__all__ = ["Observation", "SourceRecord", "Tool", "ToolContext", "ToolRegistry"]
