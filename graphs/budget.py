"""Budget accounting: has a run spent any of its limits?"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from ponder.agent.settings import BudgetSettings


def budget_spent(usage: Mapping[str, Any] | None, budget: BudgetSettings) -> str | None:
    """The first exhausted limit as a readable reason, or None while all have room."""
    u = usage or {}
    tokens = int(u.get("prompt_tokens", 0)) + int(u.get("completion_tokens", 0))
    checks = [
        (int(u.get("steps", 0)) >= budget.max_steps, f"step budget ({budget.max_steps}) spent"),
        (tokens >= budget.max_tokens, f"token budget ({budget.max_tokens}) spent"),
        (elapsed(u) >= budget.max_seconds,
         f"time budget ({budget.max_seconds:g} s) spent"),
        (float(u.get("sandbox_seconds", 0.0)) >= budget.max_sandbox_seconds,
         f"sandbox time budget ({budget.max_sandbox_seconds:g} s) spent"),
    ]
    return next((reason for hit, reason in checks if hit), None)


T = TypeVar("T")


class OutOfTime(Exception):
    """The run's wall-clock budget ran out while a model call or a check was in flight."""


def elapsed(usage: Mapping[str, Any] | None) -> float:
    """The run's wall seconds so far: its steps one after another, and the longest of the
    first methods that ran side by side (``state.SIDE_BY_SIDE``), not their sum."""
    u = usage or {}
    return float(u.get("seconds", 0.0)) + float(u.get("first_seconds", 0.0))


def seconds_left(usage: Mapping[str, Any] | None, budget: BudgetSettings) -> float:
    return max(0.0, budget.max_seconds - elapsed(usage))


async def within(seconds: float, work: Awaitable[T]) -> T:
    """Await ``work``, cancelling it after ``seconds``: then :class:`OutOfTime`."""
    try:
        return await asyncio.wait_for(work, timeout=max(seconds, 0.001))
    except TimeoutError as exc:
        raise OutOfTime(f"the time budget ran out after {seconds:.0f} s of this step") from exc


FOLLOW_UP_SECONDS = 1.0
"""A follow-up a step makes on its own (a failed program's probe or repair, the line that
calls a function a program never called) starts only with at least this much time left."""


def deadline_in(seconds: float) -> float:
    """The ``time.perf_counter()`` reading ``seconds`` from now."""
    return time.perf_counter() + seconds


def time_to(deadline: float | None) -> float | None:
    """Seconds until ``deadline`` (a ``perf_counter`` reading; never negative), or None
    when there is none."""
    return None if deadline is None else max(0.0, deadline - time.perf_counter())


def room_for_follow_up(deadline: float | None) -> bool:
    """Whether a step has time for a follow-up of its own before ``deadline``."""
    left = time_to(deadline)
    return left is None or left >= FOLLOW_UP_SECONDS


def sandbox_seconds_left(usage: Mapping[str, Any] | None, budget: BudgetSettings) -> float:
    return max(0.0, budget.max_sandbox_seconds
               - float((usage or {}).get("sandbox_seconds", 0.0)))


def run_seconds_left(usage: Mapping[str, Any] | None, budget: BudgetSettings) -> float:
    """Seconds a python run may take now: the run's time left, and its sandbox time left."""
    return min(seconds_left(usage, budget), sandbox_seconds_left(usage, budget))


def tool_calls_left(usage: Mapping[str, Any] | None, budget: BudgetSettings) -> int:
    return max(0, budget.max_tool_calls - int((usage or {}).get("tool_calls", 0)))


def steps_left(usage: Mapping[str, Any] | None, budget: BudgetSettings) -> int:
    return max(0, budget.max_steps - int((usage or {}).get("steps", 0)))
