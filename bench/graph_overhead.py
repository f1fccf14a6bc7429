"""Framework overhead per node transition, measured against a bare loop.

Both sides make the same scripted model calls and the same no-op tool calls; the
difference is what Ponder's graph adds (state updates, reducers, routing, prompt
rendering, parsing, events, checkpointing). Prints a table; target ≤ 1 ms per transition
without a durable checkpointer. Run: ``python bench/graph_overhead.py [--steps N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from ponder.agent.settings import BudgetSettings, Settings
from ponder.graphs.builder import build_graph
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Observation, ToolContext


class NoopArgs(BaseModel):
    text: str


class NoopTool:
    name = "noop"
    description = "does nothing"
    args_schema = NoopArgs

    async def call(self, args: NoopArgs, ctx: ToolContext) -> Observation:
        return Observation(tool=self.name, text="ok")


def script(steps: int) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = [{"steps": [{"step": "loop", "tool": "noop"}]}]
    replies += [{"thought": f"step {i}", "tool": "noop", "input": str(i)} for i in range(steps - 1)]
    replies.append({"thought": "done", "tool": "answer", "input": "done"})
    return replies


async def bare_loop(steps: int) -> float:
    """The same model and tool calls with nothing around them."""
    model, tool = ScriptedChatModel(script(steps)), NoopTool()
    started = time.perf_counter()
    for _ in range(steps + 1):
        reply = await model.ainvoke([SystemMessage("s"), HumanMessage("q")])
        decision = json.loads(str(reply.content))
        if decision.get("tool") == "noop":
            await tool.call(NoopArgs(text=decision["input"]), ToolContext())
    return time.perf_counter() - started


async def graph_run(steps: int, checkpointer: Any) -> tuple[float, int]:
    settings = Settings(budget=BudgetSettings(
        max_steps=steps + 5, max_tool_calls=steps + 5, max_tokens=10**9))
    graph = build_graph(ScriptedChatModel(script(steps)), [NoopTool()], settings=settings,
                        checkpointer=checkpointer, checkers=[])
    config = {"configurable": {"thread_id": "bench"}}
    transitions = 0
    started = time.perf_counter()
    async for _ in graph.astream({"task": {"question": "loop"}}, config, stream_mode="updates"):
        transitions += 1
    return time.perf_counter() - started, transitions


async def sqlite_saver(path: Path) -> Any:
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    return AsyncSqliteSaver(await aiosqlite.connect(str(path)))


async def main(steps: int, repeats: int) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    rows: dict[str, list[float]] = {"bare": [], "graph": [], "graph+memory": [], "graph+sqlite": []}
    transitions = 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):  # interleaved, so machine noise hits every variant alike
            rows["bare"].append(await bare_loop(steps))
            t, transitions = await graph_run(steps, None)
            rows["graph"].append(t)
            rows["graph+memory"].append((await graph_run(steps, InMemorySaver()))[0])
            saver = await sqlite_saver(Path(tmp) / f"c{r}.sqlite")
            rows["graph+sqlite"].append((await graph_run(steps, saver))[0])
            await saver.conn.close()
    bare = statistics.median(rows["bare"])
    print(f"{steps} think steps, {transitions} node transitions, median of {repeats} runs\n")
    print(f"{'variant':<14} {'total s':>9} {'per transition':>15} {'overhead/transition':>20} {'ratio':>7}")
    for name, times in rows.items():
        total = statistics.median(times)
        per = total / transitions * 1e3
        over = (total - bare) / transitions * 1e3
        print(f"{name:<14} {total:>9.3f} {per:>12.3f} ms {over:>17.3f} ms {total / bare:>6.1f}x")
    print("\ntarget: overhead ≤ 1 ms per transition (graph, graph+memory)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.repeats))
