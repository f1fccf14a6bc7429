"""Probe (2026-12-06, not part of Ponder): a backward check of story answers.

    PYTHONPATH=/work python backward.py ROWS TASKS CATEGORY MASKS > out.jsonl

For every agent row of CATEGORY in ROWS, each distinct numeric answer the direct, program
and bare methods proposed is checked backward (FOBAR-style): one of the first MASKS
numbers of the question is replaced by X, the model is told the answer, and a program it
writes must recover the masked number. A check passes when the program prints it. Model
code runs in the sandbox image with no network. One JSON line per candidate answer.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys

from langchain_core.messages import HumanMessage

from ponder.agent.models.local import local_chat_model, stop_local_servers
from ponder.agent.settings import Settings
from ponder.graphs.parsing import python_fence
from ponder.sandbox.image import default_image_tag

NUM = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w)")
IMAGE = default_image_tag()  # the sandbox image setup.sh builds
PROMPT = ("{q}\nIf we know the answer to the above question is {a}, what is the value of "
          "the unknown variable X?\n\nWrite a short Python program that computes X and prints "
          "only X. Reply with the code in one ```python block.")


def last_number(text: str | None) -> float | None:
    found = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text or "")
    try:
        return float(found[-1].replace(",", "")) if found else None
    except ValueError:
        return None


def run(code: str) -> float | None:
    try:
        done = subprocess.run(["docker", "run", "--rm", "-i", "--network", "none", IMAGE,
                               "python", "-"], input=code, capture_output=True, text=True,
                              timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return None
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return last_number(lines[-1]) if lines else None


async def check(model, question: str, answer: float, masks: int) -> list[bool]:
    results = []
    for match in list(NUM.finditer(question))[:masks]:
        masked = question[:match.start()] + "X" + question[match.end():]
        reply = await model.ainvoke([HumanMessage(PROMPT.format(q=masked, a=answer))])
        code = python_fence(str(reply.content)) or ""
        got = run(code) if code else None
        want = float(match.group())
        results.append(got is not None and abs(got - want) < 1e-6 * max(1.0, abs(want)))
    return results


async def main(rows_path: str, tasks_path: str, category: str, masks: int) -> None:
    with open(tasks_path) as lines:
        tasks = {t["id"]: t for t in map(json.loads, lines)}
    model = local_chat_model("local:qwen2.5-coder-0.5b", Settings(max_output_tokens=384))
    with open(rows_path) as lines:
        rows = [json.loads(line) for line in lines]
    for row in rows:
        if row["mode"] != "agent" or row["category"] != category:
            continue
        task = tasks[row["id"]]
        answers: dict[float, list[str]] = {}
        for cand in row["candidates"]:
            value = last_number(cand["answer"])
            if value is not None and cand["method"] in ("direct", "program", "bare"):
                answers.setdefault(value, []).append(cand["method"])
        for value, methods in answers.items():
            shown = int(value) if value == int(value) else value
            print(json.dumps({"id": row["id"], "answer": shown, "methods": methods,
                              "right": abs(value - float(task["answer"])) < 1e-6,
                              "checks": await check(model, task["prompt"], shown, masks),
                              "distinct": len(answers), "selected_right": row["correct"]}),
                  flush=True)
    stop_local_servers()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
