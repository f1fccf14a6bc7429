"""What every Jupyter-backed sandbox shares: execution with caps and the repair ladder.

Timeout: interrupt (SIGINT to the kernel's process group) → if the code ignores it,
restart the kernel → if that fails, replace the whole backend. A dead kernel (OOM kill,
``os._exit``, ``kill -9``) is noticed by the liveness probe and the backend is replaced.
Each result says which of these happened and whether state was lost. Backends supply
launching, probing, restarting and tearing down.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ponder.agent.errors import SandboxError, UserError
from ponder.sandbox._artifacts import ArtifactStore
from ponder.sandbox._files import get_code, put_code
from ponder.sandbox._kernel import KernelClient, KernelRun
from ponder.sandbox._output import OutputCollector
from ponder.sandbox.protocol import (
    MAX_FILE_BYTES,
    ExecutionError,
    ExecutionResult,
    Sandbox,
    SandboxPathError,
)

log = logging.getLogger(__name__)
INTERRUPT_GRACE = 2.0
"""Seconds the code gets to stop after an interrupt before the kernel is restarted."""
INTERRUPT_TRIES = 8
HELPER_TIMEOUT = 60.0
LOST = "its state (variables, imports, workspace files) was lost"
Stopped = Literal["interrupted", "restarted", "replaced", "lost"]
STOPPED: dict[Stopped, str] = {
    "interrupted": "interrupted; the kernel's state was kept",
    "restarted": f"the code ignored the interrupt, so the kernel was restarted and {LOST}",
    "replaced": f"the kernel could not be restarted, so the sandbox was replaced and {LOST}",
    "lost": f"stopping it failed part-way, so {LOST}",
}


class KernelSandbox(Sandbox):
    """A :class:`Sandbox` whose code runs in a Jupyter kernel reached by a KernelClient."""

    _client: KernelClient | None

    def __init__(
        self,
        *,
        default_timeout: float = 30.0,
        output_limit_bytes: int = 64_000,
        output_max_messages: int = 2_000,
        artifact_dir: Path | None = None,
        artifact_max_bytes: int = 50_000_000,
        artifact_max_files: int = 100,
        keep_artifacts: bool = False,
    ) -> None:
        super().__init__(default_timeout=default_timeout)
        self.output_limit_bytes = output_limit_bytes
        self.output_max_messages = output_max_messages
        self.artifact_dir = artifact_dir
        self.artifacts = None if artifact_dir is None else ArtifactStore(
            artifact_dir, max_bytes=artifact_max_bytes, max_files=artifact_max_files,
            keep=keep_artifacts)
        """The images this sandbox saved; deleted on close unless ``keep_artifacts``."""
        self._client = None
        self._settling: asyncio.Task[None] | None = None
        self._lost: Stopped | None = None
        self.running = asyncio.Event()
        """Set while the kernel is working on user code (handy for UIs and tests)."""
        self.on_stream: Callable[[str, str], None] | None = None
        """Called with (stream name, text) as output arrives, for live display."""

    @property
    @abstractmethod
    def workspace(self) -> str:
        """The workspace folder as the kernel sees it."""

    @abstractmethod
    async def _probe(self) -> str | None:
        """None while the kernel lives; otherwise a sentence saying how it died."""

    @abstractmethod
    async def _restart_kernel(self) -> None:
        """A fresh kernel (state lost) in the same backend. Raises SandboxError."""

    @abstractmethod
    async def _replace(self) -> None:
        """Tear the backend down and launch a fresh one. Raises SandboxError."""

    @abstractmethod
    async def _teardown(self) -> None:
        """Stop the backend and release what it holds (``close`` minus the artifacts)."""

    async def _close(self) -> None:
        try:
            await self._teardown()
        finally:
            if self.artifacts is not None:
                self.artifacts.discard()

    async def _after_interrupt(self) -> None:
        """Clean up what an interrupted run left behind (backends may override)."""

    def _collector(self, *, internal: bool = False) -> OutputCollector:
        if internal:
            return OutputCollector(limit_bytes=2 * MAX_FILE_BYTES, max_messages=1_000_000)
        return OutputCollector(self.output_limit_bytes, self.output_max_messages,
                               self.artifacts, on_stream=self.on_stream)

    def _drop_client(self) -> None:
        """Close the connection to the current kernel, if any."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _live_client(self) -> KernelClient:
        if self._client is None:
            raise SandboxError("the sandbox has no kernel", operation="execute", retryable=True)
        return self._client

    async def _execute(self, code: str, timeout: float) -> ExecutionResult:
        if self._settling is not None:
            await self._settling
        result = await self._run_code(code, timeout)
        if self._lost is not None:
            # A cancelled run cost the state: say so on the next result.
            how, self._lost = self._lost, None
            result.state_lost = True
            result.kernel_restarted = result.kernel_restarted or how == "restarted"
            result.sandbox_replaced = result.sandbox_replaced or how == "replaced"
            notice = f"an earlier cancelled execution was stopped: {STOPPED[how]}"
            result.message = _join(notice, result.message)
        return result

    async def _run_code(self, code: str, timeout: float) -> ExecutionResult:
        run = self._live_client().start(code, self._collector(), on_busy=self.running.set)
        try:
            outcome = await run.wait(timeout, self._probe)
        except asyncio.CancelledError:
            self._settling = asyncio.ensure_future(self._settle(run))
            await asyncio.shield(self._settling)
            raise
        finally:
            self.running.clear()
        if outcome == "done":
            return run.collector.result()
        # Interrupting, restarting or replacing goes on when the caller is cancelled
        # half-way (a kill may already have landed): the next execute waits for it and
        # says what it cost.
        recovery = asyncio.ensure_future(self._after_death(run) if outcome == "dead"
                                         else self._after_timeout(run, timeout))
        try:
            return await asyncio.shield(recovery)
        except asyncio.CancelledError:
            # Done or not, what it cost is for the next result (nobody reads this one).
            self._settling = asyncio.ensure_future(self._note_recovery(recovery))
            raise

    async def _note_recovery(self, recovery: asyncio.Future[ExecutionResult]) -> None:
        """Wait for a recovery whose caller was cancelled; keep what it cost for the next
        result (nobody reads its own result)."""
        try:
            result = await recovery
            if result.sandbox_replaced:
                self._lost = "replaced"
            elif result.kernel_restarted:
                self._lost = "restarted"
            elif result.state_lost:
                self._lost = "lost"
        except Exception:
            log.warning("could not recover after a cancelled run", exc_info=True)
            self._lost = "lost"
        finally:
            self._settling = None

    async def _settle(self, run: KernelRun) -> None:
        """Stop a cancelled run so the next execute finds an idle kernel."""
        self._lost = "lost"  # until the stop says otherwise: it may fail after a kill
        try:
            how = await self._stop(run)
            self._lost = None if how == "interrupted" else how
        except Exception:
            log.warning("could not settle a cancelled run", exc_info=True)
        finally:
            self._settling = None

    async def _stop(self, run: KernelRun) -> Stopped:
        """Interrupt, then restart, then replace; says which one stopped the code."""
        # The interrupt is repeated: one that lands before the kernel has armed its
        # SIGINT handler for this request (just after "busy") is ignored by the kernel.
        for _ in range(INTERRUPT_TRIES):
            self._live_client().interrupt()
            outcome = await run.wait(INTERRUPT_GRACE / INTERRUPT_TRIES, self._probe)
            if outcome == "done":
                await self._after_interrupt()
                return "interrupted"
            if outcome == "dead":
                break
        try:
            await self._restart_kernel()
            return "restarted"
        except SandboxError:
            log.warning("kernel restart failed; replacing the sandbox", exc_info=True)
        await self._replace()
        return "replaced"

    async def _after_timeout(self, run: KernelRun, timeout: float) -> ExecutionResult:
        how = await self._stop(run)
        result = run.collector.result()
        result.timed_out = True
        result.kernel_restarted = how == "restarted"
        result.sandbox_replaced = how == "replaced"
        result.state_lost = how != "interrupted"
        stopped = f"execution exceeded {timeout:g} s and was stopped: {STOPPED[how]}"
        result.message = _join(stopped, result.message)
        result.error = ExecutionError(name="TimeoutError", value=stopped)
        return result

    async def _after_death(self, run: KernelRun) -> ExecutionResult:
        reason = run.death or "the kernel died"
        await self._replace()
        result = run.collector.result()
        result.error = ExecutionError(name="KernelDied", value=reason)
        # Without a "busy" the kernel may have died before this code or just as it began.
        when = "" if run.busy else " before it confirmed starting this code"
        result.message = _join(f"{reason}{when}; the sandbox was replaced and {LOST}",
                               result.message)
        result.sandbox_replaced = result.state_lost = True
        return result

    async def _helper(self, code: str, operation: str) -> OutputCollector:
        """Run housekeeping code silently; repair the sandbox if it hangs or dies.

        Raises SandboxError when the helper could not complete.
        """
        run = self._live_client().start(code, self._collector(internal=True), silent=True)
        outcome = await run.wait(HELPER_TIMEOUT, self._probe)
        if outcome == "done":
            return run.collector
        if outcome == "dead":
            await self._replace()
            raise SandboxError(f"{run.death}; the sandbox was replaced and {LOST}",
                               operation=operation, retryable=True)
        how = await self._stop(run)
        raise SandboxError(f"{operation} did not finish: {STOPPED[how]}", operation=operation,
                           retryable=True)

    async def _put_file(self, path: str, data: bytes) -> None:
        out = await self._helper(put_code(self.workspace, path, data), "put_file")
        _raise_file_error(out, path)

    async def _get_file(self, path: str) -> bytes:
        out = await self._helper(get_code(self.workspace, path, MAX_FILE_BYTES), "get_file")
        _raise_file_error(out, path)
        return base64.b64decode(out.raw_stdout())


def _join(first: str, then: str) -> str:
    return f"{first}; {then}" if then else first


def _raise_file_error(out: OutputCollector, path: str) -> None:
    """Turn an exception raised by a file helper into the matching host exception."""
    err = out.error
    if err is None:
        return
    if err.name == "PermissionError" or "Too many levels of symbolic links" in err.value:
        raise SandboxPathError(f"path {path!r} leaves the workspace or is a symlink")
    if err.name == "FileNotFoundError":
        raise FileNotFoundError(f"no file {path!r} in the sandbox workspace")
    if err.name in ("IsADirectoryError", "NotADirectoryError", "ValueError", "OSError"):
        raise UserError(f"cannot transfer {path!r}: {err.value}")
    raise SandboxError(f"file transfer of {path!r} failed: {err.name}: {err.value}",
                       operation="file")
