"""The graph's state: a serialisable TypedDict with reducers on its list fields.

Every value is plain JSON (str, int, float, bool, list, dict, None) or a LangChain
message (``messages``), so any LangGraph checkpointer can store it and a resumed run sees
exactly what the killed one did.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

# typing_extensions.TypedDict (not typing.TypedDict): pydantic, and so LangGraph's JSON
# schemas, as_tool() and LangGraph Server's input form, need it on Python < 3.12.
from typing_extensions import TypedDict

# The trajectory's steps are defined (with their typed details) in graphs.steps.
from ponder.graphs.steps import Step as Step

PlanStatus = Literal["pending", "done", "skipped"]
VerdictStatus = Literal["accept", "reject", "unverified"]
TaskKind = Literal["question", "code"]


class PlanStep(TypedDict):
    """One step of the plan and whether it needs a tool."""

    text: str
    tool: str  # "search", "python" or "none"
    status: PlanStatus


class ProgramRun(TypedDict):
    """A first-method program and what its one run (with its repair) gave."""

    code: str  # the program that gave the answer (the repair, if one ran)
    stdout: str
    value: str | None
    ok: bool
    computed: bool  # it computes something (it does not only print literals)
    ran: list[str]  # every program executed, in order


class Candidate(TypedDict):
    """An answer the model proposed, with the trajectory position it came from."""

    index: int
    answer: str
    step: int  # len(trajectory) when proposed
    code: str | None  # for coding tasks: the final code
    # "bare" (the final answer alone, one call), "direct" (one call, no tools: reasoning
    # for a question, the function for code), "program" (one program, run once),
    # "revise" (code shown its failing examples), "sample" (the bare call again,
    # sampled hotter, beside revise), "direct_sample" / "program_sample" (the direct
    # reasoning or the program drawn again, hotter, when a question's first answers
    # disagree) or "loop" (the tool loop). The first methods run side by side
    # (FIRST_METHODS).
    method: NotRequired[str]
    # For a "program" candidate: the program and what its run gave; checkers see it as
    # the candidate's only python step (steps.program_step).
    program: NotRequired[ProgramRun]


# The methods that run before the tool loop: the direct answer, a program, the bare
# answer, (for code failing the task's examples) revisions shown the failures and fresh
# samples, and (for a question whose first answers disagree) draws of the first two.
FIRST_METHODS = ("direct", "program", "revise", "bare", "sample", "direct_sample",
                 "program_sample")
# A drawn answer and the method it is another draw of.
DRAWN_FROM = {"direct_sample": "direct", "program_sample": "program"}


def next_index(candidates: list[Candidate]) -> int:
    """The index for a new candidate: after every index already used this turn (the first
    methods have fixed indices, and one of them may have produced nothing)."""
    return max((c["index"] for c in candidates), default=-1) + 1


def is_first(candidate: Candidate) -> bool:
    """Whether a candidate came from a first method (before any tool-loop step)."""
    return candidate.get("method") in FIRST_METHODS


class VerdictRecord(TypedDict):
    """A checker's judgement of one candidate, with its reason."""

    candidate: int
    checker: str
    status: VerdictStatus
    reason: str
    evidence: list[str]
    blocks: NotRequired[bool]  # an unsettled doubt that withholds acceptance
    score: NotRequired[float | None]  # the fraction of the task's tests that pass (code)


class Usage(TypedDict):
    """What a run has spent so far. The totals include what checkers spent; the
    ``checker_*`` counts say how much of them that was."""

    steps: int
    prompt_tokens: int
    completion_tokens: int
    tool_calls: int
    sandbox_seconds: float
    model_calls: int
    parse_failures: int
    repairs: int
    verify_rounds: int
    rejections: int
    replans: int
    resamples: int
    autofixes: int
    seconds: float
    first_seconds: float  # the first methods' wall time until verify adds it to seconds
    checker_model_calls: int
    checker_tokens: int
    checker_sandbox_seconds: float
    revisions: NotRequired[int]  # revise rounds (at most budget.max_revisions a turn)
    draws: NotRequired[int]  # draw rounds of a question (at most one a turn)


class FinalResult(TypedDict):
    """What a run returns: the answer, whether it was verified, why, and what it cost."""

    answer: str
    code: str | None
    verified: bool
    status: Literal["verified", "unverified", "failed"]
    reason: str
    # The method that proposed the answer (direct, bare, program, loop, revise, sample,
    # direct_sample, program_sample); "" when there is none.
    method: str
    evidence: list[str]
    sources: list[dict[str, Any]]
    artifacts: list[str]
    usage: dict[str, Any]


