"""dates: calendar questions (weekdays, leap years) are computed, and answered with a name.

A small model answers "which day of the week" with a number (``date.weekday()``'s 4), or
plans a search for a date a few lines of ``datetime`` settle.
"""

from __future__ import annotations

import re

from ponder.graphs.policies.base import Policy

_CALENDAR_WORK = re.compile(r"\b(day of the week|weekday|leap year)\b", re.IGNORECASE)
_ASKS_WEEKDAY = re.compile(r"\b(week ?day|day of the week)\b", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DatesPolicy(Policy):
    """Python for weekday and leap-year tasks, a weekday's name as their answer, and the
    ``datetime``/``calendar`` calls that compute them in the python tool's description."""

    name = "dates"
    summary = ("plans python for weekday and leap-year questions; rejects an answer to "
               "\"which day of the week\" that names no weekday; lists the datetime and "
               "calendar calls in the python tool's description")
    tool_hints = ("datetime.date(y, m, d).strftime('%A') is the weekday; "
                  "date + datetime.timedelta(days=n) moves a date; calendar.isleap(y)")

    def forces_python(self, question: str) -> bool:
        return bool(_CALENDAR_WORK.search(question))

    def answer_type_rejection(self, question: str, answer: str) -> str | None:
        if not _ASKS_WEEKDAY.search(question):
            return None
        if any(day in answer.lower() for day in _WEEKDAYS):
            return None
        return ("the task asks for a weekday: answer with its name (Monday to Sunday); "
                "in python, date.strftime('%A') gives the name")
