"""given-quantities: a program for a word problem that leaves out a quantity the task states.

A story's numbers are its data. A small model's program often reads a story with one of
them left out: it types the number into a name it never reads (``ducks = 4`` and then
``total = spiders * 8 + dogs * 4``), or never writes it at all (it types its own
intermediate result instead). Either way the program computes the answer of another
problem. This check rejects such a program's answer, and never accepts: using every
number proves nothing.

What counts as leaving a number out: the program has no numeric constant equal to it
outside assignments to names it never reads, or it assigns the number to a name it never
reads (then the same value used elsewhere is taken to be another quantity). A percentage may also be
written as its fraction (``40%`` as ``0.4``, ``0.6`` or ``1.4``), and a fraction ``a/b``
as its value. The check judges only a program that stands alone: one that reads a name it
never binds (a drawn program that relies on what the first program defined in the shared
session) is left unverified, since the number may be in the code it relies on.

Measured on the dev word problems and stories with the embedded 0.5B (61 tasks, 140
first-method programs, ``bench/runs/given-dev-b7d0adc/``): it rejected 45 programs, none of
them right (33 of the other 95 were); replayed on the same run's candidates, the
selection was right on 25 of the 37 stories against 23. A second dev run
(``bench/runs/leftout-dev-7a0a203/``): 22 rejected, 2 of them right: a program that typed
``5 * 3`` for "$5 for each hour after the first" of 4 hours, and one that reached the
right number by a wrong formula. On the 53 held-out word problems
(``bench/runs/given-heldout-a1d1a10/``): 56 rejected, 1 right. In the complete held-out
run of ``e693582`` (``bench/runs/heldout-e693582/``): 43 rejected, 5 right (88 %); four
were programs drawn on puzzles whose stories state numbers the question does not need.
It may reject, never accept: below 97 %, it is no proof.
"""

from __future__ import annotations

import ast
import builtins
import re

from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.graphs.parsing import UNPARSABLE

# A number as the task writes it: "120", "3.5", "1,200"; not part of a word ("1st", "x2").
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_PERCENT = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(?:%|percent\b)", re.IGNORECASE)
_FRACTION = re.compile(r"(?<![\w.])(\d+)\s*/\s*(\d+)(?!\w|\.\d)")
_PROGRAM_METHODS = ("program", "program_sample")
_BUILTINS = frozenset(dir(builtins))


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def stated_quantities(question: str) -> dict[float, set[float]]:
    """Each number the task states, with the values a program may write it as: itself; for
    a percentage also its fraction and one plus or minus it; for each side of a fraction
    ``a/b`` also its value."""
    forms: dict[float, set[float]] = {}
    for match in _NUMBER.finditer(question):
        number = _value(match.group())
        forms.setdefault(number, {number})
    for match in _PERCENT.finditer(question):
        number = _value(match.group(1))
        forms[number] |= {number / 100, 1 - number / 100, 1 + number / 100}
    for match in _FRACTION.finditer(question):
        top, bottom = int(match.group(1)), int(match.group(2))
        if bottom:
            for side in (top, bottom):
                forms.setdefault(float(side), {float(side)}).add(top / bottom)
    return forms


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the program binds: assigned, defined, imported, a parameter or a loop
    or comprehension variable."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _constants(code: str) -> tuple[set[float], set[float]] | None:
    """The numeric constants a program uses (those outside assignments to names it never
    reads), and the numbers it assigns, as they are, to names it never reads (``ducks =
    4``); None when the code does not parse or reads a name it never binds (it relies on
    code that ran before it)."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return None
    reads = {node.id for node in ast.walk(tree)
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    if reads - _bound_names(tree) - _BUILTINS:
        return None
    dead: set[int] = set()
    ignored: set[float] = set()
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) and node.value
                   else [])
        if targets and all(isinstance(t, ast.Name) and t.id not in reads for t in targets):
            value = node.value  # type: ignore[union-attr]
            dead.update(id(sub) for sub in ast.walk(value))  # type: ignore[arg-type]
            if _is_number(value):
                ignored.add(float(value.value))  # type: ignore[union-attr]
    used = {float(node.value) for node in ast.walk(tree)
            if _is_number(node) and id(node) not in dead}  # type: ignore[attr-defined]
    return used, ignored


def _is_number(node: ast.AST | None) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def left_out(question: str, code: str) -> list[float] | None:
    """The numbers the task states that the program leaves out, in the task's order
    (``[]`` when it uses them all): those it never uses, and those it assigns to a name
    it never reads (even when the same value is used elsewhere for something else: ``4``
    ducks beside a dog's ``4`` legs). None when the program cannot be judged alone."""
    constants = _constants(code)
    if constants is None:
        return None
    used, ignored = constants

    def among(values: set[float], forms: set[float]) -> bool:
        return any(abs(form - value) <= 1e-9 * max(1.0, abs(form))
                   for form in forms for value in values)

    return [number for number, forms in stated_quantities(question).items()
            if not among(used, forms) or among(ignored, {number})]


def shown(numbers: list[float]) -> str:
    """Numbers as a task writes them: ``120, 3.5``."""
    return ", ".join(str(int(n)) if n.is_integer() else str(n) for n in numbers)


class GivenQuantitiesChecker:
    """Rejects a word problem's program that never uses a number the task states."""

    name = "given-quantities"

    async def check(self, item: CheckInput) -> Verdict:
        from ponder.graphs.checkers.code import python_steps

        if (item.kind != "question" or item.method not in _PROGRAM_METHODS
                or not is_word_problem(item.question)):
            return self._unverified("not a program for a word problem")
        steps = [s for s in python_steps(item.trajectory) if s["ok"]]
        if not steps:
            return self._unverified("no program ran")
        missing = left_out(item.question, steps[-1]["code"])
        if missing is None:
            return self._unverified("the program relies on code that ran before it, or "
                                    "does not parse")
        if not missing:
            return self._unverified("the program uses every number the task states; that "
                                    "proves nothing more")
        return Verdict(checker=self.name, status="reject", evidence=[steps[-1]["code"]],
                       reason=(f"the task states {shown(missing)}, but the program never uses "
                               f"{'it' if len(missing) == 1 else 'them'}: it solves another "
                               "problem. Use every quantity the task gives"))

    def _unverified(self, reason: str) -> Verdict:
        return Verdict(checker=self.name, status="unverified", reason=reason)
