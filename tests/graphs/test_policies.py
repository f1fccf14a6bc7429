"""Task-family policies: each rule does what it did in the core, and with none switched on
the core is generic: no family rule fires anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
from graph_helpers import EchoTool, plan

from ponder.agent.errors import ConfigError
from ponder.agent.settings import Settings, load_settings
from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.basic import AnswerTypeChecker
from ponder.graphs.codefix import add_missing_imports, mechanical_fix
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.plan import is_exact_work, plan_node
from ponder.graphs.policies import (
    Policy,
    available_policies,
    default_policies,
    load_policies,
)
from ponder.graphs.policies.hashing import HashingPolicy
from ponder.graphs.state import empty_usage
from ponder.testing import ScriptedChatModel
from ponder.tools.python import DESCRIPTION, PythonTool
from ponder.tools.registry import ToolRegistry

HASH_ERROR = "TypeError: Strings must be encoded before hashing"
WEEKDAY_QUESTION = "Which weekday was March 14, 1987?"
HASH_QUESTION = "Compute the sha256 of the string 'ponder' and give its first 10 characters."


class Counting(Policy):
    """A test-local family rule for the plan hook: counting is done in python."""

    name = "counting"

    def forces_python(self, question: str) -> bool:
        return "how many times" in question.lower()


class Python(EchoTool):
    name = "python"


class Search(EchoTool):
    name = "search"


def _noop(_: dict[str, Any]) -> None:
    return None


async def _planned_tools(question: str, settings: Settings,
                         policies: list[Policy] | None = None) -> list[str]:
    model = ScriptedChatModel([plan(("look it up", "search"), ("answer", "none"))])
    ctx = GraphContext(model=model, tools=ToolRegistry([Python(), Search()]), settings=settings,
                       policies=policies)
    state: dict[str, Any] = {"task": {"question": question}, "trajectory": [], "candidates": [],
                             "verdicts": [], "usage": empty_usage()}
    out = await plan_node(state, ctx, _noop)  # type: ignore[arg-type]
    return [step["tool"] for step in out["plan"]]


# --- the registry and the setting --------------------------------------------------------

def test_every_policy_is_on_by_default_and_the_setting_knows_each_name() -> None:
    names = ["hashing"]
    assert available_policies() == names and Settings().policies == names
    assert [p.name for p in default_policies()] == names
    (literal,) = get_args(Settings.model_fields["policies"].annotation)
    assert list(get_args(literal)) == names


def test_policies_load_in_the_order_given_each_once() -> None:
    loaded = load_policies(["hashing", "hashing"])
    assert [p.name for p in loaded] == ["hashing"] and load_policies([]) == []


def test_an_unknown_policy_is_a_config_error_naming_the_key_and_the_known_names() -> None:
    with pytest.raises(ConfigError) as caught:
        load_policies(["hashing", "weekdays"])
    assert caught.value.key == "policies"
    assert "'weekdays'" in str(caught.value)
    assert "known: hashing" in str(caught.value)


def test_an_unknown_policy_in_the_environment_fails_when_settings_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PONDER_POLICIES", '["weekdays"]')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.key == "policies.0" and "'hashing'" in str(caught.value)


def test_policies_are_set_by_environment_json_and_by_toml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PONDER_POLICIES", "[]")
    assert load_settings().policies == []
    monkeypatch.setenv("PONDER_POLICIES", '["hashing"]')
    assert load_settings().policies == ["hashing"]
    monkeypatch.delenv("PONDER_POLICIES")
    path = tmp_path / "ponder.toml"
    path.write_text('policies = []\n')
    assert load_settings(config_file=path).policies == []


def test_the_graph_context_uses_the_settings_policies_unless_given_its_own() -> None:
    model = ScriptedChatModel([])
    assert GraphContext(model=model, settings=Settings(policies=[])).active_policies() == []
    named = GraphContext(model=model, settings=Settings(policies=["hashing"]))
    assert [p.name for p in named.active_policies()] == ["hashing"]
    own = GraphContext(model=model, settings=Settings(policies=[]), policies=[HashingPolicy()])
    assert [p.name for p in own.active_policies()] == ["hashing"]


# --- plan: web steps become python ------------------------------------------------------

def test_each_family_routes_its_own_questions_to_python() -> None:
    assert HashingPolicy().forces_python("What is the MD5 of 'abc'?")
    assert HashingPolicy().forces_python("Give the SHA-256 of 'ponder'.")
    for policy in default_policies():
        assert not policy.forces_python("Who wrote Emma?")
    assert not HashingPolicy().forces_python("How many times does 'i' occur in 'mississippi'?")
    assert not HashingPolicy().forces_python(WEEKDAY_QUESTION)


def test_exact_work_is_what_the_policies_say() -> None:
    assert is_exact_work(HASH_QUESTION) and not is_exact_work("Who wrote Emma?")
    assert not is_exact_work(HASH_QUESTION, [])
    assert is_exact_work("What is the md5 of 'a'?", [HashingPolicy()])
    assert not is_exact_work("What is the md5 of 'a'?", [Counting()])
    assert is_exact_work("How many times does 'i' occur in 'mississippi'?", [Counting()])
    assert not is_exact_work("How many times does 'i' occur in 'mississippi'?")


async def test_the_plan_keeps_its_web_step_with_no_policy() -> None:
    assert await _planned_tools(HASH_QUESTION, Settings()) == ["python", "none"]
    assert await _planned_tools(HASH_QUESTION, Settings(policies=[])) == ["search", "none"]
    counting = "How many times does 'i' occur in 'mississippi'?"
    assert await _planned_tools(counting, Settings()) == ["search", "none"]
    only_counting = [Counting()]
    assert await _planned_tools("What is the md5 of 'a'?", Settings(), only_counting) == [
        "search", "none"]
    assert await _planned_tools(counting, Settings(), only_counting) == ["python", "none"]


# --- answer type: a policy may add a rule of its family ---------------------------------

class WeekdayNamed(Policy):
    """A test policy: an answer to "which weekday" must name one."""

    name = "weekday-named"

    def answer_type_rejection(self, question: str, answer: str) -> str | None:
        asks = "weekday" in question.lower()
        return "name the weekday" if asks and not answer.lower().endswith("day") else None


async def test_a_policy_can_add_an_answer_type_rule_and_none_of_the_defaults_does() -> None:
    item = CheckInput(question=WEEKDAY_QUESTION, answer="5")
    assert (await AnswerTypeChecker([WeekdayNamed()]).check(item)).status == "reject"
    assert (await AnswerTypeChecker([WeekdayNamed()]).check(
        item.model_copy(update={"answer": "Saturday"}))).status == "unverified"
    assert (await AnswerTypeChecker([]).check(item)).status == "unverified"
    assert (await AnswerTypeChecker().check(item)).status == "unverified"


async def test_the_generic_answer_type_rules_hold_with_no_policy() -> None:
    generic = AnswerTypeChecker([])
    many = await generic.check(CheckInput(question="How many legs has a spider?", answer="eight"))
    yes_no = await generic.check(CheckInput(question="Is 7 odd? Answer Yes or No.", answer="7"))
    first = await generic.check(CheckInput(question="Give the first 4 characters.",
                                           answer="abcdef"))
    assert [many.status, yes_no.status, first.status] == ["reject"] * 3


# --- code fixes: the .encode() for hashing, sympy's names --------------------------------

def test_an_unencoded_string_is_encoded_before_hashing() -> None:
    hashing = HashingPolicy()
    fix = hashing.code_fix("import hashlib\nprint(hashlib.sha256('ponder').hexdigest()[:10])",
                           HASH_ERROR)
    assert fix is not None and "'ponder'.encode()" in fix.code and ".encode()" in fix.change
    fix = hashing.code_fix("import hashlib\nprint(hashlib.new('md5', s).hexdigest())",
                           HASH_ERROR)
    assert fix is not None and "hashlib.new('md5', s.encode())" in fix.code


def test_only_hash_objects_get_their_update_encoded() -> None:
    code = "import hashlib\nh = hashlib.md5()\nd = {}\nd.update(other)\nh.update(s)\nprint(h.hexdigest())"
    fix = HashingPolicy().code_fix(code, HASH_ERROR)
    assert fix is not None
    assert "h.update(s.encode())" in fix.code and "d.update(other)" in fix.code


def test_the_hash_fix_leaves_bytes_other_errors_and_broken_code_alone() -> None:
    hashing = HashingPolicy()
    assert hashing.code_fix("import hashlib\nhashlib.sha256(b'x').hexdigest()", HASH_ERROR) is None
    assert hashing.code_fix("import hashlib\nhashlib.sha256(s.encode())", HASH_ERROR) is None
    assert hashing.code_fix("import hashlib\nhashlib.sha256('x')", "ValueError: x") is None
    assert hashing.code_fix("print(", HASH_ERROR) is None


def test_an_unencoded_hash_is_not_rewritten_with_no_policy() -> None:
    code = "import hashlib\nprint(hashlib.sha256('ponder').hexdigest())"
    assert mechanical_fix(code, HASH_ERROR) is not None
    assert mechanical_fix(code, HASH_ERROR, [HashingPolicy()]) is not None
    assert mechanical_fix(code, HASH_ERROR, []) is None


def test_standard_library_fixes_are_core_and_need_no_policy() -> None:
    fix = mechanical_fix("print(math.pi)", "NameError: name 'math' is not defined", [])
    assert fix is not None and fix.code == "import math\nprint(math.pi)"
    code = "from datetime import datetime\nprint(datetime.date(1987, 3, 14))"
    error = "TypeError: descriptor 'date' for 'datetime.datetime' objects doesn't apply"
    assert mechanical_fix(code, error, []) is not None
    assert add_missing_imports("def f(s):\n    return Counter(s)", []).startswith(
        "from collections import Counter\n")


# --- the python tool's hints ------------------------------------------------------------

def test_the_python_tool_lists_the_hints_of_its_policies() -> None:
    full = PythonTool(factory=lambda: None).description  # type: ignore[arg-type,return-value]
    for hint in ("hashlib.sha256(s.encode())",):
        assert hint in full
    generic = PythonTool(factory=lambda: None, policies=[])  # type: ignore[arg-type,return-value]
    assert generic.description == DESCRIPTION
    assert "Useful" not in generic.description and "hashlib" not in generic.description
    assert "sympy.prime" not in generic.description


def test_the_python_tool_takes_its_policies_from_the_settings() -> None:
    tool = PythonTool.from_settings(Settings(policies=["hashing"]))
    assert tool.description == f"{DESCRIPTION} Useful: hashlib.sha256(s.encode()).hexdigest()."
    assert PythonTool.from_settings(Settings(policies=[])).description == DESCRIPTION


def test_the_graphs_default_checkers_follow_the_policies_setting() -> None:
    from ponder.agent.settings import Settings
    from ponder.graphs.builder import default_checkers
    from ponder.graphs.checkers.basic import AnswerTypeChecker
    from ponder.tools.registry import ToolRegistry

    def answer_type(settings: Settings) -> AnswerTypeChecker:
        checkers = default_checkers(ToolRegistry([]), settings)
        return next(c for c in checkers if isinstance(c, AnswerTypeChecker))

    assert answer_type(Settings(policies=[])).policies == []
    assert [p.name for p in answer_type(Settings()).policies] == ["hashing"]
