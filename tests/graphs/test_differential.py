"""second-implementation: a coding task's function is compared with independently written
implementations on inputs derived from its tests. Implementations run in a real local
kernel; the model is scripted."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.graphs.checkers.base import CheckInput, Verdict, combine
from ponder.graphs.checkers.differential import (
    SecondImplementationChecker,
    definitions_only,
    probe_inputs,
)
from ponder.sandbox.local import LocalSandbox
from ponder.testing import ScriptedChatModel

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # LocalSandbox warns loudly

TASK = ("Write word_count(text) that returns a dict mapping each lower-cased word (letters "
        "only, split on anything else) to how often it occurs.")
TESTS = "assert word_count('a b a') == {'a': 2, 'b': 1}"
RIGHT = ("import re\ndef word_count(text):\n    out = {}\n"
         "    for w in re.findall('[a-z]+', text.lower()):\n"
         "        out[w] = out.get(w, 0) + 1\n    return out\n")
# Passes the visible test, wrong for 'Hi, hi! HI.' (the eval's one verified miss).
SPLIT = ("def word_count(text):\n    out = {}\n    for w in text.lower().split():\n"
         "        out[w] = out.get(w, 0) + 1\n    return out\n")
COUNTER = ("from collections import Counter\ndef word_count(text):\n"
           "    return dict(Counter(re.findall(r'[a-z]+', text.lower())))\n")


class SamplingScriptedModel(ScriptedChatModel):
    temperature: float = 0.0


def fence(code: str) -> str:
    return f"```python\n{code}\n```"


def item(code: str) -> CheckInput:
    return CheckInput(question=TASK, kind="code", answer=code, code=code,
                      entry_point="word_count", tests=TESTS)


def checker(tmp_path: Path, replies: list[str]) -> tuple[SecondImplementationChecker,
                                                         ScriptedChatModel]:
    model = SamplingScriptedModel(replies)
    factory = lambda: LocalSandbox(default_timeout=30, artifact_dir=tmp_path / "art")  # noqa: E731
    return SecondImplementationChecker(model, factory), model


def test_inputs_come_from_the_tests_own_calls_varied_one_argument_at_a_time() -> None:
    inputs = probe_inputs(TESTS, "word_count", TASK)
    assert inputs[0] == ("a b a",)
    assert ("A B A",) in inputs and ("a, b, a!",) in inputs and ("a-b-a",) in inputs
    assert ("",) in inputs and len(set(inputs)) == len(inputs)
    nums = probe_inputs("assert gcd_list([12, 18]) == 6", "gcd_list",
                        "the gcd of a non-empty list of positive integers")
    assert ([],) not in nums and ([18, 12],) in nums
    assert all(x > 0 for (args,) in nums for x in args)
    two = probe_inputs("assert f(3, 'x') == 'xxx'", "f", "")
    assert (4, "x") in two and (3, "X") in two
    assert probe_inputs("assert f(g()) == 1", "f", "") == []


def test_appended_tests_and_prints_are_dropped_from_an_implementation() -> None:
    code = "import re\nX = 2\ndef f(a):\n    return a\nassert f(1) == 2\nprint(f(3))\n"
    kept = definitions_only(code)
    assert "import re" in kept and "X = 2" in kept and "def f" in kept
    assert "assert" not in kept and "print" not in kept


async def test_an_agreeing_implementation_finds_no_doubt_but_never_verifies(tmp_path: Path) -> None:
    check, model = checker(tmp_path, [fence(COUNTER + "\nassert word_count('') == {}")])
    v = await check.check(item(RIGHT))
    assert v.status == "unverified" and not v.blocks, v  # same method: no evidence
    assert "agrees on all" in v.reason and model.remaining == 0


async def test_a_disagreement_withholds_the_tests_acceptance(tmp_path: Path) -> None:
    # The second implementation (with its forgotten ``import re`` added mechanically)
    # disagrees with the split-based code; a third that agrees with neither settles nothing.
    third = ("def word_count(text):\n    return {'x': 1} if text != 'a b a' "
             "else {'a': 2, 'b': 1}\n")
    check, _ = checker(tmp_path, [fence(COUNTER), fence(third)])
    v = await check.check(item(SPLIT))
    assert v.status == "unverified" and v.blocks, v
    assert "word_count(" in v.reason and "independent implementation" in v.reason
    tests_passed = Verdict(checker="code-rerun", status="accept", reason="tests pass")
    assert combine([tests_passed, v]) == "unverified"
    assert combine([tests_passed, v.model_copy(update={"blocks": False})]) == "accept"


async def test_a_third_implementation_siding_with_the_code_lifts_the_block(tmp_path: Path) -> None:
    check, _ = checker(tmp_path, [fence(SPLIT), fence(COUNTER)])
    v = await check.check(item(RIGHT))
    assert v.status == "unverified" and not v.blocks and "two of three" in v.reason, v


async def test_no_credible_second_implementation_blocks(tmp_path: Path) -> None:
    wrong = fence("def word_count(text):\n    return {}\n")
    check, model = checker(tmp_path, [wrong, wrong, wrong])
    v = await check.check(item(RIGHT))
    assert v.status == "unverified" and v.blocks and model.remaining == 0
    assert "passes the visible tests" in v.reason


async def test_code_failing_its_own_tests_here_is_a_doubt_with_no_model_call(
        tmp_path: Path) -> None:
    check, model = checker(tmp_path, [fence(RIGHT)])
    v = await check.check(item("def word_count(text):\n    return {}\n"))
    assert v.status == "unverified" and v.blocks
    assert model.calls == []  # no second implementation is written for it
    # Code that passes when run as written (code-rerun's way) but not as its definitions
    # alone (this checker's way) must not verify on code-rerun's acceptance unexamined.
    setup = ("WORDS = {}\nfor w in 'ab':\n    WORDS[w] = 1\n"
             "def word_count(text):\n    assert WORDS\n    return {'a': 2, 'b': 1}\n")
    v = await check.check(item(setup))
    assert v.status == "unverified" and v.blocks and model.calls == []
    assert combine([Verdict(checker="code-rerun", status="accept", reason="r"), v]) \
        == "unverified"


async def test_questions_and_tasks_without_literal_calls(tmp_path: Path) -> None:
    check, model = checker(tmp_path, [])
    v = await check.check(CheckInput(question="2+2?", answer="4"))
    assert v.status == "unverified" and not v.blocks
    no_calls = item(RIGHT).model_copy(update={"tests": "def check(f):\n    assert f(X)\n"})
    v = await check.check(no_calls)
    assert v.status == "unverified" and v.blocks and model.calls == []
