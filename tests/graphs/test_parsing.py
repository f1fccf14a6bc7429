"""The parser chain reads decisions out of the shapes small models really produce."""

import pytest
from langchain_core.messages import AIMessage

from ponder.graphs.checkers.arithmetic import UnsupportedExpression, evaluate
from ponder.graphs.parsing import defines, parse_message, python_fence
from ponder.graphs.schemas import coerce_decision, decision_schema

Decision = decision_schema(["python", "search"])


def parse(message: AIMessage):
    return parse_message(message, Decision, coerce=coerce_decision)


def test_bare_json_is_read() -> None:
    out = parse(AIMessage(content='{"thought": "t", "tool": "python", "input": "1+1"}'))
    assert out.value.tool == "python" and out.route == "bare_json"


def test_fenced_json_with_chatter_is_read() -> None:
    text = 'Sure! Here is my step:\n```json\n{"thought": "x", "tool": "search", "input": "q"}\n```'
    out = parse(AIMessage(content=text))
    assert out.value.input == "q" and out.route == "fenced_json"


def test_native_tool_call_is_read() -> None:
    msg = AIMessage(content="", tool_calls=[
        {"name": "python", "args": {"code": "print(2)"}, "id": "c1", "type": "tool_call"}
    ])
    out = parse(msg)
    assert out.value.tool == "python" and out.value.input == "print(2)"


def test_near_miss_keys_are_coerced() -> None:
    out = parse(AIMessage(content='{"action": "Python", "code": "print(1)"}'))
    assert out.value.tool == "python" and out.value.input == "print(1)" and out.value.thought == ""


def test_unknown_tool_is_a_validation_error_not_a_value() -> None:
    out = parse(AIMessage(content='{"thought": "", "tool": "rm_rf", "input": "/"}'))
    assert out.value is None and "tool" in out.error


def test_garbage_gives_an_error_message() -> None:
    out = parse(AIMessage(content="I think the answer is probably 42, who knows"))
    assert out.value is None and out.error == "the reply contained no JSON object"


def test_python_fence_fallback() -> None:
    text = "Let me compute:\n```python\nprint(17*23)\n```"
    assert python_fence(text) == "print(17*23)"
    out = parse_message(
        AIMessage(content=text), Decision, coerce=coerce_decision,
        fallback=lambda t: {"thought": "", "tool": "python", "input": python_fence(t)},
    )
    assert out.value.input == "print(17*23)" and out.route == "code_fence"


def test_the_function_to_complete_is_the_one_left_unwritten() -> None:
    from ponder.graphs.parsing import function_to_complete

    helper_first = ('def double(x):\n    return 2 * x\n\n\n'
                    'def quad(x):\n    """Four times x, with double."""\n')
    assert function_to_complete(helper_first) == "quad"
    # Stubs with pass or ..., a prompt ending on a bare signature, and a later helper.
    assert function_to_complete("def f(x):\n    pass\n\ndef g(y):\n    return y\n") == "f"
    assert function_to_complete("def h():\n    return 1\n\nasync def f(x): ...\n") == "f"
    assert function_to_complete("def h():\n    return 1\n\ndef f(x) -> int:") == "f"
    # Everything implemented: the last; nothing parses: the first def; no def: None.
    assert function_to_complete("def a():\n    return 1\ndef b():\n    return 2\n") == "b"
    assert function_to_complete("Write this:\ndef first(x):\n  ...\n)(\ndef second(") == "first"
    assert function_to_complete("write something") is None


def test_the_code_of_a_reply_in_every_shape_a_small_model_writes() -> None:
    from ponder.graphs.parsing import code_in_reply

    f = "def f(x):\n    return 1"
    shapes = [
        f"```python\n{f}\n```",                       # the asked-for fence
        f"```\n{f}\n```",                             # a fence with no language
        f"```json\n{{}}\n```\nthen\n```py3\n{f}\n```",  # the fence that defines f
        f"```python\n{f}\n",                          # a fence never closed
        f"```python\n{f}\n\nIt returns one.",        # never closed, prose after
        f"Here is the code:\n{f}\nIt returns one.",  # prose around the code
        f"{f}\n\nThis function returns 1.",
    ]
    for reply in shapes:
        assert code_in_reply(reply, "f") == f, reply
    # Not code: the reply itself, trimmed (a bare body is the caller's to join).
    assert code_in_reply("  return x + 1 ", "f") == "return x + 1"
    assert code_in_reply("no code at all", "f") == "no code at all"
    # Without an entry point, code that parses is enough.
    assert code_in_reply("```\nprint(2)\n```") == "print(2)"


def test_text_whose_parse_runs_out_of_memory_or_depth_is_not_code() -> None:
    long = "-" * 6000 + "1"  # ast.parse: MemoryError
    assert defines(long, "f") is False
    with pytest.raises(UnsupportedExpression):
        evaluate(long)
    nested = AIMessage(content='{"tool": "python", "input": "' + "[" * 3000)
    out = parse_message(nested, decision_schema(["python"]), coerce=coerce_decision)
    assert out.value is None and out.error  # json's RecursionError: no object, no crash
