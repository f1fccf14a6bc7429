"""finalize: choose the best candidate and build the result."""

from __future__ import annotations

from typing import Any

from ponder.graphs.budget import budget_spent
from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.checkers.code import answer_in, python_steps
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.nodes.verify import candidate_status
from ponder.graphs.parsing import defines
from ponder.graphs.state import Candidate, FinalResult, PonderState

_KIND_CHECKERS = ("form", "answer-type")


def _complete(state: PonderState, candidates: list[Candidate]) -> list[Candidate]:
    """For a coding task, the candidates whose code parses and defines the entry point
    (a bare signature is never returned while a complete function exists)."""
    task = state.get("task") or {}
    entry = task.get("entry_point")
    if task.get("kind") != "code" or not entry:
        return candidates
    complete = [c for c in candidates if defines(c.get("code") or c["answer"], entry)]
    return complete or candidates


def _computed(state: PonderState, cand: Candidate) -> bool:
    """Whether a successful python step that computes something printed this answer."""
    trajectory = [dict(s) for s in state.get("trajectory", [])[: cand["step"]]]
    return any(s["ok"] and s["computed"] and answer_in(cand["answer"], s["output"])
               for s in python_steps(trajectory))


def _blocked(state: PonderState, cand: Candidate) -> bool:
    """Whether a check found an unsettled doubt about this candidate (an independent
    implementation disagrees with it)."""
    return any(v["candidate"] == cand["index"] and v["status"] == "unverified"
               and v.get("blocks") for v in state.get("verdicts", []))


def _loop_beats_direct(state: PonderState, loop: Candidate, direct: Candidate) -> bool:
    """Whether an unverified tool-loop answer has evidence the direct answer lacks.
    Questions: a computation printed it, and the question is exact work rather than a
    story to understand (where a small model's programs misread more often than its
    words). Code: a doubt was found about the direct code and none about the loop's."""
    task = state.get("task") or {}
    if task.get("kind") == "code":
        return _blocked(state, direct) and not _blocked(state, loop)
    return _computed(state, loop) and not is_word_problem(task.get("question", ""))


def _best(state: PonderState) -> tuple[Candidate | None, str]:
    """The latest accepted candidate; else, among those not rejected, the direct answer
    (the model's own, candidate 0) unless a tool-loop answer has evidence it lacks;
    else the latest rejected one that is at least of the right kind (a weekday for
    "which day"), else the latest. Coding tasks only consider complete functions while
    there are any."""
    candidates = _complete(state, state.get("candidates", []))
    status = {c["index"]: candidate_status(state, c["index"]) for c in candidates}
    for cand in reversed(candidates):
        if status[cand["index"]] == "accept":
            return cand, "accept"
    open_ = [c for c in candidates if status[c["index"]] in ("unverified", "unchecked")]
    direct = next((c for c in open_ if c.get("method") == "direct"), None)
    loop = next((c for c in reversed(open_) if c.get("method") != "direct"), None)
    if direct is not None and (loop is None or not _loop_beats_direct(state, loop, direct)):
        return direct, status[direct["index"]]
    if loop is not None:
        return loop, status[loop["index"]]
    wrong_kind = {v["candidate"] for v in state.get("verdicts", [])
                  if v["status"] == "reject" and v["checker"] in _KIND_CHECKERS}
    for cand in reversed(candidates):
        if cand["index"] not in wrong_kind:
            return cand, "reject"
    return (candidates[-1], "reject") if candidates else (None, "none")


def _evidence(state: PonderState, index: int) -> list[str]:
    out: list[str] = []
    for v in state.get("verdicts", []):
        if v["candidate"] == index:
            out.append(f"{v['checker']}: {v['status']} — {v['reason']}")
            out.extend(v["evidence"])
    return out


def _sources(state: PonderState) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for step in state.get("trajectory", []):
        for src in step.get("sources", []):
            seen.setdefault(str(src.get("url")), src)
    return list(seen.values())[:20]


def _reason(status: str, spent: str | None, state: PonderState) -> str:
    if status == "accept":
        return "verified by the checks listed in the evidence"
    if status == "unchecked":
        return "no check ran on the answer" + (f"; {spent}" if spent else "")
    if status == "reject":
        why = state.get("critique") or "the checks rejected it"
        return f"returned unverified after rejection ({why})" + (f"; {spent}" if spent else "")
    if status == "none":
        return f"no answer was produced ({spent or 'the run ended'})"
    return "no check could confirm the answer" + (f"; {spent}" if spent else "")


async def finalize_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """Build the FinalResult; never raises, even with no candidate at all."""
    cand, status = _best(state)
    spent = budget_spent(state.get("usage"), ctx.settings.budget)
    verified = status == "accept"
    result = FinalResult(
        answer=cand["answer"] if cand else "",
        code=cand.get("code") if cand else None,
        verified=verified,
        status="verified" if verified else ("failed" if cand is None else "unverified"),
        reason=_reason(status, spent, state),
        evidence=_evidence(state, cand["index"]) if cand else [],
        sources=_sources(state),
        artifacts=[a for s in state.get("trajectory", []) for a in s.get("artifacts", [])],
        usage=dict(state.get("usage") or {}),
    )
    emit({"type": "usage", "usage": dict(result["usage"])})
    emit({"type": "final", "result": dict(result)})
    history = list(state.get("history", []))
    history.append({"question": state["task"]["question"], "answer": result["answer"]})
    # The task is consumed: a later input without one must not re-run it (see start).
    return {"final": result, "history": history[-20:], "task": None}
