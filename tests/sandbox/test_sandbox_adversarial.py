"""The adversarial suite, against real Docker.

Every case ends with a typed error or a clear result for the model, a working next
execute (same or replaced sandbox) and, through the ``no_leftovers`` fixture, no
container left behind after close.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable

import docker
import pytest

from ponder.agent.errors import SandboxError
from ponder.sandbox import DockerSandbox, ExecutionResult, SandboxPathError

pytestmark = pytest.mark.docker

# Catches every interrupt, and the interrupts that land between its handlers too: only a
# kernel restart stops it.
STUBBORN_LOOP = """
def spin():
    while True:
        try:
            print("spinning", flush=True)
            while True:
                pass
        except BaseException:
            pass

while True:
    try:
        spin()
    except BaseException:
        pass
"""


async def assert_usable(sandbox: DockerSandbox) -> None:
    """The sandbox answers a fresh execute correctly."""
    after = await sandbox.execute("sum(range(10))")
    assert after.ok and after.value == "45", after


async def process_count(sandbox: DockerSandbox) -> int:
    result = await sandbox.execute(
        "import os\nlen([p for p in os.listdir('/proc') if p.isdigit()])")
    assert result.value is not None
    return int(result.value)


async def cancel_once_spinning(sandbox: DockerSandbox, loop_code: str) -> None:
    """Start ``loop_code`` and cancel the execute once the code prints "spinning"."""
    spinning = asyncio.Event()
    sandbox.on_stream = lambda _name, text: spinning.set() if "spinning" in text else None
    task = asyncio.create_task(sandbox.execute(loop_code, timeout=60))
    await spinning.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    sandbox.on_stream = None


async def test_busy_loop_is_interrupted_and_state_kept(sandbox: DockerSandbox) -> None:
    await sandbox.execute("kept = 'yes'")
    result = await sandbox.execute("while True:\n    pass", timeout=1)
    assert result.timed_out and not result.ok
    assert result.error is not None and result.error.name == "TimeoutError"
    assert "interrupted" in result.message
    assert not result.state_lost and not result.kernel_restarted
    assert (await sandbox.execute("kept")).value == "'yes'"


async def test_loop_ignoring_interrupts_gets_the_kernel_restarted(sandbox: DockerSandbox) -> None:
    await sandbox.execute("kept = 1")
    code = STUBBORN_LOOP
    result = await sandbox.execute(code, timeout=1)
    assert result.timed_out
    assert result.kernel_restarted or result.sandbox_replaced
    assert result.state_lost
    assert "lost" in result.message
    gone = await sandbox.execute("kept")
    assert gone.error is not None and gone.error.name == "NameError"
    await assert_usable(sandbox)


async def test_python_fork_bomb_is_contained(sandbox: DockerSandbox) -> None:
    code = ("import os\nwhile True:\n    try:\n        os.fork()\n"
            "    except OSError:\n        pass")
    result = await sandbox.execute(code, timeout=2)
    assert result.timed_out
    await assert_usable(sandbox)
    assert await process_count(sandbox) <= 3


async def test_shell_fork_bomb_is_stopped_with_the_timeout(sandbox: DockerSandbox) -> None:
    code = ("import subprocess\nsubprocess.Popen('b() { b | b & }; b', shell=True)\n"
            "while True:\n    pass")
    result = await sandbox.execute(code, timeout=2)
    assert result.timed_out
    await assert_usable(sandbox)
    assert await process_count(sandbox) <= 3


async def test_detached_shell_fork_bomb_stays_inside(sandbox: DockerSandbox) -> None:
    # The pids limit and CPU cap keep the bomb inside while it runs, the timeout stops
    # it, the kernel still answers, and nothing of it outlives the execute.
    code = "import subprocess\nsubprocess.run('b() { b | b & }; b; wait', shell=True)"
    await sandbox.execute(code, timeout=5)
    await assert_usable(sandbox)
    assert await process_count(sandbox) <= 3
    assert subprocess.run(["true"], check=False).returncode == 0
    await sandbox.reset()
    assert await process_count(sandbox) <= 3


async def test_memory_bomb_kills_the_kernel_and_says_so(sandbox: DockerSandbox) -> None:
    before = sandbox.container_id
    result = await sandbox.execute("hog = b'x' * (2 * 1024 ** 3)", timeout=30)
    assert result.error is not None and result.error.name == "KernelDied"
    assert "out of memory" in result.error.value and "out of memory" in result.message
    assert result.sandbox_replaced and result.state_lost
    assert sandbox.container_id != before
    await assert_usable(sandbox)


@pytest.mark.parametrize("folder", ["/tmp", "/workspace"])
async def test_filling_a_tmpfs_fails_inside_only(sandbox: DockerSandbox, folder: str) -> None:
    code = (f"import errno\nchunk = b'0' * 2 ** 20\nf = open('{folder}/fill', 'wb', buffering=0)\n"
            "try:\n    while True:\n        f.write(chunk); f.flush()\n"
            "except OSError as e:\n    print(errno.errorcode[e.errno])")
    result = await sandbox.execute(code, timeout=30)
    assert result.stdout.strip() == "ENOSPC", result
    cleaned = await sandbox.execute(f"f.close()\nimport os\nos.remove('{folder}/fill')")
    assert cleaned.ok, cleaned
    await assert_usable(sandbox)


async def test_host_socket_folder_is_sealed(sandbox: DockerSandbox) -> None:
    code = ("import os\nfor attempt in (lambda: open('/ponder/fill', 'w'),\n"
            "                lambda: os.chmod('/ponder', 0o777)):\n"
            "    try:\n        attempt()\n        print('ALLOWED')\n"
            "    except OSError as e:\n        print('denied')\nsorted(os.listdir('/ponder'))")
    result = await sandbox.execute(code)
    assert result.stdout == "denied\ndenied\n"
    assert result.value == "['k-1', 'k-2', 'k-3', 'k-4', 'k-5']"


async def test_as_another_host_user_the_kernel_cannot_unseal_the_folder(
    new_sandbox: Callable[..., DockerSandbox], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host user who is not root owns the socket folder: the kernel must not be that
    user (an owner may chmod its folder back open), yet the user must reach its sockets.
    Emulated as root: the ids the sandbox reads, and the folder's owner, are a user's."""
    import os
    import stat
    import tempfile

    user = 4321
    made = tempfile.mkdtemp

    def users_folder(*args: object, **kwargs: object) -> str:
        folder = made(*args, **kwargs)  # type: ignore[arg-type]
        os.chown(folder, user, user)
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", users_folder)
    monkeypatch.setattr(os, "getuid", lambda: user)
    monkeypatch.setattr(os, "getgid", lambda: user)
    box = new_sandbox()
    await box.start()
    code = ("import os\nfor attempt in (lambda: os.chmod('/ponder', 0o777),\n"
            "                lambda: open('/ponder/fill', 'w')):\n"
            "    try:\n        attempt()\n        print('ALLOWED')\n"
            "    except OSError as e:\n        print('denied')\n(os.getuid(), os.getgid())")
    result = await box.execute(code)
    assert result.stdout == "denied\ndenied\n" and result.value == f"(1000, {user})"
    assert box._dir is not None
    folder = box._dir.stat()
    assert (folder.st_uid, folder.st_gid, stat.S_IMODE(folder.st_mode)) == (user, user, 0o750)
    sockets = [p.stat() for p in box._dir.glob("k-*")]
    assert len(sockets) == 5
    assert all(s.st_gid == user and s.st_mode & stat.S_IWGRP for s in sockets)


