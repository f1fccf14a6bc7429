"""verify: judge every candidate not yet judged with every checker, concurrently, and
record the verdicts. After the first methods that is the direct answer and the program's
answer together; in the tool loop it is the loop's latest answer. Each check has its own
meter (graphs.metering): what the checkers spent is added to the run's usage."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from langgraph.errors import GraphBubbleUp

from ponder.graphs import tracing
from ponder.graphs.budget import OutOfTime, seconds_left, within
from ponder.graphs.checkers.base import Checker, CheckInput, Verdict, combine
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.metering import Meter, Meterable
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS, Prompts
from ponder.graphs.prompts import render_history
from ponder.graphs.state import SIDE_BY_SIDE, Candidate, PonderState, VerdictRecord, is_first
from ponder.graphs.steps import program_step, upgrade_step

log = logging.getLogger(__name__)


def check_input(state: PonderState, thread_id: str, candidate: Candidate | None = None,
                prompts: Prompts = DEFAULT_PROMPTS, action_format: str = "json") -> CheckInput:
    """What the checkers see of ``candidate`` (default: the latest). A program
    candidate's trajectory is its own program run; a loop candidate's, the loop's steps
    before it, in the current step shape (steps.upgrade_step). ``other_answers`` are the
    other methods' latest answers."""
    task = state["task"]
    candidate = candidate or state["candidates"][-1]
    if program := candidate.get("program"):
        trajectory = [dict(program_step(program))]
    else:
        trajectory = [dict(upgrade_step(s)) for s in state.get("trajectory", [])[: candidate["step"]]]
    others = {c.get("method", "loop"): c["answer"] for c in state.get("candidates", [])
              if c["index"] != candidate["index"]}
    # The program method runs in the thread's session, then the drawn programs (in index
    # order), then the tool loop: what ran there before a candidate is replayed first, so
    # a drawn program that uses a name the first one defined re-runs as it ran.
    session = [
        code for c in state.get("candidates", []) if (run := c.get("program"))
        and (not program or c["index"] < candidate["index"])
        for code in (run.get("ran") or [run["code"]])]
    return CheckInput(
        question=task["question"], context=render_history(state.get("history", [])),
        kind=task.get("kind", "question"),
        answer=candidate["answer"], code=candidate.get("code"),
        entry_point=task.get("entry_point"), tests=task.get("tests"),
        given_tests=task.get("given_tests"),
        trajectory=trajectory,
        planned_tools=sorted({p["tool"] for p in state.get("plan", [])} - {"none"}),
        thread_id=thread_id, method=candidate.get("method", "loop"), other_answers=others,
        prompts=prompts, action_format=action_format, session_code=session,
    )


async def _run_checkers(ctx: GraphContext, item: CheckInput, seconds: float
                        ) -> list[tuple[Verdict, Meter]]:
    """Every checker at once, within ``seconds`` in all, each with its own meter: a checker
    still running when the time budget runs out says ``unverified`` and withholds
    acceptance (a check that could not finish is a doubt, not a pass); what it spent
    before that still counts. Verdicts keep the checkers' order."""
    deadline = time.perf_counter() + seconds

    async def one(checker: Checker) -> tuple[Verdict, Meter]:
        meter = Meter()
        try:
            metered = checker.with_meter(meter) if isinstance(checker, Meterable) else checker
            with tracing.span(f"ponder.check.{checker.name}") as current:
                verdict = await within(deadline - time.perf_counter(), metered.check(item))
                tracing.set_attributes(current, **{"ponder.verdict": verdict.status})
            return verdict, meter
        except OutOfTime:
            return Verdict(checker=checker.name, status="unverified", blocks=True,
                           reason="the time budget ran out before this check finished"), meter
        except GraphBubbleUp:  # an approval interrupt: the run pauses here
            raise
        except Exception as exc:  # a broken checker must not pass or crash the run
            log.warning("checker %s raised %s: %s", checker.name, type(exc).__name__, exc)
            log.debug("checker %s traceback", checker.name, exc_info=True)
            # A checker whose purpose is a doubt (a second implementation that may
            # disagree) blocks, as a check the budget cut off does: the doubt it might
            # have raised must not be lost. Others (a model call that failed in a
            # shadow check) do not take an exact evaluation's accept away.
            return Verdict(checker=checker.name, status="unverified",
                           blocks=bool(getattr(checker, "blocks_on_failure", False)),
                           reason=f"checker failed: {exc}"), meter

    if ctx.settings.approval:
        # One at a time: each approval interrupt must come in the same order when the
        # step re-runs after a person's decision.
        checked = [await one(c) for c in ctx.checkers]
    else:
        checked = list(await asyncio.gather(*(one(c) for c in ctx.checkers)))
    if not checked:
        checked.append((Verdict(checker="none", status="unverified",
                                reason="no checker is configured"), Meter()))
    return checked