class Task(TypedDict, total=False):
    """The task a run works on (``question`` is required)."""

    question: str
    kind: TaskKind
    entry_point: str
    tests: str
    # The tests the task came with, before start added the examples its prompt states
    # (set only when it added some): the bare call shows what a bare model would see.
    given_tests: str


RESET = "__reset__"


def append_or_reset(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    """Reducer for list fields: append; a list starting with ``RESET`` replaces instead.

    A new turn on an existing thread starts a fresh trajectory this way.
    """
    if right and isinstance(right[0], str) and right[0] == RESET:
        return list(right[1:])
    return list(left or []) + list(right or [])


SIDE_BY_SIDE = "first_seconds"
"""The usage key of the wall seconds of methods that run side by side (the first methods,
fanned out with ``Send``): it keeps the longest of them, not their sum, since they spent
the same seconds; a negative value clears it (verify moves it into ``seconds``)."""


def _add_usage(left: Usage | None, right: Usage | dict[str, Any] | None) -> Usage:
    """Reducer: counters add up, ``SIDE_BY_SIDE`` keeps its largest value; a dict with
    ``RESET`` set replaces instead."""
    if right and right.get(RESET):
        return {k: v for k, v in right.items() if k != RESET}  # type: ignore[return-value]
    if not left:
        return dict(right or {})  # type: ignore[return-value]
    if not right:
        return left
    out: dict[str, Any] = dict(left)
    for key, value in right.items():
        if key == SIDE_BY_SIDE:
            side = float(value)  # type: ignore[arg-type]
            out[key] = 0.0 if side < 0 else max(float(out.get(key, 0.0)), side)
        else:
            out[key] = out.get(key, 0) + value
    return out  # type: ignore[return-value]


class PonderState(TypedDict, total=False):
    """The full state of one run (one turn of a thread).

    ``task`` is the graph's input; finalize clears it once the turn is answered (the
    question moves to ``history``), so a later input without a task cannot silently
    re-run the previous one."""

    task: Task | None
    history: list[dict[str, str]]  # earlier turns of the thread: {"question", "answer"}
    # The conversation as chat UIs and the LangGraph SDK render it: each turn's question
    # (a HumanMessage) and answer (an AIMessage). A new HumanMessage as input is a question.
    messages: Annotated[list[AnyMessage], add_messages]
    question_id: str  # the id of the HumanMessage the latest turn answers (see start)
    plan: list[PlanStep]
    trajectory: Annotated[list[Step], append_or_reset]
    candidates: Annotated[list[Candidate], append_or_reset]
    verdicts: Annotated[list[VerdictRecord], append_or_reset]
    critique: str
    pending_action: dict[str, Any] | None
    usage: Annotated[Usage, _add_usage]
    final: FinalResult | None
    # The candidates a revise round was asked to correct (whether or not it gave new
    # code): each function is revised at most once a turn.
    revised: Annotated[list[int], append_or_reset]


class PonderInput(TypedDict, total=False):
    """What the graph takes: a ``task``, or ``messages`` whose last one is the user's
    question (as chat UIs and the LangGraph SDK send it). ``history`` replaces the
    thread's earlier turns (``[]``: start the thread afresh)."""

    task: Task | None
    messages: Annotated[list[AnyMessage], add_messages]
    history: list[dict[str, str]]


def new_turn_update() -> dict[str, Any]:
    """The update that clears one turn's working state (plan, trajectory, candidates,
    verdicts, usage, result) while keeping the thread's ``history``."""
    return {
        "plan": [], "trajectory": [RESET], "candidates": [RESET], "verdicts": [RESET],
        "revised": [RESET], "critique": "", "pending_action": None, "final": None,
        "usage": {**empty_usage(), RESET: True},
    }


def empty_usage() -> Usage:
    return Usage(
        steps=0, prompt_tokens=0, completion_tokens=0, tool_calls=0, sandbox_seconds=0.0,
        model_calls=0, parse_failures=0, repairs=0, verify_rounds=0, rejections=0,
        replans=0, resamples=0, autofixes=0, seconds=0.0, first_seconds=0.0,
        checker_model_calls=0, checker_tokens=0, checker_sandbox_seconds=0.0,
    )
