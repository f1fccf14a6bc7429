"""think: pick exactly one next action — a tool call or an answer."""

from __future__ import annotations

import re
import time
from typing import Any

from ponder.graphs.budget import budget_spent, steps_left, tool_calls_left
from ponder.graphs.context import GraphContext
from ponder.graphs.decide import decide
from ponder.graphs.events import Emit
from ponder.graphs.parsing import python_fence
from ponder.graphs.prompts import think_messages
from ponder.graphs.schemas import ANSWER, coerce_decision, decision_schema
from ponder.graphs.state import Candidate, PonderState, Step
from ponder.tools.registry import ToolRegistry

_FENCED = re.compile(r"^\s*```[A-Za-z0-9_+-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


def strip_fence(text: str) -> str:
    """The body of a text that is one fenced block, else the text itself, trimmed."""
    match = _FENCED.match(text)
    return (match.group(1) if match else text).strip()


def _python_fallback(text: str) -> dict[str, str] | None:
    code = python_fence(text)
    return {"thought": "run code", "tool": "python", "input": code} if code else None


def _allowed_tools(ctx: GraphContext, state: PonderState) -> list[str]:
    budget = ctx.settings.budget
    usage = state.get("usage")
    if steps_left(usage, budget) <= 1 or tool_calls_left(usage, budget) == 0:
        return []  # the last step must be an answer
    return ctx.tools.names()


def _unparsed_step(state: PonderState, raw: str) -> Step:
    return Step(
        index=len(state.get("trajectory", [])), thought="", action={"tool": "none", "args": {}},
        observation=(
            "Your reply could not be read as the required JSON object, even after a repair "
            f"request. Your reply began: {raw[:200]!r}. Reply with one JSON object."
        ),
        ok=False, sources=[], artifacts=[], data={},
    )


async def think_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """Ask for one Decision; an unreadable reply becomes a trajectory step the model sees."""
    started = time.perf_counter()
    if budget_spent(state.get("usage"), ctx.settings.budget):
        return {"pending_action": None}
    names = _allowed_tools(ctx, state)
    shown = ToolRegistry([t for t in ctx.tools if t.name in names])
    left = steps_left(state.get("usage"), ctx.settings.budget)
    messages = think_messages(state, shown, steps_left=left if names else 1)
    decided = await decide(
        ctx.model, messages, decision_schema(names), coerce=coerce_decision,
        fallback=_python_fallback if "python" in names else None,
    )
    usage: dict[str, Any] = {**decided.usage, "steps": 1}
    step_index = len(state.get("trajectory", []))
    update: dict[str, Any] = {"usage": usage, "pending_action": None}
    if decided.value is None:
        emit({"type": "parse_failure", "node": "think", "raw": decided.raw[:500]})
        update["trajectory"] = [_unparsed_step(state, decided.raw)]
    else:
        decision = decided.value
        emit({"type": "thought", "step": step_index, "text": decision.thought})
        if decision.tool == ANSWER:
            update["candidates"] = [_candidate(state, decision.input)]
            emit({"type": "candidate", "index": update["candidates"][0]["index"],
                  "answer": update["candidates"][0]["answer"]})
        else:
            update["pending_action"] = {
                "tool": decision.tool, "input": decision.input, "thought": decision.thought,
            }
    usage["seconds"] = time.perf_counter() - started
    return update


def _candidate(state: PonderState, text: str) -> Candidate:
    is_code = state["task"].get("kind") == "code"
    answer = strip_fence(text) if is_code else text.strip()
    return Candidate(
        index=len(state.get("candidates", [])), answer=answer,
        step=len(state.get("trajectory", [])), code=answer if is_code else None,
    )
