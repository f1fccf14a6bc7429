"""The program method (a second first method, side by side with direct via Send) and the
one selector: agreement across methods selects and can end a run early, but never
verifies; one method alone is ranked by what the task is."""

from __future__ import annotations

import asyncio
from typing import Any

from graph_helpers import LookupPython as Python
from graph_helpers import ScriptedChecker, act, answer, by_prompt, plan
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.agreement import AgreementChecker
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.program import IndependentProgramChecker
from ponder.graphs.nodes.program import printed_answer
from ponder.graphs.routing import next_after_verify
from ponder.graphs.select import agree, best, first_methods_agree, support, two_valued
from ponder.graphs.state import empty_usage
from ponder.testing import FunctionChatModel, ScriptedChatModel

STORY = ("Olivia takes 11 minutes to finish a chess puzzle and 4 minutes to finish a riddle. "
         "Over the vacation she solved 3 chess puzzles and 6 riddles. How much time did she "
         "spend playing these games in total, in minutes?")


async def _run(model: Any, tools: list[Any], question: str, loop: str = "needed", **task: Any
               ) -> dict[str, Any]:
    graph = build_graph(model, tools, checkers=[ScriptedChecker(["unverified"] * 6)],
                        settings=Settings(bare_answer=False, budget={"tool_loop": loop}))
    return await graph.ainvoke({"task": {"question": question, **task}})


async def test_direct_and_program_agreeing_end_the_run_unverified() -> None:
    model = by_prompt("17 * 23 = 391\nAnswer: 391", "```python\nprint(17 * 23)\n```", [])
    python = Python({"print(17 * 23)": "391"})
    out = await _run(model, [python], "What is 17*23?")
    assert sorted(c["method"] for c in out["candidates"]) == ["direct", "program"]
    assert out["final"]["answer"] == "391" and not out["final"]["verified"]
    assert out["plan"] == [] and out["usage"]["model_calls"] == 2
    assert python.ran == ["print(17 * 23)"]


async def test_disagreement_goes_to_the_loop_and_agreement_across_methods_selects() -> None:
    model = by_prompt("Answer: 449", "```python\nprint(17 * 23)\n```",
                      [plan(("multiply", "python")), act("python", "print(17*23)"),
                       answer("391")])
    python = Python({"print(17 * 23)": "391", "print(17*23)": "391"})
    out = await _run(model, [python], "What is 17*23?", loop="always")
    methods = [c["method"] for c in out["candidates"]]
    assert sorted(methods[:2]) == ["direct", "program"] and methods[2:] == ["loop"]
    assert out["final"]["answer"] == "391" and not out["final"]["verified"]


async def test_a_computed_answer_that_stands_ends_the_run_before_the_loop() -> None:
    # by_prompt's loop script is empty: a tool-loop call would fail the run.
    model = by_prompt("Answer: 449", "```python\nprint(17 * 23)\n```", [])
    out = await _run(model, [Python({"print(17 * 23)": "391"})], "What is 17*23?")
    assert sorted(c["method"] for c in out["candidates"]) == ["direct", "program"]
    assert out["final"]["answer"] == "391" and out["plan"] == []
    assert out["usage"]["model_calls"] == 2


async def test_the_loop_never_sees_the_first_answers() -> None:
    model = by_prompt("Answer: 449", "```python\nprint(17 * 22)\n```",
                      [plan(("multiply", "python")), answer("391")])
    await _run(model, [Python({"print(17 * 22)": "374"})], "What is 17*23?", loop="always")
    loop_prompts = [" ".join(str(m.content) for m in call) for call in model.calls[2:]]
    assert loop_prompts and not any("449" in p or "374" in p for p in loop_prompts)


async def test_a_failed_program_gets_one_repair_and_counts_it() -> None:
    model = by_prompt("Answer: 391", "```python\nprint(x)\n```",
                      ["```python\nprint(17 * 23)\n```"])
    python = Python({"print(17 * 23)": "391"})
    out = await _run(model, [python], "What is 17*23?")
    program = next(c for c in out["candidates"] if c["method"] == "program")
    assert program["answer"] == "391" and program["program"]["code"] == "print(17 * 23)"
    assert program["program"]["ran"] == ["print(x)", "print(17 * 23)"]
    assert out["final"]["answer"] == "391" and out["plan"] == []


DEFINES = "def mul(a, b):\n    return a * b"
CALLS = f"{DEFINES}\n\nprint(mul(17, 23))\n"


