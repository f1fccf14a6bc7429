"""The model's own answer comes first (candidate 0, one call, no tools); tools and checks
replace it only with evidence, so the agent's floor is the bare model."""

from __future__ import annotations

from typing import Any

from graph_helpers import ScriptedChecker, act, answer, plan
from pydantic import BaseModel

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.nodes.direct import completed_code, final_answer
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Observation, ToolContext

STORY = ("Olivia takes 11 minutes to finish a chess puzzle and 4 minutes to finish a riddle. "
         "Over the vacation she solved 3 chess puzzles and 6 riddles. How much time did she "
         "spend playing these games in total, in minutes?")


class Prints:
    """A python tool whose every run prints ``output`` (a computation, as far as the
    graph can tell)."""

    name = "python"
    description = "run python"

    class Args(BaseModel):
        code: str

    args_schema = Args

    def __init__(self, output: str) -> None:
        self.output = output

    async def call(self, args: Any, ctx: ToolContext) -> Observation:
        return Observation(tool="python", text=f"[stdout]\n{self.output}",
                           data={"code": args.code, "stdout": self.output + "\n", "value": None})


async def _run(model: ScriptedChatModel, checker: Any, question: str, tools: list[Any] = (),
               loop: str = "needed", **task: Any) -> dict[str, Any]:
    # The program method has its own tests (test_program.py): these are about direct.
    graph = build_graph(model, list(tools), checkers=[checker],
                        settings=Settings(program_answer=False, bare_answer=False,
                                          budget={"tool_loop": loop}))
    return await graph.ainvoke({"task": {"question": question, **task}})


async def test_an_accepted_direct_answer_costs_one_call_and_its_checks() -> None:
    model = ScriptedChatModel(["2 + 2 = 4.\nAnswer: 4"])
    checker = ScriptedChecker(["accept"])
    out = await _run(model, checker, "What is 2 + 2?")
    model.assert_complete()
    assert out["final"]["answer"] == "4" and out["final"]["verified"]
    assert out["usage"]["model_calls"] == 1 and out["plan"] == []
    assert [c["method"] for c in out["candidates"]] == ["direct"]


async def test_without_evidence_the_direct_answer_is_the_floor() -> None:
    model = ScriptedChatModel(["Answer: Paris", plan(("recall", "none")), answer("Lyon")])
    out = await _run(model, ScriptedChecker(["unverified", "unverified"]), "Capital of France?")
    model.assert_complete()
    assert [c["answer"] for c in out["candidates"]] == ["Paris", "Lyon"]
    assert out["final"]["answer"] == "Paris" and not out["final"]["verified"]
    assert out["final"]["method"] == "direct"
    # the tool loop did not see the direct answer (it is a second, independent method)
    assert all("Paris" not in str(m.content) for call in model.calls[1:] for m in call)


async def test_a_rejected_direct_answer_is_replaced_and_its_rejection_told() -> None:
    model = ScriptedChatModel(["Answer: 5", plan(("compute", "none")), answer("4")])
    out = await _run(model, ScriptedChecker(["reject", "unverified"]), "What is 2 + 2?")
    model.assert_complete()
    assert out["final"]["answer"] == "4" and out["final"]["method"] == "loop"
    think = " ".join(str(m.content) for m in model.calls[2])
    assert "A first answer, given without the tool loop, was checked and rejected: scripted reject" in think
    assert '"input": "5"' not in think  # told why, not shown the answer to copy


async def test_a_computed_answer_beats_the_direct_one_on_exact_work() -> None:
    model = ScriptedChatModel(["Answer: 449", plan(("multiply", "python")),
                               act("python", "print(17 * 23)"), answer("391")])
    out = await _run(model, ScriptedChecker(["unverified", "unverified"]), "What is 17*23?",
                     tools=[Prints("391")])
    model.assert_complete()
    assert out["final"]["answer"] == "391"


async def test_on_a_story_problem_a_program_alone_does_not_beat_the_words() -> None:
    model = ScriptedChatModel(["33 + 24 = 57\nAnswer: 57", plan(("compute", "python")),
                               act("python", "print(11 * 3 + 4 * 3)"), answer("45")])
    out = await _run(model, ScriptedChecker(["unverified", "unverified"]), STORY,
                     tools=[Prints("45")], loop="always")
    model.assert_complete()
    assert out["final"]["answer"] == "57"


async def test_code_never_ends_as_a_bare_signature() -> None:
    signature = "def add(a: int, b: int) -> int:"
    model = ScriptedChatModel(["```python\ndef add(a, b):\n    return a + b\n```",
                               plan(("write", "none")), answer(signature)])
    out = await _run(model, ScriptedChecker(["unverified", "unverified"]),
                     f'{signature}\n    """Add two numbers."""\n', loop="always", kind="code",
                     entry_point="add")
    model.assert_complete()
    assert out["final"]["code"] == "def add(a, b):\n    return a + b"


