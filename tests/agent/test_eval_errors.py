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
