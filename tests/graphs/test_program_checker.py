"""second-program: agreement never verifies, a tie is broken by a third program, and printed
literals are never taken for a computation. Programs run in a real local kernel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.code import computes
from ponder.graphs.checkers.program import IndependentProgramChecker
from ponder.sandbox.local import LocalSandbox
from ponder.testing import ScriptedChatModel

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # LocalSandbox warns loudly

QUESTION = "What day of the week was March 14, 1987?"


class SamplingScriptedModel(ScriptedChatModel):
    temperature: float = 0.0


def ran(code: str, output: str) -> dict[str, Any]:
    return {"index": 0, "thought": "", "action": {"tool": "python", "args": {"code": code}},
            "observation": output, "ok": True, "sources": [], "artifacts": [], "kind": "python",
            "input": code,
            "python": {"code": code, "stdout": output + "\n", "value": None, "error": None}}


COMPUTED = ran("import datetime\nprint(datetime.date(1987, 3, 14).strftime('%A'))", "Saturday")
# A program that computes a wrong day (it misreads the date as March 11).
MISREAD = "import datetime\nprint(datetime.date(1987, 3, 11).strftime('%A'))"


def program(text: str) -> str:
    return f"```python\n{text}\n```"


def checker(tmp_path: Path, replies: list[str]) -> tuple[IndependentProgramChecker, ScriptedChatModel]:
    model = SamplingScriptedModel(replies)
    factory = lambda: LocalSandbox(default_timeout=30, artifact_dir=tmp_path / "art")  # noqa: E731
    return IndependentProgramChecker(model, factory), model


def test_printing_a_literal_is_not_computing() -> None:
    assert not computes("print('Wednesday')")
    assert not computes("print(4)\n'x'")
    assert computes("print(2 + 2)") and computes("print(")


def test_a_program_whose_output_is_fixed_by_what_it_typed_computes_nothing() -> None:
    # Literals bound to names and copied, then printed (a recorded dev program).
    assert not computes("brothers = 6\nsisters = 1\nsisters = sisters\nprint(sisters)")
    assert not computes("n = 5\nprint(f'{n} apples')")
    # Typed sentences tested for equality with themselves (recorded held-out programs).
    assert not computes('s1 = "No lions are scientists"\ns2 = "Some scientists are mammals"\n'
                        'ok = s1 == "No lions are scientists" and s2 == "Some scientists are mammals"\n'
                        "print(ok)")
    assert not computes('s = "All ants are lawyers"\nif s != "All ants are lawyers":\n'
                        '    answer = "Yes"\nelse:\n    answer = "No"\nprint(answer)')
    # A typed sentence looked up in another typed sentence (recorded held-out programs:
    # whether the model wrote the words, not what they mean).
    assert not computes('statement1 = "Some animals are dogs"\nstatement2 = "No dogs are cats"\n'
                        'result = "Yes" if "Some animals are not cats" in statement1 or '
                        '"Some animals are not cats" in statement2 else "No"\nprint(result)')
    assert not computes('s = "All mammals are adults"\nif "Some adults are doctors" in s:\n'
                        '    a = "Yes"\nelse:\n    a = "No"\nprint(a)')
    assert not computes('print("cat sat" not in "the cat sat")')
    # Real work, however small: arithmetic, a call, a loop, an import, numbers compared
    # (9.11 > 9.9 is work for a small model), a substring search for a letter or a word, a
    # name an earlier cell bound.
    for code in ("print('nan' in 'banana')", "w = 'banana'\nprint('n' in w)",
                 "x = 'a b'\nx = 'c'\nprint(x in 'a b c')","x = 3\nprint(x * 7)", "print(len('strawberry'))", "for i in range(3):\n    print(i)",
                 "import math\nprint('x')", "a = 9.11\nb = 9.9\nprint(a > b)",
                 "print('abc' in 'xxabcx')", "print(result)", "x = total\nprint(x)"):
        assert computes(code), code


async def test_agreement_of_two_programs_never_verifies(tmp_path: Path) -> None:
    check, model = checker(tmp_path, [program(
        "import calendar\nprint(calendar.day_name[calendar.weekday(1987, 3, 14)])")])
    v = await check.check(CheckInput(question=QUESTION, answer="Saturday", trajectory=[COMPUTED]))
    assert v.status == "unverified" and "not evidence" in v.reason and model.remaining == 0


async def test_a_third_program_breaks_a_tie_for_the_answer(tmp_path: Path) -> None:
    check, _ = checker(tmp_path, [program(MISREAD), program(
        "import calendar\nprint(calendar.day_name[calendar.weekday(1987, 3, 14)])")])
    v = await check.check(CheckInput(question=QUESTION, answer="Saturday", trajectory=[COMPUTED]))
    assert v.status == "unverified" and "two of three" in v.reason  # no rejection either
    assert any("third program" in e for e in v.evidence)


async def test_a_third_program_siding_with_the_second_rejects(tmp_path: Path) -> None:
    check, _ = checker(tmp_path, [program(MISREAD), program(MISREAD)])
    v = await check.check(CheckInput(question=QUESTION, answer="Saturday", trajectory=[COMPUTED]))
    assert v.status == "reject" and "'Wednesday'" in v.reason


async def test_a_second_program_printing_a_literal_proves_nothing(tmp_path: Path) -> None:
    # The worked example's answer typed into a print is the model's guess, not a program:
    # it may neither reject a computed answer nor be shown to the model as a result.
    check, model = checker(tmp_path, [program("print('Wednesday')")])
    v = await check.check(CheckInput(question=QUESTION, answer="Saturday", trajectory=[COMPUTED]))
    assert v.status == "unverified" and "literal" in v.reason and "Wednesday" not in v.reason
    assert model.remaining == 0


async def test_a_literal_third_program_breaks_no_tie(tmp_path: Path) -> None:
    check, _ = checker(tmp_path, [program(MISREAD), program("print('Saturday')")])
    v = await check.check(CheckInput(question=QUESTION, answer="Saturday", trajectory=[COMPUTED]))
    assert v.status == "reject" and "'Wednesday'" in v.reason


async def test_an_answer_only_printed_as_a_literal_is_not_compared(tmp_path: Path) -> None:
    check, model = checker(tmp_path, [])
    literal = ran("print('Wednesday')", "Wednesday")
    v = await check.check(CheckInput(question=QUESTION, answer="Wednesday", trajectory=[literal]))
    assert v.status == "unverified" and model.calls == []


async def test_code_rerun_does_not_accept_an_answer_only_printed_as_a_literal() -> None:
    from ponder.graphs.checkers.code import CodeRerunChecker

    def no_sandbox() -> LocalSandbox:
        raise AssertionError("nothing should be re-run")

    literal = ran("print('Wednesday')", "Wednesday")
    v = await CodeRerunChecker(no_sandbox).check(
        CheckInput(question=QUESTION, answer="Wednesday", trajectory=[literal]))
    assert v.status == "unverified"
