"""DockerSandbox against a real engine: execution, state, outputs, files, hardening."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from ponder.agent.errors import SandboxError, UserError
from ponder.agent.settings import Settings
from ponder.sandbox import DockerSandbox, ExecutionResult, make_sandbox
from ponder.sandbox.reaper import LABEL

pytestmark = pytest.mark.docker


async def test_value_stdout_stderr_and_state_persist(sandbox: DockerSandbox) -> None:
    first = await sandbox.execute("import sys\nx = 6 * 7\nprint('out'); print('err', file=sys.stderr)\nx")
    assert first.ok
    assert (first.stdout, first.stderr, first.value) == ("out\n", "err\n", "42")
    again = await sandbox.execute("x + 1")
    assert again.value == "43"
    assert again.duration > 0


async def test_error_has_name_value_and_traceback_tail(sandbox: DockerSandbox) -> None:
    result = await sandbox.execute("def f():\n    return 1 / 0\nf()")
    assert not result.ok
    assert result.error is not None
    assert result.error.name == "ZeroDivisionError"
    assert result.error.value == "division by zero"
    assert "return 1 / 0" in result.error.traceback
    assert "\x1b[" not in result.error.traceback


async def test_plots_are_saved_as_files(sandbox: DockerSandbox, tmp_path: Path) -> None:
    code = ("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()\n"
            "from IPython.display import SVG, display\n"
            "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>'))")
    result = await sandbox.execute(code)
    assert result.ok, result.error
    assert len(result.images) == 2
    png, svg = (Path(p) for p in result.images)
    assert png.parent == tmp_path / "artifacts" and png.suffix == ".png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert svg.suffix == ".svg" and b"<svg" in svg.read_bytes()
    assert [d.mime for d in result.displays] == ["image/png", "image/svg+xml"]


async def test_put_and_get_files(sandbox: DockerSandbox) -> None:
    payload = bytes(range(256)) * 100
    await sandbox.put_file("data/in.bin", payload)
    seen = await sandbox.execute("open('data/in.bin', 'rb').read() == bytes(range(256)) * 100")
    assert seen.value == "True"
    await sandbox.execute("open('out.txt', 'w').write('made inside')")
    assert await sandbox.get_file("out.txt") == b"made inside"
    with pytest.raises(FileNotFoundError):
        await sandbox.get_file("missing.txt")


async def test_reset_forgets_variables_and_files(sandbox: DockerSandbox) -> None:
    await sandbox.execute("secret = 1\nopen('f.txt', 'w').write('x')")
    await sandbox.reset()
    result = await sandbox.execute("import os\nprint(os.listdir('.'))\nsecret")
    assert result.stdout == "[]\n"
    assert result.error is not None and result.error.name == "NameError"


async def test_many_sessions_at_once_keep_separate_state(
    new_sandbox: Callable[..., DockerSandbox],
) -> None:
    boxes = [new_sandbox() for _ in range(3)]
    await asyncio.gather(*(b.start() for b in boxes))
    await asyncio.gather(*(b.execute(f"n = {i}") for i, b in enumerate(boxes)))
    results = await asyncio.gather(*(b.execute("n * 10") for b in boxes))
    assert [r.value for r in results] == ["0", "10", "20"]
    assert len({b.container_id for b in boxes}) == 3


async def test_concurrent_executes_on_one_session_run_one_at_a_time(
    sandbox: DockerSandbox,
) -> None:
    await sandbox.execute("import time\nlog = []")
    code = "log.append(('start', {i})); time.sleep(0.05); log.append(('end', {i}))"
    await asyncio.gather(*(sandbox.execute(code.format(i=i)) for i in range(4)))
    result = await sandbox.execute("[kind for kind, _ in log]")
    assert result.value == str(["start", "end"] * 4)


async def test_container_is_hardened(sandbox: DockerSandbox, docker_api: docker.DockerClient,
                                     sandbox_image: str) -> None:
    assert sandbox.container_id is not None
    info = docker_api.api.inspect_container(sandbox.container_id)
    host = info["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["ReadonlyRootfs"] is True
    assert host["Init"] is True
    assert host["PidsLimit"] == 128
    assert host["Memory"] == 512 * 1024 * 1024 == host["MemorySwap"]
    assert host["NanoCpus"] == 1_000_000_000
    assert set(host["Tmpfs"]) == {"/tmp", "/workspace"}
    assert "size=64m" in host["Tmpfs"]["/tmp"]
    assert "size=256m" in host["Tmpfs"]["/workspace"]
    assert {u["Name"]: (u["Soft"], u["Hard"]) for u in host["Ulimits"]} == {
        "core": (0, 0), "nofile": (4096, 4096)}
    assert host["IpcMode"] == "private" and host["ShmSize"] == 64 * 1024 * 1024
    assert info["Config"]["User"] == "1000:1000"
    assert info["Config"]["Image"] == sandbox_image
    labels = info["Config"]["Labels"]
    assert labels[LABEL] == "1"
    assert {"ponder.owner.pid", "ponder.owner.host", "ponder.created"} <= set(labels)


async def test_close_removes_the_container(
    new_sandbox: Callable[..., DockerSandbox], docker_api: docker.DockerClient
) -> None:
    box = new_sandbox()
    await box.start()
    cid = box.container_id
    assert cid is not None
    await box.close()
    await box.close()
    with pytest.raises(docker.errors.NotFound):
        docker_api.api.inspect_container(cid)
    with pytest.raises(SandboxError, match="closed"):
        await box.execute("1")


async def test_bad_arguments_are_user_errors(sandbox: DockerSandbox) -> None:
    with pytest.raises(UserError):
        await sandbox.execute("1", timeout=0)
    with pytest.raises(UserError):
        await sandbox.execute(b"1")  # type: ignore[arg-type]


async def test_missing_image_says_how_to_build_it(
    docker_api: docker.DockerClient, no_leftovers: None
) -> None:
    box = DockerSandbox(image="ponder-sandbox:does-not-exist", client=docker_api)
    with pytest.raises(SandboxError, match="ponder sandbox build"):
        await box.start()


async def test_make_sandbox_follows_settings(sandbox_image: str, tmp_path: Path,
                                             no_leftovers: None) -> None:
    settings = Settings(data_dir=tmp_path, sandbox={"image": sandbox_image, "memory": "256m",
                                                    "exec_timeout": 5.0})
    box = make_sandbox(settings, session="s1")
    assert isinstance(box, DockerSandbox)
    assert (box.memory, box.default_timeout) == ("256m", 5.0)
    assert box.artifact_dir == tmp_path / "artifacts" / "s1"
    async with box:
        result: ExecutionResult = await box.execute("2 ** 10")
    assert result.value == "1024"
