"""``--ray`` without Ray installed is one clear line; the embedded model is told apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ponder.agent.errors import UserError
from ponder.agent.ray_batch import connect, embedded_model
from ponder.agent.settings import Settings


def test_without_ray_there_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(UserError, match=r"pip install 'ponder\[ray\]'"):
        connect(None)


def test_the_embedded_model_needs_a_model_slot_a_remote_one_does_not() -> None:
    assert embedded_model(Settings(model="local:qwen2.5-coder-0.5b"))
    assert embedded_model(Settings(model="/models/x.gguf"))
    assert not embedded_model(Settings(model="openai-compatible:served"))


def test_a_task_reserves_its_worker_its_sandboxes_and_an_embedded_model() -> None:
    from ponder.agent.ray_batch import EMBEDDED_MODEL_BYTES, WORKER_BYTES, task_memory

    remote = Settings(model="openai-compatible:served", sandbox={"memory": "256m"})
    assert task_memory(remote) == WORKER_BYTES + 2 * 256 * 2**20
    local = Settings(model="local:qwen2.5-coder-0.5b", sandbox={"memory": "1g"})
    assert task_memory(local) == WORKER_BYTES + 2 * 2**30 + EMBEDDED_MODEL_BYTES
    assert task_memory(Settings(model="openai-compatible:served",
                                sandbox={"kind": "none"})) == WORKER_BYTES


def test_ray_alone_means_a_local_instance() -> None:
    from ponder.agent.cli import optional_values

    assert optional_values(["run", "t", "--ray"]) == ["run", "t", "--ray", "local"]
    assert optional_values(["run", "--ray", "--sandbox", "none"]) == [
        "run", "--ray", "local", "--sandbox", "none"]
    assert optional_values(["run", "--ray", "auto"]) == ["run", "--ray", "auto"]


@pytest.mark.parametrize("command", ["run", "eval"])
def test_ray_and_a_concurrency_flag_are_refused_together(tmp_path: Path, command: str) -> None:
    tasks = tmp_path / "t.jsonl"
    tasks.write_text(json.dumps({"id": "a", "prompt": "What is 6*7?", "answer": "42"}) + "\n")
    args = [sys.executable, "-m", "ponder", command, str(tasks), "--ray", "-j", "2"]
    args += ["-o", str(tmp_path / "r.jsonl")] if command == "run" else [
        "--out-dir", str(tmp_path / "out")]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert "--ray and -j/--concurrency do not go together" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_approval_is_refused_on_ray_only_when_the_agent_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ponder.agent.ray_batch as ray_batch
    from ponder.agent.errors import UserError
    from ponder.agent.settings import Settings

    class Connected(Exception):
        """Raised where the cluster would be joined: the approval check let the call by."""

    def connect(address: str | None) -> None:
        raise Connected

    monkeypatch.setattr(ray_batch, "connect", connect)
    settings = Settings(approval=True)
    with pytest.raises(UserError, match="approval"):
        ray_batch._start(settings, None, None)  # the agent would wait for a person
    with pytest.raises(Connected):
        ray_batch._start(settings, None, None, agent=False)  # bare calls run no code


def test_a_relative_model_file_is_made_absolute_for_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.agent.ray_batch import for_workers

    (tmp_path / "m").mkdir()
    monkeypatch.chdir(tmp_path)
    made = for_workers(Settings(model="m/x.gguf"))
    assert made.model == str(tmp_path / "m" / "x.gguf")
    assert for_workers(Settings(model="local:./x.gguf")).model == f"local:{tmp_path / 'x.gguf'}"
    for same in ("local:qwen2.5-coder-0.5b", "/models/x.gguf", "openai-compatible:served"):
        assert for_workers(Settings(model=same)).model == same
