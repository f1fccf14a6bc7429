"""Mechanical fixes of the slips small models repeat: exact rewrites, or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ponder.graphs.codefix import mechanical_fix
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.act import act_node
from ponder.graphs.state import empty_usage
from ponder.sandbox.local import LocalSandbox
from ponder.testing import ScriptedChatModel
from ponder.tools.python import PythonTool
from ponder.tools.registry import ToolRegistry

HASH_ERROR = "TypeError: Strings must be encoded before hashing"
DATETIME_ERROR = ("TypeError: descriptor 'date' for 'datetime.datetime' objects doesn't apply "
                  "to a 'int' object")


def test_an_unencoded_string_is_encoded_before_hashing() -> None:
    fix = mechanical_fix("import hashlib\nprint(hashlib.sha256('ponder').hexdigest()[:10])",
                         HASH_ERROR)
    assert fix is not None and "'ponder'.encode()" in fix.code and ".encode()" in fix.change
    fix = mechanical_fix("import hashlib\nprint(hashlib.new('md5', s).hexdigest())", HASH_ERROR)
    assert fix is not None and "hashlib.new('md5', s.encode())" in fix.code


def test_only_hash_objects_get_their_update_encoded() -> None:
    code = "import hashlib\nh = hashlib.md5()\nd = {}\nd.update(other)\nh.update(s)\nprint(h.hexdigest())"
    fix = mechanical_fix(code, HASH_ERROR)
    assert fix is not None
    assert "h.update(s.encode())" in fix.code and "d.update(other)" in fix.code


def test_bytes_already_given_means_no_fix() -> None:
    assert mechanical_fix("import hashlib\nhashlib.sha256(b'x').hexdigest()", HASH_ERROR) is None
    assert mechanical_fix("import hashlib\nhashlib.sha256(s.encode())", HASH_ERROR) is None


def test_a_shadowed_datetime_module_is_imported_as_the_module() -> None:
    code = "from datetime import datetime, timedelta\nprint(datetime.date(1987, 3, 14).strftime('%A'))"
    fix = mechanical_fix(code, DATETIME_ERROR)
    assert fix is not None
    assert fix.code.startswith("import datetime\nfrom datetime import timedelta\n")


def test_datetime_used_as_the_class_too_is_left_to_the_model() -> None:
    code = "from datetime import datetime\nx = datetime(2020, 1, 1)\nprint(datetime.date(1, 2, 3))"
    assert mechanical_fix(code, DATETIME_ERROR) is None


@pytest.mark.parametrize(("name", "line"), [
    ("math", "import math"),
    ("date", "from datetime import date"), ("np", "import numpy as np"),
])
def test_a_missing_well_known_name_is_imported(name: str, line: str) -> None:
    fix = mechanical_fix(f"print({name})", f"NameError: name '{name}' is not defined")
    assert fix is not None and fix.code == f"{line}\nprint({name})"


def test_unknown_errors_and_unparsable_code_get_no_fix() -> None:
    assert mechanical_fix("print(undefined_thing)",
                          "NameError: name 'undefined_thing' is not defined") is None
    assert mechanical_fix("print(1/0)", "ZeroDivisionError: division by zero") is None
    assert mechanical_fix("print(", HASH_ERROR) is None


async def act_in_a_real_kernel(tmp_path: Path, model: ScriptedChatModel, code: str,
                               task: dict[str, str]) -> dict[str, Any]:
    """Run act on ``code`` with the python tool over a local kernel, then close it."""
    box = LocalSandbox(default_timeout=30, artifact_dir=tmp_path / "art")
    ctx = GraphContext(model=model, tools=ToolRegistry([PythonTool(box)]))
    state = {"task": task, "trajectory": [], "candidates": [], "verdicts": [],
             "usage": empty_usage(),
             "pending_action": {"tool": "python", "input": code, "thought": ""}}
    try:
        return await act_node(state, ctx, lambda _: None)
    finally:
        await box.close()


@pytest.mark.filterwarnings("ignore::UserWarning")
async def test_act_runs_the_fixed_code_in_a_real_kernel_without_asking_the_model(
    tmp_path: Path,
) -> None:
    model = ScriptedChatModel([])  # any model call would fail: the fix is mechanical
    code = "import hashlib\nprint(hashlib.sha256('ponder').hexdigest()[:10])"
    out = await act_in_a_real_kernel(tmp_path, model, code, {"question": "hash?"})
    step = out["trajectory"][0]
    assert step["ok"], step["observation"]
    assert "5bcad0dd47" in step["observation"] and "fixed it mechanically" in step["observation"]
    assert step["input"] == code and ".encode()" in step["python"]["code"]
    assert out["usage"]["autofixes"] == 1 and out["usage"]["tool_calls"] == 2
    assert model.calls == []


@pytest.mark.filterwarnings("ignore::UserWarning")
async def test_a_failed_assert_shows_what_the_function_really_returned(tmp_path: Path) -> None:
    fixed = "def digit_sum(n):\n    return sum(int(d) for d in str(abs(n)))\n\nassert digit_sum(123) == 6\nprint('ok')"
    model = ScriptedChatModel([f"```python\n{fixed}\n```"])
    code = "def digit_sum(n):\n    return abs(n)\n\nassert digit_sum(123) == 6\nprint('ok')"
    out = await act_in_a_real_kernel(tmp_path, model, code, {"question": "digit_sum", "kind": "code"})
    explained = "digit_sum(123) returned 123, but the test expects 6"
    assert explained in model.calls[0][0].content  # the repair request says what went wrong
    step = out["trajectory"][0]
    assert step["ok"] and explained in step["observation"] and "ok" in step["observation"]


@pytest.mark.filterwarnings("ignore::UserWarning")
async def test_every_program_a_step_ran_is_recorded_for_the_re_run(tmp_path: Path) -> None:
    from ponder.graphs.checkers.code import python_steps

    # the model's repair imports hashlib and then fails too: the session now has hashlib
    model = ScriptedChatModel(["```python\nimport hashlib\nprint(1 / 0)\n```"])
    code = "x = undefined_name + 1"
    out = await act_in_a_real_kernel(tmp_path, model, code, {"question": "q"})
    step = out["trajectory"][0]
    assert not step["ok"] and step["python"]["ran"] == [code, "import hashlib\nprint(1 / 0)"]
    replay = python_steps([step])
    assert [s["code"] for s in replay] == step["python"]["ran"]
    assert replay[0]["ok"] is False and replay[1]["computed"] is False


def test_final_code_gets_the_imports_an_earlier_cell_had_provided() -> None:
    from ponder.graphs.codefix import add_missing_imports

    code = "def gcd_list(nums):\n    g = nums[0]\n    for n in nums:\n        g = math.gcd(g, n)\n    return g"
    fixed = add_missing_imports(code)
    assert fixed.splitlines()[0] == "import math" and fixed.endswith(code)
    scope: dict = {}
    exec(fixed, scope)  # plain definitions: the fixed code runs on its own
    assert scope["gcd_list"]([12, 18]) == 6
    for whole in ("import math\ndef f(x):\n    return math.sqrt(x)",
                  "def f(math):\n    return math.sqrt(2)",
                  "from math import *\ndef f():\n    return 1",
                  "def f(:"):
        assert add_missing_imports(whole) == whole
    assert add_missing_imports("def f(s):\n    return Counter(s)").startswith(
        "from collections import Counter\n")


def test_a_function_gets_the_imports_of_its_tasks_signature() -> None:
    from ponder.graphs.codefix import add_missing_imports, prompt_imports
    from ponder.graphs.nodes.direct import completed_code

    prompt = ("from typing import Dict, List as L, Optional\nimport collections.abc\n\n\n"
              "def f(xs: L[int]) -> Optional[Dict[str, int]]:\n    \"\"\"Doc.\n\n"
              "    >>> f([1])\n    {'1': 1}\n    \"\"\"\n")
    assert prompt_imports(prompt) == {
        "Dict": "from typing import Dict", "L": "from typing import List as L",
        "Optional": "from typing import Optional", "collections": "import collections.abc"}
    # A reply with the function alone: annotations are evaluated at definition, so
    # without the task's imports it fails before running a line.
    reply = ("```python\ndef f(xs: L[int]) -> Optional[Dict[str, int]]:\n"
             "    return {str(x): x for x in xs} or None\n```")
    code = completed_code(reply, prompt, "f", [])
    assert code.splitlines()[:3] == ["from typing import Dict", "from typing import List as L",
                                     "from typing import Optional"]
    scope: dict = {}
    exec(code, scope)
    assert scope["f"]([1]) == {"1": 1}
    # Without a prompt that says, the usual typing names are well known too.
    assert add_missing_imports("def g(x: List[int]) -> int:\n    return 1").startswith(
        "from typing import List\n")
    assert prompt_imports("Write f(xs) that sums xs.") == {}


_HELPER_PROMPT = '''import math

SCALE = 2


def _rounded(x: float) -> int:
    return math.floor(x * SCALE)


@staticmethod
def unused(x):
    return x


def is_vowel(ch: str) -> bool:
    """Return True when ch is a vowel."""
    return ch.lower() in "aeiou"


def vowel_scores(text: str) -> list:
    """Scaled position of every character for which is_vowel is true.

    >>> vowel_scores('ab')
    [0]
    """
'''


def test_the_prompts_helpers_are_found_besides_the_function_to_complete() -> None:
    from ponder.graphs.codefix import prompt_definitions

    found = prompt_definitions(_HELPER_PROMPT, "vowel_scores")
    assert sorted(found) == ["SCALE", "_rounded", "is_vowel", "unused"]
    assert found["SCALE"] == "SCALE = 2"
    assert found["unused"].startswith("@staticmethod\ndef unused(x):")
    assert found["is_vowel"].endswith('return ch.lower() in "aeiou"')
    # A prompt ending on a bare signature still parses once a body is supplied; one that
    # does not parse at all gives nothing.
    assert sorted(prompt_definitions("def h(x):\n    return x\n\ndef f(x):", "f")) == ["h"]
    assert prompt_definitions("def f(:\n", "f") == {}


def test_a_completion_that_calls_the_prompts_helper_runs_on_its_own() -> None:
    from ponder.graphs.codefix import with_prompt_context
    from ponder.graphs.nodes.direct import completed_code

    reply = ("```python\ndef vowel_scores(text: str) -> list:\n"
             "    return [_rounded(i / 2) for i, c in enumerate(text) if is_vowel(c)]\n```")
    code = completed_code(reply, _HELPER_PROMPT, "vowel_scores", [])
    # Only what it uses, each dependency above what needs it: the helper's own constant
    # and import come too; the unused helper does not.
    assert "def unused" not in code
    assert code.index("import math") < code.index("def _rounded")
    assert code.index("SCALE = 2") < code.index("def _rounded")
    scope: dict = {}
    exec(code, scope)
    assert scope["vowel_scores"]("abae") == [0, 2, 3]
    # A reply that writes its own helper keeps it: nothing from the prompt is added.
    own = "def vowel_scores(text):\n    def is_vowel(c):\n        return c in 'ae'\n    return [is_vowel(c) for c in text]"
    assert with_prompt_context(own, _HELPER_PROMPT, "vowel_scores") == own
    # The harness context adds the prompt's bindings only, never the core's import table.
    assert with_prompt_context("def f(s):\n    return Counter(s)", _HELPER_PROMPT, "f") == (
        "def f(s):\n    return Counter(s)")
    # A completion in body style is joined to the prompt, helpers included.
    body = completed_code("    return [i for i, c in enumerate(text) if is_vowel(c)]",
                          _HELPER_PROMPT, "vowel_scores", [])
    scope = {}
    exec(body, scope)
    assert scope["vowel_scores"]("ab") == [0]


def test_the_lines_that_try_a_function_are_left_out_of_the_answer() -> None:
    from ponder.graphs.codefix import without_demo_code
    from ponder.graphs.nodes.direct import completed_code

    code = ("import math\nLIMIT = 3\n\n\ndef f(x):\n    return math.floor(x) + LIMIT\n\n\n"
            "# Test cases\nassert f(1.5) == 5  # the model's own, wrong, expectation\n"
            "print(f(2))\nf(3)\nfor i in range(2):\n    print(f(i))\n"
            "if __name__ == '__main__':\n    n = int(input())\n    print(f(n))\n")
    cleaned = without_demo_code(code)
    assert cleaned == "import math\nLIMIT = 3\n\n\ndef f(x):\n    return math.floor(x) + LIMIT"
    scope: dict = {}
    exec(cleaned, scope)  # the wrong assert and the input() are gone: the function runs
    assert scope["f"](1.5) == 4
    # What defines or sets up stays; code that is only a try-out, or does not parse, stays.
    setup = "import sys\nsys.setrecursionlimit(5000)\ncache = {}\ndef g():\n    return cache"
    for unchanged in (setup, "assert 1 == 1\nprint(2)", "def f(:"):
        assert without_demo_code(unchanged) == unchanged
    # The direct completion is cleaned the same way.
    reply = "```python\ndef f(x):\n    return x + 1\n\nprint(f(1))\n```"
    assert completed_code(reply, "def f(x):\n", "f", []) == "def f(x):\n    return x + 1"
