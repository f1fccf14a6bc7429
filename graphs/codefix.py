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

from ponder.graphs.policies import CodeFix, Policy, default_policies

__all__ = ["CodeFix", "add_missing_imports", "mechanical_fix", "prompt_imports"]

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
    except SyntaxError:
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
        except (SyntaxError, ValueError):
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


def add_missing_imports(code: str, policies: Sequence[Policy] | None = None,
                        extra: dict[str, str] | None = None) -> str:
    """``code`` with the imports of well-known names it uses but never binds (``math``
    in a function whose import was run in an earlier cell, ``List`` in an annotation),
    added statically at the top; unchanged when nothing is missing or it does not parse.
    The policies' import tables count as well known (``policies`` defaults to every
    policy), and ``extra`` (the task prompt's own imports, ``prompt_imports``) first."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
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
    imports = {**_imports(_active(policies)), **(extra or {})}
    missing = sorted(name for name in loaded - bound if name in imports)
    if not missing:
        return code
    return "\n".join([*(imports[name] for name in missing), code])
