"""Parallel slots of the embedded model: run ``python bench/model_slots.py [--questions N]``.

The first methods (the direct answer, the program, the bare answer) are three model calls
made at the same time. With one llama.cpp slot they are decoded one after another; with
three, together in one batch. This runs the same three prompts per question (dev-set
questions, the registry's texts, temperature 0, the real default model) against a server
with 1 slot and one with ``--slots`` slots, in one run, and prints the wall time per
question and the ratio. A benchmark, not a test: the machine's load moves the times;
compare the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from ponder.agent.models.local import local_chat_model, stop_local_servers
from ponder.agent.settings import Settings
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS

DEV = Path(__file__).with_name("dev_tasks.jsonl")


def questions(n: int) -> list[str]:
    """``n`` dev-set questions (no coding tasks), taken in turn from each category."""
    by_category: dict[str, list[str]] = {}
    for line in DEV.read_text().splitlines():
        row = json.loads(line)
        if row.get("kind") != "code":
            by_category.setdefault(row["metadata"]["category"], []).append(row["prompt"])
    out: list[str] = []
    while len(out) < n and any(by_category.values()):
        for pending in by_category.values():
            if pending and len(out) < n:
                out.append(pending.pop(0))
    return out


def first_method_prompts(question: str) -> list[str]:
    p = DEFAULT_PROMPTS
    return [f"Task: {question}\n\n{p.direct_question}",
            f"Task: {question}\n\n{p.program_question}",
            f"{question}\n{p.bare_question}"]


async def one_question(model: BaseChatModel, question: str) -> tuple[float, int]:
    started = time.perf_counter()
    replies = await asyncio.gather(*(model.ainvoke([HumanMessage(text)])
                                     for text in first_method_prompts(question)))
    tokens = sum(r.usage_metadata["output_tokens"] if r.usage_metadata else 0 for r in replies)
    return time.perf_counter() - started, tokens


async def measure(slots: int, qs: list[str], max_tokens: int) -> tuple[list[float], int]:
    settings = Settings(local_slots=slots, max_output_tokens=max_tokens)
    model = local_chat_model(settings.model, settings)
    await model.ainvoke([HumanMessage("Say OK.")])  # load and warm up
    times, tokens = [], 0
    for q in qs:
        seconds, out = await one_question(model, q)
        times.append(seconds)
        tokens += out
    stop_local_servers()
    return times, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--slots", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    qs = questions(args.questions)
    one, one_tokens = asyncio.run(measure(1, qs, args.max_tokens))
    many, many_tokens = asyncio.run(measure(args.slots, qs, args.max_tokens))
    print(f"{len(qs)} questions x 3 concurrent first-method calls, max {args.max_tokens} "
          "tokens each, temperature 0")
    print(f"{'slots':>5} {'median s/question':>18} {'total s':>8} {'output tokens':>14} "
          f"{'tokens/s':>9}")
    for slots, times, tokens in ((1, one, one_tokens), (args.slots, many, many_tokens)):
        total = sum(times)
        print(f"{slots:>5} {statistics.median(times):>18.2f} {total:>8.1f} {tokens:>14} "
              f"{tokens / total:>9.1f}")
    print(f"ratio (1 slot / {args.slots} slots), total wall time: "
          f"{sum(one) / sum(many):.2f}x; tokens/s: "
          f"{(many_tokens / sum(many)) / (one_tokens / sum(one)):.2f}x")


if __name__ == "__main__":
    main()
