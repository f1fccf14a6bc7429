"""finalize: select the candidate with the strongest evidence (graphs.select) and build
the result."""

from __future__ import annotations

import logging
import time
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.errors import GraphBubbleUp

from ponder.graphs.budget import OutOfTime, budget_spent, seconds_left, within
from ponder.graphs.checkers.base import TieBreaker
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.metering import Meter, Meterable
from ponder.graphs.nodes.verify import check_input, checkers_usage
from ponder.graphs.select import best, tied_code
from ponder.graphs.state import FinalResult, PonderState, Task, VerdictRecord, _add_usage

log = logging.getLogger(__name__)


def _evidence(state: PonderState, index: int, status: str = "accept") -> list[str]:
    """The selected candidate's verdicts, those that decided first: for a rejected answer
    the rejections, then acceptances; else acceptances, then rejections; then doubts that
    withheld acceptance (said as ``doubt``), then the checks that found nothing either way
    (a summary cut short keeps what mattered, and does not open a rejected answer with
    "accept")."""
    first = "reject" if status == "reject" else "accept"

    def weight(v: VerdictRecord) -> int:
        if v["status"] == "unverified":
            return 2 if v.get("blocks") else 3
        return 0 if v["status"] == first else 1

    mine = [v for v in state.get("verdicts", []) if v["candidate"] == index]
    out: list[str] = []
    for v in sorted(mine, key=weight):  # sorted() is stable: checker order within a rank
        said = "doubt" if v["status"] == "unverified" and v.get("blocks") else v["status"]
        out.append(f"{v['checker']}: {said} — {v['reason']}")
        out.extend(v["evidence"])
    return out


def _sources(state: PonderState) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for step in state.get("trajectory", []):
        for src in step.get("sources", []):
            seen.setdefault(str(src.get("url")), src)
    return list(seen.values())[:20]


def _reason(status: str, spent: str | None, state: PonderState, index: int | None = None) -> str:
    if status == "accept":
        return "verified by the checks listed in the evidence"
    if status == "unchecked":
        return "no check ran on the answer" + (f"; {spent}" if spent else "")
    if status == "reject":
        # The selected answer's own rejections (the critique is the latest round's,
        # about another candidate when an earlier one was selected).
        own = [v["reason"] for v in state.get("verdicts", [])
               if v["candidate"] == index and v["status"] == "reject"]
        why = "; ".join(own) or "the checks rejected it"
        return f"returned unverified after rejection ({why})" + (f"; {spent}" if spent else "")
    if status == "none":
        return f"no answer was produced ({spent or 'the run ended'})"
    return "no check could confirm the answer" + (f"; {spent}" if spent else "")


async def _break_ties(state: PonderState, ctx: GraphContext, thread_id: str
                      ) -> tuple[dict[int, int], list[str], Meter]:
    """For code candidates nothing else separates: how many of the others each agrees
    with, from the first tie-breaker among the checkers (empty when there is none, the
    time is spent, or they could not be compared), with one evidence line."""
    meter = Meter()
    tied = tied_code(state)
    breaker = next((c for c in ctx.checkers if isinstance(c, TieBreaker)), None)
    left = seconds_left(state.get("usage"), ctx.settings.budget)
    spent = budget_spent(state.get("usage"), ctx.settings.budget)
    if not tied or breaker is None or left < 1 or spent is not None:
        return {}, [], meter
    try:
        metered = breaker.with_meter(meter) if isinstance(breaker, Meterable) else breaker
        item = check_input(state, thread_id, tied[0], ctx.active_prompts(),
                           ctx.settings.action_format)
        counts = await within(left, metered.break_ties(  # type: ignore[union-attr]
            item, [c.get("code") or c["answer"] for c in tied]))
        if not counts:
            return {}, [], meter
        agreement = {c["index"]: int(n) for c, n in zip(tied, counts, strict=True)}
    except OutOfTime:
        return {}, [], meter
    except GraphBubbleUp:  # an approval interrupt: the run pauses here
        raise
    except Exception as exc:  # a broken tie-breaker leaves the tie as it was
        log.warning("tie-breaker %s raised %s: %s", breaker.name, type(exc).__name__, exc)
        return {}, [], meter
    if len(set(agreement.values())) < 2:
        return {}, [], meter  # every piece of code agrees as much: the tie stands
    shown = ", ".join(f"#{i}: {n}" for i, n in agreement.items())
    return agreement, [f"tie-break ({breaker.name}): {len(tied)} pieces of code with the same "
                       f"evidence ran side by side; how many others each agrees with: {shown}"], \
        meter


async def finalize_node(state: PonderState, ctx: GraphContext, emit: Emit, *,
                        thread_id: str = "default") -> dict[str, Any]:
    """Build the FinalResult; never raises, even with no candidate at all."""
    started = time.perf_counter()
    agreement, tie_evidence, meter = await _break_ties(state, ctx, thread_id)
    cand, status = best(state, agreement)
    delta = {**checkers_usage(meter), "seconds": time.perf_counter() - started}
    usage = _add_usage(state.get("usage"), delta)
    spent = budget_spent(usage, ctx.settings.budget)
    verified = status == "accept"
    result = FinalResult(
        answer=cand["answer"] if cand else "",
        code=cand.get("code") if cand else None,
        verified=verified,
        status="verified" if verified else ("failed" if cand is None else "unverified"),
        reason=_reason(status, spent, state, cand["index"] if cand else None),
        method=cand.get("method", "loop") if cand else "",
        evidence=(tie_evidence + _evidence(state, cand["index"], status)) if cand else [],
        sources=_sources(state),
        artifacts=[a for s in state.get("trajectory", []) for a in s.get("artifacts", [])],
        usage=dict(usage),
    )
    emit({"type": "usage", "usage": dict(result["usage"])})
    emit({"type": "final", "result": dict(result)})
    history = list(state.get("history", []))
    history.append({"question": state["task"]["question"], "answer": result["answer"]})
    reply = AIMessage(content=_message_text(result, state["task"]),
                      response_metadata={"status": result["status"],
                                         "verified": result["verified"]})
    # The task is consumed: a later input without one must not re-run it (see start).
    return {"final": result, "history": history[-20:], "task": None, "usage": delta,
            "messages": [reply]}


def _message_text(result: FinalResult, task: Task) -> str:
    """The answer as the conversation shows it: code in a fenced block."""
    if task.get("kind") == "code" and result["code"]:
        return f"```python\n{result['code'].strip()}\n```"
    return result["answer"] or f"(no answer: {result['reason']})"
