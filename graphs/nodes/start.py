"""start: begin a turn. Every input to the graph is a new task, so the previous turn's
working state (trajectory, candidates, verdicts, result, usage) is cleared here while the
thread's conversation history is kept. A resumed run (input ``None``) continues from its
checkpoint and never passes through this node."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage

from ponder.agent.errors import UserError
from ponder.graphs.context import GraphContext
from ponder.graphs.events import Emit
from ponder.graphs.examples import with_examples
from ponder.graphs.state import PonderState, Task, new_turn_update

EXPECTED_INPUT = (
    '{"task": {"question": "...", "kind": "question" | "code", "entry_point": "...", '
    '"tests": "..."}} (only "question" is required), or {"messages": [...]} ending '
    "with the user's question"
)


class GraphInputError(UserError):
    """The graph was invoked with input it cannot use; the message names the shape."""


def validate_task(task: object) -> None:
    """Raise GraphInputError unless ``task`` is a usable task dict."""
    if not isinstance(task, dict) or not task:
        raise GraphInputError(f"Ponder's graph input must be {EXPECTED_INPUT}; "
                              "this input has no task")
    question = task.get("question")
    if not isinstance(question, str) or not question.strip():
        raise GraphInputError(f"the task needs a non-empty 'question' string; expected "
                              f"{EXPECTED_INPUT}, got keys {sorted(task)}")
    kind = task.get("kind", "question")
    if kind not in ("question", "code"):
        raise GraphInputError(f"unknown task kind {kind!r} (use 'question' or 'code')")
    for key in ("entry_point", "tests"):
        if key in task and not isinstance(task[key], str):
            raise GraphInputError(f"the task's {key!r} must be a string")


async def start_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """Validate the task, clear the previous turn's working state, and (for a coding
    task) add the examples its prompt states to its tests.

    A question can also come as a new HumanMessage at the end of ``messages`` (as chat
    UIs and the LangGraph SDK send it); it replaces a task an interrupted turn left.
    A ``task`` input adds its question to ``messages``, so the conversation shows it.

    Raises GraphInputError when the input carries neither a valid ``task`` nor a new
    question in ``messages``.
    """
    update = new_turn_update()
    task = state.get("task")
    messages = state.get("messages") or []
    asked = _new_question(messages, state.get("question_id"))
    if asked is not None and task and not _left_by_interrupted_turn(
            task, messages, state.get("question_id")):
        asked = None  # a task given as input wins over an unanswered message
    if asked is not None:
        task = Task(question=asked.text.strip())
        update["task"] = task
        update["question_id"] = asked.id
    validate_task(task)
    assert task is not None
    if asked is None:
        question = HumanMessage(task["question"], id=uuid.uuid4().hex)
        update["messages"] = [question]
        update["question_id"] = question.id
    if task.get("kind") == "code":
        tests = with_examples(task.get("tests"), task["question"], task.get("entry_point"))
        if tests != task.get("tests"):
            update["task"] = {**task, "tests": tests, "given_tests": task.get("tests") or ""}
    return update


def _left_by_interrupted_turn(task: Task, messages: list[AnyMessage],
                              question_id: str | None) -> bool:
    """Whether ``task`` is the one the latest turn took up (an interrupted turn left it),
    rather than a task given as this input."""
    asked = next((m for m in messages if question_id is not None and m.id == question_id), None)
    return asked is not None and asked.text.strip() == task.get("question", "").strip()


def _new_question(messages: list[AnyMessage], answered: str | None) -> HumanMessage | None:
    """The last message, when it is the user's and no turn has taken it up yet."""
    if not messages or not isinstance(messages[-1], HumanMessage):
        return None
    last = messages[-1]
    if last.id is not None and last.id == answered:
        return None
    return last
