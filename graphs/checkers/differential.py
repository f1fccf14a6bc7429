"""second-implementation: a coding task's function against an independent implementation.

Visible tests are thin: ``word_count('a b a')`` passes for ``text.lower().split()``,
which is wrong for ``'Hi, hi! HI.'``. This checker asks the model, in a fresh context,
for a second implementation of the same function, keeps it only if it passes the same
visible tests, and runs both on inputs derived from the tests' own calls (upper-cased,
punctuated, halved, doubled, reversed, nested, neighbouring numbers...). Each
implementation is loaded in its own namespace of one fresh sandbox, each call has a
2-second limit, and results are compared in the sandbox.

- They agree on every input: ``unverified`` with no doubt (two samples of one model
  agreeing is not evidence, so it never verifies).
- They disagree: a third implementation, sampled hotter, is run on the disputed inputs;
  if it sides with the candidate on all of them, ``unverified`` with no doubt (two of
  three).
- Otherwise, or with no credible second implementation or no inputs: ``unverified``
  with ``blocks=True``, so the tests alone cannot mark the code verified.
- Code that fails its own visible tests: ``unverified`` with ``blocks=True`` after one
  sandbox run of the tests alone, with no model call (code-rerun rejects it; should
  code-rerun, which runs the code as written rather than its definitions alone, pass it,
  the difference is a doubt).

It never rejects: samples of one small model share its mistakes, so outvoting code the
run developed with feedback would be weak grounds.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from ponder.agent.errors import SandboxError
from ponder.graphs.checkers.base import CheckInput, Verdict, in_context
from ponder.graphs.codefix import mechanical_fix
from ponder.graphs.metering import Meter, SandboxSource, metered_model, metered_sandboxes
from ponder.graphs.nodes.think import hotter, strip_fence
from ponder.graphs.parsing import UNPARSABLE, message_text, python_fence
from ponder.graphs.policies import Policy

MAX_INPUTS = 40
_MARK = "PONDER-DIFF "
_NONEMPTY = re.compile(r"\bnon-?empty\b", re.IGNORECASE)

# Runs inside the sandbox. Each implementation is exec'd in its own namespace, so helpers
# with the same name cannot leak between them; every call gets a 2 s alarm and a deep
# copy of its arguments; equality (with float tolerance) is decided next to the values.
_SCRIPT = '''
import copy as _c, json as _j, math as _m, signal as _s
def _ponder_diff(codes, entry, tests, inputs):
    def _alarm(*_):
        raise TimeoutError("took longer than 2 s")
    def _call(f, args):
        old = _s.signal(_s.SIGALRM, _alarm)
        _s.setitimer(_s.ITIMER_REAL, 2.0)
        try:
            return ("ok", f(*_c.deepcopy(args)))
        except Exception as e:
            return ("err", type(e).__name__)
        finally:
            _s.setitimer(_s.ITIMER_REAL, 0)
            _s.signal(_s.SIGALRM, old)
    def _same(a, b):
        if a[0] != b[0]:
            return False
        if a[0] == "err":
            return True
        x, y = a[1], b[1]
        if isinstance(x, float) or isinstance(y, float):
            try:
                return _m.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
            except TypeError:
                pass
        try:
            return bool(x == y)
        except Exception:
            return False
    impls, results = [], []
    for code in codes:
        ns = {"__name__": "__ponder_impl__"}
        info = {"loaded": False, "tests": False, "error": ""}
        try:
            exec(compile(code, "<implementation>", "exec"), ns)
            fn = ns[entry]
            info["loaded"] = True
            tns = dict(ns)
            exec(compile(tests, "<tests>", "exec"), tns)
            if "check" in tns and callable(tns["check"]) and "def check(" in tests:
                tns["check"](fn)
            info["tests"] = True
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            info["error"] = (type(e).__name__ + ": " + str(e))[:200]
        impls.append(info)
        results.append([_call(fn, a) for a in inputs] if info["loaded"] else [])
    rows = []
    for i, args in enumerate(inputs):
        outs = [r[i] if r else ("err", "not loaded") for r in results]
        rows.append({
            "args": repr(tuple(args))[:120],
            "outs": [o[0] == "ok" and repr(o[1])[:120] or "raises " + o[1] for o in outs],
            "same": [[_same(a, b) for b in outs] for a in outs],
        })
    print("PONDER-DIFF " + _j.dumps({"impls": impls, "rows": rows}))
'''


def _literal_calls(tests: str, names: set[str]) -> list[tuple[Any, ...]]:
    """The literal argument tuples of every call to one of ``names`` in ``tests``."""
    try:
        tree = ast.parse(tests)
    except UNPARSABLE:
        return []
    calls: list[tuple[Any, ...]] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in names and not node.keywords):
            try:
                calls.append(tuple(ast.literal_eval(a) for a in node.args))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
    return calls


def _int_variants(n: int) -> list[int]:
    if n > 0:
        return [1, 2, 7, n - 1, n + 1, 2 * n, n + 12]
    if n < 0:
        return [-1, -7, n + 1, n - 1, 2 * n]
    return [1, 2, 7]


def _str_variants(s: str, nonempty: bool) -> list[str]:
    out = [s.upper(), s.title(), s[: max(1, len(s) // 2)], s + s, s[::-1], s[:1],
           s.replace(" ", ", ") + "!", s.replace(" ", "-"), f" {s}  {s.upper()}. "]
    if not nonempty:
        out.append("")
    return out


def variants(value: Any, nonempty: bool) -> list[Any]:
    """Nearby inputs of the same type as ``value`` (never ``value`` itself)."""
    if isinstance(value, bool):
        out: list[Any] = [not value]
    elif isinstance(value, int):
        out = [v for v in _int_variants(value) if (v > 0) == (value > 0) or value == 0]
    elif isinstance(value, float):
        out = [value * 2.5, value + 0.5, round(value)]
    elif isinstance(value, str):
        out = _str_variants(value, nonempty)
    elif isinstance(value, list | tuple):
        kind = type(value)
        items = list(value)
        out = [kind(items[::-1]), kind(items + items), kind(items[:1])]
        if not nonempty:
            out.append(kind())
        if any(isinstance(x, list | tuple) for x in items):
            out.append(kind([items]))
        for k, item in enumerate(items[:3]):
            for alt in variants(item, nonempty)[:2]:
                out.append(kind([*items[:k], alt, *items[k + 1:]]))
    elif isinstance(value, dict):
        out = [] if nonempty else [{}]
    else:
        out = []
    return [v for v in out if v != value or type(v) is not type(value)]


def probe_inputs(tests: str, entry_point: str, question: str) -> list[tuple[Any, ...]]:
    """The tests' own calls and, for each, one argument at a time varied; deduplicated,
    at most ``MAX_INPUTS``."""
    nonempty = bool(_NONEMPTY.search(question))
    seen: set[str] = set()
    out: list[tuple[Any, ...]] = []

    def add(args: tuple[Any, ...]) -> None:
        key = repr(args)
        if key not in seen and len(out) < MAX_INPUTS:
            seen.add(key)
            out.append(args)

    calls = _literal_calls(tests, {entry_point, "candidate"})
    for args in calls:
        add(args)
    for args in calls:
        for k, value in enumerate(args):
            for alt in variants(value, nonempty):
                add((*args[:k], alt, *args[k + 1:]))
    return out


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                ast.ClassDef, ast.Assign, ast.AnnAssign)


def definitions_only(code: str) -> str:
    """``code`` without its top-level statements that are not imports, definitions or
    assignments: the tests, prints and demo calls a small model appends to a function."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return code
    tree.body = [node for node in tree.body if isinstance(node, _DEFINITIONS)]
    return ast.unparse(tree)


