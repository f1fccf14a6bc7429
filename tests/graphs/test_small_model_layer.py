"""The repairs for what small models really do: code in the answer, repeated failures,
wandering to tools the plan did not ask for, answers that contradict their own results."""

from __future__ import annotations

from typing import Any

import pytest
from graph_helpers import EchoTool, act, answer, plan

from ponder.graphs.checkers.agreement import AgreementChecker, final_number, is_word_problem
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.basic import ResultGroundingChecker
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.think import think_node
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.state import empty_usage
from ponder.graphs.steps import tool_step
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Observation, ToolContext
from ponder.tools.registry import ToolRegistry


class FakePython:
    name = "python"
    description = "run python"

    from pydantic import BaseModel as _B

    class Args(_B):
        code: str

    args_schema = Args

    async def call(self, args: Any, ctx: ToolContext) -> Observation:
        return Observation(tool="python", text="ok")


class Search(EchoTool):
    name = "search"
    description = "search the web"


def state(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"task": {"question": "What is 2+2?"}, "trajectory": [],
                            "candidates": [], "verdicts": [], "usage": empty_usage()}
    base.update(kw)
    return base


def step(i: int, tool: str, inp: str, ok: bool, output: str = "") -> dict[str, Any]:
    return dict(tool_step(index=i, thought="", tool=tool, args={"code": inp}, raw_input=inp,
                          observation=output, ok=ok, sources=[], artifacts=[],
                          data={"code": inp, "stdout": output, "value": None}))


def noop(_: dict) -> None:
    return None


async def test_code_given_as_an_answer_is_run_as_python() -> None:
    ctx = GraphContext(model=ScriptedChatModel([answer("print(2+2)")]),
                       tools=ToolRegistry([FakePython()]))
    out = await think_node(state(), ctx, noop)
    assert out["pending_action"]["tool"] == "python" and "candidates" not in out


async def test_a_model_without_temperature_is_not_resampled() -> None:
    model = ScriptedChatModel([act("python", "print(x)"), act("python", "x = 1\nprint(x)")])
    # ScriptedChatModel has no temperature: the first decision stands (nothing to resample)
    ctx = GraphContext(model=model, tools=ToolRegistry([FakePython()]))
    s = state(trajectory=[step(0, "python", "print(x)", ok=False)])
    out = await think_node(s, ctx, noop)
    assert out["pending_action"]["input"] == "print(x)"
    assert model.remaining == 1


async def test_tools_the_plan_did_not_ask_for_are_not_offered() -> None:
    model = ScriptedChatModel([act("python", "print(1)")])
    ctx = GraphContext(model=model, tools=ToolRegistry([FakePython(), Search()]))
    await think_node(state(plan=[{"text": "compute", "tool": "python", "status": "pending"}]),
                     ctx, noop)
    system = model.calls[0][0].content
    assert "- python:" in system and "- search:" not in system


async def test_grounding_rejects_an_answer_that_contradicts_python() -> None:
    checker = ResultGroundingChecker()
    traj = [step(0, "python", "print(17*23)", ok=True, output="391")]
    bad = await checker.check(CheckInput(question="17*23?", answer="401", trajectory=traj))
    good = await checker.check(CheckInput(question="17*23?", answer="391", trajectory=traj))
    expr = await checker.check(CheckInput(question="17*23?", answer="17 * 23", trajectory=traj))
    assert bad.status == "reject" and "391" in bad.reason
    assert good.status == "unverified"  # agreeing with python proves nothing by itself
    assert expr.status == "reject" and "expression" in expr.reason


async def test_grounding_rejects_a_guess_after_failed_code() -> None:
    traj = [step(0, "python", "print(prime(9))", ok=False, output="")]
    v = await ResultGroundingChecker().check(CheckInput(question="9th prime?", answer="29",
                                                        trajectory=traj))
    assert v.status == "reject" and "last python run failed" in v.reason


STORY = ("Olivia takes 11 minutes to finish a chess puzzle and 4 minutes to finish a riddle. "
         "Over the vacation she solved 3 chess puzzles and 6 riddles. How much time did she "
         "spend playing these games in total, in minutes?")


def test_word_problem_detection() -> None:
    assert is_word_problem(STORY)
    assert not is_word_problem("What is 123456789 * 987654321?")
    assert not is_word_problem('How many times does the letter "r" appear in the text: '
                               '"the strawberry farmer grew rare berries and more berries"?')
    assert final_number("so 33 + 24 = 57.\nAnswer: 57") == 57.0


