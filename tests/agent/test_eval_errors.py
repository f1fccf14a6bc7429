"""`ponder eval` on failures: a failed bare call is an error row that a resumed eval
runs again, and an eval refuses approval (no one is there to approve code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage

from ponder import load_settings
from ponder.agent.errors import UserError
from ponder.agent.evaluate import append_row, bare_row, evaluate, read_rows
from ponder.agent.tasks import TaskSpec
from ponder.testing import FunctionChatModel

TASK = TaskSpec(id="t1", prompt="What is 2 + 3?", answer="5")


def timing_out(messages: list[BaseMessage]) -> str:
    raise TimeoutError("the endpoint did not answer in 60 s")


async def test_a_failed_bare_call_is_an_error_row_that_is_run_again(tmp_path: Path) -> None:
    settings = load_settings({"sandbox": {"kind": "none"}})
    row = await bare_row(FunctionChatModel(timing_out), TASK, settings)
    assert row.mode == "bare" and not row.correct and row.answer == ""
    assert row.detail.startswith("ModelCallError: model call failed: the endpoint did not")
    append_row(tmp_path, row)
    assert read_rows(tmp_path, settings.model) == []  # not a result: resumed, it runs again

    answered = await bare_row(FunctionChatModel(lambda _: "The answer is 5."), TASK, settings)
    assert answered.correct and answered.answer == "The answer is 5."
    append_row(tmp_path, answered)
    assert read_rows(tmp_path, settings.model) == [answered]


async def test_eval_refuses_approval_before_any_work() -> None:
    settings = load_settings({"approval": True, "sandbox": {"kind": "none"}})
    with pytest.raises(UserError, match="approval is on, but an eval has no one"):
        await evaluate([TASK], settings, modes=("bare", "agent"))


# --- found by a review of the parallel and Ray paths (session 46) --------------------

def _row(id_: str, mode: str, *, detail: str = "", seconds: float = 30.0,
         tokens: int = 900, calls: int = 6, correct: bool = True) -> object:
    from ponder.agent.evaluate import EvalRow

    return EvalRow(id=id_, mode=mode, category="c", answer="a", correct=correct,
                   verified=False, tokens=tokens, seconds=seconds, detail=detail,
                   model="m", model_calls=calls)


def test_a_row_whose_local_model_did_not_start_runs_again(tmp_path: Path) -> None:
    append_row(tmp_path, _row("q1", "bare", detail="PonderRuntimeError: local model server "
                              "at http://127.0.0.1:1 not ready after 120s"))  # type: ignore[arg-type]
    append_row(tmp_path, _row("q2", "bare"))  # type: ignore[arg-type]
    assert [r.id for r in read_rows(tmp_path, "m")] == ["q2"]


def test_error_rows_do_not_count_as_free_runs_in_the_medians() -> None:
    from ponder.agent.evaluate import paired, summarise

    rows = [_row("a", "bare", seconds=1, tokens=80, calls=1),
            _row("b", "bare", seconds=1, tokens=80, calls=1),
            _row("c", "bare", seconds=1, tokens=80, calls=1),
            _row("a", "agent"),
            _row("b", "agent", detail="RayTaskLost: node died", seconds=0, tokens=0, calls=0,
                 correct=False),
            _row("c", "agent", detail="ModelCallError: refused", seconds=0, tokens=0, calls=0,
                 correct=False)]
    agent = summarise(rows, "agent")  # type: ignore[arg-type]
    assert agent is not None and agent.median_seconds == 30 and agent.mean_tokens == 900
    assert agent.accuracy == 1 / 3  # the error rows still count as wrong answers
    both = paired(rows)  # type: ignore[arg-type]
    assert both is not None and both.median_seconds["agent"] == 30
    assert both.median_calls["agent"] == 6


async def test_a_candidate_that_could_not_be_scored_makes_an_error_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A candidate whose scoring sandbox failed was recorded as wrong for good."""
    from types import SimpleNamespace

    import ponder.agent.evaluate as evaluate

    state = {"candidates": [{"index": 0, "answer": "def f(): return 1", "code": "def f(): return 1",
                             "method": "direct", "step": 0},
                            {"index": 1, "answer": "def f(): return 2", "code": "def f(): return 2",
                             "method": "revise", "step": 0}],
             "verdicts": []}

    class Graph:
        async def aget_state(self, config: object) -> object:
            return SimpleNamespace(values=state)

    async def graph() -> Graph:
        return Graph()

    async def failing(task: object, text: str, settings: object) -> tuple[bool, str]:
        return False, "SandboxError: the answer could not be scored: engine gone"

    monkeypatch.setattr(evaluate, "score", failing)
    agent = SimpleNamespace(graph=graph())
    task = TaskSpec(id="c", prompt="def f():\n    pass\n", kind="code", entry_point="f",
                    hidden_tests="assert f() == 1")
    records, _, failure = await evaluate._candidates(
        agent, "t", task, "def f(): return 1", load_settings(), True)  # type: ignore[arg-type]
    assert records[0].correct is True  # the selected one: the row's own verdict
    assert failure.startswith("SandboxError") and "(candidate 1)" in failure