async def test_a_program_that_defines_a_function_and_never_calls_it_gets_the_call() -> None:
    """Dev `truth-12` at `e7b186f`: the program defined `canFinish(...)` and never called
    it, so it printed nothing and the method had no candidate. One call, shown the task
    and the code, asks for the line that calls the function; it runs after the program,
    in the session."""
    model = by_prompt("Answer: 391", f"```python\n{DEFINES}\n```",
                      ["```python\nprint(mul(17, 23))\n```"])
    python = Python({DEFINES: "", CALLS: "391"})
    out = await _run(model, [python], "What is 17*23?")
    program = next(c for c in out["candidates"] if c["method"] == "program")
    assert program["answer"] == "391" and program["program"]["code"] == CALLS
    assert program["program"]["ran"] == [DEFINES, CALLS]
    asked = str(model.calls[-1][-1].content)
    assert "Task: What is 17*23?" in asked and DEFINES in asked and "`mul`" in asked
    assert out["usage"]["repairs"] == 1 and out["usage"]["model_calls"] == 3


async def test_a_program_still_silent_after_the_call_proposes_nothing() -> None:
    # The reply may be the bare line, with no fence.
    silent = f"{DEFINES}\n\nmul(1, 1)\n"
    model = by_prompt("Answer: 391", f"```python\n{DEFINES}\n```",
                      ["mul(1, 1)", plan(("multiply", "none")), answer("391")])
    python = Python({DEFINES: "", silent: ""})
    out = await _run(model, [python], "What is 17*23?")
    assert "program" not in [c["method"] for c in out["candidates"]]
    assert python.ran == [DEFINES, silent]
    assert out["usage"]["repairs"] == 1


async def test_a_silent_program_without_an_uncalled_function_gets_no_call() -> None:
    model = by_prompt("Answer: 391", "```python\nx = 17 * 23\n```",
                      [plan(("multiply", "none")), answer("391")])
    python = Python({"x = 17 * 23": ""})
    out = await _run(model, [python], "What is 17*23?")
    assert python.ran == ["x = 17 * 23"] and out["usage"].get("repairs", 0) == 0


def test_uncalled_function_is_the_last_top_level_function_never_called() -> None:
    from ponder.graphs.nodes.program import uncalled_function

    assert uncalled_function(DEFINES) == "mul"
    assert uncalled_function(f"{DEFINES}\nprint(mul(2, 3))") is None
    assert uncalled_function("def helper(x):\n    return x\n\ndef main(x):\n"
                             "    return helper(x)") == "main"
    assert uncalled_function("x = 1") is None and uncalled_function("def (") is None


async def test_no_program_for_code_tasks_or_without_python() -> None:
    code = ScriptedChatModel(["```python\ndef add(a, b):\n    return a + b\n```"])
    graph = build_graph(code, [Python({})], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(bare_answer=False))
    out = await graph.ainvoke({"task": {"question": "def add(a, b):\n    '''Add.'''\n",
                                        "kind": "code", "entry_point": "add"}})
    assert [c["method"] for c in out["candidates"]] == ["direct"]
    words = ScriptedChatModel(["Answer: Paris"])
    graph = build_graph(words, [], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(bare_answer=False))
    out = await graph.ainvoke({"task": {"question": "Capital of France?"}})
    assert [c["method"] for c in out["candidates"]] == ["direct"]


async def test_direct_and_program_run_at_the_same_time() -> None:
    started: list[str] = []
    both = asyncio.Event()

    class Slow(FunctionChatModel):
        async def _agenerate(self, messages: list[BaseMessage], *a: Any, **k: Any) -> Any:
            started.append(str(messages[-1].content)[:20])
            if len(started) == 2:
                both.set()
            await asyncio.wait_for(both.wait(), 5)  # deadlocks (times out) if sequential
            return self._generate(messages, *a, **k)

    inner = by_prompt("Answer: 391", "```python\nprint(17 * 23)\n```", [])
    model = Slow(inner.fn)
    out = await _run(model, [Python({"print(17 * 23)": "391"})], "What is 17*23?")
    assert len(started) == 2 and out["final"]["answer"] == "391"


# --- selection and routing, without a graph -----------------------------------------

def _state(question: str, cands: list[dict[str, Any]], verdicts: list[dict[str, Any]] = (),
           **kw: Any) -> dict[str, Any]:
    return {"task": {"question": question}, "candidates": cands, "verdicts": list(verdicts),
            "usage": empty_usage(), "trajectory": [], **kw}


