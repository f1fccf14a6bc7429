"""decide(): structured output, parser chain, one repair prompt, counted failures."""

from langchain_core.messages import HumanMessage

from ponder.graphs.decide import decide
from ponder.graphs.schemas import coerce_decision, decision_schema
from ponder.testing import ScriptedChatModel

Decision = decision_schema(["python"])


async def test_valid_first_reply_needs_no_repair() -> None:
    model = ScriptedChatModel([{"thought": "t", "tool": "answer", "input": "4"}])
    out = await decide(model, [HumanMessage("2+2?")], Decision, coerce=coerce_decision)
    assert out.value.input == "4"
    assert out.usage["model_calls"] == 1 and "repairs" not in out.usage
    model.assert_complete()


async def test_garbage_then_valid_is_repaired_and_the_model_sees_its_error() -> None:
    model = ScriptedChatModel(["no json here", {"thought": "t", "tool": "python", "input": "1"}])
    out = await decide(model, [HumanMessage("q")], Decision, coerce=coerce_decision)
    assert out.value.tool == "python"
    assert out.usage == {"model_calls": 2, "prompt_tokens": 20, "completion_tokens": out.usage["completion_tokens"], "repairs": 1}
    repair_prompt = model.calls[1][-1].content
    assert "no json here" in repair_prompt and "no JSON object" in repair_prompt
    model.assert_complete()


async def test_garbage_twice_is_a_counted_failure_not_an_exception() -> None:
    model = ScriptedChatModel(["garbage", "{broken json"])
    out = await decide(model, [HumanMessage("q")], Decision, coerce=coerce_decision)
    assert out.value is None
    assert out.usage["parse_failures"] == 1 and out.usage["repairs"] == 1
    assert out.raw == "{broken json"
