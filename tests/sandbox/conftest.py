"""Fixtures for the sandbox tests: a real Docker engine and the real sandbox image.

Nothing here skips. When no engine answers, the project's own script starts one; when
the image is missing, it is built (a few minutes, once). If either fails the tests fail
with the reason. After every test that made sandboxes, no container owned by this
process may remain.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from ponder.agent.errors import SandboxError
from ponder.sandbox.docker import DockerSandbox
from ponder.sandbox.image import docker_client, ensure_image
from ponder.sandbox.reaper import LABEL

REPO = Path(__file__).resolve().parents[2]


def _start_engine() -> docker.DockerClient:
    try:
        return docker_client()
    except SandboxError:
        pass
    proc = subprocess.run(["bash", str(REPO / "scripts" / "docker-up.sh")],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"no Docker engine and scripts/docker-up.sh failed:\n{proc.stderr}",
                    pytrace=False)
    return docker_client()


@pytest.fixture(scope="session")
def docker_api() -> docker.DockerClient:
    """A client of a running Docker engine (started by the project's script if needed)."""
    return _start_engine()


@pytest.fixture(scope="session")
def sandbox_image(docker_api: docker.DockerClient) -> str:
    """The sandbox image tag, built now if it is missing."""
    return ensure_image(docker_api)


def owned_containers(client: docker.DockerClient, pid: int | None = None) -> list[str]:
    """Ids of sandbox containers (any state) labelled as owned by ``pid`` (default: us)."""
    owner = str(pid or os.getpid())
    found = client.api.containers(all=True, filters={"label": [f"{LABEL}=1",
                                                             f"ponder.owner.pid={owner}"]})
    return [str(c["Id"]) for c in found]


@pytest.fixture
def owned() -> Callable[[docker.DockerClient, int | None], list[str]]:
    """The :func:`owned_containers` helper, for tests."""
    return owned_containers


@pytest.fixture
def no_leftovers(docker_api: docker.DockerClient) -> Iterator[None]:
    """Fails the test when a container owned by this process outlives it."""
    yield
    left = owned_containers(docker_api)
    for cid in left:
        docker_api.api.remove_container(cid, force=True)
    assert not left, f"containers left behind: {left}"


@pytest.fixture
async def new_sandbox(
    sandbox_image: str, docker_api: docker.DockerClient, tmp_path: Path, no_leftovers: None
) -> AsyncIterator[Callable[..., DockerSandbox]]:
    """Build DockerSandboxes with test defaults; every one is closed after the test."""
    made: list[DockerSandbox] = []

    def build(**kwargs: Any) -> DockerSandbox:
        kwargs.setdefault("default_timeout", 20.0)
        kwargs.setdefault("artifact_dir", tmp_path / "artifacts")
        sandbox = DockerSandbox(image=sandbox_image, client=docker_api, **kwargs)
        made.append(sandbox)
        return sandbox

    yield build
    await asyncio.gather(*(s.close() for s in made))


@pytest.fixture
async def sandbox(new_sandbox: Callable[..., DockerSandbox]) -> AsyncIterator[DockerSandbox]:
    """A started DockerSandbox with default limits, closed after the test."""
    async with new_sandbox() as sb:
        yield sb
