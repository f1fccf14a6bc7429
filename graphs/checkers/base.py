"""The checker protocol: how the verify node judges a candidate answer with evidence.

A checker looks at one candidate and the run's trajectory and returns a
:class:`Verdict`: ``accept`` (real evidence supports it), ``reject`` (evidence
contradicts it; the reason becomes the critique the model sees) or ``unverified``
(this checker had nothing to check). A checker with no evidence must say
``unverified``, never ``accept``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ponder.graphs.prompt_registry import DEFAULT_PROMPTS, Prompts


class Verdict(BaseModel):
    """One checker's judgement, with the reason and the evidence it rests on."""

    checker: str
    status: Literal["accept", "reject", "unverified"]
    reason: str
    evidence: list[str] = Field(default_factory=list)
    # An ``unverified`` verdict that withholds acceptance: the check found a doubt it
    # could not settle (an independent implementation disagrees), so other checkers'
    # acceptances must not mark the answer verified. It is not a rejection: no critique.
    blocks: bool = False
    # For code run against tests: the fraction of them that pass (0..1), which ranks
    # candidates that all fail ("the one that passes the most examples"); else None.
    score: float | None = None


class CheckInput(BaseModel):
    """Everything a checker may look at: plain data copied out of the graph state, and
    the run's prompts (a checker that asks the model uses them)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    question: str
    # Earlier turns of the conversation ("Earlier in this conversation: Q: … A: …"), or
    # "". A checker that asks the model anything must show it: "Now double that" means
    # nothing without the turn before.
    context: str = ""
    kind: Literal["question", "code"] = "question"
    answer: str
    code: str | None = None
    entry_point: str | None = None
    tests: str | None = None
    # The tests the task came with, without the examples read from its prompt; None when
    # ``tests`` are all given. Only given tests may vouch for code: passing a prompt's
    # examples rejects nothing and is not yet measured as evidence of a right function.
    given_tests: str | None = None
    # graphs.steps.Step dicts; read their details with its accessors (python_run, web_call)
    trajectory: list[dict[str, Any]] = Field(default_factory=list)
    planned_tools: list[str] = Field(default_factory=list)  # the tools the plan asked for
    thread_id: str = "default"
    # How the candidate was made: "direct", "program" or "loop" (graphs.state.Candidate).
    method: str = "loop"
    # The other methods' latest answers this turn, by method: a checker comparing methods
    # uses them instead of asking the model again.
    other_answers: dict[str, str] = Field(default_factory=dict)
    prompts: Prompts = DEFAULT_PROMPTS
    # The tool loop's action format ("json" or "fenced"): which worked examples it saw.
    action_format: str = "json"
    # Programs the thread's python session ran before the tool loop's steps (the program
    # method's run, in the same session), which a loop step may rely on (a module imported
    # or a name defined there): a re-run replays them first.
    session_code: list[str] = Field(default_factory=list)


def in_context(item: CheckInput, prompt: str) -> str:
    """``prompt`` preceded by the conversation's earlier turns, when there are any."""
    return f"{item.context}\n\n{prompt}" if item.context else prompt


@runtime_checkable
class Checker(Protocol):
    """Judges a candidate answer. ``check`` must not raise for bad candidates.

    A checker that calls a model or runs code should also have ``with_meter`` (see
    :class:`ponder.graphs.metering.Meterable`), so that what it spends counts against the
    run's budget; without it, it works the same but its spending is not counted."""

    name: str

    async def check(self, item: CheckInput) -> Verdict: ...


@runtime_checkable
class TieBreaker(Protocol):
    """A checker that can also rank pieces of code that all have the same evidence.

    ``break_ties`` runs ``codes`` (implementations of ``item``'s function) side by side and
    returns, for each, how many of the others agree with it on every input tried (-1 for
    code that does not load), or None when they could not be compared. It only breaks ties: the selector asks it when
    no other evidence separates the candidates, never to overrule evidence."""

    name: str

    async def break_ties(self, item: CheckInput, codes: Sequence[str]) -> list[int] | None: ...


def combine(verdicts: list[Verdict]) -> Literal["accept", "reject", "unverified"]:
    """Any rejection rejects; otherwise a blocking doubt leaves it unverified; otherwise any
    acceptance accepts; otherwise unverified."""
    statuses = {v.status for v in verdicts}
    if "reject" in statuses:
        return "reject"
    if any(v.blocks and v.status == "unverified" for v in verdicts):
        return "unverified"
    if "accept" in statuses:
        return "accept"
    return "unverified"