@pytest.mark.parametrize(("question", "story"), [
    # Under 30 words, told in statements and then asked: a story.
    ("Tim has 120 stamps. He gives a third of them to his sister and then buys 15 more. "
     "How many stamps does he have now?", True),
    ("A dog eats 4 cups of food a day. One bag holds 25 cups. How many bags last 4 weeks?",
     True),
    # A request, or a question followed by instructions on the answer's form: not a story.
    ("Count the primes between 10 and 50. Give the count as a number.", False),
    ("If a week has 7 days, how many days are in 9 weeks? Answer with a number.", False),
    ("What is 12 times 7?", False),
    # One quantity is no story of several.
    ("Paul is twice as old as his daughter. The sum of their ages is 54. How old is Paul?",
     False),
    # An expression written out is a computation asked for, however it is framed.
    ("Round the result to 2 decimals. Work carefully. What is (3.25 + 4.5) * 2?", False),
    ("Alice adds 3 + 4. Then she doubles it. What does she get?", False),
    # Clock times and calendar dates are data: arithmetic on them is exact work.
    ("A film starts at 7:45 in the evening. It lasts 2 hours. When does it end?", False),
    ("Ann was born on June 17. Her brother is 3 days older. When was he born?", False),
    ("Ann was born on the 17th of June. Her brother is 3 days older. When was he born?",
     False),
])
def test_a_short_story_is_told_then_asked(question: str, story: bool) -> None:
    assert is_word_problem(question) is story


@pytest.mark.parametrize("data", ["[(2, 4), (2, 0), (1, 4)]", "[3, 9, 27, 81]", "(12, 5)"])
def test_a_question_over_values_written_out_is_exact_work_not_a_story(data: str) -> None:
    framed = ("There are a total of 5 courses you have to take, labeled from 0 to 4. You are "
              "given the following list of prerequisites, where each pair (a, b) means "
              f"course b comes before course a:\n{data}\nReturn True if you can finish "
              "all courses, or False otherwise.")
    assert is_word_problem(framed.replace(data, "none"))  # the same words without data
    assert not is_word_problem(framed)
    # A story's own parentheses and lists of words are not data.
    assert is_word_problem(STORY.replace("riddle.", "riddle (a short one, 4 lines)."))


async def test_agreement_finds_no_doubt_when_words_agree_and_rejects_when_not() -> None:
    traj = [step(0, "python", "print(11*3+4*6)", ok=True, output="57")]
    agree = AgreementChecker(ScriptedChatModel(["3*11=33, 6*4=24, total 57.\nAnswer: 57"]))
    v = await agree.check(CheckInput(question=STORY, answer="57", trajectory=traj))
    assert v.status == "unverified" and "57" in v.reason and "not yet measured" in v.reason
    disagree = AgreementChecker(ScriptedChatModel(["Answer: 45"]))
    v = await disagree.check(CheckInput(question=STORY, answer="57", trajectory=traj))
    assert v.status == "reject" and "45" in v.reason and "57" in v.reason


async def test_agreement_needs_a_computed_answer() -> None:
    model = ScriptedChatModel([])
    v = await AgreementChecker(model).check(CheckInput(question=STORY, answer="57", trajectory=[]))
    assert v.status == "unverified" and not model.calls


async def test_whole_run_with_plan_tools_and_answer() -> None:
    from ponder.agent.settings import Settings
    from ponder.graphs.builder import build_graph

    class PrintsFour(FakePython):
        async def call(self, args: Any, ctx: ToolContext) -> Observation:
            return Observation(tool="python", text="[stdout]\n4",
                               data={"code": args.code, "stdout": "4\n", "value": None})

    model = ScriptedChatModel([plan(("compute", "python")), act("python", "print(2 + 2)"), answer("4")])
    graph = build_graph(model, [PrintsFour()], checkers=[ResultGroundingChecker()],
                        settings=Settings(direct_answer=False))
    out = await graph.ainvoke({"task": {"question": "2+2?"}})
    assert out["final"]["answer"] == "4"


async def test_expression_checker_evaluates_the_task_itself() -> None:
    from ponder.graphs.checkers.arithmetic import ExpressionChecker, evaluate, task_expression

    q = "Calculate -( -2683 / 2683 + 9220 )."
    assert task_expression(q) == "-( -2683 / 2683 + 9220 )" and evaluate("2**10 / 4") == 256
    assert task_expression("What weekday was 2022-06-13?") is None
    checker = ExpressionChecker()
    assert (await checker.check(CheckInput(question=q, answer="-9219"))).status == "accept"
    wrong = await checker.check(CheckInput(question=q, answer="9219.0"))
    assert wrong.status == "reject" and "9219" not in wrong.reason  # no answer leaked
    big = "What is 314159265 * 271828182?"
    assert (await checker.check(CheckInput(question=big, answer="85397341863406230"))).status == "accept"
    assert (await checker.check(CheckInput(question=big, answer="85397341863406231"))).status == "reject"
    huge = await checker.check(CheckInput(question="What is 9**9**9?", answer="1"))
    assert huge.status == "unverified"


