"""The tool protocol: how a capability (search, open, find, python) plugs into the graph.

A tool has a ``name``, a one-line ``description`` for the model, an ``args_schema``
(pydantic) and an async ``call`` that returns an :class:`Observation`. A tool never
raises for problems the model caused or can work around (bad arguments, a 404, code
that crashes): it returns an observation with ``ok=False`` that says what happened.
Only broken infrastructure raises (a :class:`~ponder.agent.errors.PonderRuntimeError`),
and the act node turns even that into an observation, so a run never dies of a tool.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class SourceRecord(BaseModel):
    """Where a piece of text came from: the provenance of an observation."""

    model_config = ConfigDict(frozen=True)
    url: str
    title: str = ""
    chunk: int | None = None
    quote: str = Field("", description="the span of fetched text this record vouches for")


class Observation(BaseModel):
    """What a tool call produced, as the model will see it plus structured extras."""

    tool: str
    ok: bool = True
    text: str = Field(description="bounded, delimited text shown to the model")
    sources: list[SourceRecord] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list, description="paths of saved files")
    data: dict[str, Any] = Field(
        default_factory=dict, description="tool-specific JSON-serialisable details"
    )
    duration: float = 0.0


class ToolContext(BaseModel):
    """Run-scoped facts a tool may need."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    thread_id: str = "default"
    run_id: str = ""
    # The run's steps so far (graphs.steps.Step dicts): a tool whose in-memory state was
    # lost (the process restarted and the run resumed) can rebuild it from them.
    earlier: list[dict[str, Any]] = Field(default_factory=list)
    # Seconds left of the run's time budget when the call starts (None: no budget known);
    # a tool that can wait on something external should not wait past it.
    seconds_left: float | None = None


@runtime_checkable
class Tool(Protocol):
    """A capability the model can call. See the module docstring for the contract."""

    name: ClassVar[str] | str
    description: ClassVar[str] | str
    args_schema: ClassVar[type[BaseModel]] | type[BaseModel]

    async def call(self, args: BaseModel, ctx: ToolContext) -> Observation: ...


async def aclose_tool(tool: Tool) -> None:
    """Release a tool's resources if it has any (an ``aclose`` coroutine method)."""
    closer = getattr(tool, "aclose", None)
    if closer is not None:
        await closer()
