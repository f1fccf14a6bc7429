"""Replay the selector on the candidates an eval run recorded, under other selection rules.

    python bench/replay_selection.py RUN/eval-rows.jsonl TASKS.jsonl

For every agent row of a question (code is left out: its selection reads checks the rows
do not keep), the recorded candidates (method, answer, each checker's status, whether a
python run computed it) are put back into a state and ``graphs.select.best`` picks one,
once with the installed rules and once with each rule switched off or changed (the
``stories:`` columns order one method alone differently for a word problem). All columns choose
among the same candidates, so the difference between two columns is the rule's effect
alone, with no run-to-run noise. What a replay cannot show: a rule that also changes
which candidates exist (the early stop when two methods agree) is replayed on the
candidates its own run made. Rows older than the ``computed`` field replay every
candidate as not computed.

The columns ``no given-quantities`` and ``given-quantities from the code`` replay the
selection without that checker's verdicts, and with its verdicts computed from the
program each row kept (``code``; rows before ``b7d0adc`` keep none, and there the column
equals ``no given-quantities``): on a run made before the checker, the second column is
what it would have selected; on a run made with it, the first is what it selected
instead. Neither can show the draws a rejected program sets off (a rejected program no
longer agrees with the reasoning, so the run draws), which change the candidates.

The column ``loop when needed`` replays ``budget.tool_loop = "needed"`` on a run made
with the tool loop always after the first methods: where the first methods' candidates
leave an answer that stands (``graphs.select.first_answer_stands``), the loop's
candidates are dropped and the selector picks among the first ones; ``loops skipped``
counts those rows. On a run made with ``"needed"`` the two columns equal ``installed``
and 0.

The column ``computed from the code`` replays the selection with each program's
``computed`` flag taken again from the program its row kept, by today's
``checkers.code.computes`` (a program whose output is fixed by what it typed computes
nothing); rows that kept no program replay as recorded. Like the other columns it
cannot show what the flag changes in the run itself: whether the two first methods'
agreement ends the run, whether the tool loop runs, and the checkers' verdicts.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from run_files import run_arguments

from ponder.graphs import select
from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.checkers.code import computes
from ponder.graphs.checkers.given import left_out

RULES = ("installed", "bare and direct two sources", "two-valued agreement counts",
         "stories: bare over reasoning", "stories: program first", "stories as exact work",
         "no given-quantities", "given-quantities from the code", "computed from the code")
# Other orders of one method alone for a word problem (``select.WORD_PROBLEM_RANK``).
_STORY_RANKS = {
    "stories: bare over reasoning": {"bare": 4, "direct": 3, "loop": 2, "program": 1},
    "stories: program first": {"program": 4, "direct": 3, "loop": 2, "bare": 1},
}


@contextmanager
def rule(name: str) -> Iterator[None]:
    """The selector with the rule ``name`` switched off (``installed``: as it is)."""
    if name == "bare and direct two sources":
        with mock.patch.object(select, "_SAME_SOURCE", {}):
            yield
    elif name == "two-valued agreement counts":
        with mock.patch.object(select, "_TWO_VALUES", frozenset()):
            yield
    elif name in _STORY_RANKS:
        with mock.patch.object(select, "WORD_PROBLEM_RANK", _STORY_RANKS[name]):
            yield
    elif name == "stories as exact work":  # no word-problem rank: a computation first
        with mock.patch.object(select, "is_word_problem", lambda question: False):
            yield
    else:
        yield


def given_quantities(candidate: dict[str, Any], question: str) -> str | None:
    """The given-quantities checker's verdict on a recorded candidate, from the program
    its row kept: reject or unverified; None when the row kept no program."""
    if candidate["method"] not in ("program", "program_sample") or not candidate.get("code"):
        return None
    missing = is_word_problem(question) and left_out(question, candidate["code"])
    return "reject" if missing else "unverified"


def state_of(row: dict[str, Any], task: dict[str, Any], rule_name: str = "installed"
             ) -> dict[str, Any]:
    """The selector's view of a recorded agent row (for the given-quantities columns, with
    that checker's verdicts left out or computed from the code)."""
    candidates, verdicts = [], []
    for c in row["candidates"]:
        computed = bool(c.get("computed"))
        if (rule_name == "computed from the code" and c["method"] in ("program", "program_sample")
                and c.get("code")):
            computed = computes(c["code"])
        candidate = {"index": c["index"], "answer": c["answer"], "step": 0, "code": None,
                     "method": c["method"]}
        # The recorded flag reaches ``select.computed`` as a program run; a candidate of
        # another method that computed nothing has none (a program that computed nothing
        # is a typed one to ``select.support``, which a direct answer is not).
        if computed or c["method"] in ("program", "program_sample"):
            candidate["program"] = {"ok": True, "computed": computed}
        candidates.append(candidate)
        recorded = dict(c["verdicts"])
        if rule_name in ("no given-quantities", "given-quantities from the code"):
            recorded.pop("given-quantities", None)
        if rule_name == "given-quantities from the code" and (
                status := given_quantities(c, task["prompt"])):
            recorded["given-quantities"] = status
        verdicts += [{"candidate": c["index"], "checker": name, "status": status,
                      "reason": "", "blocks": False} for name, status in recorded.items()]
    return {"task": {"question": task["prompt"], "kind": task.get("kind", "question")},
            "candidates": candidates, "verdicts": verdicts, "trajectory": []}


