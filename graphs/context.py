"""Run-scoped dependencies of the graph, delivered through LangGraph's runtime context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from ponder.agent.settings import Settings
from ponder.graphs.checkers.base import Checker
from ponder.graphs.policies import Policy, load_policies
from ponder.graphs.prompt_registry import Prompts, prompts_with
from ponder.tools.registry import ToolRegistry


@dataclass
class GraphContext:
    """The model, tools, checkers, settings, task-family policies and prompts one run uses.

    ``build_graph`` binds a default; pass ``context=GraphContext(...)`` to ``invoke`` or
    ``stream`` to swap any of them for one run (for example a per-user model).
    ``policies`` None means the ones ``settings.policies`` names; ``prompts`` None means
    the default prompts with ``settings.prompts`` replacing some.
    """

    model: BaseChatModel
    tools: ToolRegistry = field(default_factory=ToolRegistry)
    checkers: Sequence[Checker] = ()
    settings: Settings = field(default_factory=Settings)
    policies: Sequence[Policy] | None = None
    prompts: Prompts | None = None

    def active_policies(self) -> Sequence[Policy]:
        """``policies`` if given, else those ``settings.policies`` names. Raises
        ConfigError for a name no policy has."""
        return self.policies if self.policies is not None else load_policies(
            self.settings.policies)

    def active_prompts(self) -> Prompts:
        """``prompts`` if given, else the defaults with ``settings.prompts`` replacing some.
        Raises ConfigError for a bad override (settings validate them when loaded)."""
        return self.prompts if self.prompts is not None else prompts_with(self.settings.prompts)
