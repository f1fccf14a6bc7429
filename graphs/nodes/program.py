"""program: a second first method — one program that computes the answer, run once.

It runs side by side with ``direct`` (both are sent from ``start``): one model call asks
for a short program that prints the answer, the python tool runs it in the thread's
sandbox (a failed run gets the tool loop's one repair), and its last printed line becomes
a candidate with ``method="program"``. Words and a program are different methods: where
they agree the run can stop early (see routing), where they disagree the tool loop
decides. Questions only; a coding task's second method is the tool loop with its tests.
"""

from __future__ import annotations

import ast
import re
import time
from typing import Any

from ponder.graphs.budget import room_for_follow_up, run_seconds_left, time_to, tool_calls_left
from ponder.graphs.checkers.code import computes
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.nodes.act import Ran, _observe, _self_repair
from ponder.graphs.nodes.direct import one_call
from ponder.graphs.nodes.repair import calling_line
from ponder.graphs.nodes.think import strip_fence
from ponder.graphs.parsing import UNPARSABLE, python_fence
from ponder.graphs.prompts import in_asked_form, task_block
from ponder.graphs.state import Candidate, PonderState, ProgramRun
from ponder.graphs.steps import python_details
from ponder.tools.base import Observation

# An answer is one short line: a program that prints a table or an essay answered nothing.
MAX_ANSWER_CHARS = 200
PROGRAM_INDEX = 1  # direct is candidate 0; both are the first of a turn's candidates
_FLOAT_INT = re.compile(r"^(-?\d+)\.0+$")


def printed_answer(stdout: str, value: str | None) -> str:
    """The program's answer: the last non-empty line it printed (or its last expression's
    value), with a float that is a whole number written as an integer; "" if none or too
    long to be one answer."""
    lines = [line.strip() for line in f"{stdout}\n{value or ''}".splitlines() if line.strip()]
    if not lines or len(lines[-1]) > MAX_ANSWER_CHARS:
        return ""
    last = lines[-1].strip("'\"")
    whole = _FLOAT_INT.match(last)
    return whole.group(1) if whole else last


def applies(state: PonderState, ctx: GraphContext) -> bool:
    """Whether the program method runs for this task: a question, with a python tool and
    a tool call left in the budget (``max_tool_calls = 0`` runs no program)."""
    task = state.get("task") or {}
    return (ctx.settings.program_answer and task.get("kind", "question") == "question"
            and "python" in ctx.tools.names()
            and tool_calls_left(state.get("usage"), ctx.settings.budget) > 0)


async def program_node(
    state: PonderState, ctx: GraphContext, emit: Emit, *, thread_id: str = "default"
) -> dict[str, Any]:
    """One call for a program, one run (and at most one repair): candidate 1, or no
    candidate when no program runs, it prints nothing usable, or time runs out."""
    started = time.perf_counter()
    prompts = ctx.active_prompts()
    prompt = f"{task_block(state, prompts)}\n\n{prompts.program_question}"
    text, usage = await one_call(state, ctx, emit, prompt, "program")
    if text is None:
        return {"usage": usage}
    deadline = started + run_seconds_left(state.get("usage"), ctx.settings.budget)
    answer, program, spent = await run_program(ctx, text, thread_id, repair=True,
                                               question=state["task"]["question"],
                                               task=task_block(state, prompts),
                                               deadline=deadline, calls=tool_calls_left(
                                                   state.get("usage"), ctx.settings.budget))
    for key, value in spent.items():  # a repair's tokens add to the first call's
        usage[key] = usage.get(key, 0) + value
    usage["seconds"] = time.perf_counter() - started
    if program is None:
        return {"usage": usage}
    emit({"type": "thought", "step": 0,
          "text": "program: " + " ".join(program["code"].split())[:300]})
    if not answer:
        return {"usage": usage}
    emit({"type": "candidate", "index": PROGRAM_INDEX, "answer": answer, "method": "program"})
    candidate = Candidate(index=PROGRAM_INDEX, answer=answer, step=0, code=None,
                          method="program", program=program)
    return {"candidates": [candidate], "usage": usage}


