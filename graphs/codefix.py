"""Mechanical fixes for the slips small models make again and again in Python.

A 0.5B model shadows the ``datetime`` module with ``from datetime import datetime``, or
forgets an import. Asking it to fix the slip often gives the same code back. These slips
have exactly one sensible fix, so it is applied to the syntax tree (never by executing
anything), and the act node runs the fixed program and tells the model what was changed.
The fixes here are generic; a task-family slip (a string hashed without ``.encode()``)
is a policy's (``ponder.graphs.policies``), tried when these do not apply. Anything not
recognised is left to the model.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Sequence

from ponder.graphs.parsing import UNPARSABLE, parse_prompt
from ponder.graphs.policies import CodeFix, Policy, default_policies

__all__ = ["CodeFix", "add_missing_imports", "mechanical_fix", "prompt_context",
           "prompt_definitions", "prompt_imports", "with_prompt_context", "without_demo_code"]

# A missing name and the import that defines it (modules import themselves).
_IMPORTS: dict[str, str] = {
    **{m: f"import {m}" for m in (
        "math", "hashlib", "datetime", "itertools", "collections", "re", "calendar",
        "fractions", "statistics", "string", "functools", "decimal", "random", "sympy",
        "numpy", "operator", "heapq", "bisect", "json")},
    "np": "import numpy as np",
    "sqrt": "from math import sqrt", "gcd": "from math import gcd",
    "factorial": "from math import factorial", "comb": "from math import comb",
    "perm": "from math import perm", "isqrt": "from math import isqrt",
    "floor": "from math import floor", "ceil": "from math import ceil",
    "lcm": "from math import lcm", "prod": "from math import prod", "pi": "from math import pi",
    "date": "from datetime import date", "timedelta": "from datetime import timedelta",
    "Counter": "from collections import Counter",
    "defaultdict": "from collections import defaultdict",
    "Fraction": "from fractions import Fraction", "Decimal": "from decimal import Decimal",
    "reduce": "from functools import reduce",
    "permutations": "from itertools import permutations",
    "combinations": "from itertools import combinations",
    # Annotations are evaluated when a function is defined: ``-> List[int]`` without its
    # import is a NameError before any line of the body runs.
    **{t: f"from typing import {t}" for t in (
        "List", "Dict", "Tuple", "Set", "FrozenSet", "Optional", "Union", "Any", "Callable",
        "Iterable", "Iterator", "Sequence", "Mapping", "Hashable", "DefaultDict", "Deque")},
}


def _active(policies: Sequence[Policy] | None) -> Sequence[Policy]:
    return default_policies() if policies is None else policies


def _imports(policies: Sequence[Policy]) -> dict[str, str]:
    """The core's import table plus the policies' additions."""
    table = dict(_IMPORTS)
    for policy in policies:
        table.update(policy.extra_imports)
    return table


def mechanical_fix(code: str, error: str, policies: Sequence[Policy] | None = None
                   ) -> CodeFix | None:
    """The one obvious fix of ``code`` for ``error`` ("Name: message"), or None.

    The generic fixes come first, then each policy's ``code_fix``; ``policies`` defaults
    to every policy (``settings.policies``' default), ``[]`` means generic fixes only.
    """
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return None
    active = _active(policies)
    fix: CodeFix | None = None
    if "for 'datetime.datetime' objects" in error or re.search(
        r"type object 'datetime\.datetime' has no attribute '(date|timedelta|datetime)'", error
    ):
        fix = _module_datetime(tree)
    elif match := re.match(r"NameError: name '(\w+)' is not defined", error):
        fix = _add_import(code, match.group(1), _imports(active))
    for policy in active:
        fix = fix or policy.code_fix(code, error)
    return fix


def _module_datetime(tree: ast.Module) -> CodeFix | None:
    """``from datetime import datetime`` then ``datetime.date(...)``: use the module."""
    if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "datetime"
           for n in ast.walk(tree)):
        return None  # the class is also called directly; no single obvious fix
    changed = False
    body: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "datetime" and any(
            a.name == "datetime" and a.asname is None for a in stmt.names
        ):
            rest = [a for a in stmt.names if not (a.name == "datetime" and a.asname is None)]
            body.append(ast.Import(names=[ast.alias(name="datetime")]))
            if rest:
                body.append(ast.ImportFrom(module="datetime", names=rest, level=0))
            changed = True
        else:
            body.append(stmt)
    if not changed:
        return None
    tree.body = body
    return CodeFix(ast.unparse(ast.fix_missing_locations(tree)),
                   "replaced `from datetime import datetime` with `import datetime`")


def _add_import(code: str, name: str, imports: dict[str, str]) -> CodeFix | None:
    line = imports.get(name)
    if line is None:
        return None
    return CodeFix(f"{line}\n{code}", f"added the missing `{line}`")


def prompt_imports(prompt: str) -> dict[str, str]:
    """The imports a task's prompt writes (``from typing import List, Optional`` above a
    signature), as name → the import line that binds it."""
    table: dict[str, str] = {}
    for line in prompt.splitlines():
        if not re.match(r"\s*(?:from\s+[\w.]+\s+)?import\s", line):
            continue
        try:
            [stmt] = ast.parse(line.strip()).body
        except UNPARSABLE:
            continue
        for alias in getattr(stmt, "names", []):
            if alias.name == "*":
                continue
            name = alias.asname or alias.name.split(".")[0]
            single = ast.alias(name=alias.name, asname=alias.asname)
            node = (ast.ImportFrom(module=stmt.module, names=[single], level=stmt.level)
                    if isinstance(stmt, ast.ImportFrom) else ast.Import(names=[single]))
            table[name] = ast.unparse(node)
    return table


def prompt_definitions(prompt: str, entry: str | None) -> dict[str, str]:
    """The module-level definitions a task's prompt writes besides ``entry`` itself: a
    helper function or class implemented above the one to complete, a constant. Name →
    its source lines (decorators included). Empty when the prompt does not parse, even with
    a ``pass`` body added under the signature it ends on."""
    tree = parse_prompt(prompt)
    if tree is None:
        return {}
    lines = prompt.splitlines()
    table: dict[str, str] = {}
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name] if node.name != entry else []
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
        if not names or node.end_lineno is None or node.end_lineno > len(lines):
            continue
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        source = "\n".join(lines[first - 1:node.end_lineno]).rstrip()
        for name in names:
            table[name] = source
    return table


def prompt_context(prompt: str, entry: str | None) -> dict[str, str]:
    """What a task's prompt binds for the function to complete: its imports and its other
    definitions (``prompt_imports``, ``prompt_definitions``), name → source."""
    return {**prompt_imports(prompt), **prompt_definitions(prompt, entry)}


def _names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names the code reads, names it binds anywhere, builtins included)."""
    bound: set[str] = set(dir(builtins))
    loaded: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
    return loaded, bound