def _program(index: int, answer: str, code: str = "print(3 * 4)") -> dict[str, Any]:
    return {"index": index, "answer": answer, "step": 0, "code": None, "method": "program",
            "program": {"code": code, "stdout": answer, "value": None, "ok": True,
                        "computed": "print(" not in code or "*" in code, "ran": [code]}}


def _direct(answer: str) -> dict[str, Any]:
    return {"index": 0, "answer": answer, "step": 0, "code": None, "method": "direct"}


def _v(index: int, status: str, checker: str = "c") -> dict[str, Any]:
    return {"candidate": index, "checker": checker, "status": status, "reason": "r",
            "evidence": []}


def test_answers_agree_by_number_or_by_words() -> None:
    assert agree("391", "391.0") and agree("$1,200", "1200") and agree("Friday", "friday.")
    assert not agree("391", "392") and not agree("12", "12 and 13")
    assert not agree("Friday", "Saturday") and not agree("", "")


def test_on_exact_work_a_computation_beats_the_words() -> None:
    cand, status = best(_state("What is 3*4?", [_direct("7"), _program(1, "12")],
                               [_v(0, "unverified"), _v(1, "unverified")]))
    assert cand is not None and cand["answer"] == "12" and status == "unverified"


def test_on_a_story_the_words_beat_a_program_alone() -> None:
    cand, _ = best(_state(STORY, [_direct("57"), _program(1, "45")],
                          [_v(0, "unverified"), _v(1, "unverified")]))
    assert cand is not None and cand["answer"] == "57"


def test_two_methods_agreeing_beat_the_stronger_method_alone() -> None:
    loop = {"index": 2, "answer": "45", "step": 0, "code": None, "method": "loop"}
    s = _state(STORY, [_direct("57"), _program(1, "45"), loop],
               [_v(0, "unverified"), _v(1, "unverified"), _v(2, "unverified")])
    cand, _ = best(s)
    assert cand is not None and cand["answer"] == "45"
    assert support(loop, s["candidates"]) == {"loop", "program"}


def test_samples_of_one_method_count_once() -> None:
    early = {"index": 2, "answer": "45", "step": 0, "code": None, "method": "loop"}
    late = {"index": 3, "answer": "45", "step": 1, "code": None, "method": "loop"}
    s = _state(STORY, [_direct("57"), early, late],
               [_v(0, "unverified"), _v(2, "unverified"), _v(3, "unverified")])
    cand, _ = best(s)
    assert cand is not None and cand["answer"] == "57"


def test_the_bare_answer_and_the_direct_reasoning_are_one_source() -> None:
    """Two calls of the model alone agreeing on 108 do not outvote a computation alone on
    exact work; a computation agreeing with them still counts as a second source."""
    bare = {"index": 3, "answer": "108", "step": 0, "code": None, "method": "bare"}
    s = _state("What is the least common multiple of 24 and 47?",
               [_direct("108"), _program(1, "1128", "print(24 * 47)"), bare],
               [_v(i, "unverified") for i in (0, 1, 3)])
    assert support(bare, s["candidates"]) == {"words"}
    cand, _ = best(s)
    assert cand is not None and cand["answer"] == "1128"
    s["candidates"][1] = _program(1, "108", "print(24 * 9 // 2)")
    assert support(bare, s["candidates"]) == {"words", "program"}


def test_agreement_on_a_two_valued_answer_is_no_evidence() -> None:
    """Two methods saying "Yes" agree by chance half the time: the bare answer, the floor,
    keeps its place; agreement on a number still counts."""
    question = "All cats are mammals. Some mammals fly. Does it follow that some cats fly?"
    bare = {"index": 3, "answer": "No", "step": 0, "code": None, "method": "bare"}
    loop = {"index": 4, "answer": "yes.", "step": 0, "code": None, "method": "loop"}
    s = _state(question, [_direct("Yes"), _program(1, "True", "print('True')"), bare, loop],
               [_v(i, "unverified") for i in (0, 1, 3, 4)])
    assert support(loop, s["candidates"]) == {"loop"}
    cand, _ = best(s)
    assert cand is not None and cand["answer"] == "No"
    assert two_valued("**True.**") and two_valued(" no ") and not two_valued("No cats fly")
    both = _state("Is 391 = 17*23? Answer True or False.",
                  [_direct("True"), _program(1, "True", "print(17 * 23 == 391)")],
                  [_v(0, "unverified"), _v(1, "unverified")])
    assert not first_methods_agree(both)  # the tool loop still runs
    numbers = _state("What is 3*4?", [_direct("12"), _program(1, "12"), bare],
                     [_v(0, "unverified"), _v(1, "unverified"), _v(3, "unverified")])
    assert len(support(numbers["candidates"][0], numbers["candidates"])) == 2


