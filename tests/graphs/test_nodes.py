"""Each node on its own: what it returns for good, bad and budget-spent input."""

from __future__ import annotations

from typing import Any

from graph_helpers import (
    AddTool,
    BrokenTool,
    EchoTool,
    ScriptedChecker,
    SlowModel,
    act,
    answer,
    plan,
)

from ponder.agent.settings import BudgetSettings, Settings
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.act import act_node
from ponder.graphs.nodes.finalize import finalize_node
from ponder.graphs.nodes.plan import plan_node
from ponder.graphs.nodes.think import think_node
from ponder.graphs.nodes.verify import verify_node
from ponder.graphs.state import empty_usage
from ponder.testing import ScriptedChatModel
from ponder.tools.registry import ToolRegistry


def ctx(replies: list[Any], tools=(), checkers=(), **budget: Any) -> GraphContext:
    return GraphContext(
        model=ScriptedChatModel(replies), tools=ToolRegistry(tools), checkers=list(checkers),
        settings=Settings(budget=BudgetSettings(**budget)),
    )


def state(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"task": {"question": "What is 2+2?"}, "trajectory": [],
                            "candidates": [], "verdicts": [], "usage": empty_usage()}
    base.update(kw)
    return base


class Events(list):
    def __call__(self, payload: dict[str, Any]) -> None:
        self.append(payload)


async def test_plan_keeps_only_known_tools_and_emits_the_plan() -> None:
    events = Events()
    c = ctx([plan(("compute", "echo"), ("answer", "none"))], tools=[EchoTool()])
    out = await plan_node(state(), c, events)
    assert [p["tool"] for p in out["plan"]] == ["echo", "none"]
    assert events[0]["type"] == "plan" and out["usage"]["model_calls"] == 1


async def test_plan_that_cannot_be_parsed_falls_back_and_is_counted() -> None:
    events = Events()
    c = ctx(["no plan", "still no plan"])
    out = await plan_node(state(), c, events)
    assert len(out["plan"]) == 1 and out["usage"]["parse_failures"] == 1
    assert [e["type"] for e in events] == ["parse_failure", "plan"]


async def test_plan_is_cut_off_at_the_runs_time_left() -> None:
    """plan's call (and its repairs) had no deadline: a run with a second left could
    wait minutes on it, then finalize anyway."""

    from ponder.graphs.budget import budget_spent

    events = Events()
    c = GraphContext(model=SlowModel([plan(("compute", "echo"))]), tools=ToolRegistry([EchoTool()]),
                     checkers=[], settings=Settings(budget=BudgetSettings(max_seconds=100)))
    out = await plan_node(state(usage={**empty_usage(), "seconds": 99.5}), c, events)
    assert [e["type"] for e in events] == ["budget"] and len(out["plan"]) == 1
    spent = {**empty_usage(), "seconds": 99.5 + out["usage"]["seconds"]}
    assert budget_spent(spent, c.settings.budget)


async def test_think_turns_a_tool_decision_into_a_pending_action() -> None:
    out = await think_node(state(), ctx([act("echo", "hi")], tools=[EchoTool()]), Events())
    assert out["pending_action"] == {"tool": "echo", "input": "hi", "thought": "use echo"}
    assert out["usage"]["steps"] == 1


async def test_think_turns_an_answer_into_a_candidate() -> None:
    out = await think_node(state(), ctx([answer(" 4 ")]), Events())
    assert out["candidates"] == [{"index": 0, "answer": "4", "step": 0, "code": None,
                                  "method": "loop"}]


async def test_code_answers_lose_their_fence() -> None:
    s = state(task={"question": "write f", "kind": "code"})
    out = await think_node(s, ctx([answer("```python\ndef f():\n    return 1\n```")]), Events())
    assert out["candidates"][0]["code"] == "def f():\n    return 1"


async def test_garbage_from_the_model_becomes_a_step_the_model_sees() -> None:
    events = Events()
    out = await think_node(state(), ctx(["lol", "lol again"], tools=[EchoTool()]), events)
    step = out["trajectory"][0]
    assert step["ok"] is False and "could not be read" in step["observation"]
    assert out["usage"]["parse_failures"] == 1 and events[0]["type"] == "parse_failure"


async def test_think_does_nothing_when_the_budget_is_spent() -> None:
    c = ctx([], tools=[EchoTool()], max_steps=2)
    out = await think_node(state(usage={**empty_usage(), "steps": 2}), c, Events())
    assert out == {"pending_action": None}


