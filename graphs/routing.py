"""Where the graph goes next. Nodes record a decision in ``state["route"]`` using the
pure functions here; the edge functions only read it, so every route is in one place
and each is unit-testable without a graph."""

from __future__ import annotations

from typing import Literal

from ponder.agent.settings import BudgetSettings
from ponder.graphs.budget import budget_spent
from ponder.graphs.state import PonderState

AfterThink = Literal["act", "verify", "think", "finalize"]
AfterVerify = Literal["finalize", "think", "plan"]
AfterDirect = Literal["verify", "plan"]


def next_after_direct(state: PonderState, budget: BudgetSettings) -> AfterDirect:
    """verify the direct answer when there is one, else go on to the tool loop."""
    candidates = state.get("candidates", [])
    return "verify" if candidates and candidates[-1].get("method") == "direct" else "plan"


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


def next_after_verify(state: PonderState, budget: BudgetSettings) -> AfterVerify:
    """accept/unverified → finalize; reject → think, or plan after repeated rejections,
    or finalize once the verify rounds or the budget are spent. The direct answer, unless
    accepted, goes on to the tool loop (plan): it is the floor, not the end."""
    latest_candidate = state["candidates"][-1]
    latest = latest_candidate["index"]
    verdicts = [v for v in state.get("verdicts", []) if v["candidate"] == latest]
    statuses = {v["status"] for v in verdicts}
    usage = state.get("usage") or {}
    if latest_candidate.get("method") == "direct":
        accepted = "reject" not in statuses and "accept" in statuses and not any(
            v.get("blocks") and v["status"] == "unverified" for v in verdicts)
        return "finalize" if accepted or budget_spent(usage, budget) else "plan"
    if "reject" not in statuses:
        return "finalize"
    if int(usage.get("verify_rounds", 0)) >= budget.max_verify_rounds:
        return "finalize"
    if budget_spent(usage, budget):
        return "finalize"
    rejections = int(usage.get("rejections", 0))
    if rejections and rejections % budget.replan_after_rejections == 0:
        return "plan"
    return "think"


def route_after_direct(state: PonderState) -> AfterDirect:
    return state.get("route", "plan")  # type: ignore[return-value]


def route_after_think(state: PonderState) -> AfterThink:
    return state.get("route", "finalize")  # type: ignore[return-value]


def route_after_verify(state: PonderState) -> AfterVerify:
    return state.get("route", "finalize")  # type: ignore[return-value]