def test_an_accepted_candidate_wins_and_rejected_ones_lose() -> None:
    s = _state("What is 3*4?", [_direct("12"), _program(1, "13")],
               [_v(0, "accept"), _v(1, "unverified")])
    assert best(s) == (s["candidates"][0], "accept")
    s = _state("What is 3*4?", [_direct("12"), _program(1, "13")],
               [_v(0, "unverified"), _v(1, "reject")])
    cand, _ = best(s)
    assert cand is not None and cand["answer"] == "12"


def test_first_answers_agreeing_finalize_and_disagreeing_plan() -> None:
    budget = Settings(budget={"tool_loop": "always"}).budget
    agreeing = _state("What is 3*4?", [_direct("12"), _program(1, "12")],
                      [_v(0, "unverified"), _v(1, "unverified")])
    assert first_methods_agree(agreeing) and next_after_verify(agreeing, budget) == "finalize"
    differing = _state("What is 3*4?", [_direct("7"), _program(1, "12")],
                       [_v(0, "unverified"), _v(1, "unverified")])
    assert next_after_verify(differing, budget) == "plan"
    rejected = _state("What is 3*4?", [_direct("12"), _program(1, "12")],
                      [_v(0, "unverified"), _v(1, "reject")])
    assert next_after_verify(rejected, budget) == "plan"
    literal = _state("What is 3*4?", [_direct("12"), _program(1, "12", "print(12)")],
                     [_v(0, "unverified"), _v(1, "unverified")])
    assert not first_methods_agree(literal)  # a program that typed the answer computed nothing
    assert next_after_verify(_state("q", []), budget) == "plan"


def test_the_tool_loop_runs_only_when_no_first_answer_of_the_needed_strength_stands() -> None:
    needed = Settings().budget
    assert needed.tool_loop == "needed"
    # Exact work: a computed answer no check rejected stands, though the words differ.
    differing = _state("What is 3*4?", [_direct("7"), _program(1, "12")],
                       [_v(0, "unverified"), _v(1, "unverified")])
    assert next_after_verify(differing, needed) == "finalize"
    assert best(differing)[0]["answer"] == "12"
    # ... but not once rejected, nor a program that only typed its answer: words alone
    # are not enough where the loop may compute the answer or look it up.
    rejected = {**differing, "verdicts": [_v(0, "unverified"), _v(1, "reject")]}
    assert next_after_verify(rejected, needed) == "plan"
    literal = _state("What is 3*4?", [_direct("7"), _program(1, "12", "print(12)")],
                     [_v(0, "unverified"), _v(1, "unverified")])
    assert next_after_verify(literal, needed) == "plan"
    assert next_after_verify(_state("Who wrote Hamlet?", [_direct("Marlowe")],
                                    [_v(0, "unverified")]), needed) == "plan"
    # A computed yes/no is no stronger than a guess: the loop still adds its vote.
    program = _program(1, "No", "print('No' if 91 % 7 == 0 else 'Yes')")
    program["program"]["computed"] = True
    yes_no = _state("Is 91 a prime number? Answer yes or no.", [_direct("yes"), program],
                    [_v(0, "unverified"), _v(1, "unverified")])
    assert next_after_verify(yes_no, needed) == "plan"
    program["answer"] = "7"  # the same program computing a number stands
    assert next_after_verify(yes_no, needed) == "finalize"
    # A word problem: the model's words stand (its programs misread stories as well).
    story = _state(STORY, [_direct("57"), _program(1, "45", "print(11 * 3 + 4 * 3)")],
                   [_v(0, "unverified"), _v(1, "reject")])
    assert next_after_verify(story, needed) == "finalize"
    every = {**story, "verdicts": [_v(0, "reject"), _v(1, "reject")]}
    assert next_after_verify(every, needed) == "plan"
    assert next_after_verify(_state("q", []), needed) == "plan"


