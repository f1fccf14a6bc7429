"""The Docker sandbox makes no blocking call on the event loop under LangGraph Server's
own rules: start (pool included), execute, reset and close."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ponder.agent.settings import Settings
from ponder.sandbox.pool import SandboxPool

pytestmark = pytest.mark.docker


@pytest.fixture
def server_rules() -> Iterator[None]:
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    detector = _enable_blockbuster()
    yield
    detector.deactivate()


async def test_a_pooled_docker_sandbox_runs_without_blocking_the_loop(server_rules: None) -> None:
    pool = await SandboxPool.from_settings(Settings()).start()
    try:
        async with pool.session() as sandbox:
            result = await sandbox.execute("x = 6 * 7\nx")
            assert result.value == "42", result
            await sandbox.reset()
            assert (await sandbox.execute("1 + 1")).value == "2"
    finally:
        await pool.close()
