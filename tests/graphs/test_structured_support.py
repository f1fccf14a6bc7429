"""One unreadable structured reply must not switch JSON-schema output off for the process:
capability facts are kept per backend, and a refusal only starts a bounded plain-text
spell."""

from __future__ import annotations

import json
from typing import Any

from fake_openai import FakeOpenAI
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI

from ponder.graphs import decide as decide_mod
from ponder.graphs.decide import PLAIN_TEXT_SPELL, decide, structured_support
from ponder.graphs.schemas import coerce_decision, decision_schema

Decision = decision_schema(["python"])
GOOD = json.dumps({"thought": "t", "tool": "answer", "input": "4"})


def _model(server: FakeOpenAI, name: str) -> ChatOpenAI:
    return ChatOpenAI(model=name, base_url=server.base_url, api_key="x", max_retries=0)


def _asked_with_schema(body: dict[str, Any]) -> bool:
    return (body.get("response_format") or {}).get("type") == "json_schema"


async def test_one_malformed_structured_reply_does_not_turn_json_schema_off() -> None:
    # a reply cut short (as at max_tokens): the client's own parsing raises on it
    replies = iter(['{"thought": "t", "tool": "answer"', GOOD, GOOD, GOOD])
    with FakeOpenAI(lambda body: next(replies)) as server:
        model = _model(server, "malformed-once")
        first = await decide(model, [HumanMessage("2+2?")], Decision, coerce=coerce_decision)
        later = await decide(model, [HumanMessage("3+1?")], Decision, coerce=coerce_decision)
    assert first.value is not None and later.value is not None
    assert _asked_with_schema(server.requests[0])
    # the request after the bad reply, and the next decision, still ask for json_schema
    assert _asked_with_schema(server.requests[-1])


async def test_a_refusal_falls_back_for_a_bounded_spell_then_json_schema_is_tried_again(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(decide_mod, "PLAIN_TEXT_SPELL", 2)
    with FakeOpenAI(lambda body: GOOD) as server:
        model = _model(server, "refuses-once")
        support = structured_support(model)
        support.refused("test backend", "response_format is not supported")
        for _ in range(3):
            out = await decide(model, [HumanMessage("q")], Decision, coerce=coerce_decision)
            assert out.value is not None
    assert [_asked_with_schema(b) for b in server.requests] == [False, False, True]
    assert support.refusals == 1 and PLAIN_TEXT_SPELL > 2


async def test_copies_of_a_model_share_their_backend_facts_and_other_backends_do_not() -> None:
    with FakeOpenAI(lambda body: GOOD) as server:
        model = _model(server, "shared")
        hot = model.model_copy(update={"temperature": 0.8})
        other = _model(server, "someone-else")
        assert structured_support(hot) is structured_support(model)
        assert structured_support(other) is not structured_support(model)
