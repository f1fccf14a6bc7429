"""code-rerun: check computed answers and code by running them again in a fresh sandbox.

For a question whose answer came out of ``python`` steps, the code of the trajectory's
python steps is re-executed, in order, in a *fresh* sandbox; the answer must appear in
the re-run output of a step that originally printed it, or the answer is rejected.
Reproducing it is not enough to accept it (a program that answers the wrong question
reproduces too): that takes an independent check. For a coding task with tests, the
code and then the tests run in a fresh sandbox and must pass, which accepts it. With
nothing to run the verdict is ``unverified``, never ``accept``.
"""

from __future__ import annotations

import ast
import copy
import re
from typing import Any

from ponder.agent.errors import SandboxError
from ponder.agent.settings import Settings
from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.graphs.examples import with_check_call
from ponder.graphs.metering import Meter, SandboxSource, metered_sandboxes
from ponder.graphs.parsing import UNPARSABLE
from ponder.graphs.steps import python_run
from ponder.sandbox.protocol import ExecutionResult, Sandbox

# A number standing on its own: not digits inside a word such as a hex digest "5bcad0dd47".
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.]*[A-Za-z_])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DIGEST = re.compile(r"(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}")
EVIDENCE_CHARS = 300
_BOOLEAN = {"yes": "true", "no": "false"}


def normalise(text: str) -> str:
    """Lower-case, unify minus signs, drop thousands separators, collapse whitespace."""
    text = text.replace("\u2212", "-").replace("$", "").lower()
    text = _THOUSANDS.sub("", text)
    return " ".join(text.split()).strip(" .")


def numbers(text: str) -> list[float]:
    """Every number in ``normalise(text)``, as floats."""
    return [float(m) for m in _NUMBER.findall(normalise(text))]


def answer_in(answer: str, output: str) -> bool:
    """Whether ``answer`` appears in ``output``: all of its numbers do (1e-9 relative),
    or, for an answer without numbers, its normalised words as a whole phrase (Yes/No
    also as True/False); a hex digest may be the start of a longer one."""
    if _DIGEST.fullmatch(answer.strip()):
        # A digest or a prefix of one ("the first 10 hex characters"): a token's start.
        token = re.escape(answer.strip().lower())
        return re.search(rf"(?<![0-9a-z]){token}", output.lower()) is not None
    wanted = numbers(answer)
    if wanted:
        have = numbers(output)
        return all(any(abs(w - h) <= 1e-9 * max(1.0, abs(w)) for h in have) for w in wanted)
    phrase = normalise(answer)
    if not phrase:
        return False
    said = normalise(output)
    # "Yes"/"No" is what python prints as True/False.
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", said) is not None
               for p in (phrase, _BOOLEAN.get(phrase)) if p)


def _output(stdout: str, value: str | None) -> str:
    return f"{stdout}\n{value}" if value is not None else stdout


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "..."


