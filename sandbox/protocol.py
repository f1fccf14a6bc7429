"""The sandbox protocol: run code, move files in and out, reset, close.

:class:`Sandbox` is a template: the public methods validate their input, serialise
executions with a lock and measure them; a backend implements only the underscore
methods (``_start``, ``_execute``, ``_put_file``, ``_get_file``, ``_reset``, ``_close``).
Code that fails, loops or crashes never raises: it yields an :class:`ExecutionResult`
that says what happened. Only a sandbox that cannot be started or repaired raises
:class:`~ponder.agent.errors.SandboxError`.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from pathlib import PurePosixPath
from types import TracebackType
from typing import Literal, Self

from pydantic import BaseModel, Field

from ponder.agent.errors import SandboxError, UserError

MAX_FILE_BYTES = 64 * 1024 * 1024


class SandboxPathError(UserError):
    """A path given to ``put_file``/``get_file`` would leave the sandbox's workspace."""


class ExecutionError(BaseModel):
    """The exception the code raised: its name, message and the useful tail of the traceback."""

    name: str
    value: str
    traceback: str = ""


class DisplayOutput(BaseModel):
    """One rich output (``display()``, a plot): its text form and, for images, a file."""

    mime: str
    text: str = ""
    path: str | None = Field(None, description="file the image was saved to")


class ExecutionResult(BaseModel):
    """What one ``execute`` produced. Bounded: the caps are applied before it is built."""

    stdout: str = ""
    stderr: str = ""
    background: str = Field(
        "", description="printed during this execute by threads an earlier execute started: "
                        "not this code's output, so it is kept out of stdout and stderr")
    value: str | None = Field(None, description="text/plain of the last expression's value")
    displays: list[DisplayOutput] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list, description="paths of saved images")
    images_temporary: bool = Field(
        False, description="the saved images are deleted when the sandbox closes "
                           "(sandbox.keep_artifacts keeps them)")
    cut_images: int = Field(0, description="images not saved: over the artifact quota")
    error: ExecutionError | None = None
    timed_out: bool = False
    duration: float = 0.0
    truncated: bool = False
    cut_bytes: int = 0
    cut_messages: int = 0
    kernel_restarted: bool = False
    sandbox_replaced: bool = False
    state_lost: bool = False
    stopped_processes: int = Field(
        0, description="processes the code left running, stopped when it finished")
    reaped_zombies: int = Field(
        0, description="finished child processes nobody waited for, reaped after the code")
    message: str = Field("", description="what the sandbox did about a timeout, a crash or "
                                         "processes the code left behind")

    @property
    def ok(self) -> bool:
        """True when the code ran to completion without raising."""
        return self.error is None and not self.timed_out


def check_relative_path(path: str) -> str:
    """Return ``path`` as a clean relative POSIX path inside the workspace.

    Raises SandboxPathError for an empty or absolute path, a ``..`` part or a NUL byte.
    Symlinks are checked by the backend, where the files are.
    """
    if not isinstance(path, str) or not path.strip():
        raise SandboxPathError("a workspace path must be a non-empty string")
    if "\x00" in path:
        raise SandboxPathError(f"path {path!r} contains a NUL byte")
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute():
        raise SandboxPathError(f"path {path!r} is absolute; give a path inside the workspace")
    if any(part == ".." for part in pure.parts):
        raise SandboxPathError(f"path {path!r} contains '..'; it must stay inside the workspace")
    clean = "/".join(part for part in pure.parts if part not in ("", "."))
    if not clean:
        raise SandboxPathError(f"path {path!r} names the workspace itself, not a file")
    return clean


class Sandbox(ABC):
    """A place to run untrusted Python with state that persists between calls.

    Use it as an async context manager, or call :meth:`start` and :meth:`close`.
    ``default_timeout`` applies when ``execute`` is given no timeout.
    """

    kind: Literal["docker", "local"]

    def __init__(self, *, default_timeout: float = 30.0) -> None:
        if default_timeout <= 0:
            raise UserError("a sandbox timeout must be positive")
        self.default_timeout = default_timeout
        self._lock = asyncio.Lock()
        self._started = False
        self._closed = False

    @property
    def started(self) -> bool:
        return self._started and not self._closed

    async def start(self) -> Self:
        """Start the backend (idempotent). Raises SandboxError when it cannot start."""
        if self._closed:
            raise SandboxError("this sandbox was closed", operation="start")
        async with self._lock:
            if not self._started:
                try:
                    await self._start()
                except BaseException:
                    await self._close()
                    raise
                self._started = True
        return self

    async def execute(self, code: str, *, timeout: float | None = None) -> ExecutionResult:
        """Run ``code`` and return what it produced; one execution at a time per sandbox.

        Raises UserError for a non-string code or non-positive timeout, SandboxError when
        the sandbox is closed or cannot be repaired. Failing code does not raise.
        """
        if not isinstance(code, str):
            raise UserError("code must be a string")
        limit = self.default_timeout if timeout is None else float(timeout)
        if limit <= 0:
            raise UserError("timeout must be positive")
        await self._ensure_started("execute")
        async with self._lock:
            self._check_open("execute")
            started = time.perf_counter()
            result = await self._execute(code, limit)
            result.duration = time.perf_counter() - started
            return result

    async def put_file(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` in the workspace, creating folders.

        Raises SandboxPathError for a path (or symlink) leaving the workspace, UserError for
        data that is not bytes or too large, SandboxError when the sandbox is unusable.
        """
        rel = check_relative_path(path)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise UserError("file data must be bytes")
        if len(data) > MAX_FILE_BYTES:
            raise UserError(f"file is larger than {MAX_FILE_BYTES} bytes")
        await self._ensure_started("put_file")
        async with self._lock:
            self._check_open("put_file")
            await self._put_file(rel, bytes(data))

    async def get_file(self, path: str) -> bytes:
        """Read ``path`` from the workspace.

        Raises SandboxPathError for a path (or symlink) leaving the workspace,
        FileNotFoundError when there is no such file, SandboxError when unusable.
        """
        rel = check_relative_path(path)
        await self._ensure_started("get_file")
        async with self._lock:
            self._check_open("get_file")
            return await self._get_file(rel)

    async def reset(self) -> None:
        """Forget all state: a fresh kernel and an empty workspace. Raises SandboxError."""
        await self._ensure_started("reset")
        async with self._lock:
            self._check_open("reset")
            await self._reset()

    async def close(self) -> None:
        """Stop the backend and release everything it holds (idempotent; never raises
        for an already-gone backend)."""
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            await self._close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _ensure_started(self, operation: str) -> None:
        self._check_open(operation)
        if not self._started:
            await self.start()

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise SandboxError("this sandbox was closed", operation=operation)

    @abstractmethod
    async def _start(self) -> None: ...

    @abstractmethod
    async def _execute(self, code: str, timeout: float) -> ExecutionResult: ...

    @abstractmethod
    async def _put_file(self, path: str, data: bytes) -> None: ...

    @abstractmethod
    async def _get_file(self, path: str) -> bytes: ...

    @abstractmethod
    async def _reset(self) -> None: ...

    @abstractmethod
    async def _close(self) -> None: ...