def test_printed_answer_is_the_last_short_line() -> None:
    assert printed_answer("working\n35.0\n", None) == "35"
    assert printed_answer("", "'Friday'") == "Friday"
    assert printed_answer("x" * 300, None) == "" and printed_answer("", None) == ""


# --- checkers that compare methods ---------------------------------------------------

def _never(messages: list[BaseMessage]) -> Any:
    raise AssertionError("the checker must not call the model")


def _computed(answer: str) -> list[dict[str, Any]]:
    return [{"action": {"tool": "python", "args": {"code": "print(11 * 3 + 4 * 3)"}},
             "ok": True, "kind": "python",
             "python": {"code": "print(11 * 3 + 4 * 3)", "stdout": answer, "value": None,
                        "error": None}}]


async def test_agreement_uses_the_direct_answer_as_the_words_method() -> None:
    checker = AgreementChecker(FunctionChatModel(_never))
    item = CheckInput(question=STORY, answer="45", trajectory=_computed("45"),
                      method="program", other_answers={"direct": "57"})
    verdict = await checker.check(item)
    # A first method's program against the words: a doubt for the selector, which blocks
    # acceptance, not a rejection (either method may have misread the story).
    assert verdict.status == "unverified" and verdict.blocks and "gives 57" in verdict.reason
    drawn = await checker.check(item.model_copy(update={"method": "program_sample"}))
    assert drawn.status == "unverified" and drawn.blocks
    loop = await checker.check(item.model_copy(update={"method": "loop"}))
    assert loop.status == "reject" and "gives 57" in loop.reason
    same = await checker.check(item.model_copy(update={"other_answers": {"direct": "45"}}))
    assert same.status == "unverified" and "agreeing" in same.reason and not same.blocks


async def test_the_second_program_leaves_a_first_program_to_the_direct_answer() -> None:
    checker = IndependentProgramChecker(FunctionChatModel(_never), lambda: None)  # type: ignore[arg-type,return-value]
    item = CheckInput(question="What is 17*23?", answer="391", trajectory=_computed("391"),
                      method="program", other_answers={"direct": "449"})
    verdict = await checker.check(item)
    assert verdict.status == "unverified" and "first-method program" in verdict.reason


# --- code: one revision shown the failing examples ----------------------------------

class ExampleChecker:
    """Judges code by whether it contains ``good`` (as if the examples had run)."""

    name = "code-rerun"

    def __init__(self, good: str) -> None:
        self.good = good

    async def check(self, item: CheckInput) -> Any:
        from ponder.graphs.checkers.base import Verdict

        if self.good in (item.code or ""):
            return Verdict(checker=self.name, status="accept", reason="all 3 tests pass",
                           score=1.0)
        return Verdict(checker=self.name, status="reject", score=1 / 3, reason=(
            "1 of 3 tests pass. Failing: `assert count('xyzXYZ') == 3`: count('xyzXYZ') "
            "returned 6, expected 3"))


SIGNATURE = "def count(s: str) -> int:\n    \"\"\"Distinct letters, ignoring case.\"\"\"\n"


async def _code_run(replies: list[str], loop: str = "needed"
                    ) -> tuple[dict[str, Any], ScriptedChatModel]:
    model = ScriptedChatModel(replies)
    graph = build_graph(model, [], checkers=[ExampleChecker(".lower()")],
                        settings=Settings(bare_answer=False, budget={"tool_loop": loop}))
    out = await graph.ainvoke({"task": {"question": SIGNATURE, "kind": "code",
                                        "entry_point": "count"}})
    return out, model


async def test_failing_examples_get_one_revision_that_sees_expected_and_actual() -> None:
    out, model = await _code_run([
        "```python\ndef count(s):\n    return len(set(s))\n```",
        "```python\ndef count(s):\n    return len(set(s.lower()))\n```"])
    model.assert_complete()
    revision_prompt = str(model.calls[1][-1].content)
    assert "count('xyzXYZ') returned 6, expected 3" in revision_prompt
    assert "return len(set(s))" in revision_prompt
    assert [c["method"] for c in out["candidates"]] == ["direct", "revise"]
    assert out["final"]["verified"] and ".lower()" in out["final"]["code"]
    assert out["plan"] == []


