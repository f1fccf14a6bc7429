"""plan: turn the task into a short typed plan that says what needs search or code."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from ponder.graphs.budget import OutOfTime, seconds_left, within
from ponder.graphs.context import GraphContext
from ponder.graphs.decide import decide
from ponder.graphs.events import Emit
from ponder.graphs.policies import Policy, default_policies
from ponder.graphs.prompts import task_block
from ponder.graphs.schemas import plan_schema
from ponder.graphs.state import PlanStep, PonderState
from ponder.graphs.steps import WEB_TOOLS


def is_exact_work(question: str, policies: Sequence[Policy] | None = None) -> bool:
    """A task that code answers and a web search cannot, as one of ``policies`` (default:
    every policy) judges it: small models still plan a search for "find the letter in
    the word". With no policy, no task is: the model's plan stands."""
    active = default_policies() if policies is None else policies
    return any(policy.forces_python(question) for policy in active)


def _coerce_plan(obj: Any) -> Any:
    """Accept a bare list of steps or steps given as strings."""
    if isinstance(obj, list):
        obj = {"steps": obj}
    if isinstance(obj, dict) and isinstance(obj.get("steps"), list):
        steps = []
        for item in obj["steps"][:3]:
            if isinstance(item, str):
                item = {"step": item, "tool": "none"}
            if isinstance(item, dict):
                item = {**item, "step": item.get("step") or item.get("text") or ""}
                if isinstance(item.get("tool"), str):
                    item["tool"] = item["tool"].strip().lower()
            steps.append(item)
        obj = {**obj, "steps": steps}
    return obj


async def plan_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """Ask for a plan; a plan that cannot be parsed becomes a one-step fallback."""
    started = time.perf_counter()
    # The direct answer (candidate 0) is not a plan's work: planning after it is the
    # first plan, and only its rejection (not a mere lack of proof) is worth showing.
    replan = any(c.get("method") != "direct" for c in state.get("candidates", []))
    prompts = ctx.active_prompts()
    prompt = task_block(state, prompts)
    if (critique := state.get("critique")) and state.get("candidates"):
        tried = "; ".join(c["answer"][:200] for c in state.get("candidates", [])[-3:])
        prompt += "\n\n" + prompts.replan.format(tried=tried, critique=critique)
    schema = plan_schema(ctx.tools.names())
    left = seconds_left(state.get("usage"), ctx.settings.budget)
    try:  # the wall-clock budget holds during the call (and its repairs)
        decided = await within(left, decide(
            ctx.model, [SystemMessage(prompts.plan_system), HumanMessage(prompt)], schema,
            coerce=_coerce_plan, prompts=prompts,
        ))
    except OutOfTime as exc:  # think sees the spent budget and the run finalizes
        emit({"type": "budget", "node": "plan", "reason": str(exc)})
        return {"plan": [PlanStep(text="Work out the answer step by step", tool="none",
                                  status="pending")],
                "usage": {"seconds": max(left, time.perf_counter() - started)}}
    if decided.value is not None:
        exact = "python" in ctx.tools.names() and is_exact_work(
            state["task"]["question"], ctx.active_policies())
        plan = [
            PlanStep(text=item.step, status="pending",
                     tool="python" if exact and item.tool in WEB_TOOLS else item.tool)
            for item in decided.value.steps
        ]
    else:
        emit({"type": "parse_failure", "node": "plan", "raw": decided.raw[:500]})
        plan = [PlanStep(text="Work out the answer step by step", tool="none", status="pending")]
    emit({"type": "plan", "steps": [dict(p) for p in plan], "replan": replan})
    usage: dict[str, Any] = dict(decided.usage)
    usage["replans"] = int(replan)
    usage["seconds"] = time.perf_counter() - started
    return {"plan": plan, "usage": usage}
