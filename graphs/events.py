"""Typed events that stream out of a run.

Nodes emit plain dicts through LangGraph's ``custom`` stream mode (so any LangGraph
client, including LangGraph Server, sees them); :func:`to_event` turns one into the
matching typed event for Python callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

Emit = Callable[[dict[str, Any]], None]


class PlanMade(BaseModel):
    type: Literal["plan"] = "plan"
    steps: list[dict[str, str]]
    replan: bool = False


class ThoughtEvent(BaseModel):
    type: Literal["thought"] = "thought"
    step: int
    text: str


class ToolCallEvent(BaseModel):
    type: Literal["tool_call"] = "tool_call"
    step: int
    tool: str
    args: dict[str, Any]


class ObservationEvent(BaseModel):
    type: Literal["observation"] = "observation"
    step: int
    tool: str
    ok: bool
    text: str
    artifacts: list[str] = Field(default_factory=list)


class CandidateEvent(BaseModel):
    type: Literal["candidate"] = "candidate"
    index: int
    answer: str
    # How it was proposed (direct, bare, program, loop, revise, sample, direct_sample,
    # program_sample); "" from emitters that predate the field.
    method: str = ""


class VerdictEvent(BaseModel):
    type: Literal["verdict"] = "verdict"
    candidate: int
    checker: str
    status: Literal["accept", "reject", "unverified"]
    reason: str
    blocks: bool = False  # an unsettled doubt that withholds acceptance
    # What this check spent ({"model_calls", "prompt_tokens", "completion_tokens",
    # "sandbox_seconds"}, the non-zero ones; already in the run's usage).
    usage: dict[str, float] = Field(default_factory=dict)


class ParseFailureEvent(BaseModel):
    type: Literal["parse_failure"] = "parse_failure"
    node: str
    raw: str


class BudgetEvent(BaseModel):
    """The wall-clock budget ran out while a node's model call was in flight."""

    type: Literal["budget"] = "budget"
    node: str
    reason: str


class FinalEvent(BaseModel):
    type: Literal["final"] = "final"
    result: dict[str, Any]


class UsageEvent(BaseModel):
    type: Literal["usage"] = "usage"
    usage: dict[str, Any]


class ApprovalEvent(BaseModel):
    """The run waits for a person to approve, edit or reject code before it runs (see
    :mod:`ponder.graphs.approval`); the facade emits it, nodes do not."""

    type: Literal["approval"] = "approval"
    id: str
    where: str
    code: str


Event = Annotated[
    PlanMade | ThoughtEvent | ToolCallEvent | ObservationEvent | CandidateEvent
    | VerdictEvent | ParseFailureEvent | BudgetEvent | FinalEvent | UsageEvent
    | ApprovalEvent,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def to_event(payload: dict[str, Any]) -> Event:
    """The typed event for a dict a node emitted. Raises pydantic's ValidationError."""
    return _ADAPTER.validate_python(payload)


def no_emit(_: dict[str, Any]) -> None:
    """An emitter that drops events (for direct node calls outside a stream)."""