async def test_when_every_candidate_fails_the_one_passing_most_examples_is_returned() -> None:
    from ponder.graphs.select import best

    cands = [{"index": i, "answer": f"def count(s):\n    return {i}", "step": 0,
              "code": f"def count(s):\n    return {i}", "method": m}
             for i, m in enumerate(["direct", "loop", "loop"])]
    verdicts = [_v(0, "reject") | {"score": 0.5}, _v(1, "reject") | {"score": 0.75},
                _v(2, "reject") | {"score": 0.25}]
    state = {"task": {"question": SIGNATURE, "kind": "code", "entry_point": "count"},
             "candidates": cands, "verdicts": verdicts, "trajectory": []}
    cand, status = best(state)  # type: ignore[arg-type]
    assert cand is not None and cand["index"] == 1 and status == "reject"


async def test_a_function_whose_test_run_never_finished_does_not_replace_a_tested_one() -> None:
    """The time budget cut off the checks of a revision and a sample (unverified,
    blocking, no score): the selector took the untested sample over the direct function
    that passed two of three examples."""
    from ponder.graphs.select import best

    cands = [{"index": i, "answer": f"def count(s):\n    return {i}", "step": 0,
              "code": f"def count(s):\n    return {i}", "method": m}
             for i, m in enumerate(["direct", "revise", "sample"])]
    cut = {"status": "unverified", "blocks": True,
           "reason": "the time budget ran out before this check finished"}
    verdicts = [_v(0, "reject") | {"score": 2 / 3}, _v(1, "unverified") | cut,
                _v(2, "unverified") | cut]
    state = {"task": {"question": SIGNATURE, "kind": "code", "entry_point": "count"},
             "candidates": cands, "verdicts": verdicts, "trajectory": []}
    cand, status = best(state)  # type: ignore[arg-type]
    assert cand is not None and cand["index"] == 0 and status == "reject"


async def test_a_failing_revision_is_revised_again_not_the_direct_code() -> None:
    # The first revision still fails; the second round is shown the revision (the best so
    # far, the latest on a tie) with its failures, and draws no samples.
    out, model = await _code_run([
        "```python\ndef count(s):\n    return len(set(s))\n```",
        "```python\ndef count(s):\n    return len(set(s.strip()))\n```",
        "```python\ndef count(s):\n    return len(set(s.strip().lower()))\n```"])
    model.assert_complete()
    second = str(model.calls[2][-1].content)
    assert "return len(set(s.strip()))" in second and "returned 6, expected 3" in second
    assert [(c["index"], c["method"]) for c in out["candidates"]] == [
        (0, "direct"), (2, "revise"), (4, "revise")]
    assert out["final"]["verified"] and ".lower()" in out["final"]["code"]
    assert out["usage"]["revisions"] == 2 and out["revised"] == [0, 2]
    assert out["plan"] == []


async def test_revision_rounds_stop_at_the_budget_and_the_loop_takes_over() -> None:
    model = ScriptedChatModel([
        "```python\ndef count(s):\n    return len(set(s))\n```",
        "```python\ndef count(s):\n    return len(set(s)) + 0\n```",
        plan(("write", "none")), answer("def count(s):\n    return len(set(s.lower()))")])
    graph = build_graph(model, [], checkers=[ExampleChecker(".lower()")],
                        settings=Settings(bare_answer=False, budget={
                            "max_revisions": 1, "tool_loop": "always"}))
    out = await graph.ainvoke({"task": {"question": SIGNATURE, "kind": "code",
                                        "entry_point": "count"}})
    model.assert_complete()
    assert [c["method"] for c in out["candidates"]] == ["direct", "revise", "loop"]
    assert out["usage"]["revisions"] == 1 and out["final"]["verified"]


async def test_with_the_loop_when_needed_a_failing_function_ends_the_run_after_the_rounds(
) -> None:
    # Two replies only: a call of the tool loop would find no scripted reply and fail.
    model = ScriptedChatModel([
        "```python\ndef count(s):\n    return len(set(s))\n```",
        "```python\ndef count(s):\n    return len(set(s)) + 0\n```"])
    graph = build_graph(model, [], checkers=[ExampleChecker(".lower()")],
                        settings=Settings(bare_answer=False, budget={"max_revisions": 1}))
    out = await graph.ainvoke({"task": {"question": SIGNATURE, "kind": "code",
                                        "entry_point": "count"}})
    model.assert_complete()
    assert [c["method"] for c in out["candidates"]] == ["direct", "revise"]
    # A complete function, not verified: every function failed the examples.
    assert out["final"]["answer"].startswith("def count(s):")
    assert not out["final"]["verified"] and out["usage"]["revisions"] == 1


