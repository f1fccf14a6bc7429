"""think: pick exactly one next action — a tool call or an answer."""

from __future__ import annotations

import ast
import logging
import re
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from ponder.agent.models.local import BACKEND_KEY, LLAMA_CPP
from ponder.graphs.actions import ActionFormat, fenced_grammar, parse_fenced
from ponder.graphs.budget import (
    OutOfTime,
    budget_spent,
    seconds_left,
    steps_left,
    tool_calls_left,
    within,
)
from ponder.graphs.codefix import add_missing_imports, prompt_context, without_demo_code
from ponder.graphs.context import GraphContext
from ponder.graphs.decide import Decided, decide
from ponder.graphs.events import Emit
from ponder.graphs.parsing import UNPARSABLE, defines, looks_like_program, python_fence
from ponder.graphs.policies import Policy
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.prompts import in_asked_form, think_messages
from ponder.graphs.schemas import ANSWER, Decision, coerce_decision, decision_schema
from ponder.graphs.state import Candidate, PonderState, next_index
from ponder.graphs.steps import WEB_TOOLS, Step, python_run, step_input, unparsed_step
from ponder.tools.registry import ToolRegistry

_FENCED = re.compile(r"^\s*```[A-Za-z0-9_+-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)

log = logging.getLogger(__name__)


def strip_fence(text: str) -> str:
    """The body of a text that is one fenced block, else the text itself, trimmed."""
    match = _FENCED.match(text)
    return (match.group(1) if match else text).strip()


def _python_fallback(text: str) -> dict[str, str] | None:
    code = python_fence(text)
    return {"thought": "run code", "tool": "python", "input": code} if code else None


def _allowed_tools(ctx: GraphContext, state: PonderState) -> list[str]:
    """The tools offered this step: none on the last step; otherwise what the plan asked
    for (python always, the web tools together) — a small model given tools it does not
    need wanders off to them."""
    budget = ctx.settings.budget
    usage = state.get("usage")
    if steps_left(usage, budget) <= 1 or tool_calls_left(usage, budget) == 0:
        return []  # the last step must be an answer
    names = ctx.tools.names()
    planned = {p["tool"] for p in state.get("plan", [])} - {"none"}
    if not planned:
        return names
    if planned & set(WEB_TOOLS):
        planned |= set(WEB_TOOLS)
    used = {s["action"].get("tool") for s in state.get("trajectory", [])}
    offered = [n for n in names if n in planned or n == "python" or n in used]
    if _search_down(state):
        offered = [n for n in offered if n not in WEB_TOOLS or n in used - {"search"}]
    return offered or names


def _search_down(state: PonderState) -> bool:
    """Whether a search in this run found every backend unavailable (offering it again
    only invites the same failure)."""
    return any(s["action"].get("tool") == "search" and not s["ok"]
               and s["observation"].startswith("search unavailable")
               for s in state.get("trajectory", []))


def _unparsed_step(state: PonderState, raw: str, fmt: ActionFormat) -> Step:
    wanted = ("a thought and one action (a ```python block, 'Tool:'/'Input:' lines or an "
              "'Answer:' line)" if fmt == "fenced" else "one JSON object")
    required = "an action" if fmt == "fenced" else "the required JSON object"
    return unparsed_step(len(state.get("trajectory", [])), (
        f"Your reply could not be read as {required}, even after a repair "
        f"request. Your reply began: {raw[:200]!r}. Reply with {wanted}."
    ))


def _reading(names: list[str], prompts: Prompts, fmt: ActionFormat) -> dict[str, Any]:
    """How think's replies are read, as decide()'s keyword arguments: JSON (grammar-
    constrained where the backend can) with a python block as the fallback; or, in the
    fenced format, plain text read by parse_fenced first, with its own repair request."""
    fallback = _python_fallback if "python" in names else None
    if fmt == "fenced":
        return {"fallback": fallback, "reader": partial(parse_fenced, tools=names),
                "repair": prompts.fenced_reply_repair}
    return {"fallback": fallback}


def _think_model(ctx: GraphContext, state: PonderState, names: list[str]) -> BaseChatModel:
    """The model think asks: in the fenced format, where the backend takes a GBNF grammar
    (setting ``action_grammar``), a copy whose replies are held to the format with the
    tools offered this step (``actions.fenced_grammar``); else the run's model."""
    model = ctx.model
    mode = ctx.settings.action_grammar
    if (ctx.settings.action_format != "fenced" or mode == "off"
            or "extra_body" not in type(model).model_fields):
        return model
    if mode == "auto" and (getattr(model, "metadata", None) or {}).get(BACKEND_KEY) != LLAMA_CPP:
        return model
    try:
        grammar = fenced_grammar(names, code_task=state["task"].get("kind") == "code")
    except ValueError as exc:  # a tool name a grammar cannot spell (an MCP "get-weather")
        log.warning("no action grammar this step: %s", exc)
        return model
    extra = {**(getattr(model, "extra_body", None) or {}), "grammar": grammar}
    return model.model_copy(update={"extra_body": extra})


async def think_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """Ask for one Decision; an unreadable reply becomes a trajectory step the model sees."""
    started = time.perf_counter()
    if budget_spent(state.get("usage"), ctx.settings.budget):
        return {"pending_action": None}
    names = _allowed_tools(ctx, state)
    shown = ToolRegistry([t for t in ctx.tools if t.name in names])
    left = steps_left(state.get("usage"), ctx.settings.budget)
    prompts = ctx.active_prompts()
    fmt = ctx.settings.action_format
    messages = think_messages(state, shown, steps_left=left if names else 1, prompts=prompts,
                              fmt=fmt)
    schema = decision_schema(names)
    reading = _reading(names, prompts, fmt)
    # The wall-clock budget holds during the model call too, not only between steps.
    left_s = seconds_left(state.get("usage"), ctx.settings.budget)
    model = _think_model(ctx, state, names)
    try:
        decided = await within(left_s, decide(model, messages, schema, prompts=prompts,
                                              coerce=coerce_decision, **reading))
    except OutOfTime as exc:
        emit({"type": "budget", "node": "think", "reason": str(exc)})
        return {"pending_action": None,
                "usage": {"steps": 1, "seconds": max(left_s, time.perf_counter() - started)}}
    usage: dict[str, Any] = {**decided.usage, "steps": 1}
    if decided.value is not None and _repeats_failure(state, decided.value):
        trial = dict(usage)  # the resample adds what it spends once it is done
        try:
            decided = await within(left_s - (time.perf_counter() - started), _resample(
                ctx, model, messages, schema, reading, decided, trial))
            usage = trial
        except OutOfTime as exc:  # the first decision stands, and what it spent counts
            emit({"type": "budget", "node": "think", "reason": str(exc)})
    step_index = len(state.get("trajectory", []))
    update: dict[str, Any] = {"usage": usage, "pending_action": None}
    if decided.value is None:
        emit({"type": "parse_failure", "node": "think", "raw": decided.raw[:500]})
        update["trajectory"] = [_unparsed_step(state, decided.raw, fmt)]
    else:
        decision = decided.value
        emit({"type": "thought", "step": step_index, "text": decision.thought})
        if decision.tool == ANSWER and "python" in names and _looks_like_code(state, decision.input):
            # Small models put code in the answer; run it instead of judging it.
            decision = Decision(thought=decision.thought, tool="python", input=decision.input)
        if decision.tool == ANSWER:
            update["candidates"] = [_candidate(state, decision.input, ctx.active_policies())]
            proposed = update["candidates"][0]
            emit({"type": "candidate", "index": proposed["index"], "answer": proposed["answer"],
                  "method": proposed.get("method", "loop")})
        else:
            update["pending_action"] = {
                "tool": decision.tool, "input": decision.input, "thought": decision.thought,
            }
    usage["seconds"] = time.perf_counter() - started
    return update


def _looks_like_code(state: PonderState, text: str) -> bool:
    """A question's answer that is really a Python program (it parses and starts like one)."""
    if state["task"].get("kind") == "code":
        return False
    if looks_like_program(text):
        return True  # even broken: running it shows the model the syntax error
    try:
        tree = ast.parse(strip_fence(text))
    except UNPARSABLE:
        return False
    return any(isinstance(n, ast.Call) for n in ast.walk(tree))


def _repeats_failure(state: PonderState, decision: Decision) -> bool:
    """Whether the decision is exactly an earlier action, or an answer that was already
    rejected."""
    if decision.tool == ANSWER:
        rejected = {v["candidate"] for v in state.get("verdicts", []) if v["status"] == "reject"}
        return any(c["index"] in rejected and c["answer"] == decision.input.strip()
                   for c in state.get("candidates", []))
    # The same action as any earlier step: a failure fails again, a success is refused
    # by the act node's repeat guard; either way the step would be wasted.
    return any(step["action"].get("tool") == decision.tool
               and step_input(step) == decision.input
               for step in state.get("trajectory", []))


async def _resample(
    ctx: GraphContext, model: BaseChatModel, messages: list[BaseMessage],
    schema: type[Decision], reading: dict[str, Any], first: Decided[Decision],
    usage: dict[str, Any],
) -> Decided[Decision]:
    """Greedy decoding repeats a failed action forever; ask again, hotter, saying so."""
    hot = hotter(model)
    if hot is None:
        return first
    prompts = ctx.active_prompts()
    if first.value is not None and first.value.tool == ANSWER:
        nudge = HumanMessage(prompts.repeated_answer)
    else:
        nudge = HumanMessage(prompts.repeated_action)
    again = await decide(hot, [*messages, nudge], schema, coerce=coerce_decision,
                         prompts=prompts, **reading)
    for key, value in again.usage.items():
        usage[key] = usage.get(key, 0) + value
    usage["resamples"] = usage.get("resamples", 0) + 1
    return again if again.value is not None else first


def hotter(model: BaseChatModel, sample: int = 0) -> BaseChatModel | None:
    """A copy of the model that samples (temperature 0.8), if it has a temperature. A
    fixed sampling seed is moved by ``sample``: with the same seed, every hot sample of
    one prompt is the same text, so callers that want several different samples of one
    prompt pass 1, 2, ..."""
    fields = type(model).model_fields
    if "temperature" not in fields:
        return None
    update: dict[str, Any] = {"temperature": 0.8}
    seed = getattr(model, "seed", None) if "seed" in fields else None
    if isinstance(seed, int):
        update["seed"] = seed + sample
    return model.model_copy(update=update)


def _code_answer(state: PonderState, text: str) -> str:
    """The final code of a coding task: the answer if it defines the entry point, else
    the last code the run executed successfully that does (small models often "answer"
    with a test call instead of the function they already wrote and ran)."""
    code = strip_fence(text)
    entry = state["task"].get("entry_point")
    if not entry or defines(code, entry):
        return code
    for step in reversed(state.get("trajectory", [])):
        run = python_run(step)
        ran = run["code"] if run else ""
        if step["action"].get("tool") == "python" and step["ok"] and defines(ran, entry):
            return ran.strip()
    return code


def _candidate(state: PonderState, text: str, policies: Sequence[Policy]) -> Candidate:
    task = state["task"]
    is_code = task.get("kind") == "code"
    # The final code must run on its own: imports the session had from earlier cells
    # (a NameError for ``math`` in a fresh sandbox) and the task's own (its imports, the
    # helpers its prompt implements) are added.
    answer = (add_missing_imports(without_demo_code(_code_answer(state, text)), policies,
                                  prompt_context(task.get("question", ""),
                                                 task.get("entry_point")))
              if is_code else in_asked_form(text.strip(), task.get("question", "")))
    return Candidate(
        index=next_index(state.get("candidates", [])), answer=answer,
        step=len(state.get("trajectory", [])), code=answer if is_code else None,
        method="loop",
    )
