"""The bare method: the final answer alone, in the words of a bare model call, run beside
direct and program; it is the floor selection falls back to, so the agent never drops
below the bare model for want of asking it."""

from __future__ import annotations

from typing import Any

from graph_helpers import LookupPython as Python
from graph_helpers import ScriptedChecker, act, answer, by_prompt, plan
from langchain_core.messages import BaseMessage

from ponder.agent.evaluate import bare_prompt as eval_bare_prompt
from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec
from ponder.graphs.builder import build_graph
from ponder.graphs.prompts import bare_prompt
from ponder.graphs.state import Candidate, next_index
from ponder.testing import FunctionChatModel

STORY = ("Alice has 3 brothers and she also has 2 sisters. How many sisters does Alice's "
         "brother have?")


async def _run(model: Any, tools: list[Any], question: str, loop: str = "needed", **task: Any
               ) -> dict[str, Any]:
    graph = build_graph(model, tools, checkers=[ScriptedChecker(["unverified"] * 8)],
                        settings=Settings(budget={"tool_loop": loop}))
    return await graph.ainvoke({"task": {"question": question, **task}})


async def test_the_bare_call_is_the_baselines_own_words_and_a_candidate() -> None:
    model = by_prompt(bare="3", direct="She has 2 sisters, plus herself.\nAnswer: 3",
                      program="```python\nprint(2 + 1)\n```", loop=[])
    out = await _run(model, [Python({"print(2 + 1)": "3"})], STORY)
    bare_calls = [c for c in model.calls if str(c[-1].content).endswith("final answer.")]
    assert [str(c[-1].content) for c in bare_calls] == [bare_prompt(STORY)]
    assert bare_prompt(STORY) == eval_bare_prompt(TaskSpec(id="a", prompt=STORY))
    bare = next(c for c in out["candidates"] if c["method"] == "bare")
    assert bare["answer"] == "3" and bare["index"] == 3
    assert out["final"]["answer"] == "3" and out["usage"]["model_calls"] == 3


async def test_on_a_story_the_reasoning_alone_beats_the_bare_answer() -> None:
    # direct (words, reasoned aloud) and the program each stand alone: on a word problem
    # the reasoning comes first, the bare answer second (select.WORD_PROBLEM_RANK).
    model = by_prompt(bare="3", direct="Answer: 2", program="```python\nprint(2)\n```",
                      loop=[plan(("count", "none")), answer("4")])
    out = await _run(model, [Python({"print(2)": "2"})], STORY)
    assert out["final"]["answer"] == "2"  # direct and program agree: two methods
    model = by_prompt(bare="3", direct="Answer: 2", program="```python\nprint(5)\n```",
                      loop=[plan(("count", "none")), answer("4")])
    out = await _run(model, [Python({"print(5)": "5"})], STORY)
    # A word problem's answers stand (no tool loop); this model cannot sample (no draws).
    assert sorted(c["method"] for c in out["candidates"]) == ["bare", "direct", "program"]
    assert out["final"]["answer"] == "2" and not out["final"]["verified"]


async def test_on_a_question_that_is_no_story_the_bare_answer_comes_before_the_reasoning() -> None:
    question = "Name the capital of the country whose flag is a red disc on white."
    model = by_prompt(bare="Tokyo", direct="Answer: Kyoto", program="print('Osaka')",
                      loop=[plan(("look up", "none")), answer("Nagoya")])
    out = await _run(model, [], question)
    assert {c["method"] for c in out["candidates"]} >= {"bare", "direct"}
    assert out["final"]["answer"] == "Tokyo"  # the floor: no other method supports either


async def test_on_exact_work_a_computed_answer_still_beats_the_bare_one() -> None:
    model = by_prompt(bare="400", direct="Answer: 449", program="```python\nprint(17 * 22)\n```",
                      loop=[plan(("multiply", "python")), act("python", "print(17*23)"),
                       answer("391")])
    python = Python({"print(17 * 22)": "374", "print(17*23)": "391"})
    out = await _run(model, [python], "What is 17*23?", loop="always")
    assert out["final"]["answer"] == "391"  # the loop's computation
    model = by_prompt(bare="400", direct="Answer: 449", program="```python\nprint(17 * 23)\n```",
                      loop=[])
    out = await _run(model, [Python({"print(17 * 23)": "391"})], "What is 17*23?")
    assert out["final"]["answer"] == "391"  # the program's, and no loop ran for it


async def test_a_coding_task_has_no_separate_bare_call_its_direct_code_is_one() -> None:
    prompt = 'def double(x):\n    """Twice x.\n    >>> double(2)\n    4\n    """\n'
    seen: list[str] = []

    def reply(messages: list[BaseMessage]) -> Any:
        seen.append(str(messages[-1].content))
        return "```python\ndef double(x):\n    return 2 * x\n```"

    graph = build_graph(FunctionChatModel(reply), [], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings())
    out = await graph.ainvoke({"task": {"question": prompt, "kind": "code",
                                        "entry_point": "double"}})
    # The bare words show the tests the task came with (none), not the examples start
    # added from the docstring, which the prompt already shows.
    assert seen == [bare_prompt(prompt, "code", "double")]
    assert [c["method"] for c in out["candidates"]] == ["direct"]
    assert out["final"]["verified"]


async def test_off_by_setting() -> None:
    model = by_prompt(bare="3", direct="Answer: 3", program="```python\nprint(2 + 1)\n```", loop=[])
    graph = build_graph(model, [Python({"print(2 + 1)": "3"})],
                        checkers=[ScriptedChecker(["unverified"] * 4)],
                        settings=Settings(bare_answer=False))
    out = await graph.ainvoke({"task": {"question": STORY}})
    assert sorted(c["method"] for c in out["candidates"]) == ["direct", "program"]


def _cand(index: int) -> Candidate:
    return Candidate(index=index, answer="x", step=0, code=None)


def test_a_new_candidate_index_follows_every_index_used() -> None:
    # direct (0) and revise (2) with no program (1): the loop's first candidate is 3, not 2.
    assert next_index([_cand(0), _cand(2)]) == 3
    assert next_index([_cand(1)]) == 2 and next_index([]) == 0


async def test_a_programs_boolean_is_the_yes_or_no_the_question_asks_for() -> None:
    question = ("Consider these statements:\n1. All cats are pets\n2. All pets are loved\n\n"
                "Does it logically follow that:\nAll cats are loved?\n(Answer Yes or No)")
    def model() -> Any:
        return by_prompt(bare="Yes", direct="Answer: Yes",
                         program="```python\nprint(True)\n```",
                         loop=[plan(("check", "none")), answer("Yes")])

    out = await _run(model(), [Python({"print(True)": "True"})], question)
    program = next(c for c in out["candidates"] if c["method"] == "program")
    assert program["answer"] == "Yes"  # the form asked for, so it is compared as one
    # Only when the task asks for Yes or No: elsewhere a printed True stays True.
    out = await _run(model(), [Python({"print(True)": "True"})],
                     "Is 7 > 3? Print True or False.")
    assert next(c for c in out["candidates"] if c["method"] == "program")["answer"] == "True"