_IMPORT_LINE = re.compile(r"\s*(?:from\s+[\w.]+\s+)?import\s")


def _bind_missing(code: str, table: dict[str, str]) -> str:
    """``code`` with the source ``table`` gives for each name it reads but never binds,
    added at the top, again for what that source reads in turn (a helper that uses a
    constant), so what is needed first comes first; unchanged when it does not parse."""
    added: list[str] = []
    for _ in range(len(table) + 1):
        try:
            loaded, bound = _names(ast.parse("\n".join([*added, code])))
        except UNPARSABLE:
            return code
        missing = [table[name] for name in sorted(loaded - bound) if name in table]
        missing = [source for i, source in enumerate(missing) if source not in missing[:i]]
        if not missing:
            break
        added = [*missing, *added]
    if not added:
        return code
    imports = [source for source in added if _IMPORT_LINE.match(source)]
    definitions = [source for source in added if source not in imports]
    blocks = ["\n".join(imports)] if imports else []
    return "\n\n\n".join([*blocks, *definitions, code]) if definitions else (
        "\n".join([*imports, code]))


def add_missing_imports(code: str, policies: Sequence[Policy] | None = None,
                        extra: dict[str, str] | None = None) -> str:
    """``code`` with the imports of well-known names it uses but never binds (``math``
    in a function whose import was run in an earlier cell, ``List`` in an annotation),
    added statically at the top; unchanged when nothing is missing or it does not parse.
    The policies' import tables count as well known (``policies`` defaults to every
    policy), and ``extra`` (what the task's prompt binds, ``prompt_context``: its imports
    and the helpers it implements) first."""
    return _bind_missing(code, {**_imports(_active(policies)), **(extra or {})})


def with_bindings(code: str, table: dict[str, str]) -> str:
    """``code`` with the source ``table`` gives for each name it reads but never binds
    (and for what that source reads in turn), added at the top."""
    return _bind_missing(code, table)


def with_prompt_context(code: str, prompt: str, entry: str | None) -> str:
    """``code`` with what the task's prompt binds and the code uses but does not bind
    (``from typing import List``, a helper implemented above the function to complete):
    the context a function-completion harness runs a completion in, and nothing else."""
    return _bind_missing(code, prompt_context(prompt, entry))


def _is_main_guard(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def _is_demo(node: ast.stmt, defined: set[str]) -> bool:
    """A top-level statement that tries the code rather than defines it: an assert, a
    ``print``/``input`` call or a call of a function the code defines, the
    ``if __name__ == "__main__":`` block, a loop doing any of these."""
    if isinstance(node, ast.Assert) or _is_main_guard(node):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        return isinstance(func, ast.Name) and func.id in {"print", "input", *defined}
    if isinstance(node, ast.For | ast.While):
        return any(_is_demo(inner, defined) for inner in node.body)
    return False


def without_demo_code(code: str) -> str:
    """``code`` without the lines a small model appends to try its function (its own
    asserts, prints and calls; ``if __name__ == "__main__":``): run where the function is
    defined, a wrong expectation of its own or an ``input()`` fails the function before a
    test runs. Unchanged when it does not parse or has none."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return code
    defined = {n.name for n in tree.body
               if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    demos = [n for n in tree.body if _is_demo(n, defined)]
    if not demos or len(demos) == len(tree.body):
        return code
    lines = code.splitlines()
    drop = {i for n in demos for i in range(n.lineno - 1, (n.end_lineno or n.lineno))}
    kept = [line for i, line in enumerate(lines) if i not in drop]
    # A comment heading the dropped lines ("# Test cases") goes with them.
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
        kept.pop()
    return "\n".join(kept)
