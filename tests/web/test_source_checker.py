"""The source checker: claims in an answer must appear in text fetched in the run."""

from __future__ import annotations

from typing import Any

import pytest

from ponder.graphs.checkers.base import CheckInput
from ponder.graphs.checkers.sources import SourceChecker, extract_claims
from ponder.graphs.steps import tool_step, web_call
from ponder.tools.base import Observation, Tool, ToolContext

from .server import LocalWeb

QUESTION = "How long is the main span of the Zephyr Bridge, and who was its chief engineer?"


def step(index: int, tool: str, args: dict[str, Any], obs: Observation) -> dict[str, Any]:
    """A trajectory step as the act node records it."""
    return dict(tool_step(index=index, thought="", tool=tool, args=args, raw_input="",
                          observation=obs.text, ok=obs.ok,
                          sources=[s.model_dump() for s in obs.sources], artifacts=[],
                          data=obs.data))


async def run(tools: dict[str, Tool], calls: list[tuple[str, dict[str, Any]]]) -> list[
    dict[str, Any]
]:
    """Call the tools in order and record the trajectory."""
    ctx = ToolContext(thread_id="checker")
    trajectory = []
    for index, (name, args) in enumerate(calls):
        tool = tools[name]
        obs = await tool.call(tool.args_schema.model_validate(args), ctx)
        assert obs.ok, obs.text
        trajectory.append(step(index, name, args, obs))
    return trajectory


@pytest.fixture
async def browsed(tools: dict[str, Tool]) -> list[dict[str, Any]]:
    """search → open (every chunk) → find against the local web, as a trajectory."""
    trajectory = await run(tools, [("search", {"query": "zephyr bridge"}),
                                   ("open", {"target": "1"}), ("find", {"pattern": "engineer"})])
    opened = web_call(trajectory[1])
    assert opened is not None
    chunks = opened["chunks"]
    assert chunks >= 2
    more = [("open", {"target": "1", "chunk": n}) for n in range(2, chunks + 1)]
    return trajectory + await run(tools, more)


async def judge(answer: str, trajectory: list[dict[str, Any]], question: str = QUESTION):
    return await SourceChecker().check(CheckInput(question=question, answer=answer,
                                                  trajectory=trajectory))


@pytest.mark.parametrize("answer", [
    "The main span is 1,234 metres long and the chief engineer was Amelia Thornbury.",
    "About 1.2 thousand metres; Amelia Thornbury led the engineering.",
    'It opened in 1987 and locals call its colour "estuary mint".',
    "It cost 12.6 million euros to repaint, roughly 12,600,000 euros.",
    "Amelia Thornbury (source: {article})",
])
async def test_supported_claims_are_found_but_not_accepted(browsed: list[dict[str, Any]],
                                                           web: LocalWeb, answer: str) -> None:
    """Found words are support, not proof: the checker's precision is unmeasured, so it
    may reject but not accept (it accepted 'John Adams' as the first president from a
    page naming him the second)."""
    verdict = await judge(answer.format(article=web.url("/article")), browsed)
    assert verdict.status == "unverified", verdict.reason
    assert "appear in text fetched" in verdict.reason
    assert verdict.checker == "sources"
    assert verdict.evidence and all("found in" in line for line in verdict.evidence)


@pytest.mark.parametrize(("answer", "named"), [
    ("The main span is 1,300 metres long.", "the number '1,300'"),
    ("The main span is 1,234 metres and the chief engineer was Robert Smith.", "the name 'Robert'"),
    ('Locals call it "the green giant".', "the quote 'the green giant'"),
    ("It opened in 1990.", "the number '1990'"),
    ("1,234 metres (see https://example.org/zephyr)", "the cited URL 'https://example.org/zephyr'"),
    ("About 1,200 metres.", "the number '1,200'"),
])
async def test_unsupported_claims_are_rejected_by_name(browsed: list[dict[str, Any]],
                                                       answer: str, named: str) -> None:
    verdict = await judge(answer, browsed)
    assert verdict.status == "reject"
    assert verdict.reason.startswith("not supported by any text fetched in this run: ")
    assert named in verdict.reason


async def test_text_never_shown_in_the_run_is_not_evidence(tools: dict[str, Tool]) -> None:
    """The page was fetched, but only its first chunk was shown: later chunks don't count."""
    trajectory = await run(tools, [("search", {"query": "zephyr bridge"}),
                                   ("open", {"target": "1"})])
    assert "estuary mint" not in trajectory[1]["observation"]
    verdict = await judge('Locals call its colour "estuary mint".', trajectory)
    assert verdict.status == "reject"
    assert "the quote 'estuary mint'" in verdict.reason


async def test_nothing_fetched_is_unverified_never_accepted() -> None:
    verdict = await judge("The main span is 1,234 metres.", [])
    assert verdict.status == "unverified"
    assert "nothing was fetched" in verdict.reason


