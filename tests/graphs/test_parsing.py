"""The parser chain reads decisions out of the shapes small models really produce."""

from langchain_core.messages import AIMessage

from ponder.graphs.parsing import parse_message, python_fence
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
