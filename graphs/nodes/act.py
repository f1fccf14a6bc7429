"""act: run the chosen tool and append a bounded, delimited observation.

Every failure here — unknown tool, invalid arguments, a tool that raises — becomes an
observation the model sees on its next step, never an exception.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import time
from typing import Any

from langgraph.errors import GraphBubbleUp
from pydantic import BaseModel, ValidationError

from ponder.agent.errors import EngineUnavailableError
from ponder.graphs import tracing
from ponder.graphs.approval import approve
from ponder.graphs.budget import (
    deadline_in,
    room_for_follow_up,
    run_seconds_left,
    seconds_left,
    time_to,
)
from ponder.graphs.checkers.code import computes
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.parsing import UNPARSABLE, _short_error
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.state import PonderState
from ponder.graphs.steps import Step, python_details, step_input, tool_step
from ponder.tools.base import Observation, Tool, ToolContext
from ponder.tools.web.safety import cut_framed

log = logging.getLogger(__name__)
MAX_OBSERVATION_CHARS = 6_000


def tool_args(tool: Tool, raw_input: str) -> dict[str, Any]:
    """Map the model's one ``input`` string onto the tool's argument schema.

    A JSON object whose keys are the schema's fields is used as is; otherwise the
    string goes to the single required field (or the first field).
    """
    # A field's alias is the name the tool's schema gives it ("_id"), which the model uses.
    fields = {f.alias or name: f for name, f in tool.args_schema.model_fields.items()}
    stripped = raw_input.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):  # nested past the parser: text
            obj = None
        if isinstance(obj, dict) and obj and set(obj) <= set(fields):
            return obj
    required = [name for name, f in fields.items() if f.is_required()]
    target = required[0] if len(required) == 1 else next(iter(fields), "input")
    return {target: raw_input}


async def _run(tool: Tool, args: BaseModel, context: ToolContext) -> Observation:
    """Call the tool; its failures become an observation for the model, except a missing
    Docker engine, which no change of code can fix: that ends the run for the user.

    Raises EngineUnavailableError."""
    try:
        with tracing.span(f"ponder.tool.{tool.name}") as current:
            obs = await tool.call(args, context)
            tracing.set_attributes(current, **{"ponder.ok": obs.ok})
            return obs
    except (EngineUnavailableError, GraphBubbleUp):  # GraphBubbleUp: an interrupt
        raise
    except Exception as exc:  # a tool must not end the run; the model is told instead
        log.warning("tool %s raised %s: %s", tool.name, type(exc).__name__, exc)
        log.debug("tool %s traceback", tool.name, exc_info=True)
        return Observation(tool=tool.name, ok=False, text=f"tool {tool.name} failed: {exc}")


class Ran(list[str]):
    """The programs a step ran, in order, and the sandbox seconds they took together."""

    seconds: float = 0.0


async def _observe(ctx: GraphContext, name: str, raw_input: str, thread_id: str,
                   ran: list[str] | None = None, earlier: list[Step] | None = None,
                   seconds: float | None = None) -> tuple[dict[str, Any], Observation]:
    """Run tool ``name`` on the model's input; python code that reaches the tool is
    appended to ``ran`` (every execution changes the session's state)."""
    tool = ctx.tools.get(name)
    if tool is None:
        available = ", ".join([*ctx.tools.names(), "answer"])
        return {}, Observation(
            tool=name, ok=False, text=f"unknown tool {name!r}; available tools: {available}"
        )
    args = tool_args(tool, raw_input)
    try:
        parsed = tool.args_schema.model_validate(args)
    except ValidationError as exc:
        return args, Observation(
            tool=name, ok=False, text=f"invalid input for {name}: {_short_error(exc)}"
        )
    note = ""
    if name == "python" and ctx.settings.approval:
        code = str(getattr(parsed, "code", ""))
        run, note = approve(code, "python")  # LangGraph interrupt: a person decides
        if run is None:
            return args, Observation(
                tool=name, ok=False, text=ctx.active_prompts().code_rejected.format(reason=note),
                data={"code": code, "stdout": "", "value": None, "error": None,
                      "rejected": True})
        if run != code:
            parsed = parsed.model_copy(update={"code": run})
            args = {**args, "code": run}
            note = ctx.active_prompts().code_edited
    elif ctx.settings.approval and getattr(tool, "needs_approval", False):
        gated = _approved_call(ctx, tool, name, args)
        if isinstance(gated, Observation):
            return args, gated
        args, parsed, note = gated
    if ran is not None and name == "python":
        ran.append(str(getattr(parsed, "code", "")))
    context = ToolContext(thread_id=thread_id, earlier=[dict(s) for s in earlier or []],
                          seconds_left=seconds)
    obs = await _run(tool, parsed, context)
    if isinstance(ran, Ran) and name == "python":
        ran.seconds += float(python_details(obs.data).get("sandbox_seconds", 0.0) or 0.0)
    if note:
        obs = obs.model_copy(update={"text": f"{obs.text}\n{note}"})
    return args, obs


def _approved_call(ctx: GraphContext, tool: Any, name: str, args: dict[str, Any]
                   ) -> Observation | tuple[dict[str, Any], Any, str]:
    """Ask a person to approve a call of another party's tool (an MCP server's, a
    LangChain tool): shown as its arguments in JSON, which an edit may change. The
    (arguments, parsed arguments, note) to run with, or the observation of a rejection
    (an edit that is no valid input counts as one)."""
    shown = json.dumps(args, ensure_ascii=False, indent=2, default=str)
    run, note = approve(shown, name)  # LangGraph interrupt: a person decides
    prompts = ctx.active_prompts()
    if run is None:
        return Observation(tool=name, ok=False, text=prompts.code_rejected.format(reason=note),
                           data={"rejected": True})
    if run == shown:
        return args, tool.args_schema.model_validate(args), ""
    try:
        edited = json.loads(run)
        return edited, tool.args_schema.model_validate(edited), prompts.code_edited
    except (ValueError, ValidationError) as exc:
        why = f"the edited input is not valid for {name}: {str(exc).splitlines()[0]}"
        return Observation(tool=name, ok=False, text=prompts.code_rejected.format(reason=why),
                           data={"rejected": True})


def _bounded(text: str) -> str:
    cut = len(text) - MAX_OBSERVATION_CHARS
    return cut_framed(text, MAX_OBSERVATION_CHARS, f"[... {cut} more characters cut ...]")


_RESULT_NUMBER = re.compile(r'^\W*(?:"?target"?\s*:\s*)?\W*\d+\W*(?:,.*)?$', re.DOTALL)


def _moves(name: str, raw_input: str) -> frozenset[str]:
    """The tools whose run changes what this web step's input means: "open 2" names the
    second result of the latest search; "find" searches the pages opened so far. A URL
    means the same page whatever came between."""
    if name == "find":
        return frozenset({"open"})
    if name == "open" and _RESULT_NUMBER.match(raw_input.strip()):
        return frozenset({"search"})
    return frozenset()


def _repeat_of(state: PonderState, name: str, raw_input: str) -> Step | None:
    """An earlier successful step with exactly this tool and input, if any (for ``open``
    of a result number, only while no search came after it; for ``find``, no open)."""
    moves = _moves(name, raw_input)
    for step in reversed(state.get("trajectory", [])):
        tool = step["action"].get("tool")
        if tool == name and step["ok"] and step_input(step) == raw_input:
            return step
        if tool in moves and step["ok"]:
            return None
    return None


def _repeat_observation(name: str, earlier: Step, prompts: Prompts) -> Observation:
    # Cut inside a frame, the frame is closed: Ponder's words after it stay outside.
    result = cut_framed(earlier["observation"], 800, "[... cut ...]")
    return Observation(tool=name, ok=False, text=prompts.repeated_step.format(
        step=earlier["index"] + 1, result=result))


async def act_node(
    state: PonderState, ctx: GraphContext, emit: Emit, *, thread_id: str = "default"
) -> dict[str, Any]:
    """Execute ``pending_action`` and record the step. A repeat of an earlier successful
    action is not run again: the model is shown the earlier result instead."""
    started = time.perf_counter()
    action = state.get("pending_action") or {}
    name = str(action.get("tool", ""))
    raw_input = str(action.get("input", ""))
    index = len(state.get("trajectory", []))
    earlier = _repeat_of(state, name, raw_input)
    extra: dict[str, int] = {}
    prompts = ctx.active_prompts()
    ran = Ran()  # every program this step executed, in order (repairs, probes)
    rejected = False  # a person approving code rejected it (nothing ran: no repair, no hint)
    if earlier is not None:
        args, obs = dict(earlier["action"].get("args", {})), _repeat_observation(name, earlier, prompts)
    else:
        budget = ctx.settings.budget
        left = (run_seconds_left(state.get("usage"), budget) if name == "python"
                else seconds_left(state.get("usage"), budget))
        deadline = deadline_in(left)
        args, obs = await _observe(ctx, name, raw_input, thread_id, ran,
                                   state.get("trajectory", []), left)
        rejected = python_details(obs.data).get("rejected", False)
        if name == "python" and not obs.ok and args.get("code") and not rejected:
            if room_for_follow_up(deadline) and (
                    why := await _explain_assertion(ctx, obs, thread_id, ran, deadline)):
                obs = obs.model_copy(update={"text": f"{obs.text}\n{why}",
                                             "data": {**obs.data, "explanation": why}})
            args, obs, extra = await _self_repair(ctx, args, obs, thread_id, ran, deadline)
    emit({"type": "tool_call", "step": index, "tool": name, "args": args})
    text = _bounded(obs.text)
    if not obs.ok and name == "python" and earlier is None and not rejected:
        text += "\n" + _python_hint(obs, prompts)
    elif obs.ok and name == "python" and not computes(str(args.get("code", ""))):
        text += "\n" + prompts.prints_only
    emit({"type": "observation", "step": index, "tool": name, "ok": obs.ok, "text": text,
          "artifacts": list(obs.artifacts)})
    # A re-run must replay every program the step ran: a failed repair may have imported.
    data = {**obs.data, "ran": list(ran)} if len(ran) > 1 else obs.data
    step = tool_step(
        index=index, thought=str(action.get("thought", "")), tool=name, args=args,
        raw_input=raw_input, observation=text, ok=obs.ok,
        sources=[s.model_dump() for s in obs.sources], artifacts=list(obs.artifacts), data=data,
    )
    # Every run the step made counts: the failed one, the probe and the repair too.
    sandbox_seconds = ran.seconds or float(obs.data.get("sandbox_seconds", 0.0) or 0.0)
    usage: dict[str, Any] = {"tool_calls": int(earlier is None) + extra.pop("tool_calls", 0),
                             "sandbox_seconds": sandbox_seconds, **extra}
    usage["seconds"] = time.perf_counter() - started
    return {"trajectory": [step], "pending_action": None, "usage": usage}


async def _self_repair(
    ctx: GraphContext, args: dict[str, Any], failed: Observation, thread_id: str,
    ran: list[str] | None = None, deadline: float | None = None,
) -> tuple[dict[str, Any], Observation, dict[str, int]]:
    """Fix failed code once and run the fix; keep the failure if the fix fails too, or
    when the step has no time left for it (``deadline``, a ``perf_counter`` reading).

    A slip with one obvious fix (an unencoded string, a shadowed module, a missing import)
    is fixed mechanically; anything else goes to the model in a clean context.
    """
    if not room_for_follow_up(deadline):
        return args, failed, {}
    from ponder.graphs.codefix import mechanical_fix
    from ponder.graphs.nodes.repair import corrected_code

    error = python_details(failed.data)["error"] or ""
    prompts = ctx.active_prompts()
    usage: dict[str, int] = {}
    fix = mechanical_fix(str(args["code"]), error, ctx.active_policies())
    if fix is not None:
        fixed, how = fix.code, prompts.fixed_mechanically.format(change=fix.change)
        usage["autofixes"] = 1
    else:
        fixed, usage = await corrected_code(ctx.model, str(args["code"]),
                                            error + "\n" + failed.text[-800:], prompts,
                                            deadline=deadline)
        how = prompts.fixed_by_model
    if fixed is None or not room_for_follow_up(deadline):
        return args, failed, usage
    fixed_args, fixed_obs = await _observe(ctx, "python", fixed, thread_id, ran,
                                           seconds=time_to(deadline))
    usage["tool_calls"] = 1
    if not fixed_obs.ok:
        return args, failed, usage
    explanation = python_details(failed.data).get("explanation")
    why = f" {explanation}" if explanation else ""
    text = prompts.code_fixed.format(error=error or "error", why=why, how=how, code=fixed,
                                     result=fixed_obs.text)
    update: dict[str, Any] = {"text": text}
    if python_details(failed.data).get("state_lost"):  # the fix ran in a fresh session
        update = {"text": f"{text}\n{prompts.fixed_after_state_lost}",
                  "data": {**fixed_obs.data, "state_lost": True}}
    return fixed_args, fixed_obs.model_copy(update=update), usage


_FAILED_LINE = re.compile(r"^-+>\s*\d+\s+(assert\s.+?)\s*$", re.MULTILINE)


async def _explain_assertion(ctx: GraphContext, failed: Observation, thread_id: str,
                             ran: list[str] | None = None, deadline: float | None = None
                             ) -> str | None:
    """For a failed ``assert f(x) == y``, what ``f(x)`` really returns (evaluated in the
    same sandbox): a bare AssertionError tells a small model nothing it can fix."""
    if not (python_details(failed.data)["error"] or "").startswith("AssertionError"):
        return None
    lines = _FAILED_LINE.findall(failed.text)
    if not lines:
        return None
    line = lines[-1]  # the innermost frame that failed
    try:
        node = ast.parse(line).body[0]
    except (*UNPARSABLE, IndexError):
        return None
    if not (isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq)):
        return None
    left, right = ast.unparse(node.test.left), ast.unparse(node.test.comparators[0])
    _, probe = await _observe(ctx, "python", f"print(repr({left}))", thread_id, ran,
                              seconds=time_to(deadline))
    got = python_details(probe.data)["stdout"].strip()
    if not probe.ok or not got or len(got) > 300:
        return None
    return ctx.active_prompts().failing_test.format(line=line, call=left, got=got,
                                                    expected=right)


def _python_hint(obs: Observation, prompts: Prompts) -> str:
    """One concrete next move for a failed python run (small models need it spelled out)."""
    error = python_details(obs.data)["error"] or ""
    if "for 'datetime.datetime' objects" in error:
        return prompts.hint_shadowed_datetime
    hints = {"NameError": prompts.hint_name_error,
             "ModuleNotFoundError": prompts.hint_missing_module,
             "SyntaxError": prompts.hint_syntax_error}
    for name, hint in hints.items():
        if error.startswith(name):
            return prompts.code_failed_hint.format(hint=hint)
    return prompts.code_failed
