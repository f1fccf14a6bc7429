"""exact_work: counting and arithmetic tasks are planned with python, not a web search.

Small models still plan a search for "find the letter in the word"; code answers these
tasks and a search cannot.
"""

from __future__ import annotations

import re

from ponder.graphs.checkers.arithmetic import task_expression
from ponder.graphs.policies.base import Policy

_EXACT_WORK = re.compile(r"\b(how many times|count|calculate|compute)\b", re.IGNORECASE)


class ExactWorkPolicy(Policy):
    """Routes web steps to python for counting, "calculate"/"compute" and a task that
    states an arithmetic expression."""

    name = "exact_work"
    summary = ("plans python instead of a web search for counting and arithmetic "
               "(\"how many times\", \"count\", \"calculate\", \"compute\", an expression "
               "written in the task)")

    def forces_python(self, question: str) -> bool:
        return bool(_EXACT_WORK.search(question) or task_expression(question))