async def test_revision_rounds_leave_the_tool_loop_all_its_verify_rounds() -> None:
    model = ScriptedChatModel([
        "```python\ndef count(s):\n    return len(set(s))\n```",
        "```python\ndef count(s):\n    return len(set(s)) + 0\n```",
        "```python\ndef count(s):\n    return len(set(s)) * 1\n```",
        plan(("write", "none")), answer("def count(s):\n    return len(set(s)) - 0"),
        answer("def count(s):\n    return len(set(s.lower()))")])
    graph = build_graph(model, [], checkers=[ExampleChecker(".lower()")],
                        settings=Settings(bare_answer=False, budget={
                            "max_revisions": 2, "max_verify_rounds": 2,
                            "replan_after_rejections": 5, "tool_loop": "always"}))
    out = await graph.ainvoke({"task": {"question": SIGNATURE, "kind": "code",
                                        "entry_point": "count"}})
    model.assert_complete()
    # Two revision rounds spent none of the loop's two verify rounds: its second answer
    # was still verified.
    assert [c["method"] for c in out["candidates"]] == [
        "direct", "revise", "revise", "loop", "loop"]
    assert out["usage"]["verify_rounds"] == 2 and out["final"]["verified"]


class SamplingModel(BaseChatModel):
    """A chat model with a temperature and a seed, so ``hotter()`` can sample it; every
    copy records its calls in the shared ``seen`` list. At temperature 0 it gives the
    case-sensitive function; hot, seed 9 gives the right one and other seeds wrong ones."""

    temperature: float = 0.0
    seed: int | None = 7
    seen: list[tuple[float, int | None, str]]
    fixes_when_hot: bool = False  # a revision asked hot gives the right function

    @property
    def _llm_type(self) -> str:
        return "sampling-test"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        last = str(messages[-1].content)
        self.seen.append((self.temperature, self.seed, last))
        body = "len(set(s))"  # the revision and the cold call repeat the mistake
        if self.temperature > 0 and "It fails the task's tests" not in last:
            body = "len(set(s.lower()))" if self.seed == 9 else f"len(s) - {self.seed}"
        elif self.temperature > 0 and self.fixes_when_hot:
            body = "len(set(s.lower()))"
        text = f"```python\ndef count(s):\n    return {body}\n```"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])


async def test_failing_examples_also_draw_fresh_samples_and_one_that_passes_wins() -> None:
    model = SamplingModel(seen=[])
    seen = model.seen  # shared by hotter()'s (shallow) copies
    graph = build_graph(model, [], checkers=[ExampleChecker(".lower()")],
                        settings=Settings(bare_answer=False, code_samples=2))
    out = await graph.ainvoke({"task": {"question": SIGNATURE, "kind": "code",
                                        "entry_point": "count"}})
    hot = [(t, s) for t, s, p in seen if t > 0 and "It fails" not in p]
    assert sorted(hot) == [(0.8, 8), (0.8, 9)]  # two different samples of the bare call
    assert all(p.endswith("Reply with only the code in one ```python block.")
               for t, _, p in seen if t > 0 and "It fails" not in p)
    # The revision repeated direct, so it was asked once more, hot, with a seed of its
    # own; it repeated it again and was dropped.
    assert [(t, s) for t, s, p in seen if "It fails" in p] == [(0.0, 7), (0.8, 10)]
    methods = sorted(c["method"] for c in out["candidates"])
    assert methods == ["direct", "sample", "sample"]
    assert out["final"]["verified"] and ".lower()" in out["final"]["code"]
    assert out["usage"]["model_calls"] == 5 and out["usage"]["revisions"] == 1
    assert out["usage"]["resamples"] == 1
    assert out["plan"] == []  # no tool loop


async def test_a_revision_that_repeats_the_code_is_asked_once_more_hot() -> None:
    model = SamplingModel(seen=[], fixes_when_hot=True)
    graph = build_graph(model, [], checkers=[ExampleChecker(".lower()")],
                        settings=Settings(bare_answer=False, code_samples=0))
    out = await graph.ainvoke({"task": {"question": SIGNATURE, "kind": "code",
                                        "entry_point": "count"}})
    assert [(t, s) for t, s, p in model.seen if "It fails" in p] == [(0.0, 7), (0.8, 8)]
    assert [c["method"] for c in out["candidates"]] == ["direct", "revise"]
    assert out["final"]["verified"] and ".lower()" in out["final"]["code"]
    assert out["usage"]["resamples"] == 1 and out["plan"] == []


