"""Draws: when a question's first answers disagree, more draws of both first methods
(reasoning in words and a program), sampled, and a vote among the standing answers —
which selects and never verifies."""

from __future__ import annotations

from typing import Any

from graph_helpers import LookupPython as Python
from graph_helpers import ScriptedChecker
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.graphs.nodes.draw import to_draw
from ponder.graphs.routing import next_after_verify
from ponder.graphs.select import best, votes
from ponder.graphs.state import empty_usage
from ponder.testing import FunctionChatModel

STORY = ("Olivia takes 11 minutes to finish a chess puzzle and 4 minutes to finish a riddle. "
         "Over the vacation she solved 3 chess puzzles and 6 riddles. How much time did she "
         "spend playing these games in total, in minutes?")
WORDS = "Think step by step, briefly"
PROGRAM = "Write a short Python program that computes the answer"


def _state(question: str, cands: list[dict[str, Any]], statuses: dict[int, str] | None = None,
           **usage: int) -> dict[str, Any]:
    statuses = statuses or {}
    verdicts = [{"candidate": c["index"], "checker": "c", "reason": "r", "evidence": [],
                 "status": statuses.get(c["index"], "unverified")} for c in cands]
    return {"task": {"question": question}, "candidates": cands, "verdicts": verdicts,
            "usage": {**empty_usage(), **usage}, "trajectory": []}


def _cand(index: int, method: str, answer: str) -> dict[str, Any]:
    cand: dict[str, Any] = {"index": index, "answer": answer, "step": 0, "code": None,
                            "method": method}
    if method in ("program", "program_sample"):
        code = f"print({answer} + 0)"
        cand["program"] = {"code": code, "stdout": answer, "value": None, "ok": True,
                           "computed": True, "ran": [code]}
    return cand


def test_draws_come_only_when_the_first_answers_of_a_question_disagree() -> None:
    settings = Settings()
    differ = _state(STORY, [_cand(0, "direct", "45"), _cand(1, "program", "57")])
    assert to_draw(differ, settings)
    agree = _state(STORY, [_cand(0, "direct", "57"), _cand(1, "program", "57")])
    assert not to_draw(agree, settings)
    accepted = _state(STORY, [_cand(0, "direct", "45"), _cand(1, "program", "57")], {1: "accept"})
    assert not to_draw(accepted, settings)
    assert not to_draw({**differ, "usage": {**empty_usage(), "draws": 1}}, settings)  # once
    assert not to_draw(differ, Settings(question_draws=0))
    assert not to_draw(differ, Settings(program_answer=False))
    code = {**differ, "task": {"question": "def f(): ...", "kind": "code", "entry_point": "f"}}
    assert not to_draw(code, settings)
    request = {**differ, "task": {"question": "Divide 18 by 4 and round down to a whole number."}}
    assert not to_draw(request, settings)  # not a word problem (is_word_problem)
    # No program answer at all (it printed nothing) is no agreement either.
    assert to_draw(_state(STORY, [_cand(0, "direct", "45")]), settings)


def test_routing_draws_before_the_answer_that_stands_or_the_loop() -> None:
    settings = Settings()
    differ = _state(STORY, [_cand(0, "direct", "45"), _cand(1, "program", "57")])
    assert next_after_verify(differ, settings.budget, settings) == "draw"
    # Without the settings (an embedder's own routing) or once drawn: as before.
    assert next_after_verify(differ, settings.budget) == "finalize"
    drawn = {**differ, "usage": {**empty_usage(), "draws": 1}}
    assert next_after_verify(drawn, settings.budget, settings) == "finalize"
    # Exact work: the computed answer stands without a vote (no draws).
    exact = _state("What is 17*23?", [_cand(0, "direct", "449"), _cand(1, "program", "391")])
    assert not to_draw(exact, settings)
    assert next_after_verify(exact, settings.budget, settings) == "finalize"


def test_the_vote_of_drawn_answers_selects_but_never_verifies() -> None:
    cands = [_cand(0, "direct", "45"), _cand(1, "program", "57"), _cand(3, "bare", "45"),
             _cand(4, "direct_sample", "57"), _cand(5, "direct_sample", "60"),
             _cand(6, "program_sample", "57")]
    cand, status = best(_state(STORY, cands))
    assert cand is not None and cand["answer"] == "57" and status == "unverified"
    assert votes(cands[1], cands) == 3 and votes(cands[0], cands) == 2
    # Without draws the story's words rank first, as before.
    cand, _ = best(_state(STORY, cands[:3]))
    assert cand is not None and cand["answer"] == "45"
    # A rejected draw does not vote.
    cand, _ = best(_state(STORY, cands, {1: "reject", 6: "reject"}))
    assert cand is not None and cand["answer"] == "45"
    # A tie in votes goes on down the order of evidence: two methods before one.
    # (45: the words twice; 57: the program and the words.)
    tie = [_cand(0, "direct", "45"), _cand(1, "program", "57"), _cand(4, "direct_sample", "57"),
           _cand(5, "direct_sample", "45")]
    assert votes(tie[0], tie) == votes(tie[1], tie) == 2
    cand, _ = best(_state(STORY, tie))
    assert cand is not None and cand["answer"] == "57"
    # An accepted answer still wins over any vote.
    cand, status = best(_state(STORY, cands, {0: "accept"}))
    assert cand is not None and cand["answer"] == "45" and status == "accept"


