"""Facts a policy names are asked of the model one at a time and stated in the task before
the first methods run (``graphs.nodes.facts``); the ``item_totals`` policy names the
per-item facts of a total over counted items."""

from __future__ import annotations

from typing import Any

from graph_helpers import ScriptedChecker
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.facts import first_number
from ponder.graphs.nodes.start import start_node
from ponder.graphs.policies import default_policies
from ponder.graphs.policies.item_totals import ItemTotalsPolicy, singular
from ponder.testing import FunctionChatModel, ScriptedChatModel

LEGS = ("Your task is to count how many legs there are in total when given a list of "
        "animals.\n\nNow, how many legs are there in total if you have 3 spiders, "
        "2 praying mantiss, 1 duck?")
KNOWN = {"spider": "8", "praying mantis": "6", "duck": "A duck has 2 legs."}


def _facts_model(replies: dict[str, str]) -> FunctionChatModel:
    def reply(messages: list[BaseMessage]) -> str:
        text = messages[-1].text
        return next((r for item, r in replies.items() if f"one {item} have?" in text), "?")
    return FunctionChatModel(reply)


def _noop(_: dict[str, Any]) -> None:
    return None


# --- the policy --------------------------------------------------------------------------

def test_the_policy_names_one_fact_per_counted_item_in_the_asked_unit() -> None:
    facts = ItemTotalsPolicy().fact_questions(LEGS)
    assert [f.ask for f in facts] == ["How many legs does one spider have?",
                                      "How many legs does one praying mantis have?",
                                      "How many legs does one duck have?"]
    assert facts[0].statement == "One spider has {answer} legs."
    wheels = "How many wheels do they have altogether, with 4 cars and 2 bicycles?"
    assert [f.ask for f in ItemTotalsPolicy().fact_questions(wheels)] == [
        "How many wheels does one car have?", "How many wheels does one bicycle have?"]


def test_the_policy_names_nothing_without_a_total_over_several_counted_items() -> None:
    policy = ItemTotalsPolicy()
    assert policy.fact_questions("How many legs does a spider have?") == []
    assert policy.fact_questions("How many legs are there in total if you have 3 spiders?") == []
    assert policy.fact_questions("Tim has 120 stamps and buys 15 more. How many stamps does "
                                 "he have now?") == []
    # the counted thing itself is no item: "3 legs" is not asked about
    assert policy.fact_questions("How many legs are there in total, with 3 legs and 2 legs?") == []


def test_a_counted_plural_becomes_one_item() -> None:
    assert [singular(s) for s in ("scorpions", "fireflys", "praying mantiss", "sheep",
                                  "ant", "bus")] == [
        "scorpion", "firefly", "praying mantis", "sheep", "ant", "bus"]


def test_the_policy_is_on_by_default() -> None:
    assert "item_totals" in [p.name for p in default_policies()]
    assert Settings().policies == ["hashing", "item_totals"]


# --- start: the facts are asked and stated -------------------------------------------------

async def test_start_asks_each_fact_alone_and_states_the_answers_in_the_task() -> None:
    model = _facts_model(KNOWN)
    ctx = GraphContext(model=model)
    update = await start_node({"task": {"question": LEGS}}, ctx, _noop)  # type: ignore[arg-type]
    asked = sorted(call[-1].text for call in model.calls)
    assert asked == sorted(f"How many legs does one {item} have?\nReply with only the final answer."
                           for item in KNOWN)
    task = update["task"]
    assert task["asked"] == LEGS
    assert task["question"] == (f"{LEGS}\n\nFacts: One spider has 8 legs. One praying mantis "
                                "has 6 legs. One duck has 2 legs.")
    assert update["usage"]["model_calls"] == 3
    # the conversation shows the question as asked, without the facts
    assert [m.text for m in update["messages"]] == [LEGS]


async def test_a_reply_without_a_number_adds_no_fact_and_none_adds_nothing() -> None:
    ctx = GraphContext(model=_facts_model({"spider": "eight", "duck": "2"}))
    update = await start_node({"task": {"question": LEGS}}, ctx, _noop)  # type: ignore[arg-type]
    assert update["task"]["question"].endswith("\n\nFacts: One duck has 2 legs.")
    ctx = GraphContext(model=_facts_model({}))
    update = await start_node({"task": {"question": LEGS}}, ctx, _noop)  # type: ignore[arg-type]
    assert "task" not in update and update["usage"]["model_calls"] == 3


async def test_no_fact_is_asked_with_the_policy_off_or_for_other_questions() -> None:
    model = ScriptedChatModel([])  # any call would fail: it has no reply
    off = GraphContext(model=model, settings=Settings(policies=["hashing"]))
    update = await start_node({"task": {"question": LEGS}}, off, _noop)  # type: ignore[arg-type]
    assert "task" not in update
    other = GraphContext(model=model)
    update = await start_node({"task": {"question": "What is 17*23?"}}, other, _noop)  # type: ignore[arg-type]
    assert "task" not in update and update["usage"]["model_calls"] == 0


def test_the_first_number_of_a_reply_is_the_fact() -> None:
    assert [first_number(r) for r in ("8", "A spider has 8 legs.", "-2.5 or so", "none")] == [
        "8", "8", "-2.5", None]


async def test_a_run_answers_from_the_stated_facts_and_remembers_the_question_as_asked() -> None:
    stated: list[str] = []

    def reply(messages: list[BaseMessage]) -> str:
        text = messages[-1].text
        for item, fact in KNOWN.items():
            if f"one {item} have?" in text:
                return fact
        stated.append(text)
        return "3*8 + 2*6 + 1*2 = 38\nAnswer: 38"

    graph = build_graph(FunctionChatModel(reply), [], checkers=[ScriptedChecker(["accept"])],
                        checkpointer=InMemorySaver(), settings=Settings(bare_answer=False))
    out = await graph.ainvoke({"task": {"question": LEGS}},
                              {"configurable": {"thread_id": "facts"}})
    assert out["final"]["answer"] == "38"
    assert stated and all("Facts: One spider has 8 legs." in s for s in stated)
    assert out["history"][-1] == {"question": LEGS, "answer": "38"}
