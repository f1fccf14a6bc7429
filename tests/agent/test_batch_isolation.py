"""A batch task never sees another file's (or another run's) state, even when ids repeat
across files; the same file re-run into the same output keeps its threads (resume)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fake_openai import FakeOpenAI, last_user_text, system_text

from ponder.agent.batch import batch_namespace, batch_thread_id
from ponder.agent.tasks import TaskSpec

PONDER = [sys.executable, "-m", "ponder"]


def _answer_the_task(body: dict) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
    text = "\n".join(m["content"] for m in body["messages"] if isinstance(m.get("content"), str))
    question = text.rsplit("Task: ", 1)[1].split("\n", 1)[0]
    return json.dumps({"thought": "t", "tool": "answer", "input": f"answer to {question}"})


def test_same_id_in_two_task_files_never_shares_state(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "tasks.jsonl").write_text(json.dumps({"id": "q1", "prompt": "What is 17*23?"}) + "\n")
    (second / "tasks.jsonl").write_text(json.dumps({"id": "q1", "prompt": "What is 2**20?"}) + "\n")
    with FakeOpenAI(_answer_the_task) as server:
        common = ["--model", "openai-compatible:fake", "--base-url", server.base_url,
                  "--sandbox", "none"]
        asked_first = 0
        for folder in (first, second):
            asked_first = len(server.requests)
            out = subprocess.run([*PONDER, "run", str(folder / "tasks.jsonl"), "-o",
                                  str(folder / "results.jsonl"), *common],
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
        asked_second = server.requests[asked_first:]
    row = json.loads((second / "results.jsonl").read_text())
    assert row["answer"] == "answer to What is 2**20?"
    assert not any("17*23" in json.dumps(body) for body in asked_second)
    assert not any("Earlier in this conversation" in last_user_text(b) for b in asked_second)


def test_thread_ids_are_stable_for_the_same_files_and_distinct_otherwise(tmp_path: Path) -> None:
    task = TaskSpec(id="t01", prompt="What is 2**20?")
    tasks, out = tmp_path / "tasks.jsonl", tmp_path / "out.jsonl"
    same = batch_thread_id(batch_namespace(tasks, out), task)
    assert same == batch_thread_id(batch_namespace(Path(str(tasks)), out), task)  # resumable
    assert same != batch_thread_id(batch_namespace(tmp_path / "other.jsonl", out), task)
    assert same != batch_thread_id(batch_namespace(tasks, tmp_path / "other-out.jsonl"), task)
    edited = TaskSpec(id="t01", prompt="What is 2**21?")
    assert same != batch_thread_id(batch_namespace(tasks, out), edited)
