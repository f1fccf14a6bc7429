"""Selector rules found by review: the prompt's own stub is no function, an exact accept
keeps a rejected answer ahead of unproven ones, and ties are broken among the functions
the selector itself would take."""

from __future__ import annotations

from typing import Any

from ponder.graphs.select import best, first_answer_stands, tied_code

PROMPT_STUB = 'def f(x):\n    """Double x."""\n'


def verdict(index: int, checker: str, status: str, score: float | None = None) -> dict[str, Any]:
    return {"candidate": index, "checker": checker, "status": status, "reason": "",
            "evidence": [], "blocks": False, "score": score}


def code_state(candidates: list[dict[str, Any]], verdicts: list[dict[str, Any]]) -> Any:
    return {"task": {"question": PROMPT_STUB, "kind": "code", "entry_point": "f"},
            "candidates": candidates, "verdicts": verdicts, "trajectory": []}


def cand(index: int, code: str, method: str) -> dict[str, Any]:
    return {"index": index, "answer": code, "code": code, "step": 0, "method": method}


def test_the_prompts_own_stub_is_not_a_complete_function() -> None:
    """An empty direct reply left the prompt's signature and docstring as the candidate:
    it counted as a complete function (the tool loop was skipped) and could be returned."""
    stub = cand(0, PROMPT_STUB, "direct")
    state = code_state([stub], [])
    assert not first_answer_stands(state)
    real = cand(2, "def f(x):\n    return x + x\n", "revise")
    state = code_state([stub, real], [verdict(0, "code-rerun", "reject", 0.0),
                                      verdict(2, "code-rerun", "reject", 0.0)])
    chosen, _ = best(state)
    assert chosen is not None and chosen["index"] == 2


def test_an_exact_accept_keeps_a_rejected_answer_ahead_of_unproven_rejected_ones() -> None:
    """Every answer rejected: the latest was taken, though the expression checker had
    proved an earlier one right (a heuristic objected to its form)."""
    state = {"task": {"question": "What is 3.5 + 2*4?"}, "trajectory": [],
             "candidates": [{"index": 0, "answer": "11.5", "step": 0, "method": "direct"},
                            {"index": 4, "answer": "12", "step": 0, "method": "loop"}],
             "verdicts": [verdict(0, "expression", "accept"), verdict(0, "grounding", "reject"),
                          verdict(4, "expression", "reject")]}
    chosen, status = best(state)
    assert chosen is not None and chosen["answer"] == "11.5" and status == "reject"


def test_ties_are_broken_only_among_functions_the_selector_would_take() -> None:
    """A function whose test run never finished is not taken while one ran them; the
    tie-break was still offered it (and its evidence line shown)."""
    ran = cand(2, "def f(x):\n    return 2 * x\n", "revise")
    other = cand(3, "def f(x):\n    return x * 2\n", "revise")
    unknown = cand(4, "def f(x):\n    return x << 1\n", "revise")
    state = code_state([ran, other, unknown], [verdict(2, "code-rerun", "unverified", 1.0),
                                               verdict(3, "code-rerun", "unverified", 1.0),
                                               verdict(4, "code-rerun", "unverified", None)])
    assert [c["index"] for c in tied_code(state)] == [2, 3]


def test_a_typed_program_is_no_second_source_and_a_draw_loses_a_tie_to_the_greedy_answer(
        ) -> None:
    """A program that only printed the model's guess counted as a second method agreeing
    with it; on an even vote a hot draw (a later index) beat the greedy direct answer."""
    cands = [{"index": 0, "answer": "Sydney", "step": 0, "method": "direct"},
             {"index": 1, "answer": "Sydney", "step": 0, "method": "program",
              "program": {"ok": True, "computed": False}},
             {"index": 3, "answer": "Canberra", "step": 0, "method": "bare"}]
    from ponder.graphs.select import support

    assert support(cands[0], cands) == {"words"}
    assert support(cands[0], [cands[0], {**cands[1], "program": {"ok": True, "computed": True}}]
                   ) == {"words", "program"}
    story = {"question": "Tom has 3 bags with 4 apples each and eats 2. How many are left?"}
    drawn = [{"index": 0, "answer": "10", "step": 0, "method": "direct"},
             {"index": 3, "answer": "10", "step": 0, "method": "bare"},
             {"index": 4, "answer": "12", "step": 0, "method": "direct_sample"},
             {"index": 5, "answer": "12", "step": 0, "method": "direct_sample"}]
    chosen, _ = best({"task": story, "candidates": drawn, "verdicts": [], "trajectory": []})
    assert chosen is not None and chosen["answer"] == "10"


async def test_a_rejected_answer_says_its_own_rejection_first() -> None:
    """The reason quoted the latest round's critique (about another function) and the
    evidence opened with an acceptance."""
    from ponder.agent.settings import Settings
    from ponder.graphs.context import GraphContext
    from ponder.graphs.nodes.finalize import finalize_node
    from ponder.testing import ScriptedChatModel

    first = cand(2, "def f(x):\n    return x + x if x else 1\n", "revise")
    later = cand(3, "def f(x):\n    return 3 * x\n", "revise")
    verdicts = [verdict(2, "form", "accept"),
                {**verdict(2, "code-rerun", "reject", 0.67), "reason": "2 of 3 tests pass"},
                {**verdict(3, "code-rerun", "reject", 0.0), "reason": "0 of 3 tests pass"}]
    state = {**code_state([first, later], verdicts), "critique": "0 of 3 tests pass",
             "usage": {}}
    ctx = GraphContext(model=ScriptedChatModel([]), settings=Settings())
    out = await finalize_node(state, ctx, lambda event: None)  # type: ignore[arg-type]
    final = out["final"]
    assert final["code"] == first["code"] and "2 of 3 tests pass" in final["reason"]
    assert "0 of 3" not in final["reason"]
    assert final["evidence"][0].startswith("code-rerun: reject")