def python_steps(trajectory: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trajectory's python steps, in order, each as {code, ok, output}."""
    steps = []
    for step in trajectory:
        action = step.get("action") or {}
        if action.get("tool") != "python":
            continue
        run = python_run(step)
        if run is None or run.get("rejected"):
            continue  # a person rejected it: it never ran, and is never replayed
        code = run["code"] or (action.get("args") or {}).get("code")
        if not isinstance(code, str) or not code.strip():
            continue
        output = _output(run["stdout"], run["value"])
        main = {"code": code, "ok": bool(step.get("ok")), "output": output,
                "computed": computes(code)}
        ran = run.get("ran", [])
        # Programs the step also executed (a failed first try before a repair, a failed
        # repair, a probe) changed the session too; they are replayed, never producers.
        at = max((i for i, c in enumerate(ran) if c == code), default=None)
        hidden = {"ok": False, "output": "", "computed": False}
        if at is None:
            steps.append(main)
            continue
        steps.extend({"code": c, **hidden} for c in ran[:at])
        steps.append(main)
        steps.extend({"code": c, **hidden} for c in ran[at + 1:])
    return steps


def computes(code: str) -> bool:
    """False for a program whose output is fixed by what the model typed in it: one that
    only prints literals (``print('Wednesday')``), or binds names to literals and copies
    of them, tests typed text for equality and prints (``sisters = 1; print(sisters)``;
    ``s = "No lions are scientists"`` then ``print(s == "No lions are scientists")``).
    A test whether one typed sentence contains another (``"Some A are not C" in
    statement1``, ``statement1 = "Some A are B"``) is typed too: it asks whether the
    model wrote the words, which it knows, and says nothing of what the sentences mean.
    Its output is the model's guess in python's words, not a computation. Anything else
    computes: arithmetic, a call other than ``print``/``str``/``bool``, a loop, an
    import, a comparison of numbers (``9.11 > 9.9`` is real work for a small model), a
    substring test for a letter or a word (``"nan" in "banana"``), and a name the program
    reads but never binds (it reads what an earlier cell computed). Unparsable code counts
    as computing (it did not run anyway)."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return True
    return not _typed_only(tree)


# What a program whose output is fixed by its own literals is made of.
_TYPED_NODES = (ast.Module, ast.Expr, ast.Assign, ast.If, ast.Pass, ast.Name, ast.Load,
                ast.Store, ast.Constant, ast.Compare, ast.Eq, ast.NotEq, ast.Is, ast.IsNot,
                ast.In, ast.NotIn,
                ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.IfExp, ast.Call,
                ast.JoinedStr, ast.FormattedValue)
_TYPED_CALLS = frozenset({"print", "str", "bool"})


def _typed_only(tree: ast.Module) -> bool:
    """Whether ``tree`` only binds literals (and copies of them), tests typed text for
    equality and prints: its output follows from what was typed, computing nothing."""
    text_names: dict[str, bool] = {}  # bound name -> every value bound to it is a string
    for node in ast.walk(tree):
        if not isinstance(node, _TYPED_NODES):
            return False
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in _TYPED_CALLS):
            return False
        if isinstance(node, ast.Assign):
            if not all(isinstance(t, ast.Name) for t in node.targets):
                return False
            text = isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets:
                assert isinstance(target, ast.Name)
                text_names[target.id] = text_names.get(target.id, True) and text
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if read - set(text_names) - _TYPED_CALLS:
        return False  # it reads a name bound elsewhere: what an earlier cell computed

    def typed_text(node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        return isinstance(node, ast.Name) and text_names.get(node.id, False)

    def phrase(node: ast.expr) -> bool:
        return (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and len(node.value.split()) >= 2)

    def typed_phrase(node: ast.expr) -> bool:  # typed text of several words
        if isinstance(node, ast.Name):  # bound to typed text only (``typed_text``)
            values = [a.value for a in ast.walk(tree) if isinstance(a, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
            return bool(values) and all(phrase(v) for v in values)
        return phrase(node)

    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = (node.left, *node.comparators)
        if not all(typed_text(operand) for operand in operands):
            return False
        for op, needle in zip(node.ops, operands, strict=False):
            if isinstance(op, ast.In | ast.NotIn) and not typed_phrase(needle):
                return False  # a letter or a word looked up in a text: real work
    return True


class CodeRerunChecker:
    """Re-executes the code behind an answer (or runs a task's tests) in a fresh sandbox.

    ``factory`` gives a fresh sandbox per check (``async with factory() as sandbox``: a
    new unstarted one, closed afterwards, or a pool's ``session``).
    """

    name = "code-rerun"

    def __init__(self, factory: SandboxSource, *, timeout: float = 30.0) -> None:
        self.factory = factory
        self.timeout = timeout

    def with_meter(self, meter: Meter) -> CodeRerunChecker:
        """This checker with its sandbox runs counted in ``meter``."""
        metered = copy.copy(self)
        metered.factory = metered_sandboxes(self.factory, meter)
        return metered

    @classmethod
    def from_settings(cls, settings: Settings) -> CodeRerunChecker:
        """A checker using fresh sandboxes of the configured kind."""
        from ponder.sandbox.factory import make_sandbox

        return cls(lambda: make_sandbox(settings), timeout=settings.sandbox.exec_timeout)

    async def check(self, item: CheckInput) -> Verdict:
        """Judge ``item``; a sandbox that cannot start yields ``unverified``."""
        try:
            if item.kind == "code":
                return await self._check_tests(item)
            return await self._check_rerun(item)
        except SandboxError as exc:
            return self._verdict("unverified", f"the sandbox could not run the check: {exc}")

    def _verdict(self, status: str, reason: str, evidence: list[str] | None = None,
                 score: float | None = None) -> Verdict:
        return Verdict(checker=self.name, status=status,  # type: ignore[arg-type]
                       reason=reason, evidence=evidence or [], score=score)

    async def _check_rerun(self, item: CheckInput) -> Verdict:
        steps = python_steps(item.trajectory)
        producers = [i for i, s in enumerate(steps)
                     if s["ok"] and s["computed"] and answer_in(item.answer, s["output"])]
        if not producers:
            return self._verdict("unverified", "no python step produced the answer")
        # What the session ran before these steps is replayed first; it produces nothing.
        before = [{"code": c, "ok": False, "output": "", "computed": False}
                  for c in item.session_code]
        reruns = (await self._rerun(before + steps))[len(before):]
        evidence = [f"step {i + 1} re-run output: {_short(reruns[i])}" for i in producers]
        if any(answer_in(item.answer, reruns[i]) for i in producers):
            changed = [i + 1 for i, s in enumerate(steps) if s["ok"]
                       and normalise(reruns[i]) != normalise(s["output"])]
            note = f" (outputs of steps {changed} differed)" if changed else ""
            reason = (f"re-running the {len(steps)} python step(s) in a fresh sandbox "
                      f"reproduced the answer{note}")
            # Reproducing proves the output is what the code prints, not that the code
            # answers the question: an independent check (a second program, the task's
            # own expression, a solution in words) must confirm it.
            return self._verdict("unverified", reason + "; reproducing is necessary, not "
                                 "sufficient: an independent check must confirm it", evidence)
        last = producers[-1]
        return self._verdict(
            "reject", f"re-running the code in a fresh sandbox does not reproduce the answer "
            f"{item.answer!r}: step {last + 1} now gives {_short(reruns[last])!r}", evidence)

    async def _rerun(self, steps: list[dict[str, Any]]) -> list[str]:
        """Run every step's code in order in one fresh sandbox; their outputs."""
        outputs = []
        async with self.factory() as sandbox:
            for step in steps:
                result = await sandbox.execute(step["code"], timeout=self.timeout)
                outputs.append(_output(result.stdout, result.value) + _error_text(result))
        return outputs

    async def _check_tests(self, item: CheckInput) -> Verdict:
        code = item.code or ""
        if not code.strip():
            return self._verdict("unverified", "there is no code to test")
        if not (item.tests or "").strip():
            return self._verdict("unverified", "the task has no tests")
        tests = with_check_call(item.tests or "", item.entry_point)
        setup, asserts = split_tests(tests)
        async with self.factory() as sandbox:
            ran = await sandbox.execute(code, timeout=self.timeout)
            if not ran.ok:
                return self._verdict("reject", f"the code fails to run: {_failure(ran)}",
                                     score=0.0)
            if asserts is None:
                counted, total = counting_asserts(tests)
                tested = await sandbox.execute(counted, timeout=self.timeout)
                if not tested.ok:
                    return self._verdict("reject", f"the tests fail: {_failure(tested)}",
                                         score=0.0)
                evidence = [f"tests output: {_short(tested.stdout) or '(none)'}"]
                tally = await sandbox.execute(ASSERTS_RAN, timeout=self.timeout)
                ran_asserts = int(tally.value) if (tally.value or "").isdigit() else 0
                if ran_asserts < min(total, MIN_TESTS_TO_ACCEPT):
                    # A test function nobody calls (pytest style, a TestCase with no
                    # runner, check() with no entry point) passes by never running.
                    return self._verdict(
                        "unverified", f"the tests ran without failing, but only "
                        f"{ran_asserts} of their {total} assertions ran", evidence, score=1.0)
                # What vouches is what ran (an `assert False` in a try that the right
                # code never reaches, one branch of an if, need not run).
                ran_count = ran_asserts
            else:
                if setup.strip():
                    prepared = await sandbox.execute(setup, timeout=self.timeout)
                    if not prepared.ok:
                        return self._verdict("reject", "the tests' set-up fails: "
                                             f"{_failure(prepared)}", score=0.0)
                failures = [f for a in asserts if (f := await self._example(sandbox, a))]
                passed = len(asserts) - len(failures)
                evidence = [f"{passed} of {len(asserts)} tests pass"]
                if failures:
                    shown = "; ".join(failures[:3])
                    return self._verdict(
                        "reject", f"{passed} of {len(asserts)} tests pass. Failing: {shown}",
                        evidence, score=passed / len(asserts))
        given = tests if item.given_tests is None else item.given_tests
        count = test_count(given) if given.strip() else 0
        if asserts is not None:  # run one by one: only the top-level ones vouch
            count = min(count, len(split_tests(given)[1] or []))
        else:
            count = min(count, ran_count)
        if count < MIN_TESTS_TO_ACCEPT:
            # One example passing (fizz_list(3) == ['1', '2', 'Fizz']) says little about
            # the rest of the function: code that gets 15 wrong passes it. The examples
            # a prompt states are run (a failure rejects) but do not vouch: that passing
            # them means a right function is not measured to the precision accepting needs.
            stated = test_count(tests) - count
            also = f" and its {stated} stated example(s)" if stated > 0 else ""
            return self._verdict("unverified", f"the code passes the task's {count} given "
                                 f"test(s){also}; fewer than {MIN_TESTS_TO_ACCEPT} given "
                                 "tests are too few to vouch for it", evidence, score=1.0)
        return self._verdict("accept", f"the code ran and all {count} of the task's tests "
                             "passed in a fresh sandbox", evidence, score=1.0)

    async def _example(self, sandbox: Sandbox, test: ast.Assert) -> str:
        """Run one assertion; "" when it passes, else what failed: for ``assert f(x) ==
        y``, what ``f(x)`` returned instead (a repair needs the expected and actual
        values, not a bare AssertionError)."""
        source = ast.unparse(test)
        result = await sandbox.execute(source, timeout=self.timeout)
        if result.ok:
            return ""
        compare = test.test
        if (result.error is not None and result.error.name == "AssertionError"
                and isinstance(compare, ast.Compare) and len(compare.ops) == 1
                and isinstance(compare.ops[0], ast.Eq)):
            left = ast.unparse(compare.left)
            probe = await sandbox.execute(left, timeout=self.timeout)
            if probe.ok and probe.value is not None:
                return (f"`{_short(source)}`: {_short(left)} returned {_short(probe.value)}, "
                        f"expected {_short(ast.unparse(compare.comparators[0]))}")
        why = f"{result.error.name}: {result.error.value}" if result.error else "did not finish"
        return f"`{_short(source)}`: {_short(why)}"


def split_tests(tests: str) -> tuple[str, list[ast.Assert] | None]:
    """The tests as set-up code and top-level assertions, run one by one so a verdict can
    say how many pass and what each failing one returned; (tests, None) when they are not
    plain top-level assertions (a ``check`` function, a loop, a syntax error)."""
    try:
        tree = ast.parse(tests)
    except UNPARSABLE:
        return tests, None
    asserts = [node for node in tree.body if isinstance(node, ast.Assert)]
    setup = [node for node in tree.body if not isinstance(node, ast.Assert)]
    plain = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign)
    if not asserts or any(not isinstance(node, plain) for node in setup):
        return tests, None
    if any(isinstance(node, ast.FunctionDef) and node.name == "check" for node in setup):
        return tests, None
    return "\n".join(ast.unparse(node) for node in setup), asserts


MIN_TESTS_TO_ACCEPT = 3

_RAN = "_ponder_asserts_ran"
ASSERTS_RAN = f"len(getattr(__import__('builtins'), {_RAN!r}, ()))"
"""An expression whose value is how many distinct instrumented assertions have run."""


class _CountAsserts(ast.NodeTransformer):
    def __init__(self) -> None:
        self.total = 0

    def visit_Assert(self, node: ast.Assert) -> list[ast.stmt]:
        self.total += 1
        mark = ast.parse(f"__import__('builtins').__dict__.setdefault({_RAN!r}, set())"
                         f".add({self.total})").body[0]
        return [ast.copy_location(mark, node), node]


def counting_asserts(tests: str) -> tuple[str, int]:
    """``tests`` with every assertion recording that it ran (see ``ASSERTS_RAN``), and
    how many there are; unparsable tests come back as they are, with 0."""
    try:
        tree = ast.parse(tests)
    except UNPARSABLE:
        return tests, 0
    counter = _CountAsserts()
    tree = ast.fix_missing_locations(counter.visit(tree))
    reset = f"__import__('builtins').__dict__[{_RAN!r}] = set()\n"
    return reset + ast.unparse(tree), counter.total


def test_count(tests: str) -> int:
    """How many distinct assertions (or checks of a ``check`` function) ``tests`` makes."""
    try:
        tree = ast.parse(tests)
    except UNPARSABLE:
        return 0
    asserts = {ast.dump(n) for n in ast.walk(tree) if isinstance(n, ast.Assert)}
    return len(asserts)


def _error_text(result: ExecutionResult) -> str:
    return f"\n{result.error.name}: {result.error.value}" if result.error else ""


def _failure(result: ExecutionResult) -> str:
    """The useful tail of a failure: the last traceback lines, or the timeout message."""
    if result.error is None:
        return "it did not finish"
    tail = [line for line in result.error.traceback.splitlines() if line.strip()][-6:]
    body = "\n".join(tail) if tail else f"{result.error.name}: {result.error.value}"
    return body[-800:]