async def test_huge_print_is_capped(sandbox: DockerSandbox) -> None:
    result = await sandbox.execute("print('x' * 100_000_000)", timeout=60)
    assert result.truncated
    assert len(result.stdout.encode()) < sandbox.output_limit_bytes + 200
    assert "bytes of output cut" in result.stdout
    assert result.cut_bytes >= 100_000_000 - sandbox.output_limit_bytes
    await assert_usable(sandbox)


async def test_million_small_prints_are_capped(sandbox: DockerSandbox) -> None:
    result = await sandbox.execute("for i in range(10 ** 6):\n    print(i)", timeout=120)
    assert result.ok and result.truncated
    assert len(result.stdout.encode()) < sandbox.output_limit_bytes + 200
    assert result.stdout.startswith("0\n1\n2\n")
    await assert_usable(sandbox)


async def test_message_count_is_capped(new_sandbox: Callable[..., DockerSandbox]) -> None:
    async with new_sandbox(output_max_messages=10) as box:
        code = "from IPython.display import display\nfor i in range(50):\n    display(i)"
        result = await box.execute(code)
    assert len(result.displays) == 10
    assert result.cut_messages == 40
    assert "40 output messages cut" in result.stdout


async def test_a_message_written_past_the_output_caps_is_refused(
        new_sandbox: Callable[..., DockerSandbox], monkeypatch: pytest.MonkeyPatch) -> None:
    # Code that writes to the kernel's IOPub socket itself bypasses the kernel-side caps;
    # the host takes no message over MAX_MESSAGE_BYTES (lowered here to keep the test
    # small) and replaces the kernel rather than read it, or wait out the timeout.
    from ponder.sandbox import _kernel

    monkeypatch.setattr(_kernel, "MAX_MESSAGE_BYTES", 4 << 20)
    send = ("k = get_ipython().kernel\n"
            "k.session.send(k.iopub_socket, 'stream', {{'name': 'stdout', "
            "'text': 'z' * {size}}}, parent=k.get_parent())\n")
    async with new_sandbox(default_timeout=60.0) as sb:
        await sb.execute("kept = 1")
        under = await sb.execute(send.format(size=1 << 20))
        assert under.error is None and "zzz" in under.stdout and not under.state_lost
        over = await sb.execute(send.format(size=8 << 20))
        assert over.error is not None and over.error.name == "KernelDied"
        assert "larger than 4 MB" in over.message and over.sandbox_replaced
        assert (await sb.execute("'kept' in dir()")).value == "False"


