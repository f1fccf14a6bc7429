"""The policy hooks: the few fixed points where the generic core lets a task-family rule in.

The core (plan, checkers, code fixes, the python tool) names no task family. A
:class:`Policy` bundles the rules of one family (hashing, exact work, ...) behind the hooks
below; every hook does nothing by default, so a policy overrides only those it needs and
the core works the same with no policy at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class CodeFix:
    """A fixed program and one line saying what was changed."""

    code: str
    change: str


class Policy:
    """A named, optional set of task-family rules, switched on by ``settings.policies``.

    ``extra_imports`` maps a name a program may use without importing to the import line
    that defines it (added to the core's standard-library table); ``tool_hints`` is
    appended to the python tool's description. Hooks never raise.
    """

    name: str = ""
    summary: str = ""
    extra_imports: Mapping[str, str] = MappingProxyType({})
    tool_hints: str = ""

    def forces_python(self, question: str) -> bool:
        """True when the plan's web steps for ``question`` must become python steps."""
        return False

    def answer_type_rejection(self, question: str, answer: str) -> str | None:
        """Why ``answer`` is of the wrong kind for ``question`` (the critique), or None."""
        return None

    def code_fix(self, code: str, error: str) -> CodeFix | None:
        """The one obvious fix of ``code`` (which parses) for ``error`` ("Name: message")
        that the core's generic fixes do not know, or None."""
        return None

    def __repr__(self) -> str:
        return f"<policy {self.name}>"
