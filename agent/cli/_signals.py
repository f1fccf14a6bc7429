"""Running a command's coroutine so that SIGTERM cleans up like Ctrl-C does.

A plain ``asyncio.run`` dies on SIGTERM without running ``finally`` blocks or ``async
with`` exits, so a killed ``ponder ask`` would leave its sandbox container running until
the next start-up's reaper. Here SIGTERM cancels the main task: every ``async with Agent``
closes its sandboxes on the way out, then :class:`Terminated` ends the command.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Terminated(Exception):
    """The command was stopped by SIGTERM after cleaning up (exit code 143)."""


async def _guarded(main: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated = False

    def on_term() -> None:
        nonlocal terminated
        terminated = True
        if task is not None:
            task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, on_term)
    try:
        return await main
    except asyncio.CancelledError:
        if terminated:
            raise Terminated() from None
        raise
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` where SIGTERM cancels ``main`` (cleanup runs), then raises
    Terminated."""
    return asyncio.run(_guarded(main))
