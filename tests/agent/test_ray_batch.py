"""``ponder run --ray``: a 6-task batch on a two-node Ray cluster on this machine, with a
fake OpenAI-compatible model and the real Docker sandbox. The rows match a local
``-j 2`` run; a worker killed mid-batch loses no task; a re-run resumes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray  # the ray extra is part of the dev install: its absence is a failure, not a skip
from fake_openai import FakeOpenAI, last_user_text, system_text

from ponder.agent.batch import run_batch
from ponder.agent.settings import Settings
from ponder.agent.tasks import parse_tasks

pytestmark = [pytest.mark.docker, pytest.mark.slow]

WORDS = ["banana", "mississippi", "possessions", "bookkeeper", "parallel", "committee"]


class Model:
    """Answers 'how many letters in WORD' with a python step, then the count. The first
    think request (the agent's, not the bare model's one call, which has no system
    prompt) about ``slow_word`` waits until released, and ``held_port`` is its client's
    port: the worker running that task can be found and killed while it waits."""

    def __init__(self, slow_word: str | None = None) -> None:
        self.slow_word = slow_word
        self.release = threading.Event()
        self.slow_started = threading.Event()
        self.server: FakeOpenAI | None = None
        self.held_port = 0

    def __call__(self, body: dict[str, Any]) -> str:
        if "short plan" in system_text(body):
            return json.dumps({"steps": [{"step": "count", "tool": "python"}]})
        text = last_user_text(body)
        asked = re.findall(r"How many letters are in the word (\w+)\?",
                           json.dumps(body.get("messages", [])))
        word = asked[-1] if asked else ""
        if "[stdout]" in text:
            value = str(len(word))
            return json.dumps({"thought": "done", "tool": "answer", "input": value})
        if word == self.slow_word and system_text(body) and not self.release.is_set():
            assert self.server is not None
            self.held_port = self.server.client_port()
            self.slow_started.set()
            self.release.wait(120)
        return json.dumps({"thought": "count", "tool": "python",
                           "input": f"print(len('{word}'))"})


def _tasks() -> list[Any]:
    lines = [json.dumps({"id": f"w{i}", "prompt": f"How many letters are in the word {w}?"})
             for i, w in enumerate(WORDS)]
    tasks, errors = parse_tasks(lines)
    assert not errors
    return tasks


def _settings(server: FakeOpenAI) -> Settings:
    return Settings(model="openai-compatible:fake", base_url=server.base_url, api_key="sk-test",
                    direct_answer=False)


def _rows(path: Path) -> dict[str, tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return {r["id"]: (r["answer"], r["status"]) for r in rows}


@pytest.fixture
def cluster() -> Iterator[Any]:
    from ray.cluster_utils import Cluster

    made = Cluster(initialize_head=True, head_node_args={"num_cpus": 1,
                                                         "resources": {"ponder_model": 1}})
    made.add_node(num_cpus=1, resources={"ponder_model": 1})
    made.wait_for_nodes()
    ray.init(address=made.address, log_to_driver=False)
    yield made
    ray.shutdown()
    made.shutdown()


async def test_ray_batch_matches_local_survives_a_killed_worker_and_resumes(
        tmp_path: Path, cluster: Any, allow_model_requests: None) -> None:
    from ponder.agent.ray_batch import run_batch_on_ray

    tasks = _tasks()
    with FakeOpenAI(Model()) as server:
        local = tmp_path / "local.jsonl"
        summary = await run_batch(tasks, local, _settings(server), concurrency=2,
                                  tasks_file=tmp_path / "t.jsonl")
        assert summary.errors == 0, local.read_text()

    model = Model(slow_word="parallel")
    with FakeOpenAI(model) as server:
        model.server = server
        out = tmp_path / "ray.jsonl"
        killer = threading.Thread(target=_kill_the_slow_worker, args=(model,), daemon=True)
        killer.start()
        summary = run_batch_on_ray(tasks, out, _settings(server), tasks_file=tmp_path / "t.jsonl")
        killer.join(timeout=5)
        assert killed, "no busy worker was found to kill"
        assert summary.ran == 6 and summary.errors == 0, out.read_text()
        assert _rows(out) == _rows(local)
        assert {r["answer"] for r in map(json.loads, out.read_text().splitlines())} == {
            str(len(w)) for w in WORDS}
        nodes = {json.loads(line)["node"] for line in out.read_text().splitlines()}
        assert len(nodes) == 2  # both nodes took tasks

        # A re-run of the finished batch skips every task.
        asked = len(server.requests)
        again = run_batch_on_ray(tasks, out, _settings(server), tasks_file=tmp_path / "t.jsonl")
        assert again.skipped == 6 and again.ran == 0 and len(server.requests) == asked


def _eval_tasks() -> list[Any]:
    lines = [json.dumps({"id": f"w{i}", "prompt": f"How many letters are in the word {w}?",
                         "answer": str(len(w))}) for i, w in enumerate(WORDS)]
    tasks, errors = parse_tasks(lines)
    assert not errors
    return tasks


def _eval_rows(rows: list[Any]) -> dict[tuple[str, str], tuple[str, bool, bool]]:
    return {(r.id, r.mode): (r.answer, r.correct, r.verified) for r in rows}


async def test_eval_on_ray_matches_local_records_a_lost_task_and_resumes_it(
        tmp_path: Path, cluster: Any, allow_model_requests: None) -> None:
    from ponder.agent.evaluate import append_row, evaluate, read_rows
    from ponder.agent.ray_batch import evaluate_on_ray

    tasks = _eval_tasks()
    with FakeOpenAI(Model()) as server:
        local = await evaluate(tasks, _settings(server), concurrency=2)
    assert len(local) == 12
    assert sum(r.correct for r in local if r.mode == "agent") == 6

    # No retry here, so the killed worker's task is lost: a row that says so, which a
    # resume runs again.
    killed.clear()
    model = Model(slow_word="parallel")
    out = tmp_path / "eval"
    out.mkdir()
    with FakeOpenAI(model) as server:
        model.server = server
        settings = _settings(server)
        killer = threading.Thread(target=_kill_the_slow_worker, args=(model,), daemon=True)
        killer.start()
        first = evaluate_on_ray(tasks, settings, on_row=lambda r: append_row(out, r),
                                task_options={"max_retries": 0})
        killer.join(timeout=5)
        assert killed, "no busy worker was found to kill"
        lost = [(r.id, r.mode) for r in first if r.detail.startswith("RayTaskLost")]
        assert lost == [("w4", "agent")], [r.detail for r in first]  # the killed worker's
        kept = read_rows(out, settings.model)
        assert len(first) == 12 and len(kept) == 11

        # The resume runs only the lost pair; together the rows equal the local run's.
        again = evaluate_on_ray(tasks, settings, done={(r.id, r.mode) for r in kept},
                                on_row=lambda r: append_row(out, r))
        assert [(r.id, r.mode) for r in again] == lost
        assert _eval_rows(read_rows(out, settings.model)) == _eval_rows(local)


def test_a_configuration_error_in_a_worker_stops_the_eval_with_that_error(
        tmp_path: Path, cluster: Any) -> None:
    from ponder.agent.errors import UserError
    from ponder.agent.ray_batch import evaluate_on_ray

    missing = tmp_path / "absent.gguf"  # the embedded model's file, missing on the node
    settings = Settings(model=str(missing), direct_answer=False)
    with pytest.raises(UserError, match=r"absent\.gguf"):
        evaluate_on_ray(_eval_tasks(), settings, modes=("bare",))


def _kill_the_slow_worker(model: Model) -> None:
    """Once the slow task's request is held, kill the worker process that sent it (the
    owner of the request's client socket), then let the requests through."""
    if not model.slow_started.wait(900):
        return
    pid = _pid_of_client_port(model.held_port)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
    model.release.set()


def _pid_of_client_port(port: int) -> int | None:
    """The process holding the local TCP socket on 127.0.0.1:``port`` (from /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            inodes.add(f"socket:[{fields[9]}]")
    for pid in _pids():
        with contextlib.suppress(OSError):
            fds = Path(f"/proc/{pid}/fd")
            if any(os.readlink(fd) in inodes for fd in fds.iterdir()):
                return pid
    return None


killed: list[int] = []


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]