async def test_the_full_stop_of_the_sentence_above_is_not_part_of_the_expression() -> None:
    from ponder.graphs.checkers.arithmetic import ExpressionChecker, task_expression

    q = "Give the value to 12 significant digits. Reply with the value.\n(1.5-0.25)*4.2 = ?"
    assert task_expression(q) == "(1.5-0.25)*4.2"
    assert task_expression("Add these.\n.5 + 1.25 = ?") == ".5 + 1.25"  # a decimal point
    checker = ExpressionChecker()
    assert (await checker.check(CheckInput(question=q, answer="5.25"))).status == "accept"
    assert (await checker.check(CheckInput(question=q, answer="5.4"))).status == "reject"


# Found by a review (session 46): each "!accept" was accepted before (verified, wrong),
# each "!reject" a right answer rejected. "!x": anything but x.
EXPRESSION_CASES = [
 # plain requests the first version of those rules refused (the session's own review)
 ("Calculate (12 - 5) / 7 exactly.", "1", "accept"), ("Calculate 12 * 7 step by step.", "84", "accept"),
 ("Work out 6 * 7, please.", "42", "accept"), ("What does 12 * 7 equal?", "84", "accept"),
 ("What is 6 * 7 in total?", "42", "accept"), ("Add 12 + 7.", "19", "accept"),
 ("Multiply: 12 * 7", "84", "accept"), ("Divide 84 / 7.", "12", "accept"),
 ("What is 12 * 7?", "12 * 7 = 84", "accept"), ("Evaluate 2^10.", "2^10 = 1024", "accept"),
 ("What is half of 2 + 3?", "5", "!accept"),
 ("What is sqrt(16) + 2?", "18", "!accept"), ("What is sqrt(16) + 2?", "6", "!reject"),
 ("What is abs(-5) + 3?", "-2", "!accept"), ("What is 2 + 3 squared?", "5", "!accept"),
 ("What is 3/4 of 20?", "0.75", "!accept"), ("What is 3/4 of 20?", "15", "!reject"),
 ("What is 17 % 5 + 1?", "6", "!accept"), ("What is 1.5e3 + 2?", "5", "!accept"),
 ("What is (3 + 4) mod 5?", "7", "!accept"), ("What is 10 / 4, rounded down to an integer?", "2.5", "!accept"),
 ("What is 10 / 4, rounded down to an integer?", "2", "!reject"),
 ("Compute 2 + 3, then multiply the result by 4.", "5", "!accept"),
 ("Compute 2 + 3. Then multiply the result by 4.", "5", "!accept"),
 ("What is 314159265 * 271828182?", "Answer: 85,397,341,863,000,000.", "!accept"),
 ("What is 314159265 * 271828182?", "85397342226700000", "!accept"),
 ("What is 314159265 * 271828182?", "85397341863406230", "accept"),
 ("What is 314159265 * 271828182?", "85,397,341,863,406,230.", "accept"),
 ("What is 20 - 3?", "\u221217", "!accept"), ("What is 20 - 3?", "17", "accept"),
 ("What is 3 - 20?", "\u221217", "accept"),
 ("What is 1 + 2?", "4.5e3", "!accept"), ("What is 12 + 5?", "16 or 17", "!accept"),
 ("What is 391 / 23?", "16.9, i.e. about 17", "!accept"), ("What is 60 * 2?", "12,0", "!accept"),
 ("What is 17 * 23?", "17 * 23 = 391", "!reject"), ("What is 17 * 23?", "The answer is 391.", "accept"),
 ("Calculate -( -2683 / 2683 + 9220 )", "-9219", "accept"),
 ("What is 7 / 3? Round to 2 decimal places.", "2.33", "!reject"),
 ("What is 7 / 3? Round to 2 decimal places.", "2.3333333", "!accept"),
 ("What is 9 / 4? Give the answer to 1 decimal place, rounding.", "2.25", "!accept"),
 ("State the final answer to the following arithmetic problem: 4 + 3 - 2 =", "5", "accept"),
 ("Please solve this problem to a maximum of 12 significant digits, rounding up from the half. Only reply with the final value.\n(3.6 - 1.1) * 9.5", "23.75", "accept"),
]


@pytest.mark.parametrize(("question", "answer", "want"), EXPRESSION_CASES)
async def test_the_expression_checker_judges_only_the_value_asked_for(
        question: str, answer: str, want: str) -> None:
    from ponder.graphs.checkers.arithmetic import ExpressionChecker

    verdict = await ExpressionChecker().check(CheckInput(question=question, answer=answer))
    if want.startswith("!"):
        assert verdict.status != want[1:], verdict
    else:
        assert verdict.status == want, verdict


async def test_the_expression_checker_leaves_a_follow_up_turn_alone() -> None:
    from ponder.graphs.checkers.arithmetic import ExpressionChecker

    item = CheckInput(question="Now add 4 + 1 to that result.", answer="5",
                      context="Q: What is 2 + 3? A: 5")
    assert (await ExpressionChecker().check(item)).status == "unverified"
    unrelated = CheckInput(question="What is 12 * 7?", answer="84",
                           context="Q: The capital of France? A: Paris")
    assert (await ExpressionChecker().check(unrelated)).status == "accept"


