"""The warm pool and the reaper, against real Docker."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from ponder.sandbox import DockerSandbox, SandboxPool, reap_orphans
from ponder.sandbox.reaper import owner_alive

pytestmark = pytest.mark.docker

ORPHAN_SCRIPT = """
import asyncio, sys
from ponder.sandbox.docker import DockerSandbox

async def main():
    sandbox = await DockerSandbox(image=sys.argv[1]).start()
    print(sandbox.container_id, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_pool_hands_out_started_sandboxes_and_refills(
    new_sandbox: Callable[..., DockerSandbox],
) -> None:
    async with SandboxPool(new_sandbox, size=2, idle_seconds=60) as pool:
        await asyncio.wait_for(pool.filled.wait(), 60)
        assert pool.warm == 2
        first = await pool.acquire()
        assert first.started and pool.warm == 1
        assert (await first.execute("1 + 1")).value == "2"
        await pool.release(first)
        assert not first.started
        await asyncio.wait_for(pool.filled.wait(), 60)
        assert pool.warm == 2
        async with pool.session() as second:
            assert (await second.execute("'fresh' if 'x' not in globals() else 'dirty'")
                    ).value == "'fresh'"
    assert pool.warm == 0


async def test_pool_expires_idle_sandboxes(new_sandbox: Callable[..., DockerSandbox],
                                           docker_api: docker.DockerClient,
                                           owned: Callable[..., list[str]]) -> None:
    async with SandboxPool(new_sandbox, size=1, idle_seconds=0.3) as pool:
        await asyncio.wait_for(pool.expired.wait(), 60)
        assert pool.warm == 0
        assert owned(docker_api, None) == []
        async with pool.session() as sandbox:
            assert (await sandbox.execute("3 * 3")).value == "9"


async def test_pool_with_nothing_warm_starts_one_on_demand(
    new_sandbox: Callable[..., DockerSandbox],
) -> None:
    async with SandboxPool(new_sandbox, size=0) as pool, pool.session() as sandbox:
        assert (await sandbox.execute("'on demand'")).value == "'on demand'"


async def test_reaper_removes_containers_of_a_killed_owner(
    sandbox: DockerSandbox, sandbox_image: str, docker_api: docker.DockerClient,
    owned: Callable[..., list[str]],
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ORPHAN_SCRIPT, sandbox_image, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    cid = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()
    assert owned(docker_api, proc.pid) == [cid]
    proc.kill()
    await proc.wait()
    assert not owner_alive(proc.pid, "")
    mounts = docker_api.api.inspect_container(cid)["Mounts"]
    report = reap_orphans(docker_api)
    assert cid in report.removed
    assert sandbox.container_id in report.alive
    assert owned(docker_api, proc.pid) == []
    assert not Path(mounts[0]["Source"]).exists()
    assert (await sandbox.execute("'still here'")).value == "'still here'"


async def test_unclosed_sandboxes_are_removed_at_exit(
    sandbox_image: str, docker_api: docker.DockerClient, owned: Callable[..., list[str]],
) -> None:
    script = ORPHAN_SCRIPT.replace("await asyncio.Event().wait()",
                                   "print(sandbox._dir, flush=True)")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, sandbox_image, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    cid, folder = out.decode().split()
    assert len(cid) == 64
    assert owned(docker_api, proc.pid) == []
    assert not Path(folder).exists()
