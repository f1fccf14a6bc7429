"""``ponder eval -j N`` runs N tasks at once and gives the same rows as one at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from fake_openai import FakeOpenAI, last_user_text, system_text

CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Peru": "Lima"}


class Answering:
    """Answers capital questions; records how many requests were in flight at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __call__(self, body: dict[str, Any]) -> str:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.3)
            if "short plan" in system_text(body):
                return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
            text = last_user_text(body)
            city = next((c for k, c in CAPITALS.items() if k in text), "unknown")
            return json.dumps({"thought": "known", "tool": "answer", "input": city})
        finally:
            with self.lock:
                self.now -= 1


def _eval(tmp_path: Path, jobs: int) -> tuple[list[tuple[str, str, bool]], int]:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"id": k.lower(), "prompt": f"Capital of {k}?",
                                         "answer": v}) + "\n" for k, v in CAPITALS.items()))
    out_dir = tmp_path / f"j{jobs}"
    answering = Answering()
    with FakeOpenAI(answering) as server:
        done = subprocess.run(
            [sys.executable, "-m", "ponder", "eval", str(tasks), "--mode", "agent", "-j",
             str(jobs), "--model", "openai-compatible:fake", "--base-url", server.base_url,
             "--sandbox", "none", "--out-dir", str(out_dir)],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "OPENAI_API_KEY": "sk-test"})
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (out_dir / "eval-rows.jsonl").read_text().splitlines()]
    return sorted((r["id"], r["answer"], r["correct"]) for r in rows), answering.most


def test_parallel_eval_gives_the_same_rows_with_tasks_at_once(tmp_path: Path) -> None:
    one, most_one = _eval(tmp_path, 1)
    two, most_two = _eval(tmp_path, 2)
    assert one == two and all(correct for _, _, correct in one) and len(one) == 4
    assert most_one == 1 and most_two == 2
