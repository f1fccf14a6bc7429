"""The ``python`` tool: run code in the session's sandbox and show the model what it did.

State persists across calls within a thread (one sandbox per ``thread_id``, created on
first use). The observation is bounded and readable: stdout, the value, the error with
the useful tail of its traceback, saved images, and a notice when a timeout or crash
cost the session its state. Code that fails never raises; a sandbox that cannot be
started or repaired raises SandboxError (the act node turns it into an observation).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ponder.agent.settings import Settings
from ponder.graphs.policies import Policy, default_policies, load_policies
from ponder.sandbox.pool import SandboxPool
from ponder.sandbox.protocol import DisplayOutput, ExecutionResult, Sandbox
from ponder.tools.base import Observation, ToolContext

MAX_SECTION_CHARS = 2_500
MIN_TIMEOUT = 1.0  # seconds a run gets however little of the run's time budget is left
BACKGROUND_TITLE = ("background output: printed meanwhile by threads an earlier run started, "
                    "not by this code")


DESCRIPTION = (
    "Run Python code in a persistent sandbox (no internet; numpy, sympy, pandas, scipy, "
    "matplotlib available). Use print() or end with an expression to see results."
)


def describe(policies: Sequence[Policy]) -> str:
    """The tool's description for the model: :data:`DESCRIPTION`, then the policies'
    hints ("Useful: ...")."""
    hints = [p.tool_hints for p in policies if p.tool_hints]
    return f"{DESCRIPTION} Useful: {'; '.join(hints)}." if hints else DESCRIPTION


class PythonArgs(BaseModel):
    """Arguments of the python tool."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(description="Python source to run; the last expression's value is shown")


class PythonTool:
    """Runs Python in a sandbox per thread.

    Give either one ``sandbox`` (shared by every thread; the tool does not close it) or a
    ``factory`` giving a sandbox per thread, plain or awaitable (``SandboxPool.acquire``
    fits), closed by :meth:`release` or :meth:`aclose`. ``timeout`` overrides the
    sandbox's default per call. The description carries the hints of ``policies``
    (default: every policy; ``[]``: none).
    """

    name: ClassVar[str] = "python"
    args_schema: ClassVar[type[BaseModel]] = PythonArgs

    def __init__(self, sandbox: Sandbox | None = None, *,
                 factory: Callable[[], Sandbox | Awaitable[Sandbox]] | None = None,
                 timeout: float | None = None,
                 policies: Sequence[Policy] | None = None) -> None:
        if (sandbox is None) == (factory is None):
            raise ValueError("give exactly one of sandbox or factory")
        self._shared = sandbox
        self._factory = factory
        self.timeout = timeout
        self.description = describe(default_policies() if policies is None else policies)
        self._sandboxes: dict[str, Sandbox] = {}
        # One lock per thread being given its sandbox: a start (seconds when the pool is
        # empty) holds up only the calls of that thread, not those that have theirs.
        self._creating: dict[str, asyncio.Lock] = {}
        # Threads whose sandbox was released while a run of theirs waited (``expire``):
        # their next execute is told the earlier steps' state is gone.
        self._expired: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, pool: SandboxPool | None = None
                      ) -> PythonTool:
        """A tool with one sandbox per thread as ``settings.sandbox`` describes, taken
        from ``pool`` when one is given."""
        from ponder.sandbox.factory import make_sandbox

        factory = pool.acquire if pool is not None else (lambda: make_sandbox(settings))
        return cls(factory=factory, timeout=settings.sandbox.exec_timeout,
                   policies=load_policies(settings.policies))

    async def sandbox_for(self, thread_id: str) -> Sandbox:
        """The (started) sandbox of ``thread_id``. Raises SandboxError when it cannot start."""
        if self._shared is not None:
            return await self._shared.start() if not self._shared.started else self._shared
        sandbox = self._sandboxes.get(thread_id)
        if sandbox is None:
            async with self._creating.setdefault(thread_id, asyncio.Lock()):
                sandbox = self._sandboxes.get(thread_id)
                if sandbox is None:
                    assert self._factory is not None
                    made = self._factory()
                    sandbox = await made if inspect.isawaitable(made) else made
                    self._sandboxes[thread_id] = sandbox
        return await sandbox.start() if not sandbox.started else sandbox

    async def call(self, args: BaseModel, ctx: ToolContext) -> Observation:
        """Run ``args.code``; the observation says what happened, even when it failed."""
        code = args.code if isinstance(args, PythonArgs) else str(getattr(args, "code", ""))
        if not code.strip():
            return Observation(tool=self.name, ok=False, text="no code given",
                               data={"code": code, "stdout": "", "value": None, "error": "empty"})
        sandbox = await self.sandbox_for(ctx.thread_id)
        timeout = self.timeout
        if ctx.seconds_left is not None:  # no run past the run's time budget
            left = max(MIN_TIMEOUT, ctx.seconds_left)
            own = timeout if timeout is not None else getattr(sandbox, "default_timeout", None)
            timeout = left if own is None else min(float(own), left)
        result = await sandbox.execute(code, timeout=timeout)
        if why := self._expired.pop(ctx.thread_id, None):
            result.state_lost = True
            notice = f"{why}; its state (variables, imports, workspace files) was lost"
            result.message = f"{notice}; {result.message}" if result.message else notice
        # Images deleted when the sandbox closes are not offered as artifacts: the run's
        # final result would otherwise list files that no longer exist.
        kept = [] if result.images_temporary else list(result.images)
        return Observation(
            tool=self.name, ok=result.ok, text=render(result), artifacts=kept,
            duration=result.duration, data=result_data(code, result),
        )

    async def release(self, thread_id: str) -> None:
        """Close the sandbox of a thread that is finished (a later call starts afresh)."""
        self._expired.pop(thread_id, None)  # a finished run's next turn has nothing to miss
        lock = self._creating.get(thread_id)
        if lock is not None and not lock.locked():
            del self._creating[thread_id]
        sandbox = self._sandboxes.pop(thread_id, None)
        if sandbox is not None:
            await sandbox.close()

    async def expire(self, thread_id: str, why: str) -> None:
        """Release the sandbox of a thread whose run is paused, not finished (it waited
        too long for an approval): the run's next execute starts afresh and is told
        ``why`` its earlier state is gone."""
        had = thread_id in self._sandboxes
        await self.release(thread_id)
        if had:
            self._expired[thread_id] = why

    async def aclose(self) -> None:
        """Close the sandboxes this tool created (not a shared one)."""
        sandboxes, self._sandboxes = list(self._sandboxes.values()), {}
        await asyncio.gather(*(s.close() for s in sandboxes), return_exceptions=True)