async def test_a_run_ended_by_any_other_exception_is_an_error_row(tmp_path: Path) -> None:
    """run_task keeps any exception as the result's error ("KeyError: ..."): the row was
    kept as a result, never run again, and its zero cost pulled the medians down."""
    from ponder.agent.evaluate import as_error

    assert as_error("KeyError: 'x'") == "RunError: KeyError: 'x'"
    assert as_error("ModelCallError: refused") == "ModelCallError: refused"
    append_row(tmp_path, _row("q1", "agent", detail=as_error("KeyError: 'x'"), seconds=0,
                              tokens=0, calls=0, correct=False))  # type: ignore[arg-type]
    assert read_rows(tmp_path, "m") == []


def test_the_best_a_selector_could_do_counts_a_right_answer_without_candidates() -> None:
    from ponder.agent.evaluate import EvalRow, method_table

    rows = [EvalRow(id="a", mode="agent", category="c", answer="5", correct=True,
                    verified=False, tokens=1, seconds=1.0, detail="", model="m")]
    table = method_table(rows)
    assert table["c"]["any"] == (1, 1) and table["c"]["selected"] == (1, 1)


def test_the_report_says_which_commits_made_each_modes_rows() -> None:
    """A resumed eval keeps rows of other commits (a bare call that did not change): the
    report showed figures of two commits as one."""
    from ponder.agent.evaluate import EvalRow, markdown_report
    from ponder.agent.provenance import Provenance

    def made(id_: str, mode: str, commit: str) -> EvalRow:
        prov = Provenance(model="m", settings_sha256="s", version="0", commit=commit)
        return EvalRow(id=id_, mode=mode, category="c", answer="a", correct=True,  # type: ignore[arg-type]
                       verified=False, tokens=1, seconds=1.0, detail="", model="m",
                       provenance=prov)

    rows = [made("a", "bare", "e7b186f0"), made("b", "bare", "e7b186f0"),
            made("a", "agent", "5796b7c1"), made("b", "agent", "0cff0810")]
    assert "Rows made at: bare e7b186f (2); agent 0cff081 (1), 5796b7c (1)." in (
        markdown_report(rows, "t"))


def test_the_commits_line_keeps_dirty_and_counts_rows_without_provenance() -> None:
    from ponder.agent.evaluate import EvalRow, _made_at
    from ponder.agent.provenance import Provenance

    prov = Provenance(model="m", settings_sha256="s", version="0", commit="5796b7c1-dirty")
    rows = [EvalRow(id="a", mode="agent", category="c", answer="a", correct=True,
                    verified=False, tokens=1, seconds=1.0, detail="", model="m", provenance=prov),
            EvalRow(id="b", mode="agent", category="c", answer="a", correct=True,
                    verified=False, tokens=1, seconds=1.0, detail="", model="m")]
    assert _made_at(rows) == "agent 5796b7c-dirty (1), unknown (1)"
