"""Results and rows files lose nothing: an unfinished last line, a row cut mid-character,
line separators inside JSON strings, a byte-order mark, rows of another task file, and a
sandbox that cannot be released after the task finished."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ponder import Agent, load_settings
from ponder.agent.batch import batch_namespace, batch_thread_id, done_ids, run_task
from ponder.agent.errors import SandboxError
from ponder.agent.evaluate import EvalRow, append_row, read_rows
from ponder.agent.tasks import TaskSpec, finished_ids, open_for_append, read_tasks
from ponder.testing import ScriptedChatModel

Q1 = TaskSpec(id="q1", prompt="What is 2 + 3?")
Q2 = TaskSpec(id="q2", prompt="What is 4 + 4?")


def _row(task: TaskSpec, namespace: str, **extra: Any) -> str:
    return json.dumps({"id": task.id, "kind": "question", "answer": "5",
                       "thread_id": batch_thread_id(namespace, task), **extra},
                      ensure_ascii=False)


def test_a_row_counts_only_for_the_task_it_answered(tmp_path: Path) -> None:
    out, mine, other = tmp_path / "results.jsonl", tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    ns_mine, ns_other = batch_namespace(mine, out), batch_namespace(other, out)
    edited = TaskSpec(id="q2", prompt="What is 4 + 5?")
    out.write_text(_row(Q1, ns_mine) + "\n" + _row(Q1, ns_other) + "\n"
                   + _row(edited, ns_mine) + "\n")
    assert done_ids([Q1, Q2], out, mine) == {"q1"}  # q2 was edited since its row
    assert done_ids([Q1], out, other) == {"q1"}
    assert done_ids([Q1], out, tmp_path / "c.jsonl") == set()  # the same id, another file
    assert finished_ids(out) == {"q1", "q2"}  # by id alone, as before


def test_line_separators_inside_a_row_do_not_split_it(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    ns = batch_namespace(None, out)
    out.write_text(_row(Q1, ns, evidence=["a\u2028b\u2029c\x85d"]) + "\n", encoding="utf-8")
    assert done_ids([Q1], out, None) == {"q1"}


def test_an_unfinished_last_line_does_not_spoil_the_next_row(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    ns = batch_namespace(None, out)
    out.write_bytes((_row(Q1, ns) + "\n").encode() + '{"id": "q2", "answer": "cut \u00e9'.encode()[:-1])
    assert done_ids([Q1, Q2], out, None) == {"q1"}  # the cut character is no crash
    with open_for_append(out) as fh:
        fh.write(_row(Q2, ns) + "\n")
    assert done_ids([Q1, Q2], out, None) == {"q1", "q2"}


def test_eval_rows_after_an_unfinished_line(tmp_path: Path) -> None:
    row = EvalRow(id="t1", mode="bare", category="x", answer="5", correct=True, verified=False,
                  tokens=1, seconds=0.1, detail="", model="m", model_calls=1)
    (tmp_path / "eval-rows.jsonl").write_bytes(b'{"id": "t0", "mode": "ba')
    append_row(tmp_path, row)
    assert read_rows(tmp_path, "m") == [row]


def test_a_byte_order_mark_is_not_part_of_the_first_task(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(Q1.model_dump()) + "\r\n").encode())
    tasks, errors = read_tasks(path)
    assert [t.id for t in tasks] == ["q1"] and errors == []


class _Unreleasable(Agent):
    async def release(self, thread_id: str) -> None:
        raise SandboxError("could not remove container abc: engine timed out")


async def test_a_finished_task_keeps_its_result_when_the_release_fails() -> None:
    from graph_helpers import answer, plan

    model = ScriptedChatModel([plan(("x", "none")), answer("5")])
    async with _Unreleasable(load_settings(), model=model, tools=[]) as agent:
        result = await run_task(agent, Q1)
    assert result.error is None and result.answer == "5"


async def test_a_second_run_into_the_same_output_is_refused(tmp_path: Path) -> None:
    import fcntl

    import pytest

    from ponder.agent.batch import run_batch
    from ponder.agent.errors import UserError

    out = tmp_path / "results.jsonl"
    with out.open("a") as other:  # another ponder run holds it
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(UserError, match="being written by another ponder run"):
            await run_batch([Q1], out, load_settings({"sandbox": {"kind": "none"}}))
    model = ScriptedChatModel([{"steps": [{"step": "x", "tool": "none"}]},
                               {"thought": "t", "tool": "answer", "input": "5"}])
    summary = await run_batch([Q1], out, load_settings({"sandbox": {"kind": "none"}}),
                              agent_factory=lambda: Agent(load_settings(), model=model, tools=[]))
    assert summary is not None and done_ids([Q1], out, None) == {"q1"}