def test_a_clock_reading_and_its_utc_offset_are_no_expression() -> None:
    from ponder.graphs.checkers.arithmetic import task_expression

    assert task_expression("How long from 17 March 2153, 23:11 +1200 to 09 May 2153, "
                           "18:08 +0400? Answer in D days, HH:MM:SS.") is None
    assert task_expression("It started at 2427-03-03 08:50 -0600 and ended later.") is None
    assert task_expression("At 10:30, what is 7 * 6?") == "7 * 6"
    assert task_expression("Solve this problem: 48 + 86 - 17 =") == "48 + 86 - 17"


class FlakyPython:
    """Fails on code containing 'bad', like a kernel would on a NameError."""

    name = "python"
    description = "run python"
    args_schema = FakePython.Args

    def __init__(self) -> None:
        self.ran: list[str] = []

    async def call(self, args: Any, ctx: ToolContext) -> Observation:
        self.ran.append(args.code)
        if "bad" in args.code:
            return Observation(tool="python", ok=False, text="NameError: name 'bad' is not defined",
                               data={"code": args.code, "error": "NameError: name 'bad' is not defined"})
        return Observation(tool="python", text="42", data={"code": args.code, "stdout": "42"})


async def test_failed_code_is_repaired_once_in_a_clean_context() -> None:
    from ponder.graphs.nodes.act import act_node

    tool = FlakyPython()
    model = ScriptedChatModel(["Fixed:\n```python\nprint(6 * 7)\n```"])
    ctx = GraphContext(model=model, tools=ToolRegistry([tool]))
    s = state(pending_action={"tool": "python", "input": "print(bad)", "thought": ""})
    out = await act_node(s, ctx, noop)
    step = out["trajectory"][0]
    assert tool.ran == ["print(bad)", "print(6 * 7)"]
    assert step["ok"] and "A corrected version ran" in step["observation"] and "42" in step["observation"]
    assert step["python"]["code"] == "print(6 * 7)" and step["input"] == "print(bad)"
    assert "print(bad)" in model.calls[0][0].content and "NameError" in model.calls[0][0].content
    assert out["usage"]["tool_calls"] == 2 and out["usage"]["model_calls"] == 1


class DyingPython(FlakyPython):
    """The kernel dies on code containing 'bad' (out of memory), as the sandbox reports it:
    the sandbox is replaced and the session's state is gone."""

    async def call(self, args: Any, ctx: ToolContext) -> Observation:
        if "bad" not in args.code:
            return await super().call(args, ctx)
        self.ran.append(args.code)
        return Observation(tool="python", ok=False, data={
            "code": args.code, "error": "KernelDied: out of memory (limit 512m)", "state_lost": True},
            text="[sandbox]\nout of memory (limit 512m); the sandbox was replaced and its state "
                 "(variables, imports, workspace files) was lost")


async def test_a_fix_that_runs_after_the_kernel_died_still_says_the_state_is_gone() -> None:
    from ponder.graphs.nodes.act import act_node

    tool = DyingPython()
    model = ScriptedChatModel(["Fixed:\n```python\nprint(6 * 7)\n```"])
    ctx = GraphContext(model=model, tools=ToolRegistry([tool]))
    s = state(pending_action={"tool": "python", "input": "x = bad * 10**9", "thought": ""})
    out = await act_node(s, ctx, noop)
    step = out["trajectory"][0]
    assert step["ok"] and "A corrected version ran" in step["observation"]
    assert Prompts().fixed_after_state_lost in step["observation"]
    assert step["python"]["state_lost"] is True and step["python"]["code"] == "print(6 * 7)"


async def test_a_repair_that_fails_too_keeps_the_original_failure() -> None:
    from ponder.graphs.nodes.act import act_node

    tool = FlakyPython()
    ctx = GraphContext(model=ScriptedChatModel(["```python\nprint(bad + 1)\n```"]),
                       tools=ToolRegistry([tool]))
    s = state(pending_action={"tool": "python", "input": "print(bad)", "thought": ""})
    step = (await act_node(s, ctx, noop))["trajectory"][0]
    assert not step["ok"] and "Define that name" in step["observation"]


async def test_code_task_answer_falls_back_to_the_last_code_that_defined_the_function() -> None:
    ran = step(0, "python", "def f(x):\n    return x + 1\nprint(f(1))", ok=True, output="2")
    s = state(task={"question": "write f", "kind": "code", "entry_point": "f"}, trajectory=[ran])
    ctx = GraphContext(model=ScriptedChatModel([answer("assert f(1) == 2")]),
                       tools=ToolRegistry([FakePython()]))
    out = await think_node(s, ctx, noop)
    # the function the session ran, without the call that tried it
    assert out["candidates"][0]["code"] == "def f(x):\n    return x + 1"
    # an answer that does define the function is kept as given
    ctx = GraphContext(model=ScriptedChatModel([answer("def f(x):\n    return x + 2")]),
                       tools=ToolRegistry([FakePython()]))
    out = await think_node(s, ctx, noop)
    assert out["candidates"][0]["code"] == "def f(x):\n    return x + 2"


