"""Bad input and broken parts, as a user meets them on the command line: one clear line,
the right exit code, no traceback, nothing lost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fake_openai import FakeOpenAI, system_text

PONDER = [sys.executable, "-m", "ponder"]


def ponder(*args: str, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "COLUMNS": "400", **(env or {})}
    return subprocess.run([*PONDER, *args], capture_output=True, text=True, timeout=timeout,
                          env=full)


def _answering(body: dict) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
    return json.dumps({"thought": "known", "tool": "answer", "input": "Paris"})


def _one_clean_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_unreachable_docker_engine_is_one_line_exit_1_and_no_model_call() -> None:
    with FakeOpenAI(_answering) as server:
        out = ponder("ask", "What is 17*23?", "--model", "openai-compatible:fake",
                     "--base-url", server.base_url,
                     env={"DOCKER_HOST": "unix:///nonexistent.sock"})
        asked = len(server.requests)
    assert out.returncode == 1
    line = _one_clean_line(out.stderr)
    assert "no Docker engine answers at unix:///nonexistent.sock" in line
    assert "--sandbox none" in line and "fix the code" not in out.stdout + out.stderr
    assert asked == 0


def test_a_damaged_checkpoint_database_is_named_and_can_be_moved_aside(tmp_path: Path) -> None:
    db = tmp_path / "data" / "checkpoints.sqlite"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not an SQLite file at all " * 200)
    with FakeOpenAI(_answering) as server:
        common = ("--model", "openai-compatible:fake", "--base-url", server.base_url,
                  "--sandbox", "none")
        out = ponder("ask", "Capital of France?", *common)
        assert out.returncode == 1
        line = _one_clean_line(out.stderr)
        assert str(db) in line and "ponder checkpoints reset" in line
        reset = ponder("checkpoints", "reset")
        assert reset.returncode == 0, reset.stderr
        kept = [p for p in db.parent.iterdir() if p.name.startswith("checkpoints.sqlite.damaged-")]
        assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not")  # kept
        again = ponder("ask", "Capital of France?", *common)
    assert again.returncode == 3, again.stderr  # answered (unverified) on a fresh file


def test_a_checkpoint_database_in_use_is_not_called_damaged(tmp_path: Path) -> None:
    """A database another process holds (locked) was reported as damaged, with the
    advice to move a healthy file aside."""
    db = tmp_path / "data" / "checkpoints.sqlite"
    db.parent.mkdir(parents=True)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with FakeOpenAI(_answering) as server:
            out = ponder("ask", "Capital of France?", "--model", "openai-compatible:fake",
                         "--base-url", server.base_url, "--sandbox", "none")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.returncode == 1
    line = _one_clean_line(out.stderr)
    assert "cannot be used now" in line and "database is locked" in line
    assert "damaged" not in line and "checkpoints reset" not in line
    assert sorted(p.name for p in db.parent.iterdir()) == ["checkpoints.sqlite"]


def test_a_damaged_thread_does_not_break_other_threads(tmp_path: Path) -> None:
    with FakeOpenAI(_answering) as server:
        common = ("--model", "openai-compatible:fake", "--base-url", server.base_url,
                  "--sandbox", "none")
        for thread in ("bad", "good"):
            assert ponder("ask", "Capital of France?", "--thread", thread, *common).returncode == 3
        db = tmp_path / "data" / "checkpoints.sqlite"
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE checkpoints SET checkpoint = x'c1c1c1c1' WHERE thread_id = 'bad'")
        broken = ponder("ask", "And of Italy?", "--thread", "bad", *common)
        fine = ponder("ask", "And of Italy?", "--thread", "good", *common)
        fresh = ponder("ask", "And of Italy?", *common)
    assert broken.returncode == 1
    line = _one_clean_line(broken.stderr)
    assert "thread 'bad'" in line and str(db) in line
    assert fine.returncode == 3 and fresh.returncode == 3


def test_a_binary_config_file_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "ponder.toml"
    cfg.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary")
    out = ponder("ask", "hi", "--config", str(cfg), "--sandbox", "none")
    assert out.returncode == 2
    line = _one_clean_line(out.stderr)
    assert str(cfg) in line and "not a UTF-8 text file" in line


def test_a_bad_settings_file_is_exit_2_under_models_too(tmp_path: Path) -> None:
    cfg = tmp_path / "ponder.toml"
    cfg.write_text("[budget]\nmax_steps = 'lots'\n")
    out = ponder("models", "list", env={"PONDER_CONFIG": str(cfg)})
    assert out.returncode == 2  # a configuration error, as for every other command (was 1)
    assert "budget.max_steps" in _one_clean_line(out.stderr)


def test_an_unwritable_results_file_is_refused_before_any_work(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "a", "prompt": "Capital of France?"}\n')
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a file where a folder should be: unwritable even for root
    with FakeOpenAI(_answering) as server:
        out = ponder("run", str(tasks), "-o", str(blocker / "results.jsonl"), "--model",
                     "openai-compatible:fake", "--base-url", server.base_url, "--sandbox", "none")
        asked = len(server.requests)
    assert out.returncode == 2 and asked == 0
    assert "cannot write the results file" in _one_clean_line(out.stderr)


def test_eval_refuses_an_unwritable_out_dir_before_running_anything(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "fr", "prompt": "Capital of France?", "answer": "Paris"}\n')
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with FakeOpenAI(_answering) as server:
        out = ponder("eval", str(tasks), "--out-dir", str(blocker / "report"), "--model",
                     "openai-compatible:fake", "--base-url", server.base_url, "--sandbox", "none")
        asked = len(server.requests)
    assert out.returncode == 2 and asked == 0
    assert "cannot write in the --out-dir" in _one_clean_line(out.stderr)


def test_eval_writes_rows_as_they_finish_and_resumes(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "fr", "prompt": "Capital of France?", "answer": "Paris"}\n'
                     '{"id": "it", "prompt": "Capital of Italy?", "answer": "Rome"}\n')
    out_dir = tmp_path / "report"
    with FakeOpenAI(_answering) as server:
        common = ("--model", "openai-compatible:fake", "--base-url", server.base_url,
                  "--sandbox", "none", "--out-dir", str(out_dir))
        first = ponder("eval", str(tasks), *common)
        rows = (out_dir / "eval-rows.jsonl").read_text().splitlines()
        # as if the first run had been killed after its first two rows
        (out_dir / "eval-rows.jsonl").write_text("\n".join(rows[:2]) + "\n{cut sho")
        asked = len(server.requests)
        second = ponder("eval", str(tasks), *common)
        asked_again = len(server.requests) - asked
        # a row made with other settings is kept, and said to be
        lines = (out_dir / "eval-rows.jsonl").read_text().splitlines()
        changed = json.loads(lines[0])
        changed["provenance"]["settings_sha256"] = "0" * 64
        (out_dir / "eval-rows.jsonl").write_text("\n".join([json.dumps(changed), *lines[1:]]))
        before_third = len(server.requests)
        third = ponder("eval", str(tasks), *common)
        assert len(server.requests) == before_third  # nothing left to run
    assert "other settings" not in second.stdout and "resuming: 4 results" in third.stdout
    assert "1 of them ran with other settings or another commit" in " ".join(third.stdout.split())
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert len(rows) == 4 and "resuming: 2 results" in second.stdout
    report = json.loads((out_dir / "eval.json").read_text())
    assert sorted((r["mode"], r["id"]) for r in report["rows"]) == [
        ("agent", "fr"), ("agent", "it"), ("bare", "fr"), ("bare", "it")]
    assert 0 < asked_again < asked  # only the missing rows ran again


def test_eval_does_not_reuse_rows_of_another_version_of_a_task(tmp_path: Path) -> None:
    """Rows were matched by id alone: another task file with the same ids (or a fixed
    expected answer) got the old rows and their old verdicts, and nothing ran."""
    first = tmp_path / "a.jsonl"
    first.write_text('{"id": "q1", "prompt": "Capital of France?", "answer": "Paris"}\n')
    other = tmp_path / "b.jsonl"
    other.write_text('{"id": "q1", "prompt": "Capital of Spain?", "answer": "Madrid"}\n')
    out_dir = tmp_path / "report"
    with FakeOpenAI(_answering) as server:
        common = ("--model", "openai-compatible:fake", "--base-url", server.base_url,
                  "--sandbox", "none", "--out-dir", str(out_dir), "--mode", "bare")
        ran_a = ponder("eval", str(first), *common)
        before = len(server.requests)
        ran_b = ponder("eval", str(other), *common)
        asked = len(server.requests) - before
        again_b = ponder("eval", str(other), *common)
        asked_again = len(server.requests) - before - asked
    assert ran_a.returncode == 0 and ran_b.returncode == 0, ran_b.stderr
    assert asked == 1 and "1 results in" in " ".join(ran_b.stdout.split())
    assert asked_again == 0 and "resuming: 1 results" in again_b.stdout
    report = json.loads((out_dir / "eval.json").read_text())
    assert [r["correct"] for r in report["rows"]] == [False]  # Paris is no answer to Spain


def test_eval_of_code_tasks_without_a_sandbox_is_refused_before_any_call(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "fr", "prompt": "Capital of France?", "answer": "Paris"}\n'
                     '{"id": "c", "prompt": "def f(x):\\n    \\"\\"\\"Double.\\"\\"\\"\\n", '
                     '"kind": "code", "entry_point": "f", "hidden_tests": "assert f(2) == 4"}\n')
    with FakeOpenAI(_answering) as server:
        out = ponder("eval", str(tasks), "--out-dir", str(tmp_path / "r"), "--model",
                     "openai-compatible:fake", "--base-url", server.base_url, "--sandbox", "none")
        asked = len(server.requests)
    assert out.returncode == 2 and asked == 0
    assert "1 of the tasks are code" in _one_clean_line(out.stderr)


def test_tests_file_that_is_not_text_is_a_usage_error(tmp_path: Path) -> None:
    tests = tmp_path / "tests.py"
    tests.write_bytes(b"assert f(1) == \xff\xfe\n")
    out = ponder("ask", "def f(x):\n    pass\n", "--code", "--tests", str(tests),
                 "--sandbox", "none")
    assert out.returncode == 2, out.stderr
    assert "is not UTF-8 text" in out.stderr and "Traceback" not in out.stderr


def test_a_second_eval_into_the_same_out_dir_is_refused(tmp_path: Path) -> None:
    """Two evals into one out-dir both ran every pair and wrote every row twice."""
    import fcntl

    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "fr", "prompt": "Capital of France?", "answer": "Paris"}\n')
    out_dir = tmp_path / "report"
    out_dir.mkdir()
    with (out_dir / "eval-rows.jsonl").open("a") as other:  # another eval holds it
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with FakeOpenAI(_answering) as server:
            out = ponder("eval", str(tasks), "--out-dir", str(out_dir), "--model",
                         "openai-compatible:fake", "--base-url", server.base_url,
                         "--sandbox", "none")
            asked = len(server.requests)
    assert out.returncode == 2 and asked == 0, out.stderr
    assert "being written by another ponder run or eval" in _one_clean_line(out.stderr)


def test_an_unreachable_checkpoint_server_is_exit_1_in_one_line(tmp_path: Path) -> None:
    """Something outside Ponder is broken (exit 1, as for a model endpoint); it was a
    usage error (exit 2). The password stays hidden."""
    with FakeOpenAI(_answering) as server:
        out = ponder("ask", "Capital of France?", "--model", "openai-compatible:fake",
                     "--base-url", server.base_url, "--sandbox", "none",
                     env={"PONDER_CHECKPOINT_URL": "postgresql://u:hunter2@127.0.0.1:9/db"})
    assert out.returncode == 1, out.stderr
    line = _one_clean_line(out.stderr)
    assert "cannot reach the checkpoint database" in line and "hunter2" not in out.stderr
