"""A warm pool: sandboxes started ahead of time so a session gets one instantly.

``acquire`` hands out a started sandbox (starting one on the spot if none is warm) and
tops the pool up in the background; ``release`` closes the sandbox (its state belongs
to the session that used it, never to the next one). When nobody acquires for
``idle_seconds`` the warm sandboxes are closed, and the next ``acquire`` refills.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Self

from ponder.agent.errors import SandboxError, UserError
from ponder.agent.settings import Settings
from ponder.sandbox.protocol import Sandbox

log = logging.getLogger(__name__)


class SandboxPool:
    """Keeps ``size`` started sandboxes from ``factory`` ready for :meth:`acquire`."""

    def __init__(self, factory: Callable[[], Sandbox], *, size: int = 1,
                 idle_seconds: float = 300.0) -> None:
        if size < 0 or idle_seconds <= 0:
            raise UserError("pool size must be >= 0 and idle_seconds > 0")
        self.factory = factory
        self.size = size
        self.idle_seconds = idle_seconds
        self._warm: list[Sandbox] = []
        self._filling: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._activity = asyncio.Event()
        self._closed = False
        self.filled = asyncio.Event()
        """Set whenever the pool holds ``size`` warm sandboxes."""
        self.expired = asyncio.Event()
        """Set when idle expiry closed the warm sandboxes."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxPool:
        """A pool of ``settings.sandbox.pool_size`` sandboxes of the configured kind."""
        from ponder.sandbox.factory import make_sandbox

        s = settings.sandbox
        return cls(lambda: make_sandbox(settings), size=s.pool_size,
                   idle_seconds=s.pool_idle_seconds)

    @property
    def warm(self) -> int:
        """How many started sandboxes wait in the pool."""
        return len(self._warm)

    async def start(self) -> Self:
        """Begin filling the pool and watching for idleness (returns at once)."""
        self._check_open()
        self._refill()
        if self._watch is None:
            self._watch = asyncio.create_task(self._idle_watch())
        return self

    async def acquire(self) -> Sandbox:
        """A started sandbox for one session. Raises SandboxError when none can start."""
        self._check_open()
        self._activity.set()
        self.expired.clear()
        sandbox = None
        while self._warm and sandbox is None:
            sandbox = self._warm.pop()
            if not await _alive(sandbox):
                # Its container stopped while it waited (an engine restart, a docker rm):
                # handed out, its first code would die unrun and a check would reject it.
                with contextlib.suppress(Exception):
                    await sandbox.close()
                sandbox = None
        self.filled.clear()
        self._refill()
        if sandbox is None:
            sandbox = await self.factory().start()
        return sandbox

    async def release(self, sandbox: Sandbox) -> None:
        """Close a sandbox a session is done with (its state must not leak onwards)."""
        await sandbox.close()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Sandbox]:
        """``async with pool.session() as sandbox``: acquire, then release on exit."""
        sandbox = await self.acquire()
        try:
            yield sandbox
        finally:
            await self.release(sandbox)

    async def close(self) -> None:
        """Stop filling and close every warm sandbox (idempotent)."""
        self._closed = True
        try:
            for task in (self._filling, self._watch):
                if task is not None:
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass
                    except Exception:  # a failed fill is logged there; closing goes on
                        log.debug("a pool task had failed", exc_info=True)
        finally:
            await self._drain()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("this pool was closed", operation="acquire")

    def _refill(self) -> None:
        if self._filling is None or self._filling.done():
            self._filling = asyncio.create_task(self._fill())

    async def _fill(self) -> None:
        while not self._closed and len(self._warm) < self.size:
            sandbox = self.factory()
            try:
                await sandbox.start()
            except Exception:  # SandboxError, or the engine's connection dropping mid-start
                log.warning("could not pre-start a sandbox", exc_info=True)
                await sandbox.close()
                return
            except asyncio.CancelledError:
                await asyncio.shield(sandbox.close())
                raise
            if self._closed:
                await sandbox.close()
                return
            self._warm.append(sandbox)
        if len(self._warm) >= self.size:
            self.filled.set()

    async def _idle_watch(self) -> None:
        while not self._closed:
            self._activity.clear()
            try:
                await asyncio.wait_for(self._activity.wait(), self.idle_seconds)
            except TimeoutError:
                if self._filling is not None and not self._filling.done():
                    continue
                await self._drain()
                self.expired.set()

    async def _drain(self) -> None:
        warm, self._warm = self._warm, []
        self.filled.clear()
        await asyncio.gather(*(s.close() for s in warm), return_exceptions=True)


async def _alive(sandbox: Sandbox) -> bool:
    """Whether a warm sandbox's kernel still lives (a backend that cannot tell: yes)."""
    probe = getattr(sandbox, "_probe", None)
    if probe is None:
        return True
    try:
        return await probe() is None
    except Exception:  # the engine cannot even say: not a sandbox to hand out
        return False