async def test_answer_type_holds_the_answer_to_the_length_the_task_asks_for() -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    q = "What are the first 10 hex characters of the SHA-256 hash of the string 'ponder'?"
    full = "5bcad0dd47c63afbebbab8ca513d6e5c45c3051dcc13cc5dabaefc1e669b0507"
    long = await AnswerTypeChecker().check(CheckInput(question=q, answer=full))
    right = await AnswerTypeChecker().check(CheckInput(question=q, answer=full[:10]))
    assert long.status == "reject" and "first 10 characters" in long.reason
    assert full[:10] in long.reason and right.status == "unverified"


async def test_a_digest_prefix_counts_as_computed_and_a_fragment_does_not() -> None:
    from ponder.graphs.checkers.code import answer_in

    full = "5bcad0dd47c63afbebbab8ca513d6e5c45c3051dcc13cc5dabaefc1e669b0507"
    assert answer_in("5bcad0dd47", full) and answer_in("5BCAD0DD47", f"hash: {full}")
    assert not answer_in("cad0dd47c6", full)


async def test_grounding_rejects_the_worked_examples_answer_unless_the_run_gave_it() -> None:
    checker = ResultGroundingChecker()
    copied = await checker.check(CheckInput(question="How many r in strawberry?", answer="46"))
    traj = [step(0, "python", "print('x' * 46)", ok=True, output="46")]
    computed = await checker.check(CheckInput(question="How many?", answer="46", trajectory=traj))
    assert copied.status == "reject" and "worked example" in copied.reason
    assert computed.status == "unverified"
    # The direct reasoning never saw the loop's worked examples: the same value is its own.
    direct = await checker.check(CheckInput(question="How many r in strawberry?", answer="46",
                                            method="direct"))
    assert direct.status == "unverified"


async def test_grounding_rejects_a_word_answer_guessed_after_failed_code() -> None:
    traj = [step(0, "python", "print(datetime.date(1987, 3, 14))", ok=False)]
    v = await ResultGroundingChecker().check(CheckInput(
        question="What day of the week was March 14, 1987?", answer="Friday", trajectory=traj))
    assert v.status == "reject" and "last python run failed" in v.reason


class SamplingScriptedModel(ScriptedChatModel):
    """A scripted model with a temperature, as real chat models have (copies share the script)."""

    temperature: float = 0.0


async def test_a_repeated_successful_action_is_resampled_hotter() -> None:
    done = step(0, "python", "print(1)", ok=True, output="1")
    model = SamplingScriptedModel([act("python", "print(1)"), answer("1")])
    ctx = GraphContext(model=model, tools=ToolRegistry([FakePython()]))
    out = await think_node(state(trajectory=[done]), ctx, noop)
    assert out["candidates"][0]["answer"] == "1" and out["usage"]["resamples"] == 1
    assert "You already did exactly that" in model.calls[1][-1].content
    assert model.remaining == 0


class SlowWhenHot(SamplingScriptedModel):
    """Its greedy call answers at once; a hotter copy's call (the resample) takes 30 s."""

    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        import asyncio

        if self.temperature:
            await asyncio.sleep(30)
        return await super()._agenerate(*args, **kwargs)


async def test_a_resample_cut_off_by_the_time_budget_keeps_the_first_decision() -> None:
    """The cut-off resample dropped the first decision and what its call spent."""
    from ponder.agent.settings import BudgetSettings, Settings

    done = step(0, "python", "print(1)", ok=True, output="1")
    model = SlowWhenHot([act("python", "print(1)"), answer("1")])
    ctx = GraphContext(model=model, tools=ToolRegistry([FakePython()]),
                       settings=Settings(budget=BudgetSettings(max_seconds=600)))
    events: list[dict[str, Any]] = []
    out = await think_node(state(trajectory=[done], usage={**empty_usage(), "seconds": 599.0}),
                           ctx, events.append)
    assert out["pending_action"]["input"] == "print(1)"  # the first decision stands
    assert out["usage"]["model_calls"] == 1 and out["usage"]["steps"] == 1
    assert any(e["type"] == "budget" for e in events)


async def test_grounding_rejects_an_answer_given_before_the_planned_python_ran() -> None:
    item = CheckInput(question="How many i in 'mississippi'?", answer="4", planned_tools=["python"])
    v = await ResultGroundingChecker().check(item)
    assert v.status == "reject" and "no python step computed" in v.reason
    # Python that ran but only typed the answer is no computation either.
    typed = step(0, "python", "count = 4\nprint(count)", ok=True, output="4")
    v = await ResultGroundingChecker().check(item.model_copy(update={"trajectory": [typed]}))
    assert v.status == "reject" and "computes nothing" in v.reason
    counted = step(0, "python", "print('mississippi'.count('i'))", ok=True, output="4")
    v = await ResultGroundingChecker().check(item.model_copy(update={"trajectory": [counted]}))
    assert v.status == "unverified"
    unplanned = await ResultGroundingChecker().check(item.model_copy(update={"planned_tools": []}))
    assert unplanned.status == "unverified"


