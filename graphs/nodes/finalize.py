"""finalize: select the candidate with the strongest evidence (graphs.select) and build
the result."""

from __future__ import annotations

from typing import Any

from ponder.graphs.budget import budget_spent
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.select import best
from ponder.graphs.state import FinalResult, PonderState


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
    cand, status = best(state)
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
