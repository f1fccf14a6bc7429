"""Run-scoped dependencies of the graph, delivered through LangGraph's runtime context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.language_models import BaseChatModel

from ponder.agent.settings import Settings
from ponder.graphs.checkers.base import Checker
from ponder.graphs.policies import Policy, load_policies
from ponder.graphs.prompt_registry import Prompts, prompts_with
from ponder.tools.registry import ToolRegistry

_UNSET: Any = object()
FIELDS = ("model", "tools", "checkers", "settings", "policies", "prompts")


@dataclass(init=False)
class GraphContext:
    """The model, tools, checkers, settings, task-family policies and prompts one run uses.

    ``build_graph`` binds a default; pass ``context=GraphContext(...)`` to ``invoke`` or
    ``stream`` to swap some of them for one run (a per-user model, other prompts): the
    fields given replace the bound context's, the rest stay the bound ones (a per-run
    ``GraphContext(prompts=...)`` keeps the graph's model, tools and checkers).
    Standing alone (a node called directly), a field not given is its default: no tools,
    no checkers, default settings. ``policies`` None means the ones ``settings.policies``
    names; ``prompts`` None means the default prompts with ``settings.prompts`` replacing
    some.
    """

    # Class-level defaults keep a subclass's generated __init__ working (it counts every
    # field as given, replacing the whole bound context, as before per-run merging).
    model: BaseChatModel = None  # type: ignore[assignment]  # a standalone context needs one
    tools: ToolRegistry = field(default_factory=ToolRegistry)
    checkers: Sequence[Checker] = ()
    settings: Settings = field(default_factory=Settings)
    policies: Sequence[Policy] | None = None
    prompts: Prompts | None = None
    given: frozenset[str] = field(default=frozenset(FIELDS), init=False, repr=False,
                                  compare=False)

    def __init__(self, model: BaseChatModel = _UNSET, tools: ToolRegistry = _UNSET,
                 checkers: Sequence[Checker] = _UNSET, settings: Settings = _UNSET,
                 policies: Sequence[Policy] | None = _UNSET,
                 prompts: Prompts | None = _UNSET) -> None:
        values = dict(zip(FIELDS, (model, tools, checkers, settings, policies, prompts),
                          strict=True))
        self.given = frozenset(k for k, v in values.items() if v is not _UNSET)
        self.model = None if model is _UNSET else model  # type: ignore[assignment]
        self.tools = ToolRegistry() if tools is _UNSET else tools
        self.checkers = () if checkers is _UNSET else checkers
        self.settings = Settings() if settings is _UNSET else settings
        self.policies = None if policies is _UNSET else policies
        self.prompts = None if prompts is _UNSET else prompts
        self.__dict__["_constructed"] = True

    def __setattr__(self, name: str, value: Any) -> None:
        # A field set after construction (ctx.prompts = …) is given, as if passed.
        object.__setattr__(self, name, value)
        if name in FIELDS and self.__dict__.get("_constructed"):
            object.__setattr__(self, "given", self.given | {name})

    def effectively_given(self) -> frozenset[str]:
        """The fields this context replaces when laid over another: those given and not
        None (None is "not given" for every field, as ``build_graph`` reads
        ``checkers=None``; a copy made with ``dataclasses.replace`` counts every field
        as given)."""
        return frozenset(name for name in self.given if getattr(self, name) is not None)

    def over(self, bound: GraphContext) -> GraphContext:
        """This per-run context laid over the graph's ``bound`` one: the fields given
        here (and not None), the bound context's for the rest."""
        return replace(bound, **{name: getattr(self, name)
                                 for name in self.effectively_given()})

    def active_policies(self) -> Sequence[Policy]:
        """``policies`` if given, else those ``settings.policies`` names. Raises
        ConfigError for a name no policy has."""
        return self.policies if self.policies is not None else load_policies(
            self.settings.policies)

    def active_prompts(self) -> Prompts:
        """``prompts`` if given, else the defaults with ``settings.prompts`` replacing some.
        Raises ConfigError for a bad override (settings validate them when loaded)."""
        return self.prompts if self.prompts is not None else prompts_with(self.settings.prompts)
