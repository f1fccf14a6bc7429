"""hashing: hash tasks are computed with hashlib, and a ``str`` hashed unencoded is fixed.

A 0.5B model hashes a ``str`` without ``.encode()`` and, told so, often gives the same
code back. That slip has exactly one sensible fix, applied to the syntax tree (never by
executing anything).
"""

from __future__ import annotations

import ast
import re

from ponder.graphs.parsing import UNPARSABLE
from ponder.graphs.policies.base import CodeFix, Policy

_HASH_WORK = re.compile(r"\b(hash|sha-?\d+|md5)\b", re.IGNORECASE)
_HASH_FUNCS = frozenset({
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
    "sha3_384", "sha3_512", "blake2b", "blake2s",
})


class HashingPolicy(Policy):
    """Python for hash tasks, ``.encode()`` added where a string is hashed, and the
    hashlib call in the python tool's description."""

    name = "hashing"
    summary = ("plans python for hash, SHA and MD5 questions; adds the missing .encode() "
               "when hashlib is given a str; lists hashlib.sha256(s.encode()) in the "
               "python tool's description")
    tool_hints = "hashlib.sha256(s.encode()).hexdigest()"

    def forces_python(self, question: str) -> bool:
        return bool(_HASH_WORK.search(question))

    def code_fix(self, code: str, error: str) -> CodeFix | None:
        if "must be encoded before hashing" not in error:
            return None
        try:
            tree = ast.parse(code)
        except UNPARSABLE:
            return None
        return _encode_hash_inputs(tree)


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
