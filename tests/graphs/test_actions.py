"""The fenced action format: code written as code, not escaped inside a JSON string."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graph_helpers import LookupPython, ScriptedChecker, plan
from langchain_core.messages import BaseMessage
from pydantic import PrivateAttr

from ponder.agent.settings import Settings
from ponder.graphs.actions import fenced_grammar, parse_fenced, render_action
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.basic import ResultGroundingChecker
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS
from ponder.testing import ScriptedChatModel

TOOLS = ["python", "search", "open"]


@pytest.mark.parametrize(("reply", "expected"), [
    ("Count it.\n```python\nprint('a\\nb'.count('a'))\n```",
     {"thought": "Count it.", "tool": "python", "input": "print('a\\nb'.count('a'))"}),
    ("Python printed 3.\nAnswer: 3", {"thought": "Python printed 3.", "tool": "answer",
                                      "input": "3"}),
    ("**Answer:** \"Paris\"", {"thought": "", "tool": "answer", "input": "Paris"}),
    ("Done.\nAnswer:\n```python\ndef f(x):\n    return x\n```",
     {"thought": "Done.", "tool": "answer", "input": "def f(x):\n    return x"}),
    ("Look it up.\nTool: search\nInput: capital of Peru",
     {"thought": "Look it up.", "tool": "search", "input": "capital of Peru"}),
    ("Action: open\nInput: 'https://example.org/a'",
     {"thought": "", "tool": "open", "input": "https://example.org/a"}),
    ("Tool: python\nInput:\n```python\nprint(1 + 1)\n```",
     {"thought": "", "tool": "python", "input": "print(1 + 1)"}),
    # The first action counts: a block, then an answer the model made up for it.
    ("Run it.\n```python\nprint(17 * 23)\n```\nAnswer: 400",
     {"thought": "Run it.", "tool": "python", "input": "print(17 * 23)"}),
])
def test_the_first_action_of_a_fenced_reply_is_read(reply: str, expected: dict) -> None:
    assert parse_fenced(reply, TOOLS) == expected


@pytest.mark.parametrize("reply", [
    "I think the answer is probably 4.",        # no action
    "Tool: calculator\nInput: 2 + 2",           # a tool that is not offered
    "Answer:",                                  # nothing after it
    "Tool: search",                             # no input
])
def test_replies_without_a_usable_action_are_none(reply: str) -> None:
    assert parse_fenced(reply, TOOLS) is None


def test_a_python_block_needs_the_python_tool() -> None:
    assert parse_fenced("```python\nprint(1)\n```", ["search"]) is None


def test_the_json_format_renders_exactly_the_old_json() -> None:
    said = {"thought": "t", "tool": "python", "input": "print('é')"}
    assert render_action("json", "t", "python", "print('é')") == json.dumps(
        said, ensure_ascii=False)


def test_every_fenced_rendering_reads_back() -> None:
    for tool, text in [("python", "x = 1\nprint(x)"), ("answer", "42"), ("search", "q"),
                       ("answer", "def f():\n    return 1")]:
        assert parse_fenced(render_action("fenced", "why", tool, text), TOOLS) == {
            "thought": "why", "tool": tool, "input": text}


async def test_the_loop_runs_in_the_fenced_format_end_to_end() -> None:
    model = ScriptedChatModel([
        plan(("multiply", "python")),
        "Multiply with Python.\n```python\nprint(17 * 23)\n```",
        "I am not sure.",                              # unreadable: one repair request
        "Python printed 391.\nAnswer: 391",
    ])
    python = LookupPython({"print(17 * 23)": "391"})
    graph = build_graph(model, [python], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False, action_format="fenced"))
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}})
    model.assert_complete()
    assert python.ran == ["print(17 * 23)"]
    assert out["final"]["answer"] == "391" and out["usage"]["repairs"] == 1
    system = str(model.calls[1][0].content)
    assert "```python" in system and '"tool"' not in system  # fenced examples, no JSON
    later = [str(m.content) for m in model.calls[2]]
    # The earlier action is shown as the model wrote it, not as JSON.
    assert "Multiply with Python.\n```python\nprint(17 * 23)\n```" in later
    assert later[-1].endswith("If 391 answers the task, reply:\nPython printed 391.\n"
                              "Answer: 391\nOtherwise reply with a short thought and the "
                              "next action.")
    repair = str(model.calls[3][-1].content)
    assert repair.startswith("Your last reply could not be used.") and "'Answer: <answer>'" in repair


async def test_the_grounding_check_knows_the_example_answers_of_its_format() -> None:
    assert DEFAULT_PROMPTS.example_answers("fenced") == {"3", "46"}
    custom = DEFAULT_PROMPTS.with_overrides({
        "fenced_question_examples": "Example:\nTask: t\nPython printed 9.\nAnswer: 9\n"})
    assert custom.example_answers("fenced") == {"9"} and custom.example_answers() == {"3", "46"}
    item = CheckInput(question="How many?", answer="9", prompts=custom, action_format="fenced")
    verdict = await ResultGroundingChecker().check(item)
    assert verdict.status == "reject" and "worked example" in verdict.reason


def test_the_grammar_offers_exactly_the_tools_of_the_step() -> None:
    everything = fenced_grammar(["python", "search", "open"])
    assert everything.startswith(
        'root ::= (thought [\\n]{1,2})? (run | use | finish) [ \\t\\n]{0,3}\n')
    assert 'use ::= "Tool: " ("search" | "open") "\\nInput: " [^\\n]{1,300}' in everything
    assert 'finish ::= "Answer: " [^\\n]{1,200}' in everything
    python_only = fenced_grammar(["python"])
    assert "(run | finish)" in python_only and "use ::=" not in python_only
    last = fenced_grammar([])  # the last step: the answer only, no rule left unused
    assert last.splitlines() == [
        'root ::= (thought [\\n]{1,2})? (finish) [ \\t\\n]{0,3}',
        "thought ::= [^`\\n]{1,150} ([\\n]{1,2} [^`\\n]{1,150})?",
        'finish ::= "Answer: " [^\\n]{1,200}']
    code = fenced_grammar([], code_task=True)  # a coding task's answer is a function
    assert 'finish ::= "Answer:\\n```python\\n" code "```"' in code and "code ::=" in code
    with pytest.raises(ValueError, match="cannot spell"):
        fenced_grammar(["python", 'bad"name'])


class GrammarModel(ScriptedChatModel):
    """A scripted model with an OpenAI-style ``extra_body``: records the grammar of each
    call (copies of it share the record)."""

    extra_body: dict | None = None
    _grammars: list = PrivateAttr(default_factory=list)

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        self._grammars.append((self.extra_body or {}).get("grammar"))
        return super()._generate(messages, stop, run_manager, **kwargs)


def _loop_replies() -> list:
    return [plan(("multiply", "python")),
            "Multiply with Python.\n```python\nprint(17 * 23)\n```",
            "Python printed 391.\nAnswer: 391"]


async def test_the_embedded_model_is_held_to_the_fenced_format_by_a_grammar() -> None:
    model = GrammarModel(_loop_replies(), metadata={"ponder_backend": "llama.cpp"})
    graph = build_graph(model, [LookupPython({"print(17 * 23)": "391"})],
                        checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False, action_format="fenced"))
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}})
    assert out["final"]["answer"] == "391"
    planned, first, second = model._grammars
    assert planned is None  # plan answers in JSON (json_schema), not in this format
    assert first == second == fenced_grammar(["python"])  # only the planned tool


@pytest.mark.parametrize(("metadata", "fmt", "mode", "grammar"), [
    ({"ponder_backend": "llama.cpp"}, "json", "auto", False),   # JSON has json_schema
    ({"ponder_backend": "llama.cpp"}, "fenced", "off", False),
    ({}, "fenced", "auto", False),   # another backend: it may not know the field
    ({}, "fenced", "on", True),      # the user says it does (their own llama.cpp server)
])
async def test_the_grammar_goes_only_where_it_is_asked_for_and_understood(
        metadata: dict, fmt: str, mode: str, grammar: bool) -> None:
    replies = _loop_replies()
    if fmt == "json":
        replies[1:] = [{"thought": "multiply", "tool": "python", "input": "print(17 * 23)"},
                       {"thought": "done", "tool": "answer", "input": "391"}]
    model = GrammarModel(replies, metadata=metadata)
    graph = build_graph(model, [LookupPython({"print(17 * 23)": "391"})],
                        checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False, action_format=fmt,
                                          action_grammar=mode))
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}})
    assert out["final"]["answer"] == "391"
    assert [g is not None for g in model._grammars[1:]] == [grammar, grammar]


async def test_a_per_run_context_replaces_only_what_it_gives() -> None:
    from ponder.graphs.context import GraphContext

    model = ScriptedChatModel([
        plan(("multiply", "python")),
        "Multiply with Python.\n```python\nprint(17 * 23)\n```",
        "Python printed 391.\nAnswer: 391",
    ])
    python = LookupPython({"print(17 * 23)": "391"})
    graph = build_graph(model, [python], checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False, action_format="fenced"))
    prompts = DEFAULT_PROMPTS.with_overrides({"plan_system": "PER-RUN PLANNER. "
                                              + DEFAULT_PROMPTS.plan_system})
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}},
                              context=GraphContext(prompts=prompts))
    model.assert_complete()
    assert str(model.calls[0][0].content).startswith("PER-RUN PLANNER.")  # its prompts
    # ...and the bound model, tools, checkers and settings: the python tool ran, and the
    # checker accepted (a per-run context used to drop them all, or fail without a model).
    assert python.ran == ["print(17 * 23)"] and out["final"]["status"] == "verified"


def test_a_per_run_model_or_settings_gets_checkers_made_for_them() -> None:
    from dataclasses import dataclass, replace
    from types import SimpleNamespace

    from ponder.graphs.builder import _context, default_checkers
    from ponder.graphs.checkers.agreement import AgreementChecker
    from ponder.graphs.context import GraphContext
    from ponder.tools.registry import ToolRegistry

    bound_model, run_model = ScriptedChatModel([]), ScriptedChatModel([])
    tools = ToolRegistry([LookupPython({})])
    bound = GraphContext(model=bound_model, tools=tools, settings=Settings(),
                         checkers=default_checkers(tools, Settings(), bound_model))
    bound.__dict__["_rebuild"] = lambda t, s, m, p: default_checkers(t, s, m, policies=p)

    def merged(run: GraphContext) -> GraphContext:
        return _context(SimpleNamespace(context=run), bound)  # type: ignore[arg-type]

    def asked(ctx: GraphContext) -> object:
        return next(c.model for c in ctx.checkers if isinstance(c, AgreementChecker))

    assert merged(GraphContext(prompts=DEFAULT_PROMPTS)).checkers is bound.checkers
    assert asked(merged(GraphContext(model=run_model))) is run_model  # not the graph's
    strict = merged(GraphContext(settings=Settings(approval=True)))
    assert strict.checkers is not bound.checkers and strict.settings.approval
    mine = [ScriptedChecker(["accept"])]
    assert merged(GraphContext(model=run_model, checkers=mine)).checkers is mine
    # A copy made with dataclasses.replace counts every field as given, but a model of
    # None is never one; a dataclass subclass (LangGraph's usual context) still works.
    copied = merged(replace(GraphContext(prompts=DEFAULT_PROMPTS), policies=[]))
    assert copied.model is bound_model and copied.policies == []

    @dataclass
    class UserContext(GraphContext):
        user: str = ""

    own = merged(UserContext(model=run_model, user="u"))
    assert own.model is run_model


async def test_a_tool_name_no_grammar_can_spell_runs_without_a_grammar() -> None:
    """An MCP tool named "get-weather" made fenced_grammar raise inside think: every run
    with the grammar on died at its first step."""
    from langchain_core.tools import StructuredTool

    weather = StructuredTool(name="get-weather", description="The weather.",
                             args_schema={"type": "object", "properties": {}},
                             coroutine=lambda **kw: None)
    model = GrammarModel([plan(("multiply", "python"), ("weather", "get-weather")),
                          "Multiply with Python.\n```python\nprint(17 * 23)\n```",
                          "Python printed 391.\nAnswer: 391"],
                         metadata={"ponder_backend": "llama.cpp"})
    graph = build_graph(model, [LookupPython({"print(17 * 23)": "391"}), weather],
                        checkers=[ScriptedChecker(["accept"])],
                        settings=Settings(direct_answer=False, action_format="fenced"))
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}})
    assert out["final"]["answer"] == "391"
    assert model._grammars[1:] == [None, None]


def test_a_null_or_list_input_gets_the_repair_prompt_not_an_answer() -> None:
    """{"input": {"answer": null}} became the answer "None" with no repair."""
    from langchain_core.messages import AIMessage

    from ponder.graphs.parsing import parse_message
    from ponder.graphs.schemas import coerce_decision, decision_schema

    schema = decision_schema(["python", "search"])
    for text in ('{"thought": "done", "tool": "answer", "input": {"answer": null}}',
                 '{"thought": "t", "tool": "python", "input": {"code": ["print(1)"]}}'):
        out = parse_message(AIMessage(content=text), schema, coerce=coerce_decision)
        assert out.value is None and out.error, out  # an error: the repair prompt follows


def test_deeply_nested_tool_input_is_text_not_a_crash() -> None:
    from ponder.graphs.nodes.act import tool_args

    python = LookupPython({})
    raw = '{"code": ' + "[" * 50_000
    assert tool_args(python, raw) == {"code": raw}


def test_a_huge_number_in_a_template_answer_is_no_crash() -> None:
    from ponder.graphs.answer_form import fits

    assert fits("1" * 5000 + ":00:00", "HH:MM:SS") is False


def test_a_repeated_step_shows_its_earlier_result_with_the_frame_closed() -> None:
    from ponder.graphs.nodes.act import _repeat_observation
    from ponder.graphs.prompt_registry import DEFAULT_PROMPTS as prompts
    from ponder.tools.web.safety import wrap_untrusted

    page = wrap_untrusted("x" * 3000, source="https://example.org/")
    obs = _repeat_observation("open", {"index": 0, "observation": page}, prompts)  # type: ignore[arg-type]
    assert obs.text.count("<<<UNTRUSTED") == obs.text.count("<<<END UNTRUSTED") == 1


# --- per-run contexts, found by a review of the embedding API (session 46) -----------

def _loop_model() -> ScriptedChatModel:
    return ScriptedChatModel([plan(("multiply", "python")),
                              "Multiply with Python.\n```python\nprint(17 * 23)\n```",
                              "Python printed 391.\nAnswer: 391"])


async def test_a_per_run_context_changed_after_a_run_is_merged_again() -> None:
    from ponder.graphs.context import GraphContext
    from ponder.graphs.prompt_registry import DEFAULT_PROMPTS

    def planner(word: str) -> object:
        return DEFAULT_PROMPTS.with_overrides({"plan_system": f"{word}. "
                                               + DEFAULT_PROMPTS.plan_system})

    run_ctx = GraphContext(prompts=planner("FIRST"))
    sent = []
    for word in ("FIRST", "SECOND"):
        model = _loop_model()
        graph = build_graph(model, [LookupPython({"print(17 * 23)": "391"})],
                            checkers=[ScriptedChecker(["accept"])],
                            settings=Settings(direct_answer=False, action_format="fenced"))
        run_ctx.prompts = planner(word)  # on the second pass, a changed field
        await graph.ainvoke({"task": {"question": "What is 17*23?"}}, context=run_ctx)
        sent.append(str(model.calls[0][0].content).split(".")[0])
    assert sent == ["FIRST", "SECOND"]
    blank = GraphContext()
    blank.prompts = planner("SET")  # a field set after construction counts as given
    assert "prompts" in blank.given


async def test_none_in_a_per_run_context_is_not_given() -> None:
    from ponder.graphs.context import GraphContext
    from ponder.graphs.prompt_registry import DEFAULT_PROMPTS

    graph_prompts = DEFAULT_PROMPTS.with_overrides(
        {"plan_system": "GRAPH PLAN. " + DEFAULT_PROMPTS.plan_system})
    model = _loop_model()
    graph = build_graph(model, [LookupPython({"print(17 * 23)": "391"})],
                        checkers=[ScriptedChecker(["accept"])], prompts=graph_prompts,
                        settings=Settings(direct_answer=False, action_format="fenced"))
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}},
                              context=GraphContext(model=None, prompts=None, checkers=None))
    assert str(model.calls[0][0].content).startswith("GRAPH PLAN.")  # kept, not wiped
    assert out["final"]["status"] == "verified"  # the graph's checkers, not None


async def test_a_per_run_budget_above_the_graphs_is_not_cut_by_langgraph() -> None:
    """The recursion limit came from the graph's own settings: a per-run context with a
    larger step budget died with GraphRecursionError before its budget was spent."""
    from ponder.graphs.context import GraphContext
    from ponder.testing import FunctionChatModel

    def reply(messages: list) -> str:
        if "short plan" in str(messages[0].content):
            return json.dumps({"steps": [{"step": "look", "tool": "python"}]})
        return "Looking again.\n```python\nprint(len(str(1)) + " + str(len(messages)) + ")\n```"

    settings = Settings(direct_answer=False, action_format="fenced",
                        budget={"max_steps": 60, "max_tool_calls": 200})
    graph = build_graph(FunctionChatModel(reply), [LookupPython({})],
                        checkers=[ScriptedChecker(["reject"] * 200)],
                        settings=Settings(direct_answer=False, action_format="fenced"))
    out = await graph.ainvoke({"task": {"question": "Keep looking."}},
                              context=GraphContext(settings=settings))
    assert out["usage"]["steps"] >= 40  # the run's own budget ended it


def test_per_run_policies_reach_the_checkers() -> None:
    """GraphContext(policies=[]) left the checkers with every policy (their hashing
    .encode() fix still ran inside a check), since checkers were rebuilt only for a
    per-run model, tools or settings."""
    from types import SimpleNamespace

    from ponder.graphs.builder import _context, default_checkers
    from ponder.graphs.checkers.basic import AnswerTypeChecker
    from ponder.graphs.context import GraphContext
    from ponder.tools.registry import ToolRegistry

    settings = Settings(direct_answer=False)
    tools = ToolRegistry([LookupPython({})])
    bound = GraphContext(model=_loop_model(), tools=tools, settings=settings,
                         checkers=default_checkers(tools, settings, None))
    bound.__dict__["_rebuild"] = lambda t, s, m, p: default_checkers(t, s, m, policies=p)
    merged = _context(SimpleNamespace(context=GraphContext(policies=[])), bound)  # type: ignore[arg-type]
    typed = [c for c in merged.checkers if isinstance(c, AnswerTypeChecker)]
    assert typed and list(typed[0].policies) == []
    before = [c for c in bound.checkers if isinstance(c, AnswerTypeChecker)]
    assert list(before[0].policies)  # the graph's own keep every policy


async def test_the_scripted_model_hands_each_reply_out_once_under_concurrent_calls() -> None:
    import asyncio
    import sys

    from langchain_core.messages import HumanMessage

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # widens the window between taking an index and recording
    try:
        for _ in range(20):
            model = ScriptedChatModel([str(i) for i in range(48)])
            replies = await asyncio.gather(*(model.ainvoke([HumanMessage("q")])
                                             for _ in range(48)))
            assert sorted(int(r.content) for r in replies) == list(range(48))
    finally:
        sys.setswitchinterval(old)


def test_a_mixed_case_tool_name_can_be_chosen() -> None:
    """The parsers lower-case a tool name; a tool offered as "getWeather" then failed the
    schema on every reply not read by json_schema, and could never be used."""
    from ponder.graphs.schemas import coerce_decision, decision_schema, plan_schema

    decision = decision_schema(["python", "getWeather"]).model_validate(
        coerce_decision({"thought": "t", "tool": "getWeather", "input": "Paris"}))
    assert decision.tool == "getWeather"
    planned = plan_schema(["getWeather"]).model_validate(
        {"steps": [{"step": "look it up", "tool": "getweather"}]})
    assert planned.steps[0].tool == "getWeather"


def test_open_and_find_after_the_session_moved_on_are_no_repeats() -> None:
    """'open 2' after a new search names another page; 'find' after another page was
    opened searches more text: both were answered with the old result as a repeat."""
    from ponder.graphs.nodes.act import _repeat_of
    from ponder.graphs.steps import tool_step

    def made(i: int, tool: str, inp: str) -> Any:
        return tool_step(index=i, thought="", tool=tool, args={}, raw_input=inp,
                         observation="x", ok=True, sources=[], artifacts=[], data={})

    opened = [made(0, "search", "a"), made(1, "open", "2"), made(2, "find", "span")]
    assert _repeat_of({"trajectory": opened}, "open", "2") is not None  # type: ignore[typeddict-item]
    assert _repeat_of({"trajectory": opened}, "find", "span") is not None  # type: ignore[typeddict-item]
    moved = [*opened, made(3, "search", "b")]
    assert _repeat_of({"trajectory": moved}, "open", "2") is None  # type: ignore[typeddict-item]
    more = [*opened, made(3, "open", "https://example.org/")]
    assert _repeat_of({"trajectory": more}, "find", "span") is None  # type: ignore[typeddict-item]
    # What did not move it leaves a repeat a repeat: other pages opened between two
    # "open 1" (the results are the same), a search before the same find, a URL.
    cycling = [made(0, "search", "a"), made(1, "open", "1"), made(2, "open", "2")]
    assert _repeat_of({"trajectory": cycling}, "open", "1") is not None  # type: ignore[typeddict-item]
    searched = [*opened, made(3, "search", "c")]
    assert _repeat_of({"trajectory": searched}, "find", "span") is not None  # type: ignore[typeddict-item]
    url = [made(0, "open", "https://example.org/"), made(1, "search", "b")]
    assert _repeat_of({"trajectory": url}, "open", "https://example.org/") is not None  # type: ignore[typeddict-item]
    # Other tools are repeats whatever came after.
    ran = [made(0, "python", "print(1)"), made(1, "search", "a")]
    assert _repeat_of({"trajectory": ran}, "python", "print(1)") is not None  # type: ignore[typeddict-item]