def test_a_short_printed_result_is_offered_as_the_answer_to_copy() -> None:
    from ponder.graphs.prompts import think_messages

    ran = step(0, "python", "print(d.strftime('%A'))", ok=True, output="Saturday")
    ran["python"]["stdout"] = "Saturday\n"
    msgs = think_messages(state(trajectory=[ran]), ToolRegistry([FakePython()]), steps_left=5, prompts=Prompts())
    assert '"tool": "answer", "input": "Saturday"' in msgs[-1].content
    code_task = state(trajectory=[ran], task={"question": "write f", "kind": "code"})
    msgs = think_messages(code_task, ToolRegistry([FakePython()]), steps_left=5, prompts=Prompts())
    assert '"input": "Saturday"' not in msgs[-1].content


def test_a_printed_boolean_is_offered_as_yes_or_no_when_the_task_asks_for_it() -> None:
    from ponder.graphs.checkers.code import answer_in
    from ponder.graphs.prompts import think_messages

    ran = step(0, "python", "print(calendar.isleap(1930))", ok=True, output="False")
    ran["python"]["stdout"] = "False\n"
    asks = state(trajectory=[ran], task={"question": "Is 1930 a leap year? Answer Yes or No."})
    msgs = think_messages(asks, ToolRegistry([FakePython()]), steps_left=5, prompts=Prompts())
    assert '"tool": "answer", "input": "No"' in msgs[-1].content
    plain = state(trajectory=[ran], task={"question": "Is 1930 a leap year?"})
    msgs = think_messages(plain, ToolRegistry([FakePython()]), steps_left=5, prompts=Prompts())
    assert '"input": "False"' in msgs[-1].content
    assert answer_in("No", "False\n") and answer_in("yes", "True")
    assert not answer_in("Yes", "False") and not answer_in("No", "True")


async def test_a_planned_search_for_exact_work_becomes_python() -> None:
    from ponder.graphs.nodes.plan import is_exact_work, plan_node

    assert is_exact_work("What is the MD5 of 'mississippi'?")  # the default hashing policy
    assert not is_exact_work("Who wrote Emma?")
    model = ScriptedChatModel([plan(("look up md5", "search"), ("hash it", "python"))])
    ctx = GraphContext(model=model, tools=ToolRegistry([FakePython(), Search()]))
    out = await plan_node(state(task={"question": "What is the MD5 of 'error'?"}),
                          ctx, noop)
    assert [p["tool"] for p in out["plan"]] == ["python", "python"]


async def test_search_is_not_offered_again_once_every_backend_was_down() -> None:
    down = step(0, "search", "x", ok=False, output="search unavailable: ddgs: DNSError")
    down["action"] = {"tool": "search", "args": {"query": "x"}}
    model = ScriptedChatModel([act("python", "print(1 + 1)")])
    ctx = GraphContext(model=model, tools=ToolRegistry([FakePython(), Search()]))
    s = state(trajectory=[down], plan=[{"text": "look", "tool": "search", "status": "pending"}])
    await think_node(s, ctx, noop)
    system = model.calls[0][0].content
    assert "- python:" in system and "- search:" not in system


async def test_answer_type_wants_yes_or_no_when_asked() -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    q = "Tell me whether 1930 is a leap year. Answer with Yes or No."
    zero = await AnswerTypeChecker().check(CheckInput(question=q, answer="0"))
    no = await AnswerTypeChecker().check(CheckInput(question=q, answer="No"))
    assert zero.status == "reject" and "Yes or No" in zero.reason and no.status == "unverified"


async def test_answer_type_rejects_a_statement_that_opens_with_the_verdict_word() -> None:
    """ "No humans are artists" to "Does it follow that: No humans are artists? (Answer
    Yes or No)" restates the conclusion: it is neither Yes nor No (seen as a program's
    printed answer); "No." and "No, because …" are verdicts."""
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    q = ("Consider these statements: 1. Some humans are not cats 2. All cats are artists\n"
         "Does it logically follow that: No humans are artists? (Answer Yes or No)")
    checker = AnswerTypeChecker()
    said = {a: (await checker.check(CheckInput(question=q, answer=a))).status
            for a in ("No humans are artists", "Yes or No", "No.", "No, because some are",
                      "Yes\nAll cats are artists.")}
    assert said == {"No humans are artists": "reject", "Yes or No": "reject", "No.": "unverified",
                    "No, because some are": "unverified",
                    "Yes\nAll cats are artists.": "unverified"}
    tf = "Is the list sorted? Answer True or False."
    assert (await checker.check(CheckInput(question=tf, answer="True statement"))).status == "reject"
    assert (await checker.check(CheckInput(question=tf, answer="False."))).status == "unverified"