async def test_failed_fetches_are_not_evidence(tools: dict[str, Tool], web: LocalWeb) -> None:
    tool = tools["open"]
    failed = await tool.call(tool.args_schema(target=web.url("/missing")), ToolContext())
    verdict = await judge("1,234 metres", [step(0, "open", {"target": "x"}, failed)])
    assert verdict.status == "unverified"


async def test_answer_without_checkable_claims_is_unverified(
    browsed: list[dict[str, Any]],
) -> None:
    verdict = await judge("it is the one that was asked about", browsed)
    assert verdict.status == "unverified"
    assert "no quoted, numeric or named claim" in verdict.reason


async def test_only_web_steps_count_as_evidence(browsed: list[dict[str, Any]]) -> None:
    python = Observation(tool="python", text="Robert Smith designed it; span 1300")
    trajectory = [*browsed, step(3, "python", {"code": "print(...)"}, python)]
    verdict = await judge("Robert Smith", trajectory)
    assert verdict.status == "reject"


async def test_code_answers_are_left_to_other_checkers(browsed: list[dict[str, Any]]) -> None:
    verdict = await SourceChecker().check(CheckInput(question="q", kind="code",
                                                     answer="def f(): return 1234",
                                                     trajectory=browsed))
    assert verdict.status == "unverified"


def test_claim_extraction_skips_what_the_question_already_says() -> None:
    claims = extract_claims("In 2019 the Zephyr Bridge was repainted by Calder Works for "
                            "12.6 million euros.", "What happened to the Zephyr Bridge in 2019?")
    assert [(c.kind, c.text) for c in claims] == [
        ("number", "12.6 million"), ("name", "Calder"), ("name", "Works")]


def test_list_markers_and_sentence_starts_are_not_claims() -> None:
    claims = extract_claims("1. Yes, according to it.\n2. However, it varies.", "q")
    assert claims == []


async def test_malformed_cited_urls_are_rejected_by_name_not_raised(
    browsed: list[dict[str, Any]], tools: dict[str, Tool],
) -> None:
    """Failed opens of malformed URLs in the trajectory, and malformed URLs in the answer."""
    ctx = ToolContext(thread_id="checker")
    for index, target in enumerate(["http://[::1", "http://xn--a.com/", "http://host:99999/"]):
        failed = await tools["open"].call(tools["open"].args_schema(target=target), ctx)
        browsed = [*browsed, step(10 + index, "open", {"target": target}, failed)]
    verdict = await judge("Amelia Thornbury (see http://host:99999/x and http://xn--a.com/)",
                          browsed)
    assert verdict.status == "reject"
    assert "the cited URL 'http://host:99999/x'" in verdict.reason
    assert "the cited URL 'http://xn--a.com/'" in verdict.reason


async def test_the_models_own_words_echoed_back_are_no_evidence(
        tools: dict[str, Tool], browsed: list[dict[str, Any]]) -> None:
    # find echoes its pattern ("no match for 'Zorblatt 7,654,321'"): the model's words,
    # outside every frame of fetched text, so they support nothing.
    trajectory = browsed + await run(tools, [("find", {"pattern": "Zorblatt 7,654,321"})])
    verdict = await judge("The city is Zorblatt and it has 7,654,321 residents.", trajectory,
                          question="Which city is it, and how many residents does it have?")
    assert verdict.status == "reject"  # accepted before: "found in step 4 (find)"


async def test_a_number_longer_than_decimals_default_precision_is_compared(
        browsed: list[dict[str, Any]]) -> None:
    verdict = await judge("It is 1267650600228229401496703205376.", browsed,
                          question="What is two to the power 100?")
    assert verdict.status == "reject", verdict.reason  # raised InvalidOperation before
    assert "1267650600228229401496703205376" in verdict.reason


async def test_ponders_own_labels_on_fetched_lines_are_no_evidence() -> None:
    """A search result's number and a find match's place sit inside the frame: '2' and '3'
    were "found in" them."""
    from ponder.tools.web.safety import wrap_untrusted

    results = wrap_untrusted("[1] Zephyr Bridge\n    https://a.example/zephyr\n"
                             "[2] Famous bridges\n    https://b.example/bridges",
                             source="search results for 'zephyr bridge'")
    found = wrap_untrusted("[page 1, chunk 3, line 3] the towers of the bridge are tall",
                           source="find 'towers'")
    trajectory = [
        step(0, "search", {"query": "zephyr bridge"}, Observation(tool="search", text=results)),
        step(1, "find", {"pattern": "towers"}, Observation(tool="find", text=found)),
    ]
    for answer in ("The bridge has 2 towers.", "The bridge has 3 towers."):
        verdict = await judge(answer, trajectory, question="How many towers does it have?")
        assert verdict.status == "reject", (answer, verdict.reason)
    verdict = await judge("The towers are tall.", trajectory,
                          question="What are the towers like?")
    assert verdict.status != "reject", verdict.reason
