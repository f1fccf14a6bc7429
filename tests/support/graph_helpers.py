"""Small tools and checkers for graph tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.testing import ScriptedChatModel
from ponder.tools.base import Observation, ToolContext


class EchoArgs(BaseModel):
    text: str


class EchoTool:
    """Upper-cases its input; records the calls it got."""

    name = "echo"
    description = "echo text back in capitals"
    args_schema = EchoArgs

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def call(self, args: EchoArgs, ctx: ToolContext) -> Observation:
        self.calls.append(args.text)
        return Observation(tool=self.name, text=args.text.upper())


class TwoArgs(BaseModel):
    a: int
    b: int


class AddTool:
    name = "add"
    description = 'add two integers; input {"a": 1, "b": 2}'
    args_schema = TwoArgs

    async def call(self, args: TwoArgs, ctx: ToolContext) -> Observation:
        return Observation(tool=self.name, text=str(args.a + args.b))


class BrokenTool:
    name = "broken"
    description = "always raises"
    args_schema = EchoArgs

    async def call(self, args: EchoArgs, ctx: ToolContext) -> Observation:
        raise RuntimeError("disk on fire")


class ScriptedChecker:
    """Returns the given statuses in order, one per check; records what it saw."""

    name = "scripted"

    def __init__(self, statuses: list[str]) -> None:
        self._statuses: Iterator[str] = iter(statuses)
        self.seen: list[CheckInput] = []

    async def check(self, item: CheckInput) -> Verdict:
        self.seen.append(item)
        status = next(self._statuses)
        return Verdict(checker=self.name, status=status, reason=f"scripted {status}")  # type: ignore[arg-type]


def plan(*steps: tuple[str, str]) -> dict:
    return {"steps": [{"step": s, "tool": t} for s, t in steps]}


def act(tool: str, text: str, thought: str = "") -> dict:
    return {"thought": thought or f"use {tool}", "tool": tool, "input": text}


def answer(text: str) -> dict:
    return {"thought": "done", "tool": "answer", "input": text}


class LookupPython:
    """A python tool that 'runs' code by looking its output up (and records the calls)."""

    name = "python"
    description = "run python"

    class Args(BaseModel):
        code: str

    args_schema = Args

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.ran: list[str] = []

    async def call(self, args: Any, ctx: ToolContext) -> Observation:
        self.ran.append(args.code)
        out = self.outputs.get(args.code)
        if out is None:
            return Observation(tool="python", ok=False, text="NameError",
                               data={"code": args.code, "stdout": "", "value": None,
                                     "error": "NameError: name 'x' is not defined"})
        return Observation(tool="python", text=f"[stdout]\n{out}",
                           data={"code": args.code, "stdout": out + "\n", "value": None})


def by_prompt(direct: str, program: str, loop: list[Any], *, bare: str | None = None) -> Any:
    """A model that answers the first methods' prompts by their words (they run at the
    same time, so their order is not fixed) — the bare call's only when ``bare`` is given —
    and the tool loop's calls in order."""
    from ponder.testing import FunctionChatModel

    queue = list(loop)

    def reply(messages: list[Any]) -> Any:
        last = str(messages[-1].content)
        if bare is not None and last.endswith("Reply with only the final answer."):
            return bare
        if "Think step by step, briefly" in last:
            return direct
        if "Write a short Python program that computes the answer" in last:
            return program
        assert queue, f"unexpected call: {last[:200]}"
        return queue.pop(0)

    return FunctionChatModel(reply)


class SlowModel(ScriptedChatModel):
    """A scripted model whose every reply takes a minute: a call a deadline must cut off."""

    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        import asyncio

        await asyncio.sleep(60)
        return await super()._agenerate(*args, **kwargs)