def test_final_answer_reads_the_last_answer_line() -> None:
    assert final_answer("3 * 4 = 12\nAnswer: 12") == "12"
    assert final_answer("First answer: 3\n**Final Answer: 7**") == "7"
    assert final_answer("no marker\n\n42\n") == "42"
    assert final_answer("") == ""
    assert final_answer("Answer: $\\boxed{12}$") == "12"
    assert final_answer("So the product is \\(\\boxed{391}\\).") == "391"
    # A reply that ends in a sentence instead of an Answer: line: the sentence's last number.
    assert final_answer("8 * 4 = 32\nTherefore, the total number of legs is 115.") == "115"
    assert final_answer("Step 1.\nSo she has 1,250 dollars left in all") == "1,250"
    # A last line saying what the answer is: what it says, not the sentence.
    assert final_answer("Thinking.\nThe answer is Paris.") == "Paris."
    assert final_answer("Step 2.\nTherefore, the answer is: No.") == "No."
    assert final_answer("Step 2.\nSo the final answer is 28") == "28"
    assert final_answer("The answer is the sum.\nIt is 12") == "It is 12"


def test_final_answer_reads_a_marker_after_other_words_and_drops_markup() -> None:
    # A marker after other words on its line, or repeated: what follows the last one.
    assert final_answer("Day 3 is a Friday.\nAnswer: Answer: Saturday") == "Saturday"
    assert final_answer("Therefore, the answer is: Answer: Thursday") == "Thursday"
    assert final_answer("My answer: 36") == "36"
    # Earlier in the reasoning, a marker after other words is no final answer.
    assert final_answer("We need to answer: how many legs?\n8 * 4 = 32\nSo the total number of legs is 32.") == "32"
    # Tags around the answer go; the words of an answer stay.
    assert final_answer("<Answer: 9730</Answer>") == "9730"
    assert final_answer("Answer: the answer key") == "the answer key"
    # The prompt's placeholder echoed back is no answer (the direct node then proposes none).
    assert final_answer("Answer: <the answer only>") == ""
    assert final_answer("Some steps.\n<the answer only>") == ""


AGE = ("Mia is 10 years old. Her brother is 7 years older than half of Mia's age. "
       "How old will her brother be in 6 years?")


def test_a_sentence_answering_one_quantity_is_the_one_number_it_adds_to_the_question() -> None:
    # "in 6 years" restates the question; 18 is the answer (before: the whole sentence
    # after a marker, or the sentence's last number, 6, without one).
    sentence = "Mia's brother will be 18 years old in 6 years."
    assert final_answer(f"Half of 10 is 5.\nAnswer: {sentence}", AGE) == "18"
    assert final_answer(f"Half of 10 is 5.\nSo {sentence}", AGE) == "18"
    assert final_answer("Steps.\nThe tank holds 1,250 liters after 6 years in all.", AGE) == "1,250"
    # Without the question, as before.
    assert final_answer(f"Answer: {sentence}") == sentence
    assert final_answer(f"So {sentence}") == "6"


def test_a_sentence_stays_as_it_is_where_its_number_is_not_one_new_quantity() -> None:
    # Two numbers the question does not state: no telling which one answers it.
    two = "Answer: He will be 18 years old and his sister 12 in all."
    assert final_answer(two, AGE) == "He will be 18 years old and his sister 12 in all."
    # No new number: the sentence only restates the question.
    assert final_answer("Answer: Her brother will be older in 6 years than now.", AGE) == (
        "Her brother will be older in 6 years than now.")
    # A short answer is no sentence.
    assert final_answer("Answer: 18 years in 6", AGE) == "18 years in 6"
    # A question for no quantity, or one that states the answer's template.
    assert final_answer("Answer: The meeting is in room 12 on the 3rd floor.",
                        "Where is the meeting? Mia said 6.") == (
        "The meeting is in room 12 on the 3rd floor.")
    flight = "A flight left at 14:05 and landed at 19:57. How long was it? Answer in HH:MM."
    assert final_answer("Answer: The flight took 352 minutes from start to end.", flight) == (
        "The flight took 352 minutes from start to end.")


def test_a_completion_that_is_only_a_body_gets_the_prompts_signature() -> None:
    prompt = 'def double(x: int) -> int:\n    """Twice x."""\n'
    assert completed_code("return 2 * x", prompt, "double") == (
        'def double(x: int) -> int:\n    """Twice x."""\n    return 2 * x')
    # A body followed by prose: the prose is cut, the body kept.
    assert completed_code("    return 2 * x\n\nThis doubles x.", prompt, "double") == (
        'def double(x: int) -> int:\n    """Twice x."""\n    return 2 * x')
    assert completed_code("```python\ndef double(x):\n    return x + x\n```", prompt,
                          "double") == "def double(x):\n    return x + x"


