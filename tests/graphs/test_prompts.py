"""One prompt registry: an override changes what the nodes and checkers send the model,
and a bad override is a clear error naming the prompt."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from graph_helpers import ScriptedChecker, answer, plan
from langchain_core.messages import BaseMessage

from ponder import Agent, Prompts
from ponder.agent.errors import ConfigError
from ponder.agent.settings import BudgetSettings, Settings, load_settings
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.agreement import AgreementChecker
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.basic import ResultGroundingChecker
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS, prompts_with
from ponder.testing import FunctionChatModel, ScriptedChatModel

LOOP = Settings(direct_answer=False)
STORY = ("Olivia takes 11 minutes to finish a chess puzzle and 4 minutes to finish a riddle. "
         "Over the vacation she solved 3 chess puzzles and 6 riddles. How much time did she "
         "spend playing these games in total, in minutes?")
COMPUTED = [{"action": {"tool": "python", "args": {}}, "ok": True, "kind": "python",
             "python": {"code": "print(11 * 3 + 4 * 6)", "stdout": "57\n", "value": None,
                        "error": None}}]


async def test_an_override_changes_what_the_nodes_send() -> None:
    prompts = DEFAULT_PROMPTS.with_overrides({
        "plan_system": "PLAN IN JSON.",
        "think_system": "Tools: {tools}. {examples}Reply in JSON.",
        "question_examples": "No examples. ",
        "last_step": "Answer now.",
    })
    model = ScriptedChatModel([plan(("x", "none")), answer("4")])
    graph = build_graph(model, [], checkers=[], prompts=prompts,
                        settings=Settings(direct_answer=False, budget=BudgetSettings(max_steps=1)))
    await graph.ainvoke({"task": {"question": "2+2?"}})
    model.assert_complete()
    plan_call, think_call = model.calls
    assert plan_call[0].content == "PLAN IN JSON."
    assert think_call[0].content == "Tools: - (no tools). No examples. Reply in JSON."
    assert str(think_call[-1].content).endswith("Answer now.")
    assert DEFAULT_PROMPTS.last_step not in str(think_call[-1].content)


async def test_the_first_methods_and_the_settings_table_use_the_registry() -> None:
    settings = Settings(bare_answer=True, program_answer=False,
                        prompts={"direct_question": "Just answer.", "bare_question": "Bare!"})
    seen: list[str] = []

    def reply(messages: list[BaseMessage]) -> str:
        seen.append(str(messages[-1].content))
        return "Answer: 4"

    graph = build_graph(FunctionChatModel(reply), [], checkers=[ScriptedChecker(["accept"] * 2)],
                        settings=settings)
    await graph.ainvoke({"task": {"question": "2+2?"}})
    assert sorted(seen) == ["2+2?\nBare!", "Task: 2+2?\n\nJust answer."]


async def test_checkers_ask_the_model_with_the_runs_prompts() -> None:
    asked: list[str] = []

    def words(messages: list[BaseMessage]) -> str:
        asked.append(str(messages[-1].content))
        return "11*3 + 4*6 = 57\nAnswer: 57"

    prompts = Prompts(words_solution="In words, please: {question}")
    item = CheckInput(question=STORY, answer="57", trajectory=COMPUTED, prompts=prompts)
    verdict = await AgreementChecker(FunctionChatModel(words)).check(item)
    assert asked == [f"In words, please: {STORY}"] and "agreeing" in verdict.reason

    # through the graph, the verify node hands every checker the run's prompts
    checker = ScriptedChecker(["accept"])
    model = ScriptedChatModel([plan(("x", "none")), answer("4")])
    graph = build_graph(model, [], checkers=[checker], settings=LOOP, prompts=prompts)
    await graph.ainvoke({"task": {"question": "2+2?"}})
    assert checker.seen[0].prompts is prompts


async def test_the_grounding_checker_knows_the_overridden_examples_answers() -> None:
    example = '{"thought": "Python printed 7.", "tool": "answer", "input": "7"}\n'
    prompts = Prompts(question_examples=example)
    assert DEFAULT_PROMPTS.example_answers() == {"3", "46"}
    assert prompts.example_answers() == {"7"}
    item = CheckInput(question="How many days?", answer="7", prompts=prompts)
    assert (await ResultGroundingChecker().check(item)).status == "reject"
    default = await ResultGroundingChecker().check(item.model_copy(
        update={"prompts": DEFAULT_PROMPTS}))
    assert default.status != "reject"


async def test_the_agent_facade_takes_prompts() -> None:
    model = ScriptedChatModel([plan(("x", "none")), answer("4")])
    async with Agent(LOOP, model=model, tools=[], persist=False, checkers=[],
                     prompts=Prompts(plan_system="Plan it.")) as agent:
        await agent.arun("2+2?")
    assert model.calls[0][0].content == "Plan it."


@pytest.mark.parametrize(("override", "message"), [
    ({"think_system": "Tools: {tools}"}, "the placeholder {examples} is missing"),
    ({"revise_code": "{code} {failures} {tests}"}, "unknown placeholder {tests}"),
    ({"bare_code": "Write {entry_point} as {'json': 1}"}, "unknown placeholder"),
    ({"replan": "{tried} {critique"}, "not a valid template"),
    ({"thinksystem": "x"}, "no such prompt"),
    # accepted before, then a crash inside the run (a review, session 46)
    ({"think_system": "Tools:\n{tools:>10d}\n{examples}"}, "cannot be filled in"),
    ({"repair_code": "Fix {code!x}\n{error}"}, "cannot be filled in"),
])
def test_a_bad_override_names_the_prompt(override: dict[str, str], message: str) -> None:
    name = next(iter(override))
    with pytest.raises(ConfigError, match=f"prompts.{name}") as caught:
        DEFAULT_PROMPTS.with_overrides(override)
    assert message in caught.value.reason
    if name != "thinksystem":
        with pytest.raises(ConfigError, match=message.replace("{", r"\{")):
            Prompts(**override)  # the constructor checks too
        with pytest.raises(ConfigError, match=f"prompts.{name}"):
            dataclasses.replace(DEFAULT_PROMPTS, **override)


def test_plain_prompts_are_sent_as_written_and_templates_keep_literal_braces() -> None:
    prompts = prompts_with({"next_step": 'Reply {"like": "this"}',
                            "task_tests": "Tests ({{literal}}):\n{tests}"})
    assert prompts.next_step == 'Reply {"like": "this"}'
    assert prompts.task_tests.format(tests="assert f()") == "Tests ({literal}):\nassert f()"
    assert Prompts.placeholders("revise_code") == ("code", "failures")
    assert Prompts.placeholders("plan_system") is None


def _settings_file(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "ponder.toml"
    path.write_text(f"[prompts]\n{table}\n", encoding="utf-8")
    return path


def test_a_prompts_table_in_ponder_toml_overrides_and_is_checked(tmp_path: Path) -> None:
    good = load_settings(config_file=_settings_file(tmp_path, 'bare_question = "Only the answer."'))
    assert prompts_with(good.prompts).bare_question == "Only the answer."
    with pytest.raises(ConfigError) as unknown:
        load_settings(config_file=_settings_file(tmp_path, 'plan_sytem = "x"'))
    assert unknown.value.key == "prompts.plan_sytem" and "no such prompt" in unknown.value.reason
    assert unknown.value.source is not None and "ponder.toml" in unknown.value.source
    with pytest.raises(ConfigError) as missing:
        load_settings(config_file=_settings_file(tmp_path, 'repair_code = "Fix: {code}"'))
    assert missing.value.key == "prompts.repair_code"
    assert "the placeholder {error} is missing" in str(missing.value)


def test_the_defaults_satisfy_their_own_templates() -> None:
    names = [f.name for f in dataclasses.fields(Prompts)]
    kwargs: dict[str, Any] = {n: getattr(DEFAULT_PROMPTS, n) for n in names}
    assert Prompts(**kwargs) == DEFAULT_PROMPTS
    assert prompts_with({}) is DEFAULT_PROMPTS


async def test_what_the_model_is_told_after_a_tool_step_comes_from_the_registry() -> None:
    from graph_helpers import LookupPython, act

    prompts = DEFAULT_PROMPTS.with_overrides({
        "hint_name_error": "DEFINE IT.",
        "code_failed_hint": "FAILED: {hint}",
        "repeated_step": "SAME AS STEP {step}: {result}",
        "prints_only": "PRINTS ONLY.",
    })
    python = LookupPython({"print(4)": "4"})
    model = ScriptedChatModel([
        plan(("compute", "python")),
        act("python", "print(x)"),
        "no code here",  # the self-repair call writes no program: the failure stands
        act("python", "print(4)"),
        act("python", "print(4)"),
        answer("4"),
    ])
    graph = build_graph(model, [python], checkers=[], prompts=prompts,
                        settings=Settings(direct_answer=False, budget=BudgetSettings(max_steps=4)))
    out = await graph.ainvoke({"task": {"question": "What is 2+2?"}})
    model.assert_complete()
    failed, printed, repeated = [s["observation"] for s in out["trajectory"][:3]]
    assert failed.endswith("FAILED: DEFINE IT.")
    assert printed.endswith("PRINTS ONLY.")
    assert repeated.startswith("SAME AS STEP 2: ") and python.ran == ["print(x)", "print(4)"]
    for default in (DEFAULT_PROMPTS.hint_name_error, DEFAULT_PROMPTS.prints_only):
        assert all(default not in text for text in (failed, printed, repeated))
