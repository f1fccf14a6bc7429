"""Where the graph goes next: pure functions of the state (after the node's update) and
the budget, used directly as LangGraph's conditional edges (see builder), so every route
is in one place and each is unit-testable without a graph."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Send

from ponder.agent.settings import BudgetSettings, Settings
from ponder.graphs.budget import budget_spent
from ponder.graphs.nodes.draw import to_draw
from ponder.graphs.nodes.revise import to_revise
from ponder.graphs.select import (
    examples_settle,
    first_answer_stands,
    first_methods_agree,
    status_of,
)
from ponder.graphs.state import PonderState, is_first

AfterThink = Literal["act", "verify", "think", "finalize"]
AfterVerify = Literal["finalize", "think", "plan", "revise", "draw"]


def first_methods(state: PonderState, methods: list[str]) -> list[Send] | Literal["plan"]:
    """Fan the first methods (``direct``, ``program``, ``bare``) out side by side with ``Send``;
    straight to the tool loop's plan when none applies."""
    return [Send(m, state) for m in methods] if methods else "plan"


def next_after_think(state: PonderState, budget: BudgetSettings) -> AfterThink:
    """act on a tool call, verify a new candidate, finalize when the budget is spent."""
    if state.get("pending_action"):
        return "act"
    candidates = state.get("candidates", [])
    verified = {v["candidate"] for v in state.get("verdicts", [])}
    if candidates and candidates[-1]["index"] not in verified:
        return "verify"
    if budget_spent(state.get("usage"), budget):
        return "finalize"
    return "think"


def next_after_verify(state: PonderState, budget: BudgetSettings,
                      settings: Settings | None = None) -> AfterVerify:
    """After the first methods: finalize when one is accepted, the direct answer and
    the program agree (different methods), or a coding task's function passes all the
    task's examples with no doubt found about it (``examples_settle``); while code fails
    the task's examples, the best function so far is revised, shown its failures (up to
    ``budget.max_revisions`` rounds, ``to_revise``); when a question's direct answer and
    program disagree and nothing was accepted, draw more of both once (``draw``,
    ``nodes.draw.to_draw``; needs ``settings``, whose ``question_draws`` says how many);
    then finalize when an answer of the
    strength the task needs stands (``first_answer_stands``: a complete function, even a
    failing one; a word problem's answer; another question's computed answer that is not
    yes/no; ``budget.tool_loop = "needed"``), else go on to the tool loop (plan): the
    first answers are the floor, not the end. In the loop:
    accept/unverified → finalize;
    reject → think, or plan after repeated rejections, or finalize once the verify
    rounds or the budget are spent."""
    candidates = state.get("candidates", [])
    usage = state.get("usage") or {}
    verdicts = state.get("verdicts", [])
    if all(is_first(c) for c in candidates):
        accepted = any(status_of(verdicts, c["index"]) == "accept" for c in candidates)
        if (accepted or first_methods_agree(state) or examples_settle(state)
                or budget_spent(usage, budget)):
            return "finalize"
        if to_revise(state, budget.max_revisions) is not None:
            return "revise"
        if settings is not None and to_draw(state, settings):
            return "draw"
        if budget.tool_loop == "needed" and first_answer_stands(state):
            return "finalize"
        return "plan"
    latest = candidates[-1]["index"]
    if status_of(verdicts, latest) != "reject":
        return "finalize"
    if int(usage.get("verify_rounds", 0)) >= budget.max_verify_rounds:
        return "finalize"
    if budget_spent(usage, budget):
        return "finalize"
    rejections = int(usage.get("rejections", 0))
    if rejections and rejections % budget.replan_after_rejections == 0:
        return "plan"
    return "think"
