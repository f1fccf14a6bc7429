"""The Agent's warm pool (real Docker): the python tool's session and every check's fresh
sandbox come from it, and closing the agent leaves no container behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker
import pytest
from langchain_core.messages import BaseMessage

from ponder.agent.facade import Agent
from ponder.agent.settings import SandboxSettings, Settings
from ponder.sandbox.pool import SandboxPool
from ponder.testing import FunctionChatModel

pytestmark = pytest.mark.docker


def _model(messages: list[BaseMessage]) -> Any:
    text = str(messages[-1].content)
    if "Think step by step, briefly" in text:
        return "17 * 23 = 391\nAnswer: 391"
    return "```python\nprint(17 * 23)\n```"  # the program method, and any second program


async def test_checks_take_warm_sandboxes_and_nothing_outlives_the_agent(
    docker_api: docker.DockerClient, sandbox_image: str,
    owned: Callable[[docker.DockerClient, int | None], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions: list[str] = []
    real_session = SandboxPool.session

    def counted(self: SandboxPool) -> Any:
        sessions.append("check")
        return real_session(self)

    monkeypatch.setattr(SandboxPool, "session", counted)
    settings = Settings(direct_answer=True, program_answer=True,
                        sandbox=SandboxSettings(kind="docker", pool_size=2, image=sandbox_image))
    agent = Agent(settings, model=FunctionChatModel(_model), persist=False)
    try:
        result = await agent.arun("What is 17*23?")
        assert result.answer == "391", result
        # The program candidate's re-run check took a warm sandbox, not a fresh start.
        assert sessions, "no check used the pool"
        assert agent._pool is not None and owned(docker_api, None)
    finally:
        await agent.aclose()
    assert owned(docker_api, None) == []