class DrawingModel(BaseChatModel):
    """A chat model with a temperature and a seed, so ``hotter()`` can sample it. Cold,
    its words say 45 and its program prints 57; hot, seed 8 says 57 in words and prints
    57, seed 9 says 45 in words and prints 57. Calls are recorded in ``seen``."""

    temperature: float = 0.0
    seed: int | None = 7
    seen: list[tuple[float, int | None, str]]

    @property
    def _llm_type(self) -> str:
        return "drawing-test"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        last = str(messages[-1].content)
        self.seen.append((self.temperature, self.seed, last))
        if WORDS in last:
            says = "57" if self.temperature > 0 and self.seed == 8 else "45"
            text = f"11*3 + 4*3 = {says}\nAnswer: {says}"
        elif PROGRAM in last:
            text = ("```python\nprint(11 * 3 + 4 * 6)\n```" if self.temperature == 0
                    else f"```python\nprint(33 + 24)  # seed {self.seed}\n```")
        else:
            raise AssertionError(f"unexpected call: {last[:200]}")
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])


async def test_a_run_draws_both_methods_hot_and_the_majority_is_selected_unverified() -> None:
    model = DrawingModel(seen=[])
    python = Python({"print(11 * 3 + 4 * 6)": "57", "print(33 + 24)  # seed 8": "57",
                     "print(33 + 24)  # seed 9": "57"})
    graph = build_graph(model, [python], checkers=[ScriptedChecker(["unverified"] * 6)],
                        settings=Settings(bare_answer=False, question_draws=2))
    out = await graph.ainvoke({"task": {"question": STORY}})
    hot = sorted((t, s, WORDS in p) for t, s, p in model.seen if t > 0)
    assert hot == [(0.8, 8, False), (0.8, 8, True), (0.8, 9, False), (0.8, 9, True)]
    methods = sorted(c["method"] for c in out["candidates"])
    assert methods == ["direct", "direct_sample", "direct_sample", "program",
                       "program_sample", "program_sample"]
    assert len(python.ran) == 3  # the first program and both drawn ones ran
    # 57: the program, both drawn programs and one drawn reasoning; 45: the words twice.
    assert out["final"]["answer"] == "57" and not out["final"]["verified"]
    assert out["usage"]["draws"] == 1 and out["usage"]["model_calls"] == 6
    assert out["usage"]["tool_calls"] == 3  # each program run counts, drawn ones too
    assert out["plan"] == []  # the story's answer stands: no tool loop


async def test_a_model_that_cannot_sample_draws_nothing() -> None:
    def reply(messages: list[BaseMessage]) -> str:
        last = str(messages[-1].content)
        return "Answer: 45" if WORDS in last else "```python\nprint(11 * 3 + 4 * 6)\n```"

    graph = build_graph(FunctionChatModel(reply), [Python({"print(11 * 3 + 4 * 6)": "57"})],
                        checkers=[ScriptedChecker(["unverified"] * 2)],
                        settings=Settings(bare_answer=False))
    out = await graph.ainvoke({"task": {"question": STORY}})
    assert sorted(c["method"] for c in out["candidates"]) == ["direct", "program"]
    assert out["usage"]["draws"] == 1 and out["usage"]["model_calls"] == 2
    assert out["final"]["answer"] == "45"  # the story's words, as without draws


async def test_without_the_python_tool_nothing_is_drawn() -> None:
    model = DrawingModel(seen=[])
    graph = build_graph(model, [], checkers=[ScriptedChecker(["unverified"])],
                        settings=Settings(bare_answer=False, question_draws=2))
    out = await graph.ainvoke({"task": {"question": STORY}})
    assert [t for t, _, _ in model.seen] == [0.0]  # the direct call alone
    assert [c["method"] for c in out["candidates"]] == ["direct"]
    assert out["usage"]["draws"] == 1 and out["usage"]["model_calls"] == 1
