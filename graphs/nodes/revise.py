"""revise: one repair of the direct code, shown the task's failing examples.

When the direct completion of a coding task fails the task's own examples, one call shows
the model its function and what failed — each failing example with the value it expected
and the value the code returned (the code-rerun checker's verdict) — and asks for the
corrected function. It costs one call and one test run, far less than the tool loop,
which runs only if the revision fails too.
"""

from __future__ import annotations

import time
from typing import Any

from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.nodes.direct import completed_code, one_call
from ponder.graphs.prompts import task_block
from ponder.graphs.state import Candidate, PonderState

REVISE_INDEX = 2  # after direct (0) and program (1)


def failed_examples(state: PonderState) -> tuple[Candidate, str] | None:
    """The direct code and why its tests failed, when they ran and failed (a verdict with
    a score below 1) and no revision was made yet; else None."""
    candidates = state.get("candidates", [])
    if any(c.get("method") == "revise" for c in candidates):
        return None
    direct = next((c for c in candidates if c.get("method") == "direct"), None)
    if direct is None or not direct.get("code"):
        return None
    failed = [v for v in state.get("verdicts", []) if v["candidate"] == direct["index"]
              and v["status"] == "reject" and v.get("score") is not None
              and float(v.get("score") or 0.0) < 1.0]
    if not failed:
        return None
    return direct, failed[-1]["reason"]


async def revise_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """One call: the corrected function as candidate 2 (none when the reply has no code
    or the time budget runs out)."""
    started = time.perf_counter()
    found = failed_examples(state)
    task = state["task"]
    if found is None or task is None:
        return {"usage": {"seconds": time.perf_counter() - started}}
    direct, why = found
    prompts = ctx.active_prompts()
    prompt = (f"{task_block(state, prompts)}\n\n"
              + prompts.revise_code.format(code=str(direct["code"]).strip()[:4000],
                                           failures=why[:1500]))
    text, usage = await one_call(state, ctx, emit, prompt, "revise")
    if text is None:
        return {"usage": usage}
    usage["repairs"] = 1
    code = completed_code(text, task["question"], task.get("entry_point"),
                          ctx.active_policies())
    if not code.strip() or code.strip() == str(direct["code"]).strip():
        return {"usage": usage}
    emit({"type": "candidate", "index": REVISE_INDEX, "answer": code})
    candidate = Candidate(index=REVISE_INDEX, answer=code, step=0, code=code, method="revise")
    return {"candidates": [candidate], "usage": usage}
