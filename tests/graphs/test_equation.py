"""The equation checker: an answer is compared with the roots of the task's own equation."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ponder.graphs.checkers.arithmetic import ExpressionChecker
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.equation import EquationChecker, answer_numbers, task_equations


async def status(question: str, answer: str) -> str:
    return (await EquationChecker().check(CheckInput(question=question, answer=answer))).status


@pytest.mark.parametrize(("question", "text", "variable", "poly"), [
    ("Find the value of h in the equation: 6*h + 66 = 456", "6*h + 66 = 456", "h",
     {1: Fraction(6), 0: Fraction(-390)}),
    ("Solve 3(x - 4) = 2x + 5.", "3(x - 4) = 2x + 5", "x", {1: Fraction(1), 0: Fraction(-17)}),
    ("(Solve 2y=8)", "2y=8", "y", {1: Fraction(2), 0: Fraction(-8)}),
    ("What is x if x/4 + 1 = 3.5?", "x/4 + 1 = 3.5", "x", {1: Fraction(1, 4), 0: Fraction(-5, 2)}),
    ("Solve x^2 - 5x + 6 = 0", "x^2 - 5x + 6 = 0", "x",
     {2: Fraction(1), 1: Fraction(-5), 0: Fraction(6)}),
])
def test_the_equation_is_read_from_the_task(question: str, text: str, variable: str,
                                            poly: dict[int, Fraction]) -> None:
    [eq] = task_equations(question)
    assert (eq.text, eq.variable, eq.poly) == (text, variable, poly)


@pytest.mark.parametrize("question", [
    "Let x = 5. What is 3x?",           # a definition, not an equation
    "If a = b + 2 and b = 3, what is a?",  # two unknowns
    "Is 2 + 2 = 4?",                    # no unknown
    "x == 3 in python?",                # a comparison
    "What is 1/x = ?",                  # no right side
])
def test_no_equation_in_one_unknown(question: str) -> None:
    assert task_equations(question) == []


async def test_a_linear_equation_accepts_its_root_exactly_and_rejects_others() -> None:
    q = "Determine the value of o that satisfies: 792*o - 606 = 55626"
    assert await status(q, "71") == "accept"
    assert await status(q, "o = 71") == "accept"
    assert await status(q, "71.0") == "accept"
    wrong = await EquationChecker().check(CheckInput(question=q, answer="70"))
    assert wrong.status == "reject" and "-792" in wrong.reason  # the residual, not the root
    assert "71" not in wrong.reason
    assert await status(q, "seventy-one") == "unverified"  # no number to compare


async def test_an_answer_stating_the_root_and_more_is_not_accepted() -> None:
    q = "Find t: 6t + 81 = t + 11"
    assert await status(q, "t = -14") == "accept"
    # The root inside a sentence that says more (here, that it is no solution) is no
    # answer of that value: a 1.5B dev run's loop answer, which the scorer marks wrong.
    said = "The result t = -14 does not solve the task's equation 6t + 81 = t + 11."
    assert await status(q, said) == "unverified"


async def test_a_fraction_root_and_its_rounded_decimals() -> None:
    q = "Find z: 3z = 10"
    assert await status(q, "10/3") == "accept"
    assert await status(q, "3.3333333333") == "accept"  # within 1e-9
    assert await status(q, "3.333") == "unverified"     # the root to the decimals shown
    assert await status(q, "3.3") == "reject"           # one decimal is not enough
    assert await status(q, "3") == "reject"


async def test_a_quadratic_accepts_only_the_full_set_of_real_roots() -> None:
    q = "Solve x^2 - 5x + 6 = 0"
    assert await status(q, "2, 3") == "accept"
    assert await status(q, "x = 3 or x = 2") == "accept"
    assert await status(q, "3") == "unverified"         # a root, but not all of them
    assert await status(q, "2, 4") == "reject"
    irrational = "Solve for t: t**2 = 2"
    assert await status(irrational, "-1.4142135624, 1.4142135624") == "accept"
    assert await status(irrational, "-1.4142, 1.4142") == "unverified"  # rounded roots
    assert await status("Solve for t: t**2 + 1 = 0", "1") == "reject"  # no real root


async def test_higher_degrees_only_reject() -> None:
    q = "Find the real value(s) of q in the equation: q**3 - q = 0"
    assert await status(q, "-1, 0, 1") == "unverified"
    assert await status(q, "2") == "reject"


async def test_it_applies_only_when_the_unknown_is_asked_for() -> None:
    assert await status("If 2y = 10, what is 3y?", "15") == "unverified"
    assert await status("If 2y = 10, what is y + 1?", "6") == "unverified"
    assert await status("Solve for k: 840*k = 10920", "13") == "accept"
    story = ("Ann has some apples. She buys 3 more bags of 4 apples each and then has 20, "
             "so a + 3*4 = 20 describes it. Her brother has twice as many apples as she "
             "had at first. How many apples does her brother have? Answer with a number.")
    assert await status(story, "16") == "unverified"  # a word problem


def test_answer_numbers_skip_names_and_keep_fractions() -> None:
    assert [n for _, n in answer_numbers("x1 = 2, x2 = -3/2")] == [Fraction(2), Fraction(-3, 2)]
    assert [t for t, _ in answer_numbers("Work: 2+2=4. Answer: 7")] == ["7"]


async def test_the_expression_checker_leaves_an_equation_alone() -> None:
    q = "Solve for x: 3*x + 5*2 = 19"
    verdict = await ExpressionChecker().check(CheckInput(question=q, answer="3"))
    assert verdict.status == "unverified" and "equation" in verdict.reason
    assert await status(q, "3") == "accept"


async def test_another_expression_of_the_unknown_is_not_the_root() -> None:
    assert await status("Solve 2x + 1 = 9, then give x + 5.", "4") == "unverified"
    assert await status("If 3x + 2 = 11, find the value of x^2.", "3") == "unverified"
    assert await status("If 3x + 2 = 11, what is 2x?", "3") == "unverified"


async def test_the_value_given_for_the_unknown_is_the_one_compared() -> None:
    q = "Solve for x: 3*x + 52 = 91"
    assert await status(q, "x = 13") == "accept"
    # The root with more numbers is not accepted (the answer is not that value alone)...
    assert await status(q, "x = 13, since 3*13 + 52 = 91") == "unverified"
    # ...but a wrong value for the unknown is rejected whatever else the answer says.
    assert await status(q, "x = 12, since 3*12 + 52 = 88") == "reject"


# Found by a review (session 46): each "!accept" was accepted (verified, wrong) before.
EQUATION_CASES = [
    ("If 2x + 3 = 11, what is the value of x squared?", "4", "!accept"),
    ("What is the reciprocal of x if 2x + 3 = 11?", "4", "!accept"),
    ("Solve for x: 2x + 3 = 11. Then give the value of x doubled.", "4", "!accept"),
    ("Solve x^2 - 5x + 6 = 0 and give the larger root.", "2 and 3", "!accept"),
    ("Find the value of x: 3x + 1 = 2. Give x as a decimal rounded to 2 places.", "1/3", "!accept"),
    ("Solve 7x = 864197523084 for x.", "x = 123456789100", "!accept"),
    ("Solve 7x = 864197523084 for x.", "x = 123456789012", "accept"),
    ("Solve 3x - 1000000000000 = 2000000000000 for x.", "x = 1000000000900", "!accept"),
    ("Solve 2x - 10 = 0 for x.", "x = \u22125", "!accept"),
    ("Solve 2x - 10 = 0 for x.", "x = - 5", "!accept"),
    ("Solve 2x + 10 = 0 for x.", "x = - 5", "accept"),
    ("Solve 2x + 10 = 0 for x.", "x = \u22125", "accept"),
    ("Solve x^2 - 5x + 6 = 0.", "x = \u22122 or x = \u22123", "!accept"),
    ("Solve x^2 - 5x + 6 = 0.", "x = 2 or x = 3", "accept"),
    ("Solve for x: 2x + 3 = 11.", "x = 4", "accept"),
    # words that only describe the answer (the first version of that rule refused them)
    ("Solve for x, where x is a positive integer: x^2 - 5x + 6 = 0", "2 or 3", "accept"),
    ("Solve for the integer x: 2x + 1 = 7", "3", "accept"),
    ("Solve for x: 2x + 6 = 0. Note the answer is negative.", "-3", "accept"),
    ("Solve for x: 2x + 3 = 4. Express your answer as a fraction.", "1/2", "accept"),
    ("Solve for x: x + 2 = 5, then check your answer.", "3", "accept"),
]


@pytest.mark.parametrize(("question", "answer", "want"), EQUATION_CASES)
async def test_the_equation_checker_accepts_only_the_unknown_asked_for_exactly(
        question: str, answer: str, want: str) -> None:
    from ponder.graphs.checkers.base import CheckInput
    from ponder.graphs.checkers.equation import EquationChecker

    verdict = await EquationChecker().check(CheckInput(question=question, answer=answer))
    if want.startswith("!"):
        assert verdict.status != want[1:], verdict
    else:
        assert verdict.status == want, verdict