def without_loop(row: dict[str, Any], task: dict[str, Any]) -> dict[str, Any] | None:
    """The row as the run would have ended with ``tool_loop = "needed"``: without the tool
    loop's candidates when the loop ran and the first ones leave an answer that stands;
    None when the loop was needed (or never ran)."""
    first = [c for c in row["candidates"] if c["method"] != "loop"]
    if len(first) == len(row["candidates"]):
        return None
    trimmed = {**row, "candidates": first}
    return trimmed if select.first_answer_stands(state_of(trimmed, task)) else None  # type: ignore[arg-type]


def replay(rows: list[dict[str, Any]], tasks: dict[str, dict[str, Any]]
           ) -> dict[str, Counter[str]]:
    """Per category: tasks, the bare rows right, the recorded agent answers right, the
    replayed selection right under each rule, and with the tool loop only when needed."""
    bare = {r["id"]: r["correct"] for r in rows if r["mode"] == "bare"}
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        task = tasks.get(row["id"])
        if row["mode"] != "agent" or task is None or task.get("kind") == "code":
            continue
        counts = table[row["category"]]
        counts["tasks"] += 1
        counts["bare"] += bool(bare.get(row["id"]))
        counts["recorded"] += bool(row["correct"])
        by_index = {c["index"]: c for c in row["candidates"]}
        for name in RULES:
            with rule(name):
                chosen, _ = select.best(state_of(row, task, name))  # type: ignore[arg-type]
            counts[name] += bool(chosen and by_index[chosen["index"]]["correct"])
        trimmed = without_loop(row, task)
        counts["loops skipped"] += trimmed is not None
        chosen, _ = select.best(state_of(trimmed or row, task))  # type: ignore[arg-type]
        counts["loop when needed"] += bool(chosen and by_index[chosen["index"]]["correct"])
    return dict(table)


def main() -> None:
    rows, tasks_file = run_arguments(__doc__ or "")
    with tasks_file.open() as lines:
        tasks = {t["id"]: t for t in (json.loads(line) for line in lines if line.strip())}
    table = replay(rows, tasks)
    head = ["category", "tasks", "bare", "recorded", *RULES, "loop when needed", "loops skipped"]
    print("| " + " | ".join(head) + " |\n|" + " --- |" * len(head))
    total: Counter[str] = Counter()
    for category in sorted(table):
        total.update(table[category])
        print("| " + " | ".join([category, *(str(table[category][h]) for h in head[1:])]) + " |")
    print("| " + " | ".join(["**all**", *(str(total[h]) for h in head[1:])]) + " |")


if __name__ == "__main__":
    main()
