"""CodeT-style tie-break: code candidates with the same evidence are run side by side on
inputs derived from the task's examples, and the code most others agree with wins. It
only orders ties: evidence still decides, and agreement never verifies."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ponder.agent.settings import Settings
from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.graphs.checkers.differential import SecondImplementationChecker
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.finalize import finalize_node
from ponder.graphs.select import best, tied_code
from ponder.sandbox.local import LocalSandbox
from ponder.testing import ScriptedChatModel

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # LocalSandbox warns loudly

QUESTION = "Write double_all(xs) that returns a new list with every number doubled."
TESTS = "assert double_all([1, 2]) == [2, 4]"
RIGHT = "def double_all(xs):\n    return [2 * x for x in xs]\n"
ALSO_RIGHT = "def double_all(xs):\n    return [x + x for x in xs]\n"
# Passes the example ([1, 2] -> [2, 4]) and is wrong for every other input.
ODD = "def double_all(xs):\n    return [x * x + 1 if x == 1 else x * x for x in xs]\n"
BROKEN = "def double_all(xs):\n    return [2 * x for x in xs\n"


def _cand(index: int, method: str, code: str) -> dict[str, Any]:
    return {"index": index, "answer": code, "code": code, "step": 0, "method": method}


def _v(index: int, status: str, checker: str = "code-rerun") -> dict[str, Any]:
    return {"candidate": index, "checker": checker, "status": status, "reason": "r",
            "evidence": []}


def _state(candidates: list[dict[str, Any]], verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"task": {"question": QUESTION, "kind": "code", "entry_point": "double_all",
                     "tests": TESTS},
            "candidates": candidates, "verdicts": verdicts, "trajectory": [], "usage": {}}


def _revised_and_sampled() -> dict[str, Any]:
    """The direct code failed its example; a revision and two samples pass it."""
    return _state(
        [_cand(0, "direct", "def double_all(xs):\n    return xs\n"),
         _cand(3, "revise", ODD), _cand(4, "sample", RIGHT), _cand(5, "sample", ALSO_RIGHT)],
        [_v(0, "reject"), _v(3, "unverified"), _v(4, "unverified"), _v(5, "unverified")])


async def test_the_checker_counts_how_many_others_each_code_agrees_with(tmp_path: Path) -> None:
    factory = lambda: LocalSandbox(default_timeout=30, artifact_dir=tmp_path / "art")  # noqa: E731
    checker = SecondImplementationChecker(ScriptedChatModel([]), factory)
    item = CheckInput(question=QUESTION, kind="code", answer=RIGHT, code=RIGHT,
                      entry_point="double_all", tests=TESTS)
    assert await checker.break_ties(item, [ODD, RIGHT, ALSO_RIGHT, BROKEN]) == [0, 1, 1, -1]
    assert await checker.break_ties(item, [RIGHT]) is None  # nothing to compare
    no_calls = item.model_copy(update={"tests": "assert True"})
    assert await checker.break_ties(no_calls, [RIGHT, ODD]) is None  # no inputs to derive


def test_only_code_with_the_same_evidence_is_tied() -> None:
    state = _revised_and_sampled()
    assert [c["index"] for c in tied_code(state)] == [3, 4, 5]  # every sample stands
    accepted = _revised_and_sampled()
    accepted["verdicts"][1] = _v(3, "accept")
    assert tied_code(accepted) == []  # evidence decides
    same = _state([_cand(0, "direct", "x"), _cand(4, "sample", RIGHT), _cand(5, "sample", RIGHT)],
                  [_v(0, "reject"), _v(4, "unverified"), _v(5, "unverified")])
    assert tied_code(same) == []  # one piece of code: nothing to break
    question = dict(state, task={"question": "What is 2+2?"})
    assert tied_code(question) == []
    # Two revisions (of different functions) that both pass: each stands, as samples do.
    revisions = _state([_cand(0, "direct", "x"), _cand(2, "revise", RIGHT),
                        _cand(6, "revise", ODD)],
                       [_v(0, "reject"), _v(2, "unverified"), _v(6, "unverified")])
    assert [c["index"] for c in tied_code(revisions)] == [2, 6]


def test_agreement_orders_the_tie_and_without_it_the_latest_wins() -> None:
    state = _revised_and_sampled()
    assert best(state)[0]["index"] == 5  # type: ignore[index]
    cand, status = best(state, {3: 2, 4: 1, 5: 1})
    assert cand is not None and cand["index"] == 3 and status == "unverified"
    # It never outranks evidence: an accepted candidate wins whatever the counts.
    accepted = _revised_and_sampled()
    accepted["verdicts"][1] = _v(3, "accept")
    assert best(accepted, {4: 5})[0]["index"] == 3  # type: ignore[index]


class CountingBreaker:
    """A checker that breaks ties with fixed counts and records what it was shown."""

    name = "counting"

    def __init__(self, counts: list[int] | None) -> None:
        self.counts = counts
        self.shown: list[Sequence[str]] = []

    async def check(self, item: CheckInput) -> Verdict:
        return Verdict(checker=self.name, status="unverified", reason="n/a")

    async def break_ties(self, item: CheckInput, codes: Sequence[str]) -> list[int] | None:
        self.shown.append(list(codes))
        return self.counts


async def test_finalize_asks_the_tie_breaker_and_shows_why() -> None:
    breaker = CountingBreaker([0, 2, 1])
    ctx = GraphContext(model=ScriptedChatModel([]), checkers=[breaker], settings=Settings())
    out = await finalize_node(_revised_and_sampled(), ctx, lambda event: None)  # type: ignore[arg-type]
    assert breaker.shown == [[ODD, RIGHT, ALSO_RIGHT]]
    final = out["final"]
    assert final["code"] == RIGHT and not final["verified"]  # not the latest: 2 > 1 > 0
    assert final["evidence"][0].startswith("tie-break (counting): 3 pieces of code")


async def test_without_a_verdict_from_the_tie_breaker_the_tie_stands() -> None:
    ctx = GraphContext(model=ScriptedChatModel([]), checkers=[CountingBreaker(None)],
                       settings=Settings())
    out = await finalize_node(_revised_and_sampled(), ctx, lambda event: None)  # type: ignore[arg-type]
    assert out["final"]["code"] == ALSO_RIGHT
    assert not any(line.startswith("tie-break") for line in out["final"]["evidence"])


async def test_a_tie_breaker_that_misbehaves_or_a_spent_budget_leaves_the_tie() -> None:
    from ponder.agent.settings import BudgetSettings

    for counts in ([1, 1], [5, 5, 5]):  # the wrong length; all equal (nothing to order)
        ctx = GraphContext(model=ScriptedChatModel([]), checkers=[CountingBreaker(counts)],
                           settings=Settings())
        state = _revised_and_sampled()
        out = await finalize_node(state, ctx, lambda event: None)  # type: ignore[arg-type]
        assert out["final"]["code"] == ALSO_RIGHT
        assert not any(line.startswith("tie-break") for line in out["final"]["evidence"])
        # The breaker spent nothing: the final usage is the state's, plus finalize's time.
        final = dict(out["final"]["usage"])
        assert final.pop("seconds") >= state["usage"].get("seconds", 0.0)
        assert final["model_calls"] == 0 and final["checker_model_calls"] == 0
        assert {k: v for k, v in final.items() if v} == {
            k: v for k, v in state["usage"].items() if k != "seconds" and v}
    breaker = CountingBreaker([0, 2, 1])
    spent = GraphContext(model=ScriptedChatModel([]), checkers=[breaker],
                         settings=Settings(budget=BudgetSettings(max_steps=1)))
    state = dict(_revised_and_sampled(), usage={"steps": 1})
    out = await finalize_node(state, spent, lambda event: None)  # type: ignore[arg-type]
    assert breaker.shown == [] and out["final"]["code"] == ALSO_RIGHT
