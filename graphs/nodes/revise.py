"""revise: when code fails the task's own examples, try again — shown the failures, and
afresh.

When the direct completion of a coding task fails the task's own examples, one call shows
the model its function and what failed — each failing example with the value it expected
and the value the code returned (the code-rerun checker's verdict) — and asks for the
corrected function (method ``revise``). At the same time, in that first round only,
``code_samples`` fresh samples of the bare call are drawn at a higher temperature (method
``sample``): a small model's first completion is one draw among many, and the task's
examples can tell the draws apart. Every new function is then run on the examples by
verify. While none passes them all, further rounds (up to ``budget.max_revisions`` in
all) revise the best function so far — the one passing the largest share of the examples,
the latest on a tie, never the same one twice — so a near miss gets the next correction
rather than the direct code again. Rounds stop once a function passes every example.
Each round is one call (two when the reply repeats a function already proposed) and the
checks of its function, far less than the tool loop, which runs only if no function
passes the examples with no doubt found about it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ponder.graphs.budget import FOLLOW_UP_SECONDS, seconds_left
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.nodes.direct import bare_words, completed_code, one_call
from ponder.graphs.nodes.think import hotter
from ponder.graphs.prompts import task_block
from ponder.graphs.select import tests_passed
from ponder.graphs.state import Candidate, PonderState, next_index

REVISE_INDEX = 2  # after direct (0) and program (1)


def to_revise(state: PonderState, rounds: int) -> tuple[Candidate, str] | None:
    """The function the next revise round corrects, and why its tests failed: among the
    candidates whose tests ran and failed (a reject verdict with a score below 1) and that
    no round has revised yet, the one with the best score — the latest on a tie, since a
    revision builds on the one before. None once ``rounds`` rounds were spent, once some
    function passes every test it ran (its doubts, if any, are for the selector and the
    tool loop to settle, not a reason to revise another one), or when no such candidate
    is left."""
    if int((state.get("usage") or {}).get("revisions", 0)) >= rounds:
        return None
    revised = set(state.get("revised", []))
    verdicts = state.get("verdicts", [])
    if any(c.get("code") and tests_passed(verdicts, c["index"]) >= 1.0
           for c in state.get("candidates", [])):
        return None
    best: tuple[float, int, Candidate, str] | None = None
    for candidate in state.get("candidates", []):
        if not candidate.get("code") or candidate["index"] in revised:
            continue
        failed = [v for v in verdicts if v["candidate"] == candidate["index"]
                  and v["status"] == "reject" and v.get("score") is not None]
        score = tests_passed(verdicts, candidate["index"])
        if not failed:  # (a function passing every test ended the rounds above)
            continue
        key = (score, candidate["index"])
        if best is None or key > best[:2]:
            best = (*key, candidate, failed[-1]["reason"])
    return None if best is None else (best[2], best[3])


async def revise_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """One revision of the best failing function (candidate 2 in the first round, the next
    free index after), and in the first round ``code_samples`` fresh samples asked at the
    same time; a reply with no code, or code already proposed, adds no candidate."""
    started = time.perf_counter()
    found = to_revise(state, ctx.settings.budget.max_revisions)
    task = state["task"]
    if found is None or task is None:
        # The round is spent all the same, so routing cannot come back here for ever.
        return {"usage": {"revisions": 1, "seconds": time.perf_counter() - started}}
    target, why = found
    done = int((state.get("usage") or {}).get("revisions", 0))
    first_round = not done
    prompts = ctx.active_prompts()
    prompt = (f"{task_block(state, prompts)}\n\n"
              + prompts.revise_code.format(code=str(target["code"]).strip()[:4000],
                                           failures=why[:1500]))
    calls = [one_call(state, ctx, emit, prompt, "revise")]
    for n in range(ctx.settings.code_samples if first_round else 0):
        if (hot := hotter(ctx.model, n + 1)) is None:
            break  # a model that cannot sample gives the same text again
        calls.append(one_call(state, ctx, emit, bare_words(state, prompts), "sample", model=hot))
    replies = list(await asyncio.gather(*calls))
    seen = {str(c.get("code") or c["answer"]).strip() for c in state.get("candidates", [])}

    def fresh(text: str | None) -> str:
        """The function in ``text`` when it is one not proposed yet, else ""."""
        if text is None:
            return ""
        code = completed_code(text, task["question"], task.get("entry_point"),
                              ctx.active_policies())
        return code if code.strip() and code.strip() not in seen else ""

    texts = [text for text, _ in replies]
    spent = [usage for _, usage in replies]
    resampled = 0
    left = seconds_left(state.get("usage"), ctx.settings.budget) - (time.perf_counter() - started)
    if (texts[0] is not None and not fresh(texts[0]) and left >= FOLLOW_UP_SECONDS
            and (hot := hotter(ctx.model, ctx.settings.code_samples + 1 + done)) is not None):
        # Asked greedily, a small model often gives back the very function it was shown.
        # Once, the same request is sampled: a revision is worth a call only if it differs.
        texts[0], again = await one_call(state, ctx, emit, prompt, "revise", model=hot,
                                         seconds=left)
        spent.append(again)
        resampled = 1
    usage: dict[str, Any] = {"revisions": 1, "repairs": 1, "resamples": resampled}
    for call in spent:
        for key, value in call.items():
            usage[key] = usage.get(key, 0) + value
    usage["seconds"] = time.perf_counter() - started  # wall time: the calls overlap
    new: list[Candidate] = []
    used = {c["index"] for c in state.get("candidates", [])}
    for text, method in zip(texts, ["revise", *["sample"] * (len(texts) - 1)], strict=True):
        code = fresh(text)
        if not code:
            continue
        seen.add(code.strip())
        # Index order is age order ("the latest on a tie", here and in the selector): a
        # later round's revision never takes the first round's free index below samples.
        index = (REVISE_INDEX if method == "revise" and first_round and REVISE_INDEX not in used
                 else max(next_index([*state.get("candidates", []), *new]), REVISE_INDEX + 2))
        emit({"type": "candidate", "index": index, "answer": code, "method": method})
        new.append(Candidate(index=index, answer=code, step=0, code=code, method=method))
    return {"candidates": new, "usage": usage, "revised": [target["index"]]}