async def test_answer_type_rejects_a_negative_count() -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    q = "A baker makes 12 trays of 18 rolls and sells all but 17. How many rolls does he sell?"
    for negative in ("-5", "−5", "-5 rolls", "**-199**"):
        v = await AnswerTypeChecker().check(CheckInput(question=q, answer=negative))
        assert v.status == "reject" and "never negative" in v.reason, negative
    for fine in ("199", "0", "199 rolls", "12-5=7 so 7"):
        v = await AnswerTypeChecker().check(CheckInput(question=q, answer=fine))
        assert v.status == "unverified", fine
    # Not a count: a change or a temperature may be below zero.
    for q2 in ("How much did the price change?", "What is the temperature at night?"):
        v = await AnswerTypeChecker().check(CheckInput(question=q2, answer="-5"))
        assert v.status == "unverified", q2


async def test_answer_type_wants_true_or_false_when_asked() -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    check = AnswerTypeChecker().check
    q = ("Given a note and a magazine, return True if you can build the note from the "
         "magazine's letters, and False otherwise.\nNote: ab\nMagazine: ba")
    for reply, status in [("True", "unverified"), ("**false.**", "unverified"),
                           ("{'a': 1, 'b': 1}", "reject"), ("The lists are equal.", "reject"),
                           ("Yes", "reject")]:
        verdict = await check(CheckInput(question=q, answer=reply))
        assert verdict.status == status, reply
    assert "True or False" in (await check(CheckInput(question=q, answer="5"))).reason
    plain = "Is it true that 7 is odd? Explain why a false claim fails."
    assert (await check(CheckInput(question=plain, answer="7 is odd"))).status == "unverified"
    assert (await check(CheckInput(question="True or false: 7 is odd.", answer="3"))).status \
        == "reject"


async def test_a_printed_literal_is_flagged_as_no_evidence() -> None:
    from ponder.graphs.nodes.act import act_node

    class Prints(FakePython):
        async def call(self, args: Any, ctx: ToolContext) -> Observation:
            return Observation(tool="python", text="[stdout]\nFriday",
                               data={"code": args.code, "stdout": "Friday\n"})

    ctx = GraphContext(model=ScriptedChatModel([]), tools=ToolRegistry([Prints()]))
    literal = await act_node(state(pending_action={"tool": "python", "input": "print('Friday')"}),
                             ctx, noop)
    computed = await act_node(state(pending_action={"tool": "python", "input": "print(d.strftime('%A'))"}),
                              ctx, noop)
    assert "computes nothing" in literal["trajectory"][0]["observation"]
    assert "computes nothing" not in computed["trajectory"][0]["observation"]


def test_finalize_prefers_a_rejected_answer_of_the_right_kind() -> None:
    from ponder.graphs.select import best

    cands = [{"index": i, "answer": a, "step": i, "code": None} for i, a in enumerate(["Friday", "2"])]
    verdicts = [
        {"candidate": 0, "checker": "second-program", "status": "reject", "reason": "", "evidence": []},
        {"candidate": 1, "checker": "answer-type", "status": "reject", "reason": "", "evidence": []},
    ]
    cand, status = best(state(candidates=cands, verdicts=verdicts))  # type: ignore[arg-type]
    assert cand is not None and cand["answer"] == "Friday" and status == "reject"


async def test_form_rejects_a_function_that_ignores_its_arguments() -> None:
    from ponder.graphs.checkers.basic import AnswerFormChecker

    hard_coded = 'def encode_runs(s):\n    encoded = "a3b1c2"\n    return encoded'
    real = "def encode_runs(s):\n    return ''.join(c for c in s)"
    bad = await AnswerFormChecker().check(CheckInput(question="q", kind="code", answer=hard_coded,
                                                     entry_point="encode_runs"))
    good = await AnswerFormChecker().check(CheckInput(question="q", kind="code", answer=real,
                                                      entry_point="encode_runs"))
    assert bad.status == "reject" and "never uses its argument(s) s" in bad.reason
    assert good.status == "unverified"


async def test_form_rejects_a_program_given_as_a_questions_answer() -> None:
    from ponder.graphs.checkers.basic import AnswerFormChecker

    code = await AnswerFormChecker().check(CheckInput(
        question="What is the 1672th prime number?", answer="print(sympy.prime(1672))"))
    assert code.status == "reject" and "a program, not its result" in code.reason
    for fine in ("14221", "Saturday", "the for loop ends", "print"):
        v = await AnswerFormChecker().check(CheckInput(question="q", answer=fine))
        assert v.status == "unverified", fine