@pytest.mark.parametrize(("code", "reason"), [
    ("import os\nos._exit(1)", "exit code 1"),
    ("import os\nos.kill(os.getpid(), 9)", "SIGKILL"),
])
async def test_dead_kernel_is_detected_and_replaced(sandbox: DockerSandbox, code: str,
                                                     reason: str) -> None:
    await sandbox.execute("kept = 1")
    before = sandbox.container_id
    result = await sandbox.execute(code, timeout=30)
    assert result.error is not None and result.error.name == "KernelDied"
    assert reason in result.error.value
    assert result.sandbox_replaced and result.state_lost
    assert "lost" in result.message
    assert sandbox.container_id != before
    assert (await sandbox.execute("'kept' in globals()")).value == "False"
    await assert_usable(sandbox)


async def test_cancelling_mid_execute_leaves_a_usable_sandbox(sandbox: DockerSandbox) -> None:
    await sandbox.execute("kept = 2")
    await cancel_once_spinning(sandbox, "print('spinning', flush=True)\nwhile True:\n    pass")
    assert (await sandbox.execute("kept")).value == "2"


async def test_cancelled_run_that_cost_the_state_says_so_next_time(
    sandbox: DockerSandbox,
) -> None:
    await cancel_once_spinning(sandbox, STUBBORN_LOOP)
    result = await sandbox.execute("'after'")
    assert result.value == "'after'"
    assert result.state_lost and (result.kernel_restarted or result.sandbox_replaced)
    assert result.message.startswith("an earlier cancelled execution was stopped")
    assert not (await sandbox.execute("1")).state_lost