class Blocking:
    """Blocks (an unsettled doubt) the candidates whose answer holds ``doubt``."""

    name = "doubt"

    def __init__(self, doubt: str) -> None:
        self.doubt = doubt

    async def check(self, item: Any) -> Any:
        from ponder.graphs.checkers.base import Verdict

        blocked = self.doubt in item.answer
        return Verdict(checker=self.name, status="unverified", blocks=blocked,
                       reason="an independent implementation disagrees" if blocked else "ok")


async def test_loop_code_replaces_direct_code_only_when_the_direct_one_is_in_doubt() -> None:
    prompt = 'def add(a, b):\n    """Add."""\n'
    model = ScriptedChatModel(["```python\ndef add(a, b):\n    return a - b\n```",
                               plan(("write", "none")),
                               answer("def add(a, b):\n    return a + b")])
    out = await _run(model, Blocking("a - b"), prompt, loop="always", kind="code",
                     entry_point="add")
    model.assert_complete()
    assert out["final"]["code"] == "def add(a, b):\n    return a + b"


async def test_every_candidate_event_says_which_method_proposed_it() -> None:
    model = ScriptedChatModel(["Answer: 5", "5", plan(("compute", "none")), answer("4")])
    graph = build_graph(model, [], checkers=[ScriptedChecker(["reject", "reject", "unverified"])],
                        settings=Settings(program_answer=False, bare_answer=True))
    events = [chunk async for mode, chunk in graph.astream(
        {"task": {"question": "What is 2 + 2?"}}, stream_mode=["custom"])]
    model.assert_complete()
    proposed = {e["index"]: e["method"] for e in events if e["type"] == "candidate"}
    assert sorted(proposed.values()) == ["bare", "direct", "loop"]
    final = next(e["result"] for e in events if e["type"] == "final")
    assert final["method"] == "loop" and proposed[max(proposed)] == "loop"


def test_the_fix_after_a_quoted_line_and_an_indented_body_are_kept() -> None:
    """A reply quoting the broken line first gave that line as the function's body; a
    body sent indented kept its first line only (the rest did not parse and was cut)."""
    prompt = 'def f(n):\n    """Sum of squares below n."""\n'
    quoted = ("The bug is in this line:\n```python\n    return n + n\n```\nCorrected:\n"
              "```python\ndef f(n):\n    return sum(x * x for x in range(n))\n```\n")
    assert completed_code(quoted, prompt, "f").endswith("return sum(x * x for x in range(n))")
    body = "    total = 0\n    for x in range(n):\n        total += x * x\n    return total"
    for reply in (body, f"```python\n{body}\n```"):
        code = completed_code(reply, prompt, "f")
        namespace: dict = {}
        exec(code, namespace)  # the function just built
        assert namespace["f"](4) == 14, code


def test_a_function_written_as_a_method_of_a_class_is_bound_at_the_top() -> None:
    """``class Solution: def f(self, xs)`` passed as defining ``f``; the tests' ``f(...)``
    was a NameError."""
    prompt = 'def total(xs):\n    """Sum of xs."""\n'
    reply = "```python\nclass Solution:\n    def total(self, xs):\n        return sum(xs)\n```"
    code = completed_code(reply, prompt, "total")
    namespace: dict = {}
    exec(code, namespace)  # the function just built
    assert namespace["total"]([1, 2, 3]) == 6
    plain = completed_code("```python\ndef total(xs):\n    return sum(xs)\n```", prompt, "total")
    assert "Solution" not in plain and plain.strip().startswith("def total")


def test_a_bound_method_gets_a_new_instance_per_call_and_a_stub_fence_loses() -> None:
    prompt = 'def count(xs):\n    """How many."""\n'
    reply = ("```python\nclass Solution:\n    def __init__(self):\n        self.seen = []\n\n"
             "    def count(self, xs):\n        self.seen.extend(xs)\n        return len(self.seen)\n```")
    namespace: dict = {}
    exec(completed_code(reply, prompt, "count"), namespace)  # the function just built
    assert namespace["count"]([1, 2]) == 2 and namespace["count"]([1, 2]) == 2
    # A later fence that only stubs the function (a harness) does not replace the answer.
    stubbed = ("```python\ndef count(xs):\n    return len(xs)\n```\nTest it with:\n"
               "```python\ndef count(xs):\n    ...\n\nassert count([1]) == 1\n```")
    assert "return len(xs)" in completed_code(stubbed, prompt, "count")