async def test_a_revision_that_adds_nothing_is_not_asked_again() -> None:
    # The revision returns the direct code unchanged and nothing else is drawn: the run
    # goes on (to the tool loop with tool_loop "always"; with "needed" it ends with the
    # direct function) instead of asking for a revision again and again.
    same = "```python\ndef count(s):\n    return len(set(s))\n```"
    out, model = await _code_run([same, same, plan(("write", "none")), answer(
        "def count(s):\n    return len(set(s.lower()))")], loop="always")
    model.assert_complete()
    assert [c["method"] for c in out["candidates"]] == ["direct", "loop"]
    assert out["usage"]["revisions"] == 1 and out["final"]["verified"]
    out, model = await _code_run([same, same])
    model.assert_complete()
    assert [c["method"] for c in out["candidates"]] == ["direct"]
    assert out["usage"]["revisions"] == 1 and not out["final"]["verified"]


def test_a_loop_answers_check_input_carries_the_code_the_program_ran_in_its_session() -> None:
    """The program method runs in the thread's python session before the tool loop, so the
    checkers of a loop answer are given that code to replay first (code-rerun); a program
    candidate's own check input needs none (its trajectory is its own run)."""
    from ponder.graphs.nodes.verify import check_input

    program = {"code": "import hashlib\nprint(1)", "stdout": "1\n", "value": None, "ok": True,
               "computed": True, "ran": ["import hashlib\nprint(h)", "import hashlib\nprint(1)"]}
    state: Any = {
        "task": {"question": "q", "kind": "question"}, "trajectory": [],
        "candidates": [{"index": 1, "answer": "1", "step": 0, "code": None,
                        "method": "program", "program": program},
                       {"index": 4, "answer": "1", "step": 0, "code": None, "method": "loop"}],
    }
    loop = check_input(state, "t")
    assert loop.session_code == program["ran"]
    assert check_input(state, "t", state["candidates"][0]).session_code == []
    without_ran = {**program, "ran": []}
    state["candidates"][0]["program"] = without_ran
    assert check_input(state, "t").session_code == [program["code"]]


def test_a_drawn_programs_check_input_carries_the_programs_that_ran_before_it() -> None:
    """Drawn programs run in the session after the first program (dev `story-8` at
    `e7b186f`: a draw printed `students * 3` with the first program's `students`, and its
    re-run alone failed with a NameError): their re-run replays what ran before them, and
    nothing that ran after."""
    from ponder.graphs.nodes.verify import check_input

    def run(code: str) -> dict[str, Any]:
        return {"code": code, "stdout": "93\n", "value": None, "ok": True,
                "computed": True, "ran": [code]}

    first, draw, later = run("students = 31"), run("print(students * 3)"), run("print(93)")
    state: Any = {
        "task": {"question": "q", "kind": "question"}, "trajectory": [],
        "candidates": [
            {"index": 1, "answer": "93", "step": 0, "code": None, "method": "program",
             "program": first},
            {"index": 5, "answer": "93", "step": 0, "code": None,
             "method": "program_sample", "program": draw},
            {"index": 6, "answer": "93", "step": 0, "code": None,
             "method": "program_sample", "program": later}],
    }
    assert check_input(state, "t", state["candidates"][0]).session_code == []
    assert check_input(state, "t", state["candidates"][1]).session_code == ["students = 31"]
    assert check_input(state, "t", state["candidates"][2]).session_code == [
        "students = 31", "print(students * 3)"]


def test_no_tool_call_left_runs_no_program() -> None:
    """max_tool_calls = 0 was honoured by the tool loop only: the program method and the
    draws still ran python."""
    from ponder.agent.settings import BudgetSettings
    from ponder.graphs.context import GraphContext
    from ponder.graphs.nodes.program import applies
    from ponder.tools.registry import ToolRegistry

    def ctx(calls: int) -> GraphContext:
        return GraphContext(model=ScriptedChatModel([]), tools=ToolRegistry([Python({})]),
                            settings=Settings(budget=BudgetSettings(max_tool_calls=calls)))

    state: Any = {"task": {"question": "What is 2 + 2?"}, "usage": empty_usage()}
    assert applies(state, ctx(10)) and not applies(state, ctx(0))
    spent: Any = {**state, "usage": {**empty_usage(), "tool_calls": 10}}
    assert not applies(spent, ctx(10))
