"""Facts a task needs and does not state, asked of the model one at a time.

A small model recalls a fact asked alone ("How many legs does one spider have?") better
than while it writes a computation that needs ten of them: amid a program the 0.5B gives
every animal the same number of legs. When a policy (``Policy.fact_questions``) names
such facts, ``start`` asks each in the bare call's words, all at once (the embedded
model's parallel slots batch them), and adds the answers to the task as stated facts
(``prompts.stated_facts``) before the first methods run. Every method then works from the
same facts, and the checks read them as the task's own numbers (*given-quantities*
rejects a program that leaves one out). A reply with no number adds nothing. The facts
come from the model, so nothing here verifies anything; the question as asked is kept in
``task["asked"]``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.nodes.direct import one_call
from ponder.graphs.prompts import bare_prompt
from ponder.graphs.state import PonderState, Task

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def first_number(reply: str) -> str | None:
    """The first number in a short reply ("8", "A spider has 8 legs." → "8"), else None."""
    found = _NUMBER.search(reply)
    return found.group(0) if found else None


async def with_asked_facts(state: PonderState, ctx: GraphContext, emit: Emit,
                           task: Task) -> tuple[Task, dict[str, Any]]:
    """``task`` with the facts the active policies name asked and stated after its
    question, and the calls' usage; ``task`` unchanged (and no call) when no policy names
    a fact, the task is code, or no reply held a number."""
    if task.get("kind", "question") != "question" or task.get("asked"):
        return task, {}
    question = task["question"]
    facts = [f for p in ctx.active_policies() for f in p.fact_questions(question)]
    if not facts:
        return task, {}
    prompts = ctx.active_prompts()
    replies = await asyncio.gather(*(
        one_call(state, ctx, emit, bare_prompt(f.ask, prompts=prompts), "facts")
        for f in facts))
    usage: dict[str, Any] = {}
    statements = []
    for fact, (text, spent) in zip(facts, replies, strict=True):
        for key, value in spent.items():
            usage[key] = max(usage.get(key, 0), value) if key == "seconds" else (
                usage.get(key, 0) + value)
        number = first_number(text or "")
        if number is not None:
            statements.append(fact.statement.format(answer=number))
    if not statements:
        return task, usage
    stated = " ".join(statements)
    emit({"type": "thought", "step": 0, "text": f"facts asked one at a time: {stated}"})
    return Task(**{**task, "question": prompts.stated_facts.format(question=question,
                                                                    facts=stated),
                   "asked": question}), usage
