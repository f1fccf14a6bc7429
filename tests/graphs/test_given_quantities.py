"""given-quantities: a word problem's program that never uses a number the task states is
rejected; one that uses them all, or cannot be judged alone, is left unverified."""

from __future__ import annotations

from typing import Any

import pytest

from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.given import GivenQuantitiesChecker, left_out, stated_quantities
from ponder.graphs.nodes.verify import check_input
from ponder.graphs.steps import program_step

LEGS = ("Your task is to count how many legs there are in total when given a list of "
        "animals.\n\nNow, how many legs are there in total if you have 3 spiders, 2 dogs, "
        "4 ducks, 5 cows?")
SALE = ("Grace had $200. She spent 40% of it on a coat and $35 on shoes. How many dollars "
        "does she have left?")


def item(question: str, code: str, *, method: str = "program", ok: bool = True) -> CheckInput:
    run = {"code": code, "stdout": "1\n", "value": None, "ok": ok, "computed": True,
           "ran": [code]}
    return CheckInput(question=question, answer="1", method=method,
                      trajectory=[dict(program_step(run))])


async def verdict(question: str, code: str, **kwargs: Any) -> tuple[str, str]:
    got = await GivenQuantitiesChecker().check(item(question, code, **kwargs))
    return got.status, got.reason


async def test_a_number_assigned_and_never_read_is_left_out() -> None:
    code = ("spiders = 3\ndogs = 2\nducks = 4\ncows = 5\n"
            "total_legs = spiders * 2 + dogs * 4 + cows * 4\nprint(total_legs)")
    status, reason = await verdict(LEGS, code)
    assert status == "reject"
    assert "4" in reason and "never uses it" in reason


async def test_a_number_never_written_is_left_out() -> None:
    question = ("Tim has 120 stamps. He gives a third of them to his sister and then buys "
                "15 more. How many stamps does he have now?")
    status, reason = await verdict(question, "print(80 + 20)")
    assert status == "reject" and "120, 15" in reason and "them" in reason


async def test_a_program_using_every_number_is_not_vouched_for() -> None:
    code = "print(3 * 8 + 2 * 4 + 4 * 2 + 5 * 4)"
    assert (await verdict(LEGS, code))[0] == "unverified"


async def test_a_percentage_may_be_written_as_its_fraction() -> None:
    spent = "left = 200 - 200 * 0.40 - 35\nprint(left)"
    kept = "print(200 * 0.6 - 35)"
    assert (await verdict(SALE, spent))[0] == "unverified"
    assert (await verdict(SALE, kept))[0] == "unverified"
    assert (await verdict(SALE, "print(200 - 35)"))[0] == "reject"


def test_stated_quantities_read_fractions_and_thousands() -> None:
    forms = stated_quantities("A tank holds 1,200 litres. 3/4 of it is full; 2nd tap.")
    assert set(forms) == {1200.0, 3.0, 4.0}  # "2nd" is no quantity
    assert 0.75 in forms[3.0] and 0.75 in forms[4.0]
    at_the_end = stated_quantities("Sam ate 12 grapes, which was 2/3.")
    assert 2 / 3 in at_the_end[2.0] and 2 / 3 in at_the_end[3.0]


def test_a_program_relying_on_earlier_code_is_not_judged() -> None:
    # A drawn program may read a name the first program defined in the shared session.
    assert left_out(SALE, "print(money - coat - 35)") is None
    assert left_out(SALE, "print(200 - ") is None  # does not parse
    assert left_out(SALE, "import math\nprint(math.floor(200 * 0.6) - 35)") == []


@pytest.mark.parametrize("question, kwargs", [
    (LEGS, {"method": "direct"}),  # an answer in words has no program
    (LEGS, {"method": "loop"}),
    (LEGS, {"ok": False}),  # the program failed: grounding's business
    ("What is 17 * 23 + 4?", {}),  # exact work, not a story
])
async def test_only_a_word_problems_program_that_ran_is_judged(question: str,
                                                                kwargs: dict[str, Any]) -> None:
    status, _ = await verdict(question, "x = 99\nprint(1)", **kwargs)
    assert status == "unverified"


async def test_the_checker_reads_a_program_candidate_as_verify_builds_it() -> None:
    code = "spiders = 3\ndogs = 2\nducks = 4\nprint(spiders * 8 + dogs * 4 + 5 * 4)"
    run = {"code": code, "stdout": "32\n", "value": None, "ok": True, "computed": True,
           "ran": [code]}
    state: Any = {"task": {"question": LEGS}, "candidates": [
        {"index": 1, "answer": "32", "step": 0, "code": None, "method": "program_sample",
         "program": run}]}
    got = await GivenQuantitiesChecker().check(check_input(state, "t"))
    assert got.status == "reject" and got.evidence == [code]