def checkers_usage(spent: Meter) -> dict[str, Any]:
    """What the checks spent, added to the run's totals (which the budget reads) and, of
    those, to the checkers' own counts."""
    return {
        "model_calls": spent.model_calls, "prompt_tokens": spent.prompt_tokens,
        "completion_tokens": spent.completion_tokens, "sandbox_seconds": spent.sandbox_seconds,
        "checker_model_calls": spent.model_calls,
        "checker_tokens": spent.prompt_tokens + spent.completion_tokens,
        "checker_sandbox_seconds": spent.sandbox_seconds,
    }


async def verify_node(
    state: PonderState, ctx: GraphContext, emit: Emit, *, thread_id: str = "default"
) -> dict[str, Any]:
    """Run the checkers on every candidate without verdicts; a rejection of the latest
    leaves its reasons as the critique for think."""
    started = time.perf_counter()
    # The first methods ran side by side: their longest wall time becomes the run's.
    side = float((state.get("usage") or {}).get(SIDE_BY_SIDE, 0.0))
    joined = {SIDE_BY_SIDE: -1.0} if side else {}
    judged = {v["candidate"] for v in state.get("verdicts", [])}
    todo = [c for c in state.get("candidates", []) if c["index"] not in judged]
    if not todo:
        return {"usage": {"seconds": time.perf_counter() - started + side, **joined}}
    left = seconds_left(state.get("usage"), ctx.settings.budget)
    results = await asyncio.gather(*(
        _run_checkers(ctx, check_input(state, thread_id, c, ctx.active_prompts(),
                                     ctx.settings.action_format), left)
        for c in todo))
    records: list[VerdictRecord] = []
    rejections = 0
    critique = ""
    spent = Meter()
    for candidate, checked in zip(todo, results, strict=True):
        for v, meter in checked:
            spent.add(meter)
            records.append(VerdictRecord(
                candidate=candidate["index"], checker=v.checker, status=v.status,
                reason=v.reason, evidence=list(v.evidence), blocks=v.blocks, score=v.score))
            emit({"type": "verdict", "candidate": candidate["index"], "checker": v.checker,
                  "status": v.status, "reason": v.reason, "blocks": v.blocks,
                  "usage": meter.spent()})
        verdicts = [v for v, _ in checked]
        if combine(verdicts) == "reject":
            # The replanning cadence counts the loop's rejections; the first methods'
            # rejections reach the loop as a note instead (prompts.direct_note).
            rejections += 0 if is_first(candidate) else 1
            critique = "; ".join(v.reason for v in verdicts if v.status == "reject")
    return {
        "verdicts": records,
        "critique": critique,
        # Only rounds that judge a tool-loop answer count against max_verify_rounds: the
        # first methods and the revision rounds have budgets of their own.
        "usage": {"verify_rounds": int(not all(is_first(c) for c in todo)),
                  "rejections": rejections, **checkers_usage(spent), **joined,
                  "seconds": time.perf_counter() - started + side},
    }
