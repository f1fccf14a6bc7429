"""Whole runs: search → open → find → answer → verify, with the scripted model and the
real web tools against the local server. The source checker comes from the tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graph_helpers import act, answer, plan

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Tool
from ponder.tools.web import make_web_tools

from .server import LocalWeb

QUESTION = "Who was the chief engineer of the Zephyr Bridge, and how long is its main span?"
BROWSE = [
    plan(("search for the bridge", "search"), ("read the article", "open"),
         ("find the engineer", "find")),
    act("search", "Zephyr Bridge"),
    act("open", "1"),
    act("find", "chief engineer"),
]


@pytest.fixture
async def web_tools(settings: Settings) -> AsyncIterator[list[Tool]]:
    made = make_web_tools(settings, no_cache=True)
    yield made
    for tool in made:
        closer = getattr(tool, "aclose", None)
        if closer is not None:
            await closer()


async def run(model: ScriptedChatModel, tools: list[Tool], settings: Settings) -> tuple[
    dict[str, Any], list[dict[str, Any]]
]:
    # The tool loop's use of the web is under test: no direct answer first.
    graph = build_graph(model, tools, settings=settings.model_copy(update={"direct_answer": False}))
    events: list[dict[str, Any]] = []
    state: dict[str, Any] = {}
    async for mode, chunk in graph.astream({"task": {"question": QUESTION}},
                                           stream_mode=["custom", "values"]):
        if mode == "custom":
            events.append(chunk)
        else:
            state = chunk
    model.assert_complete()
    return state, events


def source_verdicts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "verdict" and e["checker"] == "sources"]


async def test_a_supported_answer_keeps_its_sources_as_evidence(
    web_tools: list[Tool], settings: Settings, web: LocalWeb
) -> None:
    model = ScriptedChatModel([
        *BROWSE, answer("Amelia Thornbury; the main span is 1,234 metres long."),
    ])
    state, events = await run(model, web_tools, settings)
    final = state["final"]
    assert not final["verified"], final  # support is not verification (precision unmeasured)
    assert "unverified" in [v["status"] for v in source_verdicts(events)]
    assert any("'Thornbury' — found in" in line for line in final["evidence"])
    assert any("'1,234' — found in" in line for line in final["evidence"])
    assert web.url("/article") in [s["url"] for s in final["sources"]]
    steps = state["trajectory"]
    assert [s["action"]["tool"] for s in steps] == ["search", "open", "find"]
    assert "Amelia Thornbury" in steps[2]["observation"]


async def test_an_unsupported_answer_is_rejected_and_the_critique_names_it(
    web_tools: list[Tool], settings: Settings
) -> None:
    model = ScriptedChatModel([
        *BROWSE,
        answer("Robert Smith; the main span is 1,234 metres long."),
        answer("Amelia Thornbury; the main span is 1,234 metres long."),
    ])
    state, events = await run(model, web_tools, settings)
    verdicts = source_verdicts(events)
    assert [v["status"] for v in verdicts] == ["reject", "unverified"]
    assert "the name 'Robert'" in verdicts[0]["reason"]
    assert "the name 'Smith'" in verdicts[0]["reason"]
    critique_prompt = model.calls[-1][-1].content
    assert "the name 'Robert'" in critique_prompt
    assert not state["final"]["verified"]  # supported, selected, not verified
    assert state["final"]["answer"].startswith("Amelia Thornbury")