async def test_form_rejects_web_data_markers_and_an_address_nobody_asked_for() -> None:
    from ponder.graphs.checkers.basic import AnswerFormChecker

    form = AnswerFormChecker()
    q = "Peter is married to Ann. What is Ann to Peter?"
    marked = await form.check(CheckInput(question=q, answer="<<<UNTRUSTED 'ann to peter'>>>"))
    assert marked.status == "reject" and "markers" in marked.reason
    url = "https://www.google.com/search?q=ann+to+peter"
    assert (await form.check(CheckInput(question=q, answer=url))).status == "reject"
    for asked in ("What is the URL of the Python docs?", "Give a link to the paper.",
                  "Which website hosts the CPython source?"):
        v = await form.check(CheckInput(question=asked, answer="https://docs.python.org/3/"))
        assert v.status == "unverified", asked
    # An address inside a sentence, or an answer that mentions a site, is not only a URL.
    v = await form.check(CheckInput(question=q, answer="wife (see https://example.org)"))
    assert v.status == "unverified"
    prompt = await form.check(CheckInput(question="What does the Python REPL prompt look like?",
                                         answer=">>>"))
    assert prompt.status == "unverified"


def test_hot_samples_of_a_seeded_model_differ_in_seed() -> None:
    from langchain_openai import ChatOpenAI

    from ponder.graphs.nodes.think import hotter

    model = ChatOpenAI(model="m", api_key="x", base_url="http://127.0.0.1:9", seed=1234,
                       temperature=0.0)
    same, one, two = hotter(model), hotter(model, 1), hotter(model, 2)
    assert same is not None and one is not None and two is not None
    assert (same.temperature, same.seed, one.seed, two.seed) == (0.8, 1234, 1235, 1236)
    assert model.seed == 1234 and model.temperature == 0.0
    unseeded = hotter(model.model_copy(update={"seed": None}))
    assert unseeded is not None and unseeded.seed is None


@pytest.mark.parametrize(("question", "rejected"), [
    ("Find the first Thursday in March 2022. Write the total number.", True),
    ("Count the weekdays in May. Give the count numerically.", True),
    ("How far is it? Respond with just the number.", True),
    ("What is the score? Answer with a number.", True),
    ("Write the number 7 in words.", False),  # a number asked for in words
    ("What day of the week was it?", False),
    ("What is the capital of France?", False),
])
async def test_a_word_where_a_number_is_asked_for_is_rejected(question: str,
                                                             rejected: bool) -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    checker = AnswerTypeChecker(policies=[])
    word = await checker.check(CheckInput(question=question, answer="Friday"))
    assert (word.status == "reject") is rejected
    assert not rejected or "as a number" in word.reason
    number = await checker.check(CheckInput(question=question, answer="3"))
    assert number.status == "unverified"


@pytest.mark.parametrize(("question", "rejected"), [
    ("On which weekday did April 21, 2022 fall? Name the day of the week in full.", True),
    ("If today is Thursday, what day will it be in 24 days? Answer using the full weekday name.",
     True),
    ("What day of the week was November 22, 2022? Write out the full weekday name.", True),
    ("Name the number of apples Tom has.", False),  # a number, named
    ("Give the name and the count of the largest group.", False),
    ("What day of the month is the second Tuesday of May 2022?", False),
])
async def test_a_number_where_a_name_is_asked_for_is_rejected(question: str,
                                                             rejected: bool) -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    checker = AnswerTypeChecker(policies=[])
    number = await checker.check(CheckInput(question=question, answer="166"))
    assert (number.status == "reject") is rejected
    assert not rejected or "asks for a name" in number.reason
    name = await checker.check(CheckInput(question=question, answer="Sunday"))
    assert name.status == "unverified"


@pytest.mark.parametrize(("question", "rejected"), [
    ("Solve for c: 12*c - 7 = 29", True),
    ("Who is Victoria to John? Answer with the relationship.", True),
    ("John is the father of Ann. Who is Ann's father?", True),
    ("What does print(3 > 2) show?", False),
    ("Evaluate the expression not (True and False).", False),
])
async def test_a_boolean_to_who_or_solve_is_rejected(question: str, rejected: bool) -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    checker = AnswerTypeChecker(policies=[])
    verdict = await checker.check(CheckInput(question=question, answer="True"))
    assert (verdict.status == "reject") is rejected
    assert not rejected or "True or False is no answer" in verdict.reason


@pytest.mark.parametrize(("question", "answer", "rejected"), [
    ("Spell this word backward (example: sun -> nus): caird", "nus", True),
    ("Spell this word backward (example: sun -> nus): caird", "'nus'.", True),
    ("Spell this word backward (example: sun -> nus): caird", "driac", False),
    # The task is about the example's own input: its result is the answer.
    ("Spell this word backward (example: sun -> nus): sun", "nus", False),
    ("Double each letter, e.g. ab → aabb. Now do: cd", "aabb", True),
    ("Reverse the word level (example: level -> level).", "level", False),
])
async def test_the_result_of_the_questions_own_example_is_rejected(
        question: str, answer: str, rejected: bool) -> None:
    from ponder.graphs.checkers.basic import AnswerTypeChecker

    checker = AnswerTypeChecker(policies=[])
    verdict = await checker.check(CheckInput(question=question, answer=answer))
    assert (verdict.status == "reject") is rejected
    assert not rejected or "worked example" in verdict.reason