async def test_last_step_only_offers_the_answer_tool() -> None:
    c = ctx([act("echo", "x"), act("echo", "x"), answer("4")], tools=[EchoTool()], max_steps=2)
    out = await think_node(state(usage={**empty_usage(), "steps": 1}), c, Events())
    # "echo" is not allowed on the last step: both tries fail validation, then a step is recorded
    assert "trajectory" in out and out["usage"]["parse_failures"] == 1
    assert "last step" in c.model.calls[0][-1].content


async def test_act_runs_the_tool_and_records_the_step() -> None:
    tool = EchoTool()
    events = Events()
    s = state(pending_action={"tool": "echo", "input": "hi", "thought": "t"})
    out = await act_node(s, ctx([], tools=[tool]), events)
    step = out["trajectory"][0]
    assert tool.calls == ["hi"] and step["observation"] == "HI" and step["ok"]
    assert step["action"] == {"tool": "echo", "args": {"text": "hi"}}
    assert [e["type"] for e in events] == ["tool_call", "observation"]
    assert out["usage"]["tool_calls"] == 1


async def test_act_reads_json_input_for_multi_field_tools() -> None:
    s = state(pending_action={"tool": "add", "input": '{"a": 2, "b": 40}', "thought": ""})
    out = await act_node(s, ctx([], tools=[AddTool()]), Events())
    assert out["trajectory"][0]["observation"] == "42"


async def test_unknown_tool_is_an_observation() -> None:
    s = state(pending_action={"tool": "rm", "input": "-rf", "thought": ""})
    out = await act_node(s, ctx([], tools=[EchoTool()]), Events())
    step = out["trajectory"][0]
    assert not step["ok"] and "unknown tool 'rm'" in step["observation"] and "echo" in step["observation"]


async def test_invalid_tool_arguments_are_an_observation() -> None:
    s = state(pending_action={"tool": "add", "input": '{"a": "two", "b": 1}', "thought": ""})
    out = await act_node(s, ctx([], tools=[AddTool()]), Events())
    assert "invalid input for add" in out["trajectory"][0]["observation"]


async def test_a_tool_that_raises_is_an_observation() -> None:
    s = state(pending_action={"tool": "broken", "input": "x", "thought": ""})
    out = await act_node(s, ctx([], tools=[BrokenTool()]), Events())
    assert "disk on fire" in out["trajectory"][0]["observation"]


async def test_huge_observations_are_bounded() -> None:
    s = state(pending_action={"tool": "echo", "input": "x" * 50_000, "thought": ""})
    out = await act_node(s, ctx([], tools=[EchoTool()]), Events())
    assert len(out["trajectory"][0]["observation"]) < 7_000
    assert "more characters cut" in out["trajectory"][0]["observation"]


async def test_verify_records_verdicts_and_the_critique() -> None:
    checker = ScriptedChecker(["reject"])
    s = state(candidates=[{"index": 0, "answer": "5", "step": 0, "code": None}])
    out = await verify_node(s, ctx([], checkers=[checker]), Events())
    assert out["verdicts"][0]["status"] == "reject" and out["critique"] == "scripted reject"
    assert out["usage"]["rejections"] == 1 and checker.seen[0].answer == "5"


async def test_a_checker_that_raises_blocks_another_checkers_accept() -> None:
    """A checker that raised gave a non-blocking 'unverified': the doubt it might have
    raised was lost and another checker's accept stood (verified)."""
    from ponder.graphs.checkers.base import CheckInput, Verdict

    class Raising:
        name = "raising"
        blocks_on_failure = True  # as second-implementation: its purpose is a doubt

        async def check(self, item: CheckInput) -> Verdict:
            raise ConnectionError("the model endpoint went away")

    s = state(candidates=[{"index": 0, "answer": "5", "step": 0, "code": None}])
    out = await verify_node(s, ctx([], checkers=[ScriptedChecker(["accept"]), Raising()]),
                            Events())
    failed = [v for v in out["verdicts"] if v["checker"] == "raising"]
    assert failed and failed[0]["blocks"] and "checker failed" in failed[0]["reason"]
    final = await finalize_node({**s, **out}, ctx([]), Events())
    assert final["final"]["verified"] is False

    class Shadow(Raising):
        name = "shadow"
        blocks_on_failure = False  # a failed shadow check takes no exact accept away

    out = await verify_node(s, ctx([], checkers=[ScriptedChecker(["accept"]), Shadow()]),
                            Events())
    final = await finalize_node({**s, **out}, ctx([]), Events())
    assert final["final"]["verified"] is True


