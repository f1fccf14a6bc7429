"""Checks that need no tool: the answer's form. They can reject, never accept."""

from __future__ import annotations

import ast

from ponder.graphs.checkers.base import CheckInput, Verdict


class AnswerFormChecker:
    """Rejects an empty answer, and code that does not parse or lacks the entry point.

    Parsing uses :func:`ast.parse`, which never executes the code.
    """

    name = "form"

    async def check(self, item: CheckInput) -> Verdict:
        answer = item.answer.strip()
        if not answer:
            return Verdict(checker=self.name, status="reject", reason="the answer is empty")
        if item.kind != "code":
            return Verdict(checker=self.name, status="unverified",
                           reason="the answer is well-formed; form proves nothing more")
        code = item.code or answer
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            return Verdict(checker=self.name, status="reject",
                           reason=f"the code does not parse: {exc.msg} (line {exc.lineno})")
        if item.entry_point:
            names = {n.name for n in ast.walk(tree)
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
            if item.entry_point not in names:
                return Verdict(checker=self.name, status="reject",
                               reason=f"the code does not define {item.entry_point}")
        return Verdict(checker=self.name, status="unverified",
                       reason="the code parses; only running tests can verify it")
