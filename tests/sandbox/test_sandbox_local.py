"""LocalSandbox: the same protocol on a host kernel, with a loud warning."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ponder.agent.errors import ConfigError, UserError
from ponder.agent.settings import Settings
from ponder.sandbox import (
    LocalSandbox,
    SandboxPathError,
    UnsafeSandboxWarning,
    _kernel,
    make_sandbox,
)


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[LocalSandbox]:
    box = LocalSandbox(default_timeout=20, artifact_dir=tmp_path / "art")
    with pytest.warns(UnsafeSandboxWarning, match="UNSAFE"):
        await box.start()
    try:
        yield box
    finally:
        await box.close()


async def test_executes_with_state_and_timeout(local: LocalSandbox) -> None:
    assert (await local.execute("y = 5\ny * 2")).value == "10"
    stopped = await local.execute("while True:\n    pass", timeout=1)
    assert stopped.timed_out and not stopped.state_lost
    assert (await local.execute("y")).value == "5"


async def test_files_stay_in_the_workspace(local: LocalSandbox, tmp_path: Path) -> None:
    await local.put_file("sub/a.txt", b"abc")
    assert await local.get_file("sub/a.txt") == b"abc"
    outside = tmp_path / "outside.txt"
    outside.write_text("host secret")
    await local.execute(f"import os\nos.symlink({str(outside)!r}, 'link')")
    with pytest.raises(SandboxPathError):
        await local.get_file("link")
    with pytest.raises(SandboxPathError):
        await local.put_file("link", b"overwrite")
    assert outside.read_text() == "host secret"


async def test_dead_kernel_is_replaced(local: LocalSandbox) -> None:
    result = await local.execute("import os\nos._exit(4)")
    assert result.error is not None and result.error.name == "KernelDied"
    assert result.sandbox_replaced and result.state_lost
    assert (await local.execute("'back'")).value == "'back'"


def test_factory_picks_the_kind() -> None:
    assert isinstance(make_sandbox(Settings(sandbox={"kind": "local"})), LocalSandbox)
    with pytest.raises(ConfigError, match=r"sandbox\.kind"):
        make_sandbox(Settings(sandbox={"kind": "none"}))


def _running(marker: str) -> list[str]:
    """Host processes whose command line holds ``marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline and b"sleep" in cmdline:
            found.append(pid)
    return found


async def test_orphaned_background_process_is_stopped_on_the_host(local: LocalSandbox) -> None:
    await local.execute("kept = 7")
    result = await local.execute("import os\nos.system('sleep 612.345 &')")
    assert result.stopped_processes == 1 and "were stopped" in result.message
    assert _running("612.345") == []
    assert (await local.execute("kept")).value == "7"


async def test_background_thread_output_is_labelled_not_mixed_in(local: LocalSandbox) -> None:
    await local.execute(
        "import threading\ngo, done = threading.Event(), threading.Event()\n"
        "def chatter():\n    go.wait()\n    print('BG', flush=True)\n    done.set()\n"
        "threading.Thread(target=chatter, daemon=True).start()")
    result = await local.execute("go.set()\ndone.wait(10)\nprint('cell2')")
    assert (result.stdout, result.background) == ("cell2\n", "BG\n")


async def test_fifo_is_refused_not_waited_on(local: LocalSandbox) -> None:
    await local.execute("import os\nos.mkfifo('pipe')")
    with pytest.raises(UserError, match="not a regular file"):
        await local.get_file("pipe")


async def test_the_local_kernel_gets_no_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"PONDER_CHECKPOINT_URL": "postgresql://u:hunter2@db/p", "OPENAI_API_KEY": "sk-1",
               "ANTHROPIC_API_KEY": "sk-2", "GITHUB_TOKEN": "ghp-3", "DB_PASSWORD": "pw",
               "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer x"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PONDER_TEST_HARMLESS_LANG", "kept?")  # a PONDER_ name: not passed
    monkeypatch.setenv("LC_PONDER_KEPT", "yes")
    box = LocalSandbox(default_timeout=20, artifact_dir=tmp_path / "art")
    with pytest.warns(UnsafeSandboxWarning):
        await box.start()
    try:
        seen = (await box.execute("import os\nsorted(os.environ)")).value or ""
    finally:
        await box.close()
    assert "'PATH'" in seen and "'LC_PONDER_KEPT'" in seen
    for name in [*secrets, "PONDER_TEST_HARMLESS_LANG"]:
        assert f"'{name}'" not in seen
    assert "'PONDER_SWEEP'" in seen  # the kernel's own settings are set after the filter


# Code in the kernel can write to the kernel's own IOPub socket, past the kernel-side
# output caps; the host then refuses any message over MAX_MESSAGE_BYTES (ZeroMQ closes
# that connection for good) and replaces the kernel instead of waiting out the timeout.
_SEND_ITSELF = ("k = get_ipython().kernel\n"
                "k.session.send(k.iopub_socket, 'stream', {{'name': 'stdout', "
                "'text': 'z' * {size}}}, parent=k.get_parent())\n'sent'")


async def test_an_oversized_kernel_message_replaces_the_kernel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kernel, "MAX_MESSAGE_BYTES", 1 << 20)
    box = LocalSandbox(default_timeout=60, artifact_dir=tmp_path / "art")
    with pytest.warns(UnsafeSandboxWarning):
        await box.start()
    try:
        await box.execute("kept = 1")
        under = await box.execute(_SEND_ITSELF.format(size=1 << 19))
        assert under.error is None and not under.state_lost
        assert "zzz" in under.stdout
        over = await box.execute(_SEND_ITSELF.format(size=2 << 20))
        assert over.error is not None and over.error.name == "KernelDied"
        assert "larger than 1 MB" in over.message
        assert over.sandbox_replaced and over.state_lost
        after = await box.execute("'kept' in dir()")
        assert after.error is None and after.value == "False"
    finally:
        await box.close()