async def test_cancelled_during_the_timeout_recovery_still_settles(
    sandbox: DockerSandbox,
) -> None:
    """A cancel that lands after the timeout fired, while the stubborn code is being
    interrupted and then restarted, used to abandon that recovery half-way: the kernel
    went on spinning, and the next code queued behind it and 'timed out' itself."""
    task = asyncio.create_task(sandbox.execute(STUBBORN_LOOP, timeout=1))
    while not sandbox.running.is_set():
        await asyncio.sleep(0.02)
    while sandbox.running.is_set():  # cleared when the timeout fired: recovery begins
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # inside the interrupt attempts
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    result = await sandbox.execute("'after'", timeout=20)
    assert not result.timed_out, result.message
    assert result.value == "'after'"
    assert result.state_lost and (result.kernel_restarted or result.sandbox_replaced)
    assert result.message.startswith("an earlier cancelled execution was stopped")


async def test_a_kernel_that_never_answers_after_a_restart_is_not_kept(
    sandbox: DockerSandbox, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restart (and the replacement after it) whose kernel did not answer in time left
    the host folder writable by the container and the container in use: its kernel came
    up later and ran the next code as if nothing had been lost."""
    import os
    import stat

    from ponder.sandbox import docker as docker_module

    await sandbox.execute("kept = 1")
    first = sandbox.container_id

    async def no_answer(self: object, timeout: float, probe: object) -> None:
        raise SandboxError("the kernel did not answer within 30 s", operation="start")

    monkeypatch.setattr(docker_module.KernelClient, "wait_ready", no_answer)
    with pytest.raises(SandboxError, match="did not answer"):
        await sandbox.reset()  # restart, then replace: both fail to answer
    assert sandbox._dir is not None
    assert not os.stat(sandbox._dir).st_mode & stat.S_IWGRP  # sealed again
    assert sandbox.container_id is None  # the unanswered container was removed
    monkeypatch.undo()
    result = await sandbox.execute("'kept' in globals()")
    assert result.state_lost and result.sandbox_replaced, result
    assert "state" in result.message and "lost" in result.message
    assert sandbox.container_id not in (None, first)
    await assert_usable(sandbox)


@pytest.mark.parametrize("target", [("1.1.1.1", 80), ("169.254.169.254", 80)])
async def test_no_network(sandbox: DockerSandbox, target: tuple[str, int]) -> None:
    code = (f"import socket\ns = socket.socket()\ns.settimeout(3)\n"
            f"try:\n    s.connect({target!r})\n    print('CONNECTED')\n"
            "except OSError as e:\n    print('blocked', e)")
    result = await sandbox.execute(code)
    assert "blocked" in result.stdout and "CONNECTED" not in result.stdout
    assert "unreachable" in result.stdout.lower()


async def test_no_dns_and_only_loopback(sandbox: DockerSandbox) -> None:
    code = ("import socket, os\ntry:\n    socket.getaddrinfo('example.com', 80)\n"
            "    print('RESOLVED')\nexcept OSError:\n    print('no dns')\n"
            "print(sorted(os.listdir('/sys/class/net')))")
    result = await sandbox.execute(code)
    assert result.stdout.splitlines() == ["no dns", "['lo']"]


async def test_host_secrets_are_not_visible(new_sandbox: Callable[..., DockerSandbox],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_SECRET_TOKEN", "s3cr3t-value")
    async with new_sandbox() as box:
        code = ("import os\nprint('s3cr3t' in str(os.environ))\n"
                "print(b's3cr3t' in open('/proc/1/environ', 'rb').read())\n"
                "print(os.path.exists('/var/run/docker.sock'), os.path.exists('/run/docker.sock'))")
        result = await box.execute(code)
    assert result.stdout.splitlines() == ["False", "False", "False False"]


async def test_no_privilege(sandbox: DockerSandbox) -> None:
    code = (
        "import os, subprocess\nprint(os.getuid(), os.getgid())\n"
        "try:\n    open('/evil', 'w')\n    print('WROTE')\nexcept OSError as e:\n"
        "    print('ro', e.errno)\n"
        "for cmd in (['mount', '-t', 'tmpfs', 'x', '/mnt'], ['unshare', '-r', 'id'],\n"
        "            ['unshare', '-U', '-m', 'true']):\n"
        "    print(subprocess.run(cmd, capture_output=True).returncode != 0)\n"
        "try:\n    os.setuid(0)\n    print('ROOT')\nexcept PermissionError:\n    print('no setuid')")
    result = await sandbox.execute(code)
    lines = result.stdout.splitlines()
    assert lines[0] == "1000 1000"
    assert lines[1].startswith("ro ")
    assert lines[2:] == ["True", "True", "True", "no setuid"]


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../x", "", "."])
async def test_traversal_paths_are_refused(sandbox: DockerSandbox, path: str) -> None:
    with pytest.raises(SandboxPathError):
        await sandbox.get_file(path)
    with pytest.raises(SandboxPathError):
        await sandbox.put_file(path, b"x")


async def test_planted_symlinks_cannot_leave_the_workspace(sandbox: DockerSandbox) -> None:
    await sandbox.execute("import os\nos.symlink('/etc', 'etc')\nos.symlink('/etc/passwd', 'pw')\n"
                          "os.symlink('/tmp', 'tmpdir')")
    for path in ("etc/passwd", "pw"):
        with pytest.raises(SandboxPathError):
            await sandbox.get_file(path)
    for path in ("pw", "tmpdir/evil", "etc/evil"):
        with pytest.raises(SandboxPathError):
            await sandbox.put_file(path, b"x")
    assert (await sandbox.execute("os.path.exists('/tmp/evil')")).value == "False"


async def test_zombies_are_reaped_or_harmless(sandbox: DockerSandbox) -> None:
    orphans = ("import os\nfor _ in range(20):\n    pid = os.fork()\n    if pid == 0:\n"
               "        if os.fork() == 0:\n            os._exit(0)\n        os._exit(0)\n"
               "    os.waitpid(pid, 0)\n")
    # Every grandchild exits and is re-parented to init, which must reap it: wait (inside
    # the sandbox, bounded) until no process but init and the kernel is left.
    count = ("import time\ndef others():\n"
             "    return [p for p in os.listdir('/proc') if p.isdigit() and p not in\n"
             "            ('1', str(os.getpid()))]\n"
             "deadline = time.monotonic() + 10\n"
             "while others() and time.monotonic() < deadline:\n    time.sleep(0.01)\n"
             "len(others())")
    result = await sandbox.execute(orphans + count)
    assert result.value == "0", result
    unreaped = "for _ in range(300):\n    if os.fork() == 0:\n        os._exit(0)"
    flood = await sandbox.execute(unreaped)
    assert flood.error is not None and flood.error.name == "BlockingIOError"
    await assert_usable(sandbox)
    await sandbox.reset()
    assert await process_count(sandbox) <= 3


async def test_result_for_the_model_is_a_plain_record(sandbox: DockerSandbox) -> None:
    result = await sandbox.execute("raise ValueError('bad input')")
    dumped = ExecutionResult.model_validate_json(result.model_dump_json())
    assert dumped.error is not None and dumped.error.value == "bad input"


async def test_failed_restart_falls_back_to_a_new_container(
    sandbox: DockerSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_restart() -> None:
        raise SandboxError("restart refused", operation="restart")

    monkeypatch.setattr(sandbox, "_restart_kernel", broken_restart)
    before = sandbox.container_id
    code = STUBBORN_LOOP
    result = await sandbox.execute(code, timeout=1)
    assert result.timed_out and result.sandbox_replaced and result.state_lost
    assert not result.kernel_restarted
    assert "replaced" in result.message
    assert sandbox.container_id != before
    await assert_usable(sandbox)


async def test_container_killed_from_outside_is_replaced(
    sandbox: DockerSandbox, docker_api: docker.DockerClient
) -> None:
    assert sandbox.container_id is not None
    docker_api.api.kill(sandbox.container_id)
    docker_api.api.wait(sandbox.container_id, timeout=30)
    result = await sandbox.execute("1 + 1")
    assert result.error is not None and result.error.name == "KernelDied"
    assert result.sandbox_replaced and "before it confirmed starting" in result.message
    docker_api.api.kill(sandbox.container_id)
    docker_api.api.wait(sandbox.container_id, timeout=30)
    await sandbox.reset()
    await assert_usable(sandbox)
