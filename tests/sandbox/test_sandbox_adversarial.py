"""The adversarial suite, against real Docker.

Every case ends with a typed error or a clear result for the model, a working next
execute (same or replaced sandbox) and, through the ``no_leftovers`` fixture, no
container left behind after close.
"""

from __future__ import annotations

import asyncio

import pytest
from ponder.sandbox import DockerSandbox, ExecutionResult, SandboxPathError

pytestmark = pytest.mark.docker


async def assert_usable(sandbox: DockerSandbox) -> None:
    """The sandbox answers a fresh execute correctly."""
    after = await sandbox.execute("sum(range(10))")
    assert after.ok and after.value == "45", after


async def process_count(sandbox: DockerSandbox) -> int:
    result = await sandbox.execute(
        "import os\nlen([p for p in os.listdir('/proc') if p.isdigit()])")
    assert result.value is not None
    return int(result.value)


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
    code = "while True:\n    try:\n        pass\n    except BaseException:\n        pass"
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


async def test_shell_fork_bomb_is_contained(sandbox: DockerSandbox) -> None:
    code = "import subprocess\nsubprocess.run('b() { b | b & }; b; wait', shell=True)"
    result = await sandbox.execute(code, timeout=2)
    assert result.timed_out
    await assert_usable(sandbox)
    assert await process_count(sandbox) <= 3


async def test_memory_bomb_kills_the_kernel_and_says_so(sandbox: DockerSandbox) -> None:
    before = sandbox.container_id
    result = await sandbox.execute("hog = b'x' * (2 * 1024 ** 3)", timeout=30)
    assert result.error is not None and result.error.name in ("KernelDied", "MemoryError")
    if result.error.name == "KernelDied":
        assert "out of memory" in result.message
        assert result.sandbox_replaced and result.state_lost
        assert sandbox.container_id != before
    await assert_usable(sandbox)


@pytest.mark.parametrize("folder", ["/tmp", "/workspace"])
async def test_filling_a_tmpfs_fails_inside_only(sandbox: DockerSandbox, folder: str) -> None:
    code = (f"import errno\nchunk = b'0' * 2 ** 20\nf = open('{folder}/fill', 'wb')\n"
            "try:\n    while True:\n        f.write(chunk); f.flush()\n"
            "except OSError as e:\n    print(errno.errorcode[e.errno])")
    result = await sandbox.execute(code, timeout=30)
    assert result.stdout.strip() == "ENOSPC", result
    await sandbox.execute(f"f.close()\nimport os\nos.remove('{folder}/fill')")
    await assert_usable(sandbox)


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


async def test_message_count_is_capped(make_sandbox: type[DockerSandbox]) -> None:
    async with make_sandbox(output_max_messages=10) as box:
        code = "from IPython.display import display\nfor i in range(50):\n    display(i)"
        result = await box.execute(code)
    assert len(result.displays) == 10
    assert result.cut_messages == 40
    assert "40 output messages cut" in result.stdout


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
    assert result.duration < 10
    assert sandbox.container_id != before
    assert (await sandbox.execute("'kept' in globals()")).value == "False"
    await assert_usable(sandbox)


async def test_cancelling_mid_execute_leaves_a_usable_sandbox(sandbox: DockerSandbox) -> None:
    await sandbox.execute("kept = 2")
    task = asyncio.create_task(sandbox.execute("while True:\n    pass", timeout=60))
    await sandbox.running.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await sandbox.execute("kept")).value == "2"


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


async def test_host_secrets_are_not_visible(make_sandbox: type[DockerSandbox],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_SECRET_TOKEN", "s3cr3t-value")
    async with make_sandbox() as box:
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
    count = ("def zombies():\n    n = 0\n    for p in os.listdir('/proc'):\n"
             "        if p.isdigit():\n            try:\n"
             "                if open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[0] == 'Z':\n"
             "                    n += 1\n            except OSError:\n                pass\n"
             "    return n\nimport time\ndeadline = time.monotonic() + 5\n"
             "while zombies() and time.monotonic() < deadline:\n    time.sleep(0.01)\nzombies()")
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
