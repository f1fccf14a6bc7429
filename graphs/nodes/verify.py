"""verify: judge the latest candidate with every checker and record the verdicts."""

from __future__ import annotations

import logging
import time
from typing import Any

from ponder.graphs.budget import OutOfTime, seconds_left, within
from ponder.graphs.checkers.base import CheckInput, Verdict, combine
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.prompts import render_history
from ponder.graphs.state import PonderState, VerdictRecord

log = logging.getLogger(__name__)


def check_input(state: PonderState, thread_id: str) -> CheckInput:
    task = state["task"]
    candidate = state["candidates"][-1]
    return CheckInput(
        question=task["question"], context=render_history(state.get("history", [])),
        kind=task.get("kind", "question"),
        answer=candidate["answer"], code=candidate.get("code"),
        entry_point=task.get("entry_point"), tests=task.get("tests"),
        trajectory=[dict(s) for s in state.get("trajectory", [])[: candidate["step"]]],
        planned_tools=sorted({p["tool"] for p in state.get("plan", [])} - {"none"}),
        thread_id=thread_id,
    )


async def _run_checkers(ctx: GraphContext, item: CheckInput, seconds: float) -> list[Verdict]:
    """Every checker in turn, within ``seconds`` in all: a checker still running when the
    time budget runs out, and those after it, say ``unverified`` and withhold acceptance
    (a check that could not finish is a doubt, not a pass)."""
    verdicts: list[Verdict] = []
    deadline = time.perf_counter() + seconds
    for checker in ctx.checkers:
        try:
            verdicts.append(await within(deadline - time.perf_counter(), checker.check(item)))
        except OutOfTime:
            verdicts.append(Verdict(checker=checker.name, status="unverified", blocks=True,
                                    reason="the time budget ran out before this check "
                                    "finished"))
        except Exception as exc:  # a broken checker must not pass or crash the run
            log.warning("checker %s raised %s: %s", checker.name, type(exc).__name__, exc)
            log.debug("checker %s traceback", checker.name, exc_info=True)
            verdicts.append(Verdict(checker=checker.name, status="unverified",
                                    reason=f"checker failed: {exc}"))
    if not verdicts:
        verdicts.append(Verdict(checker="none", status="unverified",
                                reason="no checker is configured"))
    return verdicts


async def verify_node(
    state: PonderState, ctx: GraphContext, emit: Emit, *, thread_id: str = "default"
) -> dict[str, Any]:
    """Run the checkers; a rejection leaves its reasons as the critique for think."""
    started = time.perf_counter()
    candidate = state["candidates"][-1]
    left = seconds_left(state.get("usage"), ctx.settings.budget)
    verdicts = await _run_checkers(ctx, check_input(state, thread_id), left)
    records = [
        VerdictRecord(candidate=candidate["index"], checker=v.checker, status=v.status,
                      reason=v.reason, evidence=list(v.evidence), blocks=v.blocks)
        for v in verdicts
    ]
    for r, v in zip(records, verdicts, strict=True):
        emit({"type": "verdict", "candidate": r["candidate"], "checker": r["checker"],
              "status": r["status"], "reason": r["reason"], "blocks": v.blocks})
    overall = combine(verdicts)
    critique = "; ".join(v.reason for v in verdicts if v.status == "reject")
    return {
        "verdicts": records,
        "critique": critique,
        "usage": {"verify_rounds": 1, "rejections": int(overall == "reject"),
                  "seconds": time.perf_counter() - started},
    }


def candidate_status(state: PonderState, index: int) -> str:
    """accept / reject / unverified for one candidate, from its recorded verdicts."""
    mine = [
        Verdict(checker=v["checker"], status=v["status"], reason=v["reason"],
                blocks=bool(v.get("blocks", False)))
        for v in state.get("verdicts", []) if v["candidate"] == index
    ]
    return combine(mine) if mine else "unchecked"
