"""The code-rerun checker: fresh-sandbox re-execution and test runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ponder.graphs.checkers.base import Checker, CheckInput
from ponder.graphs.checkers.code import CodeRerunChecker
from ponder.graphs.steps import tool_step
from ponder.sandbox import DockerSandbox

pytestmark = pytest.mark.docker


def py_step(code: str, stdout: str, *, ok: bool = True, value: str | None = None) -> dict[str, Any]:
    return dict(tool_step(index=0, thought="", tool="python", args={"code": code},
                          raw_input=code, observation=stdout, ok=ok, sources=[], artifacts=[],
                          data={"code": code, "stdout": stdout, "value": value, "error": None}))


@pytest.fixture
def checker(new_sandbox: Callable[..., DockerSandbox]) -> CodeRerunChecker:
    return CodeRerunChecker(new_sandbox, timeout=10)


async def test_a_reproduced_answer_passes_but_needs_an_independent_check(
    checker: CodeRerunChecker,
) -> None:
    assert isinstance(checker, Checker) and checker.name == "code-rerun"
    steps = [py_step("a = 17", ""), py_step("print(a * 23)", "391\n")]
    verdict = await checker.check(CheckInput(question="17*23?", answer="The answer is 391.",
                                             trajectory=steps))
    assert verdict.status == "unverified", verdict
    assert "reproduced the answer" in verdict.reason and "independent check" in verdict.reason
    assert "step 2 re-run output: 391" in verdict.evidence[0]


async def test_what_the_session_ran_before_the_loop_is_replayed_first(
    checker: CodeRerunChecker,
) -> None:
    """The program method runs in the session the tool loop then uses, so a loop step may
    use a module it imported; the re-run replays that code first instead of rejecting a
    right answer with a NameError (seen on dev hash tasks at ba3f8bf)."""
    steps = [py_step("print(hashlib.sha256(b'ponder').hexdigest()[:12])", "5bcad0dd47c6\n")]
    item = CheckInput(question="first 12 hex of sha256('ponder')?", answer="5bcad0dd47c6",
                      trajectory=steps)
    alone = await checker.check(item)
    assert alone.status == "reject" and "NameError" in alone.reason, alone
    replayed = await checker.check(item.model_copy(update={"session_code": ["import hashlib"]}))
    assert replayed.status == "unverified" and "reproduced the answer" in replayed.reason, replayed
    assert "step 1 re-run output: 5bcad0dd47c6" in replayed.evidence[0]


async def test_an_answer_from_a_value_is_reproduced(checker: CodeRerunChecker) -> None:
    steps = [py_step("sum(range(1, 101))", "", value="5050")]
    verdict = await checker.check(CheckInput(question="sum", answer="5,050", trajectory=steps))
    assert verdict.status == "unverified" and "reproduced the answer" in verdict.reason


async def test_output_the_code_does_not_produce_is_rejected(checker: CodeRerunChecker) -> None:
    steps = [py_step("print(17 * 23)", "449\n")]
    verdict = await checker.check(CheckInput(question="17*23?", answer="449", trajectory=steps))
    assert verdict.status == "reject"
    assert "does not reproduce" in verdict.reason and "391" in verdict.reason


async def test_nothing_to_rerun_is_unverified(checker: CodeRerunChecker) -> None:
    search = dict(tool_step(index=0, thought="", tool="search", args={"query": "x"},
                            raw_input="x", observation="", ok=True, sources=[], artifacts=[],
                            data={}))
    no_steps = await checker.check(CheckInput(question="q", answer="7", trajectory=[search]))
    other = await checker.check(CheckInput(question="q", answer="7",
                                           trajectory=[py_step("print(391)", "391\n")]))
    failed = await checker.check(CheckInput(question="q", answer="7",
                                            trajectory=[py_step("print(7); 1/0", "7\n", ok=False)]))
    for verdict in (no_steps, other, failed):
        assert verdict.status == "unverified"
        assert verdict.reason == "no python step produced the answer"


CODE = "def add(a, b):\n    return a + b\n"


@pytest.mark.parametrize(("code", "tests", "entry", "status", "needle"), [
    (CODE, "assert add(2, 3) == 5", None, "unverified", "too few to vouch"),
    (CODE, "assert add(2, 3) == 5\nassert add(0, 0) == 0\nassert add(-1, 1) == 0", None,
     "accept", "all 3 of the task's tests passed"),
    (CODE.replace("+", "-"), "assert add(2, 3) == 5", None, "reject", "assert add(2, 3) == 5"),
    (CODE, "def check(candidate):\n    assert candidate(1, 1) == 2\n", "add", "unverified",
     "passes the task's 1 given test"),
    (CODE, "def check(candidate):\n    assert candidate(1, 1) == 3\n", "add", "reject",
     "AssertionError"),
    ("def add(a, b)\n    return a", "assert add(1, 1) == 2", None, "reject", "fails to run"),
    (CODE, "", None, "unverified", "no tests"),
    # Tests that never run an assertion prove nothing: a wrong add passed these, with
    # "all 3 of the task's tests passed" (a review, session 46).
    (CODE.replace("+", "-"), "def test_add():\n    assert add(1, 1) == 2\n"
     "    assert add(2, 3) == 5\n    assert add(0, 0) == 0\n", None, "unverified",
     "only 0 of their 3 assertions ran"),
    (CODE.replace("+", "-"), "import unittest\nclass T(unittest.TestCase):\n"
     "    def test(self):\n        assert add(1, 1) == 2\n        assert add(2, 3) == 5\n"
     "        assert add(5, 5) == 10\n", None, "unverified", "only 0 of their 3"),
    (CODE.replace("+", "-"), "def check(candidate):\n    assert candidate(1, 1) == 2\n"
     "    assert candidate(2, 3) == 5\n    assert candidate(0, 1) == 1\n", None,
     "unverified", "only 0 of their 3"),
    (CODE, "def check(candidate):\n    assert candidate(1, 1) == 2\n"
     "    assert candidate(2, 3) == 5\n    assert candidate(0, 1) == 1\n", "add",
     "accept", "all 3 of the task's tests passed"),
    (CODE, "assert add(1, 1) == 2\nassert add(2, 3) == 5\nassert add(0, 0) == 0\n"
     "try:\n    add('a', 1)\n    assert False, 'should raise'\nexcept TypeError:\n    pass\n",
     None, "accept", "all 3 of the task's tests passed"),  # the branch right code skips
    (CODE, "for a, b in [(1, 2), (3, 4)]:\n    assert add(a, b) == a + b\n"
     "    assert add(b, a) == a + b\n    assert add(a, 0) == a\n", None,
     "accept", "all 3 of the task's tests passed"),
])
async def test_code_tasks_run_their_tests(checker: CodeRerunChecker, code: str, tests: str,
                                          entry: str | None, status: str, needle: str) -> None:
    verdict = await checker.check(CheckInput(question="write add", kind="code", answer=code,
                                             code=code, tests=tests, entry_point=entry))
    assert verdict.status == status, verdict
    assert needle in verdict.reason


async def test_the_prompts_examples_reject_but_do_not_vouch(checker: CodeRerunChecker) -> None:
    three = "assert add(2, 3) == 5\nassert add(0, 0) == 0\nassert add(-1, 1) == 0"
    # All three tests were read from the prompt (start adds them; the task gave none).
    stated = await checker.check(CheckInput(question="write add", kind="code", answer=CODE,
                                            code=CODE, tests=three, given_tests=""))
    assert stated.status == "unverified", stated
    assert "0 given test(s) and its 3 stated example(s)" in stated.reason
    wrong = CODE.replace("+", "*")
    failing = await checker.check(CheckInput(question="write add", kind="code", answer=wrong,
                                             code=wrong, tests=three, given_tests=""))
    assert failing.status == "reject", failing
    # Three given tests vouch, whatever examples come beside them.
    given = await checker.check(CheckInput(question="write add", kind="code", answer=CODE,
                                           code=CODE, tests=three + "\nassert add(1, 1) == 2",
                                           given_tests=three))
    assert given.status == "accept", given


async def test_each_example_runs_alone_and_a_failure_shows_expected_and_actual(
    checker: CodeRerunChecker,
) -> None:
    code = "def count_distinct(s):\n    return len(set(s))\n"
    tests = ("import math\n"
             "assert count_distinct('abc') == 3\n"
             "assert count_distinct('xyzXYZ') == 3\n"
             "assert count_distinct('') == 0\n"
             "assert count_distinct(None) == 0\n")
    verdict = await checker.check(CheckInput(question="count", kind="code", answer=code,
                                             code=code, tests=tests,
                                             entry_point="count_distinct"))
    assert verdict.status == "reject" and verdict.score == 0.5, verdict
    assert "2 of 4 tests pass" in verdict.reason
    assert "count_distinct('xyzXYZ') returned 6, expected 3" in verdict.reason
    assert "TypeError" in verdict.reason  # an example that raises says what it raised
    fixed = "def count_distinct(s):\n    return len(set((s or '').lower()))\n"
    passed = await checker.check(CheckInput(question="count", kind="code", answer=fixed,
                                            code=fixed, tests=tests,
                                            entry_point="count_distinct"))
    assert passed.status == "accept" and passed.score == 1.0, passed