class SecondImplementationChecker:
    """Compares a coding task's function with independently written implementations.

    An implementation that fails with a slip is mechanically fixed first, with the fixes
    of ``policies`` too (default: every policy).
    """

    name = "second-implementation"
    # Its failure blocks (graphs.nodes.verify): the doubt it exists to raise is unknown.
    blocks_on_failure = True

    def __init__(self, model: BaseChatModel, factory: SandboxSource, *,
                 timeout: float = 30.0, policies: Sequence[Policy] | None = None) -> None:
        self.model = model
        self.factory = factory
        self.timeout = timeout
        self.policies = policies

    def with_meter(self, meter: Meter) -> SecondImplementationChecker:
        """This checker with its model calls and sandbox runs counted in ``meter``."""
        metered = copy.copy(self)
        metered.model = metered_model(self.model, meter)
        metered.factory = metered_sandboxes(self.factory, meter)
        return metered

    def _verdict(self, status: str, reason: str, evidence: list[str] | None = None,
                 *, blocks: bool = False) -> Verdict:
        return Verdict(checker=self.name, status=status,  # type: ignore[arg-type]
                       reason=reason, evidence=evidence or [], blocks=blocks)

    async def check(self, item: CheckInput) -> Verdict:
        if item.kind != "code" or not item.entry_point or not (item.code or "").strip():
            return self._verdict("unverified", "not a coding task with code")
        tests = item.tests or ""
        inputs = probe_inputs(tests, item.entry_point, item.question) if tests.strip() else []
        if not inputs:
            return self._verdict("unverified", "the tests have no literal calls to derive "
                                 "inputs from, so no second implementation was compared",
                                 blocks=True)
        try:
            return await self._judge(item, tests, inputs)
        except SandboxError as exc:
            return self._verdict("unverified", f"the sandbox could not run the check: {exc}",
                                 blocks=True)

    async def break_ties(self, item: CheckInput, codes: Sequence[str]) -> list[int] | None:
        """CodeT-style agreement: run every code on the inputs derived from the task's
        examples and count, for each, the others that return the same on every input
        (-1 for code that does not load). None without inputs or without a report."""
        entry, tests = item.entry_point or "", item.tests or ""
        inputs = probe_inputs(tests, entry, item.question) if entry and tests.strip() else []
        if len(codes) < 2 or not inputs:
            return None
        try:
            report = await self._compare([definitions_only(c) for c in codes], entry, tests,
                                         inputs)
        except SandboxError:
            return None
        if report is None:
            return None
        loaded = [bool(impl.get("loaded")) for impl in report["impls"]]
        rows = report["rows"]
        return [sum(1 for j in range(len(codes)) if j != i and loaded[j]
                    and all(row["same"][i][j] for row in rows)) if loaded[i] else -1
                for i in range(len(codes))]

    async def _judge(self, item: CheckInput, tests: str, inputs: list[tuple[Any, ...]]
                     ) -> Verdict:
        code = definitions_only(item.code or "")
        entry = item.entry_point or ""
        # Code that fails its own visible tests is code-rerun's to reject: one sandbox run
        # settles that before a second implementation costs a model call (most candidates
        # of a small model fail, and every one of them used to pay that call). The tests
        # alone: no derived input is run (one that hangs would cost the whole timeout).
        alone = await self._compare([code], entry, tests, [])
        if alone is not None and not alone["impls"][0]["tests"]:
            return self._not_passing()
        second, report = None, None
        warm = hotter(self.model)
        for model in (self.model, warm, hotter(self.model, 1)):
            if model is None:
                continue
            other = await self._implementation(item, model)
            other, report = await self._compare_fixed([code], other, entry, tests, inputs)
            if report is None:
                break
            if not report["impls"][0]["tests"]:
                return self._not_passing()
            if report["impls"][1]["tests"]:
                second = other
                break
        if second is None or report is None:
            return self._verdict("unverified", "no independent implementation that passes "
                                 "the visible tests could be written, so the tests alone "
                                 "are not enough to verify the code", blocks=True)
        rows = report["rows"]
        disputed = [i for i, r in enumerate(rows) if not r["same"][0][1]]
        evidence = [f"second implementation: {' '.join(second.split())[:300]}"]
        if not disputed:
            # Same method, same model: agreement finds no doubt but proves nothing.
            return self._verdict("unverified", f"an independently written implementation "
                                 f"that passes the same tests agrees on all {len(rows)} inputs "
                                 "derived from them (two samples of one model agreeing is not "
                                 "evidence, so this never verifies)", evidence)
        first = rows[disputed[0]]
        example = (f"{item.entry_point}{first['args']} returns {first['outs'][0]} with your "
                   f"code but {first['outs'][1]} with an independent implementation")
        evidence.append(f"disagreement on {len(disputed)} of {len(rows)} inputs: {example}")
        # A third implementation may side with the candidate. Siding with the second is not
        # grounds to reject: the 0.5B writes the same wrong helper twice (gcd as
        # ``min(g, n % g)``), so two of its samples agreeing proves little against code
        # that the run developed with feedback.
        if (third_model := hotter(self.model, 2)) is not None:
            third = await self._implementation(item, third_model)
            third, three = await self._compare_fixed([code, second], third, entry, tests,
                                                     [inputs[i] for i in disputed])
            if three is not None and three["impls"][2]["tests"]:
                evidence.append(f"third implementation: {' '.join(third.split())[:300]}")
                if all(r["same"][0][2] for r in three["rows"]):
                    return self._verdict("unverified", "two of three independently written "
                                         "implementations agree on every input (yours and a "
                                         "third)", evidence)
        return self._verdict("unverified", f"an independent implementation disagrees: "
                             f"{example}; which one is right is not settled", evidence,
                             blocks=True)

    def _not_passing(self) -> Verdict:
        # A doubt, not only "nothing to compare": code-rerun runs the code as written and
        # rejects it if it fails; if code-rerun passed it, the two runs differ (this one
        # keeps only the definitions), and that must not let it verify unexamined.
        return self._verdict("unverified", "the code does not pass its visible tests here, "
                             "so there is nothing to compare", blocks=True)

    async def _implementation(self, item: CheckInput, model: BaseChatModel) -> str:
        prompt = item.prompts.second_implementation.format(
            entry=item.entry_point, question=item.question, tests=(item.tests or "").strip())
        reply = await model.ainvoke([HumanMessage(in_context(item, prompt))])
        text = message_text(reply)
        return definitions_only(python_fence(text) or strip_fence(text))

    async def _compare_fixed(self, codes: list[str], other: str, entry: str, tests: str,
                             inputs: list[tuple[Any, ...]]
                             ) -> tuple[str, dict[str, Any] | None]:
        """``_compare`` with ``other`` last; when ``other`` fails with an error that has a
        mechanical fix (a forgotten import is not a different implementation), the fixed
        code is compared instead."""
        report = await self._compare([*codes, other], entry, tests, inputs)
        if report is not None:
            fix = mechanical_fix(other, report["impls"][-1]["error"], self.policies)
            if fix is not None:
                fixed = await self._compare([*codes, fix.code], entry, tests, inputs)
                if fixed is not None:
                    return fix.code, fixed
        return other, report

    async def _compare(self, codes: list[str], entry: str, tests: str,
                       inputs: list[tuple[Any, ...]]) -> dict[str, Any] | None:
        """Load each implementation in its own namespace, run the tests against it and
        every input through it; the report, or None when the sandbox gave none."""
        call = (f"_ponder_diff({codes!r}, {entry!r}, {tests!r}, {inputs!r})")
        async with self.factory() as sandbox:
            result = await sandbox.execute(_SCRIPT + "\n" + call, timeout=self.timeout)
        for line in reversed(result.stdout.splitlines()):
            if line.startswith(_MARK):
                try:
                    report: dict[str, Any] = json.loads(line[len(_MARK):])
                except json.JSONDecodeError:
                    return None
                return report
        return None
