"""The result's evidence leads with the checks that decided it."""

from __future__ import annotations

from graph_helpers import ScriptedChecker, answer, plan

from ponder.agent.settings import Settings
from ponder.graphs.builder import build_graph
from ponder.testing import ScriptedChatModel


class Named(ScriptedChecker):
    def __init__(self, name: str, statuses: list[str]) -> None:
        super().__init__(statuses)
        self.name = name


async def test_the_accepting_check_comes_before_the_checks_that_found_nothing() -> None:
    checkers = [Named(f"idle{i}", ["unverified"]) for i in range(9)] + [
        Named("second-program", ["accept"])]
    model = ScriptedChatModel([plan(("answer", "none")), answer("391")])
    graph = build_graph(model, [], checkers=checkers, settings=Settings(direct_answer=False))
    out = await graph.ainvoke({"task": {"question": "What is 17*23?"}})
    evidence = out["final"]["evidence"]
    assert out["final"]["verified"]
    assert evidence[0].startswith("second-program: accept")
    assert [e.split(":")[0] for e in evidence[1:]] == [f"idle{i}" for i in range(9)]
