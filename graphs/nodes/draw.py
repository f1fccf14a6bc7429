"""draw: when a word problem's first answers disagree, draw more of them and let them vote.

A small model's first answer is one draw among many: where its reasoning in words and its
program give different answers and no check settles which is right, one call of each is
too few to tell a misreading from the right reading. This node asks again, at the same
time, ``question_draws`` more times for each of the two (sampled at temperature 0.8, each
with its own seed): the direct reasoning (method ``direct_sample``) and the program, run
in the sandbox like the first one but with no repair (method ``program_sample``). Every
drawn answer is then judged by verify like any other, and the selector takes the answer
most of the standing answers agree on (``select.votes``). Draws of one model agreeing are
no independent evidence: the vote selects, it never verifies.

On the 25 dev stories with the embedded 0.5B (``bench/runs/probes-20261206c/``) the vote
over the greedy answers and two draws of each method was right on 21, the greedy
reasoning alone on 17 and the installed selection on 12. Draws run on word problems only
(``to_draw``): drawn on every question whose first answers disagreed (held-out, the first
53 questions, ``bench/runs/draws-broad-bb022c1/``), the runs on exact work took 3-4x as
long (the reasoning in words is long and nearly always wrong there, so the first answers
nearly always disagree) and the vote lost a computed answer to a tie once. On word
problems only (``bench/runs/draws-{dev,heldout}-e55aaa5/``): stories of 30 words or more
7/12 against 5 on dev and 6/8 against 3 on held-out, at about 3x their median time. Since
short stories count as word problems (told in statements, then asked;
``bench/runs/draws-short-{dev-32ae96c,heldout-08bb5c9}/``): dev stories under 30 words
17/25 against 13, held-out 12/17 against 8, at about twice their median time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ponder.agent.settings import Settings
from ponder.graphs.budget import (
    budget_spent,
    room_for_follow_up,
    run_seconds_left,
    tool_calls_left,
)
from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.nodes.direct import final_answer, one_call
from ponder.graphs.nodes.program import applies as program_applies
from ponder.graphs.nodes.program import run_program
from ponder.graphs.nodes.think import hotter
from ponder.graphs.prompts import in_asked_form, task_block
from ponder.graphs.select import first_methods_agree, status_of
from ponder.graphs.state import Candidate, PonderState, next_index


def to_draw(state: PonderState, settings: Settings) -> bool:
    """Whether a question's first answers call for draws: a word problem (a story to
    understand, ``is_word_problem``), ``question_draws`` is on, none were drawn this turn,
    the direct reasoning and the program were both asked (the settings) and did not agree
    (``first_methods_agree``), and no answer was accepted. The budget is the caller's to
    check.

    Only word problems: there the model's words and its program are about as often right
    (neither method ranks far above the other), so a disagreement is a real doubt that
    more draws can settle. On exact work a computation beats words (``select``): a
    computed answer stands there without a vote, and draws cost 3-4x the run's time for
    nothing (see the module docstring)."""
    task = state.get("task") or {}
    if (task.get("kind", "question") != "question" or settings.question_draws <= 0
            or not is_word_problem(task.get("question", ""))
            or not (settings.direct_answer and settings.program_answer)
            or int((state.get("usage") or {}).get("draws", 0))):
        return False
    verdicts = state.get("verdicts", [])
    candidates = state.get("candidates", [])
    if any(status_of(verdicts, c["index"]) == "accept" for c in candidates):
        return False
    return not first_methods_agree(state)


async def draw_node(
    state: PonderState, ctx: GraphContext, emit: Emit, *, thread_id: str = "default"
) -> dict[str, Any]:
    """``question_draws`` hot draws each of the direct reasoning and of the program, all
    asked at once; each answer found becomes a candidate (the next free indices, words
    first). A model that cannot sample draws nothing (it would repeat its answers), nor
    does a run without the python tool."""
    started = time.perf_counter()
    deadline = started + run_seconds_left(state.get("usage"), ctx.settings.budget)
    usage: dict[str, Any] = {"draws": 1}
    count = ctx.settings.question_draws
    models = [hotter(ctx.model, n + 1) for n in range(count)]
    # Without the python tool there is no program to draw, and the words alone voting
    # gained nothing on the dev probe (17 = 17 of 25): no calls then.
    if state.get("task") is None or budget_spent(state.get("usage"), ctx.settings.budget) \
            or any(m is None for m in models) or not program_applies(state, ctx):
        usage["seconds"] = time.perf_counter() - started
        return {"usage": usage}
    prompts = ctx.active_prompts()
    block = task_block(state, prompts)
    words = f"{block}\n\n{prompts.direct_question}"
    program = f"{block}\n\n{prompts.program_question}"
    calls = [one_call(state, ctx, emit, words, "direct_sample", model=m) for m in models]
    calls += [one_call(state, ctx, emit, program, "program_sample", model=m) for m in models]
    replies = list(await asyncio.gather(*calls))
    for _, spent in replies:
        for key, value in spent.items():
            if key != "seconds":
                usage[key] = usage.get(key, 0) + value
    new: list[Candidate] = []
    index = next_index(state.get("candidates", []))
    question = state["task"]["question"]
    for text, _ in replies[:count]:
        if text is not None and (answer := in_asked_form(final_answer(text, question),
                                                          question)):
            new.append(Candidate(index=index, answer=answer, step=0, code=None,
                                 method="direct_sample"))
            index += 1
    for text, _ in replies[count:]:
        if text is None:
            continue
        if not room_for_follow_up(deadline):  # the programs run one after another
            break
        if usage.get("tool_calls", 0) >= tool_calls_left(state.get("usage"), ctx.settings.budget):
            break
        answer, run, spent = await run_program(ctx, text, thread_id, repair=False,
                                               question=state["task"]["question"],
                                               deadline=deadline)
        for key, value in spent.items():
            usage[key] = usage.get(key, 0) + value
        if answer and run is not None:
            new.append(Candidate(index=index, answer=answer, step=0, code=None,
                                 method="program_sample", program=run))
            index += 1
    for cand in new:
        emit({"type": "candidate", "index": cand["index"], "answer": cand["answer"],
              "method": cand["method"]})
    usage["seconds"] = time.perf_counter() - started  # wall time: the calls overlap
    return {"candidates": new, "usage": usage}
