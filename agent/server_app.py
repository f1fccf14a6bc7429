"""The HTTP app LangGraph Server merges with its own (``langgraph.json``: ``http.app``).

It adds no routes. Its lifespan closes what :mod:`ponder.agent.serve` started when the
server stops: every thread's sandbox, the warm pool, and any container this process still
owns. (``langgraph dev`` runs the server in a child process that ends without running
``atexit`` handlers, so the clean-up must happen here.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from ponder.agent import serve

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    try:
        # Warm up (settings, tools, the sandbox pool) before the first run asks; a
        # failure here is logged, and the first run reports it to its client.
        await serve.served_runtime()
    except Exception as exc:
        log.warning("ponder could not start its tools yet: %s", exc)
    try:
        yield
    finally:
        await serve.shutdown()
        await asyncio.to_thread(serve.remove_own_sandboxes)


app = Starlette(lifespan=lifespan)