async def test_verify_with_no_checker_says_unverified() -> None:
    s = state(candidates=[{"index": 0, "answer": "5", "step": 0, "code": None}])
    out = await verify_node(s, ctx([]), Events())
    assert out["verdicts"][0]["status"] == "unverified"


async def test_finalize_prefers_the_accepted_candidate() -> None:
    s = state(
        candidates=[{"index": 0, "answer": "a", "step": 0, "code": None},
                    {"index": 1, "answer": "b", "step": 0, "code": None}],
        verdicts=[{"candidate": 0, "checker": "c", "status": "accept", "reason": "ok", "evidence": ["e"]},
                  {"candidate": 1, "checker": "c", "status": "reject", "reason": "no", "evidence": []}],
    )
    out = await finalize_node(s, ctx([]), Events())
    assert out["final"]["answer"] == "a" and out["final"]["verified"] is True
    assert "e" in out["final"]["evidence"]
    assert out["history"] == [{"question": "What is 2+2?", "answer": "a"}]


async def test_finalize_without_candidates_fails_cleanly() -> None:
    out = await finalize_node(state(), ctx([]), Events())
    assert out["final"]["status"] == "failed" and out["final"]["answer"] == ""


async def test_a_code_answer_gets_the_imports_it_relied_on_from_earlier_cells() -> None:
    s = state(task={"question": "write f", "kind": "code", "entry_point": "f"})
    out = await think_node(s, ctx([answer("def f(x):\n    return math.sqrt(x)")]), Events())
    assert out["candidates"][0]["code"] == "import math\ndef f(x):\n    return math.sqrt(x)"


async def test_every_run_of_a_step_counts_against_the_sandbox_budget() -> None:
    """Only the final run's sandbox seconds were charged: a 25 s failure followed by a
    1 s repair cost 1 s of max_sandbox_seconds."""
    from pydantic import BaseModel

    from ponder.tools.base import Observation, ToolContext

    class TimedPython:
        name = "python"
        description = "run python"

        class Args(BaseModel):
            code: str

        args_schema = Args

        async def call(self, args: Any, ctx: ToolContext) -> Observation:
            if "fixed" in args.code:
                return Observation(tool="python", text="[stdout]\n4",
                                   data={"code": args.code, "stdout": "4\n", "value": None,
                                         "sandbox_seconds": 1.0})
            return Observation(tool="python", ok=False, text="ZeroDivisionError",
                               data={"code": args.code, "stdout": "", "value": None,
                                     "error": "ZeroDivisionError: division by zero",
                                     "sandbox_seconds": 25.0})

    s = state(pending_action={"tool": "python", "input": "print(4 / 0)", "thought": ""})
    repair = "```python\nprint(4)  # fixed\n```"
    out = await act_node(s, ctx([repair, repair], tools=[TimedPython()]), Events())
    assert out["usage"]["sandbox_seconds"] == 26.0, out["usage"]


async def test_first_methods_side_by_side_spend_their_longest_time_not_the_sum() -> None:
    """direct, program and bare run at once (``Send``): three branches of 40, 45 and 60 s
    were charged 145 s, so a 120 s budget read as spent after 60 s, every check was cut
    off and the run went straight to finalize."""
    from ponder.graphs.budget import budget_spent, elapsed, seconds_left
    from ponder.graphs.builder import _side_by_side
    from ponder.graphs.state import SIDE_BY_SIDE, _add_usage

    async def branch(state: Any, ctx: Any, emit: Any, **kw: Any) -> dict[str, Any]:
        return {"usage": {"seconds": state["took"], "model_calls": 1}}

    usage = empty_usage()
    for took in (40.0, 45.0, 60.0):
        update = await _side_by_side(branch)({"took": took}, None, None)
        assert "seconds" not in update["usage"]
        usage = _add_usage(usage, update["usage"])
    budget = BudgetSettings(max_seconds=120)
    assert elapsed(usage) == 60.0 and usage["model_calls"] == 3
    assert seconds_left(usage, budget) == 60.0 and budget_spent(usage, budget) is None
    # verify, where the branches join, moves the time into the run's seconds.
    checker = ScriptedChecker(["unverified"])
    s = state(candidates=[{"index": 0, "answer": "4", "step": 0, "code": None,
                           "method": "direct"}], usage=usage)
    out = await verify_node(s, ctx([], checkers=[checker], max_seconds=120), Events())
    joined = _add_usage(usage, out["usage"])
    assert joined[SIDE_BY_SIDE] == 0.0 and 60.0 <= joined["seconds"] < 70.0
    assert checker.seen, "the check ran: 60 s of the budget were left"
