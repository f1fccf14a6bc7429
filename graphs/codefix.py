"""Mechanical fixes for the slips small models make again and again in Python.

A 0.5B model hashes a ``str`` without ``.encode()``, shadows the ``datetime`` module with
``from datetime import datetime``, or forgets an import. Asking it to fix the slip often
gives the same code back. These slips have exactly one sensible fix, so it is applied to
the syntax tree (never by executing anything), and the act node runs the fixed program
and tells the model what was changed. Anything not recognised is left to the model.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

_HASH_FUNCS = frozenset({
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
    "sha3_384", "sha3_512", "blake2b", "blake2s",
})

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
    "isprime": "from sympy import isprime", "prime": "from sympy import prime",
    "primerange": "from sympy import primerange", "factorint": "from sympy import factorint",
    "reduce": "from functools import reduce",
    "permutations": "from itertools import permutations",
    "combinations": "from itertools import combinations",
}


@dataclass(frozen=True)
class CodeFix:
    """A fixed program and one line saying what was changed."""

    code: str
    change: str


def mechanical_fix(code: str, error: str) -> CodeFix | None:
    """The one obvious fix of ``code`` for ``error`` ("Name: message"), or None."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if "must be encoded before hashing" in error:
        return _encode_hash_inputs(tree)
    if "for 'datetime.datetime' objects" in error or re.search(
        r"type object 'datetime\.datetime' has no attribute '(date|timedelta|datetime)'", error
    ):
        return _module_datetime(tree)
    if match := re.match(r"NameError: name '(\w+)' is not defined", error):
        return _add_import(code, match.group(1))
    return None


class _EncodeStrings(ast.NodeTransformer):
    """``hashlib.sha256(x)`` → ``hashlib.sha256(x.encode())``, also ``h.update(x)`` and
    ``hashlib.new(name, x)``."""

    def __init__(self, hashers: set[str]) -> None:
        self.hashers = hashers
        self.changed = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        position = 1 if name == "new" else 0
        if name not in _HASH_FUNCS and name not in ("update", "new"):
            return node
        receiver = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
        if name == "new" and receiver != "hashlib":
            return node
        if name == "update" and receiver not in self.hashers:
            return node  # dict.update and friends are not hashing
        if len(node.args) > position and not _is_bytes(node.args[position]):
            node.args[position] = ast.Call(
                func=ast.Attribute(value=node.args[position], attr="encode", ctx=ast.Load()),
                args=[], keywords=[])
            self.changed += 1
        return node


def _is_bytes(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bytes)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "encode":
            return True
        return isinstance(func, ast.Name) and func.id in ("bytes", "bytearray")
    return False


def _hash_objects(tree: ast.Module) -> set[str]:
    """Names bound to a hashlib object (``h = hashlib.sha256()``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in _HASH_FUNCS or called == "new":
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _encode_hash_inputs(tree: ast.Module) -> CodeFix | None:
    encoder = _EncodeStrings(_hash_objects(tree))
    fixed = ast.fix_missing_locations(encoder.visit(tree))
    if not encoder.changed:
        return None
    return CodeFix(ast.unparse(fixed), "encoded the string with .encode() before hashing it")


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


def _add_import(code: str, name: str) -> CodeFix | None:
    line = _IMPORTS.get(name)
    if line is None:
        return None
    return CodeFix(f"{line}\n{code}", f"added the missing `{line}`")


def add_missing_imports(code: str) -> str:
    """``code`` with the imports of well-known names it uses but never binds (``math``
    in a function whose import was run in an earlier cell), added statically at the top;
    unchanged when nothing is missing or it does not parse."""
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
    missing = sorted(name for name in loaded - bound if name in _IMPORTS)
    if not missing:
        return code
    return "\n".join([*(_IMPORTS[name] for name in missing), code])