async def run_program(ctx: GraphContext, text: str, thread_id: str, *, repair: bool,
                      question: str = "", task: str = "", deadline: float | None = None,
                      calls: int | None = None) -> tuple[str, ProgramRun | None, dict[str, Any]]:
    """Run the program in a model's reply in the thread's sandbox: (its answer, its run,
    the tool usage: ``tool_calls``, the final run's ``sandbox_seconds``, and a repair's
    counts). With ``repair``, a failed run gets the tool loop's one repair (not when a
    person rejected the code), and one that ran but printed nothing at all because it
    defined a function and never called it gets one call for the line that calls it,
    shown ``task`` (``_print_the_answer``). ("", None, {}) when the reply holds no code;
    the answer is "" when the run failed or printed nothing usable (``printed_answer``),
    and in the form ``question`` asks for (``in_asked_form``: a printed True is Yes to a
    yes/no question). Nothing runs past ``deadline`` (a ``perf_counter`` reading): each
    run's timeout is cut to the time left, and the follow-ups need time left to start;
    nor past ``calls`` python runs (the run's tool calls left): a follow-up needs one
    run left, the calling line's with its repair two."""
    code = (python_fence(text) or strip_fence(text)).strip()
    if not code:
        return "", None, {}
    ran = Ran()
    args, obs = await _observe(ctx, "python", code, thread_id, ran, seconds=time_to(deadline))
    usage: dict[str, Any] = {"tool_calls": 1}
    rejected = python_details(obs.data).get("rejected", False)
    def runs_left() -> int:
        return 1_000_000 if calls is None else calls - int(usage.get("tool_calls", 0))

    if repair and not obs.ok and args.get("code") and not rejected and runs_left() >= 1:
        args, obs, extra = await _self_repair(ctx, args, obs, thread_id, ran, deadline)
        for key, count in extra.items():
            usage[key] = usage.get(key, 0) + count
    if (repair and task and obs.ok and _printed_nothing(obs) and room_for_follow_up(deadline)
            and runs_left() >= 1):
        args, obs, extra = await _print_the_answer(ctx, args, obs, task, thread_id, ran,
                                                   deadline, repair=runs_left() >= 2)
        for key, count in extra.items():
            usage[key] = usage.get(key, 0) + count
    run = python_details(obs.data)
    # Every run counts against the sandbox budget: the failed one and its repairs too.
    usage["sandbox_seconds"] = ran.seconds or float(run.get("sandbox_seconds", 0.0))
    final_code = str(args.get("code", code))
    answer = in_asked_form(printed_answer(run["stdout"], run["value"]) if obs.ok else "",
                           question)
    return answer, ProgramRun(code=final_code, stdout=run["stdout"], value=run["value"],
                              ok=obs.ok, computed=computes(final_code), ran=list(ran)), usage


def _printed_nothing(obs: Observation) -> bool:
    run = python_details(obs.data)
    return not (run["stdout"] or "").strip() and not (run["value"] or "").strip()


def uncalled_function(code: str) -> str | None:
    """The last function the program defines at its top level and never calls, else None."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return None
    called = {n.func.id for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    uncalled = [name for name in defined if name not in called]
    return uncalled[-1] if uncalled else None


async def _print_the_answer(
    ctx: GraphContext, args: dict[str, Any], silent: Observation, task: str,
    thread_id: str, ran: list[str], deadline: float | None = None, *, repair: bool = True,
) -> tuple[dict[str, Any], Observation, dict[str, Any]]:
    """For a program that defined a function and never called it: the program with the
    model's line that calls it and prints the result, and its run (in the same session;
    a failed run gets act's one repair). The silent run when there is no such function,
    no line, or the new run fails or prints nothing too."""
    code = str(args.get("code", ""))
    name = uncalled_function(code)
    if name is None:
        return args, silent, {}
    line, usage = await calling_line(ctx.model, code, name, task, ctx.active_prompts(),
                                     deadline=deadline)
    if line is None or not room_for_follow_up(deadline):
        return args, silent, usage
    new_args, obs = await _observe(ctx, "python", f"{code.rstrip()}\n\n{line.strip()}\n",
                                   thread_id, ran, seconds=time_to(deadline))
    usage["tool_calls"] = 1
    if not obs.ok and repair:
        new_args, obs, extra = await _self_repair(ctx, new_args, obs, thread_id, ran, deadline)
        for key, count in extra.items():
            usage[key] = usage.get(key, 0) + count
    if not obs.ok or _printed_nothing(obs):
        return args, silent, usage
    return new_args, obs, usage
