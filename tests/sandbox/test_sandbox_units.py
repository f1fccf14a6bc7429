"""Pure logic of the sandbox package: path checks, output caps, answer matching."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from ponder.agent.errors import UserError
from ponder.graphs.checkers.code import answer_in, normalise, python_steps
from ponder.sandbox import image, reaper
from ponder.sandbox._artifacts import ArtifactStore
from ponder.sandbox._output import OutputCollector, clean_text, traceback_tail
from ponder.sandbox.protocol import (
    ExecutionError,
    ExecutionResult,
    SandboxPathError,
    check_relative_path,
)
from ponder.tools.python import render


@pytest.mark.parametrize(("path", "clean"), [
    ("a.txt", "a.txt"), ("./dir//b.txt", "dir/b.txt"), ("dir\\c.txt", "dir/c.txt"),
])
def test_relative_paths_are_cleaned(path: str, clean: str) -> None:
    assert check_relative_path(path) == clean


@pytest.mark.parametrize("path", ["", " ", "/etc/passwd", "../up", "a/../../b", "a/..", ".",
                                  "nul\x00byte", "\\abs"])
def test_escaping_paths_are_refused(path: str) -> None:
    with pytest.raises(SandboxPathError):
        check_relative_path(path)


def test_collector_caps_bytes_and_marks_the_cut() -> None:
    out = OutputCollector(limit_bytes=10, max_messages=100)
    out.add("stream", {"name": "stdout", "text": "0123456789abcdef"})
    out.add("stream", {"name": "stderr", "text": "more"})
    result = out.result()
    assert result.stdout.startswith("0123456789\n[... 10 bytes of output cut ...]")
    assert result.stderr == ""
    assert result.truncated and result.cut_bytes == 10


def test_collector_caps_message_count() -> None:
    out = OutputCollector(limit_bytes=10_000, max_messages=3)
    for i in range(10):
        out.add("stream", {"name": "stdout", "text": f"{i}"})
    out.add("status", {"execution_state": "idle"})
    result = out.result()
    assert result.stdout == "012\n[... 7 output messages cut ...]"
    assert result.cut_messages == 7


def test_collector_saves_images_and_keeps_paths(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path, max_bytes=1_000, max_files=10, keep=True)
    out = OutputCollector(limit_bytes=1_000, max_messages=10, artifacts=store)
    out.add("display_data", {"data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}})
    out.add("display_data", {"data": {"image/png": "not base64!!"}})
    result = out.result()
    assert len(result.images) == 1
    assert Path(result.images[0]).read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert result.displays[1].path is None


def test_collector_shows_lone_surrogates_and_forged_reports_safely() -> None:
    out = OutputCollector(limit_bytes=1_000, max_messages=10)
    out.add("stream", {"name": "stdout", "text": "a\ud800b"})
    out.add("stream", {"name": "stdout-background", "text": "later"})
    out.kernel_report({"stopped": "many", "reaped": -3, "cut_bytes": 5})
    result = out.result()
    assert result.stdout.startswith("a\\ud800b") and result.background == "later"
    assert (result.stopped_processes, result.reaped_zombies, result.cut_bytes) == (0, 0, 5)
    result.model_dump_json()  # serialisable: no lone surrogate left
    assert clean_text("plain") == "plain"


def test_traceback_tail_drops_colours_and_keeps_the_end() -> None:
    lines = [f"\x1b[0;31mline {i}\x1b[0m" for i in range(100)]
    tail = traceback_tail(lines)
    assert tail.splitlines()[-1] == "line 99" and "line 0\n" not in tail
    assert "\x1b" not in tail


@pytest.mark.parametrize(("answer", "output", "found"), [
    ("391", "391\n", True),
    ("The answer is 391.", "result: 391", True),
    ("1,234,567", "1234567", True),
    ("2.5", "2.50", True),
    ("1", "391", False),
    ("-3", "3", False),
    ("Paris", "the capital is paris.", True),
    ("Paris", "Parisian", False),
    ("", "anything", False),
])
def test_answer_matching(answer: str, output: str, found: bool) -> None:
    assert answer_in(answer, output) is found


def test_normalise() -> None:
    assert normalise("  The  Value\u2212 $1,000. ") == "the value- 1000"


def test_python_steps_skip_other_tools_and_empty_code() -> None:
    steps = [
        {"action": {"tool": "search", "args": {"query": "q"}}},
        {"action": {"tool": "python", "args": {"code": ""}}, "ok": True},
        {"action": {"tool": "python", "args": {"code": "print(1)"}}, "ok": True,
         "data": {"stdout": "1\n", "value": None}},
    ]
    assert python_steps(steps) == [{"code": "print(1)", "ok": True, "output": "1\n",
                                    "computed": False}]  # a printed literal computes nothing


def test_render_of_an_empty_result_says_so() -> None:
    assert render(ExecutionResult()).startswith("[no output]")
    failed = ExecutionResult(error=ExecutionError(name="TimeoutError", value="too slow"),
                             message="too slow", timed_out=True)
    assert render(failed) == "[error TimeoutError]\nTimeoutError: too slow"


def test_image_tag_follows_the_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("Dockerfile", "Dockerfile.offline"):
        (tmp_path / name).write_bytes((image.RECIPE_DIR / name).read_bytes())
    monkeypatch.setattr(image, "RECIPE_DIR", tmp_path)
    tag = image.default_image_tag()
    assert tag.startswith("ponder-sandbox:") and len(tag.split(":")[1]) == 12
    (tmp_path / "Dockerfile.offline").write_text("FROM scratch\n")
    assert image.default_image_tag() != tag


def test_offline_route_without_root_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image, "image_exists", lambda api, tag: False)
    monkeypatch.setattr(image.os, "geteuid", lambda: 1000)
    with pytest.raises(UserError, match="needs root"):
        image.ensure_offline_base(SimpleNamespace(api=None), lambda line: None)  # type: ignore[arg-type]


def test_reaper_drops_only_old_unused_socket_folders(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setattr(reaper.tempfile, "gettempdir", lambda: str(tmp_path))
    old, used, young = (tmp_path / f"ponder-sbx-{n}" for n in ("old", "used", "young"))
    for folder in (old, used, young):
        folder.mkdir()
    for folder in (old, used):
        os.utime(folder, (1, 1))
    reaper._remove_stale_dirs({used})
    assert (old.exists(), used.exists(), young.exists()) == (False, True, True)


class _FlakySandbox:
    """A sandbox whose start fails (``fail``) as docker-py fails when the engine drops
    the connection: a plain ConnectionError, no SandboxError."""

    made: ClassVar[list[_FlakySandbox]] = []

    def __init__(self, fail: bool) -> None:
        self.fail, self.closed, self.started = fail, False, False
        _FlakySandbox.made.append(self)

    async def start(self) -> _FlakySandbox:
        if self.fail:
            raise ConnectionError("Connection aborted.")
        self.started = True
        return self

    async def close(self) -> None:
        self.closed = True


async def test_a_pool_whose_refill_broke_still_closes_its_warm_sandboxes() -> None:
    import asyncio

    from ponder.sandbox.pool import SandboxPool

    _FlakySandbox.made = []
    starts = iter([False, True])  # the first starts, the second fails mid-start
    pool = SandboxPool(lambda: _FlakySandbox(next(starts, True)), size=2)  # type: ignore[arg-type, return-value]
    await pool.start()
    for _ in range(100):
        if len(_FlakySandbox.made) >= 2 and pool._filling is not None and pool._filling.done():
            break
        await asyncio.sleep(0.01)
    assert pool.warm == 1
    await pool.close()  # raised ConnectionError before, leaving the warm one running
    assert all(s.closed for s in _FlakySandbox.made) and pool.warm == 0


def test_an_exception_class_name_is_capped() -> None:
    """ipykernel sends the class's __name__, which the code chooses: 30 MB of it used to
    reach the result and every checkpoint whole."""
    collector = OutputCollector(limit_bytes=1000, max_messages=10)
    collector.add("error", {"ename": "E" * 1_000_000, "evalue": "boom", "traceback": []})
    assert len(collector.result().error.name) <= 200  # type: ignore[union-attr]


def test_image_data_that_is_no_text_is_dropped(tmp_path: Path) -> None:
    collector = OutputCollector(limit_bytes=1000, max_messages=10,
                                artifacts=ArtifactStore(tmp_path, max_bytes=10_000, max_files=10, keep=True))
    collector.add("display_data", {"data": {"image/png": 123, "text/plain": "<fig>"}})
    assert collector.result().images == []  # raised TypeError out of the wait before


def _signed(client: object, header: object, content: object, parent: str) -> list[bytes]:
    import json

    from ponder.sandbox._kernel import DELIMITER

    frames = [json.dumps(header).encode(), json.dumps({"msg_id": parent}).encode(), b"{}",
              json.dumps(content).encode()]
    mac = client._mac.copy()  # type: ignore[attr-defined]
    for frame in frames:
        mac.update(frame)
    return [DELIMITER, mac.hexdigest().encode(), *frames]


def test_signed_but_malformed_messages_are_dropped_not_raised(tmp_path: Path) -> None:
    """Code in the kernel can sign messages with the kernel's own session: a traceback
    that is no list, a header that is no object, a missing message type used to raise
    out of the wait, losing the result and leaving the code running unwatched."""
    from ponder.sandbox._kernel import KernelClient, KernelRun

    client = KernelClient(str(tmp_path / "k"), "secret")
    try:
        run = KernelRun(client, "m1", OutputCollector(limit_bytes=1000, max_messages=10))
        client._runs = {"m1": run}
        bad = [
            _signed(client, {"msg_type": "error"}, {"ename": "E", "traceback": 5}, "m1"),
            _signed(client, ["not", "a", "header"], {}, "m1"),
            _signed(client, {"msg_id": "x"}, {}, "m1"),
            _signed(client, {"msg_type": "execute_result"}, ["no", "dict"], "m1"),
            _signed(client, {"msg_type": "stream"}, {"name": "stdout", "text": "kept"}, "m1"),
        ]
        for parts in bad:
            client._dispatch("iopub", parts)
        assert run.collector.result().stdout == "kept"  # a good message still counts
    finally:
        client.close()


def _subscribed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                send_queue: int | None = None) -> tuple[Any, Any, list[str]]:
    """A KernelClient subscribed to a PUB socket bound where the kernel's IOPub would be,
    and the channels of the messages it dispatches (once the subscription is up)."""
    import time

    import zmq

    from ponder.sandbox._kernel import PORTS, KernelClient

    client = KernelClient(str(tmp_path / "k"), "secret")
    pub = zmq.Context.instance().socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 0)
    if send_queue is not None:
        pub.setsockopt(zmq.SNDHWM, send_queue)
    pub.bind(f"ipc://{tmp_path / 'k'}-{PORTS['iopub_port']}")
    seen: list[str] = []
    monkeypatch.setattr(client, "_dispatch", lambda channel, parts: seen.append(channel))
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:  # until the subscription is up
        pub.send_multipart([b"probe"])
        time.sleep(0.01)
        client._drain()
    seen.clear()
    return client, pub, seen


def test_a_flood_of_messages_is_read_in_batches(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """One drain reads at most DRAIN_BATCH messages a socket, so a flood cannot keep the
    event loop (and the run's deadline) waiting; the next drain goes on."""
    import time

    from ponder.sandbox import _kernel

    monkeypatch.setattr(_kernel, "DRAIN_BATCH", 5)
    client, pub, seen = _subscribed(tmp_path, monkeypatch)
    try:
        deadline = time.monotonic() + 10
        for _ in range(120):
            pub.send_multipart([b"junk"])
        while client.iopub.poll(0) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # let the host's queue fill (RECEIVE_QUEUE; the rest waits)
        assert client._drain() and len(seen) == 5
        while len(seen) < 120 and time.monotonic() < deadline:
            client._drain()
        assert len(seen) == 120
    finally:
        pub.close(linger=0)
        client.close()


def test_a_flood_of_large_messages_stays_on_the_kernel_side(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Messages the host has not read yet stay on the sender's side (queued there, or
    dropped when its queue is full): the host holds at most RECEIVE_QUEUE of them
    (ZeroMQ's default, 1,000 messages of up to MAX_MESSAGE_BYTES each, let kernel code
    fill the host's memory)."""
    import time


    # The sender keeps (almost) nothing: what it cannot hand over, it drops.
    client, pub, seen = _subscribed(tmp_path, monkeypatch, send_queue=2)
    try:
        block = b"z" * (1 << 20)
        for _ in range(200):  # the host reads nothing meanwhile
            pub.send_multipart([block])
            time.sleep(0.002)
        time.sleep(0.5)
        while client._drain():
            pass
        assert 0 < len(seen) <= 20, len(seen)  # 200 with ZeroMQ's default queue
    finally:
        pub.close(linger=0)
        client.close()


async def test_a_thread_waiting_for_its_sandbox_holds_up_no_other_thread() -> None:
    """One lock for every thread made a thread that already had its sandbox wait for
    another thread's start (seconds to minutes with an empty pool)."""
    import asyncio

    from ponder.tools.python import PythonTool

    release = asyncio.Event()

    class Ready:
        started = True

    async def factory() -> Ready:
        await release.wait()
        return Ready()

    tool = PythonTool(factory=factory)  # type: ignore[arg-type]
    first = Ready()
    tool._sandboxes["has-one"] = first  # type: ignore[assignment]
    slow = asyncio.create_task(tool.sandbox_for("new"))
    await asyncio.sleep(0.05)  # the new thread's start is under way, holding its lock
    assert await asyncio.wait_for(tool.sandbox_for("has-one"), 2) is first
    twice = asyncio.create_task(tool.sandbox_for("new"))  # waits for the same start
    release.set()
    made = await slow
    assert await twice is made  # one sandbox per thread, still


def test_the_local_kernel_gets_no_credential_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.sandbox.local import _clean_env

    for name in ("MYSQL_PWD", "SSHPASS", "DATABASE_URL", "SENTRY_DSN", "MONGO_URI",
                 "OPENAI_API_KEY", "PONDER_CHECKPOINT_URL"):
        monkeypatch.setenv(name, "secret")
    monkeypatch.setenv("PWD", "/work")
    env = _clean_env()
    assert not {k for k, v in env.items() if v == "secret"}
    assert env["PWD"] == "/work" and "PATH" in env


async def test_the_pool_does_not_hand_out_a_sandbox_that_died_while_warm() -> None:
    """A warm sandbox whose container stopped (an engine restart) was handed out: its
    first code died unrun, and a checker rejected right code."""
    from ponder.sandbox.pool import SandboxPool

    class Warm:
        made: ClassVar[list[Warm]] = []

        def __init__(self) -> None:
            self.dead, self.closed, self.started = False, False, False
            Warm.made.append(self)

        async def start(self) -> Warm:
            self.started = True
            return self

        async def _probe(self) -> str | None:
            return "the sandbox container disappeared" if self.dead else None

        async def close(self) -> None:
            self.closed = True

    Warm.made = []
    pool = SandboxPool(Warm, size=1)  # type: ignore[arg-type]
    await pool.start()
    for _ in range(100):
        if pool.warm:
            break
        await asyncio.sleep(0.01)
    Warm.made[0].dead = True
    got = await pool.acquire()
    assert got is not Warm.made[0] and not got.dead  # type: ignore[attr-defined]
    assert Warm.made[0].closed
    await pool.release(got)
    await pool.close()


def test_a_failed_tar_of_the_offline_root_leaves_no_base_tagged(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """docker import tags what tar sent before tar's exit code is known: a partial root
    stayed tagged and every later build reused it."""
    import subprocess

    from ponder.agent.errors import SandboxError

    real_popen = subprocess.Popen
    monkeypatch.setattr(image.subprocess, "Popen",
                        lambda args, **kw: real_popen(["sh", "-c", "printf partial; exit 2"],
                                                      **kw))
    removed: list[str] = []

    class Api:
        def import_image(self, src: object, **kwargs: object) -> None:
            list(src)  # type: ignore[call-overload]  # the engine reads the stream whole

        def remove_image(self, name: str, force: bool = False) -> None:
            removed.append(name)

        def inspect_image(self, name: str) -> dict:
            return {}

    with pytest.raises(SandboxError, match="tar of the debootstrap root failed"):
        image._import_root(SimpleNamespace(api=Api()), tmp_path)  # type: ignore[arg-type]
    assert removed == [image.OFFLINE_BASE]


def test_a_forced_build_makes_the_offline_base_again(monkeypatch: pytest.MonkeyPatch) -> None:
    client = SimpleNamespace(api=SimpleNamespace(inspect_image=lambda name: {}))
    said: list[str] = []
    image.ensure_offline_base(client, said.append)  # type: ignore[arg-type]
    assert said == [f"reusing base image {image.OFFLINE_BASE}"]
    monkeypatch.setattr(image.os, "geteuid", lambda: 1000)  # stops before any real work
    with pytest.raises(UserError, match="needs root"):
        image.ensure_offline_base(client, said.append, force=True)  # type: ignore[arg-type]


def test_the_reaper_leaves_containers_of_another_pid_namespace_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ponder in a container sharing the host's name (--network host) labelled its pids
    in its own namespace: this one judged them against its own pids and removed live
    containers. Another namespace is foreign; another boot is gone."""
    import socket

    host = socket.gethostname()
    me = {"ponder.sandbox": "1", "ponder.owner.host": host,
          "ponder.owner.pidns": reaper.pid_namespace(), "ponder.owner.boot": reaper.boot_id()}
    containers = [
        {"Id": "other-ns", "Labels": {**me, "ponder.owner.pidns": "pid:[1]",
                                      "ponder.owner.pid": "999999", "ponder.owner.started": "1"}},
        {"Id": "rebooted", "Labels": {**me, "ponder.owner.boot": "another-boot",
                                      "ponder.owner.pid": str(os.getpid()),
                                      "ponder.owner.started":
                                          reaper.process_start_ticks(os.getpid())}},
        {"Id": "dead-here", "Labels": {**me, "ponder.owner.pid": "999999",
                                       "ponder.owner.started": "1"}},
        {"Id": "alive-here", "Labels": {**me, "ponder.owner.pid": str(os.getpid()),
                                        "ponder.owner.started":
                                            reaper.process_start_ticks(os.getpid())}},
    ]
    removed: list[str] = []
    api = SimpleNamespace(containers=lambda **kw: containers,
                          remove_container=lambda cid, force: removed.append(cid))
    monkeypatch.setattr(reaper, "_remove_stale_dirs", lambda keep: None)
    report = reaper.reap_orphans(SimpleNamespace(api=api))  # type: ignore[arg-type]
    assert sorted(removed) == ["dead-here", "rebooted"]
    assert report.foreign == ["other-ns"] and report.alive == ["alive-here"]
    removed.clear()
    reaper.remove_owned(os.getpid(), SimpleNamespace(api=api))  # type: ignore[arg-type]
    assert removed == ["alive-here"]  # not "rebooted": an earlier boot's process had this pid


async def test_a_run_whose_idle_status_was_dropped_is_done_not_timed_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Output floods past the queues drop messages; when the dropped one is the idle
    status, the run (its reply in) waited out its whole timeout and was reported as one."""
    from ponder.sandbox import _kernel
    from ponder.sandbox._kernel import KernelRun

    monkeypatch.setattr(_kernel, "IDLE_GRACE", 0.2)
    monkeypatch.setattr(_kernel, "SILENCE_PROBE", 0.05)

    class Silent:
        async def pump(self, seconds: float) -> bool:
            import asyncio

            await asyncio.sleep(seconds)
            return False

        def cut(self) -> bool:
            return False

    async def alive() -> None:
        return None

    run = KernelRun(Silent(), "m1", OutputCollector(limit_bytes=1000, max_messages=10))  # type: ignore[arg-type]
    run.reply = {"status": "ok"}
    assert await run.wait(30, alive) == "done" and run.idle
    waiting = KernelRun(Silent(), "m2", OutputCollector(limit_bytes=1000, max_messages=10))  # type: ignore[arg-type]
    assert await waiting.wait(0.5, alive) == "timeout"  # no reply: still running
