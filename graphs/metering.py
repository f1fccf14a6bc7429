"""Metering checks: the model calls, tokens and sandbox seconds a checker spends.

verify gives every check its own :class:`Meter` (checks run concurrently, so nothing is
shared). A checker that can be metered (:class:`Meterable`) returns a copy of itself whose
model and sandboxes report to that meter; verify adds what each meter counted to the
run's usage, where the budget sees it. Only what goes through the model and sandbox
source handed to ``with_meter`` is counted: a checker without ``with_meter``, or a model
or sandbox a checker reaches some other way, spends outside the budget.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from ponder.graphs.checkers.base import Checker
from ponder.sandbox.protocol import ExecutionResult

# Where a check gets a fresh sandbox: ``async with source() as sandbox`` (a Sandbox class
# or factory, or a pool's ``session``).
SandboxSource = Callable[[], AbstractAsyncContextManager[Any]]


@dataclass
class Meter:
    """What one check spent: finished model calls, their tokens, seconds of execution."""

    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    sandbox_seconds: float = 0.0

    def add(self, other: Meter) -> None:
        self.model_calls += other.model_calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.sandbox_seconds += other.sandbox_seconds

    def spent(self) -> dict[str, int | float]:
        """The non-zero counts, under the run's usage keys ({} when nothing was spent)."""
        counts: dict[str, int | float] = {
            "model_calls": self.model_calls, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "sandbox_seconds": round(self.sandbox_seconds, 3)}
        return {key: value for key, value in counts.items() if value}


@runtime_checkable
class Meterable(Protocol):
    """A checker whose spending can be counted: ``with_meter`` returns a copy of it whose
    model calls and sandbox runs are recorded in ``meter`` (the checker itself unchanged).
    Checkers without it still work; what they spend is not counted."""

    def with_meter(self, meter: Meter) -> Checker: ...


class _MeterHandler(BaseCallbackHandler):
    """Counts each finished model call and the tokens its reply reports."""

    run_inline = True  # on the event loop, before ``ainvoke`` returns

    def __init__(self, meter: Meter) -> None:
        super().__init__()
        self.meter = meter

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.meter.model_calls += 1
        first = response.generations[0] if response.generations else []
        message = first[0].message if first and isinstance(first[0], ChatGeneration) else None
        meta = message.usage_metadata if isinstance(message, AIMessage) else None
        if meta:
            self.meter.prompt_tokens += int(meta.get("input_tokens", 0))
            self.meter.completion_tokens += int(meta.get("output_tokens", 0))


def metered_model(model: BaseChatModel, meter: Meter) -> BaseChatModel:
    """A copy of ``model`` whose calls (and those of its copies, such as a hotter sampler)
    are counted in ``meter``; its own callbacks still run. ``model`` is unchanged."""
    handler = _MeterHandler(meter)
    callbacks = model.callbacks
    if isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
        manager.add_handler(handler, inherit=False)
        return model.model_copy(update={"callbacks": manager})
    return model.model_copy(update={"callbacks": [*(callbacks or []), handler]})


class _MeteredSandbox:
    """A started sandbox whose executions add their seconds to a meter."""

    def __init__(self, sandbox: Any, meter: Meter) -> None:
        self._sandbox = sandbox
        self._meter = meter

    async def execute(self, code: str, *, timeout: float | None = None) -> ExecutionResult:
        started = time.perf_counter()
        try:
            result: ExecutionResult = await self._sandbox.execute(code, timeout=timeout)
        except BaseException:  # cut off (the time budget) or broken: the time still ran
            self._meter.sandbox_seconds += time.perf_counter() - started
            raise
        self._meter.sandbox_seconds += result.duration
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sandbox, name)


def metered_sandboxes(source: SandboxSource, meter: Meter) -> SandboxSource:
    """``source`` whose sandboxes count their execution seconds in ``meter``."""

    @asynccontextmanager
    async def fresh() -> AsyncIterator[_MeteredSandbox]:
        async with source() as sandbox:
            yield _MeteredSandbox(sandbox, meter)

    return fresh