def result_data(code: str, result: ExecutionResult) -> dict[str, object]:
    """The structured record a checker re-runs and compares (JSON-serialisable)."""
    error = f"{result.error.name}: {result.error.value}" if result.error else None
    return {"code": code, "stdout": result.stdout, "value": result.value, "error": error,
            "images": list(result.images), "state_lost": result.state_lost,
            "sandbox_seconds": result.duration}


def _section(title: str, text: str) -> str:
    text = text.rstrip("\n")
    if len(text) > MAX_SECTION_CHARS:
        half = MAX_SECTION_CHARS // 2
        text = f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"
    return f"[{title}]\n{text}"


def _display_label(display: DisplayOutput, temporary: bool) -> str:
    if not display.path:
        return display.text
    note = " (temporary: deleted when this session's sandbox closes)" if temporary else ""
    return f"saved {display.mime} to {display.path}{note}"


def _beyond_error(result: ExecutionResult) -> str:
    """The sandbox's message minus what the error section already says."""
    message = result.message
    if result.error is not None and message.startswith(result.error.value):
        message = message[len(result.error.value):].lstrip("; ")
    return message


def render(result: ExecutionResult) -> str:
    """A bounded, clearly delimited text of a result for the model."""
    parts: list[str] = []
    if result.stdout.strip():
        parts.append(_section("stdout", result.stdout))
    if result.stderr.strip():
        parts.append(_section("stderr", result.stderr))
    if result.value is not None:
        parts.append(_section("value", result.value))
    if result.background.strip():
        parts.append(_section(BACKGROUND_TITLE, result.background))
    for display in result.displays:
        parts.append(_section("display", _display_label(display, result.images_temporary)))
    if result.error is not None:
        body = result.error.traceback or f"{result.error.name}: {result.error.value}"
        parts.append(_section(f"error {result.error.name}", body))
    extra = _beyond_error(result)
    if extra:
        parts.append(_section("sandbox", extra))
    if not parts:
        parts.append("[no output] (the code ran; print() or end with an expression to see values)")
    return "\n".join(parts)
