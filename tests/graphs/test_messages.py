"""The graph speaks LangGraph's chat convention: a question may arrive as a HumanMessage in
``messages``, every answer is added there as an AIMessage, and the graph's input and state
turn into JSON schema (Studio's input form, ``as_tool()``)."""

from __future__ import annotations

from typing import Any

import pytest
from graph_helpers import ScriptedChecker
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.start import GraphInputError, start_node
from ponder.testing import ScriptedChatModel

CONFIG = {"configurable": {"thread_id": "m"}}


def _graph(model: Any, verdicts: list[str], **kwargs: Any) -> Any:
    return build_graph(model, [], checkers=[ScriptedChecker(verdicts)],
                       checkpointer=InMemorySaver(),
                       settings=Settings(bare_answer=False), **kwargs)


async def test_questions_as_messages_get_answers_as_messages_turn_after_turn() -> None:
    model = ScriptedChatModel(["17*23 = 391\nAnswer: 391", "Answer: 1048576"])
    graph = _graph(model, ["accept", "accept"])
    first = await graph.ainvoke({"messages": [HumanMessage("What is 17*23?")]}, CONFIG)
    second = await graph.ainvoke({"messages": [{"role": "user", "content": "What is 2**20?"}]},
                                 CONFIG)
    model.assert_complete()
    assert first["final"]["answer"] == "391"
    assert second["final"]["answer"] == "1048576"
    kinds = [(type(m).__name__, m.text) for m in second["messages"]]
    assert kinds == [("HumanMessage", "What is 17*23?"), ("AIMessage", "391"),
                     ("HumanMessage", "What is 2**20?"), ("AIMessage", "1048576")]
    assert second["messages"][-1].response_metadata == {"status": "verified", "verified": True}
    assert [h["question"] for h in second["history"]] == ["What is 17*23?", "What is 2**20?"]


async def test_a_task_input_adds_its_question_to_the_conversation() -> None:
    model = ScriptedChatModel(["Answer: 391"])
    graph = _graph(model, ["accept"])
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}}, CONFIG)
    assert [(type(m).__name__, m.text) for m in out["messages"]] == [
        ("HumanMessage", "What is 17*23?"), ("AIMessage", "391")]


async def test_messages_that_end_with_an_answer_are_not_a_question() -> None:
    model = ScriptedChatModel(["Answer: 391"])
    graph = _graph(model, ["accept"])
    await graph.ainvoke({"messages": [HumanMessage("What is 17*23?")]}, CONFIG)
    with pytest.raises(GraphInputError, match="messages"):
        await graph.ainvoke({"messages": [AIMessage("just a remark")]}, CONFIG)
    with pytest.raises(GraphInputError, match="non-empty"):
        await graph.ainvoke({"messages": [HumanMessage("  ")]}, CONFIG)
    model.assert_complete()


async def test_a_new_message_replaces_the_task_an_interrupted_turn_left() -> None:
    ctx = GraphContext(model=ScriptedChatModel([]))
    asked = HumanMessage("What is 17*23?", id="q1")
    interrupted = {"task": {"question": "What is 17*23?"}, "question_id": "q1",
                   "messages": [asked]}

    # The same question still pending (a facade resume) stays the task ...
    same = await start_node({**interrupted, "task": {"question": "What is 2**20?"}},  # type: ignore[typeddict-item]
                            ctx, lambda _: None)
    assert "task" not in same and [m.text for m in same["messages"]] == ["What is 2**20?"]
    # ... while a new HumanMessage is the new question.
    new = HumanMessage("What is 3+4?", id="q2")
    update = await start_node({**interrupted, "messages": [asked, new]},  # type: ignore[typeddict-item]
                              ctx, lambda _: None)
    assert update["task"] == {"question": "What is 3+4?"}
    assert update["question_id"] == "q2" and "messages" not in update


def test_input_and_state_have_json_schemas_and_the_graph_is_a_tool() -> None:
    graph = _graph(ScriptedChatModel([]), [], context_schema=None)
    schema = graph.get_input_jsonschema()
    assert {"task", "messages"} <= set(schema["properties"])
    assert "final" in graph.get_output_jsonschema()["properties"]
    assert graph.get_context_jsonschema() is None  # nothing for a client to fill in
    tool = graph.as_tool(name="ponder")
    assert tool.name == "ponder"


async def test_a_task_input_wins_over_an_unanswered_message() -> None:
    """A blank message that failed leaves an unanswered HumanMessage; a task given later
    must not be replaced by it."""
    ctx = GraphContext(model=ScriptedChatModel([]))
    answered = HumanMessage("What is 17*23?", id="q1")
    state = {"task": {"question": "What is 2**20?"}, "question_id": "q1",
             "messages": [answered, AIMessage("391"), HumanMessage("  ", id="bad")]}
    update = await start_node(state, ctx, lambda _: None)  # type: ignore[arg-type]
    assert "task" not in update  # the task input stands
    assert [m.text for m in update["messages"]] == ["What is 2**20?"]
